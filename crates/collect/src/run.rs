//! The collection itself: the publisher first (versions, zone, node list,
//! topology, registrations), then every node in parallel, each service of a
//! node in its own sequential task (one request at a time per service per
//! node). A node that fails never stops the others: each failure is an item
//! of the manifest and a line on stderr.

use crate::api::{self, RemoteFile};
use crate::bundle::{safe, BundleDir};
use crate::manifest::{self, Item, Manifest, NodeEntry};
use crate::soap::{Client, Credentials, Endpoint, Politeness, SoapError};
use crate::ssh::{Cli, HostKeys, Target};
use crate::tls::{client_config, Trust};
use crate::window::{self, Window};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// What to collect and how.
#[derive(Clone, Debug)]
pub struct Config {
    /// The publisher's name or address (`--publisher`).
    pub publisher: String,
    /// User name and password.
    pub creds: Credentials,
    /// `--since` as typed (None: two hours before `until`).
    pub since: Option<String>,
    /// `--until` as typed (None: now).
    pub until: Option<String>,
    /// Output folder, or a `.zip` path.
    pub out: PathBuf,
    /// HTTPS port of every node.
    pub https_port: u16,
    /// SSH port of every node.
    pub ssh_port: u16,
    /// `--resolve NAME=ADDRESS`: where to reach a node.
    pub resolve: BTreeMap<String, String>,
    /// TLS trust.
    pub trust: Trust,
    /// SSH host-key policy; None = `--no-ssh`.
    pub ssh: Option<HostKeys>,
    /// Time-outs, retries, size cap.
    pub polite: Politeness,
    /// AXL schema version (None: the publisher's major.minor version).
    pub axl_version: Option<String>,
}

/// Told what happens, from several tasks.
pub trait Progress: Send + Sync {
    /// `n` more requests are planned.
    fn planned(&self, n: u64);
    /// One request ended (`error` None when it went well).
    fn finished(&self, node: &str, what: &str, error: Option<&str>);
    /// Something the user must read (a warning, a failure).
    fn warn(&self, message: &str);
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Where the bundle is.
    pub out: PathBuf,
    /// Nodes tried.
    pub nodes: usize,
    /// Items fetched by this run.
    pub fetched: usize,
    /// Items already fetched by an earlier run.
    pub reused: usize,
    /// Items that failed or were skipped.
    pub failed: usize,
}

/// The CLI commands run on every node, and whether `analyze` reads their output.
pub const CLI_COMMANDS: &[(&str, bool)] = &[
    ("show status", true),
    ("show network cluster", true),
    ("utils core active list", true),
    ("utils ntp status", true),
    ("utils dbreplication runtimestate", true),
    ("show process load", true),
    ("utils diagnose test", true),
    ("utils service list", true),
    ("show version active", true),
    ("show hardware", true),
    ("show cert list", true),
    ("file view install system-history.log", true),
];

/// PerfMon objects snapshotted on every node.
pub const PERFMON_OBJECTS: &[&str] = &["Processor", "Memory", "Partition", "Cisco CallManager"];

/// DIME service logs wanted (names as RTMT's Trace & Log Central shows them).
pub const SERVICE_LOGS: &[&str] = &[
    "Cisco CallManager",
    "Cisco CTIManager",
    "Cisco RIS Data Collector PerfMonLog",
];

/// DIME system logs wanted.
pub const SYSTEM_LOGS: &[&str] = &["Event Viewer-Application Log", "Event Viewer-System Log"];

/// AXL topology queries: (file name, SQL).
pub const TOPOLOGY_SQL: &[(&str, &str)] = &[
    ("processnode", "select name, nodeid from processnode where systemnode = 'f' order by nodeid"),
    ("callmanager", "select cm.name as callmanager, pn.name as processnode from callmanager cm, processnode pn where cm.fkprocessnode = pn.pkid order by cm.name"),
    ("devicepool_cmgroup", "select dp.name as devicepool, cmg.name as cmgroup, cm.name as callmanager, m.priority from devicepool dp, callmanagergroup cmg, callmanagergroupmember m, callmanager cm where dp.fkcallmanagergroup=cmg.pkid and m.fkcallmanagergroup=cmg.pkid and m.fkcallmanager=cm.pkid order by dp.name, m.priority"),
    ("device", "select d.name as devicename, d.description, dp.name as devicepool, tc.name as class from device d, devicepool dp, typeclass tc where d.fkdevicepool = dp.pkid and d.tkclass = tc.enum order by d.name"),
];

