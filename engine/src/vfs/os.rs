//! `OsVfs`: real files through `std::fs`, locked as SQLite's unix VFS locks them.
//!
//! This is the one place of the engine allowed to touch the operating system's files, clock,
//! sleep and randomness.
//!
//! # Locks
//!
//! Locks are POSIX advisory locks (`fcntl` F_SETLK / F_GETLK) on SQLite's lock bytes
//! ([`lock_bytes`]), taken exactly as os_unix.c takes them, so the engine and any SQLite
//! process (the sqlite3 shell, rusqlite) exclude each other:
//!
//! | process-level change | POSIX operations |
//! |---|---|
//! | NONE→SHARED | read-lock PENDING_BYTE, read-lock the SHARED range, unlock PENDING_BYTE |
//! | SHARED→RESERVED | write-lock RESERVED_BYTE |
//! | RESERVED→PENDING | write-lock PENDING_BYTE |
//! | SHARED or PENDING→EXCLUSIVE | write-lock the SHARED range |
//! | above SHARED→SHARED | read-lock the SHARED range, unlock PENDING_BYTE and RESERVED_BYTE |
//! | any→NONE | unlock the whole file |
//!
//! POSIX locks belong to the process, not to the file descriptor: two handles of one process
//! never conflict in the kernel, and closing *any* descriptor of the inode drops *all* the
//! process's locks on it. As in SQLite (`unixInodeInfo`), a process-wide table keyed by
//! (device, inode) holds one [`LockTable`] per open inode: it decides between this process's
//! handles and changes the POSIX locks only when the process's level as a whole changes.
//! A handle closed while other handles of the inode hold locks does not close its descriptor;
//! the descriptor is parked in the inode's entry and closed when the last lock goes.

use crate::error::{Error, ErrorCode, IoErrorKind, Result};
use crate::vfs::locks::{LockHandle, LockTable, ProcessLock};
use crate::vfs::{
    AccessCheck, DeviceCharacteristics, FileKind, LockLevel, OpenAccess, OpenFlags, ReadOutcome, SyncFlags, Vfs,
    VfsFile, lock_bytes,
};
use nix::errno::Errno;
use nix::fcntl::{FcntlArg, fcntl};
use nix::unistd::AccessFlags;
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The unix epoch in milliseconds since the Julian epoch (SQLite's `unixEpoch`).
pub const UNIX_EPOCH_JULIAN_MS: i64 = 210_866_760_000_000;

/// Permissions of files the Vfs creates (SQLite's SQLITE_DEFAULT_FILE_PERMISSIONS).
const FILE_MODE: u32 = 0o644;

/// The operating system's file system.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsVfs;

impl OsVfs {
    /// The OS Vfs. Every `OsVfs` of a process shares the process-wide inode table.
    pub fn new() -> OsVfs {
        OsVfs
    }
}

/// (device, inode): what identifies a file for POSIX locks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct FileId {
    dev: u64,
    ino: u64,
}

/// This process's lock state of one inode (SQLite's `unixInodeInfo`).
#[derive(Debug, Default)]
struct Inode {
    /// Levels of this process's handles; its process level is what the POSIX locks say.
    locks: LockTable,
    /// Descriptors of closed handles, kept open while `locks` has locked handles because
    /// closing them would drop those locks.
    deferred_closes: Vec<File>,
}

impl Inode {
    /// Closes the parked descriptors once no handle holds a lock.
    fn close_deferred_if_unlocked(&mut self) {
        if self.locks.locked_handles() == 0 {
            self.deferred_closes.clear();
        }
    }
}

/// Every inode this process has open through any `OsVfs`. Lock order: this table first,
/// then an `Inode`, never the other way round.
static INODES: Mutex<BTreeMap<FileId, Arc<Mutex<Inode>>>> = Mutex::new(BTreeMap::new());

