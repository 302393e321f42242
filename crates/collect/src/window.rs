//! The collection window: `--since` / `--until` in the same forms as
//! `uctriage timeline` (RFC 3339, or `YYYY-MM-DD HH:MM[:SS]` read in the
//! cluster's zone), the last two hours by default.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

/// A resolved window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// Start.
    pub from: Timestamp,
    /// End.
    pub until: Timestamp,
}

/// Parse one end: RFC 3339 (absolute), or a local date and time in `zone`.
pub fn parse_time(s: &str, zone: &TimeZone) -> Result<Timestamp, String> {
    let s = s.trim();
    if let Ok(ts) = s.parse::<Timestamp>() {
        return Ok(ts);
    }
    let dt: DateTime = s.replacen(' ', "T", 1).parse().map_err(|_| {
        format!(
            "`{s}` is not a time: use RFC 3339 (2019-07-12T17:30:00Z) or `YYYY-MM-DD HH:MM[:SS]`"
        )
    })?;
    zone.to_timestamp(dt).map_err(|e| format!("`{s}`: {e}"))
}

/// Whether a time is written with its own offset (so no zone is needed to read it).
pub fn is_absolute(s: &str) -> bool {
    s.trim().parse::<Timestamp>().is_ok()
}

/// Resolve `--since` / `--until` (defaults: `until` now, `since` two hours before `until`).
pub fn resolve(
    since: Option<&str>,
    until: Option<&str>,
    zone: &TimeZone,
    now: Timestamp,
) -> Result<Window, String> {
    let until = match until {
        Some(s) => parse_time(s, zone)?,
        None => now,
    };
    let from = match since {
        Some(s) => parse_time(s, zone)?,
        None => until
            .checked_sub(2.hours())
            .map_err(|e| format!("window: {e}"))?,
    };
    if from > until {
        return Err(format!("--since ({from}) is after --until ({until})"));
    }
    Ok(Window { from, until })
}

/// A time as DIME `selectLogFiles` takes it: `MM/DD/YY hh:mm AM` in `zone`,
/// rounded outwards to the minute (`up` for the end of a window).
pub fn dime_time(t: Timestamp, zone: &TimeZone, up: bool) -> String {
    let z = t.to_zoned_datetime(zone.clone());
    let mut dt = z.datetime();
    let partial = dt.second() != 0 || dt.subsec_nanosecond() != 0;
    dt = dt
        .with()
        .second(0)
        .subsec_nanosecond(0)
        .build()
        .unwrap_or(dt);
    if up && partial {
        dt = dt.checked_add(1.minute()).unwrap_or(dt);
    }
    let (h12, ampm) = match dt.hour() {
        0 => (12, "AM"),
        h @ 1..=11 => (h, "AM"),
        12 => (12, "PM"),
        h => (h - 12, "PM"),
    };
    format!(
        "{:02}/{:02}/{:02} {}:{:02} {}",
        dt.month(),
        dt.day(),
        dt.year() % 100,
        h12,
        dt.minute(),
        ampm
    )
}

/// The zone as DIME `selectLogFiles` takes it: `Client: (GMT-5:0)America/Chicago`
/// (the offset is the one in force at `at`).
pub fn dime_zone(zone: &TimeZone, name: &str, at: Timestamp) -> String {
    let secs = zone.to_offset(at).seconds();
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.abs();
    format!("Client: (GMT{sign}{}:{})", a / 3600, a % 3600 / 60) + name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_are_read_in_the_cluster_zone() {
        let chicago = jiff::tz::db().get("America/Chicago").unwrap();
        let t = parse_time("2019-07-12 12:35", &chicago).unwrap();
        assert_eq!(t.to_string(), "2019-07-12T17:35:00Z");
        let t = parse_time("2019-07-12T17:35:00Z", &chicago).unwrap();
        assert_eq!(t.to_string(), "2019-07-12T17:35:00Z");
        assert!(parse_time("yesterday", &chicago).is_err());
    }

    #[test]
    fn the_default_window_is_the_last_two_hours() {
        let now: Timestamp = "2019-07-12T18:00:00Z".parse().unwrap();
        let w = resolve(None, None, &TimeZone::UTC, now).unwrap();
        assert_eq!(w.from.to_string(), "2019-07-12T16:00:00Z");
        assert!(resolve(
            Some("2019-07-13 00:00"),
            Some("2019-07-12 00:00"),
            &TimeZone::UTC,
            now
        )
        .is_err());
    }

    #[test]
    fn dime_times_round_outwards_in_twelve_hour_form() {
        let chicago = jiff::tz::db().get("America/Chicago").unwrap();
        let t: Timestamp = "2019-07-12T17:35:30Z".parse().unwrap();
        assert_eq!(dime_time(t, &chicago, false), "07/12/19 12:35 PM");
        assert_eq!(dime_time(t, &chicago, true), "07/12/19 12:36 PM");
        assert_eq!(
            dime_zone(&chicago, "America/Chicago", t),
            "Client: (GMT-5:0)America/Chicago"
        );
    }
}
