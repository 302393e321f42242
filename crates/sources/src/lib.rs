//! # uctriage-sources
//!
//! Turns what the user pointed at — folders, loose files, `.zip`, `.7z`,
//! `.tar`, `.tar.gz`/`.tgz`, `.gz` and CUCM's still-open `.gzo` streams, xz,
//! Zstandard, bzip2 and LZ4 streams, nested in any order — into a sequence of
//! `(bundle-relative path, byte stream)` pairs, without ever extracting a
//! member to disk under its name (a zip or 7z nested in another archive that
//! is too large for memory is spooled to an anonymous temporary file to be
//! read by its index). `-` is standard input.
//!
//! Brief overview:
//! - [`plan`] walks the inputs and returns [`Unit`]s: independent pieces of
//!   work (a loose file, one archive, or a run of members of a large zip)
//!   that can be read in parallel.
//! - [`read_unit`] streams one unit, calling a visitor with each member file's
//!   path and a reader over its decompressed bytes. Hostile archives are
//!   bounded by [`Limits`] (expansion ratio, total size, nesting depth, nested
//!   zips); tar long names and PAX headers are read only up to a bound; member
//!   names that try to escape (`../`) are reported and neutralised.
//! - [`plan_with`] never skips a path in silence: pipes, sockets, devices,
//!   symbolic links that loop, dangle or lead out of their folder input
//!   ([`WalkOptions::follow_outside`]), and empty folders are problems.
//! - A gzip file of moderate size (an RTMT trace file) is read whole and
//!   inflated by libdeflate, then handed over as one slice; anything it
//!   cannot take whole streams through zlib-rs, which reports what is wrong.
//! - [`read_unit_detaching`] offers archive members, read whole, to a
//!   callback that may read them on other threads ([`Detached`]): a tar.gz
//!   of a whole collection then uses every core, not one.
//! - Problems are returned as [`SourceProblem`]s with the path they belong to;
//!   one bad member never stops the others.
//!
//! ```
//! use uctriage_sources::{read_unit, Limits, Unit};
//! use std::io::Read;
//! let dir = std::env::temp_dir().join("uctriage-sources-doc");
//! std::fs::create_dir_all(&dir).unwrap();
//! std::fs::write(dir.join("a.txt"), "hello\n").unwrap();
//! let unit = Unit::file(dir.join("a.txt"), "a.txt".into());
//! let mut seen = Vec::new();
//! read_unit(&unit, &Limits::default(), &mut |path, r| {
//!     let mut s = String::new();
//!     r.read_to_string(&mut s).unwrap();
//!     seen.push((path.to_string(), s));
//! });
//! assert_eq!(seen, vec![("a.txt".to_string(), "hello\n".to_string())]);
//! ```
#![deny(missing_docs)]

mod detach;
mod guard;
mod inflate;
mod leaf;
mod stream;
mod unpack;
mod unread;
mod walk;

pub use detach::{Detach, Detached, DETACH_MAX_BYTES};
pub use guard::Limits;
pub use stream::{read_unit, read_unit_detaching, read_unit_with_progress, Visit};
pub use walk::{plan, plan_with, Unit, WalkOptions, ZipPart, STDIN_NAME};

/// A problem with a source: which path, and what happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceProblem {
    /// Bundle-relative path of the file or archive member.
    pub path: String,
    /// What went wrong.
    pub message: String,
}