struct Shared {
    cfg: Config,
    tls: Arc<rustls::ClientConfig>,
    creds: Arc<Credentials>,
    bundle: BundleDir,
    progress: Arc<dyn Progress>,
    window: Window,
    window_entry: manifest::Window,
    /// (node, error) pairs already told on stderr: a node that refuses
    /// everything is reported once, the manifest lists every item.
    warned: std::sync::Mutex<std::collections::HashSet<(String, String)>>,
    /// File bytes downloaded by this run, over every node.
    downloaded: std::sync::atomic::AtomicU64,
}

/// What a request brought: the file's path parts under its node, and its bytes
/// (None: nothing to write).
type Fetched = Result<Option<(Vec<String>, Vec<u8>)>, String>;

/// One request's outcome, to be recorded.
struct Outcome {
    node: String,
    source: &'static str,
    request: String,
    started: Timestamp,
    result: Fetched,
    windowed: bool,
    analyze: bool,
    skipped: bool,
}

impl Shared {
    fn endpoint(&self, node: &str) -> Endpoint {
        Endpoint {
            name: node.to_string(),
            address: self.address(node),
            port: self.cfg.https_port,
        }
    }

    fn address(&self, node: &str) -> String {
        self.cfg
            .resolve
            .get(node)
            .or_else(|| {
                self.cfg
                    .resolve
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(node))
                    .map(|(_, v)| v)
            })
            .cloned()
            .unwrap_or_else(|| node.to_string())
    }

    fn client(&self, node: &str) -> Client {
        Client::new(
            self.endpoint(node),
            self.tls.clone(),
            self.creds.clone(),
            self.cfg.polite.clone(),
        )
    }

    /// Write (if there are bytes) and record one outcome; returns whether it was ok.
    fn record(&self, o: Outcome) -> bool {
        let finished = Timestamp::now();
        let mut item = Item {
            node: o.node.clone(),
            source: o.source.to_string(),
            request: o.request.clone(),
            window: o.windowed.then(|| self.window_entry.clone()),
            started: o.started.to_string(),
            finished: finished.to_string(),
            analyze: o.analyze,
            ..Default::default()
        };
        let what = format!("{} {}", o.source, o.request);
        let ok = match o.result {
            Ok(Some((parts, bytes))) => {
                let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
                match self.bundle.write(&o.node, &parts, &bytes) {
                    Ok(w) => {
                        item.path = w.path;
                        item.bytes = w.bytes;
                        item.sha256 = w.sha256;
                        item.status = "ok".into();
                        true
                    }
                    Err(e) => {
                        item.status = "error".into();
                        item.error = Some(format!("cannot write: {e}"));
                        false
                    }
                }
            }
            Ok(None) => {
                item.status = "ok".into();
                true
            }
            Err(e) => {
                item.status = if o.skipped { "skipped" } else { "error" }.into();
                item.error = Some(e);
                false
            }
        };
        self.progress
            .finished(&o.node, &what, item.error.as_deref());
        if let Some(e) = &item.error {
            let first = self
                .warned
                .lock()
                .expect("warned lock")
                .insert((o.node.clone(), e.clone()));
            if first {
                self.progress.warn(&format!("{}: {what}: {e}", o.node));
            }
        }
        if let Err(e) = self.bundle.record(item) {
            self.progress.warn(&format!("manifest: {e}"));
        }
        ok
    }
}

