//! SQLite's five storage classes, owned ([`Value`]) and borrowed ([`ValueRef`]).
//!
//! Text is kept as bytes: SQLite stores UTF-8 text without validating it, and the engine must
//! read back exactly what a file holds (a corrupt or foreign file may hold invalid UTF-8).

use std::cmp::Ordering;

/// An owned SQL value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    /// UTF-8 text, as bytes.
    Text(Vec<u8>),
    Blob(Vec<u8>),
}

/// A borrowed SQL value, e.g. decoded in place from a page.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ValueRef<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'a [u8]),
    Blob(&'a [u8]),
}

impl Value {
    /// A text value from a `&str`.
    pub fn text(s: &str) -> Value {
        Value::Text(s.as_bytes().to_vec())
    }

    /// Borrows this value.
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(r) => ValueRef::Real(*r),
            Value::Text(t) => ValueRef::Text(t),
            Value::Blob(b) => ValueRef::Blob(b),
        }
    }

    /// SQLite's `typeof()` name of this value.
    pub fn type_name(&self) -> &'static str {
        self.as_ref().type_name()
    }
}

impl<'a> ValueRef<'a> {
    /// Copies this value into an owned [`Value`].
    pub fn to_owned(self) -> Value {
        match self {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(r) => Value::Real(r),
            ValueRef::Text(t) => Value::Text(t.to_vec()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        }
    }

    /// SQLite's `typeof()` name of this value.
    pub fn type_name(self) -> &'static str {
        match self {
            ValueRef::Null => "null",
            ValueRef::Integer(_) => "integer",
            ValueRef::Real(_) => "real",
            ValueRef::Text(_) => "text",
            ValueRef::Blob(_) => "blob",
        }
    }

    /// The rank of the storage class in SQLite's cross-type order:
    /// NULL < INTEGER = REAL < TEXT < BLOB.
    fn class_rank(self) -> u8 {
        match self {
            ValueRef::Null => 0,
            ValueRef::Integer(_) | ValueRef::Real(_) => 1,
            ValueRef::Text(_) => 2,
            ValueRef::Blob(_) => 3,
        }
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Integer(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Real(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::text(v)
    }
}

/// A collating sequence for text (SQLite's built-ins).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Collation {
    /// memcmp() order of the UTF-8 bytes.
    #[default]
    Binary,
    /// Binary, with ASCII upper case folded to lower case.
    NoCase,
    /// Binary, ignoring trailing spaces.
    RTrim,
}

impl Collation {
    /// The collation named `name` (case-insensitive), if it is a built-in.
    pub fn from_name(name: &str) -> Option<Collation> {
        if name.eq_ignore_ascii_case("BINARY") {
            Some(Collation::Binary)
        } else if name.eq_ignore_ascii_case("NOCASE") {
            Some(Collation::NoCase)
        } else if name.eq_ignore_ascii_case("RTRIM") {
            Some(Collation::RTrim)
        } else {
            None
        }
    }

