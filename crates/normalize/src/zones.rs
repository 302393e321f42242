//! Deciding each host's time zone from the evidence in the bundle.

use std::collections::BTreeMap;
use uctriage_core::jiff::tz::{self, TimeZone};
use uctriage_core::jiff::Timestamp;
use uctriage_core::ZoneSource;

/// Tie-break order when several zones fit the observed offsets equally well:
/// the zones UC estates most often run in come first. This is a preference
/// for naming, not a guess: every candidate fits every observation.
const PREFERRED: &[&str] = &[
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Toronto",
    "America/Halifax",
    "America/Sao_Paulo",
    "America/Bogota",
    "America/Mexico_City",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Amsterdam",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Athens",
    "Europe/Helsinki",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Jerusalem",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Australia/Perth",
    "Australia/Brisbane",
    "Australia/Sydney",
    "Pacific/Auckland",
    "UTC",
];

/// A `--tz` hint: a zone for one host, or for every host without better evidence.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneHint {
    /// The host it applies to (None: all hosts without better evidence).
    pub host: Option<String>,
    /// An Olson zone name.
    pub zone: String,
}

impl ZoneHint {
    /// Parse `ZONE` or `HOST=ZONE`, checking the zone exists.
    pub fn parse(s: &str) -> Result<ZoneHint, String> {
        let (host, zone) = match s.split_once('=') {
            Some((h, z)) => (Some(h.trim().to_string()), z.trim()),
            None => (None, s.trim()),
        };
        tz::db().get(zone).map_err(|_| {
            format!("unknown time zone `{zone}` (use an Olson name such as America/Chicago)")
        })?;
        Ok(ZoneHint {
            host,
            zone: zone.to_string(),
        })
    }
}

/// The zone decided for a host, and why.
#[derive(Clone, Debug)]
pub struct ZoneDecision {
    /// Olson name (or `UTC`).
    pub zone: String,
    /// The zone itself.
    pub tz: TimeZone,
    /// What decided it.
    pub source: ZoneSource,
    /// One sentence for a human.
    pub detail: String,
}

impl ZoneDecision {
    pub(crate) fn unknown(detail: String) -> ZoneDecision {
        ZoneDecision {
            zone: "UTC".into(),
            tz: TimeZone::UTC,
            source: ZoneSource::Unknown,
            detail,
        }
    }

    pub(crate) fn named(zone: &str, source: ZoneSource, detail: String) -> Option<ZoneDecision> {
        let tz = zone_named(zone)?;
        Some(ZoneDecision {
            zone: zone.to_string(),
            tz,
            source,
            detail,
        })
    }
}

/// Evidence about one host's zone.
#[derive(Clone, Debug, Default)]
pub(crate) struct ZoneEvidence {
    /// Olson names stated by CLI output, with source and where.
    pub stated: Vec<(String, ZoneSource, String)>,
    /// Observed (instant, local-minus-UTC seconds, source, where).
    pub offsets: Vec<(Timestamp, i32, ZoneSource, String)>,
}

/// The zone that fits every observed (instant, offset) pair, preferring common
/// zones; also how many zones fit. None when no zone fits them all.
pub fn infer_zone(observations: &[(Timestamp, i32)]) -> Option<(String, usize)> {
    infer_zone_preferring(observations, &[])
}

/// As [`infer_zone`], but a zone of `first` that fits wins over the common
/// ones: the zones other hosts of the same bundle state (a cluster runs in
/// one site zone far more often than in a zone that merely has the same offset).
pub fn infer_zone_preferring(
    observations: &[(Timestamp, i32)],
    first: &[String],
) -> Option<(String, usize)> {
    if observations.is_empty() {
        return None;
    }
    let fits = |tz: &TimeZone| {
        observations
            .iter()
            .all(|(at, off)| tz.to_offset(*at).seconds() == *off)
    };
    let zones = place_zones();
    let all: Vec<&str> = zones
        .iter()
        .filter(|(_, tz)| fits(tz))
        .map(|(name, _)| name.as_str())
        .collect();
    let count = all.len();
    let best = first
        .iter()
        .map(String::as_str)
        .chain(PREFERRED.iter().copied())
        .find(|p| zone_named(p).is_some_and(|tz| fits(&tz)))
        .or_else(|| all.first().copied())?;
    Some((best.to_string(), count.max(1)))
}

