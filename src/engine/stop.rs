//! A request to stop, shared between whoever asks (a Ctrl-C handler, a test) and the work that
//! heeds it (a sweep between runs, an event loop every [`StopToken::CHECK_EVERY`] events).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Cloned handles to one flag: once any of them calls [`StopToken::stop`], every clone reads
/// stopped. It never resets.
#[derive(Debug, Clone, Default)]
pub struct StopToken(Arc<AtomicBool>);

impl StopToken {
    /// Events between two looks at the token in an event loop: cheap enough to be invisible in
    /// the loop's time, often enough that a month-long run stops within a millisecond or so.
    pub const CHECK_EVERY: u64 = 1 << 12;

    pub fn new() -> Self {
        StopToken::default()
    }

    /// Asks every holder to stop.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clone_sees_the_stop() {
        let token = StopToken::new();
        let held = token.clone();
        assert!(!held.is_stopped());
        token.stop();
        assert!(held.is_stopped());
    }
}
