//! The engine's planted bugs (engine feature `planted-bugs`) against the simulator:
//!
//! - every planted bug is caught by a campaign of the default scenario as shipped (issue 5,
//!   item 7): seeds 0, 1, 2, ... run with the bug planted until one fails where the
//!   unplanted engine does not; the table of bug, class, seed, seeds run and seconds is
//!   printed (docs/planted-bugs.md has the release, two-job measurement);
//! - one of them is found by a campaign, replayed with the same trace hash, and shrunk to a
//!   repro of at most 20 statements (issue 4).
//!
//! The planted bug and real SQLite's PRNG are process-global and the tests of this binary
//! run on threads: each test holds `LOCK` while it runs.
//!
//! Runs only with the `planted-bugs` feature:
//! `cargo test -p touchstone-simulator --features planted-bugs --test planted -- --nocapture`.

#![cfg(feature = "planted-bugs")]

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, Once};
use std::time::{Duration, Instant};

use touchstone_engine::planted::{Bug, plant};
use touchstone_simulator::decide::Decisions;
use touchstone_simulator::panics;
use touchstone_simulator::repro::Repro;
use touchstone_simulator::run::FailureClass;
use touchstone_simulator::scenario::Scenario;
use touchstone_simulator::shrink::shrink_while;
use touchstone_simulator::target::{TargetKind, run_plan};
use touchstone_simulator::workload::generate;

/// Serializes the tests of this binary (the planted bug is one per process).
static LOCK: Mutex<()> = Mutex::new(());

/// Takes `LOCK`, whether or not another test panicked while holding it. Also installs,
/// once, the hook that keeps the panics of runs (panic-on-empty-blob-compare) off stderr:
/// a run reports its panic as a failure of class `panic`.
fn lock() -> MutexGuard<'static, ()> {
    static QUIET: Once = Once::new();
    QUIET.call_once(panics::quiet_hook);
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The most seeds the search runs for one bug. The slowest bug to find
/// (rowid-alias-ignored, docs/planted-bugs.md) needs 897.
const MAX_SEEDS_PER_BUG: u64 = 2_500;

/// The wall time after which the search for one bug starts no further seed. The test
/// profile (opt-level 2 with debug assertions, the workspace's `[profile.test]`) runs about
/// 80 seeds a second on one core of the 2-core machine of docs/planted-bugs.md, so the seed
/// cap binds first there (about 30 seconds); this cap bounds a much slower machine. With
/// every bug caught as measured, the search takes about 15 seconds there.
const MAX_SECONDS_PER_BUG: Duration = Duration::from_secs(60);

/// Where a run failed: the step's index in the plan and the class.
type FailedAt = (usize, FailureClass);

/// The outcome of the search for one bug.
struct Search {
    bug: Bug,
    /// The seed that caught the bug and where its run failed, if one did.
    caught: Option<(u64, FailedAt)>,
    /// The catching run's failure in one line: the step, and what the subject did.
    detail: String,
    /// Seeds run with the bug planted, the catching seed included.
    seeds_run: u64,
    /// Wall time of the search, the unplanted runs that judged its failures included.
    seconds: f64,
}

/// True when a run with a bug planted that failed at `planted` caught the bug: the same
/// plan without the bug passes, fails at a later step, or fails at the same step with
/// another class. (A run that fails later than the unplanted one did not meet the
/// unplanted failure: the bug changed the run before it, often only the I/O calls that
/// injected faults strike, and what it fails on later is no sign of the bug.)
fn catches(planted: FailedAt, unplanted: Option<FailedAt>) -> bool {
    match unplanted {
        None => true,
        Some((step, class)) => step > planted.0 || (step == planted.0 && class != planted.1),
    }
}

/// Runs seeds 0, 1, 2, ... of `scenario` with `bug` planted until one catches it (see
/// [`catches`]), within [`MAX_SEEDS_PER_BUG`] and [`MAX_SECONDS_PER_BUG`]. `unplanted`
/// memoizes, per seed, where the run without a bug fails (searches share it). Leaves no bug
/// planted.
fn search(scenario: &Scenario, bug: Bug, unplanted: &mut HashMap<u64, Option<FailedAt>>) -> Search {
    let start = Instant::now();
    let mut found = Search { bug, caught: None, detail: String::new(), seeds_run: 0, seconds: 0.0 };
    for seed in 0..MAX_SEEDS_PER_BUG {
        if start.elapsed() > MAX_SECONDS_PER_BUG {
            break;
        }
        let plan = generate(scenario, &mut Decisions::from_seed(seed));
        plant(bug);
        let report = run_plan(TargetKind::Engine, &plan, false);
        plant(Bug::None);
        found.seeds_run = seed + 1;
        let Some(failure) = report.failure else { continue };
        let planted = (failure.step, failure.class);
        let without = *unplanted
            .entry(seed)
            .or_insert_with(|| run_plan(TargetKind::Engine, &plan, false).failure.map(|f| (f.step, f.class)));
        if catches(planted, without) {
            found.caught = Some((seed, planted));
            found.detail = one_line(&format!("{} | subject: {}", failure.what, failure.subject), 200);
            break;
        }
    }
    found.seconds = start.elapsed().as_secs_f64();
    found
}

