//! UCCX Engine (MIVR) logs and Cisco JTAPI client logs (UCCX, CER).
//!
//! A record is `<seq>: <MMM dd HH:MM:SS.mmm> [<TZ>] %<FAC>-<SUB>-<sev>-<ID>:<text>`
//! (formats.md §5.5); multi-line Java object dumps (`{ ... }`) and wrapped
//! text follow it and join its event. No year and an ambiguous zone
//! abbreviation (`IST`, `EST`, `COT`): the time is
//! [`RawTime::LocalNoYear`] and the abbreviation is kept as the
//! `zone_abbrev` field only; normalization decides the year and zone.
//!
//! Host attribution: the lines never name their host (the address in
//! `(P53-192.168.10.82)` is the CTIManager the JTAPI provider is open on,
//! kept as the `ctimanager` field and a node entity). The host comes from
//! the folder (UCCX writes these under `uccx/log/MIVR/` and `uccx/log/JTAPI/`).
//!
//! UNCONFIRMED (parsed tolerantly): the zone abbreviation glued to the `%`
//! (`PST%MIVR-...`, as Cisco documents print it), and the wording of the
//! events listed in [`decode`].

mod decode;
mod record;
#[cfg(test)]
mod tests;

use crate::format::{FileContext, Format, Head, Line, LineParser, Output};
use decode::Pending;
use record::{split, Record, Reject};
use uctriage_core::{Kind, RawEvent, RawTime, Severity};

/// The UCCX Engine / JTAPI client log format.
pub(crate) struct UccxMivr;

/// Longest text kept on a record that collects continuation lines.
const MAX_RECORD_TEXT: usize = 4000;

impl Format for UccxMivr {
    fn name(&self) -> &'static str {
        "uccx-mivr"
    }
    fn description(&self) -> &'static str {
        "UCCX Engine (MIVR) and Cisco JTAPI client logs: <seq>: <MMM dd HH:MM:SS.mmm> <TZ> %MIVR-<SUB>-<sev>-<ID>:<text>"
    }
    fn example(&self) -> &'static str {
        "101: Mar 24 11:37:42.153 PST %MIVR-SS_TEL-4-ModuleRunTimeFailure:Real-time failure in JTAPI subsystem: Module=JTAPI Subsystem,Failure Cause=7,Failure Module=JTAPI_PROVIDER_INIT"
    }
    fn detect(&self, head: &Head<'_>) -> u8 {
        let ours = head.count(|l| matches!(split(l), Ok(_) | Err(Reject::BadTime(_))));
        if ours == 0 {
            return 0;
        }
        // Object dumps between records are not counted against us, but other
        // Cisco headers (`%APP-...` not in our layout) are: a syslog file with
        // a stray MIVR line stays cisco-syslog's (85).
        let foreign = head.count(|l| {
            let header = l
                .find('%')
                .and_then(|i| l.as_bytes().get(i + 1))
                .is_some_and(u8::is_ascii_uppercase);
            header && matches!(split(l), Err(Reject::NotARecord))
        });
        if ours >= 2 * foreign.max(1) || (foreign == 0 && ours * 10 >= head.non_blank()) {
            90
        } else {
            30
        }
    }
    fn parser(&self, ctx: &FileContext) -> Box<dyn LineParser> {
        Box::new(MivrParser {
            keep_ordinary: ctx.keep_ordinary,
            ..MivrParser::default()
        })
    }
}

#[derive(Default)]
struct MivrParser {
    keep_ordinary: bool,
    /// A record was read: lines that start none continue it.
    in_record: bool,
    /// The current record became an event.
    open: bool,
    /// What continuation lines can still add to the current event.
    pending: Option<Pending>,
    /// `FAC-SUB` whose first ordinary record was kept.
    seen: Vec<String>,
    first: Option<RawTime>,
    last: Option<RawTime>,
}

impl LineParser for MivrParser {
    fn line(&mut self, line: Line<'_>, out: &mut Output) {
        match split(line.text) {
            Ok(rec) => {
                self.record(line.no, line.text, &rec, out);
                out.understood();
                self.in_record = true;
            }
            Err(Reject::BadTime(t)) => {
                out.problem(line.no, format!("record time is not a real time: {t}"));
                self.in_record = false;
                self.open = false;
            }
            Err(Reject::NotARecord) => {
                if !self.in_record {
                    return;
                }
                if let Some(ev) = out.last_event_mut().filter(|_| self.open) {
                    ev.append_line(line.text, MAX_RECORD_TEXT);
                    if let Some(p) = self.pending {
                        decode::enrich(ev, p, line.text);
                    }
                }
                out.understood();
            }
        }
    }

    fn finish(&mut self, out: &mut Output) {
        if let (Some(first), Some(last)) = (self.first.take(), self.last.take()) {
            out.time_span(first, last);
        }
    }
}

impl MivrParser {
    fn record(&mut self, no: u64, raw: &str, rec: &Record<'_>, out: &mut Output) {
        let time = RawTime::LocalNoYear {
            month: rec.month,
            day: rec.day,
            time: rec.time,
        };
        self.first.get_or_insert(time.clone());
        self.last = Some(time.clone());
        let decoded = decode::decode(no, raw, rec);
        self.pending = decoded.as_ref().map(|(_, p)| *p);
        let event = decoded
            .map(|(e, _)| e)
            .or_else(|| self.ordinary(no, raw, rec));
        self.open = event.is_some();
        if let Some(mut ev) = event {
            ev.time = time;
            ev.fields.insert("app", rec.app);
            if !rec.sub.is_empty() {
                ev.fields.insert("sub_facility", rec.sub);
            }
            ev.fields.insert("msg_id", rec.msg_id);
            if rec.msg_id != "UNK" {
                ev.fields.insert("alarm", rec.msg_id);
            }
            ev.fields.insert("seq", rec.seq);
            if let Some(z) = rec.zone_abbrev {
                ev.fields.insert("zone_abbrev", z);
            }
            out.emit(ev);
        }
    }

    /// An ordinary record as a plain event: always with `keep_ordinary`, else
    /// only the first of each facility and sub-facility.
    fn ordinary(&mut self, no: u64, raw: &str, rec: &Record<'_>) -> Option<RawEvent> {
        if !self.keep_ordinary {
            let key = format!("{}-{}", rec.app, rec.sub);
            if self.seen.contains(&key) {
                return None;
            }
            self.seen.push(key);
        }
        let text = rec.text.trim();
        let summary = if text.is_empty() {
            rec.msg_id.to_string()
        } else {
            text.chars().take(160).collect()
        };
        Some(
            RawEvent::new(no, raw, Kind::Log, summary)
                .with_severity(Severity::from_number(rec.sev).unwrap_or_default()),
        )
    }
}
