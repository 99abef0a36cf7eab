//! Engine behaviour on tiny scenarios whose outcome is known exactly.

use std::path::Path;

use landport::engine::{Instant, Span};
use landport::model::{TruckRecord, Visit};
use landport::{RunResult, Scenario};

use crate::scenario;

/// A scenario whose trucks arrive at the given hours (a trace file written beside it).
pub(crate) fn traced(dir: &Path, arrival_hours: &[f64], body: &str) -> Scenario {
    let trace: String = std::iter::once("arrival_hours".to_string())
        .chain(arrival_hours.iter().map(f64::to_string))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("trace.csv"), trace).unwrap();
    let text = format!(
        r#"
name = "traced"
seed = 1
start = "2025-03-03"
horizon = "10 d"
[arrivals]
process = "trace"
file = "trace.csv"
to = "first"
{body}
"#
    );
    let path = dir.join("traced.toml");
    match landport::scenario::parse(&text, &path) {
        Ok(scenario) => scenario,
        Err(error) => panic!("{error}"),
    }
}

/// Each truck that left, in id order (the order of arrival), with its visits.
pub(crate) fn trucks_in_order(result: &RunResult) -> Vec<(TruckRecord, Vec<Visit>)> {
    let log = result.log.as_ref().expect("run keeps the truck log");
    let mut trucks = log.trucks.clone();
    trucks.sort_by_key(|truck| truck.id);
    trucks
        .into_iter()
        .map(|truck| (truck, log.visits(&truck).to_vec()))
        .collect()
}

/// Each truck that left, in id order (the order of arrival), with its visit to stage `stage`.
pub(crate) fn visits_to(result: &RunResult, stage: usize) -> Vec<(TruckRecord, Visit)> {
    trucks_in_order(result)
        .into_iter()
        .map(|(truck, visits)| {
            let visit = *visits
                .iter()
                .find(|visit| visit.stage == stage)
                .expect("the truck visited the stage");
            (truck, visit)
        })
        .collect()
}

/// An instant in minutes from the start, which must be a whole number of them.
pub(crate) fn whole_minutes(at: Instant) -> u64 {
    let millis = at.since_start().millis();
    assert_eq!(millis % 60_000, 0, "{at:?} is not a whole minute");
    millis / 60_000
}

/// (queued, started, finished, departed) in hours, for each visit of each truck in id order.
pub(crate) fn visit_hours(result: &RunResult) -> Vec<Vec<[f64; 4]>> {
    trucks_in_order(result)
        .iter()
        .map(|(_, visits)| {
            visits
                .iter()
                .map(|v| {
                    [
                        v.queued.hours(),
                        v.started.hours(),
                        v.finished.hours(),
                        v.departed.hours(),
                    ]
                })
                .collect()
        })
        .collect()
}

fn minutes(m: f64) -> f64 {
    m / 60.0
}

#[test]
fn constant_service_without_queueing_gives_the_exact_dwell() {
    let dir = tempfile::tempdir().unwrap();
    let body = r#"
[stages.first]
servers = 1
service = { dist = "constant", value = "10 min" }
routes = [{ to = "second", travel = "5 min" }]
[stages.second]
servers = 1
service = { dist = "constant", value = "20 min" }
routes = [{ to = "exit", travel = "3 min" }]
"#;
    let scenario = traced(dir.path(), &[1.0, 2.0, 3.0], body);
    let result = landport::run(&scenario, 1);
    assert_eq!(result.dwell.trucks, 3);
    let expected = Span::MINUTE * 38;
    let log = result.log.as_ref().unwrap();
    for truck in &log.trucks {
        assert_eq!(truck.exit - truck.arrival, expected, "truck {}", truck.id);
    }
    assert!((result.dwell.mean_hours - expected.hours()).abs() < 1e-12);
    assert_eq!(result.stages[0].mean_wait_hours, 0.0);
    assert_eq!(result.stages[1].mean_wait_hours, 0.0);
}

#[test]
fn trucks_wait_for_opening_hours() {
    let dir = tempfile::tempdir().unwrap();
    let body = r#"
[stages.first]
servers = 1
service = { dist = "constant", value = "15 min" }
opening = { from = "08:00", to = "20:00" }
routes = [{ to = "exit" }]
"#;
    // Monday 21:00 and Tuesday 10:00.
    let scenario = traced(dir.path(), &[21.0, 34.0], body);
    let result = landport::run(&scenario, 1);
    let visits = visit_hours(&result);
    assert_eq!(
        visits[0][0][1], 32.0,
        "the 21:00 truck starts at 08:00 the next morning"
    );
    assert_eq!(
        visits[1][0][1], 34.0,
        "a truck arriving in opening hours starts at once"
    );
    // Of the two trucks, one waits 11 h for the opening: 5.5 h per truck.
    let part = &result.breakdown[0];
    assert_eq!(part.closed_hours, 5.5);
    assert_eq!(part.waiting_hours, 0.0);
    assert_eq!(part.service_hours, 0.25);
}

