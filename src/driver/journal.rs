//! A sweep's finished runs on disk: `runs.jsonl`, a header line and then one JSON line per run,
//! appended as each run ends. An interrupted sweep keeps them (`--resume` runs only the rest), and
//! a shard leaves them as its partial result, with `shard.json` once the shard is complete.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::output::write_file_atomically;
use crate::sweep::runs::{reduce, RunRecord, Shard, SweepInfo};
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
        "{} holds a finished sweep (its results are in sweep.csv): there is nothing to resume; run \
without --resume to run it again",
        dir.display()
    )]
    Finished { dir: PathBuf },
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
    ) -> Result<(Journal, Vec<RunRecord>), JournalError> {
        let path = dir.join(JOURNAL);
        if !path.exists() {
            // A whole sweep removes its journal once its results are written.
            if shard.is_none() && dir.join("sweep.json").is_file() {
                return Err(JournalError::Finished {
                    dir: dir.to_path_buf(),
                });
            }
            return Ok((Self::create(dir, info, shard)?, Vec::new()));
        }
        let (header, records, good_bytes) = read_journal(&path, info)?;
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
        Ok((
            Journal {
                path,
                file: Mutex::new(file),
            },
            records,
        ))
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

    /// Every run written so far.
    pub fn records(&self, info: &SweepInfo) -> Result<Vec<RunRecord>, JournalError> {
        let _file = self
            .file
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(read_journal(&self.path, info)?.1)
    }
}

fn shard_text(shard: Option<Shard>) -> String {
    shard.map_or_else(|| "none".into(), |shard| shard.to_string())
}

/// Reads a journal: its header, its runs (each checked to be a run of `info`'s sweep, before
/// anything runs), and the length of its whole lines.
fn read_journal(
    path: &Path,
    info: &SweepInfo,
) -> Result<(Header, Vec<RunRecord>, u64), JournalError> {
    let file = File::open(path).map_err(io_error(path))?;
    let mut reader = BufReader::new(file);
    let mut line = Vec::new();
    let mut good_bytes = 0u64;
    let mut header: Option<Header> = None;
    let mut records = Vec::new();
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
                records.push(record);
            }
        }
        good_bytes += read as u64;
    }
    let header = header.ok_or_else(|| JournalError::Bad {
        path: path.to_path_buf(),
        line: 1,
        why: "empty: no header line".into(),
    })?;
    Ok((header, records, good_bytes))
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

/// Merges complete shards into the sweep's results: the sweep, and each point's result.
pub fn merge(dirs: &[PathBuf]) -> Result<(SweepInfo, Vec<PointResult>), MergeError> {
    let mut first: Option<(PathBuf, ShardFile)> = None;
    let mut seen: Vec<u32> = Vec::new();
    let mut records = Vec::new();
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
        let (header, shard_records, _) = read_journal(&dir.join(JOURNAL), &shard.sweep)?;
        if header.fingerprint != shard.sweep.fingerprint || header.shard != Some(shard.shard) {
            return Err(MergeError::Refused {
                dir: dir.clone(),
                why: format!("{JOURNAL} and {SHARD_FILE} disagree"),
            });
        }
        // Each shard's own runs, so that a journal cut short is blamed on its shard.
        let held: std::collections::HashSet<(u32, u32)> = shard_records
            .iter()
            .map(|record| (record.point, record.replication))
            .collect();
        let lacking: Vec<(u32, u32)> = shard
            .sweep
            .pairs_of(Some(shard.shard))
            .into_iter()
            .filter(|pair| !held.contains(pair))
            .collect();
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
        records.extend(shard_records);
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
    let results = reduce(&info, records).map_err(|missing| MergeError::Refused {
        dir: dirs[0].clone(),
        why: format!(
            "the shards lack {} runs (the first: point {}, replication {})",
            missing.runs, missing.first.0, missing.first.1
        ),
    })?;
    Ok((info, results))
}
