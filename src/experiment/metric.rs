//! The results vocabulary: every quantity landport reports, with its name in result files, its
//! label for people and its unit, defined once. A metric is a quantity in a scope (the port, or
//! one stage); its name is the quantity's name, prefixed by the stage and a dot for a stage
//! (`dwell_mean_h`, `xray.mean_wait_h`). Stage names hold no dot, so a name reads back to one
//! metric only.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a metric measures, wherever it is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quantity {
    DwellMean,
    DwellP50,
    DwellP90,
    DwellP95,
    DwellP99,
    BufferIndex,
    ClearedPerDay,
    ToDeclaration,
    ToRelease,
    GreenShare,
    YellowShare,
    RedShare,
    MeanWait,
    Utilization,
    MaxQueue,
    Waiting,
    Closed,
    Service,
    Blocked,
    Travel,
    CostPerTruck,
    CostPerDay,
    IdleFuel,
    Co2,
    Co2PerDay,
    StageCost,
    StageCo2,
    Down,
    Availability,
    LostCapacity,
    LostPerDay,
    RoadKmMean,
    RoadKmMax,
    DivertedPerDay,
    GaveUpPerDay,
    NoShowsPerDay,
    SlotWait,
    CrossMean,
    CrossP95,
    CrossedPerDay,
    CrossingMean,
    CrossingP95,
}

/// The unit of a quantity, as axis labels show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Hours,
    HoursPerTruck,
    Trucks,
    /// A count per day, a share or a ratio: the label says what it counts.
    Plain,
    /// Money, in the scenario's currency (`[costs]`).
    Money,
    Litres,
    Kilograms,
    Kilometres,
}

impl Unit {
    /// The unit in parentheses after a label, with its leading space; empty for [`Unit::Plain`].
    pub fn suffix(self) -> &'static str {
        match self {
            Unit::Hours => " (h)",
            Unit::HoursPerTruck => " (h per truck)",
            Unit::Trucks => " (trucks)",
            Unit::Plain => "",
            Unit::Money => " (currency of [costs])",
            Unit::Litres => " (l)",
            Unit::Kilograms => " (kg)",
            Unit::Kilometres => " (km)",
        }
    }
}

impl Quantity {
    /// Port-wide quantities, in the order results list them.
    pub const PORT: [Quantity; 17] = [
        Quantity::DwellMean,
        Quantity::DwellP50,
        Quantity::DwellP90,
        Quantity::DwellP95,
        Quantity::DwellP99,
        Quantity::BufferIndex,
        Quantity::ClearedPerDay,
        Quantity::ToDeclaration,
        Quantity::ToRelease,
        Quantity::GreenShare,
        Quantity::YellowShare,
        Quantity::RedShare,
        Quantity::CostPerTruck,
        Quantity::CostPerDay,
        Quantity::IdleFuel,
        Quantity::Co2,
        Quantity::Co2PerDay,
    ];

    /// Each stage's queue quantities.
    pub const STAGE: [Quantity; 3] = [
        Quantity::MeanWait,
        Quantity::Utilization,
        Quantity::MaxQueue,
    ];

    /// Where a truck's time goes at a stage (hours per truck); they add up to the mean dwell.
    /// [`Quantity::Down`] is measured only at a stage whose servers can fail.
    pub const TIME_PARTS: [Quantity; 6] = [
        Quantity::Waiting,
        Quantity::Closed,
        Quantity::Service,
        Quantity::Down,
        Quantity::Blocked,
        Quantity::Travel,
    ];

    /// What a stage whose servers can fail measures beside its queue quantities.
    pub const FAILURES: [Quantity; 2] = [Quantity::Availability, Quantity::LostCapacity];

    /// Port-wide, in a scenario whose trucks may leave without crossing.
    pub const LOSSES: [Quantity; 1] = [Quantity::LostPerDay];

    /// Port-wide, in a scenario with `[ports]`: the time to cross the whole border.
    pub const BORDER: [Quantity; 2] = [Quantity::CrossingMean, Quantity::CrossingP95];

