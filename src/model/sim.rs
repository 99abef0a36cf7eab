//! One simulation run: trucks move through the stages of a [`Scenario`] in an event loop.

use std::collections::VecDeque;

use rand::Rng as _;

use super::arrivals::ArrivalStream;
use super::stats::{
    per_day, ClassResult, ClassStats, DayCount, HourlySeries, IntegralHours, Limit, MilestoneSums,
    RoadDays, SideStats, StageStats, Stopped, Tally, TimeSplit, TraceSeries, TruckCounts, TruckLog,
    TurnedDay, Visit, IN_PORT_HOURS_KEPT,
};
use super::{Breakdowns, Destination, FailureClock, RunResult, Scenario};
use crate::engine::{stream, stream_id, EventList, Instant, Rng, Span, StopToken};

/// Stream purposes: arrivals have their own stream; each stage one for service, one for routing
/// and one for random travel times.
const ARRIVAL_STREAM: u64 = 0;
const SERVICE_STREAM: u64 = 1;
const ROUTING_STREAM: u64 = 2;
const TRAVEL_STREAM: u64 = 3;
/// A failing stage's times between failures and repair times, each its own stream.
const FAILURE_STREAM: u64 = 4;
const REPAIR_STREAM: u64 = 5;
/// With classes: the class of each truck of the scenario's arrivals (stream "classes").
const CLASS_STREAM: u64 = 6;
/// A stage's electronic queue (no-shows and the spread around the slot), and its trucks that
/// turn away from a long queue.
const BOOKING_STREAM: u64 = 7;
const BALKING_STREAM: u64 = 8;

/// Everything that can happen. Trucks and stages are indices into the run's tables.
#[derive(Debug, Clone, Copy)]
enum Event {
    WarmupEnd,
    Arrival,
    /// A truck of a class with its own arrival process.
    ClassArrival {
        class: u32,
    },
    ServiceEnd {
        stage: u32,
        truck: u32,
    },
    TravelEnd {
        truck: u32,
    },
    /// A truck that booked a slot at its next stage comes to the queue.
    SlotArrival {
        truck: u32,
    },
    StaffingChange {
        stage: u32,
    },
    /// Midnight at a stage whose daily quota ran out: a new day's quota.
    QuotaReset {
        stage: u32,
    },
    /// A server of a stage with breakdowns fails, or is repaired.
    Failure {
        stage: u32,
        server: u32,
    },
    Repair {
        stage: u32,
        server: u32,
    },
}

impl Event {
    /// A server of a stage fails.
    fn failure(stage: usize, server: usize) -> Event {
        Event::Failure {
            stage: stage as u32,
            server: server as u32,
        }
    }
}

/// What a truck occupies while it waits for space at its next stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holding {
    /// Nothing yet: a new arrival waiting at the port's entrance.
    Road,
    /// The server of this stage, on which it finished service.
    Server(usize),
}

/// Per-truck records (and the stages' hourly traces) are kept or not at compile time, so the
/// summary-only run pays nothing.
trait Recorder {
    /// Whether stages keep an hourly trace of their queue and closed hours.
    const TRACES: bool;
    /// Whether the traces' hours go to the recorder as they end (and are not kept).
    const STREAMS_HOURS: bool = false;
    fn exited(&mut self, id: u64, class: u32, arrival: Instant, exit: Instant, visits: &[Visit]);
    fn hour_ended(&mut self, _hour: u64, _stages: &[(f64, f64)]) {}
    fn into_log(self) -> Option<TruckLog>;
}

struct NoRecords;

impl Recorder for NoRecords {
    const TRACES: bool = false;
    fn exited(&mut self, _: u64, _: u32, _: Instant, _: Instant, _: &[Visit]) {}
    fn into_log(self) -> Option<TruckLog> {
        None
    }
}

/// The stages' hourly traces, without truck records.
struct TracesOnly;

impl Recorder for TracesOnly {
    const TRACES: bool = true;
    fn exited(&mut self, _: u64, _: u32, _: Instant, _: Instant, _: &[Visit]) {}
    fn into_log(self) -> Option<TruckLog> {
        None
    }
}

impl Recorder for TruckLog {
    const TRACES: bool = true;
    fn exited(&mut self, id: u64, class: u32, arrival: Instant, exit: Instant, visits: &[Visit]) {
        self.push(id, class, arrival, exit, visits);
    }
    fn into_log(self) -> Option<TruckLog> {
        Some(self)
    }
}

/// Where a run's records go as the run goes on, so that memory does not grow with the trucks or
/// the hours simulated: trucks.csv and queues.csv written during the run.
pub trait RecordSink: Send {
    /// A truck that arrived after warm-up left the port before the end; in the order trucks
    /// leave.
    fn exited(&mut self, id: u64, class: u32, arrival: Instant, exit: Instant, visits: &[Visit]);
    /// Hour `hour` of the run (0 the first, warm-up included) ended: each stage's time-average
    /// queue and share of the hour closed, in stage order. Every hour that ends by the end of the
    /// run, in order.
    fn hour_ended(&mut self, hour: u64, stages: &[(f64, f64)]);
    /// Whether it takes the trucks' records at all: if not, `exited` is not called.
    fn takes_trucks(&self) -> bool {
        true
    }
}

/// The stages' hourly traces and each truck's record, handed to a sink as they come.
struct Sink<'s> {
    sink: &'s mut dyn RecordSink,
    /// The sink takes the trucks' records (asked once, not at every truck).
    trucks: bool,
}

impl Recorder for Sink<'_> {
    const TRACES: bool = true;
    const STREAMS_HOURS: bool = true;
    fn exited(&mut self, id: u64, class: u32, arrival: Instant, exit: Instant, visits: &[Visit]) {
        if self.trucks {
            self.sink.exited(id, class, arrival, exit, visits);
        }
    }
    fn hour_ended(&mut self, hour: u64, stages: &[(f64, f64)]) {
        self.sink.hour_ended(hour, stages);
    }
    fn into_log(self) -> Option<TruckLog> {
        None
    }
}

#[derive(Debug)]
struct Truck {
    id: u64,
    arrival: Instant,
    /// Arrived after warm-up: its times count in the statistics.
    counted: bool,
    /// Where it goes next, and the drive there.
    next: Destination,
    travel: Span,
    /// What it occupies while waiting for space at `next`.
    holding: Holding,
    /// Its visits so far, the last one under way while it is at a stage (filled in where it is,
    /// not copied when it ends), for the time breakdown and the records. Reused with the slot:
    /// no allocation once warm.
    visits: Vec<Visit>,
    /// At a stage with breakdowns: the server it holds, and how many of its scheduled service
    /// ends a failure made void.
    server: u32,
    void_ends: u32,
    /// Its class (0 without classes), and whether it holds a reserved server.
    class: u32,
    on_reserved: bool,
    /// Waiting for its booked slot before it comes to its next stage's queue (zero when it
    /// booked none).
    booked: Span,
    /// It turned away from one queue already: it waits at the next.
    diverted: bool,
    /// Booked ahead (by the first free slot) at its next stage: when it is due there.
    slot_at: Option<Instant>,
    /// When it came to the first queue of the port (side of a border) it is in, and that port.
    port_since: Instant,
    in_port: Option<u32>,
    /// When it came to its first queue in any port, while it is crossing the border.
    crossing_since: Option<Instant>,
}

impl Truck {
    /// The visit under way: the last one, which `enqueue` began.
    fn visit(&mut self) -> &mut Visit {
        self.visits
            .last_mut()
            .expect("a truck at a stage has a visit under way")
    }
}

/// One server of a stage with breakdowns.
#[derive(Debug, Clone, Copy)]
struct Server {
    up: bool,
    /// The truck it holds: in service (perhaps interrupted by a failure), or blocked after it.
    truck: Option<u32>,
    /// The truck it holds is still in service.
    serving: bool,
    /// On the operating clock, the service time left before it fails.
    to_failure: Span,
    /// When it failed, while it is down.
    failed_at: Instant,
    /// The service it gives: when it ends (on the calendar clock), and what is left of it when
    /// the server fails.
    service_end: Instant,
    remaining: Span,
}

/// The servers of a stage with breakdowns, one by one: which are up and what each holds.
#[derive(Debug)]
struct Servers {
    servers: Vec<Server>,
    failure_rng: Rng,
    repair_rng: Rng,
    /// Servers down.
    down: u32,
    /// Trucks whose service waits for a repair.
    interrupted: u32,
}

impl Servers {
    /// The servers of a stage with breakdowns, which every such stage has.
    fn of(servers: &mut Option<Servers>) -> &mut Servers {
        servers
            .as_mut()
            .expect("a stage with breakdowns has its servers")
    }

    /// The first server that is up and holds no truck.
    fn free(&self) -> Option<usize> {
        self.servers
            .iter()
            .position(|server| server.up && server.truck.is_none())
    }
}

