//! Embeds every file of `knowledge/` (top level and `rules/`) in the binary:
//! writes `embedded.rs` with one `include_str!` per `.toml` file, sorted, so a
//! new rule file needs no code change.

use std::path::{Path, PathBuf};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../knowledge");
    println!("cargo:rerun-if-changed={}", root.display());
    println!("cargo:rerun-if-changed={}", root.join("rules").display());
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    for (prefix, dir) in [("", root.clone()), ("rules/", root.join("rules"))] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "toml") && path.is_file() {
                println!("cargo:rerun-if-changed={}", path.display());
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                files.push((format!("{prefix}{name}"), path.canonicalize().unwrap()));
            }
        }
    }
    files.sort();
    let mut out = String::from("/// Every shipped knowledge file: (name relative to `knowledge/`, text).\npub(crate) const EMBEDDED: &[(&str, &str)] = &[\n");
    for (name, path) in &files {
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded.rs");
    std::fs::write(dest, out).unwrap();
}
