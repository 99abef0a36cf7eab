//! The command line: argument parsing and the commands, over the library. Only the binary
//! knows clap, anyhow, indicatif and Ctrl-C; the library knows none of them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use landport::compare::Comparison;
use landport::driver::{self, journal, Outcome, Prepared};
use landport::engine::StopToken;
use landport::experiment::{self, Experiment};
use landport::output::{self, table};
use landport::report::{self, PlotOptions, TimeAxis};
use landport::scenario::{self, InputError};
use landport::sweep::{self, runs, Shard, SweepInfo};

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
    /// Print only warnings and errors: no result table, no list of files, no progress bar (the
    /// exit code says whether the command succeeded).
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate a scenario's replications and write their results.
    #[command(
        after_help = "Examples:\n  landport run scenarios/alashankou-reformed.toml\n  \
landport run scenarios/alashankou-legacy.toml --replications 20 --threads 2\n  \
landport run scenarios/alashankou-legacy.toml --replication 7\n\n\
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
        /// Number of replications [default: the scenario's `replications`, 1 when it gives none].
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
        records: RecordsArg,
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
        records: RecordsArg,
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
to output/sweep-<name>/ (or --out DIR); the bytes do not depend on --threads.\n\n\
Each finished run is kept in runs.jsonl: Ctrl-C stops the runs under way and exits with code 130, \
and --resume runs \
only the missing ones, to the same bytes. --shard I/N runs one share of the runs for `landport \
merge`; --slurm --shards N writes an sbatch job-array script that runs every shard, and prints \
the merge command.\n  landport sweep scenarios/sweeps/reformed-inspection.toml --slurm --shards 8 \
--time 00:30:00"
    )]
    Sweep {
        /// The sweep file (TOML).
        sweep: PathBuf,
        #[command(flatten)]
        run: SweepRun,
    },
    /// Find the cheapest staffing (servers, shift servers) whose constraints on the results hold
    /// with the confidence asked.
    #[command(
        after_help = "Example:\n  landport optimize scenarios/optimize/alashankou-1.5x.toml\n\n\
An optimisation file names a base `scenario`, the [decisions] (integer key paths with { from, to \
} and `cost_per_server_hour` or `cost_per_unit`, a day), and [[constraints]] on result metrics \
(`metric`, `at_most` or `at_least`, one-sided `confidence`, 0.95 by default). The search starts \
at the smallest values that keep every stage below an offered load of 1, adds the unit that \
closes most of the constraints' shortfall per unit of cost until they hold, then moves to \
cheaper feasible neighbours; the `candidates` cheapest feasible points run `confirm_replications` \
more replications, and the cheapest that passes is chosen (each constraint holds with the \
confidence asked). Writes optimize.csv (every point run) and optimize.json and the charts to \
output/optimize-<name>/ (or --out DIR); the bytes do not depend on --threads. Each run is kept in \
runs.jsonl: after Ctrl-C (exit 130), --resume runs only what is missing. Exit 2 when no point \
meets the constraints, naming the constraint and the best value reached."
    )]
    Optimize {
        /// The optimisation file (TOML).
        file: PathBuf,
        #[command(flatten)]
        threads: Threads,
        /// Directory for the result files [default: output/optimize-<name>].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Go on with an optimisation that was interrupted: run only the runs its folder lacks.
        #[arg(long)]
        resume: bool,
        #[command(flatten)]
        plots: Plots,
    },
    /// Which reform bought which hours: every combination of a ledger's reforms, each reform's
    /// Shapley share with its interval.
    #[command(
        after_help = "Example:\n  landport ledger scenarios/ledgers/toy.toml\n\n\
A ledger file names a base `scenario`, optional `replications` and `seed`, and [[reforms]], each \
with a `name` and a `file`: a part of a scenario (no `extends`) merged over the base as a file \
extending it would be. Two reforms may not set the same value two ways. Every combination of the \
reforms (2^k, k at most 10) runs with the same replication seeds, as the points of a sweep: \
progress bar, runs.jsonl, --resume, --shard and `landport merge` work as for a sweep (and \
`landport sweep` runs a ledger file too). Writes sweep.csv and sweep.json (one row per \
combination, the port's metrics), ledger.csv and ledger.json (each reform's Shapley share of the \
change from the base to all reforms, computed per replication, with its 95% interval; the reform \
alone on the base; the reform taken out last; pairwise interactions) and a waterfall chart to \
output/ledger-<name>/ (or --out DIR)."
    )]
    Ledger {
        /// The ledger file (TOML).
        ledger: PathBuf,
        #[command(flatten)]
        run: SweepRun,
    },
    /// Combine the shards of a sweep into its results, as one machine would have written them.
    #[command(
        after_help = "Example:\n  landport merge output/sweep-reformed-inspection/shard-*-of-4\n\n\
Every folder must hold a complete shard (shard.json) of the same sweep, scenario version and \
landport version, and every shard 1..N must be there; merge names any that is missing or does \
not belong. Writes sweep.csv and sweep.json (byte for byte those of an unsharded sweep) and the \
charts to output/sweep-<name>/ (or --out DIR)."
    )]
    Merge {
        /// The shards' folders.
        #[arg(required = true, value_name = "DIR")]
        shards: Vec<PathBuf>,
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
    /// Print a scenario as landport reads it: merged with the files it extends, each value with
    /// the file and line it came from.
    #[command(
        after_help = "Example:\n  landport show scenarios/variants/reformed-exit-24h.toml\n\n\
Prints one TOML document, the scenario and every file it `extends` merged by the layering rules, \
after each value a comment naming the file and line it came from. Saved to a file it is a \
standalone scenario (file names in it, such as a trace's, stay relative to the files they were \
written in)."
    )]
    Show {
        /// The scenario file (TOML).
        scenario: PathBuf,
    },
    /// Write a standalone, commented scenario to start from.
    #[command(
        after_help = "Example:\n  landport init my-port\n  landport run my-port.toml\n\n\
Writes NAME.toml (in --dir, default the current folder; an existing file is left alone): a small \
port with every section explained in comments, valid as written. Change it, `landport validate` it, \
run it."
    )]
    Init {
        /// The scenario's name: letters, digits, `-` and `_`; the file is NAME.toml.
        name: String,
        /// The folder to write NAME.toml into [default: the current folder].
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Check a scenario (and print each stage's offered load), a sweep file (every point of it)
    /// or an optimisation file; exit 0 when valid, 2 otherwise.
    #[command(
        after_help = "Examples:\n  landport validate scenarios/alashankou-legacy.toml\n  \
landport validate scenarios/sweeps/reformed-inspection.toml\n\n\
Every problem is reported at once as FILE:LINE:COLUMN: KEY: MESSAGE. A stage whose offered load \
is at or above 1 gets a warning: its queue grows without bound. A sweep file (one with \
`scenario` and a [grid] or [[points]]) is checked whole: every point's scenario, however many \
(`sweep` checks a sweep of more than 10,000 points as it runs). An optimisation file (one with \
`scenario` and [decisions]) is checked with each value of each decision, and each decision's \
range, lower bound from stability and unit cost are printed."
    )]
    Validate {
        /// The scenario, sweep or optimisation file (TOML).
        scenario: PathBuf,
    },
}

