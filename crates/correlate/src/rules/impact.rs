//! Impact: who lost service, from when to when, seen where.

use super::secs;
use crate::ctx::{Ctx, Impact};
use crate::finding::{Finding, FindingKind};
use std::collections::{BTreeMap, BTreeSet};
use uctriage_core::{EntityKind, Event, Kind};
use uctriage_knowledge::Rule;

pub(crate) fn run(rule: &Rule, ctx: &mut Ctx<'_>) {
    let gap = rule.param("gap_s", 300.0) as i64;
    let burst = rule.param("min_unregistered_burst", 3.0) as usize;
    let events = ctx.events();
    let kinds: Vec<Kind> = rule.kinds.iter().filter_map(|k| Kind::parse(k)).collect();
    let lost_state = rule.text.get("service_lost_state").map(String::as_str);
    let losses: Vec<usize> = (0..events.len())
        .filter(|&i| kinds.contains(&events[i].kind) && events[i].time.is_some())
        .filter(|&i| events[i].kind != Kind::ServiceState || is_state(&events[i], lost_state))
        .filter(|&i| !routine_unregistration(ctx, rule, &events[i]))
        .collect();
    for episode in split(events, &losses, gap) {
        let app_level = episode
            .iter()
            .any(|&i| events[i].kind != Kind::DeviceUnregistered);
        let devices = ids(events, &episode, EntityKind::Device);
        if !app_level && devices.len() < burst {
            continue;
        }
        let f = build(rule, ctx, &episode);
        let start = events[episode[0]].time.unwrap();
        let devices = f.devices.clone();
        let id = ctx.push(f);
        ctx.impacts.push(Impact {
            id,
            devices,
            start,
            events: episode,
        });
    }
}

/// Whether a service-state event is in `state` (an application's service,
/// such as its JTAPI provider, going out of service is a loss; a service
/// merely restarting on a node is not, so only the state named counts).
fn is_state(e: &Event, state: Option<&str>) -> bool {
    state.is_some_and(|s| {
        e.fields
            .get("state")
            .is_some_and(|v| v.eq_ignore_ascii_case(s))
    })
}

/// An unregistration whose decoded reason the rule calls routine (a user
/// resetting a phone, an Extension Mobility login): not a loss of service.
fn routine_unregistration(ctx: &Ctx<'_>, rule: &Rule, e: &Event) -> bool {
    if e.kind != Kind::DeviceUnregistered {
        return false;
    }
    let Some(code) = e.fields.get("Reason") else {
        return false;
    };
    let alarm = e.fields.get("alarm").or(Some("DeviceUnregistered"));
    let name = ctx
        .kb
        .decode(alarm, e.kind.as_str(), "Reason", code)
        .unwrap_or(code);
    rule.text
        .get("routine_reasons")
        .is_some_and(|list| list.split(',').any(|r| r.trim() == name))
}

/// Split loss events into episodes separated by more than `gap` seconds.
fn split(events: &[Event], idx: &[usize], gap: i64) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    for &i in idx {
        let t = events[i].time.unwrap();
        match out.last_mut() {
            Some(ep) if secs(t, events[*ep.last().unwrap()].time.unwrap()) <= gap => ep.push(i),
            _ => out.push(vec![i]),
        }
    }
    out
}

fn ids(events: &[Event], idx: &[usize], kind: EntityKind) -> BTreeSet<String> {
    idx.iter()
        .flat_map(|&i| events[i].entity_ids(kind).map(str::to_string))
        .collect()
}

