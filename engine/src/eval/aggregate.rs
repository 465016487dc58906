//! The built-in aggregates (func.c): `count(*)`, `count(x)`, `sum`, `total`, `avg`, `min`, `max`,
//! `group_concat(x[, sep])` / `string_agg(x, sep)`, as accumulators fed one row at a time.
//!
//! DISTINCT is the caller's job (SQLite filters the argument through a temporary index before
//! the step function); [`Distinct`] is such a filter, comparing values as that index does
//! (numbers by value, text under a collation). Rows arrive in the order the caller chooses,
//! which is the order `group_concat` concatenates them in.

use std::cmp::Ordering;

use super::arith::too_big;
use super::convert::{self, Numeric};
use super::printf::MAX_LENGTH;
use super::scalar::numeric_value;
use crate::error::{Error, ErrorCode, Result};
use crate::format::value::{Collation, Value, ValueRef, compare_values};

/// Which aggregate an [`Accumulator`] computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggregateKind {
    /// `count(*)`: every row.
    CountStar,
    /// `count(x)`: non-NULL values.
    Count,
    Sum,
    Total,
    Avg,
    Min,
    Max,
    /// `group_concat(x[, sep])`, `string_agg(x, sep)`.
    GroupConcat,
}

impl AggregateKind {
    /// The aggregate `name` (case-insensitive) takes with `nargs` arguments (`count(*)` has 0),
    /// or SQLite's error for an unknown name or a wrong count.
    pub fn lookup(name: &str, nargs: usize) -> Result<AggregateKind> {
        let def = super::scalar::lookup(name, nargs)?;
        Ok(match def.name {
            "count" if nargs == 0 => AggregateKind::CountStar,
            "count" => AggregateKind::Count,
            "sum" => AggregateKind::Sum,
            "total" => AggregateKind::Total,
            "avg" => AggregateKind::Avg,
            "min" if nargs == 1 => AggregateKind::Min,
            "max" if nargs == 1 => AggregateKind::Max,
            "group_concat" | "string_agg" => AggregateKind::GroupConcat,
            _ => return Err(Error::new(ErrorCode::Error, format!("{name}() is not an aggregate function"))),
        })
    }
}

/// The running state of `sum`, `total` and `avg` (`SumCtx`): an exact integer sum while every
/// input is an integer and it does not overflow, then a Kahan-Babuska-Neumaier REAL sum.
#[derive(Clone, Debug, Default)]
struct SumState {
    r_sum: f64,
    r_err: f64,
    i_sum: i64,
    count: i64,
    approx: bool,
    overflow: bool,
}

impl SumState {
    /// `kahanBabuskaNeumaierStep`.
    fn kbn_step(&mut self, r: f64) {
        let s = self.r_sum;
        let t = s + r;
        if s.abs() > r.abs() {
            self.r_err += (s - t) + r;
        } else {
            self.r_err += (r - t) + s;
        }
        self.r_sum = t;
    }

    /// `kahanBabuskaNeumaierStepInt64`: large integers in two exact parts.
    fn kbn_step_int(&mut self, i: i64) {
        if i <= -4_503_599_627_370_496 || i >= 4_503_599_627_370_496 {
            let small = i % 16384;
            self.kbn_step((i - small) as f64);
            self.kbn_step(small as f64);
        } else {
            self.kbn_step(i as f64);
        }
    }

    /// `kahanBabuskaNeumaierInit`.
    fn kbn_init(&mut self, i: i64) {
        if i <= -4_503_599_627_370_496 || i >= 4_503_599_627_370_496 {
            let small = i % 16384;
            self.r_sum = (i - small) as f64;
            self.r_err = small as f64;
        } else {
            self.r_sum = i as f64;
            self.r_err = 0.0;
        }
    }

