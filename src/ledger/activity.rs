//! Reading a card's activity: pages by keyset (the last line id seen), newest first, never
//! OFFSET, so any page of a million-line card costs the same few index probes.

use rusqlite::params;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::ledger::cards::{card, Card};
use crate::money;
use crate::time::{ceil_second, fmt_ts, Timestamp};

pub const MAX_PAGE: i64 = 1_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityLine {
    /// The line's number on its card (1 = the first fax billed to it): the keyset cursor.
    pub line_no: i64,
    pub card_id: i64,
    pub fax_id: String,
    pub submit_time: String,
    pub completion_time: Option<String>,
    pub user: String,
    pub destination: String,
    pub pages_submitted: i64,
    pub pages_sent: i64,
    pub duration: i64,
    pub units: Decimal,
    pub cost_per_unit: Decimal,
    /// The part of the fax billed to this card.
    pub amount: Decimal,
    pub fax_cost: Decimal,
    /// True when the fax was split across two cards.
    pub split: bool,
    pub status: i64,
    pub subject: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityQuery {
    pub card_id: i64,
    /// Lines numbered below this (the previous page's `next_before`). Any page is reachable
    /// directly: the lines from position k (0 = newest) are those before `card.lines - k + 1`.
    pub before: Option<i64>,
    pub limit: i64,
    pub user: Option<String>,
    /// Faxes submitted at or after this time.
    pub from: Option<Timestamp>,
    /// Faxes submitted before this time.
    pub to: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityPage {
    pub card: Card,
    pub lines: Vec<ActivityLine>,
    /// Pass as `before` for the next (older) page; `None` at the end.
    pub next_before: Option<i64>,
}

pub(crate) fn row_to_line(r: &rusqlite::Row<'_>) -> rusqlite::Result<ActivityLine> {
    Ok(ActivityLine {
        line_no: r.get(0)?,
        card_id: r.get(1)?,
        fax_id: r.get(2)?,
        submit_time: r.get(3)?,
        completion_time: r.get(4)?,
        user: r.get(5)?,
        destination: r.get(6)?,
        pages_submitted: r.get(7)?,
        pages_sent: r.get(8)?,
        duration: r.get(9)?,
        units: money::from_units(r.get(10)?),
        cost_per_unit: money::from_units(r.get(11)?),
        amount: money::from_units(r.get(12)?),
        fax_cost: money::from_units(r.get(13)?),
        split: r.get(14)?,
        status: r.get(15)?,
        subject: r.get(16)?,
    })
}

pub(crate) const LINE_SELECT: &str = "SELECT a.n, a.card_id, f.id, f.submit_time, f.completion_time, u.name,
        f.destination, f.pages_submitted, f.pages_sent, f.duration, f.units, f.cost_per_unit,
        a.amount, f.cost, a.split, f.status, f.subject
    FROM activity a JOIN faxes f ON f.seq = a.fax_seq JOIN users u ON u.id = f.user_id";

/// One page of a card's activity, newest first, with the card (and so its totals).
pub fn activity_page(db: &mut Db, q: &ActivityQuery) -> Result<ActivityPage> {
    if !(1..=MAX_PAGE).contains(&q.limit) {
        return Err(Error::invalid("limit", format!("must be 1..={MAX_PAGE}")));
    }
    let tx = db.read()?;
    let card = card(&tx, q.card_id)?;
    let user_id: Option<i64> = match &q.user {
        None => None,
        Some(u) => Some(
            tx.query_row("SELECT id FROM users WHERE name = ?1", [u.trim()], |r| r.get(0))
                .map_err(|_| Error::NotFound(format!("no user named {:?}", crate::text::truncate(u, 60))))?,
        ),
    };
    let sql = format!(
        "{LINE_SELECT}
         WHERE a.card_id = ?1 AND a.n < ?2
           AND (?3 IS NULL OR f.user_id = ?3)
           AND (?4 IS NULL OR f.submit_time >= ?4)
           AND (?5 IS NULL OR f.submit_time < ?5)
         ORDER BY a.n DESC LIMIT ?6"
    );
    let lines: Vec<ActivityLine> = {
        let mut st = tx.prepare_cached(&sql)?;
        let rows = st.query_map(
            params![
                q.card_id,
                q.before.unwrap_or(i64::MAX),
                user_id,
                // Stored times are whole seconds: a bound with a fraction compares as the next
                // whole second (`time::ceil_second`), for `from` and `to` alike.
                q.from.as_ref().map(|t| fmt_ts(&ceil_second(t))),
                q.to.as_ref().map(|t| fmt_ts(&ceil_second(t))),
                q.limit + 1
            ],
            row_to_line,
        )?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut lines = lines;
    let next_before = if lines.len() as i64 > q.limit {
        lines.truncate(q.limit as usize);
        lines.last().map(|l| l.line_no)
    } else {
        None
    };
    drop(tx);
    Ok(ActivityPage { card, lines, next_before })
}
