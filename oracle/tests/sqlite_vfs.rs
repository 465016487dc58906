//! Real SQLite on engine `Vfs`es through the FFI adapter (`touchstone_oracle::sqlite_vfs`).
//!
//! Every test takes [`serial`] first: SQLite's PRNG is process-global, and the determinism
//! test needs no other test drawing from it while it runs.

use rusqlite::ErrorCode as SqliteErrorCode;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use touchstone_engine::conn::Connection as EngineConnection;
use touchstone_engine::error::{Error, IoErrorKind, Result as EngineResult};
use touchstone_engine::vfs::{
    AccessCheck, DeviceCharacteristics, FileKind, LockLevel, MemVfs, OpenFlags, ReadOutcome, SyncFlags, TraceVfs, Vfs,
    VfsFile,
};
use touchstone_oracle::sqlite_vfs::{ReferenceConnection, SqliteVfs, is_vfs_registered, seed_sqlite_prng};

/// Serializes the tests of this file (see the module documentation).
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A run loop may move connections between threads and share registrations.
#[test]
fn handles_are_send_and_sync_where_a_run_loop_needs_them() {
    fn send<T: Send>() {}
    fn send_sync<T: Send + Sync>() {}
    send::<ReferenceConnection>();
    send_sync::<SqliteVfs>();
}

/// Registers a clone of `vfs` (same files) and opens `/db` on it.
fn open_mem(vfs: &MemVfs) -> ReferenceConnection {
    SqliteVfs::register(Arc::new(vfs.clone())).expect("register").open("/db").expect("open")
}

/// The extended result code of a rusqlite error.
fn extended_code(error: &rusqlite::Error) -> i32 {
    match error {
        rusqlite::Error::SqliteFailure(e, _) => e.extended_code,
        other => panic!("not an SQLite failure: {other:?}"),
    }
}

fn integrity(conn: &rusqlite::Connection) -> String {
    conn.query_row("PRAGMA integrity_check", [], |row| row.get(0)).expect("integrity_check")
}

fn count(conn: &rusqlite::Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| row.get(0)).expect("count")
}

fn rows(conn: &rusqlite::Connection, sql: &str) -> Vec<(i64, String)> {
    let mut stmt = conn.prepare(sql).expect("prepare");
    stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).expect("query").map(|r| r.expect("row")).collect()
}

fn engine_rows(conn: &EngineConnection, sql: &str) -> Vec<(i64, String)> {
    let mut stmt = conn.prepare(sql).expect("engine prepare");
    let mut rows = stmt.query([]).expect("engine query");
    let mut out = Vec::new();
    while let Some(row) = rows.next().expect("engine step") {
        out.push((row.get(0).expect("a"), row.get(1).expect("b")));
    }
    out
}

#[test]
fn sqlite_writes_engine_reads_and_engine_writes_sqlite_reads() {
    let _serial = serial();
    let vfs = MemVfs::new();
    {
        let conn = open_mem(&vfs);
        conn.execute_batch(
            "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT);
             BEGIN;
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500)
             INSERT INTO t SELECT i, printf('row %d %.*c', i, i % 40, 'x') FROM n;
             COMMIT;",
        )
        .expect("sqlite writes");
        assert_eq!(count(&conn, "t"), 500);
    }
    let image = vfs.file_bytes("/db").expect("the database is in the MemVfs");
    assert_eq!(&image[..16], b"SQLite format 3\0");
    assert!(image.len() > 4096, "several pages: {}", image.len());
    assert!(!vfs.file_exists("/db-journal"), "the journal is deleted after commit");

    let expected = {
        let reference = rusqlite::Connection::open_in_memory().unwrap();
        reference.execute_batch("CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)").unwrap();
        for i in 1..=500i64 {
            reference.execute("INSERT INTO t VALUES (?1, printf('row %d %.*c', ?1, ?1 % 40, 'x'))", [i]).unwrap();
        }
        rows(&reference, "SELECT a, b FROM t ORDER BY a")
    };
    {
        let engine = EngineConnection::open_with_vfs("/db", Arc::new(vfs.clone())).expect("engine opens");
        assert_eq!(engine_rows(&engine, "SELECT a, b FROM t ORDER BY a"), expected);
        engine
            .execute_batch(
                "CREATE TABLE u(k INTEGER PRIMARY KEY, v TEXT);
                 INSERT INTO u VALUES (1, 'one'), (2, 'two'), (3, 'three');
                 DELETE FROM t WHERE a > 250;",
            )
            .expect("engine writes");
    }
    let conn = open_mem(&vfs);
    assert_eq!(integrity(&conn), "ok");
    assert_eq!(
        rows(&conn, "SELECT k, v FROM u ORDER BY k"),
        vec![(1, "one".to_string()), (2, "two".to_string()), (3, "three".to_string())]
    );
    assert_eq!(rows(&conn, "SELECT a, b FROM t ORDER BY a"), expected[..250].to_vec());
}

