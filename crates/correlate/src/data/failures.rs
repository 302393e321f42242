//! Payloads of the CUCM failure classes: database replication, time,
//! trunks and the calls that failed through them, certificates, disk and
//! traces, memory. Rules fill them; `render` writes their text.

use super::Code;
use serde::Serialize;
use uctriage_core::jiff::Timestamp;

/// One node's row of a replication status check.
#[derive(Clone, Debug, Serialize)]
pub struct NodeReplication {
    /// The node.
    pub node: String,
    /// The replication setup state (`3`), when printed.
    pub state: Option<String>,
    /// What the knowledge calls it (`Mismatched tables`).
    pub state_name: Option<String>,
    /// The details as printed (`DB Active-Failed`).
    pub details: String,
    /// Change records queued for it.
    pub queue: Option<u64>,
    /// The node did not answer the check (no ping, no DB/RPC/DbMon).
    pub down: bool,
    /// In a state the rule calls broken.
    pub broken: bool,
}

/// Alerts of one name about one node.
#[derive(Clone, Debug, Serialize)]
pub struct AlertRun {
    /// Alert or alarm name.
    pub name: String,
    /// The node it is about.
    pub node: String,
    /// How many.
    pub count: usize,
    /// First.
    pub first: Timestamp,
    /// Last.
    pub last: Timestamp,
}

/// Database replication not working.
#[derive(Clone, Debug, Serialize)]
pub struct ReplicationData {
    /// The rows of the latest status check, in printed order.
    pub nodes: Vec<NodeReplication>,
    /// The node the check was run on.
    pub seen_from: Option<String>,
    /// When the rows were printed.
    pub checked_at: Option<Timestamp>,
    /// Nodes not replicating.
    pub broken: Vec<String>,
    /// Nodes the bundle knows in the cluster (rows or alerts).
    pub total: usize,
    /// Every node is broken and none is down.
    pub cluster_wide: bool,
    /// Nodes seen down then.
    pub down: Vec<String>,
    /// Replication alerts and alarms, per name and node.
    pub alerts: Vec<AlertRun>,
    /// When the full status check behind the rows started, when that is much
    /// earlier than the rows (they reflect that check, not the present).
    pub stale_check: Option<Timestamp>,
    /// Nodes the view node holds an established connection to on the
    /// replication port (so the network between them works).
    pub port_connected: Vec<String>,
    /// The replication port read from `show open ports`.
    pub port: String,
    /// What is at risk while replication is broken (the rule's words).
    pub at_risk: String,
}

/// One NTP server and what it did.
#[derive(Clone, Debug, Serialize)]
pub struct NtpServer {
    /// As configured or seen.
    pub server: String,
    /// The protocol version it answered with, when captured.
    pub version: Option<String>,
    /// Its stratum, when printed.
    pub stratum: Option<u32>,
}

/// A node's clock not synchronised, and why.
#[derive(Clone, Debug, Serialize)]
pub struct ClockData {
    /// The node whose time is wrong (the publisher when it is one of them).
    pub host: String,
    /// It is the cluster's publisher (`show network cluster`).
    pub publisher: bool,
    /// Other unsynchronised nodes (they take their time from the publisher).
    pub followers: Vec<String>,
    /// `utils ntp status` said unsynchronised.
    pub unsynchronised: bool,
    /// ... and that the time server was restarting.
    pub restarting: bool,
    /// When `utils ntp status` last said so.
    pub status_at: Option<Timestamp>,
    /// Configured servers (`utils ntp server list`).
    pub configured: Vec<String>,
    /// Servers that answered with another protocol version than required.
    pub wrong_version: Vec<NtpServer>,
    /// The version CUCM requires.
    pub required_version: String,
    /// Sources above the highest acceptable stratum.
    pub high_stratum: Vec<NtpServer>,
    /// The highest acceptable stratum.
    pub max_stratum: u32,
    /// Servers `utils ntp server add` refused: (server, message).
    pub rejected: Vec<(String, String)>,
    /// `utils diagnose` NTP modules that did not pass: (module, result).
    pub diagnose: Vec<(String, String)>,
    /// What the platform messages said (ntpd / ntpdate states), in order.
    pub messages: Vec<String>,
    /// First and last time it was seen.
    pub first: Timestamp,
    /// Last.
    pub last: Timestamp,
    /// What it explains, in words (the labels of the findings' classes).
    pub explains: Vec<String>,
    /// Why it explains them (the rule's words; empty when it explains nothing).
    pub why: String,
}

/// An unavailable peer of a trunk, with its reason.
#[derive(Clone, Debug, Serialize)]
pub struct PeerReason {
    /// The peer as printed (`host,ip,port`).
    pub peer: String,
    /// Its port, when printed.
    pub port: Option<String>,
    /// Reason codes as printed and decoded (`Local=3`: DNS query failed).
    pub reasons: Vec<Code>,
}

