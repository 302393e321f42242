//! Log template mining: messages no parser understands grouped into
//! templates (`Connection from <*> closed after <*> ms`), with their count,
//! first and last time, hosts and one example.
//!
//! Two halves. [`Miner`] is streaming: each message is reduced to a
//! signature by its shape alone ([`mask`]) and counted; miners fed with
//! separate chunks are merged in order. [`Miner::finish`] then groups the
//! distinct signatures into templates (the tokens that vary within a group
//! become `<*>`), in an order that depends only on the signatures and their
//! counts: one thread and many give the same templates. Memory is bounded by
//! [`Config::max_signatures`] and [`Config::max_templates`]; what went past
//! either is said in [`Mined::notes`]. (Past the signature cap, which lines
//! were first to fill it can depend on the cut; below it nothing does.)
//!
//! ```
//! use uctriage_templates::{Config, Miner, Seen};
//! let mut m = Miner::new(Config::default());
//! for user in ["bob", "eve", "joe", "ann"] {
//!     m.add(format!("Invalid user {user} from 10.0.0.1").as_bytes(), Seen::default());
//! }
//! m.add(b"Session opened", Seen::default());
//! let mined = m.finish();
//! assert_eq!(mined.templates[0].template, "Invalid user <*> from <*>");
//! assert_eq!(mined.templates[0].count, 4);
//! ```

mod cluster;
pub mod mask;
mod miner;

pub use cluster::template_id;
pub use miner::{Miner, Seen, MAX_EXAMPLE_BYTES, MAX_HOSTS};
use rayon::prelude::*;

/// How the miner groups and what it keeps.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// Share of positions that must agree for a signature to join a template.
    pub similarity: f64,
    /// A position of a group that varies between this many plain words or
    /// fewer splits the group instead of becoming `<*>`.
    pub few_values: usize,
    /// Distinct signatures kept, at most, per miner.
    pub max_signatures: usize,
    /// Templates reported, at most (the rarest merged into a catch-all).
    pub max_templates: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            similarity: 0.5,
            few_values: 3,
            max_signatures: 200_000,
            max_templates: 5_000,
        }
    }
}

/// One template and what was seen of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    /// Stable id: a hash of the template text.
    pub id: String,
    /// The tokens, variables as `<*>`, joined by single spaces.
    pub template: String,
    /// Messages it covers.
    pub count: u64,
    /// Earliest instant seen (the unit the caller gave).
    pub first: Option<i64>,
    /// Latest instant seen.
    pub last: Option<i64>,
    /// Hosts seen, sorted, at most [`MAX_HOSTS`].
    pub hosts: Vec<String>,
    /// More hosts were seen than are listed.
    pub hosts_more: bool,
    /// The first message of its most frequent signature.
    pub example: String,
}

/// The templates mined, most frequent first.
#[derive(Clone, Debug)]
pub struct Mined {
    /// Templates by count, then text.
    pub templates: Vec<Template>,
    /// For each signature index of the finished miner, its template's index.
    pub of_signature: Vec<u32>,
    /// What the caps changed, and lines that were not text.
    pub notes: Vec<String>,
}

impl Miner {
    /// Group the signatures into templates.
    pub fn finish(self) -> Mined {
        cluster::cluster(self)
    }
}

/// Mine `items` on the current rayon pool in chunks of `chunk` items, one
/// miner per chunk merged in order; `message` gives each item's message and
/// where it was seen. Returns the templates and each item's template index.
pub fn mine_par<T, F>(cfg: Config, items: &[T], chunk: usize, message: F) -> (Mined, Vec<u32>)
where
    T: Sync,
    F: for<'a> Fn(&'a T) -> (&'a [u8], Seen<'a>) + Sync,
{
    mine_par_onto(Miner::new(cfg), items, chunk, message)
}

/// Mine `items` into `all` as [`mine_par_onto`] does (chunks of `chunk`
/// items, one miner per chunk, merged in order), not finished: items given
/// a batch at a time, each batch but the last a multiple of `chunk` items
/// long, make the same miner as all of them given at once. Returns each
/// item's signature index in `all`.
pub fn mine_par_into<T, F>(all: &mut Miner, items: &[T], chunk: usize, message: F) -> Vec<u32>
where
    T: Sync,
    F: for<'a> Fn(&'a T) -> (&'a [u8], Seen<'a>) + Sync,
{
    let cfg = all.cfg;
    let parts: Vec<(Miner, Vec<u32>)> = items
        .par_chunks(chunk.max(1))
        .map(|c| {
            let mut m = Miner::new(cfg);
            let ids = c
                .iter()
                .map(|it| {
                    let (msg, seen) = message(it);
                    m.add(msg, seen)
                })
                .collect();
            (m, ids)
        })
        .collect();
    let mut sig_of_item = Vec::with_capacity(items.len());
    for (m, ids) in parts {
        let map = all.merge(m);
        sig_of_item.extend(ids.into_iter().map(|i| map[i as usize]));
    }
    sig_of_item
}

/// [`mine_par`] onto a miner that already holds signatures (mined while a
/// bundle was read, say): `base`'s signatures keep their indexes, so
/// [`Mined::of_signature`] gives their templates too.
pub fn mine_par_onto<T, F>(base: Miner, items: &[T], chunk: usize, message: F) -> (Mined, Vec<u32>)
where
    T: Sync,
    F: for<'a> Fn(&'a T) -> (&'a [u8], Seen<'a>) + Sync,
{
    let mut all = base;
    let sig_of_item = mine_par_into(&mut all, items, chunk, message);
    let mined = all.finish();
    let of_item = sig_of_item
        .into_iter()
        .map(|s| mined.of_signature[s as usize])
        .collect();
    (mined, of_item)
}

#[cfg(test)]
mod tests;

/// The message of a parsed record: where a parser knows the header (time,
/// host, severity, process), its one-line summary ends with the message, as
/// the raw line does; the longest tail they share, cut at a word, is the
/// message. When they share little (a summary the parser wrote in its own
/// words), the raw line's first line is mined whole: its times and numbers
/// are masked anyway. This is the fallback: a format that knows where its
/// message starts says so instead (uctriage's SDL parser hands its records'
/// messages to the miner, no guess made).
///
/// ```
/// use uctriage_templates::message_of;
/// let raw = "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186";
/// let summary = "sshd: Invalid user webmaster from 173.234.31.186";
/// assert_eq!(message_of(raw, summary), "Invalid user webmaster from 173.234.31.186");
/// assert_eq!(message_of("12:00:01 disk full", "Disk is full"), "12:00:01 disk full");
/// ```
pub fn message_of<'a>(raw: &'a str, summary: &str) -> &'a str {
    let line = raw.lines().next().unwrap_or("");
    let (a, b) = (line.as_bytes(), summary.as_bytes());
    let mut n = 0;
    while n < a.len() && n < b.len() && a[a.len() - 1 - n] == b[b.len() - 1 - n] {
        n += 1;
    }
    let mut start = a.len() - n;
    // Cut at a word: the shared tail may begin inside one.
    while start < a.len() && !(start == 0 || a[start - 1].is_ascii_whitespace()) {
        start += 1;
    }
    let tail =
        line[start..].trim_start_matches(|c: char| c == ':' || c == '-' || c.is_whitespace());
    if tail.len() >= 8 && tail.split_whitespace().count() >= 2 {
        tail
    } else {
        line
    }
}
