//! The driver: bytes in, lines to a parser, a [`ParsedFile`] out.

use crate::detect::detect;
use crate::dropped::Dropped;
use crate::format::{FileContext, Format, Head, Line, Output};
use crate::sink::EventSink;
use crate::utf16;
use std::borrow::Cow;
use std::io::{BufRead, Read};
use uctriage_core::{Fact, Problem, RawEvent, RawTime};

/// Lines longer than this are cut here (the rest is skipped and reported).
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// How much of a file is read ahead for format detection.
const HEAD_BYTES: usize = 64 * 1024;
/// The most handed to the parser at once: a block of whole lines is never
/// longer than this plus the detection head (the reader's buffer may hold
/// more, a whole inflated file even).
const READ_BYTES: usize = 256 * 1024;
// `LineParser::skim` relies on it: no line in a block is over the cap.
const _: () = assert!(READ_BYTES + HEAD_BYTES <= MAX_LINE_BYTES);
/// How many not-understood lines are quoted as problems per file.
const QUOTED_UNPARSED: usize = 5;

/// Everything one file yielded.
#[derive(Debug, Default)]
pub struct ParsedFile {
    /// Bundle-relative path.
    pub path: String,
    /// Name of the format used (`binary`/`empty`/`unknown` when none applied).
    pub format: &'static str,
    /// Lines read.
    pub lines: u64,
    /// Lines understood (blank lines count as understood).
    pub understood: u64,
    /// Bytes read (after decompression).
    pub bytes: u64,
    /// Events found and kept ([`FileContext::keep`]).
    pub events: Vec<RawEvent>,
    /// Events found and not kept, counted and summarised.
    pub dropped: Dropped,
    /// Facts found.
    pub facts: Vec<Fact>,
    /// Problems, located.
    pub problems: Vec<Problem>,
    /// Problems beyond the per-file cap, counted only.
    pub problems_dropped: u64,
    /// The first and last times the file's records carry, when the format
    /// reports them (see [`Output::time_span`](crate::Output::time_span)).
    pub span: Option<(RawTime, RawTime)>,
    /// Events kept but spilled to disk while parsing, past the memory
    /// budget ([`uctriage_spill::enable`]): they come after [`ParsedFile::events`].
    pub spilled: Spilled,
}

/// A file's kept events that went to disk while it was parsed: read back
/// in order with `events.read()`, summarised (hosts, dates, time range)
/// as dropped events are, so normalization decides zones and dates without
/// reading them.
#[derive(Debug, Default)]
pub struct Spilled {
    /// The events, in the order they were made.
    pub events: uctriage_spill::RawSpill,
    /// What they add up to.
    pub summary: Dropped,
}

impl ParsedFile {
    /// A file that yielded nothing but problems (unreadable, refused, ...).
    pub fn failed(path: &str, format: &'static str, problem: Problem) -> ParsedFile {
        ParsedFile {
            path: path.to_string(),
            format,
            problems: vec![problem],
            ..Default::default()
        }
    }

    /// Give back the room its small lists grew ahead (the kept events too,
    /// when they are a few: a large file's are left as they are, not
    /// copied). Every file read is held until the whole input is, so with
    /// a hundred thousand small files that room was most of the memory.
    pub fn shrink_to_fit(&mut self) {
        if self.events.len() < 64 {
            self.events.shrink_to_fit();
        }
        self.facts.shrink_to_fit();
        self.problems.shrink_to_fit();
        self.dropped.shrink_to_fit();
        self.spilled.summary.shrink_to_fit();
    }

    /// Share of lines understood, 0.0-1.0 (1.0 for an empty file).
    pub fn understood_ratio(&self) -> f64 {
        if self.lines == 0 {
            1.0
        } else {
            self.understood as f64 / self.lines as f64
        }
    }
}

/// Read a whole stream: detect its format (unless `forced`), then parse it.
///
/// Never panics and never fails: I/O errors (a truncated gzip, say) end the
/// file early and become problems; what was read before still counts.
pub fn parse_reader(
    forced: Option<&dyn Format>,
    ctx: &FileContext,
    reader: impl BufRead,
) -> ParsedFile {
    parse_text(forced, ctx, reader, true)
}

