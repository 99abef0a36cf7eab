//! Both sides of a border: the approach road whose trucks turn away (the M/M/1/K queue when they
//! give up), diversion to another crossing, the electronic queue with slots, no-shows and paid
//! slots, route choice by the first free slot, and each side's time to cross, on closed forms
//! and exact timelines.

use landport::RunResult;

use crate::behaviour::{traced, trucks_in_order, visits_to, whole_minutes};
use crate::queueing::{check, REPLICATIONS};
use crate::{replicate, scenario};

/// One server at exponential 6 min (10 an hour), trucks at 12 an hour: an arriving truck that
/// finds `waiting` trucks waiting gives up.
fn road(waiting: u32) -> String {
    format!(
        r#"
name = "road"
seed = 1
warmup = "20 d"
horizon = "2000 d"
[arrivals]
process = "poisson"
rate = "12 trucks per hour"
to = "gate"
[stages.gate]
servers = 1
service = {{ dist = "exponential", mean = "6 min" }}
metres_per_truck = 33
balking = {{ above = {waiting} }}
routes = [{{ to = "exit" }}]
"#
    )
}

/// The M/M/1/K queue (at most K trucks, one in service): the share of arrivals turned away and
/// the mean number in the system.
fn mm1k(rho: f64, k: i32) -> (f64, f64) {
    let norm: f64 = (0..=k).map(|n| rho.powi(n)).sum();
    let blocked = rho.powi(k) / norm;
    let in_system = (0..=k).map(|n| f64::from(n) * rho.powi(n)).sum::<f64>() / norm;
    (blocked, in_system)
}

#[test]
fn trucks_that_give_up_above_a_queue_make_the_m_m_1_k_queue() {
    // Waiting room 4: K = 5 with the truck in service. Overloaded (ρ = 1.2), yet stable.
    let (lambda, rho) = (12.0, 1.2);
    let (blocked, in_system) = mm1k(rho, 5);
    let runs = replicate(&scenario(&road(4)), REPLICATIONS);
    let lost: Vec<f64> = runs
        .iter()
        .map(|run| run.trucks.lost_per_day.unwrap() / (24.0 * lambda))
        .collect();
    check("M/M/1/5: share turned away", &lost, blocked, 0.02);
    // Little's law over the trucks let in: the mean time in the system.
    let dwell: Vec<f64> = runs.iter().map(|run| run.dwell.mean_hours).collect();
    check(
        "M/M/1/5: mean time in system",
        &dwell,
        in_system / (lambda * (1.0 - blocked)),
        0.02,
    );
    for run in &runs {
        let stage = &run.stages[0];
        let turned = stage.turned.unwrap();
        assert_eq!(turned.diverted_per_day, 0.0);
        assert_eq!(Some(turned.gave_up_per_day), run.trucks.lost_per_day);
        // Never more than 4 waiting, 132 m of road.
        assert_eq!(stage.max_queue, 4);
        let road = stage.road.unwrap();
        assert!((road.max_km - 0.132).abs() < 1e-12, "{road:?}");
        assert!((road.mean_km - stage.mean_queue * 0.033).abs() < 1e-12);
        // Every truck is gone, crossed or lost, or still there.
        let trucks = &run.trucks;
        assert_eq!(
            trucks.arrived,
            trucks.exited + trucks.lost.unwrap() + trucks.in_port_at_end
        );
    }
}

/// Two crossings of one server at constant 30 min; the first turns away the trucks that find
/// `above` waiting, to the second, a drive of 10 min.
const DIVERSION: &str = r#"
[stages.first]
servers = 1
service = { dist = "constant", value = "30 min" }
balking = { above = 1, to = "second", travel = "10 min" }
routes = [{ to = "exit" }]
[stages.second]
servers = 1
service = { dist = "constant", value = "30 min" }
balking = { above = 0, to = "first", travel = "10 min" }
routes = [{ to = "exit" }]
"#;

