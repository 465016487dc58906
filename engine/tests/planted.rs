//! Each planted bug (engine feature `planted-bugs`) is live: with it planted the effect its
//! failure class looks for occurs (a missing BUSY, a different page layout, a missing sync, an
//! incomplete journal, a scan for a seek, a panic, a loop the progress handler must stop),
//! and without it the same run behaves as SQLite does.
//!
//! The planted bug is process-global: every test takes `LOCK` and plants through `Planted`,
//! which removes the bug again when dropped (also when the test panics).
//!
//! `cargo test -p touchstone-engine --features planted-bugs --test planted`

#![cfg(feature = "planted-bugs")]

mod common;

use common::failing_vfs::FailingVfs;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard};

use touchstone_engine::conn::Connection;
use touchstone_engine::pager::PagerConfig;
use touchstone_engine::planted::{Bug, plant};
use touchstone_engine::vfs::{AccessCheck, MemVfs, OpenFlags, TraceVfs, Vfs, VfsFile};
use touchstone_engine::{ErrorCode, Result, params};

static LOCK: Mutex<()> = Mutex::new(());

/// Holds the process-wide lock and the planted bug; unplants on drop.
struct Planted<'a> {
    _guard: MutexGuard<'a, ()>,
}

impl Planted<'_> {
    /// Takes the lock (a panic of another test does not poison it for us) with no bug planted.
    fn lock() -> Planted<'static> {
        let guard = LOCK.lock().unwrap_or_else(|p| p.into_inner());
        plant(Bug::None);
        Planted { _guard: guard }
    }

    /// Plants `bug` (or none) for what follows.
    fn set(&self, bug: Option<Bug>) {
        plant(bug.unwrap_or(Bug::None));
    }
}

impl Drop for Planted<'_> {
    /// Leaves no bug planted behind.
    fn drop(&mut self) {
        plant(Bug::None);
    }
}

/// Runs `run` once without and once with `bug` planted; returns (without, with).
fn both<T>(bug: Bug, mut run: impl FnMut() -> T) -> (T, T) {
    let p = Planted::lock();
    let clean = run();
    p.set(Some(bug));
    let planted = run();
    p.set(None);
    (clean, planted)
}

/// Pager settings of the tests: 1 KiB pages, `cache_size` pages, synchronous FULL, DELETE.
fn config(cache_size: i64) -> PagerConfig {
    PagerConfig { page_size_bytes: 1024, cache_size, ..PagerConfig::default() }
}

/// A connection to "t.db" on `vfs`.
fn connect(vfs: Arc<dyn Vfs>, cache_size: i64) -> Connection {
    Connection::open_with_config("t.db", vfs, config(cache_size)).unwrap()
}

/// The single text value `sql` returns.
fn text(conn: &Connection, sql: &str) -> String {
    conn.query_row(sql, [], |r| r.get::<_, String>(0)).unwrap()
}

/// The single integer value `sql` returns.
fn int(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap()
}

/// The Vfs calls that write, sync, truncate or delete, as TraceVfs words them.
fn durability_ops(run: impl FnOnce(&Connection)) -> Vec<String> {
    let trace = TraceVfs::new(Arc::new(MemVfs::new()));
    let conn = connect(Arc::new(trace.clone()), 500);
    conn.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, v)").unwrap();
    trace.clear();
    run(&conn);
    trace.durability_ops()
}

/// The number of lines of `ops` that start with `prefix`.
fn count(ops: &[String], prefix: &str) -> usize {
    ops.iter().filter(|l| l.starts_with(prefix)).count()
}

/// A crash's disk image: the database file and its journal.
type Image = (Vec<u8>, Vec<u8>);

// ----- a Vfs that keeps the disk image of a crash just before the journal is deleted ---------

/// A MemVfs whose first delete of a journal first copies the database and the journal: the
/// image a power loss leaves after a commit wrote (and synced) the database file but before
/// it finalized the journal.
#[derive(Clone)]
struct SnapshotVfs {
    mem: MemVfs,
    snapshot: Arc<Mutex<Option<Image>>>,
}

