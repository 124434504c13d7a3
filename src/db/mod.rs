//! The SQLite database: opening with the ledger's pragmas, forward-only migrations, and the
//! `BEGIN IMMEDIATE` write transactions every write goes through.
//!
//! Durability: WAL with `synchronous = FULL`, so an acknowledged write survives `kill -9` and power
//! loss. Concurrency: every write takes the write lock up front (`BEGIN IMMEDIATE`) and waits for
//! it through the busy timeout, so several processes can bill one database at once.

mod files;
mod phase;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior};

pub use files::{is_ledger_file, ledger_files, Identity};
pub use phase::{note_records as phase_note_records, trace_phases};

use crate::error::{Error, Result};

/// `PRAGMA application_id`: "FAXC". Tells our databases from other SQLite files.
pub const APPLICATION_ID: i64 = 0x4641_5843;

/// Forward-only migrations; the index + 1 is the `user_version` they bring the database to.
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
    /// The files this connection opened; `None` in memory. Declared (so dropped) before `conn`:
    /// when the connection closes, its files' inodes may be freed and reused by another ledger,
    /// and by then nothing may still claim them ([`files::refuse_beside_stale`]).
    files: Option<Arc<Identity>>,
    conn: Connection,
    path: PathBuf,
    /// Caches of the layers above that are valid only with this connection (the rate table),
    /// one per type: [`Db::write_with_cache`].
    caches: Caches,
    flags: OpenFlags,
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
        f.debug_struct("Db").field("path", &self.path).finish()
    }
}

impl Db {
    /// Opens an existing database (never creates one) and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Db> {
        if !path.exists() {
            return Err(Error::NoDatabase(path.display().to_string()));
        }
        Self::open_inner(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
    }

