//! Local wall-clock times as milliseconds since 1970-01-01T00:00 *local*
//! (a civil date-time counted like UTC), converted with the zone only where a
//! file states UTC.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::Timestamp;

pub const SEC: i64 = 1000;
pub const MIN: i64 = 60 * SEC;
pub const HOUR: i64 = 60 * MIN;
pub const DAY: i64 = 24 * HOUR;

pub fn civil(local_ms: i64) -> DateTime {
    TimeZone::UTC.to_datetime(Timestamp::from_millisecond(local_ms).expect("time in range"))
}

pub fn local_ms(dt: DateTime) -> i64 {
    TimeZone::UTC
        .to_timestamp(dt)
        .expect("civil time in range")
        .as_millisecond()
}

pub fn day_of(local_ms: i64) -> Date {
    civil(local_ms).date()
}

/// UTC instant of a local time in `tz`.
pub fn to_utc(tz: &TimeZone, local: i64) -> Timestamp {
    tz.to_timestamp(civil(local)).expect("local time in zone")
}

/// The zone's offset from UTC at a local time, in seconds.
pub fn offset_secs(tz: &TimeZone, local: i64) -> i64 {
    (local - to_utc(tz, local).as_millisecond()) / SEC
}

/// Writes `HH:MM:SS.mmm` into `out` without allocating.
#[inline]
pub fn push_hms_ms(out: &mut Vec<u8>, local: i64) {
    let t = local.rem_euclid(DAY);
    let (h, m, s, ms) = (t / HOUR, t / MIN % 60, t / SEC % 60, t % SEC);
    out.extend_from_slice(&[
        b'0' + (h / 10) as u8,
        b'0' + (h % 10) as u8,
        b':',
        b'0' + (m / 10) as u8,
        b'0' + (m % 10) as u8,
        b':',
        b'0' + (s / 10) as u8,
        b'0' + (s % 10) as u8,
        b'.',
        b'0' + (ms / 100) as u8,
        b'0' + (ms / 10 % 10) as u8,
        b'0' + (ms % 10) as u8,
    ]);
}

/// `+01:00` style offset.
pub fn offset_text(secs: i64) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.abs();
    format!("{sign}{:02}:{:02}", a / 3600, a / 60 % 60)
}

/// The long zone name `show status` and PDH-CSV print (Windows / Java style),
/// for the zones people use; otherwise the abbreviation.
pub fn long_zone_name(zone: &str, abbrev: &str, dst: bool) -> String {
    let (std, summer) = match zone {
        "Europe/Berlin" | "Europe/Paris" | "Europe/Amsterdam" | "Europe/Madrid" | "Europe/Rome"
        | "Europe/Vienna" | "Europe/Zurich" | "Europe/Stockholm" => {
            ("Central European Time", "Central European Summer Time")
        }
        "Europe/London" | "Europe/Dublin" => ("Greenwich Mean Time", "British Summer Time"),
        "Asia/Kolkata" => ("India Standard Time", "India Standard Time"),
        "Asia/Singapore" => ("Singapore Time", "Singapore Time"),
        "Asia/Tokyo" => ("Japan Standard Time", "Japan Standard Time"),
        "Australia/Sydney" | "Australia/Melbourne" => (
            "Australian Eastern Standard Time",
            "Australian Eastern Daylight Time",
        ),
        "America/Sao_Paulo" => ("Brasilia Time", "Brasilia Summer Time"),
        _ => return abbrev.to_string(),
    };
    if dst { summer } else { std }.to_string()
}
