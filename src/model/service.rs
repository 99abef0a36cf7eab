//! Service-time distributions of a stage, sampled through rand_distr.

use rand::Rng as _;
use rand_distr::{Distribution, Exp, Gamma, LogNormal, Normal, Triangular, Uniform};

use crate::engine::{Rng, Span};

/// A service-time distribution with parameters in milliseconds.
///
/// Built only through the constructors below, which reject parameters that rand_distr would
/// refuse, so sampling never fails.
#[derive(Debug, Clone)]
pub(crate) enum Service {
    Exponential {
        mean: f64,
        dist: Exp<f64>,
    },
    Constant(f64),
    Uniform {
        min: f64,
        max: f64,
        dist: Uniform<f64>,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
        dist: Triangular<f64>,
    },
    /// Normal, truncated at zero by resampling negative draws.
    Normal {
        mean: f64,
        sd: f64,
        dist: Normal<f64>,
    },
    LogNormal {
        mean: f64,
        dist: LogNormal<f64>,
    },
    Gamma {
        mean: f64,
        dist: Gamma<f64>,
    },
    /// Observed values, sampled with replacement.
    Empirical(std::sync::Arc<[f64]>),
}

fn positive(name: &str, value: f64) -> Result<f64, String> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(format!("{name} must be > 0"))
    }
}

impl Service {
    pub(crate) fn exponential(mean: f64) -> Result<Service, String> {
        let mean = positive("mean", mean)?;
        let dist = Exp::new(1.0 / mean).map_err(|e| e.to_string())?;
        Ok(Service::Exponential { mean, dist })
    }

    pub(crate) fn constant(value: f64) -> Result<Service, String> {
        if value.is_finite() && value >= 0.0 {
            Ok(Service::Constant(value))
        } else {
            Err("value must be >= 0".into())
        }
    }

    pub(crate) fn uniform(min: f64, max: f64) -> Result<Service, String> {
        if !(min.is_finite() && max.is_finite() && 0.0 <= min && min < max) {
            return Err("needs 0 <= min < max".into());
        }
        let dist = Uniform::new(min, max).map_err(|e| e.to_string())?;
        Ok(Service::Uniform { min, max, dist })
    }

    pub(crate) fn triangular(min: f64, mode: f64, max: f64) -> Result<Service, String> {
        if !([min, mode, max].iter().all(|v| v.is_finite())
            && 0.0 <= min
            && min <= mode
            && mode <= max
            && min < max)
        {
            return Err("needs 0 <= min <= mode <= max and min < max".into());
        }
        let dist = Triangular::new(min, max, mode).map_err(|e| e.to_string())?;
        Ok(Service::Triangular {
            min,
            mode,
            max,
            dist,
        })
    }

    pub(crate) fn normal(mean: f64, sd: f64) -> Result<Service, String> {
        let mean = positive("mean", mean)?;
        let sd = positive("sd", sd)?;
        let dist = Normal::new(mean, sd).map_err(|e| e.to_string())?;
        Ok(Service::Normal { mean, sd, dist })
    }

    /// Lognormal from the mean and standard deviation of the times themselves.
    pub(crate) fn lognormal(mean: f64, sd: f64) -> Result<Service, String> {
        let mean = positive("mean", mean)?;
        let sd = positive("sd", sd)?;
        let sigma2 = (1.0 + (sd / mean).powi(2)).ln();
        let mu = mean.ln() - sigma2 / 2.0;
        let dist = LogNormal::new(mu, sigma2.sqrt()).map_err(|e| e.to_string())?;
        Ok(Service::LogNormal { mean, dist })
    }

    /// Gamma from the mean and standard deviation: shape (mean/sd)², scale sd²/mean.
    pub(crate) fn gamma(mean: f64, sd: f64) -> Result<Service, String> {
        let mean = positive("mean", mean)?;
        let sd = positive("sd", sd)?;
        let dist = Gamma::new((mean / sd).powi(2), sd * sd / mean).map_err(|e| e.to_string())?;
        Ok(Service::Gamma { mean, dist })
    }

    /// Erlang-k: the sum of k exponential phases, gamma with integer shape k.
    pub(crate) fn erlang(k: u32, mean: f64) -> Result<Service, String> {
        let mean = positive("mean", mean)?;
        if k == 0 {
            return Err("k must be at least 1".into());
        }
        let dist = Gamma::new(f64::from(k), mean / f64::from(k)).map_err(|e| e.to_string())?;
        Ok(Service::Gamma { mean, dist })
    }

