//! One raw time plus a zone decision gives one absolute instant and its clock.
//!
//! The instant is computed per event; the [`Clock`] (which zone, why, how the
//! date was found) is the same for nearly every event of a file, so it is
//! spelled out once and shared ([`Clocks`]).

use crate::zones::ZoneDecision;
use std::sync::Arc;
use uctriage_core::jiff::civil::{Date, DateTime};
use uctriage_core::jiff::tz::{AmbiguousOffset, Offset, TimeZone};
use uctriage_core::jiff::Timestamp;
use uctriage_core::{Clock, DateSource, RawTime, ZoneSource};

/// A date for lines that have none, and where it came from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DateFallback {
    pub date: Date,
    pub source: DateSource,
}

/// How an event's instant was decided, before it is spelled out as a
/// [`Clock`]: small and cheap to compare.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Basis {
    /// The record has no time.
    NoTime,
    /// The line stated the instant; how.
    Stated(&'static str),
    /// The file stated the offset.
    Offset(Offset, DateSource),
    /// Local time in the host's zone.
    Local {
        date: DateSource,
        /// The year, when it was inferred from the bundle.
        year: Option<i16>,
        shift: Shift,
    },
    /// Local, but no instant can be given; why.
    Undated(&'static str),
}

impl Basis {
    /// Whether the date came from `source`.
    pub(crate) fn dated_from(self, source: DateSource) -> bool {
        matches!(self, Basis::Local { date, .. } if date == source)
    }
}

/// What a DST change did to a local time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Shift {
    None,
    /// The hour repeats: the earlier one was used.
    Fold,
    /// The time does not exist: moved forward.
    Gap,
}

/// Resolve a raw time read on a host whose zone is `zone`.
pub(crate) fn resolve(
    raw: &RawTime,
    zone: &ZoneDecision,
    fallback: Option<DateFallback>,
) -> (Option<Timestamp>, Basis) {
    match raw {
        RawTime::Unknown => (None, Basis::NoTime),
        RawTime::Absolute(ts, how) => (Some(*ts), Basis::Stated(how)),
        RawTime::WithOffset(dt, off, ds) => (off.to_timestamp(*dt).ok(), Basis::Offset(*off, *ds)),
        RawTime::Local(dt, ds) => local(*dt, *ds, zone, None),
        RawTime::LocalNoYear { month, day, time } => {
            let Some(fb) = fallback else {
                return (
                    None,
                    Basis::Undated(
                        "a month and day without a year, and no dated event in the bundle",
                    ),
                );
            };
            match date_without_year(*month, *day, fb.date) {
                Some(d) => local(d.to_datetime(*time), fb.source, zone, Some(d.year())),
                None => (None, Basis::Undated("an impossible month and day")),
            }
        }
        RawTime::TimeOfDay(t) => match fallback {
            Some(fb) => local(fb.date.to_datetime(*t), fb.source, zone, None),
            None => (None, Basis::Undated("a time of day and no date anywhere")),
        },
    }
}

/// The date of a month and day without a year, in the year that puts it
/// nearest `near`: a December line in a January bundle belongs to the year
/// before, and the reverse. None for an impossible month and day.
pub(crate) fn date_without_year(month: i8, day: i8, near: Date) -> Option<Date> {
    let mut year = near.year();
    let guess = |y: i16| Date::new(y, month, day).ok();
    if let Some(d) = guess(year) {
        if (d - near).get_days() > 183 {
            year -= 1;
        } else if (near - d).get_days() > 183 {
            year += 1;
        }
    }
    // February 29 in a year moved off a leap year: the leap year it exists
    // in is the only one it can be.
    guess(year).or_else(|| guess(near.year()))
}

fn local(
    dt: DateTime,
    date: DateSource,
    zone: &ZoneDecision,
    year: Option<i16>,
) -> (Option<Timestamp>, Basis) {
    let amb = zone.tz.to_ambiguous_timestamp(dt);
    let (ts, shift) = match amb.offset() {
        AmbiguousOffset::Unambiguous { .. } => (amb.compatible().ok(), Shift::None),
        AmbiguousOffset::Fold { .. } => (amb.earlier().ok(), Shift::Fold),
        AmbiguousOffset::Gap { .. } => (amb.compatible().ok(), Shift::Gap),
    };
    (ts, Basis::Local { date, year, shift })
}

