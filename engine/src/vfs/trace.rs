//! `TraceVfs`: wraps any Vfs and logs every file call, for tests that assert I/O order.
//!
//! Every call on the Vfs (open, delete, access) and on the files it opens (read, write,
//! truncate, sync, size, lock, unlock, check-reserved-lock, close) appends a [`TraceEvent`]
//! to a [`TraceLog`] shared by the Vfs and all its files. Time, sleep and randomness pass
//! through unlogged.
//!
//! Pager tests assert the exact order of journal writes, database writes and syncs of a
//! commit through [`TraceLog::durability_ops`], which renders only the calls that change what
//! is on disk as compact lines: `"write journal off=0 len=512"`, `"sync journal FULL"`,
//! `"write db off=4096 len=4096"`, `"truncate journal size=0"`, `"delete journal"`.
//! A failed call carries its error: `"lock db RESERVED -> Busy"`.

use crate::error::{ErrorCode, Result};
use crate::vfs::{
    AccessCheck, DeviceCharacteristics, FileKind, LockLevel, OpenAccess, OpenFlags, ReadOutcome, ShmRegion, SyncFlags,
    Vfs, VfsFile,
};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

/// One call, as the trace records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TraceOp {
    Open { flags: OpenFlags },
    Read { offset: u64, len_bytes: u64 },
    Write { offset: u64, len_bytes: u64 },
    Truncate { size_bytes: u64 },
    Sync { flags: SyncFlags },
    Size,
    Lock { level: LockLevel },
    Unlock { level: LockLevel },
    CheckReservedLock,
    Delete { sync_dir: bool },
    Access { check: AccessCheck },
    Close,
}

/// One logged call: on which file, what, and whether it succeeded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    /// The path as the caller passed it.
    pub path: String,
    /// The kind the file was opened as; for delete and access, the kind of the last open
    /// of that path through this Vfs, `None` if it was never opened.
    pub kind: Option<FileKind>,
    pub op: TraceOp,
    /// The error code of a failed call, `None` on success.
    pub error: Option<ErrorCode>,
}

impl TraceEvent {
    /// True when the call succeeded.
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
    }

    /// True for the calls that change what is on disk: write, truncate, sync, delete.
    pub fn changes_disk(&self) -> bool {
        matches!(
            self.op,
            TraceOp::Write { .. } | TraceOp::Truncate { .. } | TraceOp::Sync { .. } | TraceOp::Delete { .. }
        )
    }

    /// The file's short name in compact lines: "db", "journal", … from its kind, else the
    /// last component of its path.
    pub fn file_label(&self) -> &str {
        match self.kind {
            Some(FileKind::MainDb) => "db",
            Some(FileKind::MainJournal) => "journal",
            Some(FileKind::TempDb) => "temp-db",
            Some(FileKind::TempJournal) => "temp-journal",
            Some(FileKind::SubJournal) => "subjournal",
            Some(FileKind::SuperJournal) => "super-journal",
            Some(FileKind::Wal) => "wal",
            None => self.path.rsplit('/').next().unwrap_or(&self.path),
        }
    }
}

/// Renders the event as one compact line, e.g. `"write db off=4096 len=4096"`.
impl fmt::Display for TraceEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = self.file_label();
        match self.op {
            TraceOp::Open { flags } => {
                let access = match flags.access {
                    OpenAccess::ReadOnly => "ro",
                    OpenAccess::ReadWrite => "rw",
                    OpenAccess::ReadWriteCreate => "rwc",
                };
                write!(f, "open {file} {access}")?;
                if flags.exclusive {
                    write!(f, " exclusive")?;
                }
                if flags.delete_on_close {
                    write!(f, " delete-on-close")?;
                }
            }
            TraceOp::Read { offset, len_bytes } => write!(f, "read {file} off={offset} len={len_bytes}")?,
            TraceOp::Write { offset, len_bytes } => write!(f, "write {file} off={offset} len={len_bytes}")?,
            TraceOp::Truncate { size_bytes } => write!(f, "truncate {file} size={size_bytes}")?,
            TraceOp::Sync { flags } => {
                let strength = if flags.full { "FULL" } else { "NORMAL" };
                write!(f, "sync {file} {strength}")?;
                if flags.data_only {
                    write!(f, "|DATAONLY")?;
                }
            }
            TraceOp::Size => write!(f, "size {file}")?,
            TraceOp::Lock { level } => write!(f, "lock {file} {}", level_name(level))?,
            TraceOp::Unlock { level } => write!(f, "unlock {file} {}", level_name(level))?,
            TraceOp::CheckReservedLock => write!(f, "check-reserved {file}")?,
            TraceOp::Delete { sync_dir } => {
                write!(f, "delete {file}")?;
                if sync_dir {
                    write!(f, " sync-dir")?;
                }
            }
            TraceOp::Access { check } => {
                let check = match check {
                    AccessCheck::Exists => "EXISTS",
                    AccessCheck::Read => "READ",
                    AccessCheck::ReadWrite => "READWRITE",
                };
                write!(f, "access {file} {check}")?
            }
            TraceOp::Close => write!(f, "close {file}")?,
        }
        match self.error {
            Some(code) => write!(f, " -> {code:?}"),
            None => Ok(()),
        }
    }
}