/// How a sweep (or a ledger, whose combinations are a sweep's points) runs.
#[derive(Debug, clap::Args)]
struct SweepRun {
    #[command(flatten)]
    threads: Threads,
    /// Directory for the result files [default: output/sweep-<name> (output/ledger-<name> for a
    /// ledger), and its shard-I-of-N for a shard].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Go on with a sweep that was interrupted: run only the runs its folder lacks.
    #[arg(long)]
    resume: bool,
    /// Run only shard I of N: every N-th (point, replication) pair, from the I-th (1-based).
    /// Writes a partial result for `landport merge`.
    #[arg(long, value_name = "I/N", conflicts_with = "slurm")]
    shard: Option<Shard>,
    #[command(flatten)]
    slurm: SlurmArgs,
    #[command(flatten)]
    plots: Plots,
}

/// `sweep --slurm`: write a Slurm job-array script instead of running.
#[derive(Debug, clap::Args)]
struct SlurmArgs {
    /// Write an sbatch script that runs the sweep as a job array of --shards tasks, and print it
    /// with the merge command to run after it; runs nothing.
    #[arg(long, requires = "shards")]
    slurm: bool,
    /// Tasks in the job array (shards of the sweep).
    #[arg(long, value_name = "N", requires = "slurm", value_parser = clap::value_parser!(u32).range(1..=i64::from(runs::MAX_SHARDS)))]
    shards: Option<u32>,
    /// Slurm partition [default: the cluster's default].
    #[arg(long, value_name = "NAME", requires = "slurm")]
    partition: Option<String>,
    /// Time limit of each task.
    #[arg(
        long,
        value_name = "TIME",
        default_value = "01:00:00",
        requires = "slurm"
    )]
    time: String,
    /// CPUs per task: the threads each shard runs on.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "slurm", value_parser = clap::value_parser!(u32).range(1..=4096))]
    cpus_per_task: u32,
}

