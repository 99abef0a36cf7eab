//! Sweep files: a base scenario and the keys to vary (a `[grid]` or a list of `[[points]]`), read
//! with the scenario's typed reader and checked whole, every point's scenario validated, before
//! anything runs; every problem reported at once with the sweep file's line.

use std::path::{Path, PathBuf};

use toml_edit::{ImDocument, Item, Value};

use rayon::prelude::*;

use super::runs;
use super::{Layout, Settings, Sweep, SweepInfo, CHECK_AHEAD};
use crate::model::Scenario;
use crate::scenario::locate::{self, KeyPath};
use crate::scenario::raw::{Fields, Found};
use crate::scenario::{
    in_file_order, parse_document, read_input, InputError, Location, Problem, Unchecked,
    MAX_REPLICATIONS,
};

/// Largest number of points a sweep may have: more is almost certainly a typo in a range.
pub const MAX_POINTS: usize = 1_000_000;

/// Collects the problems of a sweep file with their places.
pub(crate) struct Checker<'a> {
    file: &'a Path,
    pub(crate) text: &'a str,
    pub(crate) document: &'a ImDocument<String>,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    pub(crate) fn location_of(&self, span: Option<std::ops::Range<usize>>) -> Location {
        let (line, column) = span.map_or((0, 0), |span| locate::line_column(self.text, span.start));
        Location {
            file: self.file.to_path_buf(),
            line,
            column,
        }
    }

    pub(crate) fn report(&mut self, location: Location, key: &str, message: impl Into<String>) {
        self.problems.push(Problem::at(location, key, message));
    }

    /// Where a top-level key is written (its key, for tables).
    pub(crate) fn top_location(&self, key: &str) -> Location {
        let span = self
            .document
            .as_table()
            .get_key_value(key)
            .and_then(|(key, item)| item.span().or_else(|| key.span()));
        self.location_of(span)
    }

    /// Where the value at `path` is written (or the nearest table that holds it).
    pub(crate) fn at(&self, path: &KeyPath) -> Location {
        let place = locate::Locator::new(self.document).find(path);
        self.location_of(place.map(|(_, offset)| offset..offset))
    }

    /// Reports the problems the typed reader found, each where it points.
    pub(crate) fn report_found(&mut self, found: Vec<Found>) {
        let locator = locate::Locator::new(self.document);
        for problem in found {
            let place = if problem.at_key {
                locator.find_key(&problem.at)
            } else {
                locator.find(&problem.at)
            };
            // A key left out of the file's top level is pointed at its start.
            let offset = place.map_or(0, |(_, offset)| offset);
            let location = self.location_of(Some(offset..offset));
            self.report(location, &problem.key.to_string(), problem.message);
        }
    }

    /// The name of the results folder: `name`, or the file's stem.
    pub(crate) fn output_name(&mut self, path: &Path, name: Option<&String>) -> String {
        match name {
            None => path.file_stem().map_or("sweep".to_string(), |stem| {
                stem.to_string_lossy().into_owned()
            }),
            Some(name) => match crate::scenario::check_output_name(name) {
                Ok(()) => name.clone(),
                Err(why) => {
                    let location = self.top_location("name");
                    self.report(location, "name", why);
                    String::new()
                }
            },
        }
    }

    /// An integer the file gives, within `range`.
    pub(crate) fn in_range(
        &mut self,
        key: &str,
        value: Option<i64>,
        range: std::ops::RangeInclusive<i64>,
    ) -> Option<i64> {
        let n = value?;
        if range.contains(&n) {
            return Some(n);
        }
        let location = self.top_location(key);
        self.report(
            location,
            key,
            format!(
                "must be between {} and {}, got {n}",
                range.start(),
                range.end()
            ),
        );
        None
    }
}

/// A varied key with its values, each with where it was written.
pub(crate) struct Parameter {
    pub key: String,
    pub values: Vec<(Value, Location)>,
}

