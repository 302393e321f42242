//! Alarms and RTMT alerts that name one condition of the failure classes the
//! rules reason about (trunks and gateways, failed calls, certificates, disk
//! partitions, CDR delivery, call throttling and memory, service control,
//! replication, cluster manager, database and name resolution).
//!
//! Each is given an event kind, a `category` (what kind of thing it is about),
//! a `state` (what happened to it) and a `condition` field (the alarm or alert
//! name, so a rule can group the syslog alarm and the RTMT alert of the same
//! condition). The tags an alarm carries are kept as they are; a few are also
//! copied to canonical field names (`trunk`, `service`, `unit`, ...) so rules
//! need not know each alarm's tag spelling. Reason codes stay raw: the
//! knowledge base decodes them (`knowledge/alarms.toml`).
//!
//! Alarm names, severities and parameters: Managed Services Guide 12.5(1),
//! "Cisco Unified Serviceability Alarms and CiscoLog Messages" (S-MSG125-ALM).
//! On-wire tag names are confirmed only where a public sample shows them
//! (DeviceName and UnavailableRemotePeersWithReasonCode of SIPTrunkOOS, read by
//! a parser of real CUCM 9-14 lines; ServiceName / Reason; Message of the
//! certificate alarms); for the others the tag is looked up by the catalog's
//! parameter name without spaces and matched loosely (UNCONFIRMED).

use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{Entity, EntityKind, Kind, RawEvent};

/// What an alarm or alert name means for the event it makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Condition {
    /// Event kind.
    pub kind: Kind,
    /// What the condition is about (`sip_trunk`, `log_partition`, ...).
    pub category: &'static str,
    /// What happened (`out_of_service`, `expired`, `entered`, ...).
    pub state: &'static str,
}

const fn c(kind: Kind, category: &'static str, state: &'static str) -> Option<Condition> {
    Some(Condition {
        kind,
        category,
        state,
    })
}

