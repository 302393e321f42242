//! A file's parsed events spilled while parsing, read back in their order.

use crate::codec::{get_body, get_raw_time, put_body, put_raw_time, skip_body, Get, Put};
use crate::file::{Block, Spool};
use crate::runs::{FieldNames, FieldsByKind};
use std::io;
use std::sync::atomic::Ordering;
use std::sync::OnceLock;
use uctriage_core::{Kind, KindSet, RawEvent, RawTime, SharedStr};

/// Bytes of encoded events gathered before one write: with its last record
/// a block stays under 64 KiB (unless that record is over 16 KiB), which
/// lz4_flex compresses with its faster table of 16-bit entries (see
/// `runs::BLOCK`; 256 KiB blocks used the 32-bit one).
const BLOCK: usize = 48 << 10;

/// The one file every parsed event that spills goes to (blocks of many
/// files interleave in it; each file knows its own).
static SPOOL: OnceLock<Result<Spool, String>> = OnceLock::new();

fn spool() -> io::Result<&'static Spool> {
    match SPOOL.get_or_init(|| Spool::new().map_err(|e| e.to_string())) {
        Ok(s) => Ok(s),
        Err(e) => Err(io::Error::other(e.clone())),
    }
}

/// Let the disk space of every spilled parsed event go, once they are all
/// read back (normalization placed them; one load spills at a time, as the
/// budget is the process's). Reading one after this is an error.
pub fn release_parsed() {
    if let Some(Ok(s)) = SPOOL.get() {
        s.release();
    }
}

/// The events of one file that were spilled while it was parsed, in the
/// order they were made.
#[derive(Default)]
pub struct RawSpill {
    blocks: Vec<Block>,
    buf: Vec<u8>,
    buf_records: u32,
    /// The static "how" of absolute times, by place.
    hows: Vec<&'static str>,
    count: u64,
    /// How many of each kind (its place in `Kind::ALL`), up to the last
    /// kind spilled (most files spill nothing: no room taken).
    per_kind: Vec<u64>,
    /// The names of the fields of each kind's events.
    fields: FieldsByKind,
    /// A number no other spill of the process has (0 until the first push).
    id: u64,
    /// Writing failed: events are kept in memory from then on.
    broken: bool,
}

impl std::fmt::Debug for RawSpill {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawSpill")
            .field("events", &self.count)
            .field("blocks", &self.blocks.len())
            .finish()
    }
}

impl RawSpill {
    /// Nothing spilled yet.
    pub fn new() -> RawSpill {
        RawSpill::default()
    }

    /// How many events were spilled.
    pub fn len(&self) -> u64 {
        self.count
    }

    /// Whether none was.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// How many events of the kinds `kinds` were spilled.
    pub fn count_of(&self, kinds: KindSet) -> u64 {
        kinds
            .iter()
            .filter_map(|k| self.per_kind.get(k as usize))
            .sum()
    }

    /// Whether writing failed: further events stay with the caller.
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// Spill `ev` (a complete event). Returns the events that could not be
    /// spilled (the temporary file could not be made or written: the first
    /// error is kept for [`crate::failure`]), in order, for the caller to
    /// keep in memory; usually none.
    pub fn push(&mut self, ev: RawEvent) -> Vec<RawEvent> {
        if self.broken {
            return vec![ev];
        }
        let mut p = Put(&mut self.buf);
        let hows = &mut self.hows;
        put_raw_time(&mut p, &ev.time, |h| {
            let i = hows.iter().position(|x| std::ptr::eq(*x, h) || *x == h);
            i.unwrap_or_else(|| {
                hows.push(h);
                hows.len() - 1
            }) as u64
        });
        match &ev.host {
            None => p.byte(0),
            Some(h) => {
                p.byte(1);
                p.str(h);
            }
        }
        put_body(
            &mut p,
            ev.kind,
            ev.severity,
            &ev.summary,
            &ev.fields,
            &ev.entities,
            ev.line,
            &ev.text,
        );
        self.buf_records += 1;
        let k = ev.kind as usize;
        if self.per_kind.len() <= k {
            self.per_kind.resize(k + 1, 0);
        }
        self.per_kind[k] += 1;
        if self.id == 0 {
            static SPILLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
            self.id = SPILLS.fetch_add(1, Ordering::Relaxed);
        }
        self.fields.of(ev.kind).add_all(&ev.fields);
        self.count += 1;
        crate::RAW_EVENTS.fetch_add(1, Ordering::Relaxed);
        if self.buf.len() >= BLOCK {
            return self.flush();
        }
        Vec::new()
    }

