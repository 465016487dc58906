//! Running one sqllogictest record against the engine and judging it, with the rules of
//! SQLite's own C harness (sqllogictest.c and its SQLite driver, slt_sqlite.c):
//!
//! - `statement`: the whole SQL text runs as `sqlite3_exec` runs it (every statement in
//!   turn, stopping at the first error); `statement ok` passes when nothing fails,
//!   `statement error` when something does.
//! - `query TYPES [SORT] [LABEL]`: only the first statement of the text is prepared, as
//!   `sqlite3_prepare_v2` does; its column count must equal the number of type characters.
//!   Each value is rendered by the type character of its column: NULL is `NULL` whatever the
//!   type; `I` is `sqlite3_column_int` printed with `%d` (the 64-bit value cut to 32 bits, as
//!   the C harness does); `R` is `sqlite3_column_double` printed with `%.3f`; `T` is
//!   `sqlite3_column_text` with the empty string shown as `(empty)` and every byte outside
//!   ' '..'~' shown as `@`. `rowsort` sorts rows and `valuesort` sorts values, both by byte
//!   comparison (strcmp). More values than the hash threshold (8 unless the file says) are
//!   compared as `N values hashing to MD5`, the MD5 of every value followed by a newline.
//! - Results are compared one value per line (the classic format), or one row per line with
//!   values separated by a space after `control resultmode rowwise`.
//!
//! Stricter than the C harness: it compares only as many lines as both sides have, so a result
//! with missing or extra values can pass there; here the whole lists must be equal.

use md5::{Digest, Md5};
use sqllogictest::{ExpectedError, SortMode, StatementExpect};
use touchstone_engine::conn::{Connection, params_from_iter};
use touchstone_engine::eval::convert::{int_value, real_value, text_bytes};
use touchstone_engine::eval::printf::format_real;
use touchstone_engine::format::value::{Value, ValueRef};
use touchstone_engine::sql::parse_statements;

use touchstone_simulator::panics;

/// A column type character of a `query` record, kept as written (the C harness rejects any
/// but `T`, `I` and `R` when the record runs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SltType(pub char);

impl sqllogictest::ColumnType for SltType {
    fn from_char(value: char) -> Option<Self> {
        Some(SltType(value))
    }

    fn to_char(&self) -> char {
        self.0
    }
}

/// Why a record failed.
#[derive(Clone, Debug)]
pub enum FailureKind {
    /// The engine returned an error where success was expected.
    Error(String),
    /// The engine panicked.
    Panic(String),
    /// An error was expected and the engine succeeded.
    NoError,
    /// An error was expected with a message matching a pattern, and the message differed.
    WrongError { expected: String, actual: String },
    /// The statement changed a different number of rows than `statement count N` says.
    WrongCount { expected: u64, actual: u64 },
    /// The query has another number of columns than its type string.
    ColumnCount { expected: usize, actual: usize },
    /// A type character other than T, I, R.
    UnknownType(char),
    /// The results differ. `values` are the query's values after sorting (before hashing).
    Mismatch { expected: Vec<String>, actual: Vec<String>, values: Vec<String> },
    /// A record kind this runner does not execute (include, system, let, connection).
    Unsupported(String),
}

