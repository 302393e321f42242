//! The VOS `system-history.log` (CUCM, IM&P, Unity Connection, UCCX, CER;
//! `file view install system-history.log`): one line per boot, shutdown,
//! restart, install, upgrade or version switch.
//!
//! Layout, from Cisco TechNotes 116717, 215013 and 220970:
//! `MM/DD/YYYY HH:MM:SS | root: <Action> [<version>] <Start|Success|...>[ = <note>]`.
//! CUCM 12.5(1)SU4 and later annotate boots (`Start = OK, prior Shutdown`,
//! `Start = Ungraceful Shutdown, no prior Restart or Shutdown statement`,
//! TechNote 220970).
//!
//! Each line is a `node_lifecycle` event at the node's local time. A boot
//! gets `graceful` = `true` / `false` and `graceful_source` saying how it was
//! decided: the boot line's own annotation, else the record just before it
//! (TechNote 116717: every `root: Boot` must follow `root: Restart`,
//! `Shutdown`, `Install` or `Upgrade`, or the stop was likely unclean), else
//! (a boot that opens the file) nothing is decided.
//!
//! UNCONFIRMED (parsed tolerantly): a header block with `Product Version -`
//! lines (taken as a version fact when present); action words other than the
//! five above (kept as printed, e.g. `switch_version`); the month-first date
//! order holds in every sample but is not documented.

use crate::format::{FileContext, Format, Head, Line, LineParser, Output};
use crate::timeparse::{parse_hms, ymd};
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{DateSource, Fact, Kind, RawEvent, RawTime, Severity};

/// The system-history format.
pub(crate) struct VosHistory;

static RECORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4}) (\d{1,2}:\d{2}:\d{2}) \| ([^:|]+): (.*?)\s*$")
        .unwrap()
});
static VERSION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\d+\.\d+\.\d+\.\d+-[0-9A-Za-z]+\b").unwrap());
static HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(=+|(Product Name|Product Version|Kernel Image|Hostname)\s*-\s*(.*))\s*$")
        .unwrap()
});

/// Phase words that end a record's action.
const PHASES: &[&str] = &[
    "Start",
    "Success",
    "Successful",
    "Failure",
    "Failed",
    "Aborted",
    "Cancelled",
    "Complete",
    "Completed",
    "Stop",
    "End",
];

impl Format for VosHistory {
    fn name(&self) -> &'static str {
        "vos-system-history"
    }
    fn description(&self) -> &'static str {
        "Cisco VOS system-history.log (file view install system-history.log): boots, shutdowns, restarts, installs, upgrades"
    }
    fn example(&self) -> &'static str {
        "07/15/2023 11:14:29 | root: Boot 14.0.1.13900-155 Start = Ungraceful Shutdown, no prior Restart or Shutdown statement"
    }
    fn detect(&self, head: &Head<'_>) -> u8 {
        let records = head.count(|l| RECORD.is_match(l));
        if records == 0 {
            return 0;
        }
        let named = head.name.eq_ignore_ascii_case("system-history.log");
        if named || records * 2 >= head.non_blank() {
            92
        } else {
            30
        }
    }
    fn parser(&self, _ctx: &FileContext) -> Box<dyn LineParser> {
        Box::new(HistoryParser { prior: None })
    }
}

struct HistoryParser {
    /// Action of the previous record (`boot`, `shutdown`, ...).
    prior: Option<String>,
}

impl LineParser for HistoryParser {
    fn line(&mut self, line: Line<'_>, out: &mut Output) {
        let text = line.text;
        if text.trim().is_empty() {
            return;
        }
        if let Some(c) = RECORD.captures(text) {
            self.record(line.no, text, &c, out);
            return;
        }
        if let Some(c) = HEADER.captures(text) {
            if c.get(2).is_some_and(|k| k.as_str() == "Product Version") {
                let v = c[3].trim();
                if !v.is_empty() {
                    out.fact(Fact::Version {
                        host: None,
                        product: "VOS product".into(),
                        version: v.to_string(),
                    });
                }
            }
            out.understood();
            return;
        }
        if text.trim_start().starts_with("admin:") {
            out.understood();
        }
    }
}

