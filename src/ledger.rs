//! The reform ledger: which reform bought which hours. A ledger file names a base scenario and
//! reforms (each a part of a scenario merged over the base as a file extending it would be);
//! every combination of the reforms runs, on the same replication seeds, as the points of a
//! sweep (so a ledger has the sweep's journal, `--resume`, `--shard` and `merge`), and each
//! reform's Shapley share of the change from the base to all reforms is computed replication by
//! replication, then summarised with a Student t interval.
//!
//! The Shapley share of reform i is the average, over every order in which the reforms could be
//! added, of what adding i changes: φᵢ = Σ_{S ⊆ N∖{i}} |S|! (k − |S| − 1)! / k! · (v(S ∪ {i}) −
//! v(S)). The shares add up to v(N) − v(∅) in every replication (efficiency), whatever the
//! interactions.

mod file;

use std::io;

use serde::{Deserialize, Serialize};

use crate::experiment::{Estimate, MetricId, Quantity};
use crate::sweep::{RunRecord, SweepInfo};

pub use file::{load, MAX_REFORMS};

/// The metrics a ledger shares out.
pub const METRICS: [Quantity; 10] = [
    Quantity::DwellMean,
    Quantity::DwellP50,
    Quantity::DwellP95,
    Quantity::BufferIndex,
    Quantity::ToDeclaration,
    Quantity::ToRelease,
    Quantity::ClearedPerDay,
    Quantity::CostPerTruck,
    Quantity::IdleFuel,
    Quantity::Co2,
];

/// The point of a ledger's sweep where exactly the reforms in `mask` apply (bit i: reform i).
pub fn point_of(mask: usize, k: usize) -> u32 {
    (0..k)
        .filter(|i| mask >> i & 1 == 1)
        .map(|i| 1u32 << (k - 1 - i))
        .sum()
}

/// Each reform's Shapley share of `values[N] − values[∅]`, where `values[mask]` is the value with
/// the reforms of `mask` (bit i: reform i), for `k` reforms.
pub fn shapley(values: &[f64], k: usize) -> Vec<f64> {
    assert_eq!(values.len(), 1 << k, "a value for every combination");
    let factorial = |n: usize| (1..=n).map(|x| x as f64).product::<f64>();
    let weights: Vec<f64> = (0..k)
        .map(|size| factorial(size) * factorial(k - size - 1) / factorial(k))
        .collect();
    (0..k)
        .map(|i| {
            (0..1usize << k)
                .filter(|mask| mask >> i & 1 == 0)
                .map(|mask| {
                    weights[mask.count_ones() as usize] * (values[mask | 1 << i] - values[mask])
                })
                .sum()
        })
        .collect()
}

/// One reform's part in one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReformShare {
    pub reform: String,
    /// Its Shapley share, mean over replications with its 95% interval.
    pub shapley: Estimate,
    /// The reform alone on the base: v({i}) − v(∅).
    pub alone: Estimate,
    /// The reform taken out of all the others: v(N) − v(N ∖ {i}).
    pub last: Estimate,
    /// The share in each replication, in order.
    pub per_replication: Vec<f64>,
}

/// Two reforms' interaction on the base: v({i, j}) − v({i}) − v({j}) + v(∅).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    pub reforms: [String; 2],
    pub estimate: Estimate,
}

/// The ledger of one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricLedger {
    pub metric: MetricId,
    /// The base alone and with every reform.
    pub base: Estimate,
    pub all: Estimate,
    /// v(N) − v(∅), paired by replication.
    pub total: Estimate,
    pub reforms: Vec<ReformShare>,
    /// The pairs of reforms, largest interaction first.
    pub interactions: Vec<Interaction>,
}