    /// Write what is gathered; call once the file is read. Returns the
    /// events that could not be written, as [`RawSpill::push`] does.
    pub fn flush(&mut self) -> Vec<RawEvent> {
        if self.buf.is_empty() {
            return Vec::new();
        }
        let written = spool().and_then(|s| s.append(&self.buf, self.buf_records));
        match written {
            Ok(block) => {
                crate::RAW_BYTES.fetch_add(block.len as u64, Ordering::Relaxed);
                self.blocks.push(block);
                self.buf.clear();
                self.buf_records = 0;
                Vec::new()
            }
            Err(e) => {
                crate::record_trouble(&format!("writing events to a temporary file: {e}"));
                self.broken = true;
                let n = self.buf_records as u64;
                let back = decode_block(&self.buf, &self.hows, n);
                if back.is_none() {
                    crate::record_failure(
                        &"events this file could not write could not be kept either",
                    );
                }
                self.count -= n;
                crate::RAW_EVENTS.fetch_sub(n, Ordering::Relaxed);
                self.buf = Vec::new();
                self.buf_records = 0;
                back.unwrap_or_default()
            }
        }
    }

    /// Read the spilled events back in the order they were spilled, each
    /// given to `f`: decoded, or, when its kind is in `encoded`, left
    /// encoded ([`RawItem::Encoded`]: its time and host decoded, its body as
    /// written), for a caller that only passes it on to disk
    /// ([`crate::RunWriter::push_encoded`]). An error (the temporary file
    /// could not be read, or does not decode) ends the reading; it is
    /// recorded for [`crate::failure`] too.
    pub fn each(&self, encoded: KindSet, mut f: impl FnMut(RawItem<'_>)) -> io::Result<()> {
        let mut bytes = Vec::new();
        for block in &self.blocks {
            let read = spool().and_then(|s| {
                s.read(block, &mut bytes)?;
                let fields = (self.id, &self.fields);
                each_in_block(
                    &bytes,
                    &self.hows,
                    block.records as u64,
                    encoded,
                    fields,
                    &mut f,
                )
                .ok_or_else(|| io::Error::other("spilled events that do not decode"))
            });
            if let Err(e) = read {
                let e = io::Error::new(
                    e.kind(),
                    format!("reading spilled events back from the temporary file: {e}"),
                );
                crate::record_failure(&e);
                return Err(e);
            }
        }
        Ok(())
    }

    /// The spilled events, read back in the order they were spilled.
    pub fn read(&self) -> RawReader<'_> {
        RawReader {
            spill: self,
            block: 0,
            events: Vec::new().into_iter(),
            failed: false,
        }
    }
}

/// A spilled parsed event read back by [`RawSpill::each`].
pub enum RawItem<'a> {
    /// Decoded whole.
    Event(RawEvent),
    /// Left as it was written.
    Encoded(EncodedRaw<'a>),
}

/// A spilled parsed event left encoded: its raw time, the host it named
/// and its kind and line decoded, its body ([`put_body`]) as written.
pub struct EncodedRaw<'a> {
    /// Its time as the record gave it.
    pub time: RawTime,
    /// The host it named (shared with the record before when the same).
    pub host: Option<SharedStr>,
    /// Its kind.
    pub kind: Kind,
    /// Its line in the file.
    pub line: u64,
    pub(crate) body: &'a [u8],
    /// The names of the fields of its kind's events in its spill, with the
    /// spill's number.
    pub(crate) fields: Option<(u64, &'a FieldNames)>,
}

impl EncodedRaw<'_> {
    /// The whole event (None when its body does not decode).
    pub fn decode(&self) -> Option<RawEvent> {
        let mut ev = get_body(&mut Get(self.body))?;
        (ev.time, ev.host) = (self.time.clone(), self.host.clone());
        Some(ev)
    }
}

