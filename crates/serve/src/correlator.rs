//! Continuous correlation: every few seconds, when something was committed,
//! the rules run over a sliding window of recent events (by event time), and
//! the incident tracker turns the findings into incidents.
//!
//! The window ends at the latest event committed and reaches back
//! `--window` (6 h by default: the reference incident's coincidence began
//! 4 h 50 min before its impact). Events that arrived late or were replayed
//! from long ago get a window of their own, ending where they belong. Runs
//! are debounced: at most one per `--debounce` (2 s), and never sooner than
//! twice the last run's time after it (correlation takes at most a third of
//! a core under a flood), so a flood is correlated in large steps, and an
//! incident is explained within a debounce plus one run after its last message.

use crate::correlate_window::{explain, window_bundle};
use crate::incidents::{Change, Incident, Tracker, Window};
use crate::pipeline::{Activity, Shared};
use crate::ring::Ring;
use crate::webhook::Webhooks;
use crate::{log, Readers};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uctriage_core::jiff::{SignedDuration, Timestamp};
use uctriage_correlate::TopologyFile;
use uctriage_knowledge::Knowledge;
use uctriage_store::{EventQuery, IncidentRow, SqliteStore, Store};

/// Settings of continuous correlation.
#[derive(Clone, Debug)]
pub struct Settings {
    /// How far back a window reaches.
    pub window: SignedDuration,
    /// Least time between two runs.
    pub debounce: Duration,
    /// Most events in one window (the newest are kept).
    pub max_events: usize,
}

/// What the last run did (for the stats endpoint).
#[derive(Debug, Default)]
pub struct RunStats {
    /// Runs so far.
    pub runs: AtomicU64,
    /// Events in the last window.
    pub last_events: AtomicU64,
    /// Milliseconds the last run took.
    pub last_ms: AtomicU64,
    /// Events the kept window read from the store so far.
    pub read: AtomicU64,
    /// Times the kept window was read whole.
    pub loads: AtomicU64,
}

/// Everything the correlation thread uses.
pub struct Correlator {
    /// Pipeline state (activity, normalizer).
    pub shared: Arc<Shared>,
    /// Read connections.
    pub readers: Arc<Readers>,
    /// A writing connection for incidents.
    pub store: SqliteStore,
    /// Knowledge.
    pub kb: Arc<Knowledge>,
    /// The user's topology file.
    pub topology: Option<Arc<(TopologyFile, String)>>,
    /// Incidents.
    pub tracker: Arc<Mutex<Tracker>>,
    /// Notifications.
    pub webhooks: Webhooks,
    /// Settings.
    pub settings: Settings,
    /// Run statistics.
    pub stats: Arc<RunStats>,
    /// The latest window's events, kept decoded between runs.
    pub ring: Ring,
}

/// Events of a window as the correlation sees them: the newest
/// `max_events` of `[from, until]`, oldest first.
pub fn window_events(
    readers: &Readers,
    w: Window,
    max_events: usize,
) -> Result<Vec<uctriage_core::Event>, String> {
    let mut ev = readers
        .with(|s| {
            s.events(&EventQuery {
                since: Some(w.from),
                until: Some(w.until),
                limit: max_events,
                newest_first: true,
                ..Default::default()
            })
        })
        .map_err(|e| e.to_string())?;
    ev.reverse();
    Ok(ev)
}

impl Correlator {
    /// Run until `stop` is set; one last sweep when it is.
    pub fn run(mut self, stop: Arc<AtomicBool>) {
        let mut last_run = Instant::now() - self.settings.debounce;
        // Correlation never takes more than a third of a core: after a run
        // that took T, the next waits at least 2 T (and the debounce).
        let mut pause = self.settings.debounce;
        loop {
            std::thread::sleep(Duration::from_millis(200));
            self.ring.absorb(
                &self.shared.fresh,
                self.settings.window,
                self.settings.max_events,
            );
            let stopping = stop.load(Ordering::SeqCst);
            if last_run.elapsed() >= pause || stopping {
                let activity = std::mem::take(&mut *self.shared.activity.lock().unwrap());
                if activity.events > 0 {
                    last_run = Instant::now();
                    for (i, w) in windows(&activity, self.settings.window)
                        .into_iter()
                        .enumerate()
                    {
                        // The window ending at the latest event is kept
                        // decoded between runs; earlier ones (late or
                        // replayed events) are read from the store.
                        self.run_window(w, i == 0);
                    }
                    pause = self.settings.debounce.max(last_run.elapsed() * 2);
                }
                let closed = self.tracker.lock().unwrap().sweep(Timestamp::now());
                self.apply(closed);
            }
            if stopping {
                return;
            }
        }
    }

