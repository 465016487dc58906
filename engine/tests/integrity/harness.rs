//! Running `PRAGMA integrity_check` on the same bytes through real SQLite and through the
//! engine, and comparing what each says.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use touchstone_engine::conn::Connection;
use touchstone_engine::vfs::MemVfs;

/// What a check said: its rows, and the primary result code of the error that ended it, if
/// one did (after those rows, or before any row when the statement could not be prepared).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub rows: Vec<String>,
    pub error: Option<i32>,
}

impl Outcome {
    /// True for the single row `ok` and no error.
    pub fn is_ok(&self) -> bool {
        self.error.is_none() && self.rows == ["ok"]
    }

    /// A one-line summary for reports.
    pub fn brief(&self) -> String {
        let rows: Vec<String> = self.rows.iter().map(|r| r.replace('\n', " | ")).collect();
        let mut s = rows.join(" || ");
        if s.len() > 400 {
            let mut cut = 400;
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s.truncate(cut);
            s.push_str("...");
        }
        match self.error {
            Some(code) => format!("[{s}] then error {code}"),
            None => format!("[{s}]"),
        }
    }
}

/// SQLite's result code for an interrupted statement.
pub const INTERRUPTED: i32 = 9;

/// How long SQLite may take on one check before it is interrupted: some damage (subtrees
/// shared at every level) makes its row scan take exponential time.
const SQLITE_TIME_LIMIT: Duration = Duration::from_secs(5);

/// Real SQLite's answer to `sql` on the file at `path` (a fresh read-write connection, as
/// the engine's: SQLite drops CHECK constraints from the schema of a read-only database),
/// interrupted (error [`INTERRUPTED`]) after [`SQLITE_TIME_LIMIT`].
pub fn sqlite_outcome(path: &Path, sql: &str) -> Outcome {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = match rusqlite::Connection::open_with_flags(path, flags) {
        Ok(c) => c,
        Err(e) => return Outcome { rows: Vec::new(), error: Some(sqlite_code(e)) },
    };
    let handle = conn.get_interrupt_handle();
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let timer = std::thread::spawn(move || {
        if wait.recv_timeout(SQLITE_TIME_LIMIT).is_err() {
            handle.interrupt();
        }
    });
    let out = sqlite_query(&conn, sql);
    let _ = done.send(());
    timer.join().expect("timer thread");
    out
}

/// The primary result code of a rusqlite error.
fn sqlite_code(e: rusqlite::Error) -> i32 {
    match e {
        rusqlite::Error::SqliteFailure(f, _) => f.extended_code & 0xff,
        _ => -1,
    }
}

/// Runs `sql` on `conn`, collecting rows until the end or an error.
fn sqlite_query(conn: &rusqlite::Connection, sql: &str) -> Outcome {
    let code = sqlite_code;
    let mut stmt = match conn.prepare(sql) {
        Ok(s) => s,
        Err(e) => return Outcome { rows: Vec::new(), error: Some(code(e)) },
    };
    let mut rows = match stmt.query([]) {
        Ok(r) => r,
        Err(e) => return Outcome { rows: Vec::new(), error: Some(code(e)) },
    };
    let mut out = Vec::new();
    loop {
        match rows.next() {
            Ok(Some(r)) => out.push(r.get::<_, String>(0).expect("a text row")),
            Ok(None) => return Outcome { rows: out, error: None },
            Err(e) => return Outcome { rows: out, error: Some(code(e)) },
        }
    }
}

/// Real SQLite's answer to `sql` on `bytes` (written to `path` first).
pub fn sqlite_outcome_of(path: &Path, bytes: &[u8], sql: &str) -> Outcome {
    std::fs::write(path, bytes).expect("write the file for SQLite");
    sqlite_outcome(path, sql)
}

