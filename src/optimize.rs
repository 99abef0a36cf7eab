//! The staffing optimiser: the cheapest values of integer scenario keys (the servers of a stage or
//! of a shift) whose constraints on result metrics hold with the confidence asked.
//!
//! The decisions span a grid, which is a [`Sweep`]: a point is a combination of decision values,
//! and its runs are the sweep's (point, replication) runs, on the same replication seeds (common
//! random numbers) and through the same journal, so that an interrupted search resumes without
//! running anything twice. The search visits few of the grid's points:
//!
//! 1. **Lower bound**: each decision's smallest value that leaves every stage below an offered
//!    load of 1 with the other decisions at their largest (the traffic equations; no run).
//! 2. **Greedy marginal allocation** from the lower bound: while some constraint fails, add one
//!    unit to the decision that lowers the constraints' shortfall most per unit of cost.
//! 3. **Local search**: from the feasible point reached, move to the cheapest feasible neighbour
//!    that costs less (one unit fewer of a decision, or one fewer of one and one more of another)
//!    until none does.
//! 4. **Confirmation** (ranking and selection): the cheapest feasible points found run again on
//!    replications the search did not use, each constraint tested at a Bonferroni-adjusted
//!    one-sided confidence, and the cheapest that passes is chosen.
//!
//! The search is a function of the runs' values only, so the result does not depend on the
//! thread count or on an interruption.

mod file;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::experiment::MetricId;
use crate::sweep::{InvalidPoint, Sweep};

pub use file::load;

/// A validated optimisation file.
pub struct Optimization {
    /// The grid of every decision's values over the base scenario; its replications are the
    /// search's followed by the confirmation's.
    pub sweep: Sweep,
    pub decisions: Vec<Decision>,
    pub constraints: Vec<Constraint>,
    /// Replications 0.. of every point the search visits.
    pub search_replications: u32,
    /// Replications after the search's, run for the candidates only.
    pub confirm_replications: u32,
    /// How many of the cheapest feasible points are confirmed.
    pub candidates: u32,
}

/// An integer key of the scenario and the values it may take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub key: String,
    pub from: i64,
    pub to: i64,
    pub cost: Cost,
}

/// What one unit of a decision costs, per day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cost {
    /// Per hour a server is on duty: a unit costs this times its hours on duty a day (from the
    /// stage's opening hours or the shift's window, averaged over the week).
    PerServerHour(f64),
    /// Per unit and day (a lane, a bay).
    PerUnit(f64),
}

/// A condition on a result metric's mean over replications, to hold with `confidence`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Constraint {
    pub metric: MetricId,
    pub limit: Limit,
    /// One-sided: the probability that the bound lies on the right side of the true mean.
    pub confidence: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    AtMost(f64),
    AtLeast(f64),
}

impl Limit {
    pub fn value(self) -> f64 {
        match self {
            Limit::AtMost(value) | Limit::AtLeast(value) => value,
        }
    }

    /// `at most 8`, `at least 380`.
    pub fn describe(self) -> String {
        match self {
            Limit::AtMost(value) => format!("at most {value}"),
            Limit::AtLeast(value) => format!("at least {value}"),
        }
    }
}

/// A constraint measured at a point: the mean over the replications and its one-sided bound.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// NaN (written as null) when a replication measured no value.
    #[serde(with = "number_or_null")]
    pub mean: f64,
    /// The upper confidence bound for `at most`, the lower for `at least`.
    #[serde(with = "number_or_null")]
    pub bound: f64,
    pub holds: bool,
}

mod number_or_null {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        value.is_finite().then_some(*value).serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
    }
}

impl Constraint {
    /// The constraint on replications' values, at one-sided `confidence`: mean ± t(confidence,
    /// n − 1) · s / √n. Fails when a value is not a number or there are fewer than two.
    pub fn check(&self, values: &[f64], confidence: f64) -> Check {
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n as f64;
        if n < 2 || !values.iter().all(|value| value.is_finite()) {
            return Check {
                mean,
                bound: f64::NAN,
                holds: false,
            };
        }
        let variance = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let margin = crate::experiment::statistics::t_one_sided(n - 1, confidence)
            * (variance / n as f64).sqrt();
        let (bound, holds) = match self.limit {
            Limit::AtMost(limit) => (mean + margin, mean + margin <= limit),
            Limit::AtLeast(limit) => (mean - margin, mean - margin >= limit),
        };
        Check { mean, bound, holds }
    }

