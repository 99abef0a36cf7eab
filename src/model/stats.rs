//! Statistics accumulated during a run, and the results a run returns.

use serde::{Deserialize, Serialize};

use super::{Role, Stage};
use crate::engine::{Instant, Span};

/// A time-weighted level (queue length, busy servers): its integral and maximum since `reset`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Level {
    value: u32,
    since: Instant,
    /// Sum of value × milliseconds.
    area: u128,
    max: u32,
}

impl Level {
    pub(crate) fn value(&self) -> u32 {
        self.value
    }

    pub(crate) fn increment(&mut self, now: Instant) {
        self.set(now, self.value + 1);
    }

    pub(crate) fn decrement(&mut self, now: Instant) {
        self.set(now, self.value - 1);
    }

    pub(crate) fn set(&mut self, now: Instant, value: u32) {
        self.area += u128::from(self.value) * u128::from((now - self.since).millis());
        self.since = now;
        self.value = value;
        self.max = self.max.max(value);
    }

    /// The integral since `reset` up to `now`, which is not before the last change.
    pub(crate) fn area_until(&self, now: Instant) -> u128 {
        self.area + u128::from(self.value) * u128::from((now - self.since).millis())
    }

    /// The level was `value` for no time and is back where it was: only its maximum can change.
    pub(crate) fn peak(&mut self, value: u32) {
        self.max = self.max.max(value);
    }

    /// Forgets the history before `now` (end of warm-up); the current value stays.
    pub(crate) fn reset(&mut self, now: Instant) {
        self.since = now;
        self.area = 0;
        self.max = self.value;
    }

    /// The time average over [reset, `end`] and the maximum.
    fn finish(&mut self, end: Instant, window: Span) -> (f64, u32) {
        self.set(end, self.value);
        let mean = if window.millis() == 0 {
            0.0
        } else {
            self.area as f64 / window.millis() as f64
        };
        (mean, self.max)
    }
}

/// Per-truck times in milliseconds when only their mean is reported: count and exact sum.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sum {
    count: u64,
    sum: u128,
}

impl Sum {
    /// Adds the times `other` counted.
    pub(crate) fn add(&mut self, other: &Sum) {
        self.count += other.count;
        self.sum += other.sum;
    }

    pub(crate) fn record(&mut self, value: Span) {
        self.count += 1;
        self.sum += u128::from(value.millis());
    }

    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    fn mean_hours(&self) -> f64 {
        mean_hours(self.sum, self.count)
    }
}

/// The mean in hours of `count` times summing to `sum` milliseconds; 0 when there are none.
fn mean_hours(sum: u128, count: u64) -> f64 {
    if count == 0 {
        0.0
    } else {
        sum as f64 / count as f64 / Span::HOUR.millis() as f64
    }
}

/// Per-truck times whose quantiles are reported too: a [`Sum`] for the exact mean, and counts in
/// the buckets of an HdrHistogram of 3 significant digits, kept by the histogram's own index in a
/// plain vector (an increment per time recorded) and put into a [`Histogram`] when read: the same
/// buckets, so the same quantiles, as recording each time into the histogram.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    sum: Sum,
    /// Times recorded in each bucket, by [`bucket_of`]; grown to the largest bucket recorded.
    buckets: Vec<u64>,
}

/// The buckets of an HdrHistogram with 3 significant digits and a lowest discernible value of 1:
/// 2,048 sub-buckets, the lower half used only by the first bucket.
const SUB_BUCKET_HALF_MAGNITUDE: u32 = 10;
const SUB_BUCKET_MASK: u64 = (1 << (SUB_BUCKET_HALF_MAGNITUDE + 1)) - 1;
const LEADING_ZERO_BASE: u32 = 64 - SUB_BUCKET_HALF_MAGNITUDE - 1;

/// The index of the bucket of `value` (`Histogram::new(3)`'s own counts index).
#[inline]
fn bucket_of(value: u64) -> usize {
    let bucket = LEADING_ZERO_BASE - (value | SUB_BUCKET_MASK).leading_zeros();
    let sub_bucket = (value >> bucket) as usize;
    ((bucket as usize + 1) << SUB_BUCKET_HALF_MAGNITUDE) + sub_bucket
        - (1 << SUB_BUCKET_HALF_MAGNITUDE)
}

/// How many values the bucket of index `index` holds (the histogram's `equivalent_range`).
fn bucket_width(index: usize) -> u64 {
    let lowest = lowest_in_bucket(index);
    1 << (LEADING_ZERO_BASE - (lowest | SUB_BUCKET_MASK).leading_zeros())
}

/// The highest value in the bucket of index `index` (the histogram's `highest_equivalent` of
/// its lowest value).
fn highest_in_bucket(index: usize) -> u64 {
    match lowest_in_bucket(index) {
        u64::MAX => u64::MAX,
        lowest => lowest.saturating_add(bucket_width(index)) - 1,
    }
}

/// The lowest value in the bucket of index `index`.
fn lowest_in_bucket(index: usize) -> u64 {
    let half = 1usize << SUB_BUCKET_HALF_MAGNITUDE;
    let bucket = (index >> SUB_BUCKET_HALF_MAGNITUDE) as i64 - 1;
    let sub_bucket = (index & (half - 1)) + half;
    if bucket < 0 {
        (sub_bucket - half) as u64
    } else {
        (sub_bucket as u64) << bucket
    }
}

impl Tally {
    #[inline]
    pub(crate) fn record(&mut self, value: Span) {
        self.sum.record(value);
        let bucket = bucket_of(value.millis());
        match self.buckets.get_mut(bucket) {
            Some(count) => *count += 1,
            None => self.grow(bucket),
        }
    }

    /// Adds the times `other` recorded.
    pub(crate) fn add(&mut self, other: &Tally) {
        self.sum.add(&other.sum);
        if self.buckets.len() < other.buckets.len() {
            self.buckets.resize(other.buckets.len(), 0);
        }
        for (count, other) in self.buckets.iter_mut().zip(&other.buckets) {
            *count += other;
        }
    }

