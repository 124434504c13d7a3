//! Statement parameters: one [`Value`] (null, integer, text, bytes) that binds on SQLite as
//! rusqlite binds the same Rust value, and on PostgreSQL to whatever integer, boolean or text
//! type the server inferred for the placeholder, converting (an integer too large for an `int4`
//! parameter is an error, never a wrapped number).

use std::borrow::Cow;
use std::error::Error as StdError;

use postgres::types::{to_sql_checked, IsNull, ToSql as PgToSql, Type};
use rusqlite::types::{ToSql as LiteToSql, ToSqlOutput, ValueRef};

/// One parameter, borrowed from the caller where it can be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Text(Cow<'a, str>),
    Blob(Cow<'a, [u8]>),
}

impl Value<'_> {
    /// The same value owning its text and bytes (a PostgreSQL statement keeps its parameters
    /// until it runs).
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Null => Value::Null,
            Value::Int(i) => Value::Int(i),
            Value::Text(t) => Value::Text(Cow::Owned(t.into_owned())),
            Value::Blob(b) => Value::Blob(Cow::Owned(b.into_owned())),
        }
    }
}

/// What a statement's parameters are: `&[&id, &name, &fmt_ts(&now)]`, as with the postgres
/// crate (`&[]` for none).
pub trait ToValue {
    fn to_value(&self) -> Value<'_>;
}

/// The parameters of one statement.
pub type Params<'p> = [&'p dyn ToValue];

impl ToValue for Value<'_> {
    fn to_value(&self) -> Value<'_> {
        match self {
            Value::Null => Value::Null,
            Value::Int(i) => Value::Int(*i),
            Value::Text(t) => Value::Text(Cow::Borrowed(t)),
            Value::Blob(b) => Value::Blob(Cow::Borrowed(b)),
        }
    }
}

macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value<'_> {
                Value::Int(i64::from(*self))
            }
        }
    )*};
}
int_value!(i64, i32, u32, i16, u16, u8, bool);

impl ToValue for str {
    fn to_value(&self) -> Value<'_> {
        Value::Text(Cow::Borrowed(self))
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value<'_> {
        Value::Text(Cow::Borrowed(self))
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Value<'_> {
        Value::Blob(Cow::Borrowed(self))
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value<'_> {
        Value::Blob(Cow::Borrowed(self))
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value<'_> {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value<'_> {
        (**self).to_value()
    }
}

impl LiteToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Text(t) => ValueRef::Text(t.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

type BoxError = Box<dyn StdError + Sync + Send>;

fn out_of_range(v: i64, ty: &Type) -> BoxError {
    format!("{v} does not fit the {ty} parameter").into()
}

impl PgToSql for Value<'_> {
    fn to_sql(&self, ty: &Type, out: &mut postgres::types::private::BytesMut) -> Result<IsNull, BoxError> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => int_to_sql(*v, ty, out),
            Value::Text(t) => match *ty {
                // SQLite's affinity would have stored digits as a number: the same here.
                Type::INT2 | Type::INT4 | Type::INT8 | Type::NUMERIC | Type::BOOL => {
                    let v: i64 =
                        t.trim().parse().map_err(|_| format!("{t:?} is not a number for the {ty} parameter"))?;
                    int_to_sql(v, ty, out)
                }
                _ => PgToSql::to_sql(&t.as_ref(), &Type::TEXT, out),
            },
            Value::Blob(b) => PgToSql::to_sql(&b.as_ref(), ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        matches!(
            *ty,
            Type::INT2
                | Type::INT4
                | Type::INT8
                | Type::BOOL
                | Type::NUMERIC
                | Type::TEXT
                | Type::VARCHAR
                | Type::BPCHAR
                | Type::NAME
                | Type::UNKNOWN
                | Type::BYTEA
        )
    }

    to_sql_checked!();
}

fn int_to_sql(v: i64, ty: &Type, out: &mut postgres::types::private::BytesMut) -> Result<IsNull, BoxError> {
    match *ty {
        Type::INT8 => PgToSql::to_sql(&v, ty, out),
        Type::INT4 => PgToSql::to_sql(&i32::try_from(v).map_err(|_| out_of_range(v, ty))?, ty, out),
        Type::INT2 => PgToSql::to_sql(&i16::try_from(v).map_err(|_| out_of_range(v, ty))?, ty, out),
        Type::BOOL if v == 0 || v == 1 => PgToSql::to_sql(&(v == 1), ty, out),
        Type::BOOL => Err(out_of_range(v, ty)),
        Type::NUMERIC => PgToSql::to_sql(&rust_decimal::Decimal::from(v), ty, out),
        Type::BYTEA => Err(format!("an integer ({v}) given for a bytea parameter").into()),
        _ => PgToSql::to_sql(&v.to_string().as_str(), &Type::TEXT, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg_bytes(v: &Value<'_>, ty: &Type) -> Result<Vec<u8>, String> {
        let mut out = postgres::types::private::BytesMut::new();
        v.to_sql_checked(ty, &mut out).map(|_| out.to_vec()).map_err(|e| e.to_string())
    }

    #[test]
    fn an_integer_binds_to_the_integer_type_the_server_chose_or_says_it_does_not_fit() {
        assert_eq!(pg_bytes(&Value::Int(7), &Type::INT8).unwrap(), 7i64.to_be_bytes());
        assert_eq!(pg_bytes(&Value::Int(7), &Type::INT4).unwrap(), 7i32.to_be_bytes());
        assert_eq!(pg_bytes(&Value::Int(7), &Type::INT2).unwrap(), 7i16.to_be_bytes());
        assert_eq!(pg_bytes(&Value::Int(1), &Type::BOOL).unwrap(), [1]);
        assert!(pg_bytes(&Value::Int(1 << 40), &Type::INT4).unwrap_err().contains("does not fit"));
        assert!(pg_bytes(&Value::Int(40_000), &Type::INT2).is_err());
        assert!(pg_bytes(&Value::Int(2), &Type::BOOL).is_err());
        assert_eq!(pg_bytes(&Value::Int(42), &Type::TEXT).unwrap(), b"42");
        assert_eq!(pg_bytes(&"12".to_value(), &Type::INT8).unwrap(), 12i64.to_be_bytes());
        assert!(pg_bytes(&"twelve".to_value(), &Type::INT8).is_err());
        assert!(pg_bytes(&Value::Int(1), &Type::FLOAT8).is_err(), "floats are never money");
    }

    #[test]
    fn rust_values_become_the_value_of_their_kind() {
        assert_eq!(true.to_value(), Value::Int(1));
        assert_eq!(Some("x").to_value(), Value::Text("x".into()));
        assert_eq!(None::<i64>.to_value(), Value::Null);
        assert_eq!(String::from("y").to_value().into_owned(), Value::Text("y".into()));
    }
}
