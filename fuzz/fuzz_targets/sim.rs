//! The `sim` target: the decision stream of a whole simulation run (scenarios/fuzz-sim.toml), every oracle check on.
//! The body is `touchstone_simulator::fuzzing::sim::check` (see `FuzzTarget::run`), which the
//! corpus replay test also runs on stable Rust.
#![no_main]

use libfuzzer_sys::fuzz_target;
use touchstone_simulator::fuzzing::{FuzzTarget, init};

fuzz_target!(init: init(), |input: &[u8]| FuzzTarget::Sim.run(input));