impl SnapshotVfs {
    /// An empty world.
    fn new() -> SnapshotVfs {
        SnapshotVfs { mem: MemVfs::new(), snapshot: Arc::default() }
    }

    /// The image taken (database, journal), if a journal was deleted since the last take.
    fn take(&self) -> Option<Image> {
        self.snapshot.lock().unwrap().take()
    }
}

impl Vfs for SnapshotVfs {
    /// The inner MemVfs's name.
    fn name(&self) -> &str {
        self.mem.name()
    }
    /// Opens through the MemVfs.
    fn open(&self, path: &str, flags: OpenFlags) -> Result<Box<dyn VfsFile>> {
        self.mem.open(path, flags)
    }
    /// Copies database and journal before a journal's first deletion, then deletes.
    fn delete(&self, path: &str, sync_dir: bool) -> Result<()> {
        if path.ends_with("-journal") {
            let mut snap = self.snapshot.lock().unwrap();
            if snap.is_none() {
                let db = self.mem.file_bytes("t.db").unwrap_or_default();
                let journal = self.mem.file_bytes(path).unwrap_or_default();
                *snap = Some((db, journal));
            }
        }
        self.mem.delete(path, sync_dir)
    }
    /// Asks the MemVfs.
    fn access(&self, path: &str, check: AccessCheck) -> Result<bool> {
        self.mem.access(path, check)
    }
    /// Asks the MemVfs.
    fn full_path(&self, path: &str) -> Result<String> {
        self.mem.full_path(path)
    }
    /// The MemVfs's seeded randomness.
    fn randomness(&self, buf: &mut [u8]) {
        self.mem.randomness(buf)
    }
    /// The MemVfs's virtual sleep.
    fn sleep(&self, duration_us: u64) -> u64 {
        self.mem.sleep(duration_us)
    }
    /// The MemVfs's virtual time.
    fn current_time_ms(&self) -> i64 {
        self.mem.current_time_ms()
    }
}

/// A committed database of 300 rows in `t`, then a transaction that changes a third of them,
/// adds a table and grows the file; returns the image before it and the crash image taken just
/// before its journal was deleted (database, journal).
fn crash_during_commit() -> (Vec<u8>, Image) {
    let vfs = SnapshotVfs::new();
    let conn = connect(Arc::new(vfs.clone()), 500);
    conn.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, v);
         INSERT INTO t(v) VALUES (zeroblob(40));",
    )
    .unwrap();
    for _ in 0..299 {
        conn.execute("INSERT INTO t(v) VALUES (zeroblob(40))", []).unwrap();
    }
    vfs.take();
    let before = vfs.mem.file_bytes("t.db").unwrap();
    conn.execute_batch(
        "BEGIN;
         UPDATE t SET v = 'changed' WHERE id % 3 = 0;
         CREATE TABLE u(a, b);
         INSERT INTO u SELECT id, v FROM t;
         COMMIT;",
    )
    .unwrap();
    (before, vfs.take().expect("the commit deleted its journal"))
}

/// The database file after the engine recovered `image` (a hot journal beside it).
fn engine_recovers(image: &Image) -> Vec<u8> {
    let mem = MemVfs::new();
    mem.set_file_bytes("t.db", &image.0).unwrap();
    mem.set_file_bytes("t.db-journal", &image.1).unwrap();
    let conn = connect(Arc::new(mem.clone()), 500);
    let _ = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0));
    drop(conn);
    assert!(!mem.file_exists("t.db-journal"), "the engine rolled the hot journal back");
    mem.file_bytes("t.db").unwrap()
}

