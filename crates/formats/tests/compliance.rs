//! Compliance: every registered format against its own example, the way
//! ripgrep runs its tests over every implementation. The examples live in
//! `tests/examples/<format-name>/`; iterating the registry means a new format
//! without an example fails here.

use std::path::{Path, PathBuf};
use uctriage_formats::{by_name, parse_reader, registry, FileContext, ParsedFile};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/examples")
}

/// The example files of one format: (bundle-relative path, bytes).
fn samples(format: &str) -> Vec<(String, Vec<u8>)> {
    let dir = examples().join(format);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap().to_string();
            (format!("bundle/node/{name}"), std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

fn describe(f: &ParsedFile) -> String {
    format!(
        "{} as {}: {} lines, {} understood, {} events, {} facts, problems {:?}",
        f.path,
        f.format,
        f.lines,
        f.understood,
        f.events.len(),
        f.facts.len(),
        f.problems
    )
}

#[test]
fn every_registered_format_reads_its_own_example() {
    let mut missing = Vec::new();
    for format in registry() {
        let name = format.name();
        let files = samples(name);
        if files.is_empty() {
            missing.push(name);
            continue;
        }
        for (path, bytes) in files {
            let ctx = FileContext::new(&path);
            // Detected from content and name, not forced.
            let detected = parse_reader(None, &ctx, &bytes[..]);
            assert_eq!(detected.format, name, "{}", describe(&detected));
            assert!(detected.problems.is_empty(), "{}", describe(&detected));
            assert!(detected.lines > 0, "{}", describe(&detected));
            assert!(
                detected.understood * 10 >= detected.lines * 9,
                "most lines understood: {}",
                describe(&detected)
            );
            assert!(
                !detected.events.is_empty() || !detected.facts.is_empty(),
                "something learnt: {}",
                describe(&detected)
            );
            // Forcing the format gives the same reading.
            let forced = parse_reader(Some(*format), &ctx, &bytes[..]);
            assert_eq!(
                (forced.lines, forced.understood, forced.events.len()),
                (detected.lines, detected.understood, detected.events.len()),
                "{}",
                describe(&forced)
            );
        }
    }
    assert!(
        missing.is_empty(),
        "formats without an example in tests/examples/: {missing:?}"
    );
}

#[test]
fn every_example_folder_is_a_registered_format() {
    for entry in std::fs::read_dir(examples()).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            let name = p.file_name().unwrap().to_str().unwrap();
            assert!(by_name(name).is_some(), "{name} is not a registered format");
        }
    }
}

/// Each format's one-line `example()` (shown by `uctriage formats`) is a line
/// its parser understands: alone, or after its example file (a CSV row needs
/// the header, an SDL record the file head).
#[test]
fn every_formats_example_line_is_understood() {
    for format in registry() {
        let line = format.example();
        assert!(
            !line.trim().is_empty(),
            "{} has no example line",
            format.name()
        );
        let ctx = FileContext::new("bundle/node/example.txt");
        let alone = parse_reader(Some(*format), &ctx, format!("{line}\n").as_bytes());
        if alone.understood == 1 {
            continue;
        }
        let (path, mut bytes) = samples(format.name()).remove(0);
        let ctx = FileContext::new(&path);
        let before = parse_reader(Some(*format), &ctx, &bytes[..]);
        if !bytes.ends_with(b"\n") {
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(format!("{line}\n").as_bytes());
        let after = parse_reader(Some(*format), &ctx, &bytes[..]);
        assert_eq!(
            after.understood,
            before.understood + 1,
            "the example line of {} is not understood alone ({}) nor after its example file ({})",
            format.name(),
            describe(&alone),
            describe(&after)
        );
    }
}
