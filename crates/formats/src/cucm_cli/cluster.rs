//! `show network cluster` and `show network cluster status` (formats.md §4.1):
//! the old layout ` <ip> <fqdn> <short> <role> <auth state>[ using TCP] since <ctime>`,
//! the 10.x–15 layout with `<product> <DBPub|DBSub>` columns, and rows with
//! only an IP and a short name; then the `Server Table (processnode) Entries`
//! section and the `Dynamic Cluster Configuration` trailer.

use super::{is_ipv4, parse_loose, Capture, Section};
use crate::format::Output;
use uctriage_core::{DateSource, EntityKind, Fact, Kind, RawEvent, RawTime, Severity};

/// One parsed cluster row.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Row {
    pub(crate) ip: String,
    pub(crate) fqdn: Option<String>,
    pub(crate) short: String,
    pub(crate) role: String,
    pub(crate) product: Option<String>,
    pub(crate) db_role: Option<String>,
    pub(crate) state: String,
    pub(crate) transport: Option<String>,
    pub(crate) since: Option<String>,
}

/// Is this line a cluster row?
pub(crate) fn is_row(text: &str) -> bool {
    parse_row(text).is_some()
}

fn is_role(tok: &str) -> bool {
    tok.eq_ignore_ascii_case("publisher") || tok.eq_ignore_ascii_case("subscriber")
}

/// Parse a row into its parts (no time parsing).
pub(crate) fn parse_row(text: &str) -> Option<Row> {
    let toks: Vec<&str> = text.split_whitespace().collect();
    if toks.len() < 4 || !is_ipv4(toks[0]) {
        return None;
    }
    let role_at = toks.iter().position(|t| is_role(t))?;
    let (fqdn, short) = match &toks[1..role_at] {
        [short] => (None, short.to_string()),
        [fqdn, short] => (Some(fqdn.to_string()), short.to_string()),
        _ => return None,
    };
    let mut rest = &toks[role_at + 1..];
    let mut row = Row {
        ip: toks[0].into(),
        fqdn,
        short,
        role: toks[role_at].into(),
        ..Row::default()
    };
    let state_at = rest
        .iter()
        .position(|t| is_state_word(t))
        .unwrap_or(rest.len().min(2));
    for t in &rest[..state_at] {
        if t.starts_with("DB") {
            row.db_role = Some(t.to_string());
        } else {
            row.product = Some(t.to_string());
        }
    }
    rest = &rest[state_at..];
    let since_at = rest.iter().position(|t| *t == "since");
    if let Some(i) = since_at {
        row.since = Some(rest[i + 1..].join(" "));
        rest = &rest[..i];
    }
    if let Some(i) = rest.iter().position(|t| *t == "using") {
        row.transport = rest.get(i + 1).map(|s| s.to_string());
        rest = &rest[..i];
    }
    row.state = rest.join(" ");
    (!row.state.is_empty()).then_some(row)
}

fn is_state_word(t: &str) -> bool {
    let l = t.to_ascii_lowercase();
    l == "authenticated" || l == "not" || l == "unauthenticated" || l == "pending"
}

/// The cluster section: rows, then the processnode table.
#[derive(Default)]
pub(crate) struct ClusterSection {
    in_processnode: bool,
}

impl Section for ClusterSection {
    fn line(&mut self, no: u64, text: &str, _cap: &mut Capture, out: &mut Output) -> bool {
        let t = text.trim();
        if t.starts_with("Server Table (processnode) Entries") {
            self.in_processnode = true;
            return true;
        }
        if t.starts_with("Dynamic Cluster Configuration") || t.chars().all(|c| c == '-') {
            return true;
        }
        if let Some(row) = parse_row(text) {
            emit_row(no, text, &row, out);
            return true;
        }
        // Processnode entries: one host name or address per line.
        self.in_processnode && !t.contains(' ')
    }

    fn blank(&mut self, _no: u64, _cap: &mut Capture, _out: &mut Output) {}
}

fn emit_row(no: u64, text: &str, row: &Row, out: &mut Output) {
    let short = row.short.as_str();
    if let Some(fqdn) = &row.fqdn {
        out.fact(Fact::HostAlias {
            host: short.into(),
            alias: fqdn.clone(),
        });
    }
    out.fact(Fact::HostAlias {
        host: short.into(),
        alias: row.ip.clone(),
    });
    out.fact(Fact::HostRole {
        host: short.into(),
        role: row.role.clone(),
    });
    let authenticated = row.state.eq_ignore_ascii_case("authenticated");
    let time = match &row.since {
        Some(s) => match parse_loose(s) {
            Some((dt, _)) => RawTime::Local(dt, DateSource::Line),
            None => {
                out.problem(no, format!("`since` time not understood: {s}"));
                RawTime::Unknown
            }
        },
        None => RawTime::Unknown,
    };
    let summary = match &row.since {
        Some(s) => format!("{short} {} since {s}", row.state),
        None => format!("{short} {}", row.state),
    };
    let mut ev = RawEvent::new(no, text.trim(), Kind::ClusterAuth, summary)
        .at(time)
        .on_host(short)
        .with_severity(if authenticated {
            Severity::Info
        } else {
            Severity::Error
        })
        .with_entity(EntityKind::Node, short)
        .with_field("node", short)
        .with_field("ip", &row.ip)
        .with_field("role", &row.role)
        .with_field("state", &row.state);
    let optional = [
        ("fqdn", &row.fqdn),
        ("transport", &row.transport),
        ("since", &row.since),
        ("product", &row.product),
        ("db_role", &row.db_role),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            ev = ev.with_field(k, v);
        }
    }
    out.emit(ev);
}
