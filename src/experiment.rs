//! Replications of a scenario: their seeds, parallel runs, and the metrics with 95% intervals.
//!
//! Replication `i` of an experiment with base seed `s` runs with [`replication_seed`]`(s, i)`, so
//! any replication can be rerun alone, and two variants run with the same seeds share their
//! random streams stage by stage (common random numbers).

pub mod metric;
pub mod statistics;

use rayon::prelude::*;
use serde::{Deserialize, Deserializer, Serialize};

use crate::engine::derive_seed;
use crate::model::{RecordSink, RunResult, Scenario};
pub use metric::{MetricId, Quantity, Scope, Unit};
pub use statistics::{mser5, t_quantile, Estimate, CONFIDENCE};

/// The seed of replication `replication` of an experiment with base seed `base`.
pub fn replication_seed(base: u64, replication: u32) -> u64 {
    derive_seed(base, u64::from(replication))
}

/// Runs replications `0..replications` on rayon's current thread pool; results come back in
/// replication order whatever the thread count. Replication 0 keeps its truck records when
/// `records` is set (for trucks.csv), and its stages' hourly traces (for queues.csv) always; the
/// others keep only statistics. `progress` is called as
/// each replication ends.
pub fn replicate(
    scenario: &Scenario,
    base: u64,
    replications: u32,
    records: bool,
    progress: &(dyn Fn() + Sync),
) -> Vec<RunResult> {
    replicate_with(scenario, base, replications, records, None, progress)
}

/// [`replicate`], with replication 0 handing its records (trucks as they leave, the stages'
/// hours as they end) to `sink` when there is one, instead of keeping them.
fn replicate_with(
    scenario: &Scenario,
    base: u64,
    replications: u32,
    records: bool,
    sink: Option<&mut dyn RecordSink>,
    progress: &(dyn Fn() + Sync),
) -> Vec<RunResult> {
    // Only replication 0 takes the sink, once.
    let sink = std::sync::Mutex::new(sink);
    (0..replications)
        .into_par_iter()
        .map(|i| {
            let seed = replication_seed(base, i);
            let result = if i == 0 {
                let mut sink = sink.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                match (sink.as_deref_mut(), records) {
                    (Some(sink), _) => crate::model::run_into(scenario, seed, sink),
                    (None, true) => crate::run(scenario, seed),
                    (None, false) => crate::run_traced(scenario, seed),
                }
            } else {
                crate::run_summary(scenario, seed)
            };
            progress();
            result
        })
        .collect()
}

/// One number measured by every run.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub id: MetricId,
    pub value: f64,
}

/// A truck idles while it waits: for a server, while the stage is closed, for a repair, and
/// blocked.
fn idling(part: &crate::model::StageBreakdown) -> f64 {
    part.waiting_hours + part.closed_hours + part.down_hours.unwrap_or(0.0) + part.blocked_hours
}

/// Litres of diesel burnt idling for `hours` of waiting.
fn idle_litres(costs: &crate::model::Costs, hours: f64) -> f64 {
    hours * costs.idle_litres_per_hour * costs.engine_on_share
}

/// The value of each port-wide quantity ([`Quantity::PORT`]) over a set of trucks: their dwell,
/// milestones, trucks cleared a day and where their time goes.
fn port_values(
    dwell: &crate::model::DwellSummary,
    milestones: &crate::model::Milestones,
    cleared_per_day: f64,
    breakdown: &[crate::model::StageBreakdown],
    costs: &crate::model::Costs,
) -> [Measurement; 17] {
    let cost_per_truck = costs.truck_hour * dwell.mean_hours + costs.fee;
    let idle_fuel = idle_litres(costs, breakdown.iter().map(idling).sum());
    let port = |quantity: Quantity| match quantity {
        Quantity::DwellMean => dwell.mean_hours,
        Quantity::DwellP50 => dwell.p50_hours,
        Quantity::DwellP90 => dwell.p90_hours,
        Quantity::DwellP95 => dwell.p95_hours,
        Quantity::DwellP99 => dwell.p99_hours,
        Quantity::BufferIndex => buffer_index(dwell.p95_hours, dwell.mean_hours),
        Quantity::ClearedPerDay => cleared_per_day,
        Quantity::ToDeclaration => milestones.to_declaration_hours,
        Quantity::ToRelease => milestones.to_release_hours,
        Quantity::GreenShare => milestones.green_share,
        Quantity::YellowShare => milestones.yellow_share,
        Quantity::RedShare => milestones.red_share,
        Quantity::CostPerTruck => cost_per_truck,
        Quantity::CostPerDay => cost_per_truck * cleared_per_day,
        Quantity::IdleFuel => idle_fuel,
        Quantity::Co2 => idle_fuel * costs.co2_kg_per_litre,
        Quantity::Co2PerDay => idle_fuel * costs.co2_kg_per_litre * cleared_per_day,
        _ => unreachable!("{quantity:?} is measured per stage"),
    };
    Quantity::PORT.map(|quantity| Measurement {
        id: MetricId::port(quantity),
        value: port(quantity),
    })
}

