//! Charts and the report page of a results folder, drawn from the files in it: `landport plot`,
//! and the end of `run`, `compare` and `sweep`.
//!
//! Each chart is written as PNG and SVG at 1200×800; report.html holds the summary tables and
//! every chart (SVG inline), one file that opens offline.

pub mod data;
pub mod draw;
mod html;
pub mod series;

use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use plotters::prelude::*;

pub use data::Results;
pub use series::TimeAxis;

use crate::experiment::MetricId;
use crate::output::table::HEADLINE;
use crate::output::write_file_atomically;

/// What `landport plot` may change.
#[derive(Debug, Clone, Default)]
pub struct PlotOptions {
    pub time_axis: TimeAxis,
    /// Sweep metrics to draw; empty for the defaults (mean and p95 dwell, trucks cleared a day).
    pub metrics: Vec<String>,
    /// Where the time goes with each variant's panel on its own scale (default: one scale, so
    /// that the same hours are the same length in every panel).
    pub independent_scales: bool,
}

/// A results folder that cannot be read, or a chart that cannot be drawn or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{}: not a results folder: {why}", dir.display())]
    NotResults { dir: PathBuf, why: String },
    #[error(transparent)]
    BadFile(#[from] crate::output::ReadError),
    #[error("drawing {chart}: {why}")]
    Draw { chart: String, why: String },
    #[error("cannot write {}", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("{metric}: no such metric in the sweep (it has {known})")]
    UnknownMetric { metric: String, known: String },
    #[error(
        "{}: {points} points are more than the {MAX_SWEEP_POINTS} a sweep's charts draw; its \
results are in sweep.csv",
        dir.display()
    )]
    TooManyPoints { dir: PathBuf, points: usize },
}

/// The most points a sweep's charts and report draw: beyond, a line or a heatmap cell a point
/// is no longer something to read (the results are in sweep.csv).
pub const MAX_SWEEP_POINTS: usize = 10_000;

/// The charts of a result, each with its file stem and title.
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    DwellDistribution(TimeAxis),
    /// Where the time goes; `shared`: every panel on one hours scale.
    TimeBreakdown {
        shared: bool,
    },
    Queues,
    Utilization,
    ClearedPerDay,
    SweepMetric(MetricId),
    SweepHeatmap(MetricId),
    /// Cost against the metric of the optimisation's constraint of this index.
    OptimizeFront {
        constraint: usize,
        metric: MetricId,
    },
    /// A ledger's waterfall: the base, each reform's share, all reforms.
    Waterfall(MetricId),
    /// A run's truck classes side by side: their dwell times, and where their time goes.
    DwellByClass(TimeAxis),
    TimeBreakdownByClass,
    /// The trucks turned away and lost a day at each stage with `balking` or `booking`.
    TurnedAway,
}

impl Chart {
    /// The file name without extension.
    pub fn stem(&self) -> String {
        match self {
            Chart::DwellDistribution(_) => "dwell-distribution".into(),
            Chart::TimeBreakdown { .. } => "time-breakdown".into(),
            Chart::Queues => "queues".into(),
            Chart::Utilization => "utilization".into(),
            Chart::ClearedPerDay => "cleared-per-day".into(),
            Chart::SweepMetric(metric) => format!("sweep-{}", in_file_name(metric)),
            Chart::SweepHeatmap(metric) => format!("sweep-heatmap-{}", in_file_name(metric)),
            Chart::OptimizeFront { metric, .. } => {
                format!("optimize-{}", in_file_name(metric))
            }
            Chart::Waterfall(metric) => format!("ledger-{}", in_file_name(metric)),
            Chart::DwellByClass(_) => "dwell-distribution-by-class".into(),
            Chart::TimeBreakdownByClass => "time-breakdown-by-class".into(),
            Chart::TurnedAway => "turned-away-per-day".into(),
        }
    }

    pub fn title(&self, results: &Results) -> String {
        let name = results.title();
        match (self, results) {
            (Chart::DwellDistribution(_), _) => format!("Dwell time, arrival to exit: {name}"),
            (Chart::TimeBreakdown { .. }, _) => format!("Where the time goes, by stage: {name}"),
            (Chart::Queues, _) => format!("Trucks waiting, first replication: {name}"),
            (Chart::Utilization, _) => format!("Utilization by stage: {name}"),
            (Chart::ClearedPerDay, _) => format!("Trucks cleared per day: {name}"),
            (Chart::TurnedAway, _) => format!("Trucks turned away and lost per day: {name}"),
            (Chart::SweepMetric(metric), Results::Sweep(sweep)) => format!(
                "{}: {} vs {}",
                name,
                metric.label(),
                series::short_key(sweep.keys.first().map_or("point", String::as_str))
            ),
            (Chart::SweepHeatmap(metric), _) => {
                format!("{name}: {}", metric.label())
            }
            (Chart::SweepMetric(metric), _) => metric.label(),
            (Chart::Waterfall(metric), _) => {
                format!("{name}: who bought the change in {}", metric.label())
            }
            (Chart::OptimizeFront { metric, .. }, _) => {
                format!("{name}: cost against {}", metric.label())
            }
            (Chart::DwellByClass(_), _) => format!("Dwell time by truck class: {name}"),
            (Chart::TimeBreakdownByClass, _) => {
                format!("Where the time goes, by truck class: {name}")
            }
        }
    }

