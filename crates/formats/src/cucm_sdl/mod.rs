//! CUCM SDL traces: Cisco CallManager (`SDL<nnn>_100_<nnnnnn>.txt[.gz|.gzo]`)
//! and Cisco CTIManager (`SDL<nnn>_200_<nnnnnn>...`, file name UNCONFIRMED).
//!
//! Line grammar (formats.md §3.2):
//! `<SeqMajor>.<SeqMinor> |<HH:MM:SS.mmm> |<Type padded> |<payload>`; the
//! padding may be collapsed to one space and SeqMajor has no fixed width.
//! Times are local wall clock without a date: the date and the UTC offset come
//! from the `FileHead` record at the top of each file. `AppInfo` records may go
//! on over following lines (SIP / MGCP messages, dumps): every line that does
//! not start with `<digits>.<digits> |` belongs to the previous record.
//!
//! A trace holds millions of ordinary `SdlSig` / `AppInfo` / `SdlStat` lines:
//! they are understood but yield no event. Only lines a cheap literal
//! prefilter ([`extract`]) hits are decoded further, into the events that
//! matter in an outage (alarms written into the trace, registration traces,
//! SDL link changes, CTI provider open / close, Code Yellow).

mod extract;
mod head;
#[cfg(test)]
mod tests;

use crate::driver::trim_line_end;
use crate::format::{FileContext, Format, Head, Line, LineParser, Output, Skimmed};
use crate::sink::Ordinary;
use extract::Prefilter;
use head::FileHeadInfo;
use uctriage_core::jiff::civil::{Date, Time};
use uctriage_core::jiff::tz::Offset;
use uctriage_core::{DateSource, Kind, RawEvent, RawTime};

/// The CUCM SDL trace format.
pub(crate) struct CucmSdl;

const DAY_MS: u32 = 24 * 3600 * 1000;
const HALF_DAY_MS: u32 = DAY_MS / 2;

impl Format for CucmSdl {
    fn name(&self) -> &'static str {
        "cucm-sdl"
    }
    fn description(&self) -> &'static str {
        "CUCM SDL traces of Cisco CallManager and CTIManager (SDL<nnn>_100_/_200_<nnnnnn>.txt): FileHead, SdlSig, AppInfo, SdlStat"
    }
    fn example(&self) -> &'static str {
        "28147303.000 |00:00:00.397 |AppInfo  |HttpConnection - checkConnQueue found no connData"
    }
    fn detect(&self, head: &Head<'_>) -> u8 {
        let total = head.non_blank();
        let records = head.count(|l| split_record(l.as_bytes()).is_some());
        let file_head =
            head.count(|l| split_record(l.as_bytes()).is_some_and(|r| r.kind == b"FileHead"));
        let named = is_sdl_name(head.name);
        if total == 0 || records == 0 {
            return 0;
        }
        // A fragment (one record and a long SIP message) starts with a record.
        let first_is_record = head
            .lines
            .iter()
            .find(|l| !l.trim().is_empty())
            .and_then(|l| split_record(l.as_bytes()))
            .is_some_and(|r| time_ms(r.time).is_some());
        if file_head > 0 {
            95
        } else if records * 10 >= total * 3 || first_is_record {
            90
        } else if named {
            60
        } else {
            0
        }
    }
    fn parser(&self, ctx: &FileContext) -> Box<dyn LineParser> {
        Box::new(SdlParser::new(ctx))
    }
}

/// `SDL<digits>_<digits>_<digits>.txt` with an optional `.gz` / `.gzo`.
fn is_sdl_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("SDL") else {
        return false;
    };
    let stem = rest
        .strip_suffix(".txt")
        .or_else(|| rest.strip_suffix(".txt.gz"))
        .or_else(|| rest.strip_suffix(".txt.gzo"));
    stem.is_some_and(|s| {
        let parts: Vec<&str> = s.split('_').collect();
        parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// One record line split into its columns (no copy, no allocation).
#[derive(Debug, Clone, Copy)]
pub(super) struct Record<'a> {
    /// `SeqMajor.SeqMinor` as printed.
    pub seq: &'a [u8],
    /// The time column, trimmed.
    pub time: &'a [u8],
    /// The type column, trimmed (`SdlSig`, `AppInfo`, `SdlStat`, `FileHead`).
    pub kind: &'a [u8],
    /// Everything after the third `|`.
    pub payload: &'a [u8],
}

fn skip_spaces(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i] == b' ' {
        i += 1;
    }
    i
}

