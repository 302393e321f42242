//! A streaming consumer of what a file yields but does not keep: the events
//! [`FileContext::keep`] refuses and the lines no parser understood, each
//! handed over once complete and then let go, so a consumer that summarises
//! them (a template miner) costs memory in proportion to its summary, never
//! to the number of lines.
//!
//! [`FileContext::keep`]: crate::FileContext::keep

use crate::driver::ParsedFile;
use crate::format::FileContext;
use uctriage_core::{Kind, RawEvent, RawTime};

/// Sees one file's events that are not kept and its lines no parser read.
pub trait EventSink: Send {
    /// One event not kept, complete (its continuation lines appended),
    /// just before it is counted and let go.
    fn event(&mut self, ev: &RawEvent);
    /// One ordinary record not kept, handed over as its parts instead of an
    /// event (no event is built for it: [`Output::ordinary`]). Its
    /// continuation lines are not in `rec.text`. The default makes a `log`
    /// event of it, summary = its message, and hands that to
    /// [`event`](EventSink::event).
    ///
    /// [`Output::ordinary`]: crate::Output::ordinary
    fn ordinary(&mut self, rec: &Ordinary<'_>) {
        self.event(&RawEvent::new(rec.line, rec.text, Kind::Log, rec.message).at(rec.time.clone()));
    }
    /// One non-blank line no parser understood (every line of a file whose
    /// format is unknown), numbered from 1; invalid UTF-8 already replaced.
    fn unread_line(&mut self, no: u64, text: &str);
    /// The file ended: what it yielded (its kept events, counts, format).
    fn finish(self: Box<Self>, file: &ParsedFile);
}

/// An ordinary record of a format that knows its header (an SDL trace's
/// `SdlSig` / `AppInfo` lines under `timeline --all` or `templates`): what
/// an event would say of it, without the event.
#[derive(Clone, Copy, Debug)]
pub struct Ordinary<'a> {
    /// 1-based line where the record starts.
    pub line: u64,
    /// Its time as the line stated it.
    pub time: &'a RawTime,
    /// The record's first line, as read.
    pub text: &'a str,
    /// The message: the part of `text` after the header the format knows
    /// (sequence number, time, type...), a slice of `text`.
    pub message: &'a str,
}

/// Makes the sink of one file, given the file's context (its path and its
/// place in the walk, [`FileContext::order`]).
pub type SinkFactory = std::sync::Arc<dyn Fn(&FileContext) -> Box<dyn EventSink> + Send + Sync>;