/// What a run keeps of each truck.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Records {
    /// Summary statistics only: memory bounded by the trucks in the port, not those simulated.
    None,
    /// Also every truck of the first replication, in trucks.csv.
    Csv,
}

#[derive(Debug, clap::Args)]
struct RecordsArg {
    /// Per-truck records of the first replication: `csv` writes trucks.csv, `none` keeps only
    /// the statistics (for very long runs).
    #[arg(long, value_enum, default_value_t = Records::Csv)]
    records: Records,
}

impl RecordsArg {
    fn keep(&self) -> bool {
        self.records == Records::Csv
    }
}

/// Peak resident memory of this process (Linux), for the end of a run's summary.
fn peak_memory_line() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().strip_suffix("kB"))
        .and_then(|kib| kib.trim().parse::<f64>().ok())
        .map_or_else(String::new, |kib| {
            format!("peak resident memory: {:.1} MiB\n", kib / 1024.0)
        })
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
    #[arg(long, value_enum, default_value_t = TimeAxisArg::Auto)]
    time_axis: TimeAxisArg,
    /// A sweep metric to draw (repeatable) [default: dwell_mean_h, dwell_p95_h, cleared_per_day].
    #[arg(long = "metric", value_name = "NAME")]
    metrics: Vec<String>,
    /// Where the time goes with each variant's panel on its own hours scale [default: one scale
    /// for all, so that the same hours are the same length in every panel].
    #[arg(long)]
    independent_scales: bool,
}

/// The time axis of dwell-time charts, as `--time-axis` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
enum TimeAxisArg {
    /// Logarithmic when the variants' medians differ by 5 times or more, else linear.
    #[default]
    Auto,
    Linear,
    Log,
}

impl From<TimeAxisArg> for TimeAxis {
    fn from(axis: TimeAxisArg) -> TimeAxis {
        match axis {
            TimeAxisArg::Auto => TimeAxis::Auto,
            TimeAxisArg::Linear => TimeAxis::Linear,
            TimeAxisArg::Log => TimeAxis::Log,
        }
    }
}

impl PlotStyle {
    fn options(&self) -> PlotOptions {
        PlotOptions {
            time_axis: self.time_axis.into(),
            metrics: self.metrics.clone(),
            independent_scales: self.independent_scales,
        }
    }
}

impl Plots {
    /// Draws the charts of `dir` unless `--no-plots`, and says so on stderr.
    fn draw(&self, dir: &Path) -> anyhow::Result<()> {
        if self.no_plots {
            return Ok(());
        }
        let written = report::plot(dir, &PlotOptions::default()).context("drawing charts")?;
        tell(&charts_line(dir, &written));
        Ok(())
    }

    /// Draws a sweep's charts, unless it has too many points for charts to show.
    fn draw_sweep(&self, dir: &Path, info: &SweepInfo) -> anyhow::Result<()> {
        if self.no_plots {
            return Ok(());
        }
        if info.points.len() > report::MAX_SWEEP_POINTS {
            tell(&format!(
                "no charts: {} points are more than the {} a sweep's charts draw; its results \
are in sweep.csv\n",
                info.points.len(),
                report::MAX_SWEEP_POINTS
            ));
            return Ok(());
        }
        self.draw(dir)
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
    /// Worker threads [default: all cores]. Results do not depend on it. trucks.csv is
    /// written by a thread of its own beside them.
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
            // 130: stopped by SIGINT, as a shell reports it.
            ExitCode::from(if error.is::<Interrupted>() { 130 } else { 2 })
        }
    }
}

