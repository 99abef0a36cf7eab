//! The CSV result files. A file with fixed columns has one row type, used to write it and to
//! read it back by column name ([`CsvRow`]); files whose columns follow the scenario (a column
//! per stage or per metric) are written here and read by column name where they are read.

use std::io::{self, Write};
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize, Serializer};

use super::number::{push_fixed, push_uint, HoursCache};
use super::ReadError;
use crate::compare::Comparison;
use crate::engine::{Instant, Span};
use crate::experiment::{Experiment, MetricEstimate, MetricId};
use crate::model::{DwellHistogram, RunResult, Scenario, Stage, TruckMilestones, Visit};
use crate::sweep::{PointResult, SweepInfo};

/// A number for CSV cells: six decimals, empty when there is none.
pub fn decimal(value: Option<f64>) -> String {
    value.map_or_else(String::new, |x| format!("{x:.6}"))
}

/// Serializes a number with six decimals (it reads back as a number).
fn six_decimals<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&format_args!("{value:.6}"))
}

/// Serializes a number with six decimals, or an empty cell for none.
fn six_decimals_or_empty<S: Serializer>(
    value: &Option<f64>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => six_decimals(value, serializer),
        None => serializer.serialize_none(),
    }
}

/// `true` and `false` as `1` and `0`.
mod zero_one {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(flag: &bool, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(u8::from(*flag))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
        match u8::deserialize(deserializer)? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(serde::de::Error::custom(format!(
                "expected 0 or 1, got {other}"
            ))),
        }
    }
}

/// A row of a CSV file with fixed columns: written and read with serde, by column name.
pub trait CsvRow: Serialize + DeserializeOwned {
    /// The header: the serde field names, in order (checked by a test of each row type).
    const COLUMNS: &'static [&'static str];
}

/// Writes the header and the rows.
pub fn write_rows<R: CsvRow>(
    writer: impl Write,
    rows: impl IntoIterator<Item = R>,
) -> io::Result<()> {
    // The header is written even when there are no rows.
    let mut csv = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(writer);
    csv.write_record(R::COLUMNS)?;
    for row in rows {
        csv.serialize(row)?;
    }
    csv.flush()
}

/// A reader of the CSV result file at `path`, its header read; `None` when there is no such file.
fn reader(
    path: &Path,
) -> Result<Option<(csv::Reader<std::fs::File>, csv::StringRecord)>, ReadError> {
    if !path.is_file() {
        return Ok(None);
    }
    let mut reader = csv::Reader::from_reader(super::open_result(path)?);
    let header = reader
        .headers()
        .map_err(|error| ReadError::new(path, error))?
        .clone();
    Ok(Some((reader, header)))
}

/// Reads the rows of a file written by [`write_rows`], matching columns by name; `None` when the
/// file does not exist.
pub fn read_rows<R: CsvRow>(path: &Path) -> Result<Option<Vec<R>>, ReadError> {
    let Some((mut reader, header)) = reader(path)? else {
        return Ok(None);
    };
    if let Some(missing) = R::COLUMNS
        .iter()
        .find(|column| !header.iter().any(|heading| heading == **column))
    {
        return Err(ReadError::new(path, format!("no column '{missing}'")));
    }
    let rows = reader
        .deserialize()
        .collect::<Result<Vec<R>, _>>()
        .map_err(|error| ReadError::new(path, error))?;
    Ok(Some(rows))
}

/// A CSV file whose columns follow the scenario or the sweep (a column per stage, per varied key
/// or per metric), read as text and looked up by column name.
#[derive(Debug, Clone)]
pub struct WideTable {
    pub path: std::path::PathBuf,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl WideTable {
    /// Reads a CSV file with a header; `None` when the file does not exist.
    pub fn read(path: &Path) -> Result<Option<WideTable>, ReadError> {
        let Some((mut reader, header)) = reader(path)? else {
            return Ok(None);
        };
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|error| ReadError::new(path, error))?;
            rows.push(record.iter().map(String::from).collect());
        }
        Ok(Some(WideTable {
            path: path.to_path_buf(),
            header: header.iter().map(String::from).collect(),
            rows,
        }))
    }

    fn bad(&self, why: String) -> ReadError {
        ReadError::new(&self.path, why)
    }

    /// The index of the column named `name`.
    pub fn column(&self, name: &str) -> Result<usize, ReadError> {
        self.header
            .iter()
            .position(|heading| heading == name)
            .ok_or_else(|| self.bad(format!("no column '{name}'")))
    }

    /// The text in row `row` (0-based, after the header) and column `column`; empty when short.
    pub fn text(&self, row: usize, column: usize) -> &str {
        self.rows[row].get(column).map_or("", String::as_str)
    }

    /// The number in row `row` and column `column`; `None` for an empty cell.
    pub fn number(&self, row: usize, column: usize) -> Result<Option<f64>, ReadError> {
        let text = self.text(row, column);
        if text.is_empty() {
            return Ok(None);
        }
        text.parse().map(Some).map_err(|_| {
            self.bad(format!(
                "row {}, column {}: expected a number, got '{text}'",
                row + 1,
                self.header[column]
            ))
        })
    }

    /// Every row's number in the column named `name` (an empty cell is an error).
    pub fn numbers(&self, name: &str) -> Result<Vec<f64>, ReadError> {
        let column = self.column(name)?;
        (0..self.rows.len())
            .map(|row| {
                self.number(row, column)?
                    .ok_or_else(|| self.bad(format!("row {}, column {name}: no number", row + 1)))
            })
            .collect()
    }
}

