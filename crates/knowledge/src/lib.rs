//! # uctriage-knowledge
//!
//! What uctriage knows about Cisco UC products, as data: alarm meanings and
//! code tables, crash signatures, end-of-support dates, post-incident advice,
//! thresholds, metric classes, finding classes, device types and the declared
//! correlation rules with their test cases — each fact with its public source.
//!
//! Brief overview:
//! - The files under `knowledge/` are embedded in the binary at build time;
//!   [`Knowledge::load`] with a folder replaces any of them (and adds rules
//!   from its `rules/` folder).
//! - Every file is read strictly: an unknown or misspelled field, a wrong
//!   version, a source key nobody defines or an advice trigger that is no
//!   class is a [`KnowledgeError`] naming the file, the line and, where it
//!   can, the name that was probably meant. All of them are reported at once
//!   ([`LoadError`]).
//! - A rule file ([`RuleSpec`]) names a rule type of the correlation engine,
//!   its parameters (typed and checked by the engine with
//!   [`RuleSpec::params_as`]) and its [`Case`]s.
//!
//! ```
//! let kb = uctriage_knowledge::Knowledge::embedded().unwrap();
//! let reason = kb.decode_full(Some("EndPointUnregistered"), "device_unregistered", "Reason", "13").unwrap();
//! assert_eq!(reason.describe(), "13 = KeepAliveTimeout");
//! ```
#![deny(missing_docs)]

mod error;
mod load;
mod lookup;
mod model;
mod rules;

pub use error::{closest, KnowledgeError, LoadError};
pub use load::{Knowledge, FILES, KNOWLEDGE_VERSION};
pub use lookup::Decoded;
pub use model::*;
pub use rules::{Case, CaseEvent, Expect, ExpectEpisode, Origin, RuleSpec, RULE_FILE_VERSION};

#[cfg(test)]
mod tests;
