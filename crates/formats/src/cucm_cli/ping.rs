//! Ping output (formats.md §8): Linux iputils (also CUCM `utils network ping`,
//! with `ping -D` `[epoch.micro]` prefixes), Windows and Cisco IOS.
//! Per-probe `Ping` events and one summary event per run. Probes carry no time
//! of their own: the `-D` epoch when present, else the capture's last known
//! local time (field `time_from=capture`), else none.

use super::{Capture, Section};
use crate::format::Output;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::jiff::Timestamp;
use uctriage_core::{EntityKind, Kind, RawEvent, RawTime, Severity};

static LINUX_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^PING\s+(\S+)\s+\(([^)]+)\)").unwrap());
static EPOCH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\[([0-9]+)(?:\.([0-9]+))?\]\s*").unwrap());
static REPLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[0-9]+ bytes from (\S+?)(?: \(([^)]+)\))?:? icmp_[sr]eq=([0-9]+)(?: ttl=([0-9]+))?(?: time[=<]([0-9.]+) ?ms)?").unwrap()
});
static FROM_ERR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^From (\S+)(?: \([^)]+\))?:? icmp_seq=([0-9]+) (.+)$").unwrap());
static NO_ANSWER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^no answer yet for icmp_seq=([0-9]+)").unwrap());
static STATS_HEAD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^--- (\S+) ping statistics ---$").unwrap());
static STATS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([0-9]+) packets transmitted, ([0-9]+) (?:packets )?received(?:, \+[0-9]+ (?:errors|duplicates))*, ([0-9.]+)% packet loss").unwrap()
});
static RTT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:rtt|round-trip) min/avg/max(?:/(?:mdev|stddev))? = ([0-9.]+)/([0-9.]+)/([0-9.]+)",
    )
    .unwrap()
});
static WIN_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^Pinging (\S+)(?: \[([^\]]+)\])? with [0-9]+ bytes of data:").unwrap()
});
static WIN_REPLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^Reply from ([^:]+): bytes=[0-9]+ time([=<])([0-9]+)ms TTL=[0-9]+").unwrap()
});
static WIN_ERR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:Request timed out\.|Reply from [^:]+: (?:Destination (?:host|net) unreachable|TTL expired)|General failure|Destination host unreachable)").unwrap()
});
static WIN_STATS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"Packets: Sent = ([0-9]+), Received = ([0-9]+), Lost = [0-9]+ \(([0-9]+)% loss\)")
        .unwrap()
});
static WIN_RTT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"Minimum = ([0-9]+)ms, Maximum = ([0-9]+)ms, Average = ([0-9]+)ms").unwrap()
});
static IOS_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^Sending ([0-9]+), [0-9]+-byte ICMP Echos to (\S+), timeout is [0-9]+ seconds:")
        .unwrap()
});
static IOS_PROBES: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[!.UQM?&]+$").unwrap());
static IOS_STATS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^Success rate is ([0-9]+) percent \(([0-9]+)/([0-9]+)\)(?:, round-trip min/avg/max = ([0-9]+)/([0-9]+)/([0-9]+) ms)?").unwrap()
});
static NOISE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:Type escape sequence to abort\.|Packet sent with a source address of|Ping statistics for |Approximate round trip times|Control-C|\^C)").unwrap()
});

/// A line that starts a ping run.
pub(crate) fn is_start(text: &str) -> bool {
    let t = text.trim();
    LINUX_START.is_match(t)
        || WIN_START.is_match(t)
        || IOS_START.is_match(t)
        || t == "Type escape sequence to abort."
}

/// A per-probe reply line (for detection).
pub(crate) fn is_probe(text: &str) -> bool {
    let t = EPOCH.replace(text.trim(), "");
    REPLY.is_match(&t) || WIN_REPLY.is_match(&t)
}

/// The ping section.
pub(crate) struct PingSection {
    target: Option<String>,
    seq: u64,
    /// The `-D` epoch of the run's latest reply: its summary is printed
    /// right after it, and takes that time.
    last_epoch: Option<Timestamp>,
}

impl PingSection {
    /// A section for `ping <arg>` (the target is the last word of the argument).
    pub(crate) fn new(arg: &str) -> PingSection {
        PingSection {
            target: arg.split_whitespace().last().map(str::to_string),
            seq: 0,
            last_epoch: None,
        }
    }

