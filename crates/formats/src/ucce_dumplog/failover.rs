//! PG, CTI Server, OPC, PIM and MDS state changes in dumplog messages:
//! sides going active or idle, peripherals online or offline, the link to
//! the central controller, CTI client sessions and agents logged out.
//!
//! Confirmed wording:
//! - `MDS is in service.` (Serviceability Best Practices Guide for UCCE 9.0, §10.5).
//! - CTI Server session traces `SESSION <n>: MsgType:<NAME> (<Field>:<Value> ...` with
//!   field lines continued on the next records of the same session (Cisco TAC
//!   document 200937); message and field names are the CTI protocol's
//!   (CTI Server Message Reference Guide: `SYSTEM_EVENT` with `SystemEventID`,
//!   `AGENT_STATE_EVENT` with `AgentState`, `CLOSE_REQ`).
//!
//! Text confirmed only as Windows Application-log events (a Cisco Community
//! thread), UNCONFIRMED as dumplog lines (events carry `wording=unconfirmed`):
//! `Connection to Central Controller side A failed`, `ACD/IVR IVR4(ID 5007) is
//! off-line and not visible to the Peripheral Gateway. Routing to this site is impacted`.
//!
//! UNCONFIRMED wording, matched by words (`wording=unconfirmed`): a process or
//! side going active or idle, a peripheral or PIM online, offline or
//! activated, OPC / MDS / CTI Server in or out of service or in simplex,
//! agents or CTI clients logged out or disconnected, a shutdown or stop
//! requested (a planned failover), and how enumerated
//! values (`SystemEventID`, `AgentState`) are printed in session traces.

use crate::keywords::captures;
use aho_corasick::AhoCorasick;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{EntityKind, Kind, RawEvent, Severity};

/// The field every guessed-wording event carries.
pub(super) const UNCONFIRMED: (&str, &str) = ("wording", "unconfirmed");

/// The component a PG process stands for in failover events.
pub(super) fn component_of(process: &str) -> &'static str {
    const NAMES: [(&str, &str); 10] = [
        ("opc", "opc"),
        ("pim", "pim"),
        ("ctisvr", "cti_server"),
        ("pgag", "pg"),
        ("mds", "mds"),
        ("ccag", "central_controller_agent"),
        ("rtr", "router"),
        ("ctios", "ctios"),
        ("jgw", "jgw"),
        ("lgr", "logger"),
    ];
    let name = process.trim_end_matches(|c: char| c.is_ascii_digit());
    NAMES
        .iter()
        .find(|(p, _)| name.eq_ignore_ascii_case(p))
        .map_or("process", |(_, c)| c)
}

/// The side (`A`/`B`) a `<pg><side>` token names (`PG1A`, `cg1A`, `ra`).
pub(super) fn side_of(pg: &str) -> Option<&'static str> {
    if pg.len() < 2 {
        return None;
    }
    match pg.as_bytes()[pg.len() - 1] {
        b'a' | b'A' => Some("A"),
        b'b' | b'B' => Some("B"),
        _ => None,
    }
}

