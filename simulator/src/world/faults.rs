//! What the simulated disk may do wrong, and the record of what it did.
//!
//! - [`FaultRates`]: per-call probabilities of the non-crash faults (EIO, short reads) and the
//!   latency bound. Every rate is drawn against the world's fault stream only when it is above
//!   zero, so a run with faults off consumes no randomness for them.
//! - [`FaultKind`] / [`FaultEvent`]: one injected fault or one crash fate of one pending
//!   operation, with the file, offset and length it hit; the run's trace prints them.
//! - [`FaultCounts`]: how many of each kind, summed across runs with [`FaultCounts::add`].

use std::fmt;

/// Per-call probabilities of the non-crash faults. `Default` is every fault off.
///
/// Rates are probabilities in `0.0..=1.0`; values outside (or NaN) are clamped when drawn,
/// never a panic.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FaultRates {
    /// A read fails with `IoErr` (IoErrorKind::Read).
    pub read_eio: f64,
    /// A write fails with `IoErr` (IoErrorKind::Write) and changes nothing.
    pub write_eio: f64,
    /// A sync fails with `IoErr` (IoErrorKind::Fsync) and makes nothing durable.
    pub sync_eio: f64,
    /// An open that would succeed fails with `CantOpen`.
    pub open_eio: f64,
    /// A read of at least one byte returns fewer bytes than asked (`ReadOutcome::Short`),
    /// the rest zero-filled, even inside the file.
    pub short_read: f64,
    /// Each I/O call advances virtual time by a uniform `0..=latency_max_us` microseconds.
    pub latency_max_us: u64,
}

impl FaultRates {
    /// True when no fault and no latency is configured (the world draws nothing per call).
    pub fn is_off(&self) -> bool {
        *self == FaultRates::default()
    }
}

/// `rate` as a probability usable by `random_bool`: NaN and negatives are 0, above 1 is 1.
pub(crate) fn clamp_probability(rate: f64) -> f64 {
    if rate.is_nan() { 0.0 } else { rate.clamp(0.0, 1.0) }
}

/// The kind of one injected fault or crash fate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FaultKind {
    /// A read failed with EIO.
    ReadEio,
    /// A write failed with EIO.
    WriteEio,
    /// A sync failed with EIO.
    SyncEio,
    /// An open failed (CantOpen).
    OpenEio,
    /// A write or truncate would have grown the files past the capacity (SQLITE_FULL).
    Enospc,
    /// A read returned fewer bytes than asked.
    ShortRead,
    /// Power was lost (offset: the I/O call number at which it struck).
    Crash,
    /// At a crash, a pending write reached the durable image whole.
    WriteLanded,
    /// At a crash, a pending write was lost.
    WriteLost,
    /// At a crash, some sectors of a pending write landed and others kept their old bytes.
    WriteTorn,
    /// At a crash, the sectors a pending write touched were filled with random bytes.
    WriteGarbage,
    /// At a crash, a pending truncate reached the durable image (offset: the new size).
    TruncateLanded,
    /// At a crash, a pending truncate was lost (offset: the size asked).
    TruncateLost,
}

impl FaultKind {
    /// Every kind, in the order of [`FaultCounts::iter`].
    pub const ALL: [FaultKind; 13] = [
        FaultKind::ReadEio,
        FaultKind::WriteEio,
        FaultKind::SyncEio,
        FaultKind::OpenEio,
        FaultKind::Enospc,
        FaultKind::ShortRead,
        FaultKind::Crash,
        FaultKind::WriteLanded,
        FaultKind::WriteLost,
        FaultKind::WriteTorn,
        FaultKind::WriteGarbage,
        FaultKind::TruncateLanded,
        FaultKind::TruncateLost,
    ];

    /// The kind's name in summaries and traces (the [`FaultCounts`] field it counts in).
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::ReadEio => "read_eio",
            FaultKind::WriteEio => "write_eio",
            FaultKind::SyncEio => "sync_eio",
            FaultKind::OpenEio => "open_eio",
            FaultKind::Enospc => "enospc",
            FaultKind::ShortRead => "short_read",
            FaultKind::Crash => "crashes",
            FaultKind::WriteLanded => "writes_landed",
            FaultKind::WriteLost => "writes_lost",
            FaultKind::WriteTorn => "writes_torn",
            FaultKind::WriteGarbage => "writes_garbage",
            FaultKind::TruncateLanded => "truncates_landed",
            FaultKind::TruncateLost => "truncates_lost",
        }
    }
}

/// One injected fault or crash fate: what, on which file, where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultEvent {
    pub kind: FaultKind,
    /// The normalized path of the file; empty for a crash (which hits every file).
    pub path: String,
    /// Byte offset of the operation (for a truncate: the size; for a crash: the call number).
    pub offset: u64,
    /// Bytes the operation covered (0 for truncates, syncs, opens and crashes).
    pub length_bytes: u64,
}