#[derive(Debug)]
struct StageState {
    /// Trucks waiting for a server, in order of arrival at the stage.
    queue: VecDeque<u32>,
    /// Trucks driving here, each holding a waiting space.
    inbound: u32,
    /// Trucks elsewhere waiting for a waiting space here, first come first served.
    waiting_for_space: VecDeque<u32>,
    service_rng: Rng,
    routing_rng: Rng,
    /// Drawn from only for a route with a random travel time.
    travel_rng: Rng,
    /// Time closed: no server on duty, or the daily or hourly quota used up.
    closed: ClosedClock,
    /// Services started against the daily quota and, at a stage with one, the hourly quota.
    today: QuotaCount,
    this_hour: QuotaCount,
    /// Also the live counts: trucks in service, servers blocked and servers on duty are the
    /// current values of its levels, kept in one place.
    stats: StageStats,
    /// The hourly trace, when the run keeps records.
    trace: Option<TraceSeries>,
    /// Its servers one by one, when they can fail.
    servers: Option<Servers>,
    /// Trucks in service or blocked on its reserved servers.
    busy_reserved: u32,
    /// Its electronic queue, when it has one.
    booking: Option<Bookings>,
    /// At a stage whose trucks may turn away: the draws of those that do.
    balking_rng: Option<Rng>,
    /// What the event loop asks of the stage's model at every event, kept beside its state: a
    /// free server takes the first truck in the queue; a quota limits the services started.
    first_come: bool,
    has_quota: bool,
    /// A truck that joins the empty queue while a server is free starts service at once: first
    /// come, first served, no quota and no yard (no truck waits for space here).
    starts_at_once: bool,
}

/// The services started in one (local) day or hour against a stage's quota for it, and whether
/// the quota is used up.
#[derive(Debug, Default)]
struct QuotaCount {
    /// The day or hour counted, on the stage's local clock.
    period: u64,
    started: u32,
    used_up: bool,
}

impl QuotaCount {
    /// Starts counting `period` when it is another than the one counted; whether it did.
    fn roll(&mut self, period: u64) -> bool {
        let new = self.period != period;
        if new {
            *self = QuotaCount {
                period,
                ..QuotaCount::default()
            };
        }
        new
    }

    /// Whether `quota` (none: no limit) allows one more service.
    fn allows(&self, quota: Option<u32>) -> bool {
        quota.is_none_or(|quota| self.started < quota)
    }

    /// Marks the quota used up; whether it was not already.
    fn use_up(&mut self) -> bool {
        !std::mem::replace(&mut self.used_up, true)
    }
}

/// The slots of a pool of an electronic queue booked so far, hour by hour from the hour of now
/// (earlier hours are past and forgotten: memory follows the hours booked ahead).
#[derive(Debug, Default)]
struct Slots {
    /// Hour of the run (0 the first) of `taken[0]`.
    first_hour: u64,
    taken: VecDeque<u32>,
    /// Every hour from `first_hour` to this one (excluded) is full.
    first_open: u64,
}

impl Slots {
    /// The first hour from `hour` with a slot free (there is always one: validation asks for at
    /// least one slot an hour).
    fn first_free(&self, hour: u64, capacity: u32) -> u64 {
        let mut at = hour.max(self.first_open);
        while at >= self.first_hour
            && self
                .taken
                .get((at - self.first_hour) as usize)
                .is_some_and(|&taken| taken >= capacity)
        {
            at += 1;
        }
        at
    }

    /// Books the first free slot from hour `from` and returns its hour; `now` is the hour of
    /// now (it only grows, and `from` is never before it): the hours before it are forgotten.
    fn book(&mut self, now: u64, from: u64, capacity: u32) -> u64 {
        while self.first_hour < now && !self.taken.is_empty() {
            self.taken.pop_front();
            self.first_hour += 1;
        }
        if self.taken.is_empty() {
            self.first_hour = now;
            self.first_open = now;
        }
        let scanned_from_open = from <= self.first_open;
        let at = self.first_free(from, capacity);
        let index = (at - self.first_hour) as usize;
        if self.taken.len() <= index {
            self.taken.resize(index + 1, 0);
        }
        self.taken[index] += 1;
        // Scanned from `first_open`, every hour up to `at` was full, and `at` too when this
        // filled it; booked further ahead, what lies before `from` is not known.
        if scanned_from_open {
            self.first_open = if self.taken[index] >= capacity {
                at + 1
            } else {
                at
            };
        }
        at
    }
}

/// The electronic queue of a stage: each pool's slots, and its stream.
#[derive(Debug)]
struct Bookings {
    pools: [Slots; 2],
    rng: Rng,
}

impl StageState {
    /// Servers holding a truck: in service, or blocked after service.
    fn busy(&self) -> u32 {
        self.stats.in_service.value() + self.stats.blocked_servers.value()
    }

    fn on_duty(&self) -> u32 {
        self.stats.on_duty.value()
    }

    /// Whether a truck from the queue can start service: a server on duty is free and, when
    /// servers fail, a working one is free for it (the staff of a failed server may move to
    /// an idle working one).
    #[inline]
    fn can_start<const FULL: bool>(&self) -> bool {
        // A plain network's servers never fail, and none is ever blocked (it has no yards).
        if !FULL {
            return self.stats.in_service.value() < self.on_duty();
        }
        match &self.servers {
            None => self.busy() < self.on_duty(),
            Some(servers) => {
                self.busy() - servers.interrupted < self.on_duty() && servers.free().is_some()
            }
        }
    }

    /// Sets the servers on duty that have no working server to work on, after the servers on
    /// duty or the servers down changed.
    fn update_lost(&mut self, now: Instant) {
        if let Some(servers) = &self.servers {
            let working = servers.servers.len() as u32 - servers.down;
            let lost = self.on_duty().saturating_sub(working);
            self.stats.lost.set(now, lost);
        }
    }

    /// Starts or stops the closed clock after the servers on duty or the quota changed (the
    /// trace's closed hours are read off this clock as they end: [`Simulation::close_hours`]).
    fn update_closed(&mut self, now: Instant) {
        let closed = self.on_duty() == 0 || self.today.used_up || self.this_hour.used_up;
        self.closed.set(now, closed);
    }

    /// Starts a new quota day, and at a stage with an hourly quota a new quota hour, when `now`
    /// is on another (local) day or in another hour than the counts so far.
    fn roll_quotas(&mut self, now: Instant, model: &super::Stage) {
        let mut rolled = self.today.roll(model.calendar.local_day(now));
        if model.hourly_quota.is_some() {
            rolled |= self.this_hour.roll(model.calendar.local_hour(now));
        }
        if rolled {
            self.update_closed(now);
        }
    }

    /// Sets the number of trucks waiting after the queue changed (the trace's hours are read off
    /// this level as they end: [`Simulation::close_hours`]).
    fn queue_changed(&mut self, now: Instant) {
        let waiting = self.queue.len() as u32;
        self.stats.queue.set(now, waiting);
    }
}

/// A clock that runs only while a stage is closed.
#[derive(Debug, Clone, Copy, Default)]
struct ClosedClock {
    /// Time closed up to `since`, when the stage is closed now; else up to now.
    total: Span,
    since: Option<Instant>,
}

impl ClosedClock {
    /// Total time closed up to `now`, which is not before the last change.
    fn at(&self, now: Instant) -> Span {
        match self.since {
            Some(since) => self.total + (now - since),
            None => self.total,
        }
    }

    /// The integral of being closed (1 while closed) up to `now`, in milliseconds.
    fn integral(&self, now: Instant) -> u128 {
        u128::from(self.at(now).millis())
    }

    /// The stage is closed from `now` on, or open.
    fn set(&mut self, now: Instant, closed: bool) {
        match (self.since, closed) {
            (None, true) => self.since = Some(now),
            (Some(since), false) => {
                self.total += now - since;
                self.since = None;
            }
            _ => {}
        }
    }
}

/// A run of a scenario, keeping records by `R`. `FULL`: the code handles every feature of the
/// model; without, it leaves out what a plain network (see [`Scenario::is_plain_network`])
/// never needs, a check or two at each step of a truck (chosen at compile time, like `R`).
struct Simulation<'a, R: Recorder, const FULL: bool> {
    scenario: &'a Scenario,
    end: Instant,
    events: EventList<Event>,
    trucks: Vec<Truck>,
    free_slots: Vec<u32>,
    stages: Vec<StageState>,
    arrivals: ArrivalStream<'a>,
    /// Stages that may be able to start service or admit trucks; a reused work list.
    unsettled: Vec<usize>,
    warm: bool,
    next_id: u64,
    counts: TruckCounts,
    cleared_after_warmup: u64,
    /// Dwell of trucks that arrived after warm-up and exited before the end.
    dwell: Tally,
    /// Arrivals and exits per day of the run.
    daily: Vec<DayCount>,
    /// Where the dwell of those trucks went, per stage.
    splits: Vec<TimeSplit>,
    milestones: MilestoneSums,
    /// Some stage has a customs role: trucks have milestones to look for in their visits.
    has_roles: bool,
    in_port: HourlySeries,
    recorder: R,
    seed: u64,
    /// Events handled so far, for the events limit.
    events_handled: u64,
    stopped: Option<Stopped>,
    /// Looked at every [`StopToken::CHECK_EVERY`] events; a stopped run has no result.
    stop: Option<&'a StopToken>,
    /// When the traces stream their hours: the end of the next hour to hand on.
    next_hour: Instant,
    /// One hour of every stage's trace, handed on.
    hour_row: Vec<(f64, f64)>,
    /// With classes: the class draw of the scenario's arrivals, each class's own arrivals, and
    /// each class's statistics.
    class_rng: Option<Rng>,
    class_arrivals: Vec<Option<ArrivalStream<'a>>>,
    class_stats: Vec<ClassStats>,
    /// Trucks that left without crossing (gave up, or never came to their slot): all, and
    /// since warm-up.
    lost: u64,
    lost_after_warmup: u64,
    /// Per port (side of a border): its times to cross and trucks that crossed since warm-up;
    /// and the times to cross the whole border.
    sides: Vec<SideStats>,
    crossing: Tally,
    /// Per stage (empty at a stage without `balking` or `booking`): per day of the run, the
    /// trucks turned away and lost there.
    road_days: Vec<Vec<TurnedDay>>,
}