fn skip_digits(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    i
}

fn trim_end(b: &[u8]) -> &[u8] {
    let mut n = b.len();
    while n > 0 && (b[n - 1] == b' ' || b[n - 1] == b'\t') {
        n -= 1;
    }
    &b[..n]
}

/// Whether the line starts a record: `<digits>.<digits>` then spaces and `|`.
/// Returns the index just past that `|`.
#[inline]
fn record_start(b: &[u8]) -> Option<usize> {
    let i = skip_digits(b, 0);
    if i == 0 || b.get(i) != Some(&b'.') {
        return None;
    }
    let j = skip_digits(b, i + 1);
    if j == i + 1 {
        return None;
    }
    let k = skip_spaces(b, j);
    (b.get(k) == Some(&b'|')).then_some(k + 1)
}

/// The end of a short column starting at `from`: skip leading spaces, take a
/// token up to a space or `|`, skip trailing spaces; `Some((token, index past
/// the closing `|`))` when a `|` follows. Short columns are scanned by hand
/// (cheaper than a `memchr` call); anything odd falls back to `memchr`.
#[inline]
fn short_column(b: &[u8], from: usize) -> Option<(&[u8], usize)> {
    let start = skip_spaces(b, from);
    let mut i = start;
    while i < b.len() && b[i] != b' ' && b[i] != b'|' {
        i += 1;
    }
    let end = i;
    let i = skip_spaces(b, i);
    if b.get(i) == Some(&b'|') {
        return Some((&b[start..end], i + 1));
    }
    // A column with inner spaces: up to the next `|`, trimmed.
    let p = from + memchr::memchr(b'|', &b[from..])?;
    Some((trim_end(&b[skip_spaces(b, from).min(p)..p]), p + 1))
}

/// The record types as CUCM pads them (formats.md §3.2).
const PADDED_TYPES: [&[u8]; 4] = [b"SdlSig   |", b"AppInfo  |", b"SdlStat  |", b"FileHead |"];

/// Split a record line into its columns; `None` when the line is no record start.
#[inline]
pub(super) fn split_record(b: &[u8]) -> Option<Record<'_>> {
    if let Some(rec) = split_fixed(b) {
        return Some(rec);
    }
    // Every record starts with a digit: a SIP/MGCP body line is out here,
    // without a call.
    if !b.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    split_general(b)
}

/// The layout nearly every record has, `DDDDDDDD.DDD |HH:MM:SS.mmm |Type     |`,
/// checked with a few word compares; `None` sends the line the general way.
#[inline]
fn split_fixed(b: &[u8]) -> Option<Record<'_>> {
    let p = b.get(..38)?;
    let punctuation = p[8] == b'.'
        && p[12] == b' '
        && p[13] == b'|'
        && p[14] != b' '
        && p[26] == b' '
        && p[27] == b'|'
        && p[37] == b'|';
    if !punctuation || !eight_digits(&p[..8]) || !p[9..12].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let kind: &'static [u8] = match &p[28..38] {
        b"SdlSig   |" => b"SdlSig",
        b"AppInfo  |" => b"AppInfo",
        b"SdlStat  |" => b"SdlStat",
        b"FileHead |" => b"FileHead",
        _ => return None,
    };
    Some(Record {
        seq: &b[..12],
        time: &b[14..26],
        kind,
        payload: &b[38..],
    })
}

/// Whether 8 bytes are all ASCII digits (one word, no loop).
#[inline]
fn eight_digits(b: &[u8]) -> bool {
    let Ok(bytes) = <[u8; 8]>::try_from(b) else {
        return false;
    };
    let x = u64::from_le_bytes(bytes);
    const HIGH: u64 = 0xF0F0_F0F0_F0F0_F0F0;
    const THREES: u64 = 0x3030_3030_3030_3030;
    // Every byte is 0x30-0x3F, and adding 6 keeps it there (so it is 0x30-0x39).
    x & HIGH == THREES && x.wrapping_add(0x0606_0606_0606_0606) & HIGH == THREES
}

