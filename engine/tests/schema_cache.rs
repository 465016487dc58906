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
