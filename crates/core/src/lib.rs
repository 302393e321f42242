//! # uctriage-core
//!
//! The event model every other uctriage crate speaks.
//!
//! Brief overview:
//! - A format parser reads a file and produces [`RawEvent`]s, whose time is a
//!   [`RawTime`]: whatever the line itself said (UTC stamp, local wall clock, a
//!   time of day without a date, ...), plus [`Fact`]s about the bundle (host
//!   aliases, a node's time zone, an observed UTC offset).
//! - Normalization turns each `RawEvent` into an [`Event`]: an absolute instant
//!   plus a [`Clock`] that says how its zone and date were decided, a canonical
//!   host, and the [`Evidence`] (file, line, raw text) that proves it.
//! - Problems found while reading are [`Problem`]s: reported with file and line,
//!   never fatal.
//!
//! ```
//! use uctriage_core::{Kind, RawEvent, RawTime};
//! let ev = RawEvent::new(4, "12:33:19:564 PG1A-jgw1 Trace: ...", Kind::DeviceOutOfService, "LCP50001148 out of service")
//!     .with_field("cause", "DEVICE_UNREGISTERED");
//! assert_eq!(ev.fields["cause"], "DEVICE_UNREGISTERED");
//! assert!(matches!(ev.time, RawTime::Unknown));
//! ```
#![deny(missing_docs)]

mod clock;
mod entities;
mod event;
mod fact;
mod fields;
mod first_error;
mod host;
mod names;
mod shared;
pub mod stages;
pub mod text;

pub use clock::{Clock, DateSource, RawTime, ZoneSource};
pub use entities::Entities;
pub use event::{Entity, EntityKind, Event, Evidence, Kind, KindSet, Problem, RawEvent, Severity};
pub use fact::{round_offset, Fact};
pub use fields::{FieldValue, Fields, Iter as FieldsIter};
pub use first_error::FirstError;
pub use host::canonical_host;
pub use shared::{Interner, SharedStr};
pub use text::Text;

/// Re-export of the time library every crate uses, so versions never drift.
pub use jiff;
