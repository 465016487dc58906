//! Choosing access paths and the join order (SQLite's `whereLoopAddBtree` and
//! `wherePathSolver`, with their default estimates: a table without statistics holds about a
//! million rows, an index equality on its first column matches about 10, each further column
//! fewer, a unique index fully matched one; a range bound keeps a quarter).
//!
//! Costs are estimated page-and-row work per outer row; a join order's cost is the sum over
//! its levels of (rows reaching the level × the level's cost). The solver keeps the best few
//! partial orders at each step (SQLite keeps 1, 5 or 10 by the number of sources).

use std::collections::BTreeSet;

use super::terms::{Constraint, ConstraintOp, Term};
use super::{Access, ConsRef, LoopPlan, MAX_SOURCES};
use crate::compile::err;
use crate::compile::query::{Core, JoinType, OrderTerm, SourceKind};
use crate::error::Result;
use crate::eval::affinity::index_affinity_ok;
use crate::schema::{Affinity, IndexTarget};
use crate::sql::ast::IndexedBy;
use crate::storage::Table;

/// Rows in a table without statistics (SQLite's nRowLogEst default of 200: 2^20).
const DEFAULT_ROWS: f64 = 1_048_576.0;
/// Rows an index equality on 1, 2, 3, ... key columns leaves (SQLite's aiRowLogEst defaults:
/// LogEst 33, 32, 30, 28, 26).
const EQ_ROWS: [f64; 5] = [10.0, 9.0, 8.0, 7.0, 6.0];

/// A candidate access path for one source, with its estimates per outer row.
#[derive(Clone, Debug)]
struct Candidate {
    access: Access,
    /// Rows the level produces per outer row.
    rows: f64,
    /// Work per outer row.
    cost: f64,
    /// Work done once, whatever the outer rows (an automatic index's build).
    setup: f64,
}

impl Candidate {
    /// A candidate without a one-time cost.
    fn per_row(access: Access, rows: f64, cost: f64) -> Candidate {
        Candidate { access, rows, cost, setup: 0.0 }
    }

    /// Its whole cost under `outer_rows` rows of the loops outside it.
    fn total(&self, outer_rows: f64) -> f64 {
        self.setup + outer_rows * self.cost
    }
}

