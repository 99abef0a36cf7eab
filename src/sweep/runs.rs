//! The runs of a sweep as data: which (point, replication) pairs a shard runs, what each run
//! leaves behind, and how a point's runs reduce to its result.
//!
//! A run's record holds everything its point's result needs (every metric and the hourly trucks
//! in port for the warm-up check), so results reduced from records read back from disk are
//! byte-identical to those of one uninterrupted sweep on one machine.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::PointResult;
use crate::engine::fnv1a;
use crate::experiment::{estimates, Measurement, MetricEstimate, MetricId, WarmupCheck};
use crate::model::Stopped;

/// Shard `index` of `count` (1-based): the pairs whose number `point × replications +
/// replication` leaves remainder `index - 1` when divided by `count`. Taking every `count`-th
/// pair spreads expensive and cheap points evenly over the shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

/// Most shards a sweep may be split into.
pub const MAX_SHARDS: u32 = 100_000;

impl FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Shard, String> {
        let (index, count) = text
            .split_once('/')
            .ok_or_else(|| format!("expected I/N such as 2/8, got '{text}'"))?;
        let number = |part: &str| {
            part.trim()
                .parse::<u32>()
                .map_err(|_| format!("expected I/N with whole numbers, got '{text}'"))
        };
        let (index, count) = (number(index)?, number(count)?);
        if count == 0 || count > MAX_SHARDS {
            return Err(format!(
                "the shard count must be 1 to {MAX_SHARDS}, got {count}"
            ));
        }
        if index == 0 || index > count {
            return Err(format!("the shard index must be 1 to {count}, got {index}"));
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// Whether the pair numbered `pair` is in this shard.
    pub fn holds(&self, pair: u64) -> bool {
        pair % u64::from(self.count) == u64::from(self.index - 1)
    }
}

/// A point as its results need it: its values as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointInfo {
    pub values: Vec<String>,
}

/// What the result files of a sweep need to know about it, and what identifies it: kept with
/// each shard so that shards merge without the sweep file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepInfo {
    pub file: PathBuf,
    pub name: String,
    pub scenario_file: PathBuf,
    pub base_seed: u64,
    pub replications: u32,
    pub keys: Vec<String>,
    pub points: Vec<PointInfo>,
    /// The metrics every run measures, in order: a run record of this sweep has exactly these.
    pub metrics: Vec<MetricId>,
    /// A hash of the landport version, the sweep file and the base scenario with the files it
    /// extends: shards with different fingerprints do not merge.
    pub fingerprint: String,
    /// A ledger: the keys are reforms, a point a combination of them ("yes"/"no"), and the
    /// metrics the port's.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ledger: bool,
}

impl SweepInfo {
    /// Every (point, replication) pair, numbered `point × replications + replication`.
    pub fn pairs(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        let replications = self.replications;
        (0..self.points.len() as u32)
            .flat_map(move |point| (0..replications).map(move |replication| (point, replication)))
    }

    pub fn pair_number(&self, point: u32, replication: u32) -> u64 {
        u64::from(point) * u64::from(self.replications) + u64::from(replication)
    }

    /// Why `record` cannot be a run of this sweep, if it cannot: a point or replication out of
    /// range, or other metrics (another sweep's stages).
    pub fn foreign(&self, record: &RunRecord) -> Option<String> {
        if record.point as usize >= self.points.len() {
            return Some(format!(
                "point {} is not one of this sweep's {} points",
                record.point,
                self.points.len()
            ));
        }
        if record.replication >= self.replications {
            return Some(format!(
                "replication {} is not one of this sweep's {}",
                record.replication, self.replications
            ));
        }
        let ids: Vec<&MetricId> = record.metrics.iter().map(|(id, _)| id).collect();
        if ids.len() != self.metrics.len() {
            return Some(format!(
                "{} metrics instead of this sweep's {}",
                ids.len(),
                self.metrics.len()
            ));
        }
        if let Some((theirs, ours)) = ids.iter().zip(&self.metrics).find(|(a, b)| **a != *b) {
            return Some(format!(
                "a run of another sweep: `{theirs}` where this sweep measures `{ours}`"
            ));
        }
        None
    }

    /// The pairs of `shard`, or all of them.
    pub fn pairs_of(&self, shard: Option<Shard>) -> Vec<(u32, u32)> {
        self.pairs()
            .filter(|&(point, replication)| {
                shard.is_none_or(|shard| shard.holds(self.pair_number(point, replication)))
            })
            .collect()
    }
}

/// The [`fnv1a`] hash of the parts, each followed by a zero byte, in hexadecimal.
pub fn fingerprint(parts: &[&str]) -> String {
    let bytes = parts.iter().flat_map(|part| part.bytes().chain([0]));
    format!("{:016x}", fnv1a(bytes))
}

/// What one (point, replication) run left: every metric and the hourly trucks in port, with the
/// warm-up its scenario left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub point: u32,
    pub replication: u32,
    pub warmup_hours: f64,
    /// Metrics and values in the order of [`crate::experiment::metrics`]; a value that is
    /// not a finite number is written as null.
    pub metrics: Vec<(MetricId, Option<f64>)>,
    pub in_port_hourly: Vec<Option<f64>>,
    /// How many times neighbouring values of `in_port_hourly` were pooled in pairs (a run of
    /// more than [`crate::model::IN_PORT_HOURS_KEPT`] hours); absent when none were.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub in_port_pooled: u32,
    /// The point's highest offered load (see [`crate::Scenario::max_offered_load`]); `None`
    /// when infinite.
    #[serde(default)]
    pub max_offered_load: Option<f64>,
    /// Why and when the run stopped at a limit, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<Stopped>,
}

