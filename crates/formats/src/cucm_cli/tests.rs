//! Tests on the verbatim public samples of formats.md §4 and §8, plus
//! synthetic multi-command and malformed captures.

use crate::{by_name, detect, parse_reader, FileContext, Head, ParsedFile};
use uctriage_core::{DateSource, Fact, Kind, RawEvent, RawTime, Severity, ZoneSource};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../tests/fixtures/cucm_cli/", $name))
    };
}

fn parse(text: &str) -> ParsedFile {
    parse_reader(
        by_name("cucm-cli"),
        &FileContext::new("cli/capture.txt"),
        text.as_bytes(),
    )
}

/// Parse and check the understood ratio is at least 95 %.
fn parse_ok(text: &str) -> ParsedFile {
    let f = parse(text);
    assert!(
        f.understood_ratio() >= 0.95,
        "understood {}/{}: {:?}",
        f.understood,
        f.lines,
        f.problems
    );
    f
}

fn with_echo(cmd: &str, body: &str) -> String {
    format!("admin:{cmd}\n{body}")
}

fn of_kind(f: &ParsedFile, kind: Kind) -> Vec<&RawEvent> {
    f.events.iter().filter(|e| e.kind == kind).collect()
}

fn of_role<'f>(f: &'f ParsedFile, kind: Kind, role: &str) -> Vec<&'f RawEvent> {
    f.events
        .iter()
        .filter(|e| e.kind == kind && e.fields.get("role") == Some(role))
        .collect()
}

fn local(ev: &RawEvent) -> String {
    match &ev.time {
        RawTime::Local(dt, _) => dt.to_string(),
        other => panic!("not local: {other:?}"),
    }
}

fn detected(text: &str) -> &'static str {
    let lines: Vec<&str> = text.lines().collect();
    detect(&Head {
        name: "capture.txt",
        lines,
    })
    .map_or("none", |f| f.name())
}

#[test]
fn old_cluster_status_rows_give_auth_events_aliases_and_roles() {
    let f = parse_ok(fixture!("cluster_status_blog_full.txt"));
    let auth = of_kind(&f, Kind::ClusterAuth);
    assert_eq!(auth.len(), 11);
    let bad: Vec<_> = auth
        .iter()
        .filter(|e| e.severity == Severity::Error)
        .collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(bad[0].fields["state"], "not authenticated - INITIATOR");
    assert_eq!(bad[0].host.as_deref(), Some("bldcucmtftp1"));
    assert_eq!(
        bad[0].summary,
        "bldcucmtftp1 not authenticated - INITIATOR since Fri Jul 12 12:33:47 2019"
    );
    assert_eq!(local(bad[0]), "2019-07-12T12:33:47");
    assert!(!bad[0].fields.contains_key("transport"));
    let publisher = auth
        .iter()
        .find(|e| e.fields["role"] == "Publisher")
        .unwrap();
    assert_eq!(publisher.time, RawTime::Unknown);
    assert_eq!(auth[1].fields["transport"], "TCP");
    assert!(f.facts.contains(&Fact::HostAlias {
        host: "bldcucmsub7".into(),
        alias: "170.8.4.69".into()
    }));
    assert!(f.facts.contains(&Fact::HostAlias {
        host: "bldcucmsub7".into(),
        alias: "bldcucmsub7.voip.com".into()
    }));
    assert!(f.facts.contains(&Fact::HostRole {
        host: "bldcucmpub".into(),
        role: "Publisher".into()
    }));
    assert_eq!(detected(fixture!("cluster_status_8x.txt")), "cucm-cli");
}

