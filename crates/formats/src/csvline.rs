//! One CSV record per line, for the line-at-a-time CSV formats.

/// The cells of one CSV line (quotes and escaped quotes handled), or None
/// when the line is not a CSV record.
pub(crate) fn cells(text: &str) -> Option<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let rec = r.records().next()?.ok()?;
    Some(rec.iter().map(str::to_string).collect())
}
