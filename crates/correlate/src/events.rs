//! An indexed, read-only view of the normalized events: by kind, in time
//! order, with time windows found by binary search. Rules ask it for the
//! kinds and windows they need instead of scanning every event, so the cost
//! of a rule grows with the events it reads, not with the bundle.
//!
//! Past the memory budget, the kinds rules only stream ([`Rule::streams`])
//! stay on disk in sorted runs; [`Events::each`] and [`Events::any`] read
//! them from there (only the blocks of the window asked for) as they read the
//! others from memory, so a rule written with them gives the same findings
//! either way.
//!
//! [`Rule::streams`]: crate::Rule::streams

use std::borrow::Cow;
use std::ops::ControlFlow;
use std::sync::OnceLock;
use uctriage_core::jiff::{SignedDuration, Timestamp};
use uctriage_core::{EntityKind, Event, Kind, KindSet};
use uctriage_spill::{Places, RunKey, Runs, Span, View};

/// An event as a reader of many events sees it: in memory, or still on
/// disk and read a part at a time (no event is built for it unless asked,
/// [`Record::event`]).
pub trait Record {
    /// Its instant.
    fn time(&self) -> Option<Timestamp>;
    /// Its kind.
    fn kind(&self) -> Kind;
    /// Its canonical host.
    fn host(&self) -> Option<&str>;
    /// The format of its file.
    fn format(&self) -> &'static str;
    /// Its summary.
    fn summary(&self) -> &str;
    /// The value of its field `name`.
    fn field(&self, name: &str) -> Option<&str>;
    /// The first id of its entities of `kind` that `pred` accepts.
    fn find_entity(&self, kind: EntityKind, pred: &mut dyn FnMut(&str) -> bool) -> Option<&str>;
    /// Its first entity of `kind`.
    fn entity(&self, kind: EntityKind) -> Option<&str> {
        self.find_entity(kind, &mut |_| true)
    }
    /// The raw line's text.
    fn text(&self) -> Cow<'_, str>;
    /// The file it was read from.
    fn file(&self) -> &str;
    /// Its line in the file.
    fn line(&self) -> u64;
    /// The event itself, when it is in memory.
    fn as_event(&self) -> Option<&Event>;
    /// The whole event (a copy, or decoded from disk; None when its record
    /// on disk is damaged).
    fn event(&self) -> Option<Event>;
}

impl Record for Event {
    fn time(&self) -> Option<Timestamp> {
        self.time
    }
    fn kind(&self) -> Kind {
        self.kind
    }
    fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }
    fn format(&self) -> &'static str {
        self.format
    }
    fn summary(&self) -> &str {
        &self.summary
    }
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name)
    }
    fn find_entity(&self, kind: EntityKind, pred: &mut dyn FnMut(&str) -> bool) -> Option<&str> {
        self.entity_ids(kind).find(|id| pred(id))
    }
    fn text(&self) -> Cow<'_, str> {
        self.evidence.text.get()
    }
    fn file(&self) -> &str {
        &self.evidence.file
    }
    fn line(&self) -> u64 {
        self.evidence.line
    }
    fn as_event(&self) -> Option<&Event> {
        Some(self)
    }
    fn event(&self) -> Option<Event> {
        Some(self.clone())
    }
}

impl Record for View<'_> {
    fn time(&self) -> Option<Timestamp> {
        View::time(self)
    }
    fn kind(&self) -> Kind {
        View::kind(self)
    }
    fn host(&self) -> Option<&str> {
        View::host(self).map(|h| h.as_str())
    }
    fn format(&self) -> &'static str {
        View::format(self)
    }
    fn summary(&self) -> &str {
        View::summary(self)
    }
    fn field(&self, name: &str) -> Option<&str> {
        View::field(self, name)
    }
    fn find_entity(&self, kind: EntityKind, pred: &mut dyn FnMut(&str) -> bool) -> Option<&str> {
        View::find_entity(self, kind, pred)
    }
    fn text(&self) -> Cow<'_, str> {
        Cow::Borrowed(View::text(self))
    }
    fn file(&self) -> &str {
        View::file(self)
    }
    fn line(&self) -> u64 {
        View::line(self)
    }
    fn as_event(&self) -> Option<&Event> {
        None
    }
    fn event(&self) -> Option<Event> {
        View::event(self)
    }
}

