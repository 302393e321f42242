//! `impact`: who lost service, from when to when, seen where.
//!
//! Two ways a loss shows up:
//! - an application (a UCCE PG's JTAPI gateway, a recorder) reports devices,
//!   addresses or its own provider out of service: a `service-loss`;
//! - CUCM reports devices unregistering for a reason that means a lost
//!   connection, in a burst well above the background churn of that node,
//!   device pool or subnet: a `registration-loss`. Routine, administrative and
//!   recovery reasons (a user resetting a phone, Extension Mobility, a phone
//!   falling back to its primary) are never a loss.
//!
//! Losses closer together than `gap_s` are one impact; it ends when every
//! lost device, address and service is back (registered anywhere: on its
//! backup node that is a failover, which the impact says).

use super::common::{device_types, PrintedTypes};
use crate::data::{Baseline, Code, Data, ImpactData, LossVia, NodeCount};
use crate::engine::{Context, Declaration, Emit, Output, Rule};
use crate::events::Record;
use crate::finding::{Finding, FindingKind};
use crate::net::site_prefix;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use uctriage_core::jiff::{SignedDuration, Timestamp};
use uctriage_core::{EntityKind, Event, Kind, KindSet};
use uctriage_knowledge::{Knowledge, KnowledgeError, RuleSpec};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// Losses closer together than this form one impact.
    gap_s: i64,
    /// A device that comes back later than this after the first loss did not come back.
    return_within_s: i64,
    /// The service state that means an application lost its service.
    service_lost_state: String,
    /// The service state that means it is back.
    service_back_state: String,
    /// Unregistration reason groups (code table groups) that are not a loss.
    ignore_reason_groups: Vec<String>,
    /// At least this many devices make an unregistration burst.
    min_unregistered_burst: usize,
    /// Unregistrations are counted in windows of this length ...
    burst_window_s: i64,
    /// ... and a window is a burst when it holds more than `burst_factor` × the
    /// usual count of its node, pool or subnet ...
    burst_factor: f64,
    /// ... and more than the usual count plus `burst_mad_k` median absolute deviations.
    burst_mad_k: f64,
    /// CTI port name prefixes a site uses for UCCE Mobile Agent ports (a
    /// naming convention, used only when no export gives the device type).
    mobile_agent_prefixes: Vec<String>,
    /// Confidence of an impact.
    confidence: f64,
}

struct Impact {
    p: Params,
    sources: Vec<String>,
}

/// Build the rule from its spec.
pub(crate) fn build(spec: &RuleSpec, _kb: &Knowledge) -> Result<Box<dyn Rule>, KnowledgeError> {
    Ok(Box::new(Impact {
        p: spec.params_as()?,
        sources: spec.sources.clone(),
    }))
}

const LOSS_KINDS: [Kind; 4] = [
    Kind::DeviceOutOfService,
    Kind::AddressOutOfService,
    Kind::DeviceUnregistered,
    Kind::ServiceState,
];

impl Rule for Impact {
    fn streams(&self) -> KindSet {
        KindSet::of(&[Kind::DeviceUnregistered, Kind::DeviceRegistered])
    }

    fn declare(&self) -> Declaration {
        Declaration {
            events: vec![
                Kind::DeviceOutOfService,
                Kind::AddressOutOfService,
                Kind::DeviceUnregistered,
                Kind::ServiceState,
                Kind::DeviceInService,
                Kind::AddressInService,
                Kind::DeviceRegistered,
                Kind::Config,
            ],
            consumes: Vec::new(),
            produces: vec![
                Output::Class("service-loss".into(), FindingKind::Impact),
                Output::Class("registration-loss".into(), FindingKind::Impact),
                Output::Tag("failover".into()),
                Output::Tag("mobile-agent-ports-lost".into()),
            ],
        }
    }

