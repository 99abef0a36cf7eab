//! Offered load of each stage from the traffic equations of the open routing network.

use serde::{Deserialize, Serialize};

use super::{Destination, Scenario};
use crate::engine::Span;

/// The long-run demand on one stage compared with its capacity.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageLoad {
    pub stage: String,
    /// Trucks entering the stage per hour, visits counted (traffic equations).
    pub arrival_rate_per_hour: f64,
    pub mean_service_hours: f64,
    /// Servers on duty averaged over a week, closed hours counted as zero.
    pub mean_servers: f64,
    /// Arrival rate × mean service / mean servers; at or above 1 the queue grows without bound.
    pub offered_load: f64,
}

/// Ports up to this many stages solve the traffic equations as one dense system (as they always
/// have, to the last bit); larger ones component by component.
const DENSE_STAGES: usize = 64;

/// Solves λ = λ₀·e_entry + Pᵀλ, the traffic equations of the routing network.
///
/// Validation guarantees every stage reaches the exit, so I − Pᵀ is non-singular.
/// `flow`: the external rate, the stage it enters, and the class whose routes it follows (0
/// without classes, where every stage's own routes apply).
fn visit_rates(scenario: &Scenario, flow: Flow) -> Vec<f64> {
    if scenario.stages.len() <= DENSE_STAGES {
        visit_rates_dense(scenario, flow)
    } else {
        visit_rates_by_component(scenario, flow)
    }
}

/// Trucks entering the network: at what rate, at which stage, along the routes of which class.
#[derive(Debug, Clone, Copy)]
struct Flow {
    rate: f64,
    entry: usize,
    class: usize,
}

/// The traffic equations as one dense system: O(n³) in the stages.
fn visit_rates_dense(scenario: &Scenario, flow: Flow) -> Vec<f64> {
    let n = scenario.stages.len();
    // Augmented matrix [I − Pᵀ | λ₀].
    let mut a = vec![vec![0.0; n + 1]; n];
    for (i, row) in a.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    a[flow.entry][n] = flow.rate;
    for (from, stage) in scenario.stages.iter().enumerate() {
        for route in stage.routes_of(flow.class) {
            if let Destination::Stage(to) = route.to {
                a[to][from] -= route.probability;
            }
        }
    }
    solve(a)
}

/// The traffic equations strongly connected component by component, sources first: each
/// component's rates from a dense system of its own size, given the flow into it. Linear in the
/// stages for a port without loops (a chain of 11,000 stages), cubic only in the largest loop.
fn visit_rates_by_component(scenario: &Scenario, flow: Flow) -> Vec<f64> {
    let stages = &scenario.stages;
    let n = stages.len();
    let successors: Vec<Vec<usize>> = stages
        .iter()
        .map(|stage| {
            stage
                .routes_of(flow.class)
                .iter()
                .filter_map(|route| match route.to {
                    Destination::Stage(to) => Some(to),
                    Destination::Exit => None,
                })
                .collect()
        })
        .collect();
    let components = components(&successors);
    let mut component_of = vec![0; n];
    for (c, component) in components.iter().enumerate() {
        for &stage in component {
            component_of[stage] = c;
        }
    }
    let mut inflow = vec![0.0; n];
    inflow[flow.entry] = flow.rate;
    let mut rates = vec![0.0; n];
    let mut local = vec![0; n];
    // Tarjan's order puts a component after every component it leads to: reversed, sources first.
    for (c, component) in components.iter().enumerate().rev() {
        let k = component.len();
        for (i, &stage) in component.iter().enumerate() {
            local[stage] = i;
        }
        let mut a = vec![vec![0.0; k + 1]; k];
        for (i, &stage) in component.iter().enumerate() {
            a[i][i] = 1.0;
            a[i][k] = inflow[stage];
        }
        for (i, &from) in component.iter().enumerate() {
            for route in stages[from].routes_of(flow.class) {
                if let Destination::Stage(to) = route.to {
                    if component_of[to] == c {
                        a[local[to]][i] -= route.probability;
                    }
                }
            }
        }
        for (&stage, rate) in component.iter().zip(solve(a)) {
            rates[stage] = rate;
        }
        for &from in component {
            for route in stages[from].routes_of(flow.class) {
                if let Destination::Stage(to) = route.to {
                    if component_of[to] != c {
                        inflow[to] += rates[from] * route.probability;
                    }
                }
            }
        }
    }
    rates
}

/// The strongly connected components of a graph (Tarjan's algorithm, without recursion), each
/// after every component it leads to.
fn components(successors: &[Vec<usize>]) -> Vec<Vec<usize>> {
    const NONE: usize = usize::MAX;
    let n = successors.len();
    let (mut index, mut low, mut on_stack) = (vec![NONE; n], vec![0; n], vec![false; n]);
    let (mut stack, mut found) = (Vec::new(), Vec::new());
    let mut next = 0;
    for root in 0..n {
        if index[root] != NONE {
            continue;
        }
        // (stage, how many of its successors are done)
        let mut calls = vec![(root, 0)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&(v, done)) = calls.last() {
            if let Some(&w) = successors[v].get(done) {
                if let Some(call) = calls.last_mut() {
                    call.1 += 1;
                }
                if index[w] == NONE {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(u, _)) = calls.last() {
                low[u] = low[u].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                found.push(component);
            }
        }
    }
    found
}

/// Solves the augmented system [A | b] by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>) -> Vec<f64> {
    let n = a.len();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
            .unwrap_or(col);
        a.swap(col, pivot);
        let p = a[col][col];
        if p.abs() < 1e-300 {
            continue;
        }
        for value in &mut a[col][col..=n] {
            *value /= p;
        }
        let pivot_row = a[col].clone();
        for (row_idx, row) in a.iter_mut().enumerate() {
            let factor = row[col];
            if row_idx != col && factor != 0.0 {
                for (value, pivot_value) in row[col..=n].iter_mut().zip(&pivot_row[col..=n]) {
                    *value -= factor * pivot_value;
                }
            }
        }
    }
    a.iter().map(|row| row[n]).collect()
}