/// Locks `mutex`, taking over a lock poisoned by a panicking thread: every update of the
/// guarded state completes before anything can panic.
fn lock_ignoring_poison<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Vfs for OsVfs {
    fn name(&self) -> &str {
        "os"
    }

    /// Opens `path`. Errors: `CantOpen` when the OS refuses (missing file without create,
    /// existing file with exclusive create, a directory, permissions).
    /// Delete-on-close files are unlinked at once, as SQLite's unix VFS does: the file lives
    /// until its last descriptor closes and never outlives a crash.
    fn open(&self, path: &str, flags: OpenFlags) -> Result<Box<dyn VfsFile>> {
        let mut options = OpenOptions::new();
        options.read(true).mode(FILE_MODE);
        match flags.access {
            OpenAccess::ReadOnly => {}
            OpenAccess::ReadWrite => {
                options.write(true);
            }
            OpenAccess::ReadWriteCreate if flags.exclusive => {
                options.write(true).create_new(true);
            }
            OpenAccess::ReadWriteCreate => {
                options.write(true).create(true);
            }
        }
        let cant_open = |err: io::Error| Error::new(ErrorCode::CantOpen, format!("{path}: cannot open: {err}"));
        let file = options.open(path).map_err(cant_open)?;
        let metadata = file.metadata().map_err(cant_open)?;
        if metadata.is_dir() {
            return Err(Error::new(ErrorCode::CantOpen, format!("{path}: is a directory")));
        }
        let id = FileId { dev: metadata.dev(), ino: metadata.ino() };
        let (inode, lock) = {
            let mut inodes = lock_ignoring_poison(&INODES);
            let inode = Arc::clone(inodes.entry(id).or_default());
            let lock = lock_ignoring_poison(&inode).locks.register();
            (inode, lock)
        };
        if flags.delete_on_close {
            // Failure leaves a stray file behind, nothing worse; SQLite ignores it too.
            let _ = std::fs::remove_file(path);
        }
        let creates_journal = flags.access == OpenAccess::ReadWriteCreate
            && matches!(flags.kind, FileKind::MainJournal | FileKind::SuperJournal | FileKind::Wal);
        Ok(Box::new(OsFile {
            file: Some(file),
            path: path.to_string(),
            id,
            inode: Some(inode),
            lock,
            sync_dir_pending: creates_journal,
        }))
    }

    /// Unlinks `path`; with `sync_dir` fsyncs its directory (a directory that cannot be opened
    /// is skipped, as in SQLite). Errors: `IoErr(Delete)`, `IoErr(Fsync)` for the directory.
    fn delete(&self, path: &str, sync_dir: bool) -> Result<()> {
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(err) => return Err(io_failure(IoErrorKind::Delete, path, &err)),
        }
        if sync_dir {
            sync_parent_dir(path)?;
        }
        Ok(())
    }

    /// As SQLite's `unixAccess`: `Exists` is true for a non-empty regular file or any other
    /// kind of file; `Read` / `ReadWrite` ask the OS (access(2)). Errors never: a path that
    /// cannot be examined is reported absent.
    fn access(&self, path: &str, check: AccessCheck) -> Result<bool> {
        Ok(match check {
            AccessCheck::Exists => {
                std::fs::metadata(path).map(|meta| !meta.is_file() || meta.len() > 0).unwrap_or(false)
            }
            AccessCheck::Read => nix::unistd::access(path, AccessFlags::R_OK).is_ok(),
            AccessCheck::ReadWrite => nix::unistd::access(path, AccessFlags::R_OK | AccessFlags::W_OK).is_ok(),
        })
    }

    /// `path` made absolute (against the current directory) with symbolic links resolved
    /// where the file or its directory exists. Errors: `CantOpen` when the current directory
    /// is unknown or the result is not UTF-8.
    fn full_path(&self, path: &str) -> Result<String> {
        let given = Path::new(path);
        let absolute = if given.is_absolute() {
            given.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(|err| Error::new(ErrorCode::CantOpen, format!("current directory: {err}")))?
                .join(given)
        };
        let resolved =
            std::fs::canonicalize(&absolute).ok().or_else(|| canonical_in_parent(&absolute)).unwrap_or(absolute);
        resolved
            .into_os_string()
            .into_string()
            .map_err(|raw| Error::new(ErrorCode::CantOpen, format!("{raw:?} is not UTF-8")))
    }

    /// Bytes from /dev/urandom; should that fail, from std's randomly keyed hasher.
    fn randomness(&self, buf: &mut [u8]) {
        let from_urandom = File::open("/dev/urandom").and_then(|mut dev| dev.read_exact(buf));
        if from_urandom.is_err() {
            fill_from_hasher(buf);
        }
    }

    fn sleep(&self, duration_us: u64) -> u64 {
        std::thread::sleep(Duration::from_micros(duration_us));
        duration_us
    }

    /// Wall-clock time in milliseconds since the Julian epoch.
    fn current_time_ms(&self) -> i64 {
        let since_unix_ms = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_millis()).unwrap_or(i64::MAX),
        };
        UNIX_EPOCH_JULIAN_MS.saturating_add(since_unix_ms)
    }
}

