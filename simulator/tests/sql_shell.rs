//! `touchstone sql` run as a user would, its output compared with what real SQLite (rusqlite)
//! gives for the same statements, formatted by the rules of the sqlite3 shell's list mode.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use rusqlite::types::ValueRef;

fn touchstone(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_touchstone"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run touchstone");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

/// A value as the sqlite3 shell's list mode prints it: NULL empty, numbers as
/// `sqlite3_column_text` gives them (asked of SQLite itself), text and blobs up to the first
/// NUL with control characters other than tab, newline and CR-LF shown as `^X`.
fn list_value(conn: &rusqlite::Connection, v: ValueRef<'_>, out: &mut Vec<u8>) {
    match v {
        ValueRef::Null => {}
        ValueRef::Integer(i) => out.extend_from_slice(i.to_string().as_bytes()),
        ValueRef::Real(r) => {
            let text: String = conn.query_row("SELECT CAST(?1 AS TEXT)", [r], |row| row.get(0)).unwrap();
            out.extend_from_slice(text.as_bytes());
        }
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            let t = t.split(|&b| b == 0).next().unwrap();
            for (i, &c) in t.iter().enumerate() {
                if c > 0x1f || c == b'\t' || c == b'\n' || (c == b'\r' && t.get(i + 1) == Some(&b'\n')) {
                    out.push(c);
                } else {
                    out.extend_from_slice(&[b'^', c + 0x40]);
                }
            }
        }
    }
}

/// What the shell should print for `statements`, run one by one through rusqlite on `path`.
fn reference_output(path: &std::path::Path, statements: &[&str]) -> Vec<u8> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut out = Vec::new();
    for sql in statements {
        let mut stmt = conn.prepare(sql).unwrap();
        let ncol = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..ncol {
                if i > 0 {
                    out.push(b'|');
                }
                list_value(&conn, row.get_ref(i).unwrap(), &mut out);
            }
            out.push(b'\n');
        }
    }
    out
}

const STATEMENTS: &[&str] = &[
    "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL, d)",
    "INSERT INTO t VALUES (1, 'one', 1.5, NULL), (2, NULL, 0.1, x'68690a'), (3, 'tab\tand' || char(1), 1e20, -0.0)",
    "INSERT INTO t VALUES (4, '', 1.0/3, 9223372036854775807), (5, 'x', -2.5e-7, -9223372036854775808)",
    "SELECT * FROM t ORDER BY a",
    "SELECT a, c * 2, typeof(d), length(b) FROM t WHERE a > 1 ORDER BY a DESC",
    "SELECT 1, 'two', 3.0, NULL, x'00ff', 10/4, 10/4.0",
    "CREATE INDEX tb ON t(b)",
    "SELECT count(*), sum(a), max(b) FROM t",
];

#[test]
fn rows_print_as_sqlite_prints_them() {
    let dir = tempfile::tempdir().unwrap();
    let engine_db = dir.path().join("engine.db");
    let sqlite_db = dir.path().join("sqlite.db");
    let expected = reference_output(&sqlite_db, STATEMENTS);

    // All statements as the argument, separated by semicolons.
    let all = STATEMENTS.join(";\n");
    let out = touchstone(&["sql", engine_db.to_str().unwrap(), &all], None);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&expected));

    // The same statements on standard input, several lines each, on a fresh file.
    let engine_db2 = dir.path().join("engine2.db");
    let mut input = String::new();
    for s in STATEMENTS {
        input.push_str(&s.replace(", ", ",\n  "));
        input.push_str(";\n\n");
    }
    let out = touchstone(&["sql", engine_db2.to_str().unwrap()], Some(&input));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&expected));
}

#[test]
fn dot_commands_list_the_schema_as_sqlite_stores_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let setup = "CREATE TABLE zeta(x); CREATE TABLE alpha(a INTEGER PRIMARY KEY, b TEXT); \
                 CREATE INDEX alpha_b ON alpha(b); CREATE TABLE t_x(y UNIQUE)";
    let out = touchstone(&["sql", db.to_str().unwrap(), setup], None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // The reference: SQLite's reading of the file the engine wrote.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' ORDER BY 1",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let width = names.iter().map(String::len).max().unwrap();
    let ncol = (80 / (width + 2)).max(1);
    let nrow = names.len().div_ceil(ncol);
    let mut tables = String::new();
    for i in 0..nrow {
        for (k, name) in names.iter().enumerate().skip(i).step_by(nrow) {
            if k >= nrow {
                tables.push_str("  ");
            }
            tables.push_str(&format!("{name:<width$}"));
        }
        tables.push('\n');
    }
    let schema: String = conn
        .prepare("SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid")
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|s| s.unwrap() + ";\n")
        .collect();
    drop(conn);

    let out = touchstone(&["sql", db.to_str().unwrap()], Some(".tables\n.schema\n"));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_eq!(String::from_utf8(out.stdout).unwrap(), format!("{tables}{schema}"));

    let out = touchstone(&["sql", db.to_str().unwrap(), ".tables a%"], None);
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "alpha\n");
}

#[test]
fn errors_go_to_stderr_and_set_the_exit_status() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("e.db");
    let db = db.to_str().unwrap();
    let sqlite = rusqlite::Connection::open_in_memory().unwrap();
    let no_table = sqlite.prepare("SELECT * FROM nope").unwrap_err().to_string();

    // Argument: the first error ends the run.
    let out = touchstone(&["sql", db, "SELECT 1; SELECT * FROM nope; SELECT 2"], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err, format!("Parse error in 2nd command line argument: {no_table}\n"));

    // Standard input: reading goes on after an error, and the status says one happened.
    let input = "SELECT 1;\nSELECT * FROM nope;\nSELECT 2;\n";
    let out = touchstone(&["sql", db], Some(input));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1\n2\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), format!("Parse error near line 2: {no_table}\n"));

    // -bail stops at the first error.
    let out = touchstone(&["sql", "-bail", db], Some(input));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1\n");

    // A runtime error: SQLite's message, worded as the shell words errors from stepping.
    let overflow = sqlite.query_row("SELECT abs(-9223372036854775808)", [], |r| r.get::<_, i64>(0)).unwrap_err();
    let overflow = match overflow {
        rusqlite::Error::SqliteFailure(_, Some(m)) => m,
        other => other.to_string(),
    };
    let out = touchstone(&["sql", db], Some("SELECT 5;\n\nSELECT abs(-9223372036854775808);\n"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), format!("Error near line 3: {overflow}\n"));

    // An unknown dot-command.
    let out = touchstone(&["sql", db, ".nosuch"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("Error: unknown command or invalid arguments:"));
}
