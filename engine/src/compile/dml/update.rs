//! UPDATE on a rowid table (SQLite's update.c, without triggers, foreign keys or views).
//!
//! The rows change in one of two ways, as sqlite3Update chooses between them:
//!
//! * **One pass** (eOnePass): the WHERE loop runs on the table's write cursor and each row
//!   is changed as the loop meets it. SQLite does so when the plan finds at most one row
//!   (ONEPASS_SINGLE; the loop is left after that row), or (ONEPASS_MULTI) when the rowid
//!   does not change, no REPLACE may delete rows, the WHERE clause holds no subquery, and
//!   the loop does not run through an index whose entries the statement changes (it would
//!   meet the moved entries again). Under one pass the loop's index never covers alone: the
//!   table's cursor stands on each row, and after the row is written it stays there (or
//!   seeks back to it after a balance: OPFLAG_SAVEPOSITION) so that the loop goes on.
//! * **Two passes** otherwise: the rowids the WHERE clause selects are collected first
//!   (sorted), then each row is sought and changed.
//!
//! Either way the row's change is the same sequence (`update_row`): the new values (SET
//! expressions reading the old row, the other columns copied), the constraint checks, the
//! old entries of the changed indexes deleted, the row written over the old one (same rowid)
//! or moved (new rowid), then the new entries.
//!
//! The one-pass read of the rowid is the table cursor's OP_Rowid, which parses the row's
//! cell (getCellInfo): a row written back unchanged in size is then overwritten in place,
//! and not at all when its bytes are equal (btreeOverwriteCell), so an UPDATE that changes
//! nothing writes no page, as in SQLite.

use std::rc::Rc;

use super::{InsertOpts, NewRow, UpdateOf, WriteCursors};
use crate::compile::planner::{Access, OnePass};
use crate::compile::resolve::{ExprCtx, Resolver, Scope, is_rowid_name};
use crate::compile::{Compiler, err};
use crate::error::Result;
use crate::eval::ir::Ir;
use crate::schema::{Affinity, IndexTarget};
use crate::sql::ast::{ConflictResolution, Update};
use crate::storage::Table;
use crate::vdbe::Label;
use crate::vdbe::op::{Op, Reg};

/// What one row's change needs to know of the statement.
struct RowChange<'a> {
    table: &'a Rc<Table>,
    /// SET targets: a column, or the rowid (None); the last assignment to a column wins.
    sets: &'a [(Option<usize>, Ir)],
    /// Per index of the table: its entries change.
    changed: &'a [bool],
    rowid_changes: bool,
    or_conflict: Option<ConflictResolution>,
}

