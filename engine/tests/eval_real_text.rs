//! REAL ↔ text against SQLite, for 100,000 random doubles (random bit patterns, decimal-looking
//! values, integers, subnormals) and edge values:
//!
//! - REAL → text: `CAST(r AS TEXT)` (SQLite 3.54 renders `%!.17g`, shortened to the fewest digits
//!   that read back the same), `printf('%!.15g')`, and a few more printf conversions;
//! - text → REAL: `CAST(t AS REAL)` of the rendered text and of random digit strings with up to
//!   30 significant digits and exponents across the whole range.

mod eval_common;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use touchstone_engine::eval::convert::atof;
use touchstone_engine::eval::printf::{format_real, render_real};

const DOUBLES: usize = 100_000;

fn random_double(rng: &mut ChaCha8Rng, i: usize) -> f64 {
    let r = match i % 6 {
        0 | 1 => f64::from_bits(rng.random()),
        2 => rng.random_range(-1e6..1e6),
        3 => {
            (rng.random_range(-10_000_000..10_000_000i64) as f64)
                / [1.0, 10.0, 100.0, 1000.0, 1e6][rng.random_range(0..5)]
        }
        4 => f64::from_bits(rng.random_range(0..(1u64 << 52))) * if rng.random() { 1.0 } else { -1.0 },
        _ => (rng.random::<i64>() >> rng.random_range(0..63)) as f64,
    };
    if r.is_nan() { 0.5 } else { r }
}

#[test]
fn reals_render_as_sqlite_renders_them() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let formats = ["%!.15g", "%.15g", "%g", "%e", "%.3f", "%!.20e", "%#g", "%.0f"];
    let select: Vec<String> = std::iter::once("CAST(?1 AS TEXT)".to_string())
        .chain(formats.iter().map(|f| format!("printf('{f}', ?1)")))
        .collect();
    let mut stmt = conn.prepare(&format!("SELECT {}", select.join(", "))).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(0x2ea1);
    let edges = [
        0.0,
        -0.0,
        1.0,
        0.1,
        0.3,
        1e15,
        1e16,
        1e17,
        123456789012345678.0,
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
        -5e-324,
        f64::INFINITY,
        f64::NEG_INFINITY,
        49.47,
        9_223_372_036_854_775_808.0,
        4503599627370496.5,
        1e-5,
        0.000123,
        1e300,
        2.5,
    ];
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for i in 0..DOUBLES + edges.len() {
        let r = if i < edges.len() { edges[i] } else { random_double(&mut rng, i) };
        let theirs: Vec<String> =
            stmt.query_row([r], |row| (0..select.len()).map(|k| row.get::<_, String>(k)).collect()).unwrap();
        let ours: Vec<String> =
            std::iter::once(render_real(r)).chain(formats.iter().map(|f| format_real(f, r))).collect();
        for (k, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            checked += 1;
            if a != b {
                mismatches.push(format!("{} of {r:?} ({:#x}): engine {a}, sqlite {b}", select[k], r.to_bits()));
            }
        }
    }
    eprintln!("{checked} renderings of {} doubles checked, {} mismatches", DOUBLES + edges.len(), mismatches.len());
    for m in mismatches.iter().take(20) {
        eprintln!("{m}");
    }
    assert!(mismatches.is_empty());
}

#[test]
fn text_reads_as_sqlite_reads_it() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    let mut stmt = conn.prepare("SELECT CAST(?1 AS REAL)").unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(0x7e47);
    let mut mismatches = Vec::new();
    let mut texts: Vec<String> = Vec::new();
    for i in 0..DOUBLES {
        texts.push(if i % 2 == 0 {
            render_real(random_double(&mut rng, i))
        } else {
            let digits: String =
                (0..rng.random_range(1..31)).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect();
            let point = rng.random_range(0..=digits.len());
            let exp = rng.random_range(-360..330);
            format!("{}{}.{}e{exp}", if rng.random() { "-" } else { "" }, &digits[..point], &digits[point..])
        });
    }
    for t in &texts {
        let theirs: f64 = stmt.query_row([t], |row| row.get(0)).unwrap();
        let ours = atof(t.as_bytes()).value;
        if ours.to_bits() != theirs.to_bits() {
            mismatches.push(format!("CAST('{t}' AS REAL): engine {ours:?}, sqlite {theirs:?}"));
        }
    }
    eprintln!("{} texts read, {} mismatches", texts.len(), mismatches.len());
    for m in mismatches.iter().take(20) {
        eprintln!("{m}");
    }
    assert!(mismatches.is_empty());
}
