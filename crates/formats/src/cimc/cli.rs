//! The `cimc-cli` format: captures of the Cisco UCS C-series CIMC CLI.
//!
//! Read from public captures (see `docs/formats/cimc.md`): the prompt
//! `<host>[ /<scope>] # <command>` (or bare `scope ...` / `show ...` lines),
//! the fixed-width tables of `show storageadapter`, `show virtual-drive`,
//! `show physical-drive` and `show fault-entries`, and the `key: value` blocks
//! of `show detail`, `show virtual-drive detail`, `show fault-entries detail`.
//!
//! Every table row or detail block becomes one `hardware_fault` state event
//! with no time (the CLI does not print one; fault entries carry their own):
//! fields `component`, `state` (the status as printed, lower-case with `_`
//! for spaces, e.g. `optimal`, `degraded`, `moderate_fault`), `health`,
//! `status`, `unit`, `controller`, `source` (`cli-table` / `cli-detail`).
//! The storage adapter's `Battery Status` column also gives a `bbu` row.
//! The prompt's host name is the file's host.
//!
//! UNCONFIRMED (no public capture found; parsed tolerantly as `key: value`
//! blocks): `show bbu [detail]`, `show sel` / `show entries` (SEL lines are
//! read like fault entries, with `state` = `asserted` / `deasserted` when the
//! description says so), `show physical-drive detail`.

use super::fault;
use super::table::{is_rule, Columns};
use crate::format::{FileContext, Format, Head, Line, LineParser, Output};
use crate::timeparse::parse_ymd_hms;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{DateSource, EntityKind, Fact, Kind, RawEvent, RawTime, Severity};

/// The CIMC CLI capture format.
pub(crate) struct CimcCli;

static PROMPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z0-9][A-Za-z0-9_.\-]*)(?:\s+(/[A-Za-z0-9_./\-]*))?\s*#\s?(.*)$").unwrap()
});
static BARE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(scope|show|top|exit|commit)(\s+.*)?$").unwrap());
static BLOCK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s{0,2}(PCI Slot|Virtual Drive|Physical Drive(?: Number)?|Controller|Battery Backup Unit|Fault Engine Log|SEL Entry|SEL Information|Name|Disk)(?:\s+([^:]*?))?\s*:\s*$")
        .unwrap()
});
static KV: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s+([A-Za-z][A-Za-z0-9 ()/#._\-]*?)\s*:\s?(.*?)\s*$").unwrap());

const ADAPTER: &[&str] = &[
    "PCI Slot",
    "Health",
    "Controller Status",
    "ROC Temperature",
    "Product Name",
    "Serial Number",
    "Firmware Package Build",
    "Product ID",
    "Battery Status",
    "Cache Memory Size",
    "Boot Drive is PD",
    "Boot Drive",
];
const VIRTUAL: &[&str] = &[
    "Virtual Drive",
    "Health",
    "Status",
    "Name",
    "Size",
    "RAID Level",
    "Boot Drive",
];
const PHYSICAL: &[&str] = &[
    "Physical Drive Number",
    "Controller",
    "Device ID",
    "Health",
    "Status",
    "Boot Drive",
    "Manufacturer",
    "Model",
    "Predictive Failure Count",
    "Drive Firmware",
    "Type",
    "Physical Block Size",
    "Block Size",
    "Negotiated Link Speed",
    "Locator LED",
    "FDE Capable",
    "FDE Enabled",
    "FDE Secured",
    "FDE Locked",
    "Coerced Size",
];
const LOG: &[&str] = &["Time", "Severity", "Description"];

/// Which table a header opened.
#[derive(Clone, Copy, Debug, PartialEq)]
enum TableKind {
    Adapter,
    Virtual,
    Physical,
    Log,
}

fn table_kind(line: &str) -> Option<(TableKind, &'static [&'static str])> {
    let t = line.trim_start();
    let has = |w: &str| line.contains(w);
    if t.starts_with("PCI Slot") && has("Health") {
        Some((TableKind::Adapter, ADAPTER))
    } else if t.starts_with("Virtual Drive") && has("Health") {
        Some((TableKind::Virtual, VIRTUAL))
    } else if t.starts_with("Physical Drive Number") && has("Status") {
        Some((TableKind::Physical, PHYSICAL))
    } else if t.starts_with("Time") && has("Severity") && has("Description") {
        Some((TableKind::Log, LOG))
    } else {
        None
    }
}

impl Format for CimcCli {
    fn name(&self) -> &'static str {
        "cimc-cli"
    }
    fn description(&self) -> &'static str {
        "Cisco UCS C-series CIMC CLI captures: show storageadapter, virtual-drive, physical-drive, bbu, fault-entries, detail"
    }
    fn example(&self) -> &'static str {
        "BoulderUCSC /chassis/storageadapter # show virtual-drive"
    }
    fn detect(&self, head: &Head<'_>) -> u8 {
        // A CIMC prompt shows a scope path or runs `scope ...`; a bare
        // `host# show ...` could be another Cisco CLI, so it counts less.
        let (mut strong, mut weak) = (0, 0);
        for l in &head.lines {
            let Some(c) = PROMPT.captures(l) else {
                continue;
            };
            let cmd = c.get(3).map_or("", |m| m.as_str()).trim_start();
            if c.get(2).is_some() || cmd.starts_with("scope ") {
                strong += 1;
            } else if cmd.starts_with("show ") {
                weak += 1;
            }
        }
        let tables = head.count(|l| table_kind(l).is_some());
        let blocks = head.count(|l| BLOCK.is_match(l));
        let scopes = head.count(|l| {
            let t = l.trim();
            t.starts_with("scope chassis")
                || t.starts_with("scope storageadapter")
                || t == "scope fault"
        });
        let content = tables + blocks;
        match () {
            _ if strong > 0 => 90,
            _ if content > 0 && (scopes > 0 || weak > 0) => 85,
            _ if content > 0 => 60,
            _ if weak > 0 => 20,
            _ => 0,
        }
    }
    fn parser(&self, _ctx: &FileContext) -> Box<dyn LineParser> {
        Box::new(CimcCliParser::default())
    }
}

