//! `touchstone`: the command line of the simulation testing framework.
//!
//! Built so far: `page` (decode one page of a database file), `compare` (two database files
//! at the highest of the oracle's levels L0..L3 that holds, with a decoded diff of the first
//! differing pages), `sql` (a shell on the engine printing rows as the sqlite3 shell does),
//! `slt` (sqllogictest files run against the engine, a table of results per file) and `bench`
//! (the engine and real SQLite side by side, module `bench`). The simulator commands (`run`,
//! `replay`, `shrink`) are listed with the issue that builds them; they exit with status 2
//! and say so.

#![forbid(unsafe_code)]

mod cli;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use touchstone_simulator::target::TargetKind;

#[derive(Parser)]
#[command(
    name = "touchstone",
    version,
    about = "Deterministic simulation testing of a SQLite-compatible engine against real SQLite"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print one page of a database file, decoded: its role, header, cells and freeblocks.
    Page {
        /// The database file.
        file: PathBuf,
        /// The page number (1-based).
        pgno: u32,
    },
    /// Compare two database files: the highest level that holds (L3 identical bytes, L2
    /// identical allocated bytes, L1 same page kinds and keys, L0 same content with a clean
    /// integrity_check of the first) and a diff of the first differing pages. Exits 1 unless
    /// the files are identical (L3).
    Compare {
        /// The first file (the one SQLite's integrity_check is run on).
        a: PathBuf,
        /// The second file.
        b: PathBuf,
    },
    /// Run a simulation campaign: seeds of a scenario, each run on the target and on real
    /// SQLite in lockstep. Failures are written to OUT/failures/SEED/ as they happen, a
    /// summary to OUT/summary.json and OUT/summary.md at the end. Exit status 1 when any
    /// seed failed. Without --seeds, --count or a time limit: seeds 0..1000.
    Run {
        /// Scenario file (default: the embedded default scenario).
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// Seeds A..B (B excluded).
        #[arg(long, value_name = "A..B", conflicts_with = "count")]
        seeds: Option<String>,
        /// Seeds 0..N.
        #[arg(long, value_name = "N")]
        count: Option<u64>,
        /// Stop starting seeds after H hours (endless seeds unless a range is given).
        #[arg(long, conflicts_with = "minutes")]
        hours: Option<f64>,
        /// Stop starting seeds after M minutes.
        #[arg(long)]
        minutes: Option<f64>,
        /// Worker processes.
        #[arg(long, default_value_t = 1)]
        jobs: u64,
        /// Run only seeds S with S % N == I (one machine's part of a campaign).
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// The engine under test: the engine, or SQLite itself (calibration).
        #[arg(long, value_enum, default_value_t = TargetKind::Engine)]
        target: TargetKind,
        /// Output directory.
        #[arg(long, default_value = "runs/latest")]
        out: PathBuf,
        /// Also write OUT/hashes.txt: every seed's trace hash.
        #[arg(long)]
        hashes: bool,
    },
    /// Replay one seed of a scenario, a repro file or a `sim` fuzz input, and print its trace
    /// hash (and with --trace every step). Exit status 1 when it fails.
    Replay {
        /// A repro file (*.toml: failures/SEED/repro.toml, a shrunk repro,
        /// corpus/regressions/*), or any other file as an input of the `sim` fuzz target
        /// (fuzz/artifacts/sim/crash-*, corpus/sim/*).
        file: Option<PathBuf>,
        /// The seed to replay.
        #[arg(long, conflicts_with = "file")]
        seed: Option<u64>,
        /// Scenario file of the seed (default: the embedded default).
        #[arg(long, conflicts_with = "file")]
        scenario: Option<PathBuf>,
        /// The engine under test.
        #[arg(long, value_enum, default_value_t = TargetKind::Engine, conflicts_with = "file")]
        target: TargetKind,
        /// Print every step: connection, statement, both outcomes, faults.
        #[arg(long)]
        trace: bool,
    },
    /// Shrink a failing repro file, or a failing `sim` fuzz input, to a small repro file that
    /// fails the same way.
    Shrink {
        /// The repro file (*.toml), or an input of the `sim` fuzz target.
        file: PathBuf,
        /// Where to write the shrunk repro (default: FILE with extension .shrunk.toml).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Replay an input of the `sql_diff` fuzz target (fuzz/artifacts/sql_diff/crash-*,
    /// corpus/sql_diff/*): print the script of the case its bytes draw and run it on the
    /// engine and on real SQLite. Exit status 1 on a disagreement, which is printed with a
    /// minimized script. With --write-seeds DIR, write the target's seed corpus instead.
    SqlDiff {
        /// The input file.
        #[arg(required_unless_present = "write_seeds")]
        file: Option<PathBuf>,
        /// Write the seed corpus (one input per generator feature) into DIR.
        #[arg(long, value_name = "DIR", conflicts_with = "file")]
        write_seeds: Option<PathBuf>,
    },
    /// One worker process of `run --jobs N` (internal).
    #[command(hide = true)]
    Worker {
        /// The worker's task as JSON.
        spec: String,
    },
    /// A shell on the engine: runs SQL from the argument or standard input on FILE and
    /// prints rows as the sqlite3 shell does in list mode (`|` between values, NULL empty).
    /// Errors go to stderr; the exit status is 1 if any statement failed. Dot-commands:
    /// .tables, .schema, .quit, .exit.
    Sql {
        /// The database file (created if missing).
        file: PathBuf,
        /// SQL statements (or one dot-command) to run instead of reading standard input.
        sql: Option<String>,
        /// Stop at the first error (also spelled `-bail`, as sqlite3 spells it).
        #[arg(long)]
        bail: bool,
    },
    /// Run sqllogictest files against the engine (engine name `sqlite` for skipif/onlyif) and
    /// print a table per file (records run, passed, failed, skipped, pass %) and a total line.
    /// Exit status: 0 when every record that ran passed, 1 when one failed, 2 when a file could
    /// not be read or parsed.
    Slt {
        /// The .test / .slt files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print every failing record: its SQL, expected and actual results or the error.
        #[arg(long, short)]
        verbose: bool,
        /// Print the first N failing records of each file.
        #[arg(long, value_name = "N")]
        show_failures: Option<usize>,
        /// After the table, group the failures by error message (first 60 characters) or kind
        /// of mismatch, with counts and one example each.
        #[arg(long)]
        errors_summary: bool,
    },
    /// The engine and real SQLite side by side on eight workloads, on real files in a
    /// temporary directory: medians of several runs, the ratio engine / SQLite, the engine's
    /// page fetches and syncs per operation.
    Bench {
        /// Timed runs of each workload on each side.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// Run only this workload (1 to 8).
        #[arg(long)]
        workload: Option<u8>,
        /// Rows of the large database (workloads 2 and 8); a tenth of it sizes workloads 4 to 7.
        #[arg(long, default_value_t = 1_000_000)]
        rows_large: u64,
        /// Print JSON instead of the table.
        #[arg(long)]
        json: bool,
        /// Put the temporary directory here (on a real disk: syncs on tmpfs cost nothing).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
}

fn read(path: &PathBuf) -> Result<Vec<u8>, ExitCode> {
    std::fs::read(path).map_err(|e| {
        eprintln!("touchstone: cannot read {}: {e}", path.display());
        ExitCode::from(2)
    })
}

/// The arguments, with sqlite3's single-dash `-bail` after `sql` accepted as `--bail`.
fn arguments() -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "sql") {
        for a in args.iter_mut().skip(2) {
            if a == "-bail" {
                *a = "--bail".into();
            }
        }
    }
    args
}