/// Reads and validates a sweep file, and every point's scenario, before anything runs.
pub fn load(path: &Path) -> Result<Sweep, InputError> {
    load_with(path, "sweep file", check)
}

/// Reads a sweep-like file (`what`: "sweep file") and checks it with `check`: the value, or every
/// problem the check reported, in file order.
pub(crate) fn load_with<T>(
    path: &Path,
    what: &'static str,
    check: impl FnOnce(&mut Checker<'_>, &Path) -> Option<T>,
) -> Result<T, InputError> {
    let text = read_input(path, what)?;
    let document =
        parse_document(&text, path).map_err(|problem| InputError::Invalid(vec![problem]))?;
    let mut checker = Checker {
        file: path,
        text: &text,
        document: &document,
        problems: Vec::new(),
    };
    match check(&mut checker, path) {
        Some(checked) if checker.problems.is_empty() => Ok(checked),
        _ => Err(InputError::Invalid(in_file_order(checker.problems))),
    }
}

/// The keys every sweep-like file (a sweep, an optimisation, a ledger) has at its top, as written.
pub(crate) struct Common {
    scenario: Option<String>,
    name: Option<String>,
    seed: Option<i64>,
    replications: Option<i64>,
    /// Keys there with a value that could not be read (of the whole top level).
    pub bad: Vec<&'static str>,
}

impl Common {
    pub(crate) fn read(fields: &mut Fields<'_, '_>) -> Common {
        Common {
            scenario: fields.string("scenario", "a file name in quotes"),
            name: fields.string("name", "a string"),
            seed: fields.integer("seed"),
            replications: fields.integer("replications"),
            bad: Vec::new(),
        }
    }

    /// Takes the keys the top level's reader found bad; call once it has read every key.
    pub(crate) fn finish(mut self, fields: &mut Fields<'_, '_>) -> Common {
        self.bad = std::mem::take(&mut fields.bad);
        self
    }
}

/// The common keys checked: the base scenario read, the results' name, the seed and the
/// replications.
pub(crate) struct Checked {
    pub base: Option<(Unchecked, PathBuf)>,
    pub name: String,
    pub seed: Option<i64>,
    pub replications: Option<i64>,
}

impl Checker<'_> {
    /// Reads the file's top level with `read` (a reader of `keys`); what it finds is reported
    /// after `also` has read more with the same findings.
    pub(crate) fn read_top<T>(
        &mut self,
        keys: &'static [&'static str],
        read: crate::scenario::raw::Reader<T>,
        also: impl FnOnce(&mut Self, &mut Vec<Found>),
    ) -> T {
        let mut found = Vec::new();
        let raw = read(&mut Fields::new(
            self.document.as_table(),
            KeyPath::default(),
            keys,
            &mut found,
        ));
        also(self, &mut found);
        self.report_found(found);
        raw
    }

    /// Checks the common keys: replications from `fewest`.
    pub(crate) fn common(&mut self, path: &Path, common: &Common, fewest: i64) -> Checked {
        let base = base_scenario(self, path, common.scenario.as_ref(), &common.bad);
        Checked {
            base,
            name: self.output_name(path, common.name.as_ref()),
            seed: self.in_range("seed", common.seed, 0..=i64::MAX),
            replications: self.in_range(
                "replications",
                common.replications,
                fewest..=MAX_REPLICATIONS,
            ),
        }
    }
}

/// A sweep file's own keys, read as a scenario's are (the grid and points are read below).
const SWEEP_KEYS: &[&str] = &["scenario", "name", "seed", "replications", "grid", "points"];

fn read_sweep(fields: &mut Fields<'_, '_>) -> Common {
    Common::read(fields).finish(fields)
}

