//! Loading the knowledge: the files shipped in the binary, each replaceable
//! (and rules addable) from a folder, every file checked strictly, every
//! problem reported with its file and line before anything runs.

use crate::error::{closest, KnowledgeError, LoadError};
use crate::model::*;
use crate::rules::{parse_rule_file, RuleSpec};
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// The schema version of the top-level knowledge files this build reads.
pub const KNOWLEDGE_VERSION: u32 = 2;

/// The top-level knowledge files, by name.
pub const FILES: [&str; 9] = [
    "sources.toml",
    "alarms.toml",
    "signatures.toml",
    "lifecycle.toml",
    "advice.toml",
    "thresholds.toml",
    "metrics.toml",
    "classes.toml",
    "devices.toml",
];

/// Everything uctriage knows.
#[derive(Clone, Debug, Default)]
pub struct Knowledge {
    /// Sources.
    pub sources: SourcesFile,
    /// Alarms and code tables.
    pub alarms: AlarmsFile,
    /// Crash signatures.
    pub signatures: SignaturesFile,
    /// Lifecycle dates.
    pub lifecycle: LifecycleFile,
    /// Advice.
    pub advice: AdviceFile,
    /// Thresholds.
    pub thresholds: ThresholdsFile,
    /// Metric classes.
    pub metrics: MetricsFile,
    /// Finding classes and tags.
    pub classes: ClassesFile,
    /// Device types.
    pub devices: DevicesFile,
    /// Declared rules, in file-name order.
    pub rules: Vec<RuleSpec>,
    /// Where each file came from: (name, `embedded` or the path read).
    pub origin: Vec<(String, String)>,
}

/// One file to read: its name under `knowledge/`, how to call it in messages,
/// and its text.
struct Input {
    name: String,
    shown: String,
    text: String,
}

impl Knowledge {
    /// The knowledge shipped in the binary.
    pub fn embedded() -> Result<Knowledge, LoadError> {
        Knowledge::load(None)
    }

    /// The shipped knowledge, with every file present in `dir` used instead
    /// of the shipped one of the same name, and every `dir/rules/*.toml`
    /// replacing the shipped rule file of that name or adding a rule.
    pub fn load(dir: Option<&Path>) -> Result<Knowledge, LoadError> {
        let mut inputs: BTreeMap<String, Input> = EMBEDDED
            .iter()
            .map(|(name, text)| {
                let input = Input {
                    name: name.to_string(),
                    shown: format!("embedded:{name}"),
                    text: text.to_string(),
                };
                (name.to_string(), input)
            })
            .collect();
        if let Some(dir) = dir {
            for input in read_dir(dir)? {
                inputs.insert(input.name.clone(), input);
            }
        }
        let mut kb = Knowledge::default();
        let mut errors = Vec::new();
        let mut texts: Vec<(String, String)> = Vec::new();
        for input in inputs.values() {
            let result = match input.name.strip_prefix("rules/") {
                Some(_) => parse_rule_file(&input.shown, &input.text).map(|r| kb.rules.push(r)),
                None => kb.set(&input.name, &input.shown, &input.text),
            };
            if let Err(e) = result {
                errors.push(e);
            }
            let from = if input.shown.starts_with("embedded:") {
                "embedded".to_string()
            } else {
                input.shown.clone()
            };
            kb.origin.push((input.name.clone(), from));
            texts.push((input.shown.clone(), input.text.clone()));
        }
        for name in FILES {
            if !inputs.contains_key(name) {
                errors.push(KnowledgeError::file(name, "missing knowledge file"));
            }
        }
        let own: Vec<Class> = kb.rules.iter().flat_map(|r| r.classes.clone()).collect();
        kb.classes.class.extend(own);
        if errors.is_empty() {
            errors.extend(kb.cross_checks(&texts));
        }
        if errors.is_empty() {
            Ok(kb)
        } else {
            Err(LoadError { errors })
        }
    }

