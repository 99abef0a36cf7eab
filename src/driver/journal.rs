//! A sweep's finished runs on disk: `runs.jsonl`, a header line and then one JSON line per run,
//! appended as each run ends. An interrupted sweep keeps them (`--resume` runs only the rest), and
//! a shard leaves them as its partial result, with `shard.json` once the shard is complete.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::output::write_file_atomically;
use crate::sweep::runs::{reduce_point, RunRecord, Shard, SweepInfo};
use crate::sweep::PointResult;

/// The journal's file name in a sweep's (or shard's) results folder.
pub const JOURNAL: &str = "runs.jsonl";
/// The file a complete shard writes last.
pub const SHARD_FILE: &str = "shard.json";

/// The first line of a journal: which sweep and shard its runs belong to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Header {
    landport_runs: u32,
    sweep: String,
    fingerprint: String,
    shard: Option<Shard>,
}

/// A journal or shard that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error("{}:{line}: {why}", path.display())]
    Bad {
        path: PathBuf,
        line: usize,
        why: String,
    },
    #[error(
        "{} holds runs of an interrupted sweep: add --resume to run only the missing ones, or \
delete it to start again",
        path.display()
    )]
    Interrupted { path: PathBuf },
    #[error("{}: {why}", path.display())]
    Mismatch { path: PathBuf, why: String },
    #[error(
        "{} holds a finished {what} (its results are in {results}): there is nothing to resume; run \
without --resume to run it again",
        dir.display()
    )]
    Finished {
        dir: PathBuf,
        what: &'static str,
        results: &'static str,
    },
    #[error(
        "{} is in use by another landport (a sweep or a resume running there): wait for it to \
end, or give another --out",
        dir.display()
    )]
    InUse { dir: PathBuf },
}

fn io_error(path: &Path) -> impl Fn(io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What a folder whose journal is gone after the results were written holds: `marker`, the file
/// written last, says so.
#[derive(Debug, Clone, Copy)]
pub struct Finished {
    /// "sweep", "optimisation".
    pub what: &'static str,
    /// Where its results are, for the message.
    pub results: &'static str,
    pub marker: &'static str,
}

/// An open journal, appended to from any worker thread.
pub struct Journal {
    path: PathBuf,
    file: Mutex<File>,
}

impl Journal {
    fn header(info: &SweepInfo, shard: Option<Shard>) -> Header {
        Header {
            landport_runs: 1,
            sweep: info.name.clone(),
            fingerprint: info.fingerprint.clone(),
            shard,
        }
    }

    /// Starts a journal in `dir`, refusing to overwrite one an interrupted sweep left.
    pub fn create(
        dir: &Path,
        info: &SweepInfo,
        shard: Option<Shard>,
    ) -> Result<Journal, JournalError> {
        let path = dir.join(JOURNAL);
        fs::create_dir_all(dir).map_err(io_error(dir))?;
        let mut file = match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                return Err(JournalError::Interrupted { path });
            }
            Err(error) => return Err(io_error(&path)(error)),
        };
        let mut line = serde_json::to_vec(&Self::header(info, shard))
            .map_err(|e| io_error(&path)(e.into()))?;
        line.push(b'\n');
        file.write_all(&line).map_err(io_error(&path))?;
        // The folder may hold a shard.json of an earlier complete run: it no longer applies.
        let _ = fs::remove_file(dir.join(SHARD_FILE));
        Ok(Journal {
            path,
            file: Mutex::new(file),
        })
    }

    /// Opens the journal in `dir` to go on with it: the runs it holds, and the journal to append
    /// the others to. A last line cut short (the process killed mid-write) is dropped. With no
    /// journal there, starts one.
    pub fn resume(
        dir: &Path,
        info: &SweepInfo,
        shard: Option<Shard>,
    ) -> Result<(Journal, Vec<(u32, u32)>), JournalError> {
        let mut done = Vec::new();
        let finished = Finished {
            what: "sweep",
            results: "sweep.csv",
            marker: "sweep.json",
        };
        let journal = Self::resume_visiting(dir, info, shard, finished, |record| {
            done.push((record.point, record.replication));
        })?;
        Ok((journal, done))
    }

    /// [`Journal::resume`], handing each run the journal holds to `visit`; a folder without a
    /// journal but with `finished`'s marker file holds finished results, and is refused.
    pub fn resume_visiting(
        dir: &Path,
        info: &SweepInfo,
        shard: Option<Shard>,
        finished: Finished,
        mut visit: impl FnMut(&RunRecord),
    ) -> Result<Journal, JournalError> {
        let path = dir.join(JOURNAL);
        if !path.exists() {
            // A whole sweep removes its journal once its results are written.
            if shard.is_none() && dir.join(finished.marker).is_file() {
                return Err(JournalError::Finished {
                    dir: dir.to_path_buf(),
                    what: finished.what,
                    results: finished.results,
                });
            }
            return Self::create(dir, info, shard);
        }
        let (header, good_bytes) = scan_journal(&path, info, |record, _| visit(record))?;
        let expected = Self::header(info, shard);
        if header != expected {
            return Err(JournalError::Mismatch {
                path,
                why: format!(
                    "holds runs of sweep '{}' (fingerprint {}, shard {}), not of this one ('{}', \
fingerprint {}, shard {}): the sweep file or its scenario changed since; delete the folder to \
start again",
                    header.sweep,
                    header.fingerprint,
                    shard_text(header.shard),
                    expected.sweep,
                    expected.fingerprint,
                    shard_text(shard)
                ),
            });
        }
        let mut file = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(io_error(&path))?;
        file.set_len(good_bytes).map_err(io_error(&path))?;
        file.seek(io::SeekFrom::End(0)).map_err(io_error(&path))?;
        let _ = fs::remove_file(dir.join(SHARD_FILE));
        Ok(Journal {
            path,
            file: Mutex::new(file),
        })
    }

    /// Appends one run as a whole line, written to the file before returning.
    pub fn append(&self, record: &RunRecord) -> Result<(), JournalError> {
        let mut line = serde_json::to_vec(record).map_err(|e| io_error(&self.path)(e.into()))?;
        line.push(b'\n');
        let mut file = self
            .file
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        file.write_all(&line).map_err(io_error(&self.path))
    }

    /// Makes the journal durable.
    pub fn sync(&self) -> Result<(), JournalError> {
        let file = self
            .file
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        file.sync_all().map_err(io_error(&self.path))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where every run written so far is.
    pub fn index(&self, info: &SweepInfo) -> Result<RunIndex, JournalError> {
        let _file = self
            .file
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut index = RunIndex::new(info);
        index.add(&self.path, info)?;
        Ok(index)
    }
}

