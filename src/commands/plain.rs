//! `analyze`'s plain lines (events of kind `log` that no rule keeps), mined
//! as they stream past instead of being kept as events: a sink per file
//! ([`PlainSink`]) mines each line's message and counts it, per signature
//! and host, in time buckets of the line's raw time, with the first few
//! lines of each bucket as evidence. When the file ends its miner is merged
//! into the shared one. After loading, the buckets' raw times are placed
//! exactly as events are ([`Bundle::place`]) and become the
//! [`PlainLog`] the unusual-activity rule judges.
//!
//! Memory: per file [`MAX_BUCKETS`] buckets and [`MAX_CITE_BYTES`] of
//! evidence text; a file over either keeps fewer evidence lines per
//! bucket, then widens its buckets (1 s, 4 s, 16 s, ... up to an hour), and
//! the bundle's notes say so. A file with more distinct signatures than
//! that (each has a bucket) keeps one bucket per signature and hour and no
//! further evidence: bounded by the miner's cap on signatures, not by the
//! number of lines. Until then every distinct instant is a bucket of its own,
//! so the rule sees what it would see with every line kept as an event.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use uctriage_core::jiff::civil;
use uctriage_core::{Evidence, Kind, RawEvent, RawTime, Text};
use uctriage_correlate::PlainLog;
use uctriage_engine::{Bundle, EventSink, SinkFactory};
use uctriage_formats::{FileContext, ParsedFile};
use uctriage_templates::{message_of, Miner, Seen};

/// Time buckets one file keeps, at most, over all its signatures and hosts.
const MAX_BUCKETS: usize = 4096;
/// Bytes of evidence text one file keeps, at most.
const MAX_CITE_BYTES: usize = 256 << 10;
/// Buckets are widened up to an hour of raw time, no further: past that a
/// file over its budget keeps counting (one bucket per hour of each
/// signature at most) but keeps no new evidence line.
const MAX_WIDTH_NS: i64 = 3_600_000_000_000;
/// Evidence lines per bucket while the file is under its budgets (a
/// finding cites at most this many).
const CITES_PER_BUCKET: usize = uctriage_correlate::MAX_EVIDENCE;
/// Bytes of a finding's example line kept (the rule cuts it there too).
const EXAMPLE_BYTES: usize = 4096;
/// Characters of an evidence text a finding shows (then `…`), plus one so
/// that it still knows to cut.
const CITE_CHARS: usize = 601;

/// A raw time's class (times of one class compare as their instants will,
/// as the loader's summary of events not kept assumes) and its position
/// within the class, in nanoseconds. None: no time.
fn class_key(t: &RawTime) -> Option<((u8, i32), i64)> {
    Some(match t {
        RawTime::Unknown => return None,
        RawTime::Absolute(ts, _) => ((1, 0), ts.as_nanosecond() as i64),
        RawTime::WithOffset(dt, off, _) => ((2, off.seconds()), civil_ns(dt)),
        RawTime::Local(dt, _) => ((3, 0), civil_ns(dt)),
        RawTime::LocalNoYear { month, day, time } => {
            ((4, *month as i32 * 32 + *day as i32), day_ns(time))
        }
        RawTime::TimeOfDay(time) => ((5, 0), day_ns(time)),
    })
}

/// Nanoseconds from 1970-01-01 00:00 to a civil time, both in the same
/// (unknown) zone: an order and a distance, not an instant.
fn civil_ns(dt: &civil::DateTime) -> i64 {
    dt.duration_since(civil::date(1970, 1, 1).at(0, 0, 0, 0))
        .as_nanos() as i64
}

/// Nanoseconds since midnight.
fn day_ns(t: &civil::Time) -> i64 {
    t.duration_since(civil::Time::midnight()).as_nanos() as i64
}

/// The part of a line's text kept as evidence: all of it when short, else
/// enough for a finding to cite it (its first [`CITE_CHARS`] characters)
/// and to show its first line ([`EXAMPLE_BYTES`]), whichever is longer.
fn cite_text(text: &str) -> Box<str> {
    if text.len() < CITE_CHARS {
        return text.into();
    }
    let chars = text
        .char_indices()
        .nth(CITE_CHARS)
        .map_or(text.len(), |(i, _)| i);
    let line = text.find('\n').unwrap_or(text.len());
    let mut first = line.min(EXAMPLE_BYTES);
    while !text.is_char_boundary(first) {
        first -= 1;
    }
    text[..chars.max(first)].into()
}