/// `path`'s directory resolved through symbolic links, joined with its file name; `None`
/// when the directory does not exist or `path` has no file name.
fn canonical_in_parent(path: &Path) -> Option<PathBuf> {
    let parent = std::fs::canonicalize(path.parent()?).ok()?;
    Some(parent.join(path.file_name()?))
}

/// Fills `buf` from `RandomState` hashers (keyed from OS randomness by std).
fn fill_from_hasher(buf: &mut [u8]) {
    use std::hash::{BuildHasher, RandomState};
    let state = RandomState::new();
    for (counter, chunk) in buf.chunks_mut(8).enumerate() {
        let bytes = state.hash_one(counter).to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
}

/// Fsyncs the directory holding `path`. A directory that cannot be opened is skipped (some
/// systems cannot open directories; SQLite skips them too). Errors: `IoErr(Fsync)`.
fn sync_parent_dir(path: &str) -> Result<()> {
    let dir = match Path::new(path).parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    match File::open(dir) {
        Ok(handle) => handle.sync_all().map_err(|err| io_failure(IoErrorKind::Fsync, &dir.to_string_lossy(), &err)),
        Err(_) => Ok(()),
    }
}

/// The engine's error for an OS error of a file call: disk full (ENOSPC, EDQUOT) is
/// `ErrorCode::Full`, anything else `IoErr` of `kind`.
fn io_failure(kind: IoErrorKind, path: &str, err: &io::Error) -> Error {
    match err.raw_os_error() {
        Some(libc::ENOSPC) | Some(libc::EDQUOT) => Error::full(format!("{path}: {err}")),
        _ => Error::io(kind, format!("{path}: {err}")),
    }
}

/// The engine's error for a failed fcntl lock call (SQLite's `sqliteErrorFromPosixError`):
/// contention is `Busy`, EPERM is `Perm`, anything else `IoErr` of `kind`.
fn lock_failure(kind: IoErrorKind, errno: Errno) -> Error {
    match errno {
        Errno::EACCES | Errno::EAGAIN | Errno::ETIMEDOUT | Errno::EBUSY | Errno::EINTR | Errno::ENOLCK => Error::busy(),
        Errno::EPERM => Error::new(ErrorCode::Perm, format!("lock: {errno}")),
        _ => Error::io(kind, format!("lock: {errno}")),
    }
}

/// What a POSIX lock call does to a byte range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PosixOp {
    Read,
    Write,
    Unlock,
}

/// A `struct flock` for `op` on `len_bytes` bytes from `offset` (0 length: to end of file).
fn flock_for(op: PosixOp, offset: u64, len_bytes: u64) -> libc::flock {
    let l_type = match op {
        PosixOp::Read => libc::F_RDLCK,
        PosixOp::Write => libc::F_WRLCK,
        PosixOp::Unlock => libc::F_UNLCK,
    };
    // The lock bytes lie below 2^31, so the offsets fit every off_t.
    libc::flock {
        l_type: l_type as libc::c_short,
        l_whence: libc::SEEK_SET as libc::c_short,
        l_start: offset as libc::off_t,
        l_len: len_bytes as libc::off_t,
        l_pid: 0,
    }
}

/// The POSIX locks of this process on one inode, driven through one of its descriptors.
struct PosixLock<'fd> {
    fd: BorrowedFd<'fd>,
}