/// Run a collection; the bundle is written even when nodes fail. An error
/// is returned only when nothing could be collected at all (publisher out of
/// reach, output not writable).
pub async fn collect(cfg: Config, progress: Arc<dyn Progress>) -> Result<Summary, String> {
    let tls = client_config(&cfg.trust)?;
    let zip_out = cfg
        .out
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    let work = if zip_out {
        let name = cfg
            .out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dir = cfg.out.with_file_name(format!(".{name}.collecting"));
        if cfg.out.exists() && !dir.exists() {
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            crate::bundle::unzip_into(&cfg.out, &dir)?;
        }
        dir
    } else {
        cfg.out.clone()
    };
    let now = Timestamp::now();
    let fresh = Manifest {
        format: manifest::FORMAT.into(),
        version: manifest::VERSION,
        tool: format!("uctriage {}", env!("CARGO_PKG_VERSION")),
        publisher: cfg.publisher.clone(),
        created: now.to_string(),
        updated: now.to_string(),
        ..Default::default()
    };
    let bundle = BundleDir::open(&work, fresh)?;
    let before: usize = bundle.manifest().items.iter().filter(|i| i.is_ok()).count();
    let creds = Arc::new(cfg.creds.clone());
    let mut shared = Shared {
        tls,
        creds,
        bundle,
        progress,
        window: Window {
            from: now,
            until: now,
        },
        window_entry: Default::default(),
        warned: Default::default(),
        downloaded: Default::default(),
        cfg,
    };

    // 1. The publisher: its version (which also proves the credentials), its zone.
    let pubname = shared.cfg.publisher.clone();
    let mut control = shared.client(&pubname);
    shared.progress.planned(2);
    let started = Timestamp::now();
    let version = match api::product_versions(&mut control).await {
        Ok((answer, version)) => {
            shared.record(Outcome {
                node: pubname.clone(),
                source: "controlcenter:getProductInformationList",
                request: "all products".into(),
                started,
                result: Ok(Some((
                    vec![
                        "controlcenter".into(),
                        "getProductInformationList.xml".into(),
                    ],
                    answer.body.to_vec(),
                ))),
                windowed: false,
                analyze: false,
                skipped: false,
            });
            version
        }
        Err(e) => {
            let fatal = e.node_down();
            shared.record(Outcome {
                node: pubname.clone(),
                source: "controlcenter:getProductInformationList",
                request: "all products".into(),
                started,
                result: Err(e.to_string()),
                windowed: false,
                analyze: false,
                skipped: false,
            });
            if fatal {
                finish(&shared, zip_out)?;
                return Err(format!("publisher {pubname}: {e}"));
            }
            None
        }
    };
    let mut dime = shared.client(&pubname);
    let (pub_zone_name, pub_zone_from) = match api::time_zone(&mut dime, &pubname).await {
        Ok(text) => (api::olson_in(&text), Some("dime getTimeZone".to_string())),
        Err(e) => {
            shared
                .progress
                .warn(&format!("{pubname}: DIME getTimeZone: {e}"));
            (None, None)
        }
    };
    shared.progress.finished(&pubname, "dime getTimeZone", None);
    let pub_zone = pub_zone_name
        .as_deref()
        .and_then(|z| jiff::tz::db().get(z).ok())
        .unwrap_or(TimeZone::UTC);
    let needs_zone = [&shared.cfg.since, &shared.cfg.until]
        .iter()
        .any(|s| s.as_deref().is_some_and(|s| !window::is_absolute(s)));
    if needs_zone && pub_zone_name.is_none() {
        shared
            .progress
            .warn("the publisher's zone is unknown: --since/--until are read as UTC");
    }
    shared.window = window::resolve(
        shared.cfg.since.as_deref(),
        shared.cfg.until.as_deref(),
        &pub_zone,
        now,
    )?;
    shared.window_entry = manifest::Window {
        from: shared.window.from.to_string(),
        until: shared.window.until.to_string(),
    };

    // 2. The node list and the topology, from AXL on the publisher.
    let axl_version = shared
        .cfg
        .axl_version
        .clone()
        .or_else(|| version.as_deref().and_then(major_minor))
        .unwrap_or_else(|| "12.5".into());
    let mut axl = shared.client(&pubname);
    shared.progress.planned(TOPOLOGY_SQL.len() as u64);
    let mut nodes: Vec<String> = Vec::new();
    for (name, sql) in TOPOLOGY_SQL {
        let started = Timestamp::now();
        let request = format!("{name}: {sql}");
        let result = api::axl_sql(&mut axl, &axl_version, sql).await;
        if let (Ok((_, rows)), true) = (&result, *name == "processnode") {
            let col = rows.columns.iter().position(|c| c == "name").unwrap_or(0);
            nodes = rows
                .rows
                .iter()
                .filter_map(|r| r.get(col).cloned())
                .filter(|n| !n.is_empty())
                .collect();
        }
        shared.record(Outcome {
            node: pubname.clone(),
            source: "axl:executeSQLQuery",
            request,
            started,
            result: result
                .map(|(_, rows)| {
                    Some((
                        vec!["axl".into(), format!("{name}.txt")],
                        api::render_run_sql(sql, &rows).into_bytes(),
                    ))
                })
                .map_err(|e| e.to_string()),
            windowed: false,
            analyze: true,
            skipped: false,
        });
    }
    let publisher_node = publisher_name(&shared, &pubname, &nodes);
    if nodes.is_empty() {
        shared.progress.warn(&format!(
            "no node list from AXL: collecting from the publisher {pubname} only"
        ));
        nodes.push(publisher_node.clone());
    }
    // Files of the publisher live under the name AXL gives it.
    if publisher_node != pubname {
        shared.bundle.update(|m| {
            for i in m.items.iter_mut().filter(|i| i.node == pubname) {
                i.node = publisher_node.clone();
            }
        })?;
        move_dir(&shared, &pubname, &publisher_node);
        if !shared.cfg.resolve.contains_key(&publisher_node) {
            let addr = shared.address(&pubname);
            shared.cfg.resolve.insert(publisher_node.clone(), addr);
        }
    }
    shared.bundle.update(|m| {
        m.window = shared.window_entry.clone();
        m.nodes = nodes
            .iter()
            .map(|n| NodeEntry {
                name: n.clone(),
                address: shared.address(n),
                publisher: *n == publisher_node,
                zone: (*n == publisher_node)
                    .then(|| pub_zone_name.clone())
                    .flatten(),
                zone_from: (*n == publisher_node)
                    .then(|| pub_zone_from.clone())
                    .flatten(),
                notes: Vec::new(),
            })
            .collect();
    })?;

    // 3. Cluster-wide registrations, from RisPort70 on the publisher.
    ris(&shared, &publisher_node).await;

    // 4. Every node in parallel.
    let shared = Arc::new(shared);
    let mut tasks = Vec::new();
    for n in &nodes {
        let s = shared.clone();
        let node = n.clone();
        let is_pub = *n == publisher_node;
        tasks.push(tokio::spawn(
            async move { node_tasks(s, node, is_pub).await },
        ));
    }
    for t in tasks {
        let _ = t.await;
    }
    let shared =
        Arc::try_unwrap(shared).map_err(|_| "internal: tasks still running".to_string())?;
    finish(&shared, zip_out)?;
    let m = shared.bundle.manifest();
    let ok = m.items.iter().filter(|i| i.is_ok()).count();
    Ok(Summary {
        out: shared.cfg.out.clone(),
        nodes: m.nodes.len(),
        fetched: ok.saturating_sub(before),
        reused: before.min(ok),
        failed: m.items.iter().filter(|i| !i.is_ok()).count(),
    })
}

