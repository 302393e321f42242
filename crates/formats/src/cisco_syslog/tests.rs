//! Tests of the Cisco syslog parser against the verbatim public samples
//! (formats.md §1, §2, §5.1, §5.5) and fixtures of our own.

use crate::format::Head;
use crate::{by_name, detect, parse_reader, FileContext, ParsedFile};
use uctriage_core::{EntityKind, Fact, Kind, RawEvent, RawTime, Severity, ZoneSource};

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../../tests/fixtures/cisco_syslog/", $name))
    };
}

fn parse(text: &str, path: &str) -> ParsedFile {
    parse_reader(
        by_name("cisco-syslog"),
        &FileContext::new(path),
        text.as_bytes(),
    )
}

fn utc(ev: &RawEvent) -> String {
    match &ev.time {
        RawTime::Absolute(ts, _) => ts.to_string(),
        other => panic!("not absolute: {other:?}"),
    }
}

fn offsets(f: &ParsedFile) -> Vec<(Option<String>, i32)> {
    f.facts
        .iter()
        .filter_map(|x| match x {
            Fact::OffsetSeen {
                host,
                offset_seconds,
                source: ZoneSource::SyslogPrefix,
                ..
            } => Some((host.clone(), *offset_seconds)),
            _ => None,
        })
        .collect()
}

fn all_understood(f: &ParsedFile) {
    assert_eq!(f.understood, f.lines, "{:?}", f.problems);
    assert!(f.problems.is_empty(), "{:?}", f.problems);
}

#[test]
fn c214607_split_records_services_and_plus_two_hours() {
    let f = parse(fixture!("c214607_ciscosyslog.txt"), "syslog/CiscoSyslog");
    all_understood(&f);
    let kinds: Vec<_> = f
        .events
        .iter()
        .map(|e| (e.kind, e.fields.get("state").map(str::to_string)))
        .collect();
    assert_eq!(kinds[0], (Kind::ServiceState, Some("start_failed".into())));
    assert_eq!(kinds[1], (Kind::ServiceState, Some("failed".into())));
    assert_eq!(kinds[3], (Kind::ServiceState, Some("started".into())));
    // CertExpired: a certificate event with its unit and raw expiry (C-214607).
    assert_eq!(kinds[4], (Kind::Certificate, Some("expired".into())));
    assert_eq!(f.events[4].fields["unit"], "tomcat");
    assert_eq!(f.events[0].fields["service"], "Cisco RTMT Web Service");
    let first = &f.events[0];
    assert_eq!(
        (first.line, first.host.as_deref()),
        (1, Some("hcs862-hcm-f"))
    );
    assert_eq!(first.fields["Reason"], "HTTP 404 Error");
    assert_eq!(first.fields["ServiceName"], "Cisco RTMT Web Service");
    assert_eq!(first.fields["ClusterID"], "");
    assert_eq!(first.severity, Severity::Critical);
    assert_eq!(utc(first), "2019-06-17T14:14:19.781Z");
    assert!(first
        .entities
        .iter()
        .any(|e| e.kind == EntityKind::Service && e.id == "Cisco RTMT Web Service"));
    assert_eq!(f.events[2].fields["alarm"], "ServiceStartFailed"); // `ServiceStartFailed :`
    assert_eq!(utc(&f.events[4]), "2019-06-19T10:00:00.19Z"); // 2-digit milliseconds
    assert_eq!(f.events[4].fields["facility"], "local99");
    assert_eq!(f.events[4].severity, Severity::Emergency);
    assert!(f.events[4].fields["Message"].ends_with("Expiration:Sun Mar 26 12:30:59:000 CES"));
    assert_eq!(offsets(&f), vec![(Some("hcs862-hcm-f".into()), 7200)]);
    assert!(f.facts.contains(&Fact::HostAlias {
        host: "hcs862-hcm-f".into(),
        alias: "hcs862-hcm-f.XXXXXXXX.net".into()
    }));
}

