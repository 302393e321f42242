//! The JSON Schemas of `schema/`, compiled once per test binary, and the
//! check the run helper applies to every JSON output of the test suite.

use jsonschema::{Registry, Validator};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The base the schemas' relative `$ref`s resolve against.
const BASE: &str = "file:///uctriage/schema/";

/// The schema folder.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("schema")
}

/// Every schema file: (file name, contents).
pub fn all() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir()).expect("schema/") {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.ends_with(".schema.json") {
            let text = std::fs::read_to_string(&path).unwrap();
            let v: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"));
            out.push((name, v));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn registry() -> &'static Registry<'static> {
    static REG: OnceLock<Registry<'static>> = OnceLock::new();
    REG.get_or_init(|| {
        let pairs: Vec<(String, Value)> = all()
            .into_iter()
            .map(|(name, v)| (format!("{BASE}{name}"), v))
            .collect();
        Registry::new()
            .extend(pairs)
            .expect("schemas register")
            .prepare()
            .expect("schemas resolve")
    })
}

/// A validator for one schema file, e.g. `analysis.schema.json`.
pub fn validator(name: &str) -> Validator {
    let (_, schema) = all()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no schema/{name}"));
    jsonschema::options()
        .with_registry(registry())
        .with_base_uri(format!("{BASE}{name}"))
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("schema/{name} does not compile: {e}"))
}

/// Panic with every violation unless `doc` is valid against schema `name`.
pub fn assert_valid(name: &str, doc: &Value) {
    static CACHE: OnceLock<std::sync::Mutex<Vec<(String, &'static Validator)>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let v: &'static Validator = {
        let mut c = cache.lock().unwrap();
        match c.iter().find(|(n, _)| n == name) {
            Some((_, v)) => v,
            None => {
                let v: &'static Validator = Box::leak(Box::new(validator(name)));
                c.push((name.to_string(), v));
                v
            }
        }
    };
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(10)
        .collect();
    assert!(
        errors.is_empty(),
        "output does not match schema/{name}:\n{}",
        errors.join("\n")
    );
}

/// Validate what a command wrote: `analyze`, `files` and `timeline` with
/// `--format json`, on stdout or in the `-o FILE` they were given.
pub fn check_output(args: &[&str], stdout: &str) {
    let json =
        args.windows(2).any(|w| w == ["--format", "json"]) || args.contains(&"--format=json");
    if !json {
        return;
    }
    let file = args
        .windows(2)
        .find(|w| (w[0] == "-o" || w[0] == "--output") && w[1] != "-")
        .map(|w| w[1]);
    let text = match file {
        Some(f) => match std::fs::read_to_string(f) {
            Ok(t) => t,
            Err(_) => return, // not written: the run failed, its caller says so
        },
        None => stdout.to_string(),
    };
    if text.trim().is_empty() {
        return;
    }
    match args.first().copied() {
        Some("timeline") => {
            for (i, line) in text.lines().enumerate() {
                let v: Value = serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("NDJSON line {} is not JSON: {e}", i + 1));
                assert_valid("timeline-event.schema.json", &v);
            }
        }
        Some("analyze") => assert_valid("analysis.schema.json", &parse(&text)),
        Some("files") => assert_valid("files.schema.json", &parse(&text)),
        Some("templates") if args.contains(&"--assign") => {
            for (i, line) in text.lines().enumerate() {
                let v: Value = serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("NDJSON line {} is not JSON: {e}", i + 1));
                assert_valid("template-assignment.schema.json", &v);
            }
        }
        Some("templates") => assert_valid("templates.schema.json", &parse(&text)),
        other => panic!("JSON from {other:?}: which schema describes it?"),
    }
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("output is not JSON: {e}"))
}