fn check(checker: &mut Checker<'_>, path: &Path) -> Option<Sweep> {
    let document = checker.document;
    let raw = checker.read_top(SWEEP_KEYS, read_sweep, |_, _| {});
    let Checked {
        base,
        name,
        seed,
        replications,
    } = checker.common(path, &raw, 1);
    let parameters = match (document.get("grid"), document.get("points")) {
        (Some(grid), None) => grid_parameters(checker, grid),
        (None, Some(points)) => point_parameters(checker, points),
        (Some(_), Some(_)) => {
            let location = checker.top_location("points");
            checker.report(
                location,
                "points",
                "give either [grid] or [[points]], not both",
            );
            (Vec::new(), None)
        }
        (None, None) => {
            checker.report(
                checker.location_of(Some(0..0)),
                "grid",
                "is required: a [grid] of keys to vary, or a list of [[points]]",
            );
            (Vec::new(), None)
        }
    };
    let (parameters, layout) = parameters;
    let base = base?;
    let replications = replications.map(|n| n as u32);
    assemble(
        checker,
        path,
        base,
        Frame {
            name,
            seed,
            replications,
            check_every_point: true,
        },
        parameters,
        layout,
    )
}

/// What a sweep-like file (a sweep, an optimisation) says besides its varied keys.
pub(crate) struct Frame {
    pub name: String,
    pub seed: Option<i64>,
    /// The file's count, or the scenario's when `None`.
    pub replications: Option<u32>,
    /// Check every point's scenario before anything runs when there are at most
    /// [`CHECK_AHEAD`] of them (a sweep), or only each value of each key (an optimisation, which
    /// runs few of its points).
    pub check_every_point: bool,
}

/// Makes the sweep of the varied keys over `base`: every key is one the scenario sets with a
/// value of the same type, and the points checked ahead are valid scenarios.
pub(crate) fn assemble(
    checker: &mut Checker<'_>,
    path: &Path,
    (base, scenario_file): (Unchecked, PathBuf),
    frame: Frame,
    parameters: Vec<Parameter>,
    layout: Option<Layout>,
) -> Option<Sweep> {
    // Every varied key must be one the scenario sets, with a value of the same type: checked for
    // every key that parsed, even when another did not.
    let mut typed = true;
    for parameter in &parameters {
        let key = &parameter.key;
        let Some(expected) = base.type_at(key) else {
            let location = parameter.values[0].1.clone();
            checker.report(
                location,
                key,
                format!(
                    "unknown key path: {} does not set `{key}`",
                    scenario_file.display()
                ),
            );
            typed = false;
            continue;
        };
        for (value, location) in &parameter.values {
            if !same_type(expected, value) {
                checker.report(
                    location.clone(),
                    key,
                    format!(
                        "expected {expected} like the scenario's value, got {}",
                        value.type_name()
                    ),
                );
                typed = false;
            }
        }
    }
    // The keys are checked whatever else is wrong; the points only when the values read.
    let layout = layout?;
    if !typed {
        return None;
    }
    let settings = Settings {
        parameters: parameters
            .into_iter()
            .map(|parameter| (parameter.key, parameter.values))
            .collect(),
        layout,
    };
    let count = settings.len();
    // A sweep of up to CHECK_AHEAD points is checked whole before anything runs, and its
    // scenarios kept; a larger one checks each key's every value (the first point that has it)
    // now, and every point when it runs.
    let ahead: Vec<usize> = if count <= CHECK_AHEAD && frame.check_every_point {
        (0..count).collect()
    } else {
        settings.first_of_each_value()
    };
    let checked: Vec<Result<Scenario, InputError>> = ahead
        .par_iter()
        .map(|&point| base.with(&settings.overrides(point)))
        .collect();
    let mut scenarios = Vec::with_capacity(checked.len());
    for result in checked {
        match result {
            Ok(scenario) => scenarios.push(scenario),
            Err(error) => checker.problems.extend(error.problems().iter().cloned()),
        }
    }
    if scenarios.len() < ahead.len() {
        return None;
    }
    let first = scenarios.first()?;
    // The points checked ahead hold every value of every key, so every trace a point may read.
    let fingerprint = inputs_fingerprint(checker.text, &base, &[], &scenarios);
    let info = SweepInfo {
        file: path.to_path_buf(),
        name: frame.name,
        scenario_file,
        base_seed: frame.seed.map_or(first.seed(), |seed| seed as u64),
        replications: frame.replications.unwrap_or(first.replications()),
        keys: settings
            .parameters
            .iter()
            .map(|(key, _)| key.clone())
            .collect(),
        points: (0..count)
            .map(|point| runs::PointInfo {
                values: settings
                    .values(point)
                    .map(|(value, _)| show(value))
                    .collect(),
            })
            .collect(),
        metrics: crate::experiment::metric_ids(first),
        fingerprint,
        ledger: false,
    };
    let kept = if count <= CHECK_AHEAD && frame.check_every_point {
        scenarios
    } else {
        Vec::new()
    };
    Some(Sweep {
        info,
        base,
        settings,
        reforms: Vec::new(),
        kept,
    })
}

