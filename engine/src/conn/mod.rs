//! The rusqlite-shaped API: [`Connection`], [`Statement`], [`Rows`], [`Row`] (issue 3).
//!
//! - `connection`: opening a database, `execute`, `execute_batch`, `query_row`, counters.
//! - `statement`: prepared statements, stepping, binding, result rows.
//! - `types`: the conversions at the boundary ([`ToSql`], [`FromSql`], the `params!` macro).

mod connection;
mod statement;
pub mod types;

pub use connection::Connection;
pub use statement::{
    MAX_SCHEMA_RETRIES, MappedRows, Params, ParamsFromIter, Row, RowIndex, Rows, Statement, params_from_iter,
};
pub use types::{FromSql, ToSql};
