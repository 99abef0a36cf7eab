//! Sweep files: grids, lists of points, their checks, and output that ignores the thread count.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use landport::scenario::InputError;
use landport::sweep;

const BASE: &str = r#"name = "desks"
seed = 3
warmup = "1 d"
horizon = "5 d"
replications = 4

[arrivals]
process = "poisson"
rate = "6 trucks per hour"
to = "desk"

[stages.desk]
servers = 2
service = { dist = "exponential", mean = "15 min" }
routes = [{ to = "xray", p = 0.1 }, { to = "exit" }]

[stages.xray]
servers = 1
service = { dist = "constant", value = "5 min" }
routes = [{ to = "exit" }]
"#;

/// A folder with the base scenario and a sweep file; returns the folder and the sweep's path.
fn sweep_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("desks.toml"), BASE).unwrap();
    let path = dir.path().join("study.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// The value of the first varied key at each point, as the tables show it.
fn first_key_values(sweep: &sweep::Sweep) -> Vec<String> {
    sweep
        .info
        .points
        .iter()
        .map(|point| point.values[0].clone())
        .collect()
}

fn problems(path: &Path) -> Vec<String> {
    match sweep::load(path) {
        Ok(sweep) => panic!("expected {sweep:?} to be rejected"),
        Err(InputError::Invalid(problems)) => problems.iter().map(ToString::to_string).collect(),
        Err(error) => panic!("{error}"),
    }
}

#[test]
fn a_grid_makes_every_combination_first_key_slowest() {
    let (_dir, path) = sweep_file(
        r#"scenario = "desks.toml"
[grid]
"stages.desk.servers" = { from = 2, to = 4 }
"stages.desk.routes[0].p" = [0.1, 0.3]
"#,
    );
    let sweep = sweep::load(&path).unwrap();
    assert_eq!(sweep.info.name, "study");
    assert_eq!(sweep.info.replications, 4, "the scenario's replications");
    assert_eq!(sweep.info.base_seed, 3, "the scenario's seed");
    let points: Vec<Vec<String>> = sweep
        .info
        .points
        .iter()
        .map(|point| point.values.clone())
        .collect();
    assert_eq!(
        points,
        [
            ["2", "0.1"],
            ["2", "0.3"],
            ["3", "0.1"],
            ["3", "0.3"],
            ["4", "0.1"],
            ["4", "0.3"]
        ]
    );
    // The values reach the scenario: 3 desks, and 30% of trucks to the X-ray.
    let loads = sweep.scenario(3).unwrap().offered_loads();
    assert_eq!(loads[0].mean_servers, 3.0);
    assert!((loads[1].arrival_rate_per_hour - 1.8).abs() < 1e-12);
}

/// One key has one spelling: two spellings of it are refused, surrounding spaces dropped.
#[test]
fn a_key_written_two_ways_is_refused() {
    let (_dir, path) = sweep_file(
        "scenario = \"desks.toml\"\n[grid]\n\"stages.desk.servers\" = [1]\n\"stages.\\\"desk\\\".servers\" = [2]\n",
    );
    let found = problems(&path);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].ends_with(
            "varies `stages.desk.servers` a second time (written another way): give each key once"
        ),
        "{found:#?}"
    );
    let (_dir, path) = sweep_file(
        "scenario = \"desks.toml\"\n[[points]]\n\"stages.desk.servers\" = 1\n\" stages.desk.servers \" = 2\n",
    );
    assert!(problems(&path)[0].contains("varies `stages.desk.servers` a second time"));
    let (_dir, path) = sweep_file(
        "scenario = \"desks.toml\"\n[grid]\n\" stages.\\\"desk\\\".servers \" = [1, 3]\n",
    );
    let sweep = sweep::load(&path).unwrap();
    assert_eq!(sweep.info.keys, ["stages.desk.servers"]);
    assert_eq!(
        sweep.scenario(1).unwrap().offered_loads()[0].mean_servers,
        3.0
    );
}

/// Integer ranges in integer arithmetic: exact beyond 2^53, where a float would repeat values.
#[test]
fn integer_ranges_are_exact_beyond_two_to_the_53() {
    let (_dir, path) = sweep_file(
        "scenario = \"desks.toml\"\n[grid]\n\"seed\" = { from = 9007199254740993, to = 9007199254740995 }\n",
    );
    let sweep = sweep::load(&path).unwrap();
    let values = first_key_values(&sweep);
    assert_eq!(
        values,
        ["9007199254740993", "9007199254740994", "9007199254740995"]
    );
    let seeds: Vec<u64> = (0..sweep.info.points.len() as u32)
        .map(|point| sweep.scenario(point).unwrap().seed())
        .collect();
    assert_eq!(
        seeds,
        [
            9_007_199_254_740_993,
            9_007_199_254_740_994,
            9_007_199_254_740_995
        ]
    );
}

