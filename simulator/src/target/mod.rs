//! The engines a run can drive, behind one trait: the engine under test and real SQLite.
//!
//! A run drives two targets in lockstep: the subject (the engine, or real SQLite itself for
//! a calibration run) and the reference (always real SQLite). Both sit on their own
//! [`SimVfs`] world, built from the same configuration and seed. Statements borrow their
//! connection, so [`Target::Stmt`] is generic over the connection's lifetime; the run keeps
//! a target's connections in one frame per "process" (until a crash) and its open statements
//! beside them.

pub mod engine;
pub mod sqlite;

use touchstone_engine::format::value::Value;

use crate::workload::WorldConfig;
use crate::world::SimVfs;

/// The path of the simulated database on every world.
pub const DB_PATH: &str = "/sim.db";

/// An error as SQLite reports it: primary and extended result codes, and the message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub code: i32,
    pub extended: i32,
    pub message: String,
}

/// Page-cache counters of one connection (sqlite3_db_status CACHE_HIT / CACHE_MISS).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheCounters {
    pub hits: u64,
    pub misses: u64,
}

/// One engine behind the simulator.
pub trait Target {
    /// An open connection.
    type Conn;
    /// A prepared statement borrowing its connection.
    type Stmt<'c>
    where
        Self: 'c;

    /// "engine" or "sqlite".
    fn name(&self) -> &'static str;

    /// Opens [`DB_PATH`] on `world` with zero busy timeout and the world's cache size.
    fn open(&self, world: &SimVfs, config: &WorldConfig) -> Result<Self::Conn, Failure>;

    /// Prepares one statement.
    fn prepare<'c>(&'c self, conn: &'c Self::Conn, sql: &str) -> Result<Self::Stmt<'c>, Failure>;

    /// Steps a statement: `Some(row)` for a row, `None` when it is done.
    fn step(&self, stmt: &mut Self::Stmt<'_>) -> Result<Option<Vec<Value>>, Failure>;

    /// sqlite3_changes: rows changed by the last finished INSERT, UPDATE or DELETE.
    fn changes(&self, conn: &Self::Conn) -> u64;

    /// sqlite3_last_insert_rowid.
    fn last_insert_rowid(&self, conn: &Self::Conn) -> i64;

    /// sqlite3_get_autocommit: true outside an explicit transaction.
    fn is_autocommit(&self, conn: &Self::Conn) -> bool;

    /// Gives the connection's next step at most `ops` VM instructions (rounded to
    /// [`PROGRESS_OPS`]): past them a progress handler interrupts it (SQLITE_INTERRUPT).
    fn set_step_budget(&self, conn: &Self::Conn, ops: u64);

    /// Page-cache counters of the connection since it opened.
    fn cache_counters(&self, conn: &Self::Conn) -> CacheCounters;
}

/// VM instructions between two calls of a step-budget progress handler.
pub const PROGRESS_OPS: u64 = 1000;

/// SQLITE_INTERRUPT: what a step stopped by its budget fails with.
pub const SQLITE_INTERRUPT: i32 = 9;

/// A progress handler that interrupts after `ops` instructions (counted in calls of one
/// per [`PROGRESS_OPS`]).
pub fn budget_handler(ops: u64) -> impl FnMut() -> bool + 'static {
    let limit_calls = ops / PROGRESS_OPS;
    let mut calls = 0u64;
    move || {
        calls += 1;
        calls > limit_calls
    }
}

/// Which engine a run tests against the reference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// touchstone-engine.
    #[default]
    Engine,
    /// Real SQLite against itself: the calibration run.
    Sqlite,
}

impl TargetKind {
    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            TargetKind::Engine => "engine",
            TargetKind::Sqlite => "sqlite",
        }
    }
}

/// Runs `plan` with `kind` as the subject and real SQLite as the reference.
/// A panic of either engine ends the run as a failure of class `panic` (its trace is lost;
/// the trace hash is that of the panic message).
pub fn run_plan(kind: TargetKind, plan: &crate::workload::Plan, keep_trace: bool) -> crate::run::RunReport {
    // Real SQLite's PRNG is process-global: reseed it so that the run does not depend on
    // which runs came before it in this process.
    sqlite::seed_prng(plan.world.sim_seed);
    let result = crate::panics::catch(|| match kind {
        TargetKind::Engine => crate::run::run_plan(plan, &engine::EngineTarget, &sqlite::SqliteTarget, keep_trace),
        TargetKind::Sqlite => crate::run::run_plan(plan, &sqlite::SqliteTarget, &sqlite::SqliteTarget, keep_trace),
    });
    result.unwrap_or_else(|message| crate::run::RunReport::panicked(&message))
}
