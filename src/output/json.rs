//! The JSON result files: summary.json, compare.json and sweep.json. Each has one type, used to
//! write it (borrowing the results) and to read it back (owning them).

use std::borrow::Cow;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ReadError;
use crate::compare::Comparison;
use crate::experiment::{Difference, Experiment, MetricEstimate, WarmupCheck};
use crate::model::{Scenario, StageLoad};
use crate::sweep::{PointResult, SweepInfo};

/// What every file's `units` field says of summary.json.
const SUMMARY_UNITS: &str =
    "times in hours (names ending _h or _hours), rates in trucks per day as named; \
intervals are 95% Student t over replications; percentiles come from a fixed-memory histogram with \
3 significant digits (relative error under 0.1%)";

const COMPARE_UNITS: &str =
    "times in hours (names ending _h); intervals are 95% Student t over replications; \
differences are paired by replication seed (variant minus first variant)";

const SWEEP_UNITS: &str =
    "times in hours (names ending _h); intervals are 95% Student t over replications; \
every point runs the same replication seeds";

fn version() -> Cow<'static, str> {
    Cow::Borrowed(env!("CARGO_PKG_VERSION"))
}

/// Writes `value` as pretty JSON and a final newline.
fn write_pretty(mut writer: impl Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut writer, value)?;
    writer.write_all(b"\n")
}

/// Reads a JSON result file into its type.
pub fn read<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ReadError> {
    let file = super::open_result(path)?;
    serde_json::from_reader(std::io::BufReader::new(file))
        .map_err(|error| ReadError::new(path, error))
}

/// summary.json: every metric with its interval, the warm-up check, each replication's results,
/// the offered loads and the landport version.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Summary<'a> {
    pub landport_version: Cow<'a, str>,
    pub units: Cow<'a, str>,
    /// The scenario file, as it was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<Cow<'a, Path>>,
    /// What a reader must know before trusting the numbers: a stage at an offered load of 1 or
    /// more, runs stopped at a limit, a doubtful scenario (see [`super::table::warnings`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The files the scenario was read from, its own first, with the FNV-1a hash of each.
    #[serde(default)]
    pub inputs: Vec<InputFile>,
    #[serde(flatten)]
    pub experiment: Cow<'a, Experiment>,
    pub offered_loads: Cow<'a, [StageLoad]>,
}

/// An input file of a result and the hash of its bytes (64-bit FNV-1a, hexadecimal): which
/// version of the file made it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputFile {
    pub file: PathBuf,
    pub fnv1a_64: String,
}

pub fn write_summary(
    writer: impl Write,
    file: &Path,
    scenario: &Scenario,
    experiment: &Experiment,
) -> io::Result<()> {
    let summary = Summary {
        landport_version: version(),
        units: Cow::Borrowed(SUMMARY_UNITS),
        file: Some(Cow::Borrowed(file)),
        warnings: super::table::warnings(scenario, experiment),
        inputs: scenario
            .inputs()
            .iter()
            .map(|(file, hash)| InputFile {
                file: file.clone(),
                fnv1a_64: format!("{hash:016x}"),
            })
            .collect(),
        experiment: Cow::Borrowed(experiment),
        offered_loads: Cow::Owned(scenario.offered_loads()),
    };
    write_pretty(writer, &summary)
}

/// One variant in compare.json.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VariantEntry<'a> {
    pub name: Cow<'a, str>,
    pub file: Cow<'a, Path>,
    pub seeds: Cow<'a, [u64]>,
    pub warmup: Cow<'a, WarmupCheck>,
    pub metrics: Cow<'a, [MetricEstimate]>,
    /// Paired differences from the first variant; empty for the first.
    pub differences: Cow<'a, [Difference]>,
}

/// compare.json: every variant's metrics (with each replication's value) and paired differences.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ComparisonFile<'a> {
    pub landport_version: Cow<'a, str>,
    pub units: Cow<'a, str>,
    pub base_seed: u64,
    pub replications: u32,
    pub variants: Vec<VariantEntry<'a>>,
}

