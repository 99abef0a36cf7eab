//! Scenario files: TOML in, a validated [`Scenario`] out, or every problem with file, line and key.
//!
//! Two layers, as in ripgrep's config: `raw` reads what the user typed, section by section, with
//! typed reads (an unknown key, a wrong type, a key left out: each reported, and reading goes on);
//! the checks turn it into model types, one file per section of the scenario (`arrivals.rs`,
//! `stages.rs`, `services.rs`, `routes.rs`, `calendars.rs`), reporting every problem at once, each at
//! `file:line:column: key.path: message`.

mod arrivals;
mod calendars;
mod classes;
mod layers;
pub(crate) mod locate;
mod ports;
pub(crate) mod raw;
mod routes;
mod services;
mod stages;
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
use std::sync::{Arc, Mutex};

use toml_edit::{Item, TableLike};

use crate::engine::{Instant, Span};
use crate::model::{Limits, Scenario, Stage};
pub(crate) use layers::parse_document;
use layers::Layers;
pub use layers::{Location, Override};
use locate::KeyPath;
use raw::{Fields, RawArrivals, RawLimits, RawStage, RawTop, Reader};

/// Heavy inputs read once and shared (`Arc`) by every scenario checked from the same files: the
/// points of a sweep hold one copy of an arrival trace and of a list of empirical values, however
/// many points there are.
#[derive(Default)]
pub(crate) struct Shared {
    /// Each trace read, by the path it was read from.
    traces: Mutex<HashMap<PathBuf, Arc<[Instant]>>>,
    /// Empirical values by the hash of their bits (equal lists share one copy).
    samples: Mutex<HashMap<u64, Vec<Arc<[f64]>>>>,
}

impl Shared {
    /// The trace read from `path` before, if one was.
    pub(crate) fn trace(&self, path: &Path) -> Option<Arc<[Instant]>> {
        lock(&self.traces).get(path).cloned()
    }

    /// Keeps the trace read from `path` for the next scenario that reads it.
    pub(crate) fn keep_trace(&self, path: &Path, times: Vec<Instant>) -> Arc<[Instant]> {
        let times: Arc<[Instant]> = times.into();
        lock(&self.traces).insert(path.to_path_buf(), Arc::clone(&times));
        times
    }

    /// `values`, as the one shared copy of every equal list.
    pub(crate) fn sample(&self, values: Vec<f64>) -> Arc<[f64]> {
        let hash = crate::engine::fnv1a(values.iter().flat_map(|v| v.to_bits().to_le_bytes()));
        let mut samples = lock(&self.samples);
        let same = samples.entry(hash).or_default();
        let equal = |kept: &[f64]| {
            kept.len() == values.len()
                && kept
                    .iter()
                    .zip(&values)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
        };
        if let Some(found) = same.iter().find(|kept| equal(kept)) {
            return Arc::clone(found);
        }
        let values: Arc<[f64]> = values.into();
        same.push(Arc::clone(&values));
        values
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

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

impl Problem {
    /// A problem with `key` at `location`.
    pub fn at(location: Location, key: &str, message: impl Into<String>) -> Problem {
        Problem {
            file: location.file,
            line: location.line,
            column: location.column,
            key: key.to_string(),
            message: message.into(),
        }
    }
}

/// `text` cut to its first `max` characters, saying how long it was: a message quotes what it was
/// given, and what it was given may be a 50 MB value or a key of half a million characters.
pub(crate) fn clip(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(text),
        Some((end, _)) => std::borrow::Cow::Owned(format!(
            "{}… ({} characters in all)",
            &text[..end],
            text.chars().count()
        )),
    }
}

/// A number as a message shows it: as written when short, else in scientific notation
/// (`1e308`, not 309 digits).
pub(crate) fn shown_number(x: f64) -> String {
    let plain = x.to_string();
    if plain.len() <= 24 {
        plain
    } else {
        format!("{x:e}")
    }
}

/// Longest key path and message a problem shows.
const MAX_KEY_SHOWN: usize = 200;
const MAX_MESSAGE_SHOWN: usize = 600;

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.key.is_empty() {
            write!(f, ": {}", clip(&self.key, MAX_KEY_SHOWN))?;
        }
        write!(f, ": {}", clip(&self.message, MAX_MESSAGE_SHOWN))
    }
}

