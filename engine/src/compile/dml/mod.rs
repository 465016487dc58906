//! INSERT, UPDATE and DELETE (SQLite's insert.c, update.c, delete.c) on rowid tables.
//!
//! Every write follows SQLite's order of b-tree operations, so that files match SQLite's page
//! for page: for each row the new rowid (OP_NewRowid) or the explicit one, then the
//! constraint checks (`sqlite3GenerateConstraintChecks`: NOT NULL, CHECK after the column
//! affinities, the rowid's uniqueness, each UNIQUE index in the table's index order, each
//! conflict resolved as its ON CONFLICT clause or the statement's OR clause says), then the
//! index entries in index order and the row (`sqlite3CompleteInsertion`). UPDATE (`update`)
//! and DELETE (`delete`) change each row as their WHERE loop meets it where SQLite does
//! (its one-pass plans), else first collect the rowids the WHERE clause selects (sorted).
//!
//! Statement journals: a statement is marked as writing several entries
//! (`ProgramInfo::multi_write`, SQLite's sqlite3MultiWrite) when its rows come from a query
//! or several VALUES rows, when its WHERE plan may find more than one row, or when a REPLACE
//! deletes before a later check may abort. Only such a statement, when it may also abort,
//! runs under a statement journal; any other fails, if at all, before its first write.

mod delete;
mod update;

use std::collections::BTreeSet;
use std::rc::Rc;

use super::planner::OnePass;
use super::query::{Core, Source};
use super::resolve::{ExprCtx, Resolver, Scope, is_rowid_name};
use super::select::Dest;
use super::{Compiler, CursorSource, err};
use crate::btree::KeyInfo;
use crate::error::{ConstraintKind, ErrorCode, Result};
use crate::eval::ir::Ir;
use crate::schema::{Affinity, IndexOrigin, IndexTarget};
use crate::sql::ast::{ConflictResolution, Expr, Insert, InsertSource, SelectCore, Stmt};
use crate::storage::{Index, Table};
use crate::vdbe::Label;
use crate::vdbe::op::{HaltKind, InsertOpts, OnError, Op, Reg, TreeSpec};

/// The cursors of a table being written: the table's and one per index, in index order.
struct WriteCursors {
    table: u32,
    indexes: Vec<u32>,
}

/// A row about to be written: its rowid register and one register per column.
#[derive(Clone, Copy)]
struct NewRow {
    rowid: Reg,
    data: Reg,
}

