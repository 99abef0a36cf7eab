//! Reading a results folder back: what the charts and the report page are drawn from.
//!
//! Everything comes from the files `run`, `compare` and `sweep` write, so a folder can be redrawn
//! later without simulating again. Files that an older landport did not write are `None`, and
//! the charts that need them are left out.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::ReportError;

/// One bin of the pooled dwell-time histogram (dwell_histogram.csv).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DwellBin {
    pub lower_h: f64,
    pub upper_h: f64,
    pub trucks: u64,
}

/// One row of daily.csv.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayRow {
    pub replication: u32,
    pub day: u32,
    pub arrived: u32,
    pub cleared: u32,
    pub warmup: bool,
}

/// One stage's hourly trace from queues.csv.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueTrace {
    pub stage: String,
    /// Time-average trucks waiting in each hour.
    pub queue: Vec<f64>,
    /// Share of each hour the stage was closed.
    pub closed: Vec<f64>,
}

/// A metric's mean over replications and its 95% half-width (metrics.csv).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    pub name: String,
    pub mean: f64,
    pub half_width: Option<f64>,
}

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
}

impl VariantResults {
    pub fn metric(&self, name: &str) -> Option<&MetricRow> {
        self.metrics.iter().find(|metric| metric.name == name)
    }

    /// The mean of a metric, 0 when the results do not have it.
    pub fn mean(&self, name: &str) -> f64 {
        self.metric(name).map_or(0.0, |metric| metric.mean)
    }
}

/// One point of a sweep: its varied values and every metric (sweep.csv).
#[derive(Debug, Clone)]
pub struct SweepPoint {
    pub values: Vec<String>,
    pub metrics: Vec<MetricRow>,
}

impl SweepPoint {
    pub fn metric(&self, name: &str) -> Option<&MetricRow> {
        self.metrics.iter().find(|metric| metric.name == name)
    }
}

/// A sweep's results.
#[derive(Debug, Clone)]
pub struct SweepResults {
    pub name: String,
    pub keys: Vec<String>,
    pub points: Vec<SweepPoint>,
}

/// What a results folder holds.
#[derive(Debug, Clone)]
pub enum Results {
    Run(VariantResults),
    /// The variants in the order they were compared; the first is the base.
    Compare(Vec<VariantResults>),
    Sweep(SweepResults),
}

impl Results {
    /// Reads the results in `dir`: a sweep (sweep.csv), a comparison (compare.json and a folder
    /// per variant) or a run (metrics.csv).
    pub fn read(dir: &Path) -> Result<Results, ReportError> {
        if !dir.is_dir() {
            return Err(ReportError::NotResults {
                dir: dir.to_path_buf(),
                why: "no such folder".into(),
            });
        }
        if dir.join("sweep.csv").is_file() {
            return read_sweep(dir).map(Results::Sweep);
        }
        if dir.join("compare.json").is_file() {
            let json = read_json(&dir.join("compare.json"))?;
            let names: Vec<String> = json["variants"]
                .as_array()
                .map(|variants| {
                    variants
                        .iter()
                        .filter_map(|variant| Some(variant["name"].as_str()?.to_string()))
                        .collect()
                })
                .unwrap_or_default();
            if names.is_empty() {
                return Err(bad(&dir.join("compare.json"), "no variants listed"));
            }
            let variants = names
                .iter()
                .map(|name| read_variant(&dir.join(name)))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(Results::Compare(variants));
        }
        if dir.join("metrics.csv").is_file() {
            return read_variant(dir).map(Results::Run);
        }
        Err(ReportError::NotResults {
            dir: dir.to_path_buf(),
            why: "it has no sweep.csv, compare.json or metrics.csv".into(),
        })
    }

    /// The variants whose charts are drawn (none for a sweep).
    pub fn variants(&self) -> &[VariantResults] {
        match self {
            Results::Run(variant) => std::slice::from_ref(variant),
            Results::Compare(variants) => variants,
            Results::Sweep(_) => &[],
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
        }
    }
}