#[test]
fn two_connections_exclude_each_other_with_busy() {
    let _serial = serial();
    let vfs = MemVfs::new();
    let a = open_mem(&vfs);
    // A second registration on the same files, as a second process would be.
    let b = open_mem(&vfs);
    a.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);").unwrap();

    // RESERVED: the other may read but not write.
    a.execute_batch("BEGIN IMMEDIATE; INSERT INTO t VALUES (2);").unwrap();
    assert_eq!(count(&b, "t"), 1, "readers see the committed state");
    let err = b.execute("INSERT INTO t VALUES (3)", []).unwrap_err();
    assert_eq!(err.sqlite_error_code(), Some(SqliteErrorCode::DatabaseBusy));
    assert_eq!(extended_code(&err), 5);
    a.execute_batch("COMMIT").unwrap();

    // EXCLUSIVE: the other may not even read.
    a.execute_batch("BEGIN EXCLUSIVE; INSERT INTO t VALUES (4);").unwrap();
    let err = b.query_row("SELECT count(*) FROM t", [], |row| row.get::<_, i64>(0)).unwrap_err();
    assert_eq!(err.sqlite_error_code(), Some(SqliteErrorCode::DatabaseBusy));
    a.execute_batch("COMMIT").unwrap();

    // Released: the other writes, and the first one now waits for it.
    b.execute_batch("BEGIN IMMEDIATE; INSERT INTO t VALUES (5);").unwrap();
    let err = a.execute("INSERT INTO t VALUES (6)", []).unwrap_err();
    assert_eq!(extended_code(&err), 5);
    b.execute_batch("COMMIT").unwrap();
    assert_eq!(count(&a, "t"), 4);
}

/// Copies every file of `src` into a new MemVfs.
fn copy_files(src: &MemVfs) -> MemVfs {
    let dst = MemVfs::new();
    for path in src.file_paths() {
        dst.set_file_bytes(&path, &src.file_bytes(&path).unwrap()).unwrap();
    }
    dst
}

/// SQLite's journal magic, which a journal carries once synced (hot if left behind).
const JOURNAL_MAGIC: [u8; 8] = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];

