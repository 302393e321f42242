//! Normalization fed incrementally, for a live stream (`uctriage serve`).
//!
//! A bundle is normalized once, with every file's facts known up front
//! ([`normalize`](crate::normalize)). A live stream learns as it goes: each
//! batch of received messages arrives as a [`ParsedFile`] (path = the sender,
//! line = the message's number in the store), its facts (host aliases, stated
//! zones, observed offsets) join what was learnt before, and its events are
//! placed with the zone decisions as they stand. The decisions are the same
//! [`decide_zones`] a bundle gets, and the instant of each event is the same
//! [`resolve`] — only two things differ, both said in the event's clock:
//!
//! - A line without a year (an RFC 3164 header) takes its year from the
//!   latest dated message of the same sender ([`DateSource::Bundle`], as a
//!   bundle's other events would give it), else from the day it was received
//!   ([`DateSource::Received`]).
//! - A fact that names no host (a syslog prefix read against a CiscoLog
//!   stamp on the wire) belongs to the host of the message it came with, not
//!   to a receiver's file.
//!
//! When new evidence changes a host's zone, the host is reported by
//! [`LiveNormalizer::take_rezoned`]: the caller re-places that host's stored
//! local-time events with [`LiveNormalizer::replace_local`], so late evidence
//! moves earlier events to where they belong.

use crate::bundle::{Bundle, FileInfo, Options};
use crate::hosts::HostBook;
use crate::resolve::{date_without_year, resolve, Clocks, DateFallback};
use crate::zones::{decide_zones, ZoneDecision, ZoneEvidence};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use uctriage_core::jiff::civil::{Date, DateTime};
use uctriage_core::jiff::tz::TimeZone;
use uctriage_core::jiff::Timestamp;
use uctriage_core::{Clock, DateSource, Event, Fact, RawTime, ZoneSource};
use uctriage_formats::ParsedFile;

/// Observations kept per host and offset: the first and the latest few are
/// enough to tell zones apart (every one of them must fit the zone).
const OFFSETS_KEPT: usize = 4;

/// One placed event, and the local wall-clock time its instant was read from
/// when that instant depends on the host's zone.
#[derive(Clone, Debug)]
pub struct Placed {
    /// The normalized event.
    pub event: Event,
    /// The host whose zone read the time (None: the time did not need one).
    pub clock_host: Option<String>,
    /// The local wall-clock time, for re-placing when a better zone is learnt.
    pub local: Option<DateTime>,
}

/// The incremental normalizer of a live stream: host identities, zone
/// evidence and decisions, learnt as messages arrive.
#[derive(Debug)]
pub struct LiveNormalizer {
    opts: Options,
    book: HostBook,
    evidence: BTreeMap<String, ZoneEvidence>,
    zones: BTreeMap<String, ZoneDecision>,
    notes: Vec<String>,
    /// Evidence changed since the zones were decided.
    stale: bool,
    /// Hosts whose decision changed and whose events have not been re-placed.
    rezoned: BTreeSet<String>,
    /// Facts learnt that were not known before, for the caller to persist.
    learnt: Vec<Fact>,
    /// Latest stated date per sender (path), for lines without a year.
    dated: HashMap<Arc<str>, Date>,
    /// Events placed per clock host, for the display zone.
    weight: BTreeMap<String, u64>,
    no_zone: ZoneDecision,
}

impl LiveNormalizer {
    /// A normalizer with the user's time hints (`--tz`).
    pub fn new(opts: Options) -> LiveNormalizer {
        let no_zone = match opts.tz_hints.iter().find(|h| h.host.is_none()) {
            Some(h) => ZoneDecision {
                zone: h.zone.clone(),
                tz: uctriage_core::jiff::tz::db()
                    .get(&h.zone)
                    .unwrap_or(TimeZone::UTC),
                source: ZoneSource::Hint,
                detail: format!("{} from --tz", h.zone),
            },
            None => ZoneDecision::unknown(
                "the sender's host is unknown: local times read as UTC".into(),
            ),
        };
        LiveNormalizer {
            opts,
            book: HostBook::default(),
            evidence: BTreeMap::new(),
            zones: BTreeMap::new(),
            notes: Vec::new(),
            stale: true,
            rezoned: BTreeSet::new(),
            learnt: Vec::new(),
            dated: HashMap::new(),
            weight: BTreeMap::new(),
            no_zone,
        }
    }

    /// Learn facts persisted by an earlier run (or any other source), without
    /// reporting them again through [`take_learnt`](Self::take_learnt).
    pub fn restore(&mut self, facts: &[Fact]) {
        for f in facts {
            self.learn(f, None, "restored");
        }
        self.learnt.clear();
        self.decide();
        self.rezoned.clear();
    }

