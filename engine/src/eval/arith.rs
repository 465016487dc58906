//! Operators on values: arithmetic `+ - * / %` (OP_Add … OP_Remainder), unary `-` `+` `~`,
//! bitwise `& | << >>` (OP_BitAnd … OP_ShiftRight), concatenation `||` (OP_Concat), and the
//! logical `NOT`, `AND`, `OR` (OP_Not, OP_And, OP_Or) with SQL's three-valued logic.
//!
//! Arithmetic: when both operands are (or read as) integers the operation is done in 64-bit
//! integers, and an overflow of `+ - *` (or `i64::MIN / -1`) redoes it in REAL; otherwise in
//! REAL. Division and remainder by zero give NULL, as does a REAL result that is NaN.

use super::convert::{self, Numeric};
use super::printf::MAX_LENGTH;
use crate::error::{Error, ErrorCode, Result};
use crate::format::value::{Value, ValueRef};

/// The arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

/// `left op right` for `+ - * / %`.
pub fn arith(op: ArithOp, left: ValueRef<'_>, right: ValueRef<'_>) -> Value {
    let (Some(a), Some(b)) = (convert::numeric_type(left), convert::numeric_type(right)) else {
        return Value::Null;
    };
    if let (Numeric::Integer(x), Numeric::Integer(y)) = (a, b) {
        let result = match op {
            ArithOp::Add => x.checked_add(y),
            ArithOp::Sub => x.checked_sub(y),
            ArithOp::Mul => x.checked_mul(y),
            ArithOp::Div => {
                if y == 0 {
                    return Value::Null;
                }
                // i64::MIN / -1 overflows: done in REAL below.
                x.checked_div(y)
            }
            ArithOp::Rem => {
                if y == 0 {
                    return Value::Null;
                }
                // x % -1 is 0; SQLite uses 1 to avoid i64::MIN % -1 overflowing.
                Some(x % if y == -1 { 1 } else { y })
            }
        };
        if let Some(r) = result {
            return Value::Integer(r);
        }
    }
    // REAL arithmetic, on the operands' real values.
    let (ra, rb) = (convert::real_value(left), convert::real_value(right));
    let r = match op {
        ArithOp::Add => ra + rb,
        ArithOp::Sub => ra - rb,
        ArithOp::Mul => ra * rb,
        ArithOp::Div => {
            if rb == 0.0 {
                return Value::Null;
            }
            ra / rb
        }
        ArithOp::Rem => {
            // The remainder of the operands' integer values (text by its digit prefix).
            let ia = convert::int_value(left);
            let ib = convert::int_value(right);
            if ib == 0 {
                return Value::Null;
            }
            (ia % if ib == -1 { 1 } else { ib }) as f64
        }
    };
    if r.is_nan() { Value::Null } else { Value::Real(r) }
}

/// `-x`, which SQLite computes as `0 - x` (a literal operand is negated at parse time instead;
/// see the constant evaluator).
pub fn negate(x: ValueRef<'_>) -> Value {
    arith(ArithOp::Sub, ValueRef::Integer(0), x)
}

/// `~x` (OP_BitNot): the complement of the integer value; NULL stays NULL.
pub fn bit_not(x: ValueRef<'_>) -> Value {
    match x {
        ValueRef::Null => Value::Null,
        other => Value::Integer(!convert::int_value(other)),
    }
}

/// The bitwise operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BitOp {
    And,
    Or,
    ShiftLeft,
    ShiftRight,
}

/// `left op right` for `& | << >>` on the operands' integer values. A negative shift shifts
/// the other way; shifts of 64 or more give 0 (or -1 for a negative value shifted right).
pub fn bit(op: BitOp, left: ValueRef<'_>, right: ValueRef<'_>) -> Value {
    if matches!(left, ValueRef::Null) || matches!(right, ValueRef::Null) {
        return Value::Null;
    }
    let a = convert::int_value(left);
    let b = convert::int_value(right);
    let result = match op {
        BitOp::And => a & b,
        BitOp::Or => a | b,
        BitOp::ShiftLeft | BitOp::ShiftRight => {
            if b == 0 {
                a
            } else {
                let (left_shift, count) = if b < 0 {
                    (op == BitOp::ShiftRight, if b > -64 { -b } else { 64 })
                } else {
                    (op == BitOp::ShiftLeft, b)
                };
                if count >= 64 {
                    if a >= 0 || left_shift { 0 } else { -1 }
                } else if left_shift {
                    ((a as u64) << count) as i64
                } else {
                    a >> count
                }
            }
        }
    };
    Value::Integer(result)
}