/// Where the time goes at each stage ([`Quantity::TIME_PARTS`], with the time on failed servers
/// where servers fail), in stage order.
fn time_part_values(breakdown: &[crate::model::StageBreakdown]) -> Vec<Measurement> {
    let mut metrics = Vec::new();
    for part in breakdown {
        for quantity in Quantity::time_parts(part.down_hours.is_some()) {
            let value = match quantity {
                Quantity::Waiting => part.waiting_hours,
                Quantity::Closed => part.closed_hours,
                Quantity::Service => part.service_hours,
                Quantity::Down => part.down_hours.unwrap_or(0.0),
                Quantity::Blocked => part.blocked_hours,
                _ => part.travel_hours,
            };
            metrics.push(Measurement {
                id: MetricId::stage(&part.stage, quantity),
                value,
            });
        }
    }
    metrics
}

/// What each run measured, in a fixed order: port-wide metrics ([`Quantity::PORT`]), then per
/// stage its queue metrics ([`Quantity::STAGE`], and [`Quantity::FAILURES`] where servers
/// fail), then per stage where the time goes ([`Quantity::TIME_PARTS`], hours per truck), what
/// it costs ([`Quantity::STAGE_COSTS`]); then for each truck class its port-wide metrics and
/// where its time goes.
pub fn metrics(result: &RunResult) -> Vec<Measurement> {
    let costs = &result.costs;
    let mut metrics = Vec::with_capacity(Quantity::PORT.len() + 8 * result.stages.len());
    metrics.extend(port_values(
        &result.dwell,
        &result.milestones,
        result.trucks.cleared_per_day,
        &result.breakdown,
        costs,
    ));
    if let Some(lost) = result.trucks.lost_per_day {
        metrics.push(Measurement {
            id: MetricId::port(Quantity::LostPerDay),
            value: lost,
        });
    }
    if let Some(crossing) = &result.crossing {
        for (quantity, value) in Quantity::BORDER
            .into_iter()
            .zip([crossing.mean_hours, crossing.p95_hours])
        {
            metrics.push(Measurement {
                id: MetricId::port(quantity),
                value,
            });
        }
    }
    for stage in &result.stages {
        for quantity in Quantity::STAGE {
            let value = match quantity {
                Quantity::MeanWait => stage.mean_wait_hours,
                Quantity::Utilization => stage.utilization,
                _ => f64::from(stage.max_queue),
            };
            metrics.push(Measurement {
                id: MetricId::stage(&stage.stage, quantity),
                value,
            });
        }
        // What the stage measures beside its queue, where it applies.
        let failures = stage
            .availability
            .zip(stage.lost_server_hours_per_day)
            .map(|(availability, lost)| (Quantity::FAILURES, [availability, lost]));
        let road = stage
            .road
            .map(|road| (Quantity::ROAD, [road.mean_km, road.max_km]));
        let turned = stage.turned.map(|turned| {
            (
                Quantity::TURNED,
                [turned.diverted_per_day, turned.gave_up_per_day],
            )
        });
        let booking = stage.booking.map(|booking| {
            (
                Quantity::BOOKING,
                [booking.no_shows_per_day, booking.mean_slot_wait_hours],
            )
        });
        for (quantities, values) in [failures, road, turned, booking].into_iter().flatten() {
            for (quantity, value) in quantities.into_iter().zip(values) {
                metrics.push(Measurement {
                    id: MetricId::stage(&stage.stage, quantity),
                    value,
                });
            }
        }
    }
    metrics.extend(time_part_values(&result.breakdown));
    for part in &result.breakdown {
        let hours = part.total_hours();
        for quantity in Quantity::STAGE_COSTS {
            let value = match quantity {
                Quantity::StageCost => costs.truck_hour * hours,
                _ => idle_litres(costs, idling(part)) * costs.co2_kg_per_litre,
            };
            metrics.push(Measurement {
                id: MetricId::stage(&part.stage, quantity),
                value,
            });
        }
    }
    for side in &result.sides {
        let values = [
            side.cross.mean_hours,
            side.cross.p95_hours,
            side.crossed_per_day,
        ];
        for (quantity, value) in Quantity::SIDE.into_iter().zip(values) {
            metrics.push(Measurement {
                id: MetricId::side(&side.port, quantity),
                value,
            });
        }
    }
    for class in &result.classes {
        let port = port_values(
            &class.dwell,
            &class.milestones,
            class.cleared_per_day,
            &class.breakdown,
            costs,
        );
        let parts = time_part_values(&class.breakdown);
        metrics.extend(port.into_iter().chain(parts).map(|metric| Measurement {
            id: metric.id.of_class(&class.class),
            value: metric.value,
        }));
    }
    metrics
}

