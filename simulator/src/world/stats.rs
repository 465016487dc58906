//! I/O counters of the simulated disk: per file path and in total.

use std::collections::BTreeMap;

/// Calls and bytes of one file (or of all files).
///
/// A call is counted when it executes on a live handle, faulted or not; bytes are counted
/// only for what succeeded (a short read counts the bytes it read).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileStats {
    pub reads: u64,
    pub writes: u64,
    pub syncs: u64,
    pub truncates: u64,
    pub bytes_read: u64,
    pub bytes_written: u64,
}

impl FileStats {
    /// Adds every counter of `other` (saturating).
    pub fn add(&mut self, other: &FileStats) {
        self.reads = self.reads.saturating_add(other.reads);
        self.writes = self.writes.saturating_add(other.writes);
        self.syncs = self.syncs.saturating_add(other.syncs);
        self.truncates = self.truncates.saturating_add(other.truncates);
        self.bytes_read = self.bytes_read.saturating_add(other.bytes_read);
        self.bytes_written = self.bytes_written.saturating_add(other.bytes_written);
    }
}

/// The counters of a whole world: totals, and per normalized path (a path keeps its
/// counters across deletes and re-creations).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IoStats {
    pub total: FileStats,
    pub files: BTreeMap<String, FileStats>,
}

impl IoStats {
    /// Adds `delta` to the counters of `path` and to the totals.
    pub(crate) fn record(&mut self, path: &str, delta: FileStats) {
        self.total.add(&delta);
        match self.files.get_mut(path) {
            Some(file) => file.add(&delta),
            None => {
                self.files.insert(path.to_string(), delta);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_adds_to_file_and_total() {
        let mut stats = IoStats::default();
        stats.record("/a", FileStats { reads: 1, bytes_read: 10, ..FileStats::default() });
        stats.record("/b", FileStats { writes: 1, bytes_written: 3, ..FileStats::default() });
        stats.record("/a", FileStats { reads: 1, bytes_read: 5, ..FileStats::default() });
        assert_eq!(stats.files["/a"].reads, 2);
        assert_eq!(stats.files["/a"].bytes_read, 15);
        assert_eq!(
            stats.total,
            FileStats { reads: 2, writes: 1, bytes_read: 15, bytes_written: 3, ..FileStats::default() }
        );
    }
}
