//! The fallback: any line that starts with a recognisable timestamp becomes a
//! plain `log` event, so nothing in a bundle is invisible.
//!
//! Recognised stamps (at the start of the line, after an optional `[`):
//! ISO 8601 with or without offset, `YYYY/MM/DD HH:MM:SS`, `MM/DD/YYYY HH:MM:SS`,
//! syslogd `MMM dd HH:MM:SS` (no year), CiscoLog `MMM dd YYYY HH:MM:SS.mmm UTC`,
//! epoch seconds (10 digits), and a bare `HH:MM:SS` (date from the file).
//! Indented lines continue the previous record.

mod scan;

use crate::format::{FileContext, Format, Head, Line, LineParser, Output};
use crate::timeparse::{month_from_abbrev, parse_hms, ymd};
use regex::Regex;
use scan::Parts;
use std::sync::LazyLock;
use uctriage_core::jiff::civil::Date;
use uctriage_core::jiff::tz::Offset;
use uctriage_core::jiff::{Timestamp, ToSpan};
use uctriage_core::{DateSource, Kind, RawEvent, RawTime};

/// The generic timestamped-line format.
pub(crate) struct Generic;

static ISO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\[?(\d{4})[-/](\d{2})[-/](\d{2})[T ](\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,9})?)\s?(Z|UTC|[+-]\d{2}:?\d{2})?\]?")
        .unwrap()
});
static US: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\[?(\d{1,2})/(\d{1,2})/(\d{4})[ ,]+(\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,9})?)\]?")
        .unwrap()
});
static SYSLOG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Z][a-z]{2}) +(\d{1,2}) +(?:(\d{4}) +)?(\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)(?: (UTC|GMT))?").unwrap()
});
static EPOCH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[?(1\d{9})(?:\.(\d{1,6}))?\]?\s").unwrap());
static TIME_ONLY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(\d{1,2}:\d{2}:\d{2}(?:[.:,]\d{1,3})?)\s").unwrap());

impl Format for Generic {
    fn name(&self) -> &'static str {
        "generic"
    }
    fn description(&self) -> &'static str {
        "Fallback for any text whose lines start with a timestamp (ISO 8601, syslog, US dates, epoch, time of day)"
    }
    fn example(&self) -> &'static str {
        "2019-07-12 12:40:01,123 INFO something happened"
    }
    fn detect(&self, head: &Head<'_>) -> u8 {
        let stamped = head.count(|l| stamp(l, None).is_some());
        if stamped > 0 && stamped * 10 >= head.non_blank() * 3 {
            1
        } else {
            0
        }
    }
    fn parser(&self, ctx: &FileContext) -> Box<dyn LineParser> {
        Box::new(GenericParser {
            date: ctx.date_hint,
        })
    }
}

struct GenericParser {
    date: Option<(Date, DateSource)>,
}

impl LineParser for GenericParser {
    fn line(&mut self, line: Line<'_>, out: &mut Output) {
        if let Some((time, rest)) = stamp(line.text, self.date) {
            let summary = crate::scan::trim(rest);
            let summary = if summary.is_empty() {
                crate::scan::trim(line.text)
            } else {
                summary
            };
            out.emit(RawEvent::new(line.no, line.text, Kind::Log, summary).at(time));
            out.understood();
        } else if line.text.starts_with([' ', '\t']) {
            if let Some(ev) = out.last_event_mut() {
                ev.append_line(line.text, 4000);
                out.understood();
            }
        }
    }
}

/// The time at the start of `text` and the rest of the line.
fn stamp(text: &str, date: Option<(Date, DateSource)>) -> Option<(RawTime, &str)> {
    let (parts, end) = stamp_parts(text)?;
    let rest = &text[end..];
    let time = match parts {
        Parts::Iso([y, m, d, t], zone) => iso_time(
            ymd(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)?,
            t,
            zone,
        )?,
        Parts::Us([m, d, y, t]) => {
            let d = ymd(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)?;
            RawTime::Local(d.to_datetime(parse_hms(t)?), DateSource::Line)
        }
        Parts::Syslog([mon, d], year, t, utc) => syslog_time(mon, d, year, t, utc.is_some())?,
        Parts::Epoch(secs, frac) => epoch_time(secs, frac)?,
        Parts::TimeOnly(t) => {
            let t = parse_hms(t)?;
            match date {
                Some((d, src)) => RawTime::local(d, t, src),
                None => RawTime::TimeOfDay(t),
            }
        }
    };
    Some((time, rest))
}

/// The first stamp regex matching the start of `text`: by hand on ASCII
/// lines, else by the regexes.
fn stamp_parts(text: &str) -> Option<(Parts<'_>, usize)> {
    if text.is_ascii() {
        scan::parts(text)
    } else {
        regex_parts(text)
    }
}

