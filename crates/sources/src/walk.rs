//! Walking the user's inputs into units of work.

use crate::SourceProblem;
use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One independent piece of input: a loose file, an archive on disk, or a
/// run of members of a large zip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    /// Where it is on disk.
    pub path: PathBuf,
    /// Its bundle-relative name, `/`-separated.
    pub rel: String,
    /// Only these members of the zip at `path` (None: the whole file).
    pub part: Option<ZipPart>,
}

impl Unit {
    /// A whole file.
    pub fn file(path: PathBuf, rel: String) -> Unit {
        Unit {
            path,
            rel,
            part: None,
        }
    }

    /// Bytes on disk this unit reads: the file's size, or its members'
    /// compressed sizes.
    pub fn disk_bytes(&self) -> u64 {
        match &self.part {
            Some(p) => p.bytes,
            None => std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0),
        }
    }
}

/// A run of consecutive members of a large zip, read as a unit of its own so
/// that one big RTMT download is read by every core, not by one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZipPart {
    /// Member indices, in central-directory order.
    pub members: Range<usize>,
    /// Their compressed bytes.
    pub bytes: u64,
}

/// Zips smaller than this are one unit.
const SPLIT_ZIP_BYTES: u64 = 32 << 20;
/// Each part of a split zip holds about this many compressed bytes.
const PART_BYTES: u64 = 16 << 20;

/// A whole file as one unit, or a large zip with a readable central
/// directory as several (a damaged one stays whole, to be salvaged).
fn file_units(path: PathBuf, rel: String, units: &mut Vec<Unit>) {
    match zip_parts(&path) {
        Some(parts) if parts.len() > 1 => units.extend(parts.into_iter().map(|part| Unit {
            path: path.clone(),
            rel: rel.clone(),
            part: Some(part),
        })),
        _ => units.push(Unit::file(path, rel)),
    }
}

fn zip_parts(path: &Path) -> Option<Vec<ZipPart>> {
    if std::fs::metadata(path).ok()?.len() < SPLIT_ZIP_BYTES {
        return None;
    }
    let mut file = std::fs::File::open(path).ok()?;
    let mut magic = [0u8; 4];
    file.read_exact(&mut magic).ok()?;
    if &magic != b"PK\x03\x04" {
        return None;
    }
    let mut archive = zip::ZipArchive::new(file).ok()?;
    let mut parts = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for i in 0..archive.len() {
        bytes += archive.by_index_raw(i).ok()?.compressed_size();
        if bytes >= PART_BYTES {
            parts.push(ZipPart {
                members: start..i + 1,
                bytes,
            });
            (start, bytes) = (i + 1, 0);
        }
    }
    if start < archive.len() {
        parts.push(ZipPart {
            members: start..archive.len(),
            bytes,
        });
    }
    Some(parts)
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
            Ok(_) => file_units(input.clone(), prefix, &mut units),
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
            file_units(entry.path(), child_rel, units);
        }
    }
}
