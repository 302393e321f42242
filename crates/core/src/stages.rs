//! How long the parts of a run took, for benchmarks: the command line turns
//! it on when the environment has `UCTRIAGE_TIMINGS` ([`enable`]), the
//! pipeline's stages note their wall time ([`note`]: reading and parsing,
//! placing, each rule) and the command prints them at the end ([`take`]).
//! Off, a note costs one atomic load.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static ON: AtomicBool = AtomicBool::new(false);
static NOTED: Mutex<Vec<(String, Duration)>> = Mutex::new(Vec::new());

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
}
