//! The page cache: a bounded set of page images with dirty tracking, following SQLite's
//! pcache.c / pcache1.c policy so that pages are spilled at the same moments.
//!
//! - A page handed out is a [`PageRef`], a counted handle: the page is *referenced* while any
//!   handle is alive (SQLite's nRef), and *pinned* while it is referenced or dirty (pcache1's
//!   notion: such a page cannot be recycled). The cache keeps exact counts of both.
//! - Capacity (`PRAGMA cache_size`): N > 0 pages, or with N < 0, as many pages as fit in
//!   |N| KiB at (page size + 136) bytes each (numberOfCachePages; 136 is sizeof(MemPage), the
//!   per-page extra SQLite's b-tree asks for). The default is -2000.
//! - Spill: when pinned pages reach 90% of the capacity, a new page first spills one dirty
//!   page (pcache1Fetch refusing createFlag 1, then sqlite3PcacheFetchStress): the oldest
//!   dirtied unreferenced page whose journal record is synced, found by a scan that resumes
//!   where the last one stopped (pSynced), else the oldest unreferenced dirty page.
//! - Recycling: when the cache would reach its capacity, the page unpinned the longest is
//!   recycled (pcache1's LRU list, [`super::lru`]); when every page is pinned the cache grows
//!   instead, and a page unpinned while the cache is over its capacity is discarded at once.
//!
//! Invariants:
//! - `map[pgno] == slot` iff `slots[slot]` holds the page numbered `pgno`, except for pages
//!   discarded on unpin, which leave the map at the next lookup (`reap`) and are never
//!   returned before it;
//! - a page is `resident` iff it is in the map and not discarded; the LRU list links exactly
//!   the resident pages that are unreferenced and clean;
//! - `dirty` holds exactly the pages with the DIRTY flag, keyed by the order they were made
//!   dirty; `pinned` counts the pages that are referenced or dirty.

use std::cell::{Cell, Ref, RefCell, RefMut};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Deref;
use std::rc::{Rc, Weak};

use super::lru::Lru;

/// A page number (1-based; 0 means "no page").
pub type Pgno = u32;

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
    /// Live [`PageRef`]s (SQLite's nRef).
    refs: Cell<u32>,
    /// Counted in the cache's pinned total (referenced or dirty).
    counted: Cell<bool>,
    /// The cache's pinned total, shared by all its pages.
    pinned: Rc<Cell<usize>>,
    /// The cache's dirty list, so that releasing the last handle can reorder it.
    dirty_list: Weak<RefCell<DirtyList>>,
    /// The page's node in the dirty list while it is dirty, else `NONE`.
    dirty_node: Cell<u32>,
    /// The cache slot holding the page (its node in the LRU list).
    slot: u32,
    /// In the cache: not recycled, discarded, truncated or dropped. A page that is not keeps
    /// its handles valid but never touches the LRU list again.
    resident: Cell<bool>,
    /// The cache's LRU list, which the page joins when it becomes unpinned.
    lru: Rc<RefCell<Lru>>,
    /// The b-tree page header fields the b-tree last parsed from these bytes (see
    /// [`Page::btree_header`]), or `NO_HEADER`; every change to the bytes forgets them.
    btree_header: Cell<u32>,
}

/// `Page::btree_header` when the bytes changed since the b-tree last parsed them.
const NO_HEADER: u32 = 0;