/// A `key: value` block being read.
#[derive(Default)]
struct Block {
    kind: String,
    id: String,
    no: u64,
    text: String,
    fields: Vec<(String, String)>,
}

#[derive(Default)]
struct CimcCliParser {
    host: Option<String>,
    command: String,
    /// Adapter named by `scope storageadapter <slot>`.
    adapter: Option<String>,
    /// The prompt's scope path (`/chassis/storageadapter`).
    scope: String,
    /// Adapters listed by `show storageadapter` or `show detail`.
    adapters_seen: Vec<String>,
    table: Option<(TableKind, Columns, String)>,
    block: Option<Block>,
}

impl LineParser for CimcCliParser {
    fn line(&mut self, line: Line<'_>, out: &mut Output) {
        let text = line.text;
        if text.trim().is_empty() {
            return;
        }
        if let Some(c) = PROMPT.captures(text) {
            let cmd = c.get(3).map_or("", |m| m.as_str()).trim();
            if cmd.is_empty() || BARE.is_match(cmd) {
                self.end_block(out);
                let host = c[1].to_string();
                self.scope = c.get(2).map_or("", |m| m.as_str()).to_string();
                if self.host.as_deref() != Some(host.as_str()) {
                    out.fact(Fact::FileHost { host: host.clone() });
                    self.host = Some(host);
                }
                self.command(cmd);
                out.understood();
                return;
            }
        }
        if BARE.is_match(text) {
            self.end_block(out);
            self.command(text.trim());
            out.understood();
            return;
        }
        if let Some((kind, known)) = table_kind(text) {
            self.end_block(out);
            if let Some(cols) = Columns::from_header(text, known) {
                self.table = Some((kind, cols, text.to_string()));
                out.understood();
                return;
            }
        }
        if is_rule(text) {
            if let Some((kind, named, header)) = self.table.take() {
                if let Some(cols) = Columns::from_rule(&header, text, Some(&named)) {
                    self.table = Some((kind, cols, header));
                    out.understood();
                    return;
                }
            }
            out.understood();
            return;
        }
        if let Some(c) = BLOCK.captures(text) {
            self.end_block(out);
            self.table = None;
            self.block = Some(Block {
                kind: c[1].to_string(),
                id: c.get(2).map_or("", |m| m.as_str()).trim().to_string(),
                no: line.no,
                text: text.trim().to_string(),
                fields: Vec::new(),
            });
            out.understood();
            return;
        }
        if let Some(c) = KV.captures(text) {
            let block = self.block.get_or_insert_with(|| Block {
                no: line.no,
                text: text.trim().to_string(),
                ..Block::default()
            });
            block
                .fields
                .push((c[1].trim().to_string(), c[2].to_string()));
            out.understood();
            return;
        }
        if let Some((kind, cols, _)) = &self.table {
            let row = cols.cut(text);
            let events = self.table_row(*kind, line.no, text, &row);
            if !events.is_empty() {
                events.into_iter().for_each(|ev| out.emit(ev));
                out.understood();
            }
        }
    }