#[test]
fn c200410_endpoint_unregistered_without_colon_or_prefix() {
    let f = parse(fixture!("c200410_eventviewer.txt"), "CiscoSyslog");
    all_understood(&f);
    let e = &f.events[0];
    assert_eq!(
        (e.kind, e.host.as_deref()),
        (Kind::DeviceUnregistered, Some("uc-ucm-01"))
    );
    assert_eq!(
        (e.fields["Reason"].as_str(), e.fields["cisco_host"].as_str()),
        ("13", "uc-ucm-01.pcce.local")
    );
    assert_eq!(
        e.fields["LastSignalReceived"],
        "SIPStationDPrimaryLineTimeout"
    );
    assert_eq!(utc(e), "2015-07-02T06:22:31Z");
    assert!(e
        .entities
        .iter()
        .any(|x| x.kind == EntityKind::Device && x.id == "SEPE0D1730A8137"));
    assert!(offsets(&f).is_empty()); // the doc cut the syslogd prefix
}

#[test]
fn c217518_line_gives_cdt_minus_five_hours() {
    let f = parse(fixture!("c217518_ciscosyslog.txt"), "CiscoSyslog");
    all_understood(&f);
    let e = &f.events[0];
    assert_eq!(
        (e.kind, e.host.as_deref(), e.severity),
        (Kind::Alarm, Some("impPub"), Severity::Alert)
    );
    assert_eq!(e.fields["app"], "UC_ReplWatcher");
    assert_eq!(utc(e), "2021-05-21T13:10:24.476Z");
    assert_eq!(offsets(&f), vec![(Some("impPub".into()), -5 * 3600)]);
}

#[test]
fn rtmt_alert_with_matched_event() {
    let f = parse(fixture!("rtmt_c217518.txt"), "alert.txt");
    all_understood(&f);
    assert_eq!(f.events.len(), 2);
    let a = &f.events[0];
    assert_eq!(
        (a.kind, a.host.as_deref()),
        (Kind::RtmtAlert, Some("impPub.ciscolab.com"))
    );
    assert_eq!(a.fields["reporting_node"], "cucmPub");
    assert_eq!(a.fields["alert"], "SyslogSeverityMatchFound");
    assert_eq!(a.fields["node"], "impPub.ciscolab.com");
    assert_eq!(a.fields["alert_local_time"], "2021-05-21T08:11:00");
    assert_eq!(a.fields["zone_abbrev"], "CDT");
    assert_eq!(a.fields["severitymatch"], "Alert");
    assert_eq!(a.fields["timestamp"], "Fri May 21 08:10:24 CDT 2021");
    assert_eq!(a.fields["appid"], "Cisco Syslog Agent");
    assert!(a
        .entities
        .iter()
        .any(|x| x.kind == EntityKind::Alarm && x.id == "SyslogSeverityMatchFound"));
    // No CiscoLog stamp around this pasted alert: the "At" time stays local.
    assert!(matches!(a.time, RawTime::Local(..)));
    let m = &f.events[1];
    assert_eq!(
        (m.line, m.fields["via"].as_str(), m.fields["alarm"].as_str()),
        (1, "rtmt_alert", "DuplicateUserid")
    );
    assert_eq!(utc(m), "2021-05-21T13:10:24.476Z");
    assert_eq!(offsets(&f), vec![(Some("impPub".into()), -18000)]);
}

#[test]
fn rtmt_hand_typed_core_dump_alert() {
    let f = parse(fixture!("rtmt_exam.txt"), "exam.txt");
    all_understood(&f);
    let a = &f.events[0];
    assert_eq!(
        (
            a.kind,
            a.fields["alert"].as_str(),
            a.fields["zone_abbrev"].as_str()
        ),
        (Kind::RtmtAlert, "CoreDumpFileFound", "EST")
    );
    assert_eq!(a.fields["totalcoresfound"], "1");
    let c = &f.events[1];
    assert_eq!(c.kind, Kind::ServiceCore);
    assert_eq!(utc(c), "2017-08-22T03:21:36Z");
    assert_eq!(
        (c.fields["service"].as_str(), c.fields["process"].as_str()),
        ("Cisco CallManager", "ccm")
    );
    assert_eq!(
        (c.fields["pid"].as_str(), c.fields["signal"].as_str()),
        ("11596", "6")
    );
    assert_eq!(c.fields["core_file"], "core.11596.6.ccm.1503372096");
    assert_eq!(c.host.as_deref(), Some("172.16.136.21"));
}

