//! Receipts: every paid order has one, numbered 1, 2, 3… per account in the order the orders
//! were paid (the number is given in the transaction that records the payment and never
//! changes), with what finance asks for: who bought (the account, its billing address and tax
//! ID), what (package, credit), how much, how it was paid, and the buyer's PO reference.

use serde::Serialize;

use super::history::{order, Status};
use crate::error::{Error, Result};
use crate::money;
use crate::sql::Conn;
use crate::time::{fmt_ts, Timestamp};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Receipt {
    pub number: i64,
    pub order_id: i64,
    /// When the order was paid (RFC 3339 UTC): the receipt's date.
    pub issued_at: String,
    pub account_name: String,
    /// Lines separated by `\n`; "" when the manager has not given one.
    pub billing_address: String,
    pub tax_id: String,
    pub package: String,
    /// Amounts with 4 places, in `currency`.
    pub face_value: String,
    pub bonus: String,
    /// Credit bought: face value + bonus.
    pub credit: String,
    pub amount_charged: String,
    pub currency: String,
    pub card_brand: String,
    pub card_last4: String,
    pub charge_id: String,
    pub po_reference: Option<String>,
    /// The prepaid card the purchase added.
    pub new_card: Option<i64>,
    #[serde(skip)]
    pub(crate) face_units: i64,
    #[serde(skip)]
    pub(crate) bonus_units: i64,
}

impl Receipt {
    /// `receipt-42.pdf`: the name a saved or attached receipt proposes.
    pub fn file_name(&self) -> String {
        format!("receipt-{}.pdf", self.number)
    }

    /// An amount of this receipt for people: `52.50 USD`.
    pub fn money(&self, units: i64) -> String {
        money::fmt_for_people(units, &self.currency)
    }

    pub fn face_units(&self) -> i64 {
        self.face_units
    }

    pub fn bonus_units(&self) -> i64 {
        self.bonus_units
    }
}

/// A PO reference as a manager types it at purchase: "" is none; at most 60 characters.
pub fn validate_po(s: &str) -> Result<Option<String>> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    crate::text::validate_text("po", t, 60).map(Some)
}

/// Keeps the PO reference of the order of `key`, with the order row (the first one given stays).
pub(crate) fn keep_po(tx: Conn<'_>, key: &str, po: Option<&str>) -> Result<()> {
    if let Some(po) = po {
        tx.execute(
            "INSERT INTO order_po (order_key, po_reference) VALUES (?1, ?2) ON CONFLICT (order_key) DO NOTHING",
            &[&key, &po],
        )?;
    }
    Ok(())
}

/// Gives a just-paid order its receipt number, the next of the account, in the transaction
/// that records the payment (which holds the write lock, so no other payment takes the same).
pub(crate) fn issue(tx: Conn<'_>, order_id: i64, now: Timestamp) -> Result<i64> {
    tx.query_row(
        "INSERT INTO receipts (order_id, number, issued_at)
         SELECT CAST(?1 AS BIGINT), coalesce(max(number), 0) + 1, CAST(?2 AS TEXT) FROM receipts RETURNING number",
        &[&order_id, &fmt_ts(&now)],
        |r| r.get(0),
    )
}

/// The receipt of order `order_id`; an order that is not paid has none (`invalid_input` on
/// `order`, saying what it is instead). Takes any connection: a `Conn`, or (for callers not yet on
/// the storage seam) a rusqlite connection.
pub fn receipt<'c>(conn: impl Into<Conn<'c>>, order_id: i64) -> Result<Receipt> {
    let conn = conn.into();
    let o = order(conn, order_id)?;
    if o.status != Status::Paid {
        return Err(Error::invalid(
            "order",
            format!("order {order_id} is {}, not paid: only a paid order has a receipt", o.status.as_str()),
        ));
    }
    let (number, issued_at): (i64, String) = conn
        .query_opt("SELECT number, issued_at FROM receipts WHERE order_id = ?1", &[&order_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .ok_or_else(|| Error::Invariant(format!("paid order {order_id} has no receipt number")))?;
    let po_reference: Option<String> =
        conn.query_opt("SELECT po_reference FROM order_po WHERE order_key = ?1", &[&o.key], |r| r.get(0))?;
    let account = crate::account::account_in(conn)?;
    let details = crate::billing_details::billing_details(conn)?;
    Ok(Receipt {
        number,
        order_id,
        issued_at,
        account_name: account.name,
        billing_address: details.billing_address,
        tax_id: details.tax_id,
        package: o.package.clone(),
        face_value: money::fmt_units(o.face_units),
        bonus: money::fmt_units(o.bonus_units),
        credit: money::fmt_units(o.face_units + o.bonus_units),
        amount_charged: money::fmt_units(o.face_units),
        currency: o.currency.clone(),
        card_brand: o.card_brand.clone(),
        card_last4: o.card_last4.clone(),
        charge_id: o.charge_id.clone().unwrap_or_default(),
        po_reference,
        new_card: o.new_card,
        face_units: o.face_units,
        bonus_units: o.bonus_units,
    })
}

/// When the account asks for receipts by email, attaches the receipt of `order_id` to the
/// message `message_id` (the purchase's email), in the transaction that records the payment.
pub(crate) fn attach_if_wanted(tx: Conn<'_>, message_id: i64, order_id: i64) -> Result<()> {
    if !crate::billing_details::billing_details(tx)?.email_receipts {
        return Ok(());
    }
    let r = receipt(tx, order_id)?;
    let pdf = super::receipt_pdf::render(&r);
    crate::notify::outbox::attach(tx, message_id, &r.file_name(), "application/pdf", &pdf)
}
