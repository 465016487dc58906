//! SELECT (SQLite's select.c): the loops of a core, result rows, DISTINCT, ORDER BY through a
//! sorter (or none when the loops deliver the order), LIMIT and OFFSET, and where the rows go
//! ([`Dest`]).
//!
//! The shape of a simple SELECT:
//!
//! ```text
//!   LIMIT / OFFSET counters           (a LIMIT of 0 jumps to the end)
//!   [open sorter] [open DISTINCT set]
//!   loops over the sources, WHERE terms at the level where they can be tested
//!     result columns → registers
//!     [DISTINCT: skip a row already seen]
//!     sorter insert  |  [OFFSET: skip] → destination → [LIMIT: stop]
//!   end loops
//!   [sorter: sort, then for each row: OFFSET, destination, LIMIT]
//! ```

use std::rc::Rc;

use super::query::{Core, OrderTerm, Query};
use super::{Compiler, err};
use crate::btree::KeyInfo;
use crate::error::Result;
use crate::eval::ir::{Ir, Kind};
use crate::format::value::Collation;
use crate::schema::Affinity;
use crate::vdbe::Label;
use crate::vdbe::op::{Op, Reg};

/// Where a query's rows go (SQLite's SelectDest).
#[derive(Clone, Debug)]
pub(crate) enum Dest {
    /// Result rows of the statement.
    Output,
    /// The first row's first column into a register, then stop (a scalar subquery).
    Mem(Reg),
    /// 1 into the register at the first row, then stop (EXISTS).
    Exists(Reg),
    /// Each row's one column, with an affinity, into an ephemeral index (IN's right side).
    Set { cursor: u32, affinity: Option<Affinity> },
    /// Each row appended to an ephemeral table (a materialized subquery).
    Table { cursor: u32 },
    /// Each row into an ephemeral index keyed by all its columns (UNION, INTERSECT).
    Union { cursor: u32 },
    /// Each row removed from an ephemeral index (EXCEPT).
    Except { cursor: u32 },
    /// Each row into registers from `start` on, then a Yield to the co-routine's caller.
    Coroutine { ret: Reg, start: Reg },
}

impl Dest {
    /// Destinations that stop after one row.
    fn single_row(&self) -> bool {
        matches!(self, Dest::Mem(_) | Dest::Exists(_))
    }
}

/// LIMIT and OFFSET counters.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Limits {
    pub limit: Option<Reg>,
    pub offset: Option<Reg>,
}

/// A block sort (SQLite's sorter with nOBSat > 0): the loops deliver the first `sat` ORDER
/// BY terms in order, so only rows with equal leading terms are sorted together, each block
/// sent on as soon as the next one begins (its first row returned that much earlier).
#[derive(Clone, Debug)]
pub(crate) struct BlockSort {
    /// ORDER BY terms the loops deliver.
    pub sat: u32,
    /// The leading terms of the block's first row.
    pub prev: Reg,
    /// 1 once the current block has a row.
    pub started: Reg,
    /// The output subroutine's return address.
    pub ret: Reg,
    /// The output subroutine: sorts the block and sends its rows on.
    pub flush: Label,
    /// How leading terms compare (equality under their collations).
    pub prefix: Rc<KeyInfo>,
}

/// How the result rows of a core are finished.
pub(crate) struct RowSink<'a> {
    pub dest: &'a Dest,
    pub n_columns: u32,
    /// ORDER BY through a sorter: the cursor and the terms.
    pub sorter: Option<(u32, &'a [OrderTerm])>,
    /// The sorter sorts blocks of rows whose leading terms the loops deliver in order.
    pub block: Option<BlockSort>,
    /// DISTINCT: the set of rows seen.
    pub distinct: Option<u32>,
    pub limits: Limits,
    /// Where to go when the rows are done (LIMIT reached, single-row destination).
    pub brk: Label,
}

