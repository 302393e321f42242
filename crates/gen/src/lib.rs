//! Synthetic RTMT-style CUCM trace collections of any size, with one injected
//! incident and its ground truth — for scale tests and benchmarks of
//! `uctriage`, never part of the user binary.
//!
//! [`generate`] writes, under `out`:
//! * `collection/` — the bundle: per node `cm/trace/ccm/sdl/SDL001_100_NNNNNN.txt[.gz|.gzo]`,
//!   `cm/trace/cti/sdl/SDL001_200_...`, `syslog/CiscoSyslog`,
//!   `cm/log/ris/csv/PerfMon_<node>_MM_DD_YYYY_HH_MM.csv`, a CLI capture
//!   (`cli_session.txt`: `show status`, `utils core active list`, `utils core active
//!   analyze`; `run sql` topology on the publisher), a JTAPI gateway dumplog on a
//!   PG folder and a BAT export of the CTI ports;
//! * `ground_truth.json` next to it.
//!
//! The incident: on one subscriber ccm hangs (CPU and I/O wait pegged in its
//! PerfMon for about ten minutes before), the CTI ports of the device pool
//! whose primary it is go out of service on the JTAPI gateway, `DeviceUnregistered`
//! alarms appear in its SDL trace and CiscoSyslog, and ccm and CTIManager dump
//! cores with `IntentionalAbort` backtraces (same epoch).
//!
//! Everything is a function of the seed; files are streamed (memory stays
//! small whatever the size).

mod dense;
mod rng;
mod sdl;
mod side;
mod time;

use anyhow::{bail, Context, Result};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rayon::prelude::*;
use rng::Rng;
use sdl::{App, Density, Scripted, StreamPlan};
use std::path::{Path, PathBuf};
use time::{HOUR, MIN, SEC};

pub use dense::{write_dense, DenseSummary, Mode};
pub use sdl::StreamStats;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Config {
    /// Output folder: `collection/` and `ground_truth.json` go in it.
    pub out: PathBuf,
    /// Target size on disk of the collection, in bytes.
    pub size: u64,
    /// CUCM nodes (one publisher, the rest subscribers); at least 2.
    pub nodes: usize,
    pub seed: u64,
    /// Share of SDL files written gzipped (the rest plain `.txt`).
    pub gz_ratio: f64,
    /// Olson zone of the site.
    pub zone: String,
    /// Site prefix of the host names (`fra` → `fracucmpub`, `fracucmsub1`, ...).
    pub site: String,
    pub domain: String,
    /// The incident's local date; the traces start the evening before (the
    /// span crosses midnight).
    pub date: Date,
    /// SDL files roll at this many uncompressed bytes.
    pub roll_bytes: u64,
    /// Leave each stream's newest gzipped file open (`.gzo`, no gzip trailer).
    pub gzo: bool,
    pub version: String,
    /// Worker threads (`None`: rayon's default).
    pub threads: Option<usize>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            out: PathBuf::from("uctriage-gen-out"),
            size: 1 << 30,
            nodes: 4,
            seed: 42,
            gz_ratio: 0.7,
            zone: "Europe/Berlin".into(),
            site: "fra".into(),
            domain: "uc.example.net".into(),
            date: jiff::civil::date(2024, 11, 14),
            roll_bytes: 20 << 20,
            gzo: true,
            version: "14.0.1.13900-155".into(),
            threads: None,
        }
    }
}

/// The incident, as a report should state it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroundTruth {
    pub root_cause_host: String,
    /// Processes that dumped cores (`ccm`, `CTIManager`).
    pub processes: Vec<String>,
    /// CTI ports that went out of service.
    pub impact_devices: Vec<String>,
    /// Their directory numbers.
    pub impact_addresses: Vec<String>,
    /// First device out of service, RFC 3339 UTC with milliseconds.
    pub impact_start_utc: String,
    pub core_epoch: i64,
    pub time_zone: String,
}

impl GroundTruth {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "root_cause_host": self.root_cause_host,
            "processes": self.processes,
            "impact_devices": self.impact_devices,
            "impact_addresses": self.impact_addresses,
            "impact_start_utc": self.impact_start_utc,
            "core_epoch": self.core_epoch,
            "time_zone": self.time_zone,
        })
    }
}

