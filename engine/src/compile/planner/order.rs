//! Which ORDER BY terms a join order delivers without a sort (SQLite's
//! `wherePathSatisfiesOrderBy`, `indexMightHelpWithOrderBy` and the WHERE_ONEROW rule of
//! `whereLoopAddBtreeIndex`).
//!
//! A path (the loops of a join order, outermost first) delivers rows in the order of its
//! outer loop's keys, and within equal outer keys in the order of the next loop's, and so
//! on. The walk below matches the ORDER BY terms against those keys one loop at a time:
//!
//! * an ORDER BY term that is a column of the loop's table held equal by a WHERE term whose
//!   other side reads only outer loops (`x = ?`, `x IS ?`, `x IS NULL`) is satisfied at that
//!   loop whatever its order;
//! * a loop that finds at most one row (WHERE_ONEROW) delivers nothing in order but adds no
//!   rows either;
//! * any other loop delivers its keys (the rowid for a table scan or rowid search, the
//!   index's columns after those held by its equality constraints, then the rowid), each of
//!   which must match the next unsatisfied ORDER BY term (same column, same collation, one
//!   direction for the whole loop: the loop may run in reverse);
//! * a loop is *order-distinct* when no two of its rows share the keys matched (the rowid
//!   was matched, or every column of a UNIQUE index of NOT NULL columns): only then can the
//!   next loop's keys continue the order, and every ORDER BY term reading only
//!   order-distinct loops (or a constant) is satisfied too.
//!
//! The walk stops at the first loop that is not order-distinct or when every term is
//! satisfied. Its result is SQLite's: all N terms; or, when the walk stopped at a loop that
//! is not order-distinct, the longest satisfied prefix (possibly 0), which the caller sorts
//! in blocks or wholly; or unknown (`None`) when the path so far is order-distinct and later
//! loops may satisfy more.

use super::terms::{ConstraintOp, Term};
use super::{Access, ConsRef, LoopPlan};
use crate::compile::query::{Core, OrderTerm, SourceKind};
use crate::eval::ir::{Ir, Kind, NodeId};
use crate::format::value::Collation;
use crate::schema::IndexTarget;
use crate::sql::ast::SortOrder;
use crate::storage::Table;

/// The most ORDER BY terms the walk considers (SQLite's BMS-1: one bit each in a mask).
const MAX_TERMS: usize = 63;

/// A key a loop delivers in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Key {
    /// The rowid (or the INTEGER PRIMARY KEY column that is it).
    Rowid,
    /// A table column.
    Column(u32),
    /// An expression of an index on expressions: matches no ORDER BY term here.
    Expr,
}

/// The keys one loop delivers, as wherePathSatisfiesOrderBy reads a WhereLoop: the index's
/// columns (or the rowid alone), how many of the first are held by equality constraints and
/// with which operator, how many are key columns, and whether the index is UNIQUE.
struct LoopKeys {
    /// (key, descending in the index, collation) for each column, in index order.
    columns: Vec<(Key, bool, Collation)>,
    /// The operator of each equality constraint on the leading columns.
    eq_ops: Vec<ConstraintOp>,
    /// Key columns (0 for the rowid alone: SQLite's nKeyCol of a WHERE_IPK loop).
    n_key: usize,
    unique: bool,
}

/// The key of table column `j` (the rowid for an INTEGER PRIMARY KEY).
fn column_key(table: &Table, j: usize) -> Key {
    if table.def.rowid_alias == Some(j) { Key::Rowid } else { Key::Column(j as u32) }
}

