//! `coincidence`: problems on other hosts than the root cause's. They are a
//! coincidence when they began long before the impact, when the host has no
//! path (CallManager group) to the impacted devices, or when nothing in the
//! bundle ties the host to them; otherwise they may have contributed.
//! Housekeeping alarms alone are never contributing unless the host serves
//! the impacted devices and they came within the impact's own window.

use super::common::secs;
use super::crash::episode_info;
use crate::data::{Data, HostTroubleData, ReauthData, Symptom, SymptomKind};
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
    /// Trouble that began this long before the impact is not its cause.
    long_before_s: i64,
    /// Re-authentications up to this long before the impact are reported.
    reauth_lookback_s: i64,
    /// Housekeeping alarms this close before the impact, on a node that serves
    /// its devices, may still have contributed.
    housekeeping_window_s: i64,
    /// RTMT alerts that only count the loss itself (the impact as RTMT sees
    /// it), never a problem of the node they name.
    impact_alerts: Vec<String>,
    /// Alert names (substrings) that mean the CPU was pegged.
    cpu_alerts: Vec<String>,
    /// Replication state groups (code table groups) that mean replication is broken.
    replication_bad_groups: Vec<String>,
    /// Proofs cited per symptom.
    cited_per_symptom: usize,
    /// Alert names a finding of a class reports for the hosts it names.
    reported_by: BTreeMap<String, Vec<String>>,
    /// Impact classes that say their hosts were down or hung (a VM hung on a
    /// faulty server): every symptom of such a host is part of that finding.
    host_down_classes: Vec<String>,
    /// Confidence weights.
    confidence: Weights,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Weights {
    contributing: f64,
    coincidence_base: f64,
    per_reason: f64,
    untied: f64,
    shared_infrastructure: f64,
    reauthentication: f64,
}

struct Coincidence {
    p: Params,
    sources: Vec<String>,
}

/// Build the rule from its spec.
pub(crate) fn build(spec: &RuleSpec, _kb: &Knowledge) -> Result<Box<dyn Rule>, KnowledgeError> {
    Ok(Box::new(Coincidence {
        p: spec.params_as()?,
        sources: spec.sources.clone(),
    }))
}

/// Symptom kinds read, and the remote-end keys that name another host.
const KINDS: [Kind; 6] = [
    Kind::ClusterAuth,
    Kind::SdlLink,
    Kind::Replication,
    Kind::RtmtAlert,
    Kind::Alarm,
    Kind::Ping,
];

impl Rule for Coincidence {
    fn declare(&self) -> Declaration {
        Declaration {
            events: KINDS.to_vec(),
            consumes: vec![
                Input::Kind(FindingKind::Impact),
                Input::Kind(FindingKind::RootCause),
                Input::Episodes,
            ],
            produces: vec![
                Output::Class("host-trouble".into(), FindingKind::Coincidental),
                Output::Class("host-trouble".into(), FindingKind::Contributing),
                Output::Class("reauthentication".into(), FindingKind::Coincidental),
                Output::Tag("node-not-authenticated".into()),
                Output::Tag("sdl-link-down".into()),
                Output::Tag("replication-bad".into()),
                Output::Tag("cpu-pegged".into()),
                Output::Tag("storage-latency".into()),
                Output::Tag("cpu-ready".into()),
                Output::Tag("ping-loss".into()),
                Output::Tag("rtmt-alert".into()),
                Output::Tag("housekeeping".into()),
            ],
        }
    }

