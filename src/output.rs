//! Result files and printed tables: pure transforms from results to bytes, one module per
//! format ([`csv`], [`json`], [`table`]), and the one place that creates files (each written
//! whole to a temporary name, then renamed into place).

pub mod csv;
pub mod json;
mod number;
pub mod table;
mod truck_thread;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::compare::Comparison;
use crate::engine::Instant;
use crate::experiment::Experiment;
use crate::model::{RecordSink, RunResult, Scenario, Visit};
use crate::sweep::{PointResult, SweepInfo};

/// The largest result file `landport plot` reads back: a guard against a file that is not one.
pub const MAX_RESULT_BYTES: u64 = 1 << 30;

/// A result file (CSV or JSON) that does not read back.
#[derive(Debug, thiserror::Error)]
#[error("{}: {why}", path.display())]
pub struct ReadError {
    pub path: PathBuf,
    pub why: String,
}

impl ReadError {
    pub(crate) fn new(path: &Path, why: impl ToString) -> ReadError {
        ReadError {
            path: path.to_path_buf(),
            why: why.to_string(),
        }
    }
}

/// Opens a result file to read it back: a regular file (not a FIFO that would never end, nor a
/// device) of at most [`MAX_RESULT_BYTES`].
pub(crate) fn open_result(path: &Path) -> Result<fs::File, ReadError> {
    let metadata = fs::metadata(path).map_err(|error| ReadError::new(path, error))?;
    if !metadata.is_file() {
        return Err(ReadError::new(path, "not a regular file"));
    }
    if metadata.len() > MAX_RESULT_BYTES {
        return Err(ReadError::new(
            path,
            format!(
                "{} bytes, more than the {MAX_RESULT_BYTES} a result file read back may have",
                metadata.len()
            ),
        ));
    }
    fs::File::open(path).map_err(|error| ReadError::new(path, error))
}

/// The writer of a result file.
pub type Buffered = io::BufWriter<fs::File>;