#[test]
fn modern_cluster_rows_with_processnode_table_and_no_echo() {
    let f = parse_ok(fixture!("cluster_webex_15.txt"));
    let auth = of_kind(&f, Kind::ClusterAuth);
    assert_eq!(auth.len(), 6);
    assert_eq!(auth[0].fields["product"], "callmanager");
    assert_eq!(auth[0].fields["db_role"], "DBSub");
    assert_eq!(auth[0].fields["state"], "authenticated");
    assert_eq!(local(auth[0]), "2025-08-09T02:49:37");
    assert_eq!(auth[5].time, RawTime::Unknown);
    assert_eq!(f.understood, f.lines);
    assert_eq!(detected(fixture!("cluster_webex_15.txt")), "cucm-cli");
    let short = parse_ok("10.106.61.120 CUCMPUB  Publisher callmanager DBPub authenticated\nDynamic Cluster Configuration is enabled for 23 Hours 59 Minutes.\n");
    assert_eq!(short.events[0].fields["node"], "CUCMPUB");
    assert!(!short.events[0].fields.contains_key("fqdn"));
}

#[test]
fn core_list_rows_carry_epoch_times_and_offsets() {
    let f = parse_ok(fixture!("core_list.txt"));
    let cores = of_kind(&f, Kind::ServiceCore);
    assert_eq!(cores.len(), 5);
    let ccm = cores
        .iter()
        .find(|e| e.fields["core_file"] == "core.28448.6.ccm.1562952957")
        .unwrap();
    let RawTime::Absolute(ts, _) = ccm.time else {
        panic!("{:?}", ccm.time)
    };
    assert_eq!(ts.to_string(), "2019-07-12T17:35:57Z");
    assert_eq!(
        (ccm.fields["pid"].as_str(), ccm.fields["signal"].as_str()),
        ("28448", "6")
    );
    assert_eq!(ccm.fields["process"], "ccm");
    assert_eq!(ccm.fields["size_kb"], "426260");
    assert_eq!(ccm.fields["listed_local"], "2019-07-12 12:35:58");
    assert_eq!(ccm.severity, Severity::Critical);
    let offsets: Vec<i32> = f
        .facts
        .iter()
        .filter_map(|x| match x {
            Fact::OffsetSeen {
                offset_seconds,
                source: ZoneSource::CoreEpoch,
                ..
            } => Some(*offset_seconds),
            _ => None,
        })
        .collect();
    assert!(
        offsets.contains(&-18000) && offsets.contains(&-21600),
        "{offsets:?}"
    );
    assert_eq!(
        detected(&fixture!("core_list.txt").replace("admin:utils core active list\n", "")),
        "cucm-cli"
    );
}

#[test]
fn core_list_without_size_and_with_odd_names_or_no_cores() {
    let text = "admin:utils core active list\nSize Date Core File Name\n=======================================\n   2023-03-02 22:03:11   core.jvm.core\n";
    let f = parse_ok(text);
    assert_eq!(f.events.len(), 1);
    assert_eq!(f.events[0].fields["process"], "jvm");
    assert_eq!(local(&f.events[0]), "2023-03-02T22:03:11");
    assert!(!f.events[0].fields.contains_key("size_kb"));
    let none = parse_ok("admin:utils core active list\nNo core files found\n");
    assert!(none.events.is_empty());
}

#[test]
fn analyze_backtrace_gives_reason_site_and_core_time() {
    let text = format!(
        "admin:utils core active analyze core.28448.6.ccm.1562952957\n{}\ny\n\nCore was generated by `/usr/local/cm/bin/ccm'.\n{}",
        fixture!("analyze_prompt.txt"),
        fixture!("backtrace_ccm.txt")
    );
    let f = parse_ok(&text);
    let bt = of_kind(&f, Kind::Backtrace);
    assert_eq!(bt.len(), 1);
    let ev = bt[0];
    assert!(ev.fields["reason"].starts_with("CallManager unable to process signals."));
    assert_eq!(ev.fields["abort_site"], "ProcessCMProcMon.cpp:80");
    assert_eq!(ev.fields["frame_count"], "8");
    assert!(ev.fields["frames"]
        .starts_with("raise <- abort <- IntentionalAbort <- CMProcMon::monitorThread"));
    assert_eq!(ev.fields["process"], "ccm");
    assert_eq!(ev.fields["pid"], "28448");
    let RawTime::Absolute(ts, _) = ev.time else {
        panic!()
    };
    assert_eq!(ts.as_second(), 1562952957);
    assert_eq!(ev.text.get().lines().count(), 8);
    assert_eq!(f.understood, f.lines);
}

