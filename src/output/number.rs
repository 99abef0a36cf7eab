//! Numbers written into the large CSV files (trucks.csv, queues.csv) without `fmt`: the same
//! bytes as `{}` and `{:.N}` give, several times faster, since those files are most of what a long
//! run with records spends.

use std::io::Write as _;

use crate::engine::Span;

/// Appends `n` in decimal, as `{}` writes it.
pub fn push_uint(out: &mut Vec<u8>, n: u64) {
    push_padded(out, n, 1);
}

/// "00" to "99": two digits at a time halve the divisions.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes `n` right-aligned into `digits`, which must hold zeros, with at least `width` (1 to 20)
/// digits, zeros in front, as `{:0width$}` writes it; returns where the digits start.
#[inline]
fn fill_digits(digits: &mut [u8; 20], n: u64, width: usize) -> usize {
    let mut rest = n;
    let mut start = digits.len();
    while rest >= 100 {
        let pair = (rest % 100) as usize * 2;
        rest /= 100;
        start -= 2;
        digits[start..start + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if rest >= 10 {
        let pair = rest as usize * 2;
        start -= 2;
        digits[start..start + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else if rest > 0 {
        start -= 1;
        digits[start] = b'0' + rest as u8;
    }
    start.min(digits.len() - width)
}

/// Appends `n` with at least `width` (1 to 20) digits, zeros in front, as `{:0width$}` writes it.
fn push_padded(out: &mut Vec<u8>, n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let start = fill_digits(&mut digits, n, width);
    out.extend_from_slice(&digits[start..]);
}

/// Appends `value` with `decimals` decimals, byte for byte as `format!("{value:.decimals$}")`:
/// correctly rounded from the exact binary value, ties to even. The fast path scales by a power
/// of ten in floating point, whose error is below 2^-20 for the values it takes (non-negative,
/// scaled below 2^33); a scaled value within 10^-5 of a half, where that error could decide the
/// rounding, and every other value go through `fmt`.
pub fn push_fixed(out: &mut Vec<u8>, value: f64, decimals: u32) {
    const SCALES: [f64; 7] = [1.0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6];
    let Some(&scale) = SCALES.get(decimals as usize) else {
        let _ = write!(out, "{value:.*}", decimals as usize);
        return;
    };
    let scaled = value * scale;
    let fraction = scaled - scaled.floor();
    let fast = value.is_sign_positive() && scaled < (1u64 << 33) as f64;
    if !fast || (fraction - 0.5).abs() < 1e-5 {
        let _ = write!(out, "{value:.*}", decimals as usize);
        return;
    }
    let rounded = scaled.round() as u64;
    let unit = 10u64.pow(decimals);
    push_uint(out, rounded / unit);
    if decimals > 0 {
        out.push(b'.');
        push_padded(out, rounded % unit, decimals as usize);
    }
}

/// Writes a time as hours with six decimals (3.6 ms resolution) at the end of `text`, rounded half
/// up from the exact integer milliseconds: no float formatting, so it is fast and the same on
/// every platform. Returns where the text starts.
#[inline]
fn hours_text(text: &mut [u8; 27], time: Span) -> usize {
    let millis = time.millis();
    let micro_hours = match millis.checked_mul(10).and_then(|m| m.checked_add(18)) {
        Some(tenths) => u128::from(tenths / 36),
        None => (u128::from(millis) * 10 + 18) / 36,
    };
    // Below 2^64 micro-hours for any u64 of milliseconds (10 / 36 < 1).
    let micro_hours = micro_hours as u64;
    // The six decimals, as three pairs, after the point.
    let fraction = (micro_hours % 1_000_000) as usize;
    for (k, pair) in [fraction / 10_000, fraction / 100 % 100, fraction % 100]
        .into_iter()
        .enumerate()
    {
        text[21 + 2 * k..23 + 2 * k].copy_from_slice(&PAIRS[pair * 2..pair * 2 + 2]);
    }
    text[20] = b'.';
    let whole: &mut [u8; 20] = (&mut text[..20]).try_into().expect("20 bytes");
    // fill_digits pads with the zeros already there: a reused buffer holds an earlier time.
    whole.fill(b'0');
    fill_digits(whole, micro_hours / 1_000_000, 1)
}

/// Writes times as hours with six decimals (3.6 ms resolution), rounded half up from the exact
/// integer milliseconds. It keeps the text of the last time written: in trucks.csv a truck's times
/// repeat one after the other (it starts service as it arrives, leaves as it finishes), and a
/// repeated time is copied instead of written again.
#[derive(Debug)]
pub struct HoursCache {
    millis: u64,
    text: [u8; 27],
    start: usize,
}

impl Default for HoursCache {
    fn default() -> Self {
        let mut cache = HoursCache {
            millis: 0,
            text: [b'0'; 27],
            start: 0,
        };
        cache.start = hours_text(&mut cache.text, Span::ZERO);
        cache
    }
}

impl HoursCache {
    /// Appends `time` in hours.
    #[inline]
    pub fn push(&mut self, out: &mut Vec<u8>, time: Span) {
        if time.millis() != self.millis {
            self.millis = time.millis();
            self.start = hours_text(&mut self.text, time);
        }
        out.extend_from_slice(&self.text[self.start..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng as _, SeedableRng as _};

    fn fixed(value: f64, decimals: u32) -> String {
        let mut out = Vec::new();
        push_fixed(&mut out, value, decimals);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn integers_read_as_fmt_writes_them() {
        for n in [0, 1, 9, 10, 99, 100, 12_345, u64::MAX] {
            let mut out = Vec::new();
            push_uint(&mut out, n);
            assert_eq!(String::from_utf8(out).unwrap(), n.to_string());
        }
    }

    /// Against `fmt` on random values of every magnitude the files hold, on decimal halves (which
    /// binary cannot hold exactly, so they round either way), on exact binary ties (1/32 to four
    /// decimals is 312.5 ten-thousandths: to even) and on values the fast path leaves to `fmt`.
    #[test]
    fn fixed_decimals_are_the_bytes_fmt_writes() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
        let mut values: Vec<f64> = Vec::new();
        for _ in 0..200_000 {
            let magnitude = 10f64.powi(rng.random_range(-6..10));
            values.push(rng.random::<f64>() * magnitude);
        }
        for k in 0..20_000u32 {
            values.push(f64::from(2 * k + 1) / 20_000.0);
            values.push(f64::from(2 * k + 1) / 2_000_000.0);
        }
        values.extend([
            0.0,
            -0.0,
            1.0 / 32.0,
            3.0 / 32.0,
            0.5,
            2.5,
            1e-9,
            1e12,
            1e300,
            -1.5,
            f64::NAN,
            f64::INFINITY,
            0.99995,
            0.999_949_999_999_999_9,
            0.000_049_999_999_999,
        ]);
        for value in values {
            for decimals in [0, 4, 6, 7] {
                assert_eq!(
                    fixed(value, decimals),
                    format!("{value:.*}", decimals as usize),
                    "{value:e} to {decimals} decimals"
                );
            }
        }
    }

    #[test]
    fn hours_round_half_up_from_milliseconds() {
        let hours = |millis: u64| {
            let mut out = Vec::new();
            HoursCache::default().push(&mut out, Span::from_millis(millis));
            String::from_utf8(out).unwrap()
        };
        let reference = |millis: u64| {
            let micro = (u128::from(millis) * 10 + 18) / 36;
            format!("{}.{:06}", micro / 1_000_000, micro % 1_000_000)
        };
        for millis in [
            0,
            1,
            2,
            17,
            18,
            3_599_999,
            3_600_000,
            86_400_000,
            u64::MAX / 10,
            u64::MAX,
        ] {
            assert_eq!(hours(millis), reference(millis), "{millis} ms");
        }
        // By hand: half a micro-hour rounds up, and away from ties the float formatting agrees.
        assert_eq!(hours(5_400_000), "1.500000");
        assert_eq!(hours(1), "0.000000", "0.28 micro-hours rounds down");
        assert_eq!(hours(9), "0.000003", "2.5 micro-hours rounds half up");
        assert_eq!(hours(123_456_789), "34.293553");
        for ms in [7u64, 1_234, 86_399_999, 4_000_000_000] {
            assert_eq!(
                hours(ms),
                format!("{:.6}", ms as f64 / 3_600_000.0),
                "{ms} ms"
            );
        }
        // One cache through random times of every magnitude, each often repeated, as a truck's
        // times are: a repeat copies the text, a new time writes it.
        let mut rng = rand_pcg::Pcg64::seed_from_u64(11);
        let mut cache = HoursCache::default();
        let mut millis = 0u64;
        for _ in 0..100_000 {
            if rng.random_bool(0.6) {
                let digits = rng.random_range(1..20);
                millis = rng.random_range(0..10u64.pow(digits));
            }
            // After other text, as in a row.
            let mut out = b"7,".to_vec();
            cache.push(&mut out, Span::from_millis(millis));
            assert_eq!(
                String::from_utf8(out).unwrap(),
                format!("7,{}", reference(millis)),
                "{millis} ms"
            );
        }
    }

    #[test]
    fn zero_padded_integers_read_as_fmt_writes_them() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(5);
        for _ in 0..100_000 {
            let digits = rng.random_range(1..20);
            let n = rng.random_range(0..10u64.pow(digits));
            let width = rng.random_range(1..=20);
            let mut out = Vec::new();
            push_padded(&mut out, n, width);
            assert_eq!(String::from_utf8(out).unwrap(), format!("{n:0width$}"));
        }
    }
}
