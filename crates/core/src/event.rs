//! Events: what happened, where, and the line that proves it.

use crate::{Clock, Entities, Fields, Interner, RawTime, SharedStr, Text};
use jiff::Timestamp;
use serde::Serialize;
use std::sync::Arc;

/// What kind of thing happened. Correlation rules match on these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A device (phone, CTI port, terminal) went out of service for an application.
    DeviceOutOfService,
    /// A device came back into service.
    DeviceInService,
    /// An address (directory number) went out of service.
    AddressOutOfService,
    /// An address came back into service.
    AddressInService,
    /// A device unregistered from a call-processing node.
    DeviceUnregistered,
    /// A device registered to a call-processing node.
    DeviceRegistered,
    /// A process dumped core.
    ServiceCore,
    /// A core file's backtrace (with the abort reason when there is one).
    Backtrace,
    /// A service started, stopped or failed.
    ServiceState,
    /// A cluster node's authentication (intra-cluster connectivity) changed.
    ClusterAuth,
    /// An SDL link between nodes went out of, or back into, service.
    SdlLink,
    /// Database replication state of a node.
    Replication,
    /// A CUCM / UCCE alarm not covered by a more specific kind.
    Alarm,
    /// An RTMT alert.
    RtmtAlert,
    /// A performance counter sample.
    MetricSample,
    /// A ping probe or summary.
    Ping,
    /// NTP or clock state.
    Clock,
    /// A snapshot of process or system load.
    Load,
    /// A configuration row (SQL result, export, inventory).
    Config,
    /// A physical server component fault or its clearing (Cisco UCS CIMC: storage
    /// controller, virtual or physical drive, BBU, PSU, DIMM, fan, temperature).
    HardwareFault,
    /// A hypervisor storage path or device event (ESXi: SCSI errors and sense codes,
    /// all-paths-down, permanent device loss, VMFS heartbeat time-outs, HBA resets).
    StorageIo,
    /// A node, VM or service host booted, shut down (gracefully or not), restarted,
    /// was powered on, off or reset, or had software installed.
    NodeLifecycle,
    /// A SIP trunk, MGCP / H.323 gateway or route list changed state
    /// (out of service, partially in service, exhausted, back in service).
    TrunkState,
    /// A certificate's validity: listed, expiring, expired, replaced, or rejected in a handshake.
    Certificate,
    /// A disk partition's use: water marks crossed, partition full, files purged.
    DiskUsage,
    /// A contact-centre agent or desktop session changed state (logged out, logged in, failed over).
    AgentState,
    /// A duplex or clustered component switched its active side (UCCE PG / CTI Server /
    /// OPC side A↔B, Finesse, UCCX engine master, CVP).
    Failover,
    /// Calls that failed or dropped, with their cause (CDR cause codes, CVP, route lists).
    CallFailure,
    /// A line with a time and nothing more specific understood.
    Log,
}

impl Kind {
    /// Every kind, for `--kind` validation and help.
    pub const ALL: [Kind; 29] = [
        Kind::DeviceOutOfService,
        Kind::DeviceInService,
        Kind::AddressOutOfService,
        Kind::AddressInService,
        Kind::DeviceUnregistered,
        Kind::DeviceRegistered,
        Kind::ServiceCore,
        Kind::Backtrace,
        Kind::ServiceState,
        Kind::ClusterAuth,
        Kind::SdlLink,
        Kind::Replication,
        Kind::Alarm,
        Kind::RtmtAlert,
        Kind::MetricSample,
        Kind::Ping,
        Kind::Clock,
        Kind::Load,
        Kind::Config,
        Kind::HardwareFault,
        Kind::StorageIo,
        Kind::NodeLifecycle,
        Kind::TrunkState,
        Kind::Certificate,
        Kind::DiskUsage,
        Kind::AgentState,
        Kind::Failover,
        Kind::CallFailure,
        Kind::Log,
    ];

