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
    /// Run a simulation campaign (not built yet: issue 4).
    Run,
    /// Replay one seed or repro file (not built yet: issue 4).
    Replay,
    /// Shrink a failing run (not built yet: issue 4).
    Shrink,
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

fn not_built(what: &str, issue: u32) -> ExitCode {
    eprintln!("touchstone: {what} is not built yet (issue {issue}).");
    ExitCode::from(2)
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
        Command::Run => not_built("the simulator", 4),
        Command::Replay => not_built("replay", 4),
        Command::Shrink => not_built("shrink", 4),
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
