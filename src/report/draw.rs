//! Drawing the charts with plotters: each chart is drawn once on an SVG backend and once on an
//! in-memory bitmap (encoded as PNG), from the same code.

use std::sync::Once;

use plotters::chart::MeshStyle;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::data::{SweepResults, VariantResults};
use super::series::{
    bin_quantile, cdf, daily_means, histogram, short_key, sweep_grid, sweep_lines, sweep_x,
    turned_means, TimeAxis, LINEAR_BARS, LOG_BARS_PER_FINE,
};
use crate::experiment::{MetricId, Quantity};

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 800;

/// The family name the bundled font is registered under.
const FONT: &str = "sans-serif";
const TITLE: u32 = 30;
const AXIS: u32 = 21;
const LABEL: u32 = 17;
const LEGEND: u32 = 17;

/// DejaVu Sans, bundled so that text renders on machines without system fonts.
static FONT_BYTES: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");

/// Registers the bundled font once per process.
pub fn register_font() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        // The bundled file is a valid TrueType font; a failure would show as missing text,
        // which the chart tests catch.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES);
    });
}

/// Variant colours, in order: the same variant has the same colour in every chart of a result.
const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

pub fn colour(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

/// The parts of where the time goes, in [`Quantity::TIME_PARTS`] order.
const PART_COLOURS: [RGBColor; 6] = [
    RGBColor(116, 169, 207),
    RGBColor(160, 160, 160),
    RGBColor(120, 198, 121),
    RGBColor(215, 48, 39),
    RGBColor(253, 141, 60),
    RGBColor(188, 128, 189),
];

/// The colour of a part of where the time goes.
fn part_colour(part: Quantity) -> RGBColor {
    let index = Quantity::TIME_PARTS
        .iter()
        .position(|&known| known == part)
        .expect("a part of where the time goes");
    PART_COLOURS[index]
}

type Drawn<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;
type Area<DB> = DrawingArea<DB, Shift>;
/// Every chart here is on two real axes.
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A chart's axes in the common style: axis descriptions at `description` size, tick labels at
/// `label` size, no minor grid lines.
fn mesh<'a, 'b, DB: DrawingBackend>(
    chart: &'b mut Chart<'a, DB>,
    description: u32,
    label: u32,
) -> MeshStyle<'a, 'b, RangedCoordf64, RangedCoordf64, DB> {
    let mut mesh = chart.configure_mesh();
    mesh.axis_desc_style(text_style(description))
        .label_style(text_style(label))
        .light_line_style(WHITE.mix(0.0));
    mesh
}

/// A 95% band in a light shade of `colour`: the area between mean − half-width and mean +
/// half-width of the (x, mean, half-width) points, its lower edge no lower than `floor`.
fn band<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    points: &[(f64, f64, f64)],
    colour: RGBColor,
    floor: f64,
) -> Drawn<DB> {
    let upper = points.iter().map(|&(x, mean, half)| (x, mean + half));
    let lower = points
        .iter()
        .rev()
        .map(|&(x, mean, half)| (x, (mean - half).max(floor)));
    let outline: Vec<(f64, f64)> = upper.chain(lower).collect();
    chart.draw_series(std::iter::once(Polygon::new(
        outline,
        colour.mix(0.2).filled(),
    )))?;
    Ok(())
}

/// The legend of a chart's labelled series, in a box at `position`.
fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    position: SeriesLabelPosition,
    size: u32,
) -> Drawn<DB> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .label_font(text_style(size))
        .draw()
}

fn text_style(size: u32) -> TextStyle<'static> {
    (FONT, size).into_font().color(&BLACK)
}

/// Hours for tick labels: two significant figures below 10, whole hours above.
pub fn hours_label(hours: f64) -> String {
    if hours == 0.0 {
        "0".to_string()
    } else if hours >= 10.0 || (hours >= 1.0 && hours.fract() == 0.0) {
        format!("{hours:.0}")
    } else if hours >= 1.0 {
        format!("{hours:.1}")
    } else if hours >= 0.1 {
        format!("{hours:.2}")
    } else {
        format!("{hours:.3}")
    }
}

