//! The engine under test as a [`Target`].

use std::sync::Arc;

use touchstone_engine::conn::{Connection, Statement};
use touchstone_engine::error::Error;
use touchstone_engine::format::value::Value;
use touchstone_engine::pager::PagerConfig;

use super::{CacheCounters, DB_PATH, Failure, Target};
use crate::workload::WorldConfig;
use crate::world::SimVfs;

/// touchstone-engine.
#[derive(Clone, Copy, Debug, Default)]
pub struct EngineTarget;

/// The engine's error as SQLite's codes and message.
pub fn failure(error: &Error) -> Failure {
    Failure { code: error.code().sqlite_code(), extended: error.extended_code(), message: error.message().to_string() }
}

impl Target for EngineTarget {
    type Conn = Connection;
    type Stmt<'c> = Statement<'c>;

    fn name(&self) -> &'static str {
        "engine"
    }

    /// Opens the database and sets the cache size by the same statement the SQLite target
    /// runs (PRAGMA cache_size reads the schema first, so it is BUSY while another
    /// connection holds EXCLUSIVE, on both sides alike).
    fn open(&self, world: &SimVfs, config: &WorldConfig) -> Result<Connection, Failure> {
        let pager = PagerConfig { page_size_bytes: config.page_size_bytes, ..PagerConfig::default() };
        let conn = Connection::open_with_config(DB_PATH, Arc::new(world.clone()), pager).map_err(|e| failure(&e))?;
        if config.cache_pages > 0 {
            conn.execute_batch(&format!("PRAGMA cache_size = {}", config.cache_pages)).map_err(|e| failure(&e))?;
        }
        Ok(conn)
    }

    fn prepare<'c>(&'c self, conn: &'c Connection, sql: &str) -> Result<Statement<'c>, Failure> {
        conn.prepare(sql).map_err(|e| failure(&e))
    }

    fn step(&self, stmt: &mut Statement<'_>) -> Result<Option<Vec<Value>>, Failure> {
        match stmt.step() {
            Ok(true) => Ok(Some(stmt.row_values().to_vec())),
            Ok(false) => Ok(None),
            Err(e) => Err(failure(&e)),
        }
    }

    fn changes(&self, conn: &Connection) -> u64 {
        conn.changes()
    }

    fn last_insert_rowid(&self, conn: &Connection) -> i64 {
        conn.last_insert_rowid()
    }

    fn is_autocommit(&self, conn: &Connection) -> bool {
        conn.is_autocommit()
    }

    fn set_step_budget(&self, conn: &Connection, ops: u64) {
        conn.progress_handler(super::PROGRESS_OPS, Some(super::budget_handler(ops)));
    }

    fn cache_counters(&self, conn: &Connection) -> CacheCounters {
        let stats = conn.pager_stats();
        CacheCounters { hits: stats.cache_hits, misses: stats.cache_misses }
    }
}