#[test]
fn hot_journal_left_mid_transaction_is_rolled_back_on_open() {
    let _serial = serial();
    let vfs = MemVfs::new();
    let conn = open_mem(&vfs);
    conn.execute_batch(
        "CREATE TABLE t(a INTEGER PRIMARY KEY, b BLOB);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
         INSERT INTO t SELECT i, zeroblob(500) FROM n;",
    )
    .unwrap();
    let before = vfs.file_bytes("/db").unwrap();
    // A small cache makes SQLite spill dirty pages mid-transaction: the journal is synced
    // (its magic written) and the database file changed, as in a crash before commit.
    conn.execute_batch(
        "PRAGMA cache_size = 10;
         BEGIN;
         UPDATE t SET b = randomblob(500);
         WITH RECURSIVE n(i) AS (SELECT 301 UNION ALL SELECT i + 1 FROM n WHERE i < 600)
         INSERT INTO t SELECT i, randomblob(500) FROM n;",
    )
    .unwrap();
    let journal = vfs.file_bytes("/db-journal").expect("a journal mid-transaction");
    assert_eq!(journal[..8], JOURNAL_MAGIC, "the journal was synced by the spill");
    assert_ne!(vfs.file_bytes("/db").unwrap(), before, "the spill wrote the database file");
    let crashed = copy_files(&vfs);
    drop(conn);

    let recovered = copy_files(&crashed);
    {
        let conn = open_mem(&recovered);
        assert_eq!(count(&conn, "t"), 300, "the old content is back");
        assert_eq!(
            conn.query_row("SELECT count(*) FROM t WHERE b = zeroblob(500)", [], |r| r.get::<_, i64>(0)).unwrap(),
            300
        );
        assert_eq!(integrity(&conn), "ok");
    }
    assert!(!recovered.file_exists("/db-journal"), "recovery deleted the journal");
    assert_eq!(recovered.file_bytes("/db").unwrap()[..before.len()], before[..]);

    // Cross-recovery: the engine rolls back SQLite's hot journal to the same state.
    let by_engine = copy_files(&crashed);
    {
        let engine = EngineConnection::open_with_vfs("/db", Arc::new(by_engine.clone())).unwrap();
        let n: i64 = engine.query_row("SELECT count(*) FROM t", [], |row| row.get(0)).unwrap();
        assert_eq!(n, 300);
    }
    assert_eq!(by_engine.file_bytes("/db").unwrap()[..before.len()], before[..]);
}

#[test]
fn temporary_files_are_opened_with_null_names_and_deleted_on_close() {
    let _serial = serial();
    let mem = MemVfs::new();
    // A file already at the first temp name: it is skipped, and left alone.
    mem.set_file_bytes("/etilqs_0", b"keep").unwrap();
    let trace = TraceVfs::new(Arc::new(mem.clone()));
    let log = trace.log();
    let sqlite_vfs = SqliteVfs::register(Arc::new(trace)).unwrap();
    {
        let conn = sqlite_vfs.open("/db").unwrap();
        conn.execute_batch(
            "PRAGMA temp_store = FILE;
             PRAGMA main.cache_size = 10;
             PRAGMA temp.cache_size = 10;
             CREATE TEMP TABLE tt(a INTEGER PRIMARY KEY, b TEXT);
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)
             INSERT INTO tt SELECT i, printf('%.200c', 'y') || i FROM n;",
        )
        .unwrap();
        // DISTINCT through an ephemeral b-tree larger than the cache.
        let distinct: i64 = conn
            .query_row(
                "SELECT count(*) FROM (SELECT DISTINCT b || a FROM tt, (SELECT 1 UNION ALL SELECT 2))",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(distinct, 3000);
        // A sort bigger than the sorter's memory (250 pages with a small cache) spills.
        let mut stmt =
            conn.prepare("SELECT b || a || x FROM tt, (SELECT 1 AS x UNION ALL SELECT 2) ORDER BY 1 DESC").unwrap();
        let sorted: Vec<String> = stmt.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect();
        assert_eq!(sorted.len(), 6000);
        assert!(sorted.windows(2).all(|w| w[0] >= w[1]));
        drop(stmt);
        assert_eq!(count(&conn, "tt"), 3000);
        assert!(mem.file_paths().iter().any(|p| p.starts_with("/etilqs_")), "the temp database is open");
    }
    let temp_opens: Vec<(String, FileKind)> = log
        .events()
        .into_iter()
        .filter_map(|e| match e.op {
            touchstone_engine::vfs::TraceOp::Open { flags } if flags.kind != FileKind::MainDb && e.succeeded() => {
                assert!(flags.delete_on_close || flags.kind == FileKind::MainJournal, "{e}");
                Some((e.path, flags.kind))
            }
            _ => None,
        })
        .collect();
    assert!(temp_opens.iter().any(|(path, kind)| *kind == FileKind::TempDb && path == "/etilqs_1"), "{temp_opens:?}");
    assert!(!temp_opens.iter().any(|(path, _)| path == "/etilqs_0"), "{temp_opens:?}");
    assert!(temp_opens.iter().any(|(_, kind)| *kind == FileKind::TempJournal), "the sorter spilled: {temp_opens:?}");
    let names: HashSet<&String> = temp_opens.iter().map(|(path, _)| path).collect();
    assert_eq!(names.len(), temp_opens.len(), "each temp file has its own name: {temp_opens:?}");
    assert_eq!(mem.file_paths(), vec!["/db".to_string(), "/etilqs_0".to_string()], "temp files are deleted on close");
    assert_eq!(mem.file_bytes("/etilqs_0").unwrap(), b"keep");
}

