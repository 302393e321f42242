//! The embedded store: one SQLite database in WAL mode.
//!
//! Layout: messages (id = arrival order) and events (id = message id × 16 +
//! the event's place in its message, so a message's events sit together),
//! with indexes on event time and on host and time, partitioned by arrival
//! into segments (see [`crate::segments`]: retention drops whole oldest
//! segments); plus small tables for facts, incidents, counters and accounts.

use crate::codec::{self, Row};
use crate::segments::{self, Added, Seg, Segmenting};
use crate::{
    Accounts, Batch, EventQuery, IncidentRow, Pruned, Result, Retention, Session, Store,
    StoreError, EVENTS_PER_MESSAGE,
};
use rusqlite::{params, Connection, ErrorCode, OpenFlags, OptionalExtension, TransactionBehavior};
use std::collections::HashMap;
use std::path::Path;
use uctriage_core::jiff::civil::DateTime;
use uctriage_core::jiff::Timestamp;
use uctriage_core::{Clock, DateSource, Event};

/// Most events placed again at once when a host's zone changes (the
/// newest; older ones keep the instant they were given, and say how).
pub const REPLACE_MAX: u64 = 100_000;

/// The database's file name inside the data folder.
pub const DB_FILE: &str = "uctriage.db";

const SHIFT: u32 = EVENTS_PER_MESSAGE.trailing_zeros();

/// Everything but the segments (see [`crate::segments`]).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS facts (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS incidents (
  id INTEGER PRIMARY KEY,
  status TEXT NOT NULL,
  opened_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (hash TEXT PRIMARY KEY, label TEXT NOT NULL, created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, phc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (hash TEXT PRIMARY KEY, user TEXT NOT NULL, csrf TEXT NOT NULL, expires_ms INTEGER NOT NULL);
";

/// The SQLite store (a writer, or a read-only reader).
pub struct SqliteStore {
    conn: Connection,
    /// Pages in use after the last prune (what was appended since is the
    /// free room the next interval will want again).
    in_use_after_prune: Option<u64>,
    /// Converted to incremental auto-vacuum when opened.
    converted: bool,
    /// When the writer opens a new segment.
    segmenting: Segmenting,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteStore")
    }
}

fn err(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::DiskFull => {
            StoreError::Full(e.to_string())
        }
        _ => StoreError::Other(e.to_string()),
    }
}

fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

fn from_ms(ms: i64) -> Timestamp {
    Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
}

