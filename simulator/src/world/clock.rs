//! `SimClock`: the virtual time of a simulated world.

use touchstone_engine::vfs::MemVfs;

/// Virtual time: starts at [`MemVfs::START_JULIAN_MS`] and moves only when the world
/// advances it (I/O latency, `sleep`). Nothing reads the real clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimClock {
    /// Microseconds elapsed since the start instant.
    elapsed_us: u64,
}

impl SimClock {
    /// Moves time forward by `duration_us` (saturating at the end of time).
    pub fn advance(&mut self, duration_us: u64) {
        self.elapsed_us = self.elapsed_us.saturating_add(duration_us);
    }

    /// Microseconds elapsed since the start instant.
    pub fn elapsed_us(&self) -> u64 {
        self.elapsed_us
    }

    /// The current time in milliseconds since the Julian epoch (xCurrentTimeInt64).
    pub fn now_julian_ms(&self) -> i64 {
        let elapsed_ms = i64::try_from(self.elapsed_us / 1000).unwrap_or(i64::MAX);
        MemVfs::START_JULIAN_MS.saturating_add(elapsed_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_at_the_fixed_instant_and_advances_in_microseconds() {
        let mut clock = SimClock::default();
        assert_eq!(clock.now_julian_ms(), MemVfs::START_JULIAN_MS);
        clock.advance(2_500);
        assert_eq!(clock.now_julian_ms(), MemVfs::START_JULIAN_MS + 2);
        clock.advance(u64::MAX);
        assert_eq!(clock.elapsed_us(), u64::MAX);
        assert!(clock.now_julian_ms() > MemVfs::START_JULIAN_MS);
    }
}
