//! Result files and the printed summary: pure transforms from results to bytes, and one place
//! that creates files (each written whole to a temporary name, then renamed into place).

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::engine::Time;
use crate::model::{RunResult, Scenario, StageLoad};

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
    header.extend(["exit_h", "dwell_h", "path"].map(String::from));
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

/// stages.csv: one row per stage.
pub fn write_stages_csv(writer: impl Write, result: &RunResult) -> io::Result<()> {
    let mut csv = csv::Writer::from_writer(writer);
    csv.write_record([
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
    ])?;
    for stage in &result.stages {
        csv.write_record([
            stage.stage.clone(),
            stage.entered.to_string(),
            stage.served.to_string(),
            format!("{:.6}", stage.mean_wait_hours),
            format!("{:.6}", stage.p95_wait_hours),
            format!("{:.6}", stage.mean_service_hours),
            format!("{:.6}", stage.mean_blocked_hours),
            format!("{:.6}", stage.utilization),
            format!("{:.6}", stage.mean_servers_on_duty),
            format!("{:.6}", stage.mean_queue),
            stage.max_queue.to_string(),
        ])?;
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
    result: &'a RunResult,
    offered_loads: Vec<StageLoad>,
}

/// summary.json: the run's results with scenario name, seed, horizon and landport version.
pub fn write_summary_json(
    mut writer: impl Write,
    scenario: &Scenario,
    result: &RunResult,
) -> io::Result<()> {
    let summary = Summary {
        landport_version: env!("CARGO_PKG_VERSION"),
        units: "times in hours, rates in trucks per hour or per day as named",
        result,
        offered_loads: scenario.offered_loads(),
    };
    serde_json::to_writer_pretty(&mut writer, &summary)?;
    writer.write_all(b"\n")
}

/// The summary printed after a run.
pub fn summary_table(result: &RunResult) -> String {
    let mut out = String::new();
    let trucks = &result.trucks;
    let dwell = &result.dwell;
    let _ = writeln!(
        out,
        "scenario {}  seed {}  horizon {:.1} d after {:.1} d warm-up",
        result.scenario,
        result.seed,
        result.horizon_hours / 24.0,
        result.warmup_hours / 24.0
    );
    let _ = writeln!(
        out,
        "trucks: {} arrived, {} exited, {} in port at end; {:.1} cleared per day",
        trucks.arrived, trucks.exited, trucks.in_port_at_end, trucks.cleared_per_day
    );
    let _ = writeln!(
        out,
        "dwell, arrival to exit (h), {} trucks: mean {:.2}  p50 {:.2}  p90 {:.2}  p95 {:.2}  p99 {:.2}  max {:.2}",
        dwell.trucks, dwell.mean_hours, dwell.p50_hours, dwell.p90_hours, dwell.p95_hours, dwell.p99_hours, dwell.max_hours
    );
    let _ = writeln!(
        out,
        "\n{:<16} {:>8} {:>11} {:>10} {:>10} {:>10} {:>6} {:>8} {:>7}",
        "stage", "served", "mean wait", "p95 wait", "service", "blocked", "util", "queue", "max q"
    );
    let _ = writeln!(
        out,
        "{:<16} {:>8} {:>11} {:>10} {:>10} {:>10} {:>6} {:>8} {:>7}",
        "", "trucks", "h", "h", "h", "h", "", "trucks", "trucks"
    );
    for stage in &result.stages {
        let _ = writeln!(
            out,
            "{:<16} {:>8} {:>11.3} {:>10.3} {:>10.3} {:>10.3} {:>6.2} {:>8.2} {:>7}",
            stage.stage,
            stage.served,
            stage.mean_wait_hours,
            stage.p95_wait_hours,
            stage.mean_service_hours,
            stage.mean_blocked_hours,
            stage.utilization,
            stage.mean_queue,
            stage.max_queue
        );
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

type Buffered = io::BufWriter<fs::File>;

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

/// Writes trucks.csv, stages.csv and summary.json into `dir`, returning their paths.
pub fn write_run(
    dir: &Path,
    scenario: &Scenario,
    result: &RunResult,
) -> Result<Vec<PathBuf>, OutputError> {
    fs::create_dir_all(dir).map_err(|source| OutputError {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    let mut write_one = |name: &str, contents: &dyn Fn(&mut Buffered) -> io::Result<()>| {
        let path = dir.join(name);
        write_file_atomically(&path, contents).map_err(|source| OutputError {
            path: path.clone(),
            source,
        })?;
        written.push(path);
        Ok::<(), OutputError>(())
    };
    write_one("trucks.csv", &|w| write_trucks_csv(w, scenario, result))?;
    write_one("stages.csv", &|w| write_stages_csv(w, result))?;
    write_one("summary.json", &|w| write_summary_json(w, scenario, result))?;
    Ok(written)
}

/// A result file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}: {source}", path.display())]
pub struct OutputError {
    pub path: PathBuf,
    pub source: io::Error,
}
