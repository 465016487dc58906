//! Table and index definitions, derived from CREATE statements as SQLite derives them.
//!
//! [`TableDef::from_ast`] applies the rules of `sqlite3AddColumn`, `sqlite3AddPrimaryKey`,
//! `sqlite3CreateIndex` (implied indexes), `sqlite3EndTable` and `convertToWithoutRowidTable`:
//! declared types and affinities, the INTEGER PRIMARY KEY rowid alias (with the
//! `PRIMARY KEY DESC` quirk), the automatic indexes `sqlite_autoindex_<table>_<N>` with
//! duplicate constraints folded, WITHOUT ROWID and STRICT tables. [`IndexDef::from_ast`] does
//! the same for CREATE INDEX. Errors carry SQLite's messages.
//!
//! - `types`: declared type text to type name and affinity.
//! - `table`: CREATE TABLE to [`TableDef`].
//! - `index`: index columns, implied indexes, CREATE INDEX to [`IndexDef`].

mod index;
mod table;
mod types;

pub use types::{Affinity, DeclaredType, StdType, affinity_of, declared_type};

pub(crate) use index::move_replace_last;

use crate::format::value::Collation;
use crate::sql::ast::{CheckExpr, ConflictResolution, DefaultValue, Expr, SortOrder};

/// The most columns a table, index or result set may have (SQLITE_MAX_COLUMN's default).
pub const MAX_COLUMNS: usize = 2000;

/// A table.
#[derive(Clone, Debug, PartialEq)]
pub struct TableDef {
    /// The table's name, dequoted.
    pub name: String,
    pub columns: Vec<ColumnDef>,
    /// The INTEGER PRIMARY KEY column whose value is the rowid, if any (never for WITHOUT ROWID
    /// tables).
    pub rowid_alias: Option<usize>,
    pub without_rowid: bool,
    pub strict: bool,
    /// AUTOINCREMENT on the rowid alias.
    pub autoincrement: bool,
    /// The ON CONFLICT clause of an INTEGER PRIMARY KEY (SQLite's keyConf).
    pub rowid_conflict: Option<ConflictResolution>,
    /// The PRIMARY KEY columns in key order (the rowid alias alone, or the columns of the
    /// primary-key index); empty when the table has no PRIMARY KEY.
    pub primary_key: Vec<usize>,
    /// The implied indexes in the order SQLite creates (and numbers) them.
    pub indexes: Vec<IndexDef>,
    /// CHECK constraints in declaration order.
    pub checks: Vec<CheckDef>,
}

/// A column.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnDef {
    /// The column's name, dequoted.
    pub name: String,
    /// The declared type as `PRAGMA table_info` shows it (`None`: no type).
    pub declared_type: Option<String>,
    /// Set when the declared type is one of SQLite's standard names.
    pub std_type: Option<StdType>,
    pub affinity: Affinity,
    pub not_null: bool,
    /// The ON CONFLICT clause of the NOT NULL constraint.
    pub not_null_conflict: Option<ConflictResolution>,
    /// The DEFAULT value with its text (`PRAGMA table_info`'s `dflt_value`).
    pub default: Option<DefaultValue>,
    /// The column's collation (BINARY unless declared).
    pub collation: Collation,
    /// 1-based position of the column in the PRIMARY KEY (`PRAGMA table_info`'s `pk`).
    pub primary_key_position: Option<usize>,
    pub generated: Option<Generated>,
}

/// A generated column's expression and storage.
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    pub expr: Expr,
    pub stored: bool,
}

/// A CHECK constraint: its name (the constraint name, or SQLite's fallback, the text) and
/// expression.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckDef {
    pub name: String,
    pub expr: Expr,
}

impl CheckDef {
    /// A CHECK named by its constraint name, or else by its text.
    fn new(name: Option<&String>, check: &CheckExpr) -> CheckDef {
        CheckDef { name: name.cloned().unwrap_or_else(|| check.text.clone()), expr: check.expr.clone() }
    }
}

/// An index.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexDef {
    pub name: String,
    /// The indexed table's name.
    pub table: String,
    pub unique: bool,
    pub origin: IndexOrigin,
    /// The ON CONFLICT clause of the constraint that made it (implied indexes only).
    pub on_conflict: Option<ConflictResolution>,
    /// Every column of an index entry: the `key_len` key columns, then the table key (the
    /// rowid, or for a WITHOUT ROWID table the primary-key columns not already present; for
    /// its primary-key index, all the other stored columns). `PRAGMA index_xinfo` lists these.
    pub columns: Vec<IndexColumn>,
    /// How many of `columns` are key columns (`PRAGMA index_info` lists these).
    pub key_len: usize,
    /// The WHERE clause of a partial index.
    pub where_clause: Option<Expr>,
}

impl IndexDef {
    /// The key columns.
    pub fn key_columns(&self) -> &[IndexColumn] {
        &self.columns[..self.key_len]
    }
}

/// Why an index exists (`PRAGMA index_list`'s `origin`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IndexOrigin {
    /// `c`: CREATE INDEX.
    CreateIndex,
    /// `u`: a UNIQUE constraint.
    Unique,
    /// `pk`: a PRIMARY KEY constraint.
    PrimaryKey,
}

impl IndexOrigin {
    /// The code `PRAGMA index_list` shows.
    pub fn code(self) -> &'static str {
        match self {
            IndexOrigin::CreateIndex => "c",
            IndexOrigin::Unique => "u",
            IndexOrigin::PrimaryKey => "pk",
        }
    }
}

/// One column of an index entry.
#[derive(Clone, Debug, PartialEq)]
pub struct IndexColumn {
    pub target: IndexTarget,
    pub collation: Collation,
    pub order: SortOrder,
}

/// What an index column holds.
#[derive(Clone, Debug, PartialEq)]
pub enum IndexTarget {
    /// A table column, by index in [`TableDef::columns`].
    Column(usize),
    /// The rowid (the last column of every index of a rowid table).
    Rowid,
    /// An expression (CREATE INDEX only).
    Expr(Expr),
}

impl TableDef {
    /// The index of the column named `name` (ASCII case-insensitive).
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The primary-key index (a PRIMARY KEY that is not the rowid alias).
    pub fn primary_key_index(&self) -> Option<&IndexDef> {
        self.indexes.iter().find(|i| i.origin == IndexOrigin::PrimaryKey)
    }

    /// The implied indexes in the order SQLite keeps them on the table (`PRAGMA index_list`):
    /// newest first, except that indexes whose ON CONFLICT is REPLACE go last.
    pub fn index_list_order(&self) -> Vec<&IndexDef> {
        let mut list: Vec<&IndexDef> = Vec::with_capacity(self.indexes.len());
        for index in &self.indexes {
            list.insert(0, index);
            index::move_replace_last(&mut list, |i| i.on_conflict);
        }
        list
    }
}