/// A tick label: whole numbers without decimals, others with at most three.
fn tick(value: &f64) -> String {
    if (value - value.round()).abs() < 1e-9 {
        format!("{value:.0}")
    } else {
        let text = format!("{value:.3}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A round upper end for an axis, at or above `value`: a power of ten times 1, 1.2, 1.5, 2, 2.5,
/// 3, 4, 5, 6 or 8.
fn nice_upper(value: f64) -> f64 {
    if value <= 0.0 || !value.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(value.log10().floor());
    [1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0]
        .iter()
        .map(|step| step * power)
        .find(|upper| *upper >= value * (1.0 - 1e-12))
        .unwrap_or(10.0 * power)
}

/// Writes a category label left of the plotting area, at the height of `y` in the chart.
fn category_label<DB: DrawingBackend>(root: &Area<DB>, at: (i32, i32), text: &str) -> Drawn<DB> {
    let style = text_style(LABEL).pos(Pos::new(HPos::Right, VPos::Center));
    root.draw(&Text::new(text.to_string(), (at.0 - 8, at.1), style))
}

/// Chart 1: the dwell-time distribution, a histogram above its empirical CDF, variants overlaid,
/// the p50 and p95 of each (means over replications) as dashed lines.
pub fn dwell_distribution<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    variants: &[VariantResults],
    axis: TimeAxis,
) -> Drawn<DB> {
    let body = root.titled(title, text_style(TITLE))?;
    let log = axis == TimeAxis::Log;
    let with_bins: Vec<(usize, &VariantResults, &[super::data::DwellBin])> = variants
        .iter()
        .enumerate()
        .filter_map(|(k, variant)| Some((k, variant, variant.dwell_bins.as_deref()?)))
        .collect();
    let quantile = |q: f64, pick: fn(f64, f64) -> f64, start: f64| {
        with_bins
            .iter()
            .filter_map(|(_, _, bins)| bin_quantile(bins, q))
            .fold(start, pick)
    };
    let to_x = |hours: f64| if log { hours.max(1e-6).log10() } else { hours };
    let (x_low, x_high) = if log {
        let low = quantile(0.001, f64::min, f64::INFINITY) / 1.5;
        // The axis ends near the data (the next 1-2-5 step above its 99.9th percentile), not
        // at the next power of ten, which can be five times further.
        let high = nice_upper(quantile(0.999, f64::max, 0.0) * 1.15);
        (low.log10().floor(), high.log10())
    } else {
        (0.0, nice_upper(quantile(0.995, f64::max, 0.0) * 1.05))
    };
    let upper_h = if log { 10f64.powf(x_high) } else { x_high };
    let bars: Vec<Vec<super::series::Bar>> = with_bins
        .iter()
        .map(|(_, _, bins)| histogram(bins, axis, upper_h))
        .collect();
    let top = bars
        .iter()
        .flatten()
        .map(|bar| bar.share * 100.0)
        .fold(0.0, f64::max);
    // Head room for the legend above the bars.
    let y_high = nice_upper(top * 1.4);
    let x_desc = if log {
        "dwell time, arrival to exit (h, logarithmic scale)"
    } else {
        "dwell time, arrival to exit (h)"
    };
    let bar_desc = if log {
        format!(
            "trucks per bar (%), {} bars a decade",
            100 / LOG_BARS_PER_FINE
        )
    } else {
        format!(
            "trucks per {} h bar (%)",
            hours_label(upper_h / LINEAR_BARS as f64)
        )
    };
    let format_x = |x: &f64| {
        if log {
            hours_label(10f64.powf(*x))
        } else {
            hours_label(*x)
        }
    };
    // A tick at each power of ten on a logarithmic axis.
    let x_labels = if log {
        (x_high.floor() - x_low) as usize + 1
    } else {
        11
    };
    let (upper, lower) = body.split_vertically(body.dim_in_pixel().1 / 2);

    let mut chart = ChartBuilder::on(&upper)
        .margin(12)
        .margin_right(30)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(x_low..x_high, 0.0..y_high)?;
    mesh(&mut chart, AXIS, LABEL)
        .x_labels(x_labels)
        .x_label_formatter(&format_x)
        .y_label_formatter(&tick)
        .x_desc(x_desc)
        .y_desc(bar_desc)
        .draw()?;
    for ((index, variant, bins), bars) in with_bins.iter().zip(&bars) {
        let colour = colour(*index);
        let trucks: u64 = bins.iter().map(|bin| bin.trucks).sum();
        chart
            .draw_series(bars.iter().map(|bar| {
                Rectangle::new(
                    [
                        (to_x(bar.lower_h), 0.0),
                        (to_x(bar.upper_h), bar.share * 100.0),
                    ],
                    colour.mix(0.3).filled(),
                )
            }))?
            .label(format!(
                "{} ({trucks} trucks): p50 {} h, p95 {} h, dashed below",
                variant.name,
                hours_label(variant.port_mean(Quantity::DwellP50)),
                hours_label(variant.port_mean(Quantity::DwellP95))
            ))
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 7), (x + 18, y + 7)], colour.mix(0.6).filled())
            });
        let outline = bars.iter().flat_map(|bar| {
            [
                (to_x(bar.lower_h), bar.share * 100.0),
                (to_x(bar.upper_h), bar.share * 100.0),
            ]
        });
        chart.draw_series(LineSeries::new(outline, colour.stroke_width(2)))?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight, LEGEND)?;

    let mut chart = ChartBuilder::on(&lower)
        .margin(12)
        .margin_right(30)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(x_low..x_high, 0.0..100.0)?;
    mesh(&mut chart, AXIS, LABEL)
        .x_labels(x_labels)
        .x_label_formatter(&format_x)
        .y_label_formatter(&tick)
        .x_desc(x_desc)
        .y_desc("trucks out by then (%)")
        .draw()?;
    for level in [50.0, 95.0] {
        chart.draw_series(DashedLineSeries::new(
            [(x_low, level), (x_high, level)],
            4,
            4,
            BLACK.mix(0.3).stroke_width(1),
        ))?;
    }
    for (index, variant, bins) in &with_bins {
        let colour = colour(*index);
        let points = cdf(bins)
            .into_iter()
            .map(|(h, share)| (to_x(h), share * 100.0));
        // No legend here: the colours are the histogram's, whose legend gives p50 and p95, so
        // nothing covers the curves.
        chart.draw_series(LineSeries::new(points, colour.stroke_width(3)))?;
        for quantity in [Quantity::DwellP50, Quantity::DwellP95] {
            let x = to_x(variant.port_mean(quantity));
            chart.draw_series(DashedLineSeries::new(
                [(x, 0.0), (x, 100.0)],
                8,
                5,
                colour.stroke_width(2),
            ))?;
        }
    }
    Ok(())
}

/// The mean hours per truck of each stage of `variant` in each of `parts` of where the time
/// goes.
fn time_parts(variant: &VariantResults, parts: &[Quantity]) -> Vec<Vec<f64>> {
    variant
        .stages
        .iter()
        .map(|stage| {
            parts
                .iter()
                .map(|&part| variant.mean(&MetricId::stage(stage, part)))
                .collect()
        })
        .collect()
}

/// The longest stage total of the variants' time parts.
fn widest_stage(parts: &[Vec<f64>]) -> f64 {
    parts
        .iter()
        .map(|stage| stage.iter().sum::<f64>())
        .fold(0.0, f64::max)
}