    fn run(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        let p = &self.p;
        let mut app: Vec<&Event> = Vec::new();
        for kind in LOSS_KINDS
            .into_iter()
            .filter(|k| *k != Kind::DeviceUnregistered)
        {
            for e in cx.events.of(kind).filter(|e| e.time.is_some()) {
                match kind {
                    Kind::ServiceState if !is_state(e, &p.service_lost_state) => {}
                    _ => app.push(e),
                }
            }
        }
        let bursts = bursts(cx, p, &Unregistrations { rule: self, cx });
        let mut losses: Vec<(&Event, Option<usize>)> = app.into_iter().map(|e| (e, None)).collect();
        for (i, b) in bursts.iter().enumerate() {
            losses.extend(b.events.iter().map(|e| (e, Some(i))));
        }
        losses.sort_by_key(|(e, _)| (e.time, e.evidence.file.clone(), e.evidence.line));
        losses.dedup_by(|a, b| std::ptr::eq(a.0, b.0));
        for episode in split(&losses, p.gap_s) {
            let events: Vec<&Event> = episode.iter().map(|(e, _)| *e).collect();
            let app_level = events.iter().any(|e| e.kind != Kind::DeviceUnregistered);
            let devices = ids(&events, EntityKind::Device);
            if !app_level && devices.len() < p.min_unregistered_burst {
                continue;
            }
            let baseline = episode
                .iter()
                .filter_map(|(_, b)| b.map(|i| &bursts[i].baseline))
                .max_by(|a, b| a.threshold.total_cmp(&b.threshold))
                .cloned();
            // The printed types read every registration: only once an
            // episode needs them (and once for every rule).
            let f = self.build(cx, &events, app_level, baseline, cx.printed_types());
            out.push(f);
        }
    }
}

/// The timed unregistrations whose reason is a loss, read (from memory or
/// disk) as often as the burst search needs, a window at a time.
struct Unregistrations<'r> {
    rule: &'r Impact,
    cx: &'r Context<'r>,
}

impl Unregistrations<'_> {
    /// Fold each one into an `A`, in no set order ([`Events::fold_records`]).
    ///
    /// [`Events::fold_records`]: crate::events::Events::fold_records
    fn fold<A: Send>(
        &self,
        init: impl Fn() -> A + Sync + Send,
        f: impl Fn(&mut A, &dyn Record) + Sync + Send,
        merge: impl Fn(A, A) -> A + Sync + Send,
    ) -> A {
        let kinds = KindSet::of(&[Kind::DeviceUnregistered]);
        let (acc, _) = self.cx.events.fold_records(
            kinds,
            || (init(), LastReason::default()),
            |(acc, last), e| {
                if e.time().is_some() && !last.ignored(self, e) {
                    f(acc, e);
                }
            },
            |(a, last), (b, _)| (merge(a, b), last),
        );
        acc
    }

    /// Call `f` with each one from `from` to `to` (None: no bound), in order.
    fn each(&self, from: Option<Timestamp>, to: Option<Timestamp>, mut f: impl FnMut(&dyn Record)) {
        let mut last = LastReason::default();
        let kinds = KindSet::of(&[Kind::DeviceUnregistered]);
        self.cx.events.each_record(kinds, from, to, |e| {
            if e.time().is_some() && !last.ignored(self, e) {
                f(e);
            }
        });
    }
}

/// Consecutive unregistrations mostly repeat the alarm and reason of the
/// one before: the answer for the last pair is kept.
#[derive(Default)]
struct LastReason(Option<(Option<String>, Option<String>, bool)>);

impl LastReason {
    /// Whether `e`'s reason is an ignored one.
    fn ignored(&mut self, unreg: &Unregistrations<'_>, e: &dyn Record) -> bool {
        let (alarm, code) = (e.field("alarm"), e.field("Reason"));
        match &self.0 {
            Some((a, c, ignored)) if a.as_deref() == alarm && c.as_deref() == code => *ignored,
            _ => {
                let ignored = unreg.rule.ignored_reason(unreg.cx, e);
                self.0 = Some((alarm.map(String::from), code.map(String::from), ignored));
                ignored
            }
        }
    }
}

/// Unregistrations per group and window, counted without order: groups
/// numbered as first seen (no group's name is made twice).
#[derive(Default)]
struct Tally {
    index: HashMap<String, usize>,
    per: Vec<HashMap<i64, usize>>,
}

impl Tally {
    fn add(&mut self, group: &str, b: i64, n: usize) {
        let i = match self.index.get(group) {
            Some(&i) => i,
            None => {
                self.index.insert(group.to_string(), self.per.len());
                self.per.push(HashMap::new());
                self.per.len() - 1
            }
        };
        *self.per[i].entry(b).or_default() += n;
    }

    fn merge(mut self, other: Tally) -> Tally {
        for (g, i) in &other.index {
            for (b, n) in &other.per[*i] {
                self.add(g, *b, *n);
            }
        }
        self
    }

