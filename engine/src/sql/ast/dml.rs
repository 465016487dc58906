//! INSERT, UPDATE and DELETE.

use super::{
    ConflictResolution, Expr, FromClause, Ident, IndexedBy, OrderingTerm, QualifiedName, ResultColumn, Select, With,
};

/// `[WITH ...] INSERT [OR conflict] | REPLACE INTO [schema.]table [AS alias] [(columns)]
/// source [upsert ...] [RETURNING ...]`. `REPLACE INTO` is `INSERT OR REPLACE INTO`.
#[derive(Clone, Debug, PartialEq)]
pub struct Insert {
    pub with: Option<With>,
    pub or_conflict: Option<ConflictResolution>,
    pub table: QualifiedName,
    pub alias: Option<Ident>,
    /// The columns given; none: all columns in table order.
    pub columns: Vec<Ident>,
    pub source: InsertSource,
    /// ON CONFLICT clauses in order; every one but the last has a target. Never with
    /// DEFAULT VALUES.
    pub upsert: Vec<Upsert>,
    pub returning: Vec<ResultColumn>,
}

/// Where the rows of an INSERT come from.
#[derive(Clone, Debug, PartialEq)]
pub enum InsertSource {
    /// `VALUES ...` (a select whose only core is [`super::SelectCore::Values`]) or a select.
    Select(Box<Select>),
    /// `DEFAULT VALUES`.
    DefaultValues,
}

/// `ON CONFLICT [(target) [WHERE expr]] DO NOTHING | DO UPDATE SET ... [WHERE expr]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Upsert {
    pub target: Option<UpsertTarget>,
    pub action: UpsertAction,
}

/// The conflict target: the indexed columns or expressions of a unique index, and the WHERE
/// of a partial one.
#[derive(Clone, Debug, PartialEq)]
pub struct UpsertTarget {
    pub columns: Vec<OrderingTerm>,
    pub where_clause: Option<Expr>,
}

/// What an upsert does on a conflict.
#[derive(Clone, Debug, PartialEq)]
pub enum UpsertAction {
    Nothing,
    Update { assignments: Vec<Assignment>, where_clause: Option<Expr> },
}

/// `column = expr` or `(column, ...) = expr` of a SET list. A list of several columns takes
/// a row value or a subquery of as many columns (SQLite checks the count of a row value when
/// it parses: "2 columns assigned 3 values").
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    /// At least one.
    pub columns: Vec<Ident>,
    pub value: Expr,
}

/// `[WITH ...] UPDATE [OR conflict] [schema.]table [AS alias] [INDEXED BY ...] SET assignments
/// [FROM ...] [WHERE expr] [RETURNING ...]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Update {
    pub with: Option<With>,
    pub or_conflict: Option<ConflictResolution>,
    pub table: QualifiedName,
    pub alias: Option<Ident>,
    pub indexed: Option<IndexedBy>,
    /// At least one.
    pub assignments: Vec<Assignment>,
    pub from: Option<FromClause>,
    pub where_clause: Option<Expr>,
    pub returning: Vec<ResultColumn>,
}

/// `[WITH ...] DELETE FROM [schema.]table [AS alias] [INDEXED BY ...] [WHERE expr]
/// [RETURNING ...]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Delete {
    pub with: Option<With>,
    pub table: QualifiedName,
    pub alias: Option<Ident>,
    pub indexed: Option<IndexedBy>,
    pub where_clause: Option<Expr>,
    pub returning: Vec<ResultColumn>,
}