fn execute(cli: Cli) -> anyhow::Result<()> {
    QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    match cli.command {
        Command::Run {
            scenario,
            seed,
            replications,
            replication,
            threads,
            out,
            records,
            plots,
        } => run(
            scenario,
            Which {
                seed,
                replications,
                replication,
            },
            &records,
            threads,
            out,
            &plots,
        ),
        Command::Validate { scenario } => validate(scenario),
        Command::Sweep {
            sweep,
            run:
                SweepRun {
                    threads,
                    out,
                    resume,
                    shard,
                    slurm,
                    plots,
                },
        }
        | Command::Ledger {
            ledger: sweep,
            run:
                SweepRun {
                    threads,
                    out,
                    resume,
                    shard,
                    slurm,
                    plots,
                },
        } => {
            let options = SweepOptions {
                quiet: cli.quiet,
                out,
                resume,
                shard,
            };
            if slurm.slurm {
                slurm_script(&sweep, &slurm, options.out)
            } else {
                sweep_command(&sweep, threads, options, &plots)
            }
        }
        Command::Merge { shards, out, plots } => merge(&shards, out, &plots),
        Command::Optimize {
            file,
            threads,
            out,
            resume,
            plots,
        } => optimize_command(&file, threads, out, resume, cli.quiet, &plots),
        Command::Compare {
            scenarios,
            seed,
            replications,
            threads,
            out,
            records,
            plots,
        } => compare(
            &scenarios,
            seed,
            replications,
            &records,
            threads,
            out,
            &plots,
        ),
        Command::Plot { dir, style } => plot(&dir, &style),
        Command::Show { scenario } => {
            let kind = if sweep::is_sweep_file(&scenario) {
                Some("a sweep file")
            } else if sweep::is_optimization_file(&scenario) {
                Some("an optimisation file")
            } else if sweep::is_ledger_file(&scenario) {
                Some("a ledger file")
            } else {
                None
            };
            if let Some(kind) = kind {
                anyhow::bail!(
                    "{} is {kind}: `landport show` takes a scenario, such as the one its \
`scenario` key names",
                    scenario.display()
                );
            }
            let text = scenario::shown_text(&scenario).map_err(input_error("scenario"))?;
            say(&text)
        }
        Command::Init { name, dir } => init(&name, dir),
    }
}

/// An input file's problems under `invalid <kind>:`, or why it could not be read.
fn input_error(kind: &'static str) -> impl Fn(InputError) -> anyhow::Error {
    move |error| match error {
        InputError::Invalid(_) => anyhow::anyhow!("invalid {kind}:\n{error}"),
        InputError::Read { .. } => anyhow::Error::new(error),
    }
}

fn load(path: &Path) -> anyhow::Result<landport::Scenario> {
    scenario::load(path).map_err(input_error("scenario"))
}

/// `--quiet`: results and notes are not printed; warnings and errors are.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// Writes a result to stdout (nothing with `--quiet`); a closed pipe (`landport run ... | head`)
/// is not an error.
fn say(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    if quiet() {
        return Ok(());
    }
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(error).context("writing to stdout")
        }
        _ => Ok(()),
    }
}

/// Writes a note about the work (files written, memory, resuming) to stderr, as cargo and
/// ripgrep do, so that stdout holds only results; nothing with `--quiet`.
fn tell(text: &str) {
    if !quiet() {
        eprint!("{text}");
    }
}

/// `wrote PATH` for each file written.
fn files_lines(written: &[PathBuf]) -> String {
    written
        .iter()
        .map(|path| format!("wrote {}\n", path.display()))
        .collect()
}

/// Warns on stderr about every stage at or above load 1 and returns the offered-load table.
/// Warns on stderr about every stage at or above load 1 and every caution of the scenario, and
/// returns the offered-load table.
fn offered_load_table(scenario: &landport::Scenario) -> String {
    let (table, warnings) = table::load_table(&scenario.offered_loads());
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    for caution in scenario.cautions() {
        eprintln!(
            "warning: {}: {}",
            scenario.name(),
            table::caution_sentence(&caution)
        );
    }
    table
}

fn plot(dir: &Path, style: &PlotStyle) -> anyhow::Result<()> {
    let written = report::plot(dir, &style.options())?;
    tell(&files_lines(&written));
    Ok(())
}

/// Warns on stderr about every replication that stopped at a limit, and about many trucks left
/// in the port at the end.
fn warn_after_run(experiment: &Experiment) {
    for warning in table::stopped_warnings(experiment) {
        eprintln!("warning: {} {warning}", experiment.scenario);
    }
    if let Some(warning) = table::left_in_port_warning(experiment) {
        eprintln!("warning: {}: {warning}", experiment.scenario);
    }
}

