//! SQL literals for generated statements: NULLs, integers (edge values included), reals,
//! text and blobs (large ones past the page size, so that they need overflow pages).
//!
//! Every literal is written so that SQLite and the engine read the same value from it:
//! reals always carry a decimal point or an exponent (Rust's `{:?}` of an `f64`, which
//! round-trips), text is quoted with `'` doubled, blobs are `X'..'` hex.

use crate::decide::Decisions;
use crate::scenario::ValueSpec;

/// Integers where encodings change size or arithmetic overflows.
const EDGE_INTEGERS: &[i64] = &[
    0,
    1,
    -1,
    2,
    127,
    128,
    -129,
    255,
    256,
    32_767,
    32_768,
    -32_769,
    8_388_607,
    8_388_608,
    2_147_483_647,
    2_147_483_648,
    -2_147_483_649,
    140_737_488_355_327,
    140_737_488_355_328,
    i64::MAX,
    i64::MIN,
    i64::MAX - 1,
];

/// Reals, including ones that print with exponents and one that equals an integer.
const REALS: &[f64] = &[0.0, 0.5, -1.5, 2.0, 3.25, 1e-7, 123_456.789, -9.5e18, 1e100, 4.9e-324];

/// The kinds of value a column may be given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Integer,
    Real,
    Text,
    Blob,
}

/// A literal of a kind chosen from the column's declared type most of the time, and of any
/// kind otherwise (SQLite columns hold any type; affinity decides what is stored).
pub fn literal(d: &mut Decisions, spec: &ValueSpec, preferred: Option<Kind>) -> String {
    if d.chance(spec.null) {
        return "NULL".to_string();
    }
    let kind = match preferred {
        Some(kind) if d.chance(0.8) => kind,
        _ => *d.pick(&[Kind::Integer, Kind::Real, Kind::Text, Kind::Blob]).unwrap_or(&Kind::Integer),
    };
    match kind {
        Kind::Integer => integer(d, spec).to_string(),
        Kind::Real => real(d),
        Kind::Text => text(d, spec),
        Kind::Blob => blob(d, spec),
    }
}

/// An integer: an edge value with the spec's probability, else a small one (so that keys
/// and compared values collide often enough to matter).
pub fn integer(d: &mut Decisions, spec: &ValueSpec) -> i64 {
    if d.chance(spec.edge_integers) { *d.pick(EDGE_INTEGERS).unwrap_or(&0) } else { d.between(0, 200) as i64 - 50 }
}

/// A small key-like integer for WHERE clauses and explicit rowids: collides with existing
/// rows often.
pub fn small_key(d: &mut Decisions) -> i64 {
    d.between(1, 60) as i64
}

/// A REAL literal.
pub fn real(d: &mut Decisions) -> String {
    let value = if d.chance(0.5) { *d.pick(REALS).unwrap_or(&0.5) } else { (d.between(0, 2000) as f64 - 1000.0) / 8.0 };
    format!("{value:?}")
}

/// The length of a text or blob value: small usually, large with the spec's probability.
fn length_bytes(d: &mut Decisions, spec: &ValueSpec) -> usize {
    if d.chance(spec.large) {
        d.between(u64::from(spec.text_max_bytes), u64::from(spec.large_max_bytes)) as usize
    } else {
        d.between(0, u64::from(spec.text_max_bytes)) as usize
    }
}

/// A quoted text literal over a small alphabet (with a quote, digits and a multi-byte
/// character), so that comparisons and LIKE meet equal prefixes often.
pub fn text(d: &mut Decisions, spec: &ValueSpec) -> String {
    const ALPHABET: &[&str] = &["a", "b", "c", "A", "z", "0", "1", " ", "''", "é", "_", "%"];
    let len = length_bytes(d, spec);
    let mut out = String::with_capacity(len + 2);
    out.push('\'');
    if len > 64 {
        // Large values: a repeated run keeps the SQL text short to generate and compare.
        let unit = *d.pick(ALPHABET).unwrap_or(&"a");
        for _ in 0..len / 8 {
            out.push_str(unit);
            out.push_str("bcdefgh");
        }
    } else {
        for _ in 0..len {
            out.push_str(d.pick(ALPHABET).unwrap_or(&"a"));
        }
    }
    out.push('\'');
    out
}

/// A blob literal `X'..'`.
pub fn blob(d: &mut Decisions, spec: &ValueSpec) -> String {
    let len = length_bytes(d, spec);
    let mut out = String::with_capacity(2 * len + 3);
    out.push_str("X'");
    let seed = d.next_u64();
    for i in 0..len as u64 {
        let byte = (seed.rotate_left((i % 64) as u32) ^ i.wrapping_mul(0x9e37)) as u8;
        out.push_str(&format!("{byte:02X}"));
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_well_formed() {
        let spec = ValueSpec { large: 0.2, ..ValueSpec::default() };
        let mut d = Decisions::from_seed(3);
        let mut large = 0;
        for _ in 0..2000 {
            let lit = literal(&mut d, &spec, None);
            if lit.len() > 500 {
                large += 1;
            }
            if lit.starts_with('\'') {
                assert!(lit.ends_with('\'') && lit.len() >= 2);
                assert_eq!(lit[1..lit.len() - 1].matches('\'').count() % 2, 0, "{lit}");
            } else if lit.starts_with("X'") {
                assert_eq!((lit.len() - 3) % 2, 0);
            } else if lit != "NULL" {
                assert!(lit.parse::<i64>().is_ok() || lit.parse::<f64>().is_ok(), "{lit}");
            }
        }
        assert!(large > 0, "large values are drawn");
        for _ in 0..100 {
            assert!(real(&mut d).contains(['.', 'e']));
        }
    }
}
