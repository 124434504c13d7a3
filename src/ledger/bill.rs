//! Billing: one fax, one write transaction. Idempotent on the fax id (TigerBeetle's rule),
//! priced from the record or the rate table, paid from open cards oldest first (split across
//! two when one runs out), refused whole with 205000 when the open cards cannot cover it.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::db::Db;
use crate::error::{Error, Result};
use crate::ledger::biller::Biller;
use crate::ledger::record::{Fax, Record};
use crate::sql::Conn;
use crate::time::Timestamp;

/// The part of a fax billed to one card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub card_id: i64,
    pub amount: Decimal,
}

/// What billing one fax did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    /// Billed now.
    Billed {
        fax_id: String,
        cost: Decimal,
        units: Decimal,
        cost_per_unit: Decimal,
        lines: Vec<Line>,
        closed_cards: Vec<i64>,
    },
    /// Billed before with identical fields: nothing changed.
    Exists { fax_id: String },
    /// Refused with 205000; the attempt is logged and nothing is billed.
    Refused { fax_id: String, cost: Decimal, available: Decimal },
    /// Still in process (`status` < 0): nothing is billed or kept, so the completed record of
    /// the same fax bills as new.
    Pending { fax_id: String, status: i64 },
}

impl Outcome {
    pub fn fax_id(&self) -> &str {
        match self {
            Outcome::Billed { fax_id, .. }
            | Outcome::Exists { fax_id }
            | Outcome::Refused { fax_id, .. }
            | Outcome::Pending { fax_id, .. } => fax_id,
        }
    }
}

/// What billing asks of the layers above it, inside its own transaction, so that what they do
/// commits or rolls back with the fax: the repeat order (`repeat::RepeatOrder`) is placed in the
/// transaction that takes a card to its threshold or refuses a fax. The ledger knows nothing of
/// orders; front ends bill through `crate::billing`, which passes the account's reactions.
pub trait Reactions {
    /// The percent of a card's original balance whose crossing is reported to
    /// [`Reactions::card_reached_threshold`]; `None` for no such report.
    fn threshold_percent(&self) -> Option<i64>;
    /// A billed fax took `card` of a prepaid account across the threshold. The cards' use is
    /// written before this is called. Returns whether it changed the cards (an order placed).
    fn card_reached_threshold(&mut self, tx: Conn<'_>, card: i64, now: Timestamp) -> Result<bool>;
    /// A fax of a prepaid account costing `cost` (storage units) was refused with 205000.
    fn fax_refused(&mut self, tx: Conn<'_>, cost: i64, now: Timestamp) -> Result<bool>;
}

/// Billing with no reactions: tools and tests of the ledger alone.
pub struct NoReactions;

impl Reactions for NoReactions {
    fn threshold_percent(&self) -> Option<i64> {
        None
    }
    fn card_reached_threshold(&mut self, _: Conn<'_>, _: i64, _: Timestamp) -> Result<bool> {
        Ok(false)
    }
    fn fax_refused(&mut self, _: Conn<'_>, _: i64, _: Timestamp) -> Result<bool> {
        Ok(false)
    }
}

/// Bills one fax in its own durable transaction. A refusal is committed (the attempt log) and
/// then returned as [`Error::QuotaExceeded`].
pub fn bill(db: &mut Db, fax: &Fax, now: Timestamp, reactions: &mut dyn Reactions) -> Result<Outcome> {
    in_transaction(db, reactions, Some(fax), |biller| biller.bill(fax, now))
}

/// As [`bill`], for any record: a fax in process is `Pending`, a partial record is `Exists`
/// (or the field that differs) when its fax was billed before and else the field it lacks.
pub fn bill_record(db: &mut Db, record: &Record, now: Timestamp, reactions: &mut dyn Reactions) -> Result<Outcome> {
    in_transaction(db, reactions, None, |biller| biller.bill_record(record, now))
}

/// The one write transaction of a fax. On PostgreSQL it may run again from the start (see
/// `Db::write`): the biller is made afresh each time.
fn in_transaction(
    db: &mut Db,
    reactions: &mut dyn Reactions,
    fax: Option<&Fax>,
    bill: impl Fn(&mut Biller<'_>) -> Result<Outcome>,
) -> Result<Outcome> {
    let outcome = db.write_with_cache(|tx, rates: &mut crate::rates::RateCache| {
        let biller = match fax {
            Some(fax) => Biller::expecting(tx, &mut *reactions, &[&fax.id], Some(&fax.user))?,
            None => Biller::new(tx, &mut *reactions)?,
        };
        let mut biller = biller.with_rates(rates.current(tx)?);
        let outcome = bill(&mut biller)?;
        biller.finish()?;
        Ok(outcome)
    })?;
    match outcome {
        Outcome::Refused { cost, available, .. } => {
            Err(Error::QuotaExceeded { cost: cost.to_string(), available: available.to_string() })
        }
        o => Ok(o),
    }
}
