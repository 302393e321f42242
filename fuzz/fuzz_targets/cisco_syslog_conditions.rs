//! Fuzz the failure-class conditions of the `cisco-syslog` parser: the first
//! byte picks an alarm or RTMT alert name, the rest becomes its tag list and
//! text inside a well-formed CiscoSyslog line, so the tag reading and the
//! canonical fields (trunk peers, certificate message, disk use, CDR nodes)
//! see arbitrary values. Never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use uctriage_formats::{by_name, parse_reader, FileContext};

const NAMES: [&str; 12] = [
    "SIPTrunkOOS",
    "SIPTrunkPartiallyISV",
    "MGCPGatewayLostComm",
    "RouteListExhausted",
    "CertExpired",
    "NodeNotTrusted",
    "LogPartitionHighWaterMarkExceeded",
    "CDRFileDeliveryFailed",
    "CodeYellowEntry",
    "ServiceExceededMaxRestarts",
    "IDSReplicationFailure",
    "CLM_UnrecognizedHost",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let name = NAMES[usize::from(pick) % NAMES.len()];
    let body = String::from_utf8_lossy(rest);
    let line = if pick & 0x80 == 0 {
        format!("Mar 14 09:02:11 n1 local7 3 : 1: n1.example.net: Mar 14 2024 08:02:11.104 UTC :  %UC_CALLMANAGER-3-{name}: %[{body}\n")
    } else {
        format!("Mar 14 09:02:11 n1 local7 2 : 2: n1.example.net: Mar 14 2024 08:02:11.104 UTC : %UC_RTMT-2-RTMT_ALERT: %[AlertName={name}][AlertDetail= At Thu Mar 14 09:02:11 CET 2024 on node n1, the following {name} events generated: #012{body}][AppID=Cisco AMC Service][ClusterID=][NodeID=n1]: RTMT Alert\n")
    };
    let ctx = FileContext::new("fuzz/CiscoSyslog");
    let parsed = parse_reader(by_name("cisco-syslog"), &ctx, line.as_bytes());
    assert!(parsed.understood <= parsed.lines);
});
