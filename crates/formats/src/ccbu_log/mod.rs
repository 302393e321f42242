//! Contact-centre (CCBU) CiscoLog files: Finesse `Desktop-webservices` logs,
//! and the same envelope written by CUIC, SocialMiner and (UNCONFIRMED) CVP.
//!
//! A record is `[<seq>: <host>:] <MMM dd yyyy HH:MM:SS.mmm> <±HHMM>: %<APP>-<sev>-<ID>: [%[k=v]...:] <text>`
//! (Cisco TAC documents 212077, 200937; CUIC and SocialMiner samples in TAC
//! documents quoted in `tests/fixtures/ccbu_log/README.md`). `<APP>` is
//! `CCBU_<thread>` (the thread may hold dashes and digits: `pool-21-thread-1`)
//! or `CVP_<major>_<minor>_<SUBSYSTEM>`. The stamp states its UTC offset:
//! the time is absolute ([`RawTime::Absolute`]), and each offset seen is also
//! reported as a [`Fact::OffsetSeen`] for the file's host. The sequence and
//! host may be missing (documents quote records without them); an empty host
//! (`0000837786:: Jun 20 ...`) is accepted.
//!
//! Host attribution: Finesse prints its own IP address after the sequence
//! number. An address is kept as the `node_address` field of each event and
//! the host comes from the folder (a Finesse co-resident with UCCX then
//! shares the UCCX node's name rather than becoming a second host); a printed
//! name (not an address) is reported as the file's host ([`Fact::FileHost`]).
//!
//! Lines that start no record continue the previous one (Java stack traces,
//! wrapped payloads) and join its event.

mod cvp;
mod envelope;
mod fields;
mod finesse;
#[cfg(test)]
mod tests;

use crate::format::{FileContext, Format, Head, Line, LineParser, Output};
use envelope::{split, Record, Reject};
use uctriage_core::{round_offset, Fact, Kind, RawEvent, RawTime, Severity, ZoneSource};

/// The CCBU CiscoLog format.
pub(crate) struct CcbuLog;

/// How an event's time is described ([`RawTime::Absolute`]).
const HOW: &str = "CCBU CiscoLog stamp with its UTC offset";

/// Longest text kept on a record that collects continuation lines.
const MAX_RECORD_TEXT: usize = 4000;

impl Format for CcbuLog {
    fn name(&self) -> &'static str {
        "ccbu-log"
    }
    fn description(&self) -> &'static str {
        "Finesse Desktop-webservices, CVP, CUIC and other contact-centre CiscoLog files: <seq>: <host>: <MMM dd yyyy HH:MM:SS.mmm> <±HHMM>: %CCBU_<thread>-<sev>-<ID>: ..."
    }
    fn example(&self) -> &'static str {
        "0051203603: 10.106.81.82: Apr 14 2017 14:01:17.196 -0700: %CCBU_CTIMessageEventExecutor-0-6-DECODED_MESSAGE_FROM_CTI_SERVER: %[cti_message=CTIAgentStateEvent [agentState=8 (RESERVED), agentID=1234]]: Decoded Message to Finesse from backend cti server"
    }
    fn detect(&self, head: &Head<'_>) -> u8 {
        let ours = head.count(|l| {
            (l.contains("%CCBU_") || l.contains("%CVP_")) && envelope::looks_like_record(l)
        });
        let total = head.non_blank();
        if ours == 0 {
            return 0;
        }
        // Above cisco-syslog (85), which also reads this envelope, when most
        // records are ours; stack-trace lines between records count against us.
        if ours * 10 >= total * 3 {
            90
        } else {
            30
        }
    }
    fn parser(&self, ctx: &FileContext) -> Box<dyn LineParser> {
        let name = ctx.file_name().to_ascii_lowercase();
        Box::new(CcbuParser {
            finesse: name.contains("webservices"),
            keep_ordinary: ctx.keep_ordinary,
            ..CcbuParser::default()
        })
    }
}

#[derive(Default)]
struct CcbuParser {
    /// The file is a Finesse webservices log (by its name, or by records only
    /// Finesse writes): the word-matched Finesse events apply.
    finesse: bool,
    /// Every record becomes an event.
    keep_ordinary: bool,
    /// A record was read: lines that start none continue it.
    in_record: bool,
    /// The current record became an event (continuation lines join it).
    open: bool,
    /// Applications whose first ordinary record was kept.
    apps: Vec<String>,
    /// Offsets already reported.
    offsets: Vec<i32>,
    /// The file's host was reported.
    host_told: bool,
    first: Option<RawTime>,
    last: Option<RawTime>,
}