#[test]
fn a_closed_stage_starts_no_service() {
    let text = r#"
name = "night-closed"
seed = 3
start = "2025-03-03"
horizon = "20 d"
[arrivals]
process = "poisson"
rate = "3 trucks per hour"
to = "desk"
[stages.desk]
servers = 2
service = { dist = "exponential", mean = "20 min" }
opening = { from = "08:00", to = "20:00", days = ["mon", "tue", "wed", "thu", "fri", "sat"] }
closed_on = ["2025-03-12"]
routes = [{ to = "exit" }]
"#;
    let result = landport::run(&scenario(text), 3);
    let log = result.log.as_ref().unwrap();
    assert!(log.trucks.len() > 500);
    for truck in &log.trucks {
        let started = log.visits(truck)[0].started;
        let hour = started.time_of_day().hours();
        let day = started.day();
        assert!(
            (8.0..20.0).contains(&hour),
            "service started at {hour:.2} h of day {day}"
        );
        assert_ne!(day % 7, 6, "service started on a Sunday");
        assert_ne!(day, 9, "service started on the 2025-03-12 closure");
    }
}

#[test]
fn a_full_stage_blocks_the_server_upstream() {
    let dir = tempfile::tempdir().unwrap();
    let body = r#"
[stages.first]
servers = 1
service = { dist = "constant", value = "10 min" }
routes = [{ to = "second" }]
[stages.second]
servers = 1
yard = 0
service = { dist = "constant", value = "60 min" }
routes = [{ to = "exit" }]
"#;
    let scenario = traced(dir.path(), &[0.0, minutes(1.0), minutes(2.0)], body);
    let result = landport::run(&scenario, 1);
    let visits = visit_hours(&result);
    let m = minutes;
    // Truck 0 goes straight through.
    assert_eq!(
        visits[0],
        vec![
            [0.0, 0.0, m(10.0), m(10.0)],
            [m(10.0), m(10.0), m(70.0), m(70.0)]
        ]
    );
    // Truck 1 finishes at 20 min and stays on the first server until the second frees at 70.
    assert_eq!(visits[1][0], [m(1.0), m(10.0), m(20.0), m(70.0)]);
    assert_eq!(visits[1][1], [m(70.0), m(70.0), m(130.0), m(130.0)]);
    // Truck 2 cannot start until the blocked server is released at 70, then waits again.
    assert_eq!(visits[2][0], [m(2.0), m(70.0), m(80.0), m(130.0)]);
    let blocked = result.stages[0].mean_blocked_hours;
    assert!(
        (blocked - m((0.0 + 50.0 + 50.0) / 3.0)).abs() < 1e-9,
        "mean blocked {blocked} h"
    );
    // Where the time goes, per truck: first-stage waits 0, 9, 68 min; blocked 0, 50, 50 min.
    let near = |hours: f64, minutes: f64| (hours - m(minutes)).abs() < 1e-9;
    let first = &result.breakdown[0];
    assert!(near(first.waiting_hours, 77.0 / 3.0), "{first:?}");
    assert!(near(first.blocked_hours, 100.0 / 3.0), "{first:?}");
    assert!(near(first.service_hours, 10.0), "{first:?}");
}

#[test]
fn arrivals_are_conserved() {
    let text = r#"
name = "busy"
seed = 5
warmup = "1 d"
horizon = "5 d"
[arrivals]
process = "poisson"
rate = "20 trucks per hour"
to = "desk"
[stages.desk]
servers = 2
service = { dist = "lognormal", mean = "7 min", sd = "4 min" }
yard = 5
routes = [{ to = "xray", p = 0.3, travel = "10 min" }, { to = "exit", p = 0.7 }]
[stages.xray]
service = { dist = "erlang", k = 3, mean = "15 min" }
shifts = [{ from = "08:00", to = "20:00", servers = 2 }, { from = "20:00", to = "08:00", servers = 1 }]
yard = 2
routes = [{ to = "exit", travel = "5 min" }]
"#;
    let result = landport::run(&scenario(text), 5);
    let trucks = &result.trucks;
    assert!(trucks.arrived > 2_000);
    assert!(
        trucks.in_port_at_end > 0,
        "an overloaded port holds trucks at the end"
    );
    assert_eq!(trucks.arrived, trucks.exited + trucks.in_port_at_end);
}