/// Writes the file at `path` whole or not at all: into a temporary sibling, then renamed.
pub fn write_file_atomically(
    path: &Path,
    contents: impl FnOnce(&mut Buffered) -> io::Result<()>,
) -> io::Result<()> {
    let temporary = partial_path(path);
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

/// The temporary sibling a result file is written to: `<name>.partial`.
fn partial_path(path: &Path) -> PathBuf {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".partial");
    PathBuf::from(temporary)
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

/// Writes a ledger's shares into `dir`: ledger.csv and ledger.json (beside its sweep.csv).
pub fn write_ledger(dir: &Path, file: &json::LedgerFile) -> Result<Vec<PathBuf>, OutputError> {
    write_files(
        dir,
        &[
            ("ledger.csv", &|w| csv::write_ledger(w, file)),
            ("ledger.json", &|w| json::write_ledger(w, file)),
        ],
    )
}

/// Writes an optimisation's results into `dir`: optimize.csv and optimize.json.
pub fn write_optimization(
    dir: &Path,
    file: &json::OptimizeFile,
) -> Result<Vec<PathBuf>, OutputError> {
    clear_earlier_results(dir, &["optimize.csv", "optimize.json"])?;
    write_files(
        dir,
        &[
            ("optimize.csv", &|w| csv::write_optimize(w, file)),
            ("optimize.json", &|w| json::write_optimize(w, file)),
        ],
    )
}

/// Writes a comparison into `dir`: each variant's run files in a folder of its name, then
/// compare.csv and compare.json. `scenarios` are the variants' scenarios, in order.
/// `records`: each variant's trucks.csv and queues.csv written while it ran, in the variants'
/// order (or none: written from what the runs kept).
pub fn write_comparison(
    dir: &Path,
    scenarios: &[&Scenario],
    comparison: &Comparison,
    records: Vec<RecordFiles>,
) -> Result<Vec<PathBuf>, OutputError> {
    clear_earlier_variants(dir, comparison)?;
    let mut written = Vec::new();
    let mut records = records.into_iter();
    for (scenario, variant) in scenarios.iter().zip(&comparison.variants) {
        let variant_dir = dir.join(&variant.name);
        write_run(
            &variant_dir,
            &variant.file,
            scenario,
            &variant.experiment,
            records.next(),
        )?;
        written.push(variant_dir);
    }
    written.extend(write_results(
        dir,
        &[
            ("compare.csv", &|w| csv::write_compare(w, comparison)),
            ("compare.json", &|w| json::write_compare(w, comparison)),
        ],
    )?);
    Ok(written)
}

/// Writes a sweep's sweep.csv and sweep.json into `dir` in one pass over the points' results
/// as they come (a sweep of a million points is never held whole); returns their paths and the
/// first `keep` results. An error (from `results` or a write) leaves neither file in `dir`, not
/// even an earlier sweep's.
pub fn write_sweep(
    dir: &Path,
    info: &SweepInfo,
    results: impl Iterator<Item = io::Result<PointResult>>,
    keep: usize,
) -> Result<(Vec<PathBuf>, Vec<PointResult>), OutputError> {
    const FILES: [&str; 2] = ["sweep.csv", "sweep.json"];
    clear_earlier_results(dir, &FILES)?;
    fs::create_dir_all(dir).map_err(|source| OutputError {
        path: dir.to_path_buf(),
        source,
    })?;
    let paths = FILES.map(|name| dir.join(name));
    let mut first = Vec::new();
    let mut json_failed = false;
    write_file_atomically(&paths[0], |csv_writer| {
        let mut rows = csv::SweepRows::new(csv_writer, info)?;
        let points = results.map(|point| {
            let point = point?;
            rows.write(&point)?;
            if first.len() < keep {
                first.push(point.clone());
            }
            Ok(point)
        });
        write_file_atomically(&paths[1], |json_writer| {
            json::write_sweep(json_writer, info, points)
        })
        .inspect_err(|_| json_failed = true)?;
        rows.finish()
    })
    .map_err(|source| {
        // The JSON file is written inside the CSV file's writing: an error is the JSON's when
        // it came from there.
        let path = paths[usize::from(json_failed)].clone();
        for written in &paths {
            let _ = fs::remove_file(written);
        }
        OutputError { path, source }
    })?;
    Ok((paths.to_vec(), first))
}

/// The scenario file whose run's results `dir` holds, when it is another file than `file`: two
/// scenario files with the same name write into the same folder, and the second replaces the
/// first's results.
pub fn other_source(dir: &Path, file: &Path) -> Option<PathBuf> {
    let summary: json::Summary<'static> = json::read(&dir.join("summary.json")).ok()?;
    let earlier = summary.file?.into_owned();
    let same = match (fs::canonicalize(&earlier), fs::canonicalize(file)) {
        (Ok(a), Ok(b)) => a == b,
        _ => earlier == file,
    };
    (!same).then_some(earlier)
}

/// A result file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write {}", path.display())]
pub struct OutputError {
    pub path: PathBuf,
    pub source: io::Error,
}
/// Every file name landport writes into a results folder, charts aside.
const RESULT_FILES: [&str; 20] = [
    "trucks.csv",
    "stages.csv",
    "failures.csv",
    "roads.csv",
    "metrics.csv",
    "replications.csv",
    "dwell_histogram.csv",
    "dwell_histogram_by_class.csv",
    "daily.csv",
    "queues.csv",
    "summary.json",
    "compare.csv",
    "compare.json",
    "sweep.csv",
    "sweep.json",
    "optimize.csv",
    "optimize.json",
    "ledger.csv",
    "ledger.json",
    "report.html",
];

/// The charts of a run or comparison; a sweep's are `sweep-<metric>` and `sweep-heatmap-<metric>`.
const CHART_STEMS: [&str; 8] = [
    "dwell-distribution",
    "dwell-distribution-by-class",
    "time-breakdown",
    "time-breakdown-by-class",
    "queues",
    "utilization",
    "cleared-per-day",
    "turned-away-per-day",
];

/// Whether `name` is a chart landport draws (PNG or SVG).
pub fn is_chart_file(name: &str) -> bool {
    let Some(stem) = name
        .strip_suffix(".png")
        .or_else(|| name.strip_suffix(".svg"))
    else {
        return false;
    };
    CHART_STEMS.contains(&stem)
        || stem.starts_with("sweep-")
        || stem.starts_with("optimize-")
        || stem.starts_with("ledger-")
}

/// Removes from `dir` the result files and charts of an earlier run that the new results do not
/// write again (`keep`), so that a folder never mixes two runs: a run with `--records none` into
/// the folder of a run with trucks.csv, or with `--no-plots` into a folder with charts. Only
/// landport's own file names are touched.
fn clear_earlier_results(dir: &Path, keep: &[&str]) -> Result<(), OutputError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(OutputError {
                path: dir.to_path_buf(),
                source,
            })
        }
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let ours = RESULT_FILES.contains(&name) || is_chart_file(name);
        if ours && !keep.contains(&name) && entry.path().is_file() {
            fs::remove_file(entry.path()).map_err(|source| OutputError {
                path: entry.path(),
                source,
            })?;
        }
    }
    Ok(())
}

