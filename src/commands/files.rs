//! `uctriage files`.

use super::{bundled_knowledge, load_bundle, time_style};
use crate::args::{FilesArgs, FilesFormat};
use anyhow::Result;
use std::io::Write;
use uctriage_engine::Retain;

pub fn run(a: FilesArgs) -> Result<i32> {
    // `files` prints no event: none is kept.
    let bundle = load_bundle(&a.input, bundled_knowledge()?, false, Retain::CountOnly)?;
    let style = time_style(&bundle, a.utc);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match a.format {
        FilesFormat::Json => uctriage_report::files_json(&mut out, &bundle.files, &bundle.notes)?,
        FilesFormat::Text => {
            uctriage_report::files_text(&mut out, &style, &bundle.files, &bundle.notes)?
        }
    }
    out.flush()?;
    Ok(super::exit_code(bundle))
}