    /// Grows the buckets to hold `bucket` and counts one time in it.
    #[cold]
    fn grow(&mut self, bucket: usize) {
        self.buckets.resize(bucket + 1, 0);
        self.buckets[bucket] += 1;
    }

    /// The recorded times.
    pub(crate) fn into_histogram(self) -> DwellHistogram {
        DwellHistogram(self.buckets)
    }

    pub(crate) fn count(&self) -> u64 {
        self.sum.count()
    }

    fn mean_hours(&self) -> f64 {
        self.sum.mean_hours()
    }

    /// The time at quantile `q` (0 < q <= 1) of the recorded ones in milliseconds, read from
    /// the buckets as the histogram reads it (`value_at_quantile`: the highest value of the
    /// first bucket where the count so far reaches q of all, rounded up, and at least one); 0
    /// without any.
    fn quantile_millis(&self, q: f64) -> u64 {
        let wanted = ((q.min(1.0) * self.count() as f64).ceil() as u64).max(1);
        let mut so_far = 0;
        for (index, &count) in self.buckets.iter().enumerate() {
            so_far += count;
            if so_far >= wanted {
                return highest_in_bucket(index);
            }
        }
        0
    }

    /// The time at quantile `q` (0 < q <= 1) of the recorded ones, in hours (0 without any).
    fn quantile_hours(&self, q: f64) -> f64 {
        Span::from_millis(self.quantile_millis(q)).hours()
    }

    /// The 95th percentile in hours.
    fn p95_hours(&self) -> f64 {
        self.quantile_hours(0.95)
    }

    /// Mean, percentiles and maximum, as reported for dwell times.
    pub(crate) fn dwell_summary(&mut self) -> DwellSummary {
        // The largest time is in the last bucket with a count (as the histogram's `max`).
        let max = self
            .buckets
            .iter()
            .rposition(|&count| count > 0)
            .map_or(0, highest_in_bucket);
        DwellSummary {
            trucks: self.count(),
            mean_hours: self.mean_hours(),
            p50_hours: self.quantile_hours(0.50),
            p90_hours: self.quantile_hours(0.90),
            p95_hours: self.quantile_hours(0.95),
            p99_hours: self.quantile_hours(0.99),
            max_hours: Span::from_millis(max).hours(),
        }
    }
}

/// A level's time average in each hour of the run, warm-up included: the series that MSER-5
/// reads to suggest a warm-up. In fixed memory when made by [`HourlySeries::pooled`].
#[derive(Debug, Clone)]
pub(crate) struct HourlySeries {
    value: u32,
    since: Instant,
    /// The end of the current hour.
    hour_end: Instant,
    /// Sum of value × milliseconds in the current hour.
    area: u128,
    /// The averages of the hours closed: each of `2^pooled` hours.
    hours: Vec<f64>,
    /// How many values it keeps at most: when it has this many, neighbours are pooled in pairs.
    most: usize,
    /// How many times neighbours were pooled: each value stands for `2^pooled` hours.
    pooled: u32,
    /// The hours closed since the last value kept, and the sum of their averages.
    pending: (u32, f64),
}

impl HourlySeries {
    /// Keeps every hour, with room for `hours` of them: the reference the tests hold other
    /// series to.
    #[cfg(test)]
    pub(crate) fn with_hours(hours: usize) -> Self {
        HourlySeries::keeping(usize::MAX, hours)
    }

    /// Keeps at most `most` values (even, at least 2), with room for `hours` of them: past
    /// that, each pair of neighbours is pooled into their mean, and from then on each value is
    /// the mean of twice as many hours (a run longer than `most` hours).
    pub(crate) fn pooled(most: usize, hours: usize) -> Self {
        assert!(most >= 2 && most.is_multiple_of(2), "pooled in pairs");
        HourlySeries::keeping(most, hours)
    }

    fn keeping(most: usize, hours: usize) -> Self {
        HourlySeries {
            value: 0,
            since: Instant::START,
            hour_end: Instant::after_start(Span::HOUR),
            area: 0,
            hours: Vec::with_capacity(hours.min(most)),
            most,
            pooled: 0,
            pending: (0, 0.0),
        }
    }

    pub(crate) fn value(&self) -> u32 {
        self.value
    }

    pub(crate) fn set(&mut self, now: Instant, value: u32) {
        self.advance(now);
        self.value = value;
    }

    /// Integrates the current value up to `now`, closing every hour that ends on the way.
    #[inline]
    pub(crate) fn advance(&mut self, now: Instant) {
        if now >= self.hour_end {
            self.close_hours(now);
        }
        self.area += u128::from(self.value) * u128::from((now - self.since).millis());
        self.since = now;
    }

    /// Closes every hour that ends by `now`.
    #[cold]
    fn close_hours(&mut self, now: Instant) {
        // Bounded: an hour that would end at or past `Instant::NEVER` never closes.
        while now >= self.hour_end && self.hour_end < Instant::NEVER {
            self.area += u128::from(self.value) * u128::from((self.hour_end - self.since).millis());
            self.keep(self.area as f64 / Span::HOUR.millis() as f64);
            self.area = 0;
            self.since = self.hour_end;
            self.hour_end = self.hour_end + Span::HOUR;
        }
    }

    /// Keeps the average of an hour that closed: as it is, or, once values were pooled, in the
    /// mean of the next `2^pooled` hours.
    fn keep(&mut self, hour: f64) {
        if self.pooled == 0 {
            self.hours.push(hour);
        } else {
            let (count, sum) = &mut self.pending;
            *count += 1;
            *sum += hour;
            if *count == 1 << self.pooled {
                let mean = *sum / f64::from(*count);
                self.pending = (0, 0.0);
                self.hours.push(mean);
            }
        }
        if self.hours.len() == self.most {
            for k in 0..self.most / 2 {
                self.hours[k] = (self.hours[2 * k] + self.hours[2 * k + 1]) / 2.0;
            }
            self.hours.truncate(self.most / 2);
            self.pooled += 1;
        }
    }

