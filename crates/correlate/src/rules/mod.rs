//! One module per rule type; `knowledge/rules.toml` says which run, in what
//! order, with what parameters.

mod advice;
mod coincidence;
mod crash;
mod eos;
mod impact;
mod network;
mod recurrence;

use crate::ctx::Ctx;
use uctriage_knowledge::Rule;

/// Run one rule.
pub(crate) fn run(rule: &Rule, ctx: &mut Ctx<'_>) {
    match rule.rule_type.as_str() {
        "impact" => impact::run(rule, ctx),
        "crash_root_cause" => crash::run(rule, ctx),
        "site_network_outage" => network::run(rule, ctx),
        "coincidence" => coincidence::run(rule, ctx),
        "recurrence" => recurrence::run(rule, ctx),
        "end_of_support" => eos::run(rule, ctx),
        "advice" => advice::run(rule, ctx),
        "episodes" => {} // computed before the rules run (see Ctx::new)
        other => ctx.notes.push(format!(
            "rule {}: unknown rule type `{other}`: skipped",
            rule.id
        )),
    }
}

/// Seconds from `b` to `a`.
pub(crate) fn secs(a: uctriage_core::jiff::Timestamp, b: uctriage_core::jiff::Timestamp) -> i64 {
    a.duration_since(b).as_secs()
}