/// [`parse_reader`]; UTF-16 input is decoded to UTF-8 first when `sniff`.
fn parse_text(
    forced: Option<&dyn Format>,
    ctx: &FileContext,
    mut reader: impl BufRead,
    sniff: bool,
) -> ParsedFile {
    if forced.is_none() && is_document(ctx.file_name()) {
        return ParsedFile::failed(
            &ctx.path,
            "document",
            Problem::file("a document, not a log (Markdown / office / PDF): skipped"),
        );
    }
    let mut head = Vec::with_capacity(HEAD_BYTES);
    let mut early_error = None;
    while head.len() < HEAD_BYTES {
        match reader.fill_buf() {
            Ok([]) => break,
            Ok(buf) => {
                let take = buf.len().min(HEAD_BYTES - head.len());
                head.extend_from_slice(&buf[..take]);
                reader.consume(take);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                early_error = Some(e);
                break;
            }
        }
    }
    if head.is_empty() {
        let mut f = ParsedFile {
            path: ctx.path.clone(),
            format: "empty",
            ..Default::default()
        };
        match early_error {
            Some(e) => f.problems.push(Problem::file(format!("unreadable: {e}"))),
            None => f.problems.push(Problem::file("empty file")),
        }
        return f;
    }
    if let Some(order) = sniff.then(|| utf16::sniff(&head)).flatten() {
        let undecoded = std::io::Cursor::new(head).chain(reader);
        let decoded: Box<dyn BufRead + '_> = Box::new(std::io::BufReader::with_capacity(
            READ_BYTES,
            utf16::Utf16Reader::new(undecoded, order),
        ));
        return parse_text(forced, ctx, decoded, false);
    }
    if looks_binary(&head) {
        return ParsedFile::failed(
            &ctx.path,
            "binary",
            Problem::file("binary content (NUL or control bytes in the first bytes): skipped"),
        );
    }
    let format = match forced {
        Some(f) => Some(f),
        None => {
            let text = String::from_utf8_lossy(&head);
            let lines: Vec<&str> = text.lines().take(200).collect();
            detect(&Head {
                name: ctx.file_name(),
                lines,
            })
        }
    };
    let Some(format) = format else {
        let mut f = ParsedFile {
            path: ctx.path.clone(),
            format: "unknown",
            ..Default::default()
        };
        match &ctx.sink {
            Some(make) => {
                let mut sink = make(ctx);
                let mut reader = std::io::Cursor::new(head).chain(reader);
                unread_lines(&mut reader, &mut f, &mut *sink);
                sink.finish(&f);
            }
            None => count_lines(&head, reader, &mut f),
        }
        f.problems.insert(
            0,
            Problem::file("format not recognised: no line was understood"),
        );
        return f;
    };
    // Both halves are buffered already: no second buffer (and copy) on top.
    let mut reader = std::io::Cursor::new(head).chain(reader);
    run_parser(format, ctx, &mut reader, early_error)
}

fn run_parser(
    format: &dyn Format,
    ctx: &FileContext,
    reader: &mut impl BufRead,
    mut early_error: Option<std::io::Error>,
) -> ParsedFile {
    let mut sink = Sink {
        parser: format.parser(ctx),
        out: Output {
            keep: ctx.keep.clone(),
            keep_none: ctx.keep.as_ref().is_some_and(crate::dropped::keeps_none),
            sink: ctx.sink.as_ref().map(|make| make(ctx)),
            ..Output::default()
        },
        lines: 0,
        bytes: 0,
        bad_utf8: 0,
        quoted: 0,
        not_understood: 0,
    };
    let mut buf = Vec::with_capacity(4096);
    loop {
        // Fast path: every complete line already in the reader's buffer is
        // handed to the parser in place, without a copy.
        let avail = match fill(reader) {
            Ok(a) => a,
            Err(e) => {
                // At a line boundary: nothing of a line is pending.
                sink.out
                    .push_problem(Problem::at(sink.lines + 1, read_error_message(&e, ctx)));
                break;
            }
        };
        let used = sink.feed_complete_lines(avail);
        if used > 0 {
            reader.consume(used);
            continue;
        }
        // Slow path: a line across buffer refills, a long line, the last line
        // without a line end, the end of the stream or an I/O error.
        buf.clear();
        let (read, cut, err) = read_line_capped(reader, &mut buf, MAX_LINE_BYTES);
        if read == 0 {
            if let Some(e) = err.or_else(|| early_error.take()) {
                sink.out
                    .push_problem(Problem::at(sink.lines + 1, read_error_message(&e, ctx)));
            }
            break;
        }
        sink.bytes += (read - buf.len()) as u64; // bytes skipped past the cap
        sink.feed(&buf, cut);
        if let Some(e) = err {
            sink.out
                .push_problem(Problem::at(sink.lines + 1, read_error_message(&e, ctx)));
            break;
        }
    }
    let Sink {
        mut parser,
        mut out,
        lines,
        bytes,
        bad_utf8,
        not_understood,
        ..
    } = sink;
    out.current_understood = true;
    parser.finish(&mut out);
    out.release_held();
    out.seal();
    if bad_utf8 > 3 {
        out.push_problem(Problem::file(format!(
            "{bad_utf8} lines had invalid UTF-8 in all"
        )));
    }
    if not_understood as usize > QUOTED_UNPARSED {
        out.push_problem(Problem::file(format!(
            "{not_understood} lines not understood in all"
        )));
    }
    let mut parsed = ParsedFile {
        path: ctx.path.clone(),
        format: format.name(),
        lines,
        understood: out.understood,
        bytes,
        events: out.events,
        dropped: out.dropped,
        spilled: out.spilled,
        facts: out.facts,
        problems: out.problems,
        problems_dropped: out.problems_dropped,
        span: out.span,
    };
    if let Some(sink) = out.sink {
        sink.finish(&parsed);
    }
    parsed.shrink_to_fit();
    parsed
}

