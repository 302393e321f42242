//! An event's raw text, held in memory or spilled to a temporary file.
//!
//! The raw line of every kept event is the largest single block of memory an
//! event-dense input costs (a CiscoSyslog registration alarm: about 380 bytes
//! of its 1.5 KiB), and no rule reads it for most events: it is printed when
//! the event is. So once the events kept in memory pass a limit
//! ([`set_limit`], from `--max-memory`), each newly completed event's text is
//! appended to one anonymous temporary file (in the system temporary folder,
//! already unlinked on Unix, deleted on close on Windows: nothing is left
//! behind, even after a crash) and the event keeps only its offset and
//! length. [`Text::get`] reads it back with a positional read.
//!
//! Whether a text was spilled changes no output. A text that cannot be read
//! back (the disk failed under us) is reported, never a panic: serializing it
//! fails with the error, and [`Text::get`] returns a placeholder naming the
//! error and records it for [`failure`].

use crate::FirstError;
use serde::{Serialize, Serializer};
use std::borrow::Cow;
use std::fs::File;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// An event's raw text: owned in memory, or a range of the spill file.
#[derive(Clone, Default)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    /// In memory.
    Mem(String),
    /// `len` bytes at offset `at` of the spill file.
    Disk { at: u64, len: u32 },
}

impl Default for Repr {
    fn default() -> Repr {
        Repr::Mem(String::new())
    }
}

impl Text {
    /// A text held in memory.
    pub fn new(s: impl Into<String>) -> Text {
        Text(Repr::Mem(s.into()))
    }

    /// The text: borrowed when in memory, read back when spilled. On a read
    /// error, a placeholder that names it (and the error is kept for
    /// [`failure`]).
    pub fn get(&self) -> Cow<'_, str> {
        match self.try_get() {
            Ok(t) => t,
            Err(e) => {
                record_failure(&e);
                Cow::Owned(format!("[text unreadable from the spill file: {e}]"))
            }
        }
    }

    /// The text, or the error reading it back from the spill file.
    pub fn try_get(&self) -> io::Result<Cow<'_, str>> {
        match &self.0 {
            Repr::Mem(s) => Ok(Cow::Borrowed(s)),
            Repr::Disk { at, len } => read(*at, *len).map(Cow::Owned),
        }
    }

    /// Length in bytes (known without reading a spilled text).
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Mem(s) => s.len(),
            Repr::Disk { len, .. } => *len as usize,
        }
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the text lives in the spill file.
    pub fn is_spilled(&self) -> bool {
        matches!(self.0, Repr::Disk { .. })
    }

    /// The text as a mutable string (a spilled text is read back first).
    pub fn to_mut(&mut self) -> &mut String {
        if let Repr::Disk { .. } = self.0 {
            self.0 = Repr::Mem(self.get().into_owned());
        }
        match &mut self.0 {
            Repr::Mem(s) => s,
            Repr::Disk { .. } => unreachable!("read back just above"),
        }
    }

    /// The event owning this text is complete: give back spare capacity and
    /// count `event_bytes` (the event's whole estimated size) against the
    /// limit; past the limit, spill the text. A text that cannot be spilled
    /// (no temporary file) stays in memory.
    pub fn settle(&mut self, event_bytes: u64) {
        let Repr::Mem(s) = &mut self.0 else {
            return;
        };
        let held = HELD.fetch_add(event_bytes, Ordering::Relaxed) + event_bytes;
        if held <= LIMIT.load(Ordering::Relaxed) || s.is_empty() {
            s.shrink_to_fit();
            return;
        }
        if let Some((at, len)) = spill(s) {
            self.0 = Repr::Disk { at, len };
        } else {
            s.shrink_to_fit();
        }
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::new(s)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::new(s)
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.get() == other.get()
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.get() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.get() == *other
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&*self.get(), f)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.get())
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.try_get() {
            Ok(t) => serializer.serialize_str(&t),
            Err(e) => {
                record_failure(&e);
                Err(serde::ser::Error::custom(format!(
                    "an event's text could not be read back from the spill file: {e}"
                )))
            }
        }
    }
}

