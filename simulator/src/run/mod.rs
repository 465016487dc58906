//! One simulation run: a plan executed on the subject and on the reference in lockstep.
//!
//! Each side has its own [`SimVfs`] world, built from the plan's [`WorldConfig`] with the
//! same seed. Faults and crashes strike the subject's world only; the reference (real
//! SQLite) runs fault-free, on a disk of unbounded capacity, and never crashes, so that it
//! can say what a faulted step was allowed to leave behind. Steps run in plan order; each
//! runs on the subject, then (usually) on the reference, and the oracle's checks follow:
//!
//! - A step where no fault struck the subject must give the same outcome on both: the same
//!   row bit for bit, the same end with the same changes(), last_insert_rowid() and
//!   autocommit state, or the same error code and message. BUSY included: the same schedule
//!   runs on both, so both must be refused at the same step (classes `result`, `busy`).
//! - A connection where a step ran on the subject only (a fault failed it, or a BUSY was
//!   not replayed, below) may hold another schema cache than the reference's connection:
//!   for it, BUSY on one side against a name-lookup error ("no such table") on the other
//!   is accepted, both being SQLite's answers for a locked database
//!   ([`outcome::explained_by_schema_cache`]), until a statement on tables ends alike on
//!   both in autocommit mode.
//! - A step that a fault made fail on the subject is not run on the reference: [`fault`]
//!   checks that the subject undid the statement or rolled back its transaction, as its
//!   autocommit flag says, makes the reference do the same, and compares contents (class
//!   `fault-atomicity`). A faulted step that still succeeded must agree with the reference
//!   as an unfaulted one (else `fault-atomicity`). A short read inside a file is the one
//!   fault no reference can judge: SQLite itself uses the zero-filled bytes (pager.c
//!   `readDbPage` turns SQLITE_IOERR_SHORT_READ into success) and may write them back, so
//!   the run stops comparing there, as `unchecked`.
//! - A crash: the reference's files are copied before and after the step the crash strikes
//!   in; the subject's settled disk must recover, by the engine and by SQLite alike, to one
//!   of the two committed states ([`crash`]: `cross-recovery`, `crash-integrity`,
//!   `crash-durability`); the reference is then set to the state the subject kept and the
//!   lockstep goes on in a new "process".
//!
//! - With a page level in the plan's oracle settings, the database files are compared page
//!   by page after each commit, and L0 judged at the end ([`pages`]).
//!
//! The run's trace (one line per step: both outcomes and the faults) folds into the trace
//! hash, which the same plan reproduces bit for bit.

pub mod content;
pub mod cost;
pub mod crash;
pub mod fault;
pub mod lane;
pub mod outcome;
pub mod pages;
pub mod trace;

use std::cell::OnceCell;

use serde::{Deserialize, Serialize};

use crate::target::Target;
use crate::workload::{Plan, Step, WorldConfig};
use crate::world::{DiskModel, FaultCounts, FaultKind, FaultRates, SimVfs};
use content::Snapshot;
use cost::StepCost;
use crash::Recovered;
use lane::Lane;
use outcome::Outcome;
use trace::Trace;

/// Why a run failed: each check of the oracle reports its own class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureClass {
    /// The engines gave different results for the same step.
    Result,
    /// One engine said SQLITE_BUSY and the other did not.
    Busy,
    /// The subject's database file fell below the scenario's page level.
    Page,
    /// After a crash, the subject recovered to a state the `synchronous` level does not
    /// allow (at FULL: neither the last acknowledged commit nor the one in flight).
    CrashDurability,
    /// After a crash and the subject's recovery, real SQLite's integrity_check fails.
    CrashIntegrity,
    /// The crashed image recovered by the engine and by real SQLite differ.
    CrossRecovery,
    /// A statement that an injected fault made fail left a state SQLite does not allow
    /// (a half-done statement, or a transaction state other than the one reported).
    FaultAtomicity,
    /// The subject did more work than the scenario's bound allows (or a different number
    /// of syncs).
    Cost,
    /// The subject panicked.
    Panic,
    /// A step exceeded the step budget.
    Hang,
}

