//! What the user typed: each section of a scenario file read into plain values, before any check
//! of meaning. Reads are typed and report in landport's words, every problem of a section at once:
//! an unknown key, a value of the wrong type, a required key left out. A value that is missing or
//! wrong is `None`; the key is then in the section's `bad` list when it was there but wrong, so
//! that the checks of meaning do not report it a second time as missing.

use toml_edit::{Item, TableLike, Value};

use super::locate::KeyPath;

/// A problem found while reading: the key it concerns, and where to point (the key itself, or
/// the section for a key left out).
#[derive(Debug, Clone)]
pub(crate) struct Found {
    pub(crate) at: KeyPath,
    /// Point at the key of `at` rather than its value.
    pub(crate) at_key: bool,
    pub(crate) key: KeyPath,
    pub(crate) message: String,
}

/// How a value of the wrong type reads: `integer 3`, `string "two"`, `a table`.
fn shown(item: &Item) -> String {
    match item {
        Item::Value(value @ (Value::Array(_) | Value::InlineTable(_))) => {
            format!("{} {}", article(value.type_name()), value.type_name())
        }
        Item::Value(value) => {
            format!("{} {}", value.type_name(), value.to_string().trim())
        }
        Item::Table(_) => "a table".into(),
        Item::ArrayOfTables(_) => "an array of tables".into(),
        Item::None => "nothing".into(),
    }
}

fn article(noun: &str) -> &'static str {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// The keys of one table, read one by one.
pub(crate) struct Fields<'t, 'f> {
    table: &'t dyn TableLike,
    path: KeyPath,
    found: &'f mut Vec<Found>,
    /// Keys that were there with a value that could not be read.
    pub(crate) bad: Vec<&'static str>,
}

/// A section reader: the table, its path and where problems go.
pub(crate) type Reader<T> = fn(&mut Fields<'_, '_>) -> T;

