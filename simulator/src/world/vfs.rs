//! `SimVfs`: the engine's `Vfs` / `VfsFile` over the simulated world.
//!
//! It behaves as SQLite's unix VFS sees a POSIX file system (the same rules as `MemVfs`:
//! normalized paths, inodes, delete-while-open, `access(Exists)` false for an empty file,
//! deleting a missing file is fine), so that the engine and real SQLite can both stand on it.
//! On top: unsynced writes, power loss, injected faults, virtual time, counters.
//!
//! Counted I/O calls (the clock of [`SimVfs::arm_crash_at_call`] and the calls that draw
//! latency): `open`, `delete`, and on files `read_at`, `write_at`, `truncate`, `sync`,
//! `size`. Not counted: `access`, `full_path`, lock calls, randomness, sleep and time.
//! Counting `delete` lets a crash strike just before a rollback journal is deleted (the
//! commit point of journal_mode DELETE).

use super::disk::DiskModel;
use super::faults::{FaultCounts, FaultEvent, FaultKind, FaultRates};
use super::state::{NodeId, World, cant_open};
use super::stats::{FileStats, IoStats};
use rand::{Rng, RngExt};
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, Mutex, MutexGuard};
use touchstone_engine::error::{Error, IoErrorKind, Result};
use touchstone_engine::vfs::{
    AccessCheck, DeviceCharacteristics, LockHandle, LockLevel, OpenAccess, OpenFlags, ReadOutcome, SyncFlags, Vfs,
    VfsFile, normalize_path,
};

/// A simulated file system, clock and randomness source. Clones share one world.
#[derive(Clone)]
pub struct SimVfs {
    world: Arc<Mutex<World>>,
}

impl fmt::Debug for SimVfs {
    /// A summary (the files' bytes would drown any message).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let world = self.world();
        f.debug_struct("SimVfs")
            .field("disk", &world.disk)
            .field("io_calls", &world.io_calls)
            .field("crashed", &world.crashed)
            .field("files", &world.paths.len())
            .finish()
    }
}

impl SimVfs {
    /// An empty world on `disk` (sector size normalized, see [`DiskModel::normalized`]) whose
    /// every random choice comes from `seed`; faults off, no crash armed.
    pub fn new(seed: u64, disk: DiskModel) -> SimVfs {
        SimVfs { world: Arc::new(Mutex::new(World::new(seed, disk))) }
    }

    /// The disk model (normalized).
    pub fn disk_model(&self) -> DiskModel {
        self.world().disk
    }

    /// Sets (or with `None` removes) the capacity: writes and truncates growing the files'
    /// total volatile size past it fail with `Full` and change nothing.
    pub fn set_capacity(&self, capacity_bytes: Option<u64>) {
        self.world().disk.capacity_bytes = capacity_bytes;
    }

    /// Sets the fault rates from now on (e.g. all off while the run checks content).
    pub fn set_fault_rates(&self, rates: FaultRates) {
        self.world().rates = rates;
    }

    /// The fault rates in force.
    pub fn fault_rates(&self) -> FaultRates {
        self.world().rates
    }

    /// Arms a power loss at the first counted I/O call whose number (1-based, see the module
    /// doc) is at least `call`: the crash happens before that call runs, and the call fails
    /// (`IoErr`, or `CantOpen` for an open). A number already passed strikes at the next call.
    pub fn arm_crash_at_call(&self, call: u64) {
        self.world().crash_at_call = Some(call);
    }

    /// The call number an armed crash strikes at, if one is armed.
    pub fn crash_armed_at(&self) -> Option<u64> {
        self.world().crash_at_call
    }

    /// Disarms the crash armed by [`SimVfs::arm_crash_at_call`], if any.
    pub fn disarm_crash(&self) {
        self.world().crash_at_call = None;
    }

    /// Loses power now (no-op when already crashed).
    pub fn crash_now(&self) {
        self.world().crash();
    }

    /// True from a crash until [`SimVfs::restart`].
    pub fn has_crashed(&self) -> bool {
        self.world().crashed
    }