/// What [`generate`] wrote.
#[derive(Clone, Debug)]
pub struct Summary {
    pub collection: PathBuf,
    pub ground_truth_path: PathBuf,
    pub truth: GroundTruth,
    pub files: u64,
    pub gz_files: u64,
    pub sdl_lines: u64,
    /// Uncompressed bytes of all SDL files / of the gzipped ones.
    pub sdl_raw_bytes: u64,
    pub sdl_gz_raw_bytes: u64,
    pub disk_bytes: u64,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub name: String,
    pub ip: String,
    pub node_id: u32,
    pub is_pub: bool,
    pub version: String,
}

#[derive(Clone, Debug)]
pub struct Port {
    pub name: String,
    pub dn: u32,
    pub pool: String,
    pub affected: bool,
}

/// The incident and the estate, decided from the seed before any file is written.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub cfg: Config,
    pub tz: TimeZone,
    pub nodes: Vec<Node>,
    pub root: usize,
    pub secondary: usize,
    pub other_primary: usize,
    pub start: i64,
    pub end: i64,
    pub hang: i64,
    pub impact: i64,
    pub recover: i64,
    pub core: i64,
    pub offset: i64,
    pub ports: Vec<Port>,
    pub pg: String,
    pub site_upper: String,
}

impl Scenario {
    pub fn new(cfg: &Config) -> Result<Scenario> {
        if cfg.nodes < 2 {
            bail!("--nodes must be at least 2 (a publisher and a subscriber)");
        }
        let tz = TimeZone::get(&cfg.zone).with_context(|| format!("unknown zone {}", cfg.zone))?;
        let mut r = Rng::new(cfg.seed).fork(1);
        let site = cfg.site.to_ascii_lowercase();
        let third = r.range(16, 200);
        let nodes: Vec<Node> = (0..cfg.nodes)
            .map(|i| Node {
                name: if i == 0 {
                    format!("{site}cucmpub")
                } else {
                    format!("{site}cucmsub{i}")
                },
                ip: format!("10.{}.{third}.{}", r.range(10, 250), 11 + i),
                node_id: i as u32 + 1,
                is_pub: i == 0,
                version: cfg.version.clone(),
            })
            .collect();
        let subs = cfg.nodes - 1;
        let root = 1 + r.below(subs as u64) as usize;
        let secondary = if subs == 1 { 0 } else { 1 + (root % subs) };
        let other_primary = if subs >= 3 {
            1 + (secondary % subs)
        } else {
            secondary
        };
        let day = time::local_ms(cfg.date.at(0, 0, 0, 0));
        let start = day - 90 * MIN; // 22:30 the evening before
        let end = day + 150 * MIN; // 02:30
        let impact = day + 55 * MIN + r.range(0, 25 * 60) * SEC + r.range(0, 999);
        let hang = impact - r.range(20, 50) * SEC;
        let recover = impact + r.range(70, 110) * SEC;
        let core = impact + r.range(150, 200) * SEC;
        let core = core - core.rem_euclid(SEC) + r.range(0, 999);
        let offset = time::offset_secs(&tz, core);
        let upper = site.to_ascii_uppercase();
        let mut ports = Vec::new();
        let base = 50_000_100 + r.range(0, 800) as u32;
        let n_aff = 4 + r.below(5) as u32;
        for i in 0..n_aff + 3 {
            let affected = i < n_aff;
            let dn = 27_100 + (base % 700) + i;
            ports.push(Port {
                name: format!("LCP{}", base + i),
                dn,
                pool: if affected {
                    format!("DP_{upper}_MobileAgent")
                } else {
                    format!("DP_{upper}_MobileAgent2")
                },
                affected,
            });
        }
        Ok(Scenario {
            cfg: cfg.clone(),
            tz,
            nodes,
            root,
            secondary,
            other_primary,
            start,
            end,
            hang,
            impact,
            recover,
            core,
            offset,
            ports,
            pg: "pg1a".into(),
            site_upper: upper,
        })
    }

    pub fn utc(&self, local: i64) -> jiff::Timestamp {
        time::to_utc(&self.tz, local)
    }

    pub fn core_epoch(&self) -> i64 {
        self.utc(self.core).as_second()
    }

    /// When each affected port went out of service (local ms).
    pub fn port_down(&self, i: usize) -> i64 {
        self.impact + i as i64 * 311 + (i as i64 % 3) * 47
    }