impl<'t, 'f> Fields<'t, 'f> {
    /// Starts reading `table` at `path`; every key not in `known` is reported at once.
    /// A misspelt key (within two edits of a known one that is not given) counts as that key
    /// given badly, so that it is not reported again as missing.
    pub(crate) fn new(
        table: &'t dyn TableLike,
        path: KeyPath,
        known: &'static [&'static str],
        found: &'f mut Vec<Found>,
    ) -> Self {
        let mut bad = Vec::new();
        for (key, _) in table.iter() {
            if known.contains(&key) {
                continue;
            }
            let key_path = path.key(key);
            let meant = known
                .iter()
                .filter(|known| table.get(known).is_none())
                .map(|known| (strsim::levenshtein(key, known), *known))
                .filter(|(distance, _)| *distance <= 2)
                .min();
            let message = match meant {
                Some((_, meant)) => {
                    bad.push(meant);
                    format!("unknown key `{key}`: did you mean `{meant}`?")
                }
                None => format!(
                    "unknown key `{key}`, expected one of {}",
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            found.push(Found {
                at: key_path.clone(),
                at_key: true,
                key: key_path,
                message,
            });
        }
        Fields {
            table,
            path,
            found,
            bad,
        }
    }

    fn wrong(&mut self, key: &'static str, path: KeyPath, expected: &str, item: &Item) {
        self.bad.push(key);
        self.found.push(Found {
            at: path.clone(),
            at_key: false,
            key: path,
            message: format!("expected {expected}, got {}", shown(item)),
        });
    }

    /// Reports `key` as required (where the section is) when it is absent.
    pub(crate) fn require<T>(&mut self, key: &'static str, value: Option<T>) -> Option<T> {
        if value.is_none() && self.table.get(key).is_none() && !self.bad.contains(&key) {
            self.found.push(Found {
                at: self.path.clone(),
                at_key: false,
                key: self.path.key(key),
                message: "is required".into(),
            });
        }
        value
    }

    /// Reports `key` as required when it is absent: for a section read on its own.
    pub(crate) fn expect(&mut self, key: &'static str) {
        self.require::<()>(key, None);
    }

    /// A string; `what` says what it holds when it is not one (`a duration such as "3 h"`).
    pub(crate) fn string(&mut self, key: &'static str, what: &str) -> Option<String> {
        let item = self.table.get(key)?;
        match item.as_str() {
            Some(text) => Some(text.to_string()),
            None => {
                self.wrong(key, self.path.key(key), what, item);
                None
            }
        }
    }

    /// A time of day: "08:00" in quotes, or a whole hour as an integer from 0 to 24 (`to = 20`,
    /// which an optimisation can decide), read as "20:00".
    pub(crate) fn time_of_day(&mut self, key: &'static str) -> Option<String> {
        let item = self.table.get(key)?;
        if let Some(hour) = item.as_integer() {
            if (0..=24).contains(&hour) {
                return Some(format!("{hour:02}:00"));
            }
        }
        match item.as_str() {
            Some(text) => Some(text.to_string()),
            None => {
                self.wrong(key, self.path.key(key), TIME_OF_DAY, item);
                None
            }
        }
    }

    pub(crate) fn integer(&mut self, key: &'static str) -> Option<i64> {
        let item = self.table.get(key)?;
        match item.as_integer() {
            Some(n) => Some(n),
            None => {
                self.wrong(key, self.path.key(key), "an integer", item);
                None
            }
        }
    }

    /// A number: a float, or an integer standing for one.
    pub(crate) fn number(&mut self, key: &'static str) -> Option<f64> {
        let item = self.table.get(key)?;
        match number(item) {
            Some(x) => Some(x),
            None => {
                self.wrong(key, self.path.key(key), "a number", item);
                None
            }
        }
    }

    /// A probability: a number, or a percentage in quotes ("7%").
    pub(crate) fn probability(&mut self, key: &'static str) -> Option<f64> {
        let item = self.table.get(key)?;
        match number(item).or_else(|| item.as_str().and_then(super::units::percentage)) {
            Some(x) => Some(x),
            None => {
                self.wrong(
                    key,
                    self.path.key(key),
                    "a probability (0.07 or \"7%\")",
                    item,
                );
                None
            }
        }
    }

    /// The elements of an array, each read by `read`; a wrong element is reported at its index.
    fn array<T>(
        &mut self,
        key: &'static str,
        expected: &str,
        read: impl Fn(&Item) -> Option<T>,
    ) -> Option<Vec<T>> {
        let item = self.table.get(key)?;
        let Some(array) = item.as_array() else {
            self.wrong(key, self.path.key(key), "an array", item);
            return None;
        };
        let mut values = Vec::with_capacity(array.len());
        for (i, element) in array.iter().enumerate() {
            let element = Item::Value(element.clone());
            match read(&element) {
                Some(value) => values.push(value),
                None => self.wrong(key, self.path.key(key).index(i), expected, &element),
            }
        }
        (values.len() == array.len()).then_some(values)
    }

    pub(crate) fn numbers(&mut self, key: &'static str) -> Option<Vec<f64>> {
        self.array(key, "a number", number)
    }

    pub(crate) fn strings(&mut self, key: &'static str, what: &str) -> Option<Vec<String>> {
        self.array(key, what, |item| item.as_str().map(String::from))
    }

    /// An array of arrays of numbers (rows of rates).
    pub(crate) fn number_rows(&mut self, key: &'static str) -> Option<Vec<Vec<f64>>> {
        let item = self.table.get(key)?;
        let Some(rows) = item.as_array() else {
            self.wrong(key, self.path.key(key), "an array of rows of numbers", item);
            return None;
        };
        let mut values = Vec::with_capacity(rows.len());
        let mut whole = true;
        for (i, row) in rows.iter().enumerate() {
            let row_path = self.path.key(key).index(i);
            let Some(row) = row.as_array() else {
                self.wrong(key, row_path, "a row of numbers", &Item::Value(row.clone()));
                whole = false;
                continue;
            };
            let mut numbers = Vec::with_capacity(row.len());
            for (j, element) in row.iter().enumerate() {
                let element = Item::Value(element.clone());
                match number(&element) {
                    Some(x) => numbers.push(x),
                    None => {
                        self.wrong(key, row_path.index(j), "a number", &element);
                        whole = false;
                    }
                }
            }
            values.push(numbers);
        }
        whole.then_some(values)
    }

    /// Whether `key` holds a table (inline or not).
    pub(crate) fn has_table(&self, key: &str) -> bool {
        self.table.get(key).is_some_and(|item| item.is_table_like())
    }

    /// Whether `key` holds an array (of values, or of tables).
    pub(crate) fn has_array(&self, key: &str) -> bool {
        self.table
            .get(key)
            .is_some_and(|item| item.is_array() || item.is_array_of_tables())
    }

    /// Whether `key` holds a string (rather than another type, or nothing).
    pub(crate) fn has_string(&self, key: &str) -> bool {
        self.table
            .get(key)
            .is_some_and(|item| item.as_str().is_some())
    }

    /// A sub-table read by `read`.
    pub(crate) fn table<T>(
        &mut self,
        key: &'static str,
        known: &'static [&'static str],
        read: Reader<T>,
    ) -> Option<T> {
        let item = self.table.get(key)?;
        let Some(table) = item.as_table_like() else {
            self.wrong(key, self.path.key(key), "a table", item);
            return None;
        };
        let mut fields = Fields::new(table, self.path.key(key), known, self.found);
        let value = read(&mut fields);
        Some(value)
    }

    /// An array of tables (`[{ ... }, { ... }]` or `[[key]]`), each read by `read`.
    pub(crate) fn tables<T>(
        &mut self,
        key: &'static str,
        known: &'static [&'static str],
        read: Reader<T>,
    ) -> Option<Vec<T>> {
        let item = self.table.get(key)?;
        let tables: Vec<&dyn TableLike> = match item {
            Item::ArrayOfTables(array) => array.iter().map(|t| t as &dyn TableLike).collect(),
            Item::Value(Value::Array(array)) => {
                let mut tables = Vec::with_capacity(array.len());
                for (i, element) in array.iter().enumerate() {
                    match element.as_inline_table() {
                        Some(table) => tables.push(table as &dyn TableLike),
                        None => {
                            let element = Item::Value(element.clone());
                            self.wrong(key, self.path.key(key).index(i), "a table", &element);
                        }
                    }
                }
                if tables.len() != array.len() {
                    return None;
                }
                tables
            }
            other => {
                self.wrong(key, self.path.key(key), "an array of tables", other);
                return None;
            }
        };
        let values = tables
            .into_iter()
            .enumerate()
            .map(|(i, table)| {
                let mut fields = Fields::new(table, self.path.key(key).index(i), known, self.found);
                read(&mut fields)
            })
            .collect();
        Some(values)
    }
}

