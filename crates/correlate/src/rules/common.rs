//! Small pieces several rules share.

use crate::data::TypeCount;
use crate::events::Events;
use std::collections::{BTreeMap, BTreeSet};
use uctriage_core::{Kind, KindSet};
use uctriage_knowledge::Knowledge;

/// The device types the bundle printed: a device export's `device type`
/// column (BAT), or a `DeviceClass` field (RisPort70).
pub(crate) struct PrintedTypes {
    by_device: BTreeMap<String, String>,
}

impl PrintedTypes {
    /// Read them from the configuration rows and registration records
    /// (streamed: they may be on disk).
    pub fn from_events(events: &Events<'_>) -> PrintedTypes {
        let mut by_device = BTreeMap::new();
        for e in events.of(Kind::Config) {
            if let (Some(d), Some(t)) = (e.fields.get("device name"), e.fields.get("device type")) {
                by_device.insert(d.to_string(), t.trim().to_string());
            }
        }
        // The first class a registration prints, else the first an
        // unregistration prints (one pass over both, on disk or not).
        let mut unregistered: BTreeMap<String, String> = BTreeMap::new();
        // A kind on disk none of whose events prints a class is not read.
        let kinds = [Kind::DeviceRegistered, Kind::DeviceUnregistered]
            .into_iter()
            .filter(|k| events.may_have_field(*k, "DeviceClass"))
            .fold(KindSet::NONE, KindSet::with);
        events.each_record(kinds, None, None, |e| {
            if let (Some(d), Some(t)) = (
                e.entity(uctriage_core::EntityKind::Device),
                e.field("DeviceClass"),
            ) {
                let first = match e.kind() {
                    Kind::DeviceRegistered => &mut by_device,
                    _ => &mut unregistered,
                };
                if !first.contains_key(d) {
                    first.insert(d.to_string(), t.trim().to_string());
                }
            }
        });
        for (d, t) in unregistered {
            by_device.entry(d).or_insert(t);
        }
        PrintedTypes { by_device }
    }

    /// The type printed for `device`.
    pub fn of(&self, device: &str) -> Option<&str> {
        self.by_device.get(device).map(String::as_str)
    }

    /// An export calls `device` a CTI port.
    pub fn is_cti_port(&self, device: &str) -> bool {
        self.of(device)
            .is_some_and(|t| t.eq_ignore_ascii_case("CTI Port"))
    }
}

/// The devices counted by sort, most numerous first; unknown ones as `device`.
pub(crate) fn device_types(
    kb: &Knowledge,
    devices: &BTreeSet<String>,
    printed: &PrintedTypes,
) -> Vec<TypeCount> {
    let mut counts: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for d in devices {
        let key = match kb.device_type(d, printed.of(d)) {
            Some(t) => (t.id.clone(), t.label.clone(), t.plural.clone()),
            None => ("device".into(), "device".into(), "devices".into()),
        };
        *counts.entry(key).or_default() += 1;
    }
    let mut out: Vec<TypeCount> = counts
        .into_iter()
        .map(|((device_type, label, plural), count)| TypeCount {
            device_type,
            label,
            plural,
            count,
        })
        .collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(a.device_type.cmp(&b.device_type))
    });
    out
}

/// Seconds from `b` to `a`.
pub(crate) fn secs(a: uctriage_core::jiff::Timestamp, b: uctriage_core::jiff::Timestamp) -> i64 {
    a.duration_since(b).as_secs()
}
