//! The page cache: a bounded set of page images with dirty tracking and CLOCK replacement.
//!
//! A page handed to the b-tree is a [`PageRef`] (an `Rc<Page>`). A page is *pinned* while any
//! handle other than the cache's own is alive (`Rc::strong_count > 1`); pinned pages are never
//! evicted, so the cache may briefly hold more than its limit when every page is pinned (as
//! SQLite's pcache does). Replacement is CLOCK (second chance) over a queue of candidates:
//! clean pages enter the queue when they arrive or become clean; a hit sets the page's
//! `referenced` bit; eviction takes candidates from the front, dropping dirty ones (they
//! re-enter when cleaned), passing over pinned or referenced ones (clearing the bit), and
//! evicting the first that is neither. Dirty pages are never evicted here; the pager spills
//! them first (`Pager::spill`). Like SQLite's pcache1, whose LRU holds only clean unpinned
//! pages, eviction costs O(1) amortized however many pages are dirty.
//!
//! Invariants:
//! - `map[pgno] == slot` iff `slots[slot]` holds the page numbered `pgno`.
//! - `dirty` holds exactly the pages whose DIRTY flag is set, keyed by page number (so the
//!   commit writes them in ascending order, as `sqlite3PcacheDirtyList` sorts them).

use std::cell::{Cell, Ref, RefCell, RefMut};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

/// A page number (1-based; 0 means "no page").
pub type Pgno = u32;

/// A handle to a cached page. Cloning pins the page.
pub type PageRef = Rc<Page>;

/// Flags of a cached page (SQLite's PGHDR_*).
mod flag {
    /// The image differs from the file and must be written at commit.
    pub const DIRTY: u8 = 0x01;
    /// The page was journaled (or needs no journal) in this transaction and may be modified.
    pub const WRITEABLE: u8 = 0x02;
    /// The journal must be synced before this page may be written to the database file.
    pub const NEED_SYNC: u8 = 0x04;
    /// The page is free and its content need not reach the file (sqlite3PagerDontWrite).
    pub const DONT_WRITE: u8 = 0x08;
}

/// One page image in the cache.
#[derive(Debug)]
pub struct Page {
    pgno: Pgno,
    data: RefCell<Box<[u8]>>,
    flags: Cell<u8>,
    /// CLOCK bit: set on every hit, cleared when eviction passes over the page.
    referenced: Cell<bool>,
    /// The page is in the cache's candidate queue.
    queued: Cell<bool>,
}

impl Page {
    fn new(pgno: Pgno, data: Box<[u8]>) -> Page {
        Page {
            pgno,
            data: RefCell::new(data),
            flags: Cell::new(0),
            referenced: Cell::new(true),
            queued: Cell::new(false),
        }
    }

    /// This page's number.
    pub fn pgno(&self) -> Pgno {
        self.pgno
    }

    /// The page's bytes, for reading.
    pub fn data(&self) -> Ref<'_, [u8]> {
        Ref::map(self.data.borrow(), |b| &**b)
    }

    /// The page's bytes, for writing. The caller must have made the page writeable through
    /// `Pager::write` in the current write transaction (checked in debug builds).
    pub fn data_mut(&self) -> RefMut<'_, [u8]> {
        debug_assert!(self.is_writeable(), "page {} modified without Pager::write", self.pgno);
        RefMut::map(self.data.borrow_mut(), |b| &mut **b)
    }

    /// True when the page may be modified in this transaction.
    pub fn is_writeable(&self) -> bool {
        self.flags.get() & flag::WRITEABLE != 0
    }

    /// True when the page differs from the file.
    pub fn is_dirty(&self) -> bool {
        self.flags.get() & flag::DIRTY != 0
    }

    pub(crate) fn needs_sync(&self) -> bool {
        self.flags.get() & flag::NEED_SYNC != 0
    }

    pub(crate) fn dont_write(&self) -> bool {
        self.flags.get() & flag::DONT_WRITE != 0
    }

    fn set(&self, f: u8) {
        self.flags.set(self.flags.get() | f);
    }

    fn clear(&self, f: u8) {
        self.flags.set(self.flags.get() & !f);
    }

    pub(crate) fn set_need_sync(&self) {
        self.set(flag::NEED_SYNC);
    }

    pub(crate) fn set_writeable(&self) {
        self.set(flag::WRITEABLE);
        self.clear(flag::DONT_WRITE);
    }

    pub(crate) fn set_dont_write(&self) {
        self.set(flag::DONT_WRITE);
        self.clear(flag::WRITEABLE);
    }

    /// Exchanges the images of two pages (the b-tree renumbering siblings: each page number
    /// keeps its flags and journal state, the bytes trade places). Both must be writeable.
    pub fn swap_data(&self, other: &Page) {
        debug_assert!(self.is_writeable() && other.is_writeable());
        debug_assert!(self.pgno != other.pgno);
        std::mem::swap(&mut *self.data.borrow_mut(), &mut *other.data.borrow_mut());
    }

    /// Replaces the image (journal playback), keeping the page's identity.
    pub(crate) fn overwrite(&self, bytes: &[u8]) {
        self.data.borrow_mut().copy_from_slice(bytes);
    }

    /// The raw image regardless of the WRITEABLE flag (pager-internal writes such as the
    /// change counter and the header of a new database).
    pub(crate) fn data_mut_unchecked(&self) -> RefMut<'_, [u8]> {
        RefMut::map(self.data.borrow_mut(), |b| &mut **b)
    }
}