/// The metrics a run of `scenario` measures, in the order of [`metrics`].
pub fn metric_ids(scenario: &crate::Scenario) -> Vec<MetricId> {
    let stages: Vec<(&str, bool)> = scenario.stage_names().zip(scenario.failing()).collect();
    let roads: Vec<crate::model::Road> = scenario.roads().collect();
    let losses = Quantity::LOSSES
        .into_iter()
        .filter(|_| scenario.loses_trucks())
        .map(MetricId::port);
    let border = Quantity::BORDER
        .into_iter()
        .filter(|_| scenario.port_names().next().is_some())
        .map(MetricId::port);
    let port = Quantity::PORT
        .map(MetricId::port)
        .into_iter()
        .chain(losses)
        .chain(border);
    let queues = stages
        .iter()
        .zip(&roads)
        .flat_map(|(&(stage, fails), &road)| {
            let failures = Quantity::FAILURES.into_iter().filter(move |_| fails);
            let length = Quantity::ROAD.into_iter().filter(move |_| road.measured);
            let turned = Quantity::TURNED
                .into_iter()
                .filter(move |_| road.turns_away);
            let booking = Quantity::BOOKING.into_iter().filter(move |_| road.books);
            Quantity::STAGE
                .into_iter()
                .chain(failures)
                .chain(length)
                .chain(turned)
                .chain(booking)
                .map(move |quantity| MetricId::stage(stage, quantity))
        });
    let parts = stages.iter().flat_map(|&(stage, fails)| {
        Quantity::time_parts(fails).map(move |quantity| MetricId::stage(stage, quantity))
    });
    let costs = stages.iter().flat_map(|&(stage, _)| {
        Quantity::STAGE_COSTS
            .into_iter()
            .map(move |quantity| MetricId::stage(stage, quantity))
    });
    let of_classes = scenario.class_names().flat_map(|class| {
        let parts = stages.iter().flat_map(|&(stage, fails)| {
            Quantity::time_parts(fails).map(move |quantity| MetricId::stage(stage, quantity))
        });
        Quantity::PORT
            .map(MetricId::port)
            .into_iter()
            .chain(parts)
            .map(move |id| id.of_class(class))
    });
    let sides = scenario.port_names().flat_map(|port| {
        Quantity::SIDE
            .into_iter()
            .map(move |quantity| MetricId::side(port, quantity))
    });
    port.chain(queues)
        .chain(parts)
        .chain(costs)
        .chain(sides)
        .chain(of_classes)
        .collect()
}

/// The buffer index of FHWA's border-delay reporting: (p95 − mean) / mean, the extra time a
/// driver must allow, relative to the mean, to be on time 95% of the time.
pub fn buffer_index(p95: f64, mean: f64) -> f64 {
    if mean > 0.0 {
        (p95 - mean) / mean
    } else {
        0.0
    }
}

