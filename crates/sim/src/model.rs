//! What the simulator serves, read from a bundle folder: the nodes (from
//! `show network cluster` captures, else the top-level folders), each
//! node's CLI captures (split at their `admin:` echoes), its log files
//! (classified to the DIME service that would list them), its zone and
//! version (from `show status`), and the topology for AXL (`run sql`
//! captures and BAT phone exports).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One node of the simulated cluster.
#[derive(Clone, Debug, Default)]
pub struct Node {
    /// Host name.
    pub name: String,
    /// Whether it is the publisher.
    pub publisher: bool,
    /// Captured CLI answers: (command, output lines).
    pub captures: Vec<(String, Vec<String>)>,
    /// Files DIME lists: (service log name, absolute path on the node, file on disk).
    pub logs: Vec<(String, String, PathBuf)>,
    /// Olson zone.
    pub zone: Option<String>,
    /// Product version.
    pub version: Option<String>,
}

/// One device for AXL and RisPort.
#[derive(Clone, Debug, Default)]
pub struct Device {
    /// Device name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Device pool.
    pub pool: String,
}

/// The whole cluster.
#[derive(Clone, Debug, Default)]
pub struct Cluster {
    /// Nodes, publisher first.
    pub nodes: Vec<Node>,
    /// Pool → group → members rows: (devicepool, cmgroup, callmanager, priority).
    pub groups: Vec<[String; 4]>,
    /// Devices.
    pub devices: Vec<Device>,
}

impl Cluster {
    /// Read a bundle folder.
    pub fn read(dir: &Path) -> Result<Cluster, String> {
        let mut files = Vec::new();
        walk(dir, dir, &mut files).map_err(|e| format!("{}: {e}", dir.display()))?;
        files.sort();
        let mut texts: Vec<(String, PathBuf, String)> = Vec::new();
        for (rel, path) in &files {
            if let Ok(bytes) = std::fs::read(path) {
                if !bytes.starts_with(&[0x1f, 0x8b]) && !bytes.starts_with(b"PK") {
                    texts.push((
                        rel.clone(),
                        path.clone(),
                        String::from_utf8_lossy(&bytes).into_owned(),
                    ));
                }
            }
        }
        let mut cluster = Cluster::default();
        // Nodes: `show network cluster` rows `IP FQDN SHORT Publisher|Subscriber ...`.
        let mut names: Vec<(String, bool)> = Vec::new();
        for (_, _, text) in &texts {
            for (cmd, out) in split_captures(text) {
                if cmd.starts_with("show network cluster") {
                    for l in out {
                        let t: Vec<&str> = l.split_whitespace().collect();
                        if t.len() >= 4 && t[0].parse::<std::net::Ipv4Addr>().is_ok() {
                            let publisher = t[3].eq_ignore_ascii_case("publisher");
                            if !names.iter().any(|(n, _)| n.eq_ignore_ascii_case(t[2])) {
                                names.push((t[2].to_string(), publisher));
                            }
                        }
                    }
                }
            }
        }
        if names.is_empty() {
            let mut tops: Vec<String> = files
                .iter()
                .filter_map(|(rel, _)| rel.split_once('/').map(|(top, _)| top.to_string()))
                .collect();
            tops.dedup();
            names = tops
                .into_iter()
                .enumerate()
                .map(|(i, n)| (n, i == 0))
                .collect();
        }
        names.sort_by_key(|(_, p)| !*p);
        if !names.iter().any(|(_, p)| *p) {
            if let Some(first) = names.first_mut() {
                first.1 = true;
            }
        }
        for (name, publisher) in names {
            let mut node = Node {
                name: name.clone(),
                publisher,
                ..Default::default()
            };
            let prefix = format!("{}/", name.to_ascii_lowercase());
            for (rel, path, text) in &texts {
                if !rel.to_ascii_lowercase().starts_with(&prefix) {
                    continue;
                }
                if rel.to_ascii_lowercase().ends_with("/system-history.log") {
                    // What `file view install system-history.log` shows.
                    let lines = text.lines().map(str::to_string).collect();
                    node.captures
                        .push(("file view install system-history.log".into(), lines));
                    continue;
                }
                let caps = split_captures(text);
                if !caps.is_empty() {
                    for (cmd, out) in caps {
                        if cmd == "show status" {
                            for l in &out {
                                if l.trim_start().starts_with("Time Zone") {
                                    node.zone = uctriage_collect::api::olson_in(l);
                                }
                                if let Some(v) = l.trim_start().strip_prefix("Product Ver") {
                                    node.version =
                                        Some(v.trim_start_matches([' ', ':']).trim().to_string());
                                }
                            }
                        }
                        node.captures.push((cmd, out));
                    }
                    continue;
                }
                if let Some((service, remote)) = classify(rel) {
                    node.logs.push((service.to_string(), remote, path.clone()));
                }
            }
            cluster.nodes.push(node);
        }
        // Zones and versions the nodes do not state: the publisher's (a cluster shares them).
        let zone = cluster.nodes.iter().find_map(|n| n.zone.clone());
        let version = cluster.nodes.iter().find_map(|n| n.version.clone());
        for n in &mut cluster.nodes {
            n.zone = n.zone.clone().or_else(|| zone.clone());
            n.version = n.version.clone().or_else(|| version.clone());
        }
        // Topology.
        for (_, _, text) in &texts {
            for (cmd, out) in split_captures(text) {
                if cmd.starts_with("run sql") {
                    cluster.groups.extend(sql_groups(&out));
                }
            }
            cluster.devices.extend(bat_devices(text));
        }
        Ok(cluster)
    }

