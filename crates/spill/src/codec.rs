//! The binary layout of a spilled event.
//!
//! A parsed event ([`put_raw`]): its raw time, the host it named, then the
//! body. A normalized event in a run ([`put_placed`]): its instant, file,
//! clock and canonical host (small numbers into the run writer's tables),
//! line, then the body's length and the body, so that a merge finds the next
//! record without reading this one. The body ([`put_body`]): kind, severity,
//! line, raw text, summary, fields and entities (what a reader in place looks
//! at most comes first, [`Body`]). A string is a LEB128 length and its UTF-8
//! bytes; a number a LEB128 integer (signed ones zigzagged); an enum its
//! place in the tables below. The layout lives only as long as the process
//! (the files are temporary), so it needs no version.
//!
//! Every read is bounds-checked: damaged bytes decode as `None`, never a panic.

use uctriage_core::jiff::civil::{DateTime, Time};
use uctriage_core::jiff::tz::Offset;
use uctriage_core::jiff::Timestamp;
use uctriage_core::{
    DateSource, Entities, Entity, EntityKind, Fields, Kind, RawEvent, RawTime, Severity, SharedStr,
    Text,
};

// Enums are stored as their place in core's lists of variants.
const SEVERITIES: [Severity; 8] = Severity::ALL;
const ENTITY_KINDS: [EntityKind; 8] = EntityKind::ALL;
const DATE_SOURCES: [DateSource; 8] = DateSource::ALL;

fn place<T: PartialEq>(all: &[T], v: &T) -> u8 {
    all.iter().position(|x| x == v).unwrap_or(0) as u8
}

/// Appends encoded values to a byte buffer.
pub(crate) struct Put<'a>(pub &'a mut Vec<u8>);

impl Put<'_> {
    pub fn byte(&mut self, b: u8) {
        self.0.push(b);
    }

    pub fn uint(&mut self, mut n: u64) {
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.0.push(b);
                return;
            }
            self.0.push(b | 0x80);
        }
    }

    pub fn int(&mut self, n: i64) {
        self.uint(((n << 1) ^ (n >> 63)) as u64);
    }

    pub fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    /// Bytes, after their length.
    pub fn bytes(&mut self, b: &[u8]) {
        self.uint(b.len() as u64);
        self.0.extend_from_slice(b);
    }

    fn time(&mut self, t: Time) {
        self.byte(t.hour() as u8);
        self.byte(t.minute() as u8);
        self.byte(t.second() as u8);
        self.uint(t.subsec_nanosecond() as u64);
    }

    fn datetime(&mut self, dt: DateTime) {
        self.int(dt.year() as i64);
        self.byte(dt.month() as u8);
        self.byte(dt.day() as u8);
        self.time(dt.time());
    }
}

/// Reads encoded values back from a byte slice.
pub(crate) struct Get<'a>(pub &'a [u8]);

impl<'a> Get<'a> {
    pub fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    pub fn uint(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    pub fn int(&mut self) -> Option<i64> {
        let n = self.uint()?;
        Some((n >> 1) as i64 ^ -((n & 1) as i64))
    }

    pub fn str(&mut self) -> Option<&'a str> {
        let len = usize::try_from(self.uint()?).ok()?;
        if len > self.0.len() {
            return None;
        }
        let (s, rest) = self.0.split_at(len);
        self.0 = rest;
        std::str::from_utf8(s).ok()
    }

    /// Step over a string.
    pub fn skip_str(&mut self) -> Option<()> {
        self.str_len().map(|_| ())
    }

    /// Bytes written by [`Put::bytes`].
    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.uint()?).ok()?;
        if len > self.0.len() {
            return None;
        }
        let (b, rest) = self.0.split_at(len);
        self.0 = rest;
        Some(b)
    }

    /// Step over a string, giving its length in bytes.
    pub fn str_len(&mut self) -> Option<usize> {
        let len = usize::try_from(self.uint()?).ok()?;
        self.0 = self.0.get(len..)?;
        Some(len)
    }

    fn time(&mut self) -> Option<Time> {
        let (h, m, s) = (self.byte()?, self.byte()?, self.byte()?);
        let ns = i32::try_from(self.uint()?).ok()?;
        Time::new(h as i8, m as i8, s as i8, ns).ok()
    }

    fn datetime(&mut self) -> Option<DateTime> {
        let year = i16::try_from(self.int()?).ok()?;
        let (month, day) = (self.byte()? as i8, self.byte()? as i8);
        let t = self.time()?;
        DateTime::new(
            year,
            month,
            day,
            t.hour(),
            t.minute(),
            t.second(),
            t.subsec_nanosecond(),
        )
        .ok()
    }
}