    fn run_window(&mut self, mut w: Window, latest: bool) {
        let started = Instant::now();
        let read = if latest {
            self.ring.window(
                &self.readers,
                &self.shared.fresh,
                w,
                self.settings.max_events,
            )
        } else {
            window_events(&self.readers, w, self.settings.max_events)
        };
        let events = match read {
            Ok(e) => e,
            Err(e) => {
                log::warn(&format!("correlation: reading the window failed: {e}"));
                return;
            }
        };
        if latest {
            // What was committed since the run was decided belongs to it too.
            if let Some(t) = events.last().and_then(|e| e.time) {
                w.until = w.until.max(t + SignedDuration::from_secs(1));
            }
        }
        let n = events.len();
        let mut bundle = {
            let norm = self.shared.normalizer.lock().unwrap();
            window_bundle(events, &norm)
        };
        let analysis = explain(&bundle, &self.kb, self.topology.as_deref());
        if latest {
            self.ring.put_back(std::mem::take(&mut bundle.events));
        }
        let mut notes: Vec<String> = analysis.notes.clone();
        notes.extend(bundle.notes.iter().cloned());
        if n >= self.settings.max_events {
            notes.push(format!(
                "the window held more than {} events: only the newest were correlated",
                self.settings.max_events
            ));
        }
        let changes =
            self.tracker
                .lock()
                .unwrap()
                .observe(&analysis.findings, &notes, w, Timestamp::now());
        self.apply(changes);
        self.stats.runs.fetch_add(1, Ordering::Relaxed);
        self.stats.read.store(self.ring.read, Ordering::Relaxed);
        self.stats.loads.store(self.ring.loads, Ordering::Relaxed);
        self.stats.last_events.store(n as u64, Ordering::Relaxed);
        self.stats
            .last_ms
            .store(started.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    fn apply(&mut self, changes: Vec<Change>) {
        for c in changes {
            if let Err(e) = self.store.put_incident(&row(&c.incident)) {
                log::warn(&format!("incident {}: not stored: {e}", c.incident.id));
            }
            log::info(&format!(
                "incident {} {:?}: {}",
                c.incident.id, c.kind, c.incident.title
            ));
            self.webhooks.notify(&c);
        }
    }
}

/// The store's row of an incident.
pub fn row(i: &Incident) -> IncidentRow {
    IncidentRow {
        id: i.id,
        status: i.status.as_str().to_string(),
        opened: i.opened,
        updated: i.updated,
        doc: serde_json::to_string(i).unwrap_or_default(),
    }
}

/// Most windows in one run (older stretches wait for the next run).
const MAX_WINDOWS: usize = 4;

/// The windows to run for what was committed: one ending at the latest
/// event, then one ending at the latest of the events it does not reach
/// (late or replayed ones), and so on.
fn windows(a: &Activity, span: SignedDuration) -> Vec<Window> {
    let Some(max) = a.max else { return Vec::new() };
    let mut out = vec![Window {
        from: max - span,
        until: max + SignedDuration::from_secs(1),
    }];
    for &hour in a.hours.iter().rev() {
        let end = Timestamp::from_second((hour + 1) * 3600)
            .unwrap_or(max)
            .min(max);
        let start = Timestamp::from_second(hour * 3600).unwrap_or(max);
        if out.iter().any(|w| w.from <= start && end <= w.until) {
            continue;
        }
        if out.len() == MAX_WINDOWS {
            break;
        }
        out.push(Window {
            from: end - span,
            until: end,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_events_get_a_window_of_their_own() {
        let h = SignedDuration::from_hours(6);
        let t = |s: &str| -> Timestamp { s.parse().unwrap() };
        let mut a = Activity::default();
        for s in ["2026-12-06T12:00:00Z", "2026-12-06T17:00:00Z"] {
            a.note(t(s));
        }
        assert_eq!(windows(&a, h).len(), 1);
        for s in ["2019-07-12T06:17:42Z", "2019-07-12T17:54:10Z"] {
            a.note(t(s));
        }
        let w = windows(&a, h);
        assert_eq!(w.len(), 3, "{w:?}");
        assert_eq!(w[1].until, t("2019-07-12T18:00:00Z"));
        assert_eq!(w[1].from, t("2019-07-12T12:00:00Z"));
        assert!(windows(&Activity::default(), h).is_empty());
    }
}
