//! Conversions between SQLite's storage classes: text → number (`sqlite3AtoF`,
//! `sqlite3Atoi64`), the numeric value of any value (`sqlite3VdbeIntValue`,
//! `sqlite3VdbeRealValue`, `numericType`), number → text (`vdbeMemRenderNum`), and CAST
//! (`sqlite3VdbeMemCast`).
//!
//! Text is bytes. Where SQLite reads a value as a C string (`sqlite3AtoF` on `sqlite3_value_text`)
//! the text ends at its first NUL byte; where it uses the length (`sqlite3Atoi64`) a NUL byte is an
//! ordinary non-digit. Both are mirrored, so `'1' || char(0) || '2'` converts as it does in SQLite.

use super::decimal::fp10_convert2;
use super::printf::render_real;
use crate::format::value::{Value, ValueRef};
use crate::schema::Affinity;

/// `sqlite3Isspace`: space, tab, newline, vertical tab, form feed, carriage return.
pub fn is_space(c: u8) -> bool {
    c == b' ' || (0x09..=0x0d).contains(&c)
}

/// The bytes of `text` before its first NUL byte (how C code sees a zero-terminated string).
pub fn until_nul(text: &[u8]) -> &[u8] {
    match text.iter().position(|&c| c == 0) {
        Some(end) => &text[..end],
        None => text,
    }
}

/// The outcome of [`atof`]: SQLite's return code of `sqlite3AtoF` and the value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AtoF {
    pub value: f64,
    /// Positive: the whole text is a number. Negative: a prefix is. Zero: no prefix is.
    /// Bit 1 (of the low bits): a decimal point or exponent was seen. Bit 2: exactly zero.
    /// Bit 3: more than about 19 significant digits.
    pub rc: i32,
}

impl AtoF {
    /// The whole text (leading and trailing spaces aside) is a number.
    pub fn is_number(self) -> bool {
        self.rc > 0
    }

    /// The number is written as an integer (no decimal point, no exponent).
    pub fn is_integer_syntax(self) -> bool {
        self.rc & 2 == 0
    }
}

/// Text to REAL as `sqlite3AtoF`: optional spaces, sign, digits with an optional decimal point
/// and exponent, optional trailing spaces. Reads up to the first NUL byte. The value is that of
/// the longest numeric prefix (0.0 when there is none); only the first ~19 significant digits
/// count; exponents saturate at ±10000 (so overflow gives ±inf and underflow ±0.0).
pub fn atof(text: &[u8]) -> AtoF {
    let z = until_nul(text);
    let at = |i: usize| z.get(i).copied().unwrap_or(0);
    let digit = |c: u8| c.wrapping_sub(b'0');
    const BIG: u64 = (u64::MAX - 9) / 10;
    let mut i = 0usize;
    let mut neg = false;
    let mut s: u64 = 0;
    let mut d: i32 = 0;
    let mut state: i32 = 0;

    // Leading spaces and sign, then the integer part.
    let mut integer_part = false;
    loop {
        let c = at(i);
        if c.is_ascii_digit() {
            integer_part = true;
        } else if c == b'-' || c == b'+' {
            neg = c == b'-';
            i += 1;
            integer_part = at(i).is_ascii_digit();
        } else if is_space(c) {
            while is_space(at(i)) {
                i += 1;
            }
            continue;
        }
        break;
    }
    if integer_part {
        state = 1;
        s = u64::from(digit(at(i)));
        i += 1;
        while at(i).is_ascii_digit() {
            s = s * 10 + u64::from(digit(at(i)));
            i += 1;
            if s >= BIG {
                state = 9;
                while at(i).is_ascii_digit() {
                    i += 1;
                    d += 1;
                }
                break;
            }
        }
    }

    // Fraction.
    if at(i) == b'.' {
        i += 1;
        if at(i).is_ascii_digit() {
            state |= 1;
            while at(i).is_ascii_digit() {
                if s < BIG {
                    s = s * 10 + u64::from(digit(at(i)));
                    d -= 1;
                } else {
                    state = 11;
                }
                i += 1;
            }
        } else if state == 0 {
            return AtoF { value: 0.0, rc: 0 };
        }
        state |= 2;
    } else if state == 0 {
        return AtoF { value: 0.0, rc: 0 };
    }

    // Exponent.
    if at(i) == b'e' || at(i) == b'E' {
        i += 1;
        let esign = if at(i) == b'-' {
            i += 1;
            -1
        } else {
            if at(i) == b'+' {
                i += 1;
            }
            1
        };
        if at(i).is_ascii_digit() {
            let mut exp = i32::from(digit(at(i)));
            i += 1;
            state |= 2;
            while at(i).is_ascii_digit() {
                exp = if exp < 10000 { exp * 10 + i32::from(digit(at(i))) } else { 10000 };
                i += 1;
            }
            d += esign * exp;
        } else {
            // Leave the 'e' or sign as trailing text.
            i -= 1;
        }
    }

    let mut value = if s == 0 {
        state |= 4;
        0.0
    } else {
        fp10_convert2(s, d)
    };
    if neg {
        value = -value;
    }
    if at(i) == 0 {
        return AtoF { value, rc: state };
    }
    if is_space(at(i)) {
        while is_space(at(i)) {
            i += 1;
        }
        if at(i) == 0 {
            return AtoF { value, rc: state };
        }
    }
    AtoF { value, rc: (0xffff_fff0u32 as i32) | state }
}

