//! The pager: pages of one database file, cached, journaled and locked as SQLite's pager.c
//! does them, so that SQLite and the engine can share a file, recover each other's hot
//! journals, and issue the same writes and syncs for the same work.
//!
//! States (pager.c's, with the same names):
//!
//! ```text
//!   Open ──begin_read──► Reader ──begin_write──► WriterLocked ──write()──► WriterCacheMod
//!    ▲                     │ ▲                        │                        │ spill / commit
//!    └────end_read─────────┘ └──── commit / rollback ─┴──── WriterDbMod ◄──────┘ syncs journal
//!   Error: an I/O error left the cache or file in doubt; every call fails until end_read(),
//!          which drops the cache and the locks and leaves any hot journal for recovery.
//! ```
//!
//! Locks: SHARED from begin_read to end_read; RESERVED from begin_write; EXCLUSIVE (through
//! PENDING) before the first write to the database file (a spill or the commit). Every lock
//! is taken without waiting: a conflict is `Busy` at once, and the state is left as it was so
//! that the caller may retry.
//!
//! Commit in rollback-journal mode (sqlite3PagerCommitPhaseOne / Two), for the device
//! characteristics of a POSIX file (no SAFE_APPEND, no SEQUENTIAL):
//!
//! 1. page 1's change counter is bumped (pager_incr_changecounter), journaling page 1;
//! 2. syncJournal: read 8 bytes at the next header slot (and zero a stale header there);
//!    at synchronous=FULL sync the journal; write magic + nRec into the header;
//!    sync the journal (FULL and NORMAL);
//! 3. write every dirty page in ascending page order (pager_write_pagelist);
//! 4. extend the file to the image size if the last pages were never written;
//! 5. sync the database file (FULL and NORMAL);
//! 6. finalize the journal: DELETE deletes it, TRUNCATE truncates it (and syncs it at FULL),
//!    PERSIST zeroes its header (and syncs it unless OFF); then drop to SHARED.
//!
//! At synchronous=OFF there is no sync at all and the header says nRec = 0xffffffff from the
//! start. tests/pager_sync_order.rs checks this sequence call by call.

pub mod cache;
mod commit;
pub mod journal;
mod lru;
mod recovery;
mod savepoint;

pub use cache::{CacheStats, Page, PageRef, Pgno};

use crate::error::{Error, ErrorCode, Result, corrupt_error};
use crate::format::header;
use crate::vfs::{
    DeviceCharacteristics, FileKind, LockLevel, OpenAccess, OpenFlags, SyncFlags, Vfs, VfsFile, lock_bytes,
};
use cache::PageCache;
use std::sync::Arc;

/// PRAGMA synchronous levels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Synchronous {
    Off = 0,
    Normal = 1,
    Full = 2,
    Extra = 3,
}

/// PRAGMA journal_mode values the pager implements (rollback-journal modes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JournalMode {
    /// Delete the journal at the end of each transaction (SQLite's default).
    Delete,
    /// Truncate it to zero bytes.
    Truncate,
    /// Zero its header and keep it.
    Persist,
}

/// How a pager is opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PagerConfig {
    /// Page size for a new database (an existing one keeps its own).
    pub page_size_bytes: u32,
    /// PRAGMA cache_size: the cache's limit in pages if positive, in KiB if negative.
    pub cache_size: i64,
    pub synchronous: Synchronous,
    pub journal_mode: JournalMode,
    /// Open the file read-only.
    pub read_only: bool,
}

impl Default for PagerConfig {
    /// SQLite's defaults: 4096-byte pages, cache_size -2000 (2000 KiB: 483 pages of 4096),
    /// synchronous FULL, journal_mode DELETE.
    fn default() -> PagerConfig {
        PagerConfig {
            page_size_bytes: header::DEFAULT_PAGE_SIZE,
            cache_size: cache::DEFAULT_CACHE_SIZE,
            synchronous: Synchronous::Full,
            journal_mode: JournalMode::Delete,
            read_only: false,
        }
    }
}

/// The pager's state (pager.c's eState).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PagerState {
    Open,
    Reader,
    WriterLocked,
    WriterCacheMod,
    WriterDbMod,
    WriterFinished,
    Error,
}

