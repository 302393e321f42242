//! Windows PDH-CSV performance logs: CUCM PerfMon logs written by the RIS Data
//! Collector (`PerfMon_<node>_<MM>_<DD>_<YYYY>_<HH>_<MM>.csv`) and ESXi
//! `esxtop -b` batch output.
//!
//! Header: first cell `(PDH-CSV 4.0) (<zone name>)(<bias minutes>)`, then one
//! quoted `\\host\Object(instance)\Counter` per column; rows
//! `"MM/DD/YYYY HH:MM:SS[.mmm]","value",...`. The Windows bias is UTC minus
//! local time in minutes, so local = UTC - bias.
//!
//! UNCONFIRMED: the exact CUCM PerfMon header and row text (no real file was
//! found; the layout is inferred from Cisco saying the files open in the
//! Windows performance tool). So the zone cell may be missing, values may be
//! blank, and a `Date`/`Time` split first column (seen in Windows PDH exports)
//! is accepted too.

use crate::csvline::cells;
use crate::format::{FileContext, Format, Head, Line, LineParser, Output};
use crate::timeparse::{parse_hms, ymd};
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::jiff::tz::Offset;
use uctriage_core::{DateSource, Fact, Kind, RawEvent, RawTime};

/// The PDH-CSV format.
pub(crate) struct PdhCsv;

/// Counter values kept per sample event when the caller gave no counter
/// filter (esxtop files have tens of thousands of columns).
const MAX_FIELDS: usize = 100;

static ZONE_CELL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\(PDH-CSV [\d.]+\)\s*(?:\(([^)]*)\))?\s*(?:\((-?\d+)\))?").unwrap()
});

impl Format for PdhCsv {
    fn name(&self) -> &'static str {
        "pdh-csv"
    }
    fn description(&self) -> &'static str {
        "PDH-CSV performance logs: CUCM PerfMon CSV (RIS Data Collector) and ESXi esxtop -b batch output"
    }
    fn example(&self) -> &'static str {
        r#""(PDH-CSV 4.0) (Central Daylight Time)(300)","\\cucm1\Processor(_Total)\% CPU Time""#
    }
    fn detect(&self, head: &Head<'_>) -> u8 {
        match head.lines.first() {
            Some(l) if l.contains("(PDH-CSV") => 95,
            _ => 0,
        }
    }
    fn parser(&self, ctx: &FileContext) -> Box<dyn LineParser> {
        Box::new(PdhParser {
            columns: Vec::new(),
            offset: None,
            split_date: false,
            filter: ctx.counter_filter.clone(),
        })
    }
}

/// A counter column: `\\host\Object(instance)\Counter`.
struct Column {
    host: Option<String>,
    key: String,
    keep: bool,
}

struct PdhParser {
    columns: Vec<Column>,
    offset: Option<Offset>,
    split_date: bool,
    filter: Option<crate::format::CounterFilter>,
}

fn column(path: &str) -> Column {
    let p = path.trim();
    if let Some(rest) = p.strip_prefix("\\\\") {
        let (host, counter) = rest.split_once('\\').unwrap_or(("", rest));
        let host =
            (!host.is_empty() && !host.eq_ignore_ascii_case("local")).then(|| host.to_string());
        Column {
            host,
            key: counter.to_string(),
            keep: true,
        }
    } else {
        Column {
            host: None,
            key: p.trim_start_matches('\\').to_string(),
            keep: true,
        }
    }
}

impl PdhParser {
    fn header(&mut self, line: Line<'_>, cells: Vec<String>, out: &mut Output) {
        let first = &cells[0];
        if let Some(c) = ZONE_CELL.captures(first) {
            if let Some(bias) = c.get(2).and_then(|b| b.as_str().parse::<i32>().ok()) {
                match Offset::from_seconds(-bias * 60) {
                    Ok(o) => self.offset = Some(o),
                    Err(_) => out.problem(line.no, format!("impossible zone bias {bias}")),
                }
            }
        }
        self.split_date = cells.get(1).is_some_and(|c| c.trim() == "Time");
        let skip = if self.split_date { 2 } else { 1 };
        self.columns = cells.iter().skip(skip).map(|c| column(c)).collect();
        for (i, c) in self.columns.iter_mut().enumerate() {
            c.keep = match &self.filter {
                Some(keep) => keep(&c.key),
                None => i < MAX_FIELDS,
            };
        }
        let hosts: Vec<&String> = self
            .columns
            .iter()
            .filter_map(|c| c.host.as_ref())
            .collect();
        if let Some(h) = hosts.first() {
            if hosts.iter().all(|x| x == h) {
                out.fact(Fact::FileHost {
                    host: h.to_string(),
                });
            }
        }
        out.understood();
    }

    fn row(&mut self, line: Line<'_>, cells: Vec<String>, out: &mut Output) {
        let (stamp, values) = if self.split_date {
            (
                format!("{} {}", cells[0], cells.get(1).map_or("", |s| s.as_str())),
                &cells[2.min(cells.len())..],
            )
        } else {
            (cells[0].clone(), &cells[1..])
        };
        let Some(dt) = parse_us_datetime(&stamp) else {
            out.problem(line.no, format!("sample time `{stamp}` not understood"));
            return;
        };
        let time = match self.offset {
            Some(o) => RawTime::WithOffset(dt, o, DateSource::Line),
            None => RawTime::Local(dt, DateSource::Line),
        };
        let mut ev = RawEvent::new(line.no, line.text, Kind::MetricSample, String::new()).at(time);
        let mut shown = Vec::new();
        for (col, v) in self.columns.iter().zip(values) {
            let v = v.trim();
            if v.is_empty() || !col.keep {
                continue;
            }
            if shown.len() < 3 {
                shown.push(format!("{}={v}", col.key));
            }
            ev = ev.with_field(col.key.clone(), v);
        }
        ev.summary = format!("sample: {}", shown.join(", "));
        if self.columns.len() > MAX_FIELDS {
            ev = ev.with_field("columns_total", self.columns.len().to_string());
        }
        if let Some(h) = self.columns.iter().find_map(|c| c.host.clone()) {
            ev = ev.on_host(h);
        }
        ev.text.truncate(
            ev.text
                .char_indices()
                .nth(2000)
                .map_or(ev.text.len(), |(i, _)| i),
        );
        out.emit(ev);
        out.understood();
    }
}

/// `MM/DD/YYYY HH:MM:SS[.fff]`.
fn parse_us_datetime(s: &str) -> Option<uctriage_core::jiff::civil::DateTime> {
    let (d, t) = s.trim().split_once(' ')?;
    let mut parts = d.split('/');
    let m = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    let y = parts.next()?.parse().ok()?;
    Some(ymd(y, m, day)?.to_datetime(parse_hms(t.trim())?))
}

impl LineParser for PdhParser {
    fn line(&mut self, line: Line<'_>, out: &mut Output) {
        if line.text.trim().is_empty() {
            return;
        }
        let Some(cells) = cells(line.text) else {
            out.problem(line.no, "not a CSV record");
            return;
        };
        if self.columns.is_empty() && cells[0].contains("PDH-CSV") {
            self.header(line, cells, out);
        } else if self.columns.is_empty() {
            out.problem(line.no, "sample before the PDH-CSV header");
        } else {
            self.row(line, cells, out);
        }
    }
}

#[cfg(test)]
mod tests;
