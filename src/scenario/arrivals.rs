//! `[arrivals]`: the arrival process (Poisson, a weekly profile, a recorded trace), its entry
//! stage and its volume scale.

use std::collections::HashMap;
use std::path::Path;

use super::locate::KeyPath;
use super::raw::RawArrivals;
use super::{shown_number, units, Checker, MAX_TRACE_BYTES};
use crate::engine::{Instant, Span};
use crate::model::Arrivals;

/// The keys of `[arrivals]` that `process` uses besides `process` and `to`; `None` for an
/// unknown process.
pub(super) fn process_keys(process: &str) -> Option<&'static [&'static str]> {
    match process {
        "poisson" => Some(&["rate", "scale"]),
        "profile" => Some(&["unit", "hourly", "weekday_factors", "weekly", "scale"]),
        "trace" => Some(&["file"]),
        _ => None,
    }
}

impl Checker<'_> {
    pub(super) fn arrivals(
        &mut self,
        raw: RawArrivals,
        path: &KeyPath,
        indices: &HashMap<String, usize>,
    ) -> (Option<Arrivals>, Option<usize>) {
        let entry = match raw.to.as_deref().map(|to| (to, indices.get(to))) {
            Some((_, Some(&index))) => Some(index),
            Some((to, None)) => {
                self.report(&path.key("to"), format!("no stage named \"{to}\""));
                None
            }
            // Reported when read.
            None => None,
        };
        let Some(process) = raw.process.as_deref() else {
            return (None, entry);
        };
        // An unknown process (reported below) may use any of them.
        let uses = process_keys(process).unwrap_or(RawArrivals::KEYS);
        let given = [
            ("rate", raw.rate.is_some()),
            ("unit", raw.unit.is_some()),
            ("hourly", raw.hourly.is_some()),
            ("weekday_factors", raw.weekday_factors.is_some()),
            ("weekly", raw.weekly.is_some()),
            ("file", raw.file.is_some()),
            ("scale", raw.scale.is_some()),
        ];
        for (key, present) in given {
            if present && !uses.contains(&key) {
                self.report(
                    &path.key(key),
                    format!("is not used by process \"{process}\""),
                );
            }
        }
        let arrivals = match process {
            "poisson" => match &raw.rate {
                Some(rate) => units::rate(rate)
                    .map_err(|message| self.report(&path.key("rate"), message))
                    .ok()
                    .map(|rate| Arrivals::Poisson { rate }),
                None => {
                    if !raw.bad.contains(&"rate") {
                        self.report(
                            &path.key("rate"),
                            "is required for process \"poisson\", e.g. rate = \"16 trucks per hour\"",
                        );
                    }
                    None
                }
            },
            "profile" => self.profile(&raw, path),
            "trace" => match &raw.file {
                Some(file) => self.trace(file, &path.key("file")),
                None => {
                    if !raw.bad.contains(&"file") {
                        self.report(&path.key("file"), "is required for process \"trace\"");
                    }
                    None
                }
            },
            other => {
                self.report(
                    &path.key("process"),
                    format!("expected \"poisson\", \"profile\" or \"trace\", got \"{other}\""),
                );
                None
            }
        };
        let scale = match raw.scale {
            Some(scale) if !(scale.is_finite() && scale > 0.0) => {
                self.report(
                    &path.key("scale"),
                    format!("must be a finite number > 0, got {}", shown_number(scale)),
                );
                None
            }
            Some(scale) if scale > 1000.0 => {
                self.report(
                    &path.key("scale"),
                    format!(
                        "must be at most 1000 (a thousand times the arrivals), got {}",
                        shown_number(scale)
                    ),
                );
                None
            }
            scale => Some(scale.unwrap_or(1.0)),
        };
        (arrivals.zip(scale).map(|(a, scale)| a.scaled(scale)), entry)
    }

    fn profile(&mut self, raw: &RawArrivals, path: &KeyPath) -> Option<Arrivals> {
        let per_ms = match &raw.unit {
            Some(unit) => units::rate_unit(unit)
                .map_err(|message| self.report(&path.key("unit"), message))
                .ok(),
            None => {
                if !raw.bad.contains(&"unit") {
                    self.report(
                        &path.key("unit"),
                        "is required for process \"profile\", e.g. unit = \"trucks per hour\"",
                    );
                }
                None
            }
        };
        let table = match (&raw.hourly, &raw.weekly) {
            (Some(_), Some(_)) => {
                self.report(
                    &path.key("weekly"),
                    "give either `hourly` (with optional `weekday_factors`) or `weekly`, not both",
                );
                None
            }
            (None, None) if raw.bad.contains(&"hourly") || raw.bad.contains(&"weekly") => None,
            (None, None) => {
                self.report(
                    &path.key("hourly"),
                    "is required for process \"profile\": 24 rates, 00:00 first \
                     (or `weekly`: 7 rows of 24 rates, Monday first)",
                );
                None
            }
            (Some(hourly), None) => self.hourly_profile(hourly, raw, path),
            (None, Some(weekly)) => self.weekly_profile(weekly, raw, path),
        };
        let (per_ms, table) = (per_ms?, table?);
        let mut rates = Box::new([0.0; 168]);
        for (rate, value) in rates.iter_mut().zip(&table) {
            *rate = value / per_ms;
        }
        if rates.iter().all(|rate| *rate == 0.0) {
            self.report(
                &path.key("hourly"),
                "at least one hour of the week must have a rate > 0",
            );
            return None;
        }
        Some(Arrivals::Profile { rates })
    }

    /// Rates for the 168 hours of the week from a daily profile times weekday factors.
    fn hourly_profile(
        &mut self,
        hourly: &[f64],
        raw: &RawArrivals,
        path: &KeyPath,
    ) -> Option<Vec<f64>> {
        let factors = raw.weekday_factors.clone().unwrap_or_else(|| vec![1.0; 7]);
        let hourly_ok = self.rates_row(
            hourly,
            24,
            &path.key("hourly"),
            "24 rates (one per hour, 00:00 first)",
        );
        let factors_ok = self.rates_row(
            &factors,
            7,
            &path.key("weekday_factors"),
            "7 factors, Monday first",
        );
        (hourly_ok && factors_ok).then(|| {
            factors
                .iter()
                .flat_map(|factor| hourly.iter().map(move |rate| rate * factor))
                .collect()
        })
    }

    /// Rates for the 168 hours of the week given day by day.
    fn weekly_profile(
        &mut self,
        weekly: &[Vec<f64>],
        raw: &RawArrivals,
        path: &KeyPath,
    ) -> Option<Vec<f64>> {
        if raw.weekday_factors.is_some() {
            self.report(
                &path.key("weekday_factors"),
                "is not used with `weekly`, which gives every day's rates",
            );
            return None;
        }
        if weekly.len() != 7 {
            self.report(
                &path.key("weekly"),
                format!(
                    "must have 7 rows of 24 rates, Monday first, got {} rows",
                    weekly.len()
                ),
            );
            return None;
        }
        let mut valid = true;
        for (day, row) in weekly.iter().enumerate() {
            valid &= self.rates_row(
                row,
                24,
                &path.key("weekly").index(day),
                "24 rates (one per hour, 00:00 first)",
            );
        }
        valid.then(|| weekly.concat())
    }

    /// Checks a row of rates or factors: its length and that each is finite and >= 0.
    fn rates_row(&mut self, values: &[f64], len: usize, path: &KeyPath, what: &str) -> bool {
        if values.len() != len {
            self.report(path, format!("must have {what}, got {}", values.len()));
            return false;
        }
        self.all_non_negative(values, path)
    }

    /// Reports every element of `values` that is not finite and >= 0; true when there is none.
    fn all_non_negative(&mut self, values: &[f64], path: &KeyPath) -> bool {
        let mut valid = true;
        for (i, value) in values.iter().enumerate() {
            if !value.is_finite() || *value < 0.0 {
                self.report(
                    &path.index(i),
                    format!("must be finite and >= 0, got {}", shown_number(*value)),
                );
                valid = false;
            }
        }
        valid
    }

    /// Reads a CSV trace with a column `arrival_hours` (hours since the start of the run).
    fn trace(&mut self, file: &str, path: &KeyPath) -> Option<Arrivals> {
        let trace_path = self
            .layers
            .file_of(path)
            .parent()
            .unwrap_or(Path::new(""))
            .join(file);
        if let Some(times) = self.layers.shared.trace(&trace_path) {
            return Some(Arrivals::Trace { times });
        }
        // A regular file of bounded size: not a device that never ends, nor a folder.
        let opened = std::fs::metadata(&trace_path).and_then(|metadata| {
            if !metadata.is_file() {
                return Err(std::io::Error::other("not a regular file"));
            }
            if metadata.len() > MAX_TRACE_BYTES {
                return Err(std::io::Error::other(format!(
                    "{} bytes, more than the {MAX_TRACE_BYTES} a trace may have",
                    metadata.len()
                )));
            }
            std::fs::File::open(&trace_path)
        });
        let mut reader = match opened {
            Ok(file) => csv::Reader::from_reader(std::io::Read::take(file, MAX_TRACE_BYTES)),
            Err(error) => {
                self.report(
                    path,
                    format!("cannot read trace {}: {error}", trace_path.display()),
                );
                return None;
            }
        };
        let column = match reader.headers() {
            Ok(headers)
                if headers
                    .iter()
                    .filter(|h| h.trim() == "arrival_hours")
                    .count()
                    > 1 =>
            {
                self.report(
                    path,
                    format!(
                        "{}:1: the column \"arrival_hours\" appears more than once",
                        trace_path.display()
                    ),
                );
                return None;
            }
            Ok(headers) => headers.iter().position(|h| h.trim() == "arrival_hours"),
            Err(error) => {
                self.report(path, format!("{}: {error}", trace_path.display()));
                return None;
            }
        };
        let Some(column) = column else {
            self.report(
                path,
                format!(
                    "{}:1: needs a column \"arrival_hours\"",
                    trace_path.display()
                ),
            );
            return None;
        };
        let mut times = Vec::new();
        let mut previous = Instant::START;
        for (i, record) in reader.records().enumerate() {
            let line = i + 2;
            let record = match record {
                Ok(record) => record,
                Err(error) => {
                    self.report(path, format!("{}:{line}: {error}", trace_path.display()));
                    return None;
                }
            };
            let field = record.get(column).unwrap_or("").trim();
            let hours: f64 = match field.parse() {
                Ok(hours) if f64::is_finite(hours) && hours >= 0.0 => hours,
                _ => {
                    self.report(
                        path,
                        format!(
                            "{}:{line}: arrival_hours: expected hours >= 0, got \"{field}\"",
                            trace_path.display()
                        ),
                    );
                    return None;
                }
            };
            let time = Instant::after_start(Span::from_hours(hours));
            if time < previous {
                self.report(
                    path,
                    format!("{}:{line}: arrival_hours: arrivals must be in time order, {hours} comes after {}", trace_path.display(), previous.hours()),
                );
                return None;
            }
            previous = time;
            times.push(time);
        }
        if times.is_empty() {
            self.report(
                path,
                format!("{}: the trace has no arrivals", trace_path.display()),
            );
            return None;
        }
        let times = self.layers.shared.keep_trace(&trace_path, times);
        Some(Arrivals::Trace { times })
    }
}
