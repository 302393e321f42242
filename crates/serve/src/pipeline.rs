//! From the intake to the store: the decode thread (messages → parsed records
//! → placed events, the same parser and normalization a bundle gets) and the
//! writer thread (batches committed to the store, room handed back to the
//! receivers only after the commit).
//!
//! A batch is everything queued when the decode thread looks (at most
//! [`MAX_BATCH`] messages), so under load batches grow and commits stay few;
//! when idle each message is committed on its own within milliseconds. What
//! the process holds that is not committed is at most the intake's byte
//! budget plus two batches in flight: that is what a SIGKILL can lose.

use crate::facts;
use crate::log;
use crate::ring;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uctriage_core::jiff::Timestamp;
use uctriage_core::Event;
use uctriage_live::{decode, Arrival, Budget, Counters, Item, Message, Room};
use uctriage_normalize::LiveNormalizer;
use uctriage_store::{Batch, NewEvent, Retention, SqliteStore, Store, StoreError, StoredMessage};

/// Most messages decoded and committed together.
pub const MAX_BATCH: usize = 20_000;

/// Event times of what was committed since correlation last looked.
#[derive(Clone, Debug, Default)]
pub struct Activity {
    /// Latest event instant committed.
    pub max: Option<Timestamp>,
    /// The hours (seconds since the epoch / 3600) events fell in.
    pub hours: std::collections::BTreeSet<i64>,
    /// Events committed.
    pub events: u64,
}

impl Activity {
    /// Note an event instant.
    pub fn note(&mut self, t: Timestamp) {
        self.max = Some(self.max.map_or(t, |m| m.max(t)));
        self.hours.insert(t.as_second().div_euclid(3600));
        self.events += 1;
    }
}

/// State the pipeline shares with correlation and the HTTP server.
#[derive(Debug)]
pub struct Shared {
    /// Receiver counters.
    pub counters: Arc<Counters>,
    /// Messages committed, all runs together.
    pub stored: AtomicU64,
    /// Counter values of earlier runs (received, dropped, malformed).
    pub base: [u64; 3],
    /// What was learnt about hosts and zones.
    pub normalizer: Mutex<LiveNormalizer>,
    /// Committed since correlation last looked.
    pub activity: Mutex<Activity>,
    /// Why the store refuses writes now (None: it does not).
    pub store_problem: Mutex<Option<String>>,
    /// Times the store was found full.
    pub store_full: AtomicU64,
    /// Messages deleted to make room when full, or by retention.
    pub pruned: AtomicU64,
    /// Messages committed in this run.
    pub stored_this_run: AtomicU64,
    /// Set when the pipeline has flushed everything and stopped.
    pub drained: AtomicBool,
    /// Events committed and not yet taken by correlation's kept window.
    pub fresh: Mutex<Fresh>,
}

/// The default cap of [`Fresh`] (the default `--max-window-events`).
pub const FRESH_MAX: usize = 200_000;

/// The events of what was committed, handed to correlation as they were
/// stored (instants to the millisecond, as the store keeps them), so its
/// kept window never reads back and decodes what the writer just wrote.
///
/// Bounded by the window's own cap: when correlation falls behind (a run
/// takes seconds at tens of thousands of messages a second), the oldest
/// waiting events by (instant, file, line) beyond `cap` are let go. That
/// loses nothing the kept window needs: each of them has `cap` newer events
/// waiting, so the window (the newest `cap` events) could not hold it.
#[derive(Debug)]
pub struct Fresh {
    /// In commit order (in no order after a trim: they are sorted when
    /// taken).
    pub events: Vec<Event>,
    /// Some committed events are missing here (a batch split to fit a full
    /// store, or zones changed stored events): the kept window must be
    /// read whole from the store.
    pub lost: bool,
    /// Most events kept: the correlation window's cap.
    pub cap: usize,
    /// Latest instant among the events let go by the cap since taken.
    pub dropped_until: Option<Timestamp>,
}

impl Default for Fresh {
    fn default() -> Fresh {
        Fresh::with_cap(FRESH_MAX)
    }
}

impl Fresh {
    /// Nothing waiting; at most `cap` events kept (the window's cap).
    pub fn with_cap(cap: usize) -> Fresh {
        Fresh {
            events: Vec::new(),
            lost: false,
            cap: cap.max(1),
            dropped_until: None,
        }
    }