    /// Starts a new process after a crash: opens work again; files hold their durable
    /// images, unlocked. Handles of the old process stay dead. No-op when not crashed.
    pub fn restart(&self) {
        self.world().restart();
    }

    /// How many counted I/O calls have been made (the call that crashed included).
    pub fn io_calls(&self) -> u64 {
        self.world().io_calls
    }

    /// Virtual microseconds elapsed since the world began.
    pub fn elapsed_us(&self) -> u64 {
        self.world().clock.elapsed_us()
    }

    /// The I/O counters, in total and per path.
    pub fn stats(&self) -> IoStats {
        self.world().stats.clone()
    }

    /// The I/O counters of all files together (what [`SimVfs::stats`] gives as `total`,
    /// without copying the per-path map).
    pub fn io_totals(&self) -> FileStats {
        self.world().stats.total
    }

    /// How many faults and crash fates of each kind happened.
    pub fn fault_counts(&self) -> FaultCounts {
        self.world().counts
    }

    /// The faults and crash fates logged since the last call, oldest first.
    pub fn take_events(&self) -> Vec<FaultEvent> {
        std::mem::take(&mut self.world().events)
    }

    /// The bytes reads of the file at `path` see, or `None` when there is no such file.
    pub fn file_bytes(&self, path: &str) -> Option<Vec<u8>> {
        let key = normalize_path(path).ok()?;
        self.world().linked(&key).map(|node| node.image.volatile().to_vec())
    }

    /// The bytes of the file at `path` that survive a power loss for sure.
    pub fn durable_bytes(&self, path: &str) -> Option<Vec<u8>> {
        let key = normalize_path(path).ok()?;
        self.world().linked(&key).map(|node| node.image.durable().to_vec())
    }

    /// Makes the file at `path` hold exactly `bytes`, durably, creating it if needed (test
    /// setup, copying files between worlds; allowed while crashed; no capacity check).
    /// Errors: `CantOpen` for a path naming no file; `Full` when memory cannot be had.
    pub fn set_file_bytes(&self, path: &str, bytes: &[u8]) -> Result<()> {
        let key = normalize_path(path)?;
        let mut world = self.world();
        let id = world.lookup_or_create(&key);
        let node = world.node_mut(id)?;
        let old_len_bytes = node.image.len_bytes();
        node.image.replace(bytes)?;
        world.note_written(&key, 0, old_len_bytes.max(bytes.len() as u64));
        Ok(())
    }

    /// The size in bytes reads of the file at `path` see, or `None` when there is no such
    /// file. Cheap: copies nothing.
    pub fn file_len(&self, path: &str) -> Option<u64> {
        let key = normalize_path(path).ok()?;
        self.world().linked(&key).map(|node| node.image.len_bytes())
    }

    /// The bytes `range` of the file at `path` as reads see them, cut short at the end of
    /// the file (empty past it); `None` when there is no such file.
    pub fn file_range(&self, path: &str, range: Range<u64>) -> Option<Vec<u8>> {
        let key = normalize_path(path).ok()?;
        let world = self.world();
        let bytes = world.linked(&key)?.image.volatile();
        let end = usize::try_from(range.end).unwrap_or(usize::MAX).min(bytes.len());
        let start = usize::try_from(range.start).unwrap_or(usize::MAX).min(end);
        Some(bytes[start..end].to_vec())
    }

    /// The byte ranges of the file at `path` changed since the last call for that path (or
    /// since the world began): merged, in order, half-open. Writes, truncates (the bytes
    /// between the old and the new size), replacements, unlinks and crash reverts count
    /// (see [`super::written`]). An invalid path or an untouched file gives none.
    pub fn take_written_ranges(&self, path: &str) -> Vec<Range<u64>> {
        match normalize_path(path) {
            Ok(key) => self.world().take_written(&key),
            Err(_) => Vec::new(),
        }
    }

    /// Removes the file at `path`, durably (copying files between worlds); no-op when there
    /// is none. A handle still open keeps the bytes it has, as after an unlink.
    pub fn remove_file(&self, path: &str) {
        if let Ok(key) = normalize_path(path) {
            self.world().unlink(&key);
        }
    }

