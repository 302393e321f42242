//! `replication_health`: database replication not working, as an impact.
//!
//! The latest replication status check (`utils dbreplication runtimestate`
//! rows) says which nodes are in a broken setup state (code table groups
//! named by the rule); RTMT and catalog replication alerts say since when
//! and about which nodes (alone, when no check was captured). Every node
//! broken while none is down or unreachable is a cluster-wide failure — a
//! node that is down makes the others show broken states too, so then the
//! finding says which node. The finding says what is at risk (the rule's
//! words), whether the rows reflect an old status check, and whether the
//! replication port was connected to every node (not a network fault).

use super::common::secs;
use crate::data::{AlertRun, Data, NodeReplication, ReplicationData};
use crate::engine::{Context, Declaration, Emit, Output, Rule};
use crate::finding::{Finding, FindingKind};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use uctriage_core::jiff::Timestamp;
use uctriage_core::{Event, Kind};
use uctriage_knowledge::{Knowledge, KnowledgeError, RuleSpec};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// Groups of the replication state code table that mean "not replicating".
    broken_groups: Vec<String>,
    /// Groups whose states a node down elsewhere explains.
    explained_by_down: Vec<String>,
    /// Alert and alarm names that report a replication failure.
    alerts: Vec<String>,
    /// Alerts up to this long before the check belong to the same failure.
    alerts_before_s: i64,
    /// A status check that started this long before its rows were printed is stale.
    stale_check_s: i64,
    /// The port replication uses between nodes (`show open ports`).
    port: String,
    /// What is at risk while replication is broken.
    at_risk: String,
    /// What to check next.
    next_checks: Vec<String>,
    /// Confidence with a status check that shows it.
    confidence: f64,
    /// Confidence from alerts alone.
    confidence_alerts_only: f64,
}

struct Replication {
    p: Params,
    sources: Vec<String>,
}

/// Build the rule from its spec.
pub(crate) fn build(spec: &RuleSpec, _kb: &Knowledge) -> Result<Box<dyn Rule>, KnowledgeError> {
    Ok(Box::new(Replication {
        p: spec.params_as()?,
        sources: spec.sources.clone(),
    }))
}

const KINDS: [Kind; 5] = [
    Kind::Replication,
    Kind::RtmtAlert,
    Kind::Alarm,
    Kind::Config,
    Kind::ClusterAuth,
];

impl Rule for Replication {
    fn declare(&self) -> Declaration {
        Declaration {
            events: KINDS.to_vec(),
            consumes: Vec::new(),
            produces: vec![
                Output::Class("replication-failure".into(), FindingKind::Impact),
                Output::Tag("replication-bad".into()),
            ],
        }
    }

    fn run(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        let rows = latest_check(cx);
        let alerts = self.alerts(cx, rows.first().and_then(|e| e.time));
        if rows.is_empty() && alerts.is_empty() {
            return;
        }
        let checked_at = rows.first().and_then(|e| e.time);
        let auth = not_authenticated(cx, checked_at);
        let nodes: Vec<NodeReplication> =
            rows.iter().map(|e| self.node_row(cx, e, &auth)).collect();
        let down: Vec<String> = nodes
            .iter()
            .filter(|n| n.down)
            .map(|n| n.node.clone())
            .collect();
        // A node that is down is its own problem (other rules say why); while
        // one is down the others can show the states it explains.
        let mut broken: Vec<String> = nodes
            .iter()
            .filter(|n| n.broken && !n.down)
            .filter(|n| down.is_empty() || !self.explained_by_down(cx, n))
            .map(|n| n.node.clone())
            .collect();
        if rows.is_empty() {
            for a in &alerts {
                if !broken.contains(&a.node) {
                    broken.push(a.node.clone());
                }
            }
        }
        // A healthy check after alerts: broken until that check.
        let recovered = !rows.is_empty()
            && broken.is_empty()
            && down.is_empty()
            && nodes.iter().all(|n| !n.broken)
            && !alerts.is_empty();
        if recovered {
            broken = alerts.iter().map(|a| a.node.clone()).collect();
            broken.sort();
            broken.dedup();
        }
        if broken.is_empty() {
            return;
        }
        let first_alert = alerts
            .iter()
            .filter(|a| broken.contains(&a.node))
            .map(|a| a.first)
            .min();
        let total = if nodes.is_empty() {
            broken.len()
        } else {
            nodes.len()
        };
        let cluster_wide =
            !recovered && nodes.len() >= 2 && down.is_empty() && nodes.iter().all(|n| n.broken);
        let start = match (first_alert, checked_at) {
            (Some(a), Some(c)) => a.min(c),
            (a, c) => a.or(c).expect("rows or alerts"),
        };
        let view = rows
            .first()
            .and_then(|e| e.fields.get("view_from"))
            .map(|v| cx.hosts.resolve(v));
        let data = ReplicationData {
            stale_check: self.stale_check(cx, view.as_deref(), checked_at),
            port_connected: self.port_connected(cx, view.as_deref(), &rows),
            port: self.p.port.clone(),
            nodes,
            seen_from: view,
            checked_at,
            broken: broken.clone(),
            total,
            cluster_wide,
            down,
            alerts: alerts.clone(),
            at_risk: self.p.at_risk.trim().to_string(),
        };
        let mut f = Finding::new(
            FindingKind::Impact,
            "replication-failure",
            Data::Replication(data),
        );
        f.tag("replication-bad");
        f.start = Some(start);
        f.end = if recovered { checked_at } else { None };
        f.confidence = if rows.is_empty() {
            self.p.confidence_alerts_only
        } else {
            self.p.confidence
        };
        Finding::add(&mut f.hosts, broken);
        for e in &rows {
            f.cite(&e.evidence);
        }
        for e in self.alert_events(cx).iter().filter(|e| {
            alerts
                .iter()
                .any(|a| e.time == Some(a.first) && node_of(cx, e) == a.node)
        }) {
            f.cite(&e.evidence);
        }
        Finding::add(&mut f.next_checks, self.p.next_checks.iter().cloned());
        cx.cite_sources(&mut f, &self.sources);
        out.push(f);
    }
}

