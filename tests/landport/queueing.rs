//! The engine against queueing theory: Erlang C, a Jackson network, Little's law.
//!
//! Each check runs independent replications and derives its statistical tolerance from them:
//! the error must lie within `T99 × standard error` (the run-length tolerance), that tolerance
//! must itself be tighter than the accuracy the issue asks for, and the error must be within
//! that accuracy too. A run too short to resolve the asked accuracy fails the test.

use crate::{mean_and_standard_error, mmc, replicate, scenario};

/// Student t quantile 0.995 with 7 degrees of freedom (8 replications): a 99% two-sided bound.
const T99_7DF: f64 = 3.499;
pub(crate) const REPLICATIONS: u64 = 8;

/// Mean wait in queue of M/M/c (Erlang C), in the time unit of 1/lambda and 1/mu.
pub(crate) fn erlang_c_wait(lambda: f64, mu: f64, c: u32) -> f64 {
    let a = lambda / mu;
    let rho = a / f64::from(c);
    assert!(rho < 1.0);
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        sum += term;
        term *= a / f64::from(k + 1);
    }
    // term is now a^c / c!
    let tail = term / (1.0 - rho);
    let probability_wait = tail / (sum + tail);
    probability_wait / (f64::from(c) * mu - lambda)
}

/// Checks an estimate against the exact value: within the run-length tolerance and within
/// `accuracy` (relative).
pub(crate) fn check(what: &str, estimates: &[f64], exact: f64, accuracy: f64) {
    let (mean, standard_error) = mean_and_standard_error(estimates);
    let tolerance = T99_7DF * standard_error;
    let error = (mean - exact).abs();
    // Shown with `cargo test -- --nocapture`.
    eprintln!(
        "{what}: estimate {mean:.5} ± {tolerance:.5} (99%), exact {exact:.5}, error {:.2}%",
        100.0 * error / exact
    );
    assert!(
        tolerance < accuracy * exact,
        "{what}: the run is too short: 99% tolerance {tolerance:.5} is not below {accuracy} of {exact:.5}"
    );
    assert!(
        error <= tolerance && error <= accuracy * exact,
        "{what}: estimate {mean:.5} ± {tolerance:.5}, exact {exact:.5} (error {:.2}%)",
        100.0 * error / exact
    );
}

#[test]
fn mmc_mean_wait_matches_erlang_c() {
    // (arrivals per hour, mean service in minutes, servers): loads 0.8 and 0.85.
    for (rate, service_minutes, servers) in [(8.0, 12.0, 2), (25.5, 6.0, 3)] {
        let scenario = scenario(&mmc(rate, service_minutes, servers, 20, 3_000));
        let runs = replicate(&scenario, REPLICATIONS);
        let waits: Vec<f64> = runs
            .iter()
            .map(|run| run.stages[0].mean_wait_hours)
            .collect();
        let exact = erlang_c_wait(rate, 60.0 / service_minutes, servers);
        check(&format!("M/M/{servers} at {rate}/h"), &waits, exact, 0.03);
    }
}

/// Three stages with probabilistic routing and feedback:
/// A → B (0.4) or C (0.6); B → C; C → exit (0.9) or back to A (0.1).
const JACKSON: &str = r#"
name = "jackson"
seed = 1
warmup = "20 d"
horizon = "1000 d"
[arrivals]
process = "poisson"
rate = "6 trucks per hour"
to = "a"
[stages.a]
servers = 1
service = { dist = "exponential", mean = "6 min" }
routes = [{ to = "b", p = 0.4 }, { to = "c", p = 0.6 }]
[stages.b]
servers = 2
service = { dist = "exponential", mean = "30 min" }
routes = [{ to = "c" }]
[stages.c]
servers = 2
service = { dist = "exponential", mean = "12 min" }
routes = [{ to = "exit", p = 0.9 }, { to = "a", p = 0.1 }]
"#;