    /// The normalized paths of every file, in order.
    pub fn file_paths(&self) -> Vec<String> {
        self.world().paths.keys().cloned().collect()
    }

    /// Locks the world; a poisoned lock (a panicking test thread) is taken over.
    fn world(&self) -> MutexGuard<'_, World> {
        lock_world(&self.world)
    }
}

impl Vfs for SimVfs {
    fn name(&self) -> &str {
        "sim"
    }

    /// Opens `path` (normalized) as `flags` ask; a counted call.
    /// Errors: `CantOpen` while crashed, at the armed crash, for a missing file that may not
    /// be created, an existing one that must be created exclusively, or an injected fault.
    fn open(&self, path: &str, flags: OpenFlags) -> Result<Box<dyn VfsFile>> {
        let key = normalize_path(path)?;
        let mut world = self.world();
        let epoch = world.epoch;
        world.begin_call(epoch).map_err(|_| cant_open(&key, "the simulated machine is down"))?;
        let exists = world.paths.contains_key(&key);
        match (exists, flags.access) {
            (true, OpenAccess::ReadWriteCreate) if flags.exclusive => {
                return Err(cant_open(&key, "exists and exclusive creation was asked"));
            }
            (false, OpenAccess::ReadOnly | OpenAccess::ReadWrite) => return Err(cant_open(&key, "no such file")),
            _ => {}
        }
        if world.draw(|rates| rates.open_eio) {
            world.record_fault(FaultKind::OpenEio, &key, 0, 0);
            return Err(cant_open(&key, "injected open failure"));
        }
        let id = world.lookup_or_create(&key);
        let (sector_size_bytes, device) = (world.disk.sector_size_bytes, world.disk.device);
        let node = world.node_mut(id)?;
        node.open_handles += 1;
        node.doomed |= flags.delete_on_close;
        let lock = node.locks.register();
        Ok(Box::new(SimFile {
            world: Arc::clone(&self.world),
            node: id,
            path: key,
            lock,
            epoch,
            read_only: flags.access == OpenAccess::ReadOnly,
            delete_on_close: flags.delete_on_close,
            sector_size_bytes,
            device,
        }))
    }

    /// Unlinks `path`, immediately and durably; open handles keep the contents. A missing
    /// file is not an error. A counted call. Errors: `IoErr` while crashed or at the crash.
    fn delete(&self, path: &str, _sync_dir: bool) -> Result<()> {
        let key = normalize_path(path)?;
        let mut world = self.world();
        let epoch = world.epoch;
        world.begin_call(epoch)?;
        world.unlink(&key);
        Ok(())
    }

    /// As SQLite's unix VFS: `Exists` is true only for a non-empty file; `Read` and
    /// `ReadWrite` for any existing file. Errors: `IoErr` (Dead) while crashed.
    fn access(&self, path: &str, check: AccessCheck) -> Result<bool> {
        let world = self.world();
        world.check_alive(world.epoch)?;
        let Ok(key) = normalize_path(path) else {
            return Ok(false);
        };
        Ok(match (world.linked(&key), check) {
            (None, _) => false,
            (Some(node), AccessCheck::Exists) => node.image.len_bytes() > 0,
            (Some(_), AccessCheck::Read | AccessCheck::ReadWrite) => true,
        })
    }

    /// `path` made absolute with ".", ".." and repeated "/" resolved (as `MemVfs`).
    fn full_path(&self, path: &str) -> Result<String> {
        normalize_path(path)
    }

    /// Fills `buf` from the world's randomness stream (stream 1, apart from faults).
    fn randomness(&self, buf: &mut [u8]) {
        self.world().random_rng.fill_bytes(buf);
    }

    /// Advances virtual time by `duration_us`; nothing waits.
    fn sleep(&self, duration_us: u64) -> u64 {
        self.world().clock.advance(duration_us);
        duration_us
    }

    fn current_time_ms(&self) -> i64 {
        self.world().clock.now_julian_ms()
    }
}

