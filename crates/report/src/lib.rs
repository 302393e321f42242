//! # uctriage-report
//!
//! Renderers: turn a normalized bundle (and later, findings) into what a
//! person or a script reads — terminal text, JSON / NDJSON, Markdown, HTML.
//! Renderers write to any `io::Write` and never decide anything: every fact
//! they print was decided upstream.
#![deny(missing_docs)]

mod files;
mod findings;
mod html;
mod printable;
mod schema;
mod text;
mod time;
mod timeline;

pub use files::{files_json, files_text, FileRecord};
pub use findings::{analysis_json, analysis_markdown, analysis_text};
pub use html::analysis_html;
pub use printable::printable;
pub use schema::SCHEMA_VERSION;
pub use text::TextLayout;
pub use time::{rfc3339_ms, TimeStyle};
pub use timeline::{timeline_ndjson, EventRecord, TextTimeline, Widths};
