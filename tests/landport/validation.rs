//! Each validation rule: the message, the line and column, and the key path it reports.

use std::path::Path;

use landport::scenario::{parse, Problem};

/// A valid scenario; each test breaks one line of it.
const VALID: &str = r#"name = "checks"
seed = 1
warmup = "1 d"
horizon = "10 d"

[arrivals]
process = "poisson"
rate = "10 trucks per hour"
to = "declaration"

[stages.declaration]
servers = 2
service = { dist = "exponential", mean = "10 min" }
routes = [{ to = "inspection", p = 0.1 }, { to = "exit", p = 0.9 }]

[stages.inspection]
servers = 1
service = { dist = "lognormal", mean = "2 h", sd = "1 h" }
routes = [{ to = "exit" }]
"#;

fn problems(text: &str) -> Vec<Problem> {
    match parse(text, Path::new("ports/a.toml")) {
        Ok(_) => panic!("expected the scenario to be rejected:\n{text}"),
        Err(error) => error.problems().to_vec(),
    }
}

/// Replaces `from` (which must occur) and checks the single problem reported.
fn rejects(from: &str, to: &str, line: usize, column: usize, key: &str, message: &str) {
    assert!(VALID.contains(from), "test edit {from:?} not found");
    let found = problems(&VALID.replacen(from, to, 1));
    assert_eq!(found.len(), 1, "expected one problem, got:\n{found:#?}");
    let problem = &found[0];
    assert_eq!(
        (problem.line, problem.column, problem.key.as_str()),
        (line, column, key),
        "{problem}"
    );
    assert!(
        problem.message.contains(message),
        "message {:?} lacks {message:?}",
        problem.message
    );
    assert_eq!(problem.file, Path::new("ports/a.toml"));
}

#[test]
fn the_base_scenario_is_valid() {
    assert!(parse(VALID, Path::new("ports/a.toml")).is_ok());
}

#[test]
fn servers_must_be_at_least_one() {
    rejects(
        "servers = 1\n",
        "servers = 0\n",
        17,
        11,
        "stages.inspection.servers",
        "must be at least 1, got 0",
    );
    let found = problems(&VALID.replacen("servers = 1\n", "servers = 0\n", 1));
    assert_eq!(
        found[0].to_string(),
        "ports/a.toml:17:11: stages.inspection.servers: must be at least 1, got 0"
    );
}

#[test]
fn probabilities_lie_within_zero_and_one() {
    rejects(
        "p = 0.1 }",
        "p = 1.1 }",
        14,
        36,
        "stages.declaration.routes[0].p",
        "within [0, 1], got 1.1",
    );
}

#[test]
fn routes_sum_to_one() {
    rejects(
        "p = 0.9 }",
        "p = 0.8 }",
        14,
        10,
        "stages.declaration.routes",
        "must sum to 1, got 0.9",
    );
}

#[test]
fn one_route_may_take_the_rest() {
    let text = VALID.replacen("{ to = \"exit\", p = 0.9 }", "{ to = \"exit\" }", 1);
    let scenario = parse(&text, Path::new("ports/a.toml")).unwrap();
    // The inspection still gets 10% of 10 trucks per hour.
    let inspection = &scenario.offered_loads()[1];
    assert!((inspection.arrival_rate_per_hour - 1.0).abs() < 1e-12);
    let both = VALID
        .replacen(", p = 0.1 }", " }", 1)
        .replacen(", p = 0.9 }", " }", 1);
    let found = problems(&both);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].key, "stages.declaration.routes[1].p");
    assert_eq!(found[0].line, 14);
    assert!(found[0]
        .message
        .contains("only one route of a stage may leave out `p`"));
    rejects(
        "{ to = \"exit\", p = 0.9 }",
        "{ to = \"exit\", p = 0.95 }, { to = \"inspection\" }",
        14,
        10,
        "stages.declaration.routes",
        "the given probabilities sum to 1.05",
    );
}

#[test]
fn arrival_scale_multiplies_the_rate() {
    let text = VALID.replacen(
        "to = \"declaration\"\n",
        "to = \"declaration\"\nscale = 2.5\n",
        1,
    );
    let scenario = parse(&text, Path::new("ports/a.toml")).unwrap();
    assert_eq!(scenario.offered_loads()[0].arrival_rate_per_hour, 25.0);
    rejects(
        "to = \"declaration\"\n",
        "to = \"declaration\"\nscale = -1.0\n",
        10,
        9,
        "arrivals.scale",
        "must be a finite number > 0, got -1",
    );
}