pub fn write_compare(writer: impl Write, comparison: &Comparison) -> io::Result<()> {
    let variants = comparison
        .variants
        .iter()
        .enumerate()
        .map(|(v, variant)| VariantEntry {
            name: Cow::Borrowed(&variant.name),
            file: Cow::Borrowed(&variant.file),
            seeds: Cow::Borrowed(&variant.experiment.seeds),
            warmup: Cow::Borrowed(&variant.experiment.warmup),
            metrics: Cow::Borrowed(&variant.experiment.metrics),
            differences: Cow::Borrowed(
                v.checked_sub(1)
                    .and_then(|i| comparison.differences.get(i))
                    .map_or(&[], Vec::as_slice),
            ),
        })
        .collect();
    let file = ComparisonFile {
        landport_version: version(),
        units: Cow::Borrowed(COMPARE_UNITS),
        base_seed: comparison.base_seed,
        replications: comparison.replications,
        variants,
    };
    write_pretty(writer, &file)
}

/// sweep.json: the sweep's settings and every point's metrics with their intervals. Read back
/// whole (`P` a list); written as the points come (`P` a [`Streamed`] iterator).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SweepFile<'a, P = Vec<PointResult>> {
    pub landport_version: Cow<'a, str>,
    pub units: Cow<'a, str>,
    pub sweep: Cow<'a, Path>,
    pub scenario: Cow<'a, Path>,
    /// FNV-1a of everything the runs read: the landport version, the sweep file, the base
    /// scenario merged with the files it extends, and the arrival traces (what `merge` checks
    /// shards against); empty from an older landport.
    #[serde(default)]
    pub inputs_fnv1a_64: Cow<'a, str>,
    pub base_seed: u64,
    pub replications: u32,
    pub keys: Cow<'a, [String]>,
    pub points: P,
}

/// The points of a sweep, serialized as a list as they come from an iterator: a sweep of a
/// million points is never held whole. The first error of the iterator ends the list and is
/// kept to be returned.
pub struct Streamed<I> {
    points: std::cell::RefCell<Option<I>>,
    failed: std::cell::RefCell<Option<io::Error>>,
}

impl<I: Iterator<Item = io::Result<PointResult>>> Serialize for Streamed<I> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error as _, SerializeSeq as _};
        let points = self
            .points
            .borrow_mut()
            .take()
            .ok_or_else(|| S::Error::custom("the points are written once"))?;
        let mut list = serializer.serialize_seq(None)?;
        for point in points {
            match point {
                Ok(point) => list.serialize_element(&point)?,
                Err(error) => {
                    let message = error.to_string();
                    *self.failed.borrow_mut() = Some(error);
                    return Err(S::Error::custom(message));
                }
            }
        }
        list.end()
    }
}

/// Writes sweep.json with the points as `results` yields them.
pub fn write_sweep(
    writer: impl Write,
    sweep: &SweepInfo,
    results: impl Iterator<Item = io::Result<PointResult>>,
) -> io::Result<()> {
    let points = Streamed {
        points: Some(results).into(),
        failed: None.into(),
    };
    let file = SweepFile {
        landport_version: version(),
        units: Cow::Borrowed(SWEEP_UNITS),
        sweep: Cow::Borrowed(&sweep.file),
        scenario: Cow::Borrowed(&sweep.scenario_file),
        inputs_fnv1a_64: Cow::Borrowed(&sweep.fingerprint),
        base_seed: sweep.base_seed,
        replications: sweep.replications,
        keys: Cow::Borrowed(&sweep.keys),
        points,
    };
    let written = write_pretty(writer, &file);
    match file.points.failed.into_inner() {
        Some(error) => Err(error),
        None => written,
    }
}

const OPTIMIZE_UNITS: &str =
    "costs per day, in the unit the optimisation file gives them; times in hours (names ending \
_h); each bound is one-sided Student t over replications at the constraint's confidence (the \
search's) or at the Bonferroni-adjusted confidence (the confirmation's); every point runs the same \
replication seeds";

/// optimize.json: the optimisation, every point the search ran, and what it chose.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OptimizeFile {
    pub landport_version: String,
    pub units: String,
    pub optimization: String,
    pub file: PathBuf,
    pub scenario: PathBuf,
    pub inputs_fnv1a_64: String,
    pub base_seed: u64,
    pub search_replications: u32,
    pub confirm_replications: u32,
    pub candidates: u32,
    pub decisions: Vec<DecisionInfo>,
    pub constraints: Vec<crate::optimize::Constraint>,
    /// The one-sided confidence of each constraint's confirmation test.
    pub confirm_confidence: Vec<f64>,
    pub grid_points: usize,
    /// The points run (stable ones).
    pub evaluated_points: usize,
    /// The points the search looked at and refused without a run: a stage at an offered load
    /// of 1 or more.
    pub unstable_points: usize,
    pub status: crate::optimize::Status,
    /// Every point the search ran, in the order of the points.
    pub evaluations: Vec<crate::optimize::Evaluation>,
}