/// I/O counters of one pager (the oracle's cost check compares them with SQLite's).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PagerStats {
    /// Page fetches served from the cache (SQLITE_DBSTATUS_CACHE_HIT).
    pub cache_hits: u64,
    /// Page fetches that missed the cache (SQLITE_DBSTATUS_CACHE_MISS).
    pub cache_misses: u64,
    /// Pages written to the database file (SQLITE_DBSTATUS_CACHE_WRITE).
    pub pages_written: u64,
    /// Pages read from the database file.
    pub pages_read: u64,
    /// Dirty pages written early because the cache was full (SQLITE_DBSTATUS_CACHE_SPILL).
    pub pages_spilled: u64,
    /// Syncs of the database file and the journal.
    pub syncs: u64,
}

/// The pager of one connection to one database file.
pub struct Pager {
    vfs: Arc<dyn Vfs>,
    db_path: String,
    journal_path: String,
    fd: Box<dyn VfsFile>,
    jfd: Option<Box<dyn VfsFile>>,
    config: PagerConfig,
    state: PagerState,
    /// The error that put the pager in `PagerState::Error`.
    error: Option<Error>,
    lock: LockLevel,
    page_size_bytes: u32,
    /// Journal header size: 512 on a powersafe-overwrite device, else the device's sector.
    sector_size_bytes: u32,
    device: DeviceCharacteristics,
    /// Pages in the database image (including pages only in the cache).
    db_size: Pgno,
    /// Pages in the image when the write transaction began.
    db_orig_size: Pgno,
    /// Pages in the file on disk, as far as this pager knows.
    db_file_size: Pgno,
    journal_off: u64,
    journal_hdr: u64,
    n_rec: u32,
    cksum_init: u32,
    /// Pages with a record in the journal in this transaction.
    in_journal: BitSet,
    /// Every record written to the journal in this transaction: (page, offset), in order.
    journal_records: Vec<(Pgno, u64)>,
    /// Open savepoints, outermost first.
    savepoints: Vec<savepoint::Savepoint>,
    /// Page images saved for savepoints (the sub-journal), in order.
    sub_journal: Vec<(Pgno, Box<[u8]>)>,
    /// Set while a page must be fetched without spilling (savepoint playback).
    no_spill: bool,
    /// Set while the pages of one sector are journaled together (SPILLFLAG_NOSYNC): a page
    /// whose journal record is not yet synced may not be spilled then, since the sync would
    /// write a journal header between the sector's records. The cache grows instead.
    no_sync_spill: bool,
    change_count_done: bool,
    /// Bytes 24..40 of page 1 when last read or written: detects changes by others.
    db_file_vers: [u8; 16],
    has_held_shared_lock: bool,
    cache: PageCache,
    stats: PagerStats,
    /// Scratch buffer of one page.
    tmp: Vec<u8>,
}

impl std::fmt::Debug for Pager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pager")
            .field("db_path", &self.db_path)
            .field("state", &self.state)
            .field("lock", &self.lock)
            .field("page_size_bytes", &self.page_size_bytes)
            .field("db_size", &self.db_size)
            .finish_non_exhaustive()
    }
}

