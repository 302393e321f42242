//! A bundle written by `uctriage collect` says in its `manifest.json` which
//! node each file came from and that node's zone: both are taken from it,
//! in a folder and in a zip, and files it keeps only for the record are not read.

use std::io::Write;
use uctriage_core::ZoneSource;
use uctriage_engine::{load, Config, Silent};

const DUMPLOG: &str = "Events from July 12, 2019\n12:30:01:004 CG1A-ctios1 Trace: CCtiOsServer::OnHeartbeatTimer: 212 sessions, 0 pending requests\n";

/// A manifest naming `logs/ctios.txt` as collected from `pg-tokyo` (Asia/Tokyo)
/// and `logs/raw.xml` as kept only for the record.
fn manifest(zone: &str) -> String {
    format!(
        r#"{{"format": "uctriage-collection", "version": 1, "tool": "t", "publisher": "p",
  "window": {{"from": "2019-07-12T00:00:00Z", "until": "2019-07-13T00:00:00Z"}},
  "created": "2019-07-13T00:00:00Z", "updated": "2019-07-13T00:00:00Z",
  "nodes": [{{"name": "pg-tokyo", "address": "127.0.0.10", "publisher": true, "zone": "{zone}", "zone_from": "dime getTimeZone"}}],
  "items": [
    {{"path": "logs/ctios.txt", "node": "pg-tokyo", "source": "dime:GetOneFile", "request": "/x", "started": "s", "finished": "f", "zone": "{zone}", "bytes": 1, "sha256": "", "status": "ok", "analyze": true}},
    {{"path": "logs/raw.xml", "node": "pg-tokyo", "source": "perfmon:perfmonCollectCounterData", "request": "Memory", "started": "s", "finished": "f", "bytes": 1, "sha256": "", "status": "ok", "analyze": false}}
  ]}}"#
    )
}

fn check(bundle: &uctriage_engine::Bundle, prefix: &str) {
    let paths: Vec<&str> = bundle.files.iter().map(|f| f.path.as_str()).collect();
    assert!(
        !paths
            .iter()
            .any(|p| p.ends_with("manifest.json") || p.ends_with("raw.xml")),
        "{paths:?}"
    );
    let f = bundle
        .files
        .iter()
        .find(|f| f.path == format!("{prefix}logs/ctios.txt"))
        .unwrap();
    assert_eq!(f.host.as_deref(), Some("pg-tokyo"));
    assert_eq!(f.host_source, "stated by the collection manifest");
    let z = &bundle.zones["pg-tokyo"];
    assert_eq!(
        (z.zone.as_str(), z.source),
        ("Asia/Tokyo", ZoneSource::Manifest)
    );
    // 12:30:01 in Tokyo is 03:30:01 UTC.
    let t = bundle.events.iter().find_map(|e| e.time).unwrap();
    assert_eq!(t.to_string(), "2019-07-12T03:30:01.004Z");
}

#[test]
fn host_and_zone_come_from_the_manifest_of_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("logs")).unwrap();
    std::fs::write(dir.path().join("logs/ctios.txt"), DUMPLOG).unwrap();
    std::fs::write(dir.path().join("logs/raw.xml"), "<a>1</a>").unwrap();
    std::fs::write(dir.path().join("manifest.json"), manifest("Asia/Tokyo")).unwrap();
    let cfg = Config {
        inputs: vec![dir.path().to_path_buf()],
        ..Default::default()
    };
    check(&load(&cfg, &Silent), "");
}

#[test]
fn host_and_zone_come_from_the_manifest_of_a_zip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("collected.zip");
    let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    for (name, text) in [
        ("manifest.json", manifest("Asia/Tokyo")),
        ("logs/ctios.txt", DUMPLOG.to_string()),
        ("logs/raw.xml", "<a>1</a>".to_string()),
    ] {
        z.start_file(name, opts).unwrap();
        z.write_all(text.as_bytes()).unwrap();
    }
    z.finish().unwrap();
    let cfg = Config {
        inputs: vec![path],
        ..Default::default()
    };
    check(&load(&cfg, &Silent), "collected.zip!/");
}

#[test]
fn without_a_manifest_the_folder_name_is_only_a_guess() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("logs")).unwrap();
    std::fs::write(dir.path().join("logs/ctios.txt"), DUMPLOG).unwrap();
    let cfg = Config {
        inputs: vec![dir.path().to_path_buf()],
        ..Default::default()
    };
    let b = load(&cfg, &Silent);
    assert_ne!(b.files[0].host_source, "stated by the collection manifest");
    assert!(b.zones.values().all(|z| z.source != ZoneSource::Manifest));
}
