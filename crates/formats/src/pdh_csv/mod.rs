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

use crate::csvline::{Row, Splitter};
use crate::format::{FileContext, Format, Head, Line, LineParser, Output};
use crate::timeparse::{parse_hms, ymd};
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::jiff::civil::{Date, DateTime};
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
            host: None,
            splitter: Splitter::default(),
            times: SampleTimes::default(),
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
    /// The first host a column names: the host of every sample.
    host: Option<uctriage_core::SharedStr>,
    splitter: Splitter,
    times: SampleTimes,
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
    fn header(&mut self, line: Line<'_>, cells: Row<'_>, out: &mut Output) {
        let first = cells.get(0).unwrap_or_default();
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
        self.columns = cells.iter_from(skip).map(column).collect();
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
        self.host = hosts.first().map(|h| h.as_str().into());
        out.understood();
    }

    fn record(&mut self, line: Line<'_>, cells: Row<'_>, out: &mut Output) {
        if !self.columns.is_empty() {
            self.row(line, cells, out);
        } else if cells.get(0).unwrap_or_default().contains("PDH-CSV") {
            self.header(line, cells, out);
        } else {
            out.problem(line.no, "sample before the PDH-CSV header");
        }
    }

    fn row(&mut self, line: Line<'_>, cells: Row<'_>, out: &mut Output) {
        let joined;
        let stamp = if self.split_date {
            let (d, t) = (cells.get(0), cells.get(1));
            joined = format!("{} {}", d.unwrap_or_default(), t.unwrap_or_default());
            &joined
        } else {
            cells.get(0).unwrap_or_default()
        };
        let Some(dt) = self.times.parse(stamp) else {
            out.problem(line.no, format!("sample time `{stamp}` not understood"));
            return;
        };
        let time = match self.offset {
            Some(o) => RawTime::WithOffset(dt, o, DateSource::Line),
            None => RawTime::Local(dt, DateSource::Line),
        };
        let text = first_chars(line.text, MAX_TEXT_CHARS);
        let mut ev = RawEvent::new(line.no, text, Kind::MetricSample, String::new()).at(time);
        let values = cells.iter_from(if self.split_date { 2 } else { 1 });
        self.fill(&mut ev, values);
        ev.host.clone_from(&self.host);
        out.emit(ev);
        out.understood();
    }

    /// The kept, non-blank counter values of a sample as its fields, and its
    /// summary naming the first three.
    fn fill<'a>(&self, ev: &mut RawEvent, values: impl Iterator<Item = &'a str>) {
        let mut shown = [("", ""); 3];
        let mut n_shown = 0;
        for (col, v) in self.columns.iter().zip(values) {
            if !col.keep {
                continue; // before the trim: most columns of a wide file
            }
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            if n_shown < shown.len() {
                shown[n_shown] = (col.key.as_str(), v);
                n_shown += 1;
            }
            ev.fields.insert(col.key.clone(), v);
        }
        ev.summary = summary(&shown[..n_shown]).into();
        if self.columns.len() > MAX_FIELDS {
            ev.fields
                .insert("columns_total", self.columns.len().to_string());
        }
    }
}

/// The raw text kept per sample, in characters.
const MAX_TEXT_CHARS: usize = 2000;

/// The first `n` characters of `s`.
fn first_chars(s: &str, n: usize) -> &str {
    if s.len() <= n {
        return s; // no more bytes than `n`: no more characters either
    }
    s.char_indices().nth(n).map_or(s, |(i, _)| &s[..i])
}

/// `sample: key=value, ...` for the first counters of a sample.
fn summary(shown: &[(&str, &str)]) -> String {
    let len = shown
        .iter()
        .map(|(k, v)| k.len() + v.len() + 3)
        .sum::<usize>();
    let mut s = String::with_capacity("sample: ".len() + len);
    s.push_str("sample: ");
    for (i, (key, value)) in shown.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(key);
        s.push('=');
        s.push_str(value);
    }
    s
}

/// Reads `MM/DD/YYYY HH:MM:SS[.fff]` sample times, remembering the last
/// date text and what it gave (a PerfMon file has a date or two in thousands
/// of rows).
#[derive(Debug, Default)]
struct SampleTimes {
    date_text: String,
    date: Option<Date>,
}

impl SampleTimes {
    /// The time of a sample, if `s` is one.
    fn parse(&mut self, s: &str) -> Option<DateTime> {
        let (d, t) = s.trim().split_once(' ')?;
        if d != self.date_text {
            self.date_text.clear();
            self.date_text.push_str(d);
            self.date = us_date(d);
        }
        Some(self.date?.to_datetime(parse_hms(t.trim())?))
    }
}

/// `MM/DD/YYYY`.
fn us_date(d: &str) -> Option<Date> {
    let mut parts = d.split('/');
    let m = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    let y = parts.next()?.parse().ok()?;
    ymd(y, m, day)
}

impl LineParser for PdhParser {
    fn line(&mut self, line: Line<'_>, out: &mut Output) {
        if line.text.trim().is_empty() {
            return;
        }
        let mut splitter = std::mem::take(&mut self.splitter);
        match splitter.split(line.text) {
            None => out.problem(line.no, "not a CSV record"),
            Some(cells) => self.record(line, cells, out),
        }
        self.splitter = splitter;
    }
}

#[cfg(test)]
mod tests;
