//! Truck classes: non-preemptive priority against Cobham's formula, exact timelines of reserved
//! lanes and priorities on tiny traced scenarios, and per-class results that add up.

use std::path::Path;

use landport::RunResult;

use crate::behaviour::{traced, visits_to, whole_minutes};
use crate::queueing::{check, REPLICATIONS};
use crate::{replicate, scenario};

/// Two classes at one M/G/1 desk, 6 trucks an hour: `urgent` (a third of them, a constant 6 min)
/// served before `normal` (exponential, mean 6 min) when the desk frees, never interrupting a
/// service.
const PRIORITY_MG1: &str = r#"
name = "priority-mg1"
seed = 1
warmup = "20 d"
horizon = "3000 d"
[arrivals]
process = "poisson"
rate = "6 trucks per hour"
to = "desk"
[classes.urgent]
share = 0.333333333333
priority = 1
[classes.urgent.stages.desk]
service = { dist = "constant", value = "6 min" }
[classes.normal]
[stages.desk]
servers = 1
discipline = "priority"
service = { dist = "exponential", mean = "6 min" }
routes = [{ to = "exit" }]
"#;

#[test]
fn two_priority_classes_at_one_server_match_cobham() {
    // M/M/1 (both classes exponential), then M/G/1 with the urgent class's own constant law.
    let mm1 = PRIORITY_MG1.replace(
        r#"service = { dist = "constant", value = "6 min" }"#,
        r#"service = { dist = "exponential", mean = "6 min" }"#,
    );
    for (queue, text, second_urgent) in [
        ("M/M/1", mm1.as_str(), 2.0 * 0.1 * 0.1),
        ("M/G/1", PRIORITY_MG1, 0.1 * 0.1),
    ] {
        // Cobham (1954): W_k = W0 / ((1 - σ_{k-1})(1 - σ_k)), W0 = Σ λ_i E[S_i²] / 2, σ_k the
        // load of the classes of priority k and higher.
        let (lambda_urgent, lambda_normal) = (6.0 / 3.0, 6.0 * 2.0 / 3.0);
        let second_normal = 2.0 * 0.1 * 0.1;
        let w0 = (lambda_urgent * second_urgent + lambda_normal * second_normal) / 2.0;
        let (rho_urgent, rho_normal) = (lambda_urgent * 0.1, lambda_normal * 0.1);
        let urgent = w0 / (1.0 - rho_urgent);
        let normal = w0 / ((1.0 - rho_urgent) * (1.0 - rho_urgent - rho_normal));
        let runs = replicate(&scenario(text), REPLICATIONS);
        let wait = |class: usize| -> Vec<f64> {
            runs.iter()
                .map(|run| run.classes[class].breakdown[0].waiting_hours)
                .collect()
        };
        check(
            &format!("Cobham, {queue}: urgent class mean wait"),
            &wait(0),
            urgent,
            0.03,
        );
        check(
            &format!("Cobham, {queue}: normal class mean wait"),
            &wait(1),
            normal,
            0.03,
        );
        // Each class's share of the trucks.
        let share: Vec<f64> = runs
            .iter()
            .map(|run| run.classes[0].dwell.trucks as f64 / run.dwell.trucks as f64)
            .collect();
        check(
            &format!("{queue}: urgent share of the trucks"),
            &share,
            1.0 / 3.0,
            0.01,
        );
    }
    // The urgent class's own law at the desk.
    for run in replicate(&scenario(PRIORITY_MG1), 2) {
        assert_eq!(run.classes[0].breakdown[0].service_hours, 0.1);
    }
}

/// (arrival, started, finished) in minutes of each truck, with its class, in arrival order.
fn starts(result: &RunResult) -> Vec<(u32, [u64; 3])> {
    visits_to(result, 0)
        .iter()
        .map(|(truck, visit)| {
            (
                truck.class,
                [
                    whole_minutes(truck.arrival),
                    whole_minutes(visit.started),
                    whole_minutes(visit.finished),
                ],
            )
        })
        .collect()
}

fn at(hours: f64, minutes: f64) -> f64 {
    hours + minutes / 60.0
}

