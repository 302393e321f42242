//! `recurrence`: the root-cause node crashed before. The same set of
//! processes crashing together again is the same failure; other earlier
//! cores of one of its processes are older history.

use super::common::secs;
use crate::data::{Data, RecurrenceData};
use crate::engine::{Context, Declaration, Emit, Input, Output, Rule};
use crate::finding::{Finding, FindingKind};
use serde::Deserialize;
use uctriage_core::Kind;
use uctriage_knowledge::{Knowledge, KnowledgeError, RuleSpec};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// Only cores at least this much older than the root cause count.
    min_age_s: i64,
    /// Confidence for the same set of processes, and for older history.
    confidence_same: f64,
    /// Confidence for older history.
    confidence_history: f64,
}

struct Recurrence {
    p: Params,
    sources: Vec<String>,
}

/// Build the rule from its spec.
pub(crate) fn build(spec: &RuleSpec, _kb: &Knowledge) -> Result<Box<dyn Rule>, KnowledgeError> {
    Ok(Box::new(Recurrence {
        p: spec.params_as()?,
        sources: spec.sources.clone(),
    }))
}

impl Rule for Recurrence {
    fn declare(&self) -> Declaration {
        Declaration {
            events: vec![Kind::ServiceCore, Kind::Backtrace],
            consumes: vec![
                Input::Class("service-hang".into()),
                Input::Class("service-crash".into()),
            ],
            produces: vec![
                Output::Class("recurrence".into(), FindingKind::Recurrence),
                Output::Tag("same-failure".into()),
            ],
        }
    }

    fn run(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        let crashes = cx.crashes();
        let mut done: Vec<usize> = Vec::new();
        let roots: Vec<(String, uctriage_core::jiff::Timestamp, Vec<String>)> = cx
            .findings()
            .filter_map(|f| match &f.data {
                Data::Crash(d) => {
                    let mut procs: Vec<String> =
                        d.cores.iter().map(|c| c.process.clone()).collect();
                    procs.sort();
                    procs.dedup();
                    Some((d.host.clone(), d.cores.iter().map(|c| c.at).min()?, procs))
                }
                _ => None,
            })
            .collect();
        for (host, now, procs) in &roots {
            for (pi, past) in crashes.iter().enumerate() {
                if &past.host != host
                    || secs(*now, past.time) < self.p.min_age_s
                    || done.contains(&pi)
                {
                    continue;
                }
                let past_procs = past.processes();
                if !past_procs.iter().any(|p| procs.contains(p)) {
                    continue;
                }
                done.push(pi);
                let same = &past_procs == procs;
                let data = RecurrenceData {
                    host: past.host.clone(),
                    processes: past_procs.clone(),
                    at: past.time,
                    cores: past.cores.iter().map(|c| c.core_file.clone()).collect(),
                    same,
                    reasons: past.cores.iter().filter_map(|c| c.reason.clone()).collect(),
                };
                let mut f = Finding::new(
                    FindingKind::Recurrence,
                    "recurrence",
                    Data::Recurrence(data),
                );
                if same {
                    f.tag("same-failure");
                }
                f.start = Some(past.time);
                f.confidence = if same {
                    self.p.confidence_same
                } else {
                    self.p.confidence_history
                };
                Finding::add(&mut f.hosts, [past.host.clone()]);
                Finding::add(&mut f.services, past_procs);
                for ev in past.evidence() {
                    f.cite(ev);
                }
                cx.cite_sources(&mut f, &self.sources);
                out.push(f);
            }
        }
    }
}