    /// Add committed events; past a quarter over the cap, let the oldest go.
    pub fn extend(&mut self, events: impl IntoIterator<Item = Event>) {
        self.events.extend(events);
        if self.events.len() > self.cap + self.cap / 4 {
            // The oldest `cut` first (in no order; linear, no sort), the
            // newest of them at `cut - 1`.
            let cut = self.events.len() - self.cap;
            self.events
                .select_nth_unstable_by(cut - 1, |a, b| ring::key(a).cmp(&ring::key(b)));
            let until = self.events[cut - 1].time;
            self.events.drain(..cut);
            self.dropped_until = self.dropped_until.max(until);
        }
    }
}

impl Shared {
    /// Stats as the API returns them.
    pub fn stats(&self) -> serde_json::Value {
        let c = &self.counters;
        let problem = self.store_problem.lock().unwrap().clone();
        serde_json::json!({
            "received": self.base[0] + c.received.load(Ordering::Relaxed),
            "stored": self.stored.load(Ordering::Relaxed),
            "dropped": self.base[1] + c.dropped.load(Ordering::Relaxed),
            "malformed": self.base[2] + c.malformed.load(Ordering::Relaxed),
            "connections": c.connections.load(Ordering::Relaxed),
            "refused_connections": c.refused.load(Ordering::Relaxed),
            "bytes": c.bytes.load(Ordering::Relaxed),
            "store": match &problem { Some(p) => p.as_str(), None => "ok" },
            "store_full": self.store_full.load(Ordering::Relaxed),
            "pruned": self.pruned.load(Ordering::Relaxed),
        })
    }

    fn save_counters(&self, store: &mut dyn Store) {
        let c = &self.counters;
        let values = [
            (
                "received",
                self.base[0] + c.received.load(Ordering::Relaxed),
            ),
            ("dropped", self.base[1] + c.dropped.load(Ordering::Relaxed)),
            (
                "malformed",
                self.base[2] + c.malformed.load(Ordering::Relaxed),
            ),
            ("stored", self.stored.load(Ordering::Relaxed)),
        ];
        for (name, v) in values {
            let _ = store.set_counter(name, v);
        }
    }
}

/// What the decode thread hands the writer.
struct Job {
    batch: Batch,
    rooms: Vec<Room>,
    facts: Vec<String>,
    rezoned: Vec<String>,
}

/// Start the decode and writer threads; they end when every intake sender
/// is gone and all is committed.
pub fn start(
    rx: tokio::sync::mpsc::Receiver<Arrival>,
    budget: Budget,
    store: SqliteStore,
    shared: Arc<Shared>,
    retention: Retention,
) -> std::io::Result<(std::thread::JoinHandle<()>, std::thread::JoinHandle<()>)> {
    let next_id = store.next_message_id().unwrap_or(1);
    let (tx, jobs) = sync_channel::<Job>(2);
    let s = shared.clone();
    let decoder = std::thread::Builder::new()
        .name("decode".into())
        .spawn(move || decode_loop(rx, tx, s, next_id))?;
    let writer = std::thread::Builder::new()
        .name("store".into())
        .spawn(move || write_loop(jobs, store, shared, retention, budget))?;
    Ok((decoder, writer))
}

fn decode_loop(
    mut rx: tokio::sync::mpsc::Receiver<Arrival>,
    tx: SyncSender<Job>,
    shared: Arc<Shared>,
    mut next_id: u64,
) {
    let mut msgs: Vec<Message> = Vec::with_capacity(1024);
    let mut rooms: Vec<Room> = Vec::new();
    while let Some(first) = rx.blocking_recv() {
        msgs.extend(first.messages);
        rooms.push(first.room);
        while msgs.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(a) => {
                    msgs.extend(a.messages);
                    rooms.push(a.room);
                }
                Err(_) => break,
            }
        }
        let job = decode_batch(&mut msgs, std::mem::take(&mut rooms), &mut next_id, &shared);
        if tx.send(job).is_err() {
            return;
        }
    }
}

