//! UCCX Engine (MIVR) and JTAPI client records that matter in an outage.
//!
//! Confirmed wording (Cisco Troubleshooting Guide for CUCM 12.5(1), "JTAPI
//! Subsystem Startup Problems"; public JTAPI client log quoted in study notes):
//! - `%MIVR-SS_TEL-<n>-ModuleRunTimeFailure:Real-time failure in JTAPI subsystem: Module=...,Failure Cause=7,Failure Module=JTAPI_PROVIDER_INIT,Exception=...`
//! - `%MIVR-SS_TEL-3-UNABLE_REGISTER_CTIPORT:Unable to register CTI Port: CTI Port=4503, Exception=...`
//! - `%JTAPI-PROTOCOL-7-UNK:(P53-192.168.10.82) received Event: com.cisco.cti.protocol.ProviderOutOfServiceEvent {`,
//!   `... ProviderClosedEvent {` (then `reason = 4`), `... ProviderOpenCompletedEvent {` (then `failureDescription = ...`).
//!
//! UNCONFIRMED wording (no public sample; matched by words, events carry
//! `wording=unconfirmed`): engine mastership changes and island mode, a
//! subsystem reported `OUT_OF_SERVICE` / `PARTIAL_SERVICE` / `IN_SERVICE`,
//! the CTIManager connection lost, JTAPI `ProvOutOfServiceEv` objects, and
//! aborted or dropped calls (`JTAPICallContact[...aborting=true...]`).

use crate::keywords::captures;
use aho_corasick::AhoCorasick;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{Entity, EntityKind, Kind, RawEvent, Severity};

use super::record::Record;

/// The field every guessed-wording event carries.
pub(super) const UNCONFIRMED: (&str, &str) = ("wording", "unconfirmed");

/// What later continuation lines of a record can still add to its event.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Pending {
    /// Nothing.
    None,
    /// `Module=`, `Failure Cause=`, `Failure Module=`, `Exception=` of a run-time failure.
    RunTimeFailure,
    /// `reason = N` of a closed provider.
    ProviderClosed,
    /// `failureDescription = ...` of a provider open: a non-empty one makes it a failure.
    ProviderOpen,
    /// `CTI Port=`, `Exception=` of a CTI port that could not be registered.
    RegisterPort,
}

static RUNTIME_FAILURE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)real-?\s*time\s*failure in (.+?) subsystem").unwrap());
static PROTOCOL_EVENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"received Event: com\.cisco\.cti\.protocol\.(Provider\w+Event)(?-u:\b)").unwrap()
});
static PROVIDER_TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*\((P\d+)-([^)\s]+)\)").unwrap());
static PROV_EV: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(?:Cisco)?Prov(OutOfService|InService|Shutdown)Ev(?-u:\b)").unwrap()
});
static SUBSYSTEM_STATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)([A-Za-z_]+)\s+(?:subsystem|sub-system)(?-u:\b).{0,60}?(?-u:\b)(OUT_OF_SERVICE|PARTIAL_SERVICE|IN_SERVICE)(?-u:\b)").unwrap()
});
static ISLAND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)more than one master(?-u:\b)|(?-u:\b)island mode(?-u:\b)").unwrap()
});
static ROLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:became|becomes|becoming|is now|now|elected as|transition(?:ed|ing)? to)\s+(?:the\s+)?(master|standby|slave)(?-u:\b)").unwrap()
});
static MASTERSHIP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)mastership(?-u:\b).{0,40}?(?-u:\b)(lost|dropped|released|acquired|gained|taken|changed)(?-u:\b)",
    )
    .unwrap()
});
static CTIMANAGER_LOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)CTI\s?Manager(?-u:\b).{0,80}?(?-u:\b)(down|lost|closed|failed|failure|unreachable|disconnected|timed out)(?-u:\b)|(?-u:\b)CTIMANAGER_FAILURE(?-u:\b)").unwrap()
});
static ABORTING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)JTAPICallContact\[id=(\d+)[^\]]*?(?-u:\b)implId=([^,\]]+)[^\]]*?(?-u:\b)state=([A-Z_]+)[^\]]*?(?-u:\b)aborting=true").unwrap()
});
static CALL_ABORTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)Call\.(aborting|aborted|abandoned)\(\)|(?-u:\b)call(?-u:\b).{0,60}?(?-u:\b)(aborted|dropped|rejected)(?-u:\b)").unwrap()
});

