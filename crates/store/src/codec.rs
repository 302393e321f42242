//! An event as stored: indexed columns plus one compact body, and back.
//!
//! The body holds what the columns do not: the clock, fields, entities, the
//! format and the evidence file. The evidence text is the message's own text
//! (stored once, with the message).
//!
//! Bodies are written in a small binary layout ([`BODY_V1`], below); stores
//! written before it hold JSON bodies (`{...}`), which are still read, so an
//! existing store opens and serves its old events unchanged, and old and new
//! rows live side by side (nothing is rewritten). The binary layout, after
//! its version byte: the clock (zone, zone source, date source, detail), the
//! format, the evidence file, the fields (count, then name and value each),
//! the entities (count, then kind and id each). A string is a LEB128 length
//! and its UTF-8 bytes; a number a LEB128 integer; an enum its place in the
//! tables below (so those tables only ever grow at their end). Against JSON:
//! about half the bytes, and no escaping or parsing.
//!
//! The core types only serialize, so the way back from a JSON body names
//! each enum's spellings here; a spelling this table does not know (a
//! variant added later) falls back to the most honest neighbour and a test
//! checks every current variant round-trips, in both layouts.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use uctriage_core::jiff::civil::DateTime;
use uctriage_core::{
    Clock, DateSource, Entity, EntityKind, Event, Evidence, Fields, Kind, Severity, ZoneSource,
};

/// First byte of a binary body (a JSON body starts with `{`).
pub(crate) const BODY_V1: u8 = 1;

#[derive(Deserialize)]
struct ClockIn {
    zone: String,
    zone_source: String,
    date_source: String,
    detail: String,
}

#[derive(Deserialize)]
struct EntityIn {
    #[serde(rename = "type")]
    kind: String,
    id: String,
}

#[derive(Deserialize)]
struct BodyIn {
    clock: ClockIn,
    fields: BTreeMap<String, String>,
    entities: Vec<EntityIn>,
    format: String,
    file: String,
}

fn put_len(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn place<T: PartialEq>(all: &[T], v: &T) -> u8 {
    all.iter().position(|x| x == v).unwrap_or(all.len()) as u8
}

/// The binary body of an event.
pub(crate) fn body(e: &Event) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + e.fields.len() * 24);
    out.push(BODY_V1);
    put_clock(&mut out, &e.clock);
    out.push(u8::from(e.format == "cisco-syslog"));
    put_str(&mut out, &e.evidence.file);
    put_len(&mut out, e.fields.len() as u64);
    for (k, v) in e.fields.iter() {
        put_str(&mut out, k);
        put_str(&mut out, v);
    }
    put_len(&mut out, e.entities.len() as u64);
    for en in &e.entities {
        out.push(place(&ENTITY_KINDS, &en.kind));
        put_str(&mut out, &en.id);
    }
    out
}

fn put_clock(out: &mut Vec<u8>, c: &Clock) {
    put_str(out, &c.zone);
    out.push(place(&ZONE_SOURCES, &c.zone_source));
    out.push(place(&DATE_SOURCES, &c.date_source));
    put_str(out, &c.detail);
}

/// A reader over a binary body; every read is bounds-checked (a damaged
/// body reads as `None`, never a panic).
struct Cursor<'a> {
    b: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (&first, rest) = self.b.split_first()?;
        self.b = rest;
        Some(first)
    }

    fn len(&mut self) -> Option<u64> {
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

    fn str(&mut self) -> Option<&'a str> {
        let n = usize::try_from(self.len()?).ok()?;
        if n > self.b.len() {
            return None;
        }
        let (s, rest) = self.b.split_at(n);
        self.b = rest;
        std::str::from_utf8(s).ok()
    }
}

/// Strings many events repeat (zones, clock details, file names), shared
/// while one query's rows are read back.
#[derive(Default)]
pub(crate) struct Names {
    seen: HashMap<Box<str>, Arc<str>>,
}

impl Names {
    fn get(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.seen.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        if self.seen.len() < 4096 {
            self.seen.insert(Box::from(s), a.clone());
        }
        a
    }
}