/// trucks.csv: one row per truck that arrived after warm-up and exited before the end; four
/// columns per stage (`<stage>.queued_h` ...). From the records a run kept.
pub fn write_trucks(writer: impl Write, scenario: &Scenario, result: &RunResult) -> io::Result<()> {
    let mut rows = TruckRows::new(writer, scenario)?;
    if let Some(log) = &result.log {
        for truck in &log.trucks {
            rows.push(
                truck.id,
                truck.class,
                truck.arrival,
                truck.exit,
                log.visits(truck),
            );
        }
    }
    rows.finish().map(drop)
}

/// A CSV file written a row at a time, each row built as bytes in one reused buffer: for the
/// files that grow with a run (trucks.csv, queues.csv), whose fields are numbers and names CSV
/// never quotes. A failed write is kept (later rows are skipped) and returned by `finish`.
pub struct ByteRows<W: Write> {
    writer: W,
    row: Vec<u8>,
    failed: Option<io::Error>,
}

impl<W: Write> ByteRows<W> {
    /// Writes the header (through the csv crate: column names may need quoting).
    fn new(writer: W, header: &[String]) -> io::Result<Self> {
        let mut csv = csv::Writer::from_writer(writer);
        csv.write_record(header)?;
        Ok(ByteRows {
            writer: csv.into_inner().map_err(csv::IntoInnerError::into_error)?,
            row: Vec::with_capacity(256),
            failed: None,
        })
    }

    /// Writes the row that `build` appends to an empty buffer, and its line end.
    fn write(&mut self, build: impl FnOnce(&mut Vec<u8>)) {
        if self.failed.is_some() {
            return;
        }
        self.row.clear();
        build(&mut self.row);
        self.row.push(b'\n');
        if let Err(error) = self.writer.write_all(&self.row) {
            self.failed = Some(error);
        }
    }

    /// Flushes the rows; the writer, or the first error a row met.
    pub fn finish(mut self) -> io::Result<W> {
        if let Some(error) = self.failed.take() {
            return Err(error);
        }
        self.writer.flush()?;
        Ok(self.writer)
    }
}

/// trucks.csv written a row at a time as trucks leave (the run hands them over through
/// [`crate::model::RecordSink`], so that the records are never all in memory).
pub struct TruckRows<'a, W: Write> {
    scenario: &'a Scenario,
    rows: ByteRows<W>,
    hours: HoursCache,
}

impl<'a, W: Write> TruckRows<'a, W> {
    /// Writes the header.
    pub fn new(writer: W, scenario: &'a Scenario) -> io::Result<Self> {
        let mut header = vec!["truck".to_string()];
        // Each truck's class, for a port with classes.
        if !scenario.classes.is_empty() {
            header.push("class".to_string());
        }
        header.push("arrival_h".to_string());
        for stage in scenario.stage_names() {
            for column in ["queued_h", "started_h", "finished_h", "departed_h"] {
                header.push(format!("{stage}.{column}"));
            }
        }
        header.extend(
            [
                "declaration_accepted_h",
                "released_h",
                "channel",
                "exit_h",
                "dwell_h",
                "path",
            ]
            .map(String::from),
        );
        Ok(TruckRows {
            scenario,
            rows: ByteRows::new(writer, &header)?,
            hours: HoursCache::default(),
        })
    }

    /// Writes the row of a truck that left.
    pub fn push(&mut self, id: u64, class: u32, arrival: Instant, exit: Instant, visits: &[Visit]) {
        let scenario = self.scenario;
        let hours = &mut self.hours;
        self.rows.write(|row| {
            push_uint(row, id);
            if let Some(class) = scenario.classes.get(class as usize) {
                row.push(b',');
                row.extend_from_slice(class.name.as_bytes());
            }
            truck_row(row, hours, &scenario.stages, arrival, exit, visits);
        });
    }

    /// Flushes the rows; the writer, or the first error a row met.
    pub fn finish(self) -> io::Result<W> {
        self.rows.finish()
    }
}