/// The engine's answer to `sql` on `bytes`, through its rusqlite-shaped API on a MemVfs.
pub fn engine_outcome(bytes: &[u8], sql: &str) -> Outcome {
    let vfs = MemVfs::new();
    vfs.set_file_bytes("check.db", bytes).expect("set file bytes");
    let code = |e: touchstone_engine::Error| e.code().sqlite_code();
    let conn = match Connection::open_with_vfs("check.db", Arc::new(vfs)) {
        Ok(c) => c,
        Err(e) => return Outcome { rows: Vec::new(), error: Some(code(e)) },
    };
    let mut stmt = match conn.prepare(sql) {
        Ok(s) => s,
        Err(e) => return Outcome { rows: Vec::new(), error: Some(code(e)) },
    };
    let mut rows = match stmt.query([]) {
        Ok(r) => r,
        Err(e) => return Outcome { rows: Vec::new(), error: Some(code(e)) },
    };
    let mut out = Vec::new();
    loop {
        match rows.next() {
            Ok(Some(r)) => out.push(r.get::<_, String>(0).expect("a text row")),
            Ok(None) => return Outcome { rows: out, error: None },
            Err(e) => return Outcome { rows: out, error: Some(code(e)) },
        }
    }
}

/// Writes a database with real SQLite by running `sql` (page size set first, auto-vacuum
/// off) and returns its bytes.
pub fn sqlite_file(dir: &Path, name: &str, page_size: u32, sql: &str) -> Vec<u8> {
    sqlite_file_with(dir, name, page_size, 0, sql)
}

/// [`sqlite_file`] with PRAGMA auto_vacuum = `auto_vacuum` (0 none, 1 full, 2 incremental).
pub fn sqlite_file_with(dir: &Path, name: &str, page_size: u32, auto_vacuum: u8, sql: &str) -> Vec<u8> {
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch(&format!("PRAGMA page_size={page_size}; PRAGMA auto_vacuum={auto_vacuum};"))
            .expect("pragmas");
        conn.execute_batch(sql).expect("build the file");
    }
    std::fs::read(&path).expect("read the file")
}

/// Tallies of engine-versus-SQLite comparisons.
#[derive(Default, Debug)]
pub struct Agreement {
    pub cases: usize,
    /// Both ok, or both not ok.
    pub same_verdict: usize,
    /// Both not ok.
    pub both_not_ok: usize,
    /// Equal rows and equal error code.
    pub exact: usize,
    /// Cases where SQLite said not ok and the engine said ok.
    pub missed: Vec<String>,
    /// Cases where the verdicts agree but the rows or error differ.
    pub inexact: Vec<String>,
    /// Cases where the engine said not ok and SQLite ok.
    pub false_alarms: Vec<String>,
    /// Cases SQLite did not finish in time (not compared).
    pub sqlite_interrupted: usize,
}

impl Agreement {
    /// Counts one case.
    pub fn add(&mut self, label: &str, sqlite: &Outcome, engine: &Outcome) {
        if sqlite.error == Some(INTERRUPTED) {
            self.sqlite_interrupted += 1;
            return;
        }
        self.cases += 1;
        let detail = || format!("{label}\n    sqlite: {}\n    engine: {}", sqlite.brief(), engine.brief());
        if sqlite.is_ok() == engine.is_ok() {
            self.same_verdict += 1;
            self.both_not_ok += usize::from(!sqlite.is_ok());
            if sqlite == engine {
                self.exact += 1;
            } else {
                self.inexact.push(detail());
            }
        } else if engine.is_ok() {
            self.missed.push(detail());
        } else {
            self.false_alarms.push(detail());
        }
    }

    /// A summary line.
    pub fn summary(&self, what: &str) -> String {
        let pct = |n: usize| if self.cases == 0 { 100.0 } else { 100.0 * n as f64 / self.cases as f64 };
        format!(
            "{what}: {} cases ({} found not ok by both), verdicts agree {} ({:.1}%), exact rows agree {} ({:.1}%), engine missed {}, engine false alarms {} ({} more not compared: SQLite interrupted after {SQLITE_TIME_LIMIT:?})",
            self.cases,
            self.both_not_ok,
            self.same_verdict,
            pct(self.same_verdict),
            self.exact,
            pct(self.exact),
            self.missed.len(),
            self.false_alarms.len(),
            self.sqlite_interrupted
        )
    }
}