/// What a body holds besides the columns.
struct Parts {
    clock: Clock,
    format: &'static str,
    file: Arc<str>,
    fields: Fields,
    entities: Vec<Entity>,
}

fn clock_of(c: &mut Cursor<'_>, names: &mut Names) -> Option<Clock> {
    let zone = names.get(c.str()?);
    let zs = c.byte()?;
    let ds = c.byte()?;
    let detail = names.get(c.str()?);
    Some(Clock {
        zone,
        zone_source: ZONE_SOURCES
            .get(zs as usize)
            .copied()
            .unwrap_or(ZoneSource::Unknown),
        date_source: DATE_SOURCES
            .get(ds as usize)
            .copied()
            .unwrap_or(DateSource::Line),
        detail,
    })
}

fn binary_parts(b: &[u8], names: &mut Names) -> Option<Parts> {
    let mut c = Cursor { b: b.get(1..)? };
    let clock = clock_of(&mut c, names)?;
    let format = if c.byte()? == 1 {
        "cisco-syslog"
    } else {
        "live"
    };
    let file = names.get(c.str()?);
    let n = c.len()?;
    let mut fields = Fields::new();
    for _ in 0..n {
        let (k, v) = (c.str()?, c.str()?);
        fields.insert(k, v);
    }
    let n = c.len()?;
    let mut entities = Vec::with_capacity(n.min(64) as usize);
    for _ in 0..n {
        let kind = c.byte()?;
        let id = c.str()?;
        if let Some(&kind) = ENTITY_KINDS.get(kind as usize) {
            entities.push(Entity {
                kind,
                id: id.into(),
            });
        }
    }
    Some(Parts {
        clock,
        format,
        file,
        fields,
        entities,
    })
}

fn json_parts(b: &[u8], names: &mut Names) -> Option<Parts> {
    let b: BodyIn = serde_json::from_slice(b).ok()?;
    let mut fields = Fields::new();
    for (k, v) in &b.fields {
        fields.insert(k, v);
    }
    Some(Parts {
        clock: Clock {
            zone: names.get(&b.clock.zone),
            zone_source: zone_source(&b.clock.zone_source),
            date_source: date_source(&b.clock.date_source),
            detail: names.get(&b.clock.detail),
        },
        format: format_name(&b.format),
        file: names.get(&b.file),
        fields,
        entities: b
            .entities
            .into_iter()
            .filter_map(|e| {
                Some(Entity {
                    kind: entity_kind(&e.kind)?,
                    id: e.id.into(),
                })
            })
            .collect(),
    })
}

fn parts(b: &[u8], names: &mut Names) -> Parts {
    let read = match b.first() {
        Some(&BODY_V1) => binary_parts(b, names),
        Some(b'{') => json_parts(b, names),
        _ => None,
    };
    read.unwrap_or_else(|| Parts {
        clock: Clock {
            zone: Arc::from("UTC"),
            zone_source: ZoneSource::Unknown,
            date_source: DateSource::Line,
            detail: Arc::from("stored clock unreadable"),
        },
        format: "live",
        file: Arc::from("syslog"),
        fields: Fields::new(),
        entities: Vec::new(),
    })
}

/// The columns of a stored event row.
pub(crate) struct Row {
    pub time_ms: Option<i64>,
    pub host: Option<String>,
    pub kind: String,
    pub severity: i64,
    pub summary: String,
    /// The body: binary, or JSON in stores written before the binary layout.
    pub body: Vec<u8>,
    pub message_id: u64,
    pub text: String,
}

/// An event back from its row.
pub(crate) fn event(row: Row, names: &mut Names) -> Event {
    let p = parts(&row.body, names);
    Event {
        time: row
            .time_ms
            .and_then(|ms| uctriage_core::jiff::Timestamp::from_millisecond(ms).ok()),
        clock: Arc::new(p.clock),
        host: row.host.map(Into::into),
        kind: Kind::parse(&row.kind).unwrap_or(Kind::Log),
        severity: Severity::from_number(row.severity.clamp(0, 7) as u8).unwrap_or_default(),
        summary: row.summary.into(),
        fields: p.fields,
        entities: p.entities.into(),
        evidence: Evidence {
            file: p.file,
            line: row.message_id,
            text: row.text.into(),
        },
        format: p.format,
    }
}

