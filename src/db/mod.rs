//! The ledger's database: a SQLite file (the embedded default) or a schema on a PostgreSQL
//! server, opened with the ledger's settings and brought up to date by forward-only
//! migrations; and the transactions every read and write goes through ([`Db::read`],
//! [`Db::write`]), whose SQL runs on the storage seam (`crate::sql`).
//!
//! SQLite: WAL with `synchronous = FULL`, so an acknowledged write survives `kill -9` and power
//! loss; every write takes the write lock up front (`BEGIN IMMEDIATE`) and waits for it through
//! the busy timeout, so several processes can bill one database at once. PostgreSQL: a write
//! locks the account row first (`SELECT … FOR UPDATE`), which serialises writers the same way,
//! and runs again from its start on a serialization failure or a deadlock (`transaction.rs`).

mod files;
mod location;
mod phase;
mod postgres;
mod sqlite;
mod transaction;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

pub use files::{is_ledger_file, ledger_files, Identity};
pub use location::{Location, PgUrl, SslMode};
pub use phase::{note_records as phase_note_records, trace_phases};
pub use transaction::PG_ATTEMPTS;

use crate::error::{Error, Result};
use crate::sql::{Backend, Conn, PgConn};

/// `PRAGMA application_id`: "FAXC". Tells our databases from other SQLite files.
pub const APPLICATION_ID: i64 = 0x4641_5843;