    /// The hourly averages of every hour that ended by `end` (once pooled, the values the hours
    /// filled), and how many times neighbouring values were pooled: each stands for
    /// `2^pooled` hours.
    pub(crate) fn finish(mut self, end: Instant) -> (Vec<f64>, u32) {
        self.advance(end);
        (self.hours, self.pooled)
    }
}

/// The most values the hourly trucks in port keep (1 MiB): 131,072 hours, 15 years; a longer
/// run keeps averages of 2, 4, ... hours (see [`HourlySeries::pooled`]), so its memory does not
/// grow with the hours simulated.
pub const IN_PORT_HOURS_KEPT: usize = 1 << 17;

/// The dwell times of a run's counted trucks, at 3 significant digits (relative error under
/// 0.1%): what output bins for dwell_histogram.csv. The counts of a [`Tally`]'s buckets.
#[derive(Debug, Clone, Default)]
pub struct DwellHistogram(Vec<u64>);

impl DwellHistogram {
    /// Each bucket with a count as (its middle value in milliseconds, its count), in order:
    /// HdrHistogram's recorded buckets and `median_equivalent`.
    pub fn buckets(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.0
            .iter()
            .enumerate()
            .filter(|&(_, &count)| count > 0)
            .map(|(index, &count)| (lowest_in_bucket(index) + bucket_width(index) / 2, count))
    }
}

/// Trucks arriving and leaving in one day of a run (warm-up included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DayCount {
    pub arrived: u32,
    pub cleared: u32,
}

/// Trucks that turned away from one stage's queue, or never came to their slot there, in each
/// day of the run (warm-up included): at a stage with `balking` or `booking`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoadDays {
    pub stage: String,
    pub days: Vec<TurnedDay>,
}

/// What [`RoadDays`] counts in one day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TurnedDay {
    /// Drove to another stage (crossing).
    pub diverted: u32,
    /// Gave up: lost to the port.
    pub gave_up: u32,
    /// Booked a slot and never came: lost to the port.
    pub no_shows: u32,
}

/// One stage's hour-by-hour trace over a whole run (warm-up included), kept with the truck
/// records: the time-average number of trucks waiting, and the share of the hour it was closed.
#[derive(Debug, Clone, Default)]
pub struct StageTrace {
    pub stage: String,
    pub queue: Vec<f64>,
    pub closed: Vec<f64>,
}

/// A time average in each hour of the run, warm-up included, read off a running integral as
/// each hour ends: a level's area (a stage's queue), or a clock that runs while a stage is
/// closed. What changes is integrated once, where it is kept, not a second time for the hours.
/// The same averages as an [`HourlySeries`] set at every change (each hour's exact integral in
/// milliseconds, divided by the hour's), provided [`IntegralHours::close`] comes before the
/// integrated value changes after an hour's end.
#[derive(Debug, Clone)]
pub(crate) struct IntegralHours {
    /// The end of the current hour.
    hour_end: Instant,
    /// The integral from the start of the run to the start of the current hour.
    at_hour_start: u128,
    /// What the integral had when it restarted from zero (a level reset at the end of the
    /// warm-up).
    before_reset: u128,
    /// The averages of the hours closed and not yet handed on.
    hours: Vec<f64>,
    /// Hours closed and handed on.
    forgotten: u64,
}

impl IntegralHours {
    pub(crate) fn with_hours(hours: usize) -> Self {
        IntegralHours {
            hour_end: Instant::after_start(Span::HOUR),
            at_hour_start: 0,
            before_reset: 0,
            hours: Vec::with_capacity(hours),
            forgotten: 0,
        }
    }

    /// Closes every hour that ends by `now`, from `integral` (milliseconds-weighted, up to an
    /// instant), whose value has not changed since the first of them ended.
    pub(crate) fn close(&mut self, now: Instant, integral: impl Fn(Instant) -> u128) {
        // Bounded: an hour that would end at or past `Instant::NEVER` never closes.
        while now >= self.hour_end && self.hour_end < Instant::NEVER {
            let area = self.before_reset + integral(self.hour_end);
            self.hours
                .push((area - self.at_hour_start) as f64 / Span::HOUR.millis() as f64);
            self.at_hour_start = area;
            self.hour_end = self.hour_end + Span::HOUR;
        }
    }

    /// The integral restarts from zero (its level is reset): `so_far`, what it had, is kept here.
    pub(crate) fn integral_reset(&mut self, so_far: u128) {
        self.before_reset += so_far;
    }

    /// The averages of the hours closed and not yet handed on, the first being hour
    /// [`IntegralHours::forgotten`].
    pub(crate) fn closed(&self) -> &[f64] {
        &self.hours
    }

    /// The end of the hour under way: the next hour to close.
    pub(crate) fn hour_end(&self) -> Instant {
        self.hour_end
    }

    pub(crate) fn forgotten(&self) -> u64 {
        self.forgotten
    }

    /// Lets the closed hours go (they were handed on): the series keeps counting from there.
    pub(crate) fn forget_closed(&mut self) {
        self.forgotten += self.hours.len() as u64;
        self.hours.clear();
    }

    /// The hourly averages of every hour that ended by `end`.
    pub(crate) fn finish(mut self, end: Instant, integral: impl Fn(Instant) -> u128) -> Vec<f64> {
        self.close(end, integral);
        self.hours
    }
}

/// Accumulates a [`StageTrace`] as the run goes, from integrals the stage keeps anyway: its
/// queue level's area and its closed clock.
#[derive(Debug, Clone)]
pub(crate) struct TraceSeries {
    pub(crate) queue: IntegralHours,
    pub(crate) closed: IntegralHours,
}

impl TraceSeries {
    /// `queue`: the integral of the stage's queue level (not yet finished); `closed`: of its
    /// closed clock.
    pub(crate) fn finish(
        self,
        stage: &str,
        end: Instant,
        queue: impl Fn(Instant) -> u128,
        closed: impl Fn(Instant) -> u128,
    ) -> StageTrace {
        StageTrace {
            stage: stage.to_string(),
            queue: self.queue.finish(end, queue),
            closed: self.closed.finish(end, closed),
        }
    }
}

