//! One CiscoLog record (envelope + tags) to events.

use super::conditions;
use super::envelope::Envelope;
use super::rtmt;
use super::tags::{self, Tags};
use crate::format::Output;
use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;
use uctriage_core::jiff::Timestamp;
use uctriage_core::{DateSource, Entity, EntityKind, Kind, RawEvent, RawTime, Severity, SharedStr};

/// `core.<pid>.<signal>.<process>.<epoch>`, optionally after `<Service> (`.
static CORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:([^():#\n]+?)\s*\()?(core\.(\d+)\.(\d+)\.([A-Za-z0-9_\-.]+?)\.(\d{9,11}))\b")
        .unwrap()
});

/// The time an envelope states.
pub(super) fn raw_time(env: &Envelope<'_>) -> RawTime {
    if let Some(s) = &env.stamp {
        return match s.ts {
            Some(ts) => RawTime::Absolute(ts, s.how),
            None => RawTime::Local(s.dt, DateSource::Line),
        };
    }
    if let Some((month, day, time)) = env.local {
        return RawTime::LocalNoYear { month, day, time };
    }
    match &env.prefix {
        Some(p) => RawTime::LocalNoYear {
            month: p.month,
            day: p.day,
            time: p.time,
        },
        None => RawTime::Unknown,
    }
}

/// Emit the events of one record; returns an RTMT `MatchedEvent` line to parse too.
pub(super) fn emit(
    no: u64,
    raw: &str,
    env: &Envelope<'_>,
    via: Option<&str>,
    out: &mut Output,
) -> Option<String> {
    let mut tags = tags_of(env);
    if let Some(p) = tags.problem.take() {
        out.problem(no, p);
    }
    if env.header.name == "RTMT_ALERT" || tags.get("AlertName").is_some() {
        return rtmt::emit(no, raw, env, &tags, via, out);
    }
    let (kind, state) = kind_for(env.header.name);
    if out.counts_only() {
        // Nobody reads the event (`files`): what its summary needs, not its
        // fields (two fifths of reading a dense syslog).
        let mut ev = RawEvent::new(no, "", kind, SharedStr::default()).at(raw_time(env));
        ev.host = host_of(env, &tags).map(Into::into);
        out.emit(ev);
        return None;
    }
    let mut ev = base(no, raw, env, &tags, kind, summary(env, &tags), via);
    if let Some(state) = state {
        put(&mut ev, "state", state);
    }
    if let Some(cond) = conditions::classify(env.header.name) {
        conditions::enrich(&mut ev, env.header.name, &cond);
    } else if ev.kind == Kind::ServiceState {
        conditions::service_fields(&mut ev);
    }
    if env.header.name == "CoreDumpFileFound" {
        if let Some(core) = core_in(&tags) {
            ev = core_fields(ev, &core);
            ev.kind = Kind::ServiceCore;
        }
    }
    out.emit(ev);
    None
}

fn tags_of<'a>(env: &Envelope<'a>) -> Tags<'a> {
    if let Some(t) = tags::parse(env.body) {
        return t;
    }
    let text = crate::scan::trim(env.body);
    let pairs = if text.starts_with(env.header.name) {
        tags::name_value_pairs(text, env.header.name)
            .into_iter()
            .map(|(k, v)| (Cow::Owned(k), Cow::Owned(v)))
            .collect()
    } else {
        vec![]
    };
    Tags {
        pairs,
        text: Cow::Borrowed(text),
        problem: None,
    }
}

/// Set a field (as [`RawEvent::with_field`], without moving the event).
pub(super) fn put(ev: &mut RawEvent, key: &str, value: impl AsRef<str>) {
    ev.fields.insert(key, value);
}

/// Kind and `state` field for an alarm name.
pub(crate) fn kind_for(name: &str) -> (Kind, Option<&'static str>) {
    match name {
        "EndPointUnregistered" | "DeviceUnregistered" => (Kind::DeviceUnregistered, None),
        "EndPointRegistered" | "DeviceRegistered" => (Kind::DeviceRegistered, None),
        "SDLLinkOOS" | "SDLLinkOutOfService" => (Kind::SdlLink, Some("out_of_service")),
        "SDLLinkISV" => (Kind::SdlLink, Some("in_service")),
        "ServiceStarted" => (Kind::ServiceState, Some("started")),
        "ServiceStopped" => (Kind::ServiceState, Some("stopped")),
        "ServiceFailed" => (Kind::ServiceState, Some("failed")),
        "ServiceStartFailed" => (Kind::ServiceState, Some("start_failed")),
        "ServiceStopFailed" => (Kind::ServiceState, Some("stop_failed")),
        "DBReplicationFailure" | "DBReplicationTableOutOfSync" => (Kind::Replication, None),
        n if n.starts_with("ReplicationStatus") => (Kind::Replication, None),
        n => conditions::classify(n).map_or((Kind::Alarm, None), |c| (c.kind, Some(c.state))),
    }
}

