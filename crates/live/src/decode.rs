//! Received messages → the parsed records a bundle's syslog file would give.
//!
//! Every message is read by the cisco-syslog parser of the formats crate
//! ([`parse_message`]), the one that reads CiscoSyslog, Event Viewer and
//! remote-syslog files: a CUCM alarm, RTMT alert or plain syslogd line
//! becomes the same events here as in a bundle. What only the wire has is
//! added around it:
//!
//! - An RFC 5424 message gives its MSG to the parser; when the parser makes
//!   nothing of it (an ESXi or Linux message), the header alone makes a `log`
//!   event with its stated instant, host and app. A numeric, non-zero offset
//!   in its timestamp is an observation of the sender's zone.
//! - A message no parser understands is kept as a `log` event at the instant
//!   it was received, and its clock says so; it counts as malformed.

use crate::wire::{pri, rfc5424};
use uctriage_core::jiff::Timestamp;
use uctriage_core::{Fact, Kind, Problem, RawEvent, RawTime, Severity, ZoneSource};
use uctriage_formats::{by_name, parse_message, FileContext, Format, ParsedFile};

/// How the clock of a message that states no time reads (it is the receive instant).
pub const RECEIVED_CLOCK: &str = "received: the message states no time it was sent";

/// One message to decode.
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    /// The message's number in the store (the evidence line).
    pub id: u64,
    /// Its text, as [`message_text`](crate::message_text) made it.
    pub text: &'a str,
    /// When it was received.
    pub received: Timestamp,
}

/// The records of a batch of messages from one sender.
#[derive(Debug, Default)]
pub struct Decoded {
    /// Events, facts and problems, numbered by message id.
    pub parsed: ParsedFile,
    /// Messages no parser understood (kept as received-time `log` events).
    pub malformed: u64,
}

/// Decode messages from one sender; `path` names the sender
/// (`syslog/<peer address>`), `peer` is its address, the host of last resort.
pub fn decode<'a>(path: &str, peer: &str, items: impl IntoIterator<Item = Item<'a>>) -> Decoded {
    let format: &dyn Format = by_name("cisco-syslog").expect("the cisco-syslog format exists");
    let ctx = FileContext::new(path);
    let mut out = Decoded {
        parsed: ParsedFile {
            path: path.to_string(),
            format: format.name(),
            ..Default::default()
        },
        malformed: 0,
    };
    for item in items {
        let one = one(format, &ctx, peer, item);
        let p = &mut out.parsed;
        p.lines += 1;
        p.bytes += item.text.len() as u64;
        if one.understood {
            p.understood += 1;
        } else {
            out.malformed += 1;
        }
        p.events.extend(one.events);
        for f in one.facts {
            if !p.facts.contains(&f) {
                p.facts.push(f);
            }
        }
        p.problems.extend(one.problems);
    }
    out
}

struct One {
    events: Vec<RawEvent>,
    facts: Vec<Fact>,
    problems: Vec<Problem>,
    understood: bool,
}

fn one(format: &dyn Format, ctx: &FileContext, peer: &str, item: Item<'_>) -> One {
    let header = rfc5424(item.text);
    let text = match &header {
        // The MSG goes to the parser behind the PRI, as a relay would pass it on.
        Some(h) => format!("<{}>{}", h.pri, h.msg),
        None => item.text.to_string(),
    };
    let mut parsed = parse_message(format, ctx, item.id, &text);
    for e in &mut parsed.events {
        e.text = item.text.into();
    }
    let mut one = One {
        understood: parsed.understood > 0 && !parsed.events.is_empty(),
        events: parsed.events,
        facts: parsed.facts,
        problems: parsed.problems,
    };
    if let Some(h) = &header {
        if let (Some(host), Some(t), Some(off)) = (h.host, h.time, h.offset_seconds) {
            one.facts.push(Fact::OffsetSeen {
                host: Some(host.to_string()),
                at: t,
                offset_seconds: off,
                source: ZoneSource::Stated,
                line: item.id,
            });
        }
        for e in &mut one.events {
            if e.host.is_none() {
                e.host = h.host.map(Into::into);
            }
        }
        if !one.understood {
            one.events = vec![rfc5424_event(item, h, peer)];
            one.understood = true;
        }
    }
    if !one.understood {
        one.events = vec![received_event(item, peer)];
    }
    one
}

fn severity(pri: Option<u8>) -> Severity {
    pri.and_then(|p| Severity::from_number(p & 7))
        .unwrap_or_default()
}

fn rfc5424_event(item: Item<'_>, h: &crate::wire::Rfc5424<'_>, peer: &str) -> RawEvent {
    let app = h.app.unwrap_or("-");
    let summary = match h.procid {
        Some(p) => format!("{app}[{p}]: {}", h.msg),
        None => format!("{app}: {}", h.msg),
    };
    let time = match h.time {
        Some(t) => RawTime::Absolute(t, "RFC 5424 timestamp"),
        None => RawTime::Absolute(item.received, RECEIVED_CLOCK),
    };
    let mut ev = RawEvent::new(item.id, item.text, Kind::Log, summary)
        .at(time)
        .on_host(h.host.unwrap_or(peer))
        .with_severity(severity(Some(h.pri)))
        .with_field("facility", (h.pri >> 3).to_string());
    for (k, v) in [
        ("app", h.app),
        ("procid", h.procid),
        ("msgid", h.msgid),
        ("structured_data", h.sd),
    ] {
        if let Some(v) = v {
            ev = ev.with_field(k, v);
        }
    }
    ev
}

