//! The ledger: cards, fax records, billing, reading activity, and the invariant check.

pub mod activity;
pub mod allocate;
pub mod attempts;
pub mod bill;
pub mod biller;
pub mod cards;
pub mod check;
pub mod idempotency;
pub mod record;
mod record_json;
pub mod refusing;
pub mod summary;

pub use activity::{
    activity_page, activity_totals, ActivityFilter, ActivityLine, ActivityPage, ActivityQuery, ActivityTotals, Sort,
    TimeKey,
};
pub use attempts::{attempts, Attempt};
pub use bill::{bill, bill_record, NoReactions, Outcome, Reactions};
pub use biller::Biller;
pub use cards::{apply_card, cards, Card, CardStatus};
pub use check::{check, CheckReport};
pub use record::{Claims, Fax, PartialFax, RawFax, Record};
pub use refusing::{refusing, Refusing};
pub use summary::{summary, Summary};