    /// A stage whose queue is a road (`metres_per_truck`): its length.
    pub const ROAD: [Quantity; 2] = [Quantity::RoadKmMean, Quantity::RoadKmMax];

    /// A stage whose arriving trucks turn away from a long queue (`balking`).
    pub const TURNED: [Quantity; 2] = [Quantity::DivertedPerDay, Quantity::GaveUpPerDay];

    /// A stage with an electronic queue (`booking`).
    pub const BOOKING: [Quantity; 2] = [Quantity::NoShowsPerDay, Quantity::SlotWait];

    /// Each port (side of a border) of `[ports]`: the CPMM time to cross it and its throughput.
    pub const SIDE: [Quantity; 3] = [
        Quantity::CrossMean,
        Quantity::CrossP95,
        Quantity::CrossedPerDay,
    ];

    /// The parts of where the time goes, with the time on failed servers or without it.
    pub fn time_parts(down: bool) -> impl Iterator<Item = Quantity> {
        Quantity::TIME_PARTS
            .into_iter()
            .filter(move |&part| down || part != Quantity::Down)
    }

    /// What a truck's time at a stage costs and emits (per truck), from the scenario's
    /// `[costs]`: its hours there at the truck-hour rate, the CO2 of idling while it waits.
    pub const STAGE_COSTS: [Quantity; 2] = [Quantity::StageCost, Quantity::StageCo2];

    /// Every quantity: the port's, then each stage's queue quantities, its time parts and their
    /// costs.
    pub fn all() -> impl Iterator<Item = Quantity> {
        Quantity::PORT
            .into_iter()
            .chain(Quantity::LOSSES)
            .chain(Quantity::BORDER)
            .chain(Quantity::STAGE)
            .chain(Quantity::FAILURES)
            .chain(Quantity::ROAD)
            .chain(Quantity::TURNED)
            .chain(Quantity::BOOKING)
            .chain(Quantity::TIME_PARTS)
            .chain(Quantity::STAGE_COSTS)
            .chain(Quantity::SIDE)
    }