impl SqliteStore {
    /// Create (or open) the store in `dir`, creating the folder and schema.
    pub fn create(dir: &Path) -> Result<SqliteStore> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Other(format!("{}: {e}", dir.display())))?;
        let conn = Connection::open(dir.join(DB_FILE)).map_err(err)?;
        // Must precede the first table to take effect. 16 KiB pages for a
        // new store: fewer B-tree pages to split and balance per appended
        // row (stores made with 4 KiB pages keep them).
        conn.execute_batch("PRAGMA page_size = 16384; PRAGMA auto_vacuum = INCREMENTAL;")
            .map_err(err)?;
        let mut s = SqliteStore::tune(conn)?;
        s.conn.execute_batch(SCHEMA).map_err(err)?;
        s.ensure_segments()?;
        Ok(s)
    }

    /// The catalog and a segment to append to (a store made before
    /// segments keeps its tables as segment 0).
    fn ensure_segments(&mut self) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        segments::ensure(&tx).map_err(err)?;
        tx.commit().map_err(err)
    }

    /// Set when the writer opens a new segment (see [`Segmenting`]).
    pub fn set_segmenting(&mut self, s: Segmenting) {
        self.segmenting = s;
    }

    /// How many segments the store has now.
    pub fn segment_count(&self) -> Result<usize> {
        segments::list(&self.conn).map(|l| l.len()).map_err(err)
    }

    /// Open an existing store for writing; an error when there is none. A
    /// store made without incremental auto-vacuum (by an older uctriage, or
    /// by hand) is converted once: SQLite only changes that mode with a
    /// full `VACUUM`, which rewrites the file (it needs as much free disk
    /// as the file takes, for as long as it takes to copy it).
    pub fn open(dir: &Path) -> Result<SqliteStore> {
        let path = dir.join(DB_FILE);
        if !path.exists() {
            return Err(StoreError::Other(format!(
                "no store in {} (run `uctriage serve init --data {}` first)",
                dir.display(),
                dir.display()
            )));
        }
        let conn = Connection::open(path).map_err(err)?;
        let mut s = SqliteStore::tune(conn)?;
        s.conn.execute_batch(SCHEMA).map_err(err)?;
        if s.pragma("auto_vacuum")? != AUTO_VACUUM_INCREMENTAL {
            s.conn
                .execute_batch("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;")
                .map_err(err)?;
            s.converted = true;
        }
        s.ensure_segments()?;
        Ok(s)
    }

    /// The store was converted to incremental auto-vacuum when opened
    /// (it was rewritten once).
    pub fn was_converted(&self) -> bool {
        self.converted
    }

    /// A read-only connection to the store in `dir` (any number may run
    /// beside the writer).
    pub fn reader(dir: &Path) -> Result<SqliteStore> {
        let conn = Connection::open_with_flags(
            dir.join(DB_FILE),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(err)?;
        conn.execute_batch("PRAGMA busy_timeout = 5000; PRAGMA cache_size = -8192;")
            .map_err(err)?;
        Ok(SqliteStore::from(conn))
    }

    fn from(conn: Connection) -> SqliteStore {
        SqliteStore {
            conn,
            in_use_after_prune: None,
            converted: false,
            segmenting: Segmenting::default(),
        }
    }

    fn tune(conn: Connection) -> Result<SqliteStore> {
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA busy_timeout = 5000;
             PRAGMA cache_size = -32768;
             PRAGMA temp_store = MEMORY;
             PRAGMA journal_size_limit = 67108864;",
        )
        .map_err(err)?;
        let s = SqliteStore::from(conn);
        // The writer's own checkpoint at 64 MiB of WAL, whatever the page size.
        let pages = (64u64 << 20) / s.pragma("page_size")?.max(512);
        {
            let mut st = s
                .conn
                .prepare(&format!("PRAGMA wal_autocheckpoint = {pages}"))
                .map_err(err)?;
            let mut rows = st.query([]).map_err(err)?;
            while rows.next().map_err(err)?.is_some() {}
        }
        Ok(s)
    }

    /// Copy what the WAL holds into the database file, as far as no reader
    /// still needs it (a passive checkpoint: it never waits for anyone).
    /// The live server runs this from a thread of its own every half
    /// second, so the writer does not stop to copy pages and wait for
    /// `fsync`; the writer's own automatic checkpoint (at 64 MiB of WAL,
    /// whatever the page size) is only a backstop. A checkpoint moves committed data
    /// from one file to the other: it changes nothing of what survives a
    /// crash.
    pub fn checkpoint(&self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .map_err(err)
    }

    /// Cap the database at `pages` pages (SQLite's `max_page_count`): a
    /// bounded way to meet a full disk in tests, and a hard size limit.
    pub fn limit_pages(&self, pages: u64) -> Result<()> {
        self.conn
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))
            .map_err(err)
    }

    fn pragma(&self, name: &str) -> Result<u64> {
        self.conn
            .query_row(&format!("PRAGMA {name}"), [], |r| r.get::<_, i64>(0))
            .map(|v| v.max(0) as u64)
            .map_err(err)
    }

    /// Is any message kept? (Cheap, unlike a count.)
    fn has_messages(&self) -> Result<bool> {
        Ok(self.message_count()? > 0)
    }

    fn segments(&self) -> Result<Vec<Seg>> {
        segments::list(&self.conn).map_err(err)
    }

    /// Delete messages (and their events) with an id below `cut`, at
    /// segment granularity: every segment but the newest whose messages
    /// all lie below `cut` is dropped whole. When only the newest is left,
    /// its rows below `cut` are deleted one by one (in chunks, so the
    /// writer is never held long). When nothing could go and `whole`
    /// allows it, the oldest segment is dropped whole anyway (more than
    /// asked, never less: a full store must make room).
    fn delete_before(&mut self, cut: u64, whole: bool) -> Result<Pruned> {
        let mut pruned = Pruned::default();
        let segs = self.segments()?;
        let Some(newest) = segs.last().map(|s| s.n) else {
            return Ok(pruned);
        };
        let mut left: Vec<&Seg> = Vec::new();
        for s in &segs {
            let below = s.last_id.is_none_or(|l| l < cut);
            if s.n != newest && below && left.is_empty() {
                self.drop_segment(s, &mut pruned)?;
            } else {
                left.push(s);
            }
        }
        if left.len() == 1 {
            // Only the newest is left: its rows below the cut.
            let p = self.delete_rows(left[0], cut)?;
            pruned.messages += p.messages;
            pruned.events += p.events;
        } else if whole && pruned == Pruned::default() {
            self.drop_segment(left[0], &mut pruned)?;
        }
        Ok(pruned)
    }

    fn drop_segment(&mut self, s: &Seg, pruned: &mut Pruned) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        segments::drop_segment(&tx, s).map_err(err)?;
        tx.commit().map_err(err)?;
        pruned.messages += s.messages;
        pruned.events += s.events;
        Ok(())
    }

    /// Delete the rows of one segment below message `cut`.
    fn delete_rows(&mut self, s: &Seg, cut: u64) -> Result<Pruned> {
        let mut pruned = Pruned::default();
        let Some(min) = self
            .conn
            .query_row(&format!("SELECT min(id) FROM {}", s.m()), [], |r| {
                r.get::<_, Option<i64>>(0)
            })
            .map_err(err)?
        else {
            return Ok(pruned);
        };
        let mut from = min as u64;
        const CHUNK: u64 = 50_000;
        while from < cut {
            let to = (from + CHUNK).min(cut);
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(err)?;
            let events = tx
                .execute(
                    &format!("DELETE FROM {} WHERE id < ?1", s.e()),
                    params![(to << SHIFT) as i64],
                )
                .map_err(err)? as u64;
            let messages = tx
                .execute(
                    &format!("DELETE FROM {} WHERE id < ?1", s.m()),
                    params![to as i64],
                )
                .map_err(err)? as u64;
            segments::note_deleted(&tx, s.n, messages, events).map_err(err)?;
            tx.commit().map_err(err)?;
            pruned.messages += messages;
            pruned.events += events;
            from = to;
        }
        if pruned.events > 0 {
            segments::recount_times(&self.conn, s).map_err(err)?;
        }
        Ok(pruned)
    }

    /// Hand free pages back to the file system, all but `keep` of them,
    /// [`VACUUM_STEP`] pages per transaction so the writer is never held
    /// long (the pragma's rows, if any, are read to its end). In WAL mode
    /// the database file is cut at the next checkpoint, run here (passive:
    /// a reader still on old pages is not waited for; the next checkpoint
    /// cuts the file then), and the WAL file itself is cut back to
    /// `journal_size_limit` (64 MiB) when it restarts, instead of keeping
    /// its high-water size. Returns the pages released.
    pub fn release_free_pages(&mut self, keep: u64) -> Result<u64> {
        let mut released = 0;
        loop {
            let free = self.pragma("freelist_count")?;
            if free <= keep {
                break;
            }
            let n = (free - keep).min(VACUUM_STEP);
            {
                let mut st = self
                    .conn
                    .prepare(&format!("PRAGMA incremental_vacuum({n})"))
                    .map_err(err)?;
                let mut rows = st.query([]).map_err(err)?;
                while rows.next().map_err(err)?.is_some() {}
            }
            let after = self.pragma("freelist_count")?;
            if after >= free {
                // Not incremental (an unconverted file): nothing to do here.
                break;
            }
            released += free - after;
        }
        if released > 0 {
            self.conn
                .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                .map_err(err)?;
        }
        Ok(released)
    }

    /// Pages in use now.
    fn pages_in_use(&self) -> Result<u64> {
        Ok(self.data_bytes()? / self.pragma("page_size")?.max(1))
    }

    /// After a prune that began with `in_use_at_start` pages in use: keep
    /// as free room what was appended since the previous prune (the next
    /// interval fills it again), release the rest, so the file follows the
    /// data down instead of keeping its high-water size. Nothing is kept
    /// at the first prune of a run (the rate is not known yet).
    fn shrink_after_prune(&mut self, in_use_at_start: u64, deleted: bool) -> Result<()> {
        let appended = self
            .in_use_after_prune
            .map_or(0, |before| in_use_at_start.saturating_sub(before));
        if deleted {
            self.release_free_pages(appended)?;
        }
        self.in_use_after_prune = Some(self.pages_in_use()?);
        Ok(())
    }
}

/// `PRAGMA auto_vacuum`'s value for INCREMENTAL.
const AUTO_VACUUM_INCREMENTAL: u64 = 2;

/// Most pages one incremental-vacuum transaction releases (16 MiB of 4 KiB
/// pages, 64 MiB of 16 KiB ones).
pub const VACUUM_STEP: u64 = 4096;

impl Store for SqliteStore {
    fn next_message_id(&self) -> Result<u64> {
        // The newest segment is never dropped and its last id never goes
        // back, so ids never repeat, even once every message was pruned.
        Ok(self
            .segments()?
            .iter()
            .map(|s| s.last_id.unwrap_or(s.first_id.saturating_sub(1)))
            .max()
            .unwrap_or(0)
            + 1)
    }

