//! # uctriage-normalize
//!
//! Turns what the parsers found in many files into one trustworthy timeline:
//! every event gets an absolute instant and a [`uctriage_core::Clock`] saying
//! how its zone and date were decided, and one canonical host name.
//!
//! Brief overview:
//! - [`HostBook`] unifies host identity: short names, FQDNs and IP addresses
//!   from `show network cluster`, file heads and alarm tags.
//! - `decide_zones` picks each host's zone from the best evidence: a
//!   `--tz` hint for that host, `show status` / `utils ntp status`, offsets
//!   observed at known instants (core files, syslog prefixes) matched against
//!   the time-zone database, then the zone the rest of the site shares.
//! - [`normalize`] applies all that to every event and returns a [`Bundle`].
//! - [`LiveNormalizer`] makes the same decisions incrementally, for a live
//!   stream: zones learnt per host as evidence arrives, late evidence re-places
//!   earlier local times.
//!
//! Nothing is guessed silently: an event whose zone could not be decided is
//! read as UTC and says so (`zone_source: unknown`), and the bundle carries a
//! note telling the user which `--tz` hint would fix it.
#![deny(missing_docs)]

mod bundle;
mod hosts;
mod live;
mod resolve;
mod unplaced;
mod zones;

pub use bundle::{normalize, normalize_collected, Bundle, Collected, FileInfo, Options, Placing};
pub use hosts::{HostBook, HostInfo};
pub use live::{LiveNormalizer, Placed};
pub use zones::{infer_zone, ZoneDecision, ZoneHint};
