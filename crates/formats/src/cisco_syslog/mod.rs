//! CUCM / UCCE / UCCX syslog: CiscoSyslog and Event Viewer files, remote-syslog
//! receiver files, CiscoLog messages, RTMT alerts, JTAPI client / MIVR logs, and
//! plain OS syslog (`messages`).
//!
//! A record is `[<PRI>][syslogd prefix] [<SEQ>: <HOST>[:]] [*]<MMM dd YYYY HH:MM:SS.mmm> <UTC|+HHMM> :
//! %<APP>[-<SUB>][-<SEV>-<NAME>][ ]: [%][Name=Value]...: <text>` (formats.md §1, §2).
//! The CiscoLog stamp is UTC and becomes the event time; the syslogd prefix is
//! the server's local time without a year: together they give an
//! [`uctriage_core::Fact::OffsetSeen`] for the host. Records split after the FQDN
//! (C-214607) are joined with the next line. JTAPI client / MIVR lines
//! (`<seq>: <MMM dd HH:MM:SS.mmm> <TZ> %JTAPI-...`) keep their zone abbreviation
//! as a field only; the `{ ... }` object-dump lines after them join the record.
//!
//! UNCONFIRMED (parsed tolerantly): the `<189>May 1 2019 07:10:40 AM.781 UTC`
//! audit-log variant; a 3-letter ident before the CiscoSyslog colon; the on-wire
//! remote-syslog layout (any receiver prefix and `<PRI>` are accepted); the
//! hand-typed `% AlertName=... # 012` RTMT variant.

mod conditions;
mod envelope;
mod event;
mod offset;
mod os_messages;
mod rtmt;
mod scan;
mod tags;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_conditions;

use crate::format::{FileContext, Format, Head, Line, LineParser, Output};
use envelope::{Envelope, Header};
use regex::Regex;
use std::collections::HashSet;
use std::sync::LazyLock;
use uctriage_core::{round_offset, Fact, Kind, RawEvent, RawTime, ZoneSource};

pub(crate) use event::kind_for as alarm_kind;

/// The Cisco syslog format.
pub(crate) struct CiscoSyslog;

static CISCO_HINT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"%(?:UC_|CCM_|ICM_|MIVR-|JTAPI-)[A-Za-z0-9_]|RTMT_ALERT|\[AlertName=").unwrap()
});
static OS_TAIL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^([^\s:\[]+)(?:\[(\d+)\])?: ?(.*)$").unwrap());

/// Longest text kept on a record that collects continuation lines.
const MAX_RECORD_TEXT: usize = 4000;

impl Format for CiscoSyslog {
    fn name(&self) -> &'static str {
        "cisco-syslog"
    }
    fn description(&self) -> &'static str {
        "CUCM/UCCE/UCCX syslog: CiscoSyslog, Event Viewer, remote syslog, RTMT alerts, JTAPI/MIVR logs, OS messages"
    }
    fn example(&self) -> &'static str {
        "Jun 17 16:14:22 hcs862-hcm-f local7 6 : 12: hcs862-hcm-f.example.net: Jun 17 2019 14:14:22.800 UTC :  %UC_GENERIC-6-ServiceStarted: %[ServiceName=Cisco CDP][ProcessID=8426][AppID=Cisco Service Manager][ClusterID=][NodeID=hcs862-hcm-f]: Service started."
    }
    fn detect(&self, head: &Head<'_>) -> u8 {
        let total = head.non_blank();
        let cisco = head.count(|l| CISCO_HINT.is_match(l) || envelope::body(l).is_some());
        if cisco > 0 && cisco * 10 >= total {
            return 85;
        }
        if cisco > 0 {
            return 40;
        }
        let os = head.count(|l| matches!(envelope::prefix(envelope::strip_pri(l).1), Ok(Some(_))));
        if total > 0 && os * 2 >= total {
            20
        } else {
            0
        }
    }
    fn parser(&self, ctx: &FileContext) -> Box<dyn LineParser> {
        Box::new(SyslogParser {
            cimc_year: ctx.date_hint.map(|(d, _)| d),
            ..SyslogParser::default()
        })
    }
}

