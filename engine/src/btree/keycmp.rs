//! Index keys and their order (SQLite's KeyInfo, UnpackedRecord and
//! sqlite3VdbeRecordCompare).
//!
//! An index entry is a record: the indexed columns, then the rowid. Entries are ordered field
//! by field in SQLite's value order (NULL < numbers < text < blob), text under the column's
//! collation, each field ascending or descending as the index declares. Fields beyond the
//! declared ones (the rowid) are BINARY and ascending.

use crate::error::Result;
use crate::format::record::{Record, decode_value, serial_type_size};
use crate::format::value::{Collation, Value, ValueRef, compare_int_real, compare_values};
use crate::format::varint::read_varint;
use std::cell::Cell;
use std::cmp::Ordering;

/// How the fields of an index key compare (SQLite's KeyInfo).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyInfo {
    /// Collation of each declared field; fields past the end are BINARY.
    pub collations: Vec<Collation>,
    /// True where a field sorts descending; fields past the end are ascending.
    pub descending: Vec<bool>,
}

impl KeyInfo {
    /// A key of `n` BINARY ascending fields.
    pub fn binary(n: usize) -> KeyInfo {
        KeyInfo { collations: vec![Collation::Binary; n], descending: vec![false; n] }
    }

    fn field(&self, i: usize) -> (Collation, bool) {
        (self.collations.get(i).copied().unwrap_or_default(), self.descending.get(i).copied().unwrap_or(false))
    }
}

/// A search key: values to compare with index records (SQLite's UnpackedRecord).
#[derive(Clone, Debug, PartialEq)]
pub struct UnpackedKey {
    /// The key's fields; a record is compared on this many fields only (a prefix search).
    pub values: Vec<Value>,
    /// The result when every compared field is equal (default_rc): `Equal` for an exact
    /// search, `Less` to land after all equal entries (the key sorts before them... see
    /// [`UnpackedKey::after_equal`]).
    pub default_ordering: Ordering,
    /// Set by a comparison that found every compared field equal (SQLite's eqSeen): after a
    /// search, whether it met an entry equal to the key.
    pub eq_seen: Cell<bool>,
}

impl UnpackedKey {
    /// A key that compares equal to records whose first fields equal `values`.
    pub fn exact(values: Vec<Value>) -> UnpackedKey {
        UnpackedKey { values, default_ordering: Ordering::Equal, eq_seen: Cell::new(false) }
    }

    /// A key that sorts after every record whose first fields equal `values` (SQLite's
    /// default_rc = -1: the record compares as smaller than the key).
    pub fn after_equal(values: Vec<Value>) -> UnpackedKey {
        UnpackedKey { values, default_ordering: Ordering::Less, eq_seen: Cell::new(false) }
    }

    /// A key that sorts before every record whose first fields equal `values`
    /// (default_rc = +1).
    pub fn before_equal(values: Vec<Value>) -> UnpackedKey {
        UnpackedKey { values, default_ordering: Ordering::Greater, eq_seen: Cell::new(false) }
    }

    /// The result of a comparison that found every compared field equal: the default
    /// ordering as -1 / 0 / +1, noting that an equal entry was seen.
    fn all_equal(&self) -> i32 {
        self.eq_seen.set(true);
        ordering_rc(self.default_ordering)
    }

    /// The key of a complete index record, compared on all its fields.
    pub fn from_record(record: &[u8]) -> Result<UnpackedKey> {
        Ok(UnpackedKey::exact(Record::parse(record)?.to_values()))
    }
}

/// Compares the index record `record` (complete payload bytes) with `key`: the ordering of
/// the record relative to the key (sqlite3VdbeRecordCompare's sign convention: Less means the
/// record sorts first). Only `key.values.len()` fields are compared; when they are all equal
/// the result is `key.default_ordering`. A malformed record is `Corrupt`.
pub fn compare_record(record: &[u8], key: &UnpackedKey, info: &KeyInfo) -> Result<Ordering> {
    let (header_size, mut pos) = read_varint(record)?;
    crate::ensure_corrupt!(
        header_size as usize <= record.len() && header_size as usize >= pos,
        "index record header is malformed"
    );
    let header_size = header_size as usize;
    let mut body = header_size;
    for (i, kv) in key.values.iter().enumerate() {
        if pos >= header_size {
            break;
        }
        let (serial_type, n) = read_varint(&record[pos..header_size])?;
        pos += n;
        let size = serial_type_size(serial_type) as usize;
        crate::ensure_corrupt!(body + size <= record.len(), "index record value runs past its end");
        let value: ValueRef<'_> = decode_value(serial_type, &record[body..])?;
        body += size;
        let (collation, desc) = info.field(i);
        let ord = compare_values(value, kv.as_ref(), collation);
        if ord != Ordering::Equal {
            return Ok(if desc { ord.reverse() } else { ord });
        }
    }
    key.eq_seen.set(true);
    Ok(key.default_ordering)
}

