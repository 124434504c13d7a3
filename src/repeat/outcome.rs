//! What happens when an automatic order is paid or declined: the log, the email, and after a
//! decline the retries (1 h, 6 h, 24 h) and then the pause.

use chrono::Duration;

use super::decide::{decide, Decision, Situation, Trigger};
use super::settings::{show_in, write_log};
use super::trigger::{cap_month, capped_reason, card_on_file, credit_ahead, plan_of, spent_this_month};
use crate::db::Db;
use crate::error::Result;
use crate::money::fmt_for_people;
use crate::notify::outbox::{enqueue, MessageKind};
use crate::orders::history::{from_row, start_attempt, COLUMNS};
use crate::orders::Order;
use crate::sql::Conn;
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

pub(crate) fn paid(tx: Conn<'_>, o: &Order, new_card: i64, now: Timestamp) -> Result<()> {
    let amount = fmt_for_people(o.face_units, &o.currency);
    let trigger = o.trigger_card.map(|c| format!(" to follow card {c}")).unwrap_or_default();
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
    let message = enqueue(tx, MessageKind::RepeatOrderSuccess, &subject, &body, now)?;
    crate::orders::receipt::attach_if_wanted(tx, message, o.id)?;
    Ok(())
}

pub(crate) fn declined(tx: Conn<'_>, o: &Order, code: &str, reason: &str, now: Timestamp) -> Result<()> {
    let retries_done = o.attempts - o.round_start;
    let amount = fmt_for_people(o.face_units, &o.currency);
    if let Some(wait) = usize::try_from(retries_done).ok().and_then(|i| RETRY_AFTER.get(i)) {
        let at = now + *wait;
        tx.execute(
            "UPDATE orders SET status = 'declined', decline_code = ?2, reason = ?3, next_retry_at = ?4, updated_at = ?5
             WHERE id = ?1",
            &[&o.id, &code, &reason, &fmt_ts(&at), &fmt_ts(&now)],
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
            enqueue(tx, MessageKind::RepeatOrderFailure, &subject, &body, now)?;
        }
    } else {
        tx.execute(
            "UPDATE orders SET status = 'failed', decline_code = ?2, reason = ?3, next_retry_at = NULL, updated_at = ?4
             WHERE id = ?1",
            &[&o.id, &code, &reason, &fmt_ts(&now)],
        )?;
        let why = format!("{reason} (declined {} times)", o.attempts);
        tx.execute(
            "UPDATE repeat_order SET paused_at = ?1, paused_reason = ?2, updated_at = ?1",
            &[&fmt_ts(&now), &why],
        )?;
        write_log(tx, o.trigger_card, "paused", &why, now)?;
    }
    Ok(())
}

/// Starts the retries that are due, each after the repeat order's rule is asked again: a retry
/// that the cap or credit elsewhere makes unnecessary, or that a removed or paused repeat order
/// no longer wants, is cancelled with its reason logged. A retry goes back to pending with a new
/// processor key (the first key would only repeat the decline) and the card on file now.
pub(crate) fn start_due_retries(db: &mut Db, now: Timestamp) -> Result<u32> {
    let now_s = fmt_ts(&now);
    let due: bool = db.conn().query_row(
        "SELECT EXISTS (SELECT 1 FROM orders WHERE status = 'declined' AND kind = 'automatic' AND next_retry_at <= ?1)",
        &[&now_s],
        |r| r.get(0),
    )?;
    if !due {
        return Ok(0);
    }
    db.write(|tx| {
        let due: Vec<Order> = tx.query(
            &format!(
                "SELECT {COLUMNS} FROM orders WHERE status = 'declined' AND kind = 'automatic' AND next_retry_at <= ?1
                 ORDER BY next_retry_at, id"
            ),
            &[&now_s],
            from_row,
        )?;
        let mut started = 0u32;
        for o in due {
            // Asked one order at a time: a retry started here is credit on its way for the next.
            started += u32::from(retry_or_cancel(tx, &o, now)?);
        }
        Ok(started)
    })
}

/// Asks the repeat order's rule whether the due retry of `o` still should be charged: starts it
/// (pending, a new processor key, the card on file now) and answers `true`, or cancels it with
/// its reason in the order and the log.
fn retry_or_cancel(tx: Conn<'_>, o: &Order, now: Timestamp) -> Result<bool> {
    let now_s = fmt_ts(&now);
    let plan = show_in(tx)?.as_ref().map(plan_of).transpose()?;
    let currency: String = tx.query_row("SELECT currency FROM account WHERE id = 1", &[], |r| r.get(0))?;
    let decision = decide(&Situation {
        plan,
        trigger: Trigger::Retry,
        credit_ahead: credit_ahead(tx, o.trigger_card, Some(o.id))?,
        spent_this_month: spent_this_month(tx, now, Some(o.id))?,
    });
    let why = match decision {
        Decision::Buy => {
            let n = o.attempts + 1;
            let charge_key = format!("{}#{n}", o.key);
            let (brand, last4) = card_on_file(tx)?;
            tx.execute(
                "UPDATE orders SET status = 'pending', attempts = ?2, charge_key = ?3, next_retry_at = NULL,
                    card_brand = ?4, card_last4 = ?5, cap_month = ?6, updated_at = ?7
                 WHERE id = ?1",
                &[&o.id, &n, &charge_key, &brand, &last4, &cap_month(tx, now)?, &now_s],
            )?;
            start_attempt(tx, o.id, n, &charge_key, &brand, &last4, now)?;
            return Ok(true);
        }
        Decision::NoRepeatOrder => "the repeat order was removed".to_string(),
        Decision::Paused => "the repeat order is paused".to_string(),
        Decision::Skip { credit_ahead } => {
            format!("other open cards hold {}: no card is needed yet", fmt_for_people(credit_ahead, &currency))
        }
        Decision::Capped { cap, spent, price } => capped_reason(cap, spent, price, &currency, &cap_month(tx, now)?),
    };
    tx.execute(
        "UPDATE orders SET status = 'cancelled', decline_code = NULL, reason = ?2, next_retry_at = NULL,
            updated_at = ?3 WHERE id = ?1",
        &[&o.id, &format!("Retry cancelled: {why}."), &now_s],
    )?;
    write_log(tx, o.trigger_card, "cancelled", &format!("order {} not retried: {why}", o.id), now)?;
    Ok(false)
}

/// The repeat order's part of the purchase protocol ([`crate::orders::FollowUp`]): what an
/// automatic order's answer means for the repeat order.
pub struct AfterPurchase;

impl crate::orders::FollowUp for AfterPurchase {
    fn paid(&self, tx: Conn<'_>, order: &Order, new_card: i64, now: Timestamp) -> Result<()> {
        paid(tx, order, new_card, now)
    }
    fn declined(&self, tx: Conn<'_>, order: &Order, code: &str, reason: &str, now: Timestamp) -> Result<()> {
        declined(tx, order, code, reason, now)
    }
    fn start_due_retries(&self, db: &mut Db, now: Timestamp) -> Result<u32> {
        start_due_retries(db, now)
    }
}
