//! Field names common enough to be stored once for the whole program rather
//! than in every event: the CiscoSyslog tags and envelope parts of
//! registration alarms (a day of a large cluster is millions of them), and the
//! names parsers set most. A name of the table costs an event no bytes of its
//! field text; any other name is stored as before.

/// Common field names, sorted (byte order) so that a name is found by binary
/// search; a slot keeps the index. Changing the table changes no output.
pub(crate) const NAMES: [&str; 72] = [
    "ActiveLoadID",
    "AppID",
    "ClusterID",
    "Description",
    "DeviceClass",
    "DeviceName",
    "DeviceType",
    "IPAddrAttributes",
    "IPAddress",
    "IPV6Address",
    "InactiveLoadID",
    "LoadID",
    "MACAddress",
    "NodeID",
    "ProcessID",
    "Protocol",
    "Reason",
    "RemoteNodeID",
    "ServiceName",
    "StatusReason",
    "action",
    "agent_id",
    "agent_state",
    "alarm",
    "app",
    "basis",
    "cause",
    "cisco_host",
    "clock_unsynchronised",
    "component",
    "condition",
    "core_file",
    "counter",
    "description",
    "device",
    "error",
    "event",
    "facility",
    "host",
    "instance",
    "level",
    "module",
    "node",
    "object",
    "path",
    "peripheral",
    "pid",
    "pri",
    "process",
    "protocol",
    "reason",
    "result",
    "role",
    "seq",
    "server",
    "service",
    "severity",
    "severity_number",
    "side",
    "signal",
    "source",
    "state",
    "status",
    "sub_facility",
    "subject",
    "table",
    "text",
    "thread",
    "unit",
    "user",
    "value",
    "via",
];

/// The table index of `name`, if it is a common name.
pub(crate) fn common(name: &str) -> Option<u32> {
    NAMES.binary_search(&name).ok().map(|i| i as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_without_repeats_so_every_name_is_found() {
        assert!(NAMES.windows(2).all(|w| w[0] < w[1]), "sorted, unique");
        for (i, n) in NAMES.iter().enumerate() {
            assert_eq!(common(n), Some(i as u32));
        }
        assert_eq!(common("Reason "), None);
        assert_eq!(common(""), None);
    }
}
