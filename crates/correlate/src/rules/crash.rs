//! `crash_root_cause`: a service core on the node the lost devices register
//! to (or, when an application lost its CTIManager, a CTIManager core) is the
//! impact's root cause; CPU, I/O or storage starvation of that node before
//! the core is what caused the cause. Cores in the incident period that no
//! impact points at are still root-cause findings, with less confidence.

use super::common::secs;
use crate::crashes::{Core, Crash};
use crate::data::{
    CoreInfo, CrashData, CrashPath, Data, EpisodeInfo, Hit, HitDetail, ImpactData, ImpactLink,
    RegInfo, SignatureInfo, StarvationData, Starved,
};
use crate::engine::{Context, Declaration, Emit, Input, Output, Rule};
use crate::finding::{Finding, FindingKind};
use crate::metrics::Episode;
use crate::topology::Registration;
use serde::Deserialize;
use std::collections::BTreeSet;
use uctriage_core::jiff::{SignedDuration, Timestamp};
use uctriage_core::{Event, Kind};
use uctriage_knowledge::{Knowledge, KnowledgeError, RuleSpec};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// A core this long before the first loss can explain it ...
    before_s: i64,
    /// ... and one this long after it (a hung service is aborted later).
    after_s: i64,
    /// Cores within this of an impact, or of the latest core when nothing was
    /// lost, are the incident's; older ones are history.
    incident_period_s: i64,
    /// Load evidence is looked for this long before the core.
    load_lookback_s: i64,
    /// `show process load`: CPU idle below this is starvation.
    cpu_idle_below: f64,
    /// `show process load`: I/O wait above this is starvation.
    iowait_above: f64,
    /// Alarm or alert names (substrings) that show CPU starvation.
    starvation_alerts: Vec<String>,
    /// Loss causes that mean the application lost its CTIManager.
    cti_causes: Vec<String>,
    /// Loss causes that mean the application saw a CallManager failure.
    callmanager_causes: Vec<String>,
    /// The CTIManager's process name in core files.
    cti_process: String,
    /// Which core names a crash when several processes dumped together.
    prefer: Vec<String>,
    /// Service state changes this close to the core belong to it.
    restart_within_s: i64,
    /// The next check when the bundle has no load data for the node ({host}).
    no_load_next_check: String,
    /// Confidence weights.
    confidence: Weights,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Weights {
    base: f64,
    unexplained: f64,
    provider_named: f64,
    cti_inferred: f64,
    registration_exact: f64,
    registration_by_name: f64,
    hang_before_core: f64,
    same_second: f64,
    core_first: f64,
    callmanager_failure: f64,
    signature: f64,
    max: f64,
    storage_starvation: f64,
    other_starvation: f64,
}

struct CrashRule {
    p: Params,
    sources: Vec<String>,
}

/// Build the rule from its spec.
pub(crate) fn build(spec: &RuleSpec, _kb: &Knowledge) -> Result<Box<dyn Rule>, KnowledgeError> {
    Ok(Box::new(CrashRule {
        p: spec.params_as()?,
        sources: spec.sources.clone(),
    }))
}

/// An impact as the crash rule reads it.
struct Lost<'f> {
    id: &'f str,
    start: Timestamp,
    devices: &'f [String],
    data: &'f ImpactData,
    evidence: &'f [uctriage_core::Evidence],
}

impl Rule for CrashRule {
    fn declare(&self) -> Declaration {
        Declaration {
            events: vec![
                Kind::ServiceCore,
                Kind::Backtrace,
                Kind::ServiceState,
                Kind::Load,
                Kind::Alarm,
                Kind::RtmtAlert,
            ],
            consumes: vec![
                Input::Class("service-loss".into()),
                Input::Class("registration-loss".into()),
                Input::Episodes,
            ],
            produces: vec![
                Output::Class("service-hang".into(), FindingKind::RootCause),
                Output::Class("service-crash".into(), FindingKind::RootCause),
                Output::Tag("service-core".into()),
                Output::Tag("intentional-abort".into()),
                Output::Class("storage-latency".into(), FindingKind::Contributing),
                Output::Class("io-starvation".into(), FindingKind::Contributing),
                Output::Class("cpu-starvation".into(), FindingKind::Contributing),
                Output::Tag("cpu-pegged".into()),
                Output::Tag("cpu-ready".into()),
            ],
        }
    }

