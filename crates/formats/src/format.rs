//! The [`Format`] trait and the small types a parser works with.

use crate::dropped::{Dropped, EventFilter};
use crate::filename::date_from_file_name;
use crate::sink::{EventSink, Ordinary, SinkFactory};
use uctriage_core::jiff::civil::Date;
use uctriage_core::{DateSource, Fact, Problem, RawEvent, RawTime};

/// Which performance counters a wide metric file should keep (the caller's
/// choice, e.g. the metric classes the knowledge base knows).
pub type CounterFilter = std::sync::Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// What a parser knows about the file it reads, before reading it.
#[derive(Clone)]
pub struct FileContext {
    /// Bundle-relative path, `/`-separated.
    pub path: String,
    /// A date for time-only lines, from the file name or the `--date` hint.
    pub date_hint: Option<(Date, DateSource)>,
    /// Counters to keep from wide metric files (None: the first columns only).
    pub counter_filter: Option<CounterFilter>,
    /// Emit every understood record as an event, not only the ones that
    /// matter in an outage (the formats that skip ordinary records, SDL and
    /// UCCE dumplog traces, honour it; `timeline --all` asks for it).
    pub keep_ordinary: bool,
    /// Which emitted events are kept (None: all). The others are counted
    /// and summarised in [`ParsedFile::dropped`](crate::ParsedFile::dropped)
    /// as they are emitted, so memory does not grow with them.
    pub keep: Option<EventFilter>,
    /// Who sees the events not kept and the lines no parser understood, as
    /// they come ([`EventSink`]); None: nobody.
    pub sink: Option<SinkFactory>,
    /// The file's place in the walk of the inputs (larger: later), so a
    /// sink fed from several threads can put files back in input order.
    pub order: u64,
}

impl std::fmt::Debug for FileContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileContext")
            .field("path", &self.path)
            .field("date_hint", &self.date_hint)
            .field("counter_filter", &self.counter_filter.is_some())
            .field("keep_ordinary", &self.keep_ordinary)
            .field("keep", &self.keep.is_some())
            .field("sink", &self.sink.is_some())
            .field("order", &self.order)
            .finish()
    }
}

impl FileContext {
    /// Context for `path`, with the date its name carries, if any.
    pub fn new(path: &str) -> FileContext {
        let name = path.rsplit(['/', '!']).next().unwrap_or(path);
        FileContext {
            path: path.to_string(),
            date_hint: date_from_file_name(name).map(|d| (d, DateSource::FileName)),
            counter_filter: None,
            keep_ordinary: false,
            keep: None,
            sink: None,
            order: 0,
        }
    }

    /// The file name without folders.
    pub fn file_name(&self) -> &str {
        self.path.rsplit(['/', '!']).next().unwrap_or(&self.path)
    }
}

/// The first lines of a file, for detection.
#[derive(Debug)]
pub struct Head<'a> {
    /// File name without folders.
    pub name: &'a str,
    /// Up to the first 200 lines, lossily decoded, without line ends.
    pub lines: Vec<&'a str>,
}

impl Head<'_> {
    /// How many of the head's non-blank lines satisfy `pred`.
    pub fn count(&self, pred: impl Fn(&str) -> bool) -> usize {
        self.lines
            .iter()
            .filter(|l| !l.trim().is_empty() && pred(l))
            .count()
    }

    /// Non-blank lines in the head.
    pub fn non_blank(&self) -> usize {
        self.lines.iter().filter(|l| !l.trim().is_empty()).count()
    }
}

/// One line handed to a parser.
#[derive(Clone, Copy, Debug)]
pub struct Line<'a> {
    /// 1-based line number in the file.
    pub no: u64,
    /// The text, without the line end (`\n` or `\r\n`).
    pub text: &'a str,
}

/// An artifact format: detection plus a parser factory.
pub trait Format: Send + Sync {
    /// Short kebab-case name, used by `--format` and in reports.
    fn name(&self) -> &'static str;
    /// One line saying what the format is.
    fn description(&self) -> &'static str;
    /// A typical line of the format.
    fn example(&self) -> &'static str;
    /// How sure (0-100) this format is that `head` is one of its files. 0 = no.
    fn detect(&self, head: &Head<'_>) -> u8;
    /// A fresh parser for one file.
    fn parser(&self, ctx: &FileContext) -> Box<dyn LineParser>;
}

impl std::fmt::Debug for dyn Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Format({})", self.name())
    }
}