/// Chart 2: where the time goes: one panel per variant, a stacked bar per stage of the mean
/// hours per truck in each part; `shared`: every panel on the scale of the longest bar of all,
/// so that the same hours are the same length in each (else each on its own scale). The panels
/// stand in a row, or in rows of `columns` (the classes of each variant of a comparison).
pub fn time_breakdown<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    variants: &[VariantResults],
    shared: bool,
    columns: Option<usize>,
) -> Drawn<DB> {
    let body = root.titled(title, text_style(TITLE))?;
    let columns = columns.unwrap_or(variants.len()).max(1);
    let rows = variants.len().div_ceil(columns).max(1);
    let panels = body.split_evenly((rows, columns));
    let down = variants.iter().any(VariantResults::has_failures);
    let kinds: Vec<Quantity> = Quantity::time_parts(down).collect();
    let widest_of_all = variants
        .iter()
        .map(|variant| widest_stage(&time_parts(variant, &kinds)))
        .fold(0.0, f64::max);
    for (index, (variant, panel)) in variants.iter().zip(&panels).enumerate() {
        let parts = time_parts(variant, &kinds);
        let widest = if shared {
            widest_of_all
        } else {
            widest_stage(&parts)
        };
        let stages = variant.stages.len().max(1);
        let row = |k: usize| (stages - 1 - k) as f64;
        let mut chart = ChartBuilder::on(panel)
            .caption(
                format!(
                    "{} (mean dwell {} h)",
                    variant.name,
                    hours_label(variant.port_mean(Quantity::DwellMean))
                ),
                text_style(AXIS).color(&colour(index)),
            )
            .margin(12)
            .x_label_area_size(50)
            .y_label_area_size(170)
            .build_cartesian_2d(0.0..nice_upper(widest * 1.15), -0.5..stages as f64 - 0.5)?;
        mesh(&mut chart, AXIS, LABEL)
            .y_labels(0)
            .disable_y_mesh()
            .x_label_formatter(&tick)
            .x_desc("hours per truck")
            .draw()?;
        for (part, quantity) in kinds.iter().enumerate() {
            let fill = part_colour(*quantity);
            let series = chart.draw_series(parts.iter().enumerate().map(|(k, hours)| {
                let start: f64 = hours[..part].iter().sum();
                Rectangle::new(
                    [(start, row(k) - 0.35), (start + hours[part], row(k) + 0.35)],
                    fill.filled(),
                )
            }))?;
            if index + 1 == variants.len() {
                series.label(quantity.heading()).legend(move |(x, y)| {
                    Rectangle::new([(x, y - 7), (x + 18, y + 7)], fill.filled())
                });
            }
        }
        for (k, (stage, hours)) in variant.stages.iter().zip(&parts).enumerate() {
            let total: f64 = hours.iter().sum();
            chart.draw_series(std::iter::once(Text::new(
                format!("{} h", hours_label(total)),
                (total, row(k)),
                text_style(LABEL - 2).pos(Pos::new(HPos::Left, VPos::Center)),
            )))?;
            let at = chart.backend_coord(&(0.0, row(k)));
            category_label(root, at, stage)?;
        }
        if index + 1 == variants.len() {
            legend(&mut chart, SeriesLabelPosition::LowerRight, LEGEND)?;
        }
    }
    Ok(())
}

/// Every stage of the variants, in the first variant's order, then any only later ones have.
fn all_stages(variants: &[VariantResults]) -> Vec<String> {
    let mut stages: Vec<String> = Vec::new();
    for variant in variants {
        for stage in &variant.stages {
            if !stages.contains(stage) {
                stages.push(stage.clone());
            }
        }
    }
    stages
}

/// The queue scale of a panel: linear, or `log10(1 + trucks)` when the variants' queues are
/// so far apart (10 times or more) that the smaller would be a flat line at the bottom.
#[derive(Clone, Copy)]
struct QueueScale {
    log: bool,
}

impl QueueScale {
    fn y(self, trucks: f64) -> f64 {
        if self.log {
            (1.0 + trucks.max(0.0)).log10()
        } else {
            trucks
        }
    }

    /// The trucks at height `y`: the inverse of [`QueueScale::y`].
    fn trucks(self, y: f64) -> f64 {
        if self.log {
            10f64.powf(y) - 1.0
        } else {
            y
        }
    }
}

/// Chart 3: trucks waiting at each stage, hour by hour, in the first replication; one panel per
/// stage, variants overlaid. Each variant's closed hours are a strip of its colour under the
/// panel's axis (so that shadings never mix); the legend has a row of its own above the panels;
/// a panel whose variants' queues differ 10 times or more is on a log(1 + trucks) scale.
pub fn queues<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    variants: &[VariantResults],
) -> Drawn<DB> {
    let body = root.titled(title, text_style(TITLE))?;
    let (legend_row, grid) = body.split_vertically(34);
    queue_legend(&legend_row, variants)?;
    let stages = all_stages(variants);
    let columns = if stages.len() > 3 { 2 } else { 1 };
    let rows = stages.len().div_ceil(columns).max(1);
    let panels = grid.split_evenly((rows, columns));
    let end_days = variants
        .iter()
        .map(|variant| (variant.warmup_hours + variant.horizon_hours) / 24.0)
        .fold(0.0, f64::max);
    for (k, (stage, panel)) in stages.iter().zip(&panels).enumerate() {
        let traces: Vec<(usize, &super::data::QueueTrace)> = variants
            .iter()
            .enumerate()
            .filter_map(|(index, variant)| {
                let trace = variant
                    .queues
                    .as_ref()?
                    .iter()
                    .find(|t| t.stage == *stage)?;
                Some((index, trace))
            })
            .collect();
        let peaks: Vec<f64> = traces
            .iter()
            .map(|(_, trace)| trace.queue.iter().copied().fold(0.0, f64::max))
            .collect();
        let top = peaks.iter().copied().fold(0.0, f64::max);
        let lowest_peak = peaks.iter().copied().fold(f64::INFINITY, f64::min);
        let scale = QueueScale {
            log: peaks.len() > 1 && top >= 10.0 * lowest_peak.max(0.5),
        };
        let upper = if scale.log {
            scale.y(top.max(1.0)).ceil().max(1.0)
        } else {
            nice_upper(top.max(1.0) * 1.1)
        };
        // A strip per variant under zero for its closed hours.
        let strip = upper * 0.06;
        let lower = -strip * traces.len() as f64;
        let last_row = k + columns >= stages.len();
        // A stage whose queue is a road has its length in km on a second axis, on the right.
        let road = road_metres(variants, stage);
        let mut chart = ChartBuilder::on(panel)
            .caption(
                if scale.log {
                    format!("{stage} (log scale)")
                } else {
                    stage.clone()
                },
                text_style(LABEL + 2),
            )
            .margin(6)
            .x_label_area_size(if last_row { 42 } else { 22 })
            .y_label_area_size(70)
            .margin_right(if road.is_some() { 70 } else { 6 })
            .build_cartesian_2d(0.0..end_days, lower..upper)?;
        if let Some(metres) = road {
            km_axis(root, &chart, metres, upper, scale)?;
        }
        let mut mesh = mesh(&mut chart, LABEL, LABEL - 2);
        mesh.x_label_formatter(&tick)
            .x_desc(if last_row {
                "simulated time (days)"
            } else {
                ""
            })
            .y_desc("trucks waiting");
        if scale.log {
            mesh.y_labels(0).disable_y_mesh().draw()?;
            // 0 has its grid line but no label: it would touch the label of 1.
            let mut trucks = 1.0;
            let mut ticks = vec![0.0];
            while scale.y(trucks) <= upper + 1e-9 {
                ticks.push(trucks);
                trucks *= 10.0;
            }
            for trucks in ticks {
                let y = scale.y(trucks);
                chart.draw_series(LineSeries::new(
                    [(0.0, y), (end_days, y)],
                    BLACK.mix(0.15).stroke_width(1),
                ))?;
                if trucks == 0.0 {
                    continue;
                }
                let at = chart.backend_coord(&(0.0, y));
                root.draw(&Text::new(
                    tick(&trucks),
                    (at.0 - 6, at.1),
                    text_style(LABEL - 2).pos(Pos::new(HPos::Right, VPos::Center)),
                ))?;
            }
        } else {
            mesh.y_label_formatter(&|y: &f64| if *y < 0.0 { String::new() } else { tick(y) })
                .y_labels(4)
                .draw()?;
        }
        for (strip_index, (index, trace)) in traces.iter().enumerate() {
            let shade = colour(*index).mix(0.45);
            let (bottom, strip_top) = (
                lower + strip * strip_index as f64,
                lower + strip * (strip_index + 1) as f64,
            );
            let mut hour = 0;
            while hour < trace.closed.len() {
                if trace.closed[hour] < 0.5 {
                    hour += 1;
                    continue;
                }
                let start = hour;
                while hour < trace.closed.len() && trace.closed[hour] >= 0.5 {
                    hour += 1;
                }
                chart.draw_series(std::iter::once(Rectangle::new(
                    [
                        (start as f64 / 24.0, bottom),
                        (hour as f64 / 24.0, strip_top - strip * 0.15),
                    ],
                    shade.filled(),
                )))?;
            }
        }
        let warmup_days = variants.first().map_or(0.0, |v| v.warmup_hours / 24.0);
        chart.draw_series(DashedLineSeries::new(
            [(warmup_days, lower), (warmup_days, upper)],
            5,
            4,
            BLACK.mix(0.5).stroke_width(1),
        ))?;
        for (index, trace) in &traces {
            let colour = colour(*index);
            let points = trace
                .queue
                .iter()
                .enumerate()
                .map(|(hour, waiting)| ((hour as f64 + 0.5) / 24.0, scale.y(*waiting)));
            // Thin lines: thick joins overshoot on hour-long spikes.
            chart.draw_series(LineSeries::new(points, colour.stroke_width(1)))?;
        }
    }
    Ok(())
}

