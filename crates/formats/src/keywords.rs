//! A cheap "could this line matter?" test before a parser's regexes run.
//!
//! Case-insensitive Aho-Corasick automata, or more than a few dozen words,
//! scan byte by byte (as slow as the rest of a parser); a few dozen
//! case-sensitive words use a SIMD searcher. So callers pass word stems in
//! the spellings they expect (`ffline`, `FFLINE` for offline / Offline /
//! OFFLINE); a line spelling a word otherwise is not looked at.

use aho_corasick::{AhoCorasick, MatchKind};
use regex::{Captures, Regex};

/// `re.captures(s)`, after the cheaper `is_match` said there is a match:
/// most lines have none, and a capturing search costs several times more.
pub(crate) fn captures<'t>(re: &Regex, s: &'t str) -> Option<Captures<'t>> {
    if re.is_match(s) {
        re.captures(s)
    } else {
        None
    }
}

/// An automaton finding any of `stems`, exactly as written.
pub(crate) fn keyword_set(stems: &[&str]) -> AhoCorasick {
    // Leftmost-first lets the SIMD searcher run the whole search (with the
    // standard kind it only proposes candidates for the automaton to verify).
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostFirst)
        .build(stems)
        .expect("keyword automaton")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_match_as_written() {
        let k = keyword_set(&["ffline", "FFLINE", " active"]);
        for hit in ["is offline", "Offline now", "OFFLINE", "went active"] {
            assert!(k.is_match(hit), "{hit}");
        }
        for miss in ["OffLine", "CallActiveEv", "", "online"] {
            assert!(!k.is_match(miss), "{miss}");
        }
        let r = Regex::new("a(b)").unwrap();
        assert_eq!(&captures(&r, "xab").unwrap()[1], "b");
        assert!(captures(&r, "xa").is_none());
    }
}
