//! Webhooks: a JSON POST to every configured address when an incident
//! opens, changes root cause or closes.
//!
//! Addresses come from a file (`--webhooks FILE`, one per line), never from
//! the command line: chat-service webhook addresses carry their credential
//! in the path. The log names a webhook by its number in the file, never by
//! its address. A slow or failing receiver never holds up correlation: posts
//! go through a bounded queue on their own thread, three tries each; what the
//! queue cannot take is counted.

use crate::incidents::{Change, ChangeKind};
use crate::log;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::Duration;

/// Counters of the webhook thread.
#[derive(Debug, Default)]
pub struct WebhookStats {
    /// Posts that a receiver accepted (2xx).
    pub delivered: AtomicU64,
    /// Posts given up after three tries.
    pub failed: AtomicU64,
    /// Notifications dropped because the queue was full.
    pub dropped: AtomicU64,
}

/// The sending end.
#[derive(Clone, Debug)]
pub struct Webhooks {
    tx: Option<SyncSender<serde_json::Value>>,
    /// Its counters.
    pub stats: Arc<WebhookStats>,
}

/// Read webhook addresses from a file: one per line, `#` comments.
pub fn read_file(path: &std::path::Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let urls: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect();
    for (i, u) in urls.iter().enumerate() {
        if !(u.starts_with("http://") || u.starts_with("https://")) {
            return Err(format!(
                "{} line {}: not an http(s) address",
                path.display(),
                i + 1
            ));
        }
    }
    Ok(urls)
}

/// The payload of a change: `{"event": "incident.opened", "incident": {...}}`.
pub fn payload(c: &Change) -> Option<serde_json::Value> {
    let event = match c.kind {
        ChangeKind::Opened => "incident.opened",
        ChangeKind::RootCauseChanged => "incident.root_cause_changed",
        ChangeKind::Closed => "incident.closed",
        ChangeKind::Updated => return None,
    };
    Some(serde_json::json!({ "event": event, "incident": c.incident }))
}

impl Webhooks {
    /// Start the sender thread for `urls` (none: notifications are discarded).
    pub fn start(urls: Vec<String>) -> Webhooks {
        let stats = Arc::new(WebhookStats::default());
        if urls.is_empty() {
            return Webhooks { tx: None, stats };
        }
        let (tx, rx) = sync_channel::<serde_json::Value>(256);
        let st = stats.clone();
        let spawned = std::thread::Builder::new()
            .name("webhooks".into())
            .spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .timeout_global(Some(Duration::from_secs(10)))
                    .http_status_as_error(false)
                    .build()
                    .into();
                while let Ok(body) = rx.recv() {
                    for (n, url) in urls.iter().enumerate() {
                        send(&agent, n + 1, url, &body, &st);
                    }
                }
            });
        if spawned.is_err() {
            log::warn("webhooks: could not start their thread; notifications are discarded");
            return Webhooks { tx: None, stats };
        }
        Webhooks {
            tx: Some(tx),
            stats,
        }
    }

    /// Queue the notification of a change (updates are not announced).
    pub fn notify(&self, c: &Change) {
        let (Some(tx), Some(body)) = (&self.tx, payload(c)) else {
            return;
        };
        if let Err(TrySendError::Full(_)) = tx.try_send(body) {
            self.stats.dropped.fetch_add(1, Ordering::Relaxed);
            log::warn("webhooks: queue full, a notification was dropped");
        }
    }
}

fn send(agent: &ureq::Agent, n: usize, url: &str, body: &serde_json::Value, st: &WebhookStats) {
    let mut wait = Duration::from_millis(500);
    for attempt in 1..=3 {
        let outcome = agent
            .post(url)
            .header(
                "User-Agent",
                concat!("uctriage/", env!("CARGO_PKG_VERSION")),
            )
            .send_json(body);
        match outcome {
            Ok(r) if r.status().is_success() => {
                st.delivered.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Ok(r) => log::warn(&format!(
                "webhook #{n}: answered {} (try {attempt} of 3)",
                r.status().as_u16()
            )),
            Err(e) => log::warn(&format!(
                "webhook #{n}: {} (try {attempt} of 3)",
                error_kind(&e)
            )),
        }
        if attempt < 3 {
            std::thread::sleep(wait);
            wait *= 4;
        }
    }
    st.failed.fetch_add(1, Ordering::Relaxed);
}

/// What went wrong, without the address (its path may be a credential).
fn error_kind(e: &ureq::Error) -> &'static str {
    match e {
        ureq::Error::Timeout(_) => "timed out",
        ureq::Error::HostNotFound => "host not found",
        ureq::Error::ConnectionFailed => "connection failed",
        ureq::Error::Io(_) => "I/O error",
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => "TLS error",
        _ => "request failed",
    }
}
