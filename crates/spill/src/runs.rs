//! Normalized events in sorted runs on disk, merged back in order.

use crate::codec::{get_body, put_body, Body, Get, Put};
use crate::file::{Block, Spool};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::io;
use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use uctriage_core::jiff::Timestamp;
use uctriage_core::{
    Clock, DateSource, EntityKind, Event, Fields, Kind, KindSet, SharedStr, ZoneSource,
};

/// Bytes of encoded events per block of a run: what the merge holds per run.
/// A block with its last record stays under 64 KiB, where lz4_flex hashes
/// positions in a table of 16-bit entries (half the size, faster: parse and
/// place 2–3 % faster on dense syslog than with 64 KiB blocks, which just
/// missed it). A record over 4 KiB (a long line) can take its block past
/// 64 KiB: it is then compressed with the larger table, no less correctly.
const BLOCK: usize = 60 << 10;

/// The fewest runs a merge may read at once (a tiny budget's).
const MIN_FAN_IN: usize = 16;

/// How many runs a merge reads at once, at most, for runs of `run_bytes`
/// (by estimate): their blocks take about twice one run's share of
/// memory (at the default budget, 32 MiB runs: 1092 runs, some 13 GB of
/// dense syslog, before a pass merges them into fewer).
fn fan_in(run_bytes: u64) -> usize {
    let blocks = run_bytes.saturating_mul(2) / BLOCK as u64;
    usize::try_from(blocks)
        .unwrap_or(usize::MAX)
        .max(MIN_FAN_IN)
}

/// The order of the merged timeline: instant (undated events last), then
/// the file's place in the bundle, then the line. Events with equal keys
/// keep the order they were given in (the merge takes the earlier run
/// first, and each run is sorted stably).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunKey {
    second: u64,
    nano: u32,
    file: u32,
    line: u64,
}

impl RunKey {
    /// The key of `e`, the event of the bundle's file number `file`.
    pub fn of(e: &Event, file: u32) -> RunKey {
        RunKey::at(e.time, file, e.evidence.line)
    }

    /// The key of the event at `time` on `line` of the bundle's file number
    /// `file`.
    pub fn at(time: Option<Timestamp>, file: u32, line: u64) -> RunKey {
        let (second, nano) = time.map_or((u64::MAX, 0), |t| {
            // Before 1970 the fraction is negative: borrow a second.
            let (mut second, mut nano) = (t.as_second(), t.subsec_nanosecond());
            if nano < 0 {
                second -= 1;
                nano += 1_000_000_000;
            }
            // Order-preserving: i64 to u64 by flipping the sign bit.
            ((second as u64) ^ (1 << 63), nano as u32)
        });
        RunKey {
            second,
            nano,
            file,
            line,
        }
    }

    /// The instant the key was made from.
    fn time(&self) -> Option<Timestamp> {
        if self.second == u64::MAX {
            return None;
        }
        Timestamp::new((self.second ^ (1 << 63)) as i64, self.nano as i32).ok()
    }
}

/// Each file's place in the bundle, by path: the key of an event held in
/// memory, to merge it with those of runs in the bundle's order.
pub struct Places(HashMap<Box<str>, u32>);

impl Places {
    /// The places of `paths`, in the bundle's order (a path given twice:
    /// its last place, as normalization numbers them).
    pub fn new<'a>(paths: impl IntoIterator<Item = &'a str>) -> Places {
        Places(
            paths
                .into_iter()
                .zip(0..)
                .map(|(p, i)| (p.into(), i))
                .collect(),
        )
    }

    /// The key of `e` in the merged order.
    pub fn key(&self, e: &Event) -> RunKey {
        RunKey::of(e, self.0.get(&*e.evidence.file).copied().unwrap_or(0))
    }
}

/// The instants a reader wants: the blocks of a run wholly outside them are
/// not read. Events outside may still come (a block is read whole): the
/// reader filters them as before. Undated events are outside as soon as a
/// bound is set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    /// Earliest instant wanted.
    pub since: Option<Timestamp>,
    /// Latest instant wanted.
    pub until: Option<Timestamp>,
}

impl Span {
    /// Whether an event at `t` (None: no time) is wanted: with no bound,
    /// every event; with a bound, the timed ones within it.
    pub fn contains(&self, t: Option<Timestamp>) -> bool {
        if self.since.is_none() && self.until.is_none() {
            return true;
        }
        t.is_some_and(|t| self.since.is_none_or(|s| t >= s) && self.until.is_none_or(|u| t <= u))
    }

    /// Whether a sorted block from `first` to `last` holds nothing wanted.
    fn excludes(&self, first: &RunKey, last: &RunKey) -> bool {
        if self.since.is_none() && self.until.is_none() {
            return false;
        }
        let Some(first) = first.time() else {
            return true; // Undated, and so is every event after it.
        };
        let before = self
            .since
            .is_some_and(|s| last.time().is_some_and(|l| l < s));
        let after = self.until.is_some_and(|u| first > u);
        before || after
    }
}

/// A block of a run and the keys of its first and last event.
#[derive(Clone, Copy, Debug)]
struct RunBlock {
    block: Block,
    first: RunKey,
    last: RunKey,
}

/// The clock, spelled out, as a table key.
type ClockKey = (Arc<str>, ZoneSource, DateSource, Arc<str>);

/// What events of runs point at by number: clocks and hosts (their files
/// are numbered by the bundle); and the names of the fields each kind's
/// events carry.
#[derive(Default)]
struct Names {
    clocks: Vec<Arc<Clock>>,
    clock_index: HashMap<ClockKey, u32>,
    last_clock: Option<(Arc<Clock>, u32)>,
    hosts: Vec<SharedStr>,
    host_index: HashMap<SharedStr, u32>,
    last_host: Option<(SharedStr, u32)>,
    fields: FieldsByKind,
}

/// The field names seen in each kind's events (by the kind's place in
/// `Kind::ALL`).
#[derive(Default)]
pub(crate) struct FieldsByKind(Vec<FieldNames>);

impl FieldsByKind {
    /// The names seen in events of `kind`, to add to.
    pub(crate) fn of(&mut self, kind: Kind) -> &mut FieldNames {
        let k = kind as usize;
        if self.0.len() <= k {
            self.0.resize_with(k + 1, FieldNames::default);
        }
        &mut self.0[k]
    }

    /// The names seen in events of `kind`, if any was.
    pub(crate) fn get(&self, kind: Kind) -> Option<&FieldNames> {
        self.0.get(kind as usize)
    }

    /// Note the names `other` saw, kind by kind.
    fn merge(&mut self, other: &FieldsByKind) {
        for (k, names) in other.0.iter().enumerate() {
            self.of(Kind::ALL[k]).merge(names);
        }
    }
}

/// Field names seen: common ones as bits of their number, others spelled.
#[derive(Default)]
pub(crate) struct FieldNames {
    common: Vec<u64>,
    other: HashSet<Box<str>>,
}

impl FieldNames {
    /// Note the names of `fields`.
    pub(crate) fn add_all(&mut self, fields: &Fields) {
        for (number, name) in fields.names_numbered() {
            self.add(number, name);
        }
    }

    /// Note the names `other` saw.
    fn merge(&mut self, other: &FieldNames) {
        if self.common.len() < other.common.len() {
            self.common.resize(other.common.len(), 0);
        }
        for (w, o) in self.common.iter_mut().zip(&other.common) {
            *w |= o;
        }
        for name in &other.other {
            if !self.other.contains(name) {
                self.other.insert(name.clone());
            }
        }
    }

    fn add(&mut self, number: Option<u32>, name: &str) {
        match number {
            Some(n) => {
                let (word, bit) = (n as usize / 64, n % 64);
                if self.common.len() <= word {
                    self.common.resize(word + 1, 0);
                }
                self.common[word] |= 1 << bit;
            }
            None if !self.other.contains(name) => {
                self.other.insert(name.into());
            }
            None => {}
        }
    }

