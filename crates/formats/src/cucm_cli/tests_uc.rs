//! Tests of the CUCM failure-class commands (time, replication, ports,
//! certificates, disk, memory counters, diagnose, gdb registers) on the public
//! samples in `tests/fixtures/cucm_cli/` (sources in its README.md).

use crate::{by_name, detect, parse_reader, FileContext, Head, ParsedFile};
use uctriage_core::{EntityKind, Kind, RawEvent, RawTime, Severity};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../tests/fixtures/cucm_cli/", $name))
    };
}

fn parse_at(text: &str, path: &str) -> ParsedFile {
    parse_reader(
        by_name("cucm-cli"),
        &FileContext::new(path),
        text.as_bytes(),
    )
}

fn parse_ok(text: &str) -> ParsedFile {
    let f = parse_at(text, "cli/capture.txt");
    assert!(
        f.understood_ratio() >= 0.95,
        "understood {}/{}: {:?}",
        f.understood,
        f.lines,
        f.problems
    );
    f
}

fn role<'f>(f: &'f ParsedFile, kind: Kind, role: &str) -> Vec<&'f RawEvent> {
    f.events
        .iter()
        .filter(|e| e.kind == kind && e.fields.get("role") == Some(role))
        .collect()
}

fn of_kind(f: &ParsedFile, kind: Kind) -> Vec<&RawEvent> {
    f.events.iter().filter(|e| e.kind == kind).collect()
}

fn field<'e>(e: &'e RawEvent, k: &str) -> &'e str {
    e.fields
        .get(k)
        .unwrap_or_else(|| panic!("no field {k} in {:?}", e.fields))
}

/// The fixtures added for the failure classes (see the folder's README.md).
const FIXTURES: [&str; 19] = [
    "ntp_capture_ntpv3_noc.txt",
    "ntp_capture_ntpv4_c215537.txt",
    "ntp_server_add_rejected_noc.txt",
    "ntp_status_init_tn118718.txt",
    "dbrepl_runtimestate_noc_ntp.txt",
    "open_ports_1500_noc.txt",
    "connectivity_tn215013.txt",
    "diagnose_ntp_warnings_c215537.txt",
    "diskusage_common_sort_tn221038.txt",
    "runtime_disk_tn221038.txt",
    "show_status_common_full_tn221038.txt",
    "perf_memory_noc.txt",
    "synthetic_analyze_info_registers.txt",
    "synthetic_cert_list_own.txt",
    "synthetic_cert_own_tomcat.txt",
    "synthetic_ntp_server_list.txt",
    "synthetic_connectivity_failed.txt",
    "ntp_table_unsync.txt",
    "ntp_old.txt",
];

#[test]
fn every_fixture_file_is_understood_to_95_percent() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cucm_cli");
    for name in FIXTURES {
        let text = std::fs::read_to_string(format!("{dir}/{name}")).unwrap();
        let f = parse_at(&text, &format!("cli/{name}"));
        assert!(
            f.understood_ratio() >= 0.95 && !f.events.is_empty(),
            "{name}: understood {}/{}: {:?}",
            f.understood,
            f.lines,
            f.problems
        );
    }
}

#[test]
fn windows_ntp_answers_ntpv3_and_cucm_asks_ntpv4() {
    let f = parse_ok(fixture!("ntp_capture_ntpv3_noc.txt"));
    let flows = role(&f, Kind::Clock, "packet_capture");
    assert_eq!(flows.len(), 4, "two servers, client and server directions");
    let dc2 = flows
        .iter()
        .find(|e| field(e, "server") == "iptlab-dc2.iptlab.corp" && field(e, "mode") == "server")
        .unwrap();
    assert_eq!(field(dc2, "version"), "3");
    assert_eq!(field(dc2, "client"), "iptlab-ccmpub.iptlab.corp");
    assert_eq!(field(dc2, "packets"), "4");
    assert_eq!(dc2.severity, Severity::Warning);
    let ask = flows.iter().find(|e| field(e, "mode") == "client").unwrap();
    assert_eq!(field(ask, "version"), "4");
    assert_eq!(ask.severity, Severity::Info);
    assert!(matches!(ask.time, RawTime::TimeOfDay(_)));
    // The file name dates the packets when the capture states no date.
    let dated = parse_at(
        fixture!("ntp_capture_ntpv3_noc.txt"),
        "pub/capture_2019-12-14.txt",
    );
    assert!(matches!(
        dated.events[0].time,
        RawTime::Local(dt, _) if dt.to_string() == "2019-12-14T05:21:02"
    ));
}

