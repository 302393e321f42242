//! `utils network capture [port 123] ...`: tcpdump-style packet lines
//! (`HH:MM:SS.micro IP <src>.<port> > <dst>.<port>: <payload>`) after an
//! `Executing command with options:` banner (C-215537, TN 118718, NOC-NTP).
//!
//! NTP packets (`NTPv4, Client, length 48`, spacing around the commas varies)
//! are grouped into flows: one `Clock` event (`role = packet_capture`) per
//! (source host, destination host, NTP version, mode) with `protocol = ntp`,
//! `version`, `mode` (client|server|...), `src`, `dst`, `server` (the answering
//! side: the source of a server packet, the destination of a client packet),
//! `client`, `packets`, `first_seen`, `last_seen`, at the first packet's time
//! of day (dated by the capture's date or the file name when known). Other
//! packets are understood and counted (`other_packets` on the flows).
//! The version each server answers with is the point: CUCM 9 and later needs
//! an NTPv4 server (TN 118718); the knowledge base says so, the parser only
//! reports versions.

use super::{Capture, Section};
use crate::format::Output;
use crate::timeparse::parse_hms;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::jiff::civil::Time;
use uctriage_core::{Kind, RawEvent, RawTime, Severity};

static PACKET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*([0-9]{1,2}:[0-9]{2}:[0-9]{2})(?:\.[0-9]+)?\s+IP6?\s+(\S+)\s+>\s+(\S+?):\s*(.*)$",
    )
    .unwrap()
});
static NTP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"NTPv([0-9])\s*,\s*([A-Za-z][A-Za-z ]*?)\s*,").unwrap());
static OPTIONS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*(?:[a-z]+=\S*\s*)+$").unwrap());
static TRAILER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:[0-9]+ packets? (?:captured|received by filter|dropped by kernel)|tcpdump: |listening on )")
        .unwrap()
});

/// A packet line that carries NTP (for sniffing captures without an echo).
pub(crate) fn is_ntp_packet(text: &str) -> bool {
    text.contains("NTPv") && PACKET.is_match(text) && NTP.is_match(text)
}

struct Flow {
    line: u64,
    text: String,
    src: String,
    dst: String,
    version: String,
    mode: String,
    packets: u64,
    first: Time,
    last: Time,
}

/// The capture section.
#[derive(Default)]
pub(crate) struct CaptureSection {
    flows: Vec<Flow>,
    other: u64,
}

/// `host.port` of a tcpdump endpoint: the host without its last dotted part.
fn host_of(endpoint: &str) -> &str {
    endpoint.rsplit_once('.').map_or(endpoint, |(h, _)| h)
}

impl Section for CaptureSection {
    fn line(&mut self, no: u64, text: &str, _cap: &mut Capture, _out: &mut Output) -> bool {
        let t = text.trim();
        if t.starts_with("Executing command with options") || OPTIONS.is_match(t) {
            return true;
        }
        if TRAILER.is_match(t) {
            return true;
        }
        let Some(c) = PACKET.captures(t) else {
            return false;
        };
        let Some(time) = parse_hms(&c[1]) else {
            return false;
        };
        let Some(n) = NTP.captures(&c[4]) else {
            self.other += 1;
            return true;
        };
        let (src, dst) = (host_of(&c[2]), host_of(&c[3]));
        let mode = n[2].trim().to_ascii_lowercase();
        let found = self
            .flows
            .iter_mut()
            .find(|f| f.src == src && f.dst == dst && f.version == n[1] && f.mode == mode);
        match found {
            Some(f) => {
                f.packets += 1;
                f.last = time;
            }
            None => self.flows.push(Flow {
                line: no,
                text: t.to_string(),
                src: src.to_string(),
                dst: dst.to_string(),
                version: n[1].to_string(),
                mode,
                packets: 1,
                first: time,
                last: time,
            }),
        }
        true
    }

    fn finish(&mut self, cap: &mut Capture, out: &mut Output) {
        let date = cap
            .now
            .map(|(dt, _)| (dt.date(), uctriage_core::DateSource::Header));
        for f in self.flows.drain(..) {
            let (server, client) = if f.mode == "server" {
                (&f.src, &f.dst)
            } else {
                (&f.dst, &f.src)
            };
            let summary = format!(
                "NTPv{} {} packets {} > {} ({} packets)",
                f.version, f.mode, f.src, f.dst, f.packets
            );
            let time = match date.or(cap.date_hint) {
                Some((d, src)) => RawTime::local(d, f.first, src),
                None => RawTime::TimeOfDay(f.first),
            };
            let sev = if f.mode == "server" && f.version != "4" {
                Severity::Warning
            } else {
                Severity::Info
            };
            let ev = RawEvent::new(f.line, &f.text, Kind::Clock, summary)
                .at(time)
                .with_severity(sev)
                .with_field("role", "packet_capture")
                .with_field("protocol", "ntp")
                .with_field("version", &f.version)
                .with_field("mode", &f.mode)
                .with_field("src", &f.src)
                .with_field("dst", &f.dst)
                .with_field("server", server)
                .with_field("client", client)
                .with_field("packets", f.packets.to_string())
                .with_field("first_seen", f.first.to_string())
                .with_field("last_seen", f.last.to_string())
                .with_field("other_packets", self.other.to_string());
            out.emit(ev);
        }
    }
}