    fn has(&self, name: &str) -> bool {
        match Fields::common_number(name) {
            Some(n) => self
                .common
                .get(n as usize / 64)
                .is_some_and(|w| w & 1 << (n % 64) != 0),
            None => self.other.contains(name),
        }
    }
}

impl Names {
    /// Note the names of `e`'s fields.
    fn saw_fields(&mut self, e: &Event) {
        self.fields.of(e.kind).add_all(&e.fields);
    }

    fn clock(&mut self, c: &Arc<Clock>) -> u32 {
        if let Some((last, i)) = &self.last_clock {
            if Arc::ptr_eq(last, c) {
                return *i;
            }
        }
        let key = (
            c.zone.clone(),
            c.zone_source,
            c.date_source,
            c.detail.clone(),
        );
        let i = *self.clock_index.entry(key).or_insert_with(|| {
            self.clocks.push(c.clone());
            (self.clocks.len() - 1) as u32
        });
        self.last_clock = Some((c.clone(), i));
        i
    }

    fn host(&mut self, h: &SharedStr) -> u32 {
        // Consecutive events mostly share their host's name (a pointer
        // comparison, no hashing).
        if let Some((last, i)) = &self.last_host {
            if last.ptr_eq(h) {
                return *i;
            }
        }
        let i = match self.host_index.get(h.as_str()) {
            Some(&i) => i,
            None => {
                self.hosts.push(h.clone());
                let i = (self.hosts.len() - 1) as u32;
                self.host_index.insert(h.clone(), i);
                i
            }
        };
        self.last_host = Some((h.clone(), i));
        i
    }
}