/// A trunk or gateway out of service.
#[derive(Clone, Debug, Serialize)]
pub struct TrunkData {
    /// Trunk or gateway name.
    pub trunk: String,
    /// `sip`, `mgcp`, `h323`, `isdn`.
    pub trunk_type: String,
    /// The nodes that reported it, first one first.
    pub nodes: Vec<String>,
    /// The worst state seen (`out_of_service`, `partially_in_service`, ...).
    pub state: String,
    /// Unavailable peers with their reasons.
    pub peers: Vec<PeerReason>,
    /// When it went out.
    pub start: Timestamp,
    /// When it was fully back (None: not in the bundle).
    pub back_at: Option<Timestamp>,
    /// A peer uses the SIP TLS port.
    pub tls: bool,
    /// Failed calls it explains (route lists, hunt lists).
    pub failed_calls: Vec<String>,
}

/// Calls that failed: a route list, hunt list or resource exhausted.
#[derive(Clone, Debug, Serialize)]
pub struct CallFailureData {
    /// `route list RL-PSTN`.
    pub target: String,
    /// The cause as the parser named it (`route_list_exhausted`).
    pub cause: String,
    /// Alarm names.
    pub names: Vec<String>,
    /// How many alarms.
    pub count: usize,
    /// Nodes that raised them.
    pub nodes: Vec<String>,
    /// First.
    pub first: Timestamp,
    /// Last.
    pub last: Timestamp,
    /// Members of the route list from the configuration, when the bundle has it.
    pub members: Vec<String>,
}

/// A certificate expiring or expired, and what failed after it.
#[derive(Clone, Debug, Serialize)]
pub struct CertificateData {
    /// The node that holds it.
    pub host: String,
    /// The unit (service) it belongs to (`CallManager`, `tomcat`).
    pub unit: String,
    /// File name.
    pub file: String,
    /// Expiry instant, when stated with its zone.
    pub expires: Option<Timestamp>,
    /// Expiry as printed.
    pub expires_text: String,
    /// Expired by the time it was last seen (or by the failures it explains).
    pub expired: bool,
    /// Days left when last seen (negative: expired since).
    pub days_left: Option<i64>,
    /// Alarm names that reported it.
    pub alarms: Vec<String>,
    /// What failed after the expiry, in words.
    pub explains: Vec<String>,
}

/// Secure (TLS) connections that failed on a node.
#[derive(Clone, Debug, Serialize)]
pub struct TlsFailureData {
    /// The node that reported them.
    pub host: String,
    /// Peers whose certificate was not trusted (NodeNotTrusted and alike).
    pub peers: Vec<String>,
    /// Devices that failed TLS or authentication when registering.
    pub devices: Vec<String>,
    /// The reasons the devices gave, decoded.
    pub reasons: Vec<Code>,
    /// Alarm names.
    pub names: Vec<String>,
    /// How many events.
    pub count: usize,
    /// First.
    pub first: Timestamp,
    /// Last.
    pub last: Timestamp,
}

/// A partition filling up, and what it did.
#[derive(Clone, Debug, Serialize)]
pub struct DiskData {
    /// The node.
    pub host: String,
    /// The partition (`log`, `common`, `active`).
    pub partition: String,
    /// Highest use seen, percent.
    pub used_percent: Option<f64>,
    /// Water-mark or low-space alarms: (name, first time).
    pub alarms: Vec<(String, Timestamp)>,
    /// Use at or above the rule's `full_percent`.
    pub full: bool,
    /// The high water mark was crossed: trace files are being purged.
    pub purging: bool,
    /// An impact started before the purge, and when.
    pub impact_start: Option<Timestamp>,
    /// Services that failed on the node after it filled.
    pub services_failed: Vec<String>,
}

/// A node or process short of memory, and what followed.
#[derive(Clone, Debug, Serialize)]
pub struct MemoryData {
    /// The node.
    pub host: String,
    /// The process whose memory grew, when a series shows it.
    pub process: Option<String>,
    /// The counter that grew.
    pub counter: Option<String>,
    /// Value at the start and at the peak of the growth.
    pub grew_from: Option<f64>,
    /// Peak.
    pub grew_to: Option<f64>,
    /// When the growth began.
    pub growth_start: Option<Timestamp>,
    /// When it peaked.
    pub peak_at: Option<Timestamp>,
    /// Memory alarms: (name, first time).
    pub alarms: Vec<(String, Timestamp)>,
    /// Code Yellow entered (first time).
    pub code_yellow: Option<Timestamp>,
    /// Calls rejected while throttling, when the exit alarm says.
    pub calls_rejected: Option<u64>,
    /// The service restarted (or dumped core) after it, when.
    pub restarted_at: Option<Timestamp>,
    /// The restarted service.
    pub restarted: Option<String>,
    /// What marked the restart (a state change, a core, `CodeRedEntry`).
    pub restart_marker: Option<String>,
}