impl Page {
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
        self.btree_header.set(NO_HEADER);
        RefMut::map(self.data.borrow_mut(), |b| &mut **b)
    }

    /// The page type byte and cell count of the b-tree page header, as the b-tree parsed and
    /// checked them from the page's current bytes ([`Page::set_btree_header`]); `None` when
    /// the bytes changed since, or were never parsed. SQLite keeps its parsed MemPage beside
    /// the page image for the same reason: a seek passing through an unchanged page need
    /// not read its header again.
    pub fn btree_header(&self) -> Option<(u8, u16)> {
        let h = self.btree_header.get();
        (h != NO_HEADER).then_some(((h >> 16) as u8, h as u16))
    }

    /// Records the header fields the b-tree just parsed and checked from the current bytes.
    pub fn set_btree_header(&self, page_type: u8, n_cell: u16) {
        debug_assert!(self.data.try_borrow_mut().is_ok(), "page {} parsed while being written", self.pgno);
        self.btree_header.set(1 << 24 | u32::from(page_type) << 16 | u32::from(n_cell));
    }

    /// True when the page may be modified in this transaction.
    pub fn is_writeable(&self) -> bool {
        self.flags.get() & flag::WRITEABLE != 0
    }

    /// True when the page differs from the file.
    pub fn is_dirty(&self) -> bool {
        self.flags.get() & flag::DIRTY != 0
    }

    /// Live handles to this page.
    pub fn ref_count(&self) -> u32 {
        self.refs.get()
    }

    pub(crate) fn needs_sync(&self) -> bool {
        self.flags.get() & flag::NEED_SYNC != 0
    }

    pub(crate) fn dont_write(&self) -> bool {
        self.flags.get() & flag::DONT_WRITE != 0
    }

    fn set(&self, f: u8) {
        self.flags.set(self.flags.get() | f);
        self.sync_pin();
    }

    fn clear(&self, f: u8) {
        self.flags.set(self.flags.get() & !f);
        self.sync_pin();
    }

    /// Keeps the cache's pinned total and LRU list in step with this page's references and
    /// dirtiness: a resident page becoming pinned leaves the list, one becoming unpinned
    /// joins it (or is discarded, when the cache is over its capacity).
    fn sync_pin(&self) {
        let want = self.refs.get() > 0 || self.is_dirty();
        if want != self.counted.get() {
            self.counted.set(want);
            let n = self.pinned.get();
            self.pinned.set(if want { n + 1 } else { n - 1 });
            if self.resident.get() {
                let mut lru = self.lru.borrow_mut();
                if want {
                    lru.pin(self.slot);
                } else if !lru.unpin(self.slot) {
                    self.resident.set(false);
                }
            }
        }
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
        self.btree_header.set(NO_HEADER);
        other.btree_header.set(NO_HEADER);
    }

    /// Replaces the image (journal playback), keeping the page's identity.
    pub(crate) fn overwrite(&self, bytes: &[u8]) {
        self.btree_header.set(NO_HEADER);
        self.data.borrow_mut().copy_from_slice(bytes);
    }

    /// The raw image regardless of the WRITEABLE flag (pager-internal writes such as the
    /// change counter and the header of a new database).
    pub(crate) fn data_mut_unchecked(&self) -> RefMut<'_, [u8]> {
        self.btree_header.set(NO_HEADER);
        RefMut::map(self.data.borrow_mut(), |b| &mut **b)
    }
}

/// A counted handle to a cached page: while one is alive the page is never evicted.
#[derive(Debug)]
pub struct PageRef(Rc<Page>);

impl PageRef {
    fn new(page: &Rc<Page>) -> PageRef {
        page.refs.set(page.refs.get() + 1);
        page.sync_pin();
        PageRef(page.clone())
    }
}

impl Clone for PageRef {
    fn clone(&self) -> PageRef {
        PageRef::new(&self.0)
    }
}

impl Drop for PageRef {
    /// Releasing the last handle to a dirty page moves it to the newest end of the dirty
    /// list (sqlite3PcacheRelease), which decides the order pages are spilled in.
    fn drop(&mut self) {
        self.0.refs.set(self.0.refs.get() - 1);
        self.0.sync_pin();
        if self.0.refs.get() == 0
            && self.0.is_dirty()
            && let Some(list) = self.0.dirty_list.upgrade()
            && let Ok(mut list) = list.try_borrow_mut()
        {
            list.move_to_front(&self.0);
        }
    }
}

/// The dirty pages in the order SQLite's dirty list keeps them (oldest first), and where the
/// next spill scan starts (pSynced): a doubly linked list, so that adding, removing and
/// moving a page to the newest end take constant time, as with pcache.c's pDirtyNext /
/// pDirtyPrev pointers. Its nodes live in a vector; a dirty page knows its node
/// (`Page::dirty_node`), so no step looks anything up by page number. `NONE` ends the list.
#[derive(Debug)]
struct DirtyList {
    /// Nodes by number; a free node holds no page and is on `free`.
    nodes: Vec<DirtyNode>,
    free: Vec<u32>,
    len: usize,
    oldest: u32,
    newest: u32,
    /// A node of the list, or `NONE` when the last scan ran off the newest end.
    synced: u32,
}

/// One place in the dirty list: its page and its neighbours.
#[derive(Debug)]
struct DirtyNode {
    page: Option<Rc<Page>>,
    /// The next older node (towards pDirtyTail), or `NONE`.
    older: u32,
    /// The next newer node (towards pDirty), or `NONE`.
    newer: u32,
}

/// The end of a dirty list, and the node of a page that is not in it.
const NONE: u32 = u32::MAX;

impl Default for DirtyNode {
    fn default() -> DirtyNode {
        DirtyNode { page: None, older: NONE, newer: NONE }
    }
}

impl DirtyList {
    /// An empty list.
    fn new() -> DirtyList {
        DirtyList { nodes: Vec::new(), free: Vec::new(), len: 0, oldest: NONE, newest: NONE, synced: NONE }
    }

    /// The number of dirty pages.
    fn len(&self) -> usize {
        self.len
    }

    /// The node of `page`, which must be in the list.
    fn node_of(&self, page: &Page) -> u32 {
        let n = page.dirty_node.get();
        debug_assert!(
            self.nodes.get(n as usize).and_then(|d| d.page.as_ref()).is_some_and(|p| std::ptr::eq(&**p, page)),
            "page {} in the dirty list",
            page.pgno
        );
        n
    }

