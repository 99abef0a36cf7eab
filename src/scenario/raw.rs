//! The serde image of a scenario file: what the user typed, before any check.

use serde::de::IgnoredAny;
use serde::Deserialize;

/// Top-level keys. `arrivals` and `stages` are read section by section, so that one bad stage
/// does not hide the problems of the others.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTop {
    pub(crate) name: String,
    pub(crate) seed: i64,
    pub(crate) start: Option<String>,
    pub(crate) warmup: Option<String>,
    pub(crate) horizon: String,
    pub(crate) replications: Option<i64>,
    pub(crate) limits: Option<RawLimits>,
    #[allow(dead_code)]
    pub(crate) arrivals: IgnoredAny,
    #[allow(dead_code)]
    pub(crate) stages: IgnoredAny,
}

/// `[limits]`: where a run that grows without bound stops.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLimits {
    pub(crate) trucks_in_port: Option<i64>,
    pub(crate) events: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawArrivals {
    pub(crate) process: String,
    pub(crate) to: String,
    pub(crate) rate: Option<String>,
    pub(crate) unit: Option<String>,
    pub(crate) hourly: Option<Vec<f64>>,
    pub(crate) weekday_factors: Option<Vec<f64>>,
    pub(crate) weekly: Option<Vec<Vec<f64>>>,
    pub(crate) file: Option<String>,
    pub(crate) scale: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStage {
    pub(crate) servers: Option<i64>,
    pub(crate) shifts: Option<Vec<RawShift>>,
    pub(crate) service: RawService,
    pub(crate) opening: Option<RawOpening>,
    pub(crate) closed_on: Option<Vec<String>>,
    pub(crate) yard: Option<i64>,
    pub(crate) daily_quota: Option<i64>,
    pub(crate) role: Option<String>,
    pub(crate) routes: Vec<RawRoute>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawShift {
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) servers: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOpening {
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) days: Option<Vec<String>>,
}

/// Every parameter any distribution takes; validation checks which ones `dist` needs.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawService {
    pub(crate) dist: String,
    pub(crate) mean: Option<String>,
    pub(crate) sd: Option<String>,
    pub(crate) min: Option<String>,
    pub(crate) mode: Option<String>,
    pub(crate) max: Option<String>,
    pub(crate) value: Option<String>,
    pub(crate) k: Option<i64>,
    pub(crate) values: Option<Vec<f64>>,
    pub(crate) unit: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRoute {
    pub(crate) to: String,
    pub(crate) p: Option<f64>,
    pub(crate) travel: Option<String>,
}