#[test]
fn two_blog_backtraces_without_echo_are_two_events() {
    let f = parse_ok(fixture!("backtraces_blog_two.txt"));
    let bt = of_kind(&f, Kind::Backtrace);
    assert_eq!(bt.len(), 2);
    assert_eq!(bt[1].fields["abort_site"], "ProcessCTIProcMon.cpp:65");
    assert!(bt[1].fields["reason"].starts_with("SDL Router Services declared dead."));
    assert_eq!(bt[1].time, RawTime::Unknown);
    assert_eq!(detected(fixture!("backtraces_blog_two.txt")), "cucm-cli");
    let single = parse_ok(&format!(
        "backtrace\n{}",
        fixture!("backtrace_cti_frame.txt")
    ));
    assert_eq!(
        of_kind(&single, Kind::Backtrace)[0].fields["frame_count"],
        "1"
    );
}

#[test]
fn runtimestate_15_rows_and_header() {
    let f = parse_ok(fixture!("dbrepl_15.txt"));
    let rows = of_role(&f, Kind::Replication, "node_row");
    assert_eq!(rows.len(), 2);
    let sum = of_role(&f, Kind::Replication, "cluster_summary")[0];
    assert_eq!(
        sum.fields["sync_result"],
        "SYNC COMPLETED on 753 tables out of 753"
    );
    assert_eq!(sum.fields["sync_status"], "All Tables are in sync");
    assert_eq!(sum.fields["db_version"], "ccm15_0_0_98100_154");
    assert_eq!(sum.fields["repl_timeout"], "300s");
    assert_eq!(sum.host.as_deref(), Some("cucm-55"));
    assert_eq!(local(sum), "2023-08-01T15:10:52");
    let r = rows[0];
    assert_eq!(r.host.as_deref(), Some("cucm-57"));
    assert_eq!(r.fields["ip"], "10.77.32.57");
    assert_eq!(r.fields["ping_ms"], "0.163");
    assert_eq!(r.fields["dbmon"], "Y/Y/Y");
    assert_eq!(r.fields["queue"], "0");
    assert_eq!(r.fields["group"], "g_3");
    assert_eq!(r.fields["replication_state"], "2");
    assert_eq!(r.fields["state_text"], "Setup Completed");
    assert_eq!(r.fields["zone_abbrev"], "IST");
    assert_eq!(local(r), "2023-08-01T15:10:52");
    assert_eq!(r.severity, Severity::Info);
    assert_eq!(f.understood, f.lines);
}

#[test]
fn runtimestate_old_tabbed_and_failed_layouts() {
    let f = parse_ok(fixture!("dbrepl_86.txt"));
    let rows = of_kind(&f, Kind::Replication);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].fields["status"], "Connected");
    assert_eq!(rows[0].fields["rpc"], "Yes");
    assert_eq!(rows[0].fields["state_text"], "PUB Setup Completed");
    assert_eq!(rows[0].time, RawTime::Unknown);
    let tabs = parse_ok(&with_echo(
        "utils dbreplication runtimestate",
        fixture!("dbrepl_100_tabs.txt"),
    ));
    let rows = of_kind(&tabs, Kind::Replication);
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (
            rows[1].fields["group"].as_str(),
            rows[1].fields["replication_state"].as_str()
        ),
        ("g_3", "2")
    );
    let failed = parse_ok(fixture!("dbrepl_105_failed.txt"));
    let rows = of_kind(&failed, Kind::Replication);
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| r.severity == Severity::Error));
    assert_eq!(rows[1].fields["state_text"], "DB Active-Failed");
    assert_eq!(rows[1].fields["queue"], "391694");
}

