//! Loading the knowledge files: embedded, or replaced from a folder.

use crate::model::*;
use std::path::Path;

/// The knowledge files, by name.
pub const FILES: [&str; 8] = [
    "sources.toml",
    "alarms.toml",
    "signatures.toml",
    "lifecycle.toml",
    "advice.toml",
    "thresholds.toml",
    "rules.toml",
    "metrics.toml",
];

const EMBEDDED: [&str; 8] = [
    include_str!("../../../knowledge/sources.toml"),
    include_str!("../../../knowledge/alarms.toml"),
    include_str!("../../../knowledge/signatures.toml"),
    include_str!("../../../knowledge/lifecycle.toml"),
    include_str!("../../../knowledge/advice.toml"),
    include_str!("../../../knowledge/thresholds.toml"),
    include_str!("../../../knowledge/rules.toml"),
    include_str!("../../../knowledge/metrics.toml"),
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
    /// Correlation rules.
    pub rules: RulesFile,
    /// Metric classes.
    pub metrics: MetricsFile,
    /// Where each file came from (`embedded` or a path).
    pub origin: Vec<(String, String)>,
}

/// A knowledge file that could not be read or parsed.
#[derive(Debug)]
pub struct LoadError {
    /// Which file.
    pub file: String,
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "knowledge file {}: {}", self.file, self.message)
    }
}

impl std::error::Error for LoadError {}

impl Knowledge {
    /// The knowledge shipped in the binary.
    pub fn embedded() -> Result<Knowledge, LoadError> {
        Knowledge::load(None)
    }

    /// The shipped knowledge, with any file present in `dir` used instead.
    pub fn load(dir: Option<&Path>) -> Result<Knowledge, LoadError> {
        let mut kb = Knowledge::default();
        for (name, embedded) in FILES.iter().zip(EMBEDDED) {
            let (text, origin) = match dir.map(|d| d.join(name)).filter(|p| p.exists()) {
                Some(p) => (
                    std::fs::read_to_string(&p).map_err(|e| LoadError {
                        file: p.display().to_string(),
                        message: e.to_string(),
                    })?,
                    p.display().to_string(),
                ),
                None => (embedded.to_string(), "embedded".to_string()),
            };
            kb.set(name, &text).map_err(|message| LoadError {
                file: origin.clone(),
                message,
            })?;
            kb.origin.push((name.to_string(), origin));
        }
        Ok(kb)
    }

