//! The byte tape a differential case is drawn from ([`super::case`]): every choice the
//! generator makes reads the next bytes through `arbitrary::Unstructured`, so a case is a
//! pure function of its bytes. The `sql_diff` fuzz target hands it the fuzzer's input (a
//! mutation of a byte changes one choice of the case, which is what makes the search
//! structure-aware); the engine's proptest tests hand it random bytes and shrink the bytes.
//!
//! Past the tape's end every draw is the least choice: the first option of a pick, the
//! low end of a range, `false` for a chance. The generator lists each choice's simplest
//! option first, so that zeros (and an exhausted tape) mean a small case and a shrinker
//! that moves bytes towards zero simplifies it. A choice among at most 256 options reads
//! one byte; a 64-bit integer reads eight.
//!
//! This is not the simulator's `Decisions` stream (simulator/src/decide.rs), whose words
//! are 64 bits wide, whose chances are true at zero and whose tape continues with a fixed
//! random tail: a run's meaning for a given seed is pinned by stored repros, and a run must
//! not crash the machine at every step once its input is spent. A case's choices are few
//! and small, and here the zero end must be the simple end.

use arbitrary::Unstructured;

/// A source of choices over a byte slice.
pub struct Tape<'a> {
    bytes: Unstructured<'a>,
}

impl<'a> Tape<'a> {
    pub fn new(bytes: &'a [u8]) -> Tape<'a> {
        Tape { bytes: Unstructured::new(bytes) }
    }

    /// The bytes not yet read.
    pub fn remaining_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// A number in `0..bound` (0 when `bound` is 0 or the tape is spent).
    pub fn below(&mut self, bound: usize) -> usize {
        if bound <= 1 {
            return 0;
        }
        let n = self.bytes.int_in_range(0..=bound - 1).unwrap_or(0);
        debug_assert!(n < bound);
        n
    }

    /// A number in `range` (its start when empty or the tape is spent).
    pub fn range(&mut self, range: std::ops::Range<usize>) -> usize {
        range.start + self.below(range.end.saturating_sub(range.start))
    }

    /// True with probability `percent` / 100 (false when the tape is spent).
    pub fn chance(&mut self, percent: usize) -> bool {
        debug_assert!(percent <= 100);
        self.below(100) >= 100 - percent
    }

    /// True or false, even odds (false when the tape is spent).
    pub fn flip(&mut self) -> bool {
        self.below(2) == 1
    }

    /// One of `items`, which must not be empty (the first when the tape is spent).
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        assert!(!items.is_empty(), "a pick among no items");
        items[self.below(items.len())]
    }

    /// An index chosen with probability proportional to `weights` (the first positive one
    /// when the tape is spent). At least one weight must be positive.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: usize = weights.iter().map(|w| *w as usize).sum();
        assert!(total > 0, "a weighted choice among no weight");
        let mut draw = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            let w = *w as usize;
            if draw < w {
                return i;
            }
            draw -= w;
        }
        unreachable!("draw < total")
    }

    /// A byte (a [`super::case::Sel`]); 0 when the tape is spent.
    pub fn byte(&mut self) -> u8 {
        self.bytes.arbitrary::<u8>().unwrap_or(0)
    }

    /// Any `i64`; 0 when the tape is spent (a short tape fills the low bytes).
    pub fn i64(&mut self) -> i64 {
        self.bytes.arbitrary::<i64>().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_tape_gives_the_least_choice() {
        let mut t = Tape::new(&[]);
        assert_eq!(t.below(10), 0);
        assert_eq!(t.range(3..7), 3);
        assert!(!t.chance(99));
        assert!(!t.flip());
        assert_eq!(t.pick(&["x", "y"]), "x");
        assert_eq!(t.weighted(&[0, 5, 1]), 1);
        assert_eq!(t.byte(), 0);
        assert_eq!(t.i64(), 0);
    }

    #[test]
    fn small_choices_read_one_byte_each_and_cover_their_range() {
        let bytes: Vec<u8> = (0..=255).collect();
        let mut t = Tape::new(&bytes);
        let mut seen = [false; 6];
        for _ in 0..60 {
            seen[t.range(2..8) - 2] = true;
        }
        assert!(seen.iter().all(|s| *s));
        assert_eq!(t.remaining_bytes(), 256 - 60);
        assert!(t.chance(100), "a certain chance is true whatever the byte");
        assert_eq!(t.weighted(&[0, 0, 3]), 2);
        assert_eq!(t.below(1), 0);
        assert_eq!(t.remaining_bytes(), 256 - 62, "a one-option choice reads nothing");
    }
}