/// Each file's path and format, by the file's number in the bundle.
type Files = Vec<Option<(Arc<str>, &'static str)>>;

/// Events gathered for one run, with their keys.
#[derive(Default)]
struct Buffer {
    items: Vec<(RunKey, Item)>,
    /// The bodies of the encoded items, one after the other.
    bodies: Vec<u8>,
}

/// An event gathered for a run: decoded, or still encoded as it was
/// spilled while parsing ([`RunWriter::push_encoded`]).
enum Item {
    Event(Event),
    Encoded {
        clock: Arc<Clock>,
        host: Option<SharedStr>,
        /// Where its body lies in the buffer's bodies.
        body: std::ops::Range<usize>,
    },
}

impl Buffer {
    fn len(&self) -> usize {
        self.items.len()
    }

    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Its events decoded (those of `files`, by number), with their keys.
    /// An encoded body that does not decode is a failure recorded, its
    /// event left out.
    fn into_events(self, files: &Files) -> Vec<(RunKey, Event)> {
        let bodies = self.bodies;
        self.items
            .into_iter()
            .filter_map(|(key, item)| match item {
                Item::Event(e) => Some((key, e)),
                Item::Encoded {
                    clock, host, body, ..
                } => {
                    let file = files.get(key.file as usize).and_then(Option::as_ref);
                    let raw = bodies.get(body).and_then(|b| get_body(&mut Get(b)));
                    let Some(((path, format), raw)) = file.zip(raw) else {
                        undecodable();
                        return None;
                    };
                    Some((
                        key,
                        raw.into_event(key.time(), clock, host, path.clone(), format),
                    ))
                }
            })
            .collect()
    }
}

/// Where normalization placed an event: its instant, how it was decided,
/// its canonical host.
pub struct Placement {
    /// The instant (None: the record has none).
    pub time: Option<Timestamp>,
    /// How the instant was decided.
    pub clock: Arc<Clock>,
    /// The canonical host.
    pub host: Option<SharedStr>,
}

/// What writing a run gave back: the names (the next run goes on
/// numbering with them), and the run's blocks, or the error and the
/// events, to keep in memory.
struct Written {
    names: Names,
    /// The run's blocks and the buffer emptied (its room kept for the
    /// next run: growing a buffer again for each run was a third of the
    /// time placing events), or the error and the events.
    result: Result<(Vec<RunBlock>, Buffer), (io::Error, Buffer)>,
}

/// Gathers normalized events; past its share of memory it hands what it
/// holds to a thread that sorts it and writes it as one run, while it
/// gathers the next (so at most two buffers are held).
pub struct RunWriter {
    files: Files,
    /// None while a run is being written (the writing thread has them).
    names: Option<Names>,
    buffer: Buffer,
    held: u64,
    run_bytes: u64,
    spool: Option<Arc<Spool>>,
    runs: Vec<Vec<RunBlock>>,
    /// The thread that writes runs (None until the first run, or when none
    /// could be made), and whether it holds a run now.
    writer: Option<Writer>,
    writing: bool,
    /// Events of runs that could not be written, kept in memory.
    kept: Vec<(RunKey, Event)>,
    /// A buffer a run was written from, emptied, for the next one.
    spare: Option<Buffer>,
    /// The field names of the events pushed encoded, per kind, and the
    /// number of the spill whose names were noted last per kind (0: none).
    encoded_fields: FieldsByKind,
    fields_from: [u64; Kind::ALL.len()],
    broken: bool,
    tally: Tally,
}

/// What the events given to a [`RunWriter`] were: how many of each kind,
/// and the earliest and latest instant.
#[derive(Clone, Debug, Default)]
struct Tally {
    per_kind: [u64; Kind::ALL.len()],
    first: Option<Timestamp>,
    last: Option<Timestamp>,
}

impl Tally {
    fn add(&mut self, kind: Kind, time: Option<Timestamp>) {
        self.per_kind[kind as usize] += 1;
        if let Some(t) = time {
            self.first = Some(self.first.map_or(t, |f| f.min(t)));
            self.last = Some(self.last.map_or(t, |l| l.max(t)));
        }
    }
}

impl RunWriter {
    /// A writer that holds about `run_bytes` of events (by estimate) before
    /// it writes a run; `spill` false keeps every event in memory (the
    /// result is then the events, sorted, as one vector).
    pub fn new(run_bytes: u64, spill: bool) -> RunWriter {
        RunWriter {
            files: Vec::new(),
            names: Some(Names::default()),
            buffer: Buffer::default(),
            held: 0,
            run_bytes,
            spool: None,
            runs: Vec::new(),
            writer: None,
            writing: false,
            kept: Vec::new(),
            spare: None,
            encoded_fields: FieldsByKind::default(),
            fields_from: [0; Kind::ALL.len()],
            broken: !spill,
            tally: Tally::default(),
        }
    }

    /// Add the event of the bundle's file number `file` (its `format`).
    pub fn push(&mut self, e: Event, file: u32, format: &'static str) {
        self.know_file(file, &e.evidence.file, format);
        if !self.broken {
            self.held += estimate(&e);
        }
        self.tally.add(e.kind, e.time);
        self.buffer
            .items
            .push((RunKey::of(&e, file), Item::Event(e)));
        self.after_push();
    }

    /// Add a parsed event spilled while parsing and read back encoded,
    /// placed by normalization as `at`: its body goes to the run as it
    /// was written, never decoded (what [`RunWriter::push`] of the decoded
    /// event would write, at a fraction of the work). `file`, `path` and
    /// `format`: its file's number in the bundle, path and format.
    pub fn push_encoded(
        &mut self,
        raw: &crate::EncodedRaw<'_>,
        at: Placement,
        file: u32,
        path: &Arc<str>,
        format: &'static str,
    ) {
        self.know_file(file, path, format);
        if !self.broken {
            self.held += (std::mem::size_of::<(RunKey, Item)>() + raw.body.len()) as u64;
        }
        self.tally.add(raw.kind, at.time);
        let key = RunKey::at(at.time, file, raw.line);
        let start = self.buffer.bodies.len();
        self.buffer.bodies.extend_from_slice(raw.body);
        let item = Item::Encoded {
            clock: at.clock,
            host: at.host,
            body: start..self.buffer.bodies.len(),
        };
        // The names of its fields: those its spill saw in its kind, noted
        // once per spill and kind (its body is never read here).
        let k = raw.kind as usize;
        if let Some((spill, names)) = raw.fields {
            if self.fields_from[k] != spill {
                self.fields_from[k] = spill;
                self.encoded_fields.of(raw.kind).merge(names);
            }
        }
        self.buffer.items.push((key, item));
        self.after_push();
    }

    fn know_file(&mut self, file: u32, path: &Arc<str>, format: &'static str) {
        let i = file as usize;
        if self.files.len() <= i {
            self.files.resize(i + 1, None);
        }
        if self.files[i].is_none() {
            self.files[i] = Some((path.clone(), format));
        }
    }

    fn after_push(&mut self) {
        if self.held > self.run_bytes {
            self.write_run();
        }
    }

    /// Hand the buffer to the thread that writes runs, once the run before
    /// is written (kept in memory when writing fails: the first error is
    /// kept for [`SpillStats::trouble`](crate::SpillStats)).
    fn write_run(&mut self) {
        self.held = 0;
        self.collect();
        if self.buffer.is_empty() || self.broken {
            return;
        }
        if self.spool.is_none() {
            match Spool::new() {
                Ok(s) => self.spool = Some(Arc::new(s)),
                Err(e) => return self.fail(e),
            }
        }
        let (Some(spool), Some(names)) = (self.spool.clone(), self.names.take()) else {
            return;
        };
        if self.writer.is_none() {
            self.writer = start_writer(spool.clone());
        }
        let fresh = self.spare.take().unwrap_or_default();
        let job = (std::mem::replace(&mut self.buffer, fresh), names);
        let (buffer, names) = match &self.writer {
            Some(w) => match w.jobs.send(job) {
                Ok(()) => {
                    self.writing = true;
                    return;
                }
                Err(back) => back.0,
            },
            None => job,
        };
        // No thread to write it (none could be made): written here.
        let done = write(buffer, names, &spool);
        self.take_written(done);
    }

    /// Wait for the run being written, if any, and take what it gave.
    fn collect(&mut self) {
        if !std::mem::take(&mut self.writing) {
            return;
        }
        match self.writer.as_ref().map(|w| w.done.recv()) {
            Some(Ok(done)) => self.take_written(done),
            // The writer panicked (a bug): its events are gone; say so.
            _ => {
                crate::record_failure(&"the thread writing sorted events stopped");
                self.names = Some(Names::default());
                self.broken = true;
            }
        }
    }

    fn take_written(&mut self, done: Written) {
        self.names = Some(done.names);
        match done.result {
            Ok((blocks, spare)) => {
                crate::RUNS.fetch_add(1, Ordering::Relaxed);
                self.runs.push(blocks);
                self.spare = Some(spare);
            }
            Err((e, events)) => {
                self.kept.extend(events.into_events(&self.files));
                self.fail(e);
            }
        }
    }

    fn fail(&mut self, e: io::Error) {
        crate::record_trouble(&format!("writing sorted events to a temporary file: {e}"));
        self.broken = true;
    }

    /// All events are in: either every event, sorted (nothing was written,
    /// or writing failed and what was written is read back), or the runs.
    pub fn finish(mut self) -> io::Result<(Vec<Event>, Option<Runs>)> {
        if !self.runs.is_empty() || self.writing {
            self.write_run();
        }
        self.collect();
        let mut names = self.names.take().unwrap_or_default();
        names.fields.merge(&self.encoded_fields);
        let mut runs = Runs {
            files: std::mem::take(&mut self.files),
            names,
            spool: self.spool.take(),
            runs: std::mem::take(&mut self.runs),
            tally: std::mem::take(&mut self.tally),
            keep: None,
        };
        if runs.runs.is_empty() || self.broken {
            let mut all = runs.merge().collect::<io::Result<Vec<_>>>()?;
            all.append(&mut self.kept);
            all.extend(std::mem::take(&mut self.buffer).into_events(&runs.files));
            // Stable: equal keys keep the order they came in.
            all.sort_by_key(|a| a.0);
            return Ok((all.into_iter().map(|(_, e)| e).collect(), None));
        }
        // The buffers runs were gathered in are not needed again: their
        // room goes back before the merges that follow take theirs.
        self.spare = None;
        self.buffer = Buffer::default();
        match runs.narrow(fan_in(self.run_bytes)) {
            Ok(passes) => {
                crate::PASSES.fetch_add(passes.into(), Ordering::Relaxed);
            }
            Err(e) => crate::record_narrow_trouble(&e),
        }
        Ok((Vec::new(), Some(runs)))
    }
}

/// The thread that writes runs: buffers in, what writing each gave back out.
struct Writer {
    jobs: std::sync::mpsc::SyncSender<(Buffer, Names)>,
    done: std::sync::mpsc::Receiver<Written>,
}

/// Start the thread that writes runs to `spool` (None when it cannot be made;
/// it ends when its [`Writer`] is dropped).
fn start_writer(spool: Arc<Spool>) -> Option<Writer> {
    let (jobs, inbox) = std::sync::mpsc::sync_channel::<(Buffer, Names)>(1);
    let (outbox, done) = std::sync::mpsc::sync_channel::<Written>(1);
    std::thread::Builder::new()
        .name("uctriage-runs".into())
        .spawn(move || {
            for (buffer, names) in inbox {
                if outbox.send(write(buffer, names, &spool)).is_err() {
                    return;
                }
            }
        })
        .ok()?;
    Some(Writer { jobs, done })
}

/// Sort `buffer` and write it as one run.
fn write(mut buffer: Buffer, mut names: Names, spool: &Spool) -> Written {
    // Sort the keys, not the events (no event moves); the index makes
    // every key distinct, so the order is the stable one.
    let mut order: Vec<(RunKey, u32)> = (buffer.items.iter().zip(0..))
        .map(|((k, _), i)| (*k, i))
        .collect();
    order.sort_unstable();
    let mut out = BlockWriter {
        bytes: Vec::with_capacity(BLOCK + 4096),
        ..BlockWriter::default()
    };
    let mut body = Vec::new();
    for (key, i) in order {
        let p = &mut Put(&mut out.bytes);
        match &buffer.items[i as usize].1 {
            Item::Event(e) => put_placed(p, &mut names, &key, e, &mut body),
            Item::Encoded { clock, host, body } => {
                // Its field names come from its spill (push_encoded).
                let body = &buffer.bodies[body.clone()];
                put_head(p, &mut names, &key, clock, host.as_ref());
                p.bytes(body);
            }
        }
        if let Err(e) = out.done(key, spool, true) {
            return Written {
                names,
                result: Err((e, buffer)),
            };
        }
    }
    let blocks = match out.finish(spool, true) {
        Ok(blocks) => blocks,
        Err(e) => {
            return Written {
                names,
                result: Err((e, buffer)),
            }
        }
    };
    crate::RUN_EVENTS.fetch_add(buffer.len() as u64, Ordering::Relaxed);
    buffer.items.clear();
    buffer.bodies.clear();
    Written {
        names,
        result: Ok((blocks, buffer)),
    }
}

/// What an event is estimated to hold in memory.
fn estimate(e: &Event) -> u64 {
    (std::mem::size_of::<Event>()
        + std::mem::size_of::<RunKey>()
        + e.evidence.text.len()
        + e.summary.len()
        + e.fields.heap_bytes()
        + e.entities.len() * std::mem::size_of::<uctriage_core::Entity>()) as u64
}

/// Encode a placed event (`body`: a buffer to encode its body in).
fn put_placed(p: &mut Put<'_>, t: &mut Names, key: &RunKey, e: &Event, body: &mut Vec<u8>) {
    put_head(p, t, key, &e.clock, e.host.as_ref());
    t.saw_fields(e);
    body.clear();
    put_body(
        &mut Put(body),
        e.kind,
        e.severity,
        &e.summary,
        &e.fields,
        &e.entities,
        e.evidence.line,
        &e.evidence.text,
    );
    p.bytes(body);
}

/// Encode a placed event's head, up to its body.
fn put_head(
    p: &mut Put<'_>,
    t: &mut Names,
    key: &RunKey,
    clock: &Arc<Clock>,
    host: Option<&SharedStr>,
) {
    let host = host.map_or(0, |h| t.host(h) + 1);
    put_key(p, key, t.clock(clock), host);
}

/// Encode a head from its key and the numbers of its clock and host (0:
/// none, else the host's number + 1), up to its body.
fn put_key(p: &mut Put<'_>, key: &RunKey, clock: u32, host: u32) {
    p.uint(key.second);
    p.uint(key.nano as u64);
    p.uint(key.file as u64);
    p.uint(clock as u64);
    p.uint(host as u64);
    p.uint(key.line);
}

/// A placed event's head, as a merge holds it: its key, what it points at
/// by number, and where its body lies in the block.
#[derive(Clone, Copy, Debug)]
struct Placed {
    key: RunKey,
    kind: Kind,
    clock: u32,
    /// 0: none, else the host's number + 1.
    host: u32,
    body: (usize, usize),
}

/// Read the record at `bytes[at..]`: None when the bytes do not decode,
/// Some((end, None)) when its kind is not in `kinds` or `keep` refuses it
/// (its body skipped), else its head.
fn parse_placed(
    bytes: &[u8],
    at: usize,
    t: &Names,
    kinds: KindSet,
    keep: Option<&Keep>,
) -> Option<(usize, Option<Placed>)> {
    let mut g = Get(bytes.get(at..)?);
    let second = g.uint()?;
    let nano = u32::try_from(g.uint()?).ok()?;
    let file = u32::try_from(g.uint()?).ok()?;
    let clock = u32::try_from(g.uint()?).ok()?;
    let host = u32::try_from(g.uint()?).ok()?;
    if host > 0 {
        t.hosts.get(host as usize - 1)?;
    }
    let line = g.uint()?;
    let body = g.bytes()?;
    let end = bytes.len() - g.0.len();
    let body_at = end - body.len();
    let kind = *Kind::ALL.get(usize::from(*body.first()?))?;
    let key = RunKey {
        second,
        nano,
        file,
        line,
    };
    t.clocks.get(clock as usize)?;
    let placed = Placed {
        key,
        kind,
        clock,
        host,
        body: (body_at, end),
    };
    let kept = || keep.is_none_or(|k| k(placed.head(t)));
    if !kinds.contains(kind) || !kept() {
        return Some((end, None));
    }
    Some((end, Some(placed)))
}

impl Placed {
    /// Its time, host and kind (its host known to be in `t`).
    fn head<'n>(&self, t: &'n Names) -> Head<'n> {
        Head {
            time: self.key.time(),
            host: self
                .host
                .checked_sub(1)
                .and_then(|i| t.hosts.get(i as usize))
                .map(|h| h.as_str()),
            kind: self.kind,
        }
    }
}