/// Sums over trucks of the milliseconds spent at one stage in each state; see [`StageBreakdown`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TimeSplit {
    pub(crate) waiting: u128,
    pub(crate) closed: u128,
    pub(crate) service: u128,
    pub(crate) down: u128,
    pub(crate) blocked: u128,
    pub(crate) travel: u128,
}

impl TimeSplit {
    /// Adds the times `other` summed.
    pub(crate) fn add(&mut self, other: &TimeSplit) {
        self.waiting += other.waiting;
        self.closed += other.closed;
        self.service += other.service;
        self.down += other.down;
        self.blocked += other.blocked;
        self.travel += other.travel;
    }

    /// Adds one truck's visits, in order: each visit's states, and the drive to the next visit
    /// (or to the exit). The wait of the first visit starts at arrival, so the parts of a truck
    /// sum to its dwell exactly. `FULL` false is for a plain network
    /// ([`crate::model::Scenario::is_plain_network`]), where nothing is booked, no server fails
    /// and no truck is blocked: those parts are zero and are not added.
    pub(crate) fn add_truck<const FULL: bool>(
        splits: &mut [TimeSplit],
        arrival: Instant,
        exit: Instant,
        visits: &[Visit],
    ) {
        let mut ready = arrival;
        for (k, visit) in visits.iter().enumerate() {
            // The next stage was reached when its slot was booked, if it has one.
            let next = visits.get(k + 1).map_or(exit, |next| {
                if FULL {
                    next.queued - next.booked
                } else {
                    next.queued
                }
            });
            let split = &mut splits[visit.stage];
            let ms = |from: Instant, to: Instant| u128::from((to - from).millis());
            // The closed part of the wait is within it: a negative open part is an error.
            let wait = visit.started - ready;
            split.waiting += u128::from((wait - visit.closed).millis());
            split.closed += u128::from(visit.closed.millis());
            if FULL {
                split.service += u128::from((visit.finished - visit.started - visit.down).millis());
                split.down += u128::from(visit.down.millis());
                split.blocked += ms(visit.finished, visit.departed);
            } else {
                debug_assert!(
                    visit.booked == Span::ZERO
                        && visit.down == Span::ZERO
                        && visit.departed == visit.finished,
                    "a visit in a plain network has no booked, down or blocked time"
                );
                split.service += ms(visit.started, visit.finished);
            }
            split.travel += ms(visit.departed, next);
            ready = next;
        }
    }

    /// `fails`: the stage's servers can fail, so the time on a failed server is a part.
    pub(crate) fn finish(&self, stage: &str, trucks: u64, fails: bool) -> StageBreakdown {
        StageBreakdown {
            stage: stage.to_string(),
            waiting_hours: mean_hours(self.waiting, trucks),
            closed_hours: mean_hours(self.closed, trucks),
            service_hours: mean_hours(self.service, trucks),
            down_hours: fails.then(|| mean_hours(self.down, trucks)),
            blocked_hours: mean_hours(self.blocked, trucks),
            travel_hours: mean_hours(self.travel, trucks),
        }
    }
}

/// Where a truck's time goes at one stage, in hours per truck (over the trucks in the dwell
/// statistics, whether or not they visit the stage). Summed over stages, the parts give the
/// mean dwell.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StageBreakdown {
    pub stage: String,
    /// Queueing while the stage is open (for the entry stage, from arrival at the port).
    pub waiting_hours: f64,
    /// Queueing while the stage has no server on duty or its daily quota is used up: waiting for
    /// opening hours or for the next day.
    pub closed_hours: f64,
    pub service_hours: f64,
    /// On a failed server, waiting for its repair to resume service; `None` at a stage whose
    /// servers never fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub down_hours: Option<f64>,
    /// On the server after service, waiting for space downstream.
    pub blocked_hours: f64,
    /// Driving from this stage to the next one (or to the exit).
    pub travel_hours: f64,
}

impl StageBreakdown {
    pub fn total_hours(&self) -> f64 {
        self.waiting_hours
            + self.closed_hours
            + self.service_hours
            + self.down_hours.unwrap_or(0.0)
            + self.blocked_hours
            + self.travel_hours
    }
}

/// The WCO Time Release Study's risk channel of a truck, from the checks it went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// Released on documents.
    Green,
    /// Through a document check, no inspection.
    Yellow,
    /// Through a physical inspection (X-ray scan or manual).
    Red,
}

impl Channel {
    pub fn name(self) -> &'static str {
        match self {
            Channel::Green => "green",
            Channel::Yellow => "yellow",
            Channel::Red => "red",
        }
    }
}

/// One truck's milestones: declaration accepted (the end of its last declaration stage), release
/// (the end of its last check: declaration, document check or inspection) and its channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TruckMilestones {
    pub declaration_accepted: Option<Instant>,
    pub released: Option<Instant>,
    pub channel: Channel,
}

impl TruckMilestones {
    pub(crate) fn of(stages: &[Stage], visits: &[Visit]) -> TruckMilestones {
        let mut milestones = TruckMilestones {
            declaration_accepted: None,
            released: None,
            channel: Channel::Green,
        };
        for visit in visits {
            let Some(role) = stages[visit.stage].role else {
                continue;
            };
            milestones.released = Some(visit.finished);
            match role {
                Role::Declaration => milestones.declaration_accepted = Some(visit.finished),
                Role::DocumentCheck if milestones.channel == Channel::Green => {
                    milestones.channel = Channel::Yellow;
                }
                Role::Inspection => milestones.channel = Channel::Red,
                Role::DocumentCheck => {}
            }
        }
        milestones
    }
}

/// Milestone sums over trucks.
#[derive(Debug, Clone, Default)]
pub(crate) struct MilestoneSums {
    to_declaration: Sum,
    to_release: Sum,
    channels: [u64; 3],
}

impl MilestoneSums {
    /// Adds the trucks `other` counted.
    pub(crate) fn add(&mut self, other: &MilestoneSums) {
        self.to_declaration.add(&other.to_declaration);
        self.to_release.add(&other.to_release);
        for (count, other) in self.channels.iter_mut().zip(other.channels) {
            *count += other;
        }
    }

