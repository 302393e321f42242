//! The JSON Schemas in `schema/`: valid schemas themselves, and strict
//! enough to catch an output that drifts from them.

mod common;

use common::schema;
use common::{example, output, run};
use serde_json::Value;

#[test]
fn every_schema_file_is_a_valid_2020_12_schema() {
    let all = schema::all();
    assert!(all.len() >= 5, "{} schemas", all.len());
    for (name, s) in &all {
        assert_eq!(
            s["$schema"], "https://json-schema.org/draft/2020-12/schema",
            "{name}"
        );
        if let Err(e) = jsonschema::meta::validate(s) {
            panic!("schema/{name} is not a valid schema: {e}");
        }
        // Compiles with every $ref resolved.
        schema::validator(name);
    }
}

#[test]
fn every_json_output_carries_schema_version() {
    let ex = example();
    let ex = ex.to_str().unwrap();
    for args in [
        vec!["analyze", ex, "--format", "json"],
        vec!["files", ex, "--format", "json"],
        vec!["templates", ex, "--format", "json"],
    ] {
        let doc: Value = serde_json::from_str(&run(&args)).unwrap();
        assert_eq!(doc["schema_version"], "1.0", "{args:?}");
    }
    for args in [
        vec!["timeline", ex, "--format", "json", "--all"],
        vec!["templates", ex, "--format", "json", "--assign"],
    ] {
        let ndjson = run(&args);
        assert!(ndjson.lines().count() > 100, "{args:?}");
        for line in ndjson.lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            assert_eq!(v["schema_version"], "1.0", "{args:?}");
        }
    }
}

/// A field the schema does not know, a wrong type or a missing field is
/// caught: the schemas are a contract, not decoration.
#[test]
fn the_schemas_reject_drifted_documents() {
    let ex = example();
    let doc: Value =
        serde_json::from_str(&run(&["analyze", ex.to_str().unwrap(), "--format", "json"])).unwrap();
    let v = schema::validator("analysis.schema.json");
    assert!(v.is_valid(&doc));
    let mut extra = doc.clone();
    extra["findings"][0]["undocumented"] = Value::Bool(true);
    assert!(!v.is_valid(&extra), "an undocumented finding field passes");
    let mut retyped = doc.clone();
    retyped["findings"][0]["confidence"] = Value::String("high".into());
    assert!(!v.is_valid(&retyped), "a string confidence passes");
    let mut missing = doc.clone();
    missing.as_object_mut().unwrap().remove("schema_version");
    assert!(
        !v.is_valid(&missing),
        "a document without schema_version passes"
    );
    let mut bad_time = doc;
    bad_time["findings"][0]["start"] = Value::String("2019-07-12 12:33".into());
    assert!(!v.is_valid(&bad_time), "a civil time passes as an instant");
}

/// `-o FILE` writes the same document, and it is validated too.
#[test]
fn output_file_holds_the_same_valid_json() {
    let ex = example();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.ndjson");
    let args = [
        "timeline",
        ex.to_str().unwrap(),
        "--format",
        "json",
        "-o",
        path.to_str().unwrap(),
    ];
    let out = output(&args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.is_empty(), "nothing on stdout with -o");
    let written = std::fs::read_to_string(&path).unwrap();
    let direct = run(&["timeline", ex.to_str().unwrap(), "--format", "json"]);
    assert_eq!(written, direct);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left: {leftovers:?}");
}
