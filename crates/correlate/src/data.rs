//! The typed facts a finding rests on, one payload type per sort of finding.
//! Rules fill them; `render` turns them into text; other rules read them
//! (never the text). JSON: `"data": {"type": "crash", ...}`.

use serde::Serialize;
use uctriage_core::jiff::Timestamp;

mod failures;
mod hardware;
pub use failures::*;
pub use hardware::*;
mod contact;
pub use contact::*;

/// The typed payload of a finding.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Data {
    /// Who lost service.
    Impact(ImpactData),
    /// A service core (crash or watchdog abort).
    Crash(CrashData),
    /// What starved a node before its core.
    Starvation(StarvationData),
    /// A site's network outage.
    Network(NetworkData),
    /// Another host's own problems.
    HostTrouble(HostTroubleData),
    /// A node re-authenticated long before.
    Reauthentication(ReauthData),
    /// The node crashed before.
    Recurrence(RecurrenceData),
    /// A product past (or possibly past) its end of support.
    Lifecycle(LifecycleData),
    /// Post-incident steps.
    Advice(AdviceData),
    /// A declarative alarm rule matched.
    Alarm(AlarmData),
    /// Database replication not working.
    Replication(ReplicationData),
    /// A node's clock not synchronised (NTP).
    Clock(ClockData),
    /// A trunk or gateway out of service.
    Trunk(TrunkData),
    /// Calls that failed (a route list, hunt list or resource exhausted).
    CallFailures(CallFailureData),
    /// A certificate expiring or expired.
    Certificate(CertificateData),
    /// Secure (TLS) connections that failed.
    TlsFailures(TlsFailureData),
    /// A partition filling up.
    Disk(DiskData),
    /// A node or process short of memory.
    Memory(MemoryData),
    /// A physical server's hardware or storage fault.
    Hardware(HardwareData),
    /// A VM that hung on a faulty server.
    VmHang(VmHangData),
    /// Devices that moved to their backup node.
    Failover(FailoverData),
    /// A contact-centre failover (UCCE PG, Finesse, CVP, UCCX) and its victims.
    ContactCentre(ContactCentreData),
    /// A PG side that lost its network.
    PgNetwork(PgNetworkData),
    /// Log messages no rule knows, new or spiking in the incident window.
    Unusual(UnusualData),
}

/// A log template no rule knows, new or far more frequent on one host in
/// the incident window than in that host's own logs before it.
#[derive(Clone, Debug, Serialize)]
pub struct UnusualData {
    /// The host.
    pub host: String,
    /// The template (variables as `<*>`), as `uctriage templates` mines it.
    pub template: String,
    /// Its id (the same as `uctriage templates` gives).
    pub template_id: String,
    /// Messages of it in the window on this host.
    pub count: u64,
    /// Messages of it on this host before the window.
    pub baseline_count: u64,
    /// Seconds of the host's logs before the window.
    pub baseline_s: i64,
    /// Seconds of the window.
    pub window_s: i64,
    /// First and last message of it in the window.
    pub first: Timestamp,
    /// Last.
    pub last: Timestamp,
    /// Absent before the window (else: spiking).
    pub new: bool,
    /// No knowledge-backed cause explains the impact.
    pub unexplained_impact: bool,
    /// One message of it.
    pub example: String,
}

/// A decoded code: `13 = KeepAliveTimeout` (or "probably" when unconfirmed).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Code {
    /// The code as it appeared.
    pub code: String,
    /// What the knowledge calls it.
    pub name: String,
    /// False when the code table is unconfirmed.
    pub confirmed: bool,
    /// How many events carried it.
    pub count: usize,
}

/// How many lost devices were of one sort.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TypeCount {
    /// Device type id (`devices.toml`), or `device` when unknown.
    pub device_type: String,
    /// Singular word.
    pub label: String,
    /// Plural word.
    pub plural: String,
    /// How many.
    pub count: usize,
}

/// A node and how many devices went to it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeCount {
    /// Canonical host.
    pub node: String,
    /// Devices.
    pub count: usize,
}

/// How the loss was seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LossVia {
    /// A CTI application (its JTAPI gateway, its provider) reported it.
    Application,
    /// CUCM reported devices unregistering.
    Registration,
}

