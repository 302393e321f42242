//! UCCE `dumplog` output of PG processes: JTAPI Gateway (jgw), PIM, OPC, CTI Server.
//!
//! Standard form (Serviceability Best Practices Guide for UCCE 9.0, §10.5):
//! `HH:MM:SS[:mmm] <pg><side>-<proc> <message>`, local time without a date; the
//! date is on `Events from <Month d, yyyy>` lines at the start of the file and
//! whenever the day changes. Continuation lines (PIM's multi-line records) start
//! with a TAB. JTAPI events are decoded into device / address / cause.
//!
//! PG, CTI Server, OPC, PIM and MDS state changes (sides active or idle,
//! peripherals online or offline, CTI sessions, agents logged out) become
//! [`Kind::Failover`] and [`Kind::AgentState`] events: see [`failover`] for
//! what is confirmed and what is matched by words.
//!
//! Host attribution: the `<pg><side>` token names the PG and its side, not
//! the machine (kept as the `peripheral_gateway` and `side` fields); the host
//! comes from the folder.
//!
//! UNCONFIRMED (parsed tolerantly): the millisecond separator of the `/ms`
//! dumplog switch (we accept `:` and `.`), and most OPC / CTI Server / CTIOS
//! server wording (only CTI Server session traces have a public sample).

mod decode;
mod failover;
#[cfg(test)]
mod tests;

use crate::format::{FileContext, Format, Head, Line, LineParser, Output};
use crate::timeparse::{parse_hms, parse_long_date};
use decode::decode;
use uctriage_core::jiff::civil::{Date, Time};
use uctriage_core::{DateSource, Entity, EntityKind, Kind, RawEvent, RawTime};

/// The UCCE dumplog format.
pub(crate) struct UcceDumplog;

impl Format for UcceDumplog {
    fn name(&self) -> &'static str {
        "ucce-dumplog"
    }
    fn description(&self) -> &'static str {
        "UCCE PG process traces as written by dumplog (jgw, pim, opc, ctisvr): time, <PG><side>-<process>, message"
    }
    fn example(&self) -> &'static str {
        "12:33:19:564 PG1A-jgw1 Trace: CiscoTermOutOfServiceEv Term: LCP50001148 Cause: DEVICE_UNREGISTERED"
    }
    fn detect(&self, head: &Head<'_>) -> u8 {
        let records = head.count(|l| split_record(l).is_some());
        let headers = head.count(|l| l.starts_with("Events from "));
        let total = head.non_blank();
        if records == 0 || total == 0 {
            return 0;
        }
        let cont = head.count(|l| l.starts_with('\t'));
        if (records + headers + cont) * 10 >= total * 6 {
            80
        } else if records * 10 >= total * 2 {
            30
        } else {
            0
        }
    }
    fn parser(&self, ctx: &FileContext) -> Box<dyn LineParser> {
        Box::new(DumplogParser {
            date: ctx.date_hint,
            last_time: None,
            in_record: false,
            open: false,
            keep_ordinary: ctx.keep_ordinary,
            processes: Vec::new(),
            session: None,
            first: None,
            last: None,
        })
    }
}

struct DumplogParser {
    date: Option<(Date, DateSource)>,
    /// The time of the previous record, in nanoseconds of the day.
    last_time: Option<i64>,
    in_record: bool,
    /// The current record became an event (its continuation lines join it).
    open: bool,
    /// Every record becomes an event ([`FileContext::keep_ordinary`]).
    keep_ordinary: bool,
    /// PG processes seen: the first record of each is kept even when
    /// ordinary, so what ran is known (CTIOS end of support, say).
    processes: Vec<String>,
    /// The CTI Server session message being read (its fields continue on
    /// the next records of the same session).
    session: Option<failover::SessionMsg>,
    /// Times of the first and the latest record (the file's span).
    first: Option<RawTime>,
    last: Option<RawTime>,
}

/// Nanoseconds since midnight (cheaper to compare than a `Span`).
fn nanos_of_day(t: Time) -> i64 {
    let secs = i64::from(t.hour()) * 3600 + i64::from(t.minute()) * 60 + i64::from(t.second());
    secs * 1_000_000_000 + i64::from(t.subsec_nanosecond())
}

const HALF_DAY_NANOS: i64 = 12 * 3600 * 1_000_000_000;

impl DumplogParser {
    fn time_for(&mut self, t: Time) -> RawTime {
        let now = nanos_of_day(t);
        if let (Some(last), Some((date, _))) = (self.last_time, self.date) {
            // A jump back of more than 12 hours is a midnight wrap; a small step
            // back is an out-of-order paste and keeps the date.
            if last - now >= HALF_DAY_NANOS {
                if let Ok(next) = date.tomorrow() {
                    self.date = Some((next, DateSource::Wrapped));
                }
            }
        }
        self.last_time = Some(now);
        match self.date {
            Some((date, source)) => RawTime::local(date, t, source),
            None => RawTime::TimeOfDay(t),
        }
    }
}