    /// Compares two texts under this collation.
    pub fn compare(self, a: &[u8], b: &[u8]) -> Ordering {
        match self {
            Collation::Binary => a.cmp(b),
            Collation::NoCase => {
                // nocaseCollatingFunc: sqlite3StrNICmp over the common length (ASCII-folded
                // bytes; it stops early at a NUL byte of the left text, where both texts
                // compare equal if the right one has a NUL too), then the shorter text first.
                let n = a.len().min(b.len());
                for i in 0..n {
                    let (x, y) = (a[i].to_ascii_lowercase(), b[i].to_ascii_lowercase());
                    if x != y {
                        return x.cmp(&y);
                    }
                    if a[i] == 0 {
                        break;
                    }
                }
                a.len().cmp(&b.len())
            }
            Collation::RTrim => trim_trailing_spaces(a).cmp(trim_trailing_spaces(b)),
        }
    }
}

fn trim_trailing_spaces(s: &[u8]) -> &[u8] {
    let end = s.iter().rposition(|&c| c != b' ').map_or(0, |i| i + 1);
    &s[..end]
}

/// Compares an integer with a real exactly, as `sqlite3IntFloatCompare` does: no precision is
/// lost for integers beyond 2^53. NaN (which SQLite never stores) compares below everything.
pub fn compare_int_real(i: i64, r: f64) -> Ordering {
    if r.is_nan() {
        return Ordering::Greater;
    }
    // -2^63 <= i < 2^63; reals outside that range decide at once.
    if r < -9_223_372_036_854_775_808.0 {
        return Ordering::Greater;
    }
    if r >= 9_223_372_036_854_775_808.0 {
        return Ordering::Less;
    }
    let truncated = r as i64; // exact: r is within i64's range here
    match i.cmp(&truncated) {
        Ordering::Equal => {
            // Same integer part; the fraction of r decides.
            let frac = r - truncated as f64;
            if frac > 0.0 {
                Ordering::Less
            } else if frac < 0.0 {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        }
        other => other,
    }
}

/// Compares two values in SQLite's order (sqlite3MemCompare): NULLs first, then numbers by
/// value (integers and reals compared exactly), then text under `collation`, then blobs by
/// memcmp.
pub fn compare_values(a: ValueRef<'_>, b: ValueRef<'_>, collation: Collation) -> Ordering {
    match (a, b) {
        (ValueRef::Integer(x), ValueRef::Integer(y)) => x.cmp(&y),
        (ValueRef::Real(x), ValueRef::Real(y)) => x.partial_cmp(&y).unwrap_or_else(|| {
            // NaN never reaches storage (SQLite stores NULL instead); order it first anyway.
            x.is_nan().cmp(&y.is_nan()).reverse()
        }),
        (ValueRef::Integer(x), ValueRef::Real(y)) => compare_int_real(x, y),
        (ValueRef::Real(x), ValueRef::Integer(y)) => compare_int_real(y, x).reverse(),
        (ValueRef::Text(x), ValueRef::Text(y)) => collation.compare(x, y),
        (ValueRef::Blob(x), ValueRef::Blob(y)) => {
            if crate::planted::active(crate::planted::Bug::PanicOnEmptyBlobCompare) {
                // Planted bug: a first-byte shortcut that forgets empty blobs.
                return x[0].cmp(&y[0]).then_with(|| x.cmp(y));
            }
            x.cmp(y)
        }
        _ => a.class_rank().cmp(&b.class_rank()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_type_order() {
        let ordered = [
            ValueRef::Null,
            ValueRef::Integer(-5),
            ValueRef::Real(-4.5),
            ValueRef::Integer(0),
            ValueRef::Real(0.5),
            ValueRef::Integer(1),
            ValueRef::Text(b"A"),
            ValueRef::Text(b"a"),
            ValueRef::Blob(b""),
            ValueRef::Blob(b"\x00"),
        ];
        for (i, a) in ordered.iter().enumerate() {
            for (j, b) in ordered.iter().enumerate() {
                assert_eq!(compare_values(*a, *b, Collation::Binary), i.cmp(&j), "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn int_real_exact_beyond_2_pow_53() {
        let big = (1i64 << 53) + 1;
        assert_eq!(compare_int_real(big, (1i64 << 53) as f64), Ordering::Greater);
        // i64::MAX as f64 rounds up to 2^63, which is larger than every i64.
        assert_eq!(compare_int_real(i64::MAX, 9_223_372_036_854_775_808.0), Ordering::Less);
        assert_eq!(compare_int_real(i64::MIN, -9_223_372_036_854_775_808.0), Ordering::Equal);
        assert_eq!(compare_int_real(3, 3.0), Ordering::Equal);
        assert_eq!(compare_int_real(-3, -2.5), Ordering::Less);
    }

    #[test]
    fn collations() {
        assert_eq!(Collation::NoCase.compare(b"ABC", b"abc"), Ordering::Equal);
        assert_eq!(Collation::NoCase.compare(b"ab", b"ABC"), Ordering::Less);
        assert_eq!(Collation::RTrim.compare(b"ab  ", b"ab"), Ordering::Equal);
        assert_eq!(Collation::Binary.compare(b"ab  ", b"ab"), Ordering::Greater);
        assert_eq!(Collation::from_name("nocase"), Some(Collation::NoCase));
    }
}