/// Real SQLite's recovery of `image`: the file afterwards and its integrity_check verdict
/// (the error's text if the check cannot run).
fn sqlite_recovers(image: &Image) -> (Vec<u8>, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.db"), &image.0).unwrap();
    std::fs::write(dir.path().join("t.db-journal"), &image.1).unwrap();
    let conn = rusqlite::Connection::open(dir.path().join("t.db")).unwrap();
    let verdict = match conn.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)) {
        Ok(v) => v,
        Err(e) => e.to_string(),
    };
    drop(conn);
    (std::fs::read(dir.path().join("t.db")).unwrap(), verdict)
}

/// The page numbers of the records in the journal's first segment.
fn journal_pages(journal: &[u8], page_size: usize) -> Vec<u32> {
    let header = u32::from_be_bytes(journal[20..24].try_into().unwrap()) as usize; // sector size
    let rec = page_size + 8;
    let mut out = Vec::new();
    let mut off = header;
    while off + rec <= journal.len() {
        out.push(u32::from_be_bytes(journal[off..off + 4].try_into().unwrap()));
        off += rec;
    }
    out
}

// ----- the bugs ----------------------------------------------------------------------------------

/// busy-not-raised: a second connection's BEGIN IMMEDIATE succeeds while the first holds
/// RESERVED (SQLite: SQLITE_BUSY).
#[test]
fn busy_not_raised() {
    let (clean, planted) = both(Bug::BusyNotRaised, || {
        let mem = MemVfs::new();
        let c1 = connect(Arc::new(mem.clone()), 500);
        let c2 = connect(Arc::new(mem.clone()), 500);
        c1.execute_batch("CREATE TABLE t(x); BEGIN IMMEDIATE; INSERT INTO t VALUES (1);").unwrap();
        c2.execute_batch("SELECT count(*) FROM t").unwrap();
        c2.execute_batch("BEGIN IMMEDIATE").map_err(|e| e.code())
    });
    assert_eq!(clean, Err(ErrorCode::Busy), "SQLite's answer: the second writer is BUSY");
    assert_eq!(planted, Ok(()), "planted: the second writer is let in");
}

/// The database file after inserting 600 rows in a scattered key order into a table and an
/// index on 1 KiB pages, with its integrity_check verdict and a digest of its content.
fn scattered_inserts() -> (Vec<u8>, String, String) {
    let mem = MemVfs::new();
    let conn = connect(Arc::new(mem.clone()), 500);
    conn.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, v); CREATE INDEX tv ON t(v); BEGIN;").unwrap();
    for i in 0..600i64 {
        let key = (i * 7919) % 10007;
        conn.execute("INSERT INTO t VALUES (?1, ?2)", params![key, format!("{:0>30}", key * 13 % 1000)]).unwrap();
    }
    conn.execute_batch("COMMIT").unwrap();
    let check = text(&conn, "PRAGMA integrity_check");
    let digest = text(&conn, "SELECT group_concat(id || ':' || v, ',') FROM (SELECT * FROM t ORDER BY id)");
    drop(conn);
    (mem.file_bytes("t.db").unwrap(), check, digest)
}

/// wrong-balance-split: the same inserts leave different pages, with the same content and a
/// valid tree.
#[test]
fn wrong_balance_split() {
    let (clean, planted) = both(Bug::WrongBalanceSplit, scattered_inserts);
    assert_eq!(clean.1, "ok");
    assert_eq!(planted.1, "ok", "the planted tree is still valid");
    assert_eq!(clean.2, planted.2, "the content is the same");
    assert_ne!(clean.0, planted.0, "the pages differ");
    // The unplanted file is SQLite's, byte for byte.
    let sqlite = {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA page_size=1024; CREATE TABLE t(id INTEGER PRIMARY KEY, v); CREATE INDEX tv ON t(v); BEGIN;",
        )
        .unwrap();
        for i in 0..600i64 {
            let key = (i * 7919) % 10007;
            conn.execute("INSERT INTO t VALUES (?1, ?2)", (key, format!("{:0>30}", key * 13 % 1000))).unwrap();
        }
        conn.execute_batch("COMMIT").unwrap();
        drop(conn);
        std::fs::read(&path).unwrap()
    };
    let differing = |a: &[u8]| a.chunks(1024).zip(sqlite.chunks(1024)).skip(1).filter(|(x, y)| x != y).count();
    assert_eq!(differing(&clean.0), 0, "without the bug every page past the header page is SQLite's");
    assert!(differing(&planted.0) > 0);
}

