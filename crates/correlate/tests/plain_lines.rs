//! `analyze` keeps the plain lines only the unusual-activity miner reads up
//! to a cap; past it, none of them (whatever thread read first), while the
//! lines another rule needs stay.

use uctriage_core::{EntityKind, Event, Kind, RawEvent};
use uctriage_correlate::Engine;

fn raw_log(line: u64, text: &str) -> RawEvent {
    RawEvent::new(line, text, Kind::Log, text).on_host("node-x")
}

fn event(raw: &RawEvent) -> Event {
    Event {
        time: None,
        clock: uctriage_core::Clock::stated("test").into(),
        host: raw.host.clone(),
        kind: raw.kind,
        severity: raw.severity,
        summary: raw.summary.clone(),
        fields: raw.fields.clone(),
        entities: raw.entities.clone(),
        evidence: uctriage_core::Evidence {
            file: "f.log".into(),
            line: raw.line,
            text: raw.text.clone(),
        },
        format: "generic",
    }
}

#[test]
fn plain_lines_past_the_cap_are_all_let_go_but_those_another_rule_reads() {
    let kb = uctriage_knowledge::Knowledge::embedded().unwrap();
    let engine = Engine::new(&kb).unwrap();
    // A product line the end-of-support rule reads (a CTI OS process).
    let product = raw_log(1, "CTIOS server started").with_entity(EntityKind::Process, "ctios1");
    let plain: Vec<RawEvent> = (2..=6).map(|n| raw_log(n, "disk check ok")).collect();

    // Under the cap: every plain line is kept and nothing is said.
    let (keep, lines) = engine.retention_capped(10);
    assert!(keep(&product));
    assert!(plain.iter().all(|e| keep(e)));
    let mut events: Vec<Event> = std::iter::once(&product).chain(&plain).map(event).collect();
    assert_eq!(lines.settle(&mut events), None);
    assert_eq!(events.len(), 6);

    // Over it: the first three were kept while reading, then let go; the
    // product line stays and a note tells how many were not mined.
    let (keep, lines) = engine.retention_capped(3);
    let kept: Vec<&RawEvent> = plain.iter().filter(|e| keep(e)).collect();
    assert_eq!(kept.len(), 3);
    assert!(keep(&product));
    let mut events: Vec<Event> = std::iter::once(&product).chain(kept).map(event).collect();
    let note = lines.settle(&mut events).expect("a note");
    assert!(
        note.contains("5 plain lines") && note.contains("uctriage templates"),
        "{note}"
    );
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].evidence.line, 1);
}
