//! The built binary: commands, exit codes, files written.

use std::path::Path;

use assert_cmd::Command;

fn landport() -> Command {
    Command::cargo_bin("landport").unwrap()
}

fn stdout(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stdout.clone()).unwrap()
}

fn stderr(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stderr.clone()).unwrap()
}

/// A scenario file `<name>.toml` with one desk, in a temporary directory kept alive by the caller.
fn one_desk(name: &str, servers: &str, mean: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("{name}.toml"));
    let text = format!(
        r#"name = "{name}"
seed = 1
horizon = "1 d"
[arrivals]
process = "poisson"
rate = "10 trucks per hour"
to = "desk"
[stages.desk]
{servers}
service = {{ dist = "exponential", mean = "{mean}" }}
routes = [{{ to = "exit" }}]
"#
    );
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

#[test]
fn run_writes_the_result_files() {
    let out = tempfile::tempdir().unwrap();
    let assert = landport()
        .args(["run", "scenarios/alashankou-reformed.toml", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let stdout = stdout(&assert);
    assert!(stdout.contains("dwell, arrival to exit (h)"), "{stdout}");
    let trucks = std::fs::read_to_string(out.path().join("trucks.csv")).unwrap();
    let header = trucks.lines().next().unwrap();
    assert!(
        header.starts_with("truck,arrival_h,loading.queued_h,loading.started_h"),
        "{header}"
    );
    assert!(
        header.ends_with("declaration_accepted_h,released_h,channel,exit_h,dwell_h,path"),
        "{header}"
    );
    assert!(trucks.lines().count() > 1000);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["scenario"], "alashankou-reformed");
    assert_eq!(summary["base_seed"], 2025);
    let replications = summary["replications"].as_u64().unwrap();
    assert_eq!(
        summary["runs"].as_array().unwrap().len() as u64,
        replications
    );
    assert_eq!(summary["runs"][0]["horizon_hours"], 30.0 * 24.0);
    assert_eq!(
        summary["runs"][0]["seed"],
        landport::experiment::replication_seed(2025, 0)
    );
    assert_eq!(summary["landport_version"], env!("CARGO_PKG_VERSION"));
    let stages = std::fs::read_to_string(out.path().join("stages.csv")).unwrap();
    assert_eq!(stages.lines().count() as u64, 1 + 6 * replications);
    let metrics = std::fs::read_to_string(out.path().join("metrics.csv")).unwrap();
    assert!(metrics
        .starts_with("metric,mean,ci95_half_width,ci95_low,ci95_high,replications\ndwell_mean_h,"));
    let per_replication = std::fs::read_to_string(out.path().join("replications.csv")).unwrap();
    assert_eq!(per_replication.lines().count() as u64, 1 + replications);
    assert!(std::fs::read_dir(out.path()).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".partial")));
}

#[test]
fn same_seed_gives_identical_bytes_and_another_seed_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let run = |seed: &str, name: &str| {
        let out = dir.path().join(name);
        landport()
            .args([
                "run",
                "scenarios/alashankou-legacy.toml",
                "--seed",
                seed,
                "--replications",
                "3",
                "--no-plots",
                "--out",
            ])
            .arg(&out)
            .assert()
            .success();
        (
            std::fs::read(out.join("trucks.csv")).unwrap(),
            std::fs::read(out.join("summary.json")).unwrap(),
        )
    };
    let first = run("7", "a");
    let again = run("7", "b");
    let other = run("8", "c");
    assert!(first == again, "same seed gave different output");
    assert_ne!(first.0, other.0);
}

#[test]
fn validate_prints_offered_loads() {
    let assert = landport()
        .args(["validate", "scenarios/alashankou-legacy.toml"])
        .assert()
        .success();
    let stdout = stdout(&assert);
    assert!(stdout.contains("offered load"), "{stdout}");
    // Declaration: 16 trucks/h × 4 h over 320 files open 8 h on 5 days of 7 (76.19 on average).
    let declaration = stdout
        .lines()
        .find(|line| line.starts_with("declaration"))
        .unwrap();
    let fields: Vec<&str> = declaration.split_whitespace().collect();
    assert_eq!(
        fields,
        ["declaration", "16.000", "4.0000", "76.19", "0.840"],
        "{stdout}"
    );
}