/// The condition an alarm or RTMT alert name stands for, if it is one of ours.
pub(crate) fn classify(name: &str) -> Option<Condition> {
    use Kind::*;
    match name {
        // Trunks and gateways.
        "SIPTrunkOOS" => c(TrunkState, "sip_trunk", "out_of_service"),
        "SIPTrunkPartiallyISV" => c(TrunkState, "sip_trunk", "partially_in_service"),
        "SIPTrunkISV" => c(TrunkState, "sip_trunk", "in_service"),
        "MGCPGatewayLostComm" => c(TrunkState, "mgcp_gateway", "out_of_service"),
        "MGCPGatewayGainedComm" => c(TrunkState, "mgcp_gateway", "in_service"),
        "H323Stopped" => c(TrunkState, "h323_device", "out_of_service"),
        "H323Started" => c(TrunkState, "h323_device", "in_service"),
        "SIPStopped" => c(TrunkState, "sip_device", "out_of_service"),
        "SIPStarted" => c(TrunkState, "sip_device", "in_service"),
        "ICTCallThrottlingStart" => c(TrunkState, "h323_trunk", "throttled"),
        "ICTCallThrottlingEnd" => c(TrunkState, "h323_trunk", "in_service"),
        "DChannelOOS" | "MgcpDChannelOutOfService" => c(TrunkState, "d_channel", "out_of_service"),
        "DChannelISV" => c(TrunkState, "d_channel", "in_service"),
        "BChannelOOS" => c(TrunkState, "b_channel", "out_of_service"),
        "BChannelISV" => c(TrunkState, "b_channel", "in_service"),
        // Calls that could not be placed.
        "RouteListExhausted" => c(CallFailure, "route_list", "exhausted"),
        "HuntListExhausted" => c(CallFailure, "hunt_list", "exhausted"),
        "NotEnoughChans" => c(CallFailure, "gateway_channels", "exhausted"),
        "MediaResourceListExhausted" | "MediaListExhausted" => {
            c(CallFailure, "media_resources", "exhausted")
        }
        // Certificates and TLS peers.
        "CertValidityOver30Days"
        | "CertValidLessThanMonth"
        | "CertValidfor7days"
        | "CertExpiryCritical"
        | "CertValidLessthanADay" => c(Certificate, "certificate", "expiring"),
        "CertExpired" => c(Certificate, "certificate", "expired"),
        "NodeNotTrusted" | "TLSConnectionToIMEFailed" | "ILSTLSAuthenticationFailed" => {
            c(Certificate, "tls_peer", "rejected")
        }
        // Disk partitions.
        "LogPartitionLowWaterMarkExceeded" => {
            c(DiskUsage, "log_partition", "low_water_mark_exceeded")
        }
        "LogPartitionHighWaterMarkExceeded" => {
            c(DiskUsage, "log_partition", "high_water_mark_exceeded")
        }
        "SparePartitionLowWaterMarkExceeded" => {
            c(DiskUsage, "spare_partition", "low_water_mark_exceeded")
        }
        "SparePartitionHighWaterMarkExceeded" => {
            c(DiskUsage, "spare_partition", "high_water_mark_exceeded")
        }
        "LowActivePartitionAvailableDiskSpace" => c(DiskUsage, "active_partition", "low_available"),
        "LowInactivePartitionAvailableDiskSpace" => {
            c(DiskUsage, "inactive_partition", "low_available")
        }
        "LowSwapPartitionAvailableDiskSpace" => c(DiskUsage, "swap_partition", "low_available"),
        // CDR agent and repository.
        "CDRAgentSendFileFailed" => c(Alarm, "cdr_agent", "failed"),
        "CDRAgentSendFileFailureContinues" => c(Alarm, "cdr_agent", "still_failing"),
        "CDRFileDeliveryFailed" => c(Alarm, "cdr_delivery", "failed"),
        "CDRFileDeliveryFailureContinues" => c(Alarm, "cdr_delivery", "still_failing"),
        "CDRHWMExceeded" | "CDRHighWaterMarkExceeded" => {
            c(Alarm, "cdr_repository_disk", "high_water_mark_exceeded")
        }
        "CDRMaximumDiskSpaceExceeded" => c(Alarm, "cdr_repository_disk", "max_allocation_exceeded"),
        // Call throttling and memory.
        "CodeYellowEntry" | "CodeYellow" => c(Alarm, "call_throttling", "entered"),
        "CodeYellowExit" => c(Alarm, "call_throttling", "exited"),
        "CodeRedEntry" => c(Alarm, "call_throttling", "code_red"),
        "MaxCallsReached" => c(Alarm, "call_throttling", "max_calls"),
        "MemoryThrottlingEntry" => c(Alarm, "memory_throttling", "entered"),
        "MemoryThrottlingExit" => c(Alarm, "memory_throttling", "exited"),
        "OutOfMemory" | "MemAllocFailed" => c(Alarm, "memory", "exhausted"),
        "LowAvailableVirtualMemory" => c(Alarm, "memory", "low_available"),
        // Service control.
        "ServiceExceededMaxRestarts" => c(ServiceState, "service", "exceeded_max_restarts"),
        "ServiceStartupFailed" => c(ServiceState, "service", "start_failed"),
        "ServiceActivated" => c(ServiceState, "service", "activated"),
        "ServiceDeactivated" => c(ServiceState, "service", "deactivated"),
        "ServiceActivationFailed" => c(ServiceState, "service", "activation_failed"),
        "ServiceDeactivationFailed" => c(ServiceState, "service", "deactivation_failed"),
        // Replication, cluster manager, database, name resolution.
        "IDSReplicationFailure" => c(Replication, "replication", "failed"),
        "DBReplicationTableOutofSync" => c(Replication, "replication", "tables_out_of_sync"),
        "CLM_MsgIntChkError" => c(Alarm, "cluster_manager", "integrity_check_failed"),
        "CLM_UnrecognizedHost" => c(Alarm, "cluster_manager", "unrecognized_host"),
        "CLM_ConnectivityTest" => c(Alarm, "cluster_manager", "connectivity_test_failed"),
        "DBLException" => c(Alarm, "database", "exception"),
        "NoDbConnectionAvailable" => c(Alarm, "database", "no_connection"),
        "kDbConnectionFailed" => c(Alarm, "database", "connection_failed"),
        "IPAddressResolveError" => c(Alarm, "name_resolution", "failed"),
        _ => None,
    }
}