/// Simulates `scenario` with `seed`, keeping records by `recorder`, until the end or a limit;
/// `None` when `stop` is set during the run. A plain network runs code without the port's
/// features (the same results, by every byte).
fn simulate<R: Recorder>(
    scenario: &Scenario,
    seed: u64,
    stop: Option<&StopToken>,
    recorder: R,
) -> Option<RunResult> {
    if scenario.is_plain_network() {
        Simulation::<R, false>::new(scenario, seed, stop, recorder).run()
    } else {
        Simulation::<R, true>::new(scenario, seed, stop, recorder).run()
    }
}

/// Simulates `scenario` with `seed`, keeping a record of every truck (for trucks.csv).
pub fn run(scenario: &Scenario, seed: u64) -> RunResult {
    simulate(scenario, seed, None, TruckLog::default()).expect("a run without a stop token ends")
}

/// Simulates `scenario` with `seed` like [`run`], handing each truck's record to `sink` as it
/// leaves and each hour of the stages' traces as it ends, instead of keeping them.
pub fn run_into(scenario: &Scenario, seed: u64, sink: &mut dyn RecordSink) -> RunResult {
    let trucks = sink.takes_trucks();
    simulate(scenario, seed, None, Sink { sink, trucks }).expect("a run without a stop token ends")
}

/// Simulates `scenario` with `seed`, keeping the stages' hourly traces (for queues.csv) but no
/// truck records: memory bounded by the trucks in the port, not the trucks simulated.
pub fn run_traced(scenario: &Scenario, seed: u64) -> RunResult {
    simulate(scenario, seed, None, TracesOnly).expect("a run without a stop token ends")
}

/// Simulates `scenario` with `seed`, keeping only the summary statistics: the fast path.
pub fn run_summary(scenario: &Scenario, seed: u64) -> RunResult {
    simulate(scenario, seed, None, NoRecords).expect("a run without a stop token ends")
}

/// [`run_summary`] that gives up when `stop` is set during the run: `None` then, since a run cut
/// short by a request (unlike one stopped at a limit) measures nothing worth keeping.
pub fn run_summary_until(scenario: &Scenario, seed: u64, stop: &StopToken) -> Option<RunResult> {
    simulate(scenario, seed, Some(stop), NoRecords)
}

impl<'a, R: Recorder, const FULL: bool> Simulation<'a, R, FULL> {
    fn new(scenario: &'a Scenario, seed: u64, stop: Option<&'a StopToken>, recorder: R) -> Self {
        let end = Instant::after_start(scenario.warmup + scenario.horizon);
        let hours = (end.millis() / Span::HOUR.millis()) as usize + 1;
        let stages = scenario
            .stages
            .iter()
            .map(|stage| StageState {
                queue: VecDeque::new(),
                inbound: 0,
                waiting_for_space: VecDeque::new(),
                service_rng: stream(seed, stream_id(&stage.name, SERVICE_STREAM)),
                routing_rng: stream(seed, stream_id(&stage.name, ROUTING_STREAM)),
                travel_rng: stream(seed, stream_id(&stage.name, TRAVEL_STREAM)),
                closed: ClosedClock::default(),
                today: QuotaCount::default(),
                this_hour: QuotaCount::default(),
                stats: StageStats::default(),
                trace: R::TRACES.then(|| {
                    let kept = if R::STREAMS_HOURS { 0 } else { hours };
                    TraceSeries {
                        queue: IntegralHours::with_hours(kept),
                        closed: IntegralHours::with_hours(kept),
                    }
                }),
                servers: stage.breakdowns.as_ref().map(|_| Servers {
                    servers: vec![
                        Server {
                            up: true,
                            truck: None,
                            serving: false,
                            to_failure: Span::ZERO,
                            failed_at: Instant::START,
                            service_end: Instant::START,
                            remaining: Span::ZERO,
                        };
                        stage.calendar.max_servers() as usize
                    ],
                    failure_rng: stream(seed, stream_id(&stage.name, FAILURE_STREAM)),
                    repair_rng: stream(seed, stream_id(&stage.name, REPAIR_STREAM)),
                    down: 0,
                    interrupted: 0,
                }),
                busy_reserved: 0,
                booking: stage.booking.as_ref().map(|_| Bookings {
                    pools: Default::default(),
                    rng: stream(seed, stream_id(&stage.name, BOOKING_STREAM)),
                }),
                balking_rng: stage
                    .balking
                    .as_ref()
                    .map(|_| stream(seed, stream_id(&stage.name, BALKING_STREAM))),
                first_come: stage.first_come_first_served(),
                has_quota: stage.daily_quota.is_some() || stage.hourly_quota.is_some(),
                starts_at_once: stage.first_come_first_served()
                    && stage.daily_quota.is_none()
                    && stage.hourly_quota.is_none()
                    && stage.yard.is_none(),
            })
            .collect();
        Simulation {
            scenario,
            end,
            events: EventList::with_capacity(64),
            trucks: Vec::new(),
            free_slots: Vec::new(),
            stages,
            arrivals: ArrivalStream::new(
                &scenario.arrivals,
                scenario.start_day,
                stream(seed, stream_id("arrivals", ARRIVAL_STREAM)),
            ),
            unsettled: Vec::new(),
            warm: false,
            next_id: 0,
            counts: TruckCounts::default(),
            cleared_after_warmup: 0,
            dwell: Tally::default(),
            daily: vec![DayCount::default(); end.day() as usize + 1],
            splits: vec![TimeSplit::default(); scenario.stages.len()],
            milestones: MilestoneSums::default(),
            has_roles: scenario.stages.iter().any(|stage| stage.role.is_some()),
            in_port: HourlySeries::pooled(IN_PORT_HOURS_KEPT, hours),
            recorder,
            seed,
            events_handled: 0,
            stopped: None,
            stop,
            next_hour: Instant::after_start(Span::HOUR),
            hour_row: Vec::new(),
            class_rng: (!scenario.classes.is_empty())
                .then(|| stream(seed, stream_id("classes", CLASS_STREAM))),
            class_arrivals: scenario
                .classes
                .iter()
                .map(|class| {
                    class.arrivals.as_ref().map(|(arrivals, _)| {
                        ArrivalStream::new(
                            arrivals,
                            scenario.start_day,
                            stream(seed, stream_id(&class.name, ARRIVAL_STREAM)),
                        )
                    })
                })
                .collect(),
            class_stats: scenario
                .classes
                .iter()
                .map(|_| ClassStats {
                    splits: vec![TimeSplit::default(); scenario.stages.len()],
                    ..ClassStats::default()
                })
                .collect(),
            lost: 0,
            lost_after_warmup: 0,
            sides: scenario
                .ports
                .iter()
                .map(|_| SideStats::default())
                .collect(),
            crossing: Tally::default(),
            road_days: scenario
                .stages
                .iter()
                .map(|stage| {
                    let days = if stage.holds_back() {
                        end.day() as usize + 1
                    } else {
                        0
                    };
                    vec![TurnedDay::default(); days]
                })
                .collect(),
        }
    }

    /// Runs to the end or a limit; `None` when the stop token is set during the run.
    fn run(mut self) -> Option<RunResult> {
        if self.run_events() {
            Some(self.finish())
        } else {
            None
        }
    }

    /// Handles events up to the end or a limit (true), or until the stop token is set (false).
    /// Inlined into its caller, so that the loop works on the simulation's fields in place.
    #[inline(always)]
    fn run_events(&mut self) -> bool {
        self.events
            .schedule(Instant::after_start(self.scenario.warmup), Event::WarmupEnd);
        for stage_idx in 0..self.stages.len() {
            self.staffing_change(Instant::START, stage_idx);
            self.first_failures(stage_idx);
        }
        if let Some(first) = self.arrivals.next_after(Instant::START) {
            self.events.schedule(first, Event::Arrival);
        }
        for (class, stream) in self.class_arrivals.iter_mut().enumerate() {
            if let Some(first) = stream.as_mut().and_then(|s| s.next_after(Instant::START)) {
                self.events.schedule(
                    first,
                    Event::ClassArrival {
                        class: class as u32,
                    },
                );
            }
        }
        while let Some((now, event)) = self.events.pop() {
            if now >= self.end {
                break;
            }
            if let Some(limit) = self.over_limit() {
                self.stopped = Some(Stopped {
                    at_hours: now.hours(),
                    limit,
                });
                self.end = now;
                break;
            }
            self.events_handled += 1;
            // Before the event changes anything: the traces' hours that ended are closed from
            // the levels as they were then.
            if R::TRACES && now >= self.next_hour {
                self.close_hours(now);
            }
            if self.events_handled.is_multiple_of(StopToken::CHECK_EVERY)
                && self.stop.is_some_and(StopToken::is_stopped)
            {
                return false;
            }
            match event {
                Event::WarmupEnd => self.warmup_end(now),
                Event::Arrival => self.arrival(now),
                Event::ClassArrival { class } => self.class_arrival(now, class as usize),
                Event::ServiceEnd { stage, truck } => self.service_end(now, stage as usize, truck),
                Event::TravelEnd { truck } => self.travel_end(now, truck),
                Event::SlotArrival { truck } => self.slot_arrival(now, truck),
                Event::StaffingChange { stage } => self.staffing_change(now, stage as usize),
                Event::QuotaReset { stage } => self.quota_reset(now, stage as usize),
                Event::Failure { stage, server } => {
                    self.failure(now, stage as usize, server as usize);
                }
                Event::Repair { stage, server } => {
                    self.repair(now, stage as usize, server as usize);
                }
            }
            self.settle(now);
        }
        true
    }

