//! Index keys and their order (SQLite's KeyInfo, UnpackedRecord and
//! sqlite3VdbeRecordCompare).
//!
//! An index entry is a record: the indexed columns, then the rowid. Entries are ordered field
//! by field in SQLite's value order (NULL < numbers < text < blob), text under the column's
//! collation, each field ascending or descending as the index declares. Fields beyond the
//! declared ones (the rowid) are BINARY and ascending.

use crate::error::Result;
use crate::format::record::{Record, decode_value, serial_type_size};
use crate::format::value::{Collation, Value, ValueRef, compare_values};
use crate::format::varint::read_varint;
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
}

impl UnpackedKey {
    /// A key that compares equal to records whose first fields equal `values`.
    pub fn exact(values: Vec<Value>) -> UnpackedKey {
        UnpackedKey { values, default_ordering: Ordering::Equal }
    }

    /// A key that sorts after every record whose first fields equal `values` (SQLite's
    /// default_rc = -1: the record compares as smaller than the key).
    pub fn after_equal(values: Vec<Value>) -> UnpackedKey {
        UnpackedKey { values, default_ordering: Ordering::Less }
    }

    /// A key that sorts before every record whose first fields equal `values`
    /// (default_rc = +1).
    pub fn before_equal(values: Vec<Value>) -> UnpackedKey {
        UnpackedKey { values, default_ordering: Ordering::Greater }
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
    Ok(key.default_ordering)
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