    /// The snake_case name used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::DeviceOutOfService => "device_out_of_service",
            Kind::DeviceInService => "device_in_service",
            Kind::AddressOutOfService => "address_out_of_service",
            Kind::AddressInService => "address_in_service",
            Kind::DeviceUnregistered => "device_unregistered",
            Kind::DeviceRegistered => "device_registered",
            Kind::ServiceCore => "service_core",
            Kind::Backtrace => "backtrace",
            Kind::ServiceState => "service_state",
            Kind::ClusterAuth => "cluster_auth",
            Kind::SdlLink => "sdl_link",
            Kind::Replication => "replication",
            Kind::Alarm => "alarm",
            Kind::RtmtAlert => "rtmt_alert",
            Kind::MetricSample => "metric_sample",
            Kind::Ping => "ping",
            Kind::Clock => "clock",
            Kind::Load => "load",
            Kind::Config => "config",
            Kind::HardwareFault => "hardware_fault",
            Kind::StorageIo => "storage_io",
            Kind::NodeLifecycle => "node_lifecycle",
            Kind::TrunkState => "trunk_state",
            Kind::Certificate => "certificate",
            Kind::DiskUsage => "disk_usage",
            Kind::AgentState => "agent_state",
            Kind::Failover => "failover",
            Kind::CallFailure => "call_failure",
            Kind::Log => "log",
        }
    }

    /// Parse a kind from its snake_case name.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// A set of event kinds (a bit per [`Kind`]): which kinds a reader wants,
/// or which go to disk past the memory budget.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KindSet(u32);

impl KindSet {
    /// No kind.
    pub const NONE: KindSet = KindSet(0);
    /// Every kind.
    pub const ALL: KindSet = KindSet((1 << Kind::ALL.len()) - 1);

    /// The set of `kinds`.
    pub fn of(kinds: &[Kind]) -> KindSet {
        kinds.iter().fold(KindSet::NONE, |s, k| s.with(*k))
    }

    /// This set and `kind`.
    pub fn with(self, kind: Kind) -> KindSet {
        KindSet(self.0 | 1 << kind as u32)
    }

    /// This set without `kind`.
    pub fn without(self, kind: Kind) -> KindSet {
        KindSet(self.0 & !(1 << kind as u32))
    }

    /// Every kind not in this set.
    pub fn others(self) -> KindSet {
        KindSet(!self.0 & KindSet::ALL.0)
    }

