//! Quantities as planners write them: durations with units, times of day, rates, dates.

use crate::engine::Span;

/// Parses "90 s", "12 min", "3 h", "2 d", "1.5 h" (the space is optional), several of them
/// added up ("1 h 30 min"), and hours and minutes "1:30" (or "1:30:15" with seconds).
pub(crate) fn duration(text: &str) -> Result<Span, String> {
    let bad = || {
        format!("expected a duration with a unit such as \"90 s\", \"12 min\", \"1 h 30 min\", \"1:30\" or \"2 d\", got \"{text}\"")
    };
    let trimmed = text.trim();
    let ms = if trimmed.contains(':') {
        clock_duration(trimmed).ok_or_else(bad)?
    } else {
        let mut total = 0.0;
        let mut rest = trimmed;
        if rest.is_empty() {
            return Err(bad());
        }
        while !rest.is_empty() {
            let (value, unit_ms, after) = one_duration(rest).ok_or_else(bad)?;
            if !value.is_finite() || value < 0.0 {
                return Err(format!("must be a finite duration >= 0, got \"{text}\""));
            }
            total += value * unit_ms;
            rest = after.trim_start();
        }
        total
    };
    if ms > 1e15 {
        return Err(format!("is too long, got \"{text}\""));
    }
    Ok(Span::from_millis_f64(ms))
}

/// The first "number unit" of `text`: its number, the unit's milliseconds and what follows. The
/// unit is the letters after the number, so that "1e300 h" reads as 1e300 hours.
fn one_duration(text: &str) -> Option<(f64, f64, &str)> {
    let bytes = text.as_bytes();
    let mut end = 0;
    while end < bytes.len() {
        let c = bytes[end];
        let exponent = matches!(c, b'e' | b'E')
            && end > 0
            && bytes
                .get(end + 1)
                .is_some_and(|next| next.is_ascii_digit() || matches!(next, b'+' | b'-'));
        if c.is_ascii_digit() || matches!(c, b'.' | b'+' | b'-') || exponent {
            end += 1;
        } else {
            break;
        }
    }
    // A number spelt in letters ("nan min", "inf h") ends at the space before its unit: read so
    // that it is refused as not finite rather than as not a duration.
    if !text[..end].bytes().any(|b| b.is_ascii_digit()) {
        end = text.find(char::is_whitespace)?;
    }
    let value: f64 = text[..end].parse().ok()?;
    let after_number = text[end..].trim_start();
    let letters = after_number
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(after_number.len());
    let (unit, after) = after_number.split_at(letters);
    let unit_ms = match unit {
        "ms" => 1.0,
        "s" | "sec" | "secs" | "second" | "seconds" => 1_000.0,
        "min" | "mins" | "minute" | "minutes" => 60_000.0,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600_000.0,
        "d" | "day" | "days" => 86_400_000.0,
        "w" | "week" | "weeks" => 604_800_000.0,
        _ => return None,
    };
    Some((value, unit_ms, after))
}

/// "1:30" (hours and minutes) or "1:30:15" (and seconds): whole numbers, minutes and seconds
/// below 60; in milliseconds.
fn clock_duration(text: &str) -> Option<f64> {
    let parts: Vec<&str> = text.split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|part| part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let numbers: Vec<u64> = parts
        .iter()
        .map(|part| part.parse().ok())
        .collect::<Option<_>>()?;
    if numbers[1..].iter().any(|&n| n >= 60) {
        return None;
    }
    let seconds = numbers.get(2).copied().unwrap_or(0);
    Some((numbers[0] as f64 * 3600.0 + numbers[1] as f64 * 60.0 + seconds as f64) * 1000.0)
}

/// Parses a probability: a number within [0, 1] is given as is, a percentage "7%" as 0.07.
pub(crate) fn percentage(text: &str) -> Option<f64> {
    let number: f64 = text.trim().strip_suffix('%')?.trim().parse().ok()?;
    number.is_finite().then_some(number / 100.0)
}

/// Milliseconds per unit of a rate's time unit: "trucks per hour" → one hour.
pub(crate) fn rate_unit(text: &str) -> Result<f64, String> {
    let unit = text.trim();
    let per = unit
        .strip_prefix("trucks per ")
        .or_else(|| unit.strip_prefix("trucks/"))
        .ok_or_else(|| format!("expected \"trucks per hour\", \"trucks per day\" or \"trucks per minute\", got \"{text}\""))?;
    match per.trim() {
        "minute" | "min" => Ok(60_000.0),
        "hour" | "h" => Ok(3_600_000.0),
        "day" | "d" => Ok(86_400_000.0),
        _ => Err(format!("expected \"trucks per hour\", \"trucks per day\" or \"trucks per minute\", got \"{text}\"")),
    }
}

/// The highest arrival rate a scenario may name: ten thousand times a busy land port.
pub(crate) const MAX_TRUCKS_PER_HOUR: f64 = 100_000.0;

