//! `[stages.<name>]`: each stage with its staffing, service law, calendar, yard, daily quota,
//! role and routes.

use std::collections::HashMap;

use super::locate::KeyPath;
use super::raw::{RawBreakdowns, RawStage};
use super::{units, Checker};
use crate::model::{Breakdowns, Calendar, FailureClock, Maintenance, Role, Stage};

impl Checker<'_> {
    pub(super) fn stage(
        &mut self,
        name: &str,
        raw: RawStage,
        path: &KeyPath,
        indices: &HashMap<String, usize>,
        start_day: i64,
        holidays: &[(i64, i64)],
    ) -> Option<Stage> {
        let staffing = self.staffing(&raw, path);
        let service = raw
            .service
            .as_ref()
            .and_then(|service| self.service(service, &path.key("service")));
        let mut opening = Some(Vec::new());
        for (i, window) in raw.opening.iter().flatten().enumerate() {
            let at = if raw.opening_is_list {
                path.key("opening").index(i)
            } else {
                path.key("opening")
            };
            match (self.opening(window, &at), opening.as_mut()) {
                (Some(window), Some(windows)) => windows.push(window),
                _ => opening = None,
            }
        }
        if raw.opening.as_ref().is_some_and(Vec::is_empty) {
            self.report(
                &path.key("opening"),
                "names no window: leave out `opening` for a stage that never closes",
            );
            opening = None;
        }
        let mut closed = Vec::new();
        for (i, date) in raw.closed_on.iter().flatten().enumerate() {
            match units::date_range(date) {
                Ok(range) => closed.push(range),
                Err(message) => self.report(&path.key("closed_on").index(i), message),
            }
        }
        // The port's holidays close the stages that keep opening hours.
        if raw.opening.is_some() {
            closed.extend_from_slice(holidays);
        }
        let closed_days: Vec<u64> = closed
            .iter()
            .flat_map(|&(first, last)| first.max(start_day)..=last)
            .map(|day| (day - start_day) as u64)
            .collect();
        let maintenance = self.maintenance(&raw, path, start_day);
        let yard = self.optional_count(raw.yard, 0, &path.key("yard"), "waiting spaces");
        let daily_quota =
            self.optional_count(raw.daily_quota, 1, &path.key("daily_quota"), "trucks a day");
        let role = match raw.role.as_deref() {
            None => Some(None),
            Some(text) => match Role::NAMES.iter().find(|(name, _)| *name == text) {
                Some((_, role)) => Some(Some(*role)),
                None => {
                    self.report(
                        &path.key("role"),
                        format!(
                            "unknown role \"{text}\", expected one of {}",
                            Role::NAMES
                                .map(|(name, _)| format!("\"{name}\""))
                                .join(", ")
                        ),
                    );
                    None
                }
            },
        };
        let routes = self.routes(&raw, path, indices);
        let breakdowns = match &raw.breakdowns {
            None => Some(None),
            Some(failures) => self.breakdowns(failures, &path.key("breakdowns")).map(Some),
        };
        Some(Stage {
            name: name.to_string(),
            calendar: Calendar::new(staffing?, opening?, closed_days, maintenance?, start_day),
            service: service?,
            yard: yard?,
            daily_quota: daily_quota?,
            role: role?,
            routes: routes?,
            breakdowns: breakdowns?,
        })
    }

    /// Unplanned failures: the two laws, and the clock (operating time unless told).
    fn breakdowns(&mut self, raw: &RawBreakdowns, path: &KeyPath) -> Option<Breakdowns> {
        let between = raw
            .between
            .as_ref()
            .and_then(|law| self.service(law, &path.key("between")))
            .filter(|law| {
                // Servers failing at every instant would never serve.
                let positive = law.mean() > 0.0;
                if !positive {
                    self.report(
                        &path.key("between"),
                        "must have a mean above zero: servers would fail again at once",
                    );
                }
                positive
            });
        let repair = raw
            .repair
            .as_ref()
            .and_then(|law| self.service(law, &path.key("repair")));
        let clock = match raw.clock.as_deref() {
            None => Some(FailureClock::Operating),
            Some(text) => match FailureClock::NAMES.iter().find(|(name, _)| *name == text) {
                Some((_, clock)) => Some(*clock),
                None => {
                    self.report(
                        &path.key("clock"),
                        format!(
                            "unknown clock \"{text}\", expected \"operating\" (time between \
                             failures counts service only) or \"calendar\" (all time)"
                        ),
                    );
                    None
                }
            },
        };
        Some(Breakdowns {
            between: between?,
            repair: repair?,
            clock: clock?,
        })
    }

    /// Planned maintenance windows: each a window as opening hours are, with the servers it
    /// withdraws (at least 1) and, for dated ones, its dates.
    fn maintenance(
        &mut self,
        raw: &RawStage,
        path: &KeyPath,
        start_day: i64,
    ) -> Option<Vec<Maintenance>> {
        let mut windows = Some(Vec::new());
        for (i, planned) in raw.maintenance.iter().flatten().enumerate() {
            let at = path.key("maintenance").index(i);
            let window = self.opening(&planned.window, &at);
            let servers = match planned.servers {
                Some(n) if (1..=super::MAX_SERVERS).contains(&n) => Some(n as u32),
                Some(n) => {
                    self.report(
                        &at.key("servers"),
                        format!("must withdraw 1 to {} servers, got {n}", super::MAX_SERVERS),
                    );
                    None
                }
                None => None,
            };
            let mut dates = planned.on.as_ref().map(|_| Vec::new());
            for (k, date) in planned.on.iter().flatten().enumerate() {
                match units::date_range(date) {
                    Ok((first, last)) => {
                        if let Some(days) = dates.as_mut() {
                            days.extend(
                                (first.max(start_day)..=last).map(|day| (day - start_day) as u64),
                            );
                        }
                    }
                    Err(message) => {
                        self.report(&at.key("on").index(k), message);
                        dates = None;
                    }
                }
            }
            if let Some(days) = dates.as_mut() {
                days.sort_unstable();
                days.dedup();
            }
            let dated_but_bad = planned.on.is_some() && dates.is_none();
            match (window, servers, windows.as_mut()) {
                (Some(window), Some(servers), Some(list)) if !dated_but_bad => {
                    list.push(Maintenance {
                        window,
                        dates,
                        servers,
                    })
                }
                _ => windows = None,
            }
        }
        windows
    }

    /// An optional count of at least `min`: `Some(None)` when absent, `None` when out of range.
    fn optional_count(
        &mut self,
        value: Option<i64>,
        min: i64,
        path: &KeyPath,
        unit: &str,
    ) -> Option<Option<u32>> {
        match value {
            Some(n) if n < min => {
                self.report(path, format!("must be >= {min} {unit}, got {n}"));
                None
            }
            Some(n) => Some(Some(u32::try_from(n).unwrap_or(u32::MAX))),
            None => Some(None),
        }
    }
}
