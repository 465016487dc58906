//! The access paths of one source and their costs (SQLite's `whereLoopAddBtree` and
//! `whereLoopAddBtreeIndex`, with its default estimates: a table without statistics holds
//! about a million rows, an index equality on its first column matches about 10, each
//! further column fewer, a unique index fully matched one; a range bound keeps a quarter).
//!
//! Rows and costs are LogEsts computed with SQLite's own integer arithmetic, step for step,
//! so that two paths SQLite tells apart by one unit are told apart here too (a narrower
//! index beats a wider one serving the same terms by exactly that much); `solver` combines
//! them into join orders.

use std::collections::BTreeSet;

use super::logest::{LogEst, add, est_log};
use super::terms::{Constraint, ConstraintOp, Term};
use super::{Access, ConsRef};
use crate::compile::query::{Core, JoinType, OrderTerm, SourceKind};
use crate::eval::affinity::index_affinity_ok;
use crate::schema::{Affinity, IndexTarget};
use crate::sql::ast::IndexedBy;
use crate::storage::Table;

/// Rows in a table without statistics (SQLite's nRowLogEst default: 200, about 2^20).
const TABLE_ROWS: LogEst = 200;
/// Rows an index equality on 1, 2, 3, ... key columns leaves (sqlite3DefaultRowEst: 10, 9,
/// 8, 7, 6 rows, then 5 for every further column).
const EQ_ROWS: [LogEst; 5] = [33, 32, 30, 28, 26];
const EQ_ROWS_BEYOND: LogEst = 23;
/// A table lookup by rowid costs 3 per row (TUNING in whereLoopAddBtreeIndex: nOut + 16).
const LOOKUP: LogEst = 16;

/// A candidate access path for one source, with its estimates per outer row (LogEsts).
#[derive(Clone, Debug)]
pub(super) struct Candidate {
    pub access: Access,
    /// Rows the level produces per outer row (nOut).
    pub rows: LogEst,
    /// Work per outer row (rRun).
    pub cost: LogEst,
    /// Work done once, whatever the outer rows (rSetup: an automatic index's build).
    pub setup: LogEst,
}

impl Candidate {
    /// A candidate without a one-time cost.
    fn per_row(access: Access, rows: LogEst, cost: LogEst) -> Candidate {
        Candidate { access, rows, cost, setup: 0 }
    }
}

/// The rows of an index's key prefix of `n` columns matched by equality
/// (sqlite3DefaultRowEst's aiRowLogEst[n]); a unique index's full key matches one.
fn eq_rows(index: &crate::storage::Index, n: usize) -> LogEst {
    if n == 0 {
        TABLE_ROWS
    } else if index.def.unique && n == index.def.key_len {
        0
    } else {
        EQ_ROWS.get(n - 1).copied().unwrap_or(EQ_ROWS_BEYOND)
    }
}

/// The rows a range leaves of `rows` with `bounds` bounds of which `narrowing` are not an
/// `x IS NOT NULL`'s `x > NULL` (whereRangeScanEst without statistics, whereRangeAdjust):
/// a quarter per narrowing bound, and a quarter again when both bounds are there, but at
/// least 2 rows and at least one LogEst unit fewer per bound.
fn range_rows(rows: LogEst, bounds: usize, narrowing: usize) -> LogEst {
    debug_assert!(narrowing <= bounds && bounds <= 2);
    if bounds == 0 {
        return rows;
    }
    let mut reduced = rows - 20 * narrowing as LogEst;
    if bounds == 2 {
        reduced -= 20;
    }
    reduced.max(10).min(rows - bounds as LogEst)
}

