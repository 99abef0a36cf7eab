//! Result files and the printed summary: pure transforms from results to bytes, and one place
//! that creates files (each written whole to a temporary name, then renamed into place).

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::engine::Time;
use crate::experiment::{Estimate, Experiment, MetricEstimate, TIME_PARTS};
use crate::model::{DwellBins, RunResult, Scenario, StageLoad, TruckMilestones};

/// Writes a time as hours with six decimals (3.6 ms resolution), rounded half up from the exact
/// integer milliseconds: no float formatting, so it is fast and the same on every platform.
fn push_hours(field: &mut Vec<u8>, time: Time) {
    use std::io::Write as _;
    let micro_hours = (u128::from(time.millis()) * 10 + 18) / 36;
    let _ = write!(
        field,
        "{}.{:06}",
        micro_hours / 1_000_000,
        micro_hours % 1_000_000
    );
}

/// trucks.csv: one row per truck that arrived after warm-up and exited before the end.
pub fn write_trucks_csv(
    writer: impl Write,
    scenario: &Scenario,
    result: &RunResult,
) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(writer);
    let mut header = vec!["truck".to_string(), "arrival_h".to_string()];
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
    csv.write_record(&header)?;
    let Some(log) = &result.log else {
        return csv.flush();
    };
    // One reused record and field buffer: no allocation per row once they have grown.
    let mut record = csv::ByteRecord::new();
    let mut field = Vec::with_capacity(32);
    let mut push_time = |record: &mut csv::ByteRecord, time: Time| {
        field.clear();
        push_hours(&mut field, time);
        record.push_field(&field);
    };
    for truck in &log.trucks {
        record.clear();
        record.push_field(truck.id.to_string().as_bytes());
        push_time(&mut record, truck.arrival);
        let visits = log.visits(truck);
        for stage_idx in 0..scenario.stages.len() {
            // A stage visited twice shows its first visit; `path` lists every visit.
            match visits.iter().find(|visit| visit.stage == stage_idx) {
                Some(visit) => {
                    for time in [visit.queued, visit.started, visit.finished, visit.departed] {
                        push_time(&mut record, time);
                    }
                }
                None => (0..4).for_each(|_| record.push_field(b"")),
            }
        }
        let milestones = TruckMilestones::of(&scenario.stages, visits);
        for milestone in [milestones.declaration_accepted, milestones.released] {
            match milestone {
                Some(time) => push_time(&mut record, time),
                None => record.push_field(b""),
            }
        }
        record.push_field(milestones.channel.name().as_bytes());
        push_time(&mut record, truck.exit);
        push_time(&mut record, truck.exit - truck.arrival);
        let path: Vec<&str> = visits
            .iter()
            .map(|visit| scenario.stages[visit.stage].name.as_str())
            .collect();
        record.push_field(path.join(">").as_bytes());
        csv.write_byte_record(&record)?;
    }
    csv.flush()
}

/// stages.csv: one row per replication and stage: queue statistics and where the time goes.
/// Replications are numbered from `first_replication`.
pub fn write_stages_csv(
    writer: impl Write,
    runs: &[RunResult],
    first_replication: u32,
) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(writer);
    csv.write_record([
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
    ])?;
    for (replication, run) in (first_replication..).zip(runs) {
        for (stage, part) in run.stages.iter().zip(&run.breakdown) {
            let mut record = vec![
                replication.to_string(),
                run.seed.to_string(),
                stage.stage.clone(),
                stage.entered.to_string(),
                stage.served.to_string(),
            ];
            let decimals = [
                stage.mean_wait_hours,
                stage.p95_wait_hours,
                stage.mean_service_hours,
                stage.mean_blocked_hours,
                stage.utilization,
                stage.mean_servers_on_duty,
                stage.mean_queue,
            ];
            record.extend(decimals.iter().map(|x| format!("{x:.6}")));
            record.push(stage.max_queue.to_string());
            let parts = [
                part.waiting_hours,
                part.closed_hours,
                part.service_hours,
                part.blocked_hours,
                part.travel_hours,
            ];
            record.extend(parts.iter().map(|x| format!("{x:.6}")));
            csv.write_record(&record)?;
        }
    }
    csv.flush()
}

