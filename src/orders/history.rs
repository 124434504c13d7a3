//! Reading orders: the order history the app and the CLI show, and its CSV export.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::export::{write_atomically, CsvRow};
use crate::money;

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
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Paid => "paid",
            Status::Declined => "declined",
            Status::Failed => "failed",
        }
    }
    fn parse(s: &str) -> Status {
        match s {
            "paid" => Status::Paid,
            "declined" => Status::Declined,
            "failed" => Status::Failed,
            _ => Status::Pending,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Order {
    pub id: i64,
    pub key: String,
    /// `manual` or `automatic`.
    pub kind: String,
    pub package: String,
    /// The price: the card's face value, 4 places.
    pub amount: String,
    pub bonus: String,
    pub currency: String,
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
    #[serde(skip)]
    pub(crate) face_units: i64,
    #[serde(skip)]
    pub(crate) bonus_units: i64,
}

pub(crate) const COLUMNS: &str = "id, key, kind, package, face_value, bonus, currency, card_brand, card_last4, status,
    attempts, next_retry_at, charge_key, charge_id, decline_code, reason, new_card, trigger_card, created_at, updated_at";

pub(crate) fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Order> {
    let face: i64 = r.get(4)?;
    let bonus: i64 = r.get(5)?;
    Ok(Order {
        id: r.get(0)?,
        key: r.get(1)?,
        kind: r.get(2)?,
        package: r.get(3)?,
        amount: money::fmt_units(face),
        bonus: money::fmt_units(bonus),
        currency: r.get(6)?,
        card_brand: r.get(7)?,
        card_last4: r.get(8)?,
        status: Status::parse(&r.get::<_, String>(9)?),
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
        face_units: face,
        bonus_units: bonus,
    })
}

pub fn order(conn: &Connection, id: i64) -> Result<Order> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM orders WHERE id = ?1"), [id], from_row)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no order {id}")))
}

pub(crate) fn order_by_key(conn: &Connection, key: &str) -> Result<Option<Order>> {
    Ok(conn.query_row(&format!("SELECT {COLUMNS} FROM orders WHERE key = ?1"), [key], from_row).optional()?)
}

/// Every order, newest first.
pub fn orders(db: &Db) -> Result<Vec<Order>> {
    let mut st = db.conn().prepare(&format!("SELECT {COLUMNS} FROM orders ORDER BY id DESC"))?;
    let rows = st.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub const EXPORT_HEADER: [&str; 13] = [
    "order_id",
    "created_at",
    "kind",
    "package",
    "amount",
    "bonus",
    "currency",
    "card",
    "status",
    "reason",
    "new_card",
    "trigger_card",
    "placed_by",
];

/// The order history as CSV (RFC 4180, CRLF, injection-safe), written atomically.
pub fn export_orders(db: &Db, target: &Path) -> Result<u64> {
    db.refuse_own_file(target, "out")?;
    let list = orders(db)?;
    let placers = super::placed_by::placers(db)?;
    write_atomically(target, |mut file| {
        let mut row = CsvRow::new();
        for h in EXPORT_HEADER {
            row.plain(h.as_bytes());
        }
        row.end(&mut file)?;
        let id_or_empty = |row: &mut CsvRow, v: Option<i64>| match v {
            Some(id) => row.int(id),
            None => row.plain(b""),
        };
        for o in &list {
            row.int(o.id);
            row.plain(o.created_at.as_bytes());
            row.plain(o.kind.as_bytes());
            row.text(o.package.as_bytes());
            row.plain(o.amount.as_bytes());
            row.plain(o.bonus.as_bytes());
            row.plain(o.currency.as_bytes());
            row.plain(format!("{} {}", o.card_brand, o.card_last4).trim().as_bytes());
            row.plain(o.status.as_str().as_bytes());
            row.text(o.reason.as_deref().unwrap_or("").as_bytes());
            id_or_empty(&mut row, o.new_card);
            id_or_empty(&mut row, o.trigger_card);
            row.text(super::placed_by::placed_by(&placers, &o.key, o.kind == "automatic").as_bytes());
            row.end(&mut file)?;
        }
        row.flush(&mut file)?;
        Ok(list.len() as u64)
    })
}
