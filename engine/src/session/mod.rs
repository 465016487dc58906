//! A connection's state beneath its statements (the parts of SQLite's `sqlite3` struct that
//! statements share): the database, the transaction mode, SQL savepoints, the statements in
//! progress, and the counters `changes()` and `last_insert_rowid()` report.
//!
//! Transaction rules, as SQLite's (vdbeaux.c `sqlite3VdbeHalt`, vdbe.c `OP_Transaction`,
//! `OP_AutoCommit`, `OP_Savepoint`):
//!
//! - Autocommit mode (no BEGIN, no open SAVEPOINT): a statement's first step starts a read or
//!   write transaction; it ends when no statement is in progress any more: committed when
//!   the statements succeeded, rolled back when one failed.
//! - A write statement that may abort after a write (`ProgramInfo::uses_stmt_journal`:
//!   several writes and a possible ABORT) inside an explicit transaction runs under a
//!   statement savepoint, so that an ABORT undoes that statement only. Any other statement
//!   fails, if at all, before its first write (a single-row INSERT checks all constraints
//!   first), so an ABORT has nothing to undo. FAIL keeps what the statement did; ROLLBACK and
//!   I/O errors undo the whole transaction and return to autocommit mode, and so does a full
//!   disk in a statement without a statement journal.
//! - Deviation from SQLite: an autocommit write finishes its transaction only when no other
//!   statement of the connection is still reading (SQLite commits at once and downgrades the
//!   readers' transaction). The data is the same; the commit comes later.

mod pragma;

pub use pragma::pragma_writes;

use std::sync::Arc;

use crate::btree::TxnState;
use crate::error::{Error, ErrorCode, Result};
use crate::sql::ast::TransactionKind;
use crate::storage::Database;
use crate::vdbe::op::{OnError, TxnOp};
use crate::vfs::Vfs;

/// A connection's shared state.
pub struct Session {
    pub db: Database,
    pub vfs: Arc<dyn Vfs>,
    /// No BEGIN or SAVEPOINT is in effect.
    pub autocommit: bool,
    /// SQL savepoint names, outermost first. SQL savepoint `i` is pager savepoint `i`, or
    /// `i - 1` when the outermost began the transaction: that one is the transaction itself
    /// (SQLite's isTransactionSavepoint, not counted in db->nSavepoint), rolled back to by
    /// playing the whole journal back. See [`Session::pager_savepoint`].
    pub savepoints: Vec<String>,
    /// The transaction was opened by the outermost SAVEPOINT (its RELEASE commits).
    pub txn_from_savepoint: bool,
    /// Statements started and not yet finished.
    pub active_statements: usize,
    /// Some statement since the transaction began failed in a way that rolls back the whole
    /// autocommit transaction when the last statement finishes.
    pending_rollback: bool,
    /// A transaction-control statement already ended the transaction after its own error
    /// (a failed RELEASE commit, [`Self::release_commit`]): its error ending must not roll
    /// back again or leave the mode it chose.
    txn_control_halted: bool,
    pub last_insert_rowid: i64,
    /// Rows changed by the most recent INSERT, UPDATE or DELETE.
    pub changes: i64,
    pub total_changes: i64,
    /// PRAGMA case_sensitive_like.
    pub case_sensitive_like: bool,
    /// The progress handler (sqlite3_progress_handler), if one is set.
    pub progress: Option<ProgressHandler>,
}

/// A callback run every `ops` VDBE instructions of a statement (sqlite3_progress_handler);
/// when it returns true the statement stops with SQLITE_INTERRUPT.
pub struct ProgressHandler {
    /// Instructions between calls (0 counts as 1).
    pub ops: u64,
    /// The callback. It must not use the connection: the statement holds it while it runs.
    pub handler: Box<dyn FnMut() -> bool>,
}

impl ProgressHandler {
    /// Instructions left before the next call, for a statement that has run `vm_steps`
    /// instructions so far (sqlite3VdbeExec's nProgressLimit: the count carries over from
    /// one step of a statement to the next).
    pub fn budget(&self, vm_steps: u64) -> u64 {
        let ops = self.ops.max(1);
        ops - vm_steps % ops
    }

