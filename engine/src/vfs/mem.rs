//! `MemVfs`: a whole file system in memory, deterministic, for tests.
//!
//! Every clone of a [`MemVfs`] is the same file system (the state is behind one `Arc`), so two
//! connections opened on clones of one `MemVfs` see the same files and exclude each other
//! through a [`LockTable`] per file, as two connections of one process do on a real disk.
//! Files behave like unix inodes: deleting a path while handles are open leaves those handles
//! working on the unlinked contents, and a new file created at the path is a different file
//! with its own locks.
//!
//! Time and randomness are deterministic: time starts at a fixed instant
//! ([`MemVfs::START_JULIAN_MS`]) and moves only when [`Vfs::sleep`] is called; randomness comes
//! from a SplitMix64 generator seeded at construction.
//!
//! Test helpers ([`MemVfs::file_bytes`], [`MemVfs::set_file_bytes`], [`MemVfs::file_paths`],
//! [`MemVfs::file_exists`]) let a test copy a database and its hot journal out of one
//! `MemVfs` and into another. An optional capacity makes writes past it fail with
//! `ErrorCode::Full`.

use crate::error::{Error, ErrorCode, IoErrorKind, Result};
use crate::vfs::locks::{LockHandle, LockTable};
use crate::vfs::{
    AccessCheck, DeviceCharacteristics, LockLevel, OpenAccess, OpenFlags, ReadOutcome, SyncFlags, Vfs, VfsFile,
};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// The seed of a `MemVfs` built without [`MemVfs::with_seed`].
const DEFAULT_SEED: u64 = 0x746f_7563_6873_746f;

/// An in-memory file system. Cloning shares the file system.
#[derive(Clone, Debug)]
pub struct MemVfs {
    world: Arc<Mutex<MemWorld>>,
}

/// Identity of a file's contents (an inode); never reused within one `MemVfs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct NodeId(u64);

/// Everything a `MemVfs` and its open files share.
#[derive(Debug)]
struct MemWorld {
    /// Directory: normalized absolute path → file.
    paths: BTreeMap<String, NodeId>,
    /// Every file that has a path or an open handle.
    nodes: BTreeMap<NodeId, Node>,
    next_node: u64,
    sector_size_bytes: u32,
    device: DeviceCharacteristics,
    /// Total bytes all files may hold; `None` for no limit.
    capacity_bytes: Option<u64>,
    rng: SplitMix64,
    /// Virtual microseconds slept since [`MemVfs::START_JULIAN_MS`].
    elapsed_us: u64,
}

/// One file's contents, locks and liveness.
#[derive(Debug, Default)]
struct Node {
    data: Vec<u8>,
    locks: LockTable,
    open_handles: usize,
    /// True while some path names this node.
    linked: bool,
}

impl Default for MemVfs {
    fn default() -> MemVfs {
        MemVfs::new()
    }
}

impl MemVfs {
    /// 2000-01-01T00:00:00Z in milliseconds since the Julian epoch: the virtual time at which
    /// every `MemVfs` starts.
    pub const START_JULIAN_MS: i64 = 210_866_760_000_000 + 946_684_800_000;

    /// An empty file system: sector size 4096, POWERSAFE_OVERWRITE (the defaults of SQLite's
    /// unix VFS), no capacity limit, the default random seed.
    pub fn new() -> MemVfs {
        MemVfs {
            world: Arc::new(Mutex::new(MemWorld {
                paths: BTreeMap::new(),
                nodes: BTreeMap::new(),
                next_node: 0,
                sector_size_bytes: 4096,
                device: DeviceCharacteristics(DeviceCharacteristics::POWERSAFE_OVERWRITE),
                capacity_bytes: None,
                rng: SplitMix64::new(DEFAULT_SEED),
                elapsed_us: 0,
            })),
        }
    }

    /// Restarts the randomness of this file system from `seed`.
    pub fn with_seed(self, seed: u64) -> MemVfs {
        self.world().rng = SplitMix64::new(seed);
        self
    }

    /// Sets the sector size that files opened from now on report.
    /// Errors: `Misuse` unless `sector_size_bytes` is a power of two from 512 to 65536.
    pub fn with_sector_size(self, sector_size_bytes: u32) -> Result<MemVfs> {
        if !(512..=65536).contains(&sector_size_bytes) || !sector_size_bytes.is_power_of_two() {
            return Err(Error::misuse(format!(
                "sector size {sector_size_bytes} is not a power of two from 512 to 65536"
            )));
        }
        self.world().sector_size_bytes = sector_size_bytes;
        Ok(self)
    }

