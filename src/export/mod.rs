//! CSV export of a card's activity (DESIGN.md §4), whole or as View Activity filters it: RFC
//! 4180, UTF-8 with a byte-order mark (by default), header row, CRLF, oldest line first.
//! Streamed row by row, so memory stays flat whatever the card holds; written to a
//! temporary file beside the target and renamed into place only when complete.

mod orders;
pub use orders::{export_orders, export_orders_with, EXPORT_HEADER};

use std::collections::HashMap;
use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::ledger::activity::{filter_sql, ActivityFilter};
use crate::ledger::cards::card;
use crate::money::write_units;

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

/// The UTF-8 byte-order mark: without it Excel on Windows reads the file in the ANSI code page
/// and shows "Réponse" or "Müller" garbled.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// How a CSV export is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvOptions {
    /// Start with [`BOM`] (the default; `--no-bom` for pipelines that do not expect it).
    pub bom: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions { bom: true }
    }
}

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

/// OWASP CSV injection: a text cell that a spreadsheet would read as a formula gets a leading
/// apostrophe. Spreadsheet programs trim leading spaces and fold compatibility characters, so
/// the test is on the first character after whitespace (any, NBSP and U+3000 included) and
/// format characters (BOM, ZWSP, …), NFKC-folded (`＝` is `=`): one of `= + - @`, or a TAB or
/// CR among the leading blanks.
pub fn needs_neutralizing(cell: &[u8]) -> bool {
    match cell.first() {
        None => false,
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => true,
        // Nearly every cell starts with a printable ASCII character: decided by its first byte.
        Some(&b) if b.is_ascii() && !char::from(b).is_whitespace() => false,
        Some(_) => formula_after_blanks(&String::from_utf8_lossy(cell)),
    }
}

fn formula_after_blanks(s: &str) -> bool {
    use unicode_normalization::UnicodeNormalization;
    for c in s.chars() {
        if c == '\t' || c == '\r' {
            return true;
        }
        if c.is_whitespace() || is_format_char(c) {
            continue;
        }
        let mut one = [0u8; 4];
        return c.encode_utf8(&mut one).nfkc().next().is_some_and(|f| matches!(f, '=' | '+' | '-' | '@'));
    }
    false
}