/// Lines of one signature on one host whose raw times fall in one bucket.
struct Bucket {
    class: (u8, i32),
    min: (i64, RawTime),
    max: (i64, RawTime),
    count: u64,
    /// (raw time, line, text) of its first lines.
    cites: Vec<(RawTime, u64, Box<str>)>,
}

/// One signature's lines about one host (None: the file's host).
struct Series {
    sig: u32,
    host: Option<String>,
    buckets: Vec<Bucket>,
}

/// Mines one file's plain lines as they are parsed.
struct PlainSink {
    shared: Arc<Shared>,
    path: String,
    order: u64,
    miner: Miner,
    series: Vec<Series>,
    /// Per signature, its series (one per host named).
    of_sig: Vec<Vec<u32>>,
    buckets: usize,
    cite_bytes: usize,
    /// Widest span of raw time a bucket may hold (0: one instant).
    width: i64,
    cites_per_bucket: usize,
    /// Buckets past which the budget is looked at again (doubled when the
    /// widest buckets could not bring them under [`MAX_BUCKETS`]).
    recheck: usize,
    /// Evidence budget spent with the widest buckets: no new evidence.
    cites_full: bool,
}

/// What every file's sink feeds.
struct Shared {
    miner: Mutex<Miner>,
    /// Per file path: its series, signatures in the shared miner's indexes.
    files: Mutex<HashMap<String, Vec<Vec<Series>>>>,
    /// Files whose buckets were widened, and the widest.
    widened: AtomicU64,
    widest: AtomicU64,
}

/// The plain lines of a bundle being read; [`Plain::factory`] is given to
/// the loader, [`Plain::place`] is called once it returned.
pub(crate) struct Plain {
    shared: Arc<Shared>,
}

impl Plain {
    pub(crate) fn new() -> Plain {
        Plain {
            shared: Arc::new(Shared {
                miner: Mutex::new(Miner::new(PlainLog::config())),
                files: Mutex::new(HashMap::new()),
                widened: AtomicU64::new(0),
                widest: AtomicU64::new(0),
            }),
        }
    }

    /// The sink of each file.
    pub(crate) fn factory(&self) -> SinkFactory {
        let shared = self.shared.clone();
        Arc::new(move |ctx: &FileContext| {
            Box::new(PlainSink {
                shared: shared.clone(),
                path: ctx.path.clone(),
                order: ctx.order,
                miner: Miner::new(PlainLog::config()),
                series: Vec::new(),
                of_sig: Vec::new(),
                buckets: 0,
                cite_bytes: 0,
                width: 0,
                cites_per_bucket: CITES_PER_BUCKET,
                recheck: MAX_BUCKETS,
                cites_full: false,
            }) as Box<dyn EventSink>
        })
    }

    /// Place what was summarised now that the bundle's hosts and zones are
    /// decided (a note joins the bundle's when buckets were widened).
    pub(crate) fn place(self, bundle: &mut Bundle) -> PlainLog {
        let shared = &self.shared;
        let mut log = PlainLog::new(bundle.files.iter().map(|f| f.path.as_str()));
        let miner = std::mem::replace(
            &mut *shared.miner.lock().unwrap_or_else(|e| e.into_inner()),
            Miner::new(PlainLog::config()),
        );
        *log.miner_mut() = miner;
        let mut files =
            std::mem::take(&mut *shared.files.lock().unwrap_or_else(|e| e.into_inner()));
        for f in &bundle.files {
            let Some(parts) = files.remove(&f.path) else {
                continue;
            };
            let path: Arc<str> = Arc::from(f.path.as_str());
            let file_host = f.host.as_deref();
            for s in parts.iter().flatten() {
                let raw_host = s.host.as_deref();
                for b in &s.buckets {
                    let (host, first) = bundle.place(file_host, raw_host, &b.min.1);
                    let last = bundle.place(file_host, raw_host, &b.max.1).1;
                    let (Some(host), Some(first)) = (host, first) else {
                        continue;
                    };
                    let last = last.map_or(first, |l| l.max(first));
                    log.count(s.sig, &host, first, last, b.count);
                    for (raw, line, text) in &b.cites {
                        if let Some(at) = bundle.place(file_host, raw_host, raw).1 {
                            let evidence = Evidence {
                                file: path.clone(),
                                line: *line,
                                text: Text::new(String::from(&**text)),
                            };
                            log.cite(s.sig, &host, at, evidence);
                        }
                    }
                }
            }
        }
        let widened = shared.widened.load(Ordering::Relaxed);
        if widened > 0 {
            let widest = shared.widest.load(Ordering::Relaxed) / 1_000_000_000;
            bundle.notes.push(format!(
                "plain lines of {widened} file(s) were too varied to keep every instant apart: counted in spans of up to {widest} s, so unusual-activity counts near the incident window's edges are approximate there"
            ));
        }
        log
    }
}

