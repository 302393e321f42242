//! Finesse Desktop-webservices records that matter in an outage.
//!
//! Confirmed shapes (Cisco TAC documents 212077 and 200937):
//! - `DECODED_MESSAGE_FROM_CTI_SERVER` with `cti_message=CTIAgentStateEvent [...,
//!   agentState=8 (RESERVED), eventReasonCode=0, ..., agentID=1234, agentExtension=1234, ...]`:
//!   an agent state change as the CTI server sent it. Only LOGOUT and LOGIN
//!   become [`Kind::AgentState`] events (the other states happen on every call).
//! - `XMPP_PUBLISH_ASYNCHRONOUS` with `NodeId=/finesse/api/User/<id>` and a
//!   `Payload=<Update> ... <user> ...` XML body.
//!
//! Inferred from documented objects, UNCONFIRMED as log lines (events carry
//! `wording=unconfirmed`):
//! - `CTISystemEvent [... systemEventID=<n> (<NAME>) ...]`: rendered like the
//!   agent state event; the SystemEventID names come from the CTI Server
//!   Message Reference Guide. Only named values are classified.
//! - an XMPP publish to `/finesse/api/SystemInfo` with `<status>OUT_OF_SERVICE</status>`
//!   (the developer guide says Finesse publishes SystemInfo with its status).
//! - free wording about the CTI connection being lost or re-established, a
//!   failover, or the OUT_OF_SERVICE / IN_SERVICE state: no public sample
//!   quotes these lines, so they are matched by words.

use super::envelope::Record;
use super::fields::{coded, element, kv};
use crate::keywords::captures;
use aho_corasick::AhoCorasick;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{EntityKind, Kind, RawEvent, Severity};

/// The field every guessed-wording event carries.
pub(super) const UNCONFIRMED: (&str, &str) = ("wording", "unconfirmed");

/// A decoded Finesse event, if the record is one.
pub(super) fn decode(no: u64, raw: &str, rec: &Record<'_>) -> Option<RawEvent> {
    match rec.msg_id {
        "DECODED_MESSAGE_FROM_CTI_SERVER" => cti_message(no, raw, rec.tag("cti_message")?),
        "XMPP_PUBLISH_ASYNCHRONOUS" => xmpp_publish(no, raw, rec),
        _ => None,
    }
    .or_else(|| by_words(no, raw, rec))
}

/// The message name at the start of a decoded CTI message and its field list.
fn message_parts(m: &str) -> (&str, &str) {
    let name_len = m.find([' ', '[']).unwrap_or(m.len());
    (&m[..name_len], &m[name_len..])
}

fn cti_message(no: u64, raw: &str, m: &str) -> Option<RawEvent> {
    let (name, list) = message_parts(m);
    match name {
        "CTIAgentStateEvent" => agent_state_event(no, raw, list),
        "CTISystemEvent" => system_event(no, raw, list),
        _ => None,
    }
}

fn agent_state_event(no: u64, raw: &str, list: &str) -> Option<RawEvent> {
    let (code, name) = coded(kv(list, "agentState")?);
    let name = name?;
    let state = match name {
        "LOGOUT" => "logout",
        "LOGIN" => "login",
        _ => return None,
    };
    let agent = kv(list, "agentID").filter(|v| !v.is_empty() && *v != "null");
    let reason = kv(list, "eventReasonCode");
    let mut summary = match agent {
        Some(a) => format!("agent {a} {}", words(state)),
        None => format!("an agent {}", words(state)),
    };
    if let Some(r) = reason.filter(|r| *r != "0") {
        summary.push_str(&format!(" (reason code {r})"));
    }
    let mut ev = RawEvent::new(no, raw, Kind::AgentState, summary)
        .with_severity(if state == "logout" {
            Severity::Warning
        } else {
            Severity::Notice
        })
        .with_field("state", state)
        .with_field("agent_state", name)
        .with_field("agent_state_code", code)
        .with_field("source", "cti_agent_state_event");
    // Reason codes mean different things in UCCE and UCCX: the field says which.
    let deployment = kv(list, "deploymentType").filter(|v| !v.is_empty() && *v != "null");
    let reason_field = match deployment {
        Some(d) if d.to_ascii_uppercase().contains("CCX") => "ccx_reason_code",
        _ => "reason_code",
    };
    if let Some(d) = deployment {
        ev = ev.with_field("deployment_type", d);
    }
    for (key, field) in [
        ("eventReasonCode", reason_field),
        ("agentExtension", "agent_extension"),
        ("agentInstrument", "agent_instrument"),
        ("peripheralID", "peripheral_id"),
    ] {
        if let Some(v) = kv(list, key).filter(|v| !v.is_empty() && *v != "null") {
            ev = ev.with_field(field, v);
        }
    }
    if let Some(a) = agent {
        ev = ev
            .with_field("agent_id", a)
            .with_entity(EntityKind::Agent, a);
    }
    Some(ev)
}

