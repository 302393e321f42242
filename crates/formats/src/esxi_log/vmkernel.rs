//! vmkernel messages that matter in a storage outage.
//!
//! Each recognised message becomes one `storage_io` event with a
//! `condition` (the list is in `docs/formats/esxi.md`). Texts come from
//! VMware KBs 289902, 2004684, 1030381, 309543, Broadcom KBs 435349, 436435,
//! 373203 and public write-ups; the driver reset/abort words and
//! `heartbeat_timeout` texts are UNCONFIRMED beyond those samples and matched
//! loosely.

use super::scsi;
use super::storage_event;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{RawEvent, RawTime, Severity};

static PDL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"Device :?(\S+) has been removed or is permanently inaccessible\.?(?:\s*Affected datastores \(if any\)\s*:\s*(.*))?")
        .unwrap()
});
static HBX_APD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"APD EventType: (APD_\w+) \(\d+\) for vol '([^']*)'").unwrap());
static STATE_SET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Device state of (\S+) set to (APD_\w+)").unwrap());
static APD_HANDLER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)APD (start|timeout|exit|timer started)\b.*?\[([^\]]+)\]").unwrap()
});
static OUT_OF_APD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Device (\S+) is Out of APD").unwrap());
static BLOCKED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"NMP Device "([^"]+)" is blocked"#).unwrap());
static DOUBT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"NMP device "([^"]+)" state in doubt"#).unwrap());
static NO_PATH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"Could not select path for device "([^"]+)""#).unwrap());
static LATENCY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"Device (\S+) performance has (deteriorated|improved)\. I/O latency (?:increased|reduced|decreased) from average value of (\d+) microseconds to (\d+) microseconds")
        .unwrap()
});
static REPEATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"last error status from device (\S+) repeated (\d+) times").unwrap()
});
static IO_ERROR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(READ CAPACITY|[A-Z ]{4,}) on device "([^"]+)" from Plugin "([^"]+)" failed"#)
        .unwrap()
});
static HB_TIMEOUT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(?:HBX|heartbeat).*(timed out|timeout|lost)").unwrap());
static DRIVER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:WARNING: )?(?:<\d>)?(lsi_mr3|megaraid_sas|megasas\w*|lsi_msgpt\d*|mpt\d?sas\w*|nhpsa|hpsa|smartpqi|lpfc|qlnativefc|qla2xxx|nfnic|fnic|iscsi_vmk|vmw_ahci|nvme\w*|nmlx\w*|bnx\w*|ixgben|i40en|elxnet|vmhba\d+)\b\s*:?\s*(.*)$")
        .unwrap()
});
static VSCSI_RESET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"VSCSI: \d+: handle \d+\(GID:\d+\)\((vscsi\d+:\d+)\):.*\breset\b").unwrap()
});
static ADAPTER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b(vmhba\d+)\b").unwrap());
static LINK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(vmnic\w*) NIC Link is (Down|Up)\b").unwrap());

