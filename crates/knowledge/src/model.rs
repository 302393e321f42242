//! The shape of each knowledge file.

use serde::Deserialize;
use std::collections::BTreeMap;

/// `sources.toml`: every public source a fact cites.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SourcesFile {
    /// Source key → source.
    #[serde(default)]
    pub source: BTreeMap<String, Source>,
}

/// One public source.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Source {
    /// Title.
    pub title: String,
    /// Address.
    #[serde(default)]
    pub url: String,
}

/// `alarms.toml`: alarm catalog and code tables.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AlarmsFile {
    /// Alarms and RTMT alerts.
    #[serde(default)]
    pub alarm: Vec<Alarm>,
    /// Reason-code and state tables.
    #[serde(default)]
    pub code_table: Vec<CodeTable>,
}

/// An alarm or RTMT alert.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Alarm {
    /// Name as in the header.
    pub name: String,
    /// Other names for the same condition.
    #[serde(default)]
    pub also: Vec<String>,
    /// `alarm` or `rtmt_alert`.
    #[serde(default)]
    pub kind: String,
    /// Facility.
    #[serde(default)]
    pub facility: String,
    /// Severity name per the catalog.
    #[serde(default)]
    pub severity: String,
    /// What it means.
    #[serde(default)]
    pub meaning: String,
    /// Usual causes.
    #[serde(default)]
    pub causes: Vec<String>,
    /// What to check next.
    #[serde(default)]
    pub next_checks: Vec<String>,
    /// Source keys.
    #[serde(default)]
    pub sources: Vec<String>,
    /// False when a public source could not confirm it.
    #[serde(default = "yes")]
    pub confirmed: bool,
    /// Caveats.
    #[serde(default)]
    pub note: String,
}

fn yes() -> bool {
    true
}

/// A table decoding codes in one event field.
#[derive(Clone, Debug, Default, Deserialize)]
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
    /// Code → meaning.
    #[serde(default)]
    pub codes: BTreeMap<String, String>,
    /// Source keys.
    #[serde(default)]
    pub sources: Vec<String>,
}

/// `signatures.toml`: crash signatures.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SignaturesFile {
    /// Signatures, most specific first.
    #[serde(default)]
    pub signature: Vec<Signature>,
    /// Rules about cores that happen together.
    #[serde(default)]
    pub co_crash: Vec<CoCrash>,
}

/// A crash signature.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Signature {
    /// Identifier.
    pub id: String,
    /// Core process name it applies to (empty: any).
    #[serde(default)]
    pub process: String,
    /// Substrings of the abort reason, any of which matches.
    #[serde(default)]
    pub reason_contains: Vec<String>,
    /// Substrings of the frames, all of which must appear.
    #[serde(default)]
    pub frames_contain: Vec<String>,
    /// What it means.
    #[serde(default)]
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
    #[serde(default)]
    pub sources: Vec<String>,
}

/// What cores of several services at once mean.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CoCrash {
    /// Identifier.
    pub id: String,
    /// Cores whose epochs differ by at most this many seconds count as together.
    #[serde(default = "two", alias = "max_epoch_delta_s")]
    pub within_s: i64,
    /// What it means.
    #[serde(default, alias = "condition")]
    pub meaning: String,
    /// What to check next.
    #[serde(default)]
    pub next_checks: Vec<String>,
    /// Caveats (e.g. "inference from ...").
    #[serde(default)]
    pub note: String,
    /// Source keys.
    #[serde(default)]
    pub sources: Vec<String>,
}

fn two() -> i64 {
    2
}

/// `lifecycle.toml`: end-of-sale / end-of-support.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct LifecycleFile {
    /// Products.
    #[serde(default)]
    pub product: Vec<Product>,
}

/// A product (or release) and its lifecycle dates.
#[derive(Clone, Debug, Default, Deserialize)]
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
    /// False when the date is not verified.
    #[serde(default = "yes")]
    pub confirmed: bool,
    /// Caveats.
    #[serde(default)]
    pub note: String,
    /// Source keys.
    #[serde(default)]
    pub sources: Vec<String>,
}

/// A product/version-prefix match.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct VersionMatch {
    /// Product name as a `Version` fact names it.
    pub product: String,
    /// Version prefix.
    pub prefix: String,
}

/// `advice.toml`: post-incident steps.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AdviceFile {
    /// Advice entries.
    #[serde(default)]
    pub advice: Vec<Advice>,
}

/// One piece of advice and when it applies.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Advice {
    /// Identifier.
    pub id: String,
    /// Triggers it applies to.
    #[serde(default)]
    pub when: Vec<String>,
    /// The advice.
    pub text: String,
    /// Source keys.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Public bug IDs.
    #[serde(default)]
    pub bug_ids: Vec<String>,
}

/// `thresholds.toml`: metric thresholds.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ThresholdsFile {
    /// Thresholds.
    #[serde(default)]
    pub threshold: Vec<Threshold>,
}

/// A metric threshold.
#[derive(Clone, Debug, Default, Deserialize)]
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
    /// What it means.
    #[serde(default)]
    pub meaning: String,
    /// Source keys.
    #[serde(default)]
    pub sources: Vec<String>,
    /// False when not confirmed.
    #[serde(default = "yes")]
    pub confirmed: bool,
    /// Caveats.
    #[serde(default)]
    pub note: String,
}

/// `rules.toml`: the correlation rules and their parameters.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RulesFile {
    /// Rules, in the order they run.
    #[serde(default)]
    pub rule: Vec<Rule>,
}

/// One correlation rule: a rule type the engine implements, and its parameters.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Rule {
    /// Identifier (finding ids derive from it).
    pub id: String,
    /// Rule type.
    #[serde(rename = "type")]
    pub rule_type: String,
    /// What the rule says, for `uctriage knowledge`.
    #[serde(default)]
    pub description: String,
    /// Event kinds it looks at.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Numeric parameters (windows in seconds, counts, ...).
    #[serde(default)]
    pub params: BTreeMap<String, f64>,
    /// Text parameters.
    #[serde(default)]
    pub text: BTreeMap<String, String>,
    /// Source keys behind the reasoning.
    #[serde(default)]
    pub sources: Vec<String>,
}

impl Rule {
    /// A numeric parameter, or `default`.
    pub fn param(&self, name: &str, default: f64) -> f64 {
        self.params.get(name).copied().unwrap_or(default)
    }
}

/// `metrics.toml`: which counters measure what.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct MetricsFile {
    /// Metric classes.
    #[serde(default)]
    pub metric_class: Vec<MetricClass>,
}

/// A metric class and the counters that measure it.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct MetricClass {
    /// Class name (`cpu_percent`, `disk_latency_ms`, ...).
    pub metric: String,
    /// Unit for axes and text.
    #[serde(default)]
    pub unit: String,
    /// `high` when high values are bad, `low` when low ones are.
    #[serde(default = "high")]
    pub bad: String,
    /// Counter patterns (`*` = any text), matched without case.
    #[serde(default)]
    pub counters: Vec<String>,
    /// Source keys.
    #[serde(default)]
    pub sources: Vec<String>,
}

fn high() -> String {
    "high".into()
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