/// skipped-journal-sync: a commit syncs the journal twice at FULL; planted, never.
#[test]
fn skipped_journal_sync() {
    let (clean, planted) = both(Bug::SkippedJournalSync, || {
        durability_ops(|c| {
            c.execute("INSERT INTO t(v) VALUES (1)", []).unwrap();
        })
    });
    assert_eq!(count(&clean, "sync journal"), 2, "{clean:#?}");
    assert_eq!(count(&planted, "sync journal"), 0, "{planted:#?}");
    assert_eq!(count(&planted, "sync db"), 1);
}

/// db-sync-skipped-at-commit: the database file is not synced before the journal goes.
#[test]
fn db_sync_skipped_at_commit() {
    let (clean, planted) = both(Bug::DbSyncSkippedAtCommit, || {
        durability_ops(|c| {
            c.execute("INSERT INTO t(v) VALUES (1)", []).unwrap();
        })
    });
    let tail = |ops: &[String]| ops[ops.len() - 2..].to_vec();
    assert_eq!(tail(&clean), ["sync db NORMAL", "delete journal"], "{clean:#?}");
    assert_eq!(count(&planted, "sync db"), 0, "{planted:#?}");
    assert_eq!(planted.last().map(String::as_str), Some("delete journal"));
}

/// extra-sync-per-statement: one database sync more per commit, also in pager_stats.
#[test]
fn extra_sync_per_statement() {
    let (clean, planted) = both(Bug::ExtraSyncPerStatement, || {
        let mut syncs = 0;
        let ops = durability_ops(|c| {
            let before = c.pager_stats().syncs;
            for i in 0..5 {
                c.execute("INSERT INTO t(v) VALUES (?1)", params![i]).unwrap();
            }
            syncs = c.pager_stats().syncs - before;
        });
        (count(&ops, "sync db"), syncs)
    });
    assert_eq!(clean, (5, 15), "SQLite: per commit two journal syncs and one database sync");
    assert_eq!(planted, (10, 20));
}

/// recovery-skips-last-record: the engine's recovery of a crashed commit's image differs from
/// SQLite's recovery of the same image (and from the file before the transaction).
#[test]
fn recovery_skips_last_record() {
    let p = Planted::lock();
    let (before, image) = crash_during_commit();
    let (sqlite_file, verdict) = sqlite_recovers(&image);
    assert_eq!(verdict, "ok");
    assert_eq!(sqlite_file, before, "SQLite's recovery restores the file");
    assert_eq!(engine_recovers(&image), before, "so does the engine's");
    p.set(Some(Bug::RecoverySkipsLastRecord));
    let planted = engine_recovers(&image);
    p.set(None);
    assert_ne!(planted, sqlite_file, "planted: the engine's recovery differs from SQLite's");
}

/// journal-omits-page-1: the journal of a commit has no record of page 1, so a rollback of
/// the crash image (by SQLite itself) leaves a file that fails integrity_check.
#[test]
fn journal_omits_page_1() {
    let (clean, planted) = both(Bug::JournalOmitsPage1, crash_during_commit);
    assert!(journal_pages(&clean.1.1, 1024).contains(&1));
    assert!(!journal_pages(&planted.1.1, 1024).contains(&1), "planted: page 1 is not journaled");
    let (file, verdict) = sqlite_recovers(&clean.1);
    assert_eq!((file == clean.0, verdict.as_str()), (true, "ok"));
    let (file, verdict) = sqlite_recovers(&planted.1);
    assert_ne!(file, planted.0);
    assert_ne!(verdict, "ok", "planted: the recovered file is corrupt");
}