#[test]
fn a_list_of_points_and_float_ranges() {
    let (_dir, path) = sweep_file(
        r#"scenario = "desks.toml"
name = "listed"
seed = 11
replications = 2
[[points]]
"stages.desk.servers" = 2
"stages.arrivals" = 1
"#,
    );
    assert_eq!(
        problems(&path),
        [format!(
            "{}:7:21: stages.arrivals: unknown key path: {} does not set `stages.arrivals`",
            path.display(),
            path.parent().unwrap().join("desks.toml").display()
        )]
    );
    let (_dir, path) = sweep_file(
        r#"scenario = "desks.toml"
name = "listed"
seed = 11
replications = 2
[[points]]
"stages.desk.servers" = 2
"stages.desk.routes[0].p" = 0.2
[[points]]
"stages.desk.servers" = 5
"stages.desk.routes[0].p" = 0
"#,
    );
    let sweep = sweep::load(&path).unwrap();
    assert_eq!(
        (
            sweep.info.name.as_str(),
            sweep.info.base_seed,
            sweep.info.replications
        ),
        ("listed", 11, 2)
    );
    assert_eq!(sweep.info.points.len(), 2);
    let (_dir, path) = sweep_file(
        "scenario = \"desks.toml\"\n[grid]\n\"stages.desk.routes[0].p\" = { from = 0.1, to = 0.3, step = 0.1 }\n",
    );
    let sweep = sweep::load(&path).unwrap();
    let values = first_key_values(&sweep);
    assert_eq!(values, ["0.1", "0.2", "0.3"]);
}

#[test]
fn bad_sweep_files_name_the_file_line_and_key() {
    let cases: [(&str, &str); 11] = [
        (
            "scenario = \"desks.toml\"\n[[points]]\n\"stages.desk.servers\" = 2\n[[points]]\n\"stages.xray.servers\" = 2\n",
            "4:1: points[1]: sets stages.xray.servers but the first point sets stages.desk.servers",
        ),
        (
            "scenario = \"desks.toml\"\npoints = [{ \"stages.desk.servers\" = 2 }, { \"stages.desk.servers\" = [1] }]\n",
            "2:68: points[1].\"stages.desk.servers\": expected a single value",
        ),
        (
            "scenario = \"desks.toml\"\n[grid]\n\"stages.desk.server\" = [1, 2]\n",
            "3:25: stages.desk.server: unknown key path: ",
        ),
        (
            "scenario = \"desks.toml\"\n[grid]\n\"stages.desk.servers\" = [1, \"two\"]\n",
            "3:29: stages.desk.servers: expected integer like the scenario's value, got string",
        ),
        (
            "scenario = \"desks.toml\"\n[grid]\n\"stages.desk.servers\" = { from = 4, to = 2 }\n",
            "3:25: grid.\"stages.desk.servers\": empty range: from 4 is above to 2",
        ),
        (
            "scenario = \"desks.toml\"\n[grid]\n\"stages.desk.servers\" = []\n",
            "3:25: grid.\"stages.desk.servers\": empty list: give at least one value",
        ),
        (
            "scenario = \"desks.toml\"\n[grid]\n\"stages.desk.servers\" = [2, 0]\n",
            "3:29: stages.desk.servers: must be at least 1, got 0",
        ),
        (
            "scenario = \"desks.toml\"\nreplication = 3\n[grid]\n\"stages.desk.servers\" = [2]\n",
            "2:1: replication: unknown key `replication`: did you mean `replications`?",
        ),
        (
            "scenario = \"nowhere.toml\"\n[grid]\n\"stages.desk.servers\" = [2]\n",
            "1:12: scenario: cannot read scenario ",
        ),
        (
            "scenario = \"desks.toml\"\nreplications = 0\n[grid]\n\"stages.desk.servers\" = [2]\n",
            "2:16: replications: must be between 1 and 100000, got 0",
        ),
        (
            "scenario = \"desks.toml\"\n",
            "1:1: grid: is required: a [grid] of keys to vary, or a list of [[points]]",
        ),
    ];
    for (text, expected) in cases {
        let (_dir, path) = sweep_file(text);
        let shown = problems(&path);
        assert_eq!(shown.len(), 1, "{text}\n{shown:#?}");
        let prefix = format!("{}:{expected}", path.display());
        assert!(
            shown[0].starts_with(&prefix),
            "{text}\n{}\nvs\n{prefix}",
            shown[0]
        );
    }
}

