//! Titles and summaries of the contact-centre findings, in the words a
//! contact-centre engineer uses on the bridge call.

use super::{join_max, plural, span, When};
use crate::data::*;
use uctriage_core::jiff::Timestamp;

/// `PG2A` → `PG2B`, `PG2 side A`, or the PG alone.
fn pg_words(p: &PgChange) -> String {
    match (&p.from_side, &p.to_side) {
        (Some(a), Some(b)) if a != b => format!("{0}{a} failed over to {0}{b}", p.pg),
        (Some(a), _) => format!("{}{a} went down", p.pg),
        (None, Some(b)) => format!("{}{b} took over", p.pg),
        (None, None) if !p.peripherals.is_empty() => {
            format!("{} lost peripheral {}", p.pg, join_max(&p.peripherals, 3))
        }
        (None, None) => format!("{} changed state", p.pg),
    }
}

fn finesse_words(f: &FinesseChange) -> String {
    match (&f.lost, &f.to) {
        (Some(a), Some(b)) if a != b => {
            format!(
                "{} lost CTI server side {a} and reconnected to side {b}",
                f.host
            )
        }
        (_, Some(b)) => format!("{} lost its CTI server and reconnected to side {b}", f.host),
        (Some(a), None) => format!("{} lost CTI server side {a}", f.host),
        (None, None) => format!("{} lost its CTI server", f.host),
    }
}

/// A PG or UCCX failover and its victims.
pub(super) fn failover(
    w: &When,
    d: &ContactCentreData,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
) -> (String, String) {
    let start = start.expect("a failover has a start");
    if let Some(product) = &d.logged_out_of {
        return burst(w, d, product, start, end);
    }
    let change = if !d.pgs.is_empty() {
        d.pgs.iter().map(pg_words).collect::<Vec<_>>().join(" and ")
    } else if !d.uccx_master.is_empty() {
        format!("UCCX mastership moved to {}", d.uccx_master.join(", "))
    } else if !d.finesse.is_empty() {
        let hosts: Vec<String> = d.finesse.iter().map(|f| f.host.clone()).collect();
        format!("Finesse on {} lost its CTI server", hosts.join(", "))
    } else {
        "the contact centre failed over".into()
    };
    let finesse_hosts: Vec<String> = d.finesse.iter().map(|f| f.host.clone()).collect();
    let finesse_only = d.pgs.is_empty() && d.uccx_master.is_empty() && !d.finesse.is_empty();
    let mut title = if finesse_only && d.agents_out > 0 {
        format!(
            "{change}: {} logged out",
            plural(d.agents_out, "agent", "agents")
        )
    } else if d.agents_out > 0 {
        let whom = plural(d.agents_out, "agent", "agents");
        let of = if finesse_hosts.is_empty() {
            String::new()
        } else {
            format!(" of Finesse on {}", finesse_hosts.join(", "))
        };
        format!("{whom} logged out{of} when {change}")
    } else {
        let mut c = change.clone();
        if let Some(first) = c.get(..1) {
            c = first.to_uppercase() + &c[1..];
        }
        c
    };
    if d.calls_dropped > 0 {
        title.push_str(&format!(
            "; {} dropped",
            plural(d.calls_dropped, "call", "calls")
        ));
    }
    if let Some(words) = &d.planned {
        title.push_str(&format!(" (planned: {words})"));
    }
    let mut s = vec![format!("From {}", w.full(start))];
    if let Some(e) = end.filter(|e| *e > start) {
        s[0].push_str(&format!(
            " to {} ({})",
            w.short(e, start),
            span(super::secs(e, start))
        ));
    }
    s[0].push_str(&format!(": {change}."));
    for p in d.pgs.iter().filter(|p| !p.peripherals.is_empty()) {
        s.push(format!(
            "Peripheral {} of {} went offline: the PG marks its agents logged out and the reporting data for the interval is lost.",
            join_max(&p.peripherals, 5),
            p.pg
        ));
    }
    for f in &d.finesse {
        let back = f
            .back_at
            .map(|b| format!(" at {}", w.short(b, start)))
            .unwrap_or_default();
        s.push(format!("{}{back}.", finesse_words(f)));
    }
    if d.agents_by.len() > 1 {
        let by: Vec<String> = d
            .agents_by
            .iter()
            .map(|n| format!("{} on {}", n.count, n.node))
            .collect();
        s.push(format!(
            "Agents logged out as each host counted them: {}.",
            by.join(", ")
        ));
    }
    if d.calls_dropped > 0 {
        let label = if d.error_label_calls > 0 {
            format!(", {} of them sent to the error label", d.error_label_calls)
        } else {
            String::new()
        };
        s.push(format!(
            "{} reported {} dropped or failed{label}.",
            d.call_hosts.join(", "),
            plural(d.calls_dropped, "call", "calls")
        ));
    }
    match (&d.planned, &d.cause) {
        (Some(words), _) => s.push(format!(
            "It was requested ({words}): a planned failover, not an incident cause."
        )),
        (None, Some(c)) if c.class == "service-core" => s.push(format!(
            "Cause: {} on {}{}.",
            c.what,
            c.host,
            if c.named {
                " (the PG's JTAPI gateway names that node)"
            } else {
                " (tied by time only)"
            }
        )),
        (None, Some(c)) => s.push(format!("Cause: {} (reported by {}).", c.what, c.host)),
        (None, None) => s.push(no_cause_advice(d)),
    }
    (title, s.join(" "))
}