/// A Vfs around MemVfs whose files fail the `fail_at`-th write (counted from arming) with
/// IoErr/Write, and panic on writes while `panic_on_write` is set.
#[derive(Clone)]
struct FaultyVfs {
    inner: MemVfs,
    faults: Arc<Faults>,
}

#[derive(Default)]
struct Faults {
    writes: AtomicUsize,
    /// 0: never fail.
    fail_at: AtomicUsize,
    panic_on_write: std::sync::atomic::AtomicBool,
}

impl Faults {
    fn arm(&self, fail_at: usize) {
        self.writes.store(0, Ordering::SeqCst);
        self.fail_at.store(fail_at, Ordering::SeqCst);
    }
}

struct FaultyFile {
    inner: Box<dyn VfsFile>,
    faults: Arc<Faults>,
}

impl Vfs for FaultyVfs {
    fn name(&self) -> &str {
        "faulty"
    }
    fn open(&self, path: &str, flags: OpenFlags) -> EngineResult<Box<dyn VfsFile>> {
        Ok(Box::new(FaultyFile { inner: self.inner.open(path, flags)?, faults: Arc::clone(&self.faults) }))
    }
    fn delete(&self, path: &str, sync_dir: bool) -> EngineResult<()> {
        self.inner.delete(path, sync_dir)
    }
    fn access(&self, path: &str, check: AccessCheck) -> EngineResult<bool> {
        self.inner.access(path, check)
    }
    fn full_path(&self, path: &str) -> EngineResult<String> {
        self.inner.full_path(path)
    }
    fn randomness(&self, buf: &mut [u8]) {
        self.inner.randomness(buf)
    }
    fn sleep(&self, duration_us: u64) -> u64 {
        self.inner.sleep(duration_us)
    }
    fn current_time_ms(&self) -> i64 {
        self.inner.current_time_ms()
    }
}

impl VfsFile for FaultyFile {
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> EngineResult<ReadOutcome> {
        self.inner.read_at(buf, offset)
    }
    fn write_at(&mut self, buf: &[u8], offset: u64) -> EngineResult<()> {
        if self.faults.panic_on_write.load(Ordering::SeqCst) {
            panic!("injected panic in write_at");
        }
        let n = self.faults.writes.fetch_add(1, Ordering::SeqCst) + 1;
        if n == self.faults.fail_at.load(Ordering::SeqCst) {
            return Err(Error::io(IoErrorKind::Write, "injected write error"));
        }
        self.inner.write_at(buf, offset)
    }
    fn truncate(&mut self, size_bytes: u64) -> EngineResult<()> {
        self.inner.truncate(size_bytes)
    }
    fn sync(&mut self, flags: SyncFlags) -> EngineResult<()> {
        self.inner.sync(flags)
    }
    fn size(&mut self) -> EngineResult<u64> {
        self.inner.size()
    }
    fn lock(&mut self, level: LockLevel) -> EngineResult<()> {
        self.inner.lock(level)
    }
    fn unlock(&mut self, level: LockLevel) -> EngineResult<()> {
        self.inner.unlock(level)
    }
    fn lock_level(&self) -> LockLevel {
        self.inner.lock_level()
    }
    fn check_reserved_lock(&mut self) -> EngineResult<bool> {
        self.inner.check_reserved_lock()
    }
    fn sector_size(&self) -> u32 {
        self.inner.sector_size()
    }
    fn device_characteristics(&self) -> DeviceCharacteristics {
        self.inner.device_characteristics()
    }
}