    fn into_counts(self) -> BTreeMap<String, BTreeMap<i64, usize>> {
        let mut per = self.per;
        self.index
            .into_iter()
            .map(|(g, i)| (g, std::mem::take(&mut per[i]).into_iter().collect()))
            .collect()
    }
}

impl Impact {
    /// An unregistration whose decoded reason is in an ignored group.
    fn ignored_reason(&self, cx: &Context<'_>, e: &dyn Record) -> bool {
        let Some(code) = e.field("Reason") else {
            return false;
        };
        let alarm = e.field("alarm");
        self.p.ignore_reason_groups.iter().any(|g| {
            cx.kb
                .code_in_group(alarm, e.kind().as_str(), "Reason", code, g)
        })
    }

    fn build(
        &self,
        cx: &Context<'_>,
        events: &[&Event],
        app_level: bool,
        baseline: Option<Baseline>,
        printed: &PrintedTypes,
    ) -> Finding {
        let p = &self.p;
        let devices = ids(events, EntityKind::Device);
        let addresses = ids(events, EntityKind::Address);
        let lost_services: Vec<&Event> = events
            .iter()
            .copied()
            .filter(|e| e.kind == Kind::ServiceState)
            .collect();
        let services = ids(&lost_services, EntityKind::Service);
        let service_hosts: BTreeSet<&str> = lost_services
            .iter()
            .filter_map(|e| e.host.as_deref())
            .collect();
        let start = events[0].time.expect("timed");
        let from_nodes: BTreeMap<&str, &str> = events
            .iter()
            .filter(|e| e.kind == Kind::DeviceUnregistered)
            .filter_map(|e| {
                let d = e.entity_ids(EntityKind::Device).next()?;
                Some((d, e.host.as_deref()?))
            })
            .collect();
        let lost = Lost {
            devices: &devices,
            addresses: &addresses,
            services: &services,
            service_hosts: &service_hosts,
        };
        let back = returns(cx, p, &lost, start);
        let total = devices.len() + addresses.len() + services.len();
        let back_at = (!back.is_empty() && back.len() == total)
            .then(|| back.values().map(|r| r.at).max())
            .flatten();
        let mut failed_over: BTreeMap<String, usize> = BTreeMap::new();
        for (id, r) in &back {
            if let (Some(node), Some(from)) = (&r.host, from_nodes.get(id.as_str())) {
                if node != from {
                    *failed_over.entry(node.clone()).or_default() += 1;
                }
            }
        }
        let mut causes: BTreeSet<String> = BTreeSet::new();
        for e in events {
            if let Some(c) = e.fields.get("cause").or_else(|| e.fields.get("Reason")) {
                causes.insert(c.to_string());
            }
        }
        let seen: BTreeSet<String> = events
            .iter()
            .filter_map(|e| e.host.as_deref().map(String::from))
            .collect();
        let class = if app_level {
            "service-loss"
        } else {
            "registration-loss"
        };
        let types = device_types(cx.kb, &devices, printed);
        let data = ImpactData {
            via: if app_level {
                LossVia::Application
            } else {
                LossVia::Registration
            },
            devices: devices.iter().cloned().collect(),
            addresses: addresses.iter().cloned().collect(),
            services: services.iter().cloned().collect(),
            providers: events
                .iter()
                .filter_map(|e| e.fields.get("provider"))
                .map(str::to_string)
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            device_types: types,
            seen_by: seen.iter().cloned().collect(),
            causes: causes.into_iter().collect(),
            codes: decoded_codes(cx, events),
            from_nodes: from_nodes
                .values()
                .map(|h| h.to_string())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect(),
            failed_over_to: failed_over
                .into_iter()
                .map(|(node, count)| NodeCount { node, count })
                .collect(),
            back: back.len(),
            total,
            back_at,
            baseline,
        };
        let mut f = Finding::new(FindingKind::Impact, class, Data::Impact(data));
        f.start = Some(start);
        f.end = back_at;
        Finding::add(&mut f.devices, devices.iter().cloned());
        Finding::add(&mut f.devices, addresses.iter().cloned());
        Finding::add(&mut f.services, services.iter().cloned());
        Finding::add(&mut f.hosts, seen);
        f.confidence = p.confidence;
        if let Data::Impact(d) = &f.data {
            if !d.failed_over_to.is_empty() {
                f.tag("failover");
            }
        }
        if mobile_agent_ports(p, events, &devices, printed) {
            f.tag("mobile-agent-ports-lost");
        }
        for e in events {
            f.cite(&e.evidence);
        }
        for r in back.values() {
            f.cite(&r.evidence);
        }
        cx.cite_sources(&mut f, &self.sources);
        f
    }
}

