//! touchstone-simulator as a library: the simulated world and the simulation runs, shared by
//! the `touchstone` binary, the integration tests and the fuzz targets (issue 6).
//!
//! - [`decide`]: the decision stream (ChaCha8 from a seed, or fuzz bytes).
//! - [`scenario`]: scenario files (TOML).
//! - [`workload`]: a run's plan: world configuration and steps.
//! - [`world`]: `SimVfs`, the simulated disk (durable image, unsynced writes, crash model,
//!   I/O faults, lock levels, counters) and its virtual clock.

#![forbid(unsafe_code)]

pub mod campaign;
pub mod decide;
pub mod fuzzing;
pub mod panics;
pub mod planted;
pub mod repro;
pub mod run;
pub mod scenario;
pub mod shrink;
pub mod target;
pub mod workload;
pub mod world;
