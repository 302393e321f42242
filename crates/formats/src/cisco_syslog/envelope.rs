//! The envelope of a line: rsyslog escapes, `<PRI>`, the syslogd prefix, the
//! CiscoLog sequence number, host and stamp, and the `%APP-SEV-NAME:` header.

use super::scan::{self, BodyParts, HeaderParts, PrefixParts};
use crate::timeparse::{month_from_abbrev, parse_hms, ymd};
use memchr::memmem::Finder;
use regex::Regex;
use std::borrow::Cow;
use std::sync::LazyLock;
use uctriage_core::jiff::civil::{DateTime, Time};
use uctriage_core::jiff::tz::Offset;
use uctriage_core::jiff::Timestamp;

/// A syslogd prefix: `MMM dd HH:MM:SS host [facility sev [ident] :]`.
pub(super) static PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Z][a-z]{2}) +(\d{1,2}) +(\d{1,2}:\d{2}:\d{2}) +([^\s:\[]+)(?: +|$)").unwrap()
});
/// What follows the host in a CiscoSyslog file: `local7 2 : ` (optional 3-letter ident).
pub(super) static FACILITY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(local\d+|[a-z]+) +([0-9])(?: +([a-z]{3}))? ?: *").unwrap());
/// The CiscoLog body up to the `%` of the header: `[SEQ: HOST[:] ][*]MMM dd YYYY HH:MM:SS[.mmm] [AM|PM[.mmm]] [TZ] :`.
pub(super) static BODY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?:\b(\d+): +(?:([A-Za-z0-9][A-Za-z0-9_.\-]*):? +)?)?(\*)?([A-Z][a-z]{2}) +(\d{1,2}) +(\d{4}) +",
        r"(\d{1,2}:\d{2}:\d{2}(?:\.\d{1,9})?)(?: +(AM|PM)(?:\.(\d{1,6}))?)?(?: *(UTC|GMT|[+-]\d{4}))? *: *%"
    ))
    .unwrap()
});
/// How far into a line the CiscoLog stamp is looked for.
const BODY_WINDOW: usize = 512;
/// JTAPI client / UCCX MIVR: `<seq>: MMM dd HH:MM:SS.mmm [TZ] %`.
pub(super) static JTAPI: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d+): ([A-Z][a-z]{2}) +(\d{1,2}) (\d{1,2}:\d{2}:\d{2}(?:\.\d{1,9})?)(?: ([A-Z][A-Za-z]{1,5}))? +%").unwrap()
});
/// The header `%APP[-SUB][-SEV-NAME][ ]:`.
pub(super) static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^%([A-Z][A-Za-z0-9_]*)(?:-([A-Z][A-Za-z0-9_]*))?(?:-(\d)-([A-Za-z0-9_]+))? ?:")
        .unwrap()
});

/// `%APP[-SUB][-SEV-NAME]`.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Header<'a> {
    /// Application (facility), e.g. `UC_CALLMANAGER`.
    pub app: &'a str,
    /// Sub-facility of the older and JTAPI forms, e.g. `CALLMANAGER`.
    pub sub: Option<&'a str>,
    /// The `-N-` severity number.
    pub sev: Option<u8>,
    /// Alarm / message name (the application name when the header has none).
    pub name: &'a str,
}

/// A syslogd local prefix, without year.
#[derive(Clone, Copy, Debug)]
pub(super) struct Prefix<'a> {
    /// Month 1-12.
    pub month: i8,
    /// Day of month.
    pub day: i8,
    /// Local time of day.
    pub time: Time,
    /// Host as printed (short name in a CiscoSyslog file).
    pub host: &'a str,
    /// `local7`, `local99`, ... when the CiscoSyslog file layout is present.
    pub facility: Option<&'a str>,
    /// Process and pid of a plain OS syslog line, or the rest of the prefix.
    pub tail: &'a str,
}

/// The CiscoLog stamp.
#[derive(Clone, Copy, Debug)]
pub(super) struct Stamp {
    /// Wall clock as printed (UTC when `ts` is set).
    pub dt: DateTime,
    /// The instant, when a zone (UTC or an offset) was stated.
    pub ts: Option<Timestamp>,
    /// A `*` before the month: clock not known to be synchronised.
    pub unsync: bool,
    /// How the instant was stated, for [`uctriage_core::RawTime::Absolute`].
    pub how: &'static str,
}

