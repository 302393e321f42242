//! CUCM / VOS CLI captures: one or more `admin:<command>` echoes, each followed
//! by its output (formats.md §4), plus plain ping terminals (§8).
//!
//! The capture is split into commands by their echo line (`admin:...`, or a
//! shell prompt such as `user@host:~$ ping ...`); each known command has its
//! own sub-module implementing [`Section`]. A file without any echo is sniffed
//! line by line: the first line that is recognisably part of one command's
//! output (a `show network cluster` row, the core list header, a backtrace
//! block, ping output, ...) opens that command's section.
//!
//! Pager prompts (`Press <enter> for 1 line, ...`, with or without ANSI
//! escapes) are stripped wherever they are glued; `Continue (y/n)?` prompts and
//! their `y` answers are understood.
//!
//! Local times are the capture host's wall clock: they stay `RawTime::Local`
//! (zone abbreviations such as `IST` are kept in fields, never used as zones).

mod capture;
mod certs;
mod cluster;
mod connectivity;
mod core_analyze;
mod core_list;
mod dbrepl;
mod diskusage;
mod misc;
mod ntp;
mod ntp_admin;
mod open_ports;
mod perf;
mod ping;
mod process_load;
mod services;
mod show_status;
mod sql;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_uc;

use crate::format::{FileContext, Format, Head, Line, LineParser, Output};
use crate::timeparse::{month_from_abbrev, parse_hms, ymd};
use regex::Regex;
use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;
use uctriage_core::jiff::civil::{Date, DateTime};
use uctriage_core::{DateSource, RawTime};

/// The CUCM CLI capture format.
pub(crate) struct CucmCli;

static ANSI: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]").unwrap());
static PAGER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"Press <enter> for 1 line, <space> for one page, or <q> to quit\s*|options: q=quit, n=next, p=prev, b=begin, e=end \(lines [0-9]+ - [0-9]+ of [0-9]+\) :\s*").unwrap()
});
static SHELL_PROMPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[0-9A-Za-z_.\-]+@[0-9A-Za-z_.\-]+:[^$#]*[$#]|[A-Za-z]:\\[^>]*>|[0-9A-Za-z_.\-]+[#>]|[$#])\s*(.*)$")
        .unwrap()
});
static CONTINUE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s*continue\s*\(y/n\)\??\s*(y|n|yes|no)?\s*$").unwrap());

/// Output of one command inside a capture.
pub(crate) trait Section {
    /// Handle one cleaned, non-blank line; return true when it was understood.
    fn line(&mut self, no: u64, text: &str, cap: &mut Capture, out: &mut Output) -> bool;
    /// A blank line (some outputs end at one).
    fn blank(&mut self, _no: u64, _cap: &mut Capture, _out: &mut Output) {}
    /// The command's output ended: flush what is pending.
    fn finish(&mut self, _cap: &mut Capture, _out: &mut Output) {}
}

/// State shared by the commands of one capture.
#[derive(Debug, Default)]
pub(crate) struct Capture {
    /// The capture host's last known local wall clock (from `show status`,
    /// `date`, `Server Time:`), and the line that said it.
    pub(crate) now: Option<(DateTime, u64)>,
    /// A date from the file name, if any.
    pub(crate) date_hint: Option<(Date, DateSource)>,
}

impl Capture {
    /// The local time the capture was at, for records that carry none.
    pub(crate) fn capture_time(&self) -> Option<RawTime> {
        self.now
            .map(|(dt, _)| RawTime::Local(dt, DateSource::Header))
    }
}

/// Which command a section belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmd {
    Cluster,
    CoreList,
    CoreAnalyze,
    DbRepl,
    DbReplStatus,
    ShowStatus,
    ProcessLoad,
    Ntp,
    Services,
    Ping,
    Sql,
    Date,
    Diagnose,
    KeyValue,
    Silent,
    NtpServerList,
    NtpServerAdd,
    NtpServerDelete,
    Capture,
    Connectivity,
    OpenPorts,
    CertList,
    CertOwn,
    CertTrust,
    DiskUsage,
    RuntimeDisk,
    Perf,
}