/// The date source of a stored body's clock (for re-placing local times).
pub(crate) fn body_date_source(body: &[u8]) -> DateSource {
    parts(body, &mut Names::default()).clock.date_source
}

/// A body with its clock replaced (written in the binary layout, whatever
/// the layout it was read in).
pub(crate) fn with_clock(old: &[u8], clock: &Clock) -> Vec<u8> {
    let p = parts(old, &mut Names::default());
    let e = Event {
        time: None,
        clock: Arc::new(clock.clone()),
        host: None,
        kind: Kind::Log,
        severity: Severity::default(),
        summary: Default::default(),
        fields: p.fields,
        entities: p.entities.into(),
        evidence: Evidence {
            file: p.file,
            line: 0,
            text: String::new().into(),
        },
        format: p.format,
    };
    body(&e)
}

/// A civil local time as stored.
pub(crate) fn local_text(dt: DateTime) -> String {
    dt.to_string()
}

fn spelled<T: Serialize + Copy>(all: &[T], name: &str) -> Option<T> {
    all.iter().copied().find(|v| {
        serde_json::to_value(v)
            .ok()
            .and_then(|j| j.as_str().map(|s| s == name))
            == Some(true)
    })
}

// The binary body stores an enum as its place in these tables: add new
// variants at the end only. The zone sources were listed before `Manifest`
// and `Site` existed: rows written then hold place 9 for either (read as
// `Unknown`); they now have places of their own after it.
const ZONE_SOURCES: [ZoneSource; 12] = [
    ZoneSource::Stated,
    ZoneSource::FileHead,
    ZoneSource::ShowStatus,
    ZoneSource::NtpStatus,
    ZoneSource::Hint,
    ZoneSource::CoreEpoch,
    ZoneSource::SyslogPrefix,
    ZoneSource::OtherHost,
    ZoneSource::Unknown,
    // Place 9: what older rows wrote for a zone source missing above.
    ZoneSource::Unknown,
    ZoneSource::Manifest,
    ZoneSource::Site,
];

const DATE_SOURCES: [DateSource; 8] = DateSource::ALL;

const ENTITY_KINDS: [EntityKind; 8] = EntityKind::ALL;

/// A zone source from its JSON spelling (unknown spellings: `Unknown`).
pub fn zone_source(name: &str) -> ZoneSource {
    spelled(&ZONE_SOURCES, name).unwrap_or(ZoneSource::Unknown)
}

/// A date source from its JSON spelling (unknown spellings: `Line`).
pub fn date_source(name: &str) -> DateSource {
    spelled(&DATE_SOURCES, name).unwrap_or(DateSource::Line)
}

fn entity_kind(name: &str) -> Option<EntityKind> {
    spelled(&ENTITY_KINDS, name)
}