/// Everything around the message of one CiscoLog record, borrowed from its text.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Envelope<'a> {
    /// `<PRI>` value.
    pub pri: Option<u16>,
    /// syslogd / receiver prefix.
    pub prefix: Option<Prefix<'a>>,
    /// CiscoLog sequence number.
    pub seq: Option<&'a str>,
    /// CiscoLog host (FQDN, name or address).
    pub host: Option<&'a str>,
    /// CiscoLog stamp.
    pub stamp: Option<Stamp>,
    /// Local month, day and time of a JTAPI / MIVR line.
    pub local: Option<(i8, i8, Time)>,
    /// Zone abbreviation printed by JTAPI / MIVR (never used as a zone).
    pub zone_abbrev: Option<&'a str>,
    /// The header.
    pub header: Header<'a>,
    /// Text after the header colon.
    pub body: &'a str,
}

/// Un-escape rsyslog control-character escapes (`#012` newline, `#011` tab,
/// any `#0NN` octal below 040). A `#0` followed by a digit that does not make
/// a valid escape is kept as is and reported.
pub(super) fn unescape(text: &str) -> (Cow<'_, str>, Option<String>) {
    static ESCAPE: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new("#0"));
    let b = text.as_bytes();
    let Some(first) = ESCAPE.find(b) else {
        return (Cow::Borrowed(text), None);
    };
    let mut out = String::with_capacity(text.len());
    let (mut i, mut last, mut bad) = (first, 0, None);
    while let Some(off) = ESCAPE.find(&b[i..]) {
        let at = i + off;
        let (d1, d2) = (b.get(at + 2).copied(), b.get(at + 3).copied());
        match (d1, d2) {
            (Some(x @ b'0'..=b'3'), Some(y @ b'0'..=b'7')) => {
                out.push_str(&text[last..at]);
                out.push(char::from((x - b'0') * 8 + (y - b'0')));
                last = at + 4;
                i = at + 4;
            }
            (Some(x), _) if x.is_ascii_digit() || at + 3 >= b.len() => {
                bad.get_or_insert_with(|| {
                    let mut end = b.len().min(at + 4);
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    format!("invalid rsyslog escape `{}` kept as is", &text[at..end])
                });
                i = at + 2;
            }
            _ => i = at + 2,
        }
    }
    out.push_str(&text[last..]);
    (Cow::Owned(out), bad)
}

/// Split a leading `<PRI>` off.
pub(super) fn strip_pri(text: &str) -> (Option<u16>, &str) {
    let Some(rest) = text.strip_prefix('<') else {
        return (None, text);
    };
    let Some(end) = rest.find('>') else {
        return (None, text);
    };
    match rest[..end].parse::<u16>() {
        Ok(v) if end <= 3 => (Some(v), &rest[end + 1..]),
        _ => (None, text),
    }
}

/// Parse a syslogd prefix at the start of `text`; `Err` for an impossible date.
pub(super) fn prefix(text: &str) -> Result<Option<(Prefix<'_>, &str)>, String> {
    let Some(c) = prefix_parts(text) else {
        return Ok(None);
    };
    let month = month_from_abbrev(c.month).ok_or_else(|| format!("unknown month `{}`", c.month))?;
    let day: i8 = c.day.parse().map_err(|_| "bad day".to_string())?;
    ymd(2000, month as i64, day as i64)
        .ok_or_else(|| format!("impossible syslog date `{} {}`", c.month, c.day))?;
    let time = parse_hms(c.time).ok_or_else(|| format!("impossible syslog time `{}`", c.time))?;
    let rest = &text[c.end..];
    let (facility, rest) = match facility_parts(rest) {
        Some((f, end)) => (Some(f), &rest[end..]),
        None => (None, rest),
    };
    let p = Prefix {
        month,
        day,
        time,
        host: c.host,
        facility,
        tail: "",
    };
    Ok(Some((p, rest)))
}

/// The `PREFIX` groups at the start of `text`.
pub(super) fn prefix_parts(text: &str) -> Option<PrefixParts<'_>> {
    if text.is_ascii() {
        return scan::prefix(text);
    }
    prefix_by_regex(text)
}

/// The `PREFIX` groups by the regex (for non-ASCII lines, and the reference
/// the hand reader is tested against).
pub(super) fn prefix_by_regex(text: &str) -> Option<PrefixParts<'_>> {
    let c = PREFIX.captures(text)?;
    Some(PrefixParts {
        month: c.get(1)?.as_str(),
        day: c.get(2)?.as_str(),
        time: c.get(3)?.as_str(),
        host: c.get(4)?.as_str(),
        end: c.get(0)?.end(),
    })
}

