//! `touchstone`: the command line of the simulation testing framework.
//!
//! Built so far: `page` (decode one page of a database file), `compare` (two database
//! files at the highest of the oracle's levels L0..L3 that holds, with a decoded diff of the
//! first differing pages) and `bench` (the engine and real SQLite side by side, module
//! `bench`). The simulator commands (`run`, `replay`, `shrink`) and the engine shell and
//! tools (`sql`, `slt`) are listed with the issue that builds them; they exit with status 2
//! and say so.

#![forbid(unsafe_code)]

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
    /// A shell on the engine (not built yet: issue 3).
    Sql,
    /// Run sqllogictest files (not built yet: issue 3).
    Slt,
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

fn main() -> ExitCode {
    let cli = Cli::parse();
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
        Command::Sql => not_built("the SQL shell", 3),
        Command::Slt => not_built("the sqllogictest runner", 3),
        Command::Bench { runs, workload, rows_large, json, dir } => {
            bench::main(&bench::Options { runs, workload, rows_large, json, dir })
        }
    }
}

/// `touchstone bench`: the engine and real SQLite side by side.
mod bench;