#[test]
fn yards_and_quotas_are_counts() {
    rejects(
        "servers = 1\n",
        "servers = 1\nyard = -1\n",
        18,
        8,
        "stages.inspection.yard",
        "must be >= 0 waiting spaces, got -1",
    );
    rejects(
        "servers = 1\n",
        "servers = 1\ndaily_quota = 0\n",
        18,
        15,
        "stages.inspection.daily_quota",
        "must be >= 1 trucks a day, got 0",
    );
}

#[test]
fn route_targets_exist() {
    rejects(
        "to = \"inspection\"",
        "to = \"inspectoin\"",
        14,
        18,
        "stages.declaration.routes[0].to",
        "no stage named \"inspectoin\"",
    );
}

#[test]
fn arrivals_go_to_a_stage() {
    rejects(
        "to = \"declaration\"",
        "to = \"gate\"",
        9,
        6,
        "arrivals.to",
        "no stage named \"gate\"",
    );
}

#[test]
fn every_truck_can_reach_the_exit() {
    let looped = VALID
        .replacen(
            "routes = [{ to = \"exit\" }]",
            "routes = [{ to = \"declaration\" }]",
            1,
        )
        .replacen(
            "{ to = \"exit\", p = 0.9 }",
            "{ to = \"exit\", p = 0.0 }, { to = \"inspection\", p = 0.9 }",
            1,
        );
    let found = problems(&looped);
    let keys: Vec<&str> = found.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        ["stages.declaration.routes", "stages.inspection.routes"],
        "{found:#?}"
    );
    assert!(found
        .iter()
        .all(|p| p.message.contains("can never reach the exit")));
}

#[test]
fn rates_are_positive() {
    rejects(
        "\"10 trucks per hour\"",
        "\"0 trucks per hour\"",
        8,
        8,
        "arrivals.rate",
        "must be a finite rate > 0",
    );
    rejects(
        "\"10 trucks per hour\"",
        "\"10\"",
        8,
        8,
        "arrivals.rate",
        "expected a rate such as",
    );
}

#[test]
fn means_and_spreads_are_positive() {
    rejects(
        "mean = \"10 min\"",
        "mean = \"0 min\"",
        13,
        42,
        "stages.declaration.service.mean",
        "mean must be > 0",
    );
    rejects(
        "sd = \"1 h\"",
        "sd = \"0 h\"",
        18,
        52,
        "stages.inspection.service.sd",
        "sd must be > 0",
    );
}

#[test]
fn durations_carry_units() {
    rejects(
        "horizon = \"10 d\"",
        "horizon = \"10\"",
        4,
        11,
        "horizon",
        "expected a duration with a unit",
    );
}

#[test]
fn unknown_keys_are_errors() {
    rejects(
        "servers = 1\n",
        "servers = 1\nservrs = 2\n",
        18,
        1,
        "stages.inspection.servrs",
        "unknown key `servrs`",
    );
    rejects(
        "seed = 1\n",
        "seed = 1\ncolour = \"red\"\n",
        3,
        1,
        "colour",
        "unknown key `colour`",
    );
}

#[test]
fn distribution_parameters_match_the_distribution() {
    rejects(
        "{ dist = \"exponential\", mean = \"10 min\" }",
        "{ dist = \"exponential\", mean = \"10 min\", sd = \"2 min\" }",
        13,
        57,
        "stages.declaration.service.sd",
        "is not used by dist \"exponential\"",
    );
}

#[test]
fn shifts_cover_the_day_without_overlap() {
    let shifts = |a: &str, b: &str| {
        format!("shifts = [{{ from = \"{a}\", to = \"{b}\", servers = 2 }}, {{ from = \"20:00\", to = \"08:00\", servers = 1 }}]\n")
    };
    rejects(
        "servers = 1\n",
        &shifts("08:00", "21:00"),
        17,
        10,
        "stages.inspection.shifts",
        "shifts overlap at 20:00",
    );
    rejects(
        "servers = 1\n",
        &shifts("09:00", "20:00"),
        17,
        10,
        "stages.inspection.shifts",
        "shifts leave 08:00–09:00 uncovered",
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let broken = VALID
        .replacen("servers = 2", "servers = 0", 1)
        .replacen("servers = 1\n", "servers = 1\nyards = 3\n", 1)
        .replacen("\"10 d\"", "\"ten days\"", 1);
    let found = problems(&broken);
    let keys: Vec<&str> = found.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "horizon",
            "stages.declaration.servers",
            "stages.inspection.yards"
        ],
        "{found:#?}"
    );
}

#[test]
fn syntax_errors_name_the_line() {
    let found = problems(&VALID.replacen("seed = 1", "seed = = 1", 1));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].line, 2);
    assert!(found[0].message.starts_with("invalid TOML"), "{}", found[0]);
}

