//! The fault-aware differential: what the oracle requires of a step that an injected fault
//! made fail on the subject.
//!
//! The reference runs without faults, so it cannot say what the failed step should have
//! returned; it can say what the failure may have left behind. SQLite allows two states
//! after a statement that an I/O error, a full disk or a failed open stops
//! (sqlite3VdbeHalt):
//!
//! - `undone`: the statement's effect is undone and the transaction stays as it was (a
//!   statement journal's rollback, or a statement that had changed nothing yet), or
//! - `rolled back`: the whole transaction is rolled back, and the connection is back in
//!   autocommit mode. One exception, SQLite's own: a RELEASE of the transaction's outermost
//!   savepoint whose commit fails rolls back the transaction, yet OP_Savepoint sets
//!   autocommit off again, leaving the savepoint open on an empty transaction.
//!
//! The subject's content (read through the failed connection, faults off) must be the
//! reference's current content (`undone`) or its last committed content (`rolled back`),
//! and the subject's autocommit flag must say which. The reference is then brought to the
//! same state without running the step (its open statement dropped; ROLLBACK for a rolled
//! back transaction, then SAVEPOINT for the RELEASE exception), and the lockstep goes on.
//!
//! The oracle's own reads are mirrored: the reference reads its content through the same
//! connection *after* it was brought to the subject's state, as the subject's read came
//! after the failure. A read is not free of effects in SQLite: it loads the connection's
//! schema cache (which a rolled-back schema change had discarded) and, inside a
//! transaction, takes a read lock held until the transaction ends. Reading on one side
//! only, or before a ROLLBACK on one side and after it on the other, leaves the two
//! connections answering later statements from different caches or with different locks
//! (io-errors seed 6601 with SQLite as the subject: "no such table" from a loaded cache
//! where the reference, its cache discarded, was BUSY re-reading the schema).
//!
//! When the subject's content cannot be read (BUSY: another connection's lock, perhaps
//! one a fault left), the state is taken as its autocommit flag says, and the reference is
//! still brought to it: a subject back in autocommit mode rolled its transaction back
//! (swarm seeds 2992 and 5645 with SQLite as the subject: the reference, left inside the
//! transaction, then disagreed about autocommit). Only a failed RELEASE stays
//! undecidable without the content (undone, or rolled back with its savepoint kept):
//! comparison stops there, unchecked.
//!
//! The check cannot judge the error code: a fault may surface as IOERR, FULL, CANTOPEN,
//! CORRUPT or BUSY depending on where it struck; the state afterwards is what SQLite
//! guarantees.

use super::FailureClass;
use super::content::{self, ContentResult, Snapshot};
use super::lane::Lane;
use super::outcome::{Outcome, SQLITE_BUSY};
use crate::target::Target;
use crate::target::sqlite::SqliteTarget;
use crate::world::FaultRates;

/// What the failed step was, as far as the rules care.
pub struct FailedStep<'s> {
    /// The step's connection.
    pub conn: usize,
    /// The autocommit flag the subject reported after the failure.
    pub subject_autocommit: bool,
    /// The step's SQL (None for a `Next`).
    pub sql: Option<&'s str>,
    /// The subject was refused with BUSY, no fault struck: it changed nothing and kept its
    /// transaction, and its content may not be readable (another connection's lock).
    pub busy: bool,
}

/// What the oracle concluded about a failed step whose state SQLite allows.
#[derive(Debug)]
pub enum Verdict {
    /// The reference now shares the subject's state; the note is for the trace.
    Synced(String),
    /// The state cannot be judged: comparison stops here, unchecked, for the reason given.
    Unchecked(String),
}

/// A failed step that left a state SQLite does not allow: the class and the report.
#[derive(Debug)]
pub struct FaultFailure {
    pub class: FailureClass,
    pub message: String,
}

/// A `fault-atomicity` failure with `message`.
fn atomicity(message: String) -> FaultFailure {
    FaultFailure { class: FailureClass::FaultAtomicity, message }
}

