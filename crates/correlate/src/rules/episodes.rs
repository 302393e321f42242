//! `metric_episodes`: metric samples and pings become series per host and
//! metric class; each series' departures from its normal band become
//! episodes, which other rules read as evidence.

use crate::engine::{Context, Declaration, Emit, Input, Output, Rule};
use crate::finding::FindingKind;
use crate::metrics::{build_series, detect_episodes, EpisodeConfig, Series};
use std::collections::BTreeSet;
use uctriage_core::jiff::Timestamp;
use uctriage_core::Kind;
use uctriage_knowledge::{Knowledge, KnowledgeError, RuleSpec, Scope};

struct Episodes {
    cfg: EpisodeConfig,
}

/// Build the rule from its spec.
pub(crate) fn build(spec: &RuleSpec, _kb: &Knowledge) -> Result<Box<dyn Rule>, KnowledgeError> {
    Ok(Box::new(Episodes {
        cfg: spec.params_as()?,
    }))
}

impl Rule for Episodes {
    fn declare(&self) -> Declaration {
        Declaration {
            events: vec![Kind::MetricSample, Kind::Ping],
            // Reads impacts only to mark episodes that began long before them.
            consumes: vec![Input::Kind(FindingKind::Impact)],
            produces: vec![Output::Episodes],
        }
    }

    fn run(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        let series = build_series(
            cx.events.of_kinds(&[Kind::MetricSample, Kind::Ping]),
            cx.kb,
            &|name| cx.hosts.resolve(name),
        );
        let nodes = cucm_nodes(cx);
        let in_scope = |s: &Series, scope: Scope| match scope {
            Scope::Any => true,
            Scope::ClusterNodePairs => {
                s.from.as_deref().is_some_and(|f| nodes.contains(f)) && nodes.contains(&s.host)
            }
            Scope::CucmNodes => s.from.is_none() && nodes.contains(&s.host),
            Scope::VirtualisationHosts => s.from.is_none(),
        };
        let mut episodes = detect_episodes(&series, cx.kb, &self.cfg, &in_scope);
        let t0: Option<Timestamp> = cx
            .of_kind(FindingKind::Impact)
            .filter_map(|f| f.start)
            .min();
        if let Some(t0) = t0 {
            for e in &mut episodes {
                e.pre_existing =
                    e.open_start || t0.duration_since(e.start).as_secs() > self.cfg.pre_existing_s;
            }
        }
        out.set_metrics(series, episodes);
    }
}

/// Hosts the bundle shows to be CUCM cluster nodes: a role from `show network
/// cluster` or a node list, membership of a CallManager group, or a CUCM
/// version.
fn cucm_nodes(cx: &Context<'_>) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = cx.topo.group_hosts().into_iter().collect();
    for (name, info) in cx.hosts.hosts() {
        if !info.roles.is_empty() || info.versions.iter().any(|v| v.starts_with("CUCM")) {
            out.insert(name.clone());
        }
    }
    out
}
