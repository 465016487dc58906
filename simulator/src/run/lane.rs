//! One engine's side of a run within one "process" (from the start, or from the last
//! crash, to the next crash or the end): its connections, opened lazily at their first
//! step, and the statement each has open.
//!
//! Invariant: `stmts[i]` is `Some` only while connection `i`'s statement has returned a
//! row and not yet finished; a statement that finishes (done or error) is dropped at once,
//! so a later `Next` on that connection is `Idle` on both engines (SQLite would otherwise
//! restart a finished statement on its next step, the engine would not).

use std::cell::OnceCell;

use crate::run::outcome::Outcome;
use crate::target::{CacheCounters, Failure, Target};
use crate::workload::WorldConfig;
use crate::world::SimVfs;

/// The per-process state of one side.
pub struct Lane<'a, T: Target> {
    pub target: &'a T,
    pub world: &'a SimVfs,
    pub config: &'a WorldConfig,
    conns: &'a [OnceCell<T::Conn>],
    stmts: Vec<Option<T::Stmt<'a>>>,
    /// Statements this lane started (prepared or not).
    pub statements: u64,
    /// VM instructions one step may run (the plan's `step_op_budget`).
    pub step_op_budget: u64,
}

impl<'a, T: Target> Lane<'a, T> {
    /// A lane over `conns` (all unopened) whose steps may each run `step_op_budget` VM
    /// instructions.
    pub fn new(
        target: &'a T,
        world: &'a SimVfs,
        config: &'a WorldConfig,
        conns: &'a [OnceCell<T::Conn>],
        step_op_budget: u64,
    ) -> Self {
        let stmts = conns.iter().map(|_| None).collect();
        Lane { target, world, config, conns, stmts, statements: 0, step_op_budget }
    }

    /// Connection `i`, opened now if it is not open yet.
    pub fn conn(&self, i: usize) -> Result<&'a T::Conn, Failure> {
        let cell = &self.conns[i];
        if cell.get().is_none() {
            let conn = self.target.open(self.world, self.config)?;
            // The cell was empty just above and nothing else sets it.
            let _ = cell.set(conn);
        }
        cell.get().ok_or_else(|| Failure { code: 1, extended: 1, message: "connection vanished".into() })
    }

    /// Starts `sql` on connection `i` (dropping its open statement) and steps it once.
    pub fn start(&mut self, i: usize, sql: &str) -> Outcome {
        self.stmts[i] = None;
        self.statements += 1;
        let conn = match self.conn(i) {
            Ok(conn) => conn,
            Err(failure) => return Outcome::Error { failure, autocommit: true },
        };
        self.target.set_step_budget(conn, self.step_op_budget);
        match self.target.prepare(conn, sql) {
            Ok(stmt) => {
                self.stmts[i] = Some(stmt);
                self.next(i)
            }
            Err(failure) => Outcome::Error { failure, autocommit: self.target.is_autocommit(conn) },
        }
    }

    /// Steps connection `i`'s open statement once (`Idle` when it has none).
    pub fn next(&mut self, i: usize) -> Outcome {
        let Some(stmt) = self.stmts[i].as_mut() else { return Outcome::Idle };
        if let Some(conn) = self.conns[i].get() {
            self.target.set_step_budget(conn, self.step_op_budget);
        }
        let result = self.target.step(stmt);
        if !matches!(result, Ok(Some(_))) {
            self.stmts[i] = None;
        }
        let Some(conn) = self.conns[i].get() else { return Outcome::Idle };
        match result {
            Ok(Some(row)) => Outcome::Row(row),
            Ok(None) => Outcome::Done {
                changes: self.target.changes(conn),
                last_insert_rowid: self.target.last_insert_rowid(conn),
                autocommit: self.target.is_autocommit(conn),
            },
            Err(failure) => Outcome::Error { failure, autocommit: self.target.is_autocommit(conn) },
        }
    }

    /// Connection `i` if it is open.
    pub fn open_conn(&self, i: usize) -> Option<&'a T::Conn> {
        self.conns[i].get()
    }

    /// Drops connection `i`'s open statement, if any.
    pub fn drop_statement(&mut self, i: usize) {
        self.stmts[i] = None;
    }

    /// The cache counters of this lane's open connections, summed (unopened ones count
    /// zero, as do the counters a target cannot read).
    pub fn cache_counters(&self) -> CacheCounters {
        let mut sum = CacheCounters::default();
        for conn in self.conns.iter().filter_map(OnceCell::get) {
            let counters = self.target.cache_counters(conn);
            sum.hits = sum.hits.saturating_add(counters.hits);
            sum.misses = sum.misses.saturating_add(counters.misses);
        }
        sum
    }

    /// Drops every open statement (before a crash ends the process).
    pub fn drop_statements(&mut self) {
        for stmt in self.stmts.iter_mut() {
            *stmt = None;
        }
    }
}
