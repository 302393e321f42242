//! `trunk_outage`: trunks and gateways out of service, and the calls that
//! failed because of them.
//!
//! Trunk state alarms (SIPTrunkOOS / PartiallyISV / ISV, MGCP gateway lost /
//! gained, H.323 and D-channel stopped / started) become outages per trunk,
//! with each unavailable peer's reason decoded (Local=3 is a DNS failure).
//! Route list, hunt list and resource exhaustion alarms close together are
//! one group of failed calls: an impact. A trunk fully out of service while
//! calls failed through a route list — its member when the bundle's
//! configuration lists the members, by time alone otherwise — is their root
//! cause. A trunk outage that explains no failed call is an impact of its
//! own when it lasted (or never came back); a short one that came back is a
//! coincidence when another impact is under way, else advice.

use super::common::secs;
use crate::data::{CallFailureData, Code, Data, PeerReason, TrunkData};
use crate::engine::{Context, Declaration, Emit, Input, Output, Rule};
use crate::finding::{Finding, FindingKind};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use uctriage_core::jiff::Timestamp;
use uctriage_core::{Event, Evidence, Kind};
use uctriage_knowledge::{Knowledge, KnowledgeError, RuleSpec};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// Failed-call alarms closer together than this are one group.
    calls_gap_s: i64,
    /// A trunk outage that began up to this long before the failed calls
    /// (and had not ended before them) can explain them.
    explain_before_s: i64,
    /// States that mean the trunk carries no call at all.
    down_states: Vec<String>,
    /// States that mean it is back.
    up_states: Vec<String>,
    /// Columns of configuration rows (`run sql`) naming a route list ...
    route_list_columns: Vec<String>,
    /// ... and one of its members (trunk, gateway, route group device).
    member_columns: Vec<String>,
    /// An unexplained outage at least this long (or never back) is an impact.
    impact_min_s: i64,
    /// The reason code (`Local=3`) that means DNS failed for a peer.
    dns_reason: String,
    /// Peer port that means SIP over TLS.
    tls_port: String,
    /// Impacts of these classes under way make a short outage a coincidence.
    concurrent_impacts: Vec<String>,
    /// Formats whose failed calls another rule reports (the contact-centre
    /// logs: a CVP or UCCX call dropped in a failover is not a route list
    /// exhausted).
    skip_formats: Vec<String>,
    /// Confidence weights.
    confidence: Weights,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Weights {
    calls: f64,
    member: f64,
    by_time: f64,
    impact: f64,
    coincidence: f64,
    advisory: f64,
}

struct Trunks {
    p: Params,
    sources: Vec<String>,
}

/// Build the rule from its spec.
pub(crate) fn build(spec: &RuleSpec, _kb: &Knowledge) -> Result<Box<dyn Rule>, KnowledgeError> {
    Ok(Box::new(Trunks {
        p: spec.params_as()?,
        sources: spec.sources.clone(),
    }))
}

/// One outage of one trunk.
struct Outage<'e> {
    trunk: String,
    trunk_type: String,
    node: String,
    /// Nodes that reported it out, and those still out.
    nodes: BTreeSet<String>,
    out: BTreeSet<String>,
    state: String,
    start: Timestamp,
    back_at: Option<Timestamp>,
    events: Vec<&'e Event>,
}

/// One group of failed calls.
struct Failed<'e> {
    target_kind: String,
    target: String,
    cause: String,
    events: Vec<&'e Event>,
}

impl Rule for Trunks {
    fn declare(&self) -> Declaration {
        Declaration {
            events: vec![Kind::TrunkState, Kind::CallFailure, Kind::Config],
            consumes: self
                .p
                .concurrent_impacts
                .iter()
                .map(|c| Input::Class(c.clone()))
                .collect(),
            produces: vec![
                Output::Class("calls-failed".into(), FindingKind::Impact),
                Output::Class("trunk-outage".into(), FindingKind::RootCause),
                Output::Class("trunk-outage".into(), FindingKind::Impact),
                Output::Class("trunk-outage".into(), FindingKind::Coincidental),
                Output::Class("trunk-outage".into(), FindingKind::Advisory),
                Output::Tag("trunk-out-of-service".into()),
                Output::Tag("gateway-lost".into()),
                Output::Tag("dns-failure".into()),
            ],
        }
    }

