//! Simulation time as integer milliseconds, in two types: an [`Instant`] of the run and a
//! [`Span`] between two instants.
//!
//! Integer time makes event ordering exact: two events scheduled for the same instant compare
//! equal and the event list breaks the tie by insertion order. Floats appear only at the edges
//! (scenario parsing and output), through [`Span::from_hours`] and [`Span::hours`]. A span is
//! never negative: subtracting a later instant (or a longer span) is an accounting error, and it
//! stops the program in release builds too instead of being clamped to zero.

use std::fmt;
use std::ops::{Add, AddAssign, Mul, Rem, Sub};

/// A moment of a run: milliseconds since its start (00:00 of its first day).
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

/// A length of time in milliseconds, never negative.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span(u64);

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at {} ms", self.0)
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ms", self.0)
    }
}

/// The failure of an accounting invariant: out of line, so the checks stay cheap.
#[cold]
#[inline(never)]
fn negative(what: &str, later: u64, earlier: u64) -> ! {
    panic!("negative span: {what} {later} ms - {earlier} ms (an accounting error in landport)")
}

impl Instant {
    /// The start of the run.
    pub const START: Instant = Instant(0);
    /// Later than any run ends: what "never" is compared as.
    pub const NEVER: Instant = Instant(u64::MAX);

    pub const fn from_millis(ms: u64) -> Instant {
        Instant(ms)
    }

    pub const fn millis(self) -> u64 {
        self.0
    }

    /// The instant `span` after the start of the run.
    pub const fn after_start(span: Span) -> Instant {
        Instant(span.0)
    }

    /// The time since the start of the run.
    pub const fn since_start(self) -> Span {
        Span(self.0)
    }

    /// Hours since the start of the run.
    pub fn hours(self) -> f64 {
        self.since_start().hours()
    }

    /// Whole days since the start of the run (day 0 is the start date).
    pub const fn day(self) -> u64 {
        self.0 / Span::DAY.0
    }

    /// 00:00 of day `day` of the run.
    pub const fn start_of_day(day: u64) -> Instant {
        Instant(day.saturating_mul(Span::DAY.0))
    }

    /// The time of day, as a span since midnight.
    pub const fn time_of_day(self) -> Span {
        Span(self.0 % Span::DAY.0)
    }

    /// The span from `earlier` to this instant, or `None` when `earlier` is later.
    pub const fn checked_since(self, earlier: Instant) -> Option<Span> {
        match self.0.checked_sub(earlier.0) {
            Some(ms) => Some(Span(ms)),
            None => None,
        }
    }
}

impl Span {
    pub const ZERO: Span = Span(0);
    pub const SECOND: Span = Span(1_000);
    pub const MINUTE: Span = Span(60_000);
    pub const HOUR: Span = Span(3_600_000);
    pub const DAY: Span = Span(86_400_000);
    pub const WEEK: Span = Span(7 * 86_400_000);

    pub const fn from_millis(ms: u64) -> Span {
        Span(ms)
    }

    pub const fn millis(self) -> u64 {
        self.0
    }

    /// Rounds a non-negative number of milliseconds to the nearest millisecond.
    /// Negative and NaN inputs give zero; values beyond the range saturate.
    pub fn from_millis_f64(ms: f64) -> Span {
        // Rounded half up without `round`'s libm call (this is on the path of every time drawn);
        // the cast saturates: NaN and negatives give zero, too large gives `u64::MAX` ms.
        Span((ms + 0.5) as u64)
    }

    pub fn from_hours(hours: f64) -> Span {
        Span::from_millis_f64(hours * Span::HOUR.0 as f64)
    }

    pub fn hours(self) -> f64 {
        self.0 as f64 / Span::HOUR.0 as f64
    }
}

impl Add<Span> for Instant {
    type Output = Instant;
    /// Saturates at [`Instant::NEVER`].
    #[inline]
    fn add(self, span: Span) -> Instant {
        Instant(self.0.saturating_add(span.0))
    }
}

impl Sub for Instant {
    type Output = Span;
    /// The span from `earlier` to `self`; an earlier `self` is an accounting error (it panics).
    #[inline]
    fn sub(self, earlier: Instant) -> Span {
        match self.0.checked_sub(earlier.0) {
            Some(ms) => Span(ms),
            None => negative("instant", self.0, earlier.0),
        }
    }
}

impl Sub<Span> for Instant {
    type Output = Instant;
    /// The instant `span` before `self`; one before the start is an accounting error (it
    /// panics).
    #[inline]
    fn sub(self, span: Span) -> Instant {
        match self.0.checked_sub(span.0) {
            Some(ms) => Instant(ms),
            None => negative("instant", self.0, span.0),
        }
    }
}

impl Add for Span {
    type Output = Span;
    /// Saturates at `u64::MAX` ms.
    #[inline]
    fn add(self, other: Span) -> Span {
        Span(self.0.saturating_add(other.0))
    }
}

impl AddAssign for Span {
    #[inline]
    fn add_assign(&mut self, other: Span) {
        *self = *self + other;
    }
}

impl Sub for Span {
    type Output = Span;
    /// A longer `other` is an accounting error (it panics).
    #[inline]
    fn sub(self, other: Span) -> Span {
        match self.0.checked_sub(other.0) {
            Some(ms) => Span(ms),
            None => negative("span", self.0, other.0),
        }
    }
}

impl Mul<u64> for Span {
    type Output = Span;
    fn mul(self, n: u64) -> Span {
        Span(self.0.saturating_mul(n))
    }
}

impl Rem for Span {
    type Output = Span;
    fn rem(self, modulus: Span) -> Span {
        Span(self.0 % modulus.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_round_trip_to_the_millisecond() {
        assert_eq!(Span::from_hours(1.5).millis(), 5_400_000);
        assert_eq!(Span::from_hours(1.5).hours(), 1.5);
        assert_eq!(Span::from_millis_f64(-3.0), Span::ZERO);
        assert_eq!(Span::from_millis_f64(f64::NAN), Span::ZERO);
        assert_eq!(Span::from_millis_f64(0.5), Span::from_millis(1));
    }

    #[test]
    fn calendar_parts() {
        let t = Instant::start_of_day(2) + Span::HOUR;
        assert_eq!(t.day(), 2);
        assert_eq!(t.time_of_day(), Span::HOUR);
        assert_eq!(t - Instant::start_of_day(1), Span::DAY + Span::HOUR);
    }

    #[test]
    fn a_negative_span_is_an_error_not_zero() {
        let (early, late) = (Instant::from_millis(5), Instant::from_millis(9));
        assert_eq!(late - early, Span::from_millis(4));
        assert_eq!(early.checked_since(late), None);
        let message = std::panic::catch_unwind(|| early - late)
            .unwrap_err()
            .downcast::<String>()
            .unwrap();
        assert!(message.contains("negative span"), "{message}");
        assert!(std::panic::catch_unwind(|| Span::MINUTE - Span::HOUR).is_err());
    }
}