/// The RTMT form of a condition: conditions of the kind `Alarm` stay RTMT
/// alerts (the alert is the more specific record), the others take their kind.
pub(crate) fn kind_for_alert(cond: &Condition) -> Kind {
    match cond.kind {
        Kind::Alarm => Kind::RtmtAlert,
        k => k,
    }
}

/// Add `condition`, `category`, `state` and the canonical fields to an event
/// whose fields already hold the record's tags (or RTMT detail pairs).
pub(crate) fn enrich(ev: &mut RawEvent, name: &str, cond: &Condition) {
    ev.fields.insert("condition", name);
    ev.fields.insert("category", cond.category);
    ev.fields.insert("state", cond.state);
    match cond.kind {
        Kind::TrunkState => trunk(ev, cond),
        Kind::CallFailure => call_failure(ev, cond),
        Kind::Certificate => certificate(ev),
        Kind::DiskUsage => disk(ev, cond),
        Kind::ServiceState => service_fields(ev),
        _ => {}
    }
    match cond.category {
        "cdr_agent" | "cdr_delivery" | "cdr_repository_disk" => cdr(ev),
        _ => {}
    }
}

/// The first tag whose name, lower-cased without spaces and `_`, is one of `names`.
fn tag<'e>(ev: &'e RawEvent, names: &[&str]) -> Option<&'e str> {
    ev.fields
        .iter()
        .find(|(k, v)| {
            !v.is_empty() && {
                let k: String = k
                    .chars()
                    .filter(|c| !matches!(c, ' ' | '_' | '.'))
                    .map(|c| c.to_ascii_lowercase())
                    .collect();
                names.contains(&k.as_str())
            }
        })
        .map(|(_, v)| v)
}

/// Copy the first of `names` to `canonical` (when it is not set yet).
fn copy(ev: &mut RawEvent, canonical: &str, names: &[&str]) -> Option<String> {
    let v = tag(ev, names)?.to_string();
    ev.fields.insert_if_absent(canonical, &v);
    Some(v)
}

static REASON: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(Local|Remote)\s*=\s*([0-9]+)").unwrap());

fn trunk(ev: &mut RawEvent, cond: &Condition) {
    let kind = match cond.category {
        "sip_trunk" | "sip_device" => "sip",
        "mgcp_gateway" => "mgcp",
        "h323_device" | "h323_trunk" => "h323",
        _ => "isdn",
    };
    ev.fields.insert("trunk_type", kind);
    if let Some(name) = copy(ev, "trunk", &["devicename", "siptrunkname", "device"]) {
        add_entity(ev, EntityKind::Device, name);
    }
    let unavailable = tag(
        ev,
        &[
            "unavailableremotepeerswithreasoncode",
            "unavailableremotepeers",
        ],
    )
    .map(str::to_string);
    let available = tag(
        ev,
        &[
            "availableremotepeers",
            "availableremotepeersforthissiptrunk",
        ],
    )
    .map(str::to_string);
    if let Some(u) = unavailable {
        ev.fields
            .insert("peers_unavailable", peer_count(&u).to_string());
        let codes: Vec<String> = REASON
            .captures_iter(&u)
            .map(|c| format!("{}={}", title(&c[1]), &c[2]))
            .collect();
        if !codes.is_empty() {
            ev.fields.insert("reason_codes", codes.join(";"));
        }
        let first = |kind: &str| {
            REASON
                .captures_iter(&u)
                .find(|c| c[1].eq_ignore_ascii_case(kind))
                .map(|c| c[2].to_string())
        };
        if let Some(l) = first("local") {
            ev.fields.insert("reason_local", l);
        }
        if let Some(r) = first("remote") {
            ev.fields.insert("reason_remote", r);
        }
    }
    if let Some(a) = available {
        ev.fields
            .insert("peers_available", peer_count(&a).to_string());
    }
}

