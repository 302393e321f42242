//! Tests of the UCCE dumplog parser.

use crate::{by_name, parse_reader, FileContext};
use uctriage_core::{DateSource, Kind, RawTime};

const BLOG: &str = include_str!("../../tests/fixtures/ucce_dumplog/jgw_blog.txt");

fn parse(text: &str, path: &str) -> crate::ParsedFile {
    parse_reader(
        by_name("ucce-dumplog"),
        &FileContext::new(path),
        text.as_bytes(),
    )
}

#[test]
fn blog_sample_decodes_devices_addresses_and_causes() {
    let text = format!("Events from July 12, 2019\n{BLOG}");
    let f = parse(&text, "pg1a/jgw1.txt");
    assert_eq!(f.understood, f.lines);
    let oos: Vec<_> = f
        .events
        .iter()
        .filter(|e| e.kind == Kind::DeviceOutOfService)
        .collect();
    assert_eq!(oos.len(), 2);
    assert_eq!(oos[1].fields["device"], "LCP50001148");
    assert_eq!(oos[1].fields["cause"], "DEVICE_UNREGISTERED");
    let RawTime::Local(dt, DateSource::Header) = oos[1].time else {
        panic!("{:?}", oos[1].time)
    };
    assert_eq!(dt.to_string(), "2019-07-12T12:33:19.564");
    let addr: Vec<_> = f
        .events
        .iter()
        .filter(|e| e.kind == Kind::AddressOutOfService)
        .collect();
    assert!(addr
        .iter()
        .any(|e| e.fields.get("cause") == Some("CALLMANAGER_FAILURE")));
    assert!(addr
        .iter()
        .any(|e| e.fields.get("cause_code") == Some("1005")));
}

/// Every record as an event (`timeline --all`).
fn parse_all(text: &str, path: &str) -> crate::ParsedFile {
    let mut ctx = FileContext::new(path);
    ctx.keep_ordinary = true;
    parse_reader(by_name("ucce-dumplog"), &ctx, text.as_bytes())
}

#[test]
fn newest_first_paste_does_not_wrap_but_midnight_does() {
    let f = parse_all("Events from July 12, 2019\n23:59:59:900 PG2B-jgw1 Trace: x\n00:00:00:100 PG2B-jgw1 Trace: y\n", "j.txt");
    let RawTime::Local(dt, src) = f.events[1].time else {
        panic!()
    };
    assert_eq!(
        (dt.to_string().as_str(), src),
        ("2019-07-13T00:00:00.1", DateSource::Wrapped)
    );
    let f = parse_all(BLOG, "jgw1_190712_080000.txt");
    let RawTime::Local(dt, DateSource::FileName) = f.events[3].time else {
        panic!()
    };
    assert_eq!(dt.date().to_string(), "2019-07-12");
}

#[test]
fn provider_state_names_its_ctimanager() {
    let f = parse(
        "Events from February 6, 2024\n14:07:33:702 PG3A-jgw1 Trace: ProvOutOfServiceEv Provider: cm-sub2.example.com Cause: CTIMANAGER_FAILURE\n14:07:41:096 PG3A-jgw1 Trace: CiscoProvInServiceEv\n",
        "jgw.txt",
    );
    let e = &f.events[0];
    assert_eq!(e.kind, Kind::ServiceState);
    assert_eq!(e.fields["state"], "out of service");
    assert_eq!(e.fields["provider"], "cm-sub2.example.com");
    assert_eq!(e.fields["cause"], "CTIMANAGER_FAILURE");
    assert_eq!(f.events[1].fields["state"], "in service");
    assert!(!f.events[1].fields.contains_key("provider"));
}

#[test]
fn without_any_date_times_stay_time_of_day() {
    let f = parse(BLOG, "jgw.txt");
    assert!(matches!(f.events[0].time, RawTime::TimeOfDay(_)));
}