/// dwell_histogram.csv: the dwell times of every replication's counted trucks in [`DwellBins`]
/// (logarithmic, 100 a decade), summed over replications; from the first bin with a truck to the
/// last.
pub fn write_dwell_histogram_csv(writer: impl Write, runs: &[RunResult]) -> io::Result<()> {
    let mut counts = vec![0u64; DwellBins::COUNT];
    for run in runs {
        for (total, count) in counts.iter_mut().zip(&run.dwell_bins) {
            *total += count;
        }
    }
    let mut csv = csv::Writer::from_writer(writer);
    csv.write_record(["lower_h", "upper_h", "trucks"])?;
    let first = counts.iter().position(|&count| count > 0);
    let last = counts.iter().rposition(|&count| count > 0);
    if let (Some(first), Some(last)) = (first, last) {
        for (k, count) in counts.iter().enumerate().take(last + 1).skip(first) {
            let (lower, upper) = DwellBins::edges_hours(k);
            csv.write_record([
                format!("{lower:.6}"),
                format!("{upper:.6}"),
                count.to_string(),
            ])?;
        }
    }
    csv.flush()
}

/// daily.csv: trucks arriving and leaving the port in each day of each replication, warm-up
/// included (day 0 starts the run).
pub fn write_daily_csv(
    writer: impl Write,
    runs: &[RunResult],
    first_replication: u32,
) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(writer);
    csv.write_record(["replication", "day", "arrived", "cleared", "warmup"])?;
    for (replication, run) in (first_replication..).zip(runs) {
        for (day, count) in run.daily.iter().enumerate() {
            let in_warmup = (day as f64 + 1.0) * 24.0 <= run.warmup_hours;
            csv.write_record([
                replication.to_string(),
                day.to_string(),
                count.arrived.to_string(),
                count.cleared.to_string(),
                u8::from(in_warmup).to_string(),
            ])?;
        }
    }
    csv.flush()
}

/// queues.csv: for the first replication, each hour of the run (warm-up included): per stage the
/// time-average number of trucks waiting and the share of the hour the stage was closed.
pub fn write_queues_csv(writer: impl Write, run: &RunResult) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(writer);
    let traces = run.trace.as_deref().unwrap_or_default();
    let mut header = vec!["hour".to_string()];
    for trace in traces {
        header.push(format!("{}.queue", trace.stage));
        header.push(format!("{}.closed", trace.stage));
    }
    csv.write_record(&header)?;
    let hours = traces
        .iter()
        .map(|trace| trace.queue.len())
        .max()
        .unwrap_or(0);
    for hour in 0..hours {
        let mut record = vec![hour.to_string()];
        for trace in traces {
            for series in [&trace.queue, &trace.closed] {
                record.push(format!("{:.4}", series.get(hour).copied().unwrap_or(0.0)));
            }
        }
        csv.write_record(&record)?;
    }
    csv.flush()
}

/// A number for CSV and tables: six decimals, empty when there is none.
pub fn decimal(value: Option<f64>) -> String {
    value.map_or_else(String::new, |x| format!("{x:.6}"))
}

/// metrics.csv: one row per metric: the mean over replications and its 95% interval.
pub fn write_metrics_csv(writer: impl Write, metrics: &[MetricEstimate]) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(writer);
    csv.write_record([
        "metric",
        "mean",
        "ci95_half_width",
        "ci95_low",
        "ci95_high",
        "replications",
    ])?;
    for metric in metrics {
        let estimate = &metric.estimate;
        let interval = estimate.interval();
        csv.write_record([
            metric.name.clone(),
            decimal(Some(estimate.mean)),
            decimal(estimate.half_width),
            decimal(interval.map(|(low, _)| low)),
            decimal(interval.map(|(_, high)| high)),
            estimate.n.to_string(),
        ])?;
    }
    csv.flush()
}

