//! Parameter sweeps: a sweep file names a base scenario and the keys to vary (a full grid or a
//! list of points); every (point, replication) runs in parallel on rayon, and the results come
//! back in the order of the points whatever the thread count.

pub(crate) mod file;
pub mod runs;
pub mod slurm;

use std::borrow::Cow;
use std::fmt;
use std::path::Path;
use std::sync::Mutex;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use toml_edit::Value;

use crate::engine::StopToken;
use crate::experiment::{metrics, replication_seed, MetricEstimate, WarmupCheck};
use crate::model::Scenario;
use crate::scenario::{InputError, Location, Override, Unchecked};

pub use file::{load, show, MAX_POINTS};

/// The most points a sweep checks whole before its first run (and keeps the scenarios of): some
/// seconds of checking. A larger sweep checks every value of every key before, and each point
/// when it runs, so that a million points start at once and are never all in memory.
pub const CHECK_AHEAD: usize = 10_000;

/// A validated sweep: what its results need to know of it (also kept with each shard), and how
/// each point's scenario is made.
pub struct Sweep {
    pub info: SweepInfo,
    base: Unchecked,
    settings: Settings,
    /// A ledger's reforms: point p merges the reforms whose bit is set in p (the first reform the
    /// highest bit, as a grid's first key varies slowest); empty for a sweep of keys.
    reforms: Vec<crate::scenario::Reform>,
    /// Every point's scenario, for a sweep of at most [`CHECK_AHEAD`] points; empty otherwise.
    kept: Vec<Scenario>,
}

pub use runs::{RunRecord, Shard, SweepInfo};

/// How the varied values make the points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// Every combination of each key's values, the first key varying slowest.
    Grid,
    /// The points as listed: each key has one value a point.
    List,
}

/// The varied keys, each with its values and where they were written.
struct Settings {
    parameters: Vec<(String, Vec<(Value, Location)>)>,
    layout: Layout,
}

impl Settings {
    fn len(&self) -> usize {
        match self.layout {
            Layout::Grid => self
                .parameters
                .iter()
                .map(|(_, values)| values.len())
                .product(),
            Layout::List => self
                .parameters
                .first()
                .map_or(0, |(_, values)| values.len()),
        }
    }

    /// The value each key has at `point`, in the order of the keys.
    fn values(&self, point: usize) -> impl Iterator<Item = &(Value, Location)> + '_ {
        let mut digits = vec![point; self.parameters.len()];
        if self.layout == Layout::Grid {
            let mut rest = point;
            for (digit, (_, values)) in digits.iter_mut().zip(&self.parameters).rev() {
                *digit = rest % values.len();
                rest /= values.len();
            }
        }
        self.parameters
            .iter()
            .zip(digits)
            .map(|((_, values), digit)| &values[digit])
    }

    fn overrides(&self, point: usize) -> Vec<Override> {
        self.parameters
            .iter()
            .zip(self.values(point))
            .map(|((key, _), (value, origin))| Override {
                key: key.clone(),
                value: value.clone(),
                origin: origin.clone(),
            })
            .collect()
    }

    /// For each key and each of its values, the first point that has it (for a grid: the first
    /// point, and each value of each key with the other keys at their first).
    fn first_of_each_value(&self) -> Vec<usize> {
        let mut points = vec![0];
        match self.layout {
            Layout::Grid => {
                let mut stride = self.len();
                for (_, values) in &self.parameters {
                    stride /= values.len();
                    points.extend((1..values.len()).map(|digit| digit * stride));
                }
            }
            Layout::List => {
                let mut seen = std::collections::HashSet::new();
                for point in 0..self.len() {
                    // Every value of the point is noted, not only up to its first new one.
                    let mut fresh = false;
                    for (k, (value, _)) in self.values(point).enumerate() {
                        fresh |= seen.insert((k, show(value)));
                    }
                    if fresh {
                        points.push(point);
                    }
                }
            }
        }
        points.sort_unstable();
        points.dedup();
        points
    }
}

