//! Files and archives packed with xz, Zstandard, bzip2 or LZ4, as a
//! customer's collection may come (`.tar.xz`, `.tar.zst`, `syslog.2.bz2`):
//! read through like gzip, bounded like gzip, and every problem named.

mod common;

use common::{gz, read_all, read_until_error, said};
use std::io::Write;
use uctriage_sources::{plan, read_unit, Limits};

/// The four formats, each with the name a user knows it by (as errors say
/// it) and a file suffix.
const FORMATS: [(&str, &str); 4] = [
    ("xz", "xz"),
    ("Zstandard", "zst"),
    ("bzip2", "bz2"),
    ("LZ4", "lz4"),
];

/// `data` packed as `format` (a name of [`FORMATS`]) by the format's own
/// encoder, as its command-line tool would.
fn pack(format: &str, data: &[u8]) -> Vec<u8> {
    match format {
        "xz" => {
            let mut out = Vec::new();
            let mut w =
                lzma_rust2::XzWriter::new(&mut out, lzma_rust2::XzOptions::default()).unwrap();
            w.write_all(data).unwrap();
            w.finish().unwrap();
            out
        }
        "Zstandard" => zstd::encode_all(data, 3).unwrap(),
        "bzip2" => {
            let mut w = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
            w.write_all(data).unwrap();
            w.finish().unwrap()
        }
        "LZ4" => {
            let mut w = lz4_flex::frame::FrameEncoder::new(Vec::new());
            w.write_all(data).unwrap();
            w.finish().unwrap()
        }
        other => panic!("no such format {other}"),
    }
}

/// Text lines numbered so any loss or reordering shows.
fn numbered(from: u32, to: u32) -> String {
    (from..to)
        .map(|i| format!("Nov 14 00:00:00 cucm1 local7 6 : {i}: line {i}\n"))
        .collect()
}

fn tar_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (name, data) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        tar.append_data(&mut h, name, *data).unwrap();
    }
    tar.into_inner().unwrap()
}

#[test]
fn a_packed_file_and_a_packed_tar_are_read_through_every_stream() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (numbered(0, 3000), numbered(3000, 3002));
    for (format, suffix) in FORMATS {
        // Two streams one after the other (`cat a.xz b.xz`): both are read.
        let mut two = pack(format, a.as_bytes());
        two.extend(pack(format, b.as_bytes()));
        std::fs::write(dir.path().join(format!("syslog.{suffix}")), two).unwrap();
        let tar = tar_of(&[("cm/trace/a.log", a.as_bytes()), ("cm/trace/b.log", b"b\n")]);
        std::fs::write(
            dir.path().join(format!("logs.tar.{suffix}")),
            pack(format, &tar),
        )
        .unwrap();
    }
    let (seen, problems) = read_all(dir.path(), &Limits::default());
    assert!(problems.is_empty(), "{problems:?}");
    for (format, suffix) in FORMATS {
        let file = seen.iter().find(|(p, _)| *p == format!("syslog.{suffix}"));
        let got = file.and_then(|(_, r)| r.as_deref().ok());
        assert_eq!(got, Some((a.clone() + &b).as_bytes()), "{format}");
        let member = seen
            .iter()
            .find(|(p, _)| *p == format!("logs.tar.{suffix}!/cm/trace/a.log"));
        let got = member.and_then(|(_, r)| r.as_deref().ok());
        assert_eq!(got, Some(a.as_bytes()), "{format} in a tar: {seen:?}");
    }
}

