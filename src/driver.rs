//! Running a sweep in its results folder to the end: each finished run is kept in the folder's
//! journal ([`journal`]), runs already kept are not run again (`--resume`), a shard runs only its
//! share, shards merge, and a [`StopToken`] stops the sweep between runs and inside them. The
//! command line only supplies the token and draws the progress.

pub mod journal;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::engine::StopToken;
use crate::model::Stopped;
use crate::output::write_sweep;
use crate::output::OutputError;
use crate::sweep::runs::Shard;
use crate::sweep::{run_pairs, PointResult, Sweep};
use journal::{Journal, JournalError};

/// How a sweep runs in its folder.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Go on with the journal the folder holds instead of refusing it.
    pub resume: bool,
    /// Run only this shard of the (point, replication) pairs.
    pub shard: Option<Shard>,
}

/// A run that stopped at a limit of the scenario (not at a stop request).
#[derive(Debug, Clone, PartialEq)]
pub struct StoppedRun {
    pub point: u32,
    pub replication: u32,
    pub stopped: Stopped,
}

/// The most points whose results a finished sweep hands back (for its printed table): the
/// results of every point are in its files.
pub const SHOWN_POINTS: usize = 1000;

/// How a sweep ended.
#[derive(Debug)]
pub enum Outcome {
    /// Every run is done: the results are written and the journal removed. `shown` holds the
    /// results of the first [`SHOWN_POINTS`] points.
    Complete {
        shown: Vec<PointResult>,
        written: Vec<PathBuf>,
        stopped: Vec<StoppedRun>,
        /// The points with a stage at an offered load of 1 or more (see
        /// [`journal::RunIndex::unstable`]).
        unstable: Vec<(u32, Option<f64>)>,
    },
    /// The shard's runs are all in its journal, and the shard marked complete.
    ShardComplete {
        shard: Shard,
        runs: usize,
        journal: PathBuf,
        marker: PathBuf,
    },
    /// Stopped on request: `kept` of `total` runs are in the journal for a resume.
    Interrupted { kept: usize, total: usize },
}

/// Why a sweep could not go on.
#[derive(Debug, thiserror::Error)]
pub enum DriveError {
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("keeping the finished runs")]
    Keeping(#[source] JournalError),
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("{runs} runs are missing from {}", path.display())]
    Missing { runs: usize, path: PathBuf },
    #[error(transparent)]
    Invalid(#[from] crate::sweep::InvalidPoint),
}

/// An exclusive advisory lock on a results folder (flock on the folder itself, so no file is left
/// behind), held while a sweep runs there: a second process on the same folder is refused at once
/// instead of mixing its runs into the journal. Released when dropped, or when the process ends.
struct FolderLock(#[allow(dead_code)] std::fs::File);

impl FolderLock {
    fn take(dir: &Path) -> Result<FolderLock, JournalError> {
        let io = |source| JournalError::Io {
            path: dir.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let folder = std::fs::File::open(dir).map_err(io)?;
        match folder.try_lock() {
            Ok(()) => Ok(FolderLock(folder)),
            Err(std::fs::TryLockError::WouldBlock) => Err(JournalError::InUse {
                dir: dir.to_path_buf(),
            }),
            Err(std::fs::TryLockError::Error(source)) => Err(io(source)),
        }
    }
}

/// A sweep with its folder locked, its journal open and the runs it still lacks.
pub struct Prepared<'a> {
    _lock: FolderLock,
    sweep: &'a Sweep,
    dir: PathBuf,
    journal: Journal,
    shard: Option<Shard>,
    total: usize,
    todo: Vec<(u32, u32)>,
}

impl<'a> Prepared<'a> {
    /// Locks `dir` and opens (or, with `resume`, reopens) its journal. A folder another process
    /// is using is refused first; without `resume`, a folder that holds an interrupted sweep's
    /// journal is refused.
    pub fn open(sweep: &'a Sweep, dir: &Path, options: Options) -> Result<Self, JournalError> {
        let lock = FolderLock::take(dir)?;
        let info = &sweep.info;
        let (journal, done) = if options.resume {
            Journal::resume(dir, info, options.shard)?
        } else {
            (Journal::create(dir, info, options.shard)?, Vec::new())
        };
        let finished: HashSet<(u32, u32)> = done.into_iter().collect();
        let pairs = info.pairs_of(options.shard);
        let total = pairs.len();
        let todo = pairs
            .into_iter()
            .filter(|pair| !finished.contains(pair))
            .collect();
        Ok(Prepared {
            _lock: lock,
            sweep,
            dir: dir.to_path_buf(),
            journal,
            shard: options.shard,
            total,
            todo,
        })
    }

    /// Runs in this sweep (or shard).
    pub fn total(&self) -> usize {
        self.total
    }

    /// Runs still to do.
    pub fn todo(&self) -> usize {
        self.todo.len()
    }

    /// Runs the missing pairs on rayon's current pool, keeping each in the journal as it ends
    /// and calling `progress` after it. When `stop` is set, no run starts and those under way
    /// are dropped (a resume runs them again). A run that cannot be kept stops the sweep too,
    /// by setting `stop`.
    pub fn run(
        self,
        stop: &StopToken,
        progress: &(dyn Fn() + Sync),
    ) -> Result<Outcome, DriveError> {
        let failure: Mutex<Option<JournalError>> = Mutex::new(None);
        let ran = run_pairs(self.sweep, &self.todo, stop, &|record| {
            if let Err(error) = self.journal.append(&record) {
                failure
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .get_or_insert(error);
                stop.stop();
            }
            progress();
        });
        if let Some(error) = failure
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
        {
            return Err(DriveError::Keeping(error));
        }
        self.journal.sync()?;
        let ran = ran?;
        if ran < self.todo.len() {
            return Ok(Outcome::Interrupted {
                kept: self.total - self.todo.len() + ran,
                total: self.total,
            });
        }
        let info = &self.sweep.info;
        if let Some(shard) = self.shard {
            let marker = journal::finish_shard(&self.dir, info, shard, self.total)?;
            return Ok(Outcome::ShardComplete {
                shard,
                runs: self.total,
                journal: self.journal.path().to_path_buf(),
                marker,
            });
        }
        let index = self.journal.index(info)?;
        let missing = index.lacking(info, None).len();
        if missing > 0 {
            return Err(DriveError::Missing {
                runs: missing,
                path: self.journal.path().to_path_buf(),
            });
        }
        let (mut written, shown) = write_sweep(&self.dir, info, index.results(info), SHOWN_POINTS)?;
        if info.ledger {
            written.extend(write_ledger(&self.dir, info, &index)?);
        }
        // The results are whole: the runs kept for a resume are no longer needed.
        std::fs::remove_file(self.journal.path()).map_err(|source| {
            DriveError::Journal(JournalError::Io {
                path: self.journal.path().to_path_buf(),
                source,
            })
        })?;
        Ok(Outcome::Complete {
            shown,
            written,
            stopped: index.stopped,
            unstable: index.unstable,
        })
    }
}

/// A ledger's ledger.csv and ledger.json, from every run of its sweep.
pub fn write_ledger(
    dir: &Path,
    info: &crate::sweep::SweepInfo,
    index: &journal::RunIndex,
) -> Result<Vec<PathBuf>, DriveError> {
    let ledgers = crate::ledger::compute(info, index.runs(info)).map_err(|source| {
        DriveError::Output(crate::output::OutputError {
            path: dir.to_path_buf(),
            source,
        })
    })?;
    let file = crate::output::json::LedgerFile::new(info, ledgers);
    Ok(crate::output::write_ledger(dir, &file)?)
}

/// What an optimisation's progress shows: runs planned (a batch of the search), then each run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Planned(usize),
    Ran,
}

