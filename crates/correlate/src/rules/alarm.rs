//! `alarm`: a declarative rule, written in TOML alone. It matches events
//! (kinds, alarm or alert names, fields, a numeric field above a value),
//! groups them (by host, ESXi host, datastore, device pool, CallManager group
//! or subnet), counts them in a window, and — when told to — ties the group
//! to another finding by topology and time:
//!
//! ```toml
//! [rule.params]
//! kinds = ["alarm", "rtmt_alert"]
//! names = ["CodeYellowEntry"]
//! group_by = "host"
//! min_count = 1
//! window_s = 600
//! produce = { kind = "contributing", class = "code-yellow", confidence = 0.6 }
//! relation = { to = ["registration-loss"], via = "serves", before_s = 900, after_s = 60 }
//! ```
//!
//! An untied group gives no finding (`required`, the default), a coincidence
//! (`required = false`) or the kind `untied` names (`untied = "advisory"`).
//!
//! No expressions: every choice is one of the fixed values documented in
//! `knowledge/README.md`.

use super::common::secs;
use crate::data::{AlarmData, Data, ReasonSaid};
use crate::engine::{Context, Declaration, Emit, Input, Output, Rule};
use crate::finding::{Finding, FindingKind};
use crate::net::site_prefix;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use uctriage_core::{EntityKind, Event, Kind};
use uctriage_knowledge::{Knowledge, KnowledgeError, RuleSpec};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// Event kinds to read.
    kinds: Vec<String>,
    /// Alarm or alert names (the `alarm` or `alert` field; also the names a
    /// catalog entry lists under `also`). Empty: any.
    #[serde(default)]
    names: Vec<String>,
    /// Fields that must have these values (case-insensitive).
    #[serde(default)]
    fields: BTreeMap<String, String>,
    /// A numeric field that must be above a value.
    #[serde(default)]
    field_above: Option<FieldAbove>,
    /// What the events are counted per.
    group_by: GroupBy,
    /// At least this many events of one group ...
    min_count: usize,
    /// ... within this many seconds of the first.
    window_s: i64,
    /// The finding to make.
    produce: Produce,
    /// What it must be tied to.
    #[serde(default)]
    relation: Option<Relation>,
    /// What to check next.
    #[serde(default)]
    next_checks: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldAbove {
    field: String,
    above: f64,
}