impl FailureClass {
    /// Every class, in report order.
    pub const ALL: [FailureClass; 10] = [
        FailureClass::Result,
        FailureClass::Busy,
        FailureClass::Page,
        FailureClass::CrashDurability,
        FailureClass::CrashIntegrity,
        FailureClass::CrossRecovery,
        FailureClass::FaultAtomicity,
        FailureClass::Cost,
        FailureClass::Panic,
        FailureClass::Hang,
    ];

    /// The class's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            FailureClass::Result => "result",
            FailureClass::Busy => "busy",
            FailureClass::Page => "page",
            FailureClass::CrashDurability => "crash-durability",
            FailureClass::CrashIntegrity => "crash-integrity",
            FailureClass::CrossRecovery => "cross-recovery",
            FailureClass::FaultAtomicity => "fault-atomicity",
            FailureClass::Cost => "cost",
            FailureClass::Panic => "panic",
            FailureClass::Hang => "hang",
        }
    }
}

/// A step where the engines disagreed.
#[derive(Clone, Debug)]
pub struct Mismatch {
    pub class: FailureClass,
    /// Index of the step in the plan.
    pub step: usize,
    /// The step, as the trace shows it.
    pub what: String,
    pub subject: String,
    pub reference: String,
}

/// What a run did and found.
#[derive(Clone, Debug)]
pub struct RunReport {
    pub trace_hash: u64,
    /// Steps executed (the whole plan unless it failed).
    pub steps: usize,
    /// Statements started, both engines together.
    pub statements: u64,
    pub failure: Option<Mismatch>,
    /// Why comparison stopped early without a failure, if it did.
    pub unchecked: Option<String>,
    /// Faults injected on both worlds together, per kind.
    pub faults: FaultCounts,
    pub trace: Vec<String>,
    /// The page level the run held (0 to 3, see [`pages`]); `None` without a page check,
    /// when nothing was compared, or below L0.
    pub page_level: Option<u8>,
}

impl RunReport {
    /// The report of a run that panicked with `message`.
    pub fn panicked(message: &str) -> RunReport {
        RunReport {
            trace_hash: trace::fnv1a(message.as_bytes()),
            steps: 0,
            statements: 0,
            failure: Some(Mismatch {
                class: FailureClass::Panic,
                step: 0,
                what: "a step of the run".to_string(),
                subject: format!("panic: {message}"),
                reference: String::new(),
            }),
            unchecked: None,
            faults: FaultCounts::default(),
            trace: vec![format!("panic: {message}")],
            page_level: None,
        }
    }
}

/// The disk of the subject's world built from the plan's configuration (the reference's
/// is the same without a capacity).
fn disk(config: &WorldConfig) -> DiskModel {
    DiskModel {
        sector_size_bytes: config.sector_size_bytes,
        device: touchstone_engine::vfs::DeviceCharacteristics(config.device_bits),
        capacity_bytes: (config.capacity_bytes > 0).then_some(config.capacity_bytes),
    }
}

/// The per-call fault rates of the plan's configuration.
fn rates(config: &WorldConfig) -> FaultRates {
    FaultRates {
        read_eio: config.read_eio,
        write_eio: config.write_eio,
        sync_eio: config.sync_eio,
        open_eio: config.open_eio,
        short_read: config.short_read,
        latency_max_us: config.latency_max_us,
    }
}

/// The step as the trace shows it.
fn describe(step: &Step) -> String {
    match step {
        Step::Sql { conn, sql } => {
            let shown: String = sql.chars().take(160).collect();
            let more = if shown.len() < sql.len() { format!("…[{} bytes]", sql.len()) } else { String::new() };
            format!("c{conn} {shown}{more}")
        }
        Step::Next { conn } => format!("c{conn} next"),
        Step::Crash { after_calls } => format!("crash after {after_calls} calls"),
    }
}

/// Where one process's steps ended.
enum EpochEnd {
    /// Every step ran.
    Finished,
    /// A crash struck; steps resume at `resume`. `before` and `after` are the reference's
    /// files before and after the step the crash struck in.
    Crashed { resume: usize, before: Snapshot, after: Snapshot },
    /// Comparison ended (a failure, or unchecked).
    Stopped,
}

