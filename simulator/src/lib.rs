//! touchstone-simulator as a library: the simulated world and the simulation runs, shared by
//! the `touchstone` binary, the integration tests and the fuzz targets (issue 6).
//!
//! - [`world`]: `SimVfs`, the simulated disk (durable image, unsynced writes, crash model,
//!   I/O faults, lock levels, counters) and its virtual clock.

#![forbid(unsafe_code)]

pub mod world;