    fn run(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        let impacts: Vec<&Finding> = cx.of_kind(FindingKind::Impact).collect();
        let roots: Vec<&Finding> = cx.of_kind(FindingKind::RootCause).collect();
        let Some(t0) = impacts
            .iter()
            .filter_map(|f| f.start)
            .min()
            .or_else(|| roots.iter().filter_map(|f| f.start).min())
        else {
            return;
        };
        let root_hosts: BTreeSet<String> = roots.iter().flat_map(|f| fault_hosts(f)).collect();
        let down_hosts: BTreeSet<&String> = impacts
            .iter()
            .filter(|f| self.p.host_down_classes.iter().any(|c| f.is(c)))
            .flat_map(|f| f.hosts.iter())
            .collect();
        // In CallManager group priority order (primary first), not by name.
        let mut served_by: Vec<String> = Vec::new();
        for node in impacts
            .iter()
            .flat_map(|i| i.devices.iter())
            .filter_map(|d| cx.topo.registration(d))
            .flat_map(|r| r.nodes)
        {
            if !served_by.contains(&node) {
                served_by.push(node);
            }
        }
        // The ESXi hosts the root-cause nodes run on are judged with the root
        // cause (as contributing causes), not as coincidences.
        let root_esx: BTreeSet<String> = root_hosts
            .iter()
            .filter_map(|h| cx.topo.placement(h))
            .map(|p| cx.hosts.resolve(&p.esx))
            .collect();
        let by_subject = self.events_by_subject(cx);
        // A symptom an impact or root cause already reports for that host
        // (its tag on a finding that names the host) is part of that
        // finding, not another host's trouble.
        let covering: Vec<&Finding> = impacts.iter().chain(roots.iter()).copied().collect();
        for host in cx.hosts.hosts().keys() {
            if root_hosts.contains(host) || root_esx.contains(host) || down_hosts.contains(host) {
                continue;
            }
            let covered = |kind: &SymptomKind| {
                let tag = symptom_tags(kind, &self.p.cpu_alerts).first().copied();
                covering
                    .iter()
                    .filter(|f| f.hosts.iter().any(|h| h == host))
                    .any(|f| {
                        tag.is_some_and(|t| f.is(t))
                            || matches!(kind, SymptomKind::Alert { name, .. }
                            if self.p.reported_by.get(&f.class).is_some_and(|names| {
                                names.iter().any(|n| n.eq_ignore_ascii_case(name))
                            }))
                    })
            };
            let events = by_subject.get(host.as_str()).map_or(&[][..], Vec::as_slice);
            let (symptoms, evidence) = self.symptoms(cx, host, events, &covered);
            if symptoms.is_empty() {
                continue;
            }
            let f = self.judge(cx, host, symptoms, evidence, t0, &served_by, &root_hosts);
            out.push(f);
        }
        self.reauthentications(cx, out, t0);
    }
}

/// The hosts a root cause lies on: the crashed node, the node an alarm rule
/// grouped on; not the nodes that merely reported a network outage.
fn fault_hosts(f: &Finding) -> Vec<String> {
    match &f.data {
        Data::Crash(d) => vec![d.host.clone()],
        Data::Network(_) => Vec::new(),
        Data::Clock(d) => vec![d.host.clone()],
        _ => f.hosts.clone(),
    }
}

impl Coincidence {
    /// An alert that only counts the loss itself.
    fn measures_impact(&self, e: &Event) -> bool {
        e.fields.get("alert").is_some_and(|name| {
            self.p
                .impact_alerts
                .iter()
                .any(|a| a.eq_ignore_ascii_case(name))
        })
    }