    /// Sets the device characteristics that files opened from now on report.
    pub fn with_device_characteristics(self, device: DeviceCharacteristics) -> MemVfs {
        self.world().device = device;
        self
    }

    /// Limits the total size of all files to `capacity_bytes` (see [`MemVfs::set_capacity`]).
    pub fn with_capacity_bytes(self, capacity_bytes: u64) -> MemVfs {
        self.set_capacity(Some(capacity_bytes));
        self
    }

    /// Sets (or with `None` removes) the limit on the total size of all files, unlinked but
    /// open ones included. A write or truncate that would grow the total past it fails with
    /// `ErrorCode::Full` and changes nothing; files already past it stay as they are.
    pub fn set_capacity(&self, capacity_bytes: Option<u64>) {
        self.world().capacity_bytes = capacity_bytes;
    }

    /// Total bytes held by all files, unlinked but open ones included.
    pub fn used_bytes(&self) -> u64 {
        self.world().used_bytes()
    }

    /// The whole contents of the file at `path`, or `None` when there is none.
    pub fn file_bytes(&self, path: &str) -> Option<Vec<u8>> {
        let world = self.world();
        let key = normalize_path(path).ok()?;
        let id = world.paths.get(&key)?;
        world.nodes.get(id).map(|node| node.data.clone())
    }

    /// Makes the file at `path` hold exactly `bytes`, creating it if needed. Open handles of
    /// an existing file see the new contents. The capacity limit does not apply (test setup).
    /// Errors: `CantOpen` for a path that names no file (empty, or the root).
    pub fn set_file_bytes(&self, path: &str, bytes: &[u8]) -> Result<()> {
        let key = normalize_path(path)?;
        let mut world = self.world();
        let id = world.lookup_or_create(&key);
        world.node_mut(id)?.data = bytes.to_vec();
        Ok(())
    }

    /// The normalized paths of every file, in order.
    pub fn file_paths(&self) -> Vec<String> {
        self.world().paths.keys().cloned().collect()
    }

    /// True when a file exists at `path` (even an empty one, unlike `access(Exists)`).
    pub fn file_exists(&self, path: &str) -> bool {
        normalize_path(path).is_ok_and(|key| self.world().paths.contains_key(&key))
    }

    /// Locks the shared state; a poisoned lock (a panicking test thread) is taken over.
    fn world(&self) -> MutexGuard<'_, MemWorld> {
        lock_world(&self.world)
    }
}

impl Vfs for MemVfs {
    fn name(&self) -> &str {
        "mem"
    }

    /// Opens `path` (normalized) as `flags` ask. Errors: `CantOpen` when the file is missing
    /// and may not be created, exists and must be created exclusively, or the path is empty.
    fn open(&self, path: &str, flags: OpenFlags) -> Result<Box<dyn VfsFile>> {
        let key = normalize_path(path)?;
        let mut world = self.world();
        let existing = world.paths.get(&key).copied();
        let id = match (existing, flags.access) {
            (Some(_), OpenAccess::ReadWriteCreate) if flags.exclusive => {
                return Err(Error::new(ErrorCode::CantOpen, format!("{key}: exists and exclusive creation was asked")));
            }
            (Some(id), _) => id,
            (None, OpenAccess::ReadWriteCreate) => world.lookup_or_create(&key),
            (None, _) => {
                return Err(Error::new(ErrorCode::CantOpen, format!("{key}: no such file")));
            }
        };
        let (sector_size_bytes, device) = (world.sector_size_bytes, world.device);
        let node = world.node_mut(id)?;
        node.open_handles += 1;
        let lock = node.locks.register();
        Ok(Box::new(MemFile {
            world: Arc::clone(&self.world),
            node: id,
            path: key,
            lock,
            read_only: flags.access == OpenAccess::ReadOnly,
            delete_on_close: flags.delete_on_close,
            sector_size_bytes,
            device,
        }))
    }

    /// Unlinks `path`; open handles keep the contents. A missing file is not an error.
    fn delete(&self, path: &str, _sync_dir: bool) -> Result<()> {
        let key = normalize_path(path)?;
        self.world().unlink(&key);
        Ok(())
    }

