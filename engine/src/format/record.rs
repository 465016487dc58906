//! Records: the payload format of every table row and index entry.
//!
//! ```text
//! record  := header body
//! header  := varint(header_size_bytes)  serial_type*      (header_size includes its own varint)
//! body    := value*                                       (one per serial type, in order)
//! ```
//!
//! Serial types (schema format 4):
//!
//! | type     | value                        | body bytes |
//! |----------|------------------------------|------------|
//! | 0        | NULL                         | 0          |
//! | 1..=6    | big-endian two's-complement integer | 1, 2, 3, 4, 6, 8 |
//! | 7        | IEEE 754 big-endian double   | 8          |
//! | 8, 9     | the integers 0 and 1         | 0          |
//! | 10, 11   | reserved: corrupt            |            |
//! | N≥12 even| BLOB of (N−12)/2 bytes       | (N−12)/2   |
//! | N≥13 odd | TEXT of (N−13)/2 bytes       | (N−13)/2   |
//!
//! Integers take the smallest type that holds them, as `sqlite3VdbeSerialType` chooses.

use super::value::{Value, ValueRef};
use super::varint::{push_varint, read_varint, varint_len};
use crate::error::{Error, Result, corrupt_error};

/// The serial type SQLite chooses for `value` (schema format 4).
pub fn serial_type(value: ValueRef<'_>) -> u64 {
    match value {
        ValueRef::Null => 0,
        ValueRef::Integer(0) => 8,
        ValueRef::Integer(1) => 9,
        ValueRef::Integer(i) => {
            // Magnitude test on the one's complement, as SQLite does, so that negative
            // numbers use the same thresholds.
            let u = if i < 0 { !(i as u64) } else { i as u64 };
            if u <= 127 {
                1
            } else if u <= 32767 {
                2
            } else if u <= 8_388_607 {
                3
            } else if u <= 2_147_483_647 {
                4
            } else if u <= 0x7fff_ffff_ffff {
                5
            } else {
                6
            }
        }
        ValueRef::Real(_) => 7,
        ValueRef::Text(t) => 13 + 2 * t.len() as u64,
        ValueRef::Blob(b) => 12 + 2 * b.len() as u64,
    }
}

/// The number of body bytes a value of serial type `serial_type` takes. Types 10 and 11
/// (reserved) report 0 here; [`decode_value`] rejects them.
#[inline]
pub fn serial_type_size(serial_type: u64) -> u64 {
    const SIZES: [u64; 12] = [0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0];
    if serial_type < 12 { SIZES[serial_type as usize] } else { (serial_type - 12) / 2 }
}

/// The size in bytes of the record [`encode_record`] would produce for `values`.
pub fn record_size<'a>(values: impl IntoIterator<Item = ValueRef<'a>>) -> usize {
    let (header, body) = values.into_iter().fold((0usize, 0usize), |(h, b), v| {
        let t = serial_type(v);
        (h + varint_len(t), b + serial_type_size(t) as usize)
    });
    header_size_with_self(header) + body
}

/// Header size including its own varint, given the bytes of the serial types
/// (the computation of `sqlite3VdbeExec`'s OP_MakeRecord).
fn header_size_with_self(types_bytes: usize) -> usize {
    if types_bytes <= 126 {
        return types_bytes + 1;
    }
    let n = varint_len(types_bytes as u64);
    let size = types_bytes + n;
    if varint_len(size as u64) > n { size + 1 } else { size }
}

/// Appends the record of `values` to `out`.
pub fn encode_record_into<'a>(values: &[ValueRef<'a>], out: &mut Vec<u8>) {
    encode_iter_into(values.iter().copied(), out);
}

/// Appends the record of owned `values` to `out` (no copy of the values is made).
pub fn encode_values_into(values: &[Value], out: &mut Vec<u8>) {
    encode_iter_into(values.iter().map(Value::as_ref), out);
}

/// Appends the record of the values `values` yields (walked three times: sizes, header,
/// body) to `out`.
fn encode_iter_into<'a>(values: impl Iterator<Item = ValueRef<'a>> + Clone, out: &mut Vec<u8>) {
    let types_bytes: usize = values.clone().map(|v| varint_len(serial_type(v))).sum();
    let header_size = header_size_with_self(types_bytes);
    out.reserve(header_size + values.clone().map(|v| serial_type_size(serial_type(v)) as usize).sum::<usize>());
    let start = out.len();
    push_varint(out, header_size as u64);
    for v in values.clone() {
        push_varint(out, serial_type(v));
    }
    debug_assert_eq!(out.len() - start, header_size);
    for v in values {
        encode_body(v, out);
    }
}

