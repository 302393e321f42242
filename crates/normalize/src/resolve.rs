//! One raw time plus a zone decision gives one absolute instant and its clock.

use crate::zones::ZoneDecision;
use uctriage_core::jiff::civil::{Date, DateTime};
use uctriage_core::jiff::tz::{AmbiguousOffset, TimeZone};
use uctriage_core::jiff::Timestamp;
use uctriage_core::{Clock, DateSource, RawTime, ZoneSource};

/// A date for lines that have none, and where it came from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DateFallback {
    pub date: Date,
    pub source: DateSource,
}

/// Resolve a raw time read on a host whose zone is `zone`.
pub(crate) fn resolve(
    raw: &RawTime,
    zone: &ZoneDecision,
    fallback: Option<DateFallback>,
) -> (Option<Timestamp>, Clock) {
    match raw {
        RawTime::Unknown => (
            None,
            Clock {
                zone: String::new(),
                zone_source: ZoneSource::Unknown,
                date_source: DateSource::Line,
                detail: "the record carries no time".into(),
            },
        ),
        RawTime::Absolute(ts, how) => (Some(*ts), Clock::stated(how)),
        RawTime::WithOffset(dt, off, ds) => {
            let ts = off.to_timestamp(*dt).ok();
            (
                ts,
                Clock {
                    zone: off.to_string(),
                    zone_source: ZoneSource::FileHead,
                    date_source: *ds,
                    detail: format!("offset {off} stated in the file; {}", ds.describe()),
                },
            )
        }
        RawTime::Local(dt, ds) => local(*dt, *ds, zone, String::new()),
        RawTime::LocalNoYear { month, day, time } => {
            let Some(fb) = fallback else {
                return undated(
                    zone,
                    "a month and day without a year, and no dated event in the bundle",
                );
            };
            let mut year = fb.date.year();
            // A December line in a January bundle belongs to the year before, and the reverse.
            let guess = |y: i16| Date::new(y, *month, *day).ok();
            if let Some(d) = guess(year) {
                if (d - fb.date).get_days() > 183 {
                    year -= 1;
                } else if (fb.date - d).get_days() > 183 {
                    year += 1;
                }
            }
            match guess(year) {
                Some(d) => local(
                    d.to_datetime(*time),
                    DateSource::Bundle,
                    zone,
                    format!("year {year} inferred from the bundle; "),
                ),
                None => undated(zone, "an impossible month and day"),
            }
        }
        RawTime::TimeOfDay(t) => match fallback {
            Some(fb) => local(fb.date.to_datetime(*t), fb.source, zone, String::new()),
            None => undated(zone, "a time of day and no date anywhere"),
        },
    }
}

fn undated(zone: &ZoneDecision, why: &str) -> (Option<Timestamp>, Clock) {
    (
        None,
        Clock {
            zone: zone.zone.clone(),
            zone_source: zone.source,
            date_source: DateSource::Line,
            detail: format!("no instant: {why}"),
        },
    )
}

fn local(
    dt: DateTime,
    ds: DateSource,
    zone: &ZoneDecision,
    prefix: String,
) -> (Option<Timestamp>, Clock) {
    let amb = zone.tz.to_ambiguous_timestamp(dt);
    let mut detail = format!(
        "{prefix}local time in {} ({}); {}",
        zone.zone,
        zone.detail,
        ds.describe()
    );
    let ts = match amb.offset() {
        AmbiguousOffset::Unambiguous { .. } => amb.compatible().ok(),
        AmbiguousOffset::Fold { .. } => {
            detail.push_str("; the hour repeats at the DST change: the earlier one is used");
            amb.earlier().ok()
        }
        AmbiguousOffset::Gap { .. } => {
            detail.push_str("; this local time does not exist (DST gap): moved forward");
            amb.compatible().ok()
        }
    };
    let zone_name = if zone.tz == TimeZone::UTC {
        "UTC".to_string()
    } else {
        zone.zone.clone()
    };
    (
        ts,
        Clock {
            zone: zone_name,
            zone_source: zone.source,
            date_source: ds,
            detail,
        },
    )
}
