//! Questions the rest of uctriage asks the knowledge.

use crate::load::Knowledge;
use crate::model::*;
use crate::rules::RuleSpec;

/// A code decoded through a code table, with how sure the table is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded<'a> {
    /// The code as it appeared.
    pub code: String,
    /// Its name as printed by Cisco (`KeepAliveTimeout`).
    pub name: &'a str,
    /// Our summary of what it means, when the table has one.
    pub meaning: Option<&'a str>,
    /// False when the table's mapping is not confirmed ("probably").
    pub confirmed: bool,
    /// The table that decoded it.
    pub table: &'a str,
}

impl Decoded<'_> {
    /// `13 = KeepAliveTimeout`, or `13 = probably KeepAliveTimeout`.
    pub fn describe(&self) -> String {
        if self.confirmed {
            format!("{} = {}", self.code, self.name)
        } else {
            format!("{} = probably {}", self.code, self.name)
        }
    }
}

impl Alarm {
    /// The reason of this alarm whose words one of the event's fields holds
    /// (`field` gives a field's value by name), the first in catalog order.
    pub fn reason_in<'v>(&self, field: impl Fn(&str) -> Option<&'v str>) -> Option<&AlarmReason> {
        self.reason.iter().find(|r| {
            field(&r.field).is_some_and(|v| {
                v.to_ascii_lowercase()
                    .contains(&r.contains.to_ascii_lowercase())
            })
        })
    }
}

impl Knowledge {
    /// The alarm entry for a name (or one of its other names).
    pub fn alarm(&self, name: &str) -> Option<&Alarm> {
        self.alarms
            .alarm
            .iter()
            .find(|a| a.name == name || a.also.iter().any(|x| x == name))
    }

    /// The code table for `field` of an event of `kind` or alarm `alarm`.
    pub fn code_table(&self, alarm: Option<&str>, kind: &str, field: &str) -> Option<&CodeTable> {
        self.alarms.code_table.iter().find(|t| {
            t.field == field
                && (alarm.is_some_and(|a| t.alarms.iter().any(|x| x == a))
                    || t.kinds.iter().any(|k| k == kind))
        })
    }

    /// Decode a code (or a name already decoded by the parser) in `field`.
    pub fn decode_full(
        &self,
        alarm: Option<&str>,
        kind: &str,
        field: &str,
        code: &str,
    ) -> Option<Decoded<'_>> {
        self.alarms
            .code_table
            .iter()
            .filter(|t| t.field == field)
            .filter(|t| {
                alarm.is_some_and(|a| t.alarms.iter().any(|x| x == a))
                    || t.kinds.iter().any(|k| k == kind)
            })
            .find_map(|t| {
                t.codes.get(code).map(|name| Decoded {
                    code: code.to_string(),
                    name: name.as_str(),
                    meaning: t.meanings.get(code).map(String::as_str),
                    confirmed: t.confirmed,
                    table: t.id.as_str(),
                })
            })
    }

    /// The name a code table gives a code (see [`Knowledge::decode_full`]).
    pub fn decode(&self, alarm: Option<&str>, kind: &str, field: &str, code: &str) -> Option<&str> {
        self.decode_full(alarm, kind, field, code).map(|d| d.name)
    }

    /// Whether `code` (a number, or the name a table gives it) is in group
    /// `group` of the table for `field`.
    pub fn code_in_group(
        &self,
        alarm: Option<&str>,
        kind: &str,
        field: &str,
        code: &str,
        group: &str,
    ) -> bool {
        let Some(t) = self.code_table(alarm, kind, field) else {
            return false;
        };
        let Some(members) = t.groups.get(group) else {
            return false;
        };
        members
            .iter()
            .any(|m| m == code || t.codes.get(m).is_some_and(|n| n.eq_ignore_ascii_case(code)))
    }

    /// The first signature matching a core's process, signal, abort reason and frames.
    pub fn signature(
        &self,
        process: &str,
        signal: Option<u32>,
        reason: &str,
        frames: &str,
    ) -> Option<&Signature> {
        self.signatures.signature.iter().find(|s| {
            (s.process == "*" || s.process.eq_ignore_ascii_case(process))
                && (s.signal.is_none() || signal.is_none() || s.signal == signal)
                && (s.reason_contains.is_empty()
                    || s.reason_contains
                        .iter()
                        .any(|r| reason.contains(r.as_str())))
                && s.frames_contain.iter().all(|f| frames.contains(f.as_str()))
        })
    }

    /// The metric class a counter belongs to (counter without its host).
    pub fn metric_class(&self, counter: &str) -> Option<&MetricClass> {
        self.metrics
            .metric_class
            .iter()
            .find(|c| c.counters.iter().any(|p| glob_match(p, counter)))
    }

    /// Words for a metric class (`CPU`), or its name when it has none.
    pub fn metric_label<'a>(&'a self, metric: &'a str) -> &'a str {
        self.metrics
            .metric_class
            .iter()
            .find(|c| c.metric == metric && !c.label.is_empty())
            .map_or(metric, |c| c.label.as_str())
    }

    /// Thresholds with a public source for a metric class.
    pub fn thresholds_for<'a>(
        &'a self,
        metric: &'a str,
    ) -> impl Iterator<Item = &'a Threshold> + 'a {
        self.thresholds
            .threshold
            .iter()
            .filter(move |t| t.metric == metric)
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&RuleSpec> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The class or tag with this id.
    pub fn class(&self, id: &str) -> Option<&Class> {
        self.classes.class.iter().find(|c| c.id == id)
    }

    /// What sort of device `name` is: from the type an export or alarm
    /// printed for it, else from its name.
    pub fn device_type(&self, name: &str, printed_type: Option<&str>) -> Option<&DeviceType> {
        let by_type = printed_type.and_then(|t| {
            let t = t.trim();
            self.devices
                .device_type
                .iter()
                .find(|d| d.export_types.iter().any(|x| x.eq_ignore_ascii_case(t)))
        });
        by_type.or_else(|| {
            let upper = name.to_ascii_uppercase();
            self.devices.device_type.iter().find(|d| {
                d.name_prefixes
                    .iter()
                    .any(|p| upper.starts_with(&p.to_ascii_uppercase()))
                    || d.name_contains
                        .iter()
                        .any(|c| upper.contains(&c.to_ascii_uppercase()))
            })
        })
    }
}
