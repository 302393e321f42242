//! Small time-text helpers shared by the parsers.

use uctriage_core::jiff::civil::{Date, DateTime, Time};

/// Month number (1-12) from an English month name or its three-letter abbreviation.
///
/// ```
/// use uctriage_formats::month_from_abbrev;
/// assert_eq!(month_from_abbrev(" JULY "), Some(7));
/// assert_eq!(month_from_abbrev("dec"), Some(12));
/// assert_eq!(month_from_abbrev("Ju"), None);
/// assert_eq!(month_from_abbrev("Jux"), None);
/// ```
pub fn month_from_abbrev(s: &str) -> Option<i8> {
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let head = s.trim().as_bytes().get(..3)?;
    let pos = NAMES
        .iter()
        .position(|m| head.eq_ignore_ascii_case(m.as_bytes()))?;
    Some(pos as i8 + 1)
}

/// `H:MM:SS`, optionally followed by `.fff` or `:fff` (1 to 9 fraction digits).
///
/// ```
/// use uctriage_formats::parse_hms;
/// let t = parse_hms("12:33:19:564").unwrap();
/// assert_eq!((t.hour(), t.second(), t.millisecond()), (12, 19, 564));
/// assert!(parse_hms("25:00:00").is_none());
/// ```
pub fn parse_hms(s: &str) -> Option<Time> {
    const POW10: [i32; 10] = [
        1,
        10,
        100,
        1_000,
        10_000,
        100_000,
        1_000_000,
        10_000_000,
        100_000_000,
        1_000_000_000,
    ];
    let b = s.as_bytes();
    let d = |i: usize| {
        b.get(i)
            .filter(|c| c.is_ascii_digit())
            .map(|c| i32::from(c - b'0'))
    };
    let (h, i) = match (d(0)?, d(1)) {
        (h0, Some(h1)) => (h0 * 10 + h1, 2),
        (h0, None) => (h0, 1),
    };
    if b.get(i) != Some(&b':') || b.get(i + 3) != Some(&b':') {
        return None;
    }
    let m = d(i + 1)? * 10 + d(i + 2)?;
    let sec = d(i + 4)? * 10 + d(i + 5)?;
    let nanos = match b[i + 6..].split_first() {
        None => 0,
        Some((b'.' | b':' | b',', f))
            if (1..=9).contains(&f.len()) && f.iter().all(u8::is_ascii_digit) =>
        {
            let v = f.iter().fold(0, |acc, c| acc * 10 + i32::from(c - b'0'));
            v * POW10[9 - f.len()]
        }
        Some(_) => return None,
    };
    Time::new(h as i8, m as i8, sec as i8, nanos).ok()
}

/// A date from year, month, day numbers, if it exists in the calendar.
pub(crate) fn ymd(y: i64, m: i64, d: i64) -> Option<Date> {
    Date::new(
        i16::try_from(y).ok()?,
        i8::try_from(m).ok()?,
        i8::try_from(d).ok()?,
    )
    .ok()
}

/// `Fri Jul 12 12:33:47 2019` or `Tue Aug  1 15:10:52 IST 2023` (the zone
/// abbreviation, if any, is returned but never trusted for the offset).
pub(crate) fn parse_ctime(s: &str) -> Option<(DateTime, Option<&str>)> {
    // Only the first six words can matter.
    let mut words = [""; 6];
    let n = words
        .iter_mut()
        .zip(s.split_whitespace())
        .map(|(w, t)| *w = t)
        .count();
    let (mon, day, time, rest) = match &words[..n] {
        [_dow, mon, day, time, rest @ ..] if month_from_abbrev(mon).is_some() => {
            (mon, day, time, rest)
        }
        [mon, day, time, rest @ ..] => (mon, day, time, rest),
        _ => return None,
    };
    let month = month_from_abbrev(mon)?;
    let day: i64 = day.trim_end_matches(',').parse().ok()?;
    let time = parse_hms(time)?;
    let (zone, year) = match rest {
        [year, ..] if year.parse::<i64>().is_ok() => (None, year.parse::<i64>().ok()?),
        [zone, year, ..] => (Some(*zone), year.parse::<i64>().ok()?),
        _ => return None,
    };
    Some((ymd(year, month as i64, day)?.to_datetime(time), zone))
}

/// `July 12, 2019` or `February 8, 2007`.
pub(crate) fn parse_long_date(s: &str) -> Option<Date> {
    let toks: Vec<&str> = s.split_whitespace().collect();
    let [mon, day, year] = toks.as_slice() else {
        return None;
    };
    let month = month_from_abbrev(mon)?;
    ymd(
        year.parse().ok()?,
        month as i64,
        day.trim_end_matches(',').parse().ok()?,
    )
}

/// `2019-07-12 12:35:58` (also `2019/07/12`, and a `T` separator).
pub(crate) fn parse_ymd_hms(s: &str) -> Option<DateTime> {
    let s = s.trim();
    // The date must be ASCII: a multi-byte character before byte 11 would make
    // the slices below cut through it.
    if s.len() < 19 || !s.as_bytes()[..11].is_ascii() {
        return None;
    }
    let (d, t) = (&s[..10], &s[11..]);
    let sep = s.as_bytes()[10];
    if sep != b' ' && sep != b'T' {
        return None;
    }
    let parts: Vec<&str> = d.split(['-', '/']).collect();
    let [y, m, dd] = parts.as_slice() else {
        return None;
    };
    let date = ymd(y.parse().ok()?, m.parse().ok()?, dd.parse().ok()?)?;
    Some(date.to_datetime(parse_hms(t)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctime_with_and_without_zone() {
        let (dt, z) = parse_ctime("Fri Jul 12 12:33:47 2019").unwrap();
        assert_eq!(dt.to_string(), "2019-07-12T12:33:47");
        assert_eq!(z, None);
        let (dt, z) = parse_ctime("Tue Aug  1 15:10:52 IST 2023").unwrap();
        assert_eq!(dt.to_string(), "2023-08-01T15:10:52");
        assert_eq!(z, Some("IST"));
        assert!(parse_ctime("Fri Feb 30 12:00:00 2019").is_none());
    }

    #[test]
    fn long_dates_and_iso() {
        assert_eq!(
            parse_long_date("July 12, 2019").unwrap().to_string(),
            "2019-07-12"
        );
        assert_eq!(
            parse_ymd_hms("2019-02-23 03:24:16").unwrap().to_string(),
            "2019-02-23T03:24:16"
        );
        assert!(parse_ymd_hms("2019-13-23 03:24:16").is_none());
        assert!(parse_ymd_hms("2019-02-2é 03:24:16").is_none());
        assert!(parse_ymd_hms("2019-02-23é03:24:16").is_none());
    }

    #[test]
    fn fractions_of_any_width() {
        assert_eq!(parse_hms("10:00:00.19").unwrap().millisecond(), 190);
        assert_eq!(parse_hms("1:02:03").unwrap().hour(), 1);
        assert!(parse_hms("12:33").is_none());
        assert!(parse_hms("12:33:19x").is_none());
        assert_eq!(
            parse_hms("12:33:19,123456789").unwrap().subsec_nanosecond(),
            123_456_789
        );
        for bad in [
            "",
            "1",
            "123:00:00",
            "12:3:00",
            "12:33:1",
            "12:33:190",
            "12:33:19.",
            "12:33:19.1234567890",
            "12:33:19.5x",
            "24:00:00",
            "12:60:00",
            ":12:00",
        ] {
            assert!(parse_hms(bad).is_none(), "{bad}");
        }
    }
}