/// A deterministic hasher for page numbers (Fibonacci hashing); no random seed.
#[derive(Default)]
pub struct PgnoHasher(u64);

impl Hasher for PgnoHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type PgnoMap<V> = HashMap<Pgno, V, BuildHasherDefault<PgnoHasher>>;

/// Counters of the cache itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Clean pages dropped to make room.
    pub evictions: u64,
}

/// The bounded page cache.
#[derive(Debug)]
pub struct PageCache {
    page_size_bytes: usize,
    /// Soft limit on resident pages (PRAGMA cache_size, in pages).
    capacity_pages: usize,
    slots: Vec<Option<PageRef>>,
    free_slots: Vec<usize>,
    map: PgnoMap<usize>,
    /// Slots of eviction candidates (see the module comment).
    candidates: VecDeque<usize>,
    dirty: BTreeMap<Pgno, PageRef>,
    stats: CacheStats,
}

impl PageCache {
    /// An empty cache for pages of `page_size_bytes`, holding about `capacity_pages`.
    pub fn new(page_size_bytes: usize, capacity_pages: usize) -> PageCache {
        PageCache {
            page_size_bytes,
            capacity_pages: capacity_pages.max(MIN_CACHE_PAGES),
            slots: Vec::new(),
            free_slots: Vec::new(),
            map: PgnoMap::default(),
            candidates: VecDeque::new(),
            dirty: BTreeMap::new(),
            stats: CacheStats::default(),
        }
    }

    /// Page size of the cached images.
    pub fn page_size_bytes(&self) -> usize {
        self.page_size_bytes
    }

    /// Changes the capacity (PRAGMA cache_size); takes effect on later insertions.
    pub fn set_capacity(&mut self, capacity_pages: usize) {
        self.capacity_pages = capacity_pages.max(MIN_CACHE_PAGES);
    }

    /// The capacity in pages.
    pub fn capacity(&self) -> usize {
        self.capacity_pages
    }

    /// Resident pages.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when no page is resident.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Traffic counters.
    pub fn stats(&self) -> CacheStats {
        self.stats
    }

    /// The cached page `pgno`, setting its CLOCK bit; `None` when absent.
    #[inline]
    pub fn fetch(&mut self, pgno: Pgno) -> Option<PageRef> {
        let &slot = self.map.get(&pgno)?;
        let page = self.slots[slot].as_ref().expect("mapped slot holds a page");
        page.referenced.set(true);
        Some(page.clone())
    }

    /// The cached page `pgno` without counting traffic.
    pub fn lookup(&self, pgno: Pgno) -> Option<PageRef> {
        self.map.get(&pgno).map(|&s| self.slots[s].as_ref().expect("mapped slot holds a page").clone())
    }

    /// True when the cache is at or over capacity (an insertion should first evict).
    pub fn is_full(&self) -> bool {
        self.map.len() >= self.capacity_pages
    }