#[test]
fn a_truck_turned_away_drives_to_the_other_crossing_and_waits_there() {
    let dir = tempfile::tempdir().unwrap();
    // 0:00 three trucks: one served at once, one waits, the third finds one waiting and drives
    // to the second crossing (0:10), served 0:10-0:40. 0:15 a fourth finds one waiting at the
    // first: to the second, where it finds nobody waiting (one in service): it waits there,
    // 0:40-1:10. It turned away once; a fifth at 0:20 finds one waiting at the first, drives to
    // the second (0:30) and finds one waiting there too: diverted once already, it waits.
    let scenario = traced(dir.path(), &[0.0, 0.0, 0.0, 0.25, 1.0 / 3.0], DIVERSION);
    let result = landport::run(&scenario, 1);
    let visits: Vec<Vec<(usize, u64, u64)>> = trucks_in_order(&result)
        .iter()
        .map(|(_, visits)| {
            visits
                .iter()
                .map(|visit| {
                    (
                        visit.stage,
                        whole_minutes(visit.queued),
                        whole_minutes(visit.started),
                    )
                })
                .collect()
        })
        .collect();
    assert_eq!(
        visits,
        [
            vec![(0, 0, 0)],
            vec![(0, 0, 30)],
            vec![(1, 10, 10)],
            vec![(1, 25, 40)],
            vec![(1, 30, 70)],
        ]
    );
    let turned = |stage: usize| result.stages[stage].turned.unwrap();
    // 3 trucks turned away at the first over the 10-day horizon, none gave up.
    assert!((turned(0).diverted_per_day - 0.3).abs() < 1e-12);
    assert_eq!(turned(0).gave_up_per_day, 0.0);
    assert_eq!(turned(1).diverted_per_day, 0.0);
    assert_eq!(result.trucks.lost, Some(0));
}

/// Trucks book one of two slots an hour at the gate (no spread, every truck comes).
const BOOKED: &str = r#"
[stages.first]
servers = 10
service = { dist = "constant", value = "0 s" }
booking = { slots_per_hour = 2 }
routes = [{ to = "exit" }]
"#;

#[test]
fn booked_trucks_come_at_their_slot_two_an_hour() {
    let dir = tempfile::tempdir().unwrap();
    // Five trucks at 0:30 and one at 3:10: slots 0:00 (now: 0:30), 0:00, 1:00, 1:00, 2:00, and
    // 3:00 (now: 3:10).
    let scenario = traced(
        dir.path(),
        &[0.5, 0.5, 0.5, 0.5, 0.5, 3.0 + 1.0 / 6.0],
        BOOKED,
    );
    let result = landport::run(&scenario, 1);
    let came: Vec<u64> = visits_to(&result, 0)
        .iter()
        .map(|(_, visit)| whole_minutes(visit.queued))
        .collect();
    assert_eq!(came, [30, 30, 60, 60, 120, 190]);
    // The wait for the slot is waiting at the stage: 0 + 0 + 30 + 30 + 90 + 0 min over 6.
    let breakdown = &result.breakdown[0];
    assert!(
        (breakdown.waiting_hours - 2.5 / 6.0).abs() < 1e-12,
        "{breakdown:?}"
    );
    assert!((result.dwell.mean_hours - 2.5 / 6.0).abs() < 1e-12);
    // Its own mean counts the trucks that waited for a slot... over every truck that came.
    let booking = result.stages[0].booking.unwrap();
    assert!((booking.mean_slot_wait_hours - 2.5 / 3.0).abs() < 1e-12);
    assert_eq!(booking.no_shows_per_day, 0.0);
    // The queue's own wait starts when the truck comes.
    assert_eq!(result.stages[0].mean_wait_hours, 0.0);
}

#[test]
fn paid_slots_jump_the_queue_of_slots_in_turn() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("paid.csv"),
        "arrival_hours\n0.5\n0.5\n0.5\n",
    )
    .unwrap();
    let body = r#"
[classes.in-turn]
share = 1
[classes.paid]
arrivals = { process = "trace", file = "paid.csv", to = "first" }
[stages.first]
servers = 10
service = { dist = "constant", value = "0 s" }
booking = { slots_per_hour = 1, paid = { slots_per_hour = 2, classes = ["paid"] } }
routes = [{ to = "exit" }]
"#;
    // Four trucks in turn at 0:30 take the hours 0, 1, 2, 3 (one slot an hour); the three paid
    // ones at 0:30 take two slots of hour 0 and one of hour 1.
    let scenario = traced(dir.path(), &[0.5, 0.5, 0.5, 0.5], body);
    let result = landport::run(&scenario, 1);
    let mut came: Vec<(u32, u64)> = visits_to(&result, 0)
        .iter()
        .map(|(truck, visit)| (truck.class, whole_minutes(visit.queued)))
        .collect();
    came.sort_unstable();
    assert_eq!(
        came,
        [
            (0, 30),
            (0, 60),
            (0, 120),
            (0, 180),
            (1, 30),
            (1, 30),
            (1, 60)
        ]
    );
}

