//! The shape of each knowledge file. Every struct refuses fields it does not
//! know (`deny_unknown_fields`), so a misspelled key is an error that names
//! the file and line, never a silent default. `knowledge/README.md` documents
//! every field; keep the two in step.

use serde::Deserialize;
use std::collections::BTreeMap;

fn yes() -> bool {
    true
}

/// `sources.toml`: every public source a fact cites.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcesFile {
    /// Schema version of the file.
    pub version: u32,
    /// Source key → source.
    #[serde(default)]
    pub source: BTreeMap<String, Source>,
}

/// One public source.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// What the source is.
    pub title: String,
    /// Primary address.
    #[serde(default)]
    pub url: String,
    /// File path inside a GitHub repository, when the source is one.
    #[serde(default)]
    pub path: String,
    /// Public copies or mirrors the text was actually read from.
    #[serde(default)]
    pub via: Vec<String>,
    /// True when Cisco publishes it.
    #[serde(default)]
    pub cisco: bool,
    /// The date the source itself states, when it states one.
    #[serde(default)]
    pub date: String,
    /// Caveats about the source.
    #[serde(default)]
    pub note: String,
}

/// `alarms.toml`: alarm catalog and code tables.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmsFile {
    /// Schema version of the file.
    pub version: u32,
    /// Alarms and RTMT alerts.
    #[serde(default)]
    pub alarm: Vec<Alarm>,
    /// Reason-code and state tables.
    #[serde(default)]
    pub code_table: Vec<CodeTable>,
}

/// An alarm or RTMT alert.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alarm {
    /// Name as in the `%FACILITY-SEV-Name` header, or the RTMT alert name.
    pub name: String,
    /// Other names for the same condition.
    #[serde(default)]
    pub also: Vec<String>,
    /// `alarm` or `rtmt_alert`.
    pub kind: String,
    /// Facility in the current catalog (empty for RTMT alerts).
    #[serde(default)]
    pub facility: String,
    /// Facility printed by 8.x-era releases.
    #[serde(default)]
    pub old_facility: String,
    /// Severity name per the cited catalog (empty when none states it).
    #[serde(default)]
    pub severity: String,
    /// The RTMT alert raised for the same condition.
    #[serde(default)]
    pub rtmt_alert: String,
    /// That RTMT alert's default severity.
    #[serde(default)]
    pub rtmt_severity: String,
    /// Reason values for which the catalog lowers the severity to informational.
    #[serde(default)]
    pub info_reasons: Vec<String>,
    /// The catalog's message text, verbatim.
    #[serde(default)]
    pub text: String,
    /// What it means, in our words.
    #[serde(default)]
    pub meaning: String,
    /// Usual causes.
    #[serde(default)]
    pub causes: Vec<String>,
    /// Words of one field that say which cause it was (an exception text,
    /// a reason): rules quote the matching one in their findings.
    #[serde(default)]
    pub reason: Vec<AlarmReason>,
    /// What to check next.
    #[serde(default)]
    pub next_checks: Vec<String>,
    /// CISCO-CCM-MIB traps for the same condition.
    #[serde(default)]
    pub snmp_traps: Vec<String>,
    /// Public bug IDs a cited source ties to it.
    #[serde(default)]
    pub bug_ids: Vec<String>,
    /// Routine upkeep rather than a fault (log partition water marks,
    /// authentication failures): never a contributing cause unless a rule
    /// ties it to the impact by topology and time.
    #[serde(default)]
    pub housekeeping: bool,
    /// Source keys.
    pub sources: Vec<String>,
    /// False when a public source could not confirm all of it.
    pub confirmed: bool,
    /// Caveats.
    #[serde(default)]
    pub note: String,
}

/// Words in one field of an alarm that say which of its causes it was.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlarmReason {
    /// The event field read (`exception`, `reason`).
    pub field: String,
    /// Words the field contains, compared without regard to case.
    pub contains: String,
    /// What they mean, in our words; findings quote it.
    pub means: String,
}

/// A table decoding the codes of one event field.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeTable {
    /// Identifier.
    pub id: String,
    /// Alarms whose field it decodes.
    #[serde(default)]
    pub alarms: Vec<String>,
    /// Event kinds whose field it decodes.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// The field holding the code.
    pub field: String,
    /// Code → name as printed.
    #[serde(default)]
    pub codes: BTreeMap<String, String>,
    /// Code → our summary of what it means.
    #[serde(default)]
    pub meanings: BTreeMap<String, String>,
    /// Named groups of codes (`loss`, `routine`, `recovery`, `good`, ...) that
    /// rules refer to by name; our reading of the code texts unless the note
    /// says a source groups them.
    #[serde(default)]
    pub groups: BTreeMap<String, Vec<String>>,
    /// Source keys.
    pub sources: Vec<String>,
    /// False when the mapping is not confirmed: decoded names print as "probably".
    pub confirmed: bool,
    /// Caveats.
    #[serde(default)]
    pub note: String,
}

