//! Which host a file belongs to, and which zone its local times are read in,
//! when the file itself does not say: a `<host>_<command>.txt` capture, a
//! node's folder in an RTMT-style tree, a conflict between folder and file
//! name (reported, never guessed), and a host-less file at a site whose hosts
//! all run in one zone (read in that zone, and said so).

mod common;

use serde_json::Value;
use std::path::Path;

const CLUSTER: &str = "admin:show status

Host Name          : alpha-pub
Date               : Tue Mar 05, 2024 10:02:11
Time Zone          : Central European Time (Europe/Berlin)
Product Ver        : 12.5.1.14900-63

admin:show network cluster
 10.8.1.10 alpha-pub.example.org alpha-pub Publisher authenticated
 10.8.1.11 alpha-s3.example.org alpha-s3 Subscriber authenticated using TCP since Mon Mar  4 07:53:21 2024
";

/// `utils core active list` alone: local times, no host inside.
const CORES: &str = "admin:utils core active list
Size         Date            Core File Name
426260 KB   2024-03-05 09:35:58   core.28448.6.ccm.1709627757
";

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn files(root: &Path) -> Vec<Value> {
    let out = common::run(&[
        "files",
        root.to_str().unwrap(),
        "--format",
        "json",
        "--quiet",
    ]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    doc.as_array()
        .cloned()
        .or_else(|| doc["files"].as_array().cloned())
        .expect("files JSON")
}

fn file<'a>(all: &'a [Value], name: &str) -> &'a Value {
    all.iter()
        .find(|f| f["path"].as_str().unwrap().ends_with(name))
        .unwrap_or_else(|| panic!("{name} in {all:#?}"))
}

fn timeline(root: &Path) -> Vec<Value> {
    common::events(&[
        "timeline",
        root.to_str().unwrap(),
        "--format",
        "json",
        "--quiet",
    ])
}

#[test]
fn a_capture_named_after_a_known_host_belongs_to_it() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "alpha-pub/cli_session.txt", CLUSTER);
    write(tmp.path(), "alpha-s3_utils_core_active_list.txt", CORES);
    let f = files(tmp.path());
    let cores = file(&f, "alpha-s3_utils_core_active_list.txt");
    assert_eq!(cores["host"], "alpha-s3", "{cores:#}");
    let core = timeline(tmp.path())
        .into_iter()
        .find(|e| e["kind"] == "service_core")
        .expect("the core");
    assert_eq!(core["host"], "alpha-s3");
    // The core's time is its epoch (08:35:57 UTC), which the listed local
    // time (09:35:58 in Berlin, +01:00) agrees with.
    assert_eq!(core["time"], "2024-03-05T08:35:57.000Z", "{core:#}");
}

#[test]
fn a_node_folder_of_an_rtmt_style_tree_names_the_host() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "alpha-pub/cli_session.txt", CLUSTER);
    write(tmp.path(), "collection/alpha-s3/cli/core_list.txt", CORES);
    let f = files(tmp.path());
    assert_eq!(file(&f, "core_list.txt")["host"], "alpha-s3");
}

#[test]
fn folder_and_file_name_naming_different_hosts_is_reported_not_guessed() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "alpha-pub/cli_session.txt", CLUSTER);
    write(
        tmp.path(),
        "alpha-pub/alpha-s3_utils_core_active_list.txt",
        CORES,
    );
    let f = files(tmp.path());
    let cores = file(&f, "alpha-s3_utils_core_active_list.txt");
    assert!(cores["host"].is_null(), "{cores:#}");
    let problems = cores["problems"].to_string();
    assert!(
        problems.contains("alpha-pub")
            && problems.contains("alpha-s3")
            && problems.contains("not decided"),
        "{problems}"
    );
}

#[test]
fn a_hostless_file_with_local_times_takes_the_site_zone_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "alpha-pub/cli_session.txt", CLUSTER);
    // A JTAPI gateway trace copied with no host in its path; its date comes
    // from its name, its zone from the site.
    let jgw = std::fs::read_to_string(common::example().join("pg1a/jgw1_dumplog.txt")).unwrap();
    write(tmp.path(), "jgw1_190712_0000.txt", &jgw);
    let ev = timeline(tmp.path())
        .into_iter()
        .find(|e| e["file"] == "jgw1_190712_0000.txt" && e["time"].is_string())
        .expect("a timed jgw event");
    assert_eq!(ev["clock"]["zone_source"], "site", "{ev:#}");
    assert_eq!(ev["clock"]["zone"], "Europe/Berlin", "{ev:#}");
    let detail = ev["clock"]["detail"].as_str().unwrap();
    assert!(detail.contains("names no host"), "{detail}");
}

#[test]
fn a_hostless_file_at_a_site_of_two_zones_stays_utc_and_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "alpha-pub/cli_session.txt", CLUSTER);
    let other = CLUSTER
        .replace(
            "Host Name          : alpha-pub",
            "Host Name          : beta-pub",
        )
        .replace("(Europe/Berlin)", "(America/Chicago)")
        .replace("alpha-", "beta-");
    write(tmp.path(), "beta-pub/cli_session.txt", &other);
    let jgw = std::fs::read_to_string(common::example().join("pg1a/jgw1_dumplog.txt")).unwrap();
    write(tmp.path(), "jgw1_190712_0000.txt", &jgw);
    let ev = timeline(tmp.path())
        .into_iter()
        .find(|e| e["file"] == "jgw1_190712_0000.txt" && e["time"].is_string())
        .expect("a timed jgw event");
    assert_eq!(ev["clock"]["zone_source"], "unknown", "{ev:#}");
}

#[test]
fn a_syslog_of_many_hosts_is_reported_in_their_zone_not_utc() {
    // A CiscoSyslog collected from one node carries the alarms of others: no
    // file host, but each line's syslog prefix (local) against its CiscoLog
    // stamp (UTC) tells its host's offset. The report must be read in it.
    let tmp = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (1..=6)
        .map(|m| {
            let h = if m % 2 == 0 { "kilo-b" } else { "kilo-a" };
            format!(
                "Mar  5 18:0{m}:10 {h} local7 2 : 10{m}: {h}.corp.example: Mar 05 2024 09:0{m}:10.100 UTC :  \
                 %UC_SERVICEMANAGER-2-ServiceFailed: %[ServiceName=Cisco Tftp][Reason=Service stopped abruptly]\
                 [AppID=Cisco Service Manager][ClusterID=][NodeID={h}]: Service terminated."
            )
        })
        .collect();
    write(tmp.path(), "syslog/CiscoSyslog", &(lines.join("\n") + "\n"));
    let out = common::output(&["analyze", tmp.path().to_str().unwrap(), "--format", "json"]);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    let zone = doc["time_zone"].as_str().unwrap();
    assert_ne!(zone, "UTC", "{doc:#}");
    // The text report says the same zone in its heading.
    let text = common::output(&["analyze", tmp.path().to_str().unwrap()]).stdout;
    assert!(text.contains(&format!("times in {zone}")), "{text}");
}