fn number(item: &Item) -> Option<f64> {
    item.as_float()
        .or_else(|| item.as_integer().map(|n| n as f64))
}

/// What a duration is, for messages.
const DURATION: &str = "a duration in quotes with a unit, such as \"90 s\", \"12 min\" or \"3 h\"";
/// What a time of day is, for messages.
const TIME_OF_DAY: &str =
    "a time of day in quotes, such as \"08:00\", or a whole hour from 0 to 24";

/// Top-level keys. `arrivals` and `stages` are read section by section.
#[derive(Debug)]
pub(crate) struct RawTop {
    pub(crate) name: Option<String>,
    pub(crate) seed: Option<i64>,
    pub(crate) start: Option<String>,
    pub(crate) warmup: Option<String>,
    pub(crate) horizon: Option<String>,
    pub(crate) replications: Option<i64>,
    pub(crate) limits: Option<RawLimits>,
    pub(crate) costs: Option<RawCosts>,
    /// Port-wide closures: every stage with opening hours is closed on them.
    pub(crate) holidays: Option<Vec<String>>,
    /// The time zone of the scenario's clock ("+08:00").
    pub(crate) time_zone: Option<String>,
}

/// A `[ports.<name>]` table: a group of stages (one side of a border) with its own time zone and
/// holidays.
#[derive(Debug)]
pub(crate) struct RawPort {
    pub(crate) time_zone: Option<String>,
    pub(crate) stages: Option<Vec<String>>,
    pub(crate) holidays: Option<Vec<String>>,
}