/// Known commands, longest first; `true` = the rest of the echo is an argument.
const COMMANDS: &[(&str, Cmd, bool)] = &[
    ("show network cluster status", Cmd::Cluster, false),
    ("show network cluster", Cmd::Cluster, false),
    ("utils core active list", Cmd::CoreList, false),
    ("utils core inactive list", Cmd::CoreList, false),
    ("utils core active analyze", Cmd::CoreAnalyze, true),
    ("utils core inactive analyze", Cmd::CoreAnalyze, true),
    ("utils dbreplication runtimestate", Cmd::DbRepl, true),
    ("utils dbreplication status", Cmd::DbReplStatus, false),
    ("show status", Cmd::ShowStatus, false),
    ("show process load", Cmd::ProcessLoad, true),
    ("utils ntp status", Cmd::Ntp, false),
    ("utils ntp server list", Cmd::NtpServerList, false),
    ("utils ntp server add", Cmd::NtpServerAdd, true),
    ("utils ntp server delete", Cmd::NtpServerDelete, true),
    ("utils network capture", Cmd::Capture, true),
    ("utils network connectivity", Cmd::Connectivity, true),
    ("show open ports", Cmd::OpenPorts, true),
    ("show cert list", Cmd::CertList, true),
    ("show cert own", Cmd::CertOwn, true),
    ("show cert trust", Cmd::CertTrust, true),
    ("show diskusage", Cmd::DiskUsage, true),
    ("show tech runtime disk", Cmd::RuntimeDisk, false),
    ("show perf query", Cmd::Perf, true),
    ("utils service list", Cmd::Services, false),
    ("utils network ping", Cmd::Ping, true),
    ("ping", Cmd::Ping, true),
    ("run sql", Cmd::Sql, true),
    ("date", Cmd::Date, true),
    ("utils diagnose test", Cmd::Diagnose, false),
    ("show hardware", Cmd::KeyValue, false),
    ("show version active", Cmd::KeyValue, false),
    ("show version inactive", Cmd::KeyValue, false),
    ("show myself", Cmd::KeyValue, false),
    ("set cli pagination", Cmd::Silent, true),
];

fn new_section(cmd: Cmd, arg: &str) -> Box<dyn Section> {
    match cmd {
        Cmd::Cluster => Box::new(cluster::ClusterSection::default()),
        Cmd::CoreList => Box::new(core_list::CoreListSection),
        Cmd::CoreAnalyze => Box::new(core_analyze::AnalyzeSection::new(arg)),
        Cmd::DbRepl | Cmd::DbReplStatus => Box::new(dbrepl::DbReplSection::default()),
        Cmd::ShowStatus => Box::new(show_status::ShowStatusSection::default()),
        Cmd::ProcessLoad => Box::new(process_load::LoadSection::new(arg)),
        Cmd::Ntp => Box::new(ntp::NtpSection::default()),
        Cmd::Services => Box::new(services::ServicesSection),
        Cmd::Ping => Box::new(ping::PingSection::new(arg)),
        Cmd::Sql => Box::new(sql::SqlSection::new(arg)),
        Cmd::Date => Box::new(misc::DateSection),
        Cmd::Diagnose => Box::new(misc::DiagnoseSection::default()),
        Cmd::KeyValue => Box::new(misc::KeyValueSection),
        Cmd::Silent => Box::new(misc::SilentSection),
        Cmd::NtpServerList => Box::new(ntp_admin::ServerListSection::default()),
        Cmd::NtpServerAdd => Box::new(ntp_admin::ServerChangeSection::new("add")),
        Cmd::NtpServerDelete => Box::new(ntp_admin::ServerChangeSection::new("delete")),
        Cmd::Capture => Box::new(capture::CaptureSection::default()),
        Cmd::Connectivity => Box::new(connectivity::ConnectivitySection::new(arg)),
        Cmd::OpenPorts => Box::new(open_ports::OpenPortsSection::default()),
        Cmd::CertList => Box::new(certs::CertListSection::new(arg)),
        Cmd::CertOwn => Box::new(certs::CertShowSection::new("own", arg)),
        Cmd::CertTrust => Box::new(certs::CertShowSection::new("trust", arg)),
        Cmd::DiskUsage => Box::new(diskusage::DiskUsageSection::new(&format!(
            "show diskusage {arg}"
        ))),
        Cmd::RuntimeDisk => Box::new(diskusage::DiskUsageSection::new("show tech runtime disk")),
        Cmd::Perf => Box::new(perf::PerfSection::new(arg)),
    }
}

