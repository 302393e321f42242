//! Rule files: `knowledge/rules/<id>.toml`, one declared rule each, with the
//! cases that test it.
//!
//! A rule file names a rule *type* the engine implements and gives its
//! parameters; which parameters a type takes is the type's business, so they
//! are kept here as a TOML table and checked strictly by the engine
//! ([`RuleSpec::params_as`]) with the same file:line errors as everything else.
//!
//! ```toml
//! version = 2
//! [rule]
//! id = "site-network"
//! type = "site_network_outage"
//! description = "..."
//! sources = ["C-MSG861"]
//! [rule.params]
//! min_devices = 3
//!
//! [[case]]
//! name = "a branch's phones time out together: a network outage"
//! [[case.event]]
//! at = "2023-09-19T09:42:17Z"
//! host = "sub1"
//! kind = "device_unregistered"
//! devices = ["SEP0A0B0C0D0E01"]
//! fields = { Reason = "13", IPAddress = "10.62.14.21" }
//! [[case.expect]]
//! class = "network-outage"
//! ```

use crate::error::KnowledgeError;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

/// The rule-file schema version this build reads.
pub const RULE_FILE_VERSION: u32 = 2;

/// Where a piece of knowledge came from: its name for messages and its text,
/// kept so late checks can still point at a line.
#[derive(Clone, Debug)]
pub struct Origin {
    /// `embedded:rules/impact.toml` or the path the user gave.
    pub file: String,
    /// The whole file.
    pub text: Arc<str>,
}

/// One rule as declared.
#[derive(Clone, Debug)]
pub struct RuleSpec {
    /// Identifier; finding ids derive from it.
    pub id: String,
    /// The rule type the engine implements.
    pub rule_type: String,
    /// What the rule says, for `uctriage knowledge`.
    pub description: String,
    /// False: loaded and checked, but not run.
    pub enabled: bool,
    /// Source keys behind the reasoning.
    pub sources: Vec<String>,
    /// Parameters as written (typed by [`RuleSpec::params_as`]).
    pub params: toml::Table,
    /// Byte range of the `[rule.params]` table in the file.
    pub params_span: Range<usize>,
    /// The rule's test cases.
    pub cases: Vec<Case>,
    /// Classes the rule file defines for itself (added to `classes.toml`'s).
    pub classes: Vec<crate::model::Class>,
    /// The file it came from.
    pub origin: Origin,
}

impl RuleSpec {
    /// The parameters as the rule type's own strict struct. Errors name the
    /// file, the line of the offending key and the nearest valid name.
    pub fn params_as<P: DeserializeOwned>(&self) -> Result<P, KnowledgeError> {
        toml::Value::Table(self.params.clone())
            .try_into::<P>()
            .map_err(|e| {
                let mut err = KnowledgeError::from_toml(&self.origin.file, "", &e);
                err.line = None;
                err.column = None;
                err.message = format!("rule `{}` [rule.params]: {}", self.id, err.message);
                // A header-defined table's span may cover only its header:
                // look from the table's start to the end of the file.
                let within = self.params_span.start..self.origin.text.len();
                let text = &self.origin.text;
                let err = match offending_key(e.message()) {
                    Some(v) if e.message().starts_with("unknown variant") => {
                        err.locate_value(text, within.clone(), &v)
                    }
                    Some(key) => err.locate_key(text, within.clone(), &key),
                    None => err,
                };
                err.locate_key(text, within, "params")
            })
    }

    /// An error about this rule, placed at the line of `key` in its file.
    pub fn error_at_key(&self, key: &str, message: impl Into<String>) -> KnowledgeError {
        KnowledgeError::file(&self.origin.file, message).locate_key(
            &self.origin.text,
            0..self.origin.text.len(),
            key,
        )
    }
}

/// The key a serde message is about (`unknown field `x``, `missing field `x``,
/// `invalid type ... for key `x``).
fn offending_key(message: &str) -> Option<String> {
    let mut parts = message.split('`');
    parts.next()?;
    parts.next().map(str::to_string)
}

/// A rule's test: events in, findings expected, findings forbidden.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// What the case shows, in a sentence.
    pub name: String,
    /// The events, already normalized (absolute times, canonical hosts).
    #[serde(default)]
    pub event: Vec<CaseEvent>,
    /// Topology, in the shape of a `topology.toml`.
    #[serde(default)]
    pub topology: Option<toml::Table>,
    /// The zone times are shown in (default UTC).
    #[serde(default)]
    pub display_zone: Option<String>,
    /// Findings that must be present.
    #[serde(default)]
    pub expect: Vec<Expect>,
    /// Findings that must not be present.
    #[serde(default)]
    pub forbid: Vec<Expect>,
    /// Metric episodes that must be found (rules of type `metric_episodes`).
    #[serde(default)]
    pub expect_episode: Vec<ExpectEpisode>,
    /// Metric episodes that must not be found.
    #[serde(default)]
    pub forbid_episode: Vec<ExpectEpisode>,
}

/// A metric episode a case expects (or forbids).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectEpisode {
    /// The series' host.
    pub host: String,
    /// Metric class.
    pub metric: String,
    /// The edge must come from this threshold id (or "baseline").
    #[serde(default)]
    pub basis: Option<String>,
}