/// The road a waiting truck takes at `stage`, in metres, when its queue is a road (in the
/// first variant that has the stage).
fn road_metres(variants: &[VariantResults], stage: &str) -> Option<f64> {
    variants.iter().find_map(|variant| {
        let run = variant.experiment.runs.first()?;
        let summary = run.stages.iter().find(|summary| summary.stage == stage)?;
        Some(summary.road?.metres_per_truck)
    })
}

/// The second axis of a queue panel whose queue is a road: its length in km, ticks at round
/// kilometres right of the plotting area, and its description.
fn km_axis<DB: DrawingBackend>(
    root: &Area<DB>,
    chart: &Chart<'_, DB>,
    metres: f64,
    upper: f64,
    scale: QueueScale,
) -> Drawn<DB> {
    let km_per_truck = metres / 1000.0;
    let top_km = scale.trucks(upper) * km_per_truck;
    // Even steps on a linear scale, powers of ten on a log one.
    let ticks: Vec<f64> = if scale.log {
        std::iter::once(0.0)
            .chain(
                (-2..6)
                    .map(|power| 10f64.powi(power))
                    .filter(|km| *km / km_per_truck >= 1.0),
            )
            .take_while(|km| *km <= top_km * (1.0 + 1e-9))
            .collect()
    } else {
        let step = nice_upper(top_km / 4.0);
        (0..)
            .map(|k| f64::from(k) * step)
            .take_while(|km| *km <= top_km * (1.0 + 1e-9))
            .collect()
    };
    let style = text_style(LABEL - 2).pos(Pos::new(HPos::Left, VPos::Center));
    for km in ticks {
        let y = scale.y(km / km_per_truck);
        let (x, at) = chart.backend_coord(&(chart.x_range().end, y));
        root.draw(&PathElement::new([(x, at), (x + 5, at)], BLACK))?;
        root.draw(&Text::new(tick(&km), (x + 8, at), style.clone()))?;
    }
    let (x, top) = chart.backend_coord(&(chart.x_range().end, upper));
    let (_, bottom) = chart.backend_coord(&(chart.x_range().end, 0.0));
    let description = text_style(LABEL)
        .transform(FontTransform::Rotate90)
        .pos(Pos::new(HPos::Center, VPos::Center));
    root.draw(&Text::new(
        format!("km of road ({metres:.0} m a truck)"),
        (x + 52, (top + bottom) / 2),
        description,
    ))
}

/// The queues chart's legend, in a row of its own: each variant's line and closed strip, and the
/// end of the warm-up.
fn queue_legend<DB: DrawingBackend>(row: &Area<DB>, variants: &[VariantResults]) -> Drawn<DB> {
    let style = text_style(LEGEND - 2).pos(Pos::new(HPos::Left, VPos::Center));
    let y = 17;
    let mut x = 80;
    for (index, variant) in variants.iter().enumerate() {
        let colour = colour(index);
        row.draw(&PathElement::new(
            [(x, y), (x + 22, y)],
            colour.stroke_width(3),
        ))?;
        row.draw(&Rectangle::new(
            [(x + 30, y - 6), (x + 52, y + 6)],
            colour.mix(0.45).filled(),
        ))?;
        let text = format!("{}: waiting, closed (strip under the axis)", variant.name);
        row.draw(&Text::new(text.clone(), (x + 58, y), style.clone()))?;
        let (width, _) = row
            .estimate_text_size(&text, &style)
            .unwrap_or((8 * text.len() as u32, 0));
        x += 58 + width as i32 + 28;
    }
    row.draw(&PathElement::new(
        [(x, y), (x + 22, y)],
        BLACK.mix(0.5).stroke_width(1),
    ))?;
    row.draw(&Text::new("end of warm-up (dashed)", (x + 28, y), style))?;
    Ok(())
}