    /// Closes the hours of every stage's trace that end by `now` (before anything changes at
    /// `now`) and, when the recorder streams them, hands them on.
    #[cold]
    fn close_hours(&mut self, now: Instant) {
        for state in &mut self.stages {
            if let Some(trace) = &mut state.trace {
                let (queue, closed) = (&state.stats.queue, &state.closed);
                trace.queue.close(now, |t| queue.area_until(t));
                trace.closed.close(now, |t| closed.integral(t));
                self.next_hour = trace.queue.hour_end();
            }
        }
        if R::STREAMS_HOURS {
            self.hand_on_hours();
        }
    }

    /// Hands the hours the traces closed to the recorder, and lets them go.
    fn hand_on_hours(&mut self) {
        // Every series closed up to the same instant has closed the same hours.
        let Some(first) = self.stages.iter().find_map(|state| state.trace.as_ref()) else {
            return;
        };
        let (done, ended) = (first.queue.forgotten(), first.queue.closed().len());
        for k in 0..ended {
            self.hour_row.clear();
            for trace in self.stages.iter().filter_map(|state| state.trace.as_ref()) {
                self.hour_row
                    .push((trace.queue.closed()[k], trace.closed.closed()[k]));
            }
            self.recorder.hour_ended(done + k as u64, &self.hour_row);
        }
        for trace in self
            .stages
            .iter_mut()
            .filter_map(|state| state.trace.as_mut())
        {
            trace.queue.forget_closed();
            trace.closed.forget_closed();
        }
    }

    /// What went over its limit, if anything: too many trucks in the port or events handled.
    fn over_limit(&self) -> Option<Limit> {
        let limits = &self.scenario.limits;
        if u64::from(self.in_port.value()) > limits.trucks_in_port {
            return Some(Limit::TrucksInPort(limits.trucks_in_port));
        }
        match limits.events {
            Some(events) if self.events_handled >= events => Some(Limit::Events(events)),
            _ => None,
        }
    }

    fn warmup_end(&mut self, now: Instant) {
        self.warm = true;
        for stage in &mut self.stages {
            if let Some(trace) = &mut stage.trace {
                trace
                    .queue
                    .integral_reset(stage.stats.queue.area_until(now));
            }
            stage.stats.reset(now);
        }
    }

    fn arrival(&mut self, now: Instant) {
        if let Some(next) = self.arrivals.next_after(now) {
            if next < self.end {
                self.events.schedule(next, Event::Arrival);
            }
        }
        // With classes, each truck of the scenario's arrivals draws its class by the shares.
        let class = match &mut self.class_rng {
            _ if !FULL => 0,
            None => 0,
            Some(rng) => {
                let draw: f64 = rng.random();
                let classes = &self.scenario.classes;
                let mut cumulative = 0.0;
                classes
                    .iter()
                    .position(|class| {
                        cumulative += class.share;
                        class.share > 0.0 && draw < cumulative
                    })
                    // Rounding slack goes to the last class with a share.
                    .unwrap_or_else(|| {
                        classes
                            .iter()
                            .rposition(|class| class.share > 0.0)
                            .unwrap_or(0)
                    })
            }
        };
        self.admit(now, class, self.scenario.entry);
    }

    /// A truck of a class with its own arrivals.
    fn class_arrival(&mut self, now: Instant, class: usize) {
        let stream = self.class_arrivals[class]
            .as_mut()
            .expect("only a class with its own arrivals has class arrival events");
        if let Some(next) = stream.next_after(now) {
            if next < self.end {
                self.events.schedule(
                    next,
                    Event::ClassArrival {
                        class: class as u32,
                    },
                );
            }
        }
        let entry = self.scenario.classes[class]
            .arrivals
            .as_ref()
            .map_or(self.scenario.entry, |(_, entry)| *entry);
        self.admit(now, class, entry);
    }

    /// A new truck of `class` arrives at the port, bound for `entry`.
    fn admit(&mut self, now: Instant, class: usize, entry: usize) {
        let truck = self.new_truck(now);
        self.counts.arrived += 1;
        self.daily[now.day() as usize].arrived += 1;
        self.in_port.set(now, self.in_port.value() + 1);
        if self.warm {
            self.counts.arrived_after_warmup += 1;
            if FULL {
                if let Some(stats) = self.class_stats.get_mut(class) {
                    stats.arrived_after_warmup += 1;
                }
            }
        }
        let slot = &mut self.trucks[truck as usize];
        slot.class = class as u32;
        slot.next = Destination::Stage(entry);
        slot.travel = Span::ZERO;
        self.leave(now, truck, Holding::Road);
    }

    fn new_truck(&mut self, now: Instant) -> u32 {
        let id = self.next_id;
        self.next_id += 1;
        let fresh = Truck {
            id,
            arrival: now,
            counted: self.warm,
            next: Destination::Exit,
            travel: Span::ZERO,
            holding: Holding::Road,
            visits: Vec::new(),
            server: 0,
            void_ends: 0,
            class: 0,
            on_reserved: false,
            booked: Span::ZERO,
            diverted: false,
            slot_at: None,
            port_since: now,
            in_port: None,
            crossing_since: None,
        };
        match self.free_slots.pop() {
            Some(slot) => {
                let truck = &mut self.trucks[slot as usize];
                let visits = std::mem::take(&mut truck.visits);
                *truck = Truck { visits, ..fresh };
                truck.visits.clear();
                slot
            }
            None => {
                self.trucks.push(fresh);
                (self.trucks.len() - 1) as u32
            }
        }
    }

    /// Whether one more truck fits: in a free server's place or in a waiting space.
    fn has_space(&self, stage_idx: usize) -> bool {
        let stage = &self.stages[stage_idx];
        match self.scenario.stages[stage_idx].yard {
            None => true,
            Some(yard) => {
                let free_servers = stage.on_duty().saturating_sub(stage.busy());
                stage.queue.len() + (stage.inbound as usize) < yard as usize + free_servers as usize
            }
        }
    }

    /// Moves a truck towards its next destination, or leaves it waiting on what it holds (never
    /// in a plain network: it has no yards).
    #[inline(always)]
    fn leave(&mut self, now: Instant, truck: u32, holding: Holding) {
        let next = self.trucks[truck as usize].next;
        if let (true, Destination::Stage(to)) = (FULL, next) {
            if !self.stages[to].waiting_for_space.is_empty() || !self.has_space(to) {
                self.stages[to].waiting_for_space.push_back(truck);
                self.trucks[truck as usize].holding = holding;
                if let Holding::Server(from) = holding {
                    self.stages[from].stats.blocked_servers.increment(now);
                }
                return;
            }
        }
        self.depart(now, truck, holding);
    }

    /// The truck frees what it holds and drives (or steps) to its next destination.
    #[inline(always)]
    fn depart(&mut self, now: Instant, truck: u32, holding: Holding) {
        if let Holding::Server(from) = holding {
            let slot = &mut self.trucks[truck as usize];
            let counted = slot.counted;
            let visit = slot.visit();
            visit.departed = now;
            // A plain network has no yards: nobody is blocked (the mean is 0 without a count).
            if FULL && counted {
                let blocked = now - visit.finished;
                self.stages[from].stats.blocked.record(blocked);
            }
            // A plain network's stages have no failing or reserved servers and no port, and
            // the server freed takes its next truck below, without the work list.
            if FULL {
                let server = slot.server as usize;
                if let Some(servers) = &mut self.stages[from].servers {
                    servers.servers[server].truck = None;
                }
                if slot.on_reserved {
                    slot.on_reserved = false;
                    self.stages[from].busy_reserved -= 1;
                }
                self.unsettled.push(from);
                if let Some(port) = self.scenario.stages[from].port {
                    self.leave_port(now, truck, port);
                }
            }
        }
        let slot = &self.trucks[truck as usize];
        let (next, travel) = (slot.next, slot.travel);
        match next {
            Destination::Stage(to) if travel == Span::ZERO => self.reach(now, to, truck),
            Destination::Stage(to) => {
                self.stages[to].inbound += 1;
                self.events
                    .schedule(now + travel, Event::TravelEnd { truck });
            }
            Destination::Exit if travel == Span::ZERO => self.exit(now, truck),
            Destination::Exit => self
                .events
                .schedule(now + travel, Event::TravelEnd { truck }),
        }
        // In a plain network, what `settle` would do next (the stage left is the only one on
        // its work list): the server freed takes the first truck waiting there.
        if let (false, Holding::Server(from)) = (FULL, holding) {
            self.start_waiting(now, from);
        }
    }

