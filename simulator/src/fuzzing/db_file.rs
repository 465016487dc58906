//! The `db_file` fuzz target: the input is a database image (the checked-in seeds are valid
//! files of several shapes; the fuzzer damages them). The engine opens it and reads
//! everything, twice:
//!
//! - through the storage layer (`Database::read_everything`: every page of every tree, every
//!   row and index entry, then every table's rows), and
//! - through SQL on a fresh connection: `PRAGMA integrity_check`, then every table's rows
//!   (`SELECT <rowid>, * FROM t ORDER BY <rowid>`), each statement under an instruction
//!   budget.
//!
//! The rules:
//! - every call ends in `Ok` or in an error that answers damaged input ([`answers_bad_input`]:
//!   a corruption kind, or a feature the file declares that the engine does not support);
//!   never a panic, a hang (past the budget, a finding of its own) or an allocation sized by
//!   a damaged field (libFuzzer's `-malloc_limit_mb` catches those);
//! - where real SQLite (on the oracle's VFS adapter, over its own copy) opens the image, says
//!   `ok` to `integrity_check` and reads a table without error, the engine reads the file
//!   too (both ways) and returns the same rows, value for value (REALs bit for bit), and its
//!   own integrity_check says `ok`. A feature the engine does not build yet excuses it.

use std::sync::Arc;

use touchstone_engine::conn::Connection;
use touchstone_engine::format::value::Value;
use touchstone_engine::pager::PagerConfig;
use touchstone_engine::storage::Database;
use touchstone_engine::vfs::MemVfs;
use touchstone_engine::{Error, ErrorCode};
use touchstone_oracle::sqlite_stmt::RawStatement;
use touchstone_oracle::sqlite_vfs::SqliteVfs;

use touchstone_oracle::differential::pair::{same_row, same_rows};

/// The image's path on each side's in-memory VFS.
const PATH: &str = "/image.db";
/// The most VM instructions one engine statement may run: the images are small (the
/// fuzzer's inputs), so a sound read of one takes a few hundred thousand at most.
pub const STATEMENT_OP_BUDGET: u64 = 20_000_000;
/// Progress handler granularity (instructions per call).
const PROGRESS_OPS: u64 = 1000;
/// The most rows read from one table on either side (a bound on the work of one input).
pub const MAX_ROWS: usize = 100_000;

/// The rows of one statement, or the error that ended it: (code, message).
type Outcome = Result<Vec<Vec<Value>>, (ErrorCode, String)>;

/// Checks `input` (see the module comment). Errors: what the engine did wrong, naming the
/// statement or call.
pub fn check(input: &[u8]) -> Result<(), String> {
    verdict(input).map(drop)
}

/// How far an input was judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// SQLite did not open the image or did not find it sound: only the engine's errors
    /// were judged.
    ErrorsOnly,
    /// SQLite found the image sound: the engine's reads were compared with its reads of
    /// this many tables.
    Compared { tables: usize },
}

/// [`check`], saying how far the input was judged.
pub fn verdict(input: &[u8]) -> Result<Verdict, String> {
    let features = Features::of(input);
    let storage = storage_read(input, features)?;
    let engine = engine_sql(input, features, &storage.tables)?;
    compare_with_sqlite(input, &storage, &engine)
}

/// What the image's header declares that the engine does not support (yet).
#[derive(Clone, Copy, Debug, Default)]
struct Features {
    /// Byte 19 (read version) 2: WAL.
    wal: bool,
    /// Schema format (bytes 44..48; its low byte, as sqlite3InitOne reads it) above 4.
    schema_format: bool,
    /// Text encoding (bytes 56..60, low bits) UTF-16.
    utf16: bool,
}

impl Features {
    /// The features `image`'s header declares. A file shorter than the header reads as if
    /// zero-filled, as a short read of page 1 does in SQLite and in the engine.
    fn of(image: &[u8]) -> Features {
        if image.is_empty() {
            return Features::default();
        }
        let mut header = [0u8; 100];
        let n = image.len().min(100);
        header[..n].copy_from_slice(&image[..n]);
        let u32_at = |at: usize| u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]);
        Features { wal: header[19] == 2, schema_format: u32_at(44) & 0xff > 4, utf16: u32_at(56) & 3 >= 2 }
    }
}

/// Whether `e` is a correct answer to a damaged image for a read: SQLite's corruption kinds,
/// or one of the features the engine does not build, each only where the image declares it
/// (WAL: CantOpen; a schema format above 4: "unsupported file format", SQLite's own error;
/// UTF-16) or where damage to the schema text declared it (a table or index feature that is
/// "not supported yet", as ARCHITECTURE.md lists).
fn answers_bad_input(e: &Error, features: Features) -> bool {
    let m = e.message();
    match e.code() {
        ErrorCode::Corrupt | ErrorCode::NotADb => true,
        ErrorCode::CantOpen => features.wal && m.contains("WAL-mode databases are not supported yet"),
        ErrorCode::Error if m.starts_with("UTF-16 databases are not supported yet") => features.utf16,
        ErrorCode::Error => {
            (features.schema_format && m.starts_with("unsupported file format")) || m.contains("not supported yet")
        }
        _ => false,
    }
}