#[test]
fn every_unknown_key_of_a_section_is_reported() {
    let broken = VALID
        .replacen(
            "servers = 1\n",
            "servers = 1\nyards = 3\nopen = \"08:00\"\n",
            1,
        )
        .replacen("seed = 1\n", "seed = 1\ncolour = \"red\"\n", 1)
        .replacen(
            "{ dist = \"lognormal\", mean = \"2 h\", sd = \"1 h\" }",
            "{ dist = \"lognormal\", mean = \"2 h\", sd = \"1 h\", shape = 2 }",
            1,
        );
    let found = problems(&broken);
    let keys: Vec<&str> = found.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "colour",
            "stages.inspection.yards",
            "stages.inspection.open",
            "stages.inspection.service.shape"
        ],
        "{found:#?}"
    );
    assert!(found.iter().all(|p| p.message.starts_with("unknown key")));
}

#[test]
fn missing_keys_and_wrong_types_say_what_is_expected() {
    let found = problems(&VALID.replacen("horizon = \"10 d\"\n", "", 1));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].to_string(),
        "ports/a.toml:1:1: horizon: is required"
    );
    rejects(
        "servers = 2",
        "servers = \"two\"",
        12,
        11,
        "stages.declaration.servers",
        "expected an integer, got string \"two\"",
    );
    rejects(
        "p = 0.1 }",
        "p = \"0.1\" }",
        14,
        36,
        "stages.declaration.routes[0].p",
        "expected a probability (0.07 or \"7%\"), got string \"0.1\"",
    );
    let found = problems(&VALID.replacen(
        "service = { dist = \"lognormal\", mean = \"2 h\", sd = \"1 h\" }\n",
        "",
        1,
    ));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].to_string(),
        "ports/a.toml:16:9: stages.inspection.service: is required"
    );
}

/// Every problem of a file at once: an empty file names every required key, not one per run.
#[test]
fn an_empty_file_names_every_required_key_at_once() {
    let found: Vec<String> = problems("").iter().map(Problem::to_string).collect();
    assert_eq!(
        found,
        [
            "ports/a.toml:1:1: name: is required",
            "ports/a.toml:1:1: seed: is required",
            "ports/a.toml:1:1: horizon: is required",
            "ports/a.toml:1:1: arrivals: is required",
            "ports/a.toml:1:1: stages: is required",
        ]
    );
}

/// A misspelt key in a stage hides neither a bad value beside it nor the problems of other
/// sections, and is not reported a second time as a missing key.
#[test]
fn a_typo_does_not_hide_the_other_problems_of_its_section() {
    let broken = VALID
        .replacen("servers = 1\n", "server = 1\n", 1)
        .replacen("sd = \"1 h\"", "sd = \"1 fortnight\"", 1)
        .replacen("rate = \"10 trucks per hour\"", "rate = 10", 1)
        .replacen("p = 0.1 }", "p = \"0.1\" }", 1);
    let found: Vec<String> = problems(&broken).iter().map(Problem::to_string).collect();
    assert_eq!(
        found,
        [
            "ports/a.toml:8:8: arrivals.rate: expected a rate in quotes, such as \"16 trucks per hour\", got integer 10",
            "ports/a.toml:14:36: stages.declaration.routes[0].p: expected a probability (0.07 or \"7%\"), got string \"0.1\"",
            "ports/a.toml:17:1: stages.inspection.server: unknown key `server`: did you mean `servers`?",
            "ports/a.toml:18:52: stages.inspection.service.sd: expected a duration with a unit such as \"90 s\", \"12 min\", \"1 h 30 min\", \"1:30\" or \"2 d\", got \"1 fortnight\"",
        ],
        "{found:#?}"
    );
}

