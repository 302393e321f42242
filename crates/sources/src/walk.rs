//! Walking the user's inputs into units of work.

use crate::SourceProblem;
use std::path::{Path, PathBuf};

/// One independent piece of input: a loose file or an archive on disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    /// Where it is on disk.
    pub path: PathBuf,
    /// Its bundle-relative name, `/`-separated.
    pub rel: String,
}

/// Walk `inputs` (files or folders, recursively, in name order) into units.
/// With one folder input, paths are relative to it; otherwise each input's
/// own name prefixes its files.
pub fn plan(inputs: &[PathBuf]) -> (Vec<Unit>, Vec<SourceProblem>) {
    let mut units = Vec::new();
    let mut problems = Vec::new();
    let single_dir = inputs.len() == 1 && inputs[0].is_dir();
    for input in inputs {
        let prefix = if single_dir {
            String::new()
        } else {
            input
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        match std::fs::metadata(input) {
            Ok(m) if m.is_dir() => walk_dir(input, &prefix, &mut units, &mut problems, 0),
            Ok(_) => units.push(Unit {
                path: input.clone(),
                rel: prefix,
            }),
            Err(e) => problems.push(SourceProblem {
                path: input.display().to_string(),
                message: format!("cannot read: {e}"),
            }),
        }
    }
    (units, problems)
}

fn walk_dir(
    dir: &Path,
    rel: &str,
    units: &mut Vec<Unit>,
    problems: &mut Vec<SourceProblem>,
    depth: usize,
) {
    if depth > 64 {
        problems.push(SourceProblem {
            path: rel.to_string(),
            message: "folders nested too deep: skipped".into(),
        });
        return;
    }
    let mut entries: Vec<_> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(Result::ok).collect(),
        Err(e) => {
            problems.push(SourceProblem {
                path: rel.to_string(),
                message: format!("cannot list folder: {e}"),
            });
            return;
        }
    };
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let child_rel = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        // Symlinked folders are not followed (no loops); symlinked files are read.
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk_dir(&entry.path(), &child_rel, units, problems, depth + 1);
        } else if kind.is_file() || (kind.is_symlink() && entry.path().is_file()) {
            units.push(Unit {
                path: entry.path(),
                rel: child_rel,
            });
        }
    }
}
