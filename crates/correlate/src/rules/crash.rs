//! Root cause: a crash on the node the lost devices register to.

use super::secs;
use crate::crashes::{Core, Crash};
use crate::ctx::{span, Ctx};
use crate::finding::{Finding, FindingKind};
use crate::topology::Registration;
use std::collections::BTreeSet;
use uctriage_core::{Event, Kind};
use uctriage_knowledge::Rule;

pub(crate) fn run(rule: &Rule, ctx: &mut Ctx<'_>) {
    let before = rule.param("before_s", 300.0) as i64;
    let after = rule.param("after_s", 900.0) as i64;
    let impacts = ctx.impacts.clone();
    for impact in &impacts {
        let regs: Vec<(String, Registration)> = impact
            .devices
            .iter()
            .filter_map(|d| ctx.topo.registration(d).map(|r| (d.clone(), r)))
            .collect();
        let primaries: BTreeSet<String> = regs
            .iter()
            .filter_map(|(_, r)| r.nodes.first().cloned())
            .collect();
        let window: Vec<usize> = (0..ctx.crashes.len())
            .filter(|&i| {
                let d = secs(ctx.crashes[i].time, impact.start);
                d >= -before && d <= after
            })
            .collect();
        let on_primary = window
            .iter()
            .copied()
            .filter(|&i| primaries.contains(&ctx.crashes[i].host));
        // An application that lost its CTIManager lost the one it was connected
        // to, wherever its devices register: a CTIManager core in the window is
        // the suspect, first on the node its provider is named after.
        let via_cti = cti_loss(rule, ctx, impact).and_then(|_| {
            let named = provider_hosts(ctx, impact);
            window
                .iter()
                .copied()
                .filter(|&i| has_cti_core(rule, &ctx.crashes[i]))
                .min_by_key(|&i| {
                    let h = &ctx.crashes[i].host;
                    let rank = if named.contains(h) {
                        0
                    } else if primaries.contains(h) {
                        1
                    } else {
                        2
                    };
                    (rank, secs(ctx.crashes[i].time, impact.start).abs())
                })
        });
        let pick = via_cti
            .or_else(|| on_primary.min_by_key(|&i| secs(ctx.crashes[i].time, impact.start).abs()))
            .or_else(|| {
                // Without topology, the nearest crash is the suspect (lower confidence).
                if regs.is_empty() {
                    window
                        .iter()
                        .copied()
                        .min_by_key(|&i| secs(ctx.crashes[i].time, impact.start).abs())
                } else {
                    None
                }
            });
        let Some(ci) = pick else { continue };
        let existing = ctx
            .root_crashes
            .iter()
            .find(|(_, c)| *c == ci)
            .map(|(id, _)| id.clone());
        let rc_id = match existing {
            Some(id) => id,
            None => {
                let f = root_cause(rule, ctx, ci, Some((impact, &regs)));
                let id = ctx.push(f);
                ctx.root_crashes.push((id.clone(), ci));
                contributing(rule, ctx, ci, &id);
                id
            }
        };
        if let Some(f) = ctx.finding_mut(&impact.id) {
            Finding::add(&mut f.caused_by, [rc_id]);
        }
    }
    unexplained_recent_crashes(rule, ctx);
}

/// A crash in the incident period that no impact pointed at is still a finding.
fn unexplained_recent_crashes(rule: &Rule, ctx: &mut Ctx<'_>) {
    let Some(latest) = ctx.crashes.last().map(|c| c.time) else {
        return;
    };
    // The incident period: a day around the impacts, or before the latest
    // crash when nothing was lost. Older cores are history, not causes.
    let in_period = |t| {
        if ctx.impacts.is_empty() {
            secs(latest, t) < 86400
        } else {
            ctx.impacts.iter().any(|i| secs(i.start, t).abs() < 86400)
        }
    };
    let recent: Vec<usize> = (0..ctx.crashes.len())
        .filter(|&i| in_period(ctx.crashes[i].time))
        .filter(|i| !ctx.root_crashes.iter().any(|(_, c)| c == i))
        .collect();
    for ci in recent {
        let mut f = root_cause(rule, ctx, ci, None);
        f.confidence = 0.6;
        let id = ctx.push(f);
        ctx.root_crashes.push((id.clone(), ci));
        contributing(rule, ctx, ci, &id);
    }
}