/// Which section a line of output without an echo belongs to, if recognisable.
fn sniff(text: &str) -> Option<Cmd> {
    if cluster::is_row(text) {
        Some(Cmd::Cluster)
    } else if core_list::is_header(text) {
        Some(Cmd::CoreList)
    } else if core_analyze::is_block_start(text)
        || core_analyze::is_frame(text)
        || core_analyze::is_registers_title(text)
    {
        Some(Cmd::CoreAnalyze)
    } else if ping::is_start(text) {
        Some(Cmd::Ping)
    } else if dbrepl::is_start(text) {
        Some(Cmd::DbRepl)
    } else if show_status::is_start(text) {
        Some(Cmd::ShowStatus)
    } else if process_load::is_start(text) {
        Some(Cmd::ProcessLoad)
    } else if ntp::is_start(text) {
        Some(Cmd::Ntp)
    } else if services::is_start(text) {
        Some(Cmd::Services)
    } else if capture::is_ntp_packet(text) {
        Some(Cmd::Capture)
    } else if connectivity::is_start(text) {
        Some(Cmd::Connectivity)
    } else if certs::is_list_line(text) {
        Some(Cmd::CertList)
    } else if perf::is_start(text) {
        Some(Cmd::Perf)
    } else if diskusage::is_start(text) {
        Some(Cmd::RuntimeDisk)
    } else {
        None
    }
}

/// Remove ANSI escapes and pager prompts glued anywhere in a line.
pub(crate) fn clean(text: &str) -> Cow<'_, str> {
    if !text.contains('\x1b')
        && !text.contains("Press <enter>")
        && !text.contains("options: q=quit")
    {
        return Cow::Borrowed(text);
    }
    let no_ansi = ANSI.replace_all(text, "");
    Cow::Owned(PAGER.replace_all(&no_ansi, "").into_owned())
}

/// The command text of an echo line (`admin:show status`, `user@h:~$ ping x`).
fn echo(text: &str) -> Option<&str> {
    let t = text.trim_start();
    if let Some(rest) = t.strip_prefix("admin:") {
        return Some(rest.trim());
    }
    let c = SHELL_PROMPT.captures(t)?;
    let cmd = c.get(1).map_or("", |m| m.as_str()).trim();
    // Only shell prompts running a command this module knows (ping, date).
    let first = cmd.split_whitespace().next().unwrap_or("");
    (first == "ping" || first == "date").then_some(cmd)
}

/// Find the known command an echo starts with: (cmd, rest after its words).
fn lookup(cmd_text: &str) -> Option<(Cmd, bool, &str)> {
    let lower = cmd_text.to_ascii_lowercase();
    for (name, cmd, takes_arg) in COMMANDS {
        let words: Vec<&str> = name.split(' ').collect();
        if let Some(rest) = strip_words(cmd_text, &lower, &words) {
            return Some((*cmd, *takes_arg, rest));
        }
    }
    None
}

