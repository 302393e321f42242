//! Normalizing all parsed files into one [`Bundle`].

use crate::hosts::HostBook;
use crate::resolve::{resolve, Basis, Clocks, DateFallback, Shift};
use crate::unplaced::{why_unplaced, FileUnplaced, Unplaced};
use crate::zones::{decide_zones, ZoneDecision, ZoneEvidence, ZoneHint};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::ControlFlow;
use std::sync::Arc;
use uctriage_core::jiff::civil::Date;
use uctriage_core::jiff::tz::TimeZone;
use uctriage_core::jiff::Timestamp;
use uctriage_core::{DateSource, Event, Fact, KindSet, Problem, RawTime, SharedStr, ZoneSource};
use uctriage_formats::{stated_date, ParsedFile};
use uctriage_spill::{Placement, RawItem, RunKey};

/// What the user told us about time.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `--tz` hints.
    pub tz_hints: Vec<ZoneHint>,
    /// `--date`: the date of lines that carry none.
    pub date_hint: Option<Date>,
    /// The name of the one folder given as input, when there is one: the
    /// files' paths are relative to it, so its own name is in none of them.
    /// Named after a host the bundle's contents know (`uctriage analyze
    /// ldn-cucm-sub1/`), it is that host's folder for files nothing else
    /// attributes.
    pub root_folder: Option<String>,
    /// When events went to disk while parsing (past the memory budget), the
    /// kinds whose placed events go to disk too, in sorted runs
    /// ([`Bundle::spilled`]); the others stay in [`Bundle::events`].
    pub spill_kinds: KindSet,
}

/// What one file yielded, for `uctriage files` and the reports.
#[derive(Clone, Debug)]
pub struct FileInfo {
    /// Bundle-relative path.
    pub path: String,
    /// Format name.
    pub format: &'static str,
    /// Canonical host the file belongs to.
    pub host: Option<String>,
    /// How the host was decided.
    pub host_source: &'static str,
    /// Lines read.
    pub lines: u64,
    /// Lines understood.
    pub understood: u64,
    /// Bytes read (decompressed).
    pub bytes: u64,
    /// Events it contributed.
    pub events: usize,
    /// Earliest event instant.
    pub first: Option<Timestamp>,
    /// Latest event instant.
    pub last: Option<Timestamp>,
    /// Problems found in it.
    pub problems: Vec<Problem>,
    /// Problems beyond the per-file cap.
    pub problems_dropped: u64,
}

/// The normalized bundle: one timeline plus what was learned about hosts and time.
#[derive(Debug)]
pub struct Bundle {
    /// Every event in memory, ordered by instant (undated ones last), then
    /// file, then line: all of them, but for those of the kinds spilled to
    /// disk ([`Bundle::spilled`]).
    pub events: Vec<Event>,
    /// The events of the kinds [`Options::spill_kinds`] names, in sorted runs
    /// on disk, when events passed the memory budget while loading
    /// ([`uctriage_spill::enable`]): every event of those kinds is there.
    /// [`Bundle::each_in_order`] reads them with the others, in order.
    pub spilled: Option<uctriage_spill::Runs>,
    /// Every file, in the order read.
    pub files: Vec<FileInfo>,
    /// Host identities.
    pub hosts: HostBook,
    /// The zone decided for each host.
    pub zones: BTreeMap<String, ZoneDecision>,
    /// The zone to show times in: the one most of the bundle's hosts run in.
    pub display: ZoneDecision,
    /// Things the user should know (undecided zones, clock disagreements, ...).
    pub notes: Vec<String>,
    /// How the bundle placed times, for [`Bundle::place`].
    pub placing: Placing,
}

/// What placing a raw time takes besides a bundle's hosts and zones: kept so
/// that what a consumer summarised while loading (a template miner's raw
/// times) is placed after loading exactly as the events were.
#[derive(Clone, Debug)]
pub struct Placing {
    pub(crate) fallback: Option<DateFallback>,
    pub(crate) no_zone: ZoneDecision,
}

impl Default for Placing {
    fn default() -> Placing {
        Placing {
            fallback: None,
            no_zone: ZoneDecision::unknown(
                "the file's host is unknown: local times read as UTC".into(),
            ),
        }
    }
}