/// What to collect when the bundle holds no cause, for the products that
/// failed over: a PG side, Finesse, a UCCX engine.
fn no_cause_advice(d: &ContactCentreData) -> String {
    let mut what: Vec<&str> = Vec::new();
    if !d.pgs.is_empty() {
        what.push("the other PG side's logs and the PG's private and visible network state");
    }
    if !d.finesse.is_empty() {
        what.push("the CTI server's logs of both PG sides");
    }
    if !d.uccx_master.is_empty() {
        what.push(
            "both UCCX nodes' MIVR and Cluster View Daemon (MCVD) logs and the network between them",
        );
    }
    if what.is_empty() {
        what.push("the contact-centre servers' logs");
    }
    format!(
        "No cause for the failover is in the bundle: collect {}, and the Unified CM nodes' logs, for that minute.",
        what.join("; ")
    )
}

/// Agents logged out together with no failover line in the bundle.
fn burst(
    w: &When,
    d: &ContactCentreData,
    product: &str,
    start: Timestamp,
    end: Option<Timestamp>,
) -> (String, String) {
    let hosts: Vec<String> = d.agents_by.iter().map(|n| n.node.clone()).collect();
    let whom = plural(d.agents_out, "agent", "agents");
    let title = format!(
        "{whom} logged out of {product} on {} at {} (no failover line in the bundle)",
        join_max(&hosts, 3),
        w.full(start)
    );
    let mut s = format!(
        "At {} {whom} logged out of {product} on {}",
        w.full(start),
        hosts.join(", ")
    );
    if let Some(e) = end.filter(|e| super::secs(*e, start) >= 1) {
        s.push_str(&format!(" (until {})", w.short(e, start)));
    }
    s.push_str(": all together, as when their CTI server or PG side is lost, not one by one as at a shift change. The bundle holds no failover line (PG, CTI server or Finesse) for it: collect both PG sides' and the CTI server's logs for that minute.");
    if d.calls_dropped > 0 {
        s.push_str(&format!(
            " {} reported {} dropped or failed.",
            d.call_hosts.join(", "),
            plural(d.calls_dropped, "call", "calls")
        ));
    }
    match &d.cause {
        Some(c) if c.class == "service-core" => s.push_str(&format!(
            " Cause: {} on {} (tied by time only).",
            c.what, c.host
        )),
        Some(c) => s.push_str(&format!(" Cause: {} (reported by {}).", c.what, c.host)),
        None => {}
    }
    (title, s)
}

/// A PG side that lost its network.
pub(super) fn pg_network(
    w: &When,
    d: &PgNetworkData,
    start: Option<Timestamp>,
) -> (String, String) {
    let start = start.expect("a network loss has a start");
    let title = format!("{} on {} lost its {}", d.pg, d.host, d.network);
    let mut summary = format!("At {} {} reported: {}.", w.full(start), d.pg, d.what);
    match d.back_at {
        Some(b) => summary.push_str(&format!(" Back at {}.", w.short(b, start))),
        None => summary.push_str(" Not back by the end of the bundle."),
    }
    summary.push_str(" Check the PG's visible and private network paths (switch ports, QoS, the WAN between the sides) at that time.");
    (title, summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(from: Option<&str>, to: Option<&str>, peripherals: &[&str]) -> PgChange {
        PgChange {
            pg: "PG2".into(),
            from_side: from.map(str::to_string),
            to_side: to.map(str::to_string),
            peripherals: peripherals.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn a_logout_burst_says_no_failover_line_is_in_the_bundle() {
        let tz = uctriage_core::jiff::tz::TimeZone::UTC;
        let w = When(&tz);
        let start: Timestamp = "2024-03-12T15:15:03Z".parse().unwrap();
        let d = ContactCentreData {
            pgs: Vec::new(),
            finesse: Vec::new(),
            agents_out: 4,
            agents_by: vec![NodeCount {
                node: "fin-c".into(),
                count: 4,
            }],
            agent_peripherals: vec!["5000".into()],
            calls_dropped: 0,
            call_hosts: Vec::new(),
            error_label_calls: 0,
            uccx_master: Vec::new(),
            planned: None,
            cause: None,
            logged_out_of: Some("Finesse".into()),
        };
        let (title, summary) = failover(&w, &d, Some(start), None);
        assert_eq!(
            title,
            "4 agents logged out of Finesse on fin-c at 2024-03-12 15:15:03 +00:00 (no failover line in the bundle)"
        );
        assert!(summary.contains("not one by one as at a shift change"));
    }

    #[test]
    fn a_pg_change_is_said_as_an_engineer_says_it() {
        assert_eq!(
            pg_words(&pg(Some("A"), Some("B"), &[])),
            "PG2A failed over to PG2B"
        );
        assert_eq!(pg_words(&pg(Some("A"), None, &[])), "PG2A went down");
        assert_eq!(pg_words(&pg(None, Some("B"), &[])), "PG2B took over");
        assert_eq!(
            pg_words(&pg(None, None, &["5000"])),
            "PG2 lost peripheral 5000"
        );
        let f = FinesseChange {
            host: "fin-a".into(),
            lost: Some("A".into()),
            to: Some("B".into()),
            back_at: None,
        };
        assert_eq!(
            finesse_words(&f),
            "fin-a lost CTI server side A and reconnected to side B"
        );
    }
}