/// A ledger's reform: its name, the overlay and where the ledger names it.
pub(crate) struct NamedReform {
    pub name: String,
    pub reform: crate::scenario::Reform,
    pub location: Location,
}

/// Makes the sweep of every combination of `reforms` over `base` (2^k points, the first reform
/// the slowest): reforms that set a value two ways are refused, with both places, and every
/// combination's scenario is checked.
pub(crate) fn assemble_reforms(
    checker: &mut Checker<'_>,
    path: &Path,
    (base, scenario_file): (Unchecked, PathBuf),
    frame: Frame,
    reforms: Vec<NamedReform>,
) -> Option<Sweep> {
    let settings: Vec<Vec<(String, String, Location)>> = reforms
        .iter()
        .map(|named| named.reform.settings())
        .collect();
    let mut clash = false;
    for (b, later) in reforms.iter().enumerate() {
        for (a, earlier) in reforms[..b].iter().enumerate() {
            for (key, value, location) in &settings[b] {
                let other = settings[a].iter().find(|(theirs, their_value, _)| {
                    let same = theirs == key && their_value != value;
                    // A stage removed by one and set by the other; a stage's staffing set as
                    // servers by one and as shifts by the other.
                    let inside = key.starts_with(&format!("{theirs}."))
                        || theirs.starts_with(&format!("{key}."));
                    fn staffing(k: &str) -> Option<&str> {
                        k.strip_suffix(".servers")
                            .or_else(|| k.split_once(".shifts").map(|(stage, _)| stage))
                            .filter(|stage| stage.starts_with("stages."))
                    }
                    let alternative = staffing(key).is_some()
                        && staffing(key) == staffing(theirs)
                        && key.contains(".shifts") != theirs.contains(".shifts");
                    same || inside || alternative
                });
                if let Some((theirs, their_value, their_location)) = other {
                    checker.problems.push(Problem::at(
                        location.clone(),
                        key,
                        format!(
                            "reform `{}` sets `{key}` to {value}, but reform `{}` sets `{theirs}` \
to {their_value} at {}:{}:{}: reforms must compose in any combination, so each value is set by \
one reform only",
                            later.name,
                            earlier.name,
                            their_location.file.display(),
                            their_location.line,
                            their_location.column
                        ),
                    ));
                    clash = true;
                }
            }
        }
    }
    if clash {
        return None;
    }
    let k = reforms.len();
    let count = 1usize << k;
    let only: Vec<crate::scenario::Reform> =
        reforms.iter().map(|named| named.reform.clone()).collect();
    let checked: Vec<Result<Scenario, InputError>> = (0..count as u32)
        .into_par_iter()
        .map(|point| base.with_reforms(&super::reforms_of(&only, point)))
        .collect();
    let mut scenarios = Vec::with_capacity(count);
    for (point, result) in checked.into_iter().enumerate() {
        match result {
            Ok(scenario) => scenarios.push(scenario),
            Err(error) => {
                let names: Vec<&str> = super::reforms_of(&only, point as u32)
                    .iter()
                    .map(|reform| {
                        reforms
                            .iter()
                            .find(|named| named.reform.file() == reform.file())
                            .map_or("?", |named| named.name.as_str())
                    })
                    .collect();
                let with = if names.is_empty() {
                    "the base alone".to_string()
                } else {
                    format!("reforms {}", names.join(" + "))
                };
                for problem in error.problems() {
                    let mut problem = problem.clone();
                    problem.message = format!("with {with}: {}", problem.message);
                    checker.problems.push(problem);
                }
            }
        }
    }
    if scenarios.len() < count {
        return None;
    }
    let first = scenarios.first()?;
    let texts: Vec<&str> = only.iter().map(crate::scenario::Reform::text).collect();
    let fingerprint = inputs_fingerprint(checker.text, &base, &texts, &scenarios);
    let parameters: Vec<(String, Vec<(Value, Location)>)> = reforms
        .iter()
        .map(|named| {
            (
                named.name.clone(),
                vec![
                    (Value::from(false), named.location.clone()),
                    (Value::from(true), named.location.clone()),
                ],
            )
        })
        .collect();
    let info = SweepInfo {
        file: path.to_path_buf(),
        name: frame.name,
        scenario_file,
        base_seed: frame.seed.map_or(first.seed(), |seed| seed as u64),
        replications: frame.replications.unwrap_or(first.replications()),
        keys: reforms.iter().map(|named| named.name.clone()).collect(),
        points: (0..count as u32)
            .map(|point| runs::PointInfo {
                values: (0..k)
                    .map(|i| {
                        if point >> (k - 1 - i) & 1 == 1 {
                            "yes".to_string()
                        } else {
                            "no".to_string()
                        }
                    })
                    .collect(),
            })
            .collect(),
        metrics: crate::experiment::Quantity::PORT
            .map(crate::experiment::MetricId::port)
            .to_vec(),
        fingerprint,
        ledger: true,
    };
    Some(Sweep {
        info,
        base,
        settings: Settings {
            parameters,
            layout: Layout::Grid,
        },
        reforms: only,
        kept: scenarios,
    })
}