fn received_event(item: Item<'_>, peer: &str) -> RawEvent {
    let (p, rest) = pri(item.text);
    let summary: String = rest.trim().chars().take(300).collect();
    RawEvent::new(item.id, item.text, Kind::Log, summary)
        .at(RawTime::Absolute(item.received, RECEIVED_CLOCK))
        .on_host(peer)
        .with_severity(severity(p))
        .with_field("unrecognised", "message layout not recognised")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(texts: &[&'static str]) -> Vec<Item<'static>> {
        let received: Timestamp = "2026-12-06T17:00:00Z".parse().unwrap();
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| Item {
                id: 100 + i as u64,
                text: t,
                received,
            })
            .collect()
    }

    #[test]
    fn a_cucm_remote_syslog_alarm_becomes_the_event_its_file_line_does() {
        let wire = "<187>48215: bldcucmpub.voip.com: Jul 12 2019 12:45:10.298 UTC :  %UC_CALLMANAGER-3-EndPointUnregistered: %[DeviceName=SEP0023EB54A1C7][IPAddress=170.8.22.57][Protocol=SCCP][DeviceType=436][Description=Lobby Phone][Reason=13][IPAddrAttributes=0][AppID=Cisco CallManager][ClusterID=StandAloneCluster][NodeID=bldcucmpub]: An endpoint has unregistered";
        let file_line = "Jul 12 07:45:10 bldcucmpub local7 3 : 48215: bldcucmpub.voip.com: Jul 12 2019 12:45:10.298 UTC :  %UC_CALLMANAGER-3-EndPointUnregistered: %[DeviceName=SEP0023EB54A1C7][IPAddress=170.8.22.57][Protocol=SCCP][DeviceType=436][Description=Lobby Phone][Reason=13][IPAddrAttributes=0][AppID=Cisco CallManager][ClusterID=StandAloneCluster][NodeID=bldcucmpub]: An endpoint has unregistered";
        let live = decode("syslog/10.0.0.7", "10.0.0.7", items(&[wire]));
        let file = uctriage_formats::parse_reader(
            by_name("cisco-syslog"),
            &FileContext::new("CiscoSyslog"),
            file_line.as_bytes(),
        );
        assert_eq!(live.malformed, 0);
        let (a, b) = (&live.parsed.events[0], &file.events[0]);
        assert_eq!(a.kind, Kind::DeviceUnregistered);
        assert_eq!(
            (a.kind, &a.time, &a.summary, &a.fields.get("DeviceName")),
            (b.kind, &b.time, &b.summary, &b.fields.get("DeviceName"))
        );
        assert_eq!(a.line, 100);
        assert_eq!(a.text, wire);
    }

    #[test]
    fn rfc3164_and_rfc5424_messages_keep_their_own_times_and_hosts() {
        let d = decode(
            "syslog/10.0.0.8",
            "10.0.0.8",
            items(&[
                "<13>Dec  6 16:59:58 esx1 vmkernel: cpu1:2097) NMP: path down",
                "<165>1 2026-12-06T17:59:59.500+01:00 esx2 hostd 123 - - Task completed",
            ]),
        );
        assert_eq!(d.malformed, 0);
        let e = &d.parsed.events;
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].host.as_deref(), Some("esx1"));
        assert!(matches!(
            e[0].time,
            RawTime::LocalNoYear {
                month: 12,
                day: 6,
                ..
            }
        ));
        assert_eq!(e[1].host.as_deref(), Some("esx2"));
        assert_eq!(e[1].summary, "hostd[123]: Task completed");
        assert_eq!(e[1].severity, Severity::Notice);
        match &e[1].time {
            RawTime::Absolute(t, how) => {
                assert_eq!(t.to_string(), "2026-12-06T16:59:59.5Z");
                assert_eq!(*how, "RFC 5424 timestamp");
            }
            t => panic!("{t:?}"),
        }
        assert!(d.parsed.facts.iter().any(|f| matches!(
            f,
            Fact::OffsetSeen { host: Some(h), offset_seconds: 3600, .. } if h == "esx2"
        )));
    }

    #[test]
    fn gibberish_is_kept_at_its_receive_time_and_counted() {
        let d = decode(
            "syslog/10.0.0.9",
            "10.0.0.9",
            items(&["\u{1}\u{2} not syslog at all"]),
        );
        assert_eq!(d.malformed, 1);
        let e = &d.parsed.events[0];
        assert_eq!(e.host.as_deref(), Some("10.0.0.9"));
        assert!(matches!(e.time, RawTime::Absolute(_, RECEIVED_CLOCK)));
    }
}