impl LineParser for CcbuParser {
    fn line(&mut self, line: Line<'_>, out: &mut Output) {
        match split(line.text) {
            Ok(rec) => {
                self.record(line.no, line.text, &rec, out);
                out.understood();
                self.in_record = true;
            }
            Err(Reject::BadStamp(stamp)) => {
                out.problem(line.no, format!("record stamp is not a real time: {stamp}"));
                self.in_record = false;
                self.open = false;
            }
            Err(Reject::NotARecord) => {
                if self.in_record {
                    if let Some(ev) = out.last_event_mut().filter(|_| self.open) {
                        ev.append_line(line.text, MAX_RECORD_TEXT);
                    }
                    out.understood();
                }
            }
        }
    }

    fn finish(&mut self, out: &mut Output) {
        if let (Some(first), Some(last)) = (self.first.take(), self.last.take()) {
            out.time_span(first, last);
        }
    }
}

impl CcbuParser {
    fn record(&mut self, no: u64, raw: &str, rec: &Record<'_>, out: &mut Output) {
        let time = RawTime::Absolute(rec.ts, HOW);
        self.first.get_or_insert(time.clone());
        self.last = Some(time.clone());
        self.facts(no, rec, out);
        if !self.finesse
            && (rec.app.starts_with("CCBU_CTIMessageEventExecutor")
                || matches!(
                    rec.msg_id,
                    "DECODED_MESSAGE_FROM_CTI_SERVER" | "XMPP_PUBLISH_ASYNCHRONOUS"
                ))
        {
            self.finesse = true;
        }
        let event = if rec.app.starts_with("CVP_") {
            cvp::decode(no, raw, rec)
        } else if self.finesse {
            finesse::decode(no, raw, rec)
        } else {
            None
        };
        let event = event.or_else(|| self.ordinary(no, raw, rec));
        self.open = event.is_some();
        if let Some(mut ev) = event {
            ev.time = time;
            ev.fields.insert("msg_id", rec.msg_id);
            ev.fields.insert("app", app_name(rec.app));
            if let Some(t) = thread(rec.app) {
                ev.fields.insert("thread", t);
            }
            if let Some(s) = rec.seq {
                ev.fields.insert("seq", s);
            }
            if let Some(h) = rec.host {
                ev.fields.insert("node_address", h);
            }
            ev.fields
                .insert("utc_offset", offset_text(rec.offset_seconds));
            out.emit(ev);
        }
    }

    /// The file's host and the offsets its stamps state.
    fn facts(&mut self, no: u64, rec: &Record<'_>, out: &mut Output) {
        if let (Some(host), false) = (rec.host, self.host_told) {
            if host.parse::<std::net::IpAddr>().is_err() {
                out.fact(Fact::FileHost {
                    host: host.to_string(),
                });
            }
            self.host_told = true;
        }
        let offset = round_offset(i64::from(rec.offset_seconds));
        if !self.offsets.contains(&offset) {
            self.offsets.push(offset);
            out.fact(Fact::OffsetSeen {
                host: None,
                at: rec.ts,
                offset_seconds: offset,
                source: ZoneSource::Stated,
                line: no,
            });
        }
    }

    /// An ordinary record as a plain event: always with `keep_ordinary`, else
    /// only the first of each application (so what ran is known).
    fn ordinary(&mut self, no: u64, raw: &str, rec: &Record<'_>) -> Option<RawEvent> {
        let app = app_name(rec.app);
        if !self.keep_ordinary {
            if self.apps.iter().any(|a| a == app) {
                return None;
            }
            self.apps.push(app.to_string());
        }
        let summary = if rec.text.is_empty() {
            rec.msg_id.to_string()
        } else {
            format!(
                "{}: {}",
                rec.msg_id,
                rec.text.chars().take(160).collect::<String>()
            )
        };
        Some(
            RawEvent::new(no, raw, Kind::Log, summary)
                .with_severity(Severity::from_number(rec.sev).unwrap_or_default()),
        )
    }
}

/// `CCBU` or `CVP` (the part of the application before the thread / version).
fn app_name(app: &str) -> &str {
    app.split('_').next().unwrap_or(app)
}

/// The thread of a `CCBU_<thread>` application, padding underscores removed.
fn thread(app: &str) -> Option<&str> {
    let t = app.strip_prefix("CCBU_")?.trim_matches('_');
    (!t.is_empty()).then_some(t)
}

fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    format!("{sign}{:02}{:02}", s / 3600, s % 3600 / 60)
}
