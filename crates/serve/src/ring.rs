//! The latest correlation window, kept decoded between runs.
//!
//! Reading the whole window back from the store at every run (up to
//! `--max-window-events`, 200,000 events) decoded each stored event again
//! and again: at 10,000 messages a second that was most of what correlation
//! cost. The ring keeps the events of the window ending at the latest event
//! in memory, ordered as a bundle orders them (instant, file, line), and at
//! each run reads from the store only what was committed since (by message
//! id, in arrival order), so each stored event is decoded once.
//!
//! It holds exactly what the store's window query would return (the newest
//! `max_events` events of `[from, until]` by instant), with one exception
//! it detects and repairs: events it let go because the window was full
//! become part of the window again when traffic slows and the window
//! empties below its cap, and a zone learnt later moves stored events
//! (`Store::replace_local`). In both cases it is loaded whole again.
//! Windows of late or replayed events (ending earlier) are not kept here:
//! they are read from the store as before.

use crate::incidents::Window;
use crate::Readers;
use uctriage_core::jiff::Timestamp;
use uctriage_core::Event;
use uctriage_store::{EventQuery, Store};

/// Most events read from the store in one query of what is new.
const PAGE: usize = 50_000;

/// The decoded events of the latest window.
#[derive(Debug, Default)]
pub struct Ring {
    /// Events ordered by (instant, file, line); all have an instant.
    events: Vec<Event>,
    /// Highest message id whose events were read (None: load whole first).
    last_message: Option<u64>,
    /// Messages above `last_message` the whole load already held (read
    /// again by the next query of what is new, and skipped then).
    loaded_above: Vec<u64>,
    /// The store's zone changes seen when last loaded whole.
    rezones: u64,
    /// Latest instant among events let go because the window was full.
    dropped_until: Option<Timestamp>,
    /// Events read from the store so far (whole loads and news).
    pub read: u64,
    /// Whole loads so far.
    pub loads: u64,
}

fn key(e: &Event) -> (Option<Timestamp>, &str, u64) {
    (e.time, &e.evidence.file, e.evidence.line)
}

impl Ring {
    /// Bring the ring up to what the store holds for the window ending at
    /// `w.until` and reaching back to `w.from`, keeping the newest
    /// `max_events`; `rezones` is the count of zone changes applied to the
    /// store so far. Returns the window's events (taken out of the ring:
    /// hand them back with [`Ring::put_back`] once correlated).
    pub fn window(
        &mut self,
        readers: &Readers,
        w: Window,
        max_events: usize,
        rezones: u64,
    ) -> Result<Vec<Event>, String> {
        let stale = rezones != self.rezones
            || self.last_message.is_none()
            || (self.events.len() < max_events && self.dropped_until.is_some_and(|t| t >= w.from));
        if stale {
            self.load(readers, w, max_events)?;
            self.rezones = rezones;
        } else {
            self.read_new(readers)?;
        }
        self.trim(w.from, max_events);
        Ok(std::mem::take(&mut self.events))
    }

    /// Hand the window's events back after correlation (still in order).
    pub fn put_back(&mut self, events: Vec<Event>) {
        self.events = events;
    }

    /// The ring's latest instant.
    pub fn latest(&self) -> Option<Timestamp> {
        self.events.last().and_then(|e| e.time)
    }

    fn load(&mut self, readers: &Readers, w: Window, max_events: usize) -> Result<(), String> {
        // Messages up to `last` are all in the store before the query runs;
        // the query may also see some committed meanwhile (noted, so the
        // next read of what is new skips them).
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
        self.last_message = Some(last);
        Ok(())
    }