    fn time(&self, epoch: Option<Timestamp>, cap: &Capture, ev: RawEvent) -> RawEvent {
        match (epoch, cap.capture_time()) {
            (Some(at), _) => ev.at(RawTime::Absolute(at, "ping -D epoch prefix")),
            (None, Some(t)) => ev.at(t).with_field("time_from", "capture"),
            (None, None) => ev,
        }
    }

    fn probe(
        &mut self,
        no: u64,
        text: &str,
        seq: u64,
        rtt: Option<String>,
        epoch: Option<Timestamp>,
        cap: &Capture,
    ) -> RawEvent {
        let target = self.target.clone().unwrap_or_default();
        if epoch.is_some() {
            self.last_epoch = epoch;
        }
        let lost = rtt.is_none();
        let summary = match &rtt {
            Some(r) => format!("ping {target} seq {seq}: {r} ms"),
            None => format!("ping {target} seq {seq}: lost"),
        };
        let mut ev = RawEvent::new(no, text, Kind::Ping, summary)
            .with_field("target", &target)
            .with_field("seq", seq.to_string())
            .with_field("lost", lost.to_string())
            .with_entity(EntityKind::Node, &target)
            .with_severity(if lost {
                Severity::Warning
            } else {
                Severity::Info
            });
        if let Some(r) = rtt {
            ev = ev.with_field("rtt_ms", r);
        }
        self.time(epoch, cap, ev)
    }

    fn summary(
        &self,
        no: u64,
        text: &str,
        sent: &str,
        received: &str,
        loss: &str,
        cap: &Capture,
    ) -> RawEvent {
        let target = self.target.clone().unwrap_or_default();
        let lossy = loss.parse::<f64>().unwrap_or(0.0) > 0.0;
        let ev = RawEvent::new(
            no,
            text,
            Kind::Ping,
            format!("ping {target}: {received}/{sent} received, {loss}% loss"),
        )
        .with_field("target", &target)
        .with_field("sent", sent)
        .with_field("received", received)
        .with_field("loss_pct", loss)
        .with_entity(EntityKind::Node, &target)
        .with_severity(if lossy {
            Severity::Warning
        } else {
            Severity::Info
        });
        match self.last_epoch {
            // The statistics end the run: they are as old as its last
            // stamped line (replies only; ping -D does not stamp losses).
            Some(at) => ev
                .at(RawTime::Absolute(
                    at,
                    "ping -D epoch of the run's last reply",
                ))
                .with_field("time_from", "last_reply"),
            None => self.time(None, cap, ev),
        }
    }
}

fn epoch_of(c: &regex::Captures<'_>) -> Option<Timestamp> {
    let secs: i64 = c[1].parse().ok()?;
    let micros = c.get(2).map_or(Some(0), |m| {
        format!("{:0<6}", &m.as_str()[..m.len().min(6)])
            .parse::<i32>()
            .ok()
    })?;
    Timestamp::new(secs, micros * 1000).ok()
}

impl Section for PingSection {
    fn line(&mut self, no: u64, text: &str, cap: &mut Capture, out: &mut Output) -> bool {
        let raw = text.trim();
        let (epoch, t) = match EPOCH.captures(raw) {
            Some(c) => (epoch_of(&c), &raw[c.get(0).unwrap().end()..]),
            None => (None, raw),
        };
        if let Some(ev) = self.linux(no, raw, t, epoch, cap) {
            out.emit(ev);
            return true;
        }
        if let Some(c) = RTT.captures(t).or_else(|| WIN_RTT.captures(t)) {
            let (avg, max) = if t.starts_with("Minimum") {
                (&c[3], &c[2])
            } else {
                (&c[2], &c[3])
            };
            if let Some(ev) = out
                .last_event_mut()
                .filter(|e| e.kind == Kind::Ping && e.fields.contains_key("sent"))
            {
                ev.fields.insert("rtt_avg_ms", avg);
                ev.fields.insert("rtt_max_ms", max);
            }
            return true;
        }
        if let Some(evs) = self.windows_or_ios(no, t, cap) {
            for ev in evs {
                out.emit(ev);
            }
            return true;
        }
        NOISE.is_match(t)
    }
}

