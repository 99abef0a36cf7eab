//! The numbers behind each chart, computed from the results read back: histogram bars, CDF
//! points, daily means with their bands, sweep lines and grids. Pure, so tests can check them
//! against the results they came from.

use super::data::{DayRow, DwellBin, RoadDayRow, SweepResults, VariantResults};
use crate::experiment::{Estimate, MetricId, Quantity};

/// The time axis of dwell-time charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeAxis {
    /// Logarithmic when the variants' medians differ by 5 times or more, else linear.
    #[default]
    Auto,
    Linear,
    Log,
}

impl TimeAxis {
    /// Settles `Auto` for these variants.
    pub fn resolve(self, variants: &[VariantResults]) -> TimeAxis {
        if self != TimeAxis::Auto {
            return self;
        }
        let medians: Vec<f64> = variants
            .iter()
            .map(|variant| variant.port_mean(Quantity::DwellP50))
            .filter(|median| *median > 0.0)
            .collect();
        let low = medians.iter().copied().fold(f64::INFINITY, f64::min);
        let high = medians.iter().copied().fold(0.0, f64::max);
        if high >= 5.0 * low {
            TimeAxis::Log
        } else {
            TimeAxis::Linear
        }
    }
}

/// One bar of a histogram: its edges in hours and its share of the trucks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    pub lower_h: f64,
    pub upper_h: f64,
    pub share: f64,
}

/// Fine bins merged into one bar on a logarithmic axis: 100 a decade become 25.
pub const LOG_BARS_PER_FINE: usize = 4;

/// Bars on a linear axis up to the upper end.
pub const LINEAR_BARS: usize = 60;

fn total(bins: &[DwellBin]) -> u64 {
    bins.iter().map(|bin| bin.trucks).sum()
}

/// The dwell time below which a share `q` of the trucks fall, read off the bins (interpolated
/// geometrically within a bin).
pub fn bin_quantile(bins: &[DwellBin], q: f64) -> Option<f64> {
    let total = total(bins);
    if total == 0 {
        return None;
    }
    let target = q * total as f64;
    let mut below = 0.0;
    for bin in bins {
        let next = below + bin.trucks as f64;
        if next >= target && bin.trucks > 0 {
            let within = (target - below) / bin.trucks as f64;
            return Some(bin.lower_h * (bin.upper_h / bin.lower_h).powf(within.clamp(0.0, 1.0)));
        }
        below = next;
    }
    bins.last().map(|bin| bin.upper_h)
}

/// Histogram bars of the pooled dwell times. On a logarithmic axis, groups of
/// [`LOG_BARS_PER_FINE`] fine bins; on a linear axis, [`LINEAR_BARS`] equal bars from 0 to
/// `upper_h`, each fine bin counted in the bar holding its geometric middle (fine bins are
/// 2.3% wide). Shares are of all trucks, so they sum to 1 on a logarithmic axis and to the share
/// below `upper_h` on a linear one.
pub fn histogram(bins: &[DwellBin], axis: TimeAxis, upper_h: f64) -> Vec<Bar> {
    let total = total(bins) as f64;
    if total == 0.0 {
        return Vec::new();
    }
    match axis {
        TimeAxis::Linear => {
            let width = upper_h / LINEAR_BARS as f64;
            let mut bars: Vec<Bar> = (0..LINEAR_BARS)
                .map(|k| Bar {
                    lower_h: k as f64 * width,
                    upper_h: (k + 1) as f64 * width,
                    share: 0.0,
                })
                .collect();
            for bin in bins {
                let middle = (bin.lower_h * bin.upper_h).sqrt();
                let k = (middle / width) as usize;
                if let Some(bar) = bars.get_mut(k) {
                    bar.share += bin.trucks as f64 / total;
                }
            }
            bars
        }
        TimeAxis::Log | TimeAxis::Auto => bins
            .chunks(LOG_BARS_PER_FINE)
            .map(|group| Bar {
                lower_h: group[0].lower_h,
                upper_h: group[group.len() - 1].upper_h,
                share: group.iter().map(|bin| bin.trucks).sum::<u64>() as f64 / total,
            })
            .collect(),
    }
}

/// The empirical CDF at each fine bin's upper edge: (hours, share of trucks out by then),
/// starting at (first lower edge, 0).
pub fn cdf(bins: &[DwellBin]) -> Vec<(f64, f64)> {
    let total = total(bins) as f64;
    let Some(first) = bins.first() else {
        return Vec::new();
    };
    if total == 0.0 {
        return Vec::new();
    }
    let mut points = vec![(first.lower_h, 0.0)];
    let mut below = 0u64;
    for bin in bins {
        below += bin.trucks;
        points.push((bin.upper_h, below as f64 / total));
    }
    points
}

