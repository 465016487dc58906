//! The bodies of the fuzz targets (issue 6), as library functions: the cargo-fuzz crate in
//! fuzz/ calls them from libFuzzer, and `tests/fuzz_corpus.rs` replays every file of
//! corpus/<target>/ through them on stable Rust, without libFuzzer. Each takes the input's
//! bytes and answers `Ok` or a finding (a message naming the rule broken); a panic is a
//! finding too (libFuzzer reports it as a crash; the replay test catches it).
//!
//! - [`sim`]: the bytes are the decision stream of a whole simulation run (`fuzz-sim`);
//! - [`db_file`]: the bytes are a database image, read by the engine and by real SQLite;
//! - [`parse`]: the bytes are SQL text for the parser and printer;
//! - [`record`]: the bytes are records, varints and values for the record format;
//! - [`sql_diff`]: the bytes draw a schema and statement sequence, run on both engines.

pub mod db_file;
pub mod parse;
pub mod record;
pub mod sim;
pub mod sql_diff;

/// The `init` of every fuzz target: plants the engine bug TOUCHSTONE_PLANT names (a build
/// with the `planted-bugs` feature), and panics on a name it cannot plant.
pub fn init() {
    if let Err(e) = crate::planted::plant_from_env() {
        panic!("{e}");
    }
}

/// The fuzz targets, named as in fuzz/Cargo.toml and corpus/.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FuzzTarget {
    Sim,
    SqlDiff,
    DbFile,
    Parse,
    Record,
}

impl FuzzTarget {
    /// Every target.
    pub const ALL: [FuzzTarget; 5] =
        [FuzzTarget::Sim, FuzzTarget::SqlDiff, FuzzTarget::DbFile, FuzzTarget::Parse, FuzzTarget::Record];

    /// The target's name: its fuzz/fuzz_targets/ file and its corpus/ directory.
    pub fn name(self) -> &'static str {
        match self {
            FuzzTarget::Sim => "sim",
            FuzzTarget::SqlDiff => "sql_diff",
            FuzzTarget::DbFile => "db_file",
            FuzzTarget::Parse => "parse",
            FuzzTarget::Record => "record",
        }
    }

    /// The body of the target's `fuzz_target!`: [`check`](Self::check), panicking with the
    /// finding, which libFuzzer reports as a crash and writes to fuzz/artifacts/.
    pub fn run(self, input: &[u8]) {
        if let Err(finding) = self.check(input) {
            panic!("{} finding: {finding}", self.name());
        }
    }

    /// Runs the target on `input`. Errors: the finding.
    pub fn check(self, input: &[u8]) -> Result<(), String> {
        match self {
            FuzzTarget::Sim => sim::check(input),
            FuzzTarget::SqlDiff => sql_diff::check(input),
            FuzzTarget::DbFile => db_file::check(input),
            FuzzTarget::Parse => parse::check(input),
            FuzzTarget::Record => record::check(input),
        }
    }
}
