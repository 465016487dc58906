//! A side-by-side runner for SQL: each statement runs on the engine and on real SQLite
//! (rusqlite, bundled), and the outcomes must agree: the same rows with the same value types
//! (REALs bit for bit), the same changes() and last_insert_rowid() after a statement that
//! returns no rows, the same autocommit state, and an error on one side exactly when the other
//! errs, with the same primary result code (messages compared separately: [`Agreement`]).
//!
//! Used by the engine's `sql_exec.rs` (hand-written scripts, [`compare_script`]) and
//! `sql_differential.rs` (generated schemas and statement sequences, [`Pair`]), and by the
//! `sql_diff` fuzz target through [`super::run_case`].

use std::sync::Arc;

use touchstone_engine::conn::Connection;
use touchstone_engine::format::value::Value;
use touchstone_engine::vfs::MemVfs;

/// What one statement did.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// A statement with result columns: its rows.
    Rows(Vec<Vec<Value>>),
    /// A statement without result columns: the connection's counters after it.
    Done { changes: u64, last_insert_rowid: i64 },
    /// An error at prepare or at a step: SQLite's primary result code and the message.
    Error { code: i32, message: String },
}

/// How the rows of two outcomes are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Row by row: the statement orders its rows completely (or the rows' order is otherwise
    /// fixed, as for one row). Rows that differ only in the sign of a zero REAL may trade
    /// places ([`same_rows_ordered`]).
    Exact,
    /// As multisets: a query without ORDER BY may return its rows in any order.
    Multiset,
    /// Only the number of rows: which rows LIMIT keeps without ORDER BY is unspecified.
    Count,
}

/// How far two outcomes agree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Agreement {
    Same,
    /// Both failed with the same primary result code, with different messages.
    MessageDiffers,
    /// Anything else: a mismatch.
    Differs,
}

pub fn from_sqlite(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef as R;
    match v {
        R::Null => Value::Null,
        R::Integer(i) => Value::Integer(i),
        R::Real(r) => Value::Real(r),
        R::Text(t) => Value::Text(t.to_vec()),
        R::Blob(b) => Value::Blob(b.to_vec()),
    }
}

fn sqlite_error(e: &rusqlite::Error) -> Outcome {
    let (code, message) = match e {
        rusqlite::Error::SqliteFailure(f, m) => (f.extended_code & 0xff, m.clone().unwrap_or_else(|| f.to_string())),
        rusqlite::Error::SqlInputError { error, msg, .. } => (error.extended_code & 0xff, msg.clone()),
        other => (-1, other.to_string()),
    };
    Outcome::Error { code, message }
}

fn engine_error(e: &touchstone_engine::Error) -> Outcome {
    Outcome::Error { code: e.code().sqlite_code(), message: e.message().to_string() }
}

/// Runs `sql` (one statement) on SQLite.
pub fn sqlite_run(db: &rusqlite::Connection, sql: &str) -> Outcome {
    let mut st = match db.prepare(sql) {
        Ok(s) => s,
        Err(e) => return sqlite_error(&e),
    };
    let n = st.column_count();
    let mut rows = match st.query([]) {
        Ok(r) => r,
        Err(e) => return sqlite_error(&e),
    };
    let mut out = Vec::new();
    loop {
        match rows.next() {
            Ok(Some(r)) => out.push((0..n).map(|i| from_sqlite(r.get_ref(i).unwrap())).collect()),
            Ok(None) => break,
            Err(e) => return sqlite_error(&e),
        }
    }
    if n > 0 {
        Outcome::Rows(out)
    } else {
        Outcome::Done { changes: db.changes(), last_insert_rowid: db.last_insert_rowid() }
    }
}

/// Runs `sql` (one statement) on the engine.
pub fn engine_run(db: &Connection, sql: &str) -> Outcome {
    let mut st = match db.prepare(sql) {
        Ok(s) => s,
        Err(e) => return engine_error(&e),
    };
    let returns_rows = st.column_count() > 0;
    let mut out = Vec::new();
    {
        let mut rows = match st.query(()) {
            Ok(r) => r,
            Err(e) => return engine_error(&e),
        };
        loop {
            match rows.next() {
                Ok(Some(r)) => out.push(r.values().to_vec()),
                Ok(None) => break,
                Err(e) => return engine_error(&e),
            }
        }
    }
    if returns_rows {
        Outcome::Rows(out)
    } else {
        Outcome::Done { changes: db.changes(), last_insert_rowid: db.last_insert_rowid() }
    }
}

