//! The border port as a validated open queueing network, and one simulation run of it.
//!
//! A [`Scenario`] is built only by [`crate::scenario`], which checks every invariant the engine
//! relies on (routes sum to one, every stage reaches the exit, parameters positive and finite).
//! [`run`] is then a pure function of the scenario and a seed.

mod arrivals;
mod calendar;
mod load;
mod service;
mod sim;
mod stats;

pub(crate) use arrivals::Arrivals;
pub(crate) use calendar::{days_from_civil, Calendar, Maintenance, Opening, Shift, Staffing};
pub use load::StageLoad;
pub(crate) use service::Service;
pub use sim::{run, run_into, run_summary, run_summary_until, run_traced, RecordSink};
pub use stats::{
    BookingSummary, Channel, ClassResult, DayCount, DwellHistogram, DwellSummary, Limit,
    Milestones, RoadDays, RoadSummary, RunResult, SideResult, StageBreakdown, StageSummary,
    StageTrace, Stopped, TruckCounts, TruckLog, TruckMilestones, TruckRecord, Turned, TurnedDay,
    Visit, IN_PORT_HOURS_KEPT,
};

use crate::engine::Span;

/// A scenario that is valid but probably not what its author meant.
#[derive(Debug, Clone, PartialEq)]
pub enum Caution {
    /// Fewer than one truck is expected over the horizon: every statistic would be empty.
    FewArrivals { expected: f64 },
    /// The warm-up, left out of the statistics, is longer than the measured horizon.
    LongWarmup {
        warmup_hours: f64,
        horizon_hours: f64,
    },
    /// No route with a probability above zero leads to this stage from the entry.
    Unreached { stage: String },
    /// More trucks arrive at this stage (by the traffic equations) than its daily or hourly
    /// quota lets through: its queue grows without bound unless trucks turn away.
    QuotaExceeded {
        stage: String,
        /// Trucks arriving a day (or an hour, `hourly`) against the quota.
        arriving: f64,
        quota: u32,
        hourly: bool,
    },
}

/// What a stage's approach road has, for the metrics it reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Road {
    /// Its queue is a road of so many metres a truck (`metres_per_truck`).
    pub measured: bool,
    /// Arriving trucks turn away from a long queue (`balking`).
    pub turns_away: bool,
    /// An electronic queue (`booking`).
    pub books: bool,
}

/// A validated port scenario: what [`run`] simulates.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub(crate) name: String,
    pub(crate) seed: u64,
    pub(crate) warmup: Span,
    pub(crate) horizon: Span,
    /// Replications a run makes unless told otherwise.
    pub(crate) replications: u32,
    /// Day number (days since 1970-01-01) of the first simulated day.
    pub(crate) start_day: i64,
    pub(crate) arrivals: Arrivals,
    pub(crate) entry: usize,
    pub(crate) stages: Vec<Stage>,
    /// Truck classes; empty when the scenario declares none (every truck alike).
    pub(crate) classes: Vec<Class>,
    /// The names of the ports (sides of a border) of `[ports]`, in the order of the file.
    pub(crate) ports: Vec<String>,
    pub(crate) limits: Limits,
    pub(crate) costs: Costs,
    /// The files it was read from, its own first, each with the FNV-1a hash of its bytes.
    pub(crate) inputs: Vec<(std::path::PathBuf, u64)>,
}

/// What a truck's time in the port costs and emits: the `[costs]` of a scenario. Money is in
/// the scenario's currency (US dollars for the defaults).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Costs {
    /// A truck and its driver, an hour in the port.
    pub truck_hour: f64,
    /// Fees a truck pays to cross.
    pub fee: f64,
    /// Diesel a heavy truck burns idling, litres an hour.
    pub idle_litres_per_hour: f64,
    /// The share of waiting (queueing, closed, blocked) with the engine running.
    pub engine_on_share: f64,
    /// CO2 of burning a litre of diesel, kg.
    pub co2_kg_per_litre: f64,
}

impl Default for Costs {
    /// The defaults, each sourced or our estimate (scenarios/SOURCES.md): $20 a truck-hour (our
    /// estimate), $638 of fees (CPMM 2020, China–Kazakhstan), 3 litres an hour idling (Argonne),
    /// the engine on half the waiting time (our estimate), 2.69 kg of CO2 a litre (US EPA).
    fn default() -> Self {
        Costs {
            truck_hour: 20.0,
            fee: 638.0,
            idle_litres_per_hour: 3.0,
            engine_on_share: 0.5,
            co2_kg_per_litre: 2.69,
        }
    }
}

