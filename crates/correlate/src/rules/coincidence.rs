//! Coincidence: problems on other hosts that did not cause the impact —
//! because they began long before it, or because the host has no path to the
//! impacted devices. Otherwise they may have contributed, and are said so.

use super::secs;
use crate::ctx::{span, Ctx};
use crate::finding::{Finding, FindingKind};
use std::collections::{BTreeMap, BTreeSet};
use uctriage_core::jiff::Timestamp;
use uctriage_core::{Event, Evidence, Kind};
use uctriage_knowledge::Rule;

/// One symptom on a host: when it began, what it is, its proofs.
struct Symptom {
    first: Timestamp,
    last: Timestamp,
    /// A few words for the title.
    short: String,
    /// A sentence part for the summary.
    what: String,
    evidence: Vec<Evidence>,
}

pub(crate) fn run(rule: &Rule, ctx: &mut Ctx<'_>) {
    let t0 = match ctx
        .impacts
        .first()
        .map(|i| i.start)
        .or_else(|| ctx.root_crashes.first().map(|(_, c)| ctx.crashes[*c].time))
    {
        Some(t) => t,
        None => return,
    };
    let root_hosts: BTreeSet<String> = ctx
        .root_crashes
        .iter()
        .map(|(_, c)| ctx.crashes[*c].host.clone())
        .collect();
    // In CallManager group priority order (primary first), not by name.
    let mut served_by: Vec<String> = Vec::new();
    for node in ctx
        .impacts
        .iter()
        .flat_map(|i| i.devices.iter())
        .filter_map(|d| ctx.topo.registration(d))
        .flat_map(|r| r.nodes)
    {
        if !served_by.contains(&node) {
            served_by.push(node);
        }
    }
    let hosts: Vec<String> = ctx.bundle.hosts.hosts().keys().cloned().collect();
    for host in hosts.iter().filter(|h| !root_hosts.contains(*h)) {
        let symptoms = symptoms(rule, ctx, host);
        if symptoms.is_empty() {
            continue;
        }
        let mut f = judge(rule, ctx, host, &symptoms, t0, &served_by);
        shared_host(ctx, &mut f, host, &root_hosts);
        ctx.push(f);
    }
    reauthentications(rule, ctx, t0);
}

/// An alert that only counts the loss itself (registered phones dropped, ...)
/// is the impact seen by RTMT, not a separate problem of its node. The names
/// are rules.toml text `impact_alerts` (comma-separated).
fn measures_impact(rule: &Rule, e: &Event) -> bool {
    let Some(name) = e.fields.get("alert") else {
        return false;
    };
    rule.text.get("impact_alerts").is_some_and(|list| {
        list.split(',')
            .map(str::trim)
            .any(|a| !a.is_empty() && a.eq_ignore_ascii_case(name))
    })
}