fn landport() -> Command {
    Command::cargo_bin("landport").unwrap()
}

#[test]
fn every_problem_of_a_sweep_file_is_reported_at_once() {
    let (_dir, path) = sweep_file(
        "scenario = \"desks.toml\"\n[grid]\n\"stages.desk.server\" = [1, 2]\n\
         \"stages.xray.servers\" = [2, \"three\"]\n\"stages.desk.routes[0].p\" = { from = 0.5, to = 0.1, step = 0.1 }\n",
    );
    let shown = problems(&path);
    let file = path.display();
    assert_eq!(shown.len(), 3, "{shown:#?}");
    assert!(shown[0].starts_with(&format!(
        "{file}:3:25: stages.desk.server: unknown key path"
    )));
    assert!(shown[1].starts_with(&format!(
        "{file}:4:29: stages.xray.servers: expected integer"
    )));
    assert!(shown[2].starts_with(&format!(
        "{file}:5:29: grid.\"stages.desk.routes[0].p\": empty range: from 0.5 is above to 0.1"
    )));
}

#[test]
fn sweep_output_is_the_same_on_one_thread_and_two() {
    let (dir, path) = sweep_file(
        r#"scenario = "desks.toml"
[grid]
"stages.desk.servers" = { from = 2, to = 3 }
"stages.xray.service.value" = ["5 min", "20 min"]
"#,
    );
    let run = |threads: &str| {
        let out = dir.path().join(format!("out-{threads}"));
        let assert = landport()
            .arg("sweep")
            .arg(&path)
            .args(["--threads", threads, "--out"])
            .arg(&out)
            .assert()
            .success();
        let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
        assert!(stdout.contains("4 points × 4 replications"), "{stdout}");
        // stderr is a pipe here, not a terminal: no progress bar, only the notes of files
        // written and charts drawn.
        let told = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        assert!(
            told.lines()
                .all(|line| line.starts_with("wrote ") || line.starts_with("drew ")),
            "{told}"
        );
        assert!(!stdout.contains("wrote "), "{stdout}");
        (
            std::fs::read(out.join("sweep.csv")).unwrap(),
            std::fs::read(out.join("sweep.json")).unwrap(),
        )
    };
    let one = run("1");
    let two = run("2");
    assert!(one == two, "sweep output depends on the thread count");
    let csv = String::from_utf8(one.0).unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with("point,stages.desk.servers,stages.xray.service.value,replications,mser5_warmup_h,max_offered_load,stable,dwell_mean_h,dwell_mean_h_ci95,"),
        "{header}"
    );
    assert_eq!(
        lines.next().unwrap().split(',').take(4).collect::<Vec<_>>(),
        ["0", "2", "5 min", "4"]
    );
    assert_eq!(csv.lines().count(), 1 + 4);
}

#[test]
fn a_bad_sweep_runs_nothing_and_writes_nothing() {
    let (dir, path) =
        sweep_file("scenario = \"desks.toml\"\n[grid]\n\"stages.desk.servers\" = [2, 0]\n");
    let out = dir.path().join("out");
    let assert = landport()
        .arg("sweep")
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("invalid sweep"), "{stderr}");
    assert!(
        stderr.contains("stages.desk.servers: must be at least 1, got 0"),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn the_shipped_sweep_and_variant_are_valid() {
    let sweep = sweep::load(Path::new("scenarios/sweeps/reformed-inspection.toml")).unwrap();
    assert_eq!(sweep.info.points.len(), 24);
    assert_eq!(sweep.info.replications, 10);
    let variant =
        landport::scenario::load(Path::new("scenarios/variants/reformed-exit-24h.toml")).unwrap();
    assert_eq!(variant.name(), "reformed-exit-24h");
}

/// A point whose offered load is 1 or more is flagged in sweep.csv, sweep.json, on stderr and in
/// report.html: desk load = 6 trucks/h × 0.25 h / servers, 1.5 on one server, 0.75 on two.
#[test]
fn unstable_points_are_flagged_in_every_result() {
    let (dir, path) = sweep_file(
        r#"scenario = "desks.toml"
replications = 2
[grid]
"stages.desk.servers" = [1, 2]
"#,
    );
    let out = dir.path().join("out");
    let assert = Command::cargo_bin("landport")
        .unwrap()
        .arg("sweep")
        .arg(&path)
        .args(["--threads", "1", "--out"])
        .arg(&out)
        .assert()
        .success();
    let told = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        told.contains(
            "warning: 1 of 2 points have a stage at an offered load of 1 or more, whose queue \
grows without bound"
        ) && told.contains("point 0 (stages.desk.servers = 1): 1.500"),
        "{told}"
    );
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().map(|line| line.split(',').collect()).collect();
    let column = |name: &str| rows[0].iter().position(|c| *c == name).unwrap();
    let (load, stable) = (column("max_offered_load"), column("stable"));
    assert_eq!((rows[1][load], rows[1][stable]), ("1.5000", "false"));
    assert_eq!((rows[2][load], rows[2][stable]), ("0.7500", "true"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(json["points"][0]["stable"], false);
    assert_eq!(json["points"][1]["stable"], true);
    // The hash of the runs' inputs, shown with the report's inputs.
    let hash = json["inputs_fnv1a_64"].as_str().unwrap();
    assert!(
        hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()),
        "{hash}"
    );
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        report.contains(&format!("FNV-1a <code>{hash}</code>")),
        "{report}"
    );
    assert!(
        report.contains("<h2>Warnings</h2>")
            && report.contains("point 0 (stages.desk.servers = 1): a stage at offered load 1.500"),
        "{report}"
    );
}

