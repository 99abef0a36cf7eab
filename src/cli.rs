//! The command line: argument parsing and the commands, over the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::output;
use crate::scenario::{self, ScenarioError};

#[derive(Debug, Parser)]
#[command(
    name = "landport",
    version,
    about = "Simulate trucks clearing a land border port",
    long_about = "landport simulates trucks clearing a land border port: loading, declaration, document \
checks, X-ray and manual inspection, exit. Ports are described in TOML scenario files.",
    after_help = "Example:\n  landport run scenarios/alashankou-reformed.toml\n  landport validate scenarios/alashankou-legacy.toml"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a scenario and write trucks.csv, stages.csv and summary.json.
    #[command(
        after_help = "Example:\n  landport run scenarios/alashankou-reformed.toml --seed 7\n\n\
Writes output/<scenario name>/ (or --out DIR): trucks.csv (one row per truck), stages.csv (one row \
per stage) and summary.json. Times are in hours. Trucks arriving during the warm-up are left out of \
the statistics."
    )]
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Seed of the random streams; overrides the scenario's `seed`.
        #[arg(long)]
        seed: Option<u64>,
        /// Directory for the result files [default: output/<scenario name>].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Check a scenario and print each stage's offered load; exit 0 when valid, 2 otherwise.
    #[command(
        after_help = "Example:\n  landport validate scenarios/alashankou-legacy.toml\n\n\
Every problem is reported at once as FILE:LINE:COLUMN: KEY: MESSAGE. A stage whose offered load \
is at or above 1 gets a warning: its queue grows without bound."
    )]
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
    },
}

/// Runs the command line and returns the process exit code: 0 on success, 2 on any error.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match execute(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn execute(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Run {
            scenario,
            seed,
            out,
        } => run(scenario, seed, out),
        Command::Validate { scenario } => validate(scenario),
    }
}

fn load(path: &Path) -> anyhow::Result<crate::Scenario> {
    scenario::load(path).map_err(|error| match error {
        ScenarioError::Invalid(_) => anyhow::anyhow!("invalid scenario:\n{error}"),
        ScenarioError::Read { .. } => anyhow::Error::new(error),
    })
}

/// Writes to stdout; a closed pipe (`landport run ... | head`) is not an error.
fn say(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(error).context("writing to stdout")
        }
        _ => Ok(()),
    }
}

/// Warns on stderr about every stage at or above load 1 and returns the offered-load table.
fn offered_load_table(scenario: &crate::Scenario) -> String {
    let (table, warnings) = output::load_table(&scenario.offered_loads());
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    table
}

fn validate(path: PathBuf) -> anyhow::Result<()> {
    let scenario = load(&path)?;
    let table = offered_load_table(&scenario);
    say(&format!(
        "{}: valid scenario '{}' with {} stages\n{table}",
        path.display(),
        scenario.name(),
        scenario.stage_names().count()
    ))
}

fn run(path: PathBuf, seed: Option<u64>, out: Option<PathBuf>) -> anyhow::Result<()> {
    let scenario = load(&path)?;
    offered_load_table(&scenario);
    let seed = seed.unwrap_or(scenario.seed());
    let result = crate::run(&scenario, seed);
    let dir = out.unwrap_or_else(|| PathBuf::from("output").join(scenario.name()));
    let written = output::write_run(&dir, &scenario, &result).context("writing results")?;
    let mut text = output::summary_table(&result);
    text.push('\n');
    for path in written {
        text.push_str(&format!("wrote {}\n", path.display()));
    }
    say(&text)
}
