//! The constant subexpressions SQLite evaluates once, before everything else
//! (`sqlite3ExprCodeRunJustOnce` into `Parse.pConstExpr`).
//!
//! Where SQLite codes an operand with `sqlite3ExprCodeTemp` (operands of operators, of
//! comparisons, IN items, CASE operands and WHEN terms, ...) a constant operand is factored out
//! of the expression: when it holds a function call (EP_HasFunc) it is computed in place on first
//! use, which changes nothing observable; otherwise it is computed when the statement starts,
//! whether or not the branch it sits in is ever taken. Functions are the only source of runtime
//! errors, and EP_HasFunc is not propagated through COLLATE, so such an operand can fail only
//! through `f(..) COLLATE x` inside it: `CASE WHEN 0 THEN 1 < ((zeroblob(2e9) COLLATE rtrim)
//! = 1) END` fails in SQLite. This module finds those operands, in code generation order.

use crate::eval::ir::{Ir, Kind, NodeId, ir_is_constant};
use crate::eval::scalar;
use crate::sql::ast::{BinaryOp, UnaryOp};

/// How a node is being coded.
#[derive(Clone, Copy)]
enum Mode {
    /// `sqlite3ExprCodeTarget`.
    Target,
    /// `sqlite3ExprCodeTemp`: constant operands are factored out.
    Temp,
    /// `sqlite3ExprIfTrue` / `sqlite3ExprIfFalse`.
    Jump,
    /// An argument of a function that is not constant (`SQLITE_ECEL_FACTOR`).
    Arg,
}

/// The operands SQLite computes at statement start whose evaluation can fail (they hold a
/// function below a COLLATE), in the order SQLite codes them.
pub(crate) fn hoisted(ir: &Ir) -> Vec<NodeId> {
    hoisted_all(ir).into_iter().filter(|&p| holds_function(ir, p)).collect()
}

