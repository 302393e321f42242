//! Walking the user's inputs into units of work.
//!
//! Nothing the walk meets is skipped in silence: a named pipe, a socket, a
//! device, a symbolic link that loops, dangles or leads out of the folder it
//! was found in, an unlistable folder and an empty folder input each become
//! a [`SourceProblem`] that names the path and the reason.

use crate::SourceProblem;
use std::fs::FileType;
use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One independent piece of input: a loose file, an archive on disk, a run
/// of members of a large zip, or standard input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    /// Where it is on disk (`-`: standard input).
    pub path: PathBuf,
    /// Its bundle-relative name, `/`-separated.
    pub rel: String,
    /// Only these members of the zip at `path` (None: the whole file).
    pub part: Option<ZipPart>,
    /// The file's size as the walk found it (None: not looked up yet);
    /// saves asking the file system again for each of many small files.
    pub size: Option<u64>,
}

/// The bundle-relative name standard input is read under.
pub const STDIN_NAME: &str = "(stdin)";

impl Unit {
    /// A whole file.
    pub fn file(path: PathBuf, rel: String) -> Unit {
        Unit {
            path,
            rel,
            part: None,
            size: None,
        }
    }

    /// A whole file whose size the caller already knows.
    fn sized(path: PathBuf, rel: String, size: u64) -> Unit {
        Unit {
            size: Some(size),
            ..Unit::file(path, rel)
        }
    }

    /// Standard input, read as one stream (its layers sniffed like a file's).
    pub fn stdin() -> Unit {
        Unit::file(PathBuf::from("-"), STDIN_NAME.to_string())
    }

    /// Whether this unit is standard input.
    pub fn is_stdin(&self) -> bool {
        self.part.is_none() && self.path.as_os_str() == "-"
    }

