//! The `sql_diff` fuzz target: the input is the byte tape a differential case is drawn from
//! (`touchstone_oracle::differential::case::from_bytes`, through `arbitrary`'s
//! `Unstructured`; the generator the engine's `sql_differential.rs` tests draw from with
//! random bytes): a schema of one to three tables with constraints and indexes, a few first
//! INSERTs, then up to [`MAX_STATEMENTS`] statements of every kind. The case runs on the
//! engine and on real SQLite statement by statement (`differential::run_case`): rows (in
//! order under ORDER BY, as multisets otherwise), value types and REAL bits, error or not and
//! the primary result code, changes(), last_insert_rowid(), autocommit; then the final
//! tables, and real SQLite's integrity_check and reading of the engine's file. A
//! disagreement is a finding; its report carries the script and a minimized script
//! (`differential::minimize`).
//!
//! The search is structure-aware: each choice of the case (a statement's kind, an operator,
//! a literal, a list's length) reads its own byte or bytes, so a mutation of a byte changes
//! one choice and leaves the bytes before it meaning what they meant. Bytes past the input's
//! end read as zeros, which choose the simplest option (see `differential::tape`), so a
//! short input is a small case.
//!
//! Error messages that differ where both sides fail with the same code are not findings here,
//! as in `sql_differential.rs` (which reports them apart).

use touchstone_oracle::differential::case::{BALANCED, Case, from_bytes};
use touchstone_oracle::differential::render::render;
use touchstone_oracle::differential::{minimize, run_case};

/// The most statements of one case after its first inserts (the engine tests' balanced mix
/// uses 20).
pub const MAX_STATEMENTS: usize = 20;

/// The case `input` draws.
pub fn draw(input: &[u8]) -> Case {
    from_bytes(input, BALANCED, MAX_STATEMENTS)
}

/// Runs `input`'s case on both sides. Errors: the first disagreement, with the script, then
/// the minimized script that still disagrees.
pub fn check(input: &[u8]) -> Result<(), String> {
    let case = draw(input);
    let Err(finding) = run_case(&case) else { return Ok(()) };
    let small = minimize(&case);
    Err(format!(
        "{finding}\n-- minimized to {} of {} statements:\n{}",
        small.statements.len(),
        case.statements.len(),
        render(&small).script()
    ))
}

/// What the seed corpus covers: a name (the seed is `seed-<name>`) and a piece of SQL text
/// its script holds, one per feature of the generator.
pub const SEED_FEATURES: &[(&str, &str)] = &[
    ("check", "CHECK ("),
    ("unique-index", "CREATE UNIQUE INDEX"),
    ("default-values", "DEFAULT VALUES"),
    ("insert-select", "INSERT INTO t1 SELECT"),
    ("replace", "INSERT OR REPLACE"),
    ("update-or-ignore", "UPDATE OR IGNORE"),
    ("delete", "DELETE FROM"),
    ("join", " JOIN "),
    ("left-join", "LEFT JOIN"),
    ("natural-join", "NATURAL JOIN"),
    ("union", " UNION "),
    ("intersect", " INTERSECT "),
    ("except", " EXCEPT "),
    ("group-by-having", " HAVING "),
    ("distinct", "SELECT DISTINCT"),
    ("subquery-in-from", "FROM (SELECT"),
    ("exists", "EXISTS (SELECT"),
    ("in-select", "IN (SELECT"),
    ("like-escape", " ESCAPE "),
    ("glob", " GLOB "),
    ("case", "CASE "),
    ("cast", "CAST("),
    ("collate", " COLLATE "),
    ("offset", " OFFSET "),
    ("savepoint", "ROLLBACK TO "),
    ("transaction", "BEGIN"),
    ("drop-index", "DROP INDEX"),
];

/// The seed corpus: of `tapes` random tapes (ChaCha8 from a fixed seed, 2,048 bytes each,
/// cut to the bytes its case reads), for each of [`SEED_FEATURES`] the shortest whose script
/// holds the feature and whose case agrees on both sides (small seeds: libFuzzer mutates
/// them faster and each shows its feature with little else). A tape that is the shortest
/// for several features is kept once, under the first one's name; features no tape holds
/// are left out ([`uncovered`]). Deterministic: the same generator gives the same seeds.
pub fn seeds(tapes: u64) -> Vec<(&'static str, Vec<u8>)> {
    use rand::{Rng, SeedableRng};
    use touchstone_oracle::differential::tape::Tape;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x5eed_5d1f);
    let mut best: Vec<Option<Vec<u8>>> = vec![None; SEED_FEATURES.len()];
    for _ in 0..tapes {
        let mut bytes = vec![0u8; 2048];
        rng.fill_bytes(&mut bytes);
        let mut tape = Tape::new(&bytes);
        let case = touchstone_oracle::differential::case::case(&mut tape, BALANCED, MAX_STATEMENTS);
        let read = bytes.len() - tape.remaining_bytes();
        bytes.truncate(read);
        let script = render(&case).script();
        let shorter: Vec<usize> = (0..SEED_FEATURES.len())
            .filter(|&i| script.contains(SEED_FEATURES[i].1))
            .filter(|&i| best[i].as_ref().is_none_or(|b| b.len() > bytes.len()))
            .collect();
        if !shorter.is_empty() && check(&bytes).is_ok() {
            shorter.into_iter().for_each(|i| best[i] = Some(bytes.clone()));
        }
    }
    let mut kept: Vec<(&'static str, Vec<u8>)> = Vec::new();
    for ((name, _), bytes) in SEED_FEATURES.iter().zip(best) {
        if let Some(bytes) = bytes
            && !kept.iter().any(|(_, k)| *k == bytes)
        {
            kept.push((name, bytes));
        }
    }
    kept
}

/// The features of [`SEED_FEATURES`] no script of `seeds` holds.
pub fn uncovered(seeds: &[(&str, Vec<u8>)]) -> Vec<&'static str> {
    let scripts: Vec<String> = seeds.iter().map(|(_, bytes)| render(&draw(bytes)).script()).collect();
    SEED_FEATURES.iter().filter(|(_, sql)| !scripts.iter().any(|s| s.contains(sql))).map(|(name, _)| *name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_bytes_draw_the_same_case_and_other_bytes_another_that_agrees() {
        let a: Vec<u8> = (0..=255u8).cycle().take(1500).collect();
        let b: Vec<u8> = a.iter().rev().copied().collect();
        let script = |bytes: &[u8]| render(&draw(bytes)).script();
        assert_eq!(script(&a), script(&a));
        assert_ne!(script(&a), script(&b));
        assert!(
            script(&[]).starts_with("CREATE TABLE t1 (a INTEGER)"),
            "no bytes draw the smallest case: {}",
            script(&[])
        );
        assert_eq!(check(&a), Ok(()));
        assert_eq!(check(&b), Ok(()));
        assert_eq!(check(&[]), Ok(()));
    }
}