/// The background an unregistration burst was judged against.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Baseline {
    /// What the burst was counted over (`node sub2`, `device pool DP_X`).
    pub scope: String,
    /// Usual unregistrations per window there (median over the bundle).
    pub usual: f64,
    /// The count a window needed to be a burst.
    pub threshold: f64,
    /// Window length, seconds.
    pub window_s: i64,
}

/// Who lost service, from when to when.
#[derive(Clone, Debug, Serialize)]
pub struct ImpactData {
    /// How it was seen.
    pub via: LossVia,
    /// Devices lost.
    pub devices: Vec<String>,
    /// Addresses (directory numbers) lost.
    pub addresses: Vec<String>,
    /// Application services lost (a JTAPI provider).
    pub services: Vec<String>,
    /// The providers (CTIManagers) the application named in its loss events.
    pub providers: Vec<String>,
    /// The devices by sort.
    pub device_types: Vec<TypeCount>,
    /// Hosts that reported the loss.
    pub seen_by: Vec<String>,
    /// Cause values as printed, sorted.
    pub causes: Vec<String>,
    /// Cause and reason codes the knowledge decodes.
    pub codes: Vec<Code>,
    /// Nodes the devices unregistered from.
    pub from_nodes: Vec<String>,
    /// Nodes they registered to again during the impact (their backup).
    pub failed_over_to: Vec<NodeCount>,
    /// How many of the lost came back.
    pub back: usize,
    /// How many were lost.
    pub total: usize,
    /// When the last one came back, when all did.
    pub back_at: Option<Timestamp>,
    /// The background the burst stood out from (registration losses).
    pub baseline: Option<Baseline>,
}

/// One core file.
#[derive(Clone, Debug, Serialize)]
pub struct CoreInfo {
    /// Process.
    pub process: String,
    /// Core file name.
    pub file: String,
    /// Dump time.
    pub at: Timestamp,
    /// IntentionalAbort reason, when the backtrace shows one.
    pub reason: Option<String>,
    /// Source location of the abort.
    pub site: Option<String>,
}

/// The crash signature the knowledge matched.
#[derive(Clone, Debug, Serialize)]
pub struct SignatureInfo {
    /// Signature id.
    pub id: String,
    /// What it means.
    pub condition: String,
    /// Public bug IDs.
    pub bug_ids: Vec<String>,
    /// False when unconfirmed.
    pub confirmed: bool,
}

/// Where devices register (device pool → CallManager group → nodes).
#[derive(Clone, Debug, Serialize)]
pub struct RegInfo {
    /// Device pool.
    pub pool: String,
    /// CallManager group.
    pub group: String,
    /// Nodes, primary first.
    pub nodes: Vec<String>,
    /// False when CallManager names were matched to hosts by likeness.
    pub exact: bool,
}

/// How a crash explains an impact.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "path", rename_all = "snake_case")]
pub enum CrashPath {
    /// The application lost its CTIManager.
    Cti {
        /// What said so (causes, provider out of service).
        what: String,
        /// The lost provider is named after the crashed node.
        provider_named: bool,
        /// The devices' registration, when known.
        registration: Option<RegInfo>,
        /// The devices' primary node also crashed then.
        primary_crashed: bool,
    },
    /// The devices register to the crashed node first.
    Registration {
        /// Lost devices that register there.
        devices: Vec<String>,
        /// Their registration.
        registration: RegInfo,
    },
    /// No topology: the nearest crash in time.
    Nearest,
}

/// How a crash relates to the impact it explains.
#[derive(Clone, Debug, Serialize)]
pub struct ImpactLink {
    /// First loss.
    pub impact_start: Timestamp,
    /// Core time minus first loss, seconds.
    pub lead_s: i64,
    /// Lost devices.
    pub devices: Vec<String>,
    /// Why this crash.
    pub path: CrashPath,
    /// The cause by which the application said it saw a CallManager failure.
    pub callmanager_failure: Option<String>,
}

/// A service core: a crash or a watchdog abort.
#[derive(Clone, Debug, Serialize)]
pub struct CrashData {
    /// Node.
    pub host: String,
    /// The main process (the rule's preference order).
    pub process: String,
    /// The signature says the process hung before the abort.
    pub hang: bool,
    /// The main core is an IntentionalAbort.
    pub aborted: bool,
    /// Other processes that dumped core with it.
    pub with: Vec<String>,
    /// Cores, main first.
    pub cores: Vec<CoreInfo>,
    /// The matched signature.
    pub signature: Option<SignatureInfo>,
    /// What the co-crash rule says about several cores at once.
    pub co_crash: Option<String>,
    /// How it explains an impact (None: a crash no impact pointed at).
    pub impact: Option<ImpactLink>,
    /// ESXi host and datastore the node runs on.
    pub esx: Option<String>,
    /// Datastore.
    pub datastore: Option<String>,
    /// When the services were started again.
    pub restarted_at: Option<Timestamp>,
    /// The bundle has no load data for the node before the core.
    pub no_load_data: bool,
}