/// The row of one truck after its id (and class): numbers, a channel name and stage names joined
/// by `>` (stage names are letters, digits, `-` and `_`), nothing CSV would quote.
fn truck_row(
    row: &mut Vec<u8>,
    hours: &mut HoursCache,
    stages: &[Stage],
    arrival: Instant,
    exit: Instant,
    visits: &[Visit],
) {
    let mut time = |row: &mut Vec<u8>, time: Span| {
        row.push(b',');
        hours.push(row, time);
    };
    time(row, arrival.since_start());
    for stage_idx in 0..stages.len() {
        // A stage visited twice shows its first visit; `path` lists every visit.
        match visits.iter().find(|visit| visit.stage == stage_idx) {
            Some(visit) => {
                for at in [visit.queued, visit.started, visit.finished, visit.departed] {
                    time(row, at.since_start());
                }
            }
            None => row.extend_from_slice(b",,,,"),
        }
    }
    let milestones = TruckMilestones::of(stages, visits);
    for milestone in [milestones.declaration_accepted, milestones.released] {
        match milestone {
            Some(at) => time(row, at.since_start()),
            None => row.push(b','),
        }
    }
    row.push(b',');
    row.extend_from_slice(milestones.channel.name().as_bytes());
    time(row, exit.since_start());
    time(row, exit - arrival);
    row.push(b',');
    for (i, visit) in visits.iter().enumerate() {
        if i > 0 {
            row.push(b'>');
        }
        row.extend_from_slice(stages[visit.stage].name.as_bytes());
    }
}

/// A row of stages.csv: one replication at one stage: queue statistics and where the time goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageRow {
    pub replication: u32,
    pub seed: u64,
    pub stage: String,
    pub entered: u64,
    pub served: u64,
    #[serde(serialize_with = "six_decimals")]
    pub mean_wait_h: f64,
    #[serde(serialize_with = "six_decimals")]
    pub p95_wait_h: f64,
    #[serde(serialize_with = "six_decimals")]
    pub mean_service_h: f64,
    #[serde(serialize_with = "six_decimals")]
    pub mean_blocked_h: f64,
    #[serde(serialize_with = "six_decimals")]
    pub utilization: f64,
    #[serde(serialize_with = "six_decimals")]
    pub mean_servers_on_duty: f64,
    #[serde(serialize_with = "six_decimals")]
    pub mean_queue: f64,
    pub max_queue: u32,
    #[serde(serialize_with = "six_decimals")]
    pub waiting_h: f64,
    #[serde(serialize_with = "six_decimals")]
    pub closed_h: f64,
    #[serde(serialize_with = "six_decimals")]
    pub service_h: f64,
    #[serde(serialize_with = "six_decimals")]
    pub blocked_h: f64,
    #[serde(serialize_with = "six_decimals")]
    pub travel_h: f64,
}

impl CsvRow for StageRow {
    const COLUMNS: &'static [&'static str] = &[
        "replication",
        "seed",
        "stage",
        "entered",
        "served",
        "mean_wait_h",
        "p95_wait_h",
        "mean_service_h",
        "mean_blocked_h",
        "utilization",
        "mean_servers_on_duty",
        "mean_queue",
        "max_queue",
        "waiting_h",
        "closed_h",
        "service_h",
        "blocked_h",
        "travel_h",
    ];
}

/// stages.csv; replications are numbered from `first_replication`.
pub fn write_stages(
    writer: impl Write,
    runs: &[RunResult],
    first_replication: u32,
) -> io::Result<()> {
    let rows = (first_replication..)
        .zip(runs)
        .flat_map(|(replication, run)| {
            run.stages
                .iter()
                .zip(&run.breakdown)
                .map(move |(stage, part)| StageRow {
                    replication,
                    seed: run.seed,
                    stage: stage.stage.clone(),
                    entered: stage.entered,
                    served: stage.served,
                    mean_wait_h: stage.mean_wait_hours,
                    p95_wait_h: stage.p95_wait_hours,
                    mean_service_h: stage.mean_service_hours,
                    mean_blocked_h: stage.mean_blocked_hours,
                    utilization: stage.utilization,
                    mean_servers_on_duty: stage.mean_servers_on_duty,
                    mean_queue: stage.mean_queue,
                    max_queue: stage.max_queue,
                    waiting_h: part.waiting_hours,
                    closed_h: part.closed_hours,
                    service_h: part.service_hours,
                    blocked_h: part.blocked_hours,
                    travel_h: part.travel_hours,
                })
        });
    write_rows(writer, rows)
}

/// A row of failures.csv: one replication at one stage whose servers can fail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureRow {
    pub replication: u32,
    pub seed: u64,
    pub stage: String,
    /// Failures of its servers after warm-up.
    pub failures: u64,
    /// Time-average share of its servers working.
    #[serde(serialize_with = "six_decimals")]
    pub availability: f64,
    /// Server-hours a day on duty with no working server.
    #[serde(serialize_with = "six_decimals")]
    pub lost_server_h_per_day: f64,
    /// Hours per truck on a failed server (a part of where the time goes).
    #[serde(serialize_with = "six_decimals")]
    pub down_h: f64,
}

impl CsvRow for FailureRow {
    const COLUMNS: &'static [&'static str] = &[
        "replication",
        "seed",
        "stage",
        "failures",
        "availability",
        "lost_server_h_per_day",
        "down_h",
    ];
}

/// failures.csv: each replication at each stage whose servers can fail; replications are
/// numbered from `first_replication`.
pub fn write_failures(
    writer: impl Write,
    runs: &[RunResult],
    first_replication: u32,
) -> io::Result<()> {
    let rows = (first_replication..)
        .zip(runs)
        .flat_map(|(replication, run)| {
            run.stages
                .iter()
                .zip(&run.breakdown)
                .filter_map(move |(stage, part)| {
                    Some(FailureRow {
                        replication,
                        seed: run.seed,
                        stage: stage.stage.clone(),
                        failures: stage.failures?,
                        availability: stage.availability?,
                        lost_server_h_per_day: stage.lost_server_hours_per_day?,
                        down_h: part.down_hours?,
                    })
                })
        });
    write_rows(writer, rows)
}