/// What loop `lp` delivers in order; None when it delivers no usable order (an automatic
/// index, whose loop SQLite gives no index to match: the whole ORDER BY is then sorted).
fn loop_keys(core: &Core, terms: &[Term<'_>], lp: &LoopPlan) -> Option<LoopKeys> {
    let op_of = |c: &ConsRef| terms[c.term].constraints[c.k].op;
    let rowid_only = |eq_ops: Vec<ConstraintOp>| LoopKeys {
        columns: vec![(Key::Rowid, false, Collation::Binary)],
        eq_ops,
        n_key: 0,
        unique: false,
    };
    let table = match &core.sources[lp.source].kind {
        SourceKind::Table(t) => Some(t),
        SourceKind::Subquery(_) => None,
    };
    let (index, eq): (usize, &[ConsRef]) = match &lp.access {
        Access::Scan | Access::RowidRange { .. } | Access::RowidEq { .. } => return Some(rowid_only(Vec::new())),
        Access::RowidIn { term } => return Some(rowid_only(vec![op_of(term)])),
        Access::AutoIndex { .. } => return None,
        Access::CoveringScan { index } => (*index, &[]),
        Access::Index { index, eq, .. } => (*index, eq),
    };
    let table = table?;
    let def = &table.indexes[index].def;
    let columns = def
        .columns
        .iter()
        .map(|c| {
            let key = match c.target {
                IndexTarget::Column(j) => column_key(table, j),
                IndexTarget::Rowid => Key::Rowid,
                IndexTarget::Expr(_) => Key::Expr,
            };
            (key, c.order == SortOrder::Desc, c.collation)
        })
        .collect();
    Some(LoopKeys { columns, eq_ops: eq.iter().map(op_of).collect(), n_key: def.key_len, unique: def.unique })
}

/// The column an ORDER BY term names, COLLATE skipped: (cursor, key), if it is a plain
/// column reference.
fn term_column(core: &Core, t: &OrderTerm) -> Option<(u32, Key)> {
    let mut node = t.expr.root;
    while let Kind::Collate { operand, .. } = t.expr.kind(node) {
        node = *operand;
    }
    let Kind::Ref(r) = t.expr.kind(node) else { return None };
    let key = match (r.column, core.sources.iter().find(|s| s.cursor == r.source).and_then(|s| s.table())) {
        (None, _) => Key::Rowid,
        (Some(j), Some(table)) => column_key(table, j as usize),
        (Some(j), None) => Key::Column(j),
    };
    Some((r.source, key))
}

/// The collation an ORDER BY term sorts by (`sqlite3ExprNNCollSeq`): its COLLATE, else its
/// column's, else BINARY.
fn term_collation(t: &OrderTerm) -> Collation {
    t.expr.collation(t.expr.root).ok().flatten().unwrap_or_default()
}

/// NULLS FIRST on a descending term or NULLS LAST on an ascending one (KEYINFO_ORDER_BIGNULL):
/// no index delivers that order here, so such a term is never satisfied by a loop's keys.
fn big_null(t: &OrderTerm) -> bool {
    t.nulls_first.is_some_and(|first| first == t.desc)
}

/// Whether a WHERE term holds column `key` of source `i` equal to something the loops in
/// `ready` (the outer loops) determine, for ORDER BY term `t` (sqlite3WhereFindTerm with
/// WO_EQ | WO_IS | WO_ISNULL, and the collation and affinity checks of
/// wherePathSatisfiesOrderBy). A LEFT JOIN's ON term counts only at its own table.
fn held_equal(terms: &[Term<'_>], i: usize, key: Key, ready: u64, t: &OrderTerm) -> bool {
    let column = match key {
        Key::Rowid => None,
        Key::Column(j) => Some(j),
        Key::Expr => return false,
    };
    terms.iter().filter(|term| term.on_level.is_none_or(|l| l == i)).any(|term| {
        term.constraints.iter().any(|k| {
            if k.source != i || k.rhs_prereq & !ready != 0 {
                return false;
            }
            let same_column = k.column == column || (column.is_none() && k.column.is_none());
            if !same_column || !matches!(k.op, ConstraintOp::Eq | ConstraintOp::Is | ConstraintOp::IsNull) {
                return false;
            }
            if k.op == ConstraintOp::IsNull || column.is_none() {
                return true;
            }
            // The comparison's collation must be the term's, and it must convert neither
            // side (the other side has no affinity or the column's).
            let rhs_affinity = k.rhs.and_then(|n| term.ir.affinity(n));
            let col_affinity = k.rhs.and_then(|n| comparison_column_affinity(term.ir, term.node, n));
            k.collation == term_collation(t) && (rhs_affinity.is_none() || rhs_affinity == col_affinity)
        })
    })
}

/// The affinity of the column side of comparison `node` whose other side is `rhs`.
fn comparison_column_affinity(ir: &Ir, node: NodeId, rhs: NodeId) -> Option<crate::schema::Affinity> {
    match ir.kind(node) {
        Kind::Binary(_, l, r) => ir.affinity(if *l == rhs { *r } else { *l }),
        _ => None,
    }
}

/// The sources of the core an ORDER BY term reads, and whether it can be satisfied by
/// order-distinct loops at all (a term holding a subquery is taken as not: SQLite looks
/// inside, sorting anyway gives the same rows in the same order).
fn term_sources(core: &Core, t: &OrderTerm) -> Option<u64> {
    let mut mask = 0u64;
    for n in &t.expr.nodes {
        match &n.kind {
            Kind::Ref(r) => {
                if let Some(i) = core.sources.iter().position(|s| s.cursor == r.source) {
                    mask |= 1 << i;
                }
            }
            Kind::Subquery { .. } | Kind::InSubquery { .. } | Kind::SelectAst { .. } | Kind::InSelectAst { .. } => {
                return None;
            }
            _ => {}
        }
    }
    Some(mask)
}

/// How many ORDER BY terms the loops of `path` deliver in order (wherePathSatisfiesOrderBy):
/// `Some(n)` when that is settled (all of them, or a prefix when a loop that is not
/// order-distinct ended the walk), `None` when later loops may still satisfy more. Bit `l`
/// of the returned mask: loop `l` must run in reverse. With `group` the terms are a GROUP
/// BY's (WHERE_GROUPBY): equal rows need only come together, so a loop's key may match any
/// unsatisfied term, in either direction.
pub(super) fn path_order(
    core: &Core,
    terms: &[Term<'_>],
    path: &[LoopPlan],
    order_by: &[OrderTerm],
    group: bool,
) -> (Option<usize>, u64) {
    let n = order_by.len();
    let mut rev_mask = 0u64;
    if n > MAX_TERMS {
        return (Some(0), 0);
    }
    let done: u64 = (1u64 << n) - 1;
    let mut sat: u64 = 0;
    let mut order_distinct = true;
    let mut distinct_mask: u64 = 0;
    let mut ready: u64 = 0;
    for (l, lp) in path.iter().enumerate() {
        if !order_distinct || sat == done {
            break;
        }
        if l > 0 {
            ready |= 1 << path[l - 1].source;
        }
        let cursor = core.sources[lp.source].cursor;
        // ORDER BY terms held equal by the WHERE clause.
        for (i, t) in order_by.iter().enumerate() {
            if sat & (1 << i) != 0 {
                continue;
            }
            if let Some((cur, key)) = term_column(core, t)
                && cur == cursor
                && held_equal(terms, lp.source, key, ready, t)
            {
                sat |= 1 << i;
            }
        }
        if !at_most_one_row(core, lp, terms) {
            let Some(keys) = loop_keys(core, terms, lp) else { return (Some(0), 0) };
            let table = core.sources[lp.source].table();
            if keys.n_key > 0 {
                order_distinct = keys.unique;
            }
            let (mut rev, mut rev_set, mut distinct_columns) = (false, false, false);
            for (j, &(key, key_desc, collation)) in keys.columns.iter().enumerate() {
                if let Some(op) = keys.eq_ops.get(j) {
                    match op {
                        ConstraintOp::Eq => continue,
                        ConstraintOp::Is | ConstraintOp::IsNull => {
                            // Several NULL rows may match: not order-distinct.
                            order_distinct = false;
                            continue;
                        }
                        // An IN column is looped over in order: it may match a term.
                        _ => {}
                    }
                }
                // An unconstrained column that may be NULL makes the loop not distinct.
                if order_distinct {
                    let nullable = match key {
                        Key::Column(c) => {
                            j >= keys.eq_ops.len() && table.is_some_and(|t| !t.def.columns[c as usize].not_null)
                        }
                        Key::Expr => true,
                        Key::Rowid => false,
                    };
                    if nullable {
                        order_distinct = false;
                    }
                }
                // The first unsatisfied ORDER BY term must be this key (for a GROUP BY, any
                // unsatisfied term may be).
                let is_key = |t: &OrderTerm| {
                    key != Key::Expr
                        && term_column(core, t) == Some((cursor, key))
                        && (key == Key::Rowid || term_collation(t) == collation)
                };
                let mut unsatisfied = order_by.iter().enumerate().filter(|(i, _)| sat & (1 << i) == 0);
                let matched = if group {
                    unsatisfied.find(|(_, t)| is_key(t))
                } else {
                    unsatisfied.next().filter(|(_, t)| is_key(t))
                };
                let matched = matched.filter(|(_, t)| {
                    if group {
                        return true;
                    }
                    let want = key_desc != t.desc;
                    if rev_set {
                        rev == want
                    } else {
                        rev = want;
                        rev_set = true;
                        if rev {
                            rev_mask |= 1 << l;
                        }
                        true
                    }
                });
                match matched.filter(|(_, t)| !big_null(t)) {
                    Some((i, _)) => {
                        distinct_columns |= key == Key::Rowid;
                        sat |= 1 << i;
                    }
                    None => {
                        if j == 0 || j < keys.n_key {
                            order_distinct = false;
                        }
                        break;
                    }
                }
            }
            if distinct_columns {
                order_distinct = true;
            }
        }
        // Every ORDER BY term reading only order-distinct loops (or a constant) is
        // satisfied too: its value is fixed within the order already delivered.
        if order_distinct {
            distinct_mask |= 1 << lp.source;
            for (i, t) in order_by.iter().enumerate() {
                if sat & (1 << i) != 0 {
                    continue;
                }
                let Some(m) = term_sources(core, t) else { continue };
                if m == 0 && !crate::eval::ir::ir_is_constant(&t.expr, t.expr.root) {
                    continue;
                }
                if m & !distinct_mask == 0 {
                    sat |= 1 << i;
                }
            }
        }
    }
    if sat == done {
        return (Some(n), rev_mask);
    }
    if !order_distinct {
        let prefix = (1..n).rev().find(|&i| {
            let m = (1u64 << i) - 1;
            sat & m == m
        });
        return (Some(prefix.unwrap_or(0)), rev_mask);
    }
    (None, rev_mask)
}

/// Whether a full scan of index `index` of source `i` might deliver some ORDER BY term
/// (indexMightHelpWithOrderBy): a term is the rowid of the source, or one of the index's
/// key columns.
pub(super) fn index_might_help(core: &Core, i: usize, index: usize, order_by: &[OrderTerm]) -> bool {
    let src = &core.sources[i];
    let Some(table) = src.table() else { return false };
    let def = &table.indexes[index].def;
    order_by.iter().any(|t| match term_column(core, t) {
        Some((cur, key)) if cur == src.cursor => {
            key == Key::Rowid
                || def
                    .key_columns()
                    .iter()
                    .any(|c| matches!(c.target, IndexTarget::Column(j) if column_key(table, j) == key))
        }
        _ => false,
    })
}

/// The loop of `lp` finds at most one row, as SQLite's WHERE_ONEROW says (the plans of
/// whereLoopAddBtreeIndex): the rowid by equality, or every column of a UNIQUE index by `=`
/// when the index has one column or only NOT NULL ones (IS, IS NULL and IN can match several).
pub(super) fn at_most_one_row(core: &Core, lp: &LoopPlan, terms: &[Term<'_>]) -> bool {
    match &lp.access {
        Access::RowidEq { .. } => true,
        Access::Index { index, eq, .. } => {
            let SourceKind::Table(table) = &core.sources[lp.source].kind else { return false };
            let def = &table.indexes[*index].def;
            def.unique
                && eq.len() == def.key_len
                && eq.iter().all(|c| terms[c.term].constraints[c.k].op == ConstraintOp::Eq)
                && (def.key_len == 1 || def.key_columns().iter().all(|c| column_not_null(table, c)))
        }
        _ => false,
    }
}

/// Whether index column `c` of `table` can hold no NULL: a NOT NULL column, or the rowid.
fn column_not_null(table: &Table, c: &crate::schema::IndexColumn) -> bool {
    match c.target {
        IndexTarget::Column(j) => table.def.columns[j].not_null || table.def.rowid_alias == Some(j),
        IndexTarget::Rowid => true,
        IndexTarget::Expr(_) => false,
    }
}
