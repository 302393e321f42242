//! # uctriage-sim
//!
//! Serves a bundle folder as a live CUCM cluster on loopback, for
//! uctriage's collection tests and demos (never part of the user binary):
//! each node on its own address (127.0.0.10, .11, ...), HTTPS/SOAP on
//! `--https-port` (AXL, RisPort70, PerfmonService, DIME, Control Center;
//! requests checked against the published WSDLs), an SSH server with a
//! VOS-like `admin:` shell on `--ssh-port`, a self-signed CA written out,
//! and faults on demand. When ready it writes `--ready-file` as JSON:
//! `{"publisher": ADDRESS, "resolve": ["NAME=ADDRESS", ...], "ca": PATH, "known_hosts": PATH}`.
#![deny(missing_docs)]

pub mod faults;
pub mod model;
pub mod shell;
pub mod soap;
pub mod wsdl;

use anyhow::{bail, Context, Result};
use clap::Parser;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use russh::server::Server as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32};
use std::sync::Arc;
use std::time::Duration;

/// Serve a bundle folder as a live CUCM cluster on loopback addresses.
#[derive(Parser, Debug)]
#[command(name = "uctriage-sim", version)]
pub struct Args {
    /// The bundle folder to serve.
    #[arg(long)]
    pub bundle: PathBuf,
    /// HTTPS port on every node address.
    #[arg(long, default_value_t = 8443)]
    pub https_port: u16,
    /// SSH port on every node address.
    #[arg(long, default_value_t = 22)]
    pub ssh_port: u16,
    /// The user name the cluster accepts.
    #[arg(long)]
    pub user: String,
    /// The environment variable holding the password the cluster accepts.
    #[arg(long, value_name = "VAR")]
    pub password_env: String,
    /// Where to write the ready file (JSON) once every node listens.
    #[arg(long)]
    pub ready_file: PathBuf,
    /// The first node address; the others follow.
    #[arg(long, default_value = "127.0.0.10")]
    pub first_address: Ipv4Addr,
    /// Stop by itself after this many seconds (0: run until stopped).
    #[arg(long, default_value_t = 0)]
    pub lifetime: u64,
    /// Fault: nothing listens for this node. Repeatable.
    #[arg(long, value_name = "NODE")]
    pub down: Vec<String>,
    /// Fault: every HTTPS request to this node gets 401. Repeatable.
    #[arg(long, value_name = "NODE")]
    pub unauthorized: Vec<String>,
    /// Fault: the first N HTTPS requests to this node get a RateControl fault. Repeatable.
    #[arg(long, value_name = "NODE=N")]
    pub throttle: Vec<String>,
    /// Fault: every answer of this node comes MS milliseconds late. Repeatable.
    #[arg(long, value_name = "NODE=MS")]
    pub slow: Vec<String>,
    /// Fault: this node presents a certificate from another CA. Repeatable.
    #[arg(long, value_name = "NODE")]
    pub wrong_cert: Vec<String>,
    /// Fault: this node drops its first SSH session after N commands. Repeatable.
    #[arg(long, value_name = "NODE=N")]
    pub drop_ssh: Vec<String>,
}

/// Parse the command line and serve until stopped (or `--lifetime` ends).
pub fn main_from_env() -> Result<()> {
    run(Args::parse())
}

/// Serve a bundle as described by `args`, blocking until stopped (or `--lifetime` ends).
pub fn run(args: Args) -> Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(serve(args))
}