impl RawPort {
    pub(crate) const KEYS: &'static [&'static str] = &["time_zone", "stages", "holidays"];

    pub(crate) fn read(fields: &mut Fields<'_, '_>) -> RawPort {
        let time_zone = fields.string("time_zone", ZONE);
        let stages = fields.strings("stages", "a list of stage names in quotes");
        RawPort {
            time_zone: fields.require("time_zone", time_zone),
            stages: fields.require("stages", stages),
            holidays: fields.strings(
                "holidays",
                "a date or a range of dates in quotes, such as \"2025-05-01..2025-05-05\"",
            ),
        }
    }
}

/// What a time zone looks like.
const ZONE: &str = "a time zone against UTC in quotes, such as \"+08:00\" or \"-03:30\"";

impl RawTop {
    pub(crate) const KEYS: &'static [&'static str] = &[
        "name",
        "seed",
        "start",
        "warmup",
        "horizon",
        "replications",
        "limits",
        "costs",
        "holidays",
        "arrivals",
        "stages",
        "classes",
        "time_zone",
        "ports",
    ];

    pub(crate) fn read(fields: &mut Fields<'_, '_>) -> RawTop {
        let name = fields.string("name", "a string");
        let seed = fields.integer("seed");
        let horizon = fields.string("horizon", DURATION);
        let top = RawTop {
            name: fields.require("name", name),
            seed: fields.require("seed", seed),
            start: fields.string("start", "a date in quotes, such as \"2025-03-03\""),
            warmup: fields.string("warmup", DURATION),
            horizon: fields.require("horizon", horizon),
            replications: fields.integer("replications"),
            limits: fields.table("limits", RawLimits::KEYS, RawLimits::read),
            costs: fields.table("costs", RawCosts::KEYS, RawCosts::read),
            holidays: fields.strings(
                "holidays",
                "a date or a range of dates in quotes, such as \"2025-05-01..2025-05-05\"",
            ),
            time_zone: fields.string("time_zone", ZONE),
        };
        // Read section by section by the checks; required all the same.
        fields.expect("arrivals");
        fields.expect("stages");
        top
    }
}

/// `[costs]`: what a truck's hour, its fees and its idling cost and emit.
#[derive(Debug)]
pub(crate) struct RawCosts {
    pub(crate) values: Vec<(&'static str, Option<f64>)>,
}

impl RawCosts {
    pub(crate) const KEYS: &'static [&'static str] = &[
        "truck_hour",
        "fee",
        "idle_litres_per_hour",
        "engine_on_share",
        "co2_kg_per_litre",
    ];

    fn read(fields: &mut Fields<'_, '_>) -> RawCosts {
        RawCosts {
            values: Self::KEYS
                .iter()
                .map(|&key| (key, fields.number(key)))
                .collect(),
        }
    }
}

/// `[limits]`: where a run that grows without bound stops.
#[derive(Debug)]
pub(crate) struct RawLimits {
    pub(crate) trucks_in_port: Option<i64>,
    pub(crate) events: Option<i64>,
}

impl RawLimits {
    pub(crate) const KEYS: &'static [&'static str] = &["trucks_in_port", "events"];

    fn read(fields: &mut Fields<'_, '_>) -> RawLimits {
        RawLimits {
            trucks_in_port: fields.integer("trucks_in_port"),
            events: fields.integer("events"),
        }
    }
}

#[derive(Debug)]
pub(crate) struct RawArrivals {
    pub(crate) process: Option<String>,
    pub(crate) to: Option<String>,
    pub(crate) rate: Option<String>,
    pub(crate) unit: Option<String>,
    pub(crate) hourly: Option<Vec<f64>>,
    pub(crate) weekday_factors: Option<Vec<f64>>,
    pub(crate) weekly: Option<Vec<Vec<f64>>>,
    pub(crate) file: Option<String>,
    pub(crate) scale: Option<f64>,
    /// Keys given with a value that could not be read.
    pub(crate) bad: Vec<&'static str>,
}

