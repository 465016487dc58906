//! [`Connection`]: one connection to one database file, in rusqlite's shape.

use std::cell::RefCell;
use std::sync::Arc;

use super::statement::Statement;
use super::{Params, Row};
use crate::error::{Error, ErrorCode, Result};
use crate::pager::{PagerConfig, PagerStats};
use crate::session::{ProgressHandler, Session};
use crate::sql::{ParsedStatement, parse_statements};
use crate::storage::Database;
use crate::vfs::{MemVfs, OsVfs, Vfs};

/// A connection to a database file.
///
/// Methods take `&self`, as rusqlite's do: the connection's state sits behind a `RefCell`,
/// so statements borrowed from a connection can run while others are in progress.
pub struct Connection {
    pub(crate) session: RefCell<Session>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").finish_non_exhaustive()
    }
}

impl Connection {
    /// Opens (or creates) the database file at `path` on the real file system.
    pub fn open(path: impl AsRef<std::path::Path>) -> Result<Connection> {
        let path = path.as_ref().to_str().ok_or_else(|| Error::new(ErrorCode::CantOpen, "path is not UTF-8"))?;
        Connection::open_with_vfs(path, Arc::new(OsVfs::new()))
    }

    /// Opens (or creates) `path` through `vfs`.
    pub fn open_with_vfs(path: &str, vfs: Arc<dyn Vfs>) -> Result<Connection> {
        Connection::open_with_config(path, vfs, PagerConfig::default())
    }

    /// Opens `path` through `vfs` with explicit pager settings (page size for a new file,
    /// cache size, synchronous, journal mode).
    pub fn open_with_config(path: &str, vfs: Arc<dyn Vfs>, config: PagerConfig) -> Result<Connection> {
        let db = Database::open(vfs.clone(), path, config)?;
        Ok(Connection { session: RefCell::new(Session::new(db, vfs)) })
    }

    /// A new database in memory (its own [`MemVfs`]).
    pub fn open_in_memory() -> Result<Connection> {
        Connection::open_with_vfs("memory.db", Arc::new(MemVfs::new()))
    }

    /// Prepares one statement (text after it is an error, as in rusqlite).
    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        let mut statements = parse_statements(sql);
        let parsed = match statements.next() {
            Some(p) => p?,
            None => return Err(Error::new(ErrorCode::Misuse, "no SQL statement to prepare")),
        };
        if let Some(next) = statements.next() {
            next?;
            return Err(Error::new(ErrorCode::Misuse, "multiple statements provided; prepare them one by one"));
        }
        let text = sql.get(parsed.span.start..parsed.span.end).unwrap_or(sql).to_string();
        self.prepare_parsed(parsed, text)
    }

    /// Prepares an already-parsed statement whose text is `text`.
    pub fn prepare_parsed(&self, parsed: ParsedStatement, text: String) -> Result<Statement<'_>> {
        Statement::new(self, parsed, text)
    }

    /// Runs one statement with `params`; returns the rows it changed. A statement that
    /// returns rows is an error, as in rusqlite (use [`Connection::prepare`] and query).
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        self.prepare(sql)?.execute(params)
    }

    /// Runs every statement of `sql` in turn, discarding any rows.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        for parsed in parse_statements(sql) {
            let parsed = parsed?;
            let text = sql.get(parsed.span.start..parsed.span.end).unwrap_or(sql).to_string();
            let mut stmt = self.prepare_parsed(parsed, text)?;
            while stmt.step()? {}
        }
        Ok(())
    }

    /// Runs a query and maps its first row with `f`; no row is an error
    /// (`QueryReturnedNoRows` in rusqlite).
    pub fn query_row<T, P: Params>(&self, sql: &str, params: P, f: impl FnOnce(&Row<'_>) -> Result<T>) -> Result<T> {
        let mut stmt = self.prepare(sql)?;
        let mut rows = stmt.query(params)?;
        match rows.next()? {
            Some(row) => f(&row),
            None => Err(Error::new(ErrorCode::NotFound, "query returned no rows")),
        }
    }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE (`sqlite3_changes`).
    pub fn changes(&self) -> u64 {
        self.session.borrow().changes as u64
    }

    /// Rows changed since the connection opened (`sqlite3_total_changes`).
    pub fn total_changes(&self) -> u64 {
        self.session.borrow().total_changes as u64
    }

    /// The rowid of the most recent successful INSERT (`sqlite3_last_insert_rowid`).
    pub fn last_insert_rowid(&self) -> i64 {
        self.session.borrow().last_insert_rowid
    }

    /// True outside BEGIN ... COMMIT (`sqlite3_get_autocommit`).
    pub fn is_autocommit(&self) -> bool {
        self.session.borrow().autocommit
    }

    /// Sets (or with `None`, or `num_ops` 0, removes) a callback run every `num_ops` VDBE
    /// instructions of every statement of this connection (sqlite3_progress_handler, in
    /// rusqlite's shape). When it returns true the statement stops with SQLITE_INTERRUPT
    /// ("interrupted"), undoing what sqlite3VdbeHalt undoes for an interrupt: a statement
    /// that writes rolls back the whole transaction, a reader nothing. The count of
    /// instructions carries over from one step of a statement to the next. The callback
    /// must not use the connection (the running statement holds it).
    pub fn progress_handler<F>(&self, num_ops: u64, handler: Option<F>)
    where
        F: FnMut() -> bool + 'static,
    {
        self.session.borrow_mut().progress = match handler {
            Some(f) if num_ops > 0 => Some(ProgressHandler { ops: num_ops, handler: Box::new(f) }),
            _ => None,
        };
    }

    /// The pager's I/O counters: page fetches (hits and misses), reads, writes, syncs.
    /// All zero if the connection is busy inside a call (its state borrowed).
    pub fn pager_stats(&self) -> PagerStats {
        match self.session.try_borrow_mut() {
            Ok(mut session) => session.db.btree().pager().stats(),
            Err(_) => PagerStats::default(),
        }
    }
}
