//! The command line: argument parsing and the commands, over the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::compare::{self as comparing, Comparison};
use crate::experiment::{self, Experiment};
use crate::output;
use crate::report::{self, PlotOptions, TimeAxis};
use crate::scenario::{self, ScenarioError};
use crate::sweep::{self, SweepError};
use indicatif::{ProgressBar, ProgressStyle};

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
    /// Simulate a scenario's replications and write their results.
    #[command(
        after_help = "Examples:\n  landport run scenarios/alashankou-reformed.toml\n  \
landport run scenarios/alashankou-legacy.toml --replications 20 --threads 2\n  \
landport run scenarios/alashankou-legacy.toml --replications 20 --replication 7\n\n\
Replication i runs with a seed derived from (base seed, i): --replication I reruns one alone.\n\
Writes output/<scenario name>/ (or --out DIR): trucks.csv (one row per truck of the first \
replication), stages.csv (one row per replication and stage), metrics.csv (each metric's mean \
and 95% interval), replications.csv (each replication's seed and metrics) and summary.json. \
Times are in hours. Trucks arriving during the warm-up are left out of the statistics."
    )]
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Base seed of the replications; overrides the scenario's `seed`.
        #[arg(long)]
        seed: Option<u64>,
        /// Number of replications; overrides the scenario's `replications` [default: 1].
        #[arg(long, short = 'n', value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
        replications: Option<u32>,
        /// Run only replication I (0-based) of the experiment, as it runs among the others.
        #[arg(long, value_name = "I", conflicts_with = "replications")]
        replication: Option<u32>,
        #[command(flatten)]
        threads: Threads,
        /// Directory for the result files [default: output/<scenario name>].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        #[command(flatten)]
        plots: Plots,
    },
    /// Run policy variants with the same seeds and show each one's difference from the first.
    #[command(
        after_help = "Example:\n  landport compare scenarios/alashankou-legacy.toml scenarios/alashankou-reformed.toml\n\n\
Every variant runs replications 0..N with the seeds of the first scenario's base seed (or --seed), \
and streams keyed by stage name: common random numbers, so differences are paired replication by \
replication and their intervals are narrower than those of independent runs. Prints each metric with \
its 95% interval, each variant's paired difference from the first with its interval and the change \
in percent, and where a truck's time goes at each stage. Writes compare.csv and compare.json to \
output/compare-<first>-vs-<second>.../ (or --out DIR)."
    )]
    Compare {
        /// The first scenario (the base) and the variants to set against it.
        #[arg(required = true, num_args = 2.., value_name = "SCENARIO")]
        scenarios: Vec<PathBuf>,
        /// Base seed of the replications; overrides the first scenario's `seed`.
        #[arg(long)]
        seed: Option<u64>,
        /// Number of replications; overrides the first scenario's `replications`.
        #[arg(long, short = 'n', value_name = "N", value_parser = clap::value_parser!(u32).range(2..=100_000))]
        replications: Option<u32>,
        #[command(flatten)]
        threads: Threads,
        /// Directory for the result files [default: output/compare-<names>].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        #[command(flatten)]
        plots: Plots,
    },
    /// Vary scenario keys over a grid or a list of points, with replications, on every core.
    #[command(
        after_help = "Example:\n  landport sweep scenarios/sweeps/reformed-inspection.toml --threads 2\n\n\
A sweep file names a base `scenario` (relative to the sweep file), optional `replications` and \
`seed`, and either a [grid] of key paths with a list of values or a range { from, to, step } \
(every combination runs), or a list of [[points]]. The whole file and every point's scenario are \
checked before anything runs. Every point runs the same replication seeds. Writes sweep.csv (one \
row per point: the varied values, then every metric's mean and 95% half-width) and sweep.json \
to output/sweep-<name>/ (or --out DIR); the bytes do not depend on --threads."
    )]
    Sweep {
        /// The sweep file (TOML).
        sweep: PathBuf,
        #[command(flatten)]
        threads: Threads,
        /// No progress bar (there is none either when stderr is not a terminal).
        #[arg(long, short = 'q')]
        quiet: bool,
        /// Directory for the result files [default: output/sweep-<name>].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        #[command(flatten)]
        plots: Plots,
    },
    /// Draw the charts and report.html of a results folder again, without simulating.
    #[command(after_help = "Examples:\n  landport plot output/alashankou-legacy\n  \
