//! `memory_pressure`: a node or process short of memory, and what followed.
//!
//! A process's memory counter (PerfMon `Process(ccm)\VmSize`, `show perf
//! query`) growing far above where it started, memory alarms (throttling,
//! out of memory, allocation failures, low virtual memory), then Code
//! Yellow (calls throttled) and the restart of the service that follows.
//! When the impacts it names (devices unregistering from that node, Code
//! Yellow findings) come after the first sign, it is their root cause; when
//! the node's service crashed (a crash root cause), it contributed to it;
//! otherwise it is advice.

use super::common::secs;
use crate::data::{Data, MemoryData};
use crate::engine::{Context, Declaration, Emit, Input, Output, Rule};
use crate::finding::{Finding, FindingKind};
use serde::Deserialize;
use std::collections::BTreeMap;
use uctriage_core::jiff::Timestamp;
use uctriage_core::{EntityKind, Event, Evidence, Kind};
use uctriage_knowledge::{Knowledge, KnowledgeError, RuleSpec};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// Per-process counters (`Process(<name>)\<counter>`) that measure its memory.
    process_counters: Vec<String>,
    /// Growth: the peak at least this many times the first sample ...
    min_growth_ratio: f64,
    /// ... over at least this many samples.
    min_samples: usize,
    /// Alarm and alert names that say memory ran short.
    memory_alarms: Vec<String>,
    /// Alarm names of Code Yellow entry.
    code_yellow: Vec<String>,
    /// Alarm names of Code Yellow exit ...
    code_yellow_exit: Vec<String>,
    /// ... and the field that counts the calls it rejected.
    rejected_field: String,
    /// Services whose restart follows (`Cisco CallManager`) ...
    services: Vec<String>,
    /// ... and their processes (`ccm`), whose core counts as a restart.
    processes: Vec<String>,
    /// Service states that mean it went down or came back.
    restart_states: Vec<String>,
    /// Alarms that mark the restart (`CodeRedEntry`, `CallManagerOnline`).
    restart_alarms: Vec<String>,
    /// Classes of the findings it explains when they follow on that node.
    explains: Vec<String>,
    /// Classes of crash root causes it contributes to.
    crashes: Vec<String>,
    /// Findings and restarts up to this long after the first sign follow from it.
    within_s: i64,
    /// Confidence weights.
    confidence: Weights,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Weights {
    root: f64,
    contributing: f64,
    advisory: f64,
}

struct Memory {
    p: Params,
    sources: Vec<String>,
}

/// Build the rule from its spec.
pub(crate) fn build(spec: &RuleSpec, _kb: &Knowledge) -> Result<Box<dyn Rule>, KnowledgeError> {
    Ok(Box::new(Memory {
        p: spec.params_as()?,
        sources: spec.sources.clone(),
    }))
}

/// A process memory series that grew.
struct Growth {
    process: String,
    counter: String,
    from: f64,
    to: f64,
    start: Timestamp,
    peak_at: Timestamp,
    /// Position of its counter in the rule's list (first preferred).
    rank: usize,
    evidence: Vec<Evidence>,
}

impl Rule for Memory {
    fn declare(&self) -> Declaration {
        Declaration {
            events: vec![
                Kind::MetricSample,
                Kind::Alarm,
                Kind::RtmtAlert,
                Kind::ServiceState,
                Kind::ServiceCore,
            ],
            consumes: self
                .p
                .explains
                .iter()
                .chain(&self.p.crashes)
                .map(|c| Input::Class(c.clone()))
                .collect(),
            produces: vec![
                Output::Class("memory-low".into(), FindingKind::RootCause),
                Output::Class("memory-low".into(), FindingKind::Contributing),
                Output::Class("memory-low".into(), FindingKind::Advisory),
            ],
        }
    }

    fn run(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        let growth = self.growth(cx);
        let alarms = self.named(cx, &self.p.memory_alarms);
        let mut hosts: Vec<&String> = growth.keys().chain(alarms.keys()).collect();
        hosts.sort();
        hosts.dedup();
        for host in hosts {
            self.emit(
                cx,
                out,
                host,
                growth.get(host),
                alarms.get(host).map_or(&[][..], Vec::as_slice),
            );
        }
    }
}

/// An RTMT alert's own name (its `alarm` field is `RTMT_ALERT`), else the alarm's.
fn name_of(e: &Event) -> &str {
    e.fields
        .get("alert")
        .or_else(|| e.fields.get("alarm"))
        .unwrap_or("")
}