/// An unregistration burst and the background it stands out from.
struct Burst {
    events: Vec<Event>,
    baseline: Baseline,
}

/// The unregistrations that belong to bursts: windows of `burst_window_s`
/// holding far more than usual for their node, device pool or subnet, plus
/// the unregistrations of the same node within `gap_s` of them.
///
/// Read in three passes, only the first over every unregistration (a
/// day of a large cluster is millions, possibly on disk): the counts per
/// window; the hot ones, in the windows above a threshold; the burst's
/// members, within `gap_s` of a hot one. Only the members are kept.
fn bursts(cx: &Context<'_>, p: &Params, unreg: &Unregistrations<'_>) -> Vec<Burst> {
    let (Some(first), Some(last)) = (cx.events.first_time(), cx.events.last_time()) else {
        return Vec::new();
    };
    let window = p.burst_window_s.max(1);
    let n_windows = (last.as_second() - first.as_second()) / window + 1;
    let bucket = |t: Timestamp| (t.as_second() - first.as_second()) / window;
    // Each group `e` counts in, spelled into `name` and given to `f`.
    let each_group = |e: &dyn Record, name: &mut String, f: &mut dyn FnMut(&str)| {
        use std::fmt::Write;
        if let Some(h) = e.host() {
            name.clear();
            let _ = write!(name, "node {h}");
            f(name);
        }
        if let Some(d) = e.entity(EntityKind::Device) {
            if let Some(pool) = cx.topo.pool_of(d) {
                name.clear();
                let _ = write!(name, "device pool {pool}");
                f(name);
            }
        }
        if let Some(ip) = e.field("IPAddress") {
            if let Some((site, net)) = site_prefix(ip, cx.topo.sites()) {
                name.clear();
                let _ = match site {
                    Some(n) => write!(name, "site {n} ({net})"),
                    None => write!(name, "subnet {net}"),
                };
                f(name);
            }
        }
    };
    let groups_of = |e: &dyn Record| -> Vec<String> {
        let mut g = Vec::new();
        each_group(e, &mut String::new(), &mut |name| g.push(name.to_string()));
        g
    };
    // group → window → count: every unregistration read once, in no order.
    // (`String`: where each group's name is spelled before it is looked up.)
    let (counts, _) = unreg.fold(
        <(Tally, String)>::default,
        |(t, name), e| {
            let b = bucket(e.time().expect("timed"));
            each_group(e, name, &mut |g| t.add(g, b, 1));
        },
        |(a, name), (b, _)| (a.merge(b), name),
    );
    let counts = counts.into_counts();
    let stats: BTreeMap<&str, Counts> = counts
        .iter()
        .map(|(g, per)| (g.as_str(), Counts::new(per.values().copied(), n_windows)))
        .collect();
    // The background a window is judged against leaves that window out, so a
    // bundle that holds little more than the burst still sees a quiet background.
    let baseline = |g: &str, c: usize| -> Baseline {
        let st = &stats[g];
        let usual = st.median_without(c);
        let threshold = (p.min_unregistered_burst as f64 - 0.5)
            .max(usual * p.burst_factor)
            .max(usual + p.burst_mad_k * st.mad);
        Baseline {
            scope: g.to_string(),
            usual,
            threshold,
            window_s: window,
        }
    };
    // The baseline that makes an unregistration hot, if one does.
    let hot = |e: &dyn Record| -> Option<Baseline> {
        let b = bucket(e.time().expect("timed"));
        groups_of(e)
            .into_iter()
            .filter_map(|g| {
                let c = counts.get(&g)?.get(&b).copied().unwrap_or(0);
                let base = baseline(&g, c);
                (c as f64 > base.threshold).then_some(base)
            })
            .max_by(|a, b| a.threshold.total_cmp(&b.threshold))
    };
    // The windows some group is hot in, as spans of time (a second wider
    // each side: the pass checks each event's window itself).
    let mut hot_windows: BTreeSet<i64> = BTreeSet::new();
    for (g, per) in &counts {
        for (b, c) in per {
            if *c as f64 > baseline(g, *c).threshold {
                hot_windows.insert(*b);
            }
        }
    }
    let second = SignedDuration::from_secs(1);
    let at = |s: i64| Timestamp::from_second(s).unwrap_or(Timestamp::MAX);
    let spans = merged(hot_windows.iter().map(|b| {
        let from = first.as_second() + b * window;
        (earlier(at(from), second), later(at(from + window), second))
    }));
    // The hot unregistrations' times, per node.
    let mut hot_times: BTreeMap<String, Vec<Timestamp>> = BTreeMap::new();
    for (from, to) in &spans {
        unreg.each(Some(*from), Some(*to), |e| {
            if hot(e).is_some() {
                hot_times
                    .entry(e.host().unwrap_or("").to_string())
                    .or_default()
                    .push(e.time().expect("timed"));
            }
        });
    }
    if hot_times.is_empty() {
        return Vec::new();
    }
    // An unregistration of a node within gap_s of one of its hot ones joins,
    // when its own window is above the usual count (background churn does not).
    let gap = SignedDuration::from_secs(p.gap_s);
    let above_usual = |e: &dyn Record| {
        let b = bucket(e.time().expect("timed"));
        groups_of(e).into_iter().any(|g| {
            let c = counts.get(&g).and_then(|m| m.get(&b)).copied().unwrap_or(0);
            c as f64 > stats[g.as_str()].median_without(c)
        })
    };
    let near_hot = |e: &dyn Record| {
        let t = e.time().expect("timed");
        hot_times.get(e.host().unwrap_or("")).is_some_and(|times| {
            let at = times.partition_point(|x| *x < t - gap);
            times.get(at).is_some_and(|x| *x <= t + gap)
        })
    };
    let around_hot = merged(
        hot_times
            .values()
            .flatten()
            .map(|t| (earlier(*t, gap), later(*t, gap))),
    );
    // One burst per run of kept events closer than gap_s.
    let mut out: Vec<Burst> = Vec::new();
    let mut last_t: Option<Timestamp> = None;
    for (from, to) in &around_hot {
        unreg.each(Some(*from), Some(*to), |e| {
            let base = hot(e);
            if base.is_none() && !(above_usual(e) && near_hot(e)) {
                return;
            }
            // A record on disk that does not decode is a failed read (recorded).
            let Some(event) = e.event() else {
                return;
            };
            let t = e.time().expect("timed");
            let new = last_t.is_none_or(|l| t.duration_since(l) > gap);
            if new {
                out.push(Burst {
                    events: Vec::new(),
                    baseline: base.clone().unwrap_or(Baseline {
                        scope: String::new(),
                        usual: 0.0,
                        threshold: 0.0,
                        window_s: window,
                    }),
                });
            }
            let b = out.last_mut().expect("pushed");
            b.events.push(event);
            if let Some(base) = base {
                if base.threshold > b.baseline.threshold {
                    b.baseline = base;
                }
            }
            last_t = Some(t);
        });
    }
    out
}

