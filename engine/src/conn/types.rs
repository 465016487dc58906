//! Conversions between Rust values and SQL values at the API boundary, in rusqlite's shape:
//! [`ToSql`] for bound parameters, [`FromSql`] for `Row::get`, and the [`params!`] macro.
//!
//! `FromSql` is as strict as rusqlite's: an `i64` comes only from an INTEGER, an `f64` from
//! an INTEGER or a REAL, a `String` only from TEXT, a `Vec<u8>` only from a BLOB, and NULL
//! only into an `Option` or a `Value`. Anything else is an error naming the column's type.

use crate::error::{Error, ErrorCode, Result};
use crate::format::value::{Value, ValueRef};

/// A Rust value that can be bound to a statement parameter.
pub trait ToSql {
    /// The SQL value to bind.
    fn to_sql(&self) -> Value;
}

/// A Rust type a column value can be read as.
pub trait FromSql: Sized {
    /// Converts `value`; a value of a type this Rust type does not accept is an error.
    fn from_sql(value: ValueRef<'_>) -> Result<Self>;
}

/// The error for a column value of the wrong type (rusqlite's InvalidColumnType).
pub fn invalid_type(value: ValueRef<'_>, wanted: &str) -> Error {
    Error::new(ErrorCode::Mismatch, format!("invalid column type {} for {wanted}", value.type_name()))
}

impl ToSql for Value {
    fn to_sql(&self) -> Value {
        self.clone()
    }
}

impl<T: ToSql + ?Sized> ToSql for &T {
    fn to_sql(&self) -> Value {
        (**self).to_sql()
    }
}

impl<T: ToSql> ToSql for Option<T> {
    fn to_sql(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToSql::to_sql)
    }
}

macro_rules! integer_to_sql {
    ($($t:ty),*) => {$(
        impl ToSql for $t {
            fn to_sql(&self) -> Value {
                Value::Integer(i64::from(*self))
            }
        }
    )*};
}
integer_to_sql!(i8, i16, i32, i64, u8, u16, u32, bool);

impl ToSql for f64 {
    fn to_sql(&self) -> Value {
        // SQLite binds NaN as NULL (sqlite3_bind_double → sqlite3VdbeMemSetDouble).
        if self.is_nan() { Value::Null } else { Value::Real(*self) }
    }
}

impl ToSql for f32 {
    fn to_sql(&self) -> Value {
        f64::from(*self).to_sql()
    }
}

impl ToSql for str {
    fn to_sql(&self) -> Value {
        Value::text(self)
    }
}

impl ToSql for String {
    fn to_sql(&self) -> Value {
        Value::text(self)
    }
}

impl ToSql for [u8] {
    fn to_sql(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}

impl ToSql for Vec<u8> {
    fn to_sql(&self) -> Value {
        Value::Blob(self.clone())
    }
}

impl FromSql for Value {
    fn from_sql(value: ValueRef<'_>) -> Result<Value> {
        Ok(value.to_owned())
    }
}

impl<T: FromSql> FromSql for Option<T> {
    fn from_sql(value: ValueRef<'_>) -> Result<Option<T>> {
        match value {
            ValueRef::Null => Ok(None),
            v => T::from_sql(v).map(Some),
        }
    }
}

impl FromSql for i64 {
    fn from_sql(value: ValueRef<'_>) -> Result<i64> {
        match value {
            ValueRef::Integer(i) => Ok(i),
            v => Err(invalid_type(v, "i64")),
        }
    }
}

macro_rules! narrow_integer_from_sql {
    ($($t:ty),*) => {$(
        impl FromSql for $t {
            fn from_sql(value: ValueRef<'_>) -> Result<$t> {
                let i = i64::from_sql(value)?;
                <$t>::try_from(i).map_err(|_| {
                    Error::new(ErrorCode::Range, format!("integer {i} out of range for {}", stringify!($t)))
                })
            }
        }
    )*};
}
narrow_integer_from_sql!(i8, i16, i32, u8, u16, u32, u64, usize);

impl FromSql for bool {
    fn from_sql(value: ValueRef<'_>) -> Result<bool> {
        Ok(i64::from_sql(value)? != 0)
    }
}

impl FromSql for f64 {
    fn from_sql(value: ValueRef<'_>) -> Result<f64> {
        match value {
            ValueRef::Integer(i) => Ok(i as f64),
            ValueRef::Real(r) => Ok(r),
            v => Err(invalid_type(v, "f64")),
        }
    }
}

impl FromSql for String {
    fn from_sql(value: ValueRef<'_>) -> Result<String> {
        match value {
            ValueRef::Text(t) => String::from_utf8(t.to_vec())
                .map_err(|_| Error::new(ErrorCode::Mismatch, "column text is not valid UTF-8")),
            v => Err(invalid_type(v, "String")),
        }
    }
}

impl FromSql for Vec<u8> {
    fn from_sql(value: ValueRef<'_>) -> Result<Vec<u8>> {
        match value {
            ValueRef::Blob(b) => Ok(b.to_vec()),
            v => Err(invalid_type(v, "Vec<u8>")),
        }
    }
}

/// Builds a parameter list for `execute` / `query`, as rusqlite's `params!` does:
/// `params![1, "x", None::<i64>]` is a `&[&dyn ToSql]`.
#[macro_export]
macro_rules! params {
    () => {
        &[] as &[&dyn $crate::conn::ToSql]
    };
    ($($param:expr),+ $(,)?) => {
        &[$(&$param as &dyn $crate::conn::ToSql),+] as &[&dyn $crate::conn::ToSql]
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_and_reading_follow_rusqlite() {
        let params: &[&dyn ToSql] = crate::params![1i64, "two", 3.5, None::<i64>, vec![0u8, 1], true];
        let values: Vec<Value> = params.iter().map(|p| p.to_sql()).collect();
        assert_eq!(
            values,
            vec![
                Value::Integer(1),
                Value::text("two"),
                Value::Real(3.5),
                Value::Null,
                Value::Blob(vec![0, 1]),
                Value::Integer(1)
            ]
        );
        assert_eq!(f64::NAN.to_sql(), Value::Null);
        assert_eq!(i64::from_sql(ValueRef::Integer(7)).unwrap(), 7);
        assert_eq!(i64::from_sql(ValueRef::Real(7.0)).unwrap_err().code(), ErrorCode::Mismatch);
        assert_eq!(f64::from_sql(ValueRef::Integer(7)).unwrap(), 7.0);
        assert_eq!(Option::<String>::from_sql(ValueRef::Null).unwrap(), None);
        assert!(String::from_sql(ValueRef::Blob(b"x")).is_err());
        assert_eq!(u8::from_sql(ValueRef::Integer(300)).unwrap_err().code(), ErrorCode::Range);
    }
}