    /// As SQLite's unix VFS: `Exists` is true only for a non-empty file (a zero-length
    /// journal is no journal); `Read` and `ReadWrite` are true for any existing file.
    fn access(&self, path: &str, check: AccessCheck) -> Result<bool> {
        let Ok(key) = normalize_path(path) else {
            return Ok(false);
        };
        let world = self.world();
        let node = world.paths.get(&key).and_then(|id| world.nodes.get(id));
        Ok(match (node, check) {
            (None, _) => false,
            (Some(node), AccessCheck::Exists) => !node.data.is_empty(),
            (Some(_), AccessCheck::Read | AccessCheck::ReadWrite) => true,
        })
    }

    /// `path` made absolute ("/" prefixed) with "." , ".." and repeated "/" resolved.
    fn full_path(&self, path: &str) -> Result<String> {
        normalize_path(path)
    }

    fn randomness(&self, buf: &mut [u8]) {
        self.world().rng.fill(buf);
    }

    /// Advances virtual time by `duration_us`; nothing waits.
    fn sleep(&self, duration_us: u64) -> u64 {
        let mut world = self.world();
        world.elapsed_us = world.elapsed_us.saturating_add(duration_us);
        duration_us
    }

    fn current_time_ms(&self) -> i64 {
        let elapsed_ms = i64::try_from(self.world().elapsed_us / 1000).unwrap_or(i64::MAX);
        MemVfs::START_JULIAN_MS.saturating_add(elapsed_ms)
    }
}

impl MemWorld {
    /// The node at `key`, created empty and linked if there is none.
    fn lookup_or_create(&mut self, key: &str) -> NodeId {
        if let Some(id) = self.paths.get(key) {
            return *id;
        }
        let id = NodeId(self.next_node);
        self.next_node += 1;
        self.nodes.insert(id, Node { linked: true, ..Node::default() });
        self.paths.insert(key.to_string(), id);
        id
    }

    /// The node `id`. Errors: `Internal` if it is gone (a handle outlives its node: a bug).
    fn node_mut(&mut self, id: NodeId) -> Result<&mut Node> {
        self.nodes.get_mut(&id).ok_or_else(|| Error::internal(format!("mem file {id:?} vanished")))
    }

    /// Removes the path `key`; its node goes too unless a handle still has it open.
    fn unlink(&mut self, key: &str) {
        if let Some(id) = self.paths.remove(key) {
            let orphan = match self.nodes.get_mut(&id) {
                Some(node) => {
                    node.linked = false;
                    node.open_handles == 0
                }
                None => false,
            };
            if orphan {
                self.nodes.remove(&id);
            }
        }
    }

    fn used_bytes(&self) -> u64 {
        self.nodes.values().map(|node| node.data.len() as u64).sum()
    }

    /// Checks that files may grow by `growth_bytes` in total. Errors: `Full` past capacity.
    fn check_growth(&self, growth_bytes: u64) -> Result<()> {
        match self.capacity_bytes {
            Some(capacity) if self.used_bytes().saturating_add(growth_bytes) > capacity => {
                Err(Error::full(format!("mem file system full (capacity {capacity} bytes)")))
            }
            _ => Ok(()),
        }
    }
}

/// A handle on a `MemVfs` file. Dropping it releases its lock and, with delete-on-close,
/// unlinks its path.
#[derive(Debug)]
struct MemFile {
    world: Arc<Mutex<MemWorld>>,
    node: NodeId,
    /// The normalized path the file was opened under.
    path: String,
    lock: LockHandle,
    read_only: bool,
    delete_on_close: bool,
    sector_size_bytes: u32,
    device: DeviceCharacteristics,
}

impl MemFile {
    /// Runs `f` on this handle's node under the world lock.
    fn with_node<T>(&self, f: impl FnOnce(&mut Node) -> Result<T>) -> Result<T> {
        let mut world = lock_world(&self.world);
        f(world.node_mut(self.node)?)
    }

    /// Errors with `IoErr` of `kind` if the handle was opened read-only.
    fn check_writable(&self, kind: IoErrorKind) -> Result<()> {
        if self.read_only { Err(Error::io(kind, format!("{}: opened read-only", self.path))) } else { Ok(()) }
    }

    /// Sets the node's length to `size_bytes`, zero-filling growth, within the capacity.
    /// Errors: `Full` past capacity or when memory cannot be had.
    fn resize(world: &mut MemWorld, id: NodeId, size_bytes: u64) -> Result<()> {
        let new_len =
            usize::try_from(size_bytes).map_err(|_| Error::full(format!("size {size_bytes} exceeds memory")))?;
        let old_len = world.node_mut(id)?.data.len();
        if new_len > old_len {
            world.check_growth((new_len - old_len) as u64)?;
            let data = &mut world.node_mut(id)?.data;
            data.try_reserve(new_len - old_len)
                .map_err(|_| Error::full(format!("size {size_bytes} exceeds memory")))?;
        }
        world.node_mut(id)?.data.resize(new_len, 0);
        Ok(())
    }
}