/// True when `term` is `x = N` or `x IS N` with N an integer from -1 to 1 written on the
/// right (sqlite3ExprIsInteger on pRight in whereLoopOutputAdjust): such a term is assumed
/// to keep half the rows rather than a quarter.
fn small_integer_rhs(term: &Term<'_>) -> bool {
    use crate::eval::ir::Kind;
    use crate::format::value::Value;
    use crate::sql::ast::{BinaryOp, UnaryOp};
    let Kind::Binary(BinaryOp::Eq | BinaryOp::Is, _, r) = term.ir.kind(term.node) else { return false };
    let (node, negate) = match term.ir.kind(*r) {
        Kind::Unary(UnaryOp::Neg, x) => (*x, true),
        _ => (*r, false),
    };
    match term.ir.kind(node) {
        Kind::Literal { value: Value::Integer(k), .. } => {
            let k = if negate { k.checked_neg() } else { Some(*k) };
            k.is_some_and(|k| (-1..=1).contains(&k))
        }
        _ => false,
    }
}

/// Whether a constraint can serve source `i` once the sources in `avail` are placed.
fn usable(k: &Constraint, i: usize, avail: u64) -> bool {
    k.source == i && k.rhs_prereq & !avail == 0
}

/// Every access path worth costing for source `i` with the sources in `avail` placed before
/// it, which produce `outer_rows` rows (SQLite's WhereLoops of whereLoopAddBtree, each with
/// its estimates), in this order: a scan of the table (of the INDEXED BY index instead), an
/// automatic index, the rowid by `=`, by IN and by range, then per index its full scan when
/// it covers the statement's columns in narrower rows (not under `one_pass`: the statement
/// changes the source's rows, SQLite's WHERE_ONEPASS_DESIRED) or, with an `order_by`, when
/// it might deliver one of its terms (indexMightHelpWithOrderBy: only that order can make
/// it the cheapest), and its search by the longest equality prefix and range it allows.
/// Never empty.
#[allow(clippy::too_many_arguments)]
pub(super) fn candidates(
    core: &Core,
    terms: &[Term<'_>],
    i: usize,
    avail: u64,
    outer_rows: LogEst,
    used: &BTreeSet<(u32, Option<u32>)>,
    order_by: Option<&[OrderTerm]>,
    one_pass: bool,
) -> Vec<Candidate> {
    let src = &core.sources[i];
    // The rows a candidate yields (whereLoopOutputAdjust): `rows`, one LogEst unit fewer for
    // each term it does not use that reads only this source and the sources the
    // constraints it uses read (a loop is costed once, whatever comes before it, so a term
    // on a source it does not depend on reduces nothing); and when one of those terms is an
    // equality, at most the table's rows less a quarter (half for `= -1`, `= 0`, `= 1`).
    let adjust = |rows: LogEst, uses: &[ConsRef]| {
        let prereq = uses.iter().fold(0u64, |m, r| m | terms[r.term].constraints[r.k].rhs_prereq);
        let allowed = prereq | (1 << i);
        let mut out = rows;
        let mut reduce: LogEst = 0;
        for (t, term) in terms.iter().enumerate() {
            let applies = !uses.iter().any(|r| r.term == t)
                && term.prereq & (1 << i) != 0
                && term.prereq & !allowed == 0
                && term.on_level.is_none_or(|l| l == i);
            if !applies {
                continue;
            }
            out = out.saturating_sub(1);
            if term.constraints.iter().any(|k| matches!(k.op, ConstraintOp::Eq | ConstraintOp::Is)) {
                reduce = reduce.max(if small_integer_rhs(term) { 10 } else { 20 });
            }
        }
        out.min(TABLE_ROWS - reduce)
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
    let log_size = est_log(TABLE_ROWS);
    let scan_rows = adjust(TABLE_ROWS, &[]);
    // TUNING: a full table scan costs 3 per row.
    let mut out = vec![Candidate::per_row(Access::Scan, scan_rows, TABLE_ROWS + LOOKUP)];
    let Some(table) = table else { return out };
    if let Some(auto) = auto_index(table, src, &cons, outer_rows, used) {
        out.push(auto);
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
    let table_row = table_width_logest(table);
    // The cost of reading every entry of an index, with a table lookup per entry unless it
    // covers (whereLoopAddBtree: rSize + 1 + 15*szIdxRow/szTabRow, plus rSize + 16).
    let index_scan_cost = |index: &crate::storage::Index, covering: bool| {
        let run = TABLE_ROWS + 1 + width_factor(index, table, table_row);
        if covering { run } else { add(run, TABLE_ROWS + LOOKUP) }
    };
    if let Some(IndexedBy::Index(_)) = &src.indexed_by {
        let Some(ix) = allowed.iter().position(|a| *a) else { return out };
        let covering = covers(&table.indexes[ix], src.cursor, used);
        out[0] = Candidate::per_row(
            Access::Index { index: ix, eq: Vec::new(), lower: None, upper: None, covering },
            scan_rows,
            index_scan_cost(&table.indexes[ix], covering),
        );
    }
    // The rowid, searched as SQLite searches its INTEGER PRIMARY KEY "index": one row per
    // value, each step costing a table row (rCostIdx = nOut + 16), no lookup.
    let rowid_cons: Vec<&(ConsRef, &Constraint)> = if matches!(src.indexed_by, Some(IndexedBy::Index(_))) {
        Vec::new()
    } else {
        cons.iter().filter(|(_, k)| k.column.is_none()).collect()
    };
    let rowid_cost = |rows: LogEst| add(log_size, rows + LOOKUP);
    if let Some((t, _)) = rowid_cons.iter().find(|(_, k)| matches!(k.op, ConstraintOp::Eq | ConstraintOp::Is)) {
        out.push(Candidate::per_row(Access::RowidEq { term: *t }, adjust(0, &[*t]), rowid_cost(0)));
    }
    if let Some((t, k)) = rowid_cons.iter().find(|(_, k)| k.op == ConstraintOp::In) {
        let n_in = in_items(terms, t.term, k);
        out.push(Candidate::per_row(
            Access::RowidIn { term: *t },
            adjust(n_in, &[*t]),
            rowid_cost(0).saturating_add(n_in),
        ));
    }
    let lower = rowid_cons.iter().find(|(_, k)| k.op.is_lower()).map(|(t, _)| *t);
    let upper = rowid_cons.iter().find(|(_, k)| k.op.is_upper()).map(|(t, _)| *t);
    if lower.is_some() || upper.is_some() {
        let bounds = usize::from(lower.is_some()) + usize::from(upper.is_some());
        let rows = range_rows(TABLE_ROWS, bounds, bounds);
        let uses: Vec<ConsRef> = lower.iter().chain(upper.iter()).copied().collect();
        out.push(Candidate::per_row(Access::RowidRange { lower, upper }, adjust(rows, &uses), rowid_cost(rows)));
    }
    // Indexes, in the table's index order.
    for (ix, index) in table.indexes.iter().enumerate() {
        if !allowed[ix] {
            continue;
        }
        let covering = covers(index, src.cursor, used);
        let index_row = index_width_logest(index, table);
        let mut eq: Vec<ConsRef> = Vec::new();
        let mut rows = TABLE_ROWS;
        // The IN lists' LogEst sizes so far (nInMul + nIn).
        let mut n_in: LogEst = 0;
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
                    rows += eq_rows(index, p + 1) - eq_rows(index, p);
                    match k.op {
                        ConstraintOp::In => n_in = n_in.saturating_add(in_items(terms, t.term, k)),
                        // TUNING (whereLoopAddBtreeIndex): without a likelihood(), "x IS
                        // NULL" matches twice as many rows as "x = ?".
                        ConstraintOp::IsNull => rows += 10,
                        _ => {}
                    }
                }
                None => {
                    next_col = Some((j, col.collation, aff));
                    break;
                }
            }
        }
        let (mut lower, mut upper) = (None, None);
        if let Some((j, coll, aff)) = next_col {
            // An `x > NULL` of `x IS NOT NULL` only where no other bound is there (SQLite
            // tries each and keeps the cheaper loop, which is the narrowing one), and not on
            // a column declared NOT NULL.
            let not_null = table.def.columns[j].not_null;
            let range = |want_lower: bool| {
                cons.iter()
                    .filter(|(_, k)| {
                        k.column == Some(j as u32)
                            && (if want_lower { k.op.is_lower() } else { k.op.is_upper() })
                            && index_affinity_ok(k.affinity, aff)
                            && k.collation == coll
                            && !(k.vnull && not_null)
                    })
                    .min_by_key(|(_, k)| k.vnull)
                    .map(|(t, k)| (*t, k.vnull))
            };
            lower = range(true);
            upper = range(false);
        }
        let bounds = usize::from(lower.is_some()) + usize::from(upper.is_some());
        let narrowing = bounds - usize::from(lower.is_some_and(|(_, vnull)| vnull));
        let (lower, upper) = (lower.map(|(t, _)| t), upper.map(|(t, _)| t));
        // The full scan of the index: worth it when it covers in narrower rows, or when it
        // might deliver the ORDER BY (with INDEXED BY, the scan is the first candidate).
        let helps_order = order_by.is_some_and(|ob| super::order::index_might_help(core, i, ix, ob))
            && !matches!(src.indexed_by, Some(IndexedBy::Index(_)));
        if covering && ((index_row < table_row && !one_pass) || helps_order) {
            out.push(Candidate::per_row(Access::CoveringScan { index: ix }, scan_rows, index_scan_cost(index, true)));
        } else if helps_order {
            let access = Access::Index { index: ix, eq: Vec::new(), lower: None, upper: None, covering: false };
            out.push(Candidate::per_row(access, scan_rows, index_scan_cost(index, false)));
        }
        if eq.is_empty() && bounds == 0 {
            continue;
        }
        rows = range_rows(rows, bounds, narrowing);
        let uses: Vec<ConsRef> = eq.iter().chain(lower.iter()).chain(upper.iter()).copied().collect();
        // The search: one seek, then a step per entry charged by the width of the index's
        // entries against the table's rows, then a table lookup per entry unless covering;
        // an IN multiplies both by its items.
        let mut cost = add(log_size, rows + 1 + width_factor(index, table, table_row));
        if !covering {
            cost = add(cost, rows + LOOKUP);
        }
        let access = Access::Index { index: ix, eq, lower, upper, covering };
        out.push(Candidate::per_row(access, adjust(rows.saturating_add(n_in), &uses), cost.saturating_add(n_in)));
    }
    out
}

