//! Reading a results folder back: what the charts and the report page are drawn from.
//!
//! Everything comes from the files `run`, `compare` and `sweep` write, so a folder can be redrawn
//! later without simulating again. Files that an older landport did not write are `None`, and
//! the charts that need them are left out.

use std::path::{Path, PathBuf};

use super::ReportError;
use crate::experiment::{Difference, Experiment, MetricId, Quantity};
use crate::model::StageLoad;
use crate::output::csv::{
    closed_column, half_width_column, queue_column, read_rows, MetricRow, WideTable,
};
use crate::output::json::{self, ComparisonFile, InputFile, Summary, SweepFile};
use crate::output::ReadError;

pub use crate::output::csv::{
    ClassDwellBinRow as ClassDwellBin, DayRow, DwellBinRow as DwellBin, RoadDayRow,
};

/// One stage's hourly trace, read back from queues.csv.
pub use crate::model::StageTrace as QueueTrace;

/// The results of one scenario's replications: a run folder, or one variant of a comparison.
#[derive(Debug, Clone)]
pub struct VariantResults {
    pub name: String,
    pub dir: PathBuf,
    pub warmup_hours: f64,
    pub horizon_hours: f64,
    /// Stage names in the scenario's order.
    pub stages: Vec<String>,
    pub metrics: Vec<MetricRow>,
    pub dwell_bins: Option<Vec<DwellBin>>,
    pub daily: Option<Vec<DayRow>>,
    pub queues: Option<Vec<QueueTrace>>,
    /// Warnings about the results, from summary.json.
    pub warnings: Vec<String>,
    /// Everything summary.json holds of the experiment: metrics, seeds, each replication.
    pub experiment: Experiment,
    pub offered_loads: Vec<StageLoad>,
    /// The scenario file as given, and every input file with its hash (empty from an older
    /// landport).
    pub file: Option<PathBuf>,
    pub inputs: Vec<InputFile>,
    /// In a comparison, the paired differences from the first variant (none for the first).
    pub differences: Vec<Difference>,
    /// The truck classes, in the scenario's order (none without classes), and their dwell
    /// times from dwell_histogram_by_class.csv.
    pub classes: Vec<String>,
    pub class_bins: Option<Vec<ClassDwellBin>>,
    /// The trucks turned away and lost at each stage with `balking` or `booking`, day by day,
    /// from roads.csv.
    pub road_days: Option<Vec<RoadDayRow>>,
}

impl VariantResults {
    /// Each truck class as results of its own, named after it: its dwell times and its metrics
    /// over every truck, so that the charts of variants draw the classes side by side.
    pub fn by_class(&self) -> Vec<VariantResults> {
        self.classes
            .iter()
            .map(|class| VariantResults {
                name: class.clone(),
                metrics: self
                    .metrics
                    .iter()
                    .filter(|row| row.metric.class() == Some(class.as_str()))
                    .map(|row| MetricRow {
                        metric: MetricId {
                            class: None,
                            ..row.metric.clone()
                        },
                        ..row.clone()
                    })
                    .collect(),
                dwell_bins: self.class_bins.as_ref().map(|bins| {
                    bins.iter()
                        .filter(|bin| bin.class == *class)
                        .map(|bin| DwellBin {
                            lower_h: bin.lower_h,
                            upper_h: bin.upper_h,
                            trucks: bin.trucks,
                        })
                        .collect()
                }),
                daily: None,
                queues: None,
                classes: Vec::new(),
                class_bins: None,
                road_days: None,
                differences: Vec::new(),
                ..self.clone()
            })
            .collect()
    }

    pub fn metric(&self, id: &MetricId) -> Option<&MetricRow> {
        self.metrics.iter().find(|metric| metric.metric == *id)
    }

    /// The mean of a metric, 0 when the results do not have it.
    pub fn mean(&self, id: &MetricId) -> f64 {
        self.metric(id).map_or(0.0, |metric| metric.mean)
    }

    /// Whether a stage of these results has servers that can fail: where the time goes then
    /// has a part on failed servers.
    pub fn has_failures(&self) -> bool {
        self.stages.iter().any(|stage| {
            self.metric(&MetricId::stage(stage, Quantity::Down))
                .is_some()
        })
    }

    /// The mean of a port-wide metric, 0 when the results do not have it.
    pub fn port_mean(&self, quantity: Quantity) -> f64 {
        self.mean(&MetricId::port(quantity))
    }
}

/// One point of a sweep: its varied values and every metric's mean and half-width (sweep.csv).
#[derive(Debug, Clone)]
pub struct SweepPoint {
    pub values: Vec<String>,
    pub metrics: Vec<MetricRow>,
    /// Every stage below an offered load of 1 (`None` from an older landport).
    pub stable: Option<bool>,
}

