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
//!
//! The lines come from two places, judged alike: the summary `analyze`
//! mined while reading ([`PlainLog`]: counts in spans of time, a few
//! evidence lines, nothing kept as events), and the `log` events kept (all
//! of them for the HTML report and the live server, which pass no summary).
//! A span of several lines is judged by its first instant; spans are single
//! instants unless a file's plain lines were too varied for its budget
//! (then `analyze` says so in a note).

use crate::data::{Data, UnusualData};
use crate::engine::{Context, Declaration, Emit, Input, Output, Rule};
use crate::finding::{Finding, FindingKind};
use crate::plain::PlainLog;
use serde::Deserialize;
use std::collections::BTreeMap;
use uctriage_core::jiff::{SignedDuration, Timestamp};
use uctriage_core::{Event, Evidence, Kind};
use uctriage_knowledge::{Knowledge, KnowledgeError, RuleSpec};
use uctriage_templates::{message_of, mine_par_onto, Miner, Seen};

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
    /// Lines in the window, and their first and last instants.
    count: u64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    /// Evidence lines in the window: (instant, file rank, line), evidence.
    cites: Vec<((Timestamp, u32, u64), &'a Evidence)>,
    before: u64,
}

/// Bytes of a finding's example line, at most (cut on a character).
const MAX_EXAMPLE_BYTES: usize = 4096;

fn example(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    let mut end = line.len().min(MAX_EXAMPLE_BYTES);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    line[..end].to_string()
}

/// Where lines and evidence are tallied, given the window.
struct Judged<'a, 'm> {
    open: Timestamp,
    end: Timestamp,
    host_first: &'m mut BTreeMap<&'a str, Timestamp>,
    tallies: &'m mut BTreeMap<(u32, &'a str), Tally<'a>>,
}

impl<'a> Judged<'a, '_> {
    /// `n` lines of template `t` on `host` from `first` to `last` (a span
    /// is judged by its first instant: before the window, in it, or after).
    fn count(&mut self, t: u32, host: &'a str, first: Timestamp, last: Timestamp, n: u64) {
        let f = self.host_first.entry(host).or_insert(first);
        *f = (*f).min(first);
        if first > self.end {
            return;
        }
        let tally = self.tallies.entry((t, host)).or_default();
        if first < self.open {
            tally.before += n;
        } else {
            tally.count += n;
            tally.first = Some(tally.first.map_or(first, |x| x.min(first)));
            tally.last = Some(tally.last.map_or(last, |x| x.max(last)));
        }
    }

    /// One evidence line of template `t` on `host`, sorted by `key`.
    fn cite(&mut self, t: u32, host: &'a str, key: (Timestamp, u32, u64), ev: &'a Evidence) {
        if key.0 < self.open || key.0 > self.end {
            return;
        }
        self.tallies
            .entry((t, host))
            .or_default()
            .cites
            .push((key, ev));
    }
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
        // The plain lines summarised while reading (analyze), plus the `log`
        // events kept (all of them when nothing was summarised: the HTML
        // report, the live server).
        let plain = cx.plain;
        let logs: Vec<&Event> = cx
            .events
            .of(Kind::Log)
            .filter(|e| e.time.is_some() && e.host.is_some())
            .collect();
        if logs.is_empty() && plain.is_none_or(|p| p.spans.is_empty()) {
            return;
        }
        let base = plain.map_or_else(|| Miner::new(PlainLog::config()), |p| p.miner().clone());
        // Texts in the spill file are read back once, here.
        let texts: Vec<(std::borrow::Cow<'_, str>, &Event)> =
            logs.iter().map(|e| (e.evidence.text.get(), *e)).collect();
        let (mined, of) = mine_par_onto(base, &texts, 1 << 14, |(text, e)| {
            (message_of(text, &e.summary).as_bytes(), Seen::default())
        });
        // Each host's first log line: how much baseline it has.
        let (mut host_first, mut tallies) = (BTreeMap::new(), BTreeMap::new());
        let mut into = Judged {
            open,
            end,
            host_first: &mut host_first,
            tallies: &mut tallies,
        };
        for (i, (e, &t)) in logs.iter().zip(&of).enumerate() {
            let (Some(at), Some(host)) = (e.time, e.host.as_deref()) else {
                continue;
            };
            into.count(t, host, at, at, 1);
            // Ties as the bundle's events sort: file, then line.
            let key = match plain {
                Some(p) => (at, p.file_rank(&e.evidence.file), e.evidence.line),
                None => (at, 0, i as u64),
            };
            into.cite(t, host, key, &e.evidence);
        }
        if let Some(p) = plain {
            let tpl = |sig: u32| mined.of_signature[sig as usize];
            for s in &p.spans {
                into.count(
                    tpl(s.sig),
                    &p.hosts[s.host as usize],
                    s.first,
                    s.last,
                    s.count,
                );
            }
            for c in &p.cites {
                let key = (c.at, c.file, c.evidence.line);
                into.cite(tpl(c.sig), &p.hosts[c.host as usize], key, &c.evidence);
            }
        }
        let window_s = (end - open).as_secs().max(1);
        let mut found: Vec<UnusualData> = Vec::new();
        let mut evidence: Vec<Vec<&Evidence>> = Vec::new();
        for ((t, host), tally) in &mut tallies {
            let count = tally.count;
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
            let (Some(first), Some(last)) = (tally.first, tally.last) else {
                continue;
            };
            tally.cites.sort_by_key(|c| c.0);
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
                example: tally
                    .cites
                    .first()
                    .map_or_else(String::new, |c| example(&c.1.text.get())),
            });
            evidence.push(tally.cites.iter().map(|c| c.1).collect());
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
                f.cite(e);
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
