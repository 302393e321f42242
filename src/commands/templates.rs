//! `uctriage templates`: the bundle's messages grouped into templates.
//!
//! The records parsers understood are mined by their message (the header a
//! format knows is left out: [`uctriage_templates::message_of`]), with their
//! instant and host; the files no format reads (a plain text file of one
//! message per line) are read again and mined line by line, without time or
//! host (and so are the lines of a file most of which no format read that
//! are no record's first line). Binary files are left out, as everywhere
//! (`files` lists them).

use super::{bundled_knowledge, load_bundle, time_style};
use crate::args::{ColorWhen, TemplatesArgs, TemplatesFormat};
use crate::output::Output;
use anyhow::Result;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, Write};
use std::sync::Arc;
use uctriage_core::jiff::Timestamp;
use uctriage_engine::{Bundle, Retain};
use uctriage_report::{printable, TimeStyle, SCHEMA_VERSION};
use uctriage_templates::{mine_par, Config, Mined, Seen};

/// Bytes of one raw line mined, at most (the rest of a longer line is
/// skipped: its first part is enough to tell its template).
const MAX_LINE_BYTES: usize = 64 << 10;

/// Lines mined per chunk (one miner per chunk, merged in order).
const CHUNK: usize = 1 << 14;

/// One message to mine.
struct Item {
    file: Arc<str>,
    line: u64,
    msg: Vec<u8>,
    time: Option<i64>,
    host: Option<Arc<str>>,
}

pub fn run(a: TemplatesArgs, color: ColorWhen) -> Result<i32> {
    let mut out = Output::open(&a.out, color)?;
    let bundle = load_bundle(&a.input, bundled_knowledge()?, true, Retain::All)?;
    let style = time_style(&bundle, &a.zone)?;
    let mut notes: Vec<String> = bundle.notes.clone();
    let mut items = from_events(&bundle);
    items.extend(from_unread_files(&a, &bundle, &mut notes));
    // Input order: files as read, lines ascending.
    let order: HashMap<&str, usize> = bundle
        .files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.path.as_str(), i))
        .collect();
    items.sort_by_key(|it| (order.get(&*it.file).copied().unwrap_or(usize::MAX), it.line));
    let cfg = Config {
        max_templates: a.max_templates.max(1),
        ..Config::default()
    };
    let (mined, of_item) = mine_par(cfg, &items, CHUNK, |it| {
        (
            it.msg.as_slice(),
            Seen {
                time: it.time,
                host: it.host.as_deref(),
            },
        )
    });
    notes.extend(mined.notes.iter().cloned());
    let code = if items.is_empty() {
        super::NOTHING_FOUND
    } else {
        super::FOUND
    };
    match (a.format, a.assign) {
        (TemplatesFormat::Json, true) => assign_ndjson(&mut out, &items, &of_item, &mined)?,
        (TemplatesFormat::Text, true) => assign_text(&mut out, &items, &of_item, &mined)?,
        (TemplatesFormat::Json, false) => templates_json(&mut out, &mined, &notes)?,
        (TemplatesFormat::Text, false) => {
            templates_text(&mut out, &style, &mined, &notes, items.len(), a.top)?
        }
    }
    out.finish()?;
    if items.is_empty() {
        eprintln!("uctriage: no message to mine in the input");
    }
    Ok(super::done(bundle, code))
}

/// The parsed records, by their message.
fn from_events(bundle: &Bundle) -> Vec<Item> {
    bundle
        .events
        .par_iter()
        .map(|e| Item {
            file: e.evidence.file.clone(),
            line: e.evidence.line,
            msg: uctriage_templates::message_of(&e.evidence.text.get(), &e.summary)
                .as_bytes()
                .to_vec(),
            time: e.time.map(|t| t.as_millisecond()),
            host: e.host.as_deref().map(Arc::from),
        })
        .collect()
}

