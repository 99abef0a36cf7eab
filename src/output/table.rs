//! The tables printed after a run, a comparison, a sweep and a validation: text for people,
//! from the same results the files hold.

use std::fmt::Write as _;

use crate::compare::Comparison;
use crate::experiment::{Estimate, Experiment, MetricId, Quantity};
use crate::model::{Caution, Limit, StageLoad, Stopped};
use crate::sweep::{PointResult, SweepInfo};
use crate::Scenario;

/// A mean with its interval for tables: `5.32 ± 0.05`, or the mean alone for one replication.
pub fn with_interval(estimate: &Estimate, decimals: usize) -> String {
    match estimate.half_width {
        Some(half) => format!("{:.decimals$} ± {half:.decimals$}", estimate.mean),
        None => format!("{:.decimals$}", estimate.mean),
    }
}

/// The warm-up line of a summary: the scenario's warm-up against MSER-5's suggestion.
pub fn warmup_line(experiment: &Experiment) -> String {
    let warmup = &experiment.warmup;
    let verdict = if warmup.is_long_enough() {
        "long enough"
    } else {
        "consider a longer warm-up"
    };
    format!(
        "warm-up: {:.0} h in the scenario; MSER-5 on hourly trucks in port suggests {:.0} h: {verdict}",
        warmup.fixed_hours, warmup.mser5_hours
    )
}