    /// The name in result files.
    pub fn name(self) -> &'static str {
        match self {
            Quantity::DwellMean => "dwell_mean_h",
            Quantity::DwellP50 => "dwell_p50_h",
            Quantity::DwellP90 => "dwell_p90_h",
            Quantity::DwellP95 => "dwell_p95_h",
            Quantity::DwellP99 => "dwell_p99_h",
            Quantity::BufferIndex => "buffer_index",
            Quantity::ClearedPerDay => "cleared_per_day",
            Quantity::ToDeclaration => "to_declaration_h",
            Quantity::ToRelease => "to_release_h",
            Quantity::GreenShare => "green_share",
            Quantity::YellowShare => "yellow_share",
            Quantity::RedShare => "red_share",
            Quantity::MeanWait => "mean_wait_h",
            Quantity::Utilization => "utilization",
            Quantity::MaxQueue => "max_queue",
            Quantity::Waiting => "waiting_h",
            Quantity::Closed => "closed_h",
            Quantity::Service => "service_h",
            Quantity::Blocked => "blocked_h",
            Quantity::Travel => "travel_h",
            Quantity::CostPerTruck => "cost_per_truck",
            Quantity::CostPerDay => "cost_per_day",
            Quantity::IdleFuel => "idle_fuel_l",
            Quantity::Co2 => "co2_kg",
            Quantity::Co2PerDay => "co2_per_day_kg",
            Quantity::StageCost => "cost",
            Quantity::StageCo2 => "idle_co2_kg",
            Quantity::Down => "down_h",
            Quantity::Availability => "availability",
            Quantity::LostCapacity => "lost_server_h_per_day",
            Quantity::LostPerDay => "lost_per_day",
            Quantity::RoadKmMean => "road_km_mean",
            Quantity::RoadKmMax => "road_km_max",
            Quantity::DivertedPerDay => "diverted_per_day",
            Quantity::GaveUpPerDay => "gave_up_per_day",
            Quantity::NoShowsPerDay => "no_shows_per_day",
            Quantity::SlotWait => "slot_wait_h",
            Quantity::CrossMean => "cross_mean_h",
            Quantity::CrossP95 => "cross_p95_h",
            Quantity::CrossedPerDay => "crossed_per_day",
            Quantity::CrossingMean => "crossing_mean_h",
            Quantity::CrossingP95 => "crossing_p95_h",
        }
    }

    /// What it is, for people, without the unit.
    pub fn label(self) -> &'static str {
        match self {
            Quantity::DwellMean => "mean dwell time",
            Quantity::DwellP50 => "median dwell time",
            Quantity::DwellP90 => "90th percentile dwell time",
            Quantity::DwellP95 => "95th percentile dwell time",
            Quantity::DwellP99 => "99th percentile dwell time",
            Quantity::BufferIndex => "buffer index, (p95 - mean) / mean",
            Quantity::ClearedPerDay => "trucks cleared per day",
            Quantity::ToDeclaration => "arrival to declaration accepted",
            Quantity::ToRelease => "arrival to release",
            Quantity::GreenShare => "green channel share",
            Quantity::YellowShare => "yellow channel share",
            Quantity::RedShare => "red channel share",
            Quantity::MeanWait => "mean wait",
            Quantity::Utilization => "utilization",
            Quantity::MaxQueue => "max queue",
            Quantity::Waiting => "waiting",
            Quantity::Closed => "waiting while closed",
            Quantity::Service => "service",
            Quantity::Blocked => "blocked",
            Quantity::Travel => "travel",
            Quantity::CostPerTruck => "cost per truck, its hours and fees",
            Quantity::CostPerDay => "cost of a day's trucks, their hours and fees",
            Quantity::IdleFuel => "diesel burnt idling per truck",
            Quantity::Co2 => "CO2 of idling per truck",
            Quantity::Co2PerDay => "CO2 of a day's trucks idling",
            Quantity::StageCost => "cost of the hours per truck",
            Quantity::StageCo2 => "CO2 of idling per truck",
            Quantity::Down => "on a failed server",
            Quantity::Availability => "share of servers working",
            Quantity::LostCapacity => "server-hours a day on duty with no working server",
            Quantity::LostPerDay => "trucks a day that left without crossing",
            Quantity::RoadKmMean => "mean queue on the road",
            Quantity::RoadKmMax => "longest queue on the road",
            Quantity::DivertedPerDay => "trucks a day turned away to another crossing",
            Quantity::GaveUpPerDay => "trucks a day that gave up",
            Quantity::NoShowsPerDay => "booked trucks a day that never came",
            Quantity::SlotWait => "mean wait for a booked slot",
            Quantity::CrossMean => "mean time to cross",
            Quantity::CrossP95 => "95th percentile time to cross",
            Quantity::CrossedPerDay => "trucks crossed per day",
            Quantity::CrossingMean => "mean time to cross the border, all its ports",
            Quantity::CrossingP95 => "95th percentile time to cross the border, all its ports",
        }
    }

    /// A one-word heading for tables and legends of where the time goes.
    pub fn heading(self) -> &'static str {
        match self {
            Quantity::Closed => "closed",
            Quantity::Down => "down",
            other => other.label(),
        }
    }

    pub fn unit(self) -> Unit {
        match self {
            Quantity::DwellMean
            | Quantity::DwellP50
            | Quantity::DwellP90
            | Quantity::DwellP95
            | Quantity::DwellP99
            | Quantity::ToDeclaration
            | Quantity::ToRelease
            | Quantity::MeanWait
            | Quantity::SlotWait
            | Quantity::CrossMean
            | Quantity::CrossP95
            | Quantity::CrossingMean
            | Quantity::CrossingP95 => Unit::Hours,
            Quantity::RoadKmMean | Quantity::RoadKmMax => Unit::Kilometres,
            Quantity::Waiting
            | Quantity::Closed
            | Quantity::Service
            | Quantity::Blocked
            | Quantity::Down
            | Quantity::Travel => Unit::HoursPerTruck,
            Quantity::MaxQueue => Unit::Trucks,
            Quantity::CostPerTruck | Quantity::CostPerDay | Quantity::StageCost => Unit::Money,
            Quantity::IdleFuel => Unit::Litres,
            Quantity::Co2 | Quantity::Co2PerDay | Quantity::StageCo2 => Unit::Kilograms,
            Quantity::BufferIndex
            | Quantity::ClearedPerDay
            | Quantity::GreenShare
            | Quantity::YellowShare
            | Quantity::RedShare
            | Quantity::Availability
            | Quantity::LostCapacity
            | Quantity::LostPerDay
            | Quantity::DivertedPerDay
            | Quantity::GaveUpPerDay
            | Quantity::NoShowsPerDay
            | Quantity::CrossedPerDay => Unit::Plain,
            Quantity::Utilization => Unit::Plain,
        }
    }

    /// Whether it is measured per stage (else for the port as a whole, or per side).
    pub fn per_stage(self) -> bool {
        !Quantity::PORT.contains(&self)
            && !Quantity::LOSSES.contains(&self)
            && !Quantity::BORDER.contains(&self)
            && !Quantity::SIDE.contains(&self)
    }

    /// Whether it is measured per port (side of a border) of `[ports]`.
    pub fn per_side(self) -> bool {
        Quantity::SIDE.contains(&self)
    }

    /// Whether it is what a stage's time costs and emits.
    pub fn is_stage_cost(self) -> bool {
        Quantity::STAGE_COSTS.contains(&self)
    }

    /// Whether it is one of the parts of where the time goes.
    pub fn is_time_part(self) -> bool {
        Quantity::TIME_PARTS.contains(&self)
    }
}