/// An event of the runs as it lies in its block: the head decoded, the
/// body read a part at a time as it is asked for ([`View::event`] decodes
/// it whole). For readers that look at a few parts of many events.
pub struct View<'a> {
    key: RunKey,
    kind: Kind,
    host: Option<&'a SharedStr>,
    clock: &'a Arc<Clock>,
    file: Option<&'a (Arc<str>, &'static str)>,
    body: Body<'a>,
}

impl<'a> View<'a> {
    fn of(p: &Placed, bytes: &'a [u8], runs: &'a Runs) -> Option<View<'a>> {
        let body = bytes.get(p.body.0..p.body.1)?;
        Some(View {
            key: p.key,
            kind: p.kind,
            host: match p.host {
                0 => None,
                i => Some(runs.names.hosts.get(i as usize - 1)?),
            },
            clock: runs.names.clocks.get(p.clock as usize)?,
            file: runs.files.get(p.key.file as usize)?.as_ref(),
            body: Body(body),
        })
    }

    /// Its key in the merge.
    pub fn key(&self) -> &RunKey {
        &self.key
    }

    /// Its instant.
    pub fn time(&self) -> Option<Timestamp> {
        self.key.time()
    }

    /// Its kind.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Its canonical host.
    pub fn host(&self) -> Option<&'a SharedStr> {
        self.host
    }

    /// The file it was read from (bundle-relative path).
    pub fn file(&self) -> &'a str {
        self.file.map_or("", |(path, _)| path)
    }

    /// The format of its file.
    pub fn format(&self) -> &'static str {
        self.file.map_or("", |(_, format)| format)
    }

    /// Its line in the file.
    pub fn line(&self) -> u64 {
        self.key.line
    }

    /// Its summary ("" when the record is damaged, a failure recorded).
    pub fn summary(&self) -> &'a str {
        self.body.summary().unwrap_or_else(|| {
            undecodable();
            ""
        })
    }

    /// The value of its field `name`.
    pub fn field(&self, name: &str) -> Option<&'a str> {
        self.body.field(name)
    }

    /// The first id of its entities of `kind` that `pred` accepts.
    pub fn find_entity(&self, kind: EntityKind, pred: impl FnMut(&str) -> bool) -> Option<&'a str> {
        self.body.find_entity(kind, pred)
    }

    /// The raw line's text ("" when the record is damaged, a failure
    /// recorded).
    pub fn text(&self) -> &'a str {
        self.body.text().unwrap_or_else(|| {
            undecodable();
            ""
        })
    }

    /// The whole event (None when the record is damaged, a failure
    /// recorded).
    pub fn event(&self) -> Option<Event> {
        let decoded = self.file.zip(get_body(&mut Get(self.body.0)));
        let Some(((path, format), raw)) = decoded else {
            undecodable();
            return None;
        };
        let (path, format) = (path.clone(), *format);
        Some(raw.into_event(
            self.time(),
            self.clock.clone(),
            self.host.cloned(),
            path,
            format,
        ))
    }
}

/// What [`Runs::each_head`] reads of an event: enough to filter it by
/// time, host and kind.
#[derive(Clone, Copy, Debug)]
pub struct Head<'a> {
    /// Its instant.
    pub time: Option<Timestamp>,
    /// Its canonical host.
    pub host: Option<&'a str>,
    /// Its kind.
    pub kind: Kind,
}

impl<'a> Head<'a> {
    /// The head of an event in memory.
    pub fn of(e: &'a Event) -> Head<'a> {
        Head {
            time: e.time,
            host: e.host.as_deref(),
            kind: e.kind,
        }
    }
}

/// Sorted runs of events on disk.
pub struct Runs {
    files: Files,
    names: Names,
    spool: Option<Arc<Spool>>,
    runs: Vec<Vec<RunBlock>>,
    tally: Tally,
    /// The events readers see ([`Runs::restrict`]); None: all.
    keep: Option<Keep>,
}

/// Which events of the runs readers see, by their [`Head`].
pub type Keep = Arc<dyn Fn(Head<'_>) -> bool + Send + Sync>;

impl std::fmt::Debug for Runs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runs")
            .field("runs", &self.runs.len())
            .finish()
    }
}

impl Runs {
    /// How many runs.
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// How many events the runs hold (those [`Runs::restrict`] keeps).
    pub fn events(&self) -> u64 {
        self.tally.per_kind.iter().sum()
    }

    /// From now on, readers see only the events `keep` accepts (an
    /// analysis limited to some hosts or a time window), in place of any
    /// earlier restriction: the counts and extremes are taken again over
    /// those, in one pass over the heads.
    pub fn restrict(&mut self, keep: Keep) -> io::Result<()> {
        let mut tally = Tally::default();
        let mut held = self.keep.replace(keep);
        let counted = self.each_head(Span::default(), |h| tally.add(h.kind, h.time));
        if let Err(e) = counted {
            std::mem::swap(&mut self.keep, &mut held);
            return Err(e);
        }
        self.tally = tally;
        Ok(())
    }

