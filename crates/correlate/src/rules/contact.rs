//! `contact_centre_failover`: a UCCE PG, Finesse or UCCX failover, who lost
//! service in it (agents logged out, Finesse out of service, calls dropped)
//! and what caused it.
//!
//! Failover, agent-state and call-failure events of the contact-centre
//! formats close together are one episode; an episode needs a failover
//! (a side or peripheral going down, Finesse losing its CTI server, the UCCX
//! mastership moving), so everyday logouts and failed calls are no outage.
//! Its cause, in order: a service core on the node the PG's JTAPI gateway
//! names as its provider, or near it in time (the `contact_centre_cause`
//! rule then links the crash finding to it); else the PG side losing its link (a `network_components`
//! event before the side went down), reported as a root cause of its own;
//! else none, and the finding says so. Words of a requested shutdown before
//! it make it planned: advice, not an incident.

use super::common::secs;
use crate::data::{
    CcCause, ContactCentreData, Data, FinesseChange, NodeCount, PgChange, PgNetworkData,
};
use crate::engine::{Context, Declaration, Emit, Input, Output, Rule};
use crate::finding::{Finding, FindingKind};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
use uctriage_core::jiff::Timestamp;
use uctriage_core::{Event, Kind};
use uctriage_knowledge::{Knowledge, KnowledgeError, RuleSpec};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// Events further apart than this are separate episodes.
    gap_s: i64,
    /// Formats whose events this rule reads.
    formats: Vec<String>,
    /// Failover states that mean something went down.
    down_states: Vec<String>,
    /// Failover states that mean a side or connection took over.
    up_states: Vec<String>,
    /// Component states on a PG side that mean it lost its network.
    network: Vec<NetworkSign>,
    /// Of the cores of a crash, the process named first (main services).
    core_processes: Vec<String>,
    /// A cause up to this long before the first failover event ...
    cause_before_s: i64,
    /// ... or this long after it explains it.
    cause_after_s: i64,
    /// Words (case-insensitive) of a requested, planned failover.
    planned_words: Vec<String>,
    /// How long before the failover such words count.
    planned_before_s: i64,
    /// The label CVP sends calls to on error.
    error_label: String,
    /// Impacts of other rules (an application's service loss, Finesse out
    /// of service) that a network cause found here explains too, when on the
    /// episode's hosts and within it.
    explains_losses: Vec<String>,
    /// A burst of logouts with no failover line is an impact of its own
    /// when at least this many agents log out on one host ...
    burst_min_agents: usize,
    /// ... within this many seconds (a shift change spreads them over minutes).
    burst_s: i64,
    /// What a format's logouts are logged out of (`ccbu-log` = `Finesse`).
    products: BTreeMap<String, String>,
    /// Confidence weights.
    confidence: Weights,
}

/// A component state that means a PG side lost a network.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NetworkSign {
    component: String,
    state: String,
    /// Which network, in a few words.
    what: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Weights {
    impact: f64,
    network: f64,
    planned: f64,
    burst: f64,
}

struct ContactCentre {
    p: Params,
    sources: Vec<String>,
}

/// Build the rule from its spec.
pub(crate) fn build(spec: &RuleSpec, _kb: &Knowledge) -> Result<Box<dyn Rule>, KnowledgeError> {
    Ok(Box::new(ContactCentre {
        p: spec.params_as()?,
        sources: spec.sources.clone(),
    }))
}

fn has(list: &[String], v: &str) -> bool {
    list.iter().any(|x| x.eq_ignore_ascii_case(v))
}

/// `PG2A` → (`PG2`, `A`).
fn pg_and_side(token: &str) -> (String, Option<String>) {
    match token.chars().last() {
        Some(c @ ('A' | 'B' | 'a' | 'b')) if token.len() > 1 => (
            token[..token.len() - 1].to_string(),
            Some(c.to_ascii_uppercase().to_string()),
        ),
        _ => (token.to_string(), None),
    }
}