/// The outcome of [`atoi64`] (`sqlite3Atoi64`'s return code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtoiStatus {
    /// -1: not even a prefix of the text looks like an integer.
    NotANumber,
    /// 0: the whole text is an integer that fits.
    Ok,
    /// 1: an integer followed by other text.
    TrailingText,
    /// 2: too large for 64 bits (or malformed).
    TooLarge,
    /// 3: exactly 9223372036854775808.
    TwoPow63,
}

impl AtoiStatus {
    /// SQLite's numeric code for this status.
    pub fn code(self) -> i32 {
        match self {
            AtoiStatus::NotANumber => -1,
            AtoiStatus::Ok => 0,
            AtoiStatus::TrailingText => 1,
            AtoiStatus::TooLarge => 2,
            AtoiStatus::TwoPow63 => 3,
        }
    }
}

/// Text to INTEGER as `sqlite3Atoi64` (decimal only): optional spaces and sign, digits, optional
/// trailing spaces, over all `text.len()` bytes. The value is that of the digit prefix (0 when
/// there is none), saturated to `i64::MIN` / `i64::MAX` on overflow.
pub fn atoi64(text: &[u8]) -> (i64, AtoiStatus) {
    let end = text.len();
    let mut i = 0usize;
    while i < end && is_space(text[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < end {
        if text[i] == b'-' {
            neg = true;
            i += 1;
        } else if text[i] == b'+' {
            i += 1;
        }
    }
    let start = i;
    while i < end && text[i] == b'0' {
        i += 1;
    }
    let digits_start = i;
    let mut u: u64 = 0;
    while i < end && text[i].is_ascii_digit() {
        u = u.wrapping_mul(10).wrapping_add(u64::from(text[i] - b'0'));
        i += 1;
    }
    let ndigits = i - digits_start;
    let mut value = if u > i64::MAX as u64 {
        if neg { i64::MIN } else { i64::MAX }
    } else if neg {
        -(u as i64)
    } else {
        u as i64
    };
    let status = if ndigits == 0 && start == digits_start {
        AtoiStatus::NotANumber
    } else if text[i..].iter().any(|&c| !is_space(c)) {
        AtoiStatus::TrailingText
    } else {
        AtoiStatus::Ok
    };
    if ndigits < 19 {
        return (value, status);
    }
    let cmp = if ndigits > 19 { 1 } else { compare_2_pow_63(&text[digits_start..digits_start + 19]) };
    if cmp < 0 {
        return (value, status);
    }
    value = if neg { i64::MIN } else { i64::MAX };
    if cmp > 0 {
        (value, AtoiStatus::TooLarge)
    } else if neg {
        (value, status)
    } else {
        (value, AtoiStatus::TwoPow63)
    }
}

/// Compares 19 digits with 9223372036854775808 (`compare2pow63`): negative, zero or positive.
fn compare_2_pow_63(digits: &[u8]) -> i32 {
    const POW63: &[u8] = b"922337203685477580";
    for i in 0..18 {
        let c = (i32::from(digits[i]) - i32::from(POW63[i])) * 10;
        if c != 0 {
            return c;
        }
    }
    i32::from(digits[18]) - i32::from(b'8')
}

/// An integer literal's text (decimal, or `0x` hexadecimal) to INTEGER, as
/// `sqlite3DecOrHexToI64`. Hex literals are two's-complement 64-bit patterns; more than 16
/// significant hex digits is [`AtoiStatus::TooLarge`].
pub fn dec_or_hex_to_i64(text: &str) -> (i64, AtoiStatus) {
    let z = text.as_bytes();
    if z.len() >= 2 && z[0] == b'0' && (z[1] == b'x' || z[1] == b'X') {
        let mut i = 2;
        while i < z.len() && z[i] == b'0' {
            i += 1;
        }
        let mut k = i;
        let mut u: u64 = 0;
        while k < z.len() && z[k].is_ascii_hexdigit() {
            u = u.wrapping_mul(16).wrapping_add(u64::from(hex_value(z[k])));
            k += 1;
        }
        let value = u as i64;
        if k - i > 16 {
            return (value, AtoiStatus::TooLarge);
        }
        if k < z.len() {
            return (value, AtoiStatus::TrailingText);
        }
        return (value, AtoiStatus::Ok);
    }
    let mut n = z.iter().position(|c| !b"+- \n\t0123456789".contains(c)).unwrap_or(z.len());
    if n < z.len() {
        n += 1;
    }
    atoi64(&z[..n])
}

/// The value of a hexadecimal digit (`sqlite3HexToInt`).
pub fn hex_value(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

/// A REAL to its nearest INTEGER, saturating (`sqlite3RealToI64`).
pub fn real_to_i64(r: f64) -> i64 {
    if r < -9_223_372_036_854_774_784.0 {
        return i64::MIN;
    }
    if r > 9_223_372_036_854_774_784.0 {
        return i64::MAX;
    }
    // In range (NaN, which SQLite never holds, becomes 0).
    r as i64
}

/// Whether the REAL `r` and the INTEGER `i` (obtained from it) are the same number for the
/// purpose of storing `r` as an integer (`sqlite3RealSameAsInt`): zero, or bit-identical after
/// the round trip and within ±2^51.
pub fn real_same_as_int(r: f64, i: i64) -> bool {
    r == 0.0 || (r.to_bits() == (i as f64).to_bits() && (-2_251_799_813_685_248..2_251_799_813_685_248).contains(&i))
}

/// The integer value of a value (`sqlite3VdbeIntValue`): integers as they are, reals truncated
/// and saturated, text and blobs by [`atoi64`], NULL as 0.
pub fn int_value(v: ValueRef<'_>) -> i64 {
    match v {
        ValueRef::Integer(i) => i,
        ValueRef::Real(r) => real_to_i64(r),
        ValueRef::Text(t) | ValueRef::Blob(t) => atoi64(t).0,
        ValueRef::Null => 0,
    }
}

/// The real value of a value (`sqlite3VdbeRealValue`): text and blobs by [`atof`], NULL as 0.0.
pub fn real_value(v: ValueRef<'_>) -> f64 {
    match v {
        ValueRef::Real(r) => r,
        ValueRef::Integer(i) => i as f64,
        ValueRef::Text(t) | ValueRef::Blob(t) => atof(t).value,
        ValueRef::Null => 0.0,
    }
}

/// A number as arithmetic sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Numeric {
    Integer(i64),
    Real(f64),
}

/// The numeric type and value of a non-NULL value for arithmetic (`numericType` /
/// `computeNumericType`): text and blobs that read as integers (also with trailing junk, as
/// `'12abc'`) are integers, other text reals; `None` for NULL.
pub fn numeric_type(v: ValueRef<'_>) -> Option<Numeric> {
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(Numeric::Integer(i)),
        ValueRef::Real(r) => Some(Numeric::Real(r)),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            let a = atof(t);
            let (i, status) = atoi64(t);
            let integer = if a.rc <= 0 {
                a.is_integer_syntax() && status.code() <= 1
            } else {
                a.is_integer_syntax() && status == AtoiStatus::Ok
            };
            Some(if integer { Numeric::Integer(i) } else { Numeric::Real(a.value) })
        }
    }
}

