//! Sources against real and hostile archives: what a user would see.

mod common;

use common::{gz, recorder, Member};
use std::io::Write;
use std::path::Path;
use uctriage_sources::{plan, read_unit, Limits, SourceProblem};

/// Read everything under `input`, returning its members and the problems.
fn read_all(input: &Path, limits: &Limits) -> (Vec<Member>, Vec<SourceProblem>) {
    let (units, mut problems) = plan(&[input.to_path_buf()]);
    let mut seen = Vec::new();
    for unit in &units {
        problems.extend(read_unit(unit, limits, &mut recorder(&mut seen)));
    }
    (seen, problems)
}

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts: zip::write::SimpleFileOptions = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in members {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

#[test]
fn folder_walk_is_recursive_and_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("b/c")).unwrap();
    std::fs::write(dir.path().join("b/c/z.txt"), "z\n").unwrap();
    std::fs::write(dir.path().join("a.txt"), "a\n").unwrap();
    let (seen, problems) = read_all(dir.path(), &Limits::default());
    let paths: Vec<_> = seen.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["a.txt", "b/c/z.txt"]);
    assert!(problems.is_empty());
}

/// The bytes of the one file under `dir`, read until the end or the first
/// error, and that error.
fn read_until_error(dir: &Path) -> (Vec<u8>, Option<String>) {
    let (units, _) = plan(&[dir.to_path_buf()]);
    let (mut got, mut err) = (Vec::new(), None);
    read_unit(&units[0], &Limits::default(), &mut |_, r| {
        let mut buf = [0u8; 8192];
        loop {
            match r.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) => break err = Some(e.to_string()),
            }
        }
    });
    (got, err)
}

#[test]
fn gzo_still_being_written_yields_its_lines_then_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let text = numbered(0, 5000);
    let full = gz(text.as_bytes());
    let cut = &full[..full.len() * 2 / 3];
    std::fs::write(dir.path().join("SDL001_100_000001.txt.gzo"), cut).unwrap();
    let (got, err) = read_until_error(dir.path());
    assert!(
        got.len() > text.len() / 3,
        "most of the stream is readable: {}",
        got.len()
    );
    assert!(text.as_bytes().starts_with(&got));
    assert!(err.is_some(), "the truncation is reported");
}

#[test]
fn tar_gz_with_gz_members_is_read_without_extracting() {
    let dir = tempfile::tempdir().unwrap();
    let mut tar = tar::Builder::new(Vec::new());
    let inner = gz(b"inner line\n");
    for (name, data) in [
        ("node1/syslog/CiscoSyslog", &b"plain\n"[..]),
        ("node1/sdl/SDL001_100_000001.txt.gz", &inner),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, name, data).unwrap();
    }
    let tgz = gz(&tar.into_inner().unwrap());
    std::fs::write(dir.path().join("collection.tgz"), tgz).unwrap();
    let (seen, problems) = read_all(dir.path(), &Limits::default());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(seen[0].0, "collection.tgz!/node1/syslog/CiscoSyslog");
    assert_eq!(
        seen[1].0,
        "collection.tgz!/node1/sdl/SDL001_100_000001.txt.gz"
    );
    assert_eq!(seen[1].1.as_deref().unwrap(), b"inner line\n");
}

#[test]
fn zip_member_escaping_with_dotdot_is_neutralised_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let z = zip_of(&[("../../etc/evil.txt", b"x\n"), ("ok/fine.txt", b"y\n")]);
    std::fs::write(dir.path().join("bundle.zip"), z).unwrap();
    let (seen, problems) = read_all(dir.path(), &Limits::default());
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].0, "bundle.zip!/etc/evil.txt");
    assert!(problems
        .iter()
        .any(|p| p.message.contains("outside the archive")));
    assert!(!dir.path().parent().unwrap().join("etc/evil.txt").exists());
}

/// Under a tight expansion limit, the first file under `dir` is refused as
/// a bomb and the second (`still read`) is read all the same.
fn assert_bomb_refused_then_next_read(dir: &Path) {
    let limits = Limits {
        ratio_after_bytes: 1 << 20,
        ..Limits::default()
    };
    let (seen, _) = read_all(dir, &limits);
    let err = seen[0].1.as_ref().unwrap_err();
    assert!(err.contains("refused") && err.contains("zip bomb"), "{err}");
    assert_eq!(seen[1].1.as_deref().unwrap(), b"still read\n");
}