/// Removes from a comparison's folder the variants of an earlier comparison that this one does
/// not have (a folder with a summary.json named after none of its variants): their result files
/// and charts, and the folder when nothing else is left in it.
fn clear_earlier_variants(dir: &Path, comparison: &Comparison) -> Result<(), OutputError> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let ours = comparison
            .variants
            .iter()
            .any(|variant| entry.file_name() == variant.name.as_str());
        if ours || !path.is_dir() || !path.join("summary.json").is_file() {
            continue;
        }
        clear_earlier_results(&path, &[])?;
        // Left in place when it holds anything landport did not write.
        let _ = fs::remove_dir(&path);
    }
    Ok(())
}

/// Writes the files into `dir` after clearing what an earlier run left there.
fn write_results(dir: &Path, files: &[ResultFile<'_>]) -> Result<Vec<PathBuf>, OutputError> {
    let names: Vec<&str> = files.iter().map(|(name, _)| *name).collect();
    clear_earlier_results(dir, &names)?;
    write_files(dir, files)
}

/// Writes a run's files into `dir`: trucks.csv and queues.csv (replication 0), stages.csv,
/// metrics.csv, replications.csv, dwell_histogram.csv, daily.csv and summary.json.
/// `records` are trucks.csv and queues.csv written while the first replication ran, renamed into
/// place here; without them, they are written from what the first replication kept.
pub fn write_run(
    dir: &Path,
    file: &Path,
    scenario: &Scenario,
    experiment: &Experiment,
    records: Option<RecordFiles>,
) -> Result<Vec<PathBuf>, OutputError> {
    let runs = &experiment.runs;
    let no_records = RunResult::default();
    let first = runs.first().unwrap_or(&no_records);
    let trucks_from_log: ResultFile<'_> =
        ("trucks.csv", &|w| csv::write_trucks(w, scenario, first));
    let failures: ResultFile<'_> = ("failures.csv", &|w| {
        csv::write_failures(w, runs, experiment.first_replication)
    });
    let rest: [ResultFile<'_>; 7] = [
        ("stages.csv", &|w| {
            csv::write_stages(w, runs, experiment.first_replication)
        }),
        ("metrics.csv", &|w| {
            csv::write_metrics(w, &experiment.metrics)
        }),
        ("replications.csv", &|w| {
            csv::write_replications(w, experiment)
        }),
        ("dwell_histogram.csv", &|w| {
            csv::write_dwell_histogram(w, runs)
        }),
        ("daily.csv", &|w| {
            csv::write_daily(w, runs, experiment.first_replication)
        }),
        ("queues.csv", &|w| csv::write_queues(w, first)),
        ("summary.json", &|w| {
            json::write_summary(w, file, scenario, experiment)
        }),
    ];
    let by_class: ResultFile<'_> = ("dwell_histogram_by_class.csv", &|w| {
        csv::write_dwell_histogram_by_class(w, runs)
    });
    let roads: ResultFile<'_> = ("roads.csv", &|w| {
        csv::write_road_days(w, runs, experiment.first_replication)
    });
    // failures.csv only for a port with servers that can fail; the classes' dwell only for a
    // port with classes.
    let rest = rest
        .into_iter()
        .chain(scenario.failing().any(|fails| fails).then_some(failures))
        .chain((!scenario.classes.is_empty()).then_some(by_class))
        .chain(scenario.loses_trucks().then_some(roads));
    let Some(records) = records else {
        // trucks.csv only when the first replication kept its records (not `--records none`).
        let mut files: Vec<ResultFile<'_>> = first
            .log
            .is_some()
            .then_some(trucks_from_log)
            .into_iter()
            .chain(rest)
            .collect();
        files.sort_by_key(|(name, _)| RESULT_FILES.iter().position(|known| known == name));
        return write_results(dir, &files);
    };
    // The other files, then the records renamed into place.
    let others: Vec<ResultFile<'_>> = rest.filter(|(name, _)| *name != "queues.csv").collect();
    let mut names: Vec<&str> = others.iter().map(|(name, _)| *name).collect();
    names.push("queues.csv");
    if records.trucks.is_some() {
        names.push("trucks.csv");
    }
    clear_earlier_results(dir, &names)?;
    let mut written = write_files(dir, &others)?;
    written.push(records.queues.commit()?);
    if let Some(trucks) = records.trucks {
        written.push(trucks.commit()?);
    }
    // Listed in the one order of a run's files, however they were written.
    written.sort_by_key(|path| RESULT_FILES.iter().position(|name| path.ends_with(name)));
    Ok(written)
}

