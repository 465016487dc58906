//! The connection's cached schema, as SQLite keeps it: statements compile against the schema
//! read earlier, without a lock; the cookie check when a statement starts, or right after a
//! compile error that names a missing object, catches a schema another connection changed.
//! Two connections share one MemVfs, so their locks meet.

use std::sync::Arc;
use touchstone_engine::ErrorCode;
use touchstone_engine::conn::Connection;
use touchstone_engine::format::Value;
use touchstone_engine::vfs::MemVfs;

/// Two connections to one in-memory file, the schema `sql` created by the first and read by
/// both.
fn two(sql: &str) -> (Connection, Connection) {
    let vfs = Arc::new(MemVfs::new());
    let a = Connection::open_with_vfs("db", vfs.clone()).unwrap();
    let b = Connection::open_with_vfs("db", vfs).unwrap();
    a.execute_batch(sql).unwrap();
    b.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<usize, i64>(0)).unwrap();
    (a, b)
}

/// Whether `sql` fails to prepare on `c` with `code`; the error's message otherwise.
fn prepare_error(c: &Connection, sql: &str) -> Option<(ErrorCode, String)> {
    c.prepare(sql).err().map(|e| (e.code(), e.message().to_string()))
}

#[test]
fn a_cached_schema_prepares_under_another_connections_exclusive_lock() {
    let (a, b) = two("CREATE TABLE t(x); INSERT INTO t VALUES (1)");
    a.execute_batch("BEGIN EXCLUSIVE").unwrap();
    // Preparing reads nothing; running needs the SHARED lock EXCLUSIVE denies.
    let mut stmt = b.prepare("SELECT x FROM t").unwrap();
    assert_eq!(stmt.step().unwrap_err().code(), ErrorCode::Busy);
    // A name the cached schema lacks is an error at once: the cookie check cannot take its
    // lock, so the compile error stands (schemaIsValid gives up silently).
    assert_eq!(prepare_error(&b, "SELECT * FROM gone"), Some((ErrorCode::Error, "no such table: gone".into())));
    drop(stmt);
    a.execute_batch("COMMIT").unwrap();
    assert_eq!(b.query_row("SELECT x FROM t", [], |r| r.get::<usize, i64>(0)).unwrap(), 1);
}

#[test]
fn a_table_another_connection_created_is_found_by_the_cookie_check_after_the_error() {
    let (a, b) = two("CREATE TABLE t(x)");
    a.execute_batch("CREATE TABLE u(y); INSERT INTO u VALUES (7)").unwrap();
    // b's schema lacks u: compiling fails, the cookie shows the change, the schema is read
    // again and the second compile succeeds (sqlite3LockAndPrepare's retry).
    assert_eq!(b.query_row("SELECT y FROM u", [], |r| r.get::<usize, i64>(0)).unwrap(), 7);
}

#[test]
fn a_statement_compiled_against_a_stale_schema_is_prepared_again_when_it_runs() {
    let (a, b) = two("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2)");
    let mut stmt = b.prepare("SELECT count(*) FROM t").unwrap();
    a.execute_batch("CREATE INDEX i ON t(x); DROP TABLE t; CREATE TABLE t(x, y); INSERT INTO t VALUES (5, 6)").unwrap();
    assert!(stmt.step().unwrap());
    assert_eq!(stmt.row_values()[0], Value::Integer(1));
}

#[test]
fn a_rolled_back_create_table_leaves_no_table_behind() {
    let (a, _b) = two("CREATE TABLE t(x)");
    a.execute_batch("BEGIN; CREATE TABLE u(y); ROLLBACK").unwrap();
    assert_eq!(prepare_error(&a, "SELECT * FROM u"), Some((ErrorCode::Error, "no such table: u".into())));
    a.execute_batch("BEGIN; CREATE TABLE v(z); SAVEPOINT s; CREATE TABLE w(q); ROLLBACK TO s; COMMIT").unwrap();
    assert_eq!(prepare_error(&a, "SELECT * FROM w"), Some((ErrorCode::Error, "no such table: w".into())));
    a.execute_batch("SELECT * FROM v").unwrap();
}