fn main() -> ExitCode {
    // Worker processes inherit TOUCHSTONE_PLANT, so a whole campaign runs with the bug.
    if let Err(e) = touchstone_simulator::planted::plant_from_env() {
        eprintln!("touchstone: {e}");
        return ExitCode::from(2);
    }
    let cli = Cli::parse_from(arguments());
    match cli.command {
        Command::Page { file, pgno } => match read(&file) {
            Ok(bytes) => {
                print!("{}", touchstone_oracle::describe_page(&bytes, pgno));
                ExitCode::SUCCESS
            }
            Err(code) => code,
        },
        Command::Compare { a, b } => match (read(&a), read(&b)) {
            (Ok(a), Ok(b)) => {
                let cmp = touchstone_oracle::compare_images(&a, &b);
                print!("{cmp}");
                if cmp.level == Some(touchstone_oracle::Level::L3) { ExitCode::SUCCESS } else { ExitCode::from(1) }
            }
            (Err(code), _) | (_, Err(code)) => code,
        },
        Command::Run { scenario, seeds, count, hours, minutes, jobs, shard, target, out, hashes } => {
            cli::sim::run(cli::sim::RunOptions {
                scenario,
                seeds,
                count,
                hours,
                minutes,
                jobs,
                shard,
                target,
                out,
                hashes,
            })
        }
        Command::Replay { file, seed, scenario, target, trace } => {
            cli::sim::replay(file.as_deref(), seed, scenario.as_deref(), target, trace)
        }
        Command::Shrink { file, out } => cli::sim::shrink_file(&file, out.as_deref()),
        Command::SqlDiff { file, write_seeds } => match (file, write_seeds) {
            (_, Some(dir)) => cli::sql_diff::write_seeds(&dir),
            (Some(file), None) => cli::sql_diff::replay(&file),
            (None, None) => ExitCode::from(2),
        },
        Command::Worker { spec } => cli::sim::worker(&spec),
        Command::Sql { file, sql, bail } => cli::shell::run(&file, sql.as_deref(), bail),
        Command::Slt { files, verbose, show_failures, errors_summary } => {
            let show_failures = if verbose { usize::MAX } else { show_failures.unwrap_or(0) };
            cli::slt::run(&cli::slt::Options { files, show_failures, errors_summary })
        }
        Command::Bench { runs, workload, rows_large, json, dir } => {
            bench::main(&bench::Options { runs, workload, rows_large, json, dir })
        }
    }
}

/// `touchstone bench`: the engine and real SQLite side by side.
mod bench;
