//! The streaming half: messages in, counted signatures out. A [`Miner`]
//! keeps one entry per distinct signature (see [`crate::mask`]) with its
//! count, first and last time, hosts and first example; miners fed with
//! separate chunks merge into one, and since a signature does not depend on
//! what came before it, the result is the same however the input was cut.

use crate::mask::{signature, WILDCARD};
use crate::Config;
use hashbrown::HashMap;

/// Hosts remembered per signature, at most (more are counted only).
pub const MAX_HOSTS: usize = 16;

/// Bytes of an example message kept, at most.
pub const MAX_EXAMPLE_BYTES: usize = 512;

/// Where and when one message was seen.
#[derive(Clone, Copy, Debug, Default)]
pub struct Seen<'a> {
    /// Its instant, in the caller's unit (uctriage: Unix milliseconds).
    pub time: Option<i64>,
    /// Its host, when known.
    pub host: Option<&'a str>,
    /// Where it stands in the input (the caller's file order, then its
    /// line): a signature's example is its earliest message by rank (the
    /// first added on a tie), however the input was cut and merged.
    pub rank: (u64, u64),
}

/// What a miner knows of one signature.
#[derive(Clone, Debug)]
pub(crate) struct Stats {
    pub(crate) count: u64,
    pub(crate) first: Option<i64>,
    pub(crate) last: Option<i64>,
    /// Indexes into [`Miner::hosts`], at most [`MAX_HOSTS`].
    pub(crate) hosts: Vec<u32>,
    /// More hosts than were kept.
    pub(crate) hosts_more: bool,
    pub(crate) example: String,
    /// The rank of the example's message.
    pub(crate) rank: (u64, u64),
}

/// Mines signatures from a stream of messages (one chunk of the input).
#[derive(Clone, Debug)]
pub struct Miner {
    pub(crate) cfg: Config,
    index: HashMap<Box<[u8]>, u32>,
    /// Signatures in the order first seen.
    pub(crate) keys: Vec<Box<[u8]>>,
    pub(crate) stats: Vec<Stats>,
    /// Host names, interned.
    pub(crate) hosts: Vec<String>,
    host_index: HashMap<String, u32>,
    /// Lines whose own signature did not fit under the cap.
    pub(crate) overflow_lines: u64,
    /// Messages that were not text (NUL or other control bytes, invalid UTF-8).
    pub(crate) binary_lines: u64,
    scratch: Vec<u8>,
}

impl Miner {
    /// An empty miner.
    pub fn new(cfg: Config) -> Miner {
        Miner {
            cfg,
            index: HashMap::new(),
            keys: Vec::new(),
            stats: Vec::new(),
            hosts: Vec::new(),
            host_index: HashMap::new(),
            overflow_lines: 0,
            binary_lines: 0,
            scratch: Vec::with_capacity(256),
        }
    }

    /// Distinct signatures so far.
    pub fn signatures(&self) -> usize {
        self.keys.len()
    }

    /// Mine one message (raw bytes: invalid UTF-8 and control bytes are
    /// mined too, shown with replacement characters). Returns the index of
    /// its signature in this miner.
    pub fn add(&mut self, msg: &[u8], seen: Seen<'_>) -> u32 {
        if !is_text(msg) {
            self.binary_lines += 1;
        }
        let mut key = std::mem::take(&mut self.scratch);
        let n = signature(msg, &mut key);
        let id = match self.index.get(key.as_slice()) {
            Some(&id) => id,
            None => {
                if self.keys.len() >= self.cfg.max_signatures {
                    self.overflow_lines += 1;
                    coarse(&mut key, n, self.keys.len() >= 2 * self.cfg.max_signatures);
                }
                match self.index.get(key.as_slice()) {
                    Some(&id) => id,
                    None => self.insert(key[..].into(), example(msg), seen.rank),
                }
            }
        };
        self.scratch = key;
        if seen.rank < self.stats[id as usize].rank {
            let s = &mut self.stats[id as usize];
            s.example = example(msg);
            s.rank = seen.rank;
        }
        self.count(id, 1, seen.time, seen.time);
        if let Some(h) = seen.host {
            let h = self.intern(h);
            self.add_host(id, h);
        }
        id
    }

    /// A new signature, not counted yet, with its example line.
    fn insert(&mut self, key: Box<[u8]>, example: String, rank: (u64, u64)) -> u32 {
        let id = self.keys.len() as u32;
        self.index.insert(key.clone(), id);
        self.keys.push(key);
        self.stats.push(Stats {
            count: 0,
            first: None,
            last: None,
            hosts: Vec::new(),
            hosts_more: false,
            example,
            rank,
        });
        id
    }