#[test]
fn pim_continuation_lines_join_their_record() {
    let f = parse(
        include_str!("../../tests/fixtures/ucce_dumplog/pim_multiline.txt"),
        "pim.txt",
    );
    assert_eq!(f.events.len(), 1);
    assert_eq!(f.understood, f.lines);
    assert!(f.events[0].text.get().contains("Cause       = EC_NEW_CALL"));
}

#[test]
fn malformed_lines_are_reported_not_fatal() {
    let f = parse("Events from Smarch 40, 2019\n99:99:99:999 PG1A-jgw1 Trace: x\ngarbage\n12:00:00 PG1A-jgw1 Trace: ok\n", "j.txt");
    assert_eq!(f.events.len(), 1);
    assert!(f.problems.iter().any(|p| p.line == Some(1)));
    assert!(f
        .problems
        .iter()
        .any(|p| p.line == Some(2) && p.message.contains("impossible")));
    assert_eq!(f.understood, 1);
}

/// The hand-written state-event parser agrees with the regexes it replaced,
/// on the usual lines and on odd spacing, missing parts and Unicode spaces.
#[test]
fn state_events_by_hand_match_the_regexes() {
    use super::decode::{state_ev, StateEv, ADDR, MSG_ADDR, TERM};
    use regex::Regex;
    let shapes = [
        (
            &TERM,
            r"^(CiscoTerm(?:OutOf|In)ServiceEv)\s+Term:\s*(\S+)(?:\s+Cause:\s*(\S+))?",
        ),
        (
            &ADDR,
            r"^(CiscoAddr(?:OutOf|In)ServiceEv)\s+Addr:\s*(\S+)(?:\s+Cause:\s*(\S+))?",
        ),
        (
            &MSG_ADDR,
            r"^(MsgAddress(?:OutOf|In)Service):\s*Addr:\s*(\S+)(?:\s+Cause:\s*(\S+))?",
        ),
    ];
    let bodies = [
        "CiscoTermOutOfServiceEv Term: LCP50001148 Cause: DEVICE_UNREGISTERED",
        "CiscoTermInServiceEv Term: LCP50001148",
        "CiscoTermInServiceEv  Term:LCP1   Cause:X trailing words",
        "CiscoTermOutOfServiceEv Sending AddressOutOfService for 1 addresses",
        "CiscoTermOutOfServiceEvTerm: X",
        "CiscoTermOutOfServiceEv Term: ",
        "CiscoTermOutOfServiceEv Term:",
        "CiscoTermOutOfServiceEv Term: Cause: X",
        "CiscoTermOutOfServiceEv Term: A Cause:",
        "CiscoTermOutOfServiceEv Term: A Cause:   ",
        "CiscoTermOutOfServiceEv Term: A Cause: \u{3000}B",
        "CiscoTermOutOfServiceEv\u{a0}Term:\u{2003}Ä\u{85}Cause:\u{2028}ü",
        "CiscoTermOutOfServiceEv Term: A\u{a0}Cause: B",
        "CiscoTermOutOfServiceEv Term: A Causes: B",
        "CiscoTermOutOfServiceEv Term: A\tCause:\tB\tC",
        "CiscoTermOutOfInServiceEv Term: A",
        "CiscoTermInOutOfServiceEv Term: A",
        "CiscoTermServiceEv Term: A",
        "CiscoAddrOutOfServiceEv Addr: 27148 Cause: CALLMANAGER_FAILURE",
        "CiscoAddrInServiceEv Addr: 27148",
        "CiscoAddrInServiceEv Term: 27148",
        "MsgAddressOutOfService:  Addr: 27182 Cause: 1005",
        "MsgAddressInService:  Addr: 27182",
        "MsgAddressInService:Addr:27182",
        "MsgAddressInService Addr: 27182",
        "MsgAddressInServiceEv: Addr: 27182",
        "MsgBeginCall:  Addr: 27148 CallID: 3641207/5",
        "",
    ];
    for (shape, pattern) in shapes {
        let re = Regex::new(pattern).unwrap();
        for body in bodies {
            let want = re.captures(body).map(|c| StateEv {
                name: c.get(1).unwrap().as_str(),
                out: c[1].contains("OutOf"),
                id: c.get(2).unwrap().as_str(),
                cause: c.get(3).map(|m| m.as_str()),
            });
            assert_eq!(state_ev(body, shape), want, "{pattern} on {body:?}");
        }
    }
}

