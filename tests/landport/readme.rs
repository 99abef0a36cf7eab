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
            // Up to the closing fence, without the fence's own indentation.
            let block = body[..body.find("```").unwrap()].trim_end_matches(' ');
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
    assert_eq!(shown.len(), 7, "the README shows seven comparisons");
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
    assert_eq!(shown.len(), 5, "the README shows five sweeps");
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
fn readme_corridor_run_is_what_run_prints() {
    let shown = shown_outputs("run");
    let (_, lines) = shown
        .iter()
        .find(|(args, _)| args[..] == ["scenarios/corridor/corridor.toml"])
        .expect("the README shows the corridor's run");
    let experiment = crate::shipped_experiment("corridor/corridor");
    assert_printed(
        lines,
        &landport::output::table::summary_table(experiment),
        "run scenarios/corridor/corridor.toml",
    );
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

#[test]
fn readme_optimization_is_what_optimize_prints_and_draws() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let shown = shown_outputs("optimize");
    assert_eq!(shown.len(), 1, "the README shows one optimisation");
    let (args, lines) = &shown[0];
    let optimization = landport::optimize::load(args[0].as_ref()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let outcome = landport::driver::optimize(
        &optimization,
        out.path(),
        false,
        &landport::engine::StopToken::new(),
        &|_| {},
    )
    .unwrap();
    let landport::driver::Optimized::Ended { file, .. } = outcome else {
        panic!("not stopped, yet interrupted");
    };
    assert_printed(
        lines,
        &landport::output::table::optimize_table(&file),
        &args[0],
    );
    landport::report::plot(out.path(), &landport::report::PlotOptions::default()).unwrap();
    let committed = "output/optimize-alashankou-1.5x/optimize-dwell_p95_h.png";
    assert!(
        readme.contains(&format!("]({committed})")),
        "README shows {committed}"
    );
    assert!(
        std::fs::read(committed).unwrap()
            == std::fs::read(out.path().join("optimize-dwell_p95_h.png")).unwrap(),
        "{committed} is stale: run the optimize command in the README"
    );

    // Today's staffing at that volume, as the README quotes it from `landport run`.
    let base = landport::scenario::load(std::path::Path::new(
        "scenarios/optimize/alashankou-reformed-1.5x.toml",
    ))
    .unwrap();
    let today =
        landport::experiment::Experiment::run(&base, base.seed(), base.replications(), false);
    let p95 = with_interval(
        &today.metric(&crate::id("dwell_p95_h")).unwrap().estimate,
        2,
    );
    let wait = with_interval(
        &today
            .metric(&crate::id("manual-inspection.mean_wait_h"))
            .unwrap()
            .estimate,
        1,
    );
    for quoted in [
        format!("a p95 dwell of {p95} h"),
        format!("wait {wait} h for"),
    ] {
        assert!(readme.contains(&quoted), "README does not say: {quoted}");
    }
}

#[test]
fn readme_ledger_is_what_ledger_prints_and_draws() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let shown = shown_outputs("ledger");
    assert_eq!(shown.len(), 1, "the README shows one ledger");
    let (args, lines) = &shown[0];
    let sweep = landport::ledger::load(args[0].as_ref()).unwrap();
    let out = tempfile::tempdir().unwrap();
    let prepared =
        landport::driver::Prepared::open(&sweep, out.path(), landport::driver::Options::default())
            .unwrap();
    prepared
        .run(&landport::engine::StopToken::new(), &|| {})
        .unwrap();
    let file: landport::output::json::LedgerFile =
        landport::output::json::read(&out.path().join("ledger.json")).unwrap();
    assert_printed(
        lines,
        &landport::output::table::ledger_table(&file),
        &args[0],
    );
    landport::report::plot(out.path(), &landport::report::PlotOptions::default()).unwrap();
    let committed = "output/ledger-alashankou/ledger-dwell_mean_h.png";
    assert!(
        readme.contains(&format!("]({committed})")),
        "README shows {committed}"
    );
    assert!(
        std::fs::read(committed).unwrap()
            == std::fs::read(out.path().join("ledger-dwell_mean_h.png")).unwrap(),
        "{committed} is stale: run the ledger command in the README"
    );
}
