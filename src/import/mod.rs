//! Import of InterFAX outbound fax records (NDJSON or CSV with InterFAX field names), billed in
//! batches of one write transaction each. Every record gets a result with its line number; an
//! invalid record never stops the others and never half-bills (a record's writes happen only
//! after all its checks pass, and a failed batch rolls back whole). Records are taken as the
//! InterFAX API publishes them: faxes in process are `pending`, summaries of faxes billed
//! before are `exists`, senders the account has not seen are registered.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::ledger::bill::Outcome;
use crate::ledger::biller::Biller;
use crate::ledger::record::{RawFax, Record};
use crate::money;
use crate::time::Timestamp;

mod read;
use read::{CsvRecords, NdjsonRecords};

/// Records per write transaction.
pub const BATCH: usize = 2_000;
/// Records per write transaction in this process: [`BATCH`] unless the crash test lowered it.
static BATCH_SIZE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(BATCH);

/// Lowers the records per write transaction for this process (the CLI reads
/// `FAXCREDIT_IMPORT_BATCH`), so that the crash test's small imports span several batches.
pub fn set_batch_size(records: usize) {
    BATCH_SIZE.store(records.clamp(1, BATCH), std::sync::atomic::Ordering::Relaxed);
}
/// A line (NDJSON) or record (CSV) longer than this is refused without being held in memory.
pub const MAX_RECORD_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Ndjson,
    Csv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// Billed now.
    Billed,
    /// Billed before; this record says nothing different (a summary says less).
    Exists,
    /// Still in process (`status` < 0): not billed; its completed record bills it.
    Pending,
    /// `205000 - Quota Exceeded`: not billed, logged in the attempts.
    Refused,
    /// Billed before with a different value in a field (`exists_with_different_<field>`).
    Different,
    /// Not a fax record the ledger can take; the message names the field.
    Invalid,
}

/// The result of one record, reported once its batch is committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordResult {
    /// 1-based line number in the file (for CSV, where the record starts).
    pub line: u64,
    pub fax_id: Option<String>,
    pub status: RecordStatus,
    /// The error code of `refused`, `different` and `invalid`.
    pub code: Option<String>,
    pub message: Option<String>,
}

/// What an import did: records per outcome, and the money billed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub records: u64,
    pub billed: u64,
    pub exists: u64,
    pub pending: u64,
    pub refused: u64,
    pub different: u64,
    pub invalid: u64,
    /// The cost of the faxes billed by this import (4 places).
    pub amount_billed: Decimal,
}

impl Default for ImportSummary {
    fn default() -> Self {
        ImportSummary {
            records: 0,
            billed: 0,
            exists: 0,
            pending: 0,
            refused: 0,
            different: 0,
            invalid: 0,
            amount_billed: money::from_units(0),
        }
    }
}

impl ImportSummary {
    fn count(&mut self, s: RecordStatus) {
        self.records += 1;
        match s {
            RecordStatus::Billed => self.billed += 1,
            RecordStatus::Exists => self.exists += 1,
            RecordStatus::Pending => self.pending += 1,
            RecordStatus::Refused => self.refused += 1,
            RecordStatus::Different => self.different += 1,
            RecordStatus::Invalid => self.invalid += 1,
        }
    }

    /// Whether every record was billed, billed before, or in process: the CLI's exit 0.
    pub fn clean(&self) -> bool {
        self.refused == 0 && self.different == 0 && self.invalid == 0
    }
}

/// Guesses the format: by extension, else by the first non-blank byte (`{` is NDJSON).
pub fn detect_format(path: &Path, first: &[u8]) -> Format {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("csv") => Format::Csv,
        Some("ndjson" | "jsonl" | "json") => Format::Ndjson,
        _ => match first.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => Format::Ndjson,
            _ => Format::Csv,
        },
    }
}

/// Imports a file. `on_record` sees every record's result after its batch has committed.
pub fn import_file(
    db: &mut Db,
    path: &Path,
    now: Timestamp,
    on_record: &mut dyn FnMut(&RecordResult),
) -> Result<ImportSummary> {
    import_file_with(db, path, now, on_record, &mut |_| {})
}

