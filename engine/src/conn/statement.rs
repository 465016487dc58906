//! [`Statement`], [`Rows`] and [`Row`]: a prepared statement and its results, in rusqlite's
//! shape.
//!
//! A statement is compiled once ([`crate::compile::compile`]) and stepped many times. Each
//! step borrows the connection's [`Session`] only for its duration, so several statements of
//! one connection can be in progress at once, as in SQLite.
//!
//! The life of one run (sqlite3_step / sqlite3_reset):
//! - the program's Transaction instruction joins the connection's transaction
//!   ([`Session::begin_statement`]);
//! - a step that returns `Done` ends the statement ([`Session::end_statement_ok`]), which in
//!   autocommit mode commits when it was the last statement in progress;
//! - an error ends it with the undo its kind demands ([`Session::end_statement_err`]);
//! - `Busy` at the transaction's start, or at the autocommit commit, leaves the statement
//!   where it was: stepping again retries;
//! - a schema change since the statement was compiled (another connection, or this one)
//!   recompiles it and runs again, as sqlite3_prepare_v2 statements do, up to
//!   [`MAX_SCHEMA_RETRIES`] times;
//! - resetting or dropping a statement in progress ends it as a success (its reads end; a
//!   statement that returns rows has written nothing by then).

use std::rc::Rc;

use super::Connection;
use super::types::{FromSql, ToSql};
use crate::compile::compile;
use crate::error::{Error, ErrorCode, Result};
use crate::format::value::{Value, ValueRef};
use crate::session::Session;
use crate::sql::ParsedStatement;
use crate::vdbe::op::OnError;
use crate::vdbe::{Program, Step, Vm};

/// How many times a statement is recompiled after schema changes before the error is
/// returned (SQLITE_MAX_SCHEMA_RETRY).
pub const MAX_SCHEMA_RETRIES: u32 = 50;

/// A prepared statement.
pub struct Statement<'c> {
    conn: &'c Connection,
    parsed: ParsedStatement,
    text: String,
    vm: Vm,
}

impl std::fmt::Debug for Statement<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Statement").field("sql", &self.text).finish_non_exhaustive()
    }
}

/// Compiles `parsed` against the current schema (reading it in a read transaction when no
/// transaction is open, as sqlite3_prepare does).
///
/// Compiles a statement as sqlite3_prepare does. The schema comes from the connection's
/// catalog, read from the file only when it is not loaded (so preparing needs no lock while
/// the catalog is loaded: another connection's PENDING or EXCLUSIVE lock makes a statement
/// BUSY when it runs, not when it is prepared). The catalog may be stale; the cookie check
/// at the statement's start catches that. When compiling fails on a name (Parse.checkSchema),
/// the cookie is checked at once (schemaIsValid) and, if the schema changed, the statement
/// is compiled once more against a fresh catalog (sqlite3LockAndPrepare).
///
/// Transaction-control statements (BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE) name no
/// schema object, and SQLite's parser never reads the schema for them.
fn compile_in(session: &mut Session, parsed: &ParsedStatement, text: &str) -> Result<Rc<Program>> {
    use crate::sql::ast::Stmt;
    let needs_schema = !matches!(
        parsed.stmt,
        Stmt::Begin(_) | Stmt::Commit | Stmt::Rollback { .. } | Stmt::Savepoint(_) | Stmt::Release(_)
    );
    let db = &mut session.db;
    if needs_schema {
        db.load_catalog_if_needed()?;
    }
    let program = match compile(parsed, text, db.catalog()) {
        Err(e) if needs_schema && names_schema_object(&e) && db.catalog_is_stale() => {
            db.load_catalog_if_needed()?;
            compile(parsed, text, db.catalog())
        }
        r => r,
    }?;
    Ok(Rc::new(program))
}

/// True for the compile errors after which SQLite checks whether its schema is stale
/// (the places that set Parse.checkSchema): a table, column, index or trigger not found,
/// an INSERT column not in the table, and CREATE TABLE / VIEW on a name that is taken.
fn names_schema_object(e: &Error) -> bool {
    let m = e.message();
    ["no such table: ", "no such column: ", "no such index: ", "no such trigger: ", "there is already an index named "]
        .iter()
        .any(|p| m.starts_with(p))
        || (m.starts_with("table ") && (m.contains(" has no column named ") || m.ends_with(" already exists")))
        || (m.starts_with("view ") && m.ends_with(" already exists"))
}

