//! Type affinity: what a column's affinity does to a value stored in it (`applyAffinity`,
//! `applyNumericAffinity`, OP_Affinity / OP_RealAffinity), and which affinity a comparison
//! uses (`sqlite3CompareAffinity`, `sqlite3IndexAffinityOk`).
//!
//! An expression's affinity is `Option<Affinity>`: `None` is SQLite's SQLITE_AFF_NONE (a literal
//! or a computed value), `Some(Affinity::Blob)` a column declared with no type or BLOB.

use super::convert::{self, AtoiStatus, atoi64};
use crate::format::value::{Value, ValueRef};
use crate::schema::Affinity;

/// True for NUMERIC, INTEGER and REAL (`sqlite3IsNumericAffinity`).
pub fn is_numeric(affinity: Affinity) -> bool {
    matches!(affinity, Affinity::Numeric | Affinity::Integer | Affinity::Real)
}

/// The INTEGER equal to the REAL `r` when the conversion is exact and `r` is strictly inside
/// the i64 range (`sqlite3VdbeIntegerAffinity`); otherwise `None`.
pub fn integer_affinity(r: f64) -> Option<i64> {
    let ix = convert::real_to_i64(r);
    (r == ix as f64 && ix > i64::MIN && ix < i64::MAX).then_some(ix)
}

/// The number text reads as, when all of it does (`applyNumericAffinity`): `None` when the text
/// (spaces aside) is not a number. Integer-looking text that fits is INTEGER; other numbers are
/// REAL, made INTEGER when `try_for_int` and the value is integral (`'48.00'` → 48).
pub fn numeric_text(text: &[u8], try_for_int: bool) -> Option<Value> {
    let a = convert::atof(text);
    if !a.is_number() {
        return None;
    }
    if a.is_integer_syntax() {
        // alsoAnInt
        let ix = convert::real_to_i64(a.value);
        if convert::real_same_as_int(a.value, ix) {
            return Some(Value::Integer(ix));
        }
        let (i, status) = atoi64(text);
        if status == AtoiStatus::Ok {
            return Some(Value::Integer(i));
        }
    }
    if try_for_int && let Some(i) = integer_affinity(a.value) {
        return Some(Value::Integer(i));
    }
    Some(Value::Real(a.value))
}

/// The value a column of affinity `affinity` holds after `v` is stored in it and read back
/// (`applyAffinity` at insert, then OP_RealAffinity at read for REAL columns):
///
/// - INTEGER, NUMERIC: text that is a number becomes INTEGER (or REAL when it is not
///   integral or does not fit); an integral REAL strictly inside the i64 range becomes INTEGER.
/// - REAL: as NUMERIC, then every number is a REAL (an integer is stored as one when it fits
///   the record, but it reads back as REAL; integers beyond ±2^47 are converted at insert).
/// - TEXT: numbers become their text.
/// - BLOB: unchanged.
///
/// NULL and blobs are never converted. Whether a REAL is *stored* as an integer in the record is
/// the record layer's business; this is the value SQL sees.
pub fn apply_affinity(v: ValueRef<'_>, affinity: Affinity) -> Value {
    converted(v, affinity).unwrap_or_else(|| v.to_owned())
}

/// [`apply_affinity`] on a register where it stands (OP_Affinity): the value is replaced only
/// when the affinity converts it, so that text and blobs that stay as they are are not copied.
pub fn apply_affinity_in_place(v: &mut Value, affinity: Affinity) {
    if let Some(new) = converted(v.as_ref(), affinity) {
        *v = new;
    }
}

/// What `v` becomes under `affinity` ([`apply_affinity`]), or `None` when it stays as it is.
fn converted(v: ValueRef<'_>, affinity: Affinity) -> Option<Value> {
    match affinity {
        Affinity::Blob => None,
        Affinity::Text => match v {
            ValueRef::Integer(_) | ValueRef::Real(_) => Some(Value::Text(convert::text_bytes(v).unwrap_or_default())),
            _ => None,
        },
        Affinity::Numeric | Affinity::Integer => numeric_converted(v),
        Affinity::Real => match (numeric_converted(v), v) {
            (Some(Value::Integer(i)), _) | (None, ValueRef::Integer(i)) => Some(Value::Real(i as f64)),
            (other, _) => other,
        },
    }
}

/// How SQLite applies column affinities before it writes a table record
/// (`sqlite3GenerateConstraintChecks` / `sqlite3CompleteInsertion`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordPath {
    /// OP_MakeRecord with the table's affinity string: an INSERT or UPDATE that builds no index
    /// entry and evaluates no CHECK constraint.
    MakeRecord,
    /// An OP_Affinity before the constraint checks and index entries, then a plain
    /// OP_MakeRecord: tables with indexes (or CHECK constraints to evaluate).
    Affinity,
}

/// The value SQLite writes into a table record for a column of affinity `affinity`: the
/// affinity applied as in [`apply_affinity`], except for integral values in REAL columns. On
/// the OP_MakeRecord path such a value within ±2^47 is written as a 1 to 6 byte INTEGER
/// (MEM_IntReal; a larger one as a REAL); on the OP_Affinity path every one is a REAL. Either
/// way OP_RealAffinity makes it a REAL when read, so SQL sees [`apply_affinity`]; the record
/// layer writes this value, which is what page-level comparison with SQLite needs.
pub fn record_value(v: ValueRef<'_>, affinity: Affinity, path: RecordPath) -> Value {
    record_converted(v, affinity, path).unwrap_or_else(|| v.to_owned())
}