    pub(crate) fn add_truck(&mut self, stages: &[Stage], arrival: Instant, visits: &[Visit]) {
        let truck = TruckMilestones::of(stages, visits);
        if let Some(accepted) = truck.declaration_accepted {
            self.to_declaration.record(accepted - arrival);
        }
        if let Some(released) = truck.released {
            self.to_release.record(released - arrival);
        }
        self.channels[truck.channel as usize] += 1;
    }

    /// Adds a truck in a port where no stage has a customs role: no milestone, a green channel
    /// (what [`MilestoneSums::add_truck`] finds, without looking through its visits).
    pub(crate) fn add_without_roles(&mut self) {
        self.channels[Channel::Green as usize] += 1;
    }

    pub(crate) fn finish(&self, dwell: &Tally) -> Milestones {
        let trucks = dwell.count();
        let share = |count: u64| {
            if trucks == 0 {
                0.0
            } else {
                count as f64 / trucks as f64
            }
        };
        Milestones {
            trucks_declared: self.to_declaration.count(),
            to_declaration_hours: self.to_declaration.mean_hours(),
            trucks_released: self.to_release.count(),
            to_release_hours: self.to_release.mean_hours(),
            to_exit_hours: dwell.mean_hours(),
            green_share: share(self.channels[Channel::Green as usize]),
            yellow_share: share(self.channels[Channel::Yellow as usize]),
            red_share: share(self.channels[Channel::Red as usize]),
        }
    }
}

/// Mean times from arrival to each milestone, and the share of trucks in each channel, over the
/// trucks in the dwell statistics. A truck that passes no declaration stage (or no check at all)
/// is left out of that mean; `trucks_declared` and `trucks_released` count those in it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Milestones {
    pub trucks_declared: u64,
    pub to_declaration_hours: f64,
    pub trucks_released: u64,
    pub to_release_hours: f64,
    pub to_exit_hours: f64,
    pub green_share: f64,
    pub yellow_share: f64,
    pub red_share: f64,
}

/// Accumulators of one stage.
#[derive(Debug, Clone, Default)]
pub(crate) struct StageStats {
    pub(crate) entered: u64,
    pub(crate) wait: Tally,
    pub(crate) service: Sum,
    pub(crate) blocked: Sum,
    pub(crate) queue: Level,
    pub(crate) in_service: Level,
    pub(crate) blocked_servers: Level,
    pub(crate) on_duty: Level,
    /// At a stage with breakdowns: servers down, and servers on duty without a working server.
    pub(crate) down: Level,
    pub(crate) lost: Level,
    /// Failures of its servers since warm-up.
    pub(crate) failures: u64,
    /// Since warm-up: trucks that turned away from its queue to another stage, that gave up,
    /// and that booked a slot and never came.
    pub(crate) diverted: u64,
    pub(crate) gave_up: u64,
    pub(crate) no_shows: u64,
    /// Waits for a booked slot, from booking to coming to the queue.
    pub(crate) slot_wait: Sum,
}

/// Accumulators of one port (side of a border).
#[derive(Debug, Clone, Default)]
pub(crate) struct SideStats {
    /// Times to cross: from its first queue to leaving its last stage.
    pub(crate) cross: Tally,
    /// Trucks that left it since warm-up.
    pub(crate) crossed_after_warmup: u64,
    /// All, warm-up included: trucks that came to its first queue, that left it, and that
    /// turned away or never came to a slot while inside it (between two of its stages).
    pub(crate) entered: u64,
    pub(crate) left: u64,
    pub(crate) lost: u64,
}

/// A count over `days` as a rate a day; 0 over no time.
pub(crate) fn per_day(count: u64, days: f64) -> f64 {
    if days > 0.0 {
        count as f64 / days
    } else {
        0.0
    }
}

impl SideStats {
    /// `inside`: its trucks at the end, counted from the truck table.
    pub(crate) fn finish(&mut self, port: &str, days: f64, inside: u64) -> SideResult {
        let cross = self.cross.dwell_summary();
        SideResult {
            port: port.to_string(),
            crossed_per_day: per_day(self.crossed_after_warmup, days),
            cross,
            entered: self.entered,
            left: self.left,
            lost: self.lost,
            in_port_at_end: inside,
        }
    }
}

/// What one run measured of one port (side of a border) of `[ports]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SideResult {
    pub port: String,
    /// Trucks that left it after warm-up, per day: its throughput.
    pub crossed_per_day: f64,
    /// The CPMM time to cross it: from coming to its first queue to leaving its last stage, of
    /// the trucks that arrived after warm-up and left it before the end.
    pub cross: DwellSummary,
    /// Trucks, warm-up included, that came to its first queue, left it, were lost inside it, and
    /// were inside it at the end: entered = left + lost + in port at the end.
    pub entered: u64,
    pub left: u64,
    pub lost: u64,
    pub in_port_at_end: u64,
}

impl StageStats {
    pub(crate) fn reset(&mut self, now: Instant) {
        for level in [
            &mut self.queue,
            &mut self.in_service,
            &mut self.blocked_servers,
            &mut self.on_duty,
            &mut self.down,
            &mut self.lost,
        ] {
            level.reset(now);
        }
    }