/// The summary printed after a run: port metrics, stage metrics and where the time goes.
pub fn summary_table(experiment: &Experiment) -> String {
    let mut out = String::new();
    let first = experiment.runs.first();
    let (horizon, warmup) = first.map_or((0.0, 0.0), |run| (run.horizon_hours, run.warmup_hours));
    let replications = experiment.replications;
    let _ = writeln!(
        out,
        "scenario {}  base seed {}  {replications} replication{} of {:.1} d after {:.1} d warm-up{}",
        experiment.scenario,
        experiment.base_seed,
        if replications == 1 { "" } else { "s" },
        horizon / 24.0,
        warmup / 24.0,
        if replications > 1 { "  (mean ± 95% interval)" } else { "" },
    );
    let _ = writeln!(out, "{}", warmup_line(experiment));
    if let Some(run) = first {
        let trucks = &run.trucks;
        // A replication rerun alone (`--replication I`) is named by its number.
        let which = match experiment.first_replication {
            0 => "first replication".to_string(),
            i => format!("replication {i}"),
        };
        // A scenario whose trucks may leave without crossing counts them too.
        let lost = trucks.lost.map_or_else(String::new, |lost| {
            format!(", {lost} left without crossing")
        });
        let _ = writeln!(
            out,
            "{which} (seed {}): {} trucks arrived, {} exited{lost}, {} in port at end",
            run.seed, trucks.arrived, trucks.exited, trucks.in_port_at_end
        );
    }
    let stopped = experiment
        .runs
        .iter()
        .filter(|run| run.stopped.is_some())
        .count();
    if stopped > 0 {
        let _ = writeln!(
            out,
            "STOPPED EARLY: {stopped} of {replications} replications reached a limit ([limits]); \
their statistics cover the run up to the stop"
        );
    }
    let metric = |id: &MetricId, decimals: usize| {
        experiment.metric(id).map_or_else(String::new, |metric| {
            with_interval(&metric.estimate, decimals)
        })
    };
    let port = |quantity: Quantity, decimals: usize| metric(&MetricId::port(quantity), decimals);
    let _ = writeln!(
        out,
        "dwell, arrival to exit (h): mean {}  p50 {}  p90 {}  p95 {}  p99 {}",
        port(Quantity::DwellMean, 2),
        port(Quantity::DwellP50, 2),
        port(Quantity::DwellP90, 2),
        port(Quantity::DwellP95, 2),
        port(Quantity::DwellP99, 2),
    );
    let _ = writeln!(
        out,
        "  (percentiles from a fixed-memory histogram with 3 significant digits: relative error under 0.1%)"
    );
    let _ = writeln!(
        out,
        "buffer index (p95 - mean) / mean: {}   cleared per day: {}",
        port(Quantity::BufferIndex, 3),
        port(Quantity::ClearedPerDay, 1),
    );
    let _ = writeln!(
        out,
        "milestones (h from arrival): declaration accepted {}  released {}  exit {}",
        port(Quantity::ToDeclaration, 2),
        port(Quantity::ToRelease, 2),
        port(Quantity::DwellMean, 2),
    );
    let _ = writeln!(
        out,
        "channels: green {}  yellow {}  red {}",
        port(Quantity::GreenShare, 3),
        port(Quantity::YellowShare, 3),
        port(Quantity::RedShare, 3),
    );
    let _ = writeln!(
        out,
        "cost ([costs] currency): per truck {}  a day's trucks {}   idling per truck: diesel {} l, \
CO2 {} kg; a day's trucks {} kg CO2",
        port(Quantity::CostPerTruck, 0),
        port(Quantity::CostPerDay, 0),
        port(Quantity::IdleFuel, 2),
        port(Quantity::Co2, 2),
        port(Quantity::Co2PerDay, 0),
    );
    let stages: Vec<&str> = first
        .map(|run| {
            run.stages
                .iter()
                .map(|stage| stage.stage.as_str())
                .collect()
        })
        .unwrap_or_default();
    let width = name_width(stages.iter().copied());
    let _ = writeln!(
        out,
        "\n{:<width$} {:>18} {:>16} {:>16}",
        "stage", "mean wait h", "utilization", "max queue"
    );
    for stage in &stages {
        let _ = writeln!(
            out,
            "{stage:<width$} {:>18} {:>16} {:>16}",
            metric(&MetricId::stage(stage, Quantity::MeanWait), 3),
            metric(&MetricId::stage(stage, Quantity::Utilization), 3),
            metric(&MetricId::stage(stage, Quantity::MaxQueue), 1),
        );
    }
    let failing: Vec<&str> = stages
        .iter()
        .copied()
        .filter(|stage| {
            experiment
                .metric(&MetricId::stage(stage, Quantity::Availability))
                .is_some()
        })
        .collect();
    if !failing.is_empty() {
        let heading = "servers that fail";
        let wide = width.max(heading.len());
        let _ = writeln!(
            out,
            "\n{heading:<wide$} {:>18} {:>30}",
            "availability", "server-hours lost a day"
        );
        for stage in failing {
            let _ = writeln!(
                out,
                "{stage:<wide$} {:>18} {:>30}",
                metric(&MetricId::stage(stage, Quantity::Availability), 3),
                metric(&MetricId::stage(stage, Quantity::LostCapacity), 2),
            );
        }
    }
    out.push_str(&road_table(experiment, &stages, width));
    out.push_str(&class_table(experiment));
    out.push_str(&time_breakdown(&[experiment]));
    let _ = writeln!(
        out,
        "\n{:<width$} {:>22} {:>26}",
        "stage", "cost per truck", "idling CO2 per truck (kg)"
    );
    for stage in &stages {
        let _ = writeln!(
            out,
            "{stage:<width$} {:>22} {:>26}",
            metric(&MetricId::stage(stage, Quantity::StageCost), 1),
            metric(&MetricId::stage(stage, Quantity::StageCo2), 2),
        );
    }
    out
}

