//! Coincidence: problems on other hosts that did not cause the impact —
//! because they began long before it, or because the host has no path to the
//! impacted devices. Otherwise they may have contributed, and are said so.

use super::secs;
use crate::ctx::{span, Ctx};
use crate::finding::{Finding, FindingKind};
use crate::metrics::Episode;
use std::borrow::Cow;
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
    /// The first few proofs, in event order (a finding cites at most
    /// [`CITED`] per symptom, so the rest are not kept).
    evidence: Vec<Evidence>,
}

/// Proofs cited per symptom.
const CITED: usize = 4;

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
    // The ESXi hosts the root-cause nodes run on are judged with the root
    // cause (as contributing causes), not as coincidences.
    let root_esx: BTreeSet<String> = root_hosts
        .iter()
        .filter_map(|h| ctx.topo.placement(h))
        .map(|p| ctx.bundle.hosts.resolve(&p.esx))
        .collect();
    let by_subject = events_by_subject(ctx);
    for host in hosts
        .iter()
        .filter(|h| !root_hosts.contains(*h) && !root_esx.contains(*h))
    {
        let events = by_subject.get(host.as_str()).map_or(&[][..], Vec::as_slice);
        let symptoms = symptoms(rule, ctx, host, events);
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
        for e in s.evidence.iter().take(CITED) {
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

/// The timed events by the host they are about: the remote end of a link or
/// the target of a ping when the event names one by address or host name,
/// else the event's own host. One pass over the events serves every host;
/// which of them are symptoms is decided in [`symptoms`] alone.
fn events_by_subject<'e>(ctx: &Ctx<'e>) -> BTreeMap<Cow<'e, str>, Vec<&'e Event>> {
    const REMOTE_KEYS: [&str; 3] = ["remoteipaddress", "remote_host", "target"];
    let mut out: BTreeMap<Cow<'e, str>, Vec<&'e Event>> = BTreeMap::new();
    for e in ctx.events().iter().filter(|e| e.time.is_some()) {
        let remote = e
            .fields
            .iter()
            .find(|(k, _)| REMOTE_KEYS.iter().any(|r| k.eq_ignore_ascii_case(r)))
            .map(|(_, v)| Cow::Owned(ctx.bundle.hosts.resolve(v)));
        let Some(subject) = remote.or_else(|| e.host.as_deref().map(Cow::Borrowed)) else {
            continue;
        };
        out.entry(subject).or_default().push(e);
    }
    out
}

/// Everything wrong with `host` in the bundle, one symptom per kind of trouble,
/// from the events about it ([`events_by_subject`]) and its metric episodes.
fn symptoms(rule: &Rule, ctx: &Ctx<'_>, host: &str, events: &[&Event]) -> Vec<Symptom> {
    let mut out: BTreeMap<String, Symptom> = BTreeMap::new();
    let hhmm = |t: Timestamp| {
        t.to_zoned_datetime(ctx.tz.clone())
            .strftime("%H:%M")
            .to_string()
    };
    // `describe` gives the symptom's title words and summary part; it runs
    // once per symptom, for its first event.
    let mut note = |key: String, e: &Event, describe: &dyn Fn() -> (String, String)| {
        let t = e.time.unwrap();
        let s = out.entry(key).or_insert_with(|| {
            let (short, what) = describe();
            Symptom {
                first: t,
                last: t,
                short,
                what,
                evidence: Vec::new(),
            }
        });
        s.first = s.first.min(t);
        s.last = s.last.max(t);
        if s.evidence.len() < CITED {
            s.evidence.push(e.evidence.clone());
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
                let t = e.time.unwrap();
                note("auth".into(), e, &|| {
                    (
                        format!("not authenticated since {}", hhmm(t)),
                        format!("{} since {}", &e.fields["state"], ctx.when(t)),
                    )
                })
            }
            Kind::SdlLink if state.contains("out") => note("sdl".into(), e, &|| {
                (
                    "SDL links down".into(),
                    "SDL links to it out of service".into(),
                )
            }),
            Kind::Replication if replication_bad(e) => note("repl".into(), e, &|| {
                let text = replication_text(e);
                (text.clone(), text)
            }),
            Kind::RtmtAlert if !measures_impact(rule, e) => {
                let name = e.fields.get("alert").unwrap_or("");
                let t = e.time.unwrap();
                note(format!("alert-{name}"), e, &|| {
                    (
                        format!("{name} alerts"),
                        format!("RTMT alert {name} from {}", ctx.when(t)),
                    )
                });
            }
            Kind::Ping if e.fields.get("lost").is_some_and(|l| l == "true") => {
                note("ping-loss".into(), e, &|| {
                    ("pings lost".into(), "pings to it lost".into())
                })
            }
            _ => {}
        }
    }
    for ep in ctx.episodes.iter().filter(|e| e.host == host) {
        let key = format!("episode-{}", ep.metric);
        if out.contains_key(&key) {
            continue;
        }
        out.insert(key, episode_symptom(ctx, ep));
    }
    let mut v: Vec<Symptom> = out.into_values().collect();
    v.sort_by_key(|s| s.first);
    v
}

fn replication_bad(e: &Event) -> bool {
    let state = e.fields.get("replication_state").unwrap_or("");
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

/// A metric episode as a symptom: what left its band, since when, how far.
fn episode_symptom(ctx: &Ctx<'_>, ep: &Episode) -> Symptom {
    let since = ep
        .start
        .to_zoned_datetime(ctx.tz.clone())
        .strftime("%H:%M")
        .to_string();
    let label = metric_label(&ep.metric);
    let edge = format!("{:.0} {}", ep.threshold, ep.unit);
    let short = format!(
        "{label} over {edge} since {since}{}",
        if ep.open_start { " (or earlier)" } else { "" }
    );
    let what = format!(
        "{label} out of its normal band from {}{} to {} (peak {:.0} {} at {}, {:.0} {} over the edge; edge: {})",
        ctx.when(ep.start),
        if ep.open_start { " (already when the data begins)" } else { "" },
        ep.end.map_or("the end of the data".to_string(), |e| ctx.when(e)),
        ep.peak,
        ep.unit,
        ctx.when_short(ep.peak_at, ep.start),
        ep.over_by,
        ep.unit,
        ep.basis
    );
    Symptom {
        first: ep.start,
        last: ep.end.unwrap_or(ep.peak_at),
        short,
        what,
        evidence: ep.evidence.clone(),
    }
}

/// Words for a metric class.
pub(crate) fn metric_label(metric: &str) -> &str {
    match metric {
        "cpu_percent" => "CPU",
        "iowait_percent" => "I/O wait",
        "memory_percent" => "memory use",
        "disk_latency_ms" => "disk latency",
        "kernel_latency_ms" => "kernel disk latency",
        "cpu_ready_percent" => "CPU ready",
        "ping_rtt_ms" => "ping RTT",
        "ping_loss_percent" => "ping loss",
        "registered_devices" => "registered devices",
        other => other,
    }
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
        let state = e.fields.get("state").unwrap_or("");
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
