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
fn a_node_folder_given_alone_names_the_host_of_its_files() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "alpha-s3/cli_session.txt", CLUSTER);
    write(tmp.path(), "alpha-s3/cli/core_list.txt", CORES);
    let f = files(&tmp.path().join("alpha-s3"));
    let cores = file(&f, "core_list.txt");
    assert_eq!(cores["host"], "alpha-s3", "{cores:#}");
    // A folder input named after no known host names nothing.
    write(tmp.path(), "incident-4711/cli_session.txt", CLUSTER);
    write(tmp.path(), "incident-4711/cli/core_list.txt", CORES);
    let f = files(&tmp.path().join("incident-4711"));
    assert!(file(&f, "core_list.txt")["host"].is_null(), "{f:#?}");
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

fn timeline_with(root: &Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec![
        "timeline",
        root.to_str().unwrap(),
        "--format",
        "json",
        "--quiet",
    ];
    args.extend_from_slice(extra);
    common::events(&args)
}

/// Plain syslogd lines, no year, on a host whose zone `--tz` gives.
const YEARLESS: &str = "Dec 31 23:59:58 cm-s2 kernel: e1000: eth0 NIC Link is Down
Jan  1 00:00:03 cm-s2 kernel: e1000: eth0 NIC Link is Up 1000 Mbps Full Duplex
";

#[test]
fn year_less_syslog_takes_its_year_from_date_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "cm-s2/syslog/messages", YEARLESS);
    let evs = timeline_with(tmp.path(), &["--tz", "UTC", "--date", "2025-01-01"]);
    assert_eq!(evs.len(), 2, "{evs:#?}");
    // The year nearest the date given: December belongs to the year before.
    assert_eq!(evs[0]["time"], "2024-12-31T23:59:58.000Z", "{:#}", evs[0]);
    assert_eq!(evs[1]["time"], "2025-01-01T00:00:03.000Z", "{:#}", evs[1]);
    for e in &evs {
        assert_eq!(e["clock"]["date_source"], "hint", "{e:#}");
        let detail = e["clock"]["detail"].as_str().unwrap();
        assert!(detail.contains("--date"), "{detail}");
        assert!(!detail.contains("bundle"), "{detail}");
    }
}

#[test]
fn year_less_syslog_without_date_takes_the_bundles_year_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "cm-s2/syslog/messages", YEARLESS);
    // A dated line elsewhere in the bundle: its year decides.
    write(
        tmp.path(),
        "cm-s2/history/system-history.log",
        "12/30/2022 10:00:00 | root: Boot 14.0.1.13900-155 Start\n",
    );
    let evs = timeline_with(tmp.path(), &["--tz", "UTC"]);
    let link: Vec<&Value> = evs
        .iter()
        .filter(|e| e["file"].as_str().is_some_and(|f| f.ends_with("messages")))
        .collect();
    assert_eq!(link.len(), 2, "{evs:#?}");
    assert_eq!(link[0]["time"], "2022-12-31T23:59:58.000Z", "{:#}", link[0]);
    assert_eq!(link[1]["time"], "2023-01-01T00:00:03.000Z", "{:#}", link[1]);
    assert_eq!(link[0]["clock"]["date_source"], "bundle");
    assert!(
        link[0]["clock"]["detail"]
            .as_str()
            .unwrap()
            .contains("year 2022 inferred from the bundle"),
        "{:#}",
        link[0]
    );
}

/// A UCCE dumplog of time-only lines named `<proc>_YYMMDD_HHMMSS.txt`.
const DUMPLOG: &str = "12:33:19:564 PG1A-jgw1 Trace: CiscoTermOutOfServiceEv Term: LCP50001148 Cause: DEVICE_UNREGISTERED\n";

#[test]
fn a_date_in_the_file_name_dates_time_only_lines_and_wins_over_date() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "pg1a/jgw1_190712_000000.txt", DUMPLOG);
    write(tmp.path(), "pg1a/jgw1_190713_000000.txt", DUMPLOG);
    for extra in [
        &["--tz", "UTC"][..],
        &["--tz", "UTC", "--date", "2024-02-02"],
    ] {
        let evs = timeline_with(tmp.path(), extra);
        assert_eq!(evs.len(), 2, "{evs:#?}");
        let times: Vec<&str> = evs.iter().map(|e| e["time"].as_str().unwrap()).collect();
        assert_eq!(
            times,
            ["2019-07-12T12:33:19.564Z", "2019-07-13T12:33:19.564Z"],
            "{extra:?}"
        );
        for e in &evs {
            assert_eq!(e["clock"]["date_source"], "file-name", "{e:#}");
        }
    }
    // Without a dated name, --date dates them.
    let other = tempfile::tempdir().unwrap();
    write(other.path(), "pg1a/jgw1.txt", DUMPLOG);
    let evs = timeline_with(other.path(), &["--tz", "UTC", "--date", "2024-02-02"]);
    assert_eq!(evs[0]["time"], "2024-02-02T12:33:19.564Z");
    assert_eq!(evs[0]["clock"]["date_source"], "hint");
}