    /// Calls the handler; `Interrupt` ("interrupted") when it asks to stop.
    pub fn call(&mut self) -> Result<()> {
        if (self.handler)() { Err(Error::new(ErrorCode::Interrupt, "interrupted")) } else { Ok(()) }
    }
}

/// What a statement holds of the transaction while it runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatementTxn {
    /// The statement's first step started it.
    pub active: bool,
    /// The pager savepoint number of its statement journal, if it has one.
    pub savepoint: Option<usize>,
    /// It began a write transaction.
    pub writes: bool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("db", &self.db)
            .field("vfs", &self.vfs.name())
            .field("autocommit", &self.autocommit)
            .field("savepoints", &self.savepoints)
            .field("active_statements", &self.active_statements)
            .field("progress_ops", &self.progress.as_ref().map(|p| p.ops))
            .finish_non_exhaustive()
    }
}

impl Session {
    /// A connection's state over `db`, in autocommit mode with nothing in progress.
    pub fn new(db: Database, vfs: Arc<dyn Vfs>) -> Session {
        Session {
            db,
            vfs,
            autocommit: true,
            savepoints: Vec::new(),
            txn_from_savepoint: false,
            active_statements: 0,
            pending_rollback: false,
            txn_control_halted: false,
            last_insert_rowid: 0,
            changes: 0,
            total_changes: 0,
            case_sensitive_like: false,
            progress: None,
        }
    }

    /// OP_Transaction: starts or joins the transaction a statement needs. `stmt_journal`:
    /// the statement may abort after a write and so needs its own savepoint when it shares
    /// the transaction with others (an explicit transaction). `Busy` leaves everything as it
    /// was, so that the step can be retried.
    pub fn begin_statement(&mut self, txn: &mut StatementTxn, write: bool, stmt_journal: bool) -> Result<()> {
        self.db.begin_txn(write)?;
        if !txn.active {
            txn.active = true;
            self.active_statements += 1;
        }
        if write {
            txn.writes = true;
            // The pager holds a savepoint per open SQL savepoint once the transaction writes
            // (OP_Transaction's sqlite3PagerOpenSavepoint(db->nSavepoint)), the one that
            // began the transaction excepted.
            let n = self.pager_savepoints();
            if n > 0 && self.db.savepoint_count() < n {
                self.db.open_savepoints(n)?;
            }
            if stmt_journal && !self.autocommit && txn.savepoint.is_none() {
                self.db.open_savepoints(n + 1)?;
                txn.savepoint = Some(n);
            }
        }
        Ok(())
    }

    /// Ends a statement that finished without error (sqlite3VdbeHalt): its savepoint is
    /// released, and in autocommit mode the transaction ends when it was the last statement.
    /// On `Busy` at commit the statement stays active and the call may be repeated.
    pub fn end_statement_ok(&mut self, txn: &mut StatementTxn) -> Result<()> {
        if !txn.active {
            return Ok(());
        }
        if let Some(i) = txn.savepoint.take() {
            self.db.release_savepoint(i)?;
        }
        self.finish(txn)
    }

