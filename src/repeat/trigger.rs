//! The repeat order's trigger, run inside the billing transaction that takes a card to 95% used:
//! it writes the automatic order (key `repeat:<card id>`, unique) or logs why it did not. The
//! charge runs after commit, through the purchase protocol.

use rusqlite::{params, OptionalExtension, Transaction};

use super::settings::{show_in, write_log};
use crate::error::Result;
use crate::money::{fmt_for_people, to_units};
use crate::notify::outbox::{enqueue, Kind};
use crate::time::{fmt_ts, month_key, start_of_month, Timestamp};

/// Returns whether an order was placed.
pub(crate) fn card_reached_threshold(tx: &Transaction<'_>, card_id: i64, now: Timestamp) -> Result<bool> {
    let Some(r) = show_in(tx)? else { return Ok(false) };
    if r.paused_at.is_some() {
        write_log(tx, Some(card_id), "skipped", "the repeat order is paused", now)?;
        return Ok(false);
    }
    let queued: i64 = tx.query_row(
        "SELECT coalesce(sum(original_balance - used), 0) FROM cards WHERE close_date IS NULL AND id <> ?1",
        [card_id],
        |row| row.get(0),
    )?;
    let currency: String = tx.query_row("SELECT currency FROM account WHERE id = 1", [], |row| row.get(0))?;
    if queued > 0 {
        let why = format!("other open cards still hold {}", fmt_for_people(queued, &currency));
        write_log(tx, Some(card_id), "skipped", &why, now)?;
        return Ok(false);
    }
    let price = to_units(r.package.face_value, "price")?;
    if let Some(cap) = r.monthly_cap {
        let cap = to_units(cap, "cap")?;
        let spent: i64 = tx.query_row(
            "SELECT coalesce(sum(face_value), 0) FROM orders
             WHERE kind = 'automatic' AND status IN ('pending', 'paid') AND created_at >= ?1",
            [fmt_ts(&start_of_month(&now))],
            |row| row.get(0),
        )?;
        if spent + price > cap {
            let why = format!(
                "the monthly cap of {} would be passed ({} bought automatically in {}, {} more)",
                fmt_for_people(cap, &currency),
                fmt_for_people(spent, &currency),
                month_key(&now),
                fmt_for_people(price, &currency)
            );
            write_log(tx, Some(card_id), "capped", &why, now)?;
            let subject =
                format!("Fax Credit: no card bought automatically: monthly cap reached (card {card_id} is 95% used)");
            let body = format!(
                "Card {card_id} is 95% used, but the repeat order did not buy a new {} card: {why}.\r\n\r\n\
                 Buy a card by hand in Fax Credit (Settings > Outbound Fax Credit > Purchase), or raise the cap.\r\n",
                r.package.name
            );
            enqueue(tx, Kind::RepeatOrderFailure, &subject, &body, now)?;
            return Ok(false);
        }
    }
    let (brand, last4): (String, String) = tx
        .query_row("SELECT brand, last4 FROM payment_card WHERE id = 1", [], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?
        .unwrap_or_default();
    let key = format!("repeat:{card_id}");
    let n = tx.execute(
        "INSERT OR IGNORE INTO orders (key, kind, package, face_value, bonus, currency, card_brand, card_last4, status,
            charge_key, trigger_card, created_at, updated_at)
         VALUES (?1, 'automatic', ?2, ?3, ?4, ?5, ?6, ?7, 'pending', ?1, ?8, ?9, ?9)",
        params![
            key,
            r.package.name,
            price,
            to_units(r.package.bonus, "bonus")?,
            currency,
            brand,
            last4,
            card_id,
            fmt_ts(&now)
        ],
    )?;
    if n == 1 {
        write_log(
            tx,
            Some(card_id),
            "ordered",
            &format!("{} card ordered, {}", r.package.name, fmt_for_people(price, &currency)),
            now,
        )?;
    }
    Ok(n == 1)
}