const SETUP: &str = "CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT);
     WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)
     INSERT INTO t SELECT i, printf('%.100c', 'a') FROM n;";
/// A transaction that writes many pages (journal records, then database pages).
const BIG_TX: &str = "BEGIN;
     UPDATE t SET b = printf('%.300c', 'b');
     WITH RECURSIVE n(i) AS (SELECT 51 UNION ALL SELECT i + 1 FROM n WHERE i < 150)
     INSERT INTO t SELECT i, printf('%.300c', 'c') FROM n;
     COMMIT;";

#[test]
fn injected_write_errors_reach_sql_with_ioerr_write_and_leave_a_consistent_database() {
    let _serial = serial();
    let mut failures = 0;
    for fail_at in 1..=40 {
        let faults = Arc::new(Faults::default());
        let mem = MemVfs::new();
        let vfs = FaultyVfs { inner: mem.clone(), faults: Arc::clone(&faults) };
        let conn = SqliteVfs::register(Arc::new(vfs)).unwrap().open("/db").unwrap();
        conn.execute_batch(SETUP).unwrap();
        faults.arm(fail_at);
        let outcome = conn.execute_batch(BIG_TX);
        faults.arm(0);
        match outcome {
            Ok(()) => assert_eq!(count(&conn, "t"), 150),
            Err(error) => {
                failures += 1;
                assert_eq!(extended_code(&error), 778, "SQLITE_IOERR_WRITE at write {fail_at}: {error}");
                if !conn.is_autocommit() {
                    conn.execute_batch("ROLLBACK").unwrap();
                }
                assert_eq!(count(&conn, "t"), 50, "write {fail_at}: the transaction is undone");
                assert_eq!(conn.query_row("SELECT max(length(b)) FROM t", [], |r| r.get::<_, i64>(0)).unwrap(), 100);
            }
        }
        assert_eq!(integrity(&conn), "ok", "write {fail_at}");
        drop(conn);
        // Reopened from the bytes alone, the database is still consistent.
        let reopened = open_mem(&copy_files(&mem));
        assert_eq!(integrity(&reopened), "ok");
    }
    assert!(failures >= 10, "the transaction did enough writes to fail in journal and database ({failures})");
}

#[test]
fn full_disk_reaches_sql_as_sqlite_full() {
    let _serial = serial();
    let mem = MemVfs::new();
    let conn = open_mem(&mem);
    conn.execute_batch(SETUP).unwrap();
    mem.set_capacity(Some(mem.used_bytes() + 3 * 4096));
    let error = conn.execute_batch(BIG_TX).unwrap_err();
    assert_eq!(extended_code(&error), 13, "SQLITE_FULL: {error}");
    if !conn.is_autocommit() {
        conn.execute_batch("ROLLBACK").unwrap();
    }
    mem.set_capacity(None);
    assert_eq!(count(&conn, "t"), 50);
    assert_eq!(integrity(&conn), "ok");
    conn.execute_batch(BIG_TX).unwrap();
    assert_eq!(count(&conn, "t"), 150);
}

#[test]
fn a_panicking_vfs_gives_an_io_error_not_an_abort() {
    let _serial = serial();
    let faults = Arc::new(Faults::default());
    let mem = MemVfs::new();
    let conn = SqliteVfs::register(Arc::new(FaultyVfs { inner: mem.clone(), faults: Arc::clone(&faults) }))
        .unwrap()
        .open("/db")
        .unwrap();
    conn.execute_batch(SETUP).unwrap();
    faults.panic_on_write.store(true, Ordering::SeqCst);
    let error = conn.execute_batch(BIG_TX).unwrap_err();
    assert_eq!(extended_code(&error), 778, "{error}");
    faults.panic_on_write.store(false, Ordering::SeqCst);
    if !conn.is_autocommit() {
        conn.execute_batch("ROLLBACK").unwrap();
    }
    assert_eq!(count(&conn, "t"), 50);
    assert_eq!(integrity(&conn), "ok");
}