/// Trucks at 20 an hour book 25 slots an hour; they come up to 1 h early to 2 h late, and 10%
/// never come.
const SPREAD: &str = r#"
name = "spread"
seed = 1
warmup = "2 d"
horizon = "200 d"
[arrivals]
process = "poisson"
rate = "20 trucks per hour"
to = "gate"
[stages.gate]
servers = 3
service = { dist = "exponential", mean = "6 min" }
booking = { slots_per_hour = 25, early = "1 h", late = "2 h", no_show = 0.1 }
routes = [{ to = "exit" }]
"#;

#[test]
fn booked_trucks_come_within_their_spread_and_a_share_never_comes() {
    let spread = scenario(SPREAD);
    let runs: Vec<RunResult> = (1..=4).map(|seed| landport::run(&spread, seed)).collect();
    for run in &runs {
        let trucks = &run.trucks;
        assert_eq!(
            trucks.arrived,
            trucks.exited + trucks.lost.unwrap() + trucks.in_port_at_end
        );
        // Each truck booked as it arrived (the gate is its first stage) and came no earlier.
        let log = run.log.as_ref().unwrap();
        for truck in &log.trucks {
            let visit = log.visits(truck)[0];
            assert_eq!(visit.queued - visit.booked, truck.arrival);
        }
    }
    // Those that never came are the arrivals thinned by 10%, a Poisson count of mean 0.1 λT: the
    // share of the arrivals within its 99% bound.
    let trucks: f64 = 20.0 * 24.0 * 200.0;
    let bound = 2.576 * (0.1 / trucks).sqrt();
    for run in &runs {
        let share = run.stages[0].booking.unwrap().no_shows_per_day * 200.0 / trucks;
        assert!((share - 0.1).abs() < bound, "{share} against 0.1 ± {bound}");
    }

    // The spread, truck by truck: without no-shows or warm-up every truck that booked is in the
    // log up to the first still in the port, so the slots can be booked again here, in order of
    // arrival (the first hour from the truck's own with fewer than 25 taken). Each truck came
    // between 1 h before its slot and 2 h after its start, never before it arrived.
    let every = scenario(
        &SPREAD
            .replace("no_show = 0.1", "no_show = 0")
            .replace("warmup = \"2 d\"", "warmup = \"0 s\""),
    );
    let run = landport::run(&every, 1);
    let hour = 3_600_000;
    let mut taken: Vec<u32> = Vec::new();
    let mut late = 0;
    for (k, (truck, visits)) in trucks_in_order(&run).iter().enumerate() {
        if truck.id != k as u64 {
            break; // a truck still in the port: the slots after it are unknown
        }
        let arrival = truck.arrival.millis();
        let mut slot = (arrival / hour) as usize;
        while taken.get(slot).is_some_and(|&n| n >= 25) {
            slot += 1;
        }
        if taken.len() <= slot {
            taken.resize(slot + 1, 0);
        }
        taken[slot] += 1;
        let start = slot as u64 * hour;
        let came = visits[0].queued.millis();
        assert!(
            came >= arrival
                && came >= start.saturating_sub(hour)
                && came <= (start + 2 * hour).max(arrival),
            "truck {k}: arrived {arrival}, slot {start}, came {came}"
        );
        if came > start + hour {
            late += 1;
        }
    }
    // Drawn uniformly over [slot - 1 h, slot + 2 h] (and never before the truck arrived, which
    // only moves times up to within the slot's hour): a third come after the slot's hour, within
    // the binomial 99.9% bound of the trucks checked.
    let counted = f64::from(taken.iter().sum::<u32>());
    assert!(counted > 80_000.0, "{counted} trucks checked");
    let late = f64::from(late) / counted;
    let bound = 3.29 * (1.0 / 3.0 * 2.0 / 3.0 / counted).sqrt();
    assert!(
        (late - 1.0 / 3.0).abs() < bound,
        "{late} came after the slot's hour, against 1/3 ± {bound}"
    );
}

