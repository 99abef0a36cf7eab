//! Calendars: opening hours, shifts and the servers on duty they give a stage.

use super::locate::KeyPath;
use super::raw::{RawOpening, RawStage};
use super::{units, Checker, MAX_SERVERS};
use crate::engine::Span;
use crate::model::{Opening, Shift, Staffing};

impl Checker<'_> {
    /// Opening hours: valid times, known weekdays, and an end other than the start.
    pub(super) fn opening(&mut self, raw: &RawOpening, path: &KeyPath) -> Option<Opening> {
        let from = raw
            .from
            .as_ref()
            .and_then(|from| self.time_of_day(from, &path.key("from")));
        let to = raw
            .to
            .as_ref()
            .and_then(|to| self.time_of_day(to, &path.key("to")));
        let mut days = [raw.days.is_none(); 7];
        for (i, day) in raw.days.iter().flatten().enumerate() {
            match units::weekdays(day) {
                Ok(indices) => indices.into_iter().for_each(|index| days[index] = true),
                Err(message) => {
                    // A single string ("mon-fri") is reported at the key, a list at its element.
                    let at = if raw.days_is_list {
                        path.key("days").index(i)
                    } else {
                        path.key("days")
                    };
                    self.report(&at, message)
                }
            }
        }
        if raw.days.as_ref().is_some_and(Vec::is_empty) {
            self.report(&path.key("days"), "must name at least one weekday");
        }
        let (from, to) = (from?, to?);
        if is_empty_span(from, to) {
            self.report(
                &path.key("to"),
                "must differ from opening.from (00:00 to 24:00 opens whole days; leave out `opening` for a stage that never closes)",
            );
            return None;
        }
        Some(Opening {
            from,
            to: to % Span::DAY,
            days,
        })
    }

    pub(super) fn staffing(&mut self, raw: &RawStage, path: &KeyPath) -> Option<Staffing> {
        match (raw.servers, &raw.shifts) {
            (Some(_), Some(_)) => {
                self.report(
                    &path.key("shifts"),
                    "give either `servers` or `shifts`, not both",
                );
                None
            }
            (None, None) => {
                if !raw.bad.contains(&"servers") && !raw.bad.contains(&"shifts") {
                    self.report(path, "needs `servers = N` or `shifts = [...]`");
                }
                None
            }
            (Some(servers), None) if servers < 1 => {
                self.report(
                    &path.key("servers"),
                    format!("must be at least 1, got {servers}"),
                );
                None
            }
            (Some(servers), None) if servers > MAX_SERVERS => {
                self.report(
                    &path.key("servers"),
                    format!("must be at most {MAX_SERVERS}, got {servers}"),
                );
                None
            }
            (Some(servers), None) => {
                Some(Staffing::Fixed(u32::try_from(servers).unwrap_or(u32::MAX)))
            }
            (None, Some(raw_shifts)) => {
                let shifts_path = path.key("shifts");
                let mut shifts = Vec::new();
                for (i, shift) in raw_shifts.iter().enumerate() {
                    let shift_path = shifts_path.index(i);
                    let from = shift
                        .from
                        .as_ref()
                        .and_then(|from| self.time_of_day(from, &shift_path.key("from")));
                    let to = shift
                        .to
                        .as_ref()
                        .and_then(|to| self.time_of_day(to, &shift_path.key("to")));
                    let servers = match shift.servers {
                        Some(servers) if (0..=MAX_SERVERS).contains(&servers) => Some(servers),
                        Some(servers) => {
                            self.report(
                                &shift_path.key("servers"),
                                format!("must be between 0 and {MAX_SERVERS}, got {servers}"),
                            );
                            None
                        }
                        None => None,
                    };
                    if let (Some(from), Some(to), Some(servers)) = (from, to, servers) {
                        if is_empty_span(from, to) {
                            self.report(
                                &shift_path.key("to"),
                                "a shift must end at another time than it starts (00:00 to 24:00 is the whole day)",
                            );
                        } else {
                            shifts.push(Shift {
                                from,
                                to: to % Span::DAY,
                                servers: u32::try_from(servers).unwrap_or(u32::MAX),
                            });
                        }
                    }
                }
                if shifts.len() != raw_shifts.len() {
                    return None;
                }
                if let Err(message) = check_shift_cover(&shifts) {
                    self.report(&shifts_path, message);
                    return None;
                }
                if shifts.iter().all(|shift| shift.servers == 0) {
                    self.report(&shifts_path, "at least one shift must have servers > 0");
                    return None;
                }
                Some(Staffing::Shifts(shifts))
            }
        }
    }
}

/// Shifts must cover the 24 hours of the day exactly once.
pub(super) fn check_shift_cover(shifts: &[Shift]) -> Result<(), String> {
    let mut pieces: Vec<(Span, Span)> = Vec::new();
    for shift in shifts {
        if shift.from < shift.to {
            pieces.push((shift.from, shift.to));
        } else {
            pieces.push((shift.from, Span::DAY));
            if shift.to > Span::ZERO {
                pieces.push((Span::ZERO, shift.to));
            }
        }
    }
    pieces.sort();
    let mut covered_to = Span::ZERO;
    for (from, to) in pieces {
        if from < covered_to {
            return Err(format!("shifts overlap at {}", clock(from)));
        }
        if from > covered_to {
            return Err(format!(
                "shifts leave {}–{} uncovered",
                clock(covered_to),
                clock(from)
            ));
        }
        covered_to = to;
    }
    if covered_to < Span::DAY {
        return Err(format!(
            "shifts leave {}–24:00 uncovered",
            clock(covered_to)
        ));
    }
    Ok(())
}

/// Whether a span of the day from `from` to `to` (opening hours, a shift) ends where it starts:
/// a mistake, except 00:00–24:00, which is the whole day.
pub(super) fn is_empty_span(from: Span, to: Span) -> bool {
    let whole_day = from == Span::ZERO && to == Span::DAY;
    from % Span::DAY == to % Span::DAY && !whole_day
}

fn clock(time: Span) -> String {
    let minutes = time.millis() / Span::MINUTE.millis();
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}