    /// A truck leaving a stage of `port` for a stage of another port, or none, has crossed it:
    /// from its first queue there to now.
    fn leave_port(&mut self, now: Instant, truck: u32, port: usize) {
        let slot = &self.trucks[truck as usize];
        let onward = match slot.next {
            Destination::Stage(to) => self.scenario.stages[to].port,
            Destination::Exit => None,
        };
        if onward == Some(port) {
            return;
        }
        let side = &mut self.sides[port];
        if slot.counted {
            side.cross.record(now - slot.port_since);
        }
        if self.warm {
            side.crossed_after_warmup += 1;
        }
        side.left += 1;
        // Leaving the last port, for a stage in none or the exit: the border is crossed.
        let (counted, crossing_since) = (slot.counted, slot.crossing_since);
        if let (None, Some(since)) = (onward, crossing_since) {
            if counted {
                self.crossing.record(now - since);
            }
            self.trucks[truck as usize].crossing_since = None;
        }
        self.trucks[truck as usize].in_port = None;
    }

    /// A truck reaches a stage: it books a slot there and comes later, turns away from a long
    /// queue, or joins the queue.
    #[inline(always)]
    fn reach(&mut self, now: Instant, stage_idx: usize, truck: u32) {
        let model = &self.scenario.stages[stage_idx];
        if FULL && model.holds_back() {
            self.reach_road(now, stage_idx, truck);
        } else {
            self.enqueue(now, stage_idx, truck);
        }
    }

    /// [`Simulation::reach`] at a stage with an electronic queue or trucks that turn away: out of
    /// the event loop's way.
    #[inline(never)]
    fn reach_road(&mut self, now: Instant, stage_idx: usize, truck: u32) {
        let model = &self.scenario.stages[stage_idx];
        let class = self.trucks[truck as usize].class as usize;
        let warm = self.warm;
        if let Some(booking) = &model.booking {
            if let Some(pool) = booking.pools[class] {
                // Booked as it chose this stage, or now.
                let due = self.trucks[truck as usize].slot_at.take();
                let slot_hour = due
                    .is_none()
                    .then(|| self.book_slot(now, stage_idx, pool, now));
                let state = &mut self.stages[stage_idx];
                let bookings = state
                    .booking
                    .as_mut()
                    .expect("a stage with booking has its slots");
                let no_show =
                    booking.no_show > 0.0 && bookings.rng.random::<f64>() < booking.no_show;
                if no_show {
                    if warm {
                        state.stats.no_shows += 1;
                    }
                    self.road_days[stage_idx][now.day() as usize].no_shows += 1;
                    self.lose(now, truck);
                    return;
                }
                let at = match (due, slot_hour) {
                    (Some(due), _) => due.max(now),
                    (None, Some(slot_hour)) => self.come_at(stage_idx, slot_hour, now),
                    (None, None) => unreachable!("a truck without a slot books one"),
                };
                self.trucks[truck as usize].booked = at - now;
                self.events.schedule(at, Event::SlotArrival { truck });
                return;
            }
        }
        if let Some(balking) = &model.balking {
            let slot = &self.trucks[truck as usize];
            if !slot.diverted && self.queue_too_long(stage_idx, balking.when, class) {
                let state = &mut self.stages[stage_idx];
                let turns = balking.share >= 1.0
                    || state
                        .balking_rng
                        .as_mut()
                        .expect("a stage with balking has its stream")
                        .random::<f64>()
                        < balking.share;
                if turns {
                    match &balking.to {
                        None => {
                            if warm {
                                state.stats.gave_up += 1;
                            }
                            self.road_days[stage_idx][now.day() as usize].gave_up += 1;
                            self.lose(now, truck);
                        }
                        Some((to, travel)) => {
                            if warm {
                                state.stats.diverted += 1;
                            }
                            self.road_days[stage_idx][now.day() as usize].diverted += 1;
                            let travel = travel.draw(&mut state.travel_rng);
                            let slot = &mut self.trucks[truck as usize];
                            slot.diverted = true;
                            slot.next = Destination::Stage(*to);
                            slot.travel = travel;
                            // Turned away inside a port to another: it leaves the port
                            // without crossing it.
                            let to_port = self.scenario.stages[*to].port;
                            if let Some(port) = slot.in_port {
                                if to_port != Some(port as usize) {
                                    slot.in_port = None;
                                    self.sides[port as usize].left += 1;
                                }
                            }
                            self.leave(now, truck, Holding::Road);
                        }
                    }
                    return;
                }
            }
        }
        self.enqueue(now, stage_idx, truck);
    }

    /// A stage's electronic queue: what the scenario says of it, and its slots and stream.
    fn bookings(&mut self, stage_idx: usize) -> (&'a super::Booking, &mut Bookings) {
        let booking = self.scenario.stages[stage_idx]
            .booking
            .as_ref()
            .expect("only a stage with booking books slots");
        let bookings = self.stages[stage_idx]
            .booking
            .as_mut()
            .expect("a stage with booking has its slots");
        (booking, bookings)
    }

    /// Books the first free slot in `pool` of a stage's electronic queue for a truck that can be
    /// there at `ready` (now, or at the end of its drive), and returns the slot's hour.
    fn book_slot(&mut self, now: Instant, stage_idx: usize, pool: usize, ready: Instant) -> u64 {
        let (booking, bookings) = self.bookings(stage_idx);
        let hour = |at: Instant| at.millis() / Span::HOUR.millis();
        bookings.pools[pool].book(hour(now), hour(ready), booking.slots_per_hour[pool])
    }

    /// When a truck with a slot at `slot_hour` comes: the slot's start less `early`, plus its
    /// draw of the spread (`early` + `late`), not before `ready`.
    fn come_at(&mut self, stage_idx: usize, slot_hour: u64, ready: Instant) -> Instant {
        let (booking, bookings) = self.bookings(stage_idx);
        let spread = (booking.early + booking.late).millis();
        let offset = if spread > 0 {
            bookings.rng.random_range(0..=spread)
        } else {
            0
        };
        let at = (slot_hour * Span::HOUR.millis() + offset)
            .saturating_sub(booking.early.millis())
            .max(ready.millis());
        Instant::from_millis(at)
    }

    /// A truck that chose its route by the first free slot books it as it leaves: the slot of
    /// the stage it drives to, from the hour it gets there.
    #[inline(never)]
    fn book_ahead(&mut self, now: Instant, truck: u32) {
        let slot = &self.trucks[truck as usize];
        let (Destination::Stage(to), class) = (slot.next, slot.class as usize) else {
            return;
        };
        let ready = now + slot.travel;
        let pool = self.scenario.stages[to]
            .booking
            .as_ref()
            .and_then(|booking| booking.pools[class]);
        if let Some(pool) = pool {
            let slot_hour = self.book_slot(now, to, pool, ready);
            let at = self.come_at(to, slot_hour, ready);
            self.trucks[truck as usize].slot_at = Some(at);
        }
    }

    /// Whether the queue of a stage is long enough for an arriving truck of `class` to turn
    /// away: trucks waiting, or the expected wait (the trucks ahead beyond the servers on duty,
    /// at the servers' mean rate or the daily or hourly quota, the slowest; a stage with no
    /// server on duty has no end to its wait).
    fn queue_too_long(&self, stage_idx: usize, when: super::BalkWhen, class: usize) -> bool {
        let state = &self.stages[stage_idx];
        match when {
            super::BalkWhen::Queue(trucks) => state.queue.len() >= trucks as usize,
            super::BalkWhen::Wait(limit) => {
                let servers = f64::from(state.on_duty());
                if servers == 0.0 {
                    return true;
                }
                let model = &self.scenario.stages[stage_idx];
                let mut rate = servers / model.service_of(class).mean();
                let quotas = [
                    (model.daily_quota, Span::DAY),
                    (model.hourly_quota, Span::HOUR),
                ];
                for (quota, per) in quotas {
                    if let Some(quota) = quota {
                        rate = rate.min(f64::from(quota) / per.millis() as f64);
                    }
                }
                let there = state.queue.len() as f64 + f64::from(state.busy());
                let ahead = (there + 1.0 - servers).max(0.0);
                ahead / rate >= limit.millis() as f64
            }
        }
    }

    /// A truck leaves without crossing (it gave up, or never came to its slot).
    fn lose(&mut self, now: Instant, truck: u32) {
        if let Some(port) = self.trucks[truck as usize].in_port {
            self.sides[port as usize].lost += 1;
        }
        self.lost += 1;
        if self.warm {
            self.lost_after_warmup += 1;
        }
        self.in_port.set(now, self.in_port.value() - 1);
        self.free_slots.push(truck);
    }

    /// A truck that booked a slot comes to its stage's queue.
    fn slot_arrival(&mut self, now: Instant, truck: u32) {
        let Destination::Stage(stage_idx) = self.trucks[truck as usize].next else {
            unreachable!("a truck with a slot is bound for the stage it booked");
        };
        self.enqueue(now, stage_idx, truck);
    }