/// Every zone of the database named by an area and a place (not `Etc/`),
/// sorted by name, read once: a bundle of thousands of hosts had the
/// database look each of its six hundred zones up again for every host
/// (100,000 hosts: two minutes).
fn place_zones() -> &'static [(String, TimeZone)] {
    static ZONES: std::sync::OnceLock<Vec<(String, TimeZone)>> = std::sync::OnceLock::new();
    ZONES.get_or_init(|| {
        let mut zones: Vec<(String, TimeZone)> = tz::db()
            .available()
            .map(|n| n.to_string())
            .filter(|n| n.contains('/') && !n.starts_with("Etc/"))
            .filter_map(|n| tz::db().get(&n).ok().map(|tz| (n, tz)))
            .collect();
        zones.sort_by(|a, b| a.0.cmp(&b.0));
        zones
    })
}

/// The zone named `name`: from [`place_zones`] when it is one, else the
/// database's (`UTC`, `Etc/GMT+5`...).
fn zone_named(name: &str) -> Option<TimeZone> {
    let zones = place_zones();
    match zones.binary_search_by(|(n, _)| n.as_str().cmp(name)) {
        Ok(i) => Some(zones[i].1.clone()),
        Err(_) => tz::db().get(name).ok(),
    }
}

/// Decide every host's zone. Returns decisions per host and notes for the user.
pub(crate) fn decide_zones(
    hosts: &[String],
    evidence: &BTreeMap<String, ZoneEvidence>,
    hints: &[ZoneHint],
    resolve: impl Fn(&str) -> String,
) -> (BTreeMap<String, ZoneDecision>, Vec<String>) {
    let mut notes = Vec::new();
    let mut decided: BTreeMap<String, ZoneDecision> = BTreeMap::new();
    let global_hint = hints.iter().find(|h| h.host.is_none());
    // Zones the bundle states (CLI output, hints), in host order: a host
    // known only by its offsets is named after one of them when it fits.
    let mut stated: Vec<String> = Vec::new();
    for z in hosts
        .iter()
        .filter_map(|h| evidence.get(h))
        .flat_map(|ev| ev.stated.iter().map(|(z, _, _)| z))
        .chain(hints.iter().map(|h| &h.zone))
    {
        if !stated.contains(z) {
            stated.push(z.clone());
        }
    }
    for host in hosts {
        let ev = evidence.get(host).cloned().unwrap_or_default();
        if let Some(d) = own_evidence(host, &ev, hints, &stated, &resolve, &mut notes) {
            decided.insert(host.clone(), d);
        }
    }
    let site: BTreeMap<&str, Vec<&str>> = decided.iter().fold(BTreeMap::new(), |mut m, (h, d)| {
        if d.source != ZoneSource::Hint {
            m.entry(d.zone.as_str()).or_default().push(h.as_str());
        }
        m
    });
    let mut rest = BTreeMap::new();
    for host in hosts.iter().filter(|h| !decided.contains_key(*h)) {
        let d = if let Some(h) = global_hint {
            ZoneDecision::named(&h.zone, ZoneSource::Hint, format!("{} from --tz", h.zone))
        } else if site.len() == 1 {
            let (zone, from) = site.iter().next().unwrap();
            let first = &decided[from[0]];
            ZoneDecision::named(
                zone,
                ZoneSource::OtherHost,
                format!(
                    "{zone}, the zone of {} ({}); no zone evidence of its own",
                    from.join(", "),
                    first.source.describe()
                ),
            )
        } else {
            None
        };
        let d = d.unwrap_or_else(|| {
            let candidates: Vec<String> = site.iter().map(|(z, hs)| format!("{z} ({})", hs.join(", "))).collect();
            notes.push(if candidates.is_empty() {
                format!("zone of {host} unknown: its local times are read as UTC; pass --tz {host}=ZONE")
            } else {
                format!(
                    "zone of {host} unknown and the bundle has several zones ({}): its local times are read as UTC; pass --tz {host}=ZONE",
                    candidates.join("; ")
                )
            });
            ZoneDecision::unknown("no zone evidence for this host: local times read as UTC".into())
        });
        rest.insert(host.clone(), d);
    }
    decided.extend(rest);
    (decided, notes)
}