    fn set(&mut self, name: &str, shown: &str, text: &str) -> Result<(), KnowledgeError> {
        fn parse<T: DeserializeOwned>(shown: &str, text: &str) -> Result<T, KnowledgeError> {
            toml::from_str(text).map_err(|e| KnowledgeError::from_toml(shown, text, &e))
        }
        let version = match name {
            "sources.toml" => {
                self.sources = parse(shown, text)?;
                self.sources.version
            }
            "alarms.toml" => {
                self.alarms = parse(shown, text)?;
                self.alarms.version
            }
            "signatures.toml" => {
                self.signatures = parse(shown, text)?;
                self.signatures.version
            }
            "lifecycle.toml" => {
                self.lifecycle = parse(shown, text)?;
                self.lifecycle.version
            }
            "advice.toml" => {
                self.advice = parse(shown, text)?;
                self.advice.version
            }
            "thresholds.toml" => {
                self.thresholds = parse(shown, text)?;
                self.thresholds.version
            }
            "metrics.toml" => {
                self.metrics = parse(shown, text)?;
                self.metrics.version
            }
            "classes.toml" => {
                self.classes = parse(shown, text)?;
                self.classes.version
            }
            "devices.toml" => {
                self.devices = parse(shown, text)?;
                self.devices.version
            }
            other => {
                return Err(unknown_file(shown, other));
            }
        };
        if version != KNOWLEDGE_VERSION {
            return Err(KnowledgeError::file(
                shown,
                format!("version {version} is not supported: this uctriage reads knowledge files of version {KNOWLEDGE_VERSION} (see knowledge/README.md)"),
            ));
        }
        Ok(())
    }

    /// Checks across files: every cited source exists, every name is unique,
    /// every advice trigger is a known class.
    fn cross_checks(&self, texts: &[(String, String)]) -> Vec<KnowledgeError> {
        let mut errors = Vec::new();
        let locate = |key: &str, message: String| {
            let quoted = format!("\"{key}\"");
            for (shown, text) in texts {
                if shown.ends_with("sources.toml") {
                    continue;
                }
                if let Some(at) = text.find(&quoted) {
                    let mut e = KnowledgeError::at(shown.as_str(), text, at, message.clone());
                    e.help = closest(key, self.sources.source.keys().map(String::as_str))
                        .map(|c| format!("did you mean `{c}`?"));
                    return e;
                }
            }
            KnowledgeError::file("knowledge", message)
        };
        for key in self.dangling_sources() {
            errors.push(locate(
                &key,
                format!("source `{key}` is not defined in sources.toml"),
            ));
        }
        let classes: BTreeSet<&str> = self.classes.class.iter().map(|c| c.id.as_str()).collect();
        for a in &self.advice.advice {
            for w in &a.when {
                if !classes.contains(w.as_str()) {
                    let mut e = locate_in(texts, "advice.toml", &format!("\"{w}\""));
                    e.message = format!(
                        "advice `{}`: trigger `{w}` is not a class or tag of classes.toml",
                        a.id
                    );
                    e.help =
                        closest(w, classes.iter().copied()).map(|c| format!("did you mean `{c}`?"));
                    errors.push(e);
                }
            }
        }
        let mut dup = |what: &str, file: &str, ids: Vec<&str>| {
            let mut seen = BTreeSet::new();
            for id in ids {
                if !seen.insert(id) {
                    let mut e = locate_in(texts, file, &format!("\"{id}\""));
                    e.message = format!("{what} `{id}` is defined twice");
                    errors.push(e);
                }
            }
        };
        dup(
            "class",
            "classes.toml",
            self.classes.class.iter().map(|c| c.id.as_str()).collect(),
        );
        dup(
            "alarm",
            "alarms.toml",
            self.alarms.alarm.iter().map(|c| c.name.as_str()).collect(),
        );
        dup(
            "code table",
            "alarms.toml",
            self.alarms
                .code_table
                .iter()
                .map(|c| c.id.as_str())
                .collect(),
        );
        dup(
            "advice",
            "advice.toml",
            self.advice.advice.iter().map(|c| c.id.as_str()).collect(),
        );
        dup(
            "threshold",
            "thresholds.toml",
            self.thresholds
                .threshold
                .iter()
                .map(|c| c.id.as_str())
                .collect(),
        );
        dup(
            "signature",
            "signatures.toml",
            self.signatures
                .signature
                .iter()
                .map(|c| c.id.as_str())
                .collect(),
        );
        dup(
            "product",
            "lifecycle.toml",
            self.lifecycle
                .product
                .iter()
                .map(|c| c.id.as_str())
                .collect(),
        );
        dup(
            "device type",
            "devices.toml",
            self.devices
                .device_type
                .iter()
                .map(|c| c.id.as_str())
                .collect(),
        );
        for a in &self.alarms.alarm {
            for r in &a.reason {
                if r.field.trim().is_empty()
                    || r.contains.trim().is_empty()
                    || r.means.trim().is_empty()
                {
                    let mut e = locate_in(texts, "alarms.toml", &format!("\"{}\"", a.name));
                    e.message = format!(
                        "alarm `{}`: every reason needs a field, the words it contains and what they mean",
                        a.name
                    );
                    errors.push(e);
                }
            }
        }
        let mut rule_ids = BTreeSet::new();
        for r in &self.rules {
            if !rule_ids.insert(r.id.as_str()) {
                errors.push(r.error_at_key("id", format!("rule `{}` is defined twice", r.id)));
            }
        }
        for t in &self.thresholds.threshold {
            if !self
                .metrics
                .metric_class
                .iter()
                .any(|m| m.metric == t.metric)
            {
                let mut e = locate_in(texts, "thresholds.toml", &format!("\"{}\"", t.metric));
                e.message = format!(
                    "threshold `{}`: metric `{}` is not a class of metrics.toml",
                    t.id, t.metric
                );
                errors.push(e);
            }
            if !t.per.is_empty() && t.per != "vcpu" {
                let mut e = locate_in(texts, "thresholds.toml", &format!("\"{}\"", t.per));
                e.message = format!("threshold `{}`: per must be \"vcpu\" or absent", t.id);
                errors.push(e);
            }
        }
        errors
    }

