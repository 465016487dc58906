//! The code generator: a parsed statement to a [`Program`] for the virtual machine (SQLite's
//! build.c, expr.c, select.c, where.c, insert.c, update.c, delete.c, pragma.c).
//!
//! A statement is compiled in two passes, as SQLite does: name resolution (`resolve`) turns
//! the syntax tree into a resolved query tree (`query`), then code generation walks that tree
//! and writes instructions. Code generation never recurses on an expression (`expr` uses an
//! explicit task stack), so expression depth is bounded by the parser's limit, not the
//! machine stack; it recurses on nested queries, whose depth `resolve` bounds.
//!
//! Program layout, as SQLite's: instruction 0 jumps to an initialization block at the end,
//! which starts the transaction, then jumps back to instruction 1. Constant function calls
//! are computed once, where first needed, behind an OP_Once (`sqlite3ExprCodeRunJustOnce`).
//!
//! - `resolve`: names to row sources and columns; `*`; aliases; subqueries.
//! - `query`: the resolved tree.
//! - `expr`: expressions, as values and as conditional jumps.
//! - `subquery`: scalar, EXISTS and IN subqueries; materialized FROM subqueries.
//! - `select`: SELECT: loops, result rows, DISTINCT, ORDER BY, LIMIT; `aggregate`: GROUP BY
//!   and aggregate functions; `compound`: UNION, INTERSECT, EXCEPT.
//! - `planner`: WHERE analysis, access paths, join order, EXPLAIN QUERY PLAN.
//! - `dml`: INSERT, UPDATE, DELETE and their constraint checks.
//! - `statement`: the other statements: DDL, transactions, PRAGMA, EXPLAIN.

mod aggregate;
mod compound;
mod dml;
mod expr;
mod planner;
mod query;
mod resolve;
mod select;
mod statement;
mod subquery;

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::error::{Error, ErrorCode, Result};
use crate::storage::{Catalog, Table};
use crate::vdbe::op::{HaltKind, Op, Reg};
use crate::vdbe::{Builder, Program, ProgramInfo};

pub use statement::compile;

/// What a cursor of the statement reads.
#[derive(Clone, Debug)]
pub(crate) enum CursorSource {
    /// A table of the database.
    Table(Rc<Table>),
    /// An in-memory table (a materialized subquery or view): whether each column has REAL
    /// affinity (its reads make integers REAL, as a table's do).
    Ephemeral { real_columns: Rc<[bool]> },
}

/// A table cursor read through an index instead: the index cursor, and for each table
/// column the field of the index entry holding it. A `partial` one does not cover every
/// column: the others are read from the table, whose cursor the loop positions by a
/// deferred seek (sqlite3WhereEnd's rewrite of OP_Column to the index where it can).
#[derive(Clone, Debug)]
pub(crate) struct Covering {
    pub index_cursor: u32,
    pub fields: Vec<Option<u32>>,
    pub partial: bool,
}

/// One row of EXPLAIN QUERY PLAN: id, parent id, detail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanRow {
    pub id: i64,
    pub parent: i64,
    pub detail: String,
}

/// The state of one statement's code generation.
pub(crate) struct Compiler<'c> {
    pub b: Builder,
    pub catalog: &'c Catalog,
    pub subqueries: query::Subqueries,
    /// What each source cursor reads.
    pub cursors: BTreeMap<u32, CursorSource>,
    /// Column substitutions in force, innermost last: (source cursor, column) → register.
    pub subst: Vec<BTreeMap<(u32, Option<u32>), Reg>>,
    /// Table cursors read through covering indexes.
    pub covering: BTreeMap<u32, Covering>,
    /// Constant function calls are computed once (SQLite's okConstFactor).
    pub const_factor: bool,
    /// Parameter names by number - 1.
    pub params: Vec<Option<String>>,
    /// The statement reads or writes the database (it needs a transaction).
    pub uses_db: bool,
    pub info: ProgramInfo,
    /// EXPLAIN QUERY PLAN rows, in order.
    pub plan: Vec<PlanRow>,
    /// The id of the plan row new rows go under.
    pub plan_parent: i64,
    /// Subqueries numbered for EXPLAIN QUERY PLAN ("SCALAR SUBQUERY 1").
    pub plan_subquery_count: u32,
}

impl<'c> Compiler<'c> {
    pub fn new(catalog: &'c Catalog, params: Vec<Option<String>>) -> Compiler<'c> {
        let mut b = Builder::new();
        // Instruction 0 becomes the jump to the initialization block (see `finish`).
        b.emit(Op::Noop);
        Compiler {
            b,
            catalog,
            subqueries: query::Subqueries::default(),
            cursors: BTreeMap::new(),
            subst: Vec::new(),
            covering: BTreeMap::new(),
            const_factor: true,
            params,
            uses_db: false,
            info: ProgramInfo::default(),
            plan: Vec::new(),
            plan_parent: 0,
            plan_subquery_count: 0,
        }
    }

    /// Adds an EXPLAIN QUERY PLAN row under the current parent; returns its id.
    pub fn plan_row(&mut self, detail: String) -> i64 {
        // SQLite's row id is the address of its OP_Explain; a Noop marks the place here.
        let id = i64::from(self.b.emit(Op::Noop));
        self.plan.push(PlanRow { id, parent: self.plan_parent, detail });
        id
    }

    /// The parameter number a variable's text (`?N`, `:name`, ...) stands for.
    pub fn param_index(&self, text: &str) -> Result<u32> {
        if let Some(n) = text.strip_prefix('?')
            && let Ok(i) = n.parse::<u32>()
        {
            return Ok(i);
        }
        self.params
            .iter()
            .position(|p| p.as_deref() == Some(text))
            .map(|i| i as u32 + 1)
            .ok_or_else(|| Error::internal(format!("parameter {text} has no number")))
    }

    /// The register holding `(source, column)` under the substitutions in force.
    pub fn substituted(&self, source: u32, column: Option<u32>) -> Option<Reg> {
        self.subst.iter().rev().find_map(|m| m.get(&(source, column)).copied())
    }

    /// Finishes the program: the initialization block (the transaction), the
    /// result columns.
    pub fn finish(mut self, columns: Vec<String>, decltypes: Vec<Option<String>>) -> Result<Program> {
        self.b.emit(Op::Halt(HaltKind::Ok));
        let init = self.b.current_addr();
        if self.uses_db {
            self.b.emit(Op::Transaction { write: self.info.writes });
        }
        self.b.emit(Op::Goto { target: 1 });
        *self.b.op_mut(0) = Op::Goto { target: init };
        let mut program = self.b.finish()?;
        program.columns = columns;
        program.decltypes = decltypes;
        program.n_params = self.params.len();
        program.param_names = self.params;
        program.info = self.info;
        program.info.may_abort |= program.ops.iter().any(Op::may_abort);
        program.schema_cookie = if self.uses_db { Some(self.catalog.cookie) } else { None };
        Ok(program)
    }
}

fn err(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::Error, message)
}
