//! Unusual activity in `analyze`: log lines no rule reads that are new on a
//! host in the incident window become `unusual` findings after every cause,
//! a few on the first screen, all in JSON; a bundle without enough of the
//! host's own logs before the window gets none.

mod common;

use common::run;
use serde_json::Value;

/// A day of one heartbeat line, then `new` never-seen messages (8 each) a
/// few minutes before 12 phones unregister.
fn bundle(dir: &std::path::Path, new: &[&str], baseline: bool) {
    let mut lines = Vec::new();
    if baseline {
        for i in 0..30 {
            lines.push(format!(
                "Jul 12 {:02}:{:02}:00 cm1 kernel: eth0 link heartbeat ok seq {i}",
                2 + i / 3,
                (i % 3) * 20
            ));
        }
    }
    for (k, msg) in new.iter().enumerate() {
        for i in 0..8 {
            lines.push(format!(
                "Jul 12 12:{:02}:{:02} cm1 {msg} {i}",
                30 + k,
                i * 5
            ));
        }
    }
    for i in 0..12 {
        lines.push(format!("<187>{}: cm1.example.net: Jul 12 2019 17:45:{:02}.298 UTC :  %UC_CALLMANAGER-3-EndPointUnregistered: %[DeviceName=SEP0023EB54A1{i:02X}][AppID=Cisco CallManager][ClusterID=][NodeID=cm1]: An endpoint has unregistered", 48215 + i, 10 + i));
    }
    std::fs::write(dir.join("messages"), lines.join("\n") + "\n").unwrap();
}

const NEW: [&str; 5] = [
    "kernel: megaraid_sas 0000:03:00.0: FW in FAULT state code",
    "smartd: Device /dev/sda, SMART Failure: reallocated sectors",
    "snmpd: trap sink unreachable, retry",
    "ntpd: peer unreachable, stratum now",
    "dbmon: informix checkpoint took seconds",
];

/// `analyze --format json` of the bundle in `dir`, its node in Chicago.
fn analyze_json(dir: &str) -> Value {
    let out = run(&[
        "analyze",
        dir,
        "--format",
        "json",
        "--tz",
        "cm1=America/Chicago",
    ]);
    serde_json::from_str(&out).unwrap()
}

#[test]
fn a_message_new_before_the_impact_is_unusual_and_said_unexplained() {
    let dir = tempfile::tempdir().unwrap();
    bundle(dir.path(), &NEW[..1], true);
    let d = dir.path().to_str().unwrap();
    let doc = analyze_json(d);
    let f = doc["findings"].as_array().unwrap();
    assert_eq!(f[0]["kind"], "impact");
    let u: Vec<&Value> = f.iter().filter(|f| f["kind"] == "unusual").collect();
    assert_eq!(u.len(), 1, "{doc:#}");
    assert_eq!(u[0]["hosts"][0], "cm1");
    assert_eq!(u[0]["data"]["count"], 8);
    assert_eq!(u[0]["data"]["new"], true);
    assert_eq!(
        u[0]["data"]["template"],
        "kernel: megaraid_sas <*>: FW in FAULT state code <*>"
    );
    assert_eq!(u[0]["start"], "2019-07-12T17:30:00.000Z");
    assert_eq!(u[0]["evidence"][0]["line"], 31);
    let summary = u[0]["summary"].as_str().unwrap();
    assert!(summary.contains("No knowledge explains"), "{summary}");
    assert!(summary.contains("look at cm1"), "{summary}");
    // The impact's own lines and the heartbeat are not unusual.
    let text = run(&["analyze", d, "--tz", "cm1=America/Chicago"]);
    let first_screen = text.split("\n\n").next().unwrap();
    assert!(first_screen.contains("UNUSUAL"), "{text}");
    assert!(text.contains("NEXT CHECKS"), "{text}");
}

#[test]
fn only_a_few_unusual_findings_on_the_first_screen_all_in_json() {
    let dir = tempfile::tempdir().unwrap();
    bundle(dir.path(), &NEW, true);
    let d = dir.path().to_str().unwrap();
    let doc = analyze_json(d);
    let n = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "unusual")
        .count();
    assert_eq!(n, 5);
    let text = run(&["analyze", d, "--tz", "cm1=America/Chicago"]);
    let first_screen = text.split("\n\n").next().unwrap();
    assert_eq!(
        first_screen.matches("New log message").count(),
        3,
        "{first_screen}"
    );
    assert!(
        first_screen.contains("2 more unusual log templates"),
        "{first_screen}"
    );
}

#[test]
fn without_the_hosts_own_logs_before_the_window_nothing_is_unusual() {
    let dir = tempfile::tempdir().unwrap();
    bundle(dir.path(), &NEW[..1], false);
    let d = dir.path().to_str().unwrap();
    let doc = analyze_json(d);
    assert!(doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["kind"] != "unusual"));
}
