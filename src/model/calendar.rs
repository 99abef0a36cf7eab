//! When a stage works and with how many servers: shifts, opening hours and dated closures.

use crate::engine::{Instant, Span};

/// How many servers a stage has on duty when it is open.
#[derive(Debug, Clone)]
pub(crate) enum Staffing {
    Fixed(u32),
    /// Daily shifts covering the whole day without overlap.
    Shifts(Vec<Shift>),
}

/// `servers` on duty from `from` to `to` (times of day; `to <= from` wraps past midnight).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shift {
    pub(crate) from: Span,
    pub(crate) to: Span,
    pub(crate) servers: u32,
}

/// Daily opening hours on the weekdays marked in `days` (Monday first).
/// When `to <= from` the stage opens in the evening and closes the next morning.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Opening {
    pub(crate) from: Span,
    pub(crate) to: Span,
    pub(crate) days: [bool; 7],
}

/// Planned maintenance: `servers` withdrawn in `window` (on its weekdays), every week or only on
/// the simulated days `days` (dated), as at a shift's end: a truck in service is finished first.
#[derive(Debug, Clone)]
pub(crate) struct Maintenance {
    pub(crate) window: Opening,
    /// Days of the run; `None`: every week.
    pub(crate) dates: Option<Vec<u64>>,
    pub(crate) servers: u32,
}