/// One day of the run: the mean over replications of trucks arriving and cleared, with the
/// 95% half-width of the cleared mean.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayPoint {
    pub day: u32,
    pub arrived: f64,
    pub cleared: f64,
    pub cleared_half_width: f64,
    pub warmup: bool,
}

/// Means per day over replications. The last day is left out when it is cut short by the end of
/// the run (a partial day would look like a collapse).
pub fn daily_means(rows: &[DayRow], horizon_end_hours: f64) -> Vec<DayPoint> {
    let days = rows.iter().map(|row| row.day + 1).max().unwrap_or(0);
    let whole_days = (horizon_end_hours / 24.0).floor() as u32;
    (0..days.min(whole_days))
        .map(|day| {
            let of_day: Vec<&DayRow> = rows.iter().filter(|row| row.day == day).collect();
            let cleared: Vec<f64> = of_day.iter().map(|row| f64::from(row.cleared)).collect();
            let arrived: Vec<f64> = of_day.iter().map(|row| f64::from(row.arrived)).collect();
            let estimate = Estimate::of(&cleared);
            DayPoint {
                day,
                arrived: Estimate::of(&arrived).mean,
                cleared: estimate.mean,
                cleared_half_width: estimate.half_width.unwrap_or(0.0),
                warmup: of_day.iter().any(|row| row.warmup),
            }
        })
        .collect()
}

/// One day at one stage with `balking` or `booking`: the trucks turned away to another stage and
/// those lost (gave up, or never came to their slot), means over replications.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TurnedPoint {
    pub day: u32,
    pub diverted: f64,
    pub lost: f64,
}

/// Means per day over replications of the trucks turned away and lost at `stage`; the last day
/// left out when the end of the run cuts it short, as in [`daily_means`].
pub fn turned_means(rows: &[RoadDayRow], stage: &str, horizon_end_hours: f64) -> Vec<TurnedPoint> {
    let whole_days = (horizon_end_hours / 24.0).floor() as usize;
    // (diverted, lost, replications) per day.
    let mut days: Vec<(f64, f64, u32)> = Vec::new();
    for row in rows.iter().filter(|row| row.stage == stage) {
        let day = row.day as usize;
        if days.len() <= day {
            days.resize(day + 1, (0.0, 0.0, 0));
        }
        let sums = &mut days[day];
        sums.0 += f64::from(row.diverted);
        sums.1 += f64::from(row.gave_up + row.no_shows);
        sums.2 += 1;
    }
    days.truncate(whole_days);
    (0u32..)
        .zip(days)
        .filter(|(_, (_, _, replications))| *replications > 0)
        .map(|(day, (diverted, lost, replications))| TurnedPoint {
            day,
            diverted: diverted / f64::from(replications),
            lost: lost / f64::from(replications),
        })
        .collect()
}

/// A sweep metric along one varied key, for one combination of the others.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepLine {
    /// The other keys' values, as `key = value`, or empty when only one key varies.
    pub label: String,
    /// (x, mean, 95% half-width), in the order of the sweep's points.
    pub points: Vec<(f64, f64, f64)>,
}

/// The x positions of the first key's values: the numbers themselves, or their order of first
/// appearance when any value is not a number. Also the tick labels.
pub fn sweep_x(sweep: &SweepResults) -> (Vec<f64>, Vec<String>) {
    let values: Vec<&str> = sweep
        .points
        .iter()
        .map(|point| point.values.first().map_or("", String::as_str))
        .collect();
    let numbers: Option<Vec<f64>> = values.iter().map(|value| value.parse().ok()).collect();
    match numbers {
        Some(numbers) => (numbers, Vec::new()),
        None => {
            let mut labels: Vec<String> = Vec::new();
            let positions = values
                .iter()
                .map(|value| {
                    let at = labels.iter().position(|label| label == value);
                    at.unwrap_or_else(|| {
                        labels.push(value.to_string());
                        labels.len() - 1
                    }) as f64
                })
                .collect();
            (positions, labels)
        }
    }
}

/// One line per combination of the keys after the first, with the metric against the first key.
pub fn sweep_lines(sweep: &SweepResults, metric: &MetricId) -> Vec<SweepLine> {
    let (xs, _) = sweep_x(sweep);
    let mut lines: Vec<SweepLine> = Vec::new();
    for (point, x) in sweep.points.iter().zip(xs) {
        let Some(row) = point.metric(metric) else {
            continue;
        };
        let label = sweep.keys[1.min(sweep.keys.len())..]
            .iter()
            .zip(point.values.iter().skip(1))
            .map(|(key, value)| format!("{} = {value}", short_key(key)))
            .collect::<Vec<_>>()
            .join(", ");
        let entry = (x, row.mean, row.ci95_half_width.unwrap_or(0.0));
        match lines.iter_mut().find(|line| line.label == label) {
            Some(line) => line.points.push(entry),
            None => lines.push(SweepLine {
                label,
                points: vec![entry],
            }),
        }
    }
    for line in &mut lines {
        line.points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    lines
}

/// A two-key grid: the distinct values of each key (in order of appearance) and the metric's
/// mean in each cell, `cells[row][column]` with rows the second key; `None` unless exactly two
/// keys vary and every combination appears once.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub columns: Vec<String>,
    pub rows: Vec<String>,
    pub cells: Vec<Vec<f64>>,
}

