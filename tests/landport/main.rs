//! Integration tests of landport: queueing theory, engine behaviour, validation and the CLI.

mod allocation;
mod bad_input;
mod behaviour;
mod breakdowns;
mod calibration;
mod charts;
mod choice;
mod classes;
mod cli;
mod corridor;
mod experiments;
mod extends;
mod ledger;
mod optimize;
mod properties;
mod queueing;
mod readme;
mod shards;
mod sweeps;
mod validation;
mod zones;

use std::path::Path;

use landport::{RunResult, Scenario};

/// The experiment `landport run scenarios/<name>.toml` makes of a shipped scenario (its own seed
/// and replications, statistics only), computed once per test binary and shared by the tests that
/// check the published figures, the README and the committed charts.
pub fn shipped_experiment(name: &str) -> &'static landport::experiment::Experiment {
    use std::sync::OnceLock;
    const NAMES: [&str; 13] = [
        "alashankou-legacy",
        "alashankou-reformed",
        "horgos-legacy",
        "horgos-reformed",
        "variants/reformed-exit-24h",
        "variants/reformed-scanner-failures",
        "variants/horgos-fresh-goods",
        "variants/horgos-green-lane",
        "variants/horgos-fresh-priority",
        "corridor/corridor",
        "corridor/flooded",
        "corridor/aligned",
        "corridor/dostyk-closed",
    ];
    static EXPERIMENTS: [OnceLock<landport::experiment::Experiment>; 13] =
        [const { OnceLock::new() }; 13];
    let index = NAMES
        .iter()
        .position(|known| *known == name)
        .unwrap_or_else(|| panic!("{name} is not a shipped scenario"));
    EXPERIMENTS[index].get_or_init(|| {
        let scenario =
            landport::scenario::load(Path::new(&format!("scenarios/{name}.toml"))).unwrap();
        landport::experiment::Experiment::run(
            &scenario,
            scenario.seed(),
            scenario.replications(),
            false,
        )
    })
}

/// A metric by its name in result files.
pub fn id(name: &str) -> landport::experiment::MetricId {
    name.parse().unwrap()
}

/// Parses scenario text that must be valid.
pub fn scenario(text: &str) -> Scenario {
    match landport::scenario::parse(text, Path::new("test.toml")) {
        Ok(scenario) => scenario,
        Err(error) => panic!("test scenario is invalid:\n{error}"),
    }
}

/// A shipped scenario's text with the files it extends merged in, so that a test can edit it.
pub fn shipped(name: &str) -> String {
    landport::scenario::resolved_text(Path::new(&format!("scenarios/{name}.toml"))).unwrap()
}

/// An M/M/c desk: Poisson arrivals at `rate_per_hour`, `servers` desks with exponential service of
/// mean `mean_service_minutes`, measured over `days` after `warmup_days`.
pub fn mmc(
    rate_per_hour: f64,
    mean_service_minutes: f64,
    servers: u32,
    warmup_days: u32,
    days: u32,
) -> String {
    format!(
        r#"
name = "mmc"
seed = 1
warmup = "{warmup_days} d"
horizon = "{days} d"
[arrivals]
process = "poisson"
rate = "{rate_per_hour} trucks per hour"
to = "desk"
[stages.desk]
servers = {servers}
service = {{ dist = "exponential", mean = "{mean_service_minutes} min" }}
routes = [{{ to = "exit" }}]
"#
    )
}

/// Runs `replications` independent replications (seeds 1..=replications), summaries only, on
/// rayon (in seed order).
pub fn replicate(scenario: &Scenario, replications: u64) -> Vec<RunResult> {
    use rayon::prelude::*;
    (1..=replications)
        .into_par_iter()
        .map(|seed| landport::run_summary(scenario, seed))
        .collect()
}

/// Mean and standard error of the mean over replications.
pub fn mean_and_standard_error(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (variance / n).sqrt())
}