fn bad(path: &Path, why: impl Into<String>) -> ReportError {
    ReportError::BadFile {
        path: path.to_path_buf(),
        why: why.into(),
    }
}

fn read_json(path: &Path) -> Result<Value, ReportError> {
    let text = fs::read_to_string(path).map_err(|error| bad(path, error.to_string()))?;
    serde_json::from_str(&text).map_err(|error| bad(path, error.to_string()))
}

/// A CSV file's header and rows, as strings.
pub(super) type Table = (Vec<String>, Vec<Vec<String>>);

/// The rows of a CSV file with a header, as strings; `None` when the file does not exist.
pub(super) fn read_csv(path: &Path) -> Result<Option<Table>, ReportError> {
    if !path.is_file() {
        return Ok(None);
    }
    let mut reader = csv::Reader::from_path(path).map_err(|error| bad(path, error.to_string()))?;
    let header = reader
        .headers()
        .map_err(|error| bad(path, error.to_string()))?
        .iter()
        .map(String::from)
        .collect();
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|error| bad(path, error.to_string()))?;
        rows.push(record.iter().map(String::from).collect());
    }
    Ok(Some((header, rows)))
}

/// A CSV field as a number, naming the file, row and column when it is not one.
fn number<T: std::str::FromStr>(
    path: &Path,
    row: usize,
    column: &str,
    text: &str,
) -> Result<T, ReportError> {
    text.parse().map_err(|_| {
        bad(
            path,
            format!("row {row}, column {column}: expected a number, got '{text}'"),
        )
    })
}

/// The index of a named column.
fn column(path: &Path, header: &[String], name: &str) -> Result<usize, ReportError> {
    header
        .iter()
        .position(|heading| heading == name)
        .ok_or_else(|| bad(path, format!("no column '{name}'")))
}

/// An optional decimal: empty means none.
fn optional(path: &Path, row: usize, column: &str, text: &str) -> Result<Option<f64>, ReportError> {
    if text.is_empty() {
        Ok(None)
    } else {
        number(path, row, column, text).map(Some)
    }
}