#[derive(Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum GroupBy {
    Host,
    EsxiHost,
    Datastore,
    DevicePool,
    Cmgroup,
    Subnet,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Produce {
    kind: FindingKind,
    class: String,
    #[serde(default)]
    tags: Vec<String>,
    confidence: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Relation {
    /// Classes of the findings it may be tied to.
    to: Vec<String>,
    /// How the group must be tied to that finding.
    via: Via,
    /// The group's first event at most this long before the finding starts ...
    before_s: i64,
    /// ... or this long after.
    after_s: i64,
    /// True (default): no tie, no finding. False: an untied group is
    /// reported as a coincidence.
    #[serde(default = "yes")]
    required: bool,
    /// What an untied group becomes instead (`advisory`, `impact`, ...):
    /// overrides `required`.
    #[serde(default)]
    untied: Option<FindingKind>,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum Via {
    /// The group's host is a node of the CallManager group of the finding's devices.
    Serves,
    /// The group's host is one of the finding's hosts.
    SameHost,
    /// The group's host runs on the same ESXi host as one of the finding's hosts (or is it).
    SameEsxiHost,
    /// Same datastore.
    SameDatastore,
    /// The group's device pool is the pool of one of the finding's devices.
    SamePool,
    /// Time alone.
    Any,
}

struct AlarmRule {
    p: Params,
    kinds: Vec<Kind>,
    description: String,
    sources: Vec<String>,
}

/// Build the rule from its spec.
pub(crate) fn build(spec: &RuleSpec, _kb: &Knowledge) -> Result<Box<dyn Rule>, KnowledgeError> {
    let p: Params = spec.params_as()?;
    let mut kinds = Vec::new();
    for k in &p.kinds {
        match Kind::parse(k) {
            Some(kind) => kinds.push(kind),
            None => {
                let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
                let mut e = spec.error_at_key(
                    "kinds",
                    format!("rule `{}`: unknown event kind `{k}`", spec.id),
                );
                e.help = uctriage_knowledge::closest(k, names.iter().copied())
                    .map(|c| format!("did you mean `{c}`?"));
                return Err(e);
            }
        }
    }
    if kinds.is_empty() {
        return Err(spec.error_at_key(
            "kinds",
            format!(
                "rule `{}`: kinds must name at least one event kind",
                spec.id
            ),
        ));
    }
    Ok(Box::new(AlarmRule {
        p,
        kinds,
        description: spec.description.trim().to_string(),
        sources: spec.sources.clone(),
    }))
}

impl Rule for AlarmRule {
    fn declare(&self) -> Declaration {
        let mut produces = vec![Output::Class(
            self.p.produce.class.clone(),
            self.p.produce.kind,
        )];
        if let Some(r) = &self.p.relation {
            let untied = match r.untied {
                Some(k) => Some(k),
                None if !r.required => Some(FindingKind::Coincidental),
                None => None,
            };
            if let Some(k) = untied.filter(|k| *k != self.p.produce.kind) {
                produces.push(Output::Class(self.p.produce.class.clone(), k));
            }
        }
        produces.extend(self.p.produce.tags.iter().map(|t| Output::Tag(t.clone())));
        Declaration {
            events: self.kinds.clone(),
            consumes: self
                .p
                .relation
                .iter()
                .flat_map(|r| r.to.iter().map(|c| Input::Class(c.clone())))
                .collect(),
            produces,
        }
    }

    fn run(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        let mut groups: BTreeMap<String, (Option<String>, Vec<&Event>)> = BTreeMap::new();
        for e in cx.events.of_kinds(&self.kinds).filter(|e| e.time.is_some()) {
            if !self.matches(cx, e) {
                continue;
            }
            if let Some((label, host)) = self.group_of(cx, e) {
                groups
                    .entry(label)
                    .or_insert_with(|| (host, Vec::new()))
                    .1
                    .push(e);
            }
        }
        for (label, (host, mut evs)) in groups {
            evs.sort_by_key(|e| e.time);
            for cluster in clusters(&evs, self.p.window_s) {
                if cluster.len() < self.p.min_count {
                    continue;
                }
                self.emit(cx, out, &label, host.as_deref(), &cluster);
            }
        }
    }
}

impl AlarmRule {
    fn matches(&self, cx: &Context<'_>, e: &Event) -> bool {
        let p = &self.p;
        if !p.names.is_empty() {
            let name = name_of(e);
            let canonical = cx.kb.alarm(name).map(|a| a.name.as_str());
            let hit = p.names.iter().any(|n| {
                n.eq_ignore_ascii_case(name) || canonical.is_some_and(|c| n.eq_ignore_ascii_case(c))
            });
            if !hit {
                return false;
            }
        }
        if !p
            .fields
            .iter()
            .all(|(k, v)| e.fields.get(k).is_some_and(|x| x.eq_ignore_ascii_case(v)))
        {
            return false;
        }
        p.field_above.as_ref().is_none_or(|fa| {
            e.fields
                .get(&fa.field)
                .and_then(|v| v.trim().trim_end_matches('%').parse::<f64>().ok())
                .is_some_and(|v| v > fa.above)
        })
    }

    /// The group an event counts in: (label, the host it names if any).
    fn group_of(&self, cx: &Context<'_>, e: &Event) -> Option<(String, Option<String>)> {
        let device = e.entity_ids(EntityKind::Device).next();
        match self.p.group_by {
            GroupBy::Host => e
                .host
                .as_deref()
                .map(String::from)
                .map(|h| (format!("host {h}"), Some(h))),
            GroupBy::EsxiHost => {
                let h = e.host.as_deref().map(String::from)?;
                let esx = cx
                    .topo
                    .placement(&h)
                    .map(|p| cx.hosts.resolve(&p.esx))
                    .unwrap_or(h);
                Some((format!("ESXi host {esx}"), Some(esx)))
            }
            GroupBy::Datastore => {
                let ds = e
                    .fields
                    .get("datastore")
                    .map(str::to_string)
                    .or_else(|| cx.topo.placement(e.host.as_deref()?)?.datastore.clone())?;
                Some((
                    format!("datastore {ds}"),
                    e.host.as_deref().map(String::from),
                ))
            }
            GroupBy::DevicePool => {
                let pool = cx.topo.pool_of(device?)?;
                Some((format!("device pool {pool}"), None))
            }
            GroupBy::Cmgroup => {
                let r = cx.topo.registration(device?)?;
                Some((
                    format!("CallManager group {}", r.group),
                    r.nodes.first().cloned(),
                ))
            }
            GroupBy::Subnet => {
                let (name, net) = site_prefix(e.fields.get("IPAddress")?, cx.topo.sites())?;
                Some((
                    name.map_or(format!("subnet {net}"), |n| format!("site {n}")),
                    None,
                ))
            }
        }
    }

    fn emit(
        &self,
        cx: &Context<'_>,
        out: &mut Emit<'_>,
        label: &str,
        host: Option<&str>,
        evs: &[&Event],
    ) {
        let p = &self.p;
        let first = evs[0].time.expect("timed");
        let last = evs.last().expect("non-empty").time.expect("timed");
        let related: Vec<(&Finding, &'static str)> = match &p.relation {
            Some(r) => cx
                .findings()
                .filter(|f| r.to.iter().any(|c| f.is(c)))
                .filter(|f| {
                    f.start.is_some_and(|s| {
                        let d = secs(s, first);
                        d >= -r.after_s && d <= r.before_s
                    })
                })
                .filter_map(|f| tied(cx, r.via, host, label, f).map(|how| (f, how)))
                .collect(),
            None => Vec::new(),
        };
        let kind = match &p.relation {
            Some(r) if related.is_empty() => match (r.untied, r.required) {
                (Some(k), _) => k,
                (None, true) => return,
                (None, false) => FindingKind::Coincidental,
            },
            _ => p.produce.kind,
        };
        let names: BTreeSet<String> = evs
            .iter()
            .map(|e| name_of(e).to_string())
            .filter(|n| !n.is_empty())
            .collect();
        let relation = related.first().map(|(f, how)| {
            format!(
                "{how} {} ({})",
                f.id,
                cx.kb
                    .class(&f.class)
                    .map_or(f.class.as_str(), |c| c.label.as_str())
            )
        });
        // What the catalog says the events' own words mean (an exception
        // text naming the cause), each once, in the order first seen.
        let mut reasons: Vec<ReasonSaid> = Vec::new();
        for e in evs {
            let said = cx
                .kb
                .alarm(name_of(e))
                .and_then(|a| a.reason_in(|f| e.fields.get(f)));
            if let Some(r) = said {
                let said = ReasonSaid {
                    words: r.contains.clone(),
                    means: r.means.clone(),
                };
                if !reasons.contains(&said) {
                    reasons.push(said);
                }
            }
        }
        let data = AlarmData {
            group: label.to_string(),
            names: names.into_iter().collect(),
            reasons,
            count: evs.len(),
            first,
            last,
            meaning: self.description.clone(),
            relation,
        };
        let mut f = Finding::new(kind, &p.produce.class, Data::Alarm(data));
        for t in &p.produce.tags {
            f.tag(t);
        }
        f.start = Some(first);
        f.end = Some(last);
        f.confidence = p.produce.confidence;
        f.confirmed = evs
            .iter()
            .all(|e| cx.kb.alarm(name_of(e)).is_none_or(|a| a.confirmed));
        if let Some(h) = host {
            Finding::add(&mut f.hosts, [h.to_string()]);
        }
        for e in evs.iter().take(10) {
            f.cite(&e.evidence);
        }
        Finding::add(&mut f.next_checks, p.next_checks.iter().cloned());
        cx.cite_sources(&mut f, &self.sources);
        let id = out.push(f);
        if !related.is_empty() && kind != FindingKind::Coincidental {
            for (r, _) in &related {
                out.link(&id, &r.id);
            }
        }
    }
}

/// The alarm or alert name of an event: an RTMT alert's own name (its
/// `alarm` field is the carrier, `RTMT_ALERT`), else the alarm's.
fn name_of(e: &Event) -> &str {
    e.fields
        .get("alert")
        .or_else(|| e.fields.get("alarm"))
        .unwrap_or("")
}

/// How a group is tied to a finding, if it is: words for the relation.
fn tied(
    cx: &Context<'_>,
    via: Via,
    host: Option<&str>,
    label: &str,
    f: &Finding,
) -> Option<&'static str> {
    let placement_of = |h: &str| cx.topo.placement(h);
    match via {
        Via::Any => Some("at the time of"),
        Via::Serves => {
            let h = host?;
            f.devices
                .iter()
                .filter_map(|d| cx.topo.registration(d))
                .any(|r| r.nodes.iter().any(|n| n == h))
                .then_some("on a node that serves the devices of")
        }
        Via::SameHost => f
            .hosts
            .iter()
            .any(|x| Some(x.as_str()) == host)
            .then_some("on the host of"),
        Via::SameEsxiHost => {
            let h = host?;
            let esx_of = |x: &str| placement_of(x).map(|p| cx.hosts.resolve(&p.esx));
            let mine = esx_of(h).unwrap_or_else(|| h.to_string());
            f.hosts
                .iter()
                .any(|x| esx_of(x).is_some_and(|e| e == mine) || x == &mine)
                .then_some("on the ESXi host of")
        }
        Via::SameDatastore => {
            let ds = label.strip_prefix("datastore ")?;
            f.hosts
                .iter()
                .filter_map(|x| placement_of(x)?.datastore.clone())
                .any(|d| d == ds)
                .then_some("on the datastore of")
        }
        Via::SamePool => {
            let pool = label.strip_prefix("device pool ")?;
            f.devices
                .iter()
                .any(|d| cx.topo.pool_of(d) == Some(pool))
                .then_some("in the device pool of")
        }
    }
}

/// Events of one group split into runs that start at most `window` seconds apart.
fn clusters<'e>(evs: &[&'e Event], window: i64) -> Vec<Vec<&'e Event>> {
    let mut out: Vec<Vec<&Event>> = Vec::new();
    for e in evs {
        match out.last_mut() {
            Some(c) if secs(e.time.expect("timed"), c[0].time.expect("timed")) <= window => {
                c.push(e)
            }
            _ => out.push(vec![e]),
        }
    }
    out
}
