//! Optimisation files: a base scenario, the decisions (integer keys with ranges and costs) and
//! the constraints on result metrics, read with the sweep file's reader and checked whole before
//! anything runs; every problem reported at once with its line.

use std::path::Path;

use toml_edit::Value;

use super::{Constraint, Cost, Decision, Limit, Optimization};
use crate::experiment::MetricId;
use crate::scenario::locate::KeyPath;
use crate::scenario::raw::Fields;
use crate::scenario::{normal_key, InputError, Location, MAX_REPLICATIONS};
use crate::sweep::file::{assemble, load_with, Checked, Checker, Common, Frame, Parameter};
use crate::sweep::{Layout, MAX_POINTS};

/// Most candidates a search confirms.
pub const MAX_CANDIDATES: i64 = 20;

/// Reads and validates an optimisation file, and the scenario of each decision value.
pub fn load(path: &Path) -> Result<Optimization, InputError> {
    load_with(path, "optimisation file", check)
}

struct RawOptimization {
    common: Common,
    confirm_replications: Option<i64>,
    candidates: Option<i64>,
    constraints: Option<Vec<RawConstraint>>,
}

impl RawOptimization {
    const KEYS: &'static [&'static str] = &[
        "scenario",
        "name",
        "seed",
        "replications",
        "confirm_replications",
        "candidates",
        "decisions",
        "constraints",
    ];

    fn read(fields: &mut Fields<'_, '_>) -> RawOptimization {
        let common = Common::read(fields);
        let confirm_replications = fields.integer("confirm_replications");
        let candidates = fields.integer("candidates");
        let constraints = fields.tables("constraints", RawConstraint::KEYS, RawConstraint::read);
        fields.require::<()>("decisions", None);
        fields.require(
            "constraints",
            constraints.as_ref().filter(|c| !c.is_empty()),
        );
        RawOptimization {
            common: common.finish(fields),
            confirm_replications,
            candidates,
            constraints,
        }
    }
}

struct RawConstraint {
    metric: Option<String>,
    at_most: Option<f64>,
    at_least: Option<f64>,
    confidence: Option<f64>,
    bad: Vec<&'static str>,
}

impl RawConstraint {
    const KEYS: &'static [&'static str] = &["metric", "at_most", "at_least", "confidence"];

    fn read(fields: &mut Fields<'_, '_>) -> RawConstraint {
        let metric = fields.string("metric", "a metric name in quotes, such as \"dwell_p95_h\"");
        let mut raw = RawConstraint {
            metric: fields.require("metric", metric),
            at_most: fields.number("at_most"),
            at_least: fields.number("at_least"),
            confidence: fields.number("confidence"),
            bad: Vec::new(),
        };
        raw.bad = std::mem::take(&mut fields.bad);
        raw
    }
}

struct RawDecision {
    from: Option<i64>,
    to: Option<i64>,
    cost_per_server_hour: Option<f64>,
    cost_per_unit: Option<f64>,
}

impl RawDecision {
    const KEYS: &'static [&'static str] = &["from", "to", "cost_per_server_hour", "cost_per_unit"];

    fn read(fields: &mut Fields<'_, '_>) -> RawDecision {
        let (from, to) = (fields.integer("from"), fields.integer("to"));
        RawDecision {
            from: fields.require("from", from),
            to: fields.require("to", to),
            cost_per_server_hour: fields.number("cost_per_server_hour"),
            cost_per_unit: fields.number("cost_per_unit"),
        }
    }
}