/// [`split_record`] for any spacing and width.
#[inline(never)]
fn split_general(b: &[u8]) -> Option<Record<'_>> {
    let after_seq = record_start(b)?;
    let seq = trim_end(&b[..after_seq - 1]);
    // Fast paths for the usual layout: `HH:MM:SS.mmm |` and a type padded to 9.
    let (time, after_time) = match b.get(after_seq..after_seq + 14) {
        Some(t) if t[12] == b' ' && t[13] == b'|' && t[0] != b' ' => (&t[..12], after_seq + 14),
        _ => short_column(b, after_seq)?,
    };
    let (kind, after_kind) = match b.get(after_time..after_time + 10) {
        Some(t) if t[9] == b'|' && PADDED_TYPES.contains(&t) => {
            (trim_end(&t[..9]), after_time + 10)
        }
        _ => short_column(b, after_time)?,
    };
    Some(Record {
        seq,
        time,
        kind,
        payload: &b[after_kind..],
    })
}

/// `HH:MM:SS[.fff]` as milliseconds of the day; `None` if malformed or impossible.
#[inline]
pub(super) fn time_ms(t: &[u8]) -> Option<u32> {
    #[inline]
    fn d(c: u8) -> Option<u32> {
        c.is_ascii_digit().then(|| (c - b'0') as u32)
    }
    if t.len() < 8 || t[2] != b':' || t[5] != b':' {
        return None;
    }
    let h = d(t[0])? * 10 + d(t[1])?;
    let m = d(t[3])? * 10 + d(t[4])?;
    let s = d(t[6])? * 10 + d(t[7])?;
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    let ms = match t.len() {
        8 => 0,
        // The usual `.mmm`.
        12 if t[8] == b'.' => d(t[9])? * 100 + d(t[10])? * 10 + d(t[11])?,
        9 => return None,
        n if n <= 18 && t[8] == b'.' => {
            let frac = &t[9..];
            if !frac.iter().all(u8::is_ascii_digit) {
                return None;
            }
            // Keep milliseconds: pad or cut the fraction to three digits.
            (0..3).fold(0, |acc, k| {
                acc * 10 + frac.get(k).map_or(0, |c| (c - b'0') as u32)
            })
        }
        _ => return None,
    };
    Some(((h * 60 + m) * 60 + s) * 1000 + ms)
}

/// A time of day from milliseconds of the day.
pub(super) fn ms_to_time(ms: u32) -> Time {
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, milli) = (rest / 1000, rest % 1000);
    Time::new(h as i8, m as i8, s as i8, milli as i32 * 1_000_000).unwrap_or(Time::midnight())
}

/// Parser state for one file.
struct SdlParser {
    /// Date from the file name or `--date`, for files without a FileHead.
    date_hint: Option<(Date, DateSource)>,
    /// Date of the current record: FileHead date, plus a day per midnight wrap.
    date: Option<(Date, DateSource)>,
    /// UTC offset stated by the FileHead.
    offset: Option<Offset>,
    /// FileHead `AppName` (`CCM`, `CTI`).
    app: Option<String>,
    /// Time of the previous record, milliseconds of the day.
    last_ms: Option<u32>,
    /// Time of the first record (the file's span starts there).
    first: Option<RawTime>,
    /// `HH:MM:SS` of the last `HH:MM:SS.mmm` time read, and its milliseconds
    /// of the day: most records share their second with the one before.
    second: ([u8; 8], u32),
    head_seen: bool,
    missing_head_reported: bool,
    /// A record was seen, so non-record lines are its continuation.
    in_record: bool,
    prefilter: Prefilter,
    /// Every record becomes an event ([`FileContext::keep_ordinary`]).
    keep_ordinary: bool,
    /// The current record is an ordinary one made an event (the last one
    /// emitted): its continuation lines join it (only with `keep_ordinary`).
    open_ordinary: bool,
}

impl SdlParser {
    fn new(ctx: &FileContext) -> SdlParser {
        SdlParser {
            date_hint: ctx.date_hint,
            date: None,
            offset: None,
            app: None,
            last_ms: None,
            first: None,
            second: ([0; 8], 0),
            head_seen: false,
            missing_head_reported: false,
            in_record: false,
            prefilter: Prefilter::new(),
            keep_ordinary: ctx.keep_ordinary,
            open_ordinary: false,
        }
    }

    /// Track midnight wraps: a time going back by more than 12 hours is the next day.
    #[inline]
    fn advance(&mut self, ms: u32) {
        if let Some(last) = self.last_ms {
            if last > ms && last - ms > HALF_DAY_MS {
                if let Some((date, _)) = self.date {
                    if let Ok(next) = date.tomorrow() {
                        self.date = Some((next, DateSource::Wrapped));
                    }
                }
            }
        }
        self.last_ms = Some(ms);
    }

