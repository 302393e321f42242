//! The rule engine: builds each declared rule from its knowledge file, orders
//! the rules by what they consume and produce, runs them over the indexed
//! events, applies the links they make, and renders the findings' text once
//! at the end.
//!
//! A rule ([`Rule`]) is small: it declares its inputs and outputs and, given
//! a [`Context`], pushes findings into an [`Emit`]. It sees only the findings
//! it declared it consumes, so nothing depends on an order nobody wrote down.

mod declare;
mod registry;

pub(crate) use declare::produces;
pub use declare::{order, Declaration, Input, OrderError, Output};
pub use registry::{rule_types, RuleType};

use crate::crashes::{crashes, Crash};
use crate::events::{Events, OnDisk};
use crate::finding::{Finding, FindingKind, Reference};
use crate::metrics::{Episode, Series};
use crate::plain::PlainLog;
use crate::render;
use crate::rules::PrintedTypes;
use crate::topology::Topology;
use crate::Analysis;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;
use uctriage_core::jiff::tz::TimeZone;
use uctriage_core::{Event, Kind, KindSet};
use uctriage_knowledge::{Knowledge, KnowledgeError, RuleSpec};
use uctriage_normalize::HostBook;

/// A filter over raw events, as the loader applies it.
pub type RawFilter = std::sync::Arc<dyn Fn(&uctriage_core::RawEvent) -> bool + Send + Sync>;

/// A correlation rule, built from its knowledge file by its [`RuleType`].
pub trait Rule: Send + Sync {
    /// What it reads and writes.
    fn declare(&self) -> Declaration;
    /// Look at the events and the findings it consumes; push findings and links.
    fn run(&self, cx: &Context<'_>, out: &mut Emit<'_>);
    /// Events of kinds it does not declare that it still needs kept (a few
    /// ordinary lines that name a product, say). None: its declared kinds suffice.
    fn also_keeps(&self) -> Option<RawFilter> {
        None
    }
    /// The declared kinds it reads only with [`Events::each`] and
    /// [`Events::any`] (never `of`, `window` or `around`): those may stay
    /// on disk past the memory budget ([`Engine::disk_kinds`]).
    ///
    /// [`Events::each`]: crate::Events::each
    /// [`Events::any`]: crate::Events::any
    fn streams(&self) -> KindSet {
        KindSet::NONE
    }
}

/// A rule ready to run: its spec, its implementation, its declaration.
struct Loaded {
    spec: RuleSpec,
    rule: Box<dyn Rule>,
    decl: Declaration,
}

/// Every enabled rule of a knowledge base, checked and ordered.
pub struct Engine {
    rules: Vec<Loaded>,
}

impl Engine {
    /// Build and check every enabled rule: known type, strict parameters,
    /// produced and consumed classes defined in `classes.toml`, an order with
    /// no cycle and no input that nothing produces. All errors at once.
    pub fn new(kb: &Knowledge) -> Result<Engine, Vec<KnowledgeError>> {
        Engine::with_rules(kb, |_| true)
    }