impl Sweep {
    /// Checks every point's scenario, however many (in parallel on rayon's current pool): the
    /// first invalid point in order, if one is.
    pub fn check_every_point(&self) -> Result<(), InvalidPoint> {
        let invalid = (0..self.info.points.len() as u32)
            .into_par_iter()
            .find_map_first(|point| Some((point, self.scenario(point).err()?)));
        match invalid {
            Some((point, problems)) => Err(InvalidPoint::new(&self.info, point, problems)),
            None => Ok(()),
        }
    }

    /// The scenario of `point`, or why the point is not a valid scenario.
    pub fn point_scenario(&self, point: u32) -> Result<Cow<'_, Scenario>, InvalidPoint> {
        self.scenario(point)
            .map_err(|problems| InvalidPoint::new(&self.info, point, problems))
    }

    /// The scenario of `point`: kept, or checked now (a point of a large sweep).
    pub fn scenario(&self, point: u32) -> Result<Cow<'_, Scenario>, InputError> {
        match self.kept.get(point as usize) {
            Some(scenario) => Ok(Cow::Borrowed(scenario)),
            None if !self.reforms.is_empty() => Ok(Cow::Owned(
                self.base.with_reforms(&reforms_of(&self.reforms, point))?,
            )),
            None => Ok(Cow::Owned(
                self.base.with(&self.settings.overrides(point as usize))?,
            )),
        }
    }
}

/// The reforms of a ledger's point, in their order: the first reform is the point's highest bit.
pub(crate) fn reforms_of(
    reforms: &[crate::scenario::Reform],
    point: u32,
) -> Vec<&crate::scenario::Reform> {
    let k = reforms.len();
    reforms
        .iter()
        .enumerate()
        .filter(|(i, _)| point >> (k - 1 - i) & 1 == 1)
        .map(|(_, reform)| reform)
        .collect()
}

impl fmt::Debug for Sweep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sweep")
            .field("file", &self.info.file)
            .field("keys", &self.info.keys)
            .field("points", &self.info.points.len())
            .finish()
    }
}

/// What one point measured over its replications.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PointResult {
    /// The varied values, as written (`3`, `0.05`).
    pub values: Vec<String>,
    /// The highest offered load of the point's stages (`None`: infinite, a stage with traffic
    /// and no server on duty).
    #[serde(default)]
    pub max_offered_load: Option<f64>,
    /// Every stage's offered load is below 1: no queue grows without bound (`None` in the
    /// files of a landport that did not say).
    #[serde(default)]
    pub stable: Option<bool>,
    pub warmup: WarmupCheck,
    pub metrics: Vec<MetricEstimate>,
}

/// Runs every (point, replication) on rayon's current pool, in memory; `progress` is called
/// after each run. Results come back in the order of the points.
pub fn run(sweep: &Sweep, progress: &(dyn Fn() + Sync)) -> Result<Vec<PointResult>, InvalidPoint> {
    let info = &sweep.info;
    let records = Mutex::new(Vec::new());
    run_pairs(sweep, &info.pairs_of(None), &StopToken::new(), &|record| {
        records
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(record);
        progress();
    })?;
    let records = records
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    Ok(runs::reduce(info, records).expect("every pair ran"))
}