/// The first `n` characters of `s`.
fn prefix(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// The number of values an expected or actual result list stands for: a hash line says it,
/// otherwise one line per value.
fn value_count(lines: &[String]) -> Option<usize> {
    if let [line] = lines
        && let Some((n, _)) = line.split_once(" values hashing to ")
    {
        return n.parse().ok();
    }
    None
}

impl FailureKind {
    /// The group this failure counts in for `--errors-summary`: error messages by their first
    /// 60 characters, result mismatches by whether the number of values differs.
    pub fn group(&self) -> String {
        match self {
            FailureKind::Error(m) => format!("error: {}", prefix(m, 60)),
            FailureKind::Panic(m) => format!("PANIC: {}", prefix(m, 60)),
            FailureKind::NoError => "no error where one was expected".to_string(),
            FailureKind::WrongError { actual, .. } => format!("wrong error message: {}", prefix(actual, 60)),
            FailureKind::WrongCount { .. } => "wrong number of changed rows".to_string(),
            FailureKind::ColumnCount { .. } => "wrong number of result columns".to_string(),
            FailureKind::UnknownType(_) => "unknown type character".to_string(),
            FailureKind::Unsupported(what) => format!("unsupported record: {what}"),
            FailureKind::Mismatch { expected, values, .. } => {
                let want = value_count(expected).unwrap_or(expected.len());
                let got = values.len();
                match got.cmp(&want) {
                    std::cmp::Ordering::Less => "wrong result: fewer values than expected".to_string(),
                    std::cmp::Ordering::Greater => "wrong result: more values than expected".to_string(),
                    std::cmp::Ordering::Equal => "wrong result: as many values, different ones".to_string(),
                }
            }
        }
    }

    /// A description for `--show-failures`: the message, or expected and actual results.
    pub fn describe(&self) -> String {
        const MAX_LINES: usize = 20;
        let list = |lines: &[String]| -> String {
            let mut out = String::new();
            for line in lines.iter().take(MAX_LINES) {
                out.push_str("      ");
                out.push_str(line);
                out.push('\n');
            }
            if lines.len() > MAX_LINES {
                out.push_str(&format!("      ... ({} more)\n", lines.len() - MAX_LINES));
            }
            out
        };
        match self {
            FailureKind::Error(m) => format!("    error: {m}\n"),
            FailureKind::Panic(m) => format!("    PANIC: {m}\n"),
            FailureKind::NoError => "    expected an error, the engine succeeded\n".to_string(),
            FailureKind::WrongError { expected, actual } => {
                format!("    expected an error matching {expected:?}\n    actual error: {actual}\n")
            }
            FailureKind::WrongCount { expected, actual } => {
                format!("    expected {expected} changed rows, the engine changed {actual}\n")
            }
            FailureKind::ColumnCount { expected, actual } => {
                format!("    wrong number of result columns: expected {expected}, got {actual}\n")
            }
            FailureKind::UnknownType(c) => format!("    unknown character in type string: {c:?}\n"),
            FailureKind::Unsupported(what) => format!("    record not supported by this runner: {what}\n"),
            FailureKind::Mismatch { expected, actual, values } => {
                let mut out = format!("    expected ({} lines):\n{}", expected.len(), list(expected));
                out.push_str(&format!("    actual ({} lines):\n{}", actual.len(), list(actual)));
                if actual.len() == 1 && values.len() > 1 {
                    out.push_str(&format!("    actual values ({}):\n{}", values.len(), list(values)));
                }
                out
            }
        }
    }
}

/// The message of an engine error (without the result code the `Display` form adds).
fn message(e: &touchstone_engine::Error) -> String {
    e.message().to_string()
}

/// Runs a `statement` record's SQL and judges it against `expected`.
pub fn run_statement(conn: &Connection, sql: &str, expected: &StatementExpect) -> Result<(), FailureKind> {
    let outcome = panics::catch(|| conn.execute_batch(sql).map(|()| conn.changes()));
    match (outcome, expected) {
        (Err(panic), _) => Err(FailureKind::Panic(panic)),
        (Ok(Ok(_)), StatementExpect::Ok) => Ok(()),
        (Ok(Ok(changes)), StatementExpect::Count(want)) if changes == *want => Ok(()),
        (Ok(Ok(changes)), StatementExpect::Count(want)) => {
            Err(FailureKind::WrongCount { expected: *want, actual: changes })
        }
        (Ok(Ok(_)), StatementExpect::Error(_)) => Err(FailureKind::NoError),
        (Ok(Err(e)), StatementExpect::Error(want)) => check_error(want, &message(&e)),
        (Ok(Err(e)), _) => Err(FailureKind::Error(message(&e))),
    }
}

/// Judges an error against the error a record expects (any error when it names none).
pub fn check_error(want: &ExpectedError, actual: &str) -> Result<(), FailureKind> {
    if want.is_match(actual, None) {
        Ok(())
    } else {
        Err(FailureKind::WrongError { expected: want.to_string(), actual: actual.to_string() })
    }
}

/// One value rendered by its column's type character (slt_sqlite.c's sqliteQuery).
pub fn render_value(v: ValueRef<'_>, ty: char) -> String {
    if matches!(v, ValueRef::Null) {
        return "NULL".to_string();
    }
    match ty {
        // sqlite3_column_int: the 64-bit integer value, cut to the C int the harness prints.
        'I' => (int_value(v) as i32).to_string(),
        'R' => format_real("%.3f", real_value(v)),
        _ => {
            let bytes = text_bytes(v).unwrap_or_default();
            if bytes.is_empty() {
                return "(empty)".to_string();
            }
            bytes.iter().map(|&b| if (b' '..=b'~').contains(&b) { b as char } else { '@' }).collect()
        }
    }
}

/// Runs the first statement of a `query` record's SQL and renders its values row by row.
pub fn run_query(conn: &Connection, sql: &str, types: &[SltType]) -> Result<Vec<String>, FailureKind> {
    let parsed = match parse_statements(sql).next() {
        None => return Err(FailureKind::Error("no SQL statement in the query".to_string())),
        Some(Err(e)) => return Err(FailureKind::Error(message(&e))),
        Some(Ok(parsed)) => parsed,
    };
    let text = sql.get(parsed.span.start..parsed.span.end).unwrap_or(sql).to_string();
    let mut stmt = conn.prepare_parsed(parsed, text).map_err(|e| FailureKind::Error(message(&e)))?;
    if stmt.column_count() != types.len() {
        return Err(FailureKind::ColumnCount { expected: types.len(), actual: stmt.column_count() });
    }
    if let Some(bad) = types.iter().find(|t| !matches!(t.0, 'T' | 'I' | 'R')) {
        return Err(FailureKind::UnknownType(bad.0));
    }
    // Parameters, which the corpus does not use, are bound to NULL.
    let nulls = std::iter::repeat_n(Value::Null, stmt.parameter_count());
    let mut rows = stmt.query(params_from_iter(nulls)).map_err(|e| FailureKind::Error(message(&e)))?;
    let mut values = Vec::new();
    while let Some(row) = rows.next().map_err(|e| FailureKind::Error(message(&e)))? {
        for (v, ty) in row.values().iter().zip(types) {
            values.push(render_value(v.as_ref(), ty.0));
        }
    }
    Ok(values)
}

/// Sorts `values` (rows of `ncol` values) as the record's sort mode says.
pub fn sort_values(values: &mut Vec<String>, ncol: usize, mode: Option<&SortMode>) {
    match mode {
        None | Some(SortMode::NoSort) => {}
        Some(SortMode::ValueSort) => values.sort(),
        Some(SortMode::RowSort) => {
            let mut rows: Vec<Vec<String>> = values.chunks(ncol.max(1)).map(<[String]>::to_vec).collect();
            rows.sort();
            *values = rows.into_iter().flatten().collect();
        }
    }
}

/// `N values hashing to H`: the MD5 of every value followed by a newline.
pub fn hash_line(values: &[String]) -> String {
    let mut md5 = Md5::new();
    for v in values {
        md5.update(v.as_bytes());
        md5.update(b"\n");
    }
    let digest = md5.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{} values hashing to {hex}", values.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_render_as_the_c_harness_renders_them() {
        assert_eq!(render_value(ValueRef::Null, 'I'), "NULL");
        assert_eq!(render_value(ValueRef::Integer(-7), 'I'), "-7");
        assert_eq!(render_value(ValueRef::Integer(1 << 32 | 5), 'I'), "5");
        assert_eq!(render_value(ValueRef::Real(2.5), 'I'), "2");
        assert_eq!(render_value(ValueRef::Text(b"12abc"), 'I'), "12");
        assert_eq!(render_value(ValueRef::Integer(3), 'R'), "3.000");
        assert_eq!(render_value(ValueRef::Real(-2.0 / 3.0), 'R'), "-0.667");
        assert_eq!(render_value(ValueRef::Text(b""), 'T'), "(empty)");
        assert_eq!(render_value(ValueRef::Text("a\tb\u{e9}".as_bytes()), 'T'), "a@b@@");
        assert_eq!(render_value(ValueRef::Real(0.5), 'T'), "0.5");
    }

    #[test]
    fn sorting_and_hashing() {
        let mut v: Vec<String> = ["b", "1", "a", "2"].iter().map(|s| s.to_string()).collect();
        sort_values(&mut v, 2, Some(&SortMode::RowSort));
        assert_eq!(v, ["a", "2", "b", "1"]);
        sort_values(&mut v, 2, Some(&SortMode::ValueSort));
        assert_eq!(v, ["1", "2", "a", "b"]);
        // md5("1\n2\na\nb\n")
        assert_eq!(hash_line(&v), "4 values hashing to d4a59fc154c4bba3dd6aa3f5a81de972");
    }
}
