//! An anonymous temporary file written in blocks at reserved offsets and
//! read back with positional reads, by any number of threads at once.
//!
//! Blocks are LZ4-compressed (`lz4_flex` without its `safe-*` features: its
//! encoder and decoder use raw pointers, for speed; the decoder still checks
//! every length and offset against its input and output, always since
//! lz4_flex 0.11, so damaged bytes are an error, never a read or write out
//! of bounds — a test below damages a block and reads it): log lines repeat
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_reads_back_and_a_damaged_one_is_an_error() {
        let spool = Spool::new().unwrap();
        let text: Vec<u8> = (0..20_000u32)
            .flat_map(|i| {
                format!("%[DeviceName=SEP{:012X}][Reason={}]\n", i % 97, i % 13).into_bytes()
            })
            .collect();
        let block = spool.append(&text, 1).unwrap();
        let mut out = Vec::new();
        spool.read(&block, &mut out).unwrap();
        assert_eq!(out, text);
        // Damage the block on disk many ways (a fixed pseudo-random walk):
        // each read is an error or some bytes, never a crash.
        let mut packed = vec![0u8; block.len as usize];
        read_exact_at(&spool.file, &mut packed, block.at).unwrap();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut errors = 0;
        for round in 0..400 {
            let mut damaged = packed.clone();
            for _ in 0..1 + round % 8 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = (seed as usize) % damaged.len();
                damaged[at] = (seed >> 32) as u8;
            }
            if round % 5 == 0 {
                damaged.truncate(damaged.len() / 2);
            }
            write_all_at(&spool.file, &damaged, block.at).unwrap();
            let short = Block {
                len: damaged.len() as u32,
                ..block
            };
            if spool.read(&short, &mut out).is_err() {
                errors += 1;
            }
        }
        // Truncated blocks at least cannot decompress to the full size.
        assert!(
            errors >= 80,
            "only {errors} of 400 damaged blocks were errors"
        );
    }
}
