//! `time_zone` and `[ports.<name>]`: the scenario's clock, and groups of stages (the two sides of
//! a border) with their own time zone and holidays, whose opening hours, shifts, closures and
//! daily quotas are read in their local time.

use std::collections::HashMap;

use super::locate::KeyPath;
use super::raw::RawPort;
use super::{root, units, Checker};
use crate::engine::Span;

/// A stage's clock: how far its local time runs ahead of the scenario's (less whole days), the
/// local date of the run's first instant, and the holidays it keeps.
#[derive(Debug, Clone)]
pub(super) struct Clock {
    pub(super) shift: Span,
    pub(super) start_day: i64,
    pub(super) holidays: Vec<(i64, i64)>,
}

/// A port of `[ports]`: its name and its stages' indices.
pub(super) type Group = (String, Vec<usize>);

impl Checker<'_> {
    /// The clock of each stage in a port, by stage name; the stages in no port keep the
    /// scenario's (no entry).
    pub(super) fn clocks(
        &mut self,
        document: &toml_edit::Table,
        zone: Option<&str>,
        indices: &HashMap<String, usize>,
        start_day: i64,
    ) -> (HashMap<String, Clock>, Vec<Group>) {
        let home = match zone {
            None => Some(0),
            Some(text) => units::time_zone(text)
                .map_err(|message| self.report(&root().key("time_zone"), message))
                .ok(),
        };
        let mut clocks = HashMap::new();
        let mut groups = Vec::new();
        let path = root().key("ports");
        let Some(item) = document.get("ports") else {
            return (clocks, groups);
        };
        let Some(table) = item.as_table_like() else {
            self.report(&path, format!("expected a table, got {}", item.type_name()));
            return (clocks, groups);
        };
        let mut owner: HashMap<String, String> = HashMap::new();
        for (name, item) in table.iter() {
            let port_path = path.key(name);
            // A port names metrics as a stage does (`horgos.cross_mean_h`).
            if !super::is_stage_name(name) {
                self.report(
                    &port_path,
                    format!("port name \"{name}\" may hold only letters, digits, '-' and '_'"),
                );
            } else if indices.contains_key(name) {
                self.report(
                    &port_path,
                    format!("\"{name}\" names a stage: a port needs a name of its own"),
                );
            }
            let mut members = Vec::new();
            let Some(raw) = self.read(item, &port_path, RawPort::KEYS, RawPort::read) else {
                continue;
            };
            let zone = raw.time_zone.as_deref().and_then(|text| {
                units::time_zone(text)
                    .map_err(|message| self.report(&port_path.key("time_zone"), message))
                    .ok()
            });
            let holidays = self.holidays(raw.holidays.as_deref(), &port_path.key("holidays"));
            let clock = match (zone, home) {
                (Some(zone), Some(home)) => {
                    let ahead = (zone - home) * Span::MINUTE.millis() as i64;
                    let day = Span::DAY.millis() as i64;
                    Some(Clock {
                        shift: Span::from_millis(ahead.rem_euclid(day) as u64),
                        start_day: start_day + ahead.div_euclid(day),
                        holidays,
                    })
                }
                _ => None,
            };
            for (i, stage) in raw.stages.iter().flatten().enumerate() {
                let at = port_path.key("stages").index(i);
                if !indices.contains_key(stage) {
                    self.report(&at, format!("no stage named \"{stage}\""));
                } else if let Some(other) = owner.insert(stage.clone(), name.to_string()) {
                    self.report(
                        &at,
                        format!("stage \"{stage}\" is already in port \"{other}\": a stage is in one port"),
                    );
                } else {
                    members.push(indices[stage]);
                    if let Some(clock) = &clock {
                        clocks.insert(stage.clone(), clock.clone());
                    }
                }
            }
            groups.push((name.to_string(), members));
        }
        (clocks, groups)
    }

    /// A list of holidays: dates and ranges of dates, each as its first and last day.
    pub(super) fn holidays(&mut self, dates: Option<&[String]>, path: &KeyPath) -> Vec<(i64, i64)> {
        let mut holidays = Vec::new();
        for (i, date) in dates.into_iter().flatten().enumerate() {
            match units::date_range(date) {
                Ok(range) => holidays.push(range),
                Err(message) => self.report(&path.index(i), message),
            }
        }
        holidays
    }
}
