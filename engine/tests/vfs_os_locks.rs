//! OsVfs locks against real SQLite, on a real file.
//!
//! POSIX advisory locks belong to a process: locks that real SQLite takes in *this* process
//! would never conflict with OsVfs's, and closing any descriptor of the file would drop both.
//! So real SQLite runs in child processes: this test binary re-executed to run only the
//! ignored test `sqlite_helper_process`, which opens the database with rusqlite (busy timeout
//! 0) and obeys one command per line on stdin, answering one line on stdout. Every exchange is
//! a synchronous request and answer, so each test is one fixed sequence of lock states.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;
use touchstone_engine::ErrorCode;
use touchstone_engine::vfs::{LockLevel, OpenFlags, OsVfs, Vfs, VfsFile};

/// The environment variable that gives the helper process its database path.
const HELPER_DB_ENV: &str = "TOUCHSTONE_VFS_LOCK_HELPER_DB";
/// Prefix of the helper's answers, telling them apart from the test harness's own output.
const ANSWER_PREFIX: &str = "@@ ";
/// SQLITE_BUSY.
const SQLITE_BUSY: i32 = 5;

/// The helper process's side: rusqlite on the database, driven by stdin.
/// Commands: `exec <sql>` (execute_batch) and `query <sql>` (one integer), answered by
/// `ok [value]` or `err <extended code>`.
#[test]
#[ignore = "helper: runs only as a child process spawned by the other tests"]
fn sqlite_helper_process() {
    let Ok(db_path) = std::env::var(HELPER_DB_ENV) else {
        return;
    };
    let conn = rusqlite::Connection::open(&db_path).expect("helper opens the database");
    conn.busy_timeout(Duration::ZERO).expect("busy timeout 0");
    let mut stdout = std::io::stdout();
    for line in std::io::stdin().lines() {
        let line = line.expect("helper reads stdin");
        let answer = match line.split_once(' ') {
            Some(("exec", sql)) => conn.execute_batch(sql).map(|()| String::new()),
            Some(("query", sql)) => conn.query_row(sql, [], |row| row.get::<_, i64>(0)).map(|value| value.to_string()),
            _ => break,
        };
        let answer = match answer {
            Ok(value) => format!("ok {value}"),
            Err(err) => format!("err {}", err.sqlite_error().map_or(-1, |e| e.extended_code)),
        };
        writeln!(stdout, "{ANSWER_PREFIX}{answer}").expect("helper answers");
        stdout.flush().expect("helper flushes");
    }
}

/// A real SQLite connection in a child process.
struct Sqlite {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Sqlite {
    /// Starts a helper process with a connection to `db_path`.
    fn open(db_path: &str) -> Sqlite {
        let exe = std::env::current_exe().expect("test binary path");
        let mut child = Command::new(exe)
            .args(["--exact", "sqlite_helper_process", "--ignored", "--nocapture", "--test-threads=1", "-q"])
            .env(HELPER_DB_ENV, db_path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn helper");
        let stdin = child.stdin.take().expect("helper stdin");
        let stdout = BufReader::new(child.stdout.take().expect("helper stdout"));
        Sqlite { child, stdin, stdout }
    }

    /// Sends one command and returns the answer: `Ok(value)` or `Err(extended code)`.
    fn ask(&mut self, verb: &str, sql: &str) -> Result<String, i32> {
        writeln!(self.stdin, "{verb} {sql}").expect("send to helper");
        self.stdin.flush().expect("flush to helper");
        let mut line = String::new();
        loop {
            line.clear();
            let read = self.stdout.read_line(&mut line).expect("read helper");
            assert!(read > 0, "helper exited before answering {verb} {sql}");
            if let Some(answer) = line.trim_end().strip_prefix(ANSWER_PREFIX) {
                let (status, value) = answer.split_once(' ').unwrap_or((answer, ""));
                return match status {
                    "ok" => Ok(value.to_string()),
                    "err" => Err(value.parse().expect("error code")),
                    _ => panic!("malformed helper answer {answer:?}"),
                };
            }
        }
    }

    /// Runs `sql` with execute_batch.
    fn exec(&mut self, sql: &str) -> Result<String, i32> {
        self.ask("exec", sql)
    }

    /// Reads the row count of t: a read transaction (or a statement inside one).
    fn count_rows(&mut self) -> Result<String, i32> {
        self.ask("query", "SELECT count(*) FROM t")
    }
}

impl Drop for Sqlite {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "quit");
        let _ = self.stdin.flush();
        let _ = self.child.wait();
    }
}