/// SQLite's name of a lock level.
fn level_name(level: LockLevel) -> &'static str {
    match level {
        LockLevel::None => "NONE",
        LockLevel::Shared => "SHARED",
        LockLevel::Reserved => "RESERVED",
        LockLevel::Pending => "PENDING",
        LockLevel::Exclusive => "EXCLUSIVE",
    }
}

/// The event log shared by a [`TraceVfs`] and its files. Cloning shares the log.
#[derive(Clone, Debug, Default)]
pub struct TraceLog {
    events: Arc<Mutex<Vec<TraceEvent>>>,
}

impl TraceLog {
    /// Every event since the last clear, oldest first.
    pub fn events(&self) -> Vec<TraceEvent> {
        self.lock().clone()
    }

    /// Every event since the last clear, oldest first, and clears the log.
    pub fn take(&self) -> Vec<TraceEvent> {
        std::mem::take(&mut *self.lock())
    }

    /// Forgets every event.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The events that `keep` selects, as compact lines.
    pub fn lines(&self, keep: impl Fn(&TraceEvent) -> bool) -> Vec<String> {
        self.lock().iter().filter(|event| keep(event)).map(TraceEvent::to_string).collect()
    }

    /// Writes, truncates, syncs and deletes, as compact lines, in order.
    pub fn durability_ops(&self) -> Vec<String> {
        self.lines(TraceEvent::changes_disk)
    }

    fn push(&self, event: TraceEvent) {
        self.lock().push(event);
    }

    /// Locks the log, taking over a lock poisoned by a panicking test thread (each push is
    /// complete before anything can panic).
    fn lock(&self) -> MutexGuard<'_, Vec<TraceEvent>> {
        self.events.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A Vfs that logs every file call of the Vfs it wraps. Cloning shares inner Vfs and log.
#[derive(Clone)]
pub struct TraceVfs {
    inner: Arc<dyn Vfs>,
    name: String,
    log: TraceLog,
    /// Kind of the last open of each path, to label deletes and access checks.
    kinds: Arc<Mutex<BTreeMap<String, FileKind>>>,
}

impl fmt::Debug for TraceVfs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceVfs").field("name", &self.name).finish()
    }
}

impl TraceVfs {
    /// Wraps `inner` with a new, empty log.
    pub fn new(inner: Arc<dyn Vfs>) -> TraceVfs {
        let name = format!("trace({})", inner.name());
        TraceVfs { inner, name, log: TraceLog::default(), kinds: Arc::default() }
    }

    /// The shared log (a handle a test can keep after giving the Vfs away).
    pub fn log(&self) -> TraceLog {
        self.log.clone()
    }

    /// Shorthand for `self.log().events()`.
    pub fn events(&self) -> Vec<TraceEvent> {
        self.log.events()
    }

    /// Shorthand for `self.log().clear()`.
    pub fn clear(&self) {
        self.log.clear()
    }

    /// Shorthand for `self.log().durability_ops()`.
    pub fn durability_ops(&self) -> Vec<String> {
        self.log.durability_ops()
    }

    /// The kind `path` was last opened as through this Vfs.
    fn kind_of(&self, path: &str) -> Option<FileKind> {
        self.kinds.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get(path).copied()
    }

    /// Logs `op` on `path` with the outcome of `result`, and passes `result` on.
    fn record<T>(&self, path: &str, op: TraceOp, result: Result<T>) -> Result<T> {
        self.log.push(TraceEvent {
            path: path.to_string(),
            kind: self.kind_of(path),
            op,
            error: result.as_ref().err().map(|error| error.code()),
        });
        result
    }
}

