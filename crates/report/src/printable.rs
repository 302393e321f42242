//! Text from the bundle made safe to print on a terminal or in a table.
//!
//! File names, host names and log lines come from the bundle, which may be
//! a stranger's: a terminal escape sequence in a log line could retitle the
//! terminal, clear the screen or overwrite a line, and a newline in a file
//! name breaks a table. Every control character (C0, DEL and C1) is shown
//! escaped instead (`\e`, `\n`, `\r`, `\t`, `\x07`, `\u{9b}`); everything
//! else, other scripts included, passes as is. (JSON escapes by itself and
//! HTML has its own escaping.)

use std::borrow::Cow;
use std::fmt::Write;

/// `text` with every control character escaped; borrowed when there is none.
///
/// ```
/// use uctriage_report::printable;
/// assert_eq!(printable("plain: Müller"), "plain: Müller");
/// assert_eq!(printable("a\u{1b}]0;pwned\u{7}b"), "a\\e]0;pwned\\x07b");
/// assert_eq!(printable("two\nlines\r\tand \u{9b}2J"), "two\\nlines\\r\\tand \\u{9b}2J");
/// ```
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\u{1b}' => out.push_str("\\e"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() && (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}