/// The event of one record and what its continuation lines may still add,
/// or `None` for an ordinary record.
pub(super) fn decode(no: u64, raw: &str, rec: &Record<'_>) -> Option<(RawEvent, Pending)> {
    let sev = Severity::from_number(rec.sev).unwrap_or_default();
    match rec.msg_id {
        "ModuleRunTimeFailure" => return Some(runtime_failure(no, raw, rec, sev)),
        "UNABLE_REGISTER_CTIPORT" => {
            let mut ev = RawEvent::new(
                no,
                raw,
                Kind::DeviceOutOfService,
                "UCCX could not register a CTI port",
            )
            .with_severity(sev)
            .with_field("event", rec.msg_id);
            enrich(&mut ev, Pending::RegisterPort, rec.text);
            return Some((ev, Pending::RegisterPort));
        }
        _ => {}
    }
    if let Some(c) = captures(&PROTOCOL_EVENT, rec.text) {
        return protocol_event(no, raw, rec, &c[1]);
    }
    by_words(no, raw, rec).map(|e| (e, Pending::None))
}

fn runtime_failure(no: u64, raw: &str, rec: &Record<'_>, sev: Severity) -> (RawEvent, Pending) {
    let subsystem = RUNTIME_FAILURE
        .captures(rec.text)
        .map(|c| format!("{} subsystem", c[1].trim()))
        .unwrap_or_else(|| "subsystem".to_string());
    let mut ev = RawEvent::new(
        no,
        raw,
        Kind::ServiceState,
        format!("UCCX {subsystem}: real-time failure"),
    )
    .with_severity(sev)
    .with_field("service", &subsystem)
    .with_field("state", "failed")
    .with_entity(EntityKind::Service, &subsystem);
    enrich(&mut ev, Pending::RunTimeFailure, rec.text);
    (ev, Pending::RunTimeFailure)
}

/// A JTAPI client protocol event about the provider (its CTIManager connection).
fn protocol_event(no: u64, raw: &str, rec: &Record<'_>, name: &str) -> Option<(RawEvent, Pending)> {
    let (state, pending, severity) = match name {
        "ProviderOutOfServiceEvent" => ("out of service", Pending::None, Severity::Error),
        "ProviderInServiceEvent" => ("in service", Pending::None, Severity::Notice),
        "ProviderClosedEvent" => ("closed", Pending::ProviderClosed, Severity::Warning),
        "ProviderOpenCompletedEvent" => ("open_completed", Pending::ProviderOpen, Severity::Info),
        _ => return None,
    };
    let mut ev = provider_event(no, raw, rec, state, name).with_severity(severity);
    if name == "ProviderInServiceEvent" {
        // Named by analogy with ProviderOutOfServiceEvent: no sample shows it.
        ev = ev.with_field(UNCONFIRMED.0, UNCONFIRMED.1);
    }
    if name == "ProviderOpenCompletedEvent" {
        // Only a failure makes it matter; until a failureDescription arrives it is a plain log.
        ev.kind = Kind::Log;
    }
    Some((ev, pending))
}

fn provider_event(no: u64, raw: &str, rec: &Record<'_>, state: &str, event: &str) -> RawEvent {
    let tag = captures(&PROVIDER_TAG, rec.text);
    let ctimanager = tag.as_ref().map(|c| c.get(2).unwrap().as_str());
    let summary = match ctimanager {
        Some(m) => format!(
            "JTAPI provider on CTIManager {m}: {}",
            state.replace('_', " ")
        ),
        None => format!("JTAPI provider {}", state.replace('_', " ")),
    };
    let mut ev = RawEvent::new(no, raw, Kind::ServiceState, summary)
        .with_field("service", "JTAPI provider")
        .with_field("state", state)
        .with_field("event", event)
        .with_entity(EntityKind::Service, "CTI provider");
    if let Some(c) = &tag {
        ev = ev.with_field("provider", &c[1]);
    }
    if let Some(m) = ctimanager {
        ev = ev
            .with_field("ctimanager", m)
            .with_entity(EntityKind::Node, m);
    }
    ev
}

