//! Read and write transactions on each engine. A write holds the ledger's write lock from its
//! first statement: `BEGIN IMMEDIATE` on SQLite; on PostgreSQL the account row locked
//! `FOR UPDATE` at READ COMMITTED, so writers queue on that row as SQLite's do on its lock, and
//! each statement after it sees everything the writers before it committed. A PostgreSQL write
//! that meets a serialization failure or a deadlock (40001, 40P01: rare on PostgreSQL with that
//! lock, the normal answer to a conflict on CockroachDB and YugabyteDB) runs again from its
//! start, a few times, after a short random pause.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use rusqlite::Connection;

use super::phase;
use crate::error::{Error, Result};
use crate::sql::{retryable, Conn, PgConn};

/// How many times a PostgreSQL write runs before its serialization failure is returned.
pub const PG_ATTEMPTS: u32 = 8;

/// Rolls a SQLite transaction back unless it ended (committed, or rolled back by SQLite), also
/// when the body panics.
struct SqliteOpen<'c>(&'c Connection);

impl Drop for SqliteOpen<'_> {
    fn drop(&mut self) {
        if !self.0.is_autocommit() {
            let _ = self.0.execute_batch("ROLLBACK");
        }
    }
}

pub(super) fn sqlite_write<C, T>(
    c: &Connection,
    cache: &mut C,
    mut body: impl FnMut(Conn<'_>, &mut C) -> Result<T>,
) -> Result<T> {
    sqlite_transaction(c, "BEGIN IMMEDIATE", |conn| body(conn, cache))
}

pub(super) fn sqlite_read<T>(c: &Connection, body: impl FnOnce(Conn<'_>) -> Result<T>) -> Result<T> {
    sqlite_transaction(c, "BEGIN DEFERRED", body)
}

fn sqlite_transaction<T>(c: &Connection, begin: &str, body: impl FnOnce(Conn<'_>) -> Result<T>) -> Result<T> {
    c.execute_batch(begin)?;
    let open = SqliteOpen(c);
    let out = body(Conn::from(c))?;
    c.execute_batch("COMMIT")?;
    drop(open);
    Ok(out)
}

/// Rolls a PostgreSQL transaction back unless it committed, also when the body panics. A
/// connection that is gone has nothing to roll back: the server did.
struct PgOpen<'c> {
    conn: &'c PgConn,
    committed: bool,
    /// A write: its steps are phase lines for the crash test, as SQLite's are.
    write: bool,
}

impl Drop for PgOpen<'_> {
    fn drop(&mut self) {
        if !self.committed && !self.conn.is_closed() {
            let _ = self.conn.rollback();
        }
        if !self.committed && self.write {
            phase::mark("rolled-back");
        }
        self.conn.take_failed();
    }
}

pub(super) fn pg_write<C, T>(
    c: &PgConn,
    cache: &mut C,
    mut body: impl FnMut(Conn<'_>, &mut C) -> Result<T>,
) -> Result<T> {
    let mut attempt = 1;
    loop {
        match pg_transaction(c, true, |conn| body(conn, cache)) {
            Err(Error::Pg(e)) if retryable(&e) && attempt < PG_ATTEMPTS => {
                std::thread::sleep(pause(attempt));
                attempt += 1;
            }
            other => return other,
        }
    }
}

pub(super) fn pg_read<T>(c: &PgConn, body: impl FnOnce(Conn<'_>) -> Result<T>) -> Result<T> {
    pg_transaction(c, false, body)
}

/// A write transaction starts with the account row locked (`PgConn::begin_write`) and ends with
/// the `NOTIFY` of the ledger's channel and `COMMIT` (`PgConn::announce_writes`). Its `BEGIN`
/// goes to the server with its first statement, and its last writes with its `COMMIT`.
fn pg_transaction<T>(c: &PgConn, write: bool, body: impl FnOnce(Conn<'_>) -> Result<T>) -> Result<T> {
    let mut open = PgOpen { conn: c, committed: false, write };
    c.take_failed();
    if write {
        c.begin_write()?;
    } else {
        c.begin_read()?;
    }
    if write {
        phase::mark("begin");
    }
    let out = body(Conn::from(c))?;
    // A statement that failed inside has made PostgreSQL abort the transaction, and it would
    // answer COMMIT with a rollback, not an error: say so rather than acknowledge it.
    if c.take_failed() {
        return Err(Error::Invariant(
            "a statement failed inside the transaction and PostgreSQL rolled it back: nothing was written".into(),
        ));
    }
    if write {
        phase::mark("commit");
    }
    c.commit(write)?;
    open.committed = true;
    if write {
        phase::mark("committed");
    }
    Ok(out)
}

/// A random pause before running a transaction again, longer with each attempt (about 5 ms,
/// 10 ms, 20 ms… up to 320 ms), so that the writers that collided do not collide again.
fn pause(attempt: u32) -> Duration {
    let base = 5u64 << attempt.min(6);
    let jitter = std::collections::hash_map::RandomState::new().build_hasher().finish() % base;
    Duration::from_millis(base / 2 + jitter)
}