fn judge(
    rule: &Rule,
    ctx: &Ctx<'_>,
    host: &str,
    symptoms: &[Symptom],
    t0: Timestamp,
    served_by: &[String],
) -> Finding {
    let long_before = rule.param("long_before_s", 3600.0) as i64;
    let first = symptoms.iter().map(|s| s.first).min().unwrap();
    let last = symptoms.iter().map(|s| s.last).max().unwrap();
    let mut reasons = Vec::new();
    if secs(t0, first) > long_before {
        reasons.push(format!(
            "its trouble began at {}, {} before the impact at {}",
            ctx.when(first),
            span(secs(t0, first)),
            ctx.when_short(t0, first)
        ));
    }
    if !served_by.is_empty() && !served_by.iter().any(|h| h == host) {
        reasons.push(format!(
            "{host} is not in the CallManager group of the impacted devices ({})",
            served_by.join(", ")
        ));
    }
    let whats: Vec<String> = symptoms.iter().map(|s| s.what.clone()).collect();
    let shorts: Vec<String> = symptoms.iter().map(|s| s.short.clone()).collect();
    let (kind, confidence, verdict) = if reasons.is_empty() {
        (FindingKind::Contributing, 0.4, format!("It began during the incident and {host} may serve the impacted devices, so it may have contributed."))
    } else {
        (
            FindingKind::Coincidental,
            0.55 + 0.15 * reasons.len() as f64,
            format!("A coincidence: {}.", reasons.join("; and ")),
        )
    };
    let title = format!(
        "{host}: {}{}",
        shorts.join(", "),
        if kind == FindingKind::Coincidental {
            " — a coincidence"
        } else {
            ""
        }
    );
    let mut f = Finding::new(kind, &rule.id, title);
    f.summary = format!(
        "{host} had its own problems: {}. {verdict}",
        whats.join("; ")
    );
    f.start = Some(first);
    f.end = Some(last);
    f.confidence = confidence;
    Finding::add(&mut f.hosts, [host.to_string()]);
    for s in symptoms {
        for e in s.evidence.iter().take(4) {
            f.cite(e);
        }
    }
    ctx.cite_sources(&mut f, &rule.sources);
    f
}

/// A sick VM on the same ESXi host (or datastore) as the root-cause node is not
/// independent of it: host-level contention may explain both.
fn shared_host(ctx: &Ctx<'_>, f: &mut Finding, host: &str, root_hosts: &BTreeSet<String>) {
    for root in root_hosts {
        let Some(shared) = ctx.topo.shared_infrastructure(host, root) else {
            continue;
        };
        f.kind = FindingKind::Contributing;
        f.title = format!(
            "{host}: {} — shares {shared} with {root}",
            f.title
                .split_once(": ")
                .map_or("", |t| t.1)
                .trim_end_matches(" — a coincidence")
        );
        f.summary.push_str(&format!(
            " But {host} runs on the same {shared} as {root}: a host-level problem (CPU contention, CPU ready, storage latency) can starve both VMs, so it is not independent of the root cause. Check that host's CPU ready and datastore latency for the incident window."
        ));
        f.confidence = 0.5;
        for p in [ctx.topo.placement(host), ctx.topo.placement(root)]
            .into_iter()
            .flatten()
        {
            f.cite(&p.evidence);
        }
        return;
    }
}

/// Everything wrong with `host` in the bundle, one symptom per kind of trouble.
fn symptoms(rule: &Rule, ctx: &Ctx<'_>, host: &str) -> Vec<Symptom> {
    let mut out: BTreeMap<String, Symptom> = BTreeMap::new();
    let hhmm = |t: Timestamp| {
        t.to_zoned_datetime(ctx.tz.clone())
            .strftime("%H:%M")
            .to_string()
    };
    let mut note = |key: String, e: &Event, short: String, what: String| {
        let t = e.time.unwrap();
        let s = out.entry(key).or_insert_with(|| Symptom {
            first: t,
            last: t,
            short,
            what,
            evidence: Vec::new(),
        });
        s.first = s.first.min(t);
        s.last = s.last.max(t);
        s.evidence.push(e.evidence.clone());
    };
    // An event is about the remote end of a link, or the target of a ping,
    // when it names one by address or host name; else about its own host.
    let about = |e: &Event| -> Option<String> {
        e.fields
            .iter()
            .find(|(k, _)| {
                ["remoteipaddress", "remote_host", "target"]
                    .contains(&k.to_ascii_lowercase().as_str())
            })
            .map(|(_, v)| ctx.bundle.hosts.resolve(v))
            .or_else(|| e.host.clone())
    };
    for e in ctx.events().iter().filter(|e| e.time.is_some()) {
        let subject = about(e);
        if subject.as_deref() != Some(host) {
            continue;
        }
        let state = e
            .fields
            .get("state")
            .map(|s| s.to_ascii_lowercase())
            .unwrap_or_default();
        match e.kind {
            Kind::ClusterAuth if state.starts_with("not") => {
                let t = e.time.unwrap();
                note(
                    "auth".into(),
                    e,
                    format!("not authenticated since {}", hhmm(t)),
                    format!("{} since {}", e.fields["state"], ctx.when(t)),
                )
            }
            Kind::SdlLink if state.contains("out") => note(
                "sdl".into(),
                e,
                "SDL links down".into(),
                "SDL links to it out of service".into(),
            ),
            Kind::Replication if replication_bad(e) => {
                let text = replication_text(e);
                note("repl".into(), e, text.clone(), text)
            }
            Kind::RtmtAlert if !measures_impact(rule, e) => {
                let name = e.fields.get("alert").cloned().unwrap_or_default();
                let t = e.time.unwrap();
                note(
                    format!("alert-{name}"),
                    e,
                    format!("{name} alerts"),
                    format!("RTMT alert {name} from {}", ctx.when(t)),
                );
            }
            Kind::Ping if e.fields.get("lost").is_some_and(|l| l == "true") => note(
                "ping-loss".into(),
                e,
                "pings lost".into(),
                "pings to it lost".into(),
            ),
            _ => {}
        }
    }
    for (key, s) in pegged_cpu(rule, ctx, host)
        .into_iter()
        .chain(slow_pings(ctx, host))
    {
        out.insert(key.to_string(), s);
    }
    let mut v: Vec<Symptom> = out.into_values().collect();
    v.sort_by_key(|s| s.first);
    v
}

