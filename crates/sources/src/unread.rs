//! Compressed and archive formats uctriage does not read, known by their
//! first bytes, so such a file is named for what it is (with what to do)
//! instead of being skipped as "binary content".
//!
//! The signatures are those the formats' own specifications give: xz (the
//! `.xz` file format, header magic `FD 37 7A 58 5A 00`), bzip2 (`BZh` and the
//! block size digit), Zstandard (RFC 8878, frame magic `0xFD2FB528` little
//! endian), LZ4 (frame format, magic `0x184D2204` little endian), lzip
//! (`LZIP` and version 1), Unix `compress` (`1F 9D`), 7z (`37 7A BC AF 27 1C`) and RAR
//! (`Rar!\x1A\x07`, versions 4 and 5).

/// Each format known by fixed first bytes, and how a user names it.
const SIGNATURES: [(&[u8], &str); 7] = [
    (b"\xFD7zXZ\x00", "xz-compressed"),
    (b"\x28\xB5\x2F\xFD", "Zstandard-compressed"),
    (b"\x04\x22\x4D\x18", "LZ4-compressed"),
    (b"LZIP\x01", "lzip-compressed"),
    (b"\x1F\x9D", "compressed by Unix `compress` (.Z)"),
    (b"7z\xBC\xAF\x27\x1C", "a 7-Zip archive"),
    (b"Rar!\x1A\x07", "a RAR archive"),
];

/// What `head` (a file's first bytes) is, if it is a compressed file or an
/// archive in a format uctriage does not read.
pub(crate) fn unread_format(head: &[u8]) -> Option<&'static str> {
    // bzip2: `BZh` and the block size, a digit 1 to 9.
    if head.starts_with(b"BZh") && head.get(3).is_some_and(|b| (b'1'..=b'9').contains(b)) {
        return Some("bzip2-compressed");
    }
    SIGNATURES
        .iter()
        .find(|(magic, _)| head.starts_with(magic))
        .map(|(_, what)| *what)
}

/// The problem reported for a file in such a format.
pub(crate) fn unread_message(what: &str) -> String {
    format!(
        "{what}: not read (uctriage reads gzip, zip and tar): unpack it and give uctriage what comes out"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_format_is_named_and_text_or_gzip_is_not() {
        let cases: [(&[u8], Option<&str>); 11] = [
            (b"\xFD7zXZ\x00\x00\x04", Some("xz-compressed")),
            (b"BZh91AY&SY", Some("bzip2-compressed")),
            (b"\x28\xB5\x2F\xFD\x24", Some("Zstandard-compressed")),
            (b"7z\xBC\xAF\x27\x1C\x00\x04", Some("a 7-Zip archive")),
            (b"Rar!\x1A\x07\x01\x00", Some("a RAR archive")),
            (b"\x04\x22\x4D\x18\x64", Some("LZ4-compressed")),
            // Text that happens to start like one is text.
            (b"BZh is not a level", None),
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