/// The facility and match end of `FACILITY` at the start of `rest`.
pub(super) fn facility_parts(rest: &str) -> Option<(&str, usize)> {
    if rest.is_ascii() {
        return scan::facility(rest);
    }
    let f = FACILITY.captures(rest)?;
    Some((f.get(1)?.as_str(), f.get(0)?.end()))
}

/// Find the CiscoLog body; returns its start, the envelope (without header) and the `%` index.
pub(super) fn body(text: &str) -> Option<Result<(usize, Envelope<'_>, usize), String>> {
    // The stamp sits within the first few hundred bytes (receiver prefix,
    // sequence number, host); searching only there keeps long RTMT alert
    // lines cheap.
    let mut end = text.len().min(BODY_WINDOW);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let hay = &text[..end];
    let c = body_parts(hay)?;
    Some(stamp(&c, &hay[c.start..c.end]).map(|s| {
        let env = Envelope {
            seq: c.seq,
            host: c.host,
            stamp: Some(s),
            ..Envelope::default()
        };
        (c.start, env, c.end - 1)
    }))
}

/// The leftmost `BODY` match in `hay`: by hand on ASCII text, else by the regex.
pub(super) fn body_parts(hay: &str) -> Option<BodyParts<'_>> {
    if hay.is_ascii() {
        scan::body(hay)
    } else {
        body_by_regex(hay)
    }
}

/// The leftmost `BODY` match in `hay`, by the regex.
pub(super) fn body_by_regex(hay: &str) -> Option<BodyParts<'_>> {
    // Find the match with the fast DFA first, then resolve groups on that
    // span only: a capture search costs in proportion to its haystack.
    let found = BODY.find(hay)?;
    let base = found.start();
    let c = BODY.captures(&hay[base..found.end()])?;
    let m = c.get(0)?;
    let g = |i| c.get(i).map(|m| m.as_str());
    Some(BodyParts {
        start: base + m.start(),
        end: base + m.end(),
        seq: g(1),
        host: g(2),
        unsync: c.get(3).is_some(),
        month: g(4)?,
        day: g(5)?,
        year: g(6)?,
        time: g(7)?,
        ampm: g(8),
        ampm_frac: g(9),
        zone: g(10),
    })
}

/// The stamp of a body match (`whole` is the matched text).
fn stamp(c: &BodyParts<'_>, whole: &str) -> Result<Stamp, String> {
    let month = month_from_abbrev(c.month).ok_or_else(|| format!("unknown month `{}`", c.month))?;
    let date = ymd(
        c.year.parse().unwrap_or(0),
        month as i64,
        c.day.parse().unwrap_or(0),
    )
    .ok_or_else(|| {
        format!(
            "impossible date `{} {} {}` in the CiscoLog stamp",
            c.month, c.day, c.year
        )
    })?;
    let mut time = parse_hms(c.time)
        .ok_or_else(|| format!("impossible time `{}` in the CiscoLog stamp", c.time))?;
    if let Some(ampm) = c.ampm {
        // UNCONFIRMED audit-log variant `07:10:40 AM.781 UTC` (third-party test only).
        time = twelve_hour(time, ampm == "PM", c.ampm_frac)
            .ok_or_else(|| format!("impossible 12-hour time `{whole}`"))?;
    }
    let dt = date.to_datetime(time);
    let (offset, how) = match c.zone {
        Some("UTC") | Some("GMT") => (Some(Offset::UTC), "CiscoLog UTC stamp"),
        Some(off) => (Some(parse_offset(off)?), "CiscoLog stamp with offset"),
        None => (None, "CiscoLog stamp without zone"),
    };
    let ts = offset
        .map(|o| o.to_timestamp(dt).map_err(|e| e.to_string()))
        .transpose()?;
    Ok(Stamp {
        dt,
        ts,
        unsync: c.unsync,
        how,
    })
}

fn twelve_hour(t: Time, pm: bool, ms: Option<&str>) -> Option<Time> {
    if !(1..=12).contains(&t.hour()) {
        return None;
    }
    let hour = (t.hour() % 12) + if pm { 12 } else { 0 };
    let nanos = match ms {
        Some(ms) => ms.parse::<i32>().ok()? * 10i32.pow(9 - ms.len() as u32),
        None => t.subsec_nanosecond(),
    };
    Time::new(hour, t.minute(), t.second(), nanos).ok()
}

