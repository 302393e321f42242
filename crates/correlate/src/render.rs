//! Titles and summaries, rendered from each finding's typed data in one
//! place, once every rule has run. Unconfirmed facts are said to be
//! "probably" so, or "unverified", here and nowhere else.

mod contact;
mod failures;
mod hardware;

use crate::data::*;
use crate::finding::{Finding, FindingKind};
use uctriage_core::jiff::tz::TimeZone;
use uctriage_core::jiff::Timestamp;
use uctriage_knowledge::Knowledge;

/// Fill `title` and `summary` from the finding's data.
pub(crate) fn render(f: &mut Finding, kb: &Knowledge, tz: &TimeZone) {
    let w = When(tz);
    let (title, summary) = match &f.data {
        Data::Impact(d) => impact(&w, d, f.start, f.end),
        Data::Crash(d) => crash(&w, d),
        Data::Starvation(d) => starvation(&w, d),
        Data::Network(d) => network(&w, d),
        Data::HostTrouble(d) => host_trouble(&w, d, f.kind),
        Data::Reauthentication(d) => reauth(&w, d),
        Data::Recurrence(d) => recurrence(&w, d),
        Data::Lifecycle(d) => lifecycle(d),
        Data::Advice(d) => advice(d),
        Data::Alarm(d) => alarm(
            &w,
            d,
            kb.class(&f.class)
                .map_or(f.class.as_str(), |c| c.label.as_str()),
        ),
        Data::Replication(d) => failures::replication(&w, d, f.start, f.end),
        Data::Clock(d) => failures::clock(&w, d),
        Data::Trunk(d) => failures::trunk(
            &w,
            d,
            if f.kind == FindingKind::Coincidental {
                ": a coincidence, no call failed because of it"
            } else {
                ""
            },
        ),
        Data::CallFailures(d) => failures::call_failures(&w, d),
        Data::Certificate(d) => failures::certificate(&w, d),
        Data::TlsFailures(d) => failures::tls_failures(&w, d),
        Data::Disk(d) => failures::disk(&w, d),
        Data::Memory(d) => failures::memory(&w, d),
        Data::Hardware(d) => hardware::hardware(&w, d),
        Data::VmHang(d) => hardware::vm_hang(&w, d, f.start),
        Data::Failover(d) => hardware::failover(&w, d, f.start, f.end),
        Data::ContactCentre(d) => contact::failover(&w, d, f.start, f.end),
        Data::PgNetwork(d) => contact::pg_network(&w, d, f.start),
        Data::Unusual(d) => failures::unusual(&w, d),
    };
    let mut title = title;
    if !f.confirmed && !title.contains("probably") && !title.contains("unverified") {
        title.push_str(" (unverified)");
    }
    f.title = title;
    f.summary = summary.trim().to_string();
}

/// Times in the display zone.
struct When<'a>(&'a TimeZone);

impl When<'_> {
    /// `2019-07-12 12:33:19 -05:00`.
    fn full(&self, ts: Timestamp) -> String {
        ts.to_zoned_datetime(self.0.clone())
            .strftime("%Y-%m-%d %H:%M:%S %:z")
            .to_string()
    }

    /// `12:33:19` when on the same day as `day`, else the full form.
    fn short(&self, ts: Timestamp, day: Timestamp) -> String {
        let z = ts.to_zoned_datetime(self.0.clone());
        let d = day.to_zoned_datetime(self.0.clone());
        if z.date() == d.date() {
            z.strftime("%H:%M:%S").to_string()
        } else {
            self.full(ts)
        }
    }

    /// `12:33`.
    fn hhmm(&self, ts: Timestamp) -> String {
        ts.to_zoned_datetime(self.0.clone())
            .strftime("%H:%M")
            .to_string()
    }
}

/// A human duration: `1 min 28 s`, `4 h 51 min`, `5 days`.
pub(crate) fn span(secs: i64) -> String {
    let s = secs.abs();
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min {} s", s / 60, s % 60)
    } else if s < 48 * 3600 {
        format!("{} h {} min", s / 3600, s % 3600 / 60)
    } else {
        format!("{} days", s / 86400)
    }
}