static MDS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^MDS is (in service|out of service)(?-u:\b)").unwrap());
static CC_LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)Connection to Central Controller side ([AB])(?-u:\b)\s*(failed|lost|established|restored|is active|is idle)?").unwrap()
});
static ACD_OFFLINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u:\b)ACD/IVR\s+(\S+?)\s*\(ID (\d+)\) is (off-line|on-line)(?-u:\b)").unwrap()
});
static ACTIVE_IDLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:going|goes|go|went|became|becomes|becoming|is now|now|changing to|changed to|transition(?:ed|ing)? to|switch(?:ed|ing)? to)\s+(active|idle)(?-u:\b)").unwrap()
});
static PERIPHERAL_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:peripheral|PIM|device)(?-u:\b)[^.]{0,60}?(?-u:\b)(on-?line|off-?line)(?-u:\b)").unwrap()
});
static PERIPHERAL_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:peripheral(?:\s*id)?|ID)[\s:=#(]*(\d{3,6})(?-u:\b)").unwrap()
});
static ACTIVATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:PIM|peripheral)(?-u:\b)[^.]{0,40}?(?-u:\b)(activated|activating|activate)(?-u:\b)").unwrap()
});
static SERVICE_STATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(OPC|MDS|CTI ?Server|PIM|router|PG)(?-u:\b)[^.]{0,40}?(?-u:\b)(in service|out of service|simplex|duplex)(?-u:\b)").unwrap()
});
static AGENTS_OUT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(\d+)\s+(?:agents?|clients?)(?-u:\b)[^.]{0,40}?(?-u:\b)(?:logged|signed)[ -]?(?:out|off)(?-u:\b)",
    )
    .unwrap()
});
static STOP_REQUESTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)(shutdown|shut down|stop)(?-u:\b).{0,30}?(?-u:\b)(requested|request)(?-u:\b)",
    )
    .unwrap()
});
static CLIENT_LOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:CTI client|client|session)(?-u:\b).{0,40}?(?-u:\b)(disconnected|connection (?:lost|closed|broken))(?-u:\b)").unwrap()
});

/// Words one of the patterns below needs: most trace records (call events,
/// messages) hold none, and skip the regexes.
static KEYWORDS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    crate::keywords::keyword_set(&[
        "MDS is",
        "ontroller",
        "ONTROLLER",
        "ACD/IVR",
        // Not `Active`: JTAPI's `CallActiveEv` is on every call.
        "active",
        "ACTIVE",
        "idle",
        "Idle",
        "IDLE",
        "nline",
        "NLINE",
        "n-line",
        "N-LINE",
        "ffline",
        "FFLINE",
        "ff-line",
        "FF-LINE",
        "ctivat",
        "CTIVAT",
        "service",
        "Service",
        "SERVICE",
        "implex",
        "IMPLEX",
        "uplex",
        "UPLEX",
        "ogged",
        "OGGED",
        "igned",
        "IGNED",
        "equest",
        "EQUEST",
    ])
});

/// A state change in one dumplog message, if the message is one.
pub(super) fn decode(no: u64, text: &str, pg: &str, process: &str, body: &str) -> Option<RawEvent> {
    if is_protocol_message(body) || !KEYWORDS.is_match(body) {
        // CTI clients disconnecting: only CTI Server and CTI OS traces say so
        // (JTAPI traces are full of `...DisconnectedEv` call events).
        return client_lost(no, text, process, body).map(flag);
    }
    if let Some(c) = captures(&MDS, body) {
        let state = c[1].replace(' ', "_");
        return Some(failover(
            no,
            text,
            "mds",
            &state,
            pg,
            format!("MDS is {}", &c[1]),
        ));
    }
    if let Some(c) = captures(&CC_LINK, body) {
        let word = c
            .get(2)
            .map_or("failed", |m| m.as_str())
            .to_ascii_lowercase();
        let state = match word.as_str() {
            "established" | "restored" | "is active" => "connected",
            "is idle" => "idle",
            _ => "failed",
        };
        let ev = failover(
            no,
            text,
            "central_controller_link",
            state,
            pg,
            format!("connection to central controller side {} {word}", &c[1]),
        )
        .with_field("remote_side", &c[1]);
        return Some(flag(ev));
    }
    if let Some(c) = captures(&ACD_OFFLINE, body) {
        let state = if &c[3] == "off-line" {
            "offline"
        } else {
            "online"
        };
        let ev = failover(
            no,
            text,
            "peripheral",
            state,
            pg,
            format!("peripheral {} (ID {}) {state}", &c[1], &c[2]),
        )
        .with_field("peripheral", &c[1])
        .with_field("peripheral_id", &c[2]);
        return Some(flag(ev));
    }
    by_words(no, text, pg, process, body).map(flag)
}

/// A JTAPI event or message (`CallActiveEv ...`, `MsgBeginCall: ...`) or a
/// PIM CSTA event (`CSTA DELIVERED, `): the bulk of JGW and PIM traces, and
/// never a state change of the PG itself.
fn is_protocol_message(body: &str) -> bool {
    let end = body.find([' ', ':', ',']).unwrap_or(body.len());
    let first = &body[..end];
    first.ends_with("Ev") || first.starts_with("Msg") || first == "CSTA"
}