fn parse_offset(s: &str) -> Result<Offset, String> {
    let sign = if s.starts_with('-') { -1 } else { 1 };
    let h: i32 = s[1..3].parse().map_err(|_| format!("bad offset `{s}`"))?;
    let m: i32 = s[3..5].parse().map_err(|_| format!("bad offset `{s}`"))?;
    if h > 14 || m > 59 {
        return Err(format!("impossible offset `{s}`"));
    }
    Offset::from_seconds(sign * (h * 3600 + m * 60)).map_err(|e| e.to_string())
}

/// A JTAPI / MIVR record start: the envelope and the `%` index.
pub(super) fn jtapi(text: &str) -> Option<Result<(Envelope<'_>, usize), String>> {
    // Most lines start with a letter: no need to ask the regex (`^\d`).
    if !text
        .as_bytes()
        .first()
        .is_some_and(|c| c.is_ascii_digit() || !c.is_ascii())
    {
        return None;
    }
    let c = JTAPI.captures(text)?;
    let end = c.get(0)?.end() - 1;
    let parsed = (|| {
        let month = month_from_abbrev(&c[2]).ok_or_else(|| format!("unknown month `{}`", &c[2]))?;
        let day: i8 = c[3].parse().map_err(|_| "bad day".to_string())?;
        ymd(2000, month as i64, day as i64)
            .ok_or_else(|| format!("impossible date `{} {}`", &c[2], &c[3]))?;
        let time = parse_hms(&c[4]).ok_or_else(|| format!("impossible time `{}`", &c[4]))?;
        Ok(Envelope {
            seq: c.get(1).map(|m| m.as_str()),
            local: Some((month, day, time)),
            zone_abbrev: c.get(5).map(|m| m.as_str()),
            ..Envelope::default()
        })
    })();
    Some(parsed.map(|e| (e, end)))
}

/// Parse the header at the start of `text` (which begins with `%`); returns it and the body.
pub(super) fn header(text: &str) -> Option<(Header<'_>, &str)> {
    let c = header_parts(text)?;
    let h = Header {
        name: c.name.unwrap_or(c.app),
        sub: c.sub,
        sev: c.sev.and_then(|s| s.parse().ok()),
        app: c.app,
    };
    Some((h, crate::scan::trim_start(&text[c.end..])))
}

/// The `HEADER` groups at the start of `text`: by hand, or by the regex when
/// a non-ASCII character stands where it could read a digit.
pub(super) fn header_parts(text: &str) -> Option<HeaderParts<'_>> {
    match scan::header(text) {
        Ok(parts) => parts,
        Err(_) => header_by_regex(text),
    }
}

/// The `HEADER` groups by the regex (the reference the hand reader is
/// tested against).
pub(super) fn header_by_regex(text: &str) -> Option<HeaderParts<'_>> {
    let c = HEADER.captures(text)?;
    let g = |i| c.get(i).map(|m| m.as_str());
    Some(HeaderParts {
        app: g(1)?,
        sub: g(2),
        sev: g(3),
        name: g(4),
        end: c.get(0)?.end(),
    })
}

/// True when `text` starts like a CiscoLog stamp (the second half of a split record).
pub(super) fn starts_with_stamp(text: &str) -> bool {
    static START: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\s*\*?[A-Z][a-z]{2} +\d{1,2} +\d{4} +\d{1,2}:\d{2}:\d{2}").unwrap()
    });
    START.is_match(text)
}

/// True when `text` is the first half of a record split after `<seq>: <fqdn>:`
/// (C-214607) or after the stamp's `UTC:` (a wrapped page).
pub(super) fn is_split_head(text: &str) -> bool {
    static HEAD: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(concat!(
            r"^(?:<\d{1,3}>)?[A-Z][a-z]{2} +\d{1,2} +\d{1,2}:\d{2}:\d{2} +\S+ .*\b\d+: +[A-Za-z0-9][A-Za-z0-9_.\-]*:\s*$",
            r"|\b\d{4} +\d{1,2}:\d{2}:\d{2}(?:\.\d{1,9})? *(?:UTC|GMT|[+-]\d{4}) *:\s*$"
        ))
        .unwrap()
    });
    !text.contains('%') && HEAD.is_match(text)
}