    /// Whether some event of `kind` in the runs may have the field `name`
    /// (false: none has; a reader wanting only that field skips the kind).
    pub fn may_have_field(&self, kind: Kind, name: &str) -> bool {
        self.names.fields.get(kind).is_some_and(|f| f.has(name))
    }

    /// The formats of the files whose events the runs hold.
    pub fn formats(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.files.iter().flatten().map(|(_, format)| *format)
    }

    /// How many events of `kind` the runs hold.
    pub fn count(&self, kind: Kind) -> u64 {
        self.tally.per_kind[kind as usize]
    }

    /// The earliest instant of the events.
    pub fn first_time(&self) -> Option<Timestamp> {
        self.tally.first
    }

    /// The latest instant of the events.
    pub fn last_time(&self) -> Option<Timestamp> {
        self.tally.last
    }

    /// Every event's [`Head`] in the blocks `span` wants, run after run (not
    /// in order), decoding nothing else: cheaper than [`Runs::merge`] for a
    /// count or a width.
    pub fn each_head(&self, span: Span, mut f: impl FnMut(Head<'_>)) -> io::Result<()> {
        let spool = match &self.spool {
            Some(s) => s,
            None if self.runs.is_empty() => return Ok(()),
            None => return Err(io::Error::other("no temporary file")),
        };
        let mut bytes = Vec::new();
        for rb in self.runs.iter().flatten() {
            if span.excludes(&rb.first, &rb.last) {
                continue;
            }
            let block = &rb.block;
            spool.read(block, &mut bytes)?;
            let mut at = 0;
            for _ in 0..block.records {
                let keep = self.keep.as_ref();
                let Some((end, placed)) = parse_placed(&bytes, at, &self.names, KindSet::ALL, keep)
                else {
                    return Err(undecodable());
                };
                if let Some(p) = placed {
                    f(p.head(&self.names));
                }
                at = end;
            }
        }
        Ok(())
    }

    /// Call `f` with a [`View`] of each event of `kinds` of the run number
    /// `run` (below [`Runs::len`]), in the run's order (each run is sorted:
    /// the order of the merge among its own events; equal keys in two runs
    /// come from the earlier run first). Runs read this way on several
    /// threads at once and taken together give what one merge gives, for a
    /// reader that needs no order across runs (the earliest event meeting a
    /// test). Stops when `f` breaks, or at the first read that fails
    /// (recorded, as every failed read is).
    /// Only the blocks `span` wants are read (some events outside it come).
    pub fn each_view_of_run<B>(
        &self,
        run: usize,
        span: Span,
        kinds: KindSet,
        mut f: impl FnMut(&View<'_>) -> ControlFlow<B>,
    ) -> io::Result<ControlFlow<B>> {
        let Some(blocks) = self.runs.get(run) else {
            return Ok(ControlFlow::Continue(()));
        };
        let spool = self
            .spool
            .as_ref()
            .ok_or_else(|| io::Error::other("no temporary file"))?;
        let mut bytes = Vec::new();
        for rb in blocks
            .iter()
            .filter(|rb| !span.excludes(&rb.first, &rb.last))
        {
            if let Err(e) = spool.read(&rb.block, &mut bytes) {
                let e = io::Error::new(
                    e.kind(),
                    format!("reading sorted events back from the temporary file: {e}"),
                );
                crate::record_failure(&e);
                return Err(e);
            }
            let mut at = 0;
            for _ in 0..rb.block.records {
                let keep = self.keep.as_ref();
                let Some((end, placed)) = parse_placed(&bytes, at, &self.names, kinds, keep) else {
                    return Err(undecodable());
                };
                at = end;
                let Some(p) = placed else { continue };
                let Some(view) = View::of(&p, &bytes, self) else {
                    return Err(undecodable());
                };
                if let ControlFlow::Break(b) = f(&view) {
                    return Ok(ControlFlow::Break(b));
                }
            }
        }
        Ok(ControlFlow::Continue(()))
    }

    /// Call `f` with each event of `kinds` of [`Runs::merge_kinds`], in
    /// order, merged on another thread a batch ahead of `f` (reading and
    /// decoding overlap with what `f` does). Stops when `f` breaks, or at
    /// the first read that fails (recorded, as every failed read is).
    pub fn each_merged<B>(
        &self,
        span: Span,
        kinds: KindSet,
        mut f: impl FnMut(&RunKey, &Event) -> ControlFlow<B>,
    ) -> io::Result<ControlFlow<B>> {
        /// Events per hand-over between the threads.
        const BATCH: usize = 512;
        std::thread::scope(|s| {
            type Batch = Vec<(RunKey, Event)>;
            let (tx, rx) = std::sync::mpsc::sync_channel::<io::Result<Batch>>(2);
            let merge = self.merge_kinds(span, kinds);
            s.spawn(move || {
                let mut batch = Vec::with_capacity(BATCH);
                for r in merge {
                    match r {
                        Ok(keyed) => batch.push(keyed),
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            return;
                        }
                    }
                    if batch.len() == BATCH {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                        if tx.send(Ok(full)).is_err() {
                            return; // The reader stopped.
                        }
                    }
                }
                let _ = tx.send(Ok(batch));
            });
            for batch in rx {
                for (k, e) in &batch? {
                    if let ControlFlow::Break(b) = f(k, e) {
                        return Ok(ControlFlow::Break(b));
                    }
                }
            }
            Ok(ControlFlow::Continue(()))
        })
    }

    /// Every event of every run, in order (each with its key). Holds one
    /// block per run in memory.
    pub fn merge(&self) -> Merge<'_> {
        self.merge_within(Span::default())
    }

    /// [`Runs::merge`], not reading the blocks `span` does not want: every
    /// event inside it comes, in order, and some outside it.
    pub fn merge_within(&self, span: Span) -> Merge<'_> {
        self.merge_kinds(span, KindSet::ALL)
    }

    /// [`Runs::merge_within`], decoding only the events of `kinds` (the
    /// others are skipped, never built).
    pub fn merge_kinds(&self, span: Span, kinds: KindSet) -> Merge<'_> {
        self.merge_of(&self.runs, span, kinds)
    }

    /// The merge of `runs` (some consecutive runs of these).
    fn merge_of<'a>(&'a self, runs: &'a [Vec<RunBlock>], span: Span, kinds: KindSet) -> Merge<'a> {
        let mut m = Merge {
            runs: self,
            span,
            kinds,
            cursors: runs
                .iter()
                .map(|blocks| Cursor {
                    blocks,
                    next_block: 0,
                    bytes: Vec::new(),
                    pos: 0,
                    left: 0,
                })
                .collect(),
            heads: vec![None; runs.len()],
            heap: BinaryHeap::with_capacity(runs.len()),
            failed: None,
        };
        for i in 0..runs.len() {
            m.advance(i);
        }
        m
    }

    /// Merge consecutive runs into one, pass after pass, until at most
    /// `fan_in` remain, so that a merge holds at most `fan_in` blocks in
    /// memory however many runs the input made (an input many times the
    /// budget, or a tiny budget). A pass merges groups of up to `fan_in`
    /// runs from the first, only as many as it takes (a few runs too many
    /// cost a merge of a few runs, not a copy of all). Readers see the same
    /// events in the same order: consecutive runs merged stably keep the
    /// tie order of one merge of all. Records are copied as they lie, never
    /// decoded, to the end of the same temporary file. Only for runs
    /// nothing restricts yet (see [`Runs::restrict`]). Returns the passes
    /// made; on an error the runs are left as they were (complete, merged
    /// all at once).
    fn narrow(&mut self, fan_in: usize) -> io::Result<u32> {
        let fan_in = fan_in.max(2);
        let Some(spool) = self.spool.clone() else {
            return Ok(0);
        };
        let mut passes = 0;
        while self.runs.len() > fan_in && self.keep.is_none() {
            uctriage_core::stages::begin(|| {
                format!(
                    "merging {} sorted runs into fewer (pass {})",
                    self.runs.len(),
                    passes + 1
                )
            });
            // A group of g runs merged leaves g - 1 fewer.
            let mut excess = self.runs.len() - fan_in;
            let mut narrowed = Vec::new();
            let mut rest = &self.runs[..];
            while let Some(first) = rest.first() {
                let take = (excess + 1).min(fan_in).min(rest.len());
                let (group, after) = rest.split_at(take);
                narrowed.push(match group {
                    [_] => first.to_vec(),
                    _ => self.copy_merged(group, &spool)?,
                });
                excess -= take - 1;
                rest = after;
            }
            self.runs = narrowed;
            passes += 1;
        }
        Ok(passes)
    }

    /// Write the merge of `group` to `spool` as one run.
    fn copy_merged(&self, group: &[Vec<RunBlock>], spool: &Spool) -> io::Result<Vec<RunBlock>> {
        let mut m = self.merge_of(group, Span::default(), KindSet::ALL);
        let mut out = BlockWriter::default();
        while let Some((i, p)) = m.pop() {
            let (start, end) = p.body;
            let body = m.cursors[i].bytes.get(start..end).ok_or_else(undecodable)?;
            let put = &mut Put(&mut out.bytes);
            put_key(put, &p.key, p.clock, p.host);
            put.bytes(body);
            out.done(p.key, spool, false)?;
            m.advance(i);
            if let Some(e) = m.failed.take() {
                return Err(e);
            }
        }
        out.finish(spool, false)
    }
}

