//! Placeholder: being written.

use crate::format::{FileContext, Format, Head, Line, LineParser, Output};

/// Placeholder format.
pub(crate) struct CiscoSyslog;

impl Format for CiscoSyslog {
    fn name(&self) -> &'static str {
        "cisco-syslog"
    }
    fn description(&self) -> &'static str {
        "placeholder"
    }
    fn example(&self) -> &'static str {
        ""
    }
    fn detect(&self, _head: &Head<'_>) -> u8 {
        0
    }
    fn parser(&self, _ctx: &FileContext) -> Box<dyn LineParser> {
        Box::new(Nothing)
    }
}

struct Nothing;

impl LineParser for Nothing {
    fn line(&mut self, _line: Line<'_>, _out: &mut Output) {}
}