/// The record of `values`.
pub fn encode_record(values: &[ValueRef<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_record_into(values, &mut out);
    out
}

/// The record of owned `values`.
pub fn encode_values(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_values_into(values, &mut out);
    out
}

fn encode_body(value: ValueRef<'_>, out: &mut Vec<u8>) {
    match value {
        ValueRef::Null => {}
        ValueRef::Integer(i) => {
            let n = serial_type_size(serial_type(value)) as usize;
            out.extend_from_slice(&i.to_be_bytes()[8 - n..]);
        }
        ValueRef::Real(r) => out.extend_from_slice(&r.to_bits().to_be_bytes()),
        ValueRef::Text(t) => out.extend_from_slice(t),
        ValueRef::Blob(b) => out.extend_from_slice(b),
    }
}

/// Decodes the value of serial type `serial_type` from the start of `body`.
/// `body` must hold at least [`serial_type_size`] bytes; reserved types are corrupt.
#[inline]
pub fn decode_value(serial_type: u64, body: &[u8]) -> Result<ValueRef<'_>> {
    let size = serial_type_size(serial_type) as usize;
    if body.len() < size {
        return Err(Error::corrupt("record value runs past the end of the record"));
    }
    Ok(match serial_type {
        0 => ValueRef::Null,
        1..=6 => {
            let bytes = &body[..size];
            // Sign-extend from the first byte.
            let mut v: i64 = if bytes[0] & 0x80 != 0 { -1 } else { 0 };
            for &b in bytes {
                v = (v << 8) | i64::from(b);
            }
            ValueRef::Integer(v)
        }
        7 => {
            let mut raw = [0u8; 8];
            raw.copy_from_slice(&body[..8]);
            let r = f64::from_bits(u64::from_be_bytes(raw));
            // SQLite reads a stored NaN as NULL (sqlite3VdbeSerialGet).
            if r.is_nan() { ValueRef::Null } else { ValueRef::Real(r) }
        }
        8 => ValueRef::Integer(0),
        9 => ValueRef::Integer(1),
        10 | 11 => {
            return Err(corrupt_error(format_args!("reserved serial type {serial_type} in record")));
        }
        t if t % 2 == 0 => ValueRef::Blob(&body[..size]),
        _ => ValueRef::Text(&body[..size]),
    })
}

/// A parsed record header over a complete record: serial types and body offsets.
///
/// Construction validates that the header lies within the record and that every value's body
/// lies within the record, so accessors cannot fail on a record that parsed.
#[derive(Debug)]
pub struct Record<'a> {
    data: &'a [u8],
    /// (serial type, body offset) per column.
    columns: Vec<(u64, usize)>,
}

/// The most columns a record may have (SQLite's SQLITE_MAX_COLUMN default is 2000; a table's
/// record can carry a few more, an index one more for the rowid).
pub const MAX_RECORD_COLUMNS: usize = 32_767;

/// Parses the header of the complete record `data` into `columns` (cleared first): the
/// (serial type, body offset) of each column. Validates as [`Record::parse`] does, so that
/// `decode_value(t, &data[off..])` cannot fail for any entry. Reusing `columns` across rows
/// spares an allocation per row.
pub fn parse_header_into(data: &[u8], columns: &mut Vec<(u64, usize)>) -> Result<()> {
    parse_header_of(data, data.len(), columns)
}

/// [`parse_header_into`] for a record of `record_len` bytes of which `data` holds a prefix
/// that includes the whole header (a record read lazily: its values are checked against
/// `record_len`, and need not be in `data`). A header longer than `data` is corrupt when it
/// is longer than the record, else an internal error (the caller reads the header first).
pub fn parse_header_of(data: &[u8], record_len: usize, columns: &mut Vec<(u64, usize)>) -> Result<()> {
    columns.clear();
    let (header_size, n) = read_varint(data)?;
    if header_size > record_len as u64 || (header_size as usize) < n {
        return Err(corrupt_error(format_args!(
            "record header size {header_size} is outside a record of {record_len} bytes"
        )));
    }
    if header_size > data.len() as u64 {
        return Err(Error::internal("record header parsed before it was read"));
    }
    let header_size = header_size as usize;
    let mut pos = n;
    let mut body = header_size;
    while pos < header_size {
        let (t, m) = read_varint(&data[pos..header_size])?;
        pos += m;
        if t == 10 || t == 11 {
            return Err(corrupt_error(format_args!("reserved serial type {t} in record")));
        }
        let size = serial_type_size(t);
        if size > record_len.saturating_sub(body) as u64 {
            return Err(Error::corrupt("record value runs past the end of the record"));
        }
        if columns.len() >= MAX_RECORD_COLUMNS {
            return Err(Error::corrupt("record has too many columns"));
        }
        columns.push((t, body));
        body += size as usize;
    }
    Ok(())
}