    fn append(&mut self, batch: &Batch) -> Result<()> {
        if batch.messages.is_empty() && batch.events.is_empty() {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let mut cur = match segments::newest(&tx).map_err(err)? {
            Some(s) => s,
            None => segments::open_new(&tx, 1, 1, 0).map_err(err)?,
        };
        if let Some(first) = batch.messages.first() {
            let at = ms(first.received);
            if segments::should_roll(&cur, &self.segmenting, at) {
                cur = segments::open_new(&tx, cur.n + 1, first.id, at).map_err(err)?;
            }
        }
        let mut added = Added {
            // A new store's first segment counts its age from its first message.
            first_received: batch.messages.first().map(|m| ms(m.received)),
            ..Added::default()
        };
        {
            let mut m = tx
                .prepare_cached(&format!("INSERT INTO {} (id, received_ms, peer, transport, text, truncated) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", cur.m()))
                .map_err(err)?;
            for msg in &batch.messages {
                m.execute(params![
                    msg.id as i64,
                    ms(msg.received),
                    msg.peer,
                    msg.transport,
                    msg.text,
                    msg.truncated as i64
                ])
                .map_err(err)?;
                added.last_id = added.last_id.max(Some(msg.id));
                added.max_received = added.max_received.max(Some(ms(msg.received)));
                added.messages += 1;
                added.bytes += (msg.text.len() + msg.peer.len() + MESSAGE_ROW) as u64;
            }
            let mut e = tx
                .prepare_cached(&format!("INSERT INTO {} (id, time_ms, host, kind, severity, summary, local, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", cur.e()))
                .map_err(err)?;
            let mut seen: HashMap<u64, u64> = HashMap::new();
            for ne in &batch.events {
                let ev = &ne.event;
                let n = seen.entry(ev.evidence.line).or_default();
                if *n >= EVENTS_PER_MESSAGE {
                    continue;
                }
                let id = (ev.evidence.line << SHIFT) + *n;
                *n += 1;
                let body = codec::body(ev);
                let host = ev.host.as_deref();
                e.execute(params![
                    id as i64,
                    ev.time.map(ms),
                    host,
                    ev.kind.as_str(),
                    ev.severity as i64,
                    ev.summary.as_str(),
                    ne.local.map(codec::local_text),
                    body,
                ])
                .map_err(err)?;
                if let Some(t) = ev.time {
                    added.time(ms(t));
                }
                added.events += 1;
                // The row, and the host again in its index entry.
                added.bytes +=
                    (body.len() + ev.summary.len() + 2 * host.map_or(0, str::len) + EVENT_ROW)
                        as u64;
            }
        }
        segments::note(&tx, cur.n, &added).map_err(err)?;
        tx.commit().map_err(err)
    }

    fn events(&self, q: &EventQuery) -> Result<Vec<Event>> {
        // One read transaction: the catalog and the tables it names agree
        // (a segment dropped meanwhile is still there for this snapshot).
        let tx = self.conn.unchecked_transaction().map_err(err)?;
        let segs: Vec<Seg> = segments::list(&tx)
            .map_err(err)?
            .into_iter()
            .filter(|s| touches(s, q))
            .collect();
        let limit = if q.limit == 0 { 1000 } else { q.limit };
        let (cond, args) = conditions(q);
        let dir = if q.newest_first { "DESC" } else { "ASC" };
        let order = if q.after_message.is_some() {
            // What arrived since: in arrival order, so pages never skip.
            format!(" ORDER BY eid {dir} LIMIT ?")
        } else {
            format!(" ORDER BY t {dir}, eid {dir} LIMIT ?")
        };
        // One group (the usual case): decoded as the rows come, none kept.
        let single = segs.len() <= COMPOUND;
        let mut out = Vec::new();
        let mut names = codec::Names::default();
        let mut rows: Vec<(Row, i64)> = Vec::new();
        // SQLite allows 500 terms in a compound SELECT: groups of at most
        // COMPOUND segments, merged here.
        for group in segs.chunks(COMPOUND) {
            let arms: Vec<String> = group
                .iter()
                .map(|s| {
                    format!(
                        "SELECT e.time_ms AS t, e.host, e.kind, e.severity, e.summary, e.body, e.id AS eid, m.text
                         FROM {} e JOIN {} m ON m.id = e.id >> {SHIFT} WHERE 1{cond}",
                        s.e(),
                        s.m()
                    )
                })
                .collect();
            let sql = arms.join(" UNION ALL ") + &order;
            let mut all = Vec::with_capacity(args.len() * group.len() + 1);
            for _ in group {
                all.extend(args.iter().cloned());
            }
            all.push(rusqlite::types::Value::Integer(limit as i64));
            let mut st = tx.prepare_cached(&sql).map_err(err)?;
            let it = st
                .query_map(rusqlite::params_from_iter(all), |r| {
                    let eid: i64 = r.get(6)?;
                    Ok((
                        Row {
                            time_ms: r.get(0)?,
                            host: r.get(1)?,
                            kind: r.get(2)?,
                            severity: r.get(3)?,
                            summary: r.get(4)?,
                            body: r.get_ref(5)?.as_bytes()?.to_vec(),
                            message_id: (eid as u64) >> SHIFT,
                            text: r.get(7)?,
                        },
                        eid,
                    ))
                })
                .map_err(err)?;
            for r in it {
                let r = r.map_err(err)?;
                if single {
                    out.push(codec::event(r.0, &mut names));
                } else {
                    rows.push(r);
                }
            }
        }
        if !single {
            let by_id = q.after_message.is_some();
            rows.sort_by(|(a, ai), (b, bi)| {
                let o = if by_id {
                    ai.cmp(bi)
                } else {
                    // SQLite orders NULL first.
                    (a.time_ms, ai).cmp(&(b.time_ms, bi))
                };
                if q.newest_first {
                    o.reverse()
                } else {
                    o
                }
            });
            rows.truncate(limit);
            out.extend(rows.into_iter().map(|(r, _)| codec::event(r, &mut names)));
        }
        Ok(out)
    }

    fn message_count(&self) -> Result<u64> {
        Ok(self.segments()?.iter().map(|s| s.messages).sum())
    }

    fn replace_local(
        &mut self,
        host: &str,
        place: &mut dyn FnMut(DateTime, DateSource) -> (Option<Timestamp>, Clock),
    ) -> Result<u64> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let segs = segments::list(&tx).map_err(err)?;
        let mut moved = 0;
        // The newest first, REPLACE_MAX in all.
        for s in segs.iter().rev() {
            if moved >= REPLACE_MAX {
                break;
            }
            let rows: Vec<(i64, String, Vec<u8>)> = {
                let mut st = tx
                    .prepare(&format!("SELECT id, local, body FROM {} WHERE host = ?1 AND local IS NOT NULL ORDER BY id DESC LIMIT {}", s.e(), REPLACE_MAX - moved))
                    .map_err(err)?;
                let it = st
                    .query_map(params![host], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get_ref(2)?.as_bytes()?.to_vec()))
                    })
                    .map_err(err)?;
                it.collect::<std::result::Result<_, _>>().map_err(err)?
            };
            if rows.is_empty() {
                continue;
            }
            let mut up = tx
                .prepare(&format!(
                    "UPDATE {} SET time_ms = ?1, body = ?2 WHERE id = ?3",
                    s.e()
                ))
                .map_err(err)?;
            for (id, local, body) in rows {
                let Ok(dt) = local.parse::<DateTime>() else {
                    continue;
                };
                let (time, clock) = place(dt, codec::body_date_source(&body));
                up.execute(params![time.map(ms), codec::with_clock(&body, &clock), id])
                    .map_err(err)?;
                moved += 1;
            }
            segments::recount_times(&tx, s).map_err(err)?;
        }
        tx.commit().map_err(err)?;
        Ok(moved)
    }

    fn add_facts(&mut self, facts: &[String]) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        {
            let mut st = tx
                .prepare_cached("INSERT OR IGNORE INTO facts (body) VALUES (?1)")
                .map_err(err)?;
            for f in facts {
                st.execute(params![f]).map_err(err)?;
            }
        }
        tx.commit().map_err(err)
    }

    fn facts(&self) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare("SELECT body FROM facts ORDER BY id")
            .map_err(err)?;
        let it = st.query_map([], |r| r.get(0)).map_err(err)?;
        it.collect::<std::result::Result<_, _>>().map_err(err)
    }

    fn put_incident(&mut self, row: &IncidentRow) -> Result<()> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO incidents (id, status, opened_ms, updated_ms, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![row.id as i64, row.status, ms(row.opened), ms(row.updated), row.doc],
            )
            .map(|_| ())
            .map_err(err)
    }

    fn incidents(&self, open_only: bool, limit: usize) -> Result<Vec<IncidentRow>> {
        let sql = if open_only {
            "SELECT id, status, opened_ms, updated_ms, doc FROM incidents WHERE status = 'open' ORDER BY id DESC LIMIT ?1"
        } else {
            "SELECT id, status, opened_ms, updated_ms, doc FROM incidents ORDER BY id DESC LIMIT ?1"
        };
        let mut st = self.conn.prepare_cached(sql).map_err(err)?;
        let it = st
            .query_map(params![limit as i64], incident_row)
            .map_err(err)?;
        it.collect::<std::result::Result<_, _>>().map_err(err)
    }

    fn incident(&self, id: u64) -> Result<Option<IncidentRow>> {
        self.conn
            .query_row(
                "SELECT id, status, opened_ms, updated_ms, doc FROM incidents WHERE id = ?1",
                params![id as i64],
                incident_row,
            )
            .optional()
            .map_err(err)
    }

    fn next_incident_id(&self) -> Result<u64> {
        self.conn
            .query_row("SELECT coalesce(max(id), 0) + 1 FROM incidents", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|v| v as u64)
            .map_err(err)
    }

    fn counter(&self, name: &str) -> Result<u64> {
        self.conn
            .query_row(
                "SELECT value FROM counters WHERE name = ?1",
                params![name],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .map(|v| v.unwrap_or(0).max(0) as u64)
            .map_err(err)
    }

    fn set_counter(&mut self, name: &str, value: u64) -> Result<()> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO counters (name, value) VALUES (?1, ?2)",
                params![name, value as i64],
            )
            .map(|_| ())
            .map_err(err)
    }

    fn prune(&mut self, policy: &Retention, now: Timestamp) -> Result<Pruned> {
        let in_use_at_start = self.pages_in_use()?;
        let mut pruned = Pruned::default();
        if let Some(age) = policy.max_age {
            let cutoff = ms(now.checked_sub(age).unwrap_or(Timestamp::UNIX_EPOCH));
            // The first message kept: in the oldest segment that received
            // anything since the cutoff.
            let mut first_kept = None;
            for s in self.segments()? {
                if s.max_received.is_some_and(|r| r < cutoff) {
                    continue;
                }
                first_kept = self
                    .conn
                    .query_row(
                        &format!(
                            "SELECT id FROM {} WHERE received_ms >= ?1 ORDER BY id LIMIT 1",
                            s.m()
                        ),
                        params![cutoff],
                        |r| r.get::<_, i64>(0),
                    )
                    .optional()
                    .map_err(err)?;
                if first_kept.is_some() {
                    break;
                }
            }
            let first_kept = match first_kept {
                Some(id) => id as u64,
                None => self.next_message_id()?,
            };
            // Whole segments only (one that straddles the cutoff waits
            // until all of it is due), unless only one is left.
            let p = self.delete_before(first_kept, false)?;
            pruned.messages += p.messages;
            pruned.events += p.events;
        }
        if let Some(max) = policy.max_bytes {
            for _ in 0..20 {
                let used = self.data_bytes()?;
                if used <= max || !self.has_messages()? {
                    break;
                }
                let share = ((used - max) as f64 / used as f64 + 0.02).min(0.5);
                let p = self.prune_oldest(share)?;
                pruned.messages += p.messages;
                pruned.events += p.events;
                if p == Pruned::default() {
                    break;
                }
            }
        }
        self.shrink_after_prune(in_use_at_start, pruned.messages > 0)?;
        Ok(pruned)
    }

    fn prune_oldest(&mut self, share: f64) -> Result<Pruned> {
        let segs = self.segments()?;
        let Some(oldest) = segs.iter().find(|s| s.messages > 0) else {
            return Ok(Pruned::default());
        };
        let min: Option<i64> = self
            .conn
            .query_row(&format!("SELECT min(id) FROM {}", oldest.m()), [], |r| {
                r.get(0)
            })
            .map_err(err)?;
        let max = segs.iter().filter_map(|s| s.last_id).max();
        let (Some(min), Some(max)) = (min, max) else {
            return Ok(Pruned::default());
        };
        let span = (max as i64 - min + 1).max(1) as f64;
        let cut = min as u64 + (span * share.clamp(0.0, 1.0)).ceil().max(1.0) as u64;
        self.delete_before(cut, true)
    }

    fn data_bytes(&self) -> Result<u64> {
        let pages = self.pragma("page_count")?;
        let free = self.pragma("freelist_count")?;
        let size = self.pragma("page_size")?;
        Ok(pages.saturating_sub(free) * size)
    }
}