/// The core whose process the rule prefers (ccm before CTIManager, ...).
fn main_core<'c>(rule: &Rule, crash: &'c Crash) -> &'c Core {
    let prefer: Vec<&str> = rule
        .text
        .get("prefer")
        .map_or("ccm,CTIManager", String::as_str)
        .split(',')
        .collect();
    crash
        .cores
        .iter()
        .min_by_key(|c| {
            prefer
                .iter()
                .position(|p| p.eq_ignore_ascii_case(&c.process))
                .unwrap_or(usize::MAX)
        })
        .expect("a crash has cores")
}

type ImpactRegs<'i> = (&'i crate::ctx::Impact, &'i [(String, Registration)]);

fn root_cause(rule: &Rule, ctx: &Ctx<'_>, ci: usize, impact: Option<ImpactRegs<'_>>) -> Finding {
    let crash = &ctx.crashes[ci];
    let main = main_core(rule, crash);
    let others: Vec<&Core> = crash
        .cores
        .iter()
        .filter(|c| c.core_file != main.core_file)
        .collect();
    let sig = main.signature.as_ref();
    let hang = sig.is_some_and(|s| s.hang);
    let mut title = format!(
        "{} on {} {}",
        main.process,
        crash.host,
        if hang {
            "stopped processing and was aborted by its process monitor"
        } else {
            "crashed"
        }
    );
    if main.reason.is_some() {
        title.push_str(" (IntentionalAbort)");
    }
    if !others.is_empty() {
        let names: Vec<&str> = others.iter().map(|c| c.process.as_str()).collect();
        title.push_str(&format!("; {} aborted with it", names.join(", ")));
    }
    let mut f = Finding::new(FindingKind::RootCause, &rule.id, title);
    let mut s = String::new();
    let mut confidence: f64 = 0.45;
    if let Some((imp, regs)) = impact {
        match cti_loss(rule, ctx, imp).filter(|_| has_cti_core(rule, crash)) {
            Some(what) => s.push_str(&cti_sentence(
                ctx,
                crash,
                imp,
                regs,
                &what,
                &mut f,
                &mut confidence,
            )),
            None => s.push_str(&registration_sentence(crash, regs, &mut f, &mut confidence)),
        }
        let lead = secs(crash.time, imp.start);
        if lead > 0 && hang {
            s.push_str(&format!(
                " The devices dropped at {}, {} before the core at {}: {} hung first, and its process monitor only aborted it once it stayed stuck, which is why the loss comes before the core.",
                ctx.when(imp.start),
                span(lead),
                ctx.when_short(crash.time, imp.start),
                main.process
            ));
            confidence += 0.15;
        } else if lead > 0 {
            s.push_str(&format!(
                " The devices dropped {} before the core.",
                span(lead)
            ));
        } else if lead == 0 {
            s.push_str(" The devices dropped in the same second as the core.");
            confidence += 0.1;
        } else {
            s.push_str(&format!(
                " The core came {} before the devices dropped.",
                span(-lead)
            ));
            confidence += 0.1;
        }
        let events = ctx.events();
        if imp.events.iter().any(|&i| {
            events[i]
                .fields
                .values()
                .any(|v| v.contains("CALLMANAGER_FAILURE"))
        }) {
            s.push_str(
                " The application saw the loss as a CallManager failure (CALLMANAGER_FAILURE).",
            );
            confidence += 0.05;
        }
        Finding::add(&mut f.devices, imp.devices.iter().cloned());
        f.start = Some(imp.start.min(crash.time));
    } else {
        f.start = Some(crash.time);
    }
    s.push_str(&core_sentence(ctx, main));
    if let Some(sig) = sig {
        s.push_str(&format!(" {}", sig.condition.trim()));
        Finding::add(&mut f.next_checks, sig.next_checks.iter().cloned());
        ctx.cite_sources(&mut f, &sig.sources);
        if !sig.bug_ids.is_empty() {
            s.push_str(&format!(
                " Public bug IDs for this signature: {}.",
                sig.bug_ids.join(", ")
            ));
        }
        confidence += 0.1;
    }
    for o in &others {
        s.push_str(&core_sentence(ctx, o));
        if let Some(os) = &o.signature {
            ctx.cite_sources(&mut f, &os.sources);
        }
    }
    if !others.is_empty() {
        if let Some(cc) = ctx.kb.signatures.co_crash.first() {
            s.push_str(&format!(" {}", cc.meaning.trim()));
            ctx.cite_sources(&mut f, &cc.sources);
        }
    }
    if let Some(p) = ctx.topo.placement(&crash.host) {
        s.push_str(&format!(
            " {} runs on ESXi host {}{}.",
            crash.host,
            p.esx,
            p.datastore
                .as_ref()
                .map(|d| format!(", datastore {d}"))
                .unwrap_or_default()
        ));
        f.cite(&p.evidence);
    }
    f.summary = s.trim().to_string();
    f.end = restart_time(ctx, crash);
    Finding::add(&mut f.hosts, [crash.host.clone()]);
    Finding::add(&mut f.services, crash.processes());
    for ev in crash.evidence() {
        f.cite(ev);
    }
    for e in service_events(ctx, crash) {
        f.cite(&e.evidence);
    }
    if let Some((imp, _)) = impact {
        if let Some(&first) = imp.events.first() {
            f.cite(&ctx.events()[first].evidence);
        }
    }
    ctx.cite_sources(&mut f, &rule.sources);
    f.confidence = confidence.min(0.95);
    f
}