landport plot output/compare-alashankou-legacy-vs-alashankou-reformed --time-axis log\n  \
landport plot output/sweep-reformed-inspection --metric dwell_p95_h --metric xray.utilization\n\n\
Reads the files a run, compare or sweep wrote and writes each chart as PNG and SVG (1200x800) \
into the folder, and report.html: the summary tables and every chart in one page that opens \
offline. Run and compare folders get the dwell-time distribution, where the time goes, queues \
over time, utilization and trucks cleared per day; sweep folders a chart per metric against the \
first varied key and, for a two-key grid, a heatmap. Charts whose data an older landport did not \
write are left out.")]
    Plot {
        /// The results folder.
        dir: PathBuf,
        #[command(flatten)]
        style: PlotStyle,
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

/// Whether a command draws its charts.
#[derive(Debug, clap::Args)]
struct Plots {
    /// Write the result files only: no charts, no report.html.
    #[arg(long)]
    no_plots: bool,
}

/// How charts are drawn.
#[derive(Debug, Clone, Default, clap::Args)]
struct PlotStyle {
    /// Time axis of the dwell-time distribution: logarithmic when the variants' medians differ
    /// five times or more (auto), or as chosen.
    #[arg(long, value_enum, default_value_t = TimeAxis::Auto)]
    time_axis: TimeAxis,
    /// A sweep metric to draw (repeatable) [default: dwell_mean_h, dwell_p95_h, cleared_per_day].
    #[arg(long = "metric", value_name = "NAME")]
    metrics: Vec<String>,
}

impl PlotStyle {
    fn options(&self) -> PlotOptions {
        PlotOptions {
            time_axis: self.time_axis,
            metrics: self.metrics.clone(),
        }
    }
}

impl Plots {
    /// Draws the charts of `dir` unless `--no-plots`, and adds a line about them to `text`.
    fn draw(&self, dir: &Path, text: &mut String) -> anyhow::Result<()> {
        if self.no_plots {
            return Ok(());
        }
        let written = report::plot(dir, &PlotOptions::default()).context("drawing charts")?;
        text.push_str(&charts_line(dir, &written));
        Ok(())
    }
}

/// `drew N charts (PNG and SVG) and DIR/report.html`.
fn charts_line(dir: &Path, written: &[PathBuf]) -> String {
    let charts = written
        .iter()
        .filter(|path| path.extension().is_some_and(|ext| ext == "png"))
        .count();
    format!(
        "drew {charts} charts (PNG and SVG) and {}\n",
        dir.join("report.html").display()
    )
}

/// Worker threads for replications and sweep points.
#[derive(Debug, clap::Args)]
struct Threads {
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
}

impl Threads {
    /// Runs `work` on a rayon pool of the chosen size.
    fn install<T: Send>(&self, work: impl FnOnce() -> T + Send) -> anyhow::Result<T> {
        let mut builder = rayon::ThreadPoolBuilder::new();
        if let Some(threads) = self.threads {
            builder = builder.num_threads(usize::from(threads));
        }
        let pool = builder.build().context("starting worker threads")?;
        Ok(pool.install(work))
    }
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
            replications,
            replication,
            threads,
            out,
            plots,
        } => run(
            scenario,
            seed,
            replications,
            replication,
            threads,
            out,
            &plots,
        ),
        Command::Validate { scenario } => validate(scenario),
        Command::Sweep {
            sweep,
            threads,
            quiet,
            out,
            plots,
        } => sweep_command(&sweep, threads, quiet, out, &plots),
        Command::Compare {
            scenarios,
            seed,
            replications,
            threads,
            out,
            plots,
        } => compare(&scenarios, seed, replications, threads, out, &plots),
        Command::Plot { dir, style } => plot(&dir, &style),
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

/// A result table, then the files written.
fn with_files(mut text: String, written: &[PathBuf]) -> String {
    text.push('\n');
    for path in written {
        text.push_str(&format!("wrote {}\n", path.display()));
    }
    text
}

/// Warns on stderr about every stage at or above load 1 and returns the offered-load table.
fn offered_load_table(scenario: &crate::Scenario) -> String {
    let (table, warnings) = output::load_table(&scenario.offered_loads());
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    table
}

fn plot(dir: &Path, style: &PlotStyle) -> anyhow::Result<()> {
    let written = report::plot(dir, &style.options())?;
    let mut text = String::new();
    for path in &written {
        text.push_str(&format!("wrote {}\n", path.display()));
    }
    say(&text)
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

fn run(
    path: PathBuf,
    seed: Option<u64>,
    replications: Option<u32>,
    replication: Option<u32>,
    threads: Threads,
    out: Option<PathBuf>,
    plots: &Plots,
) -> anyhow::Result<()> {
    let scenario = load(&path)?;
    offered_load_table(&scenario);
    let base_seed = seed.unwrap_or(scenario.seed());
    let experiment = match replication {
        Some(i) => {
            let run = crate::run(&scenario, experiment::replication_seed(base_seed, i));
            let mut experiment = Experiment::from_runs(&scenario, base_seed, vec![run]);
            experiment.first_replication = i;
            experiment
        }
        None => {
            let replications = replications.unwrap_or(scenario.replications());
            threads.install(|| Experiment::run(&scenario, base_seed, replications, true))?
        }
    };
    let dir = out.unwrap_or_else(|| PathBuf::from("output").join(scenario.name()));
    let written = output::write_run(&dir, &scenario, &experiment).context("writing results")?;
    let mut text = output::summary_table(&experiment);
    if let Some(i) = replication {
        text.push_str(&format!(
            "(replication {i} alone, seed {})\n",
            experiment.seeds[0]
        ));
    }
    let mut text = with_files(text, &written);
    plots.draw(&dir, &mut text)?;
    say(&text)
}

fn compare(
    paths: &[PathBuf],
    seed: Option<u64>,
    replications: Option<u32>,
    threads: Threads,
    out: Option<PathBuf>,
    plots: &Plots,
) -> anyhow::Result<()> {
    let mut scenarios = Vec::with_capacity(paths.len());
    for path in paths {
        let scenario = load(path)?;
        if let Some((other, _)) = scenarios
            .iter()
            .find(|(_, known): &&(PathBuf, crate::Scenario)| known.name() == scenario.name())
        {
            anyhow::bail!(
                "{} and {} are both named '{}': give each variant its own `name`",
                other.display(),
                path.display(),
                scenario.name()
            );
        }
        offered_load_table(&scenario);
        scenarios.push((path.clone(), scenario));
    }
    let first = &scenarios[0].1;
    let base_seed = seed.unwrap_or(first.seed());
    // At least two replications: a paired difference needs them for its interval.
    let replications = replications.unwrap_or(first.replications()).max(2);
    let comparison = threads.install(|| Comparison::run(&scenarios, base_seed, replications))?;
    let dir = out.unwrap_or_else(|| PathBuf::from("output").join(comparison.folder_name()));
    let mut written = Vec::new();
    for ((_, scenario), variant) in scenarios.iter().zip(&comparison.variants) {
        let variant_dir = dir.join(&variant.name);
        output::write_run(&variant_dir, scenario, &variant.experiment)
            .context("writing results")?;
        written.push(variant_dir);
    }
    written.extend(
        output::write_files(
            &dir,
            &[
                ("compare.csv", &|w| {
                    comparing::write_compare_csv(w, &comparison)
                }),
                ("compare.json", &|w| {
                    comparing::write_compare_json(w, &comparison)
                }),
            ],
        )
        .context("writing results")?,
    );
    let mut text = with_files(comparing::comparison_table(&comparison), &written);
    plots.draw(&dir, &mut text)?;
    say(&text)
}

fn sweep_command(
    path: &Path,
    threads: Threads,
    quiet: bool,
    out: Option<PathBuf>,
    plots: &Plots,
) -> anyhow::Result<()> {
    use std::io::IsTerminal as _;
    let sweep = sweep::load(path).map_err(|error| match error {
        SweepError::Invalid(_) => anyhow::anyhow!("invalid sweep:\n{error}"),
        SweepError::Read { .. } => anyhow::Error::new(error),
    })?;
    let runs = sweep.points.len() as u64 * u64::from(sweep.replications);
    let progress = if quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(runs).with_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:40}] {pos}/{len} runs  {per_sec}  ETA {eta}",
            )
            .context("progress bar template")?
            .progress_chars("=> "),
        )
    };
    let results = threads.install(|| sweep::run(&sweep, &|| progress.inc(1)))?;
    progress.finish_and_clear();
    let dir = out.unwrap_or_else(|| PathBuf::from("output").join(sweep::folder_name(&sweep)));
    let written = output::write_files(
        &dir,
        &[
            ("sweep.csv", &|w| {
                sweep::write_sweep_csv(w, &sweep, &results)
            }),
            ("sweep.json", &|w| {
                sweep::write_sweep_json(w, &sweep, &results)
            }),
        ],
    )
    .context("writing results")?;
    let mut text = with_files(sweep::sweep_table(&sweep, &results), &written);
    plots.draw(&dir, &mut text)?;
    say(&text)
}