/// A decision from the host's own evidence or a hint naming it.
fn own_evidence(
    host: &str,
    ev: &ZoneEvidence,
    hints: &[ZoneHint],
    stated_in_bundle: &[String],
    resolve: &impl Fn(&str) -> String,
    notes: &mut Vec<String>,
) -> Option<ZoneDecision> {
    if let Some(h) = hints
        .iter()
        .find(|h| h.host.as_deref().map(resolve).as_deref() == Some(host))
    {
        return ZoneDecision::named(
            &h.zone,
            ZoneSource::Hint,
            format!("{} from --tz {host}=...", h.zone),
        );
    }
    let mut stated = ev.stated.clone();
    stated.sort_by_key(|(_, src, _)| *src);
    for (zone, source, at) in &stated {
        match ZoneDecision::named(
            zone,
            *source,
            format!("{zone} {} ({at})", source.describe()),
        ) {
            Some(d) => {
                check_against_offsets(host, &d, ev, notes);
                return Some(d);
            }
            None => notes.push(format!(
                "{host}: zone `{zone}` at {at} is not in the time-zone database: ignored"
            )),
        }
    }
    let obs: Vec<(Timestamp, i32)> = ev.offsets.iter().map(|(t, o, _, _)| (*t, *o)).collect();
    let (zone, fitting) = match infer_zone_preferring(&obs, stated_in_bundle) {
        Some(z) => z,
        None if !obs.is_empty() => {
            notes.push(format!(
                "{host}: observed UTC offsets disagree with every zone ({}); zone left undecided",
                describe_offsets(ev)
            ));
            return None;
        }
        None => return None,
    };
    let source = ev
        .offsets
        .iter()
        .map(|o| o.2)
        .min()
        .unwrap_or(ZoneSource::CoreEpoch);
    let detail = format!(
        "{zone}: fits the offsets seen on {host} ({}){}",
        describe_offsets(ev),
        if fitting > 1 && stated_in_bundle.contains(&zone) {
            format!("; {fitting} zones fit, the one other hosts of the bundle state is named")
        } else if fitting > 1 {
            format!("; {fitting} zones fit, the most common is named")
        } else {
            String::new()
        }
    );
    ZoneDecision::named(&zone, source, detail)
}

fn describe_offsets(ev: &ZoneEvidence) -> String {
    let mut seen: Vec<String> = ev
        .offsets
        .iter()
        .map(|(t, o, _, at)| format!("{} on {} at {at}", fmt_offset(*o), t.strftime("%Y-%m-%d")))
        .collect();
    seen.dedup();
    if seen.len() > 4 {
        let n = seen.len();
        seen.truncate(4);
        seen.push(format!("and {} more", n - 4));
    }
    seen.join(", ")
}

fn fmt_offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.abs();
    format!("UTC{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
}