    /// Inserts a new page `pgno` with `data` (which must be `page_size_bytes` long) and returns
    /// its handle. The page must not be resident.
    pub fn insert(&mut self, pgno: Pgno, data: Box<[u8]>) -> PageRef {
        debug_assert!(pgno != 0);
        debug_assert_eq!(data.len(), self.page_size_bytes);
        debug_assert!(!self.map.contains_key(&pgno), "page {pgno} inserted twice");
        let page = Rc::new(Page::new(pgno, data));
        let slot = match self.free_slots.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                self.slots.len() - 1
            }
        };
        self.slots[slot] = Some(page.clone());
        self.map.insert(pgno, slot);
        self.enqueue(slot, &page);
        page
    }

    /// Puts the page in `slot` at the back of the candidate queue, once.
    fn enqueue(&mut self, slot: usize, page: &Page) {
        if !page.queued.get() {
            page.queued.set(true);
            self.candidates.push_back(slot);
        }
    }

    /// Evicts one unpinned clean page chosen by CLOCK over the candidate queue; returns false
    /// when no candidate can go (every clean page is pinned).
    pub fn evict_one(&mut self) -> bool {
        // Each candidate is looked at most twice: once to clear its bit, once to evict it.
        let mut budget = 2 * self.candidates.len();
        while budget > 0 {
            budget -= 1;
            let Some(slot) = self.candidates.pop_front() else { return false };
            let Some(page) = self.slots[slot].clone() else { continue };
            page.queued.set(false);
            if page.is_dirty() {
                continue; // re-queued when it becomes clean
            }
            if Rc::strong_count(&page) > 2 || page.referenced.get() {
                page.referenced.set(false);
                self.enqueue(slot, &page);
                continue;
            }
            let pgno = page.pgno;
            self.remove_slot(slot, pgno);
            self.stats.evictions += 1;
            return true;
        }
        false
    }

    /// A zeroed buffer for a new page image.
    pub fn new_buffer(&self) -> Box<[u8]> {
        vec![0u8; self.page_size_bytes].into_boxed_slice()
    }

    fn remove_slot(&mut self, slot: usize, pgno: Pgno) {
        self.slots[slot] = None;
        self.map.remove(&pgno);
        self.free_slots.push(slot);
    }

    /// Marks `page` dirty (idempotent).
    pub fn make_dirty(&mut self, page: &PageRef) {
        if !page.is_dirty() {
            page.set(flag::DIRTY);
            self.dirty.insert(page.pgno, page.clone());
        }
    }

    /// Marks `page` clean: it equals the file (after a write-out or a restore).
    pub fn make_clean(&mut self, page: &PageRef) {
        if page.is_dirty() {
            page.clear(flag::DIRTY | flag::NEED_SYNC | flag::DONT_WRITE | flag::WRITEABLE);
            self.dirty.remove(&page.pgno);
            if let Some(&slot) = self.map.get(&page.pgno) {
                self.enqueue(slot, page);
            }
        }
    }

    /// Every dirty page, in ascending page-number order.
    pub fn dirty_pages(&self) -> impl Iterator<Item = &PageRef> {
        self.dirty.values()
    }

    /// The number of dirty pages.
    pub fn dirty_count(&self) -> usize {
        self.dirty.len()
    }

    /// Marks every dirty page clean (after commit) and every page not writeable.
    pub fn clean_all(&mut self) {
        for page in std::mem::take(&mut self.dirty).into_values() {
            page.clear(flag::DIRTY | flag::NEED_SYNC | flag::DONT_WRITE);
            if let Some(&slot) = self.map.get(&page.pgno) {
                self.enqueue(slot, &page);
            }
        }
        for page in self.slots.iter().flatten() {
            page.clear(flag::WRITEABLE);
        }
    }

    /// Clears NEED_SYNC on every page (the journal was just synced).
    pub fn clear_sync_flags(&mut self) {
        for page in self.dirty.values() {
            page.clear(flag::NEED_SYNC);
        }
    }

    /// Drops every page numbered above `db_size_pages` (after a rollback shrank the image).
    /// Pinned pages are dropped from the cache too; their handles stay valid but detached.
    pub fn truncate(&mut self, db_size_pages: Pgno) {
        let doomed: Vec<(usize, Pgno)> =
            self.map.iter().filter(|&(&p, _)| p > db_size_pages).map(|(&p, &s)| (s, p)).collect();
        for (slot, pgno) in doomed {
            if let Some(page) = self.dirty.remove(&pgno) {
                page.clear(flag::DIRTY | flag::NEED_SYNC | flag::DONT_WRITE | flag::WRITEABLE);
            }
            self.remove_slot(slot, pgno);
        }
    }

    /// Drops every page (the file changed under the cache, or the pager failed).
    pub fn clear(&mut self) {
        for page in std::mem::take(&mut self.dirty).into_values() {
            page.clear(flag::DIRTY | flag::NEED_SYNC | flag::DONT_WRITE | flag::WRITEABLE);
        }
        self.slots.clear();
        self.free_slots.clear();
        self.map.clear();
        self.candidates.clear();
    }

    /// Handles to `page` held outside the cache (the caller's own included).
    pub fn outside_refs(page: &PageRef) -> usize {
        Rc::strong_count(page) - 1 - usize::from(page.is_dirty())
    }

    /// Pages pinned by handles outside the cache.
    pub fn pinned_count(&self) -> usize {
        self.slots.iter().flatten().filter(|p| Rc::strong_count(p) > 1 + usize::from(p.is_dirty())).count()
    }

    /// Changes the page size; only valid when the cache is empty.
    pub fn set_page_size(&mut self, page_size_bytes: usize) {
        debug_assert!(self.map.is_empty());
        self.page_size_bytes = page_size_bytes;
    }

    /// A dirty, unpinned page to spill, preferring pages that do not need a journal sync
    /// (as `sqlite3PcacheFetchStress` does); `None` when every dirty page is pinned.
    pub fn spill_candidate(&self) -> Option<PageRef> {
        let unpinned = |p: &&PageRef| Rc::strong_count(p) <= 2; // the slot's and the dirty map's
        self.dirty
            .values()
            .filter(unpinned)
            .find(|p| !p.needs_sync())
            .or_else(|| self.dirty.values().find(unpinned))
            .cloned()
    }
}