/// What says the application lost its CTIManager: a loss cause named in the
/// rule's `cti_causes`, or the application's own service (its JTAPI provider)
/// going out of service. None when nothing does.
fn cti_loss(rule: &Rule, ctx: &Ctx<'_>, imp: &crate::ctx::Impact) -> Option<String> {
    let causes: Vec<String> = rule
        .text
        .get("cti_causes")
        .map_or("CTIMANAGER_FAILURE", String::as_str)
        .split(',')
        .map(|c| c.trim().to_ascii_uppercase())
        .filter(|c| !c.is_empty())
        .collect();
    let events = ctx.events();
    let mut said = BTreeSet::new();
    for &i in &imp.events {
        let e = &events[i];
        if let Some(c) = e.fields.get("cause") {
            if causes
                .iter()
                .any(|x| c.to_ascii_uppercase().contains(x.as_str()))
            {
                said.insert(format!("cause {c}"));
            }
        }
        if e.kind == Kind::ServiceState {
            for svc in e.entity_ids(uctriage_core::EntityKind::Service) {
                said.insert(format!("its {svc} out of service"));
            }
        }
    }
    (!said.is_empty()).then(|| said.into_iter().collect::<Vec<_>>().join(", "))
}

/// Hosts the lost providers are named after (known hosts only).
fn provider_hosts(ctx: &Ctx<'_>, imp: &crate::ctx::Impact) -> BTreeSet<String> {
    imp.events
        .iter()
        .filter_map(|&i| ctx.events()[i].fields.get("provider"))
        .filter(|p| ctx.bundle.hosts.is_known(p))
        .map(|p| ctx.bundle.hosts.resolve(p))
        .collect()
}

fn has_cti_core(rule: &Rule, crash: &Crash) -> bool {
    let process = rule
        .text
        .get("cti_process")
        .map_or("CTIManager", String::as_str);
    crash
        .cores
        .iter()
        .any(|c| c.process.eq_ignore_ascii_case(process))
}

