//! `disk_space`: partitions filling up, and what it did.
//!
//! Water-mark and low-space alarms, `show diskusage`, `show status` and
//! `show tech runtime disk` rows give each node's partitions. A partition at
//! or above `full_percent`, followed on that node by services that failed,
//! is their root cause. Above the log partition's high water mark the Log
//! Partition Monitoring Tool purges old traces: when an impact began before
//! (or while) that happened, the incident's traces on that node may be gone
//! — collect them now. A low water mark alone is housekeeping: advice.

use super::common::secs;
use crate::data::{Data, DiskData};
use crate::engine::{Context, Declaration, Emit, Input, Output, Rule};
use crate::finding::{Finding, FindingKind};
use serde::Deserialize;
use std::collections::BTreeMap;
use uctriage_core::jiff::Timestamp;
use uctriage_core::{Event, Kind};
use uctriage_knowledge::{Knowledge, KnowledgeError, RuleSpec};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// A partition at or above this use is full.
    full_percent: f64,
    /// Disk states (the parser's `state`) that mean the high water mark
    /// was crossed (purging).
    purge_states: Vec<String>,
    /// States that mean a low water mark or little space left.
    low_states: Vec<String>,
    /// Partitions whose trace files the purge deletes.
    trace_partitions: Vec<String>,
    /// Service states that mean a service failed.
    service_failed_states: Vec<String>,
    /// Classes of the findings a full partition may explain (failed services).
    explains: Vec<String>,
    /// Classes of the impacts whose traces a purge endangers.
    impacts: Vec<String>,
    /// A purge up to this long after an impact began endangers its traces.
    purge_after_impact_s: i64,
    /// Services failing up to this long after the partition filled are explained.
    explain_within_s: i64,
    /// Confidence weights.
    confidence: Weights,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Weights {
    root: f64,
    purge: f64,
    advisory: f64,
}

struct Disk {
    p: Params,
    sources: Vec<String>,
}

/// Build the rule from its spec.
pub(crate) fn build(spec: &RuleSpec, _kb: &Knowledge) -> Result<Box<dyn Rule>, KnowledgeError> {
    Ok(Box::new(Disk {
        p: spec.params_as()?,
        sources: spec.sources.clone(),
    }))
}

/// One partition of one node.
#[derive(Default)]
struct Partition<'e> {
    used: Option<f64>,
    full_at: Option<Timestamp>,
    purge_at: Option<Timestamp>,
    low_at: Option<Timestamp>,
    alarms: BTreeMap<String, Timestamp>,
    events: Vec<&'e Event>,
}

impl Rule for Disk {
    fn declare(&self) -> Declaration {
        Declaration {
            events: vec![Kind::DiskUsage, Kind::ServiceState],
            consumes: self
                .p
                .explains
                .iter()
                .chain(&self.p.impacts)
                .map(|c| Input::Class(c.clone()))
                .collect(),
            produces: vec![
                Output::Class("disk-full".into(), FindingKind::RootCause),
                Output::Class("disk-full".into(), FindingKind::Advisory),
                Output::Class("log-partition-high".into(), FindingKind::Advisory),
                Output::Class("log-partition-low".into(), FindingKind::Advisory),
            ],
        }
    }

    fn run(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        for ((host, partition), part) in self.partitions(cx) {
            if part.full_at.is_none() && part.purge_at.is_none() && part.low_at.is_none() {
                continue;
            }
            self.emit(cx, out, &host, &partition, part);
        }
    }
}

impl Disk {
    fn has(list: &[String], s: &str) -> bool {
        list.iter().any(|x| x.eq_ignore_ascii_case(s))
    }

