//! A result row of either engine, read by column index into plain Rust values. PostgreSQL is
//! strict about types where SQLite is not: `count(*)` is an `int8`, `sum(…)` a `numeric`,
//! `EXISTS (…)` and `x IS NULL` are booleans. The readers here take each of those as the integer
//! SQLite would have returned, so the code that reads a row is the same on both.

use postgres::types::{FromSql as PgFromSql, Type};
use rust_decimal::prelude::ToPrimitive;

use super::value::Value;
use crate::error::{Error, Result};

/// One row, borrowed while the closure that reads it runs.
pub struct Row<'r>(pub(super) Inner<'r>);

pub(super) enum Inner<'r> {
    Sqlite(&'r rusqlite::Row<'r>),
    Pg(&'r postgres::Row),
}

impl Row<'_> {
    /// The value of column `i` (from 0) as a `T`: `i64`, `bool`, `String`, `Vec<u8>` or an
    /// `Option` of one of them for a column that may be NULL.
    pub fn get<T: FromColumn>(&self, i: usize) -> Result<T> {
        match &self.0 {
            Inner::Sqlite(r) => T::from_sqlite(r, i),
            Inner::Pg(r) => T::from_pg(r, i),
        }
    }

    /// The value of column `i` whatever its type (null, integer, text or bytes), borrowed from
    /// the row: for code that moves rows without knowing their columns (`migrate`). A SQLite
    /// real number is an error: the ledger keeps money as exact integers.
    pub fn value(&self, i: usize) -> Result<Value<'_>> {
        use rusqlite::types::ValueRef;
        match &self.0 {
            Inner::Sqlite(r) => Ok(match r.get_ref(i)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(v) => Value::Int(v),
                ValueRef::Real(v) => {
                    return Err(Error::Invariant(format!("column {i} holds the real number {v}, not an exact integer")))
                }
                ValueRef::Text(t) => {
                    Value::Text(std::str::from_utf8(t).map_err(|e| Error::Invariant(e.to_string()))?.into())
                }
                ValueRef::Blob(b) => Value::Blob(b.into()),
            }),
            Inner::Pg(r) => pg::<Option<PgAny<'_>>>(r, i).map(|v| v.map_or(Value::Null, |v| v.0)),
        }
    }

    /// The bytes of text column `i` (from 0), borrowed from the row, `None` for NULL: for the
    /// exports, which copy each cell once and allocate nothing per row.
    pub fn text_bytes(&self, i: usize) -> Result<Option<&[u8]>> {
        match &self.0 {
            Inner::Sqlite(r) => match r.get_ref(i)? {
                rusqlite::types::ValueRef::Text(t) => Ok(Some(t)),
                rusqlite::types::ValueRef::Null => Ok(None),
                _ => Err(Error::Invariant(format!("column {i} is not text"))),
            },
            Inner::Pg(r) => Ok(pg::<Option<&str>>(r, i)?.map(str::as_bytes)),
        }
    }
}

/// Any column of the ledger's types, as the [`Value`] SQLite would have given.
struct PgAny<'a>(Value<'a>);

impl<'a> PgFromSql<'a> for PgAny<'a> {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(PgAny(match *ty {
            Type::BYTEA => Value::Blob(<&[u8]>::from_sql(ty, raw)?.into()),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => Value::Text(<&str>::from_sql(ty, raw)?.into()),
            _ => Value::Int(PgInt::from_sql(ty, raw)?.0),
        }))
    }

    fn accepts(ty: &Type) -> bool {
        PgInt::accepts(ty) || matches!(*ty, Type::BYTEA | Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME)
    }
}

