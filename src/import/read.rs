//! Reading records from a log: NDJSON lines (each with a length limit) and CSV rows with
//! InterFAX's field names in any order (unknown columns ignored), each record with its line
//! number.

use std::io::{BufRead, BufReader, Read};

use super::MAX_RECORD_BYTES;
use crate::error::{Error, Result};
use crate::ledger::record::RawFax;

/// NDJSON lines, each read with a length limit so a huge line is refused, not buffered.
pub(super) struct NdjsonRecords<R: Read> {
    reader: BufReader<R>,
    line_no: u64,
    buf: Vec<u8>,
}

impl<R: Read> NdjsonRecords<R> {
    pub(super) fn new(reader: R) -> Self {
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
pub(super) struct CsvRecords<R: Read> {
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
    pub(super) fn new(reader: R) -> Result<Self> {
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