/// Unicode's format characters (general category Cf): invisible, and skipped by programs that
/// trim a cell.
fn is_format_char(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

/// A fax number as people write it: `+`, digits, spaces, dots, dashes and parentheses, with at
/// least one digit. Not a formula, whatever its first character: written as it is.
pub fn is_phone_number(cell: &[u8]) -> bool {
    cell.iter().any(u8::is_ascii_digit)
        && cell.iter().all(|b| matches!(b, b'0'..=b'9' | b'+' | b' ' | b'.' | b'-' | b'(' | b')'))
}

/// The CSV encoder of every export (cards and orders). One row being built: RFC 4180 cells (quoted only when they hold a quote, a comma or a
/// line break, quotes doubled), comma-separated, ended by CRLF. Text cells are neutralized
/// against formula injection first.
/// Rows collect in one buffer that goes to the writer in 64 KiB writes.
pub(crate) struct CsvRow {
    buf: Vec<u8>,
    num: itoa::Buffer,
    /// No cell yet in the current row.
    fresh: bool,
}

const ROWS_BUFFER: usize = 1 << 16;

impl CsvRow {
    pub(crate) fn new() -> CsvRow {
        CsvRow { buf: Vec::with_capacity(ROWS_BUFFER + 1024), num: itoa::Buffer::new(), fresh: true }
    }

    fn sep(&mut self) {
        if !self.fresh {
            self.buf.push(b',');
        }
        self.fresh = false;
    }

    /// Starts the file: the byte-order mark when asked for. Call before the header row.
    pub(crate) fn start(&mut self, opts: CsvOptions) {
        if opts.bom {
            self.buf.extend_from_slice(BOM);
        }
    }

    pub(crate) fn int(&mut self, v: i64) {
        self.sep();
        let s = self.num.format(v);
        self.buf.extend_from_slice(s.as_bytes());
    }

    pub(crate) fn units(&mut self, v: i64) {
        self.sep();
        write_units(&mut self.buf, v);
    }

    /// A cell written as is (quoted if it must be): timestamps and the currency code.
    pub(crate) fn plain(&mut self, s: &[u8]) {
        self.sep();
        self.quoted_if_needed(s, false);
    }

    /// A text cell from outside (fax id, user, destination, subject): neutralized, then quoted
    /// if it must be.
    pub(crate) fn text(&mut self, s: &[u8]) {
        self.sep();
        self.quoted_if_needed(s, needs_neutralizing(s));
    }

    /// A fax number: as written when it is only a phone number, else a text cell.
    pub(crate) fn phone(&mut self, s: &[u8]) {
        self.sep();
        self.quoted_if_needed(s, !is_phone_number(s) && needs_neutralizing(s));
    }

    fn quoted_if_needed(&mut self, s: &[u8], neutralize: bool) {
        if !s.iter().any(|&b| matches!(b, b'"' | b',' | b'\r' | b'\n')) {
            if neutralize {
                self.buf.push(b'\'');
            }
            self.buf.extend_from_slice(s);
            return;
        }
        self.buf.push(b'"');
        if neutralize {
            self.buf.push(b'\'');
        }
        for &b in s {
            if b == b'"' {
                self.buf.push(b'"');
            }
            self.buf.push(b);
        }
        self.buf.push(b'"');
    }

    pub(crate) fn end(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        self.buf.extend_from_slice(b"\r\n");
        self.fresh = true;
        if self.buf.len() >= ROWS_BUFFER {
            self.flush(out)?;
        }
        Ok(())
    }

    pub(crate) fn flush(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        out.write_all(&self.buf)?;
        self.buf.clear();
        out.flush()
    }
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
    let tx = db.read()?;
    let currency = crate::account::account_in(&tx)?.currency;
    let mut total = card(&tx, card_id)?.lines as u64;
    let f = filter_sql(&tx, filter, 1)?;
    let mut params = vec![rusqlite::types::Value::Integer(card_id)];
    params.extend(f.params);
    if !filter.is_empty() {
        // The lines a filter shows are counted first, so progress has its true end.
        let join = if f.needs_fax { "JOIN faxes f ON f.seq = a.fax_seq" } else { "" };
        total = tx.query_row(
            &format!("SELECT count(*) FROM activity a {join} WHERE a.card_id = ?1{}", f.conditions),
            rusqlite::params_from_iter(params.iter()),
            |r| r.get::<_, i64>(0),
        )? as u64;
    }
    // The users are few: their names come from memory, not a join per line.
    let users: HashMap<i64, String> = tx
        .prepare("SELECT id, name FROM users")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if to_writer.send(Msg::Start { currency, total, users }).is_err() {
        return Ok(());
    }
    let mut st = tx.prepare(&format!(
        "SELECT f.id, f.submit_time, f.completion_time, f.destination, f.subject,
                f.user_id, f.pages_submitted, f.pages_sent, f.duration, f.units, f.cost_per_unit, a.amount,
                f.cost, f.status
         FROM activity a JOIN faxes f ON f.seq = a.fax_seq
         WHERE a.card_id = ?1{} ORDER BY a.n",
        f.conditions
    ))?;
    let mut rows = st.query(rusqlite::params_from_iter(params))?;
    let mut batch = Batch::new();
    while let Some(r) = rows.next()? {
        use rusqlite::types::ValueRef;
        for i in 0..TEXTS {
            match r.get_ref(i)? {
                ValueRef::Text(t) => batch.text.extend_from_slice(t),
                ValueRef::Null => {}
                _ => return Err(Error::Invariant(format!("column {i} of an activity line is not text"))),
            }
            batch.ends.push(batch.text.len());
        }
        for i in TEXTS..TEXTS + INTS {
            match r.get_ref(i)? {
                ValueRef::Integer(v) => batch.ints.push(v),
                _ => return Err(Error::Invariant(format!("column {i} of an activity line is not an integer"))),
            }
        }
        if batch.lines() == BATCH_LINES
            && to_writer.send(Msg::Lines(std::mem::replace(&mut batch, Batch::new()))).is_err()
        {
            return Ok(());
        }
    }
    if batch.lines() > 0 && to_writer.send(Msg::Lines(batch)).is_err() {
        return Ok(());
    }
    let _ = to_writer.send(Msg::End);
    Ok(())
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

/// Refuses a target that is a directory or whose folder does not exist, before anything is written.
pub fn check_target(target: &Path) -> Result<PathBuf> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if target.is_dir() {
        return Err(Error::invalid("out", format!("{} is a directory", target.display())));
    }
    if !dir.is_dir() {
        return Err(Error::invalid("out", format!("the folder {} does not exist", dir.display())));
    }
    Ok(dir)
}

/// Writes `target` through a temporary file in the same folder, synced and renamed into place:
/// on error or cancel the temporary file is removed and the target is untouched.
pub fn write_atomically<T>(target: &Path, write: impl FnOnce(&mut dyn Write) -> Result<T>) -> Result<T> {
    let dir = check_target(target)?;
    let tmp = tempfile::Builder::new().prefix(".faxcredit-export-").suffix(".tmp").tempfile_in(&dir)?;
    let file = tmp.as_file();
    let out = std::thread::scope(|scope| -> Result<T> {
        // A helper syncs what is written so far while the rest is produced, so the final sync
        // waits for the last few megabytes, not the whole file (RocksDB's bytes_per_sync).
        let (kick, kicks) = std::sync::mpsc::sync_channel::<()>(1);
        let syncer = scope.spawn(move || {
            for () in kicks {
                // Advisory: a failure here leaves the work to the final sync, which reports it.
                let _ = file.sync_data();
            }
        });
        let mut w = std::io::BufWriter::with_capacity(1 << 16, SyncAhead { file, kick, unsynced: 0 });
        let out = write(&mut w);
        let flushed = w.flush();
        drop(w);
        syncer.join().map_err(|_| Error::Invariant("the export's sync helper panicked".into()))?;
        let out = out?;
        flushed?;
        Ok(out)
    })?;
    file.sync_all()?;
    tmp.persist(target).map_err(|e| Error::Io(e.error))?;
    Ok(out)
}

/// How much an export writes between two syncs started by its helper.
const SYNC_AHEAD_EVERY: u64 = 16 << 20;

/// The file under an export's buffer: asks the helper for a sync every [`SYNC_AHEAD_EVERY`]
/// bytes, and never waits for it.
struct SyncAhead<'f> {
    file: &'f std::fs::File,
    kick: std::sync::mpsc::SyncSender<()>,
    unsynced: u64,
}

