//! End of support: products seen in the bundle whose support has ended.

use crate::ctx::Ctx;
use crate::finding::{Finding, FindingKind};
use uctriage_core::jiff::civil::Date;
use uctriage_core::{EntityKind, Event};
use uctriage_knowledge::{Product, Rule};

pub(crate) fn run(rule: &Rule, ctx: &mut Ctx<'_>) {
    let incident = ctx
        .impacts
        .first()
        .map(|i| i.start)
        .or_else(|| ctx.events().iter().filter_map(|e| e.time).max());
    let Some(incident) = incident else { return };
    let day = incident.to_zoned_datetime(ctx.tz.clone()).date();
    let products = ctx.kb.lifecycle.product.clone();
    for p in &products {
        let Some(seen) = detect(ctx, p) else { continue };
        let eos: Option<Date> = p.end_of_support.parse().ok();
        let (title, confidence) = match eos {
            Some(d) if d <= day => (
                format!("{} is past end of support ({d})", p.name),
                if p.confirmed { 0.9 } else { 0.5 },
            ),
            Some(_) => continue,
            None => (format!("{}: end-of-support date unknown", p.name), 0.3),
        };
        let mut f = Finding::new(FindingKind::Advisory, &rule.id, title);
        f.summary = format!(
            "{} appears in the bundle ({}). {}{}",
            p.name,
            seen.1,
            match eos {
                Some(d) => format!(
                    "Its end of support is {d}{}",
                    if p.end_of_sale.is_empty() {
                        String::new()
                    } else {
                        format!(" (end of sale {})", p.end_of_sale)
                    }
                ),
                None => "No public source in the knowledge base gives its end-of-support date"
                    .to_string(),
            },
            if p.confirmed {
                ".".to_string()
            } else {
                format!(" — not verified: {}.", p.note.trim_end_matches('.'))
            }
        );
        f.confidence = confidence;
        if let Some(ev) = seen.0 {
            f.cite(&ev.evidence);
            Finding::add(&mut f.hosts, ev.host.clone());
        }
        ctx.cite_sources(&mut f, &p.sources);
        ctx.push(f);
    }
}

/// The first event (if any) that reveals the product, and how.
fn detect<'e>(ctx: &Ctx<'e>, p: &Product) -> Option<(Option<&'e Event>, String)> {
    let starts_with = |id: &str, prefix: &str| {
        id.as_bytes()
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
    };
    for e in ctx.events() {
        if let Some(proc_) = e
            .entity_ids(EntityKind::Process)
            .find(|id| p.detect_processes.iter().any(|d| starts_with(id, d)))
        {
            return Some((
                Some(e),
                format!("process {proc_} on {}", e.host.as_deref().unwrap_or("?")),
            ));
        }
        if let Some(word) = p
            .detect_text
            .iter()
            .find(|w| e.evidence.text.contains(w.as_str()))
        {
            return Some((
                Some(e),
                format!("\"{word}\" in {}:{}", e.evidence.file, e.evidence.line),
            ));
        }
    }
    for host in ctx.bundle.hosts.hosts().values() {
        for v in &host.versions {
            if p.detect_versions
                .iter()
                .any(|m| v.starts_with(&format!("{} {}", m.product, m.prefix)))
            {
                return Some((None, format!("version {v} on {}", host.name)));
            }
        }
    }
    None
}