/// A finding for an error that is no answer to damaged input.
fn unexpected(what: &str, e: &Error) -> String {
    format!("{what}: {:?} error {:?} answers no damage", e.code(), e.message())
}

/// What the storage layer read: its outcome, and the tables of the catalog it loaded
/// (name and column names; none when it loaded none).
struct StorageRead {
    outcome: Result<(), Error>,
    tables: Vec<(String, Vec<String>)>,
}

/// The storage layer's read: everything, then every table's rows. Errors: an error that
/// answers no damage.
fn storage_read(input: &[u8], features: Features) -> Result<StorageRead, String> {
    let vfs = MemVfs::new();
    vfs.set_file_bytes(PATH, input).map_err(|e| format!("MemVfs: {e}"))?;
    let mut tables = Vec::new();
    let outcome = Database::open(Arc::new(vfs), PATH, PagerConfig::default()).and_then(|mut db| {
        let read = db.read_everything();
        if db.catalog_loaded() {
            tables = db
                .catalog()
                .tables
                .iter()
                .map(|t| (t.def.name.clone(), t.def.columns.iter().map(|c| c.name.clone()).collect()))
                .collect();
        }
        read?;
        for (name, _) in &tables {
            db.rows(name)?;
        }
        Ok(())
    });
    match outcome {
        Err(e) if !answers_bad_input(&e, features) => Err(unexpected("storage read_everything", &e)),
        outcome => Ok(StorageRead { outcome, tables }),
    }
}

/// What the engine said through SQL.
struct EngineSql {
    /// integrity_check's rows, or its error.
    integrity: Outcome,
    /// (table, the SELECT, its outcome) for each table of the engine's catalog.
    tables: Vec<(String, String, Outcome)>,
}

/// A name for the rowid that no column of `columns` takes (SQLite's three), if any.
fn rowid_name(columns: &[String]) -> Option<&'static str> {
    ["rowid", "_rowid_", "oid"].into_iter().find(|n| !columns.iter().any(|c| c.eq_ignore_ascii_case(n)))
}

/// The SELECT that reads `table`'s rows on both sides.
fn select_all(table: &str, columns: &[String]) -> String {
    let quoted = format!("\"{}\"", table.replace('"', "\"\""));
    match rowid_name(columns) {
        Some(rowid) => format!("SELECT {rowid}, * FROM {quoted} ORDER BY {rowid}"),
        None => format!("SELECT * FROM {quoted}"),
    }
}

/// Runs `sql` on the engine to its end (at most [`MAX_ROWS`] rows).
fn engine_rows(conn: &Connection, sql: &str) -> Outcome {
    let mut budget_calls = 0u64;
    conn.progress_handler(
        PROGRESS_OPS,
        Some(move || {
            budget_calls += 1;
            budget_calls > STATEMENT_OP_BUDGET / PROGRESS_OPS
        }),
    );
    let as_outcome = |e: Error| (e.code(), e.message().to_string());
    let mut stmt = conn.prepare(sql).map_err(as_outcome)?;
    let mut rows = Vec::new();
    while rows.len() < MAX_ROWS && stmt.step().map_err(as_outcome)? {
        rows.push(stmt.row_values().to_vec());
    }
    Ok(rows)
}

/// The engine's SQL reads. Errors: an error that answers no damage, or a statement that ran
/// past its budget.
fn engine_sql(input: &[u8], features: Features, tables: &[(String, Vec<String>)]) -> Result<EngineSql, String> {
    let vfs = MemVfs::new();
    vfs.set_file_bytes(PATH, input).map_err(|e| format!("MemVfs: {e}"))?;
    let conn = match Connection::open_with_vfs(PATH, Arc::new(vfs)) {
        Ok(c) => c,
        Err(e) if answers_bad_input(&e, features) => {
            let failed = Err((e.code(), e.message().to_string()));
            return Ok(EngineSql { integrity: failed, tables: Vec::new() });
        }
        Err(e) => return Err(unexpected("open", &e)),
    };
    let judge = |what: &str, outcome: Outcome| match &outcome {
        Err((ErrorCode::Interrupt, _)) => {
            Err(format!("{what}: ran past {STATEMENT_OP_BUDGET} instructions on a {}-byte image (a hang)", input.len()))
        }
        Err((code, message)) if !answers_bad_input(&Error::new(*code, message.clone()), features) => {
            Err(format!("{what}: {code:?} error {message:?} answers no damage"))
        }
        _ => Ok(outcome),
    };
    let integrity = judge("PRAGMA integrity_check", engine_rows(&conn, "PRAGMA integrity_check"))?;
    let mut read = Vec::new();
    for (name, columns) in tables {
        let sql = select_all(name, columns);
        let outcome = judge(&sql, engine_rows(&conn, &sql))?;
        read.push((name.clone(), sql, outcome));
    }
    Ok(EngineSql { integrity, tables: read })
}

