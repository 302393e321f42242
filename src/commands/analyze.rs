//! `uctriage analyze`.

use super::{load_bundle, time_style};
use crate::args::{AnalyzeArgs, AnalyzeFormat};
use anyhow::{Context, Result};
use std::io::Write;
use std::sync::Arc;
use uctriage_correlate::{Engine, Topology, TopologyFile};
use uctriage_engine::Retain;
use uctriage_knowledge::Knowledge;

pub fn run(a: AnalyzeArgs) -> Result<i32> {
    let kb = Arc::new(Knowledge::load(a.knowledge.as_deref())?);
    // Every rule is built and checked before a byte of the bundle is read.
    let engine = Engine::new(&kb).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        anyhow::anyhow!("the knowledge is invalid:\n{}", lines.join("\n"))
    })?;
    // The HTML report draws every event in its host lanes; the other
    // formats need only what the rules read.
    let retain = match a.format {
        AnalyzeFormat::Html => Retain::All,
        _ => Retain::Only(engine.retention()),
    };
    let bundle = load_bundle(&a.input, kb.clone(), false, retain)?;
    let style = time_style(&bundle, a.utc);
    let topo_file = topology_file(&a)?;
    let topology = Topology::build(
        &bundle.events,
        &bundle.hosts,
        topo_file.as_ref().map(|(f, p)| (f, p.as_str())),
    );
    let analysis = engine.analyze(&bundle, &kb, &topology, &style.tz);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match a.format {
        AnalyzeFormat::Text => {
            uctriage_report::analysis_text(&mut out, &analysis, &style, &bundle.notes)?
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
    out.flush()?;
    Ok(super::exit_code(bundle))
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
