//! "Nothing readable": when no file of the input yielded a single understood
//! line, the command fails (exit 2) with a message that names every file and
//! why nothing was read from it, from the problems the pipeline recorded.

use anyhow::{bail, Result};
use std::path::PathBuf;
use uctriage_engine::{Bundle, FileInfo};

/// Files named in the message before "... and N more".
const LISTED: usize = 20;

/// Whether anything of `f` was understood.
fn understood(f: &FileInfo) -> bool {
    f.understood > 0 || f.events > 0
}

/// Fail unless at least one file of `bundle` was understood.
pub(crate) fn ensure_readable(bundle: &Bundle, inputs: &[PathBuf]) -> Result<()> {
    if bundle.files.iter().any(understood) {
        return Ok(());
    }
    let shown: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    if bundle.files.is_empty() {
        bail!("nothing readable: {} holds no files", shown.join(", "));
    }
    let mut msg = format!(
        "nothing readable: not one line of {} was understood",
        if bundle.files.len() == 1 {
            "the file".to_string()
        } else {
            format!("the {} files", bundle.files.len())
        }
    );
    for f in bundle.files.iter().take(LISTED) {
        msg.push_str(&format!("\n  {}: {}", f.path, why(f)));
    }
    if bundle.files.len() > LISTED {
        msg.push_str(&format!(
            "\n  ... and {} more (`uctriage files {}` lists them all)",
            bundle.files.len() - LISTED,
            shown.join(" ")
        ));
    }
    msg.push_str("\n`uctriage formats` lists the formats read; --input-format NAME forces one");
    bail!(msg)
}

/// Why nothing of `f` was read: its file-level problems (the pipeline's own
/// words: unreadable, a document, binary, empty, not recognised, skipped
/// special files, ...), else its first problem, else what is known.
fn why(f: &FileInfo) -> String {
    let whole: Vec<&str> = f
        .problems
        .iter()
        .filter(|p| p.line.is_none())
        .map(|p| p.message.as_str())
        .collect();
    if !whole.is_empty() {
        return whole.join("; ");
    }
    if let Some(p) = f.problems.first() {
        let at = p.line.map(|l| format!("line {l}: ")).unwrap_or_default();
        return format!(
            "{} line{} read as {}, none understood (first problem: {at}{})",
            f.lines,
            if f.lines == 1 { "" } else { "s" },
            f.format,
            p.message
        );
    }
    match f.format {
        "unknown" => format!("format not recognised ({} lines)", f.lines),
        "empty" => "empty file".to_string(),
        fmt => format!(
            "{} line{} read as {fmt}, none understood",
            f.lines,
            if f.lines == 1 { "" } else { "s" }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uctriage_core::Problem;

    /// The FileInfo the pipeline makes of a file that yielded only `problems`.
    fn file(path: &str, format: &'static str, problems: Vec<Problem>) -> FileInfo {
        let mut parsed = uctriage_formats::ParsedFile::failed(path, format, Problem::file("x"));
        parsed.problems = problems;
        parsed.lines = 12;
        let mut b = uctriage_normalize::normalize(vec![parsed], &Default::default());
        b.files.remove(0)
    }

    #[test]
    fn each_file_says_why_in_the_pipelines_words() {
        let fifo = file(
            "pipe",
            "unreadable",
            vec![Problem::file("not a regular file (a FIFO): skipped")],
        );
        assert_eq!(why(&fifo), "not a regular file (a FIFO): skipped");
        let lines = file(
            "x.log",
            "cisco-syslog",
            vec![Problem::at(3, "no timestamp")],
        );
        assert!(
            why(&lines).contains("line 3: no timestamp"),
            "{}",
            why(&lines)
        );
        assert!(why(&file("y", "unknown", vec![])).contains("not recognised"));
    }
}
