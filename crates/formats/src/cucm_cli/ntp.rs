//! `utils ntp status` (formats.md §4.11): `ntpd (pid N) is running...`, an
//! optional ntpq peer table, `synchronised`/`synchronized`/`unsynchronised`,
//! and the `Current time in UTC is :` / `Current time in <Olson> is :` pair,
//! which states the host's zone and its UTC offset at capture time.

use super::{parse_loose, Capture, Section};
use crate::format::Output;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::jiff::civil::DateTime;
use uctriage_core::jiff::tz::TimeZone;
use uctriage_core::{round_offset, Fact, Kind, RawEvent, RawTime, Severity, ZoneSource};

static RUNNING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*ntpd\s*\(pid\s*[0-9]+\)\s*is\s+(?:running|stopped|not running)").unwrap()
});
static TABLE_HEADER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*remote\s+refid\s+st\s+t\s+when").unwrap());
static PEER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s?([*+\-x#o.]?)(\S+)\s+(\S+)\s+([0-9]+)\s+([ulbmsp-])\s+(\S+)\s+([0-9]+)\s+([0-9]+)\s+(-?[0-9.]+)\s+(-?[0-9.]+)\s+(-?[0-9.]+)\s*$").unwrap()
});
static SYNC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(un)?synchroni[sz]ed\b(?:\s+to\s+(?:NTP|local)\s+server\s+\(([^)]+)\)\s+at\s+stratum\s+([0-9]+))?").unwrap()
});
static INFO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:time correct to within|polling server every|time server re-?starting)")
        .unwrap()
});
static CURRENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*Current time in (\S+) is\s*:\s*(.+)$").unwrap());

/// A line that opens `utils ntp status` output.
pub(crate) fn is_start(text: &str) -> bool {
    RUNNING.is_match(text)
}

/// The NTP section.
#[derive(Default)]
pub(crate) struct NtpSection {
    first_line: Option<(u64, String)>,
    synchronised: Option<bool>,
    server: Option<String>,
    stratum: Option<String>,
    peer: Option<(String, String)>,
    utc: Option<(DateTime, u64, String)>,
    local: Option<(String, DateTime, u64)>,
}

impl Section for NtpSection {
    fn line(&mut self, no: u64, text: &str, _cap: &mut Capture, out: &mut Output) -> bool {
        if self.first_line.is_none() {
            self.first_line = Some((no, text.trim().to_string()));
        }
        if RUNNING.is_match(text) || TABLE_HEADER.is_match(text) || INFO.is_match(text) {
            return true;
        }
        if let Some(c) = SYNC.captures(text) {
            self.synchronised = Some(c.get(1).is_none());
            self.server = c.get(2).map(|m| m.as_str().to_string());
            self.stratum = c.get(3).map(|m| m.as_str().to_string());
            return true;
        }
        if let Some(c) = CURRENT.captures(text) {
            self.current(no, text, &c[1], &c[2], out);
            return true;
        }
        if let Some(c) = PEER.captures(text) {
            if &c[1] == "*" || self.peer.is_none() {
                self.peer = Some((c[2].to_string(), c[4].to_string()));
            }
            return true;
        }
        false
    }

    fn finish(&mut self, _cap: &mut Capture, out: &mut Output) {
        let Some((first_no, first_text)) = self.first_line.take() else {
            return;
        };
        let utc = self.utc.take();
        let at = utc
            .as_ref()
            .and_then(|(dt, _, _)| TimeZone::UTC.to_timestamp(*dt).ok());
        if let (Some(at), Some((zone, local, no))) = (at, self.local.take()) {
            out.fact(Fact::HostZone {
                host: None,
                zone,
                source: ZoneSource::NtpStatus,
                line: no,
            });
            if let Ok(l) = TimeZone::UTC.to_timestamp(local) {
                let offset_seconds = round_offset(l.as_second() - at.as_second());
                out.fact(Fact::OffsetSeen {
                    host: None,
                    at,
                    offset_seconds,
                    source: ZoneSource::NtpStatus,
                    line: no,
                });
            }
        }
        out.emit(self.event(first_no, &first_text, utc, at));
    }
}

impl NtpSection {
    fn current(&mut self, no: u64, text: &str, zone: &str, value: &str, out: &mut Output) {
        let Some((dt, _abbr)) = parse_loose(value) else {
            out.problem(
                no,
                format!("`Current time` not understood: {}", value.trim()),
            );
            return;
        };
        if zone == "UTC" {
            self.utc = Some((dt, no, text.trim().to_string()));
        } else if zone.contains('/') || zone.chars().all(|c| c.is_ascii_uppercase()) {
            self.local = Some((zone.to_string(), dt, no));
        } else {
            out.problem(no, format!("`{zone}` is not an Olson zone name: not used"));
        }
    }

    fn event(
        &mut self,
        first_no: u64,
        first_text: &str,
        utc: Option<(DateTime, u64, String)>,
        at: Option<uctriage_core::jiff::Timestamp>,
    ) -> RawEvent {
        let (no, text) = match &utc {
            Some((_, no, text)) => (*no, text.as_str()),
            None => (first_no, first_text),
        };
        let server = self
            .server
            .clone()
            .or_else(|| self.peer.as_ref().map(|p| p.0.clone()));
        let summary = match (self.synchronised, &server) {
            (Some(true), Some(s)) => format!("NTP synchronised to {s}"),
            (Some(true), None) => "NTP synchronised".to_string(),
            (Some(false), _) => "NTP unsynchronised".to_string(),
            (None, _) => "NTP status".to_string(),
        };
        let mut ev = RawEvent::new(no, text, Kind::Clock, summary).with_severity(
            if self.synchronised == Some(false) {
                Severity::Warning
            } else {
                Severity::Info
            },
        );
        if let Some(at) = at {
            ev = ev.at(RawTime::Absolute(
                at,
                "`Current time in UTC` line of utils ntp status",
            ));
        }
        if let Some(s) = self.synchronised {
            ev = ev.with_field("synchronised", if s { "yes" } else { "no" });
        }
        if let Some(s) = server {
            ev = ev.with_field("server", s);
        }
        if let Some(s) = &self.stratum {
            ev = ev.with_field("stratum", s);
        }
        if let Some((_, st)) = &self.peer {
            ev = ev.with_field("peer_stratum", st);
        }
        ev
    }
}