fn decode_batch(
    msgs: &mut Vec<Message>,
    rooms: Vec<Room>,
    next_id: &mut u64,
    shared: &Shared,
) -> Job {
    let mut batch = Batch::default();
    // Messages of one sender are decoded together, in arrival order.
    let mut by_peer: BTreeMap<std::net::IpAddr, Vec<usize>> = BTreeMap::new();
    for m in msgs.drain(..) {
        let id = *next_id;
        *next_id += 1;
        by_peer
            .entry(m.peer.ip())
            .or_default()
            .push(batch.messages.len());
        batch.messages.push(StoredMessage {
            id,
            received: m.received,
            peer: m.peer.ip().to_string(),
            transport: m.transport.as_str().to_string(),
            text: m.text,
            truncated: m.truncated,
        });
    }
    let mut norm = shared.normalizer.lock().unwrap();
    for (ip, idx) in by_peer {
        let peer = ip.to_string();
        let path = format!("syslog/{peer}");
        let items = idx.iter().map(|&i| {
            let m = &batch.messages[i];
            Item {
                id: m.id,
                text: &m.text,
                received: m.received,
            }
        });
        let decoded = decode(&path, &peer, items);
        shared
            .counters
            .malformed
            .fetch_add(decoded.malformed, Ordering::Relaxed);
        let received = batch.messages[idx[idx.len() - 1]].received;
        for p in norm.place(decoded.parsed, received) {
            batch.events.push(NewEvent {
                event: p.event,
                local: p.local,
            });
        }
    }
    let facts = norm
        .take_learnt()
        .iter()
        .filter_map(facts::encode)
        .collect();
    let rezoned = norm.take_rezoned();
    Job {
        batch,
        rooms,
        facts,
        rezoned,
    }
}

fn write_loop(
    jobs: Receiver<Job>,
    mut store: SqliteStore,
    shared: Arc<Shared>,
    retention: Retention,
    budget: Budget,
) {
    let mut last_prune = Instant::now();
    let mut last_save = Instant::now();
    let mut pace = Pace::new(budget);
    loop {
        let job = match jobs.recv_timeout(Duration::from_millis(250)) {
            Ok(j) => Some(j),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => None,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        };
        if let Some(job) = job {
            let bytes: usize = job.batch.messages.iter().map(|m| m.text.len()).sum();
            commit(&mut store, job, &shared);
            pace.committed(bytes);
        }
        pace.tick();
        if last_save.elapsed() >= Duration::from_secs(1) {
            shared.save_counters(&mut store);
            last_save = Instant::now();
        }
        if last_prune.elapsed() >= PRUNE_EVERY {
            prune(&mut store, &retention, &shared);
            last_prune = Instant::now();
        }
    }
    shared.save_counters(&mut store);
    shared.drained.store(true, Ordering::SeqCst);
}

/// Checkpoint the WAL every half second from a thread of its own (see
/// [`SqliteStore::checkpoint`]) until the writer has flushed everything.
pub fn checkpoint_loop(store: SqliteStore, shared: Arc<Shared>) {
    let mut warned = false;
    while !shared.drained.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(500));
        // Another checkpoint running (the writer's backstop, retention's)
        // makes this one fail harmlessly: said once, not every time.
        if let Err(e) = store.checkpoint() {
            if !warned {
                log::warn(&format!(
                    "checkpoint failed (the writer's own checkpoints go on): {e}"
                ));
                warned = true;
            }
        }
    }
}

/// How often retention runs: often enough that a size limit is overshot by
/// at most this long's worth of traffic (and the file keeps that much free
/// room, see `SqliteStore::prune`). A check costs three pragmas and a read
/// of the segment catalog; what is due goes by whole segments (a `DROP
/// TABLE` each), so running often costs nothing per message.
const PRUNE_EVERY: Duration = Duration::from_secs(2);

/// Keeps the intake's budget at about half a second of what the store
/// commits, so what was read and not yet stored never exceeds a second.
struct Pace {
    budget: Budget,
    bytes: usize,
    since: Instant,
    rate: f64,
}

impl Pace {
    fn new(budget: Budget) -> Pace {
        Pace {
            budget,
            bytes: 0,
            since: Instant::now(),
            rate: 0.0,
        }
    }

    fn committed(&mut self, bytes: usize) {
        self.bytes += bytes;
    }

    fn tick(&mut self) {
        let dt = self.since.elapsed().as_secs_f64();
        if dt < 0.25 {
            return;
        }
        let now = self.bytes as f64 / dt;
        // Rise at once, fall gently (a pause in traffic is not a slow store).
        self.rate = if now > self.rate {
            now
        } else {
            0.8 * self.rate + 0.2 * now
        };
        self.budget.set((self.rate * 0.5) as usize);
        self.bytes = 0;
        self.since = Instant::now();
    }
}

fn prune(store: &mut SqliteStore, retention: &Retention, shared: &Shared) {
    match store.prune(retention, Timestamp::now()) {
        Ok(p) if p.messages > 0 => {
            shared.pruned.fetch_add(p.messages, Ordering::Relaxed);
            log::info(&format!(
                "retention: deleted {} messages and {} events",
                p.messages, p.events
            ));
        }
        Ok(_) => {}
        Err(e) => log::warn(&format!("retention failed: {e}")),
    }
}