impl Bundle {
    /// Call `f` with every event in order, from memory or merged back from
    /// disk (on another thread, a batch ahead of `f`): every event inside
    /// `span`, and some outside it (the parts on disk wholly outside are not
    /// read; `f` filters). Stops at the first error, `f`'s or a read's.
    pub fn each_in_order<E: From<std::io::Error> + Send>(
        &self,
        span: uctriage_spill::Span,
        mut f: impl FnMut(&Event) -> Result<(), E>,
    ) -> Result<(), E> {
        let Some(runs) = &self.spilled else {
            return self.events.iter().try_for_each(f);
        };
        // The kinds kept in memory go between those merged back, in order.
        let places = uctriage_spill::Places::new(self.files.iter().map(|f| f.path.as_str()));
        let mut memory = self.events.iter().peekable();
        let read = runs.each_merged(span, KindSet::ALL, |k, e| {
            while let Some(m) = memory.next_if(|m| places.key(m) < *k) {
                f(m).map_or_else(ControlFlow::Break, ControlFlow::Continue)?;
            }
            f(e).map_or_else(ControlFlow::Break, ControlFlow::Continue)
        })?;
        match read {
            ControlFlow::Break(e) => Err(e),
            ControlFlow::Continue(()) => memory.try_for_each(f),
        }
    }

    /// Call `f` with the time, host and kind of every event inside `span`
    /// (and some outside it, as [`Bundle::each_in_order`]), in no particular
    /// order: for counts and widths, without decoding the events on disk.
    pub fn each_head(
        &self,
        span: uctriage_spill::Span,
        mut f: impl FnMut(uctriage_spill::Head<'_>),
    ) -> std::io::Result<()> {
        for e in &self.events {
            f(uctriage_spill::Head::of(e));
        }
        match &self.spilled {
            Some(runs) => runs.each_head(span, f),
            None => Ok(()),
        }
    }

    /// A raw time of a file whose host is `file_host` (its
    /// [`FileInfo::host`]), stated by a record naming `raw_host`, placed as
    /// the bundle's events were: the host the record is about (its own,
    /// else the file's) and its instant (None when it cannot be placed).
    pub fn place(
        &self,
        file_host: Option<&str>,
        raw_host: Option<&str>,
        raw: &RawTime,
    ) -> (Option<String>, Option<Timestamp>) {
        let subject = raw_host
            .map(|h| self.hosts.resolve(h))
            .or_else(|| file_host.map(str::to_string));
        let clock_host = file_host.or(subject.as_deref());
        let zone = clock_host
            .and_then(|h| self.zones.get(h))
            .unwrap_or(&self.placing.no_zone);
        let time = resolve(raw, zone, self.placing.fallback).0;
        (subject, time)
    }
}

/// Folder names that say nothing about a host.
const GENERIC_FOLDERS: &[&str] = &[
    "log",
    "logs",
    "trace",
    "traces",
    "sdl",
    "ccm",
    "cti",
    "cm",
    "syslog",
    "active",
    "activelog",
    "csv",
    "ris",
    "tmp",
    "files",
    "cli",
    "collection",
    "dbl",
    "sdi",
    "platform",
    "tomcat",
    "rtmt",
    "install",
    "core",
    "inactivelog",
    "perfmon",
    "traces-collected",
    // Contact-centre log folders: UCCX `uccx/log/MIVR`, `uccx/log/JTAPI`,
    // Finesse `desktop/logs/webservices`, ICM `<component>/logfiles`.
    "uccx",
    "mivr",
    "jtapi",
    "desktop",
    "webservices",
    "logfiles",
];

/// What a collection manifest (`uctriage collect`) states about one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Collected {
    /// Bundle-relative path, as the sources name the file.
    pub path: String,
    /// The node it was collected from.
    pub host: String,
    /// The node's Olson zone when collected.
    pub zone: Option<String>,
}

/// Hosts whose own UCCX Engine (MIVR) writes events in the bundle: a
/// `uccx-mivr` file with an `%MIVR-` record (JTAPI client lines alone are
/// not enough: CER and other JTAPI applications write those too).
fn uccx_engine_hosts<'a>(
    files: &[ParsedFile],
    file_hosts: &'a [(Option<String>, &'static str)],
) -> BTreeSet<&'a str> {
    files
        .iter()
        .zip(file_hosts)
        .filter(|(f, _)| f.format == "uccx-mivr")
        .filter(|(f, _)| {
            let mivr = |e: &uctriage_core::RawEvent| e.fields.get("app") == Some("MIVR");
            f.events.iter().any(mivr) || f.spilled.events.read().flatten().any(|e| mivr(&e))
        })
        .filter_map(|(_, (h, _))| h.as_deref())
        .collect()
}

