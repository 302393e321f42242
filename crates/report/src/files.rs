//! What was found, per file.

use crate::printable::printable;
use crate::text::{problem_style, TextLayout};
use crate::time::{rfc3339_ms, TimeStyle};
use serde::Serialize;
use std::io::{self, Write};
use uctriage_core::Problem;
use uctriage_normalize::FileInfo;

/// One file as written to JSON (a stable contract for scripts).
#[derive(Serialize)]
pub struct FileRecord<'a> {
    /// Bundle-relative path.
    pub path: &'a str,
    /// Format name.
    pub format: &'a str,
    /// Canonical host.
    pub host: Option<&'a str>,
    /// How the host was decided.
    pub host_source: &'a str,
    /// Lines read.
    pub lines: u64,
    /// Lines understood.
    pub understood: u64,
    /// Bytes read (decompressed).
    pub bytes: u64,
    /// Events found.
    pub events: usize,
    /// First event (RFC 3339 UTC).
    pub first: Option<String>,
    /// Last event (RFC 3339 UTC).
    pub last: Option<String>,
    /// Problems, located.
    pub problems: &'a [Problem],
    /// Problems beyond the per-file cap.
    pub problems_not_listed: u64,
}

impl<'a> FileRecord<'a> {
    /// The record for a file.
    pub fn new(f: &'a FileInfo) -> FileRecord<'a> {
        FileRecord {
            path: &f.path,
            format: f.format,
            host: f.host.as_deref(),
            host_source: f.host_source,
            lines: f.lines,
            understood: f.understood,
            bytes: f.bytes,
            events: f.events,
            first: f.first.map(rfc3339_ms),
            last: f.last.map(rfc3339_ms),
            problems: &f.problems,
            problems_not_listed: f.problems_dropped,
        }
    }
}

#[derive(Serialize)]
struct FilesDoc<'a> {
    schema_version: &'static str,
    files: Vec<FileRecord<'a>>,
    notes: &'a [String],
}

/// Write `{"schema_version": "1.0", "files": [...], "notes": [...]}`.
pub fn files_json(out: &mut dyn Write, files: &[FileInfo], notes: &[String]) -> io::Result<()> {
    let doc = FilesDoc {
        schema_version: crate::SCHEMA_VERSION,
        files: files.iter().map(FileRecord::new).collect(),
        notes,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}

/// Write a table of files, each followed by its first problems (one line
/// each, marked in colour when the layout says so); notes wrap to its width.
pub fn files_text(
    out: &mut dyn Write,
    style: &TimeStyle,
    layout: &TextLayout,
    files: &[FileInfo],
    notes: &[String],
) -> io::Result<()> {
    let path_w = files
        .iter()
        .map(|f| printable(&f.path).chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 60);
    writeln!(
        out,
        "{:<path_w$}  {:<17} {:<14} {:>8} {:>7}  time range ({})",
        "file", "format", "host", "lines", "underst", style.name
    )?;
    for f in files {
        let pct = if f.lines == 0 {
            100.0
        } else {
            100.0 * f.understood as f64 / f.lines as f64
        };
        let range = match (f.first, f.last) {
            (Some(a), Some(b)) => format!("{} .. {}", style.show(a), style.show(b)),
            _ => "-".into(),
        };
        writeln!(
            out,
            "{:<path_w$}  {:<17} {:<14} {:>8} {:>6.1}%  {range}",
            printable(&f.path),
            f.format,
            printable(f.host.as_deref().unwrap_or("-")),
            f.lines,
            pct
        )?;
        // A problem is a record, like a timeline row: one line each, for grep.
        let bang = layout.paint(problem_style(), "!");
        for p in f.problems.iter().take(5) {
            match p.line {
                Some(l) => writeln!(out, "    {bang} line {l}: {}", printable(&p.message))?,
                None => writeln!(out, "    {bang} {}", printable(&p.message))?,
            }
        }
        let more = f.problems.len().saturating_sub(5) as u64 + f.problems_dropped;
        if more > 0 {
            writeln!(
                out,
                "    ! ... and {more} more problems (see --format json)"
            )?;
        }
    }
    for n in notes {
        for line in layout.wrap(&printable(n), "note: ", "      ") {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}