    fn finish(&mut self, out: &mut Output) {
        self.end_block(out);
    }
}

impl CimcCliParser {
    fn command(&mut self, cmd: &str) {
        self.table = None;
        let lower = cmd.to_ascii_lowercase();
        let words: Vec<&str> = cmd.split_whitespace().collect();
        match words.as_slice() {
            ["scope", "storageadapter", slot, ..] => self.adapter = Some(slot.to_string()),
            ["top"] | ["scope", "chassis"] => self.adapter = None,
            _ => {}
        }
        if lower.starts_with("show") {
            self.command = lower;
        }
    }

    fn note_adapter(&mut self, slot: &str) {
        if !self.adapters_seen.iter().any(|a| a == slot) {
            self.adapters_seen.push(slot.to_string());
        }
    }

    /// The adapter the current scope is in: named by `scope storageadapter`,
    /// or, inside an adapter scope, the only adapter the capture lists (with
    /// the reason, for a `controller_basis` field).
    fn current_adapter(&self) -> (Option<String>, Option<&'static str>) {
        if let Some(a) = &self.adapter {
            return (Some(a.clone()), None);
        }
        if self.scope.contains("storageadapter") && self.adapters_seen.len() == 1 {
            return (
                Some(self.adapters_seen[0].clone()),
                Some("the only storage adapter the capture lists"),
            );
        }
        (None, None)
    }

    fn basis(&self, basis: Option<&str>, ev: RawEvent) -> RawEvent {
        match basis {
            Some(b) => ev.with_field("controller_basis", b),
            None => ev,
        }
    }

    fn server(&self, mut ev: RawEvent) -> RawEvent {
        if let Some(h) = &self.host {
            ev = ev.with_field("server", h);
        }
        ev
    }

    fn table_row(
        &mut self,
        kind: TableKind,
        no: u64,
        text: &str,
        row: &[(String, String)],
    ) -> Vec<RawEvent> {
        self.table_row_events(kind, no, text, row)
            .unwrap_or_default()
    }

    fn table_row_events(
        &mut self,
        kind: TableKind,
        no: u64,
        text: &str,
        row: &[(String, String)],
    ) -> Option<Vec<RawEvent>> {
        let get = |k: &str| {
            row.iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
        };
        match kind {
            TableKind::Adapter => {
                let slot = get("PCI Slot")?;
                self.note_adapter(slot);
                let mut v = vec![self.server(state_event(
                    no,
                    text,
                    "storage_controller",
                    slot,
                    Some(slot),
                    get("Health"),
                    get("Controller Status"),
                    row,
                    "cli-table",
                ))];
                if let Some(bbu) = get("Battery Status") {
                    v.push(self.server(battery_of_adapter(no, text, slot, bbu, "cli-table")));
                }
                Some(v)
            }
            TableKind::Virtual => {
                let vd = get("Virtual Drive")?;
                let (adapter, basis) = self.current_adapter();
                Some(vec![self.basis(
                    basis,
                    self.server(state_event(
                        no,
                        text,
                        "virtual_drive",
                        vd,
                        adapter.as_deref(),
                        get("Health"),
                        get("Status"),
                        row,
                        "cli-table",
                    )),
                )])
            }
            TableKind::Physical => {
                let pd = get("Physical Drive Number")?;
                let (adapter, basis) = self.current_adapter();
                let (controller, basis) = match get("Controller") {
                    Some(c) => (Some(c.to_string()), None),
                    None => (adapter, basis),
                };
                Some(vec![self.basis(
                    basis,
                    self.server(state_event(
                        no,
                        text,
                        "physical_drive",
                        pd,
                        controller.as_deref(),
                        get("Health"),
                        get("Status"),
                        row,
                        "cli-table",
                    )),
                )])
            }
            TableKind::Log => {
                let time = get("Time")?;
                let desc = get("Description")?.trim_matches('"');
                Some(vec![self.server(log_event(
                    no,
                    text,
                    time,
                    get("Severity"),
                    desc,
                    None,
                    None,
                    &self.command,
                ))])
            }
        }
    }