/// `<alarm> <subject>: <first line of the text>`, spelled in a buffer kept
/// per thread and made a shared string in one allocation.
fn summary(env: &Envelope<'_>, tags: &Tags<'_>) -> SharedStr {
    let subject = ["DeviceName", "ServiceName", "RemoteNodeID"]
        .iter()
        .find_map(|k| tags.non_empty(k));
    let first = match tags.text.is_empty() {
        true => None,
        false => Some(tags.text.lines().next().unwrap_or("")),
    };
    thread_local! {
        static SPELLED: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    SPELLED.with_borrow_mut(|s| {
        s.clear();
        s.push_str(env.header.name);
        if let Some(subject) = subject {
            s.push(' ');
            s.push_str(subject);
        }
        if let Some(first) = first {
            s.push_str(": ");
            s.push_str(first);
        }
        SharedStr::from(s.as_str())
    })
}

/// Severity from the `-N-` number, else a UCCE `[sev=info]` tag.
fn severity(env: &Envelope<'_>, tags: &Tags<'_>) -> Severity {
    if let Some(s) = env.header.sev.and_then(Severity::from_number) {
        return s;
    }
    let Some(sev) = tags.get("sev") else {
        return Severity::Info;
    };
    let is = |names: &[&str]| names.iter().any(|n| sev.eq_ignore_ascii_case(n));
    if is(&["emerg", "emergency"]) {
        Severity::Emergency
    } else if is(&["alert"]) {
        Severity::Alert
    } else if is(&["crit", "critical"]) {
        Severity::Critical
    } else if is(&["err", "error"]) {
        Severity::Error
    } else if is(&["warn", "warning"]) {
        Severity::Warning
    } else if is(&["notice"]) {
        Severity::Notice
    } else if is(&["debug"]) {
        Severity::Debug
    } else {
        Severity::Info
    }
}

/// The host an event is about: `NodeID`, else the CiscoLog host, else the syslogd host.
pub(super) fn host_of<'a>(env: &Envelope<'a>, tags: &'a Tags<'a>) -> Option<&'a str> {
    tags.non_empty("NodeID")
        .or(env.host)
        .or(env.prefix.map(|p| p.host))
}

/// An event with the envelope's time, host, severity, fields and entities.
pub(super) fn base(
    no: u64,
    raw: &str,
    env: &Envelope<'_>,
    tags: &Tags<'_>,
    kind: Kind,
    summary: SharedStr,
    via: Option<&str>,
) -> RawEvent {
    let h = &env.header;
    let mut ev = RawEvent::new(no, raw, kind, summary)
        .at(raw_time(env))
        .with_severity(severity(env, tags));
    reserve(&mut ev, env, tags);
    put(&mut ev, "alarm", h.name);
    put(&mut ev, "text", tags.text.as_ref());
    if !h.app.is_empty() {
        put(&mut ev, "app", h.app);
    }
    ev.host = host_of(env, tags).map(Into::into);
    for (k, v) in &tags.pairs {
        ev.fields.insert_if_absent(k, v);
    }
    envelope_fields(&mut ev, env, via);
    ev.entities = entities(h.name, tags).into();
    ev
}

/// Room for the fields [`base`] sets (the tags, the envelope's parts and a
/// few more), so the field text is not regrown as they are added. Only values
/// are counted, with a little slack: the tag names of alarms are nearly all
/// common ones, which take no text (`uctriage_core` `names.rs`); a record
/// with more regrows once.
fn reserve(ev: &mut RawEvent, env: &Envelope<'_>, tags: &Tags<'_>) {
    // `alarm`, `text`, `app`, `severity_number`, `seq`, `cisco_host`, `facility`.
    const ENVELOPE_FIELDS: usize = 7;
    let pairs: usize = tags.pairs.iter().map(|(_, v)| v.len()).sum();
    let h = &env.header;
    let facility = env.prefix.and_then(|p| p.facility);
    let parts = [
        Some(h.name),
        Some(h.app),
        h.sub,
        env.seq,
        env.host,
        facility,
    ];
    let parts: usize = parts.iter().map(|p| p.map_or(0, str::len)).sum();
    let text = pairs + tags.text.len() + parts + 16;
    ev.fields.reserve(tags.pairs.len() + ENVELOPE_FIELDS, text);
}

