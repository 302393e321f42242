//! How instants are shown.

use uctriage_core::jiff::tz::TimeZone;
use uctriage_core::jiff::Timestamp;

/// Show instants in one zone (with the offset printed) or in UTC.
#[derive(Clone, Debug)]
pub struct TimeStyle {
    /// Zone to show.
    pub tz: TimeZone,
    /// Its name, for headers.
    pub name: String,
}

impl TimeStyle {
    /// UTC.
    pub fn utc() -> TimeStyle {
        TimeStyle {
            tz: TimeZone::UTC,
            name: "UTC".into(),
        }
    }

    /// `2019-07-12 12:33:19.564 -05:00` (milliseconds always shown).
    pub fn show(&self, ts: Timestamp) -> String {
        let z = ts.to_zoned_datetime(self.tz.clone());
        format!(
            "{} {}",
            z.strftime("%Y-%m-%d %H:%M:%S%.3f"),
            z.strftime("%:z")
        )
    }
}

/// RFC 3339 UTC with milliseconds: `2019-07-12T17:33:19.564Z`.
pub fn rfc3339_ms(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}
