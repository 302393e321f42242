//! Hand-written equivalents of the envelope regexes (`BODY`, `PREFIX`,
//! `FACILITY`, `HEADER`) for ASCII text: the same matches and groups, without
//! a capture search on every line. Callers keep the regex for non-ASCII text,
//! where Unicode `\d`, `\s` and `\b` could differ; the tests below check the
//! two agree.

use crate::scan::{
    byte_is, digits_at, digits_fwd, is_space, is_word, month_like_at, run_back, run_fwd,
    spaces_fwd, ByteSet,
};

/// The groups of a CiscoLog body match (the `BODY` regex).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct BodyParts<'a> {
    /// Start of the match in the haystack.
    pub start: usize,
    /// End of the match; the `%` of the header is at `end - 1`.
    pub end: usize,
    /// CiscoLog sequence number.
    pub seq: Option<&'a str>,
    /// CiscoLog host.
    pub host: Option<&'a str>,
    /// A `*` before the month.
    pub unsync: bool,
    /// Three-letter month.
    pub month: &'a str,
    /// Day of month, 1-2 digits.
    pub day: &'a str,
    /// Year, 4 digits.
    pub year: &'a str,
    /// `H:MM:SS[.f]`.
    pub time: &'a str,
    /// `AM` / `PM` of the 12-hour variant.
    pub ampm: Option<&'a str>,
    /// Milliseconds printed after `AM` / `PM`.
    pub ampm_frac: Option<&'a str>,
    /// `UTC`, `GMT` or `+HHMM`.
    pub zone: Option<&'a str>,
}

/// The leftmost `BODY` match in ASCII `hay`.
///
/// Every match has a time `H:MM:SS` whose first colon is unique to it, and
/// matches are ordered like those colons; so each colon is tried in turn: the
/// stamp is read backwards from it (hour, year, day, month, `*`), then forwards
/// (fraction, AM/PM, zone, ` : %`), then the optional `SEQ: [HOST[:] ]` before.
pub(super) fn body(hay: &str) -> Option<BodyParts<'_>> {
    debug_assert!(hay.is_ascii());
    memchr::memchr_iter(b':', hay.as_bytes()).find_map(|c| body_at(hay, c))
}

/// The match whose time has its first colon at `c`, if any.
fn body_at(hay: &str, c: usize) -> Option<BodyParts<'_>> {
    let b = hay.as_bytes();
    if !(digits_at(b, c + 1, 2) && byte_is(b, c + 3, b':') && digits_at(b, c + 4, 2)) {
        return None;
    }
    let hour = c - hour_len(b, c)?;
    let [m, d, day_end, y] = date_back(b, hour)?;
    let unsync = m > 0 && b[m - 1] == b'*';
    let core = m - usize::from(unsync);
    let tail = stamp_tail(b, c + 6)?;
    let (start, seq, host) = seq_host_back(b, core);
    let s = |r: Pos| &hay[r.0..r.1];
    Some(BodyParts {
        start,
        end: tail.end,
        seq: seq.map(s),
        host: host.map(s),
        unsync,
        month: &hay[m..m + 3],
        day: &hay[d..day_end],
        year: &hay[y..y + 4],
        time: &hay[hour..tail.time_end],
        ampm: tail.ampm.map(s),
        ampm_frac: tail.ampm_frac.map(s),
        zone: tail.zone.map(s),
    })
}

/// Length (1 or 2) of the hour before the colon at `c`.
fn hour_len(b: &[u8], c: usize) -> Option<usize> {
    let n = run_back(b, c, 3, |x| x.is_ascii_digit());
    (1..=2).contains(&n).then_some(n)
}

/// Start of the month, start and end of the day and start of the year
/// before the hour at `hour` (`MMM +D{1,2} +YYYY +`).
fn date_back(b: &[u8], hour: usize) -> Option<[usize; 4]> {
    let year_end = hour - spaces_back(b, hour)?;
    if run_back(b, year_end, 5, |x| x.is_ascii_digit()) != 4 {
        return None;
    }
    let year = year_end - 4;
    let day_end = year - spaces_back(b, year)?;
    let n = run_back(b, day_end, 3, |x| x.is_ascii_digit());
    if !(1..=2).contains(&n) {
        return None;
    }
    let day = day_end - n;
    let month = (day - spaces_back(b, day)?).checked_sub(3)?;
    month_like_at(b, month).then_some([month, day, day_end, year])
}

/// At least one space just before `end`: how many.
fn spaces_back(b: &[u8], end: usize) -> Option<usize> {
    let n = run_back(b, end, usize::MAX, |x| x == b' ');
    (n > 0).then_some(n)
}

/// A byte range `(start, end)`.
type Pos = (usize, usize);
/// An optional byte range.
type Span = Option<Pos>;

/// What follows `HH:MM:SS` in a body match.
struct Tail {
    /// End of the time (after its fraction).
    time_end: usize,
    ampm: Span,
    ampm_frac: Span,
    zone: Span,
    /// End of the match (after the `%`).
    end: usize,
}

