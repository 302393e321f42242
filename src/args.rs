//! Command-line arguments (the low layer: only parsing and validation).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Triage a Cisco UC (CUCM / UCCE / UCCX) outage from the files you collected.
///
/// Point uctriage at folders, loose files or archives (.zip, .tar, .tar.gz,
/// .gz, CUCM's open .gzo traces; .7z, .xz, .zst, .bz2 and .lz4 too) in any
/// mix.
/// It detects each file's format
/// from its content, puts every event on one timeline with an absolute time
/// and says how each time zone was decided.
///
/// Exit codes: 0 = analysed and something found (findings, events);
/// 1 = analysed and nothing found; 2 = bad arguments or nothing readable
/// (stderr says, per file, why). Problems in single files are reported,
/// never fatal.
#[derive(Parser, Debug)]
#[command(name = "uctriage", version, about, long_about, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour text output: auto = only on a terminal and without
    /// NO_COLOR in the environment.
    #[arg(long, value_enum, global = true, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
}

/// `--color`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorWhen {
    /// Colour on a terminal, unless NO_COLOR is set (CLICOLOR_FORCE forces it).
    Auto,
    /// Always colour, also into files and pipes.
    Always,
    /// Never colour.
    Never,
}

/// Where a report goes, shared by the commands that write one.
#[derive(Args, Debug, Default)]
pub struct OutputArgs {
    /// Write the report to FILE instead of stdout (`-` is stdout). The file
    /// appears whole once the report is complete, never half-written.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The zone times are shown in, shared by the commands that show times.
#[derive(Args, Debug, Default)]
pub struct ZoneArgs {
    /// Show times in UTC instead of the incident's local zone.
    #[arg(long, conflicts_with = "display_tz")]
    pub utc: bool,
    /// Show times in this zone (an Olson name such as Europe/Berlin, or UTC)
    /// instead of the incident's local zone. Civil times given to --since
    /// and --until are read in it too.
    #[arg(long, value_name = "ZONE")]
    pub display_tz: Option<String>,
}

const EXAMPLES: &str = "Examples:
  uctriage analyze examples/ctios-outage-2019-07-12
  uctriage analyze bundle.zip --format md > ticket.md
  uctriage timeline examples/ctios-outage-2019-07-12
  uctriage timeline bundle.zip --kind device_out_of_service --kind service_core
  uctriage timeline ./collected --since '2019-07-12 12:00' --until '2019-07-12 13:00' --utc
  uctriage timeline ./collected --since -30m     # the last 30 minutes of the bundle
  uctriage timeline ./collected --format json -o events.ndjson
  uctriage files ./collected            # what was found, per file, and what went wrong
  uctriage formats                      # every format uctriage reads";

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Explain the incident: what broke, when, why, what else, what next.
    ///
    /// Findings are impact, root_cause, contributing, coincidental,
    /// recurrence and advisory, each with its evidence (file:line) and its
    /// public sources. Times are shown in the incident's local zone.
    Analyze(AnalyzeArgs),
    /// Print every event of the bundle on one timeline.
    ///
    /// Times are shown in the incident's local zone with their UTC offset
    /// (use --utc for UTC). A `?` after a time means its zone could not be
    /// decided from the bundle: pass --tz.
    Timeline(TimelineArgs),
    /// Group the bundle's messages into templates (variables as `<*>`):
    /// by count, with first and last seen, hosts and one example.
    ///
    /// Where a format knows the header (time, host, severity) only the
    /// message is mined; a file no format reads (a plain text file of one
    /// message per line) is mined line by line. `--assign --format json`
    /// gives every line's template instead.
    Templates(TemplatesArgs),
    /// Tell what was found: per file its format, host, time range, lines,
    /// lines understood and problems.
    Files(FilesArgs),
    /// List every format uctriage reads, with a description and an example line.
    Formats,
    /// List what uctriage knows (alarms, crash signatures, end of support,
    /// advice, thresholds, classes, device types, rules), each fact with its
    /// public source; `knowledge check [DIR]` validates a knowledge folder
    /// and runs every rule's cases.
    Knowledge(KnowledgeArgs),
    /// Receive syslog live (UDP, TCP, TLS) and explain incidents while they
    /// happen: HTTP API, web UI, webhooks.
    ///
    /// Start with `uctriage serve init --data DIR` (prints an API token),
    /// set a UI password with `uctriage serve passwd --data DIR --user NAME`
    /// (read from standard input), then run `uctriage serve --data DIR
    /// --syslog-udp 0.0.0.0:514 --syslog-tcp 0.0.0.0:514 --http 127.0.0.1:8514`.
    /// See docs/serve.md.
    Serve(Box<ServeArgs>),
    /// Gather the incident bundle from a live cluster (AXL, RisPort70,
    /// Control Center, PerfMon, DIME logs and traces, VOS CLI over SSH).
    ///
    /// The publisher first (node list, topology, registrations), then every
    /// node in parallel, one request at a time per service per node. The
    /// result is `<node>/<source>/...` plus manifest.json; running again into
    /// the same output fetches only what is missing. The password comes from
    /// --password-env or a prompt, never from the command line.
    Collect(CollectArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish)
    /// to stdout: e.g. `uctriage completions bash > ~/.local/share/bash-completion/completions/uctriage`.
    Completions(CompletionsArgs),
    /// Print the man page (roff), generated from this command-line definition:
    /// `uctriage man > uctriage.1`, or every page with `--dir`.
    #[command(hide = true)]
    Man(ManArgs),
}

