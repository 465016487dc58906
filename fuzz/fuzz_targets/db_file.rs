//! The `db_file` target: a database image, read by the engine and, where real SQLite finds it sound, compared with SQLite's reads.
//! The body is `touchstone_simulator::fuzzing::db_file::check` (see `FuzzTarget::run`), which the
//! corpus replay test also runs on stable Rust.
#![no_main]

use libfuzzer_sys::fuzz_target;
use touchstone_simulator::fuzzing::{FuzzTarget, init};

fuzz_target!(init: init(), |input: &[u8]| FuzzTarget::DbFile.run(input));