#[test]
fn spec_examples_ucce_and_dumplog_cisco_log_form() {
    let f = parse(fixture!("spec_bacc.txt"), "s.txt");
    assert_eq!(f.understood, f.lines);
    assert_eq!(f.events.len(), 2);
    assert_eq!(f.events[1].fields["clock_unsynchronised"], "true");
    assert_eq!(f.events[1].fields["mac"], "1,6,aa:bb:cc:11:22:33");
    assert_eq!(f.events[1].fields["pname.orig"], "rdu");
    let f = parse(fixture!("spec_ucce.txt"), "u.txt");
    assert_eq!(f.understood, f.lines);
    let e = &f.events[0];
    assert_eq!(
        (
            e.fields["alarm"].as_str(),
            e.fields["pri"].as_str(),
            e.fields["comp"].as_str()
        ),
        ("10500FF", "134", "Router-A")
    );
    assert_eq!(
        (utc(e), e.severity),
        ("2007-02-13T18:23:21.408Z".to_string(), Severity::Info)
    );
    let f = parse(fixture!("dumplog_ciscolog.txt"), "d.txt");
    assert_eq!(f.understood, f.lines);
    let e = &f.events[0];
    assert_eq!(
        (e.fields["app"].as_str(), e.fields["comp"].as_str()),
        ("ICM_Router_ProcessSynchronization", "Router-A")
    );
    assert_eq!(utc(e), "2007-02-08T05:37:44.658Z");
    let f = parse(fixture!("spec_receiver_solaris.txt"), "r.txt");
    assert_eq!(f.understood, f.lines);
    assert_eq!(
        f.events[0].fields["text"],
        "Configured from console by vty0 [10.0.0.0]"
    );
    // A receiver prefix is the receiver's clock: the file's host, not the sender.
    assert_eq!(offsets(&f), vec![(None, 0)]);
}

#[test]
fn unconfirmed_audit_variant_and_old_style_pairs() {
    let f = parse(fixture!("audit_unconfirmed.txt"), "a.txt");
    all_understood(&f);
    assert_eq!(utc(&f.events[0]), "2019-05-01T07:10:40.781Z");
    assert_eq!(f.events[0].fields["pri"], "189");
    let f = parse(fixture!("codeyellow_exam.txt"), "c.txt");
    all_understood(&f);
    let e = &f.events[0];
    assert_eq!(
        (e.fields["sub_facility"].as_str(), e.severity),
        ("CALLMANAGER", Severity::Error)
    );
    assert_eq!(e.fields["Expected Average Delay"], "7906");
    assert_eq!(e.fields["Normal Priority Queue Depth"], "5161");
    assert!(matches!(e.time, RawTime::Unknown));
}

#[test]
fn jtapi_and_mivr_keep_the_abbreviation_as_a_field_only() {
    let f = parse(fixture!("jtapi_cer.txt"), "CiscoJtapi1.log");
    all_understood(&f);
    assert_eq!(f.events.len(), 2);
    let e = &f.events[0];
    assert!(matches!(
        e.time,
        RawTime::LocalNoYear {
            month: 11,
            day: 23,
            ..
        }
    ));
    assert_eq!(
        (
            e.fields["zone_abbrev"].as_str(),
            e.fields["sub_facility"].as_str()
        ),
        ("COT", "PROTOCOL")
    );
    assert!(e
        .text
        .get()
        .contains("qbeClientVersion = Cisco JTAPI 12.5(0.98000)-1 Release"));
    assert_eq!(e.severity, Severity::Debug);
    let f = parse(fixture!("mivr.txt"), "MIVR01.log");
    all_understood(&f);
    assert_eq!(f.events[1].fields["zone_abbrev"], "IST");
    assert_eq!(f.events[1].fields["app"], "MIVR");
}

