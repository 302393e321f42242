//! One CCBU CiscoLog record split into its parts, by hand in one pass:
//! `[<seq>: [<host>]:] <MMM dd yyyy HH:MM:SS.mmm> <±HHMM>: %<APP>-<sev>-<ID>: [%[k=v]...:] <text>`.

use crate::timeparse::{month_from_abbrev, parse_hms, ymd};
use uctriage_core::jiff::tz::Offset;
use uctriage_core::jiff::Timestamp;

/// The parts of one record, borrowed from its line.
#[derive(Debug, PartialEq)]
pub(super) struct Record<'a> {
    /// Sequence number, when printed.
    pub seq: Option<&'a str>,
    /// Host (address or name) of the writer, when printed and not empty.
    pub host: Option<&'a str>,
    /// The instant the stamp states.
    pub ts: Timestamp,
    /// The stamp's UTC offset, in seconds.
    pub offset_seconds: i32,
    /// The header application before the severity: `CCBU_CTIMessageEventExecutor-0`, `CVP_12_5_SIP`.
    pub app: &'a str,
    /// The severity digit.
    pub sev: u8,
    /// The message id after the severity: `DECODED_MESSAGE_FROM_CTI_SERVER`.
    pub msg_id: &'a str,
    /// `[name=value]` tags, outer brackets removed (values may hold brackets).
    pub tags: Vec<(&'a str, &'a str)>,
    /// Free text after the tags.
    pub text: &'a str,
}

impl<'a> Record<'a> {
    /// The value of the first tag called `name`.
    pub fn tag(&self, name: &str) -> Option<&'a str> {
        self.tags.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
}

/// Why a line that looked like a record was not one (reported as a problem).
#[derive(Debug, PartialEq)]
pub(super) enum Reject {
    /// Not a record start at all: a continuation line, or another format.
    NotARecord,
    /// A record start whose stamp does not make a real instant.
    BadStamp(String),
}

/// Split a record line; [`Reject::NotARecord`] for lines that start none.
pub(super) fn split(line: &str) -> Result<Record<'_>, Reject> {
    let b = line.as_bytes();
    let (seq, host, at) = prefix(line);
    let at = at + spaces(&b[at..]);
    let (ts, offset_seconds, after) = stamp(line, at)?;
    let rest = line[after..].trim_start();
    let Some(header) = rest.strip_prefix('%') else {
        return Err(Reject::NotARecord);
    };
    let colon = header.find(':').ok_or(Reject::NotARecord)?;
    let (app, sev, msg_id) = split_header(&header[..colon]).ok_or(Reject::NotARecord)?;
    let (tags, text) = body(&header[colon + 1..]);
    Ok(Record {
        seq,
        host,
        ts,
        offset_seconds,
        app,
        sev,
        msg_id,
        tags,
        text,
    })
}

/// Whether `line` could start a record (a cheap test for detection).
pub(super) fn looks_like_record(line: &str) -> bool {
    matches!(split(line), Ok(_) | Err(Reject::BadStamp(_)))
}

fn spaces(b: &[u8]) -> usize {
    b.iter().take_while(|c| **c == b' ' || **c == b'\t').count()
}

/// `<seq>: <host>: ` or `<seq>:: ` (empty host) or `<seq>: ` or nothing:
/// the sequence, the host, and where the stamp should start.
fn prefix(line: &str) -> (Option<&str>, Option<&str>, usize) {
    let b = line.as_bytes();
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || b.get(digits) != Some(&b':') {
        return (None, None, 0);
    }
    let seq = &line[..digits];
    let mut i = digits + 1;
    if b.get(i) == Some(&b':') {
        // `0000837786:: Jun 20 ...`: the host is empty.
        return (Some(seq), None, i + 1);
    }
    i += spaces(&b[i..]);
    let token = b[i..]
        .iter()
        .take_while(|c| !matches!(c, b' ' | b'\t' | b':'))
        .count();
    if token > 0 && b.get(i + token) == Some(&b':') {
        let host = &line[i..i + token];
        // An IPv6 address would hold colons: such hosts are not split here
        // (UNCONFIRMED whether Finesse ever prints one).
        return (Some(seq), Some(host), i + token + 1);
    }
    (Some(seq), None, i)
}

