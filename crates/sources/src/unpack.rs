//! Compressed streams other than gzip, unpacked on the fly: xz, Zstandard,
//! bzip2 and LZ4 frames (a customer's collection repacked as `.tar.xz`,
//! `.tar.zst` or `.tar.bz2`, a rotated `syslog.2.xz`).
//!
//! Each is known by the first bytes its specification gives: xz (the `.xz`
//! file format, header magic `FD 37 7A 58 5A 00`), Zstandard (RFC 8878,
//! frame magic `0xFD2FB528` little endian, or a skippable frame's
//! `0x184D2A5?`), bzip2 (`BZh` and the block size, a digit 1 to 9) and LZ4
//! (the frame format, magic `0x184D2204` little endian). Every decoder reads
//! all the streams or frames one after another, as the formats' own tools do
//! for concatenated files.
//!
//! Memory stays bounded whatever the file declares: xz and Zstandard hold a
//! window (dictionary) of the size the stream's header asks for, so one over
//! [`MAX_WINDOW`] is refused with a message instead of allocated (xz's
//! presets ask for at most 64 MiB, `zstd` for at most 8 MiB below `--long`
//! and 128 MiB with it); bzip2 blocks are at most 900 kB and LZ4 blocks
//! 4 MiB by their formats.

use crate::guard::Counting;
use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The largest window (dictionary) a stream may ask for: 128 MiB.
pub(crate) const MAX_WINDOW: u64 = 128 << 20;

/// A compressed format read on the fly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Packing {
    Xz,
    Zstd,
    Bzip2,
    Lz4,
}

impl Packing {
    /// The packing `head` (a stream's first bytes) starts with, if any.
    pub(crate) fn of(head: &[u8]) -> Option<Packing> {
        let zstd_skippable =
            head.len() >= 4 && head[0] & 0xF0 == 0x50 && head[1..4] == [0x2A, 0x4D, 0x18];
        if head.starts_with(b"\xFD7zXZ\x00") {
            Some(Packing::Xz)
        } else if head.starts_with(b"\x28\xB5\x2F\xFD") || zstd_skippable {
            Some(Packing::Zstd)
        } else if head.starts_with(b"BZh") && head.get(3).is_some_and(|b| (b'1'..=b'9').contains(b))
        {
            Some(Packing::Bzip2)
        } else if head.starts_with(b"\x04\x22\x4D\x18") {
            Some(Packing::Lz4)
        } else {
            None
        }
    }

    /// How a user names it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Packing::Xz => "xz",
            Packing::Zstd => "Zstandard",
            Packing::Bzip2 => "bzip2",
            Packing::Lz4 => "LZ4",
        }
    }

    /// A reader of what `packed` unpacks to. Its errors name the format
    /// (a damaged or cut-short stream: everything before it was read).
    pub(crate) fn unpack<'r>(self, packed: Box<dyn Read + 'r>) -> io::Result<Box<dyn Read + 'r>> {
        let inner: Box<dyn Read + 'r> = match self {
            Packing::Xz => {
                let limit_kib = u32::try_from(MAX_WINDOW >> 10).unwrap_or(u32::MAX);
                Box::new(lzma_rust2::XzReader::new_mem_limit(packed, true, limit_kib))
            }
            Packing::Zstd => {
                let mut d = zstd::stream::read::Decoder::new(packed)?;
                d.window_log_max(MAX_WINDOW.trailing_zeros())?;
                Box::new(d)
            }
            Packing::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(packed)),
            Packing::Lz4 => Box::new(Lz4Frames::new(packed)),
        };
        Ok(Box::new(Named {
            inner,
            packing: self,
        }))
    }
}

/// LZ4 frames one after another: lz4_flex's decoder ends each frame with a
/// read of 0 bytes; when that read took input (a frame ended), a new decoder
/// starts on what follows (the decoder reads exactly a frame's bytes, never
/// ahead, and a fresh one holds no state of the last frame); the stream ends
/// at a read of 0 that took no input.
struct Lz4Frames<'r> {
    decoder: Option<lz4_flex::frame::FrameDecoder<Counting<Box<dyn Read + 'r>>>>,
    consumed: Arc<AtomicU64>,
}

impl<'r> Lz4Frames<'r> {
    fn new(packed: Box<dyn Read + 'r>) -> Lz4Frames<'r> {
        let consumed = Arc::new(AtomicU64::new(0));
        let counted = Counting {
            inner: packed,
            count: consumed.clone(),
        };
        Lz4Frames {
            decoder: Some(lz4_flex::frame::FrameDecoder::new(counted)),
            consumed,
        }
    }
}

impl Read for Lz4Frames<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let Some(decoder) = self.decoder.as_mut() else {
                return Ok(0);
            };
            let before = self.consumed.load(Ordering::Relaxed);
            let n = decoder.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            let ended = self.decoder.take().map(|d| d.into_inner());
            if self.consumed.load(Ordering::Relaxed) == before {
                return Ok(0);
            }
            self.decoder = ended.map(lz4_flex::frame::FrameDecoder::new);
        }
    }
}

/// A decoder whose errors say which format they come from, and what a
/// refused window means.
struct Named<'r> {
    inner: Box<dyn Read + 'r>,
    packing: Packing,
}

impl Read for Named<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            let name = self.packing.name();
            let said = e.to_string();
            let window = e.kind() == io::ErrorKind::OutOfMemory
                || said.contains("too much memory")
                || said.contains("mem_limit");
            if window {
                io::Error::other(format!(
                    "{name} data asks for a window over {} MiB to unpack (more than its tools use by default): not read further",
                    MAX_WINDOW >> 20
                ))
            } else {
                io::Error::new(e.kind(), format!("{name} data: {said}"))
            }
        })
    }
}

// Tests: `tests/packed.rs` (every format through `read_unit`, as a user's
// files are read).