/// Spells out clocks, reusing the previous one while the zone and the basis
/// stay the same (consecutive events of a file), so events share its strings.
#[derive(Default)]
pub(crate) struct Clocks<'z> {
    last: Option<(&'z ZoneDecision, Basis, Arc<Clock>)>,
}

impl<'z> Clocks<'z> {
    /// The clock of an event resolved on `basis` in `zone` (the last one
    /// again, shared, when it is the same).
    pub fn clock(&mut self, zone: &'z ZoneDecision, basis: Basis) -> Arc<Clock> {
        if let Some((z, b, c)) = &self.last {
            if std::ptr::eq(*z, zone) && *b == basis {
                return c.clone();
            }
        }
        let c = Arc::new(spell(zone, basis));
        self.last = Some((zone, basis, c.clone()));
        c
    }
}

fn spell(zone: &ZoneDecision, basis: Basis) -> Clock {
    let clock = |zone: &str, zone_source, date_source, detail: String| Clock {
        zone: Arc::from(zone),
        zone_source,
        date_source,
        detail: Arc::from(detail),
    };
    match basis {
        Basis::NoTime => clock(
            "",
            ZoneSource::Unknown,
            DateSource::Line,
            "the record carries no time".into(),
        ),
        Basis::Stated(how) => Clock::stated(how),
        Basis::Offset(off, ds) => clock(
            &off.to_string(),
            ZoneSource::FileHead,
            ds,
            format!("offset {off} stated in the file; {}", ds.describe()),
        ),
        Basis::Undated(why) => clock(
            &zone.zone,
            zone.source,
            DateSource::Line,
            format!("no instant: {why}"),
        ),
        Basis::Local { date, year, shift } => {
            let prefix = year
                .map(|y| match date {
                    DateSource::Hint => format!("year {y} nearest the --date hint; "),
                    _ => format!("year {y} inferred from the bundle; "),
                })
                .unwrap_or_default();
            let mut detail = format!(
                "{prefix}local time in {} ({}); {}",
                zone.zone,
                zone.detail,
                date.describe()
            );
            match shift {
                Shift::None => {}
                Shift::Fold => {
                    detail.push_str("; the hour repeats at the DST change: the earlier one is used")
                }
                Shift::Gap => {
                    detail.push_str("; this local time does not exist (DST gap): moved forward")
                }
            }
            let name = if zone.tz == TimeZone::UTC {
                "UTC"
            } else {
                zone.zone.as_str()
            };
            clock(name, zone.source, date, detail)
        }
    }
}

#[cfg(test)]
mod dst_tests {
    //! DST fold and gap: an ambiguous local time in the autumn fold takes the
    //! earlier instant, a nonexistent one in the spring gap is moved forward,
    //! and in both cases the event's clock says so.
    use super::*;
    use uctriage_core::jiff::civil::{date, time};

    fn zone(name: &str) -> ZoneDecision {
        ZoneDecision {
            zone: name.into(),
            tz: TimeZone::get(name).unwrap(),
            source: ZoneSource::Hint,
            detail: "--tz".into(),
        }
    }

    /// Resolve a local time with a full date; (instant, clock detail).
    fn at(z: &str, d: Date, t: uctriage_core::jiff::civil::Time) -> (String, String) {
        let z = zone(z);
        let (ts, basis) = resolve(&RawTime::local(d, t, DateSource::Line), &z, None);
        let clock = Clocks::default().clock(&z, basis);
        assert_eq!(clock.zone_source, ZoneSource::Hint);
        (
            ts.expect("an instant").to_string(),
            clock.detail.to_string(),
        )
    }

    const FOLD: &str = "the hour repeats at the DST change: the earlier one is used";
    const GAP: &str = "this local time does not exist (DST gap): moved forward";

