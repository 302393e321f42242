//! Streaming one unit: sniff each stream's magic bytes and descend into
//! gzip (and xz, Zstandard, bzip2, LZ4), tar, zip and 7z layers, handing
//! plain files to the visitor.

use crate::detach::{take_buffer, Detach, Detached, DETACH_MAX_BYTES};
use crate::guard::{Compressed, Counting, Guarded, Limits};
use crate::inflate::{inflate_members, GZIP_MAGIC};
use crate::unpack::Packing;
use crate::{SourceProblem, Unit};
use flate2::read::MultiGzDecoder;
use std::cell::Cell;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, Cursor, Read};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// The visitor: called with a member's bundle-relative path and its bytes,
/// buffered (a whole inflated file is handed over as one slice, uncopied).
pub type Visit<'v> = dyn FnMut(&str, &mut dyn BufRead) + 'v;

/// Stream one unit, calling `visit` for every plain file in it (the unit
/// itself, or the members of an archive, at any nesting). Returns the
/// problems met; a bad member never stops the others.
pub fn read_unit(unit: &Unit, limits: &Limits, visit: &mut Visit<'_>) -> Vec<SourceProblem> {
    read_unit_with_progress(unit, limits, visit, &|_| {})
}

/// [`read_unit`], calling `progress` with the number of bytes each read took
/// from the file on disk (compressed bytes for archives), so a caller can
/// show progress inside one big archive.
pub fn read_unit_with_progress(
    unit: &Unit,
    limits: &Limits,
    visit: &mut Visit<'_>,
    progress: &(dyn Fn(u64) + Sync),
) -> Vec<SourceProblem> {
    read_unit_detaching(unit, limits, visit, progress, None)
}

/// [`read_unit_with_progress`], offering archive members to `detach` (see
/// [`Detached`]) so that a caller can read them on other threads. Problems
/// of the members taken are not in the returned list: each member's
/// [`Detached::read`] returns its own.
pub fn read_unit_detaching<'v>(
    unit: &Unit,
    limits: &Limits,
    visit: &mut Visit<'v>,
    progress: &(dyn Fn(u64) + Sync),
    detach: Option<&mut Detach<'v>>,
) -> Vec<SourceProblem> {
    let name = if unit.rel.is_empty() {
        unit.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    } else {
        unit.rel.clone()
    };
    let mut walker = Walker {
        limits,
        visit,
        detach,
        problems: Vec::new(),
        total: Arc::new(AtomicU64::new(0)),
        zip_in_memory: false,
        spooled: 0,
    };
    if unit.is_stdin() {
        let stdin = std::io::stdin().lock();
        walker.stream(&name, Box::new(Reporting::new(stdin, progress)), 0);
        return walker.problems;
    }
    match File::open(&unit.path) {
        Ok(file) if unit.part.is_some() => {
            let members = unit.part.as_ref().map(|p| p.members.clone());
            walker.zip(Reporting::new(file, progress), &name, 1, members);
        }
        Ok(file) => {
            let magic = peek(Reporting::new(file, progress));
            // At the top, an empty zip (only its end record) is one too.
            let kind = match magic.head.starts_with(b"PK\x05\x06") {
                true => Some(Indexed::Zip),
                false => Indexed::of(&magic.head),
            };
            if let Some(kind) = kind {
                // Read by its index from the start of the file already open,
                // of the size the walk found.
                let mut r = magic.rest;
                match io::Seek::rewind(&mut r) {
                    Ok(()) => walker.indexed(kind, r, &name, 1, unit.disk_bytes()),
                    Err(e) => walker.problem(&name, format!("cannot read: {e}")),
                }
            } else {
                walker.stream(&name, magic.into_reader(), 0);
            }
        }
        Err(e) => walker.problem(&name, format!("cannot open: {e}")),
    }
    walker.problems
}

/// Reports every read's size to a progress callback, and remembers the end
/// of its input: the layers above (the sniffer's peek, the format's, the
/// parser's) each meet the end once more, and for a small file those
/// repeated reads of nothing were most of its system calls.
struct Reporting<'p, R> {
    inner: R,
    progress: &'p (dyn Fn(u64) + Sync),
    ended: bool,
}

impl<'p, R> Reporting<'p, R> {
    fn new(inner: R, progress: &'p (dyn Fn(u64) + Sync)) -> Self {
        Reporting {
            inner,
            progress,
            ended: false,
        }
    }
}