/// A row of roads.csv: the trucks that turned away from one stage's queue, or never came to
/// their slot there, in one day of one replication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoadDayRow {
    pub replication: u32,
    /// Day 0 starts the run.
    pub day: u32,
    pub stage: String,
    pub diverted: u32,
    pub gave_up: u32,
    pub no_shows: u32,
    /// Whether the day ends within the warm-up.
    #[serde(with = "zero_one")]
    pub warmup: bool,
}

impl CsvRow for RoadDayRow {
    const COLUMNS: &'static [&'static str] = &[
        "replication",
        "day",
        "stage",
        "diverted",
        "gave_up",
        "no_shows",
        "warmup",
    ];
}

/// roads.csv: each day of each replication (warm-up included) at each stage with `balking` or
/// `booking`, day by day.
pub fn write_road_days(
    writer: impl Write,
    runs: &[RunResult],
    first_replication: u32,
) -> io::Result<()> {
    let rows = (first_replication..)
        .zip(runs)
        .flat_map(|(replication, run)| {
            let days = run.road_days.first().map_or(0, |road| road.days.len());
            (0..days).flat_map(move |day| {
                run.road_days.iter().map(move |road| {
                    let count = road.days[day];
                    let day = day as u32;
                    RoadDayRow {
                        replication,
                        day,
                        stage: road.stage.clone(),
                        diverted: count.diverted,
                        gave_up: count.gave_up,
                        no_shows: count.no_shows,
                        warmup: day_in_warmup(day, run.warmup_hours),
                    }
                })
            })
        });
    write_rows(writer, rows)
}

/// A row of dwell_histogram.csv: one bin of the pooled dwell times.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DwellBinRow {
    #[serde(serialize_with = "six_decimals")]
    pub lower_h: f64,
    #[serde(serialize_with = "six_decimals")]
    pub upper_h: f64,
    pub trucks: u64,
}

impl CsvRow for DwellBinRow {
    const COLUMNS: &'static [&'static str] = &["lower_h", "upper_h", "trucks"];
}

/// Bins of dwell_histogram.csv: [`DwellBins::PER_DECADE`] equal bins per decade on a
/// logarithmic scale from [`DwellBins::LOWEST_HOURS`] up; shorter dwells count in the first
/// bin, longer ones in the last. Fine enough to redraw on a linear axis, small enough to sum over
/// replications.
pub struct DwellBins;

impl DwellBins {
    pub const PER_DECADE: u32 = 100;
    pub const LOWEST_HOURS: f64 = 0.01;
    /// Six decades: 0.01 h (36 s) to 10,000 h (over a year).
    pub const COUNT: usize = 600;

    /// The lower and upper edge of bin `k`, in hours.
    pub fn edges_hours(k: usize) -> (f64, f64) {
        let edge =
            |k: usize| Self::LOWEST_HOURS * 10f64.powf(k as f64 / f64::from(Self::PER_DECADE));
        (edge(k), edge(k + 1))
    }

    /// The upper edges of the bins in milliseconds (the last one unbounded), for binning.
    fn upper_millis() -> Vec<u64> {
        (0..Self::COUNT)
            .map(|k| match k {
                _ if k + 1 == Self::COUNT => u64::MAX,
                _ => (Self::edges_hours(k).1 * Span::HOUR.millis() as f64).round() as u64,
            })
            .collect()
    }

    /// Adds a run's dwell times to `counts` (one count per bin), each histogram bucket by its
    /// middle value.
    pub fn count(counts: &mut [u64], histogram: &DwellHistogram) {
        let upper = Self::upper_millis();
        for (middle, trucks) in histogram.buckets() {
            let bin = upper.partition_point(|&edge| edge <= middle);
            counts[bin.min(Self::COUNT - 1)] += trucks;
        }
    }

    /// The bins of the dwell times of `histograms` summed, from the first bin with a truck to
    /// the last.
    fn rows<'h>(histograms: impl Iterator<Item = &'h DwellHistogram>) -> Vec<DwellBinRow> {
        let mut counts = vec![0u64; Self::COUNT];
        for histogram in histograms {
            Self::count(&mut counts, histogram);
        }
        let first = counts.iter().position(|&count| count > 0).unwrap_or(0);
        let last = counts
            .iter()
            .rposition(|&count| count > 0)
            .map_or(0, |k| k + 1);
        (first..last)
            .map(|k| {
                let (lower, upper) = Self::edges_hours(k);
                DwellBinRow {
                    lower_h: lower,
                    upper_h: upper,
                    trucks: counts[k],
                }
            })
            .collect()
    }
}

