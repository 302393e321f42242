//! The `cimc-log` format: Cisco UCS C-series CIMC log lines.
//!
//! Two line layouts, each from a public sample (see
//! `docs/formats/cimc.md` and `tests/fixtures/cimc_log/README.md`):
//!
//! - the CIMC's own log as found in a tech-support bundle (quoted by TAC in
//!   the "And Boom Goes The Storage Controller" write-up):
//!   ` 2:2019 April 02 14:12:04:BMC:fault-engined:-: %CIMC-2-EQUIPMENT_INOPERABLE:[F1004]...`,
//!   i.e. `<syslog severity>:<YYYY> <Month> <DD> <HH:MM:SS>:<process>:<facility>:<x>: <message>`;
//! - a `%CIMC-` message as a syslog receiver gets it:
//!   `<189>Apr 19 17:11:12 UTC: %CIMC-6-LOG_CAPACITY: [F0461][info][log-capacity][dn] text`.
//!
//! `%CIMC-` fault messages become `hardware_fault` events (see
//! [`super::fault`]); messages of the `storage` facility (controller and drive
//! events of the RAID firmware) too, with state `reset`, `error` or `event`.
//! Other lines are understood and only extend the file's time span (or become
//! `log` events with `--all`).
//!
//! Time: the tech-support stamp is the CIMC's wall clock with no zone (CIMC
//! clocks run in UTC unless a time zone was set; UNCONFIRMED, so the time stays
//! local and normalization decides the zone of the file's host). A syslog
//! stamp that says `UTC` but has no year is dated from the file name when it
//! can be, else kept without a year (reported once per file).
//!
//! UNCONFIRMED (parsed tolerantly): how a receiver writes the CIMC's syslog
//! line (a hostname after the stamp is taken as the subject host); the
//! meaning of the third colon field of the tech-support layout (`-`).

use super::fault;
use crate::format::{FileContext, Format, Head, Line, LineParser, Output};
use crate::timeparse::{month_from_abbrev, parse_hms, ymd};
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::jiff::civil::Date;
use uctriage_core::jiff::tz::Offset;
use uctriage_core::{DateSource, Kind, RawEvent, RawTime, Severity};

/// The CIMC log format.
pub(crate) struct CimcLog;

/// Reported once per file when `%CIMC-` stamps say UTC without a year.
pub(crate) const UTC_NO_YEAR: &str = "CIMC syslog stamps say UTC but carry no year, and the file name gives none: kept as local times without a year; pass --date";

/// ` 2:2019 April 02 14:12:04:BMC:fault-engined:-: message`.
static TECH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*([0-7]):(\d{4}) ([A-Za-z]{3,9}) (\d{1,2}) (\d{1,2}:\d{2}:\d{2}):([^:\s]*):([^:]*):([^:]*):\s?(.*)$")
        .unwrap()
});
/// `[<PRI>]Apr 19 17:11:12 ...` before a `%CIMC-` message.
static SYSLOG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:<\d{1,3}>)?\s*([A-Z][a-z]{2}) +(\d{1,2}) +(?:(\d{4}) +)?(\d{1,2}:\d{2}:\d{2})(?:\.\d+)?\s*(.*)$")
        .unwrap()
});

impl Format for CimcLog {
    fn name(&self) -> &'static str {
        "cimc-log"
    }
    fn description(&self) -> &'static str {
        "Cisco UCS C-series CIMC log: tech-support log lines and %CIMC- fault messages sent to syslog"
    }
    fn example(&self) -> &'static str {
        " 2:2019 April 02 14:12:04:BMC:fault-engined:-: %CIMC-2-EQUIPMENT_INOPERABLE:[F1004][critical][equipment-inoperable][sys/rack-unit-1/board/storage-SAS-SLOT-3] Storage controller SLOT-3 inoperable: reseat or replace the storage controller SLOT-3"
    }
    fn detect(&self, head: &Head<'_>) -> u8 {
        let ours = head.count(|l| TECH.is_match(l) || l.contains("%CIMC-"));
        if ours == 0 {
            0
        } else if ours * 2 >= head.non_blank() {
            88
        } else {
            45
        }
    }
    fn parser(&self, ctx: &FileContext) -> Box<dyn LineParser> {
        Box::new(CimcLogParser {
            year_hint: ctx.date_hint.map(|(d, _)| d),
            keep_ordinary: ctx.keep_ordinary,
            pending: None,
            span: None,
            utc_no_year_reported: false,
        })
    }
}