fn cti_sentence(
    ctx: &Ctx<'_>,
    crash: &Crash,
    imp: &crate::ctx::Impact,
    regs: &[(String, Registration)],
    what: &str,
    f: &mut Finding,
    confidence: &mut f64,
) -> String {
    let mut s = format!(
        "The devices were lost through the application's CTIManager, not through their CallManager: the application reported {what}."
    );
    let named = provider_hosts(ctx, imp).contains(&crash.host);
    if named {
        s.push_str(&format!(
            " The provider that went out of service is named after {}, the node whose CTIManager aborted.",
            crash.host
        ));
        *confidence += 0.2;
        let events = ctx.events();
        for &i in &imp.events {
            if events[i].fields.contains_key("provider") {
                f.cite(&events[i].evidence);
            }
        }
    } else {
        s.push_str(&format!(
            " The bundle does not name the CTIManager the application was connected to; CTIManager aborted on {} in that window, so the link is inferred.",
            crash.host
        ));
        *confidence += 0.08;
    }
    if let Some((_, r)) = regs.first() {
        let primary = r.nodes.first().cloned().unwrap_or_default();
        if primary == crash.host {
            s.push_str(&format!(
                " The devices' device pool {} (CallManager group {}) also puts {} first.",
                r.pool, r.group, primary
            ));
        } else {
            let primary_crashed = ctx
                .crashes
                .iter()
                .any(|c| c.host == primary && secs(c.time, imp.start).abs() <= 900);
            s.push_str(&format!(
                " Their device pool {} (CallManager group {}) registers them to {}{}.",
                r.pool,
                r.group,
                r.nodes.join(" → "),
                if primary_crashed {
                    String::new()
                } else {
                    format!(", and {primary} has no core at that time: the CTI application lost them while their CallManager kept them")
                }
            ));
        }
        for (_, reg) in regs.iter().take(3) {
            for ev in &reg.evidence {
                f.cite(ev);
            }
        }
    }
    s
}

fn registration_sentence(
    crash: &Crash,
    regs: &[(String, Registration)],
    f: &mut Finding,
    confidence: &mut f64,
) -> String {
    let on_node: Vec<&(String, Registration)> = regs
        .iter()
        .filter(|(_, r)| r.nodes.first() == Some(&crash.host))
        .collect();
    let Some((_, r)) = on_node.first() else {
        return format!(
            "No topology in the bundle says where the devices register; {} is the node that crashed closest to the loss.",
            crash.host
        );
    };
    for (_, reg) in &on_node {
        for ev in &reg.evidence {
            f.cite(ev);
        }
    }
    *confidence += if r.exact { 0.2 } else { 0.12 };
    let devices: Vec<String> = on_node.iter().map(|(d, _)| d.clone()).collect();
    format!(
        "{} register{} to {} first: device pool {} uses CallManager group {} ({}){}.",
        super::impact::join_max(&devices, 6),
        if devices.len() == 1 { "s" } else { "" },
        crash.host,
        r.pool,
        r.group,
        r.nodes.join(" → "),
        if r.exact {
            ""
        } else {
            ", CallManager names matched to hosts by name"
        }
    )
}

fn core_sentence(ctx: &Ctx<'_>, core: &Core) -> String {
    let mut s = format!(
        " At {} {} dumped core {}",
        ctx.when(core.time),
        core.process,
        core.core_file
    );
    match (&core.reason, &core.abort_site) {
        (Some(r), Some(site)) => s.push_str(&format!(
            "; its backtrace shows IntentionalAbort at {site}: \"{r}\"."
        )),
        (Some(r), None) => s.push_str(&format!("; its backtrace shows IntentionalAbort: \"{r}\".")),
        _ => s.push('.'),
    }
    s
}

/// Service stop/start events of the crashed node around the crash.
fn service_events<'e>(ctx: &Ctx<'e>, crash: &Crash) -> Vec<&'e Event> {
    ctx.events()
        .iter()
        .filter(|e| e.kind == Kind::ServiceState && e.host.as_deref() == Some(crash.host.as_str()))
        .filter(|e| e.time.is_some_and(|t| secs(t, crash.time).abs() <= 600))
        .collect()
}