/// The product a platform version belongs to. `show status` prints `Product
/// Ver` on every Unified OS application (CUCM, UCCX, IM&P, Unity Connection)
/// and its parser can only say CUCM, the usual case; on a host that runs the
/// UCCX Engine the version is UCCX's.
fn application_product(product: &str, uccx_engine: bool) -> &str {
    if uccx_engine && product == "CUCM" {
        "UCCX"
    } else {
        product
    }
}

/// Normalize every parsed file into one bundle.
pub fn normalize(files: Vec<ParsedFile>, opts: &Options) -> Bundle {
    normalize_collected(files, opts, &[])
}

/// Normalize, taking each collected file's host and zone from its
/// collection manifest instead of deciding them from folders and contents.
pub fn normalize_collected(
    files: Vec<ParsedFile>,
    opts: &Options,
    collected: &[Collected],
) -> Bundle {
    let mut book = HostBook::default();
    book.learn(files.iter().flat_map(|f| f.facts.iter()));
    for c in collected {
        book.know(&c.host);
    }
    let by_path: BTreeMap<&str, &Collected> =
        collected.iter().map(|c| (c.path.as_str(), c)).collect();
    let mut ambiguities: Vec<Option<String>> = Vec::with_capacity(files.len());
    let file_hosts: Vec<(Option<String>, &'static str)> = files
        .iter()
        .map(|f| {
            if let Some(c) = by_path.get(f.path.as_str()) {
                ambiguities.push(None);
                return (
                    Some(book.resolve(&c.host)),
                    "stated by the collection manifest",
                );
            }
            let (h, how, ambiguity) = file_host(f, &book, opts.root_folder.as_deref());
            ambiguities.push(ambiguity);
            (h, how)
        })
        .collect();
    let engines = uccx_engine_hosts(&files, &file_hosts);
    for (f, (host, _)) in files.iter().zip(&file_hosts) {
        if let Some(h) = host {
            book.know(h);
        }
        // Consecutive events mostly name the same host: known once per run.
        let mut last: Option<&str> = None;
        for ev in &f.events {
            if let Some(h) = ev.host.as_deref().filter(|h| last != Some(*h)) {
                book.know(h);
                last = Some(h);
            }
        }
        for g in f.dropped.groups.iter().chain(&f.spilled.summary.groups) {
            if let Some(h) = &g.host {
                book.know(h);
            }
        }
        for fact in &f.facts {
            if let Fact::Version {
                host: vh,
                product,
                version,
            } = fact
            {
                if let Some(h) = vh.as_ref().or(host.as_ref()) {
                    let engine = engines.contains(book.resolve(h).as_str());
                    let product = application_product(product, engine);
                    book.add_version(h, format!("{product} {version}"));
                }
            }
        }
    }
    let mut evidence = zone_evidence(&files, &file_hosts, &book);
    for c in collected {
        if let Some(zone) = &c.zone {
            let stated = &mut evidence.entry(book.resolve(&c.host)).or_default().stated;
            if !stated
                .iter()
                .any(|(_, src, _)| *src == ZoneSource::Manifest)
            {
                stated.push((
                    zone.clone(),
                    ZoneSource::Manifest,
                    format!("manifest.json, {}", c.path),
                ));
            }
        }
    }
    let hosts: Vec<String> = book.hosts().keys().cloned().collect();
    let (zones, mut notes) = decide_zones(&hosts, &evidence, &opts.tz_hints, |h| book.resolve(h));
    let display = display_zone(&zones, &files, &file_hosts, |h| book.resolve(h));
    let fallback = date_fallback(&files, opts);
    // Each file's place in the bundle, for the order of equal instants.
    let order: HashMap<&str, u32> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.path.as_str(), i as u32))
        .collect();
    let order: Vec<u32> = files.iter().map(|f| order[f.path.as_str()]).collect();
    // Past the memory budget while parsing, the placed events go to disk
    // too, in sorted runs; otherwise they are sorted in memory.
    let spilling = files.iter().any(|f| !f.spilled.events.is_empty());
    // Two buffers of a quarter of the spill share each: one filling, one
    // being written.
    let mut runs =
        spilling.then(|| uctriage_spill::RunWriter::new(uctriage_spill::limit() / 4, true));
    // Room for exactly the events that stay in memory (growing by doubling
    // held half as much again at the peak).
    let stay = opts.spill_kinds.others();
    let mut events = Vec::with_capacity(if spilling {
        files
            .iter()
            .map(|f| {
                let parsed = f.events.iter().filter(|e| stay.contains(e.kind)).count();
                parsed + f.spilled.events.count_of(stay) as usize
            })
            .sum()
    } else {
        files.iter().map(|f| f.events.len()).sum()
    });
    let mut infos = Vec::new();
    let mut undated_clock_hosts = 0u64;
    let mut dateless = 0u64;
    // Local times a DST change made ambiguous (fold) or nonexistent (gap).
    let (mut dst_fold, mut dst_gap) = (0u64, 0u64);
    let mut unplaced = Unplaced::default();
    let no_zone = unknown_or_hint(opts).unwrap_or_else(|| {
        site_zone(&zones).unwrap_or_else(|| {
            ZoneDecision::unknown("the file's host is unknown: local times read as UTC".into())
        })
    });
    let mut clocks = Clocks::default();
    let mut places: HashMap<usize, u32> = HashMap::new();
    // Events placed so far, of all, for the progress display.
    let to_place: u64 = files
        .iter()
        .map(|f| f.events.len() as u64 + f.spilled.summary.count)
        .sum();
    let mut placed = 0u64;
    for (((f, (host, host_source)), ambiguity), file_place) in files
        .into_iter()
        .zip(file_hosts)
        .zip(ambiguities)
        .zip(order)
    {
        let path: Arc<str> = Arc::from(f.path.as_str());
        // The file's events share `path`: its address names the file's place
        // for the sort (an address freed by a file with no events and used
        // again is overwritten before any event points at it).
        places.insert(Arc::as_ptr(&path) as *const u8 as usize, file_place);
        let mut info = FileInfo {
            path: f.path.clone(),
            format: f.format,
            host: host.clone(),
            host_source,
            lines: f.lines,
            understood: f.understood,
            bytes: f.bytes,
            events: f.events.len() + (f.dropped.count + f.spilled.summary.count) as usize,
            first: None,
            last: None,
            problems: f.problems,
            problems_dropped: f.problems_dropped,
        };
        if let Some(a) = ambiguity {
            info.problems.insert(0, Problem::file(a));
        }
        let mut file_unplaced = FileUnplaced::default();
        // How one raw time of the file resolves: its subject host, instant
        // and basis; counted as `n` events for the notes.
        // The file's host and each host its records name, resolved once and
        // shared by the file's events.
        let file_host: Option<SharedStr> = host.as_deref().map(SharedStr::from);
        let mut resolved: HashMap<SharedStr, SharedStr> = HashMap::new();
        // The last one: most records of a file name the same host, and the
        // parser shares its name (a pointer comparison, no hashing).
        let mut last: Option<(SharedStr, SharedStr)> = None;
        let mut place = |raw_host: Option<&SharedStr>, raw: &RawTime, line: u64, n: u64| {
            let subject = match raw_host {
                Some(h) => Some(match &last {
                    Some((l, r)) if l.ptr_eq(h) => r.clone(),
                    _ => {
                        let r = match resolved.get(h) {
                            Some(r) => r.clone(),
                            None => {
                                let r = SharedStr::from(book.resolve(h));
                                if resolved.len() >= uctriage_core::Interner::MAX {
                                    resolved.clear();
                                }
                                resolved.insert(h.clone(), r.clone());
                                r
                            }
                        };
                        last = Some((h.clone(), r.clone()));
                        r
                    }
                }),
                None => file_host.clone(),
            };
            let clock_host = file_host.as_ref().or(subject.as_ref());
            let zone = match clock_host.and_then(|h| zones.get(h.as_str())) {
                Some(z) => z,
                None => {
                    if needs_zone(raw) {
                        undated_clock_hosts += n;
                    }
                    &no_zone
                }
            };
            let (time, basis) = resolve(raw, zone, fallback);
            match basis {
                Basis::Local {
                    shift: Shift::Fold, ..
                } => dst_fold += n,
                Basis::Local {
                    shift: Shift::Gap, ..
                } => dst_gap += n,
                _ => {}
            }
            if time.is_none() && !matches!(raw, RawTime::Unknown) {
                file_unplaced.add(line, why_unplaced(raw, basis, fallback), n);
            }
            if fallback.is_some_and(|fb| fb.source == DateSource::Bundle)
                && basis.dated_from(DateSource::Bundle)
            {
                dateless += n;
            }
            (subject, zone, time, basis)
        };
        let format = f.format;
        // Events read back that did not decode (none but for a damaged file).
        let mut undecoded = 0u64;
        let mut take = |item: RawItem<'_>, from_disk: bool| {
            placed += 1;
            uctriage_core::stages::done(placed, Some(to_place));
            let (host, raw_time, line) = match &item {
                RawItem::Event(raw) => (raw.host.as_ref(), &raw.time, raw.line),
                RawItem::Encoded(raw) => (raw.host.as_ref(), &raw.time, raw.line),
            };
            let (subject, zone, time, basis) = place(host, raw_time, line, 1);
            let clock = clocks.clock(zone, basis);
            widen(&mut info, time);
            let mut raw = match (item, &mut runs) {
                // Read back still encoded (a kind that goes to disk): on
                // to a run as it is, never decoded.
                (RawItem::Encoded(raw), Some(w)) => {
                    let at = Placement {
                        time,
                        clock,
                        host: subject,
                    };
                    return w.push_encoded(&raw, at, file_place, &path, format);
                }
                (RawItem::Encoded(raw), None) => match raw.decode() {
                    Some(raw) => raw,
                    None => {
                        undecoded += 1;
                        return;
                    }
                },
                (RawItem::Event(raw), _) => raw,
            };
            if from_disk && !opts.spill_kinds.contains(raw.kind) {
                // Back in memory for good: past the budget its raw text
                // goes to the text spill, as it would have while parsing.
                raw.settle();
            }
            let event = raw.into_event(time, clock, subject, path.clone(), format);
            match &mut runs {
                Some(w) if opts.spill_kinds.contains(event.kind) => {
                    w.push(event, file_place, format)
                }
                _ => events.push(event),
            }
        };
        for raw in f.events {
            take(RawItem::Event(raw), false);
        }
        // The kinds that go to disk are read back encoded, when they do.
        let encoded = if spilling {
            opts.spill_kinds
        } else {
            KindSet::NONE
        };
        let unread = f
            .spilled
            .events
            .each(encoded, |item| take(item, true))
            .err();
        if let Some(e) = unread {
            info.problems.insert(
                0,
                Problem::file(format!("events of this file are missing: {e}")),
            );
        }
        if undecoded > 0 {
            info.problems.insert(
                0,
                Problem::file(format!(
                    "{undecoded} events of this file are missing: read back from the temporary file, they did not decode"
                )),
            );
        }
        // Events not kept: their group's extremes stand for them all.
        for g in &f.dropped.groups {
            let (min, max) = (&g.min, &g.max);
            let first = place(g.host.as_ref(), &min.0, min.1, g.count).2;
            widen(&mut info, first);
            if max != min {
                let last = place(g.host.as_ref(), &max.0, max.1, 0).2;
                widen(&mut info, last);
            }
        }
        if let Some((first, last)) = &f.span {
            let zone = host.as_ref().and_then(|h| zones.get(h)).unwrap_or(&no_zone);
            for raw in [first, last] {
                let time = resolve(raw, zone, fallback).0;
                widen(&mut info, time);
            }
        }
        unplaced.add(&file_unplaced);
        file_unplaced.report(&mut info.problems);
        infos.push(info);
    }
    if spilling {
        // Every spilled parsed event is placed and in a run now.
        uctriage_spill::release_parsed();
    }
    if undated_clock_hosts > 0 && opts.tz_hints.iter().all(|h| h.host.is_some()) {
        notes.push(if no_zone.source == ZoneSource::Site {
            format!(
                "{undated_clock_hosts} local times come from files that name no host: read in {}, the zone every host of the bundle runs in; pass --tz ZONE if they were written elsewhere",
                no_zone.zone
            )
        } else {
            format!(
                "{undated_clock_hosts} local times come from files whose host is unknown: read as UTC; pass --tz ZONE"
            )
        });
    }
    if let Some(fb) = fallback.filter(|fb| fb.source == DateSource::Bundle) {
        if dateless > 0 {
            notes.push(format!("{dateless} events carry no date (or no year): dated from the bundle ({}); pass --date to override", fb.date));
        }
    }
    if dst_fold > 0 {
        notes.push(format!("{dst_fold} local times fall in an hour a DST change repeats: read as the earlier of the two instants (each event's clock says so)"));
    }
    if dst_gap > 0 {
        notes.push(format!("{dst_gap} local times do not exist (skipped by a DST change): moved forward by the change (each event's clock says so)"));
    }
    notes.extend(unplaced.note(fallback.is_some()));
    // Timed events by instant, then untimed ones; ties in file and line
    // order, and events of one line in the order the parser made them (the
    // sort is stable). Sorting keys, not events, keeps no second copy of
    // the events in memory. The key is 24 bytes ([`RunKey`]), so the keys
    // of a million events take 32 MB with their indexes, not 56.
    // Events of the kinds that go to disk come back from the writer sorted
    // when none was written; the others are sorted here.
    let spilled = match runs.map(|w| w.finish()) {
        Some(Ok((mut back, spilled))) => {
            events.append(&mut back);
            spilled
        }
        Some(Err(e)) => {
            notes.push(format!("events are missing from the timeline: {e}"));
            None
        }
        None => None,
    };
    sort_by_key_runs(&mut events, |e| {
        let file = Arc::as_ptr(&e.evidence.file) as *const u8 as usize;
        RunKey::of(e, places.get(&file).copied().unwrap_or(0))
    });
    Bundle {
        events,
        spilled,
        files: infos,
        hosts: book,
        zones,
        display,
        notes,
        placing: Placing { fallback, no_zone },
    }
}