/// OP_MustBeInt (LIMIT, OFFSET, rowids): the integer a value stands for without loss: integers,
/// integral REALs within the i64 range, and values that NUMERIC affinity makes integers
/// (`' 12 '`, `'5.0'`); `None` otherwise (SQLite: "datatype mismatch").
pub fn must_be_int(v: ValueRef<'_>) -> Option<i64> {
    match v {
        ValueRef::Integer(i) => Some(i),
        ValueRef::Real(r) => {
            let ix = real_to_i64(r);
            ((-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&r) && ix as f64 == r).then_some(ix)
        }
        other => match super::affinity::apply_affinity(other, Affinity::Numeric) {
            Value::Integer(i) => Some(i),
            _ => None,
        },
    }
}

/// The truth of a value (`sqlite3VdbeBooleanValue`): `None` for NULL; integers are true when
/// non-zero; everything else when its real value is non-zero (so `'1abc'` is true, `'abc'`
/// false).
pub fn truth(v: ValueRef<'_>) -> Option<bool> {
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(i != 0),
        other => Some(real_value(other) != 0.0),
    }
}

/// The text of an INTEGER (`sqlite3Int64ToText`).
pub fn render_integer(i: i64) -> String {
    i.to_string()
}

/// The text of a number, as `sqlite3_value_text` gives it (`vdbeMemRenderNum`): integers in
/// decimal, reals as `%!.17g` (shortest of up to 17 digits that reads back the same, always
/// with a decimal point or exponent).
pub fn render_number(n: Numeric) -> String {
    match n {
        Numeric::Integer(i) => render_integer(i),
        Numeric::Real(r) => render_real(r),
    }
}

