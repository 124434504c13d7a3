//! Where a process is in its work on the ledger, for the crash test: when a front end turns it
//! on (the CLI with `FAXCREDIT_PHASES=1`), each connection writes a line `phase: NAME` to stderr
//! as it passes `opened`, `begin` (the write lock is held), `commit` (the commit has started)
//! and `committed` or `rolled-back` (on PostgreSQL, of the write transactions: `transaction.rs`); an import batch also says `records N` before its commit. The last line a killed process wrote says where the kill
//! landed. Off, it costs one atomic load per commit.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::trace::{TraceEvent, TraceEventCodes};
use rusqlite::Connection;

static ON: AtomicBool = AtomicBool::new(false);

/// Turns the phase lines on for every connection this process opens from now on.
pub fn trace_phases() {
    ON.store(true, Ordering::Relaxed);
}

pub(super) fn on() -> bool {
    ON.load(Ordering::Relaxed)
}

/// Writes `phase: NAME` in one write(2) (stderr is unbuffered): a kill never leaves half a line,
/// and the line is in the pipe before the next step starts.
pub(super) fn mark(name: &str) {
    if on() {
        let _ = std::io::stderr().lock().write_all(format!("phase: {name}\n").as_bytes());
    }
}

/// A note for the crash test about the transaction in progress, written before it commits: an
/// import batch's size (`records N`). Formatted only when the phase lines are on, since the
/// import calls it on every batch.
pub fn note_records(n: usize) {
    if on() {
        mark(&format!("records {n}"));
    }
}

/// Follows a connection's transactions: each marker is written when its statement has finished.
pub(super) fn follow(conn: &Connection) {
    conn.trace_v2(TraceEventCodes::SQLITE_TRACE_PROFILE, Some(on_statement));
}

fn on_statement(event: TraceEvent<'_>) {
    if let TraceEvent::Profile(statement, _) = event {
        match statement.sql().as_ref() {
            "BEGIN IMMEDIATE" => mark("begin"),
            "COMMIT" => mark("committed"),
            "ROLLBACK" => mark("rolled-back"),
            _ => {}
        }
    }
}
