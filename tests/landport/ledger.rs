//! The reform ledger: Shapley shares against each reform's own effect where reforms add
//! independent delays, against a hand computation where two reforms interact, their sum against
//! the total change in every replication, the coverage of their intervals, and the same bytes
//! from shards merged as from one machine.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use landport::experiment::Experiment;
use landport::output::json::LedgerFile;

/// Writes `base.toml`, each reform as `<name>.toml` and `ledger.toml` (with `replications`) in
/// `dir`; returns the ledger file.
fn ledger_files(dir: &Path, base: &str, reforms: &[(&str, &str)], replications: u32) -> PathBuf {
    fs::write(dir.join("base.toml"), base).unwrap();
    let mut ledger = format!("scenario = \"base.toml\"\nreplications = {replications}\n");
    for (name, text) in reforms {
        fs::write(dir.join(format!("{name}.toml")), text).unwrap();
        ledger.push_str(&format!(
            "[[reforms]]\nname = \"{name}\"\nfile = \"{name}.toml\"\n"
        ));
    }
    let file = dir.join("ledger.toml");
    fs::write(&file, ledger).unwrap();
    file
}

/// Runs the ledger in `dir/out` as a user does, and reads ledger.json back.
fn run_ledger(file: &Path, out: &Path) -> LedgerFile {
    Command::cargo_bin("landport")
        .unwrap()
        .args([
            "ledger",
            file.to_str().unwrap(),
            "--no-plots",
            "--quiet",
            "--out",
        ])
        .arg(out)
        .assert()
        .success();
    landport::output::json::read(&out.join("ledger.json")).unwrap()
}

/// A port of three stages in a row with enough servers that no truck waits.
fn tandem(a: &str, b: &str, c: &str, days: u32) -> String {
    format!(
        r#"
name = "tandem"
seed = 11
warmup = "1 d"
horizon = "{days} d"
replications = 4
[arrivals]
process = "poisson"
rate = "5 trucks per hour"
to = "a"
[stages.a]
servers = 200
service = {a}
routes = [{{ to = "b" }}]
[stages.b]
servers = 200
service = {b}
routes = [{{ to = "c" }}]
[stages.c]
servers = 200
service = {c}
routes = [{{ to = "exit" }}]
"#
    )
}

#[test]
fn shares_of_independent_delays_are_each_reforms_own_effect_exactly() {
    // Constant services and no waiting: every truck's dwell is a + b + c, and each reform takes
    // a fixed time off one stage. Every share, in every replication, is that reform's own effect.
    let dir = tempfile::tempdir().unwrap();
    let constant = |minutes: u32| format!("{{ dist = \"constant\", value = \"{minutes} min\" }}");
    let file = ledger_files(
        dir.path(),
        &tandem(&constant(120), &constant(180), &constant(60), 5),
        &[
            (
                "faster-a",
                &format!("[stages.a]\nservice = {}\n", constant(90)),
            ),
            (
                "faster-b",
                &format!("[stages.b]\nservice = {}\n", constant(60)),
            ),
            (
                "faster-c",
                &format!("[stages.c]\nservice = {}\n", constant(45)),
            ),
        ],
        4,
    );
    let ledger = run_ledger(&file, &dir.path().join("out"));
    let own = [-0.5, -2.0, -0.25];
    // The mean exactly; the percentiles to the histogram's precision (3 significant digits:
    // within 0.1% of the 6 h dwell, so a share within twice that).
    for (quantity, tolerance) in [
        ("dwell_mean_h", 1e-6),
        ("dwell_p50_h", 0.012),
        ("dwell_p95_h", 0.012),
    ] {
        let metric = ledger.metric(&crate::id(quantity)).unwrap();
        assert!(
            (metric.base.mean - 6.0).abs() < tolerance,
            "{quantity}: {:?}",
            metric.base
        );
        for (share, own) in metric.reforms.iter().zip(own) {
            for value in &share.per_replication {
                assert!(
                    (value - own).abs() < tolerance,
                    "{quantity} {}: {value}",
                    share.reform
                );
            }
            assert!((share.alone.mean - own).abs() < tolerance);
            assert!((share.last.mean - own).abs() < tolerance);
        }
        assert!(metric
            .interactions
            .iter()
            .all(|i| i.estimate.mean.abs() < tolerance));
    }
}