/// What starved a node, most specific first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Starved {
    /// Storage latency on the ESXi host.
    Storage,
    /// I/O wait in the guest.
    IoWait,
    /// CPU.
    Cpu,
}

/// One piece of evidence of starvation.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "seen", rename_all = "snake_case")]
pub enum HitDetail {
    /// `show process load` CPU idle.
    CpuIdle {
        /// Idle percent.
        idle: f64,
    },
    /// `show process load` I/O wait.
    IoWait {
        /// I/O wait percent.
        percent: f64,
    },
    /// A CPU alarm or alert.
    Alert {
        /// Its name.
        name: String,
    },
    /// A metric episode.
    Episode(EpisodeInfo),
}

/// A starvation hit.
#[derive(Clone, Debug, Serialize)]
pub struct Hit {
    /// When.
    pub at: Timestamp,
    /// What it shows.
    pub what: Starved,
    /// The evidence.
    pub detail: HitDetail,
}

/// A metric episode as findings describe it.
#[derive(Clone, Debug, Serialize)]
pub struct EpisodeInfo {
    /// Host.
    pub host: String,
    /// Metric class.
    pub metric: String,
    /// Words for it.
    pub label: String,
    /// Unit.
    pub unit: String,
    /// First sample out of band.
    pub start: Timestamp,
    /// First sample back (None: still out at the end of the data).
    pub end: Option<Timestamp>,
    /// Already out of band when the data begins.
    pub open_start: bool,
    /// Worst value.
    pub peak: f64,
    /// When.
    pub peak_at: Timestamp,
    /// The band's edge.
    pub threshold: f64,
    /// Peak minus edge.
    pub over_by: f64,
    /// Where the edge comes from.
    pub basis: String,
}

/// What starved a node before its core.
#[derive(Clone, Debug, Serialize)]
pub struct StarvationData {
    /// The node.
    pub host: String,
    /// The most specific kind of starvation seen.
    pub what: Starved,
    /// CPU starvation was seen too.
    pub cpu_too: bool,
    /// Its ESXi host.
    pub esx: Option<String>,
    /// Its datastore.
    pub datastore: Option<String>,
    /// First sign.
    pub first: Timestamp,
    /// The core.
    pub core_at: Timestamp,
    /// The evidence.
    pub hits: Vec<Hit>,
    /// Highest CPU meanwhile per host (when it was not CPU).
    pub cpu_max: Vec<(String, f64)>,
    /// Other VMs on the same ESXi host.
    pub other_vms: Vec<String>,
}

/// A ping observation near a network outage.
#[derive(Clone, Debug, Serialize)]
pub struct PingObs {
    /// Sender.
    pub from: String,
    /// Target address.
    pub target: String,
    /// Loss percent.
    pub loss: f64,
    /// When.
    pub at: Timestamp,
    /// Error printed with it.
    pub error: Option<String>,
    /// True: a clean run after the loss.
    pub answered_again: bool,
}

/// A site's network outage.
#[derive(Clone, Debug, Serialize)]
pub struct NetworkData {
    /// `device pool X` or `subnet a.b.c.0/24`.
    pub site: String,
    /// The site is a subnet, not a device pool.
    pub by_subnet: bool,
    /// Devices that unregistered.
    pub devices: usize,
    /// Their subnets (CIDR).
    pub subnets: Vec<String>,
    /// First unregistration.
    pub start: Timestamp,
    /// Last unregistration.
    pub end: Timestamp,
    /// Reasons given.
    pub reasons: Vec<Code>,
    /// Nodes that reported them.
    pub nodes: Vec<String>,
    /// Pings towards the site.
    pub pings: Vec<PingObs>,
}

