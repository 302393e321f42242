//! CUCM Bulk Administration (BAT) exports of phones and CTI ports:
//! a header row of upper-case column names (`DEVICE NAME`, `DESCRIPTION`,
//! `DEVICE POOL`, ..., `DIRECTORY NUMBER  1`, ...; hundreds of columns in an
//! "All Details" export), then one row per device.
//!
//! Each row becomes a `config` event (no time) with a field per non-empty
//! column (lower-cased, inner spaces collapsed), so topology can join devices
//! to device pools. Column names are matched loosely: spacing and case vary
//! between CUCM versions (UNCONFIRMED which versions print two spaces before
//! the line number).

use crate::csvline::cells;
use crate::format::{FileContext, Format, Head, Line, LineParser, Output};
use uctriage_core::{EntityKind, Kind, RawEvent};

/// The BAT export format.
pub(crate) struct CucmBatCsv;

impl Format for CucmBatCsv {
    fn name(&self) -> &'static str {
        "cucm-bat-csv"
    }
    fn description(&self) -> &'static str {
        "CUCM Bulk Administration export of phones / CTI ports (CSV with DEVICE NAME, DEVICE POOL, DIRECTORY NUMBER columns)"
    }
    fn example(&self) -> &'static str {
        "DEVICE NAME,DESCRIPTION,DEVICE POOL,...,DIRECTORY NUMBER  1,..."
    }
    fn detect(&self, head: &Head<'_>) -> u8 {
        let Some(first) = head.lines.first() else {
            return 0;
        };
        let h = normalise(first);
        if h.contains("device name")
            && (h.contains("device pool") || h.contains("directory number"))
        {
            90
        } else {
            0
        }
    }
    fn parser(&self, _ctx: &FileContext) -> Box<dyn LineParser> {
        Box::new(BatParser { header: Vec::new() })
    }
}

fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
}

struct BatParser {
    header: Vec<String>,
}

impl LineParser for BatParser {
    fn line(&mut self, line: Line<'_>, out: &mut Output) {
        if line.text.trim().is_empty() {
            return;
        }
        let Some(cells) = cells(line.text) else {
            out.problem(line.no, "not a CSV record");
            return;
        };
        if self.header.is_empty() {
            self.header = cells.iter().map(|c| normalise(c)).collect();
            out.understood();
            return;
        }
        let mut ev = RawEvent::new(line.no, line.text, Kind::Config, String::new())
            .with_field("table", "device");
        for (name, value) in self.header.iter().zip(&cells) {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            if name == "device name" {
                ev = ev.with_entity(EntityKind::Device, value);
            } else if name.starts_with("directory number") {
                ev = ev.with_entity(EntityKind::Address, value);
            }
            ev = ev.with_field(name.clone(), value);
        }
        let Some(device) = ev.fields.get("device name").map(str::to_string) else {
            out.problem(line.no, "row without a DEVICE NAME");
            return;
        };
        let pool = ev
            .fields
            .get("device pool")
            .map(str::to_string)
            .unwrap_or_else(|| "?".into());
        let dns: Vec<&str> = ev
            .entities
            .iter()
            .filter(|e| e.kind == EntityKind::Address)
            .map(|e| e.id.as_str())
            .collect();
        ev.summary = format!(
            "{device} in device pool {pool}, DN {}",
            if dns.is_empty() {
                "-".into()
            } else {
                dns.join("/")
            }
        )
        .into();
        let text = ev.text.to_mut();
        text.truncate(text.char_indices().nth(2000).map_or(text.len(), |(i, _)| i));
        out.emit(ev);
        out.understood();
    }
}

#[cfg(test)]
mod tests {
    use crate::{detect, parse_reader, FileContext, Head};
    use uctriage_core::EntityKind;

    const EXPORT: &str = "DEVICE NAME,DESCRIPTION,DEVICE POOL,CSS,DIRECTORY NUMBER  1,LINE DESCRIPTION  1\nLCP0001,Agent port,DP_Branch,CSS_A,4101,Agent\nRCP0002,,DP_HQ,,\n,orphan,DP_HQ,,,\n";

    #[test]
    fn rows_become_devices_with_pool_and_numbers() {
        let head = Head {
            name: "ports.csv",
            lines: EXPORT.lines().collect(),
        };
        let fmt = detect(&head).unwrap();
        assert_eq!(fmt.name(), "cucm-bat-csv");
        let f = parse_reader(Some(fmt), &FileContext::new("ports.csv"), EXPORT.as_bytes());
        assert_eq!(f.events.len(), 2);
        assert_eq!(f.events[0].fields["device pool"], "DP_Branch");
        assert_eq!(f.events[0].fields["directory number 1"], "4101");
        assert!(f.events[0]
            .entities
            .iter()
            .any(|e| e.kind == EntityKind::Address && e.id == "4101"));
        assert!(
            f.problems.iter().any(|p| p.line == Some(4)),
            "a row without a device is reported"
        );
    }
}