/// A handle on a simulated file, belonging to the process `epoch`. Dropping it releases its
/// lock and, with delete-on-close, unlinks its path; a dead handle's drop does nothing.
struct SimFile {
    world: Arc<Mutex<World>>,
    node: NodeId,
    /// The normalized path the file was opened under.
    path: String,
    lock: LockHandle,
    epoch: u64,
    read_only: bool,
    delete_on_close: bool,
    sector_size_bytes: u32,
    device: DeviceCharacteristics,
}

impl SimFile {
    /// Locks the world for a counted call of this handle on its file: dead handles fail, the
    /// call is counted and may crash the world (see [`World::begin_call`]); `stats` is added
    /// to the file's counters once the call proceeds.
    fn begin(&self, stats: FileStats) -> Result<MutexGuard<'_, World>> {
        let mut world = lock_world(&self.world);
        world.begin_call(self.epoch)?;
        world.stats.record(&self.path, stats);
        Ok(world)
    }

    /// Locks the world for an uncounted call (locks): fails for a dead handle.
    fn live_world(&self) -> Result<MutexGuard<'_, World>> {
        let world = lock_world(&self.world);
        world.check_alive(self.epoch)?;
        Ok(world)
    }

    /// Errors with `IoErr` of `kind` if the handle was opened read-only.
    fn check_writable(&self, kind: IoErrorKind) -> Result<()> {
        if self.read_only { Err(Error::io(kind, format!("{}: opened read-only", self.path))) } else { Ok(()) }
    }

    /// Adds bytes moved to the file's counters (after a successful read or write).
    fn count_bytes(world: &mut World, path: &str, bytes_read: u64, bytes_written: u64) {
        world.stats.record(path, FileStats { bytes_read, bytes_written, ..FileStats::default() });
    }
}

impl VfsFile for SimFile {
    /// Reads the volatile view; injected EIO (`IoErr` Read) or short read (fewer bytes than
    /// asked, the rest zero-filled) per the fault rates.
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> Result<ReadOutcome> {
        let mut world = self.begin(FileStats { reads: 1, ..FileStats::default() })?;
        let length_bytes = buf.len() as u64;
        if world.draw(|rates| rates.read_eio) {
            world.record_fault(FaultKind::ReadEio, &self.path, offset, length_bytes);
            return Err(Error::io(IoErrorKind::Read, format!("{}: injected read error", self.path)));
        }
        let mut bytes_read = world.node_mut(self.node)?.image.read(buf, offset);
        if !buf.is_empty() && world.draw(|rates| rates.short_read) {
            let cut = world.fault_rng.random_range(0..buf.len());
            bytes_read = bytes_read.min(cut);
            buf[bytes_read..].fill(0);
            world.record_fault(FaultKind::ShortRead, &self.path, offset, length_bytes);
        }
        Self::count_bytes(&mut world, &self.path, bytes_read as u64, 0);
        Ok(if bytes_read == buf.len() { ReadOutcome::Full } else { ReadOutcome::Short { bytes_read } })
    }

    /// Writes into the volatile view, pending until a sync; the range counts as written
    /// ([`SimVfs::take_written_ranges`]). Errors: injected EIO (`IoErr`
    /// Write, nothing written), `Full` past the capacity (nothing written).
    fn write_at(&mut self, buf: &[u8], offset: u64) -> Result<()> {
        let mut world = self.begin(FileStats { writes: 1, ..FileStats::default() })?;
        self.check_writable(IoErrorKind::Write)?;
        let length_bytes = buf.len() as u64;
        if world.draw(|rates| rates.write_eio) {
            world.record_fault(FaultKind::WriteEio, &self.path, offset, length_bytes);
            return Err(Error::io(IoErrorKind::Write, format!("{}: injected write error", self.path)));
        }
        let end = offset
            .checked_add(length_bytes)
            .ok_or_else(|| Error::io(IoErrorKind::Write, "write past the largest offset"))?;
        let growth_bytes = end.saturating_sub(world.node_mut(self.node)?.image.len_bytes());
        world.check_growth(growth_bytes, &self.path, offset, length_bytes)?;
        let seq = world.take_seq();
        world.node_mut(self.node)?.image.write(seq, offset, buf)?;
        world.note_written(&self.path, offset, end);
        Self::count_bytes(&mut world, &self.path, 0, length_bytes);
        Ok(())
    }

