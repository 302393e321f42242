//! The message of one dumplog record decoded into an event.
//!
//! Most trace lines (call events, messages, heartbeats) are plain log events.
//! Only messages that start with a JTAPI state event name (`CiscoTerm…`,
//! `CiscoAddr…`, `MsgAddress…`) or that name a provider (`Prov`) are looked at
//! further: the three anchored shapes by hand, the provider one by a regex.

use memchr::memmem::Finder;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{EntityKind, Kind, RawEvent, Severity};

static PROVIDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b((?:Cisco)?Prov(?:ider)?(OutOfService|InService|Shutdown)Ev)\b(?:.*?\bProvider:\s*(\S+))?(?:.*?\bCause:\s*(\S+))?").unwrap()
});

/// Every provider event names `Prov`: the [`PROVIDER`] regex runs only then.
static PROV: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("Prov"));

/// A JTAPI state event of one terminal or address, as written by the JTAPI
/// gateway: `<name> <label> <id> [Cause: <cause>]`.
#[derive(Debug, PartialEq)]
pub(super) struct StateEv<'a> {
    /// The event name (`CiscoTermOutOfServiceEv`).
    pub name: &'a str,
    /// Out of service (else in service).
    pub out: bool,
    /// The terminal or address.
    pub id: &'a str,
    /// The cause, when the line gives one.
    pub cause: Option<&'a str>,
}

/// How one family of state events is written:
/// `<stem>(OutOf|In)<tail>` then whitespace (or `:` when `colon`), `<label>`.
pub(super) struct Shape {
    stem: &'static str,
    tail: &'static str,
    colon: bool,
    label: &'static str,
}

/// `CiscoTerm(OutOf|In)ServiceEv\s+Term:\s*(\S+)(?:\s+Cause:\s*(\S+))?`
pub(super) const TERM: Shape = Shape {
    stem: "CiscoTerm",
    tail: "ServiceEv",
    colon: false,
    label: "Term:",
};
/// `CiscoAddr(OutOf|In)ServiceEv\s+Addr:\s*(\S+)(?:\s+Cause:\s*(\S+))?`
pub(super) const ADDR: Shape = Shape {
    stem: "CiscoAddr",
    tail: "ServiceEv",
    colon: false,
    label: "Addr:",
};
/// `MsgAddress(OutOf|In)Service:\s*Addr:\s*(\S+)(?:\s+Cause:\s*(\S+))?`
pub(super) const MSG_ADDR: Shape = Shape {
    stem: "MsgAddress",
    tail: "Service",
    colon: true,
    label: "Addr:",
};

/// The run of non-whitespace (Unicode, as the regex `\S`) at the start of `s`,
/// and what follows it.
fn token(s: &str) -> (&str, &str) {
    s.split_at(s.find(char::is_whitespace).unwrap_or(s.len()))
}

/// `s` without its leading whitespace, if it has any (the regex `\s+`).
fn after_spaces(s: &str) -> Option<&str> {
    let rest = s.trim_start();
    (rest.len() < s.len()).then_some(rest)
}

/// `\s+Cause:\s*(\S+)` at the start of `rest`.
fn cause_after(rest: &str) -> Option<&str> {
    let rest = after_spaces(rest)?.strip_prefix("Cause:")?.trim_start();
    let (cause, _) = token(rest);
    (!cause.is_empty()).then_some(cause)
}

/// `body` as a state event of `shape`, matched from its start.
pub(super) fn state_ev<'a>(body: &'a str, shape: &Shape) -> Option<StateEv<'a>> {
    let rest = body.strip_prefix(shape.stem)?;
    let (out, rest) = match rest.strip_prefix("OutOf") {
        Some(r) => (true, r),
        None => (false, rest.strip_prefix("In")?),
    };
    let rest = rest.strip_prefix(shape.tail)?;
    let name = &body[..body.len() - rest.len()];
    let rest = if shape.colon {
        rest.strip_prefix(':')?.trim_start()
    } else {
        after_spaces(rest)?
    };
    let (id, rest) = token(rest.strip_prefix(shape.label)?.trim_start());
    if id.is_empty() {
        return None;
    }
    Some(StateEv {
        name,
        out,
        id,
        cause: cause_after(rest),
    })
}

