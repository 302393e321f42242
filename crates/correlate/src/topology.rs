//! Topology: which node a device registers to, and which hosts run which VMs.
//!
//! Built from what the bundle holds, in this order of trust:
//! - `run sql` captures joining devicepool, callmanagergroup,
//!   callmanagergroupmember and callmanager (and device, processnode), read
//!   through the query's select list so aliases and unaliased `name` columns
//!   both work;
//! - CUCM Bulk Administration exports (device → device pool);
//! - a `topology.toml` in the bundle or given with `--topology`;
//! - `show network cluster` (node names, IPs and roles).
//!
//! CallManager names (`CM_sub7`) need not equal host names: they are mapped
//! through processnode rows when present, else by a unique known host name
//! contained in the CallManager name (a weaker link, which the evidence says).

use serde::Deserialize;
use std::collections::BTreeMap;
use uctriage_core::{Event, Evidence, Kind};
use uctriage_normalize::HostBook;

/// A link in the topology and the line that proves it.
#[derive(Clone, Debug)]
pub struct Link {
    /// The target of the link.
    pub to: String,
    /// Where it was read.
    pub evidence: Evidence,
}

/// Device → pool → CallManager group → ordered nodes, plus VM placement.
#[derive(Clone, Debug, Default)]
pub struct Topology {
    device_pool: BTreeMap<String, Link>,
    pool_group: BTreeMap<String, Link>,
    group_members: BTreeMap<String, Vec<(u32, Link)>>,
    cm_host: BTreeMap<String, Link>,
    placement: BTreeMap<String, Placement>,
    sites: Vec<(String, ipnet::IpNet)>,
    /// Things the user should know about how the topology was read.
    pub notes: Vec<String>,
}

/// Where a device registers: its nodes in priority order, and why we think so.
#[derive(Clone, Debug)]
pub struct Registration {
    /// Device pool.
    pub pool: String,
    /// CallManager group.
    pub group: String,
    /// Hosts in priority order (primary first).
    pub nodes: Vec<String>,
    /// The lines that prove each link.
    pub evidence: Vec<Evidence>,
    /// False when a CallManager name was mapped to a host by name likeness.
    pub exact: bool,
}

/// Where a VM runs: its ESXi host and datastore.
#[derive(Clone, Debug)]
pub struct Placement {
    /// ESXi host name as the inventory prints it.
    pub esx: String,
    /// Datastore, when known.
    pub datastore: Option<String>,
    /// Where it was read.
    pub evidence: Evidence,
}

/// The optional hand-written `topology.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopologyFile {
    /// Device → pool.
    #[serde(default)]
    pub device: Vec<DeviceEntry>,
    /// Pool → group.
    #[serde(default)]
    pub device_pool: Vec<PoolEntry>,
    /// Group → nodes in priority order.
    #[serde(default)]
    pub cmgroup: Vec<GroupEntry>,
    /// VM → ESXi host (and datastore).
    #[serde(default)]
    pub vm: Vec<VmEntry>,
    /// Sites and their address prefixes (IPv4 or IPv6, any length).
    #[serde(default)]
    pub site: Vec<SiteEntry>,
}

/// `[[site]] name, prefixes`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteEntry {
    /// Site name.
    pub name: String,
    /// Its prefixes, e.g. `10.62.14.0/23`, `2001:db8:14::/48`.
    pub prefixes: Vec<ipnet::IpNet>,
}

/// `[[vm]] name, esxi, datastore`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VmEntry {
    /// VM (host) name.
    pub name: String,
    /// ESXi host.
    pub esxi: String,
    /// Datastore.
    #[serde(default)]
    pub datastore: Option<String>,
}

/// `[[device]] name, pool`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceEntry {
    /// Device name.
    pub name: String,
    /// Device pool.
    pub pool: String,
}

/// `[[device_pool]] name, cmgroup`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolEntry {
    /// Pool name.
    pub name: String,
    /// CallManager group.
    pub cmgroup: String,
}

/// `[[cmgroup]] name, nodes`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupEntry {
    /// Group name.
    pub name: String,
    /// Host names, primary first.
    pub nodes: Vec<String>,
}

/// What a result column of a `run sql` query holds.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Role {
    Device,
    Pool,
    Group,
    CallManager,
    Priority,
    Host,
}

