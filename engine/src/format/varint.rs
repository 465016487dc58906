//! SQLite's variable-length integers.
//!
//! A varint is 1 to 9 bytes, big-endian. Each of the first 8 bytes contributes its low 7 bits
//! and continues when its high bit is set; a 9th byte contributes all 8 bits. Every 64-bit
//! value therefore fits, and values below 128 take one byte.

use crate::error::{Error, Result};

/// The longest varint, in bytes.
pub const MAX_VARINT_BYTES: usize = 9;

/// Decodes the varint at the start of `buf`; returns the value and the bytes it took.
/// A varint that runs past the end of `buf` is corrupt.
/// Varints of up to three bytes (values below 2,097,152: most payload sizes and serial types,
/// and the rowids of tables of up to two million rows, which every seek reads on every page
/// it passes) are decoded inline; SQLite's getVarint does one and two bytes inline and
/// unrolls the rest.
#[inline]
pub fn read_varint(buf: &[u8]) -> Result<(u64, usize)> {
    match *buf {
        [b, ..] if b < 0x80 => Ok((u64::from(b), 1)),
        [b0, b1, ..] if b1 < 0x80 => Ok(((u64::from(b0 & 0x7f) << 7) | u64::from(b1), 2)),
        [b0, b1, b2, ..] if b2 < 0x80 => {
            Ok(((u64::from(b0 & 0x7f) << 14) | (u64::from(b1 & 0x7f) << 7) | u64::from(b2), 3))
        }
        _ => read_varint_slow(buf),
    }
}

/// Decodes the varint at the start of `bytes`, which hold the longest one: it cannot run
/// past them, so no byte needs a bounds check and nothing can fail.
#[inline]
pub fn decode_varint(bytes: &[u8; MAX_VARINT_BYTES]) -> (u64, usize) {
    let mut value: u64 = 0;
    for (i, &b) in bytes[..8].iter().enumerate() {
        value = (value << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            return (value, i + 1);
        }
    }
    ((value << 8) | u64::from(bytes[8]), 9)
}

/// Varints of four bytes or more, and truncated ones.
fn read_varint_slow(buf: &[u8]) -> Result<(u64, usize)> {
    if let Some(bytes) = buf.first_chunk::<MAX_VARINT_BYTES>() {
        return Ok(decode_varint(bytes));
    }
    let mut value: u64 = 0;
    for i in 0..8 {
        let Some(&b) = buf.get(i) else {
            return Err(Error::corrupt("varint runs past the end of its buffer"));
        };
        value = (value << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            return Ok((value, i + 1));
        }
    }
    let Some(&b) = buf.get(8) else {
        return Err(Error::corrupt("varint runs past the end of its buffer"));
    };
    Ok(((value << 8) | u64::from(b), 9))
}

/// The number of bytes `value` takes as a varint.
#[inline]
pub fn varint_len(value: u64) -> usize {
    if value < 0x80 {
        return 1;
    }
    if value >> 56 != 0 {
        return 9;
    }
    let bits = 64 - value.leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Encodes `value` at the start of `out` (which must hold [`varint_len`] bytes); returns the
/// bytes written.
#[inline]
pub fn write_varint(out: &mut [u8], value: u64) -> usize {
    if value < 0x80 {
        out[0] = value as u8;
        return 1;
    }
    let len = varint_len(value);
    if len == 9 {
        out[8] = value as u8;
        let mut v = value >> 8;
        for i in (0..8).rev() {
            out[i] = (v as u8 & 0x7f) | 0x80;
            v >>= 7;
        }
        return 9;
    }
    let mut v = value;
    for i in (0..len).rev() {
        out[i] = (v as u8 & 0x7f) | if i == len - 1 { 0 } else { 0x80 };
        v >>= 7;
    }
    len
}

/// Appends `value` as a varint to `out`.
#[inline]
pub fn push_varint(out: &mut Vec<u8>, value: u64) {
    if value < 0x80 {
        out.push(value as u8);
        return;
    }
    let mut buf = [0u8; MAX_VARINT_BYTES];
    let n = write_varint(&mut buf, value);
    out.extend_from_slice(&buf[..n]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_encodings() {
        // Examples that follow from the definition in the file-format document.
        let cases: &[(u64, &[u8])] = &[
            (0, &[0x00]),
            (127, &[0x7f]),
            (128, &[0x81, 0x00]),
            (16383, &[0xff, 0x7f]),
            (16384, &[0x81, 0x80, 0x00]),
            (u64::MAX, &[0xff; 9]),
        ];
        for &(value, bytes) in cases {
            let mut out = Vec::new();
            push_varint(&mut out, value);
            assert_eq!(out, bytes, "encoding {value}");
            assert_eq!(read_varint(bytes).unwrap(), (value, bytes.len()));
            assert_eq!(varint_len(value), bytes.len());
        }
    }

    #[test]
    fn every_length_decodes_with_and_without_slack() {
        for len in 1..=MAX_VARINT_BYTES {
            let value = if len == 9 { u64::MAX - 5 } else { (1u64 << (7 * len - 1)) + 3 };
            let mut out = Vec::new();
            push_varint(&mut out, value);
            assert_eq!(out.len(), len);
            assert_eq!(read_varint(&out).unwrap(), (value, len), "exact buffer, {len} bytes");
            out.extend_from_slice(&[0xff; 12]);
            assert_eq!(read_varint(&out).unwrap(), (value, len), "longer buffer, {len} bytes");
        }
    }

    #[test]
    fn truncated_is_corrupt() {
        assert!(read_varint(&[]).unwrap_err().is_corrupt());
        assert!(read_varint(&[0x81]).unwrap_err().is_corrupt());
        assert!(read_varint(&[0xff; 8]).unwrap_err().is_corrupt());
    }

    proptest! {
        #[test]
        fn round_trip(value: u64) {
            let mut out = Vec::new();
            push_varint(&mut out, value);
            prop_assert_eq!(out.len(), varint_len(value));
            prop_assert_eq!(read_varint(&out).unwrap(), (value, out.len()));
        }

        #[test]
        fn any_bytes_decode_without_panic(bytes: Vec<u8>) {
            if let Ok((value, n)) = read_varint(&bytes) {
                prop_assert!(n <= bytes.len());
                // Re-encoding is canonical only for the shortest form; the length never grows.
                prop_assert!(varint_len(value) <= n);
            }
        }
    }
}
