//! What a connection's transaction state is after a statement fails on an I/O error or a
//! full disk: the engine and real SQLite run the same statements on their own MemVfs, the
//! same fault strikes both, and every statement's outcome and `is_autocommit` that follow
//! must be equal. (The simulator's fault check accepts either SQLite outcome where a fault
//! leaves a choice; these are the cases where SQLite's is fixed and the engine must match.)
//!
//! Real SQLite's registrations and PRNG are process-global: the tests of this file hold
//! `serial()`.

use std::sync::{Arc, Mutex, MutexGuard};
use touchstone_engine::conn::Connection as EngineConnection;
use touchstone_engine::vfs::MemVfs;
use touchstone_oracle::sqlite_vfs::SqliteVfs;

fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// 50 rows on a few pages.
fn setup() -> String {
    format!("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT); {}", inserts(1..=50, 100))
}

/// One INSERT per rowid of `rowids`, each row's text `text_bytes` long.
fn inserts(rowids: std::ops::RangeInclusive<i64>, text_bytes: usize) -> String {
    rowids.map(|i| format!("INSERT INTO t VALUES ({i}, printf('%.{text_bytes}c', 'a'));")).collect()
}

/// One side of the comparison: runs SQL and says whether the connection is in autocommit
/// mode.
trait Side {
    /// Runs `sql`; `Ok` or the error's message.
    fn run(&self, sql: &str) -> Result<(), String>;
    /// `SELECT count(*) FROM t`, or the error's message.
    fn count(&self) -> Result<i64, String>;
    fn autocommit(&self) -> bool;
}

/// Both connection types have the same methods under the same names (the engine's API is
/// rusqlite's shape); one body serves both.
macro_rules! side {
    ($connection:ty) => {
        impl Side for $connection {
            fn run(&self, sql: &str) -> Result<(), String> {
                self.execute_batch(sql).map_err(|e| e.to_string())
            }
            fn count(&self) -> Result<i64, String> {
                self.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).map_err(|e| e.to_string())
            }
            fn autocommit(&self) -> bool {
                self.is_autocommit()
            }
        }
    };
}

side!(EngineConnection);
side!(rusqlite::Connection);

/// One statement's outcome: whether it succeeded, the autocommit mode after it, and the
/// rows of `t` then.
type Outcome = (bool, bool, Result<i64, String>);

/// Runs `before` with room on the disk, then `failing` on a disk with no room left for
/// anything (the statement must fail with a full disk), then each of `after` with room again;
/// returns the outcomes from `failing` on.
fn outcomes(side: &dyn Side, mem: &MemVfs, before: &str, failing: &str, after: &[&str]) -> Vec<Outcome> {
    side.run(&setup()).expect("setup");
    side.run(before).expect("before");
    mem.set_capacity(Some(mem.used_bytes()));
    let error = side.run(failing).expect_err("the statement meets a full disk");
    assert!(error.contains("full"), "{failing}: {error}");
    mem.set_capacity(None);
    let mut out = vec![(false, side.autocommit(), side.count())];
    for sql in after {
        let ok = side.run(sql).is_ok();
        out.push((ok, side.autocommit(), side.count()));
    }
    out
}

/// The outcomes on the engine and on real SQLite, each on a fresh MemVfs.
fn both(before: &str, failing: &str, after: &[&str]) -> (Vec<Outcome>, Vec<Outcome>) {
    let _serial = serial();
    let mem = MemVfs::new();
    let engine = EngineConnection::open_with_vfs("/db", Arc::new(mem.clone())).expect("engine opens");
    let engine_out = outcomes(&engine, &mem, before, failing, after);
    let mem = MemVfs::new();
    let sqlite = SqliteVfs::register(Arc::new(mem.clone())).expect("register").open("/db").expect("open");
    let sqlite_out = outcomes(&*sqlite, &mem, before, failing, after);
    (engine_out, sqlite_out)
}

/// A RELEASE of the savepoint that began the transaction commits it. When that commit fails,
/// SQLite rolls the transaction back but stays out of autocommit mode with its savepoints
/// (OP_Savepoint sets autoCommit back to 0 after the halt that rolled back): the next
/// statements run in a new transaction under the same savepoints, which a later RELEASE
/// commits.
#[test]
fn a_failed_release_commit_keeps_the_savepoints_open_as_sqlite_does() {
    let before = format!("SAVEPOINT a; SAVEPOINT b; {}", inserts(51..=150, 300));
    let after =
        ["INSERT INTO t(b) VALUES ('x')", "ROLLBACK TO b", "INSERT INTO t(b) VALUES ('y')", "RELEASE a", "RELEASE a"];
    let (engine, sqlite) = both(&before, "RELEASE a", &after);
    assert_eq!(sqlite[0], (false, false, Ok(50)), "SQLite: rolled back, still in a transaction");
    assert_eq!(sqlite[4], (true, true, Ok(51)), "SQLite: the next RELEASE commits what followed");
    assert!(!sqlite[5].0, "SQLite: the savepoint is gone");
    assert_eq!(engine, sqlite);
}

/// A COMMIT whose commit fails rolls the transaction back and returns to autocommit mode
/// (OP_AutoCommit closes the savepoints).
#[test]
fn a_failed_commit_returns_to_autocommit_as_sqlite_does() {
    let before = format!("BEGIN; SAVEPOINT b; {}", inserts(51..=150, 300));
    let after = ["INSERT INTO t(b) VALUES ('x')", "RELEASE b", "COMMIT"];
    let (engine, sqlite) = both(&before, "COMMIT", &after);
    assert_eq!(sqlite[0], (false, true, Ok(50)), "SQLite: rolled back, autocommit");
    assert_eq!(engine, sqlite);
}
