//! A SELECT after name resolution: what the code generator consumes.
//!
//! Every row source of the statement (a table, a view or a subquery in a FROM clause) has a
//! cursor number unique in the statement, and every column reference is resolved to
//! (cursor, column) — SQLite's `iTable` / `iColumn` after `sqlite3ResolveSelectNames`. So a
//! reference from a correlated subquery to an outer query's row is the same kind of
//! reference as a local one: it reads the outer cursor, which the outer loop has positioned.
//!
//! Expressions are [`Ir`]s (one arena per expression); subqueries inside them are indexes into
//! the statement's table of [`Query`]s ([`Subqueries`]).

use std::rc::Rc;

use crate::eval::ir::Ir;
use crate::format::value::Collation;
use crate::schema::Affinity;
use crate::sql::ast::{CompoundOp, IndexedBy};
use crate::storage::Table;

/// A resolved SELECT (compound or not), with ORDER BY and LIMIT.
#[derive(Debug)]
pub(crate) struct Query {
    /// The cores in order; `ops[i]` joins `cores[i + 1]` to what precedes it.
    pub cores: Vec<Core>,
    pub ops: Vec<CompoundOp>,
    pub order_by: Vec<OrderTerm>,
    pub limit: Option<Ir>,
    pub offset: Option<Ir>,
    /// The result columns (named by the first core).
    pub columns: Vec<OutColumn>,
    /// The query reads a row source of an enclosing query (it must run again for each outer
    /// row).
    pub correlated: bool,
}

/// One SELECT (or VALUES) of a query.
#[derive(Debug)]
pub(crate) struct Core {
    pub sources: Vec<Source>,
    pub where_clause: Option<Ir>,
    /// The result expressions, `*` expanded. For VALUES, the first row.
    pub result: Vec<Ir>,
    /// The name and declared type of each result column (`sqlite3GenerateColumnNames`).
    pub names: Vec<(String, Option<String>)>,
    /// VALUES rows after the first (a VALUES core has no sources).
    pub values: Vec<Vec<Ir>>,
    pub group_by: Vec<Ir>,
    pub having: Option<Ir>,
    pub distinct: bool,
    /// Aggregate query: GROUP BY, or an aggregate function in the result, HAVING or ORDER BY.
    pub aggregate: bool,
}

/// A row source in a FROM clause (SQLite's SrcItem).
#[derive(Debug)]
pub(crate) struct Source {
    /// The cursor that reads it; also the source's identity in column references.
    pub cursor: u32,
    /// The name qualified references use: the alias, else the table's name.
    pub name: String,
    pub kind: SourceKind,
    pub columns: Vec<SourceColumn>,
    /// How it joins the sources before it (Inner for the first).
    pub join: JoinType,
    /// The ON clause (with USING / NATURAL equalities added), resolved. For an inner join
    /// these terms are moved to the WHERE clause during resolution.
    pub on: Option<Ir>,
    /// Columns merged by USING / NATURAL with an earlier source: hidden from `*` and from
    /// unqualified names (the earlier source's column is used).
    pub merged: Vec<bool>,
    pub indexed_by: Option<IndexedBy>,
}

/// What a row source reads.
#[derive(Debug)]
pub(crate) enum SourceKind {
    Table(Rc<Table>),
    /// A subquery or view, materialized: its query's id in [`Subqueries`].
    Subquery(u32),
}

/// How a source joins the ones before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JoinType {
    Inner,
    /// CROSS JOIN: inner, and the planner keeps the order.
    Cross,
    Left,
}

/// A column of a row source.
#[derive(Clone, Debug)]
pub(crate) struct SourceColumn {
    pub name: String,
    pub affinity: Option<Affinity>,
    pub collation: Collation,
    pub not_null: bool,
    pub decltype: Option<String>,
}

/// A result column of a query.
#[derive(Clone, Debug)]
pub(crate) struct OutColumn {
    pub name: String,
    pub affinity: Option<Affinity>,
    pub collation: Collation,
    pub decltype: Option<String>,
}

/// An ORDER BY term.
#[derive(Debug)]
pub(crate) struct OrderTerm {
    pub expr: Ir,
    pub desc: bool,
    /// NULLS FIRST / LAST as written; None: SQLite's default (NULLs smallest).
    pub nulls_first: Option<bool>,
    /// The result column the term is (by number, alias or equal expression), if any.
    pub result_column: Option<usize>,
}

/// Every subquery of a statement, by id.
#[derive(Debug, Default)]
pub(crate) struct Subqueries {
    pub queries: Vec<Query>,
}

impl Subqueries {
    pub fn get(&self, id: u32) -> &Query {
        &self.queries[id as usize]
    }
}
