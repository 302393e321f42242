//! # uctriage-knowledge
//!
//! What uctriage knows about Cisco UC products, as data: alarm meanings and
//! code tables, crash signatures, end-of-support dates, post-incident advice,
//! thresholds, the causal rules' parameters — each fact with its public
//! source. The files under `knowledge/` are embedded in the binary at build
//! time; `--knowledge DIR` replaces any of them with the user's own copy.
//!
//! ```
//! let kb = uctriage_knowledge::Knowledge::embedded().unwrap();
//! assert!(kb.sources.source.len() > 0);
//! ```
#![deny(missing_docs)]

mod files;
mod model;

pub use files::{Knowledge, LoadError, FILES};
pub use model::*;