impl fmt::Display for FaultEvent {
    /// `writes_torn /db @4096+512`, `truncates_lost /db-journal to 0`, `crash at call 17`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            FaultKind::Crash => write!(f, "crash at call {}", self.offset),
            FaultKind::TruncateLanded | FaultKind::TruncateLost => {
                write!(f, "{} {} to {}", self.kind.name(), self.path, self.offset)
            }
            _ => write!(f, "{} {} @{}+{}", self.kind.name(), self.path, self.offset, self.length_bytes),
        }
    }
}

/// How many faults and crash fates of each kind happened.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultCounts {
    pub read_eio: u64,
    pub write_eio: u64,
    pub sync_eio: u64,
    pub open_eio: u64,
    pub enospc: u64,
    pub short_read: u64,
    pub crashes: u64,
    pub writes_landed: u64,
    pub writes_lost: u64,
    pub writes_torn: u64,
    pub writes_garbage: u64,
    pub truncates_landed: u64,
    pub truncates_lost: u64,
}

impl FaultCounts {
    /// The counter of `kind`.
    fn slot(&mut self, kind: FaultKind) -> &mut u64 {
        match kind {
            FaultKind::ReadEio => &mut self.read_eio,
            FaultKind::WriteEio => &mut self.write_eio,
            FaultKind::SyncEio => &mut self.sync_eio,
            FaultKind::OpenEio => &mut self.open_eio,
            FaultKind::Enospc => &mut self.enospc,
            FaultKind::ShortRead => &mut self.short_read,
            FaultKind::Crash => &mut self.crashes,
            FaultKind::WriteLanded => &mut self.writes_landed,
            FaultKind::WriteLost => &mut self.writes_lost,
            FaultKind::WriteTorn => &mut self.writes_torn,
            FaultKind::WriteGarbage => &mut self.writes_garbage,
            FaultKind::TruncateLanded => &mut self.truncates_landed,
            FaultKind::TruncateLost => &mut self.truncates_lost,
        }
    }

    /// The count of `kind`.
    pub fn get(&self, kind: FaultKind) -> u64 {
        let mut copy = *self;
        *copy.slot(kind)
    }

    /// Counts one more fault of `kind` (saturating).
    pub fn record(&mut self, kind: FaultKind) {
        let slot = self.slot(kind);
        *slot = slot.saturating_add(1);
    }

    /// Adds every count of `other` to this one (saturating), to sum runs.
    pub fn add(&mut self, other: &FaultCounts) {
        for kind in FaultKind::ALL {
            let slot = self.slot(kind);
            *slot = slot.saturating_add(other.get(kind));
        }
    }

    /// `(name, count)` of every kind, in [`FaultKind::ALL`] order, zeros included.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        FaultKind::ALL.into_iter().map(|kind| (kind.name(), self.get(kind)))
    }

    /// The sum of every count.
    pub fn total(&self) -> u64 {
        self.iter().fold(0u64, |sum, (_, count)| sum.saturating_add(count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_record_add_and_iterate_by_name() {
        let mut a = FaultCounts::default();
        a.record(FaultKind::WriteTorn);
        a.record(FaultKind::WriteTorn);
        a.record(FaultKind::Crash);
        let mut b = FaultCounts { read_eio: 5, ..FaultCounts::default() };
        b.add(&a);
        assert_eq!(b.writes_torn, 2);
        assert_eq!(b.crashes, 1);
        assert_eq!(b.total(), 8);
        let names: Vec<&str> = b.iter().filter(|(_, n)| *n > 0).map(|(name, _)| name).collect();
        assert_eq!(names, ["read_eio", "crashes", "writes_torn"]);
        assert_eq!(b.iter().count(), FaultKind::ALL.len());
    }

    #[test]
    fn events_display_kind_path_and_range() {
        let event =
            |kind, path: &str, offset, length_bytes| FaultEvent { kind, path: path.to_string(), offset, length_bytes };
        assert_eq!(event(FaultKind::WriteTorn, "/db", 4096, 512).to_string(), "writes_torn /db @4096+512");
        assert_eq!(event(FaultKind::Crash, "", 17, 0).to_string(), "crash at call 17");
        assert_eq!(event(FaultKind::TruncateLost, "/j", 0, 0).to_string(), "truncates_lost /j to 0");
    }

    #[test]
    fn probabilities_are_clamped() {
        assert_eq!(clamp_probability(f64::NAN), 0.0);
        assert_eq!(clamp_probability(-1.0), 0.0);
        assert_eq!(clamp_probability(7.0), 1.0);
        assert_eq!(clamp_probability(0.25), 0.25);
        assert!(FaultRates::default().is_off());
        assert!(!FaultRates { latency_max_us: 1, ..FaultRates::default() }.is_off());
    }
}
