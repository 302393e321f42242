//! A streaming consumer of what a file yields but does not keep: the events
//! [`FileContext::keep`] refuses and the lines no parser understood, each
//! handed over once complete and then let go, so a consumer that summarises
//! them (a template miner) costs memory in proportion to its summary, never
//! to the number of lines.
//!
//! [`FileContext::keep`]: crate::FileContext::keep

use crate::driver::ParsedFile;
use crate::format::FileContext;
use uctriage_core::RawEvent;

/// Sees one file's events that are not kept and its lines no parser read.
pub trait EventSink: Send {
    /// One event not kept, complete (its continuation lines appended),
    /// just before it is counted and let go.
    fn event(&mut self, ev: &RawEvent);
    /// One non-blank line no parser understood (every line of a file whose
    /// format is unknown), numbered from 1; invalid UTF-8 already replaced.
    fn unread_line(&mut self, no: u64, text: &str);
    /// The file ended: what it yielded (its kept events, counts, format).
    fn finish(self: Box<Self>, file: &ParsedFile);
}

/// Makes the sink of one file, given the file's context (its path and its
/// place in the walk, [`FileContext::order`]).
pub type SinkFactory = std::sync::Arc<dyn Fn(&FileContext) -> Box<dyn EventSink> + Send + Sync>;