#[test]
fn two_interacting_reforms_share_as_a_hand_computation_and_add_up_in_every_replication() {
    // A desk open 08:00–18:00 behind a loading stage: loading faster (reform `loading`) brings
    // trucks to the desk earlier in the day, and longer desk hours (reform `hours`) matter more
    // or less depending on when they come. The four scenarios are run here on their own, on the
    // ledger's seeds, and the shares computed by hand from them.
    let base = r#"
name = "desk"
seed = 3
warmup = "2 d"
horizon = "20 d"
[arrivals]
process = "poisson"
rate = "4 trucks per hour"
to = "loading"
[stages.loading]
servers = 100
service = { dist = "exponential", mean = "3 h" }
routes = [{ to = "desk" }]
[stages.desk]
servers = 3
service = { dist = "exponential", mean = "20 min" }
opening = { from = "08:00", to = "18:00" }
routes = [{ to = "exit" }]
"#;
    let loading = "[stages.loading]\nservice = { dist = \"exponential\", mean = \"1 h\" }\n";
    let hours = "[stages.desk]\nopening = { from = \"06:00\", to = \"22:00\" }\n";
    let dir = tempfile::tempdir().unwrap();
    let replications = 6;
    let file = ledger_files(
        dir.path(),
        base,
        &[("loading", loading), ("hours", hours)],
        replications,
    );
    let ledger = run_ledger(&file, &dir.path().join("out"));
    // v(S) per replication, each scenario written out whole and run alone.
    let with = |reforms: &[&str]| {
        let mut text = base.to_string();
        if reforms.contains(&"loading") {
            text = text.replace("mean = \"3 h\"", "mean = \"1 h\"");
        }
        if reforms.contains(&"hours") {
            text = text.replace(
                "from = \"08:00\", to = \"18:00\"",
                "from = \"06:00\", to = \"22:00\"",
            );
        }
        let scenario = crate::scenario(&text);
        let experiment = Experiment::run(&scenario, 3, replications, false);
        experiment
            .metric(&crate::id("dwell_mean_h"))
            .unwrap()
            .values
            .clone()
    };
    let (v0, va, vb, vab) = (
        with(&[]),
        with(&["loading"]),
        with(&["hours"]),
        with(&["loading", "hours"]),
    );
    let metric = ledger.metric(&crate::id("dwell_mean_h")).unwrap();
    let (loading, hours) = (&metric.reforms[0], &metric.reforms[1]);
    for r in 0..replications as usize {
        // φ_a = ½[(v_a − v_∅) + (v_ab − v_b)], and the same for b.
        let by_hand_a = 0.5 * ((va[r] - v0[r]) + (vab[r] - vb[r]));
        let by_hand_b = 0.5 * ((vb[r] - v0[r]) + (vab[r] - va[r]));
        assert!(
            (loading.per_replication[r] - by_hand_a).abs() < 1e-9,
            "replication {r}"
        );
        assert!(
            (hours.per_replication[r] - by_hand_b).abs() < 1e-9,
            "replication {r}"
        );
        // Efficiency: the shares add up to the change, replication by replication.
        let sum = loading.per_replication[r] + hours.per_replication[r];
        assert!((sum - (vab[r] - v0[r])).abs() < 1e-9, "replication {r}");
    }
    // The case has an interaction: otherwise it would not test the averaging over orders.
    let interaction = &metric.interactions[0].estimate;
    eprintln!(
        "loading {:?}, hours {:?}, interaction {:.3} ± {:.3} h",
        loading.shapley,
        hours.shapley,
        interaction.mean,
        interaction.half_width.unwrap()
    );
    assert!(interaction.mean.abs() > interaction.half_width.unwrap());
    assert!((loading.alone.mean - loading.last.mean).abs() > 0.01);
}

#[test]
fn intervals_of_shares_cover_the_true_shares_about_95_percent_of_the_time() {
    // Exponential services, no waiting: reform `a` halves stage a's mean (20 → 10 min), reform
    // `b` stage b's (30 → 15 min); the true shares are −1/6 h and −1/4 h. A hundred ledgers on
    // different seeds, eight replications each.
    let exponential =
        |minutes: u32| format!("{{ dist = \"exponential\", mean = \"{minutes} min\" }}");
    let base = tandem(&exponential(20), &exponential(30), &exponential(10), 20);
    let reform_a = base.replace(&exponential(20), &exponential(10));
    let reform_b = base.replace(&exponential(30), &exponential(15));
    let scenarios: Vec<landport::Scenario> = [&base, &reform_a, &reform_b]
        .iter()
        .map(|text| crate::scenario(text))
        .collect();
    let both = crate::scenario(&reform_a.replace(&exponential(30), &exponential(15)));
    let truth = [-1.0 / 6.0, -0.25];
    let ledgers = 100;
    let mut covered = [0, 0];
    for seed in 0..ledgers {
        let values: Vec<Vec<f64>> = [&scenarios[0], &scenarios[1], &scenarios[2], &both]
            .iter()
            .map(|scenario| {
                Experiment::run(scenario, 500 + seed, 8, false)
                    .metric(&crate::id("dwell_mean_h"))
                    .unwrap()
                    .values
                    .clone()
            })
            .collect();
        // The ledger's own computation, replication by replication, then its interval.
        let shares: Vec<Vec<f64>> = (0..8)
            .map(|r| {
                landport::ledger::shapley(
                    &(0..4).map(|mask| values[mask][r]).collect::<Vec<_>>(),
                    2,
                )
            })
            .collect();
        for (i, truth) in truth.iter().enumerate() {
            let estimate = landport::experiment::Estimate::of(
                &shares.iter().map(|share| share[i]).collect::<Vec<_>>(),
            );
            covered[i] += usize::from(estimate.contains(*truth));
        }
    }
    println!("shares: {covered:?} of {ledgers} 95% intervals contain the true shares");
    for count in covered {
        assert!(
            count >= 88,
            "only {count} of {ledgers} intervals cover the true share"
        );
        assert!(
            count < ledgers as usize,
            "every interval covers: they are too wide"
        );
    }
}