/// One kind of trouble on a host.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "symptom", rename_all = "snake_case")]
pub enum SymptomKind {
    /// Not authenticated to the cluster.
    NotAuthenticated {
        /// The state as printed.
        state: String,
    },
    /// SDL links to it out of service.
    SdlDown,
    /// Replication not good.
    Replication {
        /// Status as printed.
        status: Option<String>,
        /// State code.
        state: Option<String>,
    },
    /// RTMT alerts or catalog alarms about it.
    Alert {
        /// Name.
        name: String,
        /// The catalog documents it as housekeeping.
        housekeeping: bool,
    },
    /// Pings to it lost.
    PingLoss,
    /// A metric out of its band.
    Episode(EpisodeInfo),
}

/// A symptom with its span.
#[derive(Clone, Debug, Serialize)]
pub struct Symptom {
    /// What.
    #[serde(flatten)]
    pub kind: SymptomKind,
    /// First seen.
    pub first: Timestamp,
    /// Last seen.
    pub last: Timestamp,
}

/// Another host's own problems, and the verdict on them.
#[derive(Clone, Debug, Serialize)]
pub struct HostTroubleData {
    /// The host.
    pub host: String,
    /// Its symptoms, oldest first.
    pub symptoms: Vec<Symptom>,
    /// The impact (or the crash) it is judged against.
    pub t0: Timestamp,
    /// Seconds its trouble began before `t0`, when that is long before.
    pub began_before_s: Option<i64>,
    /// The impacted devices' CallManager group nodes, when the host is not one.
    pub not_serving: Vec<String>,
    /// No topology ties the host to the impacted devices.
    pub no_topology: bool,
    /// Every symptom is housekeeping.
    pub housekeeping_only: bool,
    /// It shares an ESXi host or datastore with a root-cause node: (root node, what).
    pub shared_with: Option<(String, String)>,
}

/// A node re-authenticated long before the impact.
#[derive(Clone, Debug, Serialize)]
pub struct ReauthData {
    /// The node.
    pub host: String,
    /// Authenticated since.
    pub at: Timestamp,
    /// Seconds before the impact.
    pub before_s: i64,
}

/// The node crashed before.
#[derive(Clone, Debug, Serialize)]
pub struct RecurrenceData {
    /// The node.
    pub host: String,
    /// Processes that crashed then.
    pub processes: Vec<String>,
    /// When.
    pub at: Timestamp,
    /// Core files.
    pub cores: Vec<String>,
    /// The same set of processes as now.
    pub same: bool,
    /// Abort reasons then.
    pub reasons: Vec<String>,
}

/// A product's lifecycle.
#[derive(Clone, Debug, Serialize)]
pub struct LifecycleData {
    /// Product id.
    pub product: String,
    /// Display name.
    pub name: String,
    /// End of support (None: unknown).
    pub end_of_support: Option<String>,
    /// End of sale.
    pub end_of_sale: Option<String>,
    /// How it was seen.
    pub seen: String,
    /// False when the knowledge does not confirm the dates.
    pub confirmed: bool,
    /// Caveat when unconfirmed.
    pub note: String,
}

/// One piece of advice.
#[derive(Clone, Debug, Serialize)]
pub struct AdviceItem {
    /// Advice id.
    pub id: String,
    /// The advice.
    pub text: String,
    /// Public bug IDs.
    pub bug_ids: Vec<String>,
    /// False when unconfirmed.
    pub confirmed: bool,
}

/// Post-incident steps.
#[derive(Clone, Debug, Serialize)]
pub struct AdviceData {
    /// Classes and tags that called for them.
    pub triggers: Vec<String>,
    /// The steps.
    pub items: Vec<AdviceItem>,
}

/// Words an alarm printed that name its cause, and what they mean.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReasonSaid {
    /// The words, as the alarm catalog spells them.
    pub words: String,
    /// What they mean.
    pub means: String,
}

/// A declarative alarm rule's match.
#[derive(Clone, Debug, Serialize)]
pub struct AlarmData {
    /// The group the events were counted in (`host sub2`, `ESXi host esx1`).
    pub group: String,
    /// Alarm or alert names matched.
    pub names: Vec<String>,
    /// What the events' own words say the cause was, from the alarm
    /// catalog's reasons; empty when none matched.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<ReasonSaid>,
    /// How many events matched.
    pub count: usize,
    /// First.
    pub first: Timestamp,
    /// Last.
    pub last: Timestamp,
    /// What the rule says it means (its description).
    pub meaning: String,
    /// The finding it is tied to, with the relation (`serves`, `same host`).
    pub relation: Option<String>,
}
