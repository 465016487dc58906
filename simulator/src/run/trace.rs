//! A run's trace: one line per step (connection, statement, each engine's outcome, the
//! faults that struck), folded into the trace hash, and kept in full when asked for.
//!
//! The hash is FNV-1a over the lines' bytes: defined here, independent of the platform and
//! of std's `Hasher` (whose output may change between Rust releases), so that the same seed
//! gives the same hash on any machine.

/// FNV-1a, 64 bits.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    fnv1a_extend(FNV_OFFSET, bytes)
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

fn fnv1a_extend(mut hash: u64, bytes: &[u8]) -> u64 {
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(FNV_PRIME);
    }
    hash
}

/// The trace of one run.
#[derive(Clone, Debug)]
pub struct Trace {
    hash: u64,
    /// Every line, when the run keeps them (replay --trace, failure reports).
    lines: Option<Vec<String>>,
}

impl Trace {
    /// An empty trace; `keep` keeps the lines, not only the hash.
    pub fn new(keep: bool) -> Trace {
        Trace { hash: FNV_OFFSET, lines: keep.then(Vec::new) }
    }

    /// Adds one line.
    pub fn line(&mut self, line: impl Into<String>) {
        let line: String = line.into();
        self.hash = fnv1a_extend(self.hash, line.as_bytes());
        self.hash = fnv1a_extend(self.hash, b"\n");
        if let Some(lines) = &mut self.lines {
            lines.push(line);
        }
    }

    /// The hash of every line so far.
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// The lines kept (empty when not kept).
    pub fn lines(&self) -> &[String] {
        self.lines.as_deref().unwrap_or(&[])
    }

    /// Takes the lines out.
    pub fn into_lines(self) -> Vec<String> {
        self.lines.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_known_values_and_order_matters() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        let mut a = Trace::new(true);
        a.line("x");
        a.line("y");
        let mut b = Trace::new(false);
        b.line("y");
        b.line("x");
        assert_ne!(a.hash(), b.hash());
        assert_eq!(a.lines(), ["x", "y"]);
        assert!(b.lines().is_empty());
    }
}
