//! Billing as every front end runs it: the ledger's billing with the account's reactions (the
//! repeat order, placed in the billing transaction). The ledger itself knows nothing of orders;
//! this is where the two meet.

use crate::db::Db;
use crate::error::Result;
use crate::ledger::record::Record;
use crate::ledger::{self, Fax, Outcome};
use crate::repeat::BillingReactions;
use crate::time::Timestamp;

/// Bills one fax in its own durable transaction (see [`ledger::bill`]); the repeat order fires
/// in it when the fax takes the card in use to 95% or is refused.
pub fn bill(db: &mut Db, fax: &Fax, now: Timestamp) -> Result<Outcome> {
    ledger::bill(db, fax, now, &mut BillingReactions)
}

/// As [`bill`], for any record (a fax in process, a summary): see [`ledger::bill_record`].
pub fn bill_record(db: &mut Db, record: &Record, now: Timestamp) -> Result<Outcome> {
    ledger::bill_record(db, record, now, &mut BillingReactions)
}

/// The reactions a batch biller (import, demo) passes to [`ledger::Biller::new`].
pub fn reactions() -> BillingReactions {
    BillingReactions
}
