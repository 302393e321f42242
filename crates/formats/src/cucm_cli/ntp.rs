//! `utils ntp status` (formats.md §4.11): `ntpd (pid N) is running...`, an
//! optional ntpq peer table, `synchronised`/`synchronized`/`unsynchronised`,
//! and the `Current time in UTC is :` / `Current time in <Olson> is :` pair,
//! which states the host's zone and its UTC offset at capture time.
//!
//! Events: one `Clock` status event (`role = status`: `state`
//! synchronised/unsynchronised, `server`, `stratum`, `restarting`, `poll_s`,
//! `accuracy_ms`), then one `Clock` event per peer row (`role = peer`:
//! `server`, `refid`, `stratum`, `tally`, `reach`, `poll`, `when`, `type`,
//! `delay_ms`, `offset_ms`, `jitter_ms`), all at the `Current time in UTC` instant.
//! Tally codes, stratum 16 and reach values stay raw: the knowledge base
//! decodes them (code table `ntp-tally-code`, C-215537 / TN 118718).

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
    Regex::new(r"(?i)^\s*(?:time correct to within\s*([0-9]+)\s*ms|poll(?:ing)? server every\s*([0-9]+)\s*s|(time server re-?starting))")
        .unwrap()
});
static CURRENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*Current time in (\S+) is\s*:\s*(.+)$").unwrap());

/// One ntpq peer row: line, text, fields.
type PeerRow = (u64, String, Vec<(&'static str, String)>);

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
    peers: Vec<PeerRow>,
    restarting: bool,
    poll_s: Option<String>,
    accuracy_ms: Option<String>,
    utc: Option<(DateTime, u64, String)>,
    local: Option<(String, DateTime, u64)>,
}

impl Section for NtpSection {
    fn line(&mut self, no: u64, text: &str, _cap: &mut Capture, out: &mut Output) -> bool {
        if self.first_line.is_none() {
            self.first_line = Some((no, text.trim().to_string()));
        }
        if RUNNING.is_match(text) || TABLE_HEADER.is_match(text) {
            return true;
        }
        if let Some(c) = INFO.captures(text) {
            if let Some(m) = c.get(1) {
                self.accuracy_ms = Some(m.as_str().to_string());
            }
            if let Some(m) = c.get(2) {
                self.poll_s = Some(m.as_str().to_string());
            }
            self.restarting |= c.get(3).is_some();
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
            self.peer_row(no, text, &c);
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
        let time =
            at.map(|at| RawTime::Absolute(at, "`Current time in UTC` line of utils ntp status"));
        out.emit(self.event(first_no, &first_text, utc, at));
        for (no, text, fields) in self.peers.drain(..) {
            let get = |k: &str| {
                fields
                    .iter()
                    .find(|f| f.0 == k)
                    .map_or("", |f| f.1.as_str())
            };
            let summary = format!(
                "NTP peer {} stratum {} reach {} tally {}",
                get("server"),
                get("stratum"),
                get("reach"),
                get("tally")
            );
            let mut ev = RawEvent::new(no, &text, Kind::Clock, summary).with_field("role", "peer");
            if let Some(t) = &time {
                ev = ev.at(t.clone());
            }
            for (k, v) in fields {
                ev = ev.with_field(k, v);
            }
            out.emit(ev);
        }
    }
}

impl NtpSection {
    fn peer_row(&mut self, no: u64, text: &str, c: &regex::Captures<'_>) {
        let tally = match &c[1] {
            "" => "blank".to_string(),
            t => t.to_string(),
        };
        let names = [
            ("server", 2),
            ("refid", 3),
            ("stratum", 4),
            ("type", 5),
            ("when", 6),
            ("poll", 7),
            ("reach", 8),
            ("delay_ms", 9),
            ("offset_ms", 10),
            ("jitter_ms", 11),
        ];
        let mut fields: Vec<(&'static str, String)> = vec![("tally", tally)];
        fields.extend(names.iter().map(|(k, i)| (*k, c[*i].to_string())));
        self.peers.push((no, text.trim().to_string(), fields));
    }

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
        ev = ev.with_field("role", "status");
        if let Some(s) = self.synchronised {
            ev = ev.with_field("synchronised", if s { "yes" } else { "no" });
            ev = ev.with_field("state", if s { "synchronised" } else { "unsynchronised" });
        }
        if self.restarting {
            ev = ev.with_field("restarting", "yes");
        }
        if let Some(p) = &self.poll_s {
            ev = ev.with_field("poll_s", p);
        }
        if let Some(a) = &self.accuracy_ms {
            ev = ev.with_field("accuracy_ms", a);
        }
        ev = ev.with_field("peers", self.peers.len().to_string());
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
