//! An anonymous temporary file written in blocks at reserved offsets and
//! read back with positional reads, by any number of threads at once.

use std::fs::File;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use uctriage_core::text::{read_exact_at, write_all_at};

/// One temporary file (unlinked at once on Unix, deleted on close on
/// Windows) that blocks are appended to.
pub(crate) struct Spool {
    file: File,
    len: AtomicU64,
}

impl Spool {
    /// A new, empty temporary file in the system's temporary folder.
    pub fn new() -> io::Result<Spool> {
        let file = tempfile::tempfile().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "no temporary file could be made in {}: {e}",
                    std::env::temp_dir().display()
                ),
            )
        })?;
        Ok(Spool {
            file,
            len: AtomicU64::new(0),
        })
    }

    /// Append `block`; its offset.
    pub fn append(&self, block: &[u8]) -> io::Result<u64> {
        let at = self.len.fetch_add(block.len() as u64, Ordering::Relaxed);
        write_all_at(&self.file, block, at)?;
        Ok(at)
    }

    /// Read `buf.len()` bytes at `at`.
    pub fn read(&self, buf: &mut [u8], at: u64) -> io::Result<()> {
        read_exact_at(&self.file, buf, at)
    }
}

/// A block of the spool: where it starts, how long it is, and how many
/// records it holds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Block {
    pub at: u64,
    pub len: u32,
    pub records: u32,
}
