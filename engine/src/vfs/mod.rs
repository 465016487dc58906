//! The Vfs seam: every contact of the engine with the operating system.
//!
//! The traits are shaped like SQLite's `sqlite3_vfs` and `sqlite3_io_methods`, so that the
//! same implementation can stand under the engine and (through the simulator's FFI adapter)
//! under real SQLite. Nothing else in the engine touches files, clocks, sleep or randomness:
//! the pager reaches the disk only through a [`VfsFile`], and a connection reaches time and
//! randomness only through its [`Vfs`]. That is what makes a simulated run deterministic.
//!
//! Implementations:
//! - [`OsVfs`]: real files, with POSIX advisory locks on SQLite's lock-byte range, so that the
//!   engine and any SQLite process (the sqlite3 shell, rusqlite) exclude each other correctly.
//! - [`MemVfs`]: in-memory files with the same locking rules, for tests.
//! - The simulator's `SimVfs` (crate touchstone-simulator): crash, faults, virtual time.
//!
//! Locking follows SQLite's five levels (see [`LockLevel`]); the shared state machine for
//! handles within one address space is [`locks::LockTable`].

pub mod locks;
pub mod mem;
pub mod os;
pub mod trace;

pub use locks::{LockHandle, LockTable, ProcessLock, SingleProcess};
pub use mem::{MemVfs, normalize_path};
pub use os::OsVfs;
pub use trace::{TraceEvent, TraceLog, TraceOp, TraceVfs};

use crate::error::{Error, ErrorCode, Result};
use std::sync::{Arc, Mutex};

/// What a file opened through the Vfs is for (SQLITE_OPEN_MAIN_DB and friends).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// The database file itself.
    MainDb,
    /// The rollback journal of a main database ("<db>-journal").
    MainJournal,
    /// A temporary database.
    TempDb,
    /// The journal of a temporary database.
    TempJournal,
    /// A statement sub-journal.
    SubJournal,
    /// A super-journal of a multi-database transaction.
    SuperJournal,
    /// A write-ahead log ("<db>-wal"). Reserved for WAL mode.
    Wal,
}

/// How a file is opened (SQLITE_OPEN_READONLY / READWRITE / READWRITE|CREATE).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpenAccess {
    /// Open an existing file for reading only.
    ReadOnly,
    /// Open an existing file for reading and writing.
    ReadWrite,
    /// Open for reading and writing, creating the file if it does not exist.
    ReadWriteCreate,
}

/// The flags of [`Vfs::open`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OpenFlags {
    pub kind: FileKind,
    pub access: OpenAccess,
    /// With `ReadWriteCreate`: fail if the file already exists (SQLITE_OPEN_EXCLUSIVE).
    pub exclusive: bool,
    /// Delete the file when its last handle closes (SQLITE_OPEN_DELETEONCLOSE).
    pub delete_on_close: bool,
}

impl OpenFlags {
    /// Flags for opening a main database: read-write, created if missing.
    pub fn main_db() -> OpenFlags {
        OpenFlags {
            kind: FileKind::MainDb,
            access: OpenAccess::ReadWriteCreate,
            exclusive: false,
            delete_on_close: false,
        }
    }

    /// Flags for opening (or creating) a rollback journal.
    pub fn main_journal(access: OpenAccess) -> OpenFlags {
        OpenFlags { kind: FileKind::MainJournal, access, exclusive: false, delete_on_close: false }
    }
}

/// What [`Vfs::access`] asks (SQLITE_ACCESS_*).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccessCheck {
    /// Does the file exist?
    Exists,
    /// Can it be read and written?
    ReadWrite,
    /// Can it be read?
    Read,
}

/// SQLite's file lock levels, in increasing order of exclusion.
///
/// - `Shared`: the holder may read; any number of connections may hold it.
/// - `Reserved`: the holder intends to write; at most one, coexists with `Shared`.
/// - `Pending`: the holder waits for readers to leave; no new `Shared` is granted.
/// - `Exclusive`: the holder may write the database file; no other lock coexists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockLevel {
    None = 0,
    Shared = 1,
    Reserved = 2,
    Pending = 3,
    Exclusive = 4,
}

/// How hard a sync must push (SQLITE_SYNC_NORMAL / FULL, optionally | DATAONLY).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SyncFlags {
    /// `true` for SQLITE_SYNC_FULL (F_FULLFSYNC on macOS), `false` for SQLITE_SYNC_NORMAL.
    pub full: bool,
    /// SQLITE_SYNC_DATAONLY: the file's metadata (size) need not be synced.
    pub data_only: bool,
}

