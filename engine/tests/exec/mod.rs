//! A side-by-side runner for SQL scripts: each statement runs on the engine and on real
//! SQLite (rusqlite, bundled), and the outcomes must agree: the same rows with the same value
//! types, the same changes() after DML, and an error on one side exactly when the other
//! errs (messages compared too, when `compare_messages`).
#![allow(dead_code)]

use touchstone_engine::conn::Connection;
use touchstone_engine::format::value::Value;

/// What one statement did.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    Rows(Vec<Vec<Value>>),
    Changes(u64),
    Error(String),
}

fn from_sqlite(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef as R;
    match v {
        R::Null => Value::Null,
        R::Integer(i) => Value::Integer(i),
        R::Real(r) => Value::Real(r),
        R::Text(t) => Value::Text(t.to_vec()),
        R::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// Runs `sql` (one statement) on SQLite.
pub fn sqlite_run(db: &rusqlite::Connection, sql: &str) -> Outcome {
    let mut st = match db.prepare(sql) {
        Ok(s) => s,
        Err(e) => return Outcome::Error(message(&e)),
    };
    let n = st.column_count();
    let returns_rows = n > 0;
    let mut rows = match st.query([]) {
        Ok(r) => r,
        Err(e) => return Outcome::Error(message(&e)),
    };
    let mut out = Vec::new();
    loop {
        match rows.next() {
            Ok(Some(r)) => out.push((0..n).map(|i| from_sqlite(r.get_ref(i).unwrap())).collect()),
            Ok(None) => break,
            Err(e) => return Outcome::Error(message(&e)),
        }
    }
    if returns_rows { Outcome::Rows(out) } else { Outcome::Changes(db.changes()) }
}

fn message(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m.clone(),
        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
        other => other.to_string(),
    }
}

/// Runs `sql` (one statement) on the engine.
pub fn engine_run(db: &Connection, sql: &str) -> Outcome {
    let mut st = match db.prepare(sql) {
        Ok(s) => s,
        Err(e) => return Outcome::Error(e.message().to_string()),
    };
    let returns_rows = st.column_count() > 0;
    let mut out = Vec::new();
    {
        let mut rows = match st.query(()) {
            Ok(r) => r,
            Err(e) => return Outcome::Error(e.message().to_string()),
        };
        loop {
            match rows.next() {
                Ok(Some(r)) => out.push(r.values().to_vec()),
                Ok(None) => break,
                Err(e) => return Outcome::Error(e.message().to_string()),
            }
        }
    }
    if returns_rows { Outcome::Rows(out) } else { Outcome::Changes(db.changes()) }
}

/// True when two outcomes agree (REALs bit for bit; errors by message when asked).
pub fn agree(a: &Outcome, b: &Outcome, compare_messages: bool) -> bool {
    match (a, b) {
        (Outcome::Error(x), Outcome::Error(y)) => !compare_messages || x == y,
        (Outcome::Rows(x), Outcome::Rows(y)) => {
            x.len() == y.len()
                && x.iter().zip(y).all(|(r, s)| {
                    r.len() == s.len()
                        && r.iter().zip(s).all(|(u, v)| match (u, v) {
                            (Value::Real(p), Value::Real(q)) => p.to_bits() == q.to_bits(),
                            _ => u == v,
                        })
                })
        }
        _ => a == b,
    }
}

/// Runs every statement of `script` (one per `;`-terminated line group) on both sides and
/// returns a description of every disagreement.
pub fn compare_script(script: &str, compare_messages: bool) -> Vec<String> {
    let engine = Connection::open_in_memory().unwrap();
    let sqlite = rusqlite::Connection::open_in_memory().unwrap();
    let mut problems = Vec::new();
    for stmt in split(script) {
        let mut e = engine_run(&engine, &stmt);
        let mut s = sqlite_run(&sqlite, &stmt);
        if stmt.trim_start().to_ascii_uppercase().starts_with("EXPLAIN QUERY PLAN") {
            // Only the detail text is comparable: ids are instruction addresses.
            for o in [&mut e, &mut s] {
                if let Outcome::Rows(rows) = o {
                    rows.iter_mut().for_each(|r| r.drain(..r.len().saturating_sub(1)).for_each(drop));
                }
            }
        }
        if !agree(&e, &s, compare_messages) {
            let short = |t: String| if t.len() > 300 { format!("{}...", &t[..300]) } else { t };
            problems.push(format!(
                "{}\n  engine: {}\n  sqlite: {}",
                short(stmt.trim().to_string()),
                short(format!("{e:?}")),
                short(format!("{s:?}"))
            ));
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