/// `MMM d[d] yyyy H[H]:MM:SS[.fff] ±HHMM` then optional spaces and `:`.
fn stamp(line: &str, at: usize) -> Result<(Timestamp, i32, usize), Reject> {
    let b = line.as_bytes();
    let mut i = at;
    let word = |i: usize, pred: fn(&u8) -> bool| {
        b[i.min(b.len())..].iter().take_while(|c| pred(c)).count()
    };
    let mon_len = word(i, u8::is_ascii_alphabetic);
    if mon_len != 3 {
        return Err(Reject::NotARecord);
    }
    let month = month_from_abbrev(&line[i..i + 3]).ok_or(Reject::NotARecord)?;
    i += 3;
    let step = |i: usize| -> Result<usize, Reject> {
        match spaces(&b[i.min(b.len())..]) {
            0 => Err(Reject::NotARecord),
            n => Ok(i + n),
        }
    };
    i = step(i)?;
    let day_len = word(i, u8::is_ascii_digit);
    if !(1..=2).contains(&day_len) {
        return Err(Reject::NotARecord);
    }
    let day: i64 = line[i..i + day_len]
        .parse()
        .map_err(|_| Reject::NotARecord)?;
    i = step(i + day_len)?;
    if word(i, u8::is_ascii_digit) != 4 {
        return Err(Reject::NotARecord);
    }
    let year: i64 = line[i..i + 4].parse().map_err(|_| Reject::NotARecord)?;
    i = step(i + 4)?;
    let time_len = b[i..]
        .iter()
        .take_while(|c| c.is_ascii_digit() || matches!(c, b':' | b'.'))
        .count();
    let time_text = &line[i..i + time_len];
    i = step(i + time_len)?;
    let sign = match b.get(i) {
        Some(b'+') => 1,
        Some(b'-') => -1,
        _ => return Err(Reject::NotARecord),
    };
    if word(i + 1, u8::is_ascii_digit) != 4 {
        return Err(Reject::NotARecord);
    }
    let hh: i32 = line[i + 1..i + 3].parse().map_err(|_| Reject::NotARecord)?;
    let mm: i32 = line[i + 3..i + 5].parse().map_err(|_| Reject::NotARecord)?;
    i += 5;
    i += spaces(&b[i..]);
    if b.get(i) != Some(&b':') {
        return Err(Reject::NotARecord);
    }
    let stamp_text = || line[at..i].trim().to_string();
    let time = parse_hms(time_text).ok_or_else(|| Reject::BadStamp(stamp_text()))?;
    let date = ymd(year, i64::from(month), day).ok_or_else(|| Reject::BadStamp(stamp_text()))?;
    if hh > 14 || mm > 59 {
        return Err(Reject::BadStamp(stamp_text()));
    }
    let seconds = sign * (hh * 3600 + mm * 60);
    let offset = Offset::from_seconds(seconds).map_err(|_| Reject::BadStamp(stamp_text()))?;
    let ts = offset
        .to_timestamp(date.to_datetime(time))
        .map_err(|_| Reject::BadStamp(stamp_text()))?;
    Ok((ts, seconds, i + 1))
}

/// `<app>-<sev>-<id>`: the severity is the last `-<digit>-` (thread names
/// such as `pool-2-thread-5` hold dashes and digits themselves).
fn split_header(h: &str) -> Option<(&str, u8, &str)> {
    let b = h.as_bytes();
    let at = (1..b.len().saturating_sub(2))
        .rev()
        .find(|&i| b[i - 1] == b'-' && b[i].is_ascii_digit() && b[i + 1] == b'-')?;
    let app = &h[..at - 1];
    let id = &h[at + 2..];
    if app.is_empty() || id.trim().is_empty() || !app.as_bytes()[0].is_ascii_alphabetic() {
        return None;
    }
    Some((app, b[at] - b'0', id.trim()))
}

