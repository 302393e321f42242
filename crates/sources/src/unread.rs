//! Compressed and archive formats uctriage does not read, known by their
//! first bytes, so such a file is named for what it is (with what to do)
//! instead of being skipped as "binary content". (xz, Zstandard, bzip2 and
//! LZ4 are read: [`crate::unpack`].)
//!
//! The signatures are those the formats' own specifications give: lzip
//! (`LZIP` and version 1), Unix `compress` (`1F 9D`) and RAR (`Rar!\x1A\x07`,
//! versions 4 and 5). (7z archives are read too: `crate::stream`.)

/// Each format known by fixed first bytes, and how a user names it.
const SIGNATURES: [(&[u8], &str); 3] = [
    (b"LZIP\x01", "lzip-compressed"),
    (b"\x1F\x9D", "compressed by Unix `compress` (.Z)"),
    (b"Rar!\x1A\x07", "a RAR archive"),
];

/// What `head` (a file's first bytes) is, if it is a compressed file or an
/// archive in a format uctriage does not read.
pub(crate) fn unread_format(head: &[u8]) -> Option<&'static str> {
    SIGNATURES
        .iter()
        .find(|(magic, _)| head.starts_with(magic))
        .map(|(_, what)| *what)
}

/// The problem reported for a file in such a format.
pub(crate) fn unread_message(what: &str) -> String {
    format!(
        "{what}: not read (uctriage reads zip, 7z, tar, gzip, xz, bzip2, Zstandard and LZ4): unpack it and give uctriage what comes out"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_is_named_and_text_or_gzip_is_not() {
        let cases: [(&[u8], Option<&str>); 7] = [
            (b"Rar!\x1A\x07\x01\x00", Some("a RAR archive")),
            (b"LZIP\x01\x0C", Some("lzip-compressed")),
            (b"\x1F\x9D\x90", Some("compressed by Unix `compress` (.Z)")),
            // Text that happens to start like one is text; what is read is not named.
            (b"LZIP is a compressor", None),
            (b"\x1F\x8B\x08\x00", None),
            (b"Nov 14 00:00:00 cucm1 local7 6 : 1: ", None),
            (b"", None),
        ];
        for (head, want) in cases {
            assert_eq!(unread_format(head), want, "{head:?}");
        }
    }
}
