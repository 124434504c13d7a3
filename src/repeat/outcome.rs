//! What happens when an automatic order is paid or declined: the log, the email, and after a
//! decline the retries (1 h, 6 h, 24 h) and then the pause.

use chrono::Duration;
use rusqlite::{params, Transaction};

use super::settings::write_log;
use crate::db::Db;
use crate::error::Result;
use crate::money::fmt_for_people;
use crate::notify::outbox::{enqueue, Kind};
use crate::orders::Order;
use crate::time::{fmt_ts, Timestamp};

/// The waits before the retries of a declined automatic order; after the last, it is paused.
pub const RETRY_AFTER: [Duration; 3] = [Duration::hours(1), Duration::hours(6), Duration::hours(24)];

fn card_text(o: &Order) -> String {
    if o.card_last4.is_empty() {
        "no card on file".into()
    } else {
        format!("{} •••• {}", o.card_brand, o.card_last4)
    }
}

pub(crate) fn paid(tx: &Transaction<'_>, o: &Order, new_card: i64, now: Timestamp) -> Result<()> {
    let amount = fmt_for_people(o.face_units, &o.currency);
    let trigger = o.trigger_card.map(|c| format!(" when card {c} reached 95% use")).unwrap_or_default();
    write_log(tx, o.trigger_card, "bought", &format!("card {new_card} bought: {}, {amount}", o.package), now)?;
    let subject = format!("Fax Credit: card {new_card} bought automatically ({}, {amount})", o.package);
    let body = format!(
        "The repeat order bought a new prepaid card{trigger}.\r\n\r\n\
         New card: {new_card}\r\nPackage: {}\r\nAmount: {amount}\r\nCredit on the card: {}\r\nPaid with: {}\r\nOrder: {}\r\n",
        o.package,
        fmt_for_people(o.face_units + o.bonus_units, &o.currency),
        card_text(o),
        o.id
    );
    enqueue(tx, Kind::RepeatOrderSuccess, &subject, &body, now)?;
    Ok(())
}

pub(crate) fn declined(tx: &Transaction<'_>, o: &Order, code: &str, reason: &str, now: Timestamp) -> Result<()> {
    let retries_done = o.attempts - 1;
    let amount = fmt_for_people(o.face_units, &o.currency);
    if let Some(wait) = usize::try_from(retries_done).ok().and_then(|i| RETRY_AFTER.get(i)) {
        let at = now + *wait;
        tx.execute(
            "UPDATE orders SET status = 'declined', decline_code = ?2, reason = ?3, next_retry_at = ?4, updated_at = ?5
             WHERE id = ?1",
            params![o.id, code, reason, fmt_ts(&at), fmt_ts(&now)],
        )?;
        write_log(tx, o.trigger_card, "declined", &format!("{reason} Next try {}.", fmt_ts(&at)), now)?;
        if retries_done == 0 {
            // Emailed once, at the first decline; the retries and the pause show in the app.
            let subject = format!("Fax Credit: automatic purchase failed ({}, {amount})", o.package);
            let body = format!(
                "The repeat order could not buy a new {} card ({amount}) with {}.\r\n\r\n\
                 Reason: {reason}\r\n\r\n\
                 It will be tried again in 1 hour, 6 hours and 24 hours; after that the repeat order is paused. \
                 To avoid refused faxes, update the payment method or buy credit by hand in Fax Credit.\r\n",
                o.package,
                card_text(o)
            );
            enqueue(tx, Kind::RepeatOrderFailure, &subject, &body, now)?;
        }
    } else {
        tx.execute(
            "UPDATE orders SET status = 'failed', decline_code = ?2, reason = ?3, next_retry_at = NULL, updated_at = ?4
             WHERE id = ?1",
            params![o.id, code, reason, fmt_ts(&now)],
        )?;
        let why = format!("{reason} (declined {} times)", o.attempts);
        tx.execute(
            "UPDATE repeat_order SET paused_at = ?1, paused_reason = ?2, updated_at = ?1",
            params![fmt_ts(&now), why],
        )?;
        write_log(tx, o.trigger_card, "paused", &why, now)?;
    }
    Ok(())
}

/// Starts the retries that are due: the order goes back to pending with a new processor key
/// (the first key would only repeat the decline). A repeat order that was paused or removed
/// meanwhile stops them.
pub(crate) fn start_due_retries(db: &mut Db, now: Timestamp) -> Result<u32> {
    let now_s = fmt_ts(&now);
    let due: bool = db.conn().query_row(
        "SELECT EXISTS (SELECT 1 FROM orders WHERE status = 'declined' AND kind = 'automatic' AND next_retry_at <= ?1)",
        [&now_s],
        |r| r.get(0),
    )?;
    if !due {
        return Ok(0);
    }
    let tx = db.write()?;
    let active: bool =
        tx.query_row("SELECT EXISTS (SELECT 1 FROM repeat_order WHERE paused_at IS NULL)", [], |r| r.get(0))?;
    if !active {
        tx.execute(
            "UPDATE orders SET status = 'failed', next_retry_at = NULL, updated_at = ?1
             WHERE status = 'declined' AND kind = 'automatic' AND next_retry_at <= ?1",
            [&now_s],
        )?;
        tx.commit()?;
        return Ok(0);
    }
    let n = tx.execute(
        "UPDATE orders SET status = 'pending', attempts = attempts + 1, charge_key = key || '#' || (attempts + 1),
            next_retry_at = NULL, updated_at = ?1
         WHERE status = 'declined' AND kind = 'automatic' AND next_retry_at <= ?1",
        [&now_s],
    )?;
    tx.commit()?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}