#[test]
fn trace_shows_sqlite_sync_order_for_an_autocommit_insert() {
    let _serial = serial();
    let trace = TraceVfs::new(Arc::new(MemVfs::new()));
    let log = trace.log();
    let conn = SqliteVfs::register(Arc::new(trace)).unwrap().open("/db").unwrap();
    conn.execute_batch("CREATE TABLE t(x)").unwrap();
    log.clear();
    conn.execute("INSERT INTO t VALUES (1)", []).unwrap();
    let ops = log.durability_ops();
    // Journal: header (one 512-byte sector's worth of it), then page 1 (the change counter)
    // and page 2 (the table) as page number, image, checksum; sync; the record count into
    // the header; sync again (no SAFE_APPEND). Then the database pages, its sync, and the
    // journal's deletion, which is the commit.
    assert_eq!(
        ops,
        vec![
            "write journal off=0 len=512",
            "write journal off=512 len=4",
            "write journal off=516 len=4096",
            "write journal off=4612 len=4",
            "write journal off=4616 len=4",
            "write journal off=4620 len=4096",
            "write journal off=8716 len=4",
            "sync journal NORMAL",
            "write journal off=0 len=12",
            "sync journal NORMAL",
            "write db off=0 len=4096",
            "write db off=4096 len=4096",
            "sync db NORMAL",
            "delete journal",
        ],
        "{ops:#?}"
    );
    let all = log.lines(|_| true);
    assert!(all.iter().any(|line| line == "lock db SHARED"), "{all:#?}");
    assert!(all.iter().any(|line| line == "lock db EXCLUSIVE"), "{all:#?}");
    assert!(all.iter().any(|line| line == "unlock db NONE"), "{all:#?}");
}

#[test]
fn wal_mode_is_refused_without_shared_memory() {
    let _serial = serial();
    let vfs = MemVfs::new();
    let conn = open_mem(&vfs);
    conn.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);").unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0)).unwrap();
    assert_eq!(mode, "delete");
    conn.execute("INSERT INTO t VALUES (2)", []).unwrap();
    assert!(!vfs.file_exists("/db-wal"));
    assert_eq!(vfs.file_bytes("/db").unwrap()[18..20], [1, 1], "file format versions: rollback journal");
    drop(conn);

    // In exclusive locking mode SQLite needs no shared memory for WAL (its wal-index lives in
    // heap memory), so there WAL does run on this VFS, through a "-wal" file.
    let conn = open_mem(&vfs);
    let mode: String = conn
        .query_row("PRAGMA locking_mode=EXCLUSIVE", [], |row| row.get(0))
        .and_then(|_: String| conn.query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0)))
        .unwrap();
    assert_eq!(mode, "wal");
    conn.execute("INSERT INTO t VALUES (3)", []).unwrap();
    assert!(vfs.file_exists("/db-wal"));
    assert_eq!(count(&conn, "t"), 3);
}

/// One seeded run: the journal image mid-transaction and the database image at the end.
fn seeded_run(seed: u32) -> (Vec<u8>, Vec<u8>) {
    seed_sqlite_prng(seed);
    let mem = MemVfs::new().with_seed(u64::from(seed));
    let conn = open_mem(&mem);
    conn.execute_batch(
        "CREATE TABLE t(a INTEGER PRIMARY KEY, r INTEGER, b BLOB);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
         INSERT INTO t SELECT i, random(), randomblob(50) FROM n;
         BEGIN;
         UPDATE t SET r = random() WHERE a % 3 = 0;",
    )
    .unwrap();
    let journal = mem.file_bytes("/db-journal").expect("journal mid-transaction");
    conn.execute_batch("COMMIT").unwrap();
    drop(conn);
    (journal, mem.file_bytes("/db").unwrap())
}