pub fn sweep_grid(sweep: &SweepResults, metric: &MetricId) -> Option<Grid> {
    if sweep.keys.len() != 2 {
        return None;
    }
    let mut columns: Vec<String> = Vec::new();
    let mut rows: Vec<String> = Vec::new();
    for point in &sweep.points {
        if !columns.contains(&point.values[0]) {
            columns.push(point.values[0].clone());
        }
        if !rows.contains(&point.values[1]) {
            rows.push(point.values[1].clone());
        }
    }
    if columns.len() * rows.len() != sweep.points.len() {
        return None;
    }
    let mut cells = vec![vec![f64::NAN; columns.len()]; rows.len()];
    for point in &sweep.points {
        let column = columns.iter().position(|c| *c == point.values[0])?;
        let row = rows.iter().position(|r| *r == point.values[1])?;
        if !cells[row][column].is_nan() {
            return None;
        }
        cells[row][column] = point.metric(metric)?.mean;
    }
    Some(Grid {
        columns,
        rows,
        cells,
    })
}

/// A key path without the `stages.` prefix, for legends.
pub fn short_key(key: &str) -> &str {
    key.strip_prefix("stages.").unwrap_or(key)
}

/// The front of an optimisation's feasible points for constraint `k`: in order of cost, each
/// point whose mean does better than every cheaper feasible point's (lower for `at most`, higher
/// for `at least`). Returns indices into the evaluations.
pub fn optimize_front(file: &crate::output::json::OptimizeFile, k: usize) -> Vec<usize> {
    let at_most = matches!(file.constraints[k].limit, crate::optimize::Limit::AtMost(_));
    let mut feasible: Vec<usize> = (0..file.evaluations.len())
        .filter(|&i| file.evaluations[i].feasible())
        .collect();
    feasible.sort_by(|&a, &b| {
        let (a, b) = (&file.evaluations[a], &file.evaluations[b]);
        a.cost.total_cmp(&b.cost).then(a.point.cmp(&b.point))
    });
    let mut front = Vec::new();
    let mut best: Option<f64> = None;
    for i in feasible {
        let mean = file.evaluations[i].search[k].mean;
        let better = best.is_none_or(|best| if at_most { mean < best } else { mean > best });
        if better {
            best = Some(mean);
            front.push(i);
        }
    }
    front
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bins(counts: &[(f64, f64, u64)]) -> Vec<DwellBin> {
        counts
            .iter()
            .map(|&(lower_h, upper_h, trucks)| DwellBin {
                lower_h,
                upper_h,
                trucks,
            })
            .collect()
    }

    #[test]
    fn cdf_climbs_to_one_at_the_last_edge() {
        let bins = bins(&[(1.0, 2.0, 1), (2.0, 4.0, 0), (4.0, 8.0, 3)]);
        assert_eq!(
            cdf(&bins),
            [(1.0, 0.0), (2.0, 0.25), (4.0, 0.25), (8.0, 1.0)]
        );
    }

    #[test]
    fn quantiles_interpolate_within_a_bin() {
        let bins = bins(&[(1.0, 4.0, 2), (4.0, 16.0, 2)]);
        assert_eq!(bin_quantile(&bins, 0.5), Some(4.0));
        assert_eq!(bin_quantile(&bins, 0.25), Some(2.0)); // half way through [1, 4) geometrically
        assert_eq!(bin_quantile(&bins, 1.0), Some(16.0));
        assert_eq!(bin_quantile(&[], 0.5), None);
    }

    #[test]
    fn linear_bars_count_each_bin_by_its_middle() {
        // Bars of 0.1 h up to 6 h; the bins' geometric middles are 1.497 h and 4.499 h.
        let bins = bins(&[(1.4, 1.6, 1), (4.4, 4.6, 3), (9.0, 11.0, 4)]);
        let bars = histogram(&bins, TimeAxis::Linear, 6.0);
        assert_eq!(bars.len(), LINEAR_BARS);
        let shares: f64 = bars.iter().map(|bar| bar.share).sum();
        assert!(
            (shares - 0.5).abs() < 1e-12,
            "the 4 trucks above 6 h are off the axis"
        );
        let at = |h: f64| {
            bars.iter()
                .find(|bar| bar.lower_h <= h && h < bar.upper_h)
                .unwrap()
        };
        assert!((at(1.45).share - 0.125).abs() < 1e-12);
        assert!((at(4.45).share - 0.375).abs() < 1e-12);
    }
}
