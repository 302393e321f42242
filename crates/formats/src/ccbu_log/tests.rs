//! Tests of the CCBU CiscoLog parser (Finesse, CUIC, CVP) on the public
//! samples in `tests/fixtures/ccbu_log/` and on lines of guessed wording.

use crate::{by_name, detect, parse_reader, FileContext, Head, ParsedFile};
use uctriage_core::jiff::Timestamp;
use uctriage_core::{EntityKind, Fact, Kind, RawTime, Severity};

macro_rules! fixture {
    ($name:expr) => {
        include_str!(concat!("../../tests/fixtures/ccbu_log/", $name))
    };
}

fn parse(text: &str, path: &str) -> ParsedFile {
    parse_reader(
        by_name("ccbu-log"),
        &FileContext::new(path),
        text.as_bytes(),
    )
}

fn instant(t: &RawTime) -> Timestamp {
    match t {
        RawTime::Absolute(ts, _) => *ts,
        other => panic!("not absolute: {other:?}"),
    }
}

/// The epoch milliseconds Finesse prints in `"CTI_MSG_RECEIVED":<ms>`.
fn received_ms(line: &str) -> i64 {
    let at = line.find("\"CTI_MSG_RECEIVED\":").unwrap() + 19;
    line[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[test]
fn stamp_offset_agrees_with_the_epoch_finesse_prints_in_the_same_line() {
    let text = fixture!("c212077_agent_state.txt");
    let f = parse(text, "finesse1/Desktop-webservices.2017-04-14T14-00-00.log");
    assert_eq!((f.lines, f.understood), (1, 1));
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    let ev = &f.events[0];
    // RESERVED is an ordinary state: the record is kept only as the file's first.
    assert_eq!(ev.kind, Kind::Log);
    let ts = instant(&ev.time);
    assert_eq!(ts.as_millisecond(), received_ms(text));
    assert_eq!(ts.to_string(), "2017-04-14T21:01:17.196Z");
    assert_eq!(ev.fields["utc_offset"], "-0700");
    assert_eq!(ev.fields["thread"], "CTIMessageEventExecutor-0");
    // The address is the node's own, kept on the event; the host comes from the folder.
    assert_eq!(ev.fields["node_address"], "10.106.81.82");
    assert!(!f.facts.iter().any(|x| matches!(x, Fact::FileHost { .. })));
    let named = text.replacen("10.106.81.82", "fin1a", 1);
    let f = parse(&named, "x.log");
    assert!(f.facts.contains(&Fact::FileHost {
        host: "fin1a".into()
    }));
    assert!(f.facts.iter().any(|x| matches!(
        x,
        Fact::OffsetSeen {
            offset_seconds: -25200,
            host: None,
            ..
        }
    )));
}

#[test]
fn queue_statistics_lines_without_sequence_or_host() {
    let text = fixture!("c200937_webservices.txt");
    let f = parse(text, "Desktop-webservices.log");
    assert_eq!((f.lines, f.understood), (5, 5));
    assert!(f.problems.is_empty());
    // No host printed: nothing is claimed about the file's host.
    assert!(!f.facts.iter().any(|x| matches!(x, Fact::FileHost { .. })));
    // Finesse received the CTI server answer 1 ms before it logged it.
    let last = text.lines().last().unwrap();
    let all = parse_all(text, "Desktop-webservices.log");
    let ts = instant(&all.events[4].time);
    assert_eq!(ts.as_millisecond() - received_ms(last), 1);
    let polling = &all.events[2];
    assert_eq!(polling.fields["msg_id"], "QUEUE STATISTICS POLLING ERROR");
    assert_eq!(polling.severity, Severity::Error);
    assert_eq!(polling.fields["thread"], "pool-21-thread-1");
    assert_eq!(
        all.events[3].fields["msg_id"],
        "CTIWriter.getQueryQueueStatisticsReq()"
    );
    // Queue statistics are not outage events.
    assert!(all.events.iter().all(|e| e.kind == Kind::Log));
}

fn parse_all(text: &str, path: &str) -> ParsedFile {
    let mut ctx = FileContext::new(path);
    ctx.keep_ordinary = true;
    parse_reader(by_name("ccbu-log"), &ctx, text.as_bytes())
}

#[test]
fn cuic_records_are_read_but_make_no_contact_centre_events() {
    let f = parse_all(fixture!("cuic_tac_flattened.txt"), "cuic/CCBU-cuic.log");
    assert_eq!((f.lines, f.understood), (2, 2));
    assert_eq!(f.events[0].fields["thread"], "CUIC");
    assert_eq!(f.events[0].severity, Severity::Warning);
    assert_eq!(f.events[1].fields["thread"], "CUIC_DATA_PROCESSING");
    assert!(f.events.iter().all(|e| e.kind == Kind::Log));
}

/// The 212077 record with another state: the same shape, the state Finesse
/// prints for a signed-out agent. The name `LOGOUT` in the parentheses is
/// UNCONFIRMED (the sample shows `8 (RESERVED)`; the Finesse API names the state LOGOUT).
fn agent_state_line(state: &str, reason: u32) -> String {
    fixture!("c212077_agent_state.txt")
        .trim_end()
        .replace("agentState=8 (RESERVED)", state)
        .replace("eventReasonCode=0", &format!("eventReasonCode={reason}"))
}

#[test]
fn a_signed_out_agent_is_an_agent_state_event() {
    let f = parse(
        &agent_state_line("agentState=1 (LOGOUT)", 50002),
        "Desktop-webservices.log",
    );
    let ev = &f.events[0];
    assert_eq!(ev.kind, Kind::AgentState);
    assert_eq!(
        (
            ev.fields["state"].as_str(),
            ev.fields["agent_id"].as_str(),
            ev.fields["reason_code"].as_str(),
            ev.fields["agent_extension"].as_str(),
            ev.fields["agent_state_code"].as_str(),
        ),
        ("logout", "1234", "50002", "1234", "1")
    );
    assert!(ev
        .entities
        .iter()
        .any(|e| e.kind == EntityKind::Agent && e.id == "1234"));
    assert_eq!(ev.severity, Severity::Warning);
    assert_eq!(ev.fields["deployment_type"], "CCE");
    // A UCCX deployment's reason codes are another table: another field.
    let ccx = agent_state_line("agentState=1 (LOGOUT)", 32757)
        .replace("deploymentType=CCE", "deploymentType=CCX");
    let f = parse(&ccx, "Desktop-webservices.log");
    assert_eq!(f.events[0].fields["ccx_reason_code"], "32757");
    assert!(!f.events[0].fields.contains_key("reason_code"));
    // A number without a name is not classified.
    let f = parse(
        &agent_state_line("agentState=1", 0),
        "Desktop-webservices.log",
    );
    assert_eq!(f.events[0].kind, Kind::Log);
}

const HEAD: &str = "0000000101: 10.10.20.30: Mar 17 2016 11:23:42.123 -0400: %CCBU_";

#[test]
fn guessed_wording_is_matched_and_flagged() {
    let lines = [
        "pool-8-thread-1-3-CTI_CONNECTION_LOST: Lost connection to CTI server side A",
        "CTIConnection-0-4-HEARTBEAT: Missed 3 heartbeats from CTI server, closing socket",
        "pool-8-thread-1-6-CTI_CONNECTED: Connected to CTI server on side B",
        "main-6-SYSTEM_STATE: Finesse state changed to OUT_OF_SERVICE",
        "main-6-SYSTEM_STATE: Finesse state changed to IN_SERVICE",
        "pool-1-thread-2-6-AGENTS: 42 agents signed out",
    ];
    let text: String = lines.iter().map(|l| format!("{HEAD}{l}\n")).collect();
    let f = parse(&text, "Desktop-webservices.log");
    let got: Vec<(Kind, &str, Option<&str>)> = f
        .events
        .iter()
        .map(|e| (e.kind, e.fields["state"].as_str(), e.fields.get("side")))
        .collect();
    assert_eq!(
        got,
        [
            (Kind::Failover, "disconnected", Some("A")),
            (Kind::Failover, "disconnected", None),
            (Kind::Failover, "connected", Some("B")),
            (Kind::ServiceState, "out of service", None),
            (Kind::ServiceState, "in service", None),
            (Kind::AgentState, "logout", None),
        ]
    );
    assert!(f
        .events
        .iter()
        .all(|e| e.fields["wording"] == "unconfirmed"));
    assert_eq!(f.events[1].fields["reason"], "heartbeat");
    assert_eq!(f.events[5].fields["agents"], "42");
    assert_eq!(f.events[0].fields["component"], "finesse_cti");
}

#[test]
fn word_matching_is_only_for_finesse_files() {
    let text = format!("{HEAD}pool-8-thread-1-3-X: Lost connection to CTI server side A\n");
    let f = parse(&text, "cuic/CCBU-cuic.log");
    assert_eq!(f.events[0].kind, Kind::Log);
    let f = parse(&text, "fin/Desktop-webservices.log");
    assert_eq!(f.events[0].kind, Kind::Failover);
}

#[test]
fn system_info_and_user_updates_published_over_xmpp() {
    let text = format!(
        "{HEAD}CoreImpl-worker1-6-XMPP_PUBLISH_ASYNCHRONOUS: %[NodeId=/finesse/api/SystemInfo][Payload=<Update> <data> <SystemInfo> <status>OUT_OF_SERVICE</status> </SystemInfo> </data> </Update>]: Publishing\n\
         {HEAD}CoreImpl-worker187-6-XMPP_PUBLISH_ASYNCHRONOUS: %[NodeId=/finesse/api/User/1234][Payload=<Update> <data> <user> <extension>1234</extension> <state>LOGOUT</state> </user> </data> </Update>]: Publishing\n\
         {HEAD}CoreImpl-worker187-6-XMPP_PUBLISH_ASYNCHRONOUS: %[NodeId=/finesse/api/User/1234/Dialogs][Payload=<Update> <state>LOGOUT</state>]: Publishing\n"
    );
    let mut f = parse(&text, "x.log");
    // The third (a dialog update) is no agent state: only the file's first ordinary record.
    assert_eq!(f.events[2].kind, Kind::Log);
    f.events.truncate(2);
    assert_eq!(f.events[0].kind, Kind::ServiceState);
    assert_eq!(f.events[0].fields["status"], "OUT_OF_SERVICE");
    assert_eq!(f.events[0].severity, Severity::Error);
    assert_eq!(f.events[1].kind, Kind::AgentState);
    assert_eq!(f.events[1].fields["agent_id"], "1234");
    assert_eq!(f.events[1].fields["source"], "xmpp_user_update");
}

#[test]
fn cti_system_events_are_sorted_by_name_only() {
    let text = format!(
        "{HEAD}CTIMessageEventExecutor-0-6-DECODED_MESSAGE_FROM_CTI_SERVER: %[cti_message=CTISystemEvent [peripheralID=5000, systemEventID=4 (SYS_PERIPHERAL_OFFLINE), systemEventArg1=5000]CTIMessageBean [msgID=31]]: Decoded Message to Finesse from backend cti server\n\
         {HEAD}CTIMessageEventExecutor-0-6-DECODED_MESSAGE_FROM_CTI_SERVER: %[cti_message=CTISystemEvent [systemEventID=7]]: Decoded\n"
    );
    let f = parse(&text, "x.log");
    let e = &f.events[0];
    assert_eq!(e.kind, Kind::Failover);
    assert_eq!(
        (
            e.fields["component"].as_str(),
            e.fields["state"].as_str(),
            e.fields["peripheral"].as_str(),
            e.fields["wording"].as_str()
        ),
        ("peripheral", "offline", "5000", "unconfirmed")
    );
    assert_eq!(f.events[1].kind, Kind::Log);
    assert_eq!(f.events[1].fields["system_event_id"], "7");
}

#[test]
fn cvp_records_become_call_failures_and_alarms() {
    let text = "0000000007: 10.1.1.20: Jan 10 2024 09:15:02.101 -0500: %CVP_12_5_SIP-3-SIP_CALL_ERROR: %[GUID=0A1B2C3D4E5F60718293A4B5C6D7E8F9]: Call failed, SIP/2.0 503 Service Unavailable from VXML gateway, label=92929292\n\
         0000000008: 10.1.1.20: Jan 10 2024 09:15:03.000 -0500: %CVP_12_5_ICM-3-ICM_ERROR: Connection to VRU PIM lost\n\
         0000000009: 10.1.1.20: Jan 10 2024 09:15:04.000 -0500: %CVP_12_5_IVR-7-CALL_INFO: new call\n";
    let f = parse(text, "cvp/CVP.2024-01-10.log");
    assert_eq!(f.events[0].kind, Kind::CallFailure);
    assert_eq!(
        (
            f.events[0].fields["sip_status"].as_str(),
            f.events[0].fields["label"].as_str(),
            f.events[0].fields["version"].as_str(),
            f.events[0].fields["subsystem"].as_str(),
        ),
        ("503", "92929292", "12.5", "SIP")
    );
    assert_eq!(f.events[0].severity, Severity::Error);
    assert_eq!(f.events[1].kind, Kind::Alarm);
    // The ordinary record is kept as CVP's first ordinary record... after two events it is the first ordinary one.
    assert_eq!(f.events[2].kind, Kind::Log);
    assert!(f.events[..2]
        .iter()
        .all(|e| e.fields["wording"] == "unconfirmed"));
}

#[test]
fn continuation_lines_join_and_bad_stamps_are_reported() {
    let text = format!(
        "stray line before any record\n\
         {HEAD}main-3-CTI_CONNECTION_LOST: CTI connection lost\n\
         java.net.SocketException: Connection reset\n\
         \tat java.net.SocketInputStream.read(SocketInputStream.java:210)\n\
         0000000102: 10.10.20.30: Feb 30 2016 11:23:42.123 -0400: %CCBU_main-6-X: y\n"
    );
    let f = parse(&text, "Desktop-webservices.log");
    assert_eq!((f.lines, f.understood), (5, 3));
    assert!(f.events[0].text.get().contains("SocketInputStream.read"));
    assert!(f
        .problems
        .iter()
        .any(|p| p.line == Some(5) && p.message.contains("Feb 30 2016")));
}

#[test]
fn detection_takes_ccbu_files_and_leaves_others() {
    let pick = |text: &str, name: &str| {
        let lines: Vec<&str> = text.lines().collect();
        detect(&Head { name, lines }).map(|f| f.name())
    };
    for (name, text) in [
        ("a.log", fixture!("c212077_agent_state.txt")),
        ("b.log", fixture!("c200937_webservices.txt")),
        ("c.log", fixture!("cuic_tac_flattened.txt")),
    ] {
        assert_eq!(pick(text, name), Some("ccbu-log"), "{name}");
    }
    for (name, text) in [
        (
            "c214607",
            include_str!("../../tests/fixtures/cisco_syslog/c214607_ciscosyslog.txt"),
        ),
        (
            "c217518",
            include_str!("../../tests/fixtures/cisco_syslog/c217518_ciscosyslog.txt"),
        ),
        (
            "dumplog_ciscolog",
            include_str!("../../tests/fixtures/cisco_syslog/dumplog_ciscolog.txt"),
        ),
        (
            "spec_ucce",
            include_str!("../../tests/fixtures/cisco_syslog/spec_ucce.txt"),
        ),
    ] {
        assert_eq!(pick(text, name), Some("cisco-syslog"), "{name}");
    }
    assert_eq!(
        pick(
            include_str!("../../tests/fixtures/ucce_dumplog/jgw_blog.txt"),
            "jgw"
        ),
        Some("ucce-dumplog")
    );
}

#[test]
fn every_fixture_is_at_least_95_percent_understood() {
    crate::test_support::assert_fixtures_understood("ccbu_log", 3, parse);
}

#[test]
fn hostile_input_never_panics() {
    for s in [
        "1:",
        "1::",
        "1: h:",
        "Jan 1 2020 00:00:00.000 +0000:",
        "Jan 1 2020 00:00:00.000 +0000: %",
        "Jan 1 2020 00:00:00.000 +0000: %CCBU_-6-:",
        "Jan 1 2020 00:00:00.000 +0000: %CCBU_x-6-Y: %[",
        "Jan 1 2020 00:00:00.000 +0000: %CCBU_x-6-Y: %[a=[[[",
        "Jan 1 2020 00:00:00.000 +0000: %CCBU_x-6-DECODED_MESSAGE_FROM_CTI_SERVER: %[cti_message=CTIAgentStateEvent [agentState=(]]",
        "Jan 1 2020 00:00:00.000 +0000: %CCBU_x-6-XMPP_PUBLISH_ASYNCHRONOUS: %[NodeId=/finesse/api/User/][Payload=<state>",
        "Jan 1 9999 99:99:99.999 +9999: %CCBU_x-6-Y: z",
        "Jan 1 2020 00:00:00.000 +0000: %CVP_1_2_-3-Y: call failed",
        "\u{0}\u{ffff}Jan 1 2020",
    ] {
        let _ = parse(s, "Desktop-webservices.log");
        let _ = parse_all(s, "Desktop-webservices.log");
    }
}

/// SocialMiner's record with an empty host (TAC document quoted in the
/// fixtures README; the `grep` file-name prefix it was quoted with removed).
#[test]
fn an_empty_host_is_accepted_and_claims_nothing() {
    let line = "0000837786:: Jun 20 2017 21:18:36.552 +0000: %CCBU__________FEEDS-3-SECURE_IMAP_CLIENT_CONNECTION_EXCEPTION: %[FEED_ID=100021][FEED_NAME=CCX Email Feed Team_IT_Tier2_Email][exception= javax.mail.MessagingException: Server chose TLSv1, but that protocol version is not enabled or not supported by the client.;";
    let f = parse(line, "runtime/CCBU-runtime.2017-06-20T18-37-42.745.log");
    assert_eq!((f.lines, f.understood), (1, 1));
    assert!(!f.facts.iter().any(|x| matches!(x, Fact::FileHost { .. })));
    let e = &f.events[0];
    assert_eq!(
        (e.fields["thread"].as_str(), e.severity),
        ("FEEDS", Severity::Error)
    );
    assert_eq!(instant(&e.time).to_string(), "2017-06-20T21:18:36.552Z");
}
