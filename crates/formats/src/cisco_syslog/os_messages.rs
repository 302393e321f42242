//! Plain OS syslog lines of a VOS node (`/var/log/messages`, activelog
//! `syslog/messages`) that matter in an outage: NTP trouble (`clock`), boots,
//! shutdowns and file-system recovery (`node_lifecycle`), file-system and
//! disk I/O errors (`storage_io`, field `layer` = `guest_os`), full file
//! systems (`disk_usage`) and systemd unit starts and stops (`service_state`).
//!
//! The texts are those of the Linux daemons VOS runs (ntpd, ntpdate, the
//! kernel, syslogd/rsyslogd, shutdown, systemd), read from public Linux
//! syslog samples and the ntpdate source (`docs/formats/vos.md`); that VOS
//! writes them unchanged is UNCONFIRMED (no public VOS `messages` sample
//! with them was found). `Clock Unsynchronized` is matched case-insensitively
//! in any NTP process's line (UNCONFIRMED wording).

use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{EntityKind, Kind, RawEvent, Severity};

static SYNCED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"synchroni[sz]ed to (\S+), stratum (\d+)").unwrap());
static STEP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(step|adjust) time server (\S+) offset (-?[0-9.]+) sec").unwrap()
});
static TIME_RESET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"time reset (-?[0-9.]+) s").unwrap());
static LINUX_VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^Linux version (\S+)").unwrap());
static SHUTDOWN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)shutting down for system (halt|reboot|power ?off)").unwrap());
static RUNLEVEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Switching to runlevel: ([0-6])").unwrap());
static FS_ERROR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(EXT[234]-fs|XFS) error \(device ([^)]+)\)").unwrap());
static FS_DEVICE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:EXT[234]-fs|XFS)(?: \(([^)]+)\))?:? (?:([a-z][a-z0-9_\-]*\d): )?").unwrap()
});
static IO_ERROR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:I/O error,? dev (\w+)|Buffer I/O error on (?:dev(?:ice)?) (\w+))").unwrap()
});
static SYSTEMD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(Started|Stopped|Failed to start) (.+?)\.?$").unwrap());

/// Turn a plain OS line (`process`, `message`) into a more specific event
/// when it says something that matters; otherwise return it unchanged.
pub(super) fn refine(ev: RawEvent, process: &str, message: &str) -> RawEvent {
    let proc_lower = process.to_ascii_lowercase();
    if proc_lower.starts_with("ntp") || proc_lower == "chronyd" {
        return ntp(ev, message);
    }
    if proc_lower == "kernel" {
        return kernel(
            ev,
            message.trim_start_matches(|c: char| {
                c == '[' || c.is_ascii_digit() || c == '.' || c == ' ' || c == ']'
            }),
        );
    }
    if proc_lower.starts_with("syslogd") || proc_lower.starts_with("rsyslogd") {
        let lower = message.to_ascii_lowercase();
        if lower.contains("restart") || lower.contains("] start") {
            return lifecycle(
                ev,
                "syslog_start",
                "syslog daemon started (a boot or a restart of syslog)",
                None,
            );
        }
        if lower.contains("exiting on signal") {
            return lifecycle(
                ev,
                "syslog_stop",
                "syslog daemon stopped (an orderly shutdown or a restart of syslog)",
                None,
            );
        }
        return ev;
    }
    if proc_lower == "shutdown" {
        if let Some(c) = SHUTDOWN.captures(message) {
            let action = if c[1].eq_ignore_ascii_case("reboot") {
                "restart"
            } else {
                "shutdown"
            };
            return lifecycle(ev, action, "shutdown command", Some(true));
        }
        return ev;
    }
    if proc_lower == "init" {
        if let Some(c) = RUNLEVEL.captures(message) {
            let action = match &c[1] {
                "0" => "shutdown",
                "6" => "restart",
                _ => return ev,
            };
            return lifecycle(ev, action, "init runlevel change", Some(true));
        }
        return ev;
    }
    if proc_lower == "systemd" {
        if let Some(c) = SYSTEMD.captures(message.trim()) {
            let state = match &c[1] {
                "Started" => "started",
                "Stopped" => "stopped",
                _ => "failed",
            };
            let service = c[2].trim().to_string();
            let mut ev = retype(
                ev,
                Kind::ServiceState,
                format!("systemd: {service} {state}"),
            )
            .with_field("service", &service)
            .with_field("state", state)
            .with_entity(EntityKind::Service, &service);
            if state == "failed" {
                ev = ev.with_severity(Severity::Error);
            }
            return ev;
        }
    }
    if message.contains("No space left on device") {
        return retype(
            ev,
            Kind::DiskUsage,
            format!("{process}: no space left on device"),
        )
        .with_field("state", "full")
        .with_severity(Severity::Error);
    }
    ev
}

