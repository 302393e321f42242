//! `ntp_sync`: a node whose clock is not synchronised, and why — servers
//! answering with another NTP version than CUCM requires (Windows time
//! services answer NTPv3), sources above the highest acceptable stratum,
//! servers `utils ntp server add` refused, `utils diagnose` NTP modules that
//! failed. When the publisher is one of the nodes, the other unsynchronised
//! nodes follow it (they take their time from it) and one finding says so.
//!
//! It explains the findings of the classes the rule names (database
//! replication broken) when it lies on the publisher, or on every node
//! those findings name, within a window of them: a root cause. Otherwise it
//! is advice: a standing risk.

use super::common::secs;
use crate::data::{ClockData, Data, NtpServer, ReplicationData};
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
    /// The NTP version CUCM requires of its servers.
    required_version: String,
    /// Sources above this stratum are too far from a reference clock.
    max_stratum: u32,
    /// Classes of the findings an unsynchronised publisher explains.
    explains: Vec<String>,
    /// ... when seen within this many seconds of them.
    explain_within_s: i64,
    /// Why it explains them (shown with the link).
    why: String,
    /// Platform message states (`ntp_state`) that mean no synchronisation ...
    unsynchronised_states: Vec<String>,
    /// ... and that mean synchronised again.
    synchronised_states: Vec<String>,
    /// What to check next.
    next_checks: Vec<String>,
    /// Confidence weights.
    confidence: Weights,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Weights {
    /// A root cause, to start with.
    base: f64,
    /// The node is the publisher.
    publisher: f64,
    /// Each corroboration: wrong-version answers, refused servers, a
    /// cluster-wide failure with no node down.
    corroborated: f64,
    /// The most a root cause gets.
    max: f64,
    /// Advice (nothing explained).
    advisory: f64,
}

struct Ntp {
    p: Params,
    sources: Vec<String>,
}

/// Build the rule from its spec.
pub(crate) fn build(spec: &RuleSpec, _kb: &Knowledge) -> Result<Box<dyn Rule>, KnowledgeError> {
    Ok(Box::new(Ntp {
        p: spec.params_as()?,
        sources: spec.sources.clone(),
    }))
}

/// What the bundle says about one node's time.
#[derive(Default)]
struct Seen {
    unsynchronised: Option<bool>,
    restarting: bool,
    configured: Vec<String>,
    wrong_version: BTreeMap<String, String>,
    high_stratum: BTreeMap<String, u32>,
    rejected: Vec<(String, String)>,
    diagnose: Vec<(String, String)>,
    messages: Vec<String>,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    last_status: Option<Timestamp>,
    evidence: Vec<Evidence>,
}

impl Seen {
    fn at(&mut self, e: &Event) {
        if let Some(t) = e.time {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
        if self.evidence.len() < 12 {
            self.evidence.push(e.evidence.clone());
        }
    }

    fn troubled(&self) -> bool {
        self.unsynchronised == Some(true)
            || !self.wrong_version.is_empty()
            || !self.high_stratum.is_empty()
    }
}

impl Rule for Ntp {
    fn declare(&self) -> Declaration {
        Declaration {
            events: vec![Kind::Clock, Kind::Config, Kind::Alarm, Kind::ClusterAuth],
            consumes: self
                .p
                .explains
                .iter()
                .map(|c| Input::Class(c.clone()))
                .collect(),
            produces: vec![
                Output::Class("ntp-unsynchronised".into(), FindingKind::RootCause),
                Output::Class("ntp-unsynchronised".into(), FindingKind::Advisory),
                Output::Tag("ntp-server-not-ntpv4".into()),
                Output::Tag("ntp-stratum-high".into()),
                Output::Tag("ntp-server-rejected".into()),
            ],
        }
    }