/// Most segments one compound query reads (SQLite allows 500 terms).
const COMPOUND: usize = 200;

/// Estimated bytes of a message row beyond its text and peer (key, times,
/// record header, B-tree cell).
const MESSAGE_ROW: usize = 40;

/// Estimated bytes of an event row and its two index entries beyond its
/// body, summary and host.
const EVENT_ROW: usize = 80;

/// Can segment `s` hold events the query wants? (Unknown spans: yes.)
fn touches(s: &Seg, q: &EventQuery) -> bool {
    if s.messages == 0 && s.events == 0 && s.last_id.is_some() {
        return false;
    }
    if let (Some(after), Some(last)) = (q.after_message, s.last_id) {
        if last <= after {
            return false;
        }
    }
    // Messages and no timed event: nothing a time filter keeps.
    let untimed = s.last_id.is_some() && s.min_time.is_none();
    if (q.since.is_some() || q.until.is_some()) && untimed {
        return false;
    }
    if let Some(since) = q.since {
        if s.max_time.is_some_and(|m| m < ms(since)) {
            return false;
        }
    }
    if let Some(until) = q.until {
        if s.min_time.is_some_and(|m| m > ms(until)) {
            return false;
        }
    }
    true
}

/// The WHERE conditions of an event query (after `WHERE 1`) and their
/// arguments, the same for every segment.
fn conditions(q: &EventQuery) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value as V;
    let mut sql = String::new();
    let mut args: Vec<V> = Vec::new();
    if let Some(t) = q.since {
        sql.push_str(" AND e.time_ms >= ?");
        args.push(V::Integer(ms(t)));
    }
    if let Some(t) = q.until {
        sql.push_str(" AND e.time_ms <= ?");
        args.push(V::Integer(ms(t)));
    }
    if let Some(h) = &q.host {
        sql.push_str(" AND e.host = ?");
        args.push(V::Text(h.clone()));
    }
    if !q.kinds.is_empty() {
        sql.push_str(" AND e.kind IN (");
        sql.push_str(&vec!["?"; q.kinds.len()].join(","));
        sql.push(')');
        args.extend(q.kinds.iter().map(|k| V::Text(k.as_str().into())));
    }
    if let Some(t) = q.text.as_ref().filter(|t| !t.is_empty()) {
        let pat = format!(
            "%{}%",
            t.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        sql.push_str(" AND (e.summary LIKE ? ESCAPE '\\' OR m.text LIKE ? ESCAPE '\\')");
        args.push(V::Text(pat.clone()));
        args.push(V::Text(pat));
    }
    if let Some(after) = q.after_message {
        sql.push_str(" AND e.id >= ?");
        args.push(V::Integer(((after + 1) << SHIFT) as i64));
    }
    (sql, args)
}

