//! vobd (VMkernel observations): `[<correlator>] <uptime>us: [<vob id>] text`.
//!
//! The VOB id decides the condition (`vob.storage.apd.start` → `apd_start`,
//! `esx.problem.vmfs.heartbeat.timedout` → `heartbeat_timeout`, ...); the
//! table below is ours, from the ids in VMware KBs and public samples
//! (`docs/formats/esxi.md`). Ids outside it that name storage (`scsi`,
//! `storage`, `vmfs`, `nfs`) still make a `storage_io` event with condition
//! `vob`; others make none.

use super::storage_event;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{EntityKind, RawEvent, RawTime, Severity};

static VOB: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\[([A-Za-z]+)\]\s+(\d+)us:\s+\[([A-Za-z0-9_.\-]+)\]\s*(.*)$").unwrap()
});
static IDENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"identifier \[?([^\]\s]+)\]?").unwrap());
static VOLUME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"volume ([0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{12}) \(([^)]*)\)").unwrap()
});
static DEVICE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"((?:naa|eui|t10|mpx)\.[A-Za-z0-9#_.:\-]+)").unwrap());
static PATH: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(vmhba\d+:C\d+:T\d+:L\d+)").unwrap());

/// `(vob id fragment, condition, severity)`, first match wins.
const CONDITIONS: &[(&str, &str, Severity)] = &[
    ("storage.apd.start", "apd_start", Severity::Error),
    ("storage.apd.timeout", "apd_timeout", Severity::Critical),
    ("storage.apd.exit", "apd_exit", Severity::Info),
    ("storage.apd.recovered", "apd_exit", Severity::Info),
    ("permanentloss", "pdl", Severity::Critical),
    (
        "vmfs.heartbeat.timedout",
        "heartbeat_timeout",
        Severity::Error,
    ),
    (
        "vmfs.heartbeat.recovered",
        "heartbeat_recovered",
        Severity::Info,
    ),
    (
        "vmfs.heartbeat.unrecoverable",
        "heartbeat_unrecoverable",
        Severity::Critical,
    ),
    (
        "storage.connectivity.lost",
        "connectivity_lost",
        Severity::Error,
    ),
    (
        "storage.redundancy.lost",
        "path_redundancy_lost",
        Severity::Warning,
    ),
    (
        "storage.redundancy.degraded",
        "path_redundancy_degraded",
        Severity::Warning,
    ),
    ("scsipath.pathstate.dead", "path_dead", Severity::Warning),
    ("scsipath.remove", "path_removed", Severity::Warning),
    ("nfs.server.disconnect", "nfs_disconnect", Severity::Error),
    ("nfs.server.restored", "nfs_restored", Severity::Info),
    (
        "vmfs.lock.corruptondisk",
        "vmfs_lock_corrupt",
        Severity::Critical,
    ),
    (
        "scsi.device.io.latency.high",
        "latency_deteriorated",
        Severity::Warning,
    ),
];

/// The event a vobd line makes; `Some(None)`: understood, nothing to report.
pub(super) fn event(no: u64, raw: &str, time: &RawTime, body: &str) -> Option<Option<RawEvent>> {
    if body.starts_with("No correlator for") {
        return Some(None);
    }
    let c = VOB.captures(body)?;
    let vob = &c[3];
    let text = c.get(4).map_or("", |m| m.as_str()).trim();
    let found = CONDITIONS.iter().find(|(frag, _, _)| vob.contains(frag));
    let (cond, sev) = match found {
        Some((_, cond, sev)) => (*cond, *sev),
        None if ["scsi", "storage", "vmfs", "nfs"]
            .iter()
            .any(|w| vob.contains(w)) =>
        {
            ("vob", Severity::Notice)
        }
        None => return Some(None),
    };
    let summary = if text.is_empty() {
        vob.to_string()
    } else {
        text.to_string()
    };
    let mut ev = storage_event(no, raw, time, "vobd", cond, sev, summary)
        .with_field("vob", vob)
        .with_field("correlator", &c[1]);
    let dev = DEVICE
        .captures(text)
        .map(|m| m[1].trim_end_matches('.').to_string());
    if let Some(d) = &dev {
        ev = ev
            .with_field("device", d)
            .with_entity(EntityKind::Device, d);
    } else if let Some(id) = IDENT.captures(text) {
        ev = ev.with_field("volume_uuid", id[1].trim_end_matches('.'));
    }
    if let Some(v) = VOLUME.captures(text) {
        ev = ev
            .with_field("volume_uuid", &v[1])
            .with_field("datastore", &v[2]);
    }
    if let Some(p) = PATH.captures(text) {
        ev = ev
            .with_field("path", &p[1])
            .with_field("adapter", p[1].split(':').next().unwrap_or(""));
    }
    if cond.starts_with("nfs_") {
        if let Some(ds) = text.split_whitespace().last() {
            ev = ev.with_field("datastore", ds);
        }
    }
    Some(Some(ev))
}
