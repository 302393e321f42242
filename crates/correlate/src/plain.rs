//! Plain lines summarised while a bundle is read, for the unusual-activity
//! rule ([`crate::rules`] `unusual_activity`): the lines no rule keeps as
//! events (events of kind `log`) are mined as they stream past, and what
//! stays is, per signature and host, how many lines fell in which span of
//! time, plus a few evidence lines (file, line, raw text) with their
//! instants. Memory depends on how varied the lines are, never on how many
//! there are: the caller bounds the spans and evidence it adds (`analyze`
//! does per file), the miner bounds its signatures.
//!
//! The rule adds the `log` events that were kept anyway (a product line
//! another rule reads, every line when the HTML report keeps them all, the
//! live server's window) to the same summary, so one judgement serves
//! every front end.

use std::collections::HashMap;
use std::sync::Arc;
use uctriage_core::jiff::Timestamp;
use uctriage_core::Evidence;
use uctriage_templates::{Config, Miner};

/// Lines of one signature on one host between two instants.
#[derive(Clone, Debug)]
pub(crate) struct Span {
    pub(crate) sig: u32,
    pub(crate) host: u32,
    pub(crate) first: Timestamp,
    pub(crate) last: Timestamp,
    pub(crate) count: u64,
}

/// One evidence line of a signature on a host, with its instant and the
/// index of its file in the bundle's order (for ties, as events sort).
#[derive(Clone, Debug)]
pub(crate) struct Cite {
    pub(crate) sig: u32,
    pub(crate) host: u32,
    pub(crate) at: Timestamp,
    pub(crate) file: u32,
    pub(crate) evidence: Evidence,
}

/// The plain lines of a bundle, summarised (see the module's text).
#[derive(Debug)]
pub struct PlainLog {
    miner: Miner,
    pub(crate) spans: Vec<Span>,
    pub(crate) cites: Vec<Cite>,
    pub(crate) hosts: Vec<String>,
    host_index: HashMap<String, u32>,
    file_order: HashMap<Arc<str>, u32>,
}

impl PlainLog {
    /// An empty summary for a bundle whose files are `files`, in the
    /// bundle's order.
    pub fn new<'a>(files: impl IntoIterator<Item = &'a str>) -> PlainLog {
        PlainLog {
            miner: Miner::new(Self::config()),
            spans: Vec::new(),
            cites: Vec::new(),
            hosts: Vec::new(),
            host_index: HashMap::new(),
            file_order: files
                .into_iter()
                .enumerate()
                .map(|(i, f)| (Arc::from(f), i as u32))
                .collect(),
        }
    }

    /// How the unusual-activity rule mines: the defaults of `uctriage
    /// templates` (the same templates and ids), but at most
    /// [`PlainLog::MAX_SIGNATURES`] distinct signatures per miner. `analyze`
    /// holds a miner per file being read plus the shared one, beside the
    /// events the rules keep; a day of logs whose lines the masks leave all
    /// different would otherwise hold 200,000 signatures in each (about
    /// 0.7 GiB on 300 MB of generated logs). Past the cap, lines are grouped
    /// coarser, as `templates` does past its own.
    pub fn config() -> Config {
        Config {
            max_signatures: Self::MAX_SIGNATURES,
            ..Config::default()
        }
    }

    /// Distinct signatures per miner in `analyze`.
    pub const MAX_SIGNATURES: usize = 40_000;

    /// The miner holding the signatures the spans and cites refer to (a
    /// file's miner is merged into it, [`Miner::merge`]).
    pub fn miner_mut(&mut self) -> &mut Miner {
        &mut self.miner
    }

    pub(crate) fn miner(&self) -> &Miner {
        &self.miner
    }

    /// The index of `file` in the bundle's order (after every file when
    /// unknown).
    pub(crate) fn file_rank(&self, file: &str) -> u32 {
        self.file_order.get(file).copied().unwrap_or(u32::MAX)
    }

    fn host(&mut self, host: &str) -> u32 {
        if let Some(&h) = self.host_index.get(host) {
            return h;
        }
        let h = self.hosts.len() as u32;
        self.hosts.push(host.to_string());
        self.host_index.insert(host.to_string(), h);
        h
    }

    /// `count` lines of signature `sig` on `host`, from `first` to `last`.
    pub fn count(&mut self, sig: u32, host: &str, first: Timestamp, last: Timestamp, count: u64) {
        let host = self.host(host);
        self.spans.push(Span {
            sig,
            host,
            first,
            last,
            count,
        });
    }

    /// One evidence line of signature `sig` on `host` at `at` (counted
    /// apart, with [`PlainLog::count`]).
    pub fn cite(&mut self, sig: u32, host: &str, at: Timestamp, evidence: Evidence) {
        let host = self.host(host);
        let file = self.file_rank(&evidence.file);
        self.cites.push(Cite {
            sig,
            host,
            at,
            file,
            evidence,
        });
    }

    /// Keep only what `keep(host, instant)` accepts (a span by its first
    /// instant): `analyze --host/--since/--until`.
    pub fn retain(&mut self, keep: impl Fn(&str, Timestamp) -> bool) {
        let hosts = &self.hosts;
        self.spans
            .retain(|s| keep(&hosts[s.host as usize], s.first));
        self.cites.retain(|c| keep(&hosts[c.host as usize], c.at));
    }

    /// Lines counted.
    pub fn lines(&self) -> u64 {
        self.spans.iter().map(|s| s.count).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    #[test]
    fn hosts_are_shared_and_retain_filters_spans_and_cites() {
        let mut p = PlainLog::new(["a.log", "b.log"]);
        let ev = |file: &str, line| Evidence {
            file: Arc::from(file),
            line,
            text: "disk full".into(),
        };
        p.count(0, "h1", at(10), at(20), 3);
        p.count(0, "h2", at(30), at(30), 1);
        p.cite(0, "h1", at(10), ev("b.log", 4));
        p.cite(0, "h2", at(30), ev("nowhere.log", 1));
        assert_eq!(p.hosts, vec!["h1".to_string(), "h2".to_string()]);
        assert_eq!((p.cites[0].file, p.cites[1].file), (1, u32::MAX));
        assert_eq!(p.lines(), 4);
        p.retain(|h, t| h == "h1" && t >= at(5));
        assert_eq!((p.spans.len(), p.cites.len(), p.lines()), (1, 1, 3));
    }
}