/// Parser state for one file.
#[derive(Default)]
struct SyslogParser {
    /// First half of a record split after `<fqdn>:`: line number and text.
    pending: Option<(u64, String)>,
    /// The last line was a CiscoLog / JTAPI record: lines that start no record
    /// continue it (object dumps, wrapped text).
    in_record: bool,
    /// Offsets already reported, per host.
    offsets: HashSet<(Option<String>, i32)>,
    /// The last offset looked up in `offsets` (consecutive lines repeat it).
    last_offset: Option<(Option<String>, i32)>,
    /// The last host alias reported (consecutive lines repeat it).
    last_alias: Option<(String, String)>,
    /// A date from the file name, for `%CIMC-` stamps without a year.
    cimc_year: Option<uctriage_core::jiff::civil::Date>,
    /// The `%CIMC-` UTC-without-year problem was reported.
    cimc_utc_reported: bool,
    /// Prefix-to-stamp gaps of the last dates seen.
    gap: offset::PrefixGap,
}

impl LineParser for SyslogParser {
    fn line(&mut self, line: Line<'_>, out: &mut Output) {
        if let Some((no, head)) = self.pending.take() {
            if envelope::continues(&head, line.text) {
                let sep = if head.trim_end().ends_with('-') {
                    ""
                } else {
                    " "
                };
                let joined = format!("{}{sep}{}", head.trim_end(), line.text.trim_start());
                let raw = format!("{head}\n{}", line.text);
                if self.record(no, &joined, &raw, out, None) == Some(true) {
                    out.understood();
                }
                return;
            }
            self.record(no, &head, &head, out, None);
        }
        if envelope::holdable(line.text) {
            self.pending = Some((line.no, line.text.to_string()));
            self.in_record = false;
            out.understood();
            return;
        }
        match self.record(line.no, line.text, line.text, out, None) {
            Some(true) => out.understood(),
            Some(false) => self.in_record = false,
            None if self.in_record && !line.text.trim().is_empty() => attach(line.text, out),
            None => {}
        }
    }

    fn finish(&mut self, out: &mut Output) {
        if let Some((no, head)) = self.pending.take() {
            self.record(no, &head, &head, out, None);
        }
    }
}

/// Append a continuation line (JTAPI object dump) to the last record.
fn attach(text: &str, out: &mut Output) {
    if let Some(ev) = out.last_event_mut() {
        ev.append_line(text, MAX_RECORD_TEXT);
        out.understood();
    }
}

impl SyslogParser {
    /// Parse one record. `None`: not a record start; `Some(false)`: a record
    /// start that was rejected (and reported); `Some(true)`: understood.
    fn record(
        &mut self,
        no: u64,
        text: &str,
        raw: &str,
        out: &mut Output,
        via: Option<&str>,
    ) -> Option<bool> {
        // Built once: `memmem::find` sets a searcher up on every call.
        static CIMC: LazyLock<memchr::memmem::Finder<'static>> =
            LazyLock::new(|| memchr::memmem::Finder::new("%CIMC-"));
        if CIMC.find(text.as_bytes()).is_some() {
            // A Cisco UCS CIMC fault message in a mixed receiver file.
            if let Some((ev, utc_no_year)) =
                crate::cimc::log::syslog_line_event(no, text, self.cimc_year)
            {
                if utc_no_year && !self.cimc_utc_reported {
                    self.cimc_utc_reported = true;
                    out.problem(no, crate::cimc::log::UTC_NO_YEAR);
                }
                out.emit(ev);
                self.in_record = false;
                return Some(true);
            }
        }
        let (text, bad) = envelope::unescape(text);
        if let Some(bad) = bad {
            out.problem(no, bad);
        }
        let (pri, text) = envelope::strip_pri(&text);
        let mut env = match self.envelope(no, text, out)? {
            Ok(env) => env,
            Err(msg) => {
                out.problem(no, msg);
                return Some(false);
            }
        };
        env.pri = pri;
        if env.header.name.is_empty() {
            os_line(no, raw, &env, out);
            self.in_record = false;
            return Some(true);
        }
        self.in_record = true;
        self.offset_fact(no, &env, out);
        let matched = event::emit(no, raw, &env, via, out);
        if let (Some(m), None) = (matched, via) {
            self.record(no, &m, &m, out, Some("rtmt_alert"));
        }
        Some(true)
    }