    /// [`time_ms`], without reading `HH:MM:SS` again when it is the previous
    /// record's second.
    #[inline]
    fn time_ms(&mut self, t: &[u8]) -> Option<u32> {
        if let [h @ .., b'.', a, b, c] = t {
            if h.len() == 8 && *h == self.second.0 && [a, b, c].iter().all(|d| d.is_ascii_digit()) {
                let frac = (*a - b'0') as u32 * 100 + (*b - b'0') as u32 * 10 + (*c - b'0') as u32;
                return Some(self.second.1 + frac);
            }
        }
        let ms = time_ms(t)?;
        if let Some(h) = t.get(..8).filter(|_| t.len() == 12) {
            self.second.0.copy_from_slice(h);
            self.second.1 = ms - ms % 1000;
        }
        Some(ms)
    }

    /// The raw time of a record at `ms` of the current date.
    fn raw_time(&self, ms: u32) -> RawTime {
        let t = ms_to_time(ms);
        match (self.date, self.offset) {
            (Some((d, src)), Some(off)) => RawTime::WithOffset(d.to_datetime(t), off, src),
            (Some((d, src)), None) => RawTime::local(d, t, src),
            (None, _) => RawTime::TimeOfDay(t),
        }
    }

    fn file_head(&mut self, no: u64, ms: u32, payload: &str, out: &mut Output) {
        let info = FileHeadInfo::parse(payload);
        for p in &info.problems {
            out.problem(no, p.clone());
        }
        self.head_seen = true;
        self.date = info.date.map(|d| (d, DateSource::FileHead));
        if self.date.is_none() {
            self.date = self.date_hint;
        }
        self.offset = info.offset;
        self.last_ms = Some(ms);
        if info.app.is_some() {
            self.app = info.app.clone();
        }
        info.facts(no, ms, out);
        if let Some(ev) = info.start_event(no, payload, ms) {
            out.emit(ev);
        }
    }
}

impl SdlParser {
    /// Whether [`LineParser::line`] would count this line (line end
    /// stripped) as understood and make nothing of it; if so, the parser
    /// state moves past it as `line` would have moved it.
    #[inline]
    fn skims(&mut self, b: &[u8]) -> bool {
        match split_record(b) {
            Some(rec) if rec.kind != b"FileHead" => {
                if self.prefilter.hit(rec.kind, rec.payload) {
                    return false;
                }
                let Some(ms) = self.time_ms(rec.time) else {
                    return false;
                };
                self.advance(ms);
                self.in_record = true;
                self.open_ordinary = false;
                true
            }
            Some(_) => false,
            None => self.continues_record(b),
        }
    }

    /// Whether a line that starts no record is a continuation line of the
    /// current one (a SIP/MGCP body, a dump), not noise.
    #[inline]
    fn continues_record(&self, b: &[u8]) -> bool {
        self.in_record && !looks_noisy(b)
    }
}

impl LineParser for SdlParser {
    /// Ordinary records the prefilter misses and their continuation lines:
    /// most of a trace, read without the per-line work of `line`. Anything
    /// else (the FileHead, the first record, a prefilter hit, an odd time,
    /// noise, every line under `keep_ordinary`) goes through `line`.
    fn skim(&mut self, block: &str) -> Skimmed {
        let mut done = Skimmed::default();
        if self.keep_ordinary || !self.head_seen || self.first.is_none() {
            return done;
        }
        let b = block.as_bytes();
        for nl in memchr::memchr_iter(b'\n', b) {
            if !self.skims(trim_line_end(&b[done.bytes..=nl])) {
                break;
            }
            done.bytes = nl + 1;
            done.lines += 1;
        }
        done
    }

    fn finish(&mut self, out: &mut Output) {
        if let (Some(first), Some(ms)) = (self.first.take(), self.last_ms) {
            out.time_span(first, self.raw_time(ms));
        }
    }