    /// How far the bound misses the limit, relative to the limit (0 when it holds; very large
    /// when there is no bound).
    fn shortfall(&self, check: &Check) -> f64 {
        if check.holds {
            return 0.0;
        }
        if !check.bound.is_finite() {
            return 1e12;
        }
        let limit = self.limit.value();
        let scale = if limit == 0.0 { 1.0 } else { limit.abs() };
        let miss = match self.limit {
            Limit::AtMost(limit) => check.bound - limit,
            Limit::AtLeast(limit) => limit - check.bound,
        };
        miss.max(0.0) / scale
    }
}

/// What the search starts from: each decision's lower bound and the cost of one unit of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// From stability: below it a stage's offered load is 1 or more.
    pub lower: Vec<i64>,
    /// Per day.
    pub unit_costs: Vec<f64>,
}

/// A point the search looked at: run, or (with a stage at an offered load of 1 or more) refused
/// without running.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub point: u32,
    pub values: Vec<i64>,
    /// Per day.
    pub cost: f64,
    /// The highest offered load of the point's stages (`None`: infinite, a stage with traffic
    /// and no server on duty).
    pub max_offered_load: Option<f64>,
    /// Every stage below an offered load of 1. A point that is not stable is never feasible,
    /// whatever a run of finite length measures (a queue that grows without bound may not yet
    /// show in a percentile), and is not run.
    pub stable: bool,
    /// Each constraint on the search's replications, at its confidence.
    pub search: Vec<Check>,
    /// Each constraint on the confirmation's replications, at the adjusted confidence, for a
    /// candidate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm: Option<Vec<Check>>,
}

impl Evaluation {
    pub fn feasible(&self) -> bool {
        self.stable && self.search.iter().all(|check| check.holds)
    }

    pub fn confirmed(&self) -> Option<bool> {
        self.confirm
            .as_ref()
            .map(|checks| checks.iter().all(|check| check.holds))
    }
}

/// How the search ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The cheapest confirmed point, by its number.
    Chosen { point: u32 },
    /// No point in range meets every constraint, even on the search's replications.
    Infeasible,
    /// Points met the constraints in the search, but none was confirmed.
    Unconfirmed,
}

/// Everything the search found: every point it ran, in the order of the points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Found {
    pub plan: Plan,
    pub status: Status,
    pub evaluations: Vec<Evaluation>,
    /// The confidence at which each candidate's constraints were confirmed.
    pub confirm_confidence: Vec<f64>,
}

impl Found {
    pub fn evaluation(&self, point: u32) -> Option<&Evaluation> {
        self.evaluations
            .iter()
            .find(|evaluation| evaluation.point == point)
    }

    pub fn chosen(&self) -> Option<&Evaluation> {
        match self.status {
            Status::Chosen { point } => self.evaluation(point),
            _ => None,
        }
    }
}

/// Runs (point, replication) pairs and returns, pair by pair, each constrained metric's value;
/// `Ok(None)` when stopped.
pub type Runner<'a, E> = dyn FnMut(&[(u32, u32)]) -> Result<Option<Vec<Vec<f64>>>, E> + 'a;

impl Optimization {
    fn sizes(&self) -> Vec<i64> {
        self.decisions
            .iter()
            .map(|decision| decision.to - decision.from + 1)
            .collect()
    }

    /// The grid point of a combination of decision values (the first decision varies slowest).
    pub fn point(&self, values: &[i64]) -> u32 {
        let mut point = 0i64;
        for ((value, decision), size) in values.iter().zip(&self.decisions).zip(self.sizes()) {
            point = point * size + (value - decision.from);
        }
        point as u32
    }

    /// The decision values of a grid point.
    pub fn values(&self, point: u32) -> Vec<i64> {
        let mut rest = i64::from(point);
        let mut values = vec![0; self.decisions.len()];
        for ((value, decision), size) in values
            .iter_mut()
            .zip(&self.decisions)
            .zip(self.sizes())
            .rev()
        {
            *value = decision.from + rest % size;
            rest /= size;
        }
        values
    }

    pub fn grid_points(&self) -> usize {
        self.sweep.info.points.len()
    }

