//! `utils dbreplication runtimestate` (formats.md §4.4: CUCM 8.6/9, 10.0 with
//! TABs, 10.5 flattened, 15) and `utils dbreplication status` (§4.5).
//!
//! Rows are parsed by tokens, never by columns: `<name> <ip> <ping> ...
//! [(g_N)] [(S)] <setup text>`. `Server Time:` is the host's local time; its
//! zone abbreviation is kept in `zone_abbrev` and never used as a zone.
//!
//! The header (`Cluster Replication State:`, `Sync Result`, `Sync Status`,
//! `Replication status command COMPLETED n tables checked out of m`,
//! `Last Completed Table:`, `No Errors or Mismatches found.` /
//! `Errors or Mismatches Were Found`, `DB Version`, `Repltimeout set to`,
//! `PROCESS option set to`) makes one `Replication` event with
//! `role = cluster_summary` at the Server Time: `cluster_state` (as printed),
//! `check_started` (`YYYY-MM-DD-HH-MM`, local), `check_state`
//! (completed|in_progress|as printed), `tables_checked`, `tables_total`,
//! `last_completed_table`, `errors` (none|found), `sync_result`,
//! `sync_status`, `db_version`, `repl_timeout`, `process_option`,
//! `view_from`. Node rows keep their own events (`role = node_row`).

use super::{is_ipv4, parse_loose, Capture, Section};
use crate::format::Output;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::jiff::civil::DateTime;
use uctriage_core::{DateSource, EntityKind, Kind, RawEvent, RawTime, Severity};

static HEADERS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^\s*(?:cluster\s+replication\s+state|sync\s+(?:result|status|errors)|use\s+cli\s+to\s+see|db\s+version
        |repltimeout|process\s+option|replication\s+status\s+command|no\s+errors\s+or\s+mismatches
        |server-name|ping\b|\(msec\)|replication\s+status\s+check|please\s+use\s|the\s+final\s+output
        |use\s+command|output\s+is\s+in\s+file|cluster\s+replication\s+state
        |db\s+and\s+replication\s+services|errors\s+or\s+mismatches\s+were\s+found|number\s+of\s+replicated\s+tables)",
    )
    .unwrap()
});
static DETAILED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*Cluster Detailed View from (\S+) \(([0-9]+) Servers?\):").unwrap()
});
static OUT_FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(?:\S*/)?ReplicationStatus\.([0-9]{4})_([0-9]{2})_([0-9]{2})_([0-9]{2})_([0-9]{2})_([0-9]{2})\.out\b",
    )
    .unwrap()
});
static SUMMARY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?ix)^\s*(?:
        cluster\s+replication\s+state\s*:\s*(?P<cluster>.*?)
        |sync\s+result\s*:\s*(?P<result>.*?)
        |sync\s+status\s*:\s*(?P<status>.*?)
        |replication\s+status\s+command\s+(?P<check>[A-Z][A-Z_ ]*?)\s+(?P<checked>[0-9]+)\s+tables\s+checked\s+out\s+of\s+(?P<total>[0-9]+)
        |last\s+completed\s+table\s*:\s*(?P<last>\S+)
        |(?P<none>no\s+errors\s+or\s+mismatches\s+found)
        |(?P<found>errors\s+or\s+mismatches\s+were\s+found)
        |db\s+version\s*:\s*(?P<db>\S+)
        |repltimeout\s+set\s+to\s*:\s*(?P<timeout>\S+)
        |process\s+option\s+set\s+to\s*:\s*(?P<process>\S+)
        )\s*\.?\s*$").unwrap()
});
static STARTED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)started\s+at\s*:\s*([0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}-[0-9]{2})").unwrap()
});
static STATE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\(([0-4]|-)\)$").unwrap());
static GROUP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\(g_[0-9]+\)$").unwrap());

/// A line that opens runtimestate output.
pub(crate) fn is_start(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with("Server Time:")
        || t.starts_with("Cluster Replication State:")
        || DETAILED.is_match(t)
}