#[test]
fn ntpv4_capture_with_banner_and_odd_commas() {
    let f = parse_ok(fixture!("ntp_capture_ntpv4_c215537.txt"));
    let flows = role(&f, Kind::Clock, "packet_capture");
    assert!(flows.iter().all(|e| field(e, "version") == "4"));
    let google = flows
        .iter()
        .find(|e| field(e, "src") == "time1.google.com" && field(e, "mode") == "server")
        .unwrap();
    assert_eq!(field(google, "dst"), "cucm-115.home.lab");
    assert_eq!(f.understood, f.lines);
}

#[test]
fn ntp_server_add_rejection_and_list() {
    let f = parse_ok(fixture!("ntp_server_add_rejected_noc.txt"));
    let add = role(&f, Kind::Clock, "server_change")[0];
    assert_eq!(field(add, "server"), "172.30.2.174");
    assert_eq!(field(add, "accepted"), "no");
    assert_eq!(field(add, "result"), "Inaccessible NTP server. Not added.");
    assert_eq!(add.severity, Severity::Warning);
    let l = parse_ok(fixture!("synthetic_ntp_server_list.txt"));
    let servers: Vec<&str> = of_kind(&l, Kind::Config)
        .iter()
        .map(|e| field(e, "server"))
        .collect();
    assert_eq!(
        servers,
        ["dc1.example.net", "dc2.example.net", "10.20.30.40"]
    );
}

#[test]
fn ntp_status_peer_rows_and_restart_state() {
    let f = parse_ok(fixture!("ntp_status_init_tn118718.txt"));
    let status = role(&f, Kind::Clock, "status")[0];
    assert_eq!(field(status, "state"), "unsynchronised");
    assert_eq!(field(status, "restarting"), "yes");
    assert_eq!(field(status, "poll_s"), "64");
    let peer = role(&f, Kind::Clock, "peer")[0];
    assert_eq!(field(peer, "server"), "172.28.5.9");
    assert_eq!(field(peer, "refid"), ".INIT.");
    assert_eq!(field(peer, "tally"), "blank");
    assert_eq!(field(peer, "reach"), "377");
    assert_eq!(field(peer, "offset_ms"), "492.965");
    let sync = parse_ok(&format!(
        "admin:utils ntp status\n{}",
        fixture!("ntp_sync.txt")
    ));
    let peer = role(&sync, Kind::Clock, "peer")[0];
    assert_eq!(field(peer, "tally"), "*");
    assert_eq!(field(peer, "stratum"), "2");
    assert!(matches!(peer.time, RawTime::Absolute(..)));
    assert_eq!(
        field(role(&sync, Kind::Clock, "status")[0], "accuracy_ms"),
        "36"
    );
}

#[test]
fn runtimestate_summary_reads_last_completed_table_and_check_start() {
    let f = parse_ok(fixture!("dbrepl_runtimestate_noc_ntp.txt"));
    assert_eq!(f.understood, f.lines, "{:?}", f.problems);
    let s = role(&f, Kind::Replication, "cluster_summary")[0];
    assert_eq!(
        field(s, "last_completed_table"),
        "devicenumplanmapremdestmap"
    );
    assert_eq!(field(s, "check_started"), "2019-03-13-04-19");
    assert_eq!(field(s, "check_state"), "completed");
    assert_eq!(
        (field(s, "tables_checked"), field(s, "tables_total")),
        ("681", "681")
    );
    assert_eq!(field(s, "errors"), "none");
    assert_eq!(field(s, "view_from"), "iptlab-ccmpub");
    assert_eq!(field(s, "zone_abbrev"), "PST");
    let rows = role(&f, Kind::Replication, "node_row");
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| field(r, "replication_state") == "3"));
    // The status file's name carries the check's local start time (with seconds).
    let file = f
        .events
        .iter()
        .find(|e| e.fields.contains_key("output_file"))
        .unwrap();
    assert!(matches!(file.time, RawTime::Local(dt, _) if dt.to_string() == "2019-03-13T04:19:40"));
}

#[test]
fn open_ports_group_replication_connections_per_peer() {
    let f = parse_ok(fixture!("open_ports_1500_noc.txt"));
    assert_eq!(f.understood, f.lines);
    let rows = of_kind(&f, Kind::Config);
    assert_eq!(rows.len(), 5, "itself plus four subscribers");
    let local = rows
        .iter()
        .find(|e| field(e, "remote_host") == "172.30.100.21")
        .unwrap();
    assert_eq!(field(local, "connections"), "6");
    assert_eq!(field(local, "remote_port"), "1500");
    assert_eq!(field(local, "process"), "dbmon");
    assert_eq!(field(local, "state"), "ESTABLISHED");
    let sub = rows
        .iter()
        .find(|e| field(e, "remote_host") == "172.30.100.35")
        .unwrap();
    assert!(sub
        .entities
        .iter()
        .any(|e| e.kind == EntityKind::Node && e.id == "172.30.100.35"));
}

