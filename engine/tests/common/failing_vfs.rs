//! A MemVfs that fails one write on demand, for tests of what an I/O error undoes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use touchstone_engine::error::{Error, IoErrorKind, Result};
use touchstone_engine::vfs::{
    AccessCheck, DeviceCharacteristics, LockLevel, MemVfs, OpenFlags, ReadOutcome, SyncFlags, Vfs, VfsFile,
};

/// A MemVfs whose counted writes fail the one that `countdown` counts down to (1: the next
/// counted write fails; 0: none does), with SQLITE_IOERR_WRITE; the countdown disarms after
/// failing once. Every write of every file counts, or with `journal_only` those of rollback
/// journals only.
#[derive(Clone)]
pub struct FailingVfs {
    pub inner: MemVfs,
    pub countdown: Arc<AtomicU64>,
    pub journal_only: bool,
}

impl FailingVfs {
    /// A fresh MemVfs, disarmed, failing writes of any file (`journal_only` false) or of
    /// journals only; returns the VFS and its countdown.
    pub fn new(journal_only: bool) -> (FailingVfs, Arc<AtomicU64>) {
        let countdown = Arc::new(AtomicU64::new(0));
        (FailingVfs { inner: MemVfs::new(), countdown: countdown.clone(), journal_only }, countdown)
    }
}

/// A counted file of a [`FailingVfs`].
struct FailingFile {
    inner: Box<dyn VfsFile>,
    countdown: Arc<AtomicU64>,
}

impl Vfs for FailingVfs {
    fn name(&self) -> &str {
        "failing"
    }
    /// Opens through the MemVfs; a counted file through a [`FailingFile`].
    fn open(&self, path: &str, flags: OpenFlags) -> Result<Box<dyn VfsFile>> {
        let inner = self.inner.open(path, flags)?;
        if self.journal_only && !path.ends_with("-journal") {
            return Ok(inner);
        }
        Ok(Box::new(FailingFile { inner, countdown: self.countdown.clone() }))
    }
    fn delete(&self, path: &str, sync_dir: bool) -> Result<()> {
        self.inner.delete(path, sync_dir)
    }
    fn access(&self, path: &str, check: AccessCheck) -> Result<bool> {
        self.inner.access(path, check)
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

impl VfsFile for FailingFile {
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> Result<ReadOutcome> {
        self.inner.read_at(buf, offset)
    }
    /// Fails when the countdown reaches this write (and disarms), else writes through.
    fn write_at(&mut self, buf: &[u8], offset: u64) -> Result<()> {
        let left = self.countdown.load(Ordering::SeqCst);
        if left > 0 {
            self.countdown.store(left - 1, Ordering::SeqCst);
            if left == 1 {
                return Err(Error::io(IoErrorKind::Write, "injected write error"));
            }
        }
        self.inner.write_at(buf, offset)
    }
    fn truncate(&mut self, size_bytes: u64) -> Result<()> {
        self.inner.truncate(size_bytes)
    }
    fn sync(&mut self, flags: SyncFlags) -> Result<()> {
        self.inner.sync(flags)
    }
    fn size(&mut self) -> Result<u64> {
        self.inner.size()
    }
    fn lock(&mut self, level: LockLevel) -> Result<()> {
        self.inner.lock(level)
    }
    fn unlock(&mut self, level: LockLevel) -> Result<()> {
        self.inner.unlock(level)
    }
    fn lock_level(&self) -> LockLevel {
        self.inner.lock_level()
    }
    fn check_reserved_lock(&mut self) -> Result<bool> {
        self.inner.check_reserved_lock()
    }
    fn sector_size(&self) -> u32 {
        self.inner.sector_size()
    }
    fn device_characteristics(&self) -> DeviceCharacteristics {
        self.inner.device_characteristics()
    }
}