    /// The server-hours a day of every stage of a point's scenario.
    fn server_hours(&self, values: &[i64]) -> Result<f64, InvalidPoint> {
        let scenario = self.sweep.point_scenario(self.point(values))?;
        Ok(scenario
            .offered_loads()
            .iter()
            .map(|load| load.mean_servers * 24.0)
            .sum())
    }

    fn stable(&self, values: &[i64]) -> Result<bool, InvalidPoint> {
        Ok(self
            .sweep
            .point_scenario(self.point(values))?
            .max_offered_load()
            < 1.0)
    }

    /// Each decision's lower bound from stability, and the cost of a unit of each.
    pub fn plan(&self) -> Result<Plan, InvalidPoint> {
        let top: Vec<i64> = self.decisions.iter().map(|decision| decision.to).collect();
        let mut lower: Vec<i64> = self
            .decisions
            .iter()
            .map(|decision| decision.from)
            .collect();
        // With every decision at its largest and still a stage overloaded, stability says
        // nothing about the decisions.
        if self.stable(&top)? {
            for (d, decision) in self.decisions.iter().enumerate() {
                let mut values = top.clone();
                for value in decision.from..=decision.to {
                    values[d] = value;
                    if self.stable(&values)? {
                        lower[d] = value;
                        break;
                    }
                }
            }
        }
        let mut unit_costs = Vec::with_capacity(self.decisions.len());
        for (d, decision) in self.decisions.iter().enumerate() {
            unit_costs.push(match decision.cost {
                Cost::PerUnit(cost) => cost,
                Cost::PerServerHour(cost) => {
                    // The hours one more unit is on duty, at the lower bound (or one below it
                    // when the lower bound is the range's top).
                    let mut low = lower.clone();
                    if low[d] == decision.to {
                        low[d] -= 1;
                    }
                    let mut high = low.clone();
                    high[d] += 1;
                    cost * (self.server_hours(&high)? - self.server_hours(&low)?)
                }
            });
        }
        Ok(Plan { lower, unit_costs })
    }

    fn cost(&self, plan: &Plan, values: &[i64]) -> f64 {
        values
            .iter()
            .zip(&plan.unit_costs)
            .map(|(&value, unit)| value as f64 * unit)
            .sum()
    }

    /// Searches the grid with `run`; `Ok(None)` when `run` was stopped.
    pub fn search<E: From<InvalidPoint>>(
        &self,
        plan: Plan,
        run: &mut Runner<'_, E>,
    ) -> Result<Option<Found>, E> {
        let mut search = Search {
            optimization: self,
            plan: &plan,
            evaluated: BTreeMap::new(),
            run,
        };
        let status = search.go()?;
        let Some((status, confirm_confidence)) = status else {
            return Ok(None);
        };
        let evaluations = search.evaluated.into_values().collect();
        Ok(Some(Found {
            plan,
            status,
            evaluations,
            confirm_confidence,
        }))
    }
}

struct Search<'s, 'r, E> {
    optimization: &'s Optimization,
    plan: &'s Plan,
    evaluated: BTreeMap<u32, Evaluation>,
    run: &'s mut Runner<'r, E>,
}

impl<E: From<InvalidPoint>> Search<'_, '_, E> {
    /// Runs the search replications of the stable points not yet run, and notes the unstable
    /// ones; `None` when stopped.
    fn evaluate(&mut self, points: &[Vec<i64>]) -> Result<Option<()>, E> {
        let opt = self.optimization;
        let mut fresh: Vec<u32> = points
            .iter()
            .map(|values| opt.point(values))
            .filter(|point| !self.evaluated.contains_key(point))
            .collect();
        fresh.sort_unstable();
        fresh.dedup();
        let mut loads = Vec::with_capacity(fresh.len());
        for &point in &fresh {
            let load = opt.sweep.point_scenario(point)?.max_offered_load();
            loads.push(Some(load).filter(|load| load.is_finite()));
        }
        let stable: Vec<u32> = fresh
            .iter()
            .zip(&loads)
            .filter(|(_, load)| load.is_some_and(|load| load < 1.0))
            .map(|(&point, _)| point)
            .collect();
        let Some(per_point) = self.run_points(&stable, 0..opt.search_replications)? else {
            return Ok(None);
        };
        let mut measured = stable.iter().zip(per_point).peekable();
        for (point, max_offered_load) in fresh.into_iter().zip(loads) {
            let decisions = opt.values(point);
            let is_stable = max_offered_load.is_some_and(|load| load < 1.0);
            let search = match measured.next_if(|(&run, _)| run == point) {
                Some((_, values)) => opt
                    .constraints
                    .iter()
                    .zip(&values)
                    .map(|(constraint, values)| constraint.check(values, constraint.confidence))
                    .collect(),
                None => vec![
                    Check {
                        mean: f64::NAN,
                        bound: f64::NAN,
                        holds: false,
                    };
                    opt.constraints.len()
                ],
            };
            self.evaluated.insert(
                point,
                Evaluation {
                    point,
                    cost: opt.cost(self.plan, &decisions),
                    values: decisions,
                    max_offered_load,
                    stable: is_stable,
                    search,
                    confirm: None,
                },
            );
        }
        Ok(Some(()))
    }