/// The event a vmkernel message makes, if it is one that matters.
pub(super) fn event(no: u64, raw: &str, time: &RawTime, body: &str) -> Option<RawEvent> {
    let module = module_name(body);
    let mk = |condition: &str, sev: Severity, summary: String| {
        storage_event(no, raw, time, "vmkernel", condition, sev, summary)
            .with_field("module", module)
    };
    if let Some(s) = scsi::status(body) {
        let dev = scsi::device(body);
        let cond = if body.contains("PERM LOSS") {
            "pdl_path"
        } else {
            "scsi_cmd_failed"
        };
        let mut ev = mk(
            cond,
            Severity::Warning,
            format!(
                "SCSI command {} to {} failed H:{} D:{} P:{}",
                scsi::command(body).unwrap_or("?"),
                dev.unwrap_or("a device"),
                s.host,
                s.device,
                s.plugin
            ),
        );
        ev = scsi::with_status(ev, &s);
        if let Some(c) = scsi::command(body) {
            ev = ev.with_field("scsi_cmd", c);
        }
        if let Some(w) = scsi::world(body) {
            ev = ev.with_field("world", w);
        }
        return Some(with_place(ev, body, dev));
    }
    if let Some(c) = PDL.captures(body) {
        let mut ev = mk(
            "pdl",
            Severity::Critical,
            format!("device {} removed or permanently inaccessible (PDL)", &c[1]),
        );
        if let Some(ds) = c
            .get(2)
            .map(|m| m.as_str().trim())
            .filter(|s| !s.is_empty())
        {
            ev = ev.with_field("datastore", ds.trim_matches('"'));
        }
        return Some(with_place(ev, body, Some(&c[1])));
    }
    if let Some(c) = HBX_APD.captures(body) {
        let cond = apd_condition(&c[1]);
        let ev = mk(
            cond,
            apd_severity(cond),
            format!("{} for datastore '{}'", &c[1], &c[2]),
        )
        .with_field("datastore", &c[2]);
        return Some(ev);
    }
    if let Some(c) = STATE_SET.captures(body) {
        let cond = apd_condition(&c[2]);
        let ev = mk(
            cond,
            apd_severity(cond),
            format!("device {} set to {}", &c[1], &c[2]),
        );
        return Some(with_place(ev, body, Some(&c[1])));
    }
    if let Some(c) = OUT_OF_APD.captures(body) {
        let ev = mk(
            "apd_exit",
            Severity::Info,
            format!("device {} out of APD", &c[1]),
        );
        return Some(with_place(ev, body, Some(&c[1])));
    }
    if body.starts_with("StorageApdHandler") {
        if let Some(c) = APD_HANDLER.captures(body) {
            let cond = match c[1].to_ascii_lowercase().as_str() {
                "timeout" => "apd_timeout",
                "exit" => "apd_exit",
                _ => "apd_start",
            };
            let ev = mk(
                cond,
                apd_severity(cond),
                format!("APD {} for {}", &c[1], &c[2]),
            );
            return Some(with_place(ev, body, Some(&c[2])));
        }
        return None;
    }
    if let Some(c) = BLOCKED.captures(body) {
        let ev = mk(
            "device_blocked",
            Severity::Error,
            format!("NMP device {} blocked: no I/O started", &c[1]),
        );
        return Some(with_place(ev, body, Some(&c[1])));
    }
    if let Some(c) = DOUBT.captures(body) {
        let ev = mk(
            "device_state_in_doubt",
            Severity::Warning,
            format!("NMP device {} state in doubt", &c[1]),
        );
        return Some(with_place(ev, body, Some(&c[1])));
    }
    if let Some(c) = NO_PATH.captures(body) {
        let ev = mk(
            "no_path",
            Severity::Error,
            format!("no path could be selected for {}", &c[1]),
        );
        return Some(with_place(ev, body, Some(&c[1])));
    }
    if let Some(c) = LATENCY.captures(body) {
        let worse = &c[2] == "deteriorated";
        let ev = mk(
            if worse {
                "latency_deteriorated"
            } else {
                "latency_improved"
            },
            if worse {
                Severity::Warning
            } else {
                Severity::Info
            },
            format!("device {} I/O latency {} µs → {} µs", &c[1], &c[3], &c[4]),
        )
        .with_field("latency_avg_us", &c[3])
        .with_field("latency_us", &c[4]);
        return Some(with_place(ev, body, Some(&c[1])));
    }
    if let Some(c) = REPEATED.captures(body) {
        let ev = mk(
            "scsi_cmd_failed_repeated",
            Severity::Warning,
            format!("last error status from {} repeated {} times", &c[1], &c[2]),
        )
        .with_field("repeat_count", &c[2]);
        return Some(with_place(ev, body, Some(&c[1])));
    }
    if let Some(c) = IO_ERROR.captures(body) {
        let ev = mk(
            "device_io_error",
            Severity::Error,
            format!("{} on {} failed", c[1].trim(), &c[2]),
        );
        return Some(with_place(ev, body, Some(&c[2])));
    }
    if let Some(c) = VSCSI_RESET.captures(body) {
        let ev = mk(
            "vscsi_reset",
            Severity::Warning,
            format!("virtual SCSI reset of {}", &c[1]),
        )
        .with_field("vscsi", &c[1]);
        return Some(ev);
    }
    if let Some(c) = LINK.captures(body) {
        let ev = RawEvent::new(
            no,
            raw,
            uctriage_core::Kind::Log,
            format!("{} link {}", &c[1], c[2].to_ascii_lowercase()),
        )
        .at(time.clone())
        .with_severity(if &c[2] == "Down" {
            Severity::Warning
        } else {
            Severity::Info
        })
        .with_field("nic", &c[1])
        .with_field("link", c[2].to_ascii_lowercase())
        .with_field("esxi_log", "vmkernel");
        return Some(ev);
    }
    if body.starts_with("HBX") && HB_TIMEOUT.is_match(body) {
        // UNCONFIRMED wording: VMFS heartbeat messages of the vmkernel.
        let ev = mk(
            "heartbeat_timeout",
            Severity::Error,
            body.trim().to_string(),
        );
        return Some(with_place(ev, body, scsi::device(body)));
    }
    driver_event(no, raw, time, body)
}

