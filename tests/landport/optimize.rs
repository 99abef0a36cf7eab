//! The staffing optimiser: against Erlang C on an M/M/c stage, against a full grid sweep of the
//! same constraints, an infeasible target, and the same bytes on any thread count and after an
//! interruption.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use landport::driver::{self, Optimized, Step};
use landport::engine::StopToken;
use landport::output::json::OptimizeFile;

use crate::mmc;
use crate::queueing::erlang_c_wait;

/// A tandem port (documents → 30% inspection → gate) and an optimisation of its three server
/// counts, 8 × 5 × 5 = 200 points, for a dwell p95 of at most 0.9 h at one-sided 97.5% (the bound
/// is then the sweep's mean + 95% half-width).
const TANDEM: &str = r#"
name = "tandem"
seed = 7
warmup = "2 d"
horizon = "20 d"
replications = 6
[arrivals]
process = "poisson"
rate = "20 trucks per hour"
to = "documents"
[stages.documents]
servers = 4
service = { dist = "exponential", mean = "10 min" }
routes = [{ to = "inspection", p = 0.3 }, { to = "gate" }]
[stages.inspection]
servers = 2
service = { dist = "exponential", mean = "15 min" }
routes = [{ to = "gate" }]
[stages.gate]
servers = 2
service = { dist = "exponential", mean = "4 min" }
routes = [{ to = "exit" }]
"#;

const TANDEM_DECISIONS: [(&str, i64, i64, f64); 3] = [
    ("stages.documents.servers", 1, 8, 100.0),
    ("stages.inspection.servers", 1, 5, 300.0),
    ("stages.gate.servers", 1, 5, 50.0),
];

const TANDEM_LIMIT: f64 = 0.9;

fn tandem_optimization() -> String {
    let mut text = String::from(
        "scenario = \"port.toml\"\nreplications = 6\nconfirm_replications = 12\n[decisions]\n",
    );
    for (key, from, to, cost) in TANDEM_DECISIONS {
        text.push_str(&format!(
            "\"{key}\" = {{ from = {from}, to = {to}, cost_per_unit = {cost} }}\n"
        ));
    }
    text.push_str(&format!(
        "[[constraints]]\nmetric = \"dwell_p95_h\"\nat_most = {TANDEM_LIMIT}\nconfidence = 0.975\n"
    ));
    text
}

/// Writes the scenario as port.toml and the optimisation as opt.toml in `dir`.
fn files(dir: &Path, scenario: &str, optimization: &str) -> PathBuf {
    fs::write(dir.join("port.toml"), scenario).unwrap();
    let file = dir.join("opt.toml");
    fs::write(&file, optimization).unwrap();
    file
}

/// Runs the optimisation in `dir/out` to its end.
fn optimize(file: &Path, dir: &Path) -> OptimizeFile {
    let optimization = landport::optimize::load(file).unwrap();
    let outcome = driver::optimize(
        &optimization,
        &dir.join("out"),
        false,
        &StopToken::new(),
        &|_| {},
    )
    .unwrap();
    match outcome {
        Optimized::Ended { file, .. } => *file,
        Optimized::Interrupted { .. } => panic!("not stopped, yet interrupted"),
    }
}