/// Chart 4: utilization of each stage, a bar per variant with its 95% interval.
pub fn utilization<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    variants: &[VariantResults],
) -> Drawn<DB> {
    let body = root.titled(title, text_style(TITLE))?;
    let stages = all_stages(variants);
    let n = stages.len().max(1);
    let row = |k: usize| (n - 1 - k) as f64;
    let mut chart = ChartBuilder::on(&body)
        .margin(16)
        .x_label_area_size(55)
        .y_label_area_size(190)
        .build_cartesian_2d(0.0..100.0, -0.5..n as f64 - 0.5)?;
    mesh(&mut chart, AXIS, LABEL)
        .y_labels(0)
        .disable_y_mesh()
        .x_label_formatter(&tick)
        .x_desc("utilization: busy servers over servers on duty (%)")
        .draw()?;
    let band = 0.8 / variants.len().max(1) as f64;
    for (index, variant) in variants.iter().enumerate() {
        let colour = colour(index);
        let bars: Vec<(f64, f64, f64)> = stages
            .iter()
            .enumerate()
            .filter_map(|(k, stage)| {
                let metric = variant.metric(&MetricId::stage(stage, Quantity::Utilization))?;
                let y = row(k) + 0.4 - band * (index as f64 + 0.5);
                Some((
                    y,
                    metric.mean * 100.0,
                    metric.ci95_half_width.unwrap_or(0.0) * 100.0,
                ))
            })
            .collect();
        chart
            .draw_series(bars.iter().map(|&(y, mean, _)| {
                Rectangle::new(
                    [(0.0, y - band * 0.42), (mean, y + band * 0.42)],
                    colour.filled(),
                )
            }))?
            .label(variant.name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 7), (x + 18, y + 7)], colour.filled()));
        chart.draw_series(bars.iter().map(|&(y, mean, half)| {
            PathElement::new([(mean - half, y), (mean + half, y)], BLACK.stroke_width(2))
        }))?;
        chart.draw_series(bars.iter().map(|&(y, mean, half)| {
            Text::new(
                format!("  {mean:.1}%"),
                (mean + half, y),
                text_style(LABEL - 3).pos(Pos::new(HPos::Left, VPos::Center)),
            )
        }))?;
    }
    for (k, stage) in stages.iter().enumerate() {
        let at = chart.backend_coord(&(0.0, row(k)));
        category_label(root, at, stage)?;
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight, LEGEND)?;
    Ok(())
}

/// Chart 5: trucks cleared per day, the mean over replications as a step a day with its 95%
/// band, and the trucks arriving as a dark dash a day; warm-up days shaded.
pub fn cleared_per_day<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    variants: &[VariantResults],
) -> Drawn<DB> {
    let body = root.titled(title, text_style(TITLE))?;
    let days: Vec<(usize, &VariantResults, Vec<super::series::DayPoint>)> = variants
        .iter()
        .enumerate()
        .filter_map(|(index, variant)| {
            let rows = variant.daily.as_deref()?;
            Some((
                index,
                variant,
                daily_means(rows, variant.warmup_hours + variant.horizon_hours),
            ))
        })
        .collect();
    let end = days
        .iter()
        .flat_map(|(_, _, points)| points.iter().map(|p| f64::from(p.day + 1)))
        .fold(1.0, f64::max);
    let top = days
        .iter()
        .flat_map(|(_, _, points)| {
            points
                .iter()
                .map(|p| (p.cleared + p.cleared_half_width).max(p.arrived))
        })
        .fold(1.0, f64::max);
    // Head room for the legend above the lines.
    let y_high = nice_upper(top * 1.45);
    let mut chart = ChartBuilder::on(&body)
        .margin(16)
        .x_label_area_size(55)
        .y_label_area_size(90)
        .build_cartesian_2d(0.0..end, 0.0..y_high)?;
    mesh(&mut chart, AXIS, LABEL)
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .x_desc("day of the run (simulated days)")
        .y_desc("trucks per day")
        .draw()?;
    let warmup_days = variants.first().map_or(0.0, |v| v.warmup_hours / 24.0);
    shade_warmup(&mut chart, warmup_days, y_high)?;
    for (index, variant, points) in &days {
        let colour = colour(*index);
        let middle = |p: &super::series::DayPoint| f64::from(p.day) + 0.5;
        // The band in steps too: the day's interval across the whole day.
        let means: Vec<(f64, f64, f64)> = points
            .iter()
            .flat_map(|p| {
                [f64::from(p.day), f64::from(p.day + 1)]
                    .map(|x| (x, p.cleared, p.cleared_half_width))
            })
            .collect();
        band(&mut chart, &means, colour, 0.0)?;
        // Cleared: a step for each day (a day's count belongs to the whole day; lines between
        // days would draw Sundays as V shapes) with a dot at its middle.
        let steps = day_steps(points, |p| (p.day, p.cleared));
        chart
            .draw_series(LineSeries::new(steps, colour.stroke_width(2)))?
            .label(format!("{}: cleared (mean, 95% band)", variant.name))
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], colour.stroke_width(3)));
        chart.draw_series(
            points
                .iter()
                .map(|p| Circle::new((middle(p), p.cleared), 3, colour.filled())),
        )?;
        // Arrived: a short dark bar across each day, drawn over the cleared steps.
        let dark = RGBColor(
            (f64::from(colour.0) * 0.5) as u8,
            (f64::from(colour.1) * 0.5) as u8,
            (f64::from(colour.2) * 0.5) as u8,
        );
        chart
            .draw_series(points.iter().map(|p| {
                let day = f64::from(p.day);
                PathElement::new(
                    [(day + 0.2, p.arrived), (day + 0.8, p.arrived)],
                    dark.stroke_width(3),
                )
            }))?
            .label(format!("{}: arrived (mean, a dash a day)", variant.name))
            .legend(move |(x, y)| {
                PathElement::new([(x + 4, y), (x + 14, y)], dark.stroke_width(3))
            });
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight, LEGEND)?;
    Ok(())
}

