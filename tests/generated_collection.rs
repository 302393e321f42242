//! A generated collection (`uctriage-gen`, ~20 MB: SDL traces gz / plain /
//! open `.gzo`, CiscoSyslog, PerfMon, CLI captures, JGW dumplog) is analysed
//! by the real binary, and the findings match the generator's ground truth —
//! with one worker thread and with all of them.

mod common;

use common::run;
use serde_json::Value;
use std::path::Path;

fn analyze(path: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["analyze", path.to_str().unwrap(), "--format", "json", "-q"];
    args.extend_from_slice(extra);
    serde_json::from_str(&run(&args)).expect("analyze JSON")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// The findings without evidence texts that may name temporary paths.
fn findings(doc: &Value) -> Vec<Value> {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            serde_json::json!({
                "id": f["id"], "kind": f["kind"], "title": f["title"], "hosts": f["hosts"],
                "devices": f["devices"], "services": f["services"], "start": f["start"],
                "end": f["end"], "confidence": f["confidence"], "caused_by": f["caused_by"],
            })
        })
        .collect()
}

#[test]
fn generated_collection_findings_match_the_ground_truth() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = uctriage_gen::Config {
        out: dir.path().to_path_buf(),
        size: 20 << 20,
        roll_bytes: 2 << 20,
        seed: 7,
        ..Default::default()
    };
    let summary = uctriage_gen::generate(&cfg).expect("generate");
    let truth: Value =
        serde_json::from_str(&std::fs::read_to_string(&summary.ground_truth_path).unwrap())
            .unwrap();
    assert!(summary.gz_files > 0 && summary.files > summary.gz_files);
    let disk = summary.disk_bytes as f64;
    assert!(
        (14e6..30e6).contains(&disk),
        "collection of {disk} bytes, asked for 20 MiB"
    );

    let doc = analyze(&summary.collection, &[]);
    assert_eq!(doc["time_zone"], truth["time_zone"]);
    let of_kind = |k: &str| -> Vec<&Value> {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == k)
            .collect()
    };
    let roots = of_kind("root_cause");
    assert_eq!(roots.len(), 1, "{roots:#?}");
    let root = roots[0];
    assert_eq!(
        strings(&root["hosts"]),
        vec![truth["root_cause_host"].as_str().unwrap()]
    );
    let mut services = strings(&root["services"]);
    services.sort();
    let mut processes = strings(&truth["processes"]);
    processes.sort();
    assert_eq!(services, processes, "{root:#?}");

    let devices = strings(&truth["impact_devices"]);
    let impact = of_kind("impact")
        .into_iter()
        .find(|f| {
            f["caused_by"]
                .as_array()
                .is_some_and(|c| c.contains(&root["id"]))
        })
        .expect("an impact caused by the root cause");
    let found = strings(&impact["devices"]);
    for d in devices
        .iter()
        .chain(strings(&truth["impact_addresses"]).iter())
    {
        assert!(found.contains(d), "{d} missing from {found:?}");
    }
    assert_eq!(impact["start"], truth["impact_start_utc"], "{impact:#?}");
    assert_eq!(root["start"], truth["impact_start_utc"]);

    // The core epoch of the ground truth is the one the analysis cites.
    let epoch = truth["core_epoch"].as_i64().unwrap().to_string();
    assert!(
        root.to_string().contains(&epoch),
        "core epoch {epoch} not cited by {root:#}"
    );

    let one = analyze(&summary.collection, &["--threads", "1"]);
    assert_eq!(
        findings(&one),
        findings(&doc),
        "--threads 1 differs from the default"
    );
}
