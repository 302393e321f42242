//! `uctriage knowledge`: what is known, with sources.

use crate::args::{ColorWhen, KnowledgeArgs};
use crate::output::Output;
use anyhow::Result;
use std::io::Write;
use uctriage_knowledge::Knowledge;

pub fn run(a: KnowledgeArgs, color: ColorWhen) -> Result<i32> {
    let kb = Knowledge::load(a.knowledge.as_deref())?;
    let mut out = Output::open(&a.out, color)?;
    for (file, origin) in &kb.origin {
        writeln!(out, "# {file}: {origin}")?;
    }
    let src = |keys: &[String]| keys.join(", ");
    writeln!(out, "\nALARMS AND RTMT ALERTS ({})", kb.alarms.alarm.len())?;
    for al in &kb.alarms.alarm {
        let also = if al.also.is_empty() {
            String::new()
        } else {
            format!(" (also {})", al.also.join(", "))
        };
        let flag = if al.confirmed { "" } else { " [unconfirmed]" };
        writeln!(
            out,
            "  {}{also} [{}]{flag}: {}  <{}>",
            al.name,
            al.severity,
            al.meaning,
            src(&al.sources)
        )?;
    }
    writeln!(out, "\nCODE TABLES ({})", kb.alarms.code_table.len())?;
    for t in &kb.alarms.code_table {
        writeln!(
            out,
            "  {} (field {}; {} codes)  <{}>",
            t.id,
            t.field,
            t.codes.len(),
            src(&t.sources)
        )?;
    }
    writeln!(
        out,
        "\nCRASH SIGNATURES ({})",
        kb.signatures.signature.len()
    )?;
    for s in &kb.signatures.signature {
        writeln!(
            out,
            "  {} [{}]: {}  <{}>",
            s.id,
            if s.process.is_empty() {
                "any"
            } else {
                &s.process
            },
            s.condition,
            src(&s.sources)
        )?;
    }
    for c in &kb.signatures.co_crash {
        writeln!(
            out,
            "  {} (cores within {} s): {}  <{}>",
            c.id,
            c.within_s,
            c.meaning,
            src(&c.sources)
        )?;
    }
    writeln!(out, "\nEND OF SUPPORT ({})", kb.lifecycle.product.len())?;
    for p in &kb.lifecycle.product {
        let eos = if p.end_of_support.is_empty() {
            "unknown"
        } else {
            &p.end_of_support
        };
        let flag = if p.confirmed { "" } else { " [unconfirmed]" };
        writeln!(
            out,
            "  {}: end of support {eos}{flag}  <{}>",
            p.name,
            src(&p.sources)
        )?;
    }
    writeln!(out, "\nADVICE ({})", kb.advice.advice.len())?;
    for ad in &kb.advice.advice {
        writeln!(
            out,
            "  {} (when {}): {}  <{}>",
            ad.id,
            ad.when.join(", "),
            ad.text,
            src(&ad.sources)
        )?;
    }
    writeln!(out, "\nTHRESHOLDS ({})", kb.thresholds.threshold.len())?;
    for t in &kb.thresholds.threshold {
        writeln!(
            out,
            "  {}: {} above {}  <{}>",
            t.id,
            t.metric,
            t.above,
            src(&t.sources)
        )?;
    }
    writeln!(out, "\nRULES ({})", kb.rules.rule.len())?;
    for r in &kb.rules.rule {
        writeln!(
            out,
            "  {} [{}]: {}  <{}>",
            r.id,
            r.rule_type,
            r.description,
            src(&r.sources)
        )?;
    }
    writeln!(out, "\nSOURCES ({})", kb.sources.source.len())?;
    for (k, s) in &kb.sources.source {
        writeln!(out, "  {k}: {} {}", s.title, s.url)?;
    }
    let missing = kb.dangling_sources();
    if !missing.is_empty() {
        writeln!(
            out,
            "\nwarning: facts cite sources not in sources.toml: {}",
            missing.join(", ")
        )?;
    }
    out.finish()?;
    Ok(super::FOUND)
}
