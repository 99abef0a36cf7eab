//! Parameter sweeps: a sweep file names a base scenario and the keys to vary (a full grid or a
//! list of points); every (point, replication) runs in parallel on rayon, and the results come
//! back in the order of the points whatever the thread count.

mod file;
pub mod runs;
pub mod slurm;

use std::fmt;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use toml_edit::Value;

use crate::engine::StopToken;
use crate::experiment::{metrics, replication_seed, MetricEstimate, WarmupCheck};
use crate::model::Scenario;

pub use file::{load, show, MAX_POINTS};

/// A validated sweep: what its results need to know of it (also kept with each shard), and one
/// validated scenario per point.
pub struct Sweep {
    pub info: SweepInfo,
    pub points: Vec<Point>,
}

pub use runs::{RunRecord, Shard, SweepInfo};

/// One combination of values, and the scenario it makes.
pub struct Point {
    /// The value of each varied key, in the order of [`Sweep::keys`].
    pub values: Vec<Value>,
    pub scenario: Scenario,
}

impl fmt::Debug for Sweep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sweep")
            .field("file", &self.info.file)
            .field("keys", &self.info.keys)
            .field("points", &self.points.len())
            .finish()
    }
}

/// What one point measured over its replications.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PointResult {
    /// The varied values, as written (`3`, `0.05`).
    pub values: Vec<String>,
    pub warmup: WarmupCheck,
    pub metrics: Vec<MetricEstimate>,
}

/// Runs every (point, replication) on rayon's current pool; `progress` is called after each
/// run. Results come back in the order of the points.
pub fn run(sweep: &Sweep, progress: &(dyn Fn() + Sync)) -> Vec<PointResult> {
    let info = &sweep.info;
    let records = std::sync::Mutex::new(Vec::new());
    run_pairs(sweep, &info.pairs_of(None), &StopToken::new(), &|record| {
        records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(record);
        progress();
    });
    let records = records
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    runs::reduce(info, records).expect("every pair ran")
}

/// Runs the given (point, replication) pairs on rayon's current pool and hands each run's record
/// to `done` as it ends. Once `stop` is set no new run starts and runs under way are dropped
/// within [`StopToken::CHECK_EVERY`] events; returns how many ran to their end.
pub fn run_pairs(
    sweep: &Sweep,
    pairs: &[(u32, u32)],
    stop: &StopToken,
    done: &(dyn Fn(RunRecord) + Sync),
) -> usize {
    pairs
        .par_iter()
        .map(|&(point, replication)| {
            if stop.is_stopped() {
                return 0;
            }
            let scenario = &sweep.points[point as usize].scenario;
            let seed = replication_seed(sweep.info.base_seed, replication);
            let Some(result) = crate::model::run_summary_until(scenario, seed, stop) else {
                return 0;
            };
            let mut record =
                RunRecord::new(point, replication, metrics(&result), &result.in_port_hourly);
            record.stopped = result.stopped;
            done(record);
            1
        })
        .sum()
}

/// The output folder's name: `sweep-<name>`.
pub fn folder_name(sweep: &SweepInfo) -> String {
    format!("sweep-{}", sweep.name)
}