/// The lines of the files no format read: read again, one message a line.
fn from_unread_files(a: &TemplatesArgs, bundle: &Bundle, notes: &mut Vec<String>) -> Vec<Item> {
    // Files most of whose lines no format read; their lines that are no
    // record's first line are mined raw.
    let unread: HashMap<&str, Option<&str>> = bundle
        .files
        .iter()
        .filter(|f| f.understood * 2 < f.lines && f.format != "binary")
        .map(|f| (f.path.as_str(), f.host.as_deref()))
        .collect();
    if unread.is_empty() {
        return Vec::new();
    }
    let mut parsed: HashMap<&str, HashSet<u64>> = HashMap::new();
    for e in &bundle.events {
        if unread.contains_key(&*e.evidence.file) {
            parsed
                .entry(&*e.evidence.file)
                .or_default()
                .insert(e.evidence.line);
        }
    }
    if a.input.paths.iter().any(|p| p.as_os_str() == "-") {
        notes.push("standard input is read once: its lines no format reads are not mined (give a file instead)".into());
    }
    let paths: Vec<_> = a
        .input
        .paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .cloned()
        .collect();
    let walk = uctriage_engine::WalkOptions {
        follow_outside: a.input.follow_outside,
    };
    let (units, _) = uctriage_sources::plan_with(&paths, &walk);
    let limits = uctriage_sources::Limits::default();
    let long = std::sync::atomic::AtomicU64::new(0);
    let items: Vec<Item> = units
        .par_iter()
        .flat_map_iter(|unit| {
            let mut got = Vec::new();
            let mut visit = |path: &str, reader: &mut dyn BufRead| {
                if let Some(host) = unread.get(path) {
                    let file: Arc<str> = Arc::from(path);
                    let host = host.map(Arc::from);
                    let skip = parsed.get(path);
                    let cut = read_lines(reader, |no, line| {
                        if !line.iter().all(u8::is_ascii_whitespace)
                            && !skip.is_some_and(|s| s.contains(&no))
                        {
                            got.push(Item {
                                file: file.clone(),
                                line: no,
                                msg: line.to_vec(),
                                time: None,
                                host: host.clone(),
                            });
                        }
                    });
                    long.fetch_add(cut, std::sync::atomic::Ordering::Relaxed);
                }
            };
            // Problems were reported by the first reading (`files`).
            let _ = uctriage_sources::read_unit(unit, &limits, &mut visit);
            got
        })
        .collect();
    let long = long.into_inner();
    if long > 0 {
        notes.push(format!(
            "{long} lines longer than {} KiB were mined by their first {} KiB",
            MAX_LINE_BYTES >> 10,
            MAX_LINE_BYTES >> 10
        ));
    }
    items
}

/// Call `each(line number from 1, line without its end)` for every line,
/// at most [`MAX_LINE_BYTES`] of each (the rest is skipped, never held).
/// Returns how many lines were cut. A read error ends the file quietly: the
/// first reading reported it.
fn read_lines(reader: &mut dyn BufRead, mut each: impl FnMut(u64, &[u8])) -> u64 {
    let (mut no, mut cut, mut buf, mut skipping) = (0u64, 0u64, Vec::new(), false);
    while let Ok(chunk) = reader.fill_buf() {
        if chunk.is_empty() {
            break;
        }
        let (used, end) = match memchr_nl(chunk) {
            Some(i) => (i + 1, true),
            None => (chunk.len(), false),
        };
        if !skipping {
            let room = MAX_LINE_BYTES - buf.len();
            let body = if end { &chunk[..used - 1] } else { chunk };
            buf.extend_from_slice(&body[..body.len().min(room)]);
            if body.len() > room {
                skipping = true;
                cut += 1;
            }
        }
        reader.consume(used);
        if end {
            no += 1;
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            each(no, &buf);
            buf.clear();
            skipping = false;
        }
    }
    if !buf.is_empty() || skipping {
        each(no + 1, &buf);
    }
    cut
}

fn memchr_nl(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

#[derive(Serialize)]
struct TemplateRecord<'a> {
    id: &'a str,
    template: &'a str,
    count: u64,
    first: Option<String>,
    last: Option<String>,
    hosts: &'a [String],
    example: &'a str,
}

