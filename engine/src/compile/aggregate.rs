//! Aggregate queries (SQLite's select.c aggregate paths): aggregate functions, GROUP BY
//! through a sorter, HAVING, bare columns.
//!
//! Bare columns (a column outside any aggregate in an aggregate query) take SQLite's values:
//! when the query has min() or max(), those of the row that last set every extreme;
//! otherwise those of the first row of the group (`updateAccumulator`'s regHit / regAcc).
//!
//! GROUP BY, as SQLite codes it (sqlite3Select's groupBySort): the loops are asked for the
//! groups together; when an index delivers them so, each row is stepped as the loops meet it,
//! otherwise the rows are sorted first:
//!
//! ```text
//!   prev ← NULL; reset accumulators
//!   [loops: sorter ← (GROUP BY keys, columns needed); then] for each (sorted) row:
//!     keys → cur; compare with prev: when different,
//!       prev ← cur; output the finished group (if it has rows); reset
//!     step the aggregates; load bare columns (first row / extreme row)
//!   output the last group
//! ```
//!
//! Without the sorter a group's row is returned as soon as the loops leave the group, as in
//! SQLite (the cost check compares the page fetches of each step).

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use super::planner::{Order, WhereInfo};
use super::query::{Core, OrderTerm};
use super::resolve::ir_equal;
use super::select::RowSink;
use super::{Compiler, CursorSource};
use crate::btree::KeyInfo;
use crate::error::Result;
use crate::eval::aggregate::AggregateKind;
use crate::eval::ir::{Ir, Kind, NodeId};
use crate::eval::scalar::{self, FunctionKind};
use crate::format::value::Collation;
use crate::vdbe::Label;
use crate::vdbe::op::{Op, Reg, TreeSpec};

/// One distinct aggregate call of the query.
struct AggCall {
    /// The expression holding the call, and the call's node.
    ir: Ir,
    node: NodeId,
    kind: AggregateKind,
    distinct: bool,
    collation: Collation,
    slot: u32,
    result: Reg,
}

/// What an aggregate core computes per group (SQLite's AggInfo, roughly): the aggregate
/// calls, the bare columns the output reads outside aggregates and the registers they are
/// loaded into, and the output's result columns and HAVING.
struct AggQuery<'a> {
    calls: &'a [AggCall],
    /// (cursor, column) of each bare column; `bare_regs + i` holds the `i`th.
    bare: &'a [(u32, Option<u32>)],
    bare_regs: Reg,
    /// A min() or max() is among the calls: bare columns load from the row of the extreme.
    has_minmax: bool,
    result: &'a [Ir],
    having: Option<&'a Ir>,
    /// The direction of each GROUP BY key in its sorter: ascending, unless an identical
    /// ORDER BY lends its directions (empty: all ascending).
    group_desc: &'a [bool],
}