fn envelope_fields(ev: &mut RawEvent, env: &Envelope<'_>, via: Option<&str>) {
    let h = &env.header;
    if let Some(sev) = h.sev {
        const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
        match DIGITS.get(usize::from(sev)) {
            Some(d) => put(ev, "severity_number", *d),
            None => put(ev, "severity_number", sev.to_string()),
        }
    }
    let opt = [
        ("sub_facility", h.sub),
        ("seq", env.seq),
        ("cisco_host", env.host),
    ];
    for (k, v) in opt {
        if let Some(v) = v {
            put(ev, k, v);
        }
    }
    if let Some(pri) = env.pri {
        put(ev, "pri", pri.to_string());
    }
    let opt = [
        ("zone_abbrev", env.zone_abbrev),
        ("facility", env.prefix.and_then(|p| p.facility)),
        ("via", via),
    ];
    for (k, v) in opt {
        if let Some(v) = v {
            put(ev, k, v);
        }
    }
    if env.stamp.as_ref().is_some_and(|s| s.unsync) {
        put(ev, "clock_unsynchronised", "true");
    }
}

/// The alarm, then the device, services and remote nodes its tags name,
/// each once (gathered first, then made the event's list in one step).
fn entities(alarm: &str, tags: &Tags<'_>) -> Vec<Entity> {
    let mut list: Vec<Entity> = Vec::with_capacity(4);
    let mut add = |kind: EntityKind, id: &str| {
        if !list.iter().any(|e| e.kind == kind && *e.id == *id) {
            list.push(Entity {
                kind,
                id: id.into(),
            });
        }
    };
    add(EntityKind::Alarm, alarm);
    if let Some(d) = tags.non_empty("DeviceName") {
        add(EntityKind::Device, d);
    }
    for k in ["ServiceName", "AppID"] {
        if let Some(s) = tags.non_empty(k) {
            add(EntityKind::Service, s);
        }
    }
    for (k, v) in &tags.pairs {
        let node_key = ["remotenodeid", "remotenode", "remotenodename"]
            .iter()
            .any(|n| k.eq_ignore_ascii_case(n));
        if node_key && !v.is_empty() {
            add(EntityKind::Node, v.as_ref());
        }
    }
    list
}

/// A core file named somewhere in an alarm.
pub(super) struct Core {
    /// Service name printed before the core file, if any.
    pub service: Option<String>,
    /// `core.<pid>.<sig>.<proc>.<epoch>`.
    pub file: String,
    /// Process id.
    pub pid: String,
    /// Signal number.
    pub signal: String,
    /// Process name.
    pub process: String,
    /// Epoch seconds (UTC) the core was written.
    pub epoch: i64,
}

/// The core named in `s`, if any.
pub(super) fn parse_core(s: &str) -> Option<Core> {
    let c = CORE.captures(s)?;
    Some(Core {
        service: c
            .get(1)
            .map(|m| m.as_str().trim().to_string())
            .filter(|s| !s.is_empty()),
        file: c[2].to_string(),
        pid: c[3].to_string(),
        signal: c[4].to_string(),
        process: c[5].to_string(),
        epoch: c[6].parse().ok()?,
    })
}

fn core_in(tags: &Tags<'_>) -> Option<Core> {
    tags.pairs
        .iter()
        .map(|(_, v)| v.as_ref())
        .chain([tags.text.as_ref()])
        .find_map(parse_core)
}

/// Add the core fields and entities; the time becomes the core's epoch.
pub(super) fn core_fields(mut ev: RawEvent, core: &Core) -> RawEvent {
    if let Ok(ts) = Timestamp::from_second(core.epoch) {
        ev = ev.at(RawTime::Absolute(ts, "core file epoch"));
    }
    if let Some(s) = &core.service {
        ev = ev
            .with_field("service", s)
            .with_entity(EntityKind::Service, s);
    }
    ev.with_field("process", &core.process)
        .with_field("pid", &core.pid)
        .with_field("signal", &core.signal)
        .with_field("core_file", &core.file)
        .with_entity(EntityKind::Process, &core.process)
        .with_entity(EntityKind::CoreFile, &core.file)
}