    pub fn truth(&self) -> GroundTruth {
        let affected: Vec<&Port> = self.ports.iter().filter(|p| p.affected).collect();
        GroundTruth {
            root_cause_host: self.nodes[self.root].name.clone(),
            processes: vec!["ccm".into(), "CTIManager".into()],
            impact_devices: affected.iter().map(|p| p.name.clone()).collect(),
            impact_addresses: affected.iter().map(|p| p.dn.to_string()).collect(),
            impact_start_utc: self
                .utc(self.impact)
                .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string(),
            core_epoch: self.core_epoch(),
            time_zone: self.cfg.zone.clone(),
        }
    }

    pub fn fqdn(&self, n: &Node) -> String {
        format!("{}.{}", n.name, self.cfg.domain)
    }
}

/// The SDL streams and what each carries of the incident.
fn stream_plans(s: &Scenario, root: &Path, uncompressed: u64) -> Vec<StreamPlan> {
    let base = Rng::new(s.cfg.seed).fork(2);
    let mut plans = Vec::new();
    let weights: Vec<(usize, App, f64)> = s
        .nodes
        .iter()
        .enumerate()
        .flat_map(|(i, n)| {
            let w = if n.is_pub { 0.6 } else { 1.0 };
            [(i, App::Ccm, w * 0.78), (i, App::Cti, w * 0.22)]
        })
        .collect();
    let total: f64 = weights.iter().map(|w| w.2).sum();
    for (i, app, w) in weights {
        let node = s.nodes[i].clone();
        let mut scripted = Vec::new();
        let mut densities = Vec::new();
        let mut restart = None;
        let rc = &s.nodes[s.root];
        let app_start = s.start - (40 + i as i64 * 3) * 24 * HOUR + 7 * HOUR + i as i64 * 97 * SEC;
        if i == s.root {
            densities.push(Density {
                from: s.hang,
                to: s.core,
                factor: if app == App::Ccm { 0.02 } else { 0.15 },
            });
            restart = Some((s.core, s.core + if app == App::Ccm { 14 } else { 9 } * SEC));
            if app == App::Ccm {
                for (k, p) in s.ports.iter().filter(|p| p.affected).enumerate() {
                    scripted.push(Scripted {
                        at: s.port_down(k) + 180,
                        kind: "AppInfo",
                        payload: format!(
                            "DeviceUnregistered - Device unregistered Device name.:{} Device IP address [Optional].:{} Protocol.:SCCP Device type. [Optional]:72 Reason Code [Optional].:{} App ID:Cisco CallManager Cluster ID:StandAloneCluster Node ID:{}",
                            p.name, side::pg_ip(s), 1, rc.name
                        ),
                    });
                }
                scripted.push(Scripted {
                    at: s.core - 1200,
                    kind: "AppInfo",
                    payload: "CMProcMon - CallManager unable to process signals. This may be due to CPU or blocked function. Attempting to restart CallManager.".into(),
                });
            } else {
                scripted.push(Scripted {
                    at: s.core - 2100,
                    kind: "AppInfo",
                    payload: "CMProcMon - SDL Router Services declared dead. This may be due to high CPU usage or blocked function. Attempting to restart CTIManager.".into(),
                });
            }
        }
        if i == 0 && app == App::Ccm {
            for (at, name, text) in [
                (
                    s.core + 430,
                    "SDLLinkOOS",
                    "SDL link to remote application is out of service",
                ),
                (
                    s.core + 83 * SEC,
                    "SDLLinkISV",
                    "SDL link to remote application restored",
                ),
            ] {
                scripted.push(Scripted {
                    at,
                    kind: "AppInfo",
                    payload: format!(
                        "{name} - {text} Remote Application IP Address:{} Unique Link ID:1:100:{}:1 Local Node ID:1 Local Application ID:100 Remote Node ID:{} Remote Application ID:100 App ID:Cisco CallManager Cluster ID:StandAloneCluster Node ID:{}",
                        rc.ip, rc.node_id, rc.node_id, node.name
                    ),
                });
            }
        }
        if i == s.secondary && app == App::Ccm {
            for (k, p) in s.ports.iter().filter(|p| p.affected).enumerate() {
                scripted.push(Scripted {
                    at: s.recover + k as i64 * 257,
                    kind: "AppInfo",
                    payload: format!(
                        "DeviceRegistered - Device registered Device name.:{} Device IP address.:{} Protocol.:SCCP Device type.:72 App ID:Cisco CallManager Cluster ID:StandAloneCluster Node ID:{}",
                        p.name, side::pg_ip(s), node.name
                    ),
                });
            }
        }
        scripted.sort_by_key(|x| x.at);
        plans.push(StreamPlan {
            dir: sdl::stream_dir(root, &node, app),
            node,
            app,
            seed: base.fork(i as u64 * 2 + u64::from(app == App::Cti)),
            budget: (uncompressed as f64 * w / total) as u64,
            start: s.start,
            end: s.end,
            scripted,
            densities,
            restart,
            app_start,
        });
    }
    plans
}