/// Why an input file (a scenario, a sweep file) could not be loaded. An I/O failure is the
/// error's `source`, not part of its message, so that a chain of causes (`{:#}`) names it once.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("cannot read {kind} {}", path.display())]
    Read {
        /// What the file is: "scenario" or "sweep file".
        kind: &'static str,
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

impl InputError {
    /// The problems found, empty for a read error.
    pub fn problems(&self) -> &[Problem] {
        match self {
            InputError::Invalid(problems) => problems,
            InputError::Read { .. } => &[],
        }
    }
}

/// Reads and validates a scenario file and the files it extends.
pub fn load(path: &Path) -> Result<Scenario, InputError> {
    Unchecked::read(path)?.with(&[])
}

/// Validates scenario text; `path` names the file in messages and anchors relative file names
/// (the parent named by `extends`, an arrival trace).
pub fn parse(text: &str, path: &Path) -> Result<Scenario, InputError> {
    let layers = Layers::read(text, path).map_err(|problem| InputError::Invalid(vec![problem]))?;
    check(&layers)
}

/// A scenario file read with the files it extends, not validated yet: what a sweep varies.
#[derive(Clone)]
pub struct Unchecked {
    layers: Layers,
}

/// The text of an input file (`kind`: "scenario", "sweep file"), or why it cannot be read.
pub(crate) fn read_input(path: &Path, kind: &'static str) -> Result<String, InputError> {
    read_text(path).map_err(|error| match error {
        TextError::Io(source) => InputError::Read {
            kind,
            path: path.to_path_buf(),
            source,
        },
        TextError::Invalid(problem) => InputError::Invalid(vec![problem]),
    })
}

impl Unchecked {
    pub fn read(path: &Path) -> Result<Unchecked, InputError> {
        let text = read_input(path, "scenario")?;
        let layers =
            Layers::read(&text, path).map_err(|problem| InputError::Invalid(vec![problem]))?;
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

    /// Validates the scenario with `reforms` merged over it in order (none: the files as they
    /// are).
    pub fn with_reforms(&self, reforms: &[&Reform]) -> Result<Scenario, InputError> {
        let layers: Vec<&layers::Layer> = reforms.iter().map(|reform| &reform.layer).collect();
        let stacked = self
            .layers
            .stacked(&layers)
            .map_err(|problem| InputError::Invalid(vec![problem]))?;
        check(&stacked)
    }

    /// Validates the scenario with `overrides` set over it (none: the files as they are).
    pub fn with(&self, overrides: &[Override]) -> Result<Scenario, InputError> {
        if overrides.is_empty() {
            return check(&self.layers);
        }
        let mut layers = self.layers.clone();
        layers.override_with(overrides);
        check(&layers)
    }
}

/// A reform of a ledger: a part of a scenario file (no `extends`), merged over the base scenario
/// as a file extending it would be.
#[derive(Clone)]
pub struct Reform {
    layer: layers::Layer,
}

impl Reform {
    pub fn read(path: &Path) -> Result<Reform, InputError> {
        let text = read_input(path, "reform")?;
        let layer = layers::Layer::overlay(text, path)
            .map_err(|problem| InputError::Invalid(vec![problem]))?;
        Ok(Reform { layer })
    }

    pub fn file(&self) -> &Path {
        &self.layer.file
    }

    pub fn text(&self) -> &str {
        self.layer.text()
    }

    /// Every value the reform sets: its key path (tables and inline tables entered, arrays
    /// whole), the value as written, and where.
    pub fn settings(&self) -> Vec<(String, String, Location)> {
        fn walk(
            table: &dyn toml_edit::TableLike,
            path: &locate::KeyPath,
            layer: &layers::Layer,
            out: &mut Vec<(String, String, Location)>,
        ) {
            for (key, item) in table.iter() {
                let here = path.key(key);
                match item.as_table_like() {
                    Some(inner) => walk(inner, &here, layer, out),
                    None => {
                        let value = item
                            .as_value()
                            .map_or_else(|| item.to_string(), |value| value.to_string());
                        let location = layer.location_of(&here).unwrap_or(Location {
                            file: layer.file.clone(),
                            line: 1,
                            column: 1,
                        });
                        out.push((here.to_string(), value.trim().to_string(), location));
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(
            self.layer.document().as_table(),
            &locate::KeyPath::default(),
            &self.layer,
            &mut out,
        );
        out
    }
}

/// The scenario `landport init NAME` writes, with `{name}` for its name: every section
/// explained in comments, valid as it is.
pub const TEMPLATE: &str = include_str!("scenario/template.toml");

/// A scenario as landport reads it, for `landport show`: the file and the files it extends
/// merged into one TOML document, each value followed by a comment naming the file and line it
/// came from. Inline tables are written out as tables, so that each of their values gets its
/// comment (an array, such as `routes`, comes whole from one file and gets one).
pub fn shown_text(path: &Path) -> Result<String, InputError> {
    let unchecked = Unchecked::read(path)?;
    let layers = &unchecked.layers;
    let mut document: toml_edit::DocumentMut = layers
        .merged()
        .text()
        .parse()
        .expect("the merge is valid TOML");
    document.decor_mut().clear();
    annotate(document.as_table_mut(), &KeyPath::default(), layers);
    let files: Vec<String> = layers
        .files()
        .iter()
        .map(|file| file.display().to_string())
        .collect();
    let mut text = format!(
        "# {} as landport reads it{}.\n# After each value, the file and line it comes from.\n",
        path.display(),
        match files.len() {
            1 => String::new(),
            _ => format!(", merged with {}", files[1..].join(", then ")),
        }
    );
    text.push_str(&document.to_string());
    Ok(text)
}

/// Writes each value's origin after it, and inline tables (outside arrays) as tables.
fn annotate(table: &mut toml_edit::Table, path: &KeyPath, layers: &Layers) {
    let keys: Vec<String> = table.iter().map(|(key, _)| key.to_string()).collect();
    for key in keys {
        let item = table.get_mut(&key).expect("a key of the table");
        if let Item::Value(toml_edit::Value::InlineTable(_)) = item {
            let inline = std::mem::take(item);
            if let Ok(inner) = inline.into_table() {
                *item = Item::Table(inner);
            }
        }
        let at = path.clone().key(&key);
        match item {
            Item::Table(inner) => {
                inner.set_implicit(true);
                inner.set_dotted(false);
                // The files' comments would stand beside values from other files: only the
                // origins are kept.
                inner.decor_mut().clear();
                inner.decor_mut().set_prefix("\n");
                annotate(inner, &at, layers);
            }
            Item::Value(value) => {
                let origin = layers.locate(&at);
                value.decor_mut().set_suffix(format!(
                    "   # {}:{}",
                    origin.file.display(),
                    origin.line
                ));
            }
            _ => {}
        }
        if let Some(mut key) = table.key_mut(&key) {
            key.leaf_decor_mut().clear();
        }
    }
}

/// The merged text of a scenario file and the files it extends, with `extends` removed: what a
/// variant resolves to.
pub fn resolved_text(path: &Path) -> Result<String, InputError> {
    Ok(Unchecked::read(path)?.resolved().to_string())
}

fn check(layers: &Layers) -> Result<Scenario, InputError> {
    let mut checker = Checker {
        layers,
        problems: Vec::new(),
    };
    let scenario = checker.scenario(layers.document());
    match scenario {
        Some(scenario) if checker.problems.is_empty() => Ok(scenario),
        _ => Err(InputError::Invalid(in_file_order(checker.problems))),
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
        let mut message = message.into();
        if let Some(note) = self.layers.inherited_note(&location, path) {
            message.push_str(&note);
        }
        self.push(location, path, message);
    }

    fn push(&mut self, location: Location, path: &KeyPath, message: impl Into<String>) {
        self.problems
            .push(Problem::at(location, &path.to_string(), message));
    }

    /// Reads one section with `read`, reporting every problem of reading it; `None` when it is
    /// not a table at all.
    fn read<T>(
        &mut self,
        item: &Item,
        path: &KeyPath,
        known: &'static [&'static str],
        read: Reader<T>,
    ) -> Option<T> {
        match item.as_table_like() {
            Some(table) => Some(self.read_table(table, path, known, read)),
            None => {
                self.report(path, format!("expected a table, got {}", item.type_name()));
                None
            }
        }
    }

    fn read_table<T>(
        &mut self,
        table: &dyn TableLike,
        path: &KeyPath,
        known: &'static [&'static str],
        read: Reader<T>,
    ) -> T {
        let mut found = Vec::new();
        let value = read(&mut Fields::new(table, path.clone(), known, &mut found));
        for problem in found {
            let location = if problem.at_key {
                self.layers.locate_key(&problem.at)
            } else {
                self.layers.locate(&problem.at)
            };
            self.push(location, &problem.key, problem.message);
        }
        value
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

    fn scenario(&mut self, document: &toml_edit::Table) -> Option<Scenario> {
        let top = self.read_table(document, &root(), RawTop::KEYS, RawTop::read);

        // A variant removes a parent's stage with `stages.<name> = false`, and the merge leaves
        // the stage out: one still here is in a file that extends none.
        let stage_items: Vec<(&str, &Item)> =
            match document.get("stages").and_then(Item::as_table_like) {
                Some(table) => table
                    .iter()
                    .filter(|(name, item)| {
                        let removal = item.as_bool() == Some(false);
                        if removal {
                            self.report(
                                &root().key("stages").key(name),
                                format!(
                                    "removes stage \"{name}\", but the file extends no scenario: \
there is no stage to remove"
                                ),
                            );
                        }
                        !removal
                    })
                    .collect(),
                None => Vec::new(),
            };
        if stage_items.is_empty() && document.get("stages").is_some() {
            self.report(&root().key("stages"), "must define at least one stage");
        }
        let mut indices = HashMap::new();
        for (i, (name, _)) in stage_items.iter().enumerate() {
            indices.insert(name.to_string(), i);
        }
        let (warmup, horizon, start_day) = self.top_level(&top);

        let arrivals_path = root().key("arrivals");
        let raw_arrivals: Option<RawArrivals> = match document.get("arrivals") {
            Some(item) => self.read(item, &arrivals_path, RawArrivals::KEYS, RawArrivals::read),
            // Reported by the top-level reader.
            None => None,
        };

        let holidays = self.holidays(top.holidays.as_deref(), &root().key("holidays"));
        let (clocks, ports) = self.clocks(document, top.time_zone.as_deref(), &indices, start_day);
        let class_indices = Self::class_indices(document);
        let port = stages::Port {
            indices: &indices,
            classes: &class_indices,
            start_day,
            holidays: &holidays,
            clocks: &clocks,
        };
        let mut stages = Vec::new();
        for &(name, item) in &stage_items {
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
            let raw: Option<RawStage> = self.read(item, &path, RawStage::KEYS, RawStage::read);
            stages.push(raw.and_then(|raw| self.stage(name, raw, &path, &port)));
        }

        let (arrivals, entry) = match raw_arrivals {
            Some(raw) => self.arrivals(raw, &arrivals_path, &indices),
            None => (None, None),
        };
        let classes = self.classes(document, &indices, &mut stages);
        let mut stages: Vec<Stage> = stages.into_iter().collect::<Option<_>>()?;
        for (port, (_, members)) in ports.iter().enumerate() {
            for &stage in members {
                stages[stage].port = Some(port);
            }
        }
        let classes = classes?;
        self.check_exit_reachable(&stages, &classes);

        let replications = self.replications(top.replications)?;
        let limits = self.limits(top.limits.as_ref())?;
        let costs = self.costs(top.costs.as_ref())?;
        Some(Scenario {
            name: top.name?,
            seed: u64::try_from(top.seed?).ok()?,
            warmup: warmup?,
            horizon: horizon?,
            replications,
            start_day,
            arrivals: arrivals?,
            entry: entry?,
            stages,
            classes,
            ports: ports.into_iter().map(|(name, _)| name).collect(),
            limits,
            costs,
            inputs: self.layers.inputs(),
        })
    }

    /// `[costs]`: each a finite number from 0, the engine-on share at most 1; the defaults for
    /// the keys left out.
    fn costs(&mut self, raw: Option<&raw::RawCosts>) -> Option<crate::model::Costs> {
        let mut costs = crate::model::Costs::default();
        let Some(raw) = raw else {
            return Some(costs);
        };
        let mut ok = true;
        for &(key, value) in &raw.values {
            let Some(value) = value else { continue };
            let most = if key == "engine_on_share" {
                1.0
            } else {
                f64::MAX
            };
            if !(value.is_finite() && (0.0..=most).contains(&value)) {
                let range = if key == "engine_on_share" {
                    "between 0 and 1"
                } else {
                    "a finite number from 0"
                };
                self.report(
                    &root().key("costs").key(key),
                    format!("must be {range}, got {value}"),
                );
                ok = false;
                continue;
            }
            match key {
                "truck_hour" => costs.truck_hour = value,
                "fee" => costs.fee = value,
                "idle_litres_per_hour" => costs.idle_litres_per_hour = value,
                "engine_on_share" => costs.engine_on_share = value,
                _ => costs.co2_kg_per_litre = value,
            }
        }
        ok.then_some(costs)
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
        if let Some(name) = &top.name {
            if let Err(why) = check_output_name(name) {
                self.report(&name_path, why);
            }
        }
        if let Some(seed) = top.seed.filter(|seed| *seed < 0) {
            self.report(&root().key("seed"), format!("must be >= 0, got {seed}"));
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
        let horizon = top
            .horizon
            .as_ref()
            .and_then(|horizon| self.duration(horizon, &root().key("horizon")));
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
}

/// The first simulated day when a scenario gives no `start`: Monday 2025-01-06.
const DEFAULT_START_DAY: i64 = 20_094;

/// More replications than any study needs; the bound keeps a typo from running for days.
pub const MAX_REPLICATIONS: i64 = 100_000;

/// A dotted key path in one spelling (`stages."desk".servers` as `stages.desk.servers`; spaces
/// around its parts dropped), so that one key cannot be written two ways.
pub fn normal_key(key: &str) -> String {
    layers::parse_key(key).to_string()
}

/// The longest name of a scenario or sweep: it names a folder, and a comparison's folder joins
/// several.
pub const MAX_NAME_CHARS: usize = 100;

/// Whether `name` may name an output folder: letters, digits, `-`, `_` and `.` (not first), at
/// most [`MAX_NAME_CHARS`] of them; else why not.
pub fn check_output_name(name: &str) -> Result<(), String> {
    let allowed = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !allowed {
        return Err(format!(
            "must be letters, digits, '-', '_' or '.' (it names the output folder), got \"{}\"",
            clip(name, 40)
        ));
    }
    let length = name.chars().count();
    if length > MAX_NAME_CHARS {
        return Err(format!(
            "must be at most {MAX_NAME_CHARS} characters (it names the output folder), got {length}"
        ));
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Arrivals, Service};

    /// The points of a sweep (one base read, each point's values set over it) hold one copy of a
    /// trace and of a list of empirical values, not one a point.
    #[test]
    fn points_share_one_copy_of_a_trace_and_of_empirical_values() {
        let dir = std::env::temp_dir().join(format!("landport-shared-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("trace.csv"), "arrival_hours\n0.5\n1.0\n2.5\n").unwrap();
        let values: Vec<String> = (1..=1000).map(|v| v.to_string()).collect();
        let file = dir.join("port.toml");
        std::fs::write(
            &file,
            format!(
                "name = \"shared\"\nseed = 1\nwarmup = \"0 h\"\nhorizon = \"1 d\"\nreplications = 2\n\
[arrivals]\nprocess = \"trace\"\nfile = \"trace.csv\"\nto = \"desk\"\n\
[stages.desk]\nservers = 1\nroutes = [{{ to = \"exit\" }}]\n\
service = {{ dist = \"empirical\", unit = \"s\", values = [{}] }}\n",
                values.join(", ")
            ),
        )
        .unwrap();
        let base = Unchecked::read(&file).unwrap();
        let point = |servers: i64| {
            base.with(&[Override {
                key: "stages.desk.servers".into(),
                value: servers.into(),
                origin: Location {
                    file: file.clone(),
                    line: 1,
                    column: 1,
                },
            }])
            .unwrap()
        };
        let (one, two) = (point(1), point(2));
        let servers = |s: &Scenario| s.offered_loads()[0].mean_servers;
        assert_eq!((servers(&one), servers(&two)), (1.0, 2.0));
        let (Arrivals::Trace { times: a }, Arrivals::Trace { times: b }) =
            (&one.arrivals, &two.arrivals)
        else {
            panic!("both points read the trace");
        };
        assert_eq!(a.len(), 3);
        assert!(Arc::ptr_eq(a, b), "one trace for both points");
        let (Service::Empirical(a), Service::Empirical(b)) =
            (&one.stages[0].service, &two.stages[0].service)
        else {
            panic!("both points have empirical service");
        };
        assert_eq!(a.len(), 1000);
        assert!(Arc::ptr_eq(a, b), "one list of values for both points");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
