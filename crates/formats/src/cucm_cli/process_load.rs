//! `show process load` (formats.md §4.7): a `top` snapshot, old (`Cpu(s): 25.4%us`)
//! and new (`%Cpu(s):  3.0 us`) layouts. One `Load` event with the summary and
//! the first five process rows (top sorts by CPU).

use super::{Capture, Section};
use crate::format::Output;
use crate::timeparse::parse_hms;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::jiff::civil::Time;
use uctriage_core::{DateSource, Kind, RawEvent, RawTime};

static TOP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*top - ([0-9]{1,2}:[0-9]{2}:[0-9]{2})\s+up\s+(.*?),\s+[0-9]+\s+users?,\s+load average:\s*([0-9.]+),\s*([0-9.]+),\s*([0-9.]+)").unwrap()
});
static TASKS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*Tasks:\s*([0-9]+) total").unwrap());
static CPU: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([0-9.]+)\s*%?\s*(us|sy|ni|id|wa|hi|si|st)\b").unwrap());
static MEM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(?:KiB\s+)?(Mem|Swap)\s*:").unwrap());
static MEM_ITEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([0-9]+)k?\s+(total|free|used|buffers|cached|buff/cache|avail Mem)").unwrap()
});
static HEADER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*PID\s+USER\s+PR\s+NI\b").unwrap());
static PROC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*([0-9]+)\s+(\S+)\s+(?:-?[0-9]+|rt)\s+-?[0-9]+\s+\S+\s+\S+\s+\S+\s+[A-Z<NsIl+]+\s+([0-9.]+)\s+([0-9.]+)\s+\S+\s+(.+?)\s*$").unwrap()
});

/// A line that opens `show process load` output.
pub(crate) fn is_start(text: &str) -> bool {
    TOP.is_match(text)
}

/// The process load section.
#[derive(Default)]
pub(crate) struct LoadSection {
    start: Option<(u64, String, Time)>,
    fields: Vec<(String, String)>,
    procs: Vec<String>,
    /// The command's argument (`cpu`, `memory`, `sorted`, ...), if any.
    sorted_by: Option<String>,
}

impl LoadSection {
    /// A section for `show process load [<arg>]`.
    pub(crate) fn new(arg: &str) -> LoadSection {
        let arg = arg.trim();
        LoadSection {
            sorted_by: (!arg.is_empty()).then(|| arg.to_string()),
            ..LoadSection::default()
        }
    }
}

impl Section for LoadSection {
    fn line(&mut self, no: u64, text: &str, _cap: &mut Capture, out: &mut Output) -> bool {
        if let Some(c) = TOP.captures(text) {
            if self.start.is_some() {
                self.finish(_cap, out);
            }
            let Some(t) = parse_hms(&c[1]) else {
                return false;
            };
            self.start = Some((no, text.trim().to_string(), t));
            for (k, i) in [
                ("uptime", 2),
                ("load_1m", 3),
                ("load_5m", 4),
                ("load_15m", 5),
            ] {
                self.fields.push((k.into(), c[i].to_string()));
            }
            return true;
        }
        if let Some(c) = TASKS.captures(text) {
            self.fields.push(("tasks".into(), c[1].to_string()));
            return true;
        }
        if text.contains("Cpu(s)") {
            for c in CPU.captures_iter(text) {
                self.fields
                    .push((format!("cpu_{}", &c[2]), c[1].to_string()));
            }
            return true;
        }
        if let Some(m) = MEM.captures(text) {
            let prefix = m[1].to_ascii_lowercase();
            for c in MEM_ITEM.captures_iter(text) {
                let item = c[2].replace(['/', ' '], "_").to_ascii_lowercase();
                self.fields
                    .push((format!("{prefix}_{item}_kb"), c[1].to_string()));
            }
            return true;
        }
        if HEADER.is_match(text) {
            return true;
        }
        let Some(c) = PROC.captures(text) else {
            return false;
        };
        if self.procs.len() < 5 {
            self.procs.push(format!(
                "{} (pid {}, {}) {}% cpu {}% mem",
                &c[5], &c[1], &c[2], &c[3], &c[4]
            ));
        }
        true
    }

    fn finish(&mut self, cap: &mut Capture, out: &mut Output) {
        let Some((no, text, t)) = self.start.take() else {
            return;
        };
        let time = match (cap.now, cap.date_hint) {
            (Some((dt, _)), _) => RawTime::local(dt.date(), t, DateSource::Header),
            (None, Some((d, src))) => RawTime::local(d, t, src),
            (None, None) => RawTime::TimeOfDay(t),
        };
        let get = |k: &str| {
            self.fields
                .iter()
                .find(|f| f.0 == k)
                .map(|f| f.1.clone())
                .unwrap_or_default()
        };
        let summary = format!(
            "process load: load {} , CPU idle {}%",
            get("load_1m"),
            get("cpu_id")
        );
        let mut ev = RawEvent::new(no, &text, Kind::Load, summary.replace(" ,", ",")).at(time);
        for (k, v) in self.fields.drain(..) {
            ev = ev.with_field(k, v);
        }
        if !self.procs.is_empty() {
            ev = ev.with_field("top_processes", self.procs.join("; "));
        }
        if let Some(a) = &self.sorted_by {
            ev = ev.with_field("arguments", a);
        }
        self.procs.clear();
        out.emit(ev);
    }
}
