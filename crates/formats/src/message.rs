//! One record that arrived on its own: a live syslog message, not a line of a file.

use crate::format::{FileContext, Format, Line, Output};
use crate::ParsedFile;

/// Parse one message as if it were the only line of a file of `format`:
/// the same events, facts and problems the line would give in a bundle,
/// numbered `no` (the caller's message number). A fresh parser reads it, so
/// nothing carries over from one message to the next.
///
/// ```
/// use uctriage_formats::{by_name, parse_message, FileContext};
/// let ctx = FileContext::new("syslog/10.0.0.7");
/// let msg = "<187>48215: cm1.example.net: Jul 12 2019 12:45:10.298 UTC :  %UC_CALLMANAGER-3-EndPointUnregistered: %[DeviceName=SEP0023EB54A1C7][AppID=Cisco CallManager][ClusterID=][NodeID=cm1]: An endpoint has unregistered";
/// let parsed = parse_message(by_name("cisco-syslog").unwrap(), &ctx, 7, msg);
/// assert_eq!(parsed.understood, 1);
/// assert_eq!(parsed.events[0].line, 7);
/// ```
pub fn parse_message(format: &dyn Format, ctx: &FileContext, no: u64, text: &str) -> ParsedFile {
    let mut parser = format.parser(ctx);
    let mut out = Output::default();
    parser.line(Line { no, text }, &mut out);
    parser.finish(&mut out);
    out.release_held();
    ParsedFile {
        path: ctx.path.clone(),
        format: format.name(),
        lines: 1,
        understood: out.understood.min(1),
        bytes: text.len() as u64,
        events: out.events,
        dropped: out.dropped,
        // One line is never spilled (nothing is settled).
        spilled: Default::default(),
        facts: out.facts,
        problems: out.problems,
        problems_dropped: out.problems_dropped,
        span: out.span,
    }
}
