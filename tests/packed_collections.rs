//! A collection repacked by the customer or the engineer as `.tar.xz`,
//! `.tar.zst` or `.tar.bz2` gives the same answer as the folder it came from.

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
fn a_collection_packed_as_tar_xz_zst_or_bz2_gives_the_folders_findings() {
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
    for (name, bytes) in [
        ("collection.tar.xz", xz),
        ("collection.tar.zst", zst),
        ("collection.tar.bz2", bz2),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        assert_eq!(findings(&path), want, "{name}");
    }
}
