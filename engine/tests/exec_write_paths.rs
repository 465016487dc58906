//! The write paths of the executor against real SQLite on random statements: INSERT with
//! and without an explicit rowid (the rowid check's seek reused by the insert), OR REPLACE /
//! OR IGNORE against the rowid and a UNIQUE index, UPDATE and DELETE by id, in and out of
//! transactions, on a table with a UNIQUE and a plain index, with rows large enough to split
//! pages. Every statement's outcome must agree (`exec/mod.rs`), and real SQLite's
//! `PRAGMA integrity_check` must pass on the engine's file.

mod exec;

mod common;

use common::failing_vfs::FailingVfs;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use touchstone_engine::conn::Connection;
use touchstone_engine::error::ErrorCode;
use touchstone_engine::pager::PagerConfig;

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

/// Which statements run under a statement journal inside a transaction: SQLite's
/// `usesStmtJournal = isMultiWrite && mayAbort`. A single-row INSERT, UPDATE or DELETE
/// checks everything before its first write and needs none; several rows, or a REPLACE
/// that deletes index entries before a later check may abort, need one.
#[test]
fn statement_journal_only_where_an_abort_can_follow_a_write() {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, u UNIQUE, n NOT NULL, c CHECK (c < 100));
         CREATE INDEX t_c ON t(c);
         CREATE TABLE plain (x, y);
         CREATE TABLE keyed (id INTEGER PRIMARY KEY, x);",
    )
    .unwrap();
    let cases = [
        ("INSERT INTO t (id, u, n, c) VALUES (?, ?, ?, ?)", false),
        ("INSERT INTO t (u, n, c) VALUES (1, 'a', abs(-5))", false),
        ("INSERT INTO t VALUES (1, 1, 'a', 1), (2, 2, 'b', 2)", true),
        ("INSERT INTO t SELECT * FROM t", true),
        ("INSERT INTO t (n) SELECT 'x'", true),
        // Several rows, but nothing can abort: no constraint, no function (as in SQLite).
        ("INSERT INTO plain SELECT x, y FROM plain", false),
        ("INSERT INTO plain VALUES (1, 2), (3, 4)", false),
        ("INSERT INTO plain VALUES (1, 2), (3, abs(?))", true),
        // The rowid's REPLACE deletes the old row's index entries before the UNIQUE check.
        ("INSERT OR REPLACE INTO t VALUES (?, ?, ?, ?)", true),
        // Without indexes the REPLACE only overwrites the row.
        ("REPLACE INTO keyed (id, x) VALUES (?, ?)", false),
        ("UPDATE t SET n = ?, c = ? WHERE id = ?", false),
        ("UPDATE t SET n = ? WHERE u = ?", false),
        ("UPDATE t SET n = ? WHERE u IN (1, 2)", true),
        ("UPDATE t SET n = ? WHERE c > ?", true),
        ("UPDATE keyed SET x = x + 1", false),
        ("UPDATE keyed SET x = abs(x)", true),
        ("DELETE FROM t WHERE id = ?", false),
        ("DELETE FROM t WHERE c > ?", false),
        ("DELETE FROM t WHERE abs(c) > ?", true),
        ("DELETE FROM t", false),
        ("CREATE INDEX t_n ON t(n)", true),
        ("SELECT * FROM t", false),
    ];
    let wrong: Vec<String> = cases
        .iter()
        .filter_map(|&(sql, want)| {
            let got = conn.prepare(sql).unwrap().program().info.uses_stmt_journal();
            (got != want).then(|| format!("{sql}: statement journal {got}, expected {want}"))
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Inside a transaction, a statement that fails after some of its writes undoes exactly its
/// own changes (its statement journal), and one that fails before any write leaves the
/// transaction as it was: rows, index entries (read back through the indexes) and
/// changes() as in SQLite.
#[test]
fn failed_statements_in_a_transaction_undo_exactly_their_own_writes() {
    let problems = exec::compare_script(
        "CREATE TABLE t (a INTEGER PRIMARY KEY, u UNIQUE, n NOT NULL, c CHECK (c < 100));
         CREATE INDEX t_n ON t(n);
         CREATE TABLE v (x UNIQUE);
         INSERT INTO t VALUES (100, 100, 'committed', 0);
         BEGIN;
         INSERT INTO v VALUES (1);
         INSERT INTO v VALUES (1), (2), (1);
         INSERT INTO v VALUES (3), (4);
         SELECT x FROM v ORDER BY x;
         INSERT INTO t VALUES (1, 1, 'a', 1);
         INSERT INTO t VALUES (2, 2, 'b', 2), (3, 3, 'c', 3), (4, 1, 'd', 4);
         INSERT INTO t VALUES (5, 5, 'e', 5), (6, 6, NULL, 6);
         INSERT INTO t VALUES (7, 7, 'g', 7), (8, 8, 'h', 800);
         INSERT INTO t VALUES (9, 9, 'i', 9), (1, 10, 'j', 10);
         INSERT INTO t SELECT a + 10, u + 10, n || '+', c FROM t UNION ALL SELECT 50, 1, 'k', 0;
         INSERT INTO t (u, n, c) SELECT x + 20, 'l', x FROM v UNION ALL SELECT 30, 'm', 1000;
         SELECT * FROM t ORDER BY a;
         INSERT INTO t VALUES (11, 1, 'n', 11);
         INSERT INTO t VALUES (12, 12, NULL, 12);
         INSERT INTO t VALUES (13, 13, 'o', 130);
         INSERT INTO t VALUES (1, 14, 'p', 14);
         INSERT INTO t (u, n, c) VALUES (100, 'q', 15);
         UPDATE t SET u = 100 WHERE a = 1;
         UPDATE t SET n = NULL WHERE a = 1;
         SELECT * FROM t ORDER BY a;
         INSERT INTO t VALUES (2, 3, 'r', 2), (3, 4, 's', 3);
         UPDATE t SET u = u + 1 WHERE a < 100;
         UPDATE t SET n = CASE a WHEN 3 THEN NULL ELSE n || '!' END;
         UPDATE t SET c = c * 50;
         SELECT * FROM t ORDER BY a;
         SELECT a FROM t WHERE u = 3;
         SELECT a, n FROM t ORDER BY n;
         PRAGMA integrity_check;
         COMMIT;
         SELECT * FROM t ORDER BY a;
         PRAGMA integrity_check;",
        false,
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// UPDATE and DELETE that fail on a later row (a function's error, a UNIQUE conflict after a
/// REPLACE removed a row) undo what they did to the earlier ones; a REPLACE on the rowid that
/// meets a UNIQUE conflict leaves the old row's index entries in place.
#[test]
fn aborts_after_replace_and_function_errors_are_undone() {
    let problems = exec::compare_script(
        "CREATE TABLE w (id INTEGER PRIMARY KEY, x INT);
         INSERT INTO w VALUES (1, -1), (2, -2), (3, -9223372036854775808), (4, -4);
         CREATE TABLE r (id INTEGER PRIMARY KEY ON CONFLICT REPLACE, u UNIQUE, v);
         CREATE INDEX r_v ON r(v);
         INSERT INTO r VALUES (1, 'a', 10), (2, 'b', 20), (3, 'c', 30);
         BEGIN;
         UPDATE w SET x = abs(x);
         SELECT * FROM w ORDER BY id;
         DELETE FROM w WHERE abs(x) > 1;
         SELECT * FROM w ORDER BY id;
         UPDATE w SET x = abs(x) WHERE id = 3;
         INSERT INTO r VALUES (1, 'b', 11);
         SELECT * FROM r ORDER BY id;
         SELECT id FROM r WHERE u = 'a';
         SELECT id FROM r WHERE v = 10;
         INSERT INTO r VALUES (1, 'z', 12), (4, 'c', 40);
         SELECT * FROM r ORDER BY id;
         INSERT OR REPLACE INTO r VALUES (5, 'a', 50), (6, 'd', NULL), (7, 'b', 70);
         SELECT * FROM r ORDER BY id;
         UPDATE OR REPLACE r SET u = 'c' WHERE id = 1;
         SELECT * FROM r ORDER BY id;
         UPDATE r SET id = id + 10, u = CASE id WHEN 3 THEN 'x' ELSE u END;
         SELECT * FROM r ORDER BY id;
         PRAGMA integrity_check;
         COMMIT;
         SELECT id, u, v FROM r ORDER BY u;
         SELECT id, u, v FROM r ORDER BY v;
         PRAGMA integrity_check;",
        false,
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every row of `t` and what its two indexes hold, in a comparable form.
fn snapshot(conn: &Connection) -> Vec<String> {
    let mut out = Vec::new();
    for sql in
        ["SELECT id, u, v FROM t ORDER BY id", "SELECT u, id FROM t ORDER BY u", "SELECT v, id FROM t ORDER BY v"]
    {
        let mut stmt = conn.prepare(sql).unwrap();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            out.push(format!("{:?}", row.values()));
        }
    }
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    out.push(check);
    out
}

/// An I/O error in the middle of a single-row INSERT inside a transaction (one index entry
/// written, the next write failing; or the row's page failing after both entries) rolls the
/// whole transaction back, as SQLite's sqlite3VdbeHalt does for I/O errors (isSpecialError),
/// with or without a statement journal: the file is left as the last commit made it, and the
/// connection works on. With a small cache the failing write may be a spill to the database.
#[test]
fn io_error_inside_a_single_row_insert_rolls_back_the_transaction() {
    let mut failures = 0;
    for cache_size in [-2000, 10] {
        for k in 1..40u64 {
            let (vfs, countdown) = FailingVfs::new(false);
            let vfs = Arc::new(vfs);
            let config = PagerConfig { cache_size, ..Default::default() };
            let conn = Connection::open_with_config("f.db", vfs, config).unwrap();
            conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, u UNIQUE, v); CREATE INDEX t_v ON t(v);")
                .unwrap();
            conn.execute_batch("BEGIN").unwrap();
            for i in 0..1500i64 {
                let (u, v) = ((i * 7919) % 1500, format!("{:0>40}", (i * 104_729) % 1500));
                conn.execute("INSERT INTO t VALUES (?, ?, ?)", touchstone_engine::params![i * 2, u * 2, v]).unwrap();
            }
            conn.execute_batch("COMMIT").unwrap();
            let committed = snapshot(&conn);
            conn.execute_batch("BEGIN; INSERT INTO t VALUES (5000, 5000, 'first');").unwrap();
            countdown.store(k, Ordering::SeqCst);
            let r = conn.execute(
                "INSERT INTO t VALUES (?, ?, ?)",
                touchstone_engine::params![1001, 1001, format!("{:0>40}", 701)],
            );
            let armed = countdown.swap(0, Ordering::SeqCst);
            match r {
                Err(e) => {
                    assert_eq!(e.code(), ErrorCode::IoErr, "cache {cache_size} k {k}: {e}");
                    assert!(conn.is_autocommit(), "cache {cache_size} k {k}: the transaction should be over");
                    assert_eq!(snapshot(&conn), committed, "cache {cache_size} k {k}");
                    failures += 1;
                }
                Ok(_) => {
                    assert!(armed > 0, "cache {cache_size} k {k}: the write failed without an error");
                    conn.execute_batch("ROLLBACK").unwrap();
                    assert_eq!(snapshot(&conn), committed, "cache {cache_size} k {k}");
                }
            }
            conn.execute("INSERT INTO t VALUES (?, ?, ?)", touchstone_engine::params![1001, 1001, "after"]).unwrap();
            assert_eq!(
                conn.query_row("SELECT v FROM t WHERE u = 1001", [], |r| r.get::<_, String>(0)).unwrap(),
                "after"
            );
        }
    }
    assert!(failures >= 6, "only {failures} injected failures hit the insert");
}