    #[test]
    fn the_autumn_fold_takes_the_earlier_instant_and_says_so() {
        // London: 02:00 BST became 01:00 GMT on 2024-10-27; 01:30 happened twice.
        let (ts, detail) = at("Europe/London", date(2024, 10, 27), time(1, 30, 0, 0));
        assert_eq!(ts, "2024-10-27T00:30:00Z");
        assert!(detail.contains(FOLD), "{detail}");
        // New York: 02:00 EDT became 01:00 EST on 2024-11-03.
        let (ts, detail) = at("America/New_York", date(2024, 11, 3), time(1, 30, 0, 0));
        assert_eq!(ts, "2024-11-03T05:30:00Z");
        assert!(detail.contains(FOLD), "{detail}");
        assert!(detail.contains("America/New_York"), "{detail}");
    }

    #[test]
    fn the_spring_gap_moves_forward_and_says_so() {
        // London: 01:00 GMT became 02:00 BST on 2024-03-31; 01:30 never happened.
        let (ts, detail) = at("Europe/London", date(2024, 3, 31), time(1, 30, 0, 0));
        assert_eq!(ts, "2024-03-31T01:30:00Z");
        assert!(detail.contains(GAP), "{detail}");
        // New York: 02:00 EST became 03:00 EDT on 2024-03-10; 02:30 → 03:30 EDT.
        let (ts, detail) = at("America/New_York", date(2024, 3, 10), time(2, 30, 0, 0));
        assert_eq!(ts, "2024-03-10T07:30:00Z");
        assert!(detail.contains(GAP), "{detail}");
    }

    #[test]
    fn times_beside_the_change_are_plain() {
        for (z, d, t, want) in [
            (
                "Europe/London",
                date(2024, 10, 27),
                time(0, 59, 59, 0),
                "2024-10-26T23:59:59Z",
            ),
            (
                "Europe/London",
                date(2024, 10, 27),
                time(2, 0, 0, 0),
                "2024-10-27T02:00:00Z",
            ),
            (
                "Europe/London",
                date(2024, 3, 31),
                time(2, 0, 0, 0),
                "2024-03-31T01:00:00Z",
            ),
            (
                "America/New_York",
                date(2024, 11, 3),
                time(2, 0, 0, 0),
                "2024-11-03T07:00:00Z",
            ),
        ] {
            let (ts, detail) = at(z, d, t);
            assert_eq!(ts, want, "{z} {d} {t}");
            assert!(!detail.contains("DST"), "{detail}");
            assert!(!detail.contains("repeats"), "{detail}");
        }
    }

    #[test]
    fn a_year_less_syslog_time_in_the_fold_says_both_the_year_and_the_fold() {
        let z = zone("Europe/London");
        let raw = RawTime::LocalNoYear {
            month: 10,
            day: 27,
            time: time(1, 15, 0, 0),
        };
        let fb = DateFallback {
            date: date(2024, 11, 2),
            source: DateSource::Bundle,
        };
        let (ts, basis) = resolve(&raw, &z, Some(fb));
        assert_eq!(ts.unwrap().to_string(), "2024-10-27T00:15:00Z");
        let detail = Clocks::default().clock(&z, basis).detail.to_string();
        assert!(
            detail.contains("year 2024 inferred from the bundle"),
            "{detail}"
        );
        assert!(detail.contains(FOLD), "{detail}");
    }

    #[test]
    fn a_year_less_time_dated_by_the_date_hint_says_so_not_the_bundle() {
        let z = zone("UTC");
        let raw = RawTime::LocalNoYear {
            month: 12,
            day: 31,
            time: time(23, 59, 58, 0),
        };
        let fb = DateFallback {
            date: date(2025, 1, 1),
            source: DateSource::Hint,
        };
        let (ts, basis) = resolve(&raw, &z, Some(fb));
        assert_eq!(ts.unwrap().to_string(), "2024-12-31T23:59:58Z");
        let clock = Clocks::default().clock(&z, basis);
        assert_eq!(clock.date_source, DateSource::Hint);
        assert!(
            clock.detail.contains("year 2024 nearest the --date hint"),
            "{}",
            clock.detail
        );
        assert!(!clock.detail.contains("bundle"), "{}", clock.detail);
    }
}
