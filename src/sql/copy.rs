//! Whole tables streamed into PostgreSQL with binary `COPY … FROM STDIN`, many times faster than
//! one `INSERT` a row: how a SQLite ledger moves up (`migrate`). PostgreSQL only; the rows'
//! values are the seam's [`Value`]s, converted to each column's type as parameters are.

use postgres::types::Type;

use super::value::Value;
use super::{Conn, Engine};
use crate::error::{Error, Result};

/// The rows of one `COPY`, written one at a time by [`Conn::copy_in`]'s caller.
pub struct CopyIn<'w> {
    write: &'w mut dyn FnMut(&[Value<'_>]) -> Result<()>,
    columns: usize,
}

impl CopyIn<'_> {
    /// Writes one row: a value for each column, in the order they were named.
    pub fn row(&mut self, values: &[Value<'_>]) -> Result<()> {
        if values.len() != self.columns {
            return Err(Error::Invariant(format!("a row of {} values for {} columns", values.len(), self.columns)));
        }
        (self.write)(values)
    }
}

impl Conn<'_> {
    /// Streams rows into `table`'s `columns`, each named with its SQL type (`bigint`, `text`,
    /// `bytea`, as `information_schema.columns` says it), and returns how many were written.
    /// `rows` writes them; when it fails, the copy is abandoned and so is the transaction.
    pub fn copy_in(
        self,
        table: &str,
        columns: &[(String, String)],
        rows: impl FnOnce(&mut CopyIn<'_>) -> Result<()>,
    ) -> Result<u64> {
        let Engine::Pg(conn) = self.0 else {
            return Err(Error::Invariant("COPY is PostgreSQL's: SQLite is filled by prepared inserts".into()));
        };
        let types = columns.iter().map(|(name, ty)| column_type(table, name, ty)).collect::<Result<Vec<_>>>()?;
        let names: Vec<String> = columns.iter().map(|(name, _)| quoted(name)).collect();
        let sql = format!("COPY {} ({}) FROM STDIN (FORMAT binary)", quoted(table), names.join(", "));
        let columns = columns.len();
        conn.copy_in(&sql, &types, |write| rows(&mut CopyIn { write, columns }))
    }
}

/// The wire type of a column of the ledger's schema, which holds no others.
fn column_type(table: &str, column: &str, sql_type: &str) -> Result<Type> {
    match sql_type {
        "bigint" => Ok(Type::INT8),
        "integer" => Ok(Type::INT4),
        "text" => Ok(Type::TEXT),
        "bytea" => Ok(Type::BYTEA),
        other => Err(Error::Invariant(format!("{table}.{column} is of type {other}, which the ledger never uses"))),
    }
}

/// An identifier in double quotes (`"only"` is a reserved word), its own quotes doubled.
pub fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
