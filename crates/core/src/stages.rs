//! How long the parts of a run took, for benchmarks: the command line turns
//! it on when the environment has `UCTRIAGE_TIMINGS` ([`enable`]), the
//! pipeline's stages note their wall time ([`note`]: reading and parsing,
//! placing, each rule) and the command prints them at the end ([`take`]).
//! Off, a note costs one atomic load.
//!
//! The same stages are named to a watcher as they begin ([`watch`],
//! [`begin`]): the command line's progress display, so a user waiting on a
//! long run sees what it is doing once the input is read (placing the events,
//! merging sorted runs, each rule), not a finished "reading" bar. Unwatched,
//! a beginning costs one atomic load. Trouble the user can act on at once (the
//! temporary disk is full) goes to the same watcher as it happens
//! ([`trouble`]), not only in the summary at the end of a long run.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

static ON: AtomicBool = AtomicBool::new(false);
static NOTED: Mutex<Vec<(String, Duration)>> = Mutex::new(Vec::new());

/// What a watcher is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum News<'a> {
    /// A stage began; its name in the user's words.
    Stage(&'a str),
    /// So many events of the current stage are done, of so many when known
    /// (told every [`DONE_EVERY`] events).
    Done {
        /// Events done so far.
        events: u64,
        /// Events in all, when known.
        of: Option<u64>,
    },
    /// Something went wrong that the user may want to act on now (the run
    /// goes on); a sentence.
    Trouble(&'a str),
}

/// Told of each stage as it begins, and of trouble as it happens.
pub type Watcher = Box<dyn Fn(News<'_>) + Send + Sync>;

static WATCHED: AtomicBool = AtomicBool::new(false);
static WATCHER: RwLock<Option<Watcher>> = RwLock::new(None);

/// From now on, `watcher` is told of each stage as it begins ([`begin`]);
/// `None` stops telling.
pub fn watch(watcher: Option<Watcher>) {
    let mut slot = WATCHER.write().unwrap_or_else(|e| e.into_inner());
    WATCHED.store(watcher.is_some(), Ordering::Relaxed);
    *slot = watcher;
}

/// A stage a waiting user would want named has begun (`what`, built only
/// when someone watches, says it in their words: "placing the events in
/// time order").
pub fn begin(what: impl FnOnce() -> String) {
    tell(|w| w(News::Stage(&what())));
}

/// Events between two tellings of [`done`].
pub const DONE_EVERY: u64 = 1 << 16;

/// `events` of the current stage are done (of `of`, when known): a stage
/// that works through the events calls this after each one; the watcher
/// is told every [`DONE_EVERY`] of them.
#[inline]
pub fn done(events: u64, of: Option<u64>) {
    if events.is_multiple_of(DONE_EVERY) {
        tell(|w| w(News::Done { events, of }));
    }
}

/// Tell the watcher, if any, of `message` (the first time a kind of trouble
/// happens; the caller keeps it for its summary too).
pub fn trouble(message: &str) {
    tell(|w| w(News::Trouble(message)));
}

/// Call `f` with the watcher, if there is one (one atomic load if not).
fn tell(f: impl FnOnce(&Watcher)) {
    if WATCHED.load(Ordering::Relaxed) {
        let watcher = WATCHER.read().unwrap_or_else(|e| e.into_inner());
        if let Some(w) = watcher.as_ref() {
            f(w);
        }
    }
}

/// Note the stages from now on.
pub fn enable() {
    ON.store(true, Ordering::Relaxed);
}

/// Whether stages are noted.
pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// Note that the stage `name` (built only when noting) took the time since
/// `started`.
pub fn note(started: Instant, name: impl FnOnce() -> String) {
    if enabled() {
        let took = started.elapsed();
        if let Ok(mut noted) = NOTED.lock() {
            noted.push((name(), took));
        }
    }
}

/// The stages noted so far, in the order they ended; forgotten here.
pub fn take() -> Vec<(String, Duration)> {
    NOTED
        .lock()
        .map(|mut n| std::mem::take(&mut *n))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_are_noted_only_once_enabled_and_taken_once() {
        note(Instant::now(), || "before".into());
        assert!(take().iter().all(|(n, _)| n != "before"));
        enable();
        note(Instant::now(), || "parse".into());
        let noted = take();
        assert!(noted.iter().any(|(n, _)| n == "parse"));
        assert!(take().iter().all(|(n, _)| n != "parse"));
    }

    #[test]
    fn a_watcher_hears_each_stage_and_trouble_in_order_until_it_stops_watching() {
        use std::sync::Arc;
        begin(|| unreachable!("a stage name is not built while no one watches"));
        let heard = Arc::new(Mutex::new(Vec::new()));
        let h = heard.clone();
        watch(Some(Box::new(move |news| {
            h.lock().unwrap().push(format!("{news:?}"))
        })));
        begin(|| "placing".into());
        done(65_535, Some(100_000));
        done(65_536, Some(100_000));
        trouble("disk full");
        begin(|| "rule one".into());
        watch(None);
        begin(|| unreachable!("nor once the watcher stopped"));
        trouble("not heard");
        done(1, None);
        assert_eq!(
            *heard.lock().unwrap(),
            [
                r#"Stage("placing")"#,
                "Done { events: 65536, of: Some(100000) }",
                r#"Trouble("disk full")"#,
                r#"Stage("rule one")"#
            ]
        );
    }
}