/// Chooses the join order and access paths. `used` lists the columns the statement reads of
/// each source (for covering indexes).
pub(crate) fn choose(
    core: &Core,
    terms: &[Term<'_>],
    used: &BTreeSet<(u32, Option<u32>)>,
    order_by: Option<&[OrderTerm]>,
) -> Result<Vec<LoopPlan>> {
    let n = core.sources.len();
    if n > MAX_SOURCES {
        return Err(err(format!("at most {MAX_SOURCES} tables in a join")));
    }
    // Sources that must follow others: a LEFT or CROSS join keeps every source to its left
    // before it.
    let must_follow: Vec<u64> = (0..n)
        .map(|i| match core.sources[i].join {
            JoinType::Left | JoinType::Cross => (1u64 << i) - 1,
            JoinType::Inner => 0,
        })
        .collect();
    let beam = match n {
        0 | 1 => 1,
        2 => 5,
        _ => 10,
    };
    // Partial orders: (placed mask, order, cost, rows).
    let mut paths: Vec<(u64, Vec<LoopPlan>, f64, f64)> = vec![(0, Vec::new(), 0.0, 1.0)];
    for _ in 0..n {
        let mut next: Vec<(u64, Vec<LoopPlan>, f64, f64)> = Vec::new();
        for (mask, order, cost, rows) in &paths {
            #[allow(clippy::needless_range_loop)] // `i` is also the source's bit in `mask`.
            for i in 0..n {
                if mask & (1 << i) != 0 || must_follow[i] & !mask != 0 {
                    continue;
                }
                let cand = best_access(core, terms, i, *mask, *rows, used);
                let new_cost = cost + cand.total(*rows);
                let new_rows = (rows * cand.rows).max(1.0);
                let new_mask = mask | (1 << i);
                let mut new_order = order.clone();
                new_order.push(LoopPlan { source: i, access: cand.access, reverse: false });
                // Keep the cheaper of two paths over the same set of sources.
                if let Some(p) = next.iter_mut().find(|p| p.0 == new_mask) {
                    if new_cost < p.2 {
                        *p = (new_mask, new_order, new_cost, new_rows);
                    }
                    continue;
                }
                next.push((new_mask, new_order, new_cost, new_rows));
            }
        }
        next.sort_by(|a, b| a.2.total_cmp(&b.2));
        next.truncate(beam);
        paths = next;
    }
    let Some((_, plan, cost, rows)) = paths.into_iter().next() else { return Ok(Vec::new()) };
    match order_by {
        Some(ob) if n == 1 => Ok(order_by_index(core, terms, plan, cost, rows, ob, used)),
        _ => Ok(plan),
    }
}

/// For one source with an ORDER BY: the cheapest plan counting the sort it needs
/// (wherePathSolver adds whereSortingCost to paths that do not deliver the order). A scan
/// of an index in ORDER BY order needs no sort; the best plan found without regard to order
/// keeps its place unless the index scan is cheaper than it plus its sort.
fn order_by_index(
    core: &Core,
    terms: &[Term<'_>],
    plan: Vec<LoopPlan>,
    cost: f64,
    rows: f64,
    order_by: &[OrderTerm],
    used: &BTreeSet<(u32, Option<u32>)>,
) -> Vec<LoopPlan> {
    if super::code::order_satisfied(core, terms, &mut plan.clone(), order_by) {
        return plan;
    }
    let Some(table) = core.sources[0].table() else { return plan };
    if core.sources[0].indexed_by.is_some() {
        return plan;
    }
    // whereSortingCost: K * N * log(N) with K = 2 for a few result columns.
    let sort_cost = 2.0 * rows * rows.max(2.0).log2();
    let mut best = (cost + sort_cost, plan);
    for (ix, index) in table.indexes.iter().enumerate() {
        let covering = covers(index, core.sources[0].cursor, used);
        let access = Access::Index { index: ix, eq: Vec::new(), lower: None, upper: None, covering };
        let mut candidate = vec![LoopPlan { source: 0, access, reverse: false }];
        if !super::code::order_satisfied(core, terms, &mut candidate, order_by) {
            continue;
        }
        let scan_cost = DEFAULT_ROWS * if covering { 1.0 } else { 4.0 };
        if scan_cost < best.0 {
            best = (scan_cost, candidate);
        }
    }
    best.1
}

/// Whether a constraint can serve source `i` once the sources in `avail` are placed.
fn usable(k: &Constraint, i: usize, avail: u64) -> bool {
    k.source == i && k.rhs_prereq & !avail == 0
}

/// The best access path for source `i` with the sources in `avail` placed before it, which
/// produce `outer_rows` rows (the cheapest by [`Candidate::total`]).
fn best_access(
    core: &Core,
    terms: &[Term<'_>],
    i: usize,
    avail: u64,
    outer_rows: f64,
    used: &BTreeSet<(u32, Option<u32>)>,
) -> Candidate {
    let src = &core.sources[i];
    // Terms this level can test (not consumed by the access path): they reduce its output.
    let testable = |consumed: &[usize]| {
        terms
            .iter()
            .enumerate()
            .filter(|(t, term)| {
                !consumed.contains(t)
                    && term.prereq & (1 << i) != 0
                    && term.prereq & !(avail | (1 << i)) == 0
                    && term.on_level.is_none_or(|l| l == i)
            })
            .map(|(_, term)| term)
            .collect::<Vec<_>>()
    };
    let adjust = |rows: f64, consumed: &[usize]| {
        let mut out = rows;
        let mut reduce: f64 = 1.0;
        for t in testable(consumed) {
            out *= 0.93;
            if t.constraints.iter().any(|k| matches!(k.op, ConstraintOp::Eq | ConstraintOp::Is)) {
                reduce = reduce.max(4.0);
            }
        }
        out.min(rows / reduce).max(1.0)
    };
    let cons: Vec<(ConsRef, &Constraint)> = terms
        .iter()
        .enumerate()
        .flat_map(|(t, term)| term.constraints.iter().enumerate().map(move |(k, c)| (ConsRef { term: t, k }, c)))
        // The right table of a LEFT JOIN is driven by its ON clause only: a WHERE term must
        // see its null row (tag-20191211-001, constraintCompatibleWithOuterJoin).
        .filter(|(r, k)| {
            usable(k, i, avail)
                && match src.join {
                    JoinType::Left => terms[r.term].on_level == Some(i),
                    _ => terms[r.term].on_level.is_none_or(|l| l == i),
                }
        })
        .collect();
    let table: Option<&Table> = match &src.kind {
        SourceKind::Table(t) => Some(t),
        SourceKind::Subquery(_) => None,
    };
    let log_n = DEFAULT_ROWS.log2();
    let mut best = Candidate::per_row(Access::Scan, adjust(DEFAULT_ROWS, &[]), DEFAULT_ROWS * 3.0);
    let consider = |cand: Candidate, best: &mut Candidate| {
        if cand.total(outer_rows) < best.total(outer_rows) {
            *best = cand;
        }
    };
    let Some(table) = table else { return best };
    if let Some(auto) = auto_index(table, src, &cons, outer_rows, used) {
        consider(auto, &mut best);
    }
    // INDEXED BY: only that index, searched or scanned whole; NOT INDEXED: no index
    // (whereLoopAddBtree's pIBIndex and notIndexed rules).
    let allowed: Vec<bool> = table
        .indexes
        .iter()
        .map(|idx| match &src.indexed_by {
            None => true,
            Some(IndexedBy::NotIndexed) => false,
            Some(IndexedBy::Index(n)) => idx.def.name.eq_ignore_ascii_case(&n.name),
        })
        .collect();
    if let Some(IndexedBy::Index(_)) = &src.indexed_by {
        let Some(ix) = allowed.iter().position(|a| *a) else { return best };
        let covering = covers(&table.indexes[ix], src.cursor, used);
        let cost = DEFAULT_ROWS * if covering { 1.0 } else { 4.0 };
        best = Candidate::per_row(
            Access::Index { index: ix, eq: Vec::new(), lower: None, upper: None, covering },
            best.rows,
            cost,
        );
    }
    // The rowid.
    let rowid_cons: Vec<&(ConsRef, &Constraint)> = if matches!(src.indexed_by, Some(IndexedBy::Index(_))) {
        Vec::new()
    } else {
        cons.iter().filter(|(_, k)| k.column.is_none()).collect()
    };
    if let Some((t, _)) = rowid_cons.iter().find(|(_, k)| matches!(k.op, ConstraintOp::Eq | ConstraintOp::Is)) {
        consider(Candidate::per_row(Access::RowidEq { term: *t }, 1.0, log_n), &mut best);
    }
    if let Some((t, k)) = rowid_cons.iter().find(|(_, k)| k.op == ConstraintOp::In) {
        let n_items = in_items(terms, t.term, k).max(1.0);
        consider(
            Candidate::per_row(Access::RowidIn { term: *t }, adjust(n_items, &[t.term]), n_items * log_n),
            &mut best,
        );
    }
    let lower = rowid_cons.iter().find(|(_, k)| k.op.is_lower()).map(|(t, _)| *t);
    let upper = rowid_cons.iter().find(|(_, k)| k.op.is_upper()).map(|(t, _)| *t);
    if lower.is_some() || upper.is_some() {
        let bounds = usize::from(lower.is_some()) + usize::from(upper.is_some());
        let rows = DEFAULT_ROWS / 4f64.powi(bounds as i32);
        let consumed: Vec<usize> = lower.iter().chain(upper.iter()).map(|r| r.term).collect();
        consider(
            Candidate::per_row(Access::RowidRange { lower, upper }, adjust(rows, &consumed), log_n + rows * 3.0),
            &mut best,
        );
    }
    // Indexes, in the table's index order.
    let table_row = table_width_logest(table);
    for (ix, index) in table.indexes.iter().enumerate() {
        if !allowed[ix] {
            continue;
        }
        let covering = covers(index, src.cursor, used);
        let lookup = if covering { 0.0 } else { 3.0 };
        let index_row = index_width_logest(index, table);
        let mut eq: Vec<ConsRef> = Vec::new();
        let mut rows = DEFAULT_ROWS;
        let mut has_in = false;
        let mut exact_unique = index.def.unique;
        let mut next_col = None;
        for (p, col) in index.def.key_columns().iter().enumerate() {
            let IndexTarget::Column(j) = col.target else { break };
            let aff = table.def.columns[j].affinity;
            let found = cons.iter().find(|(_, k)| {
                k.column == Some(j as u32)
                    && k.op.is_equality()
                    && (k.op == ConstraintOp::IsNull
                        || (index_affinity_ok(k.affinity, aff) && k.collation == col.collation))
            });
            match found {
                Some((t, k)) => {
                    eq.push(*t);
                    if k.op == ConstraintOp::In {
                        has_in = true;
                        rows = rows.min(EQ_ROWS[p.min(4)]) * in_items(terms, t.term, k).max(1.0);
                    } else {
                        rows = EQ_ROWS[p.min(4)];
                    }
                    if matches!(k.op, ConstraintOp::IsNull | ConstraintOp::In) {
                        exact_unique = false;
                    }
                }
                None => {
                    next_col = Some((j, col.collation, aff));
                    break;
                }
            }
        }
        let full_eq = eq.len() == index.def.key_len;
        if full_eq && exact_unique {
            rows = if has_in { rows } else { 1.0 };
        }
        let (mut lower, mut upper) = (None, None);
        if let Some((j, coll, aff)) = next_col {
            let range = |want_lower: bool| {
                cons.iter()
                    .find(|(_, k)| {
                        k.column == Some(j as u32)
                            && (if want_lower { k.op.is_lower() } else { k.op.is_upper() })
                            && index_affinity_ok(k.affinity, aff)
                            && k.collation == coll
                    })
                    .map(|(t, _)| *t)
            };
            lower = range(true);
            upper = range(false);
        }
        let bounds = usize::from(lower.is_some()) + usize::from(upper.is_some());
        if eq.is_empty() && bounds == 0 {
            if covering && index_row < table_row {
                // A covering index is a narrower scan of the same rows (SQLite's rRun of
                // rSize + 1 + 15*szIdxRow/szTabRow against rSize + 16).
                let cost = DEFAULT_ROWS * (1.0 + f64::from(15 * index_row / table_row.max(1))) / 16.0 * 3.0;
                consider(Candidate::per_row(Access::CoveringScan { index: ix }, best.rows, cost), &mut best);
            }
            continue;
        }
        rows /= 4f64.powi(bounds as i32);
        let consumed: Vec<usize> = eq.iter().chain(lower.iter()).chain(upper.iter()).map(|r| r.term).collect();
        // SQLite charges an index search by the width of its entries too (rCostIdx's
        // 15*szIdxRow/szTabRow): between two indexes that serve the same terms the narrower
        // wins, which decides a one-pass UPDATE's scan order. Here it only breaks ties.
        let width = f64::from(15 * index_row / table_row.max(1));
        let cost = log_n + rows * (1.0 + lookup) + rows * width * 1e-6;
        consider(
            Candidate::per_row(Access::Index { index: ix, eq, lower, upper, covering }, adjust(rows, &consumed), cost),
            &mut best,
        );
    }
    best
}

/// The automatic index candidate for `table` (source `src`), given the usable constraints
/// `cons` and `outer_rows` rows of the loops outside it (whereLoopAddBtree's "Automatic
/// indexes" and constructAutomaticIndex): none without INDEXED BY / NOT INDEXED, with fewer
/// than 1.25 outer rows (wherePathSolver skips it there), or without an `=` / `IS`
/// constraint on a column that is not the first key column of one of the table's indexes
/// (termCanDriveIndex, columnIsGoodIndexCandidate). Its cost: a build of 7·N·log2(N) for N
/// rows, once; then a search of log2(N) yielding 20 rows per outer row (SQLite's TUNING
/// figures).
fn auto_index(
    table: &Table,
    src: &crate::compile::query::Source,
    cons: &[(ConsRef, &Constraint)],
    outer_rows: f64,
    used: &BTreeSet<(u32, Option<u32>)>,
) -> Option<Candidate> {
    // LogEst 3, SQLite's threshold (`pFrom->nRow<3`).
    const MIN_OUTER_ROWS: f64 = 1.25;
    if src.indexed_by.is_some() || outer_rows < MIN_OUTER_ROWS {
        return None;
    }
    let leads_an_index = |j: usize| {
        table.indexes.iter().any(|ix| ix.def.key_columns().first().is_some_and(|c| c.target == IndexTarget::Column(j)))
    };
    let drives = |k: &Constraint| {
        matches!(k.op, ConstraintOp::Eq | ConstraintOp::Is)
            && k.column.is_some_and(|j| {
                let j = j as usize;
                index_affinity_ok(k.affinity, table.def.columns[j].affinity) && !leads_an_index(j)
            })
    };
    // SQLite's term order: terms as written, then the virtual copies, last term first.
    let mut driving: Vec<(ConsRef, &Constraint)> = cons.iter().filter(|(_, k)| drives(k)).copied().collect();
    driving.sort_by_key(|(r, k)| if k.virtual_copy { (1, usize::MAX - r.term, r.k) } else { (0, r.term, r.k) });
    let mut eq: Vec<ConsRef> = Vec::new();
    let mut key_columns: Vec<u32> = Vec::new();
    for (r, k) in driving {
        let j = k.column.expect("a driving constraint names a column");
        if !key_columns.contains(&j) {
            key_columns.push(j);
            eq.push(r);
        }
    }
    if eq.is_empty() {
        return None;
    }
    let extra: Vec<u32> = used
        .iter()
        .filter(|(cursor, _)| *cursor == src.cursor)
        .filter_map(|(_, column)| *column)
        .filter(|j| !key_columns.contains(j))
        .collect();
    let log_n = DEFAULT_ROWS.log2();
    Some(Candidate {
        access: Access::AutoIndex { eq, extra },
        rows: 20.0,
        cost: log_n + 20.0,
        setup: 7.0 * DEFAULT_ROWS * log_n,
    })
}

/// The number of items of an IN term (a subquery counts as 25, SQLite's guess).
fn in_items(terms: &[Term<'_>], t: usize, _k: &Constraint) -> f64 {
    match terms[t].ir.kind(terms[t].node) {
        crate::eval::ir::Kind::In { items, .. } => items.len() as f64,
        _ => 25.0,
    }
}

/// Whether an index holds every column the statement reads of the table (the rowid is in
/// every index entry).
fn covers(index: &crate::storage::Index, cursor: u32, used: &BTreeSet<(u32, Option<u32>)>) -> bool {
    used.iter().filter(|(cur, _)| *cur == cursor).all(|(_, col)| match col {
        None => true,
        Some(j) => index.def.columns.iter().any(|c| c.target == IndexTarget::Column(*j as usize)),
    })
}

/// SQLite's estimate of a column's width (`sqlite3AffinityType`'s szEst): a TEXT or BLOB
/// type with a size `(N)` in a CHAR or BLOB type counts N/4+1, TEXT / BLOB without one 5,
/// other types and no type 1.
fn column_width(table: &Table, j: usize) -> u64 {
    let c = &table.def.columns[j];
    let Some(declared) = c.declared_type.as_deref() else { return 1 };
    if !matches!(c.affinity, Affinity::Text | Affinity::Blob) {
        return 1;
    }
    let upper = declared.to_ascii_uppercase();
    // SQLite reads a size only after CHAR or BLOB(.
    let sized = upper.find("CHAR").map(|p| &upper[p..]).or_else(|| upper.find("BLOB(").map(|p| &upper[p..]));
    let v: u64 = match sized {
        Some(rest) => {
            let digits: String =
                rest.chars().skip_while(|ch| !ch.is_ascii_digit()).take_while(|ch| ch.is_ascii_digit()).collect();
            digits.parse().unwrap_or(0)
        }
        None => 16,
    };
    (v / 4 + 1).min(255)
}

/// SQLite's LogEst of `x` (`sqlite3LogEst`): about 10 * log2(x), in integers.
pub(crate) fn logest(mut x: u64) -> i16 {
    const A: [i16; 8] = [0, 2, 3, 5, 6, 7, 8, 9];
    let mut y: i16 = 40;
    if x < 8 {
        if x < 2 {
            return 0;
        }
        while x < 8 {
            y -= 10;
            x <<= 1;
        }
    } else {
        while x > 255 {
            y += 40;
            x >>= 4;
        }
        while x > 15 {
            y += 10;
            x >>= 1;
        }
    }
    A[(x & 7) as usize] + y - 10
}

/// The estimated width of a table's row, as a LogEst (`estimateTableWidth`).
pub(crate) fn table_width_logest(table: &Table) -> i16 {
    let w: u64 = (0..table.def.columns.len()).map(|j| column_width(table, j)).sum::<u64>()
        + u64::from(table.def.rowid_alias.is_none());
    logest(w * 4)
}

/// The estimated width of an index entry, as a LogEst (`estimateIndexWidth`): every column
/// of the entry, the rowid included.
pub(crate) fn index_width_logest(index: &crate::storage::Index, table: &Table) -> i16 {
    let w: u64 = index
        .def
        .columns
        .iter()
        .map(|c| match c.target {
            IndexTarget::Column(j) => column_width(table, j),
            _ => 1,
        })
        .sum();
    logest(w * 4)
}