    fn end_block(&mut self, out: &mut Output) {
        let Some(b) = self.block.take() else { return };
        let get = |k: &str| {
            b.fields
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
        };
        let ev = match b.kind.as_str() {
            "Fault Engine Log" | "SEL Entry" => {
                let Some(time) = get("Time") else {
                    out.problem(b.no, "CIMC fault entry without a Time line: skipped");
                    return;
                };
                let desc = get("Description").unwrap_or("").trim_matches('"');
                let mut ev = log_event(
                    b.no,
                    &b.text,
                    time,
                    get("Severity"),
                    desc,
                    get("Code"),
                    get("Cause"),
                    &self.command,
                );
                if let Some(dn) = get("DN") {
                    ev = fault::with_dn(ev, dn);
                    let component = fault::component_of(Some(dn), desc);
                    ev = ev.with_field("component", component);
                }
                ev
            }
            "PCI Slot" => {
                self.note_adapter(&b.id);
                state_event(
                    b.no,
                    &b.text,
                    "storage_controller",
                    &b.id,
                    Some(&b.id),
                    get("Health"),
                    get("Controller Status"),
                    &b.fields,
                    "cli-detail",
                )
            }
            "Virtual Drive" => state_event(
                b.no,
                &b.text,
                "virtual_drive",
                &b.id,
                self.adapter.as_deref(),
                get("Health"),
                get("Status"),
                &b.fields,
                "cli-detail",
            ),
            k if k.starts_with("Physical Drive") => state_event(
                b.no,
                &b.text,
                "physical_drive",
                &b.id,
                get("Controller").or(self.adapter.as_deref()),
                get("Health"),
                get("Status"),
                &b.fields,
                "cli-detail",
            ),
            _ if self.command.contains("bbu")
                || get("BBU Status").is_some()
                || get("Battery Type").is_some()
                || b.kind == "Battery Backup Unit" =>
            {
                // `show bbu detail`: `Controller MRAID:` then `BBU Health`,
                // `BBU Status` (iserver sample); other keys are UNCONFIRMED.
                let status = get("BBU Status")
                    .or(get("Battery Status"))
                    .or(get("Status"))
                    .or(get("Charging State"));
                let health = get("BBU Health").or(get("Health"));
                let unit = if b.id.is_empty() { "bbu" } else { &b.id };
                let controller = get("Controller")
                    .or(Some(b.id.as_str()).filter(|s| !s.is_empty()))
                    .or(self.adapter.as_deref());
                state_event(
                    b.no,
                    &b.text,
                    "bbu",
                    unit,
                    controller,
                    health,
                    status,
                    &b.fields,
                    "cli-detail",
                )
            }
            "Name"
                if b.id.to_ascii_uppercase().starts_with("PSU") || self.command.contains("psu") =>
            {
                state_event(
                    b.no,
                    &b.text,
                    "psu",
                    &b.id,
                    None,
                    None,
                    get("Status"),
                    &b.fields,
                    "cli-detail",
                )
            }
            "Name" if b.id.to_ascii_uppercase().starts_with("HDD") => {
                // `show hdd detail`: the drive bay's presence sensor.
                let bay = b.id.trim_end_matches("_STATUS");
                state_event(
                    b.no,
                    &b.text,
                    "physical_drive",
                    bay,
                    None,
                    None,
                    get("Status"),
                    &b.fields,
                    "cli-detail",
                )
            }
            "SEL Information" => {
                // A full SEL records nothing more.
                let state = get("Capacity").unwrap_or("unknown");
                state_event(
                    b.no,
                    &b.text,
                    "sel_log",
                    "SEL",
                    None,
                    None,
                    Some(state),
                    &b.fields,
                    "cli-detail",
                )
            }
            _ => {
                // `key: value` lines of a command this parser does not model.
                return;
            }
        };
        out.emit(self.server(ev));
        if b.kind == "PCI Slot" {
            if let Some(bbu) = get("Battery Status") {
                let ev = battery_of_adapter(b.no, &b.text, &b.id, bbu, "cli-detail");
                out.emit(self.server(ev));
            }
        }
    }
}