    /// `servers`: how many servers a stage with breakdowns has.
    pub(crate) fn finish(
        &mut self,
        stage: &super::Stage,
        end: Instant,
        window: Span,
        servers: Option<u32>,
    ) -> StageSummary {
        let name = &stage.name;
        let days = window.hours() / 24.0;
        let (mean_down, _) = self.down.finish(end, window);
        let (mean_lost, _) = self.lost.finish(end, window);
        let availability = servers.map(|servers| 1.0 - mean_down / f64::from(servers.max(1)));
        let lost_server_hours_per_day = servers.map(|_| mean_lost * 24.0);
        let (mean_queue, max_queue) = self.queue.finish(end, window);
        let road = stage.metres_per_truck.map(|metres| RoadSummary {
            metres_per_truck: metres,
            mean_km: mean_queue * metres / 1000.0,
            max_km: f64::from(max_queue) * metres / 1000.0,
        });
        let turned = stage.balking.as_ref().map(|_| Turned {
            diverted_per_day: per_day(self.diverted, days),
            gave_up_per_day: per_day(self.gave_up, days),
        });
        let booking = stage.booking.as_ref().map(|_| BookingSummary {
            no_shows_per_day: per_day(self.no_shows, days),
            mean_slot_wait_hours: self.slot_wait.mean_hours(),
        });
        let (mean_in_service, _) = self.in_service.finish(end, window);
        let (mean_blocked_servers, _) = self.blocked_servers.finish(end, window);
        let (mean_servers_on_duty, _) = self.on_duty.finish(end, window);
        let utilization = if mean_servers_on_duty > 0.0 {
            mean_in_service / mean_servers_on_duty
        } else {
            0.0
        };
        StageSummary {
            stage: name.to_string(),
            entered: self.entered,
            served: self.service.count(),
            mean_wait_hours: self.wait.mean_hours(),
            p95_wait_hours: self.wait.p95_hours(),
            mean_service_hours: self.service.mean_hours(),
            mean_blocked_hours: self.blocked.mean_hours(),
            utilization,
            mean_servers_on_duty,
            mean_busy_servers: mean_in_service,
            mean_blocked_servers,
            mean_queue,
            max_queue,
            availability,
            lost_server_hours_per_day,
            failures: servers.map(|_| self.failures),
            road,
            turned,
            booking,
        }
    }
}

/// A stage whose queue is a road: its length.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RoadSummary {
    /// The road a waiting truck takes (`metres_per_truck`).
    pub metres_per_truck: f64,
    /// Time-average kilometres of trucks waiting.
    pub mean_km: f64,
    pub max_km: f64,
}

/// A stage whose trucks turn away from a long queue: how many, per day after warm-up.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Turned {
    pub diverted_per_day: f64,
    pub gave_up_per_day: f64,
}

/// A stage with an electronic queue.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BookingSummary {
    /// Trucks that booked a slot and never came, per day after warm-up.
    pub no_shows_per_day: f64,
    /// Mean wait from booking to coming to the queue, of the trucks that came.
    pub mean_slot_wait_hours: f64,
}

/// What one run measured. Times are in hours.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunResult {
    pub scenario: String,
    pub seed: u64,
    pub warmup_hours: f64,
    pub horizon_hours: f64,
    pub trucks: TruckCounts,
    pub dwell: DwellSummary,
    pub stages: Vec<StageSummary>,
    /// Where the dwell goes, per stage.
    pub breakdown: Vec<StageBreakdown>,
    /// Time Release Study milestones and channel shares.
    pub milestones: Milestones,
    /// Time-average trucks in the port in each hour of the run, warm-up included; in a run of
    /// more than [`IN_PORT_HOURS_KEPT`] hours, each value is the average of `2^in_port_pooled`
    /// hours (the last hours that do not fill a value are left out).
    #[serde(skip)]
    pub in_port_hourly: Vec<f64>,
    /// How many times neighbouring values of `in_port_hourly` were pooled in pairs.
    #[serde(skip)]
    pub in_port_pooled: u32,
    /// Dwell times of the trucks in the dwell statistics.
    #[serde(skip)]
    pub dwell_histogram: DwellHistogram,
    /// Trucks arriving and leaving in each day of the run, warm-up included.
    #[serde(skip)]
    pub daily: Vec<DayCount>,
    /// Each stage's hourly queue and closed share, kept with the truck records.
    #[serde(skip)]
    pub trace: Option<Vec<StageTrace>>,
    /// Set when the run stopped at a limit before its end: the statistics cover the run up to
    /// then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<Stopped>,
    /// Events handled: arrivals, service and travel ends, staffing changes, warm-up's end.
    pub events: u64,
    /// What the scenario says an hour, a fee and idling cost and emit: the cost metrics follow.
    #[serde(default)]
    pub costs: super::Costs,
    /// Per truck class, in the order of the scenario; empty without classes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<ClassResult>,
    /// Per port (side of a border) of `[ports]`, in the order of the file; empty without.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sides: Vec<SideResult>,
    /// With `[ports]`: the CPMM time to cross the whole border, from a truck's first queue in a
    /// port to leaving the last port it crossed (for a stage or exit in no port).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crossing: Option<DwellSummary>,
    /// Per stage with `balking` or `booking`, in stage order: its trucks turned away and lost,
    /// day by day.
    #[serde(skip)]
    pub road_days: Vec<RoadDays>,
    /// Per-truck records, kept by [`crate::run`] and skipped by [`crate::run_summary`].
    #[serde(skip)]
    pub log: Option<TruckLog>,
}

/// What one run measured of the trucks of one class: the port-wide per-truck results, over
/// its trucks only.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ClassResult {
    pub class: String,
    /// Trucks of the class that arrived after warm-up.
    pub arrived_after_warmup: u64,
    /// Trucks of the class that left the port after warm-up, per day of horizon.
    pub cleared_per_day: f64,
    pub dwell: DwellSummary,
    pub milestones: Milestones,
    /// Where the dwell of its trucks goes, per stage (hours per truck of the class).
    pub breakdown: Vec<StageBreakdown>,
    #[serde(skip)]
    pub dwell_histogram: DwellHistogram,
}

/// Accumulators of one class's trucks.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClassStats {
    pub(crate) dwell: Tally,
    pub(crate) splits: Vec<TimeSplit>,
    pub(crate) milestones: MilestoneSums,
    pub(crate) arrived_after_warmup: u64,
    pub(crate) cleared_after_warmup: u64,
}

/// Why and when a run stopped before its end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stopped {
    pub at_hours: f64,
    pub limit: Limit,
}

/// The limit of a scenario's `[limits]` that a run reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// More trucks in the port than this.
    TrucksInPort(u64),
    /// This many events handled.
    Events(u64),
}

