//! A card's activity as CSV (DESIGN.md §4), whole or as View Activity filters it, oldest line
//! first: the query is stepped on one thread and the rows encoded on another, through a channel
//! of two batches, so memory stays flat whatever the card holds.

use std::collections::HashMap;
use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::atomic::{check_target, write_atomically};
use super::csv::{CsvOptions, CsvRow};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::ledger::activity::{filter_sql, ActivityFilter};
use crate::ledger::cards::card;
use crate::sql::{Backend, Conn, Row, ToValue, Value};

pub const HEADER: [&str; 16] = [
    "card_id",
    "fax_id",
    "submit_time",
    "completion_time",
    "user",
    "destination",
    "pages_submitted",
    "pages_sent",
    "duration_s",
    "units",
    "cost_per_unit",
    "amount",
    "fax_cost",
    "currency",
    "status",
    "subject",
];

/// How often the progress callback is called, in rows.
pub const PROGRESS_EVERY: u64 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportSummary {
    pub card_id: i64,
    pub rows: u64,
    pub path: PathBuf,
}

/// Writes the CSV of a card's activity to `out`. `progress` is called before the first row,
/// every [`PROGRESS_EVERY`] rows and at the end; returning `Break` cancels with [`Error::Cancelled`].
///
/// Two threads share the work: one steps the query and copies each line's values into
/// batches, the caller's thread encodes them and writes. The channel between them holds two
/// batches, so memory stays flat whatever the card holds.
pub fn write_card_csv<W: Write>(
    db: &mut Db,
    card_id: i64,
    out: W,
    progress: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<u64> {
    write_lines_csv(db, card_id, &ActivityFilter::default(), out, CsvOptions::default(), progress)
}

/// As [`write_card_csv`], with `opts` (the byte-order mark or not).
pub fn write_card_csv_with<W: Write>(
    db: &mut Db,
    card_id: i64,
    out: W,
    opts: CsvOptions,
    progress: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<u64> {
    write_lines_csv(db, card_id, &ActivityFilter::default(), out, opts, progress)
}

/// Writes the CSV of the card's lines that `filter` shows (View Activity's filters), in the
/// same form and order as the whole card's.
pub fn write_lines_csv<W: Write>(
    db: &mut Db,
    card_id: i64,
    filter: &ActivityFilter,
    mut out: W,
    opts: CsvOptions,
    progress: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<u64> {
    let (send, recv) = std::sync::mpsc::sync_channel::<Msg>(2);
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || read_lines(db, card_id, filter, &send));
        let written = write_lines(card_id, &recv, &mut out, opts, progress);
        // Ends the reader at its next batch if the writer stopped early (error or cancel).
        drop(recv);
        let read = reader.join().map_err(|_| Error::Invariant("the export's reader panicked".into()))?;
        // When the reader failed, the writer saw the lines end early: the reader's error is the cause.
        read?;
        written
    })
}

/// Lines per batch handed from the reading thread to the writing one.
const BATCH_LINES: usize = 2_048;
/// Per line: user id, pages submitted, pages sent, duration, units, cost per unit, amount,
/// fax cost, status.
const INTS: usize = 9;
/// Per line: fax id, submit time, completion time, destination, subject.
const TEXTS: usize = 5;

/// Lines read from the database and not yet written.
struct Batch {
    ints: Vec<i64>,
    text: Vec<u8>,
    /// Where each text cell ends in `text`.
    ends: Vec<usize>,
}

impl Batch {
    fn new() -> Batch {
        Batch {
            ints: Vec::with_capacity(BATCH_LINES * INTS),
            text: Vec::with_capacity(BATCH_LINES * 96),
            ends: Vec::with_capacity(BATCH_LINES * TEXTS),
        }
    }
    fn lines(&self) -> usize {
        self.ints.len() / INTS
    }
}

enum Msg {
    Start {
        currency: String,
        total: u64,
        users: HashMap<i64, String>,
    },
    Lines(Batch),
    /// Every line was read.
    End,
}

/// The reading side: one read transaction, so the lines, the users and the total agree.
/// Returns early, without error, when the writer has gone.
fn read_lines(
    db: &mut Db,
    card_id: i64,
    filter: &ActivityFilter,
    to_writer: &std::sync::mpsc::SyncSender<Msg>,
) -> Result<()> {
    let mut gone = false;
    let read = db.read(|tx| {
        let (start, conditions, params) = start_of(tx, card_id, filter)?;
        if to_writer.send(start).is_err() {
            gone = true;
            return Ok(());
        }
        let mut batch = Batch::new();
        scan(tx, &conditions, &params, &mut |r| {
            for i in 0..TEXTS {
                if let Some(t) = r.text_bytes(i)? {
                    batch.text.extend_from_slice(t);
                }
                batch.ends.push(batch.text.len());
            }
            for i in TEXTS..TEXTS + INTS {
                batch.ints.push(r.get::<i64>(i)?);
            }
            if batch.lines() == BATCH_LINES
                && to_writer.send(Msg::Lines(std::mem::replace(&mut batch, Batch::new()))).is_err()
            {
                gone = true;
                // Stops the scan; not an error of the export (the writer says why it stopped).
                return Err(Error::Cancelled);
            }
            Ok(())
        })?;
        if batch.lines() > 0 && to_writer.send(Msg::Lines(batch)).is_err() {
            return Ok(());
        }
        let _ = to_writer.send(Msg::End);
        Ok(())
    });
    match read {
        Err(Error::Cancelled) if gone => Ok(()),
        other => other,
    }
}