#[derive(Serialize)]
struct TemplatesDoc<'a> {
    schema_version: &'static str,
    templates: Vec<TemplateRecord<'a>>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct Assignment<'a> {
    schema_version: &'static str,
    file: &'a str,
    line: u64,
    template_id: &'a str,
    template: &'a str,
}

fn instant(ms: Option<i64>) -> Option<String> {
    ms.and_then(|m| Timestamp::from_millisecond(m).ok())
        .map(uctriage_report::rfc3339_ms)
}

fn templates_json(out: &mut Output, mined: &Mined, notes: &[String]) -> Result<()> {
    let doc = TemplatesDoc {
        schema_version: SCHEMA_VERSION,
        templates: mined
            .templates
            .iter()
            .map(|t| TemplateRecord {
                id: &t.id,
                template: &t.template,
                count: t.count,
                first: instant(t.first),
                last: instant(t.last),
                hosts: &t.hosts,
                example: &t.example,
            })
            .collect(),
        notes,
    };
    serde_json::to_writer(&mut *out, &doc)?;
    writeln!(out)?;
    Ok(())
}

fn assign_ndjson(out: &mut Output, items: &[Item], of: &[u32], mined: &Mined) -> Result<()> {
    for (it, &t) in items.iter().zip(of) {
        let t = &mined.templates[t as usize];
        serde_json::to_writer(
            &mut *out,
            &Assignment {
                schema_version: SCHEMA_VERSION,
                file: &it.file,
                line: it.line,
                template_id: &t.id,
                template: &t.template,
            },
        )?;
        writeln!(out)?;
    }
    Ok(())
}

fn assign_text(out: &mut Output, items: &[Item], of: &[u32], mined: &Mined) -> Result<()> {
    for (it, &t) in items.iter().zip(of) {
        let t = &mined.templates[t as usize];
        writeln!(
            out,
            "{}:{}  {}  {}",
            printable(&it.file),
            it.line,
            t.id,
            printable(&t.template)
        )?;
    }
    Ok(())
}

fn templates_text(
    out: &mut Output,
    style: &TimeStyle,
    mined: &Mined,
    notes: &[String],
    lines: usize,
    top: usize,
) -> Result<()> {
    writeln!(
        out,
        "{} templates from {} messages (times in {}; Drain-like mining, variables as <*>)",
        mined.templates.len(),
        lines,
        style.name
    )?;
    let show = |ms: Option<i64>| {
        ms.and_then(|m| Timestamp::from_millisecond(m).ok())
            .map_or_else(|| "-".to_string(), |t| style.show(t))
    };
    let shown = if top == 0 {
        mined.templates.len()
    } else {
        top.min(mined.templates.len())
    };
    for t in &mined.templates[..shown] {
        writeln!(out)?;
        writeln!(out, "{:>9}  {}  {}", t.count, t.id, printable(&t.template))?;
        writeln!(
            out,
            "           first {}  last {}",
            show(t.first),
            show(t.last)
        )?;
        if !t.hosts.is_empty() {
            let more = if t.hosts_more { ", ..." } else { "" };
            writeln!(
                out,
                "           hosts {}{more}",
                printable(&t.hosts.join(", "))
            )?;
        }
        writeln!(out, "           e.g. {}", printable(&t.example))?;
    }
    if shown < mined.templates.len() {
        writeln!(
            out,
            "\n... {} more templates (--top 0 for all, --format json)",
            mined.templates.len() - shown
        )?;
    }
    for n in notes {
        writeln!(out, "note: {}", printable(n))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_numbered_from_one_and_long_ones_cut() {
        let mut text = b"a\r\nb\n".to_vec();
        text.extend(vec![b'x'; MAX_LINE_BYTES + 10]);
        text.extend(b"\nlast");
        let mut got = Vec::new();
        let cut = read_lines(&mut &text[..], |no, l| got.push((no, l.len())));
        assert_eq!(
            got,
            [(1, 1), (2, 1), (3, MAX_LINE_BYTES), (4, 4)],
            "{got:?}"
        );
        assert_eq!(cut, 1);
    }
}