async fn serve(args: Args) -> Result<()> {
    let password = std::env::var(&args.password_env).with_context(|| {
        format!(
            "--password-env {}: the variable is not set",
            args.password_env
        )
    })?;
    let cluster = Arc::new(model::Cluster::read(&args.bundle).map_err(anyhow::Error::msg)?);
    if cluster.nodes.is_empty() {
        bail!("{}: no node found in the bundle", args.bundle.display());
    }
    let faults = faults::parse(
        &args.down,
        &args.unauthorized,
        &args.throttle,
        &args.slow,
        &args.wrong_cert,
        &args.drop_ssh,
    )
    .map_err(anyhow::Error::msg)?;
    for name in faults.keys() {
        if !cluster.nodes.iter().any(|n| &n.name == name) {
            bail!(
                "fault for `{name}`: no such node (nodes: {})",
                cluster
                    .nodes
                    .iter()
                    .map(|n| n.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let addresses = model::addresses(&cluster, args.first_address);
    let state_dir = args
        .ready_file
        .parent()
        .map(|p| p.to_path_buf())
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&state_dir)?;

    // The CA the collector is told to trust, and one it never sees (wrong certificate).
    let (ca_params, ca_key) = ca("uctriage-sim CA")?;
    let ca_cert = ca_params.self_signed(&ca_key)?;
    let ca_path = state_dir.join("sim-ca.pem");
    std::fs::write(&ca_path, ca_cert.pem())?;
    let issuer = Issuer::new(ca_params, ca_key);
    let (rogue_params, rogue_key) = ca("somebody else's CA")?;
    let rogue = Issuer::new(rogue_params, rogue_key);

    let services = Arc::new(wsdl::load());
    let basic = soap::basic(&args.user, &password);
    let password = Arc::new(password);
    let mut known_hosts = String::new();
    let mut resolve = Vec::new();
    for (i, node) in cluster.nodes.iter().enumerate() {
        let addr = addresses[&node.name];
        resolve.push(format!("{}={addr}", node.name));
        let f = faults.get(&node.name).cloned().unwrap_or_default();
        // Host key: Ed25519 from the system's randomness.
        let host_key = host_key()?;
        known_hosts += &format!(
            "[{}]:{} {}\n",
            node.name,
            args.ssh_port,
            host_key.public_key().to_openssh()?
        );
        if f.down {
            continue;
        }
        // HTTPS.
        let tls = server_tls(
            &node.name,
            addr,
            if f.wrong_cert { &rogue } else { &issuer },
        )?;
        let listener = tokio::net::TcpListener::bind((addr, args.https_port))
            .await
            .with_context(|| format!("{addr}:{}", args.https_port))?;
        let http = Arc::new(soap::NodeHttp {
            cluster: cluster.clone(),
            index: i,
            services: services.clone(),
            basic: basic.clone(),
            faults: f.clone(),
            throttled: AtomicU32::new(0),
        });
        tokio::spawn(serve_https(listener, tls, http));
        // SSH.
        let config = Arc::new(russh::server::Config {
            keys: vec![host_key],
            auth_rejection_time: Duration::from_millis(200),
            auth_rejection_time_initial: Some(Duration::from_millis(0)),
            inactivity_timeout: Some(Duration::from_secs(600)),
            ..Default::default()
        });
        let mut server = shell::ShellServer {
            node: Arc::new(node.clone()),
            user: args.user.clone(),
            password: password.clone(),
            faults: f,
            dropped: Arc::new(AtomicBool::new(false)),
        };
        let ssh_listener = tokio::net::TcpListener::bind((addr, args.ssh_port))
            .await
            .with_context(|| format!("{addr}:{}", args.ssh_port))?;
        tokio::spawn(async move {
            let _ = server.run_on_socket(config, &ssh_listener).await;
        });
    }
    let kh_path = state_dir.join("sim-known_hosts");
    std::fs::write(&kh_path, known_hosts)?;
    let publisher = addresses[&cluster.nodes[0].name];
    let ready = serde_json::json!({
        "publisher": publisher.to_string(),
        "publisher_name": cluster.nodes[0].name,
        "resolve": resolve,
        "ca": ca_path.canonicalize()?.display().to_string(),
        "known_hosts": kh_path.canonicalize()?.display().to_string(),
    });
    let tmp = args.ready_file.with_extension("part~");
    std::fs::write(&tmp, serde_json::to_string_pretty(&ready)?)?;
    std::fs::rename(&tmp, &args.ready_file)?;
    eprintln!(
        "uctriage-sim: {} nodes from {} (publisher {} at {publisher})",
        cluster.nodes.len(),
        args.bundle.display(),
        cluster.nodes[0].name
    );
    if args.lifetime > 0 {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(args.lifetime)) => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    } else {
        tokio::signal::ctrl_c().await?;
    }
    Ok(())
}

fn ca(name: &str) -> Result<(CertificateParams, KeyPair)> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    Ok((params, key))
}

fn server_tls(
    name: &str,
    addr: Ipv4Addr,
    issuer: &Issuer<'_, KeyPair>,
) -> Result<Arc<rustls::ServerConfig>> {
    let key = KeyPair::generate()?;
    let mut params = CertificateParams::new(vec![name.to_string(), addr.to_string()])?;
    params.distinguished_name.push(DnType::CommonName, name);
    let cert = params.signed_by(&key, issuer)?;
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )?;
    Ok(Arc::new(config))
}

fn host_key() -> Result<russh::keys::PrivateKey> {
    use ring::rand::SecureRandom;
    let mut seed = [0u8; 32];
    ring::rand::SystemRandom::new()
        .fill(&mut seed)
        .map_err(|_| anyhow::anyhow!("no system randomness"))?;
    let pair = russh::keys::ssh_key::private::Ed25519Keypair::from_seed(&seed);
    Ok(russh::keys::PrivateKey::from(pair))
}

async fn serve_https(
    listener: tokio::net::TcpListener,
    tls: Arc<rustls::ServerConfig>,
    http: Arc<soap::NodeHttp>,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let acceptor = acceptor.clone();
        let http = http.clone();
        tokio::spawn(async move {
            let Ok(stream) = acceptor.accept(tcp).await else {
                return;
            };
            let service = service_fn(move |req| http.clone().handle(req));
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
