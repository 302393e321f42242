//! Tests of the UCCX Engine (MIVR) / JTAPI client log parser on the public
//! samples in `tests/fixtures/uccx_mivr/` (and the two MIVR / JTAPI samples
//! kept with cisco_syslog), and on lines of guessed wording.

use crate::{by_name, detect, parse_reader, FileContext, Head, ParsedFile};
use uctriage_core::{EntityKind, Kind, RawTime, Severity};

macro_rules! fixture {
    ($name:expr) => {
        include_str!(concat!("../../tests/fixtures/uccx_mivr/", $name))
    };
}

fn parse(text: &str, path: &str) -> ParsedFile {
    parse_reader(
        by_name("uccx-mivr"),
        &FileContext::new(path),
        text.as_bytes(),
    )
}

#[test]
fn jtapi_subsystem_failures_from_the_troubleshooting_guide() {
    let f = parse(
        fixture!("tsg125_jtapi_subsystem.txt"),
        "uccx1/uccx/log/MIVR/Cisco001MIVR01.log",
    );
    assert_eq!(f.understood, f.lines);
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    let failures: Vec<_> = f
        .events
        .iter()
        .filter(|e| e.kind == Kind::ServiceState)
        .collect();
    assert_eq!(failures.len(), 2);
    // The record line is wrapped: the subsystem and fields come from the continuation lines.
    let first = failures[0];
    assert_eq!(
        (
            first.fields["service"].as_str(),
            first.fields["state"].as_str(),
            first.fields["failure_module"].as_str(),
            first.fields["failure_cause"].as_str(),
            first.fields["module"].as_str(),
        ),
        (
            "JTAPI subsystem",
            "failed",
            "JTAPI_PROVIDER_INIT",
            "7",
            "JTAPI Subsystem"
        )
    );
    assert_eq!(first.severity, Severity::Warning);
    assert_eq!(first.fields["zone_abbrev"], "PST");
    assert!(matches!(
        first.time,
        RawTime::LocalNoYear {
            month: 3,
            day: 24,
            ..
        }
    ));
    assert_eq!(failures[1].severity, Severity::Alert);
    assert_eq!(failures[1].fields["failure_module"], "JTAPI_SS");
    assert_eq!(failures[1].fields["exception"], "null");
    let port = f
        .events
        .iter()
        .find(|e| e.kind == Kind::DeviceOutOfService)
        .expect("the CTI port that failed to register");
    assert_eq!(port.fields["cti_port"], "4503");
    assert!(port
        .entities
        .iter()
        .any(|e| e.kind == EntityKind::Device && e.id == "4503"));
    assert!(port.text.get().contains("not in provider's domain"));
}

#[test]
fn provider_out_of_service_and_closed_name_their_ctimanager() {
    let f = parse(
        fixture!("jtapi_exam_provider_closed.txt"),
        "cer1/JTAPI/CiscoJtapi1.log",
    );
    assert_eq!(f.understood, f.lines);
    let states: Vec<(&str, Option<&str>)> = f
        .events
        .iter()
        .filter(|e| e.kind == Kind::ServiceState)
        .map(|e| (e.fields["state"].as_str(), e.fields.get("ctimanager")))
        .collect();
    assert_eq!(
        states,
        [
            ("open_failed", Some("192.168.10.82")),
            ("closed", Some("192.168.10.82")),
            ("out of service", Some("192.168.10.82")),
        ]
    );
    let open = f
        .events
        .iter()
        .find(|e| e.fields.get("state") == Some("open_failed"))
        .unwrap();
    assert_eq!(
        open.fields["failure_description"],
        "Directory login failed - locked due to too many attempts."
    );
    let closed = f
        .events
        .iter()
        .find(|e| e.fields.get("state") == Some("closed"))
        .unwrap();
    assert_eq!(closed.fields["reason"], "4");
    let oos = f
        .events
        .iter()
        .find(|e| e.fields.get("state") == Some("out of service"))
        .unwrap();
    assert_eq!(oos.severity, Severity::Error);
    assert!(oos
        .entities
        .iter()
        .any(|e| e.kind == EntityKind::Node && e.id == "192.168.10.82"));
    assert!(!oos.fields.contains_key("wording"));
}

#[test]
fn the_samples_kept_with_cisco_syslog_are_read_here_too() {
    for (name, text) in [
        (
            "MIVR01.log",
            include_str!("../../tests/fixtures/cisco_syslog/mivr.txt"),
        ),
        (
            "CiscoJtapi1.log",
            include_str!("../../tests/fixtures/cisco_syslog/jtapi_cer.txt"),
        ),
        ("vvb.log", fixture!("vvb_212644_flattened.txt")),
    ] {
        let f = parse(text, name);
        assert_eq!(f.understood, f.lines, "{name}");
        assert!(f.problems.is_empty(), "{name}");
    }
}

