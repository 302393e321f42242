//! An event as stored: indexed columns plus one JSON body, and back.
//!
//! The body holds what the columns do not: the clock, fields, entities, the
//! format and the evidence file. The evidence text is the message's own text
//! (stored once, with the message). The core types only serialize, so the way
//! back names each enum's spellings here; a spelling this table does not know
//! (a variant added later) falls back to the most honest neighbour and a test
//! checks every current variant round-trips.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use uctriage_core::jiff::civil::DateTime;
use uctriage_core::{
    Clock, DateSource, Entity, EntityKind, Event, Evidence, Fields, Kind, Severity, ZoneSource,
};

#[derive(Serialize)]
struct BodyOut<'a> {
    clock: &'a Clock,
    fields: &'a Fields,
    entities: &'a [Entity],
    format: &'a str,
    file: &'a str,
}

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

/// The JSON body of an event.
pub(crate) fn body(e: &Event) -> String {
    serde_json::to_string(&BodyOut {
        clock: &e.clock,
        fields: &e.fields,
        entities: &e.entities,
        format: e.format,
        file: &e.evidence.file,
    })
    .unwrap_or_else(|_| "{}".into())
}

/// The columns of a stored event row.
pub(crate) struct Row {
    pub time_ms: Option<i64>,
    pub host: Option<String>,
    pub kind: String,
    pub severity: i64,
    pub summary: String,
    pub body: String,
    pub message_id: u64,
    pub text: String,
}

/// An event back from its row.
pub(crate) fn event(row: Row) -> Event {
    let b: BodyIn = serde_json::from_str(&row.body).unwrap_or(BodyIn {
        clock: ClockIn {
            zone: "UTC".into(),
            zone_source: "unknown".into(),
            date_source: "line".into(),
            detail: "stored clock unreadable".into(),
        },
        fields: BTreeMap::new(),
        entities: Vec::new(),
        format: "live".into(),
        file: "syslog".into(),
    });
    let mut fields = Fields::new();
    for (k, v) in &b.fields {
        fields.insert(k, v);
    }
    Event {
        time: row
            .time_ms
            .and_then(|ms| uctriage_core::jiff::Timestamp::from_millisecond(ms).ok()),
        clock: Clock {
            zone: Arc::from(b.clock.zone),
            zone_source: zone_source(&b.clock.zone_source),
            date_source: date_source(&b.clock.date_source),
            detail: Arc::from(b.clock.detail),
        },
        host: row.host,
        kind: Kind::parse(&row.kind).unwrap_or(Kind::Log),
        severity: Severity::from_number(row.severity.clamp(0, 7) as u8).unwrap_or_default(),
        summary: row.summary,
        fields,
        entities: b
            .entities
            .into_iter()
            .filter_map(|e| {
                Some(Entity {
                    kind: entity_kind(&e.kind)?,
                    id: e.id,
                })
            })
            .collect(),
        evidence: Evidence {
            file: Arc::from(b.file),
            line: row.message_id,
            text: row.text.into(),
        },
        format: format_name(&b.format),
    }
}

/// The date source of a stored body's clock (for re-placing local times).
pub(crate) fn body_date_source(body: &str) -> DateSource {
    #[derive(Deserialize)]
    struct Only {
        clock: ClockIn,
    }
    serde_json::from_str::<Only>(body)
        .map(|o| date_source(&o.clock.date_source))
        .unwrap_or(DateSource::Line)
}

/// A body with its clock replaced.
pub(crate) fn with_clock(body: &str, clock: &Clock) -> String {
    let Ok(mut v) = serde_json::from_str::<serde_json::Value>(body) else {
        return body.to_string();
    };
    if let (Some(o), Ok(c)) = (v.as_object_mut(), serde_json::to_value(clock)) {
        o.insert("clock".into(), c);
    }
    v.to_string()
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

const ZONE_SOURCES: [ZoneSource; 9] = [
    ZoneSource::Stated,
    ZoneSource::FileHead,
    ZoneSource::ShowStatus,
    ZoneSource::NtpStatus,
    ZoneSource::Hint,
    ZoneSource::CoreEpoch,
    ZoneSource::SyslogPrefix,
    ZoneSource::OtherHost,
    ZoneSource::Unknown,
];

const DATE_SOURCES: [DateSource; 8] = [
    DateSource::Line,
    DateSource::Header,
    DateSource::FileHead,
    DateSource::FileName,
    DateSource::Hint,
    DateSource::Bundle,
    DateSource::Wrapped,
    DateSource::Received,
];

const ENTITY_KINDS: [EntityKind; 8] = [
    EntityKind::Device,
    EntityKind::Address,
    EntityKind::Process,
    EntityKind::Service,
    EntityKind::Node,
    EntityKind::CoreFile,
    EntityKind::Agent,
    EntityKind::Alarm,
];

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
mod tests {
    use super::*;

    #[test]
    fn every_spelling_round_trips() {
        for z in ZONE_SOURCES {
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

    #[test]
    fn an_event_round_trips_through_its_row() {
        let e = Event {
            time: Some("2019-07-12T17:35:57.962Z".parse().unwrap()),
            clock: Clock::stated("CiscoLog UTC stamp"),
            host: Some("cm7".into()),
            kind: Kind::ServiceState,
            severity: Severity::Critical,
            summary: "ServiceFailed".into(),
            fields: {
                let mut f = Fields::new();
                f.insert("ServiceName", "Cisco CallManager");
                f
            },
            entities: vec![Entity {
                kind: EntityKind::Service,
                id: "Cisco CallManager".into(),
            }],
            evidence: Evidence {
                file: Arc::from("syslog/10.0.0.7"),
                line: 42,
                text: "raw".into(),
            },
            format: "cisco-syslog",
        };
        let back = event(Row {
            time_ms: e.time.map(|t| t.as_millisecond()),
            host: e.host.clone(),
            kind: e.kind.as_str().into(),
            severity: 2,
            summary: e.summary.clone(),
            body: body(&e),
            message_id: 42,
            text: "raw".into(),
        });
        assert_eq!(back, e);
    }
}
