//! The height of an expression as SQLite counts it (`exprSetHeight`, `heightOfSelect`), the
//! same count the parser checks while it builds the tree (`sql::parser::expr`): a leaf is 1,
//! a node one more than its highest operand, a subquery one more than the highest expression
//! of its select; a NOT that SQLite makes a node of its own (NOT LIKE, NOT BETWEEN, NOT IN)
//! adds one. The resolver sums the heights of the expressions it resolves one inside another.

use crate::sql::ast::{Expr, FunctionArgs, Select, SelectCore, UnaryOp};

/// The height of `e`.
pub(super) fn expr_height(e: &Expr) -> u32 {
    let max = |items: &mut dyn Iterator<Item = &Expr>| items.map(expr_height).max().unwrap_or(0);
    match e {
        Expr::Literal(_) | Expr::Variable(_) => 1,
        Expr::Column(c) => 1 + u32::from(c.table.is_some()) + u32::from(c.schema.is_some()),
        Expr::Unary { op, operand } => {
            // SQLite reuses a unary-plus node for `-` or `+` applied to it: no new level.
            let reuses_plus = matches!(op, UnaryOp::Neg | UnaryOp::Plus)
                && matches!(**operand, Expr::Unary { op: UnaryOp::Plus, .. });
            expr_height(operand) + u32::from(!reuses_plus)
        }
        Expr::IsNull { operand, .. } | Expr::Collate { operand, .. } | Expr::Cast { operand, .. } => {
            expr_height(operand) + 1
        }
        Expr::Binary { left, right, .. } => expr_height(left).max(expr_height(right)) + 1,
        Expr::Like { negated, operand, pattern, escape, .. } => {
            let inner = expr_height(operand).max(expr_height(pattern)).max(escape.as_deref().map_or(0, expr_height));
            inner + 1 + u32::from(*negated)
        }
        Expr::Between { negated, operand, low, high } => {
            expr_height(operand).max(expr_height(low)).max(expr_height(high)) + 1 + u32::from(*negated)
        }
        Expr::InList { negated, operand, list } => {
            expr_height(operand).max(max(&mut list.iter())) + 1 + u32::from(*negated)
        }
        Expr::InSelect { negated, operand, select } => {
            expr_height(operand).max(select_height(select)) + 1 + u32::from(*negated)
        }
        Expr::InTable { negated, operand, args, .. } => {
            expr_height(operand).max(max(&mut args.iter().flatten())) + 1 + u32::from(*negated)
        }
        Expr::Subquery(select) | Expr::Exists(select) => select_height(select) + 1,
        Expr::Function(call) => match &call.args {
            FunctionArgs::Star => 1,
            FunctionArgs::List { args, order_by, .. } => {
                let terms = order_by.iter().map(|t| expr_height(&t.expr)).max().map_or(0, |h| h + 1);
                max(&mut args.iter()).max(terms) + 1
            }
        },
        Expr::Case { operand, when_then, else_expr } => {
            let arms = when_then.iter().map(|(w, t)| expr_height(w).max(expr_height(t))).max().unwrap_or(0);
            operand.as_deref().map_or(0, expr_height).max(arms).max(else_expr.as_deref().map_or(0, expr_height)) + 1
        }
        Expr::Vector(items) => max(&mut items.iter()) + 1,
        Expr::Raise { message, .. } => message.as_deref().map_or(0, expr_height) + 1,
    }
}

/// The height of a select: that of its highest expression (result columns, WHERE, GROUP
/// BY, HAVING, VALUES rows of every core; ORDER BY; LIMIT, a node of its own).
pub(super) fn select_height(s: &Select) -> u32 {
    let mut h = 0;
    for (_, core) in s.cores() {
        match core {
            SelectCore::Values(rows) => {
                h = h.max(rows.iter().flatten().map(expr_height).max().unwrap_or(0));
            }
            SelectCore::Select(sel) => {
                for c in &sel.columns {
                    if let crate::sql::ast::ResultColumn::Expr { expr, .. } = c {
                        h = h.max(expr_height(expr));
                    }
                }
                h = h.max(sel.where_clause.as_ref().map_or(0, expr_height));
                h = h.max(sel.group_by.iter().map(expr_height).max().unwrap_or(0));
                h = h.max(sel.having.as_ref().map_or(0, expr_height));
            }
        }
    }
    h = h.max(s.order_by.iter().map(|t| expr_height(&t.expr)).max().unwrap_or(0));
    if let Some(l) = &s.limit {
        h = h.max(expr_height(&l.limit).max(l.offset.as_ref().map_or(0, expr_height)) + 1);
    }
    h
}