/// [`record_value`] on a register where it stands: replaced only when it changes.
pub fn record_value_in_place(v: &mut Value, affinity: Affinity, path: RecordPath) {
    if let Some(new) = record_converted(v.as_ref(), affinity, path) {
        *v = new;
    }
}

/// What `v` becomes in a record ([`record_value`]), or `None` when it stays as it is.
fn record_converted(v: ValueRef<'_>, affinity: Affinity, path: RecordPath) -> Option<Value> {
    if affinity != Affinity::Real {
        return converted(v, affinity);
    }
    let numeric = numeric_converted(v);
    let integer = match (numeric.as_ref(), v) {
        (Some(&Value::Integer(i)), _) | (None, ValueRef::Integer(i)) => i,
        _ => return numeric,
    };
    if path == RecordPath::MakeRecord && (-140_737_488_355_328..=140_737_488_355_327).contains(&integer) {
        numeric
    } else {
        Some(Value::Real(integer as f64))
    }
}

/// What NUMERIC / INTEGER affinity (`applyAffinity` for SQLITE_AFF_NUMERIC) makes of `v`, or `None` when it stays as it is: integral REALs
/// become INTEGER, text that is a number becomes one.
fn numeric_converted(v: ValueRef<'_>) -> Option<Value> {
    match v {
        ValueRef::Real(r) => integer_affinity(r).map(Value::Integer),
        ValueRef::Text(t) => numeric_text(t, true),
        _ => None,
    }
}

/// The affinity a comparison `a op b` applies, from the affinities of its operands
/// (`sqlite3CompareAffinity` with `comparisonAffinity`): when both have one, NUMERIC if either
/// is numeric else BLOB (no conversion); when one has, that one; when neither, none.
pub fn comparison_affinity(left: Option<Affinity>, right: Option<Affinity>) -> Option<Affinity> {
    match (left, right) {
        (Some(a), Some(b)) => Some(if is_numeric(a) || is_numeric(b) { Affinity::Numeric } else { Affinity::Blob }),
        (Some(a), None) | (None, Some(a)) => Some(a),
        (None, None) => None,
    }
}

/// Whether an index on a column of affinity `index_affinity` can serve a comparison that uses
/// `comparison` (`sqlite3IndexAffinityOk`): comparisons without conversion always can, TEXT
/// comparisons only TEXT indexes, numeric comparisons only numeric indexes.
pub fn index_affinity_ok(comparison: Option<Affinity>, index_affinity: Affinity) -> bool {
    match comparison {
        None | Some(Affinity::Blob) => true,
        Some(Affinity::Text) => index_affinity == Affinity::Text,
        Some(_) => is_numeric(index_affinity),
    }
}

/// The conversions a comparison makes to its operands before comparing them (OP_Eq & co.):
/// with a numeric affinity, text that is a number becomes one (not forced to INTEGER: `'1.0'`
/// is REAL) when at least one operand is text; with TEXT affinity, numbers become text when at
/// least one operand is text. BLOB / no affinity: no conversion.
pub fn comparison_operands<'a>(left: ValueRef<'a>, right: ValueRef<'a>, affinity: Option<Affinity>) -> (Value, Value) {
    let is_text = |v: ValueRef<'_>| matches!(v, ValueRef::Text(_));
    match affinity {
        Some(a) if is_numeric(a) && (is_text(left) || is_text(right)) => {
            let conv = |v: ValueRef<'_>| match v {
                ValueRef::Text(t) => numeric_text(t, false).unwrap_or_else(|| v.to_owned()),
                other => other.to_owned(),
            };
            (conv(left), conv(right))
        }
        Some(Affinity::Text) if is_text(left) || is_text(right) => {
            let conv = |v: ValueRef<'_>| match v {
                ValueRef::Integer(_) | ValueRef::Real(_) => Value::Text(convert::text_bytes(v).unwrap_or_default()),
                other => other.to_owned(),
            };
            (conv(left), conv(right))
        }
        _ => (left.to_owned(), right.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_affinity() {
        fn t(s: &str) -> ValueRef<'_> {
            ValueRef::Text(s.as_bytes())
        }
        assert_eq!(apply_affinity(t(" 12 "), Affinity::Integer), Value::Integer(12));
        assert_eq!(apply_affinity(t("1e2"), Affinity::Numeric), Value::Integer(100));
        assert_eq!(apply_affinity(t("1.5"), Affinity::Numeric), Value::Real(1.5));
        assert_eq!(apply_affinity(t("0x10"), Affinity::Numeric), Value::text("0x10"));
        assert_eq!(apply_affinity(t("5"), Affinity::Real), Value::Real(5.0));
        assert_eq!(apply_affinity(ValueRef::Real(3.0), Affinity::Integer), Value::Integer(3));
        assert_eq!(apply_affinity(ValueRef::Real(3.0), Affinity::Real), Value::Real(3.0));
        assert_eq!(apply_affinity(ValueRef::Integer(3), Affinity::Text), Value::text("3"));
        assert_eq!(apply_affinity(ValueRef::Real(0.5), Affinity::Text), Value::text("0.5"));
        assert_eq!(
            apply_affinity(t("9223372036854775808"), Affinity::Integer),
            Value::Real(9_223_372_036_854_775_808.0)
        );
    }

    #[test]
    fn comparison_affinities() {
        use Affinity::*;
        assert_eq!(comparison_affinity(Some(Text), None), Some(Text));
        assert_eq!(comparison_affinity(Some(Text), Some(Integer)), Some(Numeric));
        assert_eq!(comparison_affinity(Some(Text), Some(Blob)), Some(Blob));
        assert_eq!(comparison_affinity(None, None), None);
    }
}
