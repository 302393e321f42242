//! The `FileHead` record: date, UTC offset, host, version of one SDL file.
//!
//! VERBATIM payload (formats.md §3.2, CUCM 11.5):
//! `UTC:-05:00,Date: 2024/08/12, AppName: CCM, AppId: 100, AppNodeId: 1,
//! AppVersion: CUCM Install=11.5.1.16900-16 Build=11.5.1.16900-16 (d3f126) memlog=20,
//! HostName: Trainingpub115, HostIPAddress: 10.207.166.103, AppStartTime: 2024/03/17 09:26:28,
//! FileNumber: 1262, TraceVer: 3.0`

use crate::format::Output;
use crate::timeparse::ymd;
use uctriage_core::jiff::civil::{Date, DateTime};
use uctriage_core::jiff::tz::Offset;
use uctriage_core::{DateSource, EntityKind, Fact, Kind, RawEvent, RawTime, Severity, ZoneSource};

/// A process start this close before the file head means the file is the
/// first one after a (re)start, so the start is worth an event.
const RECENT_START_MS: i64 = 15 * 60 * 1000;

/// What one FileHead says.
#[derive(Debug, Default)]
pub(super) struct FileHeadInfo {
    pub date: Option<Date>,
    pub offset: Option<Offset>,
    pub app: Option<String>,
    pub app_id: Option<String>,
    pub host: Option<String>,
    pub ip: Option<String>,
    pub version: Option<String>,
    pub start: Option<DateTime>,
    pub file_number: Option<String>,
    pub problems: Vec<String>,
}