impl<R: Read> Read for Reporting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ended || buf.is_empty() {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        self.ended = n == 0;
        (self.progress)(n as u64);
        Ok(n)
    }
}

impl<R: io::Seek> io::Seek for Reporting<'_, R> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.ended = false;
        self.inner.seek(pos)
    }
}

/// A detached member read on its own: a walker without a detach callback
/// over its bytes, counting into its unit's total.
pub(crate) fn read_detached(
    member: Detached,
    limits: &Limits,
    visit: &mut Visit<'_>,
) -> Vec<SourceProblem> {
    let mut walker = Walker {
        limits,
        visit,
        detach: None,
        problems: Vec::new(),
        total: member.total.clone(),
        zip_in_memory: false,
        spooled: 0,
    };
    walker.stream(&member.name, Box::new(member.bytes()), member.depth);
    walker.problems
}

struct Walker<'a, 'v> {
    limits: &'a Limits,
    visit: &'a mut Visit<'v>,
    /// Where archive members may go to be read elsewhere.
    detach: Option<&'a mut Detach<'v>>,
    problems: Vec<SourceProblem>,
    total: Arc<AtomicU64>,
    /// A nested zip is held in memory now (a zip inside it is spooled).
    zip_in_memory: bool,
    /// Bytes of nested zips spooled to temporary files so far.
    spooled: u64,
}

/// The first bytes of a stream, with the rest still readable behind them.
struct Peeked<R> {
    head: Vec<u8>,
    rest: R,
    error: Option<io::Error>,
}

impl<R: Read> Peeked<R> {
    fn into_reader<'r>(self) -> Box<dyn Read + 'r>
    where
        R: 'r,
    {
        let head = Cursor::new(self.head);
        match self.error {
            Some(e) => Box::new(head.chain(Failing(Some(e)))),
            None => Box::new(head.chain(self.rest)),
        }
    }
}

/// A reader that fails once with a stored error (the error met while peeking).
struct Failing(Option<io::Error>);