/// Mangled scenario text gets errors, never a panic.
#[test]
fn mangled_scenarios_never_panic() {
    use rand::{Rng, SeedableRng};
    let shipped = std::fs::read_to_string("scenarios/alashankou-reformed.toml").unwrap();
    let pieces = [
        "",
        "0",
        "-1",
        "1e309",
        "\"",
        "[",
        "]",
        "{",
        "}",
        "=",
        ",",
        "\n",
        "nan",
        "inf",
        "\"x\"",
        "€",
        "24:00",
        "\"0 min\"",
        "p = 2",
        "[[stages.x.routes]]",
        "yard = -1",
        "to = \"exit\"",
    ];
    let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
    for _ in 0..3_000 {
        let mut text = shipped.clone();
        for _ in 0..rng.random_range(1..4) {
            let mut at = rng.random_range(0..text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let mut end = (at + rng.random_range(0..12)).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.replace_range(at..end, pieces[rng.random_range(0..pieces.len())]);
        }
        if let Err(error) = parse(&text, Path::new("mangled.toml")) {
            assert!(!error.problems().is_empty());
            let _ = error.to_string();
        }
    }
}

#[test]
fn arrival_profiles_are_checked() {
    let profile = |lines: &str| {
        VALID.replacen(
            "process = \"poisson\"\nrate = \"10 trucks per hour\"\n",
            &format!("process = \"profile\"\nunit = \"trucks per hour\"\n{lines}"),
            1,
        )
    };
    let hourly_23 = format!("hourly = [{}]\n", vec!["1"; 23].join(", "));
    let found = problems(&profile(&hourly_23));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0].to_string(),
        "ports/a.toml:9:10: arrivals.hourly: must have 24 rates (one per hour, 00:00 first), got 23"
    );
    let day = format!("[{}]", vec!["1"; 24].join(", "));
    let bad_day = format!("[{}, -2]", vec!["1"; 23].join(", "));
    let weekly = format!(
        "weekly = [{}]\n",
        [day.as_str(); 6]
            .iter()
            .copied()
            .chain([bad_day.as_str()])
            .collect::<Vec<_>>()
            .join(", ")
    );
    let found = problems(&profile(&weekly));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].key, "arrivals.weekly[6][23]");
    assert_eq!(found[0].message, "must be finite and >= 0, got -2");
    let both = format!("{hourly_23}weekly = [{day}]\n");
    let found = problems(&profile(&both));
    assert_eq!(found[0].key, "arrivals.weekly", "{found:#?}");
    assert!(found[0].message.contains("not both"));
    let rate = problems(&profile(&format!(
        "rate = \"3 trucks per hour\"\nweekly = [{}]\n",
        [day.as_str(); 7].join(", ")
    )));
    assert_eq!(rate.len(), 1, "{rate:#?}");
    assert_eq!(
        (rate[0].key.as_str(), rate[0].message.as_str()),
        ("arrivals.rate", "is not used by process \"profile\"")
    );
}

#[test]
fn every_wrong_type_of_a_section_is_reported() {
    let broken = VALID
        .replacen("servers = 2", "servers = \"two\"", 1)
        .replacen("p = 0.1 }", "p = \"0.1\" }", 1)
        .replacen("mean = \"10 min\"", "mean = 10", 1);
    let found = problems(&broken);
    let keys: Vec<&str> = found.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "stages.declaration.servers",
            "stages.declaration.service.mean",
            "stages.declaration.routes[0].p"
        ],
        "{found:#?}"
    );
}

#[test]
fn a_span_of_the_day_must_not_end_where_it_starts_unless_it_is_the_whole_day() {
    rejects(
        "servers = 1\n",
        "shifts = [{ from = \"08:00\", to = \"08:00\", servers = 1 }]\n",
        17,
        34,
        "stages.inspection.shifts[0].to",
        "a shift must end at another time than it starts",
    );
    for whole_day in [
        "shifts = [{ from = \"00:00\", to = \"24:00\", servers = 1 }]\n",
        "servers = 1\nopening = { from = \"00:00\", to = \"24:00\" }\n",
    ] {
        let text = VALID.replacen("servers = 1\n", whole_day, 1);
        assert!(
            parse(&text, Path::new("ports/a.toml")).is_ok(),
            "{whole_day}"
        );
    }
}

#[test]
fn opening_hours_must_open_and_close() {
    rejects(
        "servers = 1\n",
        "servers = 1\nopening = { from = \"08:00\", to = \"08:00\" }\n",
        18,
        34,
        "stages.inspection.opening.to",
        "must differ from opening.from",
    );
    rejects(
        "servers = 1\n",
        "servers = 1\nopening = { from = \"08:00\", to = \"20:00\", days = [\"mon\", \"funday\"] }\n",
        18,
        58,
        "stages.inspection.opening.days[1]",
        "expected a weekday such as \"mon\"",
    );
}

#[test]
fn limits_are_whole_numbers_from_one() {
    let text = crate::mmc(6.0, 5.0, 1, 0, 1).replace(
        "[arrivals]",
        "[limits]\ntrucks_in_port = 0\nevents = -5\n[arrivals]",
    );
    let error = landport::scenario::parse(&text, Path::new("test.toml")).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("limits.trucks_in_port: must be between 1 and 100000000, got 0"),
        "{message}"
    );
    assert!(
        message.contains("limits.events: must be between 1 and 9223372036854775807, got -5"),
        "{message}"
    );
    let text =
        crate::mmc(6.0, 5.0, 1, 0, 1).replace("[arrivals]", "[limits]\ntruck = 5\n[arrivals]");
    let message = landport::scenario::parse(&text, Path::new("test.toml"))
        .unwrap_err()
        .to_string();
    assert!(message.contains("limits"), "{message}");
}

