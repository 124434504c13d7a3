//! Setting, removing, resuming and reading the repeat order. Prepaid accounts only.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::audit::{self, Action, Actor};
use crate::catalog::{find_package, Package};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::money;
use crate::sql::Conn;
use crate::time::{fmt_ts, Timestamp};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepeatOrder {
    pub package: Package,
    /// At most this much bought automatically per calendar month (UTC). A declined order
    /// awaiting its retry counts against it.
    pub monthly_cap: Option<Decimal>,
    pub paused_at: Option<String>,
    /// Why it is paused (the last decline), in words.
    pub paused_reason: Option<String>,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepeatLogEntry {
    pub at: String,
    pub card_id: Option<i64>,
    pub event: String,
    pub detail: String,
}

pub(crate) fn write_log(tx: Conn<'_>, card: Option<i64>, event: &str, detail: &str, now: Timestamp) -> Result<()> {
    tx.execute(
        "INSERT INTO repeat_log (at, card_id, event, detail) VALUES (?1, ?2, ?3, ?4)",
        &[&fmt_ts(&now), &card, &event, &detail],
    )?;
    Ok(())
}

/// Sets (or replaces) the repeat order; a paused one resumes. `package`: a name in any case, or
/// an id. `monthly_cap`: `None` for no cap. When the card in use is already at 95% or more, the
/// order is placed at once: the front end then charges it ([`crate::orders::reconcile`]).
pub fn set(
    db: &mut Db,
    package: &str,
    monthly_cap: Option<Decimal>,
    by: &Actor,
    now: Timestamp,
) -> Result<RepeatOrder> {
    let cap = monthly_cap.map(|c| money::to_units(c, "cap")).transpose()?;
    if cap.is_some_and(|c| c <= 0) {
        return Err(Error::invalid("cap", "must be more than zero"));
    }
    db.write(|tx| {
        crate::account::require_prepaid(tx, "a repeat order")?;
        let p = find_package(tx, package)?;
        if !p.active {
            return Err(Error::invalid("package", format!("{} is no longer sold", p.name)));
        }
        tx.execute(
            "INSERT INTO repeat_order (id, package_id, monthly_cap, updated_at) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET package_id = excluded.package_id, monthly_cap = excluded.monthly_cap,
               paused_at = NULL, paused_reason = NULL, updated_at = excluded.updated_at",
            &[&p.id, &cap, &fmt_ts(&now)],
        )?;
        let cap_text = cap.map(|c| format!(", at most {} a month", money::fmt_units(c))).unwrap_or_default();
        let detail = format!("{} ({}){cap_text}", p.name, p.face_value);
        write_log(tx, None, "set", &detail, now)?;
        audit::record(tx, by, Action::RepeatOrderSet, &detail, now)?;
        // A card in use already past 95% fired no trigger while there was no repeat order.
        super::trigger::arm(tx, now)?;
        show_in(tx)?.ok_or_else(|| Error::Invariant("repeat order not stored".into()))
    })
}

/// Removes the repeat order (no card is bought automatically any more).
pub fn remove(db: &mut Db, by: &Actor, now: Timestamp) -> Result<bool> {
    db.write(|tx| {
        crate::account::require_prepaid(tx, "a repeat order")?;
        let was = show_in(tx)?;
        let n = tx.execute("DELETE FROM repeat_order", &[])?;
        if let Some(was) = was.filter(|_| n > 0) {
            write_log(tx, None, "removed", "no automatic purchases", now)?;
            audit::record(tx, by, Action::RepeatOrderRemoved, &format!("was {}", was.package.name), now)?;
        }
        Ok(n > 0)
    })
}

/// Resumes a paused repeat order.
pub fn resume(db: &mut Db, by: &Actor, now: Timestamp) -> Result<RepeatOrder> {
    db.write(|tx| {
        crate::account::require_prepaid(tx, "a repeat order")?;
        let n = tx.execute(
            "UPDATE repeat_order SET paused_at = NULL, paused_reason = NULL, updated_at = ?1 WHERE paused_at IS NOT NULL",
            &[&fmt_ts(&now)],
        )?;
        let r = show_in(tx)?.ok_or_else(|| Error::NotFound("there is no repeat order to resume".into()))?;
        if n > 0 {
            write_log(tx, None, "resumed", "resumed by the manager", now)?;
            audit::record(tx, by, Action::RepeatOrderResumed, &r.package.name, now)?;
        }
        // What the card in use missed while the repeat order was paused is asked for now.
        super::trigger::arm(tx, now)?;
        Ok(r)
    })
}

pub fn show(db: &Db) -> Result<Option<RepeatOrder>> {
    show_in(db.conn())
}

pub(crate) fn show_in(conn: Conn<'_>) -> Result<Option<RepeatOrder>> {
    let row = conn.query_opt(
        "SELECT package_id, monthly_cap, paused_at, paused_reason, updated_at FROM repeat_order WHERE id = 1",
        &[],
        |r| {
            Ok((
                r.get::<i64>(0)?,
                r.get::<Option<i64>>(1)?,
                r.get::<Option<String>>(2)?,
                r.get::<Option<String>>(3)?,
                r.get::<String>(4)?,
            ))
        },
    )?;
    let Some((pid, cap, paused_at, paused_reason, updated_at)) = row else { return Ok(None) };
    Ok(Some(RepeatOrder {
        package: find_package(conn, &pid.to_string())?,
        monthly_cap: cap.map(money::from_units),
        paused_at,
        paused_reason,
        updated_at,
    }))
}

/// The newest `limit` entries of the repeat order's log.
pub fn log(db: &Db, limit: i64) -> Result<Vec<RepeatLogEntry>> {
    db.conn().query(
        "SELECT at, card_id, event, detail FROM repeat_log ORDER BY id DESC LIMIT ?1",
        &[&limit.clamp(1, 10_000)],
        |r| Ok(RepeatLogEntry { at: r.get(0)?, card_id: r.get(1)?, event: r.get(2)?, detail: r.get(3)? }),
    )
}