    /// Node `n`, which must be in use.
    fn node(&mut self, n: u32) -> &mut DirtyNode {
        &mut self.nodes[n as usize]
    }

    /// The page of node `n`, which must be in use.
    fn page(&self, n: u32) -> &Rc<Page> {
        self.nodes[n as usize].page.as_ref().expect("a node in the list holds a page")
    }

    /// Links `page` in as the newest (pcacheManageDirtyList ADD).
    fn add(&mut self, page: &Rc<Page>) {
        debug_assert_eq!(page.dirty_node.get(), NONE, "page {} added twice", page.pgno);
        let older = self.newest;
        let node = DirtyNode { page: Some(page.clone()), older, newer: NONE };
        let n = match self.free.pop() {
            Some(n) => {
                self.nodes[n as usize] = node;
                n
            }
            None => {
                self.nodes.push(node);
                (self.nodes.len() - 1) as u32
            }
        };
        debug_assert!(n != NONE);
        page.dirty_node.set(n);
        self.len += 1;
        self.link_newest(n, older);
        if self.synced == NONE && !page.needs_sync() {
            self.synced = n;
        }
    }

    /// Makes node `n`, which already holds `older` as its older neighbour, the newest.
    fn link_newest(&mut self, n: u32, older: u32) {
        if older == NONE {
            self.oldest = n;
        } else {
            self.node(older).newer = n;
        }
        self.newest = n;
    }

    /// Unlinks node `n` from its neighbours, moving the scan start past it (the REMOVE half
    /// of pcacheManageDirtyList); the node keeps its page.
    fn unlink(&mut self, n: u32) {
        let DirtyNode { older, newer, .. } = *self.node(n);
        if self.synced == n {
            self.synced = newer;
        }
        if newer == NONE {
            self.newest = older;
        } else {
            self.node(newer).older = older;
        }
        if older == NONE {
            self.oldest = newer;
        } else {
            self.node(older).newer = newer;
        }
    }

    /// Removes `page` (pcacheManageDirtyList REMOVE).
    fn remove(&mut self, page: &Page) {
        let n = self.node_of(page);
        self.unlink(n);
        *self.node(n) = DirtyNode::default();
        self.free.push(n);
        page.dirty_node.set(NONE);
        self.len -= 1;
    }

    /// Moves `page` to the newest end (PCACHE_DIRTYLIST_FRONT: REMOVE, then ADD).
    fn move_to_front(&mut self, page: &Page) {
        let n = self.node_of(page);
        if self.newest != n {
            self.unlink(n);
            let older = self.newest;
            let node = self.node(n);
            node.older = older;
            node.newer = NONE;
            self.link_newest(n, older);
        } else if self.synced == n {
            // REMOVE moves the scan start past the newest page (to none); ADD puts it back
            // unless the page needs a sync.
            if page.needs_sync() {
                self.synced = NONE;
            }
        }
        if self.synced == NONE && !page.needs_sync() {
            self.synced = n;
        }
    }

    /// Pages `a` and `b` trade places in the list (and the scan start, if at one of them,
    /// stays at its place): the two nodes exchange their pages.
    fn swap_places(&mut self, a: &Page, b: &Page) {
        let (na, nb) = (self.node_of(a), self.node_of(b));
        let pa = self.node(na).page.take();
        let pb = std::mem::replace(&mut self.node(nb).page, pa);
        self.node(na).page = pb;
        a.dirty_node.set(nb);
        b.dirty_node.set(na);
    }

    /// The pages from node `start` to the newest, in list order.
    fn iter_from(&self, start: u32) -> impl Iterator<Item = &Rc<Page>> {
        let mut at = start;
        std::iter::from_fn(move || {
            if at == NONE {
                return None;
            }
            let page = self.page(at);
            at = self.nodes[at as usize].newer;
            Some(page)
        })
    }

    /// Every page of the list, in no particular order.
    fn pages(&self) -> impl Iterator<Item = &Rc<Page>> {
        self.nodes.iter().filter_map(|n| n.page.as_ref())
    }

    /// Empties the list, returning its pages newest first (the order sqlite3PcacheCleanAll
    /// cleans them in).
    fn take_all_newest_first(&mut self) -> Vec<Rc<Page>> {
        let mut pages = Vec::with_capacity(self.len);
        let mut at = self.newest;
        while at != NONE {
            let node = &mut self.nodes[at as usize];
            let page = node.page.take().expect("a node in the list holds a page");
            at = node.older;
            page.dirty_node.set(NONE);
            pages.push(page);
        }
        debug_assert_eq!(pages.len(), self.len);
        *self = DirtyList::new();
        pages
    }
}

