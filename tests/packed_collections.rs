//! A collection repacked by the customer or the engineer as `.7z` (7-Zip's
//! solid default), `.tar.xz`, `.tar.zst` or `.tar.bz2` gives the same answer
//! as the folder it came from.

use std::io::Write;
use std::path::Path;
use std::process::Command;

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/examples/ctios-outage-2019-07-12"
);

/// What a user reads of each finding: its class, title, summary, span and
/// hosts (evidence paths differ: they name the archive).
fn findings(input: &Path) -> Vec<String> {
    let o = Command::new(env!("CARGO_BIN_EXE_uctriage"))
        .args(["analyze", "-q", "--format", "json"])
        .arg(input)
        .output()
        .expect("run uctriage");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} | {} | {} | {} | {} | {}",
                f["class"], f["title"], f["summary"], f["start"], f["end"], f["hosts"]
            )
        })
        .collect()
}

fn tar_of(folder: &Path) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    tar.append_dir_all("ctios-outage", folder).unwrap();
    tar.into_inner().unwrap()
}

#[test]
fn a_collection_packed_as_7z_tar_xz_zst_or_bz2_gives_the_folders_findings() {
    let folder = Path::new(EXAMPLE);
    let want = findings(folder);
    assert!(
        want.iter().any(|f| f.starts_with("\"service-loss\"")),
        "{want:#?}"
    );
    let tar = tar_of(folder);
    let dir = tempfile::tempdir().unwrap();
    let xz = {
        let mut out = Vec::new();
        let mut w = lzma_rust2::XzWriter::new(&mut out, lzma_rust2::XzOptions::default()).unwrap();
        w.write_all(&tar).unwrap();
        w.finish().unwrap();
        out
    };
    let zst = zstd::encode_all(&tar[..], 3).unwrap();
    let bz2 = {
        let mut w = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
        w.write_all(&tar).unwrap();
        w.finish().unwrap()
    };
    let seven_zip = {
        use sevenz_rust2::{ArchiveEntry, ArchiveWriter, SourceReader};
        let mut files: Vec<std::path::PathBuf> = Vec::new();
        let mut dirs = vec![folder.to_path_buf()];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else {
                    files.push(p);
                }
            }
        }
        files.sort();
        let entries = files
            .iter()
            .map(|p| {
                let rel = p.strip_prefix(folder).unwrap().to_string_lossy();
                ArchiveEntry::new_file(&format!("ctios-outage/{rel}"))
            })
            .collect();
        let readers = files
            .iter()
            .map(|p| SourceReader::new(std::fs::File::open(p).unwrap()))
            .collect();
        let mut w = ArchiveWriter::new(std::io::Cursor::new(Vec::new())).unwrap();
        w.push_archive_entries(entries, readers).unwrap();
        w.finish().unwrap().into_inner()
    };
    for (name, bytes) in [
        ("collection.7z", seven_zip),
        ("collection.tar.xz", xz),
        ("collection.tar.zst", zst),
        ("collection.tar.bz2", bz2),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        assert_eq!(findings(&path), want, "{name}");
    }
}
