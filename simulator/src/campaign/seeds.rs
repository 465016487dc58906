//! Which seeds a worker runs: a range (or an endless count) split by shard, then by job.
//!
//! `--shard I/N` keeps the seeds `s` with `s % N == I`, so that N machines started with the
//! same range and shards 0..N cover it exactly once, whatever order they run in. Within one
//! machine, job `j` of `J` runs every J-th seed of its shard's list, starting at the j-th.

use serde::{Deserialize, Serialize};

/// A campaign's seed space on one machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct SeedPlan {
    /// First seed of the range.
    pub start: u64,
    /// One past the last seed; `None` runs until the time limit.
    pub end: Option<u64>,
    /// This machine's shard: (index, count).
    pub shard: (u64, u64),
}

impl SeedPlan {
    /// The seeds job `job` of `jobs` runs, in order.
    pub fn seeds_for_job(self, job: u64, jobs: u64) -> impl Iterator<Item = u64> {
        let (index, count) = self.shard;
        let count = count.max(1);
        let jobs = jobs.max(1);
        // The first seed >= start in this shard.
        let first = self.start + (index + count - self.start % count) % count;
        let end = self.end.unwrap_or(u64::MAX);
        (0u64..)
            .map_while(move |k| first.checked_add(k.checked_mul(count)?))
            .take_while(move |s| *s < end)
            .skip(job as usize)
            .step_by(jobs as usize)
    }

    /// How many seeds the whole shard has (None when endless).
    pub fn seed_count(self) -> Option<u64> {
        self.end?;
        Some(self.seeds_for_job(0, 1).count() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_and_jobs_partition_the_range() {
        let mut all = Vec::new();
        for index in 0..3 {
            let plan = SeedPlan { start: 10, end: Some(40), shard: (index, 3) };
            let mut shard: Vec<u64> = (0..2).flat_map(|job| plan.seeds_for_job(job, 2)).collect();
            shard.sort();
            assert_eq!(plan.seed_count(), Some(shard.len() as u64));
            assert!(shard.iter().all(|s| s % 3 == index));
            all.extend(shard);
        }
        all.sort();
        assert_eq!(all, (10..40).collect::<Vec<_>>());
        let endless = SeedPlan { start: 0, end: None, shard: (0, 1) };
        assert_eq!(endless.seeds_for_job(1, 2).take(3).collect::<Vec<_>>(), vec![1, 3, 5]);
        assert_eq!(endless.seed_count(), None);
    }
}