/// `landport init NAME`: the template with its name, written where no file is.
fn init(name: &str, dir: Option<PathBuf>) -> anyhow::Result<()> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        anyhow::bail!(
            "the name `{name}` must be letters, digits, `-` and `_` (it names the file and the \
results folder)"
        );
    }
    let dir = dir.unwrap_or_else(|| PathBuf::from("."));
    let path = dir.join(format!("{name}.toml"));
    let text = scenario::TEMPLATE.replace("{name}", name);
    if path.exists() {
        anyhow::bail!("{} exists: it is left alone", path.display());
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    // Written whole beside it, then linked into place: never half a file, never over one (a
    // file system without hard links gets a rename, after the check above).
    let partial = dir.join(format!(".{name}.toml.partial"));
    let written = std::fs::write(&partial, text.as_bytes()).and_then(|()| {
        std::fs::hard_link(&partial, &path).or_else(|error| match error.kind() {
            std::io::ErrorKind::AlreadyExists => Err(error),
            _ => std::fs::rename(&partial, &path),
        })
    });
    let _ = std::fs::remove_file(&partial);
    written.with_context(|| format!("writing {}", path.display()))?;
    tell(&files_lines(std::slice::from_ref(&path)));
    say(&format!(
        "next: landport validate {p}\n      landport run {p}\n",
        p = path.display()
    ))
}

fn validate(path: PathBuf) -> anyhow::Result<()> {
    if sweep::is_sweep_file(&path) || sweep::is_ledger_file(&path) {
        return validate_sweep(&path);
    }
    if sweep::is_optimization_file(&path) {
        return validate_optimization(&path);
    }
    let scenario = load(&path)?;
    let table = offered_load_table(&scenario);
    let stages = scenario.stage_names().count();
    say(&format!(
        "{}: valid scenario '{}' with {stages} stage{}\n{table}",
        path.display(),
        scenario.name(),
        if stages == 1 { "" } else { "s" }
    ))
}

/// `validate` of an optimisation file: the file, each value of each decision, and where the
/// search starts (stability's lower bounds) with each unit's cost.
fn validate_optimization(path: &Path) -> anyhow::Result<()> {
    let optimization = landport::optimize::load(path).map_err(input_error("optimisation file"))?;
    let plan = optimization.plan()?;
    let info = &optimization.sweep.info;
    let mut text = format!(
        "{}: valid optimisation '{}': {} decisions over {} points of {}, {} constraint{}
",
        path.display(),
        info.name,
        optimization.decisions.len(),
        optimization.grid_points(),
        info.scenario_file.display(),
        optimization.constraints.len(),
        if optimization.constraints.len() == 1 {
            ""
        } else {
            "s"
        }
    );
    let rows: Vec<table::DecisionRow> = optimization
        .decisions
        .iter()
        .enumerate()
        .map(|(d, decision)| table::DecisionRow {
            key: &decision.key,
            value: format!("{}–{}", decision.from, decision.to),
            lower_bound: plan.lower[d],
            unit_cost: plan.unit_costs[d],
        })
        .collect();
    text.push_str(&table::decisions_table(("range", 7), &rows));
    say(&text)
}

/// `validate` of a sweep file: the file, then every point's scenario (the first invalid point in
/// order is reported).
fn validate_sweep(path: &Path) -> anyhow::Result<()> {
    let sweep = load_sweep(path)?;
    sweep.check_every_point()?;
    let info = &sweep.info;
    if info.ledger {
        return say(&format!(
            "{}: valid ledger '{}': {} reforms, {} combinations × {} replications of {}, every \
combination's scenario valid\n",
            path.display(),
            info.name,
            info.keys.len(),
            info.points.len(),
            info.replications,
            info.scenario_file.display()
        ));
    }
    say(&format!(
        "{}: valid sweep '{}': {} points × {} replications of {}, every point's scenario valid\n",
        path.display(),
        info.name,
        info.points.len(),
        info.replications,
        info.scenario_file.display()
    ))
}

/// Which replications `run` makes: `--seed`, `--replications`, `--replication`.
struct Which {
    seed: Option<u64>,
    replications: Option<u32>,
    replication: Option<u32>,
}