fn shard_text(shard: Option<Shard>) -> String {
    shard.map_or_else(|| "none".into(), |shard| shard.to_string())
}

/// Reads a journal a line at a time: its header, then each run (checked to be a run of `info`'s
/// sweep, before anything runs) handed to `visit` with the offset of its line; returns the header
/// and the length of its whole lines.
fn scan_journal(
    path: &Path,
    info: &SweepInfo,
    mut visit: impl FnMut(&RunRecord, u64),
) -> Result<(Header, u64), JournalError> {
    let file = File::open(path).map_err(io_error(path))?;
    let mut reader = BufReader::new(file);
    let mut line = Vec::new();
    let mut good_bytes = 0u64;
    let mut header: Option<Header> = None;
    let mut number = 0;
    loop {
        line.clear();
        let read = reader
            .read_until(b'\n', &mut line)
            .map_err(io_error(path))?;
        if read == 0 {
            break;
        }
        number += 1;
        if line.last() != Some(&b'\n') {
            // Cut short by a crash: the run is run again.
            break;
        }
        let bad = |why: String| JournalError::Bad {
            path: path.to_path_buf(),
            line: number,
            why,
        };
        match &header {
            None => {
                header = Some(
                    serde_json::from_slice(&line)
                        .map_err(|e| bad(format!("not a landport runs file: {e}")))?,
                );
            }
            Some(_) => {
                let record: RunRecord = serde_json::from_slice(&line)
                    .map_err(|e| bad(format!("not a run record: {e}")))?;
                // A journal of another sweep altogether is refused by its header instead.
                let ours = header
                    .as_ref()
                    .is_some_and(|header| header.fingerprint == info.fingerprint);
                if let Some(why) = info.foreign(&record).filter(|_| ours) {
                    return Err(bad(format!(
                        "not a run of sweep '{}': {why}; delete the folder to start again",
                        info.name
                    )));
                }
                visit(&record, good_bytes);
            }
        }
        good_bytes += read as u64;
    }
    let header = header.ok_or_else(|| JournalError::Bad {
        path: path.to_path_buf(),
        line: 1,
        why: "empty: no header line".into(),
    })?;
    Ok((header, good_bytes))
}

/// Where each run of a sweep is: its journal (of several, for a merge) and the offset of its line.
/// Sixteen bytes a run (a file number and an offset), so that the runs of a million points reduce a
/// point at a time, in the order of the points, without being read into memory together.
pub struct RunIndex {
    files: Vec<PathBuf>,
    /// By pair number: the file's number and the line's offset; `u32::MAX` for a run not found.
    at: Vec<(u32, u64)>,
    /// The runs that stopped at a limit of the scenario.
    pub stopped: Vec<super::StoppedRun>,
    /// The points with a stage at an offered load of 1 or more, with their highest load (`None`:
    /// infinite), in the order their first replication was found.
    pub unstable: Vec<(u32, Option<f64>)>,
}