/// The width of `index`'s entries against the table's rows as SQLite charges a step through
/// the index (15*szIdxRow/szTabRow: 0 for a tiny index, 15 for one as wide as the table).
fn width_factor(index: &crate::storage::Index, table: &Table, table_row: LogEst) -> LogEst {
    15 * index_width_logest(index, table) / table_row.max(1)
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
    outer_rows: LogEst,
    used: &BTreeSet<(u32, Option<u32>)>,
) -> Option<Candidate> {
    // SQLite's threshold (`pFrom->nRow<3`).
    const MIN_OUTER_ROWS: LogEst = 3;
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
    // TUNING: 20 rows per search (LogEst 43); a build of 7·N·log2(N) (LogEst 28 on top).
    let rows: LogEst = 43;
    Some(Candidate {
        access: Access::AutoIndex { eq, extra },
        rows,
        cost: add(est_log(TABLE_ROWS), rows),
        setup: est_log(TABLE_ROWS) + TABLE_ROWS + 28,
    })
}

/// The LogEst of the number of items of an IN term (a subquery counts as 25, SQLite's
/// guess: LogEst 46).
fn in_items(terms: &[Term<'_>], t: usize, _k: &Constraint) -> LogEst {
    match terms[t].ir.kind(terms[t].node) {
        crate::eval::ir::Kind::In { items, .. } => logest(items.len() as u64),
        _ => 46,
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
