//! EXPLAIN QUERY PLAN lines for loops, in SQLite's words (`sqlite3WhereExplainOneScan`):
//! `SCAN t`, `SCAN t USING COVERING INDEX i`, `SEARCH t USING INTEGER PRIMARY KEY (rowid=?)`,
//! `SEARCH t USING INDEX i (a=? AND b>?)`, `SEARCH t USING AUTOMATIC COVERING INDEX (a=?)`
//! after `BLOOM FILTER ON t (a=?)`, each followed by ` LEFT-JOIN` on a LEFT JOIN's right
//! table.

use super::terms::{ConstraintOp, Term};
use super::{Access, ConsRef};
use crate::compile::query::{JoinType, Source, SourceKind};
use crate::format::value::Collation;
use crate::schema::IndexTarget;

/// The plan line of one loop, with ` LEFT-JOIN` after it for the right table of a LEFT JOIN.
pub(crate) fn loop_line(src: &Source, access: &Access, terms: &[Term<'_>], ordered_index: Option<usize>) -> String {
    let line = access_line(src, access, terms, ordered_index);
    if src.join == JoinType::Left { format!("{line} LEFT-JOIN") } else { line }
}

/// The `BLOOM FILTER ON t (a=? AND b=?)` line SQLite prints before an automatic index's
/// loop when every key column compares with BINARY (constructAutomaticIndex's
/// useBloomFilter); None for other loops. The engine builds no Bloom filter: it would save
/// index searches in memory, not page fetches.
pub(crate) fn bloom_line(src: &Source, access: &Access, terms: &[Term<'_>]) -> Option<String> {
    let Access::AutoIndex { eq, .. } = access else { return None };
    let binary = eq.iter().all(|r| terms[r.term].constraints[r.k].collation == Collation::Binary);
    binary.then(|| format!("BLOOM FILTER ON {} ({})", display_name(src), auto_key_text(src, eq, terms)))
}

/// `a=? AND b=?` for the key columns of an automatic index.
fn auto_key_text(src: &Source, eq: &[ConsRef], terms: &[Term<'_>]) -> String {
    let name = |r: &ConsRef| match (src.table(), terms[r.term].constraints[r.k].column) {
        (Some(t), Some(j)) => t.def.columns[j as usize].name.clone(),
        _ => "rowid".to_string(),
    };
    eq.iter().map(|r| format!("{}=?", name(r))).collect::<Vec<_>>().join(" AND ")
}

/// The name a plan line gives a source.
fn display_name(src: &Source) -> String {
    if src.name.is_empty() { "(subquery)".to_string() } else { src.name.clone() }
}

/// The plan line of one loop, without the join kind.
fn access_line(src: &Source, access: &Access, terms: &[Term<'_>], ordered_index: Option<usize>) -> String {
    let name = display_name(src);
    let table = match &src.kind {
        SourceKind::Table(t) => Some(t),
        SourceKind::Subquery(_) => None,
    };
    match access {
        Access::Scan => match (ordered_index, table) {
            (Some(ix), Some(t)) => format!("SCAN {name} USING INDEX {}", t.indexes[ix].def.name),
            _ => format!("SCAN {name}"),
        },
        Access::CoveringScan { index } => {
            let t = table.expect("a covering index belongs to a table");
            format!("SCAN {name} USING COVERING INDEX {}", t.indexes[*index].def.name)
        }
        Access::RowidEq { .. } | Access::RowidIn { .. } => {
            format!("SEARCH {name} USING INTEGER PRIMARY KEY (rowid=?)")
        }
        Access::RowidRange { lower, upper } => {
            let mut parts = Vec::new();
            if lower.is_some() {
                parts.push("rowid>?");
            }
            if upper.is_some() {
                parts.push("rowid<?");
            }
            format!("SEARCH {name} USING INTEGER PRIMARY KEY ({})", parts.join(" AND "))
        }
        Access::AutoIndex { eq, .. } => {
            format!("SEARCH {name} USING AUTOMATIC COVERING INDEX ({})", auto_key_text(src, eq, terms))
        }
        Access::Index { index, eq, lower, upper, covering } => {
            let t = table.expect("an index belongs to a table");
            let idx = &t.indexes[*index];
            let kind = if *covering { "COVERING INDEX" } else { "INDEX" };
            if eq.is_empty() && lower.is_none() && upper.is_none() {
                return format!("SCAN {name} USING {kind} {}", idx.def.name);
            }
            let col_name = |p: usize| match idx.def.columns[p].target {
                IndexTarget::Column(j) => t.def.columns[j].name.clone(),
                IndexTarget::Rowid => "rowid".to_string(),
                IndexTarget::Expr(_) => "<expr>".to_string(),
            };
            let mut parts: Vec<String> = (0..eq.len()).map(|p| format!("{}=?", col_name(p))).collect();
            let range_col = eq.len();
            // SQLite names the range bounds by the index's order: a bound on a DESC column is
            // printed as its opposite.
            let _ = terms;
            if lower.is_some() {
                parts.push(format!("{}>?", col_name(range_col)));
            }
            if upper.is_some() {
                parts.push(format!("{}<?", col_name(range_col)));
            }
            format!("SEARCH {name} USING {kind} {} ({})", idx.def.name, parts.join(" AND "))
        }
    }
}

/// Whether a constraint op names a lower bound in the printed plan.
#[allow(dead_code)]
fn is_lower(op: ConstraintOp) -> bool {
    op.is_lower()
}