#[test]
fn the_optimiser_finds_the_optimum_of_the_full_grid_running_under_30_percent_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = files(dir.path(), TANDEM, &tandem_optimization());
    let found = optimize(&file, dir.path());

    // The same grid as a sweep, on the same replication seeds: every point's mean and 95%
    // half-width.
    let mut sweep_text = String::from("scenario = \"port.toml\"\nreplications = 6\n[grid]\n");
    for (key, from, to, _) in TANDEM_DECISIONS {
        sweep_text.push_str(&format!("\"{key}\" = {{ from = {from}, to = {to} }}\n"));
    }
    fs::write(dir.path().join("sweep.toml"), sweep_text).unwrap();
    let sweep = landport::sweep::load(&dir.path().join("sweep.toml")).unwrap();
    let points = landport::sweep::run(&sweep, &|| {}).unwrap();
    let p95 = crate::id("dwell_p95_h");
    let mut best: Option<(f64, Vec<i64>)> = None;
    for point in &points {
        let values: Vec<i64> = point.values.iter().map(|v| v.parse().unwrap()).collect();
        let cost: f64 = values
            .iter()
            .zip(TANDEM_DECISIONS)
            .map(|(&value, (_, _, _, cost))| value as f64 * cost)
            .sum();
        let estimate = &point
            .metrics
            .iter()
            .find(|metric| metric.id == p95)
            .unwrap()
            .estimate;
        // A point with a stage at an offered load of 1 or more is never feasible.
        let feasible = point.stable == Some(true)
            && estimate
                .half_width
                .is_some_and(|half| estimate.mean + half <= TANDEM_LIMIT);
        // Points in order: the first of equal costs stays.
        if feasible && best.as_ref().is_none_or(|(top, _)| cost < *top) {
            best = Some((cost, values.clone()));
        }
        // Where the search ran the point, it measured what the sweep measured.
        if let Some(evaluation) = found.evaluations.iter().find(|e| e.values == values) {
            let check = evaluation.search[0];
            assert_eq!(check.mean.to_bits(), estimate.mean.to_bits(), "{values:?}");
            let half = estimate.half_width.unwrap();
            assert!(
                (check.bound - (estimate.mean + half)).abs() < 1e-12,
                "{values:?}: bound {} against {} + {half}",
                check.bound,
                estimate.mean
            );
        }
    }
    let (grid_cost, grid_values) = best.expect("the grid has a feasible point");
    let chosen = found.chosen().expect("the optimiser chose a point");
    eprintln!(
        "grid optimum {grid_values:?} at {grid_cost}; optimiser {:?} at {} after {} of {} points",
        chosen.values,
        chosen.cost,
        found.evaluated_points,
        points.len()
    );
    assert_eq!(chosen.values, grid_values);
    assert_eq!(chosen.cost, grid_cost);
    assert_eq!(found.grid_points, 200);
    assert!(
        found.evaluated_points * 10 <= 3 * found.grid_points,
        "ran {} of {} points",
        found.evaluated_points,
        found.grid_points
    );
    // The search starts at stability's bound: 20/h × 10 min needs 4 desks, 6/h × 15 min two
    // inspectors, 20/h × 4 min two lanes.
    assert_eq!(
        found
            .decisions
            .iter()
            .map(|d| d.lower_bound)
            .collect::<Vec<_>>(),
        [4, 2, 2]
    );
}

#[test]
fn an_mmc_stage_is_staffed_with_the_fewest_servers_that_erlang_c_gives() {
    // (arrivals per hour, mean service in minutes, target mean wait in hours): targets well
    // away from the Erlang C waits of the neighbouring server counts, so that the runs resolve
    // them.
    for (rate, minutes, target) in [(20.0, 15.0, 0.0833), (20.0, 15.0, 0.025), (8.0, 12.0, 0.2)] {
        let mu = 60.0 / minutes;
        let exact = (1..=12)
            .filter(|&c| f64::from(c) * mu > rate)
            .find(|&c| erlang_c_wait(rate, mu, c) <= target)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let optimization = format!(
            "scenario = \"port.toml\"\nreplications = 5\nconfirm_replications = 10\n\
[decisions]\n\"stages.desk.servers\" = {{ from = 1, to = 12, cost_per_server_hour = 20 }}\n\
[[constraints]]\nmetric = \"desk.mean_wait_h\"\nat_most = {target}\n"
        );
        let file = files(dir.path(), &mmc(rate, minutes, 1, 5, 60), &optimization);
        let found = optimize(&file, dir.path());
        let chosen = found.chosen().expect("a staffing meets the target");
        eprintln!(
            "M/M/c at {rate}/h, {minutes} min, mean wait <= {target} h: Erlang C gives {exact} \
(waits {:.4} h, {:.4} h with one fewer), the optimiser {} after {} points",
            erlang_c_wait(rate, mu, exact),
            if f64::from(exact - 1) * mu > rate {
                erlang_c_wait(rate, mu, exact - 1)
            } else {
                f64::INFINITY
            },
            chosen.values[0],
            found.evaluated_points
        );
        assert_eq!(chosen.values, [i64::from(exact)]);
        // A server round the clock is 24 server-hours a day at 20 each.
        assert_eq!(found.decisions[0].unit_cost_per_day, 480.0);
        assert_eq!(chosen.cost, 480.0 * f64::from(exact));
    }
}

#[test]
fn an_infeasible_target_names_the_constraint_and_the_best_value_reached() {
    let dir = tempfile::tempdir().unwrap();
    let file = files(
        dir.path(),
        &mmc(20.0, 15.0, 1, 2, 20),
        "scenario = \"port.toml\"\nreplications = 3\n[decisions]\n\
\"stages.desk.servers\" = { from = 1, to = 9, cost_per_unit = 1 }\n\
[[constraints]]\nmetric = \"desk.mean_wait_h\"\nat_most = 0.0001\n",
    );
    let out = dir.path().join("out");
    let assert = Command::cargo_bin("landport")
        .unwrap()
        .args(["optimize", file.to_str().unwrap(), "--no-plots", "--out"])
        .arg(&out)
        .assert()
        .code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains(
            "desk.mean_wait_h at most 0.0001 with 95% confidence: never met; best reached"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("at stages.desk.servers = 9"),
        "the most servers wait least: {stderr}"
    );
    assert!(!out.join("optimize.csv").exists() && !out.join("runs.jsonl").exists());
}

