//! Compound SELECTs (SQLite's `multiSelect`): UNION ALL streams its parts in order; UNION,
//! EXCEPT and INTERSECT collect rows into ephemeral indexes keyed by every column (so their
//! result comes out in that index's order, as SQLite's does). Operators apply left to right:
//! `a UNION b EXCEPT c` is `(a UNION b) EXCEPT c`. ORDER BY and LIMIT apply to the whole.
//!
//! SQLite 3.54 merges the sorted sides of UNION, EXCEPT and INTERSECT as co-routines
//! (`multiSelectByMerge`); the indexes give the same rows, with the merge's choice among
//! rows that compare equal (UNION keeps the right side's) and its early end (no right side
//! after an empty left side of EXCEPT or INTERSECT). The merge's laziness is not modelled
//! further: a side whose order comes from an index, not a sort, is read only as far as the
//! merge needs, where the engine reads it whole.

use super::Compiler;
use super::query::{Core, Query};
use super::select::{Dest, Limits, RowSink};
use crate::error::Result;
use crate::format::value::Collation;
use crate::sql::ast::CompoundOp;
use crate::vdbe::op::Op;

impl Compiler<'_> {
    /// A compound query into `dest`.
    pub(super) fn compound(&mut self, q: &Query, dest: &Dest) -> Result<()> {
        let brk = self.b.label();
        let limits = self.limits(q, dest, brk)?;
        let n_columns = q.columns.len() as u32;
        let collations = self.compound_collations(q);
        let order_by = (!q.order_by.is_empty()).then_some(&q.order_by[..]);
        let sorter = order_by.map(|terms| (self.open_compound_sorter(terms, &collations), terms));
        if sorter.is_some() {
            self.plan_row("USE TEMP B-TREE FOR ORDER BY".to_string());
        }
        let sink = RowSink { dest, n_columns, sorter, block: None, distinct: None, limits, brk };
        self.compound_part(q, q.cores.len() - 1, &sink, &collations)?;
        if let Some((cursor, terms)) = sorter {
            self.sorter_output(cursor, terms, &sink)?;
        }
        self.b.resolve(brk);
        Ok(())
    }

    /// The rows of `cores[0..=last]` combined by their operators, into `sink`.
    fn compound_part(&mut self, q: &Query, last: usize, sink: &RowSink<'_>, collations: &[Collation]) -> Result<()> {
        if last == 0 {
            return self.core_rows(&q.cores[0], sink);
        }
        let op = q.ops[last - 1];
        let n = sink.n_columns;
        match op {
            CompoundOp::UnionAll => {
                self.compound_part(q, last - 1, sink, collations)?;
                self.core_rows(&q.cores[last], sink)
            }
            CompoundOp::Union => {
                let idx = self.b.cursor();
                self.open_set(idx, collations.to_vec());
                self.plan_row("UNION USING TEMP B-TREE".to_string());
                let brk = self.b.label();
                self.compound_part(q, last - 1, &plain_sink(&Dest::Union { cursor: idx }, n, brk), collations)?;
                // SQLite merges the sorted sides (multiSelectByMerge) and, of a left row and a
                // right row that compare equal (1 and 1.0, 'a' and 'A' under NOCASE), outputs
                // the right one; of equal rows of one side, the first. So the right side's
                // rows, the first of equal ones kept, replace equal rows of the left side.
                let right = self.b.cursor();
                self.open_set(right, collations.to_vec());
                self.core_rows(&q.cores[last], &plain_sink(&Dest::Union { cursor: right }, n, brk))?;
                let done = self.b.label();
                self.b.emit(Op::Rewind { cursor: right, if_empty: done.addr() });
                let top = self.b.current_addr();
                let row = self.b.regs(n);
                for i in 0..n {
                    self.b.emit(Op::Column { cursor: right, column: i, dest: row + i });
                }
                let insert = self.b.label();
                self.b.emit(Op::Found { cursor: idx, key: row, count: n, target: insert.addr(), negated: true });
                self.b.emit(Op::Delete { cursor: idx, count_change: false, save_position: false });
                self.b.resolve(insert);
                self.b.emit(Op::IdxInsert { cursor: idx, start: row, count: n, use_seek_result: false });
                self.b.emit(Op::Next { cursor: right, target: top });
                self.b.resolve(done);
                self.index_rows(idx, None, sink)
            }
            CompoundOp::Except => {
                let idx = self.b.cursor();
                self.open_set(idx, collations.to_vec());
                self.plan_row("EXCEPT USING TEMP B-TREE".to_string());
                let brk = self.b.label();
                self.compound_part(q, last - 1, &plain_sink(&Dest::Union { cursor: idx }, n, brk), collations)?;
                // The merge ends when the left side has no row: the right side never runs.
                let output = self.b.label();
                self.b.emit(Op::Rewind { cursor: idx, if_empty: output.addr() });
                self.core_rows(&q.cores[last], &plain_sink(&Dest::Except { cursor: idx }, n, brk))?;
                self.b.resolve(output);
                self.index_rows(idx, None, sink)
            }
            CompoundOp::Intersect => {
                let left = self.b.cursor();
                self.open_set(left, collations.to_vec());
                self.plan_row("INTERSECT USING TEMP B-TREE".to_string());
                let brk = self.b.label();
                self.compound_part(q, last - 1, &plain_sink(&Dest::Union { cursor: left }, n, brk), collations)?;
                let right = self.b.cursor();
                self.open_set(right, collations.to_vec());
                // The merge ends when the left side has no row: the right side never runs.
                let output = self.b.label();
                self.b.emit(Op::Rewind { cursor: left, if_empty: output.addr() });
                self.core_rows(&q.cores[last], &plain_sink(&Dest::Union { cursor: right }, n, brk))?;
                self.b.resolve(output);
                self.index_rows(left, Some(right), sink)
            }
        }
    }

    /// The rows of an ephemeral index, in order, into `sink`; with `filter`, only those also
    /// in that index.
    fn index_rows(&mut self, idx: u32, filter: Option<u32>, sink: &RowSink<'_>) -> Result<()> {
        let n = sink.n_columns;
        let done = self.b.label();
        self.b.emit(Op::Rewind { cursor: idx, if_empty: done.addr() });
        let top = self.b.current_addr();
        let cont = self.b.label();
        let res = self.b.regs(n);
        for i in 0..n {
            self.b.emit(Op::Column { cursor: idx, column: i, dest: res + i });
        }
        if let Some(f) = filter {
            self.b.emit(Op::Found { cursor: f, key: res, count: n, target: cont.addr(), negated: true });
        }
        self.finish_row(res, sink, cont)?;
        self.b.resolve(cont);
        self.b.emit(Op::Next { cursor: idx, target: top });
        self.b.resolve(done);
        Ok(())
    }

    /// The rows of one core (its own loops, no ORDER BY or LIMIT) into `sink`.
    pub(super) fn core_rows(&mut self, core: &Core, sink: &RowSink<'_>) -> Result<()> {
        let distinct = if core.distinct {
            let cursor = self.b.cursor();
            let collations =
                core.result.iter().map(|ir| ir.collation(ir.root).ok().flatten().unwrap_or_default()).collect();
            self.open_set(cursor, collations);
            Some(cursor)
        } else {
            None
        };
        let inner = RowSink { distinct, ..copy_sink(sink) };
        if core.aggregate {
            return self.aggregate_core(core, &inner, &[], &[]);
        }
        if !core.values.is_empty() {
            return self.values_rows(core, &inner);
        }
        let wi = self.where_begin(core, None)?;
        let cont = wi.cont;
        self.result_row(&core.result, &inner, cont)?;
        self.where_end(wi)
    }

    /// The collation of each column of a compound: that of the leftmost core whose column
    /// has one (`multiSelectCollSeq`), BINARY otherwise.
    fn compound_collations(&self, q: &Query) -> Vec<Collation> {
        (0..q.columns.len())
            .map(|i| {
                q.cores
                    .iter()
                    .find_map(|c| c.result.get(i).and_then(|ir| ir.collation(ir.root).ok().flatten()))
                    .unwrap_or_default()
            })
            .collect()
    }
}

/// A sink that sends rows straight to `dest` (no ORDER BY, DISTINCT or LIMIT; `brk` is
/// never jumped to).
fn plain_sink(dest: &Dest, n: u32, brk: crate::vdbe::Label) -> RowSink<'_> {
    RowSink { dest, n_columns: n, sorter: None, block: None, distinct: None, limits: Limits::default(), brk }
}

fn copy_sink<'a>(s: &RowSink<'a>) -> RowSink<'a> {
    RowSink {
        dest: s.dest,
        n_columns: s.n_columns,
        sorter: s.sorter,
        block: s.block.clone(),
        distinct: s.distinct,
        limits: s.limits,
        brk: s.brk,
    }
}
