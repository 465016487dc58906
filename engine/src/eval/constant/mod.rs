//! An evaluator of constant expressions (`ast::Expr` with no column references), built only
//! from the other `eval` modules: for constant folding, DEFAULT values, and for testing the
//! library against SQLite (`SELECT <expr>` must give the same value, or the same error).
//!
//! Evaluation happens in three steps, as in SQLite: name resolution errors
//! (`sqlite3ResolveExprNames`), code generation errors (`sqlite3ExprCode*`), then running the
//! expression in the order and with the short-circuits of SQLite's generated code. None of the
//! steps recurses on the expression, so any depth the parser accepts
//! ([`crate::sql::MAX_EXPR_DEPTH`]) evaluates on any thread's stack.
//!
//! Modules: `ir` (SQLite's parse-time rewrites, in an arena), `check` (preparation errors),
//! `hoist` (operands SQLite computes at statement start), `machine` (evaluation).

pub(crate) mod check;
mod hoist;

mod machine;

use crate::error::Result;
use crate::eval::ir;
use crate::eval::scalar::{FunctionContext, Randomness};
use crate::format::value::Value;
use crate::sql::ast::Expr;

/// The values of bound parameters, by their text (`?1`, `:name`).
pub type Parameters<'a> = &'a dyn Fn(&str) -> Option<Value>;

/// What constant evaluation may use besides the expression.
#[derive(Default)]
pub struct ConstantContext<'a> {
    /// The source of `random()` and `randomblob()`; without one they fail.
    pub random: Option<&'a mut dyn Randomness>,
    /// PRAGMA case_sensitive_like.
    pub case_sensitive_like: bool,
    /// The values of bound parameters, by their text (`?1`, `:name`); without it a parameter
    /// is an error.
    pub parameters: Option<Parameters<'a>>,
    /// The statement's time as a Julian day number in milliseconds (from the Vfs), for
    /// CURRENT_TIME, CURRENT_DATE and CURRENT_TIMESTAMP; without it they are errors.
    pub current_time: Option<i64>,
}

/// The value of a constant expression, or the error SQLite reports for `SELECT expr`
/// (preparation errors first, then the first runtime error). Column references are errors
/// ("no such column: x"), as are aggregates, and `random()` without a source.
pub fn eval_constant(expr: &Expr) -> Result<Value> {
    eval_constant_with(expr, &mut ConstantContext::default())
}

/// [`eval_constant`] with randomness, LIKE's case sensitivity and parameters.
pub fn eval_constant_with(expr: &Expr, ctx: &mut ConstantContext<'_>) -> Result<Value> {
    let ir = ir::lower(expr)?;
    check::resolve(&ir)?;
    check::codegen(&ir)?;
    let mut fctx = FunctionContext {
        collation: Default::default(),
        random: match ctx.random {
            Some(ref mut r) => Some(&mut **r),
            None => None,
        },
        case_sensitive_like: ctx.case_sensitive_like,
        current_time: ctx.current_time,
    };
    // Operands SQLite computes when the statement starts fail first.
    for node in hoist::hoisted(&ir) {
        machine::run_node(&ir, node, &mut fctx, ctx.parameters)?;
    }
    machine::run(&ir, &mut fctx, ctx.parameters)
}

/// The preparation errors of a constant expression, without evaluating it.
pub fn check_constant(expr: &Expr) -> Result<()> {
    let ir = ir::lower(expr)?;
    check::resolve(&ir)?;
    check::codegen(&ir)
}

/// Whether SQLite considers `expr` constant (`sqlite3ExprIsConstant`): no column (TRUE and
/// FALSE aside), no RAISE, and only deterministic built-in functions with valid argument counts.
/// Bound parameters count as constant.
pub fn is_constant(expr: &Expr) -> bool {
    ir::ast_is_constant(expr)
}
