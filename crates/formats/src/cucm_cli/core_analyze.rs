//! `utils core active analyze <core>` (formats.md §4.3): I/O warning prompts,
//! banner lines, then a `====` / `backtrace` / `====` block of gdb frames
//! `<n>  0x<hex> in <func> (<args>) [from <lib>| at <file>:<line>]`.
//!
//! UNCONFIRMED: the lines printed between the prompt and `backtrace` (core file
//! information, gdb banner) have no public sample; they are accepted as they
//! come, and a core file name found in them is used when the command argument
//! is missing.
//!
//! gdb's `info registers` block (a title `info registers` between `====` rules,
//! like `backtrace`; the framing is UNCONFIRMED, the register lines are gdb's
//! own `<reg>  0x<hex>  <natural value> [<symbol>]` layout, public gdb output)
//! is recognised and understood: it never becomes frames or banner text. Its
//! register count (`registers`) and program counter (`pc`, from `eip`/`rip`/`pc`,
//! with `pc_symbol` when gdb names one) are added to the block's backtrace event.

use super::core_list::core_name;
use super::{cap_chars, Capture, Section};
use crate::format::Output;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{EntityKind, Kind, RawEvent, RawTime, Severity};

static FRAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*#?([0-9]+)\s+(?:(0x[0-9a-fA-F]+)\s+in\s+)?([^\s(]+)\s*(.*)$").unwrap()
});
static FRAME_STRICT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*#?[0-9]+\s+0x[0-9a-fA-F]+\s+in\s+\S").unwrap());
static REASON: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"reason=\S*\s*"([^"]*)"?"#).unwrap());
static AT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\)\s+at\s+(\S+:[0-9]+)\s*$").unwrap());
static REGISTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*([a-z][a-z0-9_]{1,11})\s+(0x[0-9a-fA-F]+|-?[0-9]+|\{.*)\s*(.*)$").unwrap()
});
static SYMBOL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<([^>]+)>").unwrap());
static CORE_IN_TEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\bcore\.[0-9]+\.[0-9]+\.[^\s.]+\.[0-9]+\b").unwrap());

/// A line that opens a backtrace block (or is the `backtrace` title).
pub(crate) fn is_block_start(text: &str) -> bool {
    text.trim().eq_ignore_ascii_case("backtrace")
}

/// The title of gdb's `info registers` block.
pub(crate) fn is_registers_title(text: &str) -> bool {
    text.trim().eq_ignore_ascii_case("info registers")
}

/// A gdb frame line with an address (`3  0x0843704c in f () at x.cpp:1`).
pub(crate) fn is_frame(text: &str) -> bool {
    FRAME_STRICT.is_match(text)
}

#[derive(Clone, Copy, PartialEq)]
enum Phase {
    Banner,
    Title,
    Frames,
    Registers,
    Done,
}

/// The analyze section: one backtrace event per block.
pub(crate) struct AnalyzeSection {
    core_file: Option<String>,
    phase: Phase,
    block_line: u64,
    frames: Vec<(u64, String, String)>,
    registers: u64,
}

impl AnalyzeSection {
    /// A section for the core named in the command argument (may be empty).
    pub(crate) fn new(arg: &str) -> AnalyzeSection {
        let core = arg.split_whitespace().next().map(str::to_string);
        AnalyzeSection {
            core_file: core,
            phase: Phase::Banner,
            block_line: 0,
            frames: Vec::new(),
            registers: 0,
        }
    }

    /// A register line of `info registers`: counted, `pc` kept on the last backtrace.
    fn register(&mut self, text: &str, out: &mut Output) -> bool {
        let Some(c) = REGISTER.captures(text) else {
            return false;
        };
        self.registers += 1;
        let name = c[1].to_string();
        let value = c[2].to_string();
        let symbol = SYMBOL.captures(&c[3]).map(|s| s[1].to_string());
        let Some(ev) = out.last_event_mut() else {
            return true;
        };
        if ev.kind != Kind::Backtrace {
            return true;
        }
        ev.fields.insert("registers", self.registers.to_string());
        if matches!(name.as_str(), "eip" | "rip" | "pc") {
            ev.fields.insert("pc", &value);
            if let Some(s) = symbol {
                ev.fields.insert("pc_symbol", s);
            }
        }
        true
    }

    fn frame(&mut self, no: u64, text: &str, out: &mut Output) -> bool {
        let Some(c) = FRAME.captures(text) else {
            return false;
        };
        let func = c[3].to_string();
        if c.get(2).is_none() && !c[4].starts_with('(') {
            return false;
        }
        if !c[4].contains(')') {
            out.problem(
                no,
                format!("backtrace frame looks truncated: {}", text.trim()),
            );
        }
        if self.frames.is_empty() {
            self.block_line = no;
        }
        self.frames.push((no, func, text.trim().to_string()));
        true
    }