fn add_entity(ev: &mut RawEvent, kind: EntityKind, id: String) {
    let e = Entity {
        kind,
        id: id.into(),
    };
    if !ev.entities.contains(&e) {
        ev.entities.push(e);
    }
}

/// Peers in a `;`-separated list (the catalog's separator).
fn peer_count(list: &str) -> usize {
    list.split(';').filter(|p| !p.trim().is_empty()).count()
}

fn title(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + &c.as_str().to_ascii_lowercase(),
        None => String::new(),
    }
}

fn call_failure(ev: &mut RawEvent, cond: &Condition) {
    ev.fields
        .insert("cause", format!("{}_{}", cond.category, cond.state));
    match cond.category {
        "route_list" => {
            copy(ev, "route_list", &["routelistname", "routelist"]);
        }
        "hunt_list" => {
            copy(ev, "hunt_list", &["huntlistname", "huntlist"]);
        }
        "media_resources" => {
            copy(
                ev,
                "media_resource_list",
                &["mediaresourcelistname", "mrglname"],
            );
        }
        _ => {
            copy(ev, "device", &["devicename", "device"]);
        }
    }
}

static CERT_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)Certificate name\s*:\s*(\S+)").unwrap());
static CERT_UNIT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bUnit\s*:\s*([^\s,]+)").unwrap());
static CERT_TYPE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bType\s*:\s*([^\s,]+)").unwrap());
static CERT_EXPIRY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\bExpiration\s*:\s*(.+?)\s*$").unwrap());

/// The certificate alarms carry one `Message` tag
/// (`Certificate name:tomcat.der Unit:tomcat Type:own-cert Expiration:<date>`, C-214607).
fn certificate(ev: &mut RawEvent) {
    copy(ev, "peer", &["hostnameipaddress", "hostname", "ipaddress"]);
    let Some(msg) = tag(ev, &["message"]).map(str::to_string) else {
        return;
    };
    let grab = |re: &Regex| re.captures(&msg).map(|c| c[1].to_string());
    if let Some(n) = grab(&CERT_NAME) {
        ev.fields.insert("cert_file", n);
    }
    if let Some(u) = grab(&CERT_UNIT) {
        ev.fields.insert("unit", u);
    }
    if let Some(t) = grab(&CERT_TYPE) {
        ev.fields.insert("cert_type", t);
    }
    if let Some(x) = grab(&CERT_EXPIRY) {
        ev.fields.insert("not_after", &x);
        // `Sun Mar 26 12:30:59:000 CES`: milliseconds after a colon, a zone
        // abbreviation that is never trusted, and no year in the sample.
        if let Some((dt, zone)) = crate::cucm_cli::parse_loose(&x) {
            ev.fields.insert("not_after_local", dt.to_string());
            if let Some(z) = zone {
                ev.fields.insert("not_after_zone", z);
            }
        }
    }
}

static PERCENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([0-9]+(?:\.[0-9]+)?)\s*%").unwrap());

fn disk(ev: &mut RawEvent, cond: &Condition) {
    let partition = cond.category.trim_end_matches("_partition");
    ev.fields.insert("partition", partition);
    // UsedDiskSpace [String]: its text is not shown by any public sample
    // (UNCONFIRMED); a percentage in it is taken as the used share.
    if let Some(used) = copy(ev, "used", &["useddiskspace"]) {
        if let Some(c) = PERCENT.captures(&used) {
            ev.fields.insert("used_percent", &c[1]);
        }
    }
}

/// Copy the service name of a service-control alarm to `service` (and an entity).
pub(crate) fn service_fields(ev: &mut RawEvent) {
    if let Some(s) = copy(ev, "service", &["servicename", "service"]) {
        add_entity(ev, EntityKind::Service, s);
    }
}