/// A scenario of two classes at one stage `first`: `fruit` arriving at the hours of
/// fruit.csv, `other` at those of the scenario's trace.
fn two_classes(dir: &Path, other: &[f64], fruit: &[f64], stage: &str) -> landport::Scenario {
    let fruit_trace: String = std::iter::once("arrival_hours".to_string())
        .chain(fruit.iter().map(f64::to_string))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("fruit.csv"), fruit_trace).unwrap();
    let body = format!(
        r#"
[classes.other]
[classes.fruit]
priority = 1
arrivals = {{ process = "trace", file = "fruit.csv", to = "first" }}
{stage}
"#
    );
    traced(dir, other, &body)
}

#[test]
fn a_reserved_lane_serves_only_its_class_and_its_class_may_use_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let stage = r#"
[stages.first]
servers = 2
reserved = { servers = 1, classes = ["fruit"] }
service = { dist = "constant", value = "1 h" }
routes = [{ to = "exit" }]
"#;
    let other = [0.0, at(0.0, 10.0), at(1.0, 50.0)];
    let fruit = [at(0.0, 20.0), at(1.0, 30.0), at(1.0, 40.0)];
    let result = landport::run(&two_classes(dir.path(), &other, &fruit, stage), 1);
    let (other, fruit) = (0, 1);
    // A takes the general lane at 0:00; B waits for it (the fruit lane is free but not for B);
    // F takes the fruit lane at 0:20; B the general lane at 1:00; G the fruit lane at 1:30; H
    // finds both busy and takes the general lane when B leaves at 2:00, ahead of C (first come);
    // C waits past the fruit lane freeing at 2:30 until the general lane frees at 3:00.
    assert_eq!(
        starts(&result),
        [
            (other, [0, 0, 60]),
            (other, [10, 60, 120]),
            (fruit, [20, 20, 80]),
            (fruit, [90, 90, 150]),
            (fruit, [100, 120, 180]),
            (other, [110, 180, 240]),
        ]
    );
}

#[test]
fn priority_serves_the_higher_class_first_without_interrupting_a_service() {
    let dir = tempfile::tempdir().unwrap();
    let stage = r#"
[stages.first]
servers = 1
discipline = "priority"
service = { dist = "constant", value = "1 h" }
routes = [{ to = "exit" }]
"#;
    let other = [0.0, at(0.0, 10.0), at(0.0, 15.0)];
    let fruit = [at(0.0, 20.0), at(1.0, 30.0)];
    let result = landport::run(&two_classes(dir.path(), &other, &fruit, stage), 1);
    let (other, fruit) = (0, 1);
    // L1 is served first and finishes; at 1:00 the fruit truck that came last goes first; at 2:00
    // the second fruit truck (1:30) goes before the two others waiting since 0:10 and 0:15.
    assert_eq!(
        starts(&result),
        [
            (other, [0, 0, 60]),
            (other, [10, 180, 240]),
            (other, [15, 240, 300]),
            (fruit, [20, 60, 120]),
            (fruit, [90, 120, 180]),
        ]
    );
    // Per class: two fruit trucks, dwells 1:40 and 1:30; three others, 1, 3:50 and 4:45.
    let fruit_dwell = result.classes[1].dwell.mean_hours;
    assert!((fruit_dwell - (at(1.0, 40.0) + 1.5) / 2.0).abs() < 1e-12);
    assert_eq!(result.classes[0].dwell.trucks, 3);
}

#[test]
fn class_results_add_up_to_the_port_and_name_their_metrics() {
    let scenario = scenario(PRIORITY_MG1);
    let run = landport::run_summary(&scenario, 7);
    // The classes' trucks make the port's; their dwell sums to the port's total dwell.
    let trucks: u64 = run.classes.iter().map(|class| class.dwell.trucks).sum();
    assert_eq!(trucks, run.dwell.trucks);
    let total: f64 = run
        .classes
        .iter()
        .map(|class| class.dwell.mean_hours * class.dwell.trucks as f64)
        .sum();
    let port_total = run.dwell.mean_hours * run.dwell.trucks as f64;
    assert!((total - port_total).abs() < 1e-6 * port_total);
    // Every metric a run measures is named, in order, by the scenario's list of metrics.
    let measured: Vec<String> = landport::experiment::metrics(&run)
        .iter()
        .map(|metric| metric.id.to_string())
        .collect();
    let named: Vec<String> = landport::experiment::metric_ids(&scenario)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(measured, named);
    assert!(named.contains(&"urgent/dwell_p95_h".to_string()));
    assert!(named.contains(&"normal/desk.waiting_h".to_string()));
}
