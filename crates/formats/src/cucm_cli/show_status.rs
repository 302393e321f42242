//! `show status` (formats.md §4.6): host name, local date, time zone (Olson name
//! in parentheses), versions, uptime and load, CPU, memory and disk lines.
//! One `Load` event at the `Date` line's local time, and one `DiskUsage` event
//! (`state = usage`, `partition` active|inactive|logging, `total_kb`,
//! `free_kb`, `used_kb`, `used_percent`) per `Disk/...` line at the same time.

use super::{parse_loose, Capture, Section};
use crate::format::Output;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::jiff::civil::DateTime;
use uctriage_core::{DateSource, Fact, Kind, RawEvent, RawTime, ZoneSource};

static KV: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*([A-Za-z][A-Za-z /&.]*?)\s*:\s*(.*?)\s*$").unwrap());
static PCT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"([A-Za-z]+):\s*([0-9.]+)%").unwrap());
static OLSON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[A-Za-z_]+(?:/[A-Za-z0-9_+\-]+)+|UTC|GMT|Etc/[A-Za-z0-9+\-]+)$").unwrap()
});
static IN_PARENS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\(([^()]+)\)\s*$").unwrap());
static UPTIME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\bup\s+(.*?),\s+[0-9]+\s+users?,\s+load average:\s*([0-9.]+),\s*([0-9.]+),\s*([0-9.]+)",
    )
    .unwrap()
});
static MEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:Memory\s+)?(Total|Free|Used|Cached|Shared|Buffers):\s*([0-9]+)K\s*$")
        .unwrap()
});
static DISK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(Disk/\S+)\s+([0-9]+)K\s+([0-9]+)K\s+([0-9]+)K\s*(?:\(([0-9]+)%\))?").unwrap()
});

/// A line that opens `show status` output.
pub(crate) fn is_start(text: &str) -> bool {
    KV.captures(text).is_some_and(|c| &c[1] == "Host Name")
}

/// The `show status` section.
#[derive(Default)]
pub(crate) struct ShowStatusSection {
    date: Option<(DateTime, u64, String)>,
    fields: Vec<(String, String)>,
    disks: Vec<(u64, String, [String; 5])>,
}

impl ShowStatusSection {
    fn set(&mut self, k: &str, v: impl Into<String>) {
        self.fields.push((k.to_string(), v.into()));
    }

    fn key_value(
        &mut self,
        no: u64,
        text: &str,
        key: &str,
        value: &str,
        cap: &mut Capture,
        out: &mut Output,
    ) {
        match key {
            "Host Name" => out.fact(Fact::FileHost {
                host: value.to_string(),
            }),
            "Date" => match parse_loose(value) {
                Some((dt, _)) => {
                    self.date = Some((dt, no, text.trim().to_string()));
                    cap.now = Some((dt, no));
                }
                None => out.problem(no, format!("`show status` date not understood: {value}")),
            },
            "Time Zone" => zone(no, value, out),
            "Product Ver" => version(out, "CUCM", value),
            "Unified OS Version" => version(out, "Unified OS", value),
            _ => {}
        }
    }
}

fn version(out: &mut Output, product: &str, value: &str) {
    out.fact(Fact::Version {
        host: None,
        product: product.into(),
        version: value.into(),
    });
}

fn zone(no: u64, value: &str, out: &mut Output) {
    let candidate = IN_PARENS
        .captures(value)
        .map(|c| c[1].trim().to_string())
        .unwrap_or_else(|| value.trim().to_string());
    if OLSON.is_match(&candidate) {
        out.fact(Fact::HostZone {
            host: None,
            zone: candidate,
            source: ZoneSource::ShowStatus,
            line: no,
        });
    } else {
        out.problem(
            no,
            format!("time zone `{value}` names no Olson zone: not used"),
        );
    }
}

impl Section for ShowStatusSection {
    fn line(&mut self, no: u64, text: &str, cap: &mut Capture, out: &mut Output) -> bool {
        if let Some(c) = UPTIME.captures(text) {
            self.set("uptime", &c[1]);
            self.set("load_1m", &c[2]);
            self.set("load_5m", &c[3]);
            self.set("load_15m", &c[4]);
            return true;
        }
        if PCT.is_match(text) {
            for c in PCT.captures_iter(text) {
                let k = format!("cpu_{}", c[1].to_ascii_lowercase());
                self.fields.push((k, c[2].to_string()));
            }
            return true;
        }
        if let Some(c) = MEM.captures(text) {
            self.set(&format!("mem_{}_kb", c[1].to_ascii_lowercase()), &c[2]);
            return true;
        }
        if let Some(c) = DISK.captures(text) {
            let name = c[1].trim_start_matches("Disk/").to_ascii_lowercase();
            let cells = [
                name.clone(),
                c[2].to_string(),
                c[3].to_string(),
                c[4].to_string(),
                c.get(5).map_or(String::new(), |m| m.as_str().to_string()),
            ];
            self.disks.push((no, text.trim().to_string(), cells));
            self.set(&format!("disk_{name}_free_kb"), &c[3]);
            if let Some(p) = c.get(5) {
                self.set(&format!("disk_{name}_used_pct"), p.as_str());
            }
            return true;
        }
        let t = text.trim();
        if t == "Uptime:" || t.split_whitespace().collect::<Vec<_>>() == ["Total", "Free", "Used"] {
            return true;
        }
        let Some(c) = KV.captures(text) else {
            return false;
        };
        let (k, v) = (c[1].to_string(), c[2].to_string());
        self.key_value(no, text, &k, &v, cap, out);
        true
    }

    fn finish(&mut self, _cap: &mut Capture, out: &mut Output) {
        let Some((dt, no, text)) = self.date.take() else {
            if !self.fields.is_empty() {
                out.push_problem(uctriage_core::Problem::file(
                    "`show status` without a Date line: load not placed in time",
                ));
            }
            return;
        };
        let get = |k: &str| self.fields.iter().find(|f| f.0 == k).map(|f| f.1.clone());
        let summary = match (get("cpu_idle"), get("load_1m")) {
            (Some(i), Some(l)) => format!("show status: CPU idle {i}%, load {l}"),
            (Some(i), None) => format!("show status: CPU idle {i}%"),
            _ => "show status snapshot".to_string(),
        };
        let mut ev =
            RawEvent::new(no, &text, Kind::Load, summary).at(RawTime::Local(dt, DateSource::Line));
        for (k, v) in self.fields.drain(..) {
            ev = ev.with_field(k, v);
        }
        out.emit(ev);
        for (no, text, [name, total, free, used, pct]) in self.disks.drain(..) {
            let high = pct.parse::<u32>().is_ok_and(|p| p >= 90);
            let mut d = RawEvent::new(
                no,
                &text,
                Kind::DiskUsage,
                format!("{name} partition {pct}% used"),
            )
            .at(RawTime::Local(dt, DateSource::Line))
            .with_severity(if high {
                uctriage_core::Severity::Warning
            } else {
                uctriage_core::Severity::Info
            })
            .with_field("state", "usage")
            .with_field("partition", &name)
            .with_field("total_kb", total)
            .with_field("free_kb", free)
            .with_field("used_kb", used)
            .with_field("command", "show status");
            if !pct.is_empty() {
                d = d.with_field("used_percent", &pct);
            }
            out.emit(d);
        }
    }
}
