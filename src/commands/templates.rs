//! `uctriage templates`: the bundle's messages grouped into templates.
//!
//! Streaming: nothing is kept as an event. As the loader parses each file,
//! a sink ([`FileSink`]) mines the records parsers understood by their
//! message: the header a format knows is left out (an SDL record's
//! sequence number, time and type: the parser hands over its message,
//! [`EventSink::ordinary`]; for other events it is guessed from the
//! summary, [`uctriage_templates::message_of`]) and, in a file most of whose lines no
//! format read (a plain text file of one message per line), its lines no
//! parser understood, raw. When the file ends, its miner is merged into the
//! shared one and only a summary stays: per signature, its raw times by
//! host (placed once the bundle's zones are decided, exactly as events are)
//! and, for `--assign`, each line's signature. The result does not depend
//! on the number of threads: counts add up, a signature's example is its
//! earliest message in input order, hosts and times are gathered in input
//! order after loading. (Past the cap of distinct signatures, which ones
//! filled it can depend on the order files finished.) Binary files are left
//! out, as everywhere (`files` lists them).

use super::{bundled_knowledge, load_bundle_with, time_style};
use crate::args::{ColorWhen, TemplatesArgs, TemplatesFormat};
use crate::output::Output;
use anyhow::Result;
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use uctriage_core::jiff::Timestamp;
use uctriage_core::RawEvent;
use uctriage_engine::{Bundle, EventSink, Retain, SinkFactory};
use uctriage_formats::{Dropped, FileContext, Ordinary, ParsedFile};
use uctriage_report::{printable, TimeStyle, SCHEMA_VERSION};
use uctriage_templates::{message_of, Config, Mined, Miner, Seen, Template};

/// Bytes of one message mined, at most (the rest of a longer one is left
/// out: its first part is enough to tell its template).
const MAX_LINE_BYTES: usize = 64 << 10;

/// What a file leaves once it is read and merged.
#[derive(Default)]
struct FileMined {
    /// Per signature the file had: its index in the shared miner, and the
    /// raw times of its records by host and kind of time (None: lines no
    /// format read, with no time, about the file's host).
    seen: Vec<(u32, Option<Box<Dropped>>)>,
    /// With `--assign`: (line, index into `seen`), by line.
    lines: Vec<(u64, u32)>,
}

/// What every file's sink feeds.
struct Shared {
    cfg: Config,
    assign: bool,
    miner: Mutex<Miner>,
    files: Mutex<HashMap<String, Vec<FileMined>>>,
    /// Messages mined by their first [`MAX_LINE_BYTES`] only.
    cut: AtomicU64,
}

/// Mines one file as it is parsed.
struct FileSink {
    shared: Arc<Shared>,
    path: String,
    order: u64,
    /// Its records, by message; per signature, their raw times.
    events: Miner,
    times: Vec<Dropped>,
    /// Its lines no parser understood.
    raw: Miner,
    /// With `--assign`: (line, signature, of `raw`).
    lines: Vec<(u64, u32, bool)>,
    cut: u64,
}

/// A message's first [`MAX_LINE_BYTES`] at most (cut on a character
/// boundary), and whether it was cut.
fn capped(msg: &str) -> (&str, bool) {
    if msg.len() <= MAX_LINE_BYTES {
        return (msg, false);
    }
    let mut end = MAX_LINE_BYTES;
    while !msg.is_char_boundary(end) {
        end -= 1;
    }
    (&msg[..end], true)
}

impl FileSink {
    /// Mine one record's message, seen at `line`; `times` records its time.
    fn mine(&mut self, line: u64, msg: &str, times: impl FnOnce(&mut Dropped)) {
        let (msg, cut) = capped(msg);
        self.cut += cut as u64;
        let seen = Seen {
            rank: (self.order, line),
            ..Seen::default()
        };
        let id = self.events.add(msg.as_bytes(), seen);
        if id as usize == self.times.len() {
            self.times.push(Dropped::default());
        }
        times(&mut self.times[id as usize]);
        if self.shared.assign {
            self.lines.push((line, id, false));
        }
    }
}