/// `signatures.toml`: crash signatures.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignaturesFile {
    /// Schema version of the file.
    pub version: u32,
    /// Signatures, most specific first.
    #[serde(default)]
    pub signature: Vec<Signature>,
    /// Rules about cores that happen together.
    #[serde(default)]
    pub co_crash: Vec<CoCrash>,
}

/// A crash signature.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// Identifier.
    pub id: String,
    /// Process field of the core file name; `*` matches any process.
    pub process: String,
    /// Signal number of the core file name, when the signature needs one.
    #[serde(default)]
    pub signal: Option<u32>,
    /// Substrings of the abort reason, any of which matches.
    #[serde(default)]
    pub reason_contains: Vec<String>,
    /// Substrings of the frames, all of which must appear.
    #[serde(default)]
    pub frames_contain: Vec<String>,
    /// What it means.
    pub condition: String,
    /// The process stopped working some time before the abort.
    #[serde(default)]
    pub hang: bool,
    /// Likely causes.
    #[serde(default)]
    pub likely_causes: Vec<String>,
    /// What to check next.
    #[serde(default)]
    pub next_checks: Vec<String>,
    /// Public bug IDs tied to it by a public source.
    #[serde(default)]
    pub bug_ids: Vec<String>,
    /// Source keys.
    pub sources: Vec<String>,
    /// False when not confirmed.
    #[serde(default = "yes")]
    pub confirmed: bool,
    /// Caveats.
    #[serde(default)]
    pub note: String,
}

/// What cores of several services at once mean.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoCrash {
    /// Identifier.
    pub id: String,
    /// Only cores of one node count together.
    pub same_node: bool,
    /// At least this many different processes.
    pub min_distinct_processes: usize,
    /// Cores whose epochs differ by at most this many seconds count as together.
    #[serde(rename = "max_epoch_delta_s")]
    pub within_s: i64,
    /// What it means.
    #[serde(rename = "condition")]
    pub meaning: String,
    /// Likely causes.
    #[serde(default)]
    pub likely_causes: Vec<String>,
    /// What to check next.
    #[serde(default)]
    pub next_checks: Vec<String>,
    /// Source keys.
    pub sources: Vec<String>,
    /// False when not confirmed.
    #[serde(default = "yes")]
    pub confirmed: bool,
    /// Caveats (e.g. "inference from ...").
    #[serde(default)]
    pub note: String,
}

/// `lifecycle.toml`: end-of-sale / end-of-support.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleFile {
    /// Schema version of the file.
    pub version: u32,
    /// Products.
    #[serde(default)]
    pub product: Vec<Product>,
    /// Background facts about lifecycle policy.
    #[serde(default)]
    pub context: Vec<Context>,
}

/// A product (or release) and its lifecycle dates.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// Identifier.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Process names that reveal it.
    #[serde(default)]
    pub detect_processes: Vec<String>,
    /// Words that reveal it in event text.
    #[serde(default)]
    pub detect_text: Vec<String>,
    /// Version prefixes that reveal it.
    #[serde(default)]
    pub detect_versions: Vec<VersionMatch>,
    /// End of sale, `YYYY-MM-DD` or empty.
    #[serde(default)]
    pub end_of_sale: String,
    /// End of support, `YYYY-MM-DD` or empty.
    #[serde(default)]
    pub end_of_support: String,
    /// False when the dates are not verified.
    pub confirmed: bool,
    /// Caveats.
    #[serde(default)]
    pub note: String,
    /// Source keys.
    pub sources: Vec<String>,
}

/// A product/version-prefix match.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionMatch {
    /// Product name as a `Version` fact names it.
    pub product: String,
    /// Version prefix.
    pub prefix: String,
}

/// A background fact about lifecycle policy.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Context {
    /// Identifier.
    pub id: String,
    /// The fact.
    pub text: String,
    /// Source keys.
    pub sources: Vec<String>,
}

/// `advice.toml`: post-incident steps.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdviceFile {
    /// Schema version of the file.
    pub version: u32,
    /// Advice entries.
    #[serde(default)]
    pub advice: Vec<Advice>,
}

