//! A site's network outage: many devices of one place unregistering together,
//! with no crash on the node they register to.

use super::secs;
use crate::ctx::{span, Ctx};
use crate::finding::{Finding, FindingKind};
use std::collections::BTreeMap;
use uctriage_core::jiff::Timestamp;
use uctriage_core::{EntityKind, Event, Kind};
use uctriage_knowledge::Rule;

pub(crate) fn run(rule: &Rule, ctx: &mut Ctx<'_>) {
    let min = rule.param("min_devices", 3.0) as usize;
    let window = rule.param("window_s", 180.0) as i64;
    let events = ctx.events();
    let mut by_site: BTreeMap<String, Vec<&Event>> = BTreeMap::new();
    for e in events
        .iter()
        .filter(|e| e.kind == Kind::DeviceUnregistered && e.time.is_some())
    {
        if let Some(site) = site_of(ctx, e) {
            by_site.entry(site).or_default().push(e);
        }
    }
    for (site, evs) in by_site {
        for burst in bursts(&evs, window) {
            let mut devices: Vec<String> = burst
                .iter()
                .flat_map(|e| e.entity_ids(EntityKind::Device).map(str::to_string))
                .collect();
            devices.sort();
            devices.dedup();
            if devices.len() < min {
                continue;
            }
            let start = burst[0].time.unwrap();
            let end = burst.last().unwrap().time.unwrap();
            // Only a crash on a node these devices register to (or that
            // reported them) explains their loss; one elsewhere does not.
            let their_nodes: Vec<String> = devices
                .iter()
                .filter_map(|d| ctx.topo.registration(d))
                .flat_map(|r| r.nodes)
                .chain(burst.iter().filter_map(|e| e.host.clone()))
                .collect();
            let crash_near = ctx
                .crashes
                .iter()
                .any(|c| secs(c.time, start).abs() <= window * 5 && their_nodes.contains(&c.host));
            if crash_near {
                continue;
            }
            let reasons: BTreeMap<String, usize> = burst
                .iter()
                .filter_map(|e| e.fields.get("Reason"))
                .fold(BTreeMap::new(), |mut m, r| {
                    *m.entry(r.to_string()).or_default() += 1;
                    m
                });
            let decoded: Vec<String> = reasons
                .keys()
                .map(|r| {
                    match ctx.kb.decode(
                        Some("EndPointUnregistered"),
                        "device_unregistered",
                        "Reason",
                        r,
                    ) {
                        Some(m) => format!("{r} = {m}"),
                        None => r.clone(),
                    }
                })
                .collect();
            let nodes: Vec<String> = {
                let mut n: Vec<String> = burst.iter().filter_map(|e| e.host.clone()).collect();
                n.sort();
                n.dedup();
                n
            };
            let mut f = Finding::new(
                FindingKind::RootCause,
                &rule.id,
                format!(
                    "Network outage at {site}: {} devices unregistered together, no CUCM fault",
                    devices.len()
                ),
            );
            let subnets = subnets(&burst);
            let pings = pings(rule, ctx, &subnets, start);
            f.summary = format!(
                "{} devices of {site}{} unregistered within {} from {} (reasons: {}), reported by {}. No service core or crash on those nodes near that time, so the nodes were healthy and the devices lost their path to them{}",
                devices.len(),
                match subnets.as_slice() {
                    [one] if !site.starts_with("subnet") => format!(" (subnet {one}.0/24)"),
                    _ => String::new(),
                },
                span(secs(end, start)),
                ctx.when(start),
                if decoded.is_empty() { "not given".to_string() } else { decoded.join(", ") },
                nodes.join(", "),
                if pings.said.is_empty() {
                    ": check the site's WAN link, its gateway / router and switch logs for that minute.".to_string()
                } else {
                    format!(". {} Check the site's WAN link, its gateway / router and switch logs for that period.", pings.said.join(" "))
                }
            );
            f.start = Some(start);
            f.end = Some(end);
            f.confidence = if pings.lossy { 0.85 } else { 0.75 };
            Finding::add(&mut f.devices, devices.clone());
            Finding::add(&mut f.hosts, nodes);
            for e in burst.iter().take(10) {
                f.cite(&e.evidence);
            }
            for ev in &pings.evidence {
                f.cite(ev);
            }
            ctx.cite_sources(&mut f, &rule.sources);
            let id = ctx.push(f);
            link_impacts(ctx, &devices, &id);
        }
    }
}

