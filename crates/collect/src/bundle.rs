//! The bundle on disk: `<node>/<source>/...` files and `manifest.json`,
//! written atomically (a temporary name, then a rename), so an interrupted
//! run leaves only whole files; a later run into the same folder skips
//! items the manifest records as fetched whose files are still intact.

use crate::manifest::{Item, Manifest};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A bundle folder being written.
pub struct BundleDir {
    root: PathBuf,
    manifest: Mutex<Manifest>,
}

/// What writing one file gave.
#[derive(Clone, Debug)]
pub struct Written {
    /// Bundle-relative path.
    pub path: String,
    /// Bytes written.
    pub bytes: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

impl BundleDir {
    /// Open (or create) a bundle folder, reading its manifest if it has one.
    pub fn open(root: &Path, fresh: Manifest) -> Result<BundleDir, String> {
        std::fs::create_dir_all(root).map_err(|e| format!("{}: {e}", root.display()))?;
        let path = root.join("manifest.json");
        let manifest = if path.exists() {
            let text =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let mut old = Manifest::from_json(&text)?;
            old.tool = fresh.tool.clone();
            old.window = fresh.window.clone();
            old.publisher = fresh.publisher.clone();
            old
        } else {
            fresh
        };
        Ok(BundleDir {
            root: root.to_path_buf(),
            manifest: Mutex::new(manifest),
        })
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Whether this request was already fetched whole by an earlier run (its file intact).
    pub fn already(&self, node: &str, source: &str, request: &str) -> bool {
        let item = {
            let m = self.manifest.lock().expect("manifest lock");
            m.find(node, source, request).cloned()
        };
        let Some(item) = item.filter(Item::is_ok) else {
            return false;
        };
        if item.path.is_empty() {
            return true;
        }
        match std::fs::read(self.root.join(&item.path)) {
            Ok(bytes) => bytes.len() as u64 == item.bytes && sha256_hex(&bytes) == item.sha256,
            Err(_) => false,
        }
    }

    /// Write a file at `node/source_dir/name` (each part made safe); returns where and its digest.
    pub fn write(&self, node: &str, parts: &[&str], bytes: &[u8]) -> Result<Written, String> {
        let mut rel = vec![safe(node)];
        rel.extend(
            parts
                .iter()
                .flat_map(|p| p.split('/'))
                .filter(|p| !p.is_empty())
                .map(safe),
        );
        let rel = rel.join("/");
        let target = self.root.join(&rel);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let tmp = target.with_extension("part~");
        let written = std::fs::File::create(&tmp)
            .and_then(|mut f| f.write_all(bytes).and_then(|_| f.sync_all()))
            .and_then(|_| std::fs::rename(&tmp, &target));
        if let Err(e) = written {
            // A full disk must not leave half files for `analyze` to read.
            let _ = std::fs::remove_file(&tmp);
            return Err(format!("{}: {e}", target.display()));
        }
        Ok(Written {
            path: rel,
            bytes: bytes.len() as u64,
            sha256: sha256_hex(bytes),
        })
    }

    /// Record an item (replacing the one with the same key) and save the manifest.
    pub fn record(&self, item: Item) -> Result<(), String> {
        let mut m = self.manifest.lock().expect("manifest lock");
        m.record(item);
        self.save(&m)
    }

    /// Change the manifest with `f` and save it.
    pub fn update(&self, f: impl FnOnce(&mut Manifest)) -> Result<(), String> {
        let mut m = self.manifest.lock().expect("manifest lock");
        f(&mut m);
        self.save(&m)
    }

    /// A copy of the manifest as it stands.
    pub fn manifest(&self) -> Manifest {
        self.manifest.lock().expect("manifest lock").clone()
    }

    fn save(&self, m: &Manifest) -> Result<(), String> {
        let path = self.root.join("manifest.json");
        let tmp = self.root.join("manifest.json.part~");
        std::fs::write(&tmp, m.to_json()).map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &path).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// SHA-256 of bytes, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A path part safe on every file system: no separators, no `..`, no control
/// or reserved characters.
pub fn safe(part: &str) -> String {
    let s: String = part
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let s = s.trim().trim_matches('.').to_string();
    if s.is_empty() {
        "_".into()
    } else {
        s
    }
}

/// Pack a bundle folder into a zip file (written whole, then renamed).
pub fn zip_folder(dir: &Path, zip_path: &Path) -> Result<(), String> {
    let tmp = zip_path.with_extension("zip.part~");
    let file = std::fs::File::create(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    let mut zip = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut files = Vec::new();
    walk(dir, dir, &mut files).map_err(|e| format!("{}: {e}", dir.display()))?;
    files.sort();
    for rel in files {
        let bytes = std::fs::read(dir.join(&rel)).map_err(|e| format!("{rel}: {e}"))?;
        zip.start_file(rel.as_str(), opts)
            .map_err(|e| format!("{rel}: {e}"))?;
        zip.write_all(&bytes).map_err(|e| format!("{rel}: {e}"))?;
    }
    zip.finish()
        .map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, zip_path).map_err(|e| format!("{}: {e}", zip_path.display()))
}

/// Unpack a zip written by [`zip_folder`] into a folder (to resume into it).
pub fn unzip_into(zip_path: &Path, dir: &Path) -> Result<(), String> {
    let file = std::fs::File::open(zip_path).map_err(|e| format!("{}: {e}", zip_path.display()))?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| format!("{}: {e}", zip_path.display()))?;
    for i in 0..zip.len() {
        let mut member = zip
            .by_index(i)
            .map_err(|e| format!("{}: {e}", zip_path.display()))?;
        let Some(rel) = member.enclosed_name() else {
            continue;
        };
        if member.is_dir() {
            continue;
        }
        let target = dir.join(rel);
        if let Some(p) = target.parent() {
            std::fs::create_dir_all(p).map_err(|e| format!("{}: {e}", p.display()))?;
        }
        let mut out =
            std::fs::File::create(&target).map_err(|e| format!("{}: {e}", target.display()))?;
        std::io::copy(&mut member, &mut out).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    Ok(())
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(root, &path, out)?;
        } else if !path.to_string_lossy().ends_with('~') {
            let rel = path.strip_prefix(root).expect("under root");
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_parts_cannot_escape_the_bundle() {
        assert_eq!(safe(".."), "_");
        assert_eq!(safe("a/b"), "a_b");
        assert_eq!(safe("C:\\x"), "C__x");
    }

    #[test]
    fn a_written_file_is_found_again_only_while_intact() {
        let dir = tempfile::tempdir().unwrap();
        let b = BundleDir::open(dir.path(), Manifest::default()).unwrap();
        let w = b
            .write("n1", &["cli", "show_status.txt"], b"hello")
            .unwrap();
        assert_eq!(w.path, "n1/cli/show_status.txt");
        b.record(Item {
            path: w.path.clone(),
            node: "n1".into(),
            source: "ssh:cli".into(),
            request: "show status".into(),
            bytes: w.bytes,
            sha256: w.sha256,
            status: "ok".into(),
            ..Default::default()
        })
        .unwrap();
        assert!(b.already("n1", "ssh:cli", "show status"));
        std::fs::write(dir.path().join(&w.path), b"changed").unwrap();
        assert!(!b.already("n1", "ssh:cli", "show status"));
    }
}