/// replications.csv: one row per replication: its seed and every metric.
pub fn write_replications_csv(writer: impl Write, experiment: &Experiment) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(writer);
    let mut header = vec!["replication".to_string(), "seed".to_string()];
    header.extend(experiment.metrics.iter().map(|metric| metric.name.clone()));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_no_file() {
        let dir = std::env::temp_dir().join(format!("landport-atomic-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("trucks.csv");
        let result = write_file_atomically(&path, |w| {
            w.write_all(b"truck,arrival_h\n")?;
            Err(io::Error::other("disk full"))
        });
        assert_eq!(result.unwrap_err().to_string(), "disk full");
        assert!(!path.exists());
        assert!(!dir.join("trucks.csv.partial").exists());
        write_file_atomically(&path, |w| w.write_all(b"whole\n")).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "whole\n");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn hours_have_six_exact_decimals() {
        let hours = |ms: u64| {
            let mut field = Vec::new();
            push_hours(&mut field, Time::from_millis(ms));
            String::from_utf8(field).unwrap()
        };
        assert_eq!(hours(0), "0.000000");
        assert_eq!(hours(3_600_000), "1.000000");
        assert_eq!(hours(5_400_000), "1.500000");
        assert_eq!(hours(1), "0.000000", "0.28 micro-hours rounds down");
        assert_eq!(hours(9), "0.000003", "2.5 micro-hours rounds half up");
        assert_eq!(hours(123_456_789), "34.293553");
        // Agrees with float formatting away from ties.
        for ms in [7u64, 1_234, 86_399_999, 4_000_000_000] {
            assert_eq!(
                hours(ms),
                format!("{:.6}", ms as f64 / 3_600_000.0),
                "{ms} ms"
            );
        }
    }
}

#[derive(Serialize)]
struct Summary<'a> {
    landport_version: &'a str,
    units: &'a str,
    #[serde(flatten)]
    experiment: &'a Experiment,
    offered_loads: Vec<StageLoad>,
}

/// summary.json: every metric with its interval, the warm-up check, each replication's results,
/// the offered loads and the landport version.
pub fn write_summary_json(
    mut writer: impl Write,
    scenario: &Scenario,
    experiment: &Experiment,
) -> io::Result<()> {
    let summary = Summary {
        landport_version: env!("CARGO_PKG_VERSION"),
        units: "times in hours (names ending _h or _hours), rates in trucks per day as named; \
intervals are 95% Student t over replications; percentiles come from a fixed-memory histogram with \
3 significant digits (relative error under 0.1%)",
        experiment,
        offered_loads: scenario.offered_loads(),
    };
    serde_json::to_writer_pretty(&mut writer, &summary)?;
    writer.write_all(b"\n")
}

/// A mean with its interval for tables: `5.32 ± 0.05`, or the mean alone for one replication.
pub fn with_interval(estimate: &Estimate, decimals: usize) -> String {
    match estimate.half_width {
        Some(half) => format!("{:.decimals$} ± {half:.decimals$}", estimate.mean),
        None => format!("{:.decimals$}", estimate.mean),
    }
}

/// The warm-up line of a summary: the scenario's warm-up against MSER-5's suggestion.
pub fn warmup_line(experiment: &Experiment) -> String {
    let warmup = &experiment.warmup;
    let verdict = if warmup.is_long_enough() {
        "long enough"
    } else {
        "consider a longer warm-up"
    };
    format!(
        "warm-up: {:.0} h in the scenario; MSER-5 on hourly trucks in port suggests {:.0} h: {verdict}",
        warmup.fixed_hours, warmup.mser5_hours
    )
}

