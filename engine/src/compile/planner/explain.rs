//! EXPLAIN QUERY PLAN lines for loops, in SQLite's words (`sqlite3WhereExplainOneScan`):
//! `SCAN t`, `SCAN t USING COVERING INDEX i`, `SEARCH t USING INTEGER PRIMARY KEY (rowid=?)`,
//! `SEARCH t USING INDEX i (a=? AND b>?)`.

use super::Access;
use super::terms::{ConstraintOp, Term};
use crate::compile::query::{Source, SourceKind};
use crate::schema::IndexTarget;

/// The plan line of one loop.
pub(crate) fn loop_line(src: &Source, access: &Access, terms: &[Term<'_>], ordered_index: Option<usize>) -> String {
    let name = if src.name.is_empty() { "(subquery)".to_string() } else { src.name.clone() };
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