    /// Learn from one batch of messages and place its events, in the order
    /// the parser made them. `received` is when the batch arrived.
    pub fn place(&mut self, parsed: ParsedFile, received: Timestamp) -> Vec<Placed> {
        let path: Arc<str> = Arc::from(parsed.path.as_str());
        // A fact without a host speaks of the host of the message it came with.
        let line_host: HashMap<u64, &str> = parsed
            .events
            .iter()
            .filter_map(|e| Some((e.line, e.host.as_deref()?)))
            .collect();
        let facts: Vec<(Fact, Option<String>)> = parsed
            .facts
            .iter()
            .map(|f| {
                let line = match f {
                    Fact::HostZone { line, .. } | Fact::OffsetSeen { line, .. } => Some(*line),
                    _ => None,
                };
                let owner = line.and_then(|l| line_host.get(&l)).map(|h| h.to_string());
                (f.clone(), owner)
            })
            .collect();
        for (f, owner) in &facts {
            self.learn(f, owner.as_deref(), &parsed.path);
        }
        for e in &parsed.events {
            if let Some(h) = &e.host {
                // A new host gets its decision (its own evidence, a hint, the site's zone).
                if !self.book.is_known(h) {
                    self.stale = true;
                }
                self.book.know(h);
            }
        }
        if self.stale {
            self.decide();
        }
        self.note_dates(&path, &parsed);
        let fallback = self.fallback(&path, received);
        let mut clocks = Clocks::default();
        let mut out = Vec::with_capacity(parsed.events.len());
        for raw in parsed.events {
            let host = raw.host.as_deref().map(|h| self.book.resolve(h));
            let zone = host
                .as_ref()
                .and_then(|h| self.zones.get(h))
                .unwrap_or(&self.no_zone);
            let (raw_time, local) = with_year(&raw.time, fallback);
            let (time, basis) = resolve(&raw_time, zone, Some(fallback));
            let clock = clocks.clock(zone, basis);
            let local = local.filter(|_| time.is_some());
            if let Some(h) = &host {
                *self.weight.entry(h.clone()).or_default() += 1;
            }
            out.push(Placed {
                clock_host: host.clone().filter(|_| local.is_some()),
                local,
                event: raw.into_event(
                    time,
                    clock,
                    host.map(Into::into),
                    path.clone(),
                    parsed.format,
                ),
            });
        }
        out
    }

    /// Place a host's local wall-clock time again, with the zone decided now.
    /// `date` says where its date came from when it was first placed.
    pub fn replace_local(
        &self,
        host: &str,
        local: DateTime,
        date: DateSource,
    ) -> (Option<Timestamp>, Clock) {
        let zone = self.zones.get(host).unwrap_or(&self.no_zone);
        let (time, basis) = resolve(&RawTime::Local(local, date), zone, None);
        (
            time,
            Arc::unwrap_or_clone(Clocks::default().clock(zone, basis)),
        )
    }

    /// Hosts whose zone decision changed since the last call: their stored
    /// local-time events should be placed again.
    pub fn take_rezoned(&mut self) -> Vec<String> {
        std::mem::take(&mut self.rezoned).into_iter().collect()
    }

    /// Facts learnt since the last call that were new, hosts resolved (to persist).
    pub fn take_learnt(&mut self) -> Vec<Fact> {
        std::mem::take(&mut self.learnt)
    }

    /// The zone decided for each host.
    pub fn zones(&self) -> &BTreeMap<String, ZoneDecision> {
        &self.zones
    }

    /// Host identities learnt so far.
    pub fn hosts(&self) -> &HostBook {
        &self.book
    }

    /// What the user should know about zones (undecided hosts, disagreements).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The zone to show times in: the decided zone most placed events were read in.
    pub fn display(&self) -> ZoneDecision {
        let mut by_zone: BTreeMap<&str, u64> = BTreeMap::new();
        for (h, w) in &self.weight {
            if let Some(z) = self
                .zones
                .get(h)
                .filter(|z| z.source != ZoneSource::Unknown)
            {
                *by_zone.entry(z.zone.as_str()).or_default() += w;
            }
        }
        let best = by_zone.iter().max_by_key(|(_, w)| **w).map(|(z, _)| *z);
        best.and_then(|z| self.zones.values().find(|d| d.zone == z).cloned())
            .unwrap_or_else(|| ZoneDecision::unknown("no zone decided yet".into()))
    }

    /// A normalized bundle of some placed events (a window of the stream),
    /// ordered as a bundle's are, with what was learnt so far about hosts and
    /// zones: what correlation and the reports take.
    pub fn bundle(&self, mut events: Vec<Event>, files: Vec<FileInfo>) -> Bundle {
        events.sort_by_cached_key(|e| {
            (
                e.time.is_none(),
                e.time,
                e.evidence.file.clone(),
                e.evidence.line,
            )
        });
        Bundle {
            spilled: None,
            events,
            files,
            hosts: self.book.clone(),
            zones: self.zones.clone(),
            display: self.display(),
            notes: self.notes.clone(),
            placing: crate::bundle::Placing {
                fallback: None,
                no_zone: self.no_zone.clone(),
            },
        }
    }

