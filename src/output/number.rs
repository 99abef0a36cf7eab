//! Numbers written into the large CSV files (trucks.csv, queues.csv) without `fmt`: the same
//! bytes as `{}` and `{:.N}` give, several times faster, since those files are most of what a long
//! run with records spends.

use std::io::Write as _;

use crate::engine::Span;

/// Appends `n` in decimal, as `{}` writes it.
pub fn push_uint(out: &mut Vec<u8>, n: u64) {
    push_padded(out, n, 1);
}

/// Appends `n` with at least `width` (1 to 20) digits, zeros in front, as `{:0width$}` writes it.
fn push_padded(out: &mut Vec<u8>, n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut rest = n;
    let mut start = digits.len();
    while rest > 0 {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    start = start.min(digits.len() - width);
    push_short(out, &digits[start..]);
}

/// Appends a few bytes a byte at a time: for the handful of digits of a number, cheaper than the
/// call to `memcpy` that `extend_from_slice` makes.
#[inline]
fn push_short(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len());
    for &byte in bytes {
        out.push(byte);
    }
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

/// Appends a time as hours with six decimals (3.6 ms resolution), rounded half up from the exact
/// integer milliseconds: no float formatting, so it is fast and the same on every platform.
pub fn push_hours(out: &mut Vec<u8>, time: Span) {
    let millis = time.millis();
    let micro_hours = match millis.checked_mul(10).and_then(|m| m.checked_add(18)) {
        Some(tenths) => u128::from(tenths / 36),
        None => (u128::from(millis) * 10 + 18) / 36,
    };
    // Below 2^64 micro-hours for any u64 of milliseconds (10 / 36 < 1).
    let micro_hours = micro_hours as u64;
    push_uint(out, micro_hours / 1_000_000);
    out.push(b'.');
    push_padded(out, micro_hours % 1_000_000, 6);
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
            push_hours(&mut out, Span::from_millis(millis));
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
    }
}