/// Runs the given (point, replication) pairs on rayon's current pool and hands each run's record
/// to `done` as it ends. Once `stop` is set no new run starts and runs under way are dropped
/// within [`StopToken::CHECK_EVERY`] events; returns how many ran to their end. A point whose
/// scenario is invalid (checked as it runs, in a large sweep) stops the sweep with its problems.
pub fn run_pairs(
    sweep: &Sweep,
    pairs: &[(u32, u32)],
    stop: &StopToken,
    done: &(dyn Fn(RunRecord) + Sync),
) -> Result<usize, InvalidPoint> {
    let invalid: Mutex<Option<(u32, InputError)>> = Mutex::new(None);
    let ran = pairs
        .par_iter()
        .map(|&(point, replication)| {
            if stop.is_stopped() {
                return 0;
            }
            let scenario = match sweep.scenario(point) {
                Ok(scenario) => scenario,
                Err(error) => {
                    let mut first = invalid
                        .lock()
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                    // The problems of the first point in order, whichever thread met it first.
                    if first.as_ref().is_none_or(|(earlier, _)| point < *earlier) {
                        *first = Some((point, error));
                    }
                    stop.stop();
                    return 0;
                }
            };
            let seed = replication_seed(sweep.info.base_seed, replication);
            let Some(result) = crate::model::run_summary_until(&scenario, seed, stop) else {
                return 0;
            };
            let mut measured = metrics(&result);
            // A ledger's combinations have different stages: its runs keep the port's metrics.
            measured.truncate(sweep.info.metrics.len());
            let mut record = RunRecord::new(
                point,
                replication,
                scenario.warmup().hours(),
                measured,
                &result.in_port_hourly,
                result.in_port_pooled,
            );
            record.stopped = result.stopped;
            record.max_offered_load =
                Some(scenario.max_offered_load()).filter(|load| load.is_finite());
            done(record);
            1
        })
        .sum();
    match invalid
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
    {
        Some((point, problems)) => Err(InvalidPoint::new(&sweep.info, point, problems)),
        None => Ok(ran),
    }
}

/// A point of a large sweep, checked as it was about to run, that is not a valid scenario.
#[derive(Debug, thiserror::Error)]
#[error("invalid sweep: point {point} ({values}) is not a valid scenario:\n{problems}")]
pub struct InvalidPoint {
    pub point: u32,
    /// The point's values, `key = value` each.
    pub values: String,
    pub problems: InputError,
}

/// A point's values as people read them: `servers = 3, xray.p = 0.1`.
pub fn describe_values(keys: &[String], values: &[String]) -> String {
    keys.iter()
        .zip(values)
        .map(|(key, value)| format!("{key} = {value}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl InvalidPoint {
    fn new(info: &SweepInfo, point: u32, problems: InputError) -> InvalidPoint {
        InvalidPoint {
            point,
            values: describe_values(&info.keys, &info.points[point as usize].values),
            problems,
        }
    }
}

/// Whether the file at `path` is a sweep file rather than a scenario: TOML with a top-level
/// `scenario` and a `[grid]` or `[[points]]` (a file that does not read or parse is not).
pub fn is_sweep_file(path: &Path) -> bool {
    top_level_keys(path).is_some_and(|has| has("scenario") && (has("grid") || has("points")))
}

/// Whether the file at `path` is a ledger file: TOML with a top-level `scenario` and
/// `[[reforms]]`.
pub fn is_ledger_file(path: &Path) -> bool {
    top_level_keys(path).is_some_and(|has| has("scenario") && has("reforms"))
}

/// Whether the file at `path` is an optimisation file: TOML with a top-level `scenario` and
/// `[decisions]`.
pub fn is_optimization_file(path: &Path) -> bool {
    top_level_keys(path).is_some_and(|has| has("scenario") && has("decisions"))
}

/// Which top-level keys a TOML file has, if it reads and parses.
fn top_level_keys(path: &Path) -> Option<impl Fn(&str) -> bool> {
    let text = crate::scenario::read_input(path, "file").ok()?;
    let document = crate::scenario::parse_document(&text, path).ok()?;
    Some(move |key: &str| document.get(key).is_some())
}

/// The output folder's name: `sweep-<name>`.
pub fn folder_name(sweep: &SweepInfo) -> String {
    if sweep.ledger {
        return format!("ledger-{}", sweep.name);
    }
    format!("sweep-{}", sweep.name)
}