/// The text bytes of a value (`sqlite3_value_text`): `None` for NULL; numbers rendered; blobs
/// taken as they are.
pub fn text_bytes(v: ValueRef<'_>) -> Option<Vec<u8>> {
    match v {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(render_integer(i).into_bytes()),
        ValueRef::Real(r) => Some(render_real(r).into_bytes()),
        ValueRef::Text(t) | ValueRef::Blob(t) => Some(t.to_vec()),
    }
}

/// The number of bytes of a value's text or blob (`sqlite3_value_bytes`): 0 for NULL.
pub fn byte_length(v: ValueRef<'_>) -> usize {
    match v {
        ValueRef::Null => 0,
        ValueRef::Integer(i) => render_integer(i).len(),
        ValueRef::Real(r) => render_real(r).len(),
        ValueRef::Text(t) | ValueRef::Blob(t) => t.len(),
    }
}

/// CAST(v AS NUMERIC) (`sqlite3VdbeMemNumerify`): numbers unchanged (a REAL stays REAL), text
/// and blobs converted as far as they read as a number: an INTEGER when written as an integer
/// that fits or when the real value is integral within ±2^51, otherwise a REAL. Non-numeric text
/// gives 0.
pub fn numerify(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null | ValueRef::Integer(_) | ValueRef::Real(_) => v.to_owned(),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            let a = atof(t);
            if a.is_integer_syntax() {
                let (i, status) = atoi64(t);
                if status.code() < 2 {
                    return Value::Integer(i);
                }
            }
            let ix = real_to_i64(a.value);
            if real_same_as_int(a.value, ix) { Value::Integer(ix) } else { Value::Real(a.value) }
        }
    }
}

/// CAST(v AS type) for a type of affinity `affinity` (`sqlite3VdbeMemCast`). NULL stays NULL.
///
/// - BLOB: blobs unchanged; text reinterpreted as a blob; numbers as the blob of their text.
/// - TEXT: numbers rendered; blobs reinterpreted as text (bytes unchanged).
/// - NUMERIC: [`numerify`].
/// - INTEGER: [`int_value`] (reals truncated toward zero and saturated; text by its digit
///   prefix, so `'1e5'` gives 1).
/// - REAL: [`real_value`] (text by its numeric prefix).
pub fn cast(v: ValueRef<'_>, affinity: Affinity) -> Value {
    if matches!(v, ValueRef::Null) {
        return Value::Null;
    }
    match affinity {
        Affinity::Blob => match v {
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
            other => Value::Blob(text_bytes(other).unwrap_or_default()),
        },
        Affinity::Text => Value::Text(text_bytes(v).unwrap_or_default()),
        Affinity::Numeric => numerify(v),
        Affinity::Integer => Value::Integer(int_value(v)),
        Affinity::Real => Value::Real(real_value(v)),
    }
}