/// The savepoint a `RELEASE [SAVEPOINT] name` statement names, if `sql` is one.
fn released_savepoint(sql: &str) -> Option<&str> {
    let mut words = sql.split_whitespace();
    if !words.next()?.eq_ignore_ascii_case("RELEASE") {
        return None;
    }
    words.rfind(|w| !w.eq_ignore_ascii_case("SAVEPOINT"))
}

/// Runs `sql` on the reference's connection `conn`; errors when it does not end well.
fn reference_runs<R: Target>(reference: &mut Lane<'_, R>, conn: usize, sql: &str) -> Result<(), FaultFailure> {
    match reference.start(conn, sql) {
        Outcome::Done { .. } => Ok(()),
        other => Err(atomicity(format!("the reference could not run {sql:?} to match the subject: {other}"))),
    }
}

/// Reads the reference's content through its connection `conn` (opening it if the subject
/// opened its own in the failed step: an open changes nothing but the connection's own
/// state). Mirrors the subject's read (module doc), so it comes after any statement that
/// brings the reference to the subject's state.
fn reference_read<R: Target>(reference: &Lane<'_, R>, conn: usize) -> ContentResult {
    reference.conn(conn).and_then(|c| content::read(reference.target, c, reference.step_op_budget))
}

/// Reads the subject's content through `conn` outside the step: faults off, and an armed
/// crash held back by as many calls as the read makes. Returns what the read gave.
fn read_unfaulted<S: Target>(subject: &Lane<'_, S>, conn: &S::Conn) -> ContentResult {
    let world = subject.world;
    let rates = world.fault_rates();
    let armed = world.crash_armed_at();
    let calls_before = world.io_calls();
    world.set_fault_rates(FaultRates::default());
    world.disarm_crash();
    let got = content::read(subject.target, conn, subject.step_op_budget);
    world.set_fault_rates(rates);
    if let Some(call) = armed {
        world.arm_crash_at_call(call + (world.io_calls() - calls_before));
    }
    got
}

/// Equal contents, or the same error (two reads refused alike, e.g. BUSY).
fn same(a: &ContentResult, b: &ContentResult) -> bool {
    match (a, b) {
        (Ok(a), Ok(b)) => a.hash == b.hash,
        (Err(a), Err(b)) => a.code == b.code,
        _ => false,
    }
}