fn run(
    path: PathBuf,
    which: Which,
    records: &RecordsArg,
    threads: Threads,
    out: Option<PathBuf>,
    plots: &Plots,
) -> anyhow::Result<()> {
    let Which {
        seed,
        replications,
        replication,
    } = which;
    let scenario = load(&path)?;
    offered_load_table(&scenario);
    let base_seed = seed.unwrap_or(scenario.seed());
    let dir = out.unwrap_or_else(|| PathBuf::from("output").join(scenario.name()));
    if let Some(earlier) = output::other_source(&dir, &path) {
        eprintln!(
            "warning: {} held the results of {}, another scenario file named '{}': they are \
replaced (give `--out` or another `name` to keep both)",
            dir.display(),
            earlier.display(),
            scenario.name()
        );
    }
    // trucks.csv and queues.csv are written as the first replication runs.
    let mut files =
        output::RecordFiles::create(&dir, &scenario, records.keep()).context("writing results")?;
    let experiment = match replication {
        Some(i) => {
            let seed = experiment::replication_seed(base_seed, i);
            let run = landport::model::run_into(&scenario, seed, files.sink());
            let mut experiment = Experiment::from_runs(&scenario, base_seed, vec![run]);
            experiment.first_replication = i;
            experiment
        }
        None => {
            let replications = replications.unwrap_or(scenario.replications());
            threads.install(|| {
                Experiment::run_into(&scenario, base_seed, replications, files.sink())
            })?
        }
    };
    warn_after_run(&experiment);
    let written = output::write_run(&dir, &path, &scenario, &experiment, Some(files))
        .context("writing results")?;
    let mut text = table::summary_table(&experiment);
    if let Some(i) = replication {
        text.push_str(&format!(
            "(replication {i} alone, seed {})\n",
            experiment.seeds[0]
        ));
    }
    say(&text)?;
    tell(&files_lines(&written));
    plots.draw(&dir)?;
    tell(&peak_memory_line());
    Ok(())
}

fn compare(
    paths: &[PathBuf],
    seed: Option<u64>,
    replications: Option<u32>,
    records: &RecordsArg,
    threads: Threads,
    out: Option<PathBuf>,
    plots: &Plots,
) -> anyhow::Result<()> {
    let mut scenarios = Vec::with_capacity(paths.len());
    for path in paths {
        let scenario = load(path)?;
        if let Some((other, _)) = scenarios
            .iter()
            .find(|(_, known): &&(PathBuf, landport::Scenario)| known.name() == scenario.name())
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
    let names: Vec<&str> = scenarios
        .iter()
        .map(|(_, scenario)| scenario.name())
        .collect();
    let dir =
        out.unwrap_or_else(|| PathBuf::from("output").join(landport::compare::folder_name(&names)));
    // Each variant's trucks.csv and queues.csv are written as its first replication runs.
    let mut files = scenarios
        .iter()
        .map(|(_, scenario)| {
            output::RecordFiles::create(&dir.join(scenario.name()), scenario, records.keep())
        })
        .collect::<Result<Vec<_>, _>>()
        .context("writing results")?;
    let comparison = threads.install(|| {
        let sinks = files.iter_mut().map(|files| files.sink()).collect();
        Comparison::run_into(&scenarios, base_seed, replications, sinks)
    })?;
    for variant in &comparison.variants {
        warn_after_run(&variant.experiment);
    }
    let variants: Vec<&landport::Scenario> =
        scenarios.iter().map(|(_, scenario)| scenario).collect();
    let written =
        output::write_comparison(&dir, &variants, &comparison, files).context("writing results")?;
    say(&table::comparison_table(&comparison))?;
    tell(&files_lines(&written));
    plots.draw(&dir)
}

/// How `landport sweep` runs.
struct SweepOptions {
    quiet: bool,
    out: Option<PathBuf>,
    resume: bool,
    shard: Option<Shard>,
}

/// A sweep or optimisation stopped by Ctrl-C: exit code 130.
#[derive(Debug, thiserror::Error)]
#[error(
    "interrupted: {kept} runs are kept in {}; `{command}` runs the rest",
    dir.display()
)]
pub struct Interrupted {
    /// `12 of 40` or `12`.
    kept: String,
    dir: PathBuf,
    command: String,
}

/// A sweep file, or a ledger file (whose combinations of reforms are a sweep's points).
fn load_sweep(path: &Path) -> anyhow::Result<sweep::Sweep> {
    if sweep::is_ledger_file(path) {
        return landport::ledger::load(path).map_err(input_error("ledger file"));
    }
    sweep::load(path).map_err(input_error("sweep"))
}

/// What a finished ledger prints: the ledger of the mean and 95th percentile dwell, read back
/// from ledger.json.
fn ledger_table(dir: &Path) -> anyhow::Result<String> {
    let file: output::json::LedgerFile = output::json::read(&dir.join("ledger.json"))?;
    Ok(table::ledger_table(&file))
}