/// The body after the header colon: `%[k=v][k=v]: text` or plain text.
/// Values may hold brackets (`[cti_message=CTIAgentStateEvent [a=1, b=2]]`):
/// groups are matched by depth. An unterminated list keeps what it has and
/// leaves the rest as text.
fn body(s: &str) -> (Vec<(&str, &str)>, &str) {
    let t = s.trim_start();
    let Some(list) = t.strip_prefix("%[").map(|_| &t[1..]) else {
        return (Vec::new(), t.trim_end());
    };
    let b = list.as_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    while b.get(i) == Some(&b'[') {
        let mut depth = 0usize;
        let mut end = None;
        for (j, c) in b.iter().enumerate().skip(i) {
            match c {
                b'[' => depth += 1,
                b']' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(j);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            // Unterminated: the rest is text.
            return (tags, list[i..].trim());
        };
        let inner = &list[i + 1..end];
        match inner.split_once('=') {
            Some((k, v)) => tags.push((k.trim(), v.trim())),
            None => tags.push((inner.trim(), "")),
        }
        i = end + 1;
    }
    let rest = list[i..].trim_start();
    let text = rest.strip_prefix(':').unwrap_or(rest);
    (tags, text.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_is_the_last_single_digit_between_dashes() {
        assert_eq!(
            split_header("CCBU_pool-2-thread-5-6-QUEUE_STATISTICS_REQUEST"),
            Some(("CCBU_pool-2-thread-5", 6, "QUEUE_STATISTICS_REQUEST"))
        );
        assert_eq!(
            split_header("CCBU_CTIMessageEventExecutor-0-6-DECODED_MESSAGE_FROM_CTI_SERVER"),
            Some((
                "CCBU_CTIMessageEventExecutor-0",
                6,
                "DECODED_MESSAGE_FROM_CTI_SERVER"
            ))
        );
        assert_eq!(
            split_header("CVP_12_5_SIP-3-CALL_ERROR"),
            Some(("CVP_12_5_SIP", 3, "CALL_ERROR"))
        );
        assert_eq!(split_header("CCBU_x-66-Y"), None);
        assert_eq!(split_header("-6-Y"), None);
        assert_eq!(split_header(""), None);
        assert_eq!(split_header("A-6-"), None);
    }

    #[test]
    fn nested_brackets_stay_in_their_tag() {
        let (tags, text) =
            body(" %[cti_message=Ev [a=1, b=[]]Bean [x=2]][cti_response_time=0]: Decoded text");
        assert_eq!(
            tags,
            vec![
                ("cti_message", "Ev [a=1, b=[]]Bean [x=2]"),
                ("cti_response_time", "0")
            ]
        );
        assert_eq!(text, "Decoded text");
        let (tags, text) = body(" %[ERROR=x][open=[never closed");
        assert_eq!(tags, vec![("ERROR", "x")]);
        assert_eq!(text, "[open=[never closed");
        assert_eq!(body("  plain words "), (vec![], "plain words"));
    }

    #[test]
    fn prefixes_with_and_without_sequence_and_host() {
        assert_eq!(
            prefix("0051203603: 10.106.81.82: Apr"),
            (Some("0051203603"), Some("10.106.81.82"), 25)
        );
        assert_eq!(prefix("0000837786:: Jun"), (Some("0000837786"), None, 12));
        assert_eq!(prefix("Sep 22 2014"), (None, None, 0));
        assert_eq!(prefix("101: Mar 24"), (Some("101"), None, 5));
    }

    #[test]
    fn bad_stamps_are_rejected_with_their_text() {
        let e = split("1: h: Feb 30 2017 10:00:00.000 -0700: %CCBU_x-6-Y: z").unwrap_err();
        assert_eq!(e, Reject::BadStamp("Feb 30 2017 10:00:00.000 -0700".into()));
        assert!(matches!(
            split("1: h: Feb 3 2017 10:00:00.000 +2500: %CCBU_x-6-Y: z"),
            Err(Reject::BadStamp(_))
        ));
        assert_eq!(
            split("no stamp here: %CCBU_x-6-Y: z").unwrap_err(),
            Reject::NotARecord
        );
    }
}