impl Pager {
    /// Opens the database file `path` through `vfs`. No lock is taken and nothing but the
    /// first 100 bytes (to learn the page size of an existing file) is read.
    pub fn open(vfs: Arc<dyn Vfs>, path: &str, config: PagerConfig) -> Result<Pager> {
        let access = if config.read_only { OpenAccess::ReadOnly } else { OpenAccess::ReadWriteCreate };
        let flags = OpenFlags { kind: FileKind::MainDb, access, exclusive: false, delete_on_close: false };
        let mut fd = vfs.open(path, flags)?;
        let mut page_size_bytes = config.page_size_bytes;
        if fd.size()? >= header::HEADER_SIZE as u64 {
            let mut hdr = [0u8; header::HEADER_SIZE];
            fd.read_at(&mut hdr, 0)?;
            if &hdr[..16] == header::MAGIC
                && let Some(ps) = header::decode_page_size(header::get_u16(&hdr, 16))
            {
                page_size_bytes = ps;
            }
        }
        let device = fd.device_characteristics();
        let sector_size_bytes = if device.contains(DeviceCharacteristics::POWERSAFE_OVERWRITE) {
            512
        } else {
            fd.sector_size().clamp(512, journal::MAX_SECTOR_SIZE)
        };
        let cache = PageCache::new(page_size_bytes as usize, config.cache_size);
        Ok(Pager {
            journal_path: journal::journal_path(path),
            db_path: path.to_string(),
            vfs,
            fd,
            jfd: None,
            config,
            state: PagerState::Open,
            error: None,
            lock: LockLevel::None,
            page_size_bytes,
            sector_size_bytes,
            device,
            db_size: 0,
            db_orig_size: 0,
            db_file_size: 0,
            journal_off: 0,
            journal_hdr: 0,
            n_rec: 0,
            cksum_init: 0,
            in_journal: BitSet::default(),
            journal_records: Vec::new(),
            savepoints: Vec::new(),
            sub_journal: Vec::new(),
            no_spill: false,
            no_sync_spill: false,
            change_count_done: false,
            db_file_vers: [0; 16],
            has_held_shared_lock: false,
            cache,
            stats: PagerStats::default(),
            tmp: vec![0; page_size_bytes as usize],
        })
    }

    // ----- accessors ------------------------------------------------------------------------

    /// The database file's path.
    pub fn path(&self) -> &str {
        &self.db_path
    }

    /// The Vfs this pager uses.
    pub fn vfs(&self) -> &Arc<dyn Vfs> {
        &self.vfs
    }

    /// The page size in bytes.
    pub fn page_size(&self) -> u32 {
        self.page_size_bytes
    }

    /// Pages in the database image (valid in Reader state and above).
    pub fn page_count(&self) -> Pgno {
        self.db_size
    }

    /// The current state.
    pub fn state(&self) -> PagerState {
        self.state
    }

    /// The lock this pager holds on the database file.
    pub fn lock_level(&self) -> LockLevel {
        self.lock
    }

    /// The configuration.
    pub fn config(&self) -> &PagerConfig {
        &self.config
    }

    /// I/O and cache counters since open.
    pub fn stats(&self) -> PagerStats {
        self.stats
    }

    /// Handles to `page` held outside the cache, the caller's included: a page the b-tree
    /// is about to reuse must have exactly one (btreeGetUnusedPage).
    pub fn outside_refs(&self, page: &PageRef) -> usize {
        page.ref_count() as usize
    }

    /// True inside a write transaction.
    pub fn in_write_transaction(&self) -> bool {
        matches!(
            self.state,
            PagerState::WriterLocked
                | PagerState::WriterCacheMod
                | PagerState::WriterDbMod
                | PagerState::WriterFinished
        )
    }

    /// The page number of the lock-byte page, which is never used (PAGER_SJ_PGNO).
    pub fn lock_byte_page(&self) -> Pgno {
        (lock_bytes::PENDING_BYTE / u64::from(self.page_size_bytes)) as Pgno + 1
    }

    /// The largest page number the pager will hand out.
    pub fn max_page_count(&self) -> Pgno {
        MAX_PAGE_COUNT
    }

    /// Sets PRAGMA synchronous.
    pub fn set_synchronous(&mut self, level: Synchronous) {
        self.config.synchronous = level;
    }

    /// Sets PRAGMA journal_mode (takes effect at the next write transaction).
    pub fn set_journal_mode(&mut self, mode: JournalMode) {
        self.config.journal_mode = mode;
    }

    /// Sets PRAGMA cache_size: pages if positive, KiB if negative.
    pub fn set_cache_size(&mut self, cache_size: i64) {
        self.config.cache_size = cache_size;
        self.cache.set_cache_size(cache_size);
    }

    /// The page cache's capacity in pages.
    pub fn cache_capacity(&self) -> usize {
        self.cache.capacity()
    }

