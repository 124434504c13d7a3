//! The storage seam: the one way the ledger runs SQL, on SQLite (the embedded default) or on
//! PostgreSQL (a shared ledger). A [`Conn`] is a cheap handle that every module's SQL goes
//! through; the money rules never see which engine is under it.
//!
//! How to write SQL here (ARCHITECTURE.md, "The storage seam", has the whole guide):
//! - one SQL text for both engines wherever they agree: `?1` placeholders (written `$1` for
//!   PostgreSQL here), `ON CONFLICT … DO NOTHING | DO UPDATE`, `RETURNING id` for a new row's
//!   id, `coalesce`, `CAST(? AS BIGINT)` where PostgreSQL cannot infer a parameter's type;
//! - parameters are `&[&a, &b]` of anything [`ToValue`] (integers, bools, text, bytes, options);
//! - a row is read with `r.get::<T>(i)` into `i64`, `bool`, `String`, `Vec<u8>` or an `Option`:
//!   PostgreSQL's `int4`, `numeric` sums and booleans read as SQLite's integers would;
//! - where an engine needs its own SQL, branch on [`Conn::backend`] and keep both texts side by
//!   side.

mod copy;
mod pg;
mod pg_error;
mod placeholders;
mod row;
mod stmt;
mod value;

pub use copy::{quoted, CopyIn};
pub use pg::PgConn;
pub use pg_error::retryable;
pub use placeholders::placeholders;
pub use row::{FromColumn, Row};
pub use stmt::Stmt;
pub use value::{Params, ToValue, Value};

pub(crate) use pg_error::error as pg_error;

use crate::error::Result;

/// Which engine a connection runs on, for the few statements whose SQL must differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A connection to the ledger, inside a transaction or not: what `Db::conn`, `Db::read` and
/// `Db::write` hand out. Copy it freely; it borrows the connection.
#[derive(Clone, Copy)]
pub struct Conn<'a>(Engine<'a>);

#[derive(Clone, Copy)]
enum Engine<'a> {
    Sqlite(&'a rusqlite::Connection),
    Pg(&'a PgConn),
}

impl<'a> From<&'a rusqlite::Connection> for Conn<'a> {
    fn from(c: &'a rusqlite::Connection) -> Self {
        Conn(Engine::Sqlite(c))
    }
}

/// For code not yet ported onto the seam, which still holds a rusqlite transaction: it calls a
/// ported function with `Conn::from(&tx)`.
impl<'a> From<&'a rusqlite::Transaction<'_>> for Conn<'a> {
    fn from(tx: &'a rusqlite::Transaction<'_>) -> Self {
        Conn(Engine::Sqlite(tx))
    }
}

impl<'a> From<&'a PgConn> for Conn<'a> {
    fn from(c: &'a PgConn) -> Self {
        Conn(Engine::Pg(c))
    }
}

impl<'a> Conn<'a> {
    pub fn backend(self) -> Backend {
        match self.0 {
            Engine::Sqlite(_) => Backend::Sqlite,
            Engine::Pg(_) => Backend::Postgres,
        }
    }