/// A decision as the search used it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DecisionInfo {
    pub key: String,
    pub from: i64,
    pub to: i64,
    pub cost: crate::optimize::Cost,
    /// Stability's lower bound: below it a stage's offered load is 1 or more.
    pub lower_bound: i64,
    pub unit_cost_per_day: f64,
}

impl OptimizeFile {
    pub fn new(
        optimization: &crate::optimize::Optimization,
        found: &crate::optimize::Found,
    ) -> OptimizeFile {
        let info = &optimization.sweep.info;
        OptimizeFile {
            landport_version: version().into_owned(),
            units: OPTIMIZE_UNITS.into(),
            optimization: info.name.clone(),
            file: info.file.clone(),
            scenario: info.scenario_file.clone(),
            inputs_fnv1a_64: info.fingerprint.clone(),
            base_seed: info.base_seed,
            search_replications: optimization.search_replications,
            confirm_replications: optimization.confirm_replications,
            candidates: optimization.candidates,
            decisions: optimization
                .decisions
                .iter()
                .enumerate()
                .map(|(d, decision)| DecisionInfo {
                    key: decision.key.clone(),
                    from: decision.from,
                    to: decision.to,
                    cost: decision.cost,
                    lower_bound: found.plan.lower[d],
                    unit_cost_per_day: found.plan.unit_costs[d],
                })
                .collect(),
            constraints: optimization.constraints.clone(),
            confirm_confidence: found.confirm_confidence.clone(),
            grid_points: optimization.grid_points(),
            evaluated_points: found.evaluations.iter().filter(|e| e.stable).count(),
            unstable_points: found.evaluations.iter().filter(|e| !e.stable).count(),
            status: found.status.clone(),
            evaluations: found.evaluations.clone(),
        }
    }

    pub fn chosen(&self) -> Option<&crate::optimize::Evaluation> {
        match self.status {
            crate::optimize::Status::Chosen { point } => self
                .evaluations
                .iter()
                .find(|evaluation| evaluation.point == point),
            _ => None,
        }
    }
}

pub fn write_optimize(writer: impl Write, file: &OptimizeFile) -> io::Result<()> {
    write_pretty(writer, file)
}

const LEDGER_UNITS: &str =
    "times in hours (names ending _h); each reform's share of the change from the base to all \
reforms is its Shapley value, computed per replication (the shares add up to the total in every \
replication) and given as mean and 95% Student t half-width over replications; `alone` is the \
reform on the base alone, `last` the reform taken out of all the others; every combination runs \
the same replication seeds";

/// ledger.json: the ledger of each metric, with every replication's shares.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LedgerFile {
    pub landport_version: String,
    pub units: String,
    pub ledger: String,
    pub file: PathBuf,
    pub scenario: PathBuf,
    pub inputs_fnv1a_64: String,
    pub base_seed: u64,
    pub replications: u32,
    pub reforms: Vec<String>,
    pub metrics: Vec<crate::ledger::MetricLedger>,
}

impl LedgerFile {
    pub fn new(info: &SweepInfo, metrics: Vec<crate::ledger::MetricLedger>) -> LedgerFile {
        LedgerFile {
            landport_version: version().into_owned(),
            units: LEDGER_UNITS.into(),
            ledger: info.name.clone(),
            file: info.file.clone(),
            scenario: info.scenario_file.clone(),
            inputs_fnv1a_64: info.fingerprint.clone(),
            base_seed: info.base_seed,
            replications: info.replications,
            reforms: info.keys.clone(),
            metrics,
        }
    }

    pub fn metric(&self, id: &crate::experiment::MetricId) -> Option<&crate::ledger::MetricLedger> {
        self.metrics.iter().find(|ledger| ledger.metric == *id)
    }
}

pub fn write_ledger(writer: impl Write, file: &LedgerFile) -> io::Result<()> {
    write_pretty(writer, file)
}
