//! The decision stream: the one source of every choice a run makes.
//!
//! A run's choices (the concrete configuration drawn from the scenario, the workload, the
//! schedule, where crashes strike) come from a [`Decisions`] stream, which is either ChaCha8
//! seeded by the run's `u64` seed, or the bytes of a fuzz input (issue 6), read as a tape
//! whose draws continue, once its bytes run out, with a fixed ChaCha8 stream
//! ([`TAPE_TAIL_SEED`]). Nothing else feeds a run: no clock, no thread id, no OS randomness,
//! no randomly seeded hash map. The same seed, or the same input, therefore gives the same
//! run on any machine.
//!
//! Why a tail rather than zeros: a zero draw is the first choice of every pick and `true`
//! for every chance, so a short input ending in zeros would crash the simulated machine at
//! every step once the crash rate is on. With the tail, a short input fixes the first
//! decisions (the world, the schema) and the run goes on like a seeded one; the fuzzer
//! reaches the later decisions by growing the input.
//!
//! All draws go through [`Decisions::next_u64`]; the helpers below derive ranges, booleans
//! and picks from it in one fixed way, so a stream's meaning does not depend on the `rand`
//! crate's distribution algorithms across versions.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The seed of the stream a fuzz input's draws continue with past its last byte.
pub const TAPE_TAIL_SEED: u64 = 0x7a9e_7a11;

/// Where a stream's bits come from.
#[derive(Clone, Debug)]
enum Source {
    Seeded(Box<ChaCha8Rng>),
    /// A fuzz input read 8 bytes at a time (little-endian); past its end (a last partial
    /// word is zero-filled), the draws of `tail`.
    Tape {
        bytes: Vec<u8>,
        position: usize,
        tail: Box<ChaCha8Rng>,
    },
}

/// A stream of decisions.
#[derive(Clone, Debug)]
pub struct Decisions {
    source: Source,
}

impl Decisions {
    /// The stream of `seed`.
    pub fn from_seed(seed: u64) -> Decisions {
        Decisions { source: Source::Seeded(Box::new(ChaCha8Rng::seed_from_u64(seed))) }
    }

    /// A stream that reads `bytes` as its decisions (fuzzing), then [`TAPE_TAIL_SEED`]'s.
    pub fn from_bytes(bytes: Vec<u8>) -> Decisions {
        let tail = Box::new(ChaCha8Rng::seed_from_u64(TAPE_TAIL_SEED));
        Decisions { source: Source::Tape { bytes, position: 0, tail } }
    }

    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        match &mut self.source {
            Source::Seeded(rng) => rng.next_u64(),
            Source::Tape { bytes, position, tail } => {
                if *position >= bytes.len() {
                    return tail.next_u64();
                }
                let mut word = [0u8; 8];
                let available = bytes.get(*position..).unwrap_or(&[]);
                let n = available.len().min(8);
                word[..n].copy_from_slice(&available[..n]);
                *position += 8;
                u64::from_le_bytes(word)
            }
        }
    }

    /// A number in `0..bound` (0 when `bound` is 0). Uses the high bits of a 128-bit
    /// product (Lemire's multiply-shift without rejection: a bias below 2^-40 for the bounds
    /// a run uses, and exactly one draw per call, which keeps streams aligned).
    pub fn below(&mut self, bound: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(bound)) >> 64) as u64
    }

    /// A number in `low..=high` (`low` when the range is empty).
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        if high <= low { low } else { low + self.below(high - low + 1) }
    }

    /// A `usize` in `0..bound`.
    pub fn index(&mut self, bound: usize) -> usize {
        self.below(bound as u64) as usize
    }

    /// True with probability `p` (false for `p <= 0`, true for `p >= 1`; one draw always).
    pub fn chance(&mut self, p: f64) -> bool {
        let draw = self.next_u64() >> 11; // 53 bits
        (draw as f64) < p * (1u64 << 53) as f64
    }

    /// A float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// One of `items` (None when empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() { None } else { items.get(self.index(items.len())) }
    }

    /// An index chosen with probability proportional to `weights` (None when all are 0).
    pub fn weighted(&mut self, weights: &[u32]) -> Option<usize> {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        if total == 0 {
            return None;
        }
        let mut draw = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            let w = u64::from(*w);
            if draw < w {
                return Some(i);
            }
            draw -= w;
        }
        None
    }

    /// A seed for a sub-stream (e.g. a SimVfs world), drawn from this stream.
    pub fn fork_seed(&mut self) -> u64 {
        self.next_u64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_different_seed_differs() {
        let draw = |seed| {
            let mut d = Decisions::from_seed(seed);
            (0..16).map(|_| d.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }

    #[test]
    fn ranges_hold_and_cover() {
        let mut d = Decisions::from_seed(1);
        let mut seen = [false; 5];
        for _ in 0..1000 {
            let x = d.between(3, 7);
            assert!((3..=7).contains(&x));
            seen[(x - 3) as usize] = true;
        }
        assert!(seen.iter().all(|s| *s));
        assert_eq!(d.below(0), 0);
        assert_eq!(d.between(5, 5), 5);
        assert!(!d.chance(0.0));
        assert!(d.chance(1.0));
        assert_eq!(d.weighted(&[0, 0]), None);
        for _ in 0..100 {
            assert_eq!(d.weighted(&[0, 3, 0]), Some(1));
        }
    }

    #[test]
    fn tape_reads_bytes_then_the_fixed_tail() {
        let mut d = Decisions::from_bytes(vec![1, 0, 0, 0, 0, 0, 0, 0, 2]);
        assert_eq!(d.next_u64(), 1);
        assert_eq!(d.next_u64(), 2, "a last partial word is zero-filled");
        let mut tail = Decisions::from_seed(TAPE_TAIL_SEED);
        let rest: Vec<u64> = (0..4).map(|_| d.next_u64()).collect();
        assert_eq!(rest, (0..4).map(|_| tail.next_u64()).collect::<Vec<_>>());
        let mut empty = Decisions::from_bytes(Vec::new());
        assert_eq!(empty.next_u64(), Decisions::from_seed(TAPE_TAIL_SEED).next_u64());
    }
}