/// Fill each item's zone from its node, stamp the manifest, and pack the zip if asked.
fn finish(shared: &Shared, zip_out: bool) -> Result<(), String> {
    shared.bundle.update(|m| {
        let zones: BTreeMap<String, (Option<String>, Option<String>)> = m
            .nodes
            .iter()
            .map(|n| (n.name.clone(), (n.zone.clone(), n.zone_from.clone())))
            .collect();
        for i in m.items.iter_mut() {
            if let Some((z, from)) = zones.get(&i.node) {
                i.zone = z.clone();
                i.zone_from = from.clone();
            }
        }
        m.updated = Timestamp::now().to_string();
    })?;
    if zip_out {
        crate::bundle::zip_folder(shared.bundle.root(), &shared.cfg.out)?;
        let _ = std::fs::remove_dir_all(shared.bundle.root());
    }
    Ok(())
}

fn major_minor(version: &str) -> Option<String> {
    let mut it = version.split('.');
    let (a, b) = (it.next()?, it.next()?);
    (a.parse::<u32>().is_ok() && b.parse::<u32>().is_ok()).then(|| format!("{a}.{b}"))
}

/// The publisher's name in the node list: the one equal to what the user
/// typed, or the one `--resolve` maps to the same address.
fn publisher_name(shared: &Shared, typed: &str, nodes: &[String]) -> String {
    if let Some(n) = nodes.iter().find(|n| n.eq_ignore_ascii_case(typed)) {
        return n.clone();
    }
    let addr = shared.address(typed);
    if let Some(n) = nodes.iter().find(|n| shared.address(n) == addr) {
        return n.clone();
    }
    let short = typed.split('.').next().unwrap_or(typed);
    nodes
        .iter()
        .find(|n| n.eq_ignore_ascii_case(short))
        .cloned()
        .unwrap_or_else(|| typed.to_string())
}

fn move_dir(shared: &Shared, from: &str, to: &str) {
    let root = shared.bundle.root();
    let (a, b) = (root.join(safe(from)), root.join(safe(to)));
    if !a.exists() {
        return;
    }
    let _ = std::fs::create_dir_all(&b);
    if let Ok(rd) = std::fs::read_dir(&a) {
        for e in rd.flatten() {
            let _ = std::fs::rename(e.path(), b.join(e.file_name()));
        }
    }
    let _ = std::fs::remove_dir_all(&a);
    let (fa, fb) = (format!("{}/", safe(from)), format!("{}/", safe(to)));
    let _ = shared.bundle.update(|m| {
        for i in m.items.iter_mut() {
            if let Some(rest) = i.path.strip_prefix(&fa) {
                i.path = format!("{fb}{rest}");
            }
        }
    });
}