/// As [`import_file`]; `on_repeat_order` runs as soon as a fax places a repeat order, before the
/// faxes after it are billed, so the front end buys the card they bill on.
pub fn import_file_with(
    db: &mut Db,
    path: &Path,
    now: Timestamp,
    on_record: &mut dyn FnMut(&RecordResult),
    on_repeat_order: &mut dyn FnMut(&mut Db),
) -> Result<ImportSummary> {
    db.refuse_own_file(path, "file")?;
    let file = std::fs::File::open(path)
        .map_err(|e| Error::invalid("file", format!("cannot open {}: {e}", path.display())))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let first = reader.fill_buf()?.to_vec();
    let format = detect_format(path, &first);
    import_reader_with(db, reader, format, now, on_record, on_repeat_order)
}

pub fn import_reader<R: Read + Send>(
    db: &mut Db,
    reader: R,
    format: Format,
    now: Timestamp,
    on_record: &mut dyn FnMut(&RecordResult),
) -> Result<ImportSummary> {
    import_reader_with(db, reader, format, now, on_record, &mut |_| {})
}

/// As [`import_reader`]; `on_repeat_order` runs as soon as a fax places a repeat order, before
/// the faxes after it are billed, so the front end buys the card they bill on.
pub fn import_reader_with<'r, R: Read + Send + 'r>(
    db: &mut Db,
    reader: R,
    format: Format,
    now: Timestamp,
    on_record: &mut dyn FnMut(&RecordResult),
    on_repeat_order: &mut dyn FnMut(&mut Db),
) -> Result<ImportSummary> {
    crate::account::account(db)?;
    let source: Records<'r> = match format {
        Format::Ndjson => Box::new(NdjsonRecords::new(reader)),
        Format::Csv => Box::new(CsvRecords::new(reader)?),
    };
    // One thread reads and validates the records, this one bills them: the next batch is
    // parsed while the last one is written. Two batches wait at most.
    std::thread::scope(|scope| {
        let (send, recv) = std::sync::mpsc::sync_channel::<Result<Vec<Parsed>>>(2);
        scope.spawn(move || parse_batches(source, &send));
        let mut summary = ImportSummary::default();
        let mut billed_units = 0i64;
        for batch in recv.iter() {
            let mut rest = batch?;
            // A batch that places a repeat order ends at that fax: the card is bought before the
            // faxes after it are billed, so they bill on it.
            while !rest.is_empty() {
                let (results, ordered, batch_units) = bill_batch(db, &rest, now)?;
                if ordered {
                    on_repeat_order(db);
                }
                billed_units += batch_units;
                for r in &results {
                    summary.count(r.status);
                    on_record(r);
                }
                rest.drain(..results.len());
            }
        }
        summary.amount_billed = money::from_units(billed_units);
        Ok(summary)
    })
}

/// The records of a file, in order, each with its line number.
type Records<'r> = Box<dyn Iterator<Item = Result<(u64, Result<RawFax>)>> + Send + 'r>;

/// A record read and validated: its line, the id it gave (for the report when it is invalid),
/// and the record or the result that says why it is not one.
struct Parsed {
    line: u64,
    given_id: Option<String>,
    record: std::result::Result<Record, RecordResult>,
}