pub(crate) fn offered_loads(scenario: &Scenario) -> Vec<StageLoad> {
    let hour = Span::HOUR.millis() as f64;
    let external = scenario.arrivals.mean_rate() * hour;
    // Per stage: visits an hour, and service hours demanded an hour (each class with its law).
    let (rates, demands): (Vec<f64>, Vec<f64>) = if scenario.classes.is_empty() {
        let flow = Flow {
            rate: external,
            entry: scenario.entry,
            class: 0,
        };
        let rates = visit_rates(scenario, flow);
        let demands = rates
            .iter()
            .zip(&scenario.stages)
            .map(|(rate, stage)| rate * (stage.service.mean() / hour))
            .collect();
        (rates, demands)
    } else {
        let n = scenario.stages.len();
        let (mut rates, mut demands) = (vec![0.0; n], vec![0.0; n]);
        for (class_idx, class) in scenario.classes.iter().enumerate() {
            let (rate, entry) = match &class.arrivals {
                Some((arrivals, entry)) => (arrivals.mean_rate() * hour, *entry),
                None => (external * class.share, scenario.entry),
            };
            let flow = Flow {
                rate,
                entry,
                class: class_idx,
            };
            for (k, visits) in visit_rates(scenario, flow).into_iter().enumerate() {
                rates[k] += visits;
                demands[k] += visits * (scenario.stages[k].service_of(class_idx).mean() / hour);
            }
        }
        (rates, demands)
    };
    scenario
        .stages
        .iter()
        .zip(rates.into_iter().zip(demands))
        .map(|(stage, (rate, demand))| {
            // The mean over the trucks that come, each class with its own law.
            let mean_service_hours = if scenario.classes.is_empty() || rate == 0.0 {
                stage.service.mean() / hour
            } else {
                demand / rate
            };
            let mean_servers = stage.calendar.mean_servers();
            // Repairs hold servers as service does: a failing stage needs more server time.
            let repairs = stage.breakdowns.as_ref().map_or(1.0, |b| b.load_factor());
            let demand = demand * repairs;
            let offered_load = if demand == 0.0 {
                0.0
            } else if mean_servers > 0.0 {
                demand / mean_servers
            } else {
                f64::INFINITY
            };
            StageLoad {
                stage: stage.name.clone(),
                arrival_rate_per_hour: rate,
                mean_service_hours,
                mean_servers,
                offered_load,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A port of `n` stages with loops back, skips ahead and self-loops, every stage leaving
    /// with probability at least 0.1.
    fn tangled(n: usize, seed: u64) -> Scenario {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
        let mut text = String::from(
            "name = \"tangled\"\nseed = 1\nhorizon = \"1 d\"\n[arrivals]\nprocess = \"poisson\"\n\
rate = \"5 trucks per hour\"\nto = \"s0\"\n",
        );
        for i in 0..n {
            let (a, b, c) = (
                rng.random_range(0..n),
                rng.random_range(0..n),
                rng.random_range(0..n),
            );
            text.push_str(&format!(
                "[stages.s{i}]\nservers = 1\nservice = {{ dist = \"constant\", value = \"1 min\" }}\n\
routes = [{{ to = \"s{a}\", p = 0.3 }}, {{ to = \"s{b}\", p = 0.2 }}, {{ to = \"s{c}\", p = 0.1 }}, \
{{ to = \"s{}\", p = 0.25 }}, {{ to = \"exit\" }}]\n",
                (i + 1) % n
            ));
        }
        crate::scenario::parse(&text, std::path::Path::new("tangled.toml")).unwrap()
    }

    #[test]
    fn components_give_the_rates_of_the_dense_system() {
        for (n, seed) in [(5, 1), (40, 2), (120, 3)] {
            let scenario = tangled(n, seed);
            let flow = Flow {
                rate: 5.0,
                entry: scenario.entry,
                class: 0,
            };
            let dense = visit_rates_dense(&scenario, flow);
            let by_component = visit_rates_by_component(&scenario, flow);
            for (a, b) in dense.iter().zip(&by_component) {
                assert!(
                    (a - b).abs() <= 1e-9 * a.abs().max(1.0),
                    "{n} stages: {a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn a_chain_solves_stage_by_stage() {
        let successors: Vec<Vec<usize>> = (0..5)
            .map(|i| if i < 4 { vec![i + 1] } else { vec![] })
            .collect();
        let found = components(&successors);
        assert_eq!(found, [[4], [3], [2], [1], [0]]);
        let looped = vec![vec![1], vec![2, 3], vec![0], vec![]];
        let mut found = components(&looped);
        found
            .iter_mut()
            .for_each(|component| component.sort_unstable());
        assert_eq!(found, [vec![3], vec![0, 1, 2]]);
    }
}
