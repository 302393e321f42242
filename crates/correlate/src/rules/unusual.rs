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
//! Those are streamed (in memory or on disk past the memory budget), mined
//! a batch at a time exactly as one mining of them all would, and tallied
//! per signature and host as each batch is mined: none is held.
//! A span of several lines is judged by its first instant; spans are single
//! instants unless a file's plain lines were too varied for its budget
//! (then `analyze` says so in a note).

use crate::data::{Data, UnusualData};
use crate::engine::{Context, Declaration, Emit, Input, Output, Rule};
use crate::finding::MAX_EVIDENCE;
use crate::finding::{Finding, FindingKind};
use crate::plain::PlainLog;
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use uctriage_core::jiff::{SignedDuration, Timestamp};
use uctriage_core::{Evidence, Kind, KindSet};
use uctriage_knowledge::{Knowledge, KnowledgeError, RuleSpec};
use uctriage_templates::{message_of, mine_par_into, Miner, Seen};

/// Lines per miner when the `log` events are mined (the chunks of
/// `uctriage_templates::mine_par_onto`; the templates depend on them).
const CHUNK: usize = 1 << 14;

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
struct Tally {
    /// Lines in the window, and their first and last instants.
    count: u64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    /// Evidence lines in the window: (instant, file rank, line), evidence;
    /// past [`Tally::trim`], those a finding cites: in order, one per line,
    /// [`MAX_EVIDENCE`] at most.
    cites: Vec<((Timestamp, u32, u64), Evidence)>,
    before: u64,
}

impl Tally {
    /// One line at `at` (before the window, or in it).
    fn count(&mut self, open: Timestamp, first: Timestamp, last: Timestamp, n: u64) {
        if first < open {
            self.before += n;
        } else {
            self.count += n;
            self.first = Some(self.first.map_or(first, |x| x.min(first)));
            self.last = Some(self.last.map_or(last, |x| x.max(last)));
        }
    }

    /// Add what `other` holds (the same template and host).
    fn absorb(&mut self, other: Tally) {
        self.count += other.count;
        self.before += other.before;
        self.first = self.first.into_iter().chain(other.first).min();
        self.last = self.last.into_iter().chain(other.last).max();
        self.cites.extend(other.cites);
        self.trim();
    }

    /// Keep only the evidence a finding cites ([`Finding::cite`]): by key
    /// (equal keys in the order they came), the first of each line, at most
    /// [`MAX_EVIDENCE`]. What a finding of the whole shows is what one of
    /// its trimmed parts shows, taken together and trimmed again.
    fn trim(&mut self) {
        self.cites.sort_by_key(|c| c.0);
        let mut lines = HashSet::new();
        self.cites
            .retain(|(_, e)| lines.len() < MAX_EVIDENCE && lines.insert((e.file.clone(), e.line)));
    }
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

/// Where lines and evidence are tallied, given the window, keyed by `K`
/// (a signature or template, and a host).
struct Judged<K> {
    open: Timestamp,
    end: Timestamp,
    host_first: HashMap<String, Timestamp>,
    tallies: HashMap<K, Tally>,
}

impl<K: std::hash::Hash + Eq> Judged<K> {
    fn new(open: Timestamp, end: Timestamp) -> Judged<K> {
        Judged {
            open,
            end,
            host_first: HashMap::new(),
            tallies: HashMap::new(),
        }
    }

    /// `n` lines under `key` on `host` from `first` to `last` (a span is
    /// judged by its first instant: before the window, in it, or after).
    fn count(&mut self, key: K, host: &str, first: Timestamp, last: Timestamp, n: u64) {
        match self.host_first.get_mut(host) {
            Some(f) => *f = (*f).min(first),
            None => {
                self.host_first.insert(host.to_string(), first);
            }
        }
        if first > self.end {
            return;
        }
        let open = self.open;
        self.tallies
            .entry(key)
            .or_default()
            .count(open, first, last, n);
    }

    /// Whether a line at `at` may be cited (it is in the window).
    fn citable(&self, at: Timestamp) -> bool {
        at >= self.open && at <= self.end
    }