#[test]
fn dbreplication_status_names_its_output_file_once() {
    let f = parse_ok(fixture!("dbrepl_status_flat.txt"));
    assert_eq!(f.events.len(), 1);
    assert_eq!(
        f.events[0].fields["output_file"],
        "cm/trace/dbl/sdi/ReplicationStatus.2019_07_03_07_54_21.out"
    );
    assert_eq!(local(&f.events[0]), "2019-07-03T07:54:21");
}

#[test]
fn show_status_gives_host_zone_version_and_load() {
    let f = parse_ok(fixture!("show_status_125.txt"));
    assert!(f.facts.contains(&Fact::FileHost {
        host: "cucm-pub-neta".into()
    }));
    assert!(f.facts.iter().any(|x| matches!(x, Fact::HostZone { zone, source: ZoneSource::ShowStatus, line: 5, .. } if zone == "Asia/Jerusalem")));
    assert!(f
        .facts
        .iter()
        .any(|x| matches!(x, Fact::Version { version, .. } if version == "12.5.1.12900-115")));
    let load = of_kind(&f, Kind::Load);
    assert_eq!(load.len(), 1);
    assert_eq!(local(load[0]), "2026-03-02T00:36:32");
    assert_eq!(load[0].fields["cpu_idle"], "33.17");
    assert_eq!(load[0].fields["cpu_iowait"], "01.01");
    assert_eq!(load[0].fields["load_1m"], "1.76");
    assert_eq!(load[0].fields["mem_free_kb"], "148872");
    assert_eq!(load[0].fields["disk_active_used_pct"], "78");
    assert_eq!(f.understood, f.lines);
}

#[test]
fn show_status_zone_without_olson_is_reported() {
    let f = parse("admin:show status\nHost Name : x1\nDate : Mon Mar 2, 2026 00:36:32\nTime Zone : Central European Time\n");
    assert!(!f.facts.iter().any(|x| matches!(x, Fact::HostZone { .. })));
    assert!(f.problems.iter().any(|p| p.line == Some(4)));
    let f = parse("admin:show status\nTime Zone : Europe/Amsterdam\n");
    assert!(f
        .facts
        .iter()
        .any(|x| matches!(x, Fact::HostZone { zone, .. } if zone == "Europe/Amsterdam")));
}

#[test]
fn process_load_old_and_new_layouts() {
    let old = parse_ok(fixture!("process_load_old.txt"));
    let ev = of_kind(&old, Kind::Load)[0];
    assert_eq!(ev.fields["cpu_us"], "25.4");
    assert_eq!(ev.fields["cpu_id"], "68.9");
    assert_eq!(ev.fields["load_1m"], "6.83");
    assert!(ev.fields["top_processes"].starts_with("carschlr (pid 27044, ccmservi) 173.6% cpu"));
    assert!(matches!(ev.time, RawTime::TimeOfDay(_)));
    let capture = format!(
        "{}\nadmin:show process load\n{}",
        fixture!("show_status_125.txt"),
        fixture!("process_load_new.txt")
    );
    let new = parse_ok(&capture);
    let ev = *of_kind(&new, Kind::Load).last().unwrap();
    assert_eq!(ev.fields["cpu_wa"], "0.0");
    assert_eq!(ev.fields["mem_free_kb"], "194592");
    assert!(ev.fields["top_processes"].contains("RisDC"));
    let RawTime::Local(dt, DateSource::Header) = ev.time else {
        panic!("{:?}", ev.time)
    };
    assert_eq!(dt.to_string(), "2026-03-02T00:40:28");
}