impl PosixLock<'_> {
    /// F_SETLK (never waits) of `op` on the range. Errors: `lock_failure(kind, errno)`.
    fn set(&self, op: PosixOp, offset: u64, len_bytes: u64, kind: IoErrorKind) -> Result<()> {
        let lock = flock_for(op, offset, len_bytes);
        fcntl(self.fd, FcntlArg::F_SETLK(&lock)).map(drop).map_err(|errno| lock_failure(kind, errno))
    }

    /// True when another process holds a lock on RESERVED_BYTE that a write lock would
    /// conflict with (F_GETLK never reports this process's own locks).
    fn reserved_held_elsewhere(&self) -> Result<bool> {
        let mut probe = flock_for(PosixOp::Write, lock_bytes::RESERVED_BYTE, 1);
        fcntl(self.fd, FcntlArg::F_GETLK(&mut probe))
            .map_err(|errno| Error::io(IoErrorKind::CheckReservedLock, format!("F_GETLK: {errno}")))?;
        Ok(probe.l_type != libc::F_UNLCK as libc::c_short)
    }
}

impl ProcessLock for PosixLock<'_> {
    /// Applies the POSIX operations of the module table for `from → to`.
    /// Entry: `from → to` is one of the transitions [`LockTable`] asks for.
    fn change(&mut self, from: LockLevel, to: LockLevel) -> Result<()> {
        use LockLevel::{Exclusive, None as NoLock, Pending, Reserved, Shared};
        use lock_bytes::{PENDING_BYTE, RESERVED_BYTE, SHARED_FIRST, SHARED_SIZE};
        use {IoErrorKind::Lock, PosixOp::*};
        match (from, to) {
            (NoLock, Shared) => {
                // The transient PENDING read lock keeps a new reader out while a writer
                // waits for readers to leave.
                self.set(Read, PENDING_BYTE, 1, Lock)?;
                let shared = self.set(Read, SHARED_FIRST, SHARED_SIZE, Lock);
                let released = self.set(Unlock, PENDING_BYTE, 1, IoErrorKind::Unlock);
                shared.and(released)
            }
            (Shared, Reserved) => self.set(Write, RESERVED_BYTE, 1, Lock),
            (Reserved, Pending) => self.set(Write, PENDING_BYTE, 1, Lock),
            (Shared | Pending, Exclusive) => self.set(Write, SHARED_FIRST, SHARED_SIZE, Lock),
            (Reserved | Pending | Exclusive, Shared) => {
                self.set(Read, SHARED_FIRST, SHARED_SIZE, IoErrorKind::ReadLock).map_err(|err| {
                    // Another process breaking the protocol; never report it as BUSY.
                    if err.is_busy() { Error::io(IoErrorKind::ReadLock, "downgrade to SHARED refused") } else { err }
                })?;
                self.set(Unlock, PENDING_BYTE, 2, IoErrorKind::Unlock)
            }
            (Shared | Reserved | Pending | Exclusive, NoLock) => self.set(Unlock, 0, 0, IoErrorKind::Unlock),
            _ => Err(Error::internal(format!("no POSIX lock transition {from:?} -> {to:?}"))),
        }
    }
}

/// An open file of `OsVfs`.
#[derive(Debug)]
struct OsFile {
    /// `Some` for the handle's whole life; taken only by `drop`.
    file: Option<File>,
    path: String,
    id: FileId,
    /// `Some` for the handle's whole life; taken only by `drop`, under the inode table lock.
    inode: Option<Arc<Mutex<Inode>>>,
    lock: LockHandle,
    /// The directory must be fsynced after the first sync (a newly created journal).
    sync_dir_pending: bool,
}

impl OsFile {
    /// The descriptor. Errors: `Internal` after drop began (cannot happen through `&mut`).
    fn file(&self) -> Result<&File> {
        self.file.as_ref().ok_or_else(|| Error::internal("os file used after close"))
    }