impl SyncFlags {
    /// SQLITE_SYNC_NORMAL.
    pub const NORMAL: SyncFlags = SyncFlags { full: false, data_only: false };
    /// SQLITE_SYNC_FULL.
    pub const FULL: SyncFlags = SyncFlags { full: true, data_only: false };

    /// SQLite's numeric encoding (2 or 3, | 0x10 for data-only).
    pub fn sqlite_flags(self) -> i32 {
        (if self.full { 3 } else { 2 }) | if self.data_only { 0x10 } else { 0 }
    }
}

/// Device characteristics (SQLITE_IOCAP_*), a bit set with SQLite's bit values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DeviceCharacteristics(pub u32);

impl DeviceCharacteristics {
    pub const ATOMIC: u32 = 0x0000_0001;
    pub const ATOMIC512: u32 = 0x0000_0002;
    pub const ATOMIC1K: u32 = 0x0000_0004;
    pub const ATOMIC2K: u32 = 0x0000_0008;
    pub const ATOMIC4K: u32 = 0x0000_0010;
    pub const ATOMIC8K: u32 = 0x0000_0020;
    pub const ATOMIC16K: u32 = 0x0000_0040;
    pub const ATOMIC32K: u32 = 0x0000_0080;
    pub const ATOMIC64K: u32 = 0x0000_0100;
    /// Appended data never contains garbage after a crash.
    pub const SAFE_APPEND: u32 = 0x0000_0200;
    /// Writes reach the disk in the order they were issued.
    pub const SEQUENTIAL: u32 = 0x0000_0400;
    pub const UNDELETABLE_WHEN_OPEN: u32 = 0x0000_0800;
    /// A write never changes bytes outside the range written, even on power loss.
    pub const POWERSAFE_OVERWRITE: u32 = 0x0000_1000;
    pub const IMMUTABLE: u32 = 0x0000_2000;
    pub const BATCH_ATOMIC: u32 = 0x0000_4000;

    /// True when every bit of `flags` is set.
    pub fn contains(self, flags: u32) -> bool {
        self.0 & flags == flags
    }
}

/// The result of a successful [`VfsFile::read_at`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadOutcome {
    /// Every byte asked for was read.
    Full,
    /// The file ended first: `bytes_read` bytes were read and the rest of the buffer was
    /// zero-filled (SQLITE_IOERR_SHORT_READ, which SQLite's pager treats as success).
    Short { bytes_read: usize },
}

/// A shared-memory region for WAL mode's wal-index (xShmMap). Reserved: WAL comes later.
pub type ShmRegion = Arc<Mutex<Vec<u8>>>;

/// A file system, time source and randomness source (`sqlite3_vfs`).
///
/// Implementations are shared by every connection that uses them, hence `Send + Sync` and
/// `&self` methods; per-file state lives in the [`VfsFile`]s they open.
pub trait Vfs: Send + Sync {
    /// The name the Vfs is registered under.
    fn name(&self) -> &str;

    /// Opens `path` (already made absolute by [`Vfs::full_path`] where relevant).
    /// Errors: `CantOpen` when the file cannot be opened or created as `flags` ask.
    fn open(&self, path: &str, flags: OpenFlags) -> Result<Box<dyn VfsFile>>;

    /// Deletes `path`; with `sync_dir`, the directory entry's removal is made durable too.
    /// Deleting a file that does not exist is not an error (SQLite's callers ignore
    /// SQLITE_IOERR_DELETE_NOENT in every place they delete).
    fn delete(&self, path: &str, sync_dir: bool) -> Result<()>;

    /// Answers an access question about `path`.
    fn access(&self, path: &str, check: AccessCheck) -> Result<bool>;

    /// The canonical absolute form of `path`.
    fn full_path(&self, path: &str) -> Result<String>;

    /// Fills `buf` with random bytes (xRandomness).
    fn randomness(&self, buf: &mut [u8]);

    /// Sleeps for `duration_us` microseconds (in virtual time under simulation) and returns
    /// the microseconds actually slept (xSleep).
    fn sleep(&self, duration_us: u64) -> u64;

    /// The current time in milliseconds since the Julian epoch (xCurrentTimeInt64).
    fn current_time_ms(&self) -> i64;
}

/// An open file (`sqlite3_file` with its `sqlite3_io_methods`).
///
/// Dropping the handle closes it (xClose); a handle closed while holding a lock releases it.
pub trait VfsFile: Send {
    /// Reads `buf.len()` bytes at `offset`. Past the end of file the rest of `buf` is
    /// zero-filled and the read is reported as [`ReadOutcome::Short`].
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> Result<ReadOutcome>;