    /// Recognise the envelope of `text` (PRI already stripped). An envelope
    /// with an empty header name is a plain syslogd line.
    fn envelope<'t>(
        &mut self,
        no: u64,
        text: &'t str,
        out: &mut Output,
    ) -> Option<Result<Envelope<'t>, String>> {
        if let Some(j) = envelope::jtapi(text) {
            return Some(j.and_then(|(env, pct)| with_header(env, &text[pct..])));
        }
        let alert_at = alert_at(text);
        match envelope::body(text) {
            Some(Ok((start, env, pct))) if alert_at.is_none_or(|a| a > start) => {
                let env = with_prefix(no, env, &text[..start], out);
                Some(with_header(env, &text[pct..]))
            }
            Some(Err(msg)) if alert_at.is_none() => Some(Err(msg)),
            _ => headerless(text, alert_at),
        }
    }

    fn offset_fact(&mut self, no: u64, env: &Envelope<'_>, out: &mut Output) {
        let (Some(p), Some(ts)) = (&env.prefix, env.stamp.as_ref().and_then(|s| s.ts)) else {
            return;
        };
        let Some(diff) = self.gap.seconds(p.month, p.day, p.time, ts) else {
            return;
        };
        if diff.abs() > 15 * 3600 {
            out.problem(
                no,
                format!(
                    "syslog prefix and CiscoLog stamp are {}h apart: no offset taken",
                    diff / 3600
                ),
            );
            return;
        }
        let offset = round_offset(diff);
        // A CiscoSyslog file (facility and severity after the host) is written by
        // the node's own syslogd; a receiver prefix is the receiver's clock, i.e.
        // the file's host, not the sender named in it.
        let host = p.facility.map(|_| p.host);
        if self.new_offset(host, offset) {
            let source = ZoneSource::SyslogPrefix;
            out.fact(Fact::OffsetSeen {
                host: host.map(str::to_string),
                at: ts,
                offset_seconds: offset,
                source,
                line: no,
            });
        }
        if let (Some(short), Some(fqdn)) = (host, env.host) {
            if !fqdn.eq_ignore_ascii_case(short) && self.new_alias(short, fqdn) {
                out.fact(Fact::HostAlias {
                    host: short.to_string(),
                    alias: fqdn.to_string(),
                });
            }
        }
    }

    /// Note `(host, offset)`; true when it was not seen before.
    fn new_offset(&mut self, host: Option<&str>, offset: i32) -> bool {
        let last = self.last_offset.as_ref();
        if last.is_some_and(|(h, o)| *o == offset && h.as_deref() == host) {
            return false;
        }
        let key = (host.map(str::to_string), offset);
        self.last_offset = Some(key.clone());
        self.offsets.insert(key)
    }

    /// False when `(host, alias)` is the alias reported last ([`Output::fact`]
    /// drops repeats anyway: this only saves building them).
    fn new_alias(&mut self, host: &str, alias: &str) -> bool {
        let last = self.last_alias.as_ref();
        if last.is_some_and(|(h, a)| h == host && a == alias) {
            return false;
        }
        self.last_alias = Some((host.to_string(), alias.to_string()));
        true
    }
}