#[test]
fn a_truck_books_at_the_crossing_with_the_first_free_slot() {
    let dir = tempfile::tempdir().unwrap();
    let body = r#"
[stages.first]
servers = 10
service = { dist = "constant", value = "0 s" }
choice = "first-slot"
routes = [{ to = "near", travel = "10 min" }, { to = "far", travel = "1 h 10 min" }]
[stages.near]
servers = 10
service = { dist = "constant", value = "0 s" }
booking = { slots_per_hour = 1 }
routes = [{ to = "exit" }]
[stages.far]
servers = 10
service = { dist = "constant", value = "0 s" }
booking = { slots_per_hour = 1 }
routes = [{ to = "exit" }]
"#;
    // Three trucks at 0:00, each booking as it chooses. The first: near's slot at 0:10 (hour 0)
    // against far's at 1:10: near. The second: near's first free slot is 1:00, far's 1:10
    // (hour 1): near. The third: near 2:00 against far 1:10: far.
    let scenario = traced(dir.path(), &[0.0, 0.0, 0.0], body);
    let result = landport::run(&scenario, 1);
    let chosen: Vec<(usize, u64)> = trucks_in_order(&result)
        .iter()
        .map(|(_, visits)| (visits[1].stage, whole_minutes(visits[1].queued)))
        .collect();
    assert_eq!(chosen, [(1, 10), (1, 60), (2, 70)]);
}

#[test]
fn each_side_of_the_border_has_its_time_to_cross_and_throughput() {
    let dir = tempfile::tempdir().unwrap();
    let body = r#"
[ports.china]
time_zone = "+08:00"
stages = ["first", "scan"]
[ports.kazakhstan]
time_zone = "+05:00"
stages = ["entry"]
[stages.first]
servers = 1
service = { dist = "constant", value = "1 h" }
routes = [{ to = "scan", travel = "30 min" }]
[stages.scan]
servers = 1
service = { dist = "constant", value = "30 min" }
routes = [{ to = "entry", travel = "2 h" }]
[stages.entry]
servers = 1
service = { dist = "constant", value = "1 h" }
routes = [{ to = "exit", travel = "15 min" }]
"#;
    // Two trucks at 0:00. China: the first 0:00-1:00, drive, scan 1:30-2:00; the second waits
    // for 1:00-2:00, scan 2:30-3:00: 2 h and 3 h to cross. Kazakhstan: 4:00-5:00 and 5:00-6:00
    // (no wait): 1 h each. The whole: 5 h 15 min and 6 h 15 min.
    let scenario = traced(dir.path(), &[0.0, 0.0], body);
    let result = landport::run(&scenario, 1);
    let sides: Vec<(&str, f64, f64)> = result
        .sides
        .iter()
        .map(|side| {
            (
                side.port.as_str(),
                side.cross.mean_hours,
                side.cross.p95_hours,
            )
        })
        .collect();
    assert_eq!(sides.len(), 2);
    assert_eq!(sides[0].0, "china");
    assert!((sides[0].1 - 2.5).abs() < 1e-9, "{sides:?}");
    // The p95 from the histogram of 3 significant digits: within its 0.1%.
    assert!((sides[0].2 - 3.0).abs() <= 3.0e-3, "{sides:?}");
    assert_eq!(sides[1].0, "kazakhstan");
    assert!((sides[1].1 - 1.0).abs() < 1e-9, "{sides:?}");
    assert!((result.dwell.mean_hours - 5.75).abs() < 1e-9);
    // The whole border: first queue in China to leaving Kazakhstan's gate, 5 h and 6 h.
    let crossing = result.crossing.as_ref().unwrap();
    assert!((crossing.mean_hours - 5.5).abs() < 1e-9, "{crossing:?}");
    // Each side's trucks: both came and left.
    for side in &result.sides {
        assert_eq!(
            (side.entered, side.left, side.lost, side.in_port_at_end),
            (2, 2, 0, 0)
        );
    }
    // Two trucks crossed each side over the 10 days.
    for side in &result.sides {
        assert!((side.crossed_per_day - 0.2).abs() < 1e-12);
    }
    // The metrics name them, and read back.
    let metrics = landport::experiment::metrics(&result);
    let names: Vec<String> = metrics.iter().map(|m| m.id.to_string()).collect();
    assert!(names.contains(&"kazakhstan.cross_mean_h".to_string()));
    assert_eq!(
        names,
        landport::experiment::metric_ids(&scenario)
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    );
}

