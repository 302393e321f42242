//! The latest correlation window, kept decoded between runs.
//!
//! Reading the whole window back from the store at every run (up to
//! `--max-window-events`, 200,000 events) decoded each stored event again
//! and again: at 10,000 messages a second that was most of what correlation
//! cost. The ring keeps the events of the window ending at the latest event
//! in memory, ordered as a bundle orders them (instant, file, line); the
//! writer hands it what it committed ([`Fresh`]), so nothing is read back
//! from the store while it keeps up.
//!
//! It holds exactly what the store's window query would return (the newest
//! `max_events` events of `[from, until]` by instant), and is read whole
//! from the store instead when it cannot be sure: at the first run; when
//! committed events did not reach it ([`Fresh::lost`]: a batch split to fit
//! a full store, or a zone learnt later moved stored events); and
//! when events the cap let go belong to the window again (traffic slowed and
//! the window emptied below its cap). Windows of late or replayed events
//! (ending earlier) are not kept here: they are read from the store.

use crate::incidents::Window;
use crate::pipeline::Fresh;
use crate::Readers;
use std::sync::Mutex;
use uctriage_core::jiff::{SignedDuration, Timestamp};
use uctriage_core::Event;
use uctriage_store::Store;

/// Fresh events are merged in once this many wait (or at each run), so
/// what waits stays small and the ring is not re-sorted for a few events.
const ABSORB: usize = 25_000;

/// The decoded events of the latest window.
#[derive(Debug, Default)]
pub struct Ring {
    /// Events ordered by (instant, file, line); all have an instant.
    events: Vec<Event>,
    /// Highest message id in the store when last read whole (None: read
    /// whole at the next run).
    loaded_until: Option<u64>,
    /// Messages above `loaded_until` the whole read already held (handed
    /// over fresh too, and skipped then).
    loaded_above: Vec<u64>,
    /// Latest instant among events let go because the window was full.
    dropped_until: Option<Timestamp>,
    /// Events read from the store so far (whole reads).
    pub read: u64,
    /// Whole reads so far.
    pub loads: u64,
}

/// The order a bundle gives events (instant, file, line), the ring's.
pub(crate) fn key(e: &Event) -> (Option<Timestamp>, &str, u64) {
    (e.time, &e.evidence.file, e.evidence.line)
}

impl Ring {
    /// Merge what the writer committed since, when enough waits (called
    /// between runs, so waiting events stay few); `span` is the window's
    /// reach, `max_events` its cap.
    pub fn absorb(&mut self, fresh: &Mutex<Fresh>, span: SignedDuration, max_events: usize) {
        if fresh.lock().unwrap().events.len() < ABSORB {
            return;
        }
        self.take(fresh);
        if let Some(latest) = self.events.last().and_then(|e| e.time) {
            self.trim(latest - span, max_events);
        }
    }

    /// The events of window `w` (the newest `max_events`), taken out of
    /// the ring: hand them back with [`Ring::put_back`] once correlated.
    pub fn window(
        &mut self,
        readers: &Readers,
        fresh: &Mutex<Fresh>,
        w: Window,
        max_events: usize,
    ) -> Result<Vec<Event>, String> {
        self.take(fresh);
        let stale = self.loaded_until.is_none()
            || (self.events.len() < max_events && self.dropped_until.is_some_and(|t| t >= w.from));
        if stale {
            self.load(readers, fresh, w, max_events)?;
        }
        self.trim(w.from, max_events);
        Ok(std::mem::take(&mut self.events))
    }

    /// Hand the window's events back after correlation (still in order).
    pub fn put_back(&mut self, events: Vec<Event>) {
        self.events = events;
    }

