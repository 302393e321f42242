//! `uctriage knowledge`: what is known, with sources; `knowledge check`:
//! validate a knowledge folder and run its rules' cases.

use crate::args::{ColorWhen, KnowledgeAction, KnowledgeArgs, OutputArgs};
use anyhow::Result;
use std::io::Write;
use std::path::Path;
use uctriage_correlate::{run_cases, Engine, Input, Output};
use uctriage_knowledge::{Knowledge, KnowledgeError};

pub fn run(a: KnowledgeArgs, color: ColorWhen) -> Result<i32> {
    match a.action {
        Some(KnowledgeAction::Check { dir }) => check(dir.as_deref().or(a.knowledge.as_deref())),
        None => list(a.knowledge.as_deref(), &a.out, color),
    }
}

fn report_errors(errors: &[KnowledgeError]) {
    for e in errors {
        eprintln!("error: {e}");
    }
    eprintln!(
        "uctriage: the knowledge is invalid ({} problem{})",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
}

/// Exit 0 when every case passes, 1 when one fails, 2 when the knowledge is invalid.
fn check(dir: Option<&Path>) -> Result<i32> {
    let kb = match Knowledge::load(dir) {
        Ok(kb) => kb,
        Err(e) => {
            report_errors(&e.errors);
            return Ok(2);
        }
    };
    let results = match run_cases(&kb) {
        Ok(r) => r,
        Err(errors) => {
            report_errors(&errors);
            return Ok(2);
        }
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let failed: Vec<_> = results.iter().filter(|r| !r.passed()).collect();
    let mut rule = "";
    for r in &results {
        if r.rule != rule {
            rule = &r.rule;
            writeln!(out, "{} ({})", r.rule, r.file)?;
        }
        writeln!(
            out,
            "  {} {}",
            if r.passed() { "ok  " } else { "FAIL" },
            r.case
        )?;
        for f in &r.failures {
            writeln!(out, "       {f}")?;
        }
    }
    let without: Vec<&str> = kb
        .rules
        .iter()
        .filter(|r| r.enabled && r.cases.is_empty())
        .map(|r| r.id.as_str())
        .collect();
    if !without.is_empty() {
        writeln!(out, "note: rules without cases: {}", without.join(", "))?;
    }
    writeln!(
        out,
        "{} cases, {} passed, {} failed",
        results.len(),
        results.len() - failed.len(),
        failed.len()
    )?;
    out.flush()?;
    Ok(if failed.is_empty() { 0 } else { 1 })
}

fn flag(confirmed: bool) -> &'static str {
    if confirmed {
        ""
    } else {
        " [unconfirmed]"
    }
}

fn list(dir: Option<&Path>, dest: &OutputArgs, color: ColorWhen) -> Result<i32> {
    let kb = match Knowledge::load(dir) {
        Ok(kb) => kb,
        Err(e) => {
            report_errors(&e.errors);
            return Ok(2);
        }
    };
    let engine = match Engine::new(&kb) {
        Ok(e) => e,
        Err(errors) => {
            report_errors(&errors);
            return Ok(2);
        }
    };
    let mut out = crate::output::Output::open(dest, color)?;
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
        let hk = if al.housekeeping {
            " [housekeeping]"
        } else {
            ""
        };
        writeln!(
            out,
            "  {}{also} [{}]{hk}{}: {}  <{}>",
            al.name,
            al.severity,
            flag(al.confirmed),
            al.meaning,
            src(&al.sources)
        )?;
    }
    writeln!(out, "\nCODE TABLES ({})", kb.alarms.code_table.len())?;
    for t in &kb.alarms.code_table {
        let groups: Vec<String> = t.groups.keys().cloned().collect();
        writeln!(
            out,
            "  {} (field {}; {} codes{}){}  <{}>",
            t.id,
            t.field,
            t.codes.len(),
            if groups.is_empty() {
                String::new()
            } else {
                format!("; groups {}", groups.join(", "))
            },
            flag(t.confirmed),
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
            "  {} [{}]{}: {}  <{}>",
            s.id,
            if s.process == "*" { "any" } else { &s.process },
            flag(s.confirmed),
            s.condition,
            src(&s.sources)
        )?;
    }
    for c in &kb.signatures.co_crash {
        writeln!(
            out,
            "  {} (cores within {} s){}: {}  <{}>",
            c.id,
            c.within_s,
            flag(c.confirmed),
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
        writeln!(
            out,
            "  {}: end of support {eos}{}  <{}>",
            p.name,
            flag(p.confirmed),
            src(&p.sources)
        )?;
    }
    writeln!(out, "\nADVICE ({})", kb.advice.advice.len())?;
    for ad in &kb.advice.advice {
        writeln!(
            out,
            "  {} (when {}){}: {}  <{}>",
            ad.id,
            ad.when.join(", "),
            flag(ad.confirmed),
            ad.text,
            src(&ad.sources)
        )?;
    }
    writeln!(out, "\nTHRESHOLDS ({})", kb.thresholds.threshold.len())?;
    for t in &kb.thresholds.threshold {
        writeln!(
            out,
            "  {}: {} above {} (scope {:?}){}  <{}>",
            t.id,
            t.metric,
            t.above,
            t.scope,
            flag(t.confirmed),
            src(&t.sources)
        )?;
    }
    writeln!(out, "\nDEVICE TYPES ({})", kb.devices.device_type.len())?;
    for d in &kb.devices.device_type {
        writeln!(
            out,
            "  {} ({}){}  <{}>",
            d.id,
            d.plural,
            flag(d.confirmed),
            src(&d.sources)
        )?;
    }
    writeln!(
        out,
        "\nFINDING CLASSES AND TAGS ({})",
        kb.classes.class.len()
    )?;
    for c in &kb.classes.class {
        writeln!(out, "  {}: {}  <{}>", c.id, c.meaning, src(&c.sources))?;
    }
    let plan = engine.plan();
    writeln!(out, "\nRULES ({}, in the order they run)", plan.len())?;
    for (id, ty, decl) in plan {
        let spec = kb.rule(id).expect("a planned rule is loaded");
        let reads: Vec<String> = decl
            .consumes
            .iter()
            .map(|i| match i {
                Input::Class(c) => c.clone(),
                Input::Kind(k) => format!("any {}", k.as_str()),
                Input::Everything => "every finding".into(),
                Input::Episodes => "metric episodes".into(),
            })
            .collect();
        let writes: Vec<String> = decl
            .produces
            .iter()
            .map(|o| match o {
                Output::Class(c, k) => format!("{c} ({})", k.as_str()),
                Output::Tag(t) => format!("tag {t}"),
                Output::Episodes => "metric episodes".into(),
            })
            .collect();
        writeln!(
            out,
            "  {id} [{ty}], {} case{}: {}  <{}>",
            spec.cases.len(),
            if spec.cases.len() == 1 { "" } else { "s" },
            spec.description,
            src(&spec.sources)
        )?;
        writeln!(
            out,
            "      reads: {}",
            if reads.is_empty() {
                "events only".into()
            } else {
                reads.join(", ")
            }
        )?;
        writeln!(out, "      writes: {}", writes.join(", "))?;
    }
    let disabled: Vec<&str> = kb
        .rules
        .iter()
        .filter(|r| !r.enabled)
        .map(|r| r.id.as_str())
        .collect();
    if !disabled.is_empty() {
        writeln!(out, "  disabled: {}", disabled.join(", "))?;
    }
    writeln!(out, "\nSOURCES ({})", kb.sources.source.len())?;
    for (k, s) in &kb.sources.source {
        writeln!(out, "  {k}: {} {}", s.title, s.url)?;
    }
    out.finish()?;
    Ok(super::FOUND)
}
