//! More incidents, of other kinds than the reference one, explained by the
//! same rules: a branch WAN outage (a network root cause, no CUCM fault), a
//! CTIManager-only abort (the CTI application lost its CTIManager while the
//! CallManager stayed up), and a ccm abort caused by datastore latency on its
//! ESXi host while CPU stayed normal. Each bundle under `tests/incidents/` is
//! synthetic; its README says what happened.

mod common;

use common::{copy_dir, of_kind, run, strs};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn bundle(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/incidents")
        .join(name)
}

fn analyze_json(path: &Path) -> Value {
    serde_json::from_str(&run(&[
        "analyze",
        path.to_str().unwrap(),
        "--format",
        "json",
    ]))
    .expect("analyze JSON")
}

/// The fields of each finding a reader decides on.
fn projection(doc: &Value) -> Value {
    let findings = doc["findings"].as_array().expect("findings");
    Value::Array(
        findings
            .iter()
            .map(|f| {
                json!({
                    "id": f["id"],
                    "kind": f["kind"],
                    "title": f["title"],
                    "hosts": f["hosts"],
                    "devices": f["devices"],
                    "start": f["start"],
                    "end": f["end"],
                    "confidence": f["confidence"],
                    "caused_by": f["caused_by"],
                })
            })
            .collect(),
    )
}

#[test]
fn branch_wan_outage_is_a_network_outage_at_the_site_not_a_cucm_fault() {
    let doc = analyze_json(&bundle("branch-wan-outage"));
    assert_eq!(doc["time_zone"], "Europe/London", "{}", doc["time_zone"]);

    let impacts = of_kind(&doc, "impact");
    assert_eq!(impacts.len(), 1, "{impacts:#?}");
    let impact = impacts[0];
    assert_eq!(impact["devices"].as_array().unwrap().len(), 18);
    // 10:42:17 BST is 09:42:17 UTC; every phone was registered again by 10:49:07.
    assert_eq!(impact["start"], "2023-09-19T09:42:17.206Z");
    assert_eq!(impact["end"], "2023-09-19T09:49:07.321Z");

    let roots = of_kind(&doc, "root_cause");
    assert_eq!(roots.len(), 1, "only the network: {roots:#?}");
    let root = roots[0];
    assert_eq!(root["rule"], "site-network");
    let title = root["title"].as_str().unwrap();
    assert!(
        title.starts_with("Network outage at device pool DP_LDS_Branch"),
        "{title}"
    );
    let summary = root["summary"].as_str().unwrap();
    assert!(summary.contains("subnet 10.62.14.0/24"), "{summary}");
    assert!(
        summary.contains("10.62.14.1") && summary.contains("lost 100%"),
        "the ping loss towards the branch router corroborates it: {summary}"
    );
    assert!(
        !strs(&root["hosts"])
            .iter()
            .any(|h| *h == "ldn-cucm-pub" || *h == "ldn-cucm-sub2"),
        "{root}"
    );
    assert_eq!(
        strs(&impact["caused_by"]),
        vec![root["id"].as_str().unwrap()]
    );

    // The healthy nodes are not blamed: no crash, no coincidence (the RTMT
    // NumberOfRegisteredPhonesDropped alert is the impact itself), and the
    // 2022 core on the secondary is history, not a cause.
    for f in doc["findings"].as_array().unwrap() {
        assert_ne!(f["rule"], "crash", "{f}");
        assert_ne!(f["kind"], "coincidental", "{f}");
        assert_ne!(f["kind"], "contributing", "{f}");
    }

    insta::assert_json_snapshot!("branch_wan_outage_findings", projection(&doc));
    let text = run(&["analyze", bundle("branch-wan-outage").to_str().unwrap()]);
    insta::assert_snapshot!("branch_wan_outage_text", text);
}

#[test]
fn ctimanager_only_crash_is_the_ctimanager_of_that_subscriber() {
    let doc = analyze_json(&bundle("ctimanager-only-crash"));
    assert_eq!(doc["time_zone"], "America/Los_Angeles");

    let impacts = of_kind(&doc, "impact");
    assert_eq!(impacts.len(), 1, "{impacts:#?}");
    let impact = impacts[0];
    assert_eq!(strs(&impact["services"]), vec!["CTI provider"]);
    let devices = strs(&impact["devices"]);
    assert!(devices.contains(&"CTIP_SJC_7101") && devices.contains(&"7108"));
    // 14:07:33.702 PST (provider out of service) is 22:07:33.702 UTC; back at 14:07:41.
    assert_eq!(impact["start"], "2024-02-06T22:07:33.702Z");
    assert_eq!(impact["end"], "2024-02-06T22:07:41.768Z");

    let roots = of_kind(&doc, "root_cause");
    assert_eq!(roots.len(), 1, "{roots:#?}");
    let root = roots[0];
    assert_eq!(root["rule"], "crash");
    assert_eq!(strs(&root["hosts"]), vec!["sjc-cucm-sub2"]);
    assert_eq!(strs(&root["services"]), vec!["CTIManager"]);
    let title = root["title"].as_str().unwrap();
    assert!(title.starts_with("CTIManager on sjc-cucm-sub2"), "{title}");
    assert!(
        !title.contains("aborted with it"),
        "no co-crash invented: {title}"
    );
    let summary = root["summary"].as_str().unwrap();
    assert!(
        summary.contains("named after sjc-cucm-sub2"),
        "the provider names the CTIManager: {summary}"
    );
    assert_eq!(
        strs(&impact["caused_by"]),
        vec![root["id"].as_str().unwrap()]
    );

    assert!(
        of_kind(&doc, "coincidental").is_empty(),
        "no coincidence invented"
    );
    assert!(of_kind(&doc, "contributing").is_empty());
    let rec = of_kind(&doc, "recurrence");
    assert_eq!(rec.len(), 1);
    assert_eq!(rec[0]["start"], "2023-06-14T09:51:12.000Z");

    insta::assert_json_snapshot!("ctimanager_only_crash_findings", projection(&doc));
    let text = run(&["analyze", bundle("ctimanager-only-crash").to_str().unwrap()]);
    insta::assert_snapshot!("ctimanager_only_crash_text", text);
}

