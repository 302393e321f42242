//! An indexed, read-only view of the normalized events: by kind, in time
//! order, with time windows found by binary search. Rules ask it for the
//! kinds and windows they need instead of scanning every event, so the cost
//! of a rule grows with the events it reads, not with the bundle.

use uctriage_core::jiff::{SignedDuration, Timestamp};
use uctriage_core::{Event, Kind};

/// The events of a bundle, indexed by kind.
pub struct Events<'a> {
    all: &'a [Event],
    /// Per kind (in `Kind::ALL` order): indexes into `all`, timed events in
    /// time order first, then untimed ones.
    by_kind: Vec<Vec<u32>>,
    /// Per kind: how many of `by_kind` are timed.
    timed: Vec<usize>,
}

fn slot(kind: Kind) -> usize {
    Kind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

impl<'a> Events<'a> {
    /// Index `all`, which must be ordered as a normalized bundle is: by
    /// instant, untimed events last.
    pub fn new(all: &'a [Event]) -> Events<'a> {
        let mut by_kind: Vec<Vec<u32>> = vec![Vec::new(); Kind::ALL.len()];
        for (i, e) in all.iter().enumerate() {
            by_kind[slot(e.kind)].push(i as u32);
        }
        let timed = by_kind
            .iter()
            .map(|ix| ix.partition_point(|&i| all[i as usize].time.is_some()))
            .collect();
        Events {
            all,
            by_kind,
            timed,
        }
    }

    /// Every event.
    pub fn all(&self) -> &'a [Event] {
        self.all
    }

    /// Events of one kind, timed ones in time order, then untimed ones.
    pub fn of(&self, kind: Kind) -> impl DoubleEndedIterator<Item = &'a Event> + '_ {
        let all = self.all;
        self.by_kind[slot(kind)]
            .iter()
            .map(move |&i| &all[i as usize])
    }

    /// Events of several kinds (each kind in time order, kinds one after another).
    pub fn of_kinds<'s>(&'s self, kinds: &'s [Kind]) -> impl Iterator<Item = &'a Event> + 's {
        kinds.iter().flat_map(move |k| self.of(*k))
    }

    /// Timed events of one kind with `from <= time <= to`, in time order.
    pub fn window(
        &self,
        kind: Kind,
        from: Timestamp,
        to: Timestamp,
    ) -> impl DoubleEndedIterator<Item = &'a Event> + '_ {
        let ix = &self.by_kind[slot(kind)][..self.timed[slot(kind)]];
        let all = self.all;
        let time = move |i: &u32| all[*i as usize].time.expect("timed prefix");
        let lo = ix.partition_point(|i| time(i) < from);
        let hi = ix.partition_point(|i| time(i) <= to);
        ix[lo..hi.max(lo)].iter().map(move |&i| &all[i as usize])
    }

    /// Timed events of one kind within `secs` seconds of `at`, either side.
    pub fn around(
        &self,
        kind: Kind,
        at: Timestamp,
        secs: i64,
    ) -> impl DoubleEndedIterator<Item = &'a Event> + '_ {
        let d = SignedDuration::from_secs(secs);
        self.window(kind, at - d, at + d)
    }

    /// How many events of one kind there are.
    pub fn count(&self, kind: Kind) -> usize {
        self.by_kind[slot(kind)].len()
    }

    /// The latest event instant of the bundle.
    pub fn last_time(&self) -> Option<Timestamp> {
        self.all.iter().rev().find_map(|e| e.time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use uctriage_core::{Clock, Evidence, Fields, Severity};

    fn ev(kind: Kind, secs: Option<i64>) -> Event {
        Event {
            time: secs.map(|s| Timestamp::from_second(s).unwrap()),
            clock: Clock::stated("test").into(),
            host: None,
            kind,
            severity: Severity::Info,
            summary: Default::default(),
            fields: Fields::new(),
            entities: Default::default(),
            evidence: Evidence {
                file: Arc::from("f"),
                line: 1,
                text: String::new().into(),
            },
            format: "test",
        }
    }

    #[test]
    fn windows_are_inclusive_and_per_kind() {
        let events = vec![
            ev(Kind::Ping, Some(10)),
            ev(Kind::ServiceCore, Some(20)),
            ev(Kind::Ping, Some(30)),
            ev(Kind::Ping, Some(40)),
            ev(Kind::Ping, None),
        ];
        let idx = Events::new(&events);
        let t = |s| Timestamp::from_second(s).unwrap();
        let got: Vec<_> = idx
            .window(Kind::Ping, t(10), t(30))
            .map(|e| e.time)
            .collect();
        assert_eq!(got, vec![Some(t(10)), Some(t(30))]);
        assert_eq!(idx.window(Kind::Ping, t(41), t(50)).count(), 0);
        assert_eq!(idx.of(Kind::Ping).count(), 4, "untimed ones too");
        assert_eq!(idx.around(Kind::ServiceCore, t(25), 5).count(), 1);
        assert_eq!(idx.count(Kind::Alarm), 0);
        assert_eq!(idx.last_time(), Some(t(40)));
    }
}
