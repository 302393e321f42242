//! # uctriage-serve
//!
//! `uctriage serve`: live syslog in, incidents explained while they happen.
//!
//! Brief overview — the one-way flow of the bundle path, fed live:
//! - receivers ([`uctriage_live`]) → the decode thread (the cisco-syslog
//!   parser, then [`uctriage_normalize::LiveNormalizer`]) → the writer thread
//!   ([`uctriage_store::SqliteStore`]): see [`pipeline`];
//! - every few seconds, a window of stored events becomes a normalized bundle
//!   and is explained by the same correlation `analyze` runs
//!   ([`correlate_window`], [`correlator`]; the latest window stays decoded
//!   between runs, [`ring`]); [`incidents`] keeps stable
//!   incidents and [`webhook`] announces them;
//! - the HTTP server ([`http`]): API, web UI, the HTML report per incident,
//!   behind tokens and logins ([`secret`]).
//!
//! [`init`], [`add_token`] and [`set_password`] prepare a data folder;
//! [`run`] serves until SIGINT or SIGTERM, then stops gracefully: receivers
//! stop reading, everything read is committed, the last correlation runs.
#![deny(missing_docs)]

pub mod correlate_window;
pub mod correlator;
pub mod facts;
pub mod http;
pub mod incidents;
pub mod log;
pub mod pipeline;
pub mod ring;
pub mod secret;
pub mod webhook;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use uctriage_correlate::TopologyFile;
use uctriage_knowledge::Knowledge;
use uctriage_normalize::{LiveNormalizer, Options, ZoneHint};
use uctriage_store::{
    Accounts, Retention, Segmenting, SqliteStore, Store, StoreError, DEFAULT_SEGMENT_BYTES,
};

/// Everything `uctriage serve` needs.
#[derive(Clone, Debug)]
pub struct Config {
    /// The data folder (made by `serve init`).
    pub data: PathBuf,
    /// UDP syslog addresses.
    pub syslog_udp: Vec<SocketAddr>,
    /// TCP syslog addresses.
    pub syslog_tcp: Vec<SocketAddr>,
    /// TLS syslog addresses (RFC 5425; need `tls_cert` and `tls_key`).
    pub syslog_tls: Vec<SocketAddr>,
    /// HTTP address of the API and web UI (HTTPS when `https` is set).
    pub http: SocketAddr,
    /// Serve HTTPS with `tls_cert` and `tls_key`.
    pub https: bool,
    /// PEM certificate chain for TLS.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for TLS.
    pub tls_key: Option<PathBuf>,
    /// Knowledge folder instead of the shipped knowledge.
    pub knowledge: Option<PathBuf>,
    /// A topology.toml.
    pub topology: Option<PathBuf>,
    /// `--tz` hints.
    pub tz_hints: Vec<ZoneHint>,
    /// What to keep.
    pub retention: Retention,
    /// Receiver limits.
    pub limits: uctriage_live::Limits,
    /// Correlation settings.
    pub correlation: correlator::Settings,
    /// When incidents close.
    pub policy: incidents::Policy,
    /// Webhook addresses.
    pub webhooks: Vec<String>,
    /// Cap the database at this many pages (a hard size limit; tests use it
    /// to meet a full disk).
    pub max_db_pages: Option<u64>,
    /// Log only warnings.
    pub quiet: bool,
}

/// A small pool of read-only connections to the store.
#[derive(Debug)]
pub struct Readers {
    dir: PathBuf,
    pool: Mutex<Vec<SqliteStore>>,
}

impl Readers {
    /// A pool over the store in `dir`.
    pub fn new(dir: &Path) -> Readers {
        Readers {
            dir: dir.to_path_buf(),
            pool: Mutex::new(Vec::new()),
        }
    }

    /// Run `f` with a read connection (blocking: call from a blocking thread).
    pub fn with<T>(
        &self,
        f: impl FnOnce(&SqliteStore) -> uctriage_store::Result<T>,
    ) -> uctriage_store::Result<T> {
        let conn = self.pool.lock().unwrap().pop();
        let conn = match conn {
            Some(c) => c,
            None => SqliteStore::reader(&self.dir)?,
        };
        let out = f(&conn);
        let mut pool = self.pool.lock().unwrap();
        if pool.len() < 8 {
            pool.push(conn);
        }
        out
    }
}