/// Without the provider naming its CTIManager, the CTIManager core in the
/// window is still the suspect (CTIMANAGER_FAILURE), with lower confidence
/// and said to be inferred.
#[test]
fn ctimanager_failure_without_a_named_provider_is_inferred() {
    let src = bundle("ctimanager-only-crash");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&src, dir.path());
    let jgw = dir.path().join("pg3a/jgw1_dumplog.txt");
    let text = std::fs::read_to_string(&jgw).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.contains("Prov"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&jgw, text).unwrap();
    let doc = analyze_json(dir.path());
    let roots = of_kind(&doc, "root_cause");
    assert_eq!(roots.len(), 1, "{roots:#?}");
    assert_eq!(strs(&roots[0]["hosts"]), vec!["sjc-cucm-sub2"]);
    let summary = roots[0]["summary"].as_str().unwrap();
    assert!(summary.contains("the link is inferred"), "{summary}");
    let named = of_kind(&analyze_json(&src), "root_cause")[0]["confidence"]
        .as_f64()
        .unwrap();
    assert!(roots[0]["confidence"].as_f64().unwrap() < named);
    let impact = of_kind(&doc, "impact")[0];
    assert!(impact["services"].as_array().unwrap().is_empty());
    assert_eq!(
        strs(&impact["caused_by"]),
        vec![roots[0]["id"].as_str().unwrap()]
    );
}

#[test]
fn every_file_of_both_incidents_is_fully_understood() {
    for name in [
        "branch-wan-outage",
        "ctimanager-only-crash",
        "esxi-datastore-latency",
    ] {
        let doc: Value = serde_json::from_str(&run(&[
            "files",
            bundle(name).to_str().unwrap(),
            "--format",
            "json",
        ]))
        .unwrap();
        let files = doc["files"].as_array().unwrap();
        assert!(files.len() >= 5, "{name}: {files:#?}");
        // TRUTH.toml is the test's, not the bundle's (tests/incidents/README.md).
        for f in files
            .iter()
            .filter(|f| f["format"] != "document" && f["path"] != "TRUTH.toml")
        {
            assert_eq!(f["understood"], f["lines"], "{name}: {f}");
            assert!(f["host"].is_string(), "{name}: {f}");
        }
    }
}

#[test]
fn esxi_datastore_latency_is_the_cause_of_the_abort_not_cpu() {
    let doc = analyze_json(&bundle("esxi-datastore-latency"));
    let impact = of_kind(&doc, "impact");
    let roots = of_kind(&doc, "root_cause");
    let contributing = of_kind(&doc, "contributing");
    assert_eq!(
        (impact.len(), roots.len(), contributing.len()),
        (1, 1, 1),
        "{doc:#}"
    );
    assert_eq!(strs(&roots[0]["hosts"]), ["syd-cm-sub1"]);
    assert_eq!(
        strs(&impact[0]["caused_by"]),
        [roots[0]["id"].as_str().unwrap()]
    );
    assert_eq!(
        strs(&roots[0]["caused_by"]),
        [contributing[0]["id"].as_str().unwrap()]
    );
    let c = contributing[0];
    let title = c["title"].as_str().unwrap();
    assert!(
        title.contains("Storage latency on ESXi host esx-syd-02"),
        "{title}"
    );
    let summary = c["summary"].as_str().unwrap();
    assert!(
        summary.contains("disk latency") && summary.contains("past threshold disk-latency (20 ms)"),
        "{summary}"
    );
    assert!(summary.contains("not CPU starvation"), "{summary}");
    assert_eq!(
        c["start"], "2024-06-18T03:47:30.000Z",
        "the latency episode starts the chain"
    );
    assert!(
        c["references"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["key"] == "S-BE6K"),
        "the 20 ms threshold's source"
    );
    assert!(
        of_kind(&doc, "coincidental").is_empty(),
        "the ESXi host is not a coincidence: {doc:#}"
    );
    insta::assert_json_snapshot!("esxi_datastore_latency_findings", projection(&doc));
}
