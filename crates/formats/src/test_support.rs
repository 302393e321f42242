//! Checks the format tests share.

use crate::ParsedFile;

/// Every `*.txt` fixture of `tests/fixtures/<folder>` (at least `min_files`
/// of them) is at least 95 % understood by `parse(text, path)`.
pub(crate) fn assert_fixtures_understood(
    folder: &str,
    min_files: usize,
    parse: impl Fn(&str, &str) -> ParsedFile,
) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(folder);
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            let text = std::fs::read_to_string(&path).unwrap();
            let f = parse(&text, &path.to_string_lossy());
            assert!(
                f.understood * 100 >= f.lines * 95,
                "{}: {}/{}",
                path.display(),
                f.understood,
                f.lines
            );
            seen += 1;
        }
    }
    assert!(seen >= min_files, "{}: {seen} fixtures", dir.display());
}