fn store_err(e: StoreError) -> String {
    e.to_string()
}

/// Create the store in `dir` and return a new API token (shown once).
pub fn init(dir: &Path) -> Result<String, String> {
    let store = SqliteStore::create(dir).map_err(store_err)?;
    drop(store);
    add_token(dir, "serve init")
}

/// Add an API token to the store in `dir` and return it (shown once).
pub fn add_token(dir: &Path, label: &str) -> Result<String, String> {
    let mut store = SqliteStore::open(dir).map_err(store_err)?;
    let token = secret::new_token();
    store
        .add_token(&secret::digest(&token), label)
        .map_err(store_err)?;
    Ok(token)
}

/// Set a UI user's password (Argon2id) in the store in `dir`.
pub fn set_password(dir: &Path, user: &str, password: &str) -> Result<(), String> {
    if user.is_empty() || user.len() > 64 || user.chars().any(|c| c.is_control()) {
        return Err("a user name is 1-64 printable characters".into());
    }
    if password.chars().count() < 10 {
        return Err("a password has at least 10 characters".into());
    }
    let mut store = SqliteStore::open(dir).map_err(store_err)?;
    let phc = secret::hash_password(password)?;
    store.set_user(user, &phc).map_err(store_err)
}

/// How the store is segmented for a retention policy: a size limit keeps
/// about [`SEGMENTS_PER_LIMIT`] segments (each 1 MiB to 256 MiB), so
/// retention, which drops whole segments, keeps within a segment of the
/// limit; an age limit opens a segment at least every thirty-second of it
/// (a minute at least), so what is due goes within that much of its time.
pub fn segmenting(r: &Retention) -> Segmenting {
    let bytes = r
        .max_bytes
        .map_or(DEFAULT_SEGMENT_BYTES, |b| b / SEGMENTS_PER_LIMIT)
        .clamp(1 << 20, 256 << 20);
    let age = r.max_age.map(|a| {
        (a / SEGMENTS_PER_LIMIT as i32).max(uctriage_core::jiff::SignedDuration::from_secs(60))
    });
    Segmenting { bytes, age }
}

/// Segments a size limit is divided into.
pub const SEGMENTS_PER_LIMIT: u64 = 32;

