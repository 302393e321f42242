//! Segments: messages and their events partitioned by arrival.
//!
//! Each segment is a pair of tables (`messages_N`, `events_N`, with the two
//! event indexes) covering a range of message ids; the `segments` catalog
//! records each one's id range, row counts, an estimate of its bytes and
//! the span of its event instants and receipt times. The writer appends to
//! the newest segment and opens the next once the newest holds about
//! [`Segmenting::bytes`] (or is older than [`Segmenting::age`]); retention
//! drops whole oldest segments (`DROP TABLE`: their pages go to the free
//! list at once, with no per-row work on tables or indexes). Queries run
//! over the segments whose id or time span they touch.
//!
//! A store made before segments keeps its `messages` and `events` tables as
//! segment 0 (recorded in the catalog when the store is opened for
//! writing); nothing is copied.

use rusqlite::{params, Connection, OptionalExtension};
use uctriage_core::jiff::SignedDuration;

/// The catalog (one row per segment).
pub(crate) const CATALOG: &str = "
CREATE TABLE IF NOT EXISTS segments (
  n INTEGER PRIMARY KEY,
  first_id INTEGER NOT NULL,
  last_id INTEGER,
  messages INTEGER NOT NULL DEFAULT 0,
  events INTEGER NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  min_time_ms INTEGER,
  max_time_ms INTEGER,
  max_received_ms INTEGER,
  opened_ms INTEGER NOT NULL
);";

/// When the writer opens a new segment.
#[derive(Clone, Copy, Debug)]
pub struct Segmenting {
    /// Once the newest segment holds about this many bytes (messages,
    /// event rows and their index entries, estimated).
    pub bytes: u64,
    /// Once the newest segment's first message was received this long
    /// before the batch being appended.
    pub age: Option<SignedDuration>,
}

/// Segments of 64 MiB, no age.
pub const DEFAULT_SEGMENT_BYTES: u64 = 64 << 20;

impl Default for Segmenting {
    fn default() -> Self {
        Segmenting {
            bytes: DEFAULT_SEGMENT_BYTES,
            age: None,
        }
    }
}

/// One catalog row.
#[derive(Clone, Debug)]
pub(crate) struct Seg {
    pub n: u64,
    pub first_id: u64,
    pub last_id: Option<u64>,
    pub messages: u64,
    pub events: u64,
    pub bytes: u64,
    pub min_time: Option<i64>,
    pub max_time: Option<i64>,
    pub max_received: Option<i64>,
    pub opened_ms: i64,
}

impl Seg {
    /// Its messages table.
    pub fn m(&self) -> String {
        messages_table(self.n)
    }

    /// Its events table.
    pub fn e(&self) -> String {
        events_table(self.n)
    }
}

fn messages_table(n: u64) -> String {
    if n == 0 {
        "messages".into()
    } else {
        format!("messages_{n}")
    }
}

fn events_table(n: u64) -> String {
    if n == 0 {
        "events".into()
    } else {
        format!("events_{n}")
    }
}

/// Create segment `n`'s tables (segment 0 has the names stores had before
/// segments, and their index names).
pub(crate) fn create_tables(conn: &Connection, n: u64) -> rusqlite::Result<()> {
    let (m, e) = (messages_table(n), events_table(n));
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {m} (
  id INTEGER PRIMARY KEY,
  received_ms INTEGER NOT NULL,
  peer TEXT NOT NULL,
  transport TEXT NOT NULL,
  text TEXT NOT NULL,
  truncated INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS {e} (
  id INTEGER PRIMARY KEY,
  time_ms INTEGER,
  host TEXT,
  kind TEXT NOT NULL,
  severity INTEGER NOT NULL,
  summary TEXT NOT NULL,
  local TEXT,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS {e}_time ON {e}(time_ms);
CREATE INDEX IF NOT EXISTS {e}_host_time ON {e}(host, time_ms);"
    ))
}

fn table_exists(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
        params![name],
        |_| Ok(()),
    )
    .optional()
    .map(|o| o.is_some())
}

const COLUMNS: &str = "n, first_id, last_id, messages, events, bytes, min_time_ms, max_time_ms, max_received_ms, opened_ms";

fn seg(r: &rusqlite::Row<'_>) -> rusqlite::Result<Seg> {
    Ok(Seg {
        n: r.get::<_, i64>(0)? as u64,
        first_id: r.get::<_, i64>(1)? as u64,
        last_id: r.get::<_, Option<i64>>(2)?.map(|v| v as u64),
        messages: r.get::<_, i64>(3)?.max(0) as u64,
        events: r.get::<_, i64>(4)?.max(0) as u64,
        bytes: r.get::<_, i64>(5)?.max(0) as u64,
        min_time: r.get(6)?,
        max_time: r.get(7)?,
        max_received: r.get(8)?,
        opened_ms: r.get(9)?,
    })
}

/// Every segment, oldest first. A store made before segments and not yet
/// opened for writing (a reader came first) reads as one segment 0 whose
/// spans are unknown.
pub(crate) fn list(conn: &Connection) -> rusqlite::Result<Vec<Seg>> {
    if !table_exists(conn, "segments")? {
        if table_exists(conn, "messages")? {
            return Ok(vec![legacy_unknown()]);
        }
        return Ok(Vec::new());
    }
    let mut st = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM segments ORDER BY n"))?;
    let it = st.query_map([], seg)?;
    it.collect()
}

fn legacy_unknown() -> Seg {
    Seg {
        n: 0,
        first_id: 1,
        last_id: None,
        messages: 0,
        events: 0,
        bytes: 0,
        min_time: None,
        max_time: None,
        max_received: None,
        opened_ms: 0,
    }
}

