//! The minimum Rust version the manifests declare is true. Only one
//! toolchain exists where CI runs, so instead of building with the oldest
//! one, this reads what every locked dependency declares (`cargo metadata`,
//! all platforms, dev-dependencies included) and holds the workspace's
//! `rust-version` to at least the newest of them. Clippy's `incompatible_msrv`
//! lint (on by default, and CI denies warnings) covers the project's own
//! use of std APIs newer than it.

use serde_json::Value;
use std::process::Command;

/// `1.89`, `1.85.0` → (1, 89, 0).
fn version(s: &str) -> (u64, u64, u64) {
    let mut parts = s.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

#[test]
fn rust_version_covers_every_locked_dependency_and_every_member_declares_it() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).unwrap();
    let members: Vec<&str> = meta["workspace_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    let packages = meta["packages"].as_array().unwrap();
    let mut ours = None;
    let mut newest: Option<((u64, u64, u64), String)> = None;
    for p in packages {
        let name = p["name"].as_str().unwrap();
        let declared = p["rust_version"].as_str();
        if members.contains(&p["id"].as_str().unwrap()) {
            // Every member inherits the workspace's, so cargo enforces it.
            let v = declared.unwrap_or_else(|| panic!("{name} declares no rust-version"));
            if let Some(o) = ours {
                assert_eq!(o, v, "{name} declares another rust-version");
            }
            ours = Some(v);
        } else if let Some(v) = declared {
            let key = version(v);
            if newest.as_ref().is_none_or(|(n, _)| key > *n) {
                newest = Some((key, format!("{name} {} needs {v}", p["version"])));
            }
        }
    }
    let ours = version(ours.expect("workspace members"));
    let (need, who) = newest.expect("dependencies declare rust-version");
    assert!(
        ours >= need,
        "rust-version {ours:?} in Cargo.toml is older than a dependency allows: {who}"
    );
}

#[test]
fn versions_compare_numerically() {
    assert!(version("1.89") > version("1.85.0"));
    assert!(version("1.100") > version("1.89"));
    assert_eq!(version("1.89"), version("1.89.0"));
}