/// Reads the records in batches of [`BATCH`] (or the size set) and validates them; stops at the end, at a read
/// error (sent on), or when the billing side has gone.
fn parse_batches(mut source: Records<'_>, to_biller: &std::sync::mpsc::SyncSender<Result<Vec<Parsed>>>) {
    let size = BATCH_SIZE.load(std::sync::atomic::Ordering::Relaxed);
    loop {
        let mut batch = Vec::with_capacity(size);
        for item in source.by_ref() {
            let (line, raw) = match item {
                Ok(r) => r,
                Err(e) => {
                    let _ = to_biller.send(Err(e));
                    return;
                }
            };
            let (given_id, record) = match raw {
                Ok(r) => match r.read() {
                    Ok(rec) => (None, Ok(rec)),
                    Err(e) => (r.id.as_deref().map(|s| crate::text::truncate(s.trim(), 64)), Err(e)),
                },
                Err(e) => (None, Err(e)),
            };
            let record = match record.map_err(failure) {
                Ok(rec) => Ok(rec),
                Err(Ok(refused)) => Err(refused),
                // Not a fault of the record: the import stops before billing this batch.
                Err(Err(e)) => {
                    let _ = to_biller.send(Err(e));
                    return;
                }
            };
            batch.push(Parsed { line, given_id, record });
            if batch.len() == size {
                break;
            }
        }
        if batch.is_empty() || to_biller.send(Ok(batch)).is_err() {
            return;
        }
    }
}

/// Bills a batch in one transaction, up to and including the first fax that places a repeat
/// order; returns the results (one per record billed, from the first), whether an order was
/// placed, and the money billed in storage units. On PostgreSQL the transaction takes the
/// account's lock first, as billing one fax does, and may run again from its start: it reads
/// the batch and keeps nothing across runs.
fn bill_batch(db: &mut Db, batch: &[Parsed], now: Timestamp) -> Result<(Vec<RecordResult>, bool, i64)> {
    db.write_with_cache(|tx, rates: &mut crate::rates::RateCache| {
        let mut reactions = crate::billing::reactions();
        let ids: Vec<&str> = batch.iter().filter_map(|p| p.record.as_ref().ok().map(Record::id)).collect();
        let mut biller = Biller::expecting(tx, &mut reactions, &ids, None)?.with_rates(rates.current(tx)?);
        let mut results = Vec::with_capacity(batch.len());
        let mut billed_units = 0i64;
        for Parsed { line, given_id, record } in batch {
            let (record, outcome) = match record {
                Ok(r) => (r, biller.bill_record(r, now)),
                Err(f) => {
                    results.push(RecordResult { line: *line, fax_id: given_id.clone(), ..f.clone() });
                    continue;
                }
            };
            // The fax's id is moved from its outcome, not copied from the record: one string
            // fewer per fax.
            let (fax_id, status, code, message) = match outcome {
                Ok(Outcome::Billed { fax_id, cost, .. }) => {
                    billed_units += money::to_units(cost, "cost")?;
                    (fax_id, RecordStatus::Billed, None, None)
                }
                Ok(Outcome::Exists { fax_id }) => (fax_id, RecordStatus::Exists, None, None),
                Ok(Outcome::Pending { fax_id, status }) => {
                    let message = format!(
                        "fax {fax_id} is still in process (status {status}); not billed until it has completed"
                    );
                    (fax_id, RecordStatus::Pending, None, Some(message))
                }
                Ok(Outcome::Refused { fax_id, cost, available }) => (
                    fax_id,
                    RecordStatus::Refused,
                    Some("quota_exceeded".to_string()),
                    Some(Error::QuotaExceeded { cost: cost.to_string(), available: available.to_string() }.to_string()),
                ),
                Err(e) => {
                    let f = failure(e)?;
                    (record.id().to_string(), f.status, f.code, f.message)
                }
            };
            results.push(RecordResult { line: *line, fax_id: Some(fax_id), status, code, message });
            if biller.placed_repeat_order() {
                break;
            }
        }
        let ordered = biller.placed_repeat_order();
        biller.finish()?;
        crate::db::phase_note_records(results.len());
        Ok((results, ordered, billed_units))
    })
}

/// The result of a record that is refused for what it says (`invalid`, or billed before with a
/// different field); any other error (disk, database) is returned, and aborts the batch: it
/// rolls back whole.
fn failure(e: Error) -> Result<RecordResult> {
    let status = match &e {
        Error::ExistsWithDifferent { .. } => RecordStatus::Different,
        Error::Invalid { .. } => RecordStatus::Invalid,
        _ => return Err(e),
    };
    Ok(RecordResult { line: 0, fax_id: None, status, code: Some(e.code()), message: Some(e.to_string()) })
}
