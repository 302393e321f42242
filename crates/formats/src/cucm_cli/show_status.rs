//! `show status` (formats.md §4.6): host name, local date, time zone (Olson name
//! in parentheses), versions, uptime and load, CPU, memory and disk lines.
//! One `Load` event at the `Date` line's local time, one `DiskUsage` event
//! (`state = usage`, `partition` active|inactive|logging, `total_kb`,
//! `free_kb`, `used_kb`, `used_percent`) per `Disk/...` line at the same time,
//! and, when the capture prints both its `Date` and the uptime, one
//! `node_lifecycle` boot event at `Date` minus uptime (minute precision:
//! uptime prints hours and minutes).

use super::{parse_loose, Capture, Section};
use crate::format::Output;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::jiff::civil::DateTime;
use uctriage_core::jiff::tz::TimeZone;
use uctriage_core::jiff::SignedDuration;
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
    /// The Olson zone the capture states (`Time Zone` line).
    zone: Option<String>,
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
            "Time Zone" => self.zone = zone(no, value, out),
            // Every Unified OS application prints this line; nothing in the
            // output says which one. CUCM is the usual case: normalization
            // names it UCCX on a host whose UCCX Engine logs are in the bundle.
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

/// The Olson zone of a `Time Zone` value, stated as a fact.
fn zone(no: u64, value: &str, out: &mut Output) -> Option<String> {
    let candidate = IN_PARENS
        .captures(value)
        .map(|c| c[1].trim().to_string())
        .unwrap_or_else(|| value.trim().to_string());
    if OLSON.is_match(&candidate) {
        out.fact(Fact::HostZone {
            host: None,
            zone: candidate.clone(),
            source: ZoneSource::ShowStatus,
            line: no,
        });
        Some(candidate)
    } else {
        out.problem(
            no,
            format!("time zone `{value}` names no Olson zone: not used"),
        );
        None
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
            if self.fields.iter().any(|f| f.0 == "uptime") {
                out.push_problem(uctriage_core::Problem::file(
                    "`show status` prints the uptime but no Date line: boot time not computed",
                ));
            }
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
        if let Some(up) = get("uptime") {
            match boot_event(no, &text, dt, &up, self.zone.as_deref()) {
                Some(ev) => out.emit(ev),
                None => out.problem(
                    no,
                    format!("`show status` uptime `{up}` not understood: boot time not computed"),
                ),
            }
        }
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

/// `79 days, 12:45`, `1 day,  3 min`, `2:03`, `5 min` (procps `uptime`).
pub(crate) fn parse_uptime(s: &str) -> Option<SignedDuration> {
    let mut secs: i64 = 0;
    let mut any = false;
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let words: Vec<&str> = part.split_whitespace().collect();
        match words.as_slice() {
            [n, unit] if unit.starts_with("day") => secs += n.parse::<i64>().ok()? * 86_400,
            [n, unit] if unit.starts_with("min") => secs += n.parse::<i64>().ok()? * 60,
            [n, unit] if unit.starts_with("hr") || unit.starts_with("hour") => {
                secs += n.parse::<i64>().ok()? * 3600
            }
            [hm] => {
                let (h, m) = hm.split_once(':')?;
                let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
                if m >= 60 {
                    return None;
                }
                secs += h * 3600 + m * 60;
            }
            _ => return None,
        }
        any = true;
    }
    any.then(|| SignedDuration::from_secs(secs))
}

/// The boot this capture implies: its `Date` minus its uptime.
///
/// With the capture's own zone the subtraction is done on the instant, so a
/// daylight-saving change within the uptime is accounted for; without one it
/// is wall-clock arithmetic (an hour off if such a change fell in between).
fn boot_event(
    no: u64,
    text: &str,
    now: DateTime,
    uptime: &str,
    zone: Option<&str>,
) -> Option<RawEvent> {
    let up = parse_uptime(uptime)?;
    let in_zone = zone.and_then(|z| {
        let tz = TimeZone::get(z).ok()?;
        let boot = tz.to_timestamp(now).ok()?.checked_sub(up).ok()?;
        Some((tz.to_datetime(boot), z))
    });
    let (boot, computed) = match in_zone {
        Some((boot, z)) => (
            boot,
            format!("show status Date {now} ({z}) minus uptime {uptime}"),
        ),
        None => (
            now.checked_sub(up).ok()?,
            format!(
                "show status Date {now} minus uptime {uptime}, on the wall clock (no zone stated: \
                 an hour off if a daylight-saving change fell within the uptime)"
            ),
        ),
    };
    Some(
        RawEvent::new(
            no,
            text,
            Kind::NodeLifecycle,
            format!("node booted about {boot} (show status: up {uptime})"),
        )
        .at(RawTime::Local(boot, DateSource::Line))
        .with_field("action", "boot")
        .with_field("subject", "node")
        .with_field("basis", "show status uptime")
        .with_field("uptime", uptime)
        .with_field("precision", "minute")
        .with_field("computed_from", computed),
    )
}

#[cfg(test)]
mod tests {
    use super::parse_uptime;
    use crate::{by_name, parse_reader, FileContext};
    use uctriage_core::{DateSource, Kind, RawTime};

    #[test]
    fn uptime_forms_of_procps() {
        let h = |s: &str| parse_uptime(s).map(|d| d.as_secs());
        assert_eq!(h("79 days, 12:45"), Some(79 * 86_400 + 12 * 3600 + 45 * 60));
        assert_eq!(h("1 day,  3 min"), Some(86_400 + 180));
        assert_eq!(h("2:03"), Some(2 * 3600 + 180));
        assert_eq!(h("5 min"), Some(300));
        for bad in ["", "soon", "1:75", "x days"] {
            assert_eq!(h(bad), None, "{bad}");
        }
    }

    #[test]
    fn boot_is_date_minus_uptime_to_the_minute() {
        let text = include_str!("../../tests/fixtures/cucm_cli/show_status_125.txt");
        let f = parse_reader(
            by_name("cucm-cli"),
            &FileContext::new("pub/cli.txt"),
            text.as_bytes(),
        );
        let boot = f
            .events
            .iter()
            .find(|e| e.kind == Kind::NodeLifecycle)
            .expect("boot event");
        assert_eq!(
            boot.time,
            RawTime::Local("2025-12-12T11:51:32".parse().unwrap(), DateSource::Line)
        );
        assert_eq!(boot.fields.get("action"), Some("boot"));
        assert_eq!(boot.fields.get("precision"), Some("minute"));
        assert!(boot
            .fields
            .get("computed_from")
            .unwrap()
            .contains("79 days, 12:45"));
    }

    #[test]
    fn boot_across_a_dst_change_uses_the_stated_zone() {
        // 10 days before 1 Nov 2023 12:00 CET is 22 Oct 2023 13:00 CEST.
        let status = |tz: &str| {
            format!(
                "admin:show status\nHost Name : n1\nDate : Wed Nov 1, 2023 12:00:00\n{tz}Uptime:\n 12:00:01 up 10 days,  1 user,  load average: 0.1, 0.1, 0.1\n"
            )
        };
        let boot = |text: String| {
            parse_reader(
                by_name("cucm-cli"),
                &FileContext::new("n1/cli.txt"),
                text.as_bytes(),
            )
            .events
            .into_iter()
            .find(|e| e.kind == Kind::NodeLifecycle)
            .expect("boot event")
        };
        let zoned = boot(status(
            "Time Zone : Central European Time (Europe/Amsterdam)\n",
        ));
        assert_eq!(
            zoned.time,
            RawTime::Local("2023-10-22T13:00:00".parse().unwrap(), DateSource::Line)
        );
        assert!(zoned
            .fields
            .get("computed_from")
            .unwrap()
            .contains("Europe/Amsterdam"));
        let wall = boot(status(""));
        assert_eq!(
            wall.time,
            RawTime::Local("2023-10-22T12:00:00".parse().unwrap(), DateSource::Line)
        );
        assert!(wall
            .fields
            .get("computed_from")
            .unwrap()
            .contains("wall clock"));
    }

    #[test]
    fn uptime_without_a_date_leaves_a_note() {
        let text = "admin:show status\nHost Name : n1\nUptime:\n 00:36:33 up 3 days, 1:02,  1 user,  load average: 0.1, 0.1, 0.1\n";
        let f = parse_reader(
            by_name("cucm-cli"),
            &FileContext::new("n1/cli.txt"),
            text.as_bytes(),
        );
        assert!(f.events.iter().all(|e| e.kind != Kind::NodeLifecycle));
        assert!(f
            .problems
            .iter()
            .any(|p| p.message.contains("no Date line: boot time not computed")));
    }
}