impl SweepPoint {
    pub fn metric(&self, id: &MetricId) -> Option<&MetricRow> {
        self.metrics.iter().find(|metric| metric.metric == *id)
    }
}

/// A sweep's results.
#[derive(Debug, Clone)]
pub struct SweepResults {
    pub name: String,
    pub keys: Vec<String>,
    pub points: Vec<SweepPoint>,
    /// Warnings about the results (points with a stage at an offered load of 1 or more).
    pub warnings: Vec<String>,
    pub sweep_file: PathBuf,
    pub scenario_file: PathBuf,
    /// The hash of the runs' inputs (empty from an older landport).
    pub inputs_hash: String,
    pub base_seed: u64,
    pub replications: u32,
}

/// What a results folder holds.
#[derive(Debug, Clone)]
pub enum Results {
    Run(Box<VariantResults>),
    /// The variants in the order they were compared; the first is the base.
    Compare(Vec<VariantResults>),
    Sweep(SweepResults),
    /// An optimisation (optimize.json).
    Optimize(Box<json::OptimizeFile>),
    /// A ledger (ledger.json, beside the sweep of its combinations).
    Ledger(Box<json::LedgerFile>),
}

impl Results {
    /// Reads the results in `dir`: a sweep (sweep.json), a comparison (compare.json and a folder
    /// per variant) or a run (summary.json and metrics.csv).
    pub fn read(dir: &Path) -> Result<Results, ReportError> {
        if !dir.is_dir() {
            return Err(ReportError::NotResults {
                dir: dir.to_path_buf(),
                why: "no such folder".into(),
            });
        }
        if dir.join("ledger.json").is_file() {
            let file: json::LedgerFile = json::read(&dir.join("ledger.json"))?;
            return Ok(Results::Ledger(Box::new(file)));
        }
        if dir.join("optimize.json").is_file() {
            let file: json::OptimizeFile = json::read(&dir.join("optimize.json"))?;
            return Ok(Results::Optimize(Box::new(file)));
        }
        if dir.join("sweep.json").is_file() {
            return read_sweep(dir).map(Results::Sweep);
        }
        if dir.join("compare.json").is_file() {
            let path = dir.join("compare.json");
            let file: ComparisonFile<'static> = json::read(&path)?;
            if file.variants.is_empty() {
                return Err(ReportError::BadFile(ReadError::new(
                    &path,
                    "no variants listed",
                )));
            }
            let variants = file
                .variants
                .iter()
                .map(|variant| {
                    let mut read = read_variant(&dir.join(variant.name.as_ref()))?;
                    read.differences = variant.differences.to_vec();
                    Ok(read)
                })
                .collect::<Result<Vec<_>, ReportError>>()?;
            return Ok(Results::Compare(variants));
        }
        if dir.join("metrics.csv").is_file() {
            return read_variant(dir).map(|variant| Results::Run(Box::new(variant)));
        }
        Err(ReportError::NotResults {
            dir: dir.to_path_buf(),
            why: "it has no sweep.json, optimize.json, compare.json or metrics.csv".into(),
        })
    }

    /// The variants whose charts are drawn (none for a sweep).
    pub fn variants(&self) -> &[VariantResults] {
        match self {
            Results::Run(variant) => std::slice::from_ref(&**variant),
            Results::Compare(variants) => variants,
            Results::Sweep(_) | Results::Optimize(_) | Results::Ledger(_) => &[],
        }
    }

    /// A name for titles: the scenario, `a vs b`, or the sweep.
    pub fn title(&self) -> String {
        match self {
            Results::Run(variant) => variant.name.clone(),
            Results::Compare(variants) => variants
                .iter()
                .map(|variant| variant.name.as_str())
                .collect::<Vec<_>>()
                .join(" vs "),
            Results::Sweep(sweep) => format!("sweep {}", sweep.name),
            Results::Optimize(file) => format!("optimisation {}", file.optimization),
            Results::Ledger(file) => format!("ledger {}", file.ledger),
        }
    }
}

