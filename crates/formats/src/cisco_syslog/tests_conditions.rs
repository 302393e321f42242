//! Tests of the failure-class conditions read from CiscoSyslog alarms and RTMT
//! alerts (`tests/fixtures/cisco_syslog/synthetic_failure_classes.txt`, built
//! from the C-214607 line grammar and the 12.5 alarm catalog's parameters: see
//! the folder's README.md for what is confirmed).

use crate::{by_name, parse_reader, FileContext, ParsedFile};
use uctriage_core::{EntityKind, Kind, RawEvent, RawTime, Severity};

fn parse(text: &str) -> ParsedFile {
    parse_reader(
        by_name("cisco-syslog"),
        &FileContext::new("cucm-sub1/syslog/CiscoSyslog"),
        text.as_bytes(),
    )
}

fn fixture() -> ParsedFile {
    parse(include_str!(
        "../../tests/fixtures/cisco_syslog/synthetic_failure_classes.txt"
    ))
}

fn condition<'f>(f: &'f ParsedFile, name: &str) -> &'f RawEvent {
    f.events
        .iter()
        .find(|e| e.fields.get("condition") == Some(name))
        .unwrap_or_else(|| panic!("no {name}"))
}

fn field<'e>(e: &'e RawEvent, k: &str) -> &'e str {
    e.fields
        .get(k)
        .unwrap_or_else(|| panic!("no field {k} in {:?}", e.fields))
}

#[test]
fn the_fixture_is_understood_line_for_line() {
    let f = fixture();
    assert_eq!(f.understood, f.lines, "{:?}", f.problems);
    assert!(f.problems.is_empty(), "{:?}", f.problems);
}

#[test]
fn sip_trunk_states_and_reason_codes() {
    let f = fixture();
    let oos = condition(&f, "SIPTrunkOOS");
    assert_eq!(oos.kind, Kind::TrunkState);
    assert_eq!(field(oos, "state"), "out_of_service");
    assert_eq!(field(oos, "trunk"), "ITSP-SBC-Trunk");
    assert_eq!(field(oos, "trunk_type"), "sip");
    assert_eq!(field(oos, "reason_codes"), "Local=1;Local=3");
    assert_eq!(field(oos, "reason_local"), "1");
    assert_eq!(field(oos, "peers_unavailable"), "2");
    assert_eq!(oos.host.as_deref(), Some("cucm-sub1"));
    assert!(
        matches!(oos.time, RawTime::Absolute(ts, _) if ts.to_string() == "2024-03-14T08:02:11.104Z")
    );
    assert!(oos
        .entities
        .iter()
        .any(|e| e.kind == EntityKind::Device && e.id == "ITSP-SBC-Trunk"));
    let part = condition(&f, "SIPTrunkPartiallyISV");
    assert_eq!(field(part, "state"), "partially_in_service");
    assert_eq!(field(part, "peers_available"), "1");
    assert_eq!(field(condition(&f, "SIPTrunkISV"), "state"), "in_service");
    let gw = condition(&f, "MGCPGatewayLostComm");
    assert_eq!(
        (gw.kind, field(gw, "trunk_type"), field(gw, "state")),
        (Kind::TrunkState, "mgcp", "out_of_service")
    );
    assert_eq!(gw.severity, Severity::Critical);
    assert_eq!(field(condition(&f, "H323Stopped"), "trunk_type"), "h323");
}

#[test]
fn route_list_exhaustion_is_a_call_failure() {
    let f = fixture();
    let rl = condition(&f, "RouteListExhausted");
    assert_eq!(rl.kind, Kind::CallFailure);
    assert_eq!(field(rl, "cause"), "route_list_exhausted");
    assert_eq!(field(rl, "route_list"), "RL-PSTN");
}