impl RawArrivals {
    pub(crate) const KEYS: &'static [&'static str] = &[
        "process",
        "to",
        "rate",
        "unit",
        "hourly",
        "weekday_factors",
        "weekly",
        "file",
        "scale",
    ];

    pub(crate) fn read(fields: &mut Fields<'_, '_>) -> RawArrivals {
        let process = fields.string("process", "a string: \"poisson\", \"profile\" or \"trace\"");
        let to = fields.string("to", "the name of a stage, in quotes");
        let mut raw = RawArrivals {
            process: fields.require("process", process),
            to: fields.require("to", to),
            rate: fields.string("rate", "a rate in quotes, such as \"16 trucks per hour\""),
            unit: fields.string("unit", "a unit in quotes, such as \"trucks per hour\""),
            hourly: fields.numbers("hourly"),
            weekday_factors: fields.numbers("weekday_factors"),
            weekly: fields.number_rows("weekly"),
            file: fields.string("file", "a file name in quotes"),
            scale: fields.number("scale"),
            bad: Vec::new(),
        };
        raw.bad = std::mem::take(&mut fields.bad);
        raw
    }
}

#[derive(Debug)]
pub(crate) struct RawStage {
    pub(crate) servers: Option<i64>,
    pub(crate) shifts: Option<Vec<RawShift>>,
    pub(crate) service: Option<RawService>,
    /// One window, or several (`opening = [{ ... }, { ... }]`).
    pub(crate) opening: Option<Vec<RawOpening>>,
    /// `opening` was a list of windows.
    pub(crate) opening_is_list: bool,
    pub(crate) closed_on: Option<Vec<String>>,
    pub(crate) maintenance: Option<Vec<RawMaintenance>>,
    pub(crate) yard: Option<i64>,
    pub(crate) daily_quota: Option<i64>,
    pub(crate) hourly_quota: Option<i64>,
    pub(crate) role: Option<String>,
    pub(crate) routes: Option<Vec<RawRoute>>,
    pub(crate) breakdowns: Option<RawBreakdowns>,
    pub(crate) discipline: Option<String>,
    pub(crate) reserved: Option<RawReserved>,
    pub(crate) choice: Option<String>,
    pub(crate) metres_per_truck: Option<f64>,
    pub(crate) balking: Option<RawBalking>,
    pub(crate) booking: Option<RawBooking>,
    /// Keys given with a value that could not be read.
    pub(crate) bad: Vec<&'static str>,
}

/// A stage's `balking`: when arriving trucks turn away, what share of them, and where they go.
#[derive(Debug)]
pub(crate) struct RawBalking {
    pub(crate) above: Option<i64>,
    pub(crate) above_wait: Option<String>,
    pub(crate) share: Option<f64>,
    pub(crate) to: Option<String>,
    pub(crate) travel: Option<RawTravel>,
}

impl RawBalking {
    pub(crate) const KEYS: &'static [&'static str] =
        &["above", "above_wait", "share", "to", "travel"];

    fn read(fields: &mut Fields<'_, '_>) -> RawBalking {
        RawBalking {
            above: fields.integer("above"),
            above_wait: fields.string("above_wait", DURATION),
            share: fields.probability("share"),
            to: fields.string("to", "the name of a stage, in quotes"),
            travel: read_travel(fields),
        }
    }
}

/// A stage's `booking`: its electronic queue.
#[derive(Debug)]
pub(crate) struct RawBooking {
    pub(crate) slots_per_hour: Option<i64>,
    pub(crate) early: Option<String>,
    pub(crate) late: Option<String>,
    pub(crate) no_show: Option<f64>,
    pub(crate) classes: Option<Vec<String>>,
    pub(crate) paid: Option<RawPaid>,
}

impl RawBooking {
    pub(crate) const KEYS: &'static [&'static str] = &[
        "slots_per_hour",
        "early",
        "late",
        "no_show",
        "classes",
        "paid",
    ];

    fn read(fields: &mut Fields<'_, '_>) -> RawBooking {
        let slots = fields.integer("slots_per_hour");
        RawBooking {
            slots_per_hour: fields.require("slots_per_hour", slots),
            early: fields.string("early", DURATION),
            late: fields.string("late", DURATION),
            no_show: fields.probability("no_show"),
            classes: fields.strings("classes", "a list of class names in quotes"),
            paid: fields.table("paid", RawPaid::KEYS, RawPaid::read),
        }
    }
}

