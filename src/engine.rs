//! The discrete-event core: integer simulation time, the event list and seeded random streams.
//!
//! Nothing here knows about ports or trucks; `model` builds the border port on top of it.

mod event_list;
mod random;
mod stop;
mod time;

pub use event_list::EventList;
pub use random::{derive_seed, fnv1a, stream, stream_id, Rng};
pub use stop::StopToken;
pub use time::{Instant, Span};