    /// Like [`Engine::new`], with only the rules `keep` accepts (and no
    /// check that their inputs are produced by rules left out).
    pub fn with_rules(
        kb: &Knowledge,
        keep: impl Fn(&RuleSpec) -> bool,
    ) -> Result<Engine, Vec<KnowledgeError>> {
        let types = rule_types();
        let classes: BTreeSet<&str> = kb.classes.class.iter().map(|c| c.id.as_str()).collect();
        let mut errors = Vec::new();
        let mut loaded = Vec::new();
        for spec in kb.rules.iter().filter(|r| r.enabled && keep(r)) {
            let Some(t) = types.iter().find(|t| t.name == spec.rule_type) else {
                let names: Vec<&str> = types.iter().map(|t| t.name).collect();
                let mut e = spec.error_at_key(
                    "type",
                    format!(
                        "rule `{}`: unknown rule type `{}` (the types are {})",
                        spec.id,
                        spec.rule_type,
                        names.join(", ")
                    ),
                );
                e.help = uctriage_knowledge::closest(&spec.rule_type, names.iter().copied())
                    .map(|c| format!("did you mean `{c}`?"));
                errors.push(e);
                continue;
            };
            match (t.build)(spec, kb) {
                Ok(rule) => {
                    let decl = rule.declare();
                    let named = decl.classes().map(|(c, _)| c).chain(decl.tags()).chain(
                        decl.consumes.iter().filter_map(|i| match i {
                            Input::Class(c) => Some(c.as_str()),
                            _ => None,
                        }),
                    );
                    for c in named.collect::<BTreeSet<_>>() {
                        if !classes.contains(c) {
                            let mut e = spec.error_at_key(
                                c,
                                format!("rule `{}`: class `{c}` is not defined in classes.toml or in a [[class]] of the rule file", spec.id),
                            );
                            e.help = uctriage_knowledge::closest(c, classes.iter().copied())
                                .map(|x| format!("did you mean `{x}`?"));
                            errors.push(e);
                        }
                    }
                    loaded.push(Loaded {
                        spec: spec.clone(),
                        rule,
                        decl,
                    });
                }
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let decls: Vec<(String, Declaration)> = loaded
            .iter()
            .map(|l| (l.spec.id.clone(), l.decl.clone()))
            .collect();
        match order(&decls) {
            Ok(order) => {
                let mut slots: Vec<Option<Loaded>> = loaded.into_iter().map(Some).collect();
                let rules = order.into_iter().filter_map(|i| slots[i].take()).collect();
                Ok(Engine { rules })
            }
            Err(OrderError::Unproduced(rule, what)) => {
                let spec = &kb
                    .rules
                    .iter()
                    .find(|r| r.id == rule)
                    .expect("a loaded rule");
                Err(vec![spec.error_at_key(
                    "type",
                    format!("rule `{rule}` consumes {what}, which no enabled rule produces"),
                )])
            }
            Err(OrderError::Cycle(ids)) => {
                let spec = &kb
                    .rules
                    .iter()
                    .find(|r| r.id == ids[0])
                    .expect("a loaded rule");
                Err(vec![spec.error_at_key(
                    "type",
                    format!(
                        "rules depend on each other in a cycle: {} → {}",
                        ids.join(" → "),
                        ids[0]
                    ),
                )])
            }
        }
    }

    /// The rules in the order they run: (id, type, declaration).
    pub fn plan(&self) -> Vec<(&str, &str, &Declaration)> {
        self.rules
            .iter()
            .map(|l| (l.spec.id.as_str(), l.spec.rule_type.as_str(), &l.decl))
            .collect()
    }

    /// Which raw events an analysis needs kept: those of every kind a rule
    /// declares (and the configuration rows the topology is built from), plus
    /// what a rule asks for besides. The rest can be counted and let go while
    /// the bundle is read.
    pub fn retention(&self) -> RawFilter {
        self.retention_of(|_| true)
    }

    /// [`Engine::retention`] without the plain lines (`log` events) that
    /// only a rule declaring the `log` kind (the unusual-activity miner)
    /// wants: a caller that summarises them while reading ([`PlainLog`],
    /// given back through [`EngineInput::plain`]) keeps none of them, so a
    /// day of plain logs is never held whole. Those another rule asks for
    /// ([`Rule::also_keeps`]) are still kept.
    ///
    /// [`PlainLog`]: crate::PlainLog
    pub fn retention_without_plain(&self) -> RawFilter {
        self.retention_of(|k| k != Kind::Log)
    }

    /// The kinds whose events may stay on disk past the memory budget: all
    /// but those a rule reads other than by streaming ([`Rule::streams`]) and
    /// those the engine itself reads in memory (the configuration rows for
    /// the topology, the cores and backtraces for the crash view any rule may
    /// ask for). Kinds no rule reads are among them (the HTML report's lanes
    /// read every event in order, from memory or disk).
    pub fn disk_kinds(&self) -> KindSet {
        let mut memory = KindSet::of(&[Kind::Config, Kind::ServiceCore, Kind::Backtrace]);
        for l in &self.rules {
            let streams = l.rule.streams();
            for k in l.decl.events.iter().filter(|k| !streams.contains(**k)) {
                memory = memory.with(*k);
            }
        }
        memory.others()
    }

    /// Whether a rule reads plain lines (declares the `log` kind): the
    /// unusual-activity miner, unless the knowledge disabled it.
    pub fn reads_plain(&self) -> bool {
        self.rules
            .iter()
            .any(|l| l.decl.events.contains(&Kind::Log))
    }

    /// The retention filter over the declared kinds `keep` accepts.
    fn retention_of(&self, keep: impl Fn(Kind) -> bool) -> RawFilter {
        let mut kinds = vec![false; Kind::ALL.len()];
        let slot = |k: Kind| Kind::ALL.iter().position(|x| *x == k).unwrap_or(0);
        kinds[slot(Kind::Config)] = true;
        for l in &self.rules {
            for k in l.decl.events.iter().filter(|k| keep(**k)) {
                kinds[slot(*k)] = true;
            }
        }
        let extra: Vec<RawFilter> = self
            .rules
            .iter()
            .filter_map(|l| l.rule.also_keeps())
            .collect();
        std::sync::Arc::new(move |e: &uctriage_core::RawEvent| {
            kinds[slot(e.kind)] || extra.iter().any(|f| f(e))
        })
    }

    /// Run every rule over `events` and return the rendered analysis.
    pub fn run(&self, input: &EngineInput<'_>) -> Analysis {
        let events = Events::with_disk(input.events, input.disk.clone());
        let crash_view = OnceLock::new();
        let printed = OnceLock::new();
        let mut findings: Vec<Finding> = Vec::new();
        let mut notes: Vec<String> = input.topology.notes.clone();
        if input.topology.is_empty() {
            notes.push("no topology in the bundle (run sql of devicepool/callmanagergroup, a BAT export or topology.toml): which node a device registers to is inferred, with lower confidence".into());
        }
        let mut counters: BTreeMap<FindingKind, usize> = BTreeMap::new();
        let mut links: Vec<(String, String)> = Vec::new();
        let mut metrics: Option<(Vec<Series>, Vec<Episode>)> = None;
        for (done, l) in self.rules.iter().enumerate() {
            uctriage_core::stages::begin(|| {
                format!(
                    "correlating: rule {} ({} of {})",
                    l.spec.id,
                    done + 1,
                    self.rules.len()
                )
            });
            let cx = Context {
                events: &events,
                kb: input.kb,
                topo: input.topology,
                hosts: input.hosts,
                tz: input.display,
                spec: &l.spec,
                plain: input.plain,
                decl: &l.decl,
                findings: &findings,
                crashes: &crash_view,
                printed: &printed,
                metrics: metrics.as_ref(),
            };
            let mut out = Emit {
                rule: &l.spec.id,
                counters: &mut counters,
                findings: Vec::new(),
                links: Vec::new(),
                notes: Vec::new(),
                metrics: None,
            };
            let started = std::time::Instant::now();
            l.rule.run(&cx, &mut out);
            uctriage_core::stages::note(started, || format!("rule {}", l.spec.id));
            let Emit {
                findings: new,
                links: new_links,
                notes: new_notes,
                metrics: new_metrics,
                ..
            } = out;
            findings.extend(new);
            links.extend(new_links);
            notes.extend(new_notes);
            if new_metrics.is_some() {
                metrics = new_metrics;
            }
        }
        apply_links(&mut findings, &links);
        for f in &mut findings {
            render::render(f, input.kb, input.display);
        }
        findings.sort_by_key(|f| f.kind);
        let (series, episodes) = metrics.unwrap_or_default();
        Analysis {
            findings,
            notes,
            series,
            episodes,
        }
    }
}

/// Causes and effects both learn of a link; links to ids that do not exist
/// (a rule's mistake) are dropped.
fn apply_links(findings: &mut [Finding], links: &[(String, String)]) {
    let ids: BTreeSet<String> = findings.iter().map(|f| f.id.clone()).collect();
    for (cause, effect) in links {
        if cause == effect || !ids.contains(cause) || !ids.contains(effect) {
            continue;
        }
        for f in findings.iter_mut() {
            if &f.id == effect {
                Finding::add(&mut f.caused_by, [cause.clone()]);
            }
            if &f.id == cause {
                Finding::add(&mut f.explains, [effect.clone()]);
            }
        }
    }
}

/// What the engine runs over.
pub struct EngineInput<'a> {
    /// The normalized events, in bundle order (by instant, untimed last).
    pub events: &'a [Event],
    /// Knowledge.
    pub kb: &'a Knowledge,
    /// Topology.
    pub topology: &'a Topology,
    /// Host identities.
    pub hosts: &'a HostBook,
    /// The zone times are written in.
    pub display: &'a TimeZone,
    /// The plain lines summarised while the bundle was read (None: the
    /// `log` events hold them all).
    pub plain: Option<&'a PlainLog>,
    /// The kinds kept on disk past the memory budget ([`Engine::disk_kinds`]
    /// given to the load), when some were.
    pub disk: Option<OnDisk<'a>>,
}

/// What a rule sees while it runs.
pub struct Context<'a> {
    /// The events, indexed.
    pub events: &'a Events<'a>,
    /// Knowledge.
    pub kb: &'a Knowledge,
    /// Topology.
    pub topo: &'a Topology,
    /// Host identities.
    pub hosts: &'a HostBook,
    /// The display zone (for day boundaries; text is rendered later).
    pub tz: &'a TimeZone,
    /// The rule's own spec.
    pub spec: &'a RuleSpec,
    /// The plain lines summarised while reading, if they were
    /// ([`EngineInput::plain`]).
    pub plain: Option<&'a PlainLog>,
    decl: &'a Declaration,
    findings: &'a [Finding],
    crashes: &'a OnceLock<Vec<Crash>>,
    printed: &'a OnceLock<PrintedTypes>,
    metrics: Option<&'a (Vec<Series>, Vec<Episode>)>,
}

