//! Titles and summaries of the CUCM failure classes (replication, time,
//! trunks and failed calls, certificates, disk, memory), from their data.

use super::{capitalise, code, join_max, plural, span, When};
use crate::data::*;
use uctriage_core::jiff::Timestamp;

fn secs(a: Timestamp, b: Timestamp) -> i64 {
    a.duration_since(b).as_secs()
}

pub(super) fn replication(
    w: &When,
    d: &ReplicationData,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
) -> (String, String) {
    let start = start.expect("a replication failure has a start");
    let states: Vec<String> = {
        let mut v: Vec<String> = Vec::new();
        for n in d.nodes.iter().filter(|n| n.broken) {
            let s = match (&n.state, &n.state_name) {
                (Some(c), Some(name)) => format!("({c}) {name}"),
                (Some(c), None) => format!("({c})"),
                _ => "no state".into(),
            };
            if !v.contains(&s) {
                v.push(s);
            }
        }
        v
    };
    let scope = if d.cluster_wide {
        format!(
            "on every node ({} of {}{}, no node down)",
            d.broken.len(),
            d.total,
            if states.is_empty() {
                String::new()
            } else {
                format!(" at {}", states.join(", "))
            }
        )
    } else {
        format!(
            "on {} of {}: {}",
            plural(d.broken.len(), "node", "nodes"),
            d.total,
            join_max(&d.broken, 6)
        )
    };
    let until = match end {
        Some(e) => format!(" until {}", w.short(e, start)),
        None => String::new(),
    };
    let title = format!(
        "Database replication broken {scope} from {}{until}",
        w.full(start)
    );
    let mut s = String::new();
    if let Some(at) = d.checked_at {
        let rows: Vec<String> = d
            .nodes
            .iter()
            .map(|n| {
                let state = n
                    .state
                    .as_deref()
                    .map_or("-".to_string(), |c| format!("({c})"));
                let queue = n
                    .queue
                    .filter(|q| *q > 0)
                    .map_or(String::new(), |q| format!(", {q} changes queued"));
                let down = if n.down { ", down or unreachable" } else { "" };
                format!("{} {state} {}{queue}{down}", n.node, n.details)
            })
            .collect();
        s.push_str(&format!(
            "The replication status{} at {} shows {}.",
            d.seen_from
                .as_ref()
                .map_or(String::new(), |v| format!(" seen from {v}")),
            w.full(at),
            join_max(&rows, 8)
        ));
    }
    if !d.alerts.is_empty() {
        let mut names: Vec<&str> = d.alerts.iter().map(|a| a.name.as_str()).collect();
        names.sort();
        names.dedup();
        let nodes: Vec<String> = {
            let mut v: Vec<String> = d.alerts.iter().map(|a| a.node.clone()).collect();
            v.sort();
            v.dedup();
            v
        };
        let count: usize = d.alerts.iter().map(|a| a.count).sum();
        let first = d.alerts.iter().map(|a| a.first).min().expect("alerts");
        let last = d.alerts.iter().map(|a| a.last).max().expect("alerts");
        s.push_str(&format!(
            " {} {} {} about {} from {} to {}.",
            count,
            names.join(", "),
            if count == 1 { "alert" } else { "alerts" },
            plural(nodes.len(), "node", "nodes"),
            w.full(first),
            w.short(last, first)
        ));
    }
    if !d.down.is_empty() {
        s.push_str(&format!(
            " {} did not answer the check or was not authenticated: while a node is down the others can show broken states too, so bring it back first.",
            join_max(&d.down, 4)
        ));
    }
    if d.cluster_wide {
        s.push_str(" Every node is reachable and answering, yet none replicates: a cluster-wide failure, not one node's.");
    }
    if !d.port_connected.is_empty() {
        s.push_str(&format!(
            " The replication port {} is connected from {} to {}, so the network between the nodes carries it.",
            d.port,
            d.seen_from.as_deref().unwrap_or("the view node"),
            plural(d.port_connected.len(), "node", "nodes"),
        ));
    }
    if let (Some(old), Some(at)) = (d.stale_check, d.checked_at) {
        s.push_str(&format!(
            " The status check behind these rows started on {} ({} before): run 'utils dbreplication status' to refresh it, then 'utils dbreplication runtimestate'.",
            w.full(old),
            span(secs(at, old))
        ));
    }
    if !d.at_risk.is_empty() {
        s.push_str(&format!(" At risk: {}", d.at_risk));
    }
    (title, s)
}