impl VfsFile for MemFile {
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> Result<ReadOutcome> {
        self.with_node(|node| {
            let start = usize::try_from(offset).unwrap_or(usize::MAX);
            let available = node.data.get(start..).unwrap_or(&[]);
            let bytes_read = available.len().min(buf.len());
            buf[..bytes_read].copy_from_slice(&available[..bytes_read]);
            buf[bytes_read..].fill(0);
            Ok(if bytes_read == buf.len() { ReadOutcome::Full } else { ReadOutcome::Short { bytes_read } })
        })
    }

    fn write_at(&mut self, buf: &[u8], offset: u64) -> Result<()> {
        self.check_writable(IoErrorKind::Write)?;
        let end = offset
            .checked_add(buf.len() as u64)
            .ok_or_else(|| Error::io(IoErrorKind::Write, "write past the largest offset"))?;
        let mut world = lock_world(&self.world);
        if end > world.node_mut(self.node)?.data.len() as u64 {
            MemFile::resize(&mut world, self.node, end)?;
        }
        let data = &mut world.node_mut(self.node)?.data;
        // `end` fits in usize: the resize above made the data at least that long.
        let start = usize::try_from(offset).map_err(|_| Error::internal("offset vs length"))?;
        data[start..start + buf.len()].copy_from_slice(buf);
        Ok(())
    }

    fn truncate(&mut self, size_bytes: u64) -> Result<()> {
        self.check_writable(IoErrorKind::Truncate)?;
        let mut world = lock_world(&self.world);
        MemFile::resize(&mut world, self.node, size_bytes)
    }

    /// Memory is as durable as it gets here: nothing to do.
    fn sync(&mut self, _flags: SyncFlags) -> Result<()> {
        Ok(())
    }

    fn size(&mut self) -> Result<u64> {
        self.with_node(|node| Ok(node.data.len() as u64))
    }

    fn lock(&mut self, level: LockLevel) -> Result<()> {
        let lock = self.lock;
        self.with_node(|node| node.locks.lock(lock, level))
    }

    fn unlock(&mut self, level: LockLevel) -> Result<()> {
        let lock = self.lock;
        self.with_node(|node| node.locks.unlock(lock, level))
    }

    fn lock_level(&self) -> LockLevel {
        self.with_node(|node| Ok(node.locks.level(self.lock))).unwrap_or(LockLevel::None)
    }

    fn check_reserved_lock(&mut self) -> Result<bool> {
        self.with_node(|node| Ok(node.locks.reserved_held()))
    }

    fn sector_size(&self) -> u32 {
        self.sector_size_bytes
    }

    fn device_characteristics(&self) -> DeviceCharacteristics {
        self.device
    }
}