/// If `text` starts with `words` (separated by any whitespace), the rest.
fn strip_words<'a>(text: &'a str, lower: &str, words: &[&str]) -> Option<&'a str> {
    let mut pos = 0;
    for w in words {
        let skip = lower[pos..].len() - lower[pos..].trim_start().len();
        pos += skip;
        if !lower[pos..].starts_with(w) {
            return None;
        }
        pos += w.len();
        if let Some(c) = lower[pos..].chars().next() {
            if !c.is_whitespace() {
                return None;
            }
        }
    }
    Some(text[pos..].trim())
}

/// The parser for one capture file.
struct CliParser {
    cap: Capture,
    section: Option<(Cmd, Box<dyn Section>)>,
    /// The current section was opened by sniffing, not by an echo.
    sniffed: bool,
    /// The current command is not known: its lines are not understood.
    unknown: bool,
    unknown_reported: HashSet<String>,
    after_continue: bool,
}

impl Format for CucmCli {
    fn name(&self) -> &'static str {
        "cucm-cli"
    }
    fn description(&self) -> &'static str {
        "CUCM/VOS CLI captures (admin: show network cluster, utils core active list/analyze, dbreplication, \
         show status, show process load, utils ntp status/server, utils network capture/connectivity, \
         show open ports, show cert, show diskusage, show perf query, utils service list, run sql) and ping terminals"
    }
    fn example(&self) -> &'static str {
        "admin:show network cluster"
    }
    fn detect(&self, head: &Head<'_>) -> u8 {
        detect_score(head)
    }
    fn parser(&self, ctx: &FileContext) -> Box<dyn LineParser> {
        Box::new(CliParser {
            cap: Capture {
                now: None,
                date_hint: ctx.date_hint,
            },
            section: None,
            sniffed: false,
            unknown: false,
            unknown_reported: HashSet::new(),
            after_continue: false,
        })
    }
}

fn detect_score(head: &Head<'_>) -> u8 {
    let cleaned: Vec<Cow<str>> = head.lines.iter().map(|l| clean(l)).collect();
    let echoes = cleaned
        .iter()
        .filter(|l| {
            l.trim_start().starts_with("admin:") && lookup(l.trim_start()[6..].trim()).is_some()
        })
        .count();
    if echoes > 0 {
        return 90;
    }
    if cleaned.iter().any(|l| l.trim_start().starts_with("admin:")) {
        return 70;
    }
    let non_blank = cleaned
        .iter()
        .filter(|l| !l.trim().is_empty())
        .count()
        .max(1);
    let sniffed = cleaned
        .iter()
        .filter(|l| sniff(l).is_some() || echo(l).is_some())
        .count();
    let frames = cleaned.iter().filter(|l| core_analyze::is_frame(l)).count();
    let pings = cleaned.iter().filter(|l| ping::is_probe(l)).count();
    if sniffed == 0 && frames < 2 && pings < 2 {
        return 0;
    }
    if (sniffed + frames + pings) * 10 >= non_blank * 3 || sniffed >= 1 && non_blank <= 40 {
        60
    } else {
        20
    }
}

impl CliParser {
    fn end_section(&mut self, out: &mut Output) {
        if let Some((_, mut s)) = self.section.take() {
            s.finish(&mut self.cap, out);
        }
        self.sniffed = false;
        self.unknown = false;
    }

    fn start_command(&mut self, no: u64, cmd_text: &str, out: &mut Output) {
        self.end_section(out);
        out.understood();
        if cmd_text.is_empty() {
            return;
        }
        let Some((cmd, takes_arg, rest)) = lookup(cmd_text) else {
            self.unknown = true;
            let name: String = cmd_text
                .split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ");
            if self.unknown_reported.insert(name.clone()) {
                out.problem(no, format!("command `{name}` is not known to the cucm-cli parser: its output is skipped"));
            }
            return;
        };
        let arg = if takes_arg { rest } else { "" };
        let mut section = new_section(cmd, arg);
        if !takes_arg && !rest.is_empty() {
            // Output glued to the echo (flattened captures).
            section.line(no, rest, &mut self.cap, out);
        }
        self.section = Some((cmd, section));
    }