#[test]
fn an_hourly_intake_passes_so_many_trucks_each_local_hour() {
    let dir = tempfile::tempdir().unwrap();
    // Two trucks an hour at a gate on a clock 5 h 30 min ahead: its hours start at :30 on the
    // scenario's clock. Five trucks at 0:00: two at once (local 5:30, the hour from 5:00), two at
    // 0:30 (local 6:00), one at 1:30; with a daily quota of 4 as well, the fifth waits for the
    // local midnight (18:30).
    let body = |daily: &str| {
        format!(
            r#"
[ports.kazakh]
time_zone = "+05:30"
stages = ["first"]
[stages.first]
servers = 10
service = {{ dist = "constant", value = "0 s" }}
hourly_quota = 2
{daily}
routes = [{{ to = "exit" }}]
"#
        )
    };
    let started = |daily: &str| -> Vec<u64> {
        let scenario = traced(dir.path(), &[0.0; 5], &body(daily));
        let result = landport::run(&scenario, 1);
        visits_to(&result, 0)
            .iter()
            .map(|(_, visit)| whole_minutes(visit.started))
            .collect()
    };
    assert_eq!(started(""), [0, 0, 30, 30, 90]);
    assert_eq!(started("daily_quota = 4"), [0, 0, 30, 30, 18 * 60 + 30]);
}

#[test]
fn a_crossing_reached_only_by_trucks_turned_away_is_not_unreached() {
    let text = r#"
name = "diverted"
seed = 1
horizon = "5 d"
[arrivals]
process = "poisson"
rate = "10 trucks per hour"
to = "a"
[stages.a]
servers = 1
service = { dist = "exponential", mean = "10 min" }
balking = { above = 3, to = "b", travel = "1 h" }
routes = [{ to = "exit" }]
[stages.b]
servers = 1
service = { dist = "exponential", mean = "10 min" }
routes = [{ to = "exit" }]
"#;
    let scenario = landport::scenario::parse(text, std::path::Path::new("diverted.toml")).unwrap();
    assert!(scenario.cautions().is_empty(), "{:?}", scenario.cautions());
}

#[test]
fn an_intake_below_the_trucks_arriving_is_a_caution() {
    // The corridor: 675 trucks a day for Nur Zholy against its intake of 650.
    let corridor =
        landport::scenario::load(std::path::Path::new("scenarios/corridor/corridor.toml")).unwrap();
    let cautions = corridor.cautions();
    assert_eq!(cautions.len(), 1, "{cautions:?}");
    let landport::model::Caution::QuotaExceeded {
        stage,
        arriving,
        quota,
        hourly,
    } = &cautions[0]
    else {
        panic!("{cautions:?}");
    };
    assert_eq!(
        (stage.as_str(), *quota, *hourly),
        ("nur-zholy-gate", 650, false)
    );
    assert!((arriving - 675.0).abs() < 1e-9, "{arriving}");
    // An hourly intake of 9 against 10 an hour; a daily one of 300 against 240 a day is fine.
    let text = r#"
name = "intake"
seed = 1
horizon = "5 d"
[arrivals]
process = "poisson"
rate = "10 trucks per hour"
to = "gate"
[stages.gate]
servers = 2
service = { dist = "exponential", mean = "6 min" }
hourly_quota = 9
daily_quota = 300
routes = [{ to = "exit" }]
"#;
    let scenario = landport::scenario::parse(text, std::path::Path::new("intake.toml")).unwrap();
    assert!(matches!(
        scenario.cautions()[..],
        [landport::model::Caution::QuotaExceeded {
            quota: 9,
            hourly: true,
            ..
        }]
    ));
}

#[test]
fn the_expected_wait_of_a_driver_counts_the_hourly_intake() {
    let dir = tempfile::tempdir().unwrap();
    // One lane of 1 min passing at most 2 trucks an hour: each truck ahead is 30 min of wait.
    // Five trucks at 0:00: the first is served at once, the second has one ahead (30 min), the
    // others two or more (60 min and over the 50 min they accept) and give up. Without the
    // intake the lane's own rate (a minute a truck) would keep them all.
    let body = |intake: &str| {
        format!(
            r#"
[stages.first]
servers = 1
service = {{ dist = "constant", value = "1 min" }}
{intake}
balking = {{ above_wait = "50 min" }}
routes = [{{ to = "exit" }}]
"#
        )
    };
    let run = |intake: &str| landport::run(&traced(dir.path(), &[0.0; 5], &body(intake)), 1);
    let limited = run("hourly_quota = 2");
    assert_eq!(limited.trucks.lost, Some(3));
    let started: Vec<u64> = visits_to(&limited, 0)
        .iter()
        .map(|(_, visit)| whole_minutes(visit.started))
        .collect();
    assert_eq!(started, [0, 1]);
    assert_eq!(run("").trucks.lost, Some(0));
}
