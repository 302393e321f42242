//! How terminal text is laid out: the width prose wraps to and whether
//! severities are coloured. The front end decides both for its destination
//! (a terminal, a pipe, a file); renderers only follow.

use anstyle::{AnsiColor, Style};
use uctriage_core::Severity;
use uctriage_correlate::FindingKind;

/// Layout of a text report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextLayout {
    /// Columns prose is wrapped to (evidence and timeline rows are not
    /// wrapped: one record stays one line, for grep).
    pub width: usize,
    /// Colour severities and finding kinds with ANSI escape codes.
    pub color: bool,
}

impl Default for TextLayout {
    /// 100 columns, no colour: what a file or a pipe gets.
    fn default() -> TextLayout {
        TextLayout {
            width: 100,
            color: false,
        }
    }
}

impl TextLayout {
    /// `text` in `style` when colour is on, else as is.
    pub(crate) fn paint(&self, style: Style, text: &str) -> String {
        if self.color && style != Style::new() {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    /// `text` wrapped to the width: the first line starts with `first`, the
    /// others with `rest` (a hanging indent). Words longer than a line are
    /// broken. Always at least one line.
    pub(crate) fn wrap(&self, text: &str, first: &str, rest: &str) -> Vec<String> {
        let opts = textwrap::Options::new(self.width)
            .initial_indent(first)
            .subsequent_indent(rest)
            .break_words(true)
            .word_splitter(textwrap::WordSplitter::NoHyphenation);
        let lines: Vec<String> = textwrap::wrap(text, opts)
            .into_iter()
            .map(|l| l.into_owned())
            .collect();
        if lines.is_empty() {
            vec![first.trim_end().to_string()]
        } else {
            lines
        }
    }

    /// Like [`TextLayout::wrap`], with `tag` (an id, a confidence) kept whole
    /// at the end of the last line, or on a line of its own when it does not fit.
    pub(crate) fn wrap_tagged(
        &self,
        text: &str,
        tag: &str,
        first: &str,
        rest: &str,
    ) -> Vec<String> {
        let mut lines = self.wrap(text, first, rest);
        let last = lines.last_mut().expect("wrap gives a line");
        let width = textwrap::core::display_width;
        if width(last) + 2 + width(tag) <= self.width {
            last.push_str("  ");
            last.push_str(tag);
        } else {
            lines.push(format!("{rest}{tag}"));
        }
        lines
    }
}

/// The colour of an event severity (nothing for ordinary ones).
pub(crate) fn severity_style(s: Severity) -> Style {
    match s {
        Severity::Emergency | Severity::Alert | Severity::Critical => {
            AnsiColor::Red.on_default().bold()
        }
        Severity::Error => AnsiColor::Red.on_default(),
        Severity::Warning => AnsiColor::Yellow.on_default(),
        Severity::Notice | Severity::Info => Style::new(),
        Severity::Debug => Style::new().dimmed(),
    }
}

/// The colour of a finding kind's label.
pub(crate) fn kind_style(k: FindingKind) -> Style {
    match k {
        FindingKind::Impact => AnsiColor::Red.on_default().bold(),
        FindingKind::RootCause => AnsiColor::Yellow.on_default().bold(),
        FindingKind::Contributing => AnsiColor::Yellow.on_default(),
        FindingKind::Coincidental => Style::new().dimmed(),
        FindingKind::Recurrence => AnsiColor::Cyan.on_default(),
        FindingKind::Unusual => AnsiColor::Magenta.on_default(),
        FindingKind::Advisory => AnsiColor::Green.on_default(),
    }
}

/// The colour of a problem or warning mark.
pub(crate) fn problem_style() -> Style {
    AnsiColor::Yellow.on_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_with_a_hanging_indent_to_the_width() {
        let l = TextLayout {
            width: 30,
            color: false,
        };
        let lines = l.wrap(
            "bldcucmtftp1: CPU over 90 % since 07:42, not authenticated since 12:33",
            "COINCIDENCE  ",
            "             ",
        );
        assert!(lines.len() >= 3, "{lines:?}");
        assert!(lines.iter().all(|x| x.chars().count() <= 30), "{lines:?}");
        assert!(lines[0].starts_with("COINCIDENCE  bldcucmtftp1:"));
        assert!(lines[1..].iter().all(|x| x.starts_with("             ")));
    }

    #[test]
    fn colour_only_when_on() {
        let on = TextLayout {
            width: 80,
            color: true,
        };
        let off = TextLayout::default();
        let red = severity_style(Severity::Error);
        assert_eq!(off.paint(red, "x"), "x");
        let p = on.paint(red, "x");
        assert!(p.starts_with("\x1b[") && p.contains('x') && p.ends_with("\x1b[0m"));
        assert_eq!(on.paint(severity_style(Severity::Info), "x"), "x");
    }
}
