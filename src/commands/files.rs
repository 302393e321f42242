//! `uctriage files`.

use super::{bundled_knowledge, ensure_readable, load_bundle, time_style};
use crate::args::{ColorWhen, FilesArgs, FilesFormat};
use crate::output::Output;
use anyhow::Result;
use uctriage_engine::Retain;

pub fn run(a: FilesArgs, color: ColorWhen) -> Result<i32> {
    let mut out = Output::open(&a.out, color)?;
    // `files` prints no event: none is kept.
    let bundle = load_bundle(&a.input, bundled_knowledge()?, false, Retain::CountOnly)?;
    let style = time_style(&bundle, &a.zone)?;
    let layout = out.layout;
    match a.format {
        FilesFormat::Json => uctriage_report::files_json(&mut out, &bundle.files, &bundle.notes)?,
        FilesFormat::Text => {
            uctriage_report::files_text(&mut out, &style, &layout, &bundle.files, &bundle.notes)?
        }
    }
    out.finish()?;
    // The table is the diagnosis, so it is written even when nothing was
    // understood; the exit code and stderr still say so.
    ensure_readable(&bundle, &a.input.paths)?;
    Ok(super::done(bundle, super::FOUND))
}
