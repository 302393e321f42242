//! One module per subcommand, plus what they share (the high layer).

mod analyze;
mod collect;
mod completions;
mod files;
mod formats;
mod knowledge;
mod plain;
mod readable;
mod serve;
mod templates;
mod timeline;
mod window;

use crate::args::{Cli, Command, InputArgs, ZoneArgs};
use crate::progress::Bar;
use anyhow::{bail, Context, Result};
use std::sync::Arc;
use uctriage_core::jiff::tz::TimeZone;
use uctriage_core::KindSet;
use uctriage_engine::{load, Bundle, Config, ForcedFormat, Options, Retain, WalkOptions, ZoneHint};
use uctriage_knowledge::Knowledge;
use uctriage_report::TimeStyle;

pub(crate) use readable::ensure_readable;

/// Exit code: analysed, and something found (findings, matching events).
pub const FOUND: i32 = 0;
/// Exit code: analysed, and nothing found.
pub const NOTHING_FOUND: i32 = 1;
/// Exit code: bad arguments, or nothing readable (stderr says why per file).
pub const FAILED: i32 = 2;

/// Run a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> Result<i32> {
    let color = cli.color;
    match cli.command {
        Command::Timeline(a) => timeline::run(a, color),
        Command::Files(a) => files::run(a, color),
        Command::Templates(a) => templates::run(a, color),
        Command::Formats => formats::run(),
        Command::Analyze(a) => analyze::run(a, color),
        Command::Knowledge(a) => knowledge::run(a, color),
        Command::Serve(a) => serve::run(*a),
        Command::Collect(a) => collect::run(a),
        Command::Completions(a) => completions::run(a),
        Command::Man(a) => completions::man(a),
    }
}

/// The knowledge shipped in the binary, for commands without `--knowledge`.
pub(crate) fn bundled_knowledge() -> Result<Arc<Knowledge>> {
    Ok(Arc::new(Knowledge::load(None)?))
}

/// Build the engine config from the input arguments and load the bundle.
/// The knowledge decides which performance counters wide metric files keep
/// (the caller loads it once, with `--knowledge` if given, and uses it after);
/// `keep_ordinary` makes every understood record an event (`timeline --all`);
/// `retain` says which events the command needs kept in memory.
pub(crate) fn load_bundle(
    input: &InputArgs,
    kb: Arc<Knowledge>,
    keep_ordinary: bool,
    retain: Retain,
) -> Result<Bundle> {
    load_bundle_with(input, kb, keep_ordinary, retain, None)
}

/// [`load_bundle`] for a command that reads the events only through
/// [`Bundle::each_in_order`]: past the memory budget, whole events go to disk
/// and are merged back in order.
pub(crate) fn load_bundle_spilling(
    input: &InputArgs,
    kb: Arc<Knowledge>,
    keep_ordinary: bool,
) -> Result<Bundle> {
    load_configured(input, kb, keep_ordinary, Retain::All, None, KindSet::ALL)
}

/// [`load_bundle`], with `sink` seeing the events not kept and the lines no
/// parser understood as they are parsed.
pub(crate) fn load_bundle_with(
    input: &InputArgs,
    kb: Arc<Knowledge>,
    keep_ordinary: bool,
    retain: Retain,
    sink: Option<uctriage_engine::SinkFactory>,
) -> Result<Bundle> {
    load_configured(input, kb, keep_ordinary, retain, sink, KindSet::NONE)
}