/// A Rust type a column reads into, on each engine.
pub trait FromColumn: Sized {
    fn from_sqlite(row: &rusqlite::Row<'_>, i: usize) -> Result<Self>;
    fn from_pg(row: &postgres::Row, i: usize) -> Result<Self>;
}

/// An integer column of any width, a whole `numeric` (a sum) or a boolean, as `i64`.
struct PgInt(i64);

impl<'a> PgFromSql<'a> for PgInt {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(PgInt(match *ty {
            Type::INT8 => i64::from_sql(ty, raw)?,
            Type::INT4 => i64::from(i32::from_sql(ty, raw)?),
            Type::INT2 => i64::from(i16::from_sql(ty, raw)?),
            Type::BOOL => i64::from(bool::from_sql(ty, raw)?),
            _ => {
                let d = rust_decimal::Decimal::from_sql(ty, raw)?;
                d.fract().is_zero().then(|| d.to_i64()).flatten().ok_or_else(|| format!("{d} is not a whole i64"))?
            }
        }))
    }

    fn accepts(ty: &Type) -> bool {
        matches!(*ty, Type::INT8 | Type::INT4 | Type::INT2 | Type::BOOL | Type::NUMERIC)
    }
}

fn pg<'a, T: PgFromSql<'a>>(row: &'a postgres::Row, i: usize) -> Result<T> {
    row.try_get(i).map_err(crate::sql::pg_error)
}

fn lite<T: rusqlite::types::FromSql>(row: &rusqlite::Row<'_>, i: usize) -> Result<T> {
    Ok(row.get(i)?)
}

impl FromColumn for i64 {
    fn from_sqlite(row: &rusqlite::Row<'_>, i: usize) -> Result<Self> {
        lite(row, i)
    }
    fn from_pg(row: &postgres::Row, i: usize) -> Result<Self> {
        pg::<PgInt>(row, i).map(|v| v.0)
    }
}

impl FromColumn for Option<i64> {
    fn from_sqlite(row: &rusqlite::Row<'_>, i: usize) -> Result<Self> {
        lite(row, i)
    }
    fn from_pg(row: &postgres::Row, i: usize) -> Result<Self> {
        pg::<Option<PgInt>>(row, i).map(|v| v.map(|v| v.0))
    }
}

impl FromColumn for bool {
    fn from_sqlite(row: &rusqlite::Row<'_>, i: usize) -> Result<Self> {
        lite(row, i)
    }
    fn from_pg(row: &postgres::Row, i: usize) -> Result<Self> {
        pg::<PgInt>(row, i).map(|v| v.0 != 0)
    }
}

impl FromColumn for Option<bool> {
    fn from_sqlite(row: &rusqlite::Row<'_>, i: usize) -> Result<Self> {
        lite(row, i)
    }
    fn from_pg(row: &postgres::Row, i: usize) -> Result<Self> {
        pg::<Option<PgInt>>(row, i).map(|v| v.map(|v| v.0 != 0))
    }
}

impl FromColumn for String {
    fn from_sqlite(row: &rusqlite::Row<'_>, i: usize) -> Result<Self> {
        lite(row, i)
    }
    fn from_pg(row: &postgres::Row, i: usize) -> Result<Self> {
        pg(row, i)
    }
}

impl FromColumn for Option<String> {
    fn from_sqlite(row: &rusqlite::Row<'_>, i: usize) -> Result<Self> {
        lite(row, i)
    }
    fn from_pg(row: &postgres::Row, i: usize) -> Result<Self> {
        pg(row, i)
    }
}

impl FromColumn for Vec<u8> {
    fn from_sqlite(row: &rusqlite::Row<'_>, i: usize) -> Result<Self> {
        lite(row, i)
    }
    fn from_pg(row: &postgres::Row, i: usize) -> Result<Self> {
        pg(row, i)
    }
}

impl FromColumn for Option<Vec<u8>> {
    fn from_sqlite(row: &rusqlite::Row<'_>, i: usize) -> Result<Self> {
        lite(row, i)
    }
    fn from_pg(row: &postgres::Row, i: usize) -> Result<Self> {
        pg(row, i)
    }
}

/// The error of a row read that found no row where one was required.
pub(super) fn no_row() -> Error {
    Error::Invariant("the query returned no row".into())
}
