//! The `record` fuzz target: record and varint decoding against encoding
//! (engine/src/format/record.rs, varint.rs). Every input is read three ways:
//!
//! 1. as varints back to back: each one `read_varint` decodes is re-encoded by `write_varint`
//!    in `varint_len` bytes, no more than it took, and reads back to the same value;
//!    `decode_varint` on the zero-padded 9 bytes agrees with `read_varint`;
//! 2. as a record: when `Record::parse` accepts it, every declared value lies in the record,
//!    its values re-encode (`encode_values`, `record_size` bytes) to a record that parses to
//!    equal values (REALs bit for bit), a header read lazily from any prefix that holds it
//!    (`parse_header_of`) gives the same columns, and re-encoding is a fixed point;
//! 3. as a list of values (built with `arbitrary`): the encoded record parses back to them,
//!    with the serial type SQLite chooses for each (`serial_type`: the smallest integer).

use arbitrary::{Arbitrary, Unstructured};

use touchstone_engine::format::record::{
    Record, encode_values, parse_header_into, parse_header_of, record_size, serial_type,
};
use touchstone_engine::format::value::Value;
use touchstone_engine::format::varint::{MAX_VARINT_BYTES, decode_varint, read_varint, varint_len, write_varint};
use touchstone_oracle::differential::pair::same_row;

/// The most values one input builds in step 3 (a bound on the work of one input).
pub const MAX_VALUES: usize = 256;

/// Checks `input` the three ways of the module comment. Errors: the first property broken,
/// with the bytes or values involved.
pub fn check(input: &[u8]) -> Result<(), String> {
    varints(input)?;
    record(input)?;
    values(input)
}

/// Step 1: the varints of `input`, back to back.
fn varints(input: &[u8]) -> Result<(), String> {
    let mut at = 0;
    while at < input.len() {
        let Ok((value, taken)) = read_varint(&input[at..]) else {
            if input.len() - at >= MAX_VARINT_BYTES {
                return Err(format!("read_varint fails on the 9 or more bytes {:02x?}", &input[at..]));
            }
            break;
        };
        let mut padded = [0u8; MAX_VARINT_BYTES];
        let n = (input.len() - at).min(MAX_VARINT_BYTES);
        padded[..n].copy_from_slice(&input[at..at + n]);
        if decode_varint(&padded) != (value, taken) {
            return Err(format!(
                "decode_varint {:?} != read_varint {:?} on {padded:02x?}",
                decode_varint(&padded),
                (value, taken)
            ));
        }
        let mut out = [0u8; MAX_VARINT_BYTES];
        let written = write_varint(&mut out, value);
        if written != varint_len(value) || written > taken {
            return Err(format!(
                "{value} took {taken} bytes, write_varint {written}, varint_len {}",
                varint_len(value)
            ));
        }
        if read_varint(&out[..written]) != Ok((value, written)) {
            return Err(format!("{value} written as {:02x?} does not read back", &out[..written]));
        }
        at += taken;
    }
    Ok(())
}

/// Step 2: `input` as a record.
fn record(input: &[u8]) -> Result<(), String> {
    let Ok(parsed) = Record::parse(input) else { return Ok(()) };
    let mut columns = Vec::new();
    parse_header_into(input, &mut columns)
        .map_err(|e| format!("parse_header_into fails where Record::parse did not: {e}"))?;
    let header_size = read_varint(input).map(|(size, _)| size as usize).unwrap_or(0);
    for &(t, offset) in &columns {
        let size = touchstone_engine::format::record::serial_type_size(t) as usize;
        if offset + size > input.len() {
            return Err(format!("column of serial type {t} at {offset} runs past the {}-byte record", input.len()));
        }
    }
    for prefix in [header_size, (header_size + input.len()) / 2, input.len()] {
        let mut lazy = Vec::new();
        if parse_header_of(&input[..prefix.min(input.len())], input.len(), &mut lazy).is_err() || lazy != columns {
            return Err(format!("the header read from a {prefix}-byte prefix differs: {lazy:?} against {columns:?}"));
        }
    }
    let values = parsed.to_values();
    let encoded = encode_values(&values);
    let refs: Vec<_> = values.iter().map(Value::as_ref).collect();
    if record_size(refs.iter().copied()) != encoded.len() {
        return Err(format!(
            "record_size {} but the record is {} bytes",
            record_size(refs.iter().copied()),
            encoded.len()
        ));
    }
    let again =
        Record::parse(&encoded).map_err(|e| format!("the re-encoded record {encoded:02x?} does not parse: {e}"))?;
    let again_values = again.to_values();
    if !same_row(&again_values, &values) {
        return Err(format!("{values:?} re-encoded reads back as {again_values:?}"));
    }
    if encode_values(&again_values) != encoded {
        return Err(format!("re-encoding {values:?} is not a fixed point"));
    }
    Ok(())
}

/// One value built from the fuzzer's bytes. A NaN REAL becomes NULL, as SQLite stores no NaN
/// (it reads a stored one as NULL).
fn arbitrary_value(u: &mut Unstructured<'_>) -> arbitrary::Result<Value> {
    Ok(match u.int_in_range(0u8..=4)? {
        0 => Value::Null,
        1 => Value::Integer(i64::arbitrary(u)?),
        2 => match f64::from_bits(u64::arbitrary(u)?) {
            r if r.is_nan() => Value::Null,
            r => Value::Real(r),
        },
        3 => Value::Text(Vec::<u8>::arbitrary(u)?),
        _ => Value::Blob(Vec::<u8>::arbitrary(u)?),
    })
}

/// Step 3: `input` as a list of values.
fn values(input: &[u8]) -> Result<(), String> {
    let mut u = Unstructured::new(input);
    let mut values = Vec::new();
    while values.len() < MAX_VALUES && !u.is_empty() {
        match arbitrary_value(&mut u) {
            Ok(v) => values.push(v),
            Err(_) => break,
        }
    }
    let encoded = encode_values(&values);
    let parsed = Record::parse(&encoded).map_err(|e| format!("the record of {values:?} does not parse: {e}"))?;
    let back = parsed.to_values();
    if !same_row(&back, &values) {
        return Err(format!("{values:?} encoded reads back as {back:?}"));
    }
    for (i, v) in values.iter().enumerate() {
        if parsed.serial_type(i) != serial_type(v.as_ref()) {
            return Err(format!(
                "{v:?} stored with serial type {}, not {}",
                parsed.serial_type(i),
                serial_type(v.as_ref())
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_and_damaged_records_and_junk_pass() {
        let record =
            encode_values(&[Value::Integer(300), Value::Real(-0.0), Value::text("hé"), Value::Blob(vec![0; 3])]);
        assert_eq!(check(&record), Ok(()));
        for cut in 0..record.len() {
            assert_eq!(check(&record[..cut]), Ok(()), "prefix of {cut} bytes");
        }
        assert_eq!(check(&[0xff; 20]), Ok(()));
        assert_eq!(check(&[0x81, 0x80, 0x00]), Ok(()), "a varint with a redundant leading byte");
    }

    #[test]
    fn a_wrong_serial_type_choice_is_a_finding() {
        // Step 3's own comparison: an integer stored wider than needed must be noticed.
        let wide = [0x03u8, 0x06, 0x09, 0, 0, 0, 0, 0, 0, 0, 1];
        let parsed = Record::parse(&wide).unwrap();
        assert_ne!(parsed.serial_type(0), serial_type(Value::Integer(1).as_ref()));
    }
}