/// The fingerprint of every file the runs read, by content: the landport version, the file
/// itself, the base scenario with the files it extends (merged), `extra` texts (a ledger's
/// reforms) and the arrival trace of each checked scenario (its arrival times, as read).
fn inputs_fingerprint(
    text: &str,
    base: &Unchecked,
    extra: &[&str],
    scenarios: &[Scenario],
) -> String {
    let traces: Vec<String> = scenarios
        .iter()
        .filter_map(Scenario::trace_digest)
        .map(|digest| format!("{digest:016x}"))
        .collect();
    let mut parts = vec![env!("CARGO_PKG_VERSION"), text, base.resolved()];
    parts.extend_from_slice(extra);
    parts.extend(traces.iter().map(String::as_str));
    runs::fingerprint(&parts)
}

/// Reads the base scenario named by `scenario`, relative to the sweep file.
pub(crate) fn base_scenario(
    checker: &mut Checker<'_>,
    path: &Path,
    scenario: Option<&String>,
    bad: &[&str],
) -> Option<(Unchecked, PathBuf)> {
    let Some(name) = scenario else {
        if !bad.contains(&"scenario") {
            checker.report(
                checker.location_of(Some(0..0)),
                "scenario",
                "is required: the base scenario file, relative to the sweep file",
            );
        }
        return None;
    };
    let location = checker.top_location("scenario");
    let file = path.parent().unwrap_or(Path::new("")).join(name);
    match Unchecked::read(&file) {
        // Shown as `scenarios/x.toml` rather than `scenarios/sweeps/../x.toml`.
        Ok(base) => Some((base, lexically_normal(&file))),
        Err(InputError::Read { source, .. }) => {
            checker.report(
                location,
                "scenario",
                format!("cannot read scenario {}: {source}", file.display()),
            );
            None
        }
        Err(error) => {
            checker.problems.extend(error.problems().iter().cloned());
            None
        }
    }
}

