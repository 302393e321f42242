//! A site's network outage: many devices of one place unregistering together,
//! with no crash on the node they register to.

use super::secs;
use crate::ctx::{span, Ctx};
use crate::finding::{Finding, FindingKind};
use std::collections::BTreeMap;
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
            let crash_near = ctx
                .crashes
                .iter()
                .any(|c| secs(c.time, start).abs() <= window * 5);
            if crash_near {
                continue;
            }
            let reasons: BTreeMap<String, usize> = burst
                .iter()
                .filter_map(|e| e.fields.get("Reason"))
                .fold(BTreeMap::new(), |mut m, r| {
                    *m.entry(r.clone()).or_default() += 1;
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
            f.summary = format!(
                "{} devices of {site} unregistered within {} from {} (reasons: {}), reported by {}. No service core or crash on those nodes near that time, so the nodes were healthy and the devices lost their path to them: check the site's WAN link, its gateway / router and switch logs for that minute.",
                devices.len(),
                span(secs(end, start)),
                ctx.when(start),
                if decoded.is_empty() { "not given".to_string() } else { decoded.join(", ") },
                nodes.join(", ")
            );
            f.start = Some(start);
            f.end = Some(end);
            f.confidence = 0.75;
            Finding::add(&mut f.devices, devices.clone());
            Finding::add(&mut f.hosts, nodes);
            for e in burst.iter().take(10) {
                f.cite(&e.evidence);
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
