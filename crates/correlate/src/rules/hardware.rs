//! `host_hardware`: a physical server's hardware or storage fault, the VMs
//! on it that hung, and what each of them took down.
//!
//! Faults are `hardware_fault` events (CIMC faults, SEL entries, CLI storage
//! rows) whose `state` is outside the knowledge's healthy group, and
//! `storage_io` events (ESXi vmkernel, vobd, hostd) whose `condition` is. A
//! fault logged under the server's management controller (`esx-02-cimc`) is
//! the ESXi host's once the controller's name, without one of
//! `manager_affixes`, is an ESXi host of the VM inventory — or, when its name
//! ties it to none, once exactly one ESXi host's storage failed at the same
//! time (`merge_by_time`). The inventory then gives the VMs on that host. A
//! VM hung when an impact of the declared classes (its phones failing over,
//! the CTI ports it served) begins on it while the fault lasts, when hostd
//! reset or powered it off (or the whole host lost power), or when its next
//! boot was ungraceful: the fault is their root cause, through one `vm-hung`
//! impact per VM. Our inference: hardware logs and the inventory do not say
//! which VM hung, the timing and the placement do. A fault no VM's trouble
//! is tied to, or one that only lowers redundancy, is advice.

use super::common::secs;
use crate::data::{Code, ContactCentreData, Data, FaultPart, HardwareData, VmHangData};
use crate::engine::{Context, Declaration, Emit, Input, Output, Rule};
use crate::finding::{Finding, FindingKind};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
use uctriage_core::jiff::Timestamp;
use uctriage_core::{EntityKind, Event, Kind};
use uctriage_knowledge::{Knowledge, KnowledgeError, RuleSpec};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// Code-table group of healthy states and conditions.
    good_group: String,
    /// Hardware components that never hang a VM (`sel_log`).
    ignore_components: Vec<String>,
    /// Storage conditions that are not a fault.
    ignore_conditions: Vec<String>,
    /// Fault codes that lower redundancy without stopping the server (a
    /// power supply's redundancy lost): alone, advice.
    redundancy_codes: Vec<String>,
    /// States that do the same (a degraded volume still serves data).
    redundancy_states: Vec<String>,
    /// Prefixes or suffixes of a management controller's name (`-cimc`).
    manager_affixes: Vec<String>,
    /// Impact classes a hung VM may explain.
    impacts: Vec<String>,
    /// Advisory classes a hung VM may explain (an ungraceful boot).
    advisories: Vec<String>,
    /// Formats only a PG or CTI server writes: a host with events of them,
    /// or a VM named as such a host with its side letter swapped (`pg1a` →
    /// `pg1b`), is a CTI server.
    cti_server_formats: Vec<String>,
    /// `node_lifecycle` actions that mean the VM was hard-restarted.
    reset_actions: Vec<String>,
    /// An impact may begin this long before the first fault (clocks, log lag) ...
    before_s: i64,
    /// ... and up to this long after the last fault raised.
    impact_after_s: i64,
    /// A reset or an ungraceful boot up to this long after the first fault.
    after_s: i64,
    /// What to check next.
    next_checks: Vec<String>,
    /// Confidence weights.
    confidence: Weights,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Weights {
    root: f64,
    hung: f64,
    untied: f64,
}

struct Hardware {
    p: Params,
    sources: Vec<String>,
}

/// Build the rule from its spec.
pub(crate) fn build(spec: &RuleSpec, _kb: &Knowledge) -> Result<Box<dyn Rule>, KnowledgeError> {
    Ok(Box::new(Hardware {
        p: spec.params_as()?,
        sources: spec.sources.clone(),
    }))
}

/// A PG side's host name with its side letter swapped (`pg1a` → `pg1b`),
/// lower-case; `None` when it does not end in A or B.
fn other_side(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let (stem, last) = lower.split_at(lower.len().checked_sub(1)?);
    let swapped = match last {
        "a" => "b",
        "b" => "a",
        _ => return None,
    };
    (!stem.is_empty()).then(|| format!("{stem}{swapped}"))
}

