//! Cisco IMC fault messages (`%CIMC-<sev>-<NAME>:[Fcode][severity][cause][dn] text`)
//! and the component a fault, SEL record or CLI row is about.
//!
//! Shared by the `cimc-log` and `cimc-cli` parsers and by `cisco-syslog`, which
//! hands it `%CIMC-` lines found in a mixed remote-syslog file.
//!
//! The message layout is read from public samples only (the "And Boom Goes
//! The Storage Controller" tech-support log, a Cisco Live slide quoted in a
//! Splunk test): the four bracketed fields are taken as code, severity, cause
//! and DN, in that order. Fewer brackets are accepted (UNCONFIRMED that they
//! occur). The component is read from the DN first, then from words of the
//! text; the word lists are ours (UNCONFIRMED beyond the samples).

use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{EntityKind, Kind, RawEvent, RawTime, Severity};

static HEADER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^%CIMC-([0-7])-([A-Z0-9_]+)\s*:\s*(.*)$").unwrap());
static BRACKET: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*\[([^\]]*)\]").unwrap());
static FAULT_CODE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^F\d{3,5}$").unwrap());
static CONTROLLER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"storage-[A-Za-z0-9]+-([A-Za-z0-9_\-]+)").unwrap());

/// A decoded `%CIMC-` message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CimcMessage<'a> {
    /// The `-N-` syslog severity digit.
    pub(crate) syslog_severity: u8,
    /// The mnemonic, e.g. `EQUIPMENT_INOPERABLE`.
    pub(crate) name: &'a str,
    /// Fault code as printed, e.g. `F1004`.
    pub(crate) code: Option<&'a str>,
    /// Cisco IMC severity word as printed (`critical`, `major`, `cleared`, ...).
    pub(crate) severity: Option<&'a str>,
    /// Cause as printed, e.g. `equipment-inoperable`.
    pub(crate) cause: Option<&'a str>,
    /// Distinguished name of the affected object.
    pub(crate) dn: Option<&'a str>,
    /// The text after the brackets.
    pub(crate) text: &'a str,
}

/// Decode a message starting at `%CIMC-`.
pub(crate) fn parse_message(s: &str) -> Option<CimcMessage<'_>> {
    let c = HEADER.captures(s.trim_end())?;
    let sev = c[1].parse().ok()?;
    let name = c.get(2)?.as_str();
    let body = c.get(3)?.as_str();
    let mut rest = body;
    let mut brackets = Vec::new();
    while let Some(b) = BRACKET.captures(rest) {
        brackets.push(b.get(1)?.as_str().trim());
        rest = &rest[b.get(0)?.end()..];
        if brackets.len() == 4 {
            break;
        }
    }
    let mut it = brackets.into_iter();
    let code = it.next().filter(|c| FAULT_CODE.is_match(c));
    let (severity, cause, dn) = if code.is_some() {
        (it.next(), it.next(), it.next())
    } else {
        // Not a fault message: the brackets, if any, belong to the text.
        rest = body;
        (None, None, None)
    };
    Some(CimcMessage {
        syslog_severity: sev,
        name,
        code,
        severity: severity.filter(|s| !s.is_empty()),
        cause: cause.filter(|s| !s.is_empty()),
        dn: dn.filter(|s| !s.is_empty()),
        text: rest.trim(),
    })
}

/// The component a DN or a description names: `storage_controller`,
/// `virtual_drive`, `physical_drive`, `bbu`, `psu`, `dimm`, `fan`,
/// `temperature`, `cpu`, `voltage`, `sel_log` or `other`.
pub(crate) fn component_of(dn: Option<&str>, text: &str) -> &'static str {
    if let Some(dn) = dn {
        let last = dn.rsplit('/').next().unwrap_or(dn).to_ascii_lowercase();
        let found = match () {
            _ if last.starts_with("vd-") => Some("virtual_drive"),
            _ if last.starts_with("pd-") || last.starts_with("disk-") => Some("physical_drive"),
            _ if last.starts_with("raid-battery") || last.contains("bbu") => Some("bbu"),
            _ if last.starts_with("storage-") => Some("storage_controller"),
            _ if last.starts_with("psu") => Some("psu"),
            _ if last.starts_with("mem-") || last.starts_with("dimm") => Some("dimm"),
            _ if last.starts_with("fan") => Some("fan"),
            _ if last.starts_with("cpu") => Some("cpu"),
            _ if last.starts_with("log-sel") => Some("sel_log"),
            _ => None,
        };
        if let Some(f) = found {
            return f;
        }
    }
    component_of_text(text)
}

