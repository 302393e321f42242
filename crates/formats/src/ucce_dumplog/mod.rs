//! UCCE `dumplog` output of PG processes: JTAPI Gateway (jgw), PIM, OPC, CTI Server.
//!
//! Standard form (Serviceability Best Practices Guide for UCCE 9.0, §10.5):
//! `HH:MM:SS[:mmm] <pg><side>-<proc> <message>`, local time without a date; the
//! date is on `Events from <Month d, yyyy>` lines at the start of the file and
//! whenever the day changes. Continuation lines (PIM's multi-line records) start
//! with a TAB. JTAPI events are decoded into device / address / cause.
//!
//! UNCONFIRMED (parsed tolerantly): the millisecond separator of the `/ms`
//! dumplog switch (we accept `:` and `.`), and OPC / CTI Server / CTIOS server
//! sample lines (no public sample: they are assumed to follow the same
//! standard form and are kept as plain log events).

mod decode;
#[cfg(test)]
mod tests;

use crate::format::{FileContext, Format, Head, Line, LineParser, Output};
use crate::timeparse::{parse_hms, parse_long_date};
use decode::decode;
use uctriage_core::jiff::civil::{Date, Time};
use uctriage_core::{DateSource, EntityKind, RawTime};

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
        })
    }
}

struct DumplogParser {
    date: Option<(Date, DateSource)>,
    last_time: Option<Time>,
    in_record: bool,
}

impl DumplogParser {
    fn time_for(&mut self, t: Time) -> RawTime {
        if let (Some(last), Some((date, _))) = (self.last_time, self.date) {
            // A jump back of more than 12 hours is a midnight wrap; a small step
            // back is an out-of-order paste and keeps the date.
            if (last - t).get_hours() >= 12 {
                if let Ok(next) = date.tomorrow() {
                    self.date = Some((next, DateSource::Wrapped));
                }
            }
        }
        self.last_time = Some(t);
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
            let body = msg.strip_prefix("Trace:").unwrap_or(msg).trim();
            let ev = decode(line.no, text, body)
                .at(time)
                .with_field("component", format!("{pg}-{proc_}"))
                .with_field("peripheral_gateway", pg)
                .with_entity(EntityKind::Process, proc_);
            out.emit(ev);
            out.understood();
            self.in_record = true;
            return;
        }
        if self.in_record && (text.starts_with('\t') || text.starts_with("    ")) {
            if let Some(ev) = out.last_event_mut() {
                if ev.text.len() < 4000 {
                    ev.text.push('\n');
                    ev.text.push_str(text);
                }
            }
            out.understood();
        }
    }
}

/// `HH:MM:SS[:mmm] <pg>-<proc> <message>` split into its four parts, by hand
/// (the same grammar as the `RECORD` pattern, without a regex on the hot path).
fn split_record(text: &str) -> Option<(&str, &str, &str, &str)> {
    let (stamp, rest) = text.split_once(' ')?;
    let b = stamp.as_bytes();
    let shape_ok = matches!(b.len(), 7 | 8 | 10..=12)
        && b.iter()
            .all(|c| c.is_ascii_digit() || *c == b':' || *c == b'.')
        && b.iter().filter(|c| **c == b':').count() >= 2;
    if !shape_ok {
        return None;
    }
    let (token, msg) = rest.split_once(' ')?;
    let (pg, proc_) = token.split_once('-')?;
    let pg_ok = !pg.is_empty() && pg.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_');
    let letters = proc_
        .bytes()
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    let proc_ok = letters > 0 && proc_.bytes().skip(letters).all(|c| c.is_ascii_digit());
    (pg_ok && proc_ok).then_some((stamp, pg, proc_, msg))
}