    /// One evidence line under `key`, sorted by `order`.
    fn cite(&mut self, key: K, order: (Timestamp, u32, u64), ev: Evidence) {
        if !self.citable(order.0) {
            return;
        }
        let tally = self.tallies.entry(key).or_default();
        tally.cites.push((order, ev));
        if tally.cites.len() > 4 * MAX_EVIDENCE {
            tally.trim();
        }
    }
}

/// A `log` line read, waiting for its batch to be mined.
struct Pending {
    message: String,
    host: u32,
    at: Timestamp,
    order: (Timestamp, u32, u64),
    /// Its evidence, when it is in the window.
    evidence: Option<Evidence>,
}

impl Rule for Unusual {
    /// The `log` events are read with `Events::each_record`, on disk or not.
    fn streams(&self) -> KindSet {
        KindSet::of(&[Kind::Log])
    }

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
        // report, the live server), read in bundle order from memory or
        // disk and mined a batch at a time, as `mine_par_onto` mines them
        // all at once (the same templates); each line is tallied under its
        // signature and host once its batch is mined, so none is held.
        let plain = cx.plain;
        let mut all = plain.map_or_else(|| Miner::new(PlainLog::config()), |p| p.miner().clone());
        let mut by_sig: Judged<(u32, u32)> = Judged::new(open, end);
        let mut hosts: Vec<String> = Vec::new();
        let mut host_ids: HashMap<String, u32> = HashMap::new();
        let batch = CHUNK * rayon::current_num_threads().max(1);
        let mut pending: Vec<Pending> = Vec::new();
        let mut lines = 0u64;
        let mut mine =
            |pending: &mut Vec<Pending>, by_sig: &mut Judged<(u32, u32)>, hosts: &[String]| {
                let sigs = mine_par_into(&mut all, pending, CHUNK, |p| {
                    (p.message.as_bytes(), Seen::default())
                });
                for (p, sig) in pending.drain(..).zip(sigs) {
                    let host = &hosts[p.host as usize];
                    by_sig.count((sig, p.host), host, p.at, p.at, 1);
                    if let Some(ev) = p.evidence {
                        by_sig.cite((sig, p.host), p.order, ev);
                    }
                }
            };
        cx.events
            .each_record(KindSet::of(&[Kind::Log]), None, None, |e| {
                let (Some(at), Some(host)) = (e.time(), e.host()) else {
                    return;
                };
                // Ties as the bundle's events sort: file, then line.
                let order = match plain {
                    Some(p) => (at, p.file_rank(e.file()), e.line()),
                    None => (at, 0, lines),
                };
                lines += 1;
                let host = match host_ids.get(host) {
                    Some(&h) => h,
                    None => {
                        let h = hosts.len() as u32;
                        hosts.push(host.to_string());
                        host_ids.insert(host.to_string(), h);
                        h
                    }
                };
                let text = e.text();
                pending.push(Pending {
                    message: message_of(&text, e.summary()).to_string(),
                    host,
                    at,
                    order,
                    // A damaged record on disk is a failed read (recorded).
                    evidence: by_sig
                        .citable(at)
                        .then(|| match e.as_event() {
                            Some(ev) => Some(ev.evidence.clone()),
                            None => e.event().map(|ev| ev.evidence),
                        })
                        .flatten(),
                });
                if pending.len() >= batch {
                    mine(&mut pending, &mut by_sig, &hosts);
                }
            });
        mine(&mut pending, &mut by_sig, &hosts);
        if lines == 0 && plain.is_none_or(|p| p.spans.is_empty()) {
            return;
        }
        let mined = all.finish();
        let tpl = |sig: u32| mined.of_signature[sig as usize];
        // The signatures' tallies by template.
        let mut into: Judged<(u32, String)> = Judged::new(open, end);
        into.host_first = by_sig.host_first;
        for ((sig, host), tally) in by_sig.tallies {
            let key = (tpl(sig), hosts[host as usize].clone());
            into.tallies.entry(key).or_default().absorb(tally);
        }
        if let Some(p) = plain {
            for s in &p.spans {
                let host = &p.hosts[s.host as usize];
                into.count((tpl(s.sig), host.clone()), host, s.first, s.last, s.count);
            }
            for c in &p.cites {
                let key = (tpl(c.sig), p.hosts[c.host as usize].clone());
                let order = (c.at, c.file, c.evidence.line);
                into.cite(key, order, c.evidence.clone());
            }
        }
        let (host_first, mut tallies) = (into.host_first, into.tallies);
        let window_s = (end - open).as_secs().max(1);
        let mut found: Vec<UnusualData> = Vec::new();
        let mut evidence: Vec<Vec<&Evidence>> = Vec::new();
        let mut tallies: Vec<_> = tallies.iter_mut().collect();
        tallies.sort_by(|a, b| a.0.cmp(b.0));
        for ((t, host), tally) in tallies {
            let count = tally.count;
            if count < self.p.min_count {
                continue;
            }
            let baseline_s = (open - host_first[host.as_str()]).as_secs();
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
            tally.trim();
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
            evidence.push(tally.cites.iter().map(|c| &c.1).collect());
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