impl Memory {
    /// Timed alarm and alert events with one of `names`, per host.
    fn named<'e>(&self, cx: &Context<'e>, names: &[String]) -> BTreeMap<String, Vec<&'e Event>> {
        let mut out: BTreeMap<String, Vec<&'e Event>> = BTreeMap::new();
        for e in cx
            .events
            .of_kinds(&[Kind::Alarm, Kind::RtmtAlert])
            .filter(|e| e.time.is_some())
        {
            let name = name_of(e);
            if names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                if let Some(h) = e.host.as_deref() {
                    out.entry(cx.hosts.resolve(h)).or_default().push(e);
                }
            }
        }
        for v in out.values_mut() {
            v.sort_by_key(|e| e.time);
        }
        out
    }

    /// Per host, the process memory series that grew the most.
    fn growth(&self, cx: &Context<'_>) -> BTreeMap<String, Growth> {
        type Series = Vec<(Timestamp, f64, Evidence)>;
        let mut series: BTreeMap<(String, String), Series> = BTreeMap::new();
        for e in cx
            .events
            .of(Kind::MetricSample)
            .filter(|e| e.time.is_some())
        {
            let Some(host) = e.host.as_deref().map(|h| cx.hosts.resolve(h)) else {
                continue;
            };
            for (k, v) in e.fields.iter() {
                let Some((process, counter)) = process_counter(k) else {
                    continue;
                };
                if !self
                    .p
                    .process_counters
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(counter))
                {
                    continue;
                }
                if let Ok(x) = v.trim().parse::<f64>() {
                    series
                        .entry((host.clone(), format!("{process}\u{0}{counter}")))
                        .or_default()
                        .push((e.time.expect("timed"), x, e.evidence.clone()));
                }
            }
        }
        let mut out: BTreeMap<String, Growth> = BTreeMap::new();
        for ((host, key), mut s) in series {
            if s.len() < self.p.min_samples {
                continue;
            }
            s.sort_by_key(|x| x.0);
            let first = s[0].1;
            let (peak_i, peak) = s
                .iter()
                .enumerate()
                .map(|(i, x)| (i, x.1))
                .fold((0, f64::MIN), |a, b| if b.1 > a.1 { b } else { a });
            let third = s.len() / 3;
            let early = median(s[..third.max(1)].iter().map(|x| x.1).collect());
            let late = median(s[s.len() - third.max(1)..].iter().map(|x| x.1).collect());
            if first <= 0.0 || peak / first < self.p.min_growth_ratio || late <= early {
                continue;
            }
            let (process, counter) = key.split_once('\u{0}').expect("joined");
            let rank = self
                .p
                .process_counters
                .iter()
                .position(|c| c.eq_ignore_ascii_case(counter))
                .unwrap_or(usize::MAX);
            let g = Growth {
                process: process.to_string(),
                counter: format!("Process({process})\\{counter}"),
                from: first,
                to: peak,
                start: s[0].0,
                peak_at: s[peak_i].0,
                rank,
                evidence: vec![s[0].2.clone(), s[peak_i].2.clone()],
            };
            // The counter the rule lists first, then the steepest growth.
            let better = out
                .get(&host)
                .is_none_or(|o| (g.rank, o.to / o.from) < (o.rank, g.to / g.from));
            if better {
                out.insert(host, g);
            }
        }
        out
    }

    fn emit(
        &self,
        cx: &Context<'_>,
        out: &mut Emit<'_>,
        host: &str,
        growth: Option<&Growth>,
        alarms: &[&Event],
    ) {
        let first_alarm = alarms.first().and_then(|e| e.time);
        let yellow = self.named(cx, &self.p.code_yellow);
        let yellow: Vec<&Event> = yellow.get(host).cloned().unwrap_or_default();
        // The first sign: the first alarm, or the growth's start.
        let Some(first_sign) = first_alarm.or(growth.map(|g| g.start)) else {
            return;
        };
        let within = |t: Timestamp| t >= first_sign && secs(t, first_sign) <= self.p.within_s;
        let code_yellow = yellow.iter().filter_map(|e| e.time).find(|t| within(*t));
        let exits = self.named(cx, &self.p.code_yellow_exit);
        let calls_rejected: Option<u64> = exits.get(host).map(|v| {
            v.iter()
                .filter(|e| e.time.is_some_and(within))
                .filter_map(|e| {
                    e.fields
                        .get(&self.p.rejected_field)?
                        .trim()
                        .parse::<u64>()
                        .ok()
                })
                .sum()
        });
        let restart = self.restart(cx, host, code_yellow.unwrap_or(first_sign));
        let explained: Vec<&Finding> = cx
            .findings()
            .filter(|f| self.p.explains.iter().any(|c| f.is(c)))
            .filter(|f| f.hosts.iter().any(|h| h == host))
            .filter(|f| f.start.is_some_and(within))
            .collect();
        let crashed: Vec<&Finding> = cx
            .findings()
            .filter(|f| self.p.crashes.iter().any(|c| f.is(c)))
            .filter(|f| matches!(&f.data, Data::Crash(d) if d.host == host))
            .filter(|f| f.start.is_some_and(|s| within(s) || s >= first_sign))
            .collect();
        let (kind, confidence, links): (FindingKind, f64, Vec<&Finding>) = if !crashed.is_empty() {
            (
                FindingKind::Contributing,
                self.p.confidence.contributing,
                crashed,
            )
        } else if !explained.is_empty() {
            (FindingKind::RootCause, self.p.confidence.root, explained)
        } else {
            (
                FindingKind::Advisory,
                self.p.confidence.advisory,
                Vec::new(),
            )
        };
        let mut names: BTreeMap<String, Timestamp> = BTreeMap::new();
        for e in alarms {
            names
                .entry(name_of(e).to_string())
                .or_insert(e.time.expect("timed"));
        }
        let data = MemoryData {
            host: host.to_string(),
            process: growth.map(|g| g.process.clone()),
            counter: growth.map(|g| g.counter.clone()),
            grew_from: growth.map(|g| g.from),
            grew_to: growth.map(|g| g.to),
            growth_start: growth.map(|g| g.start),
            peak_at: growth.map(|g| g.peak_at),
            alarms: names.into_iter().collect(),
            code_yellow,
            calls_rejected: calls_rejected.filter(|n| *n > 0),
            restarted_at: restart.as_ref().map(|r| r.0),
            restarted: restart.as_ref().map(|r| r.1.clone()),
            restart_marker: restart.as_ref().map(|r| r.3.clone()),
        };
        let mut f = Finding::new(kind, "memory-low", Data::Memory(data));
        f.start = Some(first_sign);
        f.end = restart.as_ref().map(|r| r.0).or(code_yellow);
        f.confidence = confidence;
        Finding::add(&mut f.hosts, [host.to_string()]);
        if let Some(g) = growth {
            Finding::add(&mut f.services, [g.process.clone()]);
            for ev in &g.evidence {
                f.cite(ev);
            }
        }
        for e in alarms.iter().take(6) {
            f.cite(&e.evidence);
        }
        if let Some(e) = yellow.iter().find(|e| e.time == code_yellow) {
            f.cite(&e.evidence);
        }
        if let Some((_, _, ev, _)) = &restart {
            f.cite(ev);
        }
        cx.cite_sources(&mut f, &self.sources);
        let id = out.push(f);
        for l in links {
            out.link(&id, &l.id);
        }
    }

    /// The first restart (state change or core) of the rule's services on
    /// `host` after `after`, within the window.
    fn restart(
        &self,
        cx: &Context<'_>,
        host: &str,
        after: Timestamp,
    ) -> Option<(Timestamp, String, Evidence, String)> {
        let here = |e: &Event| {
            e.host
                .as_deref()
                .is_some_and(|h| cx.hosts.resolve(h) == host)
        };
        let ok = |t: Timestamp| t >= after && secs(t, after) <= self.p.within_s;
        let state =
            cx.events
                .of(Kind::ServiceState)
                .filter(|e| here(e))
                .find_map(|e| {
                    let t = e.time.filter(|t| ok(*t))?;
                    let svc =
                        e.fields.get("service").map(str::to_string).or_else(|| {
                            e.entity_ids(EntityKind::Service).next().map(str::to_string)
                        })?;
                    let restarts = self.p.services.iter().any(|s| s.eq_ignore_ascii_case(&svc))
                        && e.fields.get("state").is_some_and(|s| {
                            self.p
                                .restart_states
                                .iter()
                                .any(|x| x.eq_ignore_ascii_case(s))
                        });
                    let marker = e.fields.get("alarm").unwrap_or("service state").to_string();
                    restarts.then(|| (t, svc, e.evidence.clone(), marker))
                });
        let core = cx
            .events
            .of(Kind::ServiceCore)
            .filter(|e| here(e))
            .find_map(|e| {
                let t = e.time.filter(|t| ok(*t))?;
                let p = e.fields.get("process")?;
                self.p
                    .processes
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(p))
                    .then(|| (t, p.to_string(), e.evidence.clone(), "a core".to_string()))
            });
        let alarm = cx.events.of(Kind::Alarm).filter(|e| here(e)).find_map(|e| {
            let t = e.time.filter(|t| ok(*t))?;
            let name = name_of(e);
            self.p
                .restart_alarms
                .iter()
                .any(|a| a.eq_ignore_ascii_case(name))
                .then(|| {
                    (
                        t,
                        self.p.services.first().cloned().unwrap_or_default(),
                        e.evidence.clone(),
                        name.to_string(),
                    )
                })
        });
        [state, core, alarm]
            .into_iter()
            .flatten()
            .min_by_key(|r| r.0)
    }
}

/// `Process(ccm)\VmSize` → (`ccm`, `VmSize`), with or without a `\\host\` prefix.
fn process_counter(key: &str) -> Option<(&str, &str)> {
    let i = key.find("Process(")?;
    let rest = &key[i + "Process(".len()..];
    let (process, counter) = rest.split_once(")\\")?;
    Some((process, counter))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::{median, process_counter};

    #[test]
    fn process_counters_are_read_with_or_without_a_host() {
        assert_eq!(
            process_counter("Process(ccm)\\VmSize"),
            Some(("ccm", "VmSize"))
        );
        assert_eq!(
            process_counter("\\\\cm1\\Process(CTIManager)\\VmRSS"),
            Some(("CTIManager", "VmRSS"))
        );
        assert_eq!(process_counter("Memory\\% VM Used"), None);
    }

    #[test]
    fn the_median_of_an_odd_and_an_even_run() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0]), 4.0);
        assert_eq!(median(Vec::new()), 0.0);
    }
}