#[test]
fn jackson_network_time_in_system_matches_product_form() {
    let external = 6.0;
    // Traffic equations: λa = 6 + 0.1 λc, λb = 0.4 λa, λc = 0.6 λa + λb = λa.
    let lambda_a = external / 0.9;
    let stations = [
        (lambda_a, 10.0, 1),
        (0.4 * lambda_a, 2.0, 2),
        (lambda_a, 5.0, 2),
    ];
    // By Little's law on the whole network: T = Σ λi (Wq,i + 1/μi) / λ0.
    let exact: f64 = stations
        .iter()
        .map(|&(lambda, mu, c)| lambda * (erlang_c_wait(lambda, mu, c) + 1.0 / mu))
        .sum::<f64>()
        / external;
    let runs = replicate(&scenario(JACKSON), REPLICATIONS);
    let dwell: Vec<f64> = runs.iter().map(|run| run.dwell.mean_hours).collect();
    check("Jackson network mean time in system", &dwell, exact, 0.02);
    // The stage visit rates follow the traffic equations too.
    for (i, &(lambda, _, _)) in stations.iter().enumerate() {
        let rates: Vec<f64> = runs
            .iter()
            .map(|run| run.stages[i].entered as f64 / run.horizon_hours)
            .collect();
        check(&format!("visit rate of stage {i}"), &rates, lambda, 0.02);
    }
}

/// Little's law as the sample-path identity it is: over a run that starts and ends empty, the
/// area under each stage's queue equals the sum of the waits of the trucks that queued there,
/// and the area under its busy servers the sum of their services. A port of three stages with
/// feedback, opening hours and travel takes a trace of 2,000 trucks and clears them all.
#[test]
fn littles_law_holds_at_every_stage_exactly() {
    use rand::{Rng, SeedableRng};
    let dir = tempfile::tempdir().unwrap();
    let mut rng = rand_pcg::Pcg64::seed_from_u64(11);
    let mut text = String::from("arrival_hours\n");
    let mut at = 0.0f64;
    for _ in 0..2000 {
        at += -rng.random::<f64>().ln() / 10.0;
        text.push_str(&format!("{at:.6}\n"));
    }
    std::fs::write(dir.path().join("arrivals.csv"), text).unwrap();
    let file = dir.path().join("port.toml");
    std::fs::write(
        &file,
        r#"
name = "little"
seed = 3
horizon = "800 h"
[arrivals]
process = "trace"
file = "arrivals.csv"
to = "a"
[stages.a]
servers = 2
service = { dist = "exponential", mean = "9 min" }
routes = [{ to = "b", p = 0.4, travel = "5 min" }, { to = "c", p = 0.6 }]
[stages.b]
servers = 3
service = { dist = "lognormal", mean = "30 min", sd = "20 min" }
opening = { from = "06:00", to = "22:00" }
routes = [{ to = "c" }]
[stages.c]
servers = 2
service = { dist = "exponential", mean = "10 min" }
routes = [{ to = "exit", p = 0.9 }, { to = "a", p = 0.1 }]
"#,
    )
    .unwrap();
    let scenario = landport::scenario::load(&file).unwrap();
    for seed in [1, 2] {
        let run = landport::run_summary(&scenario, seed);
        assert_eq!(run.trucks.arrived, 2000);
        assert_eq!(run.trucks.in_port_at_end, 0, "the port must end empty");
        let hours = run.horizon_hours;
        for stage in &run.stages {
            assert_eq!(stage.served, stage.entered, "stage {}", stage.stage);
            let visits = stage.entered as f64;
            let pairs = [
                (
                    "queue",
                    stage.mean_queue * hours,
                    visits * stage.mean_wait_hours,
                ),
                (
                    "busy servers",
                    stage.mean_busy_servers * hours,
                    visits * stage.mean_service_hours,
                ),
            ];
            for (what, area, sum) in pairs {
                eprintln!(
                    "stage {} {what}: area {area:.6} h, sum {sum:.6} h",
                    stage.stage
                );
                assert!(
                    (area - sum).abs() <= 1e-9 * sum,
                    "stage {} {what}: area {area} h against a sum of {sum} h",
                    stage.stage
                );
            }
        }
    }
}