#[test]
fn guessed_wording_is_matched_and_flagged() {
    let text = "\
1: Jan 10 09:00:00.000 EST %MCVD-CVD-4-UNK:Node 2 became master\n\
2: Jan 10 09:00:01.000 EST %MCVD-CVD-3-UNK:MORE THAN ONE MASTER DETECTED\n\
3: Jan 10 09:00:02.000 EST %MIVR-SS_TEL-3-UNK:JTAPI subsystem state changed to PARTIAL_SERVICE\n\
4: Jan 10 09:00:03.000 EST %MIVR-SS_TEL-3-UNK:Connection to CTIManager 10.1.1.5 lost\n\
5: Jan 10 09:00:04.000 EST %MIVR-SS_TEL-7-UNK:Call.abandoned() JTAPICallContact[id=11,type=Cisco JTAPI Call,implId=29124/1,active=true,state=CALL_RECEIVED,inbound=true,handled=false,locale=en_US,aborting=true,app=App[name=AA]]\n\
6: Jan 10 09:00:05.000 EST %JTAPI-JTAPIIMPL-7-UNK:(P1-10.1.1.5) ProvOutOfServiceEv\n";
    let f = parse(text, "MIVR.log");
    let got: Vec<(Kind, &str)> = f
        .events
        .iter()
        .map(|e| {
            (
                e.kind,
                e.fields
                    .get("state")
                    .or(e.fields.get("failure"))
                    .unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (Kind::Failover, "role_change"),
            (Kind::Failover, "island"),
            (Kind::ServiceState, "partial service"),
            (Kind::ServiceState, "ctimanager_lost"),
            (Kind::CallFailure, "aborting"),
            (Kind::ServiceState, "out of service"),
        ]
    );
    assert!(f
        .events
        .iter()
        .all(|e| e.fields["wording"] == "unconfirmed"));
    assert_eq!(f.events[0].fields["role"], "master");
    assert_eq!(f.events[0].fields["component"], "uccx_engine");
    assert_eq!(f.events[4].fields["call_id"], "11");
    assert_eq!(f.events[5].fields["ctimanager"], "10.1.1.5");
}

#[test]
fn ordinary_records_only_first_per_facility_and_bad_times_reported() {
    let text = "\
10: Dec 05 19:01:36.215 EST %MIVR-SS_RM-7-UNK:first\n\
11: Dec 05 19:01:36.216 EST %MIVR-SS_RM-7-UNK:second\n\
12: Dec 05 29:01:36.216 EST %MIVR-SS_RM-7-UNK:bad hour\n\
continuation after a bad line\n";
    let f = parse(text, "MIVR.log");
    assert_eq!(f.events.len(), 1);
    assert_eq!((f.lines, f.understood), (4, 2));
    assert!(f.problems.iter().any(|p| p.line == Some(3)));
    let (first, last) = f.span.clone().unwrap();
    assert_ne!(first, last);
}

#[test]
fn detection_takes_mivr_and_jtapi_files_and_leaves_others() {
    let pick = |text: &str| {
        let lines: Vec<&str> = text.lines().collect();
        detect(&Head {
            name: "x.log",
            lines,
        })
        .map(|f| f.name())
    };
    for text in [
        fixture!("tsg125_jtapi_subsystem.txt"),
        fixture!("jtapi_exam_provider_closed.txt"),
        fixture!("vvb_212644_flattened.txt"),
        include_str!("../../tests/fixtures/cisco_syslog/mivr.txt"),
        include_str!("../../tests/fixtures/cisco_syslog/jtapi_cer.txt"),
    ] {
        assert_eq!(pick(text), Some("uccx-mivr"));
    }
    for text in [
        include_str!("../../tests/fixtures/cisco_syslog/c214607_ciscosyslog.txt"),
        include_str!("../../tests/fixtures/cisco_syslog/messages.txt"),
        include_str!("../../tests/fixtures/cisco_syslog/rtmt_c217518.txt"),
        include_str!("../../tests/fixtures/ccbu_log/c212077_agent_state.txt"),
    ] {
        assert_ne!(pick(text), Some("uccx-mivr"));
    }
}

#[test]
fn every_fixture_is_at_least_95_percent_understood() {
    crate::test_support::assert_fixtures_understood("uccx_mivr", 3, parse);
}

#[test]
fn hostile_input_never_panics() {
    for s in [
        "1:",
        "1: Jan",
        "1: Jan 1",
        "1: Jan 1 00:00:00.000",
        "1: Jan 1 00:00:00.000 %",
        "1: Jan 1 00:00:00.000 %-1-:",
        "1: Jan 99 00:00:00.000 X %A-B-1-C:",
        "1: Jan 1 00:00:00.000 %MIVR-SS_TEL-3-UNABLE_REGISTER_CTIPORT:CTI Port=",
        "1: Jan 1 00:00:00.000 %MIVR-SS_TEL-3-ModuleRunTimeFailure:Module=,Failure Module=",
        "1: Jan 1 00:00:00.000 %JTAPI-P-7-UNK:(P1-) received Event: com.cisco.cti.protocol.ProviderClosedEvent {",
        "reason =",
        "\u{0}1: Jan 1 00:00:00.000 %A-B-1-C:é",
    ] {
        let _ = parse(s, "x.log");
        let _ = parse(&format!("{s}\n{s}\n"), "x.log");
    }
}
