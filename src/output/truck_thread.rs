//! trucks.csv formatted and written on a thread of its own while the run goes on, so that the
//! simulation and the writing use two cores. The run hands each leaving truck's record over in
//! batches; the thread writes the rows [`csv::TruckRows`] writes, in the order trucks left, so the
//! file's bytes do not depend on the thread.

use std::io;
use std::mem;
use std::sync::mpsc;
use std::thread;

use super::{csv, Buffered};
use crate::engine::Instant;
use crate::model::{Scenario, Visit};

/// Trucks in a batch: few enough that batches stay small (a few hundred kilobytes), many enough
/// that handing one over costs nothing next to writing its rows.
const BATCH_TRUCKS: usize = 1024;

/// Full batches waiting for the thread: when the writing falls this far behind, the run waits,
/// so memory does not grow with the trucks simulated.
const BATCHES_WAITING: usize = 4;

/// A truck's record, its visits in the batch's list.
struct Truck {
    id: u64,
    class: u32,
    arrival: Instant,
    exit: Instant,
    /// Where its visits end in [`Batch::visits`] (they start where the previous truck's end).
    visits_end: usize,
}

/// Records of trucks in the order they left.
struct Batch {
    trucks: Vec<Truck>,
    visits: Vec<Visit>,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            trucks: Vec::with_capacity(BATCH_TRUCKS),
            visits: Vec::new(),
        }
    }
}

/// The run's end of trucks.csv: it batches the records and hands them to the writing thread,
/// which sends each batch back emptied, to be filled again.
pub struct TruckThread {
    batch: Batch,
    /// Full batches to the thread; `None` once the thread has stopped or the run has ended.
    full: Option<mpsc::SyncSender<Batch>>,
    /// Batches the thread has written, back for reuse.
    emptied: mpsc::Receiver<Batch>,
    thread: Option<thread::JoinHandle<io::Result<Buffered>>>,
}

impl TruckThread {
    /// Starts the thread that writes trucks.csv of `scenario` (its header first) into `writer`.
    pub fn spawn(writer: Buffered, scenario: &Scenario) -> io::Result<TruckThread> {
        let scenario = scenario.clone();
        let (full, batches) = mpsc::sync_channel::<Batch>(BATCHES_WAITING);
        let (emptied_sender, emptied) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("trucks.csv".to_string())
            .spawn(move || {
                let mut rows = csv::TruckRows::new(writer, &scenario)?;
                for mut batch in batches {
                    let mut start = 0;
                    for truck in &batch.trucks {
                        let visits = &batch.visits[start..truck.visits_end];
                        rows.push(truck.id, truck.class, truck.arrival, truck.exit, visits);
                        start = truck.visits_end;
                    }
                    batch.trucks.clear();
                    batch.visits.clear();
                    // After the run's last batch nobody takes it back.
                    let _ = emptied_sender.send(batch);
                }
                rows.finish()
            })?;
        Ok(TruckThread {
            batch: Batch::new(),
            full: Some(full),
            emptied,
            thread: Some(thread),
        })
    }

    /// Hands over the record of a truck that left.
    #[inline]
    pub fn push(&mut self, id: u64, class: u32, arrival: Instant, exit: Instant, visits: &[Visit]) {
        self.batch.visits.extend_from_slice(visits);
        self.batch.trucks.push(Truck {
            id,
            class,
            arrival,
            exit,
            visits_end: self.batch.visits.len(),
        });
        if self.batch.trucks.len() == BATCH_TRUCKS {
            self.send();
        }
    }

    /// Sends the batch to the thread and takes an emptied one (or a new one) to fill.
    fn send(&mut self) {
        let next = self.emptied.try_recv().unwrap_or_else(|_| Batch::new());
        let batch = mem::replace(&mut self.batch, next);
        // A thread that stopped has its error (or its panic) for `finish`; the rest is dropped.
        if let Some(full) = &self.full {
            if full.send(batch).is_err() {
                self.full = None;
            }
        }
    }

    /// Sends the last trucks, waits for the thread to write every row, and returns the writer,
    /// or the first error the writing met.
    pub fn finish(mut self) -> io::Result<Buffered> {
        if !self.batch.trucks.is_empty() {
            self.send();
        }
        // The thread ends when it has written every batch sent.
        self.full = None;
        let thread = self.thread.take().expect("the thread is joined only once");
        thread
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the thread writing trucks.csv panicked")))
    }
}