fn secs(a: Timestamp, b: Timestamp) -> i64 {
    a.duration_since(b).as_secs()
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn join_max(items: &[String], max: usize) -> String {
    if items.len() <= max {
        items.join(", ")
    } else {
        format!("{} and {} more", items[..max].join(", "), items.len() - max)
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// `13 = KeepAliveTimeout` or `13 = probably KeepAliveTimeout`.
fn code(c: &Code) -> String {
    if c.name.is_empty() {
        c.code.clone()
    } else if c.confirmed {
        format!("{} = {}", c.code, c.name)
    } else {
        format!("{} = probably {}", c.code, c.name)
    }
}

/// `12 phones and 2 CTI ports`.
fn counted(types: &[TypeCount], total: usize) -> String {
    if types.is_empty() {
        return plural(total, "device", "devices");
    }
    let parts: Vec<String> = types
        .iter()
        .map(|t| plural(t.count, &t.label, &t.plural))
        .collect();
    match parts.as_slice() {
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        [] => unreachable!(),
    }
}

fn impact(
    w: &When,
    d: &ImpactData,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
) -> (String, String) {
    let start = start.expect("an impact has a start");
    let devices = counted(&d.device_types, d.devices.len());
    let until = end.map_or(String::new(), |e| format!(" until {}", w.short(e, start)));
    let back = match d.back_at {
        Some(e) => format!(
            ", and all were back by {} ({} later)",
            w.full(e),
            span(secs(e, start))
        ),
        None if d.back == 0 => ", with no return to service in the bundle".to_string(),
        None => format!(", and {} of them came back", d.back),
    };
    let codes = if d.codes.is_empty() {
        String::new()
    } else {
        format!(
            " Codes: {}.",
            d.codes.iter().map(code).collect::<Vec<_>>().join("; ")
        )
    };
    match d.via {
        LossVia::Application => {
            let svcs = d.services.join(", ");
            let who = match (d.devices.len(), d.services.is_empty()) {
                (0, false) => format!("the {svcs}"),
                (_, false) => format!("{devices} and the {svcs}"),
                (_, true) => devices,
            };
            let addresses = if d.addresses.is_empty() {
                String::new()
            } else {
                let noun = if d.addresses.len() == 1 {
                    "address"
                } else {
                    "addresses"
                };
                format!(" ({noun} {})", join_max(&d.addresses, 6))
            };
            let title = format!(
                "{who} lost service{addresses} from {}{until}",
                w.full(start)
            );
            let mut lost: Vec<String> = d.services.iter().map(|s| format!("the {s}")).collect();
            lost.extend(d.devices.iter().cloned());
            let causes = if d.causes.is_empty() {
                String::new()
            } else {
                format!(" (causes: {})", d.causes.join(", "))
            };
            let summary = format!(
                "{} went out of service{causes}, as seen by {}{back}.{codes}",
                join_max(&lost, 8),
                d.seen_by.join(", ")
            );
            // "the CTIManager provider ..." starts a sentence; a device name keeps its case.
            let summary = match summary.strip_prefix("the ") {
                Some(rest) => format!("The {rest}"),
                None => summary,
            };
            (title, summary)
        }
        LossVia::Registration => {
            let from = if d.from_nodes.is_empty() {
                String::new()
            } else {
                format!(" from {}", d.from_nodes.join(", "))
            };
            let reasons: Vec<String> = d
                .codes
                .iter()
                .map(|c| {
                    if c.name.is_empty() {
                        c.code.clone()
                    } else {
                        c.name.clone()
                    }
                })
                .collect();
            let why = if reasons.is_empty() {
                String::new()
            } else {
                format!(" ({})", reasons.join(", "))
            };
            let failover = if d.failed_over_to.is_empty() {
                String::new()
            } else {
                let to: Vec<&str> = d.failed_over_to.iter().map(|n| n.node.as_str()).collect();
                format!(" and failed over to {}", to.join(", "))
            };
            let title = format!(
                "{devices} unregistered{from}{why}{failover} from {}{until}",
                w.full(start)
            );
            let mut s = format!("{} unregistered{from}", join_max(&d.devices, 8));
            if let Some(b) = &d.baseline {
                s.push_str(&format!(
                    ", a burst well above the usual background on {} ({:.0} per {} s there; a burst needed more than {:.0})",
                    b.scope, b.usual, b.window_s, b.threshold
                ));
            }
            s.push('.');
            for n in &d.failed_over_to {
                s.push_str(&format!(
                    " {} registered again on {}, another node of their CallManager group, meanwhile: a failover, so their service went on there.",
                    plural(n.count, "device", "devices"),
                    n.node
                ));
            }
            s.push_str(&format!(" Seen by {}{back}.{codes}", d.seen_by.join(", ")));
            (title, s)
        }
    }
}

fn core_sentence(w: &When, c: &CoreInfo) -> String {
    let mut s = format!(" At {} {} dumped core {}", w.full(c.at), c.process, c.file);
    match (&c.reason, &c.site) {
        (Some(r), Some(site)) => s.push_str(&format!(
            "; its backtrace shows IntentionalAbort at {site}: \"{r}\"."
        )),
        (Some(r), None) => s.push_str(&format!("; its backtrace shows IntentionalAbort: \"{r}\".")),
        _ => s.push('.'),
    }
    s
}

fn crash(w: &When, d: &CrashData) -> (String, String) {
    let mut title = format!(
        "{} on {} {}",
        d.process,
        d.host,
        if d.hang {
            "stopped processing and was aborted by its process monitor"
        } else {
            "crashed"
        }
    );
    if d.aborted {
        title.push_str(" (IntentionalAbort)");
    }
    if !d.with.is_empty() {
        title.push_str(&format!("; {} aborted with it", d.with.join(", ")));
    }
    let mut s = String::new();
    let at = d.cores.iter().map(|c| c.at).min().expect("cores");
    if let Some(link) = &d.impact {
        match &link.path {
            CrashPath::Cti {
                what,
                provider_named,
                registration,
                primary_crashed,
            } => {
                s.push_str(&format!("The devices were lost through the application's CTIManager, not through their CallManager: the application reported {what}."));
                if *provider_named {
                    s.push_str(&format!(
                        " The provider that went out of service is named after {}, the node whose CTIManager aborted.",
                        d.host
                    ));
                } else {
                    s.push_str(&format!(" The bundle does not name the CTIManager the application was connected to; CTIManager aborted on {} in that window, so the link is inferred.", d.host));
                }
                if let Some(r) = registration {
                    let primary = r.nodes.first().cloned().unwrap_or_default();
                    if primary == d.host {
                        s.push_str(&format!(
                            " The devices' device pool {} (CallManager group {}) also puts {} first.",
                            r.pool, r.group, primary
                        ));
                    } else {
                        s.push_str(&format!(
                            " Their device pool {} (CallManager group {}) registers them to {}{}.",
                            r.pool,
                            r.group,
                            r.nodes.join(" → "),
                            if *primary_crashed {
                                String::new()
                            } else {
                                format!(", and {primary} has no core at that time: the CTI application lost them while their CallManager kept them")
                            }
                        ));
                    }
                }
            }
            CrashPath::Registration {
                devices,
                registration: r,
            } => s.push_str(&format!(
                "{} register{} to {} first: device pool {} uses CallManager group {} ({}){}.",
                join_max(devices, 6),
                if devices.len() == 1 { "s" } else { "" },
                d.host,
                r.pool,
                r.group,
                r.nodes.join(" → "),
                if r.exact {
                    ""
                } else {
                    ", CallManager names matched to hosts by name"
                }
            )),
            CrashPath::Nearest => s.push_str(&format!(
                "No topology in the bundle says where the devices register; {} is the node that crashed closest to the loss.",
                d.host
            )),
        }
        let lead = link.lead_s;
        if lead > 0 && d.hang {
            s.push_str(&format!(
                " The devices dropped at {}, {} before the core at {}: {} hung first, and its process monitor only aborted it once it stayed stuck, which is why the loss comes before the core.",
                w.full(link.impact_start),
                span(lead),
                w.short(at, link.impact_start),
                d.process
            ));
        } else if lead > 0 {
            s.push_str(&format!(
                " The devices dropped {} before the core.",
                span(lead)
            ));
        } else if lead == 0 {
            s.push_str(" The devices dropped in the same second as the core.");
        } else {
            s.push_str(&format!(
                " The core came {} before the devices dropped.",
                span(-lead)
            ));
        }
        if let Some(cause) = &link.callmanager_failure {
            s.push_str(&format!(
                " The application saw the loss as a CallManager failure ({cause})."
            ));
        }
    }
    if let Some(main) = d.cores.first() {
        s.push_str(&core_sentence(w, main));
    }
    if let Some(sig) = &d.signature {
        s.push_str(&format!(" {}", sig.condition));
        if !sig.bug_ids.is_empty() {
            s.push_str(&format!(
                " Public bug IDs for this signature: {}.",
                sig.bug_ids.join(", ")
            ));
        }
    }
    for c in d.cores.iter().skip(1) {
        s.push_str(&core_sentence(w, c));
    }
    if let Some(m) = &d.co_crash {
        s.push_str(&format!(" {m}"));
    }
    if let Some(esx) = &d.esx {
        s.push_str(&format!(
            " {} runs on ESXi host {esx}{}.",
            d.host,
            d.datastore
                .as_ref()
                .map(|ds| format!(", datastore {ds}"))
                .unwrap_or_default()
        ));
    }
    (title, s)
}

fn hit_words(w: &When, h: &Hit, core_at: Timestamp) -> String {
    match &h.detail {
        HitDetail::CpuIdle { idle } => format!("CPU idle {idle}%"),
        HitDetail::IoWait { percent } => format!("I/O wait {percent}%"),
        HitDetail::Alert { name } => name.clone(),
        HitDetail::Episode(e) => format!(
            "{} on {} out of its band since {} (peak {:.0} {}, {:.0} {} past {})",
            e.label,
            e.host,
            w.short(e.start, core_at),
            e.peak,
            e.unit,
            e.over_by,
            e.unit,
            e.basis
        ),
    }
}

fn starvation(w: &When, d: &StarvationData) -> (String, String) {
    let title = match (d.what, &d.esx) {
        (Starved::Storage, Some(esx)) => format!(
            "Storage latency on ESXi host {esx}{} stalled {} before the abort",
            d.datastore
                .as_ref()
                .map(|ds| format!(" (datastore {ds})"))
                .unwrap_or_default(),
            d.host
        ),
        (Starved::Storage, None) | (Starved::IoWait, _) if d.cpu_too => {
            format!("{} was starved of CPU and I/O before the abort", d.host)
        }
        (Starved::Storage, None) | (Starved::IoWait, _) => {
            format!("{} was starved of I/O before the abort", d.host)
        }
        (Starved::Cpu, _) => format!("{} was starved of CPU before the abort", d.host),
    };
    let mut s = format!(
        "From {} to the core at {}: {}.",
        w.full(d.first),
        w.short(d.core_at, d.first),
        d.hits
            .iter()
            .map(|h| hit_words(w, h, d.core_at))
            .collect::<Vec<_>>()
            .join("; ")
    );
    if !d.cpu_max.is_empty() {
        let maxima: Vec<String> = d
            .cpu_max
            .iter()
            .map(|(h, m)| format!("at most {m:.0} % on {h}"))
            .collect();
        s.push_str(&format!(
            " CPU stayed in its normal band meanwhile ({}), so this was not CPU starvation.",
            maxima.join(", ")
        ));
    }
    if let Some(esx) = &d.esx {
        if !d.other_vms.is_empty() && d.what == Starved::Storage {
            s.push_str(&format!(
                " Other VMs on {esx} ({}) shared that storage path and may have suffered too.",
                d.other_vms.join(", ")
            ));
        }
    }
    (title, s)
}

fn network(w: &When, d: &NetworkData) -> (String, String) {
    let title = format!(
        "Network outage at {}: {} devices unregistered together, no CUCM fault",
        d.site, d.devices
    );
    let decoded: Vec<String> = d.reasons.iter().map(code).collect();
    let mut said = Vec::new();
    for p in &d.pings {
        if p.answered_again {
            said.push(format!(
                "At {} {} answered {} again (no loss).",
                w.full(p.at),
                p.target,
                p.from
            ));
        } else {
            said.push(format!(
                "Pings from {} to {}, in the site's subnet, lost {}% at {}{}.",
                p.from,
                p.target,
                p.loss,
                w.full(p.at),
                p.error
                    .as_ref()
                    .map_or(String::new(), |x| format!(" ({x})"))
            ));
        }
    }
    let summary = format!(
        "{} devices of {}{} unregistered within {} from {} (reasons: {}), reported by {}. No service core or crash on those nodes near that time, so the nodes were healthy and the devices lost their path to them{}",
        d.devices,
        d.site,
        match d.subnets.as_slice() {
            [one] if !d.by_subnet => format!(" (subnet {one})"),
            _ => String::new(),
        },
        span(secs(d.end, d.start)),
        w.full(d.start),
        if decoded.is_empty() {
            "not given".to_string()
        } else {
            decoded.join(", ")
        },
        d.nodes.join(", "),
        if said.is_empty() {
            ": check the site's WAN link, its gateway / router and switch logs for that minute."
                .to_string()
        } else {
            format!(
                ". {} Check the site's WAN link, its gateway / router and switch logs for that period.",
                said.join(" ")
            )
        }
    );
    (title, summary)
}

/// (title words, summary words) for a symptom.
fn symptom(w: &When, s: &Symptom) -> (String, String) {
    match &s.kind {
        SymptomKind::NotAuthenticated { state } => (
            format!("not authenticated since {}", w.hhmm(s.first)),
            format!("{state} since {}", w.full(s.first)),
        ),
        SymptomKind::SdlDown => (
            "SDL links down".into(),
            "SDL links to it out of service".into(),
        ),
        SymptomKind::Replication { status, state } => {
            let text = match status {
                Some(st) => format!("replication {st}"),
                None => format!("replication state ({})", state.as_deref().unwrap_or("?")),
            };
            (text.clone(), text)
        }
        SymptomKind::Alert { name, housekeeping } => {
            if *housekeeping {
                (
                    format!("{name} (housekeeping)"),
                    format!(
                        "{name} from {}, which the catalog documents as routine upkeep",
                        w.full(s.first)
                    ),
                )
            } else {
                (
                    format!("{name} alerts"),
                    format!("RTMT alert {name} from {}", w.full(s.first)),
                )
            }
        }
        SymptomKind::PingLoss => ("pings lost".into(), "pings to it lost".into()),
        SymptomKind::Episode(e) => (
            format!(
                "{} over {:.0} {} since {}{}",
                e.label,
                e.threshold,
                e.unit,
                w.hhmm(e.start),
                if e.open_start { " (or earlier)" } else { "" }
            ),
            format!(
                "{} out of its normal band from {}{} to {} (peak {:.0} {} at {}, {:.0} {} over the edge; edge: {})",
                e.label,
                w.full(e.start),
                if e.open_start {
                    " (already when the data begins)"
                } else {
                    ""
                },
                e.end
                    .map_or("the end of the data".to_string(), |x| w.full(x)),
                e.peak,
                e.unit,
                w.short(e.peak_at, e.start),
                e.over_by,
                e.unit,
                e.basis
            ),
        ),
    }
}

fn host_trouble(w: &When, d: &HostTroubleData, kind: FindingKind) -> (String, String) {
    let host = &d.host;
    let words: Vec<(String, String)> = d.symptoms.iter().map(|s| symptom(w, s)).collect();
    let shorts: Vec<String> = words.iter().map(|x| x.0.clone()).collect();
    let whats: Vec<String> = words.iter().map(|x| x.1.clone()).collect();
    let first = d.symptoms.iter().map(|s| s.first).min().unwrap_or(d.t0);
    let mut reasons = Vec::new();
    if let Some(before) = d.began_before_s {
        reasons.push(format!(
            "its trouble began at {}, {} before the impact at {}",
            w.full(first),
            span(before),
            w.short(d.t0, first)
        ));
    }
    if !d.not_serving.is_empty() {
        reasons.push(format!(
            "{host} is not in the CallManager group of the impacted devices ({})",
            d.not_serving.join(", ")
        ));
    }
    let verdict = if !reasons.is_empty() {
        format!("A coincidence: {}.", reasons.join("; and "))
    } else if d.housekeeping_only && kind == FindingKind::Coincidental {
        format!("Its only alarms are housekeeping ones, and nothing ties {host} to the impacted devices within the impact's window, so they are reported, not counted as a cause.")
    } else if d.no_topology {
        format!("Nothing in the bundle ties {host} to the impacted devices (no CallManager group data), so it is reported as a coincidence; if {host} serves them, it may have contributed.")
    } else {
        format!("It began during the incident and {host} may serve the impacted devices, so it may have contributed.")
    };
    let mut summary = format!(
        "{host} had its own problems: {}. {verdict}",
        whats.join("; ")
    );
    let title = match &d.shared_with {
        Some((root, shared)) => {
            summary.push_str(&format!(" But {host} runs on the same {shared} as {root}: a host-level problem (CPU contention, CPU ready, storage latency) can starve both VMs, so it is not independent of the root cause. Check that host's CPU ready and datastore latency for the incident window."));
            format!(
                "{host}: {} — shares {shared} with {root}",
                shorts.join(", ")
            )
        }
        None => format!(
            "{host}: {}{}",
            shorts.join(", "),
            if kind == FindingKind::Coincidental {
                " — a coincidence"
            } else {
                ""
            }
        ),
    };
    (title, summary)
}

fn reauth(w: &When, d: &ReauthData) -> (String, String) {
    (
        format!(
            "{} re-authenticated to the cluster {} before the impact — a coincidence",
            d.host,
            span(d.before_s)
        ),
        format!(
            "{} has been authenticated since {}, so its intra-cluster connection was re-established then, {} before the impact; nothing in the bundle links that reconnect to the incident.",
            d.host,
            w.full(d.at),
            span(d.before_s)
        ),
    )
}

fn recurrence(w: &When, d: &RecurrenceData) -> (String, String) {
    let names = d.processes.join(" and ");
    let title = if d.same {
        format!(
            "{names} crashed {}on {} before, on {}: the same failure again",
            if d.processes.len() > 1 {
                "together "
            } else {
                ""
            },
            d.host,
            w.full(d.at)
        )
    } else {
        format!(
            "{names} crashed on {} before, on {} (older history)",
            d.host,
            w.full(d.at)
        )
    };
    let summary = format!(
        "{names} dumped core on {} at {} ({}){}{}",
        d.host,
        w.full(d.at),
        d.cores.join(", "),
        if d.same {
            ", the same set of processes that crashed in this incident"
        } else {
            ""
        },
        if d.reasons.is_empty() {
            ". No backtrace of that core is in the bundle: run `utils core active analyze` on it to compare signatures.".to_string()
        } else {
            format!(". Its abort reason: \"{}\".", d.reasons.join("\"; \""))
        }
    );
    (title, summary)
}

fn lifecycle(d: &LifecycleData) -> (String, String) {
    let confirmed = d.confirmed;
    let title = match (&d.end_of_support, confirmed) {
        (Some(eos), true) => format!("{} is past end of support ({eos})", d.name),
        (Some(eos), false) => format!(
            "{} is probably past end of support ({eos}, unverified)",
            d.name
        ),
        (None, _) => format!("{}: end-of-support date unknown", d.name),
    };
    let summary = format!(
        "{} appears in the bundle ({}). {}{}",
        d.name,
        d.seen,
        match &d.end_of_support {
            Some(eos) => format!(
                "Its end of support is {eos}{}",
                d.end_of_sale
                    .as_ref()
                    .map_or(String::new(), |s| format!(" (end of sale {s})"))
            ),
            None => "No public source in the knowledge base gives its end-of-support date".into(),
        },
        if confirmed {
            ".".to_string()
        } else {
            format!(" — not verified: {}.", d.note)
        }
    );
    (title, summary)
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

fn advice(d: &AdviceData) -> (String, String) {
    let found: Vec<String> = d.triggers.iter().map(|t| t.replace('-', " ")).collect();
    (
        format!(
            "Post-incident steps ({}, for: {})",
            plural(d.items.len(), "item", "items"),
            found.join(", ")
        ),
        d.items
            .iter()
            .map(|a| first_sentence(&a.text))
            .collect::<Vec<_>>()
            .join(" "),
    )
}

fn alarm(w: &When, d: &AlarmData, label: &str) -> (String, String) {
    let names = d.names.join(", ");
    let mut title = if names.is_empty() {
        format!("{} on {}", capitalise(label), d.group)
    } else {
        format!("{}: {names} on {}", capitalise(label), d.group)
    };
    // The words that name the cause, as the message printed them.
    if let Some(r) = d.reasons.first() {
        title.push_str(&format!(" ({})", r.words));
    }
    let names = if names.is_empty() {
        names
    } else {
        format!(" {names}")
    };
    let mut s = format!(
        "{}{names} event{} on {} from {}{}.",
        d.count,
        if d.count == 1 { "" } else { "s" },
        d.group,
        w.full(d.first),
        if d.last > d.first {
            format!(" to {}", w.short(d.last, d.first))
        } else {
            String::new()
        }
    );
    if let Some(r) = &d.relation {
        s.push_str(&format!(" It came {r}."));
    }
    for r in &d.reasons {
        s.push_str(&format!(
            " The message says \"{}\": {}.",
            r.words,
            r.means.trim_end_matches('.')
        ));
    }
    if !d.meaning.is_empty() {
        s.push_str(&format!(" {}", d.meaning));
    }
    (title, s)
}
