//! The `sql_diff` target: the bytes seed a generated schema and statement sequence, run on the
//! engine and on real SQLite, every outcome compared.
//! The body is `touchstone_simulator::fuzzing::sql_diff::check` (see `FuzzTarget::run`), which
//! the corpus replay test also runs on stable Rust.
#![no_main]

use libfuzzer_sys::fuzz_target;
use touchstone_simulator::fuzzing::{FuzzTarget, init};

fuzz_target!(init: init(), |input: &[u8]| FuzzTarget::SqlDiff.run(input));