fn flag(ev: RawEvent) -> RawEvent {
    ev.with_field(UNCONFIRMED.0, UNCONFIRMED.1)
}

/// A failover event: `component`, `state`, and the `side` of the PG token.
fn failover(
    no: u64,
    text: &str,
    component: &str,
    state: &str,
    pg: &str,
    summary: String,
) -> RawEvent {
    let severity = match state {
        "offline" | "out_of_service" | "idle" | "failed" | "simplex" | "disconnected" => {
            Severity::Warning
        }
        _ => Severity::Notice,
    };
    let mut ev = RawEvent::new(no, text, Kind::Failover, summary)
        .with_severity(severity)
        .with_field("component", component)
        .with_field("state", state);
    if let Some(side) = side_of(pg) {
        ev = ev.with_field("side", side);
    }
    ev
}

fn by_words(no: u64, text: &str, pg: &str, process: &str, body: &str) -> Option<RawEvent> {
    if captures(&STOP_REQUESTED, body).is_some() {
        // An administrator stopping a process or side: a failover that
        // follows is planned.
        let component = component_of(process);
        let mut ev = RawEvent::new(
            no,
            text,
            Kind::ServiceState,
            format!("{component} shutdown requested"),
        )
        .with_severity(Severity::Notice)
        .with_field("component", component)
        .with_field("state", "stop_requested");
        if let Some(side) = side_of(pg) {
            ev = ev.with_field("side", side);
        }
        return Some(ev);
    }
    if let Some(c) = captures(&AGENTS_OUT, body) {
        return Some(
            RawEvent::new(
                no,
                text,
                Kind::AgentState,
                format!("{} agents logged out", &c[1]),
            )
            .with_severity(Severity::Warning)
            .with_field("state", "logout")
            .with_field("agents", &c[1]),
        );
    }
    if let Some(c) = captures(&PERIPHERAL_LINE, body) {
        let state = if c[1].to_ascii_lowercase().starts_with("off") {
            "offline"
        } else {
            "online"
        };
        let mut ev = failover(
            no,
            text,
            "peripheral",
            state,
            pg,
            format!("peripheral {state}"),
        );
        if let Some(id) = captures(&PERIPHERAL_ID, body) {
            ev = ev.with_field("peripheral", &id[1]);
        }
        return Some(ev);
    }
    if let Some(c) = captures(&ACTIVATED, body) {
        let state = if c[1].eq_ignore_ascii_case("activating") {
            "activating"
        } else {
            "active"
        };
        let mut ev = failover(no, text, "pim", state, pg, format!("PIM {state}"));
        if let Some(id) = captures(&PERIPHERAL_ID, body) {
            ev = ev.with_field("peripheral", &id[1]);
        }
        return Some(ev);
    }
    if let Some(c) = captures(&SERVICE_STATE, body) {
        let component = match c[1].to_ascii_lowercase().replace(' ', "").as_str() {
            "ctiserver" => "cti_server",
            other => component_of(other),
        }
        .to_string();
        let component = if component == "process" {
            c[1].to_ascii_lowercase()
        } else {
            component
        };
        let state = c[2].to_ascii_lowercase().replace(' ', "_");
        return Some(failover(
            no,
            text,
            &component,
            &state,
            pg,
            format!("{} {}", &c[1], &c[2]),
        ));
    }
    if let Some(c) = captures(&ACTIVE_IDLE, body) {
        let state = c[1].to_ascii_lowercase();
        let component = component_of(process);
        return Some(failover(
            no,
            text,
            component,
            &state,
            pg,
            format!("{component} going {state}"),
        ));
    }
    client_lost(no, text, process, body)
}

fn client_lost(no: u64, text: &str, process: &str, body: &str) -> Option<RawEvent> {
    if !matches!(component_of(process), "cti_server" | "ctios") {
        return None;
    }
    let c = captures(&CLIENT_LOST, body)?;
    Some(
        RawEvent::new(no, text, Kind::AgentState, format!("CTI client {}", &c[1]))
            .with_severity(Severity::Warning)
            .with_field("state", "client_disconnected"),
    )
}