/// `d` before `t`, or the earliest instant.
fn earlier(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.checked_sub(d).unwrap_or(Timestamp::MIN)
}

/// `d` after `t`, or the latest instant.
fn later(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.checked_add(d).unwrap_or(Timestamp::MAX)
}

/// Time spans, sorted and merged where they touch or overlap.
fn merged(spans: impl Iterator<Item = (Timestamp, Timestamp)>) -> Vec<(Timestamp, Timestamp)> {
    let mut spans: Vec<(Timestamp, Timestamp)> = spans.collect();
    spans.sort();
    let mut out: Vec<(Timestamp, Timestamp)> = Vec::new();
    for (from, to) in spans {
        match out.last_mut() {
            Some(last) if from <= last.1 => last.1 = last.1.max(to),
            _ => out.push((from, to)),
        }
    }
    out
}

/// Per-window counts of one group, sorted, where every window without an
/// entry counted zero; with their median absolute deviation.
struct Counts {
    zeros: usize,
    nonzero: Vec<usize>,
    mad: f64,
}

impl Counts {
    fn new(nonzero: impl Iterator<Item = usize>, windows: i64) -> Counts {
        let mut nonzero: Vec<usize> = nonzero.collect();
        nonzero.sort_unstable();
        let zeros = (windows.max(nonzero.len() as i64) - nonzero.len() as i64) as usize;
        let mut c = Counts {
            zeros,
            nonzero,
            mad: 0.0,
        };
        let n = c.len();
        let median = c.at(n / 2) as f64;
        let mut dev: Vec<f64> = std::iter::repeat_n(median, zeros)
            .chain(c.nonzero.iter().map(|x| (*x as f64 - median).abs()))
            .collect();
        dev.sort_by(f64::total_cmp);
        c.mad = dev[dev.len() / 2];
        c
    }

