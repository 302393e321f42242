//! What every rule can see and the findings they build together.

use crate::crashes::{crashes, Crash};
use crate::finding::{Finding, Reference};
use crate::metrics::{build_series, detect_episodes, Episode, Series};
use crate::topology::Topology;
use crate::Analysis;
use std::collections::BTreeMap;
use uctriage_core::jiff::tz::TimeZone;
use uctriage_core::jiff::Timestamp;
use uctriage_core::Event;
use uctriage_knowledge::Knowledge;
use uctriage_normalize::Bundle;

/// An impact episode, kept for the rules that explain it.
#[derive(Clone, Debug)]
pub(crate) struct Impact {
    /// Finding id.
    pub id: String,
    /// Devices lost.
    pub devices: Vec<String>,
    /// First loss.
    pub start: Timestamp,
    /// Indexes of the loss events.
    pub events: Vec<usize>,
}

/// The shared state of one analysis run.
pub(crate) struct Ctx<'a> {
    pub bundle: &'a Bundle,
    pub kb: &'a Knowledge,
    pub topo: &'a Topology,
    pub tz: &'a TimeZone,
    pub crashes: Vec<Crash>,
    pub impacts: Vec<Impact>,
    /// Root-cause finding ids with the crash index they explain.
    pub root_crashes: Vec<(String, usize)>,
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
    pub series: Vec<Series>,
    pub episodes: Vec<Episode>,
    counters: BTreeMap<&'static str, usize>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        bundle: &'a Bundle,
        kb: &'a Knowledge,
        topo: &'a Topology,
        tz: &'a TimeZone,
    ) -> Ctx<'a> {
        let crashes = crashes(&bundle.events, kb);
        let mut notes = topo.notes.clone();
        if topo.is_empty() {
            notes.push("no topology in the bundle (run sql of devicepool/callmanagergroup, a BAT export or topology.toml): which node a device registers to is inferred, with lower confidence".into());
        }
        let series = build_series(&bundle.events, kb, &|name| bundle.hosts.resolve(name));
        let rule = kb.rules.rule.iter().find(|r| r.rule_type == "episodes");
        let episodes = detect_episodes(&series, kb, rule);
        Ctx {
            series,
            episodes,
            bundle,
            kb,
            topo,
            tz,
            crashes,
            impacts: Vec::new(),
            root_crashes: Vec::new(),
            findings: Vec::new(),
            notes,
            counters: BTreeMap::new(),
        }
    }

    pub fn events(&self) -> &'a [Event] {
        &self.bundle.events
    }

    /// Give a finding its id and keep it; returns the id.
    pub fn push(&mut self, mut f: Finding) -> String {
        let n = self.counters.entry(f.kind.as_str()).or_default();
        *n += 1;
        f.id = format!("{}-{}", f.kind.as_str(), n);
        f.confidence = (f.confidence * 100.0).round() / 100.0;
        let id = f.id.clone();
        self.findings.push(f);
        id
    }

    pub fn finding_mut(&mut self, id: &str) -> Option<&mut Finding> {
        self.findings.iter_mut().find(|f| f.id == id)
    }

    /// References for source keys (unknown keys are kept with an empty title).
    pub fn references(&self, keys: &[String]) -> Vec<Reference> {
        keys.iter()
            .map(|k| {
                let s = self.kb.sources.source.get(k);
                Reference {
                    key: k.clone(),
                    title: s.map(|s| s.title.clone()).unwrap_or_default(),
                    url: s.map(|s| s.url.clone()).unwrap_or_default(),
                }
            })
            .collect()
    }

    /// Add references to a finding without duplicates.
    pub fn cite_sources(&self, f: &mut Finding, keys: &[String]) {
        for r in self.references(keys) {
            if !f.references.iter().any(|x| x.key == r.key) {
                f.references.push(r);
            }
        }
    }

    /// `2019-07-12 12:33:19 -05:00` in the display zone.
    pub fn when(&self, ts: Timestamp) -> String {
        let z = ts.to_zoned_datetime(self.tz.clone());
        z.strftime("%Y-%m-%d %H:%M:%S %:z").to_string()
    }

    /// `12:33:19` when on the same day as `day`, else the full form.
    pub fn when_short(&self, ts: Timestamp, day: Timestamp) -> String {
        let z = ts.to_zoned_datetime(self.tz.clone());
        let d = day.to_zoned_datetime(self.tz.clone());
        if z.date() == d.date() {
            z.strftime("%H:%M:%S").to_string()
        } else {
            self.when(ts)
        }
    }

    pub fn finish(mut self) -> Analysis {
        self.findings.sort_by_key(|f| f.kind);
        if let Some(t0) = self.impacts.first().map(|i| i.start) {
            let rule = self
                .kb
                .rules
                .rule
                .iter()
                .find(|r| r.rule_type == "episodes");
            let long_before = rule.map_or(3600.0, |r| r.param("pre_existing_s", 3600.0));
            for e in &mut self.episodes {
                e.pre_existing =
                    e.open_start || t0.duration_since(e.start).as_secs_f64() > long_before;
            }
        }
        Analysis {
            findings: self.findings,
            notes: self.notes,
            series: self.series,
            episodes: self.episodes,
        }
    }

    /// Episodes of a host overlapping `[from, to]`.
    pub fn episodes_of(&self, host: &str, from: Timestamp, to: Timestamp) -> Vec<&Episode> {
        self.episodes
            .iter()
            .filter(|e| e.host == host && e.start <= to && e.end.is_none_or(|end| end >= from))
            .collect()
    }
}

/// A human duration: `1 min 28 s`, `4 h 51 min`, `5 days`.
pub(crate) fn span(secs: i64) -> String {
    let s = secs.abs();
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min {} s", s / 60, s % 60)
    } else if s < 48 * 3600 {
        format!("{} h {} min", s / 3600, s % 3600 / 60)
    } else {
        format!("{} days", s / 86400)
    }
}