/// io-error-keeps-statement, on a full disk: an UPDATE of every row that runs out of disk
/// while journaling inside BEGIN keeps the rows it changed before the error (SQLite rolls its statement journal
/// back and keeps the transaction).
#[test]
fn io_error_keeps_statement() {
    let (clean, planted) = both(Bug::IoErrorKeepsStatement, || {
        let mem = MemVfs::new();
        let conn = connect(Arc::new(mem.clone()), 500);
        conn.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, v NOT NULL); BEGIN;").unwrap();
        for _ in 0..200 {
            conn.execute("INSERT INTO t(v) VALUES (zeroblob(300))", []).unwrap();
        }
        conn.execute_batch("COMMIT; BEGIN; UPDATE t SET v = 1 WHERE id = 1;").unwrap();
        mem.set_capacity(Some(mem.used_bytes() + 8 * 1024));
        let err = conn.execute("UPDATE t SET v = 'x' || id", []).unwrap_err().code();
        mem.set_capacity(None);
        let changed = int(&conn, "SELECT count(*) FROM t WHERE typeof(v) = 'text'");
        let autocommit = conn.is_autocommit();
        if !autocommit {
            conn.execute_batch("ROLLBACK").unwrap();
        }
        (err, changed, autocommit)
    });
    assert_eq!(clean, (ErrorCode::Full, 0, false), "SQLite: the statement is undone, the transaction goes on");
    assert_eq!((planted.0, planted.2), (ErrorCode::Full, false));
    assert!(planted.1 > 0, "planted: the failed statement's changes stay ({} rows)", planted.1);
}

/// io-error-keeps-statement, on an I/O error: an UPDATE of every row whose journal write
/// fails part-way inside BEGIN keeps the rows it changed before the error and the transaction
/// open (SQLite rolls the whole transaction back: isSpecialError in sqlite3VdbeHalt).
#[test]
fn io_error_keeps_statement_on_a_write_error() {
    let (clean, planted) = both(Bug::IoErrorKeepsStatement, || {
        let (vfs, countdown) = FailingVfs::new(true);
        let conn = connect(Arc::new(vfs), 500);
        conn.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, v NOT NULL); BEGIN;").unwrap();
        for _ in 0..200 {
            conn.execute("INSERT INTO t(v) VALUES (zeroblob(300))", []).unwrap();
        }
        conn.execute_batch("COMMIT; BEGIN; UPDATE t SET v = 1 WHERE id = 1;").unwrap();
        countdown.store(30, Ordering::SeqCst);
        let err = conn.execute("UPDATE t SET v = 'x' || id", []).unwrap_err().code();
        let unused = countdown.swap(0, Ordering::SeqCst);
        let changed = int(&conn, "SELECT count(*) FROM t WHERE typeof(v) = 'text'");
        let autocommit = conn.is_autocommit();
        if !autocommit {
            conn.execute_batch("ROLLBACK").unwrap();
        }
        (err, unused, changed, autocommit)
    });
    assert_eq!(clean, (ErrorCode::IoErr, 0, 0, true), "SQLite: the whole transaction is rolled back");
    assert_eq!((planted.0, planted.1, planted.3), (ErrorCode::IoErr, 0, false));
    assert!(planted.2 > 0, "planted: the failed statement's changes stay ({} rows)", planted.2);
}

/// rowid-alias-ignored: `WHERE id = ?` on an INTEGER PRIMARY KEY scans the table.
#[test]
fn rowid_alias_ignored() {
    let (clean, planted) = both(Bug::RowidAliasIgnored, || {
        let conn = connect(Arc::new(MemVfs::new()), 2000);
        conn.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, v); BEGIN;").unwrap();
        for i in 1..=5000 {
            conn.execute("INSERT INTO t VALUES (?1, ?2)", params![i, format!("value {i}")]).unwrap();
        }
        conn.execute_batch("COMMIT").unwrap();
        let before = conn.pager_stats();
        let v = text(&conn, "SELECT v FROM t WHERE id = 2500");
        let after = conn.pager_stats();
        (v, (after.cache_hits + after.cache_misses) - (before.cache_hits + before.cache_misses))
    });
    assert_eq!(clean.0, "value 2500");
    assert_eq!(planted.0, clean.0, "the result stays right");
    assert!(clean.1 <= 5, "a seek fetches a page per level: {}", clean.1);
    assert!(planted.1 > 8 * clean.1, "planted: a full scan: {} fetches against {}", planted.1, clean.1);
}

