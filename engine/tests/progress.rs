//! The progress handler (sqlite3_progress_handler): called every N VDBE instructions; when it
//! returns true the statement fails with SQLITE_INTERRUPT, as real SQLite's does, and undoes
//! what SQLite's sqlite3VdbeHalt undoes for an interrupt.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use touchstone_engine::ErrorCode;
use touchstone_engine::conn::Connection;
use touchstone_engine::vfs::MemVfs;

/// Setup shared by both engines: a table of 100 rows.
const SETUP: &str = "CREATE TABLE t(x INTEGER PRIMARY KEY, y);
    INSERT INTO t(y) VALUES (1),(2),(3),(4),(5),(6),(7),(8),(9),(10);
    INSERT INTO t(y) SELECT a.y FROM t a, t b LIMIT 90;";

/// A cross join of four copies of t: 10^8 rows to count, far beyond any test's patience.
const HUGE: &str = "SELECT count(*) FROM t a, t b, t c, t d";

/// An engine connection on a fresh MemVfs, set up.
fn engine() -> Connection {
    let conn = Connection::open_with_vfs("t.db", Arc::new(MemVfs::new())).unwrap();
    conn.execute_batch(SETUP).unwrap();
    conn
}

/// A rusqlite connection in memory, set up.
fn sqlite() -> rusqlite::Connection {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(SETUP).unwrap();
    conn
}

/// A handler that counts its calls and asks to stop at call `stop_at`.
fn stopper(stop_at: u32) -> (Rc<Cell<u32>>, impl FnMut() -> bool + 'static) {
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    (calls, move || {
        c.set(c.get() + 1);
        c.get() >= stop_at
    })
}

/// Gives `conn` (real SQLite) a handler every 1,000 instructions that stops at call `stop_at`.
fn sqlite_stopper(conn: &mut rusqlite::Connection, stop_at: u32) {
    let calls = AtomicU32::new(0);
    conn.progress_handler(1000, Some(move || calls.fetch_add(1, Ordering::Relaxed) + 1 >= stop_at)).unwrap();
}

/// A cross join of 10^8 rows stops at the handler's 20th call with SQLite's code and message.
#[test]
fn a_huge_cross_join_is_interrupted_as_in_sqlite() {
    let conn = engine();
    let (calls, f) = stopper(20);
    conn.progress_handler(1000, Some(f));
    let err = conn.query_row(HUGE, [], |r| r.get::<_, i64>(0)).unwrap_err();
    assert_eq!(calls.get(), 20);
    assert_eq!((err.code(), err.code().sqlite_code(), err.message()), (ErrorCode::Interrupt, 9, "interrupted"));

    let mut reference = sqlite();
    sqlite_stopper(&mut reference, 20);
    let err = reference.query_row(HUGE, [], |r| r.get::<_, i64>(0)).unwrap_err();
    match err {
        rusqlite::Error::SqliteFailure(e, msg) => {
            assert_eq!(e.extended_code, 9);
            assert_eq!(msg.as_deref(), Some("interrupted"));
        }
        other => panic!("SQLite: {other:?}"),
    }
}

/// A handler that never asks to stop is called and changes nothing; removed, it is not called.
#[test]
fn a_handler_that_never_stops_changes_nothing() {
    let conn = engine();
    let (calls, f) = stopper(u32::MAX);
    conn.progress_handler(100, Some(f));
    let n: i64 = conn.query_row("SELECT count(*) FROM t a, t b", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 10_000);
    assert!(calls.get() > 100, "called every 100 instructions: {} calls", calls.get());
    // Removed: no more calls.
    conn.progress_handler(0, None::<fn() -> bool>);
    let before = calls.get();
    let _: i64 = conn.query_row("SELECT count(*) FROM t a, t b", [], |r| r.get(0)).unwrap();
    assert_eq!(calls.get(), before);
}

/// The instruction count carries over between steps (SQLite's nVmStep): 100 rows, one per
/// step of a few instructions, with a handler every 50 instructions, which no single step
/// reaches.
#[test]
fn the_count_carries_over_between_steps() {
    let conn = engine();
    let (calls, f) = stopper(u32::MAX);
    conn.progress_handler(50, Some(f));
    let mut stmt = conn.prepare("SELECT y FROM t").unwrap();
    let mut rows = stmt.query([]).unwrap();
    let mut n = 0;
    while rows.next().unwrap().is_some() {
        n += 1;
    }
    assert_eq!(n, 100);
    assert!(calls.get() >= 5, "{} calls", calls.get());
}

/// sqlite3VdbeHalt: SQLITE_INTERRUPT in a statement that writes rolls back the whole
/// transaction, and the connection returns to autocommit mode.
#[test]
fn an_interrupted_write_rolls_back_the_transaction_as_in_sqlite() {
    let insert = "INSERT INTO t(y) SELECT a.y FROM t a, t b, t c";
    let conn = engine();
    conn.execute_batch("BEGIN; INSERT INTO t(y) VALUES (1000);").unwrap();
    let (_, f) = stopper(50);
    conn.progress_handler(1000, Some(f));
    let err = conn.execute(insert, []).unwrap_err();
    conn.progress_handler(0, None::<fn() -> bool>);
    assert_eq!(err.code(), ErrorCode::Interrupt);
    let engine_after =
        (conn.is_autocommit(), conn.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0)).unwrap());

    let mut reference = sqlite();
    reference.execute_batch("BEGIN; INSERT INTO t(y) VALUES (1000);").unwrap();
    sqlite_stopper(&mut reference, 50);
    assert!(reference.execute(insert, []).is_err());
    reference.progress_handler(0, None::<fn() -> bool>).unwrap();
    let sqlite_after =
        (reference.is_autocommit(), reference.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0)).unwrap());
    assert_eq!(engine_after, sqlite_after);
    assert_eq!(engine_after, (true, 100));
}

/// An interrupted read undoes nothing: the transaction and its writes stay.
#[test]
fn an_interrupted_read_keeps_the_transaction_as_in_sqlite() {
    let conn = engine();
    conn.execute_batch("BEGIN; INSERT INTO t(y) VALUES (1000);").unwrap();
    let (_, f) = stopper(5);
    conn.progress_handler(1000, Some(f));
    assert_eq!(conn.query_row(HUGE, [], |r| r.get::<_, i64>(0)).unwrap_err().code(), ErrorCode::Interrupt);
    conn.progress_handler(0, None::<fn() -> bool>);
    assert!(!conn.is_autocommit());
    assert_eq!(conn.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0)).unwrap(), 101);
    conn.execute_batch("COMMIT").unwrap();
}