impl Read for Failing {
    fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

fn peek<R: Read>(mut r: R) -> Peeked<R> {
    let mut head = vec![0u8; 512];
    let mut got = 0;
    let mut error = None;
    while got < head.len() {
        match r.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    head.truncate(got);
    Peeked {
        head,
        rest: r,
        error,
    }
}

/// gzip streams up to this many bytes are read whole and inflated by
/// libdeflate; larger ones stream, so memory stays bounded.
const WHOLE_GZIP_MAX_INPUT: usize = 16 << 20;
/// The most a whole-read gzip stream may inflate to (an RTMT trace file is
/// a few MB to a few tens of MB); beyond it the stream is inflated again by
/// the streaming decoder. With the input cap, this bounds what one thread
/// holds for gzip to about 100 MiB, whatever the collection's size.
const WHOLE_GZIP_MAX_OUTPUT: usize = 64 << 20;

thread_local! {
    /// Buffers reused from one gzip file to the next on a thread, so that
    /// the kernel does not hand out (and zero) fresh pages for every file.
    /// Taken while in use: a gzip nested inside a gzip gets fresh ones.
    static COMPRESSED: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
    static INFLATED: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// How much output a whole-read gzip stream of `compressed` bytes may have:
/// never more than the expansion limit allows (so a zip bomb is refused by
/// the streaming decoder, with its usual message), nor the output cap.
fn whole_gzip_cap(limits: &Limits, compressed: usize) -> usize {
    let by_ratio = (limits.max_ratio as usize)
        .saturating_mul(compressed)
        .max(limits.ratio_after_bytes as usize);
    by_ratio.min(WHOLE_GZIP_MAX_OUTPUT)
}

/// A thread's reused buffer with room for `size` bytes. The room is
/// reserved once, whole: the kernel hands out pages only when they are first
/// written, so an unused tail costs nothing, while growing step by step
/// would copy into (and fault in) fresh memory at every step.
fn reserved(mut buffer: Vec<u8>, size: usize) -> Vec<u8> {
    if buffer.capacity() < size {
        buffer = Vec::with_capacity(size);
    }
    buffer
}

/// Read `reader` into the start of `buf` until its end or `limit` bytes;
/// returns how many bytes were read, and the error that stopped it early.
///
/// `buf`'s length is the part already initialised: it grows (zeroed, in
/// doubling steps) only when a stream is longer than any before it, so a
/// buffer reused across files is zeroed once per thread. `read_to_end`
/// would zero the spare room it reads into on every call, because the
/// readers here take their bytes through `Read::read`.
fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, limit: usize) -> (usize, Option<io::Error>) {
    const FIRST: usize = 64 << 10;
    let mut got = 0;
    loop {
        if got == buf.len() {
            if got >= limit {
                return (got, None);
            }
            buf.resize((got * 2).clamp(FIRST, limit), 0);
        }
        let end = buf.len().min(limit);
        match reader.read(&mut buf[got..end]) {
            Ok(0) => return (got, None),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (got, Some(e)),
        }
    }
}

/// GNU long names are read up to this many bytes (a path longer than any
/// file system allows); the rest of the record is skipped.
const MAX_TAR_NAME_BYTES: usize = 4096;
/// PAX extended headers larger than this are skipped whole.
const MAX_PAX_BYTES: usize = 64 << 10;
/// A zip nested in an archive up to this size is held in memory; a larger
/// one (or one inside a held one) goes to a temporary file.
const NESTED_ZIP_IN_MEMORY: u64 = 16 << 20;

/// What extension records said about the next tar member.
#[derive(Default)]
struct TarPending {
    long_name: Option<Vec<u8>>,
    long_name_size: u64,
    pax_path: Option<Vec<u8>>,
    size: Option<u64>,
    oversized_pax: Option<u64>,
}

impl TarPending {
    /// Take the `path` and `size` records of a PAX header.
    fn pax(&mut self, data: &[u8]) {
        for ext in tar::PaxExtensions::new(data).flatten() {
            match ext.key_bytes() {
                b"path" => self.pax_path = Some(cap_name(ext.value_bytes())),
                b"size" => {
                    self.size = ext.value().ok().and_then(|v| v.trim().parse().ok());
                }
                _ => {}
            }
        }
    }

    /// The member's path: the PAX one, else the GNU long name, else the header's.
    fn path(&self, header: &[u8]) -> Vec<u8> {
        let long = self.long_name.as_deref().map(|n| {
            let end = n.iter().position(|&b| b == 0).unwrap_or(n.len());
            &n[..end]
        });
        self.pax_path.as_deref().or(long).unwrap_or(header).to_vec()
    }
}

fn cap_name(name: &[u8]) -> Vec<u8> {
    name[..name.len().min(MAX_TAR_NAME_BYTES)].to_vec()
}

/// At most `max` bytes of a record (the rest is skipped by the tar reader).
fn bounded(r: &mut impl Read, max: usize) -> Vec<u8> {
    let mut buf = Vec::new();
    // An error shows again when the tar reader skips to the next record.
    let _ = r.take(max as u64).read_to_end(&mut buf);
    buf
}

/// Why a tar member that is neither a file nor a folder is not read.
fn tar_kind<R: Read>(kind: tar::EntryType, entry: &tar::Entry<'_, R>) -> String {
    let target = || {
        entry
            .link_name_bytes()
            .map(|t| String::from_utf8_lossy(&t).into_owned())
            .unwrap_or_default()
    };
    match kind {
        tar::EntryType::Symlink => format!(
            "a symbolic link in the archive (to `{}`): not followed",
            target()
        ),
        tar::EntryType::Link => format!(
            "a hard link in the archive to `{}`: read under that name",
            target()
        ),
        tar::EntryType::GNUSparse => {
            "a sparse file in the archive: not read (not supported)".into()
        }
        tar::EntryType::Char | tar::EntryType::Block => {
            "a device in the archive: nothing to read".into()
        }
        tar::EntryType::Fifo => "a named pipe in the archive: nothing to read".into(),
        other => format!(
            "a tar record of type `{}`: not read",
            other.as_byte() as char
        ),
    }
}

fn is_tar(head: &[u8]) -> bool {
    head.len() >= 262 && &head[257..262] == b"ustar"
}

/// A zip archive's first local header.
fn is_zip(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04")
}

/// A 7z archive's signature header (`7z` and `BC AF 27 1C`, as 7-Zip's
/// format description, 7zFormat.txt, gives it).
fn is_7z(head: &[u8]) -> bool {
    head.starts_with(b"7z\xBC\xAF\x27\x1C")
}

/// An archive read by its index, so only from something seekable: met
/// inside another archive, it is held in memory or spooled to a temporary
/// file first ([`Walker::nested_seekable`]).
#[derive(Clone, Copy)]
enum Indexed {
    Zip,
    SevenZip,
}

impl Indexed {
    /// The archive `head` (a stream's first bytes) starts, if it starts one.
    fn of(head: &[u8]) -> Option<Indexed> {
        if is_zip(head) {
            Some(Indexed::Zip)
        } else {
            is_7z(head).then_some(Indexed::SevenZip)
        }
    }

    fn name(self) -> &'static str {
        match self {
            Indexed::Zip => "zip",
            Indexed::SevenZip => "7z archive",
        }
    }
}

/// The most a 7z archive's decoders may hold (their dictionary, PPMd model
/// or header buffers), in KiB: 128 MiB, as for xz and Zstandard.
const SEVEN_ZIP_MEMORY_KIB: usize = (crate::unpack::MAX_WINDOW >> 10) as usize;

/// What a 7z reading error means to the user: an encrypted archive is said
/// to be one (uctriage never asks for a password).
fn seven_zip_error(e: &sevenz_rust2::Error) -> String {
    match e {
        sevenz_rust2::Error::UnsupportedCompressionMethod(m) if m.starts_with("AES") => {
            "encrypted (password-protected): extract it with its password and give uctriage what comes out".into()
        }
        other => other.to_string(),
    }
}

/// Whether a 7z member's reader met an error (a refusal by the limits, or
/// damaged data): then the rest of its block is abandoned, not decoded.
struct Watched<R> {
    inner: R,
    failed: bool,
}

impl<R: Read> Read for Watched<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).inspect_err(|_| self.failed = true)
    }
}