/// Every operand SQLite moves to the statement's start (`Parse.pConstExpr`), in the order it
/// meets them; their code is generated after the rest, and only when nothing failed before.
pub(crate) fn hoisted_all(ir: &Ir) -> Vec<NodeId> {
    let mut out = Vec::new();
    // (node, mode, constant factoring allowed)
    let mut stack: Vec<(NodeId, Mode, bool)> = vec![(ir.root, Mode::Target, true)];
    while let Some((id, mode, factor)) = stack.pop() {
        let mut todo: Vec<(NodeId, Mode, bool)> = Vec::new();
        match mode {
            Mode::Temp | Mode::Arg => {
                let p = if matches!(mode, Mode::Temp) { skip_collate_and_likely(ir, id) } else { id };
                if factor && ir_is_constant(ir, p) {
                    if ir.node(p).has_func {
                        todo.push((p, Mode::Target, false));
                    } else {
                        out.push(p);
                    }
                } else {
                    todo.push((p, Mode::Target, factor));
                }
            }
            Mode::Jump => match ir.kind(id) {
                Kind::Binary(BinaryOp::And | BinaryOp::Or, l, r) => {
                    let alt = ir.simplified_and_or(id);
                    if alt != id {
                        todo.push((alt, Mode::Jump, factor));
                    } else {
                        todo.extend([(*l, Mode::Jump, factor), (*r, Mode::Jump, factor)]);
                    }
                }
                Kind::Unary(UnaryOp::Not, x) | Kind::Truth { operand: x, .. } => todo.push((*x, Mode::Jump, factor)),
                Kind::Binary(op, l, r) if super::check::is_comparison(*op) => {
                    todo.extend([(*l, Mode::Temp, factor), (*r, Mode::Temp, factor)]);
                }
                Kind::IsNull { operand, .. } => todo.push((*operand, Mode::Temp, factor)),
                Kind::Between { .. } | Kind::In { .. } => todo.push((id, Mode::Target, factor)),
                _ => {
                    if ir.true_false(id).is_none() {
                        todo.push((id, Mode::Temp, factor));
                    }
                }
            },
            Mode::Target => match ir.kind(id) {
                Kind::Unary(UnaryOp::Plus, x) | Kind::Collate { operand: x, .. } | Kind::Cast { operand: x, .. } => {
                    todo.push((*x, Mode::Target, factor));
                }
                Kind::Unary(_, x) | Kind::IsNull { operand: x, .. } | Kind::Truth { operand: x, .. } => {
                    todo.push((*x, Mode::Temp, factor));
                }
                Kind::Binary(BinaryOp::And | BinaryOp::Or, l, r) => {
                    let alt = ir.simplified_and_or(id);
                    if alt != id {
                        todo.push((alt, Mode::Target, factor));
                    } else {
                        todo.extend([(*l, Mode::Target, factor), (*r, Mode::Temp, factor)]);
                    }
                }
                Kind::Binary(_, l, r) => todo.extend([(*l, Mode::Temp, factor), (*r, Mode::Temp, factor)]),
                Kind::Between { operand, low, high } => {
                    todo.extend([
                        (*operand, Mode::Temp, factor),
                        (*low, Mode::Temp, factor),
                        (*high, Mode::Temp, factor),
                    ]);
                }
                Kind::In { operand, items } => {
                    if super::check::in_uses_table(ir, items) {
                        todo.extend(items.iter().map(|&i| (i, Mode::Target, factor)));
                        todo.push((*operand, Mode::Target, false));
                    } else {
                        todo.push((*operand, Mode::Target, false));
                        todo.extend(items.iter().map(|&i| (i, Mode::Temp, factor)));
                    }
                }
                Kind::Case { operand, pairs, else_expr } => {
                    todo.extend(operand.iter().map(|&o| (o, Mode::Temp, factor)));
                    for &(w, t) in pairs {
                        todo.push((w, if operand.is_some() { Mode::Temp } else { Mode::Jump }, factor));
                        todo.push((t, Mode::Target, factor));
                    }
                    todo.extend(else_expr.iter().map(|&e| (e, Mode::Target, factor)));
                }
                Kind::Function { name, args, .. } => {
                    let constant = factor && ir_is_constant(ir, id);
                    let factor = factor && !constant;
                    let inline = scalar::lookup(name, args.len()).map(|d| d.name).unwrap_or("");
                    match inline {
                        "iif" | "if" => {
                            for pair in args.chunks(2) {
                                if pair.len() == 2 {
                                    todo.push((pair[0], Mode::Jump, factor));
                                    todo.push((pair[1], Mode::Target, factor));
                                } else {
                                    todo.push((pair[0], Mode::Target, factor));
                                }
                            }
                        }
                        "coalesce" | "ifnull" | "likely" | "unlikely" | "likelihood" => {
                            todo.extend(args.iter().map(|&a| (a, Mode::Target, factor)));
                        }
                        _ => todo.extend(args.iter().map(|&a| (a, Mode::Arg, factor))),
                    }
                }
                Kind::Vector(items) => todo.extend(items.iter().map(|&i| (i, Mode::Target, factor))),
                _ => {}
            },
        }
        stack.extend(todo.into_iter().rev());
    }
    out
}

/// `sqlite3ExprSkipCollateAndLikely`.
fn skip_collate_and_likely(ir: &Ir, mut id: NodeId) -> NodeId {
    loop {
        match ir.kind(id) {
            Kind::Collate { operand, .. } => id = *operand,
            Kind::Function { name, args, .. }
                if !args.is_empty()
                    && ["likely", "unlikely", "likelihood"].iter().any(|n| n.eq_ignore_ascii_case(name)) =>
            {
                id = args[0];
            }
            _ => return id,
        }
    }
}

/// Whether a function call is anywhere below `id`.
fn holds_function(ir: &Ir, id: NodeId) -> bool {
    let mut stack = vec![id];
    while let Some(n) = stack.pop() {
        if matches!(ir.kind(n), Kind::Function { .. }) {
            return true;
        }
        stack.extend(ir.walk_children(n));
    }
    false
}