    /// `sumStep`.
    fn step(&mut self, v: ValueRef<'_>) {
        if matches!(v, ValueRef::Null) {
            return;
        }
        // sqlite3_value_numeric_type: numeric text becomes a number; other text and blobs keep
        // their type (and are summed by their real value).
        let n = numeric_value(v);
        self.count += 1;
        if !self.approx {
            match n {
                Some(Numeric::Integer(i)) => match self.i_sum.checked_add(i) {
                    Some(s) => self.i_sum = s,
                    None => {
                        self.overflow = true;
                        self.kbn_init(self.i_sum);
                        self.approx = true;
                        self.kbn_step_int(i);
                    }
                },
                other => {
                    self.kbn_init(self.i_sum);
                    self.approx = true;
                    self.kbn_step(real_of(other, v));
                }
            }
        } else {
            match n {
                Some(Numeric::Integer(i)) => self.kbn_step_int(i),
                other => {
                    self.overflow = false;
                    self.kbn_step(real_of(other, v));
                }
            }
        }
    }

    /// The REAL total (`totalFinalize`, and the numerator of `avgFinalize`).
    fn real(&self) -> f64 {
        if self.approx {
            if self.r_err.is_finite() { self.r_sum + self.r_err } else { self.r_sum }
        } else {
            self.i_sum as f64
        }
    }
}

/// `sqlite3_value_double` of a value whose numeric type is `n`.
fn real_of(n: Option<Numeric>, v: ValueRef<'_>) -> f64 {
    match n {
        Some(Numeric::Integer(i)) => i as f64,
        Some(Numeric::Real(r)) => r,
        None => convert::real_value(v),
    }
}

/// An aggregate's running state.
#[derive(Clone, Debug)]
pub struct Accumulator {
    kind: AggregateKind,
    collation: Collation,
    count: i64,
    sum: SumState,
    best: Option<Value>,
    text: Option<Vec<u8>>,
}

impl Accumulator {
    /// An empty accumulator. `collation` is used by `min` and `max` (that of their argument).
    pub fn new(kind: AggregateKind, collation: Collation) -> Accumulator {
        Accumulator { kind, collation, count: 0, sum: SumState::default(), best: None, text: None }
    }

