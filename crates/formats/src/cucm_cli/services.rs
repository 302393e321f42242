//! `utils service list` (formats.md §4.9): `<name>[STATE] <qualifier>` entries,
//! several glued on one line in flattened captures, `…` for `...`.
//! STARTING/STOPPING are UNCONFIRMED and accepted.

use super::{Capture, Section};
use crate::format::Output;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{EntityKind, Kind, RawEvent, Severity};

static STATE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[\s*(STARTED|STOPPED|STARTING|STOPPING)\s*\]").unwrap());
static NOISE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:requesting service status|service manager is running|getting list of all services|>>\s*return code|primary node\s*=|commanded out of service)").unwrap()
});
/// Qualifiers printed after a state; when entries are glued they precede the next name.
const QUALIFIERS: &[&str] = &[
    "Service Not Activated",
    "Service Activated",
    "Component is not running",
    "Commanded Out of Service",
    "Not Activated",
];

/// A line that opens `utils service list` output.
pub(crate) fn is_start(text: &str) -> bool {
    text.trim_start().starts_with("Requesting service status")
}

/// The service list section.
pub(crate) struct ServicesSection;

impl Section for ServicesSection {
    fn line(&mut self, no: u64, text: &str, _cap: &mut Capture, out: &mut Output) -> bool {
        if NOISE.is_match(text) {
            return true;
        }
        let matches: Vec<_> = STATE.captures_iter(text).collect();
        if matches.is_empty() {
            return false;
        }
        let mut start = 0;
        for (i, c) in matches.iter().enumerate() {
            let whole = c.get(0).unwrap();
            let mut name = clean(&text[start..whole.start()]);
            let mut detail = String::new();
            if i + 1 == matches.len() {
                detail = clean(&text[whole.end()..]);
            }
            if let Some(q) = QUALIFIERS.iter().find(|q| name.starts_with(**q)) {
                // A qualifier of the previous glued entry.
                name = clean(&name[q.len()..]);
            }
            if let Some(q) = QUALIFIERS
                .iter()
                .find(|q| text[whole.end()..].trim_start().starts_with(**q))
            {
                detail = q.to_string();
            }
            emit(no, text, &name, &c[1], &detail, out);
            start = whole.end();
        }
        true
    }
}

fn clean(s: &str) -> String {
    s.trim()
        .trim_end_matches('…')
        .trim_end_matches("...")
        .trim()
        .to_string()
}

fn emit(no: u64, text: &str, name: &str, state: &str, detail: &str, out: &mut Output) {
    let not_activated = detail.to_ascii_lowercase().contains("not activated");
    let severity = if state == "STOPPED" && !not_activated {
        Severity::Warning
    } else {
        Severity::Info
    };
    let summary = if detail.is_empty() {
        format!("{name} {state}")
    } else {
        format!("{name} {state} ({detail})")
    };
    let mut ev = RawEvent::new(no, text.trim(), Kind::ServiceState, summary)
        .with_severity(severity)
        .with_entity(EntityKind::Service, name)
        .with_field("service", name)
        .with_field("state", state);
    if !detail.is_empty() {
        ev = ev.with_field("detail", detail);
    }
    out.emit(ev);
}