/// dwell_histogram.csv: the dwell times of every replication's counted trucks in [`DwellBins`],
/// summed over replications; from the first bin with a truck to the last.
pub fn write_dwell_histogram(writer: impl Write, runs: &[RunResult]) -> io::Result<()> {
    write_rows(
        writer,
        DwellBins::rows(runs.iter().map(|run| &run.dwell_histogram)),
    )
}

/// A row of dwell_histogram_by_class.csv: one bin of the pooled dwell times of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassDwellBinRow {
    pub class: String,
    #[serde(serialize_with = "six_decimals")]
    pub lower_h: f64,
    #[serde(serialize_with = "six_decimals")]
    pub upper_h: f64,
    pub trucks: u64,
}

impl CsvRow for ClassDwellBinRow {
    const COLUMNS: &'static [&'static str] = &["class", "lower_h", "upper_h", "trucks"];
}

/// dwell_histogram_by_class.csv: for each truck class in turn, the bins of dwell_histogram.csv
/// over its trucks only.
pub fn write_dwell_histogram_by_class(writer: impl Write, runs: &[RunResult]) -> io::Result<()> {
    let classes: Vec<&str> = runs.first().map_or_else(Vec::new, |run| {
        run.classes
            .iter()
            .map(|class| class.class.as_str())
            .collect()
    });
    let rows = classes.iter().enumerate().flat_map(|(k, &class)| {
        let histograms = runs
            .iter()
            .filter_map(move |run| run.classes.get(k).map(|class| &class.dwell_histogram));
        DwellBins::rows(histograms)
            .into_iter()
            .map(move |bin| ClassDwellBinRow {
                class: class.to_string(),
                lower_h: bin.lower_h,
                upper_h: bin.upper_h,
                trucks: bin.trucks,
            })
    });
    write_rows(writer, rows)
}

/// A row of daily.csv: trucks arriving and leaving the port in one day of one replication.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DayRow {
    pub replication: u32,
    /// Day 0 starts the run.
    pub day: u32,
    pub arrived: u32,
    pub cleared: u32,
    /// Whether the day ends within the warm-up.
    #[serde(with = "zero_one")]
    pub warmup: bool,
}

impl CsvRow for DayRow {
    const COLUMNS: &'static [&'static str] =
        &["replication", "day", "arrived", "cleared", "warmup"];
}

/// daily.csv: each day of each replication, warm-up included.
pub fn write_daily(
    writer: impl Write,
    runs: &[RunResult],
    first_replication: u32,
) -> io::Result<()> {
    let rows = (first_replication..)
        .zip(runs)
        .flat_map(|(replication, run)| {
            (0u32..).zip(&run.daily).map(move |(day, count)| DayRow {
                replication,
                day,
                arrived: count.arrived,
                cleared: count.cleared,
                warmup: day_in_warmup(day, run.warmup_hours),
            })
        });
    write_rows(writer, rows)
}

/// Whether day `day` of a run (0 the first) ends within its warm-up: its counts do not describe
/// the steady state (daily.csv, roads.csv).
fn day_in_warmup(day: u32, warmup_hours: f64) -> bool {
    (f64::from(day) + 1.0) * 24.0 <= warmup_hours
}

/// The column of a stage's hourly queue in queues.csv.
pub fn queue_column(stage: &str) -> String {
    format!("{stage}.queue")
}

/// The column of a stage's hourly closed share in queues.csv.
pub fn closed_column(stage: &str) -> String {
    format!("{stage}.closed")
}

/// queues.csv: for the first replication, each hour of the run (warm-up included): per stage the
/// time-average number of trucks waiting and the share of the hour the stage was closed.
pub fn write_queues(writer: impl Write, run: &RunResult) -> io::Result<()> {
    let traces = run.trace.as_deref().unwrap_or_default();
    let names: Vec<&str> = traces.iter().map(|trace| trace.stage.as_str()).collect();
    let mut rows = QueueRows::new(writer, &names)?;
    let hours = traces
        .iter()
        .map(|trace| trace.queue.len())
        .max()
        .unwrap_or(0);
    let mut hour_row = Vec::with_capacity(traces.len());
    for hour in 0..hours {
        hour_row.clear();
        hour_row.extend(traces.iter().map(|trace| {
            let at = |series: &[f64]| series.get(hour).copied().unwrap_or(0.0);
            (at(&trace.queue), at(&trace.closed))
        }));
        rows.push(hour as u64, &hour_row);
    }
    rows.finish().map(drop)
}

/// queues.csv written an hour at a time: the hour, then each stage's time-average queue and share
/// of the hour closed, with four decimals as `{:.4}` gives them.
pub struct QueueRows<W: Write>(ByteRows<W>);

impl<W: Write> QueueRows<W> {
    /// Writes the header: two columns for each of `stages`.
    pub fn new(writer: W, stages: &[&str]) -> io::Result<Self> {
        let mut header = vec!["hour".to_string()];
        for stage in stages {
            header.push(queue_column(stage));
            header.push(closed_column(stage));
        }
        Ok(QueueRows(ByteRows::new(writer, &header)?))
    }

