//! `[stages.<name>]`: each stage with its staffing, service law, calendar, yard, daily quota,
//! role and routes.

use std::collections::HashMap;

use super::locate::KeyPath;
use super::raw::{RawBalking, RawBooking, RawBreakdowns, RawReserved, RawStage};
use super::{units, Checker};
use crate::engine::Span;
use crate::model::{
    BalkWhen, Balking, Booking, Breakdowns, Calendar, Discipline, FailureClock, Maintenance,
    Reserved, Role, RouteChoice, Staffing, Stage,
};

/// What every stage is read against: the stages' and classes' indices by name, the first
/// simulated day and the port's holidays.
pub(super) struct Port<'p> {
    pub(super) indices: &'p HashMap<String, usize>,
    pub(super) classes: &'p HashMap<String, usize>,
    pub(super) start_day: i64,
    pub(super) holidays: &'p [(i64, i64)],
    /// The clocks of the stages in `[ports]`, by name; the others keep the scenario's.
    pub(super) clocks: &'p HashMap<String, super::ports::Clock>,
}

impl Checker<'_> {
    pub(super) fn stage(
        &mut self,
        name: &str,
        raw: RawStage,
        path: &KeyPath,
        port: &Port<'_>,
    ) -> Option<Stage> {
        let Port {
            indices,
            classes,
            start_day,
            holidays,
            clocks,
        } = *port;
        // A stage in a port reads its hours, dates and holidays on the port's local clock.
        let (shift, start_day, holidays) = match clocks.get(name) {
            Some(clock) => (clock.shift, clock.start_day, &clock.holidays[..]),
            None => (Span::ZERO, start_day, holidays),
        };
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
        let hourly_quota = self.optional_count(
            raw.hourly_quota,
            1,
            &path.key("hourly_quota"),
            "trucks an hour",
        );
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
        let choice = match raw.choice.as_deref() {
            None => Some(RouteChoice::Shares),
            Some(text) => match RouteChoice::NAMES.iter().find(|(name, _)| *name == text) {
                Some((_, choice)) => Some(*choice),
                None => {
                    self.report(
                        &path.key("choice"),
                        format!(
                            "unknown choice \"{text}\", expected \"shares\" (at random, by the \
                             routes' p), \"shortest-time\" or \"first-slot\""
                        ),
                    );
                    None
                }
            },
        };
        let routes = self.routes(
            raw.routes.as_deref(),
            path,
            indices,
            matches!(
                choice,
                Some(RouteChoice::ShortestTime | RouteChoice::FirstSlot)
            ),
        );
        let discipline = match raw.discipline.as_deref() {
            None => Some(Discipline::Fifo),
            Some(text) => match Discipline::NAMES.iter().find(|(name, _)| *name == text) {
                Some((_, discipline)) => Some(*discipline),
                None => {
                    self.report(
                        &path.key("discipline"),
                        format!("unknown discipline \"{text}\", expected \"fifo\" or \"priority\""),
                    );
                    None
                }
            },
        };
        if discipline == Some(Discipline::Priority) && classes.is_empty() {
            self.report(
                &path.key("discipline"),
                "\"priority\" orders trucks by their class's priority: declare [classes] first",
            );
        }
        let reserved = match &raw.reserved {
            None => Some(None),
            Some(reserved) => self
                .reserved(
                    reserved,
                    &path.key("reserved"),
                    classes,
                    &staffing,
                    raw.breakdowns.is_some(),
                )
                .map(Some),
        };
        let breakdowns = match &raw.breakdowns {
            None => Some(None),
            Some(failures) => self.breakdowns(failures, &path.key("breakdowns")).map(Some),
        };
        let metres_per_truck = match raw.metres_per_truck {
            None => Some(None),
            Some(metres) if metres.is_finite() && metres > 0.0 && metres <= 1000.0 => {
                Some(Some(metres))
            }
            Some(metres) => {
                self.report(
                    &path.key("metres_per_truck"),
                    format!("must be above 0 and at most 1000 metres, got {metres}"),
                );
                None
            }
        };
        let balking = match &raw.balking {
            None => Some(None),
            Some(balking) => self
                .balking(balking, &path.key("balking"), name, indices)
                .map(Some),
        };
        let booking = match &raw.booking {
            None => Some(None),
            Some(booking) => self
                .booking(booking, &path.key("booking"), classes)
                .map(Some),
        };
        for (key, given) in [
            ("balking", raw.balking.is_some()),
            ("booking", raw.booking.is_some()),
        ] {
            if given && raw.yard.is_some() {
                self.report(
                    &path.key(key),
                    "a stage whose queue is a road has no yard to fill: leave out `yard` \
                     (arriving trucks turn away or come at their slot instead)",
                );
            }
        }
        Some(Stage {
            name: name.to_string(),
            calendar: Calendar::new(staffing?, opening?, closed_days, maintenance?, start_day)
                .shifted(shift),
            service: service?,
            yard: yard?,
            daily_quota: daily_quota?,
            hourly_quota: hourly_quota?,
            role: role?,
            routes: routes?,
            breakdowns: breakdowns?,
            discipline: discipline?,
            reserved: reserved?,
            by_class: Vec::new(),
            choice: choice?,
            metres_per_truck: metres_per_truck?,
            balking: balking?,
            booking: booking?,
            port: None,
        })
    }

    /// When arriving trucks turn away (a queue of `above` trucks, or an expected wait of
    /// `above_wait`: one of them), what share, and where they drive (none: they give up).
    fn balking(
        &mut self,
        raw: &RawBalking,
        path: &KeyPath,
        stage: &str,
        indices: &HashMap<String, usize>,
    ) -> Option<Balking> {
        let when = match (raw.above, &raw.above_wait) {
            (Some(n), None) if (0..=i64::from(u32::MAX)).contains(&n) => {
                Some(BalkWhen::Queue(n as u32))
            }
            (Some(n), None) => {
                self.report(
                    &path.key("above"),
                    format!("must be a number of trucks from 0, got {n}"),
                );
                None
            }
            (None, Some(text)) => self
                .duration(text, &path.key("above_wait"))
                .map(BalkWhen::Wait),
            (Some(_), Some(_)) => {
                self.report(
                    &path.key("above_wait"),
                    "give `above` (trucks waiting) or `above_wait` (an expected wait), not both",
                );
                None
            }
            (None, None) => {
                self.report(
                    path,
                    "needs `above` (trucks waiting) or `above_wait` (an expected wait, such as \
                     \"2 d\")",
                );
                None
            }
        };
        let share = match raw.share {
            None => Some(1.0),
            Some(share) if share > 0.0 && share <= 1.0 => Some(share),
            Some(share) => {
                self.report(
                    &path.key("share"),
                    format!("must be above 0 and at most 1, got {share}"),
                );
                None
            }
        };
        let to = match &raw.to {
            None => {
                if raw.travel.is_some() {
                    self.report(
                        &path.key("travel"),
                        "a truck that gives up drives nowhere: `travel` needs `to`",
                    );
                }
                Some(None)
            }
            Some(name) if name == stage => {
                self.report(
                    &path.key("to"),
                    "a truck turning away from a queue cannot join it: name another stage",
                );
                None
            }
            Some(name) => match indices.get(name) {
                Some(&target) => self
                    .drive(raw.travel.as_ref(), path)
                    .map(|travel| Some((target, travel))),
                None => {
                    self.report(&path.key("to"), format!("no stage named \"{name}\""));
                    None
                }
            },
        };
        Some(Balking {
            when: when?,
            share: share?,
            to: to?,
        })
    }

    /// An electronic queue: slots an hour (and paid ones), the spread of arrivals around the
    /// slot, the no-show share, and which classes book.
    fn booking(
        &mut self,
        raw: &RawBooking,
        path: &KeyPath,
        classes: &HashMap<String, usize>,
    ) -> Option<Booking> {
        let slots = |this: &mut Self, value: Option<i64>, path: KeyPath| match value {
            Some(n) if (1..=1_000_000).contains(&n) => Some(n as u32),
            Some(n) => {
                this.report(
                    &path,
                    format!("must be 1 to 1000000 slots an hour, got {n}"),
                );
                None
            }
            None => None,
        };
        let regular = slots(self, raw.slots_per_hour, path.key("slots_per_hour"));
        let paid = match &raw.paid {
            None => Some(0),
            Some(paid) => slots(
                self,
                paid.slots_per_hour,
                path.key("paid").key("slots_per_hour"),
            ),
        };
        let spread = |this: &mut Self, text: &Option<String>, key: &str| match text {
            None => Some(Span::ZERO),
            Some(text) => this.duration(text, &path.key(key)),
        };
        let early = spread(self, &raw.early, "early");
        let late = spread(self, &raw.late, "late");
        let no_show = match raw.no_show {
            None => Some(0.0),
            Some(share) if (0.0..1.0).contains(&share) => Some(share),
            Some(share) => {
                self.report(
                    &path.key("no_show"),
                    format!("must be from 0 to below 1, got {share}"),
                );
                None
            }
        };
        // Without classes every truck books a slot in turn.
        let mut pools = Some(vec![Some(0); classes.len().max(1)]);
        let named = |this: &mut Self, names: Option<&Vec<String>>, at: KeyPath| {
            let mut found = Some(Vec::new());
            if classes.is_empty() && names.is_some() {
                this.report(&at, "names classes: declare [classes] first");
                return None;
            }
            for (i, name) in names.into_iter().flatten().enumerate() {
                match (classes.get(name), found.as_mut()) {
                    (Some(&class), Some(list)) => list.push(class),
                    (None, _) => {
                        this.report(&at.index(i), format!("no class named \"{name}\""));
                        found = None;
                    }
                    _ => {}
                }
            }
            found
        };
        if let Some(names) = &raw.classes {
            let booking = named(self, Some(names), path.key("classes"));
            pools = booking.map(|booking| {
                (0..classes.len())
                    .map(|class| booking.contains(&class).then_some(0))
                    .collect()
            });
        }
        if let Some(paid) = &raw.paid {
            let buying = named(self, paid.classes.as_ref(), path.key("paid").key("classes"));
            match (buying, pools.as_mut()) {
                (Some(buying), Some(pools)) => {
                    for class in buying {
                        pools[class] = Some(1);
                    }
                }
                _ => pools = None,
            }
        }
        Some(Booking {
            slots_per_hour: [regular?, paid?],
            early: early?,
            late: late?,
            no_show: no_show?,
            pools: pools?,
        })
    }

    /// Servers reserved for some classes: at least one, fewer than the stage's most servers (so
    /// that some remain for the others), for classes that exist.
    fn reserved(
        &mut self,
        raw: &RawReserved,
        path: &KeyPath,
        classes: &HashMap<String, usize>,
        staffing: &Option<Staffing>,
        fails: bool,
    ) -> Option<Reserved> {
        if fails {
            self.report(
                path,
                "a stage cannot yet both reserve servers and have `breakdowns`",
            );
            return None;
        }
        let most = staffing.as_ref().map(Staffing::max_servers);
        let servers = match (raw.servers, most) {
            (Some(n), Some(most)) if n >= 1 && n < i64::from(most) => Some(n as u32),
            (Some(n), Some(most)) => {
                self.report(
                    &path.key("servers"),
                    format!(
                        "must reserve 1 to {} of the stage's {most} servers (some must stay \
                         for the other classes), got {n}",
                        i64::from(most) - 1
                    ),
                );
                None
            }
            _ => None,
        };
        let mut eligible = Some(vec![false; classes.len()]);
        for (i, name) in raw.classes.iter().flatten().enumerate() {
            match (classes.get(name), eligible.as_mut()) {
                (Some(&class), Some(flags)) => flags[class] = true,
                (None, _) => {
                    self.report(
                        &path.key("classes").index(i),
                        format!("no class named \"{name}\""),
                    );
                    eligible = None;
                }
                _ => {}
            }
        }
        if raw.classes.as_ref().is_some_and(Vec::is_empty) {
            self.report(&path.key("classes"), "names no class");
            eligible = None;
        }
        Some(Reserved {
            servers: servers?,
            classes: eligible?,
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