/// A tech-support record whose `%CIMC-` header was cut by a line break.
struct Pending {
    no: u64,
    raw: String,
    time: RawTime,
    message: String,
}

struct CimcLogParser {
    year_hint: Option<Date>,
    keep_ordinary: bool,
    pending: Option<Pending>,
    span: Option<(RawTime, RawTime)>,
    utc_no_year_reported: bool,
}

impl LineParser for CimcLogParser {
    fn line(&mut self, line: Line<'_>, out: &mut Output) {
        let text = line.text;
        if let Some(p) = self.pending.take() {
            if !TECH.is_match(text) && !text.trim().is_empty() && !text.contains("%CIMC-") {
                let joined = format!("{}{}", p.message.trim_end(), text.trim_start());
                let raw = format!("{}\n{text}", p.raw);
                if let Some(msg) = fault::parse_message(&joined) {
                    out.emit(fault::message_event(
                        p.no,
                        &raw,
                        &msg,
                        p.time,
                        "cimc-tech-support-log",
                    ));
                    out.understood();
                    return;
                }
            }
            out.problem(p.no, "CIMC fault message cut short: not decoded");
        }
        if text.trim().is_empty() {
            return;
        }
        if let Some(c) = TECH.captures(text) {
            self.tech_line(line.no, text, &c, out);
        } else if text.contains("%CIMC-") {
            self.syslog_line(line.no, text, out);
        }
    }

    fn finish(&mut self, out: &mut Output) {
        if let Some(p) = self.pending.take() {
            out.problem(p.no, "CIMC fault message cut short: not decoded");
        }
        if let Some((first, last)) = self.span.take() {
            out.time_span(first, last);
        }
    }
}

impl CimcLogParser {
    fn tech_line(&mut self, no: u64, text: &str, c: &regex::Captures<'_>, out: &mut Output) {
        let Some(time) = tech_time(c) else {
            let stamp = c.get(5).map_or("", |m| &c[0][..m.end()]);
            out.problem(
                no,
                format!("CIMC log date not understood: `{}`", stamp.trim()),
            );
            out.understood();
            return;
        };
        out.understood();
        self.widen(&time);
        let sev: u8 = c[1].parse().unwrap_or(6);
        let facility = c[7].trim();
        let message = &c[9];
        if let Some(at) = message.find("%CIMC-") {
            let m = &message[at..];
            match fault::parse_message(m) {
                Some(msg) => out.emit(fault::message_event(
                    no,
                    text,
                    &msg,
                    time,
                    "cimc-tech-support-log",
                )),
                None if !m.contains(':') => {
                    self.pending = Some(Pending {
                        no,
                        raw: text.to_string(),
                        time,
                        message: m.to_string(),
                    })
                }
                None => out.problem(no, "CIMC fault message header not understood"),
            }
            return;
        }
        if facility.eq_ignore_ascii_case("storage") {
            out.emit(storage_event(no, text, message, sev, time, &c[6]));
        } else if self.keep_ordinary {
            let ev = RawEvent::new(no, text, Kind::Log, message.trim())
                .at(time)
                .with_severity(Severity::from_number(sev).unwrap_or_default())
                .with_field("process", &c[6])
                .with_field("facility", facility);
            out.emit(ev);
        }
    }

    fn syslog_line(&mut self, no: u64, text: &str, out: &mut Output) {
        out.understood();
        let Some((ev, utc_no_year)) = syslog_line_event(no, text, self.year_hint) else {
            out.problem(no, "CIMC syslog message header not understood");
            return;
        };
        if utc_no_year && !self.utc_no_year_reported {
            self.utc_no_year_reported = true;
            out.problem(no, UTC_NO_YEAR);
        }
        if !matches!(ev.time, RawTime::Unknown) {
            self.widen(&ev.time);
        }
        out.emit(ev);
    }

    fn widen(&mut self, t: &RawTime) {
        match &mut self.span {
            Some((_, last)) => *last = t.clone(),
            None => self.span = Some((t.clone(), t.clone())),
        }
    }
}

