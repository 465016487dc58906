//! Comparisons with SQL's three-valued results: `= <> < <= > >=` (OP_Eq … OP_Ge), `IS` /
//! `IS NOT` (the same opcodes with SQLITE_NULLEQ), `IN (list)` (`sqlite3ExprCodeIN`) and
//! `BETWEEN` (`exprCodeBetween`).
//!
//! Every comparison takes the affinity it applies (see [`super::affinity::comparison_affinity`]
//! for how SQLite picks it from the operands) and the collation for text.

use std::cmp::Ordering;

use super::affinity::comparison_operands;
use super::arith;
use crate::format::value::{Collation, Value, ValueRef, compare_values};
use crate::schema::Affinity;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    /// Whether an ordering of left against right satisfies the operator.
    pub fn holds(self, ord: Ordering) -> bool {
        match self {
            CmpOp::Eq => ord == Ordering::Equal,
            CmpOp::Ne => ord != Ordering::Equal,
            CmpOp::Lt => ord == Ordering::Less,
            CmpOp::Le => ord != Ordering::Greater,
            CmpOp::Gt => ord == Ordering::Greater,
            CmpOp::Ge => ord != Ordering::Less,
        }
    }
}

/// Compares two values as a comparison opcode does: `None` when either is NULL; otherwise the
/// operands converted under `affinity` (see [`comparison_operands`]) and ordered by
/// `sqlite3MemCompare` (numbers < text < blobs, text under `collation`).
pub fn compare(
    left: ValueRef<'_>,
    right: ValueRef<'_>,
    affinity: Option<Affinity>,
    collation: Collation,
) -> Option<Ordering> {
    if matches!(left, ValueRef::Null) || matches!(right, ValueRef::Null) {
        return None;
    }
    if let (ValueRef::Integer(a), ValueRef::Integer(b)) = (left, right) {
        return Some(a.cmp(&b));
    }
    let (l, r) = comparison_operands(left, right, affinity);
    Some(compare_values(l.as_ref(), r.as_ref(), collation))
}

/// `left op right`: NULL when either operand is NULL, else 1 or 0.
pub fn compare_op(
    op: CmpOp,
    left: ValueRef<'_>,
    right: ValueRef<'_>,
    affinity: Option<Affinity>,
    collation: Collation,
) -> Value {
    match compare(left, right, affinity, collation) {
        None => Value::Null,
        Some(ord) => Value::Integer(i64::from(op.holds(ord))),
    }
}

/// `left IS right`: true when both are NULL, false when one is, else `left = right`.
pub fn is(left: ValueRef<'_>, right: ValueRef<'_>, affinity: Option<Affinity>, collation: Collation) -> bool {
    match (left, right) {
        (ValueRef::Null, ValueRef::Null) => true,
        (ValueRef::Null, _) | (_, ValueRef::Null) => false,
        _ => compare(left, right, affinity, collation) == Some(Ordering::Equal),
    }
}

/// The running state of `lhs IN (item, ...)`, fed one item at a time so that the caller can
/// stop evaluating items at the first match (as SQLite does for short or non-constant lists).
#[derive(Clone, Debug)]
pub struct InList<'a> {
    lhs: ValueRef<'a>,
    affinity: Option<Affinity>,
    collation: Collation,
    found: bool,
    saw_null: bool,
}

impl<'a> InList<'a> {
    /// An IN test of `lhs`. `affinity` is the affinity of the left operand (SQLite compares
    /// every item under the left operand's affinity, not a per-item comparison affinity);
    /// `collation` the left operand's collation (the items' collations are not considered).
    pub fn new(lhs: ValueRef<'a>, affinity: Option<Affinity>, collation: Collation) -> InList<'a> {
        InList { lhs, affinity, collation, found: false, saw_null: false }
    }

    /// Considers one item; returns true once the result is known to be true.
    pub fn push(&mut self, item: ValueRef<'_>) -> bool {
        if self.found {
            return true;
        }
        if matches!(item, ValueRef::Null) {
            self.saw_null = true;
        } else if compare(self.lhs, item, self.affinity, self.collation) == Some(Ordering::Equal) {
            self.found = true;
        }
        self.found
    }

    /// The result: 1 when an item matched; NULL when the left operand is NULL or an item was
    /// NULL; else 0. (An empty list is 0 even for a NULL left operand: SQLite folds `x IN ()`
    /// to false before evaluating `x`; callers handle that case.)
    pub fn result(&self) -> Value {
        if self.found {
            Value::Integer(1)
        } else if matches!(self.lhs, ValueRef::Null) || self.saw_null {
            Value::Null
        } else {
            Value::Integer(0)
        }
    }
}

/// `lhs IN (items)` over values already computed (see [`InList`]).
pub fn in_list(lhs: ValueRef<'_>, items: &[Value], affinity: Option<Affinity>, collation: Collation) -> Value {
    if items.is_empty() {
        return Value::Integer(0);
    }
    let mut test = InList::new(lhs, affinity, collation);
    for item in items {
        if test.push(item.as_ref()) {
            break;
        }
    }
    test.result()
}

/// `x BETWEEN low AND high`, which SQLite evaluates as `x >= low AND x <= high`: each
/// comparison with its own affinity and collation (those of `x` against `low`, and of `x`
/// against `high`).
pub fn between(
    x: ValueRef<'_>,
    low: ValueRef<'_>,
    high: ValueRef<'_>,
    (low_affinity, low_collation): (Option<Affinity>, Collation),
    (high_affinity, high_collation): (Option<Affinity>, Collation),
) -> Value {
    let ge = compare_op(CmpOp::Ge, x, low, low_affinity, low_collation);
    let le = compare_op(CmpOp::Le, x, high, high_affinity, high_collation);
    arith::and(ge.as_ref(), le.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_valued() {
        let t = |s: &'static str| ValueRef::Text(s.as_bytes());
        assert_eq!(compare_op(CmpOp::Eq, ValueRef::Integer(1), t("1"), None, Collation::Binary), Value::Integer(0));
        assert_eq!(
            compare_op(CmpOp::Eq, ValueRef::Integer(1), t("1"), Some(Affinity::Numeric), Collation::Binary),
            Value::Integer(1)
        );
        assert_eq!(
            compare_op(CmpOp::Eq, ValueRef::Integer(1), t("1"), Some(Affinity::Text), Collation::Binary),
            Value::Integer(1)
        );
        assert_eq!(compare_op(CmpOp::Lt, ValueRef::Null, t("1"), None, Collation::Binary), Value::Null);
        assert!(is(ValueRef::Null, ValueRef::Null, None, Collation::Binary));
        assert!(!is(ValueRef::Integer(1), ValueRef::Null, None, Collation::Binary));
        let items = [Value::Integer(2), Value::Null];
        assert_eq!(in_list(ValueRef::Integer(1), &items, None, Collation::Binary), Value::Null);
        assert_eq!(in_list(ValueRef::Integer(2), &items, None, Collation::Binary), Value::Integer(1));
    }
}