#[test]
fn inside_a_tar_gz_and_text_that_only_starts_like_one_is_text() {
    let dir = tempfile::tempdir().unwrap();
    let text = numbered(0, 100);
    let members: Vec<(String, Vec<u8>)> = FORMATS
        .iter()
        .map(|(f, s)| (format!("inner/syslog.{s}"), pack(f, text.as_bytes())))
        .chain([(
            "inner/notes.txt".to_string(),
            b"BZh is not a level\n".to_vec(),
        )])
        .collect();
    let refs: Vec<(&str, &[u8])> = members
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    std::fs::write(dir.path().join("outer.tar.gz"), gz(&tar_of(&refs))).unwrap();
    let (seen, problems) = read_all(dir.path(), &Limits::default());
    assert!(problems.is_empty(), "{problems:?}");
    for (_, suffix) in FORMATS {
        let path = format!("outer.tar.gz!/inner/syslog.{suffix}");
        let got = seen.iter().find(|(p, _)| *p == path);
        assert_eq!(
            got.map(|(_, r)| r.as_deref().ok()),
            Some(Some(text.as_bytes())),
            "{path}"
        );
    }
    let notes = seen.iter().find(|(p, _)| p.ends_with("notes.txt"));
    assert_eq!(
        notes.map(|(_, r)| r.as_deref().ok()),
        Some(Some(&b"BZh is not a level\n"[..]))
    );
}

#[test]
fn a_cut_stream_yields_what_precedes_the_cut_then_an_error_naming_its_format() {
    let text = numbered(0, 40_000);
    for (format, suffix) in FORMATS {
        let dir = tempfile::tempdir().unwrap();
        let whole = pack(format, text.as_bytes());
        std::fs::write(
            dir.path().join(format!("cut.{suffix}")),
            &whole[..whole.len() / 2],
        )
        .unwrap();
        let (got, err) = read_until_error(dir.path());
        assert!(
            text.as_bytes().starts_with(&got),
            "{format}: only the text before the cut"
        );
        let err = err.unwrap_or_else(|| panic!("{format}: the cut is reported"));
        assert!(
            err.starts_with(&format!("{format} data")),
            "{format}: {err}"
        );
    }
}

/// xz, Zstandard and bzip2 can expand a file thousands of times (LZ4 at
/// most about 255 times, by its format: under the limit).
#[test]
fn a_bomb_in_each_format_is_refused_and_the_next_file_is_still_read() {
    let limits = Limits {
        ratio_after_bytes: 1 << 20,
        ..Limits::default()
    };
    for (format, suffix) in &FORMATS[..3] {
        let dir = tempfile::tempdir().unwrap();
        let zeros = vec![b'0'; 8 << 20];
        std::fs::write(
            dir.path().join(format!("a_bomb.{suffix}")),
            pack(format, &zeros),
        )
        .unwrap();
        std::fs::write(dir.path().join("b_next.txt"), b"still read\n").unwrap();
        let (seen, _) = read_all(dir.path(), &limits);
        let err = seen[0].1.as_ref().unwrap_err();
        assert!(
            err.contains("refused") && err.contains("zip bomb"),
            "{format}: {err}"
        );
        assert_eq!(seen[1].1.as_deref().unwrap(), b"still read\n", "{format}");
    }
}

#[test]
fn a_window_over_the_bound_is_refused_not_allocated() {
    let dir = tempfile::tempdir().unwrap();
    // A Zstandard frame whose header asks for a 2 GiB window (Window_Descriptor
    // exponent 21: 2^(10+21)), no content size, then an empty last raw block.
    let mut frame = b"\x28\xB5\x2F\xFD\x00".to_vec();
    frame.push(21 << 3);
    frame.extend([0x01, 0x00, 0x00]);
    std::fs::write(dir.path().join("huge.zst"), frame).unwrap();
    // An xz stream whose block asks for a 1 GiB dictionary: a small one with
    // its LZMA2 dictionary code set to 36 (2 << 29 bytes), the block header's
    // CRC32 made again.
    let mut xz = pack("xz", b"small");
    let size = (xz[12] as usize + 1) * 4;
    assert_eq!(xz[13] & 0xC0, 0, "no sizes in the block header");
    assert_eq!(xz[14..16], [0x21, 0x01], "one LZMA2 filter");
    xz[16] = 36;
    let crc = crc32fast::hash(&xz[12..12 + size - 4]);
    xz[12 + size - 4..12 + size].copy_from_slice(&crc.to_le_bytes());
    std::fs::write(dir.path().join("huge.xz"), xz).unwrap();
    let (seen, _) = read_all(dir.path(), &Limits::default());
    assert_eq!(seen.len(), 2, "{seen:?}");
    for (path, got) in seen {
        let err = got.unwrap_err();
        assert!(
            err.contains("asks for a window over 128 MiB"),
            "{path}: {err}"
        );
    }
}