/// Parses "16 trucks per hour" into trucks per millisecond.
pub(crate) fn rate(text: &str) -> Result<f64, String> {
    let trimmed = text.trim();
    let bad = || format!("expected a rate such as \"16 trucks per hour\", got \"{text}\"");
    let (number, unit) = trimmed.split_once(char::is_whitespace).ok_or_else(bad)?;
    let value: f64 = number.parse().map_err(|_| bad())?;
    let per_ms = rate_unit(unit).map_err(|_| bad())?;
    if !value.is_finite() || value <= 0.0 {
        return Err(format!("must be a finite rate > 0, got \"{text}\""));
    }
    let per_hour = value / per_ms * 3_600_000.0;
    if per_hour > MAX_TRUCKS_PER_HOUR {
        return Err(format!(
            "{per_hour:.3e} trucks per hour is beyond any port: at most {MAX_TRUCKS_PER_HOUR} \
trucks per hour, got \"{text}\""
        ));
    }
    Ok(value / per_ms)
}

/// Parses a time of day "08:00" (or "24:00" for the end of the day).
pub(crate) fn time_of_day(text: &str) -> Result<Span, String> {
    let bad = || format!("expected a time of day such as \"08:00\", got \"{text}\"");
    let (hours, minutes) = text.trim().split_once(':').ok_or_else(bad)?;
    let hours: u64 = hours.parse().map_err(|_| bad())?;
    let minutes: u64 = minutes.parse().map_err(|_| bad())?;
    if minutes >= 60 || hours > 24 || (hours == 24 && minutes > 0) {
        return Err(bad());
    }
    Ok(Span::HOUR * hours + Span::MINUTE * minutes)
}

/// The longest range of dates a closure may name: ten years.
pub(crate) const MAX_CLOSED_DAYS: i64 = 3_660;

/// Parses a date "2025-05-01" or an inclusive range of dates "2025-05-01..2025-05-05" into the
/// first and last day (days since 1970-01-01).
pub(crate) fn date_range(text: &str) -> Result<(i64, i64), String> {
    let Some((first, last)) = text.split_once("..") else {
        let day = date(text)?;
        return Ok((day, day));
    };
    let (first, last) = (date(first)?, date(last)?);
    if last < first {
        return Err(format!(
            "a range of dates runs forwards: \"{text}\" ends before it starts"
        ));
    }
    if last - first >= MAX_CLOSED_DAYS {
        return Err(format!(
            "a range of dates is at most {MAX_CLOSED_DAYS} days, got \"{text}\""
        ));
    }
    Ok((first, last))
}

/// Parses a weekday "mon" or a range of weekdays "mon-fri" (wrapping past Sunday: "fri-mon")
/// into weekday numbers (Monday 0).
pub(crate) fn weekdays(text: &str) -> Result<Vec<usize>, String> {
    let Some((first, last)) = text.split_once('-') else {
        return Ok(vec![weekday(text)?]);
    };
    let bad = |message: String| format!("{message} (a range of weekdays is written \"mon-fri\")");
    let (first, last) = (weekday(first).map_err(bad)?, weekday(last).map_err(bad)?);
    let count = (last + 7 - first) % 7 + 1;
    Ok((0..count).map(|k| (first + k) % 7).collect())
}

/// Parses a time zone against UTC, "+08:00" or "-03:30", into minutes (−12:00 to +14:00).
pub(crate) fn time_zone(text: &str) -> Result<i64, String> {
    let bad = || {
        format!("expected a time zone against UTC such as \"+08:00\" or \"-03:30\", got \"{text}\"")
    };
    let text = text.trim();
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+') => (1, &text[1..]),
        Some(b'-') => (-1, &text[1..]),
        _ => return Err(bad()),
    };
    let (hours, minutes) = rest.split_once(':').ok_or_else(bad)?;
    if hours.len() != 2 || minutes.len() != 2 {
        return Err(bad());
    }
    let hours: i64 = hours.parse().map_err(|_| bad())?;
    let minutes: i64 = minutes.parse().map_err(|_| bad())?;
    let offset = sign * (hours * 60 + minutes);
    if minutes >= 60 || !(-12 * 60..=14 * 60).contains(&offset) {
        return Err(bad());
    }
    Ok(offset)
}

