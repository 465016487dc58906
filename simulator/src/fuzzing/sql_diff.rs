//! The `sql_diff` fuzz target: the input's bytes seed the differential case generator
//! (`touchstone_oracle::differential::case`, the strategies the engine's
//! `sql_differential.rs` tests use), which draws a schema and a statement sequence. The case
//! runs on the engine and on real SQLite statement by statement (`differential::run_case`):
//! rows (in order under ORDER BY, as multisets otherwise), value types and REAL bits, error or
//! not and the primary result code, changes(), last_insert_rowid(), autocommit; then the final
//! tables, and real SQLite's integrity_check and reading of the engine's file. A disagreement
//! is a finding.
//!
//! Error messages that differ where both sides fail with the same code are not findings here,
//! as in `sql_differential.rs` (which reports them apart).
//!
//! How the bytes become a case, and what that costs: they are folded into the 32-byte seed of
//! proptest's ChaCha RNG ([`seed`]), so an input picks a case as a seed picks a run. libFuzzer
//! keeps the inputs whose cases reach new code, but a mutation of an input does not make a
//! nearby case: the search is coverage-guided over seeds, not structure-aware. Issue 6 asks
//! for an `arbitrary`-built case; two roads to it were tried and dropped:
//! - proptest's `PassThrough` RNG, which reads the bytes as the random stream, cannot drive
//!   these strategies: every `prop_oneof!` hands half of the remaining stream to each option
//!   it did not pick (for shrinking), so the stream runs dry after a few dozen choices, and
//!   past its end rand's uniform sampling rejects the all-zero draws forever (a hang);
//! - a second generator on `arbitrary` would copy this one and its rules for comparable rows
//!   (`differential::render`); not built.

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use touchstone_oracle::differential::case::{BALANCED, Case, case};
use touchstone_oracle::differential::run_case;

/// The most statements of one case after its first inserts (the engine tests' balanced mix
/// uses 20).
pub const MAX_STATEMENTS: usize = 20;

/// The 32-byte ChaCha seed an input folds into: byte i of the input is added (wrapping) to
/// byte i mod 32, and the length to bytes 0..8, so that inputs that differ in any byte or
/// in length seed different cases.
pub fn seed(input: &[u8]) -> [u8; 32] {
    let mut seed = [0u8; 32];
    for (i, byte) in input.iter().enumerate() {
        seed[i % 32] = seed[i % 32].wrapping_add(*byte).rotate_left(1);
    }
    for (slot, byte) in seed.iter_mut().zip((input.len() as u64).to_le_bytes()) {
        *slot ^= byte;
    }
    seed
}

/// The case `input` draws (None if the generator gives up, which it does not for these
/// strategies: they reject nothing).
pub fn draw(input: &[u8]) -> Option<Case> {
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed(input));
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    case(BALANCED, MAX_STATEMENTS).new_tree(&mut runner).ok().map(|tree| tree.current())
}

/// Runs `input`'s case on both sides. Errors: the first disagreement, with the script.
pub fn check(input: &[u8]) -> Result<(), String> {
    let Some(case) = draw(input) else { return Ok(()) };
    run_case(&case).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use touchstone_oracle::differential::render::render;

    #[test]
    fn the_same_bytes_draw_the_same_case_and_other_bytes_another_that_agrees() {
        let a: Vec<u8> = (0..=255u8).collect();
        let b: Vec<u8> = (0..=255u8).rev().collect();
        let script = |bytes: &[u8]| render(&draw(bytes).expect("a case")).script();
        assert_eq!(script(&a), script(&a));
        assert_ne!(script(&a), script(&b));
        assert!(script(&[]).contains("CREATE TABLE"), "no bytes still draw a case");
        assert_ne!(seed(&[1]), seed(&[1, 0]), "the length counts");
        assert_eq!(check(&a), Ok(()));
    }
}