impl Deref for PageRef {
    type Target = Page;
    fn deref(&self) -> &Page {
        &self.0
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

/// SQLite's default PRAGMA cache_size: 2000 KiB.
pub const DEFAULT_CACHE_SIZE: i64 = -2000;
/// The fewest pages a cache holds whatever cache_size says (pcache1's nMin).
pub const MIN_CACHE_PAGES: usize = 10;
/// Bytes SQLite accounts per cached page beyond the page itself (sizeof(MemPage)).
pub const PAGE_EXTRA_BYTES: i64 = 136;

/// The capacity in pages for a PRAGMA cache_size value (numberOfCachePages).
pub fn cache_pages(cache_size: i64, page_size_bytes: usize) -> usize {
    let n =
        if cache_size >= 0 { cache_size } else { (-1024 * cache_size) / (page_size_bytes as i64 + PAGE_EXTRA_BYTES) };
    (n.min(1_000_000_000) as usize).max(MIN_CACHE_PAGES)
}

/// The bounded page cache.
#[derive(Debug)]
pub struct PageCache {
    page_size_bytes: usize,
    /// PRAGMA cache_size: pages if positive, KiB if negative.
    cache_size: i64,
    /// Capacity in pages (from `cache_size` and the page size).
    capacity_pages: usize,
    slots: Vec<Option<Rc<Page>>>,
    free_slots: Vec<u32>,
    map: PgnoMap<u32>,
    /// Unpinned pages in recycling order, the resident count, and the pages discarded on
    /// unpin (see [`super::lru`]); shared with every page.
    lru: Rc<RefCell<Lru>>,
    /// Dirty pages, oldest first (SQLite's dirty list).
    dirty: Rc<RefCell<DirtyList>>,
    /// Pages referenced or dirty.
    pinned: Rc<Cell<usize>>,
    stats: CacheStats,
    /// The image buffer of the last page evicted, for the next page read from the file
    /// (pcache1 recycles the page it evicts the same way).
    spare: Option<Box<[u8]>>,
}

impl PageCache {
    /// An empty cache for pages of `page_size_bytes` with PRAGMA cache_size `cache_size`.
    pub fn new(page_size_bytes: usize, cache_size: i64) -> PageCache {
        let capacity_pages = cache_pages(cache_size, page_size_bytes);
        PageCache {
            page_size_bytes,
            cache_size,
            capacity_pages,
            slots: Vec::new(),
            free_slots: Vec::new(),
            map: PgnoMap::default(),
            lru: Rc::new(RefCell::new(Lru::new(capacity_pages))),
            dirty: Rc::new(RefCell::new(DirtyList::new())),
            pinned: Rc::new(Cell::new(0)),
            stats: CacheStats::default(),
            spare: None,
        }
    }

    /// Page size of the cached images.
    pub fn page_size_bytes(&self) -> usize {
        self.page_size_bytes
    }

    /// Changes PRAGMA cache_size. A smaller capacity recycles unpinned pages until the cache
    /// fits it or none is left (pcache1EnforceMaxPage); pinned pages stay.
    pub fn set_cache_size(&mut self, cache_size: i64) {
        self.cache_size = cache_size;
        self.set_capacity(cache_pages(cache_size, self.page_size_bytes));
        while self.lru.borrow().over_capacity() && self.evict_one() {}
    }

    fn set_capacity(&mut self, capacity_pages: usize) {
        self.capacity_pages = capacity_pages;
        self.lru.borrow_mut().set_capacity(capacity_pages);
    }

    /// The capacity in pages.
    pub fn capacity(&self) -> usize {
        self.capacity_pages
    }

    /// Resident pages.
    pub fn len(&self) -> usize {
        self.lru.borrow().resident()
    }

    /// True when no page is resident.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Traffic counters.
    pub fn stats(&self) -> CacheStats {
        self.stats
    }

    /// Pages referenced or dirty.
    pub fn pinned(&self) -> usize {
        self.pinned.get()
    }

    /// True when a new page must first spill a dirty one (pcache1Fetch refuses createFlag 1
    /// at 90% pinned, and sqlite3PcacheFetchStress spills when more than one page is cached).
    pub fn wants_spill(&self) -> bool {
        self.pinned.get() >= self.capacity_pages * 9 / 10 && self.len() > 1
    }

    /// True when a new page must first recycle a clean one (pcache1FetchStage2).
    pub fn wants_recycle(&self) -> bool {
        self.len() + 1 >= self.capacity_pages
    }

    /// The cached page `pgno` (pinning it); `None` when absent.
    #[inline]
    pub fn fetch(&mut self, pgno: Pgno) -> Option<PageRef> {
        self.reap();
        let &slot = self.map.get(&pgno)?;
        Some(PageRef::new(self.slots[slot as usize].as_ref().expect("mapped slot holds a page")))
    }

    /// The cached page `pgno`, as `fetch`, for callers without `&mut` (sqlite3PagerLookup
    /// pins the page too); a page discarded on unpin but not yet reaped is absent.
    pub fn lookup(&self, pgno: Pgno) -> Option<PageRef> {
        let page = self.slots[*self.map.get(&pgno)? as usize].as_ref().expect("mapped slot holds a page");
        page.resident.get().then(|| PageRef::new(page))
    }

    /// Inserts a new page `pgno` with `data` (which must be `page_size_bytes` long) and returns
    /// its handle. The page must not be resident.
    pub fn insert(&mut self, pgno: Pgno, data: Box<[u8]>) -> PageRef {
        debug_assert!(pgno != 0);
        debug_assert_eq!(data.len(), self.page_size_bytes);
        self.reap();
        debug_assert!(!self.map.contains_key(&pgno), "page {pgno} inserted twice");
        let slot = match self.free_slots.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                u32::try_from(self.slots.len() - 1).expect("fewer than 2^32 cache slots")
            }
        };
        self.lru.borrow_mut().admit(slot);
        let page = Rc::new(Page {
            pgno,
            data: RefCell::new(data),
            flags: Cell::new(0),
            refs: Cell::new(0),
            counted: Cell::new(false),
            pinned: self.pinned.clone(),
            dirty_list: Rc::downgrade(&self.dirty),
            dirty_node: Cell::new(NONE),
            slot,
            resident: Cell::new(true),
            lru: self.lru.clone(),
            btree_header: Cell::new(NO_HEADER),
        });
        self.slots[slot as usize] = Some(page.clone());
        self.map.insert(pgno, slot);
        PageRef::new(&page)
    }

