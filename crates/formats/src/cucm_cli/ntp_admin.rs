//! `utils ntp server list` and `utils ntp server add|delete <host>`.
//!
//! `add`/`delete` print one `<host> : [ <message> ]` line per server; the one
//! public sample is a rejection, `172.30.2.174 : [ Inaccessible NTP server. Not
//! added. ]` (NOC-NTP). The list prints the configured servers, one a line;
//! no public sample shows it (UNCONFIRMED): a line holding one host name or
//! address is taken as a server.
//!
//! Events: `Clock` (`role = server_change`: `server`, `action` add|delete,
//! `result` the bracketed message as printed, `accepted` yes|no|unknown from
//! the words `Not added` / `added` / `deleted` in it) and `Config`
//! (`table = ntp_servers`, `server`, `position`) for the list. Both at the
//! capture's local time when the capture states one.

use super::{Capture, Section};
use crate::format::Output;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{Kind, RawEvent, Severity};

static RESULT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*(\S+)\s*:\s*\[\s*(.*?)\s*\]\s*$").unwrap());
static HOST: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*([0-9A-Za-z][0-9A-Za-z_.:\-]*)\s*$").unwrap());

/// `utils ntp server add|delete` output.
pub(crate) struct ServerChangeSection {
    action: &'static str,
}

impl ServerChangeSection {
    /// A section for `add` or `delete`.
    pub(crate) fn new(action: &'static str) -> ServerChangeSection {
        ServerChangeSection { action }
    }
}

impl Section for ServerChangeSection {
    fn line(&mut self, no: u64, text: &str, cap: &mut Capture, out: &mut Output) -> bool {
        let Some(c) = RESULT.captures(text) else {
            return false;
        };
        let (server, result) = (&c[1], &c[2]);
        let lower = result.to_ascii_lowercase();
        let accepted = if lower.contains("not added") || lower.contains("not deleted") {
            "no"
        } else if lower.contains("added") || lower.contains("deleted") {
            "yes"
        } else {
            "unknown"
        };
        let summary = format!("NTP server {} {server}: {result}", self.action);
        let mut ev = RawEvent::new(no, text.trim(), Kind::Clock, summary)
            .with_field("role", "server_change")
            .with_field("server", server)
            .with_field("action", self.action)
            .with_field("result", result)
            .with_field("accepted", accepted)
            .with_severity(if accepted == "no" {
                Severity::Warning
            } else {
                Severity::Info
            });
        if let Some(t) = cap.capture_time() {
            ev = ev.at(t);
        }
        out.emit(ev);
        true
    }
}

/// `utils ntp server list` output.
#[derive(Default)]
pub(crate) struct ServerListSection {
    position: usize,
}

impl Section for ServerListSection {
    fn line(&mut self, no: u64, text: &str, cap: &mut Capture, out: &mut Output) -> bool {
        let Some(c) = HOST.captures(text) else {
            return false;
        };
        self.position += 1;
        let server = &c[1];
        let mut ev = RawEvent::new(
            no,
            text.trim(),
            Kind::Config,
            format!("NTP server configured: {server}"),
        )
        .with_field("table", "ntp_servers")
        .with_field("server", server)
        .with_field("position", self.position.to_string());
        if let Some(t) = cap.capture_time() {
            ev = ev.at(t);
        }
        out.emit(ev);
        true
    }
}