/// A temporary directory with a database holding table t (2 rows), created by real SQLite.
fn database() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("test.db").to_str().expect("utf-8").to_string();
    let mut setup = Sqlite::open(&path);
    setup.exec("CREATE TABLE t(x); INSERT INTO t VALUES (1), (2);").expect("create table");
    (dir, path)
}

fn open(path: &str) -> Box<dyn VfsFile> {
    OsVfs::new().open(path, OpenFlags::main_db()).expect("OsVfs opens the database")
}

fn assert_busy(result: touchstone_engine::Result<()>) {
    let err = result.expect_err("expected BUSY");
    assert_eq!(err.code(), ErrorCode::Busy, "{err}");
}

#[test]
fn sqlite_write_transaction_holds_off_os_vfs_writer() {
    let (_dir, path) = database();
    let mut sqlite = Sqlite::open(&path);
    sqlite.exec("BEGIN IMMEDIATE").expect("rusqlite takes RESERVED");

    let mut f = open(&path);
    f.lock(LockLevel::Shared).expect("readers coexist with RESERVED");
    assert!(f.check_reserved_lock().unwrap());
    assert_busy(f.lock(LockLevel::Reserved));
    assert_eq!(f.lock_level(), LockLevel::Shared);

    // Real SQLite's COMMIT takes EXCLUSIVE even for an empty write transaction (vdbeCommit
    // calls sqlite3PagerExclusiveLock), so our SHARED makes it BUSY; ROLLBACK needs none.
    assert_eq!(sqlite.exec("COMMIT"), Err(SQLITE_BUSY));
    sqlite.exec("ROLLBACK").unwrap();
    assert!(!f.check_reserved_lock().unwrap());
    f.lock(LockLevel::Reserved).expect("RESERVED once SQLite rolled back");
    assert!(f.check_reserved_lock().unwrap());
}

#[test]
fn os_vfs_exclusive_holds_off_sqlite_readers() {
    let (_dir, path) = database();
    let mut sqlite = Sqlite::open(&path);
    let mut f = open(&path);
    f.lock(LockLevel::Shared).unwrap();
    f.lock(LockLevel::Reserved).unwrap();
    assert_eq!(sqlite.count_rows(), Ok("2".into()), "reads go on under RESERVED");
    assert_eq!(sqlite.exec("BEGIN IMMEDIATE"), Err(SQLITE_BUSY));

    f.lock(LockLevel::Exclusive).unwrap();
    assert_eq!(sqlite.count_rows(), Err(SQLITE_BUSY));

    f.unlock(LockLevel::Shared).unwrap();
    assert_eq!(sqlite.count_rows(), Ok("2".into()));
    assert_eq!(sqlite.exec("BEGIN IMMEDIATE"), Ok(String::new()));
    assert_eq!(sqlite.exec("ROLLBACK"), Ok(String::new()));
}

#[test]
fn os_vfs_pending_keeps_new_sqlite_readers_out() {
    let (_dir, path) = database();
    let mut reader = Sqlite::open(&path);
    let mut newcomer = Sqlite::open(&path);
    reader.exec("BEGIN").unwrap();
    assert_eq!(reader.count_rows(), Ok("2".into()), "reader holds SHARED");

    let mut f = open(&path);
    f.lock(LockLevel::Shared).unwrap();
    f.lock(LockLevel::Reserved).unwrap();
    assert_busy(f.lock(LockLevel::Exclusive));
    assert_eq!(f.lock_level(), LockLevel::Pending);

    assert_eq!(newcomer.count_rows(), Err(SQLITE_BUSY), "PENDING keeps new readers out");
    assert_eq!(reader.count_rows(), Ok("2".into()), "the old reader reads on");
    reader.exec("COMMIT").unwrap();

    f.lock(LockLevel::Exclusive).expect("EXCLUSIVE once the reader left");
    assert_eq!(newcomer.count_rows(), Err(SQLITE_BUSY));
    f.unlock(LockLevel::None).unwrap();
    assert_eq!(newcomer.count_rows(), Ok("2".into()));
}

