//! Advice: post-incident steps whose trigger appears in the findings.

use crate::ctx::Ctx;
use crate::finding::{Finding, FindingKind};
use std::collections::BTreeSet;
use uctriage_core::{EntityKind, Event, Kind};
use uctriage_knowledge::Rule;

pub(crate) fn run(rule: &Rule, ctx: &mut Ctx<'_>) {
    let triggers = triggers(rule, ctx);
    let advice: Vec<_> = ctx
        .kb
        .advice
        .advice
        .iter()
        .filter(|a| a.when.iter().any(|w| triggers.contains(w.as_str())))
        .cloned()
        .collect();
    if advice.is_empty() {
        return;
    }
    let mut f = Finding::new(
        FindingKind::Advisory,
        &rule.id,
        "Post-incident steps".to_string(),
    );
    let found: Vec<String> = triggers.iter().map(|t| t.replace('_', " ")).collect();
    f.title = format!(
        "Post-incident steps ({} items, for: {})",
        advice.len(),
        found.join(", ")
    );
    f.summary = advice
        .iter()
        .map(|a| first_sentence(&a.text))
        .collect::<Vec<_>>()
        .join(" ");
    for a in &advice {
        let bugs = if a.bug_ids.is_empty() {
            String::new()
        } else {
            format!(" (bug IDs: {})", a.bug_ids.join(", "))
        };
        Finding::add(&mut f.next_checks, [format!("{}{bugs}", a.text.trim())]);
        ctx.cite_sources(&mut f, &a.sources);
    }
    f.confidence = 0.7;
    ctx.push(f);
}

fn first_sentence(text: &str) -> String {
    let t = text.trim();
    let end = t.find(". ").map_or(t.len(), |i| i + 1);
    let s = &t[..end];
    match s.char_indices().nth(140) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// Which advice triggers the findings so far set off.
fn triggers(rule: &Rule, ctx: &Ctx<'_>) -> BTreeSet<&'static str> {
    let mut t = BTreeSet::new();
    for (_, ci) in &ctx.root_crashes {
        t.insert("service_core");
        if ctx.crashes[*ci].cores.iter().any(|c| c.reason.is_some()) {
            t.insert("intentional_abort");
        }
    }
    let prefixes: Vec<String> = rule
        .text
        .get("mobile_agent_prefixes")
        .map_or("LCP,RCP", String::as_str)
        .split(',')
        .map(|s| s.trim().to_ascii_uppercase())
        .collect();
    for ep in &ctx.episodes {
        match ep.metric.as_str() {
            "cpu_percent" => t.insert("cpu_pegged"),
            "disk_latency_ms" | "kernel_latency_ms" => t.insert("storage_latency"),
            "cpu_ready_percent" => t.insert("cpu_ready"),
            _ => false,
        };
    }
    for f in &ctx.findings {
        let text = format!("{} {}", f.title, f.summary).to_ascii_lowercase();
        for (needle, trig) in [
            ("not authenticated", "node_not_authenticated"),
            ("replication", "replication_bad"),
            ("sdl link", "sdl_link_down"),
            ("past end of support", "end_of_support"),
        ] {
            if text.contains(needle) {
                t.insert(trig);
            }
        }
        if f.kind == FindingKind::Impact && f.devices.iter().any(|d| has_prefix(d, &prefixes)) {
            t.insert("mobile_agent_ports_lost");
        }
    }
    // Port names are a site convention: a CTI port (per the bundle's device
    // export) that the PG's JTAPI gateway saw go out of service is a Mobile
    // Agent port whatever it is called.
    let events = ctx.events();
    let cti = cti_ports(events);
    if ctx
        .impacts
        .iter()
        .any(|imp| !pg_lost_cti_ports(events, &imp.events, &cti).is_empty())
    {
        t.insert("mobile_agent_ports_lost");
    }
    t
}

fn has_prefix(device: &str, prefixes: &[String]) -> bool {
    prefixes
        .iter()
        .any(|p| device.to_ascii_uppercase().starts_with(p.as_str()))
}

/// Devices that a device export (BAT) lists with device type CTI Port.
fn cti_ports(events: &[Event]) -> BTreeSet<&str> {
    events
        .iter()
        .filter(|e| e.kind == Kind::Config && e.fields.get("table").is_some_and(|t| t == "device"))
        .filter(|e| {
            e.fields
                .get("device type")
                .is_some_and(|t| t.trim().eq_ignore_ascii_case("CTI Port"))
        })
        .filter_map(|e| e.fields.get("device name"))
        .collect()
}

/// The CTI ports among `loss` events that a UCCE PG (its JTAPI gateway
/// dumplog) reported.
fn pg_lost_cti_ports<'e>(
    events: &'e [Event],
    loss: &[usize],
    cti: &BTreeSet<&str>,
) -> BTreeSet<&'e str> {
    loss.iter()
        .map(|&i| &events[i])
        .filter(|e| e.format == "ucce-dumplog")
        .flat_map(|e| e.entity_ids(EntityKind::Device))
        .filter(|d| cti.contains(d))
        .collect()
}