/// The bytes of optimize.csv and optimize.json in `dir`.
fn result_bytes(dir: &Path) -> Vec<Vec<u8>> {
    ["optimize.csv", "optimize.json"]
        .iter()
        .map(|name| fs::read(dir.join(name)).unwrap())
        .collect()
}

#[test]
fn an_optimisation_gives_the_same_bytes_on_any_thread_count_and_after_an_interruption() {
    let dir = tempfile::tempdir().unwrap();
    let file = files(dir.path(), TANDEM, &tandem_optimization());
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.path().join(format!("threads-{threads}"));
        Command::cargo_bin("landport")
            .unwrap()
            .args([
                "optimize",
                file.to_str().unwrap(),
                "--no-plots",
                "--threads",
            ])
            .arg(threads)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        outputs.push(result_bytes(&out));
    }
    assert_eq!(outputs[0], outputs[1], "one thread against two");

    // Stopped after 30 runs, then resumed: the runs kept are not run again.
    let optimization = landport::optimize::load(&file).unwrap();
    let out = dir.path().join("resumed");
    let stop = StopToken::new();
    let ran = std::sync::atomic::AtomicUsize::new(0);
    let count = |step: Step| {
        if step == Step::Ran && ran.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 == 30 {
            stop.stop();
        }
    };
    let first = driver::optimize(&optimization, &out, false, &stop, &count).unwrap();
    let Optimized::Interrupted { kept } = first else {
        panic!("not interrupted: {first:?}");
    };
    assert!((30..40).contains(&kept), "kept {kept} runs");
    let planned = std::sync::atomic::AtomicUsize::new(0);
    let second = driver::optimize(&optimization, &out, true, &StopToken::new(), &|step| {
        if let Step::Planned(runs) = step {
            planned.fetch_add(runs, std::sync::atomic::Ordering::SeqCst);
        }
    })
    .unwrap();
    assert!(matches!(second, Optimized::Ended { .. }));
    let found: OptimizeFile = serde_json::from_slice(&outputs[0][1]).unwrap();
    let runs = found.evaluated_points * 6
        + found
            .evaluations
            .iter()
            .filter(|e| e.confirm.is_some())
            .count()
            * 12;
    assert_eq!(
        planned.into_inner() + kept,
        runs,
        "the resume ran only the runs the first part had not kept"
    );
    assert_eq!(
        result_bytes(&out),
        outputs[0],
        "resumed against uninterrupted"
    );
}

#[test]
fn opening_hours_written_as_whole_hours_are_decisions_with_their_server_hours_priced() {
    // A desk open from 06:00 to a closing hour the optimisation decides: each hour later costs
    // its two servers' hour. Trucks that arrive after closing wait for the morning.
    let port = r#"
name = "hours"
seed = 3
warmup = "2 d"
horizon = "30 d"
[arrivals]
process = "poisson"
rate = "6 trucks per hour"
to = "desk"
[stages.desk]
servers = 2
service = { dist = "exponential", mean = "10 min" }
opening = { from = 6, to = 18 }
routes = [{ to = "exit" }]
"#;
    let dir = tempfile::tempdir().unwrap();
    let file = files(
        dir.path(),
        port,
        "scenario = \"port.toml\"\nreplications = 8\n[decisions]\n\
\"stages.desk.opening.to\" = { from = 12, to = 24, cost_per_server_hour = 50 }\n\
[[constraints]]\nmetric = \"dwell_p95_h\"\nat_most = 8.0\nconfidence = 0.975\n",
    );
    let found = optimize(&file, dir.path());
    assert_eq!(
        found.decisions[0].unit_cost_per_day, 100.0,
        "two servers' hour"
    );
    // The same values as a sweep: the cheapest (earliest) closing hour that meets the target.
    fs::write(
        dir.path().join("sweep.toml"),
        "scenario = \"port.toml\"\nreplications = 8\n[grid]\n\
\"stages.desk.opening.to\" = { from = 12, to = 24 }\n",
    )
    .unwrap();
    let sweep = landport::sweep::load(&dir.path().join("sweep.toml")).unwrap();
    let p95 = crate::id("dwell_p95_h");
    let earliest = landport::sweep::run(&sweep, &|| {})
        .unwrap()
        .iter()
        .find(|point| {
            let metric = point.metrics.iter().find(|m| m.id == p95).unwrap();
            let estimate = &metric.estimate;
            point.stable == Some(true) && estimate.mean + estimate.half_width.unwrap() <= 8.0
        })
        .map(|point| point.values[0].parse::<i64>().unwrap())
        .expect("some closing hour meets the target");
    let chosen = found.chosen().expect("a closing hour meets the target");
    eprintln!(
        "closing hour: sweep {earliest}, optimiser {} after {} points",
        chosen.values[0], found.evaluated_points
    );
    assert_eq!(chosen.values, [earliest]);
    assert!(
        earliest > 12 && earliest < 24,
        "the target is not met by the range's ends alone"
    );
}