    /// Record what was learnt of some messages of signature `id` after they
    /// were added (their instants and host, once placed); counts nothing.
    pub fn see(&mut self, id: u32, first: Option<i64>, last: Option<i64>, host: Option<&str>) {
        self.count(id, 0, first, last);
        if let Some(h) = host {
            let h = self.intern(h);
            self.add_host(id, h);
        }
    }

    /// Let go of what only adding needs (the index of signatures): a miner
    /// that is only merged from and read keeps its signatures once.
    pub fn seal(&mut self) {
        self.index = HashMap::new();
        self.host_index = HashMap::new();
        self.scratch = Vec::new();
        self.keys.shrink_to_fit();
        self.stats.shrink_to_fit();
    }

    fn count(&mut self, id: u32, n: u64, first: Option<i64>, last: Option<i64>) {
        let s = &mut self.stats[id as usize];
        s.count += n;
        s.first = min_opt(s.first, first);
        s.last = max_opt(s.last, last);
    }

    fn intern(&mut self, host: &str) -> u32 {
        if let Some(&h) = self.host_index.get(host) {
            return h;
        }
        let h = self.hosts.len() as u32;
        self.hosts.push(host.to_string());
        self.host_index.insert(host.to_string(), h);
        h
    }

    fn add_host(&mut self, id: u32, h: u32) {
        let s = &mut self.stats[id as usize];
        if !s.hosts.contains(&h) {
            if s.hosts.len() < MAX_HOSTS {
                s.hosts.push(h);
            } else {
                s.hosts_more = true;
            }
        }
    }

    /// Fold `other` (the chunk after this one) in. Returns, for each of
    /// `other`'s signature indexes, its index here.
    pub fn merge(&mut self, other: Miner) -> Vec<u32> {
        let host_map: Vec<u32> = other.hosts.iter().map(|h| self.intern(h)).collect();
        let mut map = Vec::with_capacity(other.keys.len());
        self.overflow_lines += other.overflow_lines;
        self.binary_lines += other.binary_lines;
        for (key, st) in other.keys.into_iter().zip(other.stats) {
            let id = match self.index.get(&key) {
                Some(&id) => id,
                None if self.keys.len() < self.cfg.max_signatures => {
                    self.insert(key, st.example.clone(), st.rank)
                }
                None => {
                    // Full: grouped as `add` groups a line past the cap.
                    self.overflow_lines += st.count;
                    let mut coarse_key = key.into_vec();
                    let n = coarse_key.split(|&b| b == b' ').count();
                    coarse(
                        &mut coarse_key,
                        n,
                        self.keys.len() >= 2 * self.cfg.max_signatures,
                    );
                    match self.index.get(coarse_key.as_slice()) {
                        Some(&id) => id,
                        None => self.insert(coarse_key.into(), st.example.clone(), st.rank),
                    }
                }
            };
            if st.rank < self.stats[id as usize].rank {
                self.stats[id as usize].example = st.example;
                self.stats[id as usize].rank = st.rank;
            }
            self.count(id, st.count, st.first, st.last);
            for h in &st.hosts {
                self.add_host(id, host_map[*h as usize]);
            }
            if st.hosts_more {
                self.stats[id as usize].hosts_more = true;
            }
            map.push(id);
        }
        map
    }
}

/// The signature a line gets when the table is full: its first token and a
/// wildcard per other token (or wildcards only, past twice the cap).
fn coarse(key: &mut Vec<u8>, n: usize, all: bool) {
    let first = if all {
        0
    } else {
        key.iter().position(|&b| b == b' ').unwrap_or(key.len())
    };
    key.truncate(first);
    for i in 0..n {
        if i == 0 && !all {
            continue;
        }
        if !key.is_empty() {
            key.push(b' ');
        }
        key.extend_from_slice(WILDCARD);
    }
}

/// Whether a message is text: no control byte but tab, valid UTF-8, and no
/// U+FFFD (what a reader that replaced invalid UTF-8 left).
fn is_text(msg: &[u8]) -> bool {
    // Nearly always printable ASCII: checked without branches first.
    if msg.iter().fold(true, |ok, &b| {
        ok & (((0x20..0x80).contains(&b)) | (b == b'\t'))
    }) {
        return true;
    }
    let mut high = false;
    for (i, &b) in msg.iter().enumerate() {
        if b < 0x20 && b != b'\t' {
            return false;
        }
        if b == 0xEF && msg.get(i + 1..i + 3) == Some(&[0xBF, 0xBD]) {
            return false;
        }
        high |= b >= 0x80;
    }
    !high || std::str::from_utf8(msg).is_ok()
}

fn example(msg: &[u8]) -> String {
    let mut end = msg.len().min(MAX_EXAMPLE_BYTES);
    // Cut on a character boundary when the message is UTF-8.
    while end > 0 && end < msg.len() && (msg[end] & 0xC0) == 0x80 {
        end -= 1;
    }
    String::from_utf8_lossy(&msg[..end]).into_owned()
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}