/// A result file written while the run goes on: into a temporary sibling, renamed into place
/// with the run's other files by [`write_run`], removed if they are not written.
struct Growing<T> {
    rows: Option<T>,
    temporary: PathBuf,
    path: PathBuf,
}

/// Rows that end in a buffered file.
trait Rows {
    fn finish(self) -> io::Result<Buffered>;
}

impl Rows for truck_thread::TruckThread {
    fn finish(self) -> io::Result<Buffered> {
        truck_thread::TruckThread::finish(self)
    }
}

impl Rows for csv::QueueRows<Buffered> {
    fn finish(self) -> io::Result<Buffered> {
        csv::QueueRows::finish(self)
    }
}

impl<T: Rows> Growing<T> {
    fn create(
        dir: &Path,
        name: &str,
        rows: impl FnOnce(Buffered) -> io::Result<T>,
    ) -> Result<Self, OutputError> {
        let path = dir.join(name);
        let temporary = partial_path(&path);
        // A large buffer: these files grow by the gigabyte on long runs, a row at a time.
        let made = fs::File::create(&temporary)
            .and_then(|file| rows(io::BufWriter::with_capacity(1 << 18, file)));
        match made {
            Ok(rows) => Ok(Growing {
                rows: Some(rows),
                temporary,
                path,
            }),
            Err(source) => {
                let _ = fs::remove_file(&temporary);
                Err(OutputError { path, source })
            }
        }
    }

    fn rows(&mut self) -> &mut T {
        self.rows
            .as_mut()
            .expect("a result file is committed only once")
    }

    fn commit(mut self) -> Result<PathBuf, OutputError> {
        let rows = self
            .rows
            .take()
            .expect("a result file is committed only once");
        let result = (|| {
            rows.finish()?
                .into_inner()
                .map_err(io::IntoInnerError::into_error)?
                .sync_all()?;
            fs::rename(&self.temporary, &self.path)
        })();
        match result {
            Ok(()) => Ok(self.path.clone()),
            Err(source) => {
                let _ = fs::remove_file(&self.temporary);
                Err(OutputError {
                    path: self.path.clone(),
                    source,
                })
            }
        }
    }
}

impl<T> Drop for Growing<T> {
    fn drop(&mut self) {
        if self.rows.is_some() {
            let _ = fs::remove_file(&self.temporary);
        }
    }
}

/// trucks.csv (with `--records csv`) and queues.csv of the first replication, written while it
/// runs ([`RecordFiles::sink`]), so that memory does not grow with the trucks or the hours
/// simulated; [`write_run`] renames them into place with the run's other files.
pub struct RecordFiles {
    trucks: Option<Growing<truck_thread::TruckThread>>,
    queues: Growing<csv::QueueRows<Buffered>>,
}