/// [`load_bundle_with`], where past the memory budget the events of
/// `spill_kinds` go to disk whole and stay there, in sorted runs
/// ([`Bundle::spilled`]): for a command that reads those kinds from the runs.
pub(crate) fn load_configured(
    input: &InputArgs,
    kb: Arc<Knowledge>,
    keep_ordinary: bool,
    retain: Retain,
    sink: Option<uctriage_engine::SinkFactory>,
    spill_kinds: KindSet,
) -> Result<Bundle> {
    let tz_hints = input
        .tz
        .iter()
        .map(|s| ZoneHint::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    let date_hint = match &input.date {
        Some(d) => Some(
            d.parse()
                .with_context(|| format!("--date `{d}` is not a YYYY-MM-DD date"))?,
        ),
        None => None,
    };
    let forced = input
        .input_format
        .iter()
        .map(|s| ForcedFormat::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    for p in &input.paths {
        if p.as_os_str() != "-" && !p.exists() {
            bail!("{}: no such file or folder", p.display());
        }
    }
    let counter_filter: uctriage_formats::CounterFilter =
        std::sync::Arc::new(move |c: &str| kb.metric_class(c).is_some());
    let cfg = Config {
        inputs: input.paths.clone(),
        forced,
        limits: Default::default(),
        options: Options {
            tz_hints,
            date_hint,
            ..Options::default()
        },
        counter_filter: Some(counter_filter),
        keep_ordinary,
        retain,
        walk: WalkOptions {
            follow_outside: input.follow_outside,
        },
        max_memory: input.max_memory.0,
        spill_kinds,
        sink,
    };
    let spilled_before = uctriage_core::text::stats();
    let bar = Bar::new(input.quiet);
    use_threads(input.threads);
    let bundle = load(&cfg, &bar);
    // The bar stays, naming the stages after the load (the rules), until
    // the report begins (crate::progress::clear).
    bar.suspend(|| spill_note(spilled_before, input.max_memory.0));
    Ok(bundle)
}

/// Bytes for a human: MiB from 1 MiB up, else KiB.
/// Adds what one file's sink gathered to the results of every file, by
/// path (a file read in parts gives several): the streaming miners of
/// `analyze` and `templates` end each file this way.
pub(crate) fn push_file_result<T>(
    files: &std::sync::Mutex<std::collections::HashMap<String, Vec<T>>>,
    path: String,
    result: T,
) {
    files
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(path)
        .or_default()
        .push(result);
}

fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes.div_ceil(1 << 10))
    }
}

/// Say on stderr when event texts went to the spill file (the output is the
/// same; the user should know why the disk was used and how to avoid it).
fn spill_note(before: uctriage_core::text::SpillStats, budget: Option<u64>) {
    let now = uctriage_core::text::stats();
    let texts = now.texts - before.texts;
    if texts > 0 {
        eprintln!(
            "uctriage: memory budget {}: the raw text of {texts} event{} ({}) kept in a temporary file (raise --max-memory to keep it in memory)",
            size(budget.unwrap_or(0)),
            if texts == 1 { "" } else { "s" },
            size(now.bytes - before.bytes)
        );
    }
    let text_trouble = now.trouble.filter(|_| before.trouble.is_none());
    if let Some(e) = &text_trouble {
        eprintln!("uctriage: event texts past the memory budget stay in memory: {e}");
    }
    let events = uctriage_spill::stats();
    if let Some(e) = &events.trouble {
        eprintln!("uctriage: events past the memory budget stay in memory: {e}");
    }
    if let Some(e) = &events.merge_trouble {
        eprintln!("uctriage: the sorted runs could not be merged into fewer, so reading them back may pass the memory budget: {e}");
    }
    let disk_trouble =
        text_trouble.is_some() || events.trouble.is_some() || events.merge_trouble.is_some();
    if disk_trouble {
        eprintln!("uctriage: {}", temp_folder_hint());
    }
    if events.parsed_events > 0 {
        let passes = match events.merge_passes {
            0 => String::new(),
            1 => ", merged into fewer in one more pass,".to_string(),
            n => format!(", merged into fewer in {n} more passes,"),
        };
        // No run: the disk filled up, or the events were of kinds kept in
        // memory once placed.
        let then = match events.runs {
            0 => "placed in memory".to_string(),
            runs => format!(
                "{} in {runs} sorted runs ({}){passes} read back in order",
                events.run_events,
                size(events.run_bytes),
            ),
        };
        eprintln!(
            "uctriage: memory budget {}: {} events kept in a temporary file while reading ({} on disk), then {then} (raise --max-memory to keep them in memory)",
            size(budget.unwrap_or(0)),
            events.parsed_events,
            size(events.parsed_bytes),
        );
    }
}

/// The environment variable that names the folder of temporary files
/// (`std::env::temp_dir`).
const TEMP_VARIABLE: &str = if cfg!(windows) { "TMP" } else { "TMPDIR" };