    #[inline(always)]
    fn enqueue(&mut self, now: Instant, stage_idx: usize, truck: u32) {
        let port = self.scenario.stages[stage_idx].port;
        let slot = &mut self.trucks[truck as usize];
        // Its first queue in a port starts its crossing of it (and of the border, in its first
        // port).
        if let Some(port) = port.filter(|&port| FULL && slot.in_port != Some(port as u32)) {
            slot.port_since = now;
            slot.in_port = Some(port as u32);
            slot.crossing_since.get_or_insert(now);
            self.sides[port].entered += 1;
        }
        let booked = std::mem::replace(&mut slot.booked, Span::ZERO);
        slot.visits.push(Visit {
            stage: stage_idx,
            queued: now,
            // The closed clock for now; `start_service` turns it into the closed part of the wait.
            closed: self.stages[stage_idx].closed.at(now),
            booked,
            ..Visit::default()
        });
        let counted = slot.counted;
        let stage = &mut self.stages[stage_idx];
        if counted {
            stage.stats.entered += 1;
            if booked > Span::ZERO {
                stage.stats.slot_wait.record(booked);
            }
        }
        // What `settle` would do first, right after this event (the stage would be on top of its
        // work list): the truck passes through the queue without waiting. Its queue length
        // (none before it) is the same for no time: only the maximum can change.
        if stage.starts_at_once && stage.queue.is_empty() && stage.can_start::<FULL>() {
            stage.stats.queue.peak(1);
            self.start_service(now, stage_idx, truck);
            return;
        }
        stage.queue.push_back(truck);
        stage.queue_changed(now);
        // In a plain network a truck that cannot start at once waits for a server to free,
        // and whatever frees one starts the first truck waiting (the end of a service at once,
        // more servers on duty through the work list): nothing for `settle` to do here.
        if FULL {
            self.unsettled.push(stage_idx);
        }
    }

    fn travel_end(&mut self, now: Instant, truck: u32) {
        match self.trucks[truck as usize].next {
            Destination::Stage(to) => {
                self.stages[to].inbound -= 1;
                self.reach(now, to, truck);
            }
            Destination::Exit => self.exit(now, truck),
        }
    }

    fn service_end(&mut self, now: Instant, stage_idx: usize, truck: u32) {
        let slot = &mut self.trucks[truck as usize];
        if FULL && slot.void_ends > 0 {
            // Made void by a failure of its server: the service ends later.
            slot.void_ends -= 1;
            return;
        }
        let server = slot.server as usize;
        let class = slot.class as usize;
        let stage = &mut self.stages[stage_idx];
        if FULL {
            if let Some(servers) = &mut stage.servers {
                servers.servers[server].serving = false;
            }
        }
        stage.stats.in_service.decrement(now);
        let model = &self.scenario.stages[stage_idx];
        let routes = if FULL {
            model.routes_of(class)
        } else {
            &model.routes
        };
        // A plain network's routes are taken by their shares.
        let choice = if FULL {
            model.choice
        } else {
            super::RouteChoice::Shares
        };
        let route = match choice {
            super::RouteChoice::Shares => {
                let draw: f64 = stage.routing_rng.random();
                let mut cumulative = 0.0;
                // Validation makes the probabilities sum to one; the last route takes any
                // rounding slack.
                routes
                    .iter()
                    .find(|route| {
                        cumulative += route.probability;
                        draw < cumulative
                    })
                    .unwrap_or(&routes[routes.len() - 1])
            }
            super::RouteChoice::ShortestTime => &routes[self.shortest(routes, class)],
            super::RouteChoice::FirstSlot => &routes[self.first_slot(now, routes, class)],
        };
        let stage = &mut self.stages[stage_idx];
        let travel = route.travel.draw(&mut stage.travel_rng);
        let slot = &mut self.trucks[truck as usize];
        slot.next = route.to;
        slot.travel = travel;
        if choice == super::RouteChoice::FirstSlot {
            self.book_ahead(now, truck);
        }
        let slot = &mut self.trucks[truck as usize];
        let counted = slot.counted;
        let visit = slot.visit();
        visit.finished = now;
        if counted {
            let service = now - visit.started;
            self.stages[stage_idx].stats.service.record(service);
        }
        self.leave(now, truck, Holding::Server(stage_idx));
    }

    fn staffing_change(&mut self, now: Instant, stage_idx: usize) {
        let calendar = &self.scenario.stages[stage_idx].calendar;
        let on_duty = calendar.servers_at(now);
        if !calendar.is_constant() {
            if let Some(next) = calendar.next_change(now, self.end) {
                self.events.schedule(
                    next,
                    Event::StaffingChange {
                        stage: stage_idx as u32,
                    },
                );
            }
        }
        let stage = &mut self.stages[stage_idx];
        stage.stats.on_duty.set(now, on_duty);
        stage.update_closed(now);
        stage.update_lost(now);
        self.unsettled.push(stage_idx);
    }

    fn quota_reset(&mut self, now: Instant, stage_idx: usize) {
        self.stages[stage_idx].roll_quotas(now, &self.scenario.stages[stage_idx]);
        self.unsettled.push(stage_idx);
    }

    /// Whether the stage's daily and hourly quotas allow one more service now, counting it if
    /// so; when one does not, the stage closes until its (local) midnight, or its next hour.
    fn quota_allows(&mut self, now: Instant, stage_idx: usize) -> bool {
        if !self.stages[stage_idx].has_quota {
            return true;
        }
        let model = &self.scenario.stages[stage_idx];
        let calendar = &model.calendar;
        let stage = &mut self.stages[stage_idx];
        stage.roll_quotas(now, model);
        let day_allows = stage.today.allows(model.daily_quota);
        let hour_allows = stage.this_hour.allows(model.hourly_quota);
        if day_allows && hour_allows {
            stage.today.started += 1;
            stage.this_hour.started += 1;
            return true;
        }
        // A quota used up now closes the stage until its next (local) day or hour.
        let resets = [
            (!day_allows && stage.today.use_up()).then(|| calendar.next_midnight(now)),
            (!hour_allows && stage.this_hour.use_up()).then(|| calendar.next_hour(now)),
        ];
        if resets.iter().any(Option::is_some) {
            stage.update_closed(now);
        }
        for reset in resets.into_iter().flatten() {
            if reset < self.end {
                self.events.schedule(
                    reset,
                    Event::QuotaReset {
                        stage: stage_idx as u32,
                    },
                );
            }
        }
        false
    }

    fn exit(&mut self, now: Instant, truck: u32) {
        self.counts.exited += 1;
        self.daily[now.day() as usize].cleared += 1;
        self.in_port.set(now, self.in_port.value() - 1);
        if self.warm {
            self.cleared_after_warmup += 1;
        }
        let slot = &self.trucks[truck as usize];
        // With classes, a truck counts in its class's statistics only: the port's are their sum
        // (`finish`).
        let class_stats = if FULL {
            self.class_stats.get_mut(slot.class as usize)
        } else {
            None
        };
        let (dwell, splits, milestones) = match class_stats {
            Some(stats) => {
                if self.warm {
                    stats.cleared_after_warmup += 1;
                }
                (&mut stats.dwell, &mut stats.splits, &mut stats.milestones)
            }
            None => (&mut self.dwell, &mut self.splits, &mut self.milestones),
        };
        if slot.counted {
            dwell.record(now - slot.arrival);
            TimeSplit::add_truck::<FULL>(splits, slot.arrival, now, &slot.visits);
            if self.has_roles {
                milestones.add_truck(&self.scenario.stages, slot.arrival, &slot.visits);
            } else {
                milestones.add_without_roles();
            }
            self.recorder
                .exited(slot.id, slot.class, slot.arrival, now, &slot.visits);
        }
        self.free_slots.push(truck);
    }

    /// Starts every service that can start and admits every truck that has space, until nothing
    /// changes. Freeing a server upstream can free another further up: the work list follows it.
    fn settle(&mut self, now: Instant) {
        while let Some(stage_idx) = self.unsettled.pop() {
            self.start_waiting(now, stage_idx);
            // The first truck waiting for space, while there is space (looked at only when one
            // waits; none does in a plain network).
            while let Some(&truck) = self.stages[stage_idx]
                .waiting_for_space
                .front()
                .filter(|_| FULL)
            {
                if !self.has_space(stage_idx) {
                    break;
                }
                self.stages[stage_idx].waiting_for_space.pop_front();
                let holding = self.trucks[truck as usize].holding;
                if let Holding::Server(from) = holding {
                    self.stages[from].stats.blocked_servers.decrement(now);
                }
                self.depart(now, truck, holding);
            }
        }
    }

    /// Starts the services that can start at a stage, taking waiting trucks in its order.
    #[inline(always)]
    fn start_waiting(&mut self, now: Instant, stage_idx: usize) {
        let first_come = !FULL || self.stages[stage_idx].first_come;
        loop {
            let stage = &self.stages[stage_idx];
            if !stage.can_start::<FULL>() || stage.queue.is_empty() {
                break;
            }
            let (position, reserved) = if first_come {
                (0, false)
            } else {
                match self.pick(stage_idx) {
                    Some(pick) => pick,
                    None => break,
                }
            };
            if FULL && !self.quota_allows(now, stage_idx) {
                break;
            }
            let queue = &mut self.stages[stage_idx].queue;
            let taken = if position == 0 {
                queue.pop_front()
            } else {
                queue.remove(position)
            };
            let Some(truck) = taken else {
                break;
            };
            self.stages[stage_idx].queue_changed(now);
            if FULL && reserved {
                self.trucks[truck as usize].on_reserved = true;
                self.stages[stage_idx].busy_reserved += 1;
            }
            self.start_service(now, stage_idx, truck);
        }
    }