/// Serve until SIGINT or SIGTERM, then stop gracefully.
pub fn run(cfg: Config) -> Result<(), String> {
    if cfg.quiet {
        log::quiet();
    }
    let mut store = SqliteStore::open(&cfg.data).map_err(store_err)?;
    store.set_segmenting(segmenting(&cfg.retention));
    if store.was_converted() {
        log::notice(
            "the store was rewritten once for incremental auto-vacuum (retention now shrinks the file)",
        );
    }
    if let Some(p) = cfg.max_db_pages {
        store.limit_pages(p).map_err(store_err)?;
    }
    let kb = Arc::new(Knowledge::load(cfg.knowledge.as_deref()).map_err(|e| format!("{e:#}"))?);
    // Every rule is built and checked before anything is received (as analyze does).
    if let Err(errors) = uctriage_correlate::Engine::new(&kb) {
        let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        return Err(format!("the knowledge is invalid:\n{}", lines.join("\n")));
    }
    let topology = match &cfg.topology {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            let file: TopologyFile = toml_topology(&text)
                .map_err(|e| format!("{} is not a valid topology file: {e}", p.display()))?;
            Some(Arc::new((file, p.display().to_string())))
        }
        None => None,
    };
    let mut norm = LiveNormalizer::new(Options {
        tz_hints: cfg.tz_hints.clone(),
        date_hint: None,
        ..Options::default()
    });
    let kept: Vec<uctriage_core::Fact> = store
        .facts()
        .map_err(store_err)?
        .iter()
        .filter_map(|s| facts::decode(s))
        .collect();
    norm.restore(&kept);
    let base = [
        store.counter("received").map_err(store_err)?,
        store.counter("dropped").map_err(store_err)?,
        store.counter("malformed").map_err(store_err)?,
    ];
    let stored = store.counter("stored").map_err(store_err)?;
    let tls = match (&cfg.tls_cert, &cfg.tls_key) {
        (Some(c), Some(k)) => Some(uctriage_live::tls_acceptor(c, k)?),
        (None, None) => None,
        _ => return Err("--tls-cert and --tls-key go together".into()),
    };
    if tls.is_none() && (!cfg.syslog_tls.is_empty() || cfg.https) {
        return Err("--syslog-tls and --https need --tls-cert and --tls-key".into());
    }
    let (intake, rx) = uctriage_live::intake(cfg.limits);
    let shared = Arc::new(pipeline::Shared {
        counters: intake.counters.clone(),
        stored: AtomicU64::new(stored),
        base,
        normalizer: Mutex::new(norm),
        activity: Mutex::new(pipeline::Activity::default()),
        store_problem: Mutex::new(None),
        store_full: AtomicU64::new(0),
        pruned: AtomicU64::new(0),
        stored_this_run: AtomicU64::new(0),
        drained: AtomicBool::new(false),
        fresh: Mutex::new(pipeline::Fresh::with_cap(cfg.correlation.max_events)),
    });
    let readers = Arc::new(Readers::new(&cfg.data));
    let open: Vec<incidents::Incident> = store
        .incidents(true, 10_000)
        .map_err(store_err)?
        .iter()
        .filter_map(|r| serde_json::from_str(&r.doc).ok())
        .collect();
    let next_incident = store.next_incident_id().map_err(store_err)?;
    let tracker = Arc::new(Mutex::new(incidents::Tracker::new(
        open,
        next_incident,
        cfg.policy,
    )));
    let webhooks = webhook::Webhooks::start(cfg.webhooks.clone());
    let corr_stats = Arc::new(correlator::RunStats::default());
    let accounts = SqliteStore::open(&cfg.data).map_err(store_err)?;
    let corr = correlator::Correlator {
        shared: shared.clone(),
        readers: readers.clone(),
        store: SqliteStore::open(&cfg.data).map_err(store_err)?,
        kb: kb.clone(),
        topology: topology.clone(),
        tracker,
        webhooks: webhooks.clone(),
        settings: cfg.correlation.clone(),
        stats: corr_stats.clone(),
        ring: ring::Ring::default(),
    };
    let (decoder, writer) =
        pipeline::start(rx, intake.budget(), store, shared.clone(), cfg.retention)
            .map_err(|e| format!("starting the pipeline: {e}"))?;
    let ckpt_store = SqliteStore::open(&cfg.data).map_err(store_err)?;
    let ckpt_shared = shared.clone();
    let checkpointer = std::thread::Builder::new()
        .name("checkpoint".into())
        .spawn(move || pipeline::checkpoint_loop(ckpt_store, ckpt_shared))
        .map_err(|e| e.to_string())?;
    let corr_stop = Arc::new(AtomicBool::new(false));
    let cs = corr_stop.clone();
    let correlation = std::thread::Builder::new()
        .name("correlate".into())
        .spawn(move || corr.run(cs))
        .map_err(|e| e.to_string())?;

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name("serve")
        .build()
        .map_err(|e| e.to_string())?;
    let app = http::App {
        data: cfg.data.clone(),
        shared: shared.clone(),
        readers,
        accounts: Arc::new(Mutex::new(accounts)),
        kb,
        topology,
        correlation: cfg.correlation.clone(),
        corr_stats,
        webhooks: webhooks.stats.clone(),
        started: uctriage_core::jiff::Timestamp::now(),
    };
    let result = rt.block_on(serve_all(&cfg, intake, tls, app));
    // Receivers are done: everything read is in the pipeline; drain it.
    let _ = decoder.join();
    let _ = writer.join();
    let _ = checkpointer.join();
    corr_stop.store(true, Ordering::SeqCst);
    let _ = correlation.join();
    let st = shared.stats();
    log::notice(&format!(
        "stopped: {} messages received, {} stored, {} dropped, {} malformed (all runs)",
        st["received"], st["stored"], st["dropped"], st["malformed"]
    ));
    result
}