/// A stateful, line-at-a-time parser for one file.
pub trait LineParser {
    /// Handle one line. Call [`Output::understood`] when the line was understood.
    fn line(&mut self, line: Line<'_>, out: &mut Output);
    /// A fast path over a run of lines, for formats whose lines are mostly
    /// understood but make no event (SDL traces): consume whole lines from the
    /// start of `block` for as long as each one would be understood by
    /// [`line`](LineParser::line) and would make nothing (no event, fact or
    /// problem), and return how many bytes and lines were consumed. Stop
    /// before any line that needs [`line`](LineParser::line); the driver hands
    /// that one over, then calls `skim` again.
    ///
    /// `block` is valid UTF-8, ends with `\n`, and holds no line over
    /// [`MAX_LINE_BYTES`](crate::MAX_LINE_BYTES); line ends are still in it
    /// (`\n` or `\r\n`). Never called for a file's first line. The default
    /// consumes nothing.
    fn skim(&mut self, _block: &str) -> Skimmed {
        Skimmed::default()
    }
    /// The file ended: flush any pending multi-line record.
    fn finish(&mut self, _out: &mut Output) {}
}

/// What [`LineParser::skim`] consumed: whole lines, all understood.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Skimmed {
    /// Bytes, line ends included.
    pub bytes: usize,
    /// Lines.
    pub lines: u64,
}

/// Facts a file has before [`Output::fact`] looks new ones up in a set.
const FEW_FACTS: usize = 16;

/// Where a parser puts what it found.
#[derive(Default)]
pub struct Output {
    pub(crate) events: Vec<RawEvent>,
    /// Which events are kept (None: all).
    pub(crate) keep: Option<EventFilter>,
    /// `keep` is [`keep_none`](crate::keep_none): ordinary records need no
    /// event ([`Output::ordinary`]).
    pub(crate) keep_none: bool,
    /// The last event emitted, when it is not kept: still open to
    /// [`Output::last_event_mut`] until the next one is emitted.
    pub(crate) held: Option<RawEvent>,
    /// Sees each event not kept before it is let go.
    pub(crate) sink: Option<Box<dyn EventSink>>,
    pub(crate) dropped: Dropped,
    /// Kept events spilled to disk past the memory budget, and their summary.
    pub(crate) spilled: crate::Spilled,
    pub(crate) facts: Vec<Fact>,
    /// The facts, for a quick check that one is new, once there are many
    /// (a syslog of a hundred thousand hosts has an offset fact per host:
    /// a search of all for each took minutes).
    pub(crate) fact_set: Option<std::collections::HashSet<Fact>>,
    pub(crate) problems: Vec<Problem>,
    pub(crate) problems_dropped: u64,
    pub(crate) understood: u64,
    pub(crate) current_understood: bool,
    pub(crate) span: Option<(RawTime, RawTime)>,
    /// Kept events before this one share their field text in batches
    /// ([`SHARE_BATCH`]).
    pub(crate) shared_upto: usize,
    /// The file's host names and entity ids, each held once
    /// ([`RawEvent::share_names`]).
    pub(crate) names: uctriage_core::Interner,
}

/// Complete events whose fields share one text block
/// ([`uctriage_core::Fields::share_text`]).
const SHARE_BATCH: usize = 4096;

/// At most this many problems are kept per file; the rest are counted.
pub const MAX_PROBLEMS_PER_FILE: usize = 50;

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output")
            .field("events", &self.events.len())
            .field("dropped", &self.dropped.count)
            .field("facts", &self.facts.len())
            .field("problems", &self.problems)
            .field("understood", &self.understood)
            .finish()
    }
}

impl Output {
    /// Mark the current line as understood (idempotent per line).
    pub fn understood(&mut self) {
        if !self.current_understood {
            self.current_understood = true;
            self.understood += 1;
        }
    }

    /// Emit an event.
    pub fn emit(&mut self, mut event: RawEvent) {
        self.release_held();
        if self.keep.as_ref().is_some_and(|keep| !keep(&event)) {
            self.held = Some(event);
            return;
        }
        // Events are kept until the whole bundle is read: no spare capacity.
        event.fields.shrink_to_fit();
        // The one before is complete now (continuation lines go to the last).
        self.settle_last();
        if self.events.len() >= self.shared_upto + SHARE_BATCH {
            self.share_fields();
        }
        self.events.push(event);
    }

    /// Emit an ordinary record (one that matters only as a line of the
    /// file: `timeline --all`, `templates`), given as its parts; `event`
    /// makes its event. When no event is kept ([`keep_none`]) none is
    /// built: the record is counted and summarised as a dropped event
    /// would be, and the sink gets its parts ([`EventSink::ordinary`]).
    /// Returns whether an event was emitted (then open to
    /// [`Output::last_event_mut`] for continuation lines).
    ///
    /// [`keep_none`]: crate::keep_none
    pub fn ordinary(&mut self, rec: Ordinary<'_>, event: impl FnOnce() -> RawEvent) -> bool {
        if !self.keep_none {
            self.emit(event());
            return true;
        }
        self.release_held();
        if let Some(sink) = &mut self.sink {
            sink.ordinary(&rec);
        }
        self.dropped.add_record(rec.time, None, rec.line);
        false
    }