    fn len(&self) -> usize {
        self.zeros + self.nonzero.len()
    }

    /// The i-th smallest count.
    fn at(&self, i: usize) -> usize {
        if i < self.zeros {
            0
        } else {
            self.nonzero[i - self.zeros]
        }
    }

    /// The median of the counts with one window of count `c` left out
    /// (zero when no other window exists).
    fn median_without(&self, c: usize) -> f64 {
        let n = self.len();
        if n <= 1 {
            return 0.0;
        }
        let removed = if c == 0 {
            0
        } else {
            self.zeros + self.nonzero.partition_point(|x| *x < c)
        };
        let k = (n - 1) / 2;
        (if k < removed {
            self.at(k)
        } else {
            self.at(k + 1)
        }) as f64
    }
}

/// Whether a service-state event is in `state` (an application's service,
/// such as its JTAPI provider, going out of service is a loss; a service
/// merely restarting on a node is not, so only the state named counts).
fn is_state(e: &Event, state: &str) -> bool {
    e.fields
        .get("state")
        .is_some_and(|v| v.eq_ignore_ascii_case(state))
}

/// Split loss events into episodes separated by more than `gap` seconds.
fn split<'e, T: Copy>(losses: &[(&'e Event, T)], gap: i64) -> Vec<Vec<(&'e Event, T)>> {
    let mut out: Vec<Vec<(&Event, T)>> = Vec::new();
    for &(e, x) in losses {
        let t = e.time.expect("timed");
        match out.last_mut() {
            Some(ep)
                if t.duration_since(ep.last().unwrap().0.time.expect("timed"))
                    .as_secs()
                    <= gap =>
            {
                ep.push((e, x))
            }
            _ => out.push(vec![(e, x)]),
        }
    }
    out
}

fn ids(events: &[&Event], kind: EntityKind) -> BTreeSet<String> {
    events
        .iter()
        .flat_map(|e| e.entity_ids(kind).map(str::to_string))
        .collect()
}

/// When a lost thing came back, where, and the line that says so.
struct Return {
    at: Timestamp,
    host: Option<String>,
    evidence: uctriage_core::Evidence,
}

/// What an impact lost: the ids of its devices, addresses and services, and
/// the hosts its services were lost on.
struct Lost<'a> {
    devices: &'a BTreeSet<String>,
    addresses: &'a BTreeSet<String>,
    services: &'a BTreeSet<String>,
    service_hosts: &'a BTreeSet<&'a str>,
}

impl Lost<'_> {
    /// A service back on `host` is one of ours: a service runs (or a JTAPI
    /// client holds its provider) on one host, so the same service coming
    /// up on another node (a standby taking over) is not this one's return.
    /// Unknown hosts on either side are not told apart.
    fn service_host_matches(&self, host: Option<&str>) -> bool {
        match host {
            Some(h) => self.service_hosts.is_empty() || self.service_hosts.contains(h),
            None => true,
        }
    }
}

