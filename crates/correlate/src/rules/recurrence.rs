//! Recurrence: the root-cause node crashed the same way before.

use super::secs;
use crate::ctx::Ctx;
use crate::finding::{Finding, FindingKind};
use uctriage_knowledge::Rule;

pub(crate) fn run(rule: &Rule, ctx: &mut Ctx<'_>) {
    let min_age = rule.param("min_age_s", 86400.0) as i64;
    let roots: Vec<usize> = ctx.root_crashes.iter().map(|(_, c)| *c).collect();
    let crashes = ctx.crashes.clone();
    let mut done = Vec::new();
    for ci in roots {
        let now = &crashes[ci];
        let procs = now.processes();
        for (pi, past) in crashes.iter().enumerate() {
            if past.host != now.host || secs(now.time, past.time) < min_age || done.contains(&pi) {
                continue;
            }
            let past_procs = past.processes();
            if !past_procs.iter().any(|p| procs.contains(p)) {
                continue;
            }
            done.push(pi);
            let same = past_procs == procs;
            let names = past_procs.join(" and ");
            let title = if same {
                format!(
                    "{names} crashed {} on {} before, on {}: the same failure again",
                    if past_procs.len() > 1 { "together" } else { "" },
                    past.host,
                    ctx.when(past.time)
                )
                .replace("  ", " ")
            } else {
                format!(
                    "{names} crashed on {} before, on {} (older history)",
                    past.host,
                    ctx.when(past.time)
                )
            };
            let mut f = Finding::new(FindingKind::Recurrence, &rule.id, title);
            let sigs: Vec<String> = past.cores.iter().filter_map(|c| c.reason.clone()).collect();
            f.summary = format!(
                "{} dumped core on {} at {} ({}){}{}",
                names,
                past.host,
                ctx.when(past.time),
                past.cores
                    .iter()
                    .map(|c| c.core_file.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
                if same {
                    ", the same set of processes that crashed in this incident"
                } else {
                    ""
                },
                if sigs.is_empty() {
                    ". No backtrace of that core is in the bundle: run `utils core active analyze` on it to compare signatures.".to_string()
                } else {
                    format!(". Its abort reason: \"{}\".", sigs.join("\"; \""))
                }
            );
            f.start = Some(past.time);
            f.confidence = if same { 0.85 } else { 0.6 };
            Finding::add(&mut f.hosts, [past.host.clone()]);
            Finding::add(&mut f.services, past_procs.clone());
            for ev in past.evidence() {
                f.cite(ev);
            }
            ctx.cite_sources(&mut f, &rule.sources);
            ctx.push(f);
        }
    }
}
