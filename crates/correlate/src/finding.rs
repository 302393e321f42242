//! Findings: what the analysis concludes, as typed data with its evidence.
//!
//! Rules build findings from data only ([`Finding::data`], class, tags,
//! hosts, devices, times, links); the title and summary a reader sees are
//! rendered from that data once, at the end (`render`), so no rule ever reads
//! another rule's prose.

use crate::data::Data;
use serde::{Deserialize, Serialize};
use uctriage_core::jiff::Timestamp;
use uctriage_core::Evidence;

/// What a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
    /// Log activity no knowledge explains, new or spiking in the incident window.
    Unusual,
    /// Advice: end of support, post-incident steps.
    Advisory,
}

impl FindingKind {
    /// Every kind, in report order.
    pub const ALL: [FindingKind; 7] = [
        FindingKind::Impact,
        FindingKind::RootCause,
        FindingKind::Contributing,
        FindingKind::Coincidental,
        FindingKind::Recurrence,
        FindingKind::Unusual,
        FindingKind::Advisory,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Impact => "impact",
            FindingKind::RootCause => "root_cause",
            FindingKind::Contributing => "contributing",
            FindingKind::Coincidental => "coincidental",
            FindingKind::Recurrence => "recurrence",
            FindingKind::Unusual => "unusual",
            FindingKind::Advisory => "advisory",
        }
    }

    /// Parse a snake_case name.
    pub fn parse(name: &str) -> Option<FindingKind> {
        FindingKind::ALL.into_iter().find(|k| k.as_str() == name)
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
    /// Its class (`classes.toml`), e.g. `service-hang`, `network-outage`.
    pub class: String,
    /// Other facets (`classes.toml`), e.g. `intentional-abort`, `failover`.
    pub tags: Vec<String>,
    /// One line, rendered from the data.
    pub title: String,
    /// A few sentences, rendered from the data: what, when, why we think so.
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
    /// False when it rests on a fact the knowledge marks unconfirmed; the
    /// text then says "probably" or "unverified".
    pub confirmed: bool,
    /// Ids of the findings that caused this one.
    pub caused_by: Vec<String>,
    /// Ids of the findings this one explains (the inverse of `caused_by`).
    pub explains: Vec<String>,
    /// File and line of each proof.
    pub evidence: Vec<Evidence>,
    /// Public sources.
    pub references: Vec<Reference>,
    /// What to check or do next.
    pub next_checks: Vec<String>,
    /// The rule that produced it.
    pub rule: String,
    /// The typed facts it rests on, by finding type.
    pub data: Data,
}

fn ser_ts<S: serde::Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(ts) => s.serialize_str(&ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
        None => s.serialize_none(),
    }
}

/// Evidence items a finding keeps at most.
pub const MAX_EVIDENCE: usize = 40;

impl Finding {
    /// A new finding of `kind` and `class` with its data; everything else empty.
    pub fn new(kind: FindingKind, class: &str, data: Data) -> Finding {
        Finding {
            id: String::new(),
            kind,
            class: class.to_string(),
            tags: Vec::new(),
            title: String::new(),
            summary: String::new(),
            hosts: Vec::new(),
            services: Vec::new(),
            devices: Vec::new(),
            start: None,
            end: None,
            confidence: 0.5,
            confirmed: true,
            caused_by: Vec::new(),
            explains: Vec::new(),
            evidence: Vec::new(),
            references: Vec::new(),
            next_checks: Vec::new(),
            rule: String::new(),
            data,
        }
    }

    /// Add evidence, once per file and line, at most [`MAX_EVIDENCE`] items.
    pub fn cite(&mut self, ev: &Evidence) {
        if self.evidence.len() < MAX_EVIDENCE
            && !self
                .evidence
                .iter()
                .any(|e| e.file == ev.file && e.line == ev.line)
        {
            let mut ev = ev.clone();
            if ev.text.len() > 600 {
                let text = ev.text.to_mut();
                let cut = text.char_indices().nth(600).map_or(text.len(), |(i, _)| i);
                text.truncate(cut);
                text.push('…');
            }
            self.evidence.push(ev);
        }
    }

    /// Add items to a list without duplicates (in linear time: an impact
    /// over a live window can name tens of thousands of devices).
    pub fn add(list: &mut Vec<String>, items: impl IntoIterator<Item = impl Into<String>>) {
        let mut known: std::collections::HashSet<String> = list.iter().cloned().collect();
        for i in items {
            let i = i.into();
            if !i.is_empty() && !known.contains(&i) {
                known.insert(i.clone());
                list.push(i);
            }
        }
    }

    /// Add a tag.
    pub fn tag(&mut self, tag: &str) {
        Finding::add(&mut self.tags, [tag]);
    }

    /// True when the finding's class or one of its tags is `name`.
    pub fn is(&self, name: &str) -> bool {
        self.class == name || self.tags.iter().any(|t| t == name)
    }
}