impl EventSink for FileSink {
    fn event(&mut self, ev: &RawEvent) {
        let text = ev.text.get();
        self.mine(ev.line, message_of(&text, &ev.summary), |d| d.add(ev));
    }

    /// A record whose parser knows its header (SDL): its message only, no
    /// event built and no guess from the summary.
    fn ordinary(&mut self, rec: &Ordinary<'_>) {
        self.mine(rec.line, rec.message, |d| {
            d.add_record(rec.time, None, rec.line)
        });
    }

    fn unread_line(&mut self, no: u64, text: &str) {
        let (msg, cut) = capped(text);
        self.cut += cut as u64;
        let seen = Seen {
            rank: (self.order, no),
            ..Seen::default()
        };
        let id = self.raw.add(msg.as_bytes(), seen);
        if self.shared.assign {
            self.lines.push((no, id, true));
        }
    }

    fn finish(self: Box<Self>, file: &ParsedFile) {
        let this = *self;
        // Lines no parser understood count when most of the file is such.
        let raw_too = file.understood * 2 < file.lines;
        let (events_map, raw_map) = {
            let mut shared = this.shared.miner.lock().unwrap_or_else(|e| e.into_inner());
            let e = shared.merge(this.events);
            let r = if raw_too {
                shared.merge(this.raw)
            } else {
                Vec::new()
            };
            (e, r)
        };
        let n_events = events_map.len() as u32;
        let mut seen: Vec<(u32, Option<Box<Dropped>>)> = events_map
            .into_iter()
            .zip(this.times)
            .map(|(g, mut d)| {
                d.dates = Vec::new();
                d.groups.shrink_to_fit();
                (g, Some(Box::new(d)))
            })
            .collect();
        seen.extend(raw_map.into_iter().map(|g| (g, None)));
        let mut lines: Vec<(u64, u32)> = this
            .lines
            .into_iter()
            .filter(|&(_, _, raw)| raw_too || !raw)
            .map(|(no, id, raw)| (no, if raw { n_events + id } else { id }))
            .collect();
        lines.sort_by_key(|&(no, _)| no);
        lines.shrink_to_fit();
        this.shared.cut.fetch_add(this.cut, Ordering::Relaxed);
        super::push_file_result(&this.shared.files, this.path, FileMined { seen, lines });
    }
}

pub fn run(a: TemplatesArgs, color: ColorWhen) -> Result<i32> {
    let mut out = Output::open(&a.out, color)?;
    let cfg = Config {
        max_templates: a.max_templates.max(1),
        ..Config::default()
    };
    let shared = Arc::new(Shared {
        cfg,
        assign: a.assign,
        miner: Mutex::new(Miner::new(cfg)),
        files: Mutex::new(HashMap::new()),
        cut: AtomicU64::new(0),
    });
    let for_sink = shared.clone();
    let sink: SinkFactory = Arc::new(move |ctx: &FileContext| {
        let cfg = for_sink.cfg;
        Box::new(FileSink {
            shared: for_sink.clone(),
            path: ctx.path.clone(),
            order: ctx.order,
            events: Miner::new(cfg),
            times: Vec::new(),
            raw: Miner::new(cfg),
            lines: Vec::new(),
            cut: 0,
        }) as Box<dyn EventSink>
    });
    let bundle = load_bundle_with(
        &a.input,
        bundled_knowledge()?,
        true,
        Retain::CountOnly,
        Some(sink),
    )?;
    let style = time_style(&bundle, &a.zone)?;
    let mut notes: Vec<String> = bundle.notes.clone();
    // Every sink is done (and dropped its handle): the loader has returned.
    let Ok(shared) = Arc::try_unwrap(shared) else {
        anyhow::bail!("internal error: a file's template sink outlived the loading");
    };
    let mut miner = shared.miner.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut per_file = shared.files.into_inner().unwrap_or_else(|e| e.into_inner());
    // Files in input order, each once.
    let files: Vec<MinedFile<'_>> = bundle
        .files
        .iter()
        .filter_map(|f| {
            Some((
                f.path.as_str(),
                f.host.as_deref(),
                per_file.remove(&f.path)?,
            ))
        })
        .collect();
    for (_, host, mined) in &files {
        for fm in mined {
            place(&bundle, &mut miner, *host, fm);
        }
    }
    let cut = shared.cut.into_inner();
    if cut > 0 {
        notes.push(format!(
            "{cut} lines longer than {} KiB were mined by their first {} KiB",
            MAX_LINE_BYTES >> 10,
            MAX_LINE_BYTES >> 10
        ));
    }
    let mined = miner.finish();
    notes.extend(mined.notes.iter().cloned());
    let messages: u64 = mined.templates.iter().map(|t| t.count).sum();
    let code = if messages == 0 {
        super::NOTHING_FOUND
    } else {
        super::FOUND
    };
    match (a.format, a.assign) {
        (TemplatesFormat::Json, true) => assign_ndjson(&mut out, &files, &mined)?,
        (TemplatesFormat::Text, true) => assign_text(&mut out, &files, &mined)?,
        (TemplatesFormat::Json, false) => templates_json(&mut out, &mined, &notes)?,
        (TemplatesFormat::Text, false) => {
            templates_text(&mut out, &style, &mined, &notes, messages, a.top)?
        }
    }
    out.finish()?;
    if messages == 0 {
        eprintln!("uctriage: no message to mine in the input");
    }
    Ok(super::done(bundle, code))
}