/// [`stamp_parts`] by the regexes.
fn regex_parts(text: &str) -> Option<(Parts<'_>, usize)> {
    fn g<'t>(c: &regex::Captures<'t>, i: usize) -> Option<&'t str> {
        c.get(i).map(|m| m.as_str())
    }
    if let Some(c) = ISO.captures(text) {
        let parts = [g(&c, 1)?, g(&c, 2)?, g(&c, 3)?, g(&c, 4)?];
        return Some((Parts::Iso(parts, g(&c, 5)), c.get(0)?.end()));
    }
    if let Some(c) = US.captures(text) {
        let parts = [g(&c, 1)?, g(&c, 2)?, g(&c, 3)?, g(&c, 4)?];
        return Some((Parts::Us(parts), c.get(0)?.end()));
    }
    if let Some(c) = SYSLOG.captures(text) {
        let parts = Parts::Syslog([g(&c, 1)?, g(&c, 2)?], g(&c, 3), g(&c, 4)?, g(&c, 5));
        return Some((parts, c.get(0)?.end()));
    }
    if let Some(c) = EPOCH.captures(text) {
        return Some((Parts::Epoch(g(&c, 1)?, g(&c, 2)), c.get(0)?.end()));
    }
    let c = TIME_ONLY.captures(text)?;
    Some((Parts::TimeOnly(g(&c, 1)?), c.get(0)?.end()))
}

fn iso_time(d: Date, t: &str, zone: Option<&str>) -> Option<RawTime> {
    let dt = d.to_datetime(parse_hms(t)?);
    Some(match zone {
        Some("Z") | Some("UTC") => {
            RawTime::Absolute(Offset::UTC.to_timestamp(dt).ok()?, "UTC stamp in the line")
        }
        Some(off) => {
            let off = parse_offset(off)?;
            RawTime::Absolute(off.to_timestamp(dt).ok()?, "offset stated in the line")
        }
        None => RawTime::Local(dt, DateSource::Line),
    })
}

fn syslog_time(mon: &str, day: &str, year: Option<&str>, t: &str, utc: bool) -> Option<RawTime> {
    let month = month_from_abbrev(mon)?;
    let day: i8 = day.parse().ok()?;
    let t = parse_hms(t)?;
    Some(match year {
        Some(y) => {
            let dt = ymd(y.parse().ok()?, month as i64, day as i64)?.to_datetime(t);
            if utc {
                let ts = Offset::UTC.to_timestamp(dt).ok()?;
                RawTime::Absolute(ts, "UTC stamp in the line")
            } else {
                RawTime::Local(dt, DateSource::Line)
            }
        }
        None => {
            ymd(2000, month as i64, day as i64)?; // validates day-of-month (leap year)
            RawTime::LocalNoYear {
                month,
                day,
                time: t,
            }
        }
    })
}

fn epoch_time(secs: &str, frac: Option<&str>) -> Option<RawTime> {
    let secs: i64 = secs.parse().ok()?;
    let micros: i64 = frac.map_or(Some(0), |s| {
        s.parse::<i64>()
            .ok()
            .map(|v| v * 10i64.pow(6 - s.len() as u32))
    })?;
    let ts = Timestamp::from_second(secs)
        .ok()?
        .checked_add(micros.microseconds())
        .ok()?;
    Some(RawTime::Absolute(ts, "epoch seconds in the line"))
}

fn parse_offset(s: &str) -> Option<Offset> {
    let sign = if s.starts_with('-') { -1 } else { 1 };
    let digits: String = s[1..].chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() != 4 {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = digits[2..].parse().ok()?;
    Offset::from_seconds(sign * (h * 3600 + m * 60)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn time(line: &str) -> RawTime {
        stamp(line, None).unwrap().0
    }

    #[test]
    fn each_stamp_kind_is_read_with_its_zone_status() {
        let RawTime::Absolute(ts, _) = time("2019-07-12T17:33:19.564Z boom") else {
            panic!()
        };
        assert_eq!(ts.to_string(), "2019-07-12T17:33:19.564Z");
        let RawTime::Absolute(ts, _) = time("2019-07-12 12:33:19 -0500 x") else {
            panic!()
        };
        assert_eq!(ts.to_string(), "2019-07-12T17:33:19Z");
        assert!(matches!(
            time("2019-07-12 12:33:19,5 x"),
            RawTime::Local(_, DateSource::Line)
        ));
        assert!(matches!(
            time("07/12/2019 12:33:19 x"),
            RawTime::Local(_, DateSource::Line)
        ));
        assert!(matches!(
            time("Jul 12 12:33:19 host x"),
            RawTime::LocalNoYear {
                month: 7,
                day: 12,
                ..
            }
        ));
        let RawTime::Absolute(ts, _) = time("[1562952957.5] 64 bytes") else {
            panic!()
        };
        assert_eq!(ts.to_string(), "2019-07-12T17:35:57.5Z");
        assert!(matches!(time("12:00:01 x"), RawTime::TimeOfDay(_)));
    }

    #[test]
    fn non_ascii_lines_read_like_ascii_ones() {
        let (a, rest_a) = stamp("2019-07-12 12:33:19,5 +02:00 worker", None).unwrap();
        let (b, rest_b) = stamp("2019-07-12 12:33:19,5 +02:00 wörker", None).unwrap();
        assert_eq!((a, rest_a, rest_b), (b, " worker", " wörker"));
        assert!(stamp("٢٠١٩-07-12 12:33:19 x", None).is_none());
    }

    #[test]
    fn impossible_dates_are_not_stamps() {
        assert!(stamp("2019-02-30 12:00:00 x", None).is_none());
        assert!(stamp("Feb 30 12:00:00 x", None).is_none());
        assert!(stamp("no time here", None).is_none());
    }
}