/// The one-pass record splitter agrees with the `split_once` version it
/// replaced (kept here as the reference).
#[test]
fn record_split_by_hand_matches_the_reference() {
    fn reference(text: &str) -> Option<(&str, &str, &str, &str)> {
        let (stamp, rest) = text.split_once(' ')?;
        let b = stamp.as_bytes();
        let shape_ok = matches!(b.len(), 7 | 8 | 10..=12)
            && b.iter()
                .all(|c| c.is_ascii_digit() || *c == b':' || *c == b'.')
            && b.iter().filter(|c| **c == b':').count() >= 2;
        if !shape_ok {
            return None;
        }
        let (token, msg) = rest.split_once(' ')?;
        let (pg, proc_) = token.split_once('-')?;
        let pg_ok = !pg.is_empty() && pg.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_');
        let letters = proc_
            .bytes()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        let proc_ok = letters > 0 && proc_.bytes().skip(letters).all(|c| c.is_ascii_digit());
        (pg_ok && proc_ok).then_some((stamp, pg, proc_, msg))
    }
    let stamps = [
        "12:33:19:564",
        "12:33:19",
        "1:02:03",
        "12:33:19.5",
        "12:33:19:5644",
        "12.33.19",
        "12:3:19",
        "::::::::",
        "1:2:3:4:5:6",
        "123456789",
        "12:33:19:56a",
        "",
        "Ä2:33:19",
    ];
    let tokens = [
        "PG1A-jgw1",
        "PG_1-ctisvr22",
        "PG1A-jgw",
        "PG1A-",
        "-jgw1",
        "PG1A-jgw1x",
        "PG1A-1",
        "PG1A-jgw1-x",
        "PG-1A-jgw1",
        "PGÄ-jgw1",
        "PG1A-jgwü",
        "PG1A",
        "",
    ];
    let rests = [" Trace: x", " ", "", "  x", "\tx", " Ä"];
    for stamp in stamps {
        for sep in [" ", "  ", "\t", ""] {
            for token in tokens {
                for rest in rests {
                    let text = format!("{stamp}{sep}{token}{rest}");
                    assert_eq!(super::split_record(&text), reference(&text), "{text:?}");
                }
            }
        }
    }
}

#[test]
fn ordinary_records_yield_an_event_per_process_unless_every_one_is_asked_for() {
    let text = "Events from July 12, 2019\n\
        08:00:00:000 PG1A-jgw1 Trace: heartbeat\n\
        \tcontinued\n\
        08:00:01:000 PG1A-ctios1 Trace: client connected\n\
        08:00:02:000 PG1A-jgw1 Trace: heartbeat\n\
        \tnot part of the first heartbeat\n\
        08:00:03:000 PG1A-jgw1 Trace: CiscoTermOutOfServiceEv Term: LCP50001148 Cause: DEVICE_UNREGISTERED\n\
        08:00:04:000 PG1A-ctios1 Trace: client connected\n";
    let some = parse(text, "jgw1.txt");
    let all = parse_all(text, "jgw1.txt");
    assert_eq!((some.lines, some.understood), (all.lines, all.understood));
    assert_eq!(all.events.len(), 5);
    // The first record of each process, and the outage event.
    let lines: Vec<u64> = some.events.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![2, 4, 7]);
    assert_eq!(
        some.events[0].text,
        "08:00:00:000 PG1A-jgw1 Trace: heartbeat\n\tcontinued"
    );
    assert!(some
        .events
        .iter()
        .all(|e| !e.text.get().contains("not part")));
    assert_eq!(some.events[2].kind, Kind::DeviceOutOfService);
    // The file still shows the time it covers.
    let (first, last) = some.span.clone().expect("a span");
    let t = |r: RawTime| match r {
        RawTime::Local(dt, _) => dt.time().to_string(),
        other => panic!("{other:?}"),
    };
    assert_eq!((t(first), t(last)), ("08:00:00".into(), "08:00:04".into()));
}