/// Checks the state a fault-failed subject step left and brings the reference to it (see
/// the module doc). On entry the step has run on the subject only. Returns the verdict;
/// errors with why the state is not one SQLite allows (class `fault-atomicity`, with a
/// content diff), or `hang` when reading the subject's content ran past the step budget.
pub fn judge_failed_step<S: Target, R: Target>(
    subject: &mut Lane<'_, S>,
    reference: &mut Lane<'_, R>,
    failed: &FailedStep<'_>,
) -> Result<Verdict, FaultFailure> {
    let conn = failed.conn;
    reference.drop_statement(conn);
    let reference_autocommit = reference.open_conn(conn).is_none_or(|c| reference.target.is_autocommit(c));
    if !failed.subject_autocommit && reference_autocommit {
        return Err(atomicity(
            "after the failure the subject reports an open transaction; the connection had none, \
             and a failed statement does not open one"
                .to_string(),
        ));
    }
    if failed.busy {
        if failed.subject_autocommit != reference_autocommit {
            return Err(atomicity("BUSY changed the connection's transaction state".to_string()));
        }
        return Ok(Verdict::Synced("refused, nothing changed".to_string()));
    }
    let Some(subject_conn) = subject.open_conn(conn) else {
        // The fault struck the connection's open: nothing was read or changed.
        return Ok(Verdict::Synced("the connection did not open".to_string()));
    };
    let got = read_unfaulted(subject, subject_conn);
    if content::interrupted(&got) {
        let message = format!(
            "reading the subject's content after the failure ran past the step budget ({} VM instructions \
             per statement)",
            subject.step_op_budget
        );
        return Err(FaultFailure { class: FailureClass::Hang, message });
    }
    let release = failed.sql.and_then(released_savepoint);
    if matches!(&got, Err(failure) if failure.code == SQLITE_BUSY) {
        return unreadable(reference, conn, failed.subject_autocommit, reference_autocommit, release);
    }
    // The reference's last commit: its files, recovered by real SQLite on a copy (which
    // leaves the reference's locks, transactions and caches alone).
    let (world, config) = (reference.world, reference.config);
    let committed =
        || content::recovered(&SqliteTarget, &Snapshot::of(world), config, world.disk_model(), content::UNBOUNDED);
    match (failed.subject_autocommit, reference_autocommit) {
        (true, true) => {
            let current = reference_read(reference, conn);
            if same(&got, &current) {
                return Ok(Verdict::Synced(format!("statement undone; content {}", content::show(&got))));
            }
            Err(atomicity(format!("statement not undone (- subject, + reference):\n{}", content::diff(&got, &current))))
        }
        (true, false) => {
            let committed = committed();
            if !same(&got, &committed) {
                return Err(atomicity(format!(
                    "the subject ended its transaction, but its content is not the last commit \
                     (- subject, + last commit):\n{}",
                    content::diff(&got, &committed)
                )));
            }
            reference_runs(reference, conn, "ROLLBACK")?;
            // The mirrored read: its content is the last commit again; what matters is its
            // effect on the connection (module doc).
            let _ = reference_read(reference, conn);
            Ok(Verdict::Synced(format!("transaction rolled back; content {}", content::show(&got))))
        }
        (false, _) => {
            if let Some(savepoint) = release
                && same(&got, &committed())
            {
                reference_runs(reference, conn, "ROLLBACK")?;
                reference_runs(reference, conn, &format!("SAVEPOINT {savepoint}"))?;
                let _ = reference_read(reference, conn);
                return Ok(Verdict::Synced(format!("commit of RELEASE {savepoint} rolled back, savepoint kept open")));
            }
            let current = reference_read(reference, conn);
            if same(&got, &current) {
                return Ok(Verdict::Synced(format!(
                    "statement undone, transaction open; content {}",
                    content::show(&got)
                )));
            }
            Err(atomicity(format!(
                "the subject keeps its transaction open, but its statement was not undone \
                 (- subject, + reference):\n{}",
                content::diff(&got, &current)
            )))
        }
    }
}

/// The subject's content could not be read (BUSY): brings the reference to the state the
/// subject's autocommit flag says (module doc), or gives up on a failed RELEASE, whose
/// two allowed states only the content tells apart.
fn unreadable<R: Target>(
    reference: &mut Lane<'_, R>,
    conn: usize,
    subject_autocommit: bool,
    reference_autocommit: bool,
    release: Option<&str>,
) -> Result<Verdict, FaultFailure> {
    match (subject_autocommit, reference_autocommit, release) {
        (true, false, _) => {
            reference_runs(reference, conn, "ROLLBACK")?;
            Ok(Verdict::Synced("content not readable now (BUSY); transaction rolled back, as on the subject".into()))
        }
        (false, _, Some(savepoint)) => Ok(Verdict::Unchecked(format!(
            "RELEASE {savepoint} failed and the content cannot be read (BUSY): the transaction may be \
             open or rolled back with the savepoint kept"
        ))),
        _ => Ok(Verdict::Synced("content not readable now (BUSY)".to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_names_its_savepoint() {
        assert_eq!(released_savepoint("RELEASE s4"), Some("s4"));
        assert_eq!(released_savepoint("release savepoint s1"), Some("s1"));
        assert_eq!(released_savepoint("ROLLBACK TO s1"), None);
        assert_eq!(released_savepoint("RELEASE"), None);
    }
}