    fn run(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        let seen = self.observe(cx);
        let troubled: Vec<&String> = seen
            .iter()
            .filter(|(_, s)| s.troubled())
            .map(|(h, _)| h)
            .collect();
        if troubled.is_empty() {
            return;
        }
        let publisher = troubled.iter().find(|h| is_publisher(cx, h)).copied();
        let groups: Vec<(&String, Vec<String>)> = match publisher {
            Some(p) => vec![(
                p,
                troubled
                    .iter()
                    .filter(|h| **h != p && seen[**h].unsynchronised == Some(true))
                    .map(|h| h.to_string())
                    .collect(),
            )],
            None => troubled.iter().map(|h| (*h, Vec::new())).collect(),
        };
        for (host, followers) in groups {
            self.emit(cx, out, host, followers, &seen);
        }
    }
}

/// `show network cluster` called the node the publisher (the host roles it
/// taught, or its rows).
fn is_publisher(cx: &Context<'_>, host: &str) -> bool {
    let publisher =
        |r: &str| r.eq_ignore_ascii_case("publisher") || r.eq_ignore_ascii_case("dbpub");
    cx.hosts
        .hosts()
        .get(host)
        .is_some_and(|h| h.roles.iter().any(|r| publisher(r)))
        || cx.events.of(Kind::ClusterAuth).any(|e| {
            e.host
                .as_deref()
                .is_some_and(|h| cx.hosts.resolve(h) == host)
                && ["role", "db_role"]
                    .iter()
                    .any(|k| e.fields.get(k).is_some_and(publisher))
        })
}

impl Ntp {
    /// Everything the bundle says about each node's time.
    fn observe(&self, cx: &Context<'_>) -> BTreeMap<String, Seen> {
        let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
        for e in cx.events.of(Kind::Clock).filter(|e| e.time.is_some()) {
            let Some(host) = e.host.as_deref().map(|h| cx.hosts.resolve(h)) else {
                continue;
            };
            let f = &e.fields;
            match f.get("role") {
                Some("status") => {
                    let s = seen.entry(host).or_default();
                    let t = e.time.expect("timed");
                    if s.last_status.is_none_or(|l| l <= t) {
                        s.last_status = Some(t);
                        s.unsynchronised = f.get("synchronised").map(|v| v == "no");
                        s.restarting = f.get("restarting") == Some("yes");
                    }
                    s.at(e);
                }
                Some("peer") => {
                    let stratum = f.get("stratum").and_then(|v| v.parse::<u32>().ok());
                    if let (Some(st), Some(server)) = (stratum, f.get("server")) {
                        if st > self.p.max_stratum {
                            let s = seen.entry(host).or_default();
                            s.high_stratum.insert(server.to_string(), st);
                            s.at(e);
                        }
                    }
                }
                Some("packet_capture") if f.get("mode") == Some("server") => {
                    let version = f.get("version").unwrap_or("");
                    if version != self.p.required_version {
                        let client = f.get("client").map_or(host, |c| cx.hosts.resolve(c));
                        let server = f.get("server").unwrap_or("").to_string();
                        let s = seen.entry(client).or_default();
                        s.wrong_version.insert(server, version.to_string());
                        s.at(e);
                    }
                }
                None if f.contains_key("ntp_state") => {
                    // Platform messages (ntpd, ntpdate): the first sign of
                    // the trouble, and whether it cleared.
                    let state = f.get("ntp_state").unwrap_or("");
                    let has = |l: &[String]| l.iter().any(|x| x.eq_ignore_ascii_case(state));
                    let (bad, good) = (
                        has(&self.p.unsynchronised_states),
                        has(&self.p.synchronised_states),
                    );
                    if bad || good {
                        let s = seen.entry(host).or_default();
                        let t = e.time.expect("timed");
                        if s.last_status.is_none_or(|l| l <= t) {
                            s.last_status = Some(t);
                            s.unsynchronised = Some(bad);
                        }
                        if bad {
                            s.messages.push(state.to_string());
                            s.at(e);
                        }
                    }
                }
                Some("server_change") if f.get("accepted") == Some("no") => {
                    let s = seen.entry(host).or_default();
                    s.rejected.push((
                        f.get("server").unwrap_or("").to_string(),
                        f.get("result").unwrap_or("").to_string(),
                    ));
                    s.at(e);
                }
                _ => {}
            }
        }
        for e in cx.events.of(Kind::Config) {
            if e.fields.get("table") != Some("ntp_servers") {
                continue;
            }
            if let (Some(h), Some(server)) = (e.host.as_deref(), e.fields.get("server")) {
                let s = seen.entry(cx.hosts.resolve(h)).or_default();
                if !s.configured.iter().any(|c| c == server) {
                    s.configured.push(server.to_string());
                }
                if s.evidence.len() < 12 {
                    s.evidence.push(e.evidence.clone());
                }
            }
        }
        for e in cx.events.of(Kind::Alarm).filter(|e| e.time.is_some()) {
            let module = e.fields.get("module").unwrap_or("");
            if e.fields.get("condition") != Some("diagnose_test")
                || !module.to_ascii_lowercase().starts_with("ntp")
            {
                continue;
            }
            if let Some(h) = e.host.as_deref() {
                let s = seen.entry(cx.hosts.resolve(h)).or_default();
                s.diagnose.push((
                    module.to_string(),
                    e.fields.get("result").unwrap_or("").to_string(),
                ));
                s.at(e);
            }
        }
        seen
    }

