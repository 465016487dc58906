//! touchstone-oracle: what tells a correct engine from a plausible one.
//!
//! - [`pages`]: the page decoder: any page of a database image, and the role of every page.
//! - [`compare`]: two database images compared at the highest level that holds (L3 identical
//!   bytes, L2 identical allocated bytes, L1 same page kinds and keys, L0 same logical content
//!   and a clean `PRAGMA integrity_check`).
//! - [`sqlite_vfs`]: real SQLite on any engine `Vfs` (the reference on the simulated disk).
//!
//! - [`sqlite_stmt`]: real SQLite's statements stepped one row at a time (raw handles), for
//!   the simulator's lockstep runs.
//! - [`differential`]: generated schemas and statements run on the engine and on real SQLite
//!   statement by statement (the engine's differential tests and the `sql_diff` fuzz target).
//!
//! Unsafe code is denied in the whole crate except [`sqlite_vfs`], the FFI adapter that
//! registers a `Vfs` with SQLite, and [`sqlite_stmt`], which steps SQLite's statements
//! through the same FFI: the only places in the project where `unsafe` lives.

#![deny(unsafe_code)]

pub mod compare;
pub mod differential;
pub mod pages;
#[allow(unsafe_code)]
pub mod sqlite_stmt;
#[allow(unsafe_code)]
pub mod sqlite_vfs;

pub use compare::{Comparison, Level, PageDiff, compare_images, compare_pages};
pub use pages::{DbImage, describe_page};
pub use sqlite_vfs::{ReferenceConnection, SqliteVfs, seed_sqlite_prng};