/// `left || right` (OP_Concat): NULL when either is NULL; otherwise the text of both (numbers
/// rendered, blobs taken as bytes), as TEXT. Fails with SQLITE_TOOBIG beyond SQLite's length
/// limit.
pub fn concat(left: ValueRef<'_>, right: ValueRef<'_>) -> Result<Value> {
    let (Some(mut a), Some(b)) = (convert::text_bytes(left), convert::text_bytes(right)) else {
        return Ok(Value::Null);
    };
    if a.len() + b.len() > MAX_LENGTH {
        return Err(too_big());
    }
    a.extend_from_slice(&b);
    Ok(Value::Text(a))
}

/// SQLITE_TOOBIG with SQLite's message.
pub fn too_big() -> Error {
    Error::new(ErrorCode::TooBig, "string or blob too big")
}

/// `NOT x` (OP_Not): NULL stays NULL; otherwise 1 when `x` is false.
pub fn not(x: ValueRef<'_>) -> Value {
    match convert::truth(x) {
        None => Value::Null,
        Some(t) => Value::Integer(i64::from(!t)),
    }
}

fn from_truth(t: Option<bool>) -> Value {
    t.map_or(Value::Null, |t| Value::Integer(i64::from(t)))
}

/// `a AND b` (OP_And): false if either is false, else NULL if either is NULL, else true.
pub fn and(a: ValueRef<'_>, b: ValueRef<'_>) -> Value {
    from_truth(match (convert::truth(a), convert::truth(b)) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    })
}

/// `a OR b` (OP_Or): true if either is true, else NULL if either is NULL, else false.
pub fn or(a: ValueRef<'_>, b: ValueRef<'_>) -> Value {
    from_truth(match (convert::truth(a), convert::truth(b)) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    })
}

/// `x IS TRUE` / `x IS FALSE` / `x IS NOT TRUE` / `x IS NOT FALSE` (OP_IsTrue): never NULL.
pub fn is_truth(x: ValueRef<'_>, truth: bool, negated: bool) -> Value {
    let matches = convert::truth(x) == Some(truth);
    Value::Integer(i64::from(matches != negated))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_overflow_goes_real() {
        assert_eq!(
            arith(ArithOp::Add, ValueRef::Integer(i64::MAX), ValueRef::Integer(1)),
            Value::Real(9_223_372_036_854_775_808.0)
        );
        assert_eq!(
            arith(ArithOp::Div, ValueRef::Integer(i64::MIN), ValueRef::Integer(-1)),
            Value::Real(9_223_372_036_854_775_808.0)
        );
        assert_eq!(arith(ArithOp::Rem, ValueRef::Integer(i64::MIN), ValueRef::Integer(-1)), Value::Integer(0));
        assert_eq!(arith(ArithOp::Div, ValueRef::Integer(7), ValueRef::Integer(-2)), Value::Integer(-3));
        assert_eq!(arith(ArithOp::Rem, ValueRef::Real(5.5), ValueRef::Integer(2)), Value::Real(1.0));
        assert_eq!(arith(ArithOp::Div, ValueRef::Integer(1), ValueRef::Integer(0)), Value::Null);
        assert_eq!(negate(ValueRef::Text(b"abc")), Value::Integer(0));
    }

    #[test]
    fn shifts() {
        let s = |op, a, b| bit(op, ValueRef::Integer(a), ValueRef::Integer(b));
        assert_eq!(s(BitOp::ShiftLeft, 1, 64), Value::Integer(0));
        assert_eq!(s(BitOp::ShiftLeft, 1, 63), Value::Integer(i64::MIN));
        assert_eq!(s(BitOp::ShiftRight, -1, 64), Value::Integer(-1));
        assert_eq!(s(BitOp::ShiftRight, 8, -2), Value::Integer(32));
        assert_eq!(s(BitOp::ShiftRight, 1, i64::MIN), Value::Integer(0));
    }
}
