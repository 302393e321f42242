//! # uctriage-spill
//!
//! Events kept on disk once the events held in memory pass the budget
//! (`--max-memory`), so that a command which prints every event (`timeline`)
//! needs memory for a bounded number of them, whatever the input's size.
//!
//! Two stages use it, in the pipeline's order:
//! - **While parsing** ([`RawSpill`]): once the estimated bytes of the kept
//!   events pass the limit ([`enable`]; the count is the one the raw-text
//!   spill of [`uctriage_core::text`] keeps), each further complete event of
//!   a file is encoded and appended to one shared temporary file, in
//!   LZ4-compressed blocks, instead of being kept. Normalization learns what it needs of them from their
//!   summary (hosts, dates, time range) and reads them back, in the file's
//!   order, when it places them.
//! - **After placing** ([`RunWriter`], [`Runs`]): normalized events are
//!   gathered in a buffer of bounded size, sorted, and written as a sorted
//!   run by a thread of its own while the next buffer fills; the runs are
//!   merged back ([`Runs::merge`]) in exactly the order one stable sort of
//!   all events gives (instant, file, line, then the order they were made
//!   in), skipping the blocks a [`Span`] does not want.
//!
//! Both files are anonymous temporary files (unlinked at once on Unix,
//! deleted on close on Windows): nothing is left behind, even after a crash.
//! A read that fails (the disk failed under us) is an error the caller
//! reports, never a panic ([`failure`]).
#![deny(missing_docs)]

mod codec;
mod file;
mod raw;
mod runs;

pub use raw::{release_parsed, EncodedRaw, RawItem, RawReader, RawSpill};
pub use runs::{Head, Keep, Merge, Placement, Places, RunKey, RunWriter, Runs, Span, View};

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use uctriage_core::FirstError;

/// Whether parsed events may spill at all (only loads that can read them
/// back in order ask for it: see [`enable`]).
static ENABLED: AtomicBool = AtomicBool::new(false);
/// Estimated bytes of kept events above which complete events spill.
static LIMIT: AtomicU64 = AtomicU64::new(u64::MAX);
/// Events and encoded bytes spilled while parsing, and in runs.
static RAW_EVENTS: AtomicU64 = AtomicU64::new(0);
static RAW_BYTES: AtomicU64 = AtomicU64::new(0);
static RUN_EVENTS: AtomicU64 = AtomicU64::new(0);
static RUN_BYTES: AtomicU64 = AtomicU64::new(0);
static RUNS: AtomicU64 = AtomicU64::new(0);
/// Passes that merged runs into fewer ([`SpillStats::merge_passes`]).
static PASSES: AtomicU64 = AtomicU64::new(0);
/// The first error reading a spill file back (events are missing).
static FAILURE: FirstError = FirstError::new();
/// The first error making or writing one (events stayed in memory).
static TROUBLE: FirstError = FirstError::new();
/// The first error merging runs into fewer (they stayed as they were).
static NARROW_TROUBLE: FirstError = FirstError::new();

/// Let parsed events spill once the events held in memory are estimated at
/// more than `limit` bytes (None: never). Call it once before loading; it
/// restarts the counts of [`stats`].
pub fn enable(limit: Option<u64>) {
    ENABLED.store(limit.is_some(), Ordering::Relaxed);
    LIMIT.store(limit.unwrap_or(u64::MAX), Ordering::Relaxed);
    for c in [
        &RAW_EVENTS,
        &RAW_BYTES,
        &RUN_EVENTS,
        &RUN_BYTES,
        &RUNS,
        &PASSES,
    ] {
        c.store(0, Ordering::Relaxed);
    }
}

/// Whether events may spill in this load ([`enable`]).
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Whether the next complete event should spill: spilling is enabled and
/// the events held in memory ([`uctriage_core::text::held`]) are past the limit.
pub fn over_limit() -> bool {
    enabled() && uctriage_core::text::held() > LIMIT.load(Ordering::Relaxed)
}

/// The limit set by [`enable`] (u64::MAX when spilling is off).
pub fn limit() -> u64 {
    LIMIT.load(Ordering::Relaxed)
}

/// What was spilled in this load.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpillStats {
    /// Parsed events written to the temporary file while parsing.
    pub parsed_events: u64,
    /// Their bytes on disk (compressed).
    pub parsed_bytes: u64,
    /// Normalized events written in sorted runs.
    pub run_events: u64,
    /// Their bytes on disk (compressed).
    pub run_bytes: u64,
    /// The first error making or writing a temporary file: the events past
    /// it stayed in memory (nothing lost, the budget not kept).
    pub trouble: Option<String>,
    /// How many runs.
    pub runs: u64,
    /// Passes that merged the runs into fewer, for a merge to read at
    /// most so many at once (0: there were few enough).
    pub merge_passes: u64,
    /// The first error merging runs into fewer: they are read back all
    /// at once (nothing lost; the budget may not be kept).
    pub merge_trouble: Option<String>,
}

/// What was spilled since [`enable`].
pub fn stats() -> SpillStats {
    SpillStats {
        parsed_events: RAW_EVENTS.load(Ordering::Relaxed),
        parsed_bytes: RAW_BYTES.load(Ordering::Relaxed),
        run_events: RUN_EVENTS.load(Ordering::Relaxed),
        run_bytes: RUN_BYTES.load(Ordering::Relaxed),
        trouble: TROUBLE.get(),
        runs: RUNS.load(Ordering::Relaxed),
        merge_passes: PASSES.load(Ordering::Relaxed),
        merge_trouble: NARROW_TROUBLE.get(),
    }
}

/// The first error met reading spilled events back, if any: the caller
/// tells the user and fails (events are missing from its output).
pub fn failure() -> Option<String> {
    FAILURE.get()
}

/// Remember the first read error for [`failure`].
pub(crate) fn record_failure(e: &dyn std::fmt::Display) {
    FAILURE.record(e);
}

/// Remember the first error merging runs for [`SpillStats::merge_trouble`].
pub(crate) fn record_narrow_trouble(e: &dyn std::fmt::Display) {
    NARROW_TROUBLE.record(e);
}

/// Remember the first write error for [`SpillStats::trouble`], and tell
/// the user at once: events stay in memory from now on.
pub(crate) fn record_trouble(e: &dyn std::fmt::Display) {
    if TROUBLE.record(e) {
        uctriage_core::stages::trouble(&format!(
            "events past the memory budget stay in memory from now on: {e}"
        ));
    }
}