/// The bundle's PG and CTI server hosts, and which of them named each
/// peripheral.
struct Cti {
    servers: BTreeSet<String>,
    serving: BTreeMap<String, BTreeSet<String>>,
}

impl Cti {
    /// Whether `vm` may be the CTI server of impact `d` reported by `hosts`:
    /// when PG hosts reported it, only their other sides; when a PG trace
    /// names the logouts' peripheral, only that PG's sides.
    fn may_serve(&self, vm: &str, hosts: &[String], d: &ContactCentreData) -> bool {
        let lower = vm.to_ascii_lowercase();
        let is_or_peer = |hs: &mut dyn Iterator<Item = &String>| -> Option<bool> {
            let hs: Vec<&String> = hs.collect();
            (!hs.is_empty()).then(|| {
                hs.iter().any(|h| {
                    h.eq_ignore_ascii_case(vm) || other_side(h).as_deref() == Some(lower.as_str())
                })
            })
        };
        let reported = is_or_peer(&mut hosts.iter().filter(|h| self.servers.contains(*h)));
        let by_peripheral = is_or_peer(
            &mut d
                .agent_peripherals
                .iter()
                .filter_map(|p| self.serving.get(p))
                .flatten(),
        );
        self.servers.contains(vm) && reported != Some(false) && by_peripheral != Some(false)
    }
}

/// One part's faults: codes with their counts, first time, events.
type PartFaults = (BTreeMap<String, usize>, Option<Timestamp>, usize);

/// The faults of one server.
#[derive(Default)]
struct Server<'e> {
    managers: BTreeSet<String>,
    /// (seen, what) → its faults.
    parts: BTreeMap<(String, String), PartFaults>,
    /// Units faulted and their last fault; units cleared and when.
    faulted: BTreeMap<String, Timestamp>,
    cleared: BTreeMap<String, Timestamp>,
    events: Vec<&'e Event>,
    /// A timed fault that can stop the server's I/O (not only redundancy).
    stopping: bool,
}

impl Server<'_> {
    fn first(&self) -> Option<Timestamp> {
        self.parts.values().filter_map(|(_, t, _)| *t).min()
    }

    fn last(&self) -> Option<Timestamp> {
        self.faulted.values().max().copied()
    }
}

/// One VM's trouble.
#[derive(Default)]
struct Vm<'f> {
    impacts: Vec<&'f Finding>,
    /// Classes of impacts tied to it by its role and time only.
    inferred: BTreeSet<String>,
    advisories: Vec<&'f Finding>,
    reset: Option<&'f Event>,
}

impl Rule for Hardware {
    fn declare(&self) -> Declaration {
        Declaration {
            events: vec![
                Kind::HardwareFault,
                Kind::StorageIo,
                Kind::NodeLifecycle,
                Kind::Config,
            ],
            consumes: self
                .p
                .impacts
                .iter()
                .chain(&self.p.advisories)
                .map(|c| Input::Class(c.clone()))
                .collect(),
            produces: vec![
                Output::Class("host-hardware-fault".into(), FindingKind::RootCause),
                Output::Class("host-hardware-fault".into(), FindingKind::Advisory),
                Output::Class("vm-hung".into(), FindingKind::Impact),
                Output::Tag("vm-hard-reset".into()),
            ],
        }
    }

    fn run(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        for (name, server) in self.servers(cx) {
            let Some(first) = server.first() else {
                continue;
            };
            self.emit(cx, out, &name, server, first);
        }
    }
}

impl Hardware {
    fn listed(list: &[String], s: &str) -> bool {
        list.iter().any(|x| x.eq_ignore_ascii_case(s))
    }

