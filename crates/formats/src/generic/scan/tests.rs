//! The hand reader against the stamp regexes, on random strings of the
//! pieces they care about.

use super::super::regex_parts;
use super::parts;

/// Pieces that steer the regexes down their branches.
const TOKENS: &[&str] = &[
    "[",
    "]",
    "2019",
    "07",
    "7",
    "12",
    "123",
    "-",
    "/",
    "T",
    " ",
    "  ",
    ",",
    ".",
    ":",
    "12:33:19",
    "1:02:03",
    "123:00:00",
    ".5",
    ",564",
    ".1234567890",
    ":564",
    "Z",
    "UTC",
    "GMT",
    "+05:30",
    "-0500",
    "+05:3",
    "Jul",
    "jul",
    "JUL",
    "1562952957",
    "15629529571",
    "2562952957",
    ".123456",
    ".1234567",
    "\t",
    "\x0B",
    "x",
    "\n",
];

/// Lines that each regex matches.
const SAMPLES: [&str; 8] = [
    "2024-03-03 08:15:00,100 INFO worker-7 request handled",
    "[2019-07-12T17:33:19.564Z] boom",
    "2019/07/12 12:33:19 -05:00 x",
    "07/12/2019, 12:33:19.5] x",
    "Jul 12 2019 12:33:19.123 UTC x",
    "Jul  1 12:33:19 host x",
    "[1562952957.5] 64 bytes",
    "12:00:01:5 x",
];

/// Random token strings, and the samples with random edits (xorshift).
fn strings(n: usize) -> Vec<String> {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let mut out = Vec::with_capacity(n);
    for _ in 0..n / 2 {
        let k = 1 + next(10);
        out.push((0..k).map(|_| TOKENS[next(TOKENS.len())]).collect());
        let mut s = SAMPLES[next(SAMPLES.len())].to_string();
        for _ in 0..1 + next(2) {
            let at = next(s.len() + 1);
            match next(3) {
                0 => s.insert_str(at, TOKENS[next(TOKENS.len())]),
                1 => s.replace_range(at..(at + 1 + next(3)).min(s.len()), ""),
                _ => s.truncate(at),
            }
        }
        out.push(s);
    }
    out
}

#[test]
fn hand_reader_matches_the_regexes() {
    let generated = strings(200_000);
    let mut matched = 0;
    for s in SAMPLES
        .iter()
        .copied()
        .chain(generated.iter().map(String::as_str))
    {
        let want = regex_parts(s);
        assert_eq!(parts(s), want, "{s:?}");
        matched += usize::from(want.is_some());
    }
    assert!(matched > 20_000, "{matched}");
}