fn cdr(ev: &mut RawEvent) {
    copy(ev, "billing_server", &["billingserveraddress"]);
    copy(ev, "repository_node", &["cdrrepositorynodeaddress"]);
    copy(ev, "agent_node", &["cdragentnodeaddress"]);
    copy(ev, "disk_usage_mb", &["diskusageinmb"]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(fields: &[(&str, &str)]) -> RawEvent {
        let mut e = RawEvent::new(1, "x", Kind::Alarm, "x");
        for (k, v) in fields {
            e.fields.insert(k, v);
        }
        e
    }

    #[test]
    fn sip_trunk_peers_and_reason_codes_stay_raw() {
        let cond = classify("SIPTrunkOOS").unwrap();
        let mut e = ev(&[
            ("DeviceName", "ITSP-Trunk"),
            (
                "UnavailableRemotePeersWithReasonCode",
                "sbc1.example.net, 0.0.0.0, 5060, Local=3; 192.0.2.7, 192.0.2.7, 5060, Remote=503",
            ),
        ]);
        enrich(&mut e, "SIPTrunkOOS", &cond);
        assert_eq!(cond.kind, Kind::TrunkState);
        assert_eq!(e.fields["trunk"], "ITSP-Trunk");
        assert_eq!(e.fields["trunk_type"], "sip");
        assert_eq!(e.fields["state"], "out_of_service");
        assert_eq!(e.fields["peers_unavailable"], "2");
        assert_eq!(e.fields["reason_codes"], "Local=3;Remote=503");
        assert_eq!(e.fields["reason_local"], "3");
        assert_eq!(e.fields["reason_remote"], "503");
        assert!(e.entities.iter().any(|x| x.id == "ITSP-Trunk"));
    }

    #[test]
    fn certificate_message_is_split_and_the_zone_kept_aside() {
        let cond = classify("CertExpired").unwrap();
        let mut e = ev(&[(
            "Message",
            "Certificate expiration Notification. Certificate name:tomcat.der Unit:tomcat Type:own-cert Expiration:Sun Mar 26 12:30:59:000 CES",
        )]);
        enrich(&mut e, "CertExpired", &cond);
        assert_eq!(e.fields["unit"], "tomcat");
        assert_eq!(e.fields["cert_file"], "tomcat.der");
        assert_eq!(e.fields["cert_type"], "own-cert");
        assert_eq!(e.fields["not_after"], "Sun Mar 26 12:30:59:000 CES");
        assert_eq!(e.fields["state"], "expired");
        // No year in the text: no wall clock is made up.
        assert!(!e.fields.contains_key("not_after_local"));
    }

    #[test]
    fn alarm_kinds_stay_rtmt_alerts_and_others_take_their_kind() {
        let cdr = classify("CDRFileDeliveryFailed").unwrap();
        assert_eq!(kind_for_alert(&cdr), Kind::RtmtAlert);
        let lpm = classify("LogPartitionHighWaterMarkExceeded").unwrap();
        assert_eq!(kind_for_alert(&lpm), Kind::DiskUsage);
        assert!(classify("EndPointUnregistered").is_none());
    }

    #[test]
    fn disk_and_cdr_fields() {
        let cond = classify("LogPartitionLowWaterMarkExceeded").unwrap();
        let mut e = ev(&[("UsedDiskSpace", "81%"), ("MessageString", "x")]);
        enrich(&mut e, "LogPartitionLowWaterMarkExceeded", &cond);
        assert_eq!(e.fields["partition"], "log");
        assert_eq!(e.fields["used_percent"], "81");
        let cond = classify("CDRFileDeliveryFailed").unwrap();
        let mut e = ev(&[("BillingServerAddress", "192.0.2.50")]);
        enrich(&mut e, "CDRFileDeliveryFailed", &cond);
        assert_eq!(e.fields["billing_server"], "192.0.2.50");
        assert_eq!(e.fields["category"], "cdr_delivery");
    }
}