fn ntp(ev: RawEvent, message: &str) -> RawEvent {
    let lower = message.to_ascii_lowercase();
    let (state, sev, mut ev) = if lower.contains("no server suitable for synchronization found") {
        ("no_suitable_server", Severity::Warning, ev)
    } else if let Some(c) = SYNCED.captures(message) {
        let ev = ev.with_field("server", &c[1]).with_field("stratum", &c[2]);
        ("synchronized", Severity::Info, ev)
    } else if let Some(c) = STEP.captures(message) {
        let state = if &c[1] == "step" {
            "stepped"
        } else {
            "adjusted"
        };
        let ev = ev.with_field("server", &c[2]).with_field("offset_s", &c[3]);
        (state, Severity::Notice, ev)
    } else if let Some(c) = TIME_RESET.captures(message) {
        let ev = ev.with_field("offset_s", &c[1]);
        ("time_reset", Severity::Warning, ev)
    } else if lower.contains("no servers reachable") || lower.contains("no server reachable") {
        ("no_server_reachable", Severity::Warning, ev)
    } else if lower.contains("unsynchronized") || lower.contains("unsynchronised") {
        ("unsynchronized", Severity::Warning, ev)
    } else if lower.contains("kernel time sync") {
        ("kernel_sync_change", Severity::Notice, ev)
    } else if lower.contains("frequency error") {
        ("frequency_error", Severity::Warning, ev)
    } else {
        return ev;
    };
    ev = ev.with_field("ntp_state", state);
    let summary = format!("NTP {}: {}", state.replace('_', " "), message.trim());
    retype(ev, Kind::Clock, summary).with_severity(sev)
}

fn kernel(ev: RawEvent, message: &str) -> RawEvent {
    if let Some(c) = LINUX_VERSION.captures(message) {
        let v = c[1].to_string();
        return lifecycle(ev, "boot", "kernel banner at boot", None).with_field("kernel", v);
    }
    let lower = message.to_ascii_lowercase();
    if (lower.starts_with("ext") || lower.starts_with("xfs"))
        && [
            "recovery required",
            "orphan cleanup",
            "recovery complete",
            "was not properly unmounted",
            "needs recovery",
        ]
        .iter()
        .any(|w| lower.contains(w))
    {
        let mut ev = lifecycle(
            ev,
            "fs_recovery",
            "file-system journal recovery at mount",
            Some(false),
        )
        .with_severity(Severity::Warning);
        if let Some(d) = FS_DEVICE
            .captures(message)
            .and_then(|c| c.get(1).or(c.get(2)))
        {
            ev = ev.with_field("device", d.as_str());
        }
        return ev;
    }
    if let Some(c) = FS_ERROR.captures(message) {
        return guest_storage(ev, "fs_error", &c[2], message, Severity::Error);
    }
    if lower.contains("remounting filesystem read-only") {
        let dev = FS_DEVICE
            .captures(message)
            .and_then(|c| c.get(1))
            .map_or("", |m| m.as_str())
            .to_string();
        return guest_storage(ev, "fs_readonly", &dev, message, Severity::Critical);
    }
    if let Some(c) = IO_ERROR.captures(message) {
        let dev = c.get(1).or(c.get(2)).map_or("", |m| m.as_str()).to_string();
        return guest_storage(ev, "io_error", &dev, message, Severity::Error);
    }
    ev
}