#[test]
fn connectivity_success_and_failure() {
    let f = parse_ok(fixture!("connectivity_tn215013.txt"));
    assert_eq!(f.understood, f.lines);
    let pings = of_kind(&f, Kind::Ping);
    assert_eq!(pings.len(), 2);
    assert_eq!(field(pings[0], "target"), "10.1.89.30");
    assert_eq!(field(pings[0], "result"), "success");
    assert!(!pings[0].fields.contains_key("rtt_ms") && !pings[0].fields.contains_key("lost"));
    let bad = parse_ok(fixture!("synthetic_connectivity_failed.txt"));
    let p = of_kind(&bad, Kind::Ping)[0];
    assert_eq!(
        (field(p, "target"), field(p, "port"), field(p, "result")),
        ("cucm-sub2", "1515", "failed")
    );
}

#[test]
fn diagnose_warnings_become_alarms_even_when_glued() {
    let f = parse_ok(fixture!("diagnose_ntp_warnings_c215537.txt"));
    let alarms = of_kind(&f, Kind::Alarm);
    let modules: Vec<&str> = alarms.iter().map(|e| field(e, "module")).collect();
    assert_eq!(
        modules,
        ["ntp_reachability", "ntp_clock_drift", "ntp_stratum"]
    );
    assert!(alarms.iter().all(|e| field(e, "state") == "warning"));
    assert!(field(alarms[1], "result").contains("None of the designated NTP servers"));
    assert_eq!(field(alarms[0], "condition"), "diagnose_test");
    let passed = of_kind(&f, Kind::Log);
    assert!(passed
        .iter()
        .any(|e| field(e, "module") == "validate_network"));
}

#[test]
fn disk_usage_from_diskusage_runtime_disk_and_show_status() {
    let f = parse_ok(fixture!("diskusage_common_sort_tn221038.txt"));
    let d = of_kind(&f, Kind::DiskUsage);
    assert_eq!(d.len(), 1);
    assert_eq!(field(d[0], "partition"), "common");
    assert_eq!(field(d[0], "used_percent"), "92");
    assert_eq!(field(d[0], "used_kb"), "60388736");
    assert!(field(d[0], "largest").starts_with("/common/=60305892"));
    assert_eq!(d[0].severity, Severity::Warning);
    let r = parse_ok(fixture!("runtime_disk_tn221038.txt"));
    let parts: Vec<(&str, &str)> = of_kind(&r, Kind::DiskUsage)
        .iter()
        .map(|e| (field(e, "partition"), field(e, "used_percent")))
        .collect();
    assert_eq!(
        parts,
        [
            ("active", "69"),
            ("inactive", "67"),
            ("/grub", "5"),
            ("common", "92")
        ]
    );
    let s = parse_ok(fixture!("show_status_common_full_tn221038.txt"));
    let logging = of_kind(&s, Kind::DiskUsage)
        .into_iter()
        .find(|e| field(e, "partition") == "logging")
        .unwrap();
    assert_eq!(field(logging, "used_percent"), "92");
    assert!(
        matches!(logging.time, RawTime::Local(dt, _) if dt.to_string() == "2023-09-29T17:20:40")
    );
}

#[test]
fn perf_query_memory_counters_are_metric_samples_named_like_perfmon() {
    let f = parse_ok(fixture!("perf_memory_noc.txt"));
    assert_eq!(f.understood, f.lines);
    let m = of_kind(&f, Kind::MetricSample)[0];
    assert_eq!(field(m, "Memory\\% Mem Used"), "53");
    assert_eq!(field(m, "Memory\\% VM Used"), "61");
    assert_eq!(field(m, "Memory\\Used Swap KBytes"), "1829428");
    let p = parse_ok("admin:show perf query class Process\n==>query class :\n - Perf class (Process) has instances and values:\n   ccm  -> VmSize = 1234567\n");
    assert_eq!(
        field(of_kind(&p, Kind::MetricSample)[0], "Process(ccm)\\VmSize"),
        "1234567"
    );
}

#[test]
fn certificate_list_and_detail() {
    let f = parse_ok(fixture!("synthetic_cert_list_own.txt"));
    let certs = of_kind(&f, Kind::Certificate);
    assert_eq!(certs.len(), 7);
    assert_eq!(field(certs[0], "unit"), "tomcat");
    assert_eq!(field(certs[0], "issuer"), "CA-ROOT-01");
    assert_eq!(field(certs[0], "store"), "own");
    assert_eq!(field(certs[1], "self_signed"), "yes");
    let d = parse_ok(fixture!("synthetic_cert_own_tomcat.txt"));
    let c = of_kind(&d, Kind::Certificate)[0];
    assert_eq!(field(c, "unit"), "tomcat");
    assert_eq!(field(c, "cert_file"), "tomcat.pem");
    assert_eq!(field(c, "not_after"), "Sun Jan 08 14:09:18 UTC 2023");
    assert_eq!(field(c, "not_after_local"), "2023-01-08T14:09:18");
    assert_eq!(field(c, "not_after_zone"), "UTC");
    assert!(field(c, "subject").contains("CN=cucm-pub.example.net"));
    assert_eq!(field(c, "issuer"), "CN=CA-ROOT-01, DC=example, DC=net");
    assert_eq!(d.understood, d.lines, "{:?}", d.problems);
}