/// True when `text` is a record whose tag list is empty or cut by a line wrap.
fn cut_record(text: &str) -> bool {
    if !may_be_cut(text) {
        return false;
    }
    let Some(Ok((_, _, pct))) = body(text) else {
        return false;
    };
    let Some((_, rest)) = header(&text[pct..]) else {
        return false;
    };
    rest.trim().is_empty()
        || rest
            .rfind('[')
            .is_some_and(|o| rest.rfind(']').is_none_or(|c| c < o))
}

/// What [`cut_record`] asks of the text after the header, asked of the whole
/// line (of which that text is the end): it ends with the header's colon, or
/// its last `[` is not closed. Most lines fail this and need no parse.
fn may_be_cut(text: &str) -> bool {
    let b = text.as_bytes();
    crate::scan::trim_end(text).ends_with(':')
        || memchr::memrchr(b'[', b).is_some_and(|o| memchr::memrchr(b']', b).is_none_or(|c| c < o))
}

/// True when `text` should wait for the next line before it is parsed.
pub(super) fn holdable(text: &str) -> bool {
    is_split_head(text) || cut_record(text)
}

/// True when `next` starts a record of its own.
fn starts_record(next: &str) -> bool {
    let t = strip_pri(next).1;
    starts_with_stamp(t)
        || t.starts_with('%')
        || PREFIX.is_match(t)
        || JTAPI.is_match(t)
        || BODY.is_match(t)
}

/// True when `next` completes the held line `head`.
pub(super) fn continues(head: &str, next: &str) -> bool {
    if next.trim().is_empty() {
        return false;
    }
    if is_split_head(head) {
        let n = next.trim_start();
        return starts_with_stamp(n) || (n.starts_with('%') && header(n).is_some());
    }
    let n = next.trim_start();
    n.starts_with('[') || n.starts_with("%[") || !starts_record(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_decoded_and_bad_ones_reported() {
        assert_eq!(unescape("a#012b#011c").0, "a\nb\tc");
        assert_eq!(unescape("port #5 #1234").0, "port #5 #1234");
        let (t, bad) = unescape("x #09 y #01");
        assert_eq!(t, "x #09 y #01");
        assert!(bad.unwrap().contains("#09"));
    }

    #[test]
    fn headers_of_every_flavour() {
        let (h, rest) = header("%CCM_CALLMANAGER-CALLMANAGER-3-CodeYellowEntry: x").unwrap();
        assert_eq!(
            (h.app, h.sub, h.sev, h.name, rest),
            (
                "CCM_CALLMANAGER",
                Some("CALLMANAGER"),
                Some(3),
                "CodeYellowEntry",
                "x"
            )
        );
        let (h, _) = header("%ICM_Router_CallRouter-6-10500FF: [comp=a]").unwrap();
        assert_eq!((h.sub, h.sev, h.name), (None, Some(6), "10500FF"));
        let (h, _) = header("%ICM_Router_ProcessSynchronization: [comp=a]").unwrap();
        assert_eq!((h.sev, h.name), (None, "ICM_Router_ProcessSynchronization"));
        let (h, rest) = header("%UC_SERVICEMANAGER-2-ServiceStartFailed : %[a=b]").unwrap();
        assert_eq!((h.name, rest), ("ServiceStartFailed", "%[a=b]"));
    }

    #[test]
    fn cut_records_pass_the_cheap_check() {
        let head = "Jul 12 06:17:42 pub local7 3 : 1: pub.x.com: Jul 12 2019 11:17:42.311 UTC : ";
        for (tail, cut) in [
            ("%UC_X-3-Y: ", true),
            ("%UC_X-3-Y: %[A=1][B=", true),
            ("%UC_X-3-Y: %[A=1][B=x [y]", false),
            ("%UC_X-3-Y: %[A=1][B=x] [y", true),
            ("%UC_X-3-Y: %[A=1][B=2]: text", false),
            ("%UC_X-3-Y: %[A=1][B=2]: text [x", true),
            ("%UC_X-3-Y: plain text", false),
        ] {
            let line = format!("{head}{tail}");
            assert_eq!(cut_record(&line), cut, "{line}");
            assert!(!cut || may_be_cut(&line), "{line}");
        }
    }

    #[test]
    fn twelve_hour_audit_stamp() {
        let (_, env, _) = body("May 1 2019 07:10:40 PM.781 UTC : %UC_AUDITLOG-5-X: y")
            .unwrap()
            .unwrap();
        assert_eq!(
            env.stamp.unwrap().ts.unwrap().to_string(),
            "2019-05-01T19:10:40.781Z"
        );
    }
}
