//! Servers that fail and are repaired: exact timelines on tiny traced scenarios, and an M/M/1
//! stage with failures against the Pollaczek–Khinchine formula for its completion times.

use landport::RunResult;

use crate::behaviour::{traced, visits_to};
use crate::queueing::{check, REPLICATIONS};
use crate::{replicate, scenario};

/// (started, finished, down) in hours of each truck's one visit, in id order.
fn services(result: &RunResult) -> Vec<[f64; 3]> {
    visits_to(result, 0)
        .iter()
        .map(|(_, visit)| {
            [
                visit.started.hours(),
                visit.finished.hours(),
                visit.down.hours(),
            ]
        })
        .collect()
}

fn at(hours: f64, minutes: f64) -> f64 {
    hours + minutes / 60.0
}

/// One scanner, 1 h a truck, failing after 1.5 h and repaired in 15 min, on `clock`.
fn scanner(clock: &str) -> String {
    format!(
        r#"
[stages.first]
servers = 1
service = {{ dist = "constant", value = "1 h" }}
breakdowns = {{ between = {{ dist = "constant", value = "1.5 h" }}, repair = {{ dist = "constant", value = "15 min" }}, clock = "{clock}" }}
routes = [{{ to = "exit" }}]
"#
    )
}

#[test]
fn on_the_operating_clock_a_server_fails_after_serving_and_resumes_its_truck() {
    let dir = tempfile::tempdir().unwrap();
    let arrivals = [0.0, at(0.0, 30.0), at(3.0, 20.0), at(5.0, 0.0)];
    let result = landport::run(&traced(dir.path(), &arrivals, &scanner("operating")), 1);
    // A serves 0:00–1:00 (0.5 h of operation left before a failure). B starts at 1:00, the
    // scanner fails at 1:30 and is repaired at 1:45, B's last half hour ends at 2:15 (1 h left).
    // C serves 3:20–4:20, using the hour up exactly. D starts at 5:00 on a scanner that fails at
    // once: repaired at 5:15, D ends at 6:15.
    assert_eq!(
        services(&result),
        [
            [0.0, 1.0, 0.0],
            [1.0, at(2.0, 15.0), 0.25],
            [at(3.0, 20.0), at(4.0, 20.0), 0.0],
            [5.0, at(6.0, 15.0), 0.25],
        ]
    );
    // Where the time goes: B and D each spent 15 min on the failed scanner, and service is
    // the 1 h each truck was served; the parts still sum to the dwell.
    let part = &result.breakdown[0];
    assert_eq!(part.down_hours, Some(0.5 / 4.0));
    assert_eq!(part.service_hours, 1.0);
    assert!((part.total_hours() - result.dwell.mean_hours).abs() < 1e-12);
}

#[test]
fn on_the_calendar_clock_a_server_fails_idle_or_busy() {
    let dir = tempfile::tempdir().unwrap();
    let arrivals = [0.0, at(0.0, 30.0), at(3.0, 20.0), at(4.0, 50.0)];
    let result = landport::run(&traced(dir.path(), &arrivals, &scanner("calendar")), 1);
    // Failures at 1:30, 3:15, 5:00 (each 1.5 h after the last repair), repaired 15 min later.
    // B is interrupted at 1:30 and ends at 2:15; C arrives at 3:20 at an idle scanner that is
    // down, and starts at 3:30; D starts at 4:50, is interrupted at 5:00 with 50 min to go and
    // ends at 6:05.
    assert_eq!(
        services(&result),
        [
            [0.0, 1.0, 0.0],
            [1.0, at(2.0, 15.0), 0.25],
            [at(3.0, 30.0), at(4.0, 30.0), 0.0],
            [at(4.0, 50.0), at(6.0, 5.0), 0.25],
        ]
    );
    // C's 10 minutes in front of the failed scanner are waiting, not time on it.
    assert_eq!(result.breakdown[0].down_hours, Some(0.5 / 4.0));
}