/// Where a device is: its device pool, else its /24 subnet.
fn site_of(ctx: &Ctx<'_>, e: &Event) -> Option<String> {
    let dev = e.entity_ids(EntityKind::Device).next()?;
    if let Some(pool) = ctx.topo.pool_of(dev) {
        return Some(format!("device pool {pool}"));
    }
    let ip = e.fields.get("IPAddress")?;
    let parts: Vec<&str> = ip.split('.').collect();
    (parts.len() == 4).then(|| format!("subnet {}.{}.{}.0/24", parts[0], parts[1], parts[2]))
}

/// The /24 prefixes (`a.b.c`) of the devices' addresses.
fn subnets(burst: &[&Event]) -> Vec<String> {
    let mut out: Vec<String> = burst
        .iter()
        .filter_map(|e| e.fields.get("IPAddress"))
        .filter_map(prefix24)
        .collect();
    out.sort();
    out.dedup();
    out
}

fn prefix24(ip: &str) -> Option<String> {
    let parts: Vec<&str> = ip.trim().split('.').collect();
    (parts.len() == 4 && parts.iter().all(|p| p.parse::<u8>().is_ok()))
        .then(|| parts[..3].join("."))
}

/// What pings towards the site's subnets say.
#[derive(Default)]
struct Pings {
    said: Vec<String>,
    lossy: bool,
    evidence: Vec<uctriage_core::Evidence>,
}

/// Ping runs towards an address in `subnets`, from shortly before the burst
/// to `ping_within_s` after it: loss at or above `loss_percent` corroborates
/// the outage, a clean run after it says when the site answered again.
fn pings(rule: &Rule, ctx: &Ctx<'_>, subnets: &[String], start: Timestamp) -> Pings {
    let loss_min = rule.param("loss_percent", 50.0);
    let within = rule.param("ping_within_s", 3600.0) as i64;
    let window = rule.param("window_s", 180.0) as i64;
    let mut out = Pings::default();
    let mut lossy_at: Option<Timestamp> = None;
    let events = ctx.events();
    for e in events.iter().filter(|e| e.kind == Kind::Ping) {
        let (Some(t), Some(target), Some(loss)) = (
            e.time,
            e.fields.get("target"),
            e.fields.get("loss_pct").and_then(|l| l.parse::<f64>().ok()),
        ) else {
            continue;
        };
        let d = secs(t, start);
        if d < -window || d > within {
            continue;
        }
        if !prefix24(target).is_some_and(|p| subnets.contains(&p)) {
            continue;
        }
        let from = e.host.clone().unwrap_or_else(|| "a host".into());
        if loss >= loss_min {
            let error = events
                .iter()
                .filter(|p| p.kind == Kind::Ping && p.time == e.time && p.host == e.host)
                .filter(|p| p.fields.get("target") == Some(target))
                .find_map(|p| p.fields.get("error"));
            out.said.push(format!(
                "Pings from {from} to {target}, in the site's subnet, lost {loss}% at {}{}.",
                ctx.when(t),
                error.map_or(String::new(), |x| format!(" ({x})"))
            ));
            out.lossy = true;
            lossy_at.get_or_insert(t);
            out.evidence.push(e.evidence.clone());
        } else if lossy_at.is_some_and(|l| t > l) && loss == 0.0 {
            out.said.push(format!(
                "At {} {target} answered {from} again (no loss).",
                ctx.when(t)
            ));
            out.evidence.push(e.evidence.clone());
            break;
        }
    }
    out
}

fn bursts<'e>(evs: &[&'e Event], window: i64) -> Vec<Vec<&'e Event>> {
    let mut out: Vec<Vec<&Event>> = Vec::new();
    for e in evs {
        match out.last_mut() {
            Some(b) if secs(e.time.unwrap(), b[0].time.unwrap()) <= window => b.push(e),
            _ => out.push(vec![e]),
        }
    }
    out
}

fn link_impacts(ctx: &mut Ctx<'_>, devices: &[String], id: &str) {
    let ids: Vec<String> = ctx
        .impacts
        .iter()
        .filter(|i| i.devices.iter().any(|d| devices.contains(d)))
        .map(|i| i.id.clone())
        .collect();
    for i in ids {
        if let Some(f) = ctx.finding_mut(&i) {
            Finding::add(&mut f.caused_by, [id.to_string()]);
        }
    }
}