/// The component named by words of a description or sensor name.
pub(crate) fn component_of_text(text: &str) -> &'static str {
    let t = text.to_ascii_lowercase();
    let has = |w: &[&str]| w.iter().any(|x| t.contains(x));
    if has(&["virtual drive", "virtual-drive"]) {
        "virtual_drive"
    } else if has(&["battery", "bbu", "supercap"]) {
        "bbu"
    } else if has(&["physical drive", "hdd", "local disk", "pd "]) {
        "physical_drive"
    } else if has(&[
        "storage controller",
        "raid controller",
        "storageadapter",
        "controller",
    ]) {
        "storage_controller"
    } else if has(&["psu", "power supply", "power_supply"]) {
        "psu"
    } else if has(&["dimm", "ddr", "memory"]) {
        "dimm"
    } else if has(&["fan"]) {
        "fan"
    } else if has(&["temp", "thermal"]) {
        "temperature"
    } else if has(&["ierr", "processor", "cpu"]) {
        "cpu"
    } else if has(&["volt"]) {
        "voltage"
    } else if has(&["sel_", "system event log", "log capacity"]) {
        "sel_log"
    } else {
        "other"
    }
}

/// The storage controller named in a DN (`storage-SAS-SLOT-3` → `SLOT-3`).
pub(crate) fn controller_of(dn: &str) -> Option<&str> {
    CONTROLLER
        .captures(dn)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str())
}

/// Event severity for a Cisco IMC severity word (the Cisco IMC syslog guide
/// maps info→info, warning→notification, minor→warning, major→error,
/// critical→critical; `cleared` is informational).
pub(crate) fn severity_of_word(word: &str) -> Option<Severity> {
    Some(match word.trim().to_ascii_lowercase().as_str() {
        "critical" | "crtical" => Severity::Critical,
        "major" => Severity::Error,
        "minor" => Severity::Warning,
        "warning" => Severity::Notice,
        "info" | "informational" | "cleared" | "normal" => Severity::Info,
        _ => return None,
    })
}

/// `fault`, `degraded` or `cleared` for a raised or cleared fault.
pub(crate) fn fault_state(severity: Option<&str>, cause: Option<&str>, text: &str) -> &'static str {
    let lower = text.to_ascii_lowercase();
    if severity.is_some_and(|s| s.eq_ignore_ascii_case("cleared"))
        || lower.trim_end().ends_with("cleared")
    {
        "cleared"
    } else if cause.is_some_and(|c| c.to_ascii_lowercase().contains("degraded"))
        || lower.contains("degraded")
    {
        "degraded"
    } else {
        "fault"
    }
}

/// A `hardware_fault` event for a decoded `%CIMC-` message.
pub(crate) fn message_event(
    no: u64,
    raw: &str,
    msg: &CimcMessage<'_>,
    time: RawTime,
    source: &str,
) -> RawEvent {
    let component = component_of(msg.dn, msg.text);
    let state = fault_state(msg.severity, msg.cause, msg.text);
    let severity = if state == "cleared" {
        Severity::Info
    } else {
        Severity::from_number(msg.syslog_severity)
            .or_else(|| msg.severity.and_then(severity_of_word))
            .unwrap_or(Severity::Warning)
    };
    let what = msg.code.unwrap_or(msg.name);
    let summary = format!("CIMC {what} {component} {state}: {}", msg.text);
    let mut ev = RawEvent::new(no, raw, Kind::HardwareFault, summary)
        .at(time)
        .with_severity(severity)
        .with_field("component", component)
        .with_field("state", state)
        .with_field("alarm", msg.name)
        .with_field("description", msg.text)
        .with_field("source", source)
        .with_entity(EntityKind::Alarm, msg.name);
    if let Some(code) = msg.code {
        ev = ev.with_field("code", code);
    }
    if let Some(s) = msg.severity {
        ev = ev.with_field("severity", s);
    }
    if let Some(c) = msg.cause {
        ev = ev.with_field("cause", c);
    }
    if let Some(dn) = msg.dn {
        ev = with_dn(ev, dn);
    }
    ev
}