/// Estimated bytes of kept events ([`Text::settle`]) above which texts spill.
static LIMIT: AtomicU64 = AtomicU64::new(u64::MAX);
/// Estimated bytes of events settled so far.
static HELD: AtomicU64 = AtomicU64::new(0);
/// Texts and bytes spilled.
static SPILLED: AtomicU64 = AtomicU64::new(0);
static SPILLED_BYTES: AtomicU64 = AtomicU64::new(0);
/// The first error reading a text back, for the user.
static FAILURE: FirstError = FirstError::new();
/// The first error creating or writing the spill file (texts then stay in
/// memory: nothing is lost, but the budget is not kept).
static WARNING: FirstError = FirstError::new();
/// The spill file, created on the first spill.
static STORE: Mutex<Option<Store>> = Mutex::new(None);

/// Bytes buffered before a write to the spill file.
const WRITE_BUFFER: usize = 1 << 20;

/// Spill the texts of events completed once the events kept in memory are
/// estimated at more than `bytes` (the process-wide default is never). Also
/// restarts the count: call it once before loading.
pub fn set_limit(bytes: u64) {
    LIMIT.store(bytes, Ordering::Relaxed);
    HELD.store(0, Ordering::Relaxed);
}

/// Estimated bytes of the kept events settled since [`set_limit`]: what the
/// events held in memory add up to (events spilled whole are not counted).
pub fn held() -> u64 {
    HELD.load(Ordering::Relaxed)
}

/// What was spilled so far in this process.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpillStats {
    /// Texts written to the spill file.
    pub texts: u64,
    /// Their bytes.
    pub bytes: u64,
    /// The first error creating or writing the spill file: texts past it
    /// stayed in memory (nothing lost, the budget not kept).
    pub trouble: Option<String>,
}

/// What was spilled so far in this process.
pub fn stats() -> SpillStats {
    SpillStats {
        texts: SPILLED.load(Ordering::Relaxed),
        bytes: SPILLED_BYTES.load(Ordering::Relaxed),
        trouble: WARNING.get(),
    }
}

/// The first error met reading a text back from the spill file, if any:
/// the caller tells the user (texts shown in its place are placeholders).
pub fn failure() -> Option<String> {
    FAILURE.get()
}

fn record_failure(e: &dyn std::fmt::Display) {
    FAILURE.record(e);
}

/// Keep the first write error for [`SpillStats::trouble`], and tell the
/// user at once: texts stay in memory from now on.
fn record_warning(e: &dyn std::fmt::Display) {
    if WARNING.record(e) {
        crate::stages::trouble(&format!(
            "event texts past the memory budget stay in memory from now on: {e}"
        ));
    }
}

/// The spill file and the bytes not written to it yet.
struct Store {
    file: File,
    /// Bytes appended but not written yet; they start at `buf_at`.
    buf: Vec<u8>,
    buf_at: u64,
    /// A write failed: spill no more (the buffer stays, so what it holds
    /// can still be read).
    broken: bool,
}

/// Append `s` to the spill file; its offset and length, or None when it
/// cannot go there (the text then stays in memory).
fn spill(s: &str) -> Option<(u64, u32)> {
    let len = u32::try_from(s.len()).ok()?;
    let mut guard = STORE.lock().ok()?;
    if guard.is_none() {
        match tempfile::tempfile() {
            Ok(file) => {
                *guard = Some(Store {
                    file,
                    buf: Vec::with_capacity(WRITE_BUFFER),
                    buf_at: 0,
                    broken: false,
                })
            }
            Err(e) => {
                record_warning(&format!(
                    "no temporary file could be made in {}: {e}",
                    std::env::temp_dir().display()
                ));
                return None;
            }
        }
    }
    let store = guard.as_mut()?;
    if store.broken {
        return None;
    }
    let at = store.buf_at + store.buf.len() as u64;
    store.buf.extend_from_slice(s.as_bytes());
    if store.buf.len() >= WRITE_BUFFER {
        match write_all_at(&store.file, &store.buf, store.buf_at) {
            Ok(()) => {
                store.buf_at += store.buf.len() as u64;
                store.buf.clear();
            }
            Err(e) => {
                record_warning(&format!("writing the temporary file: {e}"));
                store.broken = true;
            }
        }
    }
    SPILLED.fetch_add(1, Ordering::Relaxed);
    SPILLED_BYTES.fetch_add(len as u64, Ordering::Relaxed);
    Some((at, len))
}

