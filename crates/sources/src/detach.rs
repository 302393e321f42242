//! Archive members handed off to be read elsewhere (on another thread).
//!
//! A tar or zip is one stream: read alone, one thread inflates and parses
//! every member in turn while the other cores idle. With a [`Detach`]
//! callback, the walker reads each member of moderate size whole and offers
//! it; the caller may take it (and read it on another thread with
//! [`Detached::read`]) or hand it back, and the walker then reads it in
//! place, as it would have without the callback. Either way the member is
//! read exactly as in place: the same files, bytes and problems.

use crate::guard::Limits;
use crate::stream::{read_detached, Visit};
use crate::SourceProblem;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// Offered every archive member of at most [`DETACH_MAX_BYTES`], read whole:
/// `None` takes it, `Some(member)` hands it back to be read in place.
pub type Detach<'d> = dyn FnMut(Detached) -> Option<Detached> + 'd;

/// Members larger than this (as stored in the archive) are always read in
/// place, streaming, so memory stays bounded.
pub const DETACH_MAX_BYTES: u64 = 16 << 20;

/// An archive member read whole (as stored: maybe a gzip, a tar, a zip),
/// to be read on its own.
pub struct Detached {
    pub(crate) name: String,
    pub(crate) bytes: Vec<u8>,
    pub(crate) depth: usize,
    /// The unit's running total of bytes produced (its size limit).
    pub(crate) total: Arc<AtomicU64>,
    pub(crate) problems_before: usize,
}

impl Detached {
    /// Its bundle-relative path (`archive!/member`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The bytes it holds in memory.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether it holds no bytes (an empty member).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// How many problems the unit's own reading had reported when this
    /// member was met: its problems go right after those, for the same
    /// order as a reading in place.
    pub fn problems_before(&self) -> usize {
        self.problems_before
    }

    /// Read it as the walker would have in place: `visit` is called for
    /// every plain file in it, and the problems met are returned.
    pub fn read(self, limits: &Limits, visit: &mut Visit<'_>) -> Vec<SourceProblem> {
        read_detached(self, limits, visit)
    }
}