/// The mutable state of a run across processes.
struct RunState<'p> {
    plan: &'p Plan,
    trace: Trace,
    failure: Option<Mismatch>,
    unchecked: Option<String>,
    steps: usize,
    statements: u64,
    /// The page check, when the plan asks for one.
    pages: Option<pages::PageCheck>,
    /// Per connection: what the oracle tracks of it across steps.
    conns: Vec<ConnTrack>,
    /// A fault struck the subject since its connections opened: its page cache may hold
    /// other pages than the reference's (SQLite's pager discards its cache after an I/O
    /// error; the reference never had the error), so cache misses, and with them reads,
    /// are not comparable until both sides' connections open again (after a crash).
    caches_differ: bool,
}

/// What the oracle tracks of one connection within one process.
#[derive(Clone, Debug, Default)]
struct ConnTrack {
    /// Counters a fault-failed statement may have set on the subject only.
    stale: StaleCounters,
    /// The first keyword of the statement it last started, upper case.
    kind: String,
    /// A fault-failed statement may have left it holding a lock the reference's
    /// connection does not hold (SQLite keeps the RESERVED lock a failed statement took
    /// until the transaction ends, and a pager in the error state keeps its lock until the
    /// connection's next read), or a step the reference did not run (a refused COMMIT
    /// keeps PENDING). Cleared when the connection is back in autocommit mode after a step
    /// both sides ran unfaulted.
    limbo: bool,
    /// A step ran on this connection on the subject only (a fault failed it, or it was
    /// refused BUSY while a lock a fault left may exist), so the two connections' schema
    /// caches may differ: one loaded, refreshed or discarded where the other is not (see
    /// [`outcome::explained_by_schema_cache`]). Cleared when a statement that reads or
    /// writes tables ends on both sides alike in autocommit mode: both then checked their
    /// caches against the same schema cookie under a lock, and both committed.
    schema_cache_may_differ: bool,
}

/// Which of a connection's counters are not comparable since a fault-failed statement set
/// them on the subject only. They become comparable again when a statement sets them on
/// both: any INSERT / UPDATE / DELETE / REPLACE sets changes(), an INSERT or REPLACE that
/// inserted a row sets last_insert_rowid().
#[derive(Clone, Copy, Debug, Default)]
struct StaleCounters {
    rowid: bool,
    changes: bool,
}

impl RunState<'_> {
    /// Forgets the per-connection state (a new process opens new connections).
    fn fresh_connections(&mut self) {
        self.conns = vec![ConnTrack::default(); self.plan.connections as usize];
        self.caches_differ = false;
    }

    /// Records a failure of `class` at step `step`.
    fn fail(&mut self, class: FailureClass, step: usize, subject: String, reference: String) {
        let what = self.plan.steps.get(step).map(describe).unwrap_or_default();
        self.trace.line(format!("  FAILURE {}: {}", class.name(), subject.lines().next().unwrap_or("")));
        self.failure = Some(Mismatch { class, step, what, subject, reference });
    }
}

