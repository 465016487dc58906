//! `touchstone sql-diff`: replays an input of the `sql_diff` fuzz target (a crash file, a
//! corpus file): prints the script of the differential case its bytes draw, runs the case on
//! the engine and on real SQLite, and reports the first disagreement with a minimized
//! script. `--write-seeds DIR` writes the target's seed corpus instead
//! (`fuzzing::sql_diff::seeds`).

use std::path::Path;
use std::process::ExitCode;

use touchstone_oracle::differential::render::render;
use touchstone_simulator::fuzzing::sql_diff;

/// How many random tapes `--write-seeds` draws to pick the seeds from.
const SEED_TAPES: u64 = 5_000;

/// Prints `file`'s script and runs it. Exit status 0 when both sides agree, 1 on a
/// disagreement, 2 when the file cannot be read.
pub fn replay(file: &Path) -> ExitCode {
    let bytes = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("touchstone: cannot read {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    print!("{}", render(&sql_diff::draw(&bytes)).script());
    match sql_diff::check(&bytes) {
        Ok(()) => {
            println!("-- the engine and SQLite agree on every statement and on the final state");
            ExitCode::SUCCESS
        }
        Err(finding) => {
            println!("-- DISAGREEMENT at {finding}");
            ExitCode::from(1)
        }
    }
}

/// Writes the seed corpus into `dir` as `seed-<feature>` files and lists them; features no
/// tape showed are named on stderr (exit status 1).
pub fn write_seeds(dir: &Path) -> ExitCode {
    let seeds = sql_diff::seeds(SEED_TAPES);
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("touchstone: cannot create {}: {e}", dir.display());
        return ExitCode::from(2);
    }
    for (name, bytes) in &seeds {
        let path = dir.join(format!("seed-{name}"));
        if let Err(e) = std::fs::write(&path, bytes) {
            eprintln!("touchstone: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
        println!("{} ({} bytes)", path.display(), bytes.len());
    }
    let missing = sql_diff::uncovered(&seeds);
    if missing.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("touchstone: no tape of {SEED_TAPES} showed: {}", missing.join(", "));
        ExitCode::from(1)
    }
}