/// Runs `sql` on SQLite to its end (at most [`MAX_ROWS`] rows).
fn sqlite_rows(conn: &rusqlite::Connection, sql: &str) -> Result<Vec<Vec<Value>>, String> {
    let mut stmt = RawStatement::prepare(conn, sql).map_err(|e| e.message)?;
    let mut rows = Vec::new();
    while rows.len() < MAX_ROWS {
        match stmt.step().map_err(|e| e.message)? {
            Some(row) => rows.push(row),
            None => break,
        }
    }
    Ok(rows)
}

/// Holds the engine's reads against real SQLite's, where SQLite finds the image sound.
fn compare_with_sqlite(input: &[u8], storage: &StorageRead, engine: &EngineSql) -> Result<Verdict, String> {
    let vfs = MemVfs::new();
    vfs.set_file_bytes(PATH, input).map_err(|e| format!("MemVfs: {e}"))?;
    let Ok(registered) = SqliteVfs::register(Arc::new(vfs)) else { return Ok(Verdict::ErrorsOnly) };
    let Ok(conn) = registered.open(PATH) else { return Ok(Verdict::ErrorsOnly) };
    let sound = matches!(sqlite_rows(&conn, "PRAGMA integrity_check").as_deref(),
        Ok([row]) if matches!(row.as_slice(), [Value::Text(t)] if t == b"ok"));
    if !sound {
        return Ok(Verdict::ErrorsOnly);
    }
    if let Err(e) = &storage.outcome
        && !e.message().contains("not supported yet")
    {
        return Err(format!(
            "SQLite's integrity_check says ok; the storage layer's read fails: {:?} {:?}",
            e.code(),
            e.message()
        ));
    }
    match &engine.integrity {
        Ok(rows) if rows.len() == 1 && matches!(rows[0].as_slice(), [Value::Text(t)] if t == b"ok") => {}
        Err((code, message)) if !message.contains("not supported yet") || *code != ErrorCode::Error => {
            return Err(format!("SQLite's integrity_check says ok; the engine's fails: {code:?} {message:?}"));
        }
        Err(_) => return Ok(Verdict::ErrorsOnly),
        Ok(rows) => return Err(format!("SQLite's integrity_check says ok; the engine's says {rows:?}")),
    }
    for (table, sql, outcome) in &engine.tables {
        let Ok(expected) = sqlite_rows(&conn, sql) else { continue };
        match outcome {
            Ok(rows) if same_rows(rows, &expected) => {}
            Err((ErrorCode::Error, message)) if message.contains("not supported yet") => {}
            Ok(rows) => {
                let at = rows.iter().zip(&expected).position(|(a, b)| !same_row(a, b));
                let at = at.unwrap_or(rows.len().min(expected.len()));
                return Err(format!(
                    "{sql}: table {table} of a sound image: SQLite reads {} rows, the engine {}; \
                     first difference at row {at}: SQLite {:?}, engine {:?}",
                    expected.len(),
                    rows.len(),
                    expected.get(at),
                    rows.get(at)
                ));
            }
            Err((code, message)) => {
                return Err(format!(
                    "{sql}: SQLite reads table {table} of a sound image; the engine fails: {code:?} {message:?}"
                ));
            }
        }
    }
    Ok(Verdict::Compared { tables: engine.tables.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small valid image made by the engine itself.
    fn image() -> Vec<u8> {
        let vfs = Arc::new(MemVfs::new());
        let conn = Connection::open_with_vfs(PATH, vfs.clone()).unwrap();
        conn.execute_batch(
            "PRAGMA page_size = 512; CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT, c REAL);
             CREATE INDEX tb ON t(b); INSERT INTO t VALUES (1, 'one', 1), (2, 'two', 2.5), (3, NULL, NULL);",
        )
        .unwrap();
        drop(conn);
        vfs.file_bytes(PATH).unwrap()
    }

    #[test]
    fn a_valid_image_reads_the_same_and_damaged_ones_fail_cleanly() {
        let image = image();
        assert_eq!(verdict(&image), Ok(Verdict::Compared { tables: 1 }));
        assert_eq!(check(&[]), Ok(()), "an empty file is an empty database");
        for at in (0..image.len()).step_by(37) {
            let mut damaged = image.clone();
            damaged[at] ^= 0x5a;
            assert_eq!(check(&damaged), Ok(()), "byte {at} flipped");
        }
    }

    #[test]
    fn an_unexpected_error_kind_is_a_finding() {
        let features = Features::default();
        assert!(answers_bad_input(&Error::corrupt("x"), features));
        assert!(!answers_bad_input(&Error::new(ErrorCode::Misuse, "x"), features));
        assert!(!answers_bad_input(
            &Error::new(ErrorCode::CantOpen, "WAL-mode databases are not supported yet"),
            features
        ));
    }
}