impl RunIndex {
    const NOWHERE: (u32, u64) = (u32::MAX, 0);

    fn new(info: &SweepInfo) -> RunIndex {
        let pairs = info.points.len() * info.replications as usize;
        RunIndex {
            files: Vec::new(),
            at: vec![Self::NOWHERE; pairs],
            stopped: Vec::new(),
            unstable: Vec::new(),
        }
    }

    /// Adds the runs of the journal at `path` (a run already found elsewhere counts once);
    /// returns its header.
    fn add(&mut self, path: &Path, info: &SweepInfo) -> Result<Header, JournalError> {
        let number = self.files.len() as u32;
        let (at, stopped, unstable) = (&mut self.at, &mut self.stopped, &mut self.unstable);
        let (header, _) = scan_journal(path, info, |record, offset| {
            let pair = info.pair_number(record.point, record.replication) as usize;
            if at[pair] != Self::NOWHERE {
                return;
            }
            at[pair] = (number, offset);
            if record.replication == 0 && record.max_offered_load.is_none_or(|load| load >= 1.0) {
                unstable.push((record.point, record.max_offered_load));
            }
            if let Some(why) = &record.stopped {
                stopped.push(super::StoppedRun {
                    point: record.point,
                    replication: record.replication,
                    stopped: why.clone(),
                });
            }
        })?;
        self.files.push(path.to_path_buf());
        Ok(header)
    }

    fn has(&self, info: &SweepInfo, (point, replication): (u32, u32)) -> bool {
        self.at[info.pair_number(point, replication) as usize] != Self::NOWHERE
    }

    /// The pairs of `shard` (or all) with no run.
    pub fn lacking(&self, info: &SweepInfo, shard: Option<Shard>) -> Vec<(u32, u32)> {
        info.pairs_of(shard)
            .into_iter()
            .filter(|&pair| !self.has(info, pair))
            .collect()
    }

    /// Each point's result, in the order of the points, read from the journals as it is needed.
    /// A run not there (see [`RunIndex::lacking`]) is an error.
    pub fn results<'a>(
        &'a self,
        info: &'a SweepInfo,
    ) -> impl Iterator<Item = io::Result<PointResult>> + 'a {
        self.runs(info).enumerate().map(move |(point, runs)| {
            let runs = runs?;
            let runs: Vec<&RunRecord> = runs.iter().collect();
            Ok(reduce_point(info, point as u32, &runs))
        })
    }

    /// Each point's runs, in replication order, point by point, read from the journals as they
    /// are needed.
    pub fn runs<'a>(
        &'a self,
        info: &'a SweepInfo,
    ) -> impl Iterator<Item = io::Result<Vec<RunRecord>>> + 'a {
        let mut readers: Vec<Option<(BufReader<File>, u64)>> =
            self.files.iter().map(|_| None).collect();
        let mut read_run = move |pair: usize| -> io::Result<RunRecord> {
            let (file, offset) = self.at[pair];
            let Some(path) = self.files.get(file as usize) else {
                return Err(io::Error::other(format!(
                    "run {pair} of the sweep is missing"
                )));
            };
            let slot = &mut readers[file as usize];
            if slot.is_none() {
                *slot = Some((BufReader::new(File::open(path)?), 0));
            }
            let (reader, position) = slot.as_mut().expect("opened above");
            if *position != offset {
                reader.seek(io::SeekFrom::Start(offset))?;
            }
            let mut line = Vec::new();
            let read = reader.read_until(b'\n', &mut line)?;
            *position = offset + read as u64;
            serde_json::from_slice(&line).map_err(|error| {
                io::Error::other(format!(
                    "{}: a run changed since it was read: {error}",
                    path.display()
                ))
            })
        };
        (0..info.points.len() as u32).map(move |point| {
            (0..info.replications)
                .map(|replication| read_run(info.pair_number(point, replication) as usize))
                .collect::<io::Result<Vec<RunRecord>>>()
        })
    }
}

/// shard.json: written when a shard has run all its pairs.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ShardFile {
    landport_version: String,
    shard: Shard,
    runs: usize,
    sweep: SweepInfo,
}

/// Marks the shard in `dir` complete.
pub fn finish_shard(
    dir: &Path,
    info: &SweepInfo,
    shard: Shard,
    runs: usize,
) -> Result<PathBuf, JournalError> {
    let path = dir.join(SHARD_FILE);
    let file = ShardFile {
        landport_version: env!("CARGO_PKG_VERSION").into(),
        shard,
        runs,
        sweep: info.clone(),
    };
    write_file_atomically(&path, |w| {
        serde_json::to_writer_pretty(&mut *w, &file)?;
        w.write_all(b"\n")
    })
    .map_err(io_error(&path))?;
    Ok(path)
}