/// Compares the index record of `n_key` bytes at the start of `buf` with `key` exactly as
/// SQLite's comparators do (sqlite3VdbeFindCompare's choice of vdbeRecordCompareInt,
/// vdbeRecordCompareString or sqlite3VdbeRecordCompareWithSkip), including on damaged
/// records: SQLite reads past a record's end into what follows it (the page, or zero
/// padding), here `buf`'s further bytes and then zeros, and reports corruption only where
/// its comparators detect it (a string or blob running past the record, a header running
/// out before the fields compared). The result's sign convention is [`compare_record`]'s.
pub fn compare_record_sqlite(buf: &[u8], n_key: usize, key: &UnpackedKey, info: &KeyInfo) -> Result<Ordering> {
    let Some(first) = key.values.first() else { return Ok(key.default_ordering) };
    let n_all = info.collations.len().max(key.values.len());
    let sign = |c: i32| c.cmp(&0);
    if n_all <= 13 {
        let (collation, desc) = info.field(0);
        // r1: the record is smaller than the key; r2: larger (reversed for DESC).
        let (r1, r2) = if desc { (1, -1) } else { (-1, 1) };
        match first {
            Value::Integer(v) => return compare_int_first(buf, n_key, *v, key, info, r1, r2).map(sign),
            Value::Text(t) if collation == Collation::Binary => {
                return compare_text_first(buf, n_key, t, key, info, r1, r2).map(sign);
            }
            _ => {}
        }
    }
    compare_with_skip(buf, n_key, key, info, false).map(sign)
}

/// The byte at `i` of a record buffer, 0 past its end.
#[inline]
fn at(buf: &[u8], i: usize) -> u8 {
    buf.get(i).copied().unwrap_or(0)
}

/// Bytes `from..from + n` of a record buffer, zeros past its end (borrowed when in bounds).
fn bytes_at(buf: &[u8], from: usize, n: usize) -> std::borrow::Cow<'_, [u8]> {
    match buf.get(from..from + n) {
        Some(b) => std::borrow::Cow::Borrowed(b),
        None => std::borrow::Cow::Owned((from..from + n).map(|i| at(buf, i)).collect()),
    }
}

/// getVarint32 at `i`: the value (saturated to 32 bits) and its length.
fn varint32_at(buf: &[u8], i: usize) -> (u32, usize) {
    let mut v: u64 = 0;
    for k in 0..8 {
        let b = at(buf, i + k);
        v = (v << 7) | u64::from(b & 0x7f);
        if b < 0x80 {
            return (u32::try_from(v).unwrap_or(u32::MAX), k + 1);
        }
    }
    v = (v << 8) | u64::from(at(buf, i + 8));
    (u32::try_from(v).unwrap_or(u32::MAX), 9)
}

/// sqlite3VdbeSerialTypeLen.
fn serial_len(t: u32) -> usize {
    const SMALL: [usize; 12] = [0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0];
    if t >= 12 { (t as usize - 12) / 2 } else { SMALL[t as usize] }
}

/// sqlite3VarintLen of a serial type.
fn varint_len(t: u32) -> usize {
    crate::format::varint::varint_len(u64::from(t))
}

/// The big-endian signed integer of `n` bytes at `i` (vdbeRecordDecodeInt).
fn int_at(buf: &[u8], i: usize, n: usize) -> i64 {
    let mut v: i64 = if at(buf, i) & 0x80 != 0 { -1 } else { 0 };
    for k in 0..n {
        v = (v << 8) | i64::from(at(buf, i + k));
    }
    v
}

/// The integer of serial type `t` (1 to 6, 8, 9) at `i`.
fn decode_int(buf: &[u8], i: usize, t: u32) -> i64 {
    match t {
        1..=4 => int_at(buf, i, t as usize),
        5 => int_at(buf, i, 6),
        6 => int_at(buf, i, 8),
        _ => i64::from(t) - 8,
    }
}

/// The REAL (serial type 7) at `i`.
fn real_at(buf: &[u8], i: usize) -> f64 {
    f64::from_bits(int_at(buf, i, 8) as u64)
}