/// `text` on one line (line breaks as spaces), cut to `max_chars` characters.
fn one_line(text: &str, max_chars: usize) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(max_chars).collect()
}

/// The searches as a table: bug, intended class, caught class, seed, step, seeds run,
/// seconds.
fn table(searches: &[Search]) -> String {
    let mut out = format!(
        "{:<28} {:<16} {:<16} {:>6} {:>6} {:>9} {:>8}\n",
        "bug", "intended class", "caught class", "seed", "step", "seeds run", "seconds"
    );
    for s in searches {
        let (caught, seed, step) = match s.caught {
            Some((seed, (step, class))) => (class.name(), seed.to_string(), format!("#{step}")),
            None => ("not caught", "-".to_string(), "-".to_string()),
        };
        out += &format!(
            "{:<28} {:<16} {:<16} {:>6} {:>6} {:>9} {:>8.1}\n",
            s.bug.name(),
            s.bug.class(),
            caught,
            seed,
            step,
            s.seeds_run,
            s.seconds
        );
    }
    out
}

/// Issue 5's acceptance, in this test's terms: every planted bug is caught by seeds of the
/// default scenario as shipped. The class that caught it is reported, not required: the
/// first check that sees a bug's effect ends the run, and that may be another than the one
/// the bug was planted for (a skipped sync is a sync fewer than SQLite's, which the cost
/// check sees at the first commit, before any crash can show what it costs).
#[test]
fn every_planted_bug_is_caught_by_the_default_scenario() {
    let _lock = lock();
    let scenario = Scenario::default_scenario();
    let mut unplanted = HashMap::new();
    let searches: Vec<Search> = Bug::ALL.into_iter().map(|bug| search(&scenario, bug, &mut unplanted)).collect();
    println!("{}", table(&searches));
    for s in searches.iter().filter(|s| s.caught.is_some()) {
        println!("{}: {}", s.bug.name(), s.detail);
    }
    let missed: Vec<&str> = searches.iter().filter(|s| s.caught.is_none()).map(|s| s.bug.name()).collect();
    assert!(missed.is_empty(), "not caught by the default scenario: {missed:?}");
}

/// True when `repro` fails with `bug` planted and passes without it (leaves `bug` planted).
fn fails_because_of(bug: Bug, repro: &Repro) -> bool {
    plant(bug);
    let with_bug = repro.run(false).failure.is_some();
    plant(Bug::None);
    let without = repro.run(false).failure.is_none();
    plant(bug);
    with_bug && without
}

/// [`fails_because_of`] the lost delete.
fn fails_because_of_the_bug(repro: &Repro) -> bool {
    fails_because_of(Bug::DeleteSkipsThirdRow, repro)
}

/// delete-skips-third-row: the first seed that fails only because of it (the unplanted run
/// passes) replays with its trace hash and shrinks to at most 20 statements.
#[test]
fn the_lost_delete_is_found_replayed_and_shrunk() {
    let _lock = lock();
    let scenario = Scenario::default_scenario();
    // The campaign: the first seed whose run fails only because of the planted bug.
    let mut found = None;
    for seed in 0..200 {
        let plan = generate(&scenario, &mut Decisions::from_seed(seed));
        plant(Bug::DeleteSkipsThirdRow);
        let report = run_plan(TargetKind::Engine, &plan, false);
        let repro = Repro::new(&scenario.name, Some(seed), TargetKind::Engine, plan, &report);
        if report.failure.is_some() && fails_because_of_the_bug(&repro) {
            found = Some(repro);
            break;
        }
    }
    let repro = found.expect("no seed in 0..200 finds the planted bug");
    println!("found by seed {:?}", repro.seed);
    // Replay: the same hash.
    plant(Bug::DeleteSkipsThirdRow);
    assert_eq!(format!("{:016x}", repro.run(false).trace_hash), repro.trace_hash);
    // Shrink, keeping runs that fail because of the bug.
    let report = shrink_while(&repro, fails_because_of_the_bug);
    let statements = report.repro.plan.statement_count();
    println!(
        "shrunk {} steps to {} ({} statements) in {} runs",
        report.steps_before,
        report.repro.plan.steps.len(),
        statements,
        report.attempts
    );
    assert!(statements <= 20, "shrunk repro has {statements} statements");
    assert!(fails_because_of_the_bug(&report.repro));
    plant(Bug::None);
}

