//! Offered load of each stage from the traffic equations of the open routing network.

use serde::{Deserialize, Serialize};

use super::{Destination, Scenario};
use crate::engine::Span;

/// The long-run demand on one stage compared with its capacity.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageLoad {
    pub stage: String,
    /// Trucks entering the stage per hour, visits counted (traffic equations).
    pub arrival_rate_per_hour: f64,
    pub mean_service_hours: f64,
    /// Servers on duty averaged over a week, closed hours counted as zero.
    pub mean_servers: f64,
    /// Arrival rate × mean service / mean servers; at or above 1 the queue grows without bound.
    pub offered_load: f64,
}

/// Solves λ = λ₀·e_entry + Pᵀλ by Gaussian elimination with partial pivoting.
///
/// Validation guarantees every stage reaches the exit, so I − Pᵀ is non-singular.
fn visit_rates(scenario: &Scenario, external_rate: f64) -> Vec<f64> {
    let n = scenario.stages.len();
    // Augmented matrix [I − Pᵀ | λ₀].
    let mut a = vec![vec![0.0; n + 1]; n];
    for (i, row) in a.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    a[scenario.entry][n] = external_rate;
    for (from, stage) in scenario.stages.iter().enumerate() {
        for route in &stage.routes {
            if let Destination::Stage(to) = route.to {
                a[to][from] -= route.probability;
            }
        }
    }
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        let p = a[col][col];
        if p.abs() < 1e-300 {
            continue;
        }
        for value in &mut a[col][col..=n] {
            *value /= p;
        }
        let pivot_row = a[col].clone();
        for (row_idx, row) in a.iter_mut().enumerate() {
            let factor = row[col];
            if row_idx != col && factor != 0.0 {
                for (value, pivot_value) in row[col..=n].iter_mut().zip(&pivot_row[col..=n]) {
                    *value -= factor * pivot_value;
                }
            }
        }
    }
    a.iter().map(|row| row[n]).collect()
}

pub(crate) fn offered_loads(scenario: &Scenario) -> Vec<StageLoad> {
    let hour = Span::HOUR.millis() as f64;
    let rates = visit_rates(scenario, scenario.arrivals.mean_rate() * hour);
    scenario
        .stages
        .iter()
        .zip(rates)
        .map(|(stage, rate)| {
            let mean_service_hours = stage.service.mean() / hour;
            let mean_servers = stage.calendar.mean_servers();
            let demand = rate * mean_service_hours;
            let offered_load = if demand == 0.0 {
                0.0
            } else if mean_servers > 0.0 {
                demand / mean_servers
            } else {
                f64::INFINITY
            };
            StageLoad {
                stage: stage.name.clone(),
                arrival_rate_per_hour: rate,
                mean_service_hours,
                mean_servers,
                offered_load,
            }
        })
        .collect()
}