/// What the writer needs before the first line (the currency, the count, the users' names),
/// and the conditions of the lines' query after the card's (`?1`) with their parameters.
fn start_of(tx: Conn<'_>, card_id: i64, filter: &ActivityFilter) -> Result<(Msg, String, Vec<Value<'static>>)> {
    let currency = crate::account::account_in(tx)?.currency;
    let mut total = card(tx, card_id)?.lines as u64;
    let f = filter_sql(tx, filter, 1)?;
    let mut params = vec![Value::Int(card_id)];
    params.extend(f.params);
    let refs: Vec<&dyn ToValue> = params.iter().map(|v| v as &dyn ToValue).collect();
    if !filter.is_empty() {
        // The lines a filter shows are counted first, so progress has its true end.
        let join = if f.needs_fax { "JOIN faxes f ON f.seq = a.fax_seq" } else { "" };
        total = tx.query_row(
            &format!("SELECT count(*) FROM activity a {join} WHERE a.card_id = ?1{}", f.conditions),
            &refs,
            |r| r.get::<i64>(0),
        )? as u64;
    }
    // The users are few: their names come from memory, not a join per line.
    let users: HashMap<i64, String> =
        tx.query("SELECT id, name FROM users", &[], |r| Ok((r.get(0)?, r.get(1)?)))?.into_iter().collect();
    Ok((Msg::Start { currency, total, users }, f.conditions, params))
}

/// Lines per `FETCH` of a PostgreSQL export: each is streamed, and a cancelled export reads at
/// most the rest of one (some 35 MB, a few tenths of a second) before its connection is free
/// again. The server waits between two fetches, so fewer, larger ones are faster: 262,144 took
/// 3.5 s where 65,536 took 3.9–4.2 s for a card of a million lines (on a busy two-core machine).
const PG_LINES_PER_FETCH: usize = 262_144;

/// The lines per `FETCH`: [`PG_LINES_PER_FETCH`], or what a test set with
/// [`set_lines_per_fetch_for_tests`] to make a small card take several fetches.
fn lines_per_fetch() -> usize {
    #[cfg(any(test, feature = "test-support"))]
    if let n @ 1.. = TEST_LINES_PER_FETCH.load(std::sync::atomic::Ordering::Relaxed) {
        return n;
    }
    PG_LINES_PER_FETCH
}

#[cfg(any(test, feature = "test-support"))]
static TEST_LINES_PER_FETCH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Makes every PostgreSQL export of this process fetch `n` lines at a time (0: the default), so
/// that a test's small card takes several fetches. Tests only: not in the release library.
#[cfg(any(test, feature = "test-support"))]
pub fn set_lines_per_fetch_for_tests(n: usize) {
    TEST_LINES_PER_FETCH.store(n, std::sync::atomic::Ordering::Relaxed);
}