impl Rule for ContactCentre {
    fn declare(&self) -> Declaration {
        Declaration {
            events: vec![
                Kind::Failover,
                Kind::AgentState,
                Kind::CallFailure,
                Kind::ServiceState,
                Kind::ServiceCore,
                Kind::Backtrace,
            ],
            // Cores are read directly: crash findings come after the metric
            // episodes, which read every impact (this one too).
            consumes: self
                .p
                .explains_losses
                .iter()
                .map(|c| Input::Class(c.clone()))
                .collect(),
            produces: vec![
                Output::Class("pg-failover".into(), FindingKind::Impact),
                Output::Class("uccx-engine-failover".into(), FindingKind::Impact),
                Output::Class("finesse-cti-failover".into(), FindingKind::Impact),
                Output::Class("planned-failover".into(), FindingKind::Advisory),
                Output::Class("pg-network-loss".into(), FindingKind::RootCause),
                Output::Class("agents-logged-out".into(), FindingKind::Impact),
                Output::Tag("agents-logged-out".into()),
                Output::Tag("finesse-cti-failover".into()),
                Output::Tag("cvp-error-calls".into()),
                Output::Tag("calls-dropped".into()),
            ],
        }
    }

    fn run(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        for ep in self.episodes(cx) {
            self.report(cx, out, &ep);
        }
    }
}

impl ContactCentre {
    fn ours(&self, e: &Event) -> bool {
        e.time.is_some() && self.p.formats.iter().any(|f| f == e.format)
    }

    /// The event's host, or for a file no host was attributed to, words that
    /// point at the file (never an empty name in a title).
    fn host(cx: &Context<'_>, e: &Event) -> String {
        e.host
            .as_deref()
            .map(|h| cx.hosts.resolve(h))
            .unwrap_or_else(|| format!("(no host: {})", e.evidence.file))
    }

    /// A failover event that says something went down (a network loss is
    /// a cause, not the failover itself).
    fn is_trigger(&self, e: &Event) -> bool {
        if self.network_sign(e).is_some() {
            return false;
        }
        match e.kind {
            Kind::Failover => {
                let state = e.fields.get("state").unwrap_or("");
                has(&self.p.down_states, state)
                    || (e.fields.get("component") == Some("uccx_engine")
                        && e.fields.get("role") == Some("master"))
            }
            Kind::ServiceState => {
                e.fields.get("service") == Some("Cisco Finesse")
                    && e.fields.get("state") == Some("out of service")
            }
            _ => false,
        }
    }