    /// Runs `f` with this inode's lock state and a [`PosixLock`] on this handle's
    /// descriptor, then closes parked descriptors if no lock is left.
    fn with_locks<T>(&self, f: impl FnOnce(&mut Inode, &mut PosixLock<'_>) -> Result<T>) -> Result<T> {
        let file = self.file()?;
        let inode = self.inode.as_ref().ok_or_else(|| Error::internal("os file used after close"))?;
        let mut inode = lock_ignoring_poison(inode);
        let mut posix = PosixLock { fd: file.as_fd() };
        let result = f(&mut inode, &mut posix);
        inode.close_deferred_if_unlocked();
        result
    }

    fn io_error(&self, kind: IoErrorKind, err: &io::Error) -> Error {
        io_failure(kind, &self.path, err)
    }
}

impl VfsFile for OsFile {
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> Result<ReadOutcome> {
        let file = self.file()?;
        let mut bytes_read = 0;
        while bytes_read < buf.len() {
            let at = offset.saturating_add(bytes_read as u64);
            match file.read_at(&mut buf[bytes_read..], at) {
                Ok(0) => break,
                Ok(n) => bytes_read += n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(self.io_error(IoErrorKind::Read, &err)),
            }
        }
        buf[bytes_read..].fill(0);
        Ok(if bytes_read == buf.len() { ReadOutcome::Full } else { ReadOutcome::Short { bytes_read } })
    }

    fn write_at(&mut self, buf: &[u8], offset: u64) -> Result<()> {
        self.file()?.write_all_at(buf, offset).map_err(|err| self.io_error(IoErrorKind::Write, &err))
    }

    fn truncate(&mut self, size_bytes: u64) -> Result<()> {
        self.file()?.set_len(size_bytes).map_err(|err| self.io_error(IoErrorKind::Truncate, &err))
    }

    /// fdatasync for data-only syncs, fsync otherwise (F_FULLFSYNC on macOS, through std);
    /// after the first sync of a newly created journal, its directory too (errors there are
    /// ignored, as in SQLite).
    fn sync(&mut self, flags: SyncFlags) -> Result<()> {
        let file = self.file()?;
        let synced = if flags.data_only { file.sync_data() } else { file.sync_all() };
        synced.map_err(|err| self.io_error(IoErrorKind::Fsync, &err))?;
        if self.sync_dir_pending {
            self.sync_dir_pending = false;
            let _ = sync_parent_dir(&self.path);
        }
        Ok(())
    }

    fn size(&mut self) -> Result<u64> {
        self.file()?.metadata().map(|meta| meta.len()).map_err(|err| self.io_error(IoErrorKind::Fstat, &err))
    }

    fn lock(&mut self, level: LockLevel) -> Result<()> {
        let handle = self.lock;
        self.with_locks(|inode, posix| inode.locks.lock_with(handle, level, posix))
    }

    fn unlock(&mut self, level: LockLevel) -> Result<()> {
        let handle = self.lock;
        self.with_locks(|inode, posix| inode.locks.unlock_with(handle, level, posix))
    }

    fn lock_level(&self) -> LockLevel {
        self.with_locks(|inode, _| Ok(inode.locks.level(self.lock))).unwrap_or(LockLevel::None)
    }

    /// True when a handle of this process holds RESERVED or above, or another process holds
    /// a lock on RESERVED_BYTE. Errors: `IoErr(CheckReservedLock)`.
    fn check_reserved_lock(&mut self) -> Result<bool> {
        self.with_locks(|inode, posix| Ok(inode.locks.reserved_held() || posix.reserved_held_elsewhere()?))
    }

    fn sector_size(&self) -> u32 {
        4096
    }

