//! The messages the ledger's events write to the outbox, each in the event's own transaction.

use rusqlite::Transaction;

use super::outbox::{enqueue, Kind};
use crate::error::Result;
use crate::money::fmt_for_people;
use crate::time::Timestamp;

/// A fax refused with 205000. Emailed once per depletion: not again until a card has been added
/// (a purchase, a card applied, or a credit account's new month).
pub fn quota_exceeded(
    tx: &Transaction<'_>,
    fax_id: &str,
    user: &str,
    cost: i64,
    available: i64,
    now: Timestamp,
) -> Result<()> {
    let already: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE kind = 'quota_exceeded'
                 AND created_at >= coalesce((SELECT max(issue_date) FROM cards), ''))",
        [],
        |r| r.get(0),
    )?;
    if already {
        return Ok(());
    }
    let (name, currency): (String, String) =
        tx.query_row("SELECT name, currency FROM account WHERE id = 1", [], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let subject = format!("Fax Credit: faxes are being refused (205000 - Quota Exceeded) on {name}");
    let body = format!(
        "Outbound faxes on the account {name} are being refused with 205000 - Quota Exceeded.\r\n\r\n\
         The first refused fax: {fax_id}, sent by {user}, costs {}; the open cards hold {}.\r\n\r\n\
         Buy credit in Fax Credit (Settings > Outbound Fax Credit > Purchase), or set up a Repeat Order \
         so that a new card is bought automatically at 95% use. No further email is sent about refused \
         faxes until credit has been added.\r\n",
        fmt_for_people(cost, &currency),
        fmt_for_people(available, &currency),
    );
    enqueue(tx, Kind::QuotaExceeded, &subject, &body, now)?;
    Ok(())
}