impl Compiler<'_> {
    /// Compiles an aggregate core, sending its rows to `sink`. The aggregate calls of
    /// `unsorted` (ORDER BY terms of a one-row query) are computed too, as SQLite's AggInfo
    /// holds them, though nothing is sorted on them. `group_desc` gives the GROUP BY keys'
    /// directions (see [`group_order`]; empty: ascending).
    pub fn aggregate_core(
        &mut self,
        core: &Core,
        sink: &RowSink<'_>,
        unsorted: &[OrderTerm],
        group_desc: &[bool],
    ) -> Result<()> {
        if unsorted.iter().all(|t| !super::resolve::contains_aggregate(&t.expr)) && self.simple_count(core, sink)? {
            return Ok(());
        }
        // The output expressions, with each aggregate call replaced by its result register.
        let mut result: Vec<Ir> = core.result.clone();
        let mut having: Option<Ir> = core.having.clone();
        let mut order: Vec<OrderTerm> = match sink.sorter {
            Some((_, terms)) => terms.iter().map(clone_term).collect(),
            None => Vec::new(),
        };
        let mut unsorted: Vec<Ir> = unsorted.iter().map(|t| t.expr.clone()).collect();
        let mut calls: Vec<AggCall> = Vec::new();
        {
            let mut irs: Vec<&mut Ir> = result.iter_mut().collect();
            irs.extend(having.iter_mut());
            // A term naming a result column is read from the result row (`sorter_insert`); in
            // a compound its expression names another SELECT's sources.
            irs.extend(order.iter_mut().filter(|t| t.result_column.is_none()).map(|t| &mut t.expr));
            irs.extend(unsorted.iter_mut());
            for ir in irs {
                self.extract_aggregates(ir, &mut calls)?;
            }
        }
        // Bare columns: what the output reads of the sources outside aggregates.
        let mut bare = BTreeSet::new();
        let order_exprs = order.iter().filter(|t| t.result_column.is_none()).map(|t| &t.expr);
        for ir in result.iter().chain(having.iter()).chain(order_exprs) {
            self.expr_columns(ir, &mut bare);
        }
        let cursors: BTreeSet<u32> = core.sources.iter().map(|s| s.cursor).collect();
        let bare: Vec<(u32, Option<u32>)> = bare.into_iter().filter(|(c, _)| cursors.contains(c)).collect();
        let bare_regs = self.b.regs(bare.len() as u32);
        let has_minmax = calls.iter().any(|c| matches!(c.kind, AggregateKind::Min | AggregateKind::Max));
        let sink_terms: Option<(u32, &[OrderTerm])> = sink.sorter.map(|(c, _)| (c, &order[..]));
        let out_sink = RowSink {
            dest: sink.dest,
            n_columns: sink.n_columns,
            sorter: sink_terms,
            block: None,
            distinct: sink.distinct,
            limits: sink.limits,
            brk: sink.brk,
        };
        let agg = AggQuery {
            calls: &calls,
            bare: &bare,
            bare_regs,
            has_minmax,
            result: &result,
            having: having.as_ref(),
            group_desc,
        };
        if core.group_by.is_empty() {
            self.aggregate_single(core, &agg, &out_sink)
        } else {
            self.aggregate_grouped(core, &agg, &out_sink)
        }
    }

    /// Finds the aggregate calls of `ir`, reusing an equal earlier one, and replaces each with
    /// its result register.
    fn extract_aggregates(&mut self, ir: &mut Ir, calls: &mut Vec<AggCall>) -> Result<()> {
        for id in 0..ir.nodes.len() {
            let Kind::Function { name, args, distinct, .. } = ir.kind(id).clone() else { continue };
            let def = scalar::lookup(&name, args.len())?;
            if def.kind != FunctionKind::Aggregate {
                continue;
            }
            let existing = calls.iter().position(|c| ir_equal(&c.ir, c.node, ir, id));
            let result = match existing {
                Some(i) => calls[i].result,
                None => {
                    let kind = AggregateKind::lookup(&name, args.len())?;
                    let mut collation = Collation::Binary;
                    if def.needs_collation {
                        for &a in &args {
                            if let Some(c) = ir.collation(a).ok().flatten() {
                                collation = c;
                                break;
                            }
                        }
                    }
                    let slot = self.b.agg();
                    let result = self.b.reg();
                    calls.push(AggCall { ir: ir.clone(), node: id, kind, distinct, collation, slot, result });
                    result
                }
            };
            ir.nodes[id].kind = Kind::Register { reg: result, affinity: None, collation: None };
        }
        Ok(())
    }

    /// Empties every accumulator (and, for a new group, the bare columns).
    fn reset_accumulators(&mut self, agg: &AggQuery<'_>) {
        let n_bare = agg.bare.len();
        for c in agg.calls {
            self.b.emit(Op::AggInit { acc: c.slot, kind: c.kind, collation: c.collation, distinct: c.distinct });
        }
        if n_bare > 0 {
            self.b.emit(Op::Null { dest: agg.bare_regs, count: n_bare as u32 });
        }
    }

    /// Steps every aggregate with the current row, then loads the bare columns: at the
    /// first row (`first_flag` 0) when there is no min()/max(), else when every extreme moved.
    fn update_accumulators(&mut self, agg: &AggQuery<'_>, first_flag: Reg) -> Result<()> {
        let hit = agg.has_minmax.then(|| self.b.reg());
        if let Some(h) = hit {
            self.b.emit(Op::Integer { dest: h, value: 0 });
        }
        for c in agg.calls {
            let Kind::Function { args, .. } = c.ir.kind(c.node).clone() else { continue };
            let first = self.b.regs(args.len() as u32);
            for (i, &a) in args.iter().enumerate() {
                self.expr_into(&c.ir, a, first + i as u32)?;
            }
            let is_minmax = matches!(c.kind, AggregateKind::Min | AggregateKind::Max);
            self.b.emit(Op::AggStep {
                acc: c.slot,
                args: first,
                argc: args.len() as u32,
                hit: if is_minmax { hit } else { None },
            });
        }
        if !agg.bare.is_empty() {
            let skip = self.b.label();
            let flag = hit.unwrap_or(first_flag);
            self.b.emit(Op::If { reg: flag, target: skip.addr(), jump_if_null: false });
            for (i, &(source, column)) in agg.bare.iter().enumerate() {
                let r = crate::eval::ir::ColRef { source, column, affinity: None, collation: None, not_null: false };
                self.column_into(&r, agg.bare_regs + i as u32)?;
            }
            self.b.resolve(skip);
        }
        Ok(())
    }

    /// The finished group: final values, HAVING, the output row. Bare columns read their
    /// loaded registers.
    fn output_group(&mut self, agg: &AggQuery<'_>, sink: &RowSink<'_>, skip: crate::vdbe::Label) -> Result<()> {
        for c in agg.calls {
            self.b.emit(Op::AggFinal { acc: c.slot, dest: c.result });
        }
        let map: BTreeMap<(u32, Option<u32>), Reg> =
            agg.bare.iter().enumerate().map(|(i, &k)| (k, agg.bare_regs + i as u32)).collect();
        self.subst.push(map);
        let r = (|| {
            if let Some(h) = agg.having {
                self.expr_jump(h, h.root, skip, false, true)?;
            }
            self.result_row(agg.result, sink, skip)
        })();
        self.subst.pop();
        r
    }

    /// An aggregate without GROUP BY: one output row.
    fn aggregate_single(&mut self, core: &Core, agg: &AggQuery<'_>, sink: &RowSink<'_>) -> Result<()> {
        self.reset_accumulators(agg);
        let first_flag = self.b.reg();
        self.b.emit(Op::Integer { dest: first_flag, value: 0 });
        let args = call_arguments(agg.calls);
        let wi = self.where_begin_with(core, None, &args.iter().collect::<Vec<_>>())?;
        self.update_accumulators(agg, first_flag)?;
        self.b.emit(Op::Integer { dest: first_flag, value: 1 });
        self.where_end(wi)?;
        let done = self.b.label();
        self.output_group(agg, sink, done)?;
        self.b.resolve(done);
        Ok(())
    }

    /// An aggregate with GROUP BY (module documentation): the loops are asked for the
    /// groups together (WHERE_GROUPBY, in the directions an identical ORDER BY lends the
    /// keys). When they deliver them so (an index in GROUP BY order, SQLite's groupBySort =
    /// 0) each group is finished as the loops leave it; otherwise the rows go through a
    /// sorter first. With an identical ORDER BY, which the caller leaves to the groups'
    /// order, loops that bring groups together but not in the ORDER BY's directions sort too.
    fn aggregate_grouped(&mut self, core: &Core, agg: &AggQuery<'_>, sink: &RowSink<'_>) -> Result<()> {
        // A GROUP BY key holding an aggregate (only a column number under COLLATE gets past
        // name resolution with one): SQLite codes the call without an AggInfo, and the last
        // one coded names the error.
        if let Some(name) = core.group_by.iter().rev().find_map(super::select::aggregate_call) {
            return Err(crate::error::Error::new(
                crate::error::ErrorCode::Error,
                format!("misuse of aggregate: {name}()"),
            ));
        }
        let mut collations = Vec::with_capacity(core.group_by.len());
        for g in &core.group_by {
            collations.push(self.collation_of(g, g.root)?);
        }
        let descending: Vec<bool> =
            (0..collations.len()).map(|i| agg.group_desc.get(i).copied().unwrap_or(false)).collect();
        let group_terms: Vec<OrderTerm> = core
            .group_by
            .iter()
            .zip(&descending)
            .map(|(g, &desc)| OrderTerm { expr: g.clone(), desc, nulls_first: None, result_column: None })
            .collect();
        let key_info = Rc::new(KeyInfo { descending, collations });
        let groups = Groups::new(self, core.group_by.len() as u32, key_info);
        let args = call_arguments(agg.calls);
        let reads: Vec<&Ir> = args.iter().collect();
        let order = Order { terms: &group_terms, group: true, sort_by_group: !agg.group_desc.is_empty() };
        let wi = self.where_begin_with(core, Some(order), &reads)?;
        if wi.ordered && (agg.group_desc.is_empty() || wi.sorted) {
            // Each row: its keys, then the group break and the aggregates' step.
            for (i, g) in core.group_by.iter().enumerate() {
                self.expr_into(g, g.root, groups.cur + i as u32)?;
            }
            self.group_step(agg, &groups)?;
            self.where_end(wi)?;
        } else {
            self.grouped_by_sorter(core, agg, &groups, wi)?;
        }
        self.group_end(agg, sink, &groups)
    }

    /// The rows of the loops `wi` sorted by their GROUP BY keys, then stepped group by group:
    /// the sorter holds the keys and the columns the aggregates' arguments and the bare
    /// columns read, which are read back from it.
    fn grouped_by_sorter(&mut self, core: &Core, agg: &AggQuery<'_>, groups: &Groups, wi: WhereInfo) -> Result<()> {
        let k = groups.width;
        // The columns the sorted rows carry: those the aggregates' arguments and the bare
        // columns read.
        let cursors: BTreeSet<u32> = core.sources.iter().map(|s| s.cursor).collect();
        let mut needed = BTreeSet::new();
        for c in agg.calls {
            if let Kind::Function { args, .. } = c.ir.kind(c.node) {
                for &a in args {
                    let sub = Ir { nodes: c.ir.nodes.clone(), root: a };
                    self.expr_columns(&sub, &mut needed);
                }
            }
        }
        needed.extend(agg.bare.iter().copied());
        let needed: Vec<(u32, Option<u32>)> = needed.into_iter().filter(|(c, _)| cursors.contains(c)).collect();
        let n = needed.len() as u32;
        let sorter = self.b.cursor();
        *self.b.op_mut(wi.top) = Op::SorterOpen { cursor: sorter, key_info: groups.key_info.clone() };
        let rec = self.b.regs(k + n);
        for (i, g) in core.group_by.iter().enumerate() {
            self.expr_into(g, g.root, rec + i as u32)?;
        }
        for (i, &(source, column)) in needed.iter().enumerate() {
            let r = crate::eval::ir::ColRef { source, column, affinity: None, collation: None, not_null: false };
            self.column_into(&r, rec + k + i as u32)?;
        }
        self.b.emit(Op::SorterInsert { cursor: sorter, start: rec, count: k + n });
        self.where_end(wi)?;
        self.plan_row("USE TEMP B-TREE FOR GROUP BY".to_string());
        self.b.emit(Op::SorterSort { cursor: sorter, if_empty: groups.end.addr() });
        let top = self.b.current_addr();
        for i in 0..k {
            self.b.emit(Op::Column { cursor: sorter, column: i, dest: groups.cur + i });
        }
        let cols = self.b.regs(n);
        for i in 0..n {
            self.b.emit(Op::Column { cursor: sorter, column: k + i, dest: cols + i });
        }
        // The aggregates' arguments and the bare columns read the sorted row.
        let map: BTreeMap<(u32, Option<u32>), Reg> =
            needed.iter().enumerate().map(|(i, &key)| (key, cols + i as u32)).collect();
        self.subst.push(map);
        let r = self.group_step(agg, groups);
        self.subst.pop();
        r?;
        self.b.emit(Op::SorterNext { cursor: sorter, target: top });
        Ok(())
    }

    /// One row of a group, its keys in `groups.cur`: when they differ from the last row's,
    /// the last group is output and the accumulators reset; then the aggregates step.
    fn group_step(&mut self, agg: &AggQuery<'_>, groups: &Groups) -> Result<()> {
        let k = groups.width;
        self.b.emit(Op::CompareRows { lhs: groups.prev, rhs: groups.cur, count: k, key_info: groups.key_info.clone() });
        let (changed, same) = (self.b.label(), self.b.label());
        self.b.emit(Op::Jump { lt: changed.addr(), eq: same.addr(), gt: changed.addr() });
        self.b.resolve(changed);
        self.b.emit(Op::Copy { src: groups.cur, dest: groups.prev, count: k });
        self.b.emit(Op::Gosub { ret: groups.ret_out, target: groups.output_sub.addr() });
        self.b.emit(Op::Gosub { ret: groups.ret_reset, target: groups.reset_sub.addr() });
        self.b.resolve(same);
        self.update_accumulators(agg, groups.use_flag)?;
        self.b.emit(Op::Integer { dest: groups.use_flag, value: 1 });
        Ok(())
    }

    /// After the last row: the last group, then the output and reset subroutines.
    fn group_end(&mut self, agg: &AggQuery<'_>, sink: &RowSink<'_>, groups: &Groups) -> Result<()> {
        self.b.emit(Op::Gosub { ret: groups.ret_out, target: groups.output_sub.addr() });
        self.b.emit(Op::Goto { target: groups.end.addr() });
        // Output subroutine: only a group that has rows.
        self.b.resolve(groups.output_sub);
        let ret = self.b.label();
        self.b.emit(Op::IfNot { reg: groups.use_flag, target: ret.addr(), jump_if_null: true });
        self.output_group(agg, sink, ret)?;
        self.b.resolve(ret);
        self.b.emit(Op::Return { ret: groups.ret_out });
        // Reset subroutine.
        self.b.resolve(groups.reset_sub);
        self.reset_accumulators(agg);
        self.b.emit(Op::Integer { dest: groups.use_flag, value: 0 });
        self.b.emit(Op::Return { ret: groups.ret_reset });
        self.b.resolve(groups.end);
        Ok(())
    }

    /// `SELECT count(*) FROM t` (SQLite's isSimpleCount): the b-tree's entry count, from the
    /// narrowest index narrower than the table, else from the table.
    fn simple_count(&mut self, core: &Core, sink: &RowSink<'_>) -> Result<bool> {
        if core.sources.len() != 1
            || core.where_clause.is_some()
            || !core.group_by.is_empty()
            || core.having.is_some()
            || core.result.len() != 1
            || core.distinct
            || sink.sorter.is_some()
        {
            return Ok(false);
        }
        let Some(table) = core.sources[0].table().cloned() else { return Ok(false) };
        let ir = &core.result[0];
        let is_count = matches!(ir.kind(ir.root), Kind::Function { name, args, distinct: false, .. }
            if args.is_empty() && name.eq_ignore_ascii_case("count"));
        if !is_count || core.sources[0].indexed_by.is_some() {
            return Ok(false);
        }
        let table_w = super::planner::table_width_logest(&table);
        let mut best: Option<(usize, i16)> = None;
        for (i, idx) in table.indexes.iter().enumerate() {
            let w = super::planner::index_width_logest(idx, &table);
            if idx.def.where_clause.is_none() && w < table_w && best.is_none_or(|(_, bw)| w < bw) {
                best = Some((i, w));
            }
        }
        self.uses_db = true;
        let cursor = core.sources[0].cursor;
        self.cursors.insert(cursor, CursorSource::Table(table.clone()));
        let name = &core.sources[0].name;
        match best {
            Some((i, _)) => {
                let idx = &table.indexes[i];
                self.open_read(cursor, idx.root, TreeSpec::Index(idx.key_info.clone()));
                self.plan_row(format!("SCAN {name} USING COVERING INDEX {}", idx.def.name));
            }
            None => {
                self.open_read(cursor, table.root, TreeSpec::Table);
                self.plan_row(format!("SCAN {name}"));
            }
        }
        let r = self.b.reg();
        self.b.emit(Op::Count { cursor, dest: r });
        self.b.emit(Op::Close { cursor });
        let skip = self.b.label();
        self.finish_row(r, sink, skip)?;
        self.b.resolve(skip);
        Ok(true)
    }
}

