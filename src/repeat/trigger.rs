//! The repeat order's trigger, run inside the transaction of the event that asks for a card: a
//! billed fax taking the card in use to 95%, a fax refused with 205000, or the repeat order set or
//! resumed while the card in use is already past 95%. It loads the situation, asks
//! [`decide`](super::decide::decide), and writes the automatic order (key `repeat:<card id>`,
//! unique: one purchase per card) or logs why not. The charge runs after commit, through the
//! purchase protocol.

use super::decide::{decide, Decision, Plan, Situation, Trigger};
use super::settings::{show_in, write_log, RepeatOrder};
use crate::error::Result;
use crate::money::{fmt_for_people, to_units};
use crate::notify::outbox::{enqueue, MessageKind};
use crate::orders::history::{order_by_key, Order, Status};
use crate::sql::Conn;
use crate::time::{fmt_ts, Timestamp};

pub(crate) fn plan_of(r: &RepeatOrder) -> Result<Plan> {
    Ok(Plan {
        price: to_units(r.package.face_value, "price")?,
        monthly_cap: r.monthly_cap.map(|c| to_units(c, "cap")).transpose()?,
        paused: r.paused_at.is_some(),
    })
}

/// Credit that reaches the faxes without a purchase for `card`: open cards other than it that are
/// below 95% used, and the cards that pending orders (other than `order`) are buying.
pub(crate) fn credit_ahead(tx: Conn<'_>, card: Option<i64>, order: Option<i64>) -> Result<i64> {
    let open: i64 = tx.query_row(
        "SELECT coalesce(sum(original_balance - used), 0) FROM cards
         WHERE close_date IS NULL AND id IS DISTINCT FROM ?1 AND used * 100 < original_balance * ?2",
        &[&card, &super::TRIGGER_PERCENT],
        |r| r.get(0),
    )?;
    let incoming: i64 = tx.query_row(
        "SELECT coalesce(sum(face_value + bonus), 0) FROM orders WHERE status = 'pending' AND id IS DISTINCT FROM ?1",
        &[&order],
        |r| r.get(0),
    )?;
    Ok(open + incoming)
}

/// The month of `now` in the account's zone: the month whose automatic purchases the cap counts.
pub(crate) fn cap_month(tx: Conn<'_>, now: Timestamp) -> Result<String> {
    Ok(crate::account::time_zone(tx)?.month_key(&now))
}

/// What counts against the cap of the month of `now`: automatic orders paid in that month, and
/// those that may still be paid (pending, or declined with a retry to come), `order` excluded.
pub(crate) fn spent_this_month(tx: Conn<'_>, now: Timestamp, order: Option<i64>) -> Result<i64> {
    tx.query_row(
        "SELECT coalesce(sum(face_value), 0) FROM orders
         WHERE kind = 'automatic' AND id IS DISTINCT FROM ?2
           AND (status = 'pending' OR (status = 'declined' AND next_retry_at IS NOT NULL)
                OR (status = 'paid' AND cap_month = ?1))",
        &[&cap_month(tx, now)?, &order],
        |r| r.get(0),
    )
}

/// The card faxes are billed to now: the oldest open card, else the newest card (all are used
/// up). `None` before the first card.
pub(crate) fn card_in_use(tx: Conn<'_>) -> Result<Option<(i64, i64, i64)>> {
    let open = tx.query_opt(
        "SELECT id, used, original_balance FROM cards WHERE close_date IS NULL ORDER BY id LIMIT 1",
        &[],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    if open.is_some() {
        return Ok(open);
    }
    tx.query_opt("SELECT id, used, original_balance FROM cards ORDER BY id DESC LIMIT 1", &[], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })
}

/// The card on file as the orders show it: brand and last four digits (empty when none).
pub(crate) fn card_on_file(tx: Conn<'_>) -> Result<(String, String)> {
    Ok(tx
        .query_opt("SELECT brand, last4 FROM payment_card WHERE id = 1", &[], |row| Ok((row.get(0)?, row.get(1)?)))?
        .unwrap_or_default())
}