/// `Moderate Fault` → `moderate_fault`.
pub(crate) fn normalise(s: &str) -> String {
    s.trim()
        .to_ascii_lowercase()
        .split(|c: char| c.is_whitespace() || c == '-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// Values that say "healthy" in the public captures; used only to choose
/// the event's display severity (the knowledge base decodes states).
fn looks_healthy(health: Option<&str>, state: &str) -> bool {
    let good_health = health.is_none_or(|h| h.eq_ignore_ascii_case("good"));
    good_health && matches!(state, "optimal" | "online" | "good" | "ok")
}

#[allow(clippy::too_many_arguments)]
fn state_event(
    no: u64,
    text: &str,
    component: &str,
    unit: &str,
    controller: Option<&str>,
    health: Option<&str>,
    status: Option<&str>,
    all: &[(String, String)],
    source: &str,
) -> RawEvent {
    let state = status
        .map(normalise)
        .or_else(|| health.map(normalise))
        .unwrap_or_else(|| "unknown".into());
    let severity = if looks_healthy(health, &state) {
        Severity::Info
    } else {
        Severity::Warning
    };
    let mut summary = format!(
        "{component} {unit}: {}",
        status.unwrap_or("status not shown")
    );
    if let Some(h) = health {
        summary.push_str(&format!(" (health {h})"));
    }
    let mut ev = RawEvent::new(no, text.trim(), Kind::HardwareFault, summary)
        .with_severity(severity)
        .with_field("component", component)
        .with_field("state", &state)
        .with_field("unit", unit)
        .with_field("source", source);
    if let Some(c) = controller {
        ev = ev
            .with_field("controller", c)
            .with_entity(EntityKind::Device, format!("{c}/{component}/{unit}"));
    } else {
        ev = ev.with_entity(EntityKind::Device, format!("{component}/{unit}"));
    }
    if let Some(h) = health {
        ev = ev.with_field("health", h);
    }
    if let Some(s) = status {
        ev = ev.with_field("status", s);
    }
    for (k, v) in all {
        if !v.is_empty() {
            ev = ev.with_field(format!("col:{k}"), v);
        }
    }
    ev
}

fn battery_of_adapter(no: u64, text: &str, slot: &str, status: &str, source: &str) -> RawEvent {
    state_event(
        no,
        text,
        "bbu",
        slot,
        Some(slot),
        None,
        Some(status),
        &[],
        source,
    )
}

/// A fault-entry or SEL line (timed).
#[allow(clippy::too_many_arguments)]
fn log_event(
    no: u64,
    text: &str,
    time: &str,
    severity: Option<&str>,
    desc: &str,
    code: Option<&str>,
    cause: Option<&str>,
    command: &str,
) -> RawEvent {
    let raw_time = match parse_ymd_hms(time) {
        Some(dt) => RawTime::Local(dt, DateSource::Line),
        None => RawTime::Unknown,
    };
    let (sensor, rest) = match desc.split_once(':') {
        Some((s, r)) if !s.contains(' ') => (Some(s.trim()), r.trim()),
        _ => (None, desc),
    };
    let lower = desc.to_ascii_lowercase();
    let state = if lower.contains("was deasserted") {
        "deasserted"
    } else if lower.contains("was asserted") {
        "asserted"
    } else {
        fault::fault_state(severity, cause, desc)
    };
    let component = fault::component_of_text(desc);
    let source =
        if command.contains("sel") || command.contains("entries") && !command.contains("fault") {
            "sel"
        } else {
            "fault-entries"
        };
    let sev = severity
        .and_then(fault::severity_of_word)
        .unwrap_or(Severity::Warning);
    let sev = if state == "cleared" || state == "deasserted" {
        Severity::Info
    } else {
        sev
    };
    let mut ev = RawEvent::new(
        no,
        text.trim(),
        Kind::HardwareFault,
        format!("CIMC {component} {state}: {desc}"),
    )
    .at(raw_time.clone())
    .with_severity(sev)
    .with_field("component", component)
    .with_field("state", state)
    .with_field("description", rest)
    .with_field("source", source);
    if matches!(raw_time, RawTime::Unknown) {
        ev = ev.with_field("time_as_printed", time);
    }
    if let Some(s) = severity {
        ev = ev.with_field("severity", s);
    }
    if let Some(s) = sensor {
        ev = ev.with_field("sensor", s);
    }
    if let Some(c) = code {
        ev = ev.with_field("code", c);
    }
    if let Some(c) = cause {
        ev = ev.with_field("cause", c);
    }
    ev
}