impl<'a> Walker<'a, '_> {
    fn problem(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(SourceProblem {
            path: path.to_string(),
            message: message.into(),
        });
    }

    /// `inner` behind the expansion and size limits, its output counted
    /// into the unit's total; `what` names it in a refusal.
    fn guard<R: Read>(&self, inner: R, compressed: Compressed, what: &str) -> Guarded<'a, R> {
        Guarded {
            inner,
            compressed,
            produced: 0,
            unit_total: self.total.clone(),
            limits: self.limits,
            what: what.to_string(),
        }
    }

    fn too_deep(&mut self, name: &str, depth: usize) -> bool {
        if depth > self.limits.max_depth {
            self.problem(
                name,
                format!(
                    "refused: archives nested more than {} deep",
                    self.limits.max_depth
                ),
            );
            return true;
        }
        false
    }

    /// Sniff one stream and descend, or hand it to the visitor.
    fn stream(&mut self, name: &str, reader: Box<dyn Read + '_>, depth: usize) {
        let magic = peek(reader);
        let head = &magic.head;
        if head.starts_with(&GZIP_MAGIC) {
            if !self.too_deep(name, depth + 1) {
                self.gzip(name, magic.into_reader(), depth + 1);
            }
        } else if is_tar(head) {
            if !self.too_deep(name, depth + 1) {
                self.tar(name, magic.into_reader(), depth + 1);
            }
        } else if let Some(kind) = Indexed::of(head) {
            if !self.too_deep(name, depth + 1) {
                self.nested_seekable(name, kind, magic.into_reader(), depth + 1);
            }
        } else if let Some(packing) = Packing::of(head) {
            if !self.too_deep(name, depth + 1) {
                self.unpack(name, packing, magic.into_reader(), depth + 1);
            }
        } else if let Some(what) = crate::unread::unread_format(head) {
            self.problem(name, crate::unread::unread_message(what));
        } else {
            let mut r = crate::leaf::Leaf::new(magic.into_reader());
            (self.visit)(name, &mut r);
        }
    }

    /// [`Walker::stream`] for bytes already in memory (an inflated gzip
    /// file): a plain file is handed to the visitor as the slice itself.
    fn stream_slice(&mut self, name: &str, bytes: &[u8], depth: usize) {
        let head = &bytes[..bytes.len().min(512)];
        let layered = head.starts_with(&GZIP_MAGIC)
            || is_tar(head)
            || Indexed::of(head).is_some()
            || Packing::of(head).is_some()
            || crate::unread::unread_format(head).is_some();
        let total = self.total.load(Ordering::Relaxed) + bytes.len() as u64;
        if layered || total > self.limits.max_unit_bytes {
            // Through the guarded reader, which refuses at the right byte.
            let compressed = Compressed::Declared(bytes.len() as u64);
            let guarded = self.guard(Cursor::new(bytes), compressed, name);
            return self.stream(name, Box::new(guarded), depth);
        }
        self.total.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        let mut r = bytes;
        (self.visit)(name, &mut r);
    }

    /// Inflate a gzip stream and sniff what comes out. A stream small enough
    /// is read whole and inflated by libdeflate (faster); a larger one, or
    /// one libdeflate cannot take whole (truncated, corrupt, trailing bytes,
    /// over the output cap), is inflated by the streaming decoder from its
    /// first byte, which reports what is wrong and keeps what came before.
    ///
    /// A `.gzo` (CUCM's trace file still being written) is nearly always cut
    /// short, so it streams straight away instead of being inflated twice.
    fn gzip(&mut self, name: &str, mut reader: Box<dyn Read + '_>, depth: usize) {
        if name.ends_with(".gzo") {
            // The open trace streams: it leaves the thread's buffers alone.
            return self.gzip_streaming(name, reader, depth);
        }
        let mut input = reserved(COMPRESSED.take(), WHOLE_GZIP_MAX_INPUT + 1);
        let (got, error) = fill(&mut reader, &mut input, WHOLE_GZIP_MAX_INPUT + 1);
        if error.is_none() && got <= WHOLE_GZIP_MAX_INPUT {
            let mut out = reserved(INFLATED.take(), WHOLE_GZIP_MAX_OUTPUT);
            let cap = whole_gzip_cap(self.limits, got);
            if inflate_members(&input[..got], cap, &mut out).is_some() {
                // The compressed bytes are done with: back for the next file
                // (or a gzip nested in this one).
                COMPRESSED.set(input);
                self.stream_slice(name, &out, depth);
                INFLATED.set(out);
                return;
            }
            INFLATED.set(out);
        }
        input.truncate(got);
        let again: Box<dyn Read + '_> = match error {
            None => Box::new(Cursor::new(input).chain(reader)),
            Some(e) => Box::new(Cursor::new(input).chain(Failing(Some(e)))),
        };
        self.gzip_streaming(name, again, depth);
    }

    /// Inflate a gzip stream with the streaming decoder, bounded by the
    /// expansion limit against the compressed bytes it has read so far.
    fn gzip_streaming(&mut self, name: &str, reader: Box<dyn Read + '_>, depth: usize) {
        self.decompressing(name, reader, depth, |counted| {
            Ok(Box::new(MultiGzDecoder::new(counted)))
        });
    }

    /// Unpack an xz, Zstandard, bzip2 or LZ4 stream on the fly and sniff
    /// what comes out.
    fn unpack(&mut self, name: &str, packing: Packing, reader: Box<dyn Read + '_>, depth: usize) {
        self.decompressing(name, reader, depth, |counted| {
            packing.unpack(Box::new(counted))
        });
    }

    /// Read what `decoder` makes of `reader` as a stream of its own, bounded
    /// by the expansion limit against the compressed bytes read so far.
    fn decompressing<'r>(
        &mut self,
        name: &str,
        reader: Box<dyn Read + 'r>,
        depth: usize,
        decoder: impl FnOnce(Counting<Box<dyn Read + 'r>>) -> io::Result<Box<dyn Read + 'r>>,
    ) {
        let counter = Arc::new(AtomicU64::new(0));
        let counted = Counting {
            inner: reader,
            count: counter.clone(),
        };
        match decoder(counted) {
            Ok(decoded) => {
                let guarded = self.guard(decoded, Compressed::Counter(counter), name);
                self.stream(name, Box::new(guarded), depth);
            }
            Err(e) => self.problem(name, format!("not unpacked: {e}")),
        }
    }

    /// Walk a tar's records one by one (raw, so that no extension record is
    /// ever read whole): GNU long names and PAX headers are read up to
    /// [`MAX_TAR_NAME_BYTES`] / [`MAX_PAX_BYTES`] and applied to the member
    /// they describe; every member that is not a plain file is reported.
    fn tar(&mut self, name: &str, reader: Box<dyn Read + '_>, depth: usize) {
        let mut archive = tar::Archive::new(reader);
        let entries = match archive.entries() {
            Ok(e) => e.raw(true),
            Err(e) => return self.problem(name, format!("not a readable tar: {e}")),
        };
        let mut pending = TarPending::default();
        for entry in entries {
            let mut entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    self.problem(
                        name,
                        format!(
                            "tar archive ends early or is corrupt ({e}): members before were read"
                        ),
                    );
                    return;
                }
            };
            let kind = entry.header().entry_type();
            let size = entry.size();
            if kind.is_gnu_longname() {
                pending.long_name = Some(bounded(&mut entry, MAX_TAR_NAME_BYTES));
                pending.long_name_size = size;
                continue;
            }
            if kind.is_gnu_longlink() || kind.is_pax_global_extensions() {
                // Link targets and archive-wide attributes change nothing read here.
                continue;
            }
            if kind.is_pax_local_extensions() {
                if size > MAX_PAX_BYTES as u64 {
                    pending.oversized_pax = Some(size);
                } else {
                    pending.pax(&bounded(&mut entry, MAX_PAX_BYTES));
                }
                continue;
            }
            let pending = std::mem::take(&mut pending);
            let raw = pending.path(&entry.path_bytes());
            let member = self.member_name(name, &String::from_utf8_lossy(&raw));
            if let Some(n) = pending.oversized_pax {
                self.problem(&member, format!("a PAX header of {n} bytes (over {MAX_PAX_BYTES}) describes this member: ignored"));
            }
            if pending.long_name_size > MAX_TAR_NAME_BYTES as u64 {
                self.problem(
                    &member,
                    format!(
                        "member name of {} bytes cut to its first {MAX_TAR_NAME_BYTES}",
                        pending.long_name_size
                    ),
                );
            }
            if pending.size.is_some_and(|s| s != size) {
                self.problem(&member, "its size is given in a PAX header (a member over 8 GiB?), which is not supported: the rest of the archive is not read");
                return;
            }
            if kind.is_file() {
                self.member(&member, entry, size, depth);
            } else if !kind.is_dir() {
                let what = tar_kind(kind, &entry);
                self.problem(&member, what);
            }
        }
        if pending.long_name.is_some() || pending.pax_path.is_some() {
            self.problem(
                name,
                "the tar ends with a long name or PAX header that describes no member",
            );
        }
    }

    /// A zip or 7z archive met inside another archive has to be seekable to
    /// be read by its index. A small one is held in memory, but only one at a
    /// time (a zip inside it is spooled); a larger one is spooled to an
    /// anonymous temporary file (deleted when closed, never named after a
    /// member), up to [`Limits::max_nested_zip_bytes`] per unit in all.
    fn nested_seekable(
        &mut self,
        name: &str,
        kind: Indexed,
        mut reader: Box<dyn Read + '_>,
        depth: usize,
    ) {
        let what = kind.name();
        let in_memory = if self.zip_in_memory {
            0
        } else {
            NESTED_ZIP_IN_MEMORY
        };
        let mut head = Vec::new();
        if let Err(e) = (&mut reader).take(in_memory + 1).read_to_end(&mut head) {
            return self.problem(name, format!("cannot read nested {what}: {e}"));
        }
        if head.len() as u64 <= in_memory {
            self.zip_in_memory = true;
            let size = head.len() as u64;
            self.indexed(kind, Cursor::new(head), name, depth, size);
            self.zip_in_memory = false;
            return;
        }
        let cap = self.limits.max_nested_zip_bytes;
        let room = cap.saturating_sub(self.spooled);
        let mut file = match tempfile::tempfile() {
            Ok(f) => f,
            Err(e) => {
                return self.problem(
                    name,
                    format!("a {what} inside an archive is read through a temporary file, which could not be made ({e}): not read"),
                )
            }
        };
        let copied = io::Write::write_all(&mut file, &head)
            .and_then(|_| {
                io::copy(
                    &mut (&mut reader).take(room.saturating_sub(head.len() as u64) + 1),
                    &mut file,
                )
            })
            .map(|n| n + head.len() as u64);
        drop(head);
        match copied {
            Err(e) => self.problem(name, format!("cannot read nested {what}: {e}")),
            Ok(n) if n > room => self.problem(
                name,
                format!("refused: zip and 7z archives inside archives of this input take more than {cap} bytes on disk in all: not read"),
            ),
            Ok(n) => {
                self.spooled += n;
                match io::Seek::rewind(&mut file) {
                    Ok(()) => self.indexed(kind, io::BufReader::new(file), name, depth, n),
                    Err(e) => self.problem(name, format!("cannot read nested {what}: {e}")),
                }
            }
        }
    }

    /// Read a zip or 7z archive of `size` bytes from something seekable.
    fn indexed<R: Read + io::Seek>(
        &mut self,
        kind: Indexed,
        r: R,
        name: &str,
        depth: usize,
        size: u64,
    ) {
        match kind {
            Indexed::Zip => self.zip(r, name, depth, None),
            Indexed::SevenZip => self.seven_zip(r, name, depth, size),
        }
    }

    /// Read a 7z archive's members in their order (solid blocks decode
    /// once, front to back), each bounded by the expansion limit against the
    /// archive's `size`. Its decoders may hold at most
    /// [`SEVEN_ZIP_MEMORY_KIB`]; an encrypted archive is reported, never
    /// asked a password for.
    fn seven_zip<R: Read + io::Seek>(&mut self, r: R, name: &str, depth: usize, size: u64) {
        let password = sevenz_rust2::Password::empty();
        let mut archive = match sevenz_rust2::ArchiveReader::new_with_memory_limit(
            r,
            password,
            SEVEN_ZIP_MEMORY_KIB,
        ) {
            Ok(a) => a,
            Err(e) => {
                let why = seven_zip_error(&e);
                return self.problem(name, format!("7z archive unreadable: {why}"));
            }
        };
        // Units already use every core: one decoder thread per archive.
        archive.set_thread_count(1);
        // Members skipped with the rest of a block (after a refused or
        // damaged one) are named at the end: the count of each name not met.
        let mut unmet: HashMap<String, usize> = HashMap::new();
        for f in archive.archive().files.iter().filter(|f| !f.is_directory()) {
            *unmet.entry(f.name().to_string()).or_default() += 1;
        }
        let walked = archive.for_each_entries_with_decision(|entry, reader| {
            if let Some(n) = unmet.get_mut(entry.name()) {
                *n = n.saturating_sub(1);
            }
            if entry.is_directory() {
                return Ok(sevenz_rust2::EntryDecision::Continue);
            }
            let member = self.member_name(name, entry.name());
            Ok(self.seven_zip_member(&member, reader, size, depth))
        });
        if let Err(e) = walked {
            let why = seven_zip_error(&e);
            self.problem(name, format!("7z archive: {why}: members before were read"));
        }
        let mut skipped: Vec<(String, usize)> = unmet.into_iter().filter(|(_, n)| *n > 0).collect();
        skipped.sort();
        for (raw, _) in skipped {
            let member = self.member_name(name, &raw);
            self.problem(
                &member,
                "not read: the 7z archive could not be decoded as far as this member (see the archive's own problem)",
            );
        }
    }

    /// One member of a 7z archive of `size` bytes, and whether the rest of
    /// its block can still be read.
    fn seven_zip_member(
        &mut self,
        member: &str,
        reader: &mut dyn Read,
        size: u64,
        depth: usize,
    ) -> sevenz_rust2::EntryDecision {
        let mut watched = Watched {
            inner: self.guard(reader, Compressed::Declared(size), member),
            failed: false,
        };
        self.stream(member, Box::new(&mut watched), depth);
        // What the visitor left unread (a binary file stops at its head) is
        // decoded here, still under the limits, to reach the next member of
        // a solid block; after a refusal or damage, the rest of the block is
        // not decoded (a bomb's output would be, only to be thrown away, for
        // as long as it declares).
        if !watched.failed {
            if let Err(e) = io::copy(&mut watched, &mut io::sink()) {
                self.problem(member, format!("after its first bytes: {e}"));
            }
        }
        if watched.failed {
            sevenz_rust2::EntryDecision::SkipBlock
        } else {
            sevenz_rust2::EntryDecision::Continue
        }
    }

    /// Read a zip by its central directory (only `members`, when given); if
    /// that is missing (a truncated zip), salvage the members whose local
    /// headers are intact.
    fn zip<R: Read + io::Seek>(
        &mut self,
        mut r: R,
        name: &str,
        depth: usize,
        members: Option<Range<usize>>,
    ) {
        let mut archive = match zip::ZipArchive::new(&mut r) {
            Ok(a) => a,
            Err(e) => {
                self.problem(
                    name,
                    format!("zip directory unreadable ({e}): reading members one by one"),
                );
                // A part of a split zip never salvages: the whole zip would be
                // read once per part.
                if members.is_none() && r.rewind().is_ok() {
                    self.zip_salvage(r, name, depth);
                }
                return;
            }
        };
        for i in members.unwrap_or(0..archive.len()) {
            let entry = match archive.by_index(i) {
                Ok(e) => e,
                Err(e) => {
                    self.problem(name, format!("zip member {i} unreadable: {e}"));
                    continue;
                }
            };
            if entry.is_dir() {
                continue;
            }
            self.zip_member(name, entry, depth);
        }
    }

    /// Stream one zip member, bounded by its declared compressed size.
    fn zip_member<R: Read>(
        &mut self,
        archive: &str,
        entry: zip::read::ZipFile<'_, R>,
        depth: usize,
    ) {
        let raw = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let member = self.member_name(archive, &raw);
        let compressed = Compressed::Declared(entry.compressed_size());
        let guarded = self.guard(entry, compressed, &member);
        // Not offered: a large zip is already read by every core, in parts.
        self.stream(&member, Box::new(guarded), depth);
    }

    /// One tar member of `size` bytes (as its header says): offered whole
    /// to the detach callback when there is one and it is small enough,
    /// else (or when handed back) read in place.
    fn member<R: Read>(&mut self, name: &str, mut reader: R, size: u64, depth: usize) {
        if self.detach.is_none() || size > DETACH_MAX_BYTES {
            return self.stream(name, Box::new(reader), depth);
        }
        let mut buffer = take_buffer(size as usize);
        let limit = DETACH_MAX_BYTES as usize;
        let (len, error) = fill(&mut reader, &mut buffer, limit);
        if error.is_some() || len == limit {
            // In place, the member's reader sees the bytes, then the error
            // (or, when it is longer than its header said, the rest).
            buffer.truncate(len);
            let rest: Box<dyn Read> = match error {
                Some(e) => Box::new(Failing(Some(e))),
                None => Box::new(reader),
            };
            return self.stream(name, Box::new(Cursor::new(buffer).chain(rest)), depth);
        }
        let member = Detached {
            name: name.to_string(),
            buffer,
            len,
            depth,
            total: self.total.clone(),
            problems_before: self.problems.len(),
        };
        let back = match self.detach.as_mut() {
            Some(detach) => detach(member),
            None => Some(member),
        };
        if let Some(back) = back {
            self.stream(&back.name, Box::new(back.bytes()), depth);
        }
    }

    /// Walk a zip's local headers in order, for a zip whose end is missing.
    fn zip_salvage<R: Read>(&mut self, mut r: R, name: &str, depth: usize) {
        loop {
            match zip::read::read_zipfile_from_stream(&mut r) {
                Ok(Some(entry)) => {
                    if entry.is_dir() {
                        continue;
                    }
                    self.zip_member(name, entry, depth);
                }
                Ok(None) => return,
                Err(e) => {
                    self.problem(
                        name,
                        format!("zip ends early or is corrupt ({e}): members before were read"),
                    );
                    return;
                }
            }
        }
    }

    /// `archive!/member`, with a member name that tries to escape neutralised.
    fn member_name(&mut self, archive: &str, raw: &str) -> String {
        let parts: Vec<&str> = raw
            .split(['/', '\\'])
            .filter(|p| !p.is_empty() && *p != "." && *p != ".." && !p.ends_with(':'))
            .collect();
        let clean = parts.join("/");
        let escaped = raw.starts_with(['/', '\\'])
            || raw.split(['/', '\\']).any(|p| p == "..")
            || raw.contains(':');
        let full = format!("{archive}!/{clean}");
        if escaped {
            self.problem(
                &full,
                format!("member name `{raw}` points outside the archive: read as `{clean}` (nothing is ever written to disk)"),
            );
        }
        full
    }
}