    fn set(&mut self, name: &str, text: &str) -> Result<(), String> {
        fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
            toml::from_str(text).map_err(|e| e.to_string())
        }
        match name {
            "sources.toml" => self.sources = parse(text)?,
            "alarms.toml" => self.alarms = parse(text)?,
            "signatures.toml" => self.signatures = parse(text)?,
            "lifecycle.toml" => self.lifecycle = parse(text)?,
            "advice.toml" => self.advice = parse(text)?,
            "thresholds.toml" => self.thresholds = parse(text)?,
            "rules.toml" => self.rules = parse(text)?,
            "metrics.toml" => self.metrics = parse(text)?,
            _ => return Err("unknown knowledge file".into()),
        }
        Ok(())
    }

    /// The alarm entry for a name (or one of its other names).
    pub fn alarm(&self, name: &str) -> Option<&Alarm> {
        self.alarms
            .alarm
            .iter()
            .find(|a| a.name == name || a.also.iter().any(|x| x == name))
    }

    /// Decode a code in `field` of an event of `kind` / alarm `alarm`.
    pub fn decode(&self, alarm: Option<&str>, kind: &str, field: &str, code: &str) -> Option<&str> {
        self.alarms
            .code_table
            .iter()
            .filter(|t| t.field == field)
            .filter(|t| {
                alarm.is_some_and(|a| t.alarms.iter().any(|x| x == a))
                    || t.kinds.iter().any(|k| k == kind)
            })
            .find_map(|t| t.codes.get(code).map(String::as_str))
    }

    /// The first signature matching a core's process, abort reason and frames.
    pub fn signature(&self, process: &str, reason: &str, frames: &str) -> Option<&Signature> {
        self.signatures.signature.iter().find(|s| {
            (s.process.is_empty() || s.process.eq_ignore_ascii_case(process))
                && (s.reason_contains.is_empty()
                    || s.reason_contains
                        .iter()
                        .any(|r| reason.contains(r.as_str())))
                && s.frames_contain.iter().all(|f| frames.contains(f.as_str()))
        })
    }

    /// The metric class a counter belongs to (counter without its host).
    pub fn metric_class(&self, counter: &str) -> Option<&MetricClass> {
        self.metrics
            .metric_class
            .iter()
            .find(|c| c.counters.iter().any(|p| glob_match(p, counter)))
    }

    /// Thresholds with a public source for a metric class.
    pub fn thresholds_for<'a>(
        &'a self,
        metric: &'a str,
    ) -> impl Iterator<Item = &'a Threshold> + 'a {
        self.thresholds
            .threshold
            .iter()
            .filter(move |t| t.metric == metric)
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.rule.iter().find(|r| r.id == id)
    }

    /// Every source key cited anywhere that `sources.toml` does not define.
    pub fn dangling_sources(&self) -> Vec<String> {
        let mut cited: Vec<&String> = Vec::new();
        cited.extend(self.alarms.alarm.iter().flat_map(|a| &a.sources));
        cited.extend(self.alarms.code_table.iter().flat_map(|a| &a.sources));
        cited.extend(self.signatures.signature.iter().flat_map(|a| &a.sources));
        cited.extend(self.signatures.co_crash.iter().flat_map(|a| &a.sources));
        cited.extend(self.lifecycle.product.iter().flat_map(|a| &a.sources));
        cited.extend(self.advice.advice.iter().flat_map(|a| &a.sources));
        cited.extend(self.thresholds.threshold.iter().flat_map(|a| &a.sources));
        cited.extend(self.rules.rule.iter().flat_map(|a| &a.sources));
        cited.extend(self.metrics.metric_class.iter().flat_map(|a| &a.sources));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_knowledge_parses_and_cites_only_known_sources() {
        let kb = Knowledge::embedded().unwrap();
        assert!(kb.alarms.alarm.len() > 20);
        assert!(!kb.signatures.signature.is_empty());
        assert!(!kb.rules.rule.is_empty());
        assert_eq!(kb.dangling_sources(), Vec::<String>::new());
    }

    #[test]
    fn a_folder_overrides_one_file_and_keeps_the_rest() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        std::fs::write(
            dir.join("rules.toml"),
            "version = 1\n[[rule]]\nid = \"only\"\ntype = \"impact\"\n",
        )
        .unwrap();
        let kb = Knowledge::load(Some(&dir)).unwrap();
        assert_eq!(kb.rules.rule.len(), 1);
        assert!(
            kb.alarms.alarm.len() > 20,
            "other files stay the shipped ones"
        );
        std::fs::write(dir.join("alarms.toml"), "[[alarm]]\nname = 3\n").unwrap();
        let err = Knowledge::load(Some(&dir)).unwrap_err();
        assert!(err.to_string().contains("alarms.toml"), "{err}");
    }

    #[test]
    fn counters_map_to_metric_classes_by_pattern() {
        let kb = Knowledge::embedded().unwrap();
        assert_eq!(
            kb.metric_class("Processor(_Total)\\% CPU Time")
                .unwrap()
                .metric,
            "cpu_percent"
        );
        assert_eq!(
            kb.metric_class("Physical Disk Adapter(vmhba2)\\Average Driver MilliSec/Command")
                .unwrap()
                .metric,
            "disk_latency_ms"
        );
        assert!(kb.metric_class("Cisco TFTP\\Requests").is_none());
        assert!(glob_match("a*c*e", "ABCDE") && !glob_match("a*c", "abd"));
    }

    #[test]
    fn codes_decode_by_alarm_name_and_signatures_match_by_reason() {
        let kb = Knowledge::embedded().unwrap();
        assert_eq!(
            kb.decode(
                Some("EndPointUnregistered"),
                "device_unregistered",
                "Reason",
                "13"
            ),
            Some("KeepAliveTimeout")
        );
        let sig = kb.signature(
            "ccm",
            "CallManager unable to process signals. This may be due to CPU",
            "IntentionalAbort <- CMProcMon::monitorThread",
        );
        assert!(sig.is_some_and(|s| s.hang));
    }
}
