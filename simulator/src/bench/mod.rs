//! `touchstone bench`: the engine and real SQLite side by side in one process, on real files
//! in a temporary directory, with the same pragmas, prepared statements on both sides,
//! several runs, medians and the ratio engine / SQLite (issue 3, item 9).
//!
//! - `side`: the two sides behind one interface ([`side::Db`], [`side::Stmt`]).
//! - `workloads`: the eight workloads, their setup and their timed part.
//! - `report`: medians, the Markdown table, the acceptance lines, JSON.
//!
//! Times are wall-clock (`std::time::Instant`): the bench is outside the determinism rule
//! of the engine and the simulator. Its data is deterministic (seeded ChaCha8), and the two
//! sides' answers are checked equal after every run.

mod report;
mod side;
mod workloads;

use std::path::PathBuf;
use std::process::ExitCode;

use side::{BenchResult, Db, EngineDb, SqliteDb};
use workloads::{Files, Measure, Sizes, WORKLOADS};

/// The options of `touchstone bench`.
#[derive(Clone, Debug)]
pub struct Options {
    /// Timed runs of each workload on each side; the table shows their medians.
    pub runs: usize,
    /// Run only this workload (1..=8).
    pub workload: Option<u8>,
    /// Rows of the large database (workloads 2 and 8); a tenth of it sizes workloads 4 to 7.
    pub rows_large: u64,
    /// Print JSON instead of the table.
    pub json: bool,
    /// Where the temporary directory goes (the system's temporary directory by default).
    /// It should be on a real disk: syncs on tmpfs cost nothing.
    pub dir: Option<PathBuf>,
}

/// The runs of one workload on both sides.
pub struct WorkloadRuns {
    pub number: u8,
    pub engine: Vec<Measure>,
    pub sqlite: Vec<Measure>,
}

/// Everything the report shows.
pub struct Results {
    pub sizes: Sizes,
    pub runs: usize,
    /// The pragma values both sides reported (journal_mode, synchronous, cache_size).
    pub pragmas: side::PragmaValues,
    pub workloads: Vec<WorkloadRuns>,
}

/// Runs the bench and prints its report; exit status 0 unless a side failed or the sides'
/// answers differ (status 1), or the options are wrong (status 2).
pub fn main(opts: &Options) -> ExitCode {
    if opts.runs == 0 || opts.workload.is_some_and(|w| w == 0 || w > WORKLOADS) || opts.rows_large < 100 {
        eprintln!("touchstone bench: --runs must be at least 1, --workload 1 to 8, --rows-large at least 100");
        return ExitCode::from(2);
    }
    match run_all(opts) {
        Ok(results) => {
            print!("{}", if opts.json { report::json(&results) } else { report::table(&results) });
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("touchstone bench: {e}");
            ExitCode::from(1)
        }
    }
}

/// Runs every selected workload `opts.runs` times on both sides, alternating which side
/// goes first from run to run.
fn run_all(opts: &Options) -> BenchResult<Results> {
    let base = opts.dir.clone().unwrap_or_else(std::env::temp_dir);
    let tmp = tempfile::Builder::new()
        .prefix("touchstone-bench-")
        .tempdir_in(&base)
        .map_err(|e| format!("temporary directory in {}: {e}", base.display()))?;
    let mut engine_files = Files::new(tmp.path().join("engine"))?;
    let mut sqlite_files = Files::new(tmp.path().join("sqlite"))?;
    let sizes = Sizes { rows_large: opts.rows_large };
    let pragmas = check_pragmas(tmp.path())?;
    let numbers: Vec<u8> = match opts.workload {
        Some(w) => vec![w],
        None => (1..=WORKLOADS).collect(),
    };
    let mut results = Vec::new();
    for number in numbers {
        let mut runs = WorkloadRuns { number, engine: Vec::new(), sqlite: Vec::new() };
        for run in 0..opts.runs {
            let (e, s) = if run % 2 == 0 {
                let e = workloads::run::<EngineDb>(number, run, &mut engine_files, sizes)?;
                (e, workloads::run::<SqliteDb>(number, run, &mut sqlite_files, sizes)?)
            } else {
                let s = workloads::run::<SqliteDb>(number, run, &mut sqlite_files, sizes)?;
                (workloads::run::<EngineDb>(number, run, &mut engine_files, sizes)?, s)
            };
            if e.answer != s.answer {
                return Err(format!(
                    "workload {number}, run {run}: the engine's answer ({} rows, digest {:#x}) differs from \
                     SQLite's ({} rows, digest {:#x})",
                    e.answer.rows, e.answer.digest, s.answer.rows, s.answer.digest
                ));
            }
            runs.engine.push(e);
            runs.sqlite.push(s);
        }
        results.push(runs);
    }
    eprintln!(
        "touchstone bench: setup (building the shared databases, untimed in the table): engine {:.2} s, sqlite {:.2} s",
        engine_files.build_time.as_secs_f64(),
        sqlite_files.build_time.as_secs_f64()
    );
    Ok(Results { sizes, runs: opts.runs, pragmas, workloads: results })
}

/// Opens a database on each side and checks that both report the same pragma values.
fn check_pragmas(dir: &std::path::Path) -> BenchResult<side::PragmaValues> {
    let e = EngineDb::open(&dir.join("pragmas-engine.db"))?.pragma_values()?;
    let s = SqliteDb::open(&dir.join("pragmas-sqlite.db"))?.pragma_values()?;
    if e != s {
        return Err(format!("the pragmas differ: engine {e:?}, sqlite {s:?}"));
    }
    Ok(e)
}