    /// Opens a database, creating the file (readable by its owner only) when it is missing.
    pub fn create(path: &Path) -> Result<Db> {
        if !path.exists() {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                create_private_dir(dir)?;
            }
            create_private_file(path)?;
        }
        Self::open_inner(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE)
    }

    /// A private in-memory database, for unit tests.
    pub fn in_memory() -> Result<Db> {
        let conn = Connection::open_in_memory()?;
        let mut db = Db {
            conn,
            path: PathBuf::from(":memory:"),
            caches: Caches::default(),
            files: None,
            flags: OpenFlags::default(),
        };
        db.configure()?;
        db.migrate()?;
        Ok(db)
    }

    fn open_inner(path: &Path, flags: OpenFlags) -> Result<Db> {
        let flags = flags | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
        files::refuse_beside_stale(path).map_err(Error::LedgerReplaced)?;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| map_open(e, path))?;
        let mut db = Db { conn, path: path.to_path_buf(), caches: Caches::default(), files: None, flags };
        db.configure().map_err(|e| relabel(e, path))?;
        db.migrate().map_err(|e| relabel(e, path))?;
        db.watch_files()?;
        if phase::on() {
            phase::follow(&db.conn);
            phase::mark("opened");
        }
        Ok(db)
    }

    /// Notes the files this connection holds and refuses, from then on, every commit that
    /// would land in files no longer at the ledger's path (see `files.rs`).
    fn watch_files(&mut self) -> Result<()> {
        // A read opens the WAL and the shared memory, so both exist when we look.
        self.conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0))?;
        let files = Arc::new(Identity::take(&self.path));
        let watched = Arc::clone(&files);
        // Returning true turns the commit into a rollback: nothing is acknowledged that would
        // have gone into a deleted file.
        self.conn.commit_hook(Some(move || {
            let replaced = watched.changed().is_some();
            if !replaced {
                phase::mark("commit");
            }
            replaced
        }));
        files::register(&files);
        self.files = Some(files);
        Ok(())
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
        let (path, flags) = (self.path.clone(), self.flags);
        // Closed before the new one opens: SQLite would hand the new connection this one's mapping
        // of the old shared memory.
        drop(self);
        Db::open_inner(&path, flags)
    }

    fn configure(&mut self) -> Result<()> {
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        // Reading the header first turns "not a database" into a clear error before any write.
        let app_id: i64 = self.conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        let version: i64 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let tables: i64 = self.conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
        if app_id != APPLICATION_ID && (app_id != 0 || version != 0 || tables != 0) {
            return Err(Error::NotADatabase(self.path.display().to_string()));
        }
        if version > SCHEMA_VERSION {
            return Err(Error::NewerSchema { found: version, known: SCHEMA_VERSION });
        }
        if self.path.as_os_str() != ":memory:" {
            let mode: String = self.conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(Error::ReadOnly(format!("cannot switch {} to WAL", self.path.display())));
            }
        }
        self.conn.execute_batch(
            "PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY;",
        )?;
        self.conn.set_prepared_statement_cache_capacity(64);
        Ok(())
    }

    fn migrate(&mut self) -> Result<()> {
        let version: i64 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version >= SCHEMA_VERSION {
            return Ok(());
        }
        // A migration may rebuild a table that others point at (schema 5 rebuilds `users`),
        // which SQLite allows only with foreign keys off; they are checked before commit.
        // The pragma cannot change inside a transaction, so it brackets it.
        self.conn.execute_batch("PRAGMA foreign_keys = OFF")?;
        let migrated = self.migrate_in_transaction();
        self.conn.execute_batch("PRAGMA foreign_keys = ON")?;
        migrated
    }

    fn migrate_in_transaction(&mut self) -> Result<()> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have migrated while we waited for the lock.
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.execute_batch(sql)?;
            tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
        }
        let broken: Option<String> = tx.query_row("PRAGMA foreign_key_check", [], |r| r.get(0)).optional()?;
        if let Some(table) = broken {
            return Err(Error::Invariant(format!("the migration left a row of {table} pointing at nothing")));
        }
        tx.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}"))?;
        tx.commit()?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
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

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// A write transaction that holds the write lock from its first statement.
    pub fn write(&mut self) -> Result<Transaction<'_>> {
        self.verify_files()?;
        Ok(self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    /// A write transaction, with this connection's cache of type `T` (created empty on first use).
    pub fn write_with_cache<T: Default + Send + 'static>(&mut self) -> Result<(Transaction<'_>, &mut T)> {
        self.verify_files()?;
        let cache = self.caches.get::<T>();
        Ok((self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?, cache))
    }

    /// A read transaction: one consistent snapshot across several queries.
    pub fn read(&mut self) -> Result<Transaction<'_>> {
        Ok(self.conn.transaction_with_behavior(TransactionBehavior::Deferred)?)
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        // Closing the last connection checkpoints its WAL into the database and unlinks the WAL
        // and shared memory *by path*. When the files at the path are no longer ours, that would
        // copy stale pages over another program's writes and delete its live files: close
        // without checkpointing (which also keeps SQLite from deleting anything).
        if self.verify_files().is_err() {
            let _ = self.conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true);
        }
    }
}

#[cfg(unix)]
fn create_private_file(path: &Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    Ok(())
}

/// Creates the folders a new ledger goes in; the ones created here are for their owner only
/// (an existing folder is left as it is).
#[cfg(unix)]
fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    Ok(())
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    Ok(())
}

#[cfg(not(unix))]
fn create_private_file(path: &Path) -> Result<()> {
    std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    Ok(())
}

fn map_open(e: rusqlite::Error, path: &Path) -> Error {
    relabel(Error::from(e), path)
}

/// Names the file in errors that the SQLite layer reports without it.
fn relabel(e: Error, path: &Path) -> Error {
    match e {
        Error::NotADatabase(_) => Error::NotADatabase(path.display().to_string()),
        Error::ReadOnly(m) => Error::ReadOnly(format!("{}: {m}", path.display())),
        Error::Db(rusqlite::Error::SqliteFailure(f, m)) if f.code == rusqlite::ffi::ErrorCode::CannotOpen => {
            Error::NoDatabase(format!("{} ({})", path.display(), m.unwrap_or_default()))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests;
