//! What SQLite derives from an expression's shape, for the planner and executor: its affinity
//! (`sqlite3ExprAffinity`), its collation (`sqlite3ExprCollSeq`), the affinity and collation of
//! a comparison (`binaryCompareP5` / `sqlite3BinaryCompareCollSeq`), on the syntax tree, with
//! columns described by the caller. None of these recurse on the expression.
//!
//! The constant evaluator uses its own rewritten tree (see `constant`); these are the same rules
//! for trees that hold columns. Two SQLite details to keep in mind: a COLLATE operator does not
//! mark the expressions above it as having a function (irrelevant here), but it does mark them
//! as having a collation (EP_Collate), which is how `('a' COLLATE NOCASE) || 'b' = 'A' || 'B'`
//! compares under NOCASE.

use super::affinity::comparison_affinity;
use crate::format::value::Collation;
use crate::schema::{Affinity, affinity_of};
use crate::sql::ast::{ColumnRef, Expr, FunctionArgs, UnaryOp};

/// What the caller knows about a column.
pub trait Columns {
    /// The column's affinity (`None` when it is not a column of a table, e.g. an alias).
    fn affinity(&self, column: &ColumnRef) -> Option<Affinity>;
    /// The column's declared collation (`None`: BINARY by default, no explicit collation).
    fn collation(&self, column: &ColumnRef) -> Option<Collation>;
}

/// No columns (constant expressions).
pub struct NoColumns;

impl Columns for NoColumns {
    fn affinity(&self, _: &ColumnRef) -> Option<Affinity> {
        None
    }
    fn collation(&self, _: &ColumnRef) -> Option<Collation> {
        None
    }
}

/// The affinity of an expression (`sqlite3ExprAffinity`): a column's, a CAST's type's, through
/// COLLATE and the first element of a row value; none for everything else (a unary `+` too,
/// which is how `+col` compares without affinity).
pub fn expr_affinity(mut e: &Expr, columns: &dyn Columns) -> Option<Affinity> {
    loop {
        match e {
            Expr::Column(c) => return columns.affinity(c),
            Expr::Cast { type_name, .. } => return Some(affinity_of(type_name)),
            Expr::Collate { operand, .. } => e = operand,
            Expr::Vector(items) if !items.is_empty() => e = &items[0],
            _ => return None,
        }
    }
}

/// The affinity a comparison of `left` with `right` applies (`binaryCompareP5`).
pub fn comparison_affinity_of(left: &Expr, right: &Expr, columns: &dyn Columns) -> Option<Affinity> {
    comparison_affinity(expr_affinity(left, columns), expr_affinity(right, columns))
}

/// Whether an expression is, or has below it, a COLLATE operator (SQLite's EP_Collate).
pub fn has_collate(e: &Expr) -> bool {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        if matches!(e, Expr::Collate { .. }) {
            return true;
        }
        e.push_children(&mut stack);
    }
    false
}

/// SQLite's pLeft, pRight and x.pList of a node, in the shapes SQLite builds (LIKE is the call
/// like(pattern, x, escape)).
fn sqlite_children(e: &Expr) -> (Option<&Expr>, Option<&Expr>, Vec<&Expr>) {
    match e {
        Expr::Unary { operand, .. } | Expr::IsNull { operand, .. } | Expr::Cast { operand, .. } => {
            (Some(operand), None, vec![])
        }
        Expr::Collate { operand, .. } => (Some(operand), None, vec![]),
        Expr::Binary { left, right, .. } => (Some(left), Some(right), vec![]),
        Expr::Like { operand, pattern, escape, .. } => {
            let mut list: Vec<&Expr> = vec![pattern, operand];
            list.extend(escape.as_deref());
            (None, None, list)
        }
        Expr::Between { operand, low, high, .. } => (Some(operand), None, vec![low, high]),
        Expr::InList { operand, list, .. } => (Some(operand), None, list.iter().collect()),
        Expr::InTable { operand, .. } => (Some(operand), None, vec![]),
        Expr::Function(call) => match &call.args {
            FunctionArgs::Star => (None, None, vec![]),
            FunctionArgs::List { args, .. } => (None, None, args.iter().collect()),
        },
        Expr::Case { operand, when_then, else_expr } => {
            let mut list: Vec<&Expr> = when_then.iter().flat_map(|(w, t)| [w, t]).collect();
            list.extend(else_expr.as_deref());
            (operand.as_deref(), None, list)
        }
        Expr::Vector(items) => (None, None, items.iter().collect()),
        _ => (None, None, vec![]),
    }
}