impl Compiler<'_> {
    /// Compiles an INSERT, UPDATE or DELETE.
    pub fn dml(mut self, stmt: &Stmt) -> Result<crate::vdbe::Program> {
        self.dml_into_plan(stmt)?;
        self.finish(Vec::new(), Vec::new())
    }

    /// Generates the code of an INSERT, UPDATE or DELETE (also for EXPLAIN QUERY PLAN).
    pub fn dml_into_plan(&mut self, stmt: &Stmt) -> Result<()> {
        self.uses_db = true;
        self.info.writes = true;
        self.info.counts_changes = true;
        match stmt {
            Stmt::Insert(i) => self.insert(i),
            Stmt::Update(u) => self.update(u),
            Stmt::Delete(d) => self.delete(d),
            _ => Err(err("not a DML statement")),
        }
    }

    /// The table a DML statement writes (views and the schema table cannot be written).
    fn target_table(&self, name: &crate::sql::ast::QualifiedName) -> Result<Rc<Table>> {
        if let Some(s) = name.schema_name()
            && !s.eq_ignore_ascii_case("main")
        {
            return Err(err(format!("no such table: {s}.{}", name.name.as_str())));
        }
        let n = name.name.as_str();
        if let Some(trigger) = self.catalog.triggers_on(n).next() {
            // Refused rather than run without its trigger (see storage::catalog).
            return Err(err(format!("triggers are not supported yet: {n} has trigger {}", trigger.name)));
        }
        if let Some(t) = self.catalog.table(n) {
            if t.def.without_rowid {
                return Err(err("WITHOUT ROWID tables are not supported yet"));
            }
            if t.def.columns.iter().any(|c| c.generated.is_some()) {
                return Err(err("generated columns are not supported yet"));
            }
            return Ok(t.clone());
        }
        if self.catalog.view(n).is_some() {
            return Err(err(format!("cannot modify {n} because it is a view")));
        }
        if n.eq_ignore_ascii_case("sqlite_master") || n.eq_ignore_ascii_case("sqlite_schema") {
            return Err(err(format!("table {n} may not be modified")));
        }
        Err(err(format!("no such table: {n}")))
    }

    /// Opens write cursors on a table and all its indexes.
    fn open_write(&mut self, table: &Rc<Table>, table_cursor: u32) -> WriteCursors {
        self.cursors.insert(table_cursor, CursorSource::Table(table.clone()));
        self.b.emit(Op::OpenWrite { cursor: table_cursor, root: table.root, tree: TreeSpec::Table });
        let indexes = table
            .indexes
            .iter()
            .map(|idx| {
                let c = self.b.cursor();
                self.b.emit(Op::OpenWrite { cursor: c, root: idx.root, tree: TreeSpec::Index(idx.key_info.clone()) });
                c
            })
            .collect();
        WriteCursors { table: table_cursor, indexes }
    }

    // ----- INSERT --------------------------------------------------------------------------

    fn insert(&mut self, ins: &Insert) -> Result<()> {
        if ins.with.is_some() || !ins.upsert.is_empty() || !ins.returning.is_empty() {
            return Err(err("WITH, UPSERT and RETURNING in INSERT are not supported yet"));
        }
        let table = self.target_table(&ins.table)?;
        let ncols = table.def.columns.len();
        // Where each supplied value goes: a column, or the rowid (None).
        let mut targets: Vec<Option<usize>> = Vec::new();
        if ins.columns.is_empty() {
            targets.extend((0..ncols).map(Some));
        } else {
            for c in &ins.columns {
                match table.def.column_index(c.as_str()) {
                    Some(j) => targets.push(Some(j)),
                    None if is_rowid_name(c.as_str()) => targets.push(None),
                    None => {
                        return Err(err(format!("table {} has no column named {}", table.def.name, c.as_str())));
                    }
                }
            }
        }
        if matches!(ins.source, InsertSource::DefaultValues) {
            if !ins.columns.is_empty() {
                return Err(err(format!("0 values for {} columns", targets.len())));
            }
            // Every column takes its default, the rowid a new number.
            targets.clear();
        }
        let on_conflict = ins.or_conflict;
        let mut r = Resolver::new(self.catalog);
        r.next_cursor = self.b.reserve_next();
        // The rows: one VALUES row inline; anything else materialized first (it may read the
        // table being written).
        let (rows_inline, query) = match &ins.source {
            InsertSource::DefaultValues => (Some(Vec::new()), None),
            InsertSource::Select(s)
                if s.compound.is_empty()
                    && s.order_by.is_empty()
                    && s.limit.is_none()
                    && s.with.is_none()
                    && matches!(&s.first, SelectCore::Values(rows) if rows.len() == 1) =>
            {
                let SelectCore::Values(rows) = &s.first else { unreachable!("matched above") };
                let scope = Scope::new(&[], &[], None);
                let mut irs = Vec::with_capacity(rows[0].len());
                for e in &rows[0] {
                    irs.push(r.statement_expr(e, &scope, ExprCtx::PLAIN)?.0);
                }
                (Some(irs), None)
            }
            InsertSource::Select(s) => (None, Some(r.query(s, None)?)),
        };
        // Rows from a query (several VALUES rows, a SELECT) may be many: an abort at one of
        // them must undo the ones before (sqlite3BeginWriteOperation's setStatement).
        self.info.multi_write |= query.is_some();
        let n_values = match (&rows_inline, &query) {
            (Some(v), _) => v.len(),
            (None, Some(q)) => q.columns.len(),
            _ => 0,
        };
        if !matches!(ins.source, InsertSource::DefaultValues) && n_values != targets.len() {
            return Err(err(if ins.columns.is_empty() {
                format!("table {} has {} columns but {} values were supplied", table.def.name, ncols, n_values)
            } else {
                format!("{} values for {} columns", n_values, targets.len())
            }));
        }
        self.adopt_cursors(r);
        let table_cursor = self.b.cursor();
        // The rows of a SELECT (or of several VALUES rows) come from a co-routine, as in
        // sqlite3Insert. When it reads the table being written they are all collected in a
        // temporary table first (template 4); otherwise each row is inserted as soon as it is
        // made (template 3), so that its errors and constraint failures come in row order.
        let source = match &query {
            Some(q) => {
                let n = targets.len() as u32;
                let ret = self.b.reg();
                let regs = self.b.regs(n);
                let init = self.b.emit(Op::InitCoroutine { ret, start: 0, end: 0 });
                let start = self.b.current_addr();
                self.query(q, &Dest::Coroutine { ret, start: regs })?;
                self.b.emit(Op::EndCoroutine { ret });
                let end = self.b.current_addr();
                *self.b.op_mut(init) = Op::InitCoroutine { ret, start, end };
                let mut roots: Vec<u32> = vec![table.root];
                roots.extend(table.indexes.iter().map(|i| i.root));
                let reads_target = self.b.ops_from_mut(start)[..(end - start) as usize]
                    .iter()
                    .any(|op| matches!(op, Op::OpenRead { root, .. } if roots.contains(root)));
                if reads_target {
                    let eph = self.b.cursor();
                    self.b.emit(Op::OpenEphemeral { cursor: eph, key_info: None });
                    let filled = self.b.label();
                    let top = self.b.emit(Op::Yield { ret, on_end: filled.addr() });
                    let rowid = self.b.reg();
                    self.b.emit(Op::NewRowid { cursor: eph, dest: rowid });
                    self.b.emit(Op::Insert { cursor: eph, start: regs, count: n, rowid, opts: Default::default() });
                    self.b.emit(Op::Goto { target: top });
                    self.b.resolve(filled);
                    Some(RowSource::Table(eph))
                } else {
                    Some(RowSource::Coroutine { ret, regs })
                }
            }
            None => None,
        };
        let wc = self.open_write(&table, table_cursor);
        match (rows_inline, source) {
            (Some(irs), _) => {
                let next = self.b.label();
                self.insert_row(&table, &wc, &targets, RowValues::Exprs(&irs), on_conflict, next)?;
                self.b.resolve(next);
            }
            (None, Some(RowSource::Table(eph))) => {
                let done = self.b.label();
                self.b.emit(Op::Rewind { cursor: eph, if_empty: done.addr() });
                let top = self.b.current_addr();
                let next = self.b.label();
                self.insert_row(&table, &wc, &targets, RowValues::Cursor(eph), on_conflict, next)?;
                self.b.resolve(next);
                self.b.emit(Op::Next { cursor: eph, target: top });
                self.b.resolve(done);
            }
            (None, Some(RowSource::Coroutine { ret, regs })) => {
                let done = self.b.label();
                let top = self.b.emit(Op::Yield { ret, on_end: done.addr() });
                let next = self.b.label();
                self.insert_row(&table, &wc, &targets, RowValues::Regs(regs), on_conflict, next)?;
                self.b.resolve(next);
                self.b.emit(Op::Goto { target: top });
                self.b.resolve(done);
            }
            _ => {}
        }
        Ok(())
    }

    /// One row of an INSERT: values, rowid, constraint checks, index entries, the row.
    /// `next` is where an IGNORE resolution goes.
    fn insert_row(
        &mut self,
        table: &Rc<Table>,
        wc: &WriteCursors,
        targets: &[Option<usize>],
        values: RowValues<'_>,
        on_conflict: Option<ConflictResolution>,
        next: Label,
    ) -> Result<()> {
        let ncols = table.def.columns.len() as u32;
        let row = NewRow { rowid: self.b.reg(), data: self.b.regs(ncols) };
        let alias = table.def.rowid_alias;
        let mut rowid_given = false;
        for j in 0..ncols as usize {
            let dest = row.data + j as u32;
            if Some(j) == alias {
                self.b.emit(Op::Null { dest, count: 1 });
                continue;
            }
            match targets.iter().position(|t| *t == Some(j)) {
                Some(p) => self.row_value(&values, p, dest)?,
                None => self.default_value(table, j, dest)?,
            }
        }
        let rowid_pos = targets
            .iter()
            .position(|t| alias.is_some() && *t == alias)
            .or_else(|| targets.iter().position(Option::is_none));
        match rowid_pos {
            Some(p) => {
                rowid_given = true;
                self.row_value(&values, p, row.rowid)?;
                let have = self.b.label();
                self.b.emit(Op::NotNull { reg: row.rowid, target: have.addr() });
                self.b.emit(Op::NewRowid { cursor: wc.table, dest: row.rowid });
                self.b.resolve(have);
                self.b.emit(Op::MustBeInt { reg: row.rowid, target: None });
            }
            None => {
                self.b.emit(Op::NewRowid { cursor: wc.table, dest: row.rowid });
            }
        }
        let path = self.constraint_checks(table, wc, row, None, rowid_given, on_conflict, next)?;
        self.complete_insertion(
            table,
            wc,
            row,
            None,
            path,
            InsertOpts { count_change: true, set_last_rowid: true, use_seek_result: true, save_position: false },
        )
    }

    /// The value at position `p` of the row being inserted, into `dest`.
    fn row_value(&mut self, values: &RowValues<'_>, p: usize, dest: Reg) -> Result<()> {
        match values {
            RowValues::Exprs(irs) => {
                let ir = &irs[p];
                self.expr_into(ir, ir.root, dest)
            }
            RowValues::Regs(r) => {
                self.b.emit(Op::Copy { src: *r + p as u32, dest, count: 1 });
                Ok(())
            }
            RowValues::Cursor(c) => {
                self.b.emit(Op::Column { cursor: *c, column: p as u32, dest });
                Ok(())
            }
        }
    }

    /// A column's DEFAULT (NULL without one) into `dest`.
    fn default_value(&mut self, table: &Table, j: usize, dest: Reg) -> Result<()> {
        match &table.def.columns[j].default {
            None => {
                self.b.emit(Op::Null { dest, count: 1 });
                Ok(())
            }
            Some(d) => {
                let mut r = Resolver::new(self.catalog);
                let scope = Scope::new(&[], &[], None);
                let (ir, _) = r.statement_expr(&d.expr, &scope, ExprCtx::PLAIN)?;
                self.expr_into(&ir, ir.root, dest)
            }
        }
    }

    /// NOT NULL, CHECK, rowid and UNIQUE checks of a new row (`sqlite3GenerateConstraintChecks`).
    /// `update`: what an UPDATE changes (None for an INSERT, which changes everything).
    /// Returns how the record is to be written: column affinities are applied to the row
    /// (OP_Affinity) before the first CHECK constraint or changed index that needs them,
    /// and otherwise only when the record is made (which keeps a small integral REAL an
    /// integer in the record).
    #[allow(clippy::too_many_arguments)]
    fn constraint_checks(
        &mut self,
        table: &Rc<Table>,
        wc: &WriteCursors,
        row: NewRow,
        update: Option<&UpdateOf>,
        rowid_changes: bool,
        or: Option<ConflictResolution>,
        ignore: Label,
    ) -> Result<crate::eval::affinity::RecordPath> {
        let def = &table.def;
        let old_rowid = update.map(|u| u.old_rowid);
        let resolve = |c: Option<ConflictResolution>| or.or(c).unwrap_or(ConflictResolution::Abort);
        // NOT NULL. A column whose REPLACE put its default in place is checked again as
        // ABORT (the second pass of sqlite3GenerateConstraintChecks): a NULL default fails.
        let mut replaced = Vec::new();
        for (j, col) in def.columns.iter().enumerate() {
            if !col.not_null || Some(j) == def.rowid_alias {
                continue;
            }
            let reg = row.data + j as u32;
            let message = format!("{}.{}", def.name, col.name);
            let mut action = resolve(col.not_null_conflict);
            if action == ConflictResolution::Replace && col.default.is_none() {
                action = ConflictResolution::Abort;
            }
            match action {
                ConflictResolution::Ignore => {
                    self.b.emit(Op::IsNull { reg, target: ignore.addr() });
                }
                ConflictResolution::Replace => {
                    let ok = self.b.label();
                    self.b.emit(Op::NotNull { reg, target: ok.addr() });
                    self.default_value(table, j, reg)?;
                    self.b.resolve(ok);
                    replaced.push((reg, message));
                }
                a => {
                    self.b.emit(Op::HaltIfNull {
                        reg,
                        message: Rc::from(format!("NOT NULL constraint failed: {message}")),
                        action: on_error(a),
                    });
                }
            }
        }
        for (reg, message) in replaced {
            self.b.emit(Op::HaltIfNull {
                reg,
                message: Rc::from(format!("NOT NULL constraint failed: {message}")),
                action: on_error(ConflictResolution::Abort),
            });
        }
        // The CHECK constraints to evaluate: an UPDATE skips those that read no column it
        // changes (sqlite3ExprReferencesUpdatedColumn; the rowid counts when it changes).
        let mut checks = Vec::with_capacity(def.checks.len());
        for check in &def.checks {
            let ir = self.table_expr(table, &check.expr)?;
            let evaluated = match update {
                None => true,
                Some(u) => {
                    let mut read = BTreeSet::new();
                    self.expr_columns(&ir, &mut read);
                    read.iter().any(|&(_, col)| match col.map(|j| j as usize) {
                        Some(j) if Some(j) != def.rowid_alias => u.columns[j],
                        _ => rowid_changes,
                    })
                }
            };
            if evaluated {
                checks.push((check, ir));
            }
        }
        // Column affinities, before the CHECK constraints and the keys of changed indexes.
        let changes_an_index = update.map_or(!table.indexes.is_empty(), |u| u.indexes.contains(&true));
        let needs_affinity = !checks.is_empty() || changes_an_index;
        let affinities: Rc<[Affinity]> = def.columns.iter().map(|c| c.affinity).collect();
        if needs_affinity {
            self.b.emit(Op::Affinity { start: row.data, affinities: affinities.clone() });
        }
        // CHECK constraints see the row's columns through substitution.
        if !checks.is_empty() {
            let action = resolve(None);
            let map = (0..def.columns.len())
                .map(|j| {
                    let reg = if Some(j) == def.rowid_alias { row.rowid } else { row.data + j as u32 };
                    ((u32::MAX, Some(j as u32)), reg)
                })
                .chain(std::iter::once(((u32::MAX, None), row.rowid)))
                .collect();
            self.subst.push(map);
            let r = (|| {
                for (check, ir) in &checks {
                    let ok = self.b.label();
                    self.expr_jump(ir, ir.root, ok, true, true)?;
                    match action {
                        ConflictResolution::Ignore => {
                            self.b.emit(Op::Goto { target: ignore.addr() });
                        }
                        a => {
                            let a = if a == ConflictResolution::Replace { ConflictResolution::Abort } else { a };
                            self.halt_constraint(
                                ConstraintKind::Check,
                                format!("CHECK constraint failed: {}", check.name),
                                a,
                            );
                        }
                    }
                    self.b.resolve(ok);
                }
                Ok(())
            })();
            self.subst.pop();
            r?;
        }
        // A REPLACE resolution below has deleted something: an ABORT after it must undo that.
        let mut deleted = false;
        // The rowid's uniqueness.
        if rowid_changes {
            let ok = self.b.label();
            if let Some(old) = old_rowid {
                self.b.emit(super::expr::compare_jump(
                    crate::eval::compare::CmpOp::Eq,
                    row.rowid,
                    old,
                    None,
                    crate::format::value::Collation::Binary,
                    ok,
                    false,
                ));
            }
            self.b.emit(Op::SeekRowid { cursor: wc.table, reg: row.rowid, not_found: ok.addr() });
            match resolve(def.rowid_conflict) {
                ConflictResolution::Ignore => {
                    self.b.emit(Op::Goto { target: ignore.addr() });
                }
                ConflictResolution::Replace => {
                    // The old row's index entries go; the row itself is overwritten. Without
                    // indexes nothing is written before the row (sqlite3MultiWrite only then).
                    self.delete_index_entries(table, wc, wc.table)?;
                    deleted = !table.indexes.is_empty();
                    self.info.multi_write |= deleted;
                }
                a => {
                    let (kind, label) = match def.rowid_alias {
                        Some(i) => (ConstraintKind::PrimaryKey, format!("{}.{}", def.name, def.columns[i].name)),
                        None => (ConstraintKind::RowId, format!("{}.rowid", def.name)),
                    };
                    self.halt_constraint(kind, format!("UNIQUE constraint failed: {label}"), a);
                }
            }
            self.b.resolve(ok);
        }
        // UNIQUE indexes, in index order; an UPDATE checks only those whose entries change
        // (sqlite3GenerateConstraintChecks skips an index whose aRegIdx is 0): an entry that
        // stays is the row's own and cannot conflict.
        for (ix, idx) in table.indexes.iter().enumerate() {
            if !idx.def.unique || update.is_some_and(|u| !u.indexes[ix]) {
                continue;
            }
            let key = self.index_key_from_row(table, idx, row)?;
            let ok = self.b.label();
            let cursor = wc.indexes[ix];
            self.b.emit(Op::NoConflict { cursor, key, count: idx.def.key_len as u32, target: ok.addr() });
            let action = resolve(idx.def.on_conflict);
            let conflict_rowid = self.b.reg();
            if old_rowid.is_some() || action == ConflictResolution::Replace {
                self.b.emit(Op::Rowid { cursor, dest: conflict_rowid });
                if let Some(old) = old_rowid {
                    self.b.emit(super::expr::compare_jump(
                        crate::eval::compare::CmpOp::Eq,
                        conflict_rowid,
                        old,
                        None,
                        crate::format::value::Collation::Binary,
                        ok,
                        false,
                    ));
                }
            }
            match action {
                ConflictResolution::Ignore => {
                    self.b.emit(Op::Goto { target: ignore.addr() });
                }
                ConflictResolution::Replace => {
                    // Delete the conflicting row and its index entries, this index's entry
                    // last, after the row (sqlite3GenerateRowDelete with iIdxNoSeek = this
                    // index's cursor): the order decides which freed overflow page becomes
                    // the freelist trunk, and so which page the new row's overflow gets.
                    let gone = self.b.label();
                    self.b.emit(Op::SeekRowid { cursor: wc.table, reg: conflict_rowid, not_found: gone.addr() });
                    self.delete_index_entries_but(table, wc, wc.table, Some(ix))?;
                    let own = self.index_entry_delete(table, wc, wc.table, ix)?;
                    self.b.emit(Op::Delete { cursor: wc.table, count_change: false, save_position: false });
                    self.b.emit(own);
                    self.b.resolve(gone);
                    deleted = true;
                }
                a => {
                    // An ABORT after a REPLACE's delete must undo it. REPLACE indexes come
                    // last (sqlite3CreateIndex's order), but the rowid's REPLACE is not
                    // deferred behind them as in SQLite, so this can happen here.
                    self.info.multi_write |= deleted && on_error(a) == OnError::Abort;
                    let (kind, message) = unique_message(table, idx);
                    self.halt_constraint(kind, message, a);
                }
            }
            self.b.resolve(ok);
        }
        Ok(if needs_affinity {
            crate::eval::affinity::RecordPath::Affinity
        } else {
            crate::eval::affinity::RecordPath::MakeRecord
        })
    }

    /// A CHECK expression of `table`, resolved against the row being written (its columns
    /// are substituted by the caller under the pseudo-cursor `u32::MAX`).
    fn table_expr(&mut self, table: &Rc<Table>, e: &Expr) -> Result<Ir> {
        let source =
            Source::of_table(u32::MAX, table.def.name.clone(), table.clone(), super::query::JoinType::Inner, None);
        let mut r = Resolver::new(self.catalog);
        let sources = [source];
        let scope = Scope::new(&sources, &[], None);
        let (ir, _) = r.statement_expr(e, &scope, ExprCtx::PLAIN)?;
        Ok(ir)
    }

    /// The entry of index `idx` for the new row, into fresh registers (key columns with
    /// affinity applied, then the rowid).
    fn index_key_from_row(&mut self, table: &Table, idx: &Index, row: NewRow) -> Result<Reg> {
        let n = idx.def.columns.len() as u32;
        let key = self.b.regs(n);
        for (i, c) in idx.def.columns.iter().enumerate() {
            let src = match c.target {
                IndexTarget::Column(j) if Some(j) != table.def.rowid_alias => row.data + j as u32,
                IndexTarget::Column(_) | IndexTarget::Rowid => row.rowid,
                IndexTarget::Expr(_) => return Err(err("indexes on expressions are not supported yet")),
            };
            self.b.emit(Op::Copy { src, dest: key + i as u32, count: 1 });
        }
        Ok(key)
    }

    /// Deletes the index entries of the row the table cursor stands on
    /// (`sqlite3GenerateRowIndexDelete`), reading its columns.
    fn delete_index_entries(&mut self, table: &Table, wc: &WriteCursors, table_cursor: u32) -> Result<()> {
        self.delete_index_entries_but(table, wc, table_cursor, None)
    }

    /// [`Self::delete_index_entries`], except the entry of index `skip` (SQLite's
    /// iIdxNoSeek: the index a one-pass DELETE's loop runs through, whose cursor stands on
    /// the entry and deletes it after the row, as sqlite3GenerateRowDelete orders them).
    fn delete_index_entries_but(
        &mut self,
        table: &Table,
        wc: &WriteCursors,
        table_cursor: u32,
        skip: Option<usize>,
    ) -> Result<()> {
        for ix in 0..table.indexes.len() {
            if skip != Some(ix) {
                let delete = self.index_entry_delete(table, wc, table_cursor, ix)?;
                self.b.emit(delete);
            }
        }
        Ok(())
    }

    /// Reads the key of index `ix`'s entry for the row the table cursor stands on into
    /// registers and returns the instruction that deletes that entry, for the caller to
    /// emit now or after the row's own deletion.
    fn index_entry_delete(&mut self, table: &Table, wc: &WriteCursors, table_cursor: u32, ix: usize) -> Result<Op> {
        let idx = &table.indexes[ix];
        let n = idx.def.columns.len() as u32;
        let key = self.b.regs(n);
        for (i, c) in idx.def.columns.iter().enumerate() {
            let dest = key + i as u32;
            match c.target {
                IndexTarget::Column(j) if Some(j) != table.def.rowid_alias => {
                    self.b.emit(Op::Column { cursor: table_cursor, column: j as u32, dest });
                    if table.def.columns[j].affinity == Affinity::Real {
                        self.b.emit(Op::RealAffinity { reg: dest });
                    }
                }
                IndexTarget::Column(_) | IndexTarget::Rowid => {
                    self.b.emit(Op::Rowid { cursor: table_cursor, dest });
                }
                IndexTarget::Expr(_) => return Err(err("indexes on expressions are not supported yet")),
            }
        }
        Ok(Op::IdxDelete { cursor: wc.indexes[ix], key, count: n })
    }

    /// The second pass of a two-pass UPDATE or DELETE: for each rowid of the ephemeral table
    /// `set` (column 0), in order, seeks `table_cursor` to it and runs `body` with the
    /// register holding the rowid and the label of the next one (a row gone since the first
    /// pass is skipped).
    fn over_collected_rows(
        &mut self,
        set: u32,
        table_cursor: u32,
        body: impl FnOnce(&mut Self, Reg, Label) -> Result<()>,
    ) -> Result<()> {
        let done = self.b.label();
        self.b.emit(Op::Rewind { cursor: set, if_empty: done.addr() });
        let top = self.b.current_addr();
        let next = self.b.label();
        let rowid = self.b.reg();
        self.b.emit(Op::Column { cursor: set, column: 0, dest: rowid });
        self.b.emit(Op::SeekRowid { cursor: table_cursor, reg: rowid, not_found: next.addr() });
        body(self, rowid, next)?;
        self.b.resolve(next);
        self.b.emit(Op::Next { cursor: set, target: top });
        self.b.resolve(done);
        Ok(())
    }

    /// Writes the new row's index entries, then the row (`sqlite3CompleteInsertion`). With
    /// `only`, just those indexes get entries (an UPDATE that changes no other). With
    /// `opts.use_seek_result` (an INSERT) every write goes where its cursor's last seek left
    /// it, if that seek still stands.
    fn complete_insertion(
        &mut self,
        table: &Table,
        wc: &WriteCursors,
        row: NewRow,
        only: Option<&[bool]>,
        path: crate::eval::affinity::RecordPath,
        opts: InsertOpts,
    ) -> Result<()> {
        for (ix, idx) in table.indexes.iter().enumerate() {
            if only.is_some_and(|o| !o[ix]) {
                continue;
            }
            let key = self.index_key_from_row(table, idx, row)?;
            // sqlite3CompleteInsertion's useSeekResult covers the index entries too: a
            // unique index's cursor stands where its uniqueness check's seek left it.
            let count = idx.def.columns.len() as u32;
            self.b.emit(Op::IdxInsert {
                cursor: wc.indexes[ix],
                start: key,
                count,
                use_seek_result: opts.use_seek_result,
            });
        }
        let ncols = table.def.columns.len() as u32;
        if path == crate::eval::affinity::RecordPath::MakeRecord {
            // OP_MakeRecord applies the affinities itself, writing integral REAL values as
            // integers.
            let affinities: Rc<[Affinity]> = table.def.columns.iter().map(|c| c.affinity).collect();
            self.b.emit(Op::RecordAffinity { start: row.data, affinities });
        }
        self.b.emit(Op::Insert { cursor: wc.table, start: row.data, count: ncols, rowid: row.rowid, opts });
        Ok(())
    }

    /// Halts with a constraint error.
    fn halt_constraint(&mut self, kind: ConstraintKind, message: String, action: ConflictResolution) {
        self.b.emit(Op::Halt(HaltKind::Error {
            code: ErrorCode::Constraint,
            constraint: Some(kind),
            message,
            action: on_error(action),
        }));
    }

    // ----- UPDATE and DELETE ---------------------------------------------------------------

    /// Resolves the target of an UPDATE or DELETE as the one source of a core, with its WHERE
    /// clause.
    fn target_core(
        &mut self,
        table: &Rc<Table>,
        alias: Option<&crate::sql::ast::Ident>,
        indexed: Option<&crate::sql::ast::IndexedBy>,
        where_clause: Option<&Expr>,
        r: &mut Resolver<'_>,
    ) -> Result<Core> {
        let cursor = r.cursor();
        let name = alias.map_or_else(|| table.def.name.clone(), |a| a.name.clone());
        let source = Source::of_table(cursor, name, table.clone(), super::query::JoinType::Inner, indexed.cloned());
        let sources = vec![source];
        let where_ir = match where_clause {
            None => None,
            Some(w) => {
                let scope = Scope::new(&sources, &[], None);
                Some(r.statement_expr(w, &scope, ExprCtx::PLAIN)?.0)
            }
        };
        Ok(Core {
            sources,
            where_clause: where_ir,
            result: Vec::new(),
            names: Vec::new(),
            values: Vec::new(),
            group_by: Vec::new(),
            having: None,
            distinct: false,
            aggregate: false,
        })
    }

    /// Collects the rowids of the rows `core` selects into a new ephemeral index, sorted and
    /// distinct (SQLite's RowSet, the first pass of an UPDATE or DELETE that cannot change
    /// rows as its loop meets them); returns its cursor.
    fn collect_rowids(&mut self, core: &Core) -> Result<u32> {
        let set = self.b.cursor();
        let wi = self.where_begin_opts(core, None, &[], OnePass::Desired)?;
        self.info.multi_write |= !wi.one_row;
        *self.b.op_mut(wi.top) = Op::OpenEphemeral { cursor: set, key_info: Some(Rc::new(KeyInfo::binary(1))) };
        let r = self.b.reg();
        let cursor = core.sources[0].cursor;
        let rowid =
            crate::eval::ir::ColRef { source: cursor, column: None, affinity: None, collation: None, not_null: true };
        self.column_into(&rowid, r)?;
        self.b.emit(Op::IdxInsert { cursor: set, start: r, count: 1, use_seek_result: false });
        self.where_end(wi)?;
        // The writes that follow read the table itself, not an index it may have used.
        self.covering.remove(&cursor);
        Ok(set)
    }

    /// Takes over the cursor numbers a resolver assigned, and its subqueries.
    fn adopt_cursors(&mut self, r: Resolver<'_>) {
        self.b.reserve_cursors(r.next_cursor);
        let base = self.subqueries.queries.len();
        debug_assert_eq!(base, 0, "one resolver per statement");
        self.subqueries = r.subqueries;
    }
}