impl<'c> Statement<'c> {
    /// Compiles `parsed` (whose SQL text is `text`) for `conn`.
    pub(crate) fn new(conn: &'c Connection, parsed: ParsedStatement, text: String) -> Result<Statement<'c>> {
        let program = compile_in(&mut conn.session.borrow_mut(), &parsed, &text)?;
        Ok(Statement { conn, parsed, text, vm: Vm::new(program) })
    }

    /// The SQL text of the statement.
    pub fn sql(&self) -> &str {
        &self.text
    }

    /// The compiled program (for EXPLAIN-style tooling and tests).
    pub fn program(&self) -> &Program {
        self.vm.program()
    }

    /// The number of result columns (0 for statements that return no rows).
    pub fn column_count(&self) -> usize {
        self.vm.program().columns.len()
    }

    /// The result column names.
    pub fn column_names(&self) -> Vec<&str> {
        self.vm.program().columns.iter().map(String::as_str).collect()
    }

    /// The number of the highest parameter (`sqlite3_bind_parameter_count`).
    pub fn parameter_count(&self) -> usize {
        self.vm.program().n_params
    }

    /// The number of the parameter named `name` (with its `:`, `@` or `$` prefix).
    pub fn parameter_index(&self, name: &str) -> Option<usize> {
        let names = &self.vm.program().param_names;
        names.iter().position(|n| n.as_deref() == Some(name)).map(|i| i + 1)
    }

    /// Binds `value` to parameter `index` (1-based).
    pub fn raw_bind_parameter(&mut self, index: usize, value: &dyn ToSql) -> Result<()> {
        self.vm.bind(index, value.to_sql())
    }

    /// Runs one step: true when a result row is ready, false when the statement finished
    /// (and on every later step until [`Statement::reset`]).
    pub fn step(&mut self) -> Result<bool> {
        let mut session = self.conn.session.borrow_mut();
        let s = &mut *session;
        let mut retries = 0;
        loop {
            match self.vm.step(s) {
                Ok(Step::Row) => return Ok(true),
                Ok(Step::Done) => {
                    // Only the step that ends the statement reports its changes; later steps
                    // of a finished run return Done again and change nothing.
                    let ending = self.vm.txn.active;
                    if let Err(e) = s.end_statement_ok(&mut self.vm.txn) {
                        // The autocommit commit failed. On BUSY the transaction stays open
                        // and the step may be retried; on any other error sqlite3VdbeHalt
                        // rolls the whole transaction back (sqlite3RollbackAll). Either way
                        // changes() becomes 0.
                        if !e.is_busy() {
                            s.end_statement_err(&mut self.vm.txn, &e, OnError::Rollback);
                        }
                        if ending && self.vm.program().info.counts_changes {
                            s.changes = 0;
                        }
                        return Err(e);
                    }
                    if ending && self.vm.program().info.counts_changes {
                        s.changes = self.vm.changes;
                        s.total_changes += self.vm.changes;
                    }
                    return Ok(false);
                }
                Err(e) if e.is_busy() && !self.vm.is_halted() => return Err(e),
                Err(e) if e.code() == ErrorCode::Schema && retries < MAX_SCHEMA_RETRIES => {
                    retries += 1;
                    s.end_statement_err(&mut self.vm.txn, &e, OnError::Abort);
                    let program = compile_in(s, &self.parsed, &self.text)?;
                    let params = std::mem::take(&mut self.vm.params);
                    self.vm = Vm::new(program);
                    for (i, p) in params.into_iter().enumerate() {
                        // The recompiled program has the same parameters: the text is unchanged.
                        let _ = self.vm.bind(i + 1, p);
                    }
                }
                Err(e) => {
                    let action = self.vm.error_action();
                    let ending = self.vm.txn.active;
                    // sqlite3VdbeHalt's isSpecialError: OR FAIL keeps the changes of any
                    // other error, and then the autocommit transaction commits.
                    let special = matches!(
                        e.code(),
                        ErrorCode::IoErr | ErrorCode::NoMem | ErrorCode::Full | ErrorCode::Interrupt
                    );
                    if self.vm.program().is_reader() && (action != OnError::Fail || special) {
                        s.halt_failed_in_autocommit(ending);
                    }
                    s.end_statement_err(&mut self.vm.txn, &e, action);
                    if ending && self.vm.program().info.counts_changes {
                        // sqlite3VdbeHalt: a failed statement's changes count only when its
                        // FAIL resolution kept them; otherwise changes() becomes 0.
                        let kept = if action == OnError::Fail && !special { self.vm.changes } else { 0 };
                        s.changes = kept;
                        s.total_changes += kept;
                    }
                    return Err(e);
                }
            }
        }
    }

    /// Rewinds the statement so it runs again from the start; bindings are kept
    /// (sqlite3_reset). A run in progress ends as a success.
    pub fn reset(&mut self) {
        if let Ok(mut session) = self.conn.session.try_borrow_mut() {
            settle(&mut session, &mut self.vm);
        }
        self.vm.reset();
    }

    /// Binds `params` and runs the statement to completion; returns the rows it changed.
    /// A statement that returns a row is an error, as in rusqlite.
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        self.reset();
        params.bind_to(self)?;
        if self.step()? {
            self.reset();
            return Err(Error::new(ErrorCode::Misuse, "execute returned results; use query"));
        }
        let changes = self.conn.session.borrow().changes;
        self.reset();
        Ok(usize::try_from(changes).unwrap_or(0))
    }