    /// Recycles the page unpinned the longest; returns false when every page is pinned.
    pub fn evict_one(&mut self) -> bool {
        self.reap();
        let Some(slot) = self.lru.borrow().oldest() else { return false };
        let page = self.slots[slot as usize].clone().expect("a listed slot holds a page");
        debug_assert!(page.refs.get() == 0 && !page.is_dirty(), "page {} recycled while pinned", page.pgno);
        self.remove_slot(slot, page.pgno);
        self.retire(page);
        true
    }

    /// Counts an evicted page and keeps its image buffer for the next read (unreferenced
    /// and out of the slots, the page has no other owner).
    fn retire(&mut self, page: Rc<Page>) {
        self.stats.evictions += 1;
        if let Ok(page) = Rc::try_unwrap(page) {
            self.spare = Some(page.data.into_inner());
        }
    }

    /// Frees the slots of the pages discarded on unpin (see [`super::lru`]).
    #[inline]
    fn reap(&mut self) {
        if !self.lru.borrow().has_doomed() {
            return;
        }
        let doomed = self.lru.borrow_mut().take_doomed();
        for slot in doomed {
            // A doomed page is unreferenced and clean: the slot is its only owner.
            if let Some(page) = self.slots[slot as usize].take_if(|p| !p.resident.get()) {
                self.map.remove(&page.pgno);
                self.free_slots.push(slot);
                self.retire(page);
            }
        }
    }

    /// A zeroed buffer for a new page image.
    pub fn new_buffer(&self) -> Box<[u8]> {
        vec![0u8; self.page_size_bytes].into_boxed_slice()
    }

    /// A buffer for a page image about to be read from the file, which overwrites all of
    /// it: the last evicted page's buffer, with its old bytes, when there is one.
    pub fn buffer_for_read(&mut self) -> Box<[u8]> {
        match self.spare.take() {
            Some(b) if b.len() == self.page_size_bytes => b,
            _ => self.new_buffer(),
        }
    }

    /// Takes the page in `slot` out of the cache; its handles stay valid but detached.
    fn remove_slot(&mut self, slot: u32, pgno: Pgno) {
        if let Some(page) = self.slots[slot as usize].take()
            && page.resident.replace(false)
        {
            self.lru.borrow_mut().forget(slot);
        }
        self.map.remove(&pgno);
        self.free_slots.push(slot);
    }

    /// Marks `page` dirty (idempotent): it joins the dirty list as its newest member.
    pub fn make_dirty(&mut self, page: &PageRef) {
        if !page.is_dirty() {
            page.set(flag::DIRTY);
            self.dirty.borrow_mut().add(&page.0);
        }
    }

    /// Marks `page` clean: it equals the file (after a write-out or a restore). Unpinned by
    /// this, it joins the LRU list at once if unreferenced, else when its last handle goes.
    pub fn make_clean(&mut self, page: &Page) {
        if page.is_dirty() {
            self.dirty.borrow_mut().remove(page);
            page.clear(flag::DIRTY | flag::NEED_SYNC | flag::DONT_WRITE | flag::WRITEABLE);
        }
    }

    /// Exchanges the images of pages `a` and `b` as SQLite's sqlite3PagerRekey moves page
    /// objects between page numbers: each number keeps its flags, the bytes and the places in
    /// the dirty list trade, and then a page that needs a journal sync moves to the newest
    /// end (sqlite3PcacheMove), `b` first, then `a`, then `b` again.
    pub fn swap_pages(&mut self, a: &PageRef, b: &PageRef) {
        debug_assert!(a.is_dirty() && b.is_dirty());
        a.swap_data(b);
        let mut list = self.dirty.borrow_mut();
        list.swap_places(a, b);
        for page in [b, a, b] {
            if page.needs_sync() {
                list.move_to_front(&page.0);
            }
        }
    }

