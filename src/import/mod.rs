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
use crate::ledger::bill::{Biller, Outcome};
use crate::ledger::record::{RawFax, Record};
use crate::money;
use crate::time::Timestamp;

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
                let (results, ordered, batch_units, left) = bill_batch(db, rest, now)?;
                if ordered {
                    on_repeat_order(db);
                }
                billed_units += batch_units;
                for r in &results {
                    summary.count(r.status);
                    on_record(r);
                }
                rest = left;
            }
        }
        summary.amount_billed = money::from_units(billed_units);
        Ok(summary)
    })
}

/// The records of a file, in order, each with its line number.
type Records<'r> = Box<dyn Iterator<Item = Result<(u64, Result<RawFax>)>> + Send + 'r>;

/// A record read and validated: its line, the id it gave (for the report when it is invalid),
/// and the record or why it is not one.
struct Parsed {
    line: u64,
    given_id: Option<String>,
    record: Result<Record>,
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
/// order; returns the results, whether an order was placed, the money billed in storage units,
/// and the records left.
type Billed = (Vec<RecordResult>, bool, i64, Vec<Parsed>);

fn bill_batch(db: &mut Db, batch: Vec<Parsed>, now: Timestamp) -> Result<Billed> {
    let (tx, rates) = db.write_with_cache::<crate::rates::RateCache>()?;
    let mut reactions = crate::billing::reactions();
    let mut biller = Biller::new(&tx, &mut reactions)?.with_rates(rates.current(&tx)?);
    let mut results = Vec::with_capacity(batch.len());
    let mut billed_units = 0i64;
    let mut records = batch.into_iter();
    for Parsed { line, given_id, record } in records.by_ref() {
        let fax_id = match &record {
            Ok(r) => Some(r.id().to_string()),
            Err(_) => given_id,
        };
        let outcome = record.and_then(|r| biller.bill_record(&r, now));
        let (status, code, message) = match outcome {
            Ok(Outcome::Billed { cost, .. }) => {
                billed_units += money::to_units(cost, "cost")?;
                (RecordStatus::Billed, None, None)
            }
            Ok(Outcome::Exists { .. }) => (RecordStatus::Exists, None, None),
            Ok(Outcome::Pending { fax_id, status }) => (
                RecordStatus::Pending,
                None,
                Some(format!("fax {fax_id} is still in process (status {status}); not billed until it has completed")),
            ),
            Ok(Outcome::Refused { cost, available, .. }) => (
                RecordStatus::Refused,
                Some("quota_exceeded".to_string()),
                Some(Error::QuotaExceeded { cost: cost.to_string(), available: available.to_string() }.to_string()),
            ),
            Err(e @ Error::ExistsWithDifferent { .. }) => {
                (RecordStatus::Different, Some(e.code()), Some(e.to_string()))
            }
            Err(e @ Error::Invalid { .. }) => (RecordStatus::Invalid, Some(e.code()), Some(e.to_string())),
            // Anything else (disk, database) aborts the batch: it rolls back whole.
            Err(e) => return Err(e),
        };
        results.push(RecordResult { line, fax_id, status, code, message });
        if biller.placed_repeat_order() {
            break;
        }
    }
    let ordered = biller.placed_repeat_order();
    biller.finish()?;
    crate::db::phase_note(&format!("records {}", results.len()));
    tx.commit()?;
    Ok((results, ordered, billed_units, records.collect()))
}

/// NDJSON lines, each read with a length limit so a huge line is refused, not buffered.
struct NdjsonRecords<R: Read> {
    reader: BufReader<R>,
    line_no: u64,
    buf: Vec<u8>,
}

impl<R: Read> NdjsonRecords<R> {
    fn new(reader: R) -> Self {
        NdjsonRecords { reader: BufReader::with_capacity(1 << 16, reader), line_no: 0, buf: Vec::new() }
    }

    /// Reads one line into `buf`; returns (bytes seen, whether it was too long).
    fn read_line(&mut self) -> std::io::Result<Option<bool>> {
        self.buf.clear();
        let mut seen = 0usize;
        let mut too_long = false;
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                return Ok(if seen == 0 { None } else { Some(too_long) });
            }
            let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            if !too_long {
                if self.buf.len() + take > MAX_RECORD_BYTES {
                    too_long = true;
                    self.buf.clear();
                } else {
                    self.buf.extend_from_slice(&chunk[..take]);
                }
            }
            seen += take;
            self.reader.consume(take);
            if done {
                return Ok(Some(too_long));
            }
        }
    }
}

