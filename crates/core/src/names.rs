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
///
/// Asked for every field a parser sets (some twenty per syslog alarm), so it
/// is one hash and usually one comparison, not a binary search of the table.
#[inline]
pub(crate) fn common(name: &str) -> Option<u32> {
    let b = name.as_bytes();
    if b.is_empty() {
        return None;
    }
    let mut at = hash(b);
    loop {
        let i = BY_HASH[at];
        if i == EMPTY {
            return None;
        }
        if NAMES[i as usize].as_bytes() == b {
            return Some(u32::from(i));
        }
        at = (at + 1) % BUCKETS;
    }
}

/// Buckets of the open-addressing table over [`NAMES`] (under a third full).
const BUCKETS: usize = 256;
/// A bucket with no name.
const EMPTY: u8 = u8::MAX;
const _: () = assert!(NAMES.len() < BUCKETS / 2 && NAMES.len() < EMPTY as usize);

/// The first bucket to look in for a non-empty name.
#[inline]
const fn hash(b: &[u8]) -> usize {
    let n = b.len();
    (n * 31 + b[0] as usize * 7 + b[n - 1] as usize * 3 + b[n / 2] as usize * 13) % BUCKETS
}

/// [`NAMES`] indexes by hash, linear probing; built at compile time.
static BY_HASH: [u8; BUCKETS] = {
    let mut table = [EMPTY; BUCKETS];
    let mut i = 0;
    while i < NAMES.len() {
        let mut at = hash(NAMES[i].as_bytes());
        while table[at] != EMPTY {
            at = (at + 1) % BUCKETS;
        }
        table[at] = i as u8;
        i += 1;
    }
    table
};

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
        // Names that are not in the table, including ones that share a
        // bucket's hash inputs with one that is.
        for n in ["REASON", "Reasom", "texu", "DeviceNamf", "x", "é", "AppId"] {
            assert_eq!(common(n), None, "{n}");
        }
    }
}