/// A metric's mean over replications with its 95% interval.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricEstimate {
    #[serde(rename = "name")]
    pub id: MetricId,
    #[serde(flatten)]
    pub estimate: Estimate,
    /// The value in each replication, in order (left out of sweeps' summaries).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "numbers_or_null"
    )]
    pub values: Vec<f64>,
}

/// Whether the scenario's warm-up is long enough, by MSER-5.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WarmupCheck {
    pub fixed_hours: f64,
    /// MSER-5's truncation point on the hourly time-average number of trucks in the port,
    /// averaged over replications (warm-up included).
    pub mser5_hours: f64,
}

impl WarmupCheck {
    /// The check for a fixed warm-up of `fixed_hours`, from each replication's hourly trucks in
    /// port (in replication order), each with how many times its values were pooled in pairs
    /// (0 but in a run of more than [`crate::model::IN_PORT_HOURS_KEPT`] hours). Pooled series
    /// are pooled alike and MSER-5 runs on averages of `2^pooled` hours: its truncation point
    /// is `2^pooled` times its own.
    pub fn of<'a>(
        fixed_hours: f64,
        in_port_hourly: impl Iterator<Item = (&'a [f64], u32)>,
    ) -> Self {
        let series: Vec<(&[f64], u32)> = in_port_hourly.collect();
        let pooled = series.iter().map(|&(_, pooled)| pooled).max().unwrap_or(0);
        let alike: Vec<std::borrow::Cow<'_, [f64]>> = series
            .iter()
            .map(|&(values, times)| pool_pairs(values, pooled.saturating_sub(times)))
            .collect();
        let truncation = mser5(&mean_series(alike.iter().map(|values| &values[..])));
        WarmupCheck {
            fixed_hours,
            mser5_hours: (truncation as f64) * f64::from(1u32 << pooled.min(31)),
        }
    }

    pub fn is_long_enough(&self) -> bool {
        self.mser5_hours <= self.fixed_hours
    }
}

/// The replications of one scenario and what they measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Experiment {
    pub scenario: String,
    pub base_seed: u64,
    pub replications: u32,
    /// The number of the first replication: 0, or I when replication I was rerun alone.
    pub first_replication: u32,
    /// The seed of each replication.
    pub seeds: Vec<u64>,
    pub warmup: WarmupCheck,
    pub metrics: Vec<MetricEstimate>,
    /// Each replication's own results.
    pub runs: Vec<RunResult>,
}

impl Experiment {
    /// Runs the replications and summarises them.
    pub fn run(
        scenario: &Scenario,
        base_seed: u64,
        replications: u32,
        records: bool,
    ) -> Experiment {
        let runs = replicate(scenario, base_seed, replications, records, &|| {});
        Experiment::from_runs(scenario, base_seed, runs)
    }

    /// Runs the replications and summarises them; replication 0 hands its records to `sink` as
    /// the run goes on (trucks.csv and queues.csv written during the run).
    pub fn run_into(
        scenario: &Scenario,
        base_seed: u64,
        replications: u32,
        sink: &mut dyn RecordSink,
    ) -> Experiment {
        let runs = replicate_with(scenario, base_seed, replications, true, Some(sink), &|| {});
        Experiment::from_runs(scenario, base_seed, runs)
    }

    /// Summarises runs made with [`replication_seed`]`(base_seed, i)`, in order.
    pub fn from_runs(scenario: &Scenario, base_seed: u64, runs: Vec<RunResult>) -> Experiment {
        let per_run: Vec<Vec<Measurement>> = runs.iter().map(metrics).collect();
        let metrics = estimates(&per_run);
        let warmup = WarmupCheck::of(
            scenario.warmup().hours(),
            runs.iter()
                .map(|run| (&run.in_port_hourly[..], run.in_port_pooled)),
        );
        Experiment {
            scenario: scenario.name().to_string(),
            base_seed,
            replications: runs.len() as u32,
            first_replication: 0,
            seeds: runs.iter().map(|run| run.seed).collect(),
            warmup,
            metrics,
            runs,
        }
    }

    pub fn metric(&self, id: &MetricId) -> Option<&MetricEstimate> {
        self.metrics.iter().find(|metric| metric.id == *id)
    }
}