impl Drop for TruckThread {
    /// A run that stops without its results (an error) lets the thread end before it returns.
    fn drop(&mut self) {
        self.full = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read as _, Seek as _};
    use std::path::Path;

    /// A port whose trucks visit one to four stages (feedback), with customs roles (the
    /// milestone columns), for ten days: thousands of trucks, many batches and a last part one.
    fn port() -> Scenario {
        let text = r#"
            name = "batches"
            seed = 5
            warmup = "1 d"
            horizon = "10 d"
            [arrivals]
            process = "poisson"
            rate = "30 trucks per hour"
            to = "declaration"
            [stages.declaration]
            role = "declaration"
            servers = 2
            service = { dist = "exponential", mean = "3 min" }
            routes = [{ to = "inspection", p = 0.3 }, { to = "gate", p = 0.7 }]
            [stages.inspection]
            role = "inspection"
            servers = 2
            service = { dist = "exponential", mean = "6 min" }
            routes = [{ to = "declaration", p = 0.2 }, { to = "gate", p = 0.8 }]
            [stages.gate]
            servers = 1
            service = { dist = "exponential", mean = "1 min" }
            routes = [{ to = "exit" }]
        "#;
        crate::scenario::parse(text, Path::new("batches.toml")).unwrap()
    }

    fn hand_over(thread: &mut TruckThread, result: &crate::model::RunResult) {
        let log = result.log.as_ref().expect("records kept");
        for truck in &log.trucks {
            let visits = log.visits(truck);
            thread.push(truck.id, truck.class, truck.arrival, truck.exit, visits);
        }
    }

    #[test]
    fn the_thread_writes_the_bytes_written_without_it() {
        let scenario = port();
        let result = crate::model::run(&scenario, 5);
        let trucks = result.log.as_ref().unwrap().trucks.len();
        assert!(
            trucks > 3 * BATCH_TRUCKS && !trucks.is_multiple_of(BATCH_TRUCKS),
            "{trucks} trucks"
        );
        let mut expected = Vec::new();
        csv::write_trucks(&mut expected, &scenario, &result).unwrap();

        let file = tempfile::tempfile().unwrap();
        let mut thread = TruckThread::spawn(io::BufWriter::new(file), &scenario).unwrap();
        hand_over(&mut thread, &result);
        let mut file = thread.finish().unwrap().into_inner().unwrap();
        file.rewind().unwrap();
        let mut written = Vec::new();
        file.read_to_end(&mut written).unwrap();
        assert_eq!(written.len(), expected.len());
        assert!(written == expected, "trucks.csv differs");
        assert_eq!(
            written.iter().filter(|&&byte| byte == b'\n').count(),
            trucks + 1,
            "a header and a row per truck"
        );
    }

    /// A disk that fills: the run goes on, and `finish` returns the error; a thread left
    /// without `finish` (a run that failed) ends when it is dropped.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_failed_write_is_returned_when_the_run_ends() {
        let scenario = port();
        let result = crate::model::run(&scenario, 5);
        let full = || {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap();
            TruckThread::spawn(io::BufWriter::new(file), &scenario).unwrap()
        };
        let mut thread = full();
        hand_over(&mut thread, &result);
        let error = thread.finish().unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::StorageFull, "{error}");
    }

    /// A thread dropped without `finish` (a run that failed) has ended when the drop returns:
    /// the file holds the header and every full batch handed over (the part batch is let go).
    #[test]
    fn a_dropped_thread_has_written_its_batches_when_the_drop_returns() {
        let scenario = port();
        let result = crate::model::run(&scenario, 5);
        let mut expected = Vec::new();
        csv::write_trucks(&mut expected, &scenario, &result).unwrap();
        let trucks = result.log.as_ref().unwrap().trucks.len();
        let lines = 1 + trucks / BATCH_TRUCKS * BATCH_TRUCKS;
        let end = expected
            .iter()
            .enumerate()
            .filter(|&(_, &byte)| byte == b'\n')
            .nth(lines - 1)
            .map(|(at, _)| at + 1)
            .unwrap();

        let file = tempfile::NamedTempFile::new().unwrap();
        let writer = io::BufWriter::new(file.reopen().unwrap());
        let mut thread = TruckThread::spawn(writer, &scenario).unwrap();
        hand_over(&mut thread, &result);
        drop(thread);
        let written = std::fs::read(file.path()).unwrap();
        assert_eq!(written.len(), end, "{lines} lines");
        assert!(written == expected[..end], "the rows differ");
    }
}