impl Compiler<'_> {
    /// Compiles a query sending its rows to `dest`.
    pub fn query(&mut self, q: &Query, dest: &Dest) -> Result<()> {
        if q.cores.len() > 1 {
            return self.compound(q, dest);
        }
        let core = &q.cores[0];
        let brk = self.b.label();
        let limits = self.limits(q, dest, brk)?;
        // DISTINCT keys compare under each result column's collation.
        let distinct = if core.distinct {
            let cursor = self.b.cursor();
            let collations = q.columns.iter().map(|c| c.collation).collect();
            self.open_set(cursor, collations);
            self.plan_row("USE TEMP B-TREE FOR DISTINCT".to_string());
            Some(cursor)
        } else {
            None
        };
        let n_columns = core.result.len() as u32;
        let mut order_by = (!q.order_by.is_empty() && !dest.single_row_unordered()).then_some(&q.order_by[..]);
        // ORDER BY terms whose aggregates are computed though the rows are not sorted on them.
        let mut unsorted: &[OrderTerm] = &[];
        if core.aggregate && core.group_by.is_empty() {
            // One row: SQLite codes no ORDER BY; the aggregates in it are still computed.
            unsorted = order_by.unwrap_or_default();
            order_by = None;
        } else if !core.aggregate && core.values.is_empty() && core.sources.is_empty() {
            // No FROM: sqlite3WhereBegin over no tables satisfies any ORDER BY, which is then
            // never coded. Unless SQLite's EXISTS-to-JOIN gives the query a table: its loop
            // then delivers no term that holds an aggregate, and coding that term is the
            // error. The order of the one row there can be is moot either way.
            if let Some(terms) = order_by
                && self.exists_becomes_join(q, core)
            {
                misused_aggregate(terms)?;
            }
            order_by = None;
        }
        if core.aggregate {
            let group_desc = order_by.and_then(|terms| super::aggregate::group_order(core, terms));
            if group_desc.is_some() {
                order_by = None;
            }
            let sorter = order_by.map(|terms| (self.open_sorter(terms), terms));
            let sink = RowSink { dest, n_columns, sorter, block: None, distinct, limits, brk };
            self.aggregate_core(core, &sink, unsorted, group_desc.as_deref().unwrap_or_default())?;
            if let Some((cursor, terms)) = sorter {
                self.plan_row("USE TEMP B-TREE FOR ORDER BY".to_string());
                self.sorter_output(cursor, terms, &sink)?;
            }
        } else if !core.values.is_empty() {
            let sorter = order_by.map(|terms| (self.open_sorter(terms), terms));
            let sink = RowSink { dest, n_columns, sorter, block: None, distinct, limits, brk };
            self.values_rows(core, &sink)?;
            if let Some((cursor, terms)) = sorter {
                self.sorter_output(cursor, terms, &sink)?;
            }
        } else {
            let wi = self.where_begin(core, order_by)?;
            let mut block = None;
            let sorter = match order_by {
                Some(terms) if !wi.ordered => {
                    misused_aggregate(terms)?;
                    // The loops deliver the first `sat` terms: only the rest is sorted, a block
                    // of rows with equal leading terms at a time (SQLite's nOBSat).
                    let sat = wi.ob_sat.min(terms.len() - 1);
                    let line = match terms.len() - sat {
                        _ if sat == 0 => "USE TEMP B-TREE FOR ORDER BY".to_string(),
                        1 => "USE TEMP B-TREE FOR LAST TERM OF ORDER BY".to_string(),
                        left => format!("USE TEMP B-TREE FOR LAST {left} TERMS OF ORDER BY"),
                    };
                    self.plan_row(line);
                    if sat > 0 {
                        block = Some(self.block_sort(&terms[..sat])?);
                    }
                    Some((self.open_sorter_late(&terms[sat..], wi.top), terms))
                }
                _ => None,
            };
            let sink = RowSink { dest, n_columns, sorter, block: block.clone(), distinct, limits, brk };
            let cont = wi.cont;
            self.result_row(&core.result, &sink, cont)?;
            self.where_end(wi)?;
            if let Some((cursor, terms)) = sorter {
                match block {
                    None => self.sorter_output(cursor, terms, &sink)?,
                    Some(b) => {
                        // The last block, then the output subroutine.
                        let after = self.b.label();
                        self.b.emit(Op::Gosub { ret: b.ret, target: b.flush.addr() });
                        self.b.emit(Op::Integer { dest: b.started, value: 0 });
                        self.b.emit(Op::Goto { target: after.addr() });
                        self.b.resolve(b.flush);
                        self.sorter_output(cursor, &terms[b.sat as usize..], &sink)?;
                        self.b.emit(Op::Return { ret: b.ret });
                        self.b.resolve(after);
                    }
                }
            }
        }
        self.b.resolve(brk);
        Ok(())
    }

    /// The LIMIT and OFFSET counters (`computeLimitRegisters`). A scalar subquery or EXISTS
    /// stops after one row whatever its LIMIT (SQLite rewrites LIMIT x as LIMIT x<>0).
    pub fn limits(&mut self, q: &Query, dest: &Dest, brk: Label) -> Result<Limits> {
        let mut limits = Limits::default();
        if let Some(l) = &q.limit {
            let r = self.b.reg();
            self.expr_into(l, l.root, r)?;
            self.b.emit(Op::MustBeInt { reg: r, target: None });
            if dest.single_row() {
                // x<>0: 1 for any limit but 0 (a negative limit is none).
                let zero = self.b.reg();
                self.b.emit(Op::Integer { dest: zero, value: 0 });
                self.b.emit(Op::Compare {
                    op: crate::eval::compare::CmpOp::Ne,
                    lhs: r,
                    rhs: zero,
                    affinity: None,
                    collation: Collation::Binary,
                    nulls: crate::vdbe::op::NullMode::Unknown { jump_if_null: false },
                    output: crate::vdbe::op::CmpOutput::Store(r),
                });
            }
            self.b.emit(Op::IfNot { reg: r, target: brk.addr(), jump_if_null: false });
            limits.limit = Some(r);
            if let Some(o) = &q.offset {
                let ro = self.b.reg();
                let combined = self.b.reg();
                self.expr_into(o, o.root, ro)?;
                self.b.emit(Op::MustBeInt { reg: ro, target: None });
                self.b.emit(Op::OffsetLimit { limit: r, dest: combined, offset: ro });
                limits.offset = Some(ro);
            }
        } else if dest.single_row() {
            let r = self.b.reg();
            self.b.emit(Op::Integer { dest: r, value: 1 });
            limits.limit = Some(r);
        }
        Ok(limits)
    }

    /// Computes the result columns of the current row and finishes it (`selectInnerLoop`).
    /// `cont` is where the next row starts.
    pub fn result_row(&mut self, result: &[Ir], sink: &RowSink<'_>, cont: Label) -> Result<()> {
        let n = sink.n_columns;
        // Without a sorter or DISTINCT, a row OFFSET skips is skipped before its columns are
        // computed (selectInnerLoop's codeOffset), so they raise no error.
        let mut early_offset = None;
        if sink.sorter.is_none()
            && sink.distinct.is_none()
            && let Some(o) = sink.limits.offset
        {
            self.b.emit(Op::IfPos { reg: o, target: cont.addr(), decrement: 1 });
            early_offset = Some(RowSink {
                dest: sink.dest,
                n_columns: n,
                sorter: None,
                block: None,
                distinct: None,
                limits: Limits { offset: None, ..sink.limits },
                brk: sink.brk,
            });
        }
        let res = self.b.regs(n);
        for (i, ir) in result.iter().enumerate() {
            self.expr_into(ir, ir.root, res + i as u32)?;
        }
        self.finish_row(res, early_offset.as_ref().unwrap_or(sink), cont)
    }

    /// Finishes a row whose columns are in `res..`: DISTINCT, then the sorter or the
    /// destination.
    pub fn finish_row(&mut self, res: Reg, sink: &RowSink<'_>, cont: Label) -> Result<()> {
        let n = sink.n_columns;
        if let Some(d) = sink.distinct {
            self.b.emit(Op::Found { cursor: d, key: res, count: n, target: cont.addr(), negated: false });
            self.b.emit(Op::IdxInsert { cursor: d, start: res, count: n, use_seek_result: false });
        }
        match sink.sorter {
            Some((cursor, terms)) => self.sorter_insert(cursor, terms, res, n, sink.block.as_ref()),
            None => self.emit_row(sink, res, cont),
        }
    }

    /// Sends one finished row to the destination, with OFFSET and LIMIT
    /// (`disposeOfResult` and the LIMIT check of `selectInnerLoop`).
    pub fn emit_row(&mut self, sink: &RowSink<'_>, res: Reg, cont: Label) -> Result<()> {
        let n = sink.n_columns;
        if let Some(o) = sink.limits.offset {
            self.b.emit(Op::IfPos { reg: o, target: cont.addr(), decrement: 1 });
        }
        match sink.dest {
            Dest::Output => {
                self.b.emit(Op::ResultRow { start: res, count: n });
            }
            Dest::Mem(r) => {
                self.b.emit(Op::Copy { src: res, dest: *r, count: 1 });
            }
            Dest::Exists(r) => {
                self.b.emit(Op::Integer { dest: *r, value: 1 });
            }
            Dest::Set { cursor, affinity } => {
                if let Some(a) = affinity.filter(|a| *a != Affinity::Blob) {
                    self.b.emit(Op::Affinity { start: res, affinities: Rc::from(vec![a; n as usize]) });
                }
                self.b.emit(Op::IdxInsert { cursor: *cursor, start: res, count: n, use_seek_result: false });
            }
            Dest::Table { cursor } => {
                let rowid = self.b.reg();
                self.b.emit(Op::NewRowid { cursor: *cursor, dest: rowid });
                self.b.emit(Op::Insert { cursor: *cursor, start: res, count: n, rowid, opts: Default::default() });
            }
            Dest::Union { cursor } => {
                self.b.emit(Op::IdxInsert { cursor: *cursor, start: res, count: n, use_seek_result: false });
            }
            Dest::Coroutine { ret, start } => {
                self.b.emit(Op::Copy { src: res, dest: *start, count: n });
                self.b.emit(Op::Yield { ret: *ret, on_end: 0 });
            }
            Dest::Except { cursor } => {
                let skip = self.b.label();
                self.b.emit(Op::Found { cursor: *cursor, key: res, count: n, target: skip.addr(), negated: true });
                self.b.emit(Op::Delete { cursor: *cursor, count_change: false, save_position: false });
                self.b.resolve(skip);
            }
        }
        if let Some(l) = sink.limits.limit {
            self.b.emit(Op::DecrJumpZero { reg: l, target: sink.brk.addr() });
        }
        Ok(())
    }

    /// The key order of an ORDER BY sorter.
    fn sort_key_info(&self, terms: &[OrderTerm]) -> Result<Rc<KeyInfo>> {
        let mut collations = Vec::with_capacity(terms.len());
        let mut descending = Vec::with_capacity(terms.len());
        for t in terms {
            if let Some(nf) = t.nulls_first
                && nf == t.desc
            {
                return Err(err("NULLS FIRST / NULLS LAST other than the default order is not supported yet"));
            }
            collations.push(self.collation_of(&t.expr, t.expr.root)?);
            descending.push(t.desc);
        }
        Ok(Rc::new(KeyInfo { collations, descending }))
    }

    /// Opens a sorter for ORDER BY now.
    pub fn open_sorter(&mut self, terms: &[OrderTerm]) -> u32 {
        let cursor = self.b.cursor();
        let key_info = self.sort_key_info(terms).unwrap_or_default();
        self.b.emit(Op::SorterOpen { cursor, key_info });
        cursor
    }

    /// Opens a sorter for a compound's ORDER BY: a term without its own COLLATE sorts by its
    /// column's collation in the compound, `collations` (multiSelectOrderByKeyInfo).
    pub fn open_compound_sorter(&mut self, terms: &[OrderTerm], collations: &[Collation]) -> u32 {
        let cursor = self.b.cursor();
        let mut key_info = self.sort_key_info(terms).unwrap_or_default();
        let info = Rc::make_mut(&mut key_info);
        for (i, t) in terms.iter().enumerate() {
            let explicit = matches!(t.expr.kind(t.expr.root), Kind::Collate { .. });
            if let (false, Some(k)) = (explicit, t.result_column) {
                info.collations[i] = collations[k];
            }
        }
        self.b.emit(Op::SorterOpen { cursor, key_info });
        cursor
    }

    /// Opens a sorter whose open instruction goes at `at` (before the loops, which are
    /// already written); the key order is checked first.
    fn open_sorter_late(&mut self, terms: &[OrderTerm], at: crate::vdbe::op::Addr) -> u32 {
        let cursor = self.b.cursor();
        let key_info = self.sort_key_info(terms).unwrap_or_default();
        *self.b.op_mut(at) = Op::SorterOpen { cursor, key_info };
        cursor
    }

    /// The registers and subroutine of a block sort whose leading terms are `leading`.
    fn block_sort(&mut self, leading: &[OrderTerm]) -> Result<BlockSort> {
        let mut prefix = (*self.sort_key_info(leading)?).clone();
        // Only equality of the leading terms matters (SQLite zeroes their sort flags).
        prefix.descending.iter_mut().for_each(|d| *d = false);
        Ok(BlockSort {
            sat: leading.len() as u32,
            prev: self.b.regs(leading.len() as u32),
            started: self.b.reg(),
            ret: self.b.reg(),
            flush: self.b.label(),
            prefix: Rc::new(prefix),
        })
    }

    /// Inserts the current row into the ORDER BY sorter: the sort keys (a term that is a
    /// result column reuses its value, whatever COLLATE it adds: the collation is the key's,
    /// the value is the same; a compound's terms can only be read so, as their expressions
    /// name the first SELECT's sources), then the result columns. Under a block sort
    /// (pushOntoSorter with nOBSat > 0) a row whose leading terms differ from the last row's
    /// first sends the sorted block on and empties the sorter; the leading terms are not
    /// stored.
    fn sorter_insert(
        &mut self,
        cursor: u32,
        terms: &[OrderTerm],
        res: Reg,
        n: u32,
        block: Option<&BlockSort>,
    ) -> Result<()> {
        let k = terms.len() as u32;
        let rec = self.b.regs(k + n);
        for (i, t) in terms.iter().enumerate() {
            let dest = rec + i as u32;
            match t.result_column {
                Some(c) => {
                    self.b.emit(Op::Copy { src: res + c as u32, dest, count: 1 });
                }
                None => self.expr_into(&t.expr, t.expr.root, dest)?,
            }
        }
        self.b.emit(Op::Copy { src: res, dest: rec + k, count: n });
        let sat = block.map_or(0, |b| b.sat);
        if let Some(b) = block {
            let (first, insert) = (self.b.label(), self.b.label());
            self.b.emit(Op::IfNot { reg: b.started, target: first.addr(), jump_if_null: true });
            self.b.emit(Op::CompareRows { lhs: b.prev, rhs: rec, count: sat, key_info: b.prefix.clone() });
            let flush = self.b.label();
            self.b.emit(Op::Jump { lt: flush.addr(), eq: insert.addr(), gt: flush.addr() });
            self.b.resolve(flush);
            self.b.emit(Op::Gosub { ret: b.ret, target: b.flush.addr() });
            self.b.emit(Op::ResetSorter { cursor });
            self.b.resolve(first);
            self.b.emit(Op::Copy { src: rec, dest: b.prev, count: sat });
            self.b.emit(Op::Integer { dest: b.started, value: 1 });
            self.b.resolve(insert);
        }
        self.b.emit(Op::SorterInsert { cursor, start: rec + sat, count: k - sat + n });
        Ok(())
    }

    /// Reads the sorted rows out to the destination (`generateSortTail`).
    pub fn sorter_output(&mut self, cursor: u32, terms: &[OrderTerm], sink: &RowSink<'_>) -> Result<()> {
        let n = sink.n_columns;
        let k = terms.len() as u32;
        let done = self.b.label();
        self.b.emit(Op::SorterSort { cursor, if_empty: done.addr() });
        let top = self.b.current_addr();
        let cont = self.b.label();
        let res = self.b.regs(n);
        for i in 0..n {
            self.b.emit(Op::Column { cursor, column: k + i, dest: res + i });
        }
        let direct = RowSink {
            dest: sink.dest,
            n_columns: n,
            sorter: None,
            block: None,
            distinct: None,
            limits: sink.limits,
            brk: sink.brk,
        };
        self.emit_row(&direct, res, cont)?;
        self.b.resolve(cont);
        self.b.emit(Op::SorterNext { cursor, target: top });
        self.b.resolve(done);
        Ok(())
    }

    /// A core's rows without its own loops: for a core with no FROM clause (and VALUES).
    pub fn values_rows(&mut self, core: &Core, sink: &RowSink<'_>) -> Result<()> {
        let rows = std::iter::once(&core.result).chain(core.values.iter());
        for row in rows {
            let cont = self.b.label();
            self.result_row(row, sink, cont)?;
            self.b.resolve(cont);
        }
        Ok(())
    }
}

