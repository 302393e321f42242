//! # uctriage-engine
//!
//! The pipeline that ties the stages together: sources → format detection →
//! parsers → normalization. Front ends (the CLI, tests, later a service) call
//! [`load`] and get a [`Bundle`]; they never touch the stages directly.
//!
//! Units of input (loose files, whole archives) are read in parallel with
//! rayon and merged back in input order, so the result is the same with one
//! thread or many.
#![deny(missing_docs)]

use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use uctriage_core::{KindSet, Problem};
use uctriage_formats::{by_name, FileContext, Format, ParsedFile};
pub use uctriage_sources::WalkOptions;
use uctriage_sources::{plan_with, Limits, SourceProblem};

mod manifest;
mod unit;

pub use uctriage_formats::{EventFilter, EventSink, SinkFactory};
pub use uctriage_normalize::{Bundle, FileInfo, Options, ZoneHint};
pub use uctriage_sources::STDIN_NAME;

/// Force a format: for every file, or for files whose path ends with a suffix.
#[derive(Clone, Debug)]
pub struct ForcedFormat {
    /// Path suffix the rule applies to (None: every file).
    pub suffix: Option<String>,
    /// The format.
    pub format: &'static dyn Format,
}

impl ForcedFormat {
    /// Parse `NAME` or `PATH-SUFFIX=NAME`.
    pub fn parse(s: &str) -> Result<ForcedFormat, String> {
        let (suffix, name) = match s.rsplit_once('=') {
            Some((p, n)) => (Some(p.to_string()), n),
            None => (None, s),
        };
        let format = by_name(name)
            .ok_or_else(|| format!("unknown format `{name}`: see `uctriage formats`"))?;
        Ok(ForcedFormat { suffix, format })
    }
}

/// Everything [`load`] needs.
#[derive(Clone, Default)]
pub struct Config {
    /// Files and folders to read.
    pub inputs: Vec<PathBuf>,
    /// Formats forced by the user, first match wins.
    pub forced: Vec<ForcedFormat>,
    /// Archive limits.
    pub limits: Limits,
    /// Time hints.
    pub options: Options,
    /// Which counters wide metric files keep (None: their first columns).
    pub counter_filter: Option<uctriage_formats::CounterFilter>,
    /// Every understood record becomes an event, ordinary SDL lines too
    /// (`timeline --all`); costs memory in proportion to the input.
    pub keep_ordinary: bool,
    /// Which events are kept in memory for the command: the one switch
    /// between "keep" and "count" (see [`Retain`]).
    pub retain: Retain,
    /// How the walk treats symbolic links in folder inputs.
    pub walk: WalkOptions,
    /// Memory budget in bytes for what the load keeps (None: no limit):
    /// past [`SPILL_SHARE`] of it, the raw text of each further kept event
    /// goes to a temporary file ([`uctriage_core::text`]). Outputs are the
    /// same either way.
    pub max_memory: Option<u64>,
    /// Past the same share of [`Config::max_memory`], whole events go to disk
    /// too while parsing, and those of these kinds stay there once placed, in
    /// sorted runs ([`Bundle::spilled`]) merged back in order
    /// ([`Bundle::each_in_order`]); the other kinds come back to
    /// [`Bundle::events`]. Empty: nothing goes to disk whole. For a consumer
    /// that reads those kinds from the runs: `timeline` (every kind), the
    /// rules (the kinds they stream, `uctriage_correlate::Engine::disk_kinds`).
    pub spill_kinds: KindSet,
    /// Who sees, as they are parsed, the events [`Config::retain`] does not
    /// keep and the lines no parser understood (see [`EventSink`]).
    pub sink: Option<SinkFactory>,
}

/// The default `--max-memory`: 512 MiB, well under the 1 GiB the tool
/// should need on any input (the command line's default says the same).
pub const DEFAULT_MAX_MEMORY: u64 = 512 << 20;

/// The share of the memory budget the kept events may take (by estimate)
/// before their raw texts spill: 1/4. The rest of the budget is for what
/// cannot spill (the events' other parts, the parsers' buffers, the
/// allocator's slack, the rules' indexes and the outputs).
pub const SPILL_SHARE: (u64, u64) = (1, 4);