/// Equality with REALs compared bit for bit.
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Real(p), Value::Real(q)) => p.to_bits() == q.to_bits(),
        _ => a == b,
    }
}

/// Rows equal value for value ([`same_value`]: REALs by their bits).
pub fn same_row(r: &[Value], s: &[Value]) -> bool {
    r.len() == s.len() && r.iter().zip(s).all(|(u, v)| same_value(u, v))
}

/// Row lists equal row for row, in order ([`same_row`]).
pub fn same_rows(x: &[Vec<Value>], y: &[Vec<Value>]) -> bool {
    x.len() == y.len() && x.iter().zip(y).all(|(r, s)| same_row(r, s))
}

/// Ordered rows that agree: equal row for row ([`same_rows`]), or equal as multisets and
/// row for row once -0.0 and 0.0 are read alike. SQL cannot tell the two zeros apart (they
/// compare equal, and quote(), CAST and printf() print both as 0.0), so no ORDER BY term the
/// renderer adds breaks a tie between rows that differ only there, and the plan decides
/// their order; their values still count bit for bit.
pub fn same_rows_ordered(x: &[Vec<Value>], y: &[Vec<Value>]) -> bool {
    let zero_alike = |u: &Value, v: &Value| match (u, v) {
        (Value::Real(p), Value::Real(q)) if *p == 0.0 && *q == 0.0 => true,
        _ => same_value(u, v),
    };
    same_rows(x, y)
        || (x.len() == y.len()
            && x.iter().zip(y).all(|(r, s)| r.len() == s.len() && r.iter().zip(s).all(|(u, v)| zero_alike(u, v)))
            && same_multiset(x, y))
}

/// Row lists equal as multisets ([`same_value`]: REALs by their bits).
fn same_multiset(x: &[Vec<Value>], y: &[Vec<Value>]) -> bool {
    x.len() == y.len() && sorted(x).iter().zip(sorted(y)).all(|(r, s)| same_row(r, s))
}

/// A total order on values by type, then content (REALs by bits): only to sort multisets.
fn value_key(v: &Value) -> (u8, i64, u64, &[u8]) {
    match v {
        Value::Null => (0, 0, 0, &[]),
        Value::Integer(i) => (1, *i, 0, &[]),
        Value::Real(r) => (2, 0, r.to_bits(), &[]),
        Value::Text(t) => (3, 0, 0, t),
        Value::Blob(b) => (4, 0, 0, b),
    }
}

fn sorted(rows: &[Vec<Value>]) -> Vec<&Vec<Value>> {
    let mut v: Vec<&Vec<Value>> = rows.iter().collect();
    v.sort_by(|a, b| a.iter().map(value_key).cmp(b.iter().map(value_key)));
    v
}

/// How far the engine's outcome `e` agrees with SQLite's `s`, rows compared as `order` says.
pub fn compare(e: &Outcome, s: &Outcome, order: Order) -> Agreement {
    let same = match (e, s) {
        (Outcome::Error { code: c, message: m }, Outcome::Error { code: d, message: n }) => {
            return if c != d {
                Agreement::Differs
            } else if m != n {
                Agreement::MessageDiffers
            } else {
                Agreement::Same
            };
        }
        (Outcome::Rows(x), Outcome::Rows(y)) => match order {
            Order::Exact => same_rows_ordered(x, y),
            Order::Multiset => same_multiset(x, y),
            Order::Count => x.len() == y.len() && x.iter().zip(y).all(|(r, s)| r.len() == s.len()),
        },
        _ => e == s,
    };
    if same { Agreement::Same } else { Agreement::Differs }
}

/// An engine connection and a SQLite connection, both on fresh in-memory databases (the
/// engine's on a `MemVfs` whose file the test can read back).
pub struct Pair {
    pub engine: Connection,
    pub sqlite: rusqlite::Connection,
    vfs: Arc<MemVfs>,
}

/// The engine's file in its `MemVfs`.
const ENGINE_FILE: &str = "memory.db";

/// One statement's outcomes on both sides.
#[derive(Debug)]
pub struct Ran {
    pub engine: Outcome,
    pub sqlite: Outcome,
    /// `is_autocommit()` after the statement: (engine, SQLite).
    pub autocommit: (bool, bool),
}

