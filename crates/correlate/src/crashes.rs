//! Cores, deduplicated (a core listed by the CLI and by an RTMT alert is one
//! core), matched to their backtraces and signatures, and grouped into
//! crashes: cores of one node within a few seconds of each other.

use crate::events::Events;
use std::collections::BTreeMap;
use uctriage_core::jiff::Timestamp;
use uctriage_core::{Evidence, Kind};
use uctriage_knowledge::{Knowledge, Signature};

/// One core file.
#[derive(Clone, Debug)]
pub(crate) struct Core {
    pub process: String,
    pub signal: Option<u32>,
    pub core_file: String,
    pub time: Timestamp,
    pub reason: Option<String>,
    pub frames: String,
    pub abort_site: Option<String>,
    pub signature: Option<Signature>,
    pub evidence: Vec<Evidence>,
}

/// Cores of one node that happened together.
#[derive(Clone, Debug)]
pub(crate) struct Crash {
    pub host: String,
    pub time: Timestamp,
    pub cores: Vec<Core>,
}

impl Crash {
    /// Process names, sorted.
    pub fn processes(&self) -> Vec<String> {
        let mut p: Vec<String> = self.cores.iter().map(|c| c.process.clone()).collect();
        p.sort();
        p.dedup();
        p
    }

    /// All evidence of all cores.
    pub fn evidence(&self) -> impl Iterator<Item = &Evidence> {
        self.cores.iter().flat_map(|c| c.evidence.iter())
    }
}

/// Every crash in the bundle, oldest first.
pub(crate) fn crashes(events: &Events<'_>, kb: &Knowledge) -> Vec<Crash> {
    let mut cores: BTreeMap<(String, String), Core> = BTreeMap::new();
    for e in events.of(Kind::ServiceCore) {
        let (Some(host), Some(time)) = (e.host.as_deref().map(String::from), e.time) else {
            continue;
        };
        let process = e
            .fields
            .get("process")
            .map(str::to_string)
            .unwrap_or_default();
        let file = e
            .fields
            .get("core_file")
            .map(str::to_string)
            .unwrap_or_else(|| format!("{process}@{time}"));
        let signal = e.fields.get("signal").and_then(|s| s.parse().ok());
        let core = cores.entry((host, file.clone())).or_insert_with(|| Core {
            process: process.clone(),
            signal,
            core_file: file,
            time,
            reason: None,
            frames: String::new(),
            abort_site: None,
            signature: None,
            evidence: Vec::new(),
        });
        core.evidence.push(e.evidence.clone());
    }
    for e in events.of(Kind::Backtrace) {
        let Some(file) = e.fields.get("core_file") else {
            continue;
        };
        if let Some(core) = cores.values_mut().find(|c| c.core_file == file) {
            core.reason = e.fields.get("reason").map(str::to_string);
            core.frames = e
                .fields
                .get("frames")
                .map(str::to_string)
                .unwrap_or_default();
            core.abort_site = e.fields.get("abort_site").map(str::to_string);
            core.evidence.push(e.evidence.clone());
        }
    }
    for core in cores.values_mut() {
        let reason = core.reason.clone().unwrap_or_default();
        core.signature = kb
            .signature(&core.process, core.signal, &reason, &core.frames)
            .cloned();
    }
    // Cores of one node this close together are one crash (the co-crash
    // rule's window; without one, the same second).
    let within = kb.signatures.co_crash.first().map_or(0, |c| c.within_s);
    let mut by_host: BTreeMap<String, Vec<Core>> = BTreeMap::new();
    for ((host, _), core) in cores {
        by_host.entry(host).or_default().push(core);
    }
    let mut out = Vec::new();
    for (host, mut list) in by_host {
        list.sort_by_key(|c| c.time);
        for core in list {
            match out.last_mut() {
                Some(Crash {
                    host: h,
                    time,
                    cores,
                }) if *h == host && core.time.duration_since(*time).as_secs().abs() <= within => {
                    cores.push(core)
                }
                _ => out.push(Crash {
                    host: host.clone(),
                    time: core.time,
                    cores: vec![core],
                }),
            }
        }
    }
    out.sort_by_key(|c| c.time);
    out
}
