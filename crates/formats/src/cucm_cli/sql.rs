//! `run sql <query>` result tables: a header of column names, a rule of `=`
//! groups giving the column widths, then padded rows (values may hold spaces;
//! `NULL` and empty cells occur). One `Config` event per row.

use super::{cap_chars, Capture, Section};
use crate::format::Output;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{Kind, RawEvent};

static FROM: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bfrom\s+([A-Za-z_][A-Za-z0-9_]*)").unwrap());

/// The SQL result section.
pub(crate) struct SqlSection {
    sql: String,
    table: Option<String>,
    header: Option<Vec<String>>,
    /// Column spans in characters: (start, end), end = None for the last.
    spans: Option<Vec<(usize, Option<usize>)>>,
    /// Width of the rule line in characters.
    rule_len: usize,
}

impl SqlSection {
    /// A section for the query in the echo.
    pub(crate) fn new(arg: &str) -> SqlSection {
        SqlSection {
            sql: cap_chars(arg.trim(), 300),
            table: FROM.captures(arg).map(|c| c[1].to_ascii_lowercase()),
            header: None,
            spans: None,
            rule_len: 0,
        }
    }
}

/// Spans of `=` groups in a rule line, or None when it is not a rule.
fn rule_spans(text: &str) -> Option<Vec<(usize, Option<usize>)>> {
    let chars: Vec<char> = text.trim_end().chars().collect();
    if chars.is_empty() || chars.iter().any(|c| *c != '=' && *c != ' ') || !chars.contains(&'=') {
        return None;
    }
    let mut starts = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        if *c == '=' && (i == 0 || chars[i - 1] == ' ') {
            starts.push(i);
        }
    }
    let n = starts.len();
    Some(
        (0..n)
            .map(|i| {
                (
                    starts[i],
                    if i + 1 < n { Some(starts[i + 1]) } else { None },
                )
            })
            .collect(),
    )
}

fn cut(chars: &[char], (start, end): (usize, Option<usize>)) -> String {
    let end = end.unwrap_or(chars.len()).min(chars.len());
    if start >= end {
        return String::new();
    }
    chars[start..end]
        .iter()
        .collect::<String>()
        .trim()
        .to_string()
}

/// Values of one row: by the rule's spans, or split on whitespace when a span
/// boundary falls inside a word and the word count matches the columns.
fn values(
    text: &str,
    spans: Option<&[(usize, Option<usize>)]>,
    ncols: usize,
) -> Option<Vec<String>> {
    let words: Vec<String> = text.split_whitespace().map(str::to_string).collect();
    let Some(spans) = spans else {
        return (words.len() == ncols).then_some(words);
    };
    let chars: Vec<char> = text.chars().collect();
    let misaligned = spans.iter().skip(1).any(|(s, _)| {
        *s < chars.len() && *s > 0 && !chars[*s - 1].is_whitespace() && !chars[*s].is_whitespace()
    });
    if misaligned && words.len() == ncols {
        return Some(words);
    }
    Some(spans.iter().map(|s| cut(&chars, *s)).collect())
}

impl Section for SqlSection {
    fn line(&mut self, no: u64, text: &str, _cap: &mut Capture, out: &mut Output) -> bool {
        let Some(header) = &self.header else {
            self.header = Some(
                text.split_whitespace()
                    .map(|w| w.to_ascii_lowercase())
                    .collect(),
            );
            return true;
        };
        if self.spans.is_none() {
            if let Some(spans) = rule_spans(text) {
                if spans.len() != header.len() {
                    out.problem(
                        no,
                        format!(
                            "sql rule has {} columns, header {}",
                            spans.len(),
                            header.len()
                        ),
                    );
                }
                self.spans = Some(spans);
                self.rule_len = text.trim_end().chars().count();
                return true;
            }
        }
        let Some(vals) = values(text, self.spans.as_deref(), header.len()) else {
            out.problem(no, "sql row does not fit the header's columns");
            return false;
        };
        if self.spans.is_some() && text.trim_end().chars().count() > self.rule_len {
            out.problem(
                no,
                "sql row wider than its `=` rule: the last column may hold more than one value",
            );
        }
        let mut ev =
            RawEvent::new(no, text.trim_end(), Kind::Config, "").with_field("sql", &self.sql);
        if let Some(t) = &self.table {
            ev = ev.with_field("table", t);
        }
        let mut shown = Vec::new();
        for (col, v) in header.iter().zip(vals) {
            let v = if v == "NULL" { String::new() } else { v };
            if shown.len() < 4 {
                shown.push(format!("{col}={v}"));
            }
            ev = ev.with_field(col.as_str(), v);
        }
        ev.summary = format!(
            "{} row: {}",
            self.table.as_deref().unwrap_or("sql"),
            shown.join(", ")
        )
        .into();
        out.emit(ev);
        true
    }
}
