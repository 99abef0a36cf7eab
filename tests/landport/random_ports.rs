//! Randomly generated ports: every run keeps its invariants, whatever the configuration.

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64;

use landport::engine::Time;

/// A random but valid scenario: 1–5 stages in a chain with random skips and loops back,
/// random staffing, hours, yards, distributions and travel times.
/// Also returns which stages keep opening hours (08:00–20:00, Monday to Saturday), and which may
/// close (opening hours, or a shift of zero servers).
fn random_scenario(rng: &mut Pcg64, case: usize) -> (String, Vec<bool>, Vec<bool>) {
    let stages = rng.random_range(1..=5);
    let mut text = format!(
        "name = \"random-{case}\"\nseed = {case}\nwarmup = \"{} h\"\nhorizon = \"{} d\"\n\
         [arrivals]\nprocess = \"poisson\"\nrate = \"{:.2} trucks per hour\"\nto = \"s0\"\n",
        rng.random_range(0..48),
        rng.random_range(1..6),
        rng.random_range(0.5..20.0)
    );
    let mut opening = Vec::with_capacity(stages);
    let mut may_close = Vec::with_capacity(stages);
    for i in 0..stages {
        text.push_str(&format!("[stages.s{i}]\n"));
        if rng.random_bool(0.3) {
            let (a, b) = (rng.random_range(0..4), rng.random_range(0..4));
            may_close.push(a == 0 || b == 0);
            text.push_str(&format!(
                "shifts = [{{ from = \"06:00\", to = \"18:00\", servers = {a} }}, {{ from = \"18:00\", to = \"06:00\", servers = {} }}]\n",
                b.max(1 - a.min(1))
            ));
        } else {
            may_close.push(false);
            text.push_str(&format!("servers = {}\n", rng.random_range(1..4)));
        }
        let service = match rng.random_range(0..6) {
            0 => format!(
                "{{ dist = \"exponential\", mean = \"{} min\" }}",
                rng.random_range(1..60)
            ),
            1 => format!(
                "{{ dist = \"constant\", value = \"{} min\" }}",
                rng.random_range(0..30)
            ),
            2 => "{ dist = \"triangular\", min = \"1 min\", mode = \"5 min\", max = \"30 min\" }"
                .to_string(),
            3 => "{ dist = \"lognormal\", mean = \"20 min\", sd = \"15 min\" }".to_string(),
            4 => "{ dist = \"erlang\", k = 2, mean = \"10 min\" }".to_string(),
            _ => "{ dist = \"empirical\", values = [1, 4, 9, 30], unit = \"min\" }".to_string(),
        };
        text.push_str(&format!("service = {service}\n"));
        if rng.random_bool(0.4) {
            text.push_str(&format!("yard = {}\n", rng.random_range(0..4)));
        }
        opening.push(rng.random_bool(0.4));
        may_close[i] |= opening[i];
        if opening[i] {
            text.push_str("opening = { from = \"08:00\", to = \"20:00\", days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\"] }\n");
        }
        // Onward to the next stage (or exit), sometimes skipping ahead or looping back.
        let next = if i + 1 < stages {
            format!("s{}", i + 1)
        } else {
            "exit".to_string()
        };
        let mut routes = vec![(next, 0.8)];
        if i + 2 < stages {
            routes.push((format!("s{}", i + 2), 0.15));
        } else {
            routes.push(("exit".to_string(), 0.15));
        }
        routes.push((format!("s{}", rng.random_range(0..=i)), 0.05));
        let routes: Vec<String> = routes
            .iter()
            .map(|(to, p)| {
                let travel = if rng.random_bool(0.3) {
                    ", travel = \"7 min\""
                } else {
                    ""
                };
                format!("{{ to = \"{to}\", p = {p}{travel} }}")
            })
            .collect();
        text.push_str(&format!("routes = [{}]\n", routes.join(", ")));
    }
    (text, opening, may_close)
}

#[test]
fn random_ports_keep_their_invariants() {
    let mut rng = Pcg64::seed_from_u64(2025);
    for case in 0..150 {
        let (text, opening, may_close) = random_scenario(&mut rng, case);
        let scenario = crate::scenario(&text);
        let result = landport::run(&scenario, case as u64);
        let trucks = &result.trucks;
        assert_eq!(
            trucks.arrived,
            trucks.exited + trucks.in_port_at_end,
            "case {case}:\n{text}"
        );
        let log = result.log.as_ref().unwrap();
        assert_eq!(log.trucks.len() as u64, result.dwell.trucks, "case {case}");
        for truck in &log.trucks {
            let mut previous = truck.arrival;
            for visit in log.visits(truck) {
                assert!(
                    previous <= visit.queued
                        && visit.queued <= visit.started
                        && visit.started <= visit.finished
                        && visit.finished <= visit.departed,
                    "case {case}, truck {}: {visit:?} after {previous:?}\n{text}",
                    truck.id
                );
                previous = visit.departed;
                if opening[visit.stage] {
                    // The default start, 2025-01-06, is a Monday: day 6 of each week is a Sunday.
                    let hour = visit.started.time_of_day().hours();
                    assert!(
                        (8.0..20.0).contains(&hour) && visit.started.day() % 7 != 6,
                        "case {case}: {visit:?}"
                    );
                }
            }
            assert!(previous <= truck.exit, "case {case}, truck {}", truck.id);
            assert!(truck.exit <= Time::from_hours(result.warmup_hours + result.horizon_hours));
        }
        for stage in &result.stages {
            assert!(stage.served <= stage.entered, "case {case}: {stage:?}");
        }
        // Where the time goes adds up to the mean dwell, and the closed part is the queueing
        // time before an opening, never more than the wait itself.
        let parts: f64 = result.breakdown.iter().map(|part| part.total_hours()).sum();
        let dwell = result.dwell.mean_hours;
        assert!(
            (parts - dwell).abs() <= 1e-9 * dwell.max(1.0),
            "case {case}: parts {parts} vs dwell {dwell}"
        );
        for (part, &closes) in result.breakdown.iter().zip(&may_close) {
            assert!(part.closed_hours >= 0.0 && part.waiting_hours >= 0.0);
            if !closes {
                assert_eq!(part.closed_hours, 0.0, "case {case}: {part:?}");
            }
        }
        let again = landport::run(&scenario, case as u64);
        assert_eq!(
            again.log.unwrap().trucks,
            log.trucks,
            "case {case}: same seed, other records"
        );
    }
}