    /// Whether emitted events are only counted and summarised: none is kept
    /// ([`keep_none`]) and no sink looks at them (`files`). A parser may then
    /// emit, for a record, an event with only what the summary reads (its
    /// time, host and line) instead of decoding its fields.
    ///
    /// [`keep_none`]: crate::keep_none
    pub fn counts_only(&self) -> bool {
        self.keep_none && self.sink.is_none()
    }

    /// Events emitted so far, kept or not.
    pub fn emitted(&self) -> u64 {
        self.events.len() as u64
            + self.spilled.summary.count
            + self.dropped.count
            + self.held.is_some() as u64
    }

    /// The last kept event is complete: counted against the memory limit,
    /// its text spilled past it ([`RawEvent::settle`]); past the limit for
    /// whole events ([`uctriage_spill::over_limit`]), the event itself goes
    /// to disk.
    pub(crate) fn settle_last(&mut self) {
        let can_spill = !self.spilled.events.is_broken();
        if !self.events.is_empty() && can_spill && uctriage_spill::over_limit() {
            if let Some(ev) = self.events.pop() {
                self.spilled.summary.add(&ev);
                let kept = self.spilled.events.push(ev);
                self.keep_unspilled(kept);
            }
            return;
        }
        if let Some(ev) = self.events.last_mut() {
            ev.share_names(&mut self.names);
            ev.settle();
        }
    }

    /// The complete events not yet in a batch share their field text.
    fn share_fields(&mut self) {
        let from = self.shared_upto.min(self.events.len());
        uctriage_core::Fields::share_text(self.events[from..].iter_mut().map(|e| &mut e.fields));
        self.shared_upto = self.events.len();
    }

    /// Events that could not be spilled (no temporary file): kept in
    /// memory after all, no longer counted as spilled.
    fn keep_unspilled(&mut self, kept: Vec<RawEvent>) {
        if kept.is_empty() {
            return;
        }
        // Their summary is rebuilt from what remains on disk.
        self.spilled.summary = Dropped::default();
        for ev in self.spilled.events.read().flatten() {
            self.spilled.summary.add(&ev);
        }
        for mut ev in kept {
            ev.share_names(&mut self.names);
            ev.settle();
            self.events.push(ev);
        }
    }

    /// The file is read: the last event is complete too.
    pub(crate) fn seal(&mut self) {
        self.settle_last();
        self.share_fields();
        let kept = self.spilled.events.flush();
        self.keep_unspilled(kept);
    }

    /// The event held open is done with: counted, summarised, let go.
    pub(crate) fn release_held(&mut self) {
        if let Some(ev) = self.held.take() {
            if let Some(sink) = &mut self.sink {
                sink.event(&ev);
            }
            self.dropped.add(&ev);
        }
    }

    /// Record a fact about the bundle.
    pub fn fact(&mut self, fact: Fact) {
        if self.facts.len() < FEW_FACTS {
            if !self.facts.contains(&fact) {
                self.facts.push(fact);
            }
            return;
        }
        let facts = &self.facts;
        let seen = self
            .fact_set
            .get_or_insert_with(|| facts.iter().cloned().collect());
        if seen.insert(fact.clone()) {
            self.facts.push(fact);
        }
    }

    /// Report a problem at a line.
    pub fn problem(&mut self, line: u64, message: impl Into<String>) {
        self.push_problem(Problem::at(line, message));
    }

    pub(crate) fn push_problem(&mut self, p: Problem) {
        if self.problems.len() < MAX_PROBLEMS_PER_FILE {
            self.problems.push(p);
        } else {
            self.problems_dropped += 1;
        }
    }

    /// The first and last times the file's records carry: for formats whose
    /// ordinary records yield no event, so a file still shows the time it
    /// covers (`files`, coverage of the incident window).
    pub fn time_span(&mut self, first: RawTime, last: RawTime) {
        self.span = Some((first, last));
    }

    /// The last emitted event, to append continuation lines to.
    pub fn last_event_mut(&mut self) -> Option<&mut RawEvent> {
        match &mut self.held {
            Some(ev) => Some(ev),
            None => self.events.last_mut(),
        }
    }

    /// Events emitted and kept so far.
    pub fn events(&self) -> &[RawEvent] {
        &self.events
    }

    /// Facts recorded so far.
    pub fn facts(&self) -> &[Fact] {
        &self.facts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each fact once, in the order first met, however many there are.
    #[test]
    fn facts_are_kept_once_each_in_the_order_met() {
        let mut out = Output::default();
        let fact = |n: u64| Fact::FileHost {
            host: format!("node{}", n % 300),
        };
        for i in 0..2000u64 {
            out.fact(fact(i * 7));
        }
        let want: Vec<Fact> = (0..300u64).map(|i| fact(i * 7)).collect();
        assert_eq!(out.facts(), &want[..]);
    }
}
