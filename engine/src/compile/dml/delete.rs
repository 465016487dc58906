//! DELETE on a rowid table (SQLite's delete.c, without triggers, foreign keys or views).
//!
//! Without a WHERE clause every b-tree of the table is cleared (the truncate optimization,
//! which counts the rows). Otherwise the rows go as sqlite3DeleteFrom chooses:
//!
//! * **One pass** (eOnePass): when the plan finds at most one row (ONEPASS_SINGLE, the loop
//!   is left after it), or when the WHERE clause holds no subquery (ONEPASS_MULTI). The WHERE
//!   loop runs on the statement's write cursors (the table's, and the index's it runs
//!   through) and each row is deleted as the loop meets it (sqlite3GenerateRowDelete): the
//!   entries of the other indexes, sought by key; the row; then the loop's own index entry
//!   through the loop's cursor, which stands on it (iIdxNoSeek). The last delete of a row
//!   keeps its cursor's place (OPFLAG_SAVEPOSITION, several rows): on the page when no
//!   balance follows, else by the deleted key, so that the loop's next step goes on from
//!   there without seeking from the root.
//! * **Two passes** otherwise: the rowids are collected first (sorted), then each row is
//!   sought and deleted with its index entries.

use crate::compile::planner::{Access, OnePass};
use crate::compile::resolve::Resolver;
use crate::compile::{Compiler, CursorSource, err};
use crate::error::Result;
use crate::sql::ast::Delete;
use crate::vdbe::op::Op;

impl Compiler<'_> {
    /// Compiles a DELETE (module documentation).
    pub(super) fn delete(&mut self, d: &Delete) -> Result<()> {
        if d.with.is_some() || !d.returning.is_empty() {
            return Err(err("WITH and RETURNING in DELETE are not supported yet"));
        }
        let table = self.target_table(&d.table)?;
        let mut r = Resolver::new(self.catalog);
        r.next_cursor = self.b.reserve_next();
        let core = self.target_core(&table, d.alias.as_ref(), d.indexed.as_ref(), d.where_clause.as_ref(), &mut r)?;
        self.adopt_cursors(r);
        let cursor = core.sources[0].cursor;
        if core.where_clause.is_none() {
            self.cursors.insert(cursor, CursorSource::Table(table.clone()));
            self.b.emit(Op::Clear { root: table.root, count_changes: true });
            for idx in &table.indexes {
                self.b.emit(Op::Clear { root: idx.root, count_changes: false });
            }
            return Ok(());
        }
        let where_subquery =
            core.where_clause.as_ref().is_some_and(|w| crate::compile::expr::subtree_has_subquery(w, w.root));
        let (plan, one_row) = self.where_plan(&core, OnePass::Desired)?;
        if one_row || !where_subquery {
            let wc = self.open_write(&table, cursor);
            let wi = self.where_begin_opts(&core, None, &[], OnePass::Open { index_cursors: &wc.indexes })?;
            self.info.multi_write |= !wi.one_row;
            let loop_index = plan.first().and_then(|lp| match lp.access {
                Access::Index { index, .. } | Access::CoveringScan { index } => Some(index),
                _ => None,
            });
            self.delete_index_entries_but(&table, &wc, wc.table, loop_index)?;
            let multi = !one_row;
            match loop_index {
                None => {
                    self.b.emit(Op::Delete { cursor: wc.table, count_change: true, save_position: multi });
                }
                Some(ix) => {
                    self.b.emit(Op::Delete { cursor: wc.table, count_change: true, save_position: false });
                    self.b.emit(Op::Delete { cursor: wc.indexes[ix], count_change: false, save_position: multi });
                }
            }
            if one_row {
                self.b.emit(Op::Goto { target: wi.brk.addr() });
            }
            return self.where_end(wi);
        }
        let set = self.collect_rowids(&core)?;
        let wc = self.open_write(&table, cursor);
        self.over_collected_rows(set, wc.table, |this, _, _| {
            this.delete_index_entries(&table, &wc, wc.table)?;
            this.b.emit(Op::Delete { cursor: wc.table, count_change: true, save_position: false });
            Ok(())
        })
    }
}