/// Sort `events` by `key`, stably, as `sort_by_cached_key` would: each key
/// worked out once, then the events moved into place. The keys are sorted
/// with the stable sort, which finds runs already in order and merges them:
/// the events of one file mostly come in time order, so this is a merge of
/// the files' runs, not a sort of the whole (`sort_by_cached_key` sorts its
/// keys with the unstable sort, which does not look for runs).
fn sort_by_key_runs<T, K: Ord>(events: &mut [T], key: impl Fn(&T) -> K) {
    let mut keys: Vec<(K, usize)> = events.iter().map(&key).zip(0..).collect();
    // The index makes every key distinct: the order is the stable one.
    keys.sort();
    // Follow the permutation's cycles, as `sort_by_cached_key` does: the
    // event for place `i` is at `keys[i].1`, unless it was moved already
    // (an index below `i`), in which case the chain says where it went.
    for i in 0..keys.len() {
        let mut from = keys[i].1;
        while from < i {
            from = keys[from].1;
        }
        keys[i].1 = from;
        events.swap(i, from);
    }
}

fn needs_zone(t: &RawTime) -> bool {
    matches!(
        t,
        RawTime::Local(..) | RawTime::LocalNoYear { .. } | RawTime::TimeOfDay(_)
    )
}

/// Stretch a file's time range over `time`.
fn widen(info: &mut FileInfo, time: Option<Timestamp>) {
    if time.is_some() {
        info.first = info.first.min(time).or(time);
        info.last = info.last.max(time);
    }
}

