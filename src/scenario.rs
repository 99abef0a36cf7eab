//! Scenario files: TOML in, a validated [`Scenario`] out, or every problem with file, line and key.
//!
//! Two layers, as in ripgrep's config: `raw` is the serde image of what the user typed
//! (unknown keys rejected), and the checks here turn it into model types, reporting every
//! problem at once, each at `file:line:column: key.path: message`.

mod layers;
pub(crate) mod locate;
mod raw;
mod text;
mod units;

pub use text::MAX_FILE_BYTES;

/// The largest arrival trace read: 256 MiB, some ten million arrivals.
pub const MAX_TRACE_BYTES: u64 = 256 << 20;

/// The most servers a stage may have: a hundred thousand desks is a typo, not a port.
pub const MAX_SERVERS: i64 = 100_000;
pub(crate) use text::{read_text, TextError};

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::IntoDeserializer;
use serde::Deserialize;
use toml_edit::{ImDocument, Item};

use crate::engine::{Instant, Span};
use crate::model::{
    Arrivals, Calendar, Destination, Limits, Opening, Role, Route, Scenario, Service, Shift,
    Staffing, Stage,
};
pub(crate) use layers::parse_document;
use layers::Layers;
pub use layers::{Location, Override};
use locate::KeyPath;
use raw::{RawArrivals, RawLimits, RawOpening, RawService, RawStage, RawTop};

/// One problem in a scenario file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based; 0 when the problem has no place in the file (a missing key).
    pub line: usize,
    pub column: usize,
    /// Key path such as `stages.xray.servers`; empty for syntax errors.
    pub key: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", self.key)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why a scenario could not be loaded. An I/O failure is the error's `source`, not part of its
/// message, so that a chain of causes (`{:#}`) names it once.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read scenario {}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", display_problems(.0))]
    Invalid(Vec<Problem>),
}

/// Every problem on its own line, then how many there are.
pub(crate) fn display_problems(problems: &[Problem]) -> String {
    let lines: Vec<String> = problems.iter().map(Problem::to_string).collect();
    let count = problems.len();
    format!(
        "{}\n{count} problem{} found",
        lines.join("\n"),
        if count == 1 { "" } else { "s" }
    )
}

impl ScenarioError {
    /// The problems found, empty for a read error.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ScenarioError::Invalid(problems) => problems,
            ScenarioError::Read { .. } => &[],
        }
    }
}

/// Reads and validates a scenario file and the files it extends.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    Unchecked::read(path)?.with(&[])
}

/// Validates scenario text; `path` names the file in messages and anchors relative file names
/// (the parent named by `extends`, an arrival trace).
pub fn parse(text: &str, path: &Path) -> Result<Scenario, ScenarioError> {
    let layers =
        Layers::read(text, path).map_err(|problem| ScenarioError::Invalid(vec![problem]))?;
    check(&layers)
}

/// A scenario file read with the files it extends, not validated yet: what a sweep varies.
#[derive(Clone)]
pub struct Unchecked {
    layers: Layers,
}

impl Unchecked {
    pub fn read(path: &Path) -> Result<Unchecked, ScenarioError> {
        let text = read_text(path).map_err(|error| match error {
            TextError::Io(source) => ScenarioError::Read {
                path: path.to_path_buf(),
                source,
            },
            TextError::Invalid(problem) => ScenarioError::Invalid(vec![problem]),
        })?;
        let layers =
            Layers::read(&text, path).map_err(|problem| ScenarioError::Invalid(vec![problem]))?;
        Ok(Unchecked { layers })
    }

    /// The scenario's text with the files it extends merged in.
    pub fn resolved(&self) -> &str {
        self.layers.merged().text()
    }

    /// The TOML type of the value at a dotted key path (`stages.xray.servers`), or `None` when
    /// the scenario does not set that key.
    pub fn type_at(&self, key: &str) -> Option<&'static str> {
        self.layers
            .merged()
            .locator()
            .type_at(&layers::parse_key(key))
    }

    /// Validates the scenario with `overrides` set over it (none: the files as they are).
    pub fn with(&self, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
        if overrides.is_empty() {
            return check(&self.layers);
        }
        let mut layers = self.layers.clone();
        layers
            .override_with(overrides)
            .map_err(|problem| ScenarioError::Invalid(vec![problem]))?;
        check(&layers)
    }
}

/// The merged text of a scenario file and the files it extends, with `extends` removed: what a
/// variant resolves to.
pub fn resolved_text(path: &Path) -> Result<String, ScenarioError> {
    Ok(Unchecked::read(path)?.resolved().to_string())
}