/// A message quotes what it was given, within bounds: a key of half a million characters, a value
/// of 200,000, and `1e308` as such, not as 309 digits.
#[test]
fn messages_quote_within_bounds() {
    let long_key = "k".repeat(500_000);
    let long_value = "9".repeat(200_000);
    let text = VALID
        .replacen("seed = 1\n", &format!("seed = 1\n{long_key} = 1\n"), 1)
        .replacen(
            "rate = \"10 trucks per hour\"",
            &format!("rate = \"{long_value} per fortnight\"\nscale = 1e308"),
            1,
        );
    let shown = match parse(&text, Path::new("ports/a.toml")) {
        Ok(_) => panic!("accepted"),
        Err(error) => error.to_string(),
    };
    assert!(shown.len() < 4_000, "{} bytes shown", shown.len());
    assert!(shown.contains("(500000 characters in all)"), "{shown}");
    assert!(
        shown.contains("scale: must be at most 1000 (a thousand times the arrivals), got 1e308"),
        "{shown}"
    );
    assert!(shown.contains("characters in all)"), "{shown}");
}

/// Valid but probably not meant: fewer than one truck over the horizon, a warm-up longer than the
/// horizon, a stage no route reaches. Each is a caution (a warning), and the shipped scenarios
/// have none.
#[test]
fn cautions_name_what_is_valid_but_not_meant() {
    use landport::model::Caution;
    let cautions = |text: &str| parse(text, Path::new("ports/a.toml")).unwrap().cautions();
    assert_eq!(cautions(VALID), []);
    let few = VALID
        .replacen("\"10 trucks per hour\"", "\"1 trucks per day\"", 1)
        .replacen("horizon = \"10 d\"", "horizon = \"12 h\"", 1)
        .replacen("warmup = \"1 d\"", "warmup = \"0 s\"", 1);
    assert!(
        matches!(cautions(&few)[..], [Caution::FewArrivals { expected }] if (expected - 0.5).abs() < 1e-9)
    );
    let long = VALID.replacen("warmup = \"1 d\"", "warmup = \"60 d\"", 1);
    assert_eq!(
        cautions(&long),
        [Caution::LongWarmup {
            warmup_hours: 1440.0,
            horizon_hours: 240.0
        }]
    );
    let unreached = VALID.replacen(
        "routes = [{ to = \"inspection\", p = 0.1 }, { to = \"exit\", p = 0.9 }]",
        "routes = [{ to = \"inspection\", p = 0 }, { to = \"exit\" }]",
        1,
    );
    assert_eq!(
        cautions(&unreached),
        [Caution::Unreached {
            stage: "inspection".into()
        }]
    );
    for name in [
        "alashankou-legacy",
        "alashankou-reformed",
        "horgos-legacy",
        "horgos-reformed",
    ] {
        let scenario =
            landport::scenario::load(Path::new(&format!("scenarios/{name}.toml"))).unwrap();
        assert_eq!(scenario.cautions(), [], "{name}");
    }
}

/// A percentage is a probability and a duration may come in parts or on the clock: the port they
/// describe runs exactly as the one written with plain numbers and single units.
#[test]
fn percentages_and_compound_durations_read_as_their_plain_forms() {
    let plain = VALID
        .replacen(
            "routes = [{ to = \"exit\" }]",
            "routes = [{ to = \"exit\", travel = \"90 min\" }]",
            1,
        )
        .replacen("mean = \"2 h\"", "mean = \"150 min\"", 1);
    let planner = VALID
        .replacen(
            "p = 0.1 }, { to = \"exit\", p = 0.9 }",
            "p = \"10%\" }, { to = \"exit\", p = \"90%\" }",
            1,
        )
        .replacen(
            "routes = [{ to = \"exit\" }]",
            "routes = [{ to = \"exit\", travel = \"1:30\" }]",
            1,
        )
        .replacen("mean = \"2 h\"", "mean = \"2 hrs 30 mins\"", 1);
    let read = |text: &str| parse(text, Path::new("ports/a.toml")).unwrap();
    let (plain, planner) = (read(&plain), read(&planner));
    let summary = |scenario: &landport::Scenario| {
        let run = landport::run_summary(scenario, 3);
        (run.events, run.dwell.mean_hours)
    };
    assert_eq!(summary(&plain), summary(&planner));
}