/// Parses an ISO date "2025-10-01" into days since 1970-01-01.
pub(crate) fn date(text: &str) -> Result<i64, String> {
    let bad = || format!("expected a date such as \"2025-10-01\", got \"{text}\"");
    let mut parts = text.trim().splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let year: i64 = y.parse().map_err(|_| bad())?;
    let month: u32 = m.parse().map_err(|_| bad())?;
    let day: u32 = d.parse().map_err(|_| bad())?;
    if !(1..=12).contains(&month) || !(1900..=2200).contains(&year) {
        return Err(bad());
    }
    // The month's length from the one calendar function: leap years follow from it.
    let (next_year, next_month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    let first = crate::model::days_from_civil(year, month, 1);
    let days_in_month = crate::model::days_from_civil(next_year, next_month, 1) - first;
    if !(1..=days_in_month).contains(&i64::from(day)) {
        return Err(bad());
    }
    Ok(crate::model::days_from_civil(year, month, day))
}

/// Parses a weekday name ("mon" or "monday", any case) into Monday = 0.
pub(crate) fn weekday(text: &str) -> Result<usize, String> {
    let lower = text.trim().to_ascii_lowercase();
    let names = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    names
        .iter()
        .position(|name| lower == *name || lower == name[..3])
        .ok_or_else(|| format!("expected a weekday such as \"mon\" or \"sun\", got \"{text}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration("90 s"), Ok(Span::SECOND * 90));
        assert_eq!(duration("12 min"), Ok(Span::MINUTE * 12));
        assert_eq!(duration("3h"), Ok(Span::HOUR * 3));
        assert_eq!(duration("2 d"), Ok(Span::DAY * 2));
        assert_eq!(duration("1.5 hours"), Ok(Span::MINUTE * 90));
        assert!(duration("5").is_err());
        assert!(duration("5 parsecs").is_err());
        // Exponents are numbers, not units: the unit is the letters at the end.
        assert_eq!(duration("1.5e1 min"), Ok(Span::MINUTE * 15));
        assert_eq!(
            duration("1e300 h"),
            Err("is too long, got \"1e300 h\"".into())
        );
        assert_eq!(duration("1e-300 s"), Ok(Span::ZERO));
        assert!(duration("h").is_err() && duration("3e").is_err());
        assert!(duration("-1 h").is_err());
    }

    /// Durations as planners write them: parts added up, plural abbreviations, hours:minutes.
    #[test]
    fn durations_in_several_parts_and_on_the_clock() {
        assert_eq!(duration("1 h 30 min"), Ok(Span::MINUTE * 90));
        assert_eq!(duration("1h30min"), Ok(Span::MINUTE * 90));
        assert_eq!(
            duration("2 d 3 h 4 min 5 s"),
            Ok(Span::DAY * 2 + Span::HOUR * 3 + Span::MINUTE * 4 + Span::SECOND * 5)
        );
        assert_eq!(duration("5 mins"), Ok(Span::MINUTE * 5));
        assert_eq!(duration("5 hrs"), Ok(Span::HOUR * 5));
        assert_eq!(duration("20 secs"), Ok(Span::SECOND * 20));
        assert_eq!(duration("1:30"), Ok(Span::MINUTE * 90));
        assert_eq!(duration("0:45"), Ok(Span::MINUTE * 45));
        assert_eq!(
            duration("26:00"),
            Ok(Span::HOUR * 26),
            "a duration, not a time of day"
        );
        assert_eq!(
            duration("1:30:15"),
            Ok(Span::MINUTE * 90 + Span::SECOND * 15)
        );
        for bad in [
            "1 h 30",
            "1:75",
            "1:30:60",
            ":30",
            "1:",
            "1::30",
            "1.5:30",
            "1 h -30 min",
            "h 1",
        ] {
            assert!(duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn percentages_are_probabilities() {
        assert_eq!(percentage("7%"), Some(0.07));
        assert_eq!(percentage(" 12.5 % "), Some(0.125));
        assert_eq!(percentage("7"), None);
        assert_eq!(percentage("x%"), None);
    }

    #[test]
    fn rates_times_dates() {
        let per_hour = rate("36 trucks per hour").unwrap();
        assert!((per_hour * 3_600_000.0 - 36.0).abs() < 1e-9);
        assert!(rate("36").is_err());
        assert!(rate("0 trucks per hour").is_err());
        assert_eq!(time_of_day("08:30"), Ok(Span::HOUR * 8 + Span::MINUTE * 30));
        assert_eq!(time_of_day("24:00"), Ok(Span::DAY));
        assert!(time_of_day("25:00").is_err());
        assert_eq!(date("1970-01-02"), Ok(1));
        assert!(date("2025-02-29").is_err());
        // Leap years by the Gregorian rule: every 4th, not every 100th, every 400th.
        assert_eq!(date("2024-02-29"), Ok(19_782));
        assert_eq!(date("2000-02-29"), Ok(11_016));
        assert!(date("2100-02-29").is_err());
        assert_eq!(date("2025-12-31"), Ok(20_453));
        assert!(date("2025-12-32").is_err() && date("2025-13-01").is_err());
        assert_eq!(weekday("Sunday"), Ok(6));
        assert_eq!(weekday("tue"), Ok(1));
        assert!(weekday("tu").is_err());
        assert!(weekday("monkey").is_err());
        assert!(
            weekday("ab€").is_err(),
            "non-ASCII input is an error, not a panic"
        );
    }
}