/// Add what a line of the record says to its event (the record line itself
/// or a continuation line).
pub(super) fn enrich(ev: &mut RawEvent, pending: Pending, line: &str) {
    match pending {
        Pending::None => {}
        Pending::RunTimeFailure => {
            if ev.fields.get("service") == Some("subsystem") {
                let text = ev.text.get().into_owned();
                if let Some(c) = captures(&RUNTIME_FAILURE, &text) {
                    let subsystem = format!("{} subsystem", c[1].trim());
                    ev.summary = format!("UCCX {subsystem}: real-time failure").into();
                    ev.fields.insert("service", &subsystem);
                    ev.entities.retain(|e| e.kind != EntityKind::Service);
                    ev.entities.push(Entity {
                        kind: EntityKind::Service,
                        id: subsystem.into(),
                    });
                }
            }
            for (key, field) in [
                ("Failure Module=", "failure_module"),
                ("Failure Cause=", "failure_cause"),
                ("Module=", "module"),
                ("Exception=", "exception"),
            ] {
                if ev.fields.contains_key(field) {
                    continue;
                }
                let found = if key == "Module=" {
                    module_value(line)
                } else {
                    value_after(line, key)
                };
                if let Some(v) = found {
                    ev.fields.insert(field, v);
                }
            }
        }
        Pending::RegisterPort => {
            if !ev.fields.contains_key("cti_port") {
                if let Some(p) = value_after(line, "CTI Port=") {
                    ev.fields.insert("cti_port", p);
                    ev.fields.insert("device", p);
                    ev.summary = format!("UCCX could not register CTI port {p}").into();
                    ev.entities.push(Entity {
                        kind: EntityKind::Device,
                        id: p.into(),
                    });
                }
            }
            if !ev.fields.contains_key("exception") {
                if let Some(x) = value_after(line, "Exception=") {
                    ev.fields.insert("exception", x);
                }
            }
        }
        Pending::ProviderClosed => {
            if let Some(r) = dump_value(line, "reason") {
                ev.fields.insert("reason", r);
            }
        }
        Pending::ProviderOpen => {
            if let Some(d) = dump_value(line, "failureDescription").filter(|d| !d.is_empty()) {
                ev.kind = Kind::ServiceState;
                ev.severity = Severity::Error;
                ev.fields.insert("state", "open_failed");
                ev.fields.insert("failure_description", d);
                ev.summary = format!("JTAPI provider open failed: {d}").into();
            }
        }
    }
}

/// `Module=` that is not the tail of `Failure Module=`.
fn module_value(line: &str) -> Option<&str> {
    let mut from = 0;
    while let Some(p) = line[from..].find("Module=") {
        let at = from + p;
        if !line[..at].ends_with("Failure ") {
            return value_after(&line[at..], "Module=");
        }
        from = at + 7;
    }
    None
}

/// The value after `key` up to the next `,` (or the line end), trimmed; `None` when empty.
fn value_after<'a>(s: &'a str, key: &str) -> Option<&'a str> {
    let at = s.find(key)? + key.len();
    let rest = &s[at..];
    let v = rest[..rest.find(',').unwrap_or(rest.len())].trim();
    (!v.is_empty()).then_some(v)
}

/// `name = value` on an object-dump line (markdown `**` around it tolerated).
fn dump_value<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let l = line.trim().trim_matches('*').trim();
    let (k, v) = l.split_once('=')?;
    (k.trim() == name).then(|| v.trim().trim_matches('*').trim())
}

/// Words one of the word patterns needs (most records hold none).
static KEYWORDS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    crate::keywords::keyword_set(&[
        "ProvOutOfServiceEv",
        "ProvInServiceEv",
        "ProvShutdownEv",
        "aster",
        "ASTER",
        "sland",
        "SLAND",
        "_SERVICE",
        "_service",
        "TIManager",
        "TI Manager",
        "TIMANAGER",
        "all",
        "ALL",
    ])
});

