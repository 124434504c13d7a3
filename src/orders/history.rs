//! Reading orders: the order history the app and the CLI show, and its CSV export.

use serde::Serialize;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::money;
use crate::sql::{Conn, Row};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Written, not yet answered by the processor (or the answer was lost): checked again.
    Pending,
    Paid,
    /// Declined; an automatic order may still be retried (`next_retry_at`).
    Declined,
    /// An automatic order that was declined on every retry: the repeat order was paused.
    Failed,
    /// An automatic order whose retry was stopped: the monthly cap, or credit on other cards,
    /// made it unnecessary (the reason says which), or the repeat order was removed or paused.
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Paid => "paid",
            Status::Declined => "declined",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }
    fn parse(s: &str) -> Status {
        match s {
            "paid" => Status::Paid,
            "declined" => Status::Declined,
            "failed" => Status::Failed,
            "cancelled" => Status::Cancelled,
            _ => Status::Pending,
        }
    }
}

/// Who placed an order: a person (the app's Purchase, `faxcredit purchase`) or the repeat order.
/// Stored as text (`manual`, `automatic`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    Manual,
    Automatic,
}

impl OrderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderKind::Manual => "manual",
            OrderKind::Automatic => "automatic",
        }
    }

    fn from_stored(s: &str) -> OrderKind {
        if s == "automatic" {
            OrderKind::Automatic
        } else {
            OrderKind::Manual
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Order {
    pub id: i64,
    pub key: String,
    pub kind: OrderKind,
    pub package: String,
    /// The price: the card's face value, 4 places.
    pub amount: String,
    pub bonus: String,
    pub currency: String,
    /// The card charged by the latest attempt.
    pub card_brand: String,
    pub card_last4: String,
    pub status: Status,
    pub attempts: i64,
    pub next_retry_at: Option<String>,
    pub charge_key: String,
    pub charge_id: Option<String>,
    pub decline_code: Option<String>,
    pub reason: Option<String>,
    pub new_card: Option<i64>,
    pub trigger_card: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    /// Every charge attempt, first first, each with the card it charged.
    pub attempt_history: Vec<Attempt>,
    #[serde(skip)]
    pub(crate) round_start: i64,
    #[serde(skip)]
    pub(crate) face_units: i64,
    #[serde(skip)]
    pub(crate) bonus_units: i64,
}

/// One charge attempt of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attempt {
    pub n: i64,
    pub charge_key: String,
    pub card_brand: String,
    pub card_last4: String,
    pub started_at: String,
    /// `pending`, `paid`, `declined` or `cancelled` (stopped before it was charged).
    pub outcome: String,
    pub decline_code: Option<String>,
    pub reason: Option<String>,
    pub charge_id: Option<String>,
    pub finished_at: Option<String>,
}

pub(crate) const COLUMNS: &str = "id, key, kind, package, face_value, bonus, currency, card_brand, card_last4, status,
    attempts, next_retry_at, charge_key, charge_id, decline_code, reason, new_card, trigger_card, created_at, updated_at,
    round_start";

pub(crate) fn from_row(r: &Row<'_>) -> Result<Order> {
    let face: i64 = r.get(4)?;
    let bonus: i64 = r.get(5)?;
    Ok(Order {
        id: r.get(0)?,
        key: r.get(1)?,
        kind: OrderKind::from_stored(&r.get::<String>(2)?),
        package: r.get(3)?,
        amount: money::fmt_units(face),
        bonus: money::fmt_units(bonus),
        currency: r.get(6)?,
        card_brand: r.get(7)?,
        card_last4: r.get(8)?,
        status: Status::parse(&r.get::<String>(9)?),
        attempts: r.get(10)?,
        next_retry_at: r.get(11)?,
        charge_key: r.get(12)?,
        charge_id: r.get(13)?,
        decline_code: r.get(14)?,
        reason: r.get(15)?,
        new_card: r.get(16)?,
        trigger_card: r.get(17)?,
        created_at: r.get(18)?,
        updated_at: r.get(19)?,
        attempt_history: Vec::new(),
        round_start: r.get(20)?,
        face_units: face,
        bonus_units: bonus,
    })
}

/// Order `id` with its attempts. Takes any connection: a `Conn`, or (for callers not yet on the
/// storage seam) a rusqlite connection.
pub fn order<'c>(conn: impl Into<Conn<'c>>, id: i64) -> Result<Order> {
    let conn = conn.into();
    let mut o = conn
        .query_opt(&format!("SELECT {COLUMNS} FROM orders WHERE id = ?1"), &[&id], from_row)?
        .ok_or_else(|| Error::NotFound(format!("no order {id}")))?;
    o.attempt_history = attempts(conn, id)?;
    Ok(o)
}

pub(crate) fn order_by_key(conn: Conn<'_>, key: &str) -> Result<Option<Order>> {
    conn.query_opt(&format!("SELECT {COLUMNS} FROM orders WHERE key = ?1"), &[&key], from_row)
}

/// An order's charge attempts, first first.
pub fn attempts(conn: Conn<'_>, order_id: i64) -> Result<Vec<Attempt>> {
    conn.query(
        "SELECT n, charge_key, card_brand, card_last4, started_at, outcome, decline_code, reason, charge_id, finished_at
         FROM order_attempts WHERE order_id = ?1 ORDER BY n",
        &[&order_id],
        |r| {
            Ok(Attempt {
                n: r.get(0)?,
                charge_key: r.get(1)?,
                card_brand: r.get(2)?,
                card_last4: r.get(3)?,
                started_at: r.get(4)?,
                outcome: r.get(5)?,
                decline_code: r.get(6)?,
                reason: r.get(7)?,
                charge_id: r.get(8)?,
                finished_at: r.get(9)?,
            })
        },
    )
}

/// Records the start of attempt `n` of an order, with the card on file it will charge.
pub(crate) fn start_attempt(
    tx: Conn<'_>,
    order_id: i64,
    n: i64,
    charge_key: &str,
    brand: &str,
    last4: &str,
    now: crate::time::Timestamp,
) -> Result<()> {
    tx.execute(
        "INSERT INTO order_attempts (order_id, n, charge_key, card_brand, card_last4, started_at, outcome)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending')",
        &[&order_id, &n, &charge_key, &brand, &last4, &crate::time::fmt_ts(&now)],
    )?;
    Ok(())
}

/// Ends the current attempt of an order.
pub(crate) fn finish_attempt(
    tx: Conn<'_>,
    order_id: i64,
    charge_key: &str,
    outcome: &str,
    code_reason: Option<(&str, &str)>,
    charge_id: Option<&str>,
    now: crate::time::Timestamp,
) -> Result<()> {
    tx.execute(
        "UPDATE order_attempts SET outcome = ?3, decline_code = ?4, reason = ?5, charge_id = ?6, finished_at = ?7
         WHERE order_id = ?1 AND charge_key = ?2",
        &[
            &order_id,
            &charge_key,
            &outcome,
            &code_reason.map(|c| c.0),
            &code_reason.map(|c| c.1),
            &charge_id,
            &crate::time::fmt_ts(&now),
        ],
    )?;
    Ok(())
}

/// Every order, newest first, each with its attempts.
pub fn orders(db: &Db) -> Result<Vec<Order>> {
    let conn = db.conn();
    let mut list = conn.query(&format!("SELECT {COLUMNS} FROM orders ORDER BY id DESC"), &[], from_row)?;
    for o in &mut list {
        o.attempt_history = attempts(conn, o.id)?;
    }
    Ok(list)
}