fn read_variant(dir: &Path) -> Result<VariantResults, ReportError> {
    let summary: Summary<'static> = json::read(&dir.join("summary.json"))?;
    let warnings = summary.warnings;
    let inputs = summary.inputs;
    let file = summary.file.map(|file| file.into_owned());
    let offered_loads = summary.offered_loads.into_owned();
    let experiment = summary.experiment.into_owned();
    let first_run = experiment.runs.first();
    let metrics_path = dir.join("metrics.csv");
    let metrics = read_rows::<MetricRow>(&metrics_path)?
        .ok_or_else(|| ReportError::BadFile(ReadError::new(&metrics_path, "missing")))?;
    let stages: Vec<String> = first_run.map_or_else(Vec::new, |run| {
        run.stages.iter().map(|stage| stage.stage.clone()).collect()
    });
    let queues = read_queues(&dir.join("queues.csv"), &stages)?;
    let classes = first_run.map_or_else(Vec::new, |run| {
        run.classes
            .iter()
            .map(|class| class.class.clone())
            .collect()
    });
    Ok(VariantResults {
        name: experiment.scenario.clone(),
        dir: dir.to_path_buf(),
        warmup_hours: first_run.map_or(0.0, |run| run.warmup_hours),
        horizon_hours: first_run.map_or(0.0, |run| run.horizon_hours),
        stages,
        metrics,
        dwell_bins: read_rows(&dir.join("dwell_histogram.csv"))?,
        daily: read_rows::<DayRow>(&dir.join("daily.csv"))?,
        queues,
        warnings,
        experiment,
        offered_loads,
        file,
        inputs,
        differences: Vec::new(),
        classes,
        class_bins: read_rows(&dir.join("dwell_histogram_by_class.csv"))?,
        road_days: read_rows(&dir.join("roads.csv"))?,
    })
}

/// Each stage's columns of queues.csv, found by name.
fn read_queues(path: &Path, stages: &[String]) -> Result<Option<Vec<QueueTrace>>, ReportError> {
    let Some(table) = WideTable::read(path)? else {
        return Ok(None);
    };
    let traces = stages
        .iter()
        .map(|stage| {
            Ok(QueueTrace {
                stage: stage.clone(),
                queue: table.numbers(&queue_column(stage))?,
                closed: table.numbers(&closed_column(stage))?,
            })
        })
        .collect::<Result<_, ReadError>>()?;
    Ok(Some(traces))
}

/// A sweep's settings and metric names from sweep.json; each point's values and metrics from
/// sweep.csv, by column name, as the table shows them.
fn read_sweep(dir: &Path) -> Result<SweepResults, ReportError> {
    let file: SweepFile<'static> = json::read(&dir.join("sweep.json"))?;
    if file.points.len() > super::MAX_SWEEP_POINTS {
        return Err(ReportError::TooManyPoints {
            dir: dir.to_path_buf(),
            points: file.points.len(),
        });
    }
    let name = file
        .sweep
        .file_stem()
        .and_then(|stem| stem.to_str())
        .map_or_else(|| "sweep".to_string(), String::from);
    let keys = file.keys.into_owned();
    let warnings = file
        .points
        .iter()
        .enumerate()
        .filter(|(_, point)| point.stable == Some(false))
        .map(|(k, point)| {
            let values = crate::sweep::describe_values(&keys, &point.values);
            let load = point
                .max_offered_load
                .map_or_else(|| "infinite".to_string(), |load| format!("{load:.3}"));
            format!(
                "point {k} ({values}): a stage at offered load {load}, whose queue grows without \
bound: its results depend on the run's length"
            )
        })
        .collect();
    let ids: Vec<MetricId> = file.points.first().map_or_else(Vec::new, |point| {
        point
            .metrics
            .iter()
            .map(|metric| metric.id.clone())
            .collect()
    });
    let path = dir.join("sweep.csv");
    let table = WideTable::read(&path)?
        .ok_or_else(|| ReportError::BadFile(ReadError::new(&path, "missing")))?;
    let key_columns = keys
        .iter()
        .map(|key| table.column(key))
        .collect::<Result<Vec<_>, _>>()?;
    let metric_columns = ids
        .iter()
        .map(|id| {
            Ok((
                table.column(&id.to_string())?,
                table.column(&half_width_column(id))?,
            ))
        })
        .collect::<Result<Vec<_>, ReadError>>()?;
    let points = (0..table.rows.len())
        .map(|row| {
            let metrics = ids
                .iter()
                .zip(&metric_columns)
                .map(|(id, &(mean_at, half_at))| {
                    Ok(MetricRow {
                        metric: id.clone(),
                        mean: table.number(row, mean_at)?.unwrap_or(f64::NAN),
                        ci95_half_width: table.number(row, half_at)?,
                        ci95_low: None,
                        ci95_high: None,
                        replications: file.replications as usize,
                    })
                })
                .collect::<Result<Vec<_>, ReadError>>()?;
            Ok(SweepPoint {
                stable: file.points.get(row).and_then(|point| point.stable),
                values: key_columns
                    .iter()
                    .map(|&at| table.text(row, at).to_string())
                    .collect(),
                metrics,
            })
        })
        .collect::<Result<Vec<_>, ReadError>>()?;
    Ok(SweepResults {
        name,
        keys,
        points,
        warnings,
        sweep_file: file.sweep.into_owned(),
        scenario_file: file.scenario.into_owned(),
        inputs_hash: file.inputs_fnv1a_64.into_owned(),
        base_seed: file.base_seed,
        replications: file.replications,
    })
}
