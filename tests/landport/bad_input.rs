//! The catalogue of bad input: every file in tests/bad/scenarios (run), tests/bad/sweeps (sweep),
//! tests/bad/optimize (optimize) and tests/bad/ledgers (ledger) ends with `# expect: ` lines, the exact error it must print.
//! Each must exit with code 2, print exactly that, and write nothing. A few cases no file in git can hold (a folder, a missing
//! file, a 10 MB file, a dangling link) are made here.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Runs `landport <command> FILE --out <fresh folder>` and checks the exit code, the exact error
/// and that no results were written; returns the error.
fn refused(command: &str, file: &Path) -> String {
    let out = tempfile::tempdir().unwrap();
    let results = out.path().join("results");
    let assert = Command::cargo_bin("landport")
        .unwrap()
        .arg(command)
        .arg(file)
        .arg("--out")
        .arg(&results)
        .arg("--no-plots")
        .assert();
    let output = assert.get_output();
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}: {stderr}",
        file.display()
    );
    assert!(
        output.stdout.is_empty(),
        "{}: printed results",
        file.display()
    );
    assert!(
        !results.exists(),
        "{}: wrote {}",
        file.display(),
        results.display()
    );
    assert!(!stderr.contains("panicked"), "{}: {stderr}", file.display());
    stderr
}

fn cases(folder: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_bad_file_gives_its_exact_error_exit_2_and_no_results() {
    let mut checked = 0;
    for (folder, command) in [
        ("tests/bad/scenarios", "run"),
        ("tests/bad/sweeps", "sweep"),
        ("tests/bad/optimize", "optimize"),
        ("tests/bad/ledgers", "ledger"),
    ] {
        for file in cases(folder) {
            // Bytes, not text: one case is not UTF-8 on purpose.
            let bytes = fs::read(&file).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            let expected: Vec<&str> = text
                .lines()
                .filter_map(|line| line.strip_prefix("# expect: "))
                .collect();
            assert!(
                !expected.is_empty(),
                "{} has no `# expect:` lines",
                file.display()
            );
            let stderr = refused(command, &file);
            let printed: Vec<&str> = stderr.lines().collect();
            assert_eq!(printed, expected, "{}", file.display());
            // Every problem names the file, the line and column, and the key (syntax errors
            // have no key).
            let name = file.display().to_string();
            let problems: Vec<&&str> = expected
                .iter()
                .filter(|line| line.contains(".toml:"))
                .collect();
            assert!(!problems.is_empty(), "{name}: no problem line");
            for problem in problems {
                let (place, rest) = problem.split_once(": ").unwrap();
                let mut parts = place.rsplitn(3, ':');
                let (column, line) = (parts.next().unwrap(), parts.next().unwrap());
                assert!(
                    line.parse::<usize>().unwrap() > 0 && column.parse::<usize>().unwrap() > 0,
                    "{name}: {problem}"
                );
                assert!(!rest.is_empty(), "{name}: {problem}");
            }
            checked += 1;
        }
    }
    println!("{checked} bad files refused with their exact errors");
    assert!(checked >= 30, "the catalogue has {checked} cases");
}

#[test]
fn files_that_cannot_be_read_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();

    let folder = dir.path().join("folder.toml");
    fs::create_dir(&folder).unwrap();
    let message = refused("run", &folder);
    assert_eq!(
        message.trim_end(),
        format!(
            "error: cannot read scenario {}: it is a folder, not a file",
            folder.display()
        )
    );

    let missing = dir.path().join("missing.toml");
    let message = refused("run", &missing);
    assert!(
        message.starts_with(&format!(
            "error: cannot read scenario {}: ",
            missing.display()
        )),
        "{message}"
    );
    let message = refused("sweep", &missing);
    assert!(
        message.starts_with(&format!(
            "error: cannot read sweep file {}: ",
            missing.display()
        )),
        "{message}"
    );

    let dangling = dir.path().join("dangling.toml");
    std::os::unix::fs::symlink(dir.path().join("gone.toml"), &dangling).unwrap();
    let message = refused("run", &dangling);
    assert!(message.contains("No such file or directory"), "{message}");

    // Ten megabytes: a data file named by mistake. Refused without reading it all.
    let huge = dir.path().join("huge.toml");
    let line = "# a comment line of padding to make the file large, ten megabytes in all .....\n";
    fs::write(&huge, line.repeat(10 * 1024 * 1024 / line.len())).unwrap();
    assert!(fs::metadata(&huge).unwrap().len() >= 10_000_000);
    // A parent that large is refused at the `extends` line that names it.
    let child = dir.path().join("child.toml");
    fs::write(&child, "extends = \"huge.toml\"\nname = \"child\"\n").unwrap();
    let message = refused("run", &child);
    assert!(
        message.contains(&format!(
            "{}:1:11: extends: cannot read parent scenario: {}: more than 1048576 bytes",
            child.display(),
            huge.display()
        )),
        "{message}"
    );
    for command in ["run", "sweep"] {
        let message = refused(command, &huge);
        assert!(
            message.contains(&format!(
                "{}: more than 1048576 bytes (1 MiB): too large for a scenario or sweep file",
                huge.display()
            )),
            "{message}"
        );
    }
}

/// A FIFO wherever landport reads a file (a scenario, an `extends` parent, a sweep file, a sweep's
/// scenario, a results folder's summary.json) is refused at once: opening it would wait for a
/// writer that never comes.
#[test]
fn fifos_are_refused_instead_of_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let bounded = |args: &[&std::ffi::OsStr]| {
        let assert = Command::cargo_bin("landport")
            .unwrap()
            .args(args)
            .timeout(std::time::Duration::from_secs(30))
            .assert();
        let output = assert.get_output();
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        String::from_utf8(output.stderr.clone()).unwrap()
    };
    let message = bounded(&["validate".as_ref(), fifo.as_os_str()]);
    assert!(message.contains("not a regular file"), "{message}");
    let message = bounded(&["sweep".as_ref(), fifo.as_os_str()]);
    assert!(message.contains("not a regular file"), "{message}");

    let child = dir.path().join("child.toml");
    fs::write(&child, "extends = \"fifo.toml\"\nname = \"child\"\n").unwrap();
    let message = bounded(&["validate".as_ref(), child.as_os_str()]);
    assert!(message.contains("not a regular file"), "{message}");

    let study = dir.path().join("study.toml");
    fs::write(
        &study,
        "scenario = \"fifo.toml\"\n[grid]\n\"stages.desk.servers\" = [1]\n",
    )
    .unwrap();
    let message = bounded(&["sweep".as_ref(), study.as_os_str()]);
    assert!(message.contains("not a regular file"), "{message}");

    // A results folder whose summary.json is a FIFO.
    let results = dir.path().join("results");
    fs::create_dir(&results).unwrap();
    fs::write(results.join("metrics.csv"), "metric,mean\n").unwrap();
    std::process::Command::new("mkfifo")
        .arg(results.join("summary.json"))
        .status()
        .unwrap();
    let message = bounded(&["plot".as_ref(), results.as_os_str()]);
    assert!(message.contains("not a regular file"), "{message}");
}
