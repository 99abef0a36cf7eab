//! The figures the README shows are the ones the shipped scenarios produce.

use landport::compare::Comparison;
use landport::output::table::comparison_table;
use landport::output::table::with_interval;

#[test]
fn readme_dwell_table_matches_the_shipped_scenarios() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let mut checked = 0;
    for name in [
        "alashankou-legacy",
        "alashankou-reformed",
        "horgos-legacy",
        "horgos-reformed",
    ] {
        let row = readme
            .lines()
            .find(|line| line.starts_with(&format!("| {name} |")))
            .unwrap_or_else(|| panic!("README has no row for {name}"));
        // What `landport run` does with the scenario's seed and replications.
        let experiment = crate::shipped_experiment(name);
        let cell = |metric: &str| {
            with_interval(&experiment.metric(&crate::id(metric)).unwrap().estimate, 2)
        };
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
    assert_eq!(checked, 4);
}

/// Each README command of the form `` `landport <command> ARGS` `` followed by a code block, with
/// the block's lines ("..." marks a cut).
fn shown_outputs(command: &str) -> Vec<(Vec<String>, Vec<String>)> {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let marker = format!("`landport {command} ");
    let mut shown = Vec::new();
    let mut rest = readme.as_str();
    while let Some(start) = rest.find(&marker) {
        let after = &rest[start + marker.len()..];
        let end = after.find('`').unwrap();
        let args: Vec<String> = after[..end].split_whitespace().map(String::from).collect();
        let following = &after[end..];
        let next_command = following.find("`landport ").unwrap_or(following.len());
        if let Some(open) = following.find("```\n").filter(|&open| open < next_command) {
            // A block inside a list item is indented as far as its fence.
            let indent = following[..open]
                .rsplit('\n')
                .next()
                .map_or(0, |before| before.len());
            let body = &following[open + 4..];
            let block = &body[..body.find("```").unwrap()];
            let lines = block
                .lines()
                .map(|line| line.get(indent..).unwrap_or(line))
                .filter(|line| *line != "...")
                .map(String::from)
                .collect();
            shown.push((args, lines));
        }
        rest = &after[end..];
    }
    shown
}

fn assert_printed(shown: &[String], printed: &str, what: &str) {
    let printed: Vec<&str> = printed.lines().collect();
    for line in shown {
        assert!(
            printed.contains(&line.as_str()),
            "README line not printed by {what}:\n{line}"
        );
    }
    assert!(
        shown.len() >= 3,
        "only {} lines checked for {what}",
        shown.len()
    );
}

/// What `landport compare` makes of shipped scenarios: every variant runs the first one's seed and
/// replications, so each is the shared experiment of its own file when they have the same seed.
fn shipped_comparison(files: &[(std::path::PathBuf, landport::Scenario)]) -> Comparison {
    let first = &files[0].1;
    let variants = files
        .iter()
        .map(|(path, scenario)| {
            assert_eq!(scenario.seed(), first.seed(), "{}", path.display());
            assert_eq!(scenario.replications(), first.replications());
            let name = path
                .strip_prefix("scenarios")
                .unwrap()
                .with_extension("")
                .to_string_lossy()
                .into_owned();
            landport::compare::Variant {
                name: scenario.name().to_string(),
                file: path.clone(),
                experiment: crate::shipped_experiment(&name).clone(),
            }
        })
        .collect();
    Comparison::of(variants, first.seed(), first.replications().max(2))
}

#[test]
fn readme_comparisons_are_what_compare_prints() {
    let shown = shown_outputs("compare");
    assert_eq!(shown.len(), 3, "the README shows three comparisons");
    for (args, lines) in shown {
        let files: Vec<_> = args
            .iter()
            .map(|file| {
                let path = std::path::PathBuf::from(file);
                let scenario = landport::scenario::load(&path).unwrap();
                (path, scenario)
            })
            .collect();
        let comparison = shipped_comparison(&files);
        assert_printed(&lines, &comparison_table(&comparison), &args.join(" "));
    }
}

#[test]
fn readme_sweep_is_what_sweep_prints() {
    let shown = shown_outputs("sweep");
    assert_eq!(shown.len(), 4, "the README shows four sweeps");
    for (args, lines) in shown {
        let sweep = landport::sweep::load(args[0].as_ref()).unwrap();
        let results = landport::sweep::run(&sweep, &|| {}).unwrap();
        assert_printed(
            &lines,
            &landport::output::table::sweep_table(&sweep.info, &results),
            &args[0],
        );
    }
}

#[test]
fn readme_charts_are_what_compare_draws() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let folder = "output/compare-alashankou-legacy-vs-alashankou-reformed";
    let out = tempfile::tempdir().unwrap();
    // What `landport compare scenarios/alashankou-legacy.toml scenarios/alashankou-reformed.toml`
    // does after simulating: write the results, then draw from them.
    let files: Vec<_> = ["alashankou-legacy", "alashankou-reformed"]
        .iter()
        .map(|name| {
            let path = std::path::PathBuf::from(format!("scenarios/{name}.toml"));
            let scenario = landport::scenario::load(&path).unwrap();
            (path, scenario)
        })
        .collect();
    let comparison = shipped_comparison(&files);
    let scenarios: Vec<&landport::Scenario> = files.iter().map(|(_, scenario)| scenario).collect();
    landport::output::write_comparison(out.path(), &scenarios, &comparison, Vec::new()).unwrap();
    landport::report::plot(out.path(), &landport::report::PlotOptions::default()).unwrap();
    for chart in ["dwell-distribution.png", "time-breakdown.png"] {
        let committed = format!("{folder}/{chart}");
        assert!(
            readme.contains(&format!("]({committed})")),
            "README shows {committed}"
        );
        let drawn = std::fs::read(out.path().join(chart)).unwrap();
        assert!(
            std::fs::read(&committed).unwrap() == drawn,
            "{committed} is stale: run the compare command in the README"
        );
    }
}
