//! Property tests (proptest) over random valid ports: no panic, time never goes back, every truck
//! that arrived has exited or is still in the port, each truck's stage times and milestones come
//! in order, no service starts outside opening hours (servers may fail), where the time goes adds up to the dwell
//! and shows no closed time at a stage that never closes, and the same seed gives the same
//! trucks. proptest shrinks a failing port to a small one before reporting it.

use proptest::prelude::*;

/// One stage of a random port.
#[derive(Debug, Clone)]
struct StageSpec {
    /// `None`: fixed servers; `Some((day, night))`: two shifts, either of which may be empty.
    shifts: Option<(u32, u32)>,
    servers: u32,
    service: usize,
    yard: Option<u32>,
    opening: bool,
    quota: Option<u32>,
    role: Option<usize>,
    /// Share of trucks that skip the next stage, and that go back to an earlier one.
    skip: f64,
    back: f64,
    back_to: usize,
    travel_minutes: u32,
    /// The calendar as planners write it: a lunch break (two opening windows), a weekly
    /// maintenance window withdrawing a server, a travel time drawn from a law.
    lunch: bool,
    maintenance: bool,
    random_travel: bool,
    /// Servers that fail: `Some(true)` on the calendar clock, `Some(false)` on the operating one.
    failures: Option<bool>,
    /// With classes: priority discipline, and a server reserved for class `b`.
    priority: bool,
    reserve: bool,
    /// The approach road: `Some(0)` trucks turn away to the next stage above a queue, `Some(1)`
    /// they give up above an expected wait, `Some(2)` an electronic queue with no-shows and a
    /// spread. Such a stage has no yard.
    road: Option<u8>,
    /// At most this many services an hour.
    hourly: Option<u32>,
}

#[derive(Debug, Clone)]
struct PortSpec {
    /// Stages from this one on are a second port (side of a border) on another clock.
    sides: Option<usize>,
    /// Two classes, `a` and `b` (this share, priority 1, its own service law at the first stage
    /// and half of it leaving from there).
    classes: Option<f64>,
    rate: f64,
    warmup_hours: u32,
    horizon_days: u32,
    stages: Vec<StageSpec>,
}

fn stage_spec() -> impl Strategy<Value = StageSpec> {
    (
        prop::option::weighted(0.3, (0u32..4, 0u32..4)),
        1u32..4,
        0usize..6,
        prop::option::weighted(0.4, 0u32..4),
        any::<bool>(),
        prop::option::weighted(0.15, 1u32..200),
        prop::option::weighted(0.5, 0usize..3),
        0.0..0.3f64,
        0.0..0.1f64,
        any::<usize>(),
        0u32..30,
        (
            any::<bool>(),
            prop::bool::weighted(0.3),
            prop::bool::weighted(0.3),
            prop::option::weighted(0.3, any::<bool>()),
            any::<bool>(),
            any::<bool>(),
            prop::option::weighted(0.3, 0u8..3),
            prop::option::weighted(0.15, 1u32..6),
        ),
    )
        .prop_map(
            |(
                shifts,
                servers,
                service,
                yard,
                opening,
                quota,
                role,
                skip,
                back,
                back_to,
                travel,
                (lunch, maintenance, random_travel, failures, priority, reserve, road, hourly),
            )| {
                StageSpec {
                    shifts,
                    servers,
                    service,
                    yard,
                    opening,
                    quota,
                    role,
                    skip,
                    back,
                    back_to,
                    travel_minutes: travel,
                    lunch,
                    maintenance,
                    random_travel,
                    failures,
                    priority,
                    reserve,
                    road,
                    hourly,
                }
            },
        )
}

fn port_spec() -> impl Strategy<Value = PortSpec> {
    (
        prop::option::weighted(0.4, 0.05..0.95f64),
        0.5..20.0f64,
        0u32..48,
        1u32..4,
        prop::collection::vec(stage_spec(), 1..=5),
        prop::option::weighted(0.3, 0usize..5),
    )
        .prop_map(
            |(classes, rate, warmup_hours, horizon_days, stages, sides)| PortSpec {
                sides: sides.map(|first| first % stages.len()),
                classes,
                rate,
                warmup_hours,
                horizon_days,
                stages,
            },
        )
}

const SERVICES: [&str; 6] = [
    r#"{ dist = "exponential", mean = "12 min" }"#,
    r#"{ dist = "constant", value = "5 min" }"#,
    r#"{ dist = "triangular", min = "1 min", mode = "5 min", max = "30 min" }"#,
    r#"{ dist = "lognormal", mean = "20 min", sd = "15 min" }"#,
    r#"{ dist = "erlang", k = 2, mean = "10 min" }"#,
    r#"{ dist = "empirical", values = [1, 4, 9, 30], unit = "min" }"#,
];
const ROLES: [&str; 3] = ["declaration", "document-check", "inspection"];