impl Write for SyncAhead<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = (&mut &*self.file).write(buf)?;
        self.unsynced += n as u64;
        if self.unsynced >= SYNC_AHEAD_EVERY {
            self.unsynced = 0;
            // Full means a sync is already under way or asked for; that one will do.
            let _ = self.kick.try_send(());
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        (&mut &*self.file).flush()
    }
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

#[cfg(test)]
mod tests {
    use super::CsvRow;

    fn row(cells: &[&str]) -> String {
        let mut r = CsvRow::new();
        for c in cells {
            r.text(c.as_bytes());
        }
        r.int(-7);
        r.units(12_345);
        let mut out = Vec::new();
        r.end(&mut out).unwrap();
        r.flush(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Issue 13, item 8: formulas hidden behind blanks, invisible characters or full-width
    /// signs are neutralized; a fax number is written as it is.
    #[test]
    fn neutralizes_formulas_behind_blanks_and_folded_signs_but_not_phone_numbers() {
        use super::{is_phone_number, needs_neutralizing};
        for live in [
            " =1+1",
            "\u{a0}=1+1",
            "\u{3000}=1+1",
            "\u{feff}=1+1",
            "\u{200b}=1+1",
            "\u{ff1d}1+1",
            "\u{ff0b}1+1",
            "\u{fe63}1",
            "\u{ff20}SUM(A1)",
            " \t x",
            "\u{200b} \r",
            "=1+1",
            "-1",
        ] {
            assert!(needs_neutralizing(live.as_bytes()), "{live:?} left live");
        }
        for inert in ["Réponse", "Müller", " plain", "\u{3000}text", "", "1+1", "a=b"] {
            assert!(!needs_neutralizing(inert.as_bytes()), "{inert:?} changed");
        }
        assert_eq!(row(&[" =1+1"]), "' =1+1,-7,1.2345\r\n");
        assert_eq!(row(&["\u{ff1d}1+1"]), "'\u{ff1d}1+1,-7,1.2345\r\n");
        for phone in ["+1 (312) 555-0100", "+44.20.7946.0000", "-1 312", "(312) 555 0100"] {
            assert!(is_phone_number(phone.as_bytes()), "{phone}");
            let mut r = CsvRow::new();
            r.phone(phone.as_bytes());
            let mut out = Vec::new();
            r.end(&mut out).unwrap();
            r.flush(&mut out).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), format!("{phone}\r\n"));
        }
        for not_phone in ["+1+cmd|' /C calc'!A0", "=1+1", "+", "+1 x"] {
            assert!(!is_phone_number(not_phone.as_bytes()), "{not_phone}");
            let mut r = CsvRow::new();
            r.phone(not_phone.as_bytes());
            let mut out = Vec::new();
            r.end(&mut out).unwrap();
            r.flush(&mut out).unwrap();
            let cell = String::from_utf8(out).unwrap();
            assert!(cell.starts_with('\'') || cell.starts_with("\"'"), "{not_phone}: {cell}");
        }
    }

    #[test]
    fn quotes_only_what_rfc_4180_requires_and_neutralizes_formulas() {
        assert_eq!(row(&["a", ""]), "a,,-7,1.2345\r\n");
        assert_eq!(row(&["x,y", "say \"hi\""]), "\"x,y\",\"say \"\"hi\"\"\",-7,1.2345\r\n");
        assert_eq!(row(&["two\r\nlines", "=1+1"]), "\"two\r\nlines\",'=1+1,-7,1.2345\r\n");
        assert_eq!(row(&["@a,\"b\""]), "\"'@a,\"\"b\"\"\",-7,1.2345\r\n");
        let back: Vec<String> = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(row(&["x,y", "say \"hi\"", "two\r\nlines"]).as_bytes())
            .records()
            .next()
            .unwrap()
            .unwrap()
            .iter()
            .map(String::from)
            .collect();
        assert_eq!(back, ["x,y", "say \"hi\"", "two\r\nlines", "-7", "1.2345"]);
    }
}