fn progress_bar(runs: usize, quiet: bool) -> anyhow::Result<ProgressBar> {
    use std::io::IsTerminal as _;
    if quiet || !std::io::stderr().is_terminal() {
        return Ok(ProgressBar::hidden());
    }
    // Fits 80 columns up to a million runs: "00:01:02 [bar] 1234/5000 runs  22.3 runs/s  ETA 3m".
    Ok(ProgressBar::new(runs as u64).with_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:24}] {pos}/{len} runs  {rate}  ETA {eta}",
        )
        .context("progress bar template")?
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, out: &mut dyn std::fmt::Write| {
                let _ = write!(out, "{:.1} runs/s", state.per_sec());
            },
        )
        .progress_chars("=> "),
    ))
}

/// A stop token that Ctrl-C (SIGINT) sets instead of killing the process.
fn stop_on_interrupt() -> StopToken {
    let stop = StopToken::new();
    let token = stop.clone();
    // Fails only when a handler is already set (a second sweep in one process): keep that one.
    let _ = ctrlc::set_handler(move || token.stop());
    stop
}

fn sweep_command(
    path: &Path,
    threads: Threads,
    options: SweepOptions,
    plots: &Plots,
) -> anyhow::Result<()> {
    let sweep = load_sweep(path)?;
    let info = &sweep.info;
    let dir = options.out.unwrap_or_else(|| {
        let dir = PathBuf::from("output").join(sweep::folder_name(info));
        match options.shard {
            Some(shard) => PathBuf::from(sweep::slurm::shard_folder(
                &dir,
                &shard.index.to_string(),
                shard.count,
            )),
            None => dir,
        }
    });
    let prepared = Prepared::open(
        &sweep,
        &dir,
        driver::Options {
            resume: options.resume,
            shard: options.shard,
        },
    )?;
    if options.resume {
        tell(&format!(
            "resuming: {} of {} runs already done in {}\n",
            prepared.total() - prepared.todo(),
            prepared.total(),
            dir.display()
        ));
    }
    let progress = progress_bar(prepared.todo(), options.quiet)?;
    let stop = stop_on_interrupt();
    let outcome = threads.install(|| prepared.run(&stop, &|| progress.inc(1)))??;
    progress.finish_and_clear();
    match outcome {
        Outcome::Interrupted { kept, total } => {
            let verb = if info.ledger { "ledger" } else { "sweep" };
            let mut command = format!("landport {verb} {}", path.display());
            if let Some(shard) = options.shard {
                command.push_str(&format!(" --shard {shard}"));
            }
            command.push_str(&format!(" --out {} --resume", dir.display()));
            Err(Interrupted {
                kept: format!("{kept} of {total}"),
                dir,
                command,
            }
            .into())
        }
        Outcome::ShardComplete {
            shard,
            runs,
            journal,
            marker,
        } => {
            let parent = dir.parent().unwrap_or(Path::new("."));
            tell(&files_lines(&[journal, marker]));
            say(&format!(
                "shard {shard} of sweep {}: {runs} runs of {} in {}\n\
when every shard is done: landport merge {}/shard-*-of-{} --out {}\n",
                info.name,
                info.pairs().count(),
                dir.display(),
                parent.display(),
                shard.count,
                parent.display(),
            ))
        }
        Outcome::Complete {
            shown,
            written,
            stopped,
            unstable,
        } => {
            warn_unstable(info, unstable);
            if let Some(first) = stopped.first() {
                eprintln!(
                    "warning: {} runs stopped at a limit, their statistics cover the run up to \
then; the first: point {}, replication {}: {}",
                    stopped.len(),
                    first.point,
                    first.replication,
                    table::stopped_sentence(&first.stopped)
                );
            }
            if info.ledger {
                say(&ledger_table(&dir)?)?;
            } else {
                say(&table::sweep_table(info, &shown))?;
            }
            tell(&files_lines(&written));
            plots.draw_sweep(&dir, info)
        }
    }
}