fn guest_storage(
    ev: RawEvent,
    condition: &str,
    device: &str,
    message: &str,
    sev: Severity,
) -> RawEvent {
    let mut ev = retype(
        ev,
        Kind::StorageIo,
        format!("kernel {}: {}", condition.replace('_', " "), message.trim()),
    )
    .with_field("condition", condition)
    .with_field("layer", "guest_os")
    .with_severity(sev);
    if !device.is_empty() {
        ev = ev.with_field("device", device);
    }
    ev
}

fn lifecycle(ev: RawEvent, action: &str, basis: &str, graceful: Option<bool>) -> RawEvent {
    let summary = format!("{} ({basis})", action.replace('_', " "));
    let mut ev = retype(ev, Kind::NodeLifecycle, summary)
        .with_field("action", action)
        .with_field("subject", "node")
        .with_field("basis", basis)
        .with_severity(Severity::Notice);
    if let Some(g) = graceful {
        ev = ev
            .with_field("graceful", if g { "true" } else { "false" })
            .with_field("graceful_source", basis);
    }
    ev
}

fn retype(mut ev: RawEvent, kind: Kind, summary: String) -> RawEvent {
    ev.kind = kind;
    ev.summary = summary.into();
    ev
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> RawEvent {
        RawEvent::new(1, "x", Kind::Log, "x")
    }

    #[test]
    fn ntp_lines_become_clock_events() {
        let ev = refine(
            base(),
            "ntpdate",
            "no server suitable for synchronization found",
        );
        assert_eq!(ev.kind, Kind::Clock);
        assert_eq!(ev.fields.get("ntp_state"), Some("no_suitable_server"));
        let ev = refine(base(), "ntpd", "synchronized to 10.31.0.1, stratum 2");
        assert_eq!(ev.fields.get("stratum"), Some("2"));
        let ev = refine(base(), "ntpd", "Clock Unsynchronized");
        assert_eq!(ev.fields.get("ntp_state"), Some("unsynchronized"));
        let ev = refine(base(), "ntpd", "Listen normally on 2 eth0");
        assert_eq!(ev.kind, Kind::Log);
    }

    #[test]
    fn kernel_boot_fs_recovery_and_errors() {
        let ev = refine(
            base(),
            "kernel",
            "Linux version 2.6.10-6-686 (buildd@terranova) #1",
        );
        assert_eq!(ev.fields.get("action"), Some("boot"));
        let ev = refine(
            base(),
            "kernel",
            "EXT3-fs: sda1: orphan cleanup on readonly fs",
        );
        assert_eq!(ev.fields.get("action"), Some("fs_recovery"));
        assert_eq!(ev.fields.get("graceful"), Some("false"));
        assert_eq!(ev.fields.get("device"), Some("sda1"));
        let ev = refine(
            base(),
            "kernel",
            "EXT4-fs error (device loop5): ext4_get_first_dir_block:3538: inode #5174",
        );
        assert_eq!(ev.kind, Kind::StorageIo);
        assert_eq!(ev.fields.get("device"), Some("loop5"));
        let ev = refine(
            base(),
            "kernel",
            "[  154.128014] EXT4-fs (nvme1n1): Remounting filesystem read-only",
        );
        assert_eq!(ev.fields.get("condition"), Some("fs_readonly"));
        assert_eq!(ev.fields.get("device"), Some("nvme1n1"));
        let ev = refine(
            base(),
            "kernel",
            "kjournald starting.  Commit interval 5 seconds",
        );
        assert_eq!(ev.kind, Kind::Log);
    }

    #[test]
    fn shutdowns_disk_full_and_systemd() {
        let ev = refine(base(), "shutdown", "shutting down for system reboot");
        assert_eq!(ev.fields.get("action"), Some("restart"));
        assert_eq!(ev.fields.get("graceful"), Some("true"));
        let ev = refine(
            base(),
            "rsyslogd",
            "[origin software=\"rsyslogd\"] exiting on signal 15.",
        );
        assert_eq!(ev.fields.get("action"), Some("syslog_stop"));
        let ev = refine(base(), "cp", "write error: No space left on device");
        assert_eq!(ev.kind, Kind::DiskUsage);
        let ev = refine(base(), "systemd", "Failed to start Cisco CallManager.");
        assert_eq!(ev.kind, Kind::ServiceState);
        assert_eq!(ev.fields.get("state"), Some("failed"));
    }
}