fn replication_bad(e: &Event) -> bool {
    let state = e
        .fields
        .get("replication_state")
        .map(String::as_str)
        .unwrap_or("");
    let text = format!(
        "{} {}",
        e.fields.get("state_text").map_or("", |s| s),
        e.fields.get("status").map_or("", |s| s)
    )
    .to_ascii_lowercase();
    state == "4"
        || state == "-"
        || text.contains("off-line")
        || text.contains("failed")
        || e.fields.contains_key("alert")
}

fn replication_text(e: &Event) -> String {
    match e.fields.get("status").filter(|s| !s.is_empty()) {
        Some(s) => format!("replication {s}"),
        None => format!(
            "replication state ({})",
            e.fields.get("replication_state").map_or("?", |s| s)
        ),
    }
}

/// Runs of CPU samples at or above the pegged level lasting long enough.
fn pegged_cpu(rule: &Rule, ctx: &Ctx<'_>, host: &str) -> Vec<(&'static str, Symptom)> {
    let level = rule.param("cpu_pegged_percent", 95.0);
    let min = rule.param("cpu_pegged_min_s", 600.0) as i64;
    let mut best: Option<Symptom> = None;
    let mut run: Option<(Timestamp, Timestamp, f64, Evidence)> = None;
    let samples = ctx
        .events()
        .iter()
        .filter(|e| e.kind == Kind::MetricSample && e.host.as_deref() == Some(host));
    for e in samples {
        let Some(cpu) = cpu_value(e) else { continue };
        let t = e.time.unwrap();
        if cpu >= level {
            run = Some(match run {
                Some((s, _, peak, ev)) => (s, t, peak.max(cpu), ev),
                None => (t, t, cpu, e.evidence.clone()),
            });
        } else if let Some((s, end, peak, ev)) = run.take() {
            keep_longest(&mut best, s, end, peak, ev, min);
        }
    }
    if let Some((s, end, peak, ev)) = run {
        keep_longest(&mut best, s, end, peak, ev, min);
    }
    let since = |t: Timestamp| {
        t.to_zoned_datetime(ctx.tz.clone())
            .strftime("%H:%M")
            .to_string()
    };
    best.map(|mut b| {
        b.short = format!("CPU pegged since {}", since(b.first));
        vec![("cpu", b)]
    })
    .unwrap_or_default()
}