/// `-05:00`, `+01:00`, `+0530`, `0:00`.
fn parse_offset(s: &str) -> Option<Offset> {
    let s = s.trim();
    let (sign, rest) = match s.as_bytes().first()? {
        b'-' => (-1, &s[1..]),
        b'+' => (1, &s[1..]),
        _ => (1, s),
    };
    let (h, m) = match rest.split_once(':') {
        Some((h, m)) => (h, m),
        None if rest.len() == 4 && rest.is_ascii() => rest.split_at(2),
        None => (rest, "0"),
    };
    let all_digits =
        |x: &str| !x.is_empty() && x.len() <= 2 && x.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(h) || !all_digits(m) {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    if h > 14 || m > 59 {
        return None;
    }
    Offset::from_seconds(sign * (h * 3600 + m * 60)).ok()
}

/// `2024/08/12` (also `2024-08-12`).
fn parse_date(s: &str) -> Option<Date> {
    let mut it = s.trim().split(['/', '-']);
    let (y, m, d) = (it.next()?, it.next()?, it.next()?);
    if it.next().is_some() {
        return None;
    }
    ymd(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// `2024/03/17 09:26:28`.
fn parse_datetime(s: &str) -> Option<DateTime> {
    let (d, t) = s.trim().split_once(' ')?;
    let date = parse_date(d)?;
    let time = crate::timeparse::parse_hms(t.trim())?;
    Some(date.to_datetime(time))
}

impl FileHeadInfo {
    /// Parse a FileHead payload; what is missing or wrong goes to `problems`.
    pub fn parse(payload: &str) -> FileHeadInfo {
        let mut info = FileHeadInfo::default();
        let mut saw_utc = false;
        let mut saw_date = false;
        for item in payload.split(',') {
            let Some((key, value)) = item.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match key.trim() {
                "UTC" => {
                    saw_utc = true;
                    info.offset = parse_offset(value);
                    if info.offset.is_none() {
                        info.problems.push(format!(
                            "FileHead UTC offset `{value}` not understood: times of this file keep no offset"
                        ));
                    }
                }
                "Date" => {
                    saw_date = true;
                    info.date = parse_date(value);
                    if info.date.is_none() {
                        info.problems.push(format!(
                            "FileHead date `{value}` not understood: times of this file have no date from it"
                        ));
                    }
                }
                "AppName" if !value.is_empty() => info.app = Some(value.to_string()),
                "AppId" if !value.is_empty() => info.app_id = Some(value.to_string()),
                "HostName" if !value.is_empty() => info.host = Some(value.to_string()),
                "HostIPAddress" if !value.is_empty() => info.ip = Some(value.to_string()),
                "AppVersion" if !value.is_empty() => {
                    info.version = Some(match value.split_once("Install=") {
                        Some((_, v)) => v.split_whitespace().next().unwrap_or(v).to_string(),
                        None => value.to_string(),
                    })
                }
                "AppStartTime" => {
                    // UNCONFIRMED: taken to be local time in the FileHead's offset.
                    info.start = parse_datetime(value);
                }
                "FileNumber" => info.file_number = Some(value.to_string()),
                _ => {}
            }
        }
        if !saw_utc {
            info.problems
                .push("FileHead without `UTC:` offset: times of this file keep no offset".into());
        }
        if !saw_date {
            info.problems
                .push("FileHead without `Date:`: times of this file have no date from it".into());
        }
        info
    }

    /// Host, alias and version facts, and the UTC offset the host's clock
    /// had when the file began (for deciding the host's zone; the file's own
    /// times already carry it).
    pub fn facts(&self, no: u64, head_ms: u32, out: &mut Output) {
        if let (Some(date), Some(offset)) = (self.date, self.offset) {
            let local = date.to_datetime(super::ms_to_time(head_ms));
            if let Ok(at) = offset.to_timestamp(local) {
                out.fact(Fact::OffsetSeen {
                    host: None,
                    at,
                    offset_seconds: offset.seconds(),
                    source: ZoneSource::FileHead,
                    line: no,
                });
            }
        }
        if let Some(host) = &self.host {
            out.fact(Fact::FileHost { host: host.clone() });
            if let Some(ip) = &self.ip {
                out.fact(Fact::HostAlias {
                    host: host.clone(),
                    alias: ip.clone(),
                });
            }
        }
        if let Some(v) = &self.version {
            out.fact(Fact::Version {
                host: self.host.clone(),
                product: "CUCM".into(),
                version: v.clone(),
            });
        }
    }

    /// "process started" when the process started shortly before this file
    /// began (the first trace file after a (re)start); `None` otherwise, since
    /// every file of a long-running process repeats the same start time.
    pub fn start_event(&self, no: u64, text: &str, head_ms: u32) -> Option<RawEvent> {
        let (start, date, offset) = (self.start?, self.date?, self.offset?);
        let head = date.to_datetime(super::ms_to_time(head_ms));
        let since = head
            .since(start)
            .ok()?
            .total(uctriage_core::jiff::Unit::Millisecond)
            .ok()?;
        if !(0.0..=RECENT_START_MS as f64).contains(&since) {
            return None;
        }
        // AppId 200 is CTIManager (formats.md §3.1); its AppName is UNCONFIRMED.
        let cti = self.app_id.as_deref() == Some("200")
            || self.app.as_deref().is_some_and(|a| a.starts_with("CTI"));
        let service = if cti {
            "Cisco CTIManager"
        } else {
            "Cisco CallManager"
        };
        let mut ev = RawEvent::new(
            no,
            text,
            Kind::ServiceState,
            format!(
                "{service} trace file started, process started at {start}",
                start = start.strftime("%Y-%m-%d %H:%M:%S")
            ),
        )
        .at(RawTime::WithOffset(start, offset, DateSource::FileHead))
        .with_severity(Severity::Notice)
        .with_field("state", "started")
        .with_field("source", "FileHead AppStartTime")
        .with_entity(EntityKind::Service, service);
        if let Some(app) = &self.app {
            ev = ev.with_field("app", app);
        }
        if let Some(n) = &self.file_number {
            ev = ev.with_field("file_number", n);
        }
        Some(ev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("-05:00").unwrap().seconds(), -5 * 3600);
        assert_eq!(parse_offset("+05:30").unwrap().seconds(), 5 * 3600 + 1800);
        assert_eq!(parse_offset("+0100").unwrap().seconds(), 3600);
        assert!(parse_offset("-25:00").is_none());
        assert!(parse_offset("EST").is_none());
        assert!(parse_offset("").is_none());
        // Fuzz find: four bytes that are not four characters.
        assert!(parse_offset("\u{fffd}+").is_none());
    }
}