impl RecordFiles {
    /// Creates `dir` and the temporary files in it, with their headers.
    pub fn create(
        dir: &Path,
        scenario: &Scenario,
        trucks: bool,
    ) -> Result<RecordFiles, OutputError> {
        fs::create_dir_all(dir).map_err(|source| OutputError {
            path: dir.to_path_buf(),
            source,
        })?;
        let trucks = trucks
            .then(|| {
                Growing::create(dir, "trucks.csv", |writer| {
                    truck_thread::TruckThread::spawn(writer, scenario)
                })
            })
            .transpose()?;
        let stages: Vec<&str> = scenario.stage_names().collect();
        let queues = Growing::create(dir, "queues.csv", |writer| {
            csv::QueueRows::new(writer, &stages)
        })?;
        Ok(RecordFiles { trucks, queues })
    }

    /// Where the run hands its records.
    pub fn sink(&mut self) -> &mut dyn RecordSink {
        self
    }
}

impl RecordSink for RecordFiles {
    fn exited(&mut self, id: u64, class: u32, arrival: Instant, exit: Instant, visits: &[Visit]) {
        if let Some(trucks) = &mut self.trucks {
            trucks.rows().push(id, class, arrival, exit, visits);
        }
    }

    fn hour_ended(&mut self, hour: u64, stages: &[(f64, f64)]) {
        self.queues.rows().push(hour, stages);
    }

    fn takes_trucks(&self) -> bool {
        self.trucks.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    /// A sweep whose results fail to read half-way leaves neither sweep.csv nor sweep.json, not
    /// even those of an earlier sweep in the folder.
    #[test]
    fn a_sweep_that_fails_half_way_leaves_no_sweep_files() {
        use crate::experiment::WarmupCheck;
        use crate::sweep::runs::PointInfo;
        let dir = std::env::temp_dir().join(format!("landport-sweep-fail-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        for name in ["sweep.csv", "sweep.json"] {
            fs::write(dir.join(name), "an earlier sweep\n").unwrap();
        }
        let info = SweepInfo {
            file: "s.toml".into(),
            name: "s".into(),
            scenario_file: "x.toml".into(),
            base_seed: 1,
            replications: 2,
            keys: vec!["k".into()],
            points: vec![
                PointInfo {
                    values: vec!["1".into()]
                };
                3
            ],
            metrics: Vec::new(),
            fingerprint: String::new(),
            ledger: false,
        };
        let point = |value: &str| PointResult {
            values: vec![value.into()],
            max_offered_load: Some(0.5),
            stable: Some(true),
            warmup: WarmupCheck {
                fixed_hours: 0.0,
                mser5_hours: 0.0,
            },
            metrics: Vec::new(),
        };
        let results = vec![
            Ok(point("1")),
            Err(io::Error::other("runs.jsonl changed")),
            Ok(point("3")),
        ];
        let error = write_sweep(&dir, &info, results.into_iter(), 10).unwrap_err();
        assert!(error.path.ends_with("sweep.json"), "{error}");
        assert_eq!(error.source.to_string(), "runs.jsonl changed");
        for name in [
            "sweep.csv",
            "sweep.json",
            "sweep.csv.partial",
            "sweep.json.partial",
        ] {
            assert!(!dir.join(name).exists(), "{name} is left");
        }
        let (written, shown) = write_sweep(
            &dir,
            &info,
            vec![Ok(point("1")), Ok(point("2"))].into_iter(),
            1,
        )
        .unwrap();
        assert_eq!(written.len(), 2);
        assert_eq!(shown.len(), 1, "only the first point is handed back");
        let csv = fs::read_to_string(dir.join("sweep.csv")).unwrap();
        assert_eq!(
            csv,
            "point,k,replications,mser5_warmup_h,max_offered_load,stable\n\
0,1,2,0.000000,0.5000,true\n1,2,2,0.000000,0.5000,true\n"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

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
}