/// A booking's `paid`: out-of-turn slots, and the classes that buy them.
#[derive(Debug)]
pub(crate) struct RawPaid {
    pub(crate) slots_per_hour: Option<i64>,
    pub(crate) classes: Option<Vec<String>>,
}

impl RawPaid {
    pub(crate) const KEYS: &'static [&'static str] = &["slots_per_hour", "classes"];

    fn read(fields: &mut Fields<'_, '_>) -> RawPaid {
        let slots = fields.integer("slots_per_hour");
        let classes = fields.strings("classes", "a list of class names in quotes");
        RawPaid {
            slots_per_hour: fields.require("slots_per_hour", slots),
            classes: fields.require("classes", classes),
        }
    }
}

/// A stage's `reserved`: servers only some classes may use.
#[derive(Debug)]
pub(crate) struct RawReserved {
    pub(crate) servers: Option<i64>,
    pub(crate) classes: Option<Vec<String>>,
}

impl RawReserved {
    pub(crate) const KEYS: &'static [&'static str] = &["servers", "classes"];

    fn read(fields: &mut Fields<'_, '_>) -> RawReserved {
        let servers = fields.integer("servers");
        let classes = fields.strings("classes", "a list of class names in quotes");
        RawReserved {
            servers: fields.require("servers", servers),
            classes: fields.require("classes", classes),
        }
    }
}

/// A `[classes.<name>]` table: its share of the arrivals or its own, its priority; its
/// `stages` are read one by one as [`RawClassStage`].
#[derive(Debug)]
pub(crate) struct RawClass {
    pub(crate) share: Option<f64>,
    pub(crate) arrivals: Option<RawArrivals>,
    pub(crate) priority: Option<i64>,
    /// Keys given with a value that could not be read.
    pub(crate) bad: Vec<&'static str>,
}

impl RawClass {
    pub(crate) const KEYS: &'static [&'static str] = &["share", "arrivals", "priority", "stages"];

    pub(crate) fn read(fields: &mut Fields<'_, '_>) -> RawClass {
        let mut raw = RawClass {
            share: fields.probability("share"),
            arrivals: fields.table("arrivals", RawArrivals::KEYS, RawArrivals::read),
            priority: fields.integer("priority"),
            bad: Vec::new(),
        };
        raw.bad = std::mem::take(&mut fields.bad);
        raw
    }
}

/// What a class does differently at one stage: `[classes.<name>.stages.<stage>]`.
#[derive(Debug)]
pub(crate) struct RawClassStage {
    pub(crate) service: Option<RawService>,
    pub(crate) routes: Option<Vec<RawRoute>>,
}

impl RawClassStage {
    pub(crate) const KEYS: &'static [&'static str] = &["service", "routes"];

    pub(crate) fn read(fields: &mut Fields<'_, '_>) -> RawClassStage {
        RawClassStage {
            service: fields.table("service", RawService::KEYS, RawService::read),
            routes: fields.tables("routes", RawRoute::KEYS, RawRoute::read),
        }
    }
}

/// A stage's `breakdowns`: the law of the time between failures, of the repair time, and the
/// clock the first counts.
#[derive(Debug)]
pub(crate) struct RawBreakdowns {
    pub(crate) between: Option<RawService>,
    pub(crate) repair: Option<RawService>,
    pub(crate) clock: Option<String>,
}

impl RawBreakdowns {
    pub(crate) const KEYS: &'static [&'static str] = &["between", "repair", "clock"];

    fn read(fields: &mut Fields<'_, '_>) -> RawBreakdowns {
        let between = fields.table("between", RawService::KEYS, RawService::read);
        let repair = fields.table("repair", RawService::KEYS, RawService::read);
        RawBreakdowns {
            between: fields.require("between", between),
            repair: fields.require("repair", repair),
            clock: fields.string("clock", "\"operating\" or \"calendar\", in quotes"),
        }
    }
}