/// The collation of an expression (`sqlite3ExprCollSeq`): `Ok(None)` when it has none (BINARY
/// applies), `Err(name)` for an unknown collation name (SQLite: "no such collation sequence").
/// An explicit COLLATE anywhere below counts, left operands first.
pub fn expr_collation<'e>(mut e: &'e Expr, columns: &dyn Columns) -> Result<Option<Collation>, &'e str> {
    loop {
        match e {
            Expr::Column(c) => return Ok(columns.collation(c)),
            Expr::Cast { operand, .. } | Expr::Unary { op: UnaryOp::Plus, operand } => {
                e = operand;
                continue;
            }
            Expr::Vector(items) if !items.is_empty() => {
                e = &items[0];
                continue;
            }
            Expr::Collate { collation, .. } => {
                return Collation::from_name(collation).map(Some).ok_or(collation.as_str());
            }
            _ => {}
        }
        if !has_collate(e) {
            return Ok(None);
        }
        let (left, right, list) = sqlite_children(e);
        if let Some(l) = left
            && has_collate(l)
        {
            e = l;
            continue;
        }
        match list.into_iter().find(|c| has_collate(c)).or(right) {
            Some(next) => e = next,
            None => return Ok(None),
        }
    }
}

/// The collation a comparison of `left` with `right` uses (`sqlite3BinaryCompareCollSeq`): an
/// explicit COLLATE on the left, else on the right, else the left's column collation, else the
/// right's, else BINARY.
pub fn comparison_collation<'e>(left: &'e Expr, right: &'e Expr, columns: &dyn Columns) -> Result<Collation, &'e str> {
    let found = if has_collate(left) {
        expr_collation(left, columns)?
    } else if has_collate(right) {
        expr_collation(right, columns)?
    } else {
        match expr_collation(left, columns)? {
            Some(c) => Some(c),
            None => expr_collation(right, columns)?,
        }
    };
    Ok(found.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::parse_expr;

    struct Cols;
    impl Columns for Cols {
        fn affinity(&self, c: &ColumnRef) -> Option<Affinity> {
            Some(if c.column == "t" { Affinity::Text } else { Affinity::Integer })
        }
        fn collation(&self, c: &ColumnRef) -> Option<Collation> {
            (c.column == "t").then_some(Collation::NoCase)
        }
    }

    #[test]
    fn shapes() {
        let e = |s: &str| parse_expr(s).unwrap();
        assert_eq!(expr_affinity(&e("t COLLATE binary"), &Cols), Some(Affinity::Text));
        assert_eq!(expr_affinity(&e("+t"), &Cols), None);
        assert_eq!(expr_affinity(&e("CAST(t AS REAL)"), &Cols), Some(Affinity::Real));
        assert_eq!(comparison_affinity_of(&e("t"), &e("i"), &Cols), Some(Affinity::Numeric));
        assert_eq!(comparison_collation(&e("t"), &e("'x'"), &Cols), Ok(Collation::NoCase));
        assert_eq!(comparison_collation(&e("i"), &e("t"), &Cols), Ok(Collation::NoCase));
        assert_eq!(comparison_collation(&e("t"), &e("'x' COLLATE rtrim"), &Cols), Ok(Collation::RTrim));
        assert_eq!(comparison_collation(&e("('a' COLLATE rtrim) || 'b'"), &e("t"), &Cols), Ok(Collation::RTrim));
        assert_eq!(comparison_collation(&e("i"), &e("'x' COLLATE nosuch"), &Cols), Err("nosuch"));
    }
}