    fn read_new(&mut self, readers: &Readers) -> Result<(), String> {
        let Some(mut last) = self.last_message else {
            return Ok(());
        };
        let before = self.events.len();
        loop {
            let page = readers
                .with(|s| {
                    s.events(&EventQuery {
                        after_message: Some(last),
                        limit: PAGE,
                        ..Default::default()
                    })
                })
                .map_err(|e| e.to_string())?;
            let n = page.len();
            self.read += n as u64;
            for e in page {
                last = last.max(e.evidence.line);
                if e.time.is_none() || self.loaded_above.binary_search(&e.evidence.line).is_ok() {
                    continue;
                }
                self.events.push(e);
            }
            if n < PAGE {
                break;
            }
        }
        self.loaded_above.clear();
        self.last_message = Some(last);
        if self.events.len() > before {
            // New events mostly come after the old ones: a stable sort of
            // a sorted run and a short one is close to linear.
            self.events.sort_by(|a, b| key(a).cmp(&key(b)));
        }
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

    /// Messages `ids`, each with one event at second `time(id)`.
    fn append(s: &mut SqliteStore, ids: std::ops::Range<u64>, time: impl Fn(u64) -> i64) {
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
                    clock: Clock::stated("test"),
                    host: Some("cm1".into()),
                    kind: Kind::Log,
                    severity: Severity::Info,
                    summary: format!("event {id}"),
                    fields: Fields::new(),
                    entities: vec![],
                    evidence: Evidence {
                        file: Arc::from("syslog/127.0.0.1"),
                        line: id,
                        text: String::new().into(),
                    },
                    format: "cisco-syslog",
                },
                local: Some("2023-11-14T22:13:20".parse().unwrap()),
            });
        }
        s.append(&b).unwrap();
    }

    fn lines(ev: &[Event]) -> Vec<u64> {
        ev.iter().map(|e| e.evidence.line).collect()
    }

    /// The ring's window against the store's, event for event.
    fn same(ring: &mut Ring, readers: &Readers, w: Window, max: usize, rezones: u64) -> usize {
        let got = ring.window(readers, w, max, rezones).unwrap();
        let mut want = crate::correlator::window_events(readers, w, max).unwrap();
        want.sort_by(|a, b| key(a).cmp(&key(b)));
        assert_eq!(lines(&got), lines(&want));
        assert_eq!(got, want);
        let n = got.len();
        ring.put_back(got);
        n
    }

    #[test]
    fn the_kept_window_is_what_the_store_would_return_and_reads_each_event_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::create(dir.path()).unwrap();
        let readers = Readers::new(dir.path());
        let w = |from: i64| Window {
            from: t(from),
            until: t(100_000),
        };
        // Out of order within each batch, as several senders interleave.
        append(&mut s, 1..101, |id| (id as i64 * 7) % 100);
        let mut ring = Ring::default();
        assert_eq!(same(&mut ring, &readers, w(0), 1000, 0), 100);
        append(&mut s, 101..131, |id| id as i64 - 20);
        assert_eq!(same(&mut ring, &readers, w(0), 1000, 0), 130);
        assert_eq!((ring.loads, ring.read), (1, 130), "each event read once");
        // Over the cap: the newest by instant are kept, as the store keeps them.
        append(&mut s, 131..201, |id| id as i64);
        assert_eq!(same(&mut ring, &readers, w(0), 120, 0), 120);
        // The window moves on and empties below the cap: what the cap let
        // go belongs to it again, so it is read whole.
        assert_eq!(same(&mut ring, &readers, w(60), 150, 0), 140);
        assert_eq!(ring.loads, 2);
        // Events that fall before the window are let go; a late event
        // before it is not taken.
        append(&mut s, 201..203, |id| if id == 201 { 10 } else { 300 });
        assert_eq!(same(&mut ring, &readers, w(100), 1000, 0), 82);
        // A zone learnt later moves stored events: read whole again.
        let moved = s
            .replace_local("cm1", &mut |_, _| (Some(t(150)), Clock::stated("moved")))
            .unwrap();
        assert_eq!(moved, 202);
        assert_eq!(same(&mut ring, &readers, w(100), 1000, 1), 202);
        assert_eq!(ring.loads, 3);
    }
}