#[test]
fn same_seed_same_records_other_seed_other_records() {
    let scenario = scenario(&crate::shipped("alashankou-reformed"));
    let a = landport::run(&scenario, 11);
    let b = landport::run(&scenario, 11);
    let c = landport::run(&scenario, 12);
    let records = |r: &RunResult| r.log.as_ref().unwrap().trucks.clone();
    assert_eq!(records(&a), records(&b));
    assert_ne!(records(&a), records(&c));
}

#[test]
fn changing_one_stage_keeps_the_arrival_stream() {
    let base = crate::shipped("alashankou-reformed");
    let variant = base.replace(
        "servers = 1\nservice = { dist = \"triangular\"",
        "servers = 2\nservice = { dist = \"triangular\"",
    );
    assert_ne!(base, variant);
    let arrivals = |text: &str| {
        let result = landport::run(&scenario(text), 4);
        let mut trucks = result.log.unwrap().trucks;
        trucks.sort_by_key(|truck| truck.id);
        // Trucks near the end may not have exited in both runs; compare the rest.
        let cutoff = Instant::start_of_day(40);
        trucks
            .iter()
            .map(|truck| truck.arrival)
            .filter(|arrival| *arrival < cutoff)
            .collect::<Vec<_>>()
    };
    assert_eq!(arrivals(&base), arrivals(&variant));
}

#[test]
fn arrivals_at_a_full_first_stage_wait_outside() {
    let dir = tempfile::tempdir().unwrap();
    let body = r#"
[stages.first]
servers = 1
yard = 0
service = { dist = "constant", value = "10 min" }
routes = [{ to = "exit" }]
"#;
    let scenario = traced(dir.path(), &[0.0, minutes(1.0)], body);
    let result = landport::run(&scenario, 1);
    let visits = visit_hours(&result);
    // The second truck cannot join a queue with no spaces: it enters when the server frees.
    assert_eq!(
        visits[1][0],
        [minutes(10.0), minutes(10.0), minutes(20.0), minutes(20.0)]
    );
    assert_eq!(result.trucks.in_port_at_end, 0);
}

#[test]
fn a_bad_trace_names_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("trace.csv"),
        "plate,arrival_hours\nA1,0.5\nB2,soon\n",
    )
    .unwrap();
    let text = r#"
name = "traced"
seed = 1
horizon = "1 d"
[arrivals]
process = "trace"
file = "trace.csv"
to = "first"
[stages.first]
servers = 1
service = { dist = "constant", value = "10 min" }
routes = [{ to = "exit" }]
"#;
    let error = landport::scenario::parse(text, &dir.path().join("traced.toml")).unwrap_err();
    let problems = error.problems();
    assert_eq!(problems.len(), 1, "{error}");
    assert_eq!(
        (problems[0].line, problems[0].key.as_str()),
        (7, "arrivals.file")
    );
    let expected = format!(
        "{}:3: arrival_hours: expected hours >= 0, got \"soon\"",
        dir.path().join("trace.csv").display()
    );
    assert!(problems[0].message.contains(&expected), "{}", problems[0]);
}

#[test]
fn a_shift_change_lets_running_services_finish() {
    let dir = tempfile::tempdir().unwrap();
    let body = r#"
[stages.first]
shifts = [{ from = "08:00", to = "20:00", servers = 2 }, { from = "20:00", to = "08:00", servers = 1 }]
service = { dist = "constant", value = "30 min" }
routes = [{ to = "exit" }]
"#;
    // Two trucks start at 19:50 on the day shift; two more queue behind them.
    let h = |hours: f64, minutes: f64| hours + minutes / 60.0;
    let scenario = traced(
        dir.path(),
        &[h(19.0, 50.0), h(19.0, 50.0), h(19.0, 55.0), h(19.0, 56.0)],
        body,
    );
    let result = landport::run(&scenario, 1);
    let starts: Vec<f64> = visit_hours(&result)
        .iter()
        .map(|visits| visits[0][1])
        .collect();
    let finishes: Vec<f64> = visit_hours(&result)
        .iter()
        .map(|visits| visits[0][2])
        .collect();
    // Both day-shift services run past 20:00 to 20:20; then the one night server takes the rest.
    assert_eq!(finishes[..2], [h(20.0, 20.0), h(20.0, 20.0)]);
    assert_eq!(starts[2..], [h(20.0, 20.0), h(20.0, 50.0)]);
}