    fn learn(&mut self, fact: &Fact, owner: Option<&str>, path: &str) {
        let resolve =
            |book: &HostBook, h: &Option<String>| h.as_deref().or(owner).map(|h| book.resolve(h));
        match fact {
            Fact::HostAlias { alias, .. } => {
                let before = self.book.resolve(alias);
                self.book.learn([fact]);
                if before != self.book.resolve(alias) {
                    self.learnt.push(fact.clone());
                    self.stale = true;
                }
            }
            Fact::HostRole { .. } | Fact::FileHost { .. } => self.book.learn([fact]),
            Fact::Version { .. } => {}
            Fact::HostZone {
                host,
                zone,
                source,
                line,
            } => {
                let Some(h) = resolve(&self.book, host) else {
                    return;
                };
                let ev = self.evidence.entry(h.clone()).or_default();
                if ev.stated.iter().any(|(z, s, _)| z == zone && s == source) {
                    return;
                }
                ev.stated
                    .push((zone.clone(), *source, format!("{path}:{line}")));
                self.learnt.push(Fact::HostZone {
                    host: Some(h),
                    zone: zone.clone(),
                    source: *source,
                    line: *line,
                });
                self.stale = true;
            }
            Fact::OffsetSeen {
                host,
                at,
                offset_seconds,
                source,
                line,
            } => {
                let Some(h) = resolve(&self.book, host) else {
                    return;
                };
                let ev = self.evidence.entry(h.clone()).or_default();
                let same: Vec<usize> = ev
                    .offsets
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| o.1 == *offset_seconds)
                    .map(|(i, _)| i)
                    .collect();
                if same.iter().any(|&i| ev.offsets[i].0 == *at) {
                    return;
                }
                // Another instant of an offset already seen only matters
                // when it could rule a zone out (near a DST change); keep a
                // few, replacing the latest but the first.
                if same.len() >= OFFSETS_KEPT {
                    let last = same[same.len() - 1];
                    if ev.offsets[last].0 >= *at {
                        return;
                    }
                    ev.offsets.remove(last);
                }
                ev.offsets
                    .push((*at, *offset_seconds, *source, format!("{path}:{line}")));
                self.learnt.push(Fact::OffsetSeen {
                    host: Some(h),
                    at: *at,
                    offset_seconds: *offset_seconds,
                    source: *source,
                    line: *line,
                });
                self.stale = true;
            }
        }
    }

    /// Decide every known host's zone again; note the hosts whose decision changed.
    fn decide(&mut self) {
        let hosts: Vec<String> = self.book.hosts().keys().cloned().collect();
        let (zones, notes) = decide_zones(&hosts, &self.evidence, &self.opts.tz_hints, |h| {
            self.book.resolve(h)
        });
        for (h, z) in &zones {
            // A host first seen was placed as if its zone were unknown: only
            // a decision other than that moves its events.
            let changed = match self.zones.get(h) {
                Some(old) => old.zone != z.zone || old.source != z.source,
                None => z.source != self.no_zone.source || z.zone != self.no_zone.zone,
            };
            if changed {
                self.rezoned.insert(h.clone());
            }
        }
        self.zones = zones;
        self.notes = notes;
        self.stale = false;
    }

    /// Remember the latest date the sender's messages stated.
    fn note_dates(&mut self, path: &Arc<str>, parsed: &ParsedFile) {
        let latest = parsed
            .events
            .iter()
            .filter_map(|e| match &e.time {
                RawTime::Absolute(ts, _) => Some(TimeZone::UTC.to_datetime(*ts).date()),
                RawTime::WithOffset(dt, _, _) | RawTime::Local(dt, _) => Some(dt.date()),
                _ => None,
            })
            .max();
        if let Some(d) = latest {
            self.dated.insert(path.clone(), d);
        }
    }

    fn fallback(&self, path: &Arc<str>, received: Timestamp) -> DateFallback {
        match self.dated.get(path) {
            Some(d) => DateFallback {
                date: *d,
                source: DateSource::Bundle,
            },
            None => DateFallback {
                date: TimeZone::UTC.to_datetime(received).date(),
                source: DateSource::Received,
            },
        }
    }
}