#[test]
fn validate_warns_about_an_overloaded_stage() {
    let (_dir, path) = one_desk("overloaded", "servers = 1", "10 min");
    let assert = landport().arg("validate").arg(&path).assert().success();
    let stderr = stderr(&assert);
    assert!(
        stderr.contains("stage 'desk': offered load 1.667 is at or above 1"),
        "{stderr}"
    );
}

#[test]
fn invalid_scenarios_exit_2_with_every_problem() {
    let (_dir, path) = one_desk("bad", "servers = 0", "-3 min");
    for command in ["validate", "run"] {
        let assert = landport().arg(command).arg(&path).assert().code(2);
        let stderr = stderr(&assert);
        assert!(
            stderr.contains("bad.toml:9:11: stages.desk.servers: must be at least 1, got 0"),
            "{stderr}"
        );
        assert!(
            stderr.contains("bad.toml:10:42: stages.desk.service.mean:"),
            "{stderr}"
        );
        assert!(stderr.contains("2 problems found"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let assert = landport()
        .args(["run", "no/such/scenario.toml"])
        .assert()
        .code(2);
    let stderr = stderr(&assert);
    assert!(
        stderr.contains("cannot read scenario no/such/scenario.toml"),
        "{stderr}"
    );
}

#[test]
fn help_explains_each_command_with_an_example() {
    for command in [
        "run", "validate", "compare", "sweep", "merge", "plot", "show", "init",
    ] {
        let assert = landport().args([command, "--help"]).assert().success();
        let stdout = stdout(&assert);
        assert!(stdout.contains("Example"), "{command} --help:\n{stdout}");
    }
}

#[test]
fn compare_writes_differences_from_the_first_variant() {
    let (_one_dir, one) = one_desk("one-desk", "servers = 1", "5 min");
    let (_two_dir, two) = one_desk("two-desks", "servers = 2", "5 min");
    let out = tempfile::tempdir().unwrap();
    let assert = landport()
        .arg("compare")
        .args([&one, &two])
        .args(["--replications", "5", "--out"])
        .arg(out.path())
        .assert()
        .success();
    let stdout = stdout(&assert);
    assert!(stdout.contains("Δ two-desks"), "{stdout}");
    assert!(stdout.contains("where the time goes"), "{stdout}");
    let csv = std::fs::read_to_string(out.path().join("compare.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "metric,variant,mean,ci95_half_width,ci95_low,ci95_high,difference,\
difference_ci95_half_width,difference_ci95_low,difference_ci95_high,change_percent"
    );
    let first = lines.next().unwrap();
    assert!(first.starts_with("dwell_mean_h,one-desk,"), "{first}");
    assert!(
        first.ends_with(",,,,,"),
        "the first variant has no difference: {first}"
    );
    // Read back by column name, as `landport plot` reads it.
    let rows = landport::output::csv::read_rows::<landport::output::csv::CompareRow>(
        &out.path().join("compare.csv"),
    )
    .unwrap()
    .unwrap();
    let second = &rows[1];
    assert_eq!(
        (second.metric.to_string().as_str(), second.variant.as_str()),
        ("dwell_mean_h", "two-desks")
    );
    let difference = second.difference.unwrap();
    assert!(
        difference < 0.0,
        "a second desk shortens the dwell: {second:?}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("compare.json")).unwrap())
            .unwrap();
    assert_eq!(json["replications"], 5);
    assert_eq!(json["variants"][1]["name"], "two-desks");
    assert_eq!(
        json["variants"][1]["differences"][0]["name"],
        "dwell_mean_h"
    );
}

#[test]
fn compare_refuses_two_variants_of_one_name() {
    let (_dir, one) = one_desk("same", "servers = 1", "5 min");
    let assert = landport()
        .arg("compare")
        .args([&one, &one])
        .assert()
        .code(2);
    let stderr = stderr(&assert);
    assert!(stderr.contains("are both named 'same'"), "{stderr}");
}

#[test]
fn one_replication_reruns_alone() {
    let (dir, path) = one_desk("rerun", "servers = 1", "5 min");
    let all = dir.path().join("all");
    landport()
        .arg("run")
        .arg(&path)
        .args(["--replications", "3", "--out"])
        .arg(&all)
        .assert()
        .success();
    let alone = dir.path().join("alone");
    let assert = landport()
        .arg("run")
        .arg(&path)
        .args(["--replication", "2", "--out"])
        .arg(&alone)
        .assert()
        .success();
    let stdout = stdout(&assert);
    assert!(stdout.contains("(replication 2 alone, seed "), "{stdout}");
    assert!(stdout.contains("\nreplication 2 (seed "), "{stdout}");
    assert!(!stdout.contains("first replication"), "{stdout}");
    // Row 2 of the experiment's replications.csv is the lone run's only row.
    let lone = std::fs::read_to_string(alone.join("replications.csv")).unwrap();
    assert!(lone.lines().nth(1).unwrap().starts_with("2,"), "{lone}");
    let rows = |dir: &std::path::Path| {
        std::fs::read_to_string(dir.join("replications.csv"))
            .unwrap()
            .lines()
            .map(|line| line.split(',').skip(1).collect::<Vec<_>>().join(","))
            .collect::<Vec<_>>()
    };
    let (all_rows, alone_rows) = (rows(&all), rows(&alone));
    assert_eq!(alone_rows.len(), 2);
    assert_eq!(alone_rows[1], all_rows[3]);
}

#[test]
fn records_none_keeps_statistics_only_and_says_its_peak_memory() {
    let (dir, path) = one_desk("desk", "servers = 2", "5 min");
    let out = dir.path().join("out");
    let assert = landport()
        .arg("run")
        .arg(&path)
        .args(["--records", "none", "-n", "3", "--no-plots", "--out"])
        .arg(&out)
        .assert()
        .success();
    let printed = stdout(&assert);
    assert!(!out.join("trucks.csv").exists(), "no per-truck records");
    for file in [
        "stages.csv",
        "metrics.csv",
        "queues.csv",
        "dwell_histogram.csv",
        "summary.json",
    ] {
        assert!(out.join(file).exists(), "{file}");
    }
    assert!(
        printed.contains("relative error under 0.1%"),
        "the percentile error is stated: {printed}"
    );
    // Notes about the work go to stderr, results alone to stdout.
    let told = stderr(&assert);
    let peak = told
        .lines()
        .find_map(|line| line.strip_prefix("peak resident memory: "))
        .expect("peak memory told");
    assert!(peak.ends_with(" MiB"), "{peak}");
    assert!(told.contains(&format!("wrote {}", out.join("metrics.csv").display())));
    assert!(
        !printed.contains("wrote ") && !printed.contains("peak"),
        "{printed}"
    );
    // --quiet: nothing but warnings and errors (there are none here), the files all the same.
    let quiet = dir.path().join("quiet");
    let assert = landport()
        .arg("run")
        .arg(&path)
        .args([
            "--records",
            "none",
            "-n",
            "3",
            "--no-plots",
            "--quiet",
            "--out",
        ])
        .arg(&quiet)
        .assert()
        .success();
    assert!(stdout(&assert).is_empty(), "{}", stdout(&assert));
    assert!(stderr(&assert).is_empty(), "{}", stderr(&assert));
    assert_eq!(
        std::fs::read(quiet.join("metrics.csv")).unwrap(),
        std::fs::read(out.join("metrics.csv")).unwrap()
    );
    // The same statistics as with records.
    let with = dir.path().join("with");
    landport()
        .arg("run")
        .arg(&path)
        .args(["-n", "3", "--no-plots", "--out"])
        .arg(&with)
        .assert()
        .success();
    assert_eq!(
        std::fs::read(out.join("metrics.csv")).unwrap(),
        std::fs::read(with.join("metrics.csv")).unwrap()
    );
    assert!(with.join("trucks.csv").exists());
}

/// A run into the folder of an earlier one leaves nothing of the earlier run: no trucks.csv when
/// the new run keeps no records, no charts or report.html when it draws none.
#[test]
fn a_run_into_an_earlier_runs_folder_does_not_mix_them() {
    let (dir, path) = one_desk("desk", "servers = 2", "5 min");
    let out = dir.path().join("out");
    landport()
        .arg("run")
        .arg(&path)
        .args(["--replications", "2", "--out"])
        .arg(&out)
        .assert()
        .success();
    let listed = |dir: &std::path::Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let before = listed(&out);
    assert!(before.contains(&"trucks.csv".to_string()), "{before:?}");
    assert!(before.contains(&"report.html".to_string()), "{before:?}");
    assert!(
        before.iter().any(|name| name.ends_with(".png")),
        "{before:?}"
    );
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    landport()
        .arg("run")
        .arg(&path)
        .args([
            "--replications",
            "2",
            "--seed",
            "9",
            "--records",
            "none",
            "--no-plots",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    assert_eq!(
        listed(&out),
        [
            "daily.csv",
            "dwell_histogram.csv",
            "metrics.csv",
            "notes.txt",
            "queues.csv",
            "replications.csv",
            "stages.csv",
            "summary.json"
        ],
        "only the new run's files, and the user's own"
    );
}

/// Two scenario files with the same `name` write into one folder: the second says that it
/// replaces the first's results; running the same file again says nothing.
#[test]
fn a_run_into_the_folder_of_another_file_of_the_same_name_says_so() {
    let (first_dir, first) = one_desk("twin", "servers = 2", "5 min");
    let (_second_dir, second) = one_desk("twin", "servers = 3", "5 min");
    let out = first_dir.path().join("out");
    let run = |file: &std::path::Path| {
        landport()
            .args(["run", "--no-plots", "-n", "2"])
            .arg(file)
            .arg("--out")
            .arg(&out)
            .assert()
            .success()
    };
    assert!(!stderr(&run(&first)).contains("warning"));
    assert!(
        !stderr(&run(&first)).contains("warning"),
        "the same file again"
    );
    let said = stderr(&run(&second));
    assert!(
        said.contains(&format!(
            "held the results of {}, another scenario file named 'twin': they are replaced",
            first.display()
        )),
        "{said}"
    );
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(summary.contains(&format!("\"file\": \"{}\"", second.display())));
}

/// A comparison into the folder of an earlier one leaves no folder of a variant it does not have.
#[test]
fn a_comparison_clears_the_variants_of_an_earlier_one() {
    let (dir, a) = one_desk("a", "servers = 2", "5 min");
    let (_b_dir, b) = one_desk("b", "servers = 3", "5 min");
    let (_c_dir, c) = one_desk("c", "servers = 4", "5 min");
    let out = dir.path().join("out");
    for variants in [[&a, &b], [&a, &c]] {
        landport()
            .args(["compare", "--no-plots", "-n", "2"])
            .args(variants)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
    }
    assert!(out.join("a/summary.json").is_file());
    assert!(out.join("c/summary.json").is_file());
    assert!(
        !out.join("b").exists(),
        "variant b is not in the second comparison"
    );
}

/// A sweep of more points than are checked ahead checks each key's every value before it runs,
/// and every other point as it runs: a point whose values clash stops the sweep with its values
/// and its problem, exit 2, and the runs done kept. (One thread, so that the points run in order.)
#[test]
fn a_large_sweep_checks_each_point_as_it_runs() {
    let (dir, port) = one_desk("wide", "servers = 2", "5 min");
    let text = std::fs::read_to_string(&port)
        .unwrap()
        .replace(
            "routes = [{ to = \"exit\" }]",
            "routes = [{ to = \"exit\", p = 0.3 }, { to = \"desk\", p = 0.3 }, { to = \"exit\" }]",
        )
        .replace("horizon = \"1 d\"", "horizon = \"2 h\"\nreplications = 1");
    std::fs::write(&port, text).unwrap();
    let sweep = dir.path().join("wide-sweep.toml");
    // 5,001 × 2 × 2 points, seed slowest: points 0 to 2 are valid, point 3 gives its first two
    // routes p = 0.55 + 0.55. Every value alone (with the other keys at their first) is valid.
    std::fs::write(
        &sweep,
        "scenario = \"wide.toml\"\n[grid]\n\"seed\" = { from = 1, to = 5001 }\n\
\"stages.desk.routes[0].p\" = [0.3, 0.55]\n\"stages.desk.routes[1].p\" = [0.3, 0.55]\n",
    )
    .unwrap();
    const { assert!(5001 * 4 > landport::sweep::CHECK_AHEAD) };
    let out = dir.path().join("out");
    let assert = landport()
        .args(["sweep", "--quiet", "--no-plots", "--threads", "1"])
        .arg(&sweep)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
    let said = stderr(&assert);
    assert!(
        said.contains(
            "invalid sweep: point 3 (seed = 1, stages.desk.routes[0].p = 0.55, \
stages.desk.routes[1].p = 0.55) is not a valid scenario:"
        ),
        "{said}"
    );
    assert!(
        said.contains("stages.desk.routes: the given probabilities sum to 1.1"),
        "{said}"
    );
    let journal = std::fs::read_to_string(out.join("runs.jsonl")).unwrap();
    assert_eq!(journal.lines().count(), 4, "the header and points 0 to 2");
    assert!(!out.join("sweep.csv").exists());
    // `validate` checks every point before anything runs, and names the first invalid one.
    let assert = landport().arg("validate").arg(&sweep).assert().code(2);
    let said = stderr(&assert);
    assert!(
        said.contains("invalid sweep: point 3 (seed = 1, stages.desk.routes[0].p = 0.55,"),
        "{said}"
    );
}

/// `validate` tells a sweep file from a scenario and checks every point of it; a scenario of one
/// stage has "1 stage".
#[test]
fn validate_checks_a_sweep_file_whole() {
    let assert = landport()
        .args(["validate", "scenarios/sweeps/reformed-inspection.toml"])
        .assert()
        .success();
    assert_eq!(
        stdout(&assert),
        "scenarios/sweeps/reformed-inspection.toml: valid sweep 'reformed-inspection': 24 points × \
10 replications of scenarios/alashankou-reformed.toml, every point's scenario valid\n"
    );
    let (_dir, path) = one_desk("single", "servers = 2", "5 min");
    let assert = landport().arg("validate").arg(&path).assert().success();
    assert!(stdout(&assert).contains("valid scenario 'single' with 1 stage\n"));
}

/// An unstable stage's warning is kept with the results: summary.json and report.html (one
/// server at 10 trucks/h × 7 min: offered load 7/6); a stable stage gets none.
#[test]
fn run_keeps_its_warnings_in_summary_json_and_the_report() {
    let (dir, path) = one_desk("busy", "servers = 1", "7 min");
    let out = dir.path().join("out");
    landport()
        .arg("run")
        .arg(&path)
        .args(["-n", "2", "--out"])
        .arg(&out)
        .assert()
        .success();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        summary["warnings"][0],
        "stage 'desk': offered load 1.167 is at or above 1: its queue grows without bound"
    );
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        report.contains("<li>stage 'desk': offered load 1.167 is at or above 1"),
        "{report}"
    );
    let (dir, path) = one_desk("calm", "servers = 2", "7 min");
    let out = dir.path().join("out");
    landport()
        .arg("run")
        .arg(&path)
        .args(["-n", "2", "--no-plots", "--out"])
        .arg(&out)
        .assert()
        .success();
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(!summary.contains("offered load 0."), "{summary}");
    assert!(!summary.contains("is at or above 1"), "{summary}");
}

/// `show` prints the merged scenario with each value's origin; saved, it is the same scenario:
/// the same results, byte for byte.
#[test]
fn show_prints_the_merged_scenario_with_origins() {
    let variant = "scenarios/variants/reformed-exit-24h.toml";
    let assert = landport().args(["show", variant]).assert().success();
    let shown = stdout(&assert);
    assert!(
        shown.contains(&format!("name = \"reformed-exit-24h\"   # {variant}:7")),
        "{shown}"
    );
    assert!(
        shown.contains("seed = 2025   # scenarios/variants/../alashankou-legacy.toml:"),
        "{shown}"
    );
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("shown.toml");
    std::fs::write(&saved, &shown).unwrap();
    let metrics = |file: &Path, out: &str| {
        let out = dir.path().join(out);
        landport()
            .arg("run")
            .arg(file)
            .args([
                "-n",
                "2",
                "--records",
                "none",
                "--no-plots",
                "--quiet",
                "--out",
            ])
            .arg(&out)
            .assert()
            .success();
        std::fs::read(out.join("metrics.csv")).unwrap()
    };
    assert_eq!(metrics(Path::new(variant), "a"), metrics(&saved, "b"));
}

/// `init` writes a valid, commented scenario and never overwrites a file.
#[test]
fn init_writes_a_scenario_to_start_from() {
    let dir = tempfile::tempdir().unwrap();
    landport()
        .args(["init", "my-port", "--dir"])
        .arg(dir.path())
        .assert()
        .success();
    let path = dir.path().join("my-port.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("name = \"my-port\""), "{text}");
    let scenario = landport::scenario::load(&path).expect("the template is valid");
    assert_eq!(scenario.name(), "my-port");
    let again = landport()
        .args(["init", "my-port", "--dir"])
        .arg(dir.path())
        .assert()
        .code(2);
    assert!(
        stderr(&again).contains("exists: it is left alone"),
        "{}",
        stderr(&again)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text, "left alone");
    let bad = landport().args(["init", "my port"]).assert().code(2);
    assert!(
        stderr(&bad).contains("must be letters, digits"),
        "{}",
        stderr(&bad)
    );
}

/// Trucks cut off by the end of the run are named: an M/G/∞ desk (100 servers, 10 trucks/h)
/// with 5 h services keeps λ·E[min(S, 24 h)] ≈ 10 × 4.96 = 50 of the 240 trucks of a 24-hour
/// run in the port at its end (21%, above the 5% threshold); with 5-minute services, 0.8 (0.3%).
#[test]
fn trucks_left_in_the_port_at_the_end_are_warned_about() {
    let (dir, path) = one_desk("long", "servers = 100", "5 h");
    let out = dir.path().join("out");
    let assert = landport()
        .arg("run")
        .arg(&path)
        .args(["-n", "4", "--no-plots", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert!(
        stderr(&assert).contains("were still in the port at the end"),
        "{}",
        stderr(&assert)
    );
    let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
    assert!(
        summary.contains("were still in the port at the end"),
        "{summary}"
    );
    let (dir, path) = one_desk("short", "servers = 100", "5 min");
    let out = dir.path().join("out");
    let assert = landport()
        .arg("run")
        .arg(&path)
        .args(["-n", "4", "--no-plots", "--out"])
        .arg(&out)
        .assert()
        .success();
    assert!(
        !stderr(&assert).contains("still in the port"),
        "{}",
        stderr(&assert)
    );
}

/// `show` on a sweep file says what it takes instead of listing the sweep's keys as unknown.
#[test]
fn show_refuses_a_sweep_file_by_name() {
    let assert = landport()
        .args(["show", "scenarios/sweeps/reformed-inspection.toml"])
        .assert()
        .code(2);
    assert!(
        stderr(&assert).contains("is a sweep file: `landport show` takes a scenario"),
        "{}",
        stderr(&assert)
    );
}
