//! Real SQLite as a [`Target`]: rusqlite connections on the run's [`SimVfs`] through the
//! oracle's VFS adapter, statements stepped one row at a time as raw handles.

use std::sync::Arc;

use touchstone_engine::format::value::Value;
use touchstone_oracle::sqlite_stmt::{RawStatement, SqliteError, cache_counters};
use touchstone_oracle::sqlite_vfs::{ReferenceConnection, SqliteVfs, seed_sqlite_prng};

use super::{CacheCounters, DB_PATH, Failure, Target};
use crate::workload::WorldConfig;
use crate::world::SimVfs;

/// Real SQLite (rusqlite, bundled; the version Cargo.lock pins).
#[derive(Clone, Copy, Debug, Default)]
pub struct SqliteTarget;

/// Reseeds SQLite's process-global PRNG (journal nonces, random rowids) from `seed`, so that
/// a run does not depend on the runs before it in the same process.
pub fn seed_prng(seed: u64) {
    seed_sqlite_prng((seed ^ (seed >> 32)) as u32);
}

fn failure(e: SqliteError) -> Failure {
    Failure { code: e.code, extended: e.extended, message: e.message }
}

/// A rusqlite error as SQLite's codes and message.
fn rusqlite_failure(e: &rusqlite::Error) -> Failure {
    match e {
        rusqlite::Error::SqliteFailure(code, message) => Failure {
            code: code.extended_code & 0xff,
            extended: code.extended_code,
            message: message.clone().unwrap_or_else(|| code.to_string()),
        },
        other => Failure { code: 1, extended: 1, message: other.to_string() },
    }
}

impl Target for SqliteTarget {
    type Conn = ReferenceConnection;
    type Stmt<'c> = RawStatement<'c>;

    fn name(&self) -> &'static str {
        "sqlite"
    }

    /// Registers the world with SQLite (one registration per connection; it lives as long
    /// as the connection) and opens the database with busy timeout 0.
    fn open(&self, world: &SimVfs, config: &WorldConfig) -> Result<ReferenceConnection, Failure> {
        let vfs = SqliteVfs::register(Arc::new(world.clone())).map_err(|e| rusqlite_failure(&e))?;
        let conn = vfs.open(DB_PATH).map_err(|e| rusqlite_failure(&e))?;
        if config.cache_pages > 0 {
            conn.execute_batch(&format!("PRAGMA cache_size = {}", config.cache_pages))
                .map_err(|e| rusqlite_failure(&e))?;
        }
        Ok(conn)
    }

    fn prepare<'c>(&'c self, conn: &'c ReferenceConnection, sql: &str) -> Result<RawStatement<'c>, Failure> {
        RawStatement::prepare(conn, sql).map_err(failure)
    }

    fn step(&self, stmt: &mut RawStatement<'_>) -> Result<Option<Vec<Value>>, Failure> {
        stmt.step().map_err(failure)
    }

    fn changes(&self, conn: &ReferenceConnection) -> u64 {
        conn.changes()
    }

    fn last_insert_rowid(&self, conn: &ReferenceConnection) -> i64 {
        conn.last_insert_rowid()
    }

    fn is_autocommit(&self, conn: &ReferenceConnection) -> bool {
        conn.is_autocommit()
    }

    /// Not budgeted: real SQLite is the reference and the calibration subject, not what a
    /// budget is for, and rusqlite's progress_handler needs `&mut Connection`, which the
    /// connections a run's open statements borrow cannot give.
    fn set_step_budget(&self, _conn: &ReferenceConnection, _ops: u64) {}

    fn cache_counters(&self, conn: &ReferenceConnection) -> CacheCounters {
        let (hits, misses) = cache_counters(conn);
        CacheCounters { hits, misses }
    }
}
