//! Archive members handed off to be read elsewhere (on another thread).
//!
//! A tar (a `.tar.gz` of a whole collection) is one stream: read alone, one
//! thread inflates and parses every member in turn while the other cores
//! idle. With a [`Detach`] callback, the walker reads each tar member of
//! moderate size whole and offers it; the caller may take it (and read it
//! on another thread with [`Detached::read`]) or hand it back, and the
//! walker then reads it in place, as it would have without the callback. Either way the member is
//! read exactly as in place: the same files, bytes and problems.

use crate::guard::Limits;
use crate::stream::{read_detached, Visit};
use crate::SourceProblem;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

/// Offered every tar member of at most [`DETACH_MAX_BYTES`], read whole:
/// `None` takes it, `Some(member)` hands it back to be read in place. (Zip
/// members are not offered: a large zip is already read in parts, one per
/// thread.)
pub type Detach<'d> = dyn FnMut(Detached) -> Option<Detached> + 'd;

/// Members larger than this (as stored in the archive) are always read in
/// place, streaming, so memory stays bounded. Trace files of a few tens of
/// MB (what the RTMT collections seen so far hold) all qualify.
pub const DETACH_MAX_BYTES: u64 = 64 << 20;

/// An archive member read whole (as stored: maybe a gzip, a tar, a zip),
/// to be read on its own.
pub struct Detached {
    pub(crate) name: String,
    /// The member is `buffer[..len]`; the rest is stale bytes of an
    /// earlier member (the buffer came from [`take_buffer`]).
    pub(crate) buffer: Vec<u8>,
    pub(crate) len: usize,
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
        self.len
    }

    /// Whether it holds no bytes (an empty member).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The member's bytes.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buffer[..self.len]
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

impl Drop for Detached {
    /// The buffer goes back to the pool for the next member.
    fn drop(&mut self) {
        give_buffer(std::mem::take(&mut self.buffer));
    }
}

/// Buffers of members already read, kept for the next ones: fresh memory
/// is memory the kernel has to zero page by page (and, in a VM that hands
/// freed memory back to its host, fault in from the host again), and members
/// are read on one thread and dropped on another.
///
/// Every buffer reserves room for the largest member, [`DETACH_MAX_BYTES`]:
/// only the pages written are ever mapped, and any buffer fits any member.
static POOL: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
/// The pool keeps at most this many buffers.
const POOL_MAX_BUFFERS: usize = 4;

/// A buffer for a member of `size` bytes; its length is the part already
/// initialised (written by an earlier member): the pooled buffer with the
/// least of that which is still enough, else the one with the most, else a
/// new one.
pub(crate) fn take_buffer(size: usize) -> Vec<u8> {
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    let enough = (0..pool.len())
        .filter(|&i| pool[i].len() >= size)
        .min_by_key(|&i| pool[i].len());
    let pick = enough.or_else(|| (0..pool.len()).max_by_key(|&i| pool[i].len()));
    match pick {
        Some(i) => pool.swap_remove(i),
        None => Vec::with_capacity(DETACH_MAX_BYTES as usize),
    }
}

/// Back into the pool, unless the pool is full.
fn give_buffer(buffer: Vec<u8>) {
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    if buffer.capacity() > 0 && pool.len() < POOL_MAX_BUFFERS {
        pool.push(buffer);
    }
}
