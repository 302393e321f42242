//! The hand matchers against the regexes they replace, on the fixtures,
//! on mutations of them and on random strings of the tokens the regexes care about.

use super::super::envelope::{body_by_regex, header_by_regex, prefix_by_regex, FACILITY};
use super::*;

/// Every fixture line, plus the lines of the example CiscoSyslog.
fn sample_lines() -> Vec<&'static str> {
    let texts = [
        include_str!("../../../tests/fixtures/cisco_syslog/amsterdam_cluster.txt"),
        include_str!("../../../tests/fixtures/cisco_syslog/audit_unconfirmed.txt"),
        include_str!("../../../tests/fixtures/cisco_syslog/c200410_eventviewer.txt"),
        include_str!("../../../tests/fixtures/cisco_syslog/c214607_ciscosyslog.txt"),
        include_str!("../../../tests/fixtures/cisco_syslog/c217518_ciscosyslog.txt"),
        include_str!("../../../tests/fixtures/cisco_syslog/codeyellow_exam.txt"),
        include_str!("../../../tests/fixtures/cisco_syslog/dumplog_ciscolog.txt"),
        include_str!("../../../tests/fixtures/cisco_syslog/jtapi_cer.txt"),
        include_str!("../../../tests/fixtures/cisco_syslog/malformed.txt"),
        include_str!("../../../tests/fixtures/cisco_syslog/messages.txt"),
        include_str!("../../../tests/fixtures/cisco_syslog/mivr.txt"),
        include_str!("../../../tests/fixtures/cisco_syslog/rtmt_exam.txt"),
        include_str!("../../../tests/fixtures/cisco_syslog/spec_bacc.txt"),
        include_str!("../../../tests/fixtures/cisco_syslog/spec_receiver_solaris.txt"),
        include_str!("../../../tests/fixtures/cisco_syslog/spec_ucce.txt"),
        include_str!(
            "../../../../../examples/ctios-outage-2019-07-12/bldcucmpub/syslog/CiscoSyslog"
        ),
    ];
    texts.iter().flat_map(|t| t.lines()).collect()
}

/// Pieces that steer the regexes down their branches.
const TOKENS: &[&str] = &[
    "0",
    "7",
    "12",
    "2019",
    "123",
    "48212",
    ":",
    ": ",
    " ",
    "  ",
    "%",
    "*",
    ".",
    ".781",
    ".1234567890",
    "Jul",
    "JUL",
    "jul",
    "Feb",
    "UTC",
    "GMT",
    "+0200",
    "-05300",
    "AM",
    "PM",
    " AM.5",
    "local7",
    "local",
    "local12",
    "abc",
    "ab",
    "host",
    "host.x-y_z",
    "-",
    "_",
    "[",
    "]",
    "\t",
    "\x0B",
    "12:17:42",
    "1:02:03",
    "11:17:42.311",
    "%UC_X",
    "%UC_X-Y",
    "-3-",
    "-3-Name",
    "Name",
    "x",
    "٣",
    "é",
    "\u{a0}",
];

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Samples, their mutations and random token strings.
fn inputs() -> Vec<String> {
    let lines = sample_lines();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    for _ in 0..30_000 {
        let mut s = lines[rng.next(lines.len())].to_string();
        for _ in 0..1 + rng.next(3) {
            let mut at = rng.next(s.len() + 1);
            while !s.is_char_boundary(at) {
                at -= 1;
            }
            match rng.next(3) {
                0 => s.insert_str(at, TOKENS[rng.next(TOKENS.len())]),
                1 => {
                    let mut end = (at + 1 + rng.next(4)).min(s.len());
                    while !s.is_char_boundary(end) {
                        end += 1;
                    }
                    s.replace_range(at..end, "");
                }
                _ => s.truncate(at),
            }
        }
        out.push(s);
    }
    for _ in 0..30_000 {
        let n = 1 + rng.next(14);
        out.push((0..n).map(|_| TOKENS[rng.next(TOKENS.len())]).collect());
    }
    out
}

#[test]
fn body_matches_the_regex() {
    let mut matched = 0;
    for s in inputs().iter().filter(|s| s.is_ascii()) {
        for from in [0, s.find(' ').map_or(0, |i| i + 1)] {
            let hay = &s[from..];
            let want = body_by_regex(hay);
            assert_eq!(body(hay), want, "{hay:?}");
            matched += usize::from(want.is_some());
        }
    }
    assert!(matched > 5_000, "{matched}");
}

#[test]
fn prefix_and_facility_match_the_regexes() {
    let mut matched = 0;
    for s in inputs().iter().filter(|s| s.is_ascii()) {
        let want = prefix_by_regex(s);
        assert_eq!(prefix(s), want, "{s:?}");
        matched += usize::from(want.is_some());
        for from in 0..s.len().min(60) {
            let rest = &s[from..];
            let want = FACILITY
                .captures(rest)
                .map(|f| (f.get(1).unwrap().as_str(), f.get(0).unwrap().end()));
            assert_eq!(facility(rest), want, "{rest:?}");
        }
    }
    assert!(matched > 5_000, "{matched}");
}

#[test]
fn header_matches_the_regex() {
    let mut matched = 0;
    for s in inputs() {
        for (at, _) in s.match_indices('%') {
            let text = &s[at..];
            if let Ok(got) = header(text) {
                let want = header_by_regex(text);
                assert_eq!(got, want, "{text:?}");
                matched += usize::from(want.is_some());
            }
        }
    }
    assert!(matched > 5_000, "{matched}");
}

#[test]
fn a_unicode_digit_as_severity_is_left_to_the_regex() {
    assert_eq!(header("%UC_X-٣-Name: x"), Err(()));
}

#[test]
fn leftmost_stamp_with_the_longest_prefix_wins() {
    let hay = "5: 12: Jul 12 2019 11:17:42 UTC : %X: Jul 13 2019 11:17:42 : %";
    let b = body(hay).unwrap();
    assert_eq!(
        (b.start, b.seq, b.host, b.day),
        (0, Some("5"), Some("12"), "12")
    );
    let hay = "a5: *Jul 12 2019 1:17:42.1234567890 : % x7: Jul 12 2019 1:17:42 PM.5 -0530: %";
    let b = body(hay).unwrap();
    assert_eq!(
        (b.seq, b.ampm_frac, b.zone),
        (None, Some("5"), Some("-0530"))
    );
}
