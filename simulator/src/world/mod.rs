//! The simulated world: [`SimVfs`], a simulated disk under the engine and real SQLite.
//!
//! - [`disk`]: one file's durable image, volatile view and unsynced operations, and the crash
//!   model (SQLite's test6.c: each unsynced write lands, is lost, is torn or becomes garbage,
//!   shaped by [`DiskModel`]'s sector size and device characteristics).
//! - [`faults`]: fault rates, fault kinds, the event log and the fault counters.
//! - [`stats`]: I/O counters per file and in total.
//! - [`clock`]: the virtual clock.
//! - [`written`]: the byte ranges of each file changed since they were last taken (what
//!   the page check of a run compares).
//! - `state`: the world behind the mutex (inodes, call counter, crash, fault draws).
//! - `vfs`: [`SimVfs`] and its files, the engine's `Vfs` / `VfsFile`.
//!
//! Determinism: no real clock, thread, OS randomness or hash order; every random choice
//! comes from ChaCha8 streams of the seed given to [`SimVfs::new`].

pub mod clock;
pub mod disk;
pub mod faults;
mod state;
pub mod stats;
mod vfs;
pub mod written;

pub use clock::SimClock;
pub use disk::DiskModel;
pub use faults::{FaultCounts, FaultEvent, FaultKind, FaultRates};
pub use stats::{FileStats, IoStats};
pub use vfs::SimVfs;
pub use written::WrittenRanges;

#[cfg(test)]
mod e2e_tests;