/// The summary printed after a run: port metrics, stage metrics and where the time goes.
pub fn summary_table(experiment: &Experiment) -> String {
    let mut out = String::new();
    let first = experiment.runs.first();
    let (horizon, warmup) = first.map_or((0.0, 0.0), |run| (run.horizon_hours, run.warmup_hours));
    let replications = experiment.replications;
    let _ = writeln!(
        out,
        "scenario {}  base seed {}  {replications} replication{} of {:.1} d after {:.1} d warm-up{}",
        experiment.scenario,
        experiment.base_seed,
        if replications == 1 { "" } else { "s" },
        horizon / 24.0,
        warmup / 24.0,
        if replications > 1 { "  (mean ± 95% interval)" } else { "" },
    );
    let _ = writeln!(out, "{}", warmup_line(experiment));
    if let Some(run) = first {
        let trucks = &run.trucks;
        let _ = writeln!(
            out,
            "first replication (seed {}): {} trucks arrived, {} exited, {} in port at end",
            run.seed, trucks.arrived, trucks.exited, trucks.in_port_at_end
        );
    }
    let stopped = experiment
        .runs
        .iter()
        .filter(|run| run.stopped.is_some())
        .count();
    if stopped > 0 {
        let _ = writeln!(
            out,
            "STOPPED EARLY: {stopped} of {replications} replications reached a limit ([limits]); \
their statistics cover the run up to the stop"
        );
    }
    let metric = |name: &str, decimals: usize| {
        experiment.metric(name).map_or_else(String::new, |metric| {
            with_interval(&metric.estimate, decimals)
        })
    };
    let _ = writeln!(
        out,
        "dwell, arrival to exit (h): mean {}  p50 {}  p90 {}  p95 {}  p99 {}",
        metric("dwell_mean_h", 2),
        metric("dwell_p50_h", 2),
        metric("dwell_p90_h", 2),
        metric("dwell_p95_h", 2),
        metric("dwell_p99_h", 2),
    );
    let _ = writeln!(
        out,
        "  (percentiles from a fixed-memory histogram with 3 significant digits: relative error under 0.1%)"
    );
    let _ = writeln!(
        out,
        "buffer index (p95 - mean) / mean: {}   cleared per day: {}",
        metric("buffer_index", 3),
        metric("cleared_per_day", 1),
    );
    let _ = writeln!(
        out,
        "milestones (h from arrival): declaration accepted {}  released {}  exit {}",
        metric("to_declaration_h", 2),
        metric("to_release_h", 2),
        metric("dwell_mean_h", 2),
    );
    let _ = writeln!(
        out,
        "channels: green {}  yellow {}  red {}",
        metric("green_share", 3),
        metric("yellow_share", 3),
        metric("red_share", 3),
    );
    let stages: Vec<&str> = first
        .map(|run| {
            run.stages
                .iter()
                .map(|stage| stage.stage.as_str())
                .collect()
        })
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "\n{:<16} {:>18} {:>16} {:>16}",
        "stage", "mean wait h", "utilization", "max queue"
    );
    for stage in &stages {
        let _ = writeln!(
            out,
            "{stage:<16} {:>18} {:>16} {:>16}",
            metric(&format!("{stage}.mean_wait_h"), 3),
            metric(&format!("{stage}.utilization"), 3),
            metric(&format!("{stage}.max_queue"), 1),
        );
    }
    out.push_str(&time_breakdown(&[experiment]));
    out
}

/// Where the time goes: for each experiment and stage, hours per truck in each part (means over
/// replications), with the total per stage and over stages (the mean dwell).
pub fn time_breakdown(experiments: &[&Experiment]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "\nwhere the time goes (h per truck, mean over replications)\n{:<20} {:<20}",
        "scenario", "stage"
    );
    for (_, heading) in TIME_PARTS.iter().chain([&("", "total")]) {
        let _ = write!(out, " {heading:>9}");
    }
    out.push('\n');
    let clip = |text: &str| text.chars().take(20).collect::<String>();
    for experiment in experiments {
        let name = clip(&experiment.scenario);
        let mean = |metric: String| experiment.metric(&metric).map_or(0.0, |m| m.estimate.mean);
        let stages = experiment
            .runs
            .first()
            .map_or(&[][..], |run| &run.stages[..]);
        let mut dwell = 0.0;
        for stage in stages {
            let stage = &stage.stage;
            let parts: Vec<f64> = TIME_PARTS
                .iter()
                .map(|(suffix, _)| mean(format!("{stage}.{suffix}")))
                .collect();
            let total: f64 = parts.iter().sum();
            dwell += total;
            let _ = write!(out, "{name:<20} {:<20}", clip(stage));
            for part in parts.iter().chain([&total]) {
                let _ = write!(out, " {part:>9.3}");
            }
            out.push('\n');
        }
        let _ = writeln!(out, "{name:<20} {:<20} {dwell:>59.3}", "all (= mean dwell)");
    }
    out
}

