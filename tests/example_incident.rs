//! The reference incident, end to end: the instants an engineer needs, each
//! saying how its zone was decided, and every file understood.

mod common;

use common::{copy_dir, events, example, of_kind, run, strs};
use serde_json::Value;

fn find<'a>(evs: &'a [Value], kind: &str, pred: impl Fn(&Value) -> bool) -> &'a Value {
    evs.iter()
        .find(|e| e["kind"] == kind && pred(e))
        .unwrap_or_else(|| panic!("no {kind} event matching"))
}

#[test]
fn the_three_key_instants_are_right_and_say_how_their_zone_was_decided() {
    let ex = example();
    let evs = events(&["timeline", ex.to_str().unwrap(), "--format", "json"]);
    let lcp = find(&evs, "device_out_of_service", |e| {
        e["fields"]["device"] == "LCP50001148"
    });
    assert_eq!(lcp["time"], "2019-07-12T17:33:19.564Z");
    assert_eq!(lcp["clock"]["zone"], "America/Chicago");
    assert_eq!(
        lcp["clock"]["zone_source"], "other-host",
        "the PG has no zone evidence of its own"
    );
    assert_eq!(lcp["clock"]["date_source"], "header");

    let core = find(&evs, "service_core", |e| {
        e["fields"]["pid"] == "28448" && e["format"] == "cucm-cli"
    });
    assert_eq!(core["time"], "2019-07-12T17:35:57.000Z");
    assert_eq!(core["clock"]["zone_source"], "stated");
    assert_eq!(core["host"], "bldcucmsub7");

    let auth = find(&evs, "cluster_auth", |e| e["host"] == "bldcucmtftp1");
    assert_eq!(auth["time"], "2019-07-12T17:33:47.000Z");
    assert_eq!(auth["clock"]["zone_source"], "show-status");
    assert_eq!(auth["fields"]["state"], "not authenticated - INITIATOR");
}

#[test]
fn every_log_file_of_the_example_is_at_least_95_percent_understood() {
    let ex = example();
    let doc: Value =
        serde_json::from_str(&run(&["files", ex.to_str().unwrap(), "--format", "json"])).unwrap();
    let files = doc["files"].as_array().unwrap();
    assert!(files.len() >= 7);
    for f in files.iter().filter(|f| f["format"] != "document") {
        let (lines, understood) = (
            f["lines"].as_u64().unwrap(),
            f["understood"].as_u64().unwrap(),
        );
        assert!(lines > 0, "{f}");
        assert!(
            understood * 100 >= lines * 95,
            "{}: {understood}/{lines} understood",
            f["path"]
        );
    }
}

#[test]
fn incident_window_timeline_text_is_stable() {
    let ex = example();
    let text = run(&[
        "timeline",
        ex.to_str().unwrap(),
        "--since",
        "2019-07-12 12:33",
        "--until",
        "2019-07-12 12:38",
        "--kind",
        "device_out_of_service",
        "--kind",
        "device_in_service",
        "--kind",
        "service_core",
        "--kind",
        "backtrace",
        "--kind",
        "cluster_auth",
        "--kind",
        "sdl_link",
        "--kind",
        "service_state",
    ]);
    insta::assert_snapshot!(text);
}

#[test]
fn utc_view_and_filters_agree_with_the_local_view() {
    let ex = example();
    let local = run(&[
        "timeline",
        ex.to_str().unwrap(),
        "--host",
        "bldcucmtftp1.voip.com",
        "--kind",
        "cluster_auth",
    ]);
    let utc = run(&[
        "timeline",
        ex.to_str().unwrap(),
        "--host",
        "170.8.4.71",
        "--kind",
        "cluster_auth",
        "--utc",
    ]);
    assert!(local.contains("2019-07-12 12:33:47.000 -05:00"), "{local}");
    assert!(utc.contains("2019-07-12 17:33:47.000 +00:00"), "{utc}");
}

fn analysis() -> Value {
    let ex = example();
    serde_json::from_str(&run(&["analyze", ex.to_str().unwrap(), "--format", "json"])).unwrap()
}

