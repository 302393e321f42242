//! Running the cases written beside each rule: the case's events (already
//! normalized) go through the rule and the rules it depends on, and the
//! findings must include what the case expects and nothing it forbids.

use crate::engine::{produces, Engine, EngineInput, Input};
use crate::events::OnDisk;
use crate::finding::{Finding, FindingKind};
use crate::topology::{Topology, TopologyFile};
use std::collections::BTreeSet;
use std::sync::Arc;
use uctriage_core::jiff::tz::TimeZone;
use uctriage_core::jiff::{SignedDuration, Timestamp};
use uctriage_core::{Clock, Entity, EntityKind, Event, Evidence, Fields, Kind, Severity};
use uctriage_knowledge::{Case, CaseEvent, Expect, Knowledge, KnowledgeError, RuleSpec};
use uctriage_normalize::HostBook;
use uctriage_spill::{RunKey, RunWriter};

/// The outcome of one case.
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// The rule's id.
    pub rule: String,
    /// The case's name.
    pub case: String,
    /// The rule file.
    pub file: String,
    /// What did not hold (empty: the case passed).
    pub failures: Vec<String>,
}

impl CaseResult {
    /// True when every expectation held.
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// Run every case of every enabled rule. Errors: the knowledge cannot be
/// turned into an engine, or a case is malformed (bad time, unknown kind).
pub fn run_cases(kb: &Knowledge) -> Result<Vec<CaseResult>, Vec<KnowledgeError>> {
    run_cases_with(kb, false)
}

/// [`run_cases`]; with `on_disk`, the kinds the rules only stream are put
/// in sorted runs on disk first, as past the memory budget (a rule must
/// give the same answers either way).
pub(crate) fn run_cases_with(
    kb: &Knowledge,
    on_disk: bool,
) -> Result<Vec<CaseResult>, Vec<KnowledgeError>> {
    let full = Engine::new(kb)?;
    let plan: Vec<(String, crate::engine::Declaration)> = full
        .plan()
        .into_iter()
        .map(|(id, _, d)| (id.to_string(), d.clone()))
        .collect();
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for spec in kb.rules.iter().filter(|r| r.enabled) {
        let needed = with_producers(&spec.id, &plan);
        let engine = Engine::with_rules(kb, |r| needed.contains(&r.id))?;
        for case in &spec.cases {
            match run_case(kb, spec, &engine, case, on_disk) {
                Ok(failures) => results.push(CaseResult {
                    rule: spec.id.clone(),
                    case: case.name.clone(),
                    file: spec.origin.file.clone(),
                    failures,
                }),
                Err(e) => errors.push(e),
            }
        }
    }
    if errors.is_empty() {
        Ok(results)
    } else {
        Err(errors)
    }
}

/// The rule and, transitively, every rule that produces what it consumes.
fn with_producers(id: &str, plan: &[(String, crate::engine::Declaration)]) -> BTreeSet<String> {
    let mut keep: BTreeSet<String> = BTreeSet::new();
    let mut todo = vec![id.to_string()];
    while let Some(r) = todo.pop() {
        if !keep.insert(r.clone()) {
            continue;
        }
        let Some((_, d)) = plan.iter().find(|(x, _)| *x == r) else {
            continue;
        };
        for input in &d.consumes {
            for (other, od) in plan {
                if produces(od, input) && other != &r && !od.consumes.contains(&Input::Everything) {
                    todo.push(other.clone());
                }
            }
        }
    }
    keep
}

fn run_case(
    kb: &Knowledge,
    spec: &RuleSpec,
    engine: &Engine,
    case: &Case,
    on_disk: bool,
) -> Result<Vec<String>, KnowledgeError> {
    let err =
        |message: String| spec.error_at_key("name", format!("case `{}`: {message}", case.name));
    let mut events = Vec::new();
    for (i, ce) in case.event.iter().enumerate() {
        events.extend(case_events(spec, i, ce).map_err(&err)?);
    }
    // Bundle order: by instant (undated last), then file (numbered as
    // they first appear), then line.
    let mut paths: Vec<Arc<str>> = Vec::new();
    for e in &events {
        if !paths.contains(&e.evidence.file) {
            paths.push(e.evidence.file.clone());
        }
    }
    let place = |e: &Event| {
        paths
            .iter()
            .position(|p| *p == e.evidence.file)
            .unwrap_or(0) as u32
    };
    events.sort_by_key(|e| RunKey::of(e, place(e)));
    let mut hosts = HostBook::default();
    for e in &events {
        if let Some(h) = &e.host {
            hosts.know(h);
        }
    }
    let topo_file: Option<TopologyFile> = match &case.topology {
        Some(t) => Some(
            toml::Value::Table(t.clone())
                .try_into()
                .map_err(|e: toml::de::Error| err(format!("topology: {}", e.message())))?,
        ),
        None => None,
    };
    let topology = Topology::build(
        &events,
        &hosts,
        topo_file.as_ref().map(|f| (f, "case topology")),
    );
    let zone = match &case.display_zone {
        Some(z) => TimeZone::get(z).map_err(|e| err(format!("display_zone `{z}`: {e}")))?,
        None => TimeZone::UTC,
    };
    let (memory, runs) = match on_disk {
        false => (events, None),
        true => {
            let streamed = engine.disk_kinds();
            // A run per event: every streamed event on disk, merged back.
            let mut writer = RunWriter::new(1, true);
            let mut memory = Vec::new();
            for e in events {
                match streamed.contains(e.kind) {
                    true => writer.push(e.clone(), place(&e), e.format),
                    false => memory.push(e),
                }
            }
            let (back, runs) = writer
                .finish()
                .map_err(|e| err(format!("events on disk: {e}")))?;
            memory.extend(back);
            memory.sort_by_key(|e| RunKey::of(e, place(e)));
            (memory, runs)
        }
    };
    let analysis = engine.run(&EngineInput {
        events: &memory,
        kb,
        topology: &topology,
        hosts: &hosts,
        display: &zone,
        plain: None,
        disk: runs.as_ref().map(|runs| OnDisk {
            runs,
            paths: paths.iter().map(|p| &**p).collect(),
        }),
    });
    let f = &analysis.findings;
    let mut failures = Vec::new();
    for x in &case.expect {
        check_expectation(x, f, false)
            .map_err(&err)?
            .into_iter()
            .for_each(|m| failures.push(m));
    }
    for x in &case.forbid {
        check_expectation(x, f, true)
            .map_err(&err)?
            .into_iter()
            .for_each(|m| failures.push(m));
    }
    let episode = |x: &uctriage_knowledge::ExpectEpisode| {
        analysis.episodes.iter().any(|e| {
            e.host == x.host
                && e.metric == x.metric
                && x.basis.as_ref().is_none_or(|b| {
                    if b == "baseline" {
                        e.sources.is_empty() && e.basis.starts_with("no sourced threshold")
                    } else {
                        e.basis.starts_with(&format!("threshold {b} "))
                    }
                })
        })
    };
    let seen = || {
        analysis
            .episodes
            .iter()
            .map(|e| format!("{} {} ({})", e.host, e.metric, e.basis))
            .collect::<Vec<_>>()
            .join("; ")
    };
    for x in &case.expect_episode {
        if !episode(x) {
            failures.push(format!(
                "expected an episode of {} on {}; episodes: {}",
                x.metric,
                x.host,
                seen()
            ));
        }
    }
    for x in &case.forbid_episode {
        if episode(x) {
            failures.push(format!(
                "forbidden episode of {} on {} was found; episodes: {}",
                x.metric,
                x.host,
                seen()
            ));
        }
    }
    Ok(failures)
}

/// Make the events of one `[[case.event]]` (several when it repeats).
fn case_events(spec: &RuleSpec, index: usize, ce: &CaseEvent) -> Result<Vec<Event>, String> {
    let kind = Kind::parse(&ce.kind).ok_or_else(|| {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        let help = uctriage_knowledge::closest(&ce.kind, names.iter().copied())
            .map_or(String::new(), |c| format!(" (did you mean `{c}`?)"));
        format!("event {}: unknown kind `{}`{help}", index + 1, ce.kind)
    })?;
    let severity = match &ce.severity {
        None => Severity::Info,
        Some(s) => (0..8)
            .filter_map(Severity::from_number)
            .find(|x| x.as_str() == s)
            .ok_or_else(|| format!("event {}: unknown severity `{s}`", index + 1))?,
    };
    let at: Option<Timestamp> = match &ce.at {
        Some(t) => Some(
            t.parse()
                .map_err(|e| format!("event {}: time `{t}`: {e}", index + 1))?,
        ),
        None => None,
    };
    let repeat = ce.repeat.unwrap_or(1).max(1);
    let every = ce.every_s.unwrap_or(0.0);
    let file: Arc<str> = Arc::from(format!("{}#case", spec.origin.file));
    let mut out = Vec::new();
    for n in 1..=repeat {
        let sub = |s: &str| s.replace("{n}", &n.to_string());
        let mut fields = Fields::new();
        for (k, v) in &ce.fields {
            fields.insert(k, sub(v));
        }
        let mut entities = Vec::new();
        for (list, ek) in [
            (&ce.devices, EntityKind::Device),
            (&ce.addresses, EntityKind::Address),
            (&ce.services, EntityKind::Service),
            (&ce.processes, EntityKind::Process),
        ] {
            for id in list {
                entities.push(Entity {
                    kind: ek,
                    id: sub(id).into(),
                });
            }
        }
        let text = match &ce.text {
            Some(t) => sub(t),
            None => {
                let pairs: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("{} {}", ce.kind, pairs.join(" "))
            }
        };
        let time = at.map(|t| t + SignedDuration::from_secs_f64(every * (n - 1) as f64));
        out.push(Event {
            time,
            clock: Clock::stated("case event").into(),
            host: ce.host.as_deref().map(Into::into),
            kind,
            severity,
            summary: text.as_str().into(),
            fields,
            entities: entities.into(),
            evidence: Evidence {
                file: file.clone(),
                line: (index + 1) as u64,
                text: text.into(),
            },
            format: ce.format.as_deref().map_or("case", intern),
        });
    }
    Ok(out)
}

/// A case's format name as the `&'static str` events carry: each distinct
/// name is leaked once (a handful per knowledge base).
fn intern(name: &str) -> &'static str {
    static NAMES: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut names = NAMES.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(n) = names.iter().find(|n| **n == name) {
        return n;
    }
    let n: &'static str = Box::leak(name.to_string().into_boxed_str());
    names.push(n);
    n
}

