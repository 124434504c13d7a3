//! Cards: applying them, a credit account's monthly card, and the card list with used,
//! balance and % used.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::account::{account_in, AccountKind};
use crate::db::Db;
use crate::error::{Error, Result};
use crate::money;
use crate::sql::{Conn, Row};
use crate::time::{fmt_ts, Timestamp, Zone};

/// Card ids start here, so they read like account numbers (`card 1042`).
pub const FIRST_CARD_ID: i64 = 1001;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CardStatus {
    /// The open card faxes are billed to now (the oldest open one).
    Active,
    /// Open, waiting for the active card to be used up.
    Queued,
    /// Used up and closed.
    Depleted,
    /// Closed with credit left: a credit account's past month.
    Closed,
}

impl CardStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CardStatus::Active => "active",
            CardStatus::Queued => "queued",
            CardStatus::Depleted => "depleted",
            CardStatus::Closed => "closed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Card {
    pub id: i64,
    pub issue_date: String,
    pub close_date: Option<String>,
    pub package: Option<String>,
    pub face_value: Decimal,
    pub bonus: Decimal,
    pub original_balance: Decimal,
    pub used: Decimal,
    pub balance: Decimal,
    /// Two places, rounded down, so a card never shows 95.00 before it is 95% used.
    pub percent_used: Decimal,
    pub status: CardStatus,
    pub previous_card: Option<i64>,
    /// Activity lines billed to the card.
    pub lines: i64,
    pub source: String,
}

pub use crate::money::percent;

const CARD_COLUMNS: &str =
    "id, issue_date, close_date, package, face_value, bonus, original_balance, used, previous_card, lines, source";

fn row_to_card(r: &Row<'_>, oldest_open: Option<i64>) -> Result<Card> {
    let id: i64 = r.get(0)?;
    let close_date: Option<String> = r.get(2)?;
    let original: i64 = r.get(6)?;
    let used: i64 = r.get(7)?;
    let status = match (&close_date, oldest_open) {
        (Some(_), _) if used == original => CardStatus::Depleted,
        (Some(_), _) => CardStatus::Closed,
        (None, Some(o)) if o == id => CardStatus::Active,
        (None, _) => CardStatus::Queued,
    };
    Ok(Card {
        id,
        issue_date: r.get(1)?,
        close_date,
        package: r.get(3)?,
        face_value: money::from_units(r.get(4)?),
        bonus: money::from_units(r.get(5)?),
        original_balance: money::from_units(original),
        used: money::from_units(used),
        balance: money::from_units(original - used),
        percent_used: percent(used, original),
        status,
        previous_card: r.get(8)?,
        lines: r.get(9)?,
        source: r.get(10)?,
    })
}

fn oldest_open(conn: Conn<'_>) -> Result<Option<i64>> {
    conn.query_row("SELECT min(id) FROM cards WHERE close_date IS NULL", &[], |r| r.get(0))
}

/// Every card, newest first.
pub fn cards(db: &mut Db) -> Result<Vec<Card>> {
    db.read(|tx| {
        account_in(tx)?;
        let open = oldest_open(tx)?;
        tx.query(&format!("SELECT {CARD_COLUMNS} FROM cards ORDER BY id DESC"), &[], |r| row_to_card(r, open))
    })
}

pub fn card(conn: Conn<'_>, id: i64) -> Result<Card> {
    let open = oldest_open(conn)?;
    conn.query_opt(&format!("SELECT {CARD_COLUMNS} FROM cards WHERE id = ?1"), &[&id], |r| row_to_card(r, open))?
        .ok_or_else(|| Error::NotFound(format!("no card {id}")))
}

fn next_card_id(tx: Conn<'_>) -> Result<(i64, Option<i64>)> {
    let last: Option<i64> = tx.query_row("SELECT max(id) FROM cards", &[], |r| r.get(0))?;
    Ok((last.map_or(FIRST_CARD_ID, |l| l + 1), last))
}