#[cfg(test)]
mod tests {
    use super::fill;
    use std::io::{self, Read};

    #[test]
    fn a_reused_buffer_yields_only_the_new_streams_bytes() {
        let mut buf = Vec::new();
        let long = vec![b'x'; 300_000];
        assert_eq!(fill(&mut &long[..], &mut buf, 1 << 20).0, long.len());
        let (got, error) = fill(&mut &b"short"[..], &mut buf, 1 << 20);
        assert!(error.is_none());
        assert_eq!(&buf[..got], b"short");
    }

    #[test]
    fn reading_stops_at_the_limit() {
        let mut buf = Vec::new();
        let long = vec![7u8; 200_000];
        assert_eq!(fill(&mut &long[..], &mut buf, 100_001).0, 100_001);
    }

    #[test]
    fn bytes_before_a_read_error_are_kept_with_the_error() {
        let failing = io::Cursor::new(b"before".to_vec()).chain(Broken);
        let mut buf = Vec::new();
        let (got, error) = fill(&mut Box::new(failing), &mut buf, 1 << 20);
        assert_eq!(&buf[..got], b"before");
        assert_eq!(error.map(|e| e.kind()), Some(io::ErrorKind::UnexpectedEof));
    }

    /// A reader whose every read fails.
    struct Broken;

    impl Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::ErrorKind::UnexpectedEof.into())
        }
    }
}