    fn line(&mut self, line: Line<'_>, out: &mut Output) {
        let b = line.text.as_bytes();
        let Some(rec) = split_record(b) else {
            if self.continues_record(b) {
                // A continuation line of a multi-line AppInfo record (SIP, MGCP, dumps).
                out.understood();
                if let Some(ev) = out.last_event_mut().filter(|_| self.open_ordinary) {
                    ev.append_line(line.text, RECORD_TEXT_BYTES);
                }
            }
            return;
        };
        self.open_ordinary = false;
        let Some(ms) = self.time_ms(rec.time) else {
            out.problem(
                line.no,
                format!(
                    "SDL record with an impossible time `{}`",
                    String::from_utf8_lossy(rec.time)
                ),
            );
            // Its continuation lines still belong to it.
            self.in_record = true;
            return;
        };
        self.in_record = true;
        out.understood();
        if rec.kind == b"FileHead" {
            // The payload is ASCII-delimited inside valid UTF-8: slicing at `|` is safe.
            let payload = &line.text[line.text.len() - rec.payload.len()..];
            self.file_head(line.no, ms, payload, out);
            if self.first.is_none() {
                self.first = Some(self.raw_time(ms));
            }
            return;
        }
        if !self.head_seen {
            self.head_seen = true;
            if !self.missing_head_reported {
                self.missing_head_reported = true;
                self.date = self.date_hint;
                out.problem(
                    line.no,
                    "no FileHead before the first SDL record (the file starts mid-rotation or its head was cut): no UTC offset, and the date only from the file name or --date",
                );
            }
        }
        self.advance(ms);
        if self.first.is_none() {
            self.first = Some(self.raw_time(ms));
        }
        let hit = self.prefilter.hit(rec.kind, rec.payload);
        if !hit && !self.keep_ordinary {
            return;
        }
        let payload = &line.text[line.text.len() - rec.payload.len()..];
        let time = self.raw_time(ms);
        // Emitted, kept or not: a record decoded into an event is not also
        // an ordinary one.
        let before = out.emitted();
        if hit {
            self.decode(line, rec, payload, time.clone(), out);
        }
        if self.keep_ordinary && out.emitted() == before {
            let rec_parts = Ordinary {
                line: line.no,
                time: &time,
                text: line.text,
                message: message_of_payload(payload),
            };
            self.open_ordinary = out.ordinary(rec_parts, || {
                ordinary(line, rec.kind, payload, time.clone())
            });
        }
    }
}

impl SdlParser {
    fn decode(
        &self,
        line: Line<'_>,
        rec: Record<'_>,
        payload: &str,
        time: RawTime,
        out: &mut Output,
    ) {
        extract::decode(
            &extract::Ctx {
                no: line.no,
                text: line.text,
                seq: &line.text[..rec.seq.len()],
                kind: rec.kind,
                payload,
                time,
                app: self.app.as_deref(),
            },
            out,
        );
    }
}

/// A record's message: its payload (what follows the sequence number, time
/// and type columns), without the padding before it. The header is the
/// format's own: the miner leaves it out.
fn message_of_payload(payload: &str) -> &str {
    payload.trim_start_matches(' ')
}

/// An ordinary record as a plain `Log` event (`timeline --all`): the type
/// and the payload's columns as the summary, the line as the text.
fn ordinary(line: Line<'_>, kind: &[u8], payload: &str, time: RawTime) -> RawEvent {
    let kind = String::from_utf8_lossy(kind);
    let columns: Vec<&str> = payload
        .split('|')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    let mut summary = format!("{kind}: {}", columns.join(" | "));
    if summary.len() > ORDINARY_SUMMARY_BYTES {
        let mut cut = ORDINARY_SUMMARY_BYTES;
        while !summary.is_char_boundary(cut) {
            cut -= 1;
        }
        summary.truncate(cut);
        summary.push('…');
    }
    RawEvent::new(line.no, line.text, Kind::Log, summary).at(time)
}

/// Ordinary-record summaries are cut here.
const ORDINARY_SUMMARY_BYTES: usize = 200;
/// No continuation line is added to a record's text once it is this long.
const RECORD_TEXT_BYTES: usize = 64 * 1024;

/// Binary noise or decoding damage: control bytes or U+FFFD in a line.
fn looks_noisy(b: &[u8]) -> bool {
    // No early exit: the whole-line fold compiles to SIMD compares.
    let control = b.iter().fold(false, |acc, &c| {
        acc | ((c < 0x20) & (c != b'\t') & (c != 0x0c))
    });
    control || memchr::memchr_iter(0xEF, b).any(|i| b[i..].starts_with("\u{fffd}".as_bytes()))
}