/// Events of some kinds kept on disk (a bundle's [`Runs`]), and the paths
/// of the bundle's files, whose order numbers them.
#[derive(Clone)]
pub struct OnDisk<'a> {
    /// The sorted runs. Every event of a kind they hold is there.
    pub runs: &'a Runs,
    /// The bundle's file paths, in bundle order.
    pub paths: Vec<&'a str>,
}

/// The events of a bundle, indexed by kind.
pub struct Events<'a> {
    memory: &'a [Event],
    /// Per kind (in `Kind::ALL` order): indexes into `memory`, timed events
    /// in time order first, then untimed ones.
    by_kind: Vec<Vec<u32>>,
    /// Per kind: how many of `by_kind` are timed.
    timed: Vec<usize>,
    disk: Option<OnDisk<'a>>,
    /// Each file's place in the bundle (for the order of equal instants),
    /// made when events in memory and on disk are read together.
    places: OnceLock<Places>,
}

fn slot(kind: Kind) -> usize {
    Kind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

impl<'a> Events<'a> {
    /// Index `all`, which must be ordered as a normalized bundle is: by
    /// instant, untimed events last.
    pub fn new(all: &'a [Event]) -> Events<'a> {
        Events::with_disk(all, None)
    }

    /// Index `memory` (ordered as [`Events::new`] wants), with the kinds
    /// `disk` holds read from there.
    pub fn with_disk(memory: &'a [Event], disk: Option<OnDisk<'a>>) -> Events<'a> {
        let mut by_kind: Vec<Vec<u32>> = vec![Vec::new(); Kind::ALL.len()];
        for (i, e) in memory.iter().enumerate() {
            by_kind[slot(e.kind)].push(i as u32);
        }
        let timed = by_kind
            .iter()
            .map(|ix| ix.partition_point(|&i| memory[i as usize].time.is_some()))
            .collect();
        Events {
            memory,
            by_kind,
            timed,
            disk: disk.filter(|d| !d.runs.is_empty()),
            places: OnceLock::new(),
        }
    }

    /// The runs holding `kind`'s events, when they are on disk.
    fn runs_of(&self, kind: Kind) -> Option<&'a Runs> {
        self.disk
            .as_ref()
            .map(|d| d.runs)
            .filter(|r| r.count(kind) > 0)
    }

    /// Events of one kind held in memory, timed ones in time order, then
    /// untimed ones. A kind on disk is read with [`Events::each`].
    pub fn of(&self, kind: Kind) -> impl DoubleEndedIterator<Item = &'a Event> + '_ {
        debug_assert!(
            self.runs_of(kind).is_none(),
            "{kind} is on disk: a rule reads it with Events::each"
        );
        let all = self.memory;
        self.by_kind[slot(kind)]
            .iter()
            .map(move |&i| &all[i as usize])
    }

    /// Events of several kinds (each kind in time order, kinds one after another).
    pub fn of_kinds<'s>(&'s self, kinds: &'s [Kind]) -> impl Iterator<Item = &'a Event> + 's {
        kinds.iter().flat_map(move |k| self.of(*k))
    }

    /// Timed events of one kind held in memory with `from <= time <= to`,
    /// in time order (a kind on disk: [`Events::each`]).
    pub fn window(
        &self,
        kind: Kind,
        from: Timestamp,
        to: Timestamp,
    ) -> impl DoubleEndedIterator<Item = &'a Event> + '_ {
        debug_assert!(
            self.runs_of(kind).is_none(),
            "{kind} is on disk: a rule reads it with Events::each"
        );
        let ix = &self.by_kind[slot(kind)][..self.timed[slot(kind)]];
        let all = self.memory;
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

    /// Call `f` with the events of one kind, in memory or on disk, in time
    /// order: with no bound, every one (untimed ones last); with a bound,
    /// the timed ones with `from <= time <= to`.
    pub fn each(
        &self,
        kind: Kind,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
        mut f: impl FnMut(&Event),
    ) {
        let _ = self.try_each(kind, from, to, |e| {
            f(e);
            ControlFlow::Continue(())
        });
    }

    /// [`Events::each`] over several kinds as [`Record`]s, read in one pass
    /// where they are on disk (decoding only the parts asked for): each
    /// kind's events in time order, the kinds in no set order.
    pub fn each_record(
        &self,
        kinds: KindSet,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
        mut f: impl FnMut(&dyn Record),
    ) {
        let _ = self.try_records(kinds, from, to, &mut |r| {
            f(r);
            ControlFlow::Continue(())
        });
    }

    /// Whether an event of one kind ([`Events::each`]'s) meets `pred`;
    /// reading stops at the first that does.
    pub fn any(
        &self,
        kind: Kind,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
        mut pred: impl FnMut(&dyn Record) -> bool,
    ) -> bool {
        let kinds = KindSet::of(&[kind]);
        self.try_records(kinds, from, to, &mut |e| match pred(e) {
            true => ControlFlow::Break(()),
            false => ControlFlow::Continue(()),
        })
        .is_break()
    }

    fn try_each(
        &self,
        kind: Kind,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
        mut f: impl FnMut(&Event) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        self.try_records(
            KindSet::of(&[kind]),
            from,
            to,
            &mut |r| match r.as_event() {
                Some(e) => f(e),
                // A damaged record on disk is recorded as a failed read.
                None => r.event().map_or(ControlFlow::Continue(()), |e| f(&e)),
            },
        )
    }

    /// Of `kinds`, those whose events are on disk (read from the runs).
    fn on_disk(&self, kinds: KindSet) -> KindSet {
        kinds
            .iter()
            .filter(|k| self.runs_of(*k).is_some())
            .fold(KindSet::NONE, KindSet::with)
    }

    /// Call `f` with the events of `kinds` held in memory, kind by kind,
    /// each kind's timed ones in time order, then its untimed ones (bounds
    /// as [`Events::each`]'s: given any, only timed events within them);
    /// the kinds on disk are left to the caller ([`Events::on_disk`]).
    fn try_memory(
        &self,
        kinds: KindSet,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
        f: &mut dyn FnMut(&'a Event) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        for kind in kinds.iter().filter(|k| self.runs_of(*k).is_none()) {
            if from.is_none() && to.is_none() {
                self.of(kind).try_for_each(&mut *f)?;
            } else {
                let (from, to) = (from.unwrap_or(Timestamp::MIN), to.unwrap_or(Timestamp::MAX));
                self.window(kind, from, to).try_for_each(&mut *f)?;
            }
        }
        ControlFlow::Continue(())
    }

    fn try_records(
        &self,
        kinds: KindSet,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
        f: &mut dyn FnMut(&dyn Record) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        self.try_memory(kinds, from, to, &mut |e| f(e))?;
        let on_disk = self.on_disk(kinds);
        let Some(disk) = self.disk.as_ref().filter(|_| !on_disk.is_empty()) else {
            return ControlFlow::Continue(());
        };
        let span = Span {
            since: from,
            until: to,
        };
        // Read on this thread, a part of each event at a time. A read that
        // fails is recorded by the merge and reported by the front end (the
        // analysis says events are missing).
        let read =
            disk.runs
                .merge_kinds(span, on_disk)
                .each_view(|v| match span.contains(v.time()) {
                    true => f(v),
                    false => ControlFlow::Continue(()),
                });
        read.unwrap_or(ControlFlow::Continue(()))
    }

    /// Call `f` with every event of the bundle as a [`Record`], in bundle
    /// order, those on disk merged in (bounds as [`Events::each`]'s); `f`
    /// stops the reading by breaking.
    pub fn each_event(
        &self,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
        f: impl FnMut(&dyn Record) -> ControlFlow<()>,
    ) {
        self.each_event_of(|_| true, from, to, f)
    }

    /// [`Events::each_event`], only the events of the formats `format`
    /// accepts (the runs on disk are not read when they hold none).
    pub fn each_event_of(
        &self,
        format: impl Fn(&str) -> bool,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
        mut f: impl FnMut(&dyn Record) -> ControlFlow<()>,
    ) {
        let mut f = |r: &dyn Record| match format(r.format()) {
            true => f(r),
            false => ControlFlow::Continue(()),
        };
        // Memory is in bundle order: timed by instant, untimed last.
        let memory = match from.is_some() || to.is_some() {
            false => self.memory,
            true => {
                let lo = from.map_or(0, |s| {
                    self.memory
                        .partition_point(|e| e.time.is_some_and(|t| t < s))
                });
                let hi = self
                    .memory
                    .partition_point(|e| e.time.is_some_and(|t| to.is_none_or(|u| t <= u)));
                &self.memory[lo..hi.max(lo)]
            }
        };
        let Some(disk) = self.disk.as_ref().filter(|d| d.runs.formats().any(&format)) else {
            let _ = memory.iter().try_for_each(|e| f(e));
            return;
        };
        let places = self
            .places
            .get_or_init(|| Places::new(disk.paths.iter().copied()));
        let mut memory = memory.iter().peekable();
        let span = Span {
            since: from,
            until: to,
        };
        let read = disk.runs.merge_within(span).each_view(|v| {
            if !span.contains(v.time()) {
                return ControlFlow::Continue(());
            }
            while let Some(m) = memory.next_if(|m| places.key(m) < *v.key()) {
                f(m)?;
            }
            f(v)
        });
        if let Ok(ControlFlow::Continue(())) = read {
            let _ = memory.try_for_each(|e| f(e));
        }
    }

    /// Fold every event of `kinds` into an `A`, in no set order: those in
    /// memory, then each run on disk read on its own on the analysis'
    /// threads (each fold starting from `init`), the folds joined with
    /// `merge`. For what an order cannot change (counts, sets, extremes):
    /// no merge of the runs, and as many readers as threads.
    pub fn fold_records<A: Send>(
        &self,
        kinds: KindSet,
        init: impl Fn() -> A + Sync + Send,
        fold: impl Fn(&mut A, &dyn Record) + Sync + Send,
        merge: impl Fn(A, A) -> A + Sync + Send,
    ) -> A {
        use rayon::prelude::*;
        let mut acc = init();
        let _ = self.try_memory(kinds, None, None, &mut |e| {
            fold(&mut acc, e);
            ControlFlow::Continue(())
        });
        let on_disk = self.on_disk(kinds);
        let Some(disk) = self.disk.as_ref().filter(|_| !on_disk.is_empty()) else {
            return acc;
        };
        let runs = disk.runs;
        let from_disk = (0..runs.len())
            .into_par_iter()
            .fold(&init, |mut a, run| {
                // A read that fails is recorded by the runs and reported by
                // the front end (events are missing).
                let _ = runs.each_view_of_run(run, Span::default(), on_disk, |v| {
                    fold(&mut a, v);
                    ControlFlow::<()>::Continue(())
                });
                a
            })
            .reduce(&init, &merge);
        merge(acc, from_disk)
    }

    /// The events of [`Events::each_record`] that `pred` accepts, in its
    /// order; the runs on disk are read each on its own, on the analysis'
    /// threads, and what they gave put in order after (for a reader that
    /// keeps few of many events: no merge of every event).
    pub fn select(
        &self,
        kinds: KindSet,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
        pred: impl Fn(&dyn Record) -> bool + Sync,
    ) -> Vec<Event> {
        use rayon::prelude::*;
        let mut out = Vec::new();
        // The kinds in memory first, each in time order, as each_record.
        let _ = self.try_memory(kinds, from, to, &mut |e| {
            if pred(e) {
                out.push(e.clone());
            }
            ControlFlow::Continue(())
        });
        let on_disk = self.on_disk(kinds);
        let Some(disk) = self.disk.as_ref().filter(|_| !on_disk.is_empty()) else {
            return out;
        };
        let span = Span {
            since: from,
            until: to,
        };
        let runs = disk.runs;
        // Each with its place in the merge's order: key, run, place in it.
        let mut found: Vec<((RunKey, usize, usize), Event)> = (0..runs.len())
            .into_par_iter()
            .flat_map_iter(|run| {
                let mut kept = Vec::new();
                let mut pos = 0;
                // A read that fails is recorded by the runs and reported by
                // the front end (events are missing).
                let _ = runs.each_view_of_run(run, span, on_disk, |v| {
                    pos += 1;
                    if span.contains(v.time()) && pred(v) {
                        // A damaged record is a failed read (recorded).
                        if let Some(e) = v.event() {
                            kept.push(((*v.key(), run, pos), e));
                        }
                    }
                    ControlFlow::<()>::Continue(())
                });
                kept
            })
            .collect();
        found.sort_by_key(|(order, _)| *order);
        out.extend(found.into_iter().map(|(_, e)| e));
        out
    }

    /// For each target `wanted` marks (a product to detect, a word to find),
    /// the earliest event of the bundle, in bundle order, that `test` says
    /// reveals it, with what `test` said: the events [`Events::each_event`]
    /// would stop at. `test` is given an event and the targets still sought
    /// and calls its third argument with each target the event reveals.
    /// The runs on disk are read each on its own, on the analysis' threads,
    /// a run no further than where it revealed every target (a run is
    /// sorted: its first is its earliest), and their earliest taken
    /// together (no merge).
    pub fn first_of_each<T: Send>(
        &self,
        wanted: &[bool],
        test: impl Fn(&dyn Record, &[bool], &mut dyn FnMut(usize, T)) + Sync,
    ) -> Vec<Option<(Event, T)>> {
        // Where an event stands in the bundle's order: its key, then the
        // run it came from (memory after every run, as the merge puts it),
        // then its place there.
        type Order = (RunKey, usize, usize);
        /// The earliest found so far of one reading, and the targets it
        /// still seeks.
        struct Best<T> {
            found: Vec<Option<(Order, Event, T)>>,
            left: Vec<bool>,
            hits: Vec<(usize, T)>,
        }
        let none = || Best {
            found: wanted.iter().map(|_| None).collect(),
            left: wanted.to_vec(),
            hits: Vec::new(),
        };
        let scan = |best: &mut Best<T>, r: &dyn Record, order: &dyn Fn() -> Order| {
            let Best { found, left, hits } = best;
            test(r, left, &mut |i, t| {
                if left.get(i) == Some(&true) {
                    hits.push((i, t));
                }
            });
            for (i, t) in hits.drain(..) {
                // A damaged record on disk is recorded as a failed read.
                if let (true, Some(e)) = (left[i], r.event()) {
                    found[i] = Some((order(), e, t));
                    left[i] = false;
                }
            }
            match left.iter().any(|l| *l) {
                true => ControlFlow::Continue(()),
                false => ControlFlow::Break(()),
            }
        };
        let disk = self.disk.as_ref();
        let places = disk.map(|d| {
            self.places
                .get_or_init(|| Places::new(d.paths.iter().copied()))
        });
        let memory_rank = disk.map_or(0, |d| d.runs.len());
        let mut best = none();
        for (pos, e) in self.memory.iter().enumerate() {
            let order = || {
                let key = places.map_or(RunKey::at(None, 0, 0), |p| p.key(e));
                (key, memory_rank, pos)
            };
            if scan(&mut best, e, &order).is_break() {
                break;
            }
        }
        if let Some(disk) = disk {
            use rayon::prelude::*;
            let runs = disk.runs;
            let per_run: Vec<Vec<Option<(Order, Event, T)>>> = (0..runs.len())
                .into_par_iter()
                .map(|run| {
                    let mut best = none();
                    let mut pos = 0;
                    // A read that fails is recorded by the runs and reported
                    // by the front end (events are missing).
                    let _ = runs.each_view_of_run(run, Span::default(), KindSet::ALL, |v| {
                        pos += 1;
                        scan(&mut best, v, &|| (*v.key(), run, pos))
                    });
                    best.found
                })
                .collect();
            for found in per_run {
                for (b, f) in best.found.iter_mut().zip(found) {
                    if let Some(f) = f.filter(|f| b.as_ref().is_none_or(|b| f.0 < b.0)) {
                        *b = Some(f);
                    }
                }
            }
        }
        best.found
            .into_iter()
            .map(|b| b.map(|(_, e, t)| (e, t)))
            .collect()
    }

    /// Whether some event of `kind` may have the field `name`: false only
    /// when the kind is on disk and none of its events has it (a reader
    /// that wants only that field skips the kind); true for a kind in memory.
    pub fn may_have_field(&self, kind: Kind, name: &str) -> bool {
        self.runs_of(kind)
            .is_none_or(|runs| runs.may_have_field(kind, name))
    }

    /// How many events of one kind there are.
    pub fn count(&self, kind: Kind) -> usize {
        self.by_kind[slot(kind)].len() + self.runs_of(kind).map_or(0, |r| r.count(kind) as usize)
    }

    /// The earliest event instant of the bundle.
    pub fn first_time(&self) -> Option<Timestamp> {
        let memory = self.memory.iter().find_map(|e| e.time);
        let disk = self.disk.as_ref().and_then(|d| d.runs.first_time());
        memory.into_iter().chain(disk).min()
    }

    /// The latest event instant of the bundle.
    pub fn last_time(&self) -> Option<Timestamp> {
        let memory = self.memory.iter().rev().find_map(|e| e.time);
        let disk = self.disk.as_ref().and_then(|d| d.runs.last_time());
        memory.into_iter().chain(disk).max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};
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
        assert_eq!(idx.first_time(), Some(t(10)));
        let mut seen = Vec::new();
        idx.each(Kind::Ping, Some(t(11)), None, |e| seen.push(e.time));
        assert_eq!(seen, vec![Some(t(30)), Some(t(40))]);
        assert!(idx.any(Kind::Ping, None, None, |e| e.time().is_none()));
        assert!(!idx.any(Kind::Ping, Some(t(41)), None, |_| true));
    }

    /// Events of two files, registration alarms on disk in several runs
    /// (equal instants across runs and with memory), others in memory.
    fn on_disk_and_in_memory() -> (Vec<Event>, Runs, Vec<Arc<str>>) {
        let files: Vec<Arc<str>> = vec![Arc::from("a.log"), Arc::from("b.log")];
        let mut writer = uctriage_spill::RunWriter::new(4 << 10, true);
        let mut memory = Vec::new();
        for i in 0..3000u64 {
            let kind = [
                Kind::DeviceUnregistered,
                Kind::DeviceRegistered,
                Kind::Alarm,
            ][i as usize % 3];
            let mut e = ev(kind, (i % 97 != 5).then_some((i as i64 * 37) % 1000));
            let file = (i % 2) as u32;
            e.evidence.file = files[file as usize].clone();
            e.evidence.line = i / 2;
            e.evidence.text = format!("line {i} word{}", i % 11).into();
            match kind {
                Kind::Alarm => memory.push(e),
                _ => writer.push(e, file, "test"),
            }
        }
        let (back, runs) = writer.finish().unwrap();
        assert!(back.is_empty());
        let runs = runs.expect("written as runs");
        assert!(runs.len() > 3);
        let places = Places::new(files.iter().map(|f| &**f));
        memory.sort_by_key(|e| places.key(e));
        (memory, runs, files)
    }

    fn indexed<'a>(memory: &'a [Event], runs: &'a Runs, files: &'a [Arc<str>]) -> Events<'a> {
        let paths = files.iter().map(|f| &**f).collect();
        Events::with_disk(memory, Some(OnDisk { runs, paths }))
    }

    #[test]
    fn the_first_of_each_is_the_first_an_ordered_reading_meets() {
        let (memory, runs, files) = on_disk_and_in_memory();
        let idx = indexed(&memory, &runs, &files);
        // Target i: a text with word i (word 0..11); 11 and 12: none has.
        let wanted: Vec<bool> = (0..13).map(|i| i != 3).collect();
        let reveals = |r: &dyn Record, i: usize| r.text().ends_with(&format!("word{i}"));
        let got = idx.first_of_each(&wanted, |r, left, hit| {
            for i in (0..left.len()).filter(|i| left[*i] && reveals(r, *i)) {
                hit(i, r.line());
            }
        });
        let mut want: Vec<Option<(Event, u64)>> = wanted.iter().map(|_| None).collect();
        idx.each_event(None, None, |r| {
            for i in 0..wanted.len() {
                if wanted[i] && want[i].is_none() && reveals(r, i) {
                    want[i] = Some((r.event().unwrap(), r.line()));
                }
            }
            ControlFlow::Continue(())
        });
        assert_eq!(got, want);
        assert!(got[3].is_none() && got[11].is_none() && got[12].is_none());
        assert!(got[0].is_some() && got[10].is_some());
        let kinds: BTreeSet<Kind> = got.iter().flatten().map(|(e, _)| e.kind).collect();
        assert!(kinds.len() > 1, "found in memory and on disk: {kinds:?}");
    }

    #[test]
    fn a_fold_without_order_counts_what_an_ordered_reading_counts() {
        let (memory, runs, files) = on_disk_and_in_memory();
        let idx = indexed(&memory, &runs, &files);
        let kinds = KindSet::of(&[Kind::DeviceUnregistered, Kind::Alarm]);
        let count = |m: &mut BTreeMap<(Kind, Option<Timestamp>), usize>, r: &dyn Record| {
            *m.entry((r.kind(), r.time())).or_default() += 1;
        };
        let folded = idx.fold_records(kinds, BTreeMap::new, count, |mut a, b| {
            for (k, n) in b {
                *a.entry(k).or_default() += n;
            }
            a
        });
        let mut read = BTreeMap::new();
        idx.each_record(kinds, None, None, |r| count(&mut read, r));
        assert_eq!(folded, read);
        assert_eq!(folded.values().sum::<usize>(), 2000);
    }

    #[test]
    fn a_selection_comes_in_the_order_an_ordered_reading_gives() {
        let (memory, runs, files) = on_disk_and_in_memory();
        let idx = indexed(&memory, &runs, &files);
        let t = |s| Some(Timestamp::from_second(s).unwrap());
        let kinds = KindSet::of(&[Kind::DeviceRegistered, Kind::Alarm]);
        let pred = |r: &dyn Record| r.text().ends_with("word3") || r.text().ends_with("word4");
        for (from, to) in [(None, None), (t(100), t(400)), (t(990), None)] {
            let got = idx.select(kinds, from, to, pred);
            let mut want = Vec::new();
            idx.each_record(kinds, from, to, |r| {
                if pred(r) {
                    want.push(r.event().unwrap());
                }
            });
            assert_eq!(got, want, "{from:?}..{to:?}");
            assert!(!got.is_empty());
        }
    }
}
