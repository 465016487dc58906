//! The `parse` target: SQL text: no panic, and what parses prints back to SQL that parses to the same tree.
//! The body is `touchstone_simulator::fuzzing::parse::check` (see `FuzzTarget::run`), which the
//! corpus replay test also runs on stable Rust.
#![no_main]

use libfuzzer_sys::fuzz_target;
use touchstone_simulator::fuzzing::{FuzzTarget, init};

fuzz_target!(init: init(), |input: &[u8]| FuzzTarget::Parse.run(input));
