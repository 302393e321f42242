//! `site_network_outage`: an impact whose devices lost their connection to
//! CUCM and sit in one or a few places (device pool, a site's prefix, else
//! their subnet), with no fault on the nodes they register to, is a network
//! outage at those places. Only reasons that mean a lost connection count
//! (the code table's groups): a phone falling back to its primary node or
//! reset by its user says nothing about the network. An impact spread over
//! many places is the node's doing, not the network's; background churn never
//! forms an impact in the first place.

use super::common::secs;
use crate::data::{Code, Data, NetworkData, PingObs};
use crate::engine::{Context, Declaration, Emit, Input, Output, Rule};
use crate::events::Record;
use crate::finding::{Finding, FindingKind};
use crate::net::site_prefix;
use ipnet::IpNet;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use uctriage_core::jiff::{SignedDuration, Timestamp};
use uctriage_core::{EntityKind, Event, Kind, KindSet};
use uctriage_knowledge::{Knowledge, KnowledgeError, RuleSpec};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// At least this many devices of one place.
    min_devices: usize,
    /// The places that hold `min_share` of the impact's devices must be at
    /// most this many ...
    max_sites: usize,
    /// ... (a share between 0 and 1).
    min_share: f64,
    /// Unregistrations this long before the impact's start still belong to it;
    /// pings from this long before it are read.
    window_s: i64,
    /// Reason groups (code table groups) that mean a lost connection.
    loss_reason_groups: Vec<String>,
    /// Count unregistrations that carry no reason at all.
    count_missing_reasons: bool,
    /// A core on one of the devices' nodes this close to the burst explains it instead.
    node_fault_within_s: i64,
    /// Pings with at least this loss towards the place corroborate the outage.
    loss_percent: f64,
    /// Pings up to this long after the burst are read.
    ping_within_s: i64,
    /// Confidence with and without corroborating ping loss.
    confidence_with_ping_loss: f64,
    /// Confidence without.
    confidence: f64,
}

struct Network {
    p: Params,
    sources: Vec<String>,
}

/// Build the rule from its spec.
pub(crate) fn build(spec: &RuleSpec, _kb: &Knowledge) -> Result<Box<dyn Rule>, KnowledgeError> {
    Ok(Box::new(Network {
        p: spec.params_as()?,
        sources: spec.sources.clone(),
    }))
}

impl Rule for Network {
    fn streams(&self) -> KindSet {
        KindSet::of(&[Kind::DeviceUnregistered])
    }

    fn declare(&self) -> Declaration {
        Declaration {
            events: vec![Kind::DeviceUnregistered, Kind::Ping, Kind::ServiceCore],
            consumes: vec![
                Input::Class("registration-loss".into()),
                Input::Class("service-loss".into()),
                Input::Kind(FindingKind::RootCause),
            ],
            produces: vec![Output::Class(
                "network-outage".into(),
                FindingKind::RootCause,
            )],
        }
    }

    fn run(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        let p = &self.p;
        // Root causes on nodes, with the span they were under way.
        let faulty: Vec<(String, Timestamp, Timestamp)> = cx
            .of_kind(FindingKind::RootCause)
            .flat_map(|f| {
                let span = f.start.map(|s| (s, f.end.unwrap_or(s).max(s)));
                f.hosts
                    .iter()
                    .filter_map(move |h| span.map(|(s, e)| (h.clone(), s, e)))
            })
            .collect();
        for imp in cx.of_kind(FindingKind::Impact) {
            let Some(start) = imp.start else { continue };
            let lost: BTreeSet<&str> = imp.devices.iter().map(String::as_str).collect();
            let until = imp.end.unwrap_or(start) + SignedDuration::from_secs(p.window_s);
            let from = start - SignedDuration::from_secs(p.window_s);
            // The lost devices' unregistrations (read from disk when
            // there), then grouped by site.
            let unregistered = KindSet::of(&[Kind::DeviceUnregistered]);
            let lost_ones = cx
                .events
                .select(unregistered, Some(from), Some(until), |e| {
                    let ours = e
                        .entity(EntityKind::Device)
                        .is_some_and(|d| lost.contains(d));
                    ours && self.is_loss(cx, e)
                });
            let total = lost_ones.len();
            let mut by_site: BTreeMap<(String, bool), Vec<&Event>> = BTreeMap::new();
            for e in &lost_ones {
                if let Some(site) = site_of(cx, e) {
                    by_site.entry(site).or_default().push(e);
                }
            }
            for ((site, by_subnet), burst) in self.concentrated(by_site, total) {
                self.judge(cx, out, imp, &faulty, &site, by_subnet, &burst);
            }
        }
    }
}