impl Vfs for TraceVfs {
    fn name(&self) -> &str {
        &self.name
    }

    fn open(&self, path: &str, flags: OpenFlags) -> Result<Box<dyn VfsFile>> {
        self.kinds.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(path.to_string(), flags.kind);
        let opened = self.inner.open(path, flags);
        let inner = self.record(path, TraceOp::Open { flags }, opened)?;
        Ok(Box::new(TraceFile { inner, path: path.to_string(), kind: flags.kind, log: self.log.clone() }))
    }

    fn delete(&self, path: &str, sync_dir: bool) -> Result<()> {
        let deleted = self.inner.delete(path, sync_dir);
        self.record(path, TraceOp::Delete { sync_dir }, deleted)
    }

    fn access(&self, path: &str, check: AccessCheck) -> Result<bool> {
        let answer = self.inner.access(path, check);
        self.record(path, TraceOp::Access { check }, answer)
    }

    fn full_path(&self, path: &str) -> Result<String> {
        self.inner.full_path(path)
    }

    fn randomness(&self, buf: &mut [u8]) {
        self.inner.randomness(buf)
    }

    fn sleep(&self, duration_us: u64) -> u64 {
        self.inner.sleep(duration_us)
    }

    fn current_time_ms(&self) -> i64 {
        self.inner.current_time_ms()
    }
}

/// A file opened through a [`TraceVfs`]: forwards every call and logs it.
struct TraceFile {
    inner: Box<dyn VfsFile>,
    path: String,
    kind: FileKind,
    log: TraceLog,
}

impl TraceFile {
    /// Logs `op` with the outcome of `result`, and passes `result` on.
    fn record<T>(&self, op: TraceOp, result: Result<T>) -> Result<T> {
        self.log.push(TraceEvent {
            path: self.path.clone(),
            kind: Some(self.kind),
            op,
            error: result.as_ref().err().map(|error| error.code()),
        });
        result
    }
}

impl VfsFile for TraceFile {
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> Result<ReadOutcome> {
        let len_bytes = buf.len() as u64;
        let read = self.inner.read_at(buf, offset);
        self.record(TraceOp::Read { offset, len_bytes }, read)
    }

    fn write_at(&mut self, buf: &[u8], offset: u64) -> Result<()> {
        let len_bytes = buf.len() as u64;
        let written = self.inner.write_at(buf, offset);
        self.record(TraceOp::Write { offset, len_bytes }, written)
    }

    fn truncate(&mut self, size_bytes: u64) -> Result<()> {
        let truncated = self.inner.truncate(size_bytes);
        self.record(TraceOp::Truncate { size_bytes }, truncated)
    }

    fn sync(&mut self, flags: SyncFlags) -> Result<()> {
        let synced = self.inner.sync(flags);
        self.record(TraceOp::Sync { flags }, synced)
    }

    fn size(&mut self) -> Result<u64> {
        let size = self.inner.size();
        self.record(TraceOp::Size, size)
    }

    fn lock(&mut self, level: LockLevel) -> Result<()> {
        let locked = self.inner.lock(level);
        self.record(TraceOp::Lock { level }, locked)
    }

    fn unlock(&mut self, level: LockLevel) -> Result<()> {
        let unlocked = self.inner.unlock(level);
        self.record(TraceOp::Unlock { level }, unlocked)
    }

    fn lock_level(&self) -> LockLevel {
        self.inner.lock_level()
    }

    fn check_reserved_lock(&mut self) -> Result<bool> {
        let reserved = self.inner.check_reserved_lock();
        self.record(TraceOp::CheckReservedLock, reserved)
    }

    fn sector_size(&self) -> u32 {
        self.inner.sector_size()
    }

    fn device_characteristics(&self) -> DeviceCharacteristics {
        self.inner.device_characteristics()
    }

    fn shm_map(&mut self, region: u32, region_size: usize, extend: bool) -> Result<Option<ShmRegion>> {
        self.inner.shm_map(region, region_size, extend)
    }

    fn shm_lock(&mut self, offset: u32, count: u32, exclusive: bool, unlock: bool) -> Result<()> {
        self.inner.shm_lock(offset, count, exclusive, unlock)
    }