#[test]
fn ntp_layouts_give_zone_offset_and_clock_event() {
    let f = parse_ok(fixture!("ntp_table_unsync.txt"));
    let ev = of_kind(&f, Kind::Clock)[0];
    assert_eq!(ev.fields["synchronised"], "no");
    assert_eq!(ev.fields["server"], "203.0.113.0");
    let RawTime::Absolute(ts, _) = ev.time else {
        panic!()
    };
    assert_eq!(ts.to_string(), "2019-09-06T20:54:50Z");
    assert!(f.facts.iter().any(|x| matches!(x, Fact::HostZone { zone, source: ZoneSource::NtpStatus, .. } if zone == "America/New_York")));
    assert!(f.facts.iter().any(|x| matches!(
        x,
        Fact::OffsetSeen {
            offset_seconds: -14400,
            source: ZoneSource::NtpStatus,
            ..
        }
    )));
    let s = parse_ok(&with_echo("utils ntp status", fixture!("ntp_sync.txt")));
    let ev = of_kind(&s, Kind::Clock)[0];
    assert_eq!(
        (
            ev.fields["synchronised"].as_str(),
            ev.fields["server"].as_str()
        ),
        ("yes", "100.100.99.101")
    );
    assert_eq!(ev.fields["stratum"], "3");
    assert!(s.facts.iter().any(|x| matches!(
        x,
        Fact::OffsetSeen {
            offset_seconds: 7200,
            ..
        }
    )));
    let o = parse_ok(fixture!("ntp_old.txt"));
    assert!(o.facts.iter().any(|x| matches!(
        x,
        Fact::OffsetSeen {
            offset_seconds: -28800,
            ..
        }
    )));
    let z = parse_ok(
        "ntpd (pid 1) is running...\nsynchronized to NTP server (10.1.89.20) at stratum 4\n",
    );
    assert_eq!(z.events[0].fields["synchronised"], "yes");
}

#[test]
fn service_lists_split_glued_entries() {
    let f = parse_ok(fixture!("service_list_vvb.txt"));
    let names: Vec<&str> = f
        .events
        .iter()
        .map(|e| e.fields["service"].as_str())
        .collect();
    assert_eq!(names.len(), 8);
    assert!(names.contains(&"Cisco Speechserver") && names.contains(&"Cisco Syslog Agent"));
    assert!(names.contains(&"Cisco RTMT Reporter Servlet"));
    let u = parse_ok(fixture!("service_list_unicode.txt"));
    let pr = u
        .events
        .iter()
        .find(|e| e.fields["service"] == "Password Reset")
        .unwrap();
    assert_eq!(
        (pr.fields["state"].as_str(), pr.fields["detail"].as_str()),
        ("STOPPED", "Service Activated")
    );
    assert_eq!(pr.severity, Severity::Warning);
    assert!(u
        .events
        .iter()
        .any(|e| e.fields["service"] == "Name Service Cache"));
    let q = parse_ok("admin:utils service list\nCisco HCS Admin UI[ STOPPED ] Component is not running\nName Service Cache [STOPPED] Service Not Activated\nPrimary Node =true\n");
    assert_eq!(q.events[0].fields["state"], "STOPPED");
    assert_eq!(q.events[1].severity, Severity::Info);
}

#[test]
fn linux_and_cucm_ping() {
    let f = parse_ok(fixture!("ping_linux.txt"));
    let pings = of_kind(&f, Kind::Ping);
    assert_eq!(pings.len(), 6);
    assert_eq!(pings[0].fields["rtt_ms"], "3.61");
    assert_eq!(pings[0].fields["lost"], "false");
    assert_eq!(pings[0].fields["target"], "10.5.18.239");
    let sum = pings[5];
    assert_eq!(
        (
            sum.fields["sent"].as_str(),
            sum.fields["received"].as_str(),
            sum.fields["loss_pct"].as_str()
        ),
        ("5", "5", "0")
    );
    assert_eq!(
        (
            sum.fields["rtt_avg_ms"].as_str(),
            sum.fields["rtt_max_ms"].as_str()
        ),
        ("3.013", "3.611")
    );
    assert_eq!(detected(fixture!("ping_linux.txt")), "cucm-cli");
    let u = parse_ok(fixture!("ping_cucm_unreachable.txt"));
    assert!(u
        .events
        .iter()
        .all(|e| e.fields["lost"] == "true" && e.fields["target"] == "10.0.10.31"));
    assert_eq!(u.events.len(), 2);
}

