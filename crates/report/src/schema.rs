//! The version every JSON output carries, and the schemas that describe them
//! (`schema/*.schema.json` at the top of the repository).

/// `"schema_version"` of every JSON document and every timeline NDJSON
/// record: `MAJOR.MINOR`. A new field bumps MINOR (readers must ignore
/// fields they do not know); a removed, renamed or retyped field bumps MAJOR.
/// The schemas accept any `1.x`.
pub const SCHEMA_VERSION: &str = "1.0";