#[test]
fn seeded_prng_gives_byte_identical_database_and_journal_images() {
    let _serial = serial();
    let (journal_a, db_a) = seeded_run(7);
    let (journal_b, db_b) = seeded_run(7);
    assert_eq!(journal_a, journal_b, "same seed: same journal (nonce included)");
    assert_eq!(db_a, db_b, "same seed: same database");
    let (journal_c, db_c) = seeded_run(8);
    // The journal header: magic (8), record count (4), nonce (4), ...
    assert_ne!(journal_a[12..16], journal_c[12..16], "another seed: another nonce");
    assert_ne!(db_a, db_c, "another seed: other random() values");
    // Seed 0 is not "unseeded": it is deterministic too.
    assert_eq!(seeded_run(0), seeded_run(0));
}

#[test]
fn registrations_come_and_go_without_leaks_and_names_stay_unique() {
    let _serial = serial();
    let mem: Arc<dyn Vfs> = Arc::new(MemVfs::new());
    let mut names = HashSet::new();
    for i in 0..1000 {
        let sqlite_vfs = SqliteVfs::register(Arc::clone(&mem)).unwrap();
        let name = sqlite_vfs.name().to_string();
        assert!(name.starts_with("touchstone-"));
        assert!(is_vfs_registered(&name));
        if i % 100 == 0 {
            let conn = sqlite_vfs.open("/db").unwrap();
            conn.execute("CREATE TABLE IF NOT EXISTS t(x)", []).unwrap();
            conn.execute("INSERT INTO t VALUES (?1)", [i]).unwrap();
        }
        drop(sqlite_vfs);
        assert!(!is_vfs_registered(&name), "{name} is unregistered with its last handle");
        assert!(names.insert(name), "names are unique");
        assert_eq!(Arc::strong_count(&mem), 1, "the registration released the Vfs");
    }
    let err = rusqlite::Connection::open_with_flags_and_vfs("/db", rusqlite::OpenFlags::default(), "touchstone-0");
    assert!(err.is_err(), "an unregistered name cannot be opened");

    // Dropping the SqliteVfs while a connection is open: the connection keeps it alive.
    let sqlite_vfs = SqliteVfs::register(Arc::clone(&mem)).unwrap();
    let name = sqlite_vfs.name().to_string();
    let conn = sqlite_vfs.open("/db").unwrap();
    drop(sqlite_vfs);
    assert!(is_vfs_registered(&name));
    conn.execute("INSERT INTO t VALUES (-1)", []).unwrap();
    assert_eq!(count(&conn, "t"), 11);
    assert_eq!(conn.sqlite_vfs().name(), name);
    drop(conn);
    assert!(!is_vfs_registered(&name));
    assert_eq!(Arc::strong_count(&mem), 1);
}

#[test]
fn now_is_the_vfs_virtual_time() {
    let _serial = serial();
    let mem = MemVfs::new();
    let conn = open_mem(&mem);
    let day = |conn: &rusqlite::Connection| -> f64 {
        conn.query_row("SELECT julianday('now')", [], |row| row.get(0)).unwrap()
    };
    assert_eq!(day(&conn), MemVfs::START_JULIAN_MS as f64 / 86_400_000.0);
    let text: String = conn.query_row("SELECT datetime('now')", [], |row| row.get(0)).unwrap();
    assert_eq!(text, "2000-01-01 00:00:00");
    mem.sleep(36 * 3_600_000_000);
    assert_eq!(day(&conn), (MemVfs::START_JULIAN_MS + 36 * 3_600_000) as f64 / 86_400_000.0);
    let text: String = conn.query_row("SELECT datetime('now')", [], |row| row.get(0)).unwrap();
    assert_eq!(text, "2000-01-02 12:00:00");
}