/// Asks for a card for `card_id`. Returns whether an order was placed (or ordered again), so the
/// front end charges it after commit. Kept whole because its steps share one transaction's
/// reads (settings, open credit, the month's spend) and the rule in `decide` is already apart.
pub(crate) fn fire(tx: Conn<'_>, trigger: Trigger, card_id: i64, now: Timestamp) -> Result<bool> {
    let Some(r) = show_in(tx)? else { return Ok(false) };
    let key = format!("repeat:{card_id}");
    let existing = order_by_key(tx, &key)?;
    if let Some(o) = &existing {
        let settled = o.status == Status::Paid;
        let in_flight = o.status == Status::Pending || (o.status == Status::Declined && o.next_retry_at.is_some());
        if settled || in_flight {
            // This card's one purchase is made or under way.
            return Ok(false);
        }
    }
    let order_id = existing.as_ref().map(|o| o.id);
    let decision = decide(&Situation {
        plan: Some(plan_of(&r)?),
        trigger,
        credit_ahead: credit_ahead(tx, Some(card_id), order_id)?,
        spent_this_month: spent_this_month(tx, now, order_id)?,
    });
    let currency: String = tx.query_row("SELECT currency FROM account WHERE id = 1", &[], |row| row.get(0))?;
    // A card crosses 95% once; refusals and re-arming may come again and again for the same card:
    // its log and email say why once.
    let repeated = |event: &str| -> Result<bool> {
        if trigger == Trigger::Threshold {
            return Ok(false);
        }
        Ok(tx
            .query_opt(
                "SELECT event = ?2 FROM repeat_log WHERE card_id = ?1 ORDER BY id DESC LIMIT 1",
                &[&card_id, &event],
                |row| row.get::<bool>(0),
            )?
            .unwrap_or(false))
    };
    match decision {
        Decision::NoRepeatOrder => Ok(false),
        Decision::Paused => {
            if !repeated("skipped")? {
                write_log(tx, Some(card_id), "skipped", "the repeat order is paused", now)?;
            }
            Ok(false)
        }
        Decision::Skip { credit_ahead } => {
            if !repeated("skipped")? {
                let why = format!("other open cards still hold {}", fmt_for_people(credit_ahead, &currency));
                write_log(tx, Some(card_id), "skipped", &why, now)?;
            }
            Ok(false)
        }
        Decision::Capped { cap, spent, price } => {
            if repeated("capped")? {
                return Ok(false);
            }
            let why = capped_reason(cap, spent, price, &currency, &cap_month(tx, now)?);
            write_log(tx, Some(card_id), "capped", &why, now)?;
            let subject =
                format!("Fax Credit: no card bought automatically: monthly cap reached (card {card_id} is 95% used)");
            let body = format!(
                "Card {card_id} is 95% used, but the repeat order did not buy a new {} card: {why}.\r\n\r\n\
                 Buy a card by hand in Fax Credit (Settings > Outbound Fax Credit > Purchase), or raise the cap.\r\n",
                r.package.name
            );
            enqueue(tx, MessageKind::RepeatOrderFailure, &subject, &body, now)?;
            Ok(false)
        }
        Decision::Buy => {
            let price = to_units(r.package.face_value, "price")?;
            let bonus = to_units(r.package.bonus, "bonus")?;
            let (brand, last4) = card_on_file(tx)?;
            let detail = match &existing {
                Some(o) => {
                    reopen(tx, o, &r.package.name, price, bonus, &brand, &last4, now)?;
                    format!("{} card ordered again, {}", r.package.name, fmt_for_people(price, &currency))
                }
                None => {
                    insert(tx, &key, &r.package.name, price, bonus, &currency, &brand, &last4, card_id, now)?;
                    format!("{} card ordered, {}", r.package.name, fmt_for_people(price, &currency))
                }
            };
            write_log(tx, Some(card_id), "ordered", &detail, now)?;
            Ok(true)
        }
    }
}

