//! `extends`: a variant as a few lines over a parent scenario.

use std::path::{Path, PathBuf};

use landport::scenario::{self, InputError};

const PARENT: &str = r#"name = "parent"
seed = 5
horizon = "2 d"

[arrivals]
process = "poisson"
rate = "10 trucks per hour"
to = "desk"

[stages.desk]
servers = 2
service = { dist = "exponential", mean = "6 min" }
opening = { from = "08:00", to = "20:00" }
routes = [{ to = "xray", p = 0.5 }, { to = "exit", p = 0.5 }]

[stages.xray]
servers = 1
service = { dist = "constant", value = "2 min" }
routes = [{ to = "exit" }]
"#;

/// Writes each (relative path, text) under a fresh folder; returns the folder.
fn files(entries: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in entries {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn resolved(path: &Path) -> toml_edit::DocumentMut {
    scenario::resolved_text(path).unwrap().parse().unwrap()
}

fn problems(path: &Path) -> Vec<String> {
    match scenario::load(path) {
        Ok(_) => panic!("{} should be invalid", path.display()),
        Err(error) => match &error {
            InputError::Invalid(problems) => problems.iter().map(ToString::to_string).collect(),
            InputError::Read { .. } => panic!("{error}"),
        },
    }
}

#[test]
fn tables_merge_deeply_and_other_values_replace() {
    let dir = files(&[
        ("ports/parent.toml", PARENT),
        (
            "ports/variant.toml",
            r#"extends = "parent.toml"
name = "variant"
[stages.desk]
servers = 3
routes = [{ to = "exit" }]
"#,
        ),
    ]);
    let variant = dir.path().join("ports/variant.toml");
    let merged = resolved(&variant);
    assert!(merged.get("extends").is_none());
    assert_eq!(merged["name"].as_str(), Some("variant"));
    assert_eq!(merged["seed"].as_integer(), Some(5), "kept from the parent");
    let desk = &merged["stages"]["desk"];
    assert_eq!(desk["servers"].as_integer(), Some(3), "overridden");
    assert_eq!(
        desk["service"]["mean"].as_str(),
        Some("6 min"),
        "a table merges: the keys the variant leaves out stay"
    );
    assert_eq!(desk["opening"]["from"].as_str(), Some("08:00"));
    let routes = desk["routes"].as_array().unwrap();
    assert_eq!(routes.len(), 1, "an array is replaced whole");
    assert_eq!(merged["stages"]["xray"]["servers"].as_integer(), Some(1));
    let scenario = scenario::load(&variant).unwrap();
    assert_eq!(scenario.name(), "variant");
    // Three desks, open 12 hours a day as in the parent.
    assert_eq!(scenario.offered_loads()[0].mean_servers, 1.5);
}

#[test]
fn inline_tables_dotted_keys_and_chains_merge_alike() {
    let dir = files(&[
        ("parent.toml", PARENT),
        (
            "middle.toml",
            "extends = \"parent.toml\"\nname = \"middle\"\nstages.xray.servers = 4\n",
        ),
        (
            "child.toml",
            "extends = \"middle.toml\"\nname = \"child\"\n\
             stages.desk = { service = { dist = \"exponential\", mean = \"3 min\" } }\n",
        ),
    ]);
    let merged = resolved(&dir.path().join("child.toml"));
    assert_eq!(merged["stages"]["xray"]["servers"].as_integer(), Some(4));
    assert_eq!(
        merged["stages"]["desk"]["service"]["mean"].as_str(),
        Some("3 min")
    );
    assert_eq!(merged["stages"]["desk"]["servers"].as_integer(), Some(2));
    let scenario = scenario::load(&dir.path().join("child.toml")).unwrap();
    assert_eq!(scenario.name(), "child");
}

#[test]
fn errors_name_the_file_and_line_each_key_came_from() {
    let dir = files(&[
        ("parent.toml", &PARENT.replace("\"2 min\"", "\"-2 min\"")),
        (
            "variant.toml",
            "# a variant\nextends = \"parent.toml\"\nname = \"variant\"\ncolour = \"red\"\n\n[stages.desk]\nservers = 0\n",
        ),
    ]);
    let variant = dir.path().join("variant.toml");
    let parent = dir.path().join("parent.toml");
    let problems = problems(&variant);
    let v = variant.display();
    let p = parent.display();
    assert_eq!(
        problems,
        [
            format!("{p}:18:40: stages.xray.service.value: must be a finite duration >= 0, got \"-2 min\" \
(the value comes from {p}, which {v} extends: set `stages.xray.service.value` in {v} to change it)"),
            format!("{v}:4:1: colour: unknown key `colour`, expected one of `name`, `seed`, `start`, `warmup`, `horizon`, `replications`, `limits`, `costs`, `holidays`, `arrivals`, `stages`, `classes`, `time_zone`, `ports`"),
            format!("{v}:7:11: stages.desk.servers: must be at least 1, got 0"),
        ],
        "{problems:#?}"
    );
}

#[test]
fn a_loop_of_extends_is_an_error() {
    let dir = files(&[
        ("a.toml", "extends = \"b.toml\"\nname = \"a\"\n"),
        ("b.toml", "name = \"b\"\nextends = \"a.toml\"\n"),
        ("self.toml", "extends = \"self.toml\"\n"),
    ]);
    let a = dir.path().join("a.toml");
    let b = dir.path().join("b.toml");
    assert_eq!(
        problems(&a),
        [format!(
            "{}:2:11: extends: extends loop: {} -> {} -> {}",
            b.display(),
            a.display(),
            b.display(),
            a.display()
        )]
    );
    let itself = dir.path().join("self.toml");
    let shown = problems(&itself);
    assert_eq!(shown.len(), 1);
    assert!(shown[0].contains("extends loop"), "{shown:?}");
}

#[test]
fn a_missing_or_malformed_parent_is_an_error() {
    let dir = files(&[
        (
            "child.toml",
            "name = \"c\"\nextends = \"nowhere/parent.toml\"\n",
        ),
        ("number.toml", "extends = 3\n"),
        ("broken.toml", "name = \"x\nseed = 1\n"),
        ("of-broken.toml", "extends = \"broken.toml\"\n"),
    ]);
    let child = dir.path().join("child.toml");
    let shown = problems(&child);
    let expected_start = format!(
        "{}:2:11: extends: cannot read parent scenario {}: ",
        child.display(),
        dir.path().join("nowhere/parent.toml").display()
    );
    assert!(shown[0].starts_with(&expected_start), "{shown:?}");
    let shown = problems(&dir.path().join("number.toml"));
    assert!(
        shown[0]
            .ends_with("extends: expected a string, the path of the parent scenario, got integer"),
        "{shown:?}"
    );
    let shown = problems(&dir.path().join("of-broken.toml"));
    let broken: PathBuf = dir.path().join("broken.toml");
    assert!(
        shown[0].starts_with(&format!("{}:1:10: invalid TOML", broken.display())),
        "{shown:?}"
    );
}

#[test]
fn a_trace_file_is_found_beside_the_file_that_names_it() {
    let parent = PARENT.replace(
        "process = \"poisson\"\nrate = \"10 trucks per hour\"",
        "process = \"trace\"\nfile = \"arrivals.csv\"",
    );
    let dir = files(&[
        ("base/parent.toml", &parent),
        ("base/arrivals.csv", "arrival_hours\n1.0\n2.5\n"),
        (
            "variants/more-desks.toml",
            "extends = \"../base/parent.toml\"\nname = \"more-desks\"\nstages.desk.servers = 4\n",
        ),
    ]);
    let scenario = scenario::load(&dir.path().join("variants/more-desks.toml")).unwrap();
    let result = landport::run(&scenario, 1);
    assert_eq!(result.trucks.arrived, 2);
}

#[test]
fn a_variant_removes_a_stage_with_false() {
    let dir = files(&[
        ("parent.toml", PARENT),
        (
            "no-xray.toml",
            "extends = \"parent.toml\"\nname = \"no-xray\"\nstages.xray = false\n\
             stages.desk.routes = [{ to = \"exit\" }]\n",
        ),
        (
            "dangling.toml",
            "extends = \"parent.toml\"\nname = \"dangling\"\nstages.xray = false\n",
        ),
        (
            "misspelt.toml",
            "extends = \"parent.toml\"\nname = \"misspelt\"\nstages.xary = false\n",
        ),
    ]);
    let scenario = scenario::load(&dir.path().join("no-xray.toml")).unwrap();
    assert_eq!(scenario.stage_names().collect::<Vec<_>>(), ["desk"]);
    // A route to the removed stage is an error at the parent's line that names it, and says
    // what to set in the variant.
    let dangling = dir.path().join("dangling.toml");
    let shown = problems(&dangling);
    let parent = dir.path().join("parent.toml");
    assert_eq!(
        shown,
        [format!(
            "{p}:14:18: stages.desk.routes[0].to: no stage named \"xray\" (use \"exit\" to leave \
the port) (the value comes from {p}, which {v} extends: set `stages.desk.routes` in {v} to \
change it)",
            p = parent.display(),
            v = dangling.display()
        )]
    );
    // Removing a stage no parent defines is a mistake, refused at its line.
    let misspelt = dir.path().join("misspelt.toml");
    assert_eq!(
        problems(&misspelt),
        [format!(
            "{}:3:15: stages.xary: removes stage \"xary\", which the scenarios it extends do not define",
            misspelt.display()
        )]
    );
}

/// A variant may change the kind of a setting: its choice replaces the parent's instead of
/// adding to it (shifts for servers and back, another distribution, another arrival process).
#[test]
fn a_variant_changes_the_kind_of_a_setting() {
    let dir = files(&[
        ("parent.toml", PARENT),
        (
            "shifts.toml",
            r#"extends = "parent.toml"
name = "shifts"
[stages.desk]
shifts = [{ from = "00:00", to = "12:00", servers = 2 }, { from = "12:00", to = "24:00", servers = 1 }]
[stages.xray]
service = { dist = "triangular", min = "1 min", mode = "2 min", max = "4 min" }
[arrivals]
process = "profile"
unit = "trucks per hour"
hourly = [4, 4, 4, 4, 4, 4, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 12, 8, 8, 8, 8, 4, 4]
"#,
        ),
        (
            "back.toml",
            r#"extends = "shifts.toml"
name = "back"
[stages.desk]
servers = 4
[stages.xray.service]
dist = "exponential"
mean = "3 min"
[arrivals]
process = "poisson"
rate = "12 trucks per hour"
"#,
        ),
    ]);
    let shifts = resolved(&dir.path().join("shifts.toml"));
    let desk = shifts["stages"]["desk"].as_table_like().unwrap();
    assert!(desk.get("servers").is_none() && desk.get("shifts").is_some());
    let xray = shifts["stages"]["xray"]["service"].as_table_like().unwrap();
    let keys: Vec<&str> = xray.iter().map(|(key, _)| key).collect();
    assert_eq!(
        keys,
        ["dist", "min", "mode", "max"],
        "the parent's `value` is gone"
    );
    let arrivals = shifts["arrivals"].as_table_like().unwrap();
    assert!(arrivals.get("rate").is_none(), "poisson's rate is gone");
    assert_eq!(arrivals.get("to").and_then(|to| to.as_str()), Some("desk"));
    scenario::load(&dir.path().join("shifts.toml")).expect("a valid scenario");

    let back = resolved(&dir.path().join("back.toml"));
    let desk = back["stages"]["desk"].as_table_like().unwrap();
    assert!(desk.get("shifts").is_none());
    assert_eq!(desk.get("servers").and_then(|s| s.as_integer()), Some(4));
    let xray = back["stages"]["xray"]["service"].as_table_like().unwrap();
    let keys: Vec<&str> = xray.iter().map(|(key, _)| key).collect();
    assert_eq!(keys, ["dist", "mean"]);
    let arrivals = back["arrivals"].as_table_like().unwrap();
    assert!(arrivals.get("hourly").is_none() && arrivals.get("unit").is_none());
    let back = scenario::load(&dir.path().join("back.toml")).expect("a valid scenario");
    // The merged port is the one written out: 12 trucks/h × 0.1 h at the desk's 4 servers
    // (open 08:00–20:00, half the week: 2 on average).
    let desk_load = &back.offered_loads()[0];
    assert!(
        (desk_load.offered_load - 12.0 * 0.1 / 2.0).abs() < 1e-9,
        "{desk_load:?}"
    );
}

/// The same distribution keeps merging key by key: a variant changes the mean alone.
#[test]
fn the_same_distribution_merges_its_parameters() {
    let dir = files(&[
        ("parent.toml", PARENT),
        (
            "slower.toml",
            "extends = \"parent.toml\"\nname = \"slower\"\n[stages.desk.service]\nmean = \"9 min\"\n",
        ),
    ]);
    let merged = resolved(&dir.path().join("slower.toml"));
    let service = merged["stages"]["desk"]["service"].as_table_like().unwrap();
    assert_eq!(
        service.get("dist").and_then(|d| d.as_str()),
        Some("exponential")
    );
    assert_eq!(service.get("mean").and_then(|m| m.as_str()), Some("9 min"));
}

/// A problem with a parent's value inside a table the variant writes names the variant's line
/// as well: where to set the value instead.
#[test]
fn an_inherited_problem_names_the_variants_table() {
    let dir = files(&[
        ("parent.toml", PARENT),
        (
            "variant.toml",
            "extends = \"parent.toml\"\nname = \"variant\"\nstages.xray = false\n\n[stages.desk]\nservers = 3\n",
        ),
    ]);
    let variant = dir.path().join("variant.toml");
    let parent = dir.path().join("parent.toml");
    assert_eq!(
        problems(&variant),
        [format!(
            "{p}:14:18: stages.desk.routes[0].to: no stage named \"xray\" (use \"exit\" to leave \
the port) (the value comes from {p}, merged into `stages.desk` of {v}:5:9: set \
`stages.desk.routes` there to change it)",
            p = parent.display(),
            v = variant.display()
        )]
    );
}

/// A parent that is not where `extends` says (a variant copied elsewhere): the error gives the
/// path as resolved and says how to make a standalone copy.
#[test]
fn a_missing_parent_is_shown_resolved_with_the_fix() {
    let dir = files(&[(
        "ports/copy.toml",
        "extends = \"../elsewhere/parent.toml\"\nname = \"copy\"\n",
    )]);
    let shown = problems(&dir.path().join("ports/copy.toml"));
    let resolved = dir.path().join("elsewhere/parent.toml");
    assert!(
        shown[0].contains(&format!("(resolved: {})", resolved.display()))
            && shown[0].contains("make a standalone copy with `landport show`"),
        "{shown:?}"
    );
}
