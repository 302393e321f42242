//! Facts learnt about hosts and zones, as kept in the store across restarts.

use serde::{Deserialize, Serialize};
use uctriage_core::jiff::Timestamp;
use uctriage_core::{Fact, ZoneSource};
use uctriage_store::zone_source;

#[derive(Serialize, Deserialize)]
#[serde(tag = "fact", rename_all = "snake_case")]
enum Kept {
    HostAlias {
        host: String,
        alias: String,
    },
    HostZone {
        host: Option<String>,
        zone: String,
        source: String,
        line: u64,
    },
    OffsetSeen {
        host: Option<String>,
        at: Timestamp,
        offset_seconds: i32,
        source: String,
        line: u64,
    },
}

fn source_name(s: ZoneSource) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

/// A fact as stored (None: a kind of fact that is not kept).
pub fn encode(f: &Fact) -> Option<String> {
    let k = match f.clone() {
        Fact::HostAlias { host, alias } => Kept::HostAlias { host, alias },
        Fact::HostZone {
            host,
            zone,
            source,
            line,
        } => Kept::HostZone {
            host,
            zone,
            source: source_name(source),
            line,
        },
        Fact::OffsetSeen {
            host,
            at,
            offset_seconds,
            source,
            line,
        } => Kept::OffsetSeen {
            host,
            at,
            offset_seconds,
            source: source_name(source),
            line,
        },
        _ => return None,
    };
    serde_json::to_string(&k).ok()
}

/// A stored fact back (None: unreadable).
pub fn decode(s: &str) -> Option<Fact> {
    Some(match serde_json::from_str::<Kept>(s).ok()? {
        Kept::HostAlias { host, alias } => Fact::HostAlias { host, alias },
        Kept::HostZone {
            host,
            zone,
            source,
            line,
        } => Fact::HostZone {
            host,
            zone,
            source: zone_source(&source),
            line,
        },
        Kept::OffsetSeen {
            host,
            at,
            offset_seconds,
            source,
            line,
        } => Fact::OffsetSeen {
            host,
            at,
            offset_seconds,
            source: zone_source(&source),
            line,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_facts_round_trip() {
        let facts = [
            Fact::HostAlias {
                host: "cm1".into(),
                alias: "10.0.0.1".into(),
            },
            Fact::OffsetSeen {
                host: Some("cm1".into()),
                at: "2019-07-12T17:00:00Z".parse().unwrap(),
                offset_seconds: -18000,
                source: ZoneSource::SyslogPrefix,
                line: 4,
            },
        ];
        for f in facts {
            assert_eq!(decode(&encode(&f).unwrap()), Some(f));
        }
        assert!(encode(&Fact::FileHost { host: "x".into() }).is_none());
    }
}