/// Each metric's estimate over replications, from each replication's metrics (in replication
/// order, every replication measuring the same metrics in the same order).
pub fn estimates(per_run: &[Vec<Measurement>]) -> Vec<MetricEstimate> {
    match per_run.first() {
        None => Vec::new(),
        Some(first) => first
            .iter()
            .enumerate()
            .map(|(k, metric)| {
                let values: Vec<f64> = per_run.iter().map(|run| run[k].value).collect();
                MetricEstimate {
                    id: metric.id.clone(),
                    estimate: Estimate::of(&values),
                    values,
                }
            })
            .collect(),
    }
}

/// The element-wise mean of equally long series.
/// `values` with neighbours pooled into their mean in pairs, `times` times (an odd last value
/// left out, as a run's hours that do not fill a value are).
fn pool_pairs(values: &[f64], times: u32) -> std::borrow::Cow<'_, [f64]> {
    let mut pooled = std::borrow::Cow::Borrowed(values);
    for _ in 0..times {
        pooled = pooled
            .chunks_exact(2)
            .map(|pair| (pair[0] + pair[1]) / 2.0)
            .collect::<Vec<f64>>()
            .into();
    }
    pooled
}

fn mean_series<'a>(series: impl Iterator<Item = &'a [f64]>) -> Vec<f64> {
    let mut sum: Vec<f64> = Vec::new();
    let mut count = 0;
    for one in series {
        if sum.is_empty() {
            sum = vec![0.0; one.len()];
        }
        sum.iter_mut().zip(one).for_each(|(total, x)| *total += x);
        count += 1;
    }
    sum.iter_mut()
        .for_each(|total| *total /= f64::from(count.max(1)));
    sum
}

/// The difference of a variant from the base, replication by replication (paired by seed).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Difference {
    #[serde(rename = "name")]
    pub id: MetricId,
    #[serde(flatten)]
    pub estimate: Estimate,
    /// The mean difference relative to the base's mean, in percent; `None` when the base is 0.
    pub change_percent: Option<f64>,
}

/// The paired differences `variant − base` of every metric both measured, in the base's order.
pub fn paired_differences(base: &Experiment, variant: &Experiment) -> Vec<Difference> {
    base.metrics
        .iter()
        .filter_map(|base_metric| {
            let other = variant.metric(&base_metric.id)?;
            let differences: Vec<f64> = other
                .values
                .iter()
                .zip(&base_metric.values)
                .map(|(v, b)| v - b)
                .collect();
            let estimate = Estimate::of(&differences);
            let base_mean = base_metric.estimate.mean;
            Some(Difference {
                id: base_metric.id.clone(),
                estimate,
                change_percent: (base_mean != 0.0).then(|| 100.0 * estimate.mean / base_mean),
            })
        })
        .collect()
}

/// Numbers as serde_json writes them: a value that is not finite is `null`, read back as NaN.
fn numbers_or_null<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<f64>, D::Error> {
    let values: Vec<Option<f64>> = Vec::deserialize(deserializer)?;
    Ok(values
        .into_iter()
        .map(|value| value.unwrap_or(f64::NAN))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A port that holds 10 trucks for its first 400 hours and then 0 or 1 by turns: MSER-5
    /// cuts the 400 hours. The same series pooled (means of 2 and of 8 hours), alone or beside
    /// a replication pooled fewer times, gives the same 400 hours.
    #[test]
    fn mser5_on_pooled_hours_cuts_the_same_transient() {
        let hourly: Vec<f64> = (0..4_000)
            .map(|hour| match hour {
                0..400 => 10.0,
                _ => f64::from(hour % 2),
            })
            .collect();
        let check = |series: &[(&[f64], u32)]| WarmupCheck::of(24.0, series.iter().copied());
        assert_eq!(check(&[(&hourly, 0)]).mser5_hours, 400.0);
        let twice = pool_pairs(&hourly, 1);
        assert_eq!(twice.len(), 2_000);
        assert_eq!(check(&[(&twice, 1)]).mser5_hours, 400.0);
        let thrice = pool_pairs(&hourly, 3);
        assert_eq!(check(&[(&thrice, 3), (&hourly, 0)]).mser5_hours, 400.0);
        assert!(!check(&[(&thrice, 3)]).is_long_enough());
    }
}