/// A time without a year gets the year nearest the fallback date; the local
/// wall-clock time is returned whenever the instant depends on a zone.
fn with_year(raw: &RawTime, fb: DateFallback) -> (RawTime, Option<DateTime>) {
    match raw {
        RawTime::LocalNoYear { month, day, time } => {
            match date_without_year(*month, *day, fb.date) {
                Some(d) => {
                    let dt = d.to_datetime(*time);
                    (RawTime::Local(dt, fb.source), Some(dt))
                }
                None => (raw.clone(), None),
            }
        }
        RawTime::Local(dt, _) => (raw.clone(), Some(*dt)),
        RawTime::TimeOfDay(t) => (raw.clone(), Some(fb.date.to_datetime(*t))),
        _ => (raw.clone(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uctriage_core::jiff::civil::date;
    use uctriage_core::{Kind, RawEvent};

    fn batch(path: &str, events: Vec<RawEvent>, facts: Vec<Fact>) -> ParsedFile {
        ParsedFile {
            path: path.into(),
            format: "cisco-syslog",
            events,
            facts,
            ..Default::default()
        }
    }

    fn local_line(no: u64, host: &str, month: i8, day: i8, h: i8) -> RawEvent {
        RawEvent::new(no, "x", Kind::Log, "x")
            .on_host(host)
            .at(RawTime::LocalNoYear {
                month,
                day,
                time: uctriage_core::jiff::civil::time(h, 0, 0, 0),
            })
    }

    #[test]
    fn a_year_less_line_takes_the_receive_year_and_says_so() {
        let mut n = LiveNormalizer::new(Options::default());
        let received: Timestamp = "2026-12-06T17:00:00Z".parse().unwrap();
        let placed = n.place(
            batch(
                "syslog/10.0.0.1",
                vec![local_line(1, "esx1", 12, 6, 16)],
                vec![],
            ),
            received,
        );
        let e = &placed[0].event;
        assert_eq!(e.time.unwrap().to_string(), "2026-12-06T16:00:00Z");
        assert_eq!(e.clock.date_source, DateSource::Received);
        assert_eq!(e.clock.zone_source, ZoneSource::Unknown);
        assert_eq!(placed[0].local, Some(date(2026, 12, 6).at(16, 0, 0, 0)));
    }

    #[test]
    fn a_replayed_line_takes_the_year_of_its_senders_dated_messages() {
        let mut n = LiveNormalizer::new(Options::default());
        let received: Timestamp = "2026-12-06T17:00:00Z".parse().unwrap();
        let stamped = RawEvent::new(1, "x", Kind::Alarm, "x")
            .on_host("cm1")
            .at(RawTime::Absolute(
                "2019-07-12T17:35:57Z".parse().unwrap(),
                "CiscoLog UTC stamp",
            ));
        n.place(batch("syslog/10.0.0.2", vec![stamped], vec![]), received);
        let placed = n.place(
            batch(
                "syslog/10.0.0.2",
                vec![local_line(2, "cm1", 7, 12, 12)],
                vec![],
            ),
            received,
        );
        let e = &placed[0].event;
        assert!(e.time.unwrap().to_string().starts_with("2019-07-12"));
        assert_eq!(e.clock.date_source, DateSource::Bundle);
    }

    #[test]
    fn late_zone_evidence_re_places_earlier_local_times() {
        let mut n = LiveNormalizer::new(Options::default());
        let received: Timestamp = "2019-07-12T18:00:00Z".parse().unwrap();
        let first = n.place(
            batch(
                "syslog/10.0.0.3",
                vec![local_line(1, "cm1", 7, 12, 12)],
                vec![],
            ),
            received,
        );
        assert_eq!(first[0].event.clock.zone_source, ZoneSource::Unknown);
        n.take_rezoned();
        // A syslog prefix read against a UTC stamp: the host runs at UTC-5 in July.
        let fact = Fact::OffsetSeen {
            host: None,
            at: "2019-07-12T17:36:00Z".parse().unwrap(),
            offset_seconds: -5 * 3600,
            source: ZoneSource::SyslogPrefix,
            line: 2,
        };
        let second = n.place(
            batch(
                "syslog/10.0.0.3",
                vec![local_line(2, "cm1", 7, 12, 12)],
                vec![fact],
            ),
            received,
        );
        assert_eq!(second[0].event.clock.zone_source, ZoneSource::SyslogPrefix);
        assert_eq!(
            second[0].event.time.unwrap().to_string(),
            "2019-07-12T17:00:00Z"
        );
        assert_eq!(n.take_rezoned(), vec!["cm1".to_string()]);
        assert_eq!(n.take_learnt().len(), 1);
        let (t, clock) = n.replace_local("cm1", first[0].local.unwrap(), DateSource::Bundle);
        assert_eq!(t.unwrap().to_string(), "2019-07-12T17:00:00Z");
        assert_eq!(clock.zone_source, ZoneSource::SyslogPrefix);
        assert_eq!(n.display().zone, "America/Chicago");
    }
}
