//! The errors SQLite reports while preparing an expression, before any of it runs, in the
//! order it finds them.
//!
//! 1. Name resolution (`resolveExprStep`, a pre-order walk): unknown functions, wrong argument
//!    counts, aggregates where none is allowed, columns. A function's own error is recorded
//!    before its arguments are walked; after an error the walk stops at the next node that is
//!    not a function call (or ISNULL), except that a function's argument list only ends that
//!    list. The last error recorded is the one reported.
//! 2. Code generation, only when resolution succeeded: oversized hex literals, unknown
//!    collations where a comparison uses them, row values used as scalars, RAISE outside a
//!    trigger.

use crate::error::{Error, ErrorCode, Result};
use crate::eval::ir::{Ir, Kind, NodeId, no_such_column};
use crate::eval::scalar::{self, FunctionKind};
use crate::sql::ast::BinaryOp;

fn err(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::Error, message)
}

/// Name resolution errors (the last one found), as `sqlite3ResolveExprNames` reports them.
pub(crate) fn resolve(ir: &Ir) -> Result<()> {
    enum Frame {
        Visit(NodeId),
        /// The end of a function's argument list (or an ISNULL operand): an abort inside stops
        /// here.
        Boundary,
        /// A literal leaf that is not in the rewritten tree (the TRUE of `x IS TRUE`).
        Literal,
    }
    let mut error: Option<Error> = None;
    let mut stack = vec![Frame::Visit(ir.root)];
    while let Some(frame) = stack.pop() {
        let id = match frame {
            Frame::Visit(id) => id,
            Frame::Boundary => continue,
            Frame::Literal => {
                if error.is_some() {
                    unwind(&mut stack);
                }
                continue;
            }
        };
        let abort = match ir.kind(id) {
            Kind::Function { name, args, distinct, order_by } => {
                if let Some(e) = function_error(ir, name, args, *distinct, *order_by, false) {
                    error = Some(e);
                }
                stack.push(Frame::Boundary);
                stack.extend(args.iter().rev().map(|&a| Frame::Visit(a)));
                false
            }
            Kind::IsNull { operand, .. } => {
                stack.push(Frame::Boundary);
                stack.push(Frame::Visit(*operand));
                false
            }
            Kind::Truth { operand, .. } => {
                // The TRUE / FALSE operand is visited after the left one (and stops the walk
                // after an error there).
                stack.push(Frame::Literal);
                stack.push(Frame::Visit(*operand));
                false
            }
            _ if ir.node(id).from_id => false,
            Kind::Column(c) => {
                error = Some(no_such_column(&crate::eval::ir::column_name(c)));
                true
            }
            Kind::Ref(_)
            | Kind::Register { .. }
            | Kind::SelectAst { .. }
            | Kind::InSelectAst { .. }
            | Kind::Subquery { .. }
            | Kind::InSubquery { .. } => {
                error = Some(err("not a constant expression"));
                true
            }
            Kind::Unsupported(message) => {
                error = Some(err(message.clone()));
                true
            }
            _ => {
                if error.is_some() {
                    true
                } else {
                    stack.extend(ir.walk_children(id).into_iter().rev().map(Frame::Visit));
                    false
                }
            }
        };
        if abort {
            unwind(&mut stack);
        }
    }
    /// After an abort: discard the pending nodes up to the enclosing argument list, or all.
    fn unwind(stack: &mut Vec<Frame>) {
        while let Some(f) = stack.pop() {
            if matches!(f, Frame::Boundary) {
                break;
            }
        }
    }
    match error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The resolution error of a function call, if any (`resolveExprStep`'s TK_FUNCTION case).
/// `allow_agg`: an aggregate may stand here (a result column, HAVING or ORDER BY of an
/// aggregate query, outside another aggregate's arguments).
pub(crate) fn function_error(
    ir: &Ir,
    name: &str,
    args: &[NodeId],
    distinct: bool,
    order_by: bool,
    allow_agg: bool,
) -> Option<Error> {
    let mut error = None;
    match scalar::lookup(name, args.len()) {
        Err(e) => return Some(e),
        Ok(def) => {
            if def.kind == FunctionKind::Aggregate {
                if !allow_agg {
                    return Some(err(format!("misuse of aggregate function {name}()")));
                }
                if distinct && args.len() != 1 {
                    return Some(err("DISTINCT aggregates must have exactly one argument"));
                }
                if order_by {
                    return Some(err(format!("ORDER BY in {name}() is not supported yet")));
                }
                return None;
            }
            if def.name == "likelihood" {
                let ok = match ir.kind(args[1]) {
                    Kind::Literal { value: crate::format::value::Value::Real(r), float_token: true, .. } => *r <= 1.0,
                    _ => false,
                };
                if !ok {
                    error = Some(err(format!("second argument to {name}() must be a constant between 0.0 and 1.0")));
                }
            }
        }
    }
    if order_by {
        error = Some(err(format!("ORDER BY may not be used with non-aggregate {name}()")));
    }
    if distinct {
        error = Some(err(format!("DISTINCT may not be used with non-aggregate {name}()")));
    }
    error
}

/// Code generation errors (see the module documentation), walking the expression in the
/// order SQLite generates its code.
pub(crate) fn codegen(ir: &Ir) -> Result<()> {
    enum Step {
        Code(NodeId),
        /// A comparison's collation lookup (skipped once an error exists, as `codeCompare` is).
        CompareCollation(NodeId, NodeId),
        /// An unconditional collation lookup of one expression (IN's left operand).
        Collation(NodeId),
        /// min(), max(), nullif(): the first argument with a collation.
        FunctionCollation(NodeId),
    }
    let mut error: Option<Error> = None;
    let mut stack = vec![Step::Code(ir.root)];
    // Operands moved to the statement's start are coded last (`sqlite3FinishCoding`), and only
    // when nothing failed before.
    let hoisted: std::collections::BTreeSet<NodeId> = super::hoist::hoisted_all(ir).into_iter().collect();
    let mut deferred: Vec<NodeId> = Vec::new();
    let mut coding_deferred = false;
    let no_collation = |name: String| err(format!("no such collation sequence: {name}"));
    loop {
        let Some(step) = stack.pop() else {
            if coding_deferred || error.is_some() || deferred.is_empty() {
                break;
            }
            coding_deferred = true;
            stack.extend(deferred.iter().rev().map(|&d| Step::Code(d)));
            continue;
        };
        let id = match step {
            Step::CompareCollation(l, r) => {
                if error.is_none()
                    && let Err(name) = ir.compare_collation(l, r)
                {
                    error = Some(no_collation(name));
                }
                continue;
            }
            Step::Collation(x) => {
                if let Err(name) = ir.collation(x) {
                    error = Some(no_collation(name));
                }
                continue;
            }
            Step::FunctionCollation(f) => {
                if let Kind::Function { args, .. } = ir.kind(f) {
                    for &a in args {
                        match ir.collation(a) {
                            Ok(Some(_)) => break,
                            Ok(None) => {}
                            Err(name) => error = Some(no_collation(name)),
                        }
                    }
                }
                continue;
            }
            Step::Code(id) => {
                if !coding_deferred && hoisted.contains(&id) {
                    deferred.push(id);
                    continue;
                }
                id
            }
        };
        // Steps are pushed in reverse of the order they run.
        let mut todo: Vec<Step> = Vec::new();
        match ir.kind(id) {
            Kind::HexTooBig(message) => error = Some(err(message.clone())),
            Kind::Vector(_) => error = Some(err("row value misused")),
            Kind::Raise => error = Some(err("RAISE() may only be used within a trigger-program")),
            Kind::Binary(op @ (BinaryOp::And | BinaryOp::Or), l, r) => {
                let _ = op;
                let alt = ir.simplified_and_or(id);
                if alt != id {
                    todo.push(Step::Code(alt));
                } else {
                    todo.extend([Step::Code(*l), Step::Code(*r)]);
                }
            }
            Kind::Binary(op, l, r) => {
                todo.extend([Step::Code(*l), Step::Code(*r)]);
                if is_comparison(*op) {
                    todo.push(Step::CompareCollation(*l, *r));
                }
            }
            Kind::Between { operand, low, high } => todo.extend([
                Step::Code(*operand),
                Step::Code(*low),
                Step::CompareCollation(*operand, *low),
                Step::Code(*high),
                Step::CompareCollation(*operand, *high),
            ]),
            Kind::In { operand, items } => {
                if in_uses_table(ir, items) {
                    todo.push(Step::Collation(*operand));
                    todo.extend(items.iter().map(|&i| Step::Code(i)));
                    todo.push(Step::Code(*operand));
                } else {
                    todo.push(Step::Code(*operand));
                    todo.push(Step::Collation(*operand));
                    todo.extend(items.iter().map(|&i| Step::Code(i)));
                }
            }
            Kind::Case { operand, pairs, else_expr } => {
                todo.extend(operand.iter().map(|&o| Step::Code(o)));
                for &(w, t) in pairs {
                    todo.push(Step::Code(w));
                    if let Some(o) = operand {
                        todo.push(Step::CompareCollation(*o, w));
                    }
                    todo.push(Step::Code(t));
                }
                todo.extend(else_expr.iter().map(|&e| Step::Code(e)));
            }
            Kind::Function { name, args, .. } => {
                if let Ok(def) = scalar::lookup(name, args.len())
                    && def.needs_collation
                {
                    todo.push(Step::FunctionCollation(id));
                }
                todo.extend(args.iter().map(|&a| Step::Code(a)));
            }
            _ => todo.extend(ir.walk_children(id).into_iter().map(Step::Code)),
        }
        stack.extend(todo.into_iter().rev());
    }
    match error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The comparison operators (those that look up a collation).
pub(crate) fn is_comparison(op: BinaryOp) -> bool {
    matches!(
        op,
        BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::Is
            | BinaryOp::IsNot
    )
}

/// Whether `x IN (items)` is evaluated through a temporary index (all items computed first,
/// before the left operand) rather than as a sequence of comparisons: a constant list of more
/// than two items (`sqlite3FindInIndex`).
pub(crate) fn in_uses_table(ir: &Ir, items: &[NodeId]) -> bool {
    items.len() > 2 && items.iter().all(|&i| crate::eval::ir::ir_is_constant(ir, i))
}