impl Topology {
    /// Build the topology from the bundle's events (and an optional file).
    pub fn build(
        events: &[Event],
        hosts: &HostBook,
        file: Option<(&TopologyFile, &str)>,
    ) -> Topology {
        let mut t = Topology::default();
        for e in events.iter().filter(|e| e.kind == Kind::Config) {
            match e.fields.get("table") {
                Some("device") if e.fields.contains_key("device name") => t.learn_export(e),
                Some("vm") => t.learn_vm(e, hosts),
                _ if e.fields.contains_key("sql") => t.learn_sql_row(e),
                _ => {}
            }
        }
        if let Some((f, path)) = file {
            t.learn_file(f, path);
            for site in &f.site {
                for p in &site.prefixes {
                    t.sites.push((site.name.clone(), *p));
                }
            }
            for v in &f.vm {
                let evidence = Evidence {
                    file: path.into(),
                    line: 0,
                    text: format!("VM {} on ESXi {}", v.name, v.esxi).into(),
                };
                let placement = Placement {
                    esx: v.esxi.clone(),
                    datastore: v.datastore.clone(),
                    evidence,
                };
                t.placement
                    .entry(hosts.resolve(&v.name))
                    .or_insert(placement);
            }
        }
        t.map_callmanagers(hosts);
        t
    }

    fn learn_vm(&mut self, e: &Event, hosts: &HostBook) {
        if let (Some(vm), Some(esx)) = (e.fields.get("vm"), e.fields.get("vmhost")) {
            let placement = Placement {
                esx: esx.to_string(),
                datastore: e.fields.get("datastore").map(str::to_string),
                evidence: e.evidence.clone(),
            };
            self.placement.insert(hosts.resolve(vm), placement);
        }
    }

    /// Sites the topology names, with their prefixes.
    pub fn sites(&self) -> &[(String, ipnet::IpNet)] {
        &self.sites
    }

    /// Where a host's VM runs, when an inventory says.
    pub fn placement(&self, host: &str) -> Option<&Placement> {
        self.placement.get(host)
    }

    /// The VMs an inventory places on ESXi host `esx` (canonical names).
    pub fn vms_on(&self, esx: &str, hosts: &HostBook) -> Vec<String> {
        self.placement
            .iter()
            .filter(|(_, p)| hosts.resolve(&p.esx) == esx)
            .map(|(vm, _)| vm.clone())
            .collect()
    }