    /// Binds `params` and starts the query; rows come from [`Rows::next`].
    pub fn query<P: Params>(&mut self, params: P) -> Result<Rows<'_, 'c>> {
        self.reset();
        params.bind_to(self)?;
        Ok(Rows { stmt: self, done: false })
    }

    /// Runs the query and maps each row with `f`.
    pub fn query_map<T, P: Params, F>(&mut self, params: P, f: F) -> Result<MappedRows<'_, 'c, F>>
    where
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        Ok(MappedRows { rows: self.query(params)?, f })
    }

    /// True when the query returns at least one row.
    pub fn exists<P: Params>(&mut self, params: P) -> Result<bool> {
        let mut rows = self.query(params)?;
        Ok(rows.next()?.is_some())
    }

    /// The current row's values (after a step that returned true): the step-wise API of
    /// [`Statement::step`], for callers that interleave steps of several statements.
    pub fn row_values(&self) -> &[Value] {
        self.vm.row()
    }
}

/// Ends a run still in progress as a success; if its commit fails, the transaction is rolled
/// back so that nothing stays locked.
fn settle(s: &mut Session, vm: &mut Vm) {
    if !vm.txn.active {
        // A run suspended by BUSY before its transaction began ends here too: SQLite's
        // sqlite3VdbeReset halts it, and sqlite3VdbeHalt sets changes() to the statement's
        // count (none) for a statement that counts changes, and in autocommit mode rolls
        // back (sqlite3RollbackAll) as for any failed statement.
        if vm.is_suspended() {
            if vm.program().info.counts_changes {
                s.changes = vm.changes;
            }
            s.halt_failed_in_autocommit(false);
        }
        return;
    }
    if let Err(e) = s.end_statement_ok(&mut vm.txn) {
        s.end_statement_err(&mut vm.txn, &e, OnError::Rollback);
    }
}

impl Drop for Statement<'_> {
    fn drop(&mut self) {
        if let Ok(mut session) = self.conn.session.try_borrow_mut() {
            settle(&mut session, &mut self.vm);
        }
    }
}

/// The rows of a query in progress.
pub struct Rows<'s, 'c> {
    stmt: &'s mut Statement<'c>,
    done: bool,
}

impl Rows<'_, '_> {
    /// The next row, or None after the last. (Named as rusqlite's `Rows::next`; it is not an
    /// `Iterator` because each row borrows the statement.)
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Row<'_>>> {
        if self.done {
            return Ok(None);
        }
        match self.stmt.step() {
            Ok(true) => {
                let program = self.stmt.vm.program();
                Ok(Some(Row { values: self.stmt.row_values(), columns: &program.columns }))
            }
            Ok(false) => {
                self.done = true;
                Ok(None)
            }
            Err(e) => {
                self.done = true;
                Err(e)
            }
        }
    }
}

impl Drop for Rows<'_, '_> {
    fn drop(&mut self) {
        self.stmt.reset();
    }
}

/// The rows of a query, each mapped by a closure; an iterator of `Result<T>`.
pub struct MappedRows<'s, 'c, F> {
    rows: Rows<'s, 'c>,
    f: F,
}