impl Network {
    /// The places that hold most of an impact's lost connections, when they
    /// are few: each with at least `min_devices`, together at least
    /// `min_share` of all, at most `max_sites` of them.
    fn concentrated<'e>(
        &self,
        by_site: BTreeMap<(String, bool), Vec<&'e Event>>,
        total: usize,
    ) -> Vec<((String, bool), Vec<&'e Event>)> {
        let count = |evs: &[&Event]| {
            evs.iter()
                .filter_map(|e| e.entity_ids(EntityKind::Device).next())
                .collect::<BTreeSet<_>>()
                .len()
        };
        let mut sites: Vec<((String, bool), Vec<&Event>, usize)> = by_site
            .into_iter()
            .map(|(k, v)| {
                let n = count(&v);
                (k, v, n)
            })
            .collect();
        sites.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        let mut covered = 0usize;
        let mut taken = Vec::new();
        for (site, evs, n) in sites {
            if covered as f64 >= self.p.min_share * total as f64 {
                break;
            }
            if taken.len() == self.p.max_sites || n < self.p.min_devices {
                return Vec::new();
            }
            covered += n;
            taken.push((site, evs));
        }
        taken
    }

    #[allow(clippy::too_many_arguments)]
    fn judge(
        &self,
        cx: &Context<'_>,
        out: &mut Emit<'_>,
        imp: &Finding,
        faulty: &[(String, Timestamp, Timestamp)],
        site: &str,
        by_subnet: bool,
        burst: &[&Event],
    ) {
        let p = &self.p;
        let mut devices: Vec<String> = burst
            .iter()
            .flat_map(|e| e.entity_ids(EntityKind::Device).map(str::to_string))
            .collect();
        devices.sort();
        devices.dedup();
        let start = burst[0].time.expect("timed");
        let end = burst.last().expect("non-empty").time.expect("timed");
        // A fault on a node these devices register to (or that reported
        // them) explains their loss; one elsewhere does not.
        let their_nodes: BTreeSet<String> = devices
            .iter()
            .filter_map(|d| cx.topo.registration(d))
            .flat_map(|r| r.nodes)
            .chain(
                burst
                    .iter()
                    .filter_map(|e| e.host.as_deref().map(String::from)),
            )
            .collect();
        let core_near = cx.crashes().iter().any(|c| {
            secs(c.time, start).abs() <= p.node_fault_within_s && their_nodes.contains(&c.host)
        });
        // A root cause under way around the burst, not only one starting near it.
        let fault_near = faulty.iter().any(|(h, from, to)| {
            their_nodes.contains(h)
                && secs(*from, end) <= p.node_fault_within_s
                && secs(start, *to) <= p.node_fault_within_s
        });
        if core_near || fault_near {
            return;
        }
        let nets = nets(cx, burst);
        let runs = self.ping_runs(cx, &nets, start);
        let lossy = runs.iter().any(|(o, _)| !o.answered_again);
        let nodes: BTreeSet<String> = burst
            .iter()
            .filter_map(|e| e.host.as_deref().map(String::from))
            .collect();
        let data = NetworkData {
            site: site.to_string(),
            by_subnet,
            devices: devices.len(),
            subnets: nets.iter().map(IpNet::to_string).collect(),
            start,
            end,
            reasons: reasons(cx, burst),
            nodes: nodes.iter().cloned().collect(),
            pings: runs.iter().map(|(o, _)| o.clone()).collect(),
        };
        let mut f = Finding::new(
            FindingKind::RootCause,
            "network-outage",
            Data::Network(data),
        );
        f.start = Some(start);
        f.end = Some(end);
        f.confidence = if lossy {
            p.confidence_with_ping_loss
        } else {
            p.confidence
        };
        if let Data::Network(d) = &f.data {
            f.confirmed = d.reasons.iter().all(|r| r.confirmed);
        }
        Finding::add(&mut f.devices, devices);
        Finding::add(&mut f.hosts, nodes);
        for e in burst.iter().take(10) {
            f.cite(&e.evidence);
        }
        for (_, ev) in &runs {
            f.cite(ev);
        }
        cx.cite_sources(&mut f, &self.sources);
        let id = out.push(f);
        out.link(&id, &imp.id);
    }

    /// An unregistration for a reason that means a lost connection.
    fn is_loss(&self, cx: &Context<'_>, e: &dyn Record) -> bool {
        let Some(code) = e.field("Reason") else {
            return self.p.count_missing_reasons;
        };
        let alarm = e.field("alarm");
        self.p.loss_reason_groups.iter().any(|g| {
            cx.kb
                .code_in_group(alarm, e.kind().as_str(), "Reason", code, g)
        })
    }

    /// Ping runs towards an address in `nets`, from shortly before the burst
    /// to `ping_within_s` after it: loss at or above `loss_percent`
    /// corroborates the outage, a clean run after it says when the site
    /// answered again. Each with the line that says so.
    fn ping_runs(
        &self,
        cx: &Context<'_>,
        nets: &[IpNet],
        start: Timestamp,
    ) -> Vec<(PingObs, uctriage_core::Evidence)> {
        let p = &self.p;
        let from = start - SignedDuration::from_secs(p.window_s);
        let to = start + SignedDuration::from_secs(p.ping_within_s);
        let mut out = Vec::new();
        let mut lossy_at: Option<Timestamp> = None;
        for e in cx.events.window(Kind::Ping, from, to) {
            let (Some(t), Some(target), Some(loss)) = (
                e.time,
                e.fields.get("target"),
                e.fields.get("loss_pct").and_then(|l| l.parse::<f64>().ok()),
            ) else {
                continue;
            };
            let Ok(addr) = target.trim().parse::<IpAddr>() else {
                continue;
            };
            if !nets.iter().any(|n| n.contains(&addr)) {
                continue;
            }
            let sender = e
                .host
                .as_deref()
                .map(String::from)
                .unwrap_or_else(|| "a host".into());
            let lossy = loss >= p.loss_percent;
            let answered_again = !lossy && lossy_at.is_some_and(|l| t > l) && loss == 0.0;
            if !lossy && !answered_again {
                continue;
            }
            let error = lossy
                .then(|| {
                    cx.events
                        .window(Kind::Ping, t, t)
                        .filter(|x| x.host == e.host && x.fields.get("target") == Some(target))
                        .find_map(|x| x.fields.get("error").map(str::to_string))
                })
                .flatten();
            out.push((
                PingObs {
                    from: sender,
                    target: target.to_string(),
                    loss,
                    at: t,
                    error,
                    answered_again,
                },
                e.evidence.clone(),
            ));
            if lossy {
                lossy_at.get_or_insert(t);
            } else {
                break;
            }
        }
        out
    }
}

