//! The messages the ledger's events write to the outbox, each in the event's own transaction.

use super::outbox::{enqueue, MessageKind};
use crate::error::Result;
use crate::money::fmt_for_people;
use crate::sql::Conn;
use crate::time::Timestamp;

/// A fax refused with 205000. Emailed once per depletion: not again until a card has been added
/// (a purchase, a card applied, or a credit account's new month).
pub fn quota_exceeded(tx: Conn<'_>, fax_id: &str, user: &str, cost: i64, available: i64, now: Timestamp) -> Result<()> {
    let already: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE kind = 'quota_exceeded'
                 AND created_at >= coalesce((SELECT max(issue_date) FROM cards), ''))",
        &[],
        |r| r.get(0),
    )?;
    if already {
        return Ok(());
    }
    let (name, currency): (String, String) =
        tx.query_row("SELECT name, currency FROM account WHERE id = 1", &[], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let subject = format!("Fax Credit: faxes are being refused (205000 - Quota Exceeded) on {name}");
    let body = format!(
        "Outbound faxes on the account {name} are being refused with 205000 - Quota Exceeded.\r\n\r\n\
         The first refused fax: {fax_id}, sent by {user}, costs {}; the open cards hold {}.\r\n\r\n\
         {} No further email is sent about refused faxes until credit has been added.\r\n",
        fmt_for_people(cost, &currency),
        fmt_for_people(available, &currency),
        what_now(tx, &currency)?,
    );
    enqueue(tx, MessageKind::QuotaExceeded, &subject, &body, now)?;
    Ok(())
}

/// What the manager should know next: a card being bought (the refusal itself may have just
/// ordered it), a purchase waiting for its retry, a paused repeat order, or what to do.
fn what_now(tx: Conn<'_>, currency: &str) -> Result<String> {
    /// id, package, price, status, reason, next retry.
    type OpenOrder = (i64, String, i64, String, Option<String>, Option<String>);
    let order: Option<OpenOrder> = tx.query_opt(
        "SELECT id, package, face_value, status, reason, next_retry_at FROM orders
         WHERE status = 'pending' OR (status = 'declined' AND next_retry_at IS NOT NULL)
         ORDER BY status = 'pending' DESC, id DESC LIMIT 1",
        &[],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
    )?;
    if let Some((id, package, face, status, reason, next)) = order {
        let amount = fmt_for_people(face, currency);
        return Ok(if status == "pending" {
            format!(
                "A new {package} card ({amount}) is being bought now (order {id}); faxes are accepted again \
                 as soon as it is paid, and you will get an email about it."
            )
        } else {
            format!(
                "The purchase of a new {package} card ({amount}, order {id}) was declined: {}. It is tried \
                 again at {} (UTC); update the payment method in Fax Credit to have it tried at once.",
                reason.unwrap_or_else(|| "no reason given".into()),
                next.unwrap_or_default()
            )
        });
    }
    let paused: Option<Option<String>> =
        tx.query_opt("SELECT paused_reason FROM repeat_order WHERE id = 1", &[], |r| r.get(0))?;
    Ok(match paused {
        Some(Some(why)) => format!(
            "The repeat order is paused ({why}): resume it, or buy credit in Fax Credit \
             (Settings > Outbound Fax Credit > Purchase)."
        ),
        Some(None) => "The repeat order did not buy a card (its log in Fax Credit says why): buy credit in \
                       Fax Credit (Settings > Outbound Fax Credit > Purchase)."
            .to_string(),
        None => "Buy credit in Fax Credit (Settings > Outbound Fax Credit > Purchase), or set up a Repeat Order \
                 so that a new card is bought automatically at 95% use."
            .to_string(),
    })
}