    /// Every dirty page, in ascending page-number order (sqlite3PcacheDirtyList sorts them).
    /// The pages are not referenced through these (dirty, they are pinned anyway), so that
    /// letting them go changes neither the dirty list nor the LRU list.
    pub(super) fn dirty_pages_by_pgno(&self) -> Vec<Rc<Page>> {
        let mut pages: Vec<Rc<Page>> = self.dirty.borrow().pages().cloned().collect();
        pages.sort_unstable_by_key(|p| p.pgno);
        pages
    }

    /// The number of dirty pages.
    pub fn dirty_count(&self) -> usize {
        self.dirty.borrow().len()
    }

    /// Marks every dirty page clean (after commit) and every page not writeable. The pages
    /// are cleaned newest first (sqlite3PcacheCleanAll takes the head of the dirty list each
    /// time), so the unreferenced ones join the LRU list in that order, and while the cache
    /// is over its capacity the first of them are discarded.
    pub fn clean_all(&mut self) {
        self.reap();
        let pages = self.dirty.borrow_mut().take_all_newest_first();
        for page in pages {
            page.clear(flag::DIRTY | flag::NEED_SYNC | flag::DONT_WRITE);
        }
        for page in self.slots.iter().flatten() {
            page.clear(flag::WRITEABLE);
        }
    }

    /// Clears NEED_SYNC on every page (the journal was just synced); the spill scan starts
    /// over from the oldest dirty page.
    pub fn clear_sync_flags(&mut self) {
        let mut list = self.dirty.borrow_mut();
        for page in list.pages() {
            page.clear(flag::NEED_SYNC);
        }
        list.synced = list.oldest;
    }

    /// Drops every page numbered above `db_size_pages` (after a rollback shrank the image).
    /// Referenced pages are dropped from the cache too; their handles stay valid but detached.
    pub fn truncate(&mut self, db_size_pages: Pgno) {
        self.reap();
        let doomed: Vec<(u32, Pgno)> =
            self.map.iter().filter(|&(&p, _)| p > db_size_pages).map(|(&p, &s)| (s, p)).collect();
        for (slot, pgno) in doomed {
            let page = self.slots[slot as usize].clone().expect("mapped slot holds a page");
            self.remove_slot(slot, pgno);
            if page.is_dirty() {
                self.dirty.borrow_mut().remove(&page);
                page.clear(flag::DIRTY | flag::NEED_SYNC | flag::DONT_WRITE | flag::WRITEABLE);
            }
        }
    }

    /// Drops every dirty page, keeping the clean ones (after a rollback: the pages the
    /// journal did not restore, whose bytes match nothing the file holds). Their handles
    /// stay valid but detached.
    pub fn drop_dirty(&mut self) {
        self.reap();
        let pages = self.dirty.borrow_mut().take_all_newest_first();
        for page in pages {
            let pgno = page.pgno;
            if self.slots[page.slot as usize].as_ref().is_some_and(|p| Rc::ptr_eq(p, &page)) {
                self.remove_slot(page.slot, pgno);
            }
            page.clear(flag::DIRTY | flag::NEED_SYNC | flag::DONT_WRITE | flag::WRITEABLE);
        }
    }

    /// Drops every page (the file changed under the cache, or the pager failed).
    pub fn clear(&mut self) {
        for page in self.slots.iter().flatten() {
            page.resident.set(false);
        }
        let pages = self.dirty.borrow_mut().take_all_newest_first();
        for page in pages {
            page.clear(flag::DIRTY | flag::NEED_SYNC | flag::DONT_WRITE | flag::WRITEABLE);
        }
        self.slots.clear();
        self.free_slots.clear();
        self.map.clear();
        *self.lru.borrow_mut() = Lru::new(self.capacity_pages);
    }

    /// True when page `pgno` is resident; unlike `lookup`, it does not pin the page, so the
    /// recycling order stays as it was (tests).
    #[cfg(test)]
    fn contains(&self, pgno: Pgno) -> bool {
        self.map.get(&pgno).is_some_and(|&s| self.slots[s as usize].as_ref().is_some_and(|p| p.resident.get()))
    }

    /// Pages with live handles.
    pub fn referenced_count(&self) -> usize {
        self.slots.iter().flatten().filter(|p| p.refs.get() > 0).count()
    }

    /// Changes the page size; only valid when the cache is empty.
    pub fn set_page_size(&mut self, page_size_bytes: usize) {
        debug_assert!(self.is_empty());
        self.page_size_bytes = page_size_bytes;
        self.set_capacity(cache_pages(self.cache_size, page_size_bytes));
    }

