//! The side-by-side runner of the engine and real SQLite, from the oracle crate
//! (`touchstone_oracle::differential::pair`), under the name these tests use.
#![allow(unused_imports)]

pub use touchstone_oracle::differential::pair::*;