/// The replication section.
#[derive(Default)]
pub(crate) struct DbReplSection {
    server_time: Option<(DateTime, Option<String>)>,
    view_from: Option<String>,
    out_files: Vec<String>,
    summary: Vec<(&'static str, String)>,
    summary_line: Option<(u64, String)>,
}

impl Section for DbReplSection {
    fn line(&mut self, no: u64, text: &str, cap: &mut Capture, out: &mut Output) -> bool {
        let t = text.trim();
        if let Some(rest) = t.strip_prefix("Server Time:") {
            match parse_loose(rest) {
                Some((dt, zone)) => {
                    self.server_time = Some((dt, zone));
                    cap.now = Some((dt, no));
                }
                None => out.problem(no, format!("`Server Time` not understood: {}", rest.trim())),
            }
            return true;
        }
        if let Some(c) = DETAILED.captures(t) {
            self.view_from = Some(c[1].to_string());
            return true;
        }
        if let Some(m) = OUT_FILE.captures(t) {
            self.status_file(no, t, &m, out);
            return true;
        }
        if let Some(c) = SUMMARY.captures(t) {
            self.summary_line(no, t, &c);
            return true;
        }
        if HEADERS.is_match(t) || t.chars().all(|c| c == '-' || c.is_whitespace()) {
            return true;
        }
        self.row(no, t, out)
    }

    fn finish(&mut self, _cap: &mut Capture, out: &mut Output) {
        let Some((no, text)) = self.summary_line.take() else {
            return;
        };
        let get = |k: &str| self.summary.iter().find(|f| f.0 == k).map(|f| f.1.as_str());
        let mut summary = String::from("replication cluster state");
        if let (Some(c), Some(t)) = (get("tables_checked"), get("tables_total")) {
            summary.push_str(&format!(
                ": status check {} {c}/{t} tables",
                get("check_state").unwrap_or("?")
            ));
        } else if let Some(s) = get("cluster_state") {
            summary.push_str(&format!(": {s}"));
        }
        match get("errors") {
            Some("found") => summary.push_str(", errors or mismatches found"),
            Some("none") => summary.push_str(", no errors"),
            _ => {}
        }
        let bad = get("errors") == Some("found");
        let mut ev = RawEvent::new(no, &text, Kind::Replication, summary)
            .with_field("role", "cluster_summary")
            .with_severity(if bad {
                Severity::Warning
            } else {
                Severity::Info
            });
        if let Some(v) = &self.view_from {
            ev = ev.with_field("view_from", v).on_host(v);
        }
        if let Some((dt, zone)) = &self.server_time {
            ev = ev.at(RawTime::Local(*dt, DateSource::Header));
            if let Some(z) = zone {
                ev = ev.with_field("zone_abbrev", z);
            }
        }
        for (k, v) in self.summary.drain(..) {
            ev = ev.with_field(k, v);
        }
        out.emit(ev);
    }
}

impl DbReplSection {
    fn put(&mut self, k: &'static str, v: &str) {
        self.summary.retain(|f| f.0 != k);
        self.summary.push((k, v.trim().to_string()));
    }

    fn summary_line(&mut self, no: u64, text: &str, c: &regex::Captures<'_>) {
        self.summary_line.get_or_insert((no, text.to_string()));
        let names = [
            ("cluster", "cluster_state"),
            ("result", "sync_result"),
            ("status", "sync_status"),
            ("last", "last_completed_table"),
            ("db", "db_version"),
            ("timeout", "repl_timeout"),
            ("process", "process_option"),
            ("checked", "tables_checked"),
            ("total", "tables_total"),
        ];
        for (group, key) in names {
            if let Some(m) = c.name(group) {
                self.put(key, m.as_str());
            }
        }
        if let Some(m) = c.name("cluster") {
            if let Some(s) = STARTED.captures(m.as_str()) {
                self.put("check_started", &s[1]);
            }
        }
        if let Some(m) = c.name("check") {
            let state = match m.as_str().to_ascii_lowercase().as_str() {
                "completed" => "completed".to_string(),
                "in progress" | "is in progress" => "in_progress".to_string(),
                other => other.replace(' ', "_"),
            };
            self.put("check_state", &state);
        }
        if c.name("none").is_some() {
            self.put("errors", "none");
        }
        if c.name("found").is_some() {
            self.put("errors", "found");
        }
    }

