//! Opening a SQLite ledger: the file created owner-only, the connection's pragmas, the
//! migrations in one `BEGIN IMMEDIATE` transaction, and the watch on the ledger's files
//! (`files.rs`) that refuses a commit into files no longer at the ledger's path.

use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use super::files::{self, Identity};
use super::{phase, APPLICATION_ID, BUSY_TIMEOUT, MIGRATIONS, SCHEMA_VERSION};
use crate::error::{Error, Result};

/// Opens the file with the ledger's settings, migrated and watched.
pub(super) fn open(path: &Path, flags: OpenFlags) -> Result<(Connection, Arc<Identity>)> {
    let flags = flags | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI;
    files::refuse_beside_stale(path).map_err(Error::LedgerReplaced)?;
    let mut conn = Connection::open_with_flags(path, flags).map_err(|e| relabel(e.into(), path))?;
    configure(&conn, path).map_err(|e| relabel(e, path))?;
    migrate(&mut conn).map_err(|e| relabel(e, path))?;
    let files = watch_files(&conn, path)?;
    if phase::on() {
        phase::follow(&conn);
        phase::mark("opened");
    }
    Ok((conn, files))
}

/// Notes the files this connection holds and refuses, from then on, every commit that
/// would land in files no longer at the ledger's path (see `files.rs`).
fn watch_files(conn: &Connection, path: &Path) -> Result<Arc<Identity>> {
    // A read opens the WAL and the shared memory, so both exist when we look.
    conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0))?;
    let files = Arc::new(Identity::take(path));
    let watched = Arc::clone(&files);
    // Returning true turns the commit into a rollback: nothing is acknowledged that would
    // have gone into a deleted file.
    conn.commit_hook(Some(move || {
        let replaced = watched.changed().is_some();
        if !replaced {
            phase::mark("commit");
        }
        replaced
    }));
    files::register(&files);
    Ok(files)
}

pub(super) fn configure(conn: &Connection, path: &Path) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Reading the header first turns "not a database" into a clear error before any write.
    let app_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
    if app_id != APPLICATION_ID && (app_id != 0 || version != 0 || tables != 0) {
        return Err(Error::NotADatabase(path.display().to_string()));
    }
    if version > SCHEMA_VERSION {
        return Err(Error::NewerSchema { found: version, known: SCHEMA_VERSION });
    }
    if path.as_os_str() != ":memory:" {
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::ReadOnly(format!("cannot switch {} to WAL", path.display())));
        }
    }
    conn.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;",
    )?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

pub(super) fn migrate(conn: &mut Connection) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version >= SCHEMA_VERSION {
        return Ok(());
    }
    // A migration may rebuild a table that others point at (schema 5 rebuilds `users`),
    // which SQLite allows only with foreign keys off; they are checked before commit.
    // The pragma cannot change inside a transaction, so it brackets it.
    conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    let migrated = migrate_in_transaction(conn);
    conn.execute_batch("PRAGMA foreign_keys = ON")?;
    migrated
}

fn migrate_in_transaction(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
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

/// Creates the file (and the folders it goes in), readable by its owner only, when missing.
pub(super) fn create_file(path: &Path) -> Result<()> {
    if !path.exists() {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir)?;
        }
        create_private_file(path)?;
    }
    Ok(())
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
