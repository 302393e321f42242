//! VMware ESXi host logs: `vmkernel.log` (and `vmkwarning.log`), `vobd.log`
//! and `hostd.log`, as written on the host, as found in a `vm-support`
//! bundle, or as forwarded to a syslog server.
//!
//! What matters in an outage becomes an event: failed SCSI commands with
//! their statuses and sense data, all-paths-down and permanent device loss,
//! VMFS heartbeat time-outs and lost or restored access to a volume, HBA /
//! RAID driver resets and aborts (`storage_io`, with a `condition` field), and
//! VM power-state transitions and resets (`node_lifecycle`, field `vm`).
//! Ordinary lines are understood and only widen the file's time span (or
//! become `log` events with `--all`).
//!
//! Host: a forwarded or ESX 4 syslogd line names its host (the event's host);
//! a file inside a `vm-support` bundle folder `esx-<host>-<YYYY-MM-DD>--...`
//! is that host's (UNCONFIRMED folder naming, read tolerantly); otherwise the
//! file's folder decides, as for every format.
//!
//! Time: ESXi 5.x and later stamp lines in UTC with `Z` (VMware KB 289902
//! sample; `RawTime::Absolute`). Layouts, samples and what is guessed:
//! `docs/formats/esxi.md`.

mod envelope;
mod hostd;
mod scsi;
#[cfg(test)]
mod tests;
mod vmkernel;
mod vobd;

use crate::format::{FileContext, Format, Head, Line, LineParser, Output};
use envelope::Program;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{Fact, Kind, RawEvent, RawTime, Severity};

/// The ESXi log format.
pub(crate) struct EsxiLog;

static BUNDLE_FOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^esx-(.+?)-\d{4}-\d{2}-\d{2}--\d{2}\.\d{2}").unwrap());

/// Longest text kept on a record that collects `-->` continuation lines.
const MAX_RECORD_TEXT: usize = 4000;

impl Format for EsxiLog {
    fn name(&self) -> &'static str {
        "esxi-log"
    }
    fn description(&self) -> &'static str {
        "VMware ESXi vmkernel.log, vobd.log and hostd.log (on the host, in vm-support bundles, or forwarded to syslog)"
    }
    fn example(&self) -> &'static str {
        r#"2011-04-04T21:07:30.257Z cpu2:2050)ScsiDeviceIO: 2315: Cmd(0x4124003edb00) 0x12, CmdSN 0x51 to dev "naa.600508e000000000c9f6baa7c19f6900" failed H:0x0 D:0x2 P:0x0 Valid sense data: 0x5 0x24 0x0."#
    }
    fn detect(&self, head: &Head<'_>) -> u8 {
        let ours = head.count(|l| {
            envelope::parse(l).is_some_and(|e| e.program != Program::Other) || l.starts_with("-->")
        });
        let total = head.non_blank().max(1);
        if ours == 0 {
            0
        } else if ours * 10 >= total * 3 {
            88
        } else {
            15
        }
    }
    fn parser(&self, ctx: &FileContext) -> Box<dyn LineParser> {
        let bundle_host = ctx
            .path
            .split(['/', '!'])
            .filter_map(|p| BUNDLE_FOLDER.captures(p))
            .next_back()
            .map(|c| c[1].to_string());
        Box::new(EsxiParser {
            bundle_host,
            keep_ordinary: ctx.keep_ordinary,
            span: None,
            last_was_event: false,
        })
    }
}

struct EsxiParser {
    bundle_host: Option<String>,
    keep_ordinary: bool,
    span: Option<(RawTime, RawTime)>,
    /// The last record made an event (`-->` lines continue it).
    last_was_event: bool,
}

/// A `storage_io` event with the fields every ESXi storage event has.
pub(super) fn storage_event(
    no: u64,
    raw: &str,
    time: &RawTime,
    log: &str,
    condition: &str,
    severity: Severity,
    summary: String,
) -> RawEvent {
    RawEvent::new(no, raw, Kind::StorageIo, summary)
        .at(time.clone())
        .with_severity(severity)
        .with_field("condition", condition)
        .with_field("esxi_log", log)
}

impl LineParser for EsxiParser {
    fn line(&mut self, line: Line<'_>, out: &mut Output) {
        if let Some(h) = self.bundle_host.take() {
            out.fact(Fact::FileHost { host: h });
        }
        let text = line.text;
        if text.trim().is_empty() {
            return;
        }
        if text.starts_with("-->") {
            if self.last_was_event {
                if let Some(ev) = out.last_event_mut() {
                    ev.append_line(text, MAX_RECORD_TEXT);
                }
            }
            out.understood();
            return;
        }
        let Some(e) = envelope::parse(text) else {
            self.last_was_event = false;
            return;
        };
        out.understood();
        self.widen(&e.time);
        let made = match e.program {
            Program::Vmkernel => vmkernel::event(line.no, text, &e.time, e.body),
            Program::Vobd => vobd::event(line.no, text, &e.time, e.body).flatten(),
            Program::Hostd => hostd::event(line.no, text, &e.time, e.context, e.body),
            Program::Other => None,
        };
        self.last_was_event = made.is_some();
        let ev = match made {
            Some(ev) => ev,
            None if self.keep_ordinary => {
                self.last_was_event = true;
                RawEvent::new(line.no, text, Kind::Log, e.body.trim())
                    .at(e.time.clone())
                    .with_field("process", e.program_name.unwrap_or("vmkernel"))
            }
            None => return,
        };
        let ev = match e.host {
            Some(h) => ev.on_host(h),
            None => ev,
        };
        let ev = match e.level {
            Some(l) => ev.with_field("level", l),
            None => ev,
        };
        out.emit(ev);
    }

    fn finish(&mut self, out: &mut Output) {
        if let Some((first, last)) = self.span.take() {
            out.time_span(first, last);
        }
    }
}

impl EsxiParser {
    fn widen(&mut self, t: &RawTime) {
        match &mut self.span {
            Some((_, last)) => *last = t.clone(),
            None => self.span = Some((t.clone(), t.clone())),
        }
    }
}
