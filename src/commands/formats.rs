//! `uctriage formats`.

use anyhow::Result;
use std::io::Write;

pub fn run() -> Result<i32> {
    let mut out = std::io::stdout().lock();
    for f in uctriage_formats::registry() {
        writeln!(
            out,
            "{}\n    {}\n    e.g. {}\n",
            f.name(),
            f.description(),
            f.example()
        )?;
    }
    Ok(super::FOUND)
}