pub(super) fn clock(w: &When, d: &ClockData) -> (String, String) {
    let who = if d.publisher {
        format!("{} (the publisher)", d.host)
    } else {
        d.host.clone()
    };
    let why = if !d.wrong_version.is_empty() {
        let versions: Vec<String> = {
            let mut v: Vec<String> = d
                .wrong_version
                .iter()
                .filter_map(|s| s.version.clone())
                .collect();
            v.sort();
            v.dedup();
            v
        };
        format!(
            ": its NTP servers answer NTPv{}, not NTPv{}",
            versions.join("/"),
            d.required_version
        )
    } else if !d.high_stratum.is_empty() {
        format!(": its sources are above stratum {}", d.max_stratum)
    } else {
        String::new()
    };
    let state = if d.unsynchronised {
        "not synchronised"
    } else {
        "at risk"
    };
    let title = format!("NTP {state} on {who}{why}");
    let mut s = String::new();
    if d.unsynchronised {
        s.push_str(&format!(
            "'utils ntp status' on {} said unsynchronised{} at {}.",
            d.host,
            if d.restarting {
                " (time server re-starting)"
            } else {
                ""
            },
            w.full(d.status_at.unwrap_or(d.last))
        ));
    }
    if !d.messages.is_empty() {
        s.push_str(&format!(
            " The platform messages said {} from {}.",
            d.messages
                .iter()
                .map(|m| m.replace('_', " "))
                .collect::<Vec<_>>()
                .join(", then "),
            w.full(d.first)
        ));
    }
    if !d.configured.is_empty() {
        s.push_str(&format!(
            " Configured NTP servers: {}.",
            join_max(&d.configured, 6)
        ));
    }
    if !d.wrong_version.is_empty() {
        let servers: Vec<String> = d
            .wrong_version
            .iter()
            .map(|v| format!("{} (NTPv{})", v.server, v.version.as_deref().unwrap_or("?")))
            .collect();
        s.push_str(&format!(
            " A capture of port 123 shows {} answering its NTPv{} requests with another version; CUCM accepts only NTPv{} servers.",
            join_max(&servers, 6),
            d.required_version,
            d.required_version
        ));
    }
    if !d.high_stratum.is_empty() {
        let servers: Vec<String> = d
            .high_stratum
            .iter()
            .map(|v| format!("{} (stratum {})", v.server, v.stratum.unwrap_or(0)))
            .collect();
        s.push_str(&format!(
            " Sources above stratum {}: {}.",
            d.max_stratum,
            join_max(&servers, 6)
        ));
    }
    for (server, msg) in &d.rejected {
        s.push_str(&format!(" Adding {server} as a server was refused: {msg}"));
        if !msg.ends_with('.') {
            s.push('.');
        }
    }
    if !d.diagnose.is_empty() {
        let mods: Vec<String> = d
            .diagnose
            .iter()
            .map(|(m, r)| format!("{m}: {r}"))
            .collect();
        s.push_str(&format!(" utils diagnose: {}.", join_max(&mods, 4)));
    }
    if !d.followers.is_empty() {
        s.push_str(&format!(
            " Not synchronised either: {}, which take their time from {}.",
            join_max(&d.followers, 6),
            d.host
        ));
    }
    if !d.explains.is_empty() {
        s.push_str(&format!(
            " It explains the impact ({}). {}",
            d.explains.join("; "),
            d.why
        ));
    }
    (title, s)
}