impl Compiler<'_> {
    /// Compiles an UPDATE (module documentation).
    pub(super) fn update(&mut self, u: &Update) -> Result<()> {
        if u.with.is_some() || u.from.is_some() || !u.returning.is_empty() {
            return Err(err("WITH, FROM and RETURNING in UPDATE are not supported yet"));
        }
        let table = self.target_table(&u.table)?;
        let def = &table.def;
        let mut r = Resolver::new(self.catalog);
        r.next_cursor = self.b.reserve_next();
        let core = self.target_core(&table, u.alias.as_ref(), u.indexed.as_ref(), u.where_clause.as_ref(), &mut r)?;
        let mut sets: Vec<(Option<usize>, Ir)> = Vec::new();
        {
            let scope = Scope::new(&core.sources, &[], None);
            for a in &u.assignments {
                if a.columns.len() != 1 {
                    return Err(err("assignments of row values are not supported yet"));
                }
                let name = a.columns[0].as_str();
                let target = match def.column_index(name) {
                    Some(j) if Some(j) == def.rowid_alias => None,
                    Some(j) => Some(j),
                    None if is_rowid_name(name) => None,
                    None => return Err(err(format!("no such column: {name}"))),
                };
                let (ir, _) = r.statement_expr(&a.value, &scope, ExprCtx::PLAIN)?;
                sets.retain(|(t, _)| *t != target);
                sets.push((target, ir));
            }
        }
        self.adopt_cursors(r);
        let rowid_changes = sets.iter().any(|(t, _)| t.is_none());
        // The indexes whose entries change: a key column assigned, or the rowid.
        let changed: Vec<bool> = table
            .indexes
            .iter()
            .map(|idx| {
                rowid_changes
                    || idx.def.columns.iter().any(|c| match c.target {
                        IndexTarget::Column(j) => sets.iter().any(|(t, _)| *t == Some(j)),
                        _ => false,
                    })
            })
            .collect();
        // sqlite3Update's WHERE_ONEPASS_MULTIROW: no new rowid, no REPLACE that might delete
        // rows (the statement's, or a changed index's own), no subquery in WHERE (and no
        // triggers or foreign keys, which the engine does not run).
        let replace = match u.or_conflict {
            Some(c) => c == ConflictResolution::Replace,
            None => table
                .indexes
                .iter()
                .zip(&changed)
                .any(|(idx, &ch)| ch && idx.def.on_conflict == Some(ConflictResolution::Replace)),
        };
        let where_subquery =
            core.where_clause.as_ref().is_some_and(|w| crate::compile::expr::subtree_has_subquery(w, w.root));
        let multi_row = !rowid_changes && !replace && !where_subquery;
        let (plan, one_row) = self.where_plan(&core, OnePass::Desired)?;
        let loop_index = plan.first().and_then(|lp| match lp.access {
            Access::Index { index, .. } | Access::CoveringScan { index } => Some(index),
            _ => None,
        });
        let one_pass = one_row || (multi_row && loop_index.is_none_or(|ix| !changed[ix]));
        let change =
            RowChange { table: &table, sets: &sets, changed: &changed, rowid_changes, or_conflict: u.or_conflict };
        if one_pass {
            let wc = self.open_write(&table, core.sources[0].cursor);
            let wi = self.where_begin_opts(&core, None, &[], OnePass::Open { index_cursors: &wc.indexes })?;
            self.info.multi_write |= !wi.one_row;
            let old_rowid = self.b.reg();
            self.b.emit(Op::Rowid { cursor: wc.table, dest: old_rowid });
            // A row skipped (OR IGNORE) goes on to the next row; a single row's plan ends
            // (SQLite's labelContinue is labelBreak for ONEPASS_SINGLE: the checks may have
            // moved the loop's own index cursor, which must not step on from there).
            let (cont, brk) = (wi.cont, wi.brk);
            let next = if one_row { brk } else { cont };
            self.update_row(&change, &wc, old_rowid, next, !one_row)?;
            if one_row {
                self.b.emit(Op::Goto { target: brk.addr() });
            }
            return self.where_end(wi);
        }
        let set = self.collect_rowids(&core)?;
        let wc = self.open_write(&table, core.sources[0].cursor);
        self.over_collected_rows(set, wc.table, |this, old_rowid, next| {
            this.update_row(&change, &wc, old_rowid, next, false)
        })
    }

    /// Changes the row table cursor `wc.table` stands on, whose rowid is in `old_rowid`; a
    /// row the checks skip (OR IGNORE) or that vanished goes to `next`. `save_position`:
    /// the cursor must stay on the row for the loop that meets it (one pass, several rows).
    fn update_row(
        &mut self,
        change: &RowChange<'_>,
        wc: &WriteCursors,
        old_rowid: Reg,
        next: Label,
        save_position: bool,
    ) -> Result<()> {
        let table = change.table;
        let def = &table.def;
        let ncols = def.columns.len() as u32;
        // New values: assigned expressions (reading the old row), else the old values.
        let row = NewRow { rowid: self.b.reg(), data: self.b.regs(ncols) };
        match change.sets.iter().find(|(t, _)| t.is_none()) {
            Some((_, ir)) => {
                self.expr_into(ir, ir.root, row.rowid)?;
                self.b.emit(Op::MustBeInt { reg: row.rowid, target: None });
            }
            None => {
                self.b.emit(Op::Copy { src: old_rowid, dest: row.rowid, count: 1 });
            }
        }
        for j in 0..ncols as usize {
            let dest = row.data + j as u32;
            if Some(j) == def.rowid_alias {
                self.b.emit(Op::Null { dest, count: 1 });
                continue;
            }
            match change.sets.iter().find(|(t, _)| *t == Some(j)) {
                Some((_, ir)) => self.expr_into(ir, ir.root, dest)?,
                None => {
                    self.b.emit(Op::Column { cursor: wc.table, column: j as u32, dest });
                    if def.columns[j].affinity == Affinity::Real {
                        self.b.emit(Op::RealAffinity { reg: dest });
                    }
                }
            }
        }
        let columns = (0..def.columns.len()).map(|j| change.sets.iter().any(|(t, _)| *t == Some(j))).collect();
        let update_of = UpdateOf { old_rowid, columns, indexes: change.changed.to_vec() };
        let path =
            self.constraint_checks(table, wc, row, Some(&update_of), change.rowid_changes, change.or_conflict, next)?;
        // The old row's changed index entries go, then the row moves or is overwritten. The
        // checks may have moved the table's cursor (a REPLACE, the rowid's check): seek
        // again (a cursor still on the row does not move).
        self.b.emit(Op::SeekRowid { cursor: wc.table, reg: old_rowid, not_found: next.addr() });
        for ix in (0..table.indexes.len()).filter(|&ix| change.changed[ix]) {
            let delete = self.index_entry_delete(table, wc, wc.table, ix)?;
            self.b.emit(delete);
        }
        if change.rowid_changes {
            let same = self.b.label();
            self.b.emit(crate::compile::expr::compare_jump(
                crate::eval::compare::CmpOp::Eq,
                row.rowid,
                old_rowid,
                None,
                crate::format::value::Collation::Binary,
                same,
                false,
            ));
            self.b.emit(Op::Delete { cursor: wc.table, count_change: false, save_position: false });
            self.b.resolve(same);
        }
        let opts = InsertOpts { count_change: true, set_last_rowid: false, use_seek_result: false, save_position };
        self.complete_insertion(table, wc, row, Some(change.changed), path, opts)
    }
}