/// Where a run stops early instead of growing without bound: at more trucks in the port, or more
/// events, than these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub trucks_in_port: u64,
    pub events: Option<u64>,
}

impl Limits {
    /// A million trucks in the port: some hundreds of megabytes, far beyond any real port.
    pub const DEFAULT_TRUCKS_IN_PORT: u64 = 1_000_000;
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            trucks_in_port: Self::DEFAULT_TRUCKS_IN_PORT,
            events: None,
        }
    }
}

/// One step of clearance: a pool of servers (desks, lanes, scanners, officers) with one queue.
#[derive(Debug, Clone)]
pub struct Stage {
    pub(crate) name: String,
    pub(crate) calendar: Calendar,
    pub(crate) service: Service,
    /// Waiting spaces in front of the stage; `None` is an unlimited yard.
    pub(crate) yard: Option<u32>,
    /// At most this many services start per calendar day; `None` is no limit.
    pub(crate) daily_quota: Option<u32>,
    /// At most this many services start per (local) clock hour; `None` is no limit.
    pub(crate) hourly_quota: Option<u32>,
    /// What the stage is in the WCO Time Release Study's milestones, if anything.
    pub(crate) role: Option<Role>,
    pub(crate) routes: Vec<Route>,
    /// Unplanned failures of its servers; `None` is servers that never fail.
    pub(crate) breakdowns: Option<Breakdowns>,
    /// Which waiting truck a free server takes.
    pub(crate) discipline: Discipline,
    /// Servers only some classes may use.
    pub(crate) reserved: Option<Reserved>,
    /// Per class, what differs here from the stage's own law and routes; empty when nothing
    /// does.
    pub(crate) by_class: Vec<ClassStage>,
    /// How a truck chooses among the routes.
    pub(crate) choice: RouteChoice,
    /// Its queue is a road: the length of road a waiting truck takes, in metres.
    pub(crate) metres_per_truck: Option<f64>,
    /// Arriving trucks that turn away from a long queue.
    pub(crate) balking: Option<Balking>,
    /// Its electronic queue: trucks book a slot and come at their time.
    pub(crate) booking: Option<Booking>,
    /// The port (side of a border) it belongs to, by its place in [`Scenario::ports`].
    pub(crate) port: Option<usize>,
}

/// Arriving trucks that turn away when a stage's queue is long: a share of them drive to
/// another stage (another crossing) or give up.
#[derive(Debug, Clone)]
pub(crate) struct Balking {
    pub(crate) when: BalkWhen,
    /// The share of the trucks arriving while the queue is long that turn away.
    pub(crate) share: f64,
    /// Where they drive, and the drive; `None`: they give up (lost to the port).
    pub(crate) to: Option<(usize, Travel)>,
}

/// When a queue is long enough for arriving trucks to turn away.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum BalkWhen {
    /// At least this many trucks waiting (not in service).
    Queue(u32),
    /// An expected wait of at least this: the trucks ahead beyond the servers on duty at the
    /// servers' mean rate, as a driver reads a sign.
    Wait(Span),
}

/// An electronic queue in front of a stage: a truck reaching the stage books the first hour
/// from now with a free slot, waits away from the road, and comes within `early` before to
/// `late` after the slot's start (uniformly), or never (a no-show, lost; the slot is wasted).
#[derive(Debug, Clone)]
pub(crate) struct Booking {
    /// Slots an hour of each pool: the slots in turn, then the paid out-of-turn slots.
    pub(crate) slots_per_hour: [u32; 2],
    pub(crate) early: Span,
    pub(crate) late: Span,
    pub(crate) no_show: f64,
    /// Per class (one entry without classes): the pool it books from, `None` if it books no
    /// slot and joins the queue on arrival.
    pub(crate) pools: Vec<Option<usize>>,
}

/// How a truck leaving a stage chooses its route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RouteChoice {
    /// At random, by the routes' probabilities.
    Shares,
    /// The route of the shortest expected time: the drive, the wait for the trucks ahead at the
    /// next stage and its service (crossings, lanes or warehouses a driver can see).
    ShortestTime,
    /// The route that reaches its stage's first free booking slot soonest (the drive, then the
    /// slot); a stage without booking counts the drive alone.
    FirstSlot,
}