    fn status_file(&mut self, no: u64, text: &str, c: &regex::Captures<'_>, out: &mut Output) {
        let name = c[0].to_string();
        if self.out_files.contains(&name) {
            return;
        }
        self.out_files.push(name.clone());
        let n: Vec<i64> = (1..=6).filter_map(|i| c[i].parse().ok()).collect();
        let time = crate::timeparse::ymd(n[0], n[1], n[2]).and_then(|d| {
            uctriage_core::jiff::civil::Time::new(n[3] as i8, n[4] as i8, n[5] as i8, 0)
                .ok()
                .map(|t| d.to_datetime(t))
        });
        let mut ev = RawEvent::new(
            no,
            text,
            Kind::Replication,
            format!("replication status check started: {name}"),
        )
        .with_field("output_file", &name);
        match time {
            Some(dt) => ev = ev.at(RawTime::Local(dt, DateSource::Line)),
            None => out.problem(no, format!("impossible date in {name}")),
        }
        out.emit(ev);
    }

    fn row(&mut self, no: u64, text: &str, out: &mut Output) -> bool {
        let toks: Vec<&str> = text.split_whitespace().collect();
        if toks.len() < 3 || !is_ipv4(toks[1]) {
            return false;
        }
        let (server, ip) = (toks[0], toks[1]);
        let mut fields: Vec<(&str, String)> = vec![("server", server.into()), ("ip", ip.into())];
        // The state may follow the address at once when a row lost its
        // middle columns (`sub3 172.30.100.3 (3) DB Active-Failed`).
        let state_at = toks
            .iter()
            .skip(2)
            .position(|t| STATE.is_match(t))
            .map(|i| i + 2);
        if state_at != Some(2) {
            fields.push(("ping_ms", toks[2].into()));
        }
        let end = state_at.unwrap_or(toks.len());
        let middle = &toks[3.min(end)..end];
        middle_fields(middle, &mut fields);
        let mut state = None;
        if let Some(i) = state_at {
            let s = toks[i].trim_matches(|c| c == '(' || c == ')').to_string();
            fields.push(("replication_state", s.clone()));
            fields.push(("state_text", toks[i + 1..].join(" ")));
            state = Some(s);
        }
        let offline = text.to_ascii_lowercase().contains("off-line")
            || text.to_ascii_lowercase().contains("offline");
        let bad = matches!(state.as_deref(), Some("3") | Some("4")) || offline;
        let summary = match fields.iter().find(|f| f.0 == "state_text") {
            Some((_, st)) => format!(
                "{server} replication ({}) {st}",
                state.clone().unwrap_or_default()
            ),
            None => format!("{server} replication row"),
        };
        let mut ev = RawEvent::new(no, text, Kind::Replication, summary)
            .with_field("role", "node_row")
            .on_host(server)
            .with_entity(EntityKind::Node, server)
            .with_severity(if bad { Severity::Error } else { Severity::Info });
        for (k, v) in fields {
            ev = ev.with_field(k, v);
        }
        if let Some(v) = &self.view_from {
            ev = ev.with_field("view_from", v);
        }
        if let Some((dt, zone)) = &self.server_time {
            ev = ev.at(RawTime::Local(*dt, DateSource::Header));
            if let Some(z) = zone {
                ev = ev.with_field("zone_abbrev", z);
            }
        }
        if state.is_none() && !offline {
            out.problem(no, "replication row without a `(state)` column");
        }
        out.emit(ev);
        true
    }
}

/// Columns between ping and the state: DB/RPC/DbMon, queue, group, and the
/// 8.6 STATUS / TABLES / LOOP columns.
fn middle_fields(middle: &[&str], fields: &mut Vec<(&'static str, String)>) {
    let has_group = middle.iter().any(|t| GROUP.is_match(t));
    let mut rest: Vec<&str> = Vec::new();
    for (i, t) in middle.iter().enumerate() {
        if GROUP.is_match(t) {
            fields.push((
                "group",
                t.trim_matches(|c| c == '(' || c == ')').to_string(),
            ));
        } else if i == 0 {
            let key = if t.contains('/') { "dbmon" } else { "rpc" };
            fields.push((key, t.to_string()));
        } else {
            rest.push(t);
        }
    }
    if has_group {
        if let Some(q) = rest.iter().find(|t| t.parse::<u64>().is_ok()) {
            fields.push(("queue", q.to_string()));
        }
        return;
    }
    // 8.6/9.0: RPC? STATUS QUEUE TABLES LOOP?
    let names = ["status", "queue", "tables", "loop"];
    for (k, v) in names.iter().zip(rest.iter()) {
        fields.push((k, v.to_string()));
    }
}