/// Place a file's raw times now that the bundle's zones are decided, and
/// give them (and the hosts they are about) to their signatures.
fn place(bundle: &Bundle, miner: &mut Miner, file_host: Option<&str>, fm: &FileMined) {
    let ms = |t: Option<Timestamp>| t.map(|t| t.as_millisecond());
    for (id, times) in &fm.seen {
        match times {
            Some(d) => {
                for g in &d.groups {
                    let (host, first) = bundle.place(file_host, g.host.as_deref(), &g.min.0);
                    let last = if g.max == g.min {
                        first
                    } else {
                        bundle.place(file_host, g.host.as_deref(), &g.max.0).1
                    };
                    miner.see(*id, ms(first), ms(last), host.as_deref());
                }
            }
            None => miner.see(*id, None, None, file_host),
        }
    }
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

/// A file that was mined: its path, its host, what it left.
type MinedFile<'a> = (&'a str, Option<&'a str>, Vec<FileMined>);

/// Each mined line of each file, in input order, with its template.
fn each_assigned(
    files: &[MinedFile<'_>],
    mined: &Mined,
    mut each: impl FnMut(&str, u64, &Template) -> Result<()>,
) -> Result<()> {
    for (path, _, fms) in files {
        for fm in fms {
            for &(line, i) in &fm.lines {
                let sig = fm.seen[i as usize].0;
                let t = &mined.templates[mined.of_signature[sig as usize] as usize];
                each(path, line, t)?;
            }
        }
    }
    Ok(())
}

fn assign_ndjson(out: &mut Output, files: &[MinedFile<'_>], mined: &Mined) -> Result<()> {
    each_assigned(files, mined, |file, line, t| {
        serde_json::to_writer(
            &mut *out,
            &Assignment {
                schema_version: SCHEMA_VERSION,
                file,
                line,
                template_id: &t.id,
                template: &t.template,
            },
        )?;
        writeln!(out)?;
        Ok(())
    })
}

fn assign_text(out: &mut Output, files: &[MinedFile<'_>], mined: &Mined) -> Result<()> {
    each_assigned(files, mined, |file, line, t| {
        writeln!(
            out,
            "{}:{}  {}  {}",
            printable(file),
            line,
            t.id,
            printable(&t.template)
        )?;
        Ok(())
    })
}

fn templates_text(
    out: &mut Output,
    style: &TimeStyle,
    mined: &Mined,
    notes: &[String],
    lines: u64,
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
    fn long_messages_are_cut_on_a_character_boundary() {
        let short = "disk full";
        assert_eq!(capped(short), (short, false));
        let long = format!("{}é tail", "x".repeat(MAX_LINE_BYTES - 1));
        let (got, cut) = capped(&long);
        assert!(cut);
        assert_eq!(got.len(), MAX_LINE_BYTES - 1);
    }
}