#[test]
fn mds_in_service_from_the_best_practices_guide() {
    let f = parse(
        include_str!("../../tests/fixtures/ucce_dumplog/mds_bp9.txt"),
        "rgra/rtr/dumplog.txt",
    );
    assert_eq!(f.understood, f.lines);
    let e = &f.events[0];
    assert_eq!(e.kind, Kind::Failover);
    assert_eq!(
        (
            e.fields["component"].as_str(),
            e.fields["state"].as_str(),
            e.fields["side"].as_str(),
            e.fields["process_token"].as_str(),
        ),
        ("mds", "in_service", "A", "ra-rtr")
    );
    assert!(!e.fields.contains_key("wording"));
    let RawTime::Local(dt, DateSource::Header) = e.time else {
        panic!("{:?}", e.time)
    };
    assert_eq!(dt.to_string(), "2007-02-08T00:37:44");
}

#[test]
fn cti_server_session_traces_are_read_whole() {
    let text = include_str!("../../tests/fixtures/ucce_dumplog/ctisvr_200937.txt");
    let f = parse_all(text, "pg1a/ctisvr.txt");
    assert_eq!(f.understood, f.lines);
    // Statistics queries are ordinary records.
    assert!(f.events.iter().all(|e| e.kind == Kind::Log));
    assert_eq!(f.events[0].fields["peripheral_gateway"], "cg1A");
}

/// A CTI Server session trace in the shape of TAC document 200937 with the
/// CTI protocol's SYSTEM_EVENT and AGENT_STATE_EVENT messages: how their
/// enumerated values print is UNCONFIRMED.
const SESSION_EVENTS: &str = "Events from May 3, 2024
10:15:00:101 cg1A-ctisvr SESSION 12: MsgType:SYSTEM_EVENT (PGStatus:0x0 ICMCentralControllerTime:05/03 10:15:00
10:15:00:101 cg1A-ctisvr SESSION 12:         SystemEventID:SYS_PERIPHERAL_OFFLINE SystemEventArg1:5000 )
10:15:01:200 cg1A-ctisvr SESSION 14: MsgType:AGENT_STATE_EVENT (MonitorID:0 PeripheralID:5000 SessionID:14
10:15:01:200 cg1A-ctisvr SESSION 14:         AgentState:AGENT_STATE_LOGOUT EventReasonCode:50002 AgentExtension:1001 AgentID:2001 )
10:15:02:000 cg1A-ctisvr SESSION 15: MsgType:CLOSE_REQ (InvokeID:0x5 Status:0 )
10:15:03:000 cg1A-ctisvr SESSION 16: MsgType:SYSTEM_EVENT (PGStatus:0x0
10:15:03:000 cg1A-ctisvr SESSION 16:         SystemEventID:9 )
";

#[test]
fn session_messages_make_failover_and_agent_events() {
    let f = parse(SESSION_EVENTS, "pg1a/ctisvr.txt");
    assert_eq!(f.understood, f.lines);
    let kinds: Vec<Kind> = f.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            Kind::Log,
            Kind::Failover,
            Kind::AgentState,
            Kind::AgentState,
            Kind::Log
        ]
    );
    let off = &f.events[1];
    assert_eq!(
        (
            off.fields["component"].as_str(),
            off.fields["state"].as_str(),
            off.fields["peripheral"].as_str(),
            off.fields["side"].as_str(),
            off.fields["wording"].as_str(),
        ),
        ("peripheral", "offline", "5000", "A", "unconfirmed")
    );
    // The event points at the record that starts the message.
    assert_eq!(off.line, 2);
    let out = &f.events[2];
    assert_eq!(
        (
            out.fields["state"].as_str(),
            out.fields["agent_id"].as_str(),
            out.fields["reason_code"].as_str(),
            out.fields["peripheral_id"].as_str(),
        ),
        ("logout", "2001", "50002", "5000")
    );
    assert_eq!(f.events[3].fields["state"], "session_closed");
    assert_eq!(f.events[4].fields["system_event_id"], "9");
}