#[test]
fn validate_checks_an_optimisation_file_and_prints_where_the_search_starts() {
    let assert = Command::cargo_bin("landport")
        .unwrap()
        .args(["validate", "scenarios/optimize/alashankou-1.5x.toml"])
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains("valid optimisation 'alashankou-1.5x': 5 decisions over 2700 points"),
        "{stdout}"
    );
    // Night bays cost 260 a bay-hour over the 12 hours 20:00–08:00.
    assert!(
        stdout.contains(
            "stages.manual-inspection.shifts[1].servers      0–4            0         3120.00"
        ),
        "{stdout}"
    );
    let assert = Command::cargo_bin("landport")
        .unwrap()
        .args(["show", "scenarios/optimize/alashankou-1.5x.toml"])
        .assert()
        .code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("is an optimisation file"), "{stderr}");
}

#[test]
fn the_search_finds_the_optimum_of_a_known_function_and_reports_an_unconfirmed_choice() {
    // The search alone, on a function of the decisions instead of runs: the dwell p95 is
    // 20/documents + 12/inspection + 6/gate hours (every replication alike), for the tandem's
    // decisions and costs; the cheapest point with a value of at most 9.5 is found by brute
    // force over the stable points of the grid.
    let dir = tempfile::tempdir().unwrap();
    let file = files(
        dir.path(),
        TANDEM,
        &tandem_optimization().replace("at_most = 0.9\n", "at_most = 9.5\n"),
    );
    let optimization = landport::optimize::load(&file).unwrap();
    let value = |x: &[i64]| 20.0 / x[0] as f64 + 12.0 / x[1] as f64 + 6.0 / x[2] as f64;
    let cost = |x: &[i64]| 100.0 * x[0] as f64 + 300.0 * x[1] as f64 + 50.0 * x[2] as f64;
    let plan = optimization.plan().unwrap();
    let mut best: Option<(f64, Vec<i64>)> = None;
    for point in 0..optimization.grid_points() as u32 {
        let x = optimization.values(point);
        let stable = x
            .iter()
            .zip(&plan.lower)
            .all(|(value, lower)| value >= lower);
        if stable && value(&x) <= 9.5 && best.as_ref().is_none_or(|(c, _)| cost(&x) < *c) {
            best = Some((cost(&x), x));
        }
    }
    let (_, optimum) = best.unwrap();
    let mut ran = 0;
    let mut runner =
        |pairs: &[(u32, u32)]| -> Result<Option<Vec<Vec<f64>>>, landport::sweep::InvalidPoint> {
            ran += pairs.len();
            Ok(Some(
                pairs
                    .iter()
                    .map(|&(point, _)| vec![value(&optimization.values(point))])
                    .collect(),
            ))
        };
    let found = optimization
        .search(plan.clone(), &mut runner)
        .unwrap()
        .unwrap();
    let chosen = found.chosen().expect("a point meets the limit");
    assert_eq!(chosen.values, optimum);
    assert!(ran > 0);

    // Values that hold in the search's replications and fail in the confirmation's: nothing is
    // chosen, and the status says so.
    let search_replications = optimization.search_replications;
    let mut fickle =
        |pairs: &[(u32, u32)]| -> Result<Option<Vec<Vec<f64>>>, landport::sweep::InvalidPoint> {
            Ok(Some(
                pairs
                    .iter()
                    .map(|&(point, replication)| {
                        let v = value(&optimization.values(point));
                        vec![if replication < search_replications {
                            v
                        } else {
                            v + 100.0
                        }]
                    })
                    .collect(),
            ))
        };
    let found = optimization.search(plan, &mut fickle).unwrap().unwrap();
    assert_eq!(found.status, landport::optimize::Status::Unconfirmed);
    assert!(found.chosen().is_none());
    assert!(found
        .evaluations
        .iter()
        .any(|e| e.confirmed() == Some(false)));
}