/// Hands lines to a parser and keeps the per-file counts.
struct Sink {
    parser: Box<dyn crate::format::LineParser>,
    out: Output,
    lines: u64,
    bytes: u64,
    bad_utf8: u64,
    quoted: usize,
    not_understood: u64,
}

impl Sink {
    /// Feed every complete line at the start of `avail`; returns the bytes used.
    /// The block is checked for UTF-8 once, then its lines are borrowed as `str`.
    #[inline]
    fn feed_complete_lines(&mut self, avail: &[u8]) -> usize {
        let Some(last) = memchr::memrchr(b'\n', avail) else {
            return 0;
        };
        let block = &avail[..=last];
        // SIMD validation (std's is word-at-a-time); the error case is retried line by line.
        let Ok(text) = simdutf8::basic::from_utf8(block) else {
            // Rare: some line has bad UTF-8; each line is checked on its own.
            let mut used = 0;
            while let Some(i) = memchr::memchr(b'\n', &block[used..]) {
                let line = &block[used..used + i + 1];
                if line.len() > MAX_LINE_BYTES {
                    break;
                }
                self.feed(line, false);
                used += line.len();
            }
            return used;
        };
        let mut used = 0;
        while used < text.len() {
            if self.lines > 0 {
                // The parser's fast path takes what it can (never line 1:
                // a BOM is stripped there).
                let skim = self.parser.skim(&text[used..]);
                self.lines += skim.lines;
                self.bytes += skim.bytes as u64;
                self.out.understood += skim.lines;
                used += skim.bytes;
                if used == text.len() {
                    break;
                }
            }
            let Some(i) = memchr::memchr(b'\n', &block[used..]) else {
                break;
            };
            let raw = &text[used..=used + i];
            if raw.len() > MAX_LINE_BYTES {
                break;
            }
            self.lines += 1;
            self.bytes += raw.len() as u64;
            let line = raw.strip_suffix('\n').unwrap_or(raw);
            let line = line.strip_suffix('\r').unwrap_or(line);
            self.feed_str(line);
            used += raw.len();
        }
        used
    }

    /// One line as read, with its line end (if any); `cut` when it was capped.
    #[inline]
    fn feed(&mut self, raw: &[u8], cut: bool) {
        self.lines += 1;
        self.bytes += raw.len() as u64;
        let no = self.lines;
        let line = trim_line_end(raw);
        if cut {
            self.out.push_problem(Problem::at(
                no,
                format!("line longer than {MAX_LINE_BYTES} bytes: cut there"),
            ));
        }
        // Valid UTF-8 (nearly every line) is borrowed as is.
        let text: Cow<str> = match std::str::from_utf8(line) {
            Ok(t) => Cow::Borrowed(t),
            Err(_) => {
                self.bad_utf8 += 1;
                if self.bad_utf8 <= 3 {
                    self.out.push_problem(Problem::at(
                        no,
                        "invalid UTF-8: bad bytes replaced with U+FFFD",
                    ));
                }
                String::from_utf8_lossy(line)
            }
        };
        self.feed_str(&text);
    }