fn check_against_offsets(host: &str, d: &ZoneDecision, ev: &ZoneEvidence, notes: &mut Vec<String>) {
    for (at, off, _, where_) in &ev.offsets {
        let expected = d.tz.to_offset(*at).seconds();
        if expected != *off {
            notes.push(format!(
                "{host}: {} says {}, but {where_} shows {} at {at}: check the node's clock",
                d.source.describe(),
                d.zone,
                fmt_offset(*off)
            ));
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn us_central_is_inferred_from_winter_and_summer_offsets() {
        let obs = [
            (ts("2016-01-25T19:27:07Z"), -6 * 3600),
            (ts("2019-07-12T17:35:57Z"), -5 * 3600),
        ];
        assert_eq!(infer_zone(&obs).unwrap().0, "America/Chicago");
    }

    #[test]
    fn other_zones_are_inferred_too() {
        let ams = [
            (ts("2024-01-10T10:00:00Z"), 3600),
            (ts("2024-07-10T10:00:00Z"), 7200),
        ];
        assert_eq!(infer_zone(&ams).unwrap().0, "Europe/Amsterdam");
        let la = [
            (ts("2024-01-10T10:00:00Z"), -8 * 3600),
            (ts("2024-07-10T10:00:00Z"), -7 * 3600),
        ];
        assert_eq!(infer_zone(&la).unwrap().0, "America/Los_Angeles");
        let kolkata = [(ts("2024-01-10T10:00:00Z"), 19800)];
        assert_eq!(infer_zone(&kolkata).unwrap().0, "Asia/Kolkata");
    }

    #[test]
    fn a_host_known_by_its_offsets_takes_the_zone_the_bundle_states_when_it_fits() {
        let stated = |zone: &str| ZoneEvidence {
            stated: vec![(zone.into(), ZoneSource::ShowStatus, "cli:4".into())],
            offsets: vec![],
        };
        // A syslog line in June at UTC+10: Brisbane, Sydney, Melbourne, ... all fit.
        let offsets = ZoneEvidence {
            stated: vec![],
            offsets: vec![(
                ts("2024-06-17T23:29:58Z"),
                10 * 3600,
                ZoneSource::SyslogPrefix,
                "CiscoSyslog:2".into(),
            )],
        };
        let mut ev = BTreeMap::new();
        ev.insert("pub".to_string(), stated("Australia/Sydney"));
        ev.insert("sub".to_string(), offsets.clone());
        let hosts = vec!["pub".to_string(), "sub".to_string()];
        let (d, notes) = decide_zones(&hosts, &ev, &[], |s| s.to_string());
        assert_eq!(d["sub"].zone, "Australia/Sydney");
        assert!(d["sub"].detail.contains("other hosts of the bundle state"));
        assert!(notes.is_empty(), "{notes:?}");
        // Alone, the most common zone with that offset is named.
        let alone: BTreeMap<_, _> = [("sub".to_string(), offsets.clone())].into();
        let (d, _) = decide_zones(&hosts[1..], &alone, &[], |s| s.to_string());
        assert_eq!(d["sub"].zone, "Australia/Brisbane");
        // A stated zone that does not fit the offsets is not taken.
        ev.insert("pub".to_string(), stated("Asia/Tokyo"));
        let (d, _) = decide_zones(&hosts, &ev, &[], |s| s.to_string());
        assert_eq!(d["sub"].zone, "Australia/Brisbane");
    }

    #[test]
    fn impossible_offsets_fit_no_zone() {
        let obs = [
            (ts("2024-01-10T10:00:00Z"), 3600),
            (ts("2024-01-10T11:00:00Z"), -3600),
        ];
        assert!(infer_zone(&obs).is_none());
    }

    #[test]
    fn hosts_without_evidence_share_the_site_zone_or_stay_unknown() {
        let mut ev = BTreeMap::new();
        ev.insert(
            "a".to_string(),
            ZoneEvidence {
                stated: vec![(
                    "Europe/Amsterdam".into(),
                    ZoneSource::ShowStatus,
                    "x:3".into(),
                )],
                offsets: vec![],
            },
        );
        let hosts = vec!["a".to_string(), "b".to_string()];
        let (d, notes) = decide_zones(&hosts, &ev, &[], |s| s.to_string());
        assert_eq!(d["b"].zone, "Europe/Amsterdam");
        assert_eq!(d["b"].source, ZoneSource::OtherHost);
        assert!(notes.is_empty());
        ev.insert(
            "c".to_string(),
            ZoneEvidence {
                stated: vec![("Asia/Tokyo".into(), ZoneSource::ShowStatus, "y:3".into())],
                offsets: vec![],
            },
        );
        let hosts = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let (d, notes) = decide_zones(&hosts, &ev, &[], |s| s.to_string());
        assert_eq!(d["b"].source, ZoneSource::Unknown);
        assert!(notes[0].contains("--tz b=ZONE"));
        let hint = ZoneHint::parse("b=America/Denver").unwrap();
        let (d, _) = decide_zones(&hosts, &ev, &[hint], |s| s.to_string());
        assert_eq!(
            (d["b"].zone.as_str(), d["b"].source),
            ("America/Denver", ZoneSource::Hint)
        );
        assert!(ZoneHint::parse("Mars/Olympus").is_err());
    }
}