impl RouteChoice {
    pub(crate) const NAMES: [(&'static str, RouteChoice); 3] = [
        ("shares", RouteChoice::Shares),
        ("shortest-time", RouteChoice::ShortestTime),
        ("first-slot", RouteChoice::FirstSlot),
    ];
}

/// A kind of truck (perishables, empties, car carriers, trusted traders): its share of the
/// arrivals or its own, its priority, and what it does differently at some stages.
#[derive(Debug, Clone)]
pub(crate) struct Class {
    pub(crate) name: String,
    /// Its share of the scenario's `[arrivals]`; 0 for a class that arrives on its own.
    pub(crate) share: f64,
    /// Its own arrival process and first stage.
    pub(crate) arrivals: Option<(Arrivals, usize)>,
    /// At a stage with priority discipline, a truck of a higher priority is served first.
    pub(crate) priority: i64,
}

/// What a class does differently at one stage.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClassStage {
    pub(crate) service: Option<service::Service>,
    pub(crate) routes: Option<Vec<Route>>,
}

/// Which waiting truck a free server takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Discipline {
    /// The first to arrive at the stage.
    Fifo,
    /// The first of the highest priority; a service under way is never interrupted.
    Priority,
}

impl Discipline {
    pub(crate) const NAMES: [(&'static str, Discipline); 2] = [
        ("fifo", Discipline::Fifo),
        ("priority", Discipline::Priority),
    ];
}

/// Servers of a stage reserved for some classes: the first `servers` of those on duty.
#[derive(Debug, Clone)]
pub(crate) struct Reserved {
    pub(crate) servers: u32,
    /// Per class, whether it may use them.
    pub(crate) classes: Vec<bool>,
}

impl Stage {
    /// The service law of a truck of `class` here.
    #[inline]
    pub(crate) fn service_of(&self, class: usize) -> &service::Service {
        self.by_class
            .get(class)
            .and_then(|own| own.service.as_ref())
            .unwrap_or(&self.service)
    }

    /// The routes of a truck of `class` from here.
    #[inline]
    pub(crate) fn routes_of(&self, class: usize) -> &[Route] {
        self.by_class
            .get(class)
            .and_then(|own| own.routes.as_deref())
            .unwrap_or(&self.routes)
    }

    /// Whether a free server takes the first truck in the queue, as at a stage without classes.
    pub(crate) fn first_come_first_served(&self) -> bool {
        self.discipline == Discipline::Fifo && self.reserved.is_none()
    }

    /// Whether trucks reaching it may not join its queue at once: they book a slot or turn
    /// away (and may be lost to the port).
    pub(crate) fn holds_back(&self) -> bool {
        self.booking.is_some() || self.balking.is_some()
    }
}

/// Unplanned failures of a stage's servers (lanes, scanners): each server fails after a time
/// drawn from `between` and is repaired after a time drawn from `repair`. A truck on a server
/// that fails stays there and resumes its service when the server is repaired (preemptive
/// resume).
#[derive(Debug, Clone)]
pub(crate) struct Breakdowns {
    pub(crate) between: service::Service,
    pub(crate) repair: service::Service,
    pub(crate) clock: FailureClock,
}

/// What the time between failures counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FailureClock {
    /// Only the time a server serves: a server fails from wear, never while idle.
    Operating,
    /// All time, busy, idle or off duty: a server fails from outside causes.
    Calendar,
}

impl FailureClock {
    pub(crate) const NAMES: [(&'static str, FailureClock); 2] = [
        ("operating", FailureClock::Operating),
        ("calendar", FailureClock::Calendar),
    ];
}

impl Breakdowns {
    /// The factor by which repairs stretch the capacity a stage needs, 1 + mean repair / mean
    /// time between failures: exact for the completion time of a service on the operating
    /// clock, and the inverse of a server's availability on the calendar clock.
    pub(crate) fn load_factor(&self) -> f64 {
        1.0 + self.repair.mean() / self.between.mean()
    }
}

/// Where a truck goes after a stage, with what probability, and how long it drives there.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    pub(crate) to: Destination,
    pub(crate) probability: f64,
    pub(crate) travel: Travel,
}

/// The drive along a route: a fixed time, or one drawn from a law for each truck (from the
/// leaving stage's own travel stream, so that fixed travel times draw nothing).
#[derive(Debug, Clone)]
pub(crate) enum Travel {
    Fixed(Span),
    Random(service::Service),
}

impl Travel {
    /// The drive of one truck: the fixed time, or a draw from `rng`.
    #[inline]
    pub(crate) fn draw(&self, rng: &mut crate::engine::Rng) -> Span {
        match self {
            Travel::Fixed(travel) => *travel,
            Travel::Random(law) => law.sample(rng),
        }
    }

