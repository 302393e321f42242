//! `utils network connectivity [<host>] [port <n>]` (TN 215013, NOC-NTP).
//!
//! `This command can take up to 3 minutes to complete.`, the `Continue (y/n)?`
//! prompt, `Running test, please wait ...`, rows of dots, then
//! `Network connectivity test with <host> completed successfully .`. The only
//! failure text a public source quotes is `Cannot send TCP/UDP packets`
//! (TN 200396); any other line saying `failed` / `unable` / `cannot` is taken
//! as a failure too (UNCONFIRMED wording).
//!
//! One `Ping` event per result (`probe = network_connectivity`, `target`,
//! `port` when the command names one, `result` success|failed, `detail` the
//! line as printed), at the capture's local time when known. No `rtt_ms` and
//! no `lost`: a connectivity test is not a ping sample.

use super::{Capture, Section};
use crate::format::Output;
use regex::Regex;
use std::sync::LazyLock;
use uctriage_core::{Kind, RawEvent, Severity};

static DONE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)Network connectivity test with\s+(\S+?)\s+completed\s+(successfully|with errors|unsuccessfully)?")
        .unwrap()
});
static NOISE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\s*(?:this command can take up to|running test, please wait|\.+\s*$)")
        .unwrap()
});
static FAILURE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\b(?:cannot|can't|unable|failed|failure)\b").unwrap());

/// A line that shows connectivity-test output (for sniffing without an echo).
pub(crate) fn is_start(text: &str) -> bool {
    DONE.is_match(text)
}

/// The connectivity section.
pub(crate) struct ConnectivitySection {
    target: Option<String>,
    port: Option<String>,
}

impl ConnectivitySection {
    /// A section for `<host> [port <n>]`.
    pub(crate) fn new(arg: &str) -> ConnectivitySection {
        let toks: Vec<&str> = arg.split_whitespace().collect();
        let port = toks
            .iter()
            .position(|t| t.eq_ignore_ascii_case("port"))
            .and_then(|i| toks.get(i + 1))
            .map(|p| p.to_string());
        let target = toks
            .iter()
            .find(|t| !t.eq_ignore_ascii_case("port") && Some(**t) != port.as_deref())
            .map(|t| t.to_string());
        ConnectivitySection { target, port }
    }

    fn emit(&self, no: u64, text: &str, target: &str, ok: bool, cap: &Capture, out: &mut Output) {
        let result = if ok { "success" } else { "failed" };
        let mut ev = RawEvent::new(
            no,
            text.trim(),
            Kind::Ping,
            format!("network connectivity test to {target}: {result}"),
        )
        .with_field("probe", "network_connectivity")
        .with_field("target", target)
        .with_field("result", result)
        .with_field("detail", text.trim())
        .with_severity(if ok {
            Severity::Info
        } else {
            Severity::Warning
        });
        if let Some(p) = &self.port {
            ev = ev.with_field("port", p);
        }
        if let Some(t) = cap.capture_time() {
            ev = ev.at(t);
        }
        out.emit(ev);
    }
}

impl Section for ConnectivitySection {
    fn line(&mut self, no: u64, text: &str, cap: &mut Capture, out: &mut Output) -> bool {
        if let Some(c) = DONE.captures(text) {
            let ok = c
                .get(2)
                .is_none_or(|m| m.as_str().eq_ignore_ascii_case("successfully"));
            let target = c[1].trim_end_matches('.').to_string();
            self.emit(no, text, &target, ok, cap, out);
            return true;
        }
        if NOISE.is_match(text) {
            return true;
        }
        if FAILURE.is_match(text) {
            let target = self.target.clone().unwrap_or_else(|| "?".to_string());
            self.emit(no, text, &target, false, cap, out);
            return true;
        }
        false
    }
}
