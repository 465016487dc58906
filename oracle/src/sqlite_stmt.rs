//! Real SQLite stepped one row at a time: prepared statements as raw handles.
//!
//! rusqlite's `Statement` steps only inside its own `Rows` iterator, which borrows the
//! statement; the simulator needs to hold a statement open across scheduling points, step
//! it once, and go on with other connections. [`RawStatement`] is that: a `sqlite3_stmt`
//! borrowed from a connection for its lifetime `'c`, stepped by [`RawStatement::step`], and
//! finalized when dropped. Values come back as the engine's [`Value`], so both engines'
//! rows compare directly.
//!
//! This module is one of the two places in the project with `unsafe` code (the other is
//! `sqlite_vfs`); every block says why it is sound.

use std::ffi::{CStr, c_int};

use rusqlite::ffi;
use touchstone_engine::format::value::Value;

/// An SQLite error: primary and extended result codes and the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqliteError {
    pub code: i32,
    pub extended: i32,
    pub message: String,
}

/// The current error of `db`.
///
/// # Safety
/// `db` must be a valid open connection handle.
unsafe fn error_of(db: *mut ffi::sqlite3, rc: c_int) -> SqliteError {
    // SAFETY: the caller guarantees `db` is open; sqlite3_errmsg returns a NUL-terminated
    // string owned by the connection, valid until the next call on it, copied out at once.
    let message = unsafe {
        let text = ffi::sqlite3_errmsg(db);
        if text.is_null() { String::new() } else { CStr::from_ptr(text).to_string_lossy().into_owned() }
    };
    // SAFETY: `db` is open (caller's guarantee).
    let extended = unsafe { ffi::sqlite3_extended_errcode(db) };
    let extended = if extended & 0xff == rc & 0xff { extended } else { rc };
    SqliteError { code: rc & 0xff, extended, message }
}

/// A prepared statement of `conn`, stepped one row at a time; finalized on drop.
pub struct RawStatement<'c> {
    stmt: *mut ffi::sqlite3_stmt,
    db: *mut ffi::sqlite3,
    _conn: &'c rusqlite::Connection,
}

impl<'c> RawStatement<'c> {
    /// Prepares the first statement of `sql` (sqlite3_prepare_v2; text after it is ignored).
    /// Errors: SQLite's error for the statement, or `SQLITE_MISUSE` for text without a
    /// statement or longer than `i32::MAX` bytes.
    pub fn prepare(conn: &'c rusqlite::Connection, sql: &str) -> Result<RawStatement<'c>, SqliteError> {
        let misuse = |message: &str| SqliteError { code: 21, extended: 21, message: message.to_string() };
        let len = c_int::try_from(sql.len()).map_err(|_| misuse("statement too long"))?;
        // SAFETY: `conn` is an open rusqlite connection borrowed for 'c; its handle stays
        // valid for as long as the borrow, which outlives this statement.
        let db = unsafe { conn.handle() };
        let mut stmt: *mut ffi::sqlite3_stmt = std::ptr::null_mut();
        // SAFETY: `db` is open; `sql` points to `len` readable bytes (SQLite reads no further
        // since the length is given); `stmt` is a valid out-pointer; the tail is not wanted.
        let rc = unsafe { ffi::sqlite3_prepare_v2(db, sql.as_ptr().cast(), len, &mut stmt, std::ptr::null_mut()) };
        if rc != ffi::SQLITE_OK {
            // SAFETY: `db` is open. A failed prepare leaves `stmt` NULL.
            return Err(unsafe { error_of(db, rc) });
        }
        if stmt.is_null() {
            return Err(misuse("no SQL statement to prepare"));
        }
        Ok(RawStatement { stmt, db, _conn: conn })
    }

    /// One step: `Some(row)` for a row, `None` when done. Errors: SQLite's error of the step.
    pub fn step(&mut self) -> Result<Option<Vec<Value>>, SqliteError> {
        // SAFETY: `self.stmt` is a live statement of the open connection `self.db` (both
        // valid until drop, the connection for 'c).
        let rc = unsafe { ffi::sqlite3_step(self.stmt) };
        match rc {
            ffi::SQLITE_ROW => Ok(Some(self.row())),
            ffi::SQLITE_DONE => Ok(None),
            // SAFETY: as above.
            _ => Err(unsafe { error_of(self.db, rc) }),
        }
    }

    /// The current row's values (after a step that returned a row).
    fn row(&self) -> Vec<Value> {
        // SAFETY: the statement is live and positioned on a row (the caller just got
        // SQLITE_ROW); column indexes are below sqlite3_column_count; each pointer SQLite
        // returns is valid for the number of bytes sqlite3_column_bytes reports, until the
        // next step, and is copied out at once. The type is read before the value, so no
        // conversion invalidates an earlier pointer (each column is read in one way only).
        unsafe {
            let count = ffi::sqlite3_column_count(self.stmt);
            (0..count)
                .map(|i| match ffi::sqlite3_column_type(self.stmt, i) {
                    ffi::SQLITE_INTEGER => Value::Integer(ffi::sqlite3_column_int64(self.stmt, i)),
                    ffi::SQLITE_FLOAT => Value::Real(ffi::sqlite3_column_double(self.stmt, i)),
                    ffi::SQLITE_TEXT => {
                        let ptr = ffi::sqlite3_column_text(self.stmt, i);
                        let len = ffi::sqlite3_column_bytes(self.stmt, i);
                        Value::Text(bytes(ptr, len))
                    }
                    ffi::SQLITE_BLOB => {
                        let ptr = ffi::sqlite3_column_blob(self.stmt, i).cast::<u8>();
                        let len = ffi::sqlite3_column_bytes(self.stmt, i);
                        Value::Blob(bytes(ptr, len))
                    }
                    _ => Value::Null,
                })
                .collect()
        }
    }
}

/// `len` bytes at `ptr` copied out (empty for NULL or a non-positive length).
///
/// # Safety
/// `ptr` must be NULL or valid for reading `len` bytes.
unsafe fn bytes(ptr: *const u8, len: c_int) -> Vec<u8> {
    match usize::try_from(len) {
        // SAFETY: the caller guarantees `ptr` is valid for `len` bytes.
        Ok(len) if !ptr.is_null() && len > 0 => unsafe { std::slice::from_raw_parts(ptr, len) }.to_vec(),
        _ => Vec::new(),
    }
}

impl Drop for RawStatement<'_> {
    fn drop(&mut self) {
        // SAFETY: `self.stmt` is live (never finalized elsewhere) and its connection is open
        // for 'c; after this call the pointer is not used again.
        unsafe {
            ffi::sqlite3_finalize(self.stmt);
        }
    }
}

/// The connection's page-cache hits and misses since it opened
/// (sqlite3_db_status CACHE_HIT / CACHE_MISS).
pub fn cache_counters(conn: &rusqlite::Connection) -> (u64, u64) {
    let read = |op: c_int| {
        let (mut current, mut high) = (0, 0);
        // SAFETY: the handle of an open connection borrowed for the call; out-pointers are
        // valid locals.
        let rc = unsafe { ffi::sqlite3_db_status(conn.handle(), op, &mut current, &mut high, 0) };
        if rc == ffi::SQLITE_OK { u64::try_from(current).unwrap_or(0) } else { 0 }
    };
    (read(ffi::SQLITE_DBSTATUS_CACHE_HIT), read(ffi::SQLITE_DBSTATUS_CACHE_MISS))
}