    /// Truncates or zero-extends the volatile view, pending until a sync; the bytes between
    /// the old and the new size count as written. Errors: `Full` when growth passes the
    /// capacity (nothing changes).
    fn truncate(&mut self, size_bytes: u64) -> Result<()> {
        let mut world = self.begin(FileStats { truncates: 1, ..FileStats::default() })?;
        self.check_writable(IoErrorKind::Truncate)?;
        let old_len_bytes = world.node_mut(self.node)?.image.len_bytes();
        let growth_bytes = size_bytes.saturating_sub(old_len_bytes);
        world.check_growth(growth_bytes, &self.path, size_bytes, 0)?;
        let seq = world.take_seq();
        world.node_mut(self.node)?.image.truncate(seq, size_bytes)?;
        world.note_written(&self.path, size_bytes.min(old_len_bytes), size_bytes.max(old_len_bytes));
        Ok(())
    }

    /// Makes every pending operation of the file durable (on a SEQUENTIAL device, of every
    /// file up to this one's last; see [`World::sync_node`]). Errors: injected EIO (`IoErr`
    /// Fsync, nothing becomes durable).
    fn sync(&mut self, _flags: SyncFlags) -> Result<()> {
        let mut world = self.begin(FileStats { syncs: 1, ..FileStats::default() })?;
        if world.draw(|rates| rates.sync_eio) {
            world.record_fault(FaultKind::SyncEio, &self.path, 0, 0);
            return Err(Error::io(IoErrorKind::Fsync, format!("{}: injected fsync error", self.path)));
        }
        world.sync_node(self.node)
    }

    /// The size reads see.
    fn size(&mut self) -> Result<u64> {
        let mut world = self.begin(FileStats::default())?;
        Ok(world.node_mut(self.node)?.image.len_bytes())
    }

    fn lock(&mut self, level: LockLevel) -> Result<()> {
        let mut world = self.live_world()?;
        world.node_mut(self.node)?.locks.lock(self.lock, level)
    }

    fn unlock(&mut self, level: LockLevel) -> Result<()> {
        let mut world = self.live_world()?;
        world.node_mut(self.node)?.locks.unlock(self.lock, level)
    }

    /// The handle's level; `None` for a dead handle.
    fn lock_level(&self) -> LockLevel {
        let Ok(mut world) = self.live_world() else {
            return LockLevel::None;
        };
        world.node_mut(self.node).map(|node| node.locks.level(self.lock)).unwrap_or(LockLevel::None)
    }

    fn check_reserved_lock(&mut self) -> Result<bool> {
        let mut world = self.live_world()?;
        Ok(world.node_mut(self.node)?.locks.reserved_held())
    }

    fn sector_size(&self) -> u32 {
        self.sector_size_bytes
    }

    fn device_characteristics(&self) -> DeviceCharacteristics {
        self.device
    }
}

impl Drop for SimFile {
    /// For a live handle: releases the lock, unlinks a delete-on-close file if its path still
    /// names it, and frees the contents once no path and no handle refers to them.
    fn drop(&mut self) {
        let mut world = lock_world(&self.world);
        if world.check_alive(self.epoch).is_err() {
            return;
        }
        let orphan = match world.nodes.get_mut(&self.node) {
            Some(node) => {
                // Releasing a registered handle in a single address space cannot fail.
                let _ = node.locks.release(self.lock);
                node.open_handles = node.open_handles.saturating_sub(1);
                !node.linked && node.open_handles == 0
            }
            None => false,
        };
        if orphan {
            world.nodes.remove(&self.node);
        }
        if self.delete_on_close && world.paths.get(&self.path) == Some(&self.node) {
            world.unlink(&self.path);
        }
    }
}

/// Locks `world`, taking over a lock poisoned by a panicking thread (every update of the
/// state completes before anything can panic).
fn lock_world(world: &Mutex<World>) -> MutexGuard<'_, World> {
    world.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
#[path = "vfs_tests.rs"]
mod tests;
