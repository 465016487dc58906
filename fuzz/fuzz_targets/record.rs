//! The `record` target: records, varints and values: decoding against encoding.
//! The body is `touchstone_simulator::fuzzing::record::check` (see `FuzzTarget::run`), which the
//! corpus replay test also runs on stable Rust.
#![no_main]

use libfuzzer_sys::fuzz_target;
use touchstone_simulator::fuzzing::{FuzzTarget, init};

fuzz_target!(init: init(), |input: &[u8]| FuzzTarget::Record.run(input));