#[test]
fn amsterdam_winter_cluster_with_year_roll_over() {
    let f = parse(fixture!("amsterdam_cluster.txt"), "ams/CiscoSyslog");
    all_understood(&f);
    let mut o = offsets(&f);
    o.sort();
    assert_eq!(
        o,
        vec![
            (Some("ams-cucm-pub".into()), 3600),
            (Some("ams-cucm-sub1".into()), 3600)
        ]
    );
    let by = |k: Kind| f.events.iter().filter(move |e| e.kind == k);
    let sdl: Vec<_> = by(Kind::SdlLink)
        .map(|e| e.fields["state"].as_str())
        .collect();
    assert_eq!(sdl, ["out_of_service", "in_service"]);
    let oos = by(Kind::SdlLink).next().unwrap();
    assert!(oos
        .entities
        .iter()
        .any(|e| e.kind == EntityKind::Node && e.id == "ams-cucm-pub"));
    assert_eq!(by(Kind::DeviceRegistered).count(), 1);
    assert_eq!(by(Kind::DeviceUnregistered).count(), 2);
    let core = by(Kind::ServiceCore).next().unwrap();
    assert_eq!(
        (utc(core), core.fields["pid"].as_str()),
        ("2018-12-31T23:00:30Z".to_string(), "21877")
    );
    let alert = by(Kind::RtmtAlert).next().unwrap();
    assert_eq!(utc(alert), "2018-12-31T23:00:40.101Z"); // the UTC stamp, not "At ... CET"
    assert_eq!(alert.fields["alert_local_time"], "2019-01-01T00:00:40");
    let repl = by(Kind::Replication).next().unwrap();
    assert_eq!(
        (
            repl.fields["part"].as_str(),
            repl.fields["clock_unsynchronised"].as_str()
        ),
        ("1205.1/2", "true")
    );
    let started = by(Kind::ServiceState)
        .find(|e| e.fields["state"] == "started")
        .unwrap();
    assert_eq!(
        (started.line, utc(started)),
        (5, "2018-12-31T23:01:05.02Z".to_string())
    );
}

#[test]
fn os_messages_are_local_without_year() {
    let f = parse(fixture!("messages.txt"), "syslog/messages");
    all_understood(&f);
    assert!(f
        .events
        .iter()
        .all(|e| e.host.as_deref() == Some("ams-cucm-pub")));
    let ntp = &f.events[1];
    // An NTP daemon's line says something about the clock (os_messages.rs).
    assert_eq!(ntp.kind, Kind::Clock);
    assert_eq!(ntp.fields.get("ntp_state"), Some("synchronized"));
    assert!(f.events.iter().filter(|e| e.kind == Kind::Log).count() == 4);
    assert!(matches!(
        ntp.time,
        RawTime::LocalNoYear {
            month: 12,
            day: 31,
            ..
        }
    ));
    assert_eq!(
        (ntp.fields["process"].as_str(), ntp.fields["pid"].as_str()),
        ("ntpd", "2231")
    );
    assert!(f.facts.is_empty());
}

#[test]
fn malformed_input_is_reported_not_fatal() {
    let f = parse(fixture!("malformed.txt"), "bad.txt");
    let at = |line: u64, word: &str| {
        f.problems
            .iter()
            .any(|p| p.line == Some(line) && p.message.contains(word))
    };
    assert!(at(1, "impossible date"), "{:?}", f.problems);
    assert!(at(2, "truncated"));
    assert!(at(3, "AlertDetail"));
    assert!(at(4, "escape"));
    assert!(at(5, "syslog prefix ignored"));
    assert!(at(6, "impossible date"));
    assert!(at(7, "offset"));
    assert!(!f
        .events
        .iter()
        .any(|e| e.line == 1 || e.line == 6 || e.line == 7));
    let trunc = f.events.iter().find(|e| e.line == 2).unwrap();
    assert_eq!(trunc.fields["DeviceName"], "SEP2");
    let cpu = f.events.iter().find(|e| e.line == 3).unwrap();
    assert_eq!(
        (cpu.kind, cpu.fields["processor"].as_str()),
        (Kind::RtmtAlert, "99")
    );
    assert_eq!(f.understood, 4);
}

#[test]
fn garbage_never_panics() {
    for s in [
        "%",
        "%[",
        "%[a=",
        "<999",
        "<1>",
        "1: h: *Jan 1 2019 1:00:00 UTC : %",
        "Jan 1 00:00:00",
        "# 012 #0",
        "Dec 31 2018 23:00:00 PM UTC : %A-1-B: [x=]",
    ] {
        let f = parse(s, "g.txt");
        assert_eq!(f.lines, 1);
    }
}