impl RawStage {
    pub(crate) const KEYS: &'static [&'static str] = &[
        "servers",
        "shifts",
        "service",
        "opening",
        "closed_on",
        "maintenance",
        "yard",
        "daily_quota",
        "hourly_quota",
        "role",
        "routes",
        "breakdowns",
        "discipline",
        "reserved",
        "choice",
        "metres_per_truck",
        "balking",
        "booking",
    ];

    pub(crate) fn read(fields: &mut Fields<'_, '_>) -> RawStage {
        let service = fields.table("service", RawService::KEYS, RawService::read);
        let routes = fields.tables("routes", RawRoute::KEYS, RawRoute::read);
        let mut raw = RawStage {
            servers: fields.integer("servers"),
            shifts: fields.tables("shifts", RawShift::KEYS, RawShift::read),
            service: fields.require("service", service),
            opening: if fields.has_array("opening") {
                fields.tables("opening", RawOpening::KEYS, RawOpening::read)
            } else {
                fields
                    .table("opening", RawOpening::KEYS, RawOpening::read)
                    .map(|window| vec![window])
            },
            opening_is_list: fields.has_array("opening"),
            closed_on: fields.strings(
                "closed_on",
                "a date or a range of dates in quotes, such as \"2025-05-01\" or \"2025-05-01..2025-05-05\"",
            ),
            maintenance: fields.tables("maintenance", RawMaintenance::KEYS, RawMaintenance::read),
            yard: fields.integer("yard"),
            daily_quota: fields.integer("daily_quota"),
            hourly_quota: fields.integer("hourly_quota"),
            role: fields.string("role", "a string"),
            routes: fields.require("routes", routes),
            breakdowns: fields.table("breakdowns", RawBreakdowns::KEYS, RawBreakdowns::read),
            discipline: fields.string("discipline", "\"fifo\" or \"priority\", in quotes"),
            reserved: fields.table("reserved", RawReserved::KEYS, RawReserved::read),
            choice: fields.string(
                "choice",
                "\"shares\", \"shortest-time\" or \"first-slot\", in quotes",
            ),
            metres_per_truck: fields.number("metres_per_truck"),
            balking: fields.table("balking", RawBalking::KEYS, RawBalking::read),
            booking: fields.table("booking", RawBooking::KEYS, RawBooking::read),
            bad: Vec::new(),
        };
        raw.bad = std::mem::take(&mut fields.bad);
        raw
    }
}

#[derive(Debug)]
pub(crate) struct RawShift {
    pub(crate) from: Option<String>,
    pub(crate) to: Option<String>,
    pub(crate) servers: Option<i64>,
}

impl RawShift {
    pub(crate) const KEYS: &'static [&'static str] = &["from", "to", "servers"];

    fn read(fields: &mut Fields<'_, '_>) -> RawShift {
        let from = fields.time_of_day("from");
        let to = fields.time_of_day("to");
        let servers = fields.integer("servers");
        RawShift {
            from: fields.require("from", from),
            to: fields.require("to", to),
            servers: fields.require("servers", servers),
        }
    }
}

/// A planned maintenance window: `servers` withdrawn from `from` to `to`, every week on `days`
/// or on the dates `on`.
#[derive(Debug)]
pub(crate) struct RawMaintenance {
    pub(crate) window: RawOpening,
    pub(crate) on: Option<Vec<String>>,
    pub(crate) servers: Option<i64>,
}

impl RawMaintenance {
    pub(crate) const KEYS: &'static [&'static str] = &["from", "to", "days", "on", "servers"];

    fn read(fields: &mut Fields<'_, '_>) -> RawMaintenance {
        let window = RawOpening::read(fields);
        let servers = fields.integer("servers");
        RawMaintenance {
            window,
            on: fields.strings(
                "on",
                "a date or a range of dates in quotes, such as \"2025-03-10\"",
            ),
            servers: fields.require("servers", servers),
        }
    }
}