    /// Writes hour `hour`: each stage's (queue, closed share), in stage order.
    pub fn push(&mut self, hour: u64, stages: &[(f64, f64)]) {
        self.0.write(|row| {
            push_uint(row, hour);
            for &(queue, closed) in stages {
                row.push(b',');
                push_fixed(row, queue, 4);
                row.push(b',');
                push_fixed(row, closed, 4);
            }
        });
    }

    /// Flushes the rows; the writer, or the first error a row met.
    pub fn finish(self) -> io::Result<W> {
        self.0.finish()
    }
}

/// A row of metrics.csv: a metric's mean over replications and its 95% interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricRow {
    pub metric: MetricId,
    #[serde(serialize_with = "six_decimals")]
    pub mean: f64,
    #[serde(serialize_with = "six_decimals_or_empty")]
    pub ci95_half_width: Option<f64>,
    #[serde(serialize_with = "six_decimals_or_empty")]
    pub ci95_low: Option<f64>,
    #[serde(serialize_with = "six_decimals_or_empty")]
    pub ci95_high: Option<f64>,
    pub replications: usize,
}

impl CsvRow for MetricRow {
    const COLUMNS: &'static [&'static str] = &[
        "metric",
        "mean",
        "ci95_half_width",
        "ci95_low",
        "ci95_high",
        "replications",
    ];
}

impl MetricRow {
    fn of(metric: &MetricEstimate) -> MetricRow {
        let estimate = &metric.estimate;
        let interval = estimate.interval();
        MetricRow {
            metric: metric.id.clone(),
            mean: estimate.mean,
            ci95_half_width: estimate.half_width,
            ci95_low: interval.map(|(low, _)| low),
            ci95_high: interval.map(|(_, high)| high),
            replications: estimate.n,
        }
    }
}

/// metrics.csv: one row per metric.
pub fn write_metrics(writer: impl Write, metrics: &[MetricEstimate]) -> io::Result<()> {
    write_rows(writer, metrics.iter().map(MetricRow::of))
}

/// replications.csv: one row per replication: its seed and every metric (a column each).
pub fn write_replications(writer: impl Write, experiment: &Experiment) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(writer);
    let mut header = vec!["replication".to_string(), "seed".to_string()];
    header.extend(
        experiment
            .metrics
            .iter()
            .map(|metric| metric.id.to_string()),
    );
    csv.write_record(&header)?;
    for (k, seed) in experiment.seeds.iter().enumerate() {
        let replication = experiment.first_replication as usize + k;
        let mut record = vec![replication.to_string(), seed.to_string()];
        record.extend(
            experiment
                .metrics
                .iter()
                .map(|metric| decimal(metric.values.get(k).copied())),
        );
        csv.write_record(&record)?;
    }
    csv.flush()
}

/// A row of compare.csv: one metric of one variant, with its paired difference from the first
/// variant (empty for the first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareRow {
    pub metric: MetricId,
    pub variant: String,
    #[serde(serialize_with = "six_decimals")]
    pub mean: f64,
    #[serde(serialize_with = "six_decimals_or_empty")]
    pub ci95_half_width: Option<f64>,
    #[serde(serialize_with = "six_decimals_or_empty")]
    pub ci95_low: Option<f64>,
    #[serde(serialize_with = "six_decimals_or_empty")]
    pub ci95_high: Option<f64>,
    #[serde(serialize_with = "six_decimals_or_empty")]
    pub difference: Option<f64>,
    #[serde(serialize_with = "six_decimals_or_empty")]
    pub difference_ci95_half_width: Option<f64>,
    #[serde(serialize_with = "six_decimals_or_empty")]
    pub difference_ci95_low: Option<f64>,
    #[serde(serialize_with = "six_decimals_or_empty")]
    pub difference_ci95_high: Option<f64>,
    #[serde(serialize_with = "six_decimals_or_empty")]
    pub change_percent: Option<f64>,
}

impl CsvRow for CompareRow {
    const COLUMNS: &'static [&'static str] = &[
        "metric",
        "variant",
        "mean",
        "ci95_half_width",
        "ci95_low",
        "ci95_high",
        "difference",
        "difference_ci95_half_width",
        "difference_ci95_low",
        "difference_ci95_high",
        "change_percent",
    ];
}

/// compare.csv: one row per metric and variant.
pub fn write_compare(writer: impl Write, comparison: &Comparison) -> io::Result<()> {
    let mut rows = Vec::new();
    for id in comparison.metric_ids() {
        for (v, variant) in comparison.variants.iter().enumerate() {
            let Some(metric) = variant.experiment.metric(id) else {
                continue;
            };
            let own = MetricRow::of(metric);
            let difference = comparison.difference(v, id);
            let interval = difference.and_then(|d| d.estimate.interval());
            rows.push(CompareRow {
                metric: own.metric,
                variant: variant.name.clone(),
                mean: own.mean,
                ci95_half_width: own.ci95_half_width,
                ci95_low: own.ci95_low,
                ci95_high: own.ci95_high,
                difference: difference.map(|d| d.estimate.mean),
                difference_ci95_half_width: difference.and_then(|d| d.estimate.half_width),
                difference_ci95_low: interval.map(|(low, _)| low),
                difference_ci95_high: interval.map(|(_, high)| high),
                change_percent: difference.and_then(|d| d.change_percent),
            });
        }
    }
    write_rows(writer, rows)
}