impl LineParser for DumplogParser {
    fn line(&mut self, line: Line<'_>, out: &mut Output) {
        let text = line.text;
        if let Some(rest) = text.strip_prefix("Events from ") {
            if let Some(d) = parse_long_date(rest.trim()) {
                self.date = Some((d, DateSource::Header));
                self.last_time = None;
                out.understood();
            } else {
                out.problem(
                    line.no,
                    format!("`Events from` header with a date not understood: {rest}"),
                );
            }
            self.in_record = false;
            return;
        }
        if let Some((stamp, pg, proc_, msg)) = split_record(text) {
            let Some(t) = parse_hms(stamp) else {
                out.problem(line.no, format!("impossible time {stamp}"));
                self.in_record = false;
                return;
            };
            let time = self.time_for(t);
            self.first.get_or_insert(time.clone());
            self.last = Some(time.clone());
            let body = msg.strip_prefix("Trace:").unwrap_or(msg).trim();
            let event = self
                .session_event(line.no, text, pg, body)
                .or_else(|| decode(line.no, text, body))
                .or_else(|| failover::decode(line.no, text, pg, proc_, body))
                .or_else(|| {
                    self.keeps_ordinary(proc_)
                        .then(|| RawEvent::new(line.no, text, Kind::Log, body))
                });
            self.open = event.is_some();
            if let Some(ev) = event {
                out.emit(record_event(ev, pg, proc_, time));
            }
            out.understood();
            self.in_record = true;
            return;
        }
        if self.in_record && (text.starts_with('\t') || text.starts_with("    ")) {
            if let Some(ev) = out.last_event_mut().filter(|_| self.open) {
                ev.append_line(text, 4000);
            }
            out.understood();
        }
    }

    fn finish(&mut self, out: &mut Output) {
        if let (Some(first), Some(last)) = (self.first.take(), self.last.take()) {
            out.time_span(first, last);
        }
    }
}

impl DumplogParser {
    /// The event of a CTI Server session message (`SESSION <n>: MsgType:...`)
    /// once this record completes what it needs; other records end the message.
    fn session_event(&mut self, no: u64, text: &str, pg: &str, body: &str) -> Option<RawEvent> {
        let Some((n, rest)) = failover::session_parts(body) else {
            self.session = None;
            return None;
        };
        if let Some(m) = failover::SessionMsg::start(n, rest, no, text) {
            self.session = Some(m);
        } else if let Some(m) = self.session.as_mut() {
            if !m.extend(n, rest, text) {
                self.session = None;
            }
        }
        self.session.as_mut().and_then(|m| m.event(pg))
    }

    /// Whether an ordinary record of `process` becomes an event: always with
    /// `keep_ordinary`, else only the process's first record in the file.
    fn keeps_ordinary(&mut self, process: &str) -> bool {
        if self.keep_ordinary {
            return true;
        }
        if self.processes.iter().any(|p| p == process) {
            return false;
        }
        self.processes.push(process.to_owned());
        true
    }
}

/// The event of one record: its decoded message, the time, and the PG
/// process that wrote it (the fields and entity every record carries).
fn record_event(mut ev: RawEvent, pg: &str, proc_: &str, time: RawTime) -> RawEvent {
    ev.time = time;
    let token = [pg, proc_].join("-");
    // Failover events name the component that changed state; the others
    // keep the process token here too.
    if !ev.fields.contains_key("component") {
        ev.fields.insert("component", &token);
    }
    ev.fields.insert("process_token", token);
    ev.fields.insert("peripheral_gateway", pg);
    let process = Entity {
        kind: EntityKind::Process,
        id: proc_.into(),
    };
    if !ev.entities.contains(&process) {
        ev.entities.push(process);
    }
    ev
}

/// `HH:MM:SS[:mmm] <pg>-<proc> <message>` split into its four parts, by hand
/// in one pass over the bytes: a stamp of 7, 8 or 10-12 digits, `:` (at
/// least two) and `.`; a space; `<pg>` of ASCII letters, digits and `_`; `-`;
/// `<proc>` of letters then digits; a space; the message.
fn split_record(text: &str) -> Option<(&str, &str, &str, &str)> {
    let b = text.as_bytes();
    let stamp_end = stamp_len(b)?;
    let pg_start = stamp_end + 1;
    let pg_end = pg_start + run(&b[pg_start..], |c| c.is_ascii_alphanumeric() || c == b'_');
    if pg_end == pg_start || b.get(pg_end) != Some(&b'-') {
        return None;
    }
    let proc_start = pg_end + 1;
    let letters = run(&b[proc_start..], |c| c.is_ascii_alphabetic());
    if letters == 0 {
        return None;
    }
    let proc_end = proc_start + letters + run(&b[proc_start + letters..], |c| c.is_ascii_digit());
    if b.get(proc_end) != Some(&b' ') {
        return None;
    }
    Some((
        &text[..stamp_end],
        &text[pg_start..pg_end],
        &text[proc_start..proc_end],
        &text[proc_end + 1..],
    ))
}

/// The length of a record's time stamp at the start of `b`, when a space
/// follows it.
fn stamp_len(b: &[u8]) -> Option<usize> {
    let mut colons = 0;
    let mut n = 0;
    while n <= 12 {
        match b.get(n) {
            Some(b'0'..=b'9' | b'.') => {}
            Some(b':') => colons += 1,
            _ => break,
        }
        n += 1;
    }
    let ok = b.get(n) == Some(&b' ') && matches!(n, 7 | 8 | 10..=12) && colons >= 2;
    ok.then_some(n)
}

/// How many bytes at the start of `b` satisfy `pred`.
fn run(b: &[u8], pred: impl Fn(u8) -> bool) -> usize {
    b.iter().position(|&c| !pred(c)).unwrap_or(b.len())
}