/// Which events the pipeline keeps once parsed.
///
/// Events not kept are counted and summarised per file as they are parsed
/// (their hosts, dates and time range still count, and times that cannot be
/// placed are still reported: [`uctriage_formats::Dropped`]), so memory no
/// longer grows with them. Nothing else differs: `files`, notes and the
/// files of every report read the same whatever is kept.
///
/// A streaming consumer of the events not kept (a template miner over the
/// lines no rule reads) is plugged in beside it, as [`Config::sink`]: it
/// sees each event that is not kept, before it is let go, and each line no
/// parser understood.
#[derive(Clone, Default)]
pub enum Retain {
    /// Every event (`timeline`, which prints them all; the HTML report,
    /// whose host lanes show them).
    #[default]
    All,
    /// Only the events the filter accepts (`analyze`: what the rules read).
    Only(EventFilter),
    /// No event: files are counted and summarised (`files`).
    CountOnly,
}

impl Retain {
    /// The filter parsers apply (None: keep all).
    fn filter(&self) -> Option<EventFilter> {
        match self {
            Retain::All => None,
            Retain::Only(f) => Some(f.clone()),
            Retain::CountOnly => Some(uctriage_formats::keep_none()),
        }
    }
}

/// Told about progress while loading; called from several threads.
pub trait Progress: Sync {
    /// The total number of input bytes (on disk) is known.
    fn start(&self, total_bytes: u64, units: usize);
    /// One unit of `bytes` (on disk) is done.
    fn advance(&self, bytes: u64, path: &str);
}

/// A [`Progress`] that says nothing.
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: u64, _: usize) {}
    fn advance(&self, _: u64, _: &str) {}
}

/// Read, parse and normalize everything in `cfg.inputs`.
pub fn load(cfg: &Config, progress: &dyn Progress) -> Bundle {
    let started = std::time::Instant::now();
    let limit = cfg
        .max_memory
        .map_or(u64::MAX, |m| m / SPILL_SHARE.1 * SPILL_SHARE.0);
    uctriage_core::text::set_limit(limit);
    let spill_events = !cfg.spill_kinds.is_empty() && cfg.max_memory.is_some();
    uctriage_spill::enable(spill_events.then_some(limit));
    let manifests = manifest::read(&cfg.inputs);
    // Files the manifest leaves out are not streamed to the sink either.
    let with_skip;
    let cfg = match &cfg.sink {
        Some(make) if !manifests.skip.is_empty() => {
            let (make, skip) = (make.clone(), manifests.skip.clone());
            with_skip = Config {
                sink: Some(std::sync::Arc::new(
                    move |ctx: &uctriage_formats::FileContext| {
                        if skip.contains(&ctx.path) {
                            Box::new(Ignore) as Box<dyn EventSink>
                        } else {
                            make(ctx)
                        }
                    },
                )),
                ..cfg.clone()
            };
            &with_skip
        }
        _ => cfg,
    };
    let (units, walk_problems) = plan_with(&cfg.inputs, &cfg.walk);
    let sizes: Vec<u64> = units.iter().map(|u| u.disk_bytes()).collect();
    progress.start(sizes.iter().sum(), units.len());
    let per_unit: Vec<Vec<ParsedFile>> = units
        .par_iter()
        .zip(sizes.par_iter())
        .enumerate()
        .map(|(number, (unit, size))| {
            // Progress follows the bytes read from disk, never past the file's size.
            let counted = AtomicU64::new(0);
            let report = |n: u64| {
                let before = counted.fetch_add(n, Ordering::Relaxed);
                let step = n.min(size.saturating_sub(before));
                if step > 0 {
                    progress.advance(step, &unit.rel);
                }
            };
            let parsed = unit::read_unit(unit, number, cfg, &report);
            let rest = size.saturating_sub(counted.load(Ordering::Relaxed));
            if rest > 0 {
                progress.advance(rest, &unit.rel);
            }
            parsed
        })
        .collect();
    // Room for all at once (not grown by doubling: a file is some 500 bytes
    // before its events, and an input may have a hundred thousand); one
    // unit's list (a whole collection in one archive) is kept as it is.
    let mut files = match <[_; 1]>::try_from(per_unit) {
        Ok([one]) => one,
        Err(per_unit) => {
            let mut files = Vec::with_capacity(per_unit.iter().map(Vec::len).sum());
            files.extend(per_unit.into_iter().flatten());
            files
        }
    };
    files.retain(|f| !manifests.skip.contains(&f.path));
    attach(&mut files, walk_problems);
    let manifest_problems = manifests
        .problems
        .into_iter()
        .map(|(path, message)| SourceProblem { path, message })
        .collect();
    attach(&mut files, manifest_problems);
    let mut options = cfg.options.clone();
    options.spill_kinds = cfg.spill_kinds;
    if options.root_folder.is_none() {
        options.root_folder = root_folder(&cfg.inputs);
    }
    uctriage_core::stages::note(started, || "read and parse".into());
    let placing = std::time::Instant::now();
    uctriage_core::stages::begin(|| "placing the events in time order".into());
    let bundle = uctriage_normalize::normalize_collected(files, &options, &manifests.collected);
    uctriage_core::stages::note(placing, || "place (normalize)".into());
    bundle
}