/// A raw time; `how` gives the place of an absolute time's static "how" in
/// the writer's table.
pub(crate) fn put_raw_time(p: &mut Put<'_>, t: &RawTime, how: impl FnOnce(&'static str) -> u64) {
    match t {
        RawTime::Unknown => p.byte(0),
        RawTime::Absolute(ts, h) => {
            p.byte(1);
            p.int(ts.as_second());
            p.int(ts.subsec_nanosecond() as i64);
            p.uint(how(h));
        }
        RawTime::WithOffset(dt, off, src) => {
            p.byte(2);
            p.datetime(*dt);
            p.int(off.seconds() as i64);
            p.byte(place(&DATE_SOURCES, src));
        }
        RawTime::Local(dt, src) => {
            p.byte(3);
            p.datetime(*dt);
            p.byte(place(&DATE_SOURCES, src));
        }
        RawTime::LocalNoYear { month, day, time } => {
            p.byte(4);
            p.byte(*month as u8);
            p.byte(*day as u8);
            p.time(*time);
        }
        RawTime::TimeOfDay(time) => {
            p.byte(5);
            p.time(*time);
        }
    }
}

/// A raw time back; `how` maps a place back to its static "how".
pub(crate) fn get_raw_time(
    g: &mut Get<'_>,
    how: impl FnOnce(u64) -> &'static str,
) -> Option<RawTime> {
    Some(match g.byte()? {
        0 => RawTime::Unknown,
        1 => {
            let s = g.int()?;
            let ns = i32::try_from(g.int()?).ok()?;
            let ts = Timestamp::new(s, ns).ok()?;
            RawTime::Absolute(ts, how(g.uint()?))
        }
        2 => {
            let dt = g.datetime()?;
            let off = Offset::from_seconds(i32::try_from(g.int()?).ok()?).ok()?;
            RawTime::WithOffset(dt, off, *DATE_SOURCES.get(g.byte()? as usize)?)
        }
        3 => {
            let dt = g.datetime()?;
            RawTime::Local(dt, *DATE_SOURCES.get(g.byte()? as usize)?)
        }
        4 => {
            let (month, day) = (g.byte()? as i8, g.byte()? as i8);
            RawTime::LocalNoYear {
                month,
                day,
                time: g.time()?,
            }
        }
        5 => RawTime::TimeOfDay(g.time()?),
        _ => return None,
    })
}

/// Encode an event's body.
#[allow(clippy::too_many_arguments)]
pub(crate) fn put_body(
    p: &mut Put<'_>,
    kind: Kind,
    severity: Severity,
    summary: &str,
    fields: &Fields,
    entities: &[Entity],
    line: u64,
    text: &Text,
) {
    // The parts most readers look at first: a reader in place skips less.
    p.byte(place(&Kind::ALL, &kind));
    p.byte(place(&SEVERITIES, &severity));
    p.uint(line);
    p.str(&text.get());
    p.str(summary);
    // The entities (a few short ids) before the fields (twenty or so): a
    // reader of entities in place skips no field.
    p.uint(entities.len() as u64);
    for e in entities {
        p.byte(place(&ENTITY_KINDS, &e.kind));
        p.str(&e.id);
    }
    p.uint(fields.len() as u64);
    for (number, k, v) in fields.iter_numbered() {
        // A common name (an alarm's tags) as its number, others spelled.
        match number {
            Some(n) => p.uint(n as u64 + 1),
            None => {
                p.uint(0);
                p.str(k);
            }
        }
        p.str(v);
    }
}

/// Step over an encoded body, giving its line.
pub(crate) fn skip_body(g: &mut Get<'_>) -> Option<u64> {
    g.byte()?;
    g.byte()?;
    let line = g.uint()?;
    g.skip_str()?;
    g.skip_str()?;
    skip_entities(g)?;
    skip_fields(g)?;
    Some(line)
}

fn skip_entities(g: &mut Get<'_>) -> Option<()> {
    for _ in 0..g.uint()? {
        g.byte()?;
        g.skip_str()?;
    }
    Some(())
}

fn skip_fields(g: &mut Get<'_>) -> Option<()> {
    for _ in 0..g.uint()? {
        if g.uint()? == 0 {
            g.skip_str()?;
        }
        g.skip_str()?;
    }
    Some(())
}

/// An encoded body read in place, a part at a time (nothing is copied):
/// for readers that look at a few parts of many events. A body that does
/// not decode gives None for the parts past the damage.
#[derive(Clone, Copy)]
pub(crate) struct Body<'a>(pub &'a [u8]);

impl<'a> Body<'a> {
    /// From the text on (past kind, severity and line).
    fn at_text(self) -> Option<Get<'a>> {
        let mut g = Get(self.0.get(2..)?);
        g.uint()?;
        Some(g)
    }

    /// From the entities on (past the text and the summary).
    fn at_entities(self) -> Option<Get<'a>> {
        let mut g = self.at_text()?;
        g.skip_str()?;
        g.skip_str()?;
        Some(g)
    }

    /// From the fields on (past the entities).
    fn at_fields(self) -> Option<Get<'a>> {
        let mut g = self.at_entities()?;
        skip_entities(&mut g)?;
        Some(g)
    }

    pub fn summary(self) -> Option<&'a str> {
        let mut g = self.at_text()?;
        g.skip_str()?;
        g.str()
    }

    /// The value of field `name`.
    pub fn field(self, name: &str) -> Option<&'a str> {
        let number = Fields::common_number(name).map(|n| u64::from(n) + 1);
        let mut g = self.at_fields()?;
        for _ in 0..g.uint()? {
            let this = match g.uint()? {
                0 => g.str()? == name,
                n => Some(n) == number,
            };
            if this {
                return g.str();
            }
            g.skip_str()?;
        }
        None
    }

    /// The first id of an entity of `kind` that `pred` accepts.
    pub fn find_entity(
        self,
        kind: EntityKind,
        mut pred: impl FnMut(&str) -> bool,
    ) -> Option<&'a str> {
        let mut g = self.at_entities()?;
        for _ in 0..g.uint()? {
            let k = *ENTITY_KINDS.get(g.byte()? as usize)?;
            let id = g.str()?;
            if k == kind && pred(id) {
                return Some(id);
            }
        }
        None
    }

    /// The raw line's text.
    pub fn text(self) -> Option<&'a str> {
        self.at_text()?.str()
    }
}

