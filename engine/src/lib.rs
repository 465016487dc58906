//! touchstone-engine: a SQLite-compatible database engine in Rust, written to be tested.
//!
//! Every contact with the operating system goes through the [`vfs::Vfs`] seam, so the engine
//! runs unchanged on real files ([`vfs::OsVfs`]), in memory ([`vfs::MemVfs`]) and inside the
//! simulator's deterministic world. The layers, bottom up:
//!
//! - [`format`]: varints, records, values, the database header.
//! - [`pager`]: pages of a file, the page cache, the rollback journal, locks, commit.
//! - [`btree`]: table and index b-trees on pager pages, SQLite's page layout and balancing.
//! - [`sql`]: the SQL front end: tokenizer, syntax tree, parser.
//! - [`schema`]: table and index definitions derived from CREATE statements.
//! - [`eval`]: SQLite's value semantics: affinity, conversions, operators, functions.
//! - [`storage`]: tables and indexes over b-trees: the catalog, DDL, rows kept in step with
//!   their indexes.
//!
//! See ARCHITECTURE.md at the repository root for the code map and invariants.

#![forbid(unsafe_code)]

pub mod btree;
pub mod compile;
pub mod conn;
pub mod error;
pub mod eval;
pub mod format;
pub mod pager;
pub mod planted;
pub mod schema;
pub mod session;
pub mod sql;
pub mod storage;
pub mod vdbe;
pub mod vfs;

pub use error::{Error, ErrorCode, Result};