/// The name of the one folder input, whose files' paths leave it out
/// ([`uctriage_sources::plan_with`]); None with several inputs (each input's
/// name prefixes its files) or a file input.
fn root_folder(inputs: &[PathBuf]) -> Option<String> {
    match inputs {
        [one] if one.is_dir() => std::fs::canonicalize(one)
            .unwrap_or_else(|_| one.clone())
            .file_name()
            .map(|n| n.to_string_lossy().into_owned()),
        _ => None,
    }
}

/// A sink that lets everything go.
struct Ignore;

impl EventSink for Ignore {
    fn event(&mut self, _: &uctriage_core::RawEvent) {}
    fn unread_line(&mut self, _: u64, _: &str) {}
    fn finish(self: Box<Self>, _: &ParsedFile) {}
}

fn context(path: &str, options: &Options) -> FileContext {
    let mut ctx = FileContext::new(path);
    if ctx.date_hint.is_none() {
        ctx.date_hint = options
            .date_hint
            .map(|d| (d, uctriage_core::DateSource::Hint));
    }
    ctx
}

fn forced_for(forced: &[ForcedFormat], path: &str) -> Option<&'static dyn Format> {
    forced
        .iter()
        .find(|f| f.suffix.as_deref().is_none_or(|s| path.ends_with(s)))
        .map(|f| f.format)
}

/// Put source problems on the file they belong to, or on a file entry of their own.
/// Each file is found by its path in an index (a search of every file per
/// problem took minutes on a folder of a hundred thousand skipped links).
fn attach(files: &mut Vec<ParsedFile>, problems: Vec<SourceProblem>) {
    if problems.is_empty() {
        return;
    }
    let mut at: std::collections::HashMap<String, usize> =
        std::collections::HashMap::with_capacity(files.len());
    for (i, f) in files.iter().enumerate() {
        at.entry(f.path.clone()).or_insert(i);
    }
    for p in problems {
        match at.get(&p.path) {
            Some(&i) => files[i].problems.insert(0, Problem::file(p.message)),
            None => {
                at.insert(p.path.clone(), files.len());
                files.push(ParsedFile::failed(
                    &p.path,
                    "unreadable",
                    Problem::file(p.message),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(path: &str, message: &str) -> SourceProblem {
        SourceProblem {
            path: path.into(),
            message: message.into(),
        }
    }

    #[test]
    fn source_problems_go_to_their_file_or_to_one_entry_of_their_own() {
        let mut files: Vec<ParsedFile> = ["a.log", "b.log"]
            .iter()
            .map(|p| ParsedFile {
                path: p.to_string(),
                format: "generic-log",
                problems: vec![Problem::file("parsed")],
                ..Default::default()
            })
            .collect();
        attach(
            &mut files,
            vec![
                problem("b.log", "cut short"),
                problem("link.log", "leads outside the folder"),
                problem("b.log", "read twice"),
                problem("link.log", "again"),
            ],
        );
        let got: Vec<(&str, &str, Vec<&str>)> = files
            .iter()
            .map(|f| {
                let problems = f.problems.iter().map(|p| p.message.as_str()).collect();
                (f.path.as_str(), f.format, problems)
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("a.log", "generic-log", vec!["parsed"]),
                (
                    "b.log",
                    "generic-log",
                    vec!["read twice", "cut short", "parsed"]
                ),
                (
                    "link.log",
                    "unreadable",
                    vec!["again", "leads outside the folder"]
                ),
            ]
        );
        // No problem: nothing changes.
        let before = files.len();
        attach(&mut files, Vec::new());
        assert_eq!(files.len(), before);
    }
}
