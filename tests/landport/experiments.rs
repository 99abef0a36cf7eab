//! Replications, intervals and common random numbers.

use landport::experiment::{paired_differences, replication_seed, Experiment};

use crate::{mmc, scenario};

/// M/M/c at 6 trucks per hour: `servers` desks of mean service `mean_minutes`, 1 day of warm-up.
fn desks(servers: u32, mean_minutes: f64, horizon_days: u32) -> landport::Scenario {
    scenario(&mmc(6.0, mean_minutes, servers, 1, horizon_days))
}

#[test]
fn intervals_cover_the_true_mean_wait_of_an_m_m_1_queue() {
    // M/M/1 with λ = 6/h, μ = 12/h: Wq = λ / (μ (μ − λ)) = 1/12 h.
    let scenario = desks(1, 5.0, 10);
    let true_wait = 6.0 / (12.0 * 6.0);
    let experiments = 100usize;
    let covered = (0..experiments)
        .filter(|&base| {
            let experiment = Experiment::run(&scenario, 1000 + base as u64, 10, false);
            let wait = &experiment
                .metric(&crate::id("desk.mean_wait_h"))
                .unwrap()
                .estimate;
            assert_eq!(wait.n, 10);
            wait.contains(true_wait)
        })
        .count();
    println!("M/M/1: {covered} of {experiments} 95% intervals contain Wq = {true_wait:.5} h");
    assert!(
        covered >= 88,
        "only {covered} of {experiments} intervals cover the true mean"
    );
    assert!(
        covered < experiments,
        "every interval covers: they are too wide"
    );
}

#[test]
fn common_random_numbers_narrow_the_interval_of_a_difference() {
    // Two desks at load 0.75, then one more desk.
    let base = desks(2, 15.0, 20);
    let variant = desks(3, 15.0, 20);
    let replications = 10;
    let first = Experiment::run(&base, 7, replications, false);
    let paired = Experiment::run(&variant, 7, replications, false);
    let independent = Experiment::run(&variant, 8, replications, false);
    let half_width = |other: &Experiment| {
        let differences = paired_differences(&first, other);
        let dwell = differences
            .iter()
            .find(|difference| difference.id == crate::id("dwell_mean_h"))
            .unwrap();
        dwell.estimate.half_width.unwrap()
    };
    let (common, separate) = (half_width(&paired), half_width(&independent));
    println!("one more desk: ±{common:.5} h with common random numbers, ±{separate:.5} h without");
    assert!(
        common < separate,
        "±{common} h is not narrower than ±{separate} h"
    );
    // The same seeds give the same arrivals: the port-wide arrival counts agree run by run.
    for (a, b) in first.runs.iter().zip(&paired.runs) {
        assert_eq!(a.trucks.arrived, b.trucks.arrived);
    }
}

#[test]
fn replication_seeds_are_distinct_and_rerunnable() {
    let scenario = desks(1, 5.0, 2);
    let experiment = Experiment::run(&scenario, 42, 5, false);
    let mut seeds = experiment.seeds.clone();
    seeds.sort_unstable();
    seeds.dedup();
    assert_eq!(seeds.len(), 5);
    for (i, run) in experiment.runs.iter().enumerate() {
        assert_eq!(run.seed, replication_seed(42, i as u32));
        let alone = landport::run_summary(&scenario, replication_seed(42, i as u32));
        assert_eq!(alone.dwell.mean_hours, run.dwell.mean_hours);
    }
    // The summary's interval is the one computed from the replications' own values.
    let dwell = experiment.metric(&crate::id("dwell_mean_h")).unwrap();
    let values: Vec<f64> = experiment
        .runs
        .iter()
        .map(|run| run.dwell.mean_hours)
        .collect();
    assert_eq!(dwell.values, values);
    // Mean ± t(0.975, 4) s / √5, with t from a table (Abramowitz and Stegun, table 26.10).
    let mean = values.iter().sum::<f64>() / 5.0;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 4.0).sqrt();
    let half_width = 2.776_445 * sd / 5f64.sqrt();
    assert!((dwell.estimate.mean - mean).abs() <= 1e-12 * mean);
    let reported = dwell.estimate.half_width.unwrap();
    assert!(
        (reported - half_width).abs() <= 1e-6 * half_width,
        "{reported} against {half_width}"
    );
    assert_eq!(dwell.estimate.n, 5);
}

#[test]
fn experiments_do_not_depend_on_the_thread_count() {
    let scenario = desks(2, 15.0, 5);
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let experiment = pool.install(|| Experiment::run(&scenario, 3, 8, false));
        serde_json::to_string(&experiment).unwrap()
    };
    assert_eq!(on(1), on(2));
}

#[test]
fn the_metrics_a_sweep_expects_are_those_a_run_measures() {
    let scenario = crate::scenario(&crate::shipped("alashankou-reformed"));
    let result = landport::run_summary(&scenario, 5);
    let measured: Vec<_> = landport::experiment::metrics(&result)
        .into_iter()
        .map(|metric| metric.id)
        .collect();
    assert_eq!(measured, landport::experiment::metric_ids(&scenario));
    assert_eq!(measured.len(), 17 + 10 * scenario.stage_names().count());
}
