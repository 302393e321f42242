//! The merged timeline as text and as NDJSON.

use crate::printable::printable;
use crate::text::{problem_style, severity_style, TextLayout};
use crate::time::{rfc3339_ms, TimeStyle};
use serde::Serialize;
use std::io::{self, Write};
use uctriage_core::{Clock, Entity, Event, Fields};

/// One event as written to NDJSON (a stable contract for scripts).
#[derive(Serialize)]
pub struct EventRecord<'a> {
    /// [`SCHEMA_VERSION`](crate::SCHEMA_VERSION).
    pub schema_version: &'static str,
    /// RFC 3339 UTC with milliseconds, or null.
    pub time: Option<String>,
    /// Canonical host.
    pub host: Option<&'a str>,
    /// Event kind.
    pub kind: &'a str,
    /// Severity name.
    pub severity: &'a str,
    /// One line for a human.
    pub summary: &'a str,
    /// Bundle-relative file.
    pub file: &'a str,
    /// 1-based line.
    pub line: u64,
    /// How the time was decided.
    pub clock: &'a Clock,
    /// Decoded fields.
    pub fields: &'a Fields,
    /// Entities.
    pub entities: &'a [Entity],
    /// Format that parsed it.
    pub format: &'a str,
    /// Raw text of the record.
    pub text: &'a uctriage_core::Text,
}

impl<'a> EventRecord<'a> {
    /// The record for an event.
    pub fn new(e: &'a Event) -> EventRecord<'a> {
        EventRecord {
            schema_version: crate::SCHEMA_VERSION,
            time: e.time.map(rfc3339_ms),
            host: e.host.as_deref(),
            kind: e.kind.as_str(),
            severity: e.severity.as_str(),
            summary: &e.summary,
            file: &e.evidence.file,
            line: e.evidence.line,
            clock: &e.clock,
            fields: &e.fields,
            entities: &e.entities,
            format: e.format,
            text: &e.evidence.text,
        }
    }
}

/// Write events as NDJSON, one per line.
pub fn timeline_ndjson<'a>(
    out: &mut dyn Write,
    events: impl IntoIterator<Item = &'a Event>,
) -> io::Result<()> {
    for e in events {
        serde_json::to_writer(&mut *out, &EventRecord::new(e))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// The column widths of a text timeline: its events' longest host (at most
/// 24 characters) and kind.
/// With no event, both are 1.
#[derive(Clone, Copy, Debug, Default)]
pub struct Widths {
    host: Option<usize>,
    kind: Option<usize>,
}

impl Widths {
    /// Widen the columns for an event on `host` of `kind`.
    pub fn add(&mut self, host: Option<&str>, kind: uctriage_core::Kind) {
        let host = host.unwrap_or("-").len().min(24);
        self.host = Some(self.host.map_or(host, |w| w.max(host)));
        let kind = kind.as_str().len();
        self.kind = Some(self.kind.map_or(kind, |w| w.max(kind)));
    }
}

/// The merged timeline as aligned text, written one event at a time (the
/// events of a bundle spilled to disk are merged back as they are written):
/// the header first, wrapped to the layout's width and saying which zone
/// the times are in, then [`TextTimeline::event`] for each (one line each,
/// for grep and sort, its kind and summary coloured by severity), then
/// [`TextTimeline::finish`] (a footnote on times whose zone is not known).
pub struct TextTimeline<'o> {
    out: &'o mut dyn Write,
    style: &'o TimeStyle,
    layout: &'o TextLayout,
    widths: Widths,
    unknown_zone: u64,
}

impl<'o> TextTimeline<'o> {
    /// Write the header; `widths` are those of every event to come.
    pub fn start(
        out: &'o mut dyn Write,
        style: &'o TimeStyle,
        layout: &'o TextLayout,
        header: &[String],
        widths: Widths,
    ) -> io::Result<TextTimeline<'o>> {
        for h in header {
            for line in layout.wrap(&printable(h), "# ", "#   ") {
                writeln!(out, "{line}")?;
            }
        }
        Ok(TextTimeline {
            out,
            style,
            layout,
            widths,
            unknown_zone: 0,
        })
    }

    /// Write one event.
    pub fn event(&mut self, e: &Event) -> io::Result<()> {
        let (host_w, kind_w) = (self.widths.host.unwrap_or(1), self.widths.kind.unwrap_or(1));
        let layout = self.layout;
        let when = match e.time {
            Some(ts) => self.style.show(ts),
            None => format!("{:<30}", "(no time)"),
        };
        let unknown = e.time.is_some() && e.clock.zone_source == uctriage_core::ZoneSource::Unknown;
        if unknown {
            self.unknown_zone += 1;
        }
        let sev = severity_style(e.severity);
        writeln!(
            self.out,
            "{when}{} {:<host_w$}  {}  {}  [{}:{}]",
            if unknown {
                layout.paint(problem_style(), "?")
            } else {
                " ".to_string()
            },
            printable(e.host.as_deref().unwrap_or("-")),
            layout.paint(sev, &format!("{:<kind_w$}", e.kind.as_str())),
            layout.paint(sev, &printable(&e.summary)),
            printable(&e.evidence.file),
            e.evidence.line,
        )
    }

    /// The footnote on times whose zone is unknown, if any.
    pub fn finish(self) -> io::Result<()> {
        if self.unknown_zone > 0 {
            writeln!(
                self.out,
                "# ? = {} times whose zone is unknown (read as UTC): pass --tz",
                self.unknown_zone
            )?;
        }
        Ok(())
    }
}