fn decode_block(bytes: &[u8], hows: &[&'static str], records: u64) -> Option<Vec<RawEvent>> {
    let mut out = Vec::with_capacity(records as usize);
    let no_names = FieldsByKind::default();
    each_in_block(
        bytes,
        hows,
        records,
        KindSet::NONE,
        (0, &no_names),
        &mut |item| {
            if let RawItem::Event(ev) = item {
                out.push(ev);
            }
        },
    )?;
    Some(out)
}

/// Give each of the `records` events of a block to `f`, those of the kinds
/// `encoded` left encoded (with their kind's field names, from `fields`:
/// the spill's number and its names per kind).
/// None when the block does not decode (the events before the damage were
/// given).
fn each_in_block(
    bytes: &[u8],
    hows: &[&'static str],
    records: u64,
    encoded: KindSet,
    fields: (u64, &FieldsByKind),
    f: &mut impl FnMut(RawItem<'_>),
) -> Option<()> {
    let mut g = Get(bytes);
    let mut last_host: Option<SharedStr> = None;
    for _ in 0..records {
        let mut bad_how = false;
        let time = get_raw_time(&mut g, |i| {
            hows.get(i as usize).copied().unwrap_or_else(|| {
                bad_how = true;
                ""
            })
        })?;
        if bad_how {
            return None;
        }
        let host = match g.byte()? {
            0 => None,
            1 => {
                let h = g.str()?;
                Some(match &last_host {
                    Some(l) if l.as_str() == h => l.clone(),
                    _ => {
                        let s = SharedStr::from(h);
                        last_host = Some(s.clone());
                        s
                    }
                })
            }
            _ => return None,
        };
        let kind = *Kind::ALL.get(usize::from(*g.0.first()?))?;
        if encoded.contains(kind) {
            let body = g.0;
            let line = skip_body(&mut g)?;
            let body = &body[..body.len() - g.0.len()];
            f(RawItem::Encoded(EncodedRaw {
                time,
                host,
                kind,
                line,
                body,
                fields: fields.1.get(kind).map(|names| (fields.0, names)),
            }));
        } else {
            let mut ev = get_body(&mut g)?;
            (ev.time, ev.host) = (time, host);
            f(RawItem::Event(ev));
        }
    }
    g.0.is_empty().then_some(())
}

/// Reads a file's spilled events back, one block at a time.
pub struct RawReader<'a> {
    spill: &'a RawSpill,
    block: usize,
    events: std::vec::IntoIter<RawEvent>,
    failed: bool,
}

impl Iterator for RawReader<'_> {
    type Item = io::Result<RawEvent>;

    fn next(&mut self) -> Option<io::Result<RawEvent>> {
        loop {
            if let Some(ev) = self.events.next() {
                return Some(Ok(ev));
            }
            if self.failed {
                return None;
            }
            let block = *self.spill.blocks.get(self.block)?;
            self.block += 1;
            let read = spool().and_then(|s| {
                let mut bytes = Vec::new();
                s.read(&block, &mut bytes)?;
                decode_block(&bytes, &self.spill.hows, block.records as u64)
                    .ok_or_else(|| io::Error::other("spilled events that do not decode"))
            });
            match read {
                Ok(events) => self.events = events.into_iter(),
                Err(e) => {
                    self.failed = true;
                    let e = io::Error::new(
                        e.kind(),
                        format!("reading spilled events back from the temporary file: {e}"),
                    );
                    crate::record_failure(&e);
                    return Some(Err(e));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uctriage_core::jiff::Timestamp;
    use uctriage_core::{EntityKind, Kind, RawTime};

    fn event(i: u64) -> RawEvent {
        let mut e = RawEvent::new(
            i,
            &format!("line {i} {}", "é".repeat((i % 50) as usize)),
            Kind::Alarm,
            format!("s{}", i % 7),
        )
        .at(RawTime::Absolute(
            Timestamp::new(i as i64, 0).unwrap(),
            "UTC stamp",
        ))
        .with_field("cause", (i % 3).to_string())
        .with_entity(EntityKind::Device, format!("SEP{i:012}"));
        if i.is_multiple_of(2) {
            e = e.on_host(format!("sub{}", i % 4));
        }
        e
    }

    #[test]
    fn events_read_back_equal_and_in_order_across_blocks() {
        let mut s = RawSpill::new();
        let n = 20_000;
        for i in 1..=n {
            assert!(s.push(event(i)).is_empty());
        }
        assert!(s.flush().is_empty());
        assert_eq!(s.len(), n);
        assert!(s.blocks.len() > 1, "the test should cross blocks");
        let back: Vec<RawEvent> = s.read().map(Result::unwrap).collect();
        assert_eq!(back.len() as u64, n);
        for (i, e) in back.into_iter().enumerate() {
            assert_eq!(e, event(i as u64 + 1));
        }
    }

    #[test]
    fn a_block_that_does_not_decode_is_an_error_not_a_panic() {
        let mut s = RawSpill::new();
        s.push(event(1));
        s.flush();
        s.blocks[0].records += 1;
        let got: Vec<_> = s.read().collect();
        assert_eq!(got.len(), 1);
        assert!(got[0].is_err());
        assert!(crate::failure().is_some());
    }
}