/// For the stages whose queue is a road, whose trucks turn away or book slots: the road's length,
/// the trucks turned away, the no-shows and the wait for a slot; then for each port (side of a
/// border) of `[ports]` its time to cross and throughput. Empty when the scenario has none.
fn road_table(experiment: &Experiment, stages: &[&str], width: usize) -> String {
    let mut out = String::new();
    let metric = |id: MetricId, decimals: usize| estimate_or_dash(experiment, &id, decimals);
    let has = |stage: &str, quantity: Quantity| {
        experiment
            .metric(&MetricId::stage(stage, quantity))
            .is_some()
    };
    let roads: Vec<&str> = stages
        .iter()
        .copied()
        .filter(|stage| {
            has(stage, Quantity::RoadKmMean)
                || has(stage, Quantity::DivertedPerDay)
                || has(stage, Quantity::NoShowsPerDay)
        })
        .collect();
    if !roads.is_empty() {
        let heading = "roads and e-queues";
        let wide = width.max(heading.len());
        let _ = writeln!(
            out,
            "\n{heading:<wide$} {:>16} {:>16} {:>16} {:>16} {:>16} {:>16}",
            "road km mean",
            "road km max",
            "diverted a day",
            "gave up a day",
            "no-shows a day",
            "slot wait h"
        );
        for stage in roads {
            let _ = writeln!(
                out,
                "{stage:<wide$} {:>16} {:>16} {:>16} {:>16} {:>16} {:>16}",
                metric(MetricId::stage(stage, Quantity::RoadKmMean), 1),
                metric(MetricId::stage(stage, Quantity::RoadKmMax), 1),
                metric(MetricId::stage(stage, Quantity::DivertedPerDay), 1),
                metric(MetricId::stage(stage, Quantity::GaveUpPerDay), 1),
                metric(MetricId::stage(stage, Quantity::NoShowsPerDay), 1),
                metric(MetricId::stage(stage, Quantity::SlotWait), 2),
            );
        }
        if let Some(lost) = experiment.metric(&MetricId::port(Quantity::LostPerDay)) {
            let _ = writeln!(
                out,
                "trucks that left without crossing, a day: {}",
                with_interval(&lost.estimate, 1)
            );
        }
    }
    let Some(run) = experiment.runs.first() else {
        return out;
    };
    if !run.sides.is_empty() {
        let ports: Vec<&str> = run.sides.iter().map(|side| side.port.as_str()).collect();
        let heading = "port (side of the border)";
        let wide = name_width(ports.iter().copied()).max(heading.len());
        let _ = writeln!(
            out,
            "\n{heading:<wide$} {:>22} {:>22} {:>18}",
            "time to cross mean h", "time to cross p95 h", "crossed a day"
        );
        for port in ports {
            let _ = writeln!(
                out,
                "{port:<wide$} {:>22} {:>22} {:>18}",
                metric(MetricId::side(port, Quantity::CrossMean), 2),
                metric(MetricId::side(port, Quantity::CrossP95), 2),
                metric(MetricId::side(port, Quantity::CrossedPerDay), 1),
            );
        }
        let _ = writeln!(
            out,
            "{:<wide$} {:>22} {:>22}",
            "the whole border",
            metric(MetricId::port(Quantity::CrossingMean), 2),
            metric(MetricId::port(Quantity::CrossingP95), 2),
        );
    }
    out
}

/// The estimate of `id` with its interval, or a dash where the experiment does not measure it.
fn estimate_or_dash(experiment: &Experiment, id: &MetricId, decimals: usize) -> String {
    experiment
        .metric(id)
        .map_or_else(|| "-".to_string(), |m| with_interval(&m.estimate, decimals))
}

/// For a port with truck classes: each class's trucks a day, dwell, release and red channel,
/// and where its time goes over all stages; empty without classes.
fn class_table(experiment: &Experiment) -> String {
    let mut out = String::new();
    let Some(run) = experiment.runs.first() else {
        return out;
    };
    if run.classes.is_empty() {
        return out;
    }
    let metric = |id: MetricId, decimals: usize| estimate_or_dash(experiment, &id, decimals);
    let classes: Vec<&str> = run
        .classes
        .iter()
        .map(|class| class.class.as_str())
        .collect();
    let width = classes
        .iter()
        .map(|class| class.chars().count())
        .fold("class".len(), usize::max);
    let _ = writeln!(
        out,
        "\n{:<width$} {:>18} {:>16} {:>16} {:>16} {:>16}",
        "class", "cleared per day", "dwell mean h", "dwell p95 h", "to release h", "red share"
    );
    for class in &classes {
        let of = |quantity: Quantity| MetricId::port(quantity).of_class(class);
        let _ = writeln!(
            out,
            "{class:<width$} {:>18} {:>16} {:>16} {:>16} {:>16}",
            metric(of(Quantity::ClearedPerDay), 1),
            metric(of(Quantity::DwellMean), 2),
            metric(of(Quantity::DwellP95), 2),
            metric(of(Quantity::ToRelease), 2),
            metric(of(Quantity::RedShare), 3),
        );
    }
    // Where each class's time goes, summed over the stages.
    let down = run.breakdown.iter().any(|part| part.down_hours.is_some());
    let kinds: Vec<Quantity> = Quantity::time_parts(down).collect();
    let _ = write!(
        out,
        "\nwhere the time goes by class (h per truck of the class, all stages)\n{:<width$}",
        "class"
    );
    for heading in kinds.iter().map(|part| part.heading()).chain(["total"]) {
        let _ = write!(out, " {heading:>9}");
    }
    out.push('\n');
    for class in &classes {
        let _ = write!(out, "{class:<width$}");
        let mean = |id: MetricId| experiment.metric(&id).map_or(0.0, |m| m.estimate.mean);
        let parts: Vec<f64> = kinds
            .iter()
            .map(|&part| {
                run.stages
                    .iter()
                    .map(|stage| mean(MetricId::stage(&stage.stage, part).of_class(class)))
                    .sum()
            })
            .collect();
        let total: f64 = parts.iter().sum();
        for part in parts.iter().chain([&total]) {
            let _ = write!(out, " {part:>9.3}");
        }
        out.push('\n');
    }
    out
}

