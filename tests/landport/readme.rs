//! The figures the README shows are the ones the shipped scenarios produce.

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
        let dwell = landport::run_summary(&scenario, scenario.seed()).dwell;
        let expected = format!(
            "| {name} | {} | {:.2} h | {:.2} h | {:.2} h | {:.2} h |",
            dwell.trucks, dwell.mean_hours, dwell.p50_hours, dwell.p90_hours, dwell.p95_hours
        );
        assert_eq!(row, expected, "README row for {name} is stale");
        checked += 1;
    }
    assert_eq!(checked, 2);
}