#[test]
fn info_registers_block_is_understood_and_not_frames() {
    let f = parse_ok(fixture!("synthetic_analyze_info_registers.txt"));
    assert_eq!(f.understood, f.lines, "{:?}", f.problems);
    let bts = of_kind(&f, Kind::Backtrace);
    assert_eq!(bts.len(), 1);
    assert_eq!(field(bts[0], "frame_count"), "8");
    assert_eq!(field(bts[0], "registers"), "16");
    assert_eq!(field(bts[0], "pc"), "0x8048470");
    assert_eq!(field(bts[0], "pc_symbol"), "main+54");
    assert!(f.problems.is_empty());
}

#[test]
fn new_commands_are_claimed_but_other_formats_keep_their_files() {
    let head = |text: &'static str| {
        detect(&Head {
            name: "x.txt",
            lines: text.lines().collect(),
        })
        .map_or("none", |f| f.name())
    };
    // Without an echo, the CUCM-specific lines still make a CLI capture.
    assert_eq!(head("05:21:02.186421 IP a.b.42930 > c.d.ntp: NTPv4, Client, length 48\n05:21:02.186606 IP c.d.ntp > a.b.42930: NTPv3, Server, length 48\n"), "cucm-cli");
    assert_eq!(
        head(" - Perf class (Memory) has instances and values:\n  -> % Mem Used = 53\n"),
        "cucm-cli"
    );
    // A CiscoSyslog alarm that mentions a certificate file stays syslog.
    assert_eq!(
        head(include_str!(
            "../../tests/fixtures/cisco_syslog/synthetic_failure_classes.txt"
        )),
        "cisco-syslog"
    );
    // A plain df table (ESXi, Linux) is not claimed as CUCM output.
    assert_ne!(
        head("Filesystem      Size  Used Avail Use% Mounted on\n/dev/sda2        19G   13G  6.0G  69% /\n"),
        "cucm-cli"
    );
}

#[test]
fn hostile_lines_in_new_sections_never_panic() {
    let text = "admin:utils network capture port 123\n99:99:99.1 IP a > b: NTPv9, , length\n12:00:00.1 IP x > y: NTPv4\nadmin:show cert own\n-----BEGIN\n\u{feff}\u{202e}\nadmin:show diskusage\n/dev/sda 1 2 3 400% /\nadmin:show perf query\n -> = \nadmin:show open ports\nx 1 u 1u IPv4 1 0t0 TCP :->: (X)\nadmin:utils ntp server add\n : [ ]\nadmin:utils dbreplication runtimestate\nReplication status command COMPLETED 99999999999999999999 tables checked out of 1\n";
    let f = parse_at(text, "x.txt");
    assert!(f.lines > 0);
}

/// The fuzz target `cucm_cli_uc_sections` in miniature: seeded random lines
/// made of the sections' own vocabulary, after each new command's echo.
#[test]
fn random_section_bodies_never_panic() {
    const ECHOES: [&str; 12] = [
        "admin:utils ntp server add 10.0.0.1",
        "admin:utils ntp server list",
        "admin:utils network capture port 123",
        "admin:utils network connectivity 10.0.0.2 port 1515",
        "admin:show open ports regexp 1500",
        "admin:show cert list own",
        "admin:show cert own tomcat/tomcat.pem",
        "admin:show diskusage common sort",
        "admin:show tech runtime disk",
        "admin:show perf query class Memory",
        "admin:utils dbreplication runtimestate",
        "admin:utils diagnose test",
    ];
    const WORDS: [&str; 24] = [
        "05:21:02.1",
        "IP",
        "a.b.123",
        ">",
        "c.d.ntp:",
        "NTPv3,",
        "Server,",
        "length",
        ":",
        "[",
        "]",
        "->",
        "=",
        "(ESTABLISHED)",
        "TCP",
        "IPv4",
        "/dev/sda6",
        "92%",
        "/common",
        "Validity",
        "From:",
        "To:",
        "test -",
        "é",
    ];
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    for round in 0..600 {
        let mut text = String::from(ECHOES[round % ECHOES.len()]);
        for _ in 0..next(6) + 1 {
            text.push('\n');
            for _ in 0..next(9) {
                text.push_str(WORDS[next(WORDS.len())]);
                text.push(' ');
            }
        }
        let f = parse_at(&text, "fuzz/x.txt");
        assert!(f.understood <= f.lines);
    }
}