    /// Bytes on disk this unit reads: the file's size, or its members'
    /// compressed sizes (0 for standard input: not known ahead).
    pub fn disk_bytes(&self) -> u64 {
        match &self.part {
            Some(p) => p.bytes,
            None if self.is_stdin() => 0,
            None => self
                .size
                .unwrap_or_else(|| std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0)),
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

/// How the walk treats symbolic links.
#[derive(Clone, Debug, Default)]
pub struct WalkOptions {
    /// Follow symbolic links found inside a folder input whose target lies
    /// outside that folder (by default they are reported and not read, so a
    /// crafted bundle cannot pull the analyst's own files into a report).
    pub follow_outside: bool,
}

/// Zips smaller than this are one unit.
const SPLIT_ZIP_BYTES: u64 = 32 << 20;
/// Each part of a split zip holds about this many compressed bytes.
const PART_BYTES: u64 = 16 << 20;
/// Folders nested deeper than this are not walked.
const MAX_FOLDER_DEPTH: usize = 64;

/// A whole file as one unit, or a large zip with a readable central
/// directory as several (a damaged one stays whole, to be salvaged).
/// The file's size, when the caller has not got it (`known`), is looked up
/// here, once (when it cannot be, reading the file will say why).
fn file_units(path: PathBuf, rel: String, known: Option<u64>, units: &mut Vec<Unit>) {
    let size = known.or_else(|| std::fs::metadata(&path).map(|m| m.len()).ok());
    let Some(size) = size else {
        return units.push(Unit::file(path, rel));
    };
    match zip_parts(&path, size) {
        Some(parts) if parts.len() > 1 => units.extend(parts.into_iter().map(|part| Unit {
            path: path.clone(),
            rel: rel.clone(),
            part: Some(part),
            size: Some(size),
        })),
        _ => units.push(Unit::sized(path, rel, size)),
    }
}

fn zip_parts(path: &Path, size: u64) -> Option<Vec<ZipPart>> {
    if size < SPLIT_ZIP_BYTES {
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

/// Walk `inputs` (files or folders, recursively, in name order) into units,
/// with the default [`WalkOptions`]. See [`plan_with`].
pub fn plan(inputs: &[PathBuf]) -> (Vec<Unit>, Vec<SourceProblem>) {
    plan_with(inputs, &WalkOptions::default())
}

/// Walk `inputs` (files or folders, recursively, in name order) into units.
/// With one folder input, paths are relative to it; otherwise each input's
/// own name prefixes its files. `-` is standard input. A named pipe, socket
/// or device named as an input is refused up front (opening a pipe nobody
/// writes to would block forever).
pub fn plan_with(inputs: &[PathBuf], opts: &WalkOptions) -> (Vec<Unit>, Vec<SourceProblem>) {
    let mut walk = Walk {
        opts,
        units: Vec::new(),
        problems: Vec::new(),
        root: PathBuf::new(),
        visited: Vec::new(),
    };
    let single_dir = inputs.len() == 1 && inputs[0].is_dir();
    let mut stdin_taken = false;
    for input in inputs {
        if input.as_os_str() == "-" {
            if std::mem::replace(&mut stdin_taken, true) {
                walk.problem(STDIN_NAME, "standard input named more than once: read once");
            } else {
                walk.units.push(Unit::stdin());
            }
            continue;
        }
        let prefix = if single_dir {
            String::new()
        } else {
            input
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let shown = input.display().to_string();
        match std::fs::metadata(input) {
            Ok(m) if m.is_dir() => {
                let before = (walk.units.len(), walk.problems.len());
                walk.root = std::fs::canonicalize(input).unwrap_or_else(|_| input.clone());
                walk.visited = vec![walk.root.clone()];
                walk.dir(input, &prefix, 0);
                if (walk.units.len(), walk.problems.len()) == before {
                    walk.problem(&shown, "the folder holds no files: nothing to read");
                }
            }
            Ok(m) if m.is_file() => file_units(input.clone(), prefix, Some(m.len()), &mut walk.units),
            Ok(m) => walk.problem(
                &shown,
                format!(
                    "{}: refused (uctriage reads files, folders and archives; pipe data into `-` to read standard input)",
                    special(m.file_type())
                ),
            ),
            Err(e) => walk.problem(&shown, format!("cannot read: {e}")),
        }
    }
    (walk.units, walk.problems)
}

/// What a path that is neither a file nor a folder is, for a message.
fn special(kind: FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "a device";
        }
    }
    if kind.is_symlink() {
        return "a symbolic link";
    }
    "neither a file nor a folder"
}

/// The state of one walk.
struct Walk<'o> {
    opts: &'o WalkOptions,
    units: Vec<Unit>,
    problems: Vec<SourceProblem>,
    /// The folder input being walked, as the file system names it.
    root: PathBuf,
    /// Folders entered through links (and the root), against loops.
    visited: Vec<PathBuf>,
}

impl Walk<'_> {
    fn problem(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(SourceProblem {
            path: path.to_string(),
            message: message.into(),
        });
    }

    fn dir(&mut self, dir: &Path, rel: &str, depth: usize) {
        if depth > MAX_FOLDER_DEPTH {
            return self.problem(
                rel,
                format!("folders nested more than {MAX_FOLDER_DEPTH} deep: skipped"),
            );
        }
        let listing = match std::fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) => return self.problem(rel, format!("cannot list folder: {e}: skipped")),
        };
        let mut entries = Vec::new();
        for entry in listing {
            match entry {
                Ok(e) => entries.push(e),
                Err(e) => self.problem(rel, format!("cannot list every entry of the folder: {e}")),
            }
        }
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let child_rel = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => self.dir(&entry.path(), &child_rel, depth + 1),
                Ok(kind) if kind.is_file() => {
                    // Free on Windows (the listing carries it), one stat elsewhere.
                    let size = entry.metadata().ok().map(|m| m.len());
                    file_units(entry.path(), child_rel, size, &mut self.units)
                }
                Ok(kind) if kind.is_symlink() => self.link(&entry.path(), &child_rel, depth),
                Ok(kind) => self.problem(&child_rel, format!("{}: skipped", special(kind))),
                Err(e) => self.problem(&child_rel, format!("cannot tell what it is: {e}: skipped")),
            }
        }
    }

    /// A symbolic link met in a folder: read where it leads when that stays
    /// inside the folder input (or `follow_outside` says so), else reported.
    fn link(&mut self, path: &Path, rel: &str, depth: usize) {
        let shown = std::fs::read_link(path)
            .map(|t| t.display().to_string())
            .unwrap_or_default();
        let target = match std::fs::canonicalize(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return self.problem(
                    rel,
                    format!("a symbolic link to `{shown}`, which does not exist: skipped"),
                )
            }
            Err(e) => {
                return self.problem(
                    rel,
                    format!(
                    "a symbolic link to `{shown}` that cannot be followed ({e}; a loop?): skipped"
                ),
                )
            }
        };
        let inside = target.starts_with(&self.root);
        if !inside && !self.opts.follow_outside {
            return self.problem(
                rel,
                format!(
                    "a symbolic link to `{}`, outside the folder: not read (--follow-outside reads it)",
                    target.display()
                ),
            );
        }
        match std::fs::metadata(&target) {
            Ok(m) if m.is_file() => file_units(target, rel.to_string(), Some(m.len()), &mut self.units),
            Ok(m) if m.is_dir() && inside => self.problem(
                rel,
                format!(
                    "a symbolic link to the folder `{shown}`, inside the input: not followed (its files are read where they are)"
                ),
            ),
            Ok(m) if m.is_dir() => {
                if self.visited.iter().any(|v| target.starts_with(v)) {
                    return self.problem(
                        rel,
                        format!("a symbolic link to `{}`, a folder already being read: skipped (a loop)", target.display()),
                    );
                }
                self.visited.push(target.clone());
                self.dir(&target, rel, depth + 1);
                self.visited.pop();
            }
            Ok(m) => self.problem(
                rel,
                format!("a symbolic link to {}: skipped", special(m.file_type())),
            ),
            Err(e) => self.problem(rel, format!("a symbolic link to `{shown}`: {e}: skipped")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_planned_file_carries_the_size_the_progress_total_adds_up() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("bundle");
        std::fs::create_dir_all(root.join("node/syslog")).unwrap();
        std::fs::write(root.join("node/syslog/messages"), vec![b'a'; 1234]).unwrap();
        std::fs::write(root.join("cli.txt"), vec![b'b'; 56]).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("cli.txt", root.join("again.txt")).unwrap();
        let loose = dir.path().join("loose.log");
        std::fs::write(&loose, vec![b'c'; 789]).unwrap();
        let (units, problems) = plan(&[root, loose]);
        assert!(problems.is_empty(), "{problems:?}");
        let sizes: Vec<(String, Option<u64>, u64)> = units
            .iter()
            .map(|u| (u.rel.clone(), u.size, u.disk_bytes()))
            .collect();
        let mut want = vec![
            ("bundle/cli.txt".to_string(), Some(56), 56),
            ("bundle/node/syslog/messages".to_string(), Some(1234), 1234),
            ("loose.log".to_string(), Some(789), 789),
        ];
        if cfg!(unix) {
            want.insert(0, ("bundle/again.txt".to_string(), Some(56), 56));
        }
        assert_eq!(sizes, want);
    }
}
