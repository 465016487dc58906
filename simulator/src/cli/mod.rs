//! The `touchstone` commands that run the engine: `slt` (sqllogictest files), `sql` (a shell
//! in the manner of the sqlite3 command-line program), `sql-diff` (a `sql_diff` fuzz input)
//! and the simulation commands (`sim`).
//!
//! - `slt/`: the sqllogictest runner (records parsed by the `sqllogictest` crate, executed and
//!   checked here with the rules of SQLite's own C harness), its per-file table and failure
//!   reports.
//! - `shell`: `touchstone sql`, statements from an argument or standard input, rows in the
//!   sqlite3 shell's list mode, `.tables` / `.schema`.
//! - `complete`: `sqlite3_complete`, which tells the shell when the input holds a whole
//!   statement.
//! - `sql_diff`: `touchstone sql-diff`, the replay of a `sql_diff` fuzz input and the writer
//!   of that target's seed corpus.
//! - `panics`: running engine calls so that a panic becomes a reported failure.

pub mod complete;

pub mod shell;
pub mod sim;
pub mod slt;
pub mod sql_diff;