/// Decode the message of one record into an event, when it says something
/// that matters in an outage (a device, address or provider state); `None`
/// for an ordinary record.
pub(super) fn decode(no: u64, text: &str, body: &str) -> Option<RawEvent> {
    let b = body.as_bytes();
    if b.starts_with(b"CiscoTerm") {
        if let Some(ev) = state_ev(body, &TERM) {
            return Some(terminal(no, text, &ev));
        }
    } else if b.starts_with(b"CiscoAddr") {
        if let Some(ev) = state_ev(body, &ADDR) {
            return Some(address(no, text, &ev));
        }
    } else if b.starts_with(b"MsgAddress") {
        if let Some(ev) = state_ev(body, &MSG_ADDR) {
            return Some(address(no, text, &ev));
        }
    }
    if PROV.find(b).is_some() {
        return provider(no, text, body);
    }
    None
}

fn state_words(out: bool) -> &'static str {
    if out {
        "out of service"
    } else {
        "in service"
    }
}

fn state_severity(out: bool) -> Severity {
    if out {
        Severity::Warning
    } else {
        Severity::Notice
    }
}

/// A terminal (device) out of / in service.
fn terminal(no: u64, text: &str, s: &StateEv<'_>) -> RawEvent {
    let kind = if s.out {
        Kind::DeviceOutOfService
    } else {
        Kind::DeviceInService
    };
    let state = state_words(s.out);
    let summary = match s.cause {
        Some(cause) => format!("{} {state} ({cause})", s.id),
        None => format!("{} {state}", s.id),
    };
    let mut ev = RawEvent::new(no, text, kind, summary)
        .with_severity(state_severity(s.out))
        .with_entity(EntityKind::Device, s.id)
        .with_field("event", s.name)
        .with_field("device", s.id);
    if let Some(cause) = s.cause {
        ev = ev.with_field("cause", cause);
    }
    ev
}

/// An address (directory number) out of / in service.
fn address(no: u64, text: &str, s: &StateEv<'_>) -> RawEvent {
    let kind = if s.out {
        Kind::AddressOutOfService
    } else {
        Kind::AddressInService
    };
    let state = state_words(s.out);
    let summary = match s.cause {
        Some(cause) => format!("address {} {state} ({cause})", s.id),
        None => format!("address {} {state}", s.id),
    };
    let mut ev = RawEvent::new(no, text, kind, summary)
        .with_severity(state_severity(s.out))
        .with_entity(EntityKind::Address, s.id)
        .with_field("event", s.name)
        .with_field("address", s.id);
    if let Some(cause) = s.cause {
        let key = if cause.bytes().all(|b| b.is_ascii_digit()) {
            "cause_code"
        } else {
            "cause"
        };
        ev = ev.with_field(key, cause);
    }
    ev
}

/// A JTAPI provider state change, if `body` holds one.
fn provider(no: u64, text: &str, body: &str) -> Option<RawEvent> {
    let c = PROVIDER.captures(body)?;
    let state = &c[2];
    let provider = c.get(3).map(|m| m.as_str());
    let summary = match provider {
        Some(p) => format!("JTAPI provider {p} {}", spaced(state)),
        None => format!("JTAPI provider {}", spaced(state)),
    };
    let mut ev = RawEvent::new(no, text, Kind::ServiceState, summary)
        .with_severity(if state == "InService" {
            Severity::Notice
        } else {
            Severity::Error
        })
        .with_entity(EntityKind::Service, "CTI provider")
        .with_field("event", &c[1])
        .with_field("state", spaced(state));
    // The provider is named after the CTIManager it is open on (UNCONFIRMED
    // how every jgw release prints it): kept so the CTIManager can be found.
    if let Some(p) = provider {
        ev = ev.with_field("provider", p);
    }
    if let Some(cause) = c.get(4) {
        ev = ev.with_field("cause", cause.as_str());
    }
    Some(ev)
}

fn spaced(state: &str) -> String {
    match state {
        "OutOfService" => "out of service".into(),
        "InService" => "in service".into(),
        other => other.to_ascii_lowercase(),
    }
}