    /// Relevant events, split where they are more than `gap_s` apart; only
    /// the runs holding a failover.
    fn episodes<'e>(&self, cx: &Context<'e>) -> Vec<Vec<&'e Event>> {
        let mut evs: Vec<&Event> = Vec::new();
        for e in cx.events.of(Kind::Failover).filter(|e| self.ours(e)) {
            evs.push(e);
        }
        for e in cx.events.of(Kind::AgentState).filter(|e| self.ours(e)) {
            if e.fields.get("state") == Some("logout") {
                evs.push(e);
            }
        }
        for e in cx.events.of(Kind::CallFailure).filter(|e| self.ours(e)) {
            evs.push(e);
        }
        for e in cx.events.of(Kind::ServiceState).filter(|e| self.ours(e)) {
            if e.fields.get("service") == Some("Cisco Finesse") {
                evs.push(e);
            }
        }
        evs.sort_by_key(|e| e.time);
        let mut runs: Vec<Vec<&Event>> = Vec::new();
        for e in evs {
            let t = e.time.expect("timed");
            match runs.last_mut() {
                Some(r)
                    if secs(t, r.last().expect("non-empty").time.expect("timed"))
                        <= self.p.gap_s =>
                {
                    r.push(e)
                }
                _ => runs.push(vec![e]),
            }
        }
        runs.retain(|r| r.iter().any(|e| self.is_trigger(e)) || self.burst(r).is_some());
        runs
    }

    /// The first logout of a burst: `burst_min_agents` agents (distinct ids,
    /// or events when they carry none) logged out on one host within
    /// `burst_s`.
    fn burst<'e>(&self, ep: &[&'e Event]) -> Option<&'e Event> {
        let mut by: BTreeMap<Option<&str>, Vec<&Event>> = BTreeMap::new();
        for e in ep.iter().filter(|e| e.kind == Kind::AgentState) {
            by.entry(e.host.as_deref()).or_default().push(e);
        }
        let min = self.p.burst_min_agents.max(1);
        by.values()
            .filter_map(|evs| {
                evs.iter().enumerate().find_map(|(i, start)| {
                    let t0 = start.time?;
                    let mut ids: BTreeSet<&str> = BTreeSet::new();
                    let mut anon = 0;
                    for e in evs[i..]
                        .iter()
                        .take_while(|e| e.time.is_some_and(|t| secs(t, t0) <= self.p.burst_s))
                    {
                        match e.fields.get("agent_id") {
                            Some(id) => {
                                ids.insert(id);
                            }
                            None => anon += 1,
                        }
                    }
                    (ids.len() + anon >= min).then_some(*start)
                })
            })
            .min_by_key(|e| e.time)
    }

    fn report(&self, cx: &Context<'_>, out: &mut Emit<'_>, ep: &[&Event]) {
        let trigger = ep.iter().find(|e| self.is_trigger(e)).copied();
        let burst = if trigger.is_none() {
            self.burst(ep)
        } else {
            None
        };
        let first = trigger
            .or(burst)
            .and_then(|e| e.time)
            .expect("an episode has a trigger or a burst");
        let last = ep.last().and_then(|e| e.time).expect("timed");
        let mut data = ContactCentreData {
            pgs: self.pg_changes(ep),
            finesse: Vec::new(),
            agents_out: 0,
            agents_by: Vec::new(),
            agent_peripherals: Vec::new(),
            calls_dropped: 0,
            call_hosts: Vec::new(),
            error_label_calls: 0,
            uccx_master: Vec::new(),
            planned: self.planned(cx, ep, first),
            cause: None,
            logged_out_of: None,
        };
        let mut hosts: BTreeSet<String> = BTreeSet::new();
        let mut finesse: BTreeMap<String, FinesseChange> = BTreeMap::new();
        let mut agents: BTreeMap<String, (usize, BTreeSet<String>)> = BTreeMap::new();
        let mut call_hosts: BTreeSet<String> = BTreeSet::new();
        let mut peripherals: BTreeSet<String> = BTreeSet::new();
        let mut confirmed = false;
        for e in ep {
            let host = Self::host(cx, e);
            if e.host.is_some() {
                hosts.insert(host.clone());
            }
            let starts = self.is_trigger(e) || (trigger.is_none() && e.kind == Kind::AgentState);
            if starts && e.fields.get("wording") != Some("unconfirmed") {
                confirmed = true;
            }
            match e.kind {
                Kind::Failover if e.fields.get("component") == Some("finesse_cti") => {
                    let f = finesse.entry(host.clone()).or_insert(FinesseChange {
                        host: host.clone(),
                        lost: None,
                        to: None,
                        back_at: None,
                    });
                    let side = e.fields.get("side").map(str::to_string);
                    if has(&self.p.up_states, e.fields.get("state").unwrap_or("")) {
                        f.to = side.or(f.to.take());
                        f.back_at = e.time;
                    } else if f.lost.is_none() {
                        f.lost = side;
                    }
                }
                Kind::ServiceState => {
                    finesse.entry(host.clone()).or_insert(FinesseChange {
                        host: host.clone(),
                        lost: None,
                        to: None,
                        back_at: None,
                    });
                }
                Kind::Failover
                    if e.fields.get("component") == Some("uccx_engine")
                        && e.fields.get("role") == Some("master")
                        && !data.uccx_master.contains(&host) =>
                {
                    data.uccx_master.push(host.clone());
                }
                Kind::AgentState => {
                    let a = agents.entry(host.clone()).or_default();
                    if let Some(n) = e.fields.get("agents").and_then(|n| n.parse().ok()) {
                        a.0 = a.0.max(n);
                    }
                    if let Some(id) = e.fields.get("agent_id") {
                        a.1.insert(id.to_string());
                    }
                    if let Some(p) = e.fields.get("peripheral_id").or(e.fields.get("peripheral")) {
                        peripherals.insert(p.to_string());
                    }
                }
                Kind::CallFailure => {
                    data.calls_dropped += 1;
                    call_hosts.insert(host.clone());
                    if e.fields.get("label") == Some(self.p.error_label.as_str()) {
                        data.error_label_calls += 1;
                    }
                }
                _ => {}
            }
        }
        data.finesse = finesse.into_values().collect();
        data.agents_by = agents
            .into_iter()
            .map(|(node, (n, ids))| NodeCount {
                node,
                count: n.max(ids.len()),
            })
            .filter(|n| n.count > 0)
            .collect();
        data.agents_out = data.agents_by.iter().map(|n| n.count).max().unwrap_or(0);
        data.call_hosts = call_hosts.into_iter().collect();
        data.agent_peripherals = peripherals.into_iter().collect();
        let w = &self.p.confidence;
        let planned = data.planned.is_some();
        if let Some(b) = burst {
            data.logged_out_of = Some(
                self.p
                    .products
                    .get(b.format)
                    .cloned()
                    .unwrap_or_else(|| b.format.to_string()),
            );
        }
        let (class, kind, confidence) = if planned {
            ("planned-failover", FindingKind::Advisory, w.planned)
        } else if burst.is_some() {
            ("agents-logged-out", FindingKind::Impact, w.burst)
        } else if !data.pgs.is_empty() {
            ("pg-failover", FindingKind::Impact, w.impact)
        } else if !data.uccx_master.is_empty() {
            ("uccx-engine-failover", FindingKind::Impact, w.impact)
        } else {
            ("finesse-cti-failover", FindingKind::Impact, w.impact)
        };
        // The cause: a service core, else the PG side's network.
        let mut cause_id: Option<String> = None;
        if !planned {
            if let Some(cause) = self.core_cause(cx, ep, first) {
                data.cause = Some(cause);
            } else if let Some((f, cause)) = self.network_cause(cx, ep, first) {
                data.cause = Some(cause);
                let id = out.push(f);
                for loss in cx.of_kind(FindingKind::Impact) {
                    let on_hosts = loss.hosts.iter().any(|h| hosts.contains(h));
                    let during = loss
                        .start
                        .is_some_and(|s| secs(s, first) >= -self.p.cause_before_s && s <= last);
                    if on_hosts && during {
                        out.link(&id, &loss.id);
                    }
                }
                cause_id = Some(id);
            }
        }
        let mut f = Finding::new(kind, class, Data::ContactCentre(data.clone()));
        f.confidence = confidence;
        f.confirmed = confirmed;
        f.start = Some(first);
        f.end = Some(last).filter(|l| *l > first);
        if data.agents_out > 0 && class != "agents-logged-out" {
            f.tag("agents-logged-out");
        }
        if !data.finesse.is_empty() && class != "finesse-cti-failover" {
            f.tag("finesse-cti-failover");
        }
        if data.calls_dropped > 0 {
            f.tag("calls-dropped");
        }
        if data.error_label_calls > 0 {
            f.tag("cvp-error-calls");
        }
        Finding::add(&mut f.hosts, hosts);
        for e in ep.iter().filter(|e| e.kind != Kind::AgentState).take(20) {
            f.cite(&e.evidence);
        }
        for e in ep.iter().filter(|e| e.kind == Kind::AgentState).take(5) {
            f.cite(&e.evidence);
        }
        cx.cite_sources(&mut f, &self.sources);
        let id = out.push(f);
        if let Some(c) = cause_id {
            out.link(&c, &id);
        }
    }

    /// Per PG: the side that went down first and the side that came up after.
    /// A CTI server writes its CG token (`CG2A`), not the PG's: on a host
    /// that also writes a `PG...` token it counts for that PG.
    fn pg_changes(&self, ep: &[&Event]) -> Vec<PgChange> {
        let is_pg = |t: &str| t.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("pg"));
        let pg_of_host: BTreeMap<Option<&str>, &str> = ep
            .iter()
            .filter_map(|e| {
                let t = e.fields.get("peripheral_gateway")?;
                is_pg(t).then_some((e.host.as_deref(), t))
            })
            .collect();
        let mut by: BTreeMap<String, PgChange> = BTreeMap::new();
        for e in ep.iter().filter(|e| e.kind == Kind::Failover) {
            let Some(token) = e.fields.get("peripheral_gateway") else {
                continue;
            };
            let token = match pg_of_host.get(&e.host.as_deref()) {
                Some(pg) if !is_pg(token) => pg,
                _ => token,
            };
            let component = e.fields.get("component").unwrap_or("");
            if self.network_sign(e).is_some() {
                continue;
            }
            let (pg, side) = pg_and_side(token);
            let side = e.fields.get("side").map(str::to_string).or(side);
            let c = by.entry(pg.clone()).or_insert(PgChange {
                pg,
                from_side: None,
                to_side: None,
                peripherals: Vec::new(),
            });
            let state = e.fields.get("state").unwrap_or("");
            if has(&self.p.down_states, state) {
                if c.from_side.is_none() {
                    c.from_side = side;
                }
                if component == "peripheral" {
                    if let Some(p) = e.fields.get("peripheral") {
                        if !c.peripherals.iter().any(|x| x == p) {
                            c.peripherals.push(p.to_string());
                        }
                    }
                }
            } else if has(&self.p.up_states, state) && side.is_some() && side != c.from_side {
                c.to_side = side;
            }
        }
        by.into_values().collect()
    }

    /// Words of a requested shutdown shortly before the failover.
    fn planned(&self, cx: &Context<'_>, ep: &[&Event], first: Timestamp) -> Option<String> {
        let hosts: BTreeSet<Option<&str>> = ep.iter().map(|e| e.host.as_deref()).collect();
        let from = first
            .checked_sub(uctriage_core::jiff::SignedDuration::from_secs(
                self.p.planned_before_s,
            ))
            .ok()?;
        let mut said = None;
        let ours = |f: &str| self.p.formats.iter().any(|x| x == f);
        cx.events.each_event_of(ours, Some(from), Some(first), |e| {
            if !hosts.contains(&e.host()) {
                return ControlFlow::Continue(());
            }
            let s = e.summary().to_ascii_lowercase();
            said = self
                .p
                .planned_words
                .iter()
                .find(|w| s.contains(&w.to_ascii_lowercase()))
                .cloned();
            match said {
                Some(_) => ControlFlow::Break(()),
                None => ControlFlow::Continue(()),
            }
        });
        said
    }

    /// A service core near the failover, first on a node the PG's JTAPI
    /// gateway named as its provider (the `contact_centre_cause` rule links
    /// it to the crash finding).
    fn core_cause(&self, cx: &Context<'_>, ep: &[&Event], first: Timestamp) -> Option<CcCause> {
        let pg_hosts: BTreeSet<Option<&str>> = ep
            .iter()
            .filter(|e| e.format == "ucce-dumplog" || e.format == "uccx-mivr")
            .map(|e| e.host.as_deref())
            .collect();
        let near = |t: Timestamp| {
            let lead = secs(t, first);
            lead >= -self.p.cause_before_s && lead <= self.p.cause_after_s
        };
        // Providers the PGs' (or UCCX's) JTAPI clients lost around then.
        let providers: BTreeSet<String> = cx
            .events
            .of(Kind::ServiceState)
            .filter(|e| self.ours(e) && pg_hosts.contains(&e.host.as_deref()))
            .filter(|e| e.time.is_some_and(near))
            .filter(|e| e.fields.get("state") != Some("in service"))
            .filter_map(|e| e.fields.get("provider").or(e.fields.get("ctimanager")))
            .map(|p| cx.hosts.resolve(p))
            .collect();
        let best = cx
            .crashes()
            .iter()
            .filter(|c| near(c.time))
            .min_by_key(|c| (!providers.contains(&c.host), secs(c.time, first).abs()))?;
        let core = self
            .p
            .core_processes
            .iter()
            .find_map(|p| {
                best.cores
                    .iter()
                    .find(|c| c.process.eq_ignore_ascii_case(p))
            })
            .unwrap_or(&best.cores[0]);
        let hung = core.signature.as_ref().is_some_and(|s| s.hang);
        Some(CcCause {
            class: "service-core".into(),
            host: best.host.clone(),
            what: format!(
                "{} {}",
                core.process,
                if hung {
                    "hung and was aborted"
                } else {
                    "dumped core"
                }
            ),
            named: providers.contains(&best.host),
            at: Some(best.time),
        })
    }

    /// The network sign an event is, if any.
    fn network_sign(&self, e: &Event) -> Option<&NetworkSign> {
        let component = e.fields.get("component")?;
        let state = e.fields.get("state")?;
        self.p.network.iter().find(|n| {
            n.component.eq_ignore_ascii_case(component) && n.state.eq_ignore_ascii_case(state)
        })
    }

    /// A PG side's link failure before its side went down: a root cause.
    fn network_cause(
        &self,
        cx: &Context<'_>,
        ep: &[&Event],
        first: Timestamp,
    ) -> Option<(Finding, CcCause)> {
        let from = first
            .checked_sub(uctriage_core::jiff::SignedDuration::from_secs(
                self.p.cause_before_s,
            ))
            .ok()?;
        let pg_hosts: BTreeSet<Option<&str>> = ep
            .iter()
            .filter(|e| e.fields.get("peripheral_gateway").is_some())
            .map(|e| e.host.as_deref())
            .collect();
        let lost = cx
            .events
            .of(Kind::Failover)
            .filter(|e| self.ours(e) && pg_hosts.contains(&e.host.as_deref()))
            .filter(|e| {
                e.time.is_some_and(|t| {
                    t >= from
                        && t <= first
                            + uctriage_core::jiff::SignedDuration::from_secs(self.p.cause_after_s)
                })
            })
            .find(|e| self.network_sign(e).is_some())?;
        let sign = self.network_sign(lost).expect("found by its sign");
        let host = Self::host(cx, lost);
        let component = lost.fields.get("component").unwrap_or("").to_string();
        let token = lost
            .fields
            .get("peripheral_gateway")
            .unwrap_or("")
            .to_string();
        let back = cx.events.of(Kind::Failover).find(|e| {
            e.host == lost.host
                && e.fields.get("component") == Some(component.as_str())
                && e.time > lost.time
                && has(&self.p.up_states, e.fields.get("state").unwrap_or(""))
        });
        let data = PgNetworkData {
            host: host.clone(),
            pg: token.clone(),
            component: component.clone(),
            network: sign.what.clone(),
            what: lost.summary.to_string(),
            back_at: back.and_then(|e| e.time),
        };
        let mut f = Finding::new(
            FindingKind::RootCause,
            "pg-network-loss",
            Data::PgNetwork(data),
        );
        f.start = lost.time;
        f.end = back.and_then(|e| e.time);
        f.confidence = self.p.confidence.network;
        f.confirmed = lost.fields.get("wording") != Some("unconfirmed");
        if lost.host.is_some() {
            Finding::add(&mut f.hosts, [host.clone()]);
        }
        f.cite(&lost.evidence);
        if let Some(b) = back {
            f.cite(&b.evidence);
        }
        cx.cite_sources(&mut f, &self.sources);
        Some((
            f,
            CcCause {
                class: "pg-network-loss".into(),
                host,
                what: format!("{token} lost its {}", sign.what),
                named: true,
                at: lost.time,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::pg_and_side;

    #[test]
    fn pg_tokens_split_into_pg_and_side() {
        assert_eq!(pg_and_side("PG2A"), ("PG2".into(), Some("A".into())));
        assert_eq!(pg_and_side("cg1b"), ("cg1".into(), Some("B".into())));
        assert_eq!(pg_and_side("PG7"), ("PG7".into(), None));
        assert_eq!(pg_and_side("A"), ("A".into(), None));
    }
}
