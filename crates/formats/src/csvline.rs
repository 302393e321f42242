//! One CSV record per line, for the line-at-a-time CSV formats.
//!
//! Uses `csv-core`'s allocation-free reader (quotes, escaped quotes and
//! separators handled as the `csv` crate does) with one reusable reader per
//! thread, so a wide PerfMon or esxtop file costs a few allocations per line.
//! [`Splitter`] goes further for the usual lines (every cell plain, or quoted
//! without quotes inside): their cells are borrowed from the line, with no
//! allocation at all; any other line goes through `csv-core`.

use std::cell::RefCell;

thread_local! {
    static READER: RefCell<csv_core::Reader> = RefCell::new(csv_core::Reader::new());
}

/// The cells of one CSV line (quotes and escaped quotes handled), or None
/// when the line is not a CSV record.
pub(crate) fn cells(text: &str) -> Option<Vec<String>> {
    READER.with(|r| {
        let mut r = r.borrow_mut();
        r.reset();
        let input = text.as_bytes();
        let mut out = vec![0u8; input.len() + 1];
        let mut ends = vec![0usize; memchr::memchr_iter(b',', input).count() + 2];
        let (mut nin, mut nout, mut nend) = (0, 0, 0);
        loop {
            let (res, i, o, e) = r.read_record(&input[nin..], &mut out[nout..], &mut ends[nend..]);
            nin += i;
            nout += o;
            nend += e;
            match res {
                csv_core::ReadRecordResult::InputEmpty => {
                    if nin >= input.len() {
                        // Signal the end of input so the last field is closed.
                        let (res, _, o, e) =
                            r.read_record(&[], &mut out[nout..], &mut ends[nend..]);
                        nout += o;
                        nend += e;
                        if !matches!(res, csv_core::ReadRecordResult::Record) {
                            return None;
                        }
                        break;
                    }
                }
                csv_core::ReadRecordResult::Record => break,
                csv_core::ReadRecordResult::OutputFull
                | csv_core::ReadRecordResult::OutputEndsFull => return None,
                csv_core::ReadRecordResult::End => return None,
            }
        }
        let _ = nout;
        let mut start = 0;
        let mut cells = Vec::with_capacity(nend);
        for &end in &ends[..nend] {
            cells.push(String::from_utf8_lossy(&out[start..end]).into_owned());
            start = end;
        }
        Some(cells)
    })
}

/// Splits CSV lines into cells, reusing its buffers from line to line.
#[derive(Debug, Default)]
pub(crate) struct Splitter {
    spans: Vec<(usize, usize)>,
    owned: Vec<String>,
}

/// The cells of one CSV line, as [`Splitter::split`] found them.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Row<'a> {
    /// Byte ranges of the line (a simple line: nothing to unquote).
    Borrowed(&'a str, &'a [(usize, usize)]),
    /// Cells read by `csv-core` (escaped quotes and other unusual quoting).
    Owned(&'a [String]),
}

impl<'a> Row<'a> {
    /// Number of cells (at least one).
    pub(crate) fn len(&self) -> usize {
        match self {
            Row::Borrowed(_, spans) => spans.len(),
            Row::Owned(cells) => cells.len(),
        }
    }

    /// The cell at `i`, if the line has that many.
    pub(crate) fn get(&self, i: usize) -> Option<&'a str> {
        match *self {
            Row::Borrowed(text, spans) => spans.get(i).map(|&(a, b)| &text[a..b]),
            Row::Owned(cells) => cells.get(i).map(String::as_str),
        }
    }

    /// The cells from `from` on.
    pub(crate) fn iter_from(&self, from: usize) -> impl Iterator<Item = &'a str> + 'a {
        let row = *self;
        (from..row.len()).filter_map(move |i| row.get(i))
    }
}

impl Splitter {
    /// The cells of `text` (quotes and escaped quotes handled), or None when
    /// the line is not a CSV record. The same cells as [`cells`].
    pub(crate) fn split<'a>(&'a mut self, text: &'a str) -> Option<Row<'a>> {
        if simple_spans(text, &mut self.spans) {
            return Some(Row::Borrowed(text, &self.spans));
        }
        self.owned = cells(text)?;
        Some(Row::Owned(&self.owned))
    }
}

/// The cell ranges of a line whose every cell is either plain (no `"`) or
/// quoted without a `"` inside; false for any other line (and an empty one,
/// and one with a CR or LF, which ends a record for `csv-core`).
fn simple_spans(text: &str, spans: &mut Vec<(usize, usize)>) -> bool {
    spans.clear();
    let b = text.as_bytes();
    if b.is_empty() || memchr::memchr2(b'\r', b'\n', b).is_some() {
        return false;
    }
    let mut i = 0;
    loop {
        let end = if b[i..].first() == Some(&b'"') {
            let Some(len) = memchr::memchr(b'"', &b[i + 1..]) else {
                return false;
            };
            spans.push((i + 1, i + 1 + len));
            i + len + 2
        } else {
            let end = i + memchr::memchr2(b',', b'"', &b[i..]).unwrap_or(b.len() - i);
            spans.push((i, end));
            end
        };
        match b.get(end) {
            None => return true,
            Some(b',') => i = end + 1,
            Some(_) => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{cells, Splitter};

    #[test]
    fn quoted_cells_with_commas_and_escaped_quotes() {
        assert_eq!(
            cells(r#""a,b","c ""q""",d,"#).unwrap(),
            vec!["a,b", r#"c "q""#, "d", ""]
        );
        assert_eq!(cells("x").unwrap(), vec!["x"]);
        assert_eq!(cells("a,,,,,,").unwrap().len(), 7);
        assert_eq!(
            cells(r#""\\esx07\Group Cpu(1:vm a (b))\% Ready","1.00""#)
                .unwrap()
                .len(),
            2
        );
    }

    /// The borrowing fast path gives the cells `csv-core` gives, on every
    /// combination of simple and awkward cells.
    #[test]
    fn the_splitter_agrees_with_csv_core() {
        let parts = [
            "",
            "a",
            "\"a\"",
            "\"\"",
            "\"a,b\"",
            "\"c \"\"q\"\"\"",
            "\"x\"y",
            "x\"y\"",
            " \"sp\"",
            "\"unterminated",
            "\"é\"",
            "1.5",
            "a\rb",
            "\"a\rb\"",
            "\"a\nb\"",
            " ",
            "\"\\\\h\\C\"",
        ];
        let mut splitter = Splitter::default();
        for a in parts {
            for b in parts {
                for c in parts {
                    for line in [
                        format!("{a},{b},{c}"),
                        format!("{a}{b}"),
                        format!("{a},{b}"),
                    ] {
                        let want = cells(&line);
                        let got = splitter.split(&line).map(|row| {
                            assert!(row.len() > 0);
                            row.iter_from(0).map(str::to_owned).collect::<Vec<_>>()
                        });
                        assert_eq!(got, want, "{line:?}");
                    }
                }
            }
        }
    }
}