#[test]
fn a_perfmon_file_name_names_its_host_and_date() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "alpha-pub/cli_session.txt", CLUSTER);
    write(
        tmp.path(),
        "perfmon/PerfMon_alpha-s3_03_05_2024_09_00.csv",
        "\"(PDH-CSV 4.0) (UTC)(0)\",\"\\\\alpha-s3\\Processor(_Total)\\% CPU Time\"\n\"03/05/2024 09:00:00.000\",\"12.5\"\n",
    );
    let f = files(tmp.path());
    let perf = file(&f, "PerfMon_alpha-s3_03_05_2024_09_00.csv");
    assert_eq!(perf["host"], "alpha-s3", "{perf:#}");
}

/// Local times at London's 2024 DST changes: 01:30 on 27 October happened
/// twice, 01:30 on 31 March never happened.
const DST: &str = "2024-10-27 00:59:00,000 ERROR before the fold
2024-10-27 01:30:00,000 ERROR in the fold
2024-10-27 02:00:00,000 ERROR after the fold
2024-03-31 01:30:00,000 ERROR in the gap
";

#[test]
fn dst_fold_and_gap_are_resolved_and_said_never_silently() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "cm-s1/app.log", DST);
    let evs = timeline_with(tmp.path(), &["--all", "--tz", "Europe/London"]);
    let by = |s: &str| {
        evs.iter()
            .find(|e| e["summary"] == s)
            .unwrap_or_else(|| panic!("{s} in {evs:#?}"))
    };
    let detail = |e: &Value| e["clock"]["detail"].as_str().unwrap().to_string();
    let fold = by("ERROR in the fold");
    assert_eq!(
        fold["time"], "2024-10-27T00:30:00.000Z",
        "the earlier instant"
    );
    assert!(detail(fold).contains("the hour repeats at the DST change: the earlier one is used"));
    let gap = by("ERROR in the gap");
    assert_eq!(
        gap["time"], "2024-03-31T01:30:00.000Z",
        "moved forward to 02:30 BST"
    );
    assert!(detail(gap).contains("does not exist (DST gap): moved forward"));
    for plain in ["ERROR before the fold", "ERROR after the fold"] {
        assert!(!detail(by(plain)).contains("DST"), "{plain}");
    }
    assert_eq!(
        by("ERROR before the fold")["time"],
        "2024-10-26T23:59:00.000Z"
    );
    assert_eq!(
        by("ERROR after the fold")["time"],
        "2024-10-27T02:00:00.000Z"
    );
    // The text timeline, which shows no clock details, says it in a note.
    let out = common::output(&[
        "timeline",
        tmp.path().to_str().unwrap(),
        "--all",
        "--tz",
        "Europe/London",
    ]);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        all.contains("1 local times fall in an hour a DST change repeats"),
        "{all}"
    );
    assert!(
        all.contains("1 local times do not exist (skipped by a DST change)"),
        "{all}"
    );
}

#[test]
fn a_flattened_bundle_never_names_an_empty_host() {
    // The same contact-centre incident with every file flattened into one
    // folder as `<host>_<file>`: hosts no other file knows are not guessed
    // from the name, and what the findings say must still name a host or the
    // file, never an empty one.
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/incidents/ucce-pg-failover-ctimanager-abort");
    let tmp = tempfile::tempdir().unwrap();
    fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for p in std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()) {
            if p.is_dir() {
                files(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut all = Vec::new();
    files(&src, &mut all);
    for f in all {
        let rel = f.strip_prefix(&src).unwrap();
        if rel.components().count() < 2 {
            continue; // README.md, TRUTH.toml
        }
        let host = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap();
        let name = format!("{host}_{}", f.file_name().unwrap().to_str().unwrap());
        std::fs::copy(&f, tmp.path().join(name)).unwrap();
    }
    let out = common::run(&["analyze", tmp.path().to_str().unwrap(), "--format", "json"]);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["class"] == "pg-failover"),
        "{doc:#}"
    );
    for f in findings {
        let title = f["title"].as_str().unwrap();
        assert!(!title.contains(" on  ") && !title.contains("  "), "{title}");
        assert!(
            f["hosts"]
                .as_array()
                .unwrap()
                .iter()
                .all(|h| h.as_str() != Some("")),
            "{f:#}"
        );
    }
}