/// One CTI Server session message being read (`SESSION <n>: MsgType:<NAME> (...`
/// and the records of the same session that continue its field list).
#[derive(Debug)]
pub(super) struct SessionMsg {
    session: String,
    msg_type: String,
    fields: String,
    line: u64,
    text: String,
    done: bool,
}

/// `SESSION <n>: <rest>` → (`n`, `rest`).
pub(super) fn session_parts(body: &str) -> Option<(&str, &str)> {
    let rest = body.strip_prefix("SESSION ")?;
    let (n, rest) = rest.split_once(':')?;
    (!n.is_empty() && n.bytes().all(|c| c.is_ascii_digit())).then_some((n, rest.trim_start()))
}

impl SessionMsg {
    /// Start a message from its `MsgType:` record, or `None` if `rest` does not start one.
    pub fn start(session: &str, rest: &str, line: u64, text: &str) -> Option<SessionMsg> {
        let after = rest.strip_prefix("MsgType:")?;
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if name_len == 0 {
            return None;
        }
        Some(SessionMsg {
            session: session.to_string(),
            msg_type: after[..name_len].to_string(),
            fields: after[name_len..].to_string(),
            line,
            text: text.to_string(),
            done: false,
        })
    }

    /// Add a continuation record of the same session; false if it is another session's.
    pub fn extend(&mut self, session: &str, rest: &str, text: &str) -> bool {
        if session != self.session {
            return false;
        }
        self.fields.push(' ');
        self.fields.push_str(rest);
        if self.text.len() < 4000 {
            self.text.push('\n');
            self.text.push_str(text);
        }
        true
    }

    /// The event the message makes, once its fields say enough (at most once).
    pub fn event(&mut self, pg: &str) -> Option<RawEvent> {
        if self.done {
            return None;
        }
        let ev = match self.msg_type.as_str() {
            "SYSTEM_EVENT" => self.system_event(pg),
            "AGENT_STATE_EVENT" => self.agent_state(),
            "CLOSE_REQ" => Some(
                RawEvent::new(
                    self.line,
                    &self.text,
                    Kind::AgentState,
                    format!("CTI client session {} closing", self.session),
                )
                .with_severity(Severity::Notice)
                .with_field("state", "session_closed"),
            ),
            _ => None,
        }?;
        self.done = true;
        Some(
            ev.with_field("session", &self.session)
                .with_field("msg_type", &self.msg_type),
        )
    }

