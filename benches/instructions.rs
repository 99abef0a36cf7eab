//! One run under an instruction counter, whose counts, unlike times, are the same on every run:
//! landport's summary-only run, its run as `landport run --records none|csv` does it (files
//! written into a temporary folder, no charts), or the bare event loop of `baseline.rs`, on the
//! network of `benches/data/network-2000h.toml` (2,024 hours with the warm-up). Built with the
//! bench profile, as the `engine` bench is:
//!
//!     cargo bench --bench instructions --no-run      # prints the executable
//!     valgrind --tool=callgrind EXECUTABLE summary|none|csv|bare
//!
//! Run by `cargo bench` itself, it does nothing (it measures no time).

#[path = "baseline.rs"]
mod baseline;

use std::path::Path;

use landport::experiment::Experiment;

fn main() {
    let file = Path::new("benches/data/network-2000h.toml");
    let scenario = landport::scenario::load(file).expect("benchmark scenario is valid");
    let mode = std::env::args().nth(1).unwrap_or_default();
    let records = match mode.as_str() {
        "summary" => {
            let result = landport::run_summary(&scenario, 1);
            println!("run_summary: {} events", result.events);
            return;
        }
        "bare" => {
            let hours = scenario.warmup().hours() + scenario.horizon().hours();
            println!("bare event loop: {} events", baseline::run(hours, 1));
            return;
        }
        "none" => false,
        "csv" => true,
        // `cargo bench` runs every bench with `--bench`.
        _ => return,
    };
    let dir = std::env::temp_dir().join(format!("landport-instructions-{}", std::process::id()));
    let mut files =
        landport::output::RecordFiles::create(&dir, &scenario, records).expect("files created");
    let experiment = Experiment::run_into(&scenario, scenario.seed(), 1, files.sink());
    let written = landport::output::write_run(&dir, file, &scenario, &experiment, Some(files))
        .expect("results written");
    println!("landport run --records {mode}: {} files", written.len());
    let _ = std::fs::remove_dir_all(&dir);
}
