//! SQLite's lock state machine over the handles of one file within one address space.
//!
//! SQLite's unix VFS keeps, per inode, the lock level of every open handle of the process
//! (`unixInodeInfo`) and decides between those handles itself; only the lock of the process
//! as a whole is visible to other processes, as POSIX advisory locks on the lock bytes.
//! [`LockTable`] is that per-file bookkeeping, written once and used by three Vfs:
//!
//! - `MemVfs` and the simulator's `SimVfs`: every handle lives in one address space, so the
//!   table alone decides; they call [`LockTable::lock`] / [`LockTable::unlock`].
//! - `OsVfs`: the table decides between this process's handles and, through a
//!   [`ProcessLock`], takes or drops the process's POSIX locks when the level of the process
//!   as a whole changes; it calls [`LockTable::lock_with`] / [`LockTable::unlock_with`].
//!
//! The rules (SQLite's `unixLock` / `posixUnlock`):
//! - NONE→SHARED is refused while another handle holds PENDING or EXCLUSIVE.
//! - SHARED→RESERVED is refused while another handle holds RESERVED or above.
//! - RESERVED→EXCLUSIVE first takes PENDING; if other handles still hold SHARED the request
//!   fails with BUSY and the handle stays at PENDING, which keeps new readers out until the
//!   holder retries or unlocks. SHARED→EXCLUSIVE (used by hot-journal rollback) takes no
//!   PENDING, exactly as in os_unix.c, so a failure there leaves the handle at SHARED.
//! - Refusals are `Busy` at once: nothing waits.
//! - Unlock lowers a handle to SHARED or NONE.
//!
//! Invariants, checked by `debug_assert!` after every change: at most one handle is above
//! SHARED, and a handle at EXCLUSIVE is the only handle holding any lock.

use crate::error::{Error, Result};
use crate::vfs::LockLevel;
use std::collections::BTreeMap;

/// A handle's identity in a [`LockTable`], returned by [`LockTable::register`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LockHandle(u64);

/// The lock that a whole address space holds on a file, as other address spaces see it.
///
/// [`LockTable`] calls [`ProcessLock::change`] whenever the highest level held by any of its
/// handles (the process-level lock, SQLite's `unixInodeInfo.eFileLock`) must change, and only
/// then. Transitions it asks for, and nothing else:
/// `None→Shared`, `Shared→Reserved`, `Reserved→Pending`, `Shared→Exclusive`,
/// `Pending→Exclusive`, `X→Shared` for X above Shared, and `X→None` for X at least Shared.
pub trait ProcessLock {
    /// Moves the process-level lock from `from` to `to`. An error leaves the process-level
    /// lock at `from` (as far as the implementation can ensure); `Busy` means another
    /// address space is in the way.
    fn change(&mut self, from: LockLevel, to: LockLevel) -> Result<()>;
}

/// The [`ProcessLock`] of a world with a single address space: nothing else can conflict.
#[derive(Clone, Copy, Debug, Default)]
pub struct SingleProcess;

impl ProcessLock for SingleProcess {
    /// Always grants: there is no other address space.
    fn change(&mut self, _from: LockLevel, _to: LockLevel) -> Result<()> {
        Ok(())
    }
}

/// The lock levels of every open handle of one file in one address space.
#[derive(Clone, Debug, Default)]
pub struct LockTable {
    /// Level of every registered handle, `None` included.
    levels: BTreeMap<LockHandle, LockLevel>,
    /// The id the next [`LockTable::register`] hands out; never reused.
    next_id: u64,
}

impl LockTable {
    /// An empty table: no handles, so no locks.
    pub fn new() -> LockTable {
        LockTable::default()
    }

    /// Adds a handle at level NONE and returns its id.
    /// Exit: the handle is registered at NONE; no other handle's level changed.
    pub fn register(&mut self) -> LockHandle {
        let handle = LockHandle(self.next_id);
        self.next_id += 1;
        self.levels.insert(handle, LockLevel::None);
        handle
    }

    /// The level `handle` holds; `None` for a handle that is not (or no longer) registered.
    pub fn level(&self, handle: LockHandle) -> LockLevel {
        self.levels.get(&handle).copied().unwrap_or(LockLevel::None)
    }

    /// The process-level lock: the highest level any handle holds (SQLite's
    /// `unixInodeInfo.eFileLock`).
    pub fn process_level(&self) -> LockLevel {
        self.levels.values().copied().max().unwrap_or(LockLevel::None)
    }