    /// One valid line, counted already, without its line end.
    #[inline]
    fn feed_str(&mut self, text: &str) {
        let no = self.lines;
        let text = strip_bom(text, no);
        self.out.current_understood = false;
        if is_blank(text) {
            self.out.understood();
        }
        self.parser.line(Line { no, text }, &mut self.out);
        if !self.out.current_understood {
            if let Some(sink) = &mut self.out.sink {
                sink.unread_line(no, text);
            }
            self.not_understood += 1;
            if self.quoted < QUOTED_UNPARSED {
                self.quoted += 1;
                self.out.push_problem(Problem::at(
                    no,
                    format!("not understood: {}", snippet(text)),
                ));
            }
        }
    }
}

/// A line of whitespace only (the common non-blank case decided by its first byte).
#[inline]
fn is_blank(text: &str) -> bool {
    match text.as_bytes().first() {
        None => true,
        Some(b) if b.is_ascii() && !b.is_ascii_whitespace() => false,
        _ => text.trim().is_empty(),
    }
}

fn strip_bom(text: &str, no: u64) -> &str {
    if no == 1 {
        text.strip_prefix('\u{feff}').unwrap_or(text)
    } else {
        text
    }
}

fn read_error_message(e: &std::io::Error, ctx: &FileContext) -> String {
    let name = ctx.file_name();
    if name.ends_with(".gzo") {
        format!("stream ends early ({e}): a .gzo file is still being written; everything before was read")
    } else {
        format!("read stopped early: {e}; everything before was read")
    }
}

/// Read one line (through `\n`) into `buf`, keeping at most `cap` bytes.
/// Returns bytes consumed (0 = end), whether the line was cut, and any I/O error.
fn read_line_capped(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
    cap: usize,
) -> (usize, bool, Option<std::io::Error>) {
    let mut consumed = 0;
    let mut cut = false;
    loop {
        let avail = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return (consumed, cut, Some(e)),
        };
        if avail.is_empty() {
            return (consumed, cut, None);
        }
        let (chunk, done) = match memchr::memchr(b'\n', avail) {
            Some(i) => (&avail[..=i], true),
            None => (avail, false),
        };
        let room = cap.saturating_sub(buf.len());
        if chunk.len() > room {
            buf.extend_from_slice(&chunk[..room]);
            cut = true;
        } else {
            buf.extend_from_slice(chunk);
        }
        let n = chunk.len();
        consumed += n;
        r.consume(n);
        if done {
            return (consumed, cut, None);
        }
    }
}

/// A line without its `\n` or `\r\n`, as parsers are handed it.
#[inline]
pub(crate) fn trim_line_end(mut line: &[u8]) -> &[u8] {
    if let [rest @ .., b'\n'] = line {
        line = rest;
    }
    if let [rest @ .., b'\r'] = line {
        line = rest;
    }
    line
}

/// What the reader holds now, at most [`READ_BYTES`] (a reader over a whole
/// file in memory offers all of it at once); interrupted reads are retried.
fn fill(reader: &mut impl BufRead) -> std::io::Result<&[u8]> {
    loop {
        match reader.fill_buf() {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
            Ok(_) => break,
        }
    }
    // Buffered now: this second call only lends the same bytes.
    let avail = reader.fill_buf()?;
    Ok(&avail[..avail.len().min(READ_BYTES)])
}

fn snippet(text: &str) -> String {
    let t = text.trim();
    match t.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &t[..i]),
        None => t.to_string(),
    }
}