    /// Ends a statement that failed with `err`, undoing what the error's `action` and kind
    /// require (sqlite3VdbeHalt's error branch).
    pub fn end_statement_err(&mut self, txn: &mut StatementTxn, err: &Error, action: OnError) {
        // isSpecialError: I/O errors and out-of-memory undo the whole transaction, even for a
        // statement that only read; a full disk only when there is no statement journal; an
        // interrupt only for a statement that writes (a reader's interrupt undoes nothing).
        let interrupted_writer = err.code() == ErrorCode::Interrupt && txn.writes;
        let special = matches!(err.code(), ErrorCode::IoErr | ErrorCode::NoMem) || interrupted_writer;
        let full = err.code() == ErrorCode::Full;
        let halted = std::mem::take(&mut self.txn_control_halted);
        if !txn.active {
            // No statement transaction began: transaction control (OP_AutoCommit and
            // OP_Savepoint make a program a reader, p->bIsReader), or a statement whose
            // OP_Transaction failed. sqlite3VdbeHalt still rolls everything back after
            // these errors: a COMMIT, RELEASE or ROLLBACK TO that met an I/O error ends
            // the transaction (a RELEASE that failed to commit has done so itself and
            // stays out of autocommit mode, `halted`).
            if (special || full) && !self.autocommit && !halted {
                self.rollback_all();
            }
            return;
        }
        if (full || err.code() == ErrorCode::IoErr)
            && !self.autocommit
            && crate::planted::active(crate::planted::Bug::IoErrorKeepsStatement)
        {
            // Planted bug: the statement's partial effect stays and the transaction goes on
            // (its statement journal, if any, released instead of rolled back), where SQLite
            // undoes the statement (a full disk with a statement journal) or the whole
            // transaction (any I/O error).
            if let Some(i) = txn.savepoint.take() {
                let _ = self.db.release_savepoint(i);
            }
            let _ = self.finish(txn);
            return;
        }
        let busy = err.is_busy();
        let whole = special || (full && txn.savepoint.is_none()) || (action == OnError::Rollback && txn.writes);
        if whole {
            self.rollback_all();
        } else if let Some(i) = txn.savepoint.take() {
            let undo = (action == OnError::Abort || full) && !busy;
            if undo && self.db.rollback_to_savepoint(Some(i)).is_err() {
                self.rollback_all();
            }
            let _ = self.db.release_savepoint(i);
        } else if self.autocommit && txn.writes && action != OnError::Fail {
            self.pending_rollback = true;
        }
        let _ = self.finish(txn);
    }

    /// sqlite3VdbeHalt of a statement that uses the database (p->bIsReader) and failed in
    /// autocommit mode, not kept by OR FAIL: as the only statement running
    /// (`db->nVdbeWrite` counts it alone) it calls sqlite3RollbackAll, whose schema half
    /// discards a catalog holding uncommitted changes, even when the statement never began
    /// a transaction (BUSY at its OP_Transaction, then reset). The caller ends the
    /// statement's own transaction afterwards. `started`: the statement began its
    /// transaction and so is counted in `active_statements`. With other statements running
    /// SQLite may roll back all the same; the engine, whose autocommit transactions end
    /// with the last statement, leaves that to the last one.
    pub fn halt_failed_in_autocommit(&mut self, started: bool) {
        if self.autocommit && self.active_statements == usize::from(started) {
            self.db.discard_uncommitted_schema();
        }
    }

    /// The statement is no longer active: in autocommit mode the last one ends the
    /// transaction (commit, or rollback when one failed).
    fn finish(&mut self, txn: &mut StatementTxn) -> Result<()> {
        if self.autocommit && self.active_statements == 1 {
            if self.pending_rollback {
                self.pending_rollback = false;
                let _ = self.db.rollback_txn();
            } else {
                self.db.commit_txn()?;
            }
        }
        txn.active = false;
        txn.writes = false;
        self.active_statements -= 1;
        Ok(())
    }

    /// Rolls the whole transaction back and returns to autocommit mode.
    pub fn rollback_all(&mut self) {
        let _ = self.db.rollback_txn();
        self.autocommit = true;
        self.savepoints.clear();
        self.txn_from_savepoint = false;
        self.pending_rollback = false;
    }