    /// Writes all of `buf` at `offset`, extending the file if needed. A full disk is
    /// `ErrorCode::Full`.
    fn write_at(&mut self, buf: &[u8], offset: u64) -> Result<()>;

    /// Truncates (or extends with zeros) the file to `size_bytes`.
    fn truncate(&mut self, size_bytes: u64) -> Result<()>;

    /// Makes every write so far durable.
    fn sync(&mut self, flags: SyncFlags) -> Result<()>;

    /// The file's size in bytes.
    fn size(&mut self) -> Result<u64>;

    /// Raises this handle's lock to `level` (which is above its current level), following
    /// SQLite's rules: NONE→SHARED, SHARED→RESERVED, SHARED|RESERVED→EXCLUSIVE (through
    /// PENDING). Errors with `Busy` at once when another handle's lock is in the way; a
    /// failed EXCLUSIVE may leave the handle holding PENDING, as in SQLite.
    fn lock(&mut self, level: LockLevel) -> Result<()>;

    /// Lowers this handle's lock to `level`, which is `Shared` or `None`.
    fn unlock(&mut self, level: LockLevel) -> Result<()>;

    /// The lock this handle holds.
    fn lock_level(&self) -> LockLevel;

    /// True when any handle (of any process) holds RESERVED or above on the file.
    fn check_reserved_lock(&mut self) -> Result<bool>;

    /// The sector size of the device, in bytes (a power of two, 512 to 65536).
    fn sector_size(&self) -> u32;

    /// What the device guarantees on power loss.
    fn device_characteristics(&self) -> DeviceCharacteristics;

    /// Maps region `region` of the wal-index shared memory (xShmMap). WAL mode only.
    fn shm_map(&mut self, _region: u32, _region_size: usize, _extend: bool) -> Result<Option<ShmRegion>> {
        Err(shm_unsupported())
    }

    /// Takes or releases wal-index locks (xShmLock). WAL mode only.
    fn shm_lock(&mut self, _offset: u32, _count: u32, _exclusive: bool, _unlock: bool) -> Result<()> {
        Err(shm_unsupported())
    }

    /// A memory barrier over the shared memory (xShmBarrier). WAL mode only.
    fn shm_barrier(&mut self) {}

    /// Unmaps the wal-index, deleting it when `delete` (xShmUnmap). WAL mode only.
    fn shm_unmap(&mut self, _delete: bool) -> Result<()> {
        Err(shm_unsupported())
    }
}

fn shm_unsupported() -> Error {
    Error::new(ErrorCode::IoErr, "shared memory (WAL mode) is not supported by this Vfs yet")
}

/// SQLite's lock-byte page layout (os.h): the byte offsets that xLock locks on real files.
///
/// The page holding these bytes (page `PENDING_BYTE / page_size + 1`) is never used by the
/// b-tree; `Pager` skips it when allocating pages.
pub mod lock_bytes {
    /// 0x40000000: the first byte past 1 GiB.
    pub const PENDING_BYTE: u64 = 0x4000_0000;
    pub const RESERVED_BYTE: u64 = PENDING_BYTE + 1;
    pub const SHARED_FIRST: u64 = PENDING_BYTE + 2;
    pub const SHARED_SIZE: u64 = 510;
}

/// Behaviour every Vfs must share, as test scenarios run against each implementation.
#[cfg(test)]
pub(crate) mod conformance {
    use super::{LockLevel, VfsFile};

    /// Two handles on one file exclude each other as two SQLite connections do: RESERVED is
    /// exclusive among writers, a failed EXCLUSIVE leaves PENDING, which keeps new readers
    /// out, and once `release_a` drops `a`'s locks the other handle can write. Both handles
    /// start unlocked.
    pub fn two_handles_exclude_each_other(
        mut a: Box<dyn VfsFile>,
        mut b: Box<dyn VfsFile>,
        release_a: impl FnOnce(Box<dyn VfsFile>),
    ) {
        a.lock(LockLevel::Shared).unwrap();
        b.lock(LockLevel::Shared).unwrap();
        a.lock(LockLevel::Reserved).unwrap();
        assert!(b.check_reserved_lock().unwrap());
        assert!(b.lock(LockLevel::Reserved).unwrap_err().is_busy());
        assert!(a.lock(LockLevel::Exclusive).unwrap_err().is_busy());
        assert_eq!(a.lock_level(), LockLevel::Pending);
        b.unlock(LockLevel::None).unwrap();
        assert!(b.lock(LockLevel::Shared).unwrap_err().is_busy());
        a.lock(LockLevel::Exclusive).unwrap();
        release_a(a);
        b.lock(LockLevel::Shared).unwrap();
        b.lock(LockLevel::Reserved).unwrap();
    }
}