/// The node an event is about: the host it names (an RTMT alert's node).
fn node_of(cx: &Context<'_>, e: &Event) -> String {
    e.host
        .as_deref()
        .map(|h| cx.hosts.resolve(h))
        .unwrap_or_default()
}

/// The rows of the latest replication status check: the node rows printed
/// at the latest instant by one node.
fn latest_check<'e>(cx: &Context<'e>) -> Vec<&'e Event> {
    let rows: Vec<&Event> = cx
        .events
        .of(Kind::Replication)
        .filter(|e| e.time.is_some() && e.fields.get("role") == Some("node_row"))
        .collect();
    let Some(last) = rows.iter().filter_map(|e| e.time).max() else {
        return Vec::new();
    };
    let view = rows
        .iter()
        .find(|e| e.time == Some(last))
        .and_then(|e| e.fields.get("view_from"));
    rows.into_iter()
        .filter(|e| e.time == Some(last) && e.fields.get("view_from") == view)
        .collect()
}

/// Nodes `show network cluster` said were not authenticated, at or before
/// the check (the latest state of each node).
fn not_authenticated(cx: &Context<'_>, at: Option<Timestamp>) -> BTreeSet<String> {
    let mut last: BTreeMap<String, (Timestamp, bool)> = BTreeMap::new();
    for e in cx.events.of(Kind::ClusterAuth) {
        let (Some(t), Some(h)) = (e.time, e.host.as_deref()) else {
            continue;
        };
        if at.is_some_and(|a| t > a) {
            continue;
        }
        let not = e
            .fields
            .get("state")
            .is_some_and(|s| s.to_ascii_lowercase().starts_with("not"));
        let node = cx.hosts.resolve(h);
        if last.get(&node).is_none_or(|(lt, _)| *lt <= t) {
            last.insert(node, (t, not));
        }
    }
    last.into_iter()
        .filter(|(_, (_, not))| *not)
        .map(|(n, _)| n)
        .collect()
}

impl Replication {
    fn node_row(&self, cx: &Context<'_>, e: &Event, auth: &BTreeSet<String>) -> NodeReplication {
        let node = e
            .fields
            .get("server")
            .map(|s| cx.hosts.resolve(s))
            .unwrap_or_else(|| node_of(cx, e));
        let state = e
            .fields
            .get("replication_state")
            .map(str::to_string)
            .filter(|s| !s.is_empty());
        let state_name = state
            .as_deref()
            .and_then(|s| cx.kb.decode(None, "replication", "replication_state", s))
            .map(str::to_string);
        let no_ping = e
            .fields
            .get("ping_ms")
            .is_none_or(|p| p.trim().is_empty() || p.trim() == "-");
        let dbmon_down = e
            .fields
            .get("dbmon")
            .is_some_and(|d| d.to_ascii_uppercase().contains('N'));
        // The 8.x layout: RPC? and STATUS columns.
        let rpc_down = e
            .fields
            .get("rpc")
            .is_some_and(|r| r.eq_ignore_ascii_case("no"));
        let off_line = e.fields.get("status").is_some_and(|s| {
            let s = s.to_ascii_lowercase();
            s.contains("off-line") || s.contains("offline") || s.contains("down")
        });
        let down = no_ping || dbmon_down || rpc_down || off_line || auth.contains(&node);
        let broken = match state.as_deref() {
            Some("-") | None => true,
            Some(s) => self.p.broken_groups.iter().any(|g| {
                cx.kb
                    .code_in_group(None, "replication", "replication_state", s, g)
            }),
        };
        NodeReplication {
            node,
            state,
            state_name,
            details: e.fields.get("state_text").unwrap_or("").to_string(),
            queue: e.fields.get("queue").and_then(|q| q.trim().parse().ok()),
            down,
            broken,
        }
    }