#[test]
fn zip_bomb_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let zeros = vec![b'0'; 64 << 20];
    let z = zip_of(&[("bomb.txt", &zeros), ("next.txt", b"still read\n")]);
    std::fs::write(dir.path().join("bomb.zip"), z).unwrap();
    assert_bomb_refused_then_next_read(dir.path());
}

#[test]
fn truncated_zip_salvages_the_members_before_the_cut() {
    let dir = tempfile::tempdir().unwrap();
    let big: Vec<u8> = (0..200_000u32)
        .flat_map(|i| format!("{i}\n").into_bytes())
        .collect();
    let z = zip_of(&[("first.txt", b"first\n"), ("second.txt", &big)]);
    std::fs::write(dir.path().join("cut.zip"), &z[..z.len() / 2]).unwrap();
    let (seen, problems) = read_all(dir.path(), &Limits::default());
    assert_eq!(
        seen[0],
        ("cut.zip!/first.txt".to_string(), Ok(b"first\n".to_vec()))
    );
    assert!(problems
        .iter()
        .any(|p| p.message.contains("zip directory unreadable")));
}

#[test]
fn corrupt_gzip_and_missing_input_are_problems_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.gz"),
        [0x1f, 0x8b, 8, 0, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3],
    )
    .unwrap();
    let (seen, _) = read_all(dir.path(), &Limits::default());
    assert!(seen[0].1.is_err());
    let (_, problems) = plan(&[dir.path().join("nope")]);
    assert_eq!(problems.len(), 1);
}

/// Text lines like a trace's, numbered so any loss or reordering shows.
fn numbered(from: u32, to: u32) -> String {
    (from..to)
        .map(|i| format!("{i:08}.000 |00:00:00.000 |AppInfo  |line {i}\n"))
        .collect()
}

#[test]
fn a_truncated_gz_yields_what_precedes_the_cut_then_an_error() {
    // Named `.gz`, so it is first tried whole; the cut sends it back to the
    // streaming decoder, which keeps the lines before the cut.
    let dir = tempfile::tempdir().unwrap();
    let text = numbered(0, 20_000);
    let full = gz(text.as_bytes());
    std::fs::write(dir.path().join("cut.txt.gz"), &full[..full.len() / 2]).unwrap();
    let (got, err) = read_until_error(dir.path());
    assert!(got.len() > text.len() / 4, "kept {} bytes", got.len());
    assert!(text.as_bytes().starts_with(&got));
    assert!(err.is_some(), "the truncation is reported");
}

#[test]
fn every_member_of_a_concatenated_gz_is_read_in_order() {
    // `cat a.gz b.gz > c.gz` is a valid gzip file; the last member is tiny,
    // so the size in the file's trailer says nothing about the first.
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (numbered(0, 30_000), numbered(30_000, 30_002));
    let mut both = gz(a.as_bytes());
    both.extend(gz(b.as_bytes()));
    std::fs::write(dir.path().join("SDL001_100_000001.txt.gz"), both).unwrap();
    let (seen, problems) = read_all(dir.path(), &Limits::default());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(seen[0].1.as_deref().unwrap(), (a + &b).as_bytes());
}

#[test]
fn a_gzip_bomb_is_refused_and_the_next_file_is_still_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a_bomb.txt.gz"), gz(&vec![b'0'; 64 << 20])).unwrap();
    std::fs::write(dir.path().join("b_next.txt.gz"), gz(b"still read\n")).unwrap();
    assert_bomb_refused_then_next_read(dir.path());
}

#[test]
fn a_gz_past_the_total_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("big.txt.gz"),
        gz(numbered(0, 1000).as_bytes()),
    )
    .unwrap();
    let limits = Limits {
        max_unit_bytes: 10_000,
        ..Limits::default()
    };
    let (seen, _) = read_all(dir.path(), &limits);
    let err = seen[0].1.as_ref().unwrap_err();
    assert!(err.contains("would expand beyond 10000 bytes"), "{err}");
}