/// CAST(v AS type_name): the affinity of `type_name` as `sqlite3AffinityType` gives it (any
/// name: `CAST(x AS VARCHAR(10))` is TEXT, an unknown name NUMERIC).
pub fn cast_to_type(v: ValueRef<'_>, type_name: &str) -> Value {
    cast(v, crate::schema::affinity_of(type_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atof_cases() {
        let f = |s: &str| {
            let a = atof(s.as_bytes());
            (a.value, a.rc)
        };
        assert_eq!(f("12"), (12.0, 1));
        assert_eq!(f(" 12 "), (12.0, 1));
        assert_eq!(f("1.5"), (1.5, 3));
        assert_eq!(f("1e"), (1.0, 0xffff_fff1u32 as i32));
        assert_eq!(f("0x10"), (0.0, (0xffff_fff0u32 | 5) as i32));
        assert_eq!(f(""), (0.0, 0));
        assert_eq!(f("-"), (0.0, 0));
        assert_eq!(f("."), (0.0, 0));
        assert_eq!(f("1e999").0, f64::INFINITY);
        assert_eq!(f("-0").0.to_bits(), (-0.0f64).to_bits());
        assert_eq!(f("1.5e+308").0, 1.5e308);
    }

    #[test]
    fn atoi_cases() {
        assert_eq!(atoi64(b" 12 "), (12, AtoiStatus::Ok));
        assert_eq!(atoi64(b"12abc"), (12, AtoiStatus::TrailingText));
        assert_eq!(atoi64(b"abc"), (0, AtoiStatus::NotANumber));
        assert_eq!(atoi64(b"0"), (0, AtoiStatus::Ok));
        assert_eq!(atoi64(b"9223372036854775808"), (i64::MAX, AtoiStatus::TwoPow63));
        assert_eq!(atoi64(b"-9223372036854775808"), (i64::MIN, AtoiStatus::Ok));
        assert_eq!(atoi64(b"99999999999999999999"), (i64::MAX, AtoiStatus::TooLarge));
        assert_eq!(dec_or_hex_to_i64("0x8000000000000000"), (i64::MIN, AtoiStatus::Ok));
        assert_eq!(dec_or_hex_to_i64("0x10000000000000000").1, AtoiStatus::TooLarge);
    }

    #[test]
    fn numeric_types() {
        assert_eq!(numeric_type(ValueRef::Text(b"12abc")), Some(Numeric::Integer(12)));
        assert_eq!(numeric_type(ValueRef::Text(b"abc")), Some(Numeric::Integer(0)));
        assert_eq!(numeric_type(ValueRef::Text(b"1.5x")), Some(Numeric::Real(1.5)));
        assert_eq!(numeric_type(ValueRef::Text(b"1\x002")), Some(Numeric::Real(1.0)));
        assert_eq!(numerify(ValueRef::Text(b"1\x002")), Value::Integer(1));
    }
}

#[cfg(test)]
mod must_be_int_tests {
    use super::*;

    #[test]
    fn must_be_int_cases() {
        // As SQLite's LIMIT accepts them ("datatype mismatch" for None).
        assert_eq!(must_be_int(ValueRef::Text(b"2.0")), Some(2));
        assert_eq!(must_be_int(ValueRef::Text(b" 1 ")), Some(1));
        assert_eq!(must_be_int(ValueRef::Text(b"1e0")), Some(1));
        assert_eq!(must_be_int(ValueRef::Real(1.5)), None);
        assert_eq!(must_be_int(ValueRef::Real(1e300)), None);
        assert_eq!(must_be_int(ValueRef::Blob(b"1")), None);
        assert_eq!(must_be_int(ValueRef::Null), None);
    }
}