    fn shm_barrier(&mut self) {
        self.inner.shm_barrier()
    }

    fn shm_unmap(&mut self, delete: bool) -> Result<()> {
        self.inner.shm_unmap(delete)
    }
}

impl Drop for TraceFile {
    /// Logs the close; the inner file closes right after, as this handle's fields drop.
    fn drop(&mut self) {
        let closed: Result<()> = Ok(());
        let _ = self.record(TraceOp::Close, closed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::MemVfs;

    fn traced() -> (MemVfs, TraceVfs) {
        let mem = MemVfs::new();
        let trace = TraceVfs::new(Arc::new(mem.clone()));
        (mem, trace)
    }

    #[test]
    fn logs_a_commit_in_order_and_filters_durability_ops() {
        let (_mem, vfs) = traced();
        let mut db = vfs.open("/t.db", OpenFlags::main_db()).unwrap();
        db.lock(LockLevel::Shared).unwrap();
        let mut buf = [0u8; 100];
        db.read_at(&mut buf, 0).unwrap();
        db.lock(LockLevel::Reserved).unwrap();
        let mut journal = vfs.open("/t.db-journal", OpenFlags::main_journal(OpenAccess::ReadWriteCreate)).unwrap();
        journal.write_at(&[0; 512], 0).unwrap();
        journal.sync(SyncFlags::FULL).unwrap();
        db.lock(LockLevel::Exclusive).unwrap();
        db.write_at(&[1; 4096], 4096).unwrap();
        db.sync(SyncFlags { full: false, data_only: true }).unwrap();
        drop(journal);
        vfs.delete("/t.db-journal", false).unwrap();
        db.truncate(8192).unwrap();
        db.unlock(LockLevel::None).unwrap();

        assert_eq!(
            vfs.durability_ops(),
            vec![
                "write journal off=0 len=512",
                "sync journal FULL",
                "write db off=4096 len=4096",
                "sync db NORMAL|DATAONLY",
                "delete journal",
                "truncate db size=8192",
            ]
        );
        let all: Vec<String> = vfs.events().iter().map(ToString::to_string).collect();
        assert_eq!(
            all,
            vec![
                "open db rwc",
                "lock db SHARED",
                "read db off=0 len=100",
                "lock db RESERVED",
                "open journal rwc",
                "write journal off=0 len=512",
                "sync journal FULL",
                "lock db EXCLUSIVE",
                "write db off=4096 len=4096",
                "sync db NORMAL|DATAONLY",
                "close journal",
                "delete journal",
                "truncate db size=8192",
                "unlock db NONE",
            ]
        );
        vfs.clear();
        assert!(vfs.events().is_empty());
    }

    #[test]
    fn failures_are_logged_with_their_code() {
        let (_mem, vfs) = traced();
        let mut a = vfs.open("/db", OpenFlags::main_db()).unwrap();
        let mut b = vfs.open("/db", OpenFlags::main_db()).unwrap();
        a.lock(LockLevel::Shared).unwrap();
        a.lock(LockLevel::Reserved).unwrap();
        b.lock(LockLevel::Shared).unwrap();
        assert!(b.lock(LockLevel::Reserved).is_err());
        assert!(vfs.open("/missing", OpenFlags::main_journal(OpenAccess::ReadOnly)).is_err());
        let log = vfs.log();
        let failed = log.lines(|event| !event.succeeded());
        assert_eq!(failed, vec!["lock db RESERVED -> Busy", "open journal ro -> CantOpen"]);
        assert!(b.check_reserved_lock().unwrap());
        assert_eq!(log.take().last().map(|event| event.op), Some(TraceOp::CheckReservedLock));
        assert!(log.events().is_empty());
    }

    #[test]
    fn unknown_paths_are_labelled_by_file_name() {
        let (mem, vfs) = traced();
        mem.set_file_bytes("/dir/x-journal", b"j").unwrap();
        assert!(vfs.access("/dir/x-journal", AccessCheck::Exists).unwrap());
        vfs.delete("/dir/x-journal", true).unwrap();
        assert_eq!(vfs.log().lines(|_| true), vec!["access x-journal EXISTS", "delete x-journal sync-dir"]);
        assert_eq!(vfs.name(), "trace(mem)");
        assert_eq!(vfs.current_time_ms(), MemVfs::START_JULIAN_MS);
    }
}