/// Damaged bytes anywhere in a packed file (a fixed pseudo-random walk over
/// each format): every read ends with some text or an error, never a crash
/// or a hang.
#[test]
fn damaged_packed_files_are_errors_never_crashes() {
    let text = numbered(0, 2000);
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for (format, suffix) in FORMATS {
        let whole = pack(format, text.as_bytes());
        let (mut errors, rounds) = (0, 150);
        for round in 0..rounds {
            let mut damaged = whole.clone();
            for _ in 0..1 + round % 6 {
                let r = next();
                let at = (r as usize) % damaged.len();
                damaged[at] = (r >> 32) as u8;
            }
            if round % 7 == 0 {
                damaged.truncate((next() as usize) % damaged.len());
            }
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join(format!("d.{suffix}")), &damaged).unwrap();
            let (seen, problems) = read_all(dir.path(), &Limits::default());
            let failed = seen.iter().any(|(_, r)| r.is_err()) || !problems.is_empty();
            errors += usize::from(failed);
        }
        // Most damage breaks the stream's structure or checksums (an LZ4
        // frame written without a content checksum, as here, passes damaged
        // literals on: it is only never a crash).
        if format != "LZ4" {
            assert!(
                errors > rounds / 2,
                "{format}: only {errors} of {rounds} were errors"
            );
        }
    }
}

/// A 7z archive of `members`, one solid block (as 7-Zip writes by default)
/// or one block per member.
fn seven_zip(members: &[(&str, &[u8])], solid: bool) -> Vec<u8> {
    use sevenz_rust2::{ArchiveEntry, ArchiveWriter, SourceReader};
    let mut w = ArchiveWriter::new(std::io::Cursor::new(Vec::new())).unwrap();
    if solid {
        let entries = members
            .iter()
            .map(|(n, _)| ArchiveEntry::new_file(n))
            .collect();
        let readers = members.iter().map(|(_, d)| SourceReader::new(*d)).collect();
        w.push_archive_entries(entries, readers).unwrap();
    } else {
        for (n, d) in members {
            w.push_archive_entry(ArchiveEntry::new_file(n), Some(*d))
                .unwrap();
        }
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn a_7z_archive_is_read_member_by_member_alone_or_inside_a_tar_gz() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (numbered(0, 3000), numbered(3000, 3100));
    let members: [(&str, &[u8]); 2] = [("cm/trace/a.log", a.as_bytes()), ("b.log", b.as_bytes())];
    std::fs::write(dir.path().join("solid.7z"), seven_zip(&members, true)).unwrap();
    std::fs::write(dir.path().join("blocks.7z"), seven_zip(&members, false)).unwrap();
    let inner = seven_zip(&members, true);
    let tar = tar_of(&[("inner/c.7z", &inner)]);
    std::fs::write(dir.path().join("outer.tar.gz"), gz(&tar)).unwrap();
    let (seen, problems) = read_all(dir.path(), &Limits::default());
    assert!(problems.is_empty(), "{problems:?}");
    for archive in ["solid.7z", "blocks.7z", "outer.tar.gz!/inner/c.7z"] {
        for (member, text) in [("cm/trace/a.log", &a), ("b.log", &b)] {
            let path = format!("{archive}!/{member}");
            let got = seen.iter().find(|(p, _)| *p == path);
            assert_eq!(
                got.map(|(_, r)| r.as_deref().ok()),
                Some(Some(text.as_bytes())),
                "{path}: {:?}",
                seen.iter().map(|(p, _)| p).collect::<Vec<_>>()
            );
        }
    }
}

/// A bomb in a solid 7z block is refused, and the members packed after it
/// in that block (which cannot be reached without decoding it) are named
/// as not read; a member in a block of its own is still read.
#[test]
fn a_bomb_in_a_7z_is_refused_and_what_it_hides_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let zeros = vec![b'0'; 8 << 20];
    let solid = seven_zip(&[("bomb.txt", &zeros), ("after.log", b"hidden\n")], true);
    std::fs::write(dir.path().join("a.7z"), solid).unwrap();
    let alone = seven_zip(&[("bomb.txt", &zeros), ("own.log", b"still read\n")], false);
    std::fs::write(dir.path().join("b.7z"), alone).unwrap();
    let limits = Limits {
        ratio_after_bytes: 1 << 20,
        ..Limits::default()
    };
    let (seen, problems) = read_all(dir.path(), &limits);
    let bomb = seen.iter().find(|(p, _)| p == "a.7z!/bomb.txt").unwrap();
    let err = bomb.1.as_ref().map(Vec::len).unwrap_err();
    assert!(err.contains("refused") && err.contains("zip bomb"), "{err}");
    assert!(
        !seen.iter().any(|(p, _)| p == "a.7z!/after.log"),
        "{seen:?}"
    );
    assert!(
        said(&problems, "a.7z!/after.log", "not read"),
        "{problems:?}"
    );
    let own = seen.iter().find(|(p, _)| p == "b.7z!/own.log").unwrap();
    assert_eq!(own.1.as_deref().unwrap(), b"still read\n");
}

