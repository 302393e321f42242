//! Bundles other than the reference one: other hosts, zones, layouts and
//! containers are read just as well.

mod common;

use common::{events, example, run};
use std::io::Write;

fn write(dir: &std::path::Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A European cluster: syslog prefixes (local) against UTC stamps decide the
/// zone; a UCCE PG next to it inherits it; CLI rows are read in it.
#[test]
fn amsterdam_zone_is_inferred_from_syslog_and_shared_with_the_pg() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "ams-cm-pub/CiscoSyslog",
        "Jan 15 10:00:01 ams-cm-pub local7 6 : 101: ams-cm-pub.example.nl: Jan 15 2024 09:00:01.120 UTC :  %UC_GENERIC-6-ServiceStarted: %[ServiceName=Cisco CallManager][ProcessID=4242][AppID=Cisco Service Manager][ClusterID=][NodeID=ams-cm-pub]: Service started.\n\
Jul 15 10:00:01 ams-cm-pub local7 6 : 102: ams-cm-pub.example.nl: Jul 15 2024 08:00:01.120 UTC :  %UC_GENERIC-6-ServiceStarted: %[ServiceName=Cisco CTIManager][ProcessID=4243][AppID=Cisco Service Manager][ClusterID=][NodeID=ams-cm-pub]: Service started.\n",
    );
    write(
        dir.path(),
        "pg2b/jgw_dump.txt",
        "Events from July 15, 2024\n10:05:00:250 PG2B-jgw1 Trace: CiscoTermOutOfServiceEv Term: CTIP7001 Cause: DEVICE_UNREGISTERED\n",
    );
    let p = dir.path().to_str().unwrap();
    let evs = events(&["timeline", p, "--format", "json"]);
    let oos = evs
        .iter()
        .find(|e| e["kind"] == "device_out_of_service")
        .unwrap();
    assert_eq!(
        oos["time"], "2024-07-15T08:05:00.250Z",
        "10:05 CEST is 08:05 UTC"
    );
    assert_eq!(oos["clock"]["zone"], "Europe/Amsterdam");
    assert_eq!(oos["clock"]["zone_source"], "other-host");
    let text = run(&["timeline", p]);
    assert!(text.contains("2024-07-15 10:05:00.250 +02:00"), "{text}");
    assert!(text.contains("2024-01-15 10:00:01.120 +01:00"), "{text}");
}

/// A west-coast node whose only zone evidence is its core list.
#[test]
fn los_angeles_zone_is_inferred_from_core_epochs() {
    let dir = tempfile::tempdir().unwrap();
    // 1700000000 = 2023-11-14 22:13:20 UTC = 14:13:20 PST; 1690000000 = 2023-07-22 04:26:40 UTC = 21:26:40 PDT (Jul 21)
    write(
        dir.path(),
        "lax-sub2/cli.txt",
        "admin:utils core active list\nSize         Date            Core File Name\n=========================================\n300000 KB   2023-11-14 14:13:21   core.1111.6.ccm.1700000000\n120000 KB   2023-07-21 21:26:41   core.2222.6.CTIManager.1690000000\nadmin:show network cluster\n10.9.8.7 lax-pub.corp.example lax-pub Publisher callmanager DBPub authenticated\n10.9.8.8 lax-sub2.corp.example lax-sub2 Subscriber callmanager DBSub not authenticated - INITIATOR since Tue Nov 14 14:10:00 2023\n",
    );
    let evs = events(&["timeline", dir.path().to_str().unwrap(), "--format", "json"]);
    let auth = evs
        .iter()
        .find(|e| e["kind"] == "cluster_auth" && e["host"] == "lax-sub2")
        .unwrap();
    assert_eq!(auth["time"], "2023-11-14T22:10:00.000Z");
    assert_eq!(auth["clock"]["zone"], "America/Los_Angeles");
    assert_eq!(auth["clock"]["zone_source"], "core-epoch");
}

/// Nothing says the zone: times are read as UTC and marked, until --tz says.
#[test]
fn without_evidence_the_zone_is_unknown_and_tz_fixes_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pgx/jgw.txt", "Events from March 3, 2024\n08:15:00:100 PG9A-jgw1 Trace: CiscoTermOutOfServiceEv Term: X1 Cause: DEVICE_UNREGISTERED\n");
    let p = dir.path().to_str().unwrap();
    let text = run(&["timeline", p]);
    assert!(text.contains("?"), "unknown zones are marked: {text}");
    assert!(text.contains("--tz"), "and the fix is named: {text}");
    let evs = events(&[
        "timeline",
        p,
        "--format",
        "json",
        "--tz",
        "pgx=Asia/Kolkata",
    ]);
    assert_eq!(evs[0]["time"], "2024-03-03T02:45:00.100Z");
    assert_eq!(evs[0]["clock"]["zone_source"], "hint");
}