#[test]
fn ddl_names_are_checked_when_prepared_so_no_write_lock_is_asked_for() {
    let (a, b) = two("CREATE TABLE t(x); CREATE INDEX i ON t(x)");
    a.execute_batch("BEGIN; INSERT INTO t VALUES (1)").unwrap(); // a holds RESERVED
    // Errors SQLite reports at prepare, before any lock.
    assert_eq!(prepare_error(&b, "CREATE TABLE t(y)"), Some((ErrorCode::Error, "table t already exists".into())));
    assert_eq!(prepare_error(&b, "DROP INDEX nope"), Some((ErrorCode::Error, "no such index: nope".into())));
    assert_eq!(
        prepare_error(&b, "CREATE INDEX j ON nope(x)"),
        Some((ErrorCode::Error, "no such table: main.nope".into()))
    );
    // IF [NOT] EXISTS that makes the statement do nothing needs only a read lock.
    b.execute_batch("DROP INDEX IF EXISTS nope; CREATE TABLE IF NOT EXISTS t(y); CREATE INDEX IF NOT EXISTS i ON t(x)")
        .unwrap();
    // A real change needs the write lock a holds.
    assert_eq!(b.execute_batch("DROP INDEX i").unwrap_err().code(), ErrorCode::Busy);
    a.execute_batch("COMMIT").unwrap();
    b.execute_batch("DROP INDEX i").unwrap();
}

#[test]
fn a_create_unique_index_that_fails_on_duplicates_keeps_the_schema() {
    let (a, b) = two("CREATE TABLE t(x); INSERT INTO t VALUES (1), (1)");
    let e = b.execute_batch("CREATE UNIQUE INDEX u ON t(x)").unwrap_err();
    assert_eq!(e.code(), ErrorCode::Constraint);
    a.execute_batch("BEGIN EXCLUSIVE").unwrap();
    // The schema is still loaded: preparing succeeds, running is BUSY.
    let mut stmt = b.prepare("INSERT INTO t VALUES (2)").unwrap();
    assert_eq!(stmt.step().unwrap_err().code(), ErrorCode::Busy);
    drop(stmt);
    a.execute_batch("COMMIT").unwrap();
    assert_eq!(prepare_error(&b, "SELECT * FROM sqlite_schema WHERE name = 'u'"), None);
    assert_eq!(
        b.query_row("SELECT count(*) FROM sqlite_schema WHERE name = 'u'", [], |r| r.get::<usize, i64>(0)).unwrap(),
        0
    );
}

#[test]
fn a_trigger_on_a_table_with_a_multibyte_name_is_created_without_a_panic() {
    let (a, _b) = two("CREATE TABLE \"ééééx\"(a)");
    a.execute_batch("CREATE TRIGGER tr AFTER INSERT ON \"ééééx\" BEGIN SELECT 1; END").unwrap();
}

/// How one statement ended: refused at prepare, failed while stepped (code), or done with
/// changes() as it stands after the statement is finalized.
#[derive(Debug, PartialEq, Eq)]
enum Ended {
    Prepare(i32),
    Step(i32),
    Done(u64),
}

/// Runs `script` (connection number, SQL) on two engine connections sharing a MemVfs and on
/// two real SQLite connections sharing a file (busy timeout 0), each statement prepared,
/// stepped to its end and finalized in turn; returns how each statement ended on each.
fn on_both(script: &[(usize, &str)]) -> (Vec<Ended>, Vec<Ended>) {
    let vfs = Arc::new(MemVfs::new());
    let engine: Vec<Connection> = (0..2).map(|_| Connection::open_with_vfs("db", vfs.clone()).unwrap()).collect();
    let dir = tempfile::tempdir().unwrap();
    let sqlite: Vec<rusqlite::Connection> = (0..2)
        .map(|_| {
            let c = rusqlite::Connection::open(dir.path().join("db")).unwrap();
            c.busy_timeout(std::time::Duration::ZERO).unwrap();
            c
        })
        .collect();
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for &(i, sql) in script {
        ours.push(match engine[i].prepare(sql) {
            Err(e) => Ended::Prepare(e.code().sqlite_code()),
            Ok(mut stmt) => loop {
                match stmt.step() {
                    Ok(true) => {}
                    Ok(false) => {
                        drop(stmt);
                        break Ended::Done(engine[i].changes());
                    }
                    Err(e) => break Ended::Step(e.code().sqlite_code()),
                }
            },
        });
        let code = |e: rusqlite::Error| e.sqlite_error().map_or(-1, |c| c.extended_code & 0xff);
        theirs.push(match sqlite[i].prepare(sql) {
            Err(e) => Ended::Prepare(code(e)),
            Ok(mut stmt) => {
                let mut rows = stmt.raw_query();
                loop {
                    match rows.next() {
                        Ok(Some(_)) => {}
                        Ok(None) => {
                            drop(rows);
                            drop(stmt);
                            break Ended::Done(sqlite[i].changes());
                        }
                        Err(e) => break Ended::Step(code(e)),
                    }
                }
            }
        });
    }
    (ours, theirs)
}