#[test]
fn a_weekly_profile_sets_each_day_and_hour() {
    // Trucks only on Saturdays 10:00–12:00, at 30 per hour; 2025-03-03 is a Monday.
    let mut rows = vec![vec![0.0; 24]; 7];
    rows[5][10] = 30.0;
    rows[5][11] = 30.0;
    let weekly: Vec<String> = rows
        .iter()
        .map(|row| {
            format!(
                "[{}]",
                row.iter()
                    .map(f64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    let text = format!(
        r#"
name = "saturday"
seed = 1
start = "2025-03-03"
horizon = "70 d"
[arrivals]
process = "profile"
unit = "trucks per hour"
weekly = [{}]
to = "desk"
[stages.desk]
servers = 100
service = {{ dist = "constant", value = "1 min" }}
routes = [{{ to = "exit" }}]
"#,
        weekly.join(", ")
    );
    let result = landport::run(&scenario(&text), 1);
    let log = result.log.unwrap();
    for truck in &log.trucks {
        let hour = truck.arrival.time_of_day().hours();
        assert_eq!(
            truck.arrival.day() % 7,
            5,
            "arrival on day {}",
            truck.arrival.day()
        );
        assert!((10.0..12.0).contains(&hour), "arrival at {hour:.2} h");
    }
    // 10 Saturdays × 2 hours × 30 per hour; Poisson, so within 4 standard deviations.
    let expected = 600.0;
    let count = log.trucks.len() as f64;
    assert!(
        (count - expected).abs() < 4.0 * expected.sqrt(),
        "{count} arrivals, expected {expected}"
    );
}

#[test]
fn a_whole_day_shift_is_a_fixed_staff() {
    let text = |staffing: &str| {
        format!(
            r#"
name = "whole-day"
seed = 4
horizon = "5 d"
[arrivals]
process = "poisson"
rate = "10 trucks per hour"
to = "desk"
[stages.desk]
{staffing}
service = {{ dist = "exponential", mean = "10 min" }}
routes = [{{ to = "exit" }}]
"#
        )
    };
    let shifts = scenario(&text(
        "shifts = [{ from = \"00:00\", to = \"24:00\", servers = 2 }]",
    ));
    let fixed = scenario(&text("servers = 2"));
    let (a, b) = (landport::run(&shifts, 4), landport::run(&fixed, 4));
    assert_eq!(a.log.unwrap().trucks, b.log.unwrap().trucks);
    assert_eq!(a.stages[0].mean_servers_on_duty, 2.0);
}

#[test]
fn a_daily_quota_holds_trucks_until_midnight() {
    let dir = tempfile::tempdir().unwrap();
    let body = r#"
[stages.first]
servers = 5
daily_quota = 2
service = { dist = "constant", value = "10 min" }
routes = [{ to = "exit" }]
"#;
    // Five trucks at 20:00 on day 0: two start at once, two at midnight, one the next midnight.
    let scenario = traced(dir.path(), &[20.0; 5], body);
    let result = landport::run(&scenario, 1);
    let starts: Vec<f64> = visit_hours(&result).iter().map(|v| v[0][1]).collect();
    assert_eq!(starts, [20.0, 20.0, 24.0, 24.0, 48.0]);
    // The wait for the next day's quota is closed time: 0 + 0 + 4 + 4 + 28 h over five trucks.
    let part = &result.breakdown[0];
    assert!((part.closed_hours - 36.0 / 5.0).abs() < 1e-9, "{part:?}");
    assert_eq!(part.waiting_hours, 0.0);
}

#[test]
fn milestones_follow_the_roles_of_the_stages() {
    let dir = tempfile::tempdir().unwrap();
    let body = r#"
[stages.first]
servers = 1
role = "declaration"
service = { dist = "constant", value = "30 min" }
routes = [{ to = "docs" }]
[stages.docs]
servers = 1
role = "document-check"
service = { dist = "constant", value = "30 min" }
routes = [{ to = "xray", p = 0.5 }, { to = "gate" }]
[stages.xray]
servers = 1
role = "inspection"
service = { dist = "constant", value = "60 min" }
routes = [{ to = "gate" }]
[stages.gate]
servers = 1
service = { dist = "constant", value = "6 min" }
routes = [{ to = "exit" }]
"#;
    let scenario = traced(
        dir.path(),
        &(0..40).map(|i| f64::from(i) * 5.0).collect::<Vec<_>>(),
        body,
    );
    let result = landport::run(&scenario, 1);
    let milestones = &result.milestones;
    assert_eq!(milestones.trucks_declared, 40);
    assert_eq!(milestones.to_declaration_hours, 0.5);
    assert_eq!(
        milestones.green_share, 0.0,
        "every truck passes the document check"
    );
    assert!((milestones.yellow_share + milestones.red_share - 1.0).abs() < 1e-12);
    assert!(milestones.red_share > 0.2 && milestones.red_share < 0.8);
    // Released after the document check (1 h) or the X-ray (2 h); out 6 min later.
    let expected = 1.0 + milestones.red_share;
    assert!((milestones.to_release_hours - expected).abs() < 1e-9);
    assert!((milestones.to_exit_hours - (expected + 0.1)).abs() < 1e-9);
}

/// An M/M/1 desk at twice its capacity, with `limits` added.
fn overloaded(limits: &str) -> landport::Scenario {
    crate::scenario(&format!(
        r#"name = "overloaded"
seed = 1
horizon = "30 d"
{limits}
[arrivals]
process = "poisson"
rate = "20 trucks per hour"
to = "desk"
[stages.desk]
servers = 1
service = {{ dist = "exponential", mean = "6 min" }}
routes = [{{ to = "exit" }}]
"#
    ))
}

#[test]
fn a_queue_growing_without_bound_stops_at_the_trucks_limit() {
    let result = landport::run_summary(&overloaded("[limits]\ntrucks_in_port = 2000"), 7);
    let stopped = result.stopped.as_ref().expect("the run stops");
    assert_eq!(stopped.limit, landport::model::Limit::TrucksInPort(2000));
    assert_eq!(
        landport::output::table::stopped_sentence(stopped),
        format!(
            "stopped at {:.1} h with more than 2000 trucks in the port (limits.trucks_in_port)",
            stopped.at_hours
        )
    );
    // 10 trucks an hour pile up: 2000 of them in about 200 hours, far before 30 days.
    assert!((150.0..260.0).contains(&stopped.at_hours), "{stopped:?}");
    assert_eq!(result.trucks.in_port_at_end, 2001);
    assert_eq!(
        result.trucks.arrived,
        result.trucks.exited + result.trucks.in_port_at_end
    );
    // The statistics cover the run up to the stop: a desk busy all the time.
    assert!((result.horizon_hours - stopped.at_hours).abs() < 1e-9);
    assert!(result.stages[0].utilization > 0.99);
    assert!(result.trucks.cleared_per_day > 230.0 && result.trucks.cleared_per_day < 250.0);

    // Without a limit set, the default (a million trucks) is far off: the month runs whole.
    let whole = landport::run_summary(&overloaded(""), 7);
    assert!(whole.stopped.is_none());
    assert_eq!(whole.horizon_hours, 720.0);
}

#[test]
fn a_run_stops_at_the_events_limit() {
    let result = landport::run_summary(&overloaded("[limits]\nevents = 1000"), 7);
    let stopped = result.stopped.expect("the run stops");
    assert_eq!(stopped.limit, landport::model::Limit::Events(1000));
    // About 30 events an hour (20 arrivals, 10 service ends) and one for warm-up's end.
    assert!((25.0..45.0).contains(&stopped.at_hours), "{stopped:?}");
}

/// A trace with two `arrival_hours` columns is refused: which one counts would be a guess.
#[test]
fn a_trace_with_two_arrival_columns_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("trace.csv"),
        "arrival_hours,arrival_hours\n1.0,5.0\n2.0,6.0\n",
    )
    .unwrap();
    let text = "name = \"traced\"\nseed = 1\nhorizon = \"10 d\"\n[arrivals]\nprocess = \"trace\"\n\
file = \"trace.csv\"\nto = \"desk\"\n[stages.desk]\nservers = 1\n\
service = { dist = \"constant\", value = \"5 min\" }\nroutes = [{ to = \"exit\" }]\n";
    let error = landport::scenario::parse(text, &dir.path().join("traced.toml"))
        .err()
        .unwrap()
        .to_string();
    assert!(
        error.contains("trace.csv:1: the column \"arrival_hours\" appears more than once"),
        "{error}"
    );
}

/// trucks.csv and queues.csv written as the run goes on (the run hands each truck as it leaves
/// and each hour as it ends to the files) have the bytes of those written afterwards from what
/// the run kept, and the run measures the same; a run stopped at a limit too.
#[test]
fn records_written_during_the_run_are_those_kept() {
    for (name, limit) in [
        ("alashankou-reformed", ""),
        ("horgos-legacy", "[limits]\nevents = 100000\n"),
    ] {
        let text = format!("{}\n{limit}", crate::shipped(name));
        let port = scenario(&text);
        let kept = landport::run(&port, 11);
        let (mut trucks, mut queues) = (Vec::new(), Vec::new());
        landport::output::csv::write_trucks(&mut trucks, &port, &kept).unwrap();
        landport::output::csv::write_queues(&mut queues, &kept).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut files = landport::output::RecordFiles::create(dir.path(), &port, true).unwrap();
        let streamed = landport::model::run_into(&port, 11, files.sink());
        let experiment = landport::experiment::Experiment::from_runs(&port, 11, vec![streamed]);
        landport::output::write_run(
            dir.path(),
            Path::new("x.toml"),
            &port,
            &experiment,
            Some(files),
        )
        .unwrap();
        let streamed = &experiment.runs[0];
        assert!(
            streamed.log.is_none() && streamed.trace.is_none(),
            "nothing kept"
        );
        assert_eq!(streamed.stopped.is_some(), !limit.is_empty(), "{name}");
        assert!(trucks.len() > 10_000, "{name}: {} bytes", trucks.len());
        let read = |file: &str| std::fs::read(dir.path().join(file)).unwrap();
        assert!(read("trucks.csv") == trucks, "{name}: trucks.csv differs");
        assert!(read("queues.csv") == queues, "{name}: queues.csv differs");
        assert_eq!(
            landport::experiment::metrics(streamed),
            landport::experiment::metrics(&kept),
            "{name}"
        );
    }
}

#[test]
fn costs_and_idling_emissions_follow_a_hand_timeline() {
    // Two trucks at 06:00 on a Monday; the desk opens at 08:00 with one server, 30 min a truck,
    // then 15 min to a gate of 6 min. Truck 1: closed 2 h, served 08:00–08:30, gate 08:45–08:51,
    // dwell 2.85 h. Truck 2: closed 2 h, waits 0.5 h, served 08:30–09:00, gate 09:15–09:21,
    // dwell 3.35 h. Mean dwell 3.1 h; idling (closed and waiting) 2 h and 2.5 h, mean 2.25 h.
    let dir = tempfile::tempdir().unwrap();
    let scenario = traced(
        dir.path(),
        &[6.0, 6.0],
        r#"
[costs]
truck_hour = 10
fee = 100
idle_litres_per_hour = 4
engine_on_share = 0.25
co2_kg_per_litre = 2.5
[stages.first]
servers = 1
service = { dist = "constant", value = "30 min" }
opening = { from = "08:00", to = "20:00" }
routes = [{ to = "gate", travel = "15 min" }]
[stages.gate]
servers = 1
service = { dist = "constant", value = "6 min" }
routes = [{ to = "exit" }]
"#,
    );
    let result = landport::run_summary(&scenario, 1);
    let metrics = landport::experiment::metrics(&result);
    let value = |name: &str| {
        metrics
            .iter()
            .find(|metric| metric.id == crate::id(name))
            .unwrap()
            .value
    };
    let close = |name: &str, expected: f64| {
        assert!(
            (value(name) - expected).abs() < 1e-9,
            "{name}: {} against {expected}",
            value(name)
        );
    };
    close("dwell_mean_h", 3.1);
    // 10 an hour × 3.1 h + 100 of fees; two trucks in ten days: 0.2 a day.
    close("cost_per_truck", 131.0);
    close("cost_per_day", 131.0 * 0.2);
    // 2.25 h idling × 4 l/h × 0.25 engine on; 2.5 kg a litre.
    close("idle_fuel_l", 2.25);
    close("co2_kg", 5.625);
    close("co2_per_day_kg", 5.625 * 0.2);
    // Per stage: the idling is all at the desk; the hours cost 10 each wherever they are spent.
    close("first.idle_co2_kg", 5.625);
    close("gate.idle_co2_kg", 0.0);
    assert!((value("first.cost") + value("gate.cost") - 31.0).abs() < 1e-9);
}

#[test]
fn calendars_as_planners_write_them_are_the_calendars_written_out() {
    // Weekday ranges ("mon-fri", wrapping "fri-mon") and ranges of dates in `closed_on` give the
    // same runs as the days and dates listed one by one.
    let dir = tempfile::tempdir().unwrap();
    let arrivals: Vec<f64> = (0..200).map(|k| f64::from(k) * 1.7).collect();
    let desk = |days: &str, closed: &str| {
        format!(
            r#"
[stages.first]
servers = 1
service = {{ dist = "constant", value = "20 min" }}
opening = {{ from = "08:00", to = "18:00", days = {days} }}
closed_on = {closed}
routes = [{{ to = "exit" }}]
"#
        )
    };
    let same = |a: (&str, &str), b: (&str, &str)| {
        let first = landport::run(&traced(dir.path(), &arrivals, &desk(a.0, a.1)), 1);
        let second = landport::run(&traced(dir.path(), &arrivals, &desk(b.0, b.1)), 1);
        assert_eq!(
            visit_hours(&first),
            visit_hours(&second),
            "{a:?} against {b:?}"
        );
    };
    let weekdays = r#"["mon", "tue", "wed", "thu", "fri"]"#;
    same(("\"mon-fri\"", "[]"), (weekdays, "[]"));
    same(
        (r#"["fri-mon"]"#, "[]"),
        (r#"["fri", "sat", "sun", "mon"]"#, "[]"),
    );
    same(
        (weekdays, r#"["2025-03-04..2025-03-06"]"#),
        (weekdays, r#"["2025-03-04", "2025-03-05", "2025-03-06"]"#),
    );
}

#[test]
fn the_ports_holidays_close_the_stages_with_opening_hours_only() {
    // Monday 3 March 2025 is a holiday. A truck at 09:00 waits at the desk (open 08:00–20:00)
    // until Tuesday 08:00, 23 h; the gate, open round the clock, does not close.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("trace.csv"), "arrival_hours\n9\n").unwrap();
    let text = r#"
name = "holiday"
seed = 1
start = "2025-03-03"
horizon = "10 d"
holidays = ["2025-03-03"]
[arrivals]
process = "trace"
file = "trace.csv"
to = "first"
[stages.first]
servers = 1
service = { dist = "constant", value = "30 min" }
opening = { from = "08:00", to = "20:00" }
routes = [{ to = "gate" }]
[stages.gate]
servers = 1
service = { dist = "constant", value = "6 min" }
routes = [{ to = "exit" }]
"#;
    let scenario = landport::scenario::parse(text, &dir.path().join("holiday.toml")).unwrap();
    let result = landport::run(&scenario, 1);
    // Desk: queued 9, served 32–32.5; gate 32.5–32.6.
    assert_eq!(
        visit_hours(&result),
        vec![vec![[9.0, 32.0, 32.5, 32.5], [32.5, 32.5, 32.6, 32.6]]]
    );
    // Without the holiday the desk serves the truck at once.
    let ordinary = text.replace("holidays = [\"2025-03-03\"]\n", "");
    let scenario = landport::scenario::parse(&ordinary, &dir.path().join("holiday.toml")).unwrap();
    assert_eq!(visit_hours(&landport::run(&scenario, 1))[0][0][1], 9.0);
}

#[test]
fn several_opening_windows_a_day_close_a_stage_between_them() {
    // A desk open 08:00–12:00 and 13:00–17:00 on weekdays, 08:00–12:00 on Saturdays. Monday
    // 3 March 2025: a truck at 12:10 waits for 13:00. Saturday 8 March (day 5): a truck at 12:30
    // waits for Monday 08:00 (day 7).
    let dir = tempfile::tempdir().unwrap();
    let scenario = traced(
        dir.path(),
        &[12.0 + 10.0 / 60.0, 5.0 * 24.0 + 12.5],
        r#"
[stages.first]
servers = 1
service = { dist = "constant", value = "30 min" }
opening = [
  { from = "08:00", to = "12:00", days = "mon-fri" },
  { from = "13:00", to = "17:00", days = "mon-fri" },
  { from = "08:00", to = "12:00", days = "sat" },
]
routes = [{ to = "exit" }]
"#,
    );
    let visits = visit_hours(&landport::run(&scenario, 1));
    assert_eq!(visits[0][0][1], 13.0, "after the lunch break");
    assert_eq!(
        visits[1][0][1],
        7.0 * 24.0 + 8.0,
        "Monday morning after a short Saturday"
    );
    // One window in a list is the window as a table.
    let table = traced(
        dir.path(),
        &[1.0, 9.5, 30.0],
        "[stages.first]\nservers = 1\nservice = { dist = \"constant\", value = \"30 min\" }\n\
opening = { from = \"08:00\", to = \"17:00\" }\nroutes = [{ to = \"exit\" }]\n",
    );
    let list = traced(
        dir.path(),
        &[1.0, 9.5, 30.0],
        "[stages.first]\nservers = 1\nservice = { dist = \"constant\", value = \"30 min\" }\n\
opening = [{ from = \"08:00\", to = \"17:00\" }]\nroutes = [{ to = \"exit\" }]\n",
    );
    assert_eq!(
        visit_hours(&landport::run(&table, 1)),
        visit_hours(&landport::run(&list, 1))
    );
}

#[test]
fn a_travel_law_drawn_per_truck_has_its_mean_and_a_constant_law_is_the_fixed_time() {
    // A constant law is the fixed travel time, to the millisecond.
    let dir = tempfile::tempdir().unwrap();
    let arrivals: Vec<f64> = (0..50).map(|k| f64::from(k) * 0.7).collect();
    let route = |travel: &str| {
        format!(
            "[stages.first]\nservers = 1\nservice = {{ dist = \"constant\", value = \"20 min\" }}\n\
routes = [{{ to = \"gate\", travel = {travel} }}]\n[stages.gate]\nservers = 1\n\
service = {{ dist = \"constant\", value = \"5 min\" }}\nroutes = [{{ to = \"exit\" }}]\n"
        )
    };
    let fixed = landport::run(&traced(dir.path(), &arrivals, &route("\"15 min\"")), 1);
    let law = landport::run(
        &traced(
            dir.path(),
            &arrivals,
            &route("{ dist = \"constant\", value = \"15 min\" }"),
        ),
        1,
    );
    assert_eq!(visit_hours(&fixed), visit_hours(&law));

    // Drawn per truck: the mean drive is the law's mean (exponential 30 min, uniform 10–50 min),
    // within the tolerance the run length gives (99%, 8 replications), itself within 1%.
    for (travel, mean) in [
        ("{ dist = \"exponential\", mean = \"30 min\" }", 0.5),
        (
            "{ dist = \"uniform\", min = \"10 min\", max = \"50 min\" }",
            0.5,
        ),
    ] {
        let text = format!(
            r#"
name = "drive"
seed = 1
warmup = "1 d"
horizon = "80 d"
[arrivals]
process = "poisson"
rate = "20 trucks per hour"
to = "desk"
[stages.desk]
servers = 50
service = {{ dist = "constant", value = "1 min" }}
routes = [{{ to = "exit", travel = {travel} }}]
"#
        );
        let runs = crate::replicate(&crate::scenario(&text), 8);
        let drives: Vec<f64> = runs
            .iter()
            .map(|run| run.breakdown[0].travel_hours)
            .collect();
        let (estimate, standard_error) = crate::mean_and_standard_error(&drives);
        let tolerance = 3.499 * standard_error;
        eprintln!(
            "travel {travel}: mean {estimate:.5} h ± {tolerance:.5} (99%), law's mean {mean}"
        );
        assert!(
            tolerance < 0.01 * mean,
            "the run is too short to resolve 1%"
        );
        assert!(
            (estimate - mean).abs() <= tolerance,
            "{estimate} against {mean}"
        );
    }
}

#[test]
fn planned_maintenance_withdraws_servers_as_a_shift_end_does() {
    // Two desks, an hour a truck; on Monday 3 March one desk is serviced 08:00–10:00. Three
    // trucks at 08:00: one desk serves the first two, 08–09 and 09–10, the third starts at 10:00
    // when the second desk is back. Without the maintenance the third starts at 09:00.
    let dir = tempfile::tempdir().unwrap();
    let desk = |maintenance: &str| {
        format!(
            "[stages.first]\nservers = 2\nservice = {{ dist = \"constant\", value = \"1 h\" }}\n\
{maintenance}\nroutes = [{{ to = \"exit\" }}]\n"
        )
    };
    let starts = |maintenance: &str| -> Vec<f64> {
        let scenario = traced(dir.path(), &[8.0, 8.0, 8.0], &desk(maintenance));
        visit_hours(&landport::run(&scenario, 1))
            .iter()
            .map(|visits| visits[0][1])
            .collect()
    };
    let dated =
        "maintenance = [{ from = \"08:00\", to = \"10:00\", on = [\"2025-03-03\"], servers = 1 }]";
    assert_eq!(starts(dated), vec![8.0, 9.0, 10.0]);
    assert_eq!(starts(""), vec![8.0, 8.0, 9.0]);
    // On another date it changes nothing.
    assert_eq!(
        starts(&dated.replace("2025-03-03", "2025-03-04")),
        vec![8.0, 8.0, 9.0]
    );
    // Weekly, on Mondays: the same on day 0, and the week's mean servers count it (2 desks less
    // one for two hours of the 168: 2 − 2/168).
    let weekly =
        "maintenance = [{ from = \"08:00\", to = \"10:00\", days = \"mon\", servers = 1 }]";
    assert_eq!(starts(weekly), vec![8.0, 9.0, 10.0]);
    let scenario = traced(dir.path(), &[8.0], &desk(weekly));
    let mean_servers = scenario.offered_loads()[0].mean_servers;
    assert!(
        (mean_servers - (2.0 - 2.0 / 168.0)).abs() < 1e-12,
        "{mean_servers}"
    );
}
