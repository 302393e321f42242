//! # uctriage-store
//!
//! Where the live server keeps what it received: messages, the events
//! normalization made of them, the facts learnt about hosts and zones, the
//! incidents correlation opened, and the server's accounts.
//!
//! Brief overview:
//! - [`Store`] is the seam: append a [`Batch`] atomically, ask for events by
//!   time, host, kind and text ([`EventQuery`]), keep incidents, prune by
//!   [`Retention`]. A distributed store (ClickHouse, for fleets) implements the
//!   same trait; nothing above it knows SQL.
//! - [`Accounts`] keeps API tokens, users and UI sessions, all hashed by the
//!   caller: the store never sees a secret.
//! - [`SqliteStore`] is the embedded implementation: one SQLite file in WAL
//!   mode, `synchronous=NORMAL` (a commit survives the process being killed;
//!   only a power cut can lose the last commits), one writer and any number
//!   of readers. Messages and events are partitioned by arrival into
//!   segments ([`Segmenting`]); retention drops whole oldest segments.
//!
//! ```
//! use uctriage_store::{SqliteStore, Store, EventQuery};
//! let dir = tempfile::tempdir().unwrap();
//! let mut store = SqliteStore::create(dir.path()).unwrap();
//! assert_eq!(store.next_message_id().unwrap(), 1);
//! assert!(store.events(&EventQuery::default()).unwrap().is_empty());
//! ```
#![deny(missing_docs)]

mod codec;
mod segments;
mod sqlite;

pub use codec::{date_source, zone_source};
pub use segments::{Segmenting, DEFAULT_SEGMENT_BYTES};
pub use sqlite::{SqliteStore, DB_FILE, REPLACE_MAX};

use uctriage_core::jiff::civil::DateTime;
use uctriage_core::jiff::{SignedDuration, Timestamp};
use uctriage_core::{Clock, DateSource, Event, Kind};

/// At most this many events are kept per message (an RTMT alert makes two).
pub const EVENTS_PER_MESSAGE: u64 = 16;

/// Why the store refused.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreError {
    /// No room: the disk (or the database's size limit) is full. Nothing of
    /// the batch was written; the same batch can be appended again later.
    Full(String),
    /// Anything else (I/O, corruption, a read-only store).
    Other(String),
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::Full(m) => write!(f, "store full: {m}"),
            StoreError::Other(m) => write!(f, "store error: {m}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// Result of store operations.
pub type Result<T> = std::result::Result<T, StoreError>;

/// A message as received.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredMessage {
    /// Its number, given by the writer in arrival order (from [`Store::next_message_id`]).
    pub id: u64,
    /// When it was read.
    pub received: Timestamp,
    /// Sender address.
    pub peer: String,
    /// `udp`, `tcp` or `tls`.
    pub transport: String,
    /// Its text.
    pub text: String,
    /// It was cut at the size cap.
    pub truncated: bool,
}

/// An event to store: its evidence line is its message's id, and `local`
/// the wall-clock time its instant was read from when that depended on the
/// host's zone (so it can be placed again when a better zone is learnt).
#[derive(Clone, Debug)]
pub struct NewEvent {
    /// The normalized event.
    pub event: Event,
    /// Local wall-clock time, when the instant depends on a zone.
    pub local: Option<DateTime>,
}

/// What one append writes, all or nothing.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    /// Messages, in id order.
    pub messages: Vec<StoredMessage>,
    /// Their events.
    pub events: Vec<NewEvent>,
}

/// Which events to return.
#[derive(Clone, Debug, Default)]
pub struct EventQuery {
    /// Events at or after this instant.
    pub since: Option<Timestamp>,
    /// Events at or before this instant.
    pub until: Option<Timestamp>,
    /// Only this (canonical) host.
    pub host: Option<String>,
    /// Only these kinds (empty: all).
    pub kinds: Vec<Kind>,
    /// Only events whose summary or raw text contains this (case-insensitive).
    pub text: Option<String>,
    /// Only events of messages after this id (what arrived since); the
    /// events then come in arrival order, not time order.
    pub after_message: Option<u64>,
    /// At most this many (0: a default of 1000).
    pub limit: usize,
    /// Newest first instead of oldest first.
    pub newest_first: bool,
}

