//! `manifest.json`: what a collection holds, item by item (schema in
//! `schema/collection-manifest.schema.json`, prose in `docs/collect.md`).
//!
//! The manifest never holds a credential: it has no field for one, and the
//! writer is only ever given the fields below.

use serde::{Deserialize, Serialize};

/// The value of [`Manifest::format`].
pub const FORMAT: &str = "uctriage-collection";
/// The schema version written by this code.
pub const VERSION: u32 = 1;

/// The whole manifest.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// Schema version ([`VERSION`]).
    pub version: u32,
    /// The uctriage version that wrote it last.
    pub tool: String,
    /// The publisher as given on the command line.
    pub publisher: String,
    /// The requested window, UTC.
    pub window: Window,
    /// When the first run into this folder started, UTC (RFC 3339).
    pub created: String,
    /// When the last run finished, UTC (RFC 3339).
    pub updated: String,
    /// Every node of the cluster, as AXL `processnode` named it.
    pub nodes: Vec<NodeEntry>,
    /// Every item fetched or tried.
    pub items: Vec<Item>,
}

/// A time window, both ends UTC RFC 3339.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Window {
    /// Start (inclusive).
    pub from: String,
    /// End (inclusive).
    pub until: String,
}

/// One node of the cluster.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct NodeEntry {
    /// The node name (AXL `processnode.name`): the bundle folder of its files.
    pub name: String,
    /// The address it was reached at (from `--resolve`, or its name).
    pub address: String,
    /// Whether it is the publisher.
    pub publisher: bool,
    /// The node's Olson zone, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// How the zone was learnt (`dime getTimeZone`, `show status`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_from: Option<String>,
    /// What happened on the way that the items do not show (a dropped and re-opened SSH session, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// One fetched (or failed) item.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Item {
    /// Bundle-relative path, `/`-separated (`<node>/<source>/...`); empty when nothing was written.
    pub path: String,
    /// The node it came from.
    pub node: String,
    /// The API operation or CLI channel (`axl:executeSQLQuery`, `dime:GetOneFile`, `ssh:cli`, ...).
    pub source: String,
    /// What was asked: the SQL name, remote file path, CLI command, counter object.
    pub request: String,
    /// The window asked for, when the request had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Window>,
    /// Start of the request, UTC RFC 3339.
    pub started: String,
    /// End of the request, UTC RFC 3339.
    pub finished: String,
    /// The node's Olson zone (the file's local times are in it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone: Option<String>,
    /// How the zone was learnt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_from: Option<String>,
    /// Bytes written.
    pub bytes: u64,
    /// SHA-256 of the bytes written, lowercase hex.
    pub sha256: String,
    /// `ok`, `error`, or `skipped` (over a size cap).
    pub status: String,
    /// The error or reason, for a status other than `ok`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Whether `uctriage analyze` reads the file (false: kept for the record, e.g. raw SOAP answers).
    pub analyze: bool,
}

impl Item {
    /// The key that identifies the same request across runs.
    pub fn key(&self) -> (String, String, String) {
        (self.node.clone(), self.source.clone(), self.request.clone())
    }

    /// Whether it was fetched whole.
    pub fn is_ok(&self) -> bool {
        self.status == "ok"
    }
}

impl Manifest {
    /// Parse a manifest, checking its format marker and version.
    pub fn from_json(text: &str) -> Result<Manifest, String> {
        let m: Manifest = serde_json::from_str(text).map_err(|e| format!("manifest.json: {e}"))?;
        if m.format != FORMAT {
            return Err(format!(
                "manifest.json: format is `{}`, not `{FORMAT}`",
                m.format
            ));
        }
        if m.version > VERSION {
            return Err(format!(
                "manifest.json: version {} is newer than this uctriage reads ({VERSION})",
                m.version
            ));
        }
        Ok(m)
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("manifest serializes")
    }

    /// Replace the item with the same key, or add it.
    pub fn record(&mut self, item: Item) {
        let key = item.key();
        match self.items.iter_mut().find(|i| i.key() == key) {
            Some(old) => *old = item,
            None => self.items.push(item),
        }
    }

    /// The item recorded for this key, if any.
    pub fn find(&self, node: &str, source: &str, request: &str) -> Option<&Item> {
        self.items
            .iter()
            .find(|i| i.node == node && i.source == source && i.request == request)
    }
}