/// panic-on-empty-blob-compare: comparing a blob column with X'' panics.
#[test]
fn panic_on_empty_blob_compare() {
    let (clean, planted) = both(Bug::PanicOnEmptyBlobCompare, || {
        std::panic::catch_unwind(|| {
            let conn = connect(Arc::new(MemVfs::new()), 500);
            conn.execute_batch("CREATE TABLE t(b); INSERT INTO t VALUES (X'01'), (X''), (NULL);").unwrap();
            int(&conn, "SELECT count(*) FROM t WHERE b = X''")
        })
        .is_ok_and(|n| n == 1)
    });
    assert!(clean, "without the bug the query answers 1");
    assert!(!planted, "planted: the comparison panics");
}

/// Runs `sql` on a table of three rows, one of which has `id` or `v` equal to i64::MAX
/// (`in_rowid`), with a handler that stops the statement at its 1,001st call (every 1,000
/// instructions), reading at most 10^7 rows; returns the rows read or the error's code, and
/// the calls.
fn run_with_budget(sql: &str, in_rowid: bool) -> (std::result::Result<usize, ErrorCode>, u32) {
    let conn = connect(Arc::new(MemVfs::new()), 500);
    let max = i64::MAX;
    let row = if in_rowid { format!("({max}, 30)") } else { format!("(3, {max})") };
    conn.execute_batch(&format!(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, v); INSERT INTO t VALUES (1, 10), {row}, (5, 20);"
    ))
    .unwrap();
    let calls = std::rc::Rc::new(std::cell::Cell::new(0u32));
    let c = calls.clone();
    conn.progress_handler(
        1000,
        Some(move || {
            c.set(c.get() + 1);
            c.get() > 1000
        }),
    );
    let mut stmt = conn.prepare(sql).unwrap();
    let mut rows = stmt.query([]).unwrap();
    let mut n = 0;
    let r = loop {
        match rows.next() {
            Ok(Some(_)) if n < 10_000_000 => n += 1,
            Ok(_) => break Ok(n),
            Err(e) => break Err(e.code()),
        }
    };
    drop(rows);
    (r, calls.get())
}

/// hang-on-max-integer: a forward scan over a row holding i64::MAX (as its rowid or in a
/// column) never ends; the progress handler stops it with SQLITE_INTERRUPT, also when the loop
/// returns rows (the count of instructions carries over between steps).
#[test]
fn hang_on_max_integer() {
    let cases = [
        ("SELECT max(v) FROM t", false, Ok(1)),
        ("SELECT count(*) FROM t WHERE v > 0", true, Ok(1)),
        ("SELECT id, v FROM t", false, Ok(3)),
    ];
    for (sql, in_rowid, rows) in cases {
        let (clean, planted) = both(Bug::HangOnMaxInteger, || run_with_budget(sql, in_rowid));
        assert_eq!(clean, (rows, 0), "{sql}");
        assert_eq!(planted, (Err(ErrorCode::Interrupt), 1001), "planted: only the budget ends {sql}");
    }
}

/// Every bug's name leads back to it, and each has a class.
#[test]
fn names_round_trip() {
    for bug in Bug::ALL {
        assert_eq!(Bug::from_name(bug.name()), Some(bug));
        assert_ne!(bug.class(), "none");
    }
    assert_eq!(Bug::from_name("none"), Some(Bug::None));
    assert_eq!(Bug::from_name("no-such-bug"), None);
}