async fn ris(shared: &Shared, node: &str) {
    let mut c = shared.client(node);
    // A registration snapshot is taken whole or again: page 1 fetched means done.
    let mut state = String::new();
    let first_done = shared
        .bundle
        .already(node, "risport70:selectCmDeviceExt", "page 1");
    let mut sent = 0u32;
    let spacing = shared.cfg.polite.ris_spacing;
    for page in 1..=100u32 {
        if first_done {
            break;
        }
        if sent >= 4 {
            tokio::time::sleep(spacing).await;
        }
        sent += 1;
        shared.progress.planned(1);
        let started = Timestamp::now();
        let r = api::ris_devices(&mut c, &state).await;
        let next = match &r {
            Ok((_, next, n)) if *n >= 1000 && !next.is_empty() && *next != state => {
                Some(next.clone())
            }
            _ => None,
        };
        shared.record(Outcome {
            node: node.to_string(),
            source: "risport70:selectCmDeviceExt",
            request: format!("page {page}"),
            started,
            result: r
                .map(|(a, _, _)| {
                    Some((
                        vec!["risport".into(), format!("selectCmDeviceExt-{page:03}.xml")],
                        a.body.to_vec(),
                    ))
                })
                .map_err(|e| e.to_string()),
            windowed: false,
            analyze: false,
            skipped: false,
        });
        match next {
            Some(n) => state = n,
            None => break,
        }
    }
    for class in ["Provider", "Device", "Line"] {
        let request = format!("selectCtiItem {class}");
        if shared
            .bundle
            .already(node, "risport70:selectCtiItem", &request)
        {
            continue;
        }
        if sent >= 4 {
            tokio::time::sleep(spacing).await;
        }
        sent += 1;
        shared.progress.planned(1);
        let started = Timestamp::now();
        let r = api::ris_cti(&mut c, class, "").await;
        shared.record(Outcome {
            node: node.to_string(),
            source: "risport70:selectCtiItem",
            request,
            started,
            result: r
                .map(|(a, _)| {
                    Some((
                        vec!["risport".into(), format!("selectCtiItem-{class}.xml")],
                        a.body.to_vec(),
                    ))
                })
                .map_err(|e| e.to_string()),
            windowed: false,
            analyze: false,
            skipped: false,
        });
    }
}

async fn node_tasks(shared: Arc<Shared>, node: String, is_pub: bool) {
    let mut set = tokio::task::JoinSet::new();
    let s = shared.clone();
    let n = node.clone();
    set.spawn(async move { control_and_perfmon(s, n, is_pub).await });
    let s = shared.clone();
    let n = node.clone();
    set.spawn(async move { dime(s, n).await });
    if shared.cfg.ssh.is_some() {
        let s = shared.clone();
        let n = node.clone();
        set.spawn(async move { cli(s, n).await });
    }
    while set.join_next().await.is_some() {}
}

/// Control Center and PerfMon, one request at a time each.
async fn control_and_perfmon(shared: Arc<Shared>, node: String, is_pub: bool) {
    let s2 = shared.clone();
    let n2 = node.clone();
    let perf = tokio::spawn(async move { perfmon(s2, n2).await });
    let mut c = shared.client(&node);
    let mut down: Option<String> = None;
    let mut calls: Vec<&str> = vec!["soapGetServiceStatus"];
    if !is_pub {
        calls.push("getProductInformationList");
    }
    for op in calls {
        let source = if op == "soapGetServiceStatus" {
            "controlcenter:soapGetServiceStatus"
        } else {
            "controlcenter:getProductInformationList"
        };
        let request = if op == "soapGetServiceStatus" {
            "all services"
        } else {
            "all products"
        };
        if shared.bundle.already(&node, source, request) {
            continue;
        }
        shared.progress.planned(1);
        let started = Timestamp::now();
        let result = match &down {
            Some(e) => Err(e.clone()),
            None => {
                let r = if op == "soapGetServiceStatus" {
                    api::service_status(&mut c).await
                } else {
                    api::product_versions(&mut c).await.map(|(a, _)| a)
                };
                r.map_err(|e| {
                    if e.node_down() {
                        down = Some(e.to_string());
                    }
                    e.to_string()
                })
            }
        };
        shared.record(Outcome {
            node: node.clone(),
            source,
            request: request.into(),
            started,
            result: result.map(|a| {
                Some((
                    vec!["controlcenter".into(), format!("{op}.xml")],
                    a.body.to_vec(),
                ))
            }),
            windowed: false,
            analyze: false,
            skipped: false,
        });
    }
    let _ = perf.await;
}