/// Forward-only migrations; the index + 1 is the `user_version` they bring the database to.
/// A PostgreSQL ledger starts at version 10 (`postgres/schema_v10.sql`); a later version adds
/// its SQL here and to `postgres::MIGRATIONS`, under the same number.
const MIGRATIONS: &[&str] = &[
    include_str!("schema_v1.sql"),
    include_str!("schema_v2.sql"),
    include_str!("schema_v3.sql"),
    include_str!("schema_v4.sql"),
    include_str!("schema_v5.sql"),
    include_str!("schema_v6.sql"),
    include_str!("schema_v7.sql"),
    include_str!("schema_v8.sql"),
    include_str!("schema_v9.sql"),
    include_str!("schema_v10.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a writer waits for another process's write lock before saying `busy`.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// An open ledger database.
pub struct Db {
    /// The files this connection opened; `None` in memory and on PostgreSQL. Declared (so
    /// dropped) before `engine`: when the connection closes, its files' inodes may be freed and
    /// reused by another ledger, and by then nothing may still claim them
    /// ([`files::refuse_beside_stale`]).
    files: Option<Arc<Identity>>,
    engine: Engine,
    location: Location,
    /// The SQLite file (`:memory:` in memory); on PostgreSQL, the URL without its password.
    path: PathBuf,
    /// Caches of the layers above that are valid only with this connection (the rate table),
    /// one per type: [`Db::write_with_cache`].
    caches: Caches,
    flags: OpenFlags,
}

enum Engine {
    Sqlite(Connection),
    Postgres(PgConn),
}

/// One value of each type, for caches kept with a connection by the layers above it.
#[derive(Default)]
struct Caches(Vec<Box<dyn std::any::Any + Send>>);

impl Caches {
    fn get<T: Default + Send + 'static>(&mut self) -> &mut T {
        let at = match self.0.iter().position(|c| c.is::<T>()) {
            Some(i) => i,
            None => {
                self.0.push(Box::new(T::default()));
                self.0.len() - 1
            }
        };
        // The slot at `at` holds a `T`: found by type above, or just pushed.
        self.0[at].downcast_mut::<T>().expect("a cache slot holds its own type")
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("location", &self.location).finish()
    }
}

impl Db {
    /// Opens an existing ledger (never creates one) and brings its schema up to date: a file
    /// path, or a PostgreSQL URL's schema ([`Location`]).
    pub fn open(at: impl Into<Location>) -> Result<Db> {
        match at.into() {
            Location::File(path) if !path.exists() => Err(Error::NoDatabase(path.display().to_string())),
            Location::File(path) => Self::open_file(&path, OpenFlags::SQLITE_OPEN_READ_WRITE),
            Location::Postgres(url) => Self::open_postgres(url, false),
        }
    }

    /// Opens a ledger, creating it when it is missing: the file (readable by its owner only),
    /// or on PostgreSQL the schema and its tables.
    pub fn create(at: impl Into<Location>) -> Result<Db> {
        match at.into() {
            Location::File(path) => {
                sqlite::create_file(&path)?;
                Self::open_file(&path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE)
            }
            Location::Postgres(url) => Self::open_postgres(url, true),
        }
    }

    /// Creates a ledger in a PostgreSQL schema that holds nothing yet (or does not exist); a
    /// schema that holds anything is refused (`invalid_input` on `db`), and so is a file.
    pub fn create_in_empty_schema(at: &Location) -> Result<Db> {
        match at {
            Location::Postgres(url) => {
                let conn = postgres::create_in_empty(url, SCHEMA_VERSION)?;
                Ok(Db::with(Engine::Postgres(conn), at.clone(), None, OpenFlags::default()))
            }
            Location::File(p) => {
                Err(Error::invalid("db", format!("{} is a file, not a PostgreSQL schema", p.display())))
            }
        }
    }

    /// A private in-memory SQLite database, for unit tests.
    pub fn in_memory() -> Result<Db> {
        let path = PathBuf::from(":memory:");
        let mut conn = Connection::open_in_memory()?;
        sqlite::configure(&conn, &path)?;
        sqlite::migrate(&mut conn)?;
        Ok(Db::with(Engine::Sqlite(conn), Location::File(path), None, OpenFlags::default()))
    }

    fn with(engine: Engine, location: Location, files: Option<Arc<Identity>>, flags: OpenFlags) -> Db {
        let path = match &location {
            Location::File(p) => p.clone(),
            Location::Postgres(u) => PathBuf::from(&u.shown),
        };
        Db { files, engine, location, path, caches: Caches::default(), flags }
    }

    fn open_file(path: &Path, flags: OpenFlags) -> Result<Db> {
        let (conn, files) = sqlite::open(path, flags)?;
        Ok(Db::with(Engine::Sqlite(conn), Location::File(path.to_path_buf()), Some(files), flags))
    }

    /// A new PostgreSQL ledger, filled in the transaction that makes it: the schema's tables
    /// are made (unless a ledger of this version is there already) and `fill` runs; nothing is
    /// committed, and no other program sees the ledger, unless it returns `Ok`. For moving a
    /// SQLite ledger up (`migrate`); everything else opens a ledger with [`Db::create`].
    pub fn create_postgres_with<T>(url: &PgUrl, fill: impl FnOnce(Conn<'_>) -> Result<T>) -> Result<T> {
        postgres::create_with(url, SCHEMA_VERSION, |c| fill(Conn::from(c)))
    }

    fn open_postgres(url: Box<PgUrl>, create: bool) -> Result<Db> {
        let conn = postgres::open(&url, create, SCHEMA_VERSION)?;
        phase::mark("opened");
        Ok(Db::with(Engine::Postgres(conn), Location::Postgres(url), None, OpenFlags::default()))
    }

    /// `Err(LedgerReplaced)` when the ledger's files at its path are no longer the ones this
    /// connection opened: it must not write, and should be [`Db::reopen`]ed.
    pub fn verify_files(&self) -> Result<()> {
        match self.files.as_ref().and_then(|f| f.changed()) {
            Some(change) => Err(Error::LedgerReplaced(change)),
            None => Ok(()),
        }
    }

    /// Closes this connection, without touching the files now at the ledger's path when they are
    /// not the ones it opened, then opens the ledger again. Fails with `LedgerReplaced` while
    /// another connection of this process still holds the old files (close those first).
    pub fn reopen(self) -> Result<Db> {
        let (location, flags) = (self.location.clone(), self.flags);
        // Closed before the new one opens: SQLite would hand the new connection this one's mapping
        // of the old shared memory.
        drop(self);
        match location {
            Location::File(path) => Db::open_file(&path, flags),
            Location::Postgres(url) => Db::open_postgres(url, false),
        }
    }

    /// The SQLite file; on PostgreSQL, the URL without its password (no file of ours).
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    pub fn backend(&self) -> Backend {
        self.conn().backend()
    }

    /// Refuses the ledger's own files (database, WAL, shared memory) as a file to import from or
    /// export to: only SQLite may open them while the ledger is open, and an export renamed over
    /// them would destroy the ledger.
    pub fn refuse_own_file(&self, candidate: &Path, field: &str) -> Result<()> {
        if self.files.is_some() && is_ledger_file(&self.path, candidate) {
            return Err(Error::invalid(
                field,
                format!("{} is this ledger's own database file; choose another file", candidate.display()),
            ));
        }
        Ok(())
    }

    /// The connection outside any transaction: each statement is its own (reads of one value,
    /// or of things that need no snapshot across statements).
    pub fn conn(&self) -> Conn<'_> {
        match &self.engine {
            Engine::Sqlite(c) => Conn::from(c),
            Engine::Postgres(c) => Conn::from(c),
        }
    }

    /// Runs `body` in a write transaction that holds the ledger's write lock from its start,
    /// and commits what it did when it returns `Ok`; an `Err` rolls everything back. On
    /// PostgreSQL `body` may run again from the start (a serialization failure or deadlock),
    /// so it must not keep state of its own across runs.
    pub fn write<T>(&mut self, mut body: impl FnMut(Conn<'_>) -> Result<T>) -> Result<T> {
        self.write_with_cache(|conn, _: &mut ()| body(conn))
    }

    /// [`Db::write`], with this connection's cache of type `C` (created empty on first use).
    pub fn write_with_cache<C: Default + Send + 'static, T>(
        &mut self,
        body: impl FnMut(Conn<'_>, &mut C) -> Result<T>,
    ) -> Result<T> {
        self.verify_files()?;
        let cache = self.caches.get::<C>();
        match &self.engine {
            Engine::Sqlite(c) => transaction::sqlite_write(c, cache, body),
            Engine::Postgres(c) => transaction::pg_write(c, cache, body),
        }
    }

    /// Runs `body` in a read transaction: one consistent snapshot across several queries.
    pub fn read<T>(&mut self, body: impl FnOnce(Conn<'_>) -> Result<T>) -> Result<T> {
        match &self.engine {
            Engine::Sqlite(c) => transaction::sqlite_read(c, body),
            Engine::Postgres(c) => transaction::pg_read(c, body),
        }
    }

    // ---- SQLite only, for the modules not yet ported onto the seam (issue 15). Each returns
    // `not_on_postgres` on a PostgreSQL ledger; a module is ported when it calls none of them.

    /// The SQLite connection.
    pub fn sqlite(&self) -> Result<&Connection> {
        match &self.engine {
            Engine::Sqlite(c) => Ok(c),
            Engine::Postgres(_) => Err(Error::NotOnPostgres("this command".into())),
        }
    }

    /// A SQLite write transaction that holds the write lock from its first statement.
    pub fn sqlite_write(&mut self) -> Result<Transaction<'_>> {
        self.verify_files()?;
        Ok(self.sqlite_mut()?.transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    /// [`Db::sqlite_write`], with this connection's cache of type `T`.
    pub fn sqlite_write_with_cache<T: Default + Send + 'static>(&mut self) -> Result<(Transaction<'_>, &mut T)> {
        self.verify_files()?;
        let cache = self.caches.get::<T>();
        match &mut self.engine {
            Engine::Sqlite(c) => Ok((c.transaction_with_behavior(TransactionBehavior::Immediate)?, cache)),
            Engine::Postgres(_) => Err(Error::NotOnPostgres("this command".into())),
        }
    }

    /// A SQLite read transaction.
    pub fn sqlite_read(&mut self) -> Result<Transaction<'_>> {
        Ok(self.sqlite_mut()?.transaction_with_behavior(TransactionBehavior::Deferred)?)
    }

    fn sqlite_mut(&mut self) -> Result<&mut Connection> {
        match &mut self.engine {
            Engine::Sqlite(c) => Ok(c),
            Engine::Postgres(_) => Err(Error::NotOnPostgres("this command".into())),
        }
    }
}

/// A plain session on the server of a PostgreSQL ledger (libpq's defaults, TLS by `sslmode`),
/// outside any ledger: no migration, no account lock. For what keeps its own tables beside the
/// ledger on the same server: the sandbox processor's records.
pub(crate) fn pg_session(url: &PgUrl) -> Result<PgConn> {
    postgres::connect(url)
}

impl Drop for Db {
    fn drop(&mut self) {
        // Closing the last connection checkpoints its WAL into the database and unlinks the WAL
        // and shared memory *by path*. When the files at the path are no longer ours, that would
        // copy stale pages over another program's writes and delete its live files: close
        // without checkpointing (which also keeps SQLite from deleting anything).
        if let Engine::Sqlite(conn) = &self.engine {
            if self.verify_files().is_err() {
                let _ = conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true);
            }
        }
    }
}

#[cfg(test)]
mod tests;