/// vdbeRecordCompareInt: the key's first field is an integer.
fn compare_int_first(
    buf: &[u8],
    n_key: usize,
    v: i64,
    key: &UnpackedKey,
    info: &KeyInfo,
    r1: i32,
    r2: i32,
) -> Result<i32> {
    let body = usize::from(at(buf, 0) & 0x3f);
    let t = u32::from(at(buf, 1));
    let lhs = match t {
        1..=6 => decode_int(buf, body, t),
        8 | 9 => i64::from(t) - 8,
        _ => return compare_with_skip(buf, n_key, key, info, false),
    };
    Ok(match v.cmp(&lhs) {
        Ordering::Greater => r1,
        Ordering::Less => r2,
        Ordering::Equal if key.values.len() > 1 => compare_with_skip(buf, n_key, key, info, true)?,
        Ordering::Equal => key.all_equal(),
    })
}

/// vdbeRecordCompareString: the key's first field is a BINARY text.
fn compare_text_first(
    buf: &[u8],
    n_key: usize,
    s: &[u8],
    key: &UnpackedKey,
    info: &KeyInfo,
    r1: i32,
    r2: i32,
) -> Result<i32> {
    let mut t = i32::from(at(buf, 1) as i8);
    loop {
        if t < 12 {
            if t < 0 {
                t = varint32_at(buf, 1).0 as i32;
                if t >= 12 {
                    continue;
                }
            }
            return Ok(r1);
        }
        if t & 1 == 0 {
            return Ok(r2);
        }
        let hdr = usize::from(at(buf, 0));
        let n = (t as usize - 12) / 2;
        crate::ensure_corrupt!(hdr + n <= n_key, "index record text runs past its end");
        let n_cmp = n.min(s.len());
        return Ok(match bytes_at(buf, hdr, n_cmp).as_ref().cmp(&s[..n_cmp]) {
            Ordering::Greater => r2,
            Ordering::Less => r1,
            Ordering::Equal => match n.cmp(&s.len()) {
                Ordering::Equal if key.values.len() > 1 => compare_with_skip(buf, n_key, key, info, true)?,
                Ordering::Equal => key.all_equal(),
                Ordering::Greater => r2,
                Ordering::Less => r1,
            },
        });
    }
}

