//! Reading one unit of input into parsed files, handing the members of an
//! archive to other threads.
//!
//! A loose file is read by the thread that took its unit. An archive read as
//! one stream (a `.tar.gz` of a whole collection) would keep one thread busy
//! inflating and parsing every member while the others idle, so its members
//! are detached ([`uctriage_sources::Detached`]): the walking thread reads
//! each one whole and spawns its reading (inner gzip, parsing) on the pool,
//! up to one member in flight per pool thread; past that, the walking thread
//! reads the member itself, which also paces it. A member is at most
//! [`uctriage_sources::DETACH_MAX_BYTES`], so memory stays bounded. Results
//! go back into walk order, problems included, so the outcome is the same
//! with one thread or many.

use crate::{attach, context, forced_for, Config};
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use uctriage_formats::{parse_reader, ParsedFile};
use uctriage_sources::{read_unit_detaching, Detached, SourceProblem, Unit};

/// Where a detached member stood in the walk: after this many files read
/// in place and this many problems of the unit's own.
struct Mark {
    files_before: usize,
    problems_before: usize,
}

/// Detached members being read: at most one per pool thread, and at most
/// [`IN_FLIGHT_MAX_BYTES`] of them in memory (one member always may go).
struct InFlight {
    threads: usize,
    members: AtomicUsize,
    bytes: AtomicUsize,
}

/// Bytes of detached members in memory at once, at most.
const IN_FLIGHT_MAX_BYTES: usize = 512 << 20;

impl InFlight {
    fn new(threads: usize) -> InFlight {
        InFlight {
            threads,
            members: AtomicUsize::new(0),
            bytes: AtomicUsize::new(0),
        }
    }

    /// Whether a member of `len` bytes may go now (it is counted if so).
    /// Only the walking thread takes, so checking then adding is enough.
    fn take(&self, len: usize) -> bool {
        let (members, bytes) = (
            self.members.load(Ordering::Relaxed),
            self.bytes.load(Ordering::Relaxed),
        );
        let room = members == 0 || (members < self.threads && bytes + len <= IN_FLIGHT_MAX_BYTES);
        if self.threads < 2 || !room {
            return false;
        }
        self.members.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(len, Ordering::Relaxed);
        true
    }

    /// A member of `len` bytes is read.
    fn done(&self, len: usize) {
        self.members.fetch_sub(1, Ordering::Relaxed);
        self.bytes.fetch_sub(len, Ordering::Relaxed);
    }
}

/// What reading one detached member gave.
struct MemberResult {
    number: usize,
    files: Vec<ParsedFile>,
    problems: Vec<SourceProblem>,
}

/// Read and parse one unit; `report` is told the bytes read from disk.
pub(crate) fn read_unit(
    unit: &Unit,
    number: usize,
    cfg: &Config,
    report: &(dyn Fn(u64) + Sync),
) -> Vec<ParsedFile> {
    let in_flight = InFlight::new(rayon::current_num_threads());
    let number_of_unit = number;
    let (sender, receiver) = mpsc::channel::<MemberResult>();
    let (here, marks, problems) = rayon::scope(|scope| {
        let here = RefCell::new(Vec::new());
        // Per detached member, by number.
        let mut marks = Vec::new();
        // Files (and detached members) met so far in the walk of the unit.
        let seq = std::cell::Cell::new(0u64);
        let mut visit = |path: &str, reader: &mut dyn std::io::BufRead| {
            let order = walk_order(number, seq.get(), 0);
            seq.set(seq.get() + 1);
            here.borrow_mut().push(parse(path, reader, cfg, order));
        };
        let mut detach = |member: Detached| {
            let len = member.len();
            if !in_flight.take(len) {
                return Some(member);
            }
            let at = seq.get();
            seq.set(at + 1);
            let number = marks.len();
            marks.push(Mark {
                files_before: here.borrow().len(),
                problems_before: member.problems_before(),
            });
            let (sender, in_flight, unit_number) = (sender.clone(), &in_flight, number_of_unit);
            scope.spawn(move |_| {
                let mut files = Vec::new();
                let problems = member.read(&cfg.limits, &mut |path, reader| {
                    let order = walk_order(unit_number, at, files.len() as u64 + 1);
                    files.push(parse(path, reader, cfg, order));
                });
                in_flight.done(len);
                // Held until the unit is read: most members are one file.
                files.shrink_to_fit();
                // The receiver outlives the scope: sending cannot fail.
                let _ = sender.send(MemberResult {
                    number,
                    files,
                    problems,
                });
            });
            None
        };
        let problems =
            read_unit_detaching(unit, &cfg.limits, &mut visit, report, Some(&mut detach));
        (here.into_inner(), marks, problems)
    });
    drop(sender);
    let mut results: Vec<Option<MemberResult>> = (0..marks.len()).map(|_| None).collect();
    for r in receiver {
        let number = r.number;
        results[number] = Some(r);
    }
    in_walk_order(here, problems, marks, results)
}

/// The unit's files and problems as a reading in place would have had them:
/// each detached member's right after what was read in place before it.
fn in_walk_order(
    here: Vec<ParsedFile>,
    unit_problems: Vec<SourceProblem>,
    marks: Vec<Mark>,
    results: Vec<Option<MemberResult>>,
) -> Vec<ParsedFile> {
    let members: usize = results.iter().flatten().map(|r| r.files.len()).sum();
    let mut files = Vec::with_capacity(here.len() + members);
    let mut problems = Vec::new();
    let (mut here, mut unit_problems) = (here.into_iter(), unit_problems.into_iter());
    let (mut files_taken, mut problems_taken) = (0, 0);
    for (mark, result) in marks.into_iter().zip(results) {
        files.extend(here.by_ref().take(mark.files_before - files_taken));
        problems.extend(
            unit_problems
                .by_ref()
                .take(mark.problems_before - problems_taken),
        );
        (files_taken, problems_taken) = (mark.files_before, mark.problems_before);
        // Every spawned member sends its result (a panic in one ends the
        // whole scope instead).
        if let Some(r) = result {
            files.extend(r.files);
            problems.extend(r.problems);
        }
    }
    files.extend(here);
    problems.extend(unit_problems);
    attach(&mut files, problems);
    // Held until every unit is read: room `attach` grew for entries of its
    // own goes back.
    files.shrink_to_fit();
    files
}

/// A file's place in the walk of all inputs: its unit's number, then its
/// place in the unit's walk, then its place inside a detached member
/// (0: read in place). Larger is later.
fn walk_order(unit: usize, seq: u64, sub: u64) -> u64 {
    ((unit as u64).min((1 << 24) - 1) << 40) | (seq.min((1 << 24) - 1) << 16) | sub.min(0xffff)
}

/// Parse one plain file of the unit.
fn parse(path: &str, reader: &mut dyn std::io::BufRead, cfg: &Config, order: u64) -> ParsedFile {
    let mut ctx = context(path, &cfg.options);
    ctx.counter_filter = cfg.counter_filter.clone();
    ctx.keep_ordinary = cfg.keep_ordinary;
    ctx.keep = cfg.retain.filter();
    ctx.sink = cfg.sink.clone();
    ctx.order = order;
    parse_reader(forced_for(&cfg.forced, path), &ctx, reader)
}