#[test]
fn windows_and_ios_ping() {
    let w = parse_ok(fixture!("ping_windows.txt"));
    let pings = of_kind(&w, Kind::Ping);
    assert_eq!(pings.len(), 5);
    assert_eq!(pings[0].fields["target"], "95.100.110.8");
    assert_eq!(pings[3].fields["seq"], "4");
    assert_eq!(pings[4].fields["rtt_avg_ms"], "6");
    assert_eq!(detected(fixture!("ping_windows.txt")), "cucm-cli");
    let t = parse_ok("Pinging 10.1.0.4 with 32 bytes of data:\nReply from 10.1.0.4: bytes=32 time<1ms TTL=128\nRequest timed out.\n");
    assert_eq!(t.events[1].fields["lost"], "true");
    let fail = parse_ok(fixture!("ping_ios_fail.txt"));
    assert_eq!(
        fail.events
            .iter()
            .filter(|e| e.fields.get("lost") == Some("true"))
            .count(),
        5
    );
    assert_eq!(fail.events.last().unwrap().fields["loss_pct"], "100");
    let ok = parse_ok(fixture!("ping_ios_ok.txt"));
    assert_eq!(
        ok.events
            .iter()
            .filter(|e| e.fields.get("lost") == Some("false"))
            .count(),
        5
    );
    assert_eq!(ok.events.last().unwrap().fields["rtt_max_ms"], "40");
}

#[test]
fn diagnose_and_hardware_with_pager_noise() {
    let d = parse_ok(fixture!("diagnose_test.txt"));
    assert_eq!(d.events.len(), 19);
    let h = parse_ok(&with_echo(
        "show hardware",
        fixture!("show_hardware_pager.txt"),
    ));
    assert_eq!(h.understood, h.lines);
}

#[test]
fn multi_command_capture_with_pager_noise_and_ansi() {
    let text = fixture!("capture_ams_multi.txt");
    assert_eq!(detected(text), "cucm-cli");
    let f = parse_ok(text);
    assert!(f.facts.contains(&Fact::FileHost {
        host: "ams-cucm-sub2".into()
    }));
    assert!(f.facts.iter().any(|x| matches!(x, Fact::HostZone { zone, source: ZoneSource::ShowStatus, .. } if zone == "Europe/Amsterdam")));
    assert!(f.facts.iter().any(|x| matches!(
        x,
        Fact::OffsetSeen {
            offset_seconds: 3600,
            source: ZoneSource::CoreEpoch,
            ..
        }
    )));
    assert!(f.facts.iter().any(|x| matches!(
        x,
        Fact::OffsetSeen {
            offset_seconds: 3600,
            source: ZoneSource::NtpStatus,
            ..
        }
    )));
    let load = of_kind(&f, Kind::Load)[0];
    assert_eq!(
        (
            load.fields["cpu_idle"].as_str(),
            load.fields["cpu_iowait"].as_str()
        ),
        ("02.10", "06.50")
    );
    let auth = of_kind(&f, Kind::ClusterAuth);
    assert_eq!(auth.len(), 4);
    let sub2 = auth
        .iter()
        .find(|e| e.host.as_deref() == Some("ams-cucm-sub2"))
        .unwrap();
    assert_eq!(sub2.severity, Severity::Error);
    assert_eq!(local(sub2), "2025-11-04T13:58:40");
    assert_eq!(of_kind(&f, Kind::ServiceCore).len(), 2);
    let bt = of_kind(&f, Kind::Backtrace)[0];
    assert_eq!(
        (
            bt.fields["process"].as_str(),
            bt.fields["frame_count"].as_str()
        ),
        ("ccm", "4")
    );
    assert_eq!(bt.fields["core_file"], "core.4411.6.ccm.1762261141");
    let repl = of_kind(&f, Kind::Replication);
    assert_eq!(repl.len(), 3);
    assert_eq!(repl[2].fields["replication_state"], "4");
    assert_eq!(repl[2].fields["state_text"], "Setup Failed/Dropped");
    assert_eq!(repl[2].fields["zone_abbrev"], "CET");
    assert_eq!(repl[2].severity, Severity::Error);
    let clock = of_kind(&f, Kind::Clock)[0];
    assert_eq!(clock.fields["server"], "10.20.0.1");
    let pings = of_kind(&f, Kind::Ping);
    assert_eq!(pings.len(), 3);
    assert_eq!(pings[1].fields["time_from"], "capture");
    assert_eq!(local(pings[1]), "2025-11-04T14:03:30");
    let unknown: Vec<_> = f
        .problems
        .iter()
        .filter(|p| p.message.contains("not known"))
        .collect();
    assert_eq!(unknown.len(), 1);
    assert_eq!(
        f.lines - f.understood,
        1,
        "only the unknown command's output line is not understood"
    );
}

