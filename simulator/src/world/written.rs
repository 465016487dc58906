//! Which bytes of a file may have changed since someone last asked: the written ranges that
//! let the page oracle compare only the pages a run touched (issue 5, "pages in runs").
//!
//! Invariant of [`WrittenRanges`]: the ranges are half-open byte ranges `start..end` with
//! `start < end`, kept disjoint and non-adjacent (touching ranges are merged), so that their
//! number is bounded by the file's fragmentation, not by the number of writes.
//!
//! What counts as a change (recorded by the world, see `state.rs`): a write's bytes; a
//! truncate's bytes between the old and the new size (those that vanished, or the zeros a
//! growth adds); a file replaced by `set_file_bytes`, unlinked, or reverted by a crash as a
//! whole (from 0 to the larger of its sizes). Ranges are kept per path, so a file recreated
//! under the same path adds to the ranges of the one before it: an over-approximation,
//! never a miss.

use std::collections::BTreeMap;
use std::ops::Range;

/// Merged byte ranges of one file written since they were last taken.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WrittenRanges {
    /// start offset → end offset (exclusive), in bytes; see the module invariant.
    ranges: BTreeMap<u64, u64>,
}

impl WrittenRanges {
    /// Adds the bytes `start_offset..end_offset`, merging with every range it overlaps or
    /// touches. An empty range adds nothing. O(log n) plus the ranges merged away.
    pub fn add(&mut self, start_offset: u64, end_offset: u64) {
        if start_offset >= end_offset {
            return;
        }
        let (mut start, mut end) = (start_offset, end_offset);
        // Every range starting at or before `end` that reaches `start` overlaps or touches;
        // they are the last ones in order, since ranges are disjoint.
        while let Some((&s, &e)) = self.ranges.range(..=end).next_back() {
            if e < start {
                break;
            }
            start = start.min(s);
            end = end.max(e);
            self.ranges.remove(&s);
        }
        self.ranges.insert(start, end);
    }

    /// True when nothing was written since the last [`WrittenRanges::take`].
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The ranges, in order, leaving none behind.
    pub fn take(&mut self) -> Vec<Range<u64>> {
        std::mem::take(&mut self.ranges).into_iter().map(|(start, end)| start..end).collect()
    }
}

#[cfg(test)]
// One-element lists of byte ranges are meant as such.
#[allow(clippy::single_range_in_vec_init)]
mod tests {
    use super::*;

    fn taken(adds: &[(u64, u64)]) -> Vec<Range<u64>> {
        let mut ranges = WrittenRanges::default();
        for &(start, end) in adds {
            ranges.add(start, end);
        }
        ranges.take()
    }

    #[test]
    fn ranges_merge_when_they_overlap_or_touch() {
        assert_eq!(taken(&[]), Vec::<Range<u64>>::new());
        assert_eq!(taken(&[(5, 5), (7, 3)]), Vec::<Range<u64>>::new());
        assert_eq!(taken(&[(0, 10), (10, 20)]), [0..20]);
        assert_eq!(taken(&[(30, 40), (0, 10), (11, 12)]), [0..10, 11..12, 30..40]);
        assert_eq!(taken(&[(30, 40), (0, 10), (11, 12), (5, 35)]), [0..40]);
        assert_eq!(taken(&[(10, 20), (12, 15)]), [10..20]);
        assert_eq!(taken(&[(10, 20), (0, 100)]), [0..100]);
        assert_eq!(taken(&[(0, 4096), (8192, 12288), (4096, 8192)]), [0..12288]);
    }

    #[test]
    fn take_empties() {
        let mut ranges = WrittenRanges::default();
        ranges.add(1, 2);
        assert!(!ranges.is_empty());
        assert_eq!(ranges.take(), [1..2]);
        assert!(ranges.is_empty());
        assert_eq!(ranges.take(), Vec::<Range<u64>>::new());
    }
}