/// Truck counts. Every truck that arrived has exited or is still in the port at the end.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TruckCounts {
    /// All arrivals, warm-up included.
    pub arrived: u64,
    pub exited: u64,
    pub in_port_at_end: u64,
    pub arrived_after_warmup: u64,
    /// Trucks that left the port after warm-up (whenever they arrived), per day of horizon.
    pub cleared_per_day: f64,
    /// In a scenario whose trucks may leave without crossing (`balking`, `booking`): those that
    /// did (gave up, or never came to their slot), warm-up included; then arrived = exited +
    /// lost + in port at the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost: Option<u64>,
    /// Those lost after warm-up, per day of horizon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost_per_day: Option<f64>,
}

/// Dwell (arrival to exit) of trucks that arrived after warm-up and exited before the end.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DwellSummary {
    pub trucks: u64,
    pub mean_hours: f64,
    pub p50_hours: f64,
    pub p90_hours: f64,
    pub p95_hours: f64,
    pub p99_hours: f64,
    pub max_hours: f64,
}

/// One stage's measurements. Per-truck means cover trucks that arrived after warm-up;
/// time averages cover the horizon after warm-up.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageSummary {
    pub stage: String,
    /// Visits that entered the stage's queue.
    pub entered: u64,
    /// Visits that finished service.
    pub served: u64,
    pub mean_wait_hours: f64,
    pub p95_wait_hours: f64,
    pub mean_service_hours: f64,
    /// Mean time a truck stayed on its server after service, waiting for space downstream.
    pub mean_blocked_hours: f64,
    /// Busy servers over servers on duty (time averages).
    pub utilization: f64,
    pub mean_servers_on_duty: f64,
    pub mean_busy_servers: f64,
    pub mean_blocked_servers: f64,
    /// Time-average number of trucks waiting (not in service).
    pub mean_queue: f64,
    pub max_queue: u32,
    /// At a stage whose servers can fail: the time-average share of its servers that work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<f64>,
    /// At a stage whose servers can fail: server-hours a day on duty with no working server to
    /// work on (staff idle for want of a lane or a scanner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost_server_hours_per_day: Option<f64>,
    /// At a stage whose servers can fail: failures after warm-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failures: Option<u64>,
    /// At a stage whose queue is a road (`metres_per_truck`): its length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub road: Option<RoadSummary>,
    /// At a stage with `balking`: the trucks that turned away.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turned: Option<Turned>,
    /// At a stage with `booking`: its electronic queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booking: Option<BookingSummary>,
}

/// One truck's pass through one stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Visit {
    pub stage: usize,
    /// Joined the stage's queue (entered its yard).
    pub queued: Instant,
    pub started: Instant,
    pub finished: Instant,
    /// Left the server: later than `finished` when blocked by a full stage downstream.
    pub departed: Instant,
    /// Part of the wait (queued to started) during which the stage had no server on duty.
    pub closed: Span,
    /// Part of the service (started to finished) spent on a failed server, waiting for repair.
    pub down: Span,
    /// Waiting for a booked slot before coming to the queue at `queued` (zero without one): the
    /// stage was reached at `queued - booked`.
    pub booked: Span,
}

/// One truck that arrived after warm-up and exited before the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TruckRecord {
    pub id: u64,
    /// Its class, by its place in the scenario's classes (0 without classes).
    pub class: u32,
    pub arrival: Instant,
    pub exit: Instant,
    first_visit: usize,
    visit_count: usize,
}

/// Per-truck records of a run, in order of exit.
#[derive(Debug, Clone, Default)]
pub struct TruckLog {
    pub trucks: Vec<TruckRecord>,
    visits: Vec<Visit>,
}

impl TruckLog {
    pub(crate) fn push(
        &mut self,
        id: u64,
        class: u32,
        arrival: Instant,
        exit: Instant,
        visits: &[Visit],
    ) {
        self.trucks.push(TruckRecord {
            id,
            class,
            arrival,
            exit,
            first_visit: self.visits.len(),
            visit_count: visits.len(),
        });
        self.visits.extend_from_slice(visits);
    }

