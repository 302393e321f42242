//! `advice`: the post-incident steps of `advice.toml` whose classes or tags
//! appear among the findings.

use crate::data::{AdviceData, AdviceItem, Data};
use crate::engine::{Context, Declaration, Emit, Input, Output, Rule};
use crate::finding::{Finding, FindingKind};
use serde::Deserialize;
use std::collections::BTreeSet;
use uctriage_knowledge::{Knowledge, KnowledgeError, RuleSpec};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// Confidence of the advice finding.
    confidence: f64,
}

struct Advice {
    p: Params,
}

/// Build the rule from its spec.
pub(crate) fn build(spec: &RuleSpec, _kb: &Knowledge) -> Result<Box<dyn Rule>, KnowledgeError> {
    Ok(Box::new(Advice {
        p: spec.params_as()?,
    }))
}

impl Rule for Advice {
    fn declare(&self) -> Declaration {
        Declaration {
            events: Vec::new(),
            consumes: vec![Input::Everything],
            produces: vec![Output::Class(
                "post-incident-steps".into(),
                FindingKind::Advisory,
            )],
        }
    }

    fn run(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        let present: BTreeSet<&str> = cx
            .findings()
            .flat_map(|f| {
                std::iter::once(f.class.as_str()).chain(f.tags.iter().map(String::as_str))
            })
            .collect();
        let advice: Vec<_> = cx
            .kb
            .advice
            .advice
            .iter()
            .filter(|a| a.when.iter().any(|w| present.contains(w.as_str())))
            .collect();
        if advice.is_empty() {
            return;
        }
        let triggers: BTreeSet<String> = advice
            .iter()
            .flat_map(|a| a.when.iter())
            .filter(|w| present.contains(w.as_str()))
            .cloned()
            .collect();
        let data = AdviceData {
            triggers: triggers.into_iter().collect(),
            items: advice
                .iter()
                .map(|a| AdviceItem {
                    id: a.id.clone(),
                    text: a.text.trim().to_string(),
                    bug_ids: a.bug_ids.clone(),
                    confirmed: a.confirmed,
                })
                .collect(),
        };
        let mut f = Finding::new(
            FindingKind::Advisory,
            "post-incident-steps",
            Data::Advice(data),
        );
        for a in &advice {
            let bugs = if a.bug_ids.is_empty() {
                String::new()
            } else {
                format!(" (bug IDs: {})", a.bug_ids.join(", "))
            };
            let flag = if a.confirmed { "" } else { " (unverified)" };
            Finding::add(
                &mut f.next_checks,
                [format!("{}{bugs}{flag}", a.text.trim())],
            );
            cx.cite_sources(&mut f, &a.sources);
        }
        f.confidence = self.p.confidence;
        out.push(f);
    }
}
