//! `service = { dist = ..., ... }`: a stage's service-time law and the parameters it takes.

use std::collections::HashMap;

use super::locate::KeyPath;
use super::raw::RawService;
use super::{units, Checker};
use crate::model::Service;

impl Checker<'_> {
    pub(super) fn service(&mut self, raw: &RawService, path: &KeyPath) -> Option<Service> {
        // A law left out is reported when read.
        let dist = raw.dist.as_deref()?;
        let needs: &[&str] = match dist {
            "exponential" => &["mean"],
            "constant" => &["value"],
            "uniform" => &["min", "max"],
            "triangular" => &["min", "mode", "max"],
            "normal" | "lognormal" | "gamma" => &["mean", "sd"],
            "erlang" => &["k", "mean"],
            "empirical" => &["values", "unit"],
            other => {
                self.report(
                    &path.key("dist"),
                    format!("expected one of exponential, constant, uniform, triangular, normal, lognormal, gamma, erlang, empirical; got \"{other}\""),
                );
                return None;
            }
        };
        let durations = [
            ("mean", &raw.mean),
            ("sd", &raw.sd),
            ("min", &raw.min),
            ("mode", &raw.mode),
            ("max", &raw.max),
            ("value", &raw.value),
        ];
        let present = [
            ("k", raw.k.is_some()),
            ("values", raw.values.is_some()),
            ("unit", raw.unit.is_some()),
        ];
        let mut ok = true;
        let mut ms: HashMap<&str, f64> = HashMap::new();
        for (key, value) in durations {
            match (value, needs.contains(&key)) {
                (Some(_), false) => {
                    self.report(
                        &path.key(key),
                        format!(
                            "is not used by dist \"{dist}\" (it takes {})",
                            needs.join(", ")
                        ),
                    );
                    ok = false;
                }
                (None, true) => {
                    if !raw.bad.contains(&key) {
                        self.report(&path.key(key), format!("is required by dist \"{dist}\""));
                    }
                    ok = false;
                }
                (Some(text), true) => match self.duration(text, &path.key(key)) {
                    Some(time) => {
                        ms.insert(key, time.millis() as f64);
                    }
                    None => ok = false,
                },
                (None, false) => {}
            }
        }
        for (key, is_present) in present {
            if raw.bad.contains(&key) {
                ok = false;
            } else if is_present != needs.contains(&key) {
                let message = if is_present {
                    format!(
                        "is not used by dist \"{dist}\" (it takes {})",
                        needs.join(", ")
                    )
                } else {
                    format!("is required by dist \"{dist}\"")
                };
                self.report(&path.key(key), message);
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        let get = |key: &str| ms.get(key).copied().unwrap_or(0.0);
        let (result, culprit) = match dist {
            "exponential" => (Service::exponential(get("mean")), "mean"),
            "constant" => (Service::constant(get("value")), "value"),
            "uniform" => (Service::uniform(get("min"), get("max")), "max"),
            "triangular" => (
                Service::triangular(get("min"), get("mode"), get("max")),
                "mode",
            ),
            "normal" => (Service::normal(get("mean"), get("sd")), "sd"),
            "lognormal" => (Service::lognormal(get("mean"), get("sd")), "sd"),
            "gamma" => (Service::gamma(get("mean"), get("sd")), "sd"),
            "erlang" => {
                let k = raw.k.unwrap_or(0);
                if k < 1 {
                    self.report(&path.key("k"), format!("must be at least 1, got {k}"));
                    return None;
                }
                (
                    Service::erlang(u32::try_from(k).unwrap_or(u32::MAX), get("mean")),
                    "mean",
                )
            }
            _ => {
                let unit = raw.unit.as_deref().unwrap_or("");
                let unit_ms = match units::duration(&format!("1 {unit}")) {
                    Ok(time) => time.millis() as f64,
                    Err(_) => {
                        self.report(
                            &path.key("unit"),
                            format!(
                                "expected a time unit such as \"min\" or \"h\", got \"{unit}\""
                            ),
                        );
                        return None;
                    }
                };
                let values: Vec<f64> = raw.values.iter().flatten().map(|v| v * unit_ms).collect();
                (
                    Service::empirical(self.layers.shared.sample(values)),
                    "values",
                )
            }
        };
        result
            .map_err(|message| {
                // Messages that start with a parameter's name ("sd must be > 0") point at it.
                let key = message
                    .split_whitespace()
                    .next()
                    .filter(|word| needs.contains(word))
                    .unwrap_or(culprit);
                self.report(&path.key(key), message);
            })
            .ok()
    }
}
