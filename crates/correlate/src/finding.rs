//! Findings: what the analysis concludes, each with its evidence.

use serde::Serialize;
use uctriage_core::jiff::Timestamp;
use uctriage_core::Evidence;

/// What a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// Who lost service, from when to when.
    Impact,
    /// Why they lost it.
    RootCause,
    /// What made the root cause happen or worse.
    Contributing,
    /// A problem at the same time that did not cause the impact.
    Coincidental,
    /// The same failure happened before.
    Recurrence,
    /// Advice: end of support, post-incident steps.
    Advisory,
}

impl FindingKind {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Impact => "impact",
            FindingKind::RootCause => "root_cause",
            FindingKind::Contributing => "contributing",
            FindingKind::Coincidental => "coincidental",
            FindingKind::Recurrence => "recurrence",
            FindingKind::Advisory => "advisory",
        }
    }
}

/// A public source behind a finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reference {
    /// Source key in `knowledge/sources.toml`.
    pub key: String,
    /// Title.
    pub title: String,
    /// Address.
    pub url: String,
}

/// One conclusion of the analysis.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// Stable id, e.g. `root_cause-1`.
    pub id: String,
    /// What it is.
    pub kind: FindingKind,
    /// One line.
    pub title: String,
    /// A few sentences: what, when, why we think so.
    pub summary: String,
    /// Hosts involved.
    pub hosts: Vec<String>,
    /// Services involved.
    pub services: Vec<String>,
    /// Devices (and addresses) involved.
    pub devices: Vec<String>,
    /// Start (RFC 3339 UTC) or null.
    #[serde(serialize_with = "ser_ts")]
    pub start: Option<Timestamp>,
    /// End (RFC 3339 UTC) or null.
    #[serde(serialize_with = "ser_ts")]
    pub end: Option<Timestamp>,
    /// 0-1.
    pub confidence: f64,
    /// Ids of the findings that caused this one.
    pub caused_by: Vec<String>,
    /// File and line of each proof.
    pub evidence: Vec<Evidence>,
    /// Public sources.
    pub references: Vec<Reference>,
    /// What to check or do next.
    pub next_checks: Vec<String>,
    /// The rule that produced it.
    pub rule: String,
}

fn ser_ts<S: serde::Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(ts) => s.serialize_str(&ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
        None => s.serialize_none(),
    }
}

impl Finding {
    /// A new finding with empty lists.
    pub fn new(kind: FindingKind, rule: &str, title: String) -> Finding {
        Finding {
            id: String::new(),
            kind,
            title,
            summary: String::new(),
            hosts: Vec::new(),
            services: Vec::new(),
            devices: Vec::new(),
            start: None,
            end: None,
            confidence: 0.5,
            caused_by: Vec::new(),
            evidence: Vec::new(),
            references: Vec::new(),
            next_checks: Vec::new(),
            rule: rule.to_string(),
        }
    }

    /// Add evidence, once per file and line, at most `max` items.
    pub fn cite(&mut self, ev: &Evidence) {
        const MAX: usize = 40;
        if self.evidence.len() < MAX
            && !self
                .evidence
                .iter()
                .any(|e| e.file == ev.file && e.line == ev.line)
        {
            let mut ev = ev.clone();
            if ev.text.len() > 600 {
                let cut = ev
                    .text
                    .char_indices()
                    .nth(600)
                    .map_or(ev.text.len(), |(i, _)| i);
                ev.text.truncate(cut);
                ev.text.push('…');
            }
            self.evidence.push(ev);
        }
    }

    /// Add items to a list without duplicates.
    pub fn add(list: &mut Vec<String>, items: impl IntoIterator<Item = impl Into<String>>) {
        for i in items {
            let i = i.into();
            if !i.is_empty() && !list.contains(&i) {
                list.push(i);
            }
        }
    }
}
