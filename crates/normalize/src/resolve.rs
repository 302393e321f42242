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
                Some(d) => local(
                    d.to_datetime(*time),
                    DateSource::Bundle,
                    zone,
                    Some(d.year()),
                ),
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
    last: Option<(&'z ZoneDecision, Basis, Clock)>,
}

impl<'z> Clocks<'z> {
    /// The clock of an event resolved on `basis` in `zone`.
    pub fn clock(&mut self, zone: &'z ZoneDecision, basis: Basis) -> Clock {
        if let Some((z, b, c)) = &self.last {
            if std::ptr::eq(*z, zone) && *b == basis {
                return c.clone();
            }
        }
        let c = spell(zone, basis);
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
                .map(|y| format!("year {y} inferred from the bundle; "))
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