/// Where the time goes: for each experiment and stage, hours per truck in each part (means over
/// replications), with the total per stage and over stages (the mean dwell).
pub fn time_breakdown(experiments: &[&Experiment]) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "\nwhere the time goes (h per truck, mean over replications)\n{:<20} {:<20}",
        "scenario", "stage"
    );
    let down = experiments.iter().any(|experiment| {
        experiment
            .runs
            .first()
            .is_some_and(|run| run.breakdown.iter().any(|part| part.down_hours.is_some()))
    });
    let kinds: Vec<Quantity> = Quantity::time_parts(down).collect();
    for heading in kinds.iter().map(|part| part.heading()).chain(["total"]) {
        let _ = write!(out, " {heading:>9}");
    }
    out.push('\n');
    let clip = |text: &str| text.chars().take(20).collect::<String>();
    for experiment in experiments {
        let name = clip(&experiment.scenario);
        let mean = |id: MetricId| experiment.metric(&id).map_or(0.0, |m| m.estimate.mean);
        let stages = experiment
            .runs
            .first()
            .map_or(&[][..], |run| &run.stages[..]);
        let mut dwell = 0.0;
        for stage in stages {
            let stage = &stage.stage;
            let parts: Vec<f64> = kinds
                .iter()
                .map(|&part| mean(MetricId::stage(stage, part)))
                .collect();
            let total: f64 = parts.iter().sum();
            dwell += total;
            let _ = write!(out, "{name:<20} {:<20}", clip(stage));
            for part in parts.iter().chain([&total]) {
                let _ = write!(out, " {part:>9.3}");
            }
            out.push('\n');
        }
        // Right under the total column: ten characters a part and the total's nine.
        let width = 10 * kinds.len() + 9;
        let _ = writeln!(
            out,
            "{name:<20} {:<20} {dwell:>width$.3}",
            "all (= mean dwell)"
        );
    }
    out
}

/// The offered-load table printed by `validate` and `run`, and a warning for each stage at or
/// above 1.
pub fn load_table(loads: &[StageLoad]) -> (String, Vec<String>) {
    let mut out = String::new();
    let width = name_width(loads.iter().map(|load| load.stage.as_str()));
    let _ = writeln!(
        out,
        "{:<width$} {:>14} {:>12} {:>20} {:>12}",
        "stage", "arrivals/h", "service h", "mean servers on duty", "offered load"
    );
    let mut warnings = Vec::new();
    for load in loads {
        let _ = writeln!(
            out,
            "{:<width$} {:>14.3} {:>12.4} {:>20.2} {:>12.3}",
            load.stage,
            load.arrival_rate_per_hour,
            load.mean_service_hours,
            load.mean_servers,
            load.offered_load
        );
        if load.offered_load >= 1.0 {
            warnings.push(format!(
                "stage '{}': offered load {:.3} is at or above 1: its queue grows without bound",
                load.stage, load.offered_load
            ));
        }
    }
    (out, warnings)
}

/// The width of a column of stage names: the longest name, and at least "stage".
fn name_width<'a>(names: impl Iterator<Item = &'a str>) -> usize {
    names
        .map(|name| name.chars().count())
        .fold("stage".len(), usize::max)
}