fn keep_longest(
    best: &mut Option<Symptom>,
    s: Timestamp,
    end: Timestamp,
    peak: f64,
    ev: Evidence,
    min: i64,
) {
    let len = secs(end, s);
    if len >= min && best.as_ref().is_none_or(|b| secs(b.last, b.first) < len) {
        *best = Some(Symptom {
            first: s,
            last: end,
            short: "CPU pegged".into(),
            what: format!(
                "CPU at or above the pegged level (peak {peak:.0}%) for {}",
                span(len)
            ),
            evidence: vec![ev],
        });
    }
}

fn cpu_value(e: &Event) -> Option<f64> {
    e.fields.iter().find_map(|(k, v)| {
        let k = k.to_ascii_lowercase();
        (k.contains("processor") && k.contains("cpu time"))
            .then(|| v.parse().ok())
            .flatten()
    })
}

/// Ping round trips far above the earlier ones to the same host.
fn slow_pings(ctx: &Ctx<'_>, host: &str) -> Vec<(&'static str, Symptom)> {
    let pings: Vec<(&Event, f64)> = ctx
        .events()
        .iter()
        .filter(|e| e.kind == Kind::Ping && e.time.is_some())
        .filter(|e| {
            e.fields
                .get("target")
                .is_some_and(|t| ctx.bundle.hosts.resolve(t) == host)
        })
        .filter_map(|e| Some((e, e.fields.get("rtt_ms")?.parse::<f64>().ok()?)))
        .collect();
    if pings.len() < 4 {
        return Vec::new();
    }
    let mut rtts: Vec<f64> = pings.iter().map(|p| p.1).collect();
    rtts.sort_by(f64::total_cmp);
    let base = rtts[rtts.len() / 4].max(1.0);
    let slow: Vec<&(&Event, f64)> = pings.iter().filter(|p| p.1 > 5.0 * base).collect();
    let (Some(first), Some(last)) = (slow.first(), slow.last()) else {
        return Vec::new();
    };
    let peak = slow.iter().map(|p| p.1).fold(0.0, f64::max);
    vec![(
        "ping",
        Symptom {
            first: first.0.time.unwrap(),
            last: last.0.time.unwrap(),
            short: format!("ping {peak:.0} ms"),
            what: format!("ping RTT up to {peak:.0} ms against {base:.0} ms before"),
            evidence: slow.iter().take(3).map(|p| p.0.evidence.clone()).collect(),
        },
    )]
}

/// A node that re-authenticated to the cluster hours before the impact.
fn reauthentications(rule: &Rule, ctx: &mut Ctx<'_>, t0: Timestamp) {
    let lookback = rule.param("reauth_lookback_s", 86400.0) as i64;
    let long_before = rule.param("long_before_s", 3600.0) as i64;
    let mut found = Vec::new();
    for e in ctx.events().iter().filter(|e| e.kind == Kind::ClusterAuth) {
        let (Some(t), Some(h)) = (e.time, e.host.clone()) else {
            continue;
        };
        let state = e.fields.get("state").map(String::as_str).unwrap_or("");
        let ago = secs(t0, t);
        if state.starts_with("authenticated") && ago > long_before && ago <= lookback {
            found.push((h, t, e.evidence.clone()));
        }
    }
    for (h, t, ev) in found {
        let mut f = Finding::new(
            FindingKind::Coincidental,
            &rule.id,
            format!(
                "{h} re-authenticated to the cluster {} before the impact — a coincidence",
                span(secs(t0, t))
            ),
        );
        f.summary = format!(
            "{h} has been authenticated since {}, so its intra-cluster connection was re-established then, {} before the impact; nothing in the bundle links that reconnect to the incident.",
            ctx.when(t),
            span(secs(t0, t))
        );
        f.start = Some(t);
        f.confidence = 0.6;
        Finding::add(&mut f.hosts, [h]);
        f.cite(&ev);
        ctx.cite_sources(&mut f, &rule.sources);
        ctx.push(f);
    }
}
