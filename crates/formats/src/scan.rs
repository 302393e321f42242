//! Byte-level helpers for hand-written matchers that stand in for capture
//! regexes on hot paths.
//!
//! A matcher built from these is exact only on ASCII text: the regexes they
//! replace use Unicode `\d`, `\s` and `\b`. Callers check `is_ascii()` on the
//! haystack first and keep the regex for the (rare) other lines.

/// Number of bytes satisfying `pred` from `i` on, looking at most `max` bytes.
#[inline]
pub(crate) fn run_fwd(b: &[u8], i: usize, max: usize, pred: impl Fn(u8) -> bool) -> usize {
    let end = b.len().min(i.saturating_add(max));
    let mut j = i;
    while j < end && pred(b[j]) {
        j += 1;
    }
    j - i
}

/// Number of bytes satisfying `pred` just before `end`, looking at most `max` bytes.
#[inline]
pub(crate) fn run_back(b: &[u8], end: usize, max: usize, pred: impl Fn(u8) -> bool) -> usize {
    let start = end.saturating_sub(max);
    let mut j = end;
    while j > start && pred(b[j - 1]) {
        j -= 1;
    }
    end - j
}

/// A set of bytes, looked up by table (cheaper than a chain of comparisons
/// in the loops over names and hosts).
pub(crate) struct ByteSet([bool; 256]);

impl ByteSet {
    /// The bytes in the inclusive `ranges`.
    pub(crate) const fn new(ranges: &[(u8, u8)]) -> ByteSet {
        let mut set = [false; 256];
        let mut r = 0;
        while r < ranges.len() {
            let (lo, hi) = ranges[r];
            let mut c = lo as usize;
            while c <= hi as usize {
                set[c] = true;
                c += 1;
            }
            r += 1;
        }
        ByteSet(set)
    }

    /// True when `c` is in the set.
    #[inline]
    pub(crate) fn has(&self, c: u8) -> bool {
        self.0[usize::from(c)]
    }
}

/// ASCII `\w`: letters, digits and `_`.
pub(crate) static WORD: ByteSet =
    ByteSet::new(&[(b'0', b'9'), (b'A', b'Z'), (b'a', b'z'), (b'_', b'_')]);

/// ASCII digits from `i` on (at most `max`).
#[inline]
pub(crate) fn digits_fwd(b: &[u8], i: usize, max: usize) -> usize {
    run_fwd(b, i, max, |c| c.is_ascii_digit())
}

/// Spaces (`' '` only) from `i` on.
#[inline]
pub(crate) fn spaces_fwd(b: &[u8], i: usize) -> usize {
    run_fwd(b, i, usize::MAX, |c| c == b' ')
}

/// True when `b[i..i + n]` exists and is all ASCII digits.
#[inline]
pub(crate) fn digits_at(b: &[u8], i: usize, n: usize) -> bool {
    b.get(i..i + n)
        .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
}

/// True when `b[i]` exists and is `c`.
#[inline]
pub(crate) fn byte_is(b: &[u8], i: usize, c: u8) -> bool {
    b.get(i) == Some(&c)
}

/// True when `b[i..i + 3]` is a capitalised three-letter word (`[A-Z][a-z]{2}`).
#[inline]
pub(crate) fn month_like_at(b: &[u8], i: usize) -> bool {
    matches!(b.get(i..i + 3), Some([x, y, z]) if x.is_ascii_uppercase() && y.is_ascii_lowercase() && z.is_ascii_lowercase())
}

/// ASCII `\s` of the regex crate: space, `\t`, `\n`, `\x0B`, `\x0C`, `\r`.
#[inline]
pub(crate) fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r')
}

/// ASCII `\w`: letters, digits and `_`.
#[inline]
pub(crate) fn is_word(c: u8) -> bool {
    WORD.has(c)
}

/// True when `c` is an ASCII byte that `char::is_whitespace` rejects: a
/// string starting (ending) with it has nothing to trim there.
#[inline]
fn visible_ascii(c: u8) -> bool {
    c.is_ascii() && !matches!(c, b' ' | b'\t'..=b'\r')
}

/// `s.trim_start()`, without decoding characters when `s` starts with a visible ASCII byte.
#[inline]
pub(crate) fn trim_start(s: &str) -> &str {
    match s.as_bytes().first() {
        Some(&c) if visible_ascii(c) => s,
        _ => s.trim_start(),
    }
}

/// `s.trim_end()`, without decoding characters when `s` ends with a visible ASCII byte.
#[inline]
pub(crate) fn trim_end(s: &str) -> &str {
    match s.as_bytes().last() {
        Some(&c) if visible_ascii(c) => s,
        _ => s.trim_end(),
    }
}

/// `s.trim()`, the cheap way when both ends are visible ASCII.
#[inline]
pub(crate) fn trim(s: &str) -> &str {
    trim_end(trim_start(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_stop_at_bounds_and_limits() {
        let b = b"12345 ab";
        assert_eq!(digits_fwd(b, 0, 3), 3);
        assert_eq!(digits_fwd(b, 0, 9), 5);
        assert_eq!(digits_fwd(b, 9, 9), 0);
        assert_eq!(run_back(b, 5, 9, |c| c.is_ascii_digit()), 5);
        assert_eq!(spaces_fwd(b, 5), 1);
        assert!(digits_at(b, 3, 2) && !digits_at(b, 4, 2) && !digits_at(b, 7, 2));
        assert!(month_like_at(b"xJul", 1) && !month_like_at(b"JUL", 0) && !month_like_at(b"Ju", 0));
        assert!(is_space(b'\x0B') && !is_space(b'a') && is_word(b'_') && !is_word(b'-'));
        for c in 0..=255u8 {
            assert_eq!(is_word(c), c.is_ascii_alphanumeric() || c == b'_', "{c}");
        }
    }

    #[test]
    fn trims_agree_with_std() {
        let samples = [
            "",
            " ",
            "a",
            " a ",
            "\ta\r",
            "\x0Ba\x0C",
            "\u{a0}a\u{3000}",
            "\x1Fa\x1C",
            "é a é",
            " [x] ",
            "\u{85}",
            "a\n",
        ];
        for s in samples {
            assert_eq!(trim_start(s), s.trim_start(), "{s:?}");
            assert_eq!(trim_end(s), s.trim_end(), "{s:?}");
            assert_eq!(trim(s), s.trim(), "{s:?}");
        }
        for c in (0u8..=127).map(char::from) {
            let s = format!("{c}x{c}");
            assert_eq!(trim(&s), s.trim(), "{c:?}");
        }
    }
}