/// A schema load refused with BUSY leaves SQLite's "uncommitted schema change" flag set
/// (sqlite3InitOne enters sqlite_schema's own table before it asks for the lock), and the
/// next load, which succeeds, does not clear it (sqlite3Init's commit_internal): the
/// ROLLBACK of that transaction then discards the schema, so the next statement must read
/// it again and is refused at prepare while another connection holds EXCLUSIVE. A refusal
/// at prepare leaves changes() alone, where a statement refused as it runs sets it to 0.
/// Found by interleaved-connections seeds 1326, 8352 and 9423.
#[test]
fn a_schema_load_refused_with_busy_makes_the_next_rollback_discard_the_schema() {
    let (ours, theirs) = on_both(&[
        (0, "CREATE TABLE t0(id INTEGER PRIMARY KEY, c0, c1)"),
        (0, "INSERT INTO t0(c0, c1) VALUES (NULL, 'x')"),
        (0, "BEGIN EXCLUSIVE"),
        (1, "UPDATE t1 SET c2 = 12"),
        (0, "COMMIT"),
        (1, "BEGIN"),
        (1, "UPDATE t0 SET c1 = X'73D1' WHERE c0 IS NULL"),
        (1, "ROLLBACK"),
        (0, "BEGIN EXCLUSIVE"),
        (1, "INSERT OR IGNORE INTO t0(c0, c1) VALUES (1, NULL), (2, 3)"),
        (0, "COMMIT"),
        (1, "SELECT * FROM t0 WHERE id = 22"),
    ]);
    assert_eq!(ours, theirs);
    assert_eq!(theirs[9], Ended::Prepare(5));
    assert_eq!(theirs[11], Ended::Done(1));
}

/// The same flag in autocommit mode: a statement that loads the schema after a refused
/// load and then fails (BUSY at its OP_Transaction, then finalized) rolls back all
/// (sqlite3VdbeHalt), which discards the schema; a statement that succeeds commits, which
/// keeps it.
#[test]
fn a_failed_autocommit_statement_after_a_refused_schema_load_discards_the_schema() {
    let (ours, theirs) = on_both(&[
        (0, "CREATE TABLE t(x)"),
        (0, "BEGIN EXCLUSIVE"),
        (1, "SELECT * FROM t"),
        (0, "COMMIT"),
        (0, "BEGIN IMMEDIATE"),
        (1, "INSERT INTO t VALUES (1)"),
        (0, "COMMIT"),
        (0, "BEGIN EXCLUSIVE"),
        (1, "SELECT * FROM t"),
        (0, "COMMIT"),
        (1, "SELECT * FROM t"),
        (0, "BEGIN EXCLUSIVE"),
        (1, "SELECT * FROM t"),
        (0, "COMMIT"),
    ]);
    assert_eq!(ours, theirs);
    assert_eq!(theirs[8], Ended::Prepare(5));
    assert_eq!(theirs[12], Ended::Step(5));
}

/// The same flag and ROLLBACK TO: OP_Savepoint discards a schema holding uncommitted changes
/// even when the savepoint has nothing to undo. Found by interleaved-connections seed 2362.
#[test]
fn a_rollback_to_after_a_refused_schema_load_discards_the_schema() {
    let (ours, theirs) = on_both(&[
        (0, "CREATE TABLE t(x)"),
        (0, "BEGIN EXCLUSIVE"),
        (1, "SELECT * FROM t"),
        (0, "ROLLBACK"),
        (1, "SELECT * FROM u"),
        (1, "SAVEPOINT s"),
        (0, "BEGIN EXCLUSIVE"),
        (1, "ROLLBACK TO s"),
        (1, "SELECT * FROM u"),
        (0, "COMMIT"),
        (1, "RELEASE s"),
    ]);
    assert_eq!(ours, theirs);
    assert_eq!(theirs[4], Ended::Prepare(1));
    assert_eq!(theirs[8], Ended::Prepare(5));
}
