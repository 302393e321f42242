//! The one place the live server calls correlation: a window of stored
//! events becomes a normalized bundle, and the bundle is explained by the
//! same [`uctriage_correlate::analyze`] that `uctriage analyze` runs on a
//! bundle from disk. Whatever correlation becomes, it takes a normalized
//! bundle and returns findings: only this module follows it.

use std::collections::BTreeMap;
use uctriage_core::jiff::Timestamp;
use uctriage_core::Event;
use uctriage_correlate::{analyze, Analysis, Topology, TopologyFile};
use uctriage_knowledge::Knowledge;
use uctriage_normalize::{Bundle, FileInfo, LiveNormalizer};

/// The events of a window as a normalized bundle, with what `norm` learnt
/// about hosts and zones (cheap: hold the normalizer's lock only for this).
pub fn window_bundle(events: Vec<Event>, norm: &LiveNormalizer) -> Bundle {
    let files = files_of(&events);
    norm.bundle(events, files)
}

/// Explain a window's bundle; `topology` is the user's `--topology` file, if any.
pub fn explain(
    bundle: &Bundle,
    kb: &Knowledge,
    topology: Option<&(TopologyFile, String)>,
) -> Analysis {
    let topo = Topology::build(
        &bundle.events,
        &bundle.hosts,
        topology.map(|(f, p)| (f, p.as_str())),
    );
    analyze(bundle, kb, &topo, &bundle.display.tz)
}

/// One "file" per sender, as the reports list the files a bundle was read from.
fn files_of(events: &[Event]) -> Vec<FileInfo> {
    let mut by: BTreeMap<&str, FileInfo> = BTreeMap::new();
    for e in events {
        let f = by.entry(&e.evidence.file).or_insert_with(|| FileInfo {
            path: e.evidence.file.to_string(),
            format: e.format,
            host: e.host.as_deref().map(String::from),
            host_source: "sender of the messages",
            lines: 0,
            understood: 0,
            bytes: 0,
            events: 0,
            first: None,
            last: None,
            problems: Vec::new(),
            problems_dropped: 0,
        });
        f.lines += 1;
        f.understood += 1;
        f.bytes += e.evidence.text.len() as u64;
        f.events += 1;
        if let Some(t) = e.time {
            f.first = Some(f.first.map_or(t, |x: Timestamp| x.min(t)));
            f.last = Some(f.last.map_or(t, |x: Timestamp| x.max(t)));
        }
    }
    by.into_values().collect()
}
