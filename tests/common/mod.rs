//! Helpers for the end-to-end tests: run the real binary.

#![allow(dead_code)]

pub mod incident;
pub mod transform;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The bundled example incident.
pub fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ctios-outage-2019-07-12")
}

/// Run `uctriage` with `args`; returns stdout, panicking on a non-zero exit.
pub fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_uctriage"))
        .args(args)
        .output()
        .expect("run uctriage");
    assert!(
        out.status.success(),
        "uctriage {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// Run `uctriage` and parse NDJSON output.
pub fn events(args: &[&str]) -> Vec<serde_json::Value> {
    run(args)
        .lines()
        .map(|l| serde_json::from_str(l).expect("NDJSON line"))
        .collect()
}

/// Copy a bundle folder (recursively) into `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The findings of one kind in an `analyze --format json` document.
pub fn of_kind<'a>(doc: &'a serde_json::Value, kind: &str) -> Vec<&'a serde_json::Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == kind)
        .collect()
}

/// A JSON array of strings as `&str`s.
pub fn strs(v: &serde_json::Value) -> Vec<&str> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}