#[test]
fn sql_tables_use_rule_spans_nulls_and_empty_cells() {
    let f = parse_ok(fixture!("sql_devicepool.txt"));
    let rows = of_kind(&f, Kind::Config);
    assert_eq!(rows.len(), 6);
    assert_eq!(rows[0].fields["devicepool"], "DP Amsterdam Agents");
    assert_eq!(rows[0].fields["cmgroup"], "CMG AMS Sub2 Sub1");
    assert_eq!(rows[0].fields["table"], "devicepool");
    assert!(rows[0].fields["sql"].starts_with("select dp.name"));
    assert_eq!(rows[2].fields["cmgroup"], "");
    assert_eq!(rows[3].fields["devicepool"], "DP_Empty");
    assert_eq!(rows[3].fields["cmgroup"], "");
    assert_eq!(rows[4].fields["table"], "callmanager");
    assert_eq!(rows[4].fields["description"], "");
    assert_eq!(rows[5].fields["description"], "Second node");
    assert_eq!(rows[5].time, RawTime::Unknown);
}

#[test]
fn plain_linux_terminal_ping_with_date_and_epoch_prefixes() {
    let text = fixture!("ping_terminal_linux.txt");
    assert_eq!(detected(text), "cucm-cli");
    let f = parse_ok(text);
    let pings = of_kind(&f, Kind::Ping);
    assert_eq!(pings.len(), 7);
    assert_eq!(local(pings[0]), "2025-11-04T14:05:00");
    assert_eq!(pings[1].fields["lost"], "true");
    assert_eq!(pings[1].fields["error"], "Destination Host Unreachable");
    assert_eq!(pings[3].fields["loss_pct"], "33.3333");
    assert_eq!(pings[3].fields["rtt_max_ms"], "412.000");
    let RawTime::Absolute(ts, _) = pings[4].time else {
        panic!("{:?}", pings[4].time)
    };
    assert_eq!(ts.to_string(), "2025-11-04T13:05:00.123456Z");
    assert_eq!(pings[4].fields["target"], "ams-cucm-sub2.corp.example.nl");
}