impl Drop for MemFile {
    /// Releases the lock, unlinks a delete-on-close file if its path still names it, and
    /// frees the contents once no path and no handle refers to them.
    fn drop(&mut self) {
        let mut world = lock_world(&self.world);
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

/// Locks `world`, taking over a lock poisoned by a panicking thread (the state is a plain
/// map whose every update completes before anything can panic).
fn lock_world(world: &Mutex<MemWorld>) -> MutexGuard<'_, MemWorld> {
    world.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `path` as an absolute path with "." and empty components dropped and ".." applied (never
/// above the root). Errors: `CantOpen` when nothing but the root remains. Shared with the
/// simulator's `SimVfs`, whose paths must be the same as `MemVfs`'s.
pub fn normalize_path(path: &str) -> Result<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            name => parts.push(name),
        }
    }
    if parts.is_empty() {
        return Err(Error::new(ErrorCode::CantOpen, format!("{path:?} names no file")));
    }
    Ok(format!("/{}", parts.join("/")))
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, well-mixed generator for xRandomness.
#[derive(Clone, Debug)]
struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    fn new(seed: u64) -> SplitMix64 {
        SplitMix64 { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::FileKind;

    fn create(vfs: &MemVfs, path: &str) -> Box<dyn VfsFile> {
        vfs.open(path, OpenFlags::main_db()).unwrap()
    }

    fn flags(access: OpenAccess) -> OpenFlags {
        OpenFlags { kind: FileKind::MainDb, access, exclusive: false, delete_on_close: false }
    }

    #[test]
    fn write_then_read_back_and_short_read_zero_fills() {
        let vfs = MemVfs::new();
        let mut f = create(&vfs, "a.db");
        f.write_at(b"hello", 2).unwrap();
        assert_eq!(f.size().unwrap(), 7);
        let mut buf = [0xffu8; 10];
        assert_eq!(f.read_at(&mut buf, 0).unwrap(), ReadOutcome::Short { bytes_read: 7 });
        assert_eq!(&buf, b"\0\0hello\0\0\0");
        let mut buf = [0xffu8; 3];
        assert_eq!(f.read_at(&mut buf, 4).unwrap(), ReadOutcome::Full);
        assert_eq!(&buf, b"llo");
        assert_eq!(f.read_at(&mut buf, u64::MAX).unwrap(), ReadOutcome::Short { bytes_read: 0 });
        assert_eq!(buf, [0; 3]);
    }

    #[test]
    fn truncate_shrinks_and_extends_with_zeros() {
        let vfs = MemVfs::new();
        let mut f = create(&vfs, "/a.db");
        f.write_at(&[7; 100], 0).unwrap();
        f.truncate(10).unwrap();
        f.truncate(20).unwrap();
        let mut expected = vec![7u8; 10];
        expected.resize(20, 0);
        assert_eq!(vfs.file_bytes("/a.db"), Some(expected));
    }

    #[test]
    fn clones_share_files_and_paths_are_normalized() {
        let vfs = MemVfs::new();
        let other = vfs.clone();
        create(&vfs, "dir/./x/../a.db").write_at(b"x", 0).unwrap();
        assert_eq!(other.file_paths(), vec!["/dir/a.db".to_string()]);
        assert!(other.file_exists("//dir/a.db"));
        assert_eq!(other.full_path("dir/../dir/a.db").unwrap(), "/dir/a.db");
        assert_eq!(other.full_path("/..").unwrap_err().code(), ErrorCode::CantOpen);
    }

    #[test]
    fn open_without_create_and_exclusive_create() {
        let vfs = MemVfs::new();
        for access in [OpenAccess::ReadOnly, OpenAccess::ReadWrite] {
            let err = vfs.open("/missing", flags(access)).err().unwrap();
            assert_eq!(err.code(), ErrorCode::CantOpen);
        }
        let mut excl = flags(OpenAccess::ReadWriteCreate);
        excl.exclusive = true;
        drop(vfs.open("/j", excl).unwrap());
        assert_eq!(vfs.open("/j", excl).err().unwrap().code(), ErrorCode::CantOpen);
    }

    #[test]
    fn read_only_handle_refuses_writes() {
        let vfs = MemVfs::new();
        vfs.set_file_bytes("/a", b"abc").unwrap();
        let mut f = vfs.open("/a", flags(OpenAccess::ReadOnly)).unwrap();
        let err = f.write_at(b"x", 0).unwrap_err();
        assert_eq!(err.code(), ErrorCode::IoErr);
        assert_eq!(err.extended_code(), IoErrorKind::Write.extended_code());
        assert!(f.truncate(0).is_err());
        assert_eq!(vfs.file_bytes("/a").unwrap(), b"abc");
    }

    #[test]
    fn delete_keeps_open_handles_working_and_new_file_is_distinct() {
        let vfs = MemVfs::new();
        let mut old = create(&vfs, "/j");
        old.write_at(b"old", 0).unwrap();
        old.lock(LockLevel::Shared).unwrap();
        old.lock(LockLevel::Reserved).unwrap();
        vfs.delete("/j", true).unwrap();
        vfs.delete("/j", true).unwrap(); // missing: not an error
        assert!(!vfs.file_exists("/j"));
        let mut buf = [0u8; 3];
        old.read_at(&mut buf, 0).unwrap();
        assert_eq!(&buf, b"old");
        let mut new = create(&vfs, "/j");
        assert_eq!(new.size().unwrap(), 0);
        assert!(!new.check_reserved_lock().unwrap());
        new.lock(LockLevel::Shared).unwrap();
        new.lock(LockLevel::Reserved).unwrap();
        assert_eq!(vfs.used_bytes(), 3);
        drop(old);
        assert_eq!(vfs.used_bytes(), 0);
    }

    #[test]
    fn delete_on_close_unlinks_at_drop() {
        let vfs = MemVfs::new();
        let mut f = vfs
            .open(
                "/tmp1",
                OpenFlags {
                    kind: FileKind::TempDb,
                    access: OpenAccess::ReadWriteCreate,
                    exclusive: true,
                    delete_on_close: true,
                },
            )
            .unwrap();
        f.write_at(b"t", 0).unwrap();
        assert!(vfs.file_exists("/tmp1"));
        drop(f);
        assert!(!vfs.file_exists("/tmp1"));
        assert_eq!(vfs.used_bytes(), 0);
    }

    #[test]
    fn access_follows_sqlite_unix_rules() {
        let vfs = MemVfs::new();
        assert!(!vfs.access("/j", AccessCheck::Exists).unwrap());
        drop(create(&vfs, "/j"));
        // An empty file does not "exist" for SQLite (a zero-length journal is not hot).
        assert!(!vfs.access("/j", AccessCheck::Exists).unwrap());
        assert!(vfs.access("/j", AccessCheck::ReadWrite).unwrap());
        vfs.set_file_bytes("/j", b"x").unwrap();
        assert!(vfs.access("/j", AccessCheck::Exists).unwrap());
        assert!(vfs.access("/j", AccessCheck::Read).unwrap());
    }

    #[test]
    fn two_connections_exclude_each_other() {
        let vfs = MemVfs::new();
        let a = create(&vfs, "/db");
        let b = vfs.clone().open("/db", OpenFlags::main_db()).unwrap();
        // Closing releases the lock.
        crate::vfs::conformance::two_handles_exclude_each_other(a, b, drop);
    }

    #[test]
    fn capacity_limit_gives_full_and_changes_nothing() {
        let vfs = MemVfs::new().with_capacity_bytes(100);
        let mut f = create(&vfs, "/db");
        f.write_at(&[1; 60], 0).unwrap();
        let err = f.write_at(&[2; 50], 60).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Full);
        assert_eq!(f.truncate(101).unwrap_err().code(), ErrorCode::Full);
        // Overwrites within the file need no space.
        f.write_at(&[3; 60], 0).unwrap();
        assert_eq!(f.size().unwrap(), 60);
        vfs.set_capacity(None);
        f.write_at(&[2; 50], 60).unwrap();
        assert_eq!(vfs.used_bytes(), 110);
    }

    #[test]
    fn randomness_is_seeded_and_time_is_virtual() {
        let draw = |vfs: &MemVfs| {
            let mut buf = [0u8; 13];
            vfs.randomness(&mut buf);
            buf
        };
        let a = MemVfs::new().with_seed(42);
        let b = MemVfs::new().with_seed(42);
        assert_eq!(draw(&a), draw(&b));
        assert_ne!(draw(&a), draw(&MemVfs::new().with_seed(43)));
        assert_ne!(draw(&a), draw(&a));

        assert_eq!(a.current_time_ms(), MemVfs::START_JULIAN_MS);
        assert_eq!(a.sleep(2_500_000), 2_500_000);
        assert_eq!(a.current_time_ms(), MemVfs::START_JULIAN_MS + 2500);
    }

    #[test]
    fn sector_size_and_device_are_configurable() {
        assert!(MemVfs::new().with_sector_size(1000).is_err());
        assert!(MemVfs::new().with_sector_size(256).is_err());
        let vfs = MemVfs::new()
            .with_sector_size(512)
            .unwrap()
            .with_device_characteristics(DeviceCharacteristics(DeviceCharacteristics::SAFE_APPEND));
        let f = create(&vfs, "/db");
        assert_eq!(f.sector_size(), 512);
        assert!(f.device_characteristics().contains(DeviceCharacteristics::SAFE_APPEND));
        let default = create(&MemVfs::new(), "/db");
        assert_eq!(default.sector_size(), 4096);
        assert!(default.device_characteristics().contains(DeviceCharacteristics::POWERSAFE_OVERWRITE));
    }

    #[test]
    fn copy_database_and_journal_between_vfs() {
        let src = MemVfs::new();
        src.set_file_bytes("/db", &[1; 4096]).unwrap();
        src.set_file_bytes("/db-journal", &[2; 512]).unwrap();
        let dst = MemVfs::new();
        for path in src.file_paths() {
            dst.set_file_bytes(&path, &src.file_bytes(&path).unwrap()).unwrap();
        }
        assert_eq!(dst.file_paths(), src.file_paths());
        assert_eq!(dst.file_bytes("/db-journal"), Some(vec![2; 512]));
        assert_eq!(dst.file_bytes("/nothing"), None);
    }
}
