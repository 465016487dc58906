//! Expression depth: the constant evaluator takes trees as deep as SQLite allows
//! (`MAX_EXPR_DEPTH` = 1000 levels) without recursion, so it runs on small thread stacks in
//! optimized and unoptimized builds alike. Each tree shape is evaluated on a thread with a
//! 64 KiB stack (a thirty-second of the default), and the deep trees the parser can build
//! are also checked against SQLite.

use touchstone_engine::eval::constant::eval_constant;
use touchstone_engine::format::value::Value;
use touchstone_engine::sql::ast::{BinaryOp, Expr, FunctionArgs, FunctionCall, Literal, UnaryOp};
use touchstone_engine::sql::{MAX_EXPR_DEPTH, parse_expr};

const DEPTH: usize = MAX_EXPR_DEPTH as usize - 1;
const SMALL_STACK: usize = 64 * 1024;

fn int(i: i64) -> Expr {
    Expr::Literal(Literal::Integer(i.to_string()))
}

fn call(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(Box::new(FunctionCall::new(name, FunctionArgs::List { distinct: false, args, order_by: vec![] })))
}

/// Wraps `leaf` in `depth` levels built by `wrap`.
fn nest(depth: usize, leaf: Expr, wrap: impl Fn(Expr) -> Expr) -> Expr {
    let mut e = leaf;
    for _ in 0..depth {
        e = wrap(e);
    }
    e
}

/// Evaluates on a thread with a small stack.
fn eval_small_stack(e: &Expr) -> Result<Value, String> {
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(std::env::var("EVAL_STACK").ok().and_then(|v| v.parse().ok()).unwrap_or(SMALL_STACK))
            .spawn_scoped(s, || eval_constant(e).map_err(|err| err.message().to_string()))
            .unwrap()
            .join()
            .unwrap()
    })
}

#[test]
fn deep_trees_evaluate_without_recursion() {
    let b = |op, l, r| Expr::Binary { op, left: Box::new(l), right: Box::new(r) };
    let shapes: Vec<(&str, Expr, Value)> = vec![
        ("left-deep +", nest(DEPTH, int(0), |e| b(BinaryOp::Add, e, int(1))), Value::Integer(DEPTH as i64)),
        (
            "right-deep ||",
            nest(DEPTH, Expr::Literal(Literal::String(String::new())), |e| {
                b(BinaryOp::Concat, Expr::Literal(Literal::String("a".into())), e)
            }),
            Value::text(&"a".repeat(DEPTH)),
        ),
        (
            "NOT",
            nest(DEPTH, int(1), |e| Expr::Unary { op: UnaryOp::Not, operand: Box::new(e) }),
            Value::Integer(if DEPTH.is_multiple_of(2) { 1 } else { 0 }),
        ),
        (
            "unary minus",
            nest(DEPTH, call("abs", vec![int(3)]), |e| Expr::Unary { op: UnaryOp::Neg, operand: Box::new(e) }),
            Value::Integer(if DEPTH.is_multiple_of(2) { 3 } else { -3 }),
        ),
        ("abs()", nest(DEPTH, int(-5), |e| call("abs", vec![e])), Value::Integer(5)),
        (
            "coalesce()",
            nest(DEPTH, int(7), |e| call("coalesce", vec![Expr::Literal(Literal::Null), e])),
            Value::Integer(7),
        ),
        (
            "CAST",
            nest(DEPTH, int(9), |e| Expr::Cast { operand: Box::new(e), type_name: "TEXT".into() }),
            Value::text("9"),
        ),
        (
            "CASE WHEN",
            nest(DEPTH, int(1), |e| Expr::Case {
                operand: None,
                when_then: vec![(int(1), e)],
                else_expr: Some(Box::new(int(0))),
            }),
            Value::Integer(1),
        ),
        (
            "AND in a condition",
            Expr::Case {
                operand: None,
                when_then: vec![(nest(DEPTH - 1, int(1), |e| b(BinaryOp::And, int(2), e)), int(42))],
                else_expr: None,
            },
            Value::Integer(42),
        ),
        ("OR", nest(DEPTH, int(0), |e| b(BinaryOp::Or, e, Expr::Literal(Literal::Null))), Value::Null),
        (
            "IN",
            nest(DEPTH, int(1), |e| Expr::InList {
                negated: false,
                operand: Box::new(e),
                list: vec![int(1), int(2), int(3)],
            }),
            Value::Integer(1),
        ),
        (
            "BETWEEN",
            nest(DEPTH, int(1), |e| Expr::Between {
                negated: false,
                operand: Box::new(e),
                low: Box::new(int(0)),
                high: Box::new(int(1)),
            }),
            Value::Integer(1),
        ),
        (
            "COLLATE",
            nest(DEPTH, Expr::Literal(Literal::String("a".into())), |e| Expr::Collate {
                operand: Box::new(e),
                collation: "NOCASE".into(),
            }),
            Value::text("a"),
        ),
    ];
    for (name, expr, want) in &shapes {
        let got = eval_small_stack(expr);
        assert_eq!(got.as_ref(), Ok(want), "{name}");
    }
}

#[test]
fn deep_parsed_expressions_match_sqlite() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let texts = [
        format!("0{}", " + 1".repeat(DEPTH - 1)),
        format!("{}1", "NOT ".repeat(DEPTH - 1)),
        format!("{}5", "- ".repeat(DEPTH - 1)),
        format!("'x'{}", " || 'y'".repeat(DEPTH - 1)),
        format!("1{}", " AND 2".repeat(DEPTH - 1)),
        format!("CASE WHEN 0{} THEN 1 ELSE 2 END", " OR 0".repeat(DEPTH - 2)),
    ];
    for text in &texts {
        let theirs: rusqlite::types::Value = conn.query_row(&format!("SELECT {text}"), [], |r| r.get(0)).unwrap();
        let expr = parse_expr(text).unwrap();
        let ours = eval_small_stack(&expr).unwrap();
        let theirs = match theirs {
            rusqlite::types::Value::Integer(i) => Value::Integer(i),
            rusqlite::types::Value::Text(t) => Value::text(&t),
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(ours, theirs, "{}", &text[..40]);
    }
    // One level more is SQLite's error, and the parser's.
    let too_deep = format!("0{}", " + 1".repeat(DEPTH + 1));
    let err = conn.query_row(&format!("SELECT {too_deep}"), [], |r| r.get::<_, i64>(0)).unwrap_err();
    assert!(err.to_string().contains("Expression tree is too large"), "{err}");
    assert!(parse_expr(&too_deep).is_err());
}