fn toml_topology(text: &str) -> Result<TopologyFile, String> {
    toml::from_str(text).map_err(|e| e.to_string())
}

async fn serve_all(
    cfg: &Config,
    intake: uctriage_live::Intake,
    tls: Option<tokio_rustls::TlsAcceptor>,
    app: http::App,
) -> Result<(), String> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut receivers = tokio::task::JoinSet::new();
    for addr in &cfg.syslog_udp {
        let sock = tokio::net::UdpSocket::bind(addr)
            .await
            .map_err(|e| format!("syslog UDP {addr}: {e}"))?;
        grow_receive_buffer(&sock);
        log::notice(&format!(
            "listening: syslog-udp {}",
            sock.local_addr().map_err(|e| e.to_string())?
        ));
        receivers.spawn(uctriage_live::serve_udp(
            sock,
            intake.clone(),
            stop_rx.clone(),
        ));
    }
    for (addrs, tls, name) in [
        (&cfg.syslog_tcp, None, "syslog-tcp"),
        (&cfg.syslog_tls, tls.clone(), "syslog-tls"),
    ] {
        for addr in addrs {
            let l = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("{name} {addr}: {e}"))?;
            log::notice(&format!(
                "listening: {name} {}",
                l.local_addr().map_err(|e| e.to_string())?
            ));
            receivers.spawn(uctriage_live::serve_tcp(
                l,
                intake.clone(),
                tls.clone(),
                stop_rx.clone(),
            ));
        }
    }
    drop(intake);
    let listener = tokio::net::TcpListener::bind(cfg.http)
        .await
        .map_err(|e| format!("HTTP {}: {e}", cfg.http))?;
    let http_addr = listener.local_addr().map_err(|e| e.to_string())?;
    let scheme = if cfg.https { "https" } else { "http" };
    log::notice(&format!("listening: {scheme} {http_addr}"));
    let http_tls = if cfg.https { tls } else { None };
    let mut http_stop = stop_rx.clone();
    let server = tokio::spawn(http::serve(listener, http_tls, app, async move {
        let _ = http_stop.wait_for(|s| *s).await;
    }));
    wait_for_signal().await;
    log::info("stopping: receivers finish what was sent, then everything read is stored");
    let _ = stop_tx.send(true);
    while receivers.join_next().await.is_some() {}
    let _ = server.await;
    Ok(())
}

/// A larger kernel receive buffer for UDP, so bursts wait in the kernel
/// rather than being lost there (best effort: the kernel caps it at
/// `net.core.rmem_max`).
fn grow_receive_buffer(sock: &tokio::net::UdpSocket) {
    let _ = socket2::SockRef::from(sock).set_recv_buffer_size(8 << 20);
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = match signal(SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uctriage_core::jiff::SignedDuration;

    #[test]
    fn a_size_limit_is_kept_in_about_thirty_two_segments_and_an_age_limit_too() {
        let s = segmenting(&Retention {
            max_age: None,
            max_bytes: Some(2_000_000_000),
        });
        assert_eq!(s.bytes, 2_000_000_000 / 32);
        assert_eq!(s.age, None);
        // Tiny and huge limits stay within 1 MiB..256 MiB segments.
        let tiny = segmenting(&Retention {
            max_age: Some(SignedDuration::from_secs(600)),
            max_bytes: Some(1000),
        });
        assert_eq!(tiny.bytes, 1 << 20);
        assert_eq!(tiny.age, Some(SignedDuration::from_secs(60)));
        let week = segmenting(&Retention {
            max_age: Some(SignedDuration::from_hours(7 * 24)),
            max_bytes: Some(1 << 50),
        });
        assert_eq!(week.bytes, 256 << 20);
        assert_eq!(
            week.age,
            Some(SignedDuration::from_secs(7 * 24 * 3600 / 32))
        );
        assert_eq!(
            segmenting(&Retention::default()).bytes,
            DEFAULT_SEGMENT_BYTES
        );
    }
}