#[test]
fn windows_event_texts_and_guessed_wording_in_pg_traces() {
    let text = "Events from May 3, 2024
10:00:00:000 PG1A-pgag Trace: Connection to Central Controller side A failed
10:00:01:000 ra-rtr Trace: ACD/IVR IVR4(ID 5007) is off-line and not visible to the Peripheral Gateway. Routing to this site is impacted
10:00:02:000 PG1B-pim1 Trace: PIM for peripheral 5000 going active
10:00:03:000 PG1A-opc Trace: Peripheral 5000 is offline
10:00:04:000 PG1B-opc Trace: OPC entering simplex mode
10:00:05:000 PG1A-ctisvr Trace: 42 agents logged out
10:00:06:000 PG1A-ctisvr Trace: CTI client 10.1.1.7 disconnected
10:00:07:000 PG1B-pim1 Trace: Peripheral 5000 activated
";
    let f = parse(text, "pg1/dumplog.txt");
    let got: Vec<(Kind, &str, &str, Option<&str>)> = f
        .events
        .iter()
        .map(|e| {
            (
                e.kind,
                e.fields.get("component").unwrap_or(""),
                e.fields["state"].as_str(),
                e.fields.get("side"),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                Kind::Failover,
                "central_controller_link",
                "failed",
                Some("A")
            ),
            (Kind::Failover, "peripheral", "offline", Some("A")),
            (Kind::Failover, "pim", "active", Some("B")),
            (Kind::Failover, "peripheral", "offline", Some("A")),
            (Kind::Failover, "opc", "simplex", Some("B")),
            (Kind::AgentState, "PG1A-ctisvr", "logout", None),
            (Kind::AgentState, "PG1A-ctisvr", "client_disconnected", None),
            (Kind::Failover, "pim", "active", Some("B")),
        ]
    );
    assert!(f
        .events
        .iter()
        .all(|e| e.fields["wording"] == "unconfirmed"));
    assert_eq!(f.events[0].fields["remote_side"], "A");
    assert_eq!(
        (
            f.events[1].fields["peripheral"].as_str(),
            f.events[1].fields["peripheral_id"].as_str()
        ),
        ("IVR4", "5007")
    );
    assert_eq!(f.events[3].fields["peripheral"], "5000");
    assert_eq!(f.events[5].fields["agents"], "42");
}

#[test]
fn every_fixture_is_at_least_95_percent_understood() {
    crate::test_support::assert_fixtures_understood("ucce_dumplog", 4, parse);
}

#[test]
fn new_fixtures_are_detected_as_dumplog() {
    use crate::{detect, Head};
    for (name, text) in [
        (
            "ctisvr.txt",
            include_str!("../../tests/fixtures/ucce_dumplog/ctisvr_200937.txt"),
        ),
        (
            "rtr.txt",
            include_str!("../../tests/fixtures/ucce_dumplog/mds_bp9.txt"),
        ),
        ("s.txt", SESSION_EVENTS),
    ] {
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            detect(&Head { name, lines }).map(|f| f.name()),
            Some("ucce-dumplog"),
            "{name}"
        );
    }
}

#[test]
fn a_requested_shutdown_is_a_service_state_event() {
    let text = "Events from May 3, 2024
10:00:00:000 PG1A-pim1 Trace: Shutdown requested by Node Manager (administrator stop)
10:00:01:000 PG1A-pim1 Trace: request for skill group statistics sent
";
    let f = parse(text, "pg1/pim.txt");
    assert_eq!(f.events[0].kind, Kind::ServiceState);
    assert_eq!(f.events[0].fields["state"], "stop_requested");
    assert_eq!(f.events[0].fields["component"], "pim");
    assert_eq!(f.events[0].fields["side"], "A");
    assert_eq!(f.events[0].fields["wording"], "unconfirmed");
    assert!(f
        .events
        .iter()
        .skip(1)
        .all(|e| e.kind != Kind::ServiceState));
}
