//! The purchase protocol (DESIGN.md §2):
//! 1. the order row, with its idempotency key, is committed first;
//! 2. the stored card is charged with that key, outside any database transaction;
//! 3. the outcome (and, when paid, the new card and its email) is written in one transaction;
//! 4. orders left pending (a crash, a lost answer) are charged again with the same key at the
//!    next start: the processor answers the first result, so nothing is charged twice.

use serde::Serialize;

use super::history::{finish_attempt, order, order_by_key, start_attempt, Order, OrderKind, Status};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::payments::payment_method::{self, Brand, StoredCard};
use crate::payments::{ChargeOutcome, ChargeRequest, PaymentGateway};
use crate::secrets::SecretStore;
use crate::sql::Conn;
use crate::time::{fmt_ts, Clock, Timestamp};

/// A point where a test makes the process die, to prove the protocol survives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crash {
    /// After the order row is committed, before the charge.
    AfterOrder,
    /// After the processor charged, before the outcome is recorded.
    AfterCharge,
}

impl Crash {
    /// `FAXCREDIT_CRASH_AT=after-order|after-charge`: read by the front ends for the crash tests.
    pub fn from_env() -> Option<Crash> {
        match std::env::var("FAXCREDIT_CRASH_AT").as_deref() {
            Ok("after-order") => Some(Crash::AfterOrder),
            Ok("after-charge") => Some(Crash::AfterCharge),
            _ => None,
        }
    }
}

/// What the layer above does when an automatic order has its answer, in the transaction that
/// records it (the repeat order's log, its emails, its retries: `repeat::AfterPurchase`), and
/// which retries it starts when they are due. The orders know nothing of the repeat order.
pub trait FollowUp {
    fn paid(&self, tx: Conn<'_>, order: &Order, new_card: i64, now: Timestamp) -> Result<()>;
    fn declined(&self, tx: Conn<'_>, order: &Order, code: &str, reason: &str, now: Timestamp) -> Result<()>;
    /// Starts the retries that are due; how many.
    fn start_due_retries(&self, db: &mut Db, now: Timestamp) -> Result<u32>;
}

/// What a purchase needs besides the database.
pub struct Purchaser<'a> {
    pub gateway: &'a dyn PaymentGateway,
    pub secrets: &'a dyn SecretStore,
    pub clock: &'a dyn Clock,
    pub follow_up: &'a dyn FollowUp,
    /// Dies at this point: `abort` the process (the CLI's crash tests) or, in-process, stop
    /// there with `Error::Cancelled` as if the process had died.
    pub crash: Option<(Crash, bool)>,
}

impl Purchaser<'_> {
    fn crash_point(&self, at: Crash) -> Result<()> {
        match self.crash {
            Some((c, true)) if c == at => std::process::abort(),
            Some((c, false)) if c == at => Err(Error::Cancelled),
            _ => Ok(()),
        }
    }
}

/// Buys `package` (a name in any case, or an id) with the stored card. `key` is the idempotency
/// key of this purchase: the same key (a double click, a retry after a timeout, two windows)
/// never buys twice. A decline returns [`Error::PaymentDeclined`] after recording it. `by` is
/// recorded in the audit log with the order, in its transaction.
pub fn purchase(
    db: &mut Db,
    p: &Purchaser<'_>,
    package: &str,
    key: &str,
    kind_automatic: bool,
    by: &crate::audit::Actor,
) -> Result<Order> {
    purchase_with_po(db, p, package, key, kind_automatic, None, by)
}

/// [`purchase`] with the manager's purchase order reference (`po`, printed on the receipt),
/// kept with the order row; "" or `None` is none.
pub fn purchase_with_po(
    db: &mut Db,
    p: &Purchaser<'_>,
    package: &str,
    key: &str,
    kind_automatic: bool,
    po: Option<&str>,
    by: &crate::audit::Actor,
) -> Result<Order> {
    let po = po.map(super::receipt::validate_po).transpose()?.flatten();
    let key = key.trim();
    if key.is_empty() || key.len() > 200 || key.starts_with("repeat:") != kind_automatic {
        return Err(Error::invalid("key", "not a purchase key"));
    }
    let stored = payment_method::load(p.secrets)?; // keyring first: with no card or no keyring, nothing is written
    let now = p.clock.now();
    let o = db.write(|tx| write_order(tx, package, key, kind_automatic, po.as_deref(), by, now))?;
    p.crash_point(Crash::AfterOrder)?;
    let o = charge_and_record(db, p, o, &stored)?;
    match o.status {
        Status::Declined | Status::Failed => Err(Error::PaymentDeclined {
            code: o.decline_code.clone().unwrap_or_default(),
            reason: o.reason.clone().unwrap_or_else(|| "Your card was declined.".into()),
        }),
        _ => Ok(o),
    }
}