/// Each metric's ledger from every run of a ledger's sweep: `points` yields each point's runs in
/// replication order, point by point.
pub fn compute(
    info: &SweepInfo,
    points: impl Iterator<Item = io::Result<Vec<RunRecord>>>,
) -> io::Result<Vec<MetricLedger>> {
    let k = info.keys.len();
    let replications = info.replications as usize;
    let columns: Vec<(MetricId, usize)> = METRICS
        .iter()
        .filter_map(|&quantity| {
            let id = MetricId::port(quantity);
            let column = info.metrics.iter().position(|metric| *metric == id)?;
            Some((id, column))
        })
        .collect();
    // values[metric][replication][mask]
    let mut values = vec![vec![vec![f64::NAN; 1 << k]; replications]; columns.len()];
    let masks: Vec<usize> = {
        let mut by_point = vec![0; 1 << k];
        for (mask, point) in (0..1usize << k).map(|mask| (mask, point_of(mask, k) as usize)) {
            by_point[point] = mask;
        }
        by_point
    };
    for (point, runs) in points.enumerate() {
        let mask = masks[point];
        for (replication, record) in runs?.iter().enumerate() {
            for (m, &(_, column)) in columns.iter().enumerate() {
                values[m][replication][mask] = record.metrics[column].1.unwrap_or(f64::NAN);
            }
        }
    }
    let all = (1usize << k) - 1;
    Ok(columns
        .iter()
        .zip(&values)
        .map(|((metric, _), per_replication)| {
            let of = |f: &dyn Fn(&[f64]) -> f64| {
                Estimate::of(&per_replication.iter().map(|v| f(v)).collect::<Vec<_>>())
            };
            let shares: Vec<Vec<f64>> = per_replication.iter().map(|v| shapley(v, k)).collect();
            let reforms = (0..k)
                .map(|i| {
                    let per_replication: Vec<f64> = shares.iter().map(|s| s[i]).collect();
                    ReformShare {
                        reform: info.keys[i].clone(),
                        shapley: Estimate::of(&per_replication),
                        alone: of(&|v| v[1 << i] - v[0]),
                        last: of(&|v| v[all] - v[all & !(1 << i)]),
                        per_replication,
                    }
                })
                .collect();
            let mut interactions: Vec<Interaction> = (0..k)
                .flat_map(|i| (i + 1..k).map(move |j| (i, j)))
                .map(|(i, j)| Interaction {
                    reforms: [info.keys[i].clone(), info.keys[j].clone()],
                    estimate: of(&|v| v[1 << i | 1 << j] - v[1 << i] - v[1 << j] + v[0]),
                })
                .collect();
            interactions.sort_by(|a, b| b.estimate.mean.abs().total_cmp(&a.estimate.mean.abs()));
            MetricLedger {
                metric: metric.clone(),
                base: of(&|v| v[0]),
                all: of(&|v| v[all]),
                total: of(&|v| v[all] - v[0]),
                reforms,
                interactions,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapley_shares_match_hand_computations_and_add_up() {
        // Two reforms: v(∅) = 10, v({0}) = 7, v({1}) = 8, v({0,1}) = 3 (interaction −2).
        let values = [10.0, 7.0, 8.0, 3.0];
        let shares = shapley(&values, 2);
        // φ0 = ½[(7 − 10) + (3 − 8)] = −4; φ1 = ½[(8 − 10) + (3 − 7)] = −3.
        assert_eq!(shares, vec![-4.0, -3.0]);
        // Independent effects: each share is the reform's own effect.
        let own = [-1.0, -2.5, -4.0];
        let values: Vec<f64> = (0..8usize)
            .map(|mask| {
                20.0 + (0..3)
                    .filter(|i| mask >> i & 1 == 1)
                    .map(|i| own[i])
                    .sum::<f64>()
            })
            .collect();
        let shares = shapley(&values, 3);
        for (share, own) in shares.iter().zip(own) {
            assert!((share - own).abs() < 1e-12, "{share} against {own}");
        }
        // Efficiency on an arbitrary game of four reforms.
        let values: Vec<f64> = (0..16)
            .map(|mask: u32| f64::from(mask * mask % 7))
            .collect();
        let total: f64 = shapley(&values, 4).iter().sum();
        assert!((total - (values[15] - values[0])).abs() < 1e-12);
    }

    #[test]
    fn points_and_masks_agree_with_the_grid_order() {
        // Three reforms: the first is the slowest key, so the highest bit of the point.
        assert_eq!(point_of(0b001, 3), 0b100);
        assert_eq!(point_of(0b100, 3), 0b001);
        assert_eq!(point_of(0b111, 3), 0b111);
    }
}