/// How an optimisation ended.
#[derive(Debug)]
pub enum Optimized {
    /// The search ended (chosen, infeasible or unconfirmed): its results, and the files written
    /// (none unless a point was chosen). The journal is removed.
    Ended {
        file: Box<crate::output::json::OptimizeFile>,
        written: Vec<PathBuf>,
    },
    /// Stopped on request: `kept` runs are in the journal for a resume.
    Interrupted { kept: usize },
}

/// What a finished optimisation's folder holds.
const OPTIMIZE_FINISHED: journal::Finished = journal::Finished {
    what: "optimisation",
    results: "optimize.csv",
    marker: "optimize.json",
};

/// Runs an optimisation in `dir`: its runs go through the sweep's journal, so that a `resume`
/// runs none of them twice and ends with the same bytes.
pub fn optimize(
    optimization: &crate::optimize::Optimization,
    dir: &Path,
    resume: bool,
    stop: &StopToken,
    progress: &(dyn Fn(Step) + Sync),
) -> Result<Optimized, DriveError> {
    use std::collections::HashMap;

    let _lock = FolderLock::take(dir)?;
    let sweep = &optimization.sweep;
    let info = &sweep.info;
    let columns: Vec<usize> = optimization
        .constraints
        .iter()
        .map(|constraint| {
            info.metrics
                .iter()
                .position(|metric| *metric == constraint.metric)
                .expect("a constraint's metric is one the runs measure (checked on reading)")
        })
        .collect();
    let values = |record: &crate::sweep::RunRecord| -> Vec<f64> {
        columns
            .iter()
            .map(|&c| record.metrics[c].1.unwrap_or(f64::NAN))
            .collect()
    };
    let kept: Mutex<HashMap<(u32, u32), Vec<f64>>> = Mutex::new(HashMap::new());
    let journal = if resume {
        Journal::resume_visiting(dir, info, None, OPTIMIZE_FINISHED, |record| {
            let mut kept = kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            kept.insert((record.point, record.replication), values(record));
        })?
    } else {
        Journal::create(dir, info, None)?
    };
    let plan = optimization.plan()?;
    let failure: Mutex<Option<JournalError>> = Mutex::new(None);
    let mut run = |pairs: &[(u32, u32)]| -> Result<Option<Vec<Vec<f64>>>, DriveError> {
        let todo: Vec<(u32, u32)> = {
            let kept = kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            pairs
                .iter()
                .filter(|pair| !kept.contains_key(pair))
                .copied()
                .collect()
        };
        progress(Step::Planned(todo.len()));
        let ran = run_pairs(sweep, &todo, stop, &|record| {
            if let Err(error) = journal.append(&record) {
                failure
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .get_or_insert(error);
                stop.stop();
            }
            kept.lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .insert((record.point, record.replication), values(&record));
            progress(Step::Ran);
        });
        if let Some(error) = failure
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
        {
            return Err(DriveError::Keeping(error));
        }
        if ran? < todo.len() {
            return Ok(None);
        }
        let kept = kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok(Some(pairs.iter().map(|pair| kept[pair].clone()).collect()))
    };
    let found = optimization.search(plan, &mut run)?;
    journal.sync()?;
    let Some(found) = found else {
        let kept = kept
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        return Ok(Optimized::Interrupted { kept: kept.len() });
    };
    let file = crate::output::json::OptimizeFile::new(optimization, &found);
    let written = if found.chosen().is_some() {
        crate::output::write_optimization(dir, &file)?
    } else {
        Vec::new()
    };
    std::fs::remove_file(journal.path()).map_err(|source| {
        DriveError::Journal(JournalError::Io {
            path: journal.path().to_path_buf(),
            source,
        })
    })?;
    Ok(Optimized::Ended {
        file: Box::new(file),
        written,
    })
}