impl PlainSink {
    /// Over a budget: fewer evidence lines per bucket first, then wider
    /// buckets up to [`MAX_WIDTH_NS`]; past that, no new evidence, and the
    /// buckets looked at again only when twice as many (each look sorts
    /// them all).
    fn shrink(&mut self) {
        loop {
            let cites_over = self.cite_bytes > MAX_CITE_BYTES && !self.cites_full;
            if !cites_over && self.buckets <= self.recheck {
                return;
            }
            if cites_over && self.cites_per_bucket > 1 {
                self.cites_per_bucket /= 2;
            } else if self.width < MAX_WIDTH_NS {
                self.width = (self.width * 4).clamp(1_000_000_000, MAX_WIDTH_NS);
            } else {
                self.cites_full |= cites_over;
                self.recheck = self.recheck.max(self.buckets * 2);
                return;
            }
            self.regroup();
        }
    }

    /// Merge each series' buckets under the current width and trim their
    /// evidence; recount the budgets.
    fn regroup(&mut self) {
        let (width, per) = (self.width, self.cites_per_bucket);
        let (mut buckets, mut bytes) = (0, 0);
        for s in &mut self.series {
            let mut old = std::mem::take(&mut s.buckets);
            old.sort_by_key(|b| (b.class, b.min.0));
            for b in old {
                match s.buckets.last_mut() {
                    Some(a) if a.class == b.class && b.min.0 - a.min.0 <= width => {
                        a.count += b.count;
                        if b.max.0 > a.max.0 {
                            a.max = b.max;
                        }
                        a.cites.extend(b.cites);
                    }
                    _ => s.buckets.push(b),
                }
            }
            for b in &mut s.buckets {
                b.cites.truncate(per);
                bytes += b.cites.iter().map(|c| c.2.len()).sum::<usize>();
            }
            buckets += s.buckets.len();
        }
        self.buckets = buckets;
        self.cite_bytes = bytes;
    }
}

impl EventSink for PlainSink {
    fn event(&mut self, ev: &RawEvent) {
        if ev.kind != Kind::Log {
            return;
        }
        let Some((class, k)) = class_key(&ev.time) else {
            return;
        };
        let text = ev.text.get();
        let seen = Seen {
            rank: (self.order, ev.line),
            ..Seen::default()
        };
        let sig = self
            .miner
            .add(message_of(&text, &ev.summary).as_bytes(), seen);
        if sig as usize >= self.of_sig.len() {
            self.of_sig.resize(sig as usize + 1, Vec::new());
        }
        let at = match self.of_sig[sig as usize]
            .iter()
            .find(|&&i| self.series[i as usize].host.as_deref() == ev.host.as_deref())
        {
            Some(&i) => i as usize,
            None => {
                self.series.push(Series {
                    sig,
                    host: ev.host.as_deref().map(String::from),
                    buckets: Vec::new(),
                });
                self.of_sig[sig as usize].push(self.series.len() as u32 - 1);
                self.series.len() - 1
            }
        };
        let width = self.width;
        let s = &mut self.series[at];
        let b = match s.buckets.last_mut() {
            Some(b) if b.class == class && k >= b.max.0 && k - b.min.0 <= width => {
                b.count += 1;
                if k > b.max.0 {
                    b.max = (k, ev.time.clone());
                }
                b
            }
            _ => {
                self.buckets += 1;
                s.buckets.push(Bucket {
                    class,
                    min: (k, ev.time.clone()),
                    max: (k, ev.time.clone()),
                    count: 1,
                    cites: Vec::new(),
                });
                s.buckets.last_mut().expect("just pushed")
            }
        };
        if b.cites.len() < self.cites_per_bucket && !self.cites_full {
            let kept = cite_text(&text);
            self.cite_bytes += kept.len();
            b.cites.push((ev.time.clone(), ev.line, kept));
        }
        if self.buckets > self.recheck || (self.cite_bytes > MAX_CITE_BYTES && !self.cites_full) {
            self.shrink();
        }
    }

    fn unread_line(&mut self, _no: u64, _text: &str) {
        // Lines no parser understood are not events: the rule never read
        // them (`uctriage templates` mines them).
    }

