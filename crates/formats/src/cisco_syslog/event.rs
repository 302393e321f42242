//! One CiscoLog record (envelope + tags) to events.

use super::envelope::Envelope;
use super::rtmt;
use super::tags::{self, Tags};
use crate::format::Output;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::jiff::Timestamp;
use uctriage_core::{DateSource, EntityKind, Kind, RawEvent, RawTime, Severity};

/// `core.<pid>.<signal>.<process>.<epoch>`, optionally after `<Service> (`.
static CORE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:([^():#\n]+?)\s*\()?(core\.(\d+)\.(\d+)\.([A-Za-z0-9_\-.]+?)\.(\d{9,11}))\b")
        .unwrap()
});

/// The time an envelope states.
pub(super) fn raw_time(env: &Envelope) -> RawTime {
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
    env: &Envelope,
    via: Option<&str>,
    out: &mut Output,
) -> Option<String> {
    let tags = tags_of(env);
    if let Some(p) = &tags.problem {
        out.problem(no, p.clone());
    }
    if env.header.name == "RTMT_ALERT" || tags.get("AlertName").is_some() {
        return rtmt::emit(no, raw, env, &tags, via, out);
    }
    let (kind, state) = kind_for(&env.header.name);
    let mut ev = base(no, raw, env, &tags, kind, summary(env, &tags), via);
    if let Some(state) = state {
        ev = ev.with_field("state", state);
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

fn tags_of(env: &Envelope) -> Tags {
    if let Some(t) = tags::parse(&env.body) {
        return t;
    }
    let text = env.body.trim().to_string();
    let pairs = if text.starts_with(&env.header.name) {
        tags::name_value_pairs(&text, &env.header.name)
    } else {
        vec![]
    };
    Tags {
        pairs,
        text,
        problem: None,
    }
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
        _ => (Kind::Alarm, None),
    }
}

fn summary(env: &Envelope, tags: &Tags) -> String {
    let subject = ["DeviceName", "ServiceName", "RemoteNodeID"]
        .iter()
        .find_map(|k| tags.non_empty(k));
    let mut s = env.header.name.clone();
    if let Some(subject) = subject {
        s.push(' ');
        s.push_str(subject);
    }
    if !tags.text.is_empty() {
        s.push_str(": ");
        s.push_str(tags.text.lines().next().unwrap_or(""));
    }
    s
}

/// Severity from the `-N-` number, else a UCCE `[sev=info]` tag.
fn severity(env: &Envelope, tags: &Tags) -> Severity {
    if let Some(s) = env.header.sev.and_then(Severity::from_number) {
        return s;
    }
    match tags.get("sev").map(|s| s.to_ascii_lowercase()).as_deref() {
        Some("emerg" | "emergency") => Severity::Emergency,
        Some("alert") => Severity::Alert,
        Some("crit" | "critical") => Severity::Critical,
        Some("err" | "error") => Severity::Error,
        Some("warn" | "warning") => Severity::Warning,
        Some("notice") => Severity::Notice,
        Some("debug") => Severity::Debug,
        _ => Severity::Info,
    }
}

/// The host an event is about: `NodeID`, else the CiscoLog host, else the syslogd host.
pub(super) fn host_of(env: &Envelope, tags: &Tags) -> Option<String> {
    tags.non_empty("NodeID")
        .map(str::to_string)
        .or_else(|| env.host.clone())
        .or_else(|| env.prefix.as_ref().map(|p| p.host.clone()))
}

/// An event with the envelope's time, host, severity, fields and entities.
pub(super) fn base(
    no: u64,
    raw: &str,
    env: &Envelope,
    tags: &Tags,
    kind: Kind,
    summary: String,
    via: Option<&str>,
) -> RawEvent {
    let h = &env.header;
    let mut ev = RawEvent::new(no, raw, kind, summary)
        .at(raw_time(env))
        .with_severity(severity(env, tags))
        .with_field("alarm", &h.name)
        .with_field("text", &tags.text)
        .with_entity(EntityKind::Alarm, &h.name);
    if !h.app.is_empty() {
        ev = ev.with_field("app", &h.app);
    }
    if let Some(host) = host_of(env, tags) {
        ev = ev.on_host(host);
    }
    for (k, v) in &tags.pairs {
        ev.fields.entry(k.clone()).or_insert_with(|| v.clone());
    }
    ev = envelope_fields(ev, env, via);
    entities(ev, tags)
}

fn envelope_fields(mut ev: RawEvent, env: &Envelope, via: Option<&str>) -> RawEvent {
    let h = &env.header;
    let opt: [(&str, Option<String>); 8] = [
        ("severity_number", h.sev.map(|s| s.to_string())),
        ("sub_facility", h.sub.clone()),
        ("seq", env.seq.clone()),
        ("cisco_host", env.host.clone()),
        ("pri", env.pri.map(|p| p.to_string())),
        ("zone_abbrev", env.zone_abbrev.clone()),
        (
            "facility",
            env.prefix.as_ref().and_then(|p| p.facility.clone()),
        ),
        ("via", via.map(str::to_string)),
    ];
    for (k, v) in opt {
        if let Some(v) = v {
            ev = ev.with_field(k, v);
        }
    }
    if env.stamp.as_ref().is_some_and(|s| s.unsync) {
        ev = ev.with_field("clock_unsynchronised", "true");
    }
    ev
}

fn entities(mut ev: RawEvent, tags: &Tags) -> RawEvent {
    if let Some(d) = tags.non_empty("DeviceName") {
        ev = ev.with_entity(EntityKind::Device, d);
    }
    for k in ["ServiceName", "AppID"] {
        if let Some(s) = tags.non_empty(k) {
            ev = ev.with_entity(EntityKind::Service, s);
        }
    }
    for (k, v) in &tags.pairs {
        let lk = k.to_ascii_lowercase();
        if (lk == "remotenodeid" || lk == "remotenode" || lk == "remotenodename") && !v.is_empty() {
            ev = ev.with_entity(EntityKind::Node, v);
        }
    }
    ev
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

fn core_in(tags: &Tags) -> Option<Core> {
    tags.pairs
        .iter()
        .map(|(_, v)| v.as_str())
        .chain([tags.text.as_str()])
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