pub(super) fn trunk(w: &When, d: &TrunkData, kind_words: &str) -> (String, String) {
    let what = match d.trunk_type.as_str() {
        "sip" => "SIP trunk",
        "mgcp" => "MGCP gateway",
        "h323" => "H.323 device",
        "isdn" => "ISDN channel",
        _ => "trunk",
    };
    let state = match d.state.as_str() {
        "partially_in_service" => "partially out of service",
        "throttled" => "throttling calls",
        _ => "out of service",
    };
    let until = match d.back_at {
        Some(b) => format!(
            " until {} ({})",
            w.short(b, d.start),
            span(secs(b, d.start))
        ),
        None => ", not back in the bundle".to_string(),
    };
    let title = format!(
        "{what} {} {state} on {} from {}{until}{kind_words}",
        d.trunk,
        join_max(&d.nodes, 3),
        w.full(d.start)
    );
    let mut s = String::new();
    if !d.peers.is_empty() {
        let peers: Vec<String> = d
            .peers
            .iter()
            .map(|p| {
                let reasons: Vec<String> = p.reasons.iter().map(code).collect();
                if reasons.is_empty() {
                    p.peer.clone()
                } else {
                    format!("{} ({})", p.peer, reasons.join(", "))
                }
            })
            .collect();
        s.push_str(&format!("Unavailable peers: {}.", join_max(&peers, 6)));
    }
    if d.tls {
        s.push_str(
            " A peer uses the SIP TLS port, so certificates are involved in its connections.",
        );
    }
    if !d.failed_calls.is_empty() {
        s.push_str(&format!(
            " Calls failed because of it: {}.",
            join_max(&d.failed_calls, 4)
        ));
    }
    (title, s.trim().to_string())
}

pub(super) fn call_failures(w: &When, d: &CallFailureData) -> (String, String) {
    let title = format!(
        "Calls failed: {} exhausted {} from {}{}",
        d.target,
        plural(d.count, "time", "times"),
        w.full(d.first),
        if d.last > d.first {
            format!(" to {}", w.short(d.last, d.first))
        } else {
            String::new()
        }
    );
    let mut s = format!(
        "{} raised {} {}: calls found no available route or resource.",
        join_max(&d.nodes, 4),
        plural(d.count, "alarm", "alarms"),
        d.names.join(", ")
    );
    if !d.members.is_empty() {
        s.push_str(&format!(
            " Its members (configuration): {}.",
            join_max(&d.members, 8)
        ));
    }
    (title, s)
}

pub(super) fn certificate(w: &When, d: &CertificateData) -> (String, String) {
    let when = match (d.expires, d.expired) {
        (Some(t), true) => format!("expired {}", w.full(t)),
        (Some(t), false) => format!("expires {}", w.full(t)),
        (None, true) => format!("expired ({})", d.expires_text),
        (None, false) => format!("expires {}", d.expires_text),
    };
    let title = format!("Certificate {} ({}) on {} {when}", d.file, d.unit, d.host);
    let mut s = String::new();
    if !d.alarms.is_empty() {
        s.push_str(&format!("Reported by {}.", d.alarms.join(", ")));
    }
    if let Some(days) = d.days_left.filter(|_| !d.expired) {
        if days >= 0 {
            s.push_str(&format!(
                " {} left when last seen.",
                plural(days as usize, "day", "days")
            ));
        }
    }
    if !d.explains.is_empty() {
        s.push_str(&format!(" After it expired: {}.", join_max(&d.explains, 6)));
    }
    (title, s.trim().to_string())
}

pub(super) fn tls_failures(w: &When, d: &TlsFailureData) -> (String, String) {
    let mut parts: Vec<String> = Vec::new();
    if !d.devices.is_empty() {
        parts.push(format!(
            "{} failed TLS when registering",
            plural(d.devices.len(), "device", "devices")
        ));
    }
    if !d.peers.is_empty() {
        parts.push(format!(
            "{} not trusted",
            plural(d.peers.len(), "peer", "peers")
        ));
    }
    let title = format!(
        "Secure connections failed on {}: {} from {}",
        d.host,
        parts.join(", "),
        w.full(d.first)
    );
    let mut s = format!(
        "{} {} ({}) from {} to {}.",
        d.count,
        if d.count == 1 { "event" } else { "events" },
        d.names.join(", "),
        w.full(d.first),
        w.short(d.last, d.first)
    );
    if !d.reasons.is_empty() {
        let r: Vec<String> = d.reasons.iter().map(code).collect();
        s.push_str(&format!(" Reasons: {}.", r.join("; ")));
    }
    if !d.devices.is_empty() {
        s.push_str(&format!(" Devices: {}.", join_max(&d.devices, 6)));
    }
    if !d.peers.is_empty() {
        s.push_str(&format!(" Peers: {}.", join_max(&d.peers, 6)));
    }
    (title, s)
}

