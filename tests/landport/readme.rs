//! The figures the README shows are the ones the shipped scenarios produce.

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