    /// Each point's values of each constraint's metric over `replications`.
    #[allow(clippy::type_complexity)]
    fn run_points(
        &mut self,
        points: &[u32],
        replications: std::ops::Range<u32>,
    ) -> Result<Option<Vec<Vec<Vec<f64>>>>, E> {
        let pairs: Vec<(u32, u32)> = points
            .iter()
            .flat_map(|&point| replications.clone().map(move |r| (point, r)))
            .collect();
        if pairs.is_empty() {
            return Ok(Some(Vec::new()));
        }
        let Some(values) = (self.run)(&pairs)? else {
            return Ok(None);
        };
        let n = replications.len();
        let constraints = self.optimization.constraints.len();
        Ok(Some(
            values
                .chunks(n)
                .map(|runs| {
                    (0..constraints)
                        .map(|c| runs.iter().map(|run| run[c]).collect())
                        .collect()
                })
                .collect(),
        ))
    }

    /// How far a point is from meeting the constraints: the constraints' relative shortfalls;
    /// for a point that is not stable, more than any stable point's, the more the higher its
    /// offered load.
    fn shortfall(&self, values: &[i64]) -> f64 {
        let evaluation = &self.evaluated[&self.optimization.point(values)];
        if !evaluation.stable {
            let load = evaluation.max_offered_load.unwrap_or(1e6).min(1e6);
            return 1e15 * (1.0 + load);
        }
        self.optimization
            .constraints
            .iter()
            .zip(&evaluation.search)
            .map(|(constraint, check)| constraint.shortfall(check))
            .sum()
    }

    fn feasible(&self, values: &[i64]) -> bool {
        self.evaluated[&self.optimization.point(values)].feasible()
    }

    fn go(&mut self) -> Result<Option<(Status, Vec<f64>)>, E> {
        let opt = self.optimization;
        let decisions = &opt.decisions;
        let mut at = self.plan.lower.clone();
        if self.evaluate(std::slice::from_ref(&at))?.is_none() {
            return Ok(None);
        }
        // Greedy: the unit that lowers the shortfall most for its cost.
        while !self.feasible(&at) {
            let steps: Vec<usize> = (0..decisions.len())
                .filter(|&d| at[d] < decisions[d].to)
                .collect();
            if steps.is_empty() {
                return Ok(Some((Status::Infeasible, Vec::new())));
            }
            let next: Vec<Vec<i64>> = steps
                .iter()
                .map(|&d| {
                    let mut values = at.clone();
                    values[d] += 1;
                    values
                })
                .collect();
            if self.evaluate(&next)?.is_none() {
                return Ok(None);
            }
            let now = self.shortfall(&at);
            let gain = |(d, values): (&usize, &Vec<i64>)| {
                (now - self.shortfall(values)) / self.plan.unit_costs[*d].max(1e-12)
            };
            let best = steps
                .iter()
                .zip(&next)
                .map(|step| (gain(step), step.1))
                // The first of equal gains: the earlier decision.
                .fold(
                    None::<(f64, &Vec<i64>)>,
                    |best, (gain, values)| match best {
                        Some((top, _)) if top >= gain => best,
                        _ => Some((gain, values)),
                    },
                );
            if let Some((_, values)) = best {
                at = values.clone();
            }
        }
        // Local search: the cheapest feasible neighbour that costs less, until none does.
        loop {
            let cost = opt.cost(self.plan, &at);
            let mut next = Vec::new();
            for d in 0..decisions.len() {
                if at[d] <= self.plan.lower[d] {
                    continue;
                }
                let mut fewer = at.clone();
                fewer[d] -= 1;
                next.push(fewer.clone());
                for (e, decision) in decisions.iter().enumerate() {
                    if e != d && fewer[e] < decision.to {
                        let mut swap = fewer.clone();
                        swap[e] += 1;
                        if opt.cost(self.plan, &swap) < cost {
                            next.push(swap);
                        }
                    }
                }
            }
            if self.evaluate(&next)?.is_none() {
                return Ok(None);
            }
            let cheaper = next
                .iter()
                .filter(|values| self.feasible(values))
                .map(|values| (opt.cost(self.plan, values), opt.point(values), values))
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            match cheaper {
                Some((_, _, values)) => at = values.clone(),
                None => break,
            }
        }
        self.confirm()
    }

