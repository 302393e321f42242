//! The gap between a syslogd prefix (local wall clock, no year) and the
//! CiscoLog UTC stamp of the same line, in whole seconds: the prefix is
//! placed in the stamp's year, the year before or the year after, whichever
//! is nearest.
//!
//! Every line of a CiscoSyslog file asks this. Placing the prefix in three
//! years with civil-time arithmetic costs more than the rest of the envelope,
//! and consecutive lines share the prefix's month and day and the stamp's
//! date: so the three date gaps are worked out once per (stamp date, prefix
//! date) and each line only adds its times of day.

use crate::timeparse::ymd;
use uctriage_core::jiff::civil::{Date, Time};
use uctriage_core::jiff::tz::Offset;
use uctriage_core::jiff::Timestamp;

const NANOS_PER_DAY: i128 = 86_400 * 1_000_000_000;

/// The date gaps of the last (stamp date, prefix date) asked.
#[derive(Default)]
pub(super) struct PrefixGap {
    /// UTC day number of the stamp (days since 1970-01-01), prefix month and
    /// day, and the gap in seconds from the stamp's date to the prefix's date
    /// in the year before, the same year and the year after (None where the
    /// date does not exist, Feb 29 in a common year).
    last: Option<(i64, i8, i8, [Option<i64>; 3])>,
}

impl PrefixGap {
    /// `local - utc` in whole seconds (truncated toward zero, as
    /// `SignedDuration::as_secs`), nearest of the three years; None when the
    /// prefix's date exists in none of them.
    pub(super) fn seconds(&mut self, month: i8, day: i8, time: Time, ts: Timestamp) -> Option<i64> {
        let nanos = ts.as_nanosecond();
        let utc_day = nanos.div_euclid(NANOS_PER_DAY) as i64;
        let utc_tod = nanos.rem_euclid(NANOS_PER_DAY);
        let gaps = match self.last {
            Some((d, m, dd, gaps)) if d == utc_day && m == month && dd == day => gaps,
            _ => {
                let gaps = date_gaps(month, day, ts);
                self.last = Some((utc_day, month, day, gaps));
                gaps
            }
        };
        let local_tod = time.duration_since(Time::midnight()).as_nanos();
        gaps.into_iter()
            .flatten()
            .map(|g| ((g as i128) * 1_000_000_000 + local_tod - utc_tod) / 1_000_000_000)
            .map(|s| s as i64)
            .min_by_key(|d| d.abs())
    }
}

/// Seconds from the stamp's UTC date to `month`/`day` in the stamp's year -1, 0, +1.
fn date_gaps(month: i8, day: i8, ts: Timestamp) -> [Option<i64>; 3] {
    let utc: Date = Offset::UTC.to_datetime(ts).date();
    let y = i64::from(utc.year());
    [y - 1, y, y + 1].map(|y| {
        let local = ymd(y, i64::from(month), i64::from(day))?;
        Some(local.duration_since(utc).as_secs())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the parser computed before the cache, line by line.
    fn by_civil_time(month: i8, day: i8, time: Time, ts: Timestamp) -> Option<i64> {
        let utc = Offset::UTC.to_datetime(ts);
        [utc.year() - 1, utc.year(), utc.year() + 1]
            .into_iter()
            .filter_map(|y| {
                let local = ymd(y as i64, month as i64, day as i64)?.to_datetime(time);
                Some(local.duration_since(utc).as_secs())
            })
            .min_by_key(|d| d.abs())
    }

    #[test]
    fn same_gap_as_civil_time_across_years_leap_days_and_fractions() {
        let stamps = [
            "2024-11-14T00:00:00.492Z",
            "2024-11-14T23:59:59.999Z",
            "2024-12-31T22:30:00.5Z",
            "2025-01-01T00:10:00.001Z",
            "2024-02-29T05:00:00Z",
            "2023-03-01T01:00:00.25Z",
            "1969-12-31T23:59:58.75Z",
            "2019-07-12T11:17:42.311Z",
        ];
        let prefixes = [
            (11, 14, "00:00:00"),
            (11, 13, "19:00:00"),
            (1, 1, "05:30:00"),
            (12, 31, "18:10:00"),
            (2, 29, "10:00:00"),
            (2, 28, "23:59:59"),
            (12, 31, "23:59:59"),
            (7, 12, "06:17:42"),
        ];
        let mut gap = PrefixGap::default();
        for s in stamps {
            let ts: Timestamp = s.parse().unwrap();
            // Twice each, so the second asks the cache.
            for (m, d, t) in prefixes.iter().chain(prefixes.iter()) {
                let time: Time = t.parse().unwrap();
                assert_eq!(
                    gap.seconds(*m, *d, time, ts),
                    by_civil_time(*m, *d, time, ts),
                    "{s} {m}-{d} {t}"
                );
            }
        }
    }
}
