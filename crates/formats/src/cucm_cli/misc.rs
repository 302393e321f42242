//! Small commands: `date`, `utils diagnose test` (results that did not pass are
//! `Alarm` events with `condition = diagnose_test`, `category = diagnose`,
//! `module`, `result`, `state` failed|warning|error; passed and skipped ones
//! stay `Log` events; flattened pages that glue several `test - ...` results on
//! one line are split), key/value listings
//! (`show hardware`, `show version active`, `show myself`) and commands with
//! no output of interest (`set cli pagination off`).

use super::{parse_loose, Capture, Section};
use crate::format::Output;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{Fact, Kind, RawEvent, Severity};

static DIAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(test|skip)\s*-\s*(\S+)\s*(?::|—|-)\s*(.*)$").unwrap());
static DIAG_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|\s)(?:test|skip)\s*-\s*[A-Za-z_]+\s*(?::|—)").unwrap());
static DIAG_NOISE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:log file:|starting diagnostic|diagnostics completed|the final output|please use|=+\s*$)").unwrap()
});
static KV: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*([A-Za-z][0-9A-Za-z_ /()&.\-]*?)\s*:\s*(.*)$").unwrap());
static COP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*\S+\.cop(?:\.sgn)?\s*$|^\s*<[^>]+>\s*$").unwrap());
static VMWARE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:[0-9]+ vCPU:|Disk [0-9]+:|[0-9]+ Mbytes RAM|VMware Installation:)")
        .unwrap()
});

/// A line that is only a date and time (`date` output): sets the capture's clock.
pub(crate) fn date_line(no: u64, text: &str, cap: &mut Capture) -> bool {
    let toks = text.split_whitespace().count();
    if !(4..=7).contains(&toks) || !text.contains(':') {
        return false;
    }
    match parse_loose(text) {
        Some((dt, _)) => {
            cap.now = Some((dt, no));
            true
        }
        None => false,
    }
}

/// `date` output.
pub(crate) struct DateSection;

impl Section for DateSection {
    fn line(&mut self, no: u64, text: &str, cap: &mut Capture, _out: &mut Output) -> bool {
        date_line(no, text, cap)
    }
}

/// `utils diagnose test`: one event per module result.
#[derive(Default)]
pub(crate) struct DiagnoseSection {
    /// The last result did not pass: a line without a `test -` prefix continues it.
    open: bool,
}

impl Section for DiagnoseSection {
    fn line(&mut self, no: u64, text: &str, _cap: &mut Capture, out: &mut Output) -> bool {
        if DIAG_NOISE.is_match(text) {
            return true;
        }
        let starts: Vec<usize> = DIAG_START.find_iter(text).map(|m| m.start()).collect();
        let lead = &text[..starts.first().copied().unwrap_or(text.len())];
        if !lead.trim().is_empty() {
            // A wrapped second line of a warning (C-215537), maybe with the
            // next result glued after it.
            if !self.open {
                return false;
            }
            if let Some(ev) = out.last_event_mut() {
                ev.append_line(lead.trim(), 2000);
                let more = format!("{} {}", ev.fields.get("result").unwrap_or(""), lead.trim());
                ev.fields.insert("result", more);
            }
            if starts.is_empty() {
                return true;
            }
        }
        let mut ok = false;
        for (i, at) in starts.iter().enumerate() {
            let end = starts.get(i + 1).copied().unwrap_or(text.len());
            ok |= self.result(no, text[*at..end].trim(), out);
        }
        ok
    }
}

impl DiagnoseSection {
    fn result(&mut self, no: u64, text: &str, out: &mut Output) -> bool {
        let Some(c) = DIAG.captures(text) else {
            return false;
        };
        let result = c[3].trim();
        let passed = result.starts_with("Passed") || &c[1] == "skip";
        self.open = !passed;
        let lower = result.to_ascii_lowercase();
        let state = if lower.starts_with("warning") {
            "warning"
        } else if lower.starts_with("error") {
            "error"
        } else {
            "failed"
        };
        let mut ev = RawEvent::new(
            no,
            text.trim(),
            if passed { Kind::Log } else { Kind::Alarm },
            format!("diagnose {}: {result}", &c[2]),
        )
        .with_severity(if passed {
            Severity::Info
        } else {
            Severity::Warning
        })
        .with_field("module", &c[2])
        .with_field("action", &c[1])
        .with_field("result", result);
        if !passed {
            ev = ev
                .with_field("condition", "diagnose_test")
                .with_field("category", "diagnose")
                .with_field("state", state);
        }
        out.emit(ev);
        true
    }
}

/// `key : value` listings; `Active Master Version` becomes a version fact.
pub(crate) struct KeyValueSection;

impl Section for KeyValueSection {
    fn line(&mut self, _no: u64, text: &str, _cap: &mut Capture, out: &mut Output) -> bool {
        if COP.is_match(text) || VMWARE.is_match(text) {
            return true;
        }
        let Some(c) = KV.captures(text) else {
            return false;
        };
        if c[1].eq_ignore_ascii_case("Active Master Version") && !c[2].trim().is_empty() {
            let version = c[2].trim().trim_matches(['<', '>']).to_string();
            out.fact(Fact::Version {
                host: None,
                product: "active master".into(),
                version,
            });
        }
        true
    }
}

/// Commands whose output carries nothing for the timeline.
pub(crate) struct SilentSection;

impl Section for SilentSection {
    fn line(&mut self, _no: u64, _text: &str, _cap: &mut Capture, _out: &mut Output) -> bool {
        true
    }
}