pub(crate) fn capped_reason(cap: i64, spent: i64, price: i64, currency: &str, month: &str) -> String {
    format!(
        "the monthly cap of {} would be passed ({} bought automatically in {}, {} more)",
        fmt_for_people(cap, currency),
        fmt_for_people(spent, currency),
        month,
        fmt_for_people(price, currency)
    )
}

#[allow(clippy::too_many_arguments)]
fn insert(
    tx: Conn<'_>,
    key: &str,
    package: &str,
    price: i64,
    bonus: i64,
    currency: &str,
    brand: &str,
    last4: &str,
    card_id: i64,
    now: Timestamp,
) -> Result<()> {
    let now_s = fmt_ts(&now);
    // `repeat:<card>` is the orders' unique key: a second order for one card cannot be written.
    let id: i64 = tx.query_row(
        "INSERT INTO orders (key, kind, package, face_value, bonus, currency, card_brand, card_last4, status,
            charge_key, trigger_card, cap_month, created_at, updated_at)
         VALUES (?1, 'automatic', ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?1, ?8, ?9, ?10, ?10) RETURNING id",
        &[&key, &package, &price, &bonus, &currency, &brand, &last4, &card_id, &cap_month(tx, now)?, &now_s],
        |r| r.get(0),
    )?;
    crate::orders::history::start_attempt(tx, id, 1, key, brand, last4, now)
}

/// A new round for an automatic order that failed or was cancelled: the package as set now, a
/// new processor key, and three retries again.
#[allow(clippy::too_many_arguments)]
fn reopen(
    tx: Conn<'_>,
    o: &Order,
    package: &str,
    price: i64,
    bonus: i64,
    brand: &str,
    last4: &str,
    now: Timestamp,
) -> Result<()> {
    let n = o.attempts + 1;
    let charge_key = format!("{}#{n}", o.key);
    tx.execute(
        "UPDATE orders SET status = 'pending', package = ?2, face_value = ?3, bonus = ?4, card_brand = ?5,
            card_last4 = ?6, attempts = ?7, round_start = ?7, charge_key = ?8, next_retry_at = NULL,
            decline_code = NULL, reason = NULL, cap_month = ?9, updated_at = ?10
         WHERE id = ?1",
        &[&o.id, &package, &price, &bonus, &brand, &last4, &n, &charge_key, &cap_month(tx, now)?, &fmt_ts(&now)],
    )?;
    crate::orders::history::start_attempt(tx, o.id, n, &charge_key, brand, last4, now)
}

/// The repeat order was just set or resumed: if the card in use is already at 95% or more (or
/// used up), the trigger it missed fires now.
pub(crate) fn arm(tx: Conn<'_>, now: Timestamp) -> Result<bool> {
    match card_in_use(tx)? {
        Some((id, used, original)) if super::decide::reached_threshold(used, original) => {
            fire(tx, Trigger::Armed, id, now)
        }
        _ => Ok(false),
    }
}

/// The repeat order as billing's reaction ([`crate::ledger::Reactions`]): asked in the
/// transaction that takes the card in use to 95% or refuses a fax, it places the order there.
pub struct BillingReactions;

impl crate::ledger::Reactions for BillingReactions {
    fn threshold_percent(&self) -> Option<i64> {
        Some(super::TRIGGER_PERCENT)
    }

    fn card_reached_threshold(&mut self, tx: Conn<'_>, card: i64, now: Timestamp) -> Result<bool> {
        fire(tx, Trigger::Threshold, card, now)
    }

    fn fax_refused(&mut self, tx: Conn<'_>, cost: i64, now: Timestamp) -> Result<bool> {
        match card_in_use(tx)? {
            Some((card, _, _)) => fire(tx, Trigger::Refusal { cost }, card, now),
            None => Ok(false),
        }
    }
}
