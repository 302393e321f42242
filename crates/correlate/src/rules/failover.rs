//! `node_failover`: devices re-registering on the backup node of their
//! CallManager group while their primary is silent — a node that hung
//! cannot log its own phones leaving, so their arrival on the backup is the
//! only trace of the loss.
//!
//! A burst of at least `min_devices` registrations on a node that is not
//! the devices' primary but is later in their group (topology: device pool
//! → CallManager group) is a failover: an impact of the primary. Devices
//! already in an impact the `impact` rule built from their unregistrations
//! are left to it. The primary is called silent when it logged nothing the
//! rule reads from `silent_before_s` before the burst to its end. Devices
//! registering on the primary again later, and the backup's unregistrations
//! with a reason of the recovery groups (FallbackInitiated), are the
//! fallback: recovery, never a cause — they end nothing and start nothing.

use super::common::{device_types, secs, PrintedTypes};
use crate::data::{Code, Data, FailoverData, NodeCount};
use crate::engine::{Context, Declaration, Emit, Input, Output, Rule};
use crate::events::Record;
use crate::finding::{Finding, FindingKind};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use uctriage_core::jiff::Timestamp;
use uctriage_core::{EntityKind, Evidence, Kind, KindSet};
use uctriage_knowledge::{Knowledge, KnowledgeError, RuleSpec};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// At least this many devices make a failover.
    min_devices: usize,
    /// Registrations closer than this are one burst.
    gap_s: i64,
    /// The primary must be silent from this long before the burst.
    silent_before_s: i64,
    /// A registration on the primary this long after is a fallback.
    fallback_within_s: i64,
    /// Unregistration reason groups that mean a fallback (recovery).
    fallback_reason_groups: Vec<String>,
    /// Impact classes whose devices are already explained as lost.
    known_impacts: Vec<String>,
    /// Confidence when the primary was silent, and when it was not.
    confidence_silent: f64,
    confidence: f64,
}

struct Failover {
    p: Params,
    sources: Vec<String>,
}

/// Build the rule from its spec.
pub(crate) fn build(spec: &RuleSpec, _kb: &Knowledge) -> Result<Box<dyn Rule>, KnowledgeError> {
    Ok(Box::new(Failover {
        p: spec.params_as()?,
        sources: spec.sources.clone(),
    }))
}

/// A registration on a backup node.
struct Move {
    device: String,
    primary: String,
    backup: String,
    at: Timestamp,
    evidence: Evidence,
}

const READS: [Kind; 4] = [
    Kind::DeviceRegistered,
    Kind::DeviceUnregistered,
    Kind::Alarm,
    Kind::ServiceState,
];

impl Rule for Failover {
    fn declare(&self) -> Declaration {
        Declaration {
            events: READS.iter().copied().chain([Kind::Config]).collect(),
            consumes: self
                .p
                .known_impacts
                .iter()
                .map(|c| Input::Class(c.clone()))
                .collect(),
            produces: vec![
                Output::Class("node-failover".into(), FindingKind::Impact),
                Output::Tag("failover".into()),
            ],
        }
    }

    fn streams(&self) -> KindSet {
        KindSet::of(&READS)
    }

    fn run(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        let moves = self.moves(cx);
        let mut by_primary: BTreeMap<&str, Vec<&Move>> = BTreeMap::new();
        for m in &moves {
            by_primary.entry(m.primary.as_str()).or_default().push(m);
        }
        if by_primary.is_empty() {
            // The printed types read every registration: not for nothing.
            return;
        }
        let printed = cx.printed_types();
        for (primary, ms) in by_primary {
            let mut burst: Vec<&Move> = Vec::new();
            for m in ms {
                if burst
                    .last()
                    .is_some_and(|l| secs(m.at, l.at) > self.p.gap_s)
                {
                    self.emit(cx, out, primary, &burst, printed);
                    burst.clear();
                }
                burst.push(m);
            }
            self.emit(cx, out, primary, &burst, printed);
        }
    }
}

impl Failover {
    /// Registrations on a backup node, oldest first, minus devices an
    /// impact already holds at that time.
    fn moves(&self, cx: &Context<'_>) -> Vec<Move> {
        let mut out = Vec::new();
        if cx.topo.is_empty() {
            return out; // No device's backup node is known.
        }
        let known: Vec<&Finding> = cx
            .findings()
            .filter(|f| f.kind == FindingKind::Impact)
            .collect();
        let registered = KindSet::of(&[Kind::DeviceRegistered]);
        cx.events.each_record(registered, None, None, |e| {
            let (Some(at), Some(host)) = (e.time(), e.host()) else {
                return;
            };
            let Some(device) = e.entity(EntityKind::Device) else {
                return;
            };
            let Some(reg) = cx.topo.registration(device) else {
                return;
            };
            let nodes: Vec<String> = reg.nodes.iter().map(|n| cx.hosts.resolve(n)).collect();
            let node = cx.hosts.resolve(host);
            if nodes.len() < 2 || nodes[0] == node || !nodes[1..].contains(&node) {
                return;
            }
            let held = known.iter().any(|f| {
                f.devices.iter().any(|d| d == device)
                    && f.start.is_some_and(|s| s <= at)
                    && f.end.is_none_or(|end| secs(at, end) <= self.p.gap_s)
            });
            if held {
                return;
            }
            // A record on disk that does not decode is a failed read (recorded).
            if let Some(evidence) = e.event().map(|e| e.evidence) {
                out.push(Move {
                    device: device.to_string(),
                    primary: nodes[0].clone(),
                    backup: node,
                    at,
                    evidence,
                });
            }
        });
        out
    }