/// The comparison printed by `landport compare`.
pub fn comparison_table(comparison: &Comparison) -> String {
    let mut out = String::new();
    let variants = &comparison.variants;
    let _ = writeln!(
        out,
        "{} variants, {} replications each with the same seeds (base seed {}); mean ± 95% interval",
        variants.len(),
        comparison.replications,
        comparison.base_seed
    );
    for variant in variants {
        let _ = writeln!(
            out,
            "  {}: {}",
            variant.name,
            warmup_line(&variant.experiment)
        );
    }
    let width = variants
        .iter()
        .map(|variant| variant.name.chars().count() + 2)
        .max()
        .unwrap_or(0)
        .max(16);
    let _ = write!(out, "\n{:<30}", "metric");
    for variant in variants {
        let _ = write!(out, " {:>width$}", variant.name);
    }
    for variant in variants.iter().skip(1) {
        let _ = write!(
            out,
            " {:>width$} {:>8}",
            format!("Δ {}", variant.name),
            "change"
        );
    }
    out.push_str("\n(Δ: paired difference from the first variant, mean ± 95% interval)\n");
    for id in comparison.metric_ids() {
        // Where the time goes has its own table; what it costs at each stage is in the files.
        if id.quantity.is_time_part() || id.quantity.is_stage_cost() {
            continue;
        }
        let _ = write!(out, "{:<30}", id.to_string());
        for variant in variants {
            let cell = variant.experiment.metric(id).map_or_else(
                || "-".to_string(),
                |metric| with_interval(&metric.estimate, 2),
            );
            let _ = write!(out, " {cell:>width$}");
        }
        for v in 1..variants.len() {
            let (cell, change) = match comparison.difference(v, id) {
                Some(difference) => (
                    with_interval(&difference.estimate, 2),
                    difference
                        .change_percent
                        .map_or_else(|| "-".to_string(), |p| format!("{p:+.1}%")),
                ),
                None => ("-".to_string(), "-".to_string()),
            };
            let _ = write!(out, " {cell:>width$} {change:>8}");
        }
        out.push('\n');
    }
    let experiments: Vec<&Experiment> = variants.iter().map(|v| &v.experiment).collect();
    out.push_str(&time_breakdown(&experiments));
    out
}

/// The metrics a sweep's table shows, and its charts by default.
pub const HEADLINE: [Quantity; 3] = [
    Quantity::DwellMean,
    Quantity::DwellP95,
    Quantity::ClearedPerDay,
];

/// How a caution reads in a warning.
/// Every warning about a run's results, as sentences: stages at an offered load of 1 or more,
/// what is valid but probably not meant in the scenario, replications stopped at a limit.
pub fn warnings(scenario: &Scenario, experiment: &Experiment) -> Vec<String> {
    let (_, mut warnings) = load_table(&scenario.offered_loads());
    warnings.extend(scenario.cautions().iter().map(caution_sentence));
    if !experiment.warmup.is_long_enough() {
        warnings.push(format!(
            "{}: the statistics may still include the port filling up",
            warmup_line(experiment)
        ));
    }
    warnings.extend(stopped_warnings(experiment));
    warnings.extend(left_in_port_warning(experiment));
    warnings
}

/// The share of the trucks that arrived after warm-up but were still in the port at the end,
/// above which the report warns: their times are not in the dwell statistics, and the longest
/// stays are the likeliest to be cut off, so the statistics understate the tail.
pub const LEFT_IN_PORT_SHARE: f64 = 0.05;

/// A warning when, on average over replications, more than [`LEFT_IN_PORT_SHARE`] of the trucks
/// that arrived after warm-up had not left by the end.
pub fn left_in_port_warning(experiment: &Experiment) -> Option<String> {
    let runs = &experiment.runs;
    let (left, arrived) = runs.iter().fold((0u64, 0u64), |(left, arrived), run| {
        (
            left + run.trucks.in_port_at_end,
            arrived + run.trucks.arrived_after_warmup,
        )
    });
    if arrived == 0 {
        return None;
    }
    let share = left as f64 / arrived as f64;
    (share > LEFT_IN_PORT_SHARE).then(|| {
        format!(
            "{:.0} trucks a replication ({:.1}% of those that arrived after the warm-up) were \
still in the port at the end: the dwell statistics leave them out, and long stays are the likeliest \
to be cut off, so the tail is understated; a longer horizon makes the share smaller",
            left as f64 / runs.len() as f64,
            share * 100.0
        )
    })
}