#[test]
fn detection_scores() {
    let score = |lines: Vec<&str>| {
        by_name("cisco-syslog")
            .unwrap()
            .detect(&Head { name: "x", lines })
    };
    assert_eq!(
        score(fixture!("c214607_ciscosyslog.txt").lines().collect()),
        85
    );
    assert_eq!(score(fixture!("jtapi_cer.txt").lines().collect()), 85);
    assert_eq!(score(fixture!("messages.txt").lines().collect()), 20);
    assert_eq!(
        score(vec![
            "12:33:19:564 PG1A-jgw1 Trace: CiscoTermOutOfServiceEv Term: LCP50001148"
        ]),
        0
    );
    let head = Head {
        name: "CiscoSyslog",
        lines: fixture!("amsterdam_cluster.txt").lines().collect(),
    };
    assert_eq!(detect(&head).unwrap().name(), "cisco-syslog");
}

#[test]
fn core_dump_alarm_with_a_core_name_is_a_service_core() {
    let line = "5: cucm1.example.com: Mar 01 2019 09:00:00.000 UTC : %UC_LPMTCT-2-CoreDumpFileFound: %[TotalCoresFound=1][CoreDetails=Cisco CallManager (core.4242.11.ccm.1551430790)][AppID=Cisco Log Partition Monitoring Tool][ClusterID=][NodeID=cucm1]: Core dump file found";
    let f = parse(line, "CiscoSyslog");
    all_understood(&f);
    let e = &f.events[0];
    assert_eq!(
        (
            e.kind,
            e.fields["signal"].as_str(),
            e.fields["process"].as_str()
        ),
        (Kind::ServiceCore, "11", "ccm")
    );
    assert_eq!(utc(e), "2019-03-01T08:59:50Z");
    let f = parse(
        &line.replace("core.4242.11.ccm.1551430790", "none"),
        "CiscoSyslog",
    );
    assert_eq!(f.events[0].kind, Kind::Alarm);
}

#[test]
fn non_ascii_lines_take_the_regex_path_and_read_the_same() {
    let ascii = "Jul 12 06:17:42 pub local7 3 : 48212: pub.voip.com: Jul 12 2019 11:17:42.311 UTC :   %UC_CALLMANAGER-3-EndPointUnregistered: %[DeviceName=SEP1][Description=Lobby][NodeID=pub]: gone";
    let other = ascii.replace("Lobby", "Café ٣").replace("gone", "parti é");
    let (a, b) = (parse(ascii, "CiscoSyslog"), parse(&other, "CiscoSyslog"));
    all_understood(&a);
    all_understood(&b);
    let (ea, eb) = (&a.events[0], &b.events[0]);
    assert_eq!((utc(ea), ea.host.clone()), (utc(eb), eb.host.clone()));
    assert_eq!(eb.fields["Description"], "Café ٣");
    assert_eq!(eb.fields["seq"], "48212");
    assert_eq!(eb.fields["cisco_host"], "pub.voip.com");
    assert_eq!(eb.fields["facility"], "local7");
    assert_eq!(a.facts, b.facts);
}

/// `files` keeps no event and builds none of their fields: every fixture
/// still gives the same lines understood, problems, facts and summary of
/// its events (hosts, dates, times) as when every event is kept.
#[test]
fn counting_only_summarises_every_record_as_keeping_it_would() {
    let fixtures = [
        fixture!("amsterdam_cluster.txt"),
        fixture!("c214607_ciscosyslog.txt"),
        fixture!("c217518_ciscosyslog.txt"),
        fixture!("jtapi_cer.txt"),
        fixture!("malformed.txt"),
        fixture!("messages.txt"),
        fixture!("rtmt_exam.txt"),
        fixture!("spec_ucce.txt"),
        fixture!("synthetic_failure_classes.txt"),
    ];
    for text in fixtures {
        let kept = parse(text, "CiscoSyslog");
        let mut ctx = FileContext::new("CiscoSyslog");
        ctx.keep = Some(crate::keep_none());
        let counted = parse_reader(by_name("cisco-syslog"), &ctx, text.as_bytes());
        assert!(counted.events.is_empty());
        let mut summary = crate::Dropped::default();
        for ev in &kept.events {
            summary.add(ev);
        }
        let head = &text[..text.len().min(60)];
        assert_eq!(
            (kept.lines, kept.understood),
            (counted.lines, counted.understood),
            "{head}"
        );
        assert_eq!(kept.problems, counted.problems, "{head}");
        assert_eq!(kept.facts, counted.facts, "{head}");
        assert_eq!(kept.span, counted.span, "{head}");
        assert_eq!(summary, counted.dropped, "{head}");
        assert!(summary.count > 0, "{head}");
    }
}
