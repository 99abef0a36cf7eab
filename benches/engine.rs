//! landport's speed, measured against a baseline in the same run (these machines are noisy:
//! compare ratios, not times across runs). `python3 benches/ratios.py` prints the ratios from
//! criterion's results afterwards.
//!
//! - `network`: events per second on an open network of three M/M/c stages (loads 0.75–0.81):
//!   the bare event loop of `baseline.rs`, landport's summary-only run (full per-stage
//!   statistics, no truck records) and its run with truck records.
//! - `month`: each shipped scenario for one simulated month (after its warm-up).
//! - `variants`: legacy against reformed Alashankou, and the reformed port with 1 to 6
//!   manual-inspection bays.
//! - `sweep`: a 16-point sweep on 1 thread and on all threads.
//! - `process`: what `landport run` does, in-process and with its files written, on the network
//!   for 20,000 simulated hours (`benches/data/network-long.toml`, one replication, no charts),
//!   with `--records none` and `--records csv`, against the bare loop for the same hours.

#[path = "baseline.rs"]
mod baseline;

use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn scenario(path: &str) -> landport::Scenario {
    landport::scenario::load(Path::new(path)).expect("benchmark scenario is valid")
}

fn network(c: &mut Criterion) {
    let network = scenario("benches/data/three-stage.toml");
    let hours = network.warmup().hours() + network.horizon().hours();
    let mut group = c.benchmark_group("network");
    group.sample_size(30);
    let baseline_events = baseline::run(hours, 1);
    group.throughput(Throughput::Elements(baseline_events));
    group.bench_function("bare event loop (baseline)", |b| {
        b.iter(|| baseline::run(hours, 1))
    });
    let events = landport::run_summary(&network, 1).events;
    group.throughput(Throughput::Elements(events));
    group.bench_function("landport run_summary", |b| {
        b.iter(|| landport::run_summary(&network, 1))
    });
    group.bench_function("landport run with truck records", |b| {
        b.iter(|| landport::run(&network, 1))
    });
    group.finish();
}

fn month(c: &mut Criterion) {
    let mut group = c.benchmark_group("month");
    group.sample_size(20);
    for name in [
        "alashankou-legacy",
        "alashankou-reformed",
        "horgos-legacy",
        "horgos-reformed",
    ] {
        let port = scenario(&format!("scenarios/{name}.toml"));
        let events = landport::run_summary(&port, 1).events;
        group.throughput(Throughput::Elements(events));
        group.bench_function(name, |b| b.iter(|| landport::run_summary(&port, 1)));
    }
    group.finish();
}

fn variants(c: &mut Criterion) {
    let mut group = c.benchmark_group("variants");
    group.sample_size(20);
    for name in ["alashankou-legacy", "alashankou-reformed"] {
        let port = scenario(&format!("scenarios/{name}.toml"));
        group.bench_function(name, |b| b.iter(|| landport::run_summary(&port, 1)));
    }
    let bays = landport::sweep::load(Path::new("benches/data/inspection-bays.toml"))
        .expect("benchmark sweep is valid");
    for (point, info) in bays.info.points.iter().enumerate() {
        let scenario = bays.scenario(point as u32).expect("checked when loaded");
        group.bench_function(
            BenchmarkId::new("reformed, inspection bays", &info.values[0]),
            |b| b.iter(|| landport::run_summary(&scenario, 1)),
        );
    }
    group.finish();
}

fn sweep(c: &mut Criterion) {
    let sweep = landport::sweep::load(Path::new("benches/data/sweep-16.toml"))
        .expect("benchmark sweep is valid");
    assert_eq!(sweep.info.points.len(), 16);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    for threads in [1, cores] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        group.bench_function(BenchmarkId::new("16 points, threads", threads), |b| {
            b.iter(|| pool.install(|| landport::sweep::run(&sweep, &|| {}).unwrap()))
        });
    }
    group.finish();
}

/// `landport run FILE --records none|csv --no-plots --out DIR`, minus argument parsing: the
/// replication, its statistics and every result file (trucks.csv and queues.csv written as the
/// run goes on).
fn run_process(scenario: &landport::Scenario, records: bool, dir: &Path) -> usize {
    use landport::experiment::Experiment;
    let mut files =
        landport::output::RecordFiles::create(dir, scenario, records).expect("files created");
    let experiment = Experiment::run_into(scenario, scenario.seed(), 1, files.sink());
    let file = Path::new("benches/data/network-long.toml");
    landport::output::write_run(dir, file, scenario, &experiment, Some(files))
        .expect("results written")
        .len()
}

fn process(c: &mut Criterion) {
    let network = scenario("benches/data/network-long.toml");
    let hours = network.warmup().hours() + network.horizon().hours();
    let dir = std::env::temp_dir().join(format!("landport-bench-{}", std::process::id()));
    let mut group = c.benchmark_group("process");
    group.sample_size(10);
    group.throughput(Throughput::Elements(baseline::run(hours, 1)));
    group.bench_function("bare event loop (baseline)", |b| {
        b.iter(|| baseline::run(hours, 1))
    });
    group.throughput(Throughput::Elements(
        landport::run_summary(&network, 1).events,
    ));
    group.bench_function("landport run_summary", |b| {
        b.iter(|| landport::run_summary(&network, 1))
    });
    group.bench_function("landport run --records none", |b| {
        b.iter(|| run_process(&network, false, &dir))
    });
    group.bench_function("landport run --records csv", |b| {
        b.iter(|| run_process(&network, true, &dir))
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, network, month, variants, sweep, process);
criterion_main!(benches);