/// The warm-up shaded from day 0 to its end (none without one), with its legend entry.
fn shade_warmup<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    warmup_days: f64,
    y_high: f64,
) -> Drawn<DB> {
    if warmup_days > 0.0 {
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(0.0, 0.0), (warmup_days, y_high)],
                BLACK.mix(0.07).filled(),
            )))?
            .label("warm-up (not in the statistics)")
            .legend(|(x, y)| {
                Rectangle::new([(x, y - 7), (x + 18, y + 7)], BLACK.mix(0.15).filled())
            });
    }
    Ok(())
}

/// A value a day drawn as steps across each whole day (a day's count belongs to the whole day;
/// lines between days would draw a quiet day as a V): `day_value` gives a point's day and value.
fn day_steps<P>(points: &[P], day_value: impl Fn(&P) -> (u32, f64)) -> Vec<(f64, f64)> {
    points
        .iter()
        .flat_map(|p| {
            let (day, value) = day_value(p);
            [(f64::from(day), value), (f64::from(day + 1), value)]
        })
        .collect()
}

/// The trucks turned away from each stage with `balking` or `booking`, day by day (means over
/// replications): a panel per stage, each variant's trucks driven to another stage as a solid
/// step and those lost (gave up, or never came to their slot) as a dashed one, warm-up shaded.
pub fn turned_away<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    variants: &[VariantResults],
) -> Drawn<DB> {
    let body = root.titled(title, text_style(TITLE))?;
    let mut stages: Vec<&str> = Vec::new();
    for row in variants.iter().flat_map(|v| v.road_days.iter().flatten()) {
        if !stages.contains(&row.stage.as_str()) {
            stages.push(&row.stage);
        }
    }
    let panels = body.split_evenly((stages.len().max(1), 1));
    let end = variants
        .iter()
        .map(|variant| ((variant.warmup_hours + variant.horizon_hours) / 24.0).floor())
        .fold(1.0, f64::max);
    let warmup_days = variants.first().map_or(0.0, |v| v.warmup_hours / 24.0);
    for (k, (stage, panel)) in stages.iter().zip(&panels).enumerate() {
        let lines: Vec<(usize, &VariantResults, Vec<super::series::TurnedPoint>)> = variants
            .iter()
            .enumerate()
            .filter_map(|(index, variant)| {
                let rows = variant.road_days.as_deref()?;
                let end = variant.warmup_hours + variant.horizon_hours;
                Some((index, variant, turned_means(rows, stage, end)))
            })
            .collect();
        let top = lines
            .iter()
            .flat_map(|(_, _, points)| points.iter().map(|p| p.diverted.max(p.lost)))
            .fold(1.0, f64::max);
        // Head room for the legend.
        let y_high = nice_upper(top * 1.35);
        let last = k + 1 == stages.len();
        let mut chart = ChartBuilder::on(panel)
            .caption(*stage, text_style(LABEL + 2))
            .margin(10)
            .x_label_area_size(if last { 48 } else { 24 })
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..end, 0.0..y_high)?;
        mesh(&mut chart, LABEL, LABEL - 2)
            .x_label_formatter(&tick)
            .y_label_formatter(&tick)
            .y_labels(5)
            .x_desc(if last {
                "day of the run (simulated days)"
            } else {
                ""
            })
            .y_desc("trucks per day")
            .draw()?;
        shade_warmup(&mut chart, warmup_days, y_high)?;
        for (index, variant, points) in &lines {
            let colour = colour(*index);
            chart
                .draw_series(LineSeries::new(
                    day_steps(points, |p| (p.day, p.diverted)),
                    colour.stroke_width(2),
                ))?
                .label(format!("{}: turned away to another stage", variant.name))
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 18, y)], colour.stroke_width(3))
                });
            chart
                .draw_series(DashedLineSeries::new(
                    day_steps(points, |p| (p.day, p.lost)),
                    6,
                    4,
                    colour.stroke_width(2),
                ))?
                .label(format!("{}: lost (gave up or never came)", variant.name))
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 7, y)], colour.stroke_width(3))
                });
        }
        // One legend, in the first panel: the others read the same.
        if k == 0 {
            legend(&mut chart, SeriesLabelPosition::UpperLeft, LEGEND - 4)?;
        }
    }
    Ok(())
}

/// The heatmap's key: the colours from the lowest value (bottom) to the highest, with both
/// values and the middle one, and what is measured.
fn colour_bar<DB: DrawingBackend>(area: &Area<DB>, low: f64, high: f64, label: &str) -> Drawn<DB> {
    const STEPS: usize = 100;
    let (high, low) = if high > low {
        (high, low)
    } else {
        (low + 1.0, low)
    };
    let mut bar = ChartBuilder::on(area)
        .margin_top(40)
        .margin_bottom(76)
        .margin_right(20)
        .y_label_area_size(0)
        .right_y_label_area_size(70)
        .build_cartesian_2d(0.0..1.0, low..high)?;
    bar.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(5)
        .y_label_formatter(&tick)
        .y_label_style(text_style(LABEL))
        .draw()?;
    let step = (high - low) / STEPS as f64;
    bar.draw_series((0..STEPS).map(|k| {
        let from = low + step * k as f64;
        Rectangle::new(
            [(0.0, from), (1.0, from + step)],
            ViridisRGB::get_color((k as f64 + 0.5) / STEPS as f64).filled(),
        )
    }))?;
    let (width, height) = area.dim_in_pixel();
    area.draw(&Text::new(
        label.to_string(),
        (width as i32 / 2 - 10, height as i32 - 40),
        text_style(LABEL - 2).pos(Pos::new(HPos::Center, VPos::Center)),
    ))?;
    Ok(())
}

