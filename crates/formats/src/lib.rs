//! # uctriage-formats
//!
//! Format detection and one parser per artifact format.
//!
//! Brief overview:
//! - [`Format`] is the seam: a name, a description, an example line, a
//!   [`Format::detect`] score over the head of a file, and a
//!   [`Format::parser`] that makes a fresh [`LineParser`] for one file.
//! - [`parse_reader`] is the driver: it splits any byte stream into lines
//!   (bounded length, lossy UTF-8, both reported as problems), feeds the
//!   parser, counts understood lines and returns a [`ParsedFile`].
//! - [`detect`] picks the best format for a file head; [`registry`] lists them all.
//!
//! A format module knows nothing about correlation or other files: it turns
//! lines into [`uctriage_core::RawEvent`]s and [`uctriage_core::Fact`]s.
//!
//! ```
//! use uctriage_formats::{by_name, parse_reader, FileContext};
//! let text = "Events from July 12, 2019\n12:33:19:564 PG1A-jgw1 Trace: CiscoTermOutOfServiceEv Term: LCP50001148 Cause: DEVICE_UNREGISTERED\n";
//! let ctx = FileContext::new("pg1a/jgw1.txt");
//! let parsed = parse_reader(by_name("ucce-dumplog"), &ctx, text.as_bytes());
//! assert_eq!(parsed.lines, 2);
//! assert_eq!(parsed.understood, 2);
//! ```
#![deny(missing_docs)]

mod csvline;
mod detect;
mod driver;
mod dropped;
mod filename;
mod format;
mod keywords;
mod message;
mod pairs;
mod scan;
mod sink;
#[cfg(test)]
mod test_support;
mod timeparse;
mod utf16;

mod ccbu_log;
mod cimc;
mod cisco_syslog;
mod cucm_bat_csv;
mod cucm_cli;
mod cucm_sdl;
mod esxi_log;
mod generic;
mod pdh_csv;
mod powercli_stat_csv;
mod ucce_dumplog;
mod uccx_mivr;
mod vm_inventory_csv;
mod vos_history;

pub use detect::{by_name, detect, registry};
pub use driver::{parse_reader, ParsedFile, Spilled, MAX_LINE_BYTES};
pub use dropped::{keep_none, stated_date, Dropped, DroppedGroup, EventFilter};
pub use filename::date_from_file_name;
pub use format::{CounterFilter, FileContext, Format, Head, Line, LineParser, Output, Skimmed};
pub use message::parse_message;
pub use sink::{EventSink, Ordinary, SinkFactory};
pub use timeparse::{month_from_abbrev, parse_hms};