    fn run(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        let p = &self.p;
        let crashes = cx.crashes();
        let impacts: Vec<Lost> = cx
            .of_kind(FindingKind::Impact)
            .filter_map(|f| match (&f.data, f.start) {
                (Data::Impact(d), Some(start)) => Some(Lost {
                    id: &f.id,
                    start,
                    devices: &f.devices,
                    data: d,
                    evidence: &f.evidence,
                }),
                _ => None,
            })
            .collect();
        let mut roots: Vec<(usize, String)> = Vec::new();
        for imp in &impacts {
            let regs: Vec<(String, Registration)> = imp
                .devices
                .iter()
                .filter_map(|d| cx.topo.registration(d).map(|r| (d.clone(), r)))
                .collect();
            let primaries: BTreeSet<String> = regs
                .iter()
                .filter_map(|(_, r)| r.nodes.first().cloned())
                .collect();
            let window: Vec<usize> = (0..crashes.len())
                .filter(|&i| {
                    let d = secs(crashes[i].time, imp.start);
                    d >= -p.before_s && d <= p.after_s
                })
                .collect();
            let near = |i: &usize| secs(crashes[*i].time, imp.start).abs();
            let via_cti = self.cti_loss(imp).and_then(|_| {
                let named = provider_hosts(cx, imp);
                window
                    .iter()
                    .copied()
                    .filter(|&i| self.has_cti_core(&crashes[i]))
                    .min_by_key(|i| {
                        let h = &crashes[*i].host;
                        let rank = if named.contains(h) {
                            0
                        } else if primaries.contains(h) {
                            1
                        } else {
                            2
                        };
                        (rank, near(i))
                    })
            });
            let pick = via_cti
                .or_else(|| {
                    window
                        .iter()
                        .copied()
                        .filter(|&i| primaries.contains(&crashes[i].host))
                        .min_by_key(near)
                })
                .or_else(|| {
                    // Without topology, the nearest crash is the suspect.
                    regs.is_empty()
                        .then(|| window.iter().copied().min_by_key(near))
                        .flatten()
                });
            let Some(ci) = pick else { continue };
            let rc = match roots.iter().find(|(c, _)| *c == ci) {
                Some((_, id)) => id.clone(),
                None => {
                    let f = self.root_cause(cx, &crashes[ci], Some((imp, &regs)));
                    let id = out.push(f);
                    self.contributing(cx, out, &crashes[ci], &id);
                    roots.push((ci, id.clone()));
                    id
                }
            };
            out.link(&rc, imp.id);
        }
        self.unexplained_recent(cx, out, &impacts, &mut roots);
    }
}