impl<T, F> Iterator for MappedRows<'_, '_, F>
where
    F: FnMut(&Row<'_>) -> Result<T>,
{
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        let f = &mut self.f;
        match self.rows.next() {
            Ok(Some(row)) => Some(f(&row)),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

/// One result row.
#[derive(Debug)]
pub struct Row<'r> {
    values: &'r [Value],
    columns: &'r [String],
}

impl Row<'_> {
    /// Column `index` (a number from 0 or a column name) converted to `T`.
    pub fn get<I: RowIndex, T: FromSql>(&self, index: I) -> Result<T> {
        T::from_sql(self.get_ref(index)?)
    }

    /// Column `index` as a borrowed value.
    pub fn get_ref<I: RowIndex>(&self, index: I) -> Result<ValueRef<'_>> {
        let i = index.index(self.columns)?;
        self.values
            .get(i)
            .map(Value::as_ref)
            .ok_or_else(|| Error::new(ErrorCode::Range, format!("column index {i} out of range")))
    }

    /// The number of columns.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True for a row of no columns.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// All values of the row.
    pub fn values(&self) -> &[Value] {
        self.values
    }
}

/// A way to name a column of a row: its number from 0, or its name (case-insensitive).
pub trait RowIndex {
    /// The column's number.
    fn index(&self, columns: &[String]) -> Result<usize>;
}

impl RowIndex for usize {
    fn index(&self, columns: &[String]) -> Result<usize> {
        if *self < columns.len() {
            Ok(*self)
        } else {
            Err(Error::new(ErrorCode::Range, format!("column index {self} out of range")))
        }
    }
}

impl RowIndex for &str {
    fn index(&self, columns: &[String]) -> Result<usize> {
        columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(self))
            .ok_or_else(|| Error::new(ErrorCode::Range, format!("no column named {self}")))
    }
}

/// Parameters for [`Statement::execute`] and [`Statement::query`]: `()`, a slice or array of
/// `&dyn ToSql` (positional, as `params!` builds), or of `(name, &dyn ToSql)` pairs, or
/// [`params_from_iter`].
pub trait Params {
    /// Binds every parameter of `stmt`; a count that does not match is an error.
    fn bind_to(self, stmt: &mut Statement<'_>) -> Result<()>;
}

/// Binds positional values, checking their count against the statement's.
fn bind_positional(stmt: &mut Statement<'_>, values: impl Iterator<Item = Value>) -> Result<()> {
    let expected = stmt.parameter_count();
    let mut n = 0;
    for v in values {
        n += 1;
        if n > expected {
            break;
        }
        stmt.vm.bind(n, v)?;
    }
    if n != expected {
        return Err(Error::new(
            ErrorCode::Range,
            format!("wrong number of parameters: the statement has {expected}, {n} were given"),
        ));
    }
    Ok(())
}

impl Params for () {
    fn bind_to(self, stmt: &mut Statement<'_>) -> Result<()> {
        bind_positional(stmt, std::iter::empty())
    }
}

impl Params for &[&dyn ToSql] {
    fn bind_to(self, stmt: &mut Statement<'_>) -> Result<()> {
        bind_positional(stmt, self.iter().map(|p| p.to_sql()))
    }
}

impl<const N: usize> Params for [&dyn ToSql; N] {
    fn bind_to(self, stmt: &mut Statement<'_>) -> Result<()> {
        bind_positional(stmt, self.iter().map(|p| p.to_sql()))
    }
}

impl<const N: usize> Params for &[&dyn ToSql; N] {
    fn bind_to(self, stmt: &mut Statement<'_>) -> Result<()> {
        bind_positional(stmt, self.iter().map(|p| p.to_sql()))
    }
}

impl Params for &[(&str, &dyn ToSql)] {
    fn bind_to(self, stmt: &mut Statement<'_>) -> Result<()> {
        for (name, value) in self {
            let Some(i) = stmt.parameter_index(name) else {
                return Err(Error::new(ErrorCode::Range, format!("no parameter named {name}")));
            };
            stmt.vm.bind(i, value.to_sql())?;
        }
        Ok(())
    }
}

impl<const N: usize> Params for &[(&str, &dyn ToSql); N] {
    fn bind_to(self, stmt: &mut Statement<'_>) -> Result<()> {
        self.as_slice().bind_to(stmt)
    }
}

/// Positional parameters from any iterator of values.
pub struct ParamsFromIter<I>(I);

/// Positional parameters from an iterator (rusqlite's `params_from_iter`).
pub fn params_from_iter<I>(iter: I) -> ParamsFromIter<I>
where
    I: IntoIterator,
    I::Item: ToSql,
{
    ParamsFromIter(iter)
}

impl<I> Params for ParamsFromIter<I>
where
    I: IntoIterator,
    I::Item: ToSql,
{
    fn bind_to(self, stmt: &mut Statement<'_>) -> Result<()> {
        bind_positional(stmt, self.0.into_iter().map(|p| p.to_sql()))
    }
}