    /// The timed events by the host they are about: the remote end of a link
    /// or the target of a ping when the event names one, else the event's
    /// own host.
    fn events_by_subject<'e>(&self, cx: &Context<'e>) -> BTreeMap<String, Vec<&'e Event>> {
        const REMOTE_KEYS: [&str; 3] = ["remoteipaddress", "remote_host", "target"];
        let mut out: BTreeMap<String, Vec<&'e Event>> = BTreeMap::new();
        let mut all: Vec<&'e Event> = cx
            .events
            .of_kinds(&KINDS)
            .filter(|e| e.time.is_some())
            .collect();
        all.sort_by_key(|e| e.time);
        for e in all {
            let remote = e
                .fields
                .iter()
                .find(|(k, _)| REMOTE_KEYS.iter().any(|r| k.eq_ignore_ascii_case(r)))
                .map(|(_, v)| cx.hosts.resolve(v));
            let Some(subject) = remote.or_else(|| e.host.as_deref().map(String::from)) else {
                continue;
            };
            out.entry(subject).or_default().push(e);
        }
        out
    }

    /// Everything wrong with `host`, one symptom per kind of trouble, with
    /// the first few proofs of each.
    fn symptoms(
        &self,
        cx: &Context<'_>,
        host: &str,
        events: &[&Event],
        covered: &dyn Fn(&SymptomKind) -> bool,
    ) -> (Vec<Symptom>, Vec<Evidence>) {
        let mut by: BTreeMap<String, (Symptom, Vec<Evidence>)> = BTreeMap::new();
        let cited = self.p.cited_per_symptom;
        let mut note = |key: String, e: &Event, kind: &dyn Fn() -> SymptomKind| {
            let t = e.time.expect("timed");
            let s = by.entry(key).or_insert_with(|| {
                (
                    Symptom {
                        kind: kind(),
                        first: t,
                        last: t,
                    },
                    Vec::new(),
                )
            });
            s.0.first = s.0.first.min(t);
            s.0.last = s.0.last.max(t);
            if s.1.len() < cited {
                s.1.push(e.evidence.clone());
            }
        };
        for &e in events {
            let state = e
                .fields
                .get("state")
                .map(|s| s.to_ascii_lowercase())
                .unwrap_or_default();
            match e.kind {
                Kind::ClusterAuth if state.starts_with("not") => {
                    note("auth".into(), e, &|| SymptomKind::NotAuthenticated {
                        state: e.fields.get("state").unwrap_or("").to_string(),
                    })
                }
                Kind::SdlLink if state.contains("out") => {
                    note("sdl".into(), e, &|| SymptomKind::SdlDown)
                }
                Kind::Replication if replication_bad(cx, &self.p.replication_bad_groups, e) => {
                    note("repl".into(), e, &|| SymptomKind::Replication {
                        status: e
                            .fields
                            .get("status")
                            .filter(|s| !s.is_empty())
                            .map(str::to_string),
                        state: e.fields.get("replication_state").map(str::to_string),
                    })
                }
                Kind::RtmtAlert if !self.measures_impact(e) => {
                    let name = e.fields.get("alert").unwrap_or("").to_string();
                    let housekeeping = cx.kb.alarm(&name).is_some_and(|a| a.housekeeping);
                    note(format!("alert-{name}"), e, &|| SymptomKind::Alert {
                        name: name.clone(),
                        housekeeping,
                    });
                }
                Kind::Alarm => {
                    // Catalog alarms the knowledge calls housekeeping are
                    // reported so a reader knows they were seen; other plain
                    // alarms are left to the rules that know them.
                    let name = e.fields.get("alarm").unwrap_or("").to_string();
                    if cx.kb.alarm(&name).is_some_and(|a| a.housekeeping) {
                        note(format!("alert-{name}"), e, &|| SymptomKind::Alert {
                            name: name.clone(),
                            housekeeping: true,
                        });
                    }
                }
                Kind::Ping if e.fields.get("lost").is_some_and(|l| l == "true") => {
                    note("ping-loss".into(), e, &|| SymptomKind::PingLoss)
                }
                _ => {}
            }
        }
        for ep in cx.episodes().iter().filter(|e| e.host == host) {
            let key = format!("episode-{}", ep.metric);
            by.entry(key).or_insert_with(|| {
                (
                    Symptom {
                        kind: SymptomKind::Episode(episode_info(cx, ep)),
                        first: ep.start,
                        last: ep.end.unwrap_or(ep.peak_at),
                    },
                    ep.evidence.clone(),
                )
            });
        }
        let mut v: Vec<(Symptom, Vec<Evidence>)> = by
            .into_values()
            .filter(|(s, _)| !covered(&s.kind))
            .collect();
        v.sort_by_key(|s| s.0.first);
        let evidence = v
            .iter()
            .flat_map(|(_, ev)| ev.iter().take(cited).cloned())
            .collect();
        (v.into_iter().map(|(s, _)| s).collect(), evidence)
    }

    #[allow(clippy::too_many_arguments)]
    fn judge(
        &self,
        cx: &Context<'_>,
        host: &str,
        symptoms: Vec<Symptom>,
        evidence: Vec<Evidence>,
        t0: Timestamp,
        served_by: &[String],
        root_hosts: &BTreeSet<String>,
    ) -> Finding {
        let p = &self.p;
        let w = &p.confidence;
        let first = symptoms.iter().map(|s| s.first).min().expect("symptoms");
        let last = symptoms.iter().map(|s| s.last).max().expect("symptoms");
        let housekeeping_only = symptoms.iter().all(|s| {
            matches!(
                s.kind,
                SymptomKind::Alert {
                    housekeeping: true,
                    ..
                }
            )
        });
        let serves = served_by.iter().any(|h| h == host);
        let began_before_s = (secs(t0, first) > p.long_before_s).then(|| secs(t0, first));
        let not_serving = if !served_by.is_empty() && !serves {
            served_by.to_vec()
        } else {
            Vec::new()
        };
        let no_topology = served_by.is_empty();
        let housekeeping_untied =
            housekeeping_only && !(serves && secs(t0, first).abs() <= p.housekeeping_window_s);
        let shared_with = root_hosts.iter().find_map(|root| {
            cx.topo
                .shared_infrastructure(host, root)
                .map(|s| (root.clone(), s))
        });
        let reasons = usize::from(began_before_s.is_some()) + usize::from(!not_serving.is_empty());
        let (kind, confidence) = if shared_with.is_some() {
            (FindingKind::Contributing, w.shared_infrastructure)
        } else if reasons > 0 {
            (
                FindingKind::Coincidental,
                w.coincidence_base + w.per_reason * reasons as f64,
            )
        } else if no_topology || housekeeping_untied {
            (FindingKind::Coincidental, w.untied)
        } else {
            (FindingKind::Contributing, w.contributing)
        };
        let tags: Vec<&str> = symptoms
            .iter()
            .flat_map(|s| symptom_tags(&s.kind, &p.cpu_alerts))
            .collect();
        let data = HostTroubleData {
            host: host.to_string(),
            symptoms,
            t0,
            began_before_s,
            not_serving,
            no_topology: no_topology && reasons == 0,
            housekeeping_only,
            shared_with: shared_with.clone(),
        };
        let mut f = Finding::new(kind, "host-trouble", Data::HostTrouble(data));
        for t in tags {
            f.tag(t);
        }
        f.start = Some(first);
        f.end = Some(last);
        f.confidence = confidence;
        Finding::add(&mut f.hosts, [host.to_string()]);
        for e in &evidence {
            f.cite(e);
        }
        if let Some((root, _)) = &shared_with {
            for pl in [cx.topo.placement(host), cx.topo.placement(root)]
                .into_iter()
                .flatten()
            {
                f.cite(&pl.evidence);
            }
        }
        cx.cite_sources(&mut f, &self.sources);
        f
    }

    /// A node that re-authenticated to the cluster hours before the impact.
    fn reauthentications(&self, cx: &Context<'_>, out: &mut Emit<'_>, t0: Timestamp) {
        let mut found = Vec::new();
        for e in cx.events.of(Kind::ClusterAuth) {
            let (Some(t), Some(h)) = (e.time, e.host.as_deref().map(String::from)) else {
                continue;
            };
            let state = e.fields.get("state").unwrap_or("");
            let ago = secs(t0, t);
            if state.starts_with("authenticated")
                && ago > self.p.long_before_s
                && ago <= self.p.reauth_lookback_s
            {
                found.push((h, t, e.evidence.clone()));
            }
        }
        for (h, t, ev) in found {
            let data = ReauthData {
                host: h.clone(),
                at: t,
                before_s: secs(t0, t),
            };
            let mut f = Finding::new(
                FindingKind::Coincidental,
                "reauthentication",
                Data::Reauthentication(data),
            );
            f.start = Some(t);
            f.confidence = self.p.confidence.reauthentication;
            Finding::add(&mut f.hosts, [h]);
            f.cite(&ev);
            cx.cite_sources(&mut f, &self.sources);
            out.push(f);
        }
    }
}