/// Arguments of the hidden `man`.
#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write uctriage.1 and one uctriage-COMMAND.1 per command into DIR
    /// instead of printing uctriage.1.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Arguments of `completions`.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Inputs and how to read them, shared by the commands that read a bundle.
#[derive(Args, Debug)]
pub struct InputArgs {
    /// Folders, files or archives to read (any mix); `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Time zone for hosts the bundle says nothing about: `ZONE` for all of
    /// them, or `HOST=ZONE` for one (Olson names, e.g. America/Chicago).
    /// Repeatable. Zones stated by `show status` still win over a bare ZONE.
    #[arg(long, value_name = "[HOST=]ZONE")]
    pub tz: Vec<String>,
    /// Date (YYYY-MM-DD) for lines that carry only a time of day and whose
    /// file has no date header or dated name.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub date: Option<String>,
    /// Force a format instead of detecting it: `NAME` for every file, or
    /// `PATH-SUFFIX=NAME` for matching files. Repeatable. See `uctriage formats`.
    #[arg(
        long = "input-format",
        visible_alias = "parse-as",
        value_name = "[SUFFIX=]NAME"
    )]
    pub input_format: Vec<String>,
    /// Worker threads (default: all cores; at most 4 per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Read symbolic links in a folder that lead out of it (by default they
    /// are reported and not read, so a bundle cannot pull in your own files).
    #[arg(long)]
    pub follow_outside: bool,
    /// Memory to stay within, about (e.g. 512M, 2G; K, M, G, T are powers
    /// of 1024; a number alone counts bytes, from 1 MiB). Past a quarter of
    /// it, the raw text of further events goes
    /// to a temporary file in the system temporary folder (TMPDIR), and for
    /// `timeline` and `analyze` whole events do (sorted on disk, read back in
    /// order: every event for `timeline`, those its rules only stream, such
    /// as the registration alarms, for `analyze`), said on stderr; the output
    /// is the same. `0` or `none`: keep everything in memory.
    #[arg(long, value_name = "SIZE", default_value = "512M", value_parser = parse_memory)]
    pub max_memory: MaxMemory,
    /// Never show progress on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// A `--max-memory` value: bytes, or None for no limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxMemory(pub Option<u64>);