/// One piece of advice and when it applies.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Advice {
    /// Identifier.
    pub id: String,
    /// Finding classes or tags (`classes.toml`) that call for it.
    pub when: Vec<String>,
    /// The advice.
    pub text: String,
    /// Source keys.
    pub sources: Vec<String>,
    /// Public bug IDs.
    #[serde(default)]
    pub bug_ids: Vec<String>,
    /// False when the advice rests on something unconfirmed.
    #[serde(default = "yes")]
    pub confirmed: bool,
    /// Caveats.
    #[serde(default)]
    pub note: String,
}

/// `thresholds.toml`: metric thresholds.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdsFile {
    /// Schema version of the file.
    pub version: u32,
    /// Thresholds.
    #[serde(default)]
    pub threshold: Vec<Threshold>,
}

/// Which series a threshold may judge.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Any series of the metric.
    #[default]
    Any,
    /// A round trip measured from one cluster node to another (a ping from a
    /// monitoring station does not qualify).
    ClusterNodePairs,
    /// Series of CUCM cluster nodes (a node list, `show network cluster` or a
    /// CallManager group names them). RTMT's call-processing alerts apply to
    /// nodes running call processing; a bundle rarely says which do, so every
    /// CUCM node qualifies, and never a PG, an ESXi host or a monitoring station.
    CucmNodes,
    /// Series of ESXi hosts or of the VMs on them.
    VirtualisationHosts,
}

/// A metric threshold.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// Identifier.
    pub id: String,
    /// Metric class.
    pub metric: String,
    /// Above this is out of band.
    pub above: f64,
    /// Minimum duration, when a source gives one.
    #[serde(default)]
    pub min_duration_s: Option<u64>,
    /// Which series it judges (the machine-readable form of `applies_to`).
    #[serde(default)]
    pub scope: Scope,
    /// What it applies to, as the source says it.
    #[serde(default)]
    pub applies_to: String,
    /// `vcpu` when the number is per virtual CPU.
    #[serde(default)]
    pub per: String,
    /// What it means.
    pub meaning: String,
    /// Source keys.
    pub sources: Vec<String>,
    /// False when not confirmed.
    pub confirmed: bool,
    /// Caveats.
    #[serde(default)]
    pub note: String,
}

/// `metrics.toml`: which counters measure what.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsFile {
    /// Schema version of the file.
    pub version: u32,
    /// Metric classes.
    #[serde(default)]
    pub metric_class: Vec<MetricClass>,
}

/// A metric class and the counters that measure it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricClass {
    /// Class name (`cpu_percent`, `disk_latency_ms`, ...).
    pub metric: String,
    /// Words for it in text (`CPU`, `disk latency`).
    #[serde(default)]
    pub label: String,
    /// Unit for axes and text.
    pub unit: String,
    /// `high` when high values are bad, `low` when low ones are.
    pub bad: String,
    /// Counter patterns (`*` = any text), matched without case.
    pub counters: Vec<String>,
    /// Source keys.
    pub sources: Vec<String>,
}

/// `classes.toml`: the finding classes and tags rules produce and advice
/// and other rules refer to.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassesFile {
    /// Schema version of the file.
    pub version: u32,
    /// Classes and tags.
    #[serde(default)]
    pub class: Vec<Class>,
}

/// A class of finding (`service-hang`, `network-outage`) or a tag a finding
/// may carry besides its class (`intentional-abort`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Class {
    /// Identifier, kebab-case.
    pub id: String,
    /// A few words for it.
    pub label: String,
    /// What it means.
    pub meaning: String,
    /// Source keys (empty for our own categories).
    #[serde(default)]
    pub sources: Vec<String>,
}

/// `devices.toml`: what sort of device a name or a device type names.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DevicesFile {
    /// Schema version of the file.
    pub version: u32,
    /// Device types, tried in order.
    #[serde(default)]
    pub device_type: Vec<DeviceType>,
}

/// One sort of device and how to recognise it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceType {
    /// Identifier (`phone`, `cti_port`, `gateway`, `trunk`).
    pub id: String,
    /// Singular and plural words for text.
    pub label: String,
    /// Plural.
    pub plural: String,
    /// Device-name prefixes (case-insensitive).
    #[serde(default)]
    pub name_prefixes: Vec<String>,
    /// Substrings of a device name.
    #[serde(default)]
    pub name_contains: Vec<String>,
    /// Values of a `device type` column of an export, or the model printed
    /// by an alarm, that mean this sort (case-insensitive).
    #[serde(default)]
    pub export_types: Vec<String>,
    /// Source keys.
    pub sources: Vec<String>,
    /// False when the recognition rule is not confirmed.
    pub confirmed: bool,
    /// Caveats.
    #[serde(default)]
    pub note: String,
}

/// Case-insensitive match with `*` standing for any text.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.to_ascii_lowercase(), text.to_ascii_lowercase());
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == t;
    }
    let mut rest = t.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}