/// Hand every non-blank line of a file no format understood to `sink`
/// (cut at [`MAX_LINE_BYTES`], invalid UTF-8 replaced), counting lines and
/// bytes as [`count_lines`] does.
fn unread_lines(reader: &mut impl BufRead, f: &mut ParsedFile, sink: &mut dyn EventSink) {
    let mut buf = Vec::with_capacity(4096);
    loop {
        // Fast path: the whole lines already in the reader's buffer, checked
        // for UTF-8 at once and handed over in place.
        let avail = match fill(reader) {
            Ok(a) => a,
            Err(e) => {
                f.problems
                    .push(Problem::file(format!("read stopped early: {e}")));
                break;
            }
        };
        if let Some(last) = memchr::memrchr(b'\n', avail) {
            if let Ok(text) = simdutf8::basic::from_utf8(&avail[..=last]) {
                let mut start = 0;
                for end in memchr::memchr_iter(b'\n', text.as_bytes()) {
                    f.lines += 1;
                    let line = &text[start..end];
                    let line = line.strip_suffix('\r').unwrap_or(line);
                    let line = strip_bom(line, f.lines);
                    if !is_blank(line) {
                        sink.unread_line(f.lines, line);
                    }
                    start = end + 1;
                }
                let used = text.len();
                f.bytes += used as u64;
                reader.consume(used);
                continue;
            }
        }
        // Slow path: a line across refills, invalid UTF-8, the last line.
        buf.clear();
        let (read, _, err) = read_line_capped(reader, &mut buf, MAX_LINE_BYTES);
        if read > 0 {
            f.lines += 1;
            f.bytes += read as u64;
            let text = String::from_utf8_lossy(trim_line_end(&buf));
            let text = strip_bom(&text, f.lines);
            if !is_blank(text) {
                sink.unread_line(f.lines, text);
            }
        }
        if let Some(e) = err {
            f.problems
                .push(Problem::file(format!("read stopped early: {e}")));
            break;
        }
        if read == 0 {
            break;
        }
    }
}

/// Count lines of a file no format understood.
fn count_lines(head: &[u8], mut rest: impl BufRead, f: &mut ParsedFile) {
    let mut n = memchr::memchr_iter(b'\n', head).count() as u64;
    let mut last = head.last().copied();
    let mut bytes = head.len() as u64;
    loop {
        let buf = match rest.fill_buf() {
            Ok([]) => break,
            Ok(b) => b,
            Err(e) => {
                f.problems
                    .push(Problem::file(format!("read stopped early: {e}")));
                break;
            }
        };
        n += memchr::memchr_iter(b'\n', buf).count() as u64;
        last = buf.last().copied();
        bytes += buf.len() as u64;
        let len = buf.len();
        rest.consume(len);
    }
    if last.is_some() && last != Some(b'\n') {
        n += 1;
    }
    f.lines = n;
    f.bytes = bytes;
}

/// Notes and reports people drop into a bundle: skipped, and said so.
fn is_document(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        ".md",
        ".markdown",
        ".pdf",
        ".doc",
        ".docx",
        ".xlsx",
        ".pptx",
        ".png",
        ".jpg",
    ]
    .iter()
    .any(|ext| lower.ends_with(ext))
}

