//! One CSV record per line, for the line-at-a-time CSV formats.
//!
//! Uses `csv-core`'s allocation-free reader (quotes, escaped quotes and
//! separators handled as the `csv` crate does) with one reusable reader per
//! thread, so a wide PerfMon or esxtop file costs a few allocations per line.

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

#[cfg(test)]
mod tests {
    use super::cells;

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
}