    /// Every ESXi host an inventory names (canonical names).
    pub fn esx_hosts(&self, hosts: &HostBook) -> Vec<String> {
        let mut out: Vec<String> = self
            .placement
            .values()
            .map(|p| hosts.resolve(&p.esx))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// What two hosts' VMs share: the same ESXi host, or the same datastore.
    pub fn shared_infrastructure(&self, a: &str, b: &str) -> Option<String> {
        let (pa, pb) = (self.placement.get(a)?, self.placement.get(b)?);
        if pa.esx.eq_ignore_ascii_case(&pb.esx) {
            return Some(format!("ESXi host {}", pa.esx));
        }
        match (&pa.datastore, &pb.datastore) {
            (Some(x), Some(y)) if x == y => Some(format!("datastore {x}")),
            _ => None,
        }
    }

    fn learn_export(&mut self, e: &Event) {
        if let (Some(dev), Some(pool)) = (e.fields.get("device name"), e.fields.get("device pool"))
        {
            self.device_pool.insert(
                dev.to_string(),
                Link {
                    to: pool.to_string(),
                    evidence: e.evidence.clone(),
                },
            );
        }
    }

    fn learn_sql_row(&mut self, e: &Event) {
        let roles = sql_roles(&e.fields["sql"]);
        let get = |role: Role| -> Option<&str> {
            roles
                .iter()
                .find(|(_, r)| *r == role)
                .and_then(|(col, _)| e.fields.get(col))
                .filter(|v| !v.is_empty() && *v != "NULL")
        };
        let link = |to: &str| Link {
            to: to.to_string(),
            evidence: e.evidence.clone(),
        };
        if let (Some(d), Some(p)) = (get(Role::Device), get(Role::Pool)) {
            self.device_pool.insert(d.to_string(), link(p));
        }
        if let (Some(p), Some(g)) = (get(Role::Pool), get(Role::Group)) {
            self.pool_group.insert(p.to_string(), link(g));
        }
        if let (Some(g), Some(cm)) = (get(Role::Group), get(Role::CallManager)) {
            let prio = get(Role::Priority)
                .and_then(|p| p.parse().ok())
                .unwrap_or(u32::MAX);
            let members = self.group_members.entry(g.to_string()).or_default();
            if !members.iter().any(|(_, l)| l.to == cm) {
                members.push((prio, link(cm)));
                members.sort_by_key(|(p, _)| *p);
            }
        }
        if let (Some(cm), Some(h)) = (get(Role::CallManager), get(Role::Host)) {
            self.cm_host.insert(cm.to_string(), link(h));
        }
        if let (Some(g), Some(h), None) =
            (get(Role::Group), get(Role::Host), get(Role::CallManager))
        {
            // A group listed with processnode names only.
            let members = self.group_members.entry(g.to_string()).or_default();
            if !members.iter().any(|(_, l)| l.to == h) {
                let prio = get(Role::Priority)
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(u32::MAX);
                members.push((prio, link(h)));
                members.sort_by_key(|(p, _)| *p);
            }
        }
    }

    fn learn_file(&mut self, f: &TopologyFile, path: &str) {
        let ev = |line: u64, text: String| Evidence {
            file: path.into(),
            line,
            text: text.into(),
        };
        for d in &f.device {
            self.device_pool.entry(d.name.clone()).or_insert(Link {
                to: d.pool.clone(),
                evidence: ev(0, format!("device {} in pool {}", d.name, d.pool)),
            });
        }
        for p in &f.device_pool {
            self.pool_group.entry(p.name.clone()).or_insert(Link {
                to: p.cmgroup.clone(),
                evidence: ev(0, format!("pool {} uses {}", p.name, p.cmgroup)),
            });
        }
        for g in &f.cmgroup {
            self.group_members.entry(g.name.clone()).or_insert_with(|| {
                g.nodes
                    .iter()
                    .enumerate()
                    .map(|(i, n)| {
                        (
                            i as u32 + 1,
                            Link {
                                to: n.clone(),
                                evidence: ev(0, format!("group {} member {}: {n}", g.name, i + 1)),
                            },
                        )
                    })
                    .collect()
            });
        }
    }

    /// Map CallManager names to hosts where no processnode row did.
    fn map_callmanagers(&mut self, hosts: &HostBook) {
        for link in self.cm_host.values_mut() {
            link.to = hosts.resolve(&link.to);
        }
        let mut by_likeness = Vec::new();
        let names: Vec<String> = self
            .group_members
            .values()
            .flatten()
            .map(|(_, l)| l.to.clone())
            .collect();
        for cm in names {
            if self.cm_host.contains_key(&cm) {
                continue;
            }
            if hosts.is_known(&cm) {
                let ev = Evidence {
                    file: "".into(),
                    line: 0,
                    text: format!("{cm} is a host name").into(),
                };
                self.cm_host.insert(
                    cm.clone(),
                    Link {
                        to: hosts.resolve(&cm),
                        evidence: ev,
                    },
                );
                continue;
            }
            let lower = cm.to_ascii_lowercase();
            let matches: Vec<&String> = hosts
                .hosts()
                .keys()
                .filter(|h| h.len() >= 3 && lower.contains(h.as_str()))
                .collect();
            let longest = matches.iter().map(|h| h.len()).max();
            let best: Vec<&&String> = matches
                .iter()
                .filter(|h| Some(h.len()) == longest)
                .collect();
            if best.len() == 1 {
                let host = best[0].to_string();
                by_likeness.push(format!("{cm} → {host}"));
                let ev = Evidence {
                    file: "".into(),
                    line: 0,
                    text: format!("CallManager name {cm} contains host name {host}").into(),
                };
                self.cm_host.insert(
                    cm.clone(),
                    Link {
                        to: host,
                        evidence: ev,
                    },
                );
            }
        }
        if !by_likeness.is_empty() {
            self.notes.push(format!(
                "CallManager names taken to be hosts because they contain the host name (no processnode row in the bundle): {}",
                by_likeness.join(", ")
            ));
        }
    }

    /// Where `device` registers, when the bundle says.
    pub fn registration(&self, device: &str) -> Option<Registration> {
        let pool = self.device_pool.get(device)?;
        let group = self.pool_group.get(&pool.to)?;
        let members = self.group_members.get(&group.to)?;
        let mut evidence = vec![pool.evidence.clone(), group.evidence.clone()];
        let mut nodes = Vec::new();
        let mut exact = true;
        for (_, m) in members {
            evidence.push(m.evidence.clone());
            match self.cm_host.get(&m.to) {
                Some(h) => {
                    exact &= !h.evidence.file.is_empty()
                        || h.evidence.text.get().ends_with("is a host name");
                    nodes.push(h.to.clone());
                }
                None => {
                    exact = false;
                    nodes.push(m.to.clone());
                }
            }
        }
        evidence.retain(|e| !e.file.is_empty());
        Some(Registration {
            pool: pool.to.clone(),
            group: group.to.clone(),
            nodes,
            evidence,
            exact,
        })
    }

    /// Every host that is a member of some CallManager group.
    pub fn group_hosts(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .group_members
            .values()
            .flatten()
            .map(|(_, l)| {
                self.cm_host
                    .get(&l.to)
                    .map_or(l.to.clone(), |h| h.to.clone())
            })
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Devices in a device pool.
    pub fn devices_in_pool(&self, pool: &str) -> Vec<&str> {
        self.device_pool
            .iter()
            .filter(|(_, l)| l.to == pool)
            .map(|(d, _)| d.as_str())
            .collect()
    }

    /// The device pool of a device.
    pub fn pool_of(&self, device: &str) -> Option<&str> {
        self.device_pool.get(device).map(|l| l.to.as_str())
    }

    /// True when the bundle told nothing about registration.
    pub fn is_empty(&self) -> bool {
        // VM placement alone says nothing about registration.
        self.device_pool.is_empty() && self.group_members.is_empty()
    }
}

/// Map each result column of a `run sql` query to what it holds, from the
/// select list (`alias.column [as name]`) and the FROM clause (`table alias`).
/// Keys are the result column names as the parser stores them.
fn sql_roles(sql: &str) -> Vec<(String, Role)> {
    let lower = sql.to_ascii_lowercase();
    let Some(sel) = lower.find("select") else {
        return Vec::new();
    };
    let Some(from) = lower.find(" from ") else {
        return Vec::new();
    };
    let select = &lower[sel + 6..from];
    let rest = &lower[from + 6..];
    let end = [" where ", " order by ", " group by "]
        .iter()
        .filter_map(|k| rest.find(k))
        .min()
        .unwrap_or(rest.len());
    let tables = table_aliases(&rest[..end]);
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for item in select.split(',') {
        let item = item.trim();
        let (expr, alias) = match item.rsplit_once(" as ") {
            Some((e, a)) => (e.trim(), Some(a.trim().to_string())),
            None => (item, None),
        };
        let (table_alias, column) = expr.split_once('.').unwrap_or(("", expr));
        let table = tables
            .get(table_alias)
            .map(String::as_str)
            .unwrap_or(table_alias);
        let mut name = alias.unwrap_or_else(|| column.to_string());
        let n = seen.entry(name.clone()).or_default();
        *n += 1;
        if *n > 1 {
            name = format!("{name}_{n}");
        }
        if let Some(role) = role_of(table, column, &name) {
            out.push((name, role));
        }
    }
    out
}

fn table_aliases(from: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    let cleaned = from
        .replace(" inner join ", ",")
        .replace(" left join ", ",")
        .replace(" join ", ",");
    for part in cleaned.split(',') {
        let part = part.split(" on ").next().unwrap_or("");
        let toks: Vec<&str> = part.split_whitespace().filter(|t| *t != "as").collect();
        match toks.as_slice() {
            [table, alias, ..] => {
                map.insert(alias.to_string(), table.to_string());
                map.insert(table.to_string(), table.to_string());
            }
            [table] => {
                map.insert(table.to_string(), table.to_string());
            }
            _ => {}
        }
    }
    map
}

fn role_of(table: &str, column: &str, name: &str) -> Option<Role> {
    match (table, column) {
        ("device", "name") => Some(Role::Device),
        ("devicepool", "name") => Some(Role::Pool),
        ("callmanagergroup", "name") => Some(Role::Group),
        ("callmanager", "name") => Some(Role::CallManager),
        ("callmanagergroupmember", "priority") => Some(Role::Priority),
        ("processnode", "name") => Some(Role::Host),
        _ => match name {
            "device" | "devicename" | "device_name" => Some(Role::Device),
            "devicepool" | "device_pool" | "pool" | "dp" => Some(Role::Pool),
            "callmanagergroup" | "cmgroup" | "cmg" | "cm_group" => Some(Role::Group),
            "callmanager" | "cm" | "cmname" | "cm_name" => Some(Role::CallManager),
            "priority" => Some(Role::Priority),
            "processnode" | "host" | "hostname" | "server" => Some(Role::Host),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_list_and_aliases_give_column_roles() {
        let sql = "select dp.name as devicepool, cmg.name as cmgroup, cm.name as callmanager, m.priority from devicepool dp, callmanagergroup cmg, callmanagergroupmember m, callmanager cm where dp.fkcallmanagergroup=cmg.pkid";
        let roles = sql_roles(sql);
        assert_eq!(
            roles,
            vec![
                ("devicepool".into(), Role::Pool),
                ("cmgroup".into(), Role::Group),
                ("callmanager".into(), Role::CallManager),
                ("priority".into(), Role::Priority)
            ]
        );
        let unaliased = "SELECT d.name, dp.name, cm.name, pn.name FROM device d JOIN devicepool dp ON d.fkdevicepool = dp.pkid JOIN callmanager cm ON x JOIN processnode pn ON y";
        let roles = sql_roles(unaliased);
        assert_eq!(
            roles.iter().map(|r| r.1).collect::<Vec<_>>(),
            [Role::Device, Role::Pool, Role::CallManager, Role::Host]
        );
        assert_eq!(roles[1].0, "name_2");
    }
}