#[test]
fn erlang_c_formula_reference_values() {
    // M/M/1: Wq = ρ / (μ - λ).
    assert!((erlang_c_wait(0.8, 1.0, 1) - 4.0).abs() < 1e-12);
    // M/M/2, λ = 8, μ = 5: P(wait) = 0.7111, Wq = 0.7111 / 2 = 0.35556 h.
    assert!((erlang_c_wait(8.0, 5.0, 2) - 0.355_555_6).abs() < 1e-6);
}

/// M/G/1 with several service laws: mean wait by the Pollaczek–Khinchine formula,
/// Wq = λ E[S²] / (2 (1 − ρ)), which checks each law's second moment, not only its mean.
#[test]
fn mg1_mean_wait_matches_pollaczek_khinchine() {
    let rate = 4.2; // trucks per hour; mean service 10 min gives load 0.7
    let laws = [
        // (service spec, standard deviation in hours)
        ("{ dist = \"constant\", value = \"10 min\" }", 0.0),
        (
            "{ dist = \"uniform\", min = \"5 min\", max = \"15 min\" }",
            (10.0f64 / 60.0) / 12f64.sqrt(),
        ),
        (
            "{ dist = \"erlang\", k = 3, mean = \"10 min\" }",
            (10.0 / 60.0) / 3f64.sqrt(),
        ),
        (
            "{ dist = \"lognormal\", mean = \"10 min\", sd = \"15 min\" }",
            0.25,
        ),
        (
            "{ dist = \"gamma\", mean = \"10 min\", sd = \"5 min\" }",
            5.0 / 60.0,
        ),
        (
            // Empirical 5, 10, 15 min: variance (25 + 0 + 25) / 3 min².
            "{ dist = \"empirical\", values = [5, 10, 15], unit = \"min\" }",
            (50.0f64 / 3.0).sqrt() / 60.0,
        ),
        (
            // Triangular variance (a² + b² + c² − ab − ac − bc) / 18 = 108 / 18 min².
            "{ dist = \"triangular\", min = \"4 min\", mode = \"10 min\", max = \"16 min\" }",
            (108.0f64 / 18.0).sqrt() / 60.0,
        ),
    ];
    for (service, sd) in laws {
        let text = format!(
            r#"
name = "mg1"
seed = 1
warmup = "20 d"
horizon = "3000 d"
[arrivals]
process = "poisson"
rate = "{rate} trucks per hour"
to = "desk"
[stages.desk]
servers = 1
service = {service}
routes = [{{ to = "exit" }}]
"#
        );
        let mean: f64 = 10.0 / 60.0;
        let rho = rate * mean;
        let exact = rate * (sd * sd + mean * mean) / (2.0 * (1.0 - rho));
        let runs = replicate(&scenario(&text), REPLICATIONS);
        let waits: Vec<f64> = runs
            .iter()
            .map(|run| run.stages[0].mean_wait_hours)
            .collect();
        check(&format!("M/G/1 with {service}"), &waits, exact, 0.03);
    }
}

#[test]
fn offered_loads_solve_the_traffic_equations() {
    let loads = scenario(JACKSON).offered_loads();
    let lambda_a = 6.0 / 0.9;
    // (arrival rate, offered load = λ × mean service / servers)
    let expected = [
        (lambda_a, lambda_a * 0.1),
        (0.4 * lambda_a, 0.4 * lambda_a * 0.5 / 2.0),
        (lambda_a, lambda_a * 0.2 / 2.0),
    ];
    for (load, (rate, offered)) in loads.iter().zip(expected) {
        assert!((load.arrival_rate_per_hour - rate).abs() < 1e-9, "{load:?}");
        assert!((load.offered_load - offered).abs() < 1e-9, "{load:?}");
    }
}
