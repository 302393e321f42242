//! Time as a parser found it ([`RawTime`]) and as normalization decided it ([`Clock`]).

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::Offset;
use jiff::Timestamp;
use serde::Serialize;
use std::sync::Arc;

/// How a line stated its time, before any zone or date was decided.
///
/// Parsers never guess: a local wall-clock time stays `Local` until
/// normalization knows the host's zone, and a time of day without a date stays
/// `TimeOfDay` until a date is found for it.
#[derive(Clone, Debug, PartialEq)]
pub enum RawTime {
    /// The record carries no time at all (a CLI snapshot row, for example).
    Unknown,
    /// An absolute instant stated by the line itself (a `UTC` stamp, epoch
    /// seconds, an explicit offset). The string says how, e.g. "CiscoLog UTC stamp".
    Absolute(Timestamp, &'static str),
    /// A wall-clock time with an offset stated elsewhere in the same file
    /// (SDL `FileHead UTC:-05:00`, a PDH-CSV bias).
    WithOffset(DateTime, Offset, DateSource),
    /// Local wall-clock time of the host, date known, zone not stated.
    Local(DateTime, DateSource),
    /// Local wall-clock month, day and time without a year (syslogd prefix).
    LocalNoYear {
        /// Month 1-12.
        month: i8,
        /// Day of month.
        day: i8,
        /// Time of day.
        time: Time,
    },
    /// A time of day with no date anywhere in the file.
    TimeOfDay(Time),
}

impl RawTime {
    /// A local time on `date` at `time`, with where the date came from.
    pub fn local(date: Date, time: Time, source: DateSource) -> RawTime {
        RawTime::Local(date.to_datetime(time), source)
    }
}

/// Where the zone (UTC offset) of an event's time came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum ZoneSource {
    /// The line itself states UTC, an offset or epoch seconds.
    Stated,
    /// The file's header states the offset (SDL `FileHead`, PDH-CSV bias).
    FileHead,
    /// The manifest of a `uctriage collect` bundle names the node's zone
    /// (DIME `getTimeZone` or `show status` when it was collected).
    Manifest,
    /// `show status` on the host names its Olson zone.
    ShowStatus,
    /// `utils ntp status` on the host names its Olson zone.
    NtpStatus,
    /// The user said so with `--tz`.
    Hint,
    /// Inferred from core files: epoch seconds in the name against the local
    /// time `utils core active list` shows.
    CoreEpoch,
    /// Inferred from syslog lines whose local prefix and UTC stamp disagree by
    /// the offset.
    SyslogPrefix,
    /// Inferred from another host of the same bundle (a site shares one zone).
    OtherHost,
    /// The file names no host, and every host of the bundle whose zone was
    /// decided runs in this one zone.
    Site,
    /// Nothing said anything: treated as UTC, and reported as such.
    Unknown,
}

impl ZoneSource {
    /// Every variant, in declaration order; a new variant goes at the end (encodings that store a
    /// variant's place in this list stay readable).
    pub const ALL: [ZoneSource; 11] = [
        ZoneSource::Stated,
        ZoneSource::FileHead,
        ZoneSource::Manifest,
        ZoneSource::ShowStatus,
        ZoneSource::NtpStatus,
        ZoneSource::Hint,
        ZoneSource::CoreEpoch,
        ZoneSource::SyslogPrefix,
        ZoneSource::OtherHost,
        ZoneSource::Site,
        ZoneSource::Unknown,
    ];

    /// A short phrase for humans.
    pub fn describe(self) -> &'static str {
        match self {
            ZoneSource::Stated => "stated in the line",
            ZoneSource::FileHead => "stated in the file header",
            ZoneSource::Manifest => "from the collection manifest (the node's zone when collected)",
            ZoneSource::ShowStatus => "from `show status` of the host",
            ZoneSource::NtpStatus => "from `utils ntp status` of the host",
            ZoneSource::Hint => "from the --tz hint",
            ZoneSource::CoreEpoch => {
                "inferred from core file epochs against their listed local times"
            }
            ZoneSource::SyslogPrefix => {
                "inferred from syslog local prefixes against their UTC stamps"
            }
            ZoneSource::OtherHost => "inferred from another host of the bundle",
            ZoneSource::Site => {
                "the file names no host; every host of the bundle runs in this zone"
            }
            ZoneSource::Unknown => "unknown: assumed UTC",
        }
    }
}

/// Where the calendar date of an event's time came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateSource {
    /// The line carries its own full date.
    Line,
    /// A header line earlier in the file (`Events from <date>`).
    Header,
    /// The file head record (SDL `FileHead Date:`).
    FileHead,
    /// The file name (`PerfMon_<node>_MM_DD_YYYY...`, `jgw1_190712_...`).
    FileName,
    /// The user said so with `--date`.
    Hint,
    /// Inferred from the dates of the bundle's other events.
    Bundle,
    /// A header, file head or name date, plus a day because the time wrapped past midnight.
    Wrapped,
    /// The day a live receiver got the message (a syslog line without a year,
    /// from a sender that has sent no dated message yet).
    Received,
}

impl DateSource {
    /// Every variant, in declaration order; a new variant goes at the end (encodings that store a
    /// variant's place in this list stay readable).
    pub const ALL: [DateSource; 8] = [
        DateSource::Line,
        DateSource::Header,
        DateSource::FileHead,
        DateSource::FileName,
        DateSource::Hint,
        DateSource::Bundle,
        DateSource::Wrapped,
        DateSource::Received,
    ];

    /// A short phrase for humans.
    pub fn describe(self) -> &'static str {
        match self {
            DateSource::Line => "date in the line",
            DateSource::Header => "date from a header line of the file",
            DateSource::FileHead => "date from the file head",
            DateSource::FileName => "date from the file name",
            DateSource::Hint => "date from the --date hint",
            DateSource::Bundle => "date inferred from the other events of the bundle",
            DateSource::Wrapped => "date from the file, plus a day for a midnight wrap",
            DateSource::Received => "year from the day the message was received",
        }
    }
}

/// How an event's absolute instant was decided.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Clock {
    /// The zone the raw time was read in: `UTC`, an Olson name or a fixed offset.
    /// Shared by the events of a file.
    pub zone: Arc<str>,
    /// Where that zone came from.
    pub zone_source: ZoneSource,
    /// Where the date came from.
    pub date_source: DateSource,
    /// One sentence for a human: which file or fact decided it. Shared by the
    /// events of a file.
    pub detail: Arc<str>,
}

impl Clock {
    /// A clock for a time the line stated absolutely.
    pub fn stated(how: &str) -> Clock {
        Clock {
            zone: "UTC".into(),
            zone_source: ZoneSource::Stated,
            date_source: DateSource::Line,
            detail: Arc::from(how),
        }
    }
}