    /// What the chart shows and how to read it, for the report page.
    pub fn caption(&self, results: &Results) -> String {
        let roads = results.variants().iter().any(|variant| {
            variant.stages.iter().any(|stage| {
                variant
                    .metric(&MetricId::stage(
                        stage,
                        crate::experiment::Quantity::RoadKmMean,
                    ))
                    .is_some()
            })
        });
        match self {
            Chart::Queues if roads => format!(
                "{} A stage whose queue is a road (metres_per_truck) has its length in km on the \
right-hand axis.",
                self.fixed_caption()
            ),
            _ => self.fixed_caption().to_string(),
        }
    }

    /// [`Chart::caption`], whatever the results.
    fn fixed_caption(&self) -> &'static str {
        match self {
            Chart::DwellDistribution(_) => {
                "The share of trucks (vertical) whose time from arrival to exit fell in each band \
of hours (horizontal), all replications pooled; dashed lines mark each variant's median (p50) \
and 95th percentile. A long right tail is what the buffer index measures: the hours a shipper \
must add to be sure."
            }
            Chart::TimeBreakdown { .. } => {
                "Each bar splits a stage's share of the mean dwell into waiting for a server, \
waiting while the stage is closed, service, blocked (done but no room downstream) and driving \
on; the bars of all stages add up to the mean dwell. The longest bars are where a reform buys \
hours."
            }
            Chart::Queues => {
                "Trucks waiting at each stage, hour by hour, in the first replication; shading \
marks the hours a stage is closed. Queues that build during closures and drain after opening \
are opening-hours delays; a queue that keeps growing is a stage short of capacity."
            }
            Chart::Utilization => {
                "The share of the servers on duty that are busy, by stage (mean over \
replications, with its 95% interval). Near 1 the stage is the bottleneck and its queue is long; \
a stage at an offered load of 1 or more cannot keep up at all."
            }
            Chart::TurnedAway => {
                "For each stage whose arriving trucks turn away from a long queue or book slots: \
the trucks a day that drove on to another stage (solid) and those lost to the port, who gave up or \
booked a slot and never came (dashed), means over replications, warm-up shaded (roads.csv)."
            }
            Chart::ClearedPerDay => {
                "Trucks leaving the port each day (and arriving, dashed), first replication, \
warm-up shaded. Cleared below arrived for days on end means the port falls behind."
            }
            Chart::SweepMetric(_) => {
                "The metric's mean at each point of the sweep against the first varied key, with \
its 95% interval; one line for each value of the second key. Where the line turns up steeply a \
stage reaches its capacity."
            }
            Chart::Waterfall(_) => {
                "From the base (left) to all reforms together (right), each reform's Shapley share \
of the change: the average, over every order in which the reforms could be added, of what adding \
it changes, computed replication by replication on the same seeds. Green bars lower the metric, \
red raise it; the whiskers are the 95% interval of each share. The shares add up exactly to the \
change, whatever the interactions between reforms."
            }
            Chart::OptimizeFront { .. } => {
                "Every staffing the search ran: its cost per day (horizontal) and the \
constraint's metric (vertical, the mean over the search's replications, with a thin bar to the \
one-sided bound the constraint is tested on). Blue points meet every constraint, grey crosses \
miss this one, grey rings meet it but miss another; the blue line joins the cheapest feasible point at each level, and the red ring marks \
the chosen one, confirmed on replications the search did not use. Points to the left of the \
chosen one are cheaper but miss a constraint."
            }
            Chart::DwellByClass(_) => {
                "The dwell distribution of each truck class, as the chart of all trucks shows it: \
the share of the class's trucks in each band of hours, with each class's median and 95th \
percentile dashed. A class with its own lane or a priority sits to the left of the others."
            }
            Chart::TimeBreakdownByClass => {
                "One panel per truck class: each stage's share of the class's mean dwell, split as \
for all trucks, all panels on one hours scale. The panels show where each class waits, and what \
a reserved lane or a priority moves from one class to another."
            }
            Chart::SweepHeatmap(_) => {
                "The metric's mean for each combination of the two varied keys, coloured from \
dark purple (lowest) to yellow (highest) as the colour bar shows. Read along a row or column to \
see what one key buys with the other held fixed."
            }
        }
    }

    /// The charts this result has the data for.
    pub fn for_results(
        results: &Results,
        options: &PlotOptions,
    ) -> Result<Vec<Chart>, ReportError> {
        let variants = results.variants();
        if let Results::Ledger(file) = results {
            return Ok([
                crate::experiment::Quantity::DwellMean,
                crate::experiment::Quantity::DwellP95,
            ]
            .into_iter()
            .map(MetricId::port)
            .filter(|metric| file.metric(metric).is_some())
            .map(Chart::Waterfall)
            .collect());
        }
        if let Results::Optimize(file) = results {
            return Ok(file
                .constraints
                .iter()
                .enumerate()
                .map(|(constraint, c)| Chart::OptimizeFront {
                    constraint,
                    metric: c.metric.clone(),
                })
                .collect());
        }
        if let Results::Sweep(sweep) = results {
            let known = || {
                sweep.points.first().map_or_else(String::new, |point| {
                    point
                        .metrics
                        .iter()
                        .map(|m| m.metric.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
            };
            let metrics: Vec<MetricId> = if options.metrics.is_empty() {
                HEADLINE.map(MetricId::port).to_vec()
            } else {
                options
                    .metrics
                    .iter()
                    .map(|name| {
                        name.parse().map_err(|_| ReportError::UnknownMetric {
                            metric: name.clone(),
                            known: known(),
                        })
                    })
                    .collect::<Result<_, _>>()?
            };
            let mut charts = Vec::new();
            for metric in &metrics {
                let measured = sweep
                    .points
                    .first()
                    .is_some_and(|point| point.metric(metric).is_some());
                if !measured {
                    return Err(ReportError::UnknownMetric {
                        metric: metric.to_string(),
                        known: known(),
                    });
                }
                charts.push(Chart::SweepMetric(metric.clone()));
            }
            if let Some(first) = metrics.first() {
                if series::sweep_grid(sweep, first).is_some() {
                    charts.push(Chart::SweepHeatmap(first.clone()));
                }
            }
            return Ok(charts);
        }
        let mut charts = Vec::new();
        if variants.iter().any(|variant| variant.dwell_bins.is_some()) {
            charts.push(Chart::DwellDistribution(
                options.time_axis.resolve(variants),
            ));
        }
        charts.push(Chart::TimeBreakdown {
            shared: !options.independent_scales,
        });
        if variants.iter().any(|variant| variant.queues.is_some()) {
            charts.push(Chart::Queues);
        }
        charts.push(Chart::Utilization);
        if variants.iter().any(|variant| variant.daily.is_some()) {
            charts.push(Chart::ClearedPerDay);
        }
        if variants.iter().any(|variant| variant.road_days.is_some()) {
            charts.push(Chart::TurnedAway);
        }
        let classes = class_variants(results);
        if !classes.is_empty() {
            if classes.iter().any(|class| class.dwell_bins.is_some()) {
                charts.push(Chart::DwellByClass(options.time_axis.resolve(&classes)));
            }
            charts.push(Chart::TimeBreakdownByClass);
        }
        Ok(charts)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, plotters::coord::Shift>,
        results: &Results,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        root.fill(&WHITE)?;
        let title = self.title(results);
        let variants = results.variants();
        match (self, results) {
            (Chart::DwellDistribution(axis), _) => {
                draw::dwell_distribution(root, &title, variants, *axis)?
            }
            (Chart::TimeBreakdown { shared }, _) => {
                draw::time_breakdown(root, &title, variants, *shared, None)?
            }
            (Chart::Queues, _) => draw::queues(root, &title, variants)?,
            (Chart::Utilization, _) => draw::utilization(root, &title, variants)?,
            (Chart::ClearedPerDay, _) => draw::cleared_per_day(root, &title, variants)?,
            (Chart::TurnedAway, _) => draw::turned_away(root, &title, variants)?,
            (Chart::SweepMetric(metric), Results::Sweep(sweep)) => {
                draw::sweep_metric(root, &title, sweep, metric)?
            }
            (Chart::SweepHeatmap(metric), Results::Sweep(sweep)) => {
                draw::sweep_heatmap(root, &title, sweep, metric)?
            }
            (Chart::Waterfall(metric), Results::Ledger(file)) => {
                if let Some(ledger) = file.metric(metric) {
                    draw::waterfall(root, &title, ledger)?
                }
            }
            (Chart::OptimizeFront { constraint, .. }, Results::Optimize(file)) => {
                draw::optimize_front(root, &title, file, *constraint)?
            }
            (Chart::DwellByClass(axis), _) => {
                draw::dwell_distribution(root, &title, &class_variants(results), *axis)?
            }
            (Chart::TimeBreakdownByClass, _) => {
                // A row of classes for each variant.
                let classes = variants.iter().map(|v| v.classes.len()).max();
                draw::time_breakdown(root, &title, &class_variants(results), true, classes)?
            }
            _ => {}
        }
        root.present()
    }

    /// The chart as an SVG document.
    pub fn svg(&self, results: &Results) -> Result<String, ReportError> {
        draw::register_font();
        let mut svg = String::new();
        {
            let root =
                SVGBackend::with_string(&mut svg, (draw::WIDTH, draw::HEIGHT)).into_drawing_area();
            self.draw(&root, results)
                .map_err(|error| self.failed(error))?;
        }
        Ok(svg)
    }

    /// The chart as a PNG image (8-bit RGB).
    pub fn png(&self, results: &Results) -> Result<Vec<u8>, ReportError> {
        draw::register_font();
        let (width, height) = (draw::WIDTH, draw::HEIGHT);
        let mut pixels = vec![0u8; width as usize * height as usize * 3];
        {
            let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
            self.draw(&root, results)
                .map_err(|error| self.failed(error))?;
        }
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|error| self.failed(error))?;
        writer
            .write_image_data(&pixels)
            .map_err(|error| self.failed(error))?;
        writer.finish().map_err(|error| self.failed(error))?;
        Ok(bytes)
    }

    fn failed(&self, error: impl std::fmt::Display) -> ReportError {
        ReportError::Draw {
            chart: self.stem(),
            why: error.to_string(),
        }
    }
}

/// The truck classes of a run, or of every variant of a comparison (named `variant: class`),
/// each as results of its own; none without classes.
fn class_variants(results: &Results) -> Vec<data::VariantResults> {
    match results {
        Results::Run(variant) => variant.by_class(),
        Results::Compare(variants) => variants
            .iter()
            .flat_map(|variant| {
                variant.by_class().into_iter().map(|mut class| {
                    class.name = format!("{}: {}", variant.name, class.name);
                    class
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A metric's name as part of a file name: a class's metric (`fresh/dwell_mean_h`) with a dot
/// for the slash (`fresh.dwell_mean_h`).
fn in_file_name(metric: &MetricId) -> String {
    metric.to_string().replace('/', ".")
}

fn write(path: &Path, bytes: &[u8]) -> Result<PathBuf, ReportError> {
    write_file_atomically(path, |w| w.write_all(bytes)).map_err(|source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(path.to_path_buf())
}

/// Draws every chart of the results in `dir` into it, as PNG and SVG, and writes report.html.
/// Returns the files written: the charts, then the page.
pub fn plot(dir: &Path, options: &PlotOptions) -> Result<Vec<PathBuf>, ReportError> {
    let results = Results::read(dir)?;
    let charts = Chart::for_results(&results, options)?;
    let mut written = Vec::new();
    let mut svgs = Vec::new();
    for chart in &charts {
        let svg = chart.svg(&results)?;
        written.push(write(
            &dir.join(format!("{}.svg", chart.stem())),
            svg.as_bytes(),
        )?);
        written.push(write(
            &dir.join(format!("{}.png", chart.stem())),
            &chart.png(&results)?,
        )?);
        svgs.push((chart.title(&results), chart.caption(&results), svg));
    }
    let page = html::page(dir, &results, &svgs)?;
    written.push(write(&dir.join("report.html"), page.as_bytes())?);
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A later run clears the charts of an earlier one by name: every chart must be known.
    #[test]
    fn every_chart_file_is_known_to_output() {
        let metric = MetricId::port(crate::experiment::Quantity::DwellP95);
        let charts = [
            Chart::DwellDistribution(TimeAxis::Log),
            Chart::TimeBreakdown { shared: true },
            Chart::Queues,
            Chart::Utilization,
            Chart::ClearedPerDay,
            Chart::SweepMetric(metric.clone()),
            Chart::SweepHeatmap(metric),
            Chart::DwellByClass(TimeAxis::Log),
            Chart::TimeBreakdownByClass,
            Chart::TurnedAway,
            // A class's metric names a file with a dot for its slash.
            Chart::SweepMetric(
                MetricId::port(crate::experiment::Quantity::DwellP95).of_class("fresh"),
            ),
        ];
        for chart in charts {
            for extension in ["png", "svg"] {
                let name = format!("{}.{extension}", chart.stem());
                assert!(crate::output::is_chart_file(&name), "{name}");
                assert!(!name.contains('/'), "{name}");
            }
        }
        assert!(!crate::output::is_chart_file("photo.png"));
    }
}
