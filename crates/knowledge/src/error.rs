//! Knowledge errors that say where: file, line, column, the TOML key path
//! when known, what is wrong, and a suggestion for a misspelled name.

use std::fmt;
use std::ops::Range;

/// A knowledge file (or one entry in it) that cannot be used.
///
/// Displayed as `FILE:LINE:COL: MESSAGE (did you mean `x`?)`, the form editors
/// and terminals turn into a link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnowledgeError {
    /// The file as the user knows it (`embedded:rules/impact.toml` or a path).
    pub file: String,
    /// 1-based line, when the problem has a place.
    pub line: Option<usize>,
    /// 1-based column, when the problem has a place.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
    /// A suggestion (`did you mean `gap_s`?`).
    pub help: Option<String>,
}

impl KnowledgeError {
    /// An error about a whole file.
    pub fn file(file: impl Into<String>, message: impl Into<String>) -> KnowledgeError {
        KnowledgeError {
            file: file.into(),
            line: None,
            column: None,
            message: message.into(),
            help: None,
        }
    }

    /// An error at a byte offset of `text`.
    pub fn at(
        file: impl Into<String>,
        text: &str,
        offset: usize,
        message: impl Into<String>,
    ) -> KnowledgeError {
        let (line, column) = line_col(text, offset);
        KnowledgeError {
            file: file.into(),
            line: Some(line),
            column: Some(column),
            message: message.into(),
            help: None,
        }
    }

    /// The error a TOML parser or deserializer gave for `text`, located, with
    /// a suggestion when it names an unknown field or variant.
    pub fn from_toml(file: &str, text: &str, e: &toml::de::Error) -> KnowledgeError {
        let message = e.message().trim().to_string();
        let mut err = match e.span() {
            Some(span) => KnowledgeError::at(file, text, span.start, message),
            None => KnowledgeError::file(file, message),
        };
        err.help = suggestion(&err.message);
        err
    }

    /// The same error placed at the first occurrence of key `key` inside
    /// `within` (a byte range of `text`), when it has no place yet.
    pub fn locate_key(mut self, text: &str, within: Range<usize>, key: &str) -> KnowledgeError {
        if self.line.is_none() {
            if let Some(at) = find_key(text, within, key) {
                let (line, column) = line_col(text, at);
                self.line = Some(line);
                self.column = Some(column);
            }
        }
        self
    }

    /// The same error placed at the first quoted string value `value` (as in
    /// `group_by = "hots"`) inside `within`, when it has no place yet: serde
    /// names an unknown variant by its value, not by its key.
    pub fn locate_value(mut self, text: &str, within: Range<usize>, value: &str) -> KnowledgeError {
        if self.line.is_none() {
            let start = floor_char_boundary(text, within.start.min(text.len()));
            let end = floor_char_boundary(text, within.end.min(text.len()));
            let hay = &text[start..end];
            let at = ['"', '\'']
                .iter()
                .find_map(|q| hay.find(&format!("{q}{value}{q}")));
            if let Some(at) = at {
                let (line, column) = line_col(text, start + at);
                self.line = Some(line);
                self.column = Some(column);
            }
        }
        self
    }

    /// Add a suggestion.
    pub fn with_help(mut self, help: impl Into<String>) -> KnowledgeError {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for KnowledgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, " ({help})")?;
        }
        Ok(())
    }
}

impl std::error::Error for KnowledgeError {}

/// Every error found while loading, at least one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    /// The errors, in the order found.
    pub errors: Vec<KnowledgeError>,
}

impl From<KnowledgeError> for LoadError {
    fn from(e: KnowledgeError) -> LoadError {
        LoadError { errors: vec![e] }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Where `key = ` (or `key=`, `"key" =`) is written inside `within`.
fn find_key(text: &str, within: Range<usize>, key: &str) -> Option<usize> {
    let start = floor_char_boundary(text, within.start.min(text.len()));
    let end = floor_char_boundary(text, within.end.min(text.len()));
    let hay = &text[start..end];
    let mut from = 0;
    while let Some(i) = hay[from..].find(key) {
        let at = from + i;
        let before_ok = at == 0 || {
            let c = hay[..at].chars().next_back().unwrap_or(' ');
            c.is_whitespace() || matches!(c, '{' | ',' | '"' | '\'' | '.')
        };
        let rest = hay[at + key.len()..].trim_start_matches(['"', '\'']);
        let after_ok = rest.trim_start().starts_with('=') || rest.starts_with('.');
        if before_ok && after_ok {
            return Some(start + at);
        }
        from = at + key.len();
    }
    None
}

/// `did you mean `x`?` for serde's "unknown field `y`, expected one of `a`, `b`"
/// and "unknown variant" messages.
pub(crate) fn suggestion(message: &str) -> Option<String> {
    let (unknown, expected) = unknown_and_expected(message)?;
    closest(&unknown, expected.iter().map(String::as_str)).map(|c| format!("did you mean `{c}`?"))
}

/// The name serde called unknown and the names it expected.
fn unknown_and_expected(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message
        .strip_prefix("unknown field ")
        .or_else(|| message.strip_prefix("unknown variant "))?;
    let mut ticks = rest.split('`');
    ticks.next()?;
    let unknown = ticks.next()?.to_string();
    let expected: Vec<String> = rest
        .split_once("expected")
        .map(|(_, e)| {
            e.split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    Some((unknown, expected))
}

/// The candidate closest to `name`, when it is close enough to be a typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(name, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters_from_one() {
        let text = "a = 1\nbé = 2\n  c = 3";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, text.find('c').unwrap()), (3, 3));
    }

    #[test]
    fn unknown_field_gets_the_nearest_expected_name() {
        let m = "unknown field `gap_sec`, expected one of `gap_s`, `min_unregistered_burst`";
        assert_eq!(suggestion(m).as_deref(), Some("did you mean `gap_s`?"));
        let far = "unknown field `colour`, expected `gap_s`";
        assert_eq!(suggestion(far), None);
    }

    #[test]
    fn a_key_is_found_only_where_it_is_assigned() {
        let text = "[rule.params]\n# gap_sec is a typo\ngap_sec = 3\n";
        let at = find_key(text, 0..text.len(), "gap_sec").unwrap();
        assert_eq!(line_col(text, at), (3, 1));
        let inline = "params = { a = 1, gap_sec = 2 }";
        assert!(find_key(inline, 0..inline.len(), "gap_sec").is_some());
    }
}