    /// The SQLite connection under this handle; `None` on PostgreSQL. For what only SQLite has
    /// (`PRAGMA`s) and for calling code not yet ported onto the seam.
    pub fn sqlite(self) -> Option<&'a rusqlite::Connection> {
        match self.0 {
            Engine::Sqlite(c) => Some(c),
            Engine::Pg(_) => None,
        }
    }

    /// Runs a statement; returns how many rows it changed.
    pub fn execute(self, sql: &str, params: &Params<'_>) -> Result<usize> {
        match self.0 {
            Engine::Sqlite(c) => Ok(c.prepare_cached(sql)?.execute(lite_params(params))?),
            Engine::Pg(c) => Ok(usize::try_from(c.execute(sql, &pg_values(params))?).unwrap_or(usize::MAX)),
        }
    }

    /// Runs a write whose answer is only whether it worked. SQLite runs it now; PostgreSQL sends
    /// it with the next statement that needs an answer, or with the `COMMIT`, and its failure
    /// fails that one, so the transaction still writes nothing (see `pg.rs`, "Round trips").
    /// For what the hot paths write after deciding: activity lines, the cards' use, the spend.
    pub fn execute_later(self, sql: &str, params: &Params<'_>) -> Result<()> {
        match self.0 {
            Engine::Sqlite(c) => {
                c.prepare_cached(sql)?.execute(lite_params(params))?;
                Ok(())
            }
            Engine::Pg(c) => c.defer(sql, pg_values(params).into_iter().map(Value::into_owned).collect()),
        }
    }

    /// Asks for the answers of `reads` now, all in one round trip on PostgreSQL; each is then
    /// the answer of the same query with the same parameters run next in this transaction, once,
    /// unless a write comes first. SQLite has no round trips, and does nothing. Run it inside a
    /// transaction, after its lock, for reads the code is about to make anyway.
    pub fn read_ahead(self, reads: &[(&str, &Params<'_>)]) -> Result<()> {
        match self.0 {
            Engine::Sqlite(_) => Ok(()),
            Engine::Pg(c) => c.read_ahead(
                reads
                    .iter()
                    .map(|(sql, params)| (*sql, pg_values(params).into_iter().map(Value::into_owned).collect()))
                    .collect(),
            ),
        }
    }

    /// The first row of a query, read by `f`; an error when there is none.
    pub fn query_row<T>(self, sql: &str, params: &Params<'_>, f: impl FnOnce(&Row<'_>) -> Result<T>) -> Result<T> {
        self.query_opt(sql, params, f)?.ok_or_else(row::no_row)
    }

    /// The first row of a query, read by `f`, if there is one.
    pub fn query_opt<T>(
        self,
        sql: &str,
        params: &Params<'_>,
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        match self.0 {
            Engine::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let mut rows = st.query(lite_params(params))?;
                rows.next()?.map(|r| f(&Row(row::Inner::Sqlite(r)))).transpose()
            }
            Engine::Pg(c) => {
                // The first row, as SQLite gives it, even when the query has more.
                let row = c.query_first(sql, &pg_values(params))?;
                row.as_ref().map(|r| f(&Row(row::Inner::Pg(r)))).transpose()
            }
        }
    }

    /// Every row of a query, each read by `f`. The rows are read whole before `f` sees them on
    /// PostgreSQL: for a long result, page through it by keyset.
    pub fn query<T>(self, sql: &str, params: &Params<'_>, mut f: impl FnMut(&Row<'_>) -> Result<T>) -> Result<Vec<T>> {
        match self.0 {
            Engine::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let mut rows = st.query(lite_params(params))?;
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(f(&Row(row::Inner::Sqlite(r)))?);
                }
                Ok(out)
            }
            Engine::Pg(c) => {
                let rows = c.query(sql, &pg_values(params))?;
                rows.iter().map(|r| f(&Row(row::Inner::Pg(r)))).collect()
            }
        }
    }

    /// Reads every row of a query with `f`, one at a time, without holding them all: for scans
    /// of a whole table (`check`, exports). `f` must not run SQL itself: on PostgreSQL the rows
    /// are still arriving on the connection while it runs.
    pub fn for_each(self, sql: &str, params: &Params<'_>, mut f: impl FnMut(&Row<'_>) -> Result<()>) -> Result<()> {
        match self.0 {
            Engine::Sqlite(c) => {
                let mut st = c.prepare_cached(sql)?;
                let mut rows = st.query(lite_params(params))?;
                while let Some(r) = rows.next()? {
                    f(&Row(row::Inner::Sqlite(r)))?;
                }
                Ok(())
            }
            Engine::Pg(c) => c.for_each(sql, &pg_values(params), |r| f(&Row(row::Inner::Pg(&r)))),
        }
    }

    /// A statement to run many times with parameters bound one by one: the hot paths (billing,
    /// import). See [`Stmt`].
    pub fn prepare(self, sql: &str) -> Result<Stmt<'a>> {
        Stmt::new(self.0, sql, None)
    }

    /// An `INSERT` to run many times whose [`Stmt::insert`] returns the new row's `id_column`
    /// (`None` when `ON CONFLICT … DO NOTHING` skipped the row). On SQLite it reads the rowid
    /// the insert made, which costs nothing; on PostgreSQL it adds `RETURNING id_column`.
    pub fn prepare_insert(self, sql: &str, id_column: &str) -> Result<Stmt<'a>> {
        Stmt::new(self.0, sql, Some(id_column))
    }
}

fn lite_params<'v>(params: &'v Params<'_>) -> impl rusqlite::Params + 'v {
    rusqlite::params_from_iter(params.iter().map(|p| p.to_value()))
}

fn pg_values<'v>(params: &'v Params<'_>) -> Vec<Value<'v>> {
    params.iter().map(|p| p.to_value()).collect()
}