/// The tags a symptom gives its finding, the main one first.
fn symptom_tags(kind: &SymptomKind, cpu_alerts: &[String]) -> Vec<&'static str> {
    match kind {
        SymptomKind::NotAuthenticated { .. } => vec!["node-not-authenticated"],
        SymptomKind::SdlDown => vec!["sdl-link-down"],
        SymptomKind::Replication { .. } => vec!["replication-bad"],
        SymptomKind::PingLoss => vec!["ping-loss"],
        SymptomKind::Alert {
            housekeeping: true, ..
        } => vec!["housekeeping"],
        SymptomKind::Alert { name, .. } => {
            if cpu_alerts.iter().any(|a| name.contains(a.as_str())) {
                vec!["rtmt-alert", "cpu-pegged"]
            } else {
                vec!["rtmt-alert"]
            }
        }
        SymptomKind::Episode(e) => match e.metric.as_str() {
            "cpu_percent" => vec!["cpu-pegged"],
            "disk_latency_ms" | "kernel_latency_ms" => vec!["storage-latency"],
            "cpu_ready_percent" => vec!["cpu-ready"],
            _ => Vec::new(),
        },
    }
}

/// A replication state in one of the rule's bad groups, a state the node
/// could not report (`-`), an off-line or failed status, or a failure alert.
fn replication_bad(cx: &Context<'_>, groups: &[String], e: &Event) -> bool {
    let text = format!(
        "{} {}",
        e.fields.get("state_text").unwrap_or(""),
        e.fields.get("status").unwrap_or("")
    )
    .to_ascii_lowercase();
    let state = e.fields.get("replication_state").unwrap_or("");
    state == "-"
        || groups.iter().any(|g| {
            cx.kb.code_in_group(
                e.fields.get("alarm"),
                "replication",
                "replication_state",
                state,
                g,
            )
        })
        || text.contains("off-line")
        || text.contains("failed")
        || e.fields.contains_key("alert")
}
