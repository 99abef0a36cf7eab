//! Simulation time as an integer count of milliseconds.

use std::ops::{Add, AddAssign, Sub};

/// An instant or a span of simulation time, in whole milliseconds since the start of the run.
///
/// Integer time makes event ordering exact: two events scheduled for the same instant compare
/// equal and the event list breaks the tie by insertion order. Floats appear only at the edges
/// (scenario parsing and output), through [`Time::from_hours`] and [`Time::hours`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(u64);

impl Time {
    pub const ZERO: Time = Time(0);
    pub const MAX: Time = Time(u64::MAX);
    pub const SECOND: Time = Time(1_000);
    pub const MINUTE: Time = Time(60_000);
    pub const HOUR: Time = Time(3_600_000);
    pub const DAY: Time = Time(86_400_000);
    pub const WEEK: Time = Time(7 * 86_400_000);

    pub const fn from_millis(ms: u64) -> Time {
        Time(ms)
    }

    pub const fn millis(self) -> u64 {
        self.0
    }

    /// Rounds a non-negative number of milliseconds to the nearest millisecond.
    /// Negative and NaN inputs give zero; values beyond the range saturate.
    pub fn from_millis_f64(ms: f64) -> Time {
        // Rounded half up without `round`'s libm call (this is on the path of every time drawn);
        // the cast saturates: NaN and negatives give zero, too large gives `Time::MAX`.
        Time((ms + 0.5) as u64)
    }

    pub fn from_hours(hours: f64) -> Time {
        Time::from_millis_f64(hours * Time::HOUR.0 as f64)
    }

    pub fn hours(self) -> f64 {
        self.0 as f64 / Time::HOUR.0 as f64
    }

    /// Whole days since the start of the run (day 0 is the start date).
    pub const fn day(self) -> u64 {
        self.0 / Time::DAY.0
    }

    /// The time of day, as a span since midnight.
    pub const fn time_of_day(self) -> Time {
        Time(self.0 % Time::DAY.0)
    }

    pub const fn saturating_sub(self, other: Time) -> Time {
        Time(self.0.saturating_sub(other.0))
    }

    pub const fn saturating_add(self, other: Time) -> Time {
        Time(self.0.saturating_add(other.0))
    }
}

impl Add for Time {
    type Output = Time;
    fn add(self, other: Time) -> Time {
        self.saturating_add(other)
    }
}

impl AddAssign for Time {
    fn add_assign(&mut self, other: Time) {
        *self = *self + other;
    }
}

impl Sub for Time {
    type Output = Time;
    /// Saturates at zero: a span is never negative.
    fn sub(self, other: Time) -> Time {
        self.saturating_sub(other)
    }
}

impl std::ops::Mul<u64> for Time {
    type Output = Time;
    fn mul(self, n: u64) -> Time {
        Time(self.0.saturating_mul(n))
    }
}

impl std::ops::Rem for Time {
    type Output = Time;
    fn rem(self, modulus: Time) -> Time {
        Time(self.0 % modulus.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_round_trip_to_the_millisecond() {
        assert_eq!(Time::from_hours(1.5).millis(), 5_400_000);
        assert_eq!(Time::from_hours(1.5).hours(), 1.5);
        assert_eq!(Time::from_millis_f64(-3.0), Time::ZERO);
        assert_eq!(Time::from_millis_f64(f64::NAN), Time::ZERO);
        assert_eq!(Time::from_millis_f64(0.5), Time::from_millis(1));
    }

    #[test]
    fn calendar_parts() {
        let t = Time::DAY + Time::DAY + Time::HOUR * 1;
        assert_eq!(t.day(), 2);
        assert_eq!(t.time_of_day(), Time::HOUR);
    }
}