/// Fills a run's blocks: records are appended to [`BlockWriter::bytes`],
/// each followed by [`BlockWriter::done`], which writes the block once it
/// reaches [`BLOCK`] bytes.
#[derive(Default)]
struct BlockWriter {
    bytes: Vec<u8>,
    records: u32,
    first: Option<RunKey>,
    last: Option<RunKey>,
    blocks: Vec<RunBlock>,
}

impl BlockWriter {
    /// The record of `key` was appended to `bytes`. `count`: the block's
    /// bytes count in [`crate::stats`] (a run written, not one narrowed).
    fn done(&mut self, key: RunKey, spool: &Spool, count: bool) -> io::Result<()> {
        self.records += 1;
        self.first.get_or_insert(key);
        self.last = Some(key);
        if self.bytes.len() >= BLOCK {
            self.flush(spool, count)?;
        }
        Ok(())
    }

    fn flush(&mut self, spool: &Spool, count: bool) -> io::Result<()> {
        let block = spool.append(&self.bytes, self.records)?;
        if count {
            crate::RUN_BYTES.fetch_add(block.len as u64, Ordering::Relaxed);
        }
        if let (Some(first), Some(last)) = (self.first.take(), self.last) {
            self.blocks.push(RunBlock { block, first, last });
        }
        self.bytes.clear();
        self.records = 0;
        Ok(())
    }

    /// The run's blocks, the last written.
    fn finish(mut self, spool: &Spool, count: bool) -> io::Result<Vec<RunBlock>> {
        if !self.bytes.is_empty() {
            self.flush(spool, count)?;
        }
        Ok(self.blocks)
    }
}

/// Where a run is read.
struct Cursor<'a> {
    blocks: &'a [RunBlock],
    next_block: usize,
    bytes: Vec<u8>,
    /// Where the next record starts in `bytes`.
    pos: usize,
    /// Records left in the block in `bytes`.
    left: u32,
}

/// The merge of sorted runs: yields every event once, in order.
pub struct Merge<'a> {
    runs: &'a Runs,
    span: Span,
    kinds: KindSet,
    cursors: Vec<Cursor<'a>>,
    /// Each run's next event (in its cursor's block).
    heads: Vec<Option<Placed>>,
    heap: BinaryHeap<Reverse<(RunKey, usize)>>,
    failed: Option<io::Error>,
}

impl<'a> Merge<'a> {
    /// Find run `i`'s next wanted event and put it on the heap.
    fn advance(&mut self, i: usize) {
        self.heads[i] = None;
        match self.read(i) {
            Ok(Some(p)) => {
                self.heads[i] = Some(p);
                self.heap.push(Reverse((p.key, i)));
            }
            Ok(None) => {}
            Err(e) => {
                let e = io::Error::new(
                    e.kind(),
                    format!("reading sorted events back from the temporary file: {e}"),
                );
                crate::record_failure(&e);
                if self.failed.is_none() {
                    self.failed = Some(e);
                }
            }
        }
    }

    /// Run `i`'s next event of the wanted kinds.
    fn read(&mut self, i: usize) -> io::Result<Option<Placed>> {
        let c = &mut self.cursors[i];
        loop {
            if c.left == 0 {
                let block = loop {
                    let Some(rb) = c.blocks.get(c.next_block) else {
                        return Ok(None);
                    };
                    c.next_block += 1;
                    if !self.span.excludes(&rb.first, &rb.last) {
                        break &rb.block;
                    }
                };
                let spool = self
                    .runs
                    .spool
                    .as_ref()
                    .ok_or_else(|| io::Error::other("no temporary file"))?;
                spool.read(block, &mut c.bytes)?;
                c.pos = 0;
                c.left = block.records;
            }
            let runs = self.runs;
            let (end, got) =
                parse_placed(&c.bytes, c.pos, &runs.names, self.kinds, runs.keep.as_ref())
                    .ok_or_else(|| io::Error::other("sorted events that do not decode"))?;
            c.pos = end;
            c.left -= 1;
            if got.is_some() {
                return Ok(got);
            }
        }
    }

    /// The next event's view, taken off the heap (its run not advanced yet).
    fn pop(&mut self) -> Option<(usize, Placed)> {
        let Reverse((_, i)) = self.heap.pop()?;
        Some((i, self.heads[i]?))
    }

    /// Call `f` with a [`View`] of each event, in order; stops when `f`
    /// breaks, or at the first read that fails.
    pub fn each_view<B>(
        mut self,
        mut f: impl FnMut(&View<'_>) -> ControlFlow<B>,
    ) -> io::Result<ControlFlow<B>> {
        loop {
            if let Some(e) = self.failed.take() {
                return Err(e);
            }
            let Some((i, p)) = self.pop() else {
                return Ok(ControlFlow::Continue(()));
            };
            let Some(view) = View::of(&p, &self.cursors[i].bytes, self.runs) else {
                return Err(undecodable());
            };
            if let ControlFlow::Break(b) = f(&view) {
                return Ok(ControlFlow::Break(b));
            }
            self.advance(i);
        }
    }
}

/// A record that does not decode, recorded for the front end.
fn undecodable() -> io::Error {
    let e = io::Error::other(
        "reading sorted events back from the temporary file: sorted events that do not decode",
    );
    crate::record_failure(&e);
    e
}

impl Iterator for Merge<'_> {
    type Item = io::Result<(RunKey, Event)>;

