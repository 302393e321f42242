//! `show diskusage <activelog|common|inactivelog|install|tftp|tmp> [sort|directory]`
//! and `show tech runtime disk` (TN 221038, CUCM 12.5).
//!
//! `show diskusage` warns that it can take long and affect IOWAIT, asks
//! `Continue (y/n)?`, prints a `df` header and row for the partition, then
//! `du` lines `<1K-blocks> <path>` (largest first with `sort`).
//! `show tech runtime disk` prints a `show platform runtime` banner,
//! `The disk usage:` and a `df -h` table; the active partition is mounted on
//! `/`, the inactive one on `/partB`, the logging (common) one on `/common`
//! (TN 221038).
//!
//! Events: one `DiskUsage` (`state = usage`) per `df` row of a block device:
//! `partition` (`active|inactive|common|<mount>`), `mount`, `filesystem`, `size`,
//! `used`, `available` (as printed, with their unit; `*_kb` when the header is
//! 1K-blocks), `used_percent`, `command`, and `largest` (the first five `du`
//! lines, `path=kb; ...`). At the capture's local time when known.

use super::{Capture, Section};
use crate::format::Output;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{Kind, RawEvent, Severity};

static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*Filesystem\s+(1K-blocks|Size)\s+Used\s+Avail(?:able)?\s+Use%\s+Mounted on\s*$")
        .unwrap()
});
static ROW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(\S+)\s+([0-9.]+[KMGTP]?)\s+([0-9.]+[KMGTP]?)\s+([0-9.]+[KMGTP]?)\s+([0-9]+)%\s+(/\S*)\s*$")
        .unwrap()
});
static DU: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\s*([0-9]+)\s+(/\S*)\s*$").unwrap());
static NOISE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:this command can take significantly long time|-+\s*show platform runtime\s*-+|the disk usage:)")
        .unwrap()
});

/// A line that only CUCM's disk commands print (for sniffing without an echo).
pub(crate) fn is_start(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with("This command can take significantly long time")
        || t.contains("show platform runtime")
}

/// The mount points TN 221038 names for the three partitions.
fn partition_of(mount: &str) -> &str {
    match mount {
        "/" => "active",
        "/partB" => "inactive",
        "/common" => "common",
        other => other,
    }
}

struct Row {
    line: u64,
    text: String,
    cells: [String; 6],
}

/// The disk-usage section.
pub(crate) struct DiskUsageSection {
    command: String,
    kilobytes: bool,
    rows: Vec<Row>,
    largest: Vec<String>,
}

impl DiskUsageSection {
    /// A section for `show diskusage <arg>` or `show tech runtime disk`.
    pub(crate) fn new(command: &str) -> DiskUsageSection {
        DiskUsageSection {
            command: command.to_string(),
            kilobytes: false,
            rows: Vec::new(),
            largest: Vec::new(),
        }
    }
}

impl Section for DiskUsageSection {
    fn line(&mut self, no: u64, text: &str, _cap: &mut Capture, _out: &mut Output) -> bool {
        if NOISE.is_match(text) {
            return true;
        }
        if let Some(c) = HEADER.captures(text) {
            self.kilobytes = &c[1] == "1K-blocks";
            return true;
        }
        if let Some(c) = ROW.captures(text) {
            self.rows.push(Row {
                line: no,
                text: text.trim().to_string(),
                cells: std::array::from_fn(|i| c[i + 1].to_string()),
            });
            return true;
        }
        if let Some(c) = DU.captures(text) {
            if self.largest.len() < 5 {
                self.largest.push(format!("{}={}", &c[2], &c[1]));
            }
            return true;
        }
        false
    }

    fn finish(&mut self, cap: &mut Capture, out: &mut Output) {
        for r in self.rows.drain(..) {
            let [fs, size, used, avail, pct, mount] = r.cells;
            if !fs.starts_with("/dev/") {
                continue; // tmpfs, ramfs trace areas: no partition of the node
            }
            let partition = partition_of(&mount).to_string();
            let high = pct.parse::<u32>().is_ok_and(|p| p >= 90);
            let mut ev = RawEvent::new(
                r.line,
                &r.text,
                Kind::DiskUsage,
                format!("{partition} partition ({mount}) {pct}% used"),
            )
            .with_severity(if high {
                Severity::Warning
            } else {
                Severity::Info
            })
            .with_field("state", "usage")
            .with_field("partition", &partition)
            .with_field("mount", &mount)
            .with_field("filesystem", &fs)
            .with_field("used_percent", &pct)
            .with_field("command", &self.command);
            if self.kilobytes {
                ev = ev
                    .with_field("size_kb", &size)
                    .with_field("used_kb", &used)
                    .with_field("available_kb", &avail);
            } else {
                ev = ev
                    .with_field("size", &size)
                    .with_field("used", &used)
                    .with_field("available", &avail);
            }
            if !self.largest.is_empty() {
                ev = ev.with_field("largest", self.largest.join("; "));
            }
            if let Some(t) = cap.capture_time() {
                ev = ev.at(t);
            }
            out.emit(ev);
        }
    }
}
