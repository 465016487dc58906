//! The write paths of the executor against real SQLite on random statements: INSERT with
//! and without an explicit rowid (the rowid check's seek reused by the insert), OR REPLACE /
//! OR IGNORE against the rowid and a UNIQUE index, UPDATE and DELETE by id, in and out of
//! transactions, on a table with a UNIQUE and a plain index, with rows large enough to split
//! pages. Every statement's outcome must agree (`exec/mod.rs`), and real SQLite's
//! `PRAGMA integrity_check` must pass on the engine's file.

mod exec;

use touchstone_engine::conn::Connection;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A random statement of the write mix, for ids in 1..=`ids`.
fn statement(rng: &mut ChaCha8Rng, ids: i64) -> String {
    let id = rng.random_range(1..=ids);
    let u = rng.random_range(0..ids * 2);
    let name = "n".repeat(rng.random_range(1..=500));
    let v: f64 = rng.random_range(0.0..100.0);
    match rng.random_range(0..12) {
        0..=3 => format!("INSERT INTO t (id, u, name, v) VALUES ({id}, {u}, '{name}', {v});"),
        4 => format!("INSERT INTO t (u, name, v) VALUES ({u}, '{name}', {v});"),
        5 => format!("INSERT OR REPLACE INTO t (id, u, name, v) VALUES ({id}, {u}, '{name}', {v});"),
        6 => format!("INSERT OR IGNORE INTO t (id, u, name, v) VALUES ({id}, {u}, '{name}', {v});"),
        7 => format!("REPLACE INTO t (u, name, v) VALUES ({u}, '{name}', {v});"),
        8 => format!("UPDATE t SET name = '{name}', v = {v} WHERE id = {id};"),
        9 => format!("UPDATE OR REPLACE t SET u = {u} WHERE id = {id};"),
        10 => format!("DELETE FROM t WHERE id = {id};"),
        _ => format!("DELETE FROM t WHERE v < {};", v / 50.0),
    }
}

#[test]
fn random_writes_agree_with_sqlite() {
    let mut rng = ChaCha8Rng::seed_from_u64(0x1a5e);
    // synchronous=OFF on both sides: the write paths are the point, not the syncs.
    let mut script = String::from(
        "PRAGMA synchronous = OFF;\n\
         CREATE TABLE t (id INTEGER PRIMARY KEY, u INT UNIQUE, name TEXT, v REAL);\n\
         CREATE INDEX t_v ON t(v);\n",
    );
    for round in 0..60 {
        let in_transaction = round % 3 != 0;
        if in_transaction {
            script.push_str("BEGIN;\n");
        }
        for _ in 0..100 {
            script.push_str(&statement(&mut rng, 3000));
            script.push('\n');
        }
        if in_transaction {
            script.push_str(if round % 5 == 4 { "ROLLBACK;\n" } else { "COMMIT;\n" });
        }
        script.push_str("SELECT count(*), sum(id), sum(u), total(v), sum(length(name)) FROM t;\n");
    }
    script.push_str("SELECT * FROM t ORDER BY id;\nSELECT id FROM t ORDER BY v, id;\nSELECT u FROM t ORDER BY u;\n");

    // On files, so that real SQLite can check the engine's file at the end.
    let dir = tempfile::tempdir().unwrap();
    let engine_path = dir.path().join("engine.db");
    let engine = Connection::open(&engine_path).unwrap();
    let sqlite = rusqlite::Connection::open(dir.path().join("sqlite.db")).unwrap();
    let mut problems = Vec::new();
    for stmt in exec::split(&script) {
        let (e, s) = (exec::engine_run(&engine, &stmt), exec::sqlite_run(&sqlite, &stmt));
        if exec::compare(&e, &s, exec::Order::Exact) == exec::Agreement::Differs {
            problems.push(format!("{}\n  engine: {e:?}\n  sqlite: {s:?}", stmt.trim()));
        }
    }
    assert!(problems.is_empty(), "{} disagreements:\n{}", problems.len(), problems.join("\n"));
    drop(engine);
    let check = rusqlite::Connection::open(&engine_path).unwrap();
    let verdict: String = check.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(verdict, "ok");
    let rows: i64 = check.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
    assert!(rows > 500, "{rows} rows: the tree should span many pages");
}

/// A DML statement that fails and is undone leaves changes() at 0, as in SQLite
/// (sqlite3VdbeHalt); the statements after it that change nothing report that 0.
#[test]
fn changes_after_a_failed_statement_agree() {
    let problems = exec::compare_script(
        "CREATE TABLE t (a INTEGER PRIMARY KEY, b UNIQUE);
         INSERT INTO t VALUES (1, 1), (2, 2);
         INSERT INTO t VALUES (1, 5);
         BEGIN;
         INSERT INTO t VALUES (3, 3), (4, 4);
         INSERT OR FAIL INTO t VALUES (5, 5), (6, 1), (7, 7);
         COMMIT;
         SELECT * FROM t ORDER BY a;
         INSERT OR ROLLBACK INTO t VALUES (8, 8), (9, 2);
         COMMIT;
         SELECT count(*) FROM t;",
        false,
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
