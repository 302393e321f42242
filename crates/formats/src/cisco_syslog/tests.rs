//! Tests of the Cisco syslog parser against the verbatim public samples and
//! fixtures of our own.

use crate::{by_name, parse_reader, FileContext, ParsedFile};

fn parse(text: &str, path: &str) -> ParsedFile {
    parse_reader(
        by_name("cisco-syslog"),
        &FileContext::new(path),
        text.as_bytes(),
    )
}

#[test]
fn smoke() {
    let f = parse("x\n", "a");
    assert_eq!(f.lines, 1);
}

#[test]
fn dump_all() {
    for e in std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/cisco_syslog"
    ))
    .unwrap()
    {
        let p = e.unwrap().path();
        let t = std::fs::read_to_string(&p).unwrap();
        let f = parse(&t, p.file_name().unwrap().to_str().unwrap());
        println!(
            "=== {} lines={} understood={}",
            f.path, f.lines, f.understood
        );
        for ev in &f.events {
            println!(
                "  L{} {:?} {:?} host={:?} sev={:?} | {}",
                ev.line, ev.kind, ev.time, ev.host, ev.severity, ev.summary
            );
            println!("     {:?}", ev.fields);
            println!("     {:?}", ev.entities);
        }
        for x in &f.facts {
            println!("  FACT {:?}", x);
        }
        for x in &f.problems {
            println!("  PROB {:?}", x);
        }
    }
}