/// `landport optimize`: the search in its folder, with a progress bar that grows with each batch.
fn optimize_command(
    path: &Path,
    threads: Threads,
    out: Option<PathBuf>,
    resume: bool,
    quiet: bool,
    plots: &Plots,
) -> anyhow::Result<()> {
    let optimization = landport::optimize::load(path).map_err(input_error("optimisation file"))?;
    let info = &optimization.sweep.info;
    let dir =
        out.unwrap_or_else(|| PathBuf::from("output").join(format!("optimize-{}", info.name)));
    let progress = progress_bar(0, quiet)?;
    let stop = stop_on_interrupt();
    let step = |step: driver::Step| match step {
        driver::Step::Planned(runs) => progress.inc_length(runs as u64),
        driver::Step::Ran => progress.inc(1),
    };
    let outcome =
        threads.install(|| driver::optimize(&optimization, &dir, resume, &stop, &step))??;
    progress.finish_and_clear();
    match outcome {
        driver::Optimized::Interrupted { kept } => Err(Interrupted {
            kept: kept.to_string(),
            dir: dir.clone(),
            command: format!(
                "landport optimize {} --out {} --resume",
                path.display(),
                dir.display()
            ),
        }
        .into()),
        driver::Optimized::Ended { file, written } => {
            if file.chosen().is_none() {
                anyhow::bail!("{}", table::optimize_failure(&file));
            }
            say(&table::optimize_table(&file))?;
            tell(&files_lines(&written));
            plots.draw(&dir)
        }
    }
}

/// Warns on stderr about the points of a sweep with a stage at an offered load of 1 or more,
/// naming the first few.
fn warn_unstable(info: &SweepInfo, mut unstable: Vec<(u32, Option<f64>)>) {
    const NAMED: usize = 5;
    if unstable.is_empty() {
        return;
    }
    unstable.sort_by_key(|&(point, _)| point);
    let named: Vec<String> = unstable
        .iter()
        .take(NAMED)
        .map(|&(point, load)| {
            let values = sweep::describe_values(&info.keys, &info.points[point as usize].values);
            let load = load.map_or_else(|| "infinite".to_string(), |load| format!("{load:.3}"));
            format!("point {point} ({values}): {load}")
        })
        .collect();
    eprintln!(
        "warning: {} of {} points have a stage at an offered load of 1 or more, whose queue grows \
without bound (their results depend on the run's length; column `stable` in sweep.csv): {}{}",
        unstable.len(),
        info.points.len(),
        named.join("; "),
        if unstable.len() > NAMED { "; …" } else { "" }
    );
}

fn merge(shards: &[PathBuf], out: Option<PathBuf>, plots: &Plots) -> anyhow::Result<()> {
    let (info, index) = journal::merge(shards)?;
    warn_unstable(&info, index.unstable.clone());
    let dir = out.unwrap_or_else(|| PathBuf::from("output").join(sweep::folder_name(&info)));
    let (mut written, shown) =
        output::write_sweep(&dir, &info, index.results(&info), driver::SHOWN_POINTS)
            .context("writing results")?;
    let shown = if info.ledger {
        written.extend(driver::write_ledger(&dir, &info, &index)?);
        ledger_table(&dir)?
    } else {
        table::sweep_table(&info, &shown)
    };
    say(&format!(
        "merged {} shards of {} {}\n{shown}",
        shards.len(),
        if info.ledger { "ledger" } else { "sweep" },
        info.name,
    ))?;
    tell(&files_lines(&written));
    plots.draw_sweep(&dir, &info)
}

fn slurm_script(path: &Path, args: &SlurmArgs, out: Option<PathBuf>) -> anyhow::Result<()> {
    let sweep = load_sweep(path)?;
    let info = &sweep.info;
    let options = sweep::slurm::SlurmOptions {
        shards: args.shards.unwrap_or(1),
        partition: args.partition.clone(),
        time: args.time.clone(),
        cpus_per_task: args.cpus_per_task,
    };
    options.check().map_err(anyhow::Error::msg)?;
    let dir = out.unwrap_or_else(|| PathBuf::from("output").join(sweep::folder_name(info)));
    let landport = std::env::current_exe().context("finding the landport executable")?;
    let workdir = std::env::current_dir().context("reading the working directory")?;
    let script = sweep::slurm::script(&landport, &workdir, path, &info.name, &dir, &options);
    let script_path = dir.join("sweep.sbatch");
    output::write_files(
        &dir,
        &[("sweep.sbatch", &|w| {
            use std::io::Write as _;
            w.write_all(script.as_bytes())
        })],
    )
    .context("writing the Slurm script")?;
    tell(&files_lines(std::slice::from_ref(&script_path)));
    say(&format!(
        "{}: a job array of {} tasks, each running one shard of sweep {} ({} runs in all)\n\
submit:  sbatch {}\nthen:    {}\n",
        script_path.display(),
        options.shards,
        info.name,
        info.pairs().count(),
        // Quoted for the shell: a folder name may hold spaces or `;`.
        sweep::slurm::quote(&script_path.display().to_string()),
        sweep::slurm::merge_command(&landport, &dir, options.shards),
    ))
}
