//! Sweeps split into shards and merged, interrupted and resumed, and written as Slurm job arrays:
//! every path ends in the bytes of one uninterrupted sweep on one machine.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::Command;

fn landport() -> Command {
    Command::cargo_bin("landport").unwrap()
}

fn stderr(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stderr.clone()).unwrap()
}

/// A folder with an M/M/c desk and a sweep of it: 4 × 3 points, `replications` each.
fn study(replications: u32, days: u32) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("desk.toml"),
        super::mmc(10.0, 10.0, 2, 1, days),
    )
    .unwrap();
    let sweep = dir.path().join("study.toml");
    fs::write(
        &sweep,
        format!(
            r#"scenario = "desk.toml"
replications = {replications}
[grid]
"stages.desk.servers" = {{ from = 2, to = 5 }}
"stages.desk.service.mean" = ["8 min", "10 min", "12 min"]
"#
        ),
    )
    .unwrap();
    (dir, sweep)
}

/// `landport sweep SWEEP ARGS... --out OUT --no-plots`.
fn sweep(file: &Path, out: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    landport()
        .arg("sweep")
        .arg(file)
        .args(args)
        .arg("--out")
        .arg(out)
        .arg("--no-plots")
        .assert()
}

fn same_files(a: &Path, b: &Path) {
    for file in ["sweep.csv", "sweep.json"] {
        assert!(
            fs::read(a.join(file)).unwrap() == fs::read(b.join(file)).unwrap(),
            "{file} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

#[test]
fn merged_shards_are_byte_for_byte_the_single_machine_sweep() {
    let (dir, file) = study(3, 3);
    let single = dir.path().join("single");
    sweep(&file, &single, &[]).success();
    assert!(
        !single.join("runs.jsonl").exists(),
        "a finished sweep drops its journal"
    );

    // The single-machine sweep, read back from its journal, equals the one held in memory.
    let loaded = landport::sweep::load(&file).unwrap();
    let results = landport::sweep::run(&loaded, &|| {}).unwrap();
    let mut csv = Vec::new();
    landport::output::csv::write_sweep(&mut csv, &loaded.info, &results).unwrap();
    assert!(
        csv == fs::read(single.join("sweep.csv")).unwrap(),
        "journal round trip is exact"
    );

    let shards: Vec<PathBuf> = (1..=5)
        .map(|i| dir.path().join(format!("shard-{i}")))
        .collect();
    let mut runs = 0;
    for (i, shard) in shards.iter().enumerate() {
        let assert = sweep(&file, shard, &["--shard", &format!("{}/5", i + 1)]).success();
        let printed = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
        assert!(
            printed.contains(&format!("shard {}/5 of sweep study", i + 1)),
            "{printed}"
        );
        let lines = fs::read_to_string(shard.join("runs.jsonl"))
            .unwrap()
            .lines()
            .count();
        runs += lines - 1;
        assert!(
            (7..=8).contains(&(lines - 1)),
            "36 runs over 5 shards: {lines}"
        );
        let marker = fs::read_to_string(shard.join("shard.json")).unwrap();
        assert!(marker.contains(r#""index": "#) && marker.contains(r#""fingerprint""#));
        assert!(
            !shard.join("sweep.csv").exists(),
            "a shard is a partial result"
        );
    }
    assert_eq!(runs, 36, "every (point, replication) in exactly one shard");
    let merged = dir.path().join("merged");
    // In any order.
    let mut order = shards.clone();
    order.reverse();
    landport()
        .arg("merge")
        .args(&order)
        .arg("--out")
        .arg(&merged)
        .arg("--no-plots")
        .assert()
        .success();
    same_files(&single, &merged);
}

#[test]
fn merge_refuses_missing_foreign_and_unfinished_shards() {
    let (dir, file) = study(2, 2);
    let shard = |i: u32, n: u32| dir.path().join(format!("shard-{i}-of-{n}"));
    for i in 1..=3 {
        sweep(&file, &shard(i, 3), &["--shard", &format!("{i}/3")]).success();
    }
    let merge = |dirs: &[PathBuf]| {
        let assert = landport()
            .arg("merge")
            .args(dirs)
            .arg("--out")
            .arg(dir.path().join("merged"))
            .arg("--no-plots")
            .assert()
            .code(2);
        stderr(&assert)
    };
    let message = merge(&[shard(1, 3), shard(3, 3)]);
    assert!(message.contains("missing shard 2 of 3"), "{message}");
    let message = merge(&[shard(1, 3), shard(1, 3), shard(2, 3)]);
    assert!(message.contains("shard 1/3 is given twice"), "{message}");

    // A shard of the same sweep split into 2.
    let other_split = dir.path().join("halves");
    sweep(&file, &other_split, &["--shard", "1/2"]).success();
    let message = merge(&[shard(1, 3), other_split]);
    assert!(
        message.contains("shard 1/2 is of a split into 2") && message.contains("of a split into 3"),
        "{message}"
    );

    // Shard 2 again after the scenario changed: another scenario version.
    let desk = dir.path().join("desk.toml");
    let text = fs::read_to_string(&desk)
        .unwrap()
        .replace("seed = 1", "seed = 2");
    fs::write(&desk, text).unwrap();
    let changed = dir.path().join("changed");
    sweep(&file, &changed, &["--shard", "2/3"]).success();
    let message = merge(&[shard(1, 3), changed.clone(), shard(3, 3)]);
    assert!(
        message.contains("a shard of another sweep or scenario version"),
        "{message}"
    );

    // A folder that does not exist is named as such.
    let message = merge(&[shard(1, 3), dir.path().join("nowhere"), shard(3, 3)]);
    assert!(message.contains("nowhere: no such folder"), "{message}");

    // Shard 2's journal cut short (its last run lost): blamed on shard 2, not shard 1.
    let journal = shard(2, 3).join("runs.jsonl");
    let text = fs::read_to_string(&journal).unwrap();
    let kept: Vec<&str> = text.lines().collect();
    fs::write(&journal, kept[..kept.len() - 1].join("\n") + "\n").unwrap();
    let message = merge(&[shard(1, 3), shard(2, 3), shard(3, 3)]);
    assert!(
        message.contains(&format!(
            "{}: runs.jsonl lacks 1 runs of shard 2/3",
            shard(2, 3).display()
        )),
        "{message}"
    );
    fs::write(&journal, text).unwrap();

    // A shard that did not finish has no shard.json.
    fs::remove_file(shard(3, 3).join("shard.json")).unwrap();
    let message = merge(&[shard(1, 3), shard(2, 3), shard(3, 3)]);
    assert!(message.contains("not a complete shard"), "{message}");
    assert!(!dir.path().join("merged").exists(), "nothing written");
}

#[test]
fn slurm_writes_a_job_array_script_and_the_merge_command() {
    let (dir, file) = study(2, 2);
    // A folder name the shell would split and run: the printed commands quote it.
    let out = dir.path().join("o/a b;$(touch pwned)");
    let assert = landport()
        .arg("sweep")
        .arg(&file)
        .args([
            "--slurm",
            "--shards",
            "4",
            "--partition",
            "short",
            "--time",
            "00:30:00",
            "--cpus-per-task",
            "2",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let printed = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let script = fs::read_to_string(out.join("sweep.sbatch")).unwrap();
    for line in [
        "#!/bin/bash",
        "#SBATCH --array=1-4",
        "#SBATCH --cpus-per-task=2",
        "#SBATCH --time=00:30:00",
        "#SBATCH --partition=short",
        "#SBATCH --job-name=landport-study",
    ] {
        assert!(
            script.lines().any(|l| l == line),
            "no '{line}' in:\n{script}"
        );
    }
    assert!(
        script.contains(r#"--shard "${SLURM_ARRAY_TASK_ID}/4""#),
        "{script}"
    );
    assert!(script.contains("--resume"), "a requeued task goes on");
    assert!(printed.contains("a job array of 4 tasks"), "{printed}");
    assert!(
        printed.contains(&format!("submit:  sbatch '{}/sweep.sbatch'", out.display())),
        "{printed}"
    );
    assert!(
        printed.contains(&format!("merge '{}'/shard-*-of-4", out.display())),
        "{printed}"
    );
    assert!(!out.join("runs.jsonl").exists(), "--slurm runs nothing");

    // What the script would run, by hand: task 1..4 of the array, then the merge.
    for task in 1..=4 {
        let shard_dir = out.join(format!("shard-{task}-of-4"));
        sweep(
            &file,
            &shard_dir,
            &["--shard", &format!("{task}/4"), "--resume"],
        )
        .success();
    }
    let merged = dir.path().join("merged");
    let shards: Vec<PathBuf> = (1..=4)
        .map(|t| out.join(format!("shard-{t}-of-4")))
        .collect();
    landport()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .arg("--no-plots")
        .assert()
        .success();
    let single = dir.path().join("single");
    sweep(&file, &single, &[]).success();
    same_files(&single, &merged);

    let assert = landport()
        .arg("sweep")
        .arg(&file)
        .args(["--slurm", "--shards", "2", "--time", "1h; rm -rf /"])
        .assert()
        .code(2);
    assert!(stderr(&assert).contains("--time: expected a Slurm time limit"));
}

#[test]
fn a_sweep_stopped_by_its_token_resumes_to_the_same_bytes() {
    use landport::driver::{Options, Outcome, Prepared};
    use landport::engine::StopToken;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let (dir, file) = study(4, 20);
    let sweep = landport::sweep::load(&file).unwrap();
    let out = dir.path().join("stopped");
    let stop = StopToken::new();
    let ended = AtomicUsize::new(0);
    let prepared = Prepared::open(&sweep, &out, Options::default()).unwrap();
    assert_eq!((prepared.total(), prepared.todo()), (48, 48));
    let outcome = prepared
        .run(&stop, &|| {
            if ended.fetch_add(1, Ordering::SeqCst) + 1 == 10 {
                stop.stop();
            }
        })
        .unwrap();
    let journal = out.join("runs.jsonl");
    let Outcome::Interrupted { kept, total } = outcome else {
        panic!("not interrupted: {outcome:?}");
    };
    // Runs that end between the stop and their next look at the token are kept too.
    assert!((10..48).contains(&kept) && total == 48, "{kept} of {total}");
    let mut text = fs::read_to_string(&journal).unwrap();
    assert_eq!(
        text.lines().count() - 1,
        kept,
        "the header and one line a run"
    );
    assert!(
        !out.join("sweep.csv").exists(),
        "no result before the sweep is whole"
    );

    // A crash in the middle of a write leaves half a line: resume runs that run again.
    let torn = text.lines().last().unwrap()[..40].to_string();
    text.push_str(&torn);
    fs::write(&journal, text).unwrap();

    // Starting over by mistake is refused; resuming runs only what is missing.
    let refused = Prepared::open(&sweep, &out, Options::default())
        .err()
        .unwrap();
    assert!(refused.to_string().contains("add --resume"), "{refused}");
    let resume = Options {
        resume: true,
        shard: None,
    };
    let prepared = Prepared::open(&sweep, &out, resume).unwrap();
    assert_eq!(prepared.total() - prepared.todo(), kept);
    let outcome = prepared.run(&StopToken::new(), &|| {}).unwrap();
    assert!(matches!(outcome, Outcome::Complete { .. }), "{outcome:?}");
    assert!(
        !journal.exists(),
        "the journal goes once the results are whole"
    );

    let whole = dir.path().join("whole");
    let prepared = Prepared::open(&sweep, &whole, Options::default()).unwrap();
    prepared.run(&StopToken::new(), &|| {}).unwrap();
    same_files(&whole, &out);
}

/// A trace changed between an interruption and `--resume` is refused: the fingerprint covers the
/// trace's content, not only the scenario text that names it.
#[test]
fn a_changed_trace_is_refused_on_resume() {
    use landport::driver::{Options, Outcome, Prepared};
    use landport::engine::StopToken;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let dir = tempfile::tempdir().unwrap();
    let arrivals: String = (1..=200)
        .map(|k| format!("{}\n", f64::from(k) * 0.3))
        .collect();
    fs::write(
        dir.path().join("arrivals.csv"),
        format!("arrival_hours\n{arrivals}"),
    )
    .unwrap();
    fs::write(
        dir.path().join("desk.toml"),
        "name = \"traced\"\nseed = 1\nhorizon = \"10 d\"\n[arrivals]\nprocess = \"trace\"\n\
file = \"arrivals.csv\"\nto = \"desk\"\n[stages.desk]\nservers = 1\n\
service = { dist = \"exponential\", mean = \"10 min\" }\nroutes = [{ to = \"exit\" }]\n",
    )
    .unwrap();
    let file = dir.path().join("study.toml");
    fs::write(
        &file,
        "scenario = \"desk.toml\"\nreplications = 4\n[grid]\n\"stages.desk.servers\" = [1, 2]\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let loaded = landport::sweep::load(&file).unwrap();
    let stop = StopToken::new();
    let ended = AtomicUsize::new(0);
    let outcome = Prepared::open(&loaded, &out, Options::default())
        .unwrap()
        .run(&stop, &|| {
            if ended.fetch_add(1, Ordering::SeqCst) + 1 == 2 {
                stop.stop();
            }
        })
        .unwrap();
    assert!(
        matches!(outcome, Outcome::Interrupted { .. }),
        "{outcome:?}"
    );
    // One arrival moved by a minute: the same file name, another trace.
    let changed = arrivals.replacen("0.3\n", "0.316667\n", 1);
    fs::write(
        dir.path().join("arrivals.csv"),
        format!("arrival_hours\n{changed}"),
    )
    .unwrap();
    let reloaded = landport::sweep::load(&file).unwrap();
    assert_ne!(reloaded.info.fingerprint, loaded.info.fingerprint);
    let resume = Options {
        resume: true,
        shard: None,
    };
    let refused = Prepared::open(&reloaded, &out, resume).err().unwrap();
    assert!(
        refused
            .to_string()
            .contains("the sweep file or its scenario changed since"),
        "{refused}"
    );
}

/// Every record of a journal is checked when it is read, before anything runs: a record with
/// another sweep's metrics, or with fewer metrics, is refused with its line.
#[test]
fn foreign_records_in_a_journal_are_refused_with_their_line() {
    use landport::driver::{Options, Prepared};
    use landport::engine::StopToken;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let (dir, file) = study(2, 2);
    let loaded = landport::sweep::load(&file).unwrap();
    let out = dir.path().join("out");
    let stop = StopToken::new();
    let ended = AtomicUsize::new(0);
    Prepared::open(&loaded, &out, Options::default())
        .unwrap()
        .run(&stop, &|| {
            if ended.fetch_add(1, Ordering::SeqCst) + 1 == 3 {
                stop.stop();
            }
        })
        .unwrap();
    let journal = out.join("runs.jsonl");
    let text = fs::read_to_string(&journal).unwrap();
    let resume = Options {
        resume: true,
        shard: None,
    };
    let lines: Vec<&str> = text.lines().collect();
    // Line 3 from a sweep whose stage is named `gate`; then line 2 with a metric cut off.
    let foreign = lines[2].replace("\"desk.", "\"gate.");
    let mut record: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    record["metrics"].as_array_mut().unwrap().remove(0);
    let shorter = record.to_string();
    for (number, changed, why) in [
        (
            3,
            foreign,
            "`gate.mean_wait_h` where this sweep measures `desk.mean_wait_h`",
        ),
        (2, shorter, "instead of"),
    ] {
        let mut edited: Vec<String> = lines.iter().map(|line| line.to_string()).collect();
        edited[number - 1] = changed;
        fs::write(&journal, edited.join("\n") + "\n").unwrap();
        let refused = Prepared::open(&loaded, &out, resume)
            .err()
            .unwrap()
            .to_string();
        assert!(
            refused.contains(&format!("runs.jsonl:{number}: not a run of sweep 'study'")),
            "{refused}"
        );
        assert!(refused.contains(why), "{refused}");
    }
}

/// Two sweeps on one folder: the second is refused at once (before it reads the journal, so the
/// hint to add --resume does not lead into the same clash), and runs once the first is done.
#[test]
fn a_folder_in_use_is_refused() {
    use landport::driver::{Options, Outcome, Prepared};
    use landport::engine::StopToken;

    let (dir, file) = study(1, 2);
    let loaded = landport::sweep::load(&file).unwrap();
    let out = dir.path().join("shared");
    let first = Prepared::open(&loaded, &out, Options::default()).unwrap();
    for resume in [false, true] {
        let options = Options {
            resume,
            shard: None,
        };
        let refused = Prepared::open(&loaded, &out, options).err().unwrap();
        let message = refused.to_string();
        assert!(
            message.contains("is in use by another landport"),
            "{message}"
        );
        assert!(!message.contains("--resume"), "{message}");
    }
    // The same through the binary, as a second process.
    let assert = sweep(&file, &out, &["--resume"]).code(2);
    assert!(
        stderr(&assert).contains("is in use by another landport"),
        "{}",
        stderr(&assert)
    );
    let outcome = first.run(&StopToken::new(), &|| {}).unwrap();
    assert!(matches!(outcome, Outcome::Complete { .. }), "{outcome:?}");
    // Released: the folder can be used again; but a finished sweep has nothing to resume.
    let again = Options {
        resume: true,
        shard: None,
    };
    let finished = Prepared::open(&loaded, &out, again)
        .err()
        .unwrap()
        .to_string();
    assert!(finished.contains("holds a finished sweep"), "{finished}");
    assert!(Prepared::open(&loaded, &out, Options::default()).is_ok());
}

#[test]
fn ctrl_c_stops_runs_already_under_way() {
    // Two runs of about a century each, both started at once on two threads: only stopping
    // inside the event loop ends the sweep before they do.
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("desk.toml"),
        super::mmc(10.0, 10.0, 2, 1, 36_500),
    )
    .unwrap();
    let file = dir.path().join("long.toml");
    fs::write(
        &file,
        "scenario = \"desk.toml\"\nreplications = 2\n[grid]\n\"stages.desk.servers\" = [2]\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("landport"))
        .arg("sweep")
        .arg(&file)
        .args(["--threads", "2", "--no-plots", "--out"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The journal's header is written before any run starts.
    let journal = out.join("runs.jsonl");
    let start = Instant::now();
    while !journal.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the sweep did not start"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(200));
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let message = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(130), "{message}");
    assert!(
        message.contains("interrupted: 0 of 2 runs are kept"),
        "{message}"
    );
    assert!(message.contains("--resume` runs the rest"), "{message}");
}