    /// Its mean, in milliseconds.
    pub(crate) fn mean(&self) -> f64 {
        match self {
            Travel::Fixed(travel) => travel.millis() as f64,
            Travel::Random(law) => law.mean(),
        }
    }
}

/// A stage's part in clearance, for the milestones of a truck (WCO Time Release Study).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Finishing it accepts the declaration.
    Declaration,
    /// A document check: a truck that passes one is in the yellow channel at least.
    DocumentCheck,
    /// A physical inspection (X-ray scan or manual): the red channel.
    Inspection,
}

impl Role {
    pub(crate) const NAMES: [(&'static str, Role); 3] = [
        ("declaration", Role::Declaration),
        ("document-check", Role::DocumentCheck),
        ("inspection", Role::Inspection),
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Destination {
    Stage(usize),
    Exit,
}

impl Scenario {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A plain network: one kind of truck through first-come, first-served stages that
    /// route by shares, with no yards, quotas, breakdowns, reserved servers, electronic queues,
    /// turning away or ports (stages may have calendars, roles and drives). Its runs leave
    /// those features' steps out of the event loop's code; they would do nothing here.
    pub(crate) fn is_plain_network(&self) -> bool {
        self.classes.is_empty()
            && self.ports.is_empty()
            && self.stages.iter().all(|stage| {
                stage.first_come_first_served()
                    && stage.choice == RouteChoice::Shares
                    && stage.yard.is_none()
                    && stage.daily_quota.is_none()
                    && stage.hourly_quota.is_none()
                    && stage.breakdowns.is_none()
                    && !stage.holds_back()
                    && stage.port.is_none()
                    && stage.by_class.is_empty()
            })
    }

    /// The seed named in the scenario file (the CLI's `--seed` overrides it per run).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn warmup(&self) -> Span {
        self.warmup
    }

    pub fn horizon(&self) -> Span {
        self.horizon
    }

    /// The number of replications named in the scenario file (1 when it names none).
    pub fn replications(&self) -> u32 {
        self.replications
    }

    /// The truck classes' names, in the order of the file; none when it declares none.
    pub fn class_names(&self) -> impl Iterator<Item = &str> {
        self.classes.iter().map(|class| class.name.as_str())
    }

    pub fn stage_names(&self) -> impl Iterator<Item = &str> {
        self.stages.iter().map(|stage| stage.name.as_str())
    }

    /// The ports (sides of a border) of `[ports]`, in the order of the file.
    pub fn port_names(&self) -> impl Iterator<Item = &str> {
        self.ports.iter().map(String::as_str)
    }

    /// Whether trucks may leave without crossing: some stage turns trucks away or books slots
    /// (which may go unused).
    pub fn loses_trucks(&self) -> bool {
        self.stages.iter().any(Stage::holds_back)
    }

    /// Per stage, in stage order: what its approach road has.
    pub fn roads(&self) -> impl Iterator<Item = Road> + '_ {
        self.stages.iter().map(|stage| Road {
            measured: stage.metres_per_truck.is_some(),
            turns_away: stage.balking.is_some(),
            books: stage.booking.is_some(),
        })
    }

    /// Whether each stage's servers can fail (it has `breakdowns`), in stage order.
    pub fn failing(&self) -> impl Iterator<Item = bool> + '_ {
        self.stages.iter().map(|stage| stage.breakdowns.is_some())
    }