/// Chart 6a: a sweep metric against the first varied key, with its 95% band; one line per
/// combination of the other keys.
pub fn sweep_metric<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    sweep: &SweepResults,
    metric: &MetricId,
) -> Drawn<DB> {
    let body = root.titled(title, text_style(TITLE))?;
    let lines = sweep_lines(sweep, metric);
    let (xs, labels) = sweep_x(sweep);
    let x_low = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let x_high = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let pad = ((x_high - x_low) * 0.03).max(0.5 * f64::from(u8::from(x_high == x_low)));
    let y_high = lines
        .iter()
        .flat_map(|line| line.points.iter().map(|&(_, mean, half)| mean + half))
        .fold(0.0, f64::max);
    let y_low = lines
        .iter()
        .flat_map(|line| line.points.iter().map(|&(_, mean, half)| mean - half))
        .fold(f64::INFINITY, f64::min)
        .min(0.0);
    let mut chart = ChartBuilder::on(&body)
        .margin(16)
        .x_label_area_size(55)
        .y_label_area_size(90)
        .build_cartesian_2d(x_low - pad..x_high + pad, y_low..nice_upper(y_high * 1.1))?;
    let format_x = |x: &f64| {
        if labels.is_empty() {
            let text = format!("{x:.3}");
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            let k = x.round();
            if (x - k).abs() < 1e-9 && k >= 0.0 {
                labels.get(k as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        }
    };
    // Whole-number keys (servers, bays) get a tick at each whole number.
    let whole = labels.is_empty() && xs.iter().all(|x| x.fract() == 0.0) && x_high - x_low <= 20.0;
    let x_labels = if whole {
        (x_high - x_low) as usize + 1
    } else {
        10
    };
    mesh(&mut chart, AXIS, LABEL)
        .x_labels(x_labels)
        .x_label_formatter(&format_x)
        .y_label_formatter(&tick)
        .x_desc(short_key(
            sweep.keys.first().map_or("point", String::as_str),
        ))
        .y_desc(metric.label())
        .draw()?;
    for (index, line) in lines.iter().enumerate() {
        let colour = colour(index);
        band(&mut chart, &line.points, colour, f64::NEG_INFINITY)?;
        let series = chart.draw_series(LineSeries::new(
            line.points.iter().map(|&(x, m, _)| (x, m)),
            colour.stroke_width(3),
        ))?;
        let label = if line.label.is_empty() {
            "mean, 95% band".to_string()
        } else {
            line.label.clone()
        };
        series
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], colour.stroke_width(3)));
        chart.draw_series(
            line.points
                .iter()
                .map(|&(x, m, _)| Circle::new((x, m), 4, colour.filled())),
        )?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight, LEGEND)?;
    Ok(())
}

/// Chart 6b: a heatmap of a metric over a two-key grid, the value written in each cell.
pub fn sweep_heatmap<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    sweep: &SweepResults,
    metric: &MetricId,
) -> Drawn<DB> {
    let body = root.titled(title, text_style(TITLE))?;
    let Some(grid) = sweep_grid(sweep, metric) else {
        return Ok(());
    };
    let (columns, rows) = (grid.columns.len(), grid.rows.len());
    let values = grid.cells.iter().flatten().copied();
    let low = values.clone().fold(f64::INFINITY, f64::min);
    let high = values.fold(f64::NEG_INFINITY, f64::max);
    let (cells_area, bar_area) = body.split_horizontally(body.dim_in_pixel().0.saturating_sub(190));
    colour_bar(&bar_area, low, high, &metric.label())?;
    let mut chart = ChartBuilder::on(&cells_area)
        .margin(16)
        .x_label_area_size(60)
        .y_label_area_size(120)
        .build_cartesian_2d(0.0..columns as f64, 0.0..rows as f64)?;
    mesh(&mut chart, AXIS, LABEL)
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .x_desc(short_key(&sweep.keys[0]))
        .y_desc(short_key(&sweep.keys[1]))
        .draw()?;
    let scale = |value: f64| {
        if high > low {
            (value - low) / (high - low)
        } else {
            0.5
        }
    };
    for (r, row) in grid.cells.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            let shade = ViridisRGB::get_color(scale(*value));
            let (x, y) = (c as f64, r as f64);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x, y), (x + 1.0, y + 1.0)],
                shade.filled(),
            )))?;
            let ink = if scale(*value) > 0.6 { BLACK } else { WHITE };
            chart.draw_series(std::iter::once(Text::new(
                format!("{value:.2}"),
                (x + 0.5, y + 0.5),
                (FONT, LABEL)
                    .into_font()
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            )))?;
        }
    }
    for (c, label) in grid.columns.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(c as f64 + 0.5, 0.0));
        let style = text_style(LABEL).pos(Pos::new(HPos::Center, VPos::Top));
        root.draw(&Text::new(label.clone(), (x, y + 8), style))?;
    }
    for (r, label) in grid.rows.iter().enumerate() {
        let at = chart.backend_coord(&(0.0, r as f64 + 0.5));
        category_label(root, at, label)?;
    }
    Ok(())
}