/// The arguments of the aggregate calls, each as an expression of its own (the loops read
/// their columns, wherever the call stands).
/// The ORDER BY of a grouped query when it is the GROUP BY itself (sqlite3Select's
/// orderByGrp): the same expressions in the same order, with no NULLS placement other than
/// the default. The groups then come out of the GROUP BY sorter in the ORDER BY's order (the
/// GROUP BY keys take its directions), and SQLite codes no ORDER BY sorter: each group's row
/// is returned as soon as the group ends, which is visible when a later group fails
/// (`sum()` overflowing) after earlier rows were returned. Returns the directions.
pub(crate) fn group_order(core: &Core, order_by: &[OrderTerm]) -> Option<Vec<bool>> {
    if core.group_by.is_empty() || core.group_by.len() != order_by.len() {
        return None;
    }
    let same = core.group_by.iter().zip(order_by).all(|(g, t)| {
        let default_nulls = t.nulls_first.is_none_or(|first| first != t.desc);
        default_nulls && super::resolve::ir_equal(g, g.root, &t.expr, t.expr.root)
    });
    same.then(|| order_by.iter().map(|t| t.desc).collect())
}

fn call_arguments(calls: &[AggCall]) -> Vec<Ir> {
    let mut out = Vec::new();
    for c in calls {
        if let Kind::Function { args, .. } = c.ir.kind(c.node) {
            out.extend(args.iter().map(|&a| Ir { nodes: c.ir.nodes.clone(), root: a }));
        }
    }
    out
}