#[test]
fn a_ledger_in_shards_merges_to_the_bytes_of_one_machine() {
    let dir = tempfile::tempdir().unwrap();
    let exponential =
        |minutes: u32| format!("{{ dist = \"exponential\", mean = \"{minutes} min\" }}");
    let file = ledger_files(
        dir.path(),
        &tandem(&exponential(20), &exponential(30), &exponential(10), 3),
        &[
            ("a", &format!("[stages.a]\nservice = {}\n", exponential(10))),
            ("b", &format!("[stages.b]\nservice = {}\n", exponential(15))),
        ],
        3,
    );
    let whole = dir.path().join("whole");
    run_ledger(&file, &whole);
    let mut shards = Vec::new();
    for shard in ["1/2", "2/2"] {
        let out = dir.path().join(format!("shard-{}", &shard[..1]));
        Command::cargo_bin("landport")
            .unwrap()
            .args([
                "ledger",
                file.to_str().unwrap(),
                "--quiet",
                "--shard",
                shard,
                "--out",
            ])
            .arg(&out)
            .assert()
            .success();
        shards.push(out);
    }
    let merged = dir.path().join("merged");
    Command::cargo_bin("landport")
        .unwrap()
        .arg("merge")
        .args(&shards)
        .args(["--no-plots", "--quiet", "--out"])
        .arg(&merged)
        .assert()
        .success();
    for name in ["ledger.csv", "ledger.json", "sweep.csv", "sweep.json"] {
        assert!(
            fs::read(whole.join(name)).unwrap() == fs::read(merged.join(name)).unwrap(),
            "{name} differs between one machine and merged shards"
        );
    }
}

#[test]
fn the_alashankou_ledger_runs_from_exactly_the_legacy_port_to_exactly_the_reformed_one() {
    let sweep = landport::ledger::load(Path::new("scenarios/ledgers/alashankou.toml")).unwrap();
    let info = &sweep.info;
    assert_eq!(info.keys.len(), 5);
    let all = info.points.len() as u32 - 1;
    for (point, shipped) in [(0, "alashankou-legacy"), (all, "alashankou-reformed")] {
        // The combination's scenario as the ledger makes it, run as `landport run` runs the
        // shipped file: the same seed and replications.
        let scenario = sweep.scenario(point).unwrap();
        let combination = Experiment::run(&scenario, info.base_seed, info.replications, false);
        let file = PathBuf::from(format!("scenarios/{shipped}.toml"));
        let shipped_scenario = landport::scenario::load(&file).unwrap();
        assert_eq!(
            (shipped_scenario.seed(), shipped_scenario.replications()),
            (info.base_seed, info.replications)
        );
        let metrics_csv = |scenario: &landport::Scenario, experiment: &Experiment| {
            let dir = tempfile::tempdir().unwrap();
            landport::output::write_run(dir.path(), &file, scenario, experiment, None).unwrap();
            fs::read(dir.path().join("metrics.csv")).unwrap()
        };
        assert!(
            metrics_csv(&scenario, &combination)
                == metrics_csv(&shipped_scenario, crate::shipped_experiment(shipped)),
            "the ledger's point {point} is not {shipped} byte for byte"
        );
    }
}

#[test]
fn validate_checks_every_combination_of_a_ledger() {
    let assert = Command::cargo_bin("landport")
        .unwrap()
        .args(["validate", "scenarios/ledgers/alashankou.toml"])
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains(
            "valid ledger 'alashankou': 5 reforms, 32 combinations × 20 replications of \
scenarios/alashankou-legacy.toml, every combination's scenario valid"
        ),
        "{stdout}"
    );
}