    /// The node a CallManager name belongs to (the longest node name it contains).
    pub fn node_of_callmanager(&self, cm: &str) -> Option<&Node> {
        let lower = cm.to_ascii_lowercase();
        self.nodes
            .iter()
            .filter(|n| lower.contains(&n.name.to_ascii_lowercase()))
            .max_by_key(|n| n.name.len())
    }

    /// The primary node of a device pool (priority 1 of its group).
    pub fn primary_of_pool(&self, pool: &str) -> Option<&Node> {
        let row = self
            .groups
            .iter()
            .filter(|r| r[0] == pool)
            .min_by_key(|r| r[3].parse::<u32>().unwrap_or(u32::MAX))?;
        self.node_of_callmanager(&row[2])
    }
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let p = e.path();
        if e.file_type()?.is_dir() {
            walk(root, &p, out)?;
        } else {
            let rel = p
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, p));
        }
    }
    Ok(())
}

/// Split a capture at its `admin:` echoes: (command, output lines).
pub fn split_captures(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(cmd) = line.trim_start().strip_prefix("admin:") {
            let cmd = cmd.split_whitespace().collect::<Vec<_>>().join(" ");
            if !cmd.is_empty() {
                out.push((cmd, Vec::new()));
            }
            continue;
        }
        if let Some((_, lines)) = out.last_mut() {
            lines.push(line.to_string());
        }
    }
    out
}

/// The DIME service that lists a file, and its path on a node.
fn classify(rel: &str) -> Option<(&'static str, String)> {
    let name = rel.rsplit('/').next()?;
    let lower = rel.to_ascii_lowercase();
    let n = name.to_ascii_lowercase();
    if n.starts_with("ciscosyslog") {
        Some((
            "Event Viewer-Application Log",
            format!("/var/log/active/syslog/{name}"),
        ))
    } else if n.starts_with("messages") {
        Some((
            "Event Viewer-System Log",
            format!("/var/log/active/syslog/{name}"),
        ))
    } else if n.starts_with("perfmon_") && n.ends_with(".csv") {
        Some((
            "Cisco RIS Data Collector PerfMonLog",
            format!("/var/log/active/cm/log/ris/csv/{name}"),
        ))
    } else if n.starts_with("sdl") && (n.contains("_200_") || lower.contains("/cti/")) {
        Some((
            "Cisco CTIManager",
            format!("/var/log/active/cm/trace/cti/sdl/{name}"),
        ))
    } else if n.starts_with("sdl") {
        Some((
            "Cisco CallManager",
            format!("/var/log/active/cm/trace/ccm/sdl/{name}"),
        ))
    } else {
        None
    }
}

/// Rows of a `run sql` capture that join pools, groups and CallManagers.
fn sql_groups(out: &[String]) -> Vec<[String; 4]> {
    let mut lines = out.iter().filter(|l| !l.trim().is_empty());
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    let cols: Vec<String> = header
        .split_whitespace()
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let idx = |name: &str| cols.iter().position(|c| c == name);
    let (Some(p), Some(g), Some(c), Some(r)) = (
        idx("devicepool"),
        idx("cmgroup"),
        idx("callmanager"),
        idx("priority"),
    ) else {
        return Vec::new();
    };
    lines
        .filter(|l| !l.trim_start().starts_with('='))
        .filter_map(|l| {
            let v: Vec<&str> = l.split_whitespace().collect();
            (v.len() == cols.len()).then(|| {
                [
                    v[p].to_string(),
                    v[g].to_string(),
                    v[c].to_string(),
                    v[r].to_string(),
                ]
            })
        })
        .collect()
}

/// Devices of a BAT phone export (`DEVICE NAME`, `DESCRIPTION`, `DEVICE POOL` columns).
fn bat_devices(text: &str) -> Vec<Device> {
    let mut lines = text.lines();
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    let cols: Vec<String> = header
        .split(',')
        .map(|c| c.trim().to_ascii_uppercase())
        .collect();
    let idx = |name: &str| cols.iter().position(|c| c == name);
    let (Some(n), Some(p)) = (idx("DEVICE NAME"), idx("DEVICE POOL")) else {
        return Vec::new();
    };
    let d = idx("DESCRIPTION");
    lines
        .filter_map(|l| {
            let v: Vec<&str> = l.split(',').collect();
            let get = |i: Option<usize>| {
                i.and_then(|i| v.get(i))
                    .map(|s| s.to_string())
                    .unwrap_or_default()
            };
            let name = get(Some(n));
            (!name.is_empty()).then(|| Device {
                name,
                description: get(d),
                pool: get(Some(p)),
            })
        })
        .collect()
}

/// Map of node names to loopback addresses, from `first` on.
pub fn addresses(
    cluster: &Cluster,
    first: std::net::Ipv4Addr,
) -> BTreeMap<String, std::net::Ipv4Addr> {
    let base = u32::from(first);
    cluster
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.clone(), std::net::Ipv4Addr::from(base + i as u32)))
        .collect()
}