/// The fewest pages a cache holds whatever cache_size says (SQLite keeps at least 10).
pub const MIN_CACHE_PAGES: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;

    fn buf(c: &PageCache, fill: u8) -> Box<[u8]> {
        vec![fill; c.page_size_bytes()].into_boxed_slice()
    }

    #[test]
    fn clock_evicts_unpinned_clean_pages_only() {
        let mut c = PageCache::new(512, 10);
        let mut pinned = Vec::new();
        for pgno in 1..=10 {
            let b = buf(&c, pgno as u8);
            let p = c.insert(pgno, b);
            if pgno <= 3 {
                pinned.push(p);
            }
        }
        assert!(c.is_full());
        let dirty = c.lookup(4).unwrap();
        c.make_dirty(&dirty);
        drop(dirty);
        for _ in 0..6 {
            assert!(c.evict_one());
        }
        // 1..=3 pinned and 4 dirty remain.
        assert!(!c.evict_one());
        assert_eq!(c.len(), 4);
        for pgno in 1..=4 {
            assert!(c.lookup(pgno).is_some(), "page {pgno} must stay");
        }
        assert_eq!(c.spill_candidate().map(|p| p.pgno()), Some(4));
        drop(pinned);
        assert!(c.evict_one());
    }

    #[test]
    fn dirty_pages_come_out_sorted() {
        let mut c = PageCache::new(512, 100);
        for pgno in [7, 3, 9, 1] {
            let b = buf(&c, 0);
            let p = c.insert(pgno, b);
            c.make_dirty(&p);
        }
        let order: Vec<Pgno> = c.dirty_pages().map(|p| p.pgno()).collect();
        assert_eq!(order, vec![1, 3, 7, 9]);
        c.truncate(5);
        let order: Vec<Pgno> = c.dirty_pages().map(|p| p.pgno()).collect();
        assert_eq!(order, vec![1, 3]);
        assert!(c.lookup(7).is_none());
        c.clean_all();
        assert_eq!(c.dirty_count(), 0);
    }

    #[test]
    fn pins_are_counted_apart_from_the_cache() {
        let mut c = PageCache::new(512, 10);
        let b = buf(&c, 0);
        let p = c.insert(1, b);
        assert_eq!(PageCache::outside_refs(&p), 1);
        c.make_dirty(&p);
        assert_eq!(PageCache::outside_refs(&p), 1);
        let q = c.fetch(1).unwrap();
        assert_eq!(PageCache::outside_refs(&q), 2);
    }
}
