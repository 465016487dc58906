//! The access paths of one source and their costs (SQLite's `whereLoopAddBtree`, with its
//! default estimates: a table without statistics holds about a million rows, an index
//! equality on its first column matches about 10, each further column fewer, a unique index
//! fully matched one; a range bound keeps a quarter).
//!
//! Costs are estimated page-and-row work per outer row; `solver` combines them into join
//! orders.

use std::collections::BTreeSet;

use super::terms::{Constraint, ConstraintOp, Term};
use super::{Access, ConsRef};
use crate::compile::query::{Core, JoinType, OrderTerm, SourceKind};
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
pub(super) struct Candidate {
    pub access: Access,
    /// Rows the level produces per outer row.
    pub rows: f64,
    /// Work per outer row.
    pub cost: f64,
    /// Work done once, whatever the outer rows (an automatic index's build).
    pub setup: f64,
}

impl Candidate {
    /// A candidate without a one-time cost.
    fn per_row(access: Access, rows: f64, cost: f64) -> Candidate {
        Candidate { access, rows, cost, setup: 0.0 }
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
    outer_rows: f64,
    used: &BTreeSet<(u32, Option<u32>)>,
    order_by: Option<&[OrderTerm]>,
    one_pass: bool,
) -> Vec<Candidate> {
    let src = &core.sources[i];
    // The rows a candidate yields: `rows`, less for each term it does not use that reads
    // only this source and the sources the constraints it uses read (whereLoopOutputAdjust:
    // a loop is costed once, whatever comes before it, so a term on a source it does not
    // depend on reduces nothing). Each such term keeps 93.75% of the rows; an equality
    // among them at most a quarter of all.
    let adjust = |rows: f64, uses: &[ConsRef]| {
        let prereq = uses.iter().fold(0u64, |m, r| m | terms[r.term].constraints[r.k].rhs_prereq);
        let allowed = prereq | (1 << i);
        let mut out = rows;
        let mut reduce: f64 = 1.0;
        for (t, term) in terms.iter().enumerate() {
            let applies = !uses.iter().any(|r| r.term == t)
                && term.prereq & (1 << i) != 0
                && term.prereq & !allowed == 0
                && term.on_level.is_none_or(|l| l == i);
            if !applies {
                continue;
            }
            out *= 0.93;
            if term.constraints.iter().any(|k| matches!(k.op, ConstraintOp::Eq | ConstraintOp::Is)) {
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
    let scan_rows = adjust(DEFAULT_ROWS, &[]);
    let mut out = vec![Candidate::per_row(Access::Scan, scan_rows, DEFAULT_ROWS * 3.0)];
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
    if let Some(IndexedBy::Index(_)) = &src.indexed_by {
        let Some(ix) = allowed.iter().position(|a| *a) else { return out };
        let covering = covers(&table.indexes[ix], src.cursor, used);
        let cost = DEFAULT_ROWS * if covering { 1.0 } else { 4.0 };
        out[0] = Candidate::per_row(
            Access::Index { index: ix, eq: Vec::new(), lower: None, upper: None, covering },
            scan_rows,
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
        out.push(Candidate::per_row(Access::RowidEq { term: *t }, 1.0, log_n));
    }
    if let Some((t, k)) = rowid_cons.iter().find(|(_, k)| k.op == ConstraintOp::In) {
        let n_items = in_items(terms, t.term, k).max(1.0);
        out.push(Candidate::per_row(Access::RowidIn { term: *t }, adjust(n_items, &[*t]), n_items * log_n));
    }
    let lower = rowid_cons.iter().find(|(_, k)| k.op.is_lower()).map(|(t, _)| *t);
    let upper = rowid_cons.iter().find(|(_, k)| k.op.is_upper()).map(|(t, _)| *t);
    if lower.is_some() || upper.is_some() {
        let bounds = usize::from(lower.is_some()) + usize::from(upper.is_some());
        let rows = DEFAULT_ROWS / 4f64.powi(bounds as i32);
        let uses: Vec<ConsRef> = lower.iter().chain(upper.iter()).copied().collect();
        out.push(Candidate::per_row(Access::RowidRange { lower, upper }, adjust(rows, &uses), log_n + rows * 3.0));
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
        let mut null_factor = 1.0;
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
                    // sqlite3DefaultRowEst: a unique index's full key matches one row,
                    // whatever the operator (aiRowLogEst[nKeyCol] = 0).
                    let key_rows = if index.def.unique && p + 1 == index.def.key_len { 1.0 } else { EQ_ROWS[p.min(4)] };
                    if k.op == ConstraintOp::In {
                        has_in = true;
                        rows = rows.min(key_rows) * in_items(terms, t.term, k).max(1.0);
                    } else {
                        // TUNING (whereLoopAddBtreeIndex): without a likelihood(), "x IS NULL"
                        // matches twice as many rows as "x = ?".
                        if k.op == ConstraintOp::IsNull {
                            null_factor *= 2.0;
                        }
                        rows = key_rows * null_factor;
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
        // The full scan of the index: worth it when it covers in narrower rows, or when it
        // might deliver the ORDER BY (with INDEXED BY, the scan is the first candidate).
        let helps_order = order_by.is_some_and(|ob| super::order::index_might_help(core, i, ix, ob))
            && !matches!(src.indexed_by, Some(IndexedBy::Index(_)));
        if covering && ((index_row < table_row && !one_pass) || helps_order) {
            // SQLite's rRun of rSize + 1 + 15*szIdxRow/szTabRow against rSize + 16.
            let cost = DEFAULT_ROWS * (1.0 + f64::from(15 * index_row / table_row.max(1))) / 16.0 * 3.0;
            out.push(Candidate::per_row(Access::CoveringScan { index: ix }, scan_rows, cost));
        } else if helps_order {
            // A table lookup per entry on top (nLookup's N*3).
            let access = Access::Index { index: ix, eq: Vec::new(), lower: None, upper: None, covering: false };
            out.push(Candidate::per_row(access, scan_rows, DEFAULT_ROWS * 4.0));
        }
        if eq.is_empty() && bounds == 0 {
            continue;
        }
        rows /= 4f64.powi(bounds as i32);
        let uses: Vec<ConsRef> = eq.iter().chain(lower.iter()).chain(upper.iter()).copied().collect();
        // SQLite charges each entry a search steps over by the width of the index's entries
        // against the table's rows (rCostIdx = nOut + 1 + 15*szIdxRow/szTabRow in LogEst: a
        // factor from 1.07 for a narrow index to 3 for one as wide as the table), then 3 per
        // table lookup: between two indexes that serve the same terms the narrower wins
        // (which decides a one-pass UPDATE's scan order), and a wide index search loses to
        // a scan sooner.
        let width = 15 * i32::from(index_row) / i32::from(table_row.max(1));
        let step = 2f64.powf(f64::from(1 + width) / 10.0);
        let cost = log_n + rows * (step + lookup);
        let access = Access::Index { index: ix, eq, lower, upper, covering };
        out.push(Candidate::per_row(access, adjust(rows, &uses), cost));
    }
    out
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