fn read_variant(dir: &Path) -> Result<VariantResults, ReportError> {
    let summary_path = dir.join("summary.json");
    let summary = read_json(&summary_path)?;
    let name = summary["scenario"]
        .as_str()
        .ok_or_else(|| bad(&summary_path, "no 'scenario' name"))?
        .to_string();
    let first_run = &summary["runs"][0];
    let warmup_hours = first_run["warmup_hours"].as_f64().unwrap_or(0.0);
    let horizon_hours = first_run["horizon_hours"].as_f64().unwrap_or(0.0);
    let stages = first_run["stages"]
        .as_array()
        .map(|stages| {
            stages
                .iter()
                .filter_map(|stage| Some(stage["stage"].as_str()?.to_string()))
                .collect()
        })
        .unwrap_or_default();

    let metrics_path = dir.join("metrics.csv");
    let (header, rows) = read_csv(&metrics_path)?.ok_or_else(|| bad(&metrics_path, "missing"))?;
    let (name_col, mean_col, half_col) = (
        column(&metrics_path, &header, "metric")?,
        column(&metrics_path, &header, "mean")?,
        column(&metrics_path, &header, "ci95_half_width")?,
    );
    let metrics = rows
        .iter()
        .enumerate()
        .map(|(k, row)| {
            Ok(MetricRow {
                name: row[name_col].clone(),
                mean: number(&metrics_path, k + 1, "mean", &row[mean_col])?,
                half_width: optional(&metrics_path, k + 1, "ci95_half_width", &row[half_col])?,
            })
        })
        .collect::<Result<_, ReportError>>()?;

    let bins_path = dir.join("dwell_histogram.csv");
    let dwell_bins = read_csv(&bins_path)?
        .map(|(_, rows)| {
            rows.iter()
                .enumerate()
                .map(|(k, row)| {
                    let field = |i: usize| row.get(i).map_or("", String::as_str);
                    Ok(DwellBin {
                        lower_h: number(&bins_path, k + 1, "lower_h", field(0))?,
                        upper_h: number(&bins_path, k + 1, "upper_h", field(1))?,
                        trucks: number(&bins_path, k + 1, "trucks", field(2))?,
                    })
                })
                .collect::<Result<Vec<_>, ReportError>>()
        })
        .transpose()?;

    let daily_path = dir.join("daily.csv");
    let daily = read_csv(&daily_path)?
        .map(|(_, rows)| {
            rows.iter()
                .enumerate()
                .map(|(k, row)| {
                    let field = |i: usize| row.get(i).map_or("", String::as_str);
                    Ok(DayRow {
                        replication: number(&daily_path, k + 1, "replication", field(0))?,
                        day: number(&daily_path, k + 1, "day", field(1))?,
                        arrived: number(&daily_path, k + 1, "arrived", field(2))?,
                        cleared: number(&daily_path, k + 1, "cleared", field(3))?,
                        warmup: field(4) == "1",
                    })
                })
                .collect::<Result<Vec<_>, ReportError>>()
        })
        .transpose()?;

    let queues_path = dir.join("queues.csv");
    let queues = read_csv(&queues_path)?
        .map(|(header, rows)| {
            let mut traces: Vec<QueueTrace> = header
                .iter()
                .filter_map(|heading| heading.strip_suffix(".queue"))
                .map(|stage| QueueTrace {
                    stage: stage.to_string(),
                    queue: Vec::with_capacity(rows.len()),
                    closed: Vec::with_capacity(rows.len()),
                })
                .collect();
            for (k, row) in rows.iter().enumerate() {
                for (t, trace) in traces.iter_mut().enumerate() {
                    let field = |i: usize| row.get(i).map_or("", String::as_str);
                    trace.queue.push(number(
                        &queues_path,
                        k + 1,
                        &header[1 + 2 * t],
                        field(1 + 2 * t),
                    )?);
                    trace.closed.push(number(
                        &queues_path,
                        k + 1,
                        &header[2 + 2 * t],
                        field(2 + 2 * t),
                    )?);
                }
            }
            Ok(traces)
        })
        .transpose()?;

    Ok(VariantResults {
        name,
        dir: dir.to_path_buf(),
        warmup_hours,
        horizon_hours,
        stages,
        metrics,
        dwell_bins,
        daily,
        queues,
    })
}

fn read_sweep(dir: &Path) -> Result<SweepResults, ReportError> {
    let json_path = dir.join("sweep.json");
    let json = read_json(&json_path)?;
    let keys: Vec<String> = json["keys"]
        .as_array()
        .map(|keys| {
            keys.iter()
                .filter_map(|key| Some(key.as_str()?.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let name = json["sweep"]
        .as_str()
        .and_then(|file| Path::new(file).file_stem()?.to_str().map(String::from))
        .unwrap_or_else(|| "sweep".into());
    let csv_path = dir.join("sweep.csv");
    let (header, rows) = read_csv(&csv_path)?.ok_or_else(|| bad(&csv_path, "missing"))?;
    // point, the varied keys, replications, mser5_warmup_h, then each metric and its _ci95.
    let first_metric = 1 + keys.len() + 2;
    if header.len() < first_metric || header[1..1 + keys.len()] != keys[..] {
        return Err(bad(
            &csv_path,
            "its columns do not match the keys in sweep.json",
        ));
    }
    let points = rows
        .iter()
        .enumerate()
        .map(|(k, row)| {
            let values = row[1..1 + keys.len()].to_vec();
            // Each metric is followed by its `_ci95` half-width.
            let metrics = (first_metric..header.len())
                .step_by(2)
                .map(|i| {
                    let name = &header[i];
                    let field = |i: usize| row.get(i).map_or("", String::as_str);
                    Ok(MetricRow {
                        name: name.clone(),
                        mean: number(&csv_path, k + 1, name, field(i))?,
                        half_width: optional(&csv_path, k + 1, name, field(i + 1))?,
                    })
                })
                .collect::<Result<_, ReportError>>()?;
            Ok(SweepPoint { values, metrics })
        })
        .collect::<Result<_, ReportError>>()?;
    Ok(SweepResults { name, keys, points })
}