/// The inputs of the `sim` fuzz target that libFuzzer campaigns found with a bug planted
/// (README.md, "Fuzzing"), kept in corpus/sim/ (where the corpus replay test runs them on the
/// engine as built: they pass), with the most statements their shrunk repro may keep.
///
/// - The lost delete was found by the first input of the campaign (seed-random-0 as it is):
///   the seed corpus alone finds it. Its repro shrinks to 20 statements or fewer (issue 4's
///   bound).
/// - The skipped journal record was found after 339 executions, by a mutation of an input
///   the campaign had found. Its failure needs an injected I/O error at a given call (a
///   rollback after it), and removing steps moves the calls, so it shrinks less: 85
///   statements to 49 when measured; the bound leaves room for that.
const SIM_FUZZ_FINDINGS: &[(Bug, &str, usize)] = &[
    (Bug::DeleteSkipsThirdRow, "finding-planted-delete-skips-third-row", 20),
    (Bug::RecoverySkipsLastRecord, "finding-planted-recovery-skips-last-record", 60),
];

/// Each planted-bug finding of the `sim` fuzz target fails with its bug planted and only
/// then, replays with the same trace hash, and shrinks (`touchstone shrink`'s algorithm,
/// keeping runs that fail because of the bug) to at most its bound of statements.
#[test]
fn sim_fuzz_findings_of_planted_bugs_replay_and_shrink() {
    let _lock = lock();
    for &(bug, name, max_statements) in SIM_FUZZ_FINDINGS {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/sim").join(name);
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let repro = touchstone_simulator::fuzzing::sim::repro(&bytes);
        assert!(fails_because_of(bug, &repro), "{name} does not fail because of {}", bug.name());
        let (first, again) = (repro.run(false), repro.run(false));
        assert_eq!(first.trace_hash, again.trace_hash, "{name}: two runs, two trace hashes");
        let report = shrink_while(&repro, |candidate| fails_because_of(bug, candidate));
        let statements = report.repro.plan.statement_count();
        println!(
            "{name}: {} fails as {}; shrunk {} steps to {} ({statements} statements) in {} runs",
            bug.name(),
            first.failure.as_ref().map_or("?", |f| f.class.name()),
            report.steps_before,
            report.repro.plan.steps.len(),
            report.attempts
        );
        assert!(statements <= max_statements, "{name}: the shrunk repro has {statements} statements");
        assert!(fails_because_of(bug, &report.repro));
    }
    plant(Bug::None);
}

/// The input of the `sql_diff` fuzz target that a libFuzzer campaign found with
/// `delete-skips-third-row` planted (README.md, "Fuzzing"; after 356 executions, from the
/// seed corpus), kept in corpus/sql_diff/ (where the corpus replay test runs it on the
/// engine as built: it agrees), with the most statements its minimized case may keep (2
/// when measured: three rows inserted, then a DELETE of all, which keeps the third).
const SQL_DIFF_FINDING: (Bug, &str, usize) = (Bug::DeleteSkipsThirdRow, "finding-planted-delete-skips-third-row", 4);

/// The planted-bug finding of the `sql_diff` fuzz target disagrees with SQLite with its bug
/// planted and agrees without, draws the same script every time, and
/// `differential::minimize` cuts it to a case of at most its bound of statements that
/// still disagrees with the bug planted and only then.
#[test]
fn sql_diff_finding_of_a_planted_bug_replays_and_minimizes() {
    use touchstone_oracle::differential::render::render;
    use touchstone_oracle::differential::{minimize, run_case};
    use touchstone_simulator::fuzzing::sql_diff;
    let _lock = lock();
    let (bug, name, max_statements) = SQL_DIFF_FINDING;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/sql_diff").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let case = sql_diff::draw(&bytes);
    assert_eq!(render(&case).script(), render(&sql_diff::draw(&bytes)).script(), "one input, two scripts");
    plant(Bug::None);
    assert!(run_case(&case).is_ok(), "{name} disagrees without {}", bug.name());
    plant(bug);
    assert!(run_case(&case).is_err(), "{name} agrees with {} planted", bug.name());
    let small = minimize(&case);
    println!(
        "{name}: {} statements minimized to {}:\n{}",
        case.statements.len(),
        small.statements.len(),
        render(&small).script()
    );
    assert!(
        small.statements.len() <= max_statements,
        "{name}: the minimized case has {} statements",
        small.statements.len()
    );
    assert!(run_case(&small).is_err());
    plant(Bug::None);
    assert!(run_case(&small).is_ok(), "the minimized case disagrees without {}", bug.name());
}
