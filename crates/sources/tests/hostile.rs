//! Sources against real and hostile archives: what a user would see.

mod common;

use common::{gz, read_all, read_until_error};
use std::io::Write;
use std::path::Path;
use uctriage_sources::{plan, Limits, SourceProblem};

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

/// `len` bytes from a xorshift generator, each made by `byte`.
fn noise(len: usize, byte: impl Fn(u64) -> u8) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            byte(state)
        })
        .collect()
}

/// A tar record header of `kind` for `size` bytes of data named `name`.
fn tar_header(name: &str, kind: tar::EntryType, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name.as_bytes());
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_cksum();
    h
}

/// Append one raw record (header, data padded to 512 bytes) to `tar`.
fn record(tar: &mut Vec<u8>, h: &tar::Header, data: &[u8]) {
    tar.extend_from_slice(h.as_bytes());
    tar.extend_from_slice(data);
    tar.resize(tar.len().div_ceil(512) * 512, 0);
}

#[test]
fn a_huge_gnu_long_name_is_cut_not_read_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut raw = Vec::new();
    // Letters that do not compress past the bomb guard: 8 MiB of name.
    let long = noise(8 << 20, |x| b'a' + (x % 26) as u8);
    record(
        &mut raw,
        &tar_header(
            "././@LongLink",
            tar::EntryType::GNULongName,
            long.len() as u64,
        ),
        &long,
    );
    record(
        &mut raw,
        &tar_header("short", tar::EntryType::Regular, 5),
        b"data\n",
    );
    record(
        &mut raw,
        &tar_header("next.txt", tar::EntryType::Regular, 5),
        b"next\n",
    );
    raw.extend_from_slice(&[0; 1024]);
    std::fs::write(dir.path().join("long.tar.gz"), gz(&raw)).unwrap();
    let (seen, problems) = read_all(dir.path(), &Limits::default());
    assert_eq!(seen.len(), 2, "{problems:?}");
    let name = &seen[0].0;
    assert!(name.len() < 4200, "the name is cut: {} bytes", name.len());
    assert_eq!(seen[0].1.as_deref().unwrap(), b"data\n");
    assert_eq!(seen[1].0, "long.tar.gz!/next.txt");
    assert!(
        problems
            .iter()
            .any(|p| &p.path == name && p.message.contains("cut to its first 4096")),
        "{problems:?}"
    );
}

#[test]
fn pax_paths_apply_and_an_oversized_pax_header_is_skipped_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut raw = Vec::new();
    let path = "node1/syslog/CiscoSyslog";
    let pax = format!("{} path={path}\n", path.len() + 9);
    assert_eq!(pax.len(), path.len() + 9);
    record(
        &mut raw,
        &tar_header("PaxHeader", tar::EntryType::XHeader, pax.len() as u64),
        pax.as_bytes(),
    );
    record(
        &mut raw,
        &tar_header("trunc", tar::EntryType::Regular, 5),
        b"from\n",
    );
    let huge = vec![b'x'; 4 << 20];
    record(
        &mut raw,
        &tar_header("PaxHeader", tar::EntryType::XHeader, huge.len() as u64),
        &huge,
    );
    record(
        &mut raw,
        &tar_header("plain.txt", tar::EntryType::Regular, 5),
        b"kept\n",
    );
    let mut link = tar_header("link", tar::EntryType::Symlink, 0);
    link.set_link_name("/etc/passwd").unwrap();
    link.set_cksum();
    record(&mut raw, &link, b"");
    raw.extend_from_slice(&[0; 1024]);
    std::fs::write(dir.path().join("pax.tar"), &raw).unwrap();
    let (seen, problems) = read_all(dir.path(), &Limits::default());
    let names: Vec<&str> = seen.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(
        names,
        [format!("pax.tar!/{path}").as_str(), "pax.tar!/plain.txt"]
    );
    assert_eq!(seen[1].1.as_deref().unwrap(), b"kept\n");
    let said = |path: &str, needle: &str| {
        assert!(
            problems
                .iter()
                .any(|p| p.path == path && p.message.contains(needle)),
            "{path}: {needle} in {problems:?}"
        )
    };
    said("pax.tar!/plain.txt", "PAX header of 4194304 bytes");
    said(
        "pax.tar!/link",
        "symbolic link in the archive (to `/etc/passwd`)",
    );
}