    /// Merge the fresh events in (all of them, in order).
    fn take(&mut self, fresh: &Mutex<Fresh>) {
        let (new, lost, let_go) = {
            let mut f = fresh.lock().unwrap();
            (
                std::mem::take(&mut f.events),
                std::mem::take(&mut f.lost),
                f.dropped_until.take(),
            )
        };
        self.dropped_until = self.dropped_until.max(let_go);
        if lost {
            self.loaded_until = None;
        }
        let Some(loaded) = self.loaded_until else {
            // Read whole at the next run: what waits is in the store.
            self.events.clear();
            return;
        };
        let above = &self.loaded_above;
        let mut new: Vec<Event> = new
            .into_iter()
            .filter(|e| {
                let l = e.evidence.line;
                e.time.is_some() && l > loaded && above.binary_search(&l).is_err()
            })
            .collect();
        new.sort_by(|a, b| key(a).cmp(&key(b)));
        let in_order = match (self.events.last(), new.first()) {
            (Some(last), Some(first)) => key(last) <= key(first),
            _ => true,
        };
        self.events.extend(new);
        if !in_order {
            // Two sorted runs: a stable sort merges them in linear time.
            self.events.sort_by(|a, b| key(a).cmp(&key(b)));
        }
    }

    fn load(
        &mut self,
        readers: &Readers,
        fresh: &Mutex<Fresh>,
        w: Window,
        max_events: usize,
    ) -> Result<(), String> {
        // What waits fresh is all in the store: read whole, it is skipped.
        {
            let mut f = fresh.lock().unwrap();
            f.events = Vec::new();
            f.lost = false;
            f.dropped_until = None;
        }
        // Messages up to `last` are all in the store before the query runs;
        // the query may also see some committed meanwhile (handed over
        // fresh as well: noted, so they are skipped then).
        let last = readers
            .with(|s| s.next_message_id())
            .map_err(|e| e.to_string())?
            .saturating_sub(1);
        let mut ev = crate::correlator::window_events(readers, w, max_events)?;
        ev.retain(|e| e.time.is_some());
        ev.sort_by(|a, b| key(a).cmp(&key(b)));
        self.loaded_above = ev
            .iter()
            .map(|e| e.evidence.line)
            .filter(|&l| l > last)
            .collect();
        self.loaded_above.sort_unstable();
        self.loaded_above.dedup();
        self.read += ev.len() as u64;
        self.loads += 1;
        // A full window means the store holds older events of it too.
        self.dropped_until = if ev.len() >= max_events {
            ev.first().and_then(|e| e.time)
        } else {
            None
        };
        self.events = ev;
        self.loaded_until = Some(last);
        Ok(())
    }