    fn partitions<'e>(&self, cx: &Context<'e>) -> BTreeMap<(String, String), Partition<'e>> {
        let mut out: BTreeMap<(String, String), Partition<'e>> = BTreeMap::new();
        for e in cx.events.of(Kind::DiskUsage).filter(|e| e.time.is_some()) {
            let (Some(host), Some(partition)) = (e.host.as_deref(), e.fields.get("partition"))
            else {
                continue;
            };
            let t = e.time.expect("timed");
            let state = e.fields.get("state").unwrap_or("");
            let used = e
                .fields
                .get("used_percent")
                .and_then(|u| u.trim().trim_end_matches('%').parse::<f64>().ok());
            let p = out
                .entry((cx.hosts.resolve(host), partition.to_string()))
                .or_default();
            let mut notable = false;
            if let Some(u) = used {
                p.used = Some(p.used.map_or(u, |x| x.max(u)));
                if u >= self.p.full_percent {
                    p.full_at.get_or_insert(t);
                    notable = true;
                }
            }
            if Self::has(&self.p.purge_states, state) {
                p.purge_at.get_or_insert(t);
                notable = true;
            }
            if Self::has(&self.p.low_states, state) {
                p.low_at.get_or_insert(t);
                notable = true;
            }
            if let Some(a) = e.fields.get("alarm").or_else(|| e.fields.get("alert")) {
                p.alarms.entry(a.to_string()).or_insert(t);
            }
            if notable && p.events.len() < 10 {
                p.events.push(e);
            }
        }
        out
    }

    fn emit(
        &self,
        cx: &Context<'_>,
        out: &mut Emit<'_>,
        host: &str,
        partition: &str,
        part: Partition<'_>,
    ) {
        let start = [part.full_at, part.purge_at, part.low_at]
            .into_iter()
            .flatten()
            .min()
            .expect("notable");
        // Failed services on the node after it filled (events), and the
        // findings that report them.
        let mut services_failed: Vec<String> = Vec::new();
        let mut explained: Vec<&Finding> = Vec::new();
        if let Some(full) = part.full_at {
            let within = |t: Timestamp| t >= full && secs(t, full) <= self.p.explain_within_s;
            for e in cx.events.of(Kind::ServiceState) {
                let failed = e
                    .fields
                    .get("state")
                    .is_some_and(|s| Self::has(&self.p.service_failed_states, s));
                let here = e
                    .host
                    .as_deref()
                    .is_some_and(|h| cx.hosts.resolve(h) == host);
                if failed && here && e.time.is_some_and(within) {
                    let svc = e.fields.get("service").unwrap_or("a service").to_string();
                    if !services_failed.contains(&svc) {
                        services_failed.push(svc);
                    }
                }
            }
            explained = cx
                .findings()
                .filter(|f| self.p.explains.iter().any(|c| f.is(c)))
                .filter(|f| f.hosts.iter().any(|h| h == host))
                .filter(|f| f.start.is_some_and(within))
                .collect();
        }
        // An impact that began before the purge: its traces may be gone.
        let impact_start = part.purge_at.and_then(|purge| {
            cx.findings()
                .filter(|f| f.kind == FindingKind::Impact)
                .filter(|f| self.p.impacts.iter().any(|c| f.is(c)))
                .filter_map(|f| f.start)
                .filter(|s| *s <= purge && secs(purge, *s) <= self.p.purge_after_impact_s)
                .min()
        });
        let traces = Self::has(&self.p.trace_partitions, partition);
        let full = part.full_at.is_some();
        let purging = part.purge_at.is_some() && traces;
        let (kind, class, confidence) =
            if full && (!explained.is_empty() || !services_failed.is_empty()) {
                (FindingKind::RootCause, "disk-full", self.p.confidence.root)
            } else if full {
                (
                    FindingKind::Advisory,
                    "disk-full",
                    self.p.confidence.advisory,
                )
            } else if purging {
                (
                    FindingKind::Advisory,
                    "log-partition-high",
                    self.p.confidence.purge,
                )
            } else {
                (
                    FindingKind::Advisory,
                    "log-partition-low",
                    self.p.confidence.advisory,
                )
            };
        let data = DiskData {
            host: host.to_string(),
            partition: partition.to_string(),
            used_percent: part.used,
            alarms: part.alarms.into_iter().collect(),
            full,
            purging,
            impact_start: impact_start.filter(|_| traces),
            services_failed,
        };
        let mut f = Finding::new(kind, class, Data::Disk(data));
        if purging {
            f.tag("log-partition-high");
        }
        if part.low_at.is_some() && traces {
            f.tag("log-partition-low");
        }
        if full {
            f.tag("disk-full");
        }
        f.start = Some(start);
        f.confidence = confidence;
        Finding::add(&mut f.hosts, [host.to_string()]);
        for e in &part.events {
            f.cite(&e.evidence);
        }
        cx.cite_sources(&mut f, &self.sources);
        let id = out.push(f);
        for e in explained {
            out.link(&id, &e.id);
        }
    }
}