/// M/M/1 at 4 trucks/h with 6 min service; the server fails after exponential operating time
/// (mean 1 h) and is repaired in a constant 12 min, on the operating clock.
const FAILING_MM1: &str = r#"
name = "failing-mm1"
seed = 1
warmup = "20 d"
horizon = "3000 d"
[arrivals]
process = "poisson"
rate = "4 trucks per hour"
to = "desk"
[stages.desk]
servers = 1
service = { dist = "exponential", mean = "6 min" }
breakdowns = { between = { dist = "exponential", mean = "1 h" }, repair = { dist = "constant", value = "12 min" } }
routes = [{ to = "exit" }]
"#;

#[test]
fn an_mm1_stage_with_failures_matches_pollaczek_khinchine_on_its_completion_times() {
    let (lambda, service, xi, repair) = (4.0, 0.1, 1.0, 0.2);
    // Exponential repairs (the M/M/1 queue with exponential failures and repairs), then constant
    // ones: E[R²] = 2E[R]² and E[R²] = E[R]².
    let exponential = FAILING_MM1.replace(
        r#"repair = { dist = "constant", value = "12 min" }"#,
        r#"repair = { dist = "exponential", mean = "12 min" }"#,
    );
    for (law, text, second_r) in [
        ("exponential", exponential.as_str(), 2.0 * repair * repair),
        ("constant", FAILING_MM1, repair * repair),
    ] {
        // A service of length S meets Poisson(ξS) failures, each adding a repair R: the
        // completion time C = S + ΣR has E[C] = E[S](1 + ξE[R]) and
        // E[C²] = E[S²](1 + ξE[R])² + ξE[S]E[R²] (Avi-Itzhak and Naor, 1963); exponential S:
        // E[S²] = 2E[S]². Pollaczek–Khinchine on C gives the wait.
        let stretch = 1.0 + xi * repair;
        let mean_c = service * stretch;
        let second_c = 2.0 * service * service * stretch * stretch + xi * service * second_r;
        let rho = lambda * mean_c;
        let wait = lambda * second_c / (2.0 * (1.0 - rho));
        let runs = replicate(&scenario(text), REPLICATIONS);
        let of = |value: fn(&RunResult) -> f64| runs.iter().map(value).collect::<Vec<f64>>();
        check(
            &format!("M/G/1 with failures, {law} repairs: mean wait"),
            &of(|run| run.stages[0].mean_wait_hours),
            wait,
            0.03,
        );
        check(
            &format!("M/G/1 with failures, {law} repairs: mean time in system"),
            &of(|run| run.dwell.mean_hours),
            wait + mean_c,
            0.02,
        );
        // The time on the failed server: ξE[S] failures per service, each E[R] long.
        check(
            &format!("M/G/1 with failures, {law} repairs: down hours per truck"),
            &of(|run| run.breakdown[0].down_hours.unwrap()),
            xi * service * repair,
            0.02,
        );
        // Down while serving: the server serves a share λE[S] of the time and is down ξE[R]
        // for each hour served.
        check(
            &format!("M/G/1 with failures, {law} repairs: availability"),
            &of(|run| run.stages[0].availability.unwrap()),
            1.0 - lambda * service * xi * repair,
            0.01,
        );
    }
}

#[test]
fn on_the_calendar_clock_availability_is_uptime_over_the_cycle() {
    // Failures every exponential 2 h of calendar time, repairs a constant 30 min: the server
    // works 2 / 2.5 of the time whatever the traffic (an alternating renewal process), and
    // a fixed staff of one loses the rest: 0.2 × 24 = 4.8 server-hours a day.
    let text = FAILING_MM1.replace(
        r#"breakdowns = { between = { dist = "exponential", mean = "1 h" }, repair = { dist = "constant", value = "12 min" } }"#,
        r#"breakdowns = { between = { dist = "exponential", mean = "2 h" }, repair = { dist = "constant", value = "30 min" }, clock = "calendar" }"#,
    );
    let runs = replicate(&scenario(&text), REPLICATIONS);
    let of = |value: fn(&RunResult) -> f64| runs.iter().map(value).collect::<Vec<f64>>();
    check(
        "calendar clock: availability",
        &of(|run| run.stages[0].availability.unwrap()),
        0.8,
        0.005,
    );
    check(
        "calendar clock: server-hours lost a day",
        &of(|run| run.stages[0].lost_server_hours_per_day.unwrap()),
        4.8,
        0.02,
    );
}
