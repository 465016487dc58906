//! The rusqlite-shaped API: `Connection`, `Statement`, `Rows`, `Row` (issue 3).
//!
//! Built so far: the conversions at the boundary (`types`: [`ToSql`], [`FromSql`], the
//! `params!` macro). The connection and statement types come with the SQL executor.

pub mod types;

pub use types::{FromSql, ToSql};