impl<'a> Record<'a> {
    /// Parses the record `data`.
    pub fn parse(data: &'a [u8]) -> Result<Record<'a>> {
        let mut columns = Vec::new();
        parse_header_into(data, &mut columns)?;
        Ok(Record { data, columns })
    }

    /// The number of columns.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// True when the record has no columns.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// The serial type of column `i`.
    pub fn serial_type(&self, i: usize) -> u64 {
        self.columns[i].0
    }

    /// The value of column `i`; columns past the end read as NULL (as SQLite reads a row
    /// written before ALTER TABLE ADD COLUMN).
    pub fn get(&self, i: usize) -> ValueRef<'a> {
        match self.columns.get(i) {
            None => ValueRef::Null,
            Some(&(t, off)) => {
                // Bounds were checked in parse(); reserved types were rejected there.
                decode_value(t, &self.data[off..]).unwrap_or(ValueRef::Null)
            }
        }
    }

    /// Every column's value.
    pub fn values(&self) -> impl Iterator<Item = ValueRef<'a>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Every column's value, owned.
    pub fn to_values(&self) -> Vec<Value> {
        self.values().map(ValueRef::to_owned).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn integer_serial_types_pick_smallest() {
        let cases: &[(i64, u64)] = &[
            (0, 8),
            (1, 9),
            (2, 1),
            (-1, 1),
            (127, 1),
            (-128, 1),
            (128, 2),
            (-129, 2),
            (32767, 2),
            (32768, 3),
            (8_388_607, 3),
            (8_388_608, 4),
            (2_147_483_647, 4),
            (2_147_483_648, 5),
            (0x7fff_ffff_ffff, 5),
            (0x8000_0000_0000, 6),
            (i64::MIN, 6),
        ];
        for &(i, t) in cases {
            assert_eq!(serial_type(ValueRef::Integer(i)), t, "{i}");
        }
    }

    #[test]
    fn known_record() {
        // (NULL, 1, 'ab', x'ff', 2.5): header 6 bytes: size, 0, 9, 17, 14, 7.
        let rec = encode_record(&[
            ValueRef::Null,
            ValueRef::Integer(1),
            ValueRef::Text(b"ab"),
            ValueRef::Blob(&[0xff]),
            ValueRef::Real(2.5),
        ]);
        let mut expected = vec![6, 0, 9, 17, 14, 7, b'a', b'b', 0xff];
        expected.extend_from_slice(&2.5f64.to_bits().to_be_bytes());
        assert_eq!(rec, expected);
    }

    #[test]
    fn long_header_size_varint() {
        // 200 NULL-less columns of small ints: header > 127 bytes needs a 2-byte size.
        let values: Vec<Value> = (0..200).map(|i| Value::Integer(i + 2)).collect();
        let rec = encode_values(&values);
        let parsed = Record::parse(&rec).unwrap();
        assert_eq!(parsed.to_values(), values);
        let (hs, n) = read_varint(&rec).unwrap();
        assert_eq!((hs, n), (202, 2));
        assert_eq!(record_size(values.iter().map(Value::as_ref)), rec.len());
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::Integer),
            any::<f64>().prop_filter("NaN reads back as NULL", |f| !f.is_nan()).prop_map(Value::Real),
            proptest::collection::vec(any::<u8>(), 0..40).prop_map(Value::Text),
            proptest::collection::vec(any::<u8>(), 0..40).prop_map(Value::Blob),
        ]
    }

    proptest! {
        #[test]
        fn round_trip(values in proptest::collection::vec(arb_value(), 0..150)) {
            let rec = encode_values(&values);
            prop_assert_eq!(rec.len(), record_size(values.iter().map(Value::as_ref)));
            let parsed = Record::parse(&rec).unwrap();
            prop_assert_eq!(parsed.to_values(), values);
        }

        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(r) = Record::parse(&bytes) {
                for v in r.values() { let _ = v; }
            }
        }
    }
}