/// Chart 7: an optimisation's cost per day against constraint `k`'s metric, a point for every
/// decision the search ran (with a bar to its one-sided bound), the limit, the front of the
/// cheapest feasible points and the chosen one.
pub fn optimize_front<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    file: &crate::output::json::OptimizeFile,
    k: usize,
) -> Drawn<DB> {
    let body = root.titled(title, text_style(TITLE))?;
    let constraint = &file.constraints[k];
    let limit = constraint.limit.value();
    // (cost, mean, bound, meets every constraint, meets this one).
    let points: Vec<(f64, f64, f64, bool, bool)> = file
        .evaluations
        .iter()
        .map(|evaluation| {
            let check = evaluation.search[k];
            (
                evaluation.cost,
                check.mean,
                check.bound,
                evaluation.feasible(),
                check.holds,
            )
        })
        .filter(|point| point.1.is_finite())
        .collect();
    let x_low = points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let x_high = points.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    let pad = ((x_high - x_low) * 0.05).max(1.0);
    let y_high = points
        .iter()
        .map(|p| if p.2.is_finite() { p.2 } else { p.1 })
        .fold(limit, f64::max);
    let y_low = points.iter().map(|p| p.1).fold(limit, f64::min).min(0.0);
    let mut chart = ChartBuilder::on(&body)
        .margin(16)
        .x_label_area_size(55)
        .y_label_area_size(90)
        .build_cartesian_2d(
            (x_low - pad).max(0.0)..x_high + pad,
            y_low..nice_upper(y_high * 1.1),
        )?;
    mesh(&mut chart, AXIS, LABEL)
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .x_desc("cost per day (the optimisation file's unit)")
        .y_desc(format!(
            "{}, mean over the search's replications",
            constraint.metric.label()
        ))
        .draw()?;
    let grey = RGBColor(150, 150, 150);
    let blue = colour(0);
    let red = RGBColor(214, 39, 40);
    // Each point's mean, with a thin bar up (or down) to its one-sided bound.
    chart.draw_series(points.iter().filter(|p| p.2.is_finite()).map(
        |&(x, mean, bound, feasible, _)| {
            let colour = if feasible { blue } else { grey };
            PathElement::new([(x, mean), (x, bound)], colour.mix(0.6).stroke_width(1))
        },
    ))?;
    chart
        .draw_series(
            points
                .iter()
                .filter(|p| !p.4)
                .map(|&(x, mean, ..)| Cross::new((x, mean), 6, grey.stroke_width(2))),
        )?
        .label("misses this constraint in the search")
        .legend(move |(x, y)| Cross::new((x + 9, y), 6, grey.stroke_width(2)));
    if file.constraints.len() > 1 {
        chart
            .draw_series(
                points
                    .iter()
                    .filter(|p| p.4 && !p.3)
                    .map(|&(x, mean, ..)| Circle::new((x, mean), 6, grey.stroke_width(2))),
            )?
            .label("meets this one, misses another")
            .legend(move |(x, y)| Circle::new((x + 9, y), 6, grey.stroke_width(2)));
    }
    chart
        .draw_series(
            points
                .iter()
                .filter(|p| p.3)
                .map(|&(x, mean, ..)| Circle::new((x, mean), 6, blue.filled())),
        )?
        .label("meets every constraint in the search")
        .legend(move |(x, y)| Circle::new((x + 9, y), 6, blue.filled()));
    let front: Vec<(f64, f64)> = super::series::optimize_front(file, k)
        .into_iter()
        .map(|i| (file.evaluations[i].cost, file.evaluations[i].search[k].mean))
        .collect();
    chart
        .draw_series(LineSeries::new(front, blue.stroke_width(3)))?
        .label("front: the cheapest feasible point for each level")
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], blue.stroke_width(3)));
    let x_range = ((x_low - pad).max(0.0), x_high + pad);
    chart
        .draw_series(DashedLineSeries::new(
            [(x_range.0, limit), (x_range.1, limit)],
            10,
            6,
            red.stroke_width(2),
        ))?
        .label(format!("limit: {}", constraint.limit.describe()))
        .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], red.stroke_width(2)));
    if let Some(chosen) = file.chosen() {
        let at = (chosen.cost, chosen.search[k].mean);
        chart
            .draw_series([
                Circle::new(at, 12, red.stroke_width(3)),
                Circle::new(at, 6, blue.filled()),
            ])?
            .label("chosen: the cheapest confirmed")
            .legend(move |(x, y)| Circle::new((x + 9, y), 8, red.stroke_width(3)));
    }
    legend(&mut chart, SeriesLabelPosition::UpperRight, LEGEND)?;
    Ok(())
}

/// Chart 8: a ledger's waterfall for one metric: the base's bar, each reform's share floating
/// from where the ones before it left the metric (with its 95% whisker), and all reforms' bar.
pub fn waterfall<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    ledger: &crate::ledger::MetricLedger,
) -> Drawn<DB> {
    let body = root.titled(title, text_style(TITLE))?;
    let k = ledger.reforms.len();
    // (label, from, to, half-width): the base, each share, all reforms.
    let mut bars: Vec<(String, f64, f64, Option<f64>)> =
        vec![("base".into(), 0.0, ledger.base.mean, ledger.base.half_width)];
    let mut level = ledger.base.mean;
    for share in &ledger.reforms {
        bars.push((
            share.reform.clone(),
            level,
            level + share.shapley.mean,
            share.shapley.half_width,
        ));
        level += share.shapley.mean;
    }
    bars.push((
        "all reforms".into(),
        0.0,
        ledger.all.mean,
        ledger.all.half_width,
    ));
    let high = bars
        .iter()
        .map(|(_, from, to, half)| from.max(*to) + half.unwrap_or(0.0))
        .fold(0.0, f64::max);
    let low = bars
        .iter()
        .map(|(_, from, to, half)| from.min(*to) - half.unwrap_or(0.0))
        .fold(0.0, f64::min);
    let labels: Vec<String> = bars.iter().map(|bar| bar.0.clone()).collect();
    let mut chart = ChartBuilder::on(&body)
        .margin(16)
        .x_label_area_size(60)
        .y_label_area_size(90)
        .build_cartesian_2d(-0.6..(k as f64 + 1.6), low..nice_upper(high * 1.08))?;
    let format_x = |x: &f64| {
        let k = x.round();
        if (x - k).abs() < 1e-9 && k >= 0.0 {
            labels.get(k as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    mesh(&mut chart, AXIS, LABEL)
        .x_labels(k + 2)
        .x_label_formatter(&format_x)
        .y_label_formatter(&tick)
        .x_desc("reform (each bar its Shapley share, added left to right)")
        .y_desc(ledger.metric.label())
        .disable_x_mesh()
        .draw()?;
    let grey = RGBColor(120, 120, 120);
    let green = RGBColor(44, 160, 44);
    let red = RGBColor(214, 39, 40);
    for (i, (_, from, to, half)) in bars.iter().enumerate() {
        let x = i as f64;
        let ends = i == 0 || i == k + 1;
        let colour = if ends {
            grey
        } else if to < from {
            green
        } else {
            red
        };
        chart.draw_series(std::iter::once(Rectangle::new(
            [(x - 0.35, *from), (x + 0.35, *to)],
            colour.mix(0.85).filled(),
        )))?;
        if let Some(half) = half {
            chart.draw_series(std::iter::once(PathElement::new(
                [(x, to - half), (x, to + half)],
                BLACK.stroke_width(2),
            )))?;
            for end in [to - half, to + half] {
                chart.draw_series(std::iter::once(PathElement::new(
                    [(x - 0.1, end), (x + 0.1, end)],
                    BLACK.stroke_width(2),
                )))?;
            }
        }
        // Dotted connector to the next bar's start.
        if i + 1 < bars.len() && i < k {
            chart.draw_series(DashedLineSeries::new(
                [(x + 0.35, *to), (x + 0.65, *to)],
                3,
                3,
                grey.stroke_width(1),
            ))?;
        }
        let text = if ends {
            hours_label(*to)
        } else {
            format!("{:+.2}", to - from)
        };
        let y = from.max(*to) + half.unwrap_or(0.0);
        chart.draw_series(std::iter::once(Text::new(
            text,
            (x, y),
            text_style(LABEL).pos(Pos::new(HPos::Center, VPos::Bottom)),
        )))?;
    }
    Ok(())
}