async fn perfmon(shared: Arc<Shared>, node: String) {
    let mut c = shared.client(&node);
    let mut down: Option<String> = None;
    for object in PERFMON_OBJECTS {
        if shared
            .bundle
            .already(&node, "perfmon:perfmonCollectCounterData", object)
        {
            continue;
        }
        shared.progress.planned(1);
        let started = Timestamp::now();
        let result = match &down {
            Some(e) => Err(e.clone()),
            None => api::perfmon_object(&mut c, &node, object)
                .await
                .map_err(|e| {
                    if e.node_down() {
                        down = Some(e.to_string());
                    }
                    e.to_string()
                }),
        };
        let file = format!("{}.xml", object.replace(' ', "_"));
        shared.record(Outcome {
            node: node.clone(),
            source: "perfmon:perfmonCollectCounterData",
            request: object.to_string(),
            started,
            result: result.map(|a| Some((vec!["perfmon".into(), file], a.body.to_vec()))),
            windowed: false,
            analyze: false,
            skipped: false,
        });
    }
}

/// Set a node's zone in the manifest unless a better source already gave one.
fn learn_zone(shared: &Shared, node: &str, zone: String, from: &str) {
    let _ = shared.bundle.update(|m| {
        if let Some(n) = m.nodes.iter_mut().find(|n| n.name == node) {
            if n.zone.is_none() {
                n.zone = Some(zone);
                n.zone_from = Some(from.to_string());
            }
        }
    });
}

async fn dime(shared: Arc<Shared>, node: String) {
    let mut c = shared.client(&node);
    shared.progress.planned(3);
    let started = Timestamp::now();
    // The node's own zone.
    let zone = match api::time_zone(&mut c, &node).await {
        Ok(text) => {
            shared.progress.finished(&node, "dime getTimeZone", None);
            api::olson_in(&text)
        }
        Err(e) => {
            let fatal = e.node_down();
            shared.record(Outcome {
                node: node.clone(),
                source: "dime:getTimeZone",
                request: node.clone(),
                started,
                result: Err(e.to_string()),
                windowed: false,
                analyze: false,
                skipped: false,
            });
            if fatal {
                shared
                    .progress
                    .finished(&node, "dime skipped", Some("node down"));
                shared
                    .progress
                    .finished(&node, "dime skipped", Some("node down"));
                return;
            }
            None
        }
    };
    if let Some(z) = &zone {
        learn_zone(&shared, &node, z.clone(), "dime getTimeZone");
    }
    // The log names the node offers.
    let (mut services, mut systems): (Vec<String>, Vec<String>) = (
        SERVICE_LOGS.iter().map(|s| s.to_string()).collect(),
        SYSTEM_LOGS.iter().map(|s| s.to_string()).collect(),
    );
    match api::log_names(&mut c).await {
        Ok((svc, sys)) if !(svc.is_empty() && sys.is_empty()) => {
            let wanted: Vec<&str> = SERVICE_LOGS.iter().chain(SYSTEM_LOGS).copied().collect();
            let pick = |list: &[String]| -> Vec<String> {
                list.iter()
                    .filter(|n| wanted.iter().any(|w| w.eq_ignore_ascii_case(n)))
                    .cloned()
                    .collect()
            };
            services = pick(&svc);
            systems = pick(&sys);
            shared
                .progress
                .finished(&node, "dime listNodeServiceLogs", None);
        }
        Ok(_) => shared
            .progress
            .finished(&node, "dime listNodeServiceLogs", None),
        Err(e) => {
            shared
                .progress
                .finished(&node, "dime listNodeServiceLogs", Some(&e.to_string()));
            shared.progress.warn(&format!(
                "{node}: DIME listNodeServiceLogs: {e}; asking for the usual logs"
            ));
        }
    }
    // The files of the window.
    let tz = zone
        .as_deref()
        .and_then(|z| jiff::tz::db().get(z).ok())
        .unwrap_or(TimeZone::UTC);
    let zname = zone.clone().unwrap_or_else(|| "Etc/UTC".into());
    let w = shared.window;
    let from = window::dime_time(w.from, &tz, false);
    let to = window::dime_time(w.until, &tz, true);
    let zstr = window::dime_zone(&tz, &zname, w.from);
    let started = Timestamp::now();
    let files: Vec<RemoteFile> =
        match api::select_logs(&mut c, &services, &systems, &from, &to, &zstr).await {
            Ok(f) => {
                shared.progress.finished(&node, "dime selectLogFiles", None);
                f
            }
            Err(e) => {
                shared.record(Outcome {
                    node: node.clone(),
                    source: "dime:selectLogFiles",
                    request: format!("{} | {}", services.join(", "), systems.join(", ")),
                    started,
                    result: Err(e.to_string()),
                    windowed: true,
                    analyze: false,
                    skipped: false,
                });
                return;
            }
        };
    let mut down: Option<String> = None;
    let cap = shared.cfg.polite.max_bytes;
    for f in files {
        if shared.bundle.already(&node, "dime:GetOneFile", &f.path) {
            continue;
        }
        shared.progress.planned(1);
        let started = Timestamp::now();
        let local = local_path(&f.path);
        let total_cap = shared.cfg.polite.max_total_bytes;
        let so_far = shared.downloaded.load(std::sync::atomic::Ordering::SeqCst);
        let (result, skipped) = if so_far.saturating_add(f.size) > total_cap {
            (
                Err(format!(
                    "{} bytes would take this run past its total cap of {total_cap} bytes: not downloaded (run again with a larger --max-total-mib or a narrower window)",
                    f.size
                )),
                true,
            )
        } else if f.size > cap {
            (
                Err(format!(
                    "{} bytes, over the size cap of {cap} bytes: not downloaded",
                    f.size
                )),
                true,
            )
        } else {
            match &down {
                Some(e) => (Err(e.clone()), false),
                None => match api::get_file(&mut c, &f.path).await {
                    Ok(bytes) => {
                        shared
                            .downloaded
                            .fetch_add(bytes.len() as u64, std::sync::atomic::Ordering::SeqCst);
                        (Ok(Some((vec!["dime".to_string(), local], bytes))), false)
                    }
                    Err(e) => {
                        if e.node_down() {
                            down = Some(e.to_string());
                        }
                        let skipped = matches!(e, SoapError::TooBig(_));
                        (Err(e.to_string()), skipped)
                    }
                },
            }
        };
        shared.record(Outcome {
            node: node.clone(),
            source: "dime:GetOneFile",
            request: f.path.clone(),
            started,
            result,
            windowed: true,
            analyze: true,
            skipped,
        });
    }
}