/// The registers and labels of a GROUP BY's group breaks.
struct Groups {
    /// GROUP BY keys.
    width: u32,
    key_info: Rc<KeyInfo>,
    /// The last row's keys, and the current row's.
    prev: Reg,
    cur: Reg,
    /// The current group has a row.
    use_flag: Reg,
    ret_out: Reg,
    ret_reset: Reg,
    output_sub: Label,
    reset_sub: Label,
    end: Label,
}

impl Groups {
    /// New group-break registers, with code that starts before the loops: no last row (its
    /// keys NULL, which compare unequal to any) and the accumulators reset.
    fn new(c: &mut Compiler<'_>, width: u32, key_info: Rc<KeyInfo>) -> Groups {
        let groups = Groups {
            width,
            key_info,
            prev: c.b.regs(width),
            cur: c.b.regs(width),
            use_flag: c.b.reg(),
            ret_out: c.b.reg(),
            ret_reset: c.b.reg(),
            output_sub: c.b.label(),
            reset_sub: c.b.label(),
            end: c.b.label(),
        };
        c.b.emit(Op::Null { dest: groups.prev, count: width });
        c.b.emit(Op::Gosub { ret: groups.ret_reset, target: groups.reset_sub.addr() });
        groups
    }
}

fn clone_term(t: &OrderTerm) -> OrderTerm {
    OrderTerm { expr: t.expr.clone(), desc: t.desc, nulls_first: t.nulls_first, result_column: t.result_column }
}
