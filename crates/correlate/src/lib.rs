//! # uctriage-correlate
//!
//! Turns a normalized timeline into an explanation: impact, root cause,
//! contributing causes, coincidences, recurrences and advice — each a
//! [`Finding`] with its evidence (file and line) and public references.
//!
//! Brief overview:
//! - [`Topology`] says which node a device registers to (device pool →
//!   CallManager group → ordered nodes), from `run sql` captures, BAT exports
//!   or a `topology.toml`.
//! - The rules run in the order `knowledge/rules.toml` lists them; each rule
//!   type is one module under `rules/`, tuned only by its parameters there.
//!   A rule knows nothing about file formats: it reads events and facts.
//! - [`analyze`] runs them and returns the findings, linked by `caused_by`.
#![deny(missing_docs)]

mod crashes;
mod ctx;
mod finding;
pub mod metrics;
mod rules;
mod topology;

pub use finding::{Finding, FindingKind, Reference};
pub use topology::{Registration, Topology, TopologyFile};

use uctriage_core::jiff::tz::TimeZone;
use uctriage_knowledge::Knowledge;
use uctriage_normalize::Bundle;

/// The result of an analysis.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Findings, impact first.
    pub findings: Vec<Finding>,
    /// Things the reader should know (missing topology, unknown rule types, ...).
    pub notes: Vec<String>,
    /// Every metric series of the bundle (counters, pings).
    pub series: Vec<metrics::Series>,
    /// Departures of those series from their normal band.
    pub episodes: Vec<metrics::Episode>,
}

/// Explain the bundle with the knowledge and topology given. `display` is the
/// zone times are written in inside titles and summaries.
pub fn analyze(
    bundle: &Bundle,
    kb: &Knowledge,
    topology: &Topology,
    display: &TimeZone,
) -> Analysis {
    let mut ctx = ctx::Ctx::new(bundle, kb, topology, display);
    for rule in &kb.rules.rule {
        rules::run(rule, &mut ctx);
    }
    ctx.finish()
}
