//! Shared by the `eval_*` tests: edge values as SQL literals, conversions between rusqlite's
//! values and the engine's, and comparison with REALs bit for bit.

#![allow(dead_code)]

use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use rusqlite::types::ValueRef as SqlRef;
use touchstone_engine::format::value::Value;

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

/// Binary operators of SQL, every spelling.
pub const BINARY_OPS: &[&str] = &[
    "+",
    "-",
    "*",
    "/",
    "%",
    "||",
    "&",
    "|",
    "<<",
    ">>",
    "=",
    "==",
    "!=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "IS",
    "IS NOT",
    "IS DISTINCT FROM",
    "IS NOT DISTINCT FROM",
    "AND",
    "OR",
];

/// Type names for CAST and declared types, with SQLite's affinity rules exercised.
pub const TYPES: &[&str] = &[
    "INTEGER",
    "INT",
    "REAL",
    "TEXT",
    "BLOB",
    "NUMERIC",
    "VARCHAR(10)",
    "FLOAT",
    "DOUBLE PRECISION",
    "BOOLEAN",
    "DECIMAL(5,2)",
    "STRING",
    "CHARINT",
    "NONE",
    "DATETIME",
    "BIGINT",
    "CLOB",
];

/// The built-in collations (names are case-insensitive).
pub const COLLATIONS: &[&str] = &["NOCASE", "BINARY", "RTRIM", "nocase", "rtrim"];

/// Functions and the argument counts to call them with (mostly valid ones).
pub const FUNCTIONS: &[(&str, &[usize])] = &[
    ("abs", &[1]),
    ("coalesce", &[2, 3]),
    ("ifnull", &[2]),
    ("nullif", &[2]),
    ("iif", &[2, 3, 4, 5]),
    ("if", &[3]),
    ("length", &[1]),
    ("octet_length", &[1]),
    ("lower", &[1]),
    ("upper", &[1]),
    ("substr", &[2, 3]),
    ("substring", &[2, 3]),
    ("instr", &[2]),
    ("replace", &[3]),
    ("trim", &[1, 2]),
    ("ltrim", &[1, 2]),
    ("rtrim", &[1, 2]),
    ("hex", &[1]),
    ("unhex", &[1, 2]),
    ("quote", &[1]),
    ("typeof", &[1]),
    ("round", &[1, 2]),
    ("min", &[2, 3]),
    ("max", &[2, 3]),
    ("char", &[0, 1, 2, 3]),
    ("unicode", &[1]),
    ("likely", &[1]),
    ("unlikely", &[1]),
    ("zeroblob", &[1]),
    ("sign", &[1]),
    ("concat", &[1, 2, 3]),
    ("concat_ws", &[2, 3, 4]),
    ("like", &[2, 3]),
    ("glob", &[2]),
];

/// Pieces of LIKE / GLOB patterns: wildcards, classes, escapes, cased and non-ASCII letters.
pub const PATTERN_PIECES: &[&str] =
    &["a", "b", "A", "%", "_", "*", "?", "[a-c]", "[^b]", "[]]", "é", "É", "\\", "1", " ", "[", "-", "x", "ß"];

/// Pieces of texts that patterns may match.
pub const SUBJECT_PIECES: &[&str] = &["a", "b", "A", "B", "é", "É", "%", "_", "\\", "1", " ", "]", "-", "ab", "x"];

/// Integer literals worth testing (SQL text).
pub const INTEGERS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "7",
    "10",
    "63",
    "64",
    "100",
    "255",
    "1000",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "-9223372036854775809",
    "9007199254740993",
    "9007199254740992",
    "4503599627370496",
    "-4503599627370497",
    "2147483648",
    "0x7FFFFFFFFFFFFFFF",
    "0xFFFFFFFFFFFFFFFF",
    "0x8000000000000000",
    "0x10",
    "0x1a",
    "18446744073709551616",
    "-1",
    "-0",
];

/// Real literals worth testing (SQL text).
pub const REALS: &[&str] = &[
    "0.0",
    "-0.0",
    "1.0",
    "0.5",
    "1.5",
    "2.5",
    "-2.5",
    "0.1",
    "0.3",
    "3.14159",
    "1e308",
    "1.5e+308",
    "-1.7976931348623157e308",
    "1e-308",
    "2.2250738585072014e-308",
    "4.9e-324",
    "1e-320",
    "1e15",
    "1e16",
    "1e17",
    "1e20",
    "123456789.123456789",
    "9.223372036854775807e18",
    "9223372036854775808.0",
    "1e999",
    "-1e999",
    "1.005",
    "2.675",
    "0.49999999999999994",
    "4503599627370495.5",
    "1e-5",
    "100.0",
    ".5",
    "5.",
    "1E2",
];

/// Text literals worth testing (SQL text, quoted).
pub const TEXTS: &[&str] = &[
    "''",
    "' '",
    "' 12 '",
    "'12'",
    "'-12'",
    "'+5'",
    "'1e5'",
    "'1.5'",
    "'.5'",
    "'5.'",
    "'1e'",
    "'1e+'",
    "'0x1A'",
    "'-'",
    "'abc'",
    "'ABC'",
    "'a'",
    "'A'",
    "'b'",
    "'hello world'",
    "'12abc'",
    "' 1.5e3 '",
    "'1.5e3x'",
    "'é'",
    "'Éa'",
    "'ß'",
    "'日本語'",
    "'%'",
    "'_'",
    "'a%b'",
    "'a_c'",
    "'NaN'",
    "'inf'",
    "'9223372036854775807'",
    "'9223372036854775808'",
    "'-9223372036854775809'",
    "'1e999'",
    "'0'",
    "'-0'",
    "'0.0'",
    "'it''s'",
    "'abc  '",
    "'ABC '",
    "'\t7\n'",
    "'12.0'",
    "'48.00'",
    "'1e-400'",
    "'00012'",
    "'3.0e0'",
];

/// Blob literals worth testing (SQL text).
pub const BLOBS: &[&str] =
    &["x''", "x'00'", "x'00ff'", "x'31'", "x'3132'", "x'414243'", "x'c3a9'", "x'ff'", "x'2031322e3520'"];

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