/// The column of a metric's 95% half-width in sweep.csv.
pub fn half_width_column(metric: &MetricId) -> String {
    format!("{metric}_ci95")
}

/// sweep.csv: one row per point: its index, the varied values (a column per key), MSER-5's
/// warm-up, then each metric's mean and the half-width of its 95% interval.
pub fn write_sweep(
    writer: impl Write,
    sweep: &SweepInfo,
    results: &[PointResult],
) -> io::Result<()> {
    let mut rows = SweepRows::new(writer, sweep)?;
    for point in results {
        rows.write(point)?;
    }
    rows.finish()
}

/// sweep.csv written a point at a time: a header of the varied keys and every metric with its
/// interval's half-width, then a row a point.
pub struct SweepRows<'a, W: Write> {
    csv: csv::Writer<W>,
    sweep: &'a SweepInfo,
    next: usize,
}

impl<'a, W: Write> SweepRows<'a, W> {
    pub fn new(writer: W, sweep: &'a SweepInfo) -> io::Result<Self> {
        let mut csv = csv::Writer::from_writer(writer);
        let mut header = vec!["point".to_string()];
        header.extend(sweep.keys.iter().cloned());
        header.extend(
            [
                "replications",
                "mser5_warmup_h",
                "max_offered_load",
                "stable",
            ]
            .map(String::from),
        );
        for id in &sweep.metrics {
            header.push(id.to_string());
            header.push(half_width_column(id));
        }
        csv.write_record(&header)?;
        Ok(SweepRows {
            csv,
            sweep,
            next: 0,
        })
    }

    pub fn write(&mut self, point: &PointResult) -> io::Result<()> {
        let mut record = vec![self.next.to_string()];
        record.extend(point.values.iter().cloned());
        record.push(self.sweep.replications.to_string());
        record.push(decimal(Some(point.warmup.mser5_hours)));
        record.push(
            point
                .max_offered_load
                .map_or_else(String::new, |load| format!("{load:.4}")),
        );
        record.push(
            point
                .stable
                .map_or_else(String::new, |stable| stable.to_string()),
        );
        for metric in &point.metrics {
            record.push(decimal(Some(metric.estimate.mean)));
            record.push(decimal(metric.estimate.half_width));
        }
        self.next += 1;
        Ok(self.csv.write_record(&record)?)
    }

    pub fn finish(mut self) -> io::Result<()> {
        self.csv.flush()
    }
}

/// optimize.csv: a row per point the search ran, in the order of the points: its decision
/// values, cost per day, then each constraint's mean and one-sided bound in the search and (for
/// a candidate) in the confirmation.
pub fn write_optimize(writer: impl Write, file: &super::json::OptimizeFile) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(writer);
    let mut header = vec!["point".to_string()];
    header.extend(file.decisions.iter().map(|decision| decision.key.clone()));
    header.extend(["cost_per_day", "max_offered_load", "stable", "feasible"].map(String::from));
    for constraint in &file.constraints {
        header.push(format!("{}_mean", constraint.metric));
        header.push(format!("{}_bound", constraint.metric));
    }
    for constraint in &file.constraints {
        header.push(format!("confirm_{}_mean", constraint.metric));
        header.push(format!("confirm_{}_bound", constraint.metric));
    }
    header.extend(["confirmed", "chosen"].map(String::from));
    csv.write_record(&header)?;
    let chosen = file.chosen().map(|evaluation| evaluation.point);
    let number = |x: f64| decimal(x.is_finite().then_some(x));
    for evaluation in &file.evaluations {
        let mut record = vec![evaluation.point.to_string()];
        record.extend(evaluation.values.iter().map(i64::to_string));
        record.push(number(evaluation.cost));
        record.push(
            evaluation
                .max_offered_load
                .map_or_else(String::new, |load| format!("{load:.4}")),
        );
        record.push(evaluation.stable.to_string());
        record.push(evaluation.feasible().to_string());
        for check in &evaluation.search {
            record.push(number(check.mean));
            record.push(number(check.bound));
        }
        match &evaluation.confirm {
            Some(checks) => {
                for check in checks {
                    record.push(number(check.mean));
                    record.push(number(check.bound));
                }
            }
            None => record.extend((0..2 * file.constraints.len()).map(|_| String::new())),
        }
        record.push(
            evaluation
                .confirmed()
                .map_or_else(String::new, |confirmed| confirmed.to_string()),
        );
        record.push((chosen == Some(evaluation.point)).to_string());
        csv.write_record(&record)?;
    }
    csv.flush()
}