/// Parse `--max-memory`: a number of bytes with an optional K, M, G or T
/// (powers of 1024; `KB`, `KiB`, `MB`... read the same), or `0` / `none`.
pub fn parse_memory(s: &str) -> Result<MaxMemory, String> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("none") {
        return Ok(MaxMemory(None));
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let shift = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 0,
        "K" | "KB" | "KIB" => 10,
        "M" | "MB" | "MIB" => 20,
        "G" | "GB" | "GIB" => 30,
        "T" | "TB" | "TIB" => 40,
        _ => return Err(format!("`{s}`: give a size such as 512M or 2G")),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}`: give a size such as 512M or 2G"))?;
    let bytes = n * (1u64 << shift) as f64;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err(format!("`{s}`: too large"));
    }
    // `--max-memory 512` meant as megabytes would be a budget of 512
    // bytes: every event to disk one by one, minutes instead of seconds.
    if unit.trim().is_empty() && bytes >= 1.0 && bytes < (1u64 << 20) as f64 {
        return Err(format!(
            "`{s}`: a size without a unit counts bytes; give one, such as {s}M (or {s}B for bytes)"
        ));
    }
    Ok(MaxMemory((bytes >= 1.0).then_some(bytes as u64)))
}

/// Output format of `timeline`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimelineFormat {
    /// Aligned text for a terminal.
    Text,
    /// NDJSON: one JSON object per event.
    Json,
}

/// Output format of `templates`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TemplatesFormat {
    /// A table for a terminal.
    Text,
    /// `{"templates": [...], "notes": [...]}`; with --assign, one JSON
    /// object per input line.
    Json,
}

/// Arguments of `templates`.
#[derive(Args, Debug)]
pub struct TemplatesArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TemplatesFormat::Text)]
    pub format: TemplatesFormat,
    /// Print each line's template (file, line, template id and text)
    /// instead of the templates.
    #[arg(long)]
    pub assign: bool,
    /// Templates kept, at most: the rarest past it are merged into one
    /// catch-all `<*>` (said in the notes).
    #[arg(long, value_name = "N", default_value_t = 5000)]
    pub max_templates: usize,
    /// Templates shown in text, at most (0: all).
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub top: usize,
    #[command(flatten)]
    pub out: OutputArgs,
    #[command(flatten)]
    pub zone: ZoneArgs,
}

/// Arguments of `timeline`.
#[derive(Args, Debug)]
pub struct TimelineArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TimelineFormat::Text)]
    pub format: TimelineFormat,
    #[command(flatten)]
    pub out: OutputArgs,
    #[command(flatten)]
    pub zone: ZoneArgs,
    /// Only events of this host (any of its names or addresses). Repeatable.
    #[arg(long, value_name = "HOST")]
    pub host: Vec<String>,
    /// Only events of this kind (e.g. device_out_of_service, service_core). Repeatable.
    #[arg(long, value_name = "KIND")]
    pub kind: Vec<String>,
    #[command(flatten)]
    pub window: WindowArgs,
    /// Only events whose summary, fields or raw text match this regex.
    #[arg(long, value_name = "REGEX")]
    pub grep: Option<String>,
    /// Also list events that carry no time (CLI snapshot rows, at the end),
    /// every metric sample (hidden by default: ask with --kind metric_sample)
    /// and every ordinary SDL / UCCE dumplog trace record (only the
    /// outage-relevant ones by default; with --all memory grows with the
    /// traces read).
    #[arg(long)]
    pub all: bool,
}

/// A time window, shared by `timeline` and `analyze`.
#[derive(Args, Debug, Default)]
pub struct WindowArgs {
    /// Only events at or after this time: RFC 3339, `YYYY-MM-DD HH:MM[:SS]`
    /// in the shown zone, or `-DURATION` (e.g. -2h, -90m, -1h30m) counted back
    /// from the bundle's last event, never from the clock of this machine.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub since: Option<String>,
    /// Only events at or before this time (same forms as --since).
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub until: Option<String>,
}

/// Output format of `files`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilesFormat {
    /// A table for a terminal.
    Text,
    /// `{"files": [...], "notes": [...]}`.
    Json,
}

/// Arguments of `files`.
#[derive(Args, Debug)]
pub struct FilesArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FilesFormat::Text)]
    pub format: FilesFormat,
    #[command(flatten)]
    pub out: OutputArgs,
    #[command(flatten)]
    pub zone: ZoneArgs,
}

/// Output format of `analyze`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnalyzeFormat {
    /// A one-screen summary, then the findings with evidence.
    Text,
    /// Markdown for a ticket.
    Md,
    /// `{"findings": [...], "files": [...]}` for scripts.
    Json,
    /// One self-contained HTML file (inline CSS/SVG, no network) for a ticket.
    Html,
}

/// Arguments of `analyze`.
#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AnalyzeFormat::Text)]
    pub format: AnalyzeFormat,
    #[command(flatten)]
    pub out: OutputArgs,
    #[command(flatten)]
    pub zone: ZoneArgs,
    /// Analyse only events of this host (any of its names or addresses).
    /// Repeatable. Events without a time (CLI snapshots) of those hosts stay.
    #[arg(long, value_name = "HOST")]
    pub host: Vec<String>,
    #[command(flatten)]
    pub window: WindowArgs,
    /// Use knowledge files from this folder instead of the shipped ones (any
    /// of the files of `uctriage knowledge`; DIR/rules/*.toml replace or add
    /// rules). Checked strictly first: see `uctriage knowledge check DIR`.
    #[arg(long, value_name = "DIR")]
    pub knowledge: Option<PathBuf>,
    /// A topology.toml (device pools, CallManager groups) when the bundle has
    /// no `run sql` capture or BAT export; a topology.toml at the top of a
    /// bundle folder is read by itself.
    #[arg(long, value_name = "FILE")]
    pub topology: Option<PathBuf>,
}

/// Output format of `knowledge`.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum KnowledgeFormat {
    /// Readable text.
    Text,
    /// JSON.
    Json,
}

/// Arguments of `knowledge`.
#[derive(Args, Debug)]
pub struct KnowledgeArgs {
    /// Use knowledge files from this folder instead of the shipped ones.
    #[arg(long, value_name = "DIR")]
    pub knowledge: Option<PathBuf>,
    #[command(flatten)]
    pub out: OutputArgs,
    /// What to do (default: list what is known).
    #[command(subcommand)]
    pub action: Option<KnowledgeAction>,
}

/// Subcommands of `knowledge`.
#[derive(Subcommand, Debug)]
pub enum KnowledgeAction {
    /// Validate a knowledge folder (files in DIR replace the shipped ones of
    /// the same name; DIR/rules/*.toml replace or add rules) and run every
    /// rule's cases. Exit 0: all pass; 1: a case fails; 2: the knowledge is invalid.
    Check {
        /// The folder to check (default: the shipped knowledge alone).
        dir: Option<PathBuf>,
    },
}

/// Arguments of `serve`: a preparing subcommand, or the server's options.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ServeArgs {
    #[command(subcommand)]
    pub action: Option<ServeAction>,
    #[command(flatten)]
    pub run: ServeRunArgs,
}

/// What `serve` can prepare.
#[derive(Subcommand, Debug)]
pub enum ServeAction {
    /// Create the store in DIR and print a new API token (shown once).
    Init(ServeDataArgs),
    /// Print another new API token for the store in DIR (shown once).
    Token(ServeTokenArgs),
    /// Set a web UI user's password, read from standard input (one line).
    Passwd(ServePasswdArgs),
}

/// `--data DIR`.
#[derive(Args, Debug)]
pub struct ServeDataArgs {
    /// The data folder.
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
}

/// Arguments of `serve token`.
#[derive(Args, Debug)]
pub struct ServeTokenArgs {
    /// The data folder.
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// What the token is for (kept beside its hash).
    #[arg(long, default_value = "serve token")]
    pub label: String,
}

/// Arguments of `serve passwd`.
#[derive(Args, Debug)]
pub struct ServePasswdArgs {
    /// The data folder.
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// The user.
    #[arg(long)]
    pub user: String,
}

/// The server's options.
#[derive(Args, Debug)]
pub struct ServeRunArgs {
    /// The data folder made by `serve init`.
    #[arg(long, value_name = "DIR", required = true)]
    pub data: Option<PathBuf>,
    /// Receive syslog over UDP here (e.g. 0.0.0.0:514). Repeatable.
    #[arg(long, value_name = "ADDR")]
    pub syslog_udp: Vec<std::net::SocketAddr>,
    /// Receive syslog over TCP here (newline or octet-counting framing). Repeatable.
    #[arg(long, value_name = "ADDR")]
    pub syslog_tcp: Vec<std::net::SocketAddr>,
    /// Receive syslog over TLS here (RFC 5425; needs --tls-cert and --tls-key). Repeatable.
    #[arg(long, value_name = "ADDR")]
    pub syslog_tls: Vec<std::net::SocketAddr>,
    /// Serve the API and web UI here.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8514")]
    pub http: std::net::SocketAddr,
    /// Serve HTTPS instead of HTTP (with --tls-cert and --tls-key). Browsers
    /// keep the UI's Secure session cookie only over HTTPS or on localhost.
    #[arg(long)]
    pub https: bool,
    /// PEM certificate chain for --syslog-tls and --https.
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --syslog-tls and --https.
    #[arg(long, value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Time zone for hosts nothing says anything about: `ZONE`, or
    /// `HOST=ZONE` for one. Repeatable.
    #[arg(long, value_name = "[HOST=]ZONE")]
    pub tz: Vec<String>,
    /// Use knowledge files from this folder instead of the shipped ones.
    #[arg(long, value_name = "DIR")]
    pub knowledge: Option<PathBuf>,
    /// A topology.toml (device pools, CallManager groups).
    #[arg(long, value_name = "FILE")]
    pub topology: Option<PathBuf>,
    /// Webhook addresses, one per line, called with JSON when an incident
    /// opens, changes root cause or closes (a file: such addresses carry credentials).
    #[arg(long, value_name = "FILE")]
    pub webhooks: Option<PathBuf>,
    /// Keep messages this long (e.g. 30d, 12h).
    #[arg(long, value_name = "DURATION", default_value = "30d")]
    pub retain: String,
    /// Keep at most this much data (e.g. 20GB); the oldest goes first.
    #[arg(long, value_name = "SIZE")]
    pub retain_size: Option<String>,
    /// How far back each correlation window reaches (event time).
    #[arg(long, value_name = "DURATION", default_value = "6h")]
    pub window: String,
    /// Least time between two correlation runs.
    #[arg(long, value_name = "DURATION", default_value = "2s")]
    pub debounce: String,
    /// Close an incident without an impact after this long without new evidence.
    #[arg(long, value_name = "DURATION", default_value = "15m")]
    pub close_after: String,
    /// Most events in one correlation window (the newest are kept).
    #[arg(long, value_name = "N", default_value_t = 200_000)]
    pub max_window_events: usize,
    /// Memory for messages received and not yet stored, in MiB (TCP senders
    /// wait and UDP messages are dropped beyond it).
    #[arg(long, value_name = "MIB", default_value_t = 64)]
    pub intake_mib: usize,
    /// Longest message kept, in bytes (longer ones are cut and counted as malformed).
    #[arg(long, value_name = "BYTES", default_value_t = 65_536)]
    pub max_message: usize,
    /// Most open TCP/TLS connections.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub max_connections: usize,
    /// Cap the database at this many 4 KiB pages (SQLite max_page_count):
    /// a hard size limit; tests use it to meet a full disk.
    #[arg(long, value_name = "PAGES", hide = true)]
    pub max_db_pages: Option<u64>,
    /// Log only warnings.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Arguments of `collect`.
#[derive(Args, Debug)]
pub struct CollectArgs {
    /// The publisher's host name or address.
    #[arg(long, value_name = "HOST")]
    pub publisher: String,
    /// The application user (AXL and serviceability roles; also used for SSH).
    #[arg(long, value_name = "NAME")]
    pub user: String,
    /// Read the password from this environment variable (else a prompt).
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
    /// Start of the window: RFC 3339, or `YYYY-MM-DD HH:MM[:SS]` in the
    /// publisher's zone (default: two hours before --until).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// End of the window (same forms; default: now).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Output folder, or a path ending in .zip.
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// HTTPS port of every node.
    #[arg(long, value_name = "N", default_value_t = 8443)]
    pub https_port: u16,
    /// SSH port of every node.
    #[arg(long, value_name = "N", default_value_t = 22)]
    pub ssh_port: u16,
    /// Reach node NAME at ADDRESS (as curl's --resolve). Repeatable.
    #[arg(long, value_name = "NAME=ADDRESS")]
    pub resolve: Vec<String>,
    /// Trust this CA or self-signed certificate (PEM) for HTTPS.
    #[arg(long, value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// Do not verify HTTPS certificates (a warning is printed).
    #[arg(long)]
    pub insecure: bool,
    /// Do not log in over SSH (no CLI captures).
    #[arg(long)]
    pub no_ssh: bool,
    /// Check SSH host keys against this known_hosts file (default ~/.ssh/known_hosts).
    #[arg(long, value_name = "FILE")]
    pub known_hosts: Option<PathBuf>,
    /// Accept and record SSH host keys never seen before (trust on first use).
    #[arg(long)]
    pub accept_new_host_keys: bool,
    /// Seconds to wait for one answer (a CLI command, a SOAP call, a file).
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub timeout: u64,
    /// Retries on throttling, 503 and dropped sessions.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,
    /// First back-off before a retry, in seconds (doubled each time).
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    pub retry_delay: f64,
    /// Largest file downloaded, in MiB (larger ones are listed in the manifest as skipped).
    #[arg(long, value_name = "MIB", default_value_t = 200)]
    pub max_file_mib: u64,
    /// Most MiB of files one run downloads over all nodes (the rest are listed as skipped).
    #[arg(long, value_name = "MIB", default_value_t = 4096)]
    pub max_total_mib: u64,
    /// AXL schema version (default: the publisher's major.minor version).
    #[arg(long, value_name = "X.Y")]
    pub axl_version: Option<String>,
    /// Run `analyze` on the result and print it.
    #[arg(long)]
    pub analyze: bool,
    /// Never show progress on stderr.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn the_default_budget_is_the_engines() {
        let cli = crate::args::Cli::try_parse_from(["uctriage", "analyze", "x"]).unwrap();
        let debug = format!("{cli:?}");
        let want = format!("MaxMemory(Some({}))", uctriage_engine::DEFAULT_MAX_MEMORY);
        assert!(debug.contains(&want), "{debug}");
        assert_eq!(
            parse_memory("512M").unwrap().0,
            Some(uctriage_engine::DEFAULT_MAX_MEMORY)
        );
    }

    #[test]
    fn a_small_budget_without_a_unit_is_refused_with_the_unit_to_give() {
        let e = parse_memory("512").unwrap_err();
        assert!(e.contains("512M"), "{e}");
        assert_eq!(parse_memory("512B").unwrap().0, Some(512));
        assert_eq!(parse_memory("4K").unwrap().0, Some(4096));
        assert_eq!(parse_memory("1048576").unwrap().0, Some(1 << 20));
        assert_eq!(parse_memory("0").unwrap().0, None);
        assert_eq!(parse_memory("none").unwrap().0, None);
    }
}
