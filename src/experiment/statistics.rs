//! Statistics over replications: Student-t confidence intervals and MSER-5 warm-up detection.

use serde::{Deserialize, Deserializer, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Confidence level of every interval landport reports.
pub const CONFIDENCE: f64 = 0.95;

/// The mean of independent observations with a 95% Student-t confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// NaN with no observations (written as `null`).
    #[serde(deserialize_with = "number_or_null")]
    pub mean: f64,
    /// Half-width of the interval: the true mean is in `mean ± half_width` with 95% confidence.
    /// `None` with fewer than two observations.
    pub half_width: Option<f64>,
    pub n: usize,
}

/// A number as serde_json writes it: `null` when it was not finite, read back as NaN.
fn number_or_null<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}

impl Estimate {
    /// Mean ± t(0.975, n−1) · s / √n, with s the sample standard deviation (n − 1 divisor).
    pub fn of(samples: &[f64]) -> Estimate {
        let n = samples.len();
        if n == 0 {
            return Estimate {
                mean: f64::NAN,
                half_width: None,
                n,
            };
        }
        let mean = samples.iter().sum::<f64>() / n as f64;
        let half_width = (n >= 2).then(|| {
            let variance = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            t_quantile(n - 1) * (variance / n as f64).sqrt()
        });
        Estimate {
            mean,
            half_width,
            n,
        }
    }

    /// The interval's ends, when there is one.
    pub fn interval(&self) -> Option<(f64, f64)> {
        self.half_width
            .map(|half| (self.mean - half, self.mean + half))
    }

    pub fn contains(&self, value: f64) -> bool {
        self.interval()
            .is_some_and(|(low, high)| low <= value && value <= high)
    }
}

/// The two-sided 95% quantile of Student's t with `freedom` degrees of freedom, t(0.975, df).
pub fn t_quantile(freedom: usize) -> f64 {
    let freedom = freedom.max(1) as f64;
    StudentsT::new(0.0, 1.0, freedom)
        .expect("degrees of freedom >= 1 make a valid distribution")
        .inverse_cdf(1.0 - (1.0 - CONFIDENCE) / 2.0)
}

/// The one-sided quantile of Student's t at `confidence` with `freedom` degrees of freedom:
/// mean + t · s / √n is an upper bound on the true mean with that confidence.
pub fn t_one_sided(freedom: usize, confidence: f64) -> f64 {
    let freedom = freedom.max(1) as f64;
    StudentsT::new(0.0, 1.0, freedom)
        .expect("degrees of freedom >= 1 make a valid distribution")
        .inverse_cdf(confidence)
}

/// MSER-5 (White, 1997; Franklin & White, 2008): the number of leading observations to drop.
///
/// The series is cut into batches of 5 observations; for each candidate truncation d (in batches,
/// over the first half), the statistic is Σ(b − b̄)² / (m − d)² over the m − d batches kept. The
/// truncation that minimises it is returned, in observations (5·d).
pub fn mser5(series: &[f64]) -> usize {
    const BATCH: usize = 5;
    let batches: Vec<f64> = series
        .chunks_exact(BATCH)
        .map(|chunk| chunk.iter().sum::<f64>() / BATCH as f64)
        .collect();
    let m = batches.len();
    if m < 2 {
        return 0;
    }
    // Suffix sums give each candidate's statistic in O(1).
    let mut sum = 0.0;
    let mut sum_squares = 0.0;
    let mut best = (f64::INFINITY, 0);
    let mut statistics = vec![0.0; m];
    for d in (0..m).rev() {
        sum += batches[d];
        sum_squares += batches[d] * batches[d];
        let kept = (m - d) as f64;
        let squares = (sum_squares - sum * sum / kept).max(0.0);
        statistics[d] = squares / (kept * kept);
    }
    for (d, &statistic) in statistics.iter().enumerate().take(m / 2 + 1) {
        if statistic < best.0 {
            best = (statistic, d);
        }
    }
    best.1 * BATCH
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_the_tables() {
        // Student-t table, two-sided 95%.
        for (df, t) in [
            (1, 12.706),
            (4, 2.776),
            (9, 2.262),
            (29, 2.045),
            (1000, 1.962),
        ] {
            assert!(
                (t_quantile(df) - t).abs() < 5e-4,
                "df {df}: {}",
                t_quantile(df)
            );
        }
    }

    #[test]
    fn an_estimate_follows_the_formula() {
        let estimate = Estimate::of(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(estimate.mean, 2.5);
        // s = sqrt(5/3), t(0.975, 3) = 3.182446
        let expected = 3.182_446 * (5.0f64 / 3.0 / 4.0).sqrt();
        assert!((estimate.half_width.unwrap() - expected).abs() < 1e-5);
        assert!(estimate.contains(2.5) && !estimate.contains(10.0));
        assert_eq!(Estimate::of(&[7.0]).half_width, None);
    }

    #[test]
    fn mser5_cuts_an_initial_transient() {
        // 40 observations falling from 50, then a level of 10 alternating with 11.
        let series: Vec<f64> = (0..400)
            .map(|i| {
                if i < 40 {
                    50.0 - i as f64
                } else {
                    10.0 + (i % 2) as f64
                }
            })
            .collect();
        let cut = mser5(&series);
        assert!((35..=45).contains(&cut), "cut {cut}");
        // A stationary series needs no truncation.
        let flat: Vec<f64> = (0..400).map(|i| (i % 3) as f64).collect();
        assert!(mser5(&flat) <= 10, "cut {}", mser5(&flat));
    }
}