#[test]
fn zips_nested_in_zips_are_read_small_in_memory_large_through_a_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    // Incompressible enough that the inner zip is over the in-memory bound.
    let big = noise(17 << 20, |x| (x >> 32) as u8);
    let innermost = zip_of(&[("deep.txt", b"deepest\n")]);
    let inner = zip_of(&[("big.txt", &big), ("innermost.zip", &innermost)]);
    assert!(inner.len() > 16 << 20);
    let outer = zip_of(&[("inner.zip", &inner), ("after.txt", b"after\n")]);
    std::fs::write(dir.path().join("outer.zip"), outer).unwrap();
    let (seen, problems) = read_all(dir.path(), &Limits::default());
    assert!(problems.is_empty(), "{problems:?}");
    let names: Vec<&str> = seen.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "outer.zip!/inner.zip!/big.txt",
            "outer.zip!/inner.zip!/innermost.zip!/deep.txt",
            "outer.zip!/after.txt"
        ]
    );
    assert_eq!(seen[0].1.as_deref().unwrap(), &big[..]);
    assert_eq!(seen[1].1.as_deref().unwrap(), b"deepest\n");
    // Past the bound on spooled bytes, a large nested zip is refused by name.
    let limits = Limits {
        max_nested_zip_bytes: 1 << 20,
        ..Limits::default()
    };
    let (seen, problems) = read_all(dir.path(), &limits);
    assert!(
        problems
            .iter()
            .any(|p| p.path == "outer.zip!/inner.zip" && p.message.contains("refused")),
        "{problems:?}"
    );
    assert_eq!(seen.last().unwrap().0, "outer.zip!/after.txt");
}

#[cfg(unix)]
mod odd_paths {
    use super::*;
    use std::os::unix::fs::symlink;
    use uctriage_sources::{plan_with, WalkOptions};

    fn said(problems: &[SourceProblem], path: &str, needle: &str) {
        assert!(
            problems
                .iter()
                .any(|p| p.path == path && p.message.contains(needle)),
            "{path}: `{needle}` in {problems:#?}"
        );
    }

    /// A crafted folder: links out of it, a loop, a dangling link, a pipe,
    /// a socket and a link to a folder inside it.
    fn crafted() -> (tempfile::TempDir, tempfile::TempDir) {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("passwd"), "root:x:0:0:secret\n").unwrap();
        std::fs::create_dir(outside.path().join("home")).unwrap();
        std::fs::write(outside.path().join("home/notes.txt"), "private\n").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("logs")).unwrap();
        std::fs::write(d.join("logs/a.log"), "inside\n").unwrap();
        symlink(outside.path().join("passwd"), d.join("passwd")).unwrap();
        symlink(outside.path().join("home"), d.join("home")).unwrap();
        symlink("logs/a.log", d.join("inside_link.log")).unwrap();
        symlink("logs", d.join("logs_again")).unwrap();
        symlink("loop_b", d.join("loop_a")).unwrap();
        symlink("loop_a", d.join("loop_b")).unwrap();
        symlink("nowhere", d.join("dangling")).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(d.join("pipe"))
            .status()
            .unwrap();
        assert!(made.success());
        std::os::unix::net::UnixListener::bind(d.join("socket")).unwrap();
        (dir, outside)
    }

    #[test]
    fn links_out_of_the_folder_are_never_read_and_every_skip_is_named() {
        let (dir, _outside) = crafted();
        let (seen, problems) = read_all(dir.path(), &Limits::default());
        let names: Vec<&str> = seen.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(names, ["inside_link.log", "logs/a.log"]);
        for (_, bytes) in &seen {
            let text = String::from_utf8_lossy(bytes.as_deref().unwrap()).into_owned();
            assert!(!text.contains("secret") && !text.contains("private"));
        }
        said(
            &problems,
            "passwd",
            "outside the folder: not read (--follow-outside",
        );
        said(&problems, "home", "outside the folder: not read");
        said(&problems, "logs_again", "inside the input: not followed");
        said(&problems, "loop_a", "cannot be followed");
        said(&problems, "loop_b", "cannot be followed");
        said(&problems, "dangling", "does not exist");
        said(&problems, "pipe", "a named pipe (FIFO): skipped");
        said(&problems, "socket", "a socket: skipped");
    }

    #[test]
    fn follow_outside_reads_what_the_links_lead_to() {
        let (dir, _outside) = crafted();
        let opts = WalkOptions {
            follow_outside: true,
        };
        let (units, problems) = plan_with(&[dir.path().to_path_buf()], &opts);
        let rels: Vec<&str> = units.iter().map(|u| u.rel.as_str()).collect();
        assert_eq!(
            rels,
            ["home/notes.txt", "inside_link.log", "logs/a.log", "passwd"]
        );
        said(&problems, "pipe", "named pipe");
    }

    #[test]
    fn a_pipe_or_device_named_as_input_is_refused_up_front() {
        let (dir, _outside) = crafted();
        for name in ["pipe", "socket"] {
            let path = dir.path().join(name);
            let (units, problems) = plan(std::slice::from_ref(&path));
            assert!(units.is_empty());
            said(&problems, &path.display().to_string(), "refused");
        }
        let (units, problems) = plan(&[std::path::PathBuf::from("/dev/null")]);
        assert!(units.is_empty());
        said(&problems, "/dev/null", "a device: refused");
    }

    #[test]
    fn an_empty_folder_says_so() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let (units, problems) = plan(&[dir.path().to_path_buf()]);
        assert!(units.is_empty());
        said(
            &problems,
            &dir.path().display().to_string(),
            "holds no files",
        );
    }

    #[test]
    fn a_dash_is_standard_input_once() {
        let (units, problems) = plan(&["-".into(), "-".into()]);
        assert_eq!(units.len(), 1);
        assert!(units[0].is_stdin());
        said(&problems, "(stdin)", "more than once");
    }
}