#[test]
fn disk_water_marks_from_alarm_and_rtmt_alert() {
    let f = fixture();
    let low = condition(&f, "LogPartitionLowWaterMarkExceeded");
    assert_eq!(low.kind, Kind::DiskUsage);
    assert_eq!(field(low, "partition"), "log");
    assert_eq!(field(low, "used_percent"), "81");
    let alerts: Vec<&RawEvent> = f
        .events
        .iter()
        .filter(|e| e.fields.get("alert") == Some("LogPartitionHighWaterMarkExceeded"))
        .collect();
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].kind, Kind::DiskUsage);
    assert_eq!(field(alerts[0], "state"), "high_water_mark_exceeded");
    assert_eq!(field(alerts[0], "used_percent"), "86");
    assert_eq!(
        alerts[0].host.as_deref(),
        Some("cucm-sub1"),
        "the node the alert is about"
    );
}

#[test]
fn cdr_alarms_group_by_stage_and_billing_server() {
    let f = fixture();
    let d = condition(&f, "CDRFileDeliveryFailed");
    assert_eq!(d.kind, Kind::Alarm);
    assert_eq!(field(d, "category"), "cdr_delivery");
    assert_eq!(field(d, "billing_server"), "192.0.2.50");
    let again = condition(&f, "CDRFileDeliveryFailureContinues");
    assert_eq!(field(again, "state"), "still_failing");
    let agent = condition(&f, "CDRAgentSendFileFailed");
    assert_eq!(field(agent, "repository_node"), "cucm-pub.example.net");
    assert_eq!(field(agent, "agent_node"), "cucm-sub1.example.net");
    let disk = condition(&f, "CDRMaximumDiskSpaceExceeded");
    assert_eq!(field(disk, "disk_usage_mb"), "3100");
    // The RTMT alert of the same condition keeps its kind and shares `condition`.
    let alert = f
        .events
        .iter()
        .filter(|e| e.fields.get("condition") == Some("CDRFileDeliveryFailed"))
        .find(|e| e.kind == Kind::RtmtAlert)
        .unwrap();
    assert_eq!(field(alert, "billing_server"), "192.0.2.50");
}

#[test]
fn throttling_services_certificates_and_cluster_alarms() {
    let f = fixture();
    let cy = condition(&f, "CodeYellowEntry");
    assert_eq!((cy.kind, field(cy, "state")), (Kind::Alarm, "entered"));
    assert_eq!(field(condition(&f, "CodeYellowExit"), "state"), "exited");
    let svc = condition(&f, "ServiceExceededMaxRestarts");
    assert_eq!(svc.kind, Kind::ServiceState);
    assert_eq!(field(svc, "service"), "Cisco CallManager");
    assert_eq!(field(svc, "state"), "exceeded_max_restarts");
    let cert = condition(&f, "CertValidLessThanMonth");
    assert_eq!(cert.kind, Kind::Certificate);
    assert_eq!(field(cert, "unit"), "CallManager");
    assert_eq!(field(cert, "state"), "expiring");
    assert_eq!(field(cert, "not_after"), "Thu Apr 11 11:30:00:000 UTC 2024");
    let tls = condition(&f, "NodeNotTrusted");
    assert_eq!(
        (tls.kind, field(tls, "state")),
        (Kind::Certificate, "rejected")
    );
    assert_eq!(field(tls, "peer"), "10.1.1.20");
    let repl = condition(&f, "IDSReplicationFailure");
    assert_eq!(repl.kind, Kind::Replication);
    assert_eq!(
        field(condition(&f, "CLM_UnrecognizedHost"), "category"),
        "cluster_manager"
    );
    assert_eq!(field(condition(&f, "DBLException"), "category"), "database");
}

#[test]
fn the_real_old_style_code_yellow_sample_is_classified() {
    let f = parse(include_str!(
        "../../tests/fixtures/cisco_syslog/codeyellow_exam.txt"
    ));
    let cy = f
        .events
        .iter()
        .find(|e| e.fields.get("alarm") == Some("CodeYellowEntry"))
        .unwrap();
    assert_eq!(field(cy, "category"), "call_throttling");
    assert_eq!(field(cy, "Expected Average Delay"), "7906");
}