/// Runs `plan` on `subject` and `reference` in lockstep; `keep_trace` keeps every trace line.
pub fn run_plan<S: Target, R: Target>(plan: &Plan, subject: &S, reference: &R, keep_trace: bool) -> RunReport {
    let config = &plan.world;
    let subject_disk = disk(config);
    let worlds = [
        SimVfs::new(config.sim_seed, subject_disk),
        SimVfs::new(config.sim_seed, DiskModel { capacity_bytes: None, ..subject_disk }),
    ];
    let mut state = RunState {
        plan,
        trace: Trace::new(keep_trace),
        failure: None,
        unchecked: None,
        steps: 0,
        statements: 0,
        conns: Vec::new(),
        caches_differ: false,
        pages: plan.oracle.page_level.map(pages::PageCheck::new),
    };
    let mut next_step = 0;
    loop {
        state.fresh_connections();
        let subject_conns: Vec<OnceCell<S::Conn>> = (0..plan.connections).map(|_| OnceCell::new()).collect();
        let reference_conns: Vec<OnceCell<R::Conn>> = (0..plan.connections).map(|_| OnceCell::new()).collect();
        let budget = plan.oracle.step_op_budget;
        let mut lanes = (
            Lane::new(subject, &worlds[0], config, &subject_conns, budget),
            Lane::new(reference, &worlds[1], config, &reference_conns, budget),
        );
        let end = run_epoch(&mut state, &mut lanes, next_step);
        state.statements += lanes.0.statements + lanes.1.statements;
        drop(lanes);
        drop(subject_conns);
        drop(reference_conns);
        match end {
            EpochEnd::Finished | EpochEnd::Stopped => break,
            EpochEnd::Crashed { resume, before, after } => {
                next_step = resume;
                worlds[0].restart();
                let image = Snapshot::of(&worlds[0]);
                let report = crash::judge(&image, &before, &after, config, subject_disk, plan.oracle.step_op_budget);
                for line in report.lines {
                    state.trace.line(line);
                }
                match report.verdict {
                    Ok(Recovered::After) => state.trace.line("  kept: the commit in flight (or no commit was)"),
                    Ok(Recovered::Before) => {
                        state.trace.line("  kept: the last acknowledged commit; the reference goes back to it");
                        before.restore(&worlds[1]);
                    }
                    Err(failure) => {
                        state.fail(failure.class, resume.saturating_sub(1), failure.message, String::new());
                        break;
                    }
                }
            }
        }
    }
    state.check_pages_at_end(&worlds);
    let faults = worlds[0].fault_counts();
    RunReport {
        trace_hash: state.trace.hash(),
        steps: state.steps,
        statements: state.statements,
        failure: state.failure,
        unchecked: state.unchecked,
        faults,
        page_level: state.pages.as_ref().and_then(pages::PageCheck::reported_level),
        trace: state.trace.into_lines(),
    }
}

/// Runs steps from `first` until the plan ends, a crash strikes, or comparison stops.
fn run_epoch<S: Target, R: Target>(
    state: &mut RunState<'_>,
    lanes: &mut (Lane<'_, S>, Lane<'_, R>),
    first: usize,
) -> EpochEnd {
    let plan = state.plan;
    let mut index = first;
    while index < plan.steps.len() {
        let faults_on = index >= plan.setup_steps as usize;
        lanes.0.world.set_fault_rates(if faults_on { rates(&plan.world) } else { FaultRates::default() });
        let step = &plan.steps[index];
        if let Step::Crash { after_calls } = step {
            // The crash strikes the subject during the next step; with no next step, right
            // away. The reference runs that step whole: `after` holds its commit, if any.
            let before = Snapshot::of(lanes.1.world);
            let world = lanes.0.world;
            world.arm_crash_at_call(world.io_calls() + u64::from(*after_calls));
            state.trace.line(format!("#{index} {}", describe(step)));
            index += 1;
            if index < plan.steps.len() {
                let stop = run_step(state, lanes, index);
                index += 1;
                if stop {
                    return EpochEnd::Stopped;
                }
            }
            if !world.has_crashed() {
                world.crash_now();
            }
            world.disarm_crash();
            lanes.0.drop_statements();
            lanes.1.drop_statements();
            let events: Vec<String> = world.take_events().iter().map(|e| e.to_string()).collect();
            state.trace.line(format!("  crash: [{}]", events.join("; ")));
            let after = Snapshot::of(lanes.1.world);
            return EpochEnd::Crashed { resume: index, before, after };
        }
        if run_step(state, lanes, index) || state.check_pages(index, lanes.0.world, lanes.1.world) {
            return EpochEnd::Stopped;
        }
        index += 1;
    }
    EpochEnd::Finished
}