/// Where temporary files go and how to move them, for a user whose
/// temporary disk is full or missing.
pub(crate) fn temp_folder_hint() -> String {
    format!(
        "temporary files go to {}: point {TEMP_VARIABLE} at a folder with more free space",
        std::env::temp_dir().display()
    )
}

/// Threads per core `-j` may ask for, at most.
const MAX_THREADS_PER_CORE: usize = 4;

/// The process's thread pool, which reading and correlation share, made
/// once with `-j` threads ([`clamp_threads`]); without `-j`, one per core.
fn use_threads(threads: Option<usize>) {
    static ONCE: std::sync::Once = std::sync::Once::new();
    if let Some(n) = threads {
        ONCE.call_once(|| {
            // Fails only when the pool is made already (it is made once).
            let _ = rayon::ThreadPoolBuilder::new()
                .num_threads(clamp_threads(n))
                .build_global();
        });
    }
}

/// `-j N`, within 1 and [`MAX_THREADS_PER_CORE`] per core (told on stderr
/// when lowered: thousands of threads only make the machine thrash).
fn clamp_threads(n: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let max = cores * MAX_THREADS_PER_CORE;
    if n > max {
        eprintln!("uctriage: -j {n} is more than this machine can use: using {max} threads ({MAX_THREADS_PER_CORE} per core, {cores} cores)");
    }
    n.clamp(1, max)
}

/// The zone times are shown in: `--utc`, `--display-tz ZONE`, else the
/// incident's local zone.
pub(crate) fn time_style(bundle: &Bundle, zone: &ZoneArgs) -> Result<TimeStyle> {
    if zone.utc {
        return Ok(TimeStyle::utc());
    }
    if let Some(name) = &zone.display_tz {
        let tz = TimeZone::get(name).with_context(|| {
            format!("--display-tz `{name}` is not a time zone: use an Olson name such as Europe/Berlin, or UTC")
        })?;
        return Ok(TimeStyle {
            tz,
            name: name.clone(),
        });
    }
    Ok(TimeStyle {
        tz: bundle.display.tz.clone(),
        name: bundle.display.zone.clone(),
    })
}

/// End a command with `code`, without freeing the bundle: the process ends
/// next, and dropping millions of events one by one is wasted time.
pub(crate) fn done(bundle: Bundle, code: i32) -> i32 {
    std::mem::forget(bundle);
    code
}

/// Wall time of each phase, printed to stderr at the end when the
/// environment has `UCTRIAGE_TIMINGS` set (for benchmarks, bench/RESULTS.md:
/// how much of a run each phase takes). Costs nothing otherwise.
pub(crate) struct Phases {
    last: Option<std::time::Instant>,
    done: Vec<(&'static str, std::time::Duration)>,
}

impl Phases {
    pub(crate) fn from_env() -> Phases {
        Phases {
            last: std::env::var_os("UCTRIAGE_TIMINGS").map(|_| {
                uctriage_core::stages::enable();
                std::time::Instant::now()
            }),
            done: Vec::new(),
        }
    }

    /// The phase `name` ended now.
    pub(crate) fn done(&mut self, name: &'static str) {
        if let Some(last) = self.last {
            let now = std::time::Instant::now();
            self.done.push((name, now - last));
            self.last = Some(now);
        }
    }

    pub(crate) fn report(&self) {
        if self.last.is_none() {
            return;
        }
        let total: f64 = self.done.iter().map(|(_, d)| d.as_secs_f64()).sum();
        for (name, d) in &self.done {
            let s = d.as_secs_f64();
            eprintln!(
                "timings: {name}: {s:.3} s ({:.0} %)",
                100.0 * s / total.max(f64::MIN_POSITIVE)
            );
        }
        eprintln!("timings: total: {total:.3} s");
        // The stages within the phases: the load's two, and every rule
        // that took a millisecond or more.
        for (name, d) in uctriage_core::stages::take() {
            if d.as_secs_f64() >= 0.001 || !name.starts_with("rule ") {
                eprintln!("timings:   {name}: {:.3} s", d.as_secs_f64());
            }
        }
    }
}