fn incident_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<IncidentRow> {
    Ok(IncidentRow {
        id: r.get::<_, i64>(0)? as u64,
        status: r.get(1)?,
        opened: from_ms(r.get(2)?),
        updated: from_ms(r.get(3)?),
        doc: r.get(4)?,
    })
}

impl Accounts for SqliteStore {
    fn add_token(&mut self, hash: &str, label: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO tokens (hash, label, created_ms) VALUES (?1, ?2, ?3)",
                params![hash, label, ms(Timestamp::now())],
            )
            .map(|_| ())
            .map_err(err)
    }

    fn token_known(&self, hash: &str) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT 1 FROM tokens WHERE hash = ?1",
                params![hash],
                |_| Ok(()),
            )
            .optional()
            .map(|o| o.is_some())
            .map_err(err)
    }

    fn set_user(&mut self, name: &str, phc: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO users (name, phc) VALUES (?1, ?2)",
                params![name, phc],
            )
            .map(|_| ())
            .map_err(err)
    }

    fn user_hash(&self, name: &str) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT phc FROM users WHERE name = ?1",
                params![name],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)
    }

    fn add_session(&mut self, hash: &str, s: &Session) -> Result<()> {
        self.conn
            .execute(
                "DELETE FROM sessions WHERE expires_ms < ?1",
                params![ms(Timestamp::now())],
            )
            .map_err(err)?;
        self.conn
            .execute(
                "INSERT OR REPLACE INTO sessions (hash, user, csrf, expires_ms) VALUES (?1, ?2, ?3, ?4)",
                params![hash, s.user, s.csrf, ms(s.expires)],
            )
            .map(|_| ())
            .map_err(err)
    }

    fn session(&self, hash: &str, now: Timestamp) -> Result<Option<Session>> {
        self.conn
            .query_row(
                "SELECT user, csrf, expires_ms FROM sessions WHERE hash = ?1 AND expires_ms > ?2",
                params![hash, ms(now)],
                |r| {
                    Ok(Session {
                        user: r.get(0)?,
                        csrf: r.get(1)?,
                        expires: from_ms(r.get(2)?),
                    })
                },
            )
            .optional()
            .map_err(err)
    }

    fn end_session(&mut self, hash: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM sessions WHERE hash = ?1", params![hash])
            .map(|_| ())
            .map_err(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Retention of messages younger than `hours` only.
    fn by_age(hours: i64) -> Retention {
        Retention {
            max_age: Some(uctriage_core::jiff::SignedDuration::from_hours(hours)),
            max_bytes: None,
        }
    }

    /// Retention of at most `bytes` of data only.
    fn by_size(bytes: u64) -> Retention {
        Retention {
            max_age: None,
            max_bytes: Some(bytes),
        }
    }
    use crate::{NewEvent, StoredMessage};
    use std::sync::Arc;
    use uctriage_core::{Evidence, Fields, Kind, Severity};

    fn msg(id: u64, received: &str, text: &str) -> StoredMessage {
        StoredMessage {
            id,
            received: received.parse().unwrap(),
            peer: "127.0.0.1".into(),
            transport: "tcp".into(),
            text: text.into(),
            truncated: false,
        }
    }

    fn ev(id: u64, time: &str, host: &str, kind: Kind, local: bool) -> NewEvent {
        NewEvent {
            event: Event {
                time: Some(time.parse().unwrap()),
                clock: Clock::stated("test").into(),
                host: Some(host.into()),
                kind,
                severity: Severity::Error,
                summary: format!("summary {id}").into(),
                fields: Fields::new(),
                entities: Default::default(),
                evidence: Evidence {
                    file: Arc::from("syslog/127.0.0.1"),
                    line: id,
                    text: String::new().into(),
                },
                format: "cisco-syslog",
            },
            local: local.then(|| "2019-07-12T12:00:00".parse().unwrap()),
        }
    }

    fn filled(dir: &Path, n: u64) -> SqliteStore {
        let mut s = SqliteStore::create(dir).unwrap();
        let mut b = Batch::default();
        for id in 1..=n {
            let received = format!("2026-12-0{}T00:00:00Z", 1 + (id * 5 / (n + 1)));
            b.messages
                .push(msg(id, &received, &format!("message number {id}")));
            let host = if id % 2 == 0 { "cm1" } else { "cm2" };
            let kind = if id % 3 == 0 {
                Kind::ServiceCore
            } else {
                Kind::Log
            };
            b.events.push(ev(
                id,
                &format!("2019-07-12T17:{:02}:00Z", id % 60),
                host,
                kind,
                id % 2 == 0,
            ));
        }
        s.append(&b).unwrap();
        s
    }

    #[test]
    fn queries_filter_by_time_host_kind_and_text() {
        let dir = tempfile::tempdir().unwrap();
        let s = filled(dir.path(), 100);
        assert_eq!(s.message_count().unwrap(), 100);
        assert_eq!(s.next_message_id().unwrap(), 101);
        let q = |f: &dyn Fn(&mut EventQuery)| {
            let mut q = EventQuery {
                limit: 10_000,
                ..Default::default()
            };
            f(&mut q);
            s.events(&q).unwrap()
        };
        assert_eq!(q(&|_| {}).len(), 100);
        assert_eq!(q(&|q| q.host = Some("cm1".into())).len(), 50);
        assert_eq!(q(&|q| q.kinds = vec![Kind::ServiceCore]).len(), 33);
        let hit = q(&|q| q.text = Some("NUMBER 42".into()));
        assert_eq!(hit.len(), 1);
        assert_eq!(hit[0].evidence.line, 42);
        assert_eq!(hit[0].evidence.text, "message number 42");
        let window = q(&|q| {
            q.since = Some("2019-07-12T17:10:00Z".parse().unwrap());
            q.until = Some("2019-07-12T17:19:59Z".parse().unwrap());
        });
        assert!(
            window.len() >= 10
                && window.iter().all(|e| e
                    .time
                    .unwrap()
                    .to_string()
                    .starts_with("2019-07-12T17:1"))
        );
        assert_eq!(q(&|q| q.after_message = Some(90)).len(), 10);
        assert_eq!(
            q(&|q| q.text = Some("%".into())).len(),
            0,
            "LIKE wildcards are literal"
        );
    }

    #[test]
    fn retention_by_age_and_by_size_deletes_the_oldest_messages_with_their_events() {
        let dir = tempfile::tempdir().unwrap();
        // Messages of 2 KB: the data outweighs the fixed pages of the schema.
        let mut s = big(dir.path(), 1000);
        let now: Timestamp = "2026-12-06T00:00:00Z".parse().unwrap();
        let p = s.prune(&by_age(72), now).unwrap();
        assert!(p.messages > 0 && p.messages == p.events, "{p:?}");
        let left = s.message_count().unwrap();
        assert_eq!(left + p.messages, 1000);
        let before = s.data_bytes().unwrap();
        let p = s.prune(&by_size(before / 2), now).unwrap();
        assert!(p.messages > 0);
        // Within two pages (of the table and of each index).
        let page = s.pragma("page_size").unwrap();
        let after = s.data_bytes().unwrap();
        assert!(
            after <= before / 2 + 4 * page,
            "{after} of {before}, page {page}"
        );
        assert_eq!(s.next_message_id().unwrap(), 1001, "ids never go back");
    }

    /// The database file's size after folding the WAL into it.
    fn db_file(s: &SqliteStore, dir: &Path) -> u64 {
        s.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        std::fs::metadata(dir.join(DB_FILE)).unwrap().len()
    }

    fn big(dir: &Path, n: u64) -> SqliteStore {
        let mut s = SqliteStore::create(dir).unwrap();
        let mut b = Batch::default();
        for id in 1..=n {
            let received = format!("2026-12-0{}T00:00:00Z", 1 + (id * 5 / (n + 1)));
            b.messages
                .push(msg(id, &received, &format!("{id} {}", "x".repeat(2000))));
            b.events
                .push(ev(id, "2019-07-12T17:00:00Z", "cm1", Kind::Log, false));
        }
        s.append(&b).unwrap();
        s
    }

    #[test]
    fn retention_shrinks_the_file_by_size_and_by_age() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = big(dir.path(), 4000);
        let full = db_file(&s, dir.path());
        assert!(full > 8 << 20, "{full}");
        let now: Timestamp = "2026-12-06T00:00:00Z".parse().unwrap();
        let p = s.prune(&by_size(full / 4), now).unwrap();
        assert!(p.messages > 2000, "{p:?}");
        let after_size = db_file(&s, dir.path());
        assert!(
            after_size <= full / 4 + full / 20,
            "the file stayed {after_size} bytes of {full} after pruning to a quarter"
        );
        // By age: messages of the oldest day kept go, and so does their room.
        let before = s.message_count().unwrap();
        let p = s.prune(&by_age(30), now).unwrap();
        assert!(p.messages > 0, "{p:?}");
        let left = s.message_count().unwrap();
        let after_age = db_file(&s, dir.path());
        // The file shrinks in proportion to what was deleted (within 64 KiB).
        let expected = after_size as f64 * left as f64 / before as f64;
        assert!(
            (after_age as f64) < expected + 65536.0,
            "{after_age} bytes after pruning {} of {before} messages by age, {after_size} before",
            p.messages
        );
        // What is kept reads back whole.
        let ev = s
            .events(&EventQuery {
                limit: 100_000,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(ev.len() as u64, left);
        assert!(ev.iter().all(|e| e.evidence.text.len() > 2000));
    }

    #[test]
    fn a_store_made_without_auto_vacuum_is_converted_once_when_opened() {
        let dir = tempfile::tempdir().unwrap();
        {
            // As uctriage made stores before segments: no catalog, the
            // tables of segment 0.
            let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
            conn.execute_batch(SCHEMA).unwrap();
            segments::create_tables(&conn, 0).unwrap();
            conn.execute(
                "INSERT INTO messages (id, received_ms, peer, transport, text, truncated) VALUES (1, 0, 'p', 'tcp', 'kept', 0)",
                [],
            )
            .unwrap();
            assert_eq!(
                conn.query_row("PRAGMA auto_vacuum", [], |r| r.get::<_, i64>(0))
                    .unwrap(),
                0
            );
        }
        let s = SqliteStore::open(dir.path()).unwrap();
        assert!(s.was_converted());
        assert_eq!(s.pragma("auto_vacuum").unwrap(), AUTO_VACUUM_INCREMENTAL);
        assert_eq!(s.message_count().unwrap(), 1, "the rewrite keeps the data");
        drop(s);
        let s = SqliteStore::open(dir.path()).unwrap();
        assert!(!s.was_converted(), "converted once, not at every start");
    }

    #[test]
    fn a_full_store_says_so_and_takes_the_batch_after_room_is_made() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = filled(dir.path(), 200);
        let pages = s.pragma("page_count").unwrap();
        s.limit_pages(pages).unwrap();
        let mut b = Batch::default();
        for id in 201..=400 {
            b.messages
                .push(msg(id, "2026-12-06T00:00:00Z", &"x".repeat(2000)));
        }
        assert!(matches!(s.append(&b), Err(StoreError::Full(_))));
        assert_eq!(
            s.message_count().unwrap(),
            200,
            "nothing of a refused batch is written"
        );
        s.prune_oldest(1.0).unwrap();
        // Room for the batch's 400 KB of text (with its events, slim bodies
        // make the first 200 messages far smaller than that).
        s.limit_pages(pages + (1 << 20) / s.pragma("page_size").unwrap())
            .unwrap();
        s.append(&b).unwrap();
        assert_eq!(s.message_count().unwrap(), 200);
    }

    #[test]
    fn a_store_written_with_json_bodies_reads_back_and_takes_new_events() {
        let dir = tempfile::tempdir().unwrap();
        let old = crate::codec::tests::sample();
        {
            // As an older uctriage left it: the tables of segment 0 with
            // no catalog, JSON bodies.
            let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
            conn.execute_batch(SCHEMA).unwrap();
            segments::create_tables(&conn, 0).unwrap();
            conn.execute(
                "INSERT INTO messages (id, received_ms, peer, transport, text, truncated) VALUES (42, 0, 'p', 'tcp', 'raw', 0)",
                [],
            )
            .unwrap();
            conn
                .execute(
                    "INSERT INTO events (id, time_ms, host, kind, severity, summary, local, body) VALUES (?1, ?2, ?3, ?4, 2, ?5, '2019-07-12T12:35:57.962', ?6)",
                    params![
                        (42u64 << SHIFT) as i64,
                        old.time.map(ms),
                        old.host.as_deref(),
                        old.kind.as_str(),
                        old.summary.as_str(),
                        crate::codec::tests::json_body(&old)
                    ],
                )
                .unwrap();
        }
        let mut s = SqliteStore::open(dir.path()).unwrap();
        let all = |s: &SqliteStore| {
            s.events(&EventQuery {
                limit: 100,
                ..Default::default()
            })
            .unwrap()
        };
        assert_eq!(all(&s), vec![old.clone()]);
        s.append(&Batch {
            messages: vec![msg(43, "2026-12-06T00:00:01Z", "new")],
            events: vec![ev(43, "2019-07-12T17:36:00Z", "cm7", Kind::Log, false)],
        })
        .unwrap();
        let both = all(&s);
        assert_eq!(both.len(), 2);
        assert_eq!(both[0], old, "the old row is unchanged beside the new");
        assert_eq!(both[1].evidence.text, "new");
        // A zone learnt later re-places the old row too (rewritten slim).
        let moved = s
            .replace_local("cm7", &mut |_, ds| {
                assert_eq!(ds, DateSource::Line);
                (old.time, Clock::stated("moved"))
            })
            .unwrap();
        assert_eq!(moved, 1);
        assert_eq!(&*all(&s)[0].clock.detail, "moved");
        assert_eq!(all(&s)[0].fields, old.fields);
    }

    #[test]
    fn local_times_are_placed_again_for_one_host() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = filled(dir.path(), 10);
        let moved = s
            .replace_local("cm1", &mut |dt, _| {
                let t = uctriage_core::jiff::tz::offset(-5)
                    .to_timestamp(dt)
                    .unwrap();
                (Some(t), Clock::stated("moved"))
            })
            .unwrap();
        assert_eq!(moved, 5);
        let ev = s
            .events(&EventQuery {
                host: Some("cm1".into()),
                ..Default::default()
            })
            .unwrap();
        assert!(ev
            .iter()
            .all(|e| e.time.unwrap().to_string() == "2019-07-12T17:00:00Z"));
        assert!(ev.iter().all(|e| &*e.clock.detail == "moved"));
    }

    /// Messages `ids` of 1 KB, each with one event at minute `id % 60` of
    /// host cm1 or cm2, received on day `day`, appended one batch of
    /// `per` at a time.
    fn add(s: &mut SqliteStore, ids: std::ops::RangeInclusive<u64>, per: usize, day: u32) {
        let ids: Vec<u64> = ids.collect();
        for chunk in ids.chunks(per) {
            let mut b = Batch::default();
            for &id in chunk {
                b.messages.push(msg(
                    id,
                    &format!("2026-12-{day:02}T00:00:00Z"),
                    &format!("{id} {}", "y".repeat(1000)),
                ));
                let host = if id % 2 == 0 { "cm1" } else { "cm2" };
                b.events.push(ev(
                    id,
                    &format!("2019-07-12T17:{:02}:00Z", id % 60),
                    host,
                    Kind::Log,
                    true,
                ));
            }
            s.append(&b).unwrap();
        }
    }

    fn all(s: &SqliteStore, f: impl Fn(&mut EventQuery)) -> Vec<u64> {
        let mut q = EventQuery {
            limit: 1_000_000,
            ..Default::default()
        };
        f(&mut q);
        s.events(&q)
            .unwrap()
            .iter()
            .map(|e| e.evidence.line)
            .collect()
    }

    #[test]
    fn segments_roll_over_and_queries_span_them_as_one_table() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::create(dir.path()).unwrap();
        s.set_segmenting(Segmenting {
            bytes: 100 << 10,
            age: None,
        });
        add(&mut s, 1..=1000, 50, 1);
        // 1 KB messages, a new segment past 100 KB: about ten.
        let n = s.segment_count().unwrap();
        assert!((8..=12).contains(&n), "{n} segments");
        assert_eq!(s.message_count().unwrap(), 1000);
        assert_eq!(s.next_message_id().unwrap(), 1001);
        // The same answers as one table would give, in the same order.
        let every = all(&s, |_| {});
        assert_eq!(every.len(), 1000);
        let mut want: Vec<u64> = (1..=1000).collect();
        want.sort_by_key(|id| (id % 60, *id));
        assert_eq!(every, want, "time order, then arrival, across segments");
        let newest: Vec<u64> = all(&s, |q| {
            q.newest_first = true;
            q.limit = 5;
        });
        assert_eq!(newest, vec![959, 899, 839, 779, 719]);
        assert_eq!(all(&s, |q| q.host = Some("cm1".into())).len(), 500);
        let since = all(&s, |q| {
            q.since = Some("2019-07-12T17:58:00Z".parse().unwrap());
        });
        assert_eq!(since.len(), 32);
        assert_eq!(all(&s, |q| q.text = Some("777 yy".into())), vec![777]);
        let after = all(&s, |q| {
            q.after_message = Some(990);
            q.limit = 3;
        });
        assert_eq!(
            after,
            vec![991, 992, 993],
            "arrival order across the last segment"
        );
        // A zone learnt later moves the newest local times in every segment.
        let moved = s
            .replace_local("cm1", &mut |_, _| {
                (
                    Some("2019-07-12T18:30:00Z".parse().unwrap()),
                    Clock::stated("moved"),
                )
            })
            .unwrap();
        assert_eq!(moved, 500);
        let late = all(&s, |q| {
            q.since = Some("2019-07-12T18:00:00Z".parse().unwrap());
        });
        assert_eq!(
            late.len(),
            500,
            "the segments' time spans follow the moved events"
        );
    }

    #[test]
    fn segments_roll_over_by_age_from_their_first_message() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::create(dir.path()).unwrap();
        s.set_segmenting(Segmenting {
            bytes: 1 << 40,
            age: Some(uctriage_core::jiff::SignedDuration::from_hours(24)),
        });
        add(&mut s, 1..=10, 5, 1);
        add(&mut s, 11..=20, 5, 2);
        add(&mut s, 21..=30, 5, 5);
        let firsts: Vec<u64> = s.segments().unwrap().iter().map(|g| g.first_id).collect();
        assert_eq!(
            firsts,
            vec![1, 11, 21],
            "one segment a day, whatever the size"
        );
    }

    #[test]
    fn retention_drops_whole_oldest_segments_by_size_and_by_age() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::create(dir.path()).unwrap();
        s.set_segmenting(Segmenting {
            bytes: 200 << 10,
            age: None,
        });
        add(&mut s, 1..=2000, 100, 1);
        add(&mut s, 2001..=4000, 100, 5);
        let segs = s.segments().unwrap();
        assert!(segs.len() >= 16, "{}", segs.len());
        let now: Timestamp = "2026-12-06T00:00:00Z".parse().unwrap();
        // By age: the first day's segments go, whole; a segment holding
        // messages of both days waits.
        let p = s.prune(&by_age(72), now).unwrap();
        let kept = all(&s, |q| q.after_message = Some(0));
        assert!(kept[0] > 1 && kept[0] <= 2001, "{}", kept[0]);
        assert!(segs.iter().any(|g| g.first_id == kept[0]), "{}", kept[0]);
        assert_eq!((p.messages, p.events), (kept[0] - 1, kept[0] - 1));
        // By size: whole segments again, to at most the limit, at most
        // a segment's worth (and a little) below it.
        let full = s.data_bytes().unwrap();
        let p = s.prune(&by_size(full / 2), now).unwrap();
        let first_left = all(&s, |q| q.after_message = Some(0))[0];
        assert!(
            segs.iter().any(|g| g.first_id == first_left),
            "{first_left}"
        );
        assert_eq!(p.messages, first_left - kept[0]);
        assert_eq!(p.events, p.messages);
        assert_eq!(s.message_count().unwrap(), 4001 - first_left);
        let after = s.data_bytes().unwrap();
        assert!(after <= full / 2 && after > full / 4, "{after} of {full}");
        assert_eq!(s.next_message_id().unwrap(), 4001, "ids never go back");
        // Everything due: the newest segment is emptied, never dropped.
        let p = s.prune(&by_age(1), now).unwrap();
        assert!(p.messages > 0);
        assert_eq!(s.message_count().unwrap(), 0);
        assert_eq!(s.next_message_id().unwrap(), 4001, "ids never go back");
        add(&mut s, 4001..=4001, 1, 6);
        assert_eq!(all(&s, |_| {}), vec![4001]);
    }

    #[test]
    fn a_store_made_before_segments_opens_and_its_tables_become_the_oldest_segment() {
        let dir = tempfile::tempdir().unwrap();
        {
            // main's layout before segments: messages and events, no catalog.
            let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
            conn.execute_batch("PRAGMA page_size = 16384; PRAGMA auto_vacuum = INCREMENTAL;")
                .unwrap();
            conn.execute_batch(SCHEMA).unwrap();
            segments::create_tables(&conn, 0).unwrap();
            for id in 1..=300u64 {
                let e = ev(
                    id,
                    &format!("2019-07-12T17:{:02}:00Z", id % 60),
                    if id % 2 == 0 { "cm1" } else { "cm2" },
                    Kind::Log,
                    true,
                )
                .event;
                conn.execute(
                    "INSERT INTO messages (id, received_ms, peer, transport, text, truncated) VALUES (?1, ?2, 'p', 'tcp', ?3, 0)",
                    params![id as i64, ms("2026-12-01T00:00:00Z".parse().unwrap()), format!("{id} old")],
                )
                .unwrap();
                conn.execute(
                    "INSERT INTO events (id, time_ms, host, kind, severity, summary, local, body) VALUES (?1, ?2, ?3, 'log', 2, 's', '2019-07-12T12:00:00', ?4)",
                    params![(id << SHIFT) as i64, e.time.map(ms), e.host.as_deref(), codec::body(&e)],
                )
                .unwrap();
            }
            let s = SqliteStore::from(conn);
            assert_eq!(s.segments().unwrap().len(), 1, "read as one segment 0");
        }
        // A reader before any writer reads the old tables as they are.
        let r = SqliteStore::reader(dir.path()).unwrap();
        assert_eq!(all(&r, |q| q.host = Some("cm2".into())).len(), 150);
        let mut s = SqliteStore::open(dir.path()).unwrap();
        assert!(!s.was_converted());
        let segs = s.segments().unwrap();
        assert_eq!(
            (segs[0].n, segs[0].first_id, segs[0].last_id),
            (0, 1, Some(300))
        );
        assert_eq!(s.message_count().unwrap(), 300);
        assert_eq!(s.next_message_id().unwrap(), 301);
        s.set_segmenting(Segmenting {
            bytes: 50 << 10,
            age: None,
        });
        add(&mut s, 301..=600, 100, 2);
        assert!(s.segment_count().unwrap() >= 3);
        assert_eq!(all(&s, |_| {}).len(), 600, "old and new rows together");
        assert_eq!(
            all(&r, |_| {}).len(),
            600,
            "the reader sees the new segments"
        );
        // Retention drops the old tables whole.
        let p = s
            .prune(&by_age(24), "2026-12-02T12:00:00Z".parse().unwrap())
            .unwrap();
        assert_eq!(p.messages, 300);
        assert_eq!(s.segments().unwrap()[0].first_id, 301);
        assert_eq!(all(&s, |_| {}).len(), 300);
    }

    #[test]
    fn a_refused_batch_opens_no_segment() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::create(dir.path()).unwrap();
        s.set_segmenting(Segmenting {
            bytes: 10 << 10,
            age: None,
        });
        add(&mut s, 1..=20, 20, 1);
        assert_eq!(s.segment_count().unwrap(), 1);
        s.limit_pages(s.pragma("page_count").unwrap()).unwrap();
        let mut b = Batch::default();
        for id in 21..=400 {
            b.messages
                .push(msg(id, "2026-12-06T00:00:00Z", &"x".repeat(2000)));
        }
        assert!(matches!(s.append(&b), Err(StoreError::Full(_))));
        assert_eq!(
            s.segment_count().unwrap(),
            1,
            "the roll was rolled back with the batch"
        );
        assert_eq!(s.next_message_id().unwrap(), 21);
        assert_eq!(s.message_count().unwrap(), 20);
    }

    #[test]
    fn accounts_keep_hashes_and_sessions_expire() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = SqliteStore::create(dir.path()).unwrap();
        s.add_token("h1", "init").unwrap();
        assert!(s.token_known("h1").unwrap());
        assert!(!s.token_known("h2").unwrap());
        s.set_user("noc", "$argon2id$...").unwrap();
        assert_eq!(
            s.user_hash("noc").unwrap().as_deref(),
            Some("$argon2id$...")
        );
        let now = from_ms(ms(Timestamp::now()));
        let sess = Session {
            user: "noc".into(),
            csrf: "c".into(),
            expires: now + uctriage_core::jiff::SignedDuration::from_secs(60),
        };
        s.add_session("sh", &sess).unwrap();
        assert_eq!(s.session("sh", now).unwrap(), Some(sess));
        assert_eq!(
            s.session(
                "sh",
                now + uctriage_core::jiff::SignedDuration::from_secs(61)
            )
            .unwrap(),
            None
        );
        s.end_session("sh").unwrap();
        assert_eq!(s.session("sh", now).unwrap(), None);
    }
}