    /// Sets the page size of a database that has no pages yet; ignored otherwise (as SQLite
    /// ignores PRAGMA page_size on an existing database).
    pub fn set_page_size(&mut self, page_size_bytes: u32) -> Result<()> {
        if !(page_size_bytes.is_power_of_two()
            && (header::MIN_PAGE_SIZE..=header::MAX_PAGE_SIZE).contains(&page_size_bytes))
        {
            return Err(Error::new(ErrorCode::Error, format!("invalid page size {page_size_bytes}")));
        }
        if self.db_size == 0 && self.cache.referenced_count() == 0 && !self.in_write_transaction() {
            self.cache.clear();
            self.cache.set_page_size(page_size_bytes as usize);
            self.page_size_bytes = page_size_bytes;
            self.tmp = vec![0; page_size_bytes as usize];
        }
        Ok(())
    }

    /// Adopts the page size found in page 1 of an existing file whose size differs from the
    /// one the pager guessed at open (another connection created the file meanwhile).
    /// Valid only in Reader state with no page pinned.
    pub fn adopt_page_size(&mut self, page_size_bytes: u32) -> Result<()> {
        debug_assert_eq!(self.state, PagerState::Reader);
        if self.cache.referenced_count() != 0 {
            return Err(Error::internal("page size changed while pages are in use"));
        }
        self.cache.clear();
        self.cache.set_page_size(page_size_bytes as usize);
        self.page_size_bytes = page_size_bytes;
        self.tmp = vec![0; page_size_bytes as usize];
        self.db_size = self.file_page_count()?;
        Ok(())
    }

    fn no_sync(&self) -> bool {
        self.config.synchronous == Synchronous::Off
    }

    fn full_sync(&self) -> bool {
        self.config.synchronous >= Synchronous::Full
    }

    fn sync_flags(&self) -> SyncFlags {
        SyncFlags::NORMAL
    }

