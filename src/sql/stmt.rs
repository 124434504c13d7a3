//! A statement prepared once and run many times with its parameters bound one by one, for the
//! hot paths (billing a fax, an import batch). On SQLite it is rusqlite's cached statement bound
//! with `raw_bind_parameter`, as fast as rusqlite alone; on PostgreSQL a prepared statement of
//! the connection whose parameters are kept until it runs.

use super::pg::PgConn;
use super::value::{ToValue, Value};
use super::Engine;
use crate::error::Result;

pub struct Stmt<'a>(Inner<'a>);

enum Inner<'a> {
    Sqlite { st: rusqlite::CachedStatement<'a>, conn: &'a rusqlite::Connection },
    Pg { conn: &'a PgConn, sql: String, params: Vec<Value<'static>>, inserts: bool },
}

impl<'a> Stmt<'a> {
    pub(super) fn new(engine: Engine<'a>, sql: &str, id_column: Option<&str>) -> Result<Stmt<'a>> {
        Ok(Stmt(match engine {
            Engine::Sqlite(conn) => Inner::Sqlite { st: conn.prepare_cached(sql)?, conn },
            Engine::Pg(conn) => {
                let sql = match id_column {
                    Some(col) => format!("{sql} RETURNING {col}"),
                    None => sql.to_string(),
                };
                let params = vec![Value::Null; conn.statement(&sql)?.params().len()];
                Inner::Pg { conn, sql, params, inserts: id_column.is_some() }
            }
        }))
    }

    /// Binds parameter `i` (from 1, as `?1`) for the next run.
    pub fn bind<V: ToValue + ?Sized>(&mut self, i: usize, v: &V) -> Result<()> {
        match &mut self.0 {
            Inner::Sqlite { st, .. } => Ok(st.raw_bind_parameter(i, v.to_value())?),
            Inner::Pg { params, .. } => {
                let count = params.len();
                let slot = params.get_mut(i.wrapping_sub(1)).ok_or_else(|| {
                    crate::error::Error::Invariant(format!("no parameter {i} in a statement of {count}"))
                })?;
                *slot = v.to_value().into_owned();
                Ok(())
            }
        }
    }

    /// Runs the statement with the parameters bound; returns how many rows it changed.
    pub fn execute(&mut self) -> Result<usize> {
        match &mut self.0 {
            Inner::Sqlite { st, .. } => Ok(st.raw_execute()?),
            Inner::Pg { conn, sql, params, inserts } => {
                let n = if *inserts { conn.query(sql, params)?.len() as u64 } else { conn.execute(sql, params)? };
                Ok(usize::try_from(n).unwrap_or(usize::MAX))
            }
        }
    }

    /// Runs the statement with the parameters bound, as [`super::Conn::execute_later`] does: now
    /// on SQLite, with the next statement that needs an answer on PostgreSQL.
    pub fn execute_later(&mut self) -> Result<()> {
        match &mut self.0 {
            Inner::Sqlite { st, .. } => st.raw_execute().map(drop).map_err(Into::into),
            Inner::Pg { conn, sql, params, .. } => conn.defer(sql, params.clone()),
        }
    }

    /// Runs an insert made by `Conn::prepare_insert`: the new row's id, or `None` when the row
    /// was skipped (`ON CONFLICT … DO NOTHING`).
    pub fn insert(&mut self) -> Result<Option<i64>> {
        match &mut self.0 {
            Inner::Sqlite { st, conn, .. } => Ok((st.raw_execute()? > 0).then(|| conn.last_insert_rowid())),
            Inner::Pg { conn, sql, params, .. } => {
                let row = conn.query_first(sql, params)?;
                row.map(|r| super::Row(super::row::Inner::Pg(&r)).get::<i64>(0)).transpose()
            }
        }
    }
}