/// Where a metric is measured.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    Port,
    Stage(String),
    /// A port (side of a border) of `[ports]`.
    Side(String),
}

/// One metric: a quantity in a scope, over every truck or over the trucks of one class
/// (`fruit/dwell_mean_h`, `fruit/xray.waiting_h`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MetricId {
    pub scope: Scope,
    pub quantity: Quantity,
    /// The truck class it is measured over; `None`: every truck.
    pub class: Option<String>,
}

impl MetricId {
    /// A port-wide metric.
    pub const fn port(quantity: Quantity) -> MetricId {
        MetricId {
            scope: Scope::Port,
            quantity,
            class: None,
        }
    }

    /// A metric of the stage `stage`.
    pub fn stage(stage: &str, quantity: Quantity) -> MetricId {
        MetricId {
            scope: Scope::Stage(stage.to_string()),
            quantity,
            class: None,
        }
    }

    /// A metric of the port (side of a border) `port` of `[ports]`.
    pub fn side(port: &str, quantity: Quantity) -> MetricId {
        MetricId {
            scope: Scope::Side(port.to_string()),
            quantity,
            class: None,
        }
    }

    /// The same metric over the trucks of `class` only.
    pub fn of_class(self, class: &str) -> MetricId {
        MetricId {
            class: Some(class.to_string()),
            ..self
        }
    }

    /// The class it is measured over, if one.
    pub fn class(&self) -> Option<&str> {
        self.class.as_deref()
    }

    /// The stage it is measured at, if any.
    pub fn stage_name(&self) -> Option<&str> {
        match &self.scope {
            Scope::Port | Scope::Side(_) => None,
            Scope::Stage(stage) => Some(stage),
        }
    }

    /// For axes and tables: `mean dwell time (h)`, `xray: mean wait (h)`, `fruit trucks: mean
    /// dwell time (h)`.
    pub fn label(&self) -> String {
        let quantity = self.quantity;
        let class = self
            .class
            .as_ref()
            .map_or_else(String::new, |class| format!("{class} trucks: "));
        match &self.scope {
            Scope::Port => format!("{class}{}{}", quantity.label(), quantity.unit().suffix()),
            Scope::Stage(place) | Scope::Side(place) => {
                format!(
                    "{class}{place}: {}{}",
                    quantity.label(),
                    quantity.unit().suffix()
                )
            }
        }
    }
}

