//! # uctriage-correlate
//!
//! Turns a normalized timeline into an explanation: impact, root cause,
//! contributing causes, coincidences, recurrences, unusual activity and
//! advice — each a [`Finding`] of typed data with its evidence (file and
//! line) and public references.
//!
//! Brief overview:
//! - Rules are declared in `knowledge/rules/*.toml`: each names a rule type
//!   (one module under `rules/`, listed in [`rule_types`]), gives its
//!   parameters (checked strictly) and carries test cases.
//! - The [`Engine`] builds them, orders them by what each [`Declaration`]
//!   says it consumes and produces (a cycle, or an input nothing produces,
//!   is refused when the knowledge is loaded), and runs them over an indexed
//!   view of the events ([`Events`]). A rule sees only the findings it
//!   declared; findings are typed data ([`Data`]), linked by `caused_by` /
//!   `explains`; their text is rendered once, at the end.
//! - [`Topology`] says which node a device registers to (device pool →
//!   CallManager group → ordered nodes), which ESXi host runs which VM and
//!   which prefixes make a site.
//! - [`run_cases`] runs every rule's cases (`uctriage knowledge check`).
//!
//! ```
//! use uctriage_correlate::Engine;
//! let kb = uctriage_knowledge::Knowledge::embedded().unwrap();
//! let engine = Engine::new(&kb).expect("the shipped rules are valid");
//! let order: Vec<&str> = engine.plan().iter().map(|(id, _, _)| *id).collect();
//! let pos = |id| order.iter().position(|x| *x == id).unwrap();
//! assert!(pos("impact") < pos("crash") && pos("crash") < pos("advice"));
//! ```
#![deny(missing_docs)]

mod cases;
mod crashes;
pub mod data;
mod engine;
mod events;
mod finding;
pub mod metrics;
mod net;
mod plain;
mod render;
mod rules;
mod topology;

pub use cases::{run_cases, CaseResult};
pub use data::Data;
pub use engine::{
    rule_types, Context, Declaration, Emit, Engine, EngineInput, Input, Output, RawFilter, Rule,
    RuleType,
};
pub use events::{Events, OnDisk, Record};
pub use finding::{Finding, FindingKind, Reference, MAX_EVIDENCE};
pub use plain::PlainLog;
pub use topology::{Registration, SiteEntry, Topology, TopologyFile};

use uctriage_core::jiff::tz::TimeZone;
use uctriage_knowledge::Knowledge;
use uctriage_normalize::Bundle;

/// The result of an analysis.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Findings, impact first.
    pub findings: Vec<Finding>,
    /// Things the reader should know (missing topology, ...).
    pub notes: Vec<String>,
    /// Every metric series of the bundle (counters, pings).
    pub series: Vec<metrics::Series>,
    /// Departures of those series from their normal band.
    pub episodes: Vec<metrics::Episode>,
}

impl Engine {
    /// Explain a normalized bundle.
    pub fn analyze(
        &self,
        bundle: &Bundle,
        kb: &Knowledge,
        topology: &Topology,
        display: &TimeZone,
    ) -> Analysis {
        self.analyze_with(bundle, None, kb, topology, display)
    }

    /// [`Engine::analyze`] with the plain lines summarised while the bundle
    /// was read ([`PlainLog`], [`Engine::retention_without_plain`]).
    pub fn analyze_with(
        &self,
        bundle: &Bundle,
        plain: Option<&PlainLog>,
        kb: &Knowledge,
        topology: &Topology,
        display: &TimeZone,
    ) -> Analysis {
        self.run(&EngineInput {
            events: &bundle.events,
            kb,
            topology,
            hosts: &bundle.hosts,
            display,
            plain,
            disk: bundle.spilled.as_ref().map(|runs| OnDisk {
                runs,
                paths: bundle.files.iter().map(|f| f.path.as_str()).collect(),
            }),
        })
    }
}

/// Explain the bundle with the knowledge and topology given. `display` is the
/// zone times are written in inside titles and summaries. Knowledge whose
/// rules cannot be built gives no findings and a note per problem (front ends
/// that take user knowledge build an [`Engine`] first, to report them).
pub fn analyze(
    bundle: &Bundle,
    kb: &Knowledge,
    topology: &Topology,
    display: &TimeZone,
) -> Analysis {
    match Engine::new(kb) {
        Ok(engine) => engine.analyze(bundle, kb, topology, display),
        Err(errors) => Analysis {
            notes: errors.iter().map(|e| format!("knowledge: {e}")).collect(),
            ..Analysis::default()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The registration alarms, millions in a day of a large cluster, are
    /// only streamed by the shipped rules: past the memory budget they stay
    /// on disk. The configuration rows never do (the topology reads them).
    #[test]
    fn registration_alarms_may_stay_on_disk() {
        let kb = Knowledge::embedded().unwrap();
        let disk = Engine::new(&kb).unwrap().disk_kinds();
        for k in [
            uctriage_core::Kind::DeviceUnregistered,
            uctriage_core::Kind::DeviceRegistered,
        ] {
            assert!(disk.contains(k), "{k} in {disk:?}");
        }
        for k in [
            uctriage_core::Kind::Config,
            uctriage_core::Kind::ServiceCore,
            uctriage_core::Kind::Alarm,
        ] {
            assert!(!disk.contains(k), "{k} in {disk:?}");
        }
    }

    /// The shipped rules' cases that fail, one line each, run with the
    /// streamed kinds on disk or not.
    fn failed_cases(kb: &Knowledge, on_disk: bool) -> Vec<String> {
        let results = cases::run_cases_with(kb, on_disk).unwrap_or_else(|e| panic!("{e:#?}"));
        results
            .iter()
            .filter(|r| !r.passed())
            .map(|r| format!("{} / {}:\n  {}", r.rule, r.case, r.failures.join("\n  ")))
            .collect()
    }

    /// Every shipped rule passes its own cases with the kinds it only
    /// streams on disk, in sorted runs, as past the memory budget (and never
    /// reads them any other way: `Events::of` asserts it in tests).
    #[test]
    fn shipped_rules_pass_their_cases_with_streamed_kinds_on_disk() {
        let kb = Knowledge::embedded().unwrap();
        let failed = failed_cases(&kb, true);
        assert!(failed.is_empty(), "{}", failed.join("\n"));
    }

    /// Every shipped rule passes its own cases (`uctriage knowledge check`).
    #[test]
    fn shipped_rules_pass_their_cases() {
        let kb = Knowledge::embedded().unwrap();
        let failed = failed_cases(&kb, false);
        assert!(failed.is_empty(), "{}", failed.join("\n"));
        for r in kb.rules.iter().filter(|r| r.enabled) {
            assert!(
                r.cases.len() >= 2,
                "rule {} needs a positive and a negative case",
                r.id
            );
        }
    }
}
