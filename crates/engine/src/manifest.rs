//! Bundles written by `uctriage collect` carry a `manifest.json` naming each
//! file's node and zone: read it (at the top of a folder or of a zip input)
//! so normalization takes host and zone from it instead of deciding them.
//! Files the manifest marks as not for analysis (raw SOAP answers kept for
//! the record) and the manifest itself are left out of the analysis.

use serde::Deserialize;
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use uctriage_normalize::Collected;

/// The part of the manifest the engine reads (its schema:
/// `schema/collection-manifest.schema.json`).
#[derive(Deserialize)]
struct Manifest {
    format: String,
    #[serde(default)]
    nodes: Vec<Node>,
    #[serde(default)]
    items: Vec<Item>,
}

#[derive(Deserialize)]
struct Node {
    name: String,
    #[serde(default)]
    zone: Option<String>,
}

#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    path: String,
    node: String,
    #[serde(default)]
    zone: Option<String>,
    #[serde(default)]
    status: String,
    #[serde(default = "yes")]
    analyze: bool,
}

fn yes() -> bool {
    true
}

/// What the manifests of the inputs say.
#[derive(Default)]
pub(crate) struct Manifests {
    /// Host and zone of each collected file.
    pub collected: Vec<Collected>,
    /// Paths left out of the analysis.
    pub skip: HashSet<String>,
    /// Manifests that could not be read: (path, message).
    pub problems: Vec<(String, String)>,
}

/// Read the manifest of each input, naming files as the sources will.
pub(crate) fn read(inputs: &[PathBuf]) -> Manifests {
    let mut out = Manifests::default();
    let single_dir = inputs.len() == 1 && inputs[0].is_dir();
    for input in inputs {
        let name = input
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (prefix, text) = if input.is_dir() {
            let prefix = if single_dir {
                String::new()
            } else {
                format!("{name}/")
            };
            let path = input.join("manifest.json");
            if !path.is_file() {
                continue;
            }
            (
                prefix,
                std::fs::read_to_string(&path).map_err(|e| e.to_string()),
            )
        } else if name.to_ascii_lowercase().ends_with(".zip") {
            match zip_manifest(input) {
                Some(text) => (format!("{name}!/"), text),
                None => continue,
            }
        } else {
            continue;
        };
        let where_ = format!("{prefix}manifest.json");
        let parsed =
            text.and_then(|t| serde_json::from_str::<Manifest>(&t).map_err(|e| e.to_string()));
        let m = match parsed {
            Ok(m) if m.format == "uctriage-collection" => m,
            Ok(_) => continue,
            Err(e) => {
                out.problems.push((where_, format!("collection manifest unreadable, hosts and zones decided from the files instead: {e}")));
                continue;
            }
        };
        out.skip.insert(where_);
        for item in m.items {
            if item.path.is_empty() || item.status != "ok" {
                continue;
            }
            let path = format!("{prefix}{}", item.path);
            if !item.analyze {
                out.skip.insert(path);
                continue;
            }
            let zone = item.zone.or_else(|| {
                m.nodes
                    .iter()
                    .find(|n| n.name == item.node)
                    .and_then(|n| n.zone.clone())
            });
            out.collected.push(Collected {
                path,
                host: item.node,
                zone,
            });
        }
    }
    out
}

fn zip_manifest(path: &Path) -> Option<Result<String, String>> {
    let file = std::fs::File::open(path).ok()?;
    let mut zip = zip::ZipArchive::new(file).ok()?;
    let mut member = zip.by_name("manifest.json").ok()?;
    let mut text = String::new();
    Some(
        member
            .by_ref()
            .take(64 << 20)
            .read_to_string(&mut text)
            .map(|_| text)
            .map_err(|e| e.to_string()),
    )
}