/// HBA / RAID driver resets, aborts and link or connection changes.
fn driver_event(no: u64, raw: &str, time: &RawTime, body: &str) -> Option<RawEvent> {
    let c = DRIVER.captures(body)?;
    let driver = &c[1];
    let text = c[2].to_ascii_lowercase();
    let (cond, sev) = if text.contains("reset") || text.contains(" ocr") {
        ("hba_reset", Severity::Error)
    } else if text.contains("abort") {
        ("task_abort", Severity::Warning)
    } else if text.contains("\"offline\"")
        || text.contains("link down")
        || text.contains("link is down")
    {
        ("connection_offline", Severity::Error)
    } else if text.contains("\"online\"") || text.contains("link up") {
        ("connection_online", Severity::Info)
    } else if ["fault", "fail", "timeout", "timed out", "error"]
        .iter()
        .any(|w| text.contains(w))
    {
        ("hba_error", Severity::Warning)
    } else {
        return None;
    };
    let mut ev = storage_event(
        no,
        raw,
        time,
        "vmkernel",
        cond,
        sev,
        format!("{driver}: {}", c[2].trim()),
    )
    .with_field("driver", driver)
    .with_field("module", driver);
    if let Some(a) = ADAPTER.captures(body) {
        ev = ev.with_field("adapter", &a[1]);
    }
    Some(ev)
}

/// `ScsiDeviceIO` of `WARNING: ScsiDeviceIO: 7330: ...`.
fn module_name(body: &str) -> &str {
    let b = body.strip_prefix("WARNING: ").unwrap_or(body);
    b.split([':', ' ']).next().unwrap_or("")
}

fn apd_condition(state: &str) -> &'static str {
    match state {
        "APD_EXIT" | "APD_END" => "apd_exit",
        s if s.contains("TIMEOUT") => "apd_timeout",
        _ => "apd_start",
    }
}

fn apd_severity(cond: &str) -> Severity {
    match cond {
        "apd_exit" => Severity::Info,
        "apd_timeout" => Severity::Critical,
        _ => Severity::Error,
    }
}

/// Add the device (and its entity), the path and the adapter the message names.
fn with_place(mut ev: RawEvent, body: &str, dev: Option<&str>) -> RawEvent {
    if let Some(d) = dev {
        ev = ev
            .with_field("device", d)
            .with_entity(uctriage_core::EntityKind::Device, d);
    }
    if let Some(p) = scsi::path(body) {
        ev = ev.with_field("path", p);
        if let Some(a) = p.split(':').next() {
            ev = ev.with_field("adapter", a);
        }
    } else if let Some(a) = ADAPTER.captures(body) {
        ev = ev.with_field("adapter", &a[1]);
    }
    ev
}