#[derive(Debug)]
pub(crate) struct RawOpening {
    pub(crate) from: Option<String>,
    pub(crate) to: Option<String>,
    pub(crate) days: Option<Vec<String>>,
    /// `days` was a list (not one string such as "mon-fri").
    pub(crate) days_is_list: bool,
}

impl RawOpening {
    pub(crate) const KEYS: &'static [&'static str] = &["from", "to", "days"];

    fn read(fields: &mut Fields<'_, '_>) -> RawOpening {
        let from = fields.time_of_day("from");
        let to = fields.time_of_day("to");
        let days_is_list = !fields.has_string("days");
        let days = if days_is_list {
            fields.strings(
                "days",
                "a weekday or a range of them in quotes, such as \"mon\" or \"mon-fri\"",
            )
        } else {
            fields
                .string("days", "weekdays such as \"mon-fri\"")
                .map(|days| vec![days])
        };
        RawOpening {
            from: fields.require("from", from),
            to: fields.require("to", to),
            days,
            days_is_list,
        }
    }
}

/// Every parameter any distribution takes; validation checks which ones `dist` needs.
#[derive(Debug)]
pub(crate) struct RawService {
    pub(crate) dist: Option<String>,
    pub(crate) mean: Option<String>,
    pub(crate) sd: Option<String>,
    pub(crate) min: Option<String>,
    pub(crate) mode: Option<String>,
    pub(crate) max: Option<String>,
    pub(crate) value: Option<String>,
    pub(crate) k: Option<i64>,
    pub(crate) values: Option<Vec<f64>>,
    pub(crate) unit: Option<String>,
    /// Keys given with a value that could not be read.
    pub(crate) bad: Vec<&'static str>,
}

impl RawService {
    pub(crate) const KEYS: &'static [&'static str] = &[
        "dist", "mean", "sd", "min", "mode", "max", "value", "k", "values", "unit",
    ];

    fn read(fields: &mut Fields<'_, '_>) -> RawService {
        let dist = fields.string("dist", "the name of a distribution, in quotes");
        let mut raw = RawService {
            dist: fields.require("dist", dist),
            mean: fields.string("mean", DURATION),
            sd: fields.string("sd", DURATION),
            min: fields.string("min", DURATION),
            mode: fields.string("mode", DURATION),
            max: fields.string("max", DURATION),
            value: fields.string("value", DURATION),
            k: fields.integer("k"),
            values: fields.numbers("values"),
            unit: fields.string("unit", "a unit of time in quotes, such as \"min\""),
            bad: Vec::new(),
        };
        raw.bad = std::mem::take(&mut fields.bad);
        raw
    }
}

#[derive(Debug)]
pub(crate) struct RawRoute {
    pub(crate) to: Option<String>,
    pub(crate) p: Option<f64>,
    pub(crate) travel: Option<RawTravel>,
    /// Keys given with a value that could not be read.
    pub(crate) bad: Vec<&'static str>,
}

/// A route's `travel`: a duration, or a law to draw one from (`{ dist = "uniform", ... }`).
#[derive(Debug)]
pub(crate) enum RawTravel {
    Fixed(String),
    Random(Box<RawService>),
}

impl RawRoute {
    pub(crate) const KEYS: &'static [&'static str] = &["to", "p", "travel"];

    fn read(fields: &mut Fields<'_, '_>) -> RawRoute {
        let to = fields.string("to", "the name of a stage or \"exit\", in quotes");
        let mut raw = RawRoute {
            to: fields.require("to", to),
            p: fields.probability("p"),
            travel: read_travel(fields),
            bad: Vec::new(),
        };
        raw.bad = std::mem::take(&mut fields.bad);
        raw
    }
}

/// A `travel`: a duration, or a law in a table.
fn read_travel(fields: &mut Fields<'_, '_>) -> Option<RawTravel> {
    if fields.has_table("travel") {
        fields
            .table("travel", RawService::KEYS, RawService::read)
            .map(|law| RawTravel::Random(Box::new(law)))
    } else {
        fields.string("travel", DURATION).map(RawTravel::Fixed)
    }
}