/// The offered-load table printed by `validate` and `run`, and a warning for each stage at or
/// above 1.
pub fn load_table(loads: &[StageLoad]) -> (String, Vec<String>) {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<16} {:>14} {:>12} {:>12} {:>12}",
        "stage", "arrivals/h", "service h", "servers", "offered load"
    );
    let mut warnings = Vec::new();
    for load in loads {
        let _ = writeln!(
            out,
            "{:<16} {:>14.3} {:>12.4} {:>12.2} {:>12.3}",
            load.stage,
            load.arrival_rate_per_hour,
            load.mean_service_hours,
            load.mean_servers,
            load.offered_load
        );
        if load.offered_load >= 1.0 {
            warnings.push(format!(
                "stage '{}': offered load {:.3} is at or above 1: its queue grows without bound",
                load.stage, load.offered_load
            ));
        }
    }
    (out, warnings)
}

/// The writer of a result file.
pub type Buffered = io::BufWriter<fs::File>;

/// Writes the file at `path` whole or not at all: into a temporary sibling, then renamed.
pub fn write_file_atomically(
    path: &Path,
    contents: impl FnOnce(&mut Buffered) -> io::Result<()>,
) -> io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".partial");
    let temporary = PathBuf::from(temporary);
    let result = (|| {
        let mut writer = io::BufWriter::new(fs::File::create(&temporary)?);
        contents(&mut writer)?;
        writer
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?
            .sync_all()?;
        fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result
}

/// A result file: its name and what writes its contents.
pub type ResultFile<'a> = (&'a str, &'a dyn Fn(&mut Buffered) -> io::Result<()>);

/// Creates `dir` and writes each named file in it atomically, returning their paths in order.
pub fn write_files(dir: &Path, files: &[ResultFile<'_>]) -> Result<Vec<PathBuf>, OutputError> {
    fs::create_dir_all(dir).map_err(|source| OutputError {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    for (name, contents) in files {
        let path = dir.join(name);
        write_file_atomically(&path, contents).map_err(|source| OutputError {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(written)
}

/// Writes a run's files into `dir`: trucks.csv and queues.csv (replication 0), stages.csv,
/// metrics.csv, replications.csv, dwell_histogram.csv, daily.csv and summary.json.
pub fn write_run(
    dir: &Path,
    scenario: &Scenario,
    experiment: &Experiment,
) -> Result<Vec<PathBuf>, OutputError> {
    let runs = &experiment.runs;
    let no_records = RunResult::default();
    let first = runs.first().unwrap_or(&no_records);
    let trucks: ResultFile<'_> = ("trucks.csv", &|w| write_trucks_csv(w, scenario, first));
    let rest: [ResultFile<'_>; 7] = [
        ("stages.csv", &|w| {
            write_stages_csv(w, runs, experiment.first_replication)
        }),
        ("metrics.csv", &|w| {
            write_metrics_csv(w, &experiment.metrics)
        }),
        ("replications.csv", &|w| {
            write_replications_csv(w, experiment)
        }),
        ("dwell_histogram.csv", &|w| {
            write_dwell_histogram_csv(w, runs)
        }),
        ("daily.csv", &|w| {
            write_daily_csv(w, runs, experiment.first_replication)
        }),
        ("queues.csv", &|w| write_queues_csv(w, first)),
        ("summary.json", &|w| {
            write_summary_json(w, scenario, experiment)
        }),
    ];
    // trucks.csv only when the first replication kept its records (not with `--records none`).
    let files: Vec<ResultFile<'_>> = first
        .log
        .is_some()
        .then_some(trucks)
        .into_iter()
        .chain(rest)
        .collect();
    write_files(dir, &files)
}

/// A result file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}", path.display())]
pub struct OutputError {
    pub path: PathBuf,
    pub source: io::Error,
}