/// Decode an event's body: the parsed event, its time and host left for
/// the caller (unknown, none).
pub(crate) fn get_body(g: &mut Get<'_>) -> Option<RawEvent> {
    let kind = *Kind::ALL.get(g.byte()? as usize)?;
    let severity = *SEVERITIES.get(g.byte()? as usize)?;
    let line = g.uint()?;
    let text = Text::new(g.str()?);
    let summary = SharedStr::from(g.str()?);
    let n = g.uint()?;
    let mut entities = Vec::with_capacity(n.min(64) as usize);
    for _ in 0..n {
        let kind = *ENTITY_KINDS.get(g.byte()? as usize)?;
        entities.push(Entity {
            kind,
            id: SharedStr::from(g.str()?),
        });
    }
    let n = g.uint()?;
    // The text's length first (skipping, not decoding): one allocation.
    let mut text_len = 0;
    let mut ahead = Get(g.0);
    for _ in 0..n {
        if ahead.uint()? == 0 {
            text_len += ahead.str_len()?;
        }
        text_len += ahead.str_len()?;
    }
    let mut fields = Fields::new();
    fields.reserve(n.min(256) as usize, text_len);
    for _ in 0..n {
        match g.uint()? {
            0 => {
                let k = g.str()?;
                fields.push_in_order(k, g.str()?);
            }
            n => {
                let number = u32::try_from(n - 1).ok()?;
                if !fields.push_common_in_order(number, g.str()?) {
                    return None;
                }
            }
        }
    }
    Some(RawEvent {
        time: RawTime::Unknown,
        host: None,
        kind,
        severity,
        summary,
        fields,
        entities: Entities::from(entities),
        line,
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use uctriage_core::jiff::civil::date;

    #[test]
    fn every_raw_time_and_enum_round_trips() {
        let dt = date(2019, 7, 12).at(12, 33, 19, 564_000_000);
        let times = [
            RawTime::Unknown,
            RawTime::Absolute(Timestamp::new(-5, -7).unwrap(), "stamp"),
            RawTime::WithOffset(
                dt,
                Offset::from_seconds(-18000).unwrap(),
                DateSource::FileHead,
            ),
            RawTime::Local(dt, DateSource::Received),
            RawTime::LocalNoYear {
                month: 2,
                day: 29,
                time: dt.time(),
            },
            RawTime::TimeOfDay(dt.time()),
        ];
        for t in times {
            let mut buf = Vec::new();
            put_raw_time(&mut Put(&mut buf), &t, |_| 0);
            let back = get_raw_time(&mut Get(&buf), |_| "stamp").unwrap();
            assert_eq!(back, t);
        }
        for (i, k) in Kind::ALL.iter().enumerate() {
            let sev = SEVERITIES[i % 8];
            let ents = vec![Entity {
                kind: ENTITY_KINDS[i % 8],
                id: "SEP001".into(),
            }];
            let fields: Fields = [("cause", "8"), ("node", "sub1")].into_iter().collect();
            let mut buf = Vec::new();
            put_body(
                &mut Put(&mut buf),
                *k,
                sev,
                "sum",
                &fields,
                &ents,
                42,
                &Text::new("raw"),
            );
            let b = get_body(&mut Get(&buf)).unwrap();
            assert_eq!(
                (b.kind, b.severity, &*b.summary, b.line),
                (*k, sev, "sum", 42)
            );
            assert_eq!(
                (b.fields, &b.entities[..], b.text.get()),
                (fields, &ents[..], "raw".into())
            );
        }
    }

    #[test]
    fn damaged_bytes_decode_as_none_never_a_panic() {
        let mut buf = Vec::new();
        let fields: Fields = [("cause", "8")].into_iter().collect();
        put_body(
            &mut Put(&mut buf),
            Kind::Alarm,
            Severity::Error,
            "s",
            &fields,
            &[],
            1,
            &Text::new("t"),
        );
        for cut in 0..buf.len() {
            assert!(get_body(&mut Get(&buf[..cut])).is_none(), "cut at {cut}");
        }
        let mut bad = buf.clone();
        bad[0] = 200;
        assert!(get_body(&mut Get(&bad)).is_none());
        assert!(Get(&[0xff; 11]).uint().is_none());
    }
}
