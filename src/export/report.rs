//! The spend report as CSV (Settings → Reports → Export, `faxcredit report --out`): the same
//! encoder and atomic write as every export. One row per user, country or day; no total row,
//! so a spreadsheet's own sum is the report's total.

use std::path::Path;

use super::{write_atomically, CsvOptions, CsvRow};
use crate::db::Db;
use crate::error::Result;
use crate::report::{GroupBy, SpendReport};

/// The header of a report by `by`.
pub fn report_header(by: GroupBy) -> &'static [&'static str] {
    match by {
        GroupBy::User => &["from", "to", "user", "faxes", "pages", "amount", "currency"],
        GroupBy::Country => &["from", "to", "country_code", "country", "faxes", "pages", "amount", "currency"],
        GroupBy::Day => &["from", "to", "day", "faxes", "pages", "amount", "currency"],
    }
}

/// Writes `report` to `target` (RFC 4180, CRLF, a byte-order mark unless `opts` says not,
/// user names neutralized against formula injection), atomically. Returns the rows written.
pub fn export_report(db: &Db, report: &SpendReport, target: &Path, opts: CsvOptions) -> Result<u64> {
    db.refuse_own_file(target, "out")?;
    write_atomically(target, |mut file| {
        let mut row = CsvRow::new();
        row.start(opts);
        for h in report_header(report.by) {
            row.plain(h.as_bytes());
        }
        row.end(&mut file)?;
        let (from, to) = (report.from.to_string(), report.to.to_string());
        for r in &report.rows {
            row.plain(from.as_bytes());
            row.plain(to.as_bytes());
            match report.by {
                GroupBy::User => row.text(r.key.as_bytes()),
                GroupBy::Country => {
                    row.plain(if r.key.is_empty() { "".into() } else { format!("+{}", r.key) }.as_bytes());
                    row.text(r.label.as_bytes());
                }
                GroupBy::Day => row.plain(r.key.as_bytes()),
            }
            row.int(r.faxes);
            row.int(r.pages);
            row.units(r.amount_units);
            row.plain(report.currency.as_bytes());
            row.end(&mut file)?;
        }
        row.flush(&mut file)?;
        Ok(report.rows.len() as u64)
    })
}