/// An incident as kept: its identity and state in columns, the rest a JSON
/// document the server owns.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentRow {
    /// Stable number.
    pub id: u64,
    /// `open` or `closed`.
    pub status: String,
    /// When it was opened (wall clock).
    pub opened: Timestamp,
    /// When it last changed.
    pub updated: Timestamp,
    /// The JSON document (findings, hosts, window, root cause).
    pub doc: String,
}

/// How long and how much to keep.
#[derive(Clone, Copy, Debug, Default)]
pub struct Retention {
    /// Messages received longer ago than this are deleted with their events
    /// (an implementation may keep them until the whole unit it deletes
    /// by, e.g. a segment, is due).
    pub max_age: Option<SignedDuration>,
    /// The oldest messages are deleted while the data is larger than this
    /// (an implementation may delete by whole units, e.g. segments).
    pub max_bytes: Option<u64>,
}

/// What a prune removed.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Pruned {
    /// Messages deleted.
    pub messages: u64,
    /// Events deleted.
    pub events: u64,
}

/// The live event store.
pub trait Store: Send {
    /// The id the next message must get (one past the highest stored).
    fn next_message_id(&self) -> Result<u64>;
    /// Write a batch, all or nothing; when this returns Ok the batch is
    /// committed (it survives the process being killed).
    fn append(&mut self, batch: &Batch) -> Result<()>;
    /// Events matching the query, with their message's text as evidence.
    fn events(&self, q: &EventQuery) -> Result<Vec<Event>>;
    /// Messages stored (retention included).
    fn message_count(&self) -> Result<u64>;
    /// Place again the local-time events of `host` with `place` (a better
    /// zone was learnt), the newest [`REPLACE_MAX`] at most; returns how many moved.
    fn replace_local(
        &mut self,
        host: &str,
        place: &mut dyn FnMut(DateTime, DateSource) -> (Option<Timestamp>, Clock),
    ) -> Result<u64>;
    /// Keep facts learnt about hosts and zones (serialized by the caller); repeats are ignored.
    fn add_facts(&mut self, facts: &[String]) -> Result<()>;
    /// Every fact kept, in the order learnt.
    fn facts(&self) -> Result<Vec<String>>;
    /// Insert or replace an incident.
    fn put_incident(&mut self, row: &IncidentRow) -> Result<()>;
    /// Incidents, newest first; only open ones when `open_only`.
    fn incidents(&self, open_only: bool, limit: usize) -> Result<Vec<IncidentRow>>;
    /// One incident.
    fn incident(&self, id: u64) -> Result<Option<IncidentRow>>;
    /// The next incident id.
    fn next_incident_id(&self) -> Result<u64>;
    /// A named counter kept across restarts.
    fn counter(&self, name: &str) -> Result<u64>;
    /// Set a named counter.
    fn set_counter(&mut self, name: &str, value: u64) -> Result<()>;
    /// Delete what the retention policy no longer keeps.
    fn prune(&mut self, policy: &Retention, now: Timestamp) -> Result<Pruned>;
    /// Delete the oldest `share` (0-1) of messages, to make room when full
    /// (at least that much; more when the store deletes by whole units).
    fn prune_oldest(&mut self, share: f64) -> Result<Pruned>;
    /// Bytes the data takes (pages in use).
    fn data_bytes(&self) -> Result<u64>;
}

/// A UI session as kept (the cookie's hash is the key).
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    /// Who logged in.
    pub user: String,
    /// The session's CSRF token (not a secret outside the session).
    pub csrf: String,
    /// When it ends.
    pub expires: Timestamp,
}

/// API tokens, users and UI sessions. Every secret arrives hashed.
pub trait Accounts: Send {
    /// Keep an API token's hash with a label.
    fn add_token(&mut self, hash: &str, label: &str) -> Result<()>;
    /// Is this the hash of a known token?
    fn token_known(&self, hash: &str) -> Result<bool>;
    /// Set a user's password hash (PHC string).
    fn set_user(&mut self, name: &str, phc: &str) -> Result<()>;
    /// A user's password hash.
    fn user_hash(&self, name: &str) -> Result<Option<String>>;
    /// Keep a session under its cookie's hash.
    fn add_session(&mut self, hash: &str, s: &Session) -> Result<()>;
    /// The session of a cookie hash, if it has not expired at `now`.
    fn session(&self, hash: &str, now: Timestamp) -> Result<Option<Session>>;
    /// End a session.
    fn end_session(&mut self, hash: &str) -> Result<()>;
}
