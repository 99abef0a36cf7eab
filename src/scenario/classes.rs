//! `[classes.<name>]`: kinds of trucks, each with its share of the scenario's arrivals or its own
//! arrival process, its priority, and per stage the service law and routes that differ
//! (`[classes.<name>.stages.<stage>]`).

use std::collections::HashMap;

use toml_edit::Item;

use super::locate::KeyPath;
use super::raw::{RawClass, RawClassStage};
use super::{is_stage_name, root, shown_number, Checker};
use crate::model::{Class, ClassStage, RouteChoice, Stage};

impl Checker<'_> {
    /// The classes' names in the order of the file, each with its index: read before the
    /// stages, which may reserve servers for them.
    pub(super) fn class_indices(document: &toml_edit::Table) -> HashMap<String, usize> {
        document
            .get("classes")
            .and_then(Item::as_table_like)
            .map(|table| {
                table
                    .iter()
                    .enumerate()
                    .map(|(i, (name, _))| (name.to_string(), i))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Reads the classes and gives each stage what a class does differently there. `None` when
    /// any class is invalid; an empty list when the scenario declares none.
    pub(super) fn classes(
        &mut self,
        document: &toml_edit::Table,
        indices: &HashMap<String, usize>,
        stages: &mut [Option<Stage>],
    ) -> Option<Vec<Class>> {
        let path = root().key("classes");
        let Some(item) = document.get("classes") else {
            return Some(Vec::new());
        };
        let Some(table) = item.as_table_like() else {
            self.report(&path, format!("expected a table, got {}", item.type_name()));
            return None;
        };
        if table.is_empty() {
            self.report(
                &path,
                "declares no class: leave out [classes] for trucks all alike",
            );
            return None;
        }
        let count = table.len();
        let mut classes = Some(Vec::new());
        for (class_idx, (name, item)) in table.iter().enumerate() {
            let class = self.class(name, item, &path.key(name), indices);
            let overrides = item
                .as_table_like()
                .and_then(|table| table.get("stages"))
                .map_or(Some(()), |item| {
                    self.class_stages(
                        item,
                        &path.key(name).key("stages"),
                        (class_idx, count),
                        indices,
                        stages,
                    )
                });
            match (class, overrides, classes.as_mut()) {
                (Some(class), Some(()), Some(list)) => list.push(class),
                _ => classes = None,
            }
        }
        let classes = classes?;
        self.shares(classes, &path)
    }

    /// One class, its stages aside.
    fn class(
        &mut self,
        name: &str,
        item: &Item,
        path: &KeyPath,
        indices: &HashMap<String, usize>,
    ) -> Option<Class> {
        if !is_stage_name(name) {
            self.report(
                path,
                format!(
                    "class name \"{name}\" may hold only letters, digits, '-' and '_' (it names \
                     metrics such as {name}/dwell_mean_h)"
                ),
            );
        } else if name == "arrivals" {
            // A class's own arrivals draw from the stream named after it, which would be the
            // scenario's `[arrivals]` stream.
            self.report(
                path,
                "\"arrivals\" names the random stream of [arrivals]: name the class otherwise",
            );
        }
        let raw: RawClass = self.read(item, path, RawClass::KEYS, RawClass::read)?;
        let share = match raw.share {
            Some(share) if !(0.0..=1.0).contains(&share) => {
                self.report(
                    &path.key("share"),
                    format!("must be a share within [0, 1], got {}", shown_number(share)),
                );
                None
            }
            Some(_) if raw.arrivals.is_some() => {
                self.report(
                    &path.key("share"),
                    "a class takes a share of [arrivals] or has its own `arrivals`, not both",
                );
                None
            }
            share => Some(share),
        };
        let arrivals = match raw.arrivals {
            None => Some(None),
            Some(arrivals) => match self.arrivals(arrivals, &path.key("arrivals"), indices) {
                (Some(arrivals), Some(entry)) => Some(Some((arrivals, entry))),
                _ => None,
            },
        };
        let bad = !raw.bad.is_empty();
        let (share, arrivals) = (share?, arrivals?);
        if bad {
            return None;
        }
        Some(Class {
            name: name.to_string(),
            // NaN marks a class that takes the rest of the arrivals; `shares` fills it in.
            share: match (&arrivals, share) {
                (Some(_), _) => 0.0,
                (None, Some(share)) => share,
                (None, None) => f64::NAN,
            },
            arrivals,
            priority: raw.priority.unwrap_or(0),
        })
    }

    /// The shares of the classes that split `[arrivals]`: summing to one, one of them may leave
    /// its share out and take the rest.
    fn shares(&mut self, mut classes: Vec<Class>, path: &KeyPath) -> Option<Vec<Class>> {
        let splitting: Vec<usize> = (0..classes.len())
            .filter(|&k| classes[k].arrivals.is_none())
            .collect();
        if splitting.is_empty() {
            self.report(
                path,
                "no class takes the trucks of [arrivals]: give one class a `share`, or leave out \
                 its own `arrivals`",
            );
            return None;
        }
        let rest: Vec<usize> = splitting
            .iter()
            .copied()
            .filter(|&k| classes[k].share.is_nan())
            .collect();
        let given: f64 = splitting
            .iter()
            .map(|&k| classes[k].share)
            .filter(|share| !share.is_nan())
            .sum();
        match rest[..] {
            [] if (given - 1.0).abs() > 1e-9 => {
                self.report(
                    path,
                    format!(
                        "the shares of [arrivals] must sum to 1, got {}: leave out one class's \
                         `share` and it takes the rest",
                        shown_number(given)
                    ),
                );
                None
            }
            [] => Some(classes),
            [k] if given <= 1.0 + 1e-9 => {
                classes[k].share = (1.0 - given).max(0.0);
                Some(classes)
            }
            [_] => {
                self.report(
                    path,
                    format!(
                        "the given shares sum to {}, leaving nothing for the class without one",
                        shown_number(given)
                    ),
                );
                None
            }
            _ => {
                for &k in &rest[1..] {
                    self.report(
                        &path.key(&classes[k].name),
                        "needs a `share` of [arrivals] (or its own `arrivals`): only one class \
                         may leave it out and take the rest",
                    );
                }
                None
            }
        }
    }

    /// `[classes.<name>.stages]`: for each stage named, the service law and routes of the class
    /// there, put into the stage's `by_class`.
    fn class_stages(
        &mut self,
        item: &Item,
        path: &KeyPath,
        (class_idx, count): (usize, usize),
        indices: &HashMap<String, usize>,
        stages: &mut [Option<Stage>],
    ) -> Option<()> {
        let Some(table) = item.as_table_like() else {
            self.report(path, format!("expected a table, got {}", item.type_name()));
            return None;
        };
        let mut ok = true;
        for (stage_name, item) in table.iter() {
            let stage_path = path.key(stage_name);
            let Some(&stage_idx) = indices.get(stage_name) else {
                self.report(&stage_path, format!("no stage named \"{stage_name}\""));
                ok = false;
                continue;
            };
            let Some(raw) = self.read(item, &stage_path, RawClassStage::KEYS, RawClassStage::read)
            else {
                ok = false;
                continue;
            };
            let service = raw
                .service
                .as_ref()
                .map(|law| self.service(law, &stage_path.key("service")));
            // The stage's choice applies to the class's routes too.
            let choice = stages[stage_idx]
                .as_ref()
                .is_some_and(|stage| stage.choice == RouteChoice::ShortestTime);
            let routes = raw
                .routes
                .as_ref()
                .map(|routes| self.routes(Some(routes), &stage_path, indices, choice));
            if service.as_ref().is_some_and(Option::is_none)
                || routes.as_ref().is_some_and(Option::is_none)
            {
                ok = false;
                continue;
            }
            if let Some(stage) = stages[stage_idx].as_mut() {
                stage.by_class.resize_with(count, ClassStage::default);
                stage.by_class[class_idx] = ClassStage {
                    service: service.flatten(),
                    routes: routes.flatten(),
                };
            }
        }
        ok.then_some(())
    }
}