/// The failures of one expectation (or forbidding) against the findings.
fn check_expectation(
    x: &Expect,
    findings: &[Finding],
    forbid: bool,
) -> Result<Vec<String>, String> {
    let kind = match &x.kind {
        Some(k) => {
            Some(FindingKind::parse(k).ok_or_else(|| format!("unknown finding kind `{k}`"))?)
        }
        None => None,
    };
    let matching: Vec<&Finding> = findings
        .iter()
        .filter(|f| kind.is_none_or(|k| f.kind == k))
        .filter(|f| x.class.as_ref().is_none_or(|c| &f.class == c))
        .filter(|f| x.rule.as_ref().is_none_or(|r| &f.rule == r))
        .filter(|f| x.tags.iter().all(|t| f.tags.contains(t)))
        .filter(|f| x.hosts.iter().all(|h| f.hosts.contains(h)))
        .filter(|f| x.devices.iter().all(|d| f.devices.contains(d)))
        .filter(|f| {
            x.caused_by.iter().all(|c| {
                f.caused_by
                    .iter()
                    .any(|id| findings.iter().any(|g| &g.id == id && g.is(c)))
            })
        })
        .filter(|f| x.confirmed.is_none_or(|c| f.confirmed == c))
        .filter(|f| x.min_confidence.is_none_or(|m| f.confidence >= m))
        .filter(|f| x.max_confidence.is_none_or(|m| f.confidence <= m))
        .filter(|f| {
            x.title_contains
                .iter()
                .all(|w| f.title.contains(w.as_str()))
        })
        .filter(|f| {
            x.summary_contains
                .iter()
                .all(|w| f.summary.contains(w.as_str()))
        })
        .collect();
    let got = || {
        if findings.is_empty() {
            "no findings".to_string()
        } else {
            findings
                .iter()
                .map(|f| format!("[{} {} {}] {}", f.id, f.kind.as_str(), f.class, f.title))
                .collect::<Vec<_>>()
                .join("; ")
        }
    };
    let ok = match (forbid, x.count) {
        (true, _) => matching.is_empty(),
        (false, Some(n)) => matching.len() == n,
        (false, None) => !matching.is_empty(),
    };
    if ok {
        return Ok(Vec::new());
    }
    let what = describe(x);
    Ok(vec![if forbid {
        format!(
            "forbidden {what} was found: {}",
            matching
                .iter()
                .map(|f| format!("[{}] {}", f.id, f.title))
                .collect::<Vec<_>>()
                .join("; ")
        )
    } else {
        match x.count {
            Some(n) => format!(
                "expected {n} × {what}, found {}; findings: {}",
                matching.len(),
                got()
            ),
            None => format!("expected {what}; findings: {}", got()),
        }
    }])
}

fn describe(x: &Expect) -> String {
    let mut parts = Vec::new();
    if let Some(k) = &x.kind {
        parts.push(format!("kind {k}"));
    }
    if let Some(c) = &x.class {
        parts.push(format!("class {c}"));
    }
    if let Some(r) = &x.rule {
        parts.push(format!("rule {r}"));
    }
    for (name, list) in [
        ("tags", &x.tags),
        ("hosts", &x.hosts),
        ("devices", &x.devices),
        ("caused by", &x.caused_by),
        ("title containing", &x.title_contains),
        ("summary containing", &x.summary_contains),
    ] {
        if !list.is_empty() {
            parts.push(format!("{name} {}", list.join(", ")));
        }
    }
    if let Some(c) = x.confirmed {
        parts.push(format!("confirmed {c}"));
    }
    if let Some(m) = x.min_confidence {
        parts.push(format!("confidence ≥ {m}"));
    }
    if let Some(m) = x.max_confidence {
        parts.push(format!("confidence ≤ {m}"));
    }
    format!("a finding with {}", parts.join(", "))
}