/// The servers on duty at any instant, as a step function of time.
#[derive(Debug, Clone)]
pub(crate) struct Calendar {
    staffing: Staffing,
    /// The windows of the opening hours (a morning and an afternoon, shorter Saturdays); open
    /// in any of them; none: never closes.
    opening: Vec<Opening>,
    /// Whole days (numbered from the first simulated day) on which the stage is closed.
    closed_days: Vec<u64>,
    maintenance: Vec<Maintenance>,
    /// Weekday of the first simulated day, Monday = 0.
    first_weekday: u8,
    /// Times of day at which the number of servers may change, sorted, starting with midnight.
    breakpoints: Vec<Span>,
    /// The stage's local clock ahead of the scenario's, less whole days (its time zone against
    /// the scenario's, from 0 up to a day): its hours and days are read at `time + shift`, and
    /// its days numbered from the local day of the run's start.
    shift: Span,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year =
        (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Weekday (Monday = 0) of a day counted from 1970-01-01, which was a Thursday.
pub(crate) fn weekday(days_since_epoch: i64) -> u8 {
    (days_since_epoch + 3).rem_euclid(7) as u8
}

impl Staffing {
    fn servers_at(&self, time_of_day: Span) -> u32 {
        match self {
            Staffing::Fixed(servers) => *servers,
            Staffing::Shifts(shifts) => shifts
                .iter()
                .find(|shift| within(time_of_day, shift.from, shift.to))
                .map_or(0, |shift| shift.servers),
        }
    }
}

impl Staffing {
    /// The most servers it ever puts on duty.
    pub(crate) fn max_servers(&self) -> u32 {
        match self {
            Staffing::Fixed(servers) => *servers,
            Staffing::Shifts(shifts) => shifts.iter().map(|shift| shift.servers).max().unwrap_or(0),
        }
    }
}

/// Whether a time of day lies in [from, to), wrapping past midnight when `to <= from`.
fn within(time_of_day: Span, from: Span, to: Span) -> bool {
    if from < to {
        from <= time_of_day && time_of_day < to
    } else {
        time_of_day >= from || time_of_day < to
    }
}

impl Calendar {
    pub(crate) fn new(
        staffing: Staffing,
        opening: Vec<Opening>,
        mut closed_days: Vec<u64>,
        maintenance: Vec<Maintenance>,
        start_day: i64,
    ) -> Calendar {
        closed_days.sort_unstable();
        closed_days.dedup();
        let mut breakpoints = vec![Span::ZERO];
        breakpoints.extend(opening.iter().flat_map(|window| [window.from, window.to]));
        breakpoints.extend(
            maintenance
                .iter()
                .flat_map(|planned| [planned.window.from, planned.window.to]),
        );
        if let Staffing::Shifts(shifts) = &staffing {
            breakpoints.extend(shifts.iter().flat_map(|shift| [shift.from, shift.to]));
        }
        breakpoints.retain(|time| *time < Span::DAY);
        breakpoints.sort_unstable();
        breakpoints.dedup();
        Calendar {
            staffing,
            opening,
            closed_days,
            maintenance,
            first_weekday: weekday(start_day),
            breakpoints,
            shift: Span::ZERO,
        }
    }

    /// The same calendar read on a local clock `shift` ahead of the scenario's (less than a
    /// day); `start_day` given to [`Calendar::new`] must then be the local date of the run's
    /// first instant.
    pub(crate) fn shifted(self, shift: Span) -> Calendar {
        Calendar { shift, ..self }
    }

    /// The local day (numbered from the first local day of the run) at `time`.
    pub(crate) fn local_day(&self, time: Instant) -> u64 {
        (time + self.shift).day()
    }

    /// The next local midnight after `time`, on the scenario's clock.
    pub(crate) fn next_midnight(&self, time: Instant) -> Instant {
        let local = Instant::start_of_day(self.local_day(time) + 1);
        Instant::from_millis(local.millis() - self.shift.millis())
    }

    /// The local hour (numbered from the first local day's midnight) at `time`.
    pub(crate) fn local_hour(&self, time: Instant) -> u64 {
        (time + self.shift).millis() / Span::HOUR.millis()
    }

    /// The start of the next local hour after `time`, on the scenario's clock.
    pub(crate) fn next_hour(&self, time: Instant) -> Instant {
        let local = (self.local_hour(time) + 1) * Span::HOUR.millis();
        Instant::from_millis(local - self.shift.millis())
    }

    /// The most servers ever on duty: the servers (lanes, scanners) the stage has.
    pub(crate) fn max_servers(&self) -> u32 {
        self.staffing.max_servers()
    }

    /// True when the number of servers never changes, so no staffing events are needed.
    pub(crate) fn is_constant(&self) -> bool {
        self.opening.is_empty()
            && self.closed_days.is_empty()
            && self.maintenance.is_empty()
            && matches!(self.staffing, Staffing::Fixed(_))
    }

    /// Weekday (Monday = 0) of a simulated day; day + 6 gives the weekday of the day before,
    /// also for day 0.
    fn weekday_of_day(&self, day: u64) -> usize {
        ((u64::from(self.first_weekday) + day) % 7) as usize
    }

    /// Whether `time` falls in the opening hours, dated closures aside.
    fn within_opening_hours(&self, time: Instant) -> bool {
        self.opening.is_empty()
            || self
                .opening
                .iter()
                .any(|window| self.within_window(window, time))
    }

    /// Whether `time` falls in one window of the opening hours.
    fn within_window(&self, opening: &Opening, time: Instant) -> bool {
        let day = time.day();
        let time_of_day = time.time_of_day();
        if opening.from < opening.to {
            opening.days[self.weekday_of_day(day)] && within(time_of_day, opening.from, opening.to)
        } else if time_of_day >= opening.from {
            opening.days[self.weekday_of_day(day)]
        } else if time_of_day < opening.to {
            // The tail of an overnight opening that began the evening before.
            opening.days[self.weekday_of_day(day + 6)]
        } else {
            false
        }
    }

    /// Servers on duty at `time` on a day without a dated closure; `dated`: with the dated
    /// maintenance windows too.
    fn servers_in_a_week(&self, time: Instant, dated: bool) -> u32 {
        if !self.within_opening_hours(time) {
            return 0;
        }
        let withdrawn: u32 = self
            .maintenance
            .iter()
            .filter(|planned| match &planned.dates {
                None => true,
                Some(days) => dated && days.binary_search(&time.day()).is_ok(),
            })
            .filter(|planned| self.within_window(&planned.window, time))
            .map(|planned| planned.servers)
            .sum();
        self.staffing
            .servers_at(time.time_of_day())
            .saturating_sub(withdrawn)
    }

    /// Servers on duty at `time` on a day without a dated closure.
    fn servers_in_a_normal_week(&self, time: Instant) -> u32 {
        self.servers_in_a_week(time, false)
    }

    /// Servers on duty at `time`: zero while closed.
    pub(crate) fn servers_at(&self, time: Instant) -> u32 {
        self.servers_at_local(time + self.shift)
    }

    /// Servers on duty at the local instant `time`.
    fn servers_at_local(&self, time: Instant) -> u32 {
        if self.closed_days.binary_search(&time.day()).is_ok() {
            0
        } else {
            self.servers_in_a_week(time, true)
        }
    }

    /// The first instant after `time` and before `until` at which the servers on duty change.
    pub(crate) fn next_change(&self, time: Instant, until: Instant) -> Option<Instant> {
        let change = self.next_change_local(time + self.shift, until + self.shift)?;
        Some(Instant::from_millis(change.millis() - self.shift.millis()))
    }

    /// [`Calendar::next_change`] on the local clock.
    fn next_change_local(&self, time: Instant, until: Instant) -> Option<Instant> {
        let current = self.servers_at_local(time);
        let mut day = time.day();
        loop {
            let day_start = Instant::start_of_day(day);
            if day_start >= until {
                return None;
            }
            for &breakpoint in &self.breakpoints {
                let candidate = day_start + breakpoint;
                if candidate <= time {
                    continue;
                }
                if candidate >= until {
                    return None;
                }
                if self.servers_at_local(candidate) != current {
                    return Some(candidate);
                }
            }
            day += 1;
        }
    }

    /// Mean servers on duty over a typical week (dated closures left out).
    pub(crate) fn mean_servers(&self) -> f64 {
        let mut server_time = 0.0;
        for day in 0..7u64 {
            let day_start = Instant::start_of_day(day);
            for (i, &start) in self.breakpoints.iter().enumerate() {
                let end = self.breakpoints.get(i + 1).copied().unwrap_or(Span::DAY);
                let servers = self.servers_in_a_normal_week(day_start + start);
                server_time += f64::from(servers) * (end - start).millis() as f64;
            }
        }
        server_time / Span::WEEK.millis() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(h: u64) -> Span {
        Span::HOUR * h
    }

    /// `h` hours into day `day` of the run.
    fn at(day: u64, h: u64) -> Instant {
        Instant::start_of_day(day) + hours(h)
    }

    #[test]
    fn civil_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(
            weekday(days_from_civil(2025, 3, 3)),
            0,
            "2025-03-03 is a Monday"
        );
        assert_eq!(
            weekday(days_from_civil(2024, 2, 29)),
            3,
            "2024-02-29 is a Thursday"
        );
    }

    #[test]
    fn day_shift_with_night_crew() {
        let staffing = Staffing::Shifts(vec![
            Shift {
                from: hours(8),
                to: hours(20),
                servers: 5,
            },
            Shift {
                from: hours(20),
                to: hours(8),
                servers: 3,
            },
        ]);
        let calendar = Calendar::new(
            staffing,
            Vec::new(),
            vec![],
            Vec::new(),
            days_from_civil(2025, 3, 3),
        );
        assert_eq!(calendar.servers_at(at(0, 7)), 3);
        assert_eq!(calendar.servers_at(at(0, 8)), 5);
        assert_eq!(calendar.servers_at(at(0, 21)), 3);
        assert_eq!(calendar.next_change(at(0, 1), at(7, 0)), Some(at(0, 8)));
        assert_eq!(calendar.next_change(at(0, 8), at(7, 0)), Some(at(0, 20)));
        assert!((calendar.mean_servers() - 4.0).abs() < 1e-12);
    }

    #[test]
    fn weekday_hours_and_holidays() {
        let opening = Opening {
            from: hours(8),
            to: hours(20),
            days: [true, true, true, true, true, false, false],
        };
        // Day 0 is Monday 2025-03-03; day 1 (Tuesday) is a holiday.
        let calendar = Calendar::new(
            Staffing::Fixed(2),
            vec![opening],
            vec![1],
            Vec::new(),
            days_from_civil(2025, 3, 3),
        );
        assert_eq!(calendar.servers_at(at(0, 9)), 2);
        assert_eq!(calendar.servers_at(at(0, 20)), 0);
        assert_eq!(calendar.servers_at(at(1, 9)), 0, "holiday");
        assert_eq!(calendar.next_change(at(0, 20), at(14, 0)), Some(at(2, 8)));
        assert_eq!(calendar.servers_at(at(5, 9)), 0, "Saturday");
        assert!((calendar.mean_servers() - 2.0 * 5.0 * 12.0 / 168.0).abs() < 1e-12);
    }

    #[test]
    fn overnight_opening() {
        let opening = Opening {
            from: hours(20),
            to: hours(6),
            days: [true; 7],
        };
        let calendar = Calendar::new(Staffing::Fixed(1), vec![opening], vec![], Vec::new(), 0);
        assert_eq!(calendar.servers_at(at(0, 21)), 1);
        assert_eq!(calendar.servers_at(at(1, 5)), 1);
        assert_eq!(calendar.servers_at(at(0, 12)), 0);
        // Open only on Sunday nights; day 0 is a Monday, so its early hours belong to Sunday's.
        let sunday_nights = Opening {
            from: hours(20),
            to: hours(6),
            days: [false, false, false, false, false, false, true],
        };
        let monday = days_from_civil(2025, 3, 3);
        let calendar = Calendar::new(
            Staffing::Fixed(1),
            vec![sunday_nights],
            vec![],
            Vec::new(),
            monday,
        );
        assert_eq!(
            calendar.servers_at(at(0, 5)),
            1,
            "Monday 05:00, Sunday night's opening"
        );
        assert_eq!(calendar.servers_at(at(1, 5)), 0, "Tuesday 05:00");
        assert_eq!(calendar.servers_at(at(6, 21)), 1, "Sunday 21:00");
    }
}