/// The zone a global `--tz ZONE` gives files with no host.
fn unknown_or_hint(opts: &Options) -> Option<ZoneDecision> {
    opts.tz_hints
        .iter()
        .find(|h| h.host.is_none())
        .map(|h| ZoneDecision {
            zone: h.zone.clone(),
            tz: uctriage_core::jiff::tz::db()
                .get(&h.zone)
                .unwrap_or(TimeZone::UTC),
            source: ZoneSource::Hint,
            detail: format!("{} from --tz", h.zone),
        })
}

/// The zone of files that name no host: the one zone every host with a
/// decided zone runs in, when they all agree (a UCCE dumplog copied off a PG
/// with no host in its name, at a site whose CUCM nodes all run in one zone).
fn site_zone(zones: &BTreeMap<String, ZoneDecision>) -> Option<ZoneDecision> {
    let decided: Vec<(&String, &ZoneDecision)> = zones
        .iter()
        .filter(|(_, z)| z.source != ZoneSource::Unknown)
        .collect();
    let (_, first) = decided.first()?;
    if decided.iter().any(|(_, z)| z.zone != first.zone) {
        return None;
    }
    let hosts: Vec<&str> = decided.iter().map(|(h, _)| h.as_str()).collect();
    ZoneDecision::named(
        &first.zone,
        ZoneSource::Site,
        format!(
            "{}, the zone of every host of the bundle ({}); the file names no host",
            first.zone,
            hosts.join(", ")
        ),
    )
}

