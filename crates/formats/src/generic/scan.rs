//! The stamp regexes of the generic format, read by hand on ASCII lines:
//! the same first match and groups (checked against the regexes in the tests).

use crate::scan::{byte_is, digits_at, digits_fwd, is_space, month_like_at, run_fwd, spaces_fwd};

/// The groups of the first stamp regex that matches the start of a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Parts<'a> {
    /// `ISO`: year, month, day, time, zone.
    Iso([&'a str; 4], Option<&'a str>),
    /// `US`: month, day, year, time.
    Us([&'a str; 4]),
    /// `SYSLOG`: month, day, year, time, `UTC`/`GMT`.
    Syslog([&'a str; 2], Option<&'a str>, &'a str, Option<&'a str>),
    /// `EPOCH`: seconds and fraction.
    Epoch(&'a str, Option<&'a str>),
    /// `TIME_ONLY`: the time.
    TimeOnly(&'a str),
}

/// The first stamp at the start of ASCII `text`, and where its match ends.
pub(super) fn parts(text: &str) -> Option<(Parts<'_>, usize)> {
    debug_assert!(text.is_ascii());
    let b = text.as_bytes();
    let bracket = usize::from(byte_is(b, 0, b'['));
    iso(text, bracket)
        .or_else(|| us(text, bracket))
        .or_else(|| syslog(text))
        .or_else(|| epoch(text, bracket))
        .or_else(|| time_only(text))
}

/// `\d{1,2}:\d{2}:\d{2}` at `i`: its end.
fn hms(b: &[u8], i: usize) -> Option<usize> {
    let h = digits_fwd(b, i, 3);
    let ok = (1..=2).contains(&h)
        && byte_is(b, i + h, b':')
        && digits_at(b, i + h + 1, 2)
        && byte_is(b, i + h + 3, b':')
        && digits_at(b, i + h + 4, 2);
    ok.then_some(i + h + 6)
}

/// A greedy optional fraction at `i`: one of `seps`, then 1 to `max` digits.
fn opt_frac(b: &[u8], i: usize, seps: &[u8], max: usize) -> usize {
    match b.get(i) {
        Some(c) if seps.iter().any(|s| s == c) => match digits_fwd(b, i + 1, max) {
            0 => i,
            n => i + 1 + n,
        },
        _ => i,
    }
}

/// An optional `]` at `i`: the end.
fn close(b: &[u8], i: usize) -> usize {
    i + usize::from(byte_is(b, i, b']'))
}

/// `^\[?(\d{4})[-/](\d{2})[-/](\d{2})[T ](TIME[.,]f{1,9})\s?(Z|UTC|[+-]\d{2}:?\d{2})?\]?`
fn iso(text: &str, i: usize) -> Option<(Parts<'_>, usize)> {
    let b = text.as_bytes();
    let sep = |j: usize| matches!(b.get(j), Some(b'-' | b'/'));
    let ok = digits_at(b, i, 4)
        && sep(i + 4)
        && digits_at(b, i + 5, 2)
        && sep(i + 7)
        && digits_at(b, i + 8, 2)
        && matches!(b.get(i + 10), Some(b'T' | b' '));
    if !ok {
        return None;
    }
    let t = i + 11;
    let time_end = opt_frac(b, hms(b, t)?, b".,", 9);
    let z = time_end + usize::from(b.get(time_end).is_some_and(|&c| is_space(c)));
    let zone_end = iso_zone(b, z);
    let parts = [
        &text[i..i + 4],
        &text[i + 5..i + 7],
        &text[i + 8..i + 10],
        &text[t..time_end],
    ];
    let zone = zone_end.map(|e| &text[z..e]);
    Some((Parts::Iso(parts, zone), close(b, zone_end.unwrap_or(z))))
}

/// `Z|UTC|[+-]\d{2}:?\d{2}` at `z`: its end.
fn iso_zone(b: &[u8], z: usize) -> Option<usize> {
    match b.get(z)? {
        b'Z' => Some(z + 1),
        b'U' => (b.get(z..z + 3) == Some(b"UTC")).then_some(z + 3),
        b'+' | b'-' if digits_at(b, z + 1, 2) => {
            // `:?` is greedy, and without the colon the digits cannot start at it.
            let colon = usize::from(byte_is(b, z + 3, b':'));
            digits_at(b, z + 3 + colon, 2).then_some(z + 5 + colon)
        }
        _ => None,
    }
}

/// `^\[?(\d{1,2})/(\d{1,2})/(\d{4})[ ,]+(TIME[.,]f{1,9})\]?`
fn us(text: &str, i: usize) -> Option<(Parts<'_>, usize)> {
    let b = text.as_bytes();
    let m = digits_fwd(b, i, 3);
    let d0 = i + m + 1;
    let d = digits_fwd(b, d0, 3);
    let y0 = d0 + d + 1;
    let ok = (1..=2).contains(&m)
        && byte_is(b, i + m, b'/')
        && (1..=2).contains(&d)
        && byte_is(b, d0 + d, b'/')
        && digits_at(b, y0, 4);
    if !ok {
        return None;
    }
    let sep = run_fwd(b, y0 + 4, usize::MAX, |c| c == b' ' || c == b',');
    if sep == 0 {
        return None;
    }
    let t = y0 + 4 + sep;
    let time_end = opt_frac(b, hms(b, t)?, b".,", 9);
    let parts = [
        &text[i..i + m],
        &text[d0..d0 + d],
        &text[y0..y0 + 4],
        &text[t..time_end],
    ];
    Some((Parts::Us(parts), close(b, time_end)))
}

/// `^([A-Z][a-z]{2}) +(\d{1,2}) +(?:(\d{4}) +)?(\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)(?: (UTC|GMT))?`
fn syslog(text: &str) -> Option<(Parts<'_>, usize)> {
    let b = text.as_bytes();
    if !month_like_at(b, 0) {
        return None;
    }
    let d0 = 3 + spaces1(b, 3)?;
    let d = digits_fwd(b, d0, 3);
    if !(1..=2).contains(&d) {
        return None;
    }
    let mut t = d0 + d + spaces1(b, d0 + d)?;
    let mut year = None;
    if digits_at(b, t, 4) {
        // Without the year group the time would have to start at a digit pair
        // followed by a digit: no match either way when no space follows.
        let sp = spaces1(b, t + 4)?;
        year = Some(&text[t..t + 4]);
        t += 4 + sp;
    }
    if !digits_at(b, t, 2) || hms(b, t)? != t + 8 {
        return None;
    }
    let time_end = opt_frac(b, t + 8, b".", 9);
    let utc = matches!(b.get(time_end..time_end + 4), Some(b" UTC" | b" GMT"))
        .then(|| &text[time_end + 1..time_end + 4]);
    let end = time_end + utc.map_or(0, |_| 4);
    let parts = [&text[..3], &text[d0..d0 + d]];
    Some((Parts::Syslog(parts, year, &text[t..time_end], utc), end))
}

/// At least one space at `i`: how many.
fn spaces1(b: &[u8], i: usize) -> Option<usize> {
    let n = spaces_fwd(b, i);
    (n > 0).then_some(n)
}

/// `^\[?(1\d{9})(?:\.(\d{1,6}))?\]?\s`
fn epoch(text: &str, i: usize) -> Option<(Parts<'_>, usize)> {
    let b = text.as_bytes();
    if !(byte_is(b, i, b'1') && digits_at(b, i, 10)) {
        return None;
    }
    let f = opt_frac(b, i + 10, b".", 6);
    let end = close(b, f);
    if !b.get(end).is_some_and(|&c| is_space(c)) {
        return None;
    }
    let frac = (f > i + 10).then(|| &text[i + 11..f]);
    Some((Parts::Epoch(&text[i..i + 10], frac), end + 1))
}

/// `^(\d{1,2}:\d{2}:\d{2}(?:[.:,]\d{1,3})?)\s`
fn time_only(text: &str) -> Option<(Parts<'_>, usize)> {
    let b = text.as_bytes();
    let end = opt_frac(b, hms(b, 0)?, b".:,", 3);
    if !b.get(end).is_some_and(|&c| is_space(c)) {
        return None;
    }
    Some((Parts::TimeOnly(&text[..end]), end + 1))
}

#[cfg(test)]
mod tests;