/// Step 1: the order row of `key` (with its first attempt, its PO reference and its audit line),
/// or the order that `key` already made.
fn write_order(
    tx: Conn<'_>,
    package: &str,
    key: &str,
    kind_automatic: bool,
    po: Option<&str>,
    by: &crate::audit::Actor,
    now: Timestamp,
) -> Result<Order> {
    crate::account::require_prepaid(tx, "buying credit")?;
    let acct = crate::account::account_in(tx)?;
    let pkg = crate::catalog::find_package(tx, package)?;
    if !pkg.active {
        return Err(Error::invalid("package", format!("{} is no longer sold", pkg.name)));
    }
    let (brand, last4): (String, String) = tx
        .query_opt("SELECT brand, last4 FROM payment_card WHERE id = 1", &[], |r| Ok((r.get(0)?, r.get(1)?)))?
        .ok_or(Error::NoPaymentCard)?;
    match order_by_key(tx, key)? {
        Some(o) if o.package != pkg.name => {
            Err(Error::Conflict(format!("purchase key {key} was used for {}", o.package)))
        }
        Some(o) => Ok(o),
        None => {
            let face = crate::money::to_units(pkg.face_value, "price")?;
            let bonus = crate::money::to_units(pkg.bonus, "bonus")?;
            let id: i64 = tx.query_row(
                "INSERT INTO orders (key, kind, package, face_value, bonus, currency, card_brand, card_last4,
                    status, charge_key, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', ?1, ?9, ?9) RETURNING id",
                &[
                    &key,
                    &if kind_automatic { "automatic" } else { "manual" },
                    &pkg.name,
                    &face,
                    &bonus,
                    &acct.currency,
                    &brand,
                    &last4,
                    &fmt_ts(&now),
                ],
                |r| r.get(0),
            )?;
            start_attempt(tx, id, 1, key, &brand, &last4, now)?;
            super::receipt::keep_po(tx, key, po)?;
            let detail = format!(
                "order {id}: {} card, {} with {brand} •••• {last4}",
                pkg.name,
                crate::money::fmt_for_people(face, &acct.currency)
            );
            crate::audit::record(tx, by, crate::audit::Action::Purchase, &detail, now)?;
            order(tx, id)
        }
    }
}

/// Steps 2 and 3 for an order that is pending; any other order is returned as it is.
fn charge_and_record(db: &mut Db, p: &Purchaser<'_>, o: Order, card: &StoredCard) -> Result<Order> {
    if o.status != Status::Pending {
        return Ok(o);
    }
    let o = mark_sending(db, &o, card, p.clock)?;
    if o.status != Status::Pending {
        return Ok(o);
    }
    let description = format!("Fax Credit {} card", o.package);
    let outcome = p.gateway.charge(&ChargeRequest {
        key: &o.charge_key,
        amount: o.face_units,
        currency: &o.currency,
        card,
        description: &description,
    })?;
    p.crash_point(Crash::AfterCharge)?;
    record(db, o.id, &outcome, p)
}

/// Fixes the card of the current attempt as the one about to be charged, unless an earlier
/// process already sent this attempt: the processor answers a repeated key for the card it saw
/// first, so that is the card the attempt charged. Returns the order as it is now (another
/// process may have recorded its outcome meanwhile).
fn mark_sending(db: &mut Db, o: &Order, card: &StoredCard, clock: &dyn Clock) -> Result<Order> {
    let brand = card.brand().map_or("Card", Brand::name);
    let sent_at = fmt_ts(&clock.now());
    db.write(|tx| {
        let first_send = tx.execute(
            "UPDATE order_attempts SET card_brand = ?3, card_last4 = ?4, sent_at = ?5
             WHERE order_id = ?1 AND charge_key = ?2 AND sent_at IS NULL",
            &[&o.id, &o.charge_key, &brand, &card.last4(), &sent_at],
        )?;
        if first_send > 0 {
            tx.execute(
                "UPDATE orders SET card_brand = ?3, card_last4 = ?4
                 WHERE id = ?1 AND charge_key = ?2 AND status = 'pending'",
                &[&o.id, &o.charge_key, &brand, &card.last4()],
            )?;
        }
        order(tx, o.id)
    })
}