/// Why shards do not merge.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(
        "{}: not a complete shard (no {SHARD_FILE}): the shard did not finish; run its \
`landport sweep ... --shard I/N --resume` again",
        dir.display()
    )]
    Incomplete { dir: PathBuf },
    #[error("{}: {why}", dir.display())]
    Refused { dir: PathBuf, why: String },
    #[error("missing shard{} {} of {count}: merge needs every shard", if missing.len() == 1 { "" } else { "s" }, missing.iter().map(u32::to_string).collect::<Vec<_>>().join(", "))]
    MissingShards { missing: Vec<u32>, count: u32 },
}

/// Merges complete shards: the sweep, and where each of its runs is.
pub fn merge(dirs: &[PathBuf]) -> Result<(SweepInfo, RunIndex), MergeError> {
    let mut first: Option<(PathBuf, ShardFile)> = None;
    let mut seen: Vec<u32> = Vec::new();
    let mut index: Option<RunIndex> = None;
    for dir in dirs {
        if !dir.is_dir() {
            return Err(MergeError::Refused {
                dir: dir.clone(),
                why: "no such folder".into(),
            });
        }
        let shard_path = dir.join(SHARD_FILE);
        if !shard_path.is_file() {
            return Err(MergeError::Incomplete { dir: dir.clone() });
        }
        let text = fs::read_to_string(&shard_path).map_err(io_error(&shard_path))?;
        let shard: ShardFile = serde_json::from_str(&text).map_err(|e| JournalError::Bad {
            path: shard_path.clone(),
            line: e.line(),
            why: e.to_string(),
        })?;
        if let Some((first_dir, first)) = &first {
            if shard.sweep != first.sweep {
                return Err(MergeError::Refused {
                    dir: dir.clone(),
                    why: format!(
                        "a shard of another sweep or scenario version (sweep '{}', fingerprint {}) \
than {} (sweep '{}', fingerprint {})",
                        shard.sweep.name,
                        shard.sweep.fingerprint,
                        first_dir.display(),
                        first.sweep.name,
                        first.sweep.fingerprint
                    ),
                });
            }
            if shard.shard.count != first.shard.count {
                return Err(MergeError::Refused {
                    dir: dir.clone(),
                    why: format!(
                        "shard {} is of a split into {}, {} of a split into {}",
                        shard.shard,
                        shard.shard.count,
                        first_dir.display(),
                        first.shard.count
                    ),
                });
            }
        }
        if seen.contains(&shard.shard.index) {
            return Err(MergeError::Refused {
                dir: dir.clone(),
                why: format!("shard {} is given twice", shard.shard),
            });
        }
        seen.push(shard.shard.index);
        let index = index.get_or_insert_with(|| RunIndex::new(&shard.sweep));
        let header = index.add(&dir.join(JOURNAL), &shard.sweep)?;
        if header.fingerprint != shard.sweep.fingerprint || header.shard != Some(shard.shard) {
            return Err(MergeError::Refused {
                dir: dir.clone(),
                why: format!("{JOURNAL} and {SHARD_FILE} disagree"),
            });
        }
        // Each shard's own runs, so that a journal cut short is blamed on its shard.
        let lacking = index.lacking(&shard.sweep, Some(shard.shard));
        if let Some(&(point, replication)) = lacking.first() {
            return Err(MergeError::Refused {
                dir: dir.clone(),
                why: format!(
                    "{JOURNAL} lacks {} runs of shard {} (the first: point {point}, replication \
{replication}); run the shard again with --resume",
                    lacking.len(),
                    shard.shard
                ),
            });
        }
        if first.is_none() {
            first = Some((dir.clone(), shard));
        }
    }
    let Some((_, first)) = first else {
        return Err(MergeError::MissingShards {
            missing: Vec::new(),
            count: 0,
        });
    };
    let count = first.shard.count;
    let missing: Vec<u32> = (1..=count).filter(|index| !seen.contains(index)).collect();
    if !missing.is_empty() {
        return Err(MergeError::MissingShards { missing, count });
    }
    let info = first.sweep;
    let index = index.expect("a shard was read");
    let lacking = index.lacking(&info, None);
    if let Some(&(point, replication)) = lacking.first() {
        return Err(MergeError::Refused {
            dir: dirs[0].clone(),
            why: format!(
                "the shards lack {} runs (the first: point {point}, replication {replication})",
                lacking.len()
            ),
        });
    }
    Ok((info, index))
}