    /// Let go of what is older than `from`, then of the oldest beyond `max`.
    fn trim(&mut self, from: Timestamp, max: usize) {
        let old = self.events.partition_point(|e| e.time < Some(from));
        self.events.drain(..old);
        if self.events.len() > max {
            let cut = self.events.len() - max;
            let until = self.events[cut - 1].time;
            self.events.drain(..cut);
            self.dropped_until = self.dropped_until.max(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use uctriage_core::{Clock, Evidence, Fields, Kind, Severity};
    use uctriage_store::{Batch, NewEvent, SqliteStore, StoredMessage};

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_700_000_000 + s).unwrap()
    }

    /// Messages `ids`, each with one event at second `time(id)`, committed
    /// and handed over as the writer does.
    fn append(
        s: &mut SqliteStore,
        fresh: &Mutex<Fresh>,
        ids: std::ops::Range<u64>,
        time: impl Fn(u64) -> i64,
    ) {
        let mut b = Batch::default();
        for id in ids {
            b.messages.push(StoredMessage {
                id,
                received: t(0),
                peer: "127.0.0.1".into(),
                transport: "tcp".into(),
                text: format!("message {id}"),
                truncated: false,
            });
            b.events.push(NewEvent {
                event: Event {
                    time: Some(t(time(id))),
                    clock: Clock::stated("test").into(),
                    host: Some("cm1".into()),
                    kind: Kind::Log,
                    severity: Severity::Info,
                    summary: format!("event {id}").into(),
                    fields: Fields::new(),
                    entities: Default::default(),
                    evidence: Evidence {
                        file: Arc::from("syslog/127.0.0.1"),
                        line: id,
                        // As decoding gives it: the message's text.
                        text: format!("message {id}").into(),
                    },
                    format: "cisco-syslog",
                },
                local: Some("2023-11-14T22:13:20".parse().unwrap()),
            });
        }
        s.append(&b).unwrap();
        let mut f = fresh.lock().unwrap();
        f.extend(b.events.into_iter().map(|ne| ne.event));
    }

    fn lines(ev: &[Event]) -> Vec<u64> {
        ev.iter().map(|e| e.evidence.line).collect()
    }

    /// The ring's window against the store's, event for event.
    fn same(
        ring: &mut Ring,
        readers: &Readers,
        fresh: &Mutex<Fresh>,
        w: Window,
        max: usize,
    ) -> usize {
        let got = ring.window(readers, fresh, w, max).unwrap();
        let mut want = crate::correlator::window_events(readers, w, max).unwrap();
        want.sort_by(|a, b| key(a).cmp(&key(b)));
        assert_eq!(lines(&got), lines(&want));
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g, w);
        }
        let n = got.len();
        ring.put_back(got);
        n
    }

    #[test]
    fn the_kept_window_is_what_the_store_would_return_without_reading_it_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::create(dir.path()).unwrap();
        let readers = Readers::new(dir.path());
        let fresh = Mutex::new(Fresh::default());
        let w = |from: i64| Window {
            from: t(from),
            until: t(100_000),
        };
        // Out of order within each batch, as several senders interleave.
        append(&mut s, &fresh, 1..101, |id| (id as i64 * 7) % 100);
        let mut ring = Ring::default();
        assert_eq!(same(&mut ring, &readers, &fresh, w(0), 1000), 100);
        append(&mut s, &fresh, 101..131, |id| id as i64 - 20);
        assert_eq!(same(&mut ring, &readers, &fresh, w(0), 1000), 130);
        assert_eq!(
            (ring.loads, ring.read),
            (1, 100),
            "what was committed after the first run is not read back"
        );
        // Over the cap: the newest by instant are kept, as the store keeps them.
        append(&mut s, &fresh, 131..201, |id| id as i64);
        assert_eq!(same(&mut ring, &readers, &fresh, w(0), 120), 120);
        // The window moves on and empties below the cap: what the cap let
        // go belongs to it again, so it is read whole.
        assert_eq!(same(&mut ring, &readers, &fresh, w(60), 150), 140);
        assert_eq!(ring.loads, 2);
        // Events that fall before the window are let go; a late event
        // before it is not taken.
        append(
            &mut s,
            &fresh,
            201..203,
            |id| if id == 201 { 10 } else { 300 },
        );
        assert_eq!(same(&mut ring, &readers, &fresh, w(100), 1000), 82);
        // A zone learnt later moves stored events: read whole again.
        let moved = s
            .replace_local("cm1", &mut |_, _| (Some(t(150)), Clock::stated("moved")))
            .unwrap();
        assert_eq!(moved, 202);
        fresh.lock().unwrap().lost = true;
        assert_eq!(same(&mut ring, &readers, &fresh, w(100), 1000), 202);
        assert_eq!(ring.loads, 3);
    }

    #[test]
    fn correlation_falling_far_behind_keeps_the_window_without_reading_it_back() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::create(dir.path()).unwrap();
        let readers = Readers::new(dir.path());
        let cap = 50;
        let fresh = Mutex::new(Fresh::with_cap(cap));
        let w = Window {
            from: t(0),
            until: t(100_000),
        };
        append(&mut s, &fresh, 1..41, |id| id as i64);
        let mut ring = Ring::default();
        assert_eq!(same(&mut ring, &readers, &fresh, w, cap), 40);
        // Four times the cap committed while correlation was busy, out of
        // order: what waits stays bounded, and the window is still exact.
        for batch in 0..8u64 {
            let from = 41 + batch * 25;
            append(&mut s, &fresh, from..from + 25, |id| {
                (id as i64 * 37) % 300 + 40
            });
            assert!(fresh.lock().unwrap().events.len() <= cap + cap / 4);
        }
        assert_eq!(same(&mut ring, &readers, &fresh, w, cap), cap);
        assert_eq!(ring.loads, 1, "the window was not read back");
        // Traffic slows and the window moves past most of it: what the cap
        // let go belongs to it again only if it is newer than its start.
        append(&mut s, &fresh, 241..243, |id| id as i64 + 400);
        let later = Window {
            from: t(330),
            until: t(100_000),
        };
        same(&mut ring, &readers, &fresh, later, cap);
    }
}