/// When the crashed services were started again, if the bundle says.
fn restart_time(ctx: &Ctx<'_>, crash: &Crash) -> Option<uctriage_core::jiff::Timestamp> {
    service_events(ctx, crash)
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

/// What starved a node, most specific first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Starved {
    Storage,
    IoWait,
    Cpu,
}

/// One piece of evidence that the node (or its ESXi host) was starved.
struct Hit {
    at: uctriage_core::jiff::Timestamp,
    why: String,
    what: Starved,
    evidence: Vec<uctriage_core::Evidence>,
    sources: Vec<String>,
}

/// What caused the cause: CPU, I/O or storage starvation of the node, or of
/// its ESXi host, before the core.
fn contributing(rule: &Rule, ctx: &mut Ctx<'_>, ci: usize, rc_id: &str) {
    let crash = ctx.crashes[ci].clone();
    let hits = starvation_hits(rule, ctx, &crash);
    if hits.is_empty() {
        let text = rule
            .text
            .get("no_load_evidence")
            .cloned()
            .unwrap_or_default()
            .replace("{host}", &crash.host);
        if let Some(f) = ctx.finding_mut(rc_id) {
            f.next_checks.insert(0, text);
        }
        return;
    }
    let first = hits.iter().map(|h| h.at).min().unwrap();
    let main = hits.iter().map(|h| h.what).min().unwrap();
    let placement = ctx.topo.placement(&crash.host).cloned();
    let esx = placement.as_ref().map(|p| ctx.bundle.hosts.resolve(&p.esx));
    let title = match (main, &esx) {
        (Starved::Storage, Some(esx)) => format!(
            "Storage latency on ESXi host {esx}{} stalled {} before the abort",
            placement
                .as_ref()
                .and_then(|p| p.datastore.as_ref())
                .map(|d| format!(" (datastore {d})"))
                .unwrap_or_default(),
            crash.host
        ),
        (Starved::Storage, None) | (Starved::IoWait, _)
            if hits.iter().any(|h| h.what == Starved::Cpu) =>
        {
            format!("{} was starved of CPU and I/O before the abort", crash.host)
        }
        (Starved::Storage, None) | (Starved::IoWait, _) => {
            format!("{} was starved of I/O before the abort", crash.host)
        }
        (Starved::Cpu, _) => format!("{} was starved of CPU before the abort", crash.host),
    };
    let mut f = Finding::new(FindingKind::Contributing, &rule.id, title);
    let mut summary = format!(
        "From {} to the core at {}: {}.",
        ctx.when(first),
        ctx.when_short(crash.time, first),
        hits.iter()
            .map(|h| h.why.clone())
            .collect::<Vec<_>>()
            .join("; ")
    );
    if main != Starved::Cpu {
        summary.push_str(&cpu_was_fine(ctx, &crash, esx.as_deref(), first));
    }
    if let Some(esx) = &esx {
        let others: Vec<String> = ctx
            .topo
            .vms_on(esx, &ctx.bundle.hosts)
            .into_iter()
            .filter(|v| *v != crash.host)
            .collect();
        if !others.is_empty() && main == Starved::Storage {
            summary.push_str(&format!(
                " Other VMs on {esx} ({}) shared that storage path and may have suffered too.",
                others.join(", ")
            ));
        }
        Finding::add(&mut f.hosts, [esx.clone()]);
    }
    f.summary = summary;
    f.start = Some(first);
    f.end = Some(crash.time);
    f.confidence = if main == Starved::Storage { 0.8 } else { 0.7 };
    Finding::add(&mut f.hosts, [crash.host.clone()]);
    if let Some(p) = &placement {
        f.cite(&p.evidence);
    }
    for h in &hits {
        for e in &h.evidence {
            f.cite(e);
        }
        ctx.cite_sources(&mut f, &h.sources);
    }
    ctx.cite_sources(&mut f, &rule.sources);
    let id = ctx.push(f);
    if let Some(rc) = ctx.finding_mut(rc_id) {
        Finding::add(&mut rc.caused_by, [id]);
    }
}

