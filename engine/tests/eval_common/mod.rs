//! Shared by the `eval_*` tests: edge values as SQL literals, conversions between rusqlite's
//! values and the engine's, and comparison with REALs bit for bit.

#![allow(dead_code)]

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rusqlite::types::ValueRef as SqlRef;
use touchstone_engine::format::value::Value;

// The vocabulary of values, operators, functions and collations, shared with the differential
// case generator (touchstone_oracle::differential).
pub use touchstone_oracle::differential::vocab::*;

/// The outcome of one evaluation: a value, or an error message.
pub type Outcome = Result<Value, String>;

/// A rusqlite value as an engine value.
pub fn from_sqlite(v: SqlRef<'_>) -> Value {
    match v {
        SqlRef::Null => Value::Null,
        SqlRef::Integer(i) => Value::Integer(i),
        SqlRef::Real(r) => Value::Real(r),
        SqlRef::Text(t) => Value::Text(t.to_vec()),
        SqlRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// An engine value as a rusqlite value (for binding).
pub fn to_sqlite(v: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match v {
        Value::Null => V::Null,
        Value::Integer(i) => V::Integer(*i),
        Value::Real(r) => V::Real(*r),
        // rusqlite's Text is a String; bind invalid UTF-8 as a blob cast back in SQL instead.
        Value::Text(t) => V::Text(String::from_utf8_lossy(t).into_owned()),
        Value::Blob(b) => V::Blob(b.clone()),
    }
}

/// SQLite's error message of a rusqlite error.
pub fn message(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
        other => other.to_string(),
    }
}

/// Equality with REALs compared bit for bit.
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Real(x), Value::Real(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}

pub fn same_outcome(a: &Outcome, b: &Outcome) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => same_value(x, y),
        (Err(x), Err(y)) => x == y,
        _ => false,
    }
}

/// A readable rendering of a value (REALs with their bits).
pub fn show(v: &Outcome) -> String {
    match v {
        Ok(Value::Real(r)) => format!("Real({r:?} = {:#018x})", r.to_bits()),
        Ok(Value::Text(t)) => format!("Text({:?})", String::from_utf8_lossy(t)),
        Ok(other) => format!("{other:?}"),
        Err(e) => format!("Err({e:?})"),
    }
}

/// Runs `SELECT sql` on SQLite: the first column's value, or the error (preparation or step).
pub fn sqlite_select(conn: &rusqlite::Connection, select: &str) -> Outcome {
    let mut stmt = conn.prepare(select).map_err(|e| message(&e))?;
    let mut rows = stmt.query([]).map_err(|e| message(&e))?;
    match rows.next() {
        Ok(Some(row)) => Ok(from_sqlite(row.get_ref(0).map_err(|e| message(&e))?)),
        Ok(None) => Err("no row".to_string()),
        Err(e) => Err(message(&e)),
    }
}

/// A random REAL with a random bit pattern (finite), as 17-digit SQL text, or a "nice" one.
pub fn random_real(rng: &mut ChaCha8Rng) -> f64 {
    match rng.random_range(0..4u8) {
        0 => {
            let bits: u64 = rng.random();
            let r = f64::from_bits(bits);
            if r.is_finite() { r } else { 1.0 }
        }
        1 => rng.random_range(-1000.0..1000.0),
        2 => (rng.random_range(-100000..100000i64) as f64) / 100.0,
        _ => rng.random_range(-1e20..1e20),
    }
}

/// SQL text for a REAL that reads back to exactly `r` (SQLite's 17 significant digits).
pub fn real_sql(r: f64) -> String {
    if r.is_infinite() {
        return if r > 0.0 { "1e999".to_string() } else { "-1e999".to_string() };
    }
    let s = format!("{r:.16e}");
    if r.is_sign_negative() { format!("({s})") } else { s }
}

/// A random edge literal of any type, as SQL text.
pub fn literal(rng: &mut ChaCha8Rng) -> String {
    match rng.random_range(0..20u8) {
        0 => "NULL".to_string(),
        1..=4 => INTEGERS[rng.random_range(0..INTEGERS.len())].to_string(),
        5 => rng.random_range(-1000..1000i64).to_string(),
        6 => {
            let i: i64 = rng.random();
            if i < 0 { format!("({i})") } else { i.to_string() }
        }
        7..=9 => REALS[rng.random_range(0..REALS.len())].to_string(),
        10 => real_sql(random_real(rng)),
        11..=15 => TEXTS[rng.random_range(0..TEXTS.len())].to_string(),
        16..=17 => BLOBS[rng.random_range(0..BLOBS.len())].to_string(),
        18 => ["TRUE", "FALSE"][rng.random_range(0..2)].to_string(),
        _ => format!("'{}'", rng.random_range(-50..50i64)),
    }
}