impl<R: Read> Iterator for NdjsonRecords<R> {
    type Item = Result<(u64, Result<RawFax>)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let too_long = match self.read_line() {
                Ok(None) => return None,
                Ok(Some(t)) => t,
                Err(e) => return Some(Err(Error::Io(e))),
            };
            self.line_no += 1;
            if too_long {
                return Some(Ok((
                    self.line_no,
                    Err(Error::invalid("record", format!("line is longer than {} KiB", MAX_RECORD_BYTES / 1024))),
                )));
            }
            let text = match std::str::from_utf8(&self.buf) {
                Ok(t) => t,
                Err(_) => return Some(Ok((self.line_no, Err(Error::invalid("record", "line is not UTF-8"))))),
            };
            let text = text.trim_start_matches('\u{feff}').trim();
            if text.is_empty() {
                continue;
            }
            return Some(Ok((self.line_no, RawFax::from_json(text))));
        }
    }
}

/// CSV records with a header row of InterFAX field names (camelCase or snake_case), in any
/// order; columns of other names are ignored.
struct CsvRecords<R: Read> {
    reader: csv::Reader<R>,
    columns: Vec<Option<Field>>,
    record: csv::ByteRecord,
}

#[derive(Debug, Clone, Copy)]
enum Field {
    Id,
    UserId,
    DestinationFax,
    SubmitTime,
    CompletionTime,
    PagesSubmitted,
    PagesSent,
    Duration,
    Units,
    CostPerUnit,
    Status,
    Subject,
    AttemptsMade,
}

fn field_of(name: &str) -> Option<Field> {
    let n: String = name
        .trim()
        .trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| *c != '_')
        .collect::<String>()
        .to_ascii_lowercase();
    Some(match n.as_str() {
        "id" | "transactionid" | "faxid" => Field::Id,
        "userid" | "user" => Field::UserId,
        "destinationfax" | "destination" => Field::DestinationFax,
        "submittime" => Field::SubmitTime,
        "completiontime" => Field::CompletionTime,
        "pagessubmitted" => Field::PagesSubmitted,
        "pagessent" | "pages" => Field::PagesSent,
        "duration" | "durations" => Field::Duration,
        "units" => Field::Units,
        "costperunit" => Field::CostPerUnit,
        "status" => Field::Status,
        "subject" => Field::Subject,
        "attemptsmade" => Field::AttemptsMade,
        _ => return None,
    })
}

impl<R: Read> CsvRecords<R> {
    fn new(reader: R) -> Result<Self> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
        let headers = reader
            .byte_headers()
            .map_err(|e| Error::invalid("file", format!("cannot read the CSV header: {e}")))?
            .clone();
        let columns: Vec<Option<Field>> =
            headers.iter().map(|h| std::str::from_utf8(h).ok().and_then(field_of)).collect();
        // Only the id is needed by every record: a file of summaries (InterFAX's `completed`
        // endpoint) has no submitTime or destinationFax, and each record says what it lacks.
        if !columns.iter().flatten().any(|f| matches!(f, Field::Id)) {
            return Err(Error::invalid("file", "the CSV header has no id column"));
        }
        Ok(CsvRecords { reader, columns, record: csv::ByteRecord::new() })
    }
}

impl<R: Read> Iterator for CsvRecords<R> {
    type Item = Result<(u64, Result<RawFax>)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => return None,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    if let csv::ErrorKind::Io(_) = e.kind() {
                        return Some(Err(Error::Io(std::io::Error::other(e.to_string()))));
                    }
                    return Some(Ok((line, Err(Error::invalid("record", format!("malformed CSV: {e}"))))));
                }
            }
            let line = self.record.position().map_or(0, |p| p.line());
            if self.record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                continue;
            }
            if self.record.as_slice().len() > MAX_RECORD_BYTES {
                return Some(Ok((
                    line,
                    Err(Error::invalid("record", format!("record is longer than {} KiB", MAX_RECORD_BYTES / 1024))),
                )));
            }
            let mut raw = RawFax::default();
            for (i, cell) in self.record.iter().enumerate() {
                let Some(Some(field)) = self.columns.get(i) else { continue };
                let Ok(text) = std::str::from_utf8(cell) else {
                    return Some(Ok((line, Err(Error::invalid("record", "record is not UTF-8")))));
                };
                let v = Some(text.to_string());
                match field {
                    Field::Id => raw.id = v,
                    Field::UserId => raw.user_id = v,
                    Field::DestinationFax => raw.destination_fax = v,
                    Field::SubmitTime => raw.submit_time = v,
                    Field::CompletionTime => raw.completion_time = v,
                    Field::PagesSubmitted => raw.pages_submitted = v,
                    Field::PagesSent => raw.pages_sent = v,
                    Field::Duration => raw.duration = v,
                    Field::Units => raw.units = v,
                    Field::CostPerUnit => raw.cost_per_unit = v,
                    Field::Status => raw.status = v,
                    Field::Subject => raw.subject = v,
                    Field::AttemptsMade => raw.attempts_made = v,
                }
            }
            return Some(Ok((line, Ok(raw))));
        }
    }
}
