//! The Xinjiang scenarios reproduce the published clearance times at the published volumes.
//!
//! Alashankou: "three days" before, "about five hours" after (seed article); Horgos Customs: 2–3 days
//! down to about 6 hours. Each scenario runs as `landport run` runs it: its own seed and 20
//! replications of a month after a 14-day warm-up. The whole 95% interval of the mean dwell must lie
//! in the published range, and the port must clear what arrives.

struct Expected {
    file: &'static str,
    /// Trucks arriving a day, about (the published volume).
    volume: f64,
    dwell_hours: (f64, f64),
}

const SCENARIOS: [Expected; 4] = [
    Expected {
        file: "alashankou-legacy",
        volume: 385.0,
        dwell_hours: (2.5 * 24.0, 3.5 * 24.0),
    },
    Expected {
        file: "alashankou-reformed",
        volume: 385.0,
        dwell_hours: (4.0, 6.0),
    },
    Expected {
        file: "horgos-legacy",
        volume: 300.0,
        dwell_hours: (2.0 * 24.0, 3.0 * 24.0),
    },
    Expected {
        file: "horgos-reformed",
        volume: 550.0,
        dwell_hours: (5.0, 7.0),
    },
];

#[test]
fn the_scenarios_reproduce_the_published_clearance_times() {
    for expected in SCENARIOS {
        let path = format!("scenarios/{}.toml", expected.file);
        let scenario = landport::scenario::load(path.as_ref()).unwrap();
        assert!(
            scenario.replications() >= 20,
            "{path}: fewer than 20 replications"
        );
        assert!(
            scenario.horizon().hours() >= 30.0 * 24.0,
            "{path}: less than a month"
        );
        let experiment = crate::shipped_experiment(expected.file);
        let dwell = experiment
            .metric(&crate::id("dwell_mean_h"))
            .unwrap()
            .estimate;
        let (low, high) = dwell.interval().unwrap();
        let (min, max) = expected.dwell_hours;
        println!(
            "{}: mean dwell {:.2} h ({low:.2}–{high:.2}), published range {min}–{max} h",
            expected.file, dwell.mean
        );
        assert!(
            min <= low && high <= max,
            "{path}: mean dwell {:.2} ± {:.2} h is not within {min}–{max} h",
            dwell.mean,
            dwell.half_width.unwrap()
        );
        // At the published volume...
        let days = scenario.horizon().hours() / 24.0;
        let arriving = experiment
            .runs
            .iter()
            .map(|run| run.trucks.arrived_after_warmup as f64 / days)
            .sum::<f64>()
            / experiment.runs.len() as f64;
        assert!(
            (arriving / expected.volume - 1.0).abs() < 0.05,
            "{path}: {arriving:.0} trucks a day, published about {}",
            expected.volume
        );
        // ...the port clears what arrives, within 3% over the month (a port that cannot keep up
        // falls further behind every day).
        let cleared = experiment
            .metric(&crate::id("cleared_per_day"))
            .unwrap()
            .estimate
            .mean;
        assert!(
            (cleared / arriving - 1.0).abs() < 0.03,
            "{path}: clears {cleared:.1} trucks a day of {arriving:.1} arriving"
        );
    }
}
