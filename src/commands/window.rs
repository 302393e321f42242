//! `--since` / `--until`: absolute times, civil times in the shown zone, or
//! durations counted back from the bundle's last event.
//!
//! A relative time never reads this machine's clock: an analysis of a
//! bundle collected last year must give the same answer today and next
//! week, and "the last two hours" of a bundle means the two hours before
//! its last record. The anchor is the latest instant any file's records
//! carry (every record, not only the events kept), so `timeline --all`,
//! `timeline` and `analyze` count from the same instant.

use crate::args::WindowArgs;
use anyhow::{bail, Result};
use uctriage_core::jiff::civil::{Date, DateTime, Time};
use uctriage_core::jiff::fmt::friendly::SpanPrinter;
use uctriage_core::jiff::tz::TimeZone;
use uctriage_core::jiff::{SignedDuration, Span, SpanRelativeTo, Timestamp};
use uctriage_engine::Bundle;
use uctriage_report::TimeStyle;

/// A resolved time window.
#[derive(Debug, Default)]
pub struct Window {
    /// Earliest instant kept.
    pub since: Option<Timestamp>,
    /// Latest instant kept.
    pub until: Option<Timestamp>,
    /// How each relative bound was resolved, for the report's notes.
    pub explained: Vec<String>,
}

impl Window {
    /// Resolve `--since` / `--until` for `bundle`, civil times in `style`'s zone.
    pub fn new(a: &WindowArgs, bundle: &Bundle, style: &TimeStyle) -> Result<Window> {
        let anchor = bundle.files.iter().filter_map(|f| f.last).max();
        let mut w = Window::default();
        for (flag, given, slot) in [
            ("--since", &a.since, &mut w.since),
            ("--until", &a.until, &mut w.until),
        ] {
            let Some(s) = given else { continue };
            match parse_when(s, &style.tz, anchor)? {
                When::At(t) => *slot = Some(t),
                When::Before(d, last) => {
                    let t = last.checked_sub(d)?;
                    w.explained.push(format!(
                        "{flag} {s} = {} ({} before the bundle's last record, {}; relative times count from the bundle, not from this machine's clock)",
                        style.show(t),
                        SpanPrinter::new().duration_to_string(&d),
                        style.show(last)
                    ));
                    *slot = Some(t);
                }
            }
        }
        if let (Some(s), Some(u)) = (w.since, w.until) {
            if s > u {
                bail!(
                    "--since ({}) is after --until ({})",
                    style.show(s),
                    style.show(u)
                );
            }
        }
        Ok(w)
    }

    /// Whether an event at `t` (None: no time) is inside. Undated events are
    /// outside as soon as a bound is set.
    pub fn keeps(&self, t: Option<Timestamp>) -> bool {
        self.span().contains(t)
    }

    /// The window as the events on disk are read by.
    pub fn span(&self) -> uctriage_spill::Span {
        uctriage_spill::Span {
            since: self.since,
            until: self.until,
        }
    }

    /// Whether a bound is set.
    pub fn is_set(&self) -> bool {
        self.since.is_some() || self.until.is_some()
    }
}

/// A parsed `--since` / `--until` value.
#[derive(Debug, PartialEq)]
enum When {
    /// An instant.
    At(Timestamp),
    /// A duration before the bundle's last record (which is given).
    Before(SignedDuration, Timestamp),
}

/// RFC 3339, a civil `YYYY-MM-DD[ HH:MM[:SS]]` in `tz`, or `-DURATION`
/// before `anchor`.
fn parse_when(s: &str, tz: &TimeZone, anchor: Option<Timestamp>) -> Result<When> {
    let t = s.trim();
    if let Some(rest) = t.strip_prefix('-') {
        if rest.starts_with(|c: char| c.is_ascii_digit()) {
            // Days count as 24 hours (and weeks as 7 days): a bundle's end
            // is an instant, not a calendar date.
            let d: SignedDuration = match rest
                .parse::<Span>()
                .and_then(|sp| sp.to_duration(SpanRelativeTo::days_are_24_hours()))
            {
                Ok(d) => d,
                Err(_) => bail!("`{s}` is not a duration: use e.g. -2h, -90m, -1h30m, -45s, -1d"),
            };
            if d.is_negative() || d.is_zero() {
                bail!("`{s}`: the duration must be more than zero");
            }
            let Some(last) = anchor else {
                bail!("`{s}` counts back from the bundle's last record, but no record has a time");
            };
            return Ok(When::Before(d, last));
        }
    }
    if let Ok(ts) = t.parse::<Timestamp>() {
        return Ok(When::At(ts));
    }
    let civil = t.replace(' ', "T");
    let dt: DateTime = match civil.parse() {
        Ok(dt) => dt,
        Err(_) => match civil.parse::<Date>() {
            Ok(d) => d.to_datetime(Time::midnight()),
            Err(_) => bail!(
                "`{s}` is not a time: use RFC 3339, `YYYY-MM-DD HH:MM[:SS]` or a duration before the bundle's end such as -2h"
            ),
        },
    };
    Ok(When::At(tz.to_ambiguous_timestamp(dt).compatible()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chicago() -> TimeZone {
        TimeZone::get("America/Chicago").unwrap()
    }

    #[test]
    fn durations_count_back_from_the_anchor_not_the_clock() {
        let last: Timestamp = "2019-07-12T18:00:00Z".parse().unwrap();
        for (s, secs) in [
            ("-2h", 7200),
            ("-90m", 5400),
            ("-1h30m", 5400),
            ("-45s", 45),
            ("-1d", 86400),
        ] {
            match parse_when(s, &chicago(), Some(last)).unwrap() {
                When::Before(d, a) => {
                    assert_eq!(d.as_secs(), secs, "{s}");
                    assert_eq!(a, last);
                }
                other => panic!("{s}: {other:?}"),
            }
        }
        assert!(parse_when("-2h", &chicago(), None).is_err(), "no anchor");
        assert!(parse_when("-2x", &chicago(), Some(last)).is_err());
        assert!(parse_when("-0s", &chicago(), Some(last)).is_err());
    }

    #[test]
    fn civil_times_are_read_in_the_shown_zone() {
        let w = parse_when("2019-07-12 12:33", &chicago(), None).unwrap();
        assert_eq!(w, When::At("2019-07-12T17:33:00Z".parse().unwrap()));
        let w = parse_when("2019-07-12T17:33:00Z", &chicago(), None).unwrap();
        assert_eq!(w, When::At("2019-07-12T17:33:00Z".parse().unwrap()));
        assert!(parse_when("yesterday", &chicago(), None).is_err());
    }
}
