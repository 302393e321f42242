//! `end_of_support`: products seen in the bundle whose end of support has
//! passed by the incident. An unconfirmed date is reported as unverified.

use crate::data::{Data, LifecycleData};
use crate::engine::{Context, Declaration, Emit, Input, Output, RawFilter, Rule};
use crate::events::Record;
use crate::finding::{Finding, FindingKind};
use serde::Deserialize;
use std::borrow::Cow;
use uctriage_core::jiff::civil::Date;
use uctriage_core::{EntityKind, Event, Kind, KindSet, RawEvent};
use uctriage_knowledge::{Knowledge, KnowledgeError, Product, RuleSpec};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    /// Confidence of a confirmed date that has passed.
    confidence_confirmed: f64,
    /// Confidence of an unconfirmed date that has passed.
    confidence_unconfirmed: f64,
    /// Confidence when the date is unknown.
    confidence_unknown: f64,
}

struct Eos {
    p: Params,
    /// Words and process-name prefixes that reveal a product (from lifecycle.toml).
    words: Vec<String>,
    processes: Vec<String>,
}

/// Build the rule from its spec and the products of `lifecycle.toml`.
pub(crate) fn build(spec: &RuleSpec, kb: &Knowledge) -> Result<Box<dyn Rule>, KnowledgeError> {
    let products = &kb.lifecycle.product;
    Ok(Box::new(Eos {
        p: spec.params_as()?,
        words: products
            .iter()
            .flat_map(|p| p.detect_text.clone())
            .collect(),
        processes: products
            .iter()
            .flat_map(|p| p.detect_processes.iter().map(|d| d.to_ascii_lowercase()))
            .collect(),
    }))
}

impl Rule for Eos {
    /// Every event is read with `Events::each_event`, on disk or not.
    fn streams(&self) -> KindSet {
        KindSet::ALL
    }

    fn declare(&self) -> Declaration {
        Declaration {
            // Every understood record; of the ordinary lines, only those that
            // name a product (also_keeps).
            events: Kind::ALL
                .iter()
                .copied()
                .filter(|k| *k != Kind::Log)
                .collect(),
            consumes: vec![Input::Kind(FindingKind::Impact)],
            produces: vec![
                Output::Class("end-of-support".into(), FindingKind::Advisory),
                Output::Tag("past-end-of-support".into()),
            ],
        }
    }

    fn also_keeps(&self) -> Option<RawFilter> {
        let (words, processes) = (self.words.clone(), self.processes.clone());
        Some(std::sync::Arc::new(move |e: &RawEvent| {
            words.iter().any(|w| e.text.get().contains(w.as_str()))
                || e.entities.iter().any(|en| {
                    en.kind == EntityKind::Process
                        && processes.iter().any(|p| {
                            en.id
                                .get(..p.len())
                                .is_some_and(|head| head.eq_ignore_ascii_case(p))
                        })
                })
        }))
    }

    fn run(&self, cx: &Context<'_>, out: &mut Emit<'_>) {
        let incident = cx
            .of_kind(FindingKind::Impact)
            .filter_map(|f| f.start)
            .min()
            .or_else(|| cx.events.last_time());
        let Some(incident) = incident else { return };
        let day = incident.to_zoned_datetime(cx.tz.clone()).date();
        let products = &cx.kb.lifecycle.product;
        for (p, found) in products.iter().zip(detect(cx, products)) {
            let Some((ev, seen)) = found else {
                continue;
            };
            let eos: Option<Date> = p.end_of_support.parse().ok();
            let confidence = match eos {
                Some(d) if d <= day && p.confirmed => self.p.confidence_confirmed,
                Some(d) if d <= day => self.p.confidence_unconfirmed,
                Some(_) => continue,
                None => self.p.confidence_unknown,
            };
            let data = LifecycleData {
                product: p.id.clone(),
                name: p.name.clone(),
                end_of_support: eos.map(|d| d.to_string()),
                end_of_sale: (!p.end_of_sale.is_empty()).then(|| p.end_of_sale.clone()),
                seen,
                confirmed: p.confirmed,
                note: p.note.trim().trim_end_matches('.').to_string(),
            };
            let mut f = Finding::new(
                FindingKind::Advisory,
                "end-of-support",
                Data::Lifecycle(data),
            );
            f.confidence = confidence;
            if eos.is_some() {
                f.tag("past-end-of-support");
            }
            // An unknown date claims nothing; an unconfirmed date is unverified.
            f.confirmed = p.confirmed || eos.is_none();
            if let Some(ev) = ev {
                f.cite(&ev.evidence);
                Finding::add(&mut f.hosts, ev.host.clone());
            }
            cx.cite_sources(&mut f, &p.sources);
            out.push(f);
        }
    }
}

