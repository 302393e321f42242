//! `contact_centre_cause`: links the crash finding of the core a
//! contact-centre failover names as its cause to that failover.
//!
//! A separate rule because of the order: crash findings come after the
//! metric episodes, which read every impact, the failover's too. So the
//! `contact_centre_failover` rule finds the core itself (from the cores of
//! the bundle) and this one, running after both, links the two findings.

use super::common::secs;
use crate::data::Data;
use crate::engine::{Context, Declaration, Emit, Input, Rule};
use crate::finding::FindingKind;
use serde::Deserialize;
use uctriage_knowledge::{Knowledge, KnowledgeError, RuleSpec};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// Classes of the failover findings.
    failovers: Vec<String>,
    /// Classes of the crash findings.
    causes: Vec<String>,
    /// A crash finding starting this close to the core the failover names is it.
    within_s: i64,
}

struct ContactCause {
    p: Params,
}

/// Build the rule from its spec.
pub(crate) fn build(spec: &RuleSpec, _kb: &Knowledge) -> Result<Box<dyn Rule>, KnowledgeError> {
    Ok(Box::new(ContactCause {
        p: spec.params_as()?,
    }))
}

impl Rule for ContactCause {
    fn declare(&self) -> Declaration {
        Declaration {
            events: Vec::new(),
            consumes: self
                .p
                .failovers
                .iter()
                .chain(&self.p.causes)
                .map(|c| Input::Class(c.clone()))
                .collect(),
            produces: Vec::new(),
        }
    }

    fn run(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        let crashes: Vec<_> = cx
            .of_kind(FindingKind::RootCause)
            .filter(|f| self.p.causes.contains(&f.class))
            .collect();
        for f in cx
            .findings()
            .filter(|f| self.p.failovers.contains(&f.class))
        {
            let Data::ContactCentre(d) = &f.data else {
                continue;
            };
            let Some((host, at)) = d
                .cause
                .as_ref()
                .and_then(|c| c.at.map(|at| (c.host.as_str(), at)))
            else {
                continue;
            };
            let hit = crashes.iter().find(|c| {
                c.hosts.iter().any(|h| h == host)
                    && c.start
                        .is_some_and(|s| secs(s, at).abs() <= self.p.within_s)
            });
            if let Some(c) = hit {
                out.link(&c.id, &f.id);
            }
        }
    }
}