/// Time, subject host and whether the stamp says UTC, from the text before `%CIMC-`.
pub(crate) fn syslog_prefix(
    head: &str,
    year_hint: Option<Date>,
) -> (RawTime, Option<String>, bool) {
    let Some(c) = SYSLOG.captures(head.trim()) else {
        return (RawTime::Unknown, None, false);
    };
    let (Some(month), Some(day), Some(t)) = (
        month_from_abbrev(&c[1]),
        c[2].parse::<i8>().ok(),
        parse_hms(&c[4]),
    ) else {
        return (RawTime::Unknown, None, false);
    };
    let rest: Vec<&str> = c[5].split_whitespace().collect();
    let utc = rest
        .first()
        .is_some_and(|w| w.trim_end_matches(':').eq_ignore_ascii_case("UTC"));
    let host = match rest.as_slice() {
        [h, ..] if !utc && !h.ends_with(':') && h.len() > 1 => Some(h.to_string()),
        _ => None,
    };
    let year = c
        .get(3)
        .and_then(|y| y.as_str().parse::<i64>().ok())
        .or_else(|| year_hint.map(|d| i64::from(d.year())));
    let date = year.and_then(|y| ymd(y, i64::from(month), i64::from(day)));
    let time = match (date, utc) {
        (Some(d), true) => match Offset::UTC.to_timestamp(d.to_datetime(t)) {
            Ok(ts) => RawTime::Absolute(ts, "UTC stamp of the CIMC syslog message"),
            Err(_) => RawTime::Unknown,
        },
        (Some(d), false) if c.get(3).is_some() => {
            RawTime::Local(d.to_datetime(t), DateSource::Line)
        }
        (Some(d), false) => RawTime::Local(d.to_datetime(t), DateSource::FileName),
        (None, _) if ymd(2000, i64::from(month), i64::from(day)).is_some() => {
            RawTime::LocalNoYear {
                month,
                day,
                time: t,
            }
        }
        (None, _) => RawTime::Unknown,
    };
    (time, host, utc)
}

/// A `%CIMC-` line of a syslog file (for `cisco-syslog` files that mix them
/// in): the event, and whether its stamp said UTC without a year.
pub(crate) fn syslog_line_event(
    no: u64,
    text: &str,
    year_hint: Option<Date>,
) -> Option<(RawEvent, bool)> {
    let at = text.find("%CIMC-")?;
    let msg = fault::parse_message(&text[at..])?;
    let (time, host, utc) = syslog_prefix(&text[..at], year_hint);
    let utc_no_year = utc && matches!(time, RawTime::LocalNoYear { .. });
    let mut ev = fault::message_event(no, text, &msg, time, "cimc-syslog");
    if utc {
        ev = ev.with_field("stamp_zone", "UTC");
    }
    if let Some(h) = host {
        ev = ev.with_field("server", &h).on_host(h);
    }
    Some((ev, utc_no_year))
}

/// `2019 April 02 14:12:04` of a tech-support line.
fn tech_time(c: &regex::Captures<'_>) -> Option<RawTime> {
    let month = month_from_abbrev(&c[3])?;
    let date = ymd(c[2].parse().ok()?, i64::from(month), c[4].parse().ok()?)?;
    Some(RawTime::Local(
        date.to_datetime(parse_hms(&c[5])?),
        DateSource::Line,
    ))
}

/// A RAID-firmware (`storage` facility) message as a hardware event.
fn storage_event(
    no: u64,
    raw: &str,
    message: &str,
    sev: u8,
    time: RawTime,
    process: &str,
) -> RawEvent {
    let lower = message.to_ascii_lowercase();
    let state = if lower.contains("reset") {
        "reset"
    } else if ["fail", "fatal", "error", "errno"]
        .iter()
        .any(|w| lower.contains(w))
    {
        "error"
    } else {
        "event"
    };
    let component = storage_component(message);
    let mut ev = RawEvent::new(
        no,
        raw,
        Kind::HardwareFault,
        format!("CIMC storage {component} {state}: {}", message.trim()),
    )
    .at(time)
    .with_severity(Severity::from_number(sev).unwrap_or(Severity::Info))
    .with_field("component", component)
    .with_field("state", state)
    .with_field("description", message.trim())
    .with_field("process", process)
    .with_field("source", "cimc-tech-support-log");
    if let Some(slot) = message
        .split(':')
        .next()
        .map(str::trim)
        .filter(|s| s.starts_with("SLOT-") || s.eq_ignore_ascii_case("MRAID"))
    {
        ev = ev.with_field("controller", slot);
    }
    ev
}

/// Physical drive (`PD 11a(...)`) or controller message of the RAID firmware.
fn storage_component(message: &str) -> &'static str {
    if message.contains(" PD ") || message.contains("PD ") && message.contains("Path") {
        "physical_drive"
    } else if message.contains("VD ") {
        "virtual_drive"
    } else {
        let c = fault::component_of_text(message);
        if c == "other" {
            "storage_controller"
        } else {
            c
        }
    }
}