/// An ordering as SQLite's -1 / 0 / +1.
fn ordering_rc(o: Ordering) -> i32 {
    match o {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

/// sqlite3VdbeRecordCompare (no fast path): the ordering of the record relative to `key`,
/// or corruption where the comparator detects it.
pub fn compare_record_sqlite_generic(buf: &[u8], n_key: usize, key: &UnpackedKey, info: &KeyInfo) -> Result<Ordering> {
    compare_with_skip(buf, n_key, key, info, false).map(|c| c.cmp(&0))
}

/// sqlite3VdbeRecordCompareWithSkip on a whole record (what OP_IdxGT and its kin use, with
/// no fast path): the ordering of the record relative to `key`, or None when the comparator
/// found the record damaged (SQLite's opcodes then take the result as 0).
pub fn compare_record_sqlite_full(buf: &[u8], n_key: usize, key: &UnpackedKey, info: &KeyInfo) -> Option<Ordering> {
    compare_with_skip(buf, n_key, key, info, false).ok().map(|c| c.cmp(&0))
}

/// sqlite3VdbeRecordCompareWithSkip: field by field; with `skip`, the first fields are known
/// equal and comparison starts at the second.
fn compare_with_skip(buf: &[u8], n_key: usize, key: &UnpackedKey, info: &KeyInfo, skip: bool) -> Result<i32> {
    let corrupt = || crate::Error::corrupt("index record is malformed");
    let n_all = info.collations.len().max(key.values.len());
    let (mut idx1, sz_hdr, mut d1, mut i);
    if skip {
        let s1 = u32::from(at(buf, 1));
        let (s1, n) = if s1 < 0x80 { (s1, 1) } else { varint32_at(buf, 1) };
        idx1 = 1 + n;
        sz_hdr = usize::from(at(buf, 0));
        d1 = sz_hdr + serial_len(s1);
        i = 1;
    } else {
        let (h, n) = varint32_at(buf, 0);
        sz_hdr = h as usize;
        idx1 = n;
        d1 = sz_hdr;
        i = 0;
    }
    if d1 > n_key {
        return Err(corrupt());
    }
    loop {
        let one_byte_type = u32::from(at(buf, idx1));
        let varint_type = || if one_byte_type < 0x80 { one_byte_type } else { varint32_at(buf, idx1).0 };
        let (t, rc) = match &key.values[i] {
            Value::Integer(v) => {
                let t = one_byte_type;
                let rc = match t {
                    10.. => {
                        if t == 10 {
                            -1
                        } else {
                            1
                        }
                    }
                    0 => -1,
                    7 => {
                        let r = real_at(buf, d1);
                        -ordering_rc(if r.is_nan() { Ordering::Greater } else { compare_int_real(*v, r) })
                    }
                    _ => ordering_rc(decode_int(buf, d1, t).cmp(v)),
                };
                (t, rc)
            }
            Value::Real(r) => {
                let t = one_byte_type;
                let rc = match t {
                    10.. => {
                        if t == 10 {
                            -1
                        } else {
                            1
                        }
                    }
                    0 => -1,
                    7 => {
                        let x = real_at(buf, d1);
                        if x.is_nan() { -1 } else { ordering_rc(x.partial_cmp(r).unwrap_or(Ordering::Equal)) }
                    }
                    _ => ordering_rc(if r.is_nan() {
                        Ordering::Greater
                    } else {
                        compare_int_real(decode_int(buf, d1, t), *r)
                    }),
                };
                (t, rc)
            }
            Value::Text(s) => {
                let t = varint_type();
                let rc = if t < 12 {
                    -1
                } else if t & 1 == 0 {
                    1
                } else {
                    let n = (t as usize - 12) / 2;
                    if d1 + n > n_key || n_all <= i {
                        return Err(corrupt());
                    }
                    ordering_rc(info.field(i).0.compare(&bytes_at(buf, d1, n), s))
                };
                (t, rc)
            }
            Value::Blob(b) => {
                let t = varint_type();
                let rc = if t < 12 || t & 1 == 1 {
                    -1
                } else {
                    let n = (t as usize - 12) / 2;
                    if d1 + n > n_key {
                        return Err(corrupt());
                    }
                    ordering_rc(bytes_at(buf, d1, n).as_ref().cmp(b.as_slice()))
                };
                (t, rc)
            }
            Value::Null => {
                let t = one_byte_type;
                let equal = t == 0 || t == 10 || (t == 7 && real_at(buf, d1).is_nan());
                (t, i32::from(!equal))
            }
        };
        if rc != 0 {
            return Ok(if info.field(i).1 { -rc } else { rc });
        }
        i += 1;
        if i == key.values.len() {
            break;
        }
        d1 += serial_len(t);
        if d1 > n_key {
            break;
        }
        idx1 += varint_len(t);
        if idx1 >= sz_hdr {
            return Err(corrupt());
        }
    }
    Ok(key.all_equal())
}

/// Compares two unpacked keys field by field under `info` (the sorter's order for index
/// builds). A key that is a prefix of the other sorts first.
pub fn compare_unpacked(a: &[Value], b: &[Value], info: &KeyInfo) -> Ordering {
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let (collation, desc) = info.field(i);
        let ord = compare_values(x.as_ref(), y.as_ref(), collation);
        if ord != Ordering::Equal {
            return if desc { ord.reverse() } else { ord };
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::record::encode_values;

    #[test]
    fn prefix_and_default_ordering() {
        let rec = encode_values(&[Value::Integer(5), Value::text("b"), Value::Integer(99)]);
        let info = KeyInfo::binary(2);
        assert_eq!(compare_record(&rec, &UnpackedKey::exact(vec![Value::Integer(5)]), &info).unwrap(), Ordering::Equal);
        assert_eq!(
            compare_record(&rec, &UnpackedKey::after_equal(vec![Value::Integer(5)]), &info).unwrap(),
            Ordering::Less
        );
        assert_eq!(
            compare_record(&rec, &UnpackedKey::exact(vec![Value::Integer(5), Value::text("c")]), &info).unwrap(),
            Ordering::Less
        );
        assert_eq!(
            compare_record(&rec, &UnpackedKey::exact(vec![Value::Integer(4)]), &info).unwrap(),
            Ordering::Greater
        );
    }

    #[test]
    fn descending_and_collation() {
        let rec = encode_values(&[Value::text("ABC"), Value::Integer(1)]);
        let info = KeyInfo { collations: vec![Collation::NoCase], descending: vec![true] };
        assert_eq!(
            compare_record(&rec, &UnpackedKey::exact(vec![Value::text("abc")]), &info).unwrap(),
            Ordering::Equal
        );
        // Descending: "abd" > "abc" ascending, so the record sorts after the key.
        assert_eq!(
            compare_record(&rec, &UnpackedKey::exact(vec![Value::text("abd")]), &info).unwrap(),
            Ordering::Greater
        );
    }

    #[test]
    fn corrupt_records_are_errors() {
        let key = UnpackedKey::exact(vec![Value::Integer(1)]);
        assert!(compare_record(&[], &key, &KeyInfo::default()).is_err());
        assert!(compare_record(&[5, 1], &key, &KeyInfo::default()).is_err());
        assert!(compare_record(&[2, 6], &key, &KeyInfo::default()).is_err());
    }
}