/// After `HH:MM:SS` at `i`: `[.f{1,9}]`, `[ +AM|PM[.f{1,6}]]`, `[ *ZONE]`, ` *: *%`.
fn stamp_tail(b: &[u8], i: usize) -> Option<Tail> {
    let time_end = fraction(b, i, 9)?;
    let (ampm, ampm_frac, i) = am_pm(b, time_end)?;
    let z = i + spaces_fwd(b, i);
    let zone = if matches!(b.get(z..z + 3), Some(b"UTC" | b"GMT")) {
        Some((z, z + 3))
    } else if matches!(b.get(z), Some(b'+' | b'-')) && digits_at(b, z + 1, 4) {
        Some((z, z + 5))
    } else {
        None
    };
    let i = zone.map_or(i, |z| z.1);
    let colon = i + spaces_fwd(b, i);
    if !byte_is(b, colon, b':') {
        return None;
    }
    let pct = colon + 1 + spaces_fwd(b, colon + 1);
    byte_is(b, pct, b'%').then_some(Tail {
        time_end,
        ampm,
        ampm_frac,
        zone,
        end: pct + 1,
    })
}

/// The optional ` +AM|PM[.f{1,6}]` at `i`: its spans and where it ends.
fn am_pm(b: &[u8], i: usize) -> Option<(Span, Span, usize)> {
    let sp = spaces_fwd(b, i);
    let at = i + sp;
    if sp == 0 || !matches!(b.get(at..at + 2), Some(b"AM" | b"PM")) {
        return Some((None, None, i));
    }
    let end = fraction(b, at + 2, 6)?;
    let frac = (end > at + 2).then_some((at + 3, end));
    Some((Some((at, at + 2)), frac, end))
}

/// An optional `.` and 1 to `max` digits at `i`: the end. `None` when more
/// digits follow (no match can continue with a digit there).
fn fraction(b: &[u8], i: usize, max: usize) -> Option<usize> {
    if !byte_is(b, i, b'.') {
        return Some(i);
    }
    match digits_fwd(b, i + 1, max + 1) {
        0 => Some(i),
        n if n > max => None,
        n => Some(i + 1 + n),
    }
}

/// The optional `SEQ: [HOST[:] +]` before the stamp at `core` (which needs a
/// space before it): match start, sequence and host spans. The form with a
/// host starts further left, so it is preferred, as the regex does.
fn seq_host_back(b: &[u8], core: usize) -> (usize, Span, Span) {
    let Some(sp) = spaces_back(b, core) else {
        return (core, None, None);
    };
    let j = core - sp;
    if let Some((start, seq, host)) = with_host(b, j) {
        return (start, Some(seq), Some(host));
    }
    if j > 0 && b[j - 1] == b':' {
        if let Some(q) = seq_start(b, j - 1) {
            return (q, Some((q, j - 1)), None);
        }
    }
    (core, None, None)
}

/// `SEQ: +HOST[:]` ending at `j`: start, sequence span, host span.
fn with_host(b: &[u8], j: usize) -> Option<(usize, Pos, Pos)> {
    let host_end = if j > 0 && b[j - 1] == b':' { j - 1 } else { j };
    let host = host_end - run_back(b, host_end, usize::MAX, is_host_byte);
    if host == host_end || !b[host].is_ascii_alphanumeric() {
        return None;
    }
    let colon = host.checked_sub(spaces_back(b, host)? + 1)?;
    if b[colon] != b':' {
        return None;
    }
    let q = seq_start(b, colon)?;
    Some((q, (q, colon), (host, host_end)))
}

/// Start of the digits before the colon at `colon`, at a word boundary.
fn seq_start(b: &[u8], colon: usize) -> Option<usize> {
    let n = run_back(b, colon, usize::MAX, |x| x.is_ascii_digit());
    let q = colon - n;
    (n > 0 && (q == 0 || !is_word(b[q - 1]))).then_some(q)
}

/// Bytes of a CiscoLog host: `[A-Za-z0-9_.\-]`.
static HOST: ByteSet = ByteSet::new(&[
    (b'0', b'9'),
    (b'A', b'Z'),
    (b'a', b'z'),
    (b'_', b'_'),
    (b'-', b'.'),
]);

fn is_host_byte(c: u8) -> bool {
    HOST.has(c)
}

/// The groups of a syslogd prefix (the `PREFIX` regex).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct PrefixParts<'a> {
    /// Three-letter month.
    pub month: &'a str,
    /// Day of month.
    pub day: &'a str,
    /// `H:MM:SS`.
    pub time: &'a str,
    /// Host.
    pub host: &'a str,
    /// End of the match (after the spaces that follow the host).
    pub end: usize,
}