    fn emit(
        &self,
        cx: &Context<'_>,
        out: &mut Emit<'_>,
        host: &str,
        followers: Vec<String>,
        seen: &BTreeMap<String, Seen>,
    ) {
        let s = &seen[host];
        let (Some(first), Some(last)) = (s.first, s.last) else {
            return;
        };
        let publisher = is_publisher(cx, host);
        let involved: BTreeSet<&str> = std::iter::once(host)
            .chain(followers.iter().map(String::as_str))
            .collect();
        let w = &self.p.confidence;
        let mut explained: Vec<(&Finding, bool)> = Vec::new();
        for f in cx.findings() {
            let near = f.start.is_some_and(|st| {
                let end = f.end.unwrap_or(last.max(st));
                secs(st, last) <= self.p.explain_within_s
                    && secs(first, end) <= self.p.explain_within_s
            });
            let on_it = publisher
                || (!f.hosts.is_empty() && f.hosts.iter().all(|h| involved.contains(h.as_str())));
            if near && on_it {
                let cluster_wide = matches!(
                    &f.data,
                    Data::Replication(ReplicationData {
                        cluster_wide: true,
                        ..
                    })
                );
                explained.push((f, cluster_wide));
            }
        }
        let wrong_version: Vec<NtpServer> = s
            .wrong_version
            .iter()
            .map(|(server, v)| NtpServer {
                server: server.clone(),
                version: Some(v.clone()),
                stratum: None,
            })
            .collect();
        let high_stratum: Vec<NtpServer> = s
            .high_stratum
            .iter()
            .map(|(server, st)| NtpServer {
                server: server.clone(),
                version: None,
                stratum: Some(*st),
            })
            .collect();
        let data = ClockData {
            host: host.to_string(),
            publisher,
            followers: followers.clone(),
            unsynchronised: s.unsynchronised == Some(true),
            restarting: s.restarting,
            status_at: s.last_status,
            configured: s.configured.clone(),
            wrong_version,
            required_version: self.p.required_version.clone(),
            high_stratum,
            max_stratum: self.p.max_stratum,
            rejected: s.rejected.clone(),
            diagnose: s.diagnose.clone(),
            messages: {
                let mut m = s.messages.clone();
                m.dedup();
                m
            },
            first,
            last,
            explains: explained
                .iter()
                .map(|(f, _)| {
                    cx.kb
                        .class(&f.class)
                        .map_or(f.class.clone(), |c| c.label.clone())
                })
                .collect(),
            why: if explained.is_empty() {
                String::new()
            } else {
                self.p.why.trim().to_string()
            },
        };
        let kind = if explained.is_empty() {
            FindingKind::Advisory
        } else {
            FindingKind::RootCause
        };
        let mut f = Finding::new(kind, "ntp-unsynchronised", Data::Clock(data));
        if !s.wrong_version.is_empty() {
            f.tag("ntp-server-not-ntpv4");
        }
        if !s.high_stratum.is_empty() {
            f.tag("ntp-stratum-high");
        }
        if !s.rejected.is_empty() {
            f.tag("ntp-server-rejected");
        }
        let corroborations = usize::from(!s.wrong_version.is_empty())
            + usize::from(!s.rejected.is_empty())
            + usize::from(explained.iter().any(|(_, cw)| *cw));
        f.confidence = if explained.is_empty() {
            w.advisory
        } else {
            (w.base
                + if publisher { w.publisher } else { 0.0 }
                + w.corroborated * corroborations as f64)
                .min(w.max)
        };
        f.start = Some(first);
        f.end = Some(last);
        Finding::add(&mut f.hosts, involved.iter().map(|h| h.to_string()));
        for ev in &s.evidence {
            f.cite(ev);
        }
        for fl in &followers {
            if let Some(ev) = seen.get(fl).and_then(|x| x.evidence.first()) {
                f.cite(ev);
            }
        }
        Finding::add(&mut f.next_checks, self.p.next_checks.iter().cloned());
        cx.cite_sources(&mut f, &self.sources);
        let id = out.push(f);
        for (e, _) in &explained {
            out.link(&id, &e.id);
        }
    }
}
