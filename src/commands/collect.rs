//! `uctriage collect`: gather a bundle from a live cluster, then optionally analyse it.

use crate::args::CollectArgs;
use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;
use uctriage_collect::{collect, Config, Credentials, HostKeys, Politeness, Progress, Trust};

pub fn run(a: CollectArgs) -> Result<i32> {
    let password = password(&a)?;
    let mut resolve = BTreeMap::new();
    for r in &a.resolve {
        let (name, addr) = r
            .split_once('=')
            .with_context(|| format!("--resolve `{r}`: use NAME=ADDRESS"))?;
        resolve.insert(name.trim().to_string(), addr.trim().to_string());
    }
    let trust = match (&a.ca, a.insecure) {
        (Some(_), true) => bail!("--ca and --insecure exclude each other"),
        (Some(ca), false) => Trust::CaFile(ca.clone()),
        (None, true) => {
            eprintln!("warning: --insecure: HTTPS certificates are NOT verified; anyone on the path could read the password");
            Trust::Insecure
        }
        (None, false) => Trust::System,
    };
    let ssh = if a.no_ssh {
        None
    } else {
        let known_hosts = match &a.known_hosts {
            Some(p) => p.clone(),
            None => home().map(|h| h.join(".ssh").join("known_hosts")).context(
                "no home folder for ~/.ssh/known_hosts: pass --known-hosts FILE or --no-ssh",
            )?,
        };
        Some(HostKeys {
            known_hosts,
            accept_new: a.accept_new_host_keys,
        })
    };
    let cfg = Config {
        publisher: a.publisher.clone(),
        creds: Credentials::new(a.user.clone(), password),
        since: a.since.clone(),
        until: a.until.clone(),
        out: a.out.clone(),
        https_port: a.https_port,
        ssh_port: a.ssh_port,
        resolve,
        trust,
        ssh,
        polite: Politeness {
            connect_timeout: Duration::from_secs(a.timeout.clamp(1, 10)),
            request_timeout: Duration::from_secs(a.timeout.max(1)),
            retries: a.retries,
            backoff: Duration::from_secs_f64(a.retry_delay.max(0.0)),
            max_bytes: a.max_file_mib.saturating_mul(1 << 20),
            max_total_bytes: a.max_total_mib.saturating_mul(1 << 20),
            ..Politeness::default()
        },
        axl_version: a.axl_version.clone(),
    };
    let bar = Arc::new(Bar::new(a.quiet));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = runtime.block_on(collect(cfg, bar.clone()));
    bar.bar.finish_and_clear();
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!(
                "what could be gathered is in {} (see its manifest.json)",
                a.out.display()
            );
            return Ok(2);
        }
    };
    eprintln!(
        "collected {} items from {} nodes into {} ({} already there, {} failed or skipped: see manifest.json)",
        summary.fetched,
        summary.nodes,
        summary.out.display(),
        summary.reused,
        summary.failed
    );
    if a.analyze {
        // Parsed like a typed `uctriage analyze OUT`, so new analyze options keep their defaults.
        let mut argv = vec![
            std::ffi::OsString::from("uctriage"),
            "analyze".into(),
            a.out.clone().into(),
        ];
        if a.quiet {
            argv.push("-q".into());
        }
        let cli = <crate::args::Cli as clap::Parser>::try_parse_from(argv)?;
        return super::run(cli);
    }
    Ok(if summary.failed > 0 { 1 } else { 0 })
}

/// The password: from the named variable, else a prompt on the terminal.
fn password(a: &CollectArgs) -> Result<String> {
    if let Some(var) = &a.password_env {
        return std::env::var(var)
            .with_context(|| format!("--password-env {var}: the variable is not set"));
    }
    if !std::io::stdin().is_terminal() {
        bail!("no password: pass --password-env VAR (the password is never taken from the command line)");
    }
    rpassword::prompt_password(format!("password for {}: ", a.user)).context("reading the password")
}

fn home() -> Option<std::path::PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(std::path::PathBuf::from)
}

/// The progress bar: requests done out of requests planned; failures printed above it.
struct Bar {
    bar: ProgressBar,
}

impl Bar {
    fn new(quiet: bool) -> Bar {
        let target = if !quiet && std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        bar.set_style(
            ProgressStyle::with_template("{spinner} collecting {pos}/{len} {wide_msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        Bar { bar }
    }
}

impl Progress for Bar {
    fn planned(&self, n: u64) {
        self.bar.inc_length(n);
    }
    fn finished(&self, node: &str, what: &str, _error: Option<&str>) {
        self.bar.inc(1);
        self.bar.set_message(format!("{node}: {what}"));
    }
    fn warn(&self, message: &str) {
        self.bar.suspend(|| eprintln!("warning: {message}"));
    }
}