/// `MMM +D{1,2} +H{1,2}:MM:SS +HOST( +|$)` at the start of ASCII `text`.
pub(super) fn prefix(text: &str) -> Option<PrefixParts<'_>> {
    debug_assert!(text.is_ascii());
    let b = text.as_bytes();
    if !month_like_at(b, 0) {
        return None;
    }
    let d = 3 + spaces1(b, 3)?;
    let dn = digits_fwd(b, d, 3);
    let h = d + dn + spaces1(b, d + dn)?;
    let hn = digits_fwd(b, h, 3);
    let time_end = h + hn + 6;
    let time_ok = byte_is(b, h + hn, b':')
        && digits_at(b, h + hn + 1, 2)
        && byte_is(b, h + hn + 3, b':')
        && digits_at(b, h + hn + 4, 2);
    if !(1..=2).contains(&dn) || !(1..=2).contains(&hn) || !time_ok {
        return None;
    }
    let host = time_end + spaces1(b, time_end)?;
    let n = run_fwd(b, host, usize::MAX, |c| {
        !is_space(c) && c != b':' && c != b'['
    });
    let after = host + n;
    let sp = spaces_fwd(b, after);
    if n == 0 || (sp == 0 && after < b.len()) {
        return None;
    }
    Some(PrefixParts {
        month: &text[..3],
        day: &text[d..d + dn],
        time: &text[h..time_end],
        host: &text[host..after],
        end: after + sp,
    })
}

/// At least one space at `i`: how many.
fn spaces1(b: &[u8], i: usize) -> Option<usize> {
    let n = spaces_fwd(b, i);
    (n > 0).then_some(n)
}

/// `(local\d+|[a-z]+) +[0-9]( +[a-z]{3})? ?: *` at the start of ASCII `rest`:
/// the facility and the match end.
pub(super) fn facility(rest: &str) -> Option<(&str, usize)> {
    let b = rest.as_bytes();
    let local = b
        .starts_with(b"local")
        .then(|| 5 + digits_fwd(b, 5, usize::MAX))
        .filter(|&e| e > 5 && byte_is(b, e, b' '));
    let name_end = local.or_else(|| {
        let e = run_fwd(b, 0, usize::MAX, |c| c.is_ascii_lowercase());
        (e > 0 && byte_is(b, e, b' ')).then_some(e)
    })?;
    let sev = name_end + spaces_fwd(b, name_end);
    if !b.get(sev).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let i = sev + 1;
    let sp = spaces_fwd(b, i);
    let with_ident = (sp > 0 && run_fwd(b, i + sp, 3, |c| c.is_ascii_lowercase()) == 3)
        .then(|| colon_end(b, i + sp + 3))
        .flatten();
    let end = with_ident.or_else(|| colon_end(b, i))?;
    Some((&rest[..name_end], end + spaces_fwd(b, end)))
}

/// ` ?:` at `i`: the end.
fn colon_end(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i..i + 2) {
        Some(b" :") => Some(i + 2),
        _ if byte_is(b, i, b':') => Some(i + 1),
        _ => None,
    }
}

/// The groups of a header (the `HEADER` regex).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct HeaderParts<'a> {
    /// Application.
    pub app: &'a str,
    /// Sub-facility.
    pub sub: Option<&'a str>,
    /// `-N-` severity digit.
    pub sev: Option<&'a str>,
    /// Name after the severity.
    pub name: Option<&'a str>,
    /// End of the match (after the colon).
    pub end: usize,
}

/// `%APP(-SUB)?(-N-NAME)? ?:` at the start of `text`. `Err(())` when a
/// non-ASCII character stands where the regex's Unicode `\d` could match it.
pub(super) fn header(text: &str) -> Result<Option<HeaderParts<'_>>, ()> {
    let b = text.as_bytes();
    if !(byte_is(b, 0, b'%') && b.get(1).is_some_and(u8::is_ascii_uppercase)) {
        return Ok(None);
    }
    let word = |i: usize| i + run_fwd(b, i, usize::MAX, is_word);
    let app = word(2);
    let mut i = app;
    let mut sub = None;
    if byte_is(b, i, b'-') && b.get(i + 1).is_some_and(u8::is_ascii_uppercase) {
        sub = Some(&text[i + 1..word(i + 2)]);
        i = word(i + 2);
    }
    let (mut sev, mut name) = (None, None);
    if byte_is(b, i, b'-') && b.get(i + 1).is_some_and(|&c| c >= 0x80) {
        return Err(());
    }
    if byte_is(b, i, b'-') && digits_at(b, i + 1, 1) && byte_is(b, i + 2, b'-') {
        let end = word(i + 3);
        if end > i + 3 {
            sev = Some(&text[i + 1..i + 2]);
            name = Some(&text[i + 3..end]);
            i = end;
        }
    }
    Ok(colon_end(b, i).map(|end| HeaderParts {
        app: &text[1..app],
        sub,
        sev,
        name,
        end,
    }))
}

#[cfg(test)]
mod tests;