/// Add `dn`, `unit` (the last DN element) and `controller` fields, and the
/// affected object as a device entity.
pub(crate) fn with_dn(mut ev: RawEvent, dn: &str) -> RawEvent {
    let unit = dn.rsplit('/').next().unwrap_or(dn);
    ev = ev
        .with_field("dn", dn)
        .with_field("unit", unit)
        .with_entity(EntityKind::Device, dn);
    if let Some(c) = controller_of(dn) {
        ev = ev.with_field("controller", c);
    }
    ev
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blog_message_decodes_all_four_brackets() {
        let m = parse_message("%CIMC-2-EQUIPMENT_INOPERABLE:[F1007][critical][equipment-inoperable][sys/rack-unit-1/board/storage-SAS-SLOT-3/vd-0] Storage Virtual Drive 0 is inoperable: Check storage controller, or reseat the storage drive  ").unwrap();
        assert_eq!(m.syslog_severity, 2);
        assert_eq!(m.code, Some("F1007"));
        assert_eq!(m.severity, Some("critical"));
        assert_eq!(m.cause, Some("equipment-inoperable"));
        assert_eq!(m.dn, Some("sys/rack-unit-1/board/storage-SAS-SLOT-3/vd-0"));
        assert_eq!(component_of(m.dn, m.text), "virtual_drive");
        assert_eq!(controller_of(m.dn.unwrap()), Some("SLOT-3"));
        assert_eq!(fault_state(m.severity, m.cause, m.text), "fault");
    }

    #[test]
    fn components_from_dn_and_text() {
        for (dn, want) in [
            (
                "sys/rack-unit-1/board/storage-SAS-SLOT-3",
                "storage_controller",
            ),
            (
                "sys/rack-unit-1/board/storage-SAS-SLOT-3/raid-battery",
                "bbu",
            ),
            (
                "sys/rack-unit-1/board/storage-SAS-SLOT-SAS/raid-battery-11",
                "bbu",
            ),
            ("sys/rack-unit-1/psu-4", "psu"),
            ("sys/rack-unit-1/board/memarray-1/mem-7", "dimm"),
            ("sys/rack-unit-1/mgmt/log-SEL-0", "sel_log"),
        ] {
            assert_eq!(component_of(Some(dn), ""), want, "{dn}");
        }
        assert_eq!(
            component_of_text("DDR4_P1_F1_ECC: DIMM 11 is inoperable"),
            "dimm"
        );
        assert_eq!(
            component_of_text("IERR: A catastrophic fault has occurred on one of the processors"),
            "cpu"
        );
    }

    #[test]
    fn cleared_and_degraded_states() {
        assert_eq!(
            fault_state(
                Some("cleared"),
                None,
                "Storage controller SLOT-3 inoperable: Cleared"
            ),
            "cleared"
        );
        assert_eq!(
            fault_state(Some("major"), Some("equipmentDegraded"), "x"),
            "degraded"
        );
    }

    #[test]
    fn malformed_messages_are_refused_or_partial() {
        assert!(parse_message("%CIMC-9-X: y").is_none());
        assert!(parse_message("%CIMC-2-EQUIP ").is_none());
        let m = parse_message("%CIMC-5-SOMETHING: no brackets here").unwrap();
        assert_eq!(m.code, None);
        assert_eq!(m.text, "no brackets here");
        let m = parse_message("%CIMC-5-X: [F12][").unwrap();
        assert_eq!(m.code, None);
    }
}