    /// Every source key cited anywhere that `sources.toml` does not define.
    pub fn dangling_sources(&self) -> Vec<String> {
        let mut cited: Vec<&String> = Vec::new();
        cited.extend(self.alarms.alarm.iter().flat_map(|a| &a.sources));
        cited.extend(self.alarms.code_table.iter().flat_map(|a| &a.sources));
        cited.extend(self.signatures.signature.iter().flat_map(|a| &a.sources));
        cited.extend(self.signatures.co_crash.iter().flat_map(|a| &a.sources));
        cited.extend(self.lifecycle.product.iter().flat_map(|a| &a.sources));
        cited.extend(self.lifecycle.context.iter().flat_map(|a| &a.sources));
        cited.extend(self.advice.advice.iter().flat_map(|a| &a.sources));
        cited.extend(self.thresholds.threshold.iter().flat_map(|a| &a.sources));
        cited.extend(self.rules.iter().flat_map(|a| &a.sources));
        cited.extend(self.metrics.metric_class.iter().flat_map(|a| &a.sources));
        cited.extend(self.classes.class.iter().flat_map(|a| &a.sources));
        cited.extend(self.devices.device_type.iter().flat_map(|a| &a.sources));
        let mut missing: Vec<String> = cited
            .into_iter()
            .filter(|k| !self.sources.source.contains_key(*k))
            .cloned()
            .collect();
        missing.sort();
        missing.dedup();
        missing
    }
}

/// An error placed at the first occurrence of `needle` in the file named
/// `name` (shown name ends with it), or about the file alone.
fn locate_in(texts: &[(String, String)], name: &str, needle: &str) -> KnowledgeError {
    for (shown, text) in texts {
        if shown.ends_with(name) {
            return match text.find(needle) {
                Some(at) => KnowledgeError::at(shown.as_str(), text, at, ""),
                None => KnowledgeError::file(shown.as_str(), ""),
            };
        }
    }
    KnowledgeError::file(name, "")
}

fn unknown_file(shown: &str, name: &str) -> KnowledgeError {
    let mut e = KnowledgeError::file(
        shown,
        format!(
            "`{name}` is not a knowledge file: the files are {} and rules/*.toml",
            FILES.join(", ")
        ),
    );
    e.help = closest(name, FILES).map(|c| format!("did you mean `{c}`?"));
    e
}

/// The `.toml` files of a knowledge folder and of its `rules/` folder.
fn read_dir(dir: &Path) -> Result<Vec<Input>, LoadError> {
    let mut out = Vec::new();
    let shown_dir = dir.display().to_string();
    if !dir.is_dir() {
        return Err(KnowledgeError::file(shown_dir, "not a folder").into());
    }
    let mut errors = Vec::new();
    for (prefix, sub) in [("", dir.to_path_buf()), ("rules/", dir.join("rules"))] {
        let Ok(entries) = std::fs::read_dir(&sub) else {
            continue;
        };
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            if !path.is_file() || path.extension().is_none_or(|e| e != "toml") {
                continue;
            }
            let name = format!(
                "{prefix}{}",
                path.file_name().unwrap_or_default().to_string_lossy()
            );
            let shown = path.display().to_string();
            if prefix.is_empty() && !FILES.contains(&name.as_str()) {
                errors.push(unknown_file(&shown, &name));
                continue;
            }
            match std::fs::read_to_string(&path) {
                Ok(text) => out.push(Input { name, shown, text }),
                Err(e) => errors.push(KnowledgeError::file(shown, e.to_string())),
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(LoadError { errors })
    }
}
