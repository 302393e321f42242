//! `uctriage completions SHELL` and the hidden `uctriage man`: both generated
//! from the command-line definition, so they never drift from it.

use crate::args::{Cli, CompletionsArgs, ManArgs};
use anyhow::{Context, Result};
use clap::CommandFactory;
use std::io::Write;

/// Print the completion script for a shell.
pub fn run(a: CompletionsArgs) -> Result<i32> {
    let mut cmd = Cli::command();
    // Into memory first: clap_complete panics when its writer fails (a
    // closed pipe), and a closed pipe must end quietly.
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "uctriage", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(super::FOUND)
}

/// Print the man page uctriage(1), or write it and one page per command
/// (uctriage-analyze(1), ...) into a folder.
pub fn man(a: ManArgs) -> Result<i32> {
    let cmd = Cli::command();
    match a.dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(cmd, &dir)
                .with_context(|| format!("cannot write man pages into {}", dir.display()))?;
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            clap_mangen::Man::new(cmd).render(&mut out)?;
            out.flush()?;
        }
    }
    Ok(super::FOUND)
}