impl<'a> Context<'a> {
    /// The findings produced so far that this rule declared it consumes.
    pub fn findings(&self) -> impl Iterator<Item = &'a Finding> + '_ {
        self.findings
            .iter()
            .filter(|f| self.decl.reads(&f.class, &f.tags, f.kind))
    }

    /// Consumed findings of one kind.
    pub fn of_kind(&self, kind: FindingKind) -> impl Iterator<Item = &'a Finding> + '_ {
        self.findings().filter(move |f| f.kind == kind)
    }

    /// Every crash of the bundle (cores grouped by node and time), oldest first.
    pub(crate) fn crashes(&self) -> &'a [Crash] {
        self.crashes.get_or_init(|| crashes(self.events, self.kb))
    }

    /// The device types the bundle printed, read once for every rule that
    /// asks (a pass over every registration record).
    pub(crate) fn printed_types(&self) -> &'a PrintedTypes {
        self.printed
            .get_or_init(|| PrintedTypes::from_events(self.events))
    }

    /// The metric episodes, when the rule declared it consumes them.
    pub fn episodes(&self) -> &'a [Episode] {
        match self.metrics {
            Some((_, e)) if self.decl.consumes.contains(&Input::Episodes) => e,
            _ => &[],
        }
    }

    /// The metric series, when the rule declared it consumes the episodes.
    pub fn series(&self) -> &'a [Series] {
        match self.metrics {
            Some((s, _)) if self.decl.consumes.contains(&Input::Episodes) => s,
            _ => &[],
        }
    }

    /// Episodes of a host overlapping `[from, to]`.
    pub fn episodes_of(
        &self,
        host: &str,
        from: uctriage_core::jiff::Timestamp,
        to: uctriage_core::jiff::Timestamp,
    ) -> Vec<&'a Episode> {
        self.episodes()
            .iter()
            .filter(|e| e.host == host && e.start <= to && e.end.is_none_or(|end| end >= from))
            .collect()
    }

    /// References for source keys (unknown keys are kept with an empty title).
    pub fn references(&self, keys: &[String]) -> Vec<Reference> {
        keys.iter()
            .map(|k| {
                let s = self.kb.sources.source.get(k);
                Reference {
                    key: k.clone(),
                    title: s.map(|s| s.title.clone()).unwrap_or_default(),
                    url: s.map(|s| s.url.clone()).unwrap_or_default(),
                }
            })
            .collect()
    }

    /// Add references to a finding without duplicates.
    pub fn cite_sources(&self, f: &mut Finding, keys: &[String]) {
        for r in self.references(keys) {
            if !f.references.iter().any(|x| x.key == r.key) {
                f.references.push(r);
            }
        }
    }

    /// The events of `kinds` this rule declared (for rules whose kinds are
    /// parameters): every kind asked must be declared.
    pub fn declared_kinds(&self) -> &[Kind] {
        &self.decl.events
    }
}