    /// What is valid but probably not what the planner meant: see [`Caution`].
    pub fn cautions(&self) -> Vec<Caution> {
        let mut cautions = Vec::new();
        let own: f64 = self
            .classes
            .iter()
            .filter_map(|class| class.arrivals.as_ref())
            .map(|(arrivals, _)| arrivals.mean_rate())
            .sum();
        let expected = (self.arrivals.mean_rate() + own) * self.horizon.millis() as f64;
        if expected < 1.0 {
            cautions.push(Caution::FewArrivals { expected });
        }
        if self.warmup > self.horizon {
            cautions.push(Caution::LongWarmup {
                warmup_hours: self.warmup.hours(),
                horizon_hours: self.horizon.hours(),
            });
        }
        // Reached by the trucks of some class (or by every truck, without classes).
        let mut reached = vec![false; self.stages.len()];
        let flows: Vec<(usize, usize)> = if self.classes.is_empty() {
            vec![(self.entry, 0)]
        } else {
            self.classes
                .iter()
                .enumerate()
                .map(|(k, class)| {
                    (
                        class
                            .arrivals
                            .as_ref()
                            .map_or(self.entry, |(_, entry)| *entry),
                        k,
                    )
                })
                .collect()
        };
        for (entry, class) in flows {
            let mut seen = vec![false; self.stages.len()];
            let mut frontier = vec![entry];
            seen[entry] = true;
            while let Some(stage) = frontier.pop() {
                let routes = self.stages[stage]
                    .routes_of(class)
                    .iter()
                    .filter(|route| route.probability > 0.0)
                    .filter_map(|route| match route.to {
                        Destination::Stage(next) => Some(next),
                        Destination::Exit => None,
                    });
                // Trucks turned away from a long queue reach the stage they drive to.
                let diverted = self.stages[stage]
                    .balking
                    .as_ref()
                    .and_then(|balking| balking.to.as_ref().map(|(to, _)| *to));
                for next in routes.chain(diverted) {
                    if !seen[next] {
                        seen[next] = true;
                        frontier.push(next);
                    }
                }
            }
            for (reached, seen) in reached.iter_mut().zip(seen) {
                *reached |= seen;
            }
        }
        for (stage, reached) in self.stages.iter().zip(reached) {
            if !reached {
                cautions.push(Caution::Unreached {
                    stage: stage.name.clone(),
                });
            }
        }
        // A quota below the trucks arriving (an intake agreement tighter than the demand).
        if self
            .stages
            .iter()
            .any(|stage| stage.daily_quota.is_some() || stage.hourly_quota.is_some())
        {
            for (stage, load) in self.stages.iter().zip(self.offered_loads()) {
                let quotas = [
                    (stage.daily_quota, 24.0, false),
                    (stage.hourly_quota, 1.0, true),
                ];
                for (quota, hours, hourly) in quotas {
                    let arriving = load.arrival_rate_per_hour * hours;
                    if let Some(quota) = quota.filter(|&quota| arriving >= f64::from(quota)) {
                        cautions.push(Caution::QuotaExceeded {
                            stage: stage.name.clone(),
                            arriving,
                            quota,
                            hourly,
                        });
                    }
                }
            }
        }
        cautions
    }

    /// The FNV-1a hash of the arrival trace's times, when arrivals come from a trace: what
    /// identifies the trace file's content in a sweep's fingerprint.
    pub fn trace_digest(&self) -> Option<u64> {
        fn times_of(arrivals: &Arrivals) -> &[crate::engine::Instant] {
            match arrivals {
                Arrivals::Trace { times } => times,
                _ => &[],
            }
        }
        let bytes = |times: &[crate::engine::Instant]| {
            times
                .iter()
                .flat_map(|time| time.millis().to_le_bytes())
                .collect::<Vec<u8>>()
        };
        let main = times_of(&self.arrivals);
        let own: Vec<&[crate::engine::Instant]> = self
            .classes
            .iter()
            .filter_map(|class| class.arrivals.as_ref())
            .map(|(arrivals, _)| times_of(arrivals))
            .collect();
        if own.iter().all(|times| times.is_empty()) {
            // The scenario's trace alone, as before classes existed.
            return matches!(self.arrivals, Arrivals::Trace { .. })
                .then(|| crate::engine::fnv1a(bytes(main)));
        }
        // Each trace, the scenario's then the classes', after its length (so that the same
        // times split otherwise differ).
        Some(crate::engine::fnv1a(
            std::iter::once(main).chain(own).flat_map(|times| {
                let mut trace = (times.len() as u64).to_le_bytes().to_vec();
                trace.extend(bytes(times));
                trace
            }),
        ))
    }

    /// Offered load of every stage, from the traffic equations of the routing network.
    pub fn offered_loads(&self) -> Vec<StageLoad> {
        load::offered_loads(self)
    }

    /// The files the scenario was read from (its own first, then each file it extends), each
    /// with the 64-bit FNV-1a hash of its bytes, for the record of a result.
    pub fn inputs(&self) -> &[(std::path::PathBuf, u64)] {
        &self.inputs
    }

    /// The highest offered load of any stage (0 without stages): at or above 1, some queue grows
    /// without bound; infinite when a stage with traffic never has a server on duty.
    pub fn max_offered_load(&self) -> f64 {
        self.offered_loads()
            .iter()
            .map(|load| load.offered_load)
            .fold(0.0, f64::max)
    }
}