/// Runs step `index` on the subject and, unless a fault made it fail or a crash cut it
/// short, on the reference; traces it and applies the step checks (module doc). Returns
/// true when comparison must stop (a failure, or unchecked).
fn run_step<S: Target, R: Target>(
    state: &mut RunState<'_>,
    lanes: &mut (Lane<'_, S>, Lane<'_, R>),
    index: usize,
) -> bool {
    let step = &state.plan.steps[index];
    if let Step::Sql { conn, sql } = step {
        state.conns[*conn as usize].kind = sql.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
    }
    // Journals that differ (a crash or fault left one on the subject's disk, or tore it)
    // make the next reader's recovery differ, work the reference has no cause to do: such
    // a step's cost is not judged. (Read only when cost is checked: it copies both.)
    let journals_differ = state.plan.oracle.cost_ratio > 0.0
        && lanes.0.world.file_bytes(pages::JOURNAL_PATH) != lanes.1.world.file_bytes(pages::JOURNAL_PATH);
    let subject_before = StepCost::snapshot(&lanes.0);
    let subject = execute(&mut lanes.0, step);
    let subject_cost = StepCost::snapshot(&lanes.0).since(&subject_before);
    let events = lanes.0.world.take_events();
    let crashed = lanes.0.world.has_crashed();
    state.steps += 1;
    state.trace.line(format!("#{index} {}", describe(step)));
    state.trace.line(format!("  {}: {subject}", lanes.0.target.name()));
    if !events.is_empty() {
        let shown: Vec<String> = events.iter().map(|e| e.to_string()).collect();
        state.trace.line(format!("  faults: [{}]", shown.join("; ")));
    }
    if crashed {
        // Power was lost during the step: its outcome is a dead process's. The reference
        // runs it so that the crash checks know the commit in flight.
        let reference = execute(&mut lanes.1, step);
        state.trace.line(format!("  {}: {reference} (not compared: the crash cut the step)", lanes.1.target.name()));
        return false;
    }
    if events.iter().any(|e| e.kind == FaultKind::ShortRead) {
        // SQLite uses the zero-filled bytes of a short read as data (pager.c readDbPage
        // turns SQLITE_IOERR_SHORT_READ into success) and may write them back: from here
        // on no reference can say what is right.
        state.unchecked = Some(format!("step {index}: a short read inside a file; nothing after it can be judged"));
        state.trace.line("  unchecked: a short read zero-fills silently, in SQLite too");
        return true;
    }
    if let Some(conn) = step.conn()
        && !events.is_empty()
    {
        // A fault struck the step: its locks and its schema cache may now differ too.
        state.conns[conn as usize].limbo = true;
        state.conns[conn as usize].schema_cache_may_differ = true;
    }
    state.caches_differ |= !events.is_empty();
    // A step the subject failed because of a fault, or was refused with BUSY while another
    // connection may hold a lock a fault left behind: the reference does not run it.
    let why_not_run = match &subject {
        Outcome::Error { .. } if !events.is_empty() => Some("a fault failed the step".to_string()),
        Outcome::Error { .. } if subject.is_busy() => {
            state.conns.iter().position(|c| c.limbo).map(|c| format!("BUSY while c{c} may hold a lock a fault left"))
        }
        _ => None,
    };
    if let (Some(why), Outcome::Error { autocommit, .. }, Some(conn)) = (why_not_run, &subject, step.conn()) {
        state.trace.line(format!("  {}: not run ({why})", lanes.1.target.name()));
        let sql = match step {
            Step::Sql { sql, .. } => Some(sql.as_str()),
            _ => None,
        };
        let failed =
            fault::FailedStep { conn: conn as usize, subject_autocommit: *autocommit, sql, busy: events.is_empty() };
        return match fault::judge_failed_step(&mut lanes.0, &mut lanes.1, &failed) {
            Ok(fault::Verdict::Synced(note)) => {
                state.trace.line(format!("  afterwards: {note}"));
                // Its locks may now differ too (a refused COMMIT keeps PENDING on the
                // subject), and its schema cache (the step ran on the subject only).
                let track = &mut state.conns[conn as usize];
                track.stale = StaleCounters { rowid: true, changes: true };
                track.limbo = true;
                track.schema_cache_may_differ = true;
                false
            }
            Ok(fault::Verdict::Unchecked(why)) => {
                state.trace.line(format!("  unchecked: {why}"));
                state.unchecked = Some(format!("step {index}: {why}"));
                true
            }
            Err(failure) => {
                state.fail(failure.class, index, failure.message, String::new());
                true
            }
        };
    }
    let reference_before = StepCost::snapshot(&lanes.1);
    let reference = execute(&mut lanes.1, step);
    let reference_cost = StepCost::snapshot(&lanes.1).since(&reference_before);
    state.trace.line(format!("  {}: {reference}", lanes.1.target.name()));
    let stale = step.conn().map(|c| state.conns[c as usize].stale).unwrap_or_default();
    if subject.masked(stale.rowid, stale.changes).same_as(&reference.masked(stale.rowid, stale.changes)) {
        if let Some(conn) = step.conn() {
            let track = &mut state.conns[conn as usize];
            track.limbo &= !(events.is_empty() && matches!(reference, Outcome::Done { autocommit: true, .. }));
            if let Outcome::Done { changes, autocommit, .. } = &reference {
                let kind = track.kind.as_str();
                track.stale.changes &= !matches!(kind, "INSERT" | "UPDATE" | "DELETE" | "REPLACE");
                track.stale.rowid &= !(matches!(kind, "INSERT" | "REPLACE") && *changes > 0);
                let uses_tables =
                    matches!(kind, "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "REPLACE" | "CREATE" | "DROP");
                track.schema_cache_may_differ &= !(events.is_empty() && *autocommit && uses_tables);
            }
        }
        // Work is judged only where no fault struck and the journals were alike: a fault's
        // retries and rollbacks, and a recovery of a journal the reference lacks, are the
        // subject's alone.
        let quiet = events.is_empty() && !journals_differ;
        let what = describe(step);
        let judged = cost::Judged { quiet, reads: !state.caches_differ };
        let over = cost::check_step(&state.plan.oracle, judged, index, &what, &subject_cost, &reference_cost);
        return match over {
            Some(over) => {
                state.fail(over.class, over.step, over.subject, over.reference);
                true
            }
            None => false,
        };
    }
    if let Some(conn) = step.conn()
        && events.is_empty()
        && state.conns[conn as usize].schema_cache_may_differ
        && outcome::explained_by_schema_cache(&subject, &reference)
    {
        // Neither statement ran: both sides keep their state, and the caches may still differ.
        state.trace.line(
            "  accepted: BUSY against a name lookup; the schema caches may differ (a step ran on the subject only)",
        );
        return false;
    }
    if events.is_empty() {
        let class = if subject.is_interrupt() && !reference.is_interrupt() {
            FailureClass::Hang
        } else if subject.is_busy() != reference.is_busy() {
            FailureClass::Busy
        } else {
            FailureClass::Result
        };
        state.fail(class, index, subject.to_string(), reference.to_string());
    } else {
        let message = format!("a fault struck, the step succeeded, and its outcome differs: {subject}");
        state.fail(FailureClass::FaultAtomicity, index, message, reference.to_string());
    }
    true
}

/// Runs one statement step on one lane.
fn execute<T: Target>(lane: &mut Lane<'_, T>, step: &Step) -> Outcome {
    match step {
        Step::Sql { conn, sql } => lane.start(*conn as usize, sql),
        Step::Next { conn } => lane.next(*conn as usize),
        Step::Crash { .. } => Outcome::Idle,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::Decisions;
    use crate::scenario::Scenario;
    use crate::target::engine::EngineTarget;
    use crate::workload::generate;

    #[test]
    fn engine_against_itself_agrees_and_hash_repeats() {
        let mut scenario = Scenario::default_scenario();
        // Without faults (they strike the subject only), the same engine on both sides
        // says the same and costs the same: the cost check passes too.
        scenario.faults = crate::scenario::FaultSpec::default();
        scenario.oracle.cost_ratio = 2.0;
        for seed in 0..20 {
            let plan = generate(&scenario, &mut Decisions::from_seed(seed));
            let a = run_plan(&plan, &EngineTarget, &EngineTarget, seed == 0);
            assert!(a.failure.is_none(), "seed {seed}: {:?}", a.failure);
            assert_eq!(a.steps, plan.steps.len());
            let b = run_plan(&plan, &EngineTarget, &EngineTarget, false);
            assert_eq!(a.trace_hash, b.trace_hash);
            if seed == 0 {
                for line in a.trace.iter().take(60) {
                    println!("{line}");
                }
            }
        }
    }

    #[test]
    fn sqlite_against_itself_passes_the_cost_check() {
        use crate::target::sqlite::{SqliteTarget, seed_prng};
        let mut scenario = Scenario::default_scenario();
        scenario.oracle.cost_ratio = 2.0;
        for seed in 0..20 {
            let plan = generate(&scenario, &mut Decisions::from_seed(seed));
            seed_prng(plan.world.sim_seed);
            let report = run_plan(&plan, &SqliteTarget, &SqliteTarget, false);
            assert!(report.failure.is_none(), "seed {seed}: {:?}", report.failure);
        }
    }
}
