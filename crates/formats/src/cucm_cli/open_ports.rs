//! `show open ports [regexp <pattern>]`: `Executing.. please wait.`, then
//! lsof-style rows `<command> <pid> <user> <fd> IPv4 <device> <size> TCP
//! <local>[-><remote>] [(<STATE>)]` (NOC-NTP, filtered on 1500: the Informix
//! port the database replication uses; TN 200396 names TCP 1515 for DBL RPC).
//!
//! Rows are grouped into one `Config` event (`table = open_ports`) per
//! (process, protocol, local port, remote host, remote port, state) with
//! `process`, `pid`, `user`, `protocol`, `local`, `local_port`,
//! `remote_host`, `remote_port`, `state` (`LISTEN`, `ESTABLISHED`, ... as
//! printed, `none` when absent) and `connections` (how many rows). A remote
//! host that is not a loopback address is a `Node` entity. Rows of an lsof
//! header (`COMMAND PID USER ...`) are understood; its layout is UNCONFIRMED
//! for CUCM (the public sample has no header).

use super::{Capture, Section};
use crate::format::Output;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{EntityKind, Kind, RawEvent};

static ROW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(\S+)\s+([0-9]+)\s+(\S+)\s+(\S+)\s+(IPv4|IPv6)\s+(\S+)\s+(\S+)\s+(TCP|UDP)\s+(\S+?)(?:\s+\(([A-Z_]+)\))?\s*$")
        .unwrap()
});
static NOISE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:executing\.*\s*please wait\.?|COMMAND\s+PID\s+USER\b)").unwrap()
});

struct Group {
    line: u64,
    text: String,
    key: [String; 6],
    pid: String,
    user: String,
    local: String,
    count: u64,
}

/// The open-ports section.
#[derive(Default)]
pub(crate) struct OpenPortsSection {
    groups: Vec<Group>,
}

/// `host:port` (IPv6 `[::1]:port` too) split at the last colon.
fn split_endpoint(s: &str) -> (&str, &str) {
    match s.rsplit_once(':') {
        Some((h, p)) => (h.trim_matches(['[', ']']), p),
        None => (s, ""),
    }
}

impl Section for OpenPortsSection {
    fn line(&mut self, no: u64, text: &str, _cap: &mut Capture, _out: &mut Output) -> bool {
        if NOISE.is_match(text) {
            return true;
        }
        let Some(c) = ROW.captures(text) else {
            return false;
        };
        let (local, remote) = match c[9].split_once("->") {
            Some((l, r)) => (l, Some(r)),
            None => (&c[9], None),
        };
        let (_, local_port) = split_endpoint(local);
        let (remote_host, remote_port) = remote.map_or(("", ""), split_endpoint);
        let state = c.get(10).map_or("none", |m| m.as_str());
        let key = [
            c[1].to_string(),
            c[8].to_string(),
            local_port.to_string(),
            remote_host.to_string(),
            remote_port.to_string(),
            state.to_string(),
        ];
        // An outgoing connection's local port is ephemeral: group on the remote side.
        let key = if remote.is_some() && state != "LISTEN" {
            [
                key[0].clone(),
                key[1].clone(),
                String::new(),
                key[3].clone(),
                key[4].clone(),
                key[5].clone(),
            ]
        } else {
            key
        };
        match self.groups.iter_mut().find(|g| g.key == key) {
            Some(g) => g.count += 1,
            None => self.groups.push(Group {
                line: no,
                text: text.trim().to_string(),
                key,
                pid: c[2].to_string(),
                user: c[3].to_string(),
                local: local.to_string(),
                count: 1,
            }),
        }
        true
    }

    fn finish(&mut self, cap: &mut Capture, out: &mut Output) {
        for g in self.groups.drain(..) {
            let [process, protocol, _local_port, remote_host, remote_port, state] = g.key;
            let (_, own_port) = split_endpoint(&g.local);
            let summary = if remote_host.is_empty() {
                format!("{process} {protocol} port {own_port} {state}")
            } else {
                format!(
                    "{process} {protocol} to {remote_host}:{remote_port} {state} ({} connections)",
                    g.count
                )
            };
            let mut ev = RawEvent::new(g.line, &g.text, Kind::Config, summary)
                .with_field("table", "open_ports")
                .with_field("process", &process)
                .with_field("pid", &g.pid)
                .with_field("user", &g.user)
                .with_field("protocol", &protocol)
                .with_field("local", &g.local)
                .with_field("local_port", own_port)
                .with_field("state", &state)
                .with_field("connections", g.count.to_string());
            if !remote_host.is_empty() {
                ev = ev
                    .with_field("remote_host", &remote_host)
                    .with_field("remote_port", &remote_port);
                if !remote_host.starts_with("127.") && remote_host != "::1" {
                    ev = ev.with_entity(EntityKind::Node, &remote_host);
                }
            }
            if let Some(t) = cap.capture_time() {
                ev = ev.at(t);
            }
            out.emit(ev);
        }
    }
}