    /// The route of the shortest expected time for a truck of `class` leaving now: the drive
    /// (its mean), the wait for the trucks ahead of it at the stage it leads to (those waiting,
    /// in service, blocked, driving there or waiting for space, beyond the servers on duty, at
    /// the servers' rate), and the service; the first of equal ones. A stage with no server on
    /// duty is the longest. Kept out of the event loop's code, which most stages never need it in.
    #[inline(never)]
    fn shortest(&self, routes: &[super::Route], class: usize) -> usize {
        let expected = |route: &super::Route| -> f64 {
            let drive = route.travel.mean();
            let Destination::Stage(to) = route.to else {
                return drive;
            };
            let state = &self.stages[to];
            let servers = f64::from(state.on_duty());
            if servers == 0.0 {
                return f64::INFINITY;
            }
            let service = self.scenario.stages[to].service_of(class).mean();
            let there = state.queue.len() as f64
                + f64::from(state.busy())
                + f64::from(state.inbound)
                + state.waiting_for_space.len() as f64;
            let ahead = (there + 1.0 - servers).max(0.0);
            drive + ahead * service / servers + service
        };
        quickest(routes, expected)
    }

    /// The route that reaches its stage's first free slot soonest for a truck of `class`
    /// leaving now: the drive (its mean), then the wait for the first hour with a free slot in
    /// the class's pool from the hour it arrives in; a stage where it books nothing counts the
    /// drive alone. The first of equal ones.
    #[inline(never)]
    fn first_slot(&self, now: Instant, routes: &[super::Route], class: usize) -> usize {
        let soonest = |route: &super::Route| -> f64 {
            let there = now.millis() as f64 + route.travel.mean();
            let Destination::Stage(to) = route.to else {
                return there;
            };
            let booking = &self.scenario.stages[to].booking;
            let (Some(booking), Some(bookings)) = (booking, &self.stages[to].booking) else {
                return there;
            };
            let Some(pool) = booking.pools[class] else {
                return there;
            };
            let hour = (there / Span::HOUR.millis() as f64) as u64;
            let slot = bookings.pools[pool].first_free(hour, booking.slots_per_hour[pool]);
            there.max((slot * Span::HOUR.millis()) as f64)
        };
        quickest(routes, soonest)
    }

    /// At a stage that is not first come, first served (priorities, reserved servers): the
    /// waiting truck a free server takes, by its place in the queue, and whether it goes to a
    /// reserved server; `None` when no waiting truck may use a free server.
    fn pick(&self, stage_idx: usize) -> Option<(usize, bool)> {
        let stage = &self.stages[stage_idx];
        let model = &self.scenario.stages[stage_idx];
        // Free reserved and general servers: the reserved ones are the first on duty.
        let on_duty = stage.on_duty();
        let (free_reserved, free_general) = match &model.reserved {
            None => (0, 1),
            Some(reserved) => {
                let reserved_on_duty = reserved.servers.min(on_duty);
                let busy_general = stage.busy() - stage.busy_reserved;
                (
                    reserved_on_duty.saturating_sub(stage.busy_reserved),
                    (on_duty - reserved_on_duty).saturating_sub(busy_general),
                )
            }
        };
        let priority = model.discipline == super::Discipline::Priority;
        let mut best: Option<(usize, i64, bool)> = None;
        for (position, &truck) in stage.queue.iter().enumerate() {
            let class = self.trucks[truck as usize].class as usize;
            let may_reserve = model
                .reserved
                .as_ref()
                .is_some_and(|reserved| reserved.classes[class]);
            // A truck that may use a reserved server takes one when one is free, else a
            // general one; the others take only general servers.
            let reserved = may_reserve && free_reserved > 0;
            if !reserved && free_general == 0 {
                continue;
            }
            let rank = if priority {
                self.scenario.classes[class].priority
            } else {
                0
            };
            if best.is_none_or(|(_, best_rank, _)| rank > best_rank) {
                best = Some((position, rank, reserved));
                if !priority {
                    break;
                }
            }
        }
        best.map(|(position, _, reserved)| (position, reserved))
    }

    #[inline(always)]
    fn start_service(&mut self, now: Instant, stage_idx: usize, truck: u32) {
        let class = self.trucks[truck as usize].class as usize;
        let service_time = {
            let stage = &mut self.stages[stage_idx];
            stage.stats.in_service.increment(now);
            let model = &self.scenario.stages[stage_idx];
            let service = if FULL {
                model.service_of(class)
            } else {
                &model.service
            };
            service.sample(&mut stage.service_rng)
        };
        let closed_clock = self.stages[stage_idx].closed.at(now);
        let slot = &mut self.trucks[truck as usize];
        let counted = slot.counted;
        let visit = slot.visit();
        visit.started = now;
        visit.closed = closed_clock - visit.closed;
        if counted {
            let wait = now - visit.queued;
            self.stages[stage_idx].stats.wait.record(wait);
        }
        // A plain network's servers never fail: none is looked after one by one.
        match self.stages[stage_idx].servers.as_mut().filter(|_| FULL) {
            None => self.events.schedule(
                now + service_time,
                Event::ServiceEnd {
                    stage: stage_idx as u32,
                    truck,
                },
            ),
            Some(servers) => {
                let server = servers.free().expect("`can_start` found a free server");
                servers.servers[server].truck = Some(truck);
                servers.servers[server].serving = true;
                self.trucks[truck as usize].server = server as u32;
                self.serve(now, stage_idx, truck, service_time);
            }
        }
    }

    /// Serves `truck` for `time` on its server at a stage with breakdowns: until the service
    /// ends or, on the operating clock, until the server fails first.
    fn serve(&mut self, now: Instant, stage_idx: usize, truck: u32, time: Span) {
        let operating = self.breakdowns(stage_idx).clock == FailureClock::Operating;
        let server_idx = self.trucks[truck as usize].server as usize;
        let server = &mut Servers::of(&mut self.stages[stage_idx].servers).servers[server_idx];
        if operating {
            if server.to_failure < time {
                server.remaining = time - server.to_failure;
                let at = now + server.to_failure;
                server.to_failure = Span::ZERO;
                self.events
                    .schedule(at, Event::failure(stage_idx, server_idx));
                return;
            }
            server.to_failure = server.to_failure - time;
        }
        server.service_end = now + time;
        let stage = stage_idx as u32;
        self.events
            .schedule(now + time, Event::ServiceEnd { stage, truck });
    }

