//! The reference incident, end to end: the instants an engineer needs, each
//! saying how its zone was decided, and every file understood.

mod common;

use common::{events, example, run};
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