fn check(checker: &mut Checker<'_>, path: &Path) -> Option<Optimization> {
    let mut decisions = None;
    let raw = checker.read_top(
        RawOptimization::KEYS,
        RawOptimization::read,
        |checker, found| {
            decisions = read_decisions(checker, found);
        },
    );
    let Checked {
        base,
        name,
        seed,
        replications,
    } = checker.common(path, &raw.common, 2);
    let confirm = checker.in_range(
        "confirm_replications",
        raw.confirm_replications,
        2..=MAX_REPLICATIONS,
    );
    let candidates = checker.in_range("candidates", raw.candidates, 1..=MAX_CANDIDATES);
    // The constraints' limits are checked even when the decisions are wrong; their metrics
    // once the scenario's stages are known.
    let raw_constraints = raw.constraints.unwrap_or_default();
    let decisions = match decisions {
        Some(decisions) => decisions,
        None => {
            read_constraints(checker, raw_constraints, None);
            return None;
        }
    };
    let grid = decisions
        .iter()
        .try_fold(1u64, |n, (decision, _)| {
            n.checked_mul((decision.to - decision.from + 1) as u64)
        })
        .filter(|&n| n <= MAX_POINTS as u64);
    if grid.is_none() {
        let location = checker.at(&KeyPath::default().key("decisions"));
        checker.report(
            location,
            "decisions",
            format!("make more than {MAX_POINTS} combinations: narrow the ranges"),
        );
        return None;
    }
    let parameters = decisions
        .iter()
        .map(|(decision, location)| Parameter {
            key: decision.key.clone(),
            values: (decision.from..=decision.to)
                .map(|value| (Value::from(value), location.clone()))
                .collect(),
        })
        .collect();
    let Some(base) = base else {
        read_constraints(checker, raw_constraints, None);
        return None;
    };
    let Some(mut sweep) = assemble(
        checker,
        path,
        base,
        Frame {
            name,
            seed,
            replications: None,
            check_every_point: false,
        },
        parameters,
        Some(Layout::Grid),
    ) else {
        read_constraints(checker, raw_constraints, None);
        return None;
    };
    let search = match replications {
        Some(n) => n as u32,
        None if sweep.info.replications >= 2 => sweep.info.replications,
        None => {
            let location = checker.top_location("scenario");
            checker.report(
                location,
                "replications",
                format!(
                    "the search needs at least 2 replications a point and {} gives {}: set \
`replications`",
                    sweep.info.scenario_file.display(),
                    sweep.info.replications
                ),
            );
            return None;
        }
    };
    let confirm = confirm.map_or(2 * search, |n| n as u32);
    sweep.info.replications = search.checked_add(confirm)?;
    let constraints = read_constraints(checker, raw_constraints, Some(&sweep.info.metrics))?;
    Some(Optimization {
        sweep,
        decisions: decisions
            .into_iter()
            .map(|(decision, _)| decision)
            .collect(),
        constraints,
        search_replications: search,
        confirm_replications: confirm,
        candidates: candidates.map_or(3, |n| n as u32),
    })
}

/// `[decisions]`: each key path with `{ from, to }` and one cost. `None` when one is wrong (each
/// problem reported).
fn read_decisions(
    checker: &mut Checker<'_>,
    found: &mut Vec<crate::scenario::raw::Found>,
) -> Option<Vec<(Decision, Location)>> {
    let item = checker.document.get("decisions")?;
    let Some(table) = item.as_table_like() else {
        let location = checker.top_location("decisions");
        checker.report(
            location,
            "decisions",
            "must be a table of key paths, each { from = 1, to = 6, cost_per_unit = 100 }",
        );
        return None;
    };
    let mut decisions: Vec<(Decision, Location)> = Vec::new();
    let mut ok = true;
    for (key, item) in table.iter() {
        let path = KeyPath::default().key("decisions").key(key);
        let label = path.to_string();
        let location = checker.at(&path);
        let normal = normal_key(key);
        if decisions.iter().any(|(decision, _)| decision.key == normal) {
            checker.report(
                location,
                &label,
                format!(
                    "decides `{normal}` a second time (written another way): give each key once"
                ),
            );
            ok = false;
            continue;
        }
        let Some(fields) = item.as_table_like() else {
            checker.report(
                location,
                &label,
                "expected a table { from = 1, to = 6, cost_per_server_hour = 30 } (or \
cost_per_unit)",
            );
            ok = false;
            continue;
        };
        let raw = RawDecision::read(&mut Fields::new(fields, path, RawDecision::KEYS, found));
        let (Some(from), Some(to)) = (raw.from, raw.to) else {
            ok = false;
            continue;
        };
        if from < 0 || to <= from {
            checker.report(
                location,
                &label,
                format!("needs 0 <= from < to, got from {from} and to {to}"),
            );
            ok = false;
            continue;
        }
        let cost = match (raw.cost_per_server_hour, raw.cost_per_unit) {
            (Some(cost), None) => Cost::PerServerHour(cost),
            (None, Some(cost)) => Cost::PerUnit(cost),
            (Some(_), Some(_)) => {
                checker.report(
                    location,
                    &label,
                    "give either `cost_per_server_hour` or `cost_per_unit`, not both",
                );
                ok = false;
                continue;
            }
            (None, None) => {
                checker.report(
                    location,
                    &label,
                    "needs a cost: `cost_per_server_hour` (a server on duty) or `cost_per_unit` \
(a unit a day)",
                );
                ok = false;
                continue;
            }
        };
        let (Cost::PerServerHour(value) | Cost::PerUnit(value)) = cost;
        if !(value.is_finite() && value >= 0.0) {
            checker.report(
                location,
                &label,
                format!("a cost must be a finite number >= 0, got {value}"),
            );
            ok = false;
            continue;
        }
        decisions.push((
            Decision {
                key: normal,
                from,
                to,
                cost,
            },
            location,
        ));
    }
    if decisions.is_empty() && ok {
        let location = checker.top_location("decisions");
        checker.report(location, "decisions", "names no key to decide");
        return None;
    }
    ok.then_some(decisions)
}