    /// Whether `kind` is in the set.
    pub fn contains(self, kind: Kind) -> bool {
        self.0 & 1 << kind as u32 != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The kinds of the set, in [`Kind::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Kind> {
        Kind::ALL.into_iter().filter(move |k| self.contains(*k))
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Syslog-style severity, 0 (emergency) to 7 (debug).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// 0: system unusable.
    Emergency,
    /// 1: immediate action needed.
    Alert,
    /// 2: critical condition.
    Critical,
    /// 3: error.
    Error,
    /// 4: warning.
    Warning,
    /// 5: normal but significant.
    Notice,
    /// 6: informational.
    #[default]
    Info,
    /// 7: debug.
    Debug,
}

impl Severity {
    /// Every severity, from 0 (emergency) to 7 (debug).
    pub const ALL: [Severity; 8] = [
        Severity::Emergency,
        Severity::Alert,
        Severity::Critical,
        Severity::Error,
        Severity::Warning,
        Severity::Notice,
        Severity::Info,
        Severity::Debug,
    ];

    /// From a syslog number; out-of-range numbers are `None`.
    pub fn from_number(n: u8) -> Option<Severity> {
        Some(match n {
            0 => Severity::Emergency,
            1 => Severity::Alert,
            2 => Severity::Critical,
            3 => Severity::Error,
            4 => Severity::Warning,
            5 => Severity::Notice,
            6 => Severity::Info,
            7 => Severity::Debug,
            _ => return None,
        })
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Emergency => "emergency",
            Severity::Alert => "alert",
            Severity::Critical => "critical",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Notice => "notice",
            Severity::Info => "info",
            Severity::Debug => "debug",
        }
    }
}

/// What sort of thing an [`Entity`] names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// A device name (`SEP...`, `LCP50001148`, a gateway).
    Device,
    /// A directory number / CTI address.
    Address,
    /// An OS process (`ccm`, `CTIManager`).
    Process,
    /// A named service (`Cisco CallManager`).
    Service,
    /// A cluster node other than the event's own host (a peer).
    Node,
    /// A core file name.
    CoreFile,
    /// A contact-center agent.
    Agent,
    /// An alarm or alert name.
    Alarm,
}

impl EntityKind {
    /// Every variant, in declaration order; a new variant goes at the end (encodings that store a
    /// variant's place in this list stay readable).
    pub const ALL: [EntityKind; 8] = [
        EntityKind::Device,
        EntityKind::Address,
        EntityKind::Process,
        EntityKind::Service,
        EntityKind::Node,
        EntityKind::CoreFile,
        EntityKind::Agent,
        EntityKind::Alarm,
    ];
}

/// A thing an event is about, so rules can join events on it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Entity {
    /// What it is.
    #[serde(rename = "type")]
    pub kind: EntityKind,
    /// Its identifier as printed; shared by the events of a file that name
    /// the same thing ([`RawEvent::share_names`]).
    pub id: SharedStr,
}

/// The proof of an event: bundle-relative file, 1-based line, raw text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// Path relative to the bundle root, `/`-separated; archive members as
    /// `a.zip!/x/y.txt`. Shared by the events of a file.
    pub file: Arc<str>,
    /// 1-based line where the record starts.
    pub line: u64,
    /// The record's raw text (first line, or the lines of a short multi-line
    /// record); may live in the spill file ([`Text`]).
    pub text: Text,
}

/// A problem found while reading: never fatal, always located.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// 1-based line, when the problem belongs to one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// What went wrong, for a human.
    pub message: String,
}

impl Problem {
    /// A problem at a line.
    pub fn at(line: u64, message: impl Into<String>) -> Problem {
        Problem {
            line: Some(line),
            message: message.into(),
        }
    }

    /// A problem with the whole file.
    pub fn file(message: impl Into<String>) -> Problem {
        Problem {
            line: None,
            message: message.into(),
        }
    }
}

/// An event as a parser produced it: time still raw, host as printed.
#[derive(Clone, Debug, PartialEq)]
pub struct RawEvent {
    /// The time as the line stated it.
    pub time: RawTime,
    /// Host as printed in the record (None: the file's host); shared by the
    /// events of a file that name the same host ([`RawEvent::share_names`]).
    pub host: Option<SharedStr>,
    /// What happened.
    pub kind: Kind,
    /// How bad.
    pub severity: Severity,
    /// One line for a human; shared by the events of a file that say the
    /// same ([`RawEvent::share_names`]).
    pub summary: SharedStr,
    /// Decoded fields (tag values, causes, counters).
    pub fields: Fields,
    /// Things the event is about (a list shared by the events of a file
    /// that name the same things: [`RawEvent::share_names`]).
    pub entities: Entities,
    /// 1-based line where the record starts.
    pub line: u64,
    /// Raw text of the record; may move to the spill file once the event is
    /// complete ([`RawEvent::settle`]).
    pub text: Text,
}

impl RawEvent {
    /// A new event at `line` with its raw `text`, kind and summary; no time yet.
    pub fn new(line: u64, text: &str, kind: Kind, summary: impl Into<SharedStr>) -> RawEvent {
        RawEvent {
            time: RawTime::Unknown,
            host: None,
            kind,
            severity: Severity::Info,
            summary: summary.into(),
            fields: Fields::new(),
            entities: Entities::new(),
            line,
            text: Text::new(text),
        }
    }

    /// Add a continuation line of the record (a SIP message line, a JTAPI
    /// object dump) to the raw text, while the text is shorter than `cap` bytes.
    pub fn append_line(&mut self, line: &str, cap: usize) {
        if self.text.len() < cap {
            let text = self.text.to_mut();
            text.push('\n');
            text.push_str(line);
        }
    }

    /// The event is complete (no more continuation lines): spare capacity
    /// goes back, and its estimated size counts against the memory limit;
    /// past the limit, its raw text moves to the spill file ([`Text::settle`]).
    pub fn settle(&mut self) {
        self.fields.shrink_to_fit();
        let bytes = std::mem::size_of::<Event>()
            + self.text.len()
            + self.fields.heap_bytes()
            + self.entities.len() * std::mem::size_of::<Entity>();
        self.text.settle(bytes as u64);
    }

    /// Share the host, entity ids and summary with the other events of the
    /// file through its `interner`: each distinct one is then held once, not
    /// once per event (a day of registration alarms names the same devices,
    /// nodes and alarms again and again, and says the same of each device).
    pub fn share_names(&mut self, interner: &mut Interner) {
        interner.share(&mut self.summary);
        if let Some(host) = &mut self.host {
            interner.share(host);
        }
        if !self.entities.is_empty() {
            for e in self.entities.make_mut() {
                interner.share(&mut e.id);
            }
            interner.share_list(&mut self.entities);
        }
    }

    /// Set the time.
    pub fn at(mut self, time: RawTime) -> RawEvent {
        self.time = time;
        self
    }

    /// Set the host as printed.
    pub fn on_host(mut self, host: impl Into<SharedStr>) -> RawEvent {
        self.host = Some(host.into());
        self
    }

    /// Set the severity.
    pub fn with_severity(mut self, severity: Severity) -> RawEvent {
        self.severity = severity;
        self
    }

    /// Add a decoded field.
    pub fn with_field(mut self, key: impl AsRef<str>, value: impl AsRef<str>) -> RawEvent {
        self.fields.insert(key, value);
        self
    }

    /// Add an entity.
    pub fn with_entity(mut self, kind: EntityKind, id: impl Into<SharedStr>) -> RawEvent {
        let e = Entity {
            kind,
            id: id.into(),
        };
        if !self.entities.contains(&e) {
            self.entities.push(e);
        }
        self
    }
}

impl RawEvent {
    /// The normalized event this raw one becomes once its instant, clock and
    /// canonical host are decided: what it says moves over, its evidence
    /// points at `file` and its line.
    pub fn into_event(
        self,
        time: Option<Timestamp>,
        clock: Arc<Clock>,
        host: Option<SharedStr>,
        file: Arc<str>,
        format: &'static str,
    ) -> Event {
        Event {
            time,
            clock,
            host,
            kind: self.kind,
            severity: self.severity,
            summary: self.summary,
            fields: self.fields,
            entities: self.entities,
            evidence: Evidence {
                file,
                line: self.line,
                text: self.text,
            },
            format,
        }
    }
}

/// A normalized event: absolute instant, canonical host, evidence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    /// Absolute instant; None when the record has no time (a CLI snapshot row).
    pub time: Option<Timestamp>,
    /// How the instant was decided (shared by the events decided the same
    /// way: a file's events mostly are).
    pub clock: Arc<Clock>,
    /// Canonical short host name, when known (shared by the events of a
    /// host).
    pub host: Option<SharedStr>,
    /// What happened.
    pub kind: Kind,
    /// How bad.
    pub severity: Severity,
    /// One line for a human (shared by the events of a file that say the
    /// same).
    pub summary: SharedStr,
    /// Decoded fields.
    pub fields: Fields,
    /// Things the event is about (shared by the events that name the same).
    pub entities: Entities,
    /// Where it came from.
    pub evidence: Evidence,
    /// Name of the format that parsed it.
    pub format: &'static str,
}

impl Event {
    /// Ids of this event's entities of one kind.
    pub fn entity_ids(&self, kind: EntityKind) -> impl Iterator<Item = &str> {
        self.entities
            .iter()
            .filter(move |e| e.kind == kind)
            .map(|e| e.id.as_str())
    }
}

#[cfg(test)]
mod kind_set_tests {
    use super::*;

    #[test]
    fn a_kind_set_holds_exactly_what_was_put_in() {
        let s = KindSet::of(&[Kind::DeviceRegistered, Kind::Log]);
        assert!(s.contains(Kind::DeviceRegistered) && s.contains(Kind::Log));
        assert!(!s.contains(Kind::Alarm));
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            vec![Kind::DeviceRegistered, Kind::Log]
        );
        assert!(s
            .without(Kind::Log)
            .without(Kind::DeviceRegistered)
            .is_empty());
        assert_eq!(s.others().iter().count(), Kind::ALL.len() - 2);
        assert!(!s.others().contains(Kind::Log) && s.others().contains(Kind::Alarm));
        assert_eq!(KindSet::ALL.others(), KindSet::NONE);
        assert!(Kind::ALL.iter().all(|k| KindSet::ALL.contains(*k)));
        assert_eq!(KindSet::ALL.iter().count(), Kind::ALL.len());
    }
}
