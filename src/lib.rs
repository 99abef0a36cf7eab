//! landport: a discrete-event simulator of trucks clearing a land border port.
//!
//! A port is an open queueing network of stages (loading, declaration, document check, X-ray,
//! manual inspection, exit gate, ...). Planners describe it in a TOML scenario file;
//! [`scenario::load`] validates it into a [`Scenario`], and [`run`] simulates it with a seed.
//!
//! ```
//! let text = r#"
//! name = "one-desk"
//! seed = 1
//! warmup = "1 d"
//! horizon = "10 d"
//! [arrivals]
//! process = "poisson"
//! rate = "4 trucks per hour"
//! to = "desk"
//! [stages.desk]
//! servers = 1
//! service = { dist = "exponential", mean = "10 min" }
//! routes = [{ to = "exit", p = 1.0 }]
//! "#;
//! let scenario = landport::scenario::parse(text, "one-desk.toml".as_ref()).unwrap();
//! let result = landport::run(&scenario, scenario.seed());
//! assert!(result.dwell.mean_hours > 0.0);
//! ```

pub mod compare;
pub mod driver;
pub mod engine;
pub mod experiment;
pub mod ledger;
pub mod model;
pub mod optimize;
pub mod output;
pub mod report;
pub mod scenario;
pub mod sweep;

pub use model::{run, run_summary, run_summary_until, run_traced, RunResult, Scenario};