/// Records matched by their words only (UNCONFIRMED wording, see the module doc).
fn by_words(no: u64, raw: &str, rec: &Record<'_>) -> Option<RawEvent> {
    let text = rec.text;
    if !KEYWORDS.is_match(text) {
        return None;
    }
    let flag = |ev: RawEvent| ev.with_field(UNCONFIRMED.0, UNCONFIRMED.1);
    if let Some(c) = captures(&PROV_EV, text) {
        let state = match &c[1] {
            "OutOfService" => "out of service",
            "InService" => "in service",
            _ => "shutdown",
        };
        let ev = provider_event(no, raw, rec, state, c.get(0).unwrap().as_str()).with_severity(
            if state == "in service" {
                Severity::Notice
            } else {
                Severity::Error
            },
        );
        return Some(flag(ev));
    }
    if ISLAND.is_match(text) {
        let ev = engine(
            no,
            raw,
            "island",
            Some("master"),
            "UCCX engine: more than one master (island mode)",
        )
        .with_severity(Severity::Error);
        return Some(flag(ev));
    }
    if let Some(c) = captures(&ROLE, text) {
        let role = match c[1].to_ascii_lowercase().as_str() {
            "master" => "master",
            _ => "standby",
        };
        let ev = engine(
            no,
            raw,
            "role_change",
            Some(role),
            &format!("UCCX engine became {role}"),
        );
        return Some(flag(ev));
    }
    if let Some(c) = captures(&MASTERSHIP, text) {
        let word = c[1].to_ascii_lowercase();
        let role = match word.as_str() {
            "acquired" | "gained" | "taken" => Some("master"),
            "lost" | "dropped" | "released" => Some("standby"),
            _ => None,
        };
        let ev = engine(
            no,
            raw,
            "role_change",
            role,
            &format!("UCCX engine mastership {word}"),
        );
        return Some(flag(ev));
    }
    if let Some(c) = captures(&SUBSYSTEM_STATE, text) {
        let service = format!("{} subsystem", &c[1]);
        let status = &c[2];
        let ev = RawEvent::new(
            no,
            raw,
            Kind::ServiceState,
            format!("UCCX {service} {status}"),
        )
        .with_severity(match status {
            "IN_SERVICE" => Severity::Notice,
            "PARTIAL_SERVICE" => Severity::Warning,
            _ => Severity::Error,
        })
        .with_field("service", &service)
        .with_field("state", status.to_ascii_lowercase().replace('_', " "))
        .with_entity(EntityKind::Service, &service);
        return Some(flag(ev));
    }
    if CTIMANAGER_LOST.is_match(text) {
        let mut ev =
            provider_event(no, raw, rec, "ctimanager_lost", "text").with_severity(Severity::Error);
        ev.summary = "JTAPI lost its CTIManager connection".into();
        return Some(flag(ev));
    }
    if let Some(c) = captures(&ABORTING, text) {
        let ev = RawEvent::new(
            no,
            raw,
            Kind::CallFailure,
            format!("UCCX call {} aborting ({})", &c[1], &c[3]),
        )
        .with_severity(Severity::Warning)
        .with_field("call_id", &c[1])
        .with_field("impl_id", &c[2])
        .with_field("call_state", &c[3])
        .with_field("failure", "aborting");
        return Some(flag(ev));
    }
    if rec.sev <= 3 || text.contains("Call.") {
        if let Some(c) = captures(&CALL_ABORTED, text) {
            let word = c.get(1).or(c.get(2)).map_or("failed", |m| m.as_str());
            let ev = RawEvent::new(
                no,
                raw,
                Kind::CallFailure,
                format!("UCCX call {}", word.to_ascii_lowercase()),
            )
            .with_severity(Severity::Warning)
            .with_field("failure", word.to_ascii_lowercase());
            return Some(flag(ev));
        }
    }
    None
}

fn engine(no: u64, raw: &str, state: &str, role: Option<&str>, summary: &str) -> RawEvent {
    let mut ev = RawEvent::new(no, raw, Kind::Failover, summary)
        .with_severity(Severity::Warning)
        .with_field("component", "uccx_engine")
        .with_field("state", state);
    if let Some(r) = role {
        ev = ev.with_field("role", r);
    }
    ev
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_helpers() {
        assert_eq!(value_after("a CTI Port=4503, x", "CTI Port="), Some("4503"));
        assert_eq!(value_after("CTI Port=", "CTI Port="), None);
        assert_eq!(
            module_value("Module=JTAPI Subsystem,Failure Cause=7,Failure Module=X"),
            Some("JTAPI Subsystem")
        );
        assert_eq!(module_value("Failure Module=X"), None);
        assert_eq!(
            dump_value(
                "**failureDescription = Directory login failed.**",
                "failureDescription"
            ),
            Some("Directory login failed.")
        );
        assert_eq!(dump_value("reason = 4", "reason"), Some("4"));
        assert_eq!(dump_value("reasons = 4", "reason"), None);
    }
}
