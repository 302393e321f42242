//! An anonymous temporary file written in blocks at reserved offsets and
//! read back with positional reads, by any number of threads at once.
//!
//! Blocks are LZ4-compressed (`lz4_flex`: its unsafe encoder, for speed,
//! and its safe decoder, so that damaged bytes are an error): log lines repeat
//! themselves (an event's summary is often part of its raw line, its fields
//! repeat the last event's), so the disk holds and moves a fraction of the
//! encoded bytes.

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

    /// Append `bytes`, compressed, as a block of `records` records.
    pub fn append(&self, bytes: &[u8], records: u32) -> io::Result<Block> {
        thread_local! {
            /// Room for the compressed bytes of the last block written on
            /// this thread.
            static PACKED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let raw = u32::try_from(bytes.len()).map_err(io::Error::other)?;
        let mut packed = PACKED.take();
        packed.resize(lz4_flex::block::get_maximum_output_size(bytes.len()), 0);
        let written = lz4_flex::block::compress_into(bytes, &mut packed)
            .map_err(|e| io::Error::other(format!("a block does not compress: {e}")))
            .and_then(|n| {
                let len = u32::try_from(n).map_err(io::Error::other)?;
                let at = self.len.fetch_add(n as u64, Ordering::Relaxed);
                write_all_at(&self.file, &packed[..n], at)?;
                Ok((at, len))
            });
        PACKED.set(packed);
        let (at, len) = written?;
        Ok(Block {
            at,
            len,
            raw,
            records,
        })
    }

    /// Read `block` back into `out` (resized to its bytes).
    pub fn read(&self, block: &Block, out: &mut Vec<u8>) -> io::Result<()> {
        thread_local! {
            /// The compressed bytes of the last block read on this thread.
            static PACKED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let mut packed = PACKED.take();
        packed.resize(block.len as usize, 0);
        let read = read_exact_at(&self.file, &mut packed, block.at);
        out.resize(block.raw as usize, 0);
        let n = read.and_then(|()| {
            lz4_flex::block::decompress_into(&packed, out)
                .map_err(|e| io::Error::other(format!("a block does not decompress: {e}")))
        });
        PACKED.set(packed);
        let n = n?;
        if n != out.len() {
            return Err(io::Error::other("a block decompresses to the wrong size"));
        }
        Ok(())
    }

    /// Let the disk space go: nothing of the file is read again.
    pub fn release(&self) {
        let _ = self.file.set_len(0);
    }
}

/// A block of the spool: where it starts, how long it is, and how many
/// records it holds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Block {
    /// Offset and length on disk (compressed).
    pub at: u64,
    pub len: u32,
    /// Length once decompressed.
    pub raw: u32,
    pub records: u32,
}