    fn dispatch(&mut self, no: u64, text: &str, out: &mut Output) -> bool {
        if let Some((_, s)) = self.section.as_mut() {
            if s.line(no, text, &mut self.cap, out) {
                return true;
            }
        }
        if self.section.is_some() && !self.sniffed || self.unknown {
            return false;
        }
        let Some(cmd) = sniff(text) else { return false };
        self.end_section(out);
        let mut s = new_section(cmd, "");
        let ok = s.line(no, text, &mut self.cap, out);
        self.section = Some((cmd, s));
        self.sniffed = true;
        ok
    }

    fn prompts(&mut self, text: &str) -> bool {
        if CONTINUE.is_match(text) {
            self.after_continue = true;
            return true;
        }
        let was = std::mem::take(&mut self.after_continue);
        was && matches!(
            text.trim().to_ascii_lowercase().as_str(),
            "y" | "n" | "yes" | "no"
        )
    }
}

impl LineParser for CliParser {
    fn line(&mut self, line: Line<'_>, out: &mut Output) {
        let text = clean(line.text);
        if text.trim().is_empty() {
            out.understood();
            if let Some((_, s)) = self.section.as_mut() {
                s.blank(line.no, &mut self.cap, out);
            }
            return;
        }
        if let Some(cmd) = echo(&text) {
            let cmd = cmd.to_string();
            self.start_command(line.no, &cmd, out);
            return;
        }
        if self.prompts(&text) {
            out.understood();
            return;
        }
        if self.dispatch(line.no, &text, out) {
            out.understood();
            return;
        }
        if !self.unknown && (misc::date_line(line.no, &text, &mut self.cap) || is_rule(&text)) {
            out.understood();
        }
    }

    fn finish(&mut self, out: &mut Output) {
        self.end_section(out);
    }
}

/// A date and time written loosely: `Mon Mar 2, 2026 00:36:32`,
/// `Fri Jul 12 12:33:47 2019`, `Tue Aug  1 15:10:52 IST 2023`. Returns the
/// wall-clock time and the zone abbreviation, if any (never to be trusted).
pub(crate) fn parse_loose(s: &str) -> Option<(DateTime, Option<String>)> {
    let mut month = None;
    let (mut day, mut year, mut time, mut zone) = (None, None, None, None);
    for tok in s.split_whitespace().map(|t| t.trim_end_matches(',')) {
        if tok.contains(':') {
            time = Some(parse_hms(tok)?);
        } else if let Ok(n) = tok.parse::<i64>() {
            if tok.len() == 4 {
                year = Some(n);
            } else if month.is_some() && day.is_none() {
                day = Some(n);
            } else {
                return None;
            }
        } else if month.is_none()
            && tok.len() >= 3
            && month_from_abbrev(tok).is_some()
            && !is_weekday(tok)
        {
            month = month_from_abbrev(tok);
        } else if !is_weekday(tok)
            && tok
                .chars()
                .all(|c| c.is_ascii_alphabetic() || c == '+' || c == '-')
        {
            zone = Some(tok.to_string());
        }
    }
    let date = ymd(year?, month? as i64, day?)?;
    Some((date.to_datetime(time?), zone))
}

fn is_weekday(tok: &str) -> bool {
    let t = tok.to_ascii_lowercase();
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .any(|d| t.starts_with(d))
        && t.len() <= 9
}

/// A rule line of `=` or `-` (harmless wherever it stands).
fn is_rule(text: &str) -> bool {
    let t = text.trim();
    t.len() >= 3 && (t.chars().all(|c| c == '=') || t.chars().all(|c| c == '-'))
}

/// Is this an IPv4 address?
pub(crate) fn is_ipv4(s: &str) -> bool {
    s.parse::<std::net::Ipv4Addr>().is_ok()
}

/// Cut `s` to at most `max` characters.
pub(crate) fn cap_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_string(),
        None => s.to_string(),
    }
}