impl Compiler<'_> {
    /// Whether SQLite's EXISTS-to-JOIN rewrite (`existsToJoin`, run by sqlite3Select on a
    /// SELECT that is not a compound) would move a table into `core`'s FROM clause: `q` has
    /// no OFFSET, and one of the AND-ed terms of the WHERE clause is `EXISTS (subquery)` (not
    /// NOT EXISTS) over a subquery of one table (not a subquery or view), neither aggregate
    /// nor compound, without LIMIT. The engine does not rewrite; this tells where SQLite's
    /// rewritten query codes what the engine's would not (an ORDER BY over no FROM).
    /// O(terms of the WHERE clause).
    fn exists_becomes_join(&self, q: &Query, core: &Core) -> bool {
        debug_assert_eq!(q.cores.len(), 1, "sqlite3Select rewrites EXISTS only outside compounds");
        let Some(ir) = core.where_clause.as_ref() else { return false };
        if q.offset.is_some() {
            return false;
        }
        let mut terms = vec![ir.root];
        while let Some(id) = terms.pop() {
            match *ir.kind(id) {
                Kind::Binary(crate::sql::ast::BinaryOp::And, l, r) => terms.extend([l, r]),
                Kind::Subquery { id: sub, exists: true, .. } => {
                    let sub = self.subqueries.get(sub);
                    let one_table = |c: &Core| matches!(&c.sources[..], [s] if matches!(s.kind, super::query::SourceKind::Table(_)));
                    if sub.cores.len() == 1
                        && sub.limit.is_none()
                        && !sub.cores[0].aggregate
                        && one_table(&sub.cores[0])
                    {
                        return true;
                    }
                }
                _ => {}
            }
        }
        false
    }
}