    fn flush(&mut self, out: &mut Output) {
        if self.frames.is_empty() {
            if matches!(self.phase, Phase::Title | Phase::Frames) {
                out.problem(
                    self.block_line,
                    "backtrace block without any frame (truncated output?)",
                );
            }
            self.phase = if self.phase == Phase::Banner {
                Phase::Banner
            } else {
                Phase::Done
            };
            return;
        }
        out.emit(self.event());
        self.frames.clear();
        self.phase = Phase::Done;
    }

    fn event(&self) -> RawEvent {
        let text = cap_chars(
            &self
                .frames
                .iter()
                .map(|f| f.2.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
            4000,
        );
        let names: Vec<&str> = self.frames.iter().map(|f| f.1.as_str()).collect();
        let reason = self
            .frames
            .iter()
            .find_map(|f| REASON.captures(&f.2).map(|c| c[1].to_string()));
        let abort_site = self
            .frames
            .iter()
            .find(|f| f.1 == "IntentionalAbort")
            .or_else(|| self.frames.iter().find(|f| AT.is_match(&f.2)))
            .and_then(|f| AT.captures(&f.2).map(|c| c[1].to_string()));
        let parts = self.core_file.as_deref().and_then(core_name);
        let process = parts.as_ref().map(|p| p.process.clone());
        let summary = match (&process, &reason) {
            (Some(p), Some(r)) => format!("{p} backtrace: IntentionalAbort \"{r}\""),
            (Some(p), None) => format!("{p} backtrace: {}", names.first().unwrap_or(&"?")),
            (None, Some(r)) => format!("backtrace: IntentionalAbort \"{r}\""),
            (None, None) => format!("backtrace: {}", names.join(" <- ")),
        };
        let mut ev = RawEvent::new(
            self.block_line,
            &text,
            Kind::Backtrace,
            cap_chars(&summary, 300),
        )
        .with_severity(Severity::Critical)
        .with_field("frames", names.join(" <- "))
        .with_field("frame_count", names.len().to_string());
        let opts = [
            ("reason", reason),
            ("abort_site", abort_site),
            ("core_file", self.core_file.clone()),
        ];
        for (k, v) in opts {
            if let Some(v) = v {
                ev = ev.with_field(k, v);
            }
        }
        if let Some(core) = &self.core_file {
            ev = ev.with_entity(EntityKind::CoreFile, core);
        }
        if let Some(p) = parts {
            ev = ev
                .with_field("process", &p.process)
                .with_field("pid", &p.pid)
                .with_entity(EntityKind::Process, &p.process);
            if let Some(at) = p.at {
                ev = ev.at(RawTime::Absolute(at, "epoch seconds in the core file name"));
            }
        }
        ev
    }
}

impl Section for AnalyzeSection {
    fn line(&mut self, no: u64, text: &str, _cap: &mut Capture, out: &mut Output) -> bool {
        let t = text.trim();
        let rule = !t.is_empty() && t.chars().all(|c| c == '=');
        if is_block_start(t) {
            self.flush(out);
            self.phase = Phase::Title;
            self.block_line = no;
            return true;
        }
        if is_registers_title(t) {
            self.flush(out);
            self.phase = Phase::Registers;
            self.registers = 0;
            return true;
        }
        match self.phase {
            Phase::Registers => rule || self.register(t, out),
            Phase::Banner | Phase::Done if rule => true,
            Phase::Title if rule => {
                self.phase = Phase::Frames;
                true
            }
            Phase::Title | Phase::Frames => {
                self.phase = Phase::Frames;
                rule || self.frame(no, text, out) || self.end_of_block(text, out)
            }
            Phase::Banner | Phase::Done => {
                if is_frame(text) {
                    self.phase = Phase::Frames;
                    return self.frame(no, text, out);
                }
                if self.core_file.is_none() {
                    self.core_file = CORE_IN_TEXT.find(t).map(|m| m.as_str().to_string());
                }
                // UNCONFIRMED banner text: accept it, but only before a block.
                self.phase == Phase::Banner
            }
        }
    }

    fn blank(&mut self, _no: u64, _cap: &mut Capture, out: &mut Output) {
        if self.phase == Phase::Frames && !self.frames.is_empty() {
            self.flush(out);
        }
    }

    fn finish(&mut self, _cap: &mut Capture, out: &mut Output) {
        self.flush(out);
    }
}

impl AnalyzeSection {
    /// A non-frame line inside a block ends it; the line itself is not a frame.
    fn end_of_block(&mut self, _text: &str, out: &mut Output) -> bool {
        self.flush(out);
        false
    }
}