/// `scenarios/sweeps/../x.toml` as `scenarios/x.toml`, without touching the filesystem: for display
/// only (after a symbolic link, `..` may lead elsewhere).
fn lexically_normal(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(normal.components().next_back(), Some(Component::Normal(_))) =>
            {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    normal
}

/// The varied keys with their values (those that parsed), and how they make the points when all
/// of them did.
type Parsed = (Vec<Parameter>, Option<Layout>);

/// `[grid]`: every combination of the values of each key, the first key varying slowest.
fn grid_parameters(checker: &mut Checker<'_>, grid: &Item) -> Parsed {
    let Some(table) = grid.as_table_like() else {
        let location = checker.top_location("grid");
        checker.report(
            location,
            "grid",
            "must be a table of key paths and their values",
        );
        return (Vec::new(), None);
    };
    let mut parameters = Vec::new();
    let mut ok = true;
    for (key, item) in table.iter() {
        let label = format!("grid.\"{key}\"");
        let Some(key) = normal_key(checker, key, &label, item.span(), &parameters) else {
            ok = false;
            continue;
        };
        match values_of(checker, item, &label) {
            Some(values) => parameters.push(Parameter { key, values }),
            None => ok = false,
        }
    }
    if parameters.is_empty() && ok {
        let location = checker.top_location("grid");
        checker.report(location, "grid", "names no key to vary");
        return (parameters, None);
    }
    let count = parameters
        .iter()
        .try_fold(1usize, |n, p| n.checked_mul(p.values.len()))
        .filter(|&n| n <= MAX_POINTS);
    if count.is_none() {
        let location = checker.top_location("grid");
        checker.report(
            location,
            "grid",
            format!("makes more than {MAX_POINTS} points"),
        );
        return (parameters, None);
    }
    if !ok {
        return (parameters, None);
    }
    (parameters, Some(Layout::Grid))
}

/// A varied key in one spelling: `stages."desk".servers` and ` stages.desk.servers ` are
/// `stages.desk.servers`. A key that another varied key already names is refused.
fn normal_key(
    checker: &mut Checker<'_>,
    key: &str,
    label: &str,
    span: Option<std::ops::Range<usize>>,
    earlier: &[Parameter],
) -> Option<String> {
    let normal = crate::scenario::normal_key(key);
    if earlier.iter().any(|parameter| parameter.key == normal) {
        let location = checker.location_of(span);
        checker.report(
            location,
            label,
            format!("varies `{normal}` a second time (written another way): give each key once"),
        );
        return None;
    }
    Some(normal)
}

/// `[[points]]`: each point sets the same keys.
fn point_parameters(checker: &mut Checker<'_>, points: &Item) -> Parsed {
    let tables: Vec<(&dyn toml_edit::TableLike, Option<std::ops::Range<usize>>)> = match points {
        Item::ArrayOfTables(array) => array
            .iter()
            .map(|table| (table as &dyn toml_edit::TableLike, table.span()))
            .collect(),
        Item::Value(Value::Array(array)) => array
            .iter()
            .filter_map(|value| {
                value
                    .as_inline_table()
                    .map(|table| (table as &dyn toml_edit::TableLike, value.span()))
            })
            .collect(),
        _ => Vec::new(),
    };
    if tables.is_empty() {
        let location = checker.top_location("points");
        checker.report(
            location,
            "points",
            "must be a list of tables, [[points]], each setting the varied keys",
        );
        return (Vec::new(), None);
    }
    let normal = crate::scenario::normal_key;
    let keys: Vec<String> = tables[0].0.iter().map(|(key, _)| normal(key)).collect();
    if let Some(twice) = keys
        .iter()
        .enumerate()
        .find(|(k, key)| keys[..*k].contains(key))
        .map(|(_, key)| key)
    {
        let location = checker.location_of(tables[0].1.clone());
        checker.report(
            location,
            "points[0]",
            format!("varies `{twice}` a second time (written another way): give each key once"),
        );
        return (Vec::new(), None);
    }
    let mut combinations = Vec::with_capacity(tables.len());
    let mut ok = true;
    for (i, (table, span)) in tables.iter().enumerate() {
        let these: Vec<String> = table.iter().map(|(key, _)| normal(key)).collect();
        if these != keys {
            let location = checker.location_of(span.clone());
            checker.report(
                location,
                &format!("points[{i}]"),
                format!(
                    "sets {} but the first point sets {}: every point sets the same keys",
                    these.join(", "),
                    keys.join(", ")
                ),
            );
            ok = false;
            continue;
        }
        let mut combination = Vec::with_capacity(keys.len());
        for (key, item) in table.iter() {
            let label = format!("points[{i}].\"{key}\"");
            match item.as_value() {
                Some(value) if scalar(value) => {
                    let location = checker.location_of(value.span());
                    combination.push((fresh(value), location));
                }
                _ => {
                    let location = checker.location_of(item.span());
                    checker.report(location, &label, "expected a single value");
                    ok = false;
                }
            }
        }
        // A point with a bad value is left out whole, so each column keeps to its key.
        if combination.len() == keys.len() {
            combinations.push(combination);
        }
    }
    if keys.is_empty() {
        let location = checker.top_location("points");
        checker.report(location, "points", "names no key to vary");
        return (Vec::new(), None);
    }
    // The same points as one column of values per key.
    let parameters = keys
        .into_iter()
        .enumerate()
        .map(|(k, key)| Parameter {
            key,
            values: combinations
                .iter()
                .filter_map(|combination| combination.get(k).cloned())
                .collect(),
        })
        .collect();
    (parameters, ok.then_some(Layout::List))
}

fn scalar(value: &Value) -> bool {
    !matches!(value, Value::Array(_) | Value::InlineTable(_))
}

/// The values of one grid key: a list `[1, 2, 3]` or a range `{ from = 1, to = 6, step = 1 }`.
fn values_of(
    checker: &mut Checker<'_>,
    item: &Item,
    label: &str,
) -> Option<Vec<(Value, Location)>> {
    let location = checker.location_of(item.span());
    match item.as_value() {
        Some(Value::Array(array)) => {
            if array.is_empty() {
                checker.report(location, label, "empty list: give at least one value");
                return None;
            }
            let mut values = Vec::with_capacity(array.len());
            for value in array.iter() {
                if !scalar(value) {
                    let location = checker.location_of(value.span());
                    checker.report(location, label, "expected single values in the list");
                    return None;
                }
                values.push((fresh(value), checker.location_of(value.span())));
            }
            Some(values)
        }
        Some(Value::InlineTable(table)) => range(checker, table, label, location),
        _ => {
            checker.report(
                location,
                label,
                "expected a list of values [1, 2, 3] or a range { from = 1, to = 6 }",
            );
            None
        }
    }
}

fn range(
    checker: &mut Checker<'_>,
    table: &toml_edit::InlineTable,
    label: &str,
    location: Location,
) -> Option<Vec<(Value, Location)>> {
    for (key, _) in table.iter() {
        if !matches!(key, "from" | "to" | "step") {
            checker.report(
                location.clone(),
                label,
                format!("unknown key `{key}` in a range, expected `from`, `to`, `step`"),
            );
            return None;
        }
    }
    let integers = ["from", "to", "step"]
        .iter()
        .all(|key| table.get(key).is_none_or(Value::is_integer));
    if integers {
        return integer_range(checker, table, label, location);
    }
    let number = |key: &str| {
        table
            .get(key)
            .map(|v| v.as_integer().map(|i| i as f64).or(v.as_float()))
    };
    let (Some(Some(from)), Some(Some(to))) = (number("from"), number("to")) else {
        checker.report(location, label, "a range needs numbers `from` and `to`");
        return None;
    };
    let Some(Some(step)) = number("step") else {
        checker.report(
            location,
            label,
            "a range of non-integers needs a number `step`",
        );
        return None;
    };
    if !(from.is_finite() && to.is_finite()) {
        checker.report(
            location,
            label,
            format!("a range needs finite numbers, got from {from} and to {to}"),
        );
        return None;
    }
    if !(step > 0.0 && step.is_finite()) {
        checker.report(
            location,
            label,
            format!("a range needs a finite step > 0, got step {step}"),
        );
        return None;
    }
    // The tolerance keeps `to` when (to − from) / step is a whole number up to rounding.
    let count = ((to - from) / step + 1e-9).floor() + 1.0;
    if !range_fits(
        checker,
        &location,
        label,
        (from, to),
        count > MAX_POINTS as f64,
    ) {
        return None;
    }
    // 12 significant digits: 0.1 + 2 × 0.1 is 0.3, not 0.30000000000000004.
    let value = |k: usize| {
        let exact = from + k as f64 * step;
        Value::from(format!("{exact:.12e}").parse().unwrap_or(exact))
    };
    Some(
        (0..count as usize)
            .map(|k| (value(k), location.clone()))
            .collect(),
    )
}

/// Whether a range runs upwards and makes at most [`MAX_POINTS`] values; reports why not.
fn range_fits<T: PartialOrd + std::fmt::Display>(
    checker: &mut Checker<'_>,
    location: &Location,
    label: &str,
    (from, to): (T, T),
    too_many: bool,
) -> bool {
    let why = if from > to {
        format!("empty range: from {from} is above to {to}")
    } else if too_many {
        format!("makes more than {MAX_POINTS} values")
    } else {
        return true;
    };
    checker.report(location.clone(), label, why);
    false
}

/// A range of integers, in integer arithmetic: every value exact, however large.
pub(crate) fn integer_range(
    checker: &mut Checker<'_>,
    table: &toml_edit::InlineTable,
    label: &str,
    location: Location,
) -> Option<Vec<(Value, Location)>> {
    let integer = |key: &str| table.get(key).and_then(Value::as_integer);
    let (Some(from), Some(to)) = (integer("from"), integer("to")) else {
        checker.report(location, label, "a range needs numbers `from` and `to`");
        return None;
    };
    let step = integer("step").unwrap_or(1);
    if step <= 0 {
        checker.report(
            location,
            label,
            format!("a range needs a step > 0, got step {step}"),
        );
        return None;
    }
    let count = (i128::from(to) - i128::from(from)) / i128::from(step) + 1;
    if !range_fits(
        checker,
        &location,
        label,
        (from, to),
        count > MAX_POINTS as i128,
    ) {
        return None;
    }
    Some(
        (0..count)
            .map(|k| {
                // Within [from, to], so within i64.
                let value = i128::from(from) + k * i128::from(step);
                (Value::from(value as i64), location.clone())
            })
            .collect(),
    )
}

/// A copy of a value without the formatting of the file it came from.
fn fresh(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::from(s.value().as_str()),
        Value::Integer(i) => Value::from(*i.value()),
        Value::Float(f) => Value::from(*f.value()),
        Value::Boolean(b) => Value::from(*b.value()),
        Value::Datetime(d) => Value::from(*d.value()),
        Value::Array(array) => Value::Array(array.iter().map(fresh).collect()),
        Value::InlineTable(table) => {
            let mut copy = toml_edit::InlineTable::new();
            for (key, value) in table.iter() {
                copy.insert(key, fresh(value));
            }
            Value::InlineTable(copy)
        }
    }
}

/// Whether a sweep value may replace a scenario value of type `expected` (an integer may stand
/// for a float).
fn same_type(expected: &str, value: &Value) -> bool {
    expected == value.type_name() || (expected == "float" && value.is_integer())
}

/// A value as the sweep's tables show it: `3`, `0.05`, `5 min` (strings without quotes).
pub fn show(value: &Value) -> String {
    match value.as_str() {
        Some(text) => text.to_string(),
        None => value.to_string().trim().to_string(),
    }
}