pub(super) fn disk(w: &When, d: &DiskData) -> (String, String) {
    let used = d
        .used_percent
        .map_or(String::new(), |u| format!(" ({u:.0} % used)"));
    let what = if d.full {
        format!(
            "{} partition full on {}{used}",
            capitalise(&d.partition),
            d.host
        )
    } else if d.purging {
        format!(
            "{} partition above its high water mark on {}{used}: trace files are being purged",
            capitalise(&d.partition),
            d.host
        )
    } else {
        format!(
            "{} partition filling up on {}{used}",
            capitalise(&d.partition),
            d.host
        )
    };
    let mut s = String::new();
    if !d.alarms.is_empty() {
        let alarms: Vec<String> = d
            .alarms
            .iter()
            .map(|(n, t)| format!("{n} at {}", w.full(*t)))
            .collect();
        s.push_str(&format!("{}.", join_max(&alarms, 4)));
    }
    if let Some(start) = d.impact_start {
        s.push_str(&format!(
            " The incident began at {}: its traces on {} may already be purged.",
            w.full(start),
            d.host
        ));
    }
    if d.purging || d.impact_start.is_some() {
        s.push_str(" Collect the traces now.");
    }
    if !d.services_failed.is_empty() {
        s.push_str(&format!(
            " Services failed after it filled: {}.",
            join_max(&d.services_failed, 6)
        ));
    }
    (what, s.trim().to_string())
}

pub(super) fn memory(w: &When, d: &MemoryData) -> (String, String) {
    let what = match (&d.process, d.grew_from, d.grew_to) {
        (Some(p), Some(a), Some(b)) if a > 0.0 => {
            format!("memory of {p} grew {:.1}-fold on {}", b / a, d.host)
        }
        _ => format!("memory ran low on {}", d.host),
    };
    let mut title = capitalise(&what);
    if d.code_yellow.is_some() {
        title.push_str(", then Code Yellow");
    }
    if let Some(r) = &d.restarted {
        title.push_str(&format!(", and {r} restarted"));
    }
    let mut s = String::new();
    if let (Some(c), Some(a), Some(b), Some(t0), Some(t1)) = (
        &d.counter,
        d.grew_from,
        d.grew_to,
        d.growth_start,
        d.peak_at,
    ) {
        s.push_str(&format!(
            "{c} grew from {a:.0} at {} to {b:.0} at {}.",
            w.full(t0),
            w.short(t1, t0)
        ));
    }
    if !d.alarms.is_empty() {
        let alarms: Vec<String> = d
            .alarms
            .iter()
            .map(|(n, t)| format!("{n} at {}", w.full(*t)))
            .collect();
        s.push_str(&format!(" {}.", join_max(&alarms, 6)));
    }
    if let Some(t) = d.code_yellow {
        s.push_str(&format!(
            " CallManager entered Code Yellow at {} and throttled calls",
            w.full(t)
        ));
        match d.calls_rejected {
            Some(n) => s.push_str(&format!(" ({n} calls rejected).")),
            None => s.push('.'),
        }
    }
    if let (Some(r), Some(t)) = (&d.restarted, d.restarted_at) {
        let by = d
            .restart_marker
            .as_ref()
            .map_or(String::new(), |m| format!(" ({m})"));
        s.push_str(&format!(" {r} restarted at {}{by}.", w.full(t)));
    }
    (title, s.trim().to_string())
}

pub(super) fn unusual(w: &When, d: &UnusualData) -> (String, String) {
    let title = if d.new {
        format!(
            "New log message on {} in the incident window: {} ({}×, first at {})",
            d.host,
            d.template,
            d.count,
            w.full(d.first)
        )
    } else {
        let before = d.baseline_count as f64 / d.baseline_s.max(1) as f64;
        let now = d.count as f64 / d.window_s.max(1) as f64;
        format!(
            "Log message {:.0}× more frequent on {} in the incident window: {} ({}×, from {})",
            now / before.max(f64::MIN_POSITIVE),
            d.host,
            d.template,
            d.count,
            w.full(d.first)
        )
    };
    let mut s = format!(
        "{}× between {} and {} on {}; {}× in its {} of logs before the window. No knowledge explains this message: it was found by template mining, not by a rule.",
        d.count,
        w.full(d.first),
        w.short(d.last, d.first),
        d.host,
        d.baseline_count,
        span(d.baseline_s),
    );
    if d.unexplained_impact {
        s.push_str(&format!(
            " Nothing the knowledge knows explains the impact: look at {} around {} first.",
            d.host,
            w.full(d.first)
        ));
    }
    (title, s)
}
