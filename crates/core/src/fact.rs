//! Facts about the bundle that parsers find and normalization uses.

use crate::ZoneSource;
use jiff::Timestamp;

/// Something a file says about the estate rather than about a moment:
/// who a host is, which zone it runs in, which offset it showed at an instant.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Fact {
    /// `alias` (an FQDN, IP address or other spelling) names `host`.
    HostAlias {
        /// Canonical short host name.
        host: String,
        /// Another name or address for it.
        alias: String,
    },
    /// The file was written on (or captured from) `host`.
    FileHost {
        /// Host name as found.
        host: String,
    },
    /// A node's role in its cluster (Publisher, Subscriber, TFTP, ...).
    HostRole {
        /// Host name as found.
        host: String,
        /// Role as printed.
        role: String,
    },
    /// A host's Olson time zone, stated by a CLI command.
    HostZone {
        /// Host (None: the file's own host).
        host: Option<String>,
        /// Olson zone name, e.g. `America/Chicago`.
        zone: String,
        /// Which command said it.
        source: ZoneSource,
        /// 1-based line that says it.
        line: u64,
    },
    /// At instant `at`, the host's local clock read `offset_seconds` ahead of UTC.
    OffsetSeen {
        /// Host (None: the file's own host).
        host: Option<String>,
        /// The instant of the observation.
        at: Timestamp,
        /// Local minus UTC, in seconds (rounded to a quarter hour).
        offset_seconds: i32,
        /// What kind of observation it was.
        source: ZoneSource,
        /// 1-based line of the observation.
        line: u64,
    },
    /// A product version seen on a host (`show status`, `FileHead`, ...).
    Version {
        /// Host (None: the file's own host).
        host: Option<String>,
        /// Product, e.g. `CUCM`.
        product: String,
        /// Version string as printed.
        version: String,
    },
}

/// Round an observed local-minus-UTC difference to the nearest quarter hour,
/// since listed local times and epochs may disagree by a second or two.
pub fn round_offset(seconds: i64) -> i32 {
    let q = 15 * 60;
    (((seconds as f64) / q as f64).round() as i64 * q) as i32
}