type ImpactRegs<'i, 'f> = (&'i Lost<'f>, &'i [(String, Registration)]);

impl CrashRule {
    /// A crash in the incident period that no impact pointed at is still a finding.
    fn unexplained_recent(
        &self,
        cx: &Context<'_>,
        out: &mut Emit<'_>,
        impacts: &[Lost],
        roots: &mut Vec<(usize, String)>,
    ) {
        let crashes = cx.crashes();
        let Some(latest) = crashes.last().map(|c| c.time) else {
            return;
        };
        let period = self.p.incident_period_s;
        let in_period = |t| {
            if impacts.is_empty() {
                secs(latest, t) < period
            } else {
                impacts.iter().any(|i| secs(i.start, t).abs() < period)
            }
        };
        for (ci, crash) in crashes.iter().enumerate() {
            if !in_period(crash.time) || roots.iter().any(|(c, _)| *c == ci) {
                continue;
            }
            let mut f = self.root_cause(cx, crash, None);
            f.confidence = self.p.confidence.unexplained;
            let id = out.push(f);
            self.contributing(cx, out, crash, &id);
            roots.push((ci, id));
        }
    }

    /// The core whose process the rule prefers (ccm before CTIManager, ...).
    fn main_core<'c>(&self, crash: &'c Crash) -> &'c Core {
        crash
            .cores
            .iter()
            .min_by_key(|c| {
                self.p
                    .prefer
                    .iter()
                    .position(|p| p.eq_ignore_ascii_case(&c.process))
                    .unwrap_or(usize::MAX)
            })
            .expect("a crash has cores")
    }

    fn root_cause(
        &self,
        cx: &Context<'_>,
        crash: &Crash,
        impact: Option<ImpactRegs<'_, '_>>,
    ) -> Finding {
        let w = &self.p.confidence;
        let main = self.main_core(crash);
        let mut cores: Vec<&Core> = vec![main];
        cores.extend(crash.cores.iter().filter(|c| c.core_file != main.core_file));
        let sig = main.signature.as_ref();
        let hang = sig.is_some_and(|s| s.hang);
        let mut confidence = w.base;
        let mut evidence: Vec<uctriage_core::Evidence> = Vec::new();
        let link = impact.map(|(imp, regs)| {
            let path = match self.cti_loss(imp).filter(|_| self.has_cti_core(crash)) {
                Some(what) => {
                    let named = provider_hosts(cx, imp).contains(&crash.host);
                    confidence += if named {
                        w.provider_named
                    } else {
                        w.cti_inferred
                    };
                    if named {
                        // The lines where the application named its provider.
                        evidence.extend(
                            imp.evidence
                                .iter()
                                .filter(|e| {
                                    imp.data
                                        .providers
                                        .iter()
                                        .any(|p| e.text.get().contains(p.as_str()))
                                })
                                .cloned(),
                        );
                    }
                    let registration = regs.first().map(|(_, r)| reg_info(r));
                    let primary = regs.first().and_then(|(_, r)| r.nodes.first().cloned());
                    let primary_crashed = primary.as_ref().is_some_and(|p| {
                        p == &crash.host
                            || cx.crashes().iter().any(|c| {
                                &c.host == p && secs(c.time, imp.start).abs() <= self.p.after_s
                            })
                    });
                    for (_, reg) in regs.iter().take(3) {
                        evidence.extend(reg.evidence.iter().cloned());
                    }
                    CrashPath::Cti {
                        what,
                        provider_named: named,
                        registration,
                        primary_crashed,
                    }
                }
                None => {
                    let on_node: Vec<&(String, Registration)> = regs
                        .iter()
                        .filter(|(_, r)| r.nodes.first() == Some(&crash.host))
                        .collect();
                    match on_node.first() {
                        Some((_, r)) => {
                            for (_, reg) in &on_node {
                                evidence.extend(reg.evidence.iter().cloned());
                            }
                            confidence += if r.exact {
                                w.registration_exact
                            } else {
                                w.registration_by_name
                            };
                            CrashPath::Registration {
                                devices: on_node.iter().map(|(d, _)| d.clone()).collect(),
                                registration: reg_info(r),
                            }
                        }
                        None => CrashPath::Nearest,
                    }
                }
            };
            let lead = secs(crash.time, imp.start);
            confidence += match lead {
                l if l > 0 && hang => w.hang_before_core,
                l if l > 0 => 0.0,
                0 => w.same_second,
                _ => w.core_first,
            };
            let callmanager_failure = self.p.callmanager_causes.iter().find(|x| {
                imp.data
                    .causes
                    .iter()
                    .any(|c| c.to_ascii_uppercase().contains(&x.to_ascii_uppercase()))
            });
            let callmanager_failure = callmanager_failure.cloned();
            if callmanager_failure.is_some() {
                confidence += w.callmanager_failure;
            }
            ImpactLink {
                impact_start: imp.start,
                lead_s: lead,
                devices: imp.devices.to_vec(),
                path,
                callmanager_failure,
            }
        });
        if sig.is_some() {
            confidence += w.signature;
        }
        let distinct: BTreeSet<&str> = crash.cores.iter().map(|c| c.process.as_str()).collect();
        let co_crash = cx
            .kb
            .signatures
            .co_crash
            .iter()
            .find(|cc| distinct.len() >= cc.min_distinct_processes)
            .filter(|_| cores.len() > 1);
        let placement = cx.topo.placement(&crash.host);
        let data = CrashData {
            host: crash.host.clone(),
            process: main.process.clone(),
            hang,
            aborted: main.reason.is_some(),
            with: cores[1..].iter().map(|c| c.process.clone()).collect(),
            cores: cores
                .iter()
                .map(|c| CoreInfo {
                    process: c.process.clone(),
                    file: c.core_file.clone(),
                    at: c.time,
                    reason: c.reason.clone(),
                    site: c.abort_site.clone(),
                })
                .collect(),
            signature: sig.map(|s| SignatureInfo {
                id: s.id.clone(),
                condition: s.condition.trim().to_string(),
                bug_ids: s.bug_ids.clone(),
                confirmed: s.confirmed,
            }),
            co_crash: co_crash.map(|c| c.meaning.trim().to_string()),
            impact: link,
            esx: placement.map(|p| p.esx.clone()),
            datastore: placement.and_then(|p| p.datastore.clone()),
            restarted_at: self.restart_time(cx, crash),
            no_load_data: false,
        };
        let class = if hang {
            "service-hang"
        } else {
            "service-crash"
        };
        let mut f = Finding::new(FindingKind::RootCause, class, Data::Crash(data));
        f.tag("service-core");
        if crash.cores.iter().any(|c| c.reason.is_some()) {
            f.tag("intentional-abort");
        }
        f.confirmed = sig.is_none_or(|s| s.confirmed);
        f.start = Some(match impact {
            Some((imp, _)) => imp.start.min(crash.time),
            None => crash.time,
        });
        if let Some((imp, _)) = impact {
            Finding::add(&mut f.devices, imp.devices.iter().cloned());
        }
        if let Some(sig) = sig {
            Finding::add(&mut f.next_checks, sig.next_checks.iter().cloned());
            cx.cite_sources(&mut f, &sig.sources);
        }
        for c in &cores[1..] {
            if let Some(os) = &c.signature {
                cx.cite_sources(&mut f, &os.sources);
            }
        }
        if let Some(cc) = co_crash {
            cx.cite_sources(&mut f, &cc.sources);
        }
        for ev in &evidence {
            f.cite(ev);
        }
        if let Some(p) = placement {
            f.cite(&p.evidence);
        }
        if let Data::Crash(d) = &f.data {
            f.end = d.restarted_at;
        }
        Finding::add(&mut f.hosts, [crash.host.clone()]);
        Finding::add(&mut f.services, crash.processes());
        for ev in crash.evidence() {
            f.cite(ev);
        }
        for e in self.service_events(cx, crash) {
            f.cite(&e.evidence);
        }
        if let Some(ev) = impact.and_then(|(imp, _)| imp.evidence.first()) {
            f.cite(ev);
        }
        cx.cite_sources(&mut f, &self.sources);
        f.confidence = confidence.min(w.max);
        f
    }

    /// What says the application lost its CTIManager: a loss cause named in
    /// `cti_causes`, or the application's own service (its JTAPI provider)
    /// going out of service. None when nothing does.
    fn cti_loss(&self, imp: &Lost) -> Option<String> {
        let mut said = BTreeSet::new();
        for c in &imp.data.causes {
            if self
                .p
                .cti_causes
                .iter()
                .any(|x| c.to_ascii_uppercase().contains(&x.to_ascii_uppercase()))
            {
                said.insert(format!("cause {c}"));
            }
        }
        for svc in &imp.data.services {
            said.insert(format!("its {svc} out of service"));
        }
        (!said.is_empty()).then(|| said.into_iter().collect::<Vec<_>>().join(", "))
    }

    fn has_cti_core(&self, crash: &Crash) -> bool {
        crash
            .cores
            .iter()
            .any(|c| c.process.eq_ignore_ascii_case(&self.p.cti_process))
    }

    /// Service stop/start events of the crashed node around the crash.
    fn service_events<'e>(&self, cx: &Context<'e>, crash: &Crash) -> Vec<&'e Event> {
        cx.events
            .around(Kind::ServiceState, crash.time, self.p.restart_within_s)
            .filter(|e| e.host.as_deref() == Some(crash.host.as_str()))
            .collect()
    }

    /// When the crashed services were started again, if the bundle says.
    fn restart_time(&self, cx: &Context<'_>, crash: &Crash) -> Option<Timestamp> {
        self.service_events(cx, crash)
            .into_iter()
            .filter(|e| e.time.is_some_and(|t| t >= crash.time))
            .filter(|e| {
                e.fields
                    .get("state")
                    .is_some_and(|s| s.to_ascii_lowercase().contains("start"))
            })
            .filter_map(|e| e.time)
            .max()
    }

    /// What caused the cause: CPU, I/O or storage starvation of the node, or
    /// of its ESXi host, before the core.
    fn contributing(&self, cx: &Context<'_>, out: &mut Emit<'_>, crash: &Crash, rc_id: &str) {
        let hits = self.starvation_hits(cx, crash);
        if hits.is_empty() {
            let text = self.p.no_load_next_check.replace("{host}", &crash.host);
            if let Some(f) = out.get_mut(rc_id) {
                f.next_checks.insert(0, text);
                if let Data::Crash(d) = &mut f.data {
                    d.no_load_data = true;
                }
            }
            return;
        }
        let first = hits.iter().map(|h| h.hit.at).min().expect("hits");
        let main = hits.iter().map(|h| h.hit.what).min().expect("hits");
        let placement = cx.topo.placement(&crash.host).cloned();
        let esx = placement.as_ref().map(|p| cx.hosts.resolve(&p.esx));
        let cpu_max = if main == Starved::Cpu {
            Vec::new()
        } else {
            cpu_maxima(cx, crash, esx.as_deref(), first)
        };
        let other_vms: Vec<String> = esx
            .as_ref()
            .map(|e| {
                cx.topo
                    .vms_on(e, cx.hosts)
                    .into_iter()
                    .filter(|v| *v != crash.host)
                    .collect()
            })
            .unwrap_or_default();
        let class = match main {
            Starved::Storage => "storage-latency",
            Starved::IoWait => "io-starvation",
            Starved::Cpu => "cpu-starvation",
        };
        let data = StarvationData {
            host: crash.host.clone(),
            what: main,
            cpu_too: hits.iter().any(|h| h.hit.what == Starved::Cpu),
            esx: esx.clone(),
            datastore: placement.as_ref().and_then(|p| p.datastore.clone()),
            first,
            core_at: crash.time,
            hits: hits.iter().map(|h| h.hit.clone()).collect(),
            cpu_max,
            other_vms,
        };
        let mut f = Finding::new(FindingKind::Contributing, class, Data::Starvation(data));
        if hits.iter().any(|h| h.hit.what == Starved::Cpu) {
            f.tag("cpu-pegged");
        }
        if hits.iter().any(
            |h| matches!(&h.hit.detail, HitDetail::Episode(e) if e.metric == "cpu_ready_percent"),
        ) {
            f.tag("cpu-ready");
        }
        if main == Starved::Storage {
            f.tag("storage-latency");
        }
        f.start = Some(first);
        f.end = Some(crash.time);
        f.confidence = if main == Starved::Storage {
            self.p.confidence.storage_starvation
        } else {
            self.p.confidence.other_starvation
        };
        if let Some(esx) = &esx {
            Finding::add(&mut f.hosts, [esx.clone()]);
        }
        Finding::add(&mut f.hosts, [crash.host.clone()]);
        if let Some(p) = &placement {
            f.cite(&p.evidence);
        }
        for h in &hits {
            for e in &h.evidence {
                f.cite(e);
            }
            cx.cite_sources(&mut f, &h.sources);
        }
        cx.cite_sources(&mut f, &self.sources);
        let id = out.push(f);
        out.link(&id, rc_id);
    }

    fn starvation_hits(&self, cx: &Context<'_>, crash: &Crash) -> Vec<Sourced> {
        let p = &self.p;
        let from = crash.time - SignedDuration::from_secs(p.load_lookback_s);
        let mut hits: Vec<Sourced> = Vec::new();
        for kind in [Kind::Load, Kind::Alarm, Kind::RtmtAlert] {
            for e in cx.events.window(kind, from, crash.time) {
                if e.host.as_deref() != Some(crash.host.as_str()) {
                    continue;
                }
                if let Some((what, detail)) = self.starvation(e) {
                    hits.push(Sourced {
                        hit: Hit {
                            at: e.time.expect("windowed"),
                            what,
                            detail,
                        },
                        evidence: vec![e.evidence.clone()],
                        sources: Vec::new(),
                    });
                }
            }
        }
        let esx = cx
            .topo
            .placement(&crash.host)
            .map(|p| cx.hosts.resolve(&p.esx));
        let mut seen: Vec<(String, String)> = Vec::new();
        for host in std::iter::once(crash.host.clone()).chain(esx) {
            let mut eps = cx.episodes_of(&host, from, crash.time);
            eps.sort_by(|a, b| b.over_by.total_cmp(&a.over_by));
            for ep in eps {
                let what = match ep.metric.as_str() {
                    "disk_latency_ms" | "kernel_latency_ms" => Starved::Storage,
                    "iowait_percent" => Starved::IoWait,
                    "cpu_percent" | "cpu_ready_percent" => Starved::Cpu,
                    _ => continue,
                };
                if seen.contains(&(host.clone(), ep.metric.clone())) {
                    continue;
                }
                seen.push((host.clone(), ep.metric.clone()));
                hits.push(Sourced {
                    hit: Hit {
                        at: ep.start,
                        what,
                        detail: HitDetail::Episode(episode_info(cx, ep)),
                    },
                    evidence: ep.evidence.clone(),
                    sources: ep.sources.clone(),
                });
            }
        }
        hits.sort_by_key(|h| (h.hit.what, h.hit.at));
        hits
    }

    /// Whether an event shows starvation, and how.
    fn starvation(&self, e: &Event) -> Option<(Starved, HitDetail)> {
        let num = |k: &str| {
            e.fields
                .get(k)
                .and_then(|v| v.trim_end_matches('%').parse::<f64>().ok())
        };
        match e.kind {
            Kind::Load => {
                if let Some(idle) = num("cpu_idle")
                    .or_else(|| num("cpu_id"))
                    .filter(|v| *v < self.p.cpu_idle_below)
                {
                    return Some((Starved::Cpu, HitDetail::CpuIdle { idle }));
                }
                num("cpu_iowait")
                    .or_else(|| num("cpu_wa"))
                    .filter(|v| *v > self.p.iowait_above)
                    .map(|percent| (Starved::IoWait, HitDetail::IoWait { percent }))
            }
            Kind::RtmtAlert | Kind::Alarm => {
                let name = e.fields.get("alert").or_else(|| e.fields.get("alarm"))?;
                self.p
                    .starvation_alerts
                    .iter()
                    .any(|a| name.contains(a.as_str()))
                    .then(|| {
                        (
                            Starved::Cpu,
                            HitDetail::Alert {
                                name: name.to_string(),
                            },
                        )
                    })
            }
            _ => None,
        }
    }
}