/// Inserts a card inside the caller's transaction and returns its id.
pub(crate) fn insert_card(
    tx: Conn<'_>,
    face: i64,
    bonus: i64,
    package: Option<&str>,
    source: &str,
    month: Option<&str>,
    issue: Timestamp,
) -> Result<i64> {
    let (id, previous) = next_card_id(tx)?;
    tx.execute(
        "INSERT INTO cards (id, issue_date, package, face_value, bonus, original_balance, previous_card, source, month)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        &[&id, &fmt_ts(&issue), &package, &face, &bonus, &(face + bonus), &previous, &source, &month],
    )?;
    Ok(id)
}

/// A card applied by the provider (no payment): prepaid accounts only.
pub fn apply_card(db: &mut Db, value: Decimal, bonus: Decimal, now: Timestamp) -> Result<Card> {
    let face = money::to_units(value, "value")?;
    let bonus = money::to_units(bonus, "bonus")?;
    if face <= 0 {
        return Err(Error::invalid("value", "must be more than zero"));
    }
    if bonus < 0 {
        return Err(Error::invalid("bonus", "must not be negative"));
    }
    db.write(|tx| {
        crate::account::require_prepaid(tx, "applying a prepaid card")?;
        let package = crate::catalog::package_matching(tx, face, bonus)?;
        let id = insert_card(tx, face, bonus, package.as_deref(), "applied", None, now)?;
        card(tx, id)
    })
}

/// A credit account's card for the month of `now` in the account's zone, opened (and the
/// previous month closed) if this is the first use of the month. Never goes back in time: a
/// clock behind the newest month card keeps using that card.
pub(crate) fn ensure_month_card(tx: Conn<'_>, zone: &Zone, now: Timestamp) -> Result<i64> {
    let month = zone.month_key(&now);
    let latest: Option<(i64, String)> =
        tx.query_opt("SELECT id, month FROM cards WHERE month IS NOT NULL ORDER BY month DESC LIMIT 1", &[], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    if let Some((id, m)) = &latest {
        if *m >= month {
            return Ok(*id);
        }
    }
    let limit: i64 = tx
        .query_row("SELECT credit_limit FROM account WHERE id = 1", &[], |r| r.get::<Option<i64>>(0))?
        .ok_or_else(|| Error::Invariant("credit account without a credit limit".into()))?;
    // The past months' cards close at the end of their month.
    let open: Vec<(i64, String)> =
        tx.query("SELECT id, issue_date FROM cards WHERE month IS NOT NULL AND close_date IS NULL", &[], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    for (id, issued) in open {
        let issued = crate::time::parse_ts(&issued, "issue_date")?;
        tx.execute(
            "UPDATE cards SET close_date = ?1 WHERE id = ?2",
            &[&fmt_ts(&zone.start_of_next_month(&issued)), &id],
        )?;
    }
    insert_card(tx, limit, 0, Some("Monthly credit"), "monthly", Some(&month), zone.start_of_month(&now))
}

/// Opens the current month's card of a credit account if the month has turned; a no-op for
/// prepaid accounts and within a month. Cheap to call before listing cards.
pub fn roll_credit_month(db: &mut Db, now: Timestamp) -> Result<()> {
    let acct = account_in(db.conn())?;
    if acct.kind != AccountKind::Credit {
        return Ok(());
    }
    let zone = crate::account::time_zone(db.conn())?;
    let month = zone.month_key(&now);
    let current: bool =
        db.conn().query_row("SELECT EXISTS (SELECT 1 FROM cards WHERE month >= ?1)", &[&month], |r| r.get(0))?;
    if current {
        return Ok(());
    }
    db.write(|tx| ensure_month_card(tx, &zone, now).map(|_| ()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_percent_used_rounded_down_to_two_places() {
        assert_eq!(percent(0, 100).to_string(), "0.00");
        assert_eq!(percent(9_499, 10_000).to_string(), "94.99");
        assert_eq!(percent(94_999_999, 100_000_000).to_string(), "94.99");
        assert_eq!(percent(95, 100).to_string(), "95.00");
        assert_eq!(percent(100, 100).to_string(), "100.00");
        assert_eq!(percent(1, 3).to_string(), "33.33");
    }
}