/// The newest segment.
pub(crate) fn newest(conn: &Connection) -> rusqlite::Result<Option<Seg>> {
    conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM segments ORDER BY n DESC LIMIT 1"
    ))?
    .query_row([], seg)
    .optional()
}

/// Make sure the catalog exists and names at least one segment: a store
/// made before segments gets its tables recorded as segment 0 (their id
/// and time spans read once), a new one gets an empty segment 1.
pub(crate) fn ensure(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(CATALOG)?;
    if newest(conn)?.is_some() {
        return Ok(());
    }
    if table_exists(conn, "messages")? {
        let (min, max, count, received): (Option<i64>, Option<i64>, i64, Option<i64>) = conn
            .query_row(
                "SELECT min(id), max(id), count(*), (SELECT received_ms FROM messages ORDER BY id DESC LIMIT 1) FROM messages",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
        create_tables(conn, 0)?;
        let (tmin, tmax, events): (Option<i64>, Option<i64>, i64) = conn.query_row(
            "SELECT min(time_ms), max(time_ms), count(*) FROM events",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let pages: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        let size: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        conn.execute(
            &format!(
                "INSERT INTO segments ({COLUMNS}) VALUES (0, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
            ),
            params![
                min.unwrap_or(1),
                max,
                count,
                events,
                pages * size,
                tmin,
                tmax,
                received,
                received.unwrap_or(0)
            ],
        )?;
        return Ok(());
    }
    open_new(conn, 1, 1, 0).map(|_| ())
}

/// Open segment `n` for messages from `first_id` on.
pub(crate) fn open_new(
    conn: &Connection,
    n: u64,
    first_id: u64,
    opened_ms: i64,
) -> rusqlite::Result<Seg> {
    create_tables(conn, n)?;
    conn.execute(
        &format!(
            "INSERT INTO segments ({COLUMNS}) VALUES (?1, ?2, NULL, 0, 0, 0, NULL, NULL, NULL, ?3)"
        ),
        params![n as i64, first_id as i64, opened_ms],
    )?;
    Ok(Seg {
        n,
        first_id,
        opened_ms,
        ..legacy_unknown()
    })
}

/// Should the batch about to be appended (its first message received at
/// `received_ms`) open a new segment after `cur`?
pub(crate) fn should_roll(cur: &Seg, policy: &Segmenting, received_ms: i64) -> bool {
    if cur.messages == 0 && cur.last_id.is_none() {
        return false;
    }
    cur.bytes >= policy.bytes
        || policy
            .age
            .is_some_and(|a| received_ms - cur.opened_ms >= a.as_millis() as i64)
}

/// What one append added to a segment.
#[derive(Default)]
pub(crate) struct Added {
    pub last_id: Option<u64>,
    pub messages: u64,
    pub events: u64,
    pub bytes: u64,
    pub min_time: Option<i64>,
    pub max_time: Option<i64>,
    pub max_received: Option<i64>,
    /// When the first message appended was received.
    pub first_received: Option<i64>,
}

impl Added {
    pub fn time(&mut self, t: i64) {
        self.min_time = Some(self.min_time.map_or(t, |m| m.min(t)));
        self.max_time = Some(self.max_time.map_or(t, |m| m.max(t)));
    }
}

/// Record an append in the catalog.
pub(crate) fn note(conn: &Connection, n: u64, a: &Added) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE segments SET
           last_id = max(coalesce(last_id, ?2), ?2),
           messages = messages + ?3, events = events + ?4, bytes = bytes + ?5,
           min_time_ms = CASE WHEN ?6 IS NULL THEN min_time_ms ELSE min(coalesce(min_time_ms, ?6), ?6) END,
           max_time_ms = CASE WHEN ?7 IS NULL THEN max_time_ms ELSE max(coalesce(max_time_ms, ?7), ?7) END,
           max_received_ms = CASE WHEN ?8 IS NULL THEN max_received_ms ELSE max(coalesce(max_received_ms, ?8), ?8) END,
           opened_ms = CASE WHEN last_id IS NULL AND ?9 IS NOT NULL THEN ?9 ELSE opened_ms END
         WHERE n = ?1",
    )?
    .execute(params![
        n as i64,
        a.last_id.map(|v| v as i64),
        a.messages as i64,
        a.events as i64,
        a.bytes as i64,
        a.min_time,
        a.max_time,
        a.max_received,
        a.first_received
    ])
    .map(|_| ())
}

/// Read a segment's event instants again (after events were moved or deleted).
pub(crate) fn recount_times(conn: &Connection, s: &Seg) -> rusqlite::Result<()> {
    let e = s.e();
    conn.execute(
        &format!("UPDATE segments SET min_time_ms = (SELECT min(time_ms) FROM {e}), max_time_ms = (SELECT max(time_ms) FROM {e}) WHERE n = ?1"),
        params![s.n as i64],
    )
    .map(|_| ())
}

/// Drop a whole segment: its tables and its catalog row.
pub(crate) fn drop_segment(conn: &Connection, s: &Seg) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "DROP TABLE IF EXISTS {}; DROP TABLE IF EXISTS {};",
        s.e(),
        s.m()
    ))?;
    conn.execute("DELETE FROM segments WHERE n = ?1", params![s.n as i64])
        .map(|_| ())
}

/// Note rows deleted from a segment.
pub(crate) fn note_deleted(
    conn: &Connection,
    n: u64,
    messages: u64,
    events: u64,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE segments SET messages = max(0, messages - ?2), events = max(0, events - ?3) WHERE n = ?1",
        params![n as i64, messages as i64, events as i64],
    )
    .map(|_| ())
}