    fn device_characteristics(&self) -> DeviceCharacteristics {
        DeviceCharacteristics(DeviceCharacteristics::POWERSAFE_OVERWRITE)
    }
}

impl Drop for OsFile {
    /// Releases this handle's lock, parks its descriptor while other handles of the inode
    /// hold locks (closing it would drop their POSIX locks), and forgets the inode once no
    /// handle of this process has it open.
    fn drop(&mut self) {
        let (Some(file), Some(inode)) = (self.file.take(), self.inode.take()) else {
            return;
        };
        let mut inodes = lock_ignoring_poison(&INODES);
        {
            let mut state = lock_ignoring_poison(&inode);
            // An unlock error here has nowhere to go; the descriptor's fate below is the same.
            let _ = state.locks.release_with(self.lock, &mut PosixLock { fd: file.as_fd() });
            if state.locks.locked_handles() > 0 {
                state.deferred_closes.push(file);
            } else {
                drop(file);
                state.deferred_closes.clear();
            }
        }
        drop(inode);
        if inodes.get(&self.id).is_some_and(|entry| Arc::strong_count(entry) == 1) {
            inodes.remove(&self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(kind: FileKind, access: OpenAccess) -> OpenFlags {
        OpenFlags { kind, access, exclusive: false, delete_on_close: false }
    }

    fn temp_path(dir: &tempfile::TempDir, name: &str) -> String {
        dir.path().join(name).to_str().unwrap().to_string()
    }

    /// Locked handles, handles and parked descriptors of this process on `path`'s inode.
    fn inode_state(path: &str) -> Option<(usize, usize, usize)> {
        let meta = std::fs::metadata(path).ok()?;
        let id = FileId { dev: meta.dev(), ino: meta.ino() };
        let inodes = lock_ignoring_poison(&INODES);
        let inode = lock_ignoring_poison(inodes.get(&id)?);
        Some((inode.locks.locked_handles(), inode.locks.handle_count(), inode.deferred_closes.len()))
    }

    #[test]
    fn read_write_truncate_size_sync() {
        let dir = tempfile::tempdir().unwrap();
        let path = temp_path(&dir, "a.db");
        let vfs = OsVfs::new();
        let mut f = vfs.open(&path, OpenFlags::main_db()).unwrap();
        f.write_at(b"hello", 3).unwrap();
        assert_eq!(f.size().unwrap(), 8);
        let mut buf = [0xffu8; 10];
        assert_eq!(f.read_at(&mut buf, 0).unwrap(), ReadOutcome::Short { bytes_read: 8 });
        assert_eq!(&buf, b"\0\0\0hello\0\0");
        let mut buf = [0u8; 2];
        assert_eq!(f.read_at(&mut buf, 3).unwrap(), ReadOutcome::Full);
        assert_eq!(&buf, b"he");
        f.sync(SyncFlags::FULL).unwrap();
        f.sync(SyncFlags { full: false, data_only: true }).unwrap();
        f.truncate(4).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"\0\0\0h");
        assert_eq!(f.sector_size(), 4096);
        assert!(f.device_characteristics().contains(DeviceCharacteristics::POWERSAFE_OVERWRITE));
    }

    #[test]
    fn open_errors_are_cant_open() {
        let dir = tempfile::tempdir().unwrap();
        let path = temp_path(&dir, "missing.db");
        let vfs = OsVfs::new();
        for access in [OpenAccess::ReadOnly, OpenAccess::ReadWrite] {
            let err = vfs.open(&path, flags(FileKind::MainDb, access)).err().unwrap();
            assert_eq!(err.code(), ErrorCode::CantOpen);
        }
        let mut exclusive = flags(FileKind::MainJournal, OpenAccess::ReadWriteCreate);
        exclusive.exclusive = true;
        drop(vfs.open(&path, exclusive).unwrap());
        let err = vfs.open(&path, exclusive).err().unwrap();
        assert_eq!(err.code(), ErrorCode::CantOpen);
        let dir_path = dir.path().to_str().unwrap();
        let err = vfs.open(dir_path, flags(FileKind::MainDb, OpenAccess::ReadOnly)).err().unwrap();
        assert_eq!(err.code(), ErrorCode::CantOpen);
    }

    #[test]
    fn read_only_handle_write_is_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = temp_path(&dir, "ro.db");
        std::fs::write(&path, b"abc").unwrap();
        let mut f = OsVfs::new().open(&path, flags(FileKind::MainDb, OpenAccess::ReadOnly)).unwrap();
        let err = f.write_at(b"x", 0).unwrap_err();
        assert_eq!(err.extended_code(), IoErrorKind::Write.extended_code());
    }

    #[test]
    fn delete_access_and_delete_on_close() {
        let dir = tempfile::tempdir().unwrap();
        let path = temp_path(&dir, "j");
        let vfs = OsVfs::new();
        vfs.delete(&path, true).unwrap(); // missing: not an error
        assert!(!vfs.access(&path, AccessCheck::Exists).unwrap());
        drop(vfs.open(&path, OpenFlags::main_db()).unwrap());
        // SQLite's rule: an empty regular file does not "exist".
        assert!(!vfs.access(&path, AccessCheck::Exists).unwrap());
        assert!(vfs.access(&path, AccessCheck::ReadWrite).unwrap());
        std::fs::write(&path, b"x").unwrap();
        assert!(vfs.access(&path, AccessCheck::Exists).unwrap());
        assert!(vfs.access(&path, AccessCheck::Read).unwrap());
        vfs.delete(&path, true).unwrap();
        assert!(!Path::new(&path).exists());

        let mut temp = flags(FileKind::TempDb, OpenAccess::ReadWriteCreate);
        temp.delete_on_close = true;
        let mut f = vfs.open(&path, temp).unwrap();
        f.write_at(b"still readable", 0).unwrap();
        assert!(!Path::new(&path).exists());
        let mut buf = [0u8; 5];
        f.read_at(&mut buf, 0).unwrap();
        assert_eq!(&buf, b"still");
    }

    #[test]
    fn full_path_is_absolute() {
        let dir = tempfile::tempdir().unwrap();
        let vfs = OsVfs::new();
        let path = temp_path(&dir, "x.db");
        let full = vfs.full_path(&path).unwrap();
        assert!(full.starts_with('/') && full.ends_with("/x.db"));
        assert!(vfs.full_path("rel.db").unwrap().starts_with('/'));
    }

    #[test]
    fn time_and_randomness_come_from_the_os() {
        let vfs = OsVfs::new();
        // 2020-01-01 in Julian ms; the clock is past it.
        assert!(vfs.current_time_ms() > UNIX_EPOCH_JULIAN_MS + 1_577_836_800_000);
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        vfs.randomness(&mut a);
        vfs.randomness(&mut b);
        assert_ne!(a, b);
        assert_eq!(vfs.sleep(1), 1);
    }

    #[test]
    fn disk_full_maps_to_full() {
        let enospc = io::Error::from_raw_os_error(libc::ENOSPC);
        assert_eq!(io_failure(IoErrorKind::Write, "p", &enospc).code(), ErrorCode::Full);
        let eio = io::Error::from_raw_os_error(libc::EIO);
        let err = io_failure(IoErrorKind::Write, "p", &eio);
        assert_eq!(err.extended_code(), IoErrorKind::Write.extended_code());
        assert!(lock_failure(IoErrorKind::Lock, Errno::EAGAIN).is_busy());
        assert_eq!(lock_failure(IoErrorKind::Lock, Errno::EIO).extended_code(), IoErrorKind::Lock.extended_code());
    }

    #[test]
    fn handles_in_one_process_exclude_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let path = temp_path(&dir, "db");
        let vfs = OsVfs::new();
        let a = vfs.open(&path, OpenFlags::main_db()).unwrap();
        let b = vfs.open(&path, OpenFlags::main_db()).unwrap();
        crate::vfs::conformance::two_handles_exclude_each_other(a, b, |mut a| a.unlock(LockLevel::None).unwrap());
    }

    #[test]
    fn close_while_locked_parks_the_descriptor_until_unlock() {
        let dir = tempfile::tempdir().unwrap();
        let path = temp_path(&dir, "db");
        let vfs = OsVfs::new();
        let mut a = vfs.open(&path, OpenFlags::main_db()).unwrap();
        a.lock(LockLevel::Shared).unwrap();
        let b = vfs.open(&path, OpenFlags::main_db()).unwrap();
        assert_eq!(inode_state(&path), Some((1, 2, 0)));
        drop(b);
        assert_eq!(inode_state(&path), Some((1, 1, 1)));
        a.unlock(LockLevel::None).unwrap();
        assert_eq!(inode_state(&path), Some((0, 1, 0)));
        drop(a);
        assert_eq!(inode_state(&path), None);
    }
}
