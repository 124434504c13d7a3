//! Moving a ledger up to PostgreSQL (`faxcredit migrate-to URL`, the app's Shared ledger…): a
//! SQLite ledger copied into an empty PostgreSQL schema, every table and every row with its
//! ids, in one PostgreSQL transaction; then `check` on both sides, and their totals side by
//! side. A target that is not empty is refused, and a copy cut short leaves nothing behind.

mod tables;

use std::ffi::OsStr;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::db::{Db, Location};
use crate::error::{Error, Result};
use crate::ledger::check::{check_in, CheckReport};
use crate::money;
use crate::sql::{Backend, Conn};

/// What a ledger adds up to: the figures that must be the same on both sides of a move.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub cards: i64,
    pub faxes: i64,
    pub lines: i64,
    /// The sum of every activity line.
    pub billed: Decimal,
    /// Unused credit on the open cards.
    pub credit_left: Decimal,
}

/// One side of a move: its totals and what `check` found wrong (nothing, when sound).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    pub totals: Totals,
    pub problems: Vec<String>,
}

/// What a move did and found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// The tables copied, and the rows in them all.
    pub tables: usize,
    pub rows: u64,
    /// The SQLite ledger as it was copied, and the PostgreSQL one once committed.
    pub sqlite: Side,
    pub postgres: Side,
}

impl Summary {
    /// Both sides pass `check` and add up to the same totals.
    pub fn ok(&self) -> bool {
        self.sqlite.problems.is_empty()
            && self.postgres.problems.is_empty()
            && self.sqlite.totals == self.postgres.totals
    }
}

/// Copies the SQLite ledger `src` into the empty PostgreSQL schema that `url` names (a
/// `postgres://` URL, `schema=` as for `--db`), made if missing, in one transaction: every
/// table of the schema, every row, ids kept, each identity set to continue after the highest
/// id. `progress(rows copied, rows in all)` hears of it every few thousand rows, for a progress
/// bar. The SQLite write lock is held until the copy has committed, so no fax is billed into the
/// file meanwhile and left out. Refused, changing nothing: a target that holds any row of a
/// ledger (`conflict`), a source that fails `check` (`invariant_broken`). A connection lost
/// midway leaves the target as it was (`database_unavailable`).
pub fn to_postgres(src: &mut Db, url: &str, progress: &mut dyn FnMut(u64, u64)) -> Result<Summary> {
    let Location::Postgres(target) = Location::parse(OsStr::new(url))? else {
        return Err(Error::invalid("url", format!("{url} is not a postgres:// or postgresql:// URL")));
    };
    if src.backend() != Backend::Sqlite {
        return Err(Error::invalid("db", "the ledger to copy is already on PostgreSQL: give a SQLite file"));
    }
    let (sqlite, copied) = src.write(|lite| {
        let sqlite = side(lite, check_in(lite)?)?;
        if let Some(first) = sqlite.problems.first() {
            return Err(Error::Invariant(format!(
                "the SQLite ledger fails check ({first}); nothing was copied: a copy would hide where it went wrong"
            )));
        }
        let copied = Db::create_postgres_with(&target, |pg| tables::copy_all(lite, pg, &target.shown, progress))?;
        Ok((sqlite, copied))
    })?;
    let mut dst = Db::open(Location::Postgres(target))?;
    let postgres = dst.read(|pg| side(pg, check_in(pg)?))?;
    Ok(Summary { tables: copied.tables, rows: copied.rows, sqlite, postgres })
}

/// A side's totals, from its `check` and the open cards' credit, read in the same snapshot.
fn side(conn: Conn<'_>, report: CheckReport) -> Result<Side> {
    let left: i64 = conn.query_row(
        "SELECT COALESCE(sum(original_balance - used), 0) FROM cards WHERE close_date IS NULL",
        &[],
        |r| r.get(0),
    )?;
    Ok(Side {
        totals: Totals {
            cards: report.cards,
            faxes: report.faxes,
            lines: report.lines,
            billed: report.total_billed,
            credit_left: money::from_units(left),
        },
        problems: report.problems,
    })
}
