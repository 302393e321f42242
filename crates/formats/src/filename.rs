//! Dates carried by file names.

use crate::timeparse::ymd;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::jiff::civil::Date;

static PATTERNS: LazyLock<Vec<(Regex, [usize; 3], bool)>> = LazyLock::new(|| {
    // (regex, capture index of [year, month, day], two-digit year). ASCII
    // digit classes: Unicode `\d` would cost a tenth of start-up to compile,
    // and only ASCII digits parse as numbers anyway.
    vec![
        // PerfMon_<node>_MM_DD_YYYY_HH_MM.csv
        (
            Regex::new(
                r"(?:^|[_.-])([0-9]{2})_([0-9]{2})_([0-9]{4})_[0-9]{2}_[0-9]{2}(?:[^0-9]|$)",
            )
            .unwrap(),
            [3, 1, 2],
            false,
        ),
        // YYYY-MM-DD, YYYY_MM_DD, YYYY.MM.DD
        (
            Regex::new(
                r"(?:^|[^0-9])((?:19|20)[0-9]{2})[-_.]([0-9]{2})[-_.]([0-9]{2})(?:[^0-9]|$)",
            )
            .unwrap(),
            [1, 2, 3],
            false,
        ),
        // dumplog / EMS: <proc>_YYMMDD_HHMMSS
        (
            Regex::new(r"_([0-9]{2})([0-9]{2})([0-9]{2})_[0-9]{6}(?:[^0-9]|$)").unwrap(),
            [1, 2, 3],
            true,
        ),
        // YYYYMMDD
        (
            Regex::new(r"(?:^|[^0-9])((?:19|20)[0-9]{2})([0-9]{2})([0-9]{2})(?:[^0-9]|$)").unwrap(),
            [1, 2, 3],
            false,
        ),
    ]
});

/// The date a file name carries, if it carries one in a known pattern.
///
/// ```
/// use uctriage_formats::date_from_file_name;
/// assert_eq!(date_from_file_name("PerfMon_bldcucmtftp1_07_12_2019_06_00.csv").unwrap().to_string(), "2019-07-12");
/// assert_eq!(date_from_file_name("jgw1_190712_000000.txt").unwrap().to_string(), "2019-07-12");
/// assert_eq!(date_from_file_name("ReplicationStatus.2019_07_03_07_54_21.out").unwrap().to_string(), "2019-07-03");
/// assert!(date_from_file_name("SDL001_100_000123.txt").is_none());
/// ```
pub fn date_from_file_name(name: &str) -> Option<Date> {
    for (re, [y, m, d], short_year) in PATTERNS.iter() {
        for caps in re.captures_iter(name) {
            let num = |i: usize| caps.get(i).and_then(|c| c.as_str().parse::<i64>().ok());
            let (Some(mut year), Some(month), Some(day)) = (num(*y), num(*m), num(*d)) else {
                continue;
            };
            if *short_year {
                year += 2000;
            }
            if let Some(date) = ymd(year, month, day) {
                return Some(date);
            }
        }
    }
    None
}