    fn check_error(&self) -> Result<()> {
        match &self.error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// Enters the Error state on I/O and disk-full errors (pager_error) and returns `e`.
    fn fail(&mut self, e: Error) -> Error {
        if matches!(e.code(), ErrorCode::IoErr | ErrorCode::Full) {
            self.error = Some(e.clone());
            self.state = PagerState::Error;
        }
        e
    }

    // ----- locks ----------------------------------------------------------------------------

    /// Raises the database lock to `level` if it is lower (pagerLockDb).
    fn lock_db(&mut self, level: LockLevel) -> Result<()> {
        if self.lock < level {
            let r = self.fd.lock(level);
            // A failed EXCLUSIVE may leave PENDING held; track what the file says.
            self.lock = self.fd.lock_level();
            r?;
        }
        Ok(())
    }

    /// Lowers the database lock to `level` if it is higher (pagerUnlockDb).
    fn unlock_db(&mut self, level: LockLevel) -> Result<()> {
        if self.lock > level {
            let r = self.fd.unlock(level);
            self.lock = self.fd.lock_level();
            r?;
        }
        Ok(())
    }

    // ----- read transactions ----------------------------------------------------------------

    /// Starts a read transaction (sqlite3PagerSharedLock): takes SHARED, rolls back a hot
    /// journal if one is found, drops the cache if another connection changed the file, and
    /// learns the database size. A no-op inside a transaction.
    ///
    /// On entry no page may be pinned. On success the state is Reader or above.
    pub fn begin_read(&mut self) -> Result<()> {
        if self.state == PagerState::Error {
            self.check_error()?;
        }
        if self.state != PagerState::Open {
            return Ok(());
        }
        self.lock_db(LockLevel::Shared)?;
        let r = self.begin_read_locked();
        if r.is_err() {
            self.end_read_after_failure();
        }
        r
    }

    fn begin_read_locked(&mut self) -> Result<()> {
        if self.lock <= LockLevel::Shared && self.has_hot_journal()? {
            if self.config.read_only {
                return Err(Error::new(
                    ErrorCode::ReadOnly,
                    "attempt to write a readonly database: hot journal needs rollback",
                ));
            }
            self.recover_hot_journal()?;
        }
        if self.has_held_shared_lock {
            let mut vers = [0u8; 16];
            self.fd.read_at(&mut vers, 24)?;
            if vers != self.db_file_vers {
                self.cache.clear();
            }
        }
        self.db_size = self.file_page_count()?;
        self.db_file_size = self.db_size;
        self.state = PagerState::Reader;
        self.has_held_shared_lock = true;
        Ok(())
    }

    /// Pages in the file: its size rounded up to whole pages (pagerPagecount).
    fn file_page_count(&mut self) -> Result<Pgno> {
        let size = self.fd.size()?;
        let pages = size.div_ceil(u64::from(self.page_size_bytes));
        Ok(pages.min(u64::from(MAX_PAGE_COUNT)) as Pgno)
    }

    /// Ends a read transaction (pagerUnlockIfUnused): drops the lock to NONE. In the Error
    /// state it also drops the cache, so the next reader starts from the file (and rolls
    /// back any hot journal the failure left). Must not be called inside a write
    /// transaction, where `commit` or `rollback` ends it.
    pub fn end_read(&mut self) {
        match self.state {
            PagerState::Reader | PagerState::Error => self.unlock_all(),
            PagerState::Open => {}
            _ => debug_assert!(false, "end_read inside a write transaction"),
        }
    }

    fn end_read_after_failure(&mut self) {
        self.unlock_all();
    }

    /// pager_unlock: close the journal, drop every lock, and reset after an error.
    fn unlock_all(&mut self) {
        self.in_journal.clear();
        self.release_all_savepoints();
        self.jfd = None;
        let _ = self.unlock_db(LockLevel::None);
        if self.error.take().is_some() {
            self.cache.clear();
            self.change_count_done = false;
        }
        self.state = PagerState::Open;
        self.journal_off = 0;
        self.journal_hdr = 0;
    }

    // ----- pages ----------------------------------------------------------------------------

    /// The page `pgno` (sqlite3PagerGet). A page past the end of the file reads as zeros.
    /// Requires a read transaction. `pgno` 0 and the lock-byte page are corrupt.
    pub fn get(&mut self, pgno: Pgno) -> Result<PageRef> {
        debug_assert!(self.state >= PagerState::Reader);
        self.check_error()?;
        if let Some(page) = self.cache.fetch(pgno) {
            self.stats.cache_hits += 1;
            return Ok(page);
        }
        if pgno == 0 || pgno == self.lock_byte_page() || pgno > MAX_PAGE_COUNT {
            return Err(corrupt_error(format_args!("invalid page number {pgno}")));
        }
        self.make_room()?;
        let mut data = if pgno <= self.db_size { self.cache.buffer_for_read() } else { self.cache.new_buffer() };
        if pgno <= self.db_size {
            let offset = u64::from(pgno - 1) * u64::from(self.page_size_bytes);
            self.fd.read_at(&mut data, offset)?;
            self.stats.cache_misses += 1;
            self.stats.pages_read += 1;
            if pgno == 1 {
                self.db_file_vers.copy_from_slice(&data[24..40]);
            }
        }
        Ok(self.cache.insert(pgno, data))
    }

    /// The page `pgno` with its content zeroed because the caller does not need it
    /// (sqlite3PagerGet with PAGER_GET_NOCONTENT): a page taken off the freelist or appended.
    /// A page that existed when the write transaction began counts as journaled, since its
    /// old content (free-page garbage) need not be restored on rollback. No I/O, no counters.
    pub fn get_no_content(&mut self, pgno: Pgno) -> Result<PageRef> {
        debug_assert!(self.in_write_transaction());
        self.check_error()?;
        if pgno == 0 || pgno == self.lock_byte_page() {
            return Err(corrupt_error(format_args!("invalid page number {pgno}")));
        }
        if pgno > MAX_PAGE_COUNT {
            return Err(Error::full("database or disk is full: page limit reached"));
        }
        let page = match self.cache.lookup(pgno) {
            Some(p) => p,
            None => {
                self.make_room()?;
                let data = self.cache.new_buffer();
                self.cache.insert(pgno, data)
            }
        };
        if pgno <= self.db_orig_size && self.state >= PagerState::WriterCacheMod {
            self.in_journal.insert(pgno);
        }
        self.mark_recoverable(pgno);
        page.data_mut_unchecked().fill(0);
        Ok(page)
    }

    /// `get` without spilling a dirty page to make room (SPILLFLAG_ROLLBACK: used while
    /// playing a savepoint back).
    pub(super) fn get_without_spill(&mut self, pgno: Pgno) -> Result<PageRef> {
        self.no_spill = true;
        let r = self.get(pgno);
        self.no_spill = false;
        r
    }

    /// The page `pgno` if it is in the cache (sqlite3PagerLookup); no I/O, no counters.
    pub fn lookup(&self, pgno: Pgno) -> Option<PageRef> {
        self.cache.lookup(pgno)
    }

    /// Prepares for a new page in the cache (pcache1Fetch / sqlite3PcacheFetchStress): when
    /// pinned pages fill 90% of the cache, spill one dirty page; when the cache is full,
    /// recycle a clean one (or grow, if every page is pinned).
    fn make_room(&mut self) -> Result<()> {
        if !self.no_spill
            && self.cache.wants_spill()
            && let Some(page) = self.cache.spill_candidate()
            && !(self.no_sync_spill && page.needs_sync())
        {
            self.spill(&page)?;
        }
        if self.cache.wants_recycle() {
            self.cache.evict_one();
        }
        Ok(())
    }

    /// Writes one dirty page to the database file early (pagerStress), syncing the journal
    /// first when the page's original is not yet durable in it.
    fn spill(&mut self, page: &Page) -> Result<()> {
        debug_assert!(page.is_dirty());
        let r = (|| {
            if page.needs_sync() || self.state == PagerState::WriterCacheMod {
                self.sync_journal(true)?;
            }
            self.write_pages(std::slice::from_ref(page))
        })();
        match r {
            Ok(()) => {
                self.stats.pages_spilled += 1;
                self.cache.make_clean(page);
                Ok(())
            }
            // A Busy EXCLUSIVE lock leaves the page dirty and the cache over its limit.
            Err(e) if e.is_busy() => Ok(()),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Makes `page` writeable in the current write transaction (sqlite3PagerWrite): opens the
    /// journal on the first write, journals the page's original content if it existed when
    /// the transaction began, and grows the image if the page is past its end. When the
    /// sector is larger than a page, every page of the sector is journaled together.
    pub fn write(&mut self, page: &PageRef) -> Result<()> {
        debug_assert!(self.in_write_transaction(), "Pager::write outside a write transaction");
        if page.is_writeable() && self.db_size >= page.pgno() {
            if !self.savepoints.is_empty() {
                self.subjournal_if_required(page);
            }
            return Ok(());
        }
        self.check_error()?;
        if self.config.read_only {
            return Err(Error::new(ErrorCode::ReadOnly, "attempt to write a readonly database"));
        }
        if self.sector_size_bytes > self.page_size_bytes { self.write_large_sector(page) } else { self.write_one(page) }
    }

    /// pager_write.
    fn write_one(&mut self, page: &PageRef) -> Result<()> {
        if self.state == PagerState::WriterLocked {
            self.open_journal()?;
        }
        self.cache.make_dirty(page);
        let pgno = page.pgno();
        if !self.in_journal.contains(pgno) {
            if pgno == 1 && crate::planted::active(crate::planted::Bug::JournalOmitsPage1) {
                // Planted bug: page 1 counts as journaled without its record.
                page.set_need_sync();
                self.in_journal.insert(1);
            } else if pgno <= self.db_orig_size {
                self.journal_page(page)?;
            } else if self.state != PagerState::WriterDbMod {
                page.set_need_sync();
            }
        }
        page.set_writeable();
        if !self.savepoints.is_empty() {
            self.subjournal_if_required(page);
        }
        if self.db_size < pgno {
            self.db_size = pgno;
        }
        Ok(())
    }

    /// pagerWriteLargeSector: journal every page of `page`'s sector, and if any of them needs
    /// a journal sync, all of them do. While it runs, fetching the sector's other pages spills
    /// no page that needs a journal sync (SPILLFLAG_NOSYNC), so the cache may grow past its
    /// limit as SQLite's does.
    fn write_large_sector(&mut self, page: &PageRef) -> Result<()> {
        let per_sector = self.sector_size_bytes / self.page_size_bytes;
        let first = ((page.pgno() - 1) & !(per_sector - 1)) + 1;
        let count = if page.pgno() > self.db_size {
            page.pgno() - first + 1
        } else if first + per_sector - 1 > self.db_size {
            self.db_size + 1 - first
        } else {
            per_sector
        };
        let mut need_sync = false;
        debug_assert!(!self.no_sync_spill);
        self.no_sync_spill = true;
        let journaled = (|| {
            for pg in first..first + count {
                if pg == page.pgno() || !self.in_journal.contains(pg) {
                    if pg != self.lock_byte_page() {
                        let p = if pg == page.pgno() { page.clone() } else { self.get(pg)? };
                        self.write_one(&p)?;
                        need_sync |= p.needs_sync();
                    }
                } else if let Some(p) = self.cache.lookup(pg) {
                    need_sync |= p.needs_sync();
                }
            }
            Ok(())
        })();
        self.no_sync_spill = false;
        journaled?;
        if need_sync {
            for pg in first..first + count {
                if let Some(p) = self.cache.lookup(pg) {
                    p.set_need_sync();
                }
            }
        }
        Ok(())
    }

    /// Appends `page`'s current (original) content to the journal (pagerAddPageToRollbackJournal).
    fn journal_page(&mut self, page: &PageRef) -> Result<()> {
        let pgno = page.pgno();
        let cksum = journal::record_checksum(self.cksum_init, &page.data());
        // As in SQLite, the page needs a sync even if the writes below fail.
        page.set_need_sync();
        let off = self.journal_off;
        let ps = u64::from(self.page_size_bytes);
        let jfd = self.jfd.as_mut().ok_or_else(|| Error::internal("journal not open"))?;
        jfd.write_at(&pgno.to_be_bytes(), off)?;
        jfd.write_at(&page.data(), off + 4)?;
        jfd.write_at(&cksum.to_be_bytes(), off + 4 + ps)?;
        self.journal_off += ps + 8;
        self.n_rec += 1;
        self.in_journal.insert(pgno);
        self.journal_records.push((pgno, off));
        self.mark_recoverable(pgno);
        Ok(())
    }

    /// Exchanges the contents of two writeable pages, as when the b-tree gives balanced
    /// siblings ascending page numbers (sqlite3PagerRekey on both; see `PageCache::swap_pages`).
    pub fn swap_pages(&mut self, a: &PageRef, b: &PageRef) {
        self.cache.swap_pages(a, b);
    }

    /// Marks a page whose content no longer matters (it went onto the freelist) so that the
    /// commit does not write it (sqlite3PagerDontWrite). Not while savepoints are open: a
    /// rollback to one could make the page live again, and its content must then be written.
    pub fn dont_write(&mut self, page: &PageRef) {
        if page.is_dirty() && self.savepoints.is_empty() {
            page.set_dont_write();
        }
    }
}

impl Drop for Pager {
    /// Closing rolls back an open write transaction and releases every lock
    /// (sqlite3PagerClose); errors are ignored (the journal stays hot for the next opener).
    fn drop(&mut self) {
        if self.in_write_transaction() {
            let _ = self.rollback();
        }
        self.unlock_all();
    }
}

/// SQLite's default SQLITE_MAX_PAGE_COUNT.
pub const MAX_PAGE_COUNT: Pgno = 0xffff_fffe;

/// A growable bit set of page numbers (SQLite's Bitvec).
#[derive(Clone, Debug, Default)]
pub struct BitSet {
    words: Vec<u64>,
}

impl BitSet {
    /// True when `n` is in the set.
    #[inline]
    pub fn contains(&self, n: u32) -> bool {
        let (w, b) = ((n / 64) as usize, n % 64);
        self.words.get(w).is_some_and(|x| x & (1 << b) != 0)
    }

    /// Adds `n`.
    pub fn insert(&mut self, n: u32) {
        let (w, b) = ((n / 64) as usize, n % 64);
        if self.words.len() <= w {
            self.words.resize(w + 1, 0);
        }
        self.words[w] |= 1 << b;
    }

    /// Empties the set.
    pub fn clear(&mut self) {
        self.words.clear();
    }
}