/// A hit with its proofs and the sources of its threshold.
struct Sourced {
    hit: Hit,
    evidence: Vec<uctriage_core::Evidence>,
    sources: Vec<String>,
}

/// An episode as findings carry it.
pub(crate) fn episode_info(cx: &Context<'_>, ep: &Episode) -> EpisodeInfo {
    EpisodeInfo {
        host: ep.host.clone(),
        metric: ep.metric.clone(),
        label: cx.kb.metric_label(&ep.metric).to_string(),
        unit: ep.unit.clone(),
        start: ep.start,
        end: ep.end,
        open_start: ep.open_start,
        peak: ep.peak,
        peak_at: ep.peak_at,
        threshold: ep.threshold,
        over_by: ep.over_by,
        basis: ep.basis.clone(),
    }
}

/// Highest CPU on the node and its ESXi host from `from` to the core.
fn cpu_maxima(
    cx: &Context<'_>,
    crash: &Crash,
    esx: Option<&str>,
    from: Timestamp,
) -> Vec<(String, f64)> {
    let hosts: Vec<&str> = std::iter::once(crash.host.as_str()).chain(esx).collect();
    cx.series()
        .iter()
        .filter(|s| s.metric == "cpu_percent" && hosts.contains(&s.host.as_str()))
        .filter_map(|s| {
            let max = s
                .points
                .iter()
                .filter(|(t, _)| *t >= from && *t <= crash.time)
                .map(|p| p.1)
                .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))?;
            Some((s.host.clone(), max))
        })
        .collect()
}

/// Hosts the lost providers are named after (known hosts only).
fn provider_hosts(cx: &Context<'_>, imp: &Lost) -> BTreeSet<String> {
    imp.data
        .providers
        .iter()
        .filter(|p| cx.hosts.is_known(p))
        .map(|p| cx.hosts.resolve(p))
        .collect()
}

fn reg_info(r: &Registration) -> RegInfo {
    RegInfo {
        pool: r.pool.clone(),
        group: r.group.clone(),
        nodes: r.nodes.clone(),
        exact: r.exact,
    }
}