    fn finish(self: Box<Self>, _file: &ParsedFile) {
        let mut this = *self;
        if this.series.is_empty() {
            return;
        }
        if this.width > 0 {
            this.shared.widened.fetch_add(1, Ordering::Relaxed);
            this.shared
                .widest
                .fetch_max(this.width as u64, Ordering::Relaxed);
        }
        let map = this
            .shared
            .miner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .merge(this.miner);
        for s in &mut this.series {
            s.sig = map[s.sig as usize];
            s.buckets.shrink_to_fit();
        }
        this.series.shrink_to_fit();
        super::push_file_result(&this.shared.files, this.path, this.series);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uctriage_core::jiff::civil::{date, time};
    use uctriage_core::DateSource;

    #[test]
    fn civil_keys_count_days_like_the_calendar() {
        let t = |d, h| RawTime::local(d, time(h, 0, 0, 0), DateSource::Line);
        let day = 86_400_000_000_000;
        assert_eq!(class_key(&t(date(1970, 1, 1), 0)).unwrap().1, 0);
        assert_eq!(class_key(&t(date(2000, 3, 1), 0)).unwrap().1, 11_017 * day);
        assert_eq!(class_key(&t(date(1969, 12, 31), 0)).unwrap().1, -day);
        let (c1, k1) = class_key(&t(date(2024, 2, 29), 23)).unwrap();
        let (c2, k2) = class_key(&t(date(2024, 3, 1), 1)).unwrap();
        assert_eq!(c1, c2);
        assert_eq!(k2 - k1, 2 * 3_600_000_000_000);
        assert_eq!(class_key(&RawTime::Unknown), None);
    }

    #[test]
    fn evidence_text_keeps_what_a_finding_shows() {
        assert_eq!(&*cite_text("short line"), "short line");
        let long = format!("{}\nsecond", "é".repeat(700));
        let kept = cite_text(&long);
        assert_eq!(kept.chars().count(), 700);
        let huge = "x".repeat(10_000);
        assert_eq!(cite_text(&huge).len(), EXAMPLE_BYTES);
    }

    fn log(line: u64, second: i8, text: &str) -> RawEvent {
        let t = RawTime::local(date(2024, 3, 1), time(10, 0, second, 0), DateSource::Line);
        RawEvent::new(line, text, Kind::Log, text).at(t)
    }

    #[test]
    fn a_file_past_its_budget_widens_its_buckets_and_keeps_every_count() {
        let plain = Plain::new();
        let ctx = FileContext {
            path: "a.log".into(),
            date_hint: None,
            counter_filter: None,
            keep_ordinary: false,
            keep: None,
            sink: None,
            order: 0,
        };
        let mut sink = (plain.factory())(&ctx);
        let n = (MAX_BUCKETS as u64) * 3;
        for i in 0..n {
            // Distinct variables, one template; instants a second apart
            // (minutes wrap around: out of order for the buckets).
            let text = format!("disk {} check took {} ms", i % 7, i);
            let mut e = log(i + 1, (i % 60) as i8, &text);
            e.time = RawTime::local(
                date(2024, 3, 1),
                time((i / 3600) as i8, ((i / 60) % 60) as i8, (i % 60) as i8, 0),
                DateSource::Line,
            );
            sink.event(&e);
        }
        // Kinds other than log are not mined.
        sink.event(&RawEvent::new(1, "x", Kind::ServiceState, "x"));
        let files = plain.shared.files.lock().unwrap().len();
        assert_eq!(files, 0, "nothing is shared before the file ends");
        // The sink is checked through what it shares when the file ends.
        let parsed = ParsedFile::failed("a.log", "test", uctriage_core::Problem::at(1, "test"));
        sink.finish(&parsed);
        let files = plain.shared.files.lock().unwrap();
        let series = &files["a.log"][0];
        let buckets: usize = series.iter().map(|s| s.buckets.len()).sum();
        let count: u64 = series
            .iter()
            .flat_map(|s| &s.buckets)
            .map(|b| b.count)
            .sum();
        let cites: usize = series
            .iter()
            .flat_map(|s| &s.buckets)
            .map(|b| b.cites.len())
            .sum();
        assert_eq!(count, n);
        assert!(buckets <= MAX_BUCKETS, "{buckets}");
        assert!(cites >= buckets, "every bucket keeps its first line");
        assert_eq!(plain.shared.widened.load(Ordering::Relaxed), 1);
    }
}