/// Where a device is: its device pool, else the site or subnet of its
/// address. The flag is true for a subnet.
fn site_of(cx: &Context<'_>, e: &Event) -> Option<(String, bool)> {
    let dev = e.entity_ids(EntityKind::Device).next()?;
    if let Some(pool) = cx.topo.pool_of(dev) {
        return Some((format!("device pool {pool}"), false));
    }
    let (name, net) = site_prefix(e.fields.get("IPAddress")?, cx.topo.sites())?;
    Some(match name {
        Some(n) => (format!("site {n}"), false),
        None => (format!("subnet {net}"), true),
    })
}

/// The prefixes of the devices' addresses.
fn nets(cx: &Context<'_>, burst: &[&Event]) -> Vec<IpNet> {
    let mut out: Vec<IpNet> = burst
        .iter()
        .filter_map(|e| e.fields.get("IPAddress"))
        .filter_map(|ip| site_prefix(ip, cx.topo.sites()).map(|(_, n)| n))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn reasons(cx: &Context<'_>, burst: &[&Event]) -> Vec<Code> {
    let mut by: BTreeMap<String, Code> = BTreeMap::new();
    for e in burst {
        let Some(r) = e.fields.get("Reason") else {
            continue;
        };
        let d = cx
            .kb
            .decode_full(e.fields.get("alarm"), e.kind.as_str(), "Reason", r);
        let c = by.entry(r.to_string()).or_insert_with(|| Code {
            code: r.to_string(),
            name: d.as_ref().map_or(String::new(), |d| d.name.to_string()),
            confirmed: d.as_ref().is_none_or(|d| d.confirmed),
            count: 0,
        });
        c.count += 1;
    }
    by.into_values().collect()
}
