//! `utils core active list` (formats.md §4.2): `<size> KB <YYYY-MM-DD HH:MM:SS> <core>`
//! rows under a `Size Date Core File Name` header (an `=====` rule may follow;
//! the size may be missing; rows are not sorted). The listed date is the host's
//! local time while the core name ends in epoch seconds (UTC): each standard
//! row therefore also yields the host's UTC offset at that instant.

use super::{Capture, Section};
use crate::format::Output;
use crate::timeparse::parse_ymd_hms;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::jiff::tz::TimeZone;
use uctriage_core::jiff::Timestamp;
use uctriage_core::{
    round_offset, DateSource, EntityKind, Fact, Kind, RawEvent, RawTime, Severity, ZoneSource,
};

static HEADER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s*Size\s+Date\s+Core\s+File\s+Name\s*$").unwrap());
static ROW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:([0-9]+)\s*KB\s+)?([0-9]{4}-[0-9]{2}-[0-9]{2}\s+[0-9]{1,2}:[0-9]{2}:[0-9]{2})\s+(\S+)\s*$")
        .unwrap()
});
static CORE_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^core\.([0-9]+)\.([0-9]+)\.(.+)\.([0-9]+)$").unwrap());
static NO_CORES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s*no\s+(?:active\s+)?core\s*files?").unwrap());

/// The parts of a standard core file name `core.<pid>.<signal>.<process>.<epoch>`.
#[derive(Debug, PartialEq)]
pub(crate) struct CoreName {
    pub(crate) pid: String,
    pub(crate) signal: String,
    pub(crate) process: String,
    /// The epoch seconds, if they are a possible instant.
    pub(crate) at: Option<Timestamp>,
    pub(crate) epoch: String,
}

/// Split a core file name; None when it is not in the standard form.
pub(crate) fn core_name(name: &str) -> Option<CoreName> {
    let c = CORE_NAME.captures(name)?;
    let at = c[4]
        .parse::<i64>()
        .ok()
        .and_then(|s| Timestamp::from_second(s).ok());
    Some(CoreName {
        pid: c[1].into(),
        signal: c[2].into(),
        process: c[3].into(),
        at,
        epoch: c[4].into(),
    })
}

/// Is this the core list header?
pub(crate) fn is_header(text: &str) -> bool {
    HEADER.is_match(text)
}

/// The core list section.
#[derive(Default)]
pub(crate) struct CoreListSection;

impl Section for CoreListSection {
    fn line(&mut self, no: u64, text: &str, _cap: &mut Capture, out: &mut Output) -> bool {
        if is_header(text)
            || NO_CORES.is_match(text)
            || text.trim().chars().all(|c| c == '=' || c == ' ')
        {
            return true;
        }
        let Some(c) = ROW.captures(text) else {
            return false;
        };
        let Some(listed) = parse_ymd_hms(&c[2].split_whitespace().collect::<Vec<_>>().join(" "))
        else {
            out.problem(no, format!("impossible date in core list row: {}", &c[2]));
            return true;
        };
        emit_row(
            no,
            text.trim(),
            c.get(1).map(|m| m.as_str()),
            listed,
            &c[3],
            out,
        );
        true
    }
}

fn emit_row(
    no: u64,
    text: &str,
    size: Option<&str>,
    listed: uctriage_core::jiff::civil::DateTime,
    file: &str,
    out: &mut Output,
) {
    let parts = core_name(file);
    let process = parts
        .as_ref()
        .map_or_else(|| process_of_odd_name(file), |p| p.process.clone());
    let mut ev = RawEvent::new(
        no,
        text,
        Kind::ServiceCore,
        format!("{process} dumped core {file}"),
    )
    .with_severity(Severity::Critical)
    .with_entity(EntityKind::Process, &process)
    .with_entity(EntityKind::CoreFile, file)
    .with_field("core_file", file)
    .with_field("process", &process)
    .with_field("listed_local", listed.to_string().replace('T', " "));
    if let Some(size) = size {
        ev = ev.with_field("size_kb", size);
    }
    ev.time = RawTime::Local(listed, DateSource::Line);
    if let Some(p) = &parts {
        ev = ev.with_field("pid", &p.pid).with_field("signal", &p.signal);
        match p.at {
            Some(at) if offset_fact(no, listed, at, out) => {
                ev.time = RawTime::Absolute(at, "epoch seconds in the core file name");
            }
            Some(_) => {}
            None => out.problem(
                no,
                format!("core file name {file} has an impossible epoch {}", p.epoch),
            ),
        }
    }
    out.emit(ev);
}

/// `core.jvm.core` and other non-standard names: the word after `core.`.
fn process_of_odd_name(file: &str) -> String {
    file.split('.')
        .find(|p| !p.is_empty() && *p != "core")
        .unwrap_or(file)
        .to_string()
}

/// Record the offset the row shows; false (and a problem) when the epoch and
/// the listed time cannot be the same instant in any zone.
fn offset_fact(
    no: u64,
    listed: uctriage_core::jiff::civil::DateTime,
    at: Timestamp,
    out: &mut Output,
) -> bool {
    let Ok(listed_utc) = TimeZone::UTC.to_timestamp(listed) else {
        return false;
    };
    let diff = listed_utc.as_second() - at.as_second();
    if diff.abs() > 14 * 3600 + 60 {
        out.problem(
            no,
            format!("listed time and core epoch differ by {diff} s: the epoch is ignored"),
        );
        return false;
    }
    out.fact(Fact::OffsetSeen {
        host: None,
        at,
        offset_seconds: round_offset(diff),
        source: ZoneSource::CoreEpoch,
        line: no,
    });
    true
}