    fn value(&self, key: &str) -> Option<&str> {
        let b = self.fields.as_bytes();
        let mut from = 0;
        while let Some(p) = self.fields[from..].find(key) {
            let at = from + p;
            let end = at + key.len();
            let before_ok = at == 0 || !(b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_');
            if before_ok && b.get(end) == Some(&b':') {
                let rest = &self.fields[end + 1..];
                let stop = rest
                    .find(|c: char| c.is_whitespace() || c == ')')
                    .unwrap_or(rest.len());
                return Some(&rest[..stop]);
            }
            from = end;
        }
        None
    }

    fn system_event(&self, pg: &str) -> Option<RawEvent> {
        let id = self.value("SystemEventID")?;
        let name = id
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .trim_matches(['(', ')']);
        let arg1 = self.value("SystemEventArg1");
        let meaning = match name {
            "SYS_PERIPHERAL_ONLINE" => Some(("peripheral", "online")),
            "SYS_PERIPHERAL_OFFLINE" => Some(("peripheral", "offline")),
            "SYS_CENTRAL_CONTROLLER_ONLINE" => Some(("central_controller", "online")),
            "SYS_CENTRAL_CONTROLLER_OFFLINE" => Some(("central_controller", "offline")),
            "SYS_PERIPHERAL_GATEWAY_OFFLINE" => Some(("pg", "offline")),
            "SYS_CTI_SERVER_OFFLINE" => Some(("cti_server", "offline")),
            "SYS_CTI_SERVER_ONLINE" => Some(("cti_server", "online")),
            _ => None,
        };
        let mut ev = match meaning {
            Some((component, state)) => {
                let mut ev = failover(
                    self.line,
                    &self.text,
                    component,
                    state,
                    pg,
                    format!("CTI system event: {} {state}", component.replace('_', " ")),
                );
                if component == "peripheral" {
                    if let Some(p) = arg1 {
                        ev = ev.with_field("peripheral", p);
                    }
                }
                ev
            }
            None => RawEvent::new(
                self.line,
                &self.text,
                Kind::Log,
                format!("CTI system event {id}"),
            ),
        };
        ev = ev.with_field("system_event_id", id);
        Some(flag(ev))
    }

    fn agent_state(&self) -> Option<RawEvent> {
        let state = self.value("AgentState")?;
        let upper = state.to_ascii_uppercase();
        let norm = if upper.contains("LOGOUT") || upper.contains("LOGOFF") {
            "logout"
        } else if upper.contains("LOGIN") {
            "login"
        } else {
            return None;
        };
        let agent = self.value("AgentID");
        let mut ev = RawEvent::new(
            self.line,
            &self.text,
            Kind::AgentState,
            match agent {
                Some(a) => format!("agent {a} {norm}"),
                None => format!("agent {norm}"),
            },
        )
        .with_severity(if norm == "logout" {
            Severity::Warning
        } else {
            Severity::Notice
        })
        .with_field("state", norm)
        .with_field("agent_state", state);
        for (key, field) in [
            ("AgentExtension", "agent_extension"),
            ("AgentInstrument", "agent_instrument"),
            ("EventReasonCode", "reason_code"),
            ("PeripheralID", "peripheral_id"),
        ] {
            if let Some(v) = self.value(key) {
                ev = ev.with_field(field, v);
            }
        }
        if let Some(a) = agent {
            ev = ev
                .with_field("agent_id", a)
                .with_entity(EntityKind::Agent, a);
        }
        Some(flag(ev))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_messages_are_skipped() {
        assert!(is_protocol_message("CallActiveEv Call: 3641207/5"));
        assert!(is_protocol_message("MsgBeginCall:  Addr: 27148"));
        assert!(is_protocol_message("CSTA DELIVERED, "));
        assert!(!is_protocol_message("PIM for peripheral 5000 going active"));
        assert!(!is_protocol_message(""));
    }

    #[test]
    fn sides_and_components() {
        assert_eq!(side_of("PG1A"), Some("A"));
        assert_eq!(side_of("cg1b"), Some("B"));
        assert_eq!(side_of("ra"), Some("A"));
        assert_eq!(side_of("A"), None);
        assert_eq!(side_of("PG1"), None);
        assert_eq!(component_of("ctisvr"), "cti_server");
        assert_eq!(component_of("opc1"), "opc");
        assert_eq!(component_of("xyz"), "process");
    }

    #[test]
    fn session_values_stop_at_space_or_paren() {
        let mut m = SessionMsg::start(
            "9",
            "MsgType:SYSTEM_EVENT (PGStatus:0 SystemEventID:SYS_PERIPHERAL_OFFLINE",
            1,
            "t",
        )
        .unwrap();
        assert!(m.extend("9", "SystemEventArg1:5000 )", "u"));
        assert!(!m.extend("10", "x", "v"));
        assert_eq!(m.value("SystemEventID"), Some("SYS_PERIPHERAL_OFFLINE"));
        assert_eq!(m.value("SystemEventArg1"), Some("5000"));
        assert_eq!(m.value("EventID"), None);
        let ev = m.event("cg1A").unwrap();
        assert_eq!(ev.fields["peripheral"], "5000");
        assert!(m.event("cg1A").is_none());
        assert!(SessionMsg::start("9", "SkillGroupNumber:1", 1, "t").is_none());
        assert!(SessionMsg::start("9", "MsgType:", 1, "t").is_none());
        assert_eq!(
            session_parts("SESSION 9: MsgType:X"),
            Some(("9", "MsgType:X"))
        );
        assert_eq!(session_parts("SESSION x: y"), None);
    }
}