    fn run(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        let outages = self.outages(cx);
        let failed = self.failed_calls(cx);
        if outages.is_empty() && failed.is_empty() {
            return;
        }
        let members = self.members(cx);
        // Impacts under way: the classes the rule names, and its own failed calls.
        let other_impacts = cx.of_kind(FindingKind::Impact).count() + failed.len();
        // Failed calls first: each links to the outages that explain it.
        let mut explains: BTreeMap<usize, Vec<(String, String)>> = BTreeMap::new();
        let mut exact_links: BTreeSet<usize> = BTreeSet::new();
        for f in &failed {
            let known = members.get(&f.target);
            let first = f.events[0].time.expect("timed");
            let last = f.events.last().expect("non-empty").time.expect("timed");
            let id = out.push(self.calls_finding(cx, f, known));
            for (i, o) in outages.iter().enumerate() {
                let down = self
                    .p
                    .down_states
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(&o.state));
                let in_time = secs(first, o.start) <= self.p.explain_before_s
                    && o.start <= last
                    && o.back_at.is_none_or(|b| b >= first);
                let member = known.map(|m| m.contains(&o.trunk));
                if down && in_time && member != Some(false) {
                    explains
                        .entry(i)
                        .or_default()
                        .push((id.clone(), format!("{} {}", f.target_kind, f.target)));
                    if member == Some(true) {
                        exact_links.insert(i);
                    }
                }
            }
        }
        for (i, o) in outages.iter().enumerate() {
            let explained = explains.remove(&i).unwrap_or_default();
            let lasted = o
                .back_at
                .is_none_or(|b| secs(b, o.start) >= self.p.impact_min_s);
            let w = &self.p.confidence;
            let (kind, confidence) = if !explained.is_empty() {
                let c = if exact_links.contains(&i) {
                    w.member
                } else {
                    w.by_time
                };
                (FindingKind::RootCause, c)
            } else if lasted {
                (FindingKind::Impact, w.impact)
            } else if other_impacts > 0 {
                (FindingKind::Coincidental, w.coincidence)
            } else {
                (FindingKind::Advisory, w.advisory)
            };
            let mut f = self.trunk_finding(cx, o, &explained, kind);
            f.confidence = confidence;
            let id = out.push(f);
            for (effect, _) in &explained {
                out.link(&id, effect);
            }
        }
    }
}

impl Trunks {
    fn is_up(&self, state: &str) -> bool {
        self.p
            .up_states
            .iter()
            .any(|s| s.eq_ignore_ascii_case(state))
    }