    /// The primary logged nothing the rule reads in `[from, to]`, but did
    /// log something in the bundle.
    fn silent(&self, cx: &Context<'_>, primary: &str, from: Timestamp, to: Timestamp) -> bool {
        let on = |e: &dyn Record| e.host().is_some_and(|h| cx.hosts.resolve(h) == primary);
        let ever = READS.iter().any(|k| cx.events.any(*k, None, None, on));
        ever && !READS
            .iter()
            .any(|k| cx.events.any(*k, Some(from), Some(to), on))
    }

    fn emit(
        &self,
        cx: &Context<'_>,
        out: &mut Emit<'_>,
        primary: &str,
        burst: &[&Move],
        printed: &PrintedTypes,
    ) {
        let devices: BTreeSet<String> = burst.iter().map(|m| m.device.clone()).collect();
        if devices.len() < self.p.min_devices {
            return;
        }
        let start = burst.first().expect("a burst").at;
        let end = burst.last().expect("a burst").at;
        let from = start - uctriage_core::jiff::SignedDuration::from_secs(self.p.silent_before_s);
        let silent = self.silent(cx, primary, from, end);
        let mut backups: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for m in burst {
            backups
                .entry(m.backup.as_str())
                .or_default()
                .insert(m.device.as_str());
        }
        // Fallback: the devices registering on the primary again; the
        // backups' unregistrations with a recovery reason.
        let limit = end + uctriage_core::jiff::SignedDuration::from_secs(self.p.fallback_within_s);
        let mut back: BTreeMap<&str, Timestamp> = BTreeMap::new();
        let mut fallback_events: Vec<Evidence> = Vec::new();
        cx.events
            .each(Kind::DeviceRegistered, Some(end), Some(limit), |e| {
                let here = e
                    .host
                    .as_deref()
                    .is_some_and(|h| cx.hosts.resolve(h) == primary);
                for d in e.entity_ids(EntityKind::Device) {
                    if here && devices.contains(d) {
                        if let Some(t) = e.time {
                            back.entry(devices.get(d).expect("held").as_str())
                                .or_insert(t);
                        }
                        if fallback_events.len() < 4 {
                            fallback_events.push(e.evidence.clone());
                        }
                    }
                }
            });
        let mut codes: BTreeMap<String, (String, bool, usize)> = BTreeMap::new();
        cx.events
            .each(Kind::DeviceUnregistered, Some(end), Some(limit), |e| {
                let on_backup = e
                    .host
                    .as_deref()
                    .is_some_and(|h| backups.contains_key(cx.hosts.resolve(h).as_str()));
                let ours = e
                    .entity_ids(EntityKind::Device)
                    .any(|d| devices.contains(d));
                let Some(reason) = e.fields.get("Reason") else {
                    return;
                };
                let alarm = e.fields.get("alarm");
                let recovery = self.p.fallback_reason_groups.iter().any(|g| {
                    cx.kb
                        .code_in_group(alarm, "device_unregistered", "Reason", reason, g)
                });
                if on_backup && ours && recovery {
                    let d = cx
                        .kb
                        .decode_full(alarm, "device_unregistered", "Reason", reason);
                    let c = codes.entry(reason.to_string()).or_insert((
                        d.as_ref().map_or(String::new(), |d| d.name.to_string()),
                        d.as_ref().is_none_or(|d| d.confirmed),
                        0,
                    ));
                    c.2 += 1;
                    if fallback_events.len() < 8 {
                        fallback_events.push(e.evidence.clone());
                    }
                }
            });
        let fell_back_at = (back.len() == devices.len())
            .then(|| back.values().max().copied())
            .flatten();
        let data = FailoverData {
            primary: primary.to_string(),
            backups: backups
                .iter()
                .map(|(n, d)| NodeCount {
                    node: n.to_string(),
                    count: d.len(),
                })
                .collect(),
            devices: devices.iter().cloned().collect(),
            device_types: device_types(cx.kb, &devices, printed),
            primary_silent: silent,
            fell_back: back.len(),
            fell_back_at,
            fallback_codes: codes
                .into_iter()
                .map(|(code, (name, confirmed, count))| Code {
                    code,
                    name,
                    confirmed,
                    count,
                })
                .collect(),
        };
        let mut f = Finding::new(FindingKind::Impact, "node-failover", Data::Failover(data));
        f.tag("failover");
        f.start = Some(start);
        f.end = Some(end);
        f.confidence = if silent {
            self.p.confidence_silent
        } else {
            self.p.confidence
        };
        Finding::add(&mut f.hosts, [primary.to_string()]);
        Finding::add(&mut f.devices, devices.iter().cloned());
        for m in burst.iter().take(12) {
            f.cite(&m.evidence);
        }
        if let Some(reg) = cx.topo.registration(&burst[0].device) {
            for e in &reg.evidence {
                f.cite(e);
            }
        }
        for e in &fallback_events {
            f.cite(e);
        }
        cx.cite_sources(&mut f, &self.sources);
        out.push(f);
    }
}