fn words(state: &str) -> &'static str {
    match state {
        "logout" => "signed out",
        "login" => "signed in",
        _ => "changed state",
    }
}

/// `CTISystemEvent [... systemEventID=4 (SYS_PERIPHERAL_OFFLINE), systemEventArg1=5000 ...]`.
fn system_event(no: u64, raw: &str, list: &str) -> Option<RawEvent> {
    let value = kv(list, "systemEventID").or_else(|| kv(list, "SystemEventID"))?;
    let (code, name) = coded(value);
    let arg1 = kv(list, "systemEventArg1").or_else(|| kv(list, "SystemEventArg1"));
    let mut ev = match name.and_then(system_event_meaning) {
        Some((component, state)) => {
            let mut ev = RawEvent::new(
                no,
                raw,
                Kind::Failover,
                format!(
                    "CTI system event: {} {}",
                    component.replace('_', " "),
                    state
                ),
            )
            .with_severity(if matches!(state, "offline") {
                Severity::Warning
            } else {
                Severity::Notice
            })
            .with_field("component", component)
            .with_field("state", state);
            if component == "peripheral" {
                if let Some(p) = arg1 {
                    ev = ev.with_field("peripheral", p);
                }
            }
            ev
        }
        None => RawEvent::new(no, raw, Kind::Log, format!("CTI system event {value}")),
    };
    ev = ev
        .with_field("system_event_id", code)
        .with_field("source", "cti_system_event")
        .with_field(UNCONFIRMED.0, UNCONFIRMED.1);
    if let Some(n) = name {
        ev = ev.with_field("system_event", n);
    }
    Some(ev)
}

/// The component and state a named SystemEventID reports (names from the
/// CTI Server Message Reference Guide; what they mean is in the knowledge
/// base, this only sorts them).
fn system_event_meaning(name: &str) -> Option<(&'static str, &'static str)> {
    Some(match name {
        "SYS_PERIPHERAL_ONLINE" => ("peripheral", "online"),
        "SYS_PERIPHERAL_OFFLINE" => ("peripheral", "offline"),
        "SYS_CENTRAL_CONTROLLER_ONLINE" => ("central_controller", "online"),
        "SYS_CENTRAL_CONTROLLER_OFFLINE" => ("central_controller", "offline"),
        "SYS_PERIPHERAL_GATEWAY_OFFLINE" => ("pg", "offline"),
        "SYS_CTI_SERVER_OFFLINE" => ("cti_server", "offline"),
        "SYS_CTI_SERVER_ONLINE" => ("cti_server", "online"),
        _ => return None,
    })
}

fn xmpp_publish(no: u64, raw: &str, rec: &Record<'_>) -> Option<RawEvent> {
    let node = rec.tag("NodeId")?;
    // The payload may run to the end of the line when a `]` inside it ended
    // the tag early: look in the whole record.
    let payload = rec.tag("Payload").unwrap_or(rec.text);
    let payload = if element(payload, "state").is_some() || element(payload, "status").is_some() {
        payload
    } else {
        raw
    };
    if node == "/finesse/api/SystemInfo" {
        let status = element(payload, "status")?;
        return Some(service_state(no, raw, status, "xmpp_system_info"));
    }
    let user = node.strip_prefix("/finesse/api/User/")?;
    if user.contains('/') {
        return None;
    }
    let state = match element(payload, "state")? {
        "LOGOUT" => "logout",
        "LOGIN" => "login",
        _ => return None,
    };
    let mut ev = RawEvent::new(
        no,
        raw,
        Kind::AgentState,
        format!("agent {user} {} (desktop update)", words(state)),
    )
    .with_severity(if state == "logout" {
        Severity::Warning
    } else {
        Severity::Notice
    })
    .with_field("state", state)
    .with_field("agent_state", element(payload, "state").unwrap_or_default())
    .with_field("agent_id", user)
    .with_field("source", "xmpp_user_update")
    .with_entity(EntityKind::Agent, user);
    if let Some(ext) = element(payload, "extension").filter(|e| !e.is_empty()) {
        ev = ev.with_field("agent_extension", ext);
    }
    Some(ev)
}

/// The Finesse service state `OUT_OF_SERVICE`, `IN_SERVICE`, `PARTIAL_SERVICE`.
fn service_state(no: u64, raw: &str, status: &str, source: &str) -> RawEvent {
    // `out of service` / `in service`, as the JTAPI provider events spell them.
    let state = status.to_ascii_lowercase().replace('_', " ");
    let severity = match status {
        "IN_SERVICE" => Severity::Notice,
        "PARTIAL_SERVICE" => Severity::Warning,
        _ => Severity::Error,
    };
    RawEvent::new(no, raw, Kind::ServiceState, format!("Finesse {status}"))
        .with_severity(severity)
        .with_entity(EntityKind::Service, "Cisco Finesse")
        .with_field("service", "Cisco Finesse")
        .with_field("state", state)
        .with_field("status", status)
        .with_field("source", source)
        .with_field(UNCONFIRMED.0, UNCONFIRMED.1)
}