    /// Outages per trunk, from its state alarms in time order (all nodes
    /// that run it together).
    fn outages<'e>(&self, cx: &Context<'e>) -> Vec<Outage<'e>> {
        let mut by_trunk: BTreeMap<String, Vec<&'e Event>> = BTreeMap::new();
        for e in cx.events.of(Kind::TrunkState).filter(|e| e.time.is_some()) {
            if let Some(t) = e.fields.get("trunk") {
                by_trunk.entry(t.to_string()).or_default().push(e);
            }
        }
        let rank = |s: &str| {
            if self.p.down_states.iter().any(|d| d.eq_ignore_ascii_case(s)) {
                2
            } else {
                1
            }
        };
        let mut out = Vec::new();
        for (trunk, mut evs) in by_trunk {
            evs.sort_by_key(|e| e.time);
            // One outage lasts until every node that reported it out says
            // it is back.
            let mut open: Option<Outage> = None;
            for e in evs {
                let state = e.fields.get("state").unwrap_or("");
                let t = e.time.expect("timed");
                let node = e
                    .host
                    .as_deref()
                    .map(|h| cx.hosts.resolve(h))
                    .unwrap_or_default();
                if self.is_up(state) {
                    if let Some(o) = open.as_mut() {
                        o.out.remove(&node);
                        o.events.push(e);
                        if o.out.is_empty() {
                            let mut o = open.take().expect("open");
                            o.back_at = Some(t);
                            out.push(o);
                        }
                    }
                    continue;
                }
                match open.as_mut() {
                    Some(o) => {
                        if rank(state) > rank(&o.state) {
                            o.state = state.to_string();
                        }
                        o.nodes.insert(node.clone());
                        o.out.insert(node);
                        o.events.push(e);
                    }
                    None => {
                        open = Some(Outage {
                            trunk: trunk.clone(),
                            trunk_type: e.fields.get("trunk_type").unwrap_or("").to_string(),
                            node: node.clone(),
                            nodes: BTreeSet::from([node.clone()]),
                            out: BTreeSet::from([node]),
                            state: state.to_string(),
                            start: t,
                            back_at: None,
                            events: vec![e],
                        })
                    }
                }
            }
            out.extend(open);
        }
        out.sort_by_key(|o| o.start);
        out
    }

    /// Failed-call alarms grouped by what was exhausted and by time.
    fn failed_calls<'e>(&self, cx: &Context<'e>) -> Vec<Failed<'e>> {
        let mut by: BTreeMap<(String, String, String), Vec<&'e Event>> = BTreeMap::new();
        let ours =
            |e: &&Event| e.time.is_some() && !self.p.skip_formats.iter().any(|f| f == e.format);
        for e in cx.events.of(Kind::CallFailure).filter(ours) {
            let category = e.fields.get("category").unwrap_or("calls");
            let target = ["route_list", "hunt_list", "device", "media_resource_list"]
                .iter()
                .find_map(|k| e.fields.get(k))
                .unwrap_or("");
            let cause = e.fields.get("cause").unwrap_or("").to_string();
            by.entry((category.to_string(), target.to_string(), cause))
                .or_default()
                .push(e);
        }
        let mut out = Vec::new();
        for ((category, target, cause), mut evs) in by {
            evs.sort_by_key(|e| e.time);
            let mut run: Vec<&Event> = Vec::new();
            for e in evs {
                let gap = run.last().is_some_and(|l| {
                    secs(e.time.expect("timed"), l.time.expect("timed")) > self.p.calls_gap_s
                });
                if gap {
                    out.push(Failed {
                        target_kind: category.replace('_', " "),
                        target: target.clone(),
                        cause: cause.clone(),
                        events: std::mem::take(&mut run),
                    });
                }
                run.push(e);
            }
            if !run.is_empty() {
                out.push(Failed {
                    target_kind: category.replace('_', " "),
                    target,
                    cause,
                    events: run,
                });
            }
        }
        out.sort_by_key(|f| f.events[0].time);
        out
    }

    /// Route list → members, from configuration rows that name both.
    fn members(&self, cx: &Context<'_>) -> BTreeMap<String, BTreeSet<String>> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let pick = |e: &Event, cols: &[String]| -> Option<String> {
            cols.iter()
                .find_map(|c| e.fields.get(c))
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        for e in cx.events.of(Kind::Config) {
            if let (Some(rl), Some(m)) = (
                pick(e, &self.p.route_list_columns),
                pick(e, &self.p.member_columns),
            ) {
                out.entry(rl).or_default().insert(m);
            }
        }
        out
    }

    fn calls_finding(
        &self,
        cx: &Context<'_>,
        f: &Failed<'_>,
        members: Option<&BTreeSet<String>>,
    ) -> Finding {
        let first = f.events[0].time.expect("timed");
        let last = f.events.last().expect("non-empty").time.expect("timed");
        let nodes: BTreeSet<String> = f
            .events
            .iter()
            .filter_map(|e| e.host.as_deref().map(|h| cx.hosts.resolve(h)))
            .collect();
        let names: BTreeSet<String> = f
            .events
            .iter()
            .filter_map(|e| e.fields.get("alarm"))
            .map(str::to_string)
            .collect();
        let data = CallFailureData {
            target: if f.target.is_empty() {
                f.target_kind.clone()
            } else {
                format!("{} {}", f.target_kind, f.target)
            },
            cause: f.cause.clone(),
            names: names.into_iter().collect(),
            count: f.events.len(),
            nodes: nodes.iter().cloned().collect(),
            first,
            last,
            members: members
                .map(|m| m.iter().cloned().collect())
                .unwrap_or_default(),
        };
        let mut fd = Finding::new(
            FindingKind::Impact,
            "calls-failed",
            Data::CallFailures(data),
        );
        fd.start = Some(first);
        fd.end = Some(last);
        fd.confidence = self.p.confidence.calls;
        Finding::add(&mut fd.hosts, nodes);
        if !f.target.is_empty() {
            Finding::add(&mut fd.devices, [f.target.clone()]);
        }
        for e in f.events.iter().take(10) {
            fd.cite(&e.evidence);
        }
        cx.cite_sources(&mut fd, &self.sources);
        fd
    }

    fn trunk_finding(
        &self,
        cx: &Context<'_>,
        o: &Outage<'_>,
        explained: &[(String, String)],
        kind: FindingKind,
    ) -> Finding {
        let mut peers: Vec<PeerReason> = Vec::new();
        let mut evidence: Vec<Evidence> = Vec::new();
        for e in &o.events {
            if evidence.len() < 12 {
                evidence.push(e.evidence.clone());
            }
            let alarm = e.fields.get("alarm");
            let Some(list) = e.fields.get("UnavailableRemotePeersWithReasonCode") else {
                continue;
            };
            for (peer, port, reasons) in split_peers(list) {
                if peers.iter().any(|p| p.peer == peer) {
                    continue;
                }
                let reasons = reasons
                    .iter()
                    .map(|r| {
                        let (side, code) = r.split_once('=').unwrap_or((r, ""));
                        let field = format!("reason_{}", side.to_ascii_lowercase());
                        let d = cx.kb.decode_full(alarm, "trunk_state", &field, code);
                        Code {
                            code: r.to_string(),
                            name: d.as_ref().map_or(String::new(), |d| d.name.to_string()),
                            confirmed: d.as_ref().is_none_or(|d| d.confirmed),
                            count: 1,
                        }
                    })
                    .collect();
                peers.push(PeerReason {
                    peer,
                    port,
                    reasons,
                });
            }
        }
        let dns = peers.iter().any(|p| {
            p.reasons
                .iter()
                .any(|r| r.code.eq_ignore_ascii_case(&self.p.dns_reason))
        });
        let tls = peers
            .iter()
            .any(|p| p.port.as_deref() == Some(self.p.tls_port.as_str()));
        let data = TrunkData {
            trunk: o.trunk.clone(),
            trunk_type: o.trunk_type.clone(),
            nodes: std::iter::once(o.node.clone())
                .chain(o.nodes.iter().filter(|n| **n != o.node).cloned())
                .collect(),
            state: o.state.clone(),
            peers,
            start: o.start,
            back_at: o.back_at,
            tls,
            failed_calls: explained.iter().map(|(_, w)| w.clone()).collect(),
        };
        let mut f = Finding::new(kind, "trunk-outage", Data::Trunk(data));
        f.tag(if o.trunk_type == "mgcp" {
            "gateway-lost"
        } else {
            "trunk-out-of-service"
        });
        if dns {
            f.tag("dns-failure");
        }
        f.start = Some(o.start);
        f.end = o.back_at;
        Finding::add(&mut f.hosts, o.nodes.iter().cloned());
        Finding::add(&mut f.devices, [o.trunk.clone()]);
        for e in &evidence {
            f.cite(e);
        }
        cx.cite_sources(&mut f, &self.sources);
        f
    }
}

/// The unavailable peers of a SIP trunk alarm: entries separated by `;`,
/// each `host,ip,port,Type=Code[,...]` (the punctuation inside an entry is
/// guessed: the catalog only says entries end in `ReasonCodeType=ReasonCode`).
/// Returns (peer without its reasons, port, reasons).
fn split_peers(list: &str) -> Vec<(String, Option<String>, Vec<&str>)> {
    list.split(';')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|entry| {
            let parts: Vec<&str> = entry.split(',').map(str::trim).collect();
            let (addr, reasons): (Vec<&str>, Vec<&str>) =
                parts.iter().partition(|p| !p.contains('='));
            (addr.join(","), addr.get(2).map(|p| p.to_string()), reasons)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::split_peers;

    #[test]
    fn peers_keep_their_port_and_reasons() {
        let p = split_peers(
            "sbc1.example.net,192.0.2.10,5061,Local=2; sbc2.example.net,0.0.0.0,5060,Local=3;;",
        );
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].0, "sbc1.example.net,192.0.2.10,5061");
        assert_eq!(p[0].1.as_deref(), Some("5061"));
        assert_eq!(p[1].2, vec!["Local=3"]);
        assert!(split_peers("").is_empty());
    }
}
