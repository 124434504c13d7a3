//! Every CSV export (DESIGN.md §4): the one encoder (`csv.rs`: RFC 4180, CRLF, a UTF-8
//! byte-order mark, formula neutralizing), the atomic write (`atomic.rs`: a temporary file beside
//! the target, synced and renamed into place), and one file per export: a card's activity
//! (`card.rs`), the order history (`orders.rs`), the spend report (`report.rs`), the audit log
//! (`audit.rs`); and the receipt PDF, written the same way (`receipt.rs`).

mod atomic;
mod audit;
mod card;
mod csv;
mod orders;
mod receipt;
mod report;

pub use atomic::{check_target, write_atomically};
pub use audit::{export_audit, AUDIT_HEADER};
#[cfg(any(test, feature = "test-support"))]
pub use card::set_lines_per_fetch_for_tests;
pub use card::{
    export_card, export_card_with, export_lines, write_card_csv, write_card_csv_with, write_lines_csv, ExportSummary,
    Progress, HEADER, PROGRESS_EVERY,
};
pub(crate) use csv::CsvRow;
pub use csv::{is_phone_number, needs_neutralizing, CsvOptions, BOM};
pub use orders::{export_orders, export_orders_with, EXPORT_HEADER};
pub use receipt::save_receipt;
pub use report::{export_report, report_header};
