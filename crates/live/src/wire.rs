//! What arrives on the wire, before any parser sees it: the message text
//! (decoded and escaped as a receiver's file would hold it) and the RFC 5424
//! header when the message has one.
//!
//! RFC 3164 messages and CUCM's remote syslog (`<PRI>SEQ: HOST: <CiscoLog
//! stamp> UTC : %UC_...`, formats.md §1.4) need nothing here: their text goes
//! to the cisco-syslog parser as it is, PRI included, exactly as the line of a
//! bundle's syslog file would.

use uctriage_core::jiff::Timestamp;

/// Control characters are escaped as rsyslog does on receipt (`#ooo`, octal:
/// a line feed becomes `#012`), so a message stays one line and reads as a
/// receiver's file would hold it; the cisco-syslog parser undoes `#012`.
pub fn message_text(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_end_matches(['\n', '\r', '\0']);
    if !text.bytes().any(|b| b < 0x20 && b != b'\t' || b == 0x7f) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if (c < ' ' && c != '\t') || c == '\u{7f}' {
            out.push_str(&format!("#{:03o}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// The `<PRI>` at the start of a message: its value and the rest.
pub fn pri(text: &str) -> (Option<u8>, &str) {
    let Some(rest) = text.strip_prefix('<') else {
        return (None, text);
    };
    let Some(end) = rest.find('>').filter(|&e| (1..=3).contains(&e)) else {
        return (None, text);
    };
    match rest[..end].parse::<u8>() {
        Ok(p) if p <= 191 && rest[..end].bytes().all(|b| b.is_ascii_digit()) => {
            (Some(p), &rest[end + 1..])
        }
        _ => (None, text),
    }
}

/// An RFC 5424 header (§6): `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [MSG]`.
#[derive(Debug, PartialEq)]
pub struct Rfc5424<'a> {
    /// PRI value.
    pub pri: u8,
    /// The instant, when the timestamp is not the nil value `-`.
    pub time: Option<Timestamp>,
    /// The offset the timestamp was written with, in seconds (None for `Z`,
    /// `-00:00` and the nil timestamp: they say nothing of the sender's zone).
    pub offset_seconds: Option<i32>,
    /// HOSTNAME, unless nil.
    pub host: Option<&'a str>,
    /// APP-NAME, unless nil.
    pub app: Option<&'a str>,
    /// PROCID, unless nil.
    pub procid: Option<&'a str>,
    /// MSGID, unless nil.
    pub msgid: Option<&'a str>,
    /// STRUCTURED-DATA as sent, unless nil.
    pub sd: Option<&'a str>,
    /// MSG (may be empty).
    pub msg: &'a str,
}

/// Read an RFC 5424 header; None when the text is not one.
pub fn rfc5424<'a>(text: &'a str) -> Option<Rfc5424<'a>> {
    let (Some(pri), rest) = pri(text) else {
        return None;
    };
    let rest = rest.strip_prefix("1 ")?;
    let (ts, rest) = rest.split_once(' ')?;
    let (time, offset_seconds) = if ts == "-" {
        (None, None)
    } else {
        let t: Timestamp = ts.parse().ok()?;
        (Some(t), stated_offset(ts))
    };
    let (host, rest) = rest.split_once(' ')?;
    let (app, rest) = rest.split_once(' ')?;
    let (procid, rest) = rest.split_once(' ')?;
    let (msgid, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let (sd, msg) = structured_data(rest)?;
    let nil = |s: &'a str| (s != "-").then_some(s);
    Some(Rfc5424 {
        pri,
        time,
        offset_seconds,
        host: nil(host),
        app: nil(app),
        procid: nil(procid),
        msgid: nil(msgid),
        sd: (sd != "-").then_some(sd),
        msg: msg.strip_prefix('\u{feff}').unwrap_or(msg),
    })
}

/// A numeric, non-zero offset at the end of an RFC 3339 timestamp.
fn stated_offset(ts: &str) -> Option<i32> {
    let tail = ts.get(ts.len().checked_sub(6)?..)?;
    let sign = match tail.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let h: i32 = tail.get(1..3)?.parse().ok()?;
    let m: i32 = tail.get(4..6)?.parse().ok()?;
    let secs = sign * (h * 3600 + m * 60);
    (secs != 0).then_some(secs)
}

/// Split STRUCTURED-DATA (nil or `[...]` elements, `\]` escaped) from MSG.
fn structured_data(s: &str) -> Option<(&str, &str)> {
    if let Some(rest) = s.strip_prefix('-') {
        return Some(("-", rest.strip_prefix(' ').unwrap_or(rest)));
    }
    if s.is_empty() {
        return Some(("-", ""));
    }
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && b[i] == b'[' {
        let mut j = i + 1;
        let mut quoted = false;
        loop {
            match b.get(j)? {
                b'\\' => j += 1,
                b'"' => quoted = !quoted,
                b']' if !quoted => break,
                _ => {}
            }
            j += 1;
        }
        i = j + 1;
    }
    if i == 0 {
        return None;
    }
    let rest = &s[i..];
    Some((&s[..i], rest.strip_prefix(' ').unwrap_or(rest)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_as_rsyslog_does() {
        assert_eq!(message_text(b"a\nb\tc\x01\n"), "a#012b\tc#001");
        assert_eq!(message_text(b"\xEF\xBB\xBFplain"), "plain");
        assert_eq!(message_text(b"bad \xff byte"), "bad \u{fffd} byte");
    }

    #[test]
    fn pri_is_read_only_when_well_formed() {
        assert_eq!(pri("<187>12: x"), (Some(187), "12: x"));
        assert_eq!(pri("<999>x"), (None, "<999>x"));
        assert_eq!(pri("<a>x"), (None, "<a>x"));
        assert_eq!(pri("no pri"), (None, "no pri"));
    }

    #[test]
    fn rfc5424_examples_of_the_rfc() {
        // RFC 5424 §6.5, examples 1 and 3.
        let m = rfc5424("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \u{feff}'su root' failed for lonvick on /dev/pts/8").unwrap();
        assert_eq!(m.pri, 34);
        assert_eq!(m.host, Some("mymachine.example.com"));
        assert_eq!(m.app, Some("su"));
        assert_eq!(m.procid, None);
        assert_eq!(m.msgid, Some("ID47"));
        assert_eq!(m.offset_seconds, None);
        assert_eq!(m.msg, "'su root' failed for lonvick on /dev/pts/8");
        let m = rfc5424(r#"<165>1 2003-10-11T22:14:15.003-07:00 mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"] An application event"#).unwrap();
        assert_eq!(m.offset_seconds, Some(-7 * 3600));
        assert_eq!(m.time.unwrap().to_string(), "2003-10-12T05:14:15.003Z");
        assert!(m.sd.unwrap().ends_with("class=\"high\"]"));
        assert_eq!(m.msg, "An application event");
    }

    #[test]
    fn not_rfc5424() {
        assert!(rfc5424("<13>Dec  6 17:00:00 h1 a: one").is_none());
        assert!(rfc5424("<187>12: cm1: Jul 12 2019 12:45:10.298 UTC : %UC_X-3-Y: z").is_none());
        assert!(rfc5424("<13>1 notatime h a p m - x").is_none());
        assert!(rfc5424("<13>1 - h a p m [unclosed").is_none());
    }
}