#[test]
fn analysis_names_the_impact_and_its_root_cause_chain() {
    let doc = analysis();
    let impact = of_kind(&doc, "impact");
    assert_eq!(impact.len(), 1);
    let devices = strs(&impact[0]["devices"]);
    for d in ["LCP50001148", "LCP50001182", "27148", "27182"] {
        assert!(devices.contains(&d), "{devices:?}");
    }
    assert_eq!(impact[0]["start"], "2019-07-12T17:33:19.564Z");
    let root = of_kind(&doc, "root_cause");
    assert_eq!(root.len(), 1);
    assert_eq!(strs(&root[0]["hosts"]), ["bldcucmsub7"]);
    let services = strs(&root[0]["services"]);
    assert!(
        services.contains(&"ccm") && services.contains(&"CTIManager"),
        "{services:?}"
    );
    assert_eq!(
        strs(&impact[0]["caused_by"]),
        [root[0]["id"].as_str().unwrap()]
    );
    let summary = root[0]["summary"].as_str().unwrap();
    assert!(summary.contains("unable to process signals"), "{summary}");
    assert!(
        summary.contains("DP_BLD_MobileAgent"),
        "the registration path is explained: {summary}"
    );
    let cited: Vec<(&str, u64)> = root[0]["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["file"].as_str().unwrap(), e["line"].as_u64().unwrap()))
        .collect();
    assert!(
        cited
            .iter()
            .any(|(f, _)| f.ends_with("bldcucmsub7/cli_session.txt")),
        "{cited:?}"
    );
    assert!(root[0]["confidence"].as_f64().unwrap() >= 0.8);
}

#[test]
fn analysis_separates_coincidence_recurrence_and_advice() {
    let doc = analysis();
    let tftp: Vec<&Value> = of_kind(&doc, "coincidental")
        .into_iter()
        .filter(|f| strs(&f["hosts"]) == ["bldcucmtftp1"])
        .collect();
    assert_eq!(tftp.len(), 1, "one coincidental finding for the TFTP node");
    let summary = tftp[0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("CPU") && summary.contains("not authenticated"),
        "{summary}"
    );
    assert!(
        summary.contains("before the impact"),
        "why it is a coincidence: {summary}"
    );
    assert_eq!(
        tftp[0]["start"], "2019-07-12T12:42:00.000Z",
        "CPU pegged since 07:42 CDT"
    );
    let rec = of_kind(&doc, "recurrence");
    let starts: Vec<&str> = rec.iter().map(|f| f["start"].as_str().unwrap()).collect();
    assert!(starts.contains(&"2019-02-23T09:24:15.000Z"), "{starts:?}");
    assert!(starts.contains(&"2016-01-25T19:27:07.000Z"), "{starts:?}");
    let same_pair = rec
        .iter()
        .find(|f| f["start"] == "2019-02-23T09:24:15.000Z")
        .unwrap();
    assert!(same_pair["confidence"].as_f64().unwrap() > 0.8);
    let adv = of_kind(&doc, "advisory");
    assert!(adv
        .iter()
        .any(|f| f["title"].as_str().unwrap().contains("CTI OS")
            && f["title"].as_str().unwrap().contains("end of support")));
    assert!(
        doc["files"].as_array().unwrap().len() >= 8,
        "the files list rides along"
    );
}

#[test]
fn analysis_first_screen_is_stable() {
    let ex = example();
    let text = run(&["analyze", ex.to_str().unwrap()]);
    let first_screen: String = text.lines().take(20).collect::<Vec<_>>().join("\n");
    insta::assert_snapshot!(first_screen);
}

#[test]
fn markdown_report_has_every_finding_with_sources() {
    let ex = example();
    let md = run(&["analyze", ex.to_str().unwrap(), "--format", "md"]);
    let doc = analysis();
    for f in doc["findings"].as_array().unwrap() {
        assert!(
            md.contains(&format!("## {} — ", f["id"].as_str().unwrap())),
            "{} missing",
            f["id"]
        );
    }
    assert!(md.contains("```text"), "evidence blocks");
    assert!(md.contains("](https://"), "linked sources");
}

/// With a VM inventory that puts the pegged TFTP node on the same ESXi host as
/// the crashed subscriber, it is no longer an independent coincidence.
#[test]
fn a_shared_esxi_host_turns_the_coincidence_into_a_contributing_cause() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&example(), dir.path());
    let inventory = "\"Name\",\"PowerState\",\"VMHost\",\"Datastore\"\n\"bldcucmsub7\",\"PoweredOn\",\"esx-b04.voip.com\",\"[B04-LUN2] bldcucmsub7/bldcucmsub7.vmx\"\n\"bldcucmtftp1\",\"PoweredOn\",\"esx-b04.voip.com\",\"[B04-LUN2] bldcucmtftp1/bldcucmtftp1.vmx\"\n\"bldcucmsub5\",\"PoweredOn\",\"esx-b02.voip.com\",\"[B02-LUN1] bldcucmsub5/bldcucmsub5.vmx\"\n";
    std::fs::write(dir.path().join("vm_inventory.csv"), inventory).unwrap();
    let doc: Value = serde_json::from_str(&run(&[
        "analyze",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
    ]))
    .unwrap();
    let tftp = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| strs(&f["hosts"]) == ["bldcucmtftp1"])
        .unwrap();
    assert_eq!(tftp["kind"], "contributing");
    assert!(
        tftp["summary"]
            .as_str()
            .unwrap()
            .contains("ESXi host esx-b04.voip.com"),
        "{}",
        tftp["summary"]
    );
    let root = &of_kind(&doc, "root_cause")[0];
    assert!(root["summary"]
        .as_str()
        .unwrap()
        .contains("runs on ESXi host esx-b04.voip.com, datastore B04-LUN2"));
}
