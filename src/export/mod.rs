//! CSV export of a card's activity (DESIGN.md §4): RFC 4180, UTF-8, header row, CRLF, oldest
//! line first. Streamed row by row, so memory stays flat whatever the card holds; written to a
//! temporary file beside the target and renamed into place only when complete.

use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::db::Db;
use crate::error::{Error, Result};
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
/// apostrophe.
pub fn needs_neutralizing(cell: &[u8]) -> bool {
    matches!(cell.first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'))
}

fn text<'a>(buf: &'a mut Vec<u8>, s: &[u8]) -> &'a [u8] {
    buf.clear();
    if needs_neutralizing(s) {
        buf.push(b'\'');
    }
    buf.extend_from_slice(s);
    buf
}

/// Writes the CSV of a card's activity to `out`. `progress` is called before the first row,
/// every [`PROGRESS_EVERY`] rows and at the end; returning `Break` cancels with [`Error::Cancelled`].
pub fn write_card_csv<W: Write>(
    db: &mut Db,
    card_id: i64,
    out: W,
    progress: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<u64> {
    let tx = db.read()?;
    let currency = crate::account::account_in(&tx)?.currency;
    let total = card(&tx, card_id)?.lines as u64;
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).buffer_capacity(1 << 16).from_writer(out);
    w.write_record(HEADER).map_err(csv_err)?;
    let mut st = tx.prepare(
        "SELECT a.card_id, f.id, f.submit_time, f.completion_time, u.name, f.destination, f.pages_submitted,
                f.pages_sent, f.duration, f.units, f.cost_per_unit, a.amount, f.cost, f.status, f.subject
         FROM activity a JOIN faxes f ON f.seq = a.fax_seq JOIN users u ON u.id = f.user_id
         WHERE a.card_id = ?1 ORDER BY a.n",
    )?;
    let mut rows = st.query([card_id])?;
    // A first report before any row, so a front end can show progress (and Cancel) at once.
    if progress(Progress { done: 0, total }).is_break() {
        return Err(Error::Cancelled);
    }
    let mut done: u64 = 0;
    let mut num = itoa::Buffer::new();
    let mut cell: Vec<u8> = Vec::with_capacity(256);
    while let Some(r) = rows.next()? {
        use rusqlite::types::ValueRef;
        let bytes = |i: usize| -> Result<&[u8]> {
            match r.get_ref(i)? {
                ValueRef::Text(t) => Ok(t),
                ValueRef::Null => Ok(b""),
                _ => Err(Error::Invariant(format!("column {i} of an activity line is not text"))),
            }
        };
        let int = |i: usize| -> Result<i64> { Ok(r.get::<_, i64>(i)?) };
        w.write_field(num.format(int(0)?)).map_err(csv_err)?;
        w.write_field(text(&mut cell, bytes(1)?)).map_err(csv_err)?;
        w.write_field(bytes(2)?).map_err(csv_err)?;
        w.write_field(bytes(3)?).map_err(csv_err)?;
        w.write_field(text(&mut cell, bytes(4)?)).map_err(csv_err)?;
        w.write_field(text(&mut cell, bytes(5)?)).map_err(csv_err)?;
        for i in 6..=8 {
            w.write_field(num.format(int(i)?)).map_err(csv_err)?;
        }
        for i in 9..=12 {
            cell.clear();
            write_units(&mut cell, int(i)?);
            w.write_field(&cell).map_err(csv_err)?;
        }
        w.write_field(currency.as_bytes()).map_err(csv_err)?;
        w.write_field(num.format(int(13)?)).map_err(csv_err)?;
        w.write_field(text(&mut cell, bytes(14)?)).map_err(csv_err)?;
        w.write_record(None::<&[u8]>).map_err(csv_err)?;
        done += 1;
        if done.is_multiple_of(PROGRESS_EVERY) && progress(Progress { done, total: total.max(done) }).is_break() {
            return Err(Error::Cancelled);
        }
    }
    w.flush()?;
    if progress(Progress { done, total: done }).is_break() {
        return Err(Error::Cancelled);
    }
    Ok(done)
}

fn csv_err(e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::Io(io),
        other => Error::Invariant(format!("csv: {other:?}")),
    }
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
pub fn write_atomically<T>(
    target: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<&std::fs::File>) -> Result<T>,
) -> Result<T> {
    let dir = check_target(target)?;
    let tmp = tempfile::Builder::new().prefix(".faxcredit-export-").suffix(".tmp").tempfile_in(&dir)?;
    let out = {
        let mut file = std::io::BufWriter::with_capacity(1 << 16, tmp.as_file());
        let out = write(&mut file)?;
        file.flush()?;
        out
    };
    tmp.as_file().sync_all()?;
    tmp.persist(target).map_err(|e| Error::Io(e.error))?;
    Ok(out)
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
    check_target(target)?;
    // Validate the card before creating anything.
    card(db.conn(), card_id)?;
    let rows = write_atomically(target, |file| write_card_csv(db, card_id, file, progress))?;
    Ok(ExportSummary { card_id, rows, path: target.to_path_buf() })
}