/// The host a file belongs to, how that was decided, and — when the bundle
/// names more than one host for it — why none was chosen.
///
/// In order of trust: the file's own statement (a `show status` host name, an
/// SDL file head), a folder named after a known host (an RTMT collection's
/// `<node>/...` tree), a file name starting with a known host
/// (`sub3_utils_core_active_list.txt`), then the deepest folder name that is
/// not a generic one (`cli`, `syslog`, `cm/trace/...`). Two of these naming
/// different hosts is an ambiguity: reported, not guessed.
fn file_host(
    f: &ParsedFile,
    book: &HostBook,
    root_folder: Option<&str>,
) -> (Option<String>, &'static str, Option<String>) {
    let mut stated: Vec<String> = f
        .facts
        .iter()
        .filter_map(|x| match x {
            Fact::FileHost { host } => Some(book.resolve(host)),
            _ => None,
        })
        .collect();
    stated.dedup();
    match stated.as_slice() {
        [one] => return (Some(one.clone()), "stated in the file", None),
        [] => {}
        many => {
            let mut many = many.to_vec();
            many.sort();
            many.dedup();
            if many.len() == 1 {
                return (Some(many[0].clone()), "stated in the file", None);
            }
            return (
                None,
                "unknown",
                Some(format!(
                    "the file names several hosts as its own ({}): its host is not decided",
                    many.join(", ")
                )),
            );
        }
    }
    let parts: Vec<&str> = f.path.split(['/', '!']).filter(|p| !p.is_empty()).collect();
    let (name, folders) = parts.split_last().map_or(("", &[][..]), |(n, f)| (*n, f));
    let by_folder = folders
        .iter()
        .rev()
        .find(|p| book.is_known(p))
        .map(|p| book.resolve(p));
    let by_name = host_in_file_name(name, book);
    match (by_folder, by_name) {
        (Some(a), Some(b)) if a != b => {
            return (
                None,
                "unknown",
                Some(format!(
                    "the folder names host {a} and the file name host {b}: its host is not decided (rename the file or pass --tz for its times)"
                )),
            )
        }
        (Some(a), _) => return (Some(a), "folder named after a known host", None),
        (None, Some(b)) => return (Some(b), "file name starts with a known host", None),
        (None, None) => {}
    }
    let named = folders.iter().rev().find(|p| {
        let l = p.to_ascii_lowercase();
        !GENERIC_FOLDERS.contains(&l.as_str())
            && (l.parse::<std::net::IpAddr>().is_ok()
                || (!l.contains('.') && l.chars().any(|c| c.is_ascii_alphabetic())))
    });
    match named {
        Some(p) => (Some(book.resolve(p)), "folder name", None),
        None => match root_folder.filter(|r| book.is_known(r)) {
            Some(r) => (
                Some(book.resolve(r)),
                "input folder named after a known host",
                None,
            ),
            None => (None, "unknown", None),
        },
    }
}