/// Text logs have no NUL bytes and few control characters.
fn looks_binary(head: &[u8]) -> bool {
    let sample = &head[..head.len().min(8192)];
    if memchr::memchr(0, sample).is_some() {
        return true;
    }
    let control = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x1b | 0x0c))
        .count();
    control * 20 > sample.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    /// Every file read is held until the input is: a small one keeps no
    /// room its lists grew ahead (with a hundred thousand small files that
    /// room was most of the memory).
    #[test]
    fn a_small_file_parsed_keeps_no_spare_room() {
        let text = "Nov 14 00:00:00 cucm1 local7 6 : 1: cucm1: Nov 14 2024 00:00:00.000 UTC :  %UC_CALLMANAGER-3-DeviceTransientConnection: %[DeviceName=SEP001122334455][Reason=8][AppID=Cisco CallManager][ClusterID=C][NodeID=cucm1]: Transient connection attempt\nnot a syslog line\n";
        let ctx = FileContext::new("cucm1/syslog/messages");
        let f = parse_reader(None, &ctx, text.as_bytes());
        assert_eq!(f.format, "cisco-syslog");
        assert!(!f.events.is_empty() && !f.facts.is_empty(), "{f:?}");
        assert_eq!(f.events.capacity(), f.events.len());
        assert_eq!(f.facts.capacity(), f.facts.len());
        assert_eq!(f.problems.capacity(), f.problems.len());
        assert_eq!(f.dropped.groups.capacity(), f.dropped.groups.len());
    }

    #[test]
    fn capped_lines_are_cut_and_reading_goes_on() {
        let mut data = vec![b'a'; 3000];
        data.extend_from_slice(b"\nnext\n");
        let mut r = BufReader::with_capacity(64, data.as_slice());
        let mut buf = Vec::new();
        let (n, cut, err) = read_line_capped(&mut r, &mut buf, 100);
        assert_eq!((n, cut, err.is_none(), buf.len()), (3001, true, true, 100));
        buf.clear();
        let (n, cut, _) = read_line_capped(&mut r, &mut buf, 100);
        assert_eq!((n, cut, buf.as_slice()), (5, false, &b"next\n"[..]));
    }

    #[test]
    fn lines_across_buffer_refills_crlf_and_a_last_line_without_end_are_whole() {
        // Longer than the 64 KiB head, so lines straddle the head / rest seam.
        let mut text = String::new();
        for i in 0..3000 {
            text.push_str(&format!(
                "{i:08}.000 |10:00:00.000 |AppInfo  |line {i} ééé\r\n"
            ));
        }
        text.push_str("99999999.000 |10:00:01.000 |AppInfo  |last");
        let f = parse_reader(
            crate::by_name("cucm-sdl"),
            &FileContext::new("SDL001_100_000001.txt"),
            std::io::Cursor::new(text.as_bytes()).chain(&b""[..]),
        );
        assert_eq!((f.lines, f.understood), (3001, 3001));
        assert_eq!(f.bytes, text.len() as u64);
        assert_eq!(f.problems.len(), 1, "{:?}", f.problems); // no FileHead
    }

    #[test]
    fn bad_utf8_in_a_block_is_replaced_reported_and_counted() {
        let mut data = Vec::new();
        for i in 0..5 {
            data.extend_from_slice(format!("{i}.0 |10:00:00.000 |AppInfo |ok\n").as_bytes());
            data.extend_from_slice(b"5.0 |10:00:00.000 |AppInfo |caf\xe9\n");
        }
        let f = parse_reader(
            crate::by_name("cucm-sdl"),
            &FileContext::new("x.txt"),
            data.as_slice(),
        );
        assert_eq!((f.lines, f.understood), (10, 10));
        assert_eq!(f.bytes, data.len() as u64);
        let bad: Vec<_> = f
            .problems
            .iter()
            .filter(|p| p.message.contains("invalid UTF-8"))
            .collect();
        assert_eq!(bad.len(), 4, "{:?}", f.problems); // 3 located + the total
        assert_eq!(bad[0].line, Some(2));
        assert!(bad[3].message.starts_with("5 lines"));
    }

    #[test]
    fn events_not_kept_are_counted_and_continuations_still_reach_their_own_event() {
        let text = "2024-03-01 10:00:00 keep me\n  more of the kept one\n2024-03-01 10:00:01 drop me\n  more of the dropped one\n2024-03-01 10:00:02 keep too\n";
        let mut ctx = FileContext::new("app.log");
        ctx.keep = Some(std::sync::Arc::new(|e: &RawEvent| {
            e.summary.contains("keep")
        }));
        let f = parse_reader(crate::by_name("generic"), &ctx, text.as_bytes());
        assert_eq!((f.lines, f.understood), (5, 5));
        let texts: Vec<String> = f.events.iter().map(|e| e.text.get().into_owned()).collect();
        assert_eq!(
            texts,
            [
                "2024-03-01 10:00:00 keep me\n  more of the kept one",
                "2024-03-01 10:00:02 keep too"
            ]
        );
        assert_eq!(f.dropped.count, 1);
        assert_eq!(f.dropped.groups[0].min.1, 3);
    }

    #[test]
    fn binary_is_recognised_but_text_with_escapes_is_not() {
        assert!(looks_binary(b"\x7fELF\x02\x01\x01\0\0\0"));
        assert!(!looks_binary(
            b"admin:show status\n\x1b[1mPress <enter>\x1b[0m\n"
        ));
    }
}

#[cfg(test)]
mod fuzz_regressions {
    use crate::{by_name, parse_reader, FileContext};

    /// Inputs a fuzzer once crashed a parser with: each must now parse.
    #[test]
    fn fuzz_findings_parse_without_panic() {
        let cases: &[(&str, &[u8])] = &[(
            "cisco-syslog",
            include_bytes!("../tests/fixtures/fuzz/cisco_syslog_escape_utf8.bin"),
        )];
        for (format, bytes) in cases {
            let f = parse_reader(by_name(format), &FileContext::new("fuzz.txt"), *bytes);
            assert!(f.understood <= f.lines, "{format}");
        }
    }
}
