//! Route choice between crossings: a truck takes the route of the shortest expected time. Two
//! identical M/M/1 crossings chosen so lie between the pooled M/M/2 and two M/M/1 fed at random,
//! both exact; chosen at random by fixed shares they are the M/M/1.

use landport::RunResult;

use crate::behaviour::{traced, trucks_in_order};
use crate::queueing::{check, erlang_c_wait, REPLICATIONS};
use crate::{mean_and_standard_error, replicate, scenario};

/// Trucks at 16 an hour reach a fork (no time there) and drive to one of two crossings, each
/// one server at exponential 6 min; `choice` at the fork.
fn crossings(choice: &str) -> String {
    format!(
        r#"
name = "crossings"
seed = 1
warmup = "20 d"
horizon = "3000 d"
[arrivals]
process = "poisson"
rate = "16 trucks per hour"
to = "fork"
[stages.fork]
servers = 1000
service = {{ dist = "constant", value = "0 s" }}
{choice}
[stages.crossing-a]
servers = 1
service = {{ dist = "exponential", mean = "6 min" }}
routes = [{{ to = "exit" }}]
[stages.crossing-b]
servers = 1
service = {{ dist = "exponential", mean = "6 min" }}
routes = [{{ to = "exit" }}]
"#
    )
}

#[test]
fn choosing_the_shortest_time_lies_between_pooled_and_split_queues() {
    let (lambda, mu) = (16.0, 10.0);
    let pooled = erlang_c_wait(lambda, mu, 2) + 1.0 / mu;
    let split = 1.0 / (mu - lambda / 2.0);
    let dwell = |run: &RunResult| run.dwell.mean_hours;

    // At random, half and half: each crossing is an M/M/1 at 8 an hour.
    let shares = scenario(&crossings(
        r#"routes = [{ to = "crossing-a", p = 0.5 }, { to = "crossing-b" }]"#,
    ));
    let runs = replicate(&shares, REPLICATIONS);
    let times: Vec<f64> = runs.iter().map(dwell).collect();
    check("two M/M/1 crossings by fixed shares", &times, split, 0.03);

    // The shortest expected time: strictly between the pooled and the split queue, each bound
    // beyond the run's 99% tolerance (T99 × standard error).
    let chosen = scenario(&crossings(
        "choice = \"shortest-time\"\nroutes = [{ to = \"crossing-a\" }, { to = \"crossing-b\" }]",
    ));
    let runs = replicate(&chosen, REPLICATIONS);
    let times: Vec<f64> = runs.iter().map(dwell).collect();
    let (mean, standard_error) = mean_and_standard_error(&times);
    let tolerance = 3.499 * standard_error;
    eprintln!(
        "shortest time: {mean:.5} ± {tolerance:.5} (99%), between pooled M/M/2 {pooled:.5} and \
         split M/M/1 {split:.5}"
    );
    assert!(
        mean - tolerance > pooled && mean + tolerance < split,
        "{mean} ± {tolerance} not between {pooled} and {split}"
    );
    // Equal times go to the first route: crossing A takes a little more than half.
    for run in &runs {
        let share = run.stages[1].entered as f64 / run.stages[0].entered as f64;
        assert!((0.5..0.6).contains(&share), "crossing A took {share}");
    }
}

#[test]
fn a_truck_takes_the_crossing_with_the_fewest_trucks_ahead_the_first_of_equal_ones() {
    let dir = tempfile::tempdir().unwrap();
    let body = r#"
[stages.first]
servers = 10
service = { dist = "constant", value = "0 s" }
choice = "shortest-time"
routes = [{ to = "near", travel = "5 min" }, { to = "far", travel = "20 min" }]
[stages.near]
servers = 1
service = { dist = "constant", value = "30 min" }
routes = [{ to = "exit" }]
[stages.far]
servers = 1
service = { dist = "constant", value = "30 min" }
routes = [{ to = "exit" }]
"#;
    // At 0:00 near is free: 5 + 30 min against 20 + 30. At 0:01 near has one truck ahead (30 min
    // more): 65 min against 50: far. At 0:02 both have one: 65 against 80: near.
    let result = landport::run(&traced(dir.path(), &[0.0, 1.0 / 60.0, 2.0 / 60.0], body), 1);
    let second_stage: Vec<usize> = trucks_in_order(&result)
        .iter()
        .map(|(_, visits)| visits[1].stage)
        .collect();
    assert_eq!(second_stage, [1, 2, 1]);
}