    /// The dirty page to spill (sqlite3PcacheFetchStress): the oldest unreferenced page not
    /// needing a journal sync, scanning on from where the last scan stopped; else the oldest
    /// unreferenced dirty page. None when every dirty page is referenced. The page is not
    /// referenced through the result, as pagerStress takes none: a candidate left unspilled
    /// keeps its place in the dirty list, and one spilled joins the LRU list when cleaned.
    pub fn spill_candidate(&mut self) -> Option<Rc<Page>> {
        let mut list = self.dirty.borrow_mut();
        if list.synced != NONE {
            let found = list.iter_from(list.synced).find(|p| p.refs.get() == 0 && !p.needs_sync()).cloned();
            list.synced = found.as_ref().map_or(NONE, |p| p.dirty_node.get());
            if found.is_some() {
                return found;
            }
        }
        list.iter_from(list.oldest).find(|p| p.refs.get() == 0).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buf(c: &PageCache, fill: u8) -> Box<[u8]> {
        vec![fill; c.page_size_bytes()].into_boxed_slice()
    }

    #[test]
    fn capacity_follows_sqlite_formula() {
        assert_eq!(cache_pages(-2000, 4096), 483);
        assert_eq!(cache_pages(-2000, 65536), 31);
        assert_eq!(cache_pages(-2000, 512), 3160);
        assert_eq!(cache_pages(100, 4096), 100);
        assert_eq!(cache_pages(1, 4096), MIN_CACHE_PAGES);
    }

    #[test]
    fn eviction_skips_referenced_and_dirty_pages() {
        let mut c = PageCache::new(512, 10);
        let mut held = Vec::new();
        for pgno in 1..=10 {
            let b = buf(&c, pgno as u8);
            let p = c.insert(pgno, b);
            if pgno <= 3 {
                held.push(p);
            }
        }
        let dirty = c.lookup(4).unwrap();
        c.make_dirty(&dirty);
        drop(dirty);
        assert_eq!(c.pinned(), 4);
        for _ in 0..6 {
            assert!(c.evict_one());
        }
        assert!(!c.evict_one());
        assert_eq!(c.len(), 4);
        assert_eq!(c.spill_candidate().map(|p| p.pgno()), Some(4));
        drop(held);
        assert_eq!(c.pinned(), 1);
        assert!(c.evict_one());
    }

    /// pcache1's recycling: the page unpinned the longest goes first; a page unpinned while
    /// the cache is over its capacity is discarded at once; a commit unpins its pages newest
    /// dirty first.
    #[test]
    fn recycling_follows_unpin_order_and_capacity() {
        let mut c = PageCache::new(512, 10);
        let held: Vec<PageRef> = (1..=12).map(|pgno| c.insert(pgno, buf(&c, 0))).collect();
        assert_eq!(c.len(), 12, "a cache of pinned pages grows past its capacity");
        drop(held); // unpins 1, 2, ..., 12 in that order
        assert_eq!(c.len(), 10);
        assert!(!c.contains(1) && !c.contains(2), "unpinned over capacity: discarded");
        drop(c.fetch(3)); // 3 becomes the most recently unpinned
        let mut recycled = Vec::new();
        while c.len() > 7 {
            let before: Vec<Pgno> = (1..=12).filter(|&p| c.contains(p)).collect();
            assert!(c.evict_one());
            recycled.extend(before.into_iter().filter(|&p| !c.contains(p)));
        }
        assert_eq!(recycled, vec![4, 5, 6]);
        // A transaction dirties 7, 9, 8 (in that order); committing cleans newest first,
        // so 8 is unpinned first and recycled first.
        for pgno in [7, 9, 8] {
            let p = c.fetch(pgno).unwrap();
            p.set_writeable();
            c.make_dirty(&p);
        }
        c.clean_all();
        let before: Vec<Pgno> = (1..=12).filter(|&p| c.contains(p)).collect();
        for _ in 0..4 {
            assert!(c.evict_one());
        }
        let gone: Vec<Pgno> = before.into_iter().filter(|&p| !c.contains(p)).collect();
        // 10, 11, 12 and 3 were unpinned before the commit; of them 10 goes first, then
        // 11, 12, 3; the commit's pages follow.
        assert_eq!(gone, vec![3, 10, 11, 12]);
        assert_eq!(c.len(), 3);
        assert!(c.evict_one());
        assert!(!c.contains(8) && c.contains(9) && c.contains(7));
    }

    #[test]
    fn dirty_pages_sort_by_number_and_spill_oldest_first() {
        let mut c = PageCache::new(512, 100);
        for pgno in [7, 3, 9, 1] {
            let b = buf(&c, 0);
            let p = c.insert(pgno, b);
            c.make_dirty(&p);
        }
        // Made dirty while referenced: releasing each handle moved its page to the newest
        // end, so the oldest is the first released.
        assert_eq!(c.spill_candidate().map(|p| p.pgno()), Some(7));
        // Neither the spill candidate nor the sorted list references the pages, so neither
        // reorders the list (pagerStress and sqlite3PcacheDirtyList take no reference).
        let order: Vec<Pgno> = c.dirty_pages_by_pgno().iter().map(|p| p.pgno()).collect();
        assert_eq!(order, vec![1, 3, 7, 9]);
        c.clear_sync_flags();
        assert_eq!(c.spill_candidate().map(|p| p.pgno()), Some(7));
        // Releasing a handle does: 7 moves to the newest end.
        drop(c.fetch(7));
        assert_eq!(c.spill_candidate().map(|p| p.pgno()), Some(3));
        c.truncate(5);
        let order: Vec<Pgno> = c.dirty_pages_by_pgno().iter().map(|p| p.pgno()).collect();
        assert_eq!(order, vec![1, 3]);
        assert!(c.lookup(7).is_none());
        c.clean_all();
        assert_eq!(c.dirty_count(), 0);
        assert_eq!(c.pinned(), 0);
    }

    /// The dirty list against a model (a vector, oldest first, and the scan start as a page
    /// number), through random adds, removes, moves to the newest end and swaps.
    #[test]
    fn dirty_list_matches_a_model() {
        let mut c = PageCache::new(512, 1000);
        let pages: Vec<PageRef> = (1..=12).map(|p| c.insert(p, vec![0; 512].into_boxed_slice())).collect();
        let mut list = DirtyList::new();
        let mut model: Vec<Pgno> = Vec::new();
        let mut synced: Option<Pgno> = None;
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        for _ in 0..20_000 {
            let page = &pages[next(12) as usize].0;
            let p = page.pgno;
            if next(4) == 0 {
                if page.needs_sync() { page.clear(flag::NEED_SYNC) } else { page.set(flag::NEED_SYNC) }
            }
            let present = model.contains(&p);
            match next(4) {
                0 if !present => {
                    list.add(page);
                    model.push(p);
                    if synced.is_none() && !page.needs_sync() {
                        synced = Some(p);
                    }
                }
                1 if present => {
                    list.remove(page);
                    let i = model.iter().position(|&q| q == p).unwrap();
                    if synced == Some(p) {
                        synced = model.get(i + 1).copied();
                    }
                    model.remove(i);
                }
                2 if present => {
                    list.move_to_front(page);
                    let i = model.iter().position(|&q| q == p).unwrap();
                    if synced == Some(p) {
                        synced = model.get(i + 1).copied();
                    }
                    model.remove(i);
                    model.push(p);
                    if synced.is_none() && !page.needs_sync() {
                        synced = Some(p);
                    }
                }
                3 if present && model.len() > 1 => {
                    let q = model[next(model.len() as u64) as usize];
                    if q != p {
                        list.swap_places(page, &pages[q as usize - 1].0);
                        let (i, j) =
                            (model.iter().position(|&x| x == p).unwrap(), model.iter().position(|&x| x == q).unwrap());
                        model.swap(i, j);
                        synced = synced.map(|s| {
                            if s == p {
                                q
                            } else if s == q {
                                p
                            } else {
                                s
                            }
                        });
                    }
                }
                _ => {}
            }
            let order: Vec<Pgno> = list.iter_from(list.oldest).map(|pg| pg.pgno).collect();
            assert_eq!(order, model);
            let list_synced = (list.synced != NONE).then(|| list.page(list.synced).pgno);
            assert_eq!(list_synced, synced);
            assert_eq!(list.len(), model.len());
        }
    }

    /// The b-tree header a page keeps is forgotten by every way its bytes can change.
    #[test]
    fn btree_header_is_forgotten_when_the_bytes_change() {
        let mut c = PageCache::new(512, 10);
        let a = c.insert(1, buf(&c, 0));
        let b = c.insert(2, buf(&c, 0));
        assert_eq!(a.btree_header(), None);
        let changes: [&dyn Fn(); 4] =
            [&|| drop(a.data_mut_unchecked()), &|| a.overwrite(&[7; 512]), &|| a.swap_data(&b), &|| drop(a.data_mut())];
        for (i, change) in changes.iter().enumerate() {
            a.set_writeable();
            b.set_writeable();
            a.set_btree_header(0x0d, 3);
            assert_eq!(a.btree_header(), Some((0x0d, 3)));
            change();
            assert_eq!(a.btree_header(), None, "change {i}");
        }
    }

    #[test]
    fn handles_count_references() {
        let mut c = PageCache::new(512, 10);
        let b = buf(&c, 0);
        let p = c.insert(1, b);
        assert_eq!(p.ref_count(), 1);
        let q = c.fetch(1).unwrap();
        assert_eq!(p.ref_count(), 2);
        drop(q);
        assert_eq!(p.ref_count(), 1);
        assert_eq!(c.pinned(), 1);
        drop(p);
        assert_eq!(c.pinned(), 0);
    }
}