impl fmt::Display for MetricId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(class) = &self.class {
            write!(f, "{class}/")?;
        }
        match &self.scope {
            Scope::Port => f.write_str(self.quantity.name()),
            Scope::Stage(place) | Scope::Side(place) => {
                write!(f, "{place}.{}", self.quantity.name())
            }
        }
    }
}

/// A name that is not a metric of the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a landport metric")]
pub struct UnknownMetric(pub String);

impl FromStr for MetricId {
    type Err = UnknownMetric;

    /// The metric whose [`Display`](fmt::Display) is `name`: a port quantity's name, or a stage
    /// name, a dot and a stage quantity's name.
    fn from_str(name: &str) -> Result<MetricId, UnknownMetric> {
        // A class's metric: its name, a slash and a metric over every truck.
        if let Some((class, metric)) = name.split_once('/') {
            if crate::scenario::is_stage_name(class) && !metric.contains('/') {
                if let Ok(id) = metric.parse::<MetricId>() {
                    return Ok(id.of_class(class));
                }
            }
            return Err(UnknownMetric(name.to_string()));
        }
        for quantity in Quantity::all() {
            if quantity.per_stage() || quantity.per_side() {
                let place = name
                    .strip_suffix(quantity.name())
                    .and_then(|prefix| prefix.strip_suffix('.'));
                if let Some(place) = place.filter(|place| crate::scenario::is_stage_name(place)) {
                    return Ok(if quantity.per_side() {
                        MetricId::side(place, quantity)
                    } else {
                        MetricId::stage(place, quantity)
                    });
                }
            } else if name == quantity.name() {
                return Ok(MetricId::port(quantity));
            }
        }
        Err(UnknownMetric(name.to_string()))
    }
}

impl Serialize for MetricId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MetricId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_reads_back_from_its_name() {
        for quantity in Quantity::all() {
            let id = if quantity.per_stage() {
                MetricId::stage("x-ray_2", quantity)
            } else if quantity.per_side() {
                MetricId::side("nur-zholy", quantity)
            } else {
                MetricId::port(quantity)
            };
            assert_eq!(id.to_string().parse(), Ok(id.clone()), "{id}");
        }
        assert_eq!(
            "xray.mean_wait_h".parse(),
            Ok(MetricId::stage("xray", Quantity::MeanWait))
        );
        // Over one class's trucks.
        assert_eq!(
            "fruit/xray.waiting_h".parse(),
            Ok(MetricId::stage("xray", Quantity::Waiting).of_class("fruit"))
        );
        assert_eq!(
            "fruit/dwell_p95_h"
                .parse::<MetricId>()
                .map(|id| id.to_string()),
            Ok("fruit/dwell_p95_h".to_string())
        );
        // A stage quantity without a stage, a port quantity with one, and strangers.
        for name in [
            "mean_wait_h",
            ".mean_wait_h",
            "xray.dwell_mean_h",
            "x.ray.mean_wait_h",
            "dwell",
            "",
            "fruit/",
            "/dwell_mean_h",
            "a/b/dwell_mean_h",
            "fr.uit/dwell_mean_h",
        ] {
            assert!(name.parse::<MetricId>().is_err(), "{name}");
        }
    }

    #[test]
    fn names_are_distinct_and_labels_carry_units() {
        let mut names: Vec<&str> = Quantity::all().map(Quantity::name).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(
            (names.len(), count),
            (42, 42),
            "42 quantities, each its own name"
        );
        assert_eq!(
            MetricId::port(Quantity::DwellP95).label(),
            "95th percentile dwell time (h)"
        );
        assert_eq!(
            MetricId::stage("gate", Quantity::Closed).label(),
            "gate: waiting while closed (h per truck)"
        );
    }
}