    /// Adds one row's arguments (none for `count(*)`; `x` and optionally the separator for
    /// `group_concat`).
    pub fn step(&mut self, args: &[ValueRef<'_>]) -> Result<()> {
        self.step_reporting(args).map(|_| ())
    }

    /// [`Accumulator::step`], returning whether a min() or max() kept its earlier value
    /// (`sqlite3SkipAccumulatorLoad`: the row is not the new extreme, or its value is NULL
    /// after a value was seen). Always false for the other aggregates.
    pub fn step_reporting(&mut self, args: &[ValueRef<'_>]) -> Result<bool> {
        let x = args.first().copied().unwrap_or(ValueRef::Null);
        match self.kind {
            AggregateKind::CountStar => self.count += 1,
            AggregateKind::Count => {
                if !matches!(x, ValueRef::Null) {
                    self.count += 1;
                }
            }
            AggregateKind::Sum | AggregateKind::Total | AggregateKind::Avg => self.sum.step(x),
            AggregateKind::Min | AggregateKind::Max => {
                // minmaxStep: NULLs are skipped; ties keep the earlier value.
                if matches!(x, ValueRef::Null) {
                    return Ok(self.best.is_some());
                }
                let replace = match &self.best {
                    None => true,
                    Some(best) => {
                        let ord = compare_values(best.as_ref(), x, self.collation);
                        if self.kind == AggregateKind::Max { ord == Ordering::Less } else { ord == Ordering::Greater }
                    }
                };
                if replace {
                    self.best = Some(x.to_owned());
                }
                return Ok(!replace);
            }
            AggregateKind::GroupConcat => {
                if matches!(x, ValueRef::Null) {
                    return Ok(false);
                }
                let first = self.text.is_none();
                let out = self.text.get_or_insert_with(Vec::new);
                if !first {
                    match args.get(1) {
                        None => out.push(b','),
                        Some(&sep) => {
                            if let Some(sep) = convert::text_bytes(sep) {
                                out.extend_from_slice(&sep);
                            }
                        }
                    }
                }
                if let Some(t) = convert::text_bytes(x) {
                    out.extend_from_slice(&t);
                }
                if out.len() >= MAX_LENGTH {
                    return Err(too_big());
                }
            }
        }
        Ok(false)
    }

    /// The aggregate's value (`xFinalize`): count → INTEGER; sum → INTEGER, REAL, NULL for no
    /// rows, or the "integer overflow" error; total → REAL (0.0 for no rows); avg → REAL or NULL;
    /// min / max → the value or NULL; group_concat → TEXT or NULL.
    pub fn finish(&self) -> Result<Value> {
        Ok(match self.kind {
            AggregateKind::CountStar | AggregateKind::Count => Value::Integer(self.count),
            AggregateKind::Sum => {
                if self.sum.count == 0 {
                    Value::Null
                } else if self.sum.approx {
                    if self.sum.overflow {
                        return Err(Error::new(ErrorCode::Error, "integer overflow"));
                    }
                    Value::Real(self.sum.real())
                } else {
                    Value::Integer(self.sum.i_sum)
                }
            }
            AggregateKind::Total => Value::Real(self.sum.real()),
            AggregateKind::Avg => {
                if self.sum.count == 0 {
                    Value::Null
                } else {
                    Value::Real(self.sum.real() / self.sum.count as f64)
                }
            }
            AggregateKind::Min | AggregateKind::Max => self.best.clone().unwrap_or(Value::Null),
            AggregateKind::GroupConcat => self.text.clone().map_or(Value::Null, Value::Text),
        })
    }
}

/// A DISTINCT filter for aggregate arguments: remembers the values seen, equal as SQLite's
/// temporary index compares them (`1` and `1.0` are the same; text under `collation`).
#[derive(Clone, Debug, Default)]
pub struct Distinct {
    seen: Vec<Value>,
    collation: Collation,
}

impl Distinct {
    pub fn new(collation: Collation) -> Distinct {
        Distinct { seen: Vec::new(), collation }
    }

    /// True the first time a value (by that equality) is offered.
    pub fn insert(&mut self, v: ValueRef<'_>) -> bool {
        match self.seen.binary_search_by(|s| compare_values(s.as_ref(), v, self.collation)) {
            Ok(_) => false,
            Err(at) => {
                self.seen.insert(at, v.to_owned());
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(kind: AggregateKind, values: &[Value]) -> Result<Value> {
        let mut acc = Accumulator::new(kind, Collation::Binary);
        for v in values {
            acc.step(&[v.as_ref()])?;
        }
        acc.finish()
    }

    #[test]
    fn sums() {
        let i = Value::Integer;
        assert_eq!(run(AggregateKind::Sum, &[i(1), i(2)]).unwrap(), i(3));
        assert_eq!(run(AggregateKind::Sum, &[]).unwrap(), Value::Null);
        assert_eq!(run(AggregateKind::Total, &[]).unwrap(), Value::Real(0.0));
        assert_eq!(run(AggregateKind::Sum, &[i(i64::MAX), i(1)]).unwrap_err().message(), "integer overflow");
        assert_eq!(
            run(AggregateKind::Sum, &[i(i64::MAX), i(1), Value::Real(0.5)]).unwrap(),
            Value::Real(9_223_372_036_854_775_808.0)
        );
        assert_eq!(run(AggregateKind::Avg, &[i(1), i(2)]).unwrap(), Value::Real(1.5));
        assert_eq!(run(AggregateKind::Sum, &[Value::text("3"), Value::text("x")]).unwrap(), Value::Real(3.0));
    }

    #[test]
    fn group_concat_and_minmax() {
        let mut acc = Accumulator::new(AggregateKind::GroupConcat, Collation::Binary);
        acc.step(&[ValueRef::Text(b"a"), ValueRef::Text(b"-")]).unwrap();
        acc.step(&[ValueRef::Null, ValueRef::Text(b"-")]).unwrap();
        acc.step(&[ValueRef::Integer(1), ValueRef::Text(b"+")]).unwrap();
        assert_eq!(acc.finish().unwrap(), Value::text("a+1"));
        assert_eq!(run(AggregateKind::Max, &[Value::Integer(1), Value::Real(1.0)]).unwrap(), Value::Integer(1));
        assert_eq!(
            run(AggregateKind::Min, &[Value::Null, Value::text("b"), Value::Integer(9)]).unwrap(),
            Value::Integer(9)
        );
    }
}