/// Step 3: the processor's answer, the new card and the email, in one transaction. An order
/// that is no longer pending (another process recorded it first) is left as it is.
fn record(db: &mut Db, id: i64, outcome: &ChargeOutcome, p: &Purchaser<'_>) -> Result<Order> {
    let now = p.clock.now();
    db.write(|tx| {
        let o = order(tx, id)?;
        if o.status != Status::Pending {
            return Ok(o);
        }
        match outcome {
            ChargeOutcome::Approved { charge_id } => paid(tx, &o, charge_id, p, now)?,
            ChargeOutcome::Declined { code, reason } => {
                finish_attempt(tx, id, &o.charge_key, "declined", Some((code, reason)), None, now)?;
                if o.kind == OrderKind::Automatic {
                    p.follow_up.declined(tx, &o, code, reason, now)?;
                } else {
                    tx.execute(
                        "UPDATE orders SET status = 'declined', decline_code = ?2, reason = ?3, updated_at = ?4
                         WHERE id = ?1",
                        &[&id, code, reason, &fmt_ts(&now)],
                    )?;
                }
            }
        }
        order(tx, id)
    })
}

/// A pending order approved: its card, the order paid, the attempt ended, the receipt, and for an
/// automatic order the repeat order's follow-up; in the transaction of [`record`].
fn paid(tx: Conn<'_>, o: &Order, charge_id: &str, p: &Purchaser<'_>, now: Timestamp) -> Result<()> {
    let card_id =
        crate::ledger::cards::insert_card(tx, o.face_units, o.bonus_units, Some(&o.package), "purchase", None, now)?;
    // The decline of an earlier attempt is history now (kept in the attempts).
    tx.execute(
        "UPDATE orders SET status = 'paid', charge_id = ?2, new_card = ?3, next_retry_at = NULL,
           decline_code = NULL, reason = NULL, updated_at = ?4 WHERE id = ?1",
        &[&o.id, &charge_id, &card_id, &fmt_ts(&now)],
    )?;
    finish_attempt(tx, o.id, &o.charge_key, "paid", None, Some(charge_id), now)?;
    super::receipt::issue(tx, o.id, now)?;
    if o.kind == OrderKind::Automatic {
        p.follow_up.paid(tx, o, card_id, now)?;
    }
    Ok(())
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    pub paid: u32,
    pub declined: u32,
    /// Still without an answer (the processor is unreachable): tried again next time.
    pub pending: u32,
    /// Automatic orders whose retry was due and was started.
    pub retried: u32,
}

/// Whether any order waits for [`reconcile`]: pending, or declined with a retry to come. Cheap,
/// so front ends ask it before reaching for the keyring.
pub fn has_open_orders(db: &Db) -> Result<bool> {
    db.conn().query_row(
        "SELECT EXISTS (SELECT 1 FROM orders WHERE status = 'pending' OR (status = 'declined' AND next_retry_at IS NOT NULL))",
        &[],
        |r| r.get(0),
    )
}

/// Step 4, run by every front end when it starts (and by the app's worker): charges every
/// pending order again with its key, and starts the retries of declined automatic orders that
/// are due.
pub fn reconcile(db: &mut Db, p: &Purchaser<'_>) -> Result<ReconcileReport> {
    let mut report =
        ReconcileReport { retried: p.follow_up.start_due_retries(db, p.clock.now())?, ..Default::default() };
    let pending: Vec<i64> =
        db.conn().query("SELECT id FROM orders WHERE status = 'pending' ORDER BY id", &[], |r| r.get(0))?;
    if pending.is_empty() {
        return Ok(report);
    }
    let stored = match payment_method::load(p.secrets) {
        Ok(c) => Some(c),
        Err(Error::NoPaymentCard) => None,
        Err(e) => return Err(e),
    };
    for id in pending {
        let o = order(db.conn(), id)?;
        let result = match &stored {
            Some(c) => charge_and_record(db, p, o, c),
            // No card on file any more: the order cannot be paid; it is declined, not lost.
            None => record(
                db,
                id,
                &ChargeOutcome::Declined {
                    code: "no_payment_card".into(),
                    reason: "No payment card is on file.".into(),
                },
                p,
            ),
        };
        match result {
            Ok(o) if o.status == Status::Paid => report.paid += 1,
            Ok(o) if o.status == Status::Pending => report.pending += 1,
            Ok(_) => report.declined += 1,
            Err(Error::PaymentPending(_)) => report.pending += 1,
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}