    /// True when some handle holds RESERVED or above (the in-process half of
    /// xCheckReservedLock).
    pub fn reserved_held(&self) -> bool {
        self.process_level() > LockLevel::Shared
    }

    /// How many handles hold SHARED or above (SQLite's `nShared` and `nLock`).
    pub fn locked_handles(&self) -> usize {
        self.levels.values().filter(|level| **level >= LockLevel::Shared).count()
    }

    /// How many handles are registered, locked or not.
    pub fn handle_count(&self) -> usize {
        self.levels.len()
    }

    /// [`LockTable::lock_with`] in a single address space ([`SingleProcess`]).
    pub fn lock(&mut self, handle: LockHandle, level: LockLevel) -> Result<()> {
        self.lock_with(handle, level, &mut SingleProcess)
    }

    /// [`LockTable::unlock_with`] in a single address space ([`SingleProcess`]).
    pub fn unlock(&mut self, handle: LockHandle, level: LockLevel) -> Result<()> {
        self.unlock_with(handle, level, &mut SingleProcess)
    }

    /// [`LockTable::release_with`] in a single address space ([`SingleProcess`]).
    pub fn release(&mut self, handle: LockHandle) -> Result<()> {
        self.release_with(handle, &mut SingleProcess)
    }

    /// Raises `handle` to `level` following SQLite's `unixLock`, asking `process` to move the
    /// process-level lock whenever it must change.
    ///
    /// Entry: `handle` is registered; `level` is not PENDING (SQLite never asks for it);
    /// RESERVED is asked from SHARED only and nothing above SHARED from NONE; these
    /// violations are `Misuse`. Asking for a level at or below the current one is a no-op.
    /// Exit: `Ok` with `handle` at `level`, or `Busy` (or the error of `process`) with
    /// `handle` where it was, except that a RESERVED handle failing EXCLUSIVE after taking
    /// PENDING stays at PENDING.
    pub fn lock_with(&mut self, handle: LockHandle, level: LockLevel, process: &mut dyn ProcessLock) -> Result<()> {
        let current = self.registered_level(handle)?;
        if current >= level {
            return Ok(());
        }
        check_lock_request(current, level)?;
        let process_level = self.process_level();

        // Another handle of this address space holds a lock that precludes the request:
        // PENDING or EXCLUSIVE keep everyone out, RESERVED keeps out other writers.
        if current != process_level && (process_level >= LockLevel::Pending || level > LockLevel::Shared) {
            return Err(Error::busy());
        }

        if level == LockLevel::Shared {
            // Readers share the process-level SHARED or RESERVED lock already held.
            if process_level == LockLevel::None {
                process.change(LockLevel::None, LockLevel::Shared)?;
            }
            debug_assert!(process_level <= LockLevel::Reserved);
            return self.set_level(handle, LockLevel::Shared);
        }

        if level == LockLevel::Exclusive && current == LockLevel::Reserved {
            process.change(LockLevel::Reserved, LockLevel::Pending)?;
            self.set_level(handle, LockLevel::Pending)?;
        }

        if level == LockLevel::Exclusive && self.locked_handles() > 1 {
            // Other readers of this address space are still in; PENDING (if taken) stays.
            return Err(Error::busy());
        }
        let from = self.level(handle);
        process.change(from, level)?;
        self.set_level(handle, level)
    }

    /// Lowers `handle` to `level` following SQLite's `posixUnlock`, asking `process` to move
    /// the process-level lock when the highest level held changes.
    ///
    /// Entry: `handle` is registered; `level` is SHARED or NONE (else `Misuse`). Lowering to a
    /// level at or above the current one is a no-op.
    /// Exit: `Ok` with `handle` at `level`. On an error of `process` the handle keeps its
    /// level, except when going to NONE, where it is recorded at NONE anyway (SQLite does the
    /// same: the OS lock state is unknown and the handle must not think it still reads).
    pub fn unlock_with(&mut self, handle: LockHandle, level: LockLevel, process: &mut dyn ProcessLock) -> Result<()> {
        if level > LockLevel::Shared {
            return Err(Error::misuse(format!("unlock to {level:?}: only Shared or None may be asked")));
        }
        let current = self.registered_level(handle)?;
        if current <= level {
            return Ok(());
        }
        let process_before = self.process_level();
        let others_after = self
            .levels
            .iter()
            .filter(|(other, _)| **other != handle)
            .map(|(_, other_level)| *other_level)
            .max()
            .unwrap_or(LockLevel::None);
        let process_after = others_after.max(level);
        let changed =
            if process_after != process_before { process.change(process_before, process_after) } else { Ok(()) };
        match changed {
            Ok(()) => self.set_level(handle, level),
            Err(error) if level == LockLevel::None => {
                self.set_level(handle, LockLevel::None)?;
                Err(error)
            }
            Err(error) => Err(error),
        }
    }