/// One event of a case.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseEvent {
    /// RFC 3339 instant (`2023-09-19T09:42:17Z`); absent for an untimed row.
    #[serde(default)]
    pub at: Option<String>,
    /// Canonical host.
    #[serde(default)]
    pub host: Option<String>,
    /// Event kind (`device_unregistered`, ...).
    pub kind: String,
    /// Severity name (default `info`).
    #[serde(default)]
    pub severity: Option<String>,
    /// Decoded fields.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Device entities.
    #[serde(default)]
    pub devices: Vec<String>,
    /// Address (directory number) entities.
    #[serde(default)]
    pub addresses: Vec<String>,
    /// Service entities.
    #[serde(default)]
    pub services: Vec<String>,
    /// Process entities.
    #[serde(default)]
    pub processes: Vec<String>,
    /// The raw line (default: made from kind and fields).
    #[serde(default)]
    pub text: Option<String>,
    /// The format that parsed it (default `case`).
    #[serde(default)]
    pub format: Option<String>,
    /// Repeat the event this many times (default 1); `{n}` in devices,
    /// addresses, fields and text becomes 1, 2, ...
    #[serde(default)]
    pub repeat: Option<u32>,
    /// Seconds between repeats.
    #[serde(default)]
    pub every_s: Option<f64>,
}

/// What a finding must (or must not) look like. Every given field must match.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Finding kind (`impact`, `root_cause`, ...).
    #[serde(default)]
    pub kind: Option<String>,
    /// Finding class.
    #[serde(default)]
    pub class: Option<String>,
    /// The rule that produced it.
    #[serde(default)]
    pub rule: Option<String>,
    /// Tags it must carry.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Hosts it must name (others allowed).
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Devices it must name (others allowed).
    #[serde(default)]
    pub devices: Vec<String>,
    /// Classes of findings that must be among its causes.
    #[serde(default)]
    pub caused_by: Vec<String>,
    /// How many findings must match (default: at least one; for `forbid`, none).
    #[serde(default)]
    pub count: Option<usize>,
    /// Whether it is confirmed.
    #[serde(default)]
    pub confirmed: Option<bool>,
    /// At least this confidence.
    #[serde(default)]
    pub min_confidence: Option<f64>,
    /// At most this confidence.
    #[serde(default)]
    pub max_confidence: Option<f64>,
    /// Words its rendered title must contain.
    #[serde(default)]
    pub title_contains: Vec<String>,
    /// Words its rendered summary must contain.
    #[serde(default)]
    pub summary_contains: Vec<String>,
}

/// The file as written, before the parameters are typed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleFile {
    pub version: u32,
    pub rule: RuleHeader,
    #[serde(default)]
    pub case: Vec<Case>,
    #[serde(default)]
    pub class: Vec<crate::model::Class>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleHeader {
    pub id: String,
    #[serde(rename = "type")]
    pub rule_type: String,
    pub description: String,
    #[serde(default = "enabled")]
    pub enabled: bool,
    pub sources: Vec<String>,
    #[serde(default)]
    pub params: Option<toml::Spanned<toml::Table>>,
}

fn enabled() -> bool {
    true
}

/// Parse one rule file.
pub(crate) fn parse_rule_file(file: &str, text: &str) -> Result<RuleSpec, KnowledgeError> {
    let parsed: RuleFile =
        toml::from_str(text).map_err(|e| KnowledgeError::from_toml(file, text, &e))?;
    if parsed.version != RULE_FILE_VERSION {
        return Err(KnowledgeError::file(
            file,
            format!(
                "version {} is not supported: this uctriage reads rule files of version {RULE_FILE_VERSION} (see knowledge/README.md)",
                parsed.version
            ),
        ));
    }
    let (params, params_span) = match parsed.rule.params {
        Some(p) => {
            let span = p.span();
            (p.into_inner(), span)
        }
        None => (toml::Table::new(), 0..text.len()),
    };
    Ok(RuleSpec {
        id: parsed.rule.id,
        rule_type: parsed.rule.rule_type,
        description: parsed.rule.description,
        enabled: parsed.rule.enabled,
        sources: parsed.rule.sources,
        params,
        params_span,
        cases: parsed.case,
        classes: parsed.class,
        origin: Origin {
            file: file.to_string(),
            text: Arc::from(text),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct P {
        #[allow(dead_code)]
        gap_s: f64,
    }

    const FILE: &str = "version = 2\n[rule]\nid = \"x\"\ntype = \"impact\"\ndescription = \"d\"\nsources = []\n[rule.params]\ngap_sec = 3\n";

    #[test]
    fn a_misspelled_parameter_is_an_error_at_its_line_with_a_suggestion() {
        let spec = parse_rule_file("rules/x.toml", FILE).unwrap();
        let err = spec.params_as::<P>().unwrap_err();
        assert_eq!(err.line, Some(8), "{err}");
        assert!(err.to_string().starts_with("rules/x.toml:8:1: "), "{err}");
        assert!(err.to_string().contains("did you mean `gap_s`?"), "{err}");
    }

    #[test]
    fn a_misspelled_case_field_is_an_error_at_its_line() {
        let text = format!("{FILE}[[case]]\nname = \"n\"\n[[case.expect]]\nclas = \"x\"\n");
        let err = parse_rule_file("rules/x.toml", &text).unwrap_err();
        assert_eq!(err.line, Some(12), "{err}");
        assert!(err.to_string().contains("did you mean `class`?"), "{err}");
    }

    #[test]
    fn another_version_is_refused() {
        let text = FILE.replace("version = 2", "version = 1");
        let err = parse_rule_file("rules/x.toml", &text).unwrap_err();
        assert!(err.message.contains("version 1 is not supported"), "{err}");
    }
}