/// A sentence for each replication that stopped at a limit.
pub fn stopped_warnings(experiment: &Experiment) -> Vec<String> {
    let mut warnings = Vec::new();
    for (k, run) in experiment.runs.iter().enumerate() {
        if let Some(stopped) = &run.stopped {
            warnings.push(format!(
                "replication {} (seed {}) {}: its queues grow without bound; its statistics cover \
the run up to then",
                experiment.first_replication as usize + k,
                run.seed,
                stopped_sentence(stopped)
            ));
        }
    }
    warnings
}

pub fn caution_sentence(caution: &Caution) -> String {
    match caution {
        Caution::FewArrivals { expected } => format!(
            "fewer than one truck is expected over the horizon ({expected:.2}): the statistics \
will be empty; check the arrival rate and its unit"
        ),
        Caution::LongWarmup {
            warmup_hours,
            horizon_hours,
        } => format!(
            "the warm-up ({warmup_hours} h) is longer than the measured horizon ({horizon_hours} \
h): most of each run is left out of the statistics"
        ),
        Caution::Unreached { stage } => format!(
            "stage '{stage}': no route leads here from the entry stage, so no truck will use it"
        ),
        Caution::QuotaExceeded {
            stage,
            arriving,
            quota,
            hourly,
        } => {
            let per = if *hourly { "an hour" } else { "a day" };
            format!(
                "stage '{stage}': {arriving:.1} trucks {per} arrive against its quota of {quota} \
{per}: its queue grows without bound unless trucks turn away (balking)"
            )
        }
    }
}

/// How a limit reads in a warning: `more than 1000 trucks in the port (limits.trucks_in_port)`.
pub fn limit_reached(limit: Limit) -> String {
    match limit {
        Limit::TrucksInPort(trucks) => {
            format!("more than {trucks} trucks in the port (limits.trucks_in_port)")
        }
        Limit::Events(events) => format!("{events} events handled (limits.events)"),
    }
}

/// `stopped at 12.5 h with more than 1000 trucks in the port (limits.trucks_in_port)`.
pub fn stopped_sentence(stopped: &Stopped) -> String {
    format!(
        "stopped at {:.1} h with {}",
        stopped.at_hours,
        limit_reached(stopped.limit)
    )
}

