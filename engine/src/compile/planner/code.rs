//! Loop code (SQLite's `sqlite3WhereBegin` / `sqlite3WhereCodeOneLoopStart` /
//! `sqlite3WhereEnd`).
//!
//! For each level, outermost first:
//!
//! ```text
//!   [LEFT JOIN: match = 0]
//!   loop start by access path            (exhausted → brk)
//!   [LEFT JOIN: ON terms; match = 1]     (addr_first: where the null row re-enters)
//!   terms testable here                  (false → cont)
//!     ... inner levels, then the body ...
//! cont:
//!   next entry → loop start
//! brk:
//!   [LEFT JOIN: if !match: null row, goto addr_first]
//! ```

use std::collections::BTreeSet;
use std::rc::Rc;

use super::explain::{bloom_line, loop_line};
use super::order::at_most_one_row;
use super::solver::{Order, choose};
use super::terms::{ConstraintOp, Term, split_terms};
use super::{Access, ConsRef, LoopPlan};
use crate::btree::KeyInfo;
use crate::compile::query::{Core, JoinType, OrderTerm, SourceKind};
use crate::compile::{Compiler, Covering, CursorSource};
use crate::error::{Error, Result};
use crate::eval::affinity::comparison_affinity;
use crate::eval::compare::CmpOp;
use crate::eval::ir::{Ir, Kind, NodeId};
use crate::format::value::Collation;
use crate::schema::{Affinity, IndexTarget};
use crate::sql::ast::SortOrder;
use crate::vdbe::Label;
use crate::vdbe::op::{Addr, CmpOutput, NullMode, Op, Reg, SeekKind, TreeSpec};

/// How a WHERE clause's loops serve a statement that changes the rows of its only source
/// (SQLite's WHERE_ONEPASS_DESIRED).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OnePass<'a> {
    /// A query.
    No,
    /// An UPDATE or DELETE: the plan makes no full scan of a covering index unless it must
    /// (whereLoopAddBtree under WHERE_ONEPASS_DESIRED).
    Desired,
    /// An UPDATE or DELETE changing each row as the loops meet it (eOnePass): the table's
    /// cursor is already open for writing and the loops read the table through it, never
    /// through an index alone; a loop through an index reads it through the statement's
    /// write cursor on that index, `index_cursors[i]` for the table's index i (SQLite's
    /// aiCurOnePass).
    Open { index_cursors: &'a [u32] },
}

impl OnePass<'_> {
    /// The statement changes the source's rows.
    fn desired(self) -> bool {
        self != OnePass::No
    }
}

/// The loops of a core, open: what the body needs and what `where_end` closes.
pub(crate) struct WhereInfo {
    /// The next row of the innermost loop.
    pub cont: Label,
    /// After all loops.
    pub brk: Label,
    /// A placeholder instruction before the loops (where a sorter can be opened late).
    pub top: Addr,
    /// The loops deliver rows in the order asked for (ORDER BY terms in order, or GROUP BY
    /// groups together).
    pub ordered: bool,
    /// A GROUP BY delivered whole comes in its terms' order and directions too.
    pub sorted: bool,
    /// How many leading terms of the order asked for the loops deliver (all when `ordered`;
    /// fewer: the rest is sorted in blocks of equal leading terms).
    pub ob_sat: usize,
    /// The loops visit at most one row (SQLite's WHERE_ONEROW on the only loop).
    pub one_row: bool,
    levels: Vec<LevelEnd>,
    /// Where a missing table row (a corrupt index) is reported, if a level can find one.
    corrupt: Option<Label>,
}

/// What closes one level.
struct LevelEnd {
    cont: Label,
    brk: Label,
    /// The instruction that steps the loop (None for a single-row level).
    step: Option<Op>,
    /// Loops over IN values, innermost first: (continue label, step instruction).
    in_loops: Vec<(Label, Op)>,
    /// A LEFT JOIN: the match flag, where the null row re-enters, the cursors to null.
    left: Option<(Reg, Label, Vec<u32>)>,
}