/// The error of an aggregate in the ORDER BY `terms` of a query that is not an aggregate
/// one, where SQLite codes the terms (TK_AGG_FUNCTION without an AggInfo; an ORDER BY the
/// loops deliver is not coded). Coding goes on after the error and each one replaces the
/// message: the last one is reported.
fn misused_aggregate(terms: &[OrderTerm]) -> Result<()> {
    match terms.iter().rev().find_map(|t| aggregate_call(&t.expr)) {
        Some(name) => Err(err(format!("misuse of aggregate: {name}()"))),
        None => Ok(()),
    }
}

/// The name of the last aggregate function call that coding `ir` reaches (operands first;
/// an AND / OR with a known-true or known-false side is coded as its simplified form,
/// `sqlite3ExprSimplifiedAndOr`), as written.
pub(super) fn aggregate_call(ir: &Ir) -> Option<String> {
    let mut last = None;
    // (node, children visited)
    let mut stack = vec![(ir.simplified_and_or(ir.root), false)];
    while let Some((id, visited)) = stack.pop() {
        if let Kind::Function { name, args, .. } = ir.kind(id)
            && crate::eval::scalar::lookup(name, args.len())
                .is_ok_and(|d| d.kind == crate::eval::scalar::FunctionKind::Aggregate)
        {
            // Its arguments are not coded: the call itself is the error.
            last = Some(name.clone());
            continue;
        }
        if visited {
            continue;
        }
        stack.push((id, true));
        let children = ir.walk_children(id);
        for &c in children.iter().rev() {
            stack.push((ir.simplified_and_or(c), false));
        }
    }
    last
}

impl Dest {
    /// A single-row destination ignores ORDER BY only when it is EXISTS (the order cannot
    /// change whether a row exists).
    fn single_row_unordered(&self) -> bool {
        matches!(self, Dest::Exists(_))
    }
}