impl PingSection {
    fn linux(
        &mut self,
        no: u64,
        raw: &str,
        t: &str,
        epoch: Option<Timestamp>,
        cap: &Capture,
    ) -> Option<RawEvent> {
        if let Some(c) = REPLY.captures(t) {
            let seq = c[3].parse().unwrap_or(0);
            return Some(self.probe(
                no,
                raw,
                seq,
                c.get(5).map(|m| m.as_str().to_string()),
                epoch,
                cap,
            ));
        }
        if let Some(c) = FROM_ERR.captures(t) {
            let seq = c[2].parse().unwrap_or(0);
            return Some(
                self.probe(no, raw, seq, None, epoch, cap)
                    .with_field("error", c[3].trim()),
            );
        }
        if let Some(c) = NO_ANSWER.captures(t) {
            return Some(self.probe(no, raw, c[1].parse().unwrap_or(0), None, epoch, cap));
        }
        if let Some(c) = STATS.captures(t) {
            return Some(self.summary(no, raw, &c[1], &c[2], &c[3], cap));
        }
        None
    }

    fn windows_or_ios(&mut self, no: u64, t: &str, cap: &Capture) -> Option<Vec<RawEvent>> {
        if let Some(c) = LINUX_START.captures(t) {
            self.target = Some(c[1].to_string());
            self.last_epoch = None;
            return Some(vec![]);
        }
        if let Some(c) = STATS_HEAD.captures(t) {
            self.target = Some(c[1].to_string());
            return Some(vec![]);
        }
        if let Some(c) = WIN_START.captures(t) {
            self.target = Some(c.get(2).map_or(&c[1], |m| m.as_str()).to_string());
            self.seq = 0;
            return Some(vec![]);
        }
        if let Some(c) = IOS_START.captures(t) {
            self.target = Some(c[2].to_string());
            self.seq = 0;
            return Some(vec![]);
        }
        if let Some(c) = WIN_REPLY.captures(t) {
            self.seq += 1;
            let rtt = if &c[2] == "<" {
                format!("<{}", &c[3])
            } else {
                c[3].to_string()
            };
            let rtt_val = if &c[2] == "<" {
                "0.5".to_string()
            } else {
                c[3].to_string()
            };
            let seq = self.seq;
            return Some(vec![self
                .probe(no, t, seq, Some(rtt_val), None, cap)
                .with_field("rtt_printed", rtt)]);
        }
        if WIN_ERR.is_match(t) {
            self.seq += 1;
            let seq = self.seq;
            return Some(vec![self
                .probe(no, t, seq, None, None, cap)
                .with_field("error", t)]);
        }
        if let Some(c) = WIN_STATS.captures(t) {
            return Some(vec![self.summary(no, t, &c[1], &c[2], &c[3], cap)]);
        }
        if IOS_PROBES.is_match(t) {
            return Some(self.ios_probes(no, t, cap));
        }
        if let Some(c) = IOS_STATS.captures(t) {
            let loss = 100 - c[1].parse::<i64>().unwrap_or(0);
            let mut ev = self.summary(no, t, &c[3], &c[2], &loss.to_string(), cap);
            if let (Some(avg), Some(max)) = (c.get(5), c.get(6)) {
                ev = ev
                    .with_field("rtt_avg_ms", avg.as_str())
                    .with_field("rtt_max_ms", max.as_str());
            }
            return Some(vec![ev]);
        }
        None
    }

    fn ios_probes(&mut self, no: u64, t: &str, cap: &Capture) -> Vec<RawEvent> {
        t.chars()
            .map(|ch| {
                self.seq += 1;
                let seq = self.seq;
                let ev = self.probe(no, t, seq, None, None, cap);
                if ch == '!' {
                    let mut ev = ev.with_field("lost", "false").with_severity(Severity::Info);
                    ev.summary = format!(
                        "ping {} seq {seq}: reply",
                        self.target.clone().unwrap_or_default()
                    )
                    .into();
                    ev
                } else {
                    ev.with_field("result_char", ch.to_string())
                }
            })
            .collect()
    }
}