fn check(layers: &Layers) -> Result<Scenario, ScenarioError> {
    let mut checker = Checker {
        layers,
        problems: Vec::new(),
    };
    let scenario = checker.scenario(layers.merged().document());
    match scenario {
        Some(scenario) if checker.problems.is_empty() => Ok(scenario),
        _ => Err(ScenarioError::Invalid(in_file_order(checker.problems))),
    }
}

/// Problems sorted by file, line and column (those with no place last), each once.
pub(crate) fn in_file_order(mut problems: Vec<Problem>) -> Vec<Problem> {
    problems.sort_by(|a, b| {
        (a.line == 0, &a.file, a.line, a.column).cmp(&(b.line == 0, &b.file, b.line, b.column))
    });
    problems.dedup();
    problems
}

/// Collects problems while building the model.
struct Checker<'a> {
    layers: &'a Layers,
    problems: Vec<Problem>,
}

fn root() -> KeyPath {
    KeyPath::default()
}

impl Checker<'_> {
    fn report(&mut self, path: &KeyPath, message: impl Into<String>) {
        let location = self.layers.locate(path);
        self.push(location, path, message);
    }

    fn push(&mut self, location: Location, path: &KeyPath, message: impl Into<String>) {
        self.problems.push(Problem {
            file: location.file,
            line: location.line,
            column: location.column,
            key: path.to_string(),
            message: message.into(),
        });
    }

    /// Deserializes one section, reporting a serde error at the key it concerns.
    ///
    /// To find every problem of the section at once, an unknown key is dropped and a value of the
    /// wrong type is replaced by a stand-in of the right type, and the section is read again.
    /// Any other error ends the section.
    fn section<T: for<'de> Deserialize<'de>>(&mut self, item: &Item, path: &KeyPath) -> Option<T> {
        let Ok(mut value) = item.clone().into_value() else {
            self.report(path, "is empty");
            return None;
        };
        let mut failed = false;
        // Each pass mends one place; the bound only guards against a mend that does not hold.
        for _ in 0..100 {
            match T::deserialize(value.clone().into_deserializer()) {
                Ok(section) => return (!failed).then_some(section),
                Err(error) => {
                    failed = true;
                    self.serde_error(&error, path);
                    let mend = Mend::for_message(error.message())?;
                    let place = error
                        .span()
                        .map(|span| self.layers.merged().locator().path_at(span.start))
                        .and_then(|key| key.0.strip_prefix(path.0.as_slice()).map(<[_]>::to_vec));
                    if !place.is_some_and(|relative| mend.apply(&mut value, &relative)) {
                        return None;
                    }
                }
            }
        }
        None
    }

    fn serde_error(&mut self, error: &toml_edit::de::Error, section: &KeyPath) {
        let raw_message = error.message().trim();
        if let Some(field) = raw_message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.strip_suffix('`'))
        {
            // Reported where the section starts (the top of the file for top-level keys).
            let location = self.layers.locate(section);
            self.push(location, &section.key(field), "is required");
            return;
        }
        let message = raw_message
            .replace("expected i64", "expected an integer")
            .replace("expected f64", "expected a number")
            .replace("expected a sequence", "expected an array")
            .replace(
                "expected a string",
                "expected a string (durations, times of day and rates carry units: \"5 min\", \"08:00\", \"16 trucks per hour\")",
            );
        let located = error
            .span()
            .map(|span| self.layers.locate_offset(span.start))
            .filter(|(path, _)| !path.0.is_empty());
        let (path, location) = match located {
            Some(found) => found,
            None => (section.clone(), self.layers.locate(section)),
        };
        self.push(location, &path, message);
    }

    fn duration(&mut self, text: &str, path: &KeyPath) -> Option<Span> {
        units::duration(text)
            .map_err(|message| self.report(path, message))
            .ok()
    }

    fn time_of_day(&mut self, text: &str, path: &KeyPath) -> Option<Span> {
        units::time_of_day(text)
            .map_err(|message| self.report(path, message))
            .ok()
    }

    fn scenario(&mut self, document: &ImDocument<String>) -> Option<Scenario> {
        let top: Option<RawTop> = self.section(&Item::Table(document.as_table().clone()), &root());

        let stage_items: Vec<(String, Item)> =
            match document.get("stages").and_then(Item::as_table_like) {
                // A variant removes a parent's stage with `stages.<name> = false`.
                Some(table) => table
                    .iter()
                    .filter(|(_, item)| item.as_bool() != Some(false))
                    .map(|(name, item)| (name.to_string(), item.clone()))
                    .collect(),
                None => Vec::new(),
            };
        if stage_items.is_empty() && document.get("stages").is_some() {
            self.report(&root().key("stages"), "must define at least one stage");
        }
        let mut indices = HashMap::new();
        for (i, (name, _)) in stage_items.iter().enumerate() {
            indices.insert(name.clone(), i);
        }
        let (warmup, horizon, start_day) = match &top {
            Some(top) => self.top_level(top),
            None => (None, None, DEFAULT_START_DAY),
        };

        let arrivals_path = root().key("arrivals");
        let raw_arrivals: Option<RawArrivals> = document
            .get("arrivals")
            .and_then(|item| self.section(item, &arrivals_path));

        let mut stages = Vec::new();
        for (name, item) in &stage_items {
            let path = root().key("stages").key(name);
            if name == "exit" {
                self.report(
                    &path,
                    "\"exit\" is reserved for leaving the port; name the stage otherwise",
                );
            } else if !is_stage_name(name) {
                self.report(
                    &path,
                    format!(
                        "stage name \"{name}\" may hold only letters, digits, '-' and '_' (it \
names metrics, columns and the `path` column of trucks.csv)"
                    ),
                );
            }
            let raw: Option<RawStage> = self.section(item, &path);
            stages.push(raw.and_then(|raw| self.stage(name, raw, &path, &indices, start_day)));
        }

        let (arrivals, entry) = match raw_arrivals {
            Some(raw) => self.arrivals(raw, &arrivals_path, &indices),
            None => (None, None),
        };
        let stages: Vec<Stage> = stages.into_iter().collect::<Option<_>>()?;
        self.check_exit_reachable(&stages);

        let top = top?;
        let replications = self.replications(top.replications)?;
        let limits = self.limits(top.limits.as_ref())?;
        Some(Scenario {
            name: top.name,
            seed: top.seed.max(0) as u64,
            warmup: warmup?,
            horizon: horizon?,
            replications,
            start_day,
            arrivals: arrivals?,
            entry: entry?,
            stages,
            limits,
        })
    }

    /// `[limits]`: each a whole number from 1 up.
    fn limits(&mut self, raw: Option<&RawLimits>) -> Option<Limits> {
        let mut limits = Limits::default();
        let Some(raw) = raw else {
            return Some(limits);
        };
        let mut ok = true;
        let mut check = |this: &mut Self, value: Option<i64>, key: &str, max: i64| match value {
            None => None,
            Some(n) if (1..=max).contains(&n) => Some(n as u64),
            Some(n) => {
                this.report(
                    &root().key("limits").key(key),
                    format!("must be between 1 and {max}, got {n}"),
                );
                ok = false;
                None
            }
        };
        if let Some(n) = check(self, raw.trucks_in_port, "trucks_in_port", 100_000_000) {
            limits.trucks_in_port = n;
        }
        limits.events = check(self, raw.events, "events", i64::MAX);
        ok.then_some(limits)
    }

    /// Checks the top-level keys; returns warm-up, horizon and the first day.
    fn top_level(&mut self, top: &RawTop) -> (Option<Span>, Option<Span>, i64) {
        let name_path = root().key("name");
        if top.name.is_empty()
            || !top
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            || top.name.starts_with('.')
        {
            self.report(
                &name_path,
                format!("must be letters, digits, '-', '_' or '.' (it names the output folder), got \"{}\"", top.name),
            );
        }
        if top.seed < 0 {
            self.report(
                &root().key("seed"),
                format!("must be >= 0, got {}", top.seed),
            );
        }
        let start_day = match &top.start {
            Some(start) => units::date(start)
                .map_err(|message| self.report(&root().key("start"), message))
                .unwrap_or(0),
            None => DEFAULT_START_DAY,
        };
        let warmup = match &top.warmup {
            Some(text) => self.duration(text, &root().key("warmup")),
            None => Some(Span::ZERO),
        };
        let horizon = self.duration(&top.horizon, &root().key("horizon"));
        if horizon == Some(Span::ZERO) {
            self.report(&root().key("horizon"), "must be > 0");
        }
        (warmup, horizon, start_day)
    }

    fn replications(&mut self, replications: Option<i64>) -> Option<u32> {
        match replications {
            None => Some(1),
            Some(n @ 1..=MAX_REPLICATIONS) => Some(n as u32),
            Some(n) => {
                self.report(
                    &root().key("replications"),
                    format!("must be between 1 and {MAX_REPLICATIONS}, got {n}"),
                );
                None
            }
        }
    }

    fn arrivals(
        &mut self,
        raw: RawArrivals,
        path: &KeyPath,
        indices: &HashMap<String, usize>,
    ) -> (Option<Arrivals>, Option<usize>) {
        let entry = match indices.get(&raw.to) {
            Some(&index) => Some(index),
            None => {
                self.report(&path.key("to"), format!("no stage named \"{}\"", raw.to));
                None
            }
        };
        let process = raw.process.as_str();
        let uses: &[&str] = match process {
            "poisson" => &["rate", "scale"],
            "profile" => &["unit", "hourly", "weekday_factors", "weekly", "scale"],
            "trace" => &["file"],
            _ => &[
                "rate",
                "unit",
                "hourly",
                "weekday_factors",
                "weekly",
                "file",
                "scale",
            ],
        };
        let given = [
            ("rate", raw.rate.is_some()),
            ("unit", raw.unit.is_some()),
            ("hourly", raw.hourly.is_some()),
            ("weekday_factors", raw.weekday_factors.is_some()),
            ("weekly", raw.weekly.is_some()),
            ("file", raw.file.is_some()),
            ("scale", raw.scale.is_some()),
        ];
        for (key, present) in given {
            if present && !uses.contains(&key) {
                self.report(
                    &path.key(key),
                    format!("is not used by process \"{process}\""),
                );
            }
        }
        let arrivals = match process {
            "poisson" => match &raw.rate {
                Some(rate) => units::rate(rate)
                    .map_err(|message| self.report(&path.key("rate"), message))
                    .ok()
                    .map(|rate| Arrivals::Poisson { rate }),
                None => {
                    self.report(
                        &path.key("rate"),
                        "is required for process \"poisson\", e.g. rate = \"16 trucks per hour\"",
                    );
                    None
                }
            },
            "profile" => self.profile(&raw, path),
            "trace" => match &raw.file {
                Some(file) => self.trace(file, &path.key("file")),
                None => {
                    self.report(&path.key("file"), "is required for process \"trace\"");
                    None
                }
            },
            other => {
                self.report(
                    &path.key("process"),
                    format!("expected \"poisson\", \"profile\" or \"trace\", got \"{other}\""),
                );
                None
            }
        };
        let scale = match raw.scale {
            Some(scale) if !(scale.is_finite() && scale > 0.0) => {
                self.report(
                    &path.key("scale"),
                    format!("must be a finite number > 0, got {scale}"),
                );
                None
            }
            Some(scale) if scale > 1000.0 => {
                self.report(
                    &path.key("scale"),
                    format!("must be at most 1000 (a thousand times the arrivals), got {scale}"),
                );
                None
            }
            scale => Some(scale.unwrap_or(1.0)),
        };
        (arrivals.zip(scale).map(|(a, scale)| a.scaled(scale)), entry)
    }

    fn profile(&mut self, raw: &RawArrivals, path: &KeyPath) -> Option<Arrivals> {
        let per_ms = match &raw.unit {
            Some(unit) => units::rate_unit(unit)
                .map_err(|message| self.report(&path.key("unit"), message))
                .ok(),
            None => {
                self.report(
                    &path.key("unit"),
                    "is required for process \"profile\", e.g. unit = \"trucks per hour\"",
                );
                None
            }
        };
        let table = match (&raw.hourly, &raw.weekly) {
            (Some(_), Some(_)) => {
                self.report(
                    &path.key("weekly"),
                    "give either `hourly` (with optional `weekday_factors`) or `weekly`, not both",
                );
                None
            }
            (None, None) => {
                self.report(
                    &path.key("hourly"),
                    "is required for process \"profile\": 24 rates, 00:00 first \
                     (or `weekly`: 7 rows of 24 rates, Monday first)",
                );
                None
            }
            (Some(hourly), None) => self.hourly_profile(hourly, raw, path),
            (None, Some(weekly)) => self.weekly_profile(weekly, raw, path),
        };
        let (per_ms, table) = (per_ms?, table?);
        let mut rates = Box::new([0.0; 168]);
        for (rate, value) in rates.iter_mut().zip(&table) {
            *rate = value / per_ms;
        }
        if rates.iter().all(|rate| *rate == 0.0) {
            self.report(
                &path.key("hourly"),
                "at least one hour of the week must have a rate > 0",
            );
            return None;
        }
        Some(Arrivals::Profile { rates })
    }

    /// Rates for the 168 hours of the week from a daily profile times weekday factors.
    fn hourly_profile(
        &mut self,
        hourly: &[f64],
        raw: &RawArrivals,
        path: &KeyPath,
    ) -> Option<Vec<f64>> {
        let factors = raw.weekday_factors.clone().unwrap_or_else(|| vec![1.0; 7]);
        let hourly_ok = self.rates_row(
            hourly,
            24,
            &path.key("hourly"),
            "24 rates (one per hour, 00:00 first)",
        );
        let factors_ok = self.rates_row(
            &factors,
            7,
            &path.key("weekday_factors"),
            "7 factors, Monday first",
        );
        (hourly_ok && factors_ok).then(|| {
            factors
                .iter()
                .flat_map(|factor| hourly.iter().map(move |rate| rate * factor))
                .collect()
        })
    }

    /// Rates for the 168 hours of the week given day by day.
    fn weekly_profile(
        &mut self,
        weekly: &[Vec<f64>],
        raw: &RawArrivals,
        path: &KeyPath,
    ) -> Option<Vec<f64>> {
        if raw.weekday_factors.is_some() {
            self.report(
                &path.key("weekday_factors"),
                "is not used with `weekly`, which gives every day's rates",
            );
            return None;
        }
        if weekly.len() != 7 {
            self.report(
                &path.key("weekly"),
                format!(
                    "must have 7 rows of 24 rates, Monday first, got {} rows",
                    weekly.len()
                ),
            );
            return None;
        }
        let mut valid = true;
        for (day, row) in weekly.iter().enumerate() {
            valid &= self.rates_row(
                row,
                24,
                &path.key("weekly").index(day),
                "24 rates (one per hour, 00:00 first)",
            );
        }
        valid.then(|| weekly.concat())
    }

    /// Checks a row of rates or factors: its length and that each is finite and >= 0.
    fn rates_row(&mut self, values: &[f64], len: usize, path: &KeyPath, what: &str) -> bool {
        if values.len() != len {
            self.report(path, format!("must have {what}, got {}", values.len()));
            return false;
        }
        self.all_non_negative(values, path)
    }

    /// Reports every element of `values` that is not finite and >= 0; true when there is none.
    fn all_non_negative(&mut self, values: &[f64], path: &KeyPath) -> bool {
        let mut valid = true;
        for (i, value) in values.iter().enumerate() {
            if !value.is_finite() || *value < 0.0 {
                self.report(
                    &path.index(i),
                    format!("must be finite and >= 0, got {value}"),
                );
                valid = false;
            }
        }
        valid
    }

    /// Reads a CSV trace with a column `arrival_hours` (hours since the start of the run).
    fn trace(&mut self, file: &str, path: &KeyPath) -> Option<Arrivals> {
        let trace_path = self
            .layers
            .file_of(path)
            .parent()
            .unwrap_or(Path::new(""))
            .join(file);
        // A regular file of bounded size: not a device that never ends, nor a folder.
        let opened = std::fs::metadata(&trace_path).and_then(|metadata| {
            if !metadata.is_file() {
                return Err(std::io::Error::other("not a regular file"));
            }
            if metadata.len() > MAX_TRACE_BYTES {
                return Err(std::io::Error::other(format!(
                    "{} bytes, more than the {MAX_TRACE_BYTES} a trace may have",
                    metadata.len()
                )));
            }
            std::fs::File::open(&trace_path)
        });
        let mut reader = match opened {
            Ok(file) => csv::Reader::from_reader(std::io::Read::take(file, MAX_TRACE_BYTES)),
            Err(error) => {
                self.report(
                    path,
                    format!("cannot read trace {}: {error}", trace_path.display()),
                );
                return None;
            }
        };
        let column = match reader.headers() {
            Ok(headers) => headers.iter().position(|h| h.trim() == "arrival_hours"),
            Err(error) => {
                self.report(path, format!("{}: {error}", trace_path.display()));
                return None;
            }
        };
        let Some(column) = column else {
            self.report(
                path,
                format!(
                    "{}:1: needs a column \"arrival_hours\"",
                    trace_path.display()
                ),
            );
            return None;
        };
        let mut times = Vec::new();
        let mut previous = Instant::START;
        for (i, record) in reader.records().enumerate() {
            let line = i + 2;
            let record = match record {
                Ok(record) => record,
                Err(error) => {
                    self.report(path, format!("{}:{line}: {error}", trace_path.display()));
                    return None;
                }
            };
            let field = record.get(column).unwrap_or("").trim();
            let hours: f64 = match field.parse() {
                Ok(hours) if f64::is_finite(hours) && hours >= 0.0 => hours,
                _ => {
                    self.report(
                        path,
                        format!(
                            "{}:{line}: arrival_hours: expected hours >= 0, got \"{field}\"",
                            trace_path.display()
                        ),
                    );
                    return None;
                }
            };
            let time = Instant::after_start(Span::from_hours(hours));
            if time < previous {
                self.report(
                    path,
                    format!("{}:{line}: arrival_hours: arrivals must be in time order, {hours} comes after {}", trace_path.display(), previous.hours()),
                );
                return None;
            }
            previous = time;
            times.push(time);
        }
        if times.is_empty() {
            self.report(
                path,
                format!("{}: the trace has no arrivals", trace_path.display()),
            );
            return None;
        }
        Some(Arrivals::Trace { times })
    }

    fn stage(
        &mut self,
        name: &str,
        raw: RawStage,
        path: &KeyPath,
        indices: &HashMap<String, usize>,
        start_day: i64,
    ) -> Option<Stage> {
        let staffing = self.staffing(&raw, path);
        let service = self.service(&raw.service, &path.key("service"));
        let opening = match &raw.opening {
            Some(opening) => self.opening(opening, &path.key("opening")).map(Some),
            None => Some(None),
        };
        let mut closed_days = Vec::new();
        for (i, date) in raw.closed_on.iter().flatten().enumerate() {
            match units::date(date) {
                Ok(day) if day >= start_day => closed_days.push((day - start_day) as u64),
                Ok(_) => {}
                Err(message) => self.report(&path.key("closed_on").index(i), message),
            }
        }
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
        Some(Stage {
            name: name.to_string(),
            calendar: Calendar::new(staffing?, opening?, closed_days, start_day),
            service: service?,
            yard: yard?,
            daily_quota: daily_quota?,
            role: role?,
            routes: routes?,
        })
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

    /// Opening hours: valid times, known weekdays, and an end other than the start.
    fn opening(&mut self, raw: &RawOpening, path: &KeyPath) -> Option<Opening> {
        let from = self.time_of_day(&raw.from, &path.key("from"));
        let to = self.time_of_day(&raw.to, &path.key("to"));
        let mut days = [raw.days.is_none(); 7];
        for (i, day) in raw.days.iter().flatten().enumerate() {
            match units::weekday(day) {
                Ok(index) => days[index] = true,
                Err(message) => self.report(&path.key("days").index(i), message),
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

    fn staffing(&mut self, raw: &RawStage, path: &KeyPath) -> Option<Staffing> {
        match (raw.servers, &raw.shifts) {
            (Some(_), Some(_)) => {
                self.report(
                    &path.key("shifts"),
                    "give either `servers` or `shifts`, not both",
                );
                None
            }
            (None, None) => {
                self.report(path, "needs `servers = N` or `shifts = [...]`");
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
                    let from = self.time_of_day(&shift.from, &shift_path.key("from"));
                    let to = self.time_of_day(&shift.to, &shift_path.key("to"));
                    if !(0..=MAX_SERVERS).contains(&shift.servers) {
                        self.report(
                            &shift_path.key("servers"),
                            format!("must be between 0 and {MAX_SERVERS}, got {}", shift.servers),
                        );
                    }
                    if let (Some(from), Some(to)) = (from, to) {
                        if is_empty_span(from, to) {
                            self.report(
                                &shift_path.key("to"),
                                "a shift must end at another time than it starts (00:00 to 24:00 is the whole day)",
                            );
                        } else {
                            shifts.push(Shift {
                                from,
                                to: to % Span::DAY,
                                servers: u32::try_from(shift.servers.max(0)).unwrap_or(u32::MAX),
                            });
                        }
                    }
                }
                if shifts.len() != raw_shifts.len()
                    || raw_shifts
                        .iter()
                        .any(|s| !(0..=MAX_SERVERS).contains(&s.servers))
                {
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

    fn service(&mut self, raw: &RawService, path: &KeyPath) -> Option<Service> {
        let dist = raw.dist.as_str();
        let needs: &[&str] = match dist {
            "exponential" => &["mean"],
            "constant" => &["value"],
            "uniform" => &["min", "max"],
            "triangular" => &["min", "mode", "max"],
            "normal" | "lognormal" | "gamma" => &["mean", "sd"],
            "erlang" => &["k", "mean"],
            "empirical" => &["values", "unit"],
            other => {
                self.report(
                    &path.key("dist"),
                    format!("expected one of exponential, constant, uniform, triangular, normal, lognormal, gamma, erlang, empirical; got \"{other}\""),
                );
                return None;
            }
        };
        let durations = [
            ("mean", &raw.mean),
            ("sd", &raw.sd),
            ("min", &raw.min),
            ("mode", &raw.mode),
            ("max", &raw.max),
            ("value", &raw.value),
        ];
        let present = [
            ("k", raw.k.is_some()),
            ("values", raw.values.is_some()),
            ("unit", raw.unit.is_some()),
        ];
        let mut ok = true;
        let mut ms: HashMap<&str, f64> = HashMap::new();
        for (key, value) in durations {
            match (value, needs.contains(&key)) {
                (Some(_), false) => {
                    self.report(
                        &path.key(key),
                        format!(
                            "is not used by dist \"{dist}\" (it takes {})",
                            needs.join(", ")
                        ),
                    );
                    ok = false;
                }
                (None, true) => {
                    self.report(&path.key(key), format!("is required by dist \"{dist}\""));
                    ok = false;
                }
                (Some(text), true) => match self.duration(text, &path.key(key)) {
                    Some(time) => {
                        ms.insert(key, time.millis() as f64);
                    }
                    None => ok = false,
                },
                (None, false) => {}
            }
        }
        for (key, is_present) in present {
            if is_present != needs.contains(&key) {
                let message = if is_present {
                    format!(
                        "is not used by dist \"{dist}\" (it takes {})",
                        needs.join(", ")
                    )
                } else {
                    format!("is required by dist \"{dist}\"")
                };
                self.report(&path.key(key), message);
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        let get = |key: &str| ms.get(key).copied().unwrap_or(0.0);
        let (result, culprit) = match dist {
            "exponential" => (Service::exponential(get("mean")), "mean"),
            "constant" => (Service::constant(get("value")), "value"),
            "uniform" => (Service::uniform(get("min"), get("max")), "max"),
            "triangular" => (
                Service::triangular(get("min"), get("mode"), get("max")),
                "mode",
            ),
            "normal" => (Service::normal(get("mean"), get("sd")), "sd"),
            "lognormal" => (Service::lognormal(get("mean"), get("sd")), "sd"),
            "gamma" => (Service::gamma(get("mean"), get("sd")), "sd"),
            "erlang" => {
                let k = raw.k.unwrap_or(0);
                if k < 1 {
                    self.report(&path.key("k"), format!("must be at least 1, got {k}"));
                    return None;
                }
                (
                    Service::erlang(u32::try_from(k).unwrap_or(u32::MAX), get("mean")),
                    "mean",
                )
            }
            _ => {
                let unit = raw.unit.as_deref().unwrap_or("");
                let unit_ms = match units::duration(&format!("1 {unit}")) {
                    Ok(time) => time.millis() as f64,
                    Err(_) => {
                        self.report(
                            &path.key("unit"),
                            format!(
                                "expected a time unit such as \"min\" or \"h\", got \"{unit}\""
                            ),
                        );
                        return None;
                    }
                };
                let values: Vec<f64> = raw.values.iter().flatten().map(|v| v * unit_ms).collect();
                (Service::empirical(values), "values")
            }
        };
        result
            .map_err(|message| {
                // Messages that start with a parameter's name ("sd must be > 0") point at it.
                let key = message
                    .split_whitespace()
                    .next()
                    .filter(|word| needs.contains(word))
                    .unwrap_or(culprit);
                self.report(&path.key(key), message);
            })
            .ok()
    }

    fn routes(
        &mut self,
        raw: &RawStage,
        path: &KeyPath,
        indices: &HashMap<String, usize>,
    ) -> Option<Vec<Route>> {
        let routes_path = path.key("routes");
        if raw.routes.is_empty() {
            self.report(
                &routes_path,
                "needs at least one route; send trucks on with { to = \"exit\" } when they leave",
            );
            return None;
        }
        // One route may leave out `p`: it takes what the others leave.
        let mut without_p = raw.routes.iter().enumerate().filter(|(_, r)| r.p.is_none());
        let rest_route = without_p.next().map(|(i, _)| i);
        for (i, _) in without_p {
            self.report(
                &routes_path.index(i).key("p"),
                "only one route of a stage may leave out `p` (it takes the rest)",
            );
        }
        let given: f64 = raw.routes.iter().filter_map(|route| route.p).sum();
        let mut routes = Vec::new();
        let mut ok = true;
        for (i, route) in raw.routes.iter().enumerate() {
            let route_path = routes_path.index(i);
            let to = if route.to == "exit" {
                Some(Destination::Exit)
            } else if let Some(&index) = indices.get(&route.to) {
                Some(Destination::Stage(index))
            } else {
                self.report(
                    &route_path.key("to"),
                    format!(
                        "no stage named \"{}\" (use \"exit\" to leave the port)",
                        route.to
                    ),
                );
                None
            };
            let probability = match route.p {
                Some(p) if (0.0..=1.0).contains(&p) => Some(p),
                Some(p) => {
                    self.report(
                        &route_path.key("p"),
                        format!("must be a probability within [0, 1], got {p}"),
                    );
                    None
                }
                None if rest_route == Some(i) => Some((1.0 - given).max(0.0)),
                None => None,
            };
            let travel = match &route.travel {
                Some(text) => self.duration(text, &route_path.key("travel")),
                None => Some(Span::ZERO),
            };
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
                format!("probabilities must sum to 1, got {total}"),
            );
            return None;
        }
        Some(routes)
    }

    /// Every stage must lead to the exit along routes of positive probability.
    fn check_exit_reachable(&mut self, stages: &[Stage]) {
        let n = stages.len();
        let mut reaches = vec![false; n];
        let mut changed = true;
        while changed {
            changed = false;
            for i in 0..n {
                if reaches[i] {
                    continue;
                }
                let leads_out = stages[i].routes.iter().any(|route| {
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
                self.report(
                    &root().key("stages").key(&stage.name).key("routes"),
                    "trucks here can never reach the exit: every route with p > 0 leads back into a loop",
                );
            }
        }
    }
}

/// How a section is mended after a serde error, to read on and find its other problems.
enum Mend {
    /// Drop an unknown key.
    Remove,
    /// Put a stand-in of the expected type in place of a value of the wrong type.
    Replace(toml_edit::Value),
}

impl Mend {
    fn for_message(message: &str) -> Option<Mend> {
        use toml_edit::Value;
        if message.starts_with("unknown field") {
            return Some(Mend::Remove);
        }
        let (_, expected) = message.split_once("expected ")?;
        let stand_in = match expected.trim() {
            "i64" | "u64" | "u32" | "i32" => Value::from(0i64),
            "f64" => Value::from(0.0),
            "a string" => Value::from(""),
            "a sequence" => Value::Array(toml_edit::Array::new()),
            _ => return None,
        };
        Some(Mend::Replace(stand_in))
    }

    /// Applies the mend at `path` (relative to `value`); false when there is no such place.
    fn apply(&self, value: &mut toml_edit::Value, path: &[locate::Segment]) -> bool {
        use locate::Segment;
        use toml_edit::Value;
        match (value, path, self) {
            (Value::InlineTable(table), [Segment::Key(key)], Mend::Remove) => {
                table.remove(key).is_some()
            }
            (Value::InlineTable(table), [Segment::Key(key)], Mend::Replace(stand_in)) => {
                table.insert(key, stand_in.clone()).is_some()
            }
            (Value::Array(array), [Segment::Index(index)], Mend::Replace(stand_in))
                if *index < array.len() =>
            {
                array.replace(*index, stand_in.clone());
                true
            }
            (Value::InlineTable(table), [Segment::Key(key), rest @ ..], _) => table
                .get_mut(key)
                .is_some_and(|child| self.apply(child, rest)),
            (Value::Array(array), [Segment::Index(index), rest @ ..], _) if !rest.is_empty() => {
                array
                    .get_mut(*index)
                    .is_some_and(|child| self.apply(child, rest))
            }
            _ => false,
        }
    }
}

/// The first simulated day when a scenario gives no `start`: Monday 2025-01-06.
const DEFAULT_START_DAY: i64 = 20_094;

/// More replications than any study needs; the bound keeps a typo from running for days.
pub const MAX_REPLICATIONS: i64 = 100_000;

/// Shifts must cover the 24 hours of the day exactly once.
fn check_shift_cover(shifts: &[Shift]) -> Result<(), String> {
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
fn is_empty_span(from: Span, to: Span) -> bool {
    let whole_day = from == Span::ZERO && to == Span::DAY;
    from % Span::DAY == to % Span::DAY && !whole_day
}

fn clock(time: Span) -> String {
    let minutes = time.millis() / Span::MINUTE.millis();
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Whether `name` may name a stage: ASCII letters, digits, `-` and `_`, so that a metric
/// (`xray.mean_wait_h`), a column (`xray.queued_h`) or a path (`gate>xray>exit`) reads back
/// unambiguously.
pub fn is_stage_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}