    /// Runs a transaction-control statement (OP_AutoCommit, OP_Savepoint).
    pub fn txn_control(&mut self, op: &TxnOp) -> Result<()> {
        let err = |m: &str| Err(Error::new(ErrorCode::Error, m.to_string()));
        match op {
            TxnOp::Begin(kind) => {
                // BEGIN IMMEDIATE / EXCLUSIVE run OP_Transaction before OP_AutoCommit: the
                // lock comes first, so inside a transaction a lock another connection
                // holds says BUSY, and a lock obtained stays with the open transaction
                // when OP_AutoCommit then refuses.
                if *kind != TransactionKind::Deferred {
                    match self.db.begin_write_txn(*kind == TransactionKind::Exclusive) {
                        // Planted bug: BEGIN IMMEDIATE goes on as if it held RESERVED.
                        Err(e)
                            if e.is_busy()
                                && *kind == TransactionKind::Immediate
                                && crate::planted::active(crate::planted::Bug::BusyNotRaised) => {}
                        r => r?,
                    }
                }
                if !self.autocommit {
                    return err("cannot start a transaction within a transaction");
                }
                self.autocommit = false;
                Ok(())
            }
            TxnOp::Commit => {
                if self.autocommit {
                    return err("cannot commit - no transaction is active");
                }
                self.commit_all()
            }
            TxnOp::Rollback => {
                if self.autocommit {
                    return err("cannot rollback - no transaction is active");
                }
                self.rollback_all();
                Ok(())
            }
            TxnOp::Savepoint(name) => {
                if self.autocommit {
                    self.autocommit = false;
                    self.txn_from_savepoint = true;
                }
                self.savepoints.push(name.to_string());
                Ok(())
            }
            TxnOp::Release(name) | TxnOp::RollbackTo(name) => {
                let Some(i) = self.savepoints.iter().rposition(|s| s.eq_ignore_ascii_case(name)) else {
                    return Err(Error::new(ErrorCode::Error, format!("no such savepoint: {name}")));
                };
                let pager = self.pager_savepoint(i);
                if matches!(op, TxnOp::Release(_)) {
                    let Some(p) = pager else {
                        // Releasing the outermost savepoint of a transaction it began commits.
                        return self.release_commit();
                    };
                    if self.db.savepoint_count() > p {
                        self.db.release_savepoint(p)?;
                    }
                    self.savepoints.truncate(i);
                } else {
                    match pager {
                        Some(p) if self.db.savepoint_count() > p => self.db.rollback_to_savepoint(Some(p))?,
                        // The whole transaction, if it wrote (sqlite3BtreeSavepoint does
                        // nothing outside a write transaction).
                        None if self.db.txn_state() == TxnState::Write => self.db.rollback_to_savepoint(None)?,
                        // Nothing written since the savepoint: only the schema's reset.
                        _ => self.db.rolled_back_to_savepoint(),
                    }
                    self.savepoints.truncate(i + 1);
                }
                Ok(())
            }
        }
    }

    /// The pager savepoint SQL savepoint `i` stands on, `None` for the one that began the
    /// transaction (the transaction itself: OP_Savepoint's iSavepoint -1).
    fn pager_savepoint(&self, i: usize) -> Option<usize> {
        if self.txn_from_savepoint { i.checked_sub(1) } else { Some(i) }
    }

    /// Pager savepoints the open SQL savepoints need (db->nSavepoint).
    fn pager_savepoints(&self) -> usize {
        self.savepoints.len() - usize::from(self.txn_from_savepoint && !self.savepoints.is_empty())
    }

    /// RELEASE of the savepoint that began the transaction: commits it (OP_Savepoint's
    /// isTransaction branch). `Busy` leaves everything as it was, for a retry. Any other
    /// error of the commit rolls the transaction back (the sqlite3VdbeHalt that OP_Savepoint
    /// runs), but the connection stays out of autocommit mode with its savepoints, the
    /// released one included (OP_Savepoint sets autoCommit back to 0 and leaves the savepoint
    /// list alone, and the halt that already ran is not run again): a later RELEASE of it
    /// ends the empty transaction. `txn_control_halted` tells [`Self::end_statement_err`]
    /// that the rollback is done.
    fn release_commit(&mut self) -> Result<()> {
        match self.commit_all() {
            Err(e) if !e.is_busy() => {
                let _ = self.db.rollback_txn();
                self.pending_rollback = false;
                self.txn_control_halted = true;
                debug_assert!(!self.autocommit && self.txn_from_savepoint);
                Err(e)
            }
            r => r,
        }
    }

    /// COMMIT: ends the transaction; on `Busy` it stays open and COMMIT may be retried.
    fn commit_all(&mut self) -> Result<()> {
        if self.active_statements == 0 {
            self.db.commit_txn()?;
        }
        self.autocommit = true;
        self.savepoints.clear();
        self.txn_from_savepoint = false;
        Ok(())
    }

    /// The value of `random()` and friends: bytes from the Vfs, so runs are reproducible.
    pub fn fill_random(&self, buf: &mut [u8]) {
        self.vfs.randomness(buf);
    }

    /// The current time for CURRENT_TIMESTAMP & co., from the Vfs.
    pub fn current_time_ms(&self) -> i64 {
        self.vfs.current_time_ms()
    }
}