    /// Runs the cheapest feasible points on fresh replications; the cheapest that passes is
    /// chosen.
    fn confirm(&mut self) -> Result<Option<(Status, Vec<f64>)>, E> {
        let opt = self.optimization;
        let mut feasible: Vec<&Evaluation> = self
            .evaluated
            .values()
            .filter(|evaluation| evaluation.feasible())
            .collect();
        feasible.sort_by(|a, b| a.cost.total_cmp(&b.cost).then(a.point.cmp(&b.point)));
        let candidates: Vec<u32> = feasible
            .iter()
            .take(opt.candidates as usize)
            .map(|evaluation| evaluation.point)
            .collect();
        let replications =
            opt.search_replications..opt.search_replications + opt.confirm_replications;
        let Some(per_point) = self.run_points(&candidates, replications)? else {
            return Ok(None);
        };
        // Bonferroni over the candidates: the chance that any candidate that misses a
        // constraint passes its test is at most 1 − confidence.
        let k = candidates.len().max(1) as f64;
        let levels: Vec<f64> = opt
            .constraints
            .iter()
            .map(|constraint| 1.0 - (1.0 - constraint.confidence) / k)
            .collect();
        for (point, values) in candidates.iter().zip(per_point) {
            let checks = opt
                .constraints
                .iter()
                .zip(&levels)
                .zip(values)
                .map(|((constraint, &level), values)| constraint.check(&values, level))
                .collect();
            if let Some(evaluation) = self.evaluated.get_mut(point) {
                evaluation.confirm = Some(checks);
            }
        }
        let chosen = candidates
            .iter()
            .find(|point| self.evaluated[point].confirmed() == Some(true));
        let status = match chosen {
            Some(&point) => Status::Chosen { point },
            None => Status::Unconfirmed,
        };
        Ok(Some((status, levels)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constraint_is_tested_on_its_one_sided_student_t_bound() {
        let metric: MetricId = "dwell_p95_h".parse().unwrap();
        let at_most = Constraint {
            metric: metric.clone(),
            limit: Limit::AtMost(3.7),
            confidence: 0.95,
        };
        // Mean 2, s = 1, n = 3: t(0.95, 2) = 2.919986 (tables), bound 2 + 2.919986 / √3.
        let check = at_most.check(&[1.0, 2.0, 3.0], 0.95);
        assert_eq!(check.mean, 2.0);
        assert!((check.bound - (2.0 + 2.919_986 / 3f64.sqrt())).abs() < 1e-5);
        assert!(check.holds, "3.686 is at most 3.7");
        assert!(
            !at_most.check(&[1.0, 2.0, 3.0], 0.99).holds,
            "t(0.99, 2) = 6.965"
        );
        let at_least = Constraint {
            limit: Limit::AtLeast(0.4),
            ..at_most.clone()
        };
        let check = at_least.check(&[1.0, 2.0, 3.0], 0.95);
        assert!((check.bound - (2.0 - 2.919_986 / 3f64.sqrt())).abs() < 1e-5);
        assert!(!check.holds, "0.314 is below 0.4");
        // A run that measured nothing, or a single run, proves nothing.
        assert!(!at_most.check(&[1.0, f64::NAN, 3.0], 0.95).holds);
        assert!(!at_most.check(&[1.0], 0.95).holds);
        assert_eq!(
            at_most.shortfall(&at_most.check(&[1.0, 2.0, 3.0], 0.95)),
            0.0
        );
        let miss = at_most.check(&[4.0, 5.0, 6.0], 0.95);
        assert!((at_most.shortfall(&miss) - (miss.bound - 3.7) / 3.7).abs() < 1e-12);
    }
}