/// The scenario file of a port: stages in a chain, each sending trucks on, past the next stage
/// or back to an earlier one.
fn scenario_text(port: &PortSpec) -> String {
    let mut text = format!(
        "name = \"property\"\nseed = 1\nwarmup = \"{} h\"\nhorizon = \"{} d\"\n[arrivals]\n\
         process = \"poisson\"\nrate = \"{:.3} trucks per hour\"\nto = \"s0\"\n",
        port.warmup_hours, port.horizon_days, port.rate
    );
    let n = port.stages.len();
    if let Some(share) = port.classes {
        text.push_str(&format!(
            "[classes.a]\n[classes.b]\nshare = {share:.4}\npriority = 1\n\
             [classes.b.stages.s0]\nservice = {{ dist = \"constant\", value = \"3 min\" }}\n\
             routes = [{{ to = \"{}\", p = 0.5 }}, {{ to = \"exit\" }}]\n",
            if n > 1 { "s1" } else { "exit" }
        ));
    }
    let name = |i: usize| {
        if i < n {
            format!("s{i}")
        } else {
            "exit".to_string()
        }
    };
    if let Some(first) = port.sides {
        let list = |range: std::ops::Range<usize>| {
            range
                .map(|i| format!("\"s{i}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        text.push_str(&format!(
            "[ports.home]\ntime_zone = \"+00:00\"\nstages = [{}]\n\
             [ports.far]\ntime_zone = \"+05:00\"\nstages = [{}]\n",
            list(0..first),
            list(first..n)
        ));
    }
    for (i, stage) in port.stages.iter().enumerate() {
        text.push_str(&format!("[stages.s{i}]\n"));
        match stage.shifts {
            Some((day, night)) => text.push_str(&format!(
                "shifts = [{{ from = \"06:00\", to = \"18:00\", servers = {day} }}, \
                 {{ from = \"18:00\", to = \"06:00\", servers = {} }}]\n",
                if day == 0 { night.max(1) } else { night }
            )),
            None => text.push_str(&format!("servers = {}\n", stage.servers)),
        }
        text.push_str(&format!("service = {}\n", SERVICES[stage.service]));
        match stage.road {
            None => {
                if let Some(yard) = stage.yard {
                    text.push_str(&format!("yard = {yard}\n"));
                }
            }
            Some(kind) => {
                text.push_str("metres_per_truck = 33\n");
                match kind {
                    0 if i + 1 < n => text.push_str(&format!(
                        "balking = {{ above = {}, share = 0.5, to = \"s{}\", travel = \"{} min\" }}\n",
                        stage.servers,
                        i + 1,
                        stage.travel_minutes
                    )),
                    0 | 1 => text.push_str(&format!(
                        "balking = {{ above_wait = \"{} min\" }}\n",
                        stage.travel_minutes * 3
                    )),
                    _ => text.push_str(&format!(
                        "booking = {{ slots_per_hour = {}, early = \"{} min\", late = \"1 h\", no_show = 0.1 }}\n",
                        stage.servers * 2,
                        stage.travel_minutes
                    )),
                }
            }
        }
        if stage.opening && stage.lunch {
            text.push_str(
                "opening = [{ from = \"08:00\", to = \"12:00\" }, { from = \"13:00\", to = \"20:00\" }]\n",
            );
        } else if stage.opening {
            text.push_str("opening = { from = \"08:00\", to = \"20:00\" }\n");
        }
        if stage.maintenance {
            text.push_str(
                "maintenance = [{ from = \"02:00\", to = \"05:00\", days = \"tue-thu\", servers = 1 }]\n",
            );
        }
        if let Some(calendar) = stage.failures {
            text.push_str(&format!(
                "breakdowns = {{ between = {{ dist = \"exponential\", mean = \"3 h\" }}, \
                 repair = {{ dist = \"uniform\", min = \"5 min\", max = \"40 min\" }}, \
                 clock = \"{}\" }}\n",
                if calendar { "calendar" } else { "operating" }
            ));
        }
        if port.classes.is_some() && stage.priority {
            text.push_str("discipline = \"priority\"\n");
        }
        // A reserved server needs another one for the others, and no breakdowns.
        if port.classes.is_some()
            && stage.reserve
            && stage.shifts.is_none()
            && stage.servers >= 2
            && stage.failures.is_none()
        {
            text.push_str("reserved = { servers = 1, classes = [\"b\"] }\n");
        }
        if let Some(quota) = stage.quota {
            text.push_str(&format!("daily_quota = {quota}\n"));
        }
        if let Some(quota) = stage.hourly {
            text.push_str(&format!("hourly_quota = {quota}\n"));
        }
        if let Some(role) = stage.role {
            text.push_str(&format!("role = \"{}\"\n", ROLES[role]));
        }
        let travel = if stage.random_travel {
            format!(
                "{{ dist = \"uniform\", min = \"1 min\", max = \"{} min\" }}",
                stage.travel_minutes + 2
            )
        } else {
            format!("\"{} min\"", stage.travel_minutes)
        };
        let back = format!("s{}", stage.back_to % (i + 1));
        text.push_str(&format!(
            "routes = [{{ to = \"{}\", travel = {travel} }}, {{ to = \"{}\", p = {:.4} }}, \
             {{ to = \"{back}\", p = {:.4} }}]\n",
            name(i + 1),
            name(i + 2),
            stage.skip,
            stage.back
        ));
    }
    text
}

/// Hours in a trucks.csv field; `None` when empty.
fn hours(field: &str) -> Option<f64> {
    (!field.is_empty()).then(|| field.parse().unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_ports_keep_time_and_trucks_in_order(port in port_spec(), seed in any::<u64>()) {
        let text = scenario_text(&port);
        let scenario = landport::scenario::parse(&text, std::path::Path::new("property.toml"))
            .map_err(|error| TestCaseError::fail(format!("invalid port:\n{error}\n{text}")))?;
        // The event list asserts (in test builds) that nothing is scheduled before the current time.
        let result = landport::run(&scenario, seed);
        let trucks = &result.trucks;
        // Every truck that arrived left, crossed or lost, or is still there.
        prop_assert_eq!(
            trucks.arrived,
            trucks.exited + trucks.lost.unwrap_or(0) + trucks.in_port_at_end
        );
        // Counted wherever a stage may turn trucks away or book slots (every road kind does).
        prop_assert_eq!(trucks.lost.is_some(), port.stages.iter().any(|stage| stage.road.is_some()));
        // A road's length is its queue's, at 33 m a truck; each port's crossings are trucks
        // that left it, and none took longer than the longest stay.
        for summary in &result.stages {
            if let Some(road) = summary.road {
                prop_assert!((road.mean_km - summary.mean_queue * 0.033).abs() < 1e-9);
                prop_assert!((road.max_km - f64::from(summary.max_queue) * 0.033).abs() < 1e-9);
            }
        }
        prop_assert_eq!(result.sides.len(), if port.sides.is_some() { 2 } else { 0 });
        for side in &result.sides {
            prop_assert!(side.cross.max_hours <= result.warmup_hours + result.horizon_hours + 1e-9);
            // The trucks that crossed since warm-up are among those that left it.
            let crossed = side.crossed_per_day * result.horizon_hours / 24.0;
            if result.stopped.is_none() {
                prop_assert!(crossed <= side.left as f64 + 1e-6, "{} crossed, {:?}", crossed, side);
            }
            // Each port conserves its trucks too: in, out, lost inside it, or still there.
            prop_assert_eq!(side.entered, side.left + side.lost + side.in_port_at_end, "{:?}", side);
        }
        // The whole border, with ports; within the run.
        prop_assert_eq!(result.crossing.is_some(), port.sides.is_some());
        if let Some(crossing) = &result.crossing {
            prop_assert!(crossing.max_hours <= result.warmup_hours + result.horizon_hours + 1e-9);
        }
        let end = result.warmup_hours + result.horizon_hours;

        // Each truck's visits in order, and no service started outside opening hours.
        let log = result.log.as_ref().unwrap();
        for truck in &log.trucks {
            let mut previous = truck.arrival;
            for visit in log.visits(truck) {
                // A booked slot is waited for after reaching the stage, before its queue.
                prop_assert!(
                    previous <= visit.queued - visit.booked
                        && visit.queued <= visit.started
                        && visit.started <= visit.finished
                        && visit.finished <= visit.departed,
                    "truck {}: {:?} after {:?}", truck.id, visit, previous
                );
                // Time on a failed server is within the service, and only where servers fail.
                prop_assert!(visit.down <= visit.finished - visit.started, "{:?}", visit);
                prop_assert!(
                    port.stages[visit.stage].failures.is_some() || visit.down == landport::engine::Span::ZERO
                );
                previous = visit.departed;
                let stage = &port.stages[visit.stage];
                if stage.opening {
                    // A stage of the far port keeps its hours 5 h ahead of the scenario's clock.
                    let ahead = if port.sides.is_some_and(|first| visit.stage >= first) { 5.0 } else { 0.0 };
                    let hour = (visit.started.time_of_day().hours() + ahead) % 24.0;
                    prop_assert!((8.0..20.0).contains(&hour), "{:?}", visit);
                    prop_assert!(!(stage.lunch && (12.0..13.0).contains(&hour)), "{:?}", visit);
                }
            }
            prop_assert!(previous <= truck.exit);
        }
        // Where the time goes adds up to the mean dwell; a stage that never closes (no opening
        // hours, no shift without servers, no daily quota) has no closed time.
        let parts: f64 = result.breakdown.iter().map(|part| part.total_hours()).sum();
        let dwell = result.dwell.mean_hours;
        prop_assert!((parts - dwell).abs() <= 1e-9 * dwell.max(1.0), "{} vs {}", parts, dwell);
        for ((part, summary), stage) in result.breakdown.iter().zip(&result.stages).zip(&port.stages) {
            prop_assert_eq!(part.down_hours.is_some(), stage.failures.is_some());
            if let Some(availability) = summary.availability {
                prop_assert!((0.0..=1.0).contains(&availability), "{:?}", summary);
            }
            let empty_shift = stage.shifts.is_some_and(|(day, night)| day == 0 || night == 0);
            // A maintenance window withdrawing a stage's only server closes it too.
            if !(stage.opening
                || empty_shift
                || stage.quota.is_some()
                || stage.hourly.is_some()
                || stage.maintenance)
            {
                prop_assert_eq!(part.closed_hours, 0.0, "{:?}", part);
            }
        }
        // The classes' trucks are the port's trucks.
        if port.classes.is_some() {
            let trucks: u64 = result.classes.iter().map(|class| class.dwell.trucks).sum();
            prop_assert_eq!(trucks, result.dwell.trucks);
            for class in &result.classes {
                let parts: f64 = class.breakdown.iter().map(|part| part.total_hours()).sum();
                let dwell = class.dwell.mean_hours;
                prop_assert!((parts - dwell).abs() <= 1e-9 * dwell.max(1.0), "{} vs {}", parts, dwell);
            }
        }
        let again = landport::run(&scenario, seed);
        prop_assert!(again.log.unwrap().trucks == log.trucks, "same seed, other trucks");

        // trucks.csv, read by column name: the same order in the written hours.
        let mut csv = Vec::new();
        landport::output::csv::write_trucks(&mut csv, &scenario, &result).unwrap();
        let mut reader = csv::Reader::from_reader(csv.as_slice());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        let column = |name: &str| header.iter().position(|h| h == name).unwrap();
        let (arrival, declared, released, exit) = (
            column("arrival_h"),
            column("declaration_accepted_h"),
            column("released_h"),
            column("exit_h"),
        );
        let stage_columns: Vec<Vec<usize>> = scenario
            .stage_names()
            .map(|stage| {
                ["queued_h", "started_h", "finished_h", "departed_h"]
                    .iter()
                    .map(|time| column(&format!("{stage}.{time}")))
                    .collect()
            })
            .collect();
        let mut rows = 0;
        for record in reader.records() {
            let record = record.unwrap();
            rows += 1;
            let arrival = hours(&record[arrival]).unwrap();
            let exit = hours(&record[exit]).unwrap();
            prop_assert!(arrival <= exit && exit <= end + 1e-6, "{record:?}");
            // Each stage's times in order: queued, started, finished, departed.
            for columns in &stage_columns {
                let times: Vec<Option<f64>> = columns.iter().map(|&k| hours(&record[k])).collect();
                if let [Some(q), Some(s), Some(f), Some(d)] = times[..] {
                    prop_assert!(arrival <= q && q <= s && s <= f && f <= d && d <= exit, "{record:?}");
                }
            }
            // Milestones: declaration accepted, then released, then exit.
            let declared = hours(&record[declared]);
            let released = hours(&record[released]);
            if let Some(declared) = declared {
                prop_assert!(arrival <= declared && declared <= exit, "{record:?}");
            }
            if let (Some(declared), Some(released)) = (declared, released) {
                prop_assert!(declared <= released, "{record:?}");
            }
            if let Some(released) = released {
                prop_assert!(released <= exit, "{record:?}");
            }
        }
        prop_assert_eq!(rows as u64, result.dwell.trucks);
    }
}