/// ledger.csv: for each metric, a row for the base, one per reform (its Shapley share, alone on
/// the base, taken out last), one for all reforms and one for the total change; means with the
/// half-width of their 95% interval.
pub fn write_ledger(writer: impl Write, file: &super::json::LedgerFile) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(writer);
    csv.write_record([
        "metric",
        "row",
        "mean",
        "ci95_half_width",
        "alone_mean",
        "alone_ci95_half_width",
        "last_mean",
        "last_ci95_half_width",
    ])?;
    let cell = |estimate: &crate::experiment::Estimate| {
        [
            decimal(estimate.mean.is_finite().then_some(estimate.mean)),
            decimal(estimate.half_width),
        ]
    };
    for ledger in &file.metrics {
        let metric = ledger.metric.to_string();
        let plain = |row: &str, estimate: &crate::experiment::Estimate| {
            let [mean, half] = cell(estimate);
            vec![
                metric.clone(),
                row.to_string(),
                mean,
                half,
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]
        };
        csv.write_record(plain("base", &ledger.base))?;
        for share in &ledger.reforms {
            let mut record = vec![metric.clone(), share.reform.clone()];
            record.extend(cell(&share.shapley));
            record.extend(cell(&share.alone));
            record.extend(cell(&share.last));
            csv.write_record(&record)?;
        }
        csv.write_record(plain("all", &ledger.all))?;
        csv.write_record(plain("total", &ledger.total))?;
    }
    csv.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header serde writes for a row: the field names, in order.
    fn serde_header<R: Serialize>(row: R) -> Vec<String> {
        let mut csv = csv::Writer::from_writer(Vec::new());
        csv.serialize(row).unwrap();
        let text = String::from_utf8(csv.into_inner().unwrap()).unwrap();
        text.lines()
            .next()
            .unwrap()
            .split(',')
            .map(String::from)
            .collect()
    }

    fn round_trip<R: CsvRow + PartialEq + std::fmt::Debug + Clone>(row: R) {
        assert_eq!(serde_header(row.clone()), R::COLUMNS, "header of {row:?}");
        let dir = tempfile_dir();
        let path = dir.join("rows.csv");
        let mut bytes = Vec::new();
        write_rows(&mut bytes, [row.clone()]).unwrap();
        std::fs::write(&path, bytes).unwrap();
        assert_eq!(read_rows::<R>(&path).unwrap(), Some(vec![row]));
        std::fs::remove_dir_all(dir).unwrap();
    }

    fn tempfile_dir() -> std::path::PathBuf {
        use std::sync::atomic::{AtomicU32, Ordering};
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "landport-csv-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn every_row_type_writes_its_columns_and_reads_back() {
        let d = |x: f64| x;
        round_trip(FailureRow {
            replication: 0,
            seed: 3,
            stage: "xray".into(),
            failures: 12,
            availability: d(0.875),
            lost_server_h_per_day: d(3.0),
            down_h: d(0.25),
        });
        round_trip(StageRow {
            replication: 1,
            seed: 7,
            stage: "x-ray".into(),
            entered: 10,
            served: 9,
            mean_wait_h: d(0.5),
            p95_wait_h: d(1.25),
            mean_service_h: d(0.1),
            mean_blocked_h: d(0.0),
            utilization: d(0.75),
            mean_servers_on_duty: d(2.0),
            mean_queue: d(0.3),
            max_queue: 4,
            waiting_h: d(0.4),
            closed_h: d(0.1),
            service_h: d(0.1),
            blocked_h: d(0.0),
            travel_h: d(0.05),
        });
        round_trip(DwellBinRow {
            lower_h: d(0.01),
            upper_h: d(0.010233),
            trucks: 3,
        });
        round_trip(DayRow {
            replication: 0,
            day: 2,
            arrived: 300,
            cleared: 290,
            warmup: true,
        });
        round_trip(RoadDayRow {
            replication: 1,
            day: 40,
            stage: "nur-zholy-gate".to_string(),
            diverted: 12,
            gave_up: 3,
            no_shows: 9,
            warmup: false,
        });
        round_trip(MetricRow {
            metric: "xray.mean_wait_h".parse().unwrap(),
            mean: d(1.5),
            ci95_half_width: None,
            ci95_low: None,
            ci95_high: Some(d(2.0)),
            replications: 1,
        });
        round_trip(CompareRow {
            metric: "dwell_mean_h".parse().unwrap(),
            variant: "reformed".into(),
            mean: d(4.7),
            ci95_half_width: Some(d(0.02)),
            ci95_low: Some(d(4.68)),
            ci95_high: Some(d(4.72)),
            difference: None,
            difference_ci95_half_width: None,
            difference_ci95_low: None,
            difference_ci95_high: None,
            change_percent: Some(d(-93.5)),
        });
    }

    #[test]
    fn a_row_reads_by_column_name_not_position() {
        let dir = tempfile_dir();
        let path = dir.join("daily.csv");
        std::fs::write(
            &path,
            "warmup,day,cleared,replication,arrived,note\n0,3,5,1,6,x\n",
        )
        .unwrap();
        let rows = read_rows::<DayRow>(&path).unwrap().unwrap();
        assert_eq!(
            rows,
            [DayRow {
                replication: 1,
                day: 3,
                arrived: 6,
                cleared: 5,
                warmup: false
            }]
        );
        std::fs::write(&path, "replication,day,arrived,warmup\n1,3,6,0\n").unwrap();
        let error = read_rows::<DayRow>(&path).unwrap_err().to_string();
        assert!(error.ends_with("no column 'cleared'"), "{error}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