    /// The ESXi host a name stands for: itself, or its management
    /// controller's name without an affix when that is an ESXi host.
    fn server_of(&self, cx: &Context<'_>, esx: &[String], name: &str) -> String {
        let r = cx.hosts.resolve(name);
        if esx.contains(&r) {
            return r;
        }
        let lower = name.to_ascii_lowercase();
        for a in &self.p.manager_affixes {
            let a = a.to_ascii_lowercase();
            let bare = lower
                .strip_suffix(a.as_str())
                .or_else(|| lower.strip_prefix(a.as_str()));
            if let Some(b) = bare.filter(|b| !b.is_empty()) {
                let b = cx.hosts.resolve(b);
                if esx.contains(&b) {
                    return b;
                }
            }
        }
        r
    }

    /// The fault events, by server.
    fn servers<'e>(&self, cx: &Context<'e>) -> BTreeMap<String, Server<'e>> {
        let esx = cx.topo.esx_hosts(cx.hosts);
        let mut out: BTreeMap<String, Server<'e>> = BTreeMap::new();
        for (kind, field) in [
            (Kind::HardwareFault, "state"),
            (Kind::StorageIo, "condition"),
        ] {
            for e in cx.events.of(kind) {
                let (Some(host), Some(value)) = (e.host.as_deref(), e.fields.get(field)) else {
                    continue;
                };
                let value = value.trim().to_ascii_lowercase();
                let what = match kind {
                    Kind::HardwareFault => e.fields.get("component").unwrap_or("other"),
                    _ => value.as_str(),
                };
                if Self::listed(&self.p.ignore_components, what)
                    || Self::listed(&self.p.ignore_conditions, &value)
                {
                    continue;
                }
                let name = self.server_of(cx, &esx, host);
                let s = out.entry(name.clone()).or_default();
                let own = cx.hosts.resolve(host);
                if own != name {
                    s.managers.insert(own);
                }
                let unit = format!(
                    "{what}/{}",
                    e.fields.get("dn").or(e.fields.get("unit")).unwrap_or("")
                );
                let good =
                    cx.kb
                        .code_in_group(None, kind.as_str(), field, &value, &self.p.good_group);
                if good {
                    if let (Some(t), true) = (e.time, value == "cleared") {
                        s.cleared.insert(unit, t);
                    }
                    continue;
                }
                if let Some(t) = e.time {
                    s.faulted.insert(unit, t);
                    let redundancy = kind == Kind::HardwareFault
                        && (Self::listed(&self.p.redundancy_states, &value)
                            || e.fields
                                .get("code")
                                .is_some_and(|c| Self::listed(&self.p.redundancy_codes, c)));
                    s.stopping |= !redundancy;
                }
                let seen = if kind == Kind::HardwareFault {
                    "cimc"
                } else {
                    "esxi"
                };
                let p = s
                    .parts
                    .entry((seen.to_string(), what.to_string()))
                    .or_default();
                let code = e
                    .fields
                    .get("code")
                    .map_or(value.clone(), |c| format!("{c} {value}").trim().to_string());
                *p.0.entry(code).or_default() += 1;
                p.1 = match (p.1, e.time) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                p.2 += 1;
                let firsts = p.2 <= 2;
                if firsts && s.events.len() < 24 {
                    s.events.push(e);
                }
            }
        }
        self.merge_by_time(esx, out)
    }

    /// A management controller whose name ties it to no ESXi host (`C240-
    /// FCH2233V0AB`) is the one ESXi host whose storage failed from
    /// `before_s` before its first fault to `impact_after_s` after it, when
    /// there is exactly one such host (basis: time, not name).
    fn merge_by_time<'e>(
        &self,
        esx: Vec<String>,
        mut servers: BTreeMap<String, Server<'e>>,
    ) -> BTreeMap<String, Server<'e>> {
        let unnamed: Vec<String> = servers
            .iter()
            .filter(|(name, s)| {
                !esx.contains(name) && s.parts.keys().all(|(seen, _)| seen == "cimc")
            })
            .map(|(name, _)| name.clone())
            .collect();
        for name in unnamed {
            let Some(first) = servers[&name].first() else {
                continue;
            };
            let near = |t: Timestamp| {
                (t >= first && secs(t, first) <= self.p.impact_after_s)
                    || (t < first && secs(first, t) <= self.p.before_s)
            };
            let hosts: Vec<&String> = servers
                .iter()
                .filter(|(n, s)| esx.contains(n) && s.first().is_some_and(near))
                .map(|(n, _)| n)
                .collect();
            let [host] = hosts.as_slice() else {
                continue;
            };
            let host = (*host).clone();
            let from = servers.remove(&name).expect("listed");
            let to = servers.get_mut(&host).expect("listed");
            to.managers.insert(name);
            to.managers.extend(from.managers);
            for (k, (codes, t, n)) in from.parts {
                let p = to.parts.entry(k).or_default();
                for (c, k) in codes {
                    *p.0.entry(c).or_default() += k;
                }
                p.1 = match (p.1, t) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                p.2 += n;
            }
            to.faulted.extend(from.faulted);
            to.cleared.extend(from.cleared);
            to.events.extend(from.events);
            to.stopping |= from.stopping;
        }
        servers
    }

    /// Decode `code state` strings of one part.
    fn codes(cx: &Context<'_>, seen: &str, codes: &BTreeMap<String, usize>) -> Vec<Code> {
        codes
            .iter()
            .map(|(c, n)| {
                let (kind, field) = if seen == "cimc" {
                    ("hardware_fault", "state")
                } else {
                    ("storage_io", "condition")
                };
                let (fault, state) = match c.split_once(' ') {
                    Some((f, s)) => (Some(f), s),
                    None => (None, c.as_str()),
                };
                let by_code = fault.and_then(|f| cx.kb.decode_full(None, kind, "code", f));
                let by_state = cx.kb.decode_full(None, kind, field, state);
                let name = match (&by_code, &by_state) {
                    (Some(d), Some(s)) => format!("{} ({})", d.name, s.name),
                    (Some(d), None) => d.name.to_string(),
                    (None, Some(s)) => s.name.to_string(),
                    (None, None) => String::new(),
                };
                let confirmed = by_code.as_ref().is_none_or(|d| d.confirmed)
                    && by_state.as_ref().is_none_or(|d| d.confirmed);
                Code {
                    code: c.clone(),
                    name,
                    confirmed,
                    count: *n,
                }
            })
            .collect()
    }

    /// The hosts that are a PG or CTI server: those writing one of
    /// `cti_server_formats`, and the VMs named as one of them with the side
    /// letter swapped (the other side, hung and silent).
    fn cti_servers(&self, cx: &Context<'_>, vms: &[String]) -> Cti {
        let mut out: BTreeSet<String> = BTreeSet::new();
        let mut serving: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let listed = |f: &str| Self::listed(&self.p.cti_server_formats, f);
        cx.events.each_event_of(listed, None, None, |e| {
            let Some(h) = e.host().map(|h| cx.hosts.resolve(h)) else {
                return ControlFlow::Continue(());
            };
            if let Some(p) = e.field("peripheral_id").or(e.field("peripheral")) {
                serving.entry(p.to_string()).or_default().insert(h.clone());
            }
            out.insert(h);
            ControlFlow::Continue(())
        });
        let sides: BTreeSet<String> = out.iter().filter_map(|h| other_side(h)).collect();
        out.extend(
            vms.iter()
                .filter(|vm| sides.contains(&vm.to_ascii_lowercase()))
                .cloned(),
        );
        Cti {
            servers: out,
            serving,
        }
    }

    /// Whether impact `f` is a loss of VM `vm`: `Some(false)` when the
    /// impact names the VM, `Some(true)` when only the VM's role (a CTI
    /// server whose clients were logged out) and the time tie them.
    fn on_vm(cx: &Context<'_>, f: &Finding, vm: &str, cti: &Cti) -> Option<bool> {
        let is = |h: &str| cx.hosts.resolve(h) == vm;
        let named = match &f.data {
            Data::ContactCentre(d) => {
                if f.hosts.iter().any(|h| is(h)) {
                    true
                } else {
                    let lost_cti = d.agents_out > 0 || !d.finesse.is_empty();
                    return (lost_cti && d.cause.is_none() && cti.may_serve(vm, &f.hosts, d))
                        .then_some(true);
                }
            }
            // An impact's hosts are those that saw the loss (a PG's JTAPI
            // gateway): what was lost is its nodes, providers and devices.
            Data::Impact(d) => {
                d.from_nodes.iter().any(|h| is(h))
                    || d.providers
                        .iter()
                        .any(|p| p.to_ascii_lowercase().contains(vm))
                    || f.devices.iter().any(|dev| {
                        cx.topo
                            .registration(dev)
                            .and_then(|r| r.nodes.first().map(|n| is(n)))
                            .unwrap_or(false)
                    })
            }
            Data::Failover(d) => is(&d.primary),
            _ => f.hosts.iter().any(|h| is(h)),
        };
        named.then_some(false)
    }

    fn vms<'f>(
        &self,
        cx: &Context<'f>,
        server: &str,
        vms: &[String],
        first: Timestamp,
        last: Timestamp,
    ) -> BTreeMap<String, Vm<'f>> {
        let within = |t: Timestamp| {
            (t >= first && (t <= last || secs(t, last) <= self.p.impact_after_s))
                || (t < first && secs(first, t) <= self.p.before_s)
        };
        let later = |t: Timestamp| t >= first && secs(t, first) <= self.p.after_s;
        let cti = self.cti_servers(cx, vms);
        let mut out: BTreeMap<String, Vm<'f>> = BTreeMap::new();
        for f in cx.findings() {
            let impact = f.kind == FindingKind::Impact
                && self.p.impacts.iter().any(|c| f.is(c))
                && f.start.is_some_and(within);
            let advisory = self.p.advisories.iter().any(|c| f.is(c)) && f.start.is_some_and(later);
            for vm in vms {
                let tied = if impact {
                    Self::on_vm(cx, f, vm, &cti)
                } else {
                    None
                };
                if let Some(inferred) = tied {
                    let v = out.entry(vm.clone()).or_default();
                    v.impacts.push(f);
                    if inferred {
                        v.inferred.insert(f.class.clone());
                    }
                } else if advisory && f.hosts.iter().any(|h| cx.hosts.resolve(h) == *vm) {
                    out.entry(vm.clone()).or_default().advisories.push(f);
                }
            }
        }
        for e in cx.events.of(Kind::NodeLifecycle) {
            let Some(t) = e.time.filter(|t| later(*t)) else {
                continue;
            };
            let reset = e
                .fields
                .get("action")
                .is_some_and(|a| Self::listed(&self.p.reset_actions, a));
            if !reset {
                continue;
            }
            // A VM's own reset, or the whole host losing power.
            let whole_host = e.fields.get("subject") == Some("esxi_host")
                && e.host
                    .as_deref()
                    .is_some_and(|h| cx.hosts.resolve(h) == server);
            let named: BTreeSet<String> = if whole_host {
                vms.iter().cloned().collect()
            } else {
                e.entity_ids(EntityKind::Node)
                    .chain(e.fields.get("vm"))
                    .map(|n| cx.hosts.resolve(n))
                    .collect()
            };
            for vm in named {
                if vms.contains(&vm) {
                    let v = out.entry(vm).or_default();
                    if v.reset.is_none_or(|r| r.time > Some(t)) {
                        v.reset = Some(e);
                    }
                }
            }
        }
        out
    }

    fn emit(
        &self,
        cx: &Context<'_>,
        out: &mut Emit<'_>,
        name: &str,
        server: Server<'_>,
        first: Timestamp,
    ) {
        let mut vms = cx.topo.vms_on(name, cx.hosts);
        vms.sort();
        let last = server.last().unwrap_or(first).max(first);
        let hung = if server.stopping {
            self.vms(cx, name, &vms, first, last)
        } else {
            BTreeMap::new()
        };
        let cleared_at = (!server.faulted.is_empty()
            && server
                .faulted
                .iter()
                .all(|(u, t)| server.cleared.get(u).is_some_and(|c| c >= t)))
        .then(|| server.cleared.values().max().copied())
        .flatten();
        let mut parts: Vec<FaultPart> = server
            .parts
            .iter()
            .map(|((seen, what), (codes, t, n))| FaultPart {
                seen: seen.clone(),
                what: what.clone(),
                codes: Self::codes(cx, seen, codes),
                first: *t,
                count: *n,
            })
            .collect();
        // The management controller names the part; ESXi the symptom.
        parts.sort_by_key(|p| (p.seen != "cimc", p.first.is_none(), p.first));
        let untied = hung.is_empty();
        let data = HardwareData {
            server: name.to_string(),
            managers: server.managers.iter().cloned().collect(),
            parts,
            first,
            cleared_at,
            vms: vms.clone(),
            hung: hung.keys().cloned().collect(),
            untied,
            redundancy_only: !server.stopping,
        };
        let (kind, confidence) = if untied {
            (FindingKind::Advisory, self.p.confidence.untied)
        } else {
            (FindingKind::RootCause, self.p.confidence.root)
        };
        let mut f = Finding::new(kind, "host-hardware-fault", Data::Hardware(data));
        f.start = Some(first);
        f.end = cleared_at;
        f.confidence = confidence;
        Finding::add(&mut f.hosts, [name.to_string()]);
        Finding::add(&mut f.hosts, server.managers.iter().cloned());
        for e in &server.events {
            f.cite(&e.evidence);
        }
        if !untied {
            f.next_checks = self.p.next_checks.clone();
        }
        cx.cite_sources(&mut f, &self.sources);
        let root = out.push(f);
        for (vm, v) in hung {
            let placement = cx.topo.placement(&vm);
            let mut victims: BTreeMap<String, usize> = BTreeMap::new();
            let mut devices: BTreeSet<&str> = BTreeSet::new();
            for i in &v.impacts {
                *victims.entry(i.class.clone()).or_default() += 1;
                // Devices only: an impact's list also holds its addresses.
                let lost = match &i.data {
                    Data::Impact(d) => &d.devices,
                    Data::Failover(d) => &d.devices,
                    _ => &i.devices,
                };
                devices.extend(lost.iter().map(String::as_str));
            }
            let data = VmHangData {
                vm: vm.clone(),
                server: name.to_string(),
                datastore: placement.and_then(|p| p.datastore.clone()),
                victims: victims.into_iter().collect(),
                inferred: v.inferred.iter().cloned().collect(),
                devices: devices.len(),
                reset_at: v.reset.and_then(|e| e.time),
                ungraceful_boot: v.advisories.iter().filter_map(|a| a.start).min(),
            };
            let start = v
                .impacts
                .iter()
                .filter_map(|i| i.start)
                .min()
                .map_or(first, |s| s.max(first));
            let mut h = Finding::new(FindingKind::Impact, "vm-hung", Data::VmHang(data));
            h.start = Some(start);
            h.end = v.reset.and_then(|e| e.time);
            h.confidence = self.p.confidence.hung;
            Finding::add(&mut h.hosts, [vm.clone()]);
            if let Some(p) = placement {
                h.cite(&p.evidence);
            }
            if let Some(e) = v.reset {
                h.tag("vm-hard-reset");
                h.cite(&e.evidence);
            }
            cx.cite_sources(&mut h, &self.sources);
            let id = out.push(h);
            out.link(&root, &id);
            for i in v.impacts.iter().chain(&v.advisories) {
                out.link(&id, &i.id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::other_side;

    #[test]
    fn the_other_pg_side_swaps_the_last_letter() {
        assert_eq!(other_side("dal-PG1A").as_deref(), Some("dal-pg1b"));
        assert_eq!(other_side("pg1b").as_deref(), Some("pg1a"));
        assert_eq!(other_side("ucm-sub2"), None);
        assert_eq!(other_side("a"), None);
        assert_eq!(other_side(""), None);
    }
}