/// When each lost device / address / service came back, if it did within the window.
fn returns(
    cx: &Context<'_>,
    p: &Params,
    lost: &Lost<'_>,
    start: Timestamp,
) -> BTreeMap<String, Return> {
    let Lost {
        devices,
        addresses,
        services,
        ..
    } = *lost;
    let until = start + SignedDuration::from_secs(p.return_within_s);
    let after = start + SignedDuration::from_nanos(1);
    // The earliest return of each: by instant, then in the order of the
    // kinds below (read one kind at a time, each in time order).
    let mut back: BTreeMap<String, (Timestamp, usize, Return)> = BTreeMap::new();
    // Once every lost id is back, no event after the latest of their
    // returns can be an earlier one: reading stops there (a day of
    // registrations after a short outage is not read to the window's end).
    let all: BTreeSet<&str> = devices
        .iter()
        .chain(addresses)
        .chain(services)
        .map(String::as_str)
        .collect();
    // The instants of the returns found, counted: the latest is the bound.
    let mut times: BTreeMap<Timestamp, usize> = BTreeMap::new();
    let latest = |back: &BTreeMap<_, _>, times: &BTreeMap<Timestamp, usize>| {
        (back.len() == all.len())
            .then(|| times.last_key_value().map(|(t, _)| *t))
            .flatten()
    };
    let kinds = [
        Kind::DeviceInService,
        Kind::DeviceRegistered,
        Kind::AddressInService,
        Kind::ServiceState,
    ];
    for (rank, kind) in kinds.into_iter().enumerate() {
        let until = latest(&back, &times).map_or(until, |l| l.min(until));
        cx.events.any(kind, Some(after), Some(until), |e| {
            if latest(&back, &times).is_some_and(|l| e.time().is_some_and(|t| t > l)) {
                return true;
            }
            let (kind, set) = match e.kind() {
                Kind::DeviceInService | Kind::DeviceRegistered => (EntityKind::Device, devices),
                Kind::AddressInService => (EntityKind::Address, addresses),
                Kind::ServiceState
                    if e.field("state")
                        .is_some_and(|v| v.eq_ignore_ascii_case(&p.service_back_state))
                        && lost.service_host_matches(e.host()) =>
                {
                    (EntityKind::Service, services)
                }
                _ => return false,
            };
            let at = e.time().expect("windowed");
            let mut evidence = None;
            e.find_entity(kind, &mut |id| {
                let earlier =
                    set.contains(id) && back.get(id).is_none_or(|(t, r, _)| (at, rank) < (*t, *r));
                if earlier {
                    // The line, decoded once for the event's ids.
                    let evidence = evidence.get_or_insert_with(|| e.event().map(|e| e.evidence));
                    if let Some(evidence) = evidence {
                        let r = Return {
                            at,
                            host: (e.kind() == Kind::DeviceRegistered)
                                .then(|| e.host().map(String::from))
                                .flatten(),
                            evidence: evidence.clone(),
                        };
                        if let Some((before, _, _)) = back.insert(id.to_string(), (at, rank, r)) {
                            if let Some(n) = times.get_mut(&before) {
                                *n -= 1;
                                if *n == 0 {
                                    times.remove(&before);
                                }
                            }
                        }
                        *times.entry(at).or_default() += 1;
                    }
                }
                false
            });
            false
        });
    }
    back.into_iter().map(|(id, (_, _, r))| (id, r)).collect()
}

/// Cause and reason codes decoded through the knowledge base's code tables.
fn decoded_codes(cx: &Context<'_>, events: &[&Event]) -> Vec<Code> {
    let mut said: BTreeMap<(String, String), Code> = BTreeMap::new();
    for e in events {
        let alarm = e.fields.get("alarm");
        for field in ["cause_code", "cause", "Reason"] {
            if let Some(code) = e.fields.get(field) {
                if let Some(d) = cx.kb.decode_full(alarm, e.kind.as_str(), field, code) {
                    let c = said
                        .entry((code.to_string(), d.name.to_string()))
                        .or_insert(Code {
                            code: code.to_string(),
                            name: d.name.to_string(),
                            confirmed: d.confirmed,
                            count: 0,
                        });
                    c.count += 1;
                }
            }
        }
    }
    said.into_values().collect()
}

/// The lost devices include UCCE Mobile Agent CTI ports: CTI ports (by an
/// export's device type) that a PG's JTAPI gateway reported, or devices named
/// with the site's Mobile Agent prefixes.
fn mobile_agent_ports(
    p: &Params,
    events: &[&Event],
    devices: &BTreeSet<String>,
    printed: &PrintedTypes,
) -> bool {
    let by_prefix = devices.iter().any(|d| {
        p.mobile_agent_prefixes.iter().any(|pre| {
            d.to_ascii_uppercase()
                .starts_with(&pre.to_ascii_uppercase())
        })
    });
    by_prefix
        || events
            .iter()
            .filter(|e| e.format == "ucce-dumplog")
            .flat_map(|e| e.entity_ids(EntityKind::Device))
            .any(|d| printed.is_cti_port(d))
}
