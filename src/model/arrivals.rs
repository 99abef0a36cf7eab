//! How trucks arrive at the port: Poisson, a weekly profile of hourly rates, or a recorded trace.

use rand::Rng as _;
use rand_distr::{Distribution, Exp1};

use super::calendar::weekday;
use crate::engine::{Instant, Rng, Span};

/// The arrival process of a scenario. Rates are in trucks per millisecond.
#[derive(Debug, Clone)]
pub(crate) enum Arrivals {
    Poisson {
        rate: f64,
    },
    /// Non-homogeneous Poisson: a rate for each hour of the week, Monday 00:00 first.
    Profile {
        rates: Box<[f64; 168]>,
    },
    /// Recorded arrival instants, sorted.
    Trace {
        times: std::sync::Arc<[Instant]>,
    },
}

impl Arrivals {
    /// The same process with every rate multiplied by `factor` (a trace is left as recorded).
    pub(crate) fn scaled(self, factor: f64) -> Arrivals {
        match self {
            Arrivals::Poisson { rate } => Arrivals::Poisson {
                rate: rate * factor,
            },
            Arrivals::Profile { mut rates } => {
                rates.iter_mut().for_each(|rate| *rate *= factor);
                Arrivals::Profile { rates }
            }
            trace @ Arrivals::Trace { .. } => trace,
        }
    }

    /// The long-run mean rate in trucks per millisecond.
    pub(crate) fn mean_rate(&self) -> f64 {
        match self {
            Arrivals::Poisson { rate } => *rate,
            Arrivals::Profile { rates } => rates.iter().sum::<f64>() / 168.0,
            Arrivals::Trace { times } => match times.last() {
                Some(last) if last.millis() > 0 => times.len() as f64 / last.millis() as f64,
                _ => 0.0,
            },
        }
    }
}

/// The arrival process of one run: generates arrival instants in order.
pub(crate) struct ArrivalStream<'a> {
    arrivals: &'a Arrivals,
    rng: Rng,
    /// For a profile: the weekday of the first simulated day and the highest rate.
    first_weekday: u8,
    max_rate: f64,
    /// For a trace: the index of the next recorded arrival.
    next_index: usize,
}

impl<'a> ArrivalStream<'a> {
    pub(crate) fn new(arrivals: &'a Arrivals, start_day: i64, rng: Rng) -> Self {
        let max_rate = match arrivals {
            Arrivals::Profile { rates } => rates.iter().copied().fold(0.0, f64::max),
            _ => 0.0,
        };
        ArrivalStream {
            arrivals,
            rng,
            first_weekday: weekday(start_day),
            max_rate,
            next_index: 0,
        }
    }

    /// The next arrival after the one at `now`, or `None` when the process has ended: Poisson
    /// arrivals, the most common, inline (the same draw as [`ArrivalStream::next_after_any`]),
    /// the others through that call.
    #[inline(always)]
    pub(crate) fn next_after(&mut self, now: Instant) -> Option<Instant> {
        match self.arrivals {
            Arrivals::Poisson { rate } => {
                let gap: f64 = Exp1.sample(&mut self.rng);
                Some(now + Span::from_millis_f64(gap / rate))
            }
            _ => self.next_after_any(now),
        }
    }

    /// The next arrival of any process, kept out of the event loop's code.
    #[inline(never)]
    fn next_after_any(&mut self, now: Instant) -> Option<Instant> {
        match self.arrivals {
            Arrivals::Poisson { rate } => {
                let gap: f64 = Exp1.sample(&mut self.rng);
                Some(now + Span::from_millis_f64(gap / rate))
            }
            Arrivals::Profile { rates } => {
                // Thinning (Lewis and Shedler 1979): candidates at the highest rate, each kept with
                // probability rate(t) / highest rate. Continuous time, rounded when returned.
                if self.max_rate <= 0.0 {
                    return None;
                }
                let mut t = now.millis() as f64;
                loop {
                    let gap: f64 = Exp1.sample(&mut self.rng);
                    t += gap / self.max_rate;
                    let candidate = Instant::after_start(Span::from_millis_f64(t));
                    if candidate == Instant::NEVER {
                        return None;
                    }
                    let hour_of_week = (usize::from(self.first_weekday) * 24
                        + (candidate.millis() / Span::HOUR.millis()) as usize)
                        % 168;
                    let keep: f64 = self.rng.random();
                    if keep * self.max_rate < rates[hour_of_week] {
                        return Some(candidate);
                    }
                }
            }
            Arrivals::Trace { times } => {
                let next = times.get(self.next_index).copied();
                self.next_index += 1;
                next
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;

    /// The inline Poisson draw is the out-of-line one: the same arrivals from the same stream.
    #[test]
    fn the_inline_poisson_draw_is_the_general_one() {
        let poisson = Arrivals::Poisson {
            rate: 20.0 / Span::HOUR.millis() as f64,
        };
        let mut inline = ArrivalStream::new(&poisson, 0, stream(5, 1));
        let mut general = ArrivalStream::new(&poisson, 0, stream(5, 1));
        let (mut a, mut b) = (Instant::START, Instant::START);
        for _ in 0..1000 {
            a = inline.next_after(a).unwrap();
            b = general.next_after_any(b).unwrap();
            assert_eq!(a, b);
        }
    }

    #[test]
    fn profile_follows_hourly_rates() {
        // 10 trucks/h from 08:00 to 20:00 on weekdays, none otherwise; start on a Monday.
        let mut rates = Box::new([0.0; 168]);
        for day in 0..5 {
            for hour in 8..20 {
                rates[day * 24 + hour] = 10.0 / Span::HOUR.millis() as f64;
            }
        }
        let arrivals = Arrivals::Profile { rates };
        let monday = super::super::calendar::days_from_civil(2025, 3, 3);
        let mut stream = ArrivalStream::new(&arrivals, monday, stream(3, 0));
        let mut now = Instant::START;
        let mut count = 0u64;
        let weeks = 20;
        while let Some(t) = stream.next_after(now) {
            if t >= Instant::after_start(Span::WEEK * weeks) {
                break;
            }
            let hour = (t.millis() / Span::HOUR.millis()) % 168;
            assert!(
                hour % 24 >= 8 && hour % 24 < 20 && hour / 24 < 5,
                "arrival at hour {hour} of the week"
            );
            count += 1;
            now = t;
        }
        let expected = (weeks * 5 * 12 * 10) as f64;
        assert!(
            (count as f64 - expected).abs() < 4.0 * expected.sqrt(),
            "{count} arrivals, expected {expected}"
        );
    }
}