/// Writes the collection and `ground_truth.json`; see the crate docs.
pub fn generate(cfg: &Config) -> Result<Summary> {
    let s = Scenario::new(cfg)?;
    let collection = cfg.out.join("collection");
    if collection.exists() {
        std::fs::remove_dir_all(&collection)
            .with_context(|| format!("clearing {}", collection.display()))?;
    }
    std::fs::create_dir_all(&collection)?;

    // Small files first: they count against the size budget.
    let side_bytes = side::write_all(&s, &collection)?;
    let sdl_disk = cfg.size.saturating_sub(side_bytes).max(1 << 20);
    let (bytes_per_record, ratio) = sdl::calibrate(&s.nodes[1], &Rng::new(cfg.seed));
    let g = cfg.gz_ratio.clamp(0.0, 1.0);
    let uncompressed = (sdl_disk as f64 / ((1.0 - g) + g / ratio)) as u64;
    let opts = sdl::Options {
        roll_bytes: cfg.roll_bytes.max(64 << 10),
        gz_ratio: g,
        gzo: cfg.gzo,
        bytes_per_record,
    };
    let plans = stream_plans(&s, &collection, uncompressed);
    let offset = time::offset_text(s.offset);
    let run = || -> Result<Vec<StreamStats>> {
        plans
            .par_iter()
            .map(|p| {
                sdl::write_stream(p, opts, &offset)
                    .with_context(|| format!("writing {}", p.dir.display()))
            })
            .collect()
    };
    let stats = match cfg.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()?
            .install(run)?,
        None => run()?,
    };
    let truth = s.truth();
    let gt = cfg.out.join("ground_truth.json");
    std::fs::write(&gt, serde_json::to_string_pretty(&truth.to_json())? + "\n")?;
    let side_files = side::FILES as u64;
    Ok(Summary {
        collection,
        ground_truth_path: gt,
        truth,
        files: stats.iter().map(|x| x.files).sum::<u64>() + side_files + (cfg.nodes as u64 - 1) * 4,
        gz_files: stats.iter().map(|x| x.gz_files).sum(),
        sdl_lines: stats.iter().map(|x| x.lines).sum(),
        sdl_raw_bytes: stats.iter().map(|x| x.raw_bytes).sum(),
        sdl_gz_raw_bytes: stats.iter().map(|x| x.gz_raw_bytes).sum(),
        disk_bytes: stats.iter().map(|x| x.disk_bytes).sum::<u64>() + side_bytes,
    })
}

/// `1GB`, `500MB`, `20M`, `123456` → bytes (binary multiples).
pub fn parse_size(text: &str) -> Result<u64> {
    let t = text.trim().to_ascii_uppercase();
    let t = t
        .strip_suffix("IB")
        .map(|x| x.to_string() + "B")
        .unwrap_or(t);
    let (num, mult) = if let Some(n) = t.strip_suffix("GB").or_else(|| t.strip_suffix('G')) {
        (n, 1u64 << 30)
    } else if let Some(n) = t.strip_suffix("MB").or_else(|| t.strip_suffix('M')) {
        (n, 1 << 20)
    } else if let Some(n) = t.strip_suffix("KB").or_else(|| t.strip_suffix('K')) {
        (n, 1 << 10)
    } else {
        (t.strip_suffix('B').unwrap_or(&t), 1)
    };
    let v: f64 = num
        .trim()
        .parse()
        .with_context(|| format!("bad size `{text}`"))?;
    if v <= 0.0 {
        bail!("size must be positive");
    }
    Ok((v * mult as f64) as u64)
}