/// The known host a file name starts with, followed by a separator
/// (`sub3_utils_core_active_list.txt`, `ldn-cucm-sub1-show-status.txt`); the
/// longest such name when several fit.
fn host_in_file_name(name: &str, book: &HostBook) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let fits = |h: &str| {
        let h = h.to_ascii_lowercase();
        lower.starts_with(&h)
            && lower[h.len()..]
                .chars()
                .next()
                .is_some_and(|c| matches!(c, '_' | '-' | '.' | ' '))
    };
    book.hosts()
        .values()
        .flat_map(|info| {
            std::iter::once(info.name.as_str())
                .chain(info.aliases.iter().map(String::as_str))
                .filter(|n| fits(n))
                .map(move |n| (n.len(), info.name.clone()))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, host)| host)
}

fn zone_evidence(
    files: &[ParsedFile],
    file_hosts: &[(Option<String>, &'static str)],
    book: &HostBook,
) -> BTreeMap<String, ZoneEvidence> {
    let mut ev: BTreeMap<String, ZoneEvidence> = BTreeMap::new();
    for (f, (fh, _)) in files.iter().zip(file_hosts) {
        // A fact names its host, or speaks of the file's own host.
        let owner = |host: &Option<String>| {
            host.as_deref()
                .map(|h| book.resolve(h))
                .or_else(|| fh.clone())
        };
        for fact in &f.facts {
            match fact {
                Fact::HostZone {
                    host,
                    zone,
                    source,
                    line,
                } => {
                    if let Some(h) = owner(host) {
                        let at = format!("{}:{line}", f.path);
                        ev.entry(h)
                            .or_default()
                            .stated
                            .push((zone.clone(), *source, at));
                    }
                }
                Fact::OffsetSeen {
                    host,
                    at,
                    offset_seconds,
                    source,
                    line,
                } => {
                    if let Some(h) = owner(host) {
                        let place = format!("{}:{line}", f.path);
                        ev.entry(h).or_default().offsets.push((
                            *at,
                            *offset_seconds,
                            *source,
                            place,
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    ev
}

/// The zone most events will be read in: the most common decided zone among
/// the files' hosts, weighted by events (a file of many hosts, such as a
/// CiscoSyslog the publisher collected, weighs each event by its own host's
/// zone); UTC when nothing was decided.
fn display_zone(
    zones: &BTreeMap<String, ZoneDecision>,
    files: &[ParsedFile],
    file_hosts: &[(Option<String>, &'static str)],
    resolve: impl Fn(&str) -> String,
) -> ZoneDecision {
    let decided = |h: &str| {
        zones
            .get(h)
            .filter(|z| z.source != ZoneSource::Unknown)
            .map(|z| z.zone.as_str())
    };
    let mut weight: BTreeMap<&str, usize> = BTreeMap::new();
    for (f, (h, _)) in files.iter().zip(file_hosts) {
        match h {
            Some(h) => {
                if let Some(z) = decided(h) {
                    *weight.entry(z).or_default() += (f.events.len()
                        + (f.dropped.count + f.spilled.summary.count) as usize)
                        .max(1);
                }
            }
            None => {
                // Count events per printed host first: a host is resolved
                // once per file, not once per event.
                let mut per_host: BTreeMap<&str, usize> = BTreeMap::new();
                for h in f.events.iter().filter_map(|e| e.host.as_deref()) {
                    *per_host.entry(h).or_default() += 1;
                }
                // Spilled events count as if they were kept.
                for g in &f.spilled.summary.groups {
                    if let Some(h) = g.host.as_deref() {
                        *per_host.entry(h).or_default() += g.count as usize;
                    }
                }
                for (h, n) in per_host {
                    if let Some(z) = decided(&resolve(h)) {
                        *weight.entry(z).or_default() += n;
                    }
                }
            }
        }
    }
    let best = weight.iter().max_by_key(|(_, w)| **w).map(|(z, _)| *z);
    best.and_then(|z| zones.values().find(|d| d.zone == z).cloned())
        .unwrap_or_else(|| ZoneDecision::unknown("no zone decided in the bundle".into()))
}

/// The date for lines without one: `--date`, else the median date of the
/// bundle's dated events.
fn date_fallback(files: &[ParsedFile], opts: &Options) -> Option<DateFallback> {
    if let Some(d) = opts.date_hint {
        return Some(DateFallback {
            date: d,
            source: DateSource::Hint,
        });
    }
    let mut dates: BTreeMap<Date, u64> = BTreeMap::new();
    for f in files {
        for d in f.events.iter().filter_map(|e| stated_date(&e.time)) {
            *dates.entry(d).or_default() += 1;
        }
        for (d, n) in f.dropped.dates.iter().chain(&f.spilled.summary.dates) {
            *dates.entry(*d).or_default() += n;
        }
    }
    // The median: the date of the middle line, all dated lines in order.
    let total: u64 = dates.values().sum();
    let mut seen = 0;
    let median = dates.into_iter().find_map(|(d, n)| {
        seen += n;
        (seen > total / 2).then_some(d)
    })?;
    Some(DateFallback {
        date: median,
        source: DateSource::Bundle,
    })
}

#[cfg(test)]
mod folder_tests {
    use super::*;

    #[test]
    fn contact_centre_log_folders_are_not_hosts() {
        let book = HostBook::default();
        for (path, host) in [
            ("uccx1/uccx/log/MIVR/Cisco001MIVR01.log", "uccx1"),
            ("uccx1/uccx/log/JTAPI/CiscoJtapi1.log", "uccx1"),
            (
                "fin1a/desktop/logs/webservices/Desktop-webservices.2024-01-01.log",
                "fin1a",
            ),
            ("pg1a/icm/pg1a/logfiles/opc_240101_000000.txt", "pg1a"),
        ] {
            let f = ParsedFile::failed(path, "x", Problem::file("test"));
            assert_eq!(
                file_host(&f, &book, None),
                (Some(host.into()), "folder name", None),
                "{path}"
            );
        }
    }
}

#[cfg(test)]
mod sort_tests {
    use super::sort_by_key_runs;

    #[test]
    fn sorting_by_runs_orders_as_the_stable_cached_key_sort() {
        // Four "files" of (time, tag) events, each mostly in time order with
        // a few out of place and ties between and within files; the tag says
        // where each started, so a wrong move or an unstable tie shows.
        let mut events = Vec::new();
        let mut x = 7u64;
        for file in 0..4u64 {
            for i in 0..2_000u64 {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let time = if x >> 60 == 0 {
                    x >> 40 & 1023
                } else {
                    i / 3 + file
                };
                events.push((time, file * 10_000 + i));
            }
        }
        let mut want = events.clone();
        want.sort_by_cached_key(|e| e.0);
        sort_by_key_runs(&mut events, |e| e.0);
        assert_eq!(events, want);
        let mut none: Vec<(u64, u64)> = Vec::new();
        sort_by_key_runs(&mut none, |e| e.0);
        assert!(none.is_empty());
    }
}