/// Each constraint's metric (one the runs measure, when `metrics` are known), one limit and its
/// confidence.
fn read_constraints(
    checker: &mut Checker<'_>,
    raw: Vec<RawConstraint>,
    metrics: Option<&[MetricId]>,
) -> Option<Vec<Constraint>> {
    let count = raw.len();
    let mut constraints = Vec::with_capacity(count);
    for (i, raw) in raw.into_iter().enumerate() {
        let path = KeyPath::default().key("constraints").index(i);
        let location = checker.at(&path);
        let label = path.to_string();
        let metric = raw.metric.and_then(|name| {
            let metrics = metrics?;
            let known = name
                .parse::<MetricId>()
                .ok()
                .filter(|metric| metrics.contains(metric));
            if known.is_none() {
                let closest = metrics
                    .iter()
                    .map(|metric| (strsim::levenshtein(&name, &metric.to_string()), metric))
                    .min_by_key(|(distance, _)| *distance)
                    .map(|(_, metric)| metric.to_string())
                    .unwrap_or_default();
                checker.report(
                    checker.at(&path.key("metric")),
                    &path.key("metric").to_string(),
                    format!(
                        "unknown metric `{name}`: a column of sweep.csv, such as dwell_p95_h or \
<stage>.mean_wait_h (did you mean `{closest}`?)"
                    ),
                );
            }
            known
        });
        let limit = match (raw.at_most, raw.at_least) {
            (Some(limit), None) => Some(Limit::AtMost(limit)),
            (None, Some(limit)) => Some(Limit::AtLeast(limit)),
            (Some(_), Some(_)) => {
                checker.report(
                    location.clone(),
                    &label,
                    "give either `at_most` or `at_least`, not both",
                );
                None
            }
            (None, None) => {
                // A misspelt limit is reported as such, not again as missing.
                if !raw.bad.iter().any(|key| key.starts_with("at_")) {
                    checker.report(
                        location.clone(),
                        &label,
                        "needs a limit: `at_most = 8.0` or `at_least = 380`",
                    );
                }
                None
            }
        }
        .filter(|limit| {
            let finite = limit.value().is_finite();
            if !finite {
                checker.report(
                    location.clone(),
                    &label,
                    "the limit must be a finite number",
                );
            }
            finite
        });
        let confidence = raw.confidence.unwrap_or(0.95);
        let confidence = if (0.5..1.0).contains(&confidence) {
            Some(confidence)
        } else {
            checker.report(
                checker.at(&path.key("confidence")),
                &path.key("confidence").to_string(),
                format!("must be at least 0.5 and below 1 (0.95 for 95%), got {confidence}"),
            );
            None
        };
        if let (Some(metric), Some(limit), Some(confidence)) = (metric, limit, confidence) {
            constraints.push(Constraint {
                metric,
                limit,
                confidence,
            });
        }
    }
    (constraints.len() == count).then_some(constraints)
}
