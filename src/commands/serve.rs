//! `uctriage serve`: prepare a data folder, or run the live server.

use crate::args::{ServeAction, ServeArgs, ServeRunArgs};
use anyhow::{anyhow, bail, Context, Result};
use std::io::BufRead;
use uctriage_core::jiff::SignedDuration;
use uctriage_engine::ZoneHint;
use uctriage_serve::{correlator, incidents, Config};

pub fn run(a: ServeArgs) -> Result<i32> {
    match a.action {
        Some(ServeAction::Init(d)) => {
            let token = uctriage_serve::init(&d.data).map_err(anyhow::Error::msg)?;
            eprintln!(
                "store created in {}; the API token below is shown once (keep it safe):",
                d.data.display()
            );
            println!("{token}");
            Ok(0)
        }
        Some(ServeAction::Token(t)) => {
            let token = uctriage_serve::add_token(&t.data, &t.label).map_err(anyhow::Error::msg)?;
            println!("{token}");
            Ok(0)
        }
        Some(ServeAction::Passwd(p)) => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("reading the password from standard input")?;
            let password = line.trim_end_matches(['\n', '\r']);
            uctriage_serve::set_password(&p.data, &p.user, password).map_err(anyhow::Error::msg)?;
            eprintln!("password of {} set", p.user);
            Ok(0)
        }
        None => {
            let cfg = config(a.run)?;
            uctriage_serve::run(cfg).map_err(anyhow::Error::msg)?;
            Ok(0)
        }
    }
}

fn duration(what: &str, s: &str) -> Result<SignedDuration> {
    // Days are 24 hours here (retention is no calendar matter).
    let days = s
        .trim()
        .strip_suffix('d')
        .and_then(|n| n.parse::<i64>().ok());
    let d: SignedDuration = match days {
        Some(n) => Ok(SignedDuration::from_hours(n.saturating_mul(24))),
        None => s.parse(),
    }
    .map_err(|e| anyhow!("{what} `{s}` is not a duration (e.g. 30d, 6h, 15m, 2s): {e}"))?;
    if d.is_negative() || d.is_zero() {
        bail!("{what} must be positive");
    }
    Ok(d)
}

/// `20GB`, `512MiB`, `1000000` (bytes).
fn size(s: &str) -> Result<u64> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| anyhow!("`{s}` is not a size (e.g. 20GB)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "kib" | "k" => 1 << 10,
        "mb" => 1_000_000,
        "mib" | "m" => 1 << 20,
        "gb" => 1_000_000_000,
        "gib" | "g" => 1 << 30,
        "tb" => 1_000_000_000_000,
        "tib" | "t" => 1 << 40,
        _ => bail!("`{s}` is not a size (e.g. 20GB)"),
    };
    Ok(n.saturating_mul(mult))
}

fn config(r: ServeRunArgs) -> Result<Config> {
    let data = r.data.ok_or_else(|| anyhow!("--data DIR is required"))?;
    if r.syslog_udp.is_empty() && r.syslog_tcp.is_empty() && r.syslog_tls.is_empty() {
        bail!("give at least one of --syslog-udp, --syslog-tcp, --syslog-tls");
    }
    let tz_hints =
        r.tz.iter()
            .map(|s| ZoneHint::parse(s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(anyhow::Error::msg)?;
    let webhooks = match &r.webhooks {
        Some(f) => uctriage_serve::webhook::read_file(f).map_err(anyhow::Error::msg)?,
        None => Vec::new(),
    };
    let quiet = duration("--close-after", &r.close_after)?;
    Ok(Config {
        data,
        syslog_udp: r.syslog_udp,
        syslog_tcp: r.syslog_tcp,
        syslog_tls: r.syslog_tls,
        http: r.http,
        https: r.https,
        tls_cert: r.tls_cert,
        tls_key: r.tls_key,
        knowledge: r.knowledge,
        topology: r.topology,
        tz_hints,
        retention: uctriage_store::Retention {
            max_age: Some(duration("--retain", &r.retain)?),
            max_bytes: r.retain_size.as_deref().map(size).transpose()?,
        },
        limits: uctriage_live::Limits {
            budget_bytes: r.intake_mib.max(1) << 20,
            min_budget_bytes: 64 << 10,
            max_message: r.max_message.clamp(480, 1 << 20),
            max_connections: r.max_connections.max(1),
        },
        correlation: correlator::Settings {
            window: duration("--window", &r.window)?,
            debounce: duration("--debounce", &r.debounce)?
                .try_into()
                .unwrap_or(std::time::Duration::from_secs(2)),
            max_events: r.max_window_events.max(100),
        },
        policy: incidents::Policy {
            quiet,
            settle: quiet.min(SignedDuration::from_secs(30)),
            ..Default::default()
        },
        webhooks,
        max_db_pages: r.max_db_pages,
        quiet: r.quiet,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_sizes_read_as_people_write_them() {
        assert_eq!(
            duration("x", "30d").unwrap(),
            SignedDuration::from_hours(720)
        );
        assert_eq!(duration("x", "15m").unwrap(), SignedDuration::from_mins(15));
        assert!(duration("x", "soon").is_err());
        assert_eq!(size("20GB").unwrap(), 20_000_000_000);
        assert_eq!(size("512MiB").unwrap(), 512 << 20);
        assert!(size("lots").is_err());
    }
}