/// The table printed after a sweep: per point the varied values and the headline metrics.
pub fn sweep_table(sweep: &SweepInfo, results: &[PointResult]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "sweep {}: {} points × {} replications of {} (base seed {}); mean ± 95% interval",
        sweep.name,
        sweep.points.len(),
        sweep.replications,
        sweep.scenario_file.display(),
        sweep.base_seed
    );
    // The port's headline, then the length of every road (a stage with `metres_per_truck`).
    let roads = results.first().into_iter().flat_map(|point| {
        point
            .metrics
            .iter()
            .filter(|metric| {
                matches!(
                    metric.id.quantity,
                    Quantity::RoadKmMean | Quantity::RoadKmMax
                ) && metric.id.class.is_none()
            })
            .map(|metric| metric.id.clone())
    });
    let headline: Vec<MetricId> = HEADLINE
        .map(MetricId::port)
        .into_iter()
        .chain(roads)
        .collect();
    let cells: Vec<usize> = headline
        .iter()
        .map(|id| id.to_string().chars().count().max(18))
        .collect();
    let widths: Vec<usize> = sweep
        .keys
        .iter()
        .map(|key| key.chars().count().max(8))
        .collect();
    let mut line = String::new();
    for (key, width) in sweep.keys.iter().zip(&widths) {
        let _ = write!(line, "{key:>width$} ");
    }
    for (id, cell) in headline.iter().zip(&cells) {
        let _ = write!(line, "{:>cell$} ", id.to_string());
    }
    let _ = writeln!(out, "{}", line.trim_end());
    for point in results {
        line.clear();
        for (value, width) in point.values.iter().zip(&widths) {
            let _ = write!(line, "{value:>width$} ");
        }
        for (id, width) in headline.iter().zip(&cells) {
            let cell = point
                .metrics
                .iter()
                .find(|metric| metric.id == *id)
                .map_or_else(String::new, |metric| with_interval(&metric.estimate, 2));
            let _ = write!(line, "{cell:>width$} ");
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    if results.len() < sweep.points.len() {
        let _ = writeln!(
            out,
            "... and {} more points in sweep.csv",
            sweep.points.len() - results.len()
        );
    }
    out
}

/// The decision values of a point: `stages.xray.servers = 2, …`.
fn decision_values(file: &super::json::OptimizeFile, values: &[i64]) -> String {
    file.decisions
        .iter()
        .zip(values)
        .map(|(decision, value)| format!("{} = {value}", decision.key))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A decision of an optimisation as its tables show it: its key, a value (the chosen one, or
/// its range), stability's lower bound and the cost of a unit a day.
pub struct DecisionRow<'a> {
    pub key: &'a str,
    pub value: String,
    pub lower_bound: i64,
    pub unit_cost: f64,
}

/// The decisions, a row each; the value column has `heading` and is `value_width` wide.
pub fn decisions_table((heading, value_width): (&str, usize), rows: &[DecisionRow<'_>]) -> String {
    let mut out = String::new();
    let width = rows
        .iter()
        .map(|row| row.key.chars().count())
        .max()
        .unwrap_or(0)
        .max(8);
    let _ = writeln!(
        out,
        "{:<width$}  {heading:>value_width$}  {:>11}  {:>14}",
        "decision", "lower bound", "cost/unit·day"
    );
    for row in rows {
        let _ = writeln!(
            out,
            "{:<width$}  {:>value_width$}  {:>11}  {:>14.2}",
            row.key, row.value, row.lower_bound, row.unit_cost
        );
    }
    out
}

/// What an optimisation chose: the decisions with their cost, and each constraint in the search
/// and in the confirmation.
pub fn optimize_table(file: &super::json::OptimizeFile) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "optimize {}: {} of {} points run ({:.1}%; {} more refused unstable, without a run), {} \
replications each and {} more for {} candidates, of {} (base seed {})",
        file.optimization,
        file.evaluated_points,
        file.grid_points,
        100.0 * file.evaluated_points as f64 / file.grid_points.max(1) as f64,
        file.unstable_points,
        file.search_replications,
        file.confirm_replications,
        file.evaluations
            .iter()
            .filter(|evaluation| evaluation.confirm.is_some())
            .count(),
        file.scenario.display(),
        file.base_seed
    );
    let Some(chosen) = file.chosen() else {
        return out;
    };
    let rows: Vec<DecisionRow> = file
        .decisions
        .iter()
        .zip(&chosen.values)
        .map(|(decision, value)| DecisionRow {
            key: &decision.key,
            value: value.to_string(),
            lower_bound: decision.lower_bound,
            unit_cost: decision.unit_cost_per_day,
        })
        .collect();
    out.push_str(&decisions_table(("chosen", 6), &rows));
    let _ = writeln!(out, "cost per day: {:.2}", chosen.cost);
    let width = file
        .constraints
        .iter()
        .map(|constraint| constraint.metric.to_string().chars().count())
        .max()
        .unwrap_or(0)
        .max(10);
    let _ = writeln!(
        out,
        "{:<width$}  {:>16}  {:>22}  {:>22}",
        "constraint", "limit", "search: mean, bound", "confirmed: mean, bound"
    );
    let confirm = chosen.confirm.as_deref().unwrap_or_default();
    for (k, constraint) in file.constraints.iter().enumerate() {
        let pair = |check: Option<&crate::optimize::Check>, level: f64| {
            check.map_or_else(String::new, |check| {
                format!(
                    "{:.3}, {:.3} ({:.1}%)",
                    check.mean,
                    check.bound,
                    100.0 * level
                )
            })
        };
        let _ = writeln!(
            out,
            "{:<width$}  {:>16}  {:>22}  {:>22}",
            constraint.metric.to_string(),
            constraint.limit.describe(),
            pair(chosen.search.get(k), constraint.confidence),
            pair(
                confirm.get(k),
                file.confirm_confidence.get(k).copied().unwrap_or(f64::NAN)
            ),
        );
    }
    out
}

/// Why an optimisation chose nothing: for each constraint, the best bound any point reached and
/// where; or the candidates that were not confirmed.
pub fn optimize_failure(file: &super::json::OptimizeFile) -> String {
    use crate::optimize::{Limit, Status};
    let mut out = String::new();
    match file.status {
        Status::Infeasible => {
            let _ = writeln!(
                out,
                "no decision in range meets every constraint (after running {} of {} points):",
                file.evaluated_points, file.grid_points
            );
            for (k, constraint) in file.constraints.iter().enumerate() {
                let better = |a: f64, b: f64| match constraint.limit {
                    Limit::AtMost(_) => a < b,
                    Limit::AtLeast(_) => a > b,
                };
                let best = file
                    .evaluations
                    .iter()
                    .filter(|evaluation| evaluation.search[k].bound.is_finite())
                    .fold(
                        None::<&crate::optimize::Evaluation>,
                        |best, evaluation| match best {
                            Some(top)
                                if !better(evaluation.search[k].bound, top.search[k].bound) =>
                            {
                                best
                            }
                            _ => Some(evaluation),
                        },
                    );
                let holds = file
                    .evaluations
                    .iter()
                    .any(|evaluation| evaluation.search[k].holds);
                let reached = best.map_or_else(
                    || "no run measured it".to_string(),
                    |best| {
                        format!(
                            "best reached {:.3} (mean {:.3}) at {}",
                            best.search[k].bound,
                            best.search[k].mean,
                            decision_values(file, &best.values)
                        )
                    },
                );
                let _ = writeln!(
                    out,
                    "  {} {} with {:.0}% confidence: {}{reached}",
                    constraint.metric,
                    constraint.limit.describe(),
                    100.0 * constraint.confidence,
                    if holds {
                        "met at some points; "
                    } else {
                        "never met; "
                    },
                );
            }
            let _ = write!(
                out,
                "widen the decisions' ranges, or relax the constraint that is never met"
            );
        }
        Status::Unconfirmed => {
            let _ = writeln!(
                out,
                "no candidate held in the confirmation runs ({} more replications each):",
                file.confirm_replications
            );
            for evaluation in file
                .evaluations
                .iter()
                .filter(|evaluation| evaluation.confirm.is_some())
            {
                let _ = writeln!(
                    out,
                    "  {} (cost {:.2} per day)",
                    decision_values(file, &evaluation.values),
                    evaluation.cost
                );
            }
            let _ = write!(
                out,
                "the search's points lie close to the limits: give more `replications` and \
`confirm_replications`"
            );
        }
        Status::Chosen { .. } => {}
    }
    out
}

/// What a ledger prints: for the mean and the 95th percentile dwell, the base, all reforms and
/// the change, then each reform's Shapley share, its effect alone on the base and taken out last,
/// and the largest interaction.
pub fn ledger_table(file: &super::json::LedgerFile) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "ledger {}: {} reforms, {} combinations × {} replications of {} (base seed {}); mean ± 95% \
interval",
        file.ledger,
        file.reforms.len(),
        1usize << file.reforms.len(),
        file.replications,
        file.scenario.display(),
        file.base_seed
    );
    let width = file
        .reforms
        .iter()
        .map(|reform| reform.chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    for quantity in [Quantity::DwellMean, Quantity::DwellP95] {
        let Some(ledger) = file.metric(&MetricId::port(quantity)) else {
            continue;
        };
        let _ = writeln!(
            out,
            "{}: base {} → all reforms {} (change {})",
            ledger.metric,
            with_interval(&ledger.base, 2),
            with_interval(&ledger.all, 2),
            with_interval(&ledger.total, 2)
        );
        let _ = writeln!(
            out,
            "  {:<width$} {:>18} {:>18} {:>18}",
            "reform", "Shapley share", "alone on base", "taken out last"
        );
        for share in &ledger.reforms {
            let _ = writeln!(
                out,
                "  {:<width$} {:>18} {:>18} {:>18}",
                share.reform,
                with_interval(&share.shapley, 2),
                with_interval(&share.alone, 2),
                with_interval(&share.last, 2)
            );
        }
        if let Some(top) = ledger.interactions.first() {
            let _ = writeln!(
                out,
                "  largest interaction: {} × {}: {}",
                top.reforms[0],
                top.reforms[1],
                with_interval(&top.estimate, 2)
            );
        }
    }
    out
}