impl Ran {
    /// How far the two sides agree (a different autocommit state is a mismatch).
    pub fn agreement(&self, order: Order) -> Agreement {
        if self.autocommit.0 != self.autocommit.1 {
            return Agreement::Differs;
        }
        compare(&self.engine, &self.sqlite, order)
    }

    /// Both sides, for a report.
    pub fn describe(&self) -> String {
        let ac = if self.autocommit.0 == self.autocommit.1 {
            String::new()
        } else {
            format!("\n  autocommit: engine {} sqlite {}", self.autocommit.0, self.autocommit.1)
        };
        format!("  engine: {:?}\n  sqlite: {:?}{ac}", self.engine, self.sqlite)
    }
}

impl Default for Pair {
    fn default() -> Self {
        Pair::new()
    }
}

impl Pair {
    pub fn new() -> Pair {
        let vfs = Arc::new(MemVfs::new());
        let engine = Connection::open_with_vfs(ENGINE_FILE, vfs.clone()).expect("engine open");
        let sqlite = rusqlite::Connection::open_in_memory().expect("sqlite open");
        Pair { engine, sqlite, vfs }
    }

    /// Runs one statement on both sides. A panic of the engine is an outcome of its own
    /// (code -2), which agrees with nothing SQLite does.
    pub fn run(&self, sql: &str) -> Ran {
        let engine = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| engine_run(&self.engine, sql)))
            .unwrap_or_else(|panic| {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                Outcome::Error { code: -2, message: format!("panic: {message}") }
            });
        let sqlite = sqlite_run(&self.sqlite, sql);
        Ran { engine, sqlite, autocommit: (self.engine.is_autocommit(), self.sqlite.is_autocommit()) }
    }

    /// The bytes of the engine's database file (as of its last commit when no transaction
    /// is open).
    pub fn engine_file(&self) -> Vec<u8> {
        self.vfs.file_bytes(ENGINE_FILE).unwrap_or_default()
    }
}

/// Runs every statement of `script` (one per `;`-terminated line group) on both sides and
/// returns a description of every disagreement (messages of errors included when
/// `compare_messages`). Rows are compared in order.
pub fn compare_script(script: &str, compare_messages: bool) -> Vec<String> {
    let pair = Pair::new();
    let mut problems = Vec::new();
    for stmt in split(script) {
        let mut ran = pair.run(&stmt);
        if stmt.trim_start().to_ascii_uppercase().starts_with("EXPLAIN QUERY PLAN") {
            // Only the detail text is comparable: ids are instruction addresses.
            for o in [&mut ran.engine, &mut ran.sqlite] {
                if let Outcome::Rows(rows) = o {
                    rows.iter_mut().for_each(|r| r.drain(..r.len().saturating_sub(1)).for_each(drop));
                }
            }
        }
        let ok = match ran.agreement(Order::Exact) {
            Agreement::Same => true,
            Agreement::MessageDiffers => !compare_messages,
            Agreement::Differs => false,
        };
        if !ok {
            problems.push(format!("{}\n{}", stmt.trim(), ran.describe()));
        }
    }
    problems
}

/// Splits a script into statements at `;` ending a line.
pub fn split(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in script.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with("--") {
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
        if t.ends_with(';') {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_that_differ_only_in_a_zero_sign_may_trade_places_and_nothing_else() {
        let row = |v: f64, tag: i64| vec![Value::Integer(tag), Value::Real(v)];
        let a = vec![row(-0.0, 1), row(0.0, 1), row(2.0, 2)];
        let swapped = vec![row(0.0, 1), row(-0.0, 1), row(2.0, 2)];
        assert!(same_rows_ordered(&a, &swapped));
        let both_positive = vec![row(0.0, 1), row(0.0, 1), row(2.0, 2)];
        assert!(!same_rows_ordered(&a, &both_positive), "the zeros still count bit for bit");
        let moved = vec![row(2.0, 2), row(-0.0, 1), row(0.0, 1)];
        assert!(!same_rows_ordered(&a, &moved), "other rows keep their places");
        assert_eq!(compare(&Outcome::Rows(a.clone()), &Outcome::Rows(swapped), Order::Exact), Agreement::Same);
    }
}