impl Compiler<'_> {
    /// Opens the loops of `core`'s sources. `order_by`: the ORDER BY the loops might
    /// deliver.
    pub fn where_begin(&mut self, core: &Core, order_by: Option<&[OrderTerm]>) -> Result<WhereInfo> {
        self.where_begin_with(core, order_by.map(|terms| Order { terms, group: false, sort_by_group: false }), &[])
    }

    /// [`Compiler::where_begin`] for the order `order` (ORDER BY or GROUP BY terms), the loops
    /// also reading the columns of `reads` (expressions outside the core computed in the
    /// loops, such as the aggregates of an ORDER BY).
    pub fn where_begin_with(&mut self, core: &Core, order: Option<Order<'_>>, reads: &[&Ir]) -> Result<WhereInfo> {
        self.where_begin_opts(core, order, reads, OnePass::No)
    }

    /// The plan [`Compiler::where_begin_opts`] would code for `core` under `one_pass`,
    /// without coding it: the loops, and whether they visit at most one row.
    pub fn where_plan(&self, core: &Core, one_pass: OnePass<'_>) -> Result<(Vec<LoopPlan>, bool)> {
        let terms = split_terms(self, core);
        let mut used = BTreeSet::new();
        self.core_columns(core, None, &mut used);
        let plan = choose(core, &terms, &used, None, one_pass.desired())?.loops;
        let one_row = match plan.as_slice() {
            [lp] => at_most_one_row(core, lp, &terms),
            _ => false,
        };
        Ok((plan, one_row))
    }

    /// [`Compiler::where_begin_with`] for a statement that changes the rows of its only
    /// source as `one_pass` says.
    pub fn where_begin_opts(
        &mut self,
        core: &Core,
        order: Option<Order<'_>>,
        reads: &[&Ir],
        one_pass: OnePass<'_>,
    ) -> Result<WhereInfo> {
        let top = self.b.emit(crate::vdbe::op::Op::Noop);
        let brk = self.b.label();
        let terms = split_terms(self, core);
        let mut used = BTreeSet::new();
        self.core_columns(core, order.map(|o| o.terms), &mut used);
        for ir in reads {
            self.expr_columns(ir, &mut used);
        }
        let chosen = choose(core, &terms, &used, order, one_pass.desired())?;
        let mut plan = chosen.loops;
        let ordered = order.is_some_and(|o| chosen.ordered == o.terms.len());
        let sorted = ordered && chosen.sorted;
        let ob_sat = chosen.ordered;
        let write_indexes = match one_pass {
            OnePass::Open { index_cursors } => Some(index_cursors),
            _ => None,
        };
        if write_indexes.is_some() {
            // The statement reads and changes the row through the table's cursor: an index
            // that covers the WHERE clause still leads to the row (SQLite clears
            // WHERE_IDX_ONLY for a one-pass plan).
            for lp in &mut plan {
                match &mut lp.access {
                    Access::Index { covering, .. } => *covering = false,
                    Access::CoveringScan { index } => {
                        let index = *index;
                        lp.access = Access::Index { index, eq: Vec::new(), lower: None, upper: None, covering: false };
                    }
                    _ => {}
                }
            }
        }
        let mut coded = vec![false; terms.len()];
        // Constant terms decide before any loop whether there is a row at all.
        for (t, term) in terms.iter().enumerate() {
            if term.prereq == 0 && term.constant && term.on_level.is_none() {
                self.expr_jump(term.ir, term.node, brk, false, true)?;
                coded[t] = true;
            }
        }
        // Open every cursor. A FROM subquery is filled by a subroutine, called (once) where
        // its loop starts, inside the loops before it: as SQLite does, nothing computes it
        // when an outer loop has no rows.
        let mut fills: Vec<Option<(Reg, u32)>> = vec![None; core.sources.len()];
        // The index cursor of each source read through an index.
        let mut index_cursors: Vec<Option<u32>> = vec![None; core.sources.len()];
        // A LEFT JOIN at this level or one before it (other than the first).
        let mut left_seen = false;
        for (ii, lp) in plan.iter().enumerate() {
            let src = &core.sources[lp.source];
            left_seen |= ii > 0 && src.join == JoinType::Left;
            match &src.kind {
                SourceKind::Table(t) => {
                    self.cursors.insert(src.cursor, CursorSource::Table(t.clone()));
                    // An index cursor opens here too, before every loop, as in
                    // sqlite3WhereBegin: opened inside an outer loop it would start from its
                    // root page again for every outer row.
                    match (lp.access.clone(), write_indexes) {
                        (Access::CoveringScan { index } | Access::Index { index, .. }, Some(write)) => {
                            let c = write.get(index).ok_or_else(|| Error::internal("no write cursor for an index"))?;
                            index_cursors[lp.source] = Some(*c);
                        }
                        (Access::CoveringScan { index }, None) => {
                            index_cursors[lp.source] = Some(self.open_index(core, lp.source, index, true)?);
                        }
                        (Access::Index { index, covering, .. }, None) => {
                            index_cursors[lp.source] = Some(self.open_index(core, lp.source, index, covering)?);
                        }
                        _ => {}
                    }
                    let index_only =
                        matches!(lp.access, Access::CoveringScan { .. } | Access::Index { covering: true, .. });
                    // Under a one-pass plan the table's cursor is the statement's write
                    // cursor, already open.
                    if !index_only && write_indexes.is_none() {
                        self.open_read(src.cursor, t.root, TreeSpec::Table);
                        // sqlite3WhereBegin: from the third loop on, outside LEFT JOINs, an
                        // empty table ends the whole join before any loop runs.
                        if ii >= 2 && !left_seen {
                            self.b.emit(Op::IfEmpty { cursor: src.cursor, target: brk.addr() });
                        }
                    }
                    self.uses_db = true;
                }
                SourceKind::Subquery(id) => {
                    let real_columns = src.columns.iter().map(|c| c.affinity == Some(Affinity::Real)).collect();
                    self.cursors.insert(src.cursor, CursorSource::Ephemeral { real_columns });
                    let ret = self.b.reg();
                    let skip = self.b.label();
                    self.b.emit(Op::Goto { target: skip.addr() });
                    let fill = self.b.current_addr();
                    self.materialize(*id, src.cursor, &src.name)?;
                    self.b.emit(Op::Return { ret });
                    self.b.resolve(skip);
                    fills[lp.source] = Some((ret, fill));
                }
            }
        }
        let mut avail = 0u64;
        // A LEFT JOIN at this level or one before it.
        let mut left_before = false;
        let mut levels = Vec::with_capacity(plan.len());
        let mut corrupt = None;
        for lp in &plan {
            let src = &core.sources[lp.source];
            let ordered_index = None;
            if let Some(bloom) = bloom_line(src, &lp.access, &terms) {
                self.plan_row(bloom);
            }
            let line = loop_line(src, &lp.access, &terms, ordered_index);
            self.plan_row(line);
            let level_brk = self.b.label();
            let cont = self.b.label();
            let left = src.join == JoinType::Left;
            let match_reg = if left {
                let r = self.b.reg();
                self.b.emit(Op::Integer { dest: r, value: 0 });
                Some(r)
            } else {
                None
            };
            if let Some((ret, fill)) = fills[lp.source] {
                self.b.emit(Op::Gosub { ret, target: fill });
            }
            left_before |= left;
            let halt = (!left_before).then_some(brk);
            let (step, in_loops, consumed, null_cursors) =
                self.loop_start(core, lp, &terms, level_brk, cont, halt, index_cursors[lp.source], &mut corrupt)?;
            avail |= 1 << lp.source;
            for t in consumed {
                if !left || terms[t].on_level.is_some() {
                    coded[t] = true;
                }
            }
            let mut left_info = None;
            if let Some(m) = match_reg {
                for (t, term) in terms.iter().enumerate() {
                    if !coded[t] && term.on_level == Some(lp.source) {
                        self.expr_jump(term.ir, term.node, cont, false, true)?;
                        coded[t] = true;
                    }
                }
                let first = self.b.label();
                self.b.resolve(first);
                self.b.emit(Op::Integer { dest: m, value: 1 });
                left_info = Some((m, first, null_cursors));
            }
            for (t, term) in terms.iter().enumerate() {
                let here = term.on_level.is_none_or(|on| on == lp.source);
                if !coded[t] && here && term.prereq & !avail == 0 {
                    self.expr_jump(term.ir, term.node, cont, false, true)?;
                    coded[t] = true;
                }
            }
            levels.push(LevelEnd { cont, brk: level_brk, step, in_loops, left: left_info });
        }
        // Terms left (reading no source but not constant, on a core without sources).
        let cont = self.b.label();
        for (t, term) in terms.iter().enumerate() {
            if !coded[t] {
                let target = levels.last().map_or(cont, |lv| lv.cont);
                self.expr_jump(term.ir, term.node, target, false, true)?;
            }
        }
        let cont = match levels.last() {
            Some(lv) => lv.cont,
            None => {
                levels.push(LevelEnd { cont, brk: self.b.label(), step: None, in_loops: Vec::new(), left: None });
                cont
            }
        };
        let one_row = match plan.as_slice() {
            [lp] => at_most_one_row(core, lp, &terms),
            _ => false,
        };
        Ok(WhereInfo { cont, brk, top, ordered, sorted, ob_sat, one_row, levels, corrupt })
    }

    /// Closes the loops.
    pub fn where_end(&mut self, wi: WhereInfo) -> Result<()> {
        for lv in wi.levels.into_iter().rev() {
            self.b.resolve(lv.cont);
            if let Some(op) = lv.step {
                self.b.emit(op);
            }
            for (cont, op) in lv.in_loops {
                self.b.resolve(cont);
                self.b.emit(op);
            }
            self.b.resolve(lv.brk);
            if let Some((m, first, cursors)) = lv.left {
                let after = self.b.label();
                self.b.emit(Op::IfPos { reg: m, target: after.addr(), decrement: 0 });
                for c in cursors {
                    self.b.emit(Op::NullRow { cursor: c });
                }
                self.b.emit(Op::Goto { target: first.addr() });
                self.b.resolve(after);
            }
        }
        if let Some(corrupt) = wi.corrupt {
            self.b.emit(Op::Goto { target: wi.brk.addr() });
            self.b.resolve(corrupt);
            self.b.emit(Op::Halt(crate::vdbe::op::HaltKind::Error {
                code: crate::error::ErrorCode::Corrupt,
                constraint: None,
                message: crate::vdbe::cursor::MISSING_TABLE_ROW.to_string(),
                action: crate::vdbe::op::OnError::Abort,
            }));
        }
        self.b.resolve(wi.brk);
        Ok(())
    }

    /// Every column the core reads (for covering indexes).
    fn core_columns(&self, core: &Core, order_by: Option<&[OrderTerm]>, out: &mut BTreeSet<(u32, Option<u32>)>) {
        let mut irs: Vec<&Ir> = Vec::new();
        irs.extend(core.where_clause.iter());
        irs.extend(core.result.iter());
        irs.extend(core.group_by.iter());
        irs.extend(core.having.iter());
        for s in &core.sources {
            irs.extend(s.on.iter());
        }
        if let Some(ob) = order_by {
            irs.extend(ob.iter().map(|t| &t.expr));
        }
        for ir in irs {
            self.expr_columns(ir, out);
        }
    }

    /// Emits the start of one level's loop; returns its step instruction, its IN loops, the
    /// terms it enforces, and the cursors a LEFT JOIN's null row must null.
    /// `halt`: where an empty table may end the whole join (no LEFT JOIN at or before the
    /// level), if anywhere.
    #[allow(clippy::type_complexity, clippy::too_many_arguments)]
    fn loop_start(
        &mut self,
        core: &Core,
        lp: &LoopPlan,
        terms: &[Term<'_>],
        brk: Label,
        cont: Label,
        halt: Option<Label>,
        index_cursor: Option<u32>,
        corrupt: &mut Option<Label>,
    ) -> Result<(Option<Op>, Vec<(Label, Op)>, Vec<usize>, Vec<u32>)> {
        let src = &core.sources[lp.source];
        let ic = || index_cursor.ok_or_else(|| Error::internal("index loop without an index cursor"));
        let cur = src.cursor;
        let rhs = |r: ConsRef| -> (&Ir, NodeId) {
            let term = &terms[r.term];
            (term.ir, term.constraints[r.k].rhs.unwrap_or(term.node))
        };
        let constraint = |r: ConsRef| &terms[r.term].constraints[r.k];
        match &lp.access {
            Access::Scan => {
                self.b.emit(if lp.reverse {
                    Op::Last { cursor: cur, if_empty: brk.addr() }
                } else {
                    Op::Rewind { cursor: cur, if_empty: brk.addr() }
                });
                let top = self.b.current_addr();
                let step = if lp.reverse {
                    Op::Prev { cursor: cur, target: top }
                } else {
                    Op::Next { cursor: cur, target: top }
                };
                Ok((Some(step), Vec::new(), Vec::new(), vec![cur]))
            }
            Access::CoveringScan { .. } => {
                let ic = ic()?;
                self.b.emit(if lp.reverse {
                    Op::Last { cursor: ic, if_empty: brk.addr() }
                } else {
                    Op::Rewind { cursor: ic, if_empty: brk.addr() }
                });
                let top = self.b.current_addr();
                let step = if lp.reverse {
                    Op::Prev { cursor: ic, target: top }
                } else {
                    Op::Next { cursor: ic, target: top }
                };
                Ok((Some(step), Vec::new(), Vec::new(), vec![ic]))
            }
            Access::RowidEq { term } => {
                let (ir, node) = rhs(*term);
                let r = self.expr_reg(ir, node)?;
                self.b.emit(Op::SeekRowid { cursor: cur, reg: r, not_found: brk.addr() });
                let _ = cont;
                Ok((None, Vec::new(), vec![term.term], vec![cur]))
            }
            Access::RowidIn { term } => {
                let eph = self.in_values(terms, term.term, Some(Affinity::Integer), Collation::Binary)?;
                self.b.emit(if lp.reverse {
                    Op::Last { cursor: eph, if_empty: brk.addr() }
                } else {
                    Op::Rewind { cursor: eph, if_empty: brk.addr() }
                });
                let top = self.b.current_addr();
                let v = self.b.reg();
                self.b.emit(Op::Column { cursor: eph, column: 0, dest: v });
                self.b.emit(Op::SeekRowid { cursor: cur, reg: v, not_found: cont.addr() });
                let step = if lp.reverse {
                    Op::Prev { cursor: eph, target: top }
                } else {
                    Op::Next { cursor: eph, target: top }
                };
                Ok((Some(step), Vec::new(), vec![term.term], vec![cur]))
            }
            Access::RowidRange { lower, upper } => {
                let mut consumed = Vec::new();
                let (start, end) = if lp.reverse { (*upper, *lower) } else { (*lower, *upper) };
                match start {
                    Some(t) => {
                        let k = constraint(t);
                        let (ir, node) = rhs(t);
                        let r = self.expr_reg(ir, node)?;
                        let kind = seek_kind(k.op);
                        self.b.emit(Op::Seek {
                            kind,
                            cursor: cur,
                            key: r,
                            count: 1,
                            not_found: brk.addr(),
                            eq_only: false,
                        });
                        consumed.extend(k.whole.then_some(t.term));
                    }
                    None => {
                        self.b.emit(if lp.reverse {
                            Op::Last { cursor: cur, if_empty: brk.addr() }
                        } else {
                            Op::Rewind { cursor: cur, if_empty: brk.addr() }
                        });
                    }
                }
                let end_check = match end {
                    Some(t) => {
                        let k = constraint(t);
                        let (ir, node) = rhs(t);
                        let r = self.expr_reg(ir, node)?;
                        consumed.extend(k.whole.then_some(t.term));
                        // Stop at the first rowid past the bound.
                        let stop = match k.op {
                            ConstraintOp::Lt => CmpOp::Ge,
                            ConstraintOp::Le => CmpOp::Gt,
                            ConstraintOp::Gt => CmpOp::Le,
                            _ => CmpOp::Lt,
                        };
                        Some((r, stop))
                    }
                    None => None,
                };
                let top = self.b.current_addr();
                if let Some((r, stop)) = end_check {
                    let rid = self.b.reg();
                    self.b.emit(Op::Rowid { cursor: cur, dest: rid });
                    self.b.emit(Op::Compare {
                        op: stop,
                        lhs: rid,
                        rhs: r,
                        affinity: Some(Affinity::Numeric),
                        collation: Collation::Binary,
                        nulls: NullMode::Unknown { jump_if_null: true },
                        output: CmpOutput::Jump(brk.addr()),
                    });
                }
                let step = if lp.reverse {
                    Op::Prev { cursor: cur, target: top }
                } else {
                    Op::Next { cursor: cur, target: top }
                };
                Ok((Some(step), Vec::new(), consumed, vec![cur]))
            }
            Access::Index { index, eq, lower, upper, covering } => {
                let ic = ic()?;
                self.index_loop(core, lp, terms, (*index, ic), eq, *lower, *upper, *covering, brk, corrupt)
            }
            Access::AutoIndex { eq, extra } => self.auto_index_loop(core, lp, terms, eq, extra, brk, halt),
        }
    }

    /// Opens an index of a source's table and routes the table's columns the index holds to
    /// it (and the rowid): all of them for a covering index; for another, the loop leaves
    /// the table's cursor to a deferred seek, made when a column the index lacks is read.
    /// Returns the index cursor.
    fn open_index(&mut self, core: &Core, source: usize, index: usize, covering: bool) -> Result<u32> {
        let src = &core.sources[source];
        let table = src.table().ok_or_else(|| Error::internal("index on a subquery"))?.clone();
        let idx = &table.indexes[index];
        let ic = self.b.cursor();
        self.open_read(ic, idx.root, TreeSpec::Index(idx.key_info.clone()));
        let fields = (0..table.def.columns.len())
            .map(|j| idx.def.columns.iter().position(|c| c.target == IndexTarget::Column(j)).map(|p| p as u32))
            .collect();
        self.covering.insert(src.cursor, Covering { index_cursor: ic, fields, partial: !covering });
        Ok(ic)
    }

    /// The values of an IN term in a new ephemeral index (sorted, distinct), with an
    /// affinity: the loop source of an IN constraint. Built once unless it reads a row.
    fn in_values(
        &mut self,
        terms: &[Term<'_>],
        t: usize,
        affinity: Option<Affinity>,
        collation: Collation,
    ) -> Result<u32> {
        let term = &terms[t];
        let ir = term.ir;
        let eph = self.b.cursor();
        let key_info = Rc::new(KeyInfo { collations: vec![collation], descending: vec![false] });
        let done = self.b.label();
        match ir.kind(term.node).clone() {
            Kind::In { items, .. } => {
                let constant = items.iter().all(|&i| crate::eval::ir::ir_is_constant(ir, i));
                if constant {
                    self.b.emit(Op::Once { target: done.addr() });
                }
                self.b.emit(Op::OpenEphemeral { cursor: eph, key_info: Some(key_info) });
                for i in items {
                    let r = self.expr_reg(ir, i)?;
                    if let Some(a) = affinity.filter(|a| *a != Affinity::Blob) {
                        self.b.emit(Op::Affinity { start: r, affinities: Rc::from(vec![a]) });
                    }
                    self.b.emit(Op::IdxInsert { cursor: eph, start: r, count: 1, use_seek_result: false });
                }
            }
            Kind::InSubquery { id, .. } => {
                if !self.subqueries.get(id).correlated {
                    self.b.emit(Op::Once { target: done.addr() });
                }
                self.b.emit(Op::OpenEphemeral { cursor: eph, key_info: Some(key_info) });
                let col_aff = self.subqueries.get(id).columns[0].affinity;
                let aff = comparison_affinity(col_aff, affinity);
                self.subquery_set(id, eph, aff)?;
            }
            _ => return Err(Error::internal("IN access without an IN term")),
        }
        self.b.resolve(done);
        Ok(eph)
    }

    /// An index loop: equality prefix (IN values looped), then a range.
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    fn index_loop(
        &mut self,
        core: &Core,
        lp: &LoopPlan,
        terms: &[Term<'_>],
        (index, ic): (usize, u32),
        eq: &[ConsRef],
        lower: Option<ConsRef>,
        upper: Option<ConsRef>,
        covering: bool,
        brk: Label,
        corrupt: &mut Option<Label>,
    ) -> Result<(Option<Op>, Vec<(Label, Op)>, Vec<usize>, Vec<u32>)> {
        let src = &core.sources[lp.source];
        let table = src.table().ok_or_else(|| Error::internal("index on a subquery"))?.clone();
        let idx = table.indexes[index].clone();
        let constraint = |r: ConsRef| &terms[r.term].constraints[r.k];
        let n_eq = eq.len() as u32;
        let key = self.b.regs(n_eq + 1);
        let mut consumed = Vec::new();
        let mut in_loops: Vec<(Label, Op)> = Vec::new();
        // Every IN set is made before any IN loop starts: an empty one leaves the level at
        // once, and the loops' steps (also run after a LEFT JOIN's null row) need every set
        // open, as SQLite's, whose empty IN sets fall through (OP_Rewind with P2 0).
        let mut in_sets = Vec::new();
        for (p, &t) in eq.iter().enumerate() {
            let k = constraint(t);
            if k.op == ConstraintOp::In {
                let col = &idx.def.columns[p];
                let col_aff = match col.target {
                    IndexTarget::Column(j) => table.def.columns[j].affinity,
                    _ => Affinity::Blob,
                };
                in_sets.push(self.in_values(terms, t.term, Some(col_aff), col.collation)?);
            }
        }
        let mut in_sets = in_sets.into_iter();
        // Where a failed seek goes: the next IN value, or out of the level.
        let mut fail = brk;
        for (p, &t) in eq.iter().enumerate() {
            let k = constraint(t);
            let col = &idx.def.columns[p];
            let col_aff = match col.target {
                IndexTarget::Column(j) => table.def.columns[j].affinity,
                _ => Affinity::Blob,
            };
            let dest = key + p as u32;
            match k.op {
                ConstraintOp::IsNull => {
                    self.b.emit(Op::Null { dest, count: 1 });
                }
                ConstraintOp::In => {
                    let eph = in_sets.next().ok_or_else(|| Error::internal("IN set missing"))?;
                    // A loop over the IN values in the order of the index column, in the
                    // loop's direction (the values may deliver an ORDER BY term; SQLite's
                    // codeEqualityTerm flips bRev on a DESC column); its step is placed after
                    // the index loop's.
                    let next_in = self.b.label();
                    let reverse = lp.reverse != (col.order == SortOrder::Desc);
                    self.b.emit(if reverse {
                        Op::Last { cursor: eph, if_empty: fail.addr() }
                    } else {
                        Op::Rewind { cursor: eph, if_empty: fail.addr() }
                    });
                    let top = self.b.current_addr();
                    self.b.emit(Op::Column { cursor: eph, column: 0, dest });
                    self.b.emit(Op::IsNull { reg: dest, target: next_in.addr() });
                    let step = if reverse {
                        Op::Prev { cursor: eph, target: top }
                    } else {
                        Op::Next { cursor: eph, target: top }
                    };
                    in_loops.insert(0, (next_in, step));
                    fail = next_in;
                }
                _ => self.eq_key_value(terms, t, col_aff, dest, fail)?,
            }
            consumed.extend(k.whole.then_some(t.term));
        }
        // The range column: its index order decides which bound starts the scan.
        let range_col = idx.def.columns.get(eq.len());
        let desc = range_col.is_some_and(|c| c.order == SortOrder::Desc);
        let (mut start, mut end) = (lower, upper);
        if desc {
            std::mem::swap(&mut start, &mut end);
        }
        if lp.reverse {
            std::mem::swap(&mut start, &mut end);
        }
        let range_aff = range_col.and_then(|c| match c.target {
            IndexTarget::Column(j) => Some(table.def.columns[j].affinity),
            _ => None,
        });
        let range_value = |this: &mut Self, t: ConsRef, dest: Reg| -> Result<()> {
            let k = constraint(t);
            let term = &terms[t.term];
            if k.vnull {
                // `x IS NOT NULL` as `x > NULL`: the bound is NULL itself, which sorts first.
                this.b.emit(Op::Null { dest, count: 1 });
                return Ok(());
            }
            let rhs = k.rhs.unwrap_or(term.node);
            this.expr_into(term.ir, rhs, dest)?;
            this.b.emit(Op::IsNull { reg: dest, target: fail.addr() });
            if let Some(a) = range_aff.and_then(|ca| key_affinity(term.ir, rhs, ca)) {
                this.b.emit(Op::Affinity { start: dest, affinities: Rc::from(vec![a]) });
            }
            Ok(())
        };
        // Seek to the start.
        let forward = !lp.reverse;
        // A seek on the equality prefix and one more key value (a range bound, or NULL).
        let seek_past_key =
            |kind| Op::Seek { kind, cursor: ic, key, count: n_eq + 1, not_found: fail.addr(), eq_only: false };
        match start {
            Some(t) => {
                let k = constraint(t);
                range_value(self, t, key + n_eq)?;
                // In index order: a strict bound excludes equal entries.
                let strict = matches!(k.op, ConstraintOp::Gt | ConstraintOp::Lt);
                let kind = match (forward, strict) {
                    (true, true) => SeekKind::Gt,
                    (true, false) => SeekKind::Ge,
                    (false, true) => SeekKind::Lt,
                    (false, false) => SeekKind::Le,
                };
                self.b.emit(seek_past_key(kind));
                consumed.extend(k.whole.then_some(t.term));
            }
            None => {
                let skip_nulls = end.is_some() && forward != desc && range_col.is_some();
                if skip_nulls {
                    // Start past the NULLs, which sort first.
                    self.b.emit(Op::Null { dest: key + n_eq, count: 1 });
                    self.b.emit(seek_past_key(if forward { SeekKind::Gt } else { SeekKind::Lt }));
                } else if n_eq > 0 {
                    let kind = if forward { SeekKind::Ge } else { SeekKind::Le };
                    // Equality constraints alone: SQLite's OPFLAG_SEEKEQ hint.
                    let eq_only = end.is_none();
                    self.b.emit(Op::Seek { kind, cursor: ic, key, count: n_eq, not_found: fail.addr(), eq_only });
                } else {
                    self.b.emit(if forward {
                        Op::Rewind { cursor: ic, if_empty: fail.addr() }
                    } else {
                        Op::Last { cursor: ic, if_empty: fail.addr() }
                    });
                }
            }
        }
        // The end value (a separate register: the start's is the seek key).
        let end_key = match end {
            Some(t) => {
                let k = constraint(t);
                let ek = self.b.regs(n_eq + 1);
                if n_eq > 0 {
                    self.b.emit(Op::Copy { src: key, dest: ek, count: n_eq });
                }
                range_value(self, t, ek + n_eq)?;
                consumed.extend(k.whole.then_some(t.term));
                Some((ek, matches!(k.op, ConstraintOp::Gt | ConstraintOp::Lt)))
            }
            None if start.is_some() && range_col.is_some() && forward == desc => {
                // The scan runs towards the NULLs (the end of a DESC column forward, the start
                // of an ASC one in reverse): stop at them (SQLite's bStopAtNull).
                let ek = self.b.regs(n_eq + 1);
                if n_eq > 0 {
                    self.b.emit(Op::Copy { src: key, dest: ek, count: n_eq });
                }
                self.b.emit(Op::Null { dest: ek + n_eq, count: 1 });
                Some((ek, true))
            }
            None => None,
        };
        let top = self.b.current_addr();
        match end_key {
            Some((ek, strict)) => {
                let kind = match (forward, strict) {
                    (true, true) => SeekKind::Ge,
                    (true, false) => SeekKind::Gt,
                    (false, true) => SeekKind::Le,
                    (false, false) => SeekKind::Lt,
                };
                self.b.emit(Op::IdxCompare { kind, cursor: ic, key: ek, count: n_eq + 1, target: fail.addr() });
            }
            None if n_eq > 0 => {
                let kind = if forward { SeekKind::Gt } else { SeekKind::Lt };
                self.b.emit(Op::IdxCompare { kind, cursor: ic, key, count: n_eq, target: fail.addr() });
            }
            None => {}
        }
        let mut null_cursors = vec![ic];
        if !covering {
            if self.covering.get(&src.cursor).is_some_and(|c| c.partial && c.index_cursor == ic) {
                // Reads of the columns the index holds go to it (`open_index`): the row is
                // sought only when another is read (codeDeferredSeek).
                self.b.emit(Op::DeferredSeek { index_cursor: ic, table_cursor: src.cursor });
            } else {
                // A one-pass UPDATE or DELETE changes the row through the table's cursor,
                // which must stand on it.
                let r = self.b.reg();
                self.b.emit(Op::Rowid { cursor: ic, dest: r });
                let c = *corrupt.get_or_insert_with(|| self.b.label());
                self.b.emit(Op::SeekRowid { cursor: src.cursor, reg: r, not_found: c.addr() });
            }
            null_cursors.push(src.cursor);
        }
        let step = if forward { Op::Next { cursor: ic, target: top } } else { Op::Prev { cursor: ic, target: top } };
        Ok((Some(step), in_loops, consumed, null_cursors))
    }
}

impl Compiler<'_> {
    /// Computes the value an `=` or `IS` constraint `t` compares a key column (of affinity
    /// `col_aff`) with into `dest`, with the key's affinity; for `=`, a NULL jumps to `fail`
    /// (it matches no entry). Shared by index and automatic index searches.
    fn eq_key_value(
        &mut self,
        terms: &[Term<'_>],
        t: ConsRef,
        col_aff: Affinity,
        dest: Reg,
        fail: Label,
    ) -> Result<()> {
        let term = &terms[t.term];
        let k = &term.constraints[t.k];
        debug_assert!(matches!(k.op, ConstraintOp::Eq | ConstraintOp::Is), "{:?} is not an equality", k.op);
        let rhs = k.rhs.unwrap_or(term.node);
        self.expr_into(term.ir, rhs, dest)?;
        if k.op == ConstraintOp::Eq && crate::compile::expr::can_be_null(term.ir, rhs) {
            self.b.emit(Op::IsNull { reg: dest, target: fail.addr() });
        }
        if let Some(a) = key_affinity(term.ir, rhs, col_aff) {
            self.b.emit(Op::Affinity { start: dest, affinities: Rc::from(vec![a]) });
        }
        Ok(())
    }

    /// An automatic index loop (SQLite's constructAutomaticIndex, then an index equality
    /// search). Once per execution of the statement, the table is scanned into a new
    /// ephemeral index whose entries are the key columns of `eq` (collated as their
    /// comparisons), the `extra` columns and the rowid; an empty table jumps to `halt`
    /// when given (SQLite's addrHalt: no row of the join can exist) or leaves the index
    /// empty. The table's columns are then read from the index (it covers them all); the
    /// loop searches it for the entries equal to the constraints' values.
    #[allow(clippy::too_many_arguments, clippy::type_complexity)]
    fn auto_index_loop(
        &mut self,
        core: &Core,
        lp: &LoopPlan,
        terms: &[Term<'_>],
        eq: &[ConsRef],
        extra: &[u32],
        brk: Label,
        halt: Option<Label>,
    ) -> Result<(Option<Op>, Vec<(Label, Op)>, Vec<usize>, Vec<u32>)> {
        let src = &core.sources[lp.source];
        let table = src.table().ok_or_else(|| Error::internal("automatic index on a subquery"))?.clone();
        let cur = src.cursor;
        let constraint = |r: &ConsRef| &terms[r.term].constraints[r.k];
        let key_columns: Vec<u32> = eq
            .iter()
            .map(|r| constraint(r).column.ok_or_else(|| Error::internal("automatic index key on the rowid")))
            .collect::<Result<_>>()?;
        let entry: Vec<u32> = key_columns.iter().chain(extra).copied().collect();
        let width = entry.len() + 1;
        debug_assert!(!key_columns.is_empty() && width <= table.def.columns.len() + 1);
        let mut collations: Vec<Collation> = eq.iter().map(|r| constraint(r).collation).collect();
        collations.resize(width, Collation::Binary);
        let key_info = Rc::new(KeyInfo { collations, descending: vec![false; width] });
        let ac = self.b.cursor();
        let built = self.b.label();
        self.b.emit(Op::Once { target: built.addr() });
        self.b.emit(Op::OpenEphemeral { cursor: ac, key_info: Some(key_info) });
        self.b.emit(Op::Rewind { cursor: cur, if_empty: halt.unwrap_or(built).addr() });
        let fill = self.b.current_addr();
        let record = self.b.regs(width as u32);
        for (p, &j) in entry.iter().enumerate() {
            // The stored value as it is (a REAL column's integer stays one, as in any index).
            self.b.emit(Op::Column { cursor: cur, column: j, dest: record + p as u32 });
        }
        self.b.emit(Op::Rowid { cursor: cur, dest: record + entry.len() as u32 });
        self.b.emit(Op::IdxInsert { cursor: ac, start: record, count: width as u32, use_seek_result: false });
        self.b.emit(Op::Next { cursor: cur, target: fill });
        self.b.resolve(built);
        let fields = (0..table.def.columns.len())
            .map(|j| entry.iter().position(|&e| e as usize == j).map(|p| p as u32))
            .collect();
        self.covering.insert(cur, Covering { index_cursor: ac, fields, partial: false });
        let n_eq = eq.len() as u32;
        let key = self.b.regs(n_eq);
        let mut consumed = Vec::new();
        for (p, (r, &j)) in eq.iter().zip(&key_columns).enumerate() {
            self.eq_key_value(terms, *r, table.def.columns[j as usize].affinity, key + p as u32, brk)?;
            consumed.extend(constraint(r).whole.then_some(r.term));
        }
        self.b.emit(Op::Seek {
            kind: SeekKind::Ge,
            cursor: ac,
            key,
            count: n_eq,
            not_found: brk.addr(),
            eq_only: false,
        });
        let top = self.b.current_addr();
        self.b.emit(Op::IdxCompare { kind: SeekKind::Gt, cursor: ac, key, count: n_eq, target: brk.addr() });
        Ok((Some(Op::Next { cursor: ac, target: top }), Vec::new(), consumed, vec![ac]))
    }
}

/// The affinity applied to an index key value (`codeAllEqualityTerms`' zAff): the column's
/// as the index's affinity string holds it, INTEGER and REAL lowered to NUMERIC
/// (computeIndexAffStr), unless the comparison would not convert (BLOB). The lowering is
/// visible: under REAL an integer key becomes a REAL and, past 2^53, equal to a REAL it is
/// not (`x.i = y.r` with i = 2^63-1 and r = 2^63 finds no row in SQLite).
fn key_affinity(ir: &Ir, rhs: NodeId, col_aff: Affinity) -> Option<Affinity> {
    match comparison_affinity(ir.affinity(rhs), Some(col_aff)) {
        None | Some(Affinity::Blob) => None,
        Some(_) if crate::eval::affinity::is_numeric(col_aff) => Some(Affinity::Numeric),
        Some(_) => Some(col_aff).filter(|a| *a != Affinity::Blob),
    }
}

/// The seek that starts a range at a bound.
fn seek_kind(op: ConstraintOp) -> SeekKind {
    match op {
        ConstraintOp::Gt => SeekKind::Gt,
        ConstraintOp::Ge => SeekKind::Ge,
        ConstraintOp::Lt => SeekKind::Lt,
        _ => SeekKind::Le,
    }
}
