//! Titles and summaries of host hardware faults, hung VMs and failovers to
//! a backup node, from their data.

use super::{code, counted, join_max, plural, span, When};
use crate::data::*;
use uctriage_core::jiff::Timestamp;

fn secs(a: Timestamp, b: Timestamp) -> i64 {
    a.duration_since(b).as_secs()
}

fn words(what: &str) -> String {
    what.replace('_', " ")
}

pub(super) fn hardware(w: &When, d: &HardwareData) -> (String, String) {
    // The management controller names the failed part; ESXi only its symptoms.
    let named = d.parts.iter().any(|p| p.seen == "cimc");
    let parts: Vec<String> = d
        .parts
        .iter()
        .filter(|p| !named || p.seen == "cimc")
        .map(|p| words(&p.what))
        .collect();
    let on = if d.managers.is_empty() {
        format!("ESXi host {}", d.server)
    } else {
        format!("ESXi host {} (via {})", d.server, d.managers.join(", "))
    };
    let title = if d.untied {
        format!(
            "Hardware fault on {on} from {}: {}",
            w.full(d.first),
            join_max(&parts, 4)
        )
    } else {
        format!(
            "Hardware fault on {on} hung {}: {}",
            plural(d.hung.len(), "VM", "VMs"),
            join_max(&parts, 4)
        )
    };
    let mut s = String::new();
    for p in &d.parts {
        let codes: Vec<String> = p.codes.iter().map(code).collect();
        let when = p.first.map_or("in a CLI snapshot".to_string(), |t| {
            format!("from {}", w.short(t, d.first))
        });
        let seen = if p.seen == "cimc" {
            "the server's management controller (CIMC)"
        } else {
            "ESXi"
        };
        s.push_str(&format!(
            "{} reported {} {when} ({}; {}). ",
            capital(seen),
            words(&p.what),
            codes.join("; "),
            plural(p.count, "event", "events"),
        ));
    }
    if let Some(c) = d.cleared_at {
        s.push_str(&format!(
            "Every fault was cleared by {} ({} after the first). ",
            w.full(c),
            span(secs(c, d.first))
        ));
    }
    if d.redundancy_only {
        s.push_str("These faults lower the server's redundancy without stopping its I/O: advice, not a cause of what its VMs did.");
    } else if d.vms.is_empty() {
        s.push_str("No VM inventory places VMs on it.");
    } else if d.untied {
        s.push_str(&format!(
            "The inventory places {} on it; none of them shows trouble in the bundle, so this is advice, not a cause.",
            join_max(&d.vms, 8)
        ));
    } else {
        s.push_str(&format!(
            "The inventory places {} on it; {} hung (their dependents failed over, or they were reset) while it failed: the fault is the root cause of what they took down.",
            join_max(&d.vms, 8),
            join_max(&d.hung, 8)
        ));
    }
    (title, s)
}

fn capital(s: &str) -> String {
    super::capitalise(s)
}

pub(super) fn vm_hang(w: &When, d: &VmHangData, start: Option<Timestamp>) -> (String, String) {
    let start = start.expect("a hung VM has a start");
    let title = format!(
        "VM {} hung on faulty ESXi host {} from {}",
        d.vm,
        d.server,
        w.full(start)
    );
    let ds = d
        .datastore
        .as_ref()
        .map_or(String::new(), |x| format!(" (datastore {x})"));
    let mut s = format!("{} runs on {}{ds}.", d.vm, d.server);
    if !d.victims.is_empty() {
        let v: Vec<String> = d.victims.iter().map(|(c, n)| format!("{n} {c}")).collect();
        s.push_str(&format!(" It explains: {}", v.join(", ")));
        if d.devices > 0 {
            s.push_str(&format!(" ({})", plural(d.devices, "device", "devices")));
        }
        s.push('.');
    }
    if !d.inferred.is_empty() {
        s.push_str(&format!(
            " The link to {} is inferred: {} is a PG or CTI server and hung then, but the bundle does not say which CTI server those clients used.",
            d.inferred.join(", "),
            d.vm
        ));
    }
    if let Some(r) = d.reset_at {
        s.push_str(&format!(
            " It was reset or powered off at {}: a hard restart, not a clean shutdown of the guest.",
            w.short(r, start)
        ));
    }
    if let Some(b) = d.ungraceful_boot {
        s.push_str(&format!(
            " Its boot at {} followed no clean shutdown (system-history.log).",
            w.short(b, start)
        ));
    }
    (title, s)
}

pub(super) fn failover(
    w: &When,
    d: &FailoverData,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
) -> (String, String) {
    let start = start.expect("a failover has a start");
    let devices = counted(&d.device_types, d.devices.len());
    let to: Vec<&str> = d.backups.iter().map(|n| n.node.as_str()).collect();
    let title = format!(
        "{devices} of {} failed over to {} from {}",
        d.primary,
        to.join(", "),
        w.full(start)
    );
    let mut s = format!(
        "{} registered on {}, a backup node of their CallManager group, instead of their primary {}",
        join_max(&d.devices, 8),
        to.join(", "),
        d.primary
    );
    if let Some(e) = end {
        s.push_str(&format!(" (by {})", w.short(e, start)));
    }
    s.push('.');
    if d.primary_silent {
        s.push_str(&format!(
            " {} logged nothing meanwhile: it was down or hung, so it could not report them leaving.",
            d.primary
        ));
    }
    match d.fell_back_at {
        Some(t) => s.push_str(&format!(
            " All fell back to {} by {} (recovery, not a cause).",
            d.primary,
            w.full(t)
        )),
        None if d.fell_back > 0 => s.push_str(&format!(
            " {} of them fell back to {} later (recovery, not a cause).",
            d.fell_back, d.primary
        )),
        None => {}
    }
    if !d.fallback_codes.is_empty() {
        let c: Vec<String> = d.fallback_codes.iter().map(code).collect();
        s.push_str(&format!(" Fallback reasons: {}.", c.join("; ")));
    }
    (title, s)
}