fn format_name(name: &str) -> &'static str {
    match name {
        "cisco-syslog" => "cisco-syslog",
        _ => "live",
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn every_spelling_round_trips() {
        for z in ZoneSource::ALL {
            let s = serde_json::to_value(z).unwrap();
            assert_eq!(zone_source(s.as_str().unwrap()), z);
        }
        for d in DATE_SOURCES {
            let s = serde_json::to_value(d).unwrap();
            assert_eq!(date_source(s.as_str().unwrap()), d);
        }
        for k in ENTITY_KINDS {
            let s = serde_json::to_value(k).unwrap();
            assert_eq!(entity_kind(s.as_str().unwrap()), Some(k));
        }
    }

    /// The JSON body stores written before the binary layout hold.
    pub(crate) fn json_body(e: &Event) -> String {
        serde_json::json!({
            "clock": &e.clock,
            "fields": &e.fields,
            "entities": &e.entities,
            "format": e.format,
            "file": &*e.evidence.file,
        })
        .to_string()
    }

    pub(crate) fn sample() -> Event {
        Event {
            time: Some("2019-07-12T17:35:57.962Z".parse().unwrap()),
            clock: Clock::stated("CiscoLog UTC stamp").into(),
            host: Some("cm7".into()),
            kind: Kind::ServiceState,
            severity: Severity::Critical,
            summary: "ServiceFailed".into(),
            fields: {
                let mut f = Fields::new();
                f.insert("ServiceName", "Cisco CallManager");
                f.insert("Reason", "Ünïcode \"quoted\" and long ".repeat(10));
                f
            },
            entities: vec![
                Entity {
                    kind: EntityKind::Service,
                    id: "Cisco CallManager".into(),
                },
                Entity {
                    kind: EntityKind::Alarm,
                    id: "ServiceFailed".into(),
                },
            ]
            .into(),
            evidence: Evidence {
                file: Arc::from("syslog/10.0.0.7"),
                line: 42,
                text: "raw".into(),
            },
            format: "cisco-syslog",
        }
    }

    fn row(e: &Event, body: Vec<u8>) -> Row {
        Row {
            time_ms: e.time.map(|t| t.as_millisecond()),
            host: e.host.as_deref().map(String::from),
            kind: e.kind.as_str().into(),
            severity: 2,
            summary: e.summary.to_string(),
            body,
            message_id: 42,
            text: "raw".into(),
        }
    }

    #[test]
    fn an_event_round_trips_through_its_row_in_both_layouts() {
        let e = sample();
        let mut names = Names::default();
        let bin = body(&e);
        assert_eq!(bin[0], BODY_V1);
        assert_eq!(event(row(&e, bin.clone()), &mut names), e);
        let json = json_body(&e);
        assert_eq!(
            event(row(&e, json.clone().into_bytes()), &mut names),
            e,
            "a body an older uctriage wrote reads back the same"
        );
        assert!(
            bin.len() * 10 < json.len() * 8,
            "binary {} bytes against JSON {}",
            bin.len(),
            json.len()
        );
    }

    #[test]
    fn a_zone_source_older_stores_could_not_name_reads_as_unknown() {
        // Before `Manifest` and `Site` had places, both were written as 9.
        let e = sample();
        let mut b = body(&e);
        // Version byte, the zone's length and bytes, then the zone source.
        let at = 2 + e.clock.zone.len();
        assert_eq!(b[at], 0, "the sample's zone source is Stated");
        b[at] = 9;
        let mut names = Names::default();
        assert_eq!(parts(&b, &mut names).clock.zone_source, ZoneSource::Unknown);
    }

    #[test]
    fn every_enum_round_trips_through_the_binary_layout() {
        let mut e = sample();
        let mut names = Names::default();
        for z in ZoneSource::ALL {
            for d in DATE_SOURCES {
                Arc::make_mut(&mut e.clock).zone_source = z;
                Arc::make_mut(&mut e.clock).date_source = d;
                e.entities = ENTITY_KINDS
                    .iter()
                    .map(|&kind| Entity {
                        kind,
                        id: format!("{kind:?}").into(),
                    })
                    .collect();
                assert_eq!(event(row(&e, body(&e)), &mut names), e);
                assert_eq!(body_date_source(&body(&e)), d);
            }
        }
    }

    #[test]
    fn a_damaged_body_reads_as_an_unreadable_clock_never_a_panic() {
        let e = sample();
        let bin = body(&e);
        let mut names = Names::default();
        for cut in 0..bin.len() {
            let back = event(row(&e, bin[..cut].to_vec()), &mut names);
            assert_eq!(
                &*back.clock.detail, "stored clock unreadable",
                "cut at {cut}"
            );
        }
        let back = event(row(&e, b"{not json".to_vec()), &mut names);
        assert_eq!(&*back.clock.detail, "stored clock unreadable");
    }

    #[test]
    fn a_new_clock_replaces_the_old_in_either_layout() {
        let e = sample();
        let clock = Clock::stated("moved");
        for old in [body(&e), json_body(&e).into_bytes()] {
            let new = with_clock(&old, &clock);
            let back = event(row(&e, new), &mut Names::default());
            assert_eq!(*back.clock, clock);
            assert_eq!(back.fields, e.fields);
            assert_eq!(back.entities, e.entities);
        }
    }
}
