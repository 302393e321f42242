//! Bounds against hostile archives and a reader that enforces them.

use std::io::{self, Read};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Limits applied while reading archives and compressed streams.
#[derive(Clone, Debug)]
pub struct Limits {
    /// A member may expand at most this many times its compressed size...
    pub max_ratio: u64,
    /// ...once it has produced more than this many bytes (small files may compress well).
    pub ratio_after_bytes: u64,
    /// Total decompressed bytes one unit may produce.
    pub max_unit_bytes: u64,
    /// How deep archives may nest in archives.
    pub max_depth: usize,
    /// A zip or 7z nested in another archive has to be seekable to be read:
    /// a small one is held in memory, larger ones go to an anonymous
    /// temporary file. This bounds the bytes so spooled for one unit, in all.
    pub max_nested_zip_bytes: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_ratio: 1000,
            ratio_after_bytes: 32 << 20,
            max_unit_bytes: 256 << 30,
            max_depth: 4,
            max_nested_zip_bytes: 4 << 30,
        }
    }
}

/// Counts bytes read through it into a shared counter.
pub(crate) struct Counting<R> {
    pub(crate) inner: R,
    pub(crate) count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Where a guarded reader learns how many compressed bytes were consumed.
pub(crate) enum Compressed {
    /// A live counter on the compressed side.
    Counter(Arc<AtomicU64>),
    /// A size the archive declares.
    Declared(u64),
}

/// Refuses to go on once the output outgrows the limits.
pub(crate) struct Guarded<'l, R> {
    pub(crate) inner: R,
    pub(crate) compressed: Compressed,
    pub(crate) produced: u64,
    pub(crate) unit_total: Arc<AtomicU64>,
    pub(crate) limits: &'l Limits,
    pub(crate) what: String,
}

impl<R: Read> Read for Guarded<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.produced += n as u64;
        let total = self.unit_total.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
        let compressed = match &self.compressed {
            Compressed::Counter(c) => c.load(Ordering::Relaxed),
            Compressed::Declared(d) => *d,
        }
        .max(1);
        if self.produced > self.limits.ratio_after_bytes
            && self.produced / compressed > self.limits.max_ratio
        {
            return Err(refuse(format!(
                "refused: {} expands more than {}x its compressed size ({} bytes from {}): a zip bomb? Nothing more is read from it",
                self.what, self.limits.max_ratio, self.produced, compressed
            )));
        }
        if total > self.limits.max_unit_bytes {
            return Err(refuse(format!(
                "refused: {} would expand beyond {} bytes in all",
                self.what, self.limits.max_unit_bytes
            )));
        }
        Ok(n)
    }
}

fn refuse(msg: String) -> io::Error {
    io::Error::other(msg)
}
