//! `unusual_activity`: the lines no rule reads (events of kind `log`: a time
//! and nothing more specific understood) are mined into templates
//! (`uctriage-templates`); a template that, on one host, is new in the
//! incident window (absent from the host's own logs before it) or spiking
//! (its rate in the window far above the host's own rate before) becomes an
//! `unusual` finding. The window opens `lead_s` before the first impact and
//! closes at the last impact's end; without an impact there is no window and
//! nothing is unusual. A host needs `min_baseline_s` of its own logs before
//! the window to be judged at all, so a bundle that starts with the outage
//! reports nothing here. Unusual findings never outrank a cause (they sort
//! after them); when no root cause was found they say so and point at the
//! host and time.

use crate::data::{Data, UnusualData};
use crate::engine::{Context, Declaration, Emit, Input, Output, Rule};
use crate::finding::{Finding, FindingKind};
use serde::Deserialize;
use std::collections::BTreeMap;
use uctriage_core::jiff::{SignedDuration, Timestamp};
use uctriage_core::{Event, Kind};
use uctriage_knowledge::{Knowledge, KnowledgeError, RuleSpec};
use uctriage_templates::{message_of, mine_par, Config, Seen};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// The window opens this long before the first impact.
    lead_s: i64,
    /// Seconds of a host's own logs before the window needed to judge it.
    min_baseline_s: i64,
    /// Messages of a template in the window on one host, at least.
    min_count: u64,
    /// Rate in the window over rate before it, at least, to be spiking.
    spike_ratio: f64,
    /// Findings at most (the newest and most frequent first).
    max_findings: usize,
    /// Confidence of a finding (low: no knowledge backs it).
    confidence: f64,
}

struct Unusual {
    p: Params,
    sources: Vec<String>,
}

/// Build the rule from its spec.
pub(crate) fn build(spec: &RuleSpec, _kb: &Knowledge) -> Result<Box<dyn Rule>, KnowledgeError> {
    Ok(Box::new(Unusual {
        p: spec.params_as()?,
        sources: spec.sources.clone(),
    }))
}

/// Per (template, host): what the window and the baseline hold.
#[derive(Default)]
struct Tally<'a> {
    window: Vec<&'a Event>,
    before: u64,
}

impl Rule for Unusual {
    fn declare(&self) -> Declaration {
        Declaration {
            events: vec![Kind::Log],
            consumes: vec![
                Input::Kind(FindingKind::Impact),
                Input::Kind(FindingKind::RootCause),
            ],
            produces: vec![Output::Class(
                "unusual-activity".into(),
                FindingKind::Unusual,
            )],
        }
    }

    fn run(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        let impacts: Vec<&Finding> = cx.of_kind(FindingKind::Impact).collect();
        let Some(start) = impacts.iter().filter_map(|f| f.start).min() else {
            return;
        };
        let end = impacts
            .iter()
            .filter_map(|f| f.end.or(f.start))
            .max()
            .unwrap_or(start);
        let open = start - SignedDuration::from_secs(self.p.lead_s);
        let explained = cx.of_kind(FindingKind::RootCause).next().is_some();
        let logs: Vec<&Event> = cx
            .events
            .of(Kind::Log)
            .filter(|e| e.time.is_some() && e.host.is_some())
            .collect();
        if logs.is_empty() {
            return;
        }
        // Texts in the spill file are read back once, here.
        let texts: Vec<(std::borrow::Cow<'_, str>, &Event)> =
            logs.iter().map(|e| (e.evidence.text.get(), *e)).collect();
        let (mined, of) = mine_par(Config::default(), &texts, 1 << 14, |(text, e)| {
            (message_of(text, &e.summary).as_bytes(), Seen::default())
        });
        // Each host's first log line: how much baseline it has.
        let mut host_first: BTreeMap<&str, Timestamp> = BTreeMap::new();
        let mut tallies: BTreeMap<(u32, &str), Tally> = BTreeMap::new();
        for (e, &t) in logs.iter().zip(&of) {
            let (Some(at), Some(host)) = (e.time, e.host.as_deref()) else {
                continue;
            };
            let f = host_first.entry(host).or_insert(at);
            *f = (*f).min(at);
            if at > end {
                continue;
            }
            let tally = tallies.entry((t, host)).or_default();
            if at < open {
                tally.before += 1;
            } else {
                tally.window.push(e);
            }
        }
        let window_s = (end - open).as_secs().max(1);
        let mut found: Vec<UnusualData> = Vec::new();
        let mut evidence: Vec<Vec<&Event>> = Vec::new();
        for ((t, host), tally) in &tallies {
            let count = tally.window.len() as u64;
            if count < self.p.min_count {
                continue;
            }
            let baseline_s = (open - host_first[host]).as_secs();
            if baseline_s < self.p.min_baseline_s {
                continue;
            }
            let new = tally.before == 0;
            let rate_now = count as f64 / window_s as f64;
            let rate_before = tally.before as f64 / baseline_s as f64;
            if !new && rate_now < self.p.spike_ratio * rate_before {
                continue;
            }
            let tpl = &mined.templates[*t as usize];
            let first = tally.window.iter().filter_map(|e| e.time).min();
            let last = tally.window.iter().filter_map(|e| e.time).max();
            let (Some(first), Some(last)) = (first, last) else {
                continue;
            };
            found.push(UnusualData {
                host: host.to_string(),
                template: tpl.template.clone(),
                template_id: tpl.id.clone(),
                count,
                baseline_count: tally.before,
                baseline_s,
                window_s,
                first,
                last,
                new,
                unexplained_impact: !explained,
                example: tally.window[0]
                    .evidence
                    .text
                    .get()
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_string(),
            });
            evidence.push(tally.window.clone());
        }
        // New before spiking, then the most frequent, then the earliest.
        let mut order: Vec<usize> = (0..found.len()).collect();
        order.sort_by(|&a, &b| {
            let (x, y) = (&found[a], &found[b]);
            y.new
                .cmp(&x.new)
                .then(y.count.cmp(&x.count))
                .then(x.first.cmp(&y.first))
                .then(x.template_id.cmp(&y.template_id))
                .then(x.host.cmp(&y.host))
        });
        if order.len() > self.p.max_findings {
            out.note(format!(
                "{} unusual log templates in the incident window; the {} most telling are findings",
                order.len(),
                self.p.max_findings
            ));
            order.truncate(self.p.max_findings);
        }
        for i in order {
            let d = found[i].clone();
            let mut f = Finding::new(
                FindingKind::Unusual,
                "unusual-activity",
                Data::Unusual(d.clone()),
            );
            f.start = Some(d.first);
            f.end = Some(d.last);
            f.confidence = self.p.confidence;
            Finding::add(&mut f.hosts, [d.host.clone()]);
            for e in &evidence[i] {
                f.cite(&e.evidence);
            }
            f.next_checks.push(format!(
                "read {}'s logs around the first of these messages: what it says, and what changed just before",
                d.host
            ));
            f.next_checks.push(
                "search the message's words (not its variables) in Cisco's Bug Search and the product's documentation"
                    .into(),
            );
            cx.cite_sources(&mut f, &self.sources);
            out.push(f);
        }
    }
}
