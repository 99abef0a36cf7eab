//! `routes`: where trucks go after each stage, with what probability and how long they drive; and
//! that every stage leads to the exit.

use std::collections::HashMap;

use super::locate::KeyPath;
use super::raw::{RawRoute, RawTravel};
use super::{root, shown_number, Checker};
use crate::engine::Span;
use crate::model::{Class, Destination, Route, Stage, Travel};

impl Checker<'_> {
    /// `choice`: trucks take the route of the shortest expected time, so no route has a `p`;
    /// each counts as an even share in the traffic equations.
    pub(super) fn routes(
        &mut self,
        raw_routes: Option<&[RawRoute]>,
        path: &KeyPath,
        indices: &HashMap<String, usize>,
        choice: bool,
    ) -> Option<Vec<Route>> {
        let routes_path = path.key("routes");
        // Routes left out or not readable are reported when read.
        let raw_routes = raw_routes?;
        if choice {
            return self.chosen_routes(raw_routes, &routes_path, indices);
        }
        if raw_routes.is_empty() {
            self.report(
                &routes_path,
                "needs at least one route; send trucks on with { to = \"exit\" } when they leave",
            );
            return None;
        }
        // One route may leave out `p`: it takes what the others leave.
        let mut without_p = raw_routes
            .iter()
            .enumerate()
            .filter(|(_, r)| r.p.is_none() && !r.bad.contains(&"p"));
        let rest_route = without_p.next().map(|(i, _)| i);
        for (i, _) in without_p {
            self.report(
                &routes_path.index(i).key("p"),
                "only one route of a stage may leave out `p` (it takes the rest)",
            );
        }
        let given: f64 = raw_routes.iter().filter_map(|route| route.p).sum();
        let mut routes = Vec::new();
        let mut ok = true;
        for (i, route) in raw_routes.iter().enumerate() {
            let route_path = routes_path.index(i);
            let to = self.destination(route, &route_path, indices);
            let probability = match route.p {
                Some(p) if (0.0..=1.0).contains(&p) => Some(p),
                Some(p) => {
                    self.report(
                        &route_path.key("p"),
                        format!(
                            "must be a probability within [0, 1], got {}",
                            shown_number(p)
                        ),
                    );
                    None
                }
                None if route.bad.contains(&"p") => None,
                None if rest_route == Some(i) => Some((1.0 - given).max(0.0)),
                None => None,
            };
            let travel = self.travel(route, &route_path);
            match (to, probability, travel) {
                (Some(to), Some(probability), Some(travel)) => routes.push(Route {
                    to,
                    probability,
                    travel,
                }),
                _ => ok = false,
            }
        }
        if !ok {
            return None;
        }
        let total: f64 = routes.iter().map(|route| route.probability).sum();
        if rest_route.is_some() && given > 1.0 + 1e-9 {
            self.report(
                &routes_path,
                format!("the given probabilities sum to {given}, leaving nothing for the route without `p`"),
            );
            return None;
        }
        if (total - 1.0).abs() > 1e-9 {
            self.report(
                &routes_path,
                format!(
                    "probabilities must sum to 1, got {total}: leave out one route's `p` and it \
takes the rest"
                ),
            );
            return None;
        }
        Some(routes)
    }

    /// The routes of a stage whose trucks take the one of the shortest expected time: none with a
    /// `p`, each an even share for the traffic equations.
    fn chosen_routes(
        &mut self,
        raw_routes: &[RawRoute],
        routes_path: &KeyPath,
        indices: &HashMap<String, usize>,
    ) -> Option<Vec<Route>> {
        let share = 1.0 / raw_routes.len() as f64;
        let mut routes = Vec::new();
        let mut ok = true;
        for (i, route) in raw_routes.iter().enumerate() {
            let route_path = routes_path.index(i);
            if route.p.is_some() {
                self.report(
                    &route_path.key("p"),
                    "with choice = \"shortest-time\" or \"first-slot\" a truck chooses its \
                     route itself: leave out `p`",
                );
                ok = false;
            }
            let to = self.destination(route, &route_path, indices);
            let travel = self.travel(route, &route_path);
            match (to, travel) {
                (Some(to), Some(travel)) => routes.push(Route {
                    to,
                    probability: share,
                    travel,
                }),
                _ => ok = false,
            }
        }
        ok.then_some(routes)
    }

    /// Where a route leads: a stage or the exit.
    fn destination(
        &mut self,
        route: &RawRoute,
        route_path: &KeyPath,
        indices: &HashMap<String, usize>,
    ) -> Option<Destination> {
        match route.to.as_deref() {
            Some("exit") => Some(Destination::Exit),
            Some(to) => match indices.get(to) {
                Some(&index) => Some(Destination::Stage(index)),
                None => {
                    self.report(
                        &route_path.key("to"),
                        format!("no stage named \"{to}\" (use \"exit\" to leave the port)"),
                    );
                    None
                }
            },
            None => None,
        }
    }

    /// A route's drive: none, a duration or a law.
    fn travel(&mut self, route: &RawRoute, route_path: &KeyPath) -> Option<Travel> {
        self.drive(route.travel.as_ref(), route_path)
    }

    /// A `travel` under `path`: none, a duration or a law.
    pub(super) fn drive(&mut self, travel: Option<&RawTravel>, path: &KeyPath) -> Option<Travel> {
        let route_path = path;
        match travel {
            Some(RawTravel::Fixed(text)) => self
                .duration(text, &route_path.key("travel"))
                .map(Travel::Fixed),
            Some(RawTravel::Random(law)) => self
                .service(law, &route_path.key("travel"))
                .map(Travel::Random),
            None => Some(Travel::Fixed(Span::ZERO)),
        }
    }

    /// Every stage must lead to the exit along routes of positive probability, for trucks of
    /// every class.
    pub(super) fn check_exit_reachable(&mut self, stages: &[Stage], classes: &[Class]) {
        self.check_exit_reachable_for(stages, None);
        for (class_idx, class) in classes.iter().enumerate() {
            // A class that changes no route goes where every truck goes.
            let own_routes = stages.iter().any(|stage| {
                stage
                    .by_class
                    .get(class_idx)
                    .is_some_and(|own| own.routes.is_some())
            });
            if own_routes {
                self.check_exit_reachable_for(stages, Some((class_idx, &class.name)));
            }
        }
    }

    /// [`Checker::check_exit_reachable`] for the routes of one class, or for the stages' own.
    fn check_exit_reachable_for(&mut self, stages: &[Stage], class: Option<(usize, &str)>) {
        let n = stages.len();
        let mut reaches = vec![false; n];
        let mut changed = true;
        while changed {
            changed = false;
            for i in 0..n {
                if reaches[i] {
                    continue;
                }
                let routes = match class {
                    Some((class_idx, _)) => stages[i].routes_of(class_idx),
                    None => &stages[i].routes,
                };
                let leads_out = routes.iter().any(|route| {
                    route.probability > 0.0
                        && match route.to {
                            Destination::Exit => true,
                            Destination::Stage(j) => reaches[j],
                        }
                });
                if leads_out {
                    reaches[i] = true;
                    changed = true;
                }
            }
        }
        for (stage, reaches) in stages.iter().zip(reaches) {
            if !reaches {
                match class {
                    None => self.report(
                        &root().key("stages").key(&stage.name).key("routes"),
                        "trucks here can never reach the exit: every route with p > 0 leads back into a loop",
                    ),
                    Some((_, name)) => self.report(
                        &root().key("classes").key(name),
                        format!(
                            "trucks of this class at stage \"{}\" can never reach the exit: \
                             every route with p > 0 leads back into a loop",
                            stage.name
                        ),
                    ),
                }
            }
        }
    }
}