/// Read `len` bytes at `at` back from the spill file (or its buffer).
fn read(at: u64, len: u32) -> io::Result<String> {
    let guard = STORE
        .lock()
        .map_err(|_| io::Error::other("the spill file's lock is poisoned"))?;
    let store = guard
        .as_ref()
        .ok_or_else(|| io::Error::other("no spill file"))?;
    let mut bytes = vec![0; len as usize];
    let end = at + len as u64;
    if at >= store.buf_at {
        let from = (at - store.buf_at) as usize;
        let src = store
            .buf
            .get(from..from + len as usize)
            .ok_or_else(|| io::Error::other("a text past the end of the spill file"))?;
        bytes.copy_from_slice(src);
    } else if end <= store.buf_at {
        read_exact_at(&store.file, &mut bytes, at)?;
    } else {
        return Err(io::Error::other("a text across a spill-file write"));
    }
    String::from_utf8(bytes).map_err(|_| io::Error::other("a text of the spill file is not UTF-8"))
}

/// Write all of `buf` at offset `at` of `file` (a positional write: the
/// file's cursor is not used, so threads may write disjoint ranges at once).
#[cfg(unix)]
pub fn write_all_at(file: &File, buf: &[u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, at)
}

/// Fill `buf` from offset `at` of `file` (a positional read).
#[cfg(unix)]
pub fn read_exact_at(file: &File, buf: &mut [u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, at)
}

/// Write all of `buf` at offset `at` of `file` (a positional write: the
/// file's cursor is not used, so threads may write disjoint ranges at once).
#[cfg(windows)]
pub fn write_all_at(file: &File, mut buf: &[u8], mut at: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_write(buf, at) {
            Ok(0) => return Err(io::Error::from(io::ErrorKind::WriteZero)),
            Ok(n) => {
                buf = &buf[n..];
                at += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Fill `buf` from offset `at` of `file` (a positional read).
#[cfg(windows)]
pub fn read_exact_at(file: &File, mut buf: &mut [u8], mut at: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, at) {
            Ok(0) => return Err(io::Error::from(io::ErrorKind::UnexpectedEof)),
            Ok(n) => {
                buf = &mut buf[n..];
                at += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spilled_text_reads_back_the_same_and_compares_equal() {
        // Texts spilled through the buffer and through the file (past one
        // write) read back byte for byte; the unit tests share the process
        // limit, so spill directly.
        let texts: Vec<String> = (0..3000)
            .map(|i| {
                format!(
                    "<187>{i}: Dec 06 2026 12:00:{:02}.123 UTC: é line {}",
                    i % 60,
                    "x".repeat(i % 700)
                )
            })
            .collect();
        let handles: Vec<Text> = texts
            .iter()
            .map(|t| {
                let (at, len) = spill(t).expect("a spill file in the temporary folder");
                Text(Repr::Disk { at, len })
            })
            .collect();
        for (t, h) in texts.iter().zip(&handles) {
            assert!(h.is_spilled());
            assert_eq!(h.len(), t.len());
            assert_eq!(h.get(), t.as_str());
            assert_eq!(h, &Text::new(t.clone()));
            assert_eq!(
                serde_json::to_string(h).unwrap(),
                serde_json::to_string(t).unwrap()
            );
        }
        let mut h = handles[5].clone();
        h.to_mut().push_str(" more");
        assert!(!h.is_spilled());
        assert_eq!(h.get(), format!("{} more", texts[5]));
    }

    #[test]
    fn a_text_outside_the_spill_file_is_an_error_not_a_panic() {
        let _ = spill("make sure the file exists");
        let bad = Text(Repr::Disk {
            at: u64::MAX / 2,
            len: 10,
        });
        assert!(bad.try_get().is_err());
        assert!(bad.get().starts_with("[text unreadable"));
        assert!(serde_json::to_string(&bad).is_err());
        assert!(failure().is_some());
    }
}