/// A node's file path, relative under `dime/`: `/var/log/active/syslog/CiscoSyslog` → `syslog/CiscoSyslog`.
pub fn local_path(remote: &str) -> String {
    let p = remote.trim_start_matches('/');
    let p = p
        .strip_prefix("var/log/active/")
        .or_else(|| p.strip_prefix("var/log/"))
        .unwrap_or(p);
    p.split('/').map(safe).collect::<Vec<_>>().join("/")
}

/// What a CLI capture file holds: `admin:<command>` and its output, as
/// the CLI printed them; `file view` shows a node's file, which is kept as
/// that file (no echo), so its own reader knows it.
pub fn capture(command: &str, output: &str) -> String {
    if command.starts_with("file view ") {
        output.to_string()
    } else {
        format!("admin:{command}\n{output}")
    }
}

/// The file name of a CLI capture (`file view` captures keep the viewed file's name).
pub fn cli_file(command: &str) -> String {
    if let Some(rest) = command.strip_prefix("file view ") {
        if let Some(name) = rest
            .split_whitespace()
            .last()
            .and_then(|p| p.rsplit('/').next())
        {
            return safe(name);
        }
    }
    let slug: String = command.split_whitespace().collect::<Vec<_>>().join("_");
    format!("{}.txt", safe(&slug))
}