#[test]
fn malformed_input_is_reported_without_panic() {
    let f = parse(fixture!("malformed.txt"));
    let at = |line: u64| {
        f.problems
            .iter()
            .filter(move |p| p.line == Some(line))
            .count()
    };
    // `since` Feb 30: event kept, time unknown.
    assert!(at(2) >= 1);
    let a = &of_kind(&f, Kind::ClusterAuth)[0];
    assert_eq!(a.time, RawTime::Unknown);
    // Impossible dates and epochs in the core list.
    assert!(at(6) >= 1 && at(7) >= 1 && at(8) >= 1);
    let cores = of_kind(&f, Kind::ServiceCore);
    assert_eq!(cores.len(), 2);
    assert!(cores.iter().all(|c| matches!(c.time, RawTime::Local(..))));
    // Truncated frame, then a block with no frames at all.
    assert!(at(14) >= 1);
    let bt = of_kind(&f, Kind::Backtrace);
    assert_eq!(bt.len(), 1);
    assert_eq!(bt[0].fields["frame_count"], "2");
    assert!(f
        .problems
        .iter()
        .any(|p| p.message.contains("without any frame")));
    // Server Time Feb 30, a half replication row, a row wider than the sql header.
    assert!(at(19) >= 1 && at(21) >= 1);
    assert!(
        f.problems.iter().any(|p| p.message.contains("sql row")),
        "{:#?}",
        f.problems
    );
    assert!(f.problems.iter().any(|p| p.line == Some(27)));
}

#[test]
fn other_formats_are_not_claimed() {
    assert_eq!(
        detected("12:33:19:564 PG1A-jgw1 Trace: CiscoTermOutOfServiceEv Term: LCP50001148\n"),
        "ucce-dumplog"
    );
    let f =
        parse("admin:utils fior list\nfior is not running\nadmin:utils fior status\nstill not\n");
    assert_eq!(
        f.problems
            .iter()
            .filter(|p| p.message.contains("not known"))
            .count(),
        2
    );
    assert_eq!(f.understood, 2);
}

/// `ping -D` stamps replies only: the run's statistics (the only line that
/// tells a loss) take the time of the run's last reply, so the loss ping
/// reported can be placed on a chart.
#[test]
fn ping_d_statistics_take_the_time_of_the_runs_last_reply() {
    let f = parse_ok("$ ping -D -c 4 tftp1\nPING tftp1 (10.1.1.71) 56(84) bytes of data.\n[1562953813.139007] 64 bytes from tftp1 (10.1.1.71): icmp_seq=1 ttl=62 time=534 ms\n[1562953816.277942] 64 bytes from tftp1 (10.1.1.71): icmp_seq=4 ttl=62 time=672 ms\n\n--- tftp1 ping statistics ---\n4 packets transmitted, 2 received, 50% packet loss, time 3014ms\n");
    let pings = of_kind(&f, Kind::Ping);
    let sum = pings.last().unwrap();
    assert_eq!(sum.fields["loss_pct"], "50");
    assert_eq!(sum.fields["time_from"], "last_reply");
    match &sum.time {
        RawTime::Absolute(t, how) => {
            assert_eq!(t.as_millisecond(), 1_562_953_816_277);
            assert!(how.contains("last reply"), "{how}");
        }
        other => panic!("{other:?}"),
    }
}

/// A row whose middle columns were lost puts its state right after the
/// address: read as a state, never a panic (found by mutating fixtures).
#[test]
fn runtimestate_row_with_the_state_in_the_third_column() {
    let f = parse_ok(&with_echo(
        "utils dbreplication runtimestate",
        "SERVER-NAME         IP ADDRESS        (msec)    DbMon? QUEUE    Group ID       (RTMT) & Details\n-----------         ----------        ------    ------- -----   -----------    ------------------\nsub3 172.30.100.3 (3) DB Active-Failed\n",
    ));
    let rows = of_kind(&f, Kind::Replication);
    let row = rows
        .iter()
        .find(|r| r.fields.get("server") == Some("sub3"))
        .expect("the row");
    assert_eq!(row.fields["replication_state"], "3");
    assert_eq!(row.fields["state_text"], "DB Active-Failed");
    assert!(
        row.fields.get("ping_ms").is_none(),
        "no ping column in that row"
    );
}