/// Where the values of an inserted row come from.
enum RowValues<'a> {
    /// Expressions (one VALUES row).
    Exprs(&'a [Ir]),
    /// The columns of the current row of an ephemeral table.
    Cursor(u32),
    /// Registers from here on (the row a co-routine yielded).
    Regs(Reg),
}

/// Where the rows of an INSERT ... SELECT come from.
enum RowSource {
    /// A temporary table filled first.
    Table(u32),
    /// A co-routine yielding each row into `regs..`.
    Coroutine { ret: Reg, regs: Reg },
}

/// How much a constraint failure undoes.
/// What an UPDATE changes (sqlite3Update's aiChng and aRegIdx), for its constraint checks.
struct UpdateOf {
    /// The row's rowid before the update.
    old_rowid: Reg,
    /// Per column: assigned by SET (the rowid alias excluded: the rowid is `rowid_changes`).
    columns: Vec<bool>,
    /// Per index of the table: its entry changes.
    indexes: Vec<bool>,
}

fn on_error(c: ConflictResolution) -> OnError {
    match c {
        ConflictResolution::Rollback => OnError::Rollback,
        ConflictResolution::Fail => OnError::Fail,
        _ => OnError::Abort,
    }
}

/// SQLite's message for a duplicate key of a UNIQUE index: its columns as `table.column`,
/// and the constraint kind (PRIMARY KEY for a primary-key index).
fn unique_message(table: &Table, idx: &Index) -> (ConstraintKind, String) {
    let cols: Vec<String> = idx
        .def
        .key_columns()
        .iter()
        .map(|c| match c.target {
            IndexTarget::Column(j) => format!("{}.{}", table.def.name, table.def.columns[j].name),
            _ => format!("index '{}'", idx.def.name),
        })
        .collect();
    let kind =
        if idx.def.origin == IndexOrigin::PrimaryKey { ConstraintKind::PrimaryKey } else { ConstraintKind::Unique };
    (kind, format!("UNIQUE constraint failed: {}", cols.join(", ")))
}