/// " CPU stayed in its band (at most 34 % on esx07)." when the bundle shows it.
fn cpu_was_fine(
    ctx: &Ctx<'_>,
    crash: &Crash,
    esx: Option<&str>,
    from: uctriage_core::jiff::Timestamp,
) -> String {
    let hosts: Vec<&str> = std::iter::once(crash.host.as_str()).chain(esx).collect();
    let maxima: Vec<String> = ctx
        .series
        .iter()
        .filter(|s| s.metric == "cpu_percent" && hosts.contains(&s.host.as_str()))
        .filter_map(|s| {
            let max = s
                .points
                .iter()
                .filter(|(t, _)| *t >= from && *t <= crash.time)
                .map(|p| p.1)
                .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))?;
            Some(format!("at most {max:.0} % on {}", s.host))
        })
        .collect();
    if maxima.is_empty() {
        String::new()
    } else {
        format!(
            " CPU stayed in its normal band meanwhile ({}), so this was not CPU starvation.",
            maxima.join(", ")
        )
    }
}

fn starvation_hits(rule: &Rule, ctx: &Ctx<'_>, crash: &Crash) -> Vec<Hit> {
    let lookback = rule.param("load_lookback_s", 3600.0) as i64;
    let idle_below = rule.param("cpu_idle_below", 10.0);
    let iowait_above = rule.param("iowait_above", 20.0);
    let from = crash.time - uctriage_core::jiff::SignedDuration::from_secs(lookback);
    let mut hits: Vec<Hit> = Vec::new();
    for e in ctx.events() {
        let (Some(t), Some(h)) = (e.time, e.host.as_deref()) else {
            continue;
        };
        if h != crash.host || t > crash.time || t < from {
            continue;
        }
        if let Some(why) = starvation(e, idle_below, iowait_above) {
            let what = if why.starts_with("I/O") {
                Starved::IoWait
            } else {
                Starved::Cpu
            };
            hits.push(Hit {
                at: t,
                why,
                what,
                evidence: vec![e.evidence.clone()],
                sources: Vec::new(),
            });
        }
    }
    let esx = ctx
        .topo
        .placement(&crash.host)
        .map(|p| ctx.bundle.hosts.resolve(&p.esx));
    let mut seen: Vec<(String, String)> = Vec::new();
    for host in std::iter::once(crash.host.clone()).chain(esx) {
        let mut eps = ctx.episodes_of(&host, from, crash.time);
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
            let why = format!(
                "{} on {} out of its band since {} (peak {:.0} {}, {:.0} {} past {})",
                super::coincidence::metric_label(&ep.metric),
                host,
                ctx.when_short(ep.start, crash.time),
                ep.peak,
                ep.unit,
                ep.over_by,
                ep.unit,
                ep.basis
            );
            hits.push(Hit {
                at: ep.start,
                why,
                what,
                evidence: ep.evidence.clone(),
                sources: ep.sources.clone(),
            });
        }
    }
    hits.sort_by_key(|h| (h.what, h.at));
    hits
}

/// Why an event shows starvation, if it does.
pub(crate) fn starvation(e: &Event, idle_below: f64, iowait_above: f64) -> Option<String> {
    let num = |k: &str| {
        e.fields
            .get(k)
            .and_then(|v| v.trim_end_matches('%').parse::<f64>().ok())
    };
    match e.kind {
        Kind::Load => {
            if let Some(idle) = num("cpu_idle")
                .or_else(|| num("cpu_id"))
                .filter(|v| *v < idle_below)
            {
                return Some(format!("CPU idle {idle}%"));
            }
            num("cpu_iowait")
                .or_else(|| num("cpu_wa"))
                .filter(|v| *v > iowait_above)
                .map(|w| format!("I/O wait {w}%"))
        }
        Kind::RtmtAlert | Kind::Alarm => {
            let name = e.fields.get("alert").or_else(|| e.fields.get("alarm"))?;
            (name.contains("CpuPegging") || name.contains("CodeYellow") || name.contains("CodeRed"))
                .then(|| name.to_string())
        }
        _ => None,
    }
}