impl HistoryParser {
    fn record(&mut self, no: u64, text: &str, c: &regex::Captures<'_>, out: &mut Output) {
        let date = ymd(
            c[3].parse().unwrap_or(0),
            c[1].parse().unwrap_or(0),
            c[2].parse().unwrap_or(0),
        );
        let (Some(date), Some(t)) = (date, parse_hms(&c[4])) else {
            // A record whose date is impossible: reported once, here.
            out.problem(
                no,
                format!(
                    "system-history date not understood: {}/{}/{} {}",
                    &c[1], &c[2], &c[3], &c[4]
                ),
            );
            out.understood();
            return;
        };
        out.understood();
        let user = c[5].trim();
        let (body, note) = match c[6].split_once(" = ") {
            Some((b, n)) => (b.trim(), Some(n.trim())),
            None => (c[6].trim(), None),
        };
        let rec = Record::parse(body);
        let mut ev = RawEvent::new(no, text, Kind::NodeLifecycle, summary(&rec, note))
            .at(RawTime::Local(date.to_datetime(t), DateSource::Line))
            .with_field("action", &rec.action)
            .with_field("subject", "node")
            .with_field("user", user)
            .with_field("source", "system-history.log");
        if let Some(p) = &rec.phase {
            ev = ev.with_field("phase", p);
        }
        if let Some(v) = rec.versions.first() {
            ev = ev.with_field("version", v);
            out.fact(Fact::Version {
                host: None,
                product: "VOS".into(),
                version: rec.versions.last().unwrap_or(v).clone(),
            });
        }
        if let Some(v) = rec.versions.get(1) {
            ev = ev.with_field("to_version", v);
        }
        if let Some(n) = note {
            ev = ev.with_field("note", n);
        }
        if let Some(p) = &self.prior {
            ev = ev.with_field("prior_action", p);
        }
        ev = if rec.action == "boot" {
            self.boot_verdict(ev, note)
        } else {
            ev.with_severity(match rec.action.as_str() {
                "shutdown" | "restart" => Severity::Notice,
                _ if rec.phase.as_deref().is_some_and(is_failure) => Severity::Warning,
                _ => Severity::Info,
            })
        };
        out.emit(ev);
        self.prior = Some(rec.action);
    }

    /// Decide whether the stop before a boot was graceful.
    fn boot_verdict(&self, ev: RawEvent, note: Option<&str>) -> RawEvent {
        let lower = note.map(str::to_ascii_lowercase).unwrap_or_default();
        let (graceful, source) = if lower.contains("ungraceful") {
            (Some(false), "boot line annotation".to_string())
        } else if lower.starts_with("ok") {
            (Some(true), "boot line annotation".to_string())
        } else {
            match self.prior.as_deref() {
                Some(p) if is_clean_stop(p) => (Some(true), format!("previous record is {p}")),
                Some(p) => (
                    Some(false),
                    format!("previous record is {p}, not restart, shutdown, install or upgrade"),
                ),
                None => (
                    None,
                    "first record in the file: nothing before it to decide from".to_string(),
                ),
            }
        };
        let ev = ev.with_field("graceful_source", source);
        match graceful {
            Some(true) => ev
                .with_field("graceful", "true")
                .with_severity(Severity::Notice),
            Some(false) => ev
                .with_field("graceful", "false")
                .with_severity(Severity::Error),
            None => ev.with_severity(Severity::Notice),
        }
    }
}

/// Actions after which a boot is a clean one (TechNote 116717).
fn is_clean_stop(action: &str) -> bool {
    ["restart", "shutdown", "install", "upgrade"]
        .iter()
        .any(|a| {
            action == *a
                || action.starts_with(&format!("{a}_"))
                || action.ends_with(&format!("_{a}"))
        })
}

fn is_failure(phase: &str) -> bool {
    matches!(
        phase.to_ascii_lowercase().as_str(),
        "failure" | "failed" | "aborted" | "cancelled"
    )
}

/// A record's body taken apart.
struct Record {
    action: String,
    phase: Option<String>,
    versions: Vec<String>,
}

impl Record {
    fn parse(body: &str) -> Record {
        let versions: Vec<String> = VERSION
            .find_iter(body)
            .map(|m| m.as_str().to_string())
            .collect();
        let words: Vec<&str> = body.split_whitespace().collect();
        let phase = words
            .iter()
            .rev()
            .find(|w| PHASES.iter().any(|p| p.eq_ignore_ascii_case(w)))
            .map(|w| w.to_string());
        let action_words: Vec<String> = words
            .iter()
            .take_while(|w| {
                !VERSION.is_match(w) && !PHASES.iter().any(|p| p.eq_ignore_ascii_case(w))
            })
            .map(|w| w.to_ascii_lowercase())
            .collect();
        let action = if action_words.is_empty() {
            "other".to_string()
        } else {
            action_words.join("_")
        };
        Record {
            action,
            phase,
            versions,
        }
    }
}

