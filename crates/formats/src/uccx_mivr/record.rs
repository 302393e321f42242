//! One UCCX Engine (MIVR) / Cisco JTAPI client record split by hand:
//! `<seq>: <MMM> <dd> <HH:MM:SS.mmm>[ <TZ>] %<FAC>-<SUB>-<sev>-<ID>:<text>`.

use crate::timeparse::{month_from_abbrev, parse_hms};
use uctriage_core::jiff::civil::Time;

/// The parts of one record, borrowed from its line.
#[derive(Debug, PartialEq)]
pub(super) struct Record<'a> {
    /// Sequence number.
    pub seq: &'a str,
    /// Month 1-12.
    pub month: i8,
    /// Day of month.
    pub day: i8,
    /// Local time of day.
    pub time: Time,
    /// Zone abbreviation as printed (never used as a zone: `IST`, `EST` are ambiguous).
    pub zone_abbrev: Option<&'a str>,
    /// Facility: `MIVR`, `JTAPI`, `MCVD`, ...
    pub app: &'a str,
    /// Sub-facility: `SS_TEL`, `PROTOCOL`, ...
    pub sub: &'a str,
    /// Severity digit.
    pub sev: u8,
    /// Message id: `UNK`, `ModuleRunTimeFailure`, ...
    pub msg_id: &'a str,
    /// Text after the header colon.
    pub text: &'a str,
}

/// Why a line is not a record.
#[derive(Debug, PartialEq)]
pub(super) enum Reject {
    /// Not a record start: a continuation line (object dump, wrapped text) or another format.
    NotARecord,
    /// The shape of a record with an impossible date or time.
    BadTime(String),
}

fn spaces(b: &[u8], i: usize) -> usize {
    b[i.min(b.len())..]
        .iter()
        .take_while(|c| **c == b' ' || **c == b'\t')
        .count()
}

/// Split a record line.
pub(super) fn split(line: &str) -> Result<Record<'_>, Reject> {
    let b = line.as_bytes();
    let seq_len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if seq_len == 0 || b.get(seq_len) != Some(&b':') {
        return Err(Reject::NotARecord);
    }
    let mut i = seq_len + 1;
    let n = spaces(b, i);
    if n == 0 {
        return Err(Reject::NotARecord);
    }
    i += n;
    let alpha = b[i..]
        .iter()
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    if alpha != 3 {
        return Err(Reject::NotARecord);
    }
    let month = month_from_abbrev(&line[i..i + 3]).ok_or(Reject::NotARecord)?;
    i += 3;
    let n = spaces(b, i);
    if n == 0 {
        return Err(Reject::NotARecord);
    }
    i += n;
    let day_len = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    if !(1..=2).contains(&day_len) {
        return Err(Reject::NotARecord);
    }
    let day: i8 = line[i..i + day_len]
        .parse()
        .map_err(|_| Reject::NotARecord)?;
    i += day_len;
    let n = spaces(b, i);
    if n == 0 {
        return Err(Reject::NotARecord);
    }
    i += n;
    let t_len = b[i..]
        .iter()
        .take_while(|c| c.is_ascii_digit() || matches!(c, b':' | b'.'))
        .count();
    if t_len < 7 {
        return Err(Reject::NotARecord);
    }
    let time_text = &line[i..i + t_len];
    i += t_len;
    i += spaces(b, i);
    // An optional zone abbreviation, possibly glued to the `%` (Cisco documents
    // print `PST%MIVR-...`).
    let z_len = b[i..]
        .iter()
        .take_while(|c| c.is_ascii_alphabetic())
        .count();
    let zone_abbrev = if (2..=6).contains(&z_len) && b[i].is_ascii_uppercase() {
        let z = &line[i..i + z_len];
        i += z_len;
        i += spaces(b, i);
        Some(z)
    } else {
        None
    };
    if b.get(i) != Some(&b'%') {
        return Err(Reject::NotARecord);
    }
    let header_and_text = &line[i + 1..];
    let colon = header_and_text.find(':').ok_or(Reject::NotARecord)?;
    let (app, sub, sev, msg_id) = header(&header_and_text[..colon]).ok_or(Reject::NotARecord)?;
    let text = &header_and_text[colon + 1..];
    let bad = || {
        Reject::BadTime(format!(
            "{} {day} {time_text}",
            &line[seq_len + 1..].trim_start()[..3]
        ))
    };
    let time = parse_hms(time_text).ok_or_else(bad)?;
    if !(1..=31).contains(&day) {
        return Err(bad());
    }
    Ok(Record {
        seq: &line[..seq_len],
        month,
        day,
        time,
        zone_abbrev,
        app,
        sub,
        sev,
        msg_id,
        text,
    })
}

/// `FAC-SUB-<d>-ID`: the severity is the last `-<digit>-`; the sub-facility
/// is what lies between the facility and it (it may be empty).
fn header(h: &str) -> Option<(&str, &str, u8, &str)> {
    let b = h.as_bytes();
    let at = (1..b.len().saturating_sub(2))
        .rev()
        .find(|&i| b[i - 1] == b'-' && b[i].is_ascii_digit() && b[i + 1] == b'-')?;
    let before = &h[..at - 1];
    let id = h[at + 2..].trim();
    let (app, sub) = before.split_once('-').unwrap_or((before, ""));
    let app_ok = !app.is_empty()
        && app
            .bytes()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_');
    (app_ok && !id.is_empty()).then_some((app, sub, b[at] - b'0', id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_with_and_without_zone_and_space() {
        let r = split("9366: Nov 23 07:09:02.974 COT %JTAPI-CTIIMPL-7-UNK:(P53-192.168.10.82) Server response").unwrap();
        assert_eq!(
            (
                r.seq,
                r.month,
                r.day,
                r.zone_abbrev,
                r.app,
                r.sub,
                r.sev,
                r.msg_id
            ),
            ("9366", 11, 23, Some("COT"), "JTAPI", "CTIIMPL", 7, "UNK")
        );
        assert_eq!(r.text, "(P53-192.168.10.82) Server response");
        let r = split("101: Mar 24 11:37:42.153 PST%MIVR-SS_TEL-4-ModuleRunTimeFailure:Real-time")
            .unwrap();
        assert_eq!(
            (r.zone_abbrev, r.msg_id, r.text),
            (Some("PST"), "ModuleRunTimeFailure", "Real-time")
        );
        let r = split("7: Jan 5 01:02:03.004 %MIVR-SS_TEL-3-X:y").unwrap();
        assert_eq!((r.zone_abbrev, r.day), (None, 5));
    }

    #[test]
    fn non_records_and_bad_times() {
        for l in [
            "provider = 192.168.10.82",
            "}",
            "12: Foo 23 07:09:02.974 COT %JTAPI-X-7-UNK:y",
            "12: Nov 23 07:09:02.974 COT JTAPI-X-7-UNK:y",
            "12: Nov 23 07:09:02.974 COT %jtapi-x-7-UNK:y",
            "12:Nov 23 07:09:02.974 %JTAPI-X-7-UNK:y",
        ] {
            assert_eq!(split(l), Err(Reject::NotARecord), "{l}");
        }
        assert!(matches!(
            split("12: Nov 23 27:09:02.974 COT %JTAPI-X-7-UNK:y"),
            Err(Reject::BadTime(_))
        ));
        assert!(matches!(
            split("12: Nov 0 07:09:02.974 COT %JTAPI-X-7-UNK:y"),
            Err(Reject::BadTime(_))
        ));
    }
}