    /// Unlocks `handle` to NONE and forgets it (xClose of a handle).
    /// Entry: `handle` is registered (else `Misuse`).
    /// Exit: `handle` is no longer registered, even when the unlock reported an error,
    /// which is then returned.
    pub fn release_with(&mut self, handle: LockHandle, process: &mut dyn ProcessLock) -> Result<()> {
        let unlocked = self.unlock_with(handle, LockLevel::None, process);
        self.levels.remove(&handle);
        self.debug_check_invariants();
        unlocked
    }

    /// The level of `handle`, or `Misuse` when it is not registered.
    fn registered_level(&self, handle: LockHandle) -> Result<LockLevel> {
        self.levels
            .get(&handle)
            .copied()
            .ok_or_else(|| Error::misuse(format!("lock handle {handle:?} is not registered")))
    }

    /// Records `level` for `handle` and checks the table's invariants.
    /// Entry: `handle` is registered.
    fn set_level(&mut self, handle: LockHandle, level: LockLevel) -> Result<()> {
        let slot =
            self.levels.get_mut(&handle).ok_or_else(|| Error::internal(format!("lock handle {handle:?} vanished")))?;
        *slot = level;
        self.debug_check_invariants();
        Ok(())
    }

    /// Asserts (in debug builds) the invariants of the table: at most one handle above
    /// SHARED, and an EXCLUSIVE handle is the only one holding any lock.
    fn debug_check_invariants(&self) {
        if cfg!(debug_assertions) {
            let writers = self.levels.values().filter(|level| **level > LockLevel::Shared).count();
            debug_assert!(writers <= 1, "more than one handle above SHARED: {self:?}");
            let exclusive = self.levels.values().any(|level| *level == LockLevel::Exclusive);
            debug_assert!(!exclusive || self.locked_handles() == 1, "EXCLUSIVE held alongside other locks: {self:?}");
        }
    }
}