    fn breakdowns(&self, stage_idx: usize) -> &'a Breakdowns {
        self.scenario.stages[stage_idx]
            .breakdowns
            .as_ref()
            .expect("only a stage with breakdowns has failure events")
    }

    /// Draws each server's first failure at a stage with breakdowns.
    fn first_failures(&mut self, stage_idx: usize) {
        let Some(breakdowns) = &self.scenario.stages[stage_idx].breakdowns else {
            return;
        };
        let servers = Servers::of(&mut self.stages[stage_idx].servers);
        for (server_idx, server) in servers.servers.iter_mut().enumerate() {
            let between = breakdowns.between.sample(&mut servers.failure_rng);
            match breakdowns.clock {
                FailureClock::Operating => server.to_failure = between,
                FailureClock::Calendar => {
                    let failure = Event::failure(stage_idx, server_idx);
                    self.events.schedule(Instant::START + between, failure);
                }
            }
        }
    }

    /// A server fails: it is down until repaired, and a truck in service on it waits there.
    fn failure(&mut self, now: Instant, stage_idx: usize, server_idx: usize) {
        let breakdowns = self.breakdowns(stage_idx);
        let stage = &mut self.stages[stage_idx];
        let servers = Servers::of(&mut stage.servers);
        let repair = breakdowns.repair.sample(&mut servers.repair_rng);
        let server = &mut servers.servers[server_idx];
        server.up = false;
        server.failed_at = now;
        servers.down += 1;
        if let (Some(truck), true) = (server.truck, server.serving) {
            servers.interrupted += 1;
            if breakdowns.clock == FailureClock::Calendar {
                server.remaining = server.service_end - now;
                self.trucks[truck as usize].void_ends += 1;
            }
        }
        stage.stats.down.set(now, servers.down);
        if self.warm {
            stage.stats.failures += 1;
        }
        stage.update_lost(now);
        self.events.schedule(
            now + repair,
            Event::Repair {
                stage: stage_idx as u32,
                server: server_idx as u32,
            },
        );
    }

    /// A server is repaired: it works again, and resumes the service it was giving.
    fn repair(&mut self, now: Instant, stage_idx: usize, server_idx: usize) {
        let breakdowns = self.breakdowns(stage_idx);
        let stage = &mut self.stages[stage_idx];
        let servers = Servers::of(&mut stage.servers);
        let between = breakdowns.between.sample(&mut servers.failure_rng);
        let server = &mut servers.servers[server_idx];
        server.up = true;
        let down_since = server.failed_at;
        let remaining = server.remaining;
        let resumed = server.truck.filter(|_| server.serving);
        match breakdowns.clock {
            FailureClock::Operating => server.to_failure = between,
            FailureClock::Calendar => self
                .events
                .schedule(now + between, Event::failure(stage_idx, server_idx)),
        }
        servers.down -= 1;
        if resumed.is_some() {
            servers.interrupted -= 1;
        }
        stage.stats.down.set(now, servers.down);
        stage.update_lost(now);
        if let Some(truck) = resumed {
            let slot = &mut self.trucks[truck as usize];
            slot.visit().down += now - down_since;
            self.serve(now, stage_idx, truck, remaining);
        }
        self.unsettled.push(stage_idx);
    }

    fn finish(mut self) -> RunResult {
        let end = self.end;
        // Up to the stop, when the run stopped at a limit; nothing when that was in the warm-up.
        let window = end
            .checked_since(Instant::after_start(self.scenario.warmup))
            .unwrap_or(Span::ZERO);
        // The traces first: their queue hours are read off the queue levels, which finishing
        // the statistics closes.
        if R::STREAMS_HOURS {
            self.close_hours(end);
        }
        let trace = (R::TRACES && !R::STREAMS_HOURS).then(|| {
            self.stages
                .iter_mut()
                .zip(&self.scenario.stages)
                .filter_map(|(state, stage)| {
                    let (queue, closed) = (&state.stats.queue, &state.closed);
                    Some(state.trace.take()?.finish(
                        &stage.name,
                        end,
                        |t| queue.area_until(t),
                        |t| closed.integral(t),
                    ))
                })
                .collect()
        });
        let stages = self
            .stages
            .iter_mut()
            .zip(&self.scenario.stages)
            .map(|(state, stage)| {
                let servers = state.servers.as_ref().map(|s| s.servers.len() as u32);
                state.stats.finish(stage, end, window, servers)
            })
            .collect();
        // With classes, the port's statistics are the sum of its classes'.
        for stats in &self.class_stats {
            self.dwell.add(&stats.dwell);
            for (port, class) in self.splits.iter_mut().zip(&stats.splits) {
                port.add(class);
            }
            self.milestones.add(&stats.milestones);
        }
        let trucks = self.dwell.count();
        let breakdown = self
            .splits
            .iter()
            .zip(&self.scenario.stages)
            .map(|(split, stage)| split.finish(&stage.name, trucks, stage.breakdowns.is_some()))
            .collect();
        let mut counts = self.counts;
        // Counted from the truck table, independently of the arrival and exit counters.
        counts.in_port_at_end = (self.trucks.len() - self.free_slots.len()) as u64;
        let days = window.hours() / 24.0;
        counts.cleared_per_day = per_day(self.cleared_after_warmup, days);
        let milestones = self.milestones.finish(&self.dwell);
        let dwell = self.dwell.dwell_summary();
        if self.scenario.loses_trucks() {
            counts.lost = Some(self.lost);
            counts.lost_per_day = Some(per_day(self.lost_after_warmup, days));
        }
        // Each port's trucks at the end, counted from the truck table (with ports only).
        let mut inside = vec![0; self.sides.len()];
        if !self.sides.is_empty() {
            let mut free = vec![false; self.trucks.len()];
            for &slot in &self.free_slots {
                free[slot as usize] = true;
            }
            for (truck, free) in self.trucks.iter().zip(free) {
                if let (false, Some(port)) = (free, truck.in_port) {
                    inside[port as usize] += 1;
                }
            }
        }
        let sides = self
            .sides
            .iter_mut()
            .zip(&self.scenario.ports)
            .zip(inside)
            .map(|((side, port), inside)| side.finish(port, days, inside))
            .collect();
        let crossing = (!self.scenario.ports.is_empty()).then(|| self.crossing.dwell_summary());
        let classes = std::mem::take(&mut self.class_stats)
            .into_iter()
            .zip(&self.scenario.classes)
            .map(|(mut stats, class)| {
                let trucks = stats.dwell.count();
                ClassResult {
                    class: class.name.clone(),
                    arrived_after_warmup: stats.arrived_after_warmup,
                    cleared_per_day: per_day(stats.cleared_after_warmup, days),
                    milestones: stats.milestones.finish(&stats.dwell),
                    dwell: stats.dwell.dwell_summary(),
                    breakdown: stats
                        .splits
                        .iter()
                        .zip(&self.scenario.stages)
                        .map(|(split, stage)| {
                            split.finish(&stage.name, trucks, stage.breakdowns.is_some())
                        })
                        .collect(),
                    dwell_histogram: stats.dwell.into_histogram(),
                }
            })
            .collect();
        let (in_port_hourly, in_port_pooled) = self.in_port.finish(end);
        RunResult {
            scenario: self.scenario.name.clone(),
            seed: self.seed,
            warmup_hours: self.scenario.warmup.hours(),
            horizon_hours: window.hours(),
            trucks: counts,
            dwell,
            stages,
            breakdown,
            milestones,
            in_port_pooled,
            in_port_hourly,
            dwell_histogram: self.dwell.into_histogram(),
            daily: self.daily,
            trace,
            stopped: self.stopped,
            events: self.events_handled,
            costs: self.scenario.costs,
            classes,
            sides,
            crossing,
            road_days: std::mem::take(&mut self.road_days)
                .into_iter()
                .zip(&self.scenario.stages)
                .filter(|(_, stage)| stage.holds_back())
                .map(|(days, stage)| RoadDays {
                    stage: stage.name.clone(),
                    days,
                })
                .collect(),
            log: self.recorder.into_log(),
        }
    }
}

/// The route of the least `time` (an expected time to reach or pass its stage); the first of
/// equal ones.
fn quickest(routes: &[super::Route], time: impl Fn(&super::Route) -> f64) -> usize {
    let mut best = (0, f64::INFINITY);
    for (k, route) in routes.iter().enumerate() {
        let time = time(route);
        if time < best.1 {
            best = (k, time);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::{Scenario, Simulation, Slots, TruckLog};
    use std::path::Path;

    /// Runs `scenario` with the code for every feature, and with the code for a plain network.
    fn both_ways(scenario: &Scenario, seed: u64) -> (String, String) {
        let full = Simulation::<TruckLog, true>::new(scenario, seed, None, TruckLog::default())
            .run()
            .expect("no stop token");
        let plain = Simulation::<TruckLog, false>::new(scenario, seed, None, TruckLog::default())
            .run()
            .expect("no stop token");
        (format!("{full:?}"), format!("{plain:?}"))
    }

    /// A plain network's run leaves the features it does not use out of the event loop's code:
    /// with them in, every result and truck record is the same. The network has feedback, a
    /// drive, a customs role and a stage that closes at night (the closed clock).
    #[test]
    fn a_plain_network_runs_the_same_with_the_code_for_every_feature() {
        let text = r#"
            name = "plain"
            seed = 3
            warmup = "1 d"
            horizon = "10 d"
            [arrivals]
            process = "poisson"
            rate = "50 trucks per hour"
            to = "a"
            [stages.a]
            role = "declaration"
            servers = 4
            service = { dist = "exponential", mean = "4 min" }
            routes = [{ to = "b", p = 0.6, travel = "5 min" }, { to = "c", p = 0.4 }]
            [stages.b]
            role = "inspection"
            servers = 3
            service = { dist = "uniform", min = "2 min", max = "6 min" }
            opening = { from = "06:00", to = "22:00", days = ["mon", "tue", "wed", "thu", "fri"] }
            routes = [{ to = "c", p = 0.5 }, { to = "exit", p = 0.5 }]
            [stages.c]
            servers = 2
            service = { dist = "exponential", mean = "2 min" }
            routes = [{ to = "a", p = 0.1 }, { to = "exit", p = 0.9 }]
        "#;
        let scenario = crate::scenario::parse(text, Path::new("plain.toml")).unwrap();
        assert!(scenario.is_plain_network());
        let (full, plain) = both_ways(&scenario, 3);
        assert!(full.contains("trucks: TruckCounts"), "{full}");
        assert_eq!(full, plain);
        // The shipped Alashankou ports are plain networks too; the Horgos ports are not (a
        // daily quota).
        for (name, plain) in [
            ("alashankou-legacy", true),
            ("alashankou-reformed", true),
            ("horgos-legacy", false),
        ] {
            let file = format!("scenarios/{name}.toml");
            let scenario = crate::scenario::load(Path::new(&file)).unwrap();
            assert_eq!(scenario.is_plain_network(), plain, "{name}");
            if plain {
                let (full, plain) = both_ways(&scenario, 1);
                assert_eq!(full, plain, "{name}");
            }
        }
    }

    #[test]
    fn slots_fill_hour_by_hour_and_bookings_ahead_leave_the_hours_before_them_free() {
        let mut slots = Slots::default();
        // Two slots an hour, booked at hour 0: hours 0, 0, 1.
        let booked: Vec<u64> = (0..3).map(|_| slots.book(0, 0, 2)).collect();
        assert_eq!(booked, [0, 0, 1]);
        // Booked ahead from hour 5: hour 5; the hours between stay free.
        assert_eq!(slots.book(0, 5, 2), 5);
        assert_eq!(slots.book(0, 0, 2), 1);
        assert_eq!(slots.book(0, 0, 2), 2);
        assert_eq!(slots.first_free(0, 2), 2);
        // At hour 3 the past is forgotten; hour 5 keeps its booking.
        assert_eq!(slots.book(3, 3, 2), 3);
        assert_eq!(slots.book(3, 5, 2), 5);
        assert_eq!(slots.first_free(5, 2), 6);
        assert_eq!(slots.first_free(3, 2), 3);
        let rest: Vec<u64> = (0..4).map(|_| slots.book(3, 3, 2)).collect();
        assert_eq!(rest, [3, 4, 4, 6]);
        // Nothing booked from hour 9 on: everything forgotten, hour 9 free.
        assert_eq!(slots.book(9, 9, 2), 9);
        assert_eq!(slots.taken.len(), 1);
    }
}
