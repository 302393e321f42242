//! SCSI command failures as ESXi prints them (VMware KB 289902 "Interpreting
//! SCSI sense codes", vSphere troubleshooting guide): the host, device and
//! plug-in statuses `H:0x0 D:0x2 P:0x0` and, when there is one, the sense
//! data `Valid sense data: 0x5 0x25 0x0` (sense key, ASC, ASCQ). ESX 4.x and
//! later print `Possible sense data` when the sense bytes were not returned
//! by the target, and NMP's throttled log prints `Invalid sense data`.
//!
//! The codes are kept as printed (`0x2`); their meanings are knowledge
//! (`knowledge/alarms.toml`, code tables `esxi-scsi-*`).

use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::RawEvent;

static STATUS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\bH:(0x[0-9a-f]+) D:(0x[0-9a-f]+) P:(0x[0-9a-f]+)(?:\s+(Valid|Possible|Invalid) sense data: (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+))?")
        .unwrap()
});
static DEVICE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:dev|device|Device) :?"?((?:naa|eui|t10|mpx|vml)\.[^\s"]+)"?"#).unwrap()
});
static PATH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?:path|Path) "?(vmhba\d+:C\d+:T\d+:L\d+)"?"#).unwrap());
static COMMAND: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:Cmd\(0x[0-9a-f]+\) |Command |Cmd |command )(0x[0-9a-f]{1,2})\b").unwrap()
});
static WORLD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"from world (\d+)").unwrap());

/// The statuses and sense data of a failed SCSI command.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct ScsiStatus {
    /// Host status, e.g. `0x8`.
    pub host: String,
    /// Device status, e.g. `0x2`.
    pub device: String,
    /// Plug-in status, e.g. `0x0`.
    pub plugin: String,
    /// `valid`, `possible` or `invalid`, with key, ASC and ASCQ.
    pub sense: Option<(String, String, String, String)>,
}

/// The SCSI statuses printed in `text`, if any.
pub(super) fn status(text: &str) -> Option<ScsiStatus> {
    let c = STATUS.captures(text)?;
    let sense = match (c.get(4), c.get(5), c.get(6), c.get(7)) {
        (Some(k), Some(a), Some(b), Some(d)) => Some((
            k.as_str().to_ascii_lowercase(),
            a.as_str().to_ascii_lowercase(),
            b.as_str().to_ascii_lowercase(),
            d.as_str().to_ascii_lowercase(),
        )),
        _ => None,
    };
    Some(ScsiStatus {
        host: c[1].to_ascii_lowercase(),
        device: c[2].to_ascii_lowercase(),
        plugin: c[3].to_ascii_lowercase(),
        sense,
    })
}

/// The storage device (`naa.…`, `eui.…`, `t10.…`, `mpx.…`) a message names.
pub(super) fn device(text: &str) -> Option<&str> {
    DEVICE
        .captures(text)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().trim_end_matches(['.', ',', ';']))
}

/// The path (`vmhba2:C0:T0:L4`) a message names.
pub(super) fn path(text: &str) -> Option<&str> {
    PATH.captures(text)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str())
}

/// The SCSI operation code of the failed command (`0x2a`).
pub(super) fn command(text: &str) -> Option<&str> {
    COMMAND
        .captures(text)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str())
}

/// The world (thread) that issued the command.
pub(super) fn world(text: &str) -> Option<&str> {
    WORLD
        .captures(text)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str())
}

/// Add the status and sense fields to an event.
pub(super) fn with_status(mut ev: RawEvent, s: &ScsiStatus) -> RawEvent {
    ev = ev
        .with_field("host_status", &s.host)
        .with_field("device_status", &s.device)
        .with_field("plugin_status", &s.plugin)
        .with_field(
            "scsi_status",
            format!("H:{} D:{} P:{}", s.host, s.device, s.plugin),
        );
    if let Some((kind, key, asc, ascq)) = &s.sense {
        ev = ev
            .with_field("sense_data", kind)
            .with_field("sense_key", key)
            .with_field("asc", asc)
            .with_field("ascq", ascq)
            .with_field("asc_ascq", format!("{asc}/{ascq}"));
    }
    ev
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kb_lines_give_statuses_sense_device_and_command() {
        let l = r#"ScsiDeviceIO: 2315: Cmd(0x4124003edb00) 0x12, CmdSN 0x51 to dev "naa.600508e000000000c9f6baa7c19f6900" failed H:0x0 D:0x2 P:0x0 Valid sense data: 0x5 0x24 0x0."#;
        let s = status(l).unwrap();
        assert_eq!(
            (s.host.as_str(), s.device.as_str(), s.plugin.as_str()),
            ("0x0", "0x2", "0x0")
        );
        assert_eq!(
            s.sense,
            Some(("valid".into(), "0x5".into(), "0x24".into(), "0x0".into()))
        );
        assert_eq!(device(l), Some("naa.600508e000000000c9f6baa7c19f6900"));
        assert_eq!(command(l), Some("0x12"));
        let nmp = r#"NMP: nmp_ThrottleLogForDevice:3617: Cmd 0x2a (0x43950c44a000, 65575) to dev "naa.60014055c425cd10a874374b415629b3" on path "vmhba64:C0:T0:L0" Failed: H:0x2 D:0x0 P:0x0 Invalid sense data: 0x0 0x0 0x0. Act:EVAL"#;
        assert_eq!(path(nmp), Some("vmhba64:C0:T0:L0"));
        assert_eq!(command(nmp), Some("0x2a"));
        assert_eq!(status(nmp).unwrap().sense.unwrap().0, "invalid");
        let bare = "failed H:0x8 D:0x0 P:0x0";
        assert_eq!(status(bare).unwrap().sense, None);
        assert!(status("H:0xzz D:0x0").is_none());
    }
}
