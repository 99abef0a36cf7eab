//! Time zones: the two sides of a border read their hours, dates and daily quotas on their own
//! clocks. Exact timelines on tiny traced scenarios whose clock is UTC.

use landport::RunResult;

use crate::behaviour::{traced, visits_to, whole_minutes};

/// (started, finished) in minutes of each truck's visit to `stage`, in id order.
fn at_stage(result: &RunResult, stage: usize) -> Vec<(u64, u64)> {
    visits_to(result, stage)
        .iter()
        .map(|(_, visit)| (whole_minutes(visit.started), whole_minutes(visit.finished)))
        .collect()
}

fn minutes(hours: u64, minutes: u64) -> u64 {
    hours * 60 + minutes
}

#[test]
fn a_truck_cleared_in_china_meets_a_kazakh_gate_on_kazakh_time() {
    let dir = tempfile::tempdir().unwrap();
    // The run's clock is UTC. The Chinese exit (+08:00) opens 09:00–21:00 China time, 01:00–13:00
    // UTC; the Kazakh gate (+05:00) 09:00–18:00 Kazakh time, 04:00–13:00 UTC, 12:00–21:00 China.
    let body = r#"
[ports.china]
time_zone = "+08:00"
stages = ["first"]
[ports.kazakhstan]
time_zone = "+05:00"
stages = ["kazakh-gate"]
[stages.first]
servers = 1
service = { dist = "constant", value = "10 min" }
opening = { from = "09:00", to = "21:00" }
routes = [{ to = "kazakh-gate", travel = "15 min" }]
[stages.kazakh-gate]
servers = 1
service = { dist = "constant", value = "10 min" }
opening = { from = "09:00", to = "18:00" }
routes = [{ to = "exit" }]
"#;
    // C arrives at 00:30 UTC (08:30 in China) and waits for 09:00 China time, 01:00 UTC. A is cleared at
    // 17:00 China time, meets the Kazakh gate at 14:15 Kazakh time, open. B is cleared at 20:50
    // China time and meets the gate at 18:05 Kazakh time (21:05 in China), closed since 18:00: it
    // waits for 09:00 Kazakh time the next day, 04:00 UTC (12:00 in China).
    let hours = |h: u64, m: u64| (h * 60 + m) as f64 / 60.0;
    let arrivals = [hours(0, 30), hours(8, 50), hours(12, 40)];
    let result = landport::run(&traced(dir.path(), &arrivals, body), 1);
    assert_eq!(
        at_stage(&result, 0),
        [
            (minutes(1, 0), minutes(1, 10)),
            (minutes(8, 50), minutes(9, 0)),
            (minutes(12, 40), minutes(12, 50)),
        ]
    );
    // At the Kazakh gate: C at 01:25 UTC (06:25 Kazakh time) waits for 09:00 Kazakh time, 04:00
    // UTC; A at 09:15; B the next day at 04:00 UTC, hour 28.
    assert_eq!(
        at_stage(&result, 1),
        [
            (minutes(4, 0), minutes(4, 10)),
            (minutes(9, 15), minutes(9, 25)),
            (minutes(28, 0), minutes(28, 10)),
        ]
    );
}

#[test]
fn a_daily_quota_starts_again_at_local_midnight() {
    let dir = tempfile::tempdir().unwrap();
    let body = r#"
[ports.kazakhstan]
time_zone = "+05:00"
stages = ["first"]
[stages.first]
servers = 1
daily_quota = 1
service = { dist = "constant", value = "10 min" }
routes = [{ to = "exit" }]
"#;
    // Two trucks at 17:00 UTC, 22:00 Kazakh time: one a day. The second starts at Kazakh
    // midnight, 19:00 UTC (on UTC it would wait until 24:00).
    let result = landport::run(&traced(dir.path(), &[17.0, 17.0], body), 1);
    assert_eq!(
        at_stage(&result, 0),
        [
            (minutes(17, 0), minutes(17, 10)),
            (minutes(19, 0), minutes(19, 10))
        ]
    );
}

#[test]
fn on_a_chinese_clock_the_kazakh_day_begins_three_hours_later() {
    // The run's clock is China's (+08:00), from Monday 3 March 2025 00:00. The Kazakh gate opens
    // on Mondays only, 09:00–18:00 Kazakh time: 12:00–21:00 China time. At 02:00 on Monday in
    // China it is still Sunday 23:00 in Kazakhstan.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("trace.csv"), "arrival_hours\n2\n21.5\n").unwrap();
    let text = r#"
name = "zones"
seed = 1
start = "2025-03-03"
time_zone = "+08:00"
horizon = "20 d"
[arrivals]
process = "trace"
file = "trace.csv"
to = "kazakh-gate"
[ports.kazakhstan]
time_zone = "+05:00"
stages = ["kazakh-gate"]
holidays = ["2025-03-10"]
[stages.kazakh-gate]
servers = 1
service = { dist = "constant", value = "10 min" }
opening = { from = "09:00", to = "18:00", days = "mon" }
routes = [{ to = "exit" }]
"#;
    let scenario = landport::scenario::parse(text, &dir.path().join("zones.toml")).unwrap();
    let result = landport::run(&scenario, 1);
    // The first waits for Monday 09:00 Kazakh time, 12:00 in China; the second comes at 21:30 in
    // China, 18:30 in Kazakhstan, after closing, and the next Monday (10 March) is a Kazakh
    // holiday: it waits for Monday 17 March, 12:00 China time (day 14, hour 348).
    assert_eq!(
        at_stage(&result, 0),
        [
            (minutes(12, 0), minutes(12, 10)),
            (minutes(14 * 24 + 12, 0), minutes(14 * 24 + 12, 10)),
        ]
    );
}