static STATUS_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)(OUT_OF_SERVICE|IN_SERVICE|PARTIAL_SERVICE)(?-u:\b)").unwrap()
});
static STATUS_CONTEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(?-u:\b)(finesse|system|state|status)(?-u:\b)").unwrap());
static CTI: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)(?-u:\b)CTI(?-u:\b)").unwrap());
static CONNECTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(connection|socket|link|heartbeats?)(?-u:\b)").unwrap()
});
static LOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(lost|loss|closed|closing|failed|failure|down|disconnected|broken|timed out|timeout|missed|reset)(?-u:\b)").unwrap()
});
static HEARTBEAT_LOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)heartbeats?(?-u:\b).{0,60}?(?-u:\b)(missed|miss|timed out|timeout|lost)(?-u:\b)|(?-u:\b)(missed|miss|lost)(?-u:\b).{0,20}?(?-u:\b)heartbeats?(?-u:\b)").unwrap()
});
static CONNECTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(connected|reconnected|established)(?-u:\b)").unwrap()
});
static FAILOVER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(?-u:\b)fail(?:ing|ed)?[ -]?over(?-u:\b)").unwrap());
static SIDE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(?-u:\b)side[ _-]?([AB])(?-u:\b)").unwrap());
static AGENTS_OUT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(\d+)\s+(?:agents?|users?)(?-u:\b).{0,40}?(?-u:\b)(?:logged|signed)[ -]?(?:out|off)(?-u:\b)")
        .unwrap()
});

/// Words one of the word patterns needs (most records hold none).
static KEYWORDS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    crate::keywords::keyword_set(&[
        "CTI", "cti", "Cti", "ervice", "ERVICE", "gent", "GENT", "ser", "SER", "eartbeat",
        "EARTBEAT", "ail", "AIL",
    ])
});

/// Records matched by their words only (UNCONFIRMED wording, see the module doc).
fn by_words(no: u64, raw: &str, rec: &Record<'_>) -> Option<RawEvent> {
    // The decoded CTI messages and XMPP publishes carry fixed text: their
    // content was read above.
    if matches!(
        rec.msg_id,
        "DECODED_MESSAGE_FROM_CTI_SERVER" | "XMPP_PUBLISH_ASYNCHRONOUS"
    ) || !(KEYWORDS.is_match(rec.msg_id) || KEYWORDS.is_match(rec.text))
    {
        return None;
    }
    let text = format!("{} {}", rec.msg_id, rec.text);
    // Message ids join words with `_` (`CTI_CONNECTION_LOST`): match words on a copy without them.
    let words = text.replace('_', " ");
    if let Some(c) = captures(&AGENTS_OUT, &words) {
        return Some(
            RawEvent::new(
                no,
                raw,
                Kind::AgentState,
                format!("{} agents signed out", &c[1]),
            )
            .with_severity(Severity::Warning)
            .with_field("state", "logout")
            .with_field("agents", &c[1])
            .with_field("source", "text")
            .with_field(UNCONFIRMED.0, UNCONFIRMED.1),
        );
    }
    let lower = words.to_ascii_lowercase();
    let cti = CTI.is_match(&words);
    let state = if cti
        && CONNECTION.is_match(&words)
        && LOST.is_match(&words)
        && !lower.contains("reconnected")
    {
        Some("disconnected")
    } else if cti && CONNECTED.is_match(&words) && !lower.contains("disconnect") {
        Some("connected")
    } else if cti && FAILOVER.is_match(&words) {
        Some("failing_over")
    } else {
        None
    };
    if let Some(state) = state {
        let mut ev = RawEvent::new(
            no,
            raw,
            Kind::Failover,
            format!("Finesse CTI connection {}", state.replace('_', " ")),
        )
        .with_severity(if state == "connected" {
            Severity::Notice
        } else {
            Severity::Warning
        })
        .with_field("component", "finesse_cti")
        .with_field("state", state)
        .with_field("source", "text")
        .with_field(UNCONFIRMED.0, UNCONFIRMED.1);
        if let Some(c) = captures(&SIDE, &words) {
            ev = ev.with_field("side", c[1].to_ascii_uppercase());
        }
        if HEARTBEAT_LOST.is_match(&words) {
            ev = ev.with_field("reason", "heartbeat");
        }
        return Some(ev);
    }
    let status = captures(&STATUS_WORD, &text)?;
    STATUS_CONTEXT
        .is_match(&text)
        .then(|| service_state(no, raw, &status[1], "text"))
}