/// Damaged bytes anywhere in a 7z archive: a problem or a read error,
/// never a crash or a hang.
#[test]
fn a_damaged_7z_is_a_problem_never_a_crash() {
    let text = numbered(0, 2000);
    let whole = seven_zip(&[("a.log", text.as_bytes()), ("b.log", b"b\n")], true);
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut errors = 0;
    for round in 0..150 {
        let mut damaged = whole.clone();
        for _ in 0..1 + round % 6 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = (seed as usize) % damaged.len();
            damaged[at] = (seed >> 32) as u8;
        }
        if round % 7 == 0 {
            damaged.truncate((seed as usize >> 3) % damaged.len());
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("d.7z"), &damaged).unwrap();
        let (seen, problems) = read_all(dir.path(), &Limits::default());
        errors += usize::from(seen.iter().any(|(_, r)| r.is_err()) || !problems.is_empty());
    }
    assert!(errors > 75, "only {errors} of 150 were errors");
}

/// A bomb of binary bytes (which the reader of a file stops at, at its
/// head) is still bounded: what is left of it is decoded under the limits,
/// not drained without them.
#[test]
fn a_binary_bomb_in_a_7z_is_bounded_too() {
    let dir = tempfile::tempdir().unwrap();
    let nul = vec![0u8; 8 << 20];
    let solid = seven_zip(&[("core.bin", &nul), ("after.log", b"hidden\n")], true);
    std::fs::write(dir.path().join("a.7z"), solid).unwrap();
    let limits = Limits {
        ratio_after_bytes: 1 << 20,
        ..Limits::default()
    };
    let (units, _) = plan(&[dir.path().to_path_buf()]);
    let mut heads = Vec::new();
    let problems = read_unit(&units[0], &limits, &mut |path, r| {
        // A reader that stops at the head, as the format sniffer does.
        let mut head = [0u8; 512];
        let n = r.read(&mut head).unwrap_or(0);
        heads.push((path.to_string(), n));
    });
    assert_eq!(heads.len(), 1, "{heads:?}");
    let refused = said(
        &problems,
        "a.7z!/core.bin",
        "after its first bytes: refused",
    );
    assert!(refused, "{problems:?}");
    assert!(
        said(&problems, "a.7z!/after.log", "not read"),
        "{problems:?}"
    );
}