/// Hands the card's lines that `conditions` keep to `line`, in order, streamed on both engines.
/// SQLite steps one statement. PostgreSQL runs one query too, through a cursor declared in the
/// read transaction (its one snapshot) and fetched [`PG_LINES_PER_FETCH`] lines at a time.
///
/// One query, planned once for the whole card: a cursor is planned for its first rows, which
/// for `ORDER BY a.n` is the card's primary key read in order with a primary-key lookup of each
/// fax, no sort, whatever the statistics say. Keyset statements (`a.n > $2 … LIMIT`) were planned
/// one by one and their plans followed the statistics: on freshly copied tables not yet analyzed
/// each joined and sorted every remaining line before its LIMIT (2 s each, 18 s an export), and
/// once analyzed the last ones hash-joined a scan of every fax (0.5 s each).
fn scan(
    tx: Conn<'_>,
    conditions: &str,
    params: &[Value<'_>],
    line: &mut dyn FnMut(&Row<'_>) -> Result<()>,
) -> Result<()> {
    let select = format!(
        "SELECT f.id, f.submit_time, f.completion_time, f.destination, f.subject,
                f.user_id, f.pages_submitted, f.pages_sent, f.duration, f.units, f.cost_per_unit, a.amount,
                f.cost, f.status
         FROM activity a JOIN faxes f ON f.seq = a.fax_seq
         WHERE a.card_id = ?1{conditions}
         ORDER BY a.n"
    );
    let refs: Vec<&dyn ToValue> = params.iter().map(|v| v as &dyn ToValue).collect();
    if tx.backend() == Backend::Sqlite {
        return tx.for_each(&select, &refs, |r| line(r));
    }
    // JIT compiling the plan (index lookups) costs 0.1–0.2 s and gains nothing; SET LOCAL ends
    // with the read transaction.
    tx.execute("SET LOCAL jit = off", &[])?;
    tx.execute(&format!("DECLARE export_lines NO SCROLL CURSOR FOR {select}"), &refs)?;
    let per_fetch = lines_per_fetch();
    let fetch = format!("FETCH FORWARD {per_fetch} FROM export_lines");
    loop {
        let mut read = 0;
        tx.for_each(&fetch, &[], |r| {
            read += 1;
            line(r)
        })?;
        if read < per_fetch {
            tx.execute("CLOSE export_lines", &[])?;
            return Ok(());
        }
    }
}

/// The writing side: encodes the batches as they come. Returns the lines written; when the
/// reader stops before the end, it returns what it wrote and the reader reports why.
fn write_lines<W: Write>(
    card_id: i64,
    from_reader: &std::sync::mpsc::Receiver<Msg>,
    w: &mut W,
    opts: CsvOptions,
    progress: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<u64> {
    let Ok(Msg::Start { currency, total, users }) = from_reader.recv() else { return Ok(0) };
    let mut row = CsvRow::new();
    row.start(opts);
    for h in HEADER {
        row.plain(h.as_bytes());
    }
    row.end(w)?;
    // A first report before any row, so a front end can show progress (and Cancel) at once.
    if progress(Progress { done: 0, total }).is_break() {
        return Err(Error::Cancelled);
    }
    let mut done: u64 = 0;
    for msg in from_reader.iter() {
        let batch = match msg {
            Msg::Lines(b) => b,
            Msg::End => {
                row.flush(w)?;
                if progress(Progress { done, total: done }).is_break() {
                    return Err(Error::Cancelled);
                }
                return Ok(done);
            }
            Msg::Start { .. } => return Err(Error::Invariant("the export started twice".into())),
        };
        let mut start = 0;
        for (ints, ends) in batch.ints.chunks_exact(INTS).zip(batch.ends.chunks_exact(TEXTS)) {
            let text = |i: usize| &batch.text[if i == 0 { start } else { ends[i - 1] }..ends[i]];
            let user =
                users.get(&ints[0]).ok_or_else(|| Error::Invariant(format!("a fax of unknown user {}", ints[0])))?;
            row.int(card_id);
            row.text(text(0));
            row.plain(text(1));
            row.plain(text(2));
            row.text(user.as_bytes());
            row.phone(text(3));
            for &v in &ints[1..4] {
                row.int(v);
            }
            for &v in &ints[4..8] {
                row.units(v);
            }
            row.plain(currency.as_bytes());
            row.int(ints[8]);
            row.text(text(4));
            row.end(w)?;
            start = ends[TEXTS - 1];
            done += 1;
            if done.is_multiple_of(PROGRESS_EVERY) && progress(Progress { done, total: total.max(done) }).is_break() {
                return Err(Error::Cancelled);
            }
        }
    }
    Ok(done)
}

/// Exports a card's activity to `target` atomically: a temporary file in the same directory,
/// synced, then renamed over the target. On error or cancel the temporary file is removed and
/// the target is untouched.
pub fn export_card(
    db: &mut Db,
    card_id: i64,
    target: &Path,
    progress: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<ExportSummary> {
    export_lines(db, card_id, &ActivityFilter::default(), target, CsvOptions::default(), progress)
}

/// As [`export_card`], with `opts` (the byte-order mark or not).
pub fn export_card_with(
    db: &mut Db,
    card_id: i64,
    target: &Path,
    opts: CsvOptions,
    progress: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<ExportSummary> {
    export_lines(db, card_id, &ActivityFilter::default(), target, opts, progress)
}

/// Exports the card's lines that `filter` shows, like [`export_card`].
pub fn export_lines(
    db: &mut Db,
    card_id: i64,
    filter: &ActivityFilter,
    target: &Path,
    opts: CsvOptions,
    progress: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<ExportSummary> {
    check_target(target)?;
    db.refuse_own_file(target, "out")?;
    // Validate the card (and the filter's user) before creating anything.
    card(db.conn(), card_id)?;
    filter_sql(db.conn(), filter, 1)?;
    let rows = write_atomically(target, |file| write_lines_csv(db, card_id, filter, file, opts, progress))?;
    Ok(ExportSummary { card_id, rows, path: target.to_path_buf() })
}
