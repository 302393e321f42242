//! `show perf query class <Object>` / `show perf query counter <Object> <Counter>`
//! (NOC "Calculating Virtual Memory Usage on UC VOS", `Memory` class):
//! `==>query class :`, ` - Perf class (Memory) has instances and values:`,
//! then `-> <Counter> = <value>` lines. Objects with instances print the
//! instance before the arrow (`ccm -> VmSize = ...`): that layout has no
//! public sample (UNCONFIRMED) and is read tolerantly.
//!
//! One `MetricSample` per query, at the capture's local time when known, with
//! one field per counter named as PerfMon paths are without their host
//! (`Memory\% Mem Used`, `Process(ccm)\VmSize`), so the knowledge base's
//! metric classes apply to it as to PerfMon CSV files.

use super::{Capture, Section};
use crate::format::Output;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{Kind, RawEvent};

static CLASS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*-\s*Perf class\s*\(([^)]+)\)\s*has instances and values:?\s*$").unwrap()
});
static VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:(\S(?:.*?\S)?)\s+)?->\s*(.+?)\s*=\s*(-?[0-9][0-9.]*|\S.*?)\s*$").unwrap()
});
static BANNER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*==>\s*query\s+\w+\s*:?\s*$").unwrap());

/// A line that opens `show perf query` output (for sniffing without an echo).
pub(crate) fn is_start(text: &str) -> bool {
    BANNER.is_match(text) || CLASS.is_match(text)
}

/// The perf query section.
pub(crate) struct PerfSection {
    object: Option<String>,
    first: Option<(u64, String)>,
    values: Vec<(String, String)>,
}

impl PerfSection {
    /// A section for `class <Object>` / `counter <Object> <Counter>`.
    pub(crate) fn new(arg: &str) -> PerfSection {
        let mut toks = arg.split_whitespace();
        let object = match toks.next() {
            Some(w) if w.eq_ignore_ascii_case("class") || w.eq_ignore_ascii_case("counter") => {
                toks.next().map(|o| o.trim_matches('"').to_string())
            }
            _ => None,
        };
        PerfSection {
            object,
            first: None,
            values: Vec::new(),
        }
    }
}

impl Section for PerfSection {
    fn line(&mut self, no: u64, text: &str, _cap: &mut Capture, _out: &mut Output) -> bool {
        if BANNER.is_match(text) {
            return true;
        }
        if let Some(c) = CLASS.captures(text) {
            self.object = Some(c[1].trim().to_string());
            self.first.get_or_insert((no, text.trim().to_string()));
            return true;
        }
        let Some(c) = VALUE.captures(text) else {
            return false;
        };
        let object = self.object.clone().unwrap_or_else(|| "?".to_string());
        let path = match c.get(1) {
            Some(i) => format!("{object}({})\\{}", i.as_str(), c[2].trim()),
            None => format!("{object}\\{}", c[2].trim()),
        };
        self.first.get_or_insert((no, text.trim().to_string()));
        self.values.push((path, c[3].to_string()));
        true
    }

    fn finish(&mut self, cap: &mut Capture, out: &mut Output) {
        let Some((no, text)) = self.first.take() else {
            return;
        };
        if self.values.is_empty() {
            return;
        }
        let shown: Vec<String> = self
            .values
            .iter()
            .take(3)
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut ev = RawEvent::new(
            no,
            &text,
            Kind::MetricSample,
            format!("sample: {}", shown.join(", ")),
        )
        .with_field("source", "show perf query");
        for (k, v) in self.values.drain(..) {
            ev = ev.with_field(k, v);
        }
        if let Some(t) = cap.capture_time() {
            ev = ev.at(t);
        }
        out.emit(ev);
    }
}
