//! Engine speed on the shipped scenarios. The baseline is the full run that keeps every truck's
//! record (what `landport run` does); the fast path keeps only summary statistics (what
//! replications and sweeps use). Criterion reports both in the same run, so their ratio is
//! measured on the same machine under the same load.

use std::path::Path;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn engine(c: &mut Criterion) {
    for name in ["alashankou-reformed", "alashankou-legacy"] {
        let path = format!("scenarios/{name}.toml");
        let scenario =
            landport::scenario::load(Path::new(&path)).expect("shipped scenario is valid");
        let arrivals = landport::run_summary(&scenario, 1).trucks.arrived;
        let mut group = c.benchmark_group(name);
        group.sample_size(20);
        group.throughput(Throughput::Elements(arrivals));
        group.bench_function(
            BenchmarkId::new("run with truck log (baseline)", arrivals),
            |b| b.iter(|| landport::run(&scenario, 1)),
        );
        group.bench_function(BenchmarkId::new("run_summary", arrivals), |b| {
            b.iter(|| landport::run_summary(&scenario, 1))
        });
        group.finish();
    }
}

criterion_group!(benches, engine);
criterion_main!(benches);