    /// A broken state that a node down elsewhere explains (TN 200396: every
    /// node can show state 3 while one is down).
    fn explained_by_down(&self, cx: &Context<'_>, n: &NodeReplication) -> bool {
        n.state.as_deref().is_some_and(|s| {
            self.p.explained_by_down.iter().any(|g| {
                cx.kb
                    .code_in_group(None, "replication", "replication_state", s, g)
            })
        })
    }

    fn alert_events<'e>(&self, cx: &Context<'e>) -> Vec<&'e Event> {
        cx.events
            .of_kinds(&[Kind::Replication, Kind::RtmtAlert, Kind::Alarm])
            .filter(|e| e.time.is_some())
            .filter(|e| {
                let name = e
                    .fields
                    .get("alert")
                    .or_else(|| e.fields.get("alarm"))
                    .unwrap_or("");
                self.p.alerts.iter().any(|a| a.eq_ignore_ascii_case(name))
            })
            .collect()
    }

    /// Replication alerts per (name, node), up to `alerts_before_s` before
    /// the check (all of them without a check).
    fn alerts(&self, cx: &Context<'_>, check: Option<Timestamp>) -> Vec<AlertRun> {
        let mut runs: BTreeMap<(String, String), AlertRun> = BTreeMap::new();
        for e in self.alert_events(cx) {
            let t = e.time.expect("timed");
            if check.is_some_and(|c| secs(c, t) > self.p.alerts_before_s) {
                continue;
            }
            let name = e
                .fields
                .get("alert")
                .or_else(|| e.fields.get("alarm"))
                .unwrap_or("")
                .to_string();
            let node = node_of(cx, e);
            let r = runs
                .entry((node.clone(), name.clone()))
                .or_insert(AlertRun {
                    name,
                    node,
                    count: 0,
                    first: t,
                    last: t,
                });
            r.count += 1;
            r.first = r.first.min(t);
            r.last = r.last.max(t);
        }
        runs.into_values().collect()
    }

    /// When the full status check behind the rows started, if long before them.
    fn stale_check(
        &self,
        cx: &Context<'_>,
        view: Option<&str>,
        at: Option<Timestamp>,
    ) -> Option<Timestamp> {
        let at = at?;
        let started = cx
            .events
            .of(Kind::Replication)
            .filter(|e| e.fields.contains_key("output_file"))
            .filter(|e| {
                view.is_none_or(|v| e.host.as_deref().is_none_or(|h| cx.hosts.resolve(h) == v))
            })
            .filter_map(|e| e.time)
            .filter(|t| *t <= at)
            .max()?;
        (secs(at, started) > self.p.stale_check_s).then_some(started)
    }

    /// Nodes the view node holds an established connection to on the port.
    fn port_connected(&self, cx: &Context<'_>, view: Option<&str>, rows: &[&Event]) -> Vec<String> {
        let Some(view) = view else {
            return Vec::new();
        };
        let by_ip: BTreeMap<&str, String> = rows
            .iter()
            .filter_map(|e| {
                Some((
                    e.fields.get("ip")?,
                    e.fields
                        .get("server")
                        .map(|s| cx.hosts.resolve(s))
                        .unwrap_or_else(|| node_of(cx, e)),
                ))
            })
            .collect();
        let mut out: Vec<String> = cx
            .events
            .of(Kind::Config)
            .filter(|e| e.fields.get("table") == Some("open_ports"))
            .filter(|e| {
                e.host
                    .as_deref()
                    .is_some_and(|h| cx.hosts.resolve(h) == view)
            })
            .filter(|e| e.fields.get("remote_port") == Some(self.p.port.as_str()))
            .filter(|e| {
                e.fields
                    .get("state")
                    .is_some_and(|s| s.eq_ignore_ascii_case("ESTABLISHED"))
            })
            .filter_map(|e| by_ip.get(e.fields.get("remote_host")?).cloned())
            .filter(|n| n != view)
            .collect();
        out.sort();
        out.dedup();
        out
    }
}
