//! The figures the README shows are the ones the shipped scenarios produce.

use landport::compare::{comparison_table, Comparison};
use landport::experiment::Experiment;
use landport::output::with_interval;

#[test]
fn readme_dwell_table_matches_the_shipped_scenarios() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let mut checked = 0;
    for name in ["alashankou-legacy", "alashankou-reformed"] {
        let row = readme
            .lines()
            .find(|line| line.starts_with(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("README has no row for {name}"));
        let scenario = landport::scenario::load(format!("scenarios/{name}.toml").as_ref()).unwrap();
        // What `landport run` does with the scenario's seed and replications.
        let experiment =
            Experiment::run(&scenario, scenario.seed(), scenario.replications(), false);
        let cell = |metric: &str| with_interval(&experiment.metric(metric).unwrap().estimate, 2);
        let expected = format!(
            "| {name} | {} | {} h | {} h | {} h | {} h |",
            experiment.replications,
            cell("dwell_mean_h"),
            cell("dwell_p50_h"),
            cell("dwell_p90_h"),
            cell("dwell_p95_h"),
        );
        assert_eq!(row, expected, "README row for {name} is stale");
        checked += 1;
    }
    assert_eq!(checked, 2);
}

#[test]
fn readme_comparison_is_what_compare_prints() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let command =
        "`landport compare scenarios/alashankou-legacy.toml scenarios/alashankou-reformed.toml`";
    let after = &readme[readme
        .find(command)
        .expect("README shows the compare command")..];
    let block_start = after.find("```\n").unwrap() + 4;
    let block = &after[block_start..block_start + after[block_start..].find("```").unwrap()];
    let files: Vec<_> = ["alashankou-legacy", "alashankou-reformed"]
        .iter()
        .map(|name| {
            let path = std::path::PathBuf::from(format!("scenarios/{name}.toml"));
            let scenario = landport::scenario::load(&path).unwrap();
            (path, scenario)
        })
        .collect();
    let first = &files[0].1;
    let comparison = Comparison::run(&files, first.seed(), first.replications());
    let printed = comparison_table(&comparison);
    let printed: Vec<&str> = printed.lines().collect();
    let mut checked = 0;
    for line in block.lines().filter(|line| *line != "...") {
        assert!(
            printed.contains(&line),
            "README line not printed by compare:\n{line}"
        );
        checked += 1;
    }
    assert!(checked > 20, "only {checked} lines checked");
}
