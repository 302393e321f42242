//! `uctriage analyze`.

use super::plain::Plain;
use super::window::Window;
use super::{ensure_readable, load_configured, time_style, Phases};
use crate::args::{AnalyzeArgs, AnalyzeFormat, ColorWhen};
use crate::output::Output;
use anyhow::{Context, Result};
use std::sync::Arc;
use uctriage_core::jiff::Timestamp;
use uctriage_correlate::{Engine, PlainLog, Topology, TopologyFile};
use uctriage_engine::{Bundle, Retain};
use uctriage_knowledge::Knowledge;
use uctriage_report::TimeStyle;

pub fn run(a: AnalyzeArgs, color: ColorWhen) -> Result<i32> {
    let kb = Arc::new(Knowledge::load(a.knowledge.as_deref())?);
    // Every rule is built and checked before a byte of the bundle is read.
    let engine = Engine::new(&kb).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        anyhow::anyhow!("the knowledge is invalid:\n{}", lines.join("\n"))
    })?;
    // The HTML report draws every event in its host lanes; the other
    // formats keep only what the rules read, and the plain lines only the
    // unusual-activity miner reads are mined as they stream past
    // (super::plain), none kept as an event. Past the memory budget, the
    // kinds the rules only stream, or do not read, stay on disk
    // (Engine::disk_kinds): the lanes read every event in order.
    let (retain, plain, on_disk) = match a.format {
        AnalyzeFormat::Html => (Retain::All, None, engine.disk_kinds()),
        _ if engine.reads_plain() => (
            Retain::Only(engine.retention_without_plain()),
            Some(Plain::new()),
            engine.disk_kinds(),
        ),
        _ => (Retain::Only(engine.retention()), None, engine.disk_kinds()),
    };
    let topo_file = topology_file(&a)?;
    let mut out = Output::open(&a.out, color)?;
    let mut phases = Phases::from_env();
    let sink = plain.as_ref().map(Plain::factory);
    let mut bundle = load_configured(&a.input, kb.clone(), false, retain, sink, on_disk)?;
    phases.done("load (read, parse, normalize)");
    ensure_readable(&bundle, &a.input.paths)?;
    let mut plain = plain.map(|p| p.place(&mut bundle));
    let style = time_style(&bundle, &a.zone)?;
    let window = Window::new(&a.window, &bundle, &style)?;
    focus(&mut bundle, plain.as_mut(), &a.host, &window, &style);
    let topology = Topology::build(
        &bundle.events,
        &bundle.hosts,
        topo_file.as_ref().map(|(f, p)| (f, p.as_str())),
    );
    phases.done("prepare (window, topology)");
    let analysis = engine.analyze_with(&bundle, plain.as_ref(), &kb, &topology, &style.tz);
    phases.done("correlate");
    let layout = out.layout;
    match a.format {
        AnalyzeFormat::Text => {
            uctriage_report::analysis_text(&mut out, &analysis, &style, &layout, &bundle.notes)?
        }
        AnalyzeFormat::Md => {
            uctriage_report::analysis_markdown(&mut out, &analysis, &style, &bundle.notes)?
        }
        AnalyzeFormat::Json => uctriage_report::analysis_json(
            &mut out,
            &analysis,
            &bundle.files,
            &bundle.notes,
            &bundle.display.zone,
        )?,
        AnalyzeFormat::Html => {
            uctriage_report::analysis_html(&mut out, &analysis, &bundle, &style)?
        }
    }
    out.finish()?;
    phases.done("render");
    phases.report();
    let code = if analysis.findings.is_empty() {
        super::NOTHING_FOUND
    } else {
        super::FOUND
    };
    Ok(super::done(bundle, code))
}

/// Keep only the events (and plain lines) of `hosts` (when any is named)
/// inside `window`, and say so in the bundle's notes: the analysis sees
/// nothing else, so a recurrence or a baseline outside the window is not
/// seen either.
fn focus(
    bundle: &mut Bundle,
    plain: Option<&mut PlainLog>,
    hosts: &[String],
    window: &Window,
    style: &TimeStyle,
) {
    if hosts.is_empty() && !window.is_set() {
        return;
    }
    let wanted: Vec<String> = hosts.iter().map(|h| bundle.hosts.resolve(h)).collect();
    let (span, named) = (window.span(), wanted.clone());
    let keeps = move |host: Option<&str>, time: Option<Timestamp>| {
        let host_ok = named.is_empty() || host.is_some_and(|h| named.iter().any(|w| w == h));
        // Undated events (CLI snapshots: versions, cluster lists) belong to
        // no window: they stay, so that what they tell is still known.
        let time_ok = time.is_none() || span.contains(time);
        host_ok && time_ok
    };
    let on_disk = |b: &Bundle| b.spilled.as_ref().map_or(0, |r| r.events() as usize);
    let before = bundle.events.len() + on_disk(bundle);
    bundle.events.retain(|e| keeps(e.host.as_deref(), e.time));
    if let Some(runs) = &mut bundle.spilled {
        let keeps = keeps.clone();
        if let Err(e) = runs.restrict(std::sync::Arc::new(move |h| keeps(h.host, h.time))) {
            bundle.notes.push(format!(
                "events on disk could not be limited to the window: {e}"
            ));
        }
    }
    if let Some(p) = plain {
        p.retain(|h, t| {
            (wanted.is_empty() || wanted.iter().any(|w| w == h)) && window.keeps(Some(t))
        });
    }
    let mut scope = Vec::new();
    if !wanted.is_empty() {
        scope.push(format!("hosts {}", wanted.join(", ")));
    }
    if window.is_set() {
        let show = |t: Option<uctriage_core::jiff::Timestamp>| {
            t.map_or_else(|| "…".to_string(), |t| style.show(t))
        };
        scope.push(format!(
            "from {} to {}",
            show(window.since),
            show(window.until)
        ));
    }
    bundle.notes.push(format!(
        "analysis limited to {} (--host/--since/--until): {} of {} events kept; nothing outside is seen, recurrences and baselines included",
        scope.join(", "),
        bundle.events.len() + on_disk(bundle),
        before
    ));
    bundle.notes.extend(window.explained.iter().cloned());
}

/// `--topology FILE`, else a `topology.toml` at the top of a folder input.
fn topology_file(a: &AnalyzeArgs) -> Result<Option<(TopologyFile, String)>> {
    let path = a.topology.clone().or_else(|| {
        a.input
            .paths
            .iter()
            .filter(|p| p.is_dir())
            .map(|p| p.join("topology.toml"))
            .find(|p| p.exists())
    });
    let Some(path) = path else { return Ok(None) };
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let file: TopologyFile = toml::from_str(&text)
        .with_context(|| format!("{} is not a valid topology file", path.display()))?;
    Ok(Some((file, path.display().to_string())))
}