fn build(rule: &Rule, ctx: &Ctx<'_>, episode: &[usize]) -> Finding {
    let events = ctx.events();
    let devices = ids(events, episode, EntityKind::Device);
    let addresses = ids(events, episode, EntityKind::Address);
    let lost_services: Vec<usize> = episode
        .iter()
        .copied()
        .filter(|&i| events[i].kind == Kind::ServiceState)
        .collect();
    let services = ids(events, &lost_services, EntityKind::Service);
    let start = events[episode[0]].time.unwrap();
    let back = returns(ctx, rule, &devices, &addresses, &services, start);
    let end = if !back.is_empty() && back.len() == devices.len() + addresses.len() + services.len()
    {
        back.values().map(|(t, _)| *t).max()
    } else {
        None
    };
    let mut causes: BTreeMap<String, usize> = BTreeMap::new();
    for &i in episode {
        if let Some(c) = events[i]
            .fields
            .get("cause")
            .or_else(|| events[i].fields.get("Reason"))
        {
            *causes.entry(c.to_string()).or_default() += 1;
        }
    }
    let seen: BTreeSet<String> = episode
        .iter()
        .filter_map(|&i| events[i].host.clone())
        .collect();
    let dev_list: Vec<String> = devices.iter().cloned().collect();
    let svc_list: Vec<String> = services.iter().cloned().collect();
    let who = match (devices.len(), svc_list.is_empty()) {
        (0, false) => format!("the {}", svc_list.join(", ")),
        (n, false) => format!("{} and the {}", plural(n, "device"), svc_list.join(", ")),
        (n, true) => plural(n, "device"),
    };
    let mut lost: Vec<String> = svc_list.iter().map(|s| format!("the {s}")).collect();
    lost.extend(dev_list.iter().cloned());
    let title = format!(
        "{} lost service{} from {}{}",
        who,
        if addresses.is_empty() {
            String::new()
        } else {
            format!(" ({})", plural_list(&addresses, "address", "addresses"))
        },
        ctx.when(start),
        match end {
            Some(e) => format!(" until {}", ctx.when_short(e, start)),
            None => String::new(),
        }
    );
    let mut f = Finding::new(FindingKind::Impact, &rule.id, title);
    f.summary = format!(
        "{} went out of service{}, as seen by {}{}. {}",
        join_max(&lost, 8),
        if causes.is_empty() {
            String::new()
        } else {
            format!(
                " (causes: {})",
                causes.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        },
        seen.iter().cloned().collect::<Vec<_>>().join(", "),
        match end {
            Some(e) => format!(
                ", and all were back by {} ({} later)",
                ctx.when(e),
                crate::ctx::span(secs(e, start))
            ),
            None if back.is_empty() => ", with no return to service in the bundle".to_string(),
            None => format!(", and {} of them came back", back.len()),
        },
        decoded_causes(ctx, events, episode),
    )
    .trim_end()
    .to_string();
    if let Some(first) = f.summary.get(..1) {
        f.summary = first.to_uppercase() + &f.summary[1..];
    }
    f.start = Some(start);
    f.end = end;
    Finding::add(&mut f.devices, dev_list);
    Finding::add(&mut f.devices, addresses.iter().cloned());
    Finding::add(&mut f.services, svc_list);
    Finding::add(&mut f.hosts, seen);
    f.confidence = 0.9;
    for &i in episode {
        f.cite(&events[i].evidence);
    }
    for (_, ev) in back.values() {
        f.cite(ev);
    }
    ctx.cite_sources(&mut f, &rule.sources);
    f
}

/// When each lost device / address / service came back, if it did within the window.
fn returns(
    ctx: &Ctx<'_>,
    rule: &Rule,
    devices: &BTreeSet<String>,
    addresses: &BTreeSet<String>,
    services: &BTreeSet<String>,
    start: uctriage_core::jiff::Timestamp,
) -> BTreeMap<String, (uctriage_core::jiff::Timestamp, uctriage_core::Evidence)> {
    let within = rule.param("return_within_s", 43200.0) as i64;
    let back_state = rule.text.get("service_back_state").map(String::as_str);
    let mut back = BTreeMap::new();
    for e in ctx.events() {
        let Some(t) = e.time else { continue };
        if t <= start || secs(t, start) > within {
            continue;
        }
        let (kind, set) = match e.kind {
            Kind::DeviceInService | Kind::DeviceRegistered => (EntityKind::Device, devices),
            Kind::AddressInService => (EntityKind::Address, addresses),
            Kind::ServiceState if is_state(e, back_state) => (EntityKind::Service, services),
            _ => continue,
        };
        for id in e.entity_ids(kind).filter(|id| set.contains(*id)) {
            back.entry(id.to_string())
                .or_insert((t, e.evidence.clone()));
        }
    }
    back
}

/// Cause codes decoded through the knowledge base's code tables.
fn decoded_causes(ctx: &Ctx<'_>, events: &[Event], episode: &[usize]) -> String {
    let mut said = BTreeSet::new();
    for &i in episode {
        let e = &events[i];
        let alarm = e.fields.get("alarm");
        for field in ["cause_code", "cause", "Reason"] {
            if let Some(code) = e.fields.get(field) {
                if let Some(meaning) = ctx.kb.decode(alarm, e.kind.as_str(), field, code) {
                    said.insert(format!("{code} = {meaning}"));
                }
            }
        }
    }
    if said.is_empty() {
        String::new()
    } else {
        format!(
            "Codes: {}.",
            said.into_iter().collect::<Vec<_>>().join("; ")
        )
    }
}

pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn plural_list(items: &BTreeSet<String>, one: &str, many: &str) -> String {
    let list: Vec<String> = items.iter().cloned().collect();
    format!(
        "{} {}",
        if items.len() == 1 { one } else { many },
        join_max(&list, 6)
    )
}

pub(crate) fn join_max(items: &[String], max: usize) -> String {
    if items.len() <= max {
        items.join(", ")
    } else {
        format!("{} and {} more", items[..max].join(", "), items.len() - max)
    }
}