/// Commit one job, waiting out a full or failing store (the receivers wait
/// meanwhile: TCP senders are slowed, UDP datagrams dropped and counted).
fn commit(store: &mut SqliteStore, job: Job, shared: &Shared) {
    let whole = append_or_wait(store, &job.batch, shared);
    if shared.store_problem.lock().unwrap().take().is_some() {
        log::info("store accepts writes again");
    }
    drop(job.rooms);
    if !job.facts.is_empty() {
        let _ = store.add_facts(&job.facts);
    }
    if !job.rezoned.is_empty() {
        let norm = shared.normalizer.lock().unwrap();
        for host in &job.rezoned {
            match store.replace_local(host, &mut |dt, ds| norm.replace_local(host, dt, ds)) {
                Ok(n) if n > 0 => log::info(&format!(
                    "zone of {host} now {}: {n} stored local times placed again",
                    norm.zones()
                        .get(host)
                        .map(|z| z.zone.as_str())
                        .unwrap_or("?")
                )),
                Ok(_) => {}
                Err(e) => log::warn(&format!("re-placing {host}'s local times failed: {e}")),
            }
        }
    }
    {
        let mut a = shared.activity.lock().unwrap();
        for t in job.batch.events.iter().filter_map(|e| e.event.time) {
            a.note(t);
        }
    }
    let mut f = shared.fresh.lock().unwrap();
    if !whole || !job.rezoned.is_empty() {
        f.lost = true;
        f.events = Vec::new();
        return;
    }
    f.extend(job.batch.events.into_iter().map(|ne| {
        let mut e = ne.event;
        e.time = e
            .time
            .and_then(|t| Timestamp::from_millisecond(t.as_millisecond()).ok());
        e
    }));
}

/// Append a batch, retrying until the store takes it. A full store first
/// gives up its oldest messages (5 % at a time); a batch larger than the
/// whole store is committed in halves; a single message that cannot fit an
/// empty store is counted as dropped. True when the batch went in whole,
/// as it is.
fn append_or_wait(store: &mut SqliteStore, batch: &Batch, shared: &Shared) -> bool {
    let mut delay = Duration::from_millis(100);
    loop {
        match store.append(batch) {
            Ok(()) => {
                let n = batch.messages.len() as u64;
                shared.stored.fetch_add(n, Ordering::Relaxed);
                shared.stored_this_run.fetch_add(n, Ordering::Relaxed);
                return true;
            }
            Err(StoreError::Full(m)) => {
                shared.store_full.fetch_add(1, Ordering::Relaxed);
                let first = shared
                    .store_problem
                    .lock()
                    .unwrap()
                    .replace(format!("full: {m}"))
                    .is_none();
                if first {
                    log::warn(&format!(
                        "store full ({m}): deleting the oldest messages to make room; receivers wait meanwhile"
                    ));
                }
                let freed = store.prune_oldest(0.05).map(|p| p.messages).unwrap_or(0);
                shared.pruned.fetch_add(freed, Ordering::Relaxed);
                // Retrying a large batch whole wastes the work of writing it:
                // halves fit as soon as there is room for them.
                if batch.messages.len() > 1 {
                    for half in split(batch) {
                        append_or_wait(store, &half, shared);
                    }
                    return false;
                }
                if freed > 0 {
                    continue;
                }
                if store.message_count().unwrap_or(1) == 0 {
                    shared.counters.dropped.fetch_add(1, Ordering::Relaxed);
                    log::warn("a message larger than the whole store was dropped");
                    return false;
                }
                std::thread::sleep(delay);
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(StoreError::Other(m)) => {
                let first = shared
                    .store_problem
                    .lock()
                    .unwrap()
                    .replace(format!("error: {m}"))
                    .is_none();
                if first {
                    log::warn(&format!("store refused a batch ({m}): retrying"));
                }
                std::thread::sleep(delay);
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// A batch in two halves by message, each message with its events.
fn split(batch: &Batch) -> [Batch; 2] {
    let mid = batch.messages.len() / 2;
    let cut = batch.messages[mid].id;
    let (a, b) = batch.messages.split_at(mid);
    let (ea, eb): (Vec<NewEvent>, Vec<NewEvent>) = batch
        .events
        .iter()
        .cloned()
        .partition(|e| e.event.evidence.line < cut);
    [
        Batch {
            messages: a.to_vec(),
            events: ea,
        },
        Batch {
            messages: b.to_vec(),
            events: eb,
        },
    ]
}