async fn cli(shared: Arc<Shared>, node: String) {
    let Some(keys) = shared.cfg.ssh.clone() else {
        return;
    };
    let target = Target {
        name: node.clone(),
        address: shared.address(&node),
        port: shared.cfg.ssh_port,
    };
    let mut queue: Vec<(String, bool)> = CLI_COMMANDS
        .iter()
        .map(|(c, a)| (c.to_string(), *a))
        .collect();
    queue.retain(|(c, _)| {
        !shared.bundle.already(&node, "ssh:cli", c) || c == "utils core active list"
    });
    shared.progress.planned(queue.len() as u64);
    let polite = shared.cfg.polite.clone();
    let mut session: Option<Cli> = None;
    let mut reconnects = 0u32;
    let mut fatal: Option<String> = None;
    let mut i = 0;
    while i < queue.len() {
        let (command, analyze) = queue[i].clone();
        let started = Timestamp::now();
        if session.is_none() && fatal.is_none() {
            match Cli::open(
                &target,
                &shared.creds,
                &keys,
                polite.connect_timeout,
                polite.request_timeout,
            )
            .await
            {
                Ok(mut s) => match s.run("set cli pagination off").await {
                    Err(e @ crate::ssh::CliError::Timeout(_)) => {
                        fatal = Some(format!("{e}; no further commands sent to this node"))
                    }
                    _ => session = Some(s),
                },
                Err(e) => fatal = Some(e.to_string()),
            }
        }
        let result = match (&mut session, &fatal) {
            (_, Some(e)) => Err(e.clone()),
            (Some(s), None) => s.run(&command).await.map_err(|e| e.to_string()),
            (None, None) => Err("no session".to_string()),
        };
        if let Err(e) = &result {
            if fatal.is_none() && e.starts_with("SSH command timed out") {
                // A node too slow to answer gets no further commands.
                fatal = Some(format!("{e}; no further commands sent to this node"));
                session = None;
            }
            if fatal.is_none()
                && e.starts_with("SSH session dropped")
                && reconnects < polite.retries
            {
                // Try the same command again on a new session, after a pause.
                reconnects += 1;
                session = None;
                shared.progress.warn(&format!("{node}: {e}; reconnecting"));
                let note = format!("{e}; the session was opened again and `{command}` repeated");
                let _ = shared.bundle.update(|m| {
                    if let Some(n) = m.nodes.iter_mut().find(|n| n.name == node) {
                        n.notes.push(note);
                    }
                });
                tokio::time::sleep(polite.backoff).await;
                continue;
            }
        }
        if let Ok(out) = &result {
            if command == "show status" {
                if let Some(z) = out
                    .lines()
                    .find(|l| l.trim_start().starts_with("Time Zone"))
                    .and_then(api::olson_in)
                {
                    learn_zone(&shared, &node, z, "show status");
                }
            }
            if command == "utils core active list" {
                for core in new_cores(out, shared.window) {
                    let cmd = format!("utils core active analyze {core}");
                    if !shared.bundle.already(&node, "ssh:cli", &cmd) {
                        shared.progress.planned(1);
                        queue.push((cmd, true));
                    }
                }
            }
        }
        let skip_list = command == "utils core active list"
            && shared.bundle.already(&node, "ssh:cli", &command);
        if !skip_list {
            shared.record(Outcome {
                node: node.clone(),
                source: "ssh:cli",
                request: command.clone(),
                started,
                // A `file view` that shows nothing leaves no empty file behind.
                result: result.map(|out| {
                    (!(command.starts_with("file view ") && out.trim().is_empty())).then(|| {
                        (
                            vec!["cli".into(), cli_file(&command)],
                            capture(&command, &out).into_bytes(),
                        )
                    })
                }),
                windowed: command.starts_with("utils core active analyze"),
                analyze,
                skipped: false,
            });
        } else {
            shared
                .progress
                .finished(&node, "ssh:cli utils core active list", None);
        }
        i += 1;
    }
    if let Some(s) = session {
        s.close().await;
    }
}

/// Cores in `utils core active list` whose epoch (the last dotted part of
/// the name, `core.28448.6.ccm.1562952957`) falls in the window.
pub fn new_cores(list: &str, w: Window) -> Vec<String> {
    let mut out = Vec::new();
    for line in list.lines() {
        let Some(name) = line.split_whitespace().find(|t| t.starts_with("core.")) else {
            continue;
        };
        let Some(epoch) = name.rsplit('.').next().and_then(|e| e.parse::<i64>().ok()) else {
            continue;
        };
        let Ok(t) = Timestamp::from_second(epoch) else {
            continue;
        };
        if t >= w.from && t <= w.until && !out.contains(&name.to_string()) {
            out.push(name.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_paths_keep_the_node_layout_under_dime() {
        assert_eq!(
            local_path("/var/log/active/syslog/CiscoSyslog"),
            "syslog/CiscoSyslog"
        );
        assert_eq!(
            local_path("/var/log/active/cm/trace/ccm/sdl/SDL001_100_000001.txt.gz"),
            "cm/trace/ccm/sdl/SDL001_100_000001.txt.gz"
        );
        assert_eq!(local_path("/../../etc/passwd"), "_/_/etc/passwd");
    }

    #[test]
    fn only_cores_dumped_in_the_window_are_analysed() {
        let list = "Size         Date            Core File Name\n340196 KB   2016-01-25 13:27:10   core.4560.6.ccm.1453750027\n426260 KB   2019-07-12 12:35:58   core.28448.6.ccm.1562952957\n";
        let w = Window {
            from: "2019-07-12T11:00:00Z".parse().unwrap(),
            until: "2019-07-12T18:10:00Z".parse().unwrap(),
        };
        assert_eq!(new_cores(list, w), vec!["core.28448.6.ccm.1562952957"]);
    }

    #[test]
    fn cli_files_are_named_after_their_command() {
        assert_eq!(
            cli_file("utils core active analyze core.1.6.ccm.2"),
            "utils_core_active_analyze_core.1.6.ccm.2.txt"
        );
        assert_eq!(
            cli_file("file view install system-history.log"),
            "system-history.log"
        );
    }
}