/// A port simulated for 20 years, longer than the 15 the hourly trucks in port keep hour by
/// hour: the run keeps means of 2 hours (in fixed memory), and the sweep, which journals each
/// run's series, suggests the same MSER-5 warm-up for the base point as the run of the base
/// scenario with the same seeds. 3,000 trucks come in the first hour and a desk clears one in
/// 24 minutes: about 1,200 hours of transient, which a series read back unpooled would halve.
#[test]
fn a_run_of_twenty_years_pools_its_hours_and_the_sweep_reads_them_alike() {
    let dir = tempfile::tempdir().unwrap();
    let burst: String = (0..3_000)
        .map(|k| format!("{}\n", f64::from(k) / 3_000.0))
        .collect();
    std::fs::write(
        dir.path().join("burst.csv"),
        format!("arrival_hours\n{burst}"),
    )
    .unwrap();
    let long = dir.path().join("long.toml");
    std::fs::write(
        &long,
        r#"name = "long"
seed = 3
replications = 2
warmup = "30 d"
horizon = "7300 d"
[arrivals]
process = "trace"
file = "burst.csv"
to = "desk"
[stages.desk]
servers = 1
service = { dist = "exponential", mean = "24 min" }
routes = [{ to = "exit" }]
"#,
    )
    .unwrap();
    let scenario = landport::scenario::load(&long).unwrap();
    let run = landport::run_summary(&scenario, 5);
    // 175,920 hours: 131,072 kept, pooled into 65,536 means of 2 hours, then 22,424 more.
    assert_eq!(run.in_port_pooled, 1);
    assert_eq!(run.in_port_hourly.len(), 65_536 + 22_424);
    assert!(run.in_port_hourly.len() < landport::model::IN_PORT_HOURS_KEPT);

    let study = dir.path().join("study.toml");
    std::fs::write(
        &study,
        "scenario = \"long.toml\"\n[grid]\n\"stages.desk.servers\" = [1, 2]\n",
    )
    .unwrap();
    // One shard keeps its journal; merging it reads the runs back from the file.
    let shard = dir.path().join("shard");
    landport()
        .arg("sweep")
        .arg(&study)
        .args(["--shard", "1/1", "--out"])
        .arg(&shard)
        .assert()
        .success();
    let journal = std::fs::read_to_string(shard.join("runs.jsonl")).unwrap();
    assert_eq!(journal.matches("\"in_port_pooled\":1").count(), 4);
    let merged = dir.path().join("merged");
    landport()
        .arg("merge")
        .arg(&shard)
        .args(["--no-plots", "--out"])
        .arg(&merged)
        .assert()
        .success();
    let sweep = std::fs::read_to_string(merged.join("sweep.csv")).unwrap();
    let base_point = sweep.lines().nth(1).unwrap();
    let swept: f64 = base_point.split(',').nth(3).unwrap().parse().unwrap();

    let experiment = landport::experiment::Experiment::run(&scenario, scenario.seed(), 2, false);
    assert_eq!(swept, experiment.warmup.mser5_hours, "{base_point}");
    assert!((1_000.0..1_400.0).contains(&swept), "{base_point}");
    assert_eq!(swept % 10.0, 0.0, "whole batches of five 2-hour means");
}