fn summary(rec: &Record, note: Option<&str>) -> String {
    let mut s = format!("VOS {}", rec.action.replace('_', " "));
    if let Some(v) = rec.versions.first() {
        s.push_str(&format!(" {v}"));
    }
    if let Some(p) = &rec.phase {
        s.push_str(&format!(" {}", p.to_ascii_lowercase()));
    }
    if let Some(n) = note {
        s.push_str(&format!(" ({n})"));
    }
    s
}

#[cfg(test)]
mod tests {
    use crate::{detect, parse_reader, FileContext, Head};

    fn parse(name: &str, text: &str) -> crate::ParsedFile {
        let head = Head {
            name,
            lines: text.lines().collect(),
        };
        let fmt = detect(&head).expect("detected");
        assert_eq!(fmt.name(), "vos-system-history");
        parse_reader(Some(fmt), &FileContext::new(name), text.as_bytes())
    }

    #[test]
    fn annotated_boots_say_graceful_or_not_tn220970() {
        let f = parse(
            "system-history.log",
            include_str!("../tests/fixtures/vos_history/tn220970_cucm14.log"),
        );
        assert_eq!(f.understood, f.lines);
        let boots: Vec<_> = f
            .events
            .iter()
            .filter(|e| e.fields.get("action") == Some("boot"))
            .collect();
        assert_eq!(boots.len(), 3);
        assert_eq!(boots[0].fields.get("graceful"), Some("true"));
        assert_eq!(boots[2].fields.get("graceful"), Some("false"));
        assert_eq!(
            boots[2].fields.get("graceful_source"),
            Some("boot line annotation")
        );
        assert_eq!(boots[2].fields.get("version"), Some("14.0.1.13900-155"));
        let shutdown = &f.events[0];
        assert_eq!(shutdown.fields.get("action"), Some("shutdown"));
        assert_eq!(shutdown.fields.get("phase"), Some("Start"));
        assert_eq!(
            shutdown.time,
            uctriage_core::RawTime::Local(
                "2023-06-20T10:22:48".parse().unwrap(),
                uctriage_core::DateSource::Line
            )
        );
    }

    #[test]
    fn boot_after_boot_is_ungraceful_first_boot_undecided_tn116717() {
        let f = parse(
            "history.txt",
            include_str!("../tests/fixtures/vos_history/tn116717_unclean.log"),
        );
        assert_eq!(f.events.len(), 2);
        assert_eq!(f.events[0].fields.get("graceful"), None);
        assert!(f.events[0]
            .fields
            .get("graceful_source")
            .unwrap()
            .starts_with("first record"));
        assert_eq!(f.events[1].fields.get("graceful"), Some("false"));
        assert_eq!(f.events[1].fields.get("prior_action"), Some("boot"));
    }

    #[test]
    fn boot_after_restart_or_upgrade_is_graceful_and_bad_dates_are_reported() {
        let text = "admin:file view install system-history.log\n=======================================\nProduct Version - 10.5.2.15900-8\n=======================================\n09/13/2019 15:20:01 | root: Upgrade 10.5.2.15900-8 Success\n09/13/2019 15:29:01 | root: Boot 10.5.2.15900-8 Start\n09/14/2019 01:00:00 | root: Restart 10.5.2.15900-8 Start\n09/14/2019 01:03:00 | root: Boot 10.5.2.15900-8 Start\n13/45/2019 01:03:00 | root: Boot 10.5.2.15900-8 Start\n";
        let f = parse("system-history.log", text);
        let boots: Vec<_> = f
            .events
            .iter()
            .filter(|e| e.fields.get("action") == Some("boot"))
            .collect();
        assert_eq!(boots.len(), 2);
        assert!(boots
            .iter()
            .all(|b| b.fields.get("graceful") == Some("true")));
        assert_eq!(
            boots[0].fields.get("graceful_source"),
            Some("previous record is upgrade")
        );
        assert_eq!(f.problems.len(), 1);
        assert_eq!(f.problems[0].line, Some(9));
        assert_eq!(f.understood, 9);
        assert_eq!(f.events.len(), 4);
    }
}