    fn next(&mut self) -> Option<io::Result<(RunKey, Event)>> {
        if let Some(e) = self.failed.take() {
            self.heap.clear();
            return Some(Err(e));
        }
        let (i, p) = self.pop()?;
        let e = View::of(&p, &self.cursors[i].bytes, self.runs).and_then(|v| v.event());
        let Some(e) = e else {
            self.heap.clear();
            return Some(Err(undecodable()));
        };
        self.advance(i);
        Some(Ok((p.key, e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uctriage_core::{Kind, RawEvent, RawTime};

    fn event(file: &Arc<str>, clock: &Arc<Clock>, line: u64, second: i64) -> Event {
        RawEvent::new(line, &format!("raw {line}"), Kind::Log, format!("s{line}"))
            .at(RawTime::Unknown)
            .with_field("n", line.to_string())
            .into_event(
                (second >= 0).then(|| Timestamp::new(second, 0).unwrap()),
                clock.clone(),
                Some(SharedStr::from(format!("h{}", line % 3))),
                file.clone(),
                "generic-log",
            )
    }

    fn sorted(events: &[(u32, Event)]) -> Vec<Event> {
        let mut all: Vec<(RunKey, Event)> = events
            .iter()
            .map(|(f, e)| (RunKey::of(e, *f), e.clone()))
            .collect();
        all.sort_by_key(|a| a.0);
        all.into_iter().map(|(_, e)| e).collect()
    }

    /// `input` given to a writer of runs of `run_bytes` (`spill`: may it
    /// write runs), finished.
    fn written(input: &[(u32, Event)], run_bytes: u64, spill: bool) -> (Vec<Event>, Option<Runs>) {
        let mut w = RunWriter::new(run_bytes, spill);
        for (f, e) in input.iter().cloned() {
            w.push(e, f, "generic-log");
        }
        w.finish().unwrap()
    }

    #[test]
    fn runs_merge_back_as_one_stable_sort_of_all_events() {
        let files: Vec<Arc<str>> = vec!["a.log".into(), "b.log".into()];
        let clocks: Vec<Arc<Clock>> = vec![
            Arc::new(Clock::stated("one")),
            Arc::new(Clock::stated("two")),
        ];
        // Out of order within files, duplicate keys (two events of a
        // line), undated events, one instant before 1970.
        let mut input = Vec::new();
        for i in 0..5000u64 {
            let f = (i % 2) as u32;
            // Lines repeat (two events of one line, same instant).
            let line = i / 4;
            let second = if i % 97 == 0 {
                -1
            } else {
                ((line * 7919) % 1000) as i64 - 3
            };
            let mut e = event(&files[f as usize], &clocks[(i % 2) as usize], line, second);
            e.summary = SharedStr::from(format!("event {i}"));
            if i % 3 == 0 {
                e.kind = Kind::DeviceUnregistered;
            }
            input.push((f, e));
        }
        // Runs few enough for one merge to read them all at once.
        let (mem, runs) = written(&input, 128 << 10, true);
        assert!(mem.is_empty());
        let runs = runs.expect("written as runs");
        assert!(
            (4..=MIN_FAN_IN).contains(&runs.len()),
            "several runs: {}",
            runs.len()
        );
        assert_eq!(runs.events(), 5000);
        let merged: Vec<Event> = runs.merge().map(|r| r.unwrap().1).collect();
        assert_eq!(merged, sorted(&input));
        // The heads are every event's time, host and kind (in run order).
        let mut heads = Vec::new();
        runs.each_head(Span::default(), |h| {
            heads.push((h.time, h.host.map(str::to_string), h.kind))
        })
        .unwrap();
        let mut want: Vec<_> = merged
            .iter()
            .map(|e| (e.time, e.host.as_deref().map(str::to_string), e.kind))
            .collect();
        heads.sort();
        want.sort();
        assert_eq!(heads, want);
        // Views read the same parts in place, in the same order.
        let mut viewed = Vec::new();
        let flow = runs.merge().each_view(|v| {
            let e = v.event().unwrap();
            assert_eq!(
                (v.time(), v.kind(), v.host().cloned(), v.line()),
                (e.time, e.kind, e.host.clone(), e.evidence.line)
            );
            assert_eq!((v.file(), v.format()), (&*e.evidence.file, e.format));
            assert_eq!(v.summary(), &*e.summary);
            assert_eq!(v.field("n"), e.fields.get("n"));
            assert_eq!(v.field("none"), None);
            assert_eq!(v.text(), e.evidence.text.get());
            viewed.push(e);
            ControlFlow::<()>::Continue(())
        });
        assert!(flow.unwrap().is_continue());
        assert_eq!(viewed, merged);
        // One kind: its events, in the same order, the others never built.
        let one = KindSet::of(&[Kind::DeviceUnregistered]);
        let of_one: Vec<Event> = runs
            .merge_kinds(Span::default(), one)
            .map(|r| r.unwrap().1)
            .collect();
        let want: Vec<Event> = merged
            .iter()
            .filter(|e| e.kind == Kind::DeviceUnregistered)
            .cloned()
            .collect();
        assert_eq!(of_one, want);
        assert_eq!(runs.count(Kind::DeviceUnregistered), want.len() as u64);
        assert!(runs.may_have_field(Kind::DeviceUnregistered, "n"));
        assert!(!runs.may_have_field(Kind::DeviceUnregistered, "DeviceClass"));
        assert!(!runs.may_have_field(Kind::Alarm, "n"));
        assert_eq!(runs.count(Kind::Log), 5000 - want.len() as u64);
        let timed = || merged.iter().filter_map(|e| e.time);
        assert_eq!(runs.first_time(), timed().min());
        assert_eq!(runs.last_time(), timed().max());
        // Restricted to one host and a window: readers see only those.
        let mut runs = runs;
        let wanted = |host: Option<&str>, time: Option<Timestamp>| {
            host == Some("h1") && time.is_some_and(|t| t.as_second() >= 500)
        };
        runs.restrict(Arc::new(move |h: Head<'_>| wanted(h.host, h.time)))
            .unwrap();
        let want: Vec<Event> = merged
            .iter()
            .filter(|e| wanted(e.host.as_deref(), e.time))
            .cloned()
            .collect();
        assert!(!want.is_empty() && want.len() < merged.len() / 3);
        let seen: Vec<Event> = runs.merge().map(|r| r.unwrap().1).collect();
        assert_eq!(seen, want);
        assert_eq!(runs.events(), want.len() as u64);
        let mut heads = 0;
        runs.each_head(Span::default(), |_| heads += 1).unwrap();
        assert_eq!(heads, want.len());
        assert_eq!(runs.first_time(), want.iter().filter_map(|e| e.time).min());
    }

    #[test]
    fn runs_past_the_fan_in_are_merged_into_fewer_and_read_the_same() {
        let files: Vec<Arc<str>> = vec!["a.log".into(), "b.log".into(), "c.log".into()];
        let clock = Arc::new(Clock::stated("one"));
        // Equal keys in many runs (a line's events, instants that repeat):
        // only a stable merge gives them back in the order they came.
        let input: Vec<(u32, Event)> = (0..3000u64)
            .map(|i| {
                let f = (i % 3) as u32;
                let second = if i % 101 == 0 {
                    -1
                } else {
                    ((i * 37) % 50) as i64
                };
                let mut e = event(&files[f as usize], &clock, i % 7, second);
                e.summary = SharedStr::from(format!("event {i}"));
                (f, e)
            })
            .collect();
        // A run per event: thousands of runs, far past the fewest a merge
        // may read at once.
        let runs = written(&input, 1, true).1.expect("written as runs");
        assert!(
            (2..=MIN_FAN_IN).contains(&runs.len()),
            "merged into at most {MIN_FAN_IN} runs: {}",
            runs.len()
        );
        assert_eq!(runs.events(), 3000);
        let merged: Vec<Event> = runs.merge().map(|r| r.unwrap().1).collect();
        assert_eq!(merged, sorted(&input));
        let mut seen = 0;
        for run in 0..runs.len() {
            let flow = runs.each_view_of_run(run, Span::default(), KindSet::ALL, |_| {
                seen += 1;
                ControlFlow::<()>::Continue(())
            });
            assert!(flow.unwrap().is_continue());
        }
        assert_eq!(seen, 3000);
        // A few runs too many: one pass merges only the first few.
        let mut runs = written(&input, 64 << 10, true).1.expect("written as runs");
        let before = runs.len();
        assert!((6..=MIN_FAN_IN).contains(&before), "{before} runs");
        assert_eq!(runs.narrow(before - 2).unwrap(), 1);
        assert_eq!(runs.len(), before - 2);
        let merged: Vec<Event> = runs.merge().map(|r| r.unwrap().1).collect();
        assert_eq!(merged, sorted(&input));
        assert_eq!(runs.narrow(runs.len()).unwrap(), 0);
        assert_eq!(fan_in(1), MIN_FAN_IN);
        assert!(fan_in(32 << 20) > 1000);
    }

    #[test]
    fn a_merge_within_a_span_brings_every_event_inside_it_and_skips_blocks() {
        let file: Arc<str> = "a.log".into();
        let clock = Arc::new(Clock::stated("one"));
        // Mostly in time order (as a log is), some late lines, some undated.
        let input: Vec<(u32, Event)> = (0..12_000u64)
            .map(|i| {
                let second = match i {
                    _ if i % 500 == 7 => -1,
                    _ if i % 101 == 0 => (i / 12) as i64 - 300,
                    _ => (i / 12) as i64,
                };
                (0, event(&file, &clock, i, second))
            })
            .collect();
        // Runs of several blocks each (a block is 64 KiB of encoded events).
        let runs = written(&input, 2 << 20, true).1.expect("written as runs");
        assert!(
            runs.runs.iter().all(|r| r.len() > 2),
            "several blocks a run"
        );
        let all: Vec<Event> = runs.merge().map(|r| r.unwrap().1).collect();
        for (since, until) in [(Some(400), Some(450)), (Some(900), None), (None, Some(20))] {
            let at = |s: Option<i64>| s.map(|s| Timestamp::new(s, 0).unwrap());
            let span = Span {
                since: at(since),
                until: at(until),
            };
            let inside = |e: &&Event| {
                e.time.is_some_and(|t| {
                    span.since.is_none_or(|s| t >= s) && span.until.is_none_or(|u| t <= u)
                })
            };
            let within: Vec<Event> = runs.merge_within(span).map(|r| r.unwrap().1).collect();
            assert!(
                within.len() < all.len() / 2,
                "{span:?}: blocks were skipped"
            );
            let want: Vec<&Event> = all.iter().filter(inside).collect();
            assert!(!want.is_empty());
            assert_eq!(
                within.iter().filter(inside).collect::<Vec<_>>(),
                want,
                "{span:?}"
            );
            let mut heads = 0;
            runs.each_head(span, |h| {
                heads += usize::from(h.time.is_some_and(|t| {
                    span.since.is_none_or(|s| t >= s) && span.until.is_none_or(|u| t <= u)
                }))
            })
            .unwrap();
            assert_eq!(heads, want.len(), "{span:?}");
        }
    }

    #[test]
    fn events_pushed_encoded_come_back_as_if_pushed_decoded() {
        use crate::{RawItem, RawSpill};
        use uctriage_core::EntityKind;
        let file: Arc<str> = "a.log".into();
        let clock = Arc::new(Clock::stated("one"));
        let raws: Vec<RawEvent> = (0..3000u64)
            .map(|i| {
                let kind = [Kind::DeviceUnregistered, Kind::Log][i as usize % 2];
                RawEvent::new(i, &format!("raw {i} é"), kind, format!("s{}", i % 5))
                    .with_field("n", i.to_string())
                    .with_field("DeviceName", format!("SEP{i:012}"))
                    .with_entity(EntityKind::Device, format!("SEP{i:012}"))
            })
            .collect();
        let mut spill = RawSpill::new();
        for r in &raws {
            assert!(spill.push(r.clone()).is_empty());
        }
        assert!(spill.flush().is_empty());
        let at = |line: u64| Placement {
            time: Some(Timestamp::new(((line * 7919) % 1000) as i64, 0).unwrap()),
            clock: clock.clone(),
            host: Some(SharedStr::from(format!("h{}", line % 3))),
        };
        let placed = |raw: RawEvent| {
            let p = at(raw.line);
            raw.into_event(p.time, p.clock, p.host, file.clone(), "generic-log")
        };
        let unregistered = KindSet::of(&[Kind::DeviceUnregistered]);
        // Written as runs; gathered but never written (back in memory);
        // not spilling at all.
        for (run_bytes, spill_runs) in [(64 << 10, true), (u64::MAX, true), (1, false)] {
            let mut decoded = RunWriter::new(run_bytes, spill_runs);
            for r in &raws {
                decoded.push(placed(r.clone()), 0, "generic-log");
            }
            let mut encoded = RunWriter::new(run_bytes, spill_runs);
            let mut left_encoded = 0;
            spill
                .each(unregistered, |item| match item {
                    RawItem::Encoded(raw) => {
                        left_encoded += 1;
                        encoded.push_encoded(&raw, at(raw.line), 0, &file, "generic-log");
                    }
                    RawItem::Event(raw) => encoded.push(placed(raw), 0, "generic-log"),
                })
                .unwrap();
            assert_eq!(left_encoded, 1500);
            let (decoded, encoded) = (decoded.finish().unwrap(), encoded.finish().unwrap());
            assert_eq!(decoded.0, encoded.0, "{run_bytes}");
            assert_eq!(decoded.1.is_some(), run_bytes == 64 << 10);
            if let (Some(d), Some(e)) = (decoded.1, encoded.1) {
                let merged = |r: &Runs| r.merge().map(|r| r.unwrap().1).collect::<Vec<_>>();
                assert_eq!(merged(&d), merged(&e));
                assert_eq!(merged(&e).len(), raws.len());
                for name in ["n", "DeviceName", "none"] {
                    assert_eq!(
                        d.may_have_field(Kind::DeviceUnregistered, name),
                        e.may_have_field(Kind::DeviceUnregistered, name)
                    );
                }
                assert!(e.may_have_field(Kind::DeviceUnregistered, "DeviceName"));
                assert_eq!(d.count(Kind::DeviceUnregistered), 1500);
                assert_eq!(e.count(Kind::DeviceUnregistered), 1500);
                assert_eq!(
                    (d.first_time(), d.last_time()),
                    (e.first_time(), e.last_time())
                );
            }
        }
    }

    #[test]
    fn the_field_names_of_every_part_of_a_file_pushed_encoded_are_known() {
        use crate::{RawItem, RawSpill};
        // A file read in two parts: each part its own spill, one number.
        let file: Arc<str> = "a.log".into();
        let clock = Arc::new(Clock::stated("one"));
        let mut w = RunWriter::new(1, true);
        for (part, name) in ["first", "second"].into_iter().enumerate() {
            let mut spill = RawSpill::new();
            for i in 0..10u64 {
                let e =
                    RawEvent::new(i, "raw", Kind::DeviceUnregistered, "s").with_field(name, "v");
                assert!(spill.push(e).is_empty());
            }
            assert!(spill.flush().is_empty());
            spill
                .each(KindSet::ALL, |item| {
                    if let RawItem::Encoded(raw) = item {
                        let at = Placement {
                            time: Some(
                                Timestamp::new(part as i64 * 10 + raw.line as i64, 0).unwrap(),
                            ),
                            clock: clock.clone(),
                            host: None,
                        };
                        w.push_encoded(&raw, at, 0, &file, "generic-log");
                    }
                })
                .unwrap();
        }
        let runs = w.finish().unwrap().1.expect("written as runs");
        assert_eq!(runs.count(Kind::DeviceUnregistered), 20);
        for name in ["first", "second"] {
            assert!(
                runs.may_have_field(Kind::DeviceUnregistered, name),
                "{name}"
            );
        }
        assert!(!runs.may_have_field(Kind::DeviceUnregistered, "third"));
    }

    #[test]
    fn without_spilling_the_events_come_back_sorted_in_memory() {
        let file: Arc<str> = "a.log".into();
        let clock = Arc::new(Clock::stated("one"));
        let input: Vec<(u32, Event)> = (0..100)
            .map(|i| (0, event(&file, &clock, i, 100 - i as i64)))
            .collect();
        let (mem, runs) = written(&input, 1, false);
        assert!(runs.is_none());
        assert_eq!(mem, sorted(&input));
    }
}