/// What revealed a product: the first event that does, if any, and how.
type Seen = Option<(Option<Event>, String)>;

/// For each product, the first event (if any) that reveals it, and how; else
/// a version of a host. One pass over the events for all the products, each
/// word searched with a searcher built once (an event-dense bundle is
/// millions of events: a pass per product and a search set up per event
/// and word cost more than the rest of the rules together).
fn detect(cx: &Context<'_>, products: &[Product]) -> Vec<Seen> {
    let mut found: Vec<Seen> = products.iter().map(|_| None).collect();
    let finders: Vec<Vec<(&str, memchr::memmem::Finder<'_>)>> = products
        .iter()
        .map(|p| {
            p.detect_text
                .iter()
                .map(|w| (w.as_str(), memchr::memmem::Finder::new(w.as_bytes())))
                .collect()
        })
        .collect();
    let wanted: Vec<bool> = products
        .iter()
        .map(|p| !(p.detect_processes.is_empty() && p.detect_text.is_empty()))
        .collect();
    if wanted.iter().any(|w| *w) {
        let firsts = cx.events.first_of_each(&wanted, |e, left, hit| {
            // Read once per event, and only when a product's words are sought
            // (a text spilled to disk is a read: not one per product).
            let mut text = None;
            for (i, p) in products.iter().enumerate() {
                if !left[i] {
                    continue;
                }
                if let Some(seen) = reveals(e, p, &finders[i], &mut text) {
                    hit(i, seen);
                }
            }
        });
        for (f, first) in found.iter_mut().zip(firsts) {
            *f = first.map(|(e, seen)| (Some(e), seen));
        }
    }
    for (p, f) in products.iter().zip(found.iter_mut()) {
        if f.is_none() {
            *f = by_version(cx, p);
        }
    }
    found
}

/// How `e` reveals `p` (a process, else one of its words), if it does.
fn reveals<'e>(
    e: &'e dyn Record,
    p: &Product,
    words: &[(&str, memchr::memmem::Finder<'_>)],
    text: &mut Option<Cow<'e, str>>,
) -> Option<String> {
    let starts_with = |id: &str, prefix: &str| {
        id.as_bytes()
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix.as_bytes()))
    };
    if !p.detect_processes.is_empty() {
        if let Some(proc_) = e.find_entity(EntityKind::Process, &mut |id| {
            p.detect_processes.iter().any(|d| starts_with(id, d))
        }) {
            return Some(format!("process {proc_} on {}", e.host().unwrap_or("?")));
        }
    }
    if words.is_empty() {
        return None;
    }
    let text = text.get_or_insert_with(|| e.text());
    let (word, _) = words
        .iter()
        .find(|(_, f)| f.find(text.as_bytes()).is_some())?;
    Some(format!("\"{word}\" in {}:{}", e.file(), e.line()))
}

/// A host version that reveals the product. Of several hosts, one whose
/// cluster role is known first (`show status` prints the same `Product Ver`
/// line on every VOS appliance, UCCX and Unity Connection too: a node listed
/// in `show network cluster` is a Unified CM node), then the oldest version;
/// the host name only breaks a tie, so that renaming hosts does not change
/// which one is cited.
fn by_version(cx: &Context<'_>, p: &Product) -> Seen {
    let mut candidates: Vec<(bool, &str, &str)> = Vec::new();
    for host in cx.hosts.hosts().values() {
        for v in &host.versions {
            if p.detect_versions
                .iter()
                .any(|m| v.starts_with(&format!("{} {}", m.product, m.prefix)))
            {
                candidates.push((host.roles.is_empty(), v.as_str(), host.name.as_str()));
            }
        }
    }
    let (_, v, host) = candidates.into_iter().min()?;
    Some((None, format!("version {v} on {host}")))
}