/// Checks that raising a handle from `current` to `level` is a request SQLite makes.
/// Entry: `current < level`.
fn check_lock_request(current: LockLevel, level: LockLevel) -> Result<()> {
    debug_assert!(current < level);
    let allowed = match level {
        LockLevel::None | LockLevel::Pending => false,
        LockLevel::Shared => true,
        LockLevel::Reserved => current == LockLevel::Shared,
        LockLevel::Exclusive => current >= LockLevel::Shared,
    };
    if allowed {
        Ok(())
    } else {
        Err(Error::misuse(format!("lock request {current:?} -> {level:?} is not one SQLite makes")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use LockLevel::{Exclusive, None as NoLock, Pending, Reserved, Shared};

    fn table_with(handles: usize) -> (LockTable, Vec<LockHandle>) {
        let mut table = LockTable::new();
        let ids = (0..handles).map(|_| table.register()).collect();
        (table, ids)
    }

    fn code(result: Result<()>) -> Option<ErrorCode> {
        result.err().map(|error| error.code())
    }

    /// Records every process-level transition asked for, and can refuse some.
    #[derive(Default)]
    struct Recorder {
        changes: Vec<(LockLevel, LockLevel)>,
        refuse_to: Option<LockLevel>,
    }

    impl ProcessLock for Recorder {
        fn change(&mut self, from: LockLevel, to: LockLevel) -> Result<()> {
            if self.refuse_to == Some(to) {
                return Err(Error::busy());
            }
            self.changes.push((from, to));
            Ok(())
        }
    }

    #[test]
    fn none_to_shared_for_many_readers() {
        let (mut t, h) = table_with(3);
        for &handle in &h {
            t.lock(handle, Shared).unwrap();
        }
        assert_eq!(t.locked_handles(), 3);
        assert_eq!(t.process_level(), Shared);
        assert!(!t.reserved_held());
    }

    #[test]
    fn shared_to_reserved_is_single_writer() {
        let (mut t, h) = table_with(2);
        t.lock(h[0], Shared).unwrap();
        t.lock(h[1], Shared).unwrap();
        t.lock(h[0], Reserved).unwrap();
        assert!(t.reserved_held());
        assert_eq!(code(t.lock(h[1], Reserved)), Some(ErrorCode::Busy));
        assert_eq!(t.level(h[1]), Shared);
        // A new reader is still welcome while RESERVED is held.
        let h2 = t.register();
        t.lock(h2, Shared).unwrap();
    }

    #[test]
    fn reserved_to_exclusive_alone_succeeds() {
        let (mut t, h) = table_with(1);
        t.lock(h[0], Shared).unwrap();
        t.lock(h[0], Reserved).unwrap();
        t.lock(h[0], Exclusive).unwrap();
        assert_eq!(t.level(h[0]), Exclusive);
    }

    #[test]
    fn failed_exclusive_leaves_pending_and_keeps_new_readers_out() {
        let (mut t, h) = table_with(3);
        t.lock(h[0], Shared).unwrap();
        t.lock(h[1], Shared).unwrap();
        t.lock(h[0], Reserved).unwrap();
        assert_eq!(code(t.lock(h[0], Exclusive)), Some(ErrorCode::Busy));
        assert_eq!(t.level(h[0]), Pending);
        // PENDING keeps new readers out; the existing reader keeps its lock.
        assert_eq!(code(t.lock(h[2], Shared)), Some(ErrorCode::Busy));
        assert_eq!(t.level(h[2]), NoLock);
        assert_eq!(t.level(h[1]), Shared);
        // PENDING → EXCLUSIVE once the reader leaves.
        t.unlock(h[1], NoLock).unwrap();
        t.lock(h[0], Exclusive).unwrap();
        assert_eq!(code(t.lock(h[2], Shared)), Some(ErrorCode::Busy));
        assert_eq!(code(t.lock(h[1], Shared)), Some(ErrorCode::Busy));
    }

    #[test]
    fn shared_to_exclusive_takes_no_pending() {
        let (mut t, h) = table_with(3);
        t.lock(h[0], Shared).unwrap();
        t.lock(h[1], Shared).unwrap();
        assert_eq!(code(t.lock(h[0], Exclusive)), Some(ErrorCode::Busy));
        assert_eq!(t.level(h[0]), Shared);
        t.lock(h[2], Shared).unwrap();
        t.unlock(h[1], NoLock).unwrap();
        t.unlock(h[2], NoLock).unwrap();
        t.lock(h[0], Exclusive).unwrap();
        assert_eq!(t.level(h[0]), Exclusive);
    }

    #[test]
    fn exclusive_excludes_every_other_handle() {
        let (mut t, h) = table_with(2);
        t.lock(h[0], Shared).unwrap();
        t.lock(h[0], Reserved).unwrap();
        t.lock(h[0], Exclusive).unwrap();
        assert_eq!(code(t.lock(h[1], Shared)), Some(ErrorCode::Busy));
    }

    #[test]
    fn pending_or_reserved_holder_blocks_exclusive_of_other() {
        let (mut t, h) = table_with(2);
        t.lock(h[0], Shared).unwrap();
        t.lock(h[1], Shared).unwrap();
        t.lock(h[0], Reserved).unwrap();
        assert_eq!(code(t.lock(h[1], Exclusive)), Some(ErrorCode::Busy));
        assert_eq!(code(t.lock(h[0], Exclusive)), Some(ErrorCode::Busy));
        assert_eq!(code(t.lock(h[1], Exclusive)), Some(ErrorCode::Busy));
        assert_eq!(t.level(h[1]), Shared);
    }

    #[test]
    fn unlock_to_shared_and_none_from_every_level() {
        for top in [Shared, Reserved, Pending, Exclusive] {
            let (mut t, h) = table_with(2);
            t.lock(h[0], Shared).unwrap();
            if top >= Reserved {
                t.lock(h[0], Reserved).unwrap();
            }
            if top == Pending {
                t.lock(h[1], Shared).unwrap();
                assert!(t.lock(h[0], Exclusive).is_err());
                t.unlock(h[1], NoLock).unwrap();
            }
            if top == Exclusive {
                t.lock(h[0], Exclusive).unwrap();
            }
            assert_eq!(t.level(h[0]), top);
            t.unlock(h[0], Shared).unwrap();
            assert_eq!(t.level(h[0]), Shared);
            assert!(!t.reserved_held());
            t.lock(h[1], Shared).unwrap();
            t.lock(h[1], Reserved).unwrap();
            t.unlock(h[1], NoLock).unwrap();
            t.unlock(h[0], NoLock).unwrap();
            assert_eq!(t.process_level(), NoLock);
            assert_eq!(t.locked_handles(), 0);
        }
    }

    #[test]
    fn requests_sqlite_never_makes_are_misuse() {
        let (mut t, h) = table_with(1);
        assert_eq!(code(t.lock(h[0], Reserved)), Some(ErrorCode::Misuse));
        assert_eq!(code(t.lock(h[0], Exclusive)), Some(ErrorCode::Misuse));
        t.lock(h[0], Shared).unwrap();
        assert_eq!(code(t.lock(h[0], Pending)), Some(ErrorCode::Misuse));
        assert_eq!(code(t.unlock(h[0], Reserved)), Some(ErrorCode::Misuse));
        let stranger = LockHandle(99);
        assert_eq!(code(t.lock(stranger, Shared)), Some(ErrorCode::Misuse));
        // At or below the current level: a no-op, as in SQLite.
        t.lock(h[0], Shared).unwrap();
        t.lock(h[0], NoLock).unwrap();
        assert_eq!(t.level(h[0]), Shared);
    }

    #[test]
    fn release_drops_the_lock_and_the_handle() {
        let (mut t, h) = table_with(2);
        t.lock(h[0], Shared).unwrap();
        t.lock(h[0], Reserved).unwrap();
        t.release(h[0]).unwrap();
        assert_eq!(t.handle_count(), 1);
        assert!(!t.reserved_held());
        t.lock(h[1], Shared).unwrap();
        t.lock(h[1], Reserved).unwrap();
        assert_eq!(code(t.release(h[0])), Some(ErrorCode::Misuse));
    }

    #[test]
    fn process_lock_sees_only_process_level_changes() {
        let (mut t, h) = table_with(2);
        let mut p = Recorder::default();
        t.lock_with(h[0], Shared, &mut p).unwrap();
        t.lock_with(h[1], Shared, &mut p).unwrap();
        t.lock_with(h[0], Reserved, &mut p).unwrap();
        assert!(t.lock_with(h[0], Exclusive, &mut p).is_err());
        t.unlock_with(h[1], NoLock, &mut p).unwrap();
        t.lock_with(h[0], Exclusive, &mut p).unwrap();
        t.unlock_with(h[0], Shared, &mut p).unwrap();
        t.unlock_with(h[0], NoLock, &mut p).unwrap();
        assert_eq!(
            p.changes,
            vec![
                (NoLock, Shared),
                (Shared, Reserved),
                (Reserved, Pending),
                (Pending, Exclusive),
                (Exclusive, Shared),
                (Shared, NoLock),
            ]
        );
    }

    #[test]
    fn writer_leaving_with_readers_left_drops_process_to_shared() {
        let (mut t, h) = table_with(2);
        let mut p = Recorder::default();
        t.lock_with(h[0], Shared, &mut p).unwrap();
        t.lock_with(h[1], Shared, &mut p).unwrap();
        t.lock_with(h[0], Reserved, &mut p).unwrap();
        t.release_with(h[0], &mut p).unwrap();
        assert_eq!(p.changes.last(), Some(&(Reserved, Shared)));
        t.release_with(h[1], &mut p).unwrap();
        assert_eq!(p.changes.last(), Some(&(Shared, NoLock)));
    }

    #[test]
    fn refusal_by_the_process_lock_leaves_levels_alone() {
        let (mut t, h) = table_with(1);
        let mut p = Recorder { refuse_to: Some(Shared), ..Recorder::default() };
        assert_eq!(code(t.lock_with(h[0], Shared, &mut p)), Some(ErrorCode::Busy));
        assert_eq!(t.level(h[0]), NoLock);

        p.refuse_to = Some(Exclusive);
        t.lock_with(h[0], Shared, &mut p).unwrap();
        t.lock_with(h[0], Reserved, &mut p).unwrap();
        assert_eq!(code(t.lock_with(h[0], Exclusive, &mut p)), Some(ErrorCode::Busy));
        assert_eq!(t.level(h[0]), Pending);

        p.refuse_to = Some(Pending);
        let (mut t, h) = table_with(1);
        t.lock_with(h[0], Shared, &mut p).unwrap();
        t.lock_with(h[0], Reserved, &mut p).unwrap();
        assert_eq!(code(t.lock_with(h[0], Exclusive, &mut p)), Some(ErrorCode::Busy));
        assert_eq!(t.level(h[0]), Reserved);
    }
}