/// A date-less trace gets its date from --date, and says so.
#[test]
fn time_only_lines_take_the_date_hint() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pg/trace.txt", "23:59:59:500 PG1B-jgw1 Trace: CiscoTermInServiceEv Term: A1\n00:00:00:500 PG1B-jgw1 Trace: CiscoTermOutOfServiceEv Term: A1 Cause: DEVICE_UNREGISTERED\n");
    let evs = events(&[
        "timeline",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
        "--tz",
        "UTC",
        "--date",
        "2024-12-31",
    ]);
    assert_eq!(evs[0]["time"], "2024-12-31T23:59:59.500Z");
    assert_eq!(evs[0]["clock"]["date_source"], "hint");
    assert_eq!(
        evs[1]["time"], "2025-01-01T00:00:00.500Z",
        "midnight wrap moves to the next day (and year)"
    );
    assert_eq!(evs[1]["clock"]["date_source"], "wrapped");
}

/// The same bundle as a .tar.gz gives the same timeline as the folder.
#[test]
fn a_tar_gz_of_the_example_reads_like_the_folder() {
    let ex = example();
    let dir = tempfile::tempdir().unwrap();
    let tgz = dir.path().join("bundle.tgz");
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    tar.append_dir_all("bundle", &ex).unwrap();
    let bytes = tar.into_inner().unwrap().finish().unwrap();
    std::fs::File::create(&tgz)
        .unwrap()
        .write_all(&bytes)
        .unwrap();
    let key = |evs: Vec<serde_json::Value>| {
        let mut v: Vec<(String, String, String)> = evs
            .iter()
            .map(|e| {
                (
                    e["time"].to_string(),
                    e["kind"].to_string(),
                    e["summary"].to_string(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let folder = key(events(&[
        "timeline",
        ex.to_str().unwrap(),
        "--format",
        "json",
    ]));
    let archive = key(events(&[
        "timeline",
        tgz.to_str().unwrap(),
        "--format",
        "json",
    ]));
    assert_eq!(folder.len(), archive.len());
    assert_eq!(folder, archive);
}

/// `show status` prints `Product Ver` on every Unified OS application: on a
/// node whose UCCX Engine logs are in the bundle the version is UCCX's, so
/// no Unified CM end-of-support advisory is drawn from it.
#[test]
fn show_status_version_on_a_uccx_node_is_not_taken_for_unified_cm() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bne-ccx-a/cli_output.txt",
        "admin:show status\n\nHost Name          : bne-ccx-a\nDate               : Wed Mar 05, 2025 14:02:11\nTime Zone          : Australian Eastern Standard Time (Australia/Brisbane)\nLocale             : en_US.UTF-8\nProduct Ver        : 12.5.1.11001-48\nUnified OS Version : 7.0.0.0-4\n",
    );
    write(
        dir.path(),
        "bne-ccx-a/uccx/log/MIVR/Cisco001MIVR03.log",
        "7001: Mar 05 13:40:02.118 AEST %MIVR-SS_TEL-4-ModuleRunTimeFailure:Real-time failure in JTAPI subsystem: Module=JTAPI Subsystem,Failure Cause=7,Failure Module=JTAPI_PROVIDER_INIT,Exception=com.cisco.jtapi.PlatformExceptionImpl: Unable to create provider -- bad login or password.\n\
7002: Mar 05 13:40:03.500 AEST %MIVR-SS_TEL-3-UNK:JTAPI subsystem state changed to OUT_OF_SERVICE\n",
    );
    let out = run(&["analyze", dir.path().to_str().unwrap(), "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    let eos: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["class"] == "end-of-support")
        .collect();
    assert!(
        eos.iter().all(|f| f["data"]["product"] != "cucm-12"),
        "a UCCX node's version read as Unified CM's: {eos:?}"
    );
    assert!(
        findings.iter().any(|f| f["kind"] == "root_cause"
            && f["title"]
                .as_str()
                .unwrap()
                .contains("bad login or password")),
        "{out}"
    );
}