fn is_zero(times: &u32) -> bool {
    *times == 0
}

fn finite(value: f64) -> Option<f64> {
    value.is_finite().then_some(value)
}

impl RunRecord {
    pub fn new(
        point: u32,
        replication: u32,
        warmup_hours: f64,
        metrics: Vec<Measurement>,
        in_port_hourly: &[f64],
        in_port_pooled: u32,
    ) -> Self {
        RunRecord {
            stopped: None,
            in_port_pooled,
            max_offered_load: None,
            point,
            replication,
            warmup_hours,
            metrics: metrics
                .into_iter()
                .map(|metric| (metric.id, finite(metric.value)))
                .collect(),
            in_port_hourly: in_port_hourly.iter().copied().map(finite).collect(),
        }
    }

    fn metrics(&self) -> Vec<Measurement> {
        self.metrics
            .iter()
            .map(|(id, value)| Measurement {
                id: id.clone(),
                value: value.unwrap_or(f64::NAN),
            })
            .collect()
    }

    fn in_port_hourly(&self) -> Vec<f64> {
        self.in_port_hourly
            .iter()
            .map(|value| value.unwrap_or(f64::NAN))
            .collect()
    }
}

/// Pairs whose runs are missing, for the message of an incomplete reduction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub runs: usize,
    pub first: (u32, u32),
}

/// Reduces the records of every pair of the sweep to each point's result, in the order of the
/// points. Records may come in any order; duplicates of a pair count once.
pub fn reduce(
    info: &SweepInfo,
    records: impl IntoIterator<Item = RunRecord>,
) -> Result<Vec<PointResult>, Missing> {
    let mut by_pair: BTreeMap<(u32, u32), RunRecord> = BTreeMap::new();
    for record in records {
        by_pair
            .entry((record.point, record.replication))
            .or_insert(record);
    }
    let missing: Vec<(u32, u32)> = info
        .pairs()
        .filter(|pair| !by_pair.contains_key(pair))
        .collect();
    if let Some(&first) = missing.first() {
        return Err(Missing {
            runs: missing.len(),
            first,
        });
    }
    let results = (0..info.points.len() as u32)
        .map(|point| {
            let runs: Vec<&RunRecord> = (0..info.replications)
                .map(|replication| &by_pair[&(point, replication)])
                .collect();
            reduce_point(info, point, &runs)
        })
        .collect();
    Ok(results)
}

/// The result of `point` from its runs, in replication order.
pub fn reduce_point(info: &SweepInfo, point: u32, runs: &[&RunRecord]) -> PointResult {
    let per_run: Vec<Vec<Measurement>> = runs.iter().map(|record| record.metrics()).collect();
    let series: Vec<(Vec<f64>, u32)> = runs
        .iter()
        .map(|record| (record.in_port_hourly(), record.in_port_pooled))
        .collect();
    let warmup_hours = runs.first().map_or(0.0, |record| record.warmup_hours);
    let max_offered_load = runs.first().and_then(|record| record.max_offered_load);
    PointResult {
        values: info.points[point as usize].values.clone(),
        max_offered_load,
        stable: Some(max_offered_load.is_some_and(|load| load < 1.0)),
        warmup: WarmupCheck::of(
            warmup_hours,
            series.iter().map(|(values, pooled)| (&values[..], *pooled)),
        ),
        metrics: estimates(&per_run)
            .into_iter()
            .map(|metric| MetricEstimate {
                values: Vec::new(),
                ..metric
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_split_the_pairs_evenly() {
        assert_eq!("2/8".parse(), Ok(Shard { index: 2, count: 8 }));
        assert!("0/8".parse::<Shard>().unwrap_err().contains("1 to 8"));
        assert!("9/8".parse::<Shard>().unwrap_err().contains("1 to 8"));
        assert!("1/0".parse::<Shard>().unwrap_err().contains("count"));
        assert!("3".parse::<Shard>().unwrap_err().contains("I/N"));
        let info = SweepInfo {
            file: "s.toml".into(),
            name: "s".into(),
            scenario_file: "x.toml".into(),
            base_seed: 1,
            replications: 3,
            keys: vec!["k".into()],
            points: vec![
                PointInfo {
                    values: vec!["1".into()],
                };
                5
            ],
            metrics: Vec::new(),
            fingerprint: String::new(),
            ledger: false,
        };
        let mut all: Vec<(u32, u32)> = Vec::new();
        for index in 1..=4 {
            let pairs = info.pairs_of(Some(Shard { index, count: 4 }));
            assert!((3..=4).contains(&pairs.len()), "15 pairs over 4 shards");
            all.extend(pairs);
        }
        all.sort_unstable();
        assert_eq!(all, info.pairs_of(None), "every pair in exactly one shard");
    }

    #[test]
    fn fingerprints_are_stable_and_tell_parts_apart() {
        // "a" then its zero byte, against the FNV reference's vector for the two bytes "a\0".
        assert_eq!(fingerprint(&["a"]), "089be207b544f1e4");
        assert_ne!(fingerprint(&["ab", "c"]), fingerprint(&["a", "bc"]));
        assert_eq!(
            fingerprint(&["sweep", "scenario"]),
            fingerprint(&["sweep", "scenario"])
        );
    }
}