/// Where an RTMT alert (`%[AlertName=`, `% AlertName=` or `[AlertName=`) starts, if any.
fn alert_at(text: &str) -> Option<usize> {
    static FINDER: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new("AlertName="));
    let b = text.as_bytes();
    FINDER.find_iter(b).find_map(|i| {
        let two = i.checked_sub(2).map(|j| &b[j..i]);
        if matches!(two, Some(b"%[" | b"% ")) {
            Some(i - 2)
        } else {
            (i > 0 && b[i - 1] == b'[').then(|| i - 1)
        }
    })
}

/// Records without a CiscoLog stamp: RTMT alerts pasted mid-string, bare
/// `%APP-SEV-NAME:` messages (with or without a syslogd prefix), plain syslogd lines.
fn headerless(text: &str, alert_at: Option<usize>) -> Option<Result<Envelope<'_>, String>> {
    let (env, rest) = match envelope::prefix(text) {
        Ok(Some((mut p, rest))) => {
            p.tail = crate::scan::trim(rest);
            (
                Envelope {
                    prefix: Some(p),
                    ..Envelope::default()
                },
                rest,
            )
        }
        Ok(None) => (Envelope::default(), text),
        Err(msg) => return Some(Err(msg)),
    };
    let bare = crate::scan::trim_start(rest).trim_start_matches('(');
    if let Some(Ok(env)) = bare.starts_with('%').then(|| with_header(env, bare)) {
        return Some(Ok(env));
    }
    if let Some(at) = alert_at {
        let header = Header {
            name: "RTMT_ALERT",
            ..Header::default()
        };
        return Some(Ok(Envelope {
            header,
            body: &text[at..],
            ..env
        }));
    }
    env.prefix.is_some().then_some(Ok(env))
}

fn with_header<'t>(mut env: Envelope<'t>, at_pct: &'t str) -> Result<Envelope<'t>, String> {
    let (h, body) = envelope::header(at_pct)
        .ok_or_else(|| format!("CiscoLog header not understood: `{}`", snippet(at_pct)))?;
    env.header = h;
    env.body = body;
    Ok(env)
}

fn with_prefix<'t>(
    no: u64,
    mut env: Envelope<'t>,
    head: &'t str,
    out: &mut Output,
) -> Envelope<'t> {
    match envelope::prefix(crate::scan::trim_start(head)) {
        Ok(Some((mut p, rest))) => {
            p.tail = crate::scan::trim(rest);
            env.prefix = Some(p);
        }
        Ok(None) => {}
        Err(msg) => out.problem(no, format!("{msg}: syslog prefix ignored")),
    }
    env
}

/// A plain syslogd line (`Jul 12 12:33:47 host proc[pid]: text`).
fn os_line(no: u64, raw: &str, env: &Envelope<'_>, out: &mut Output) {
    let Some(p) = &env.prefix else { return };
    let time = RawTime::LocalNoYear {
        month: p.month,
        day: p.day,
        time: p.time,
    };
    let summary = if p.tail.is_empty() {
        raw.trim()
    } else {
        p.tail
    };
    let mut ev = RawEvent::new(no, raw, Kind::Log, summary)
        .at(time)
        .on_host(p.host);
    if let Some(f) = p.facility {
        ev = ev.with_field("facility", f);
    }
    if let Some(c) = OS_TAIL.captures(p.tail) {
        ev = ev.with_field("process", &c[1]);
        if let Some(pid) = c.get(2) {
            ev = ev.with_field("pid", pid.as_str());
        }
        ev.summary = format!("{}: {}", &c[1], &c[3]).into();
        // `syslogd 1.4.1#16ubuntu6: restart.`: the version is part of the name.
        let process = c[1].split_whitespace().next().unwrap_or(&c[1]);
        ev = os_messages::refine(ev, process, &c[3]);
    } else if let Some((head, msg)) = p.tail.split_once(": ") {
        // `syslogd 1.4.1#16ubuntu6: restart.`: a name with a version, no pid.
        if let Some(process) = head.split_whitespace().next() {
            ev = ev.with_field("process", process);
            ev = os_messages::refine(ev, process, msg);
        }
    }
    out.emit(ev);
}

fn snippet(s: &str) -> &str {
    match s.char_indices().nth(60) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