/// What a rule writes.
pub struct Emit<'a> {
    rule: &'a str,
    counters: &'a mut BTreeMap<FindingKind, usize>,
    findings: Vec<Finding>,
    links: Vec<(String, String)>,
    notes: Vec<String>,
    metrics: Option<(Vec<Series>, Vec<Episode>)>,
}

impl Emit<'_> {
    /// Keep a finding: it gets its id (`<kind>-<n>`) and the rule's id;
    /// returns the id, for links.
    pub fn push(&mut self, mut f: Finding) -> String {
        let n = self.counters.entry(f.kind).or_default();
        *n += 1;
        f.id = format!("{}-{}", f.kind.as_str(), n);
        f.rule = self.rule.to_string();
        f.confidence = (f.confidence.clamp(0.0, 1.0) * 100.0).round() / 100.0;
        let id = f.id.clone();
        self.findings.push(f);
        id
    }

    /// `cause` explains `effect` (ids of findings pushed now or consumed).
    pub fn link(&mut self, cause: &str, effect: &str) {
        self.links.push((cause.to_string(), effect.to_string()));
    }

    /// Something the reader should know.
    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// A finding pushed by this rule in this run.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Finding> {
        self.findings.iter_mut().find(|f| f.id == id)
    }

    /// Publish the metric series and episodes (the `metric_episodes` rule).
    pub(crate) fn set_metrics(&mut self, series: Vec<Series>, episodes: Vec<Episode>) {
        self.metrics = Some((series, episodes));
    }
}