    /// The visits of one truck, in order.
    pub fn visits(&self, truck: &TruckRecord) -> &[Visit] {
        &self.visits[truck.first_visit..truck.first_visit + truck.visit_count]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hdrhistogram::Histogram;

    #[test]
    fn tally_buckets_are_the_histograms_buckets() {
        let histogram: Histogram<u64> = Histogram::new(3).unwrap();
        // Every value up to 2^16, then values around every power of two up to 2^62.
        let mut values: Vec<u64> = (0..1 << 16).collect();
        for shift in 16..62 {
            let power = 1u64 << shift;
            values.extend([power - 1, power, power + 1, power + power / 3]);
        }
        for value in values {
            let bucket = bucket_of(value);
            assert_eq!(
                lowest_in_bucket(bucket),
                histogram.lowest_equivalent(value),
                "{value}"
            );
            // Neighbouring buckets hold neighbouring values.
            assert!(lowest_in_bucket(bucket + 1) > value, "{value}");
        }
    }

    #[test]
    fn a_tally_reads_as_recording_each_time_into_the_histogram() {
        use rand::Rng as _;
        let mut rng = crate::engine::stream(7, 1);
        let mut tally = Tally::default();
        let mut direct: Histogram<u64> = Histogram::new(3).unwrap();
        for k in 0..200_000u64 {
            // Zeros, short waits and a long tail up to weeks.
            let millis = match k % 5 {
                0 => 0,
                1 => rng.random_range(0..60_000),
                _ => (rng.random::<f64>().powi(4) * 2.0e9) as u64,
            };
            tally.record(Span::from_millis(millis));
            direct.record(millis).unwrap();
        }
        // Read from the buckets without a histogram: the same quantiles and maximum.
        assert_eq!(tally.count(), direct.len());
        for q in [1e-9, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0] {
            assert_eq!(tally.quantile_millis(q), direct.value_at_quantile(q), "{q}");
        }
        let summary = tally.clone().dwell_summary();
        assert_eq!(summary.max_hours, Span::from_millis(direct.max()).hours());
        assert_eq!(
            summary.p99_hours,
            Span::from_millis(direct.value_at_quantile(0.99)).hours()
        );
        // Few times, where rounding the count up decides the bucket; and none.
        for n in 0..40u64 {
            let mut tally = Tally::default();
            let mut direct: Histogram<u64> = Histogram::new(3).unwrap();
            for _ in 0..n {
                let millis = rng.random_range(0..5_000_000);
                tally.record(Span::from_millis(millis));
                direct.record(millis).unwrap();
            }
            for q in [0.5, 0.9, 0.95, 0.99] {
                let expected = if n == 0 {
                    0
                } else {
                    direct.value_at_quantile(q)
                };
                assert_eq!(tally.quantile_millis(q), expected, "{n} times, {q}");
            }
            let max = Span::from_millis(direct.max()).hours();
            assert_eq!(tally.dwell_summary().max_hours, max, "{n} times");
        }
        // The buckets dwell_histogram.csv bins: the histogram's recorded ones, by their middle.
        let recorded: Vec<(u64, u64)> = direct
            .iter_recorded()
            .map(|b| {
                (
                    direct.median_equivalent(b.value_iterated_to()),
                    b.count_at_value(),
                )
            })
            .collect();
        let buckets: Vec<(u64, u64)> = tally.into_histogram().buckets().collect();
        assert_eq!(buckets, recorded);
    }

    #[test]
    fn hourly_series_splits_a_level_at_hour_boundaries() {
        let minutes = |m: u64| Instant::after_start(Span::MINUTE * m);
        let mut series = HourlySeries::with_hours(3);
        series.set(minutes(30), 2); // 0 for 30 min, then 2
        series.set(minutes(90), 4); // 2 until 01:30, then 4
        let (hours, pooled) = series.finish(minutes(180));
        assert_eq!(pooled, 0);
        // Hour 0: 2 for 30 of 60 min; hour 1: 2 for 30 min and 4 for 30 min; hour 2: 4.
        assert_eq!(hours, [1.0, 3.0, 4.0]);
    }

    /// A series that keeps at most 8 values, on a level that is k through hour k: while it has
    /// room, the hours as they are; then pairs pooled into their means (2k + 0.5 of hours 2k and
    /// 2k + 1) and each new value the mean of two hours, then of four; the last hours that do
    /// not fill a value are left out. Exact in binary: the means of small integers.
    #[test]
    fn a_pooled_series_keeps_the_means_of_ever_more_hours() {
        let hour = |k: u64| Instant::after_start(Span::HOUR * k);
        let run = |hours: u64| {
            let mut series = HourlySeries::pooled(8, 100);
            for k in 0..hours {
                series.set(hour(k), k as u32);
            }
            series.finish(hour(hours))
        };
        assert_eq!(run(7), (vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 0));
        // At 8 values the pairs are pooled: 0.5, 2.5, 4.5, 6.5; hours 8 and 9 give 8.5.
        assert_eq!(run(10), (vec![0.5, 2.5, 4.5, 6.5, 8.5], 1));
        // Hour 10 alone fills no value.
        assert_eq!(run(11), (vec![0.5, 2.5, 4.5, 6.5, 8.5], 1));
        // At 8 values again (hours 0 to 15), pooled to means of 4 hours: 1.5, 5.5, 9.5, 13.5;
        // then hours 16 to 19 give 17.5.
        assert_eq!(run(20), (vec![1.5, 5.5, 9.5, 13.5, 17.5], 2));
        // Memory stays within the 8 values for ever longer runs.
        let (long, pooled) = run(10_000);
        assert!(long.len() < 8 && long.len() >= 4, "{} values", long.len());
        assert_eq!(pooled, 11, "10,000 hours in values of 2,048");
        assert_eq!(long[0], 1023.5, "the mean of hours 0 to 2,047");
    }

    /// The same hand-made level read off its integral as each hour ends, with the warm-up's
    /// reset in the middle of an hour: the hours are the same.
    #[test]
    fn hours_read_off_a_level_split_it_at_hour_boundaries() {
        let minutes = |m: u64| Instant::after_start(Span::MINUTE * m);
        let mut level = Level::default();
        let mut hours = IntegralHours::with_hours(3);
        level.set(minutes(30), 2);
        // The warm-up ends at 00:45: the level forgets, the hours do not.
        hours.integral_reset(level.area_until(minutes(45)));
        level.reset(minutes(45));
        // The first change after 01:00 closes hour 0 first, as the event loop does.
        hours.close(minutes(90), |t| level.area_until(t));
        level.set(minutes(90), 4);
        assert_eq!(
            hours.finish(minutes(180), |t| level.area_until(t)),
            [1.0, 3.0, 4.0]
        );
    }

    /// Against a series integrated at every change, on random changes (some hours apart, some
    /// on an hour's end) with a reset between: hours closed before each change, as the event
    /// loop closes them before an event, are the same to the bit.
    #[test]
    fn hours_read_off_a_level_are_those_integrated_at_every_change() {
        use rand::{Rng as _, SeedableRng as _};
        let hour = Span::HOUR.millis();
        let mut rng = rand_pcg::Pcg64::seed_from_u64(3);
        let (mut level, mut hours) = (Level::default(), IntegralHours::with_hours(0));
        let mut series = HourlySeries::with_hours(0);
        let reset_at = Instant::from_millis(5_000 * hour + 1_234_567);
        let mut reset = false;
        let mut now = 0;
        for _ in 0..50_000 {
            now += match rng.random_range(0..10) {
                0 => 3 * hour,
                1 => hour - now % hour,
                _ => rng.random_range(0..400_000),
            };
            let at = Instant::from_millis(now);
            if !reset && at >= reset_at {
                hours.close(reset_at, |t| level.area_until(t));
                hours.integral_reset(level.area_until(reset_at));
                level.reset(reset_at);
                reset = true;
            }
            hours.close(at, |t| level.area_until(t));
            let value = rng.random_range(0..60);
            level.set(at, value);
            series.set(at, value);
        }
        assert!(reset);
        let end = Instant::from_millis(now + 2 * hour + 17);
        let read = hours.finish(end, |t| level.area_until(t));
        assert!(read.len() > 10_000, "{} hours", read.len());
        assert!(read == series.finish(end).0, "the hours differ");
    }
}