    pub(crate) fn empirical(values: std::sync::Arc<[f64]>) -> Result<Service, String> {
        if values.is_empty() {
            return Err("values must not be empty".into());
        }
        if values.iter().any(|v| !v.is_finite() || *v < 0.0) {
            return Err("values must be finite and >= 0".into());
        }
        Ok(Service::Empirical(values))
    }

    /// Draws one service time: the exponential law, the most common, inline (the same draw as
    /// [`Service::sample_any`]), the others through that call.
    #[inline(always)]
    pub(crate) fn sample(&self, rng: &mut Rng) -> Span {
        match self {
            Service::Exponential { dist, .. } => Span::from_millis_f64(dist.sample(rng)),
            _ => self.sample_any(rng),
        }
    }

    /// Draws one service time of any law, kept out of the event loop's code.
    #[inline(never)]
    fn sample_any(&self, rng: &mut Rng) -> Span {
        let ms = match self {
            Service::Exponential { dist, .. } => dist.sample(rng),
            Service::Constant(value) => *value,
            Service::Uniform { dist, .. } => dist.sample(rng),
            Service::Triangular { dist, .. } => dist.sample(rng),
            Service::Normal { dist, .. } => loop {
                // mean > 0, so at least half the draws are accepted.
                let draw = dist.sample(rng);
                if draw >= 0.0 {
                    break draw;
                }
            },
            Service::LogNormal { dist, .. } => dist.sample(rng),
            Service::Gamma { dist, .. } => dist.sample(rng),
            Service::Empirical(values) => values[rng.random_range(0..values.len())],
        };
        Span::from_millis_f64(ms)
    }

    /// The mean service time in milliseconds (of the truncated law for the normal).
    pub(crate) fn mean(&self) -> f64 {
        match self {
            Service::Exponential { mean, .. }
            | Service::LogNormal { mean, .. }
            | Service::Gamma { mean, .. } => *mean,
            Service::Constant(value) => *value,
            Service::Uniform { min, max, .. } => (min + max) / 2.0,
            Service::Triangular { min, mode, max, .. } => (min + mode + max) / 3.0,
            Service::Normal { mean, sd, .. } => {
                // E[X | X >= 0] = mu + sigma * phi(a) / (1 - Phi(a)), a = -mu / sigma.
                let a = -mean / sd;
                let density = (-a * a / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
                let upper_tail = 0.5 * statrs::function::erf::erfc(a / std::f64::consts::SQRT_2);
                mean + sd * density / upper_tail
            }
            Service::Empirical(values) => values.iter().sum::<f64>() / values.len() as f64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;

    fn sample_mean(service: &Service, n: usize) -> f64 {
        let mut rng = stream(1, 1);
        (0..n)
            .map(|_| service.sample(&mut rng).millis() as f64)
            .sum::<f64>()
            / n as f64
    }

    /// The inline exponential draw is the out-of-line one: the same times from the same stream.
    #[test]
    fn the_inline_exponential_draw_is_the_general_one() {
        let service = Service::exponential(60_000.0).unwrap();
        let (mut inline, mut general) = (stream(3, 1), stream(3, 1));
        for _ in 0..1000 {
            assert_eq!(
                service.sample(&mut inline),
                service.sample_any(&mut general)
            );
        }
    }

    #[test]
    fn sample_means_match_the_stated_means() {
        let n = 200_000;
        let cases = [
            Service::exponential(60_000.0).unwrap(),
            Service::uniform(30_000.0, 90_000.0).unwrap(),
            Service::triangular(10_000.0, 20_000.0, 60_000.0).unwrap(),
            Service::normal(20_000.0, 20_000.0).unwrap(),
            Service::lognormal(600_000.0, 300_000.0).unwrap(),
            Service::gamma(600_000.0, 200_000.0).unwrap(),
            Service::erlang(3, 600_000.0).unwrap(),
            Service::empirical([1000.0, 2000.0, 6000.0].into()).unwrap(),
        ];
        for service in &cases {
            let mean = service.mean();
            let got = sample_mean(service, n);
            // Every law here has a coefficient of variation <= 1.2; 5 standard errors.
            let tolerance = 5.0 * 1.2 * mean / (n as f64).sqrt();
            assert!(
                (got - mean).abs() < tolerance,
                "{service:?}: sample mean {got}, expected {mean}"
            );
        }
    }

    #[test]
    fn constructors_reject_bad_parameters() {
        assert!(Service::exponential(0.0).is_err());
        assert!(Service::exponential(f64::NAN).is_err());
        assert!(Service::uniform(5.0, 5.0).is_err());
        assert!(Service::triangular(1.0, 0.5, 2.0).is_err());
        assert!(Service::erlang(0, 1.0).is_err());
        assert!(Service::empirical(Vec::new().into()).is_err());
    }
}