#[test]
fn shared_to_exclusive_failure_takes_no_pending_like_sqlite() {
    let (_dir, path) = database();
    let mut reader = Sqlite::open(&path);
    let mut newcomer = Sqlite::open(&path);
    reader.exec("BEGIN").unwrap();
    reader.count_rows().unwrap();

    let mut f = open(&path);
    f.lock(LockLevel::Shared).unwrap();
    assert_busy(f.lock(LockLevel::Exclusive));
    assert_eq!(f.lock_level(), LockLevel::Shared);
    assert_eq!(newcomer.count_rows(), Ok("2".into()), "no PENDING was left behind");
    reader.exec("COMMIT").unwrap();
}

#[test]
fn two_os_vfs_handles_exclude_each_other_like_two_connections() {
    let (_dir, path) = database();
    let mut sqlite = Sqlite::open(&path);
    let mut a = open(&path);
    let mut b = open(&path);
    a.lock(LockLevel::Shared).unwrap();
    b.lock(LockLevel::Shared).unwrap();
    a.lock(LockLevel::Reserved).unwrap();
    assert!(b.check_reserved_lock().unwrap());
    assert_busy(b.lock(LockLevel::Reserved));
    assert_eq!(sqlite.exec("BEGIN IMMEDIATE"), Err(SQLITE_BUSY));

    assert_busy(a.lock(LockLevel::Exclusive));
    assert_eq!(a.lock_level(), LockLevel::Pending);
    assert_eq!(sqlite.count_rows(), Err(SQLITE_BUSY), "PENDING is visible to SQLite");
    b.unlock(LockLevel::None).unwrap();
    assert_busy(b.lock(LockLevel::Shared));

    a.lock(LockLevel::Exclusive).unwrap();
    assert_busy(b.lock(LockLevel::Shared));
    assert_eq!(sqlite.count_rows(), Err(SQLITE_BUSY));

    a.unlock(LockLevel::None).unwrap();
    b.lock(LockLevel::Shared).unwrap();
    assert_eq!(sqlite.count_rows(), Ok("2".into()));
    assert_eq!(sqlite.exec("BEGIN EXCLUSIVE"), Err(SQLITE_BUSY), "b's SHARED is visible");
}

#[test]
fn closing_a_second_handle_keeps_the_first_handles_locks() {
    let (_dir, path) = database();
    let mut sqlite = Sqlite::open(&path);
    let mut a = open(&path);
    a.lock(LockLevel::Shared).unwrap();
    drop(open(&path));
    assert_eq!(sqlite.exec("BEGIN EXCLUSIVE"), Err(SQLITE_BUSY), "SHARED survived the close");

    a.lock(LockLevel::Reserved).unwrap();
    let mut b = open(&path);
    b.lock(LockLevel::Shared).unwrap();
    assert_busy(b.lock(LockLevel::Reserved));
    drop(b);
    assert_eq!(sqlite.exec("BEGIN IMMEDIATE"), Err(SQLITE_BUSY), "RESERVED survived the close");

    a.lock(LockLevel::Exclusive).unwrap();
    drop(open(&path));
    assert_eq!(sqlite.count_rows(), Err(SQLITE_BUSY), "EXCLUSIVE survived the close");

    a.unlock(LockLevel::None).unwrap();
    assert_eq!(sqlite.count_rows(), Ok("2".into()));
    drop(a);
    assert_eq!(sqlite.exec("BEGIN EXCLUSIVE"), Ok(String::new()));
    assert_eq!(sqlite.exec("COMMIT"), Ok(String::new()));
}

#[test]
fn sqlite_pending_keeps_os_vfs_reader_out() {
    let (_dir, path) = database();
    let mut reader = Sqlite::open(&path);
    let mut writer = Sqlite::open(&path);
    reader.exec("BEGIN").unwrap();
    reader.count_rows().unwrap();
    writer.exec("BEGIN IMMEDIATE; INSERT INTO t VALUES (3);").unwrap();
    assert_eq!(writer.exec("COMMIT"), Err(SQLITE_BUSY), "writer left at PENDING");

    let mut f = open(&path);
    assert_busy(f.lock(LockLevel::Shared));
    assert_eq!(f.lock_level(), LockLevel::None);
    assert!(f.check_reserved_lock().unwrap());

    reader.exec("COMMIT").unwrap();
    writer.exec("COMMIT").expect("the writer's retry succeeds");
    f.lock(LockLevel::Shared).unwrap();
    assert!(!f.check_reserved_lock().unwrap());
    assert_eq!(reader.count_rows(), Ok("3".into()));
}
