//! Table and index b-trees in SQLite's page format, on top of the pager.
//!
//! [`Btree`] is one connection's view of one database file (SQLite's Btree + BtShared):
//! transactions, the freelist, tree creation and destruction, and the cursors through which
//! every row is read and written. The algorithms are SQLite's own (btree.c), so that the same
//! operations leave the same bytes on the same pages:
//!
//! - page.rs     one page: cells, freeblocks, SQLite's in-page allocator;
//! - freelist.rs allocating and freeing whole pages (`nearby`, trunk and leaf pages);
//! - payload.rs  building cells, overflow chains, reading payloads;
//! - cursor.rs   positions, seeks, next/prev, saving positions across modifications;
//! - keycmp.rs   index key comparison (SQLite's record order, collations, DESC);
//! - modify.rs   insert and delete;
//! - balance.rs  balance_quick, balance_deeper, balance_nonroot;
//! - integrity.rs, integrity_page.rs  PRAGMA integrity_check over pages (SQLite's
//!   sqlite3BtreeIntegrityCheck and checkTreePage);
//! - cellview.rs cells and payloads read exactly as SQLite reads them, for the check.
//!
//! Invariants between calls:
//! - in a transaction `page1` pins page 1 and `n_page` is the image size in pages;
//! - every page reachable from a root lies in `2..=n_page` (page 1 for sqlite_schema);
//! - a cursor that holds pages holds them only within the transaction that fetched them.

pub mod balance;
pub(crate) mod cellview;
pub mod cursor;
pub mod freelist;
pub mod integrity;
mod integrity_page;
pub mod keycmp;
pub mod modify;
pub mod nonroot;
pub mod page;
pub mod payload;

pub use cursor::{Cursor, SeekOp};
pub use keycmp::{KeyInfo, UnpackedKey};
pub use page::CellInfo;

use crate::ensure_corrupt;
use crate::error::{Error, ErrorCode, Result};
use crate::format::header::{self, get_u32, put_u32};
use crate::pager::{BitSet, PageRef, Pager, PagerConfig, Pgno};
use crate::vfs::Vfs;
use cursor::CursorState;
use page::{MemPage, ptf};
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// SQLite's BTCURSOR_MAX_DEPTH: no valid tree is deeper.
pub const MAX_DEPTH: usize = 20;

/// Sizes derived from the page size that decide how cells are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    pub page_size: u32,
    /// Page size minus the reserved bytes at the end of each page.
    pub usable_size: u32,
    /// Largest payload kept wholly on an index page.
    pub max_local: u32,
    /// Smallest payload kept on the page when it overflows.
    pub min_local: u32,
    /// Largest payload kept wholly on a table leaf.
    pub max_leaf: u32,
    pub min_leaf: u32,
}

impl Geometry {
    /// The geometry for pages of `page_size` bytes with `usable_size` usable (lockBtree).
    pub fn new(page_size: u32, usable_size: u32) -> Geometry {
        Geometry {
            page_size,
            usable_size,
            max_local: (usable_size - 12) * 64 / 255 - 23,
            min_local: (usable_size - 12) * 32 / 255 - 23,
            max_leaf: usable_size - 35,
            min_leaf: (usable_size - 12) * 32 / 255 - 23,
        }
    }

    /// Usable size as a `usize` for indexing.
    #[inline]
    pub fn usable(&self) -> usize {
        self.usable_size as usize
    }
}

/// The kind of a b-tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TreeKind {
    /// A rowid table (intkey, data in leaves).
    Table,
    /// An index (keys only).
    Index,
}

/// Transaction state of a [`Btree`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum TxnState {
    None,
    Read,
    Write,
}

/// Offsets of the header "meta" values (sqlite3BtreeGetMeta's indexes, as byte offsets).
pub mod meta {
    pub use crate::format::header::offset::*;
}

/// One connection's b-tree layer over one database file.
pub struct Btree {
    pager: Pager,
    geo: Geometry,
    page1: Option<PageRef>,
    /// Pages in the database image (btreePagecount).
    n_page: Pgno,
    txn: TxnState,
    /// Pages freed in this transaction: reallocating one must keep (journal) its content.
    has_content: BitSet,
    /// The state of every cursor opened: open ones (their handles alive) and closed ones
    /// kept for reuse ([`cursor::is_closed`]).
    cursors: Vec<Rc<RefCell<CursorState>>>,
    /// Child pages descended into by all cursors since open: a full scan of a sound file
    /// descends into each page at most once, so callers can bound work on corrupt files.
    page_visits: u64,
    /// The header's write version is one this engine does not know (above 2): the file may
    /// be read but not written (SQLite's BTS_READ_ONLY from lockBtree).
    write_version_unknown: bool,
    /// Where an insert builds its new cell (SQLite's pTmpSpace), kept between inserts.
    cell_buf: Vec<u8>,
}

impl std::fmt::Debug for Btree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Btree")
            .field("pager", &self.pager)
            .field("n_page", &self.n_page)
            .field("txn", &self.txn)
            .finish()
    }
}

impl Btree {
    /// Opens the database file `path` through `vfs`. Nothing is locked until a transaction.
    pub fn open(vfs: Arc<dyn Vfs>, path: &str, config: PagerConfig) -> Result<Btree> {
        let pager = Pager::open(vfs, path, config)?;
        let ps = pager.page_size();
        Ok(Btree {
            pager,
            geo: Geometry::new(ps, ps),
            page1: None,
            n_page: 0,
            txn: TxnState::None,
            has_content: BitSet::default(),
            cursors: Vec::new(),
            page_visits: 0,
            write_version_unknown: false,
            cell_buf: Vec::new(),
        })
    }

    /// The pager (for statistics and settings).
    pub fn pager(&self) -> &Pager {
        &self.pager
    }

    /// The pager, mutably (settings such as synchronous and cache size).
    pub fn pager_mut(&mut self) -> &mut Pager {
        &mut self.pager
    }

    /// The page geometry.
    pub fn geometry(&self) -> Geometry {
        self.geo
    }

    /// Pages in the database image.
    pub fn page_count(&self) -> Pgno {
        self.n_page
    }

    /// Child pages descended into by cursors since open.
    pub fn page_visits(&self) -> u64 {
        self.page_visits
    }

    /// The transaction state.
    pub fn txn(&self) -> TxnState {
        self.txn
    }

    // ----- transactions ---------------------------------------------------------------------

    /// Starts a read transaction: SHARED lock, hot-journal recovery, and a check of page 1
    /// (lockBtree). A no-op inside a transaction.
    pub fn begin_read(&mut self) -> Result<()> {
        if self.txn != TxnState::None {
            return Ok(());
        }
        loop {
            self.pager.begin_read()?;
            match self.lock_btree() {
                Ok(true) => break,
                Ok(false) => continue, // page size adopted from the file; read page 1 again
                Err(e) => {
                    self.page1 = None;
                    self.pager.end_read();
                    return Err(e);
                }
            }
        }
        self.txn = TxnState::Read;
        Ok(())
    }

    /// Reads and validates page 1 (lockBtree). Returns false when the file's page size
    /// differed from the pager's and has been adopted, so page 1 must be read again.
    fn lock_btree(&mut self) -> Result<bool> {
        let page1 = self.pager.get(1)?;
        let file_pages = self.pager.page_count();
        let mut n_page;
        {
            let d = page1.data();
            n_page = get_u32(&d, header::offset::PAGE_COUNT);
            if n_page == 0 || d[24..28] != d[92..96] {
                n_page = file_pages;
            }
            if n_page > 0 {
                let h = header::DbHeader::parse(&d)?;
                if h.page_size != self.pager.page_size() {
                    drop(d);
                    drop(page1);
                    self.pager.adopt_page_size(h.page_size)?;
                    return Ok(false);
                }
                ensure_corrupt!(n_page <= file_pages, "header says {n_page} pages but the file holds {file_pages}");
                if h.read_version > 1 {
                    return Err(Error::new(ErrorCode::CantOpen, "WAL-mode databases are not supported yet"));
                }
                self.write_version_unknown = h.write_version > 2;
                self.geo = Geometry::new(h.page_size, h.usable_size());
            } else {
                let ps = self.pager.page_size();
                self.geo = Geometry::new(ps, ps);
                self.write_version_unknown = false;
            }
        }
        self.page1 = Some(page1);
        self.n_page = n_page;
        Ok(true)
    }

    /// Starts a write transaction (sqlite3BtreeBeginTrans with wrflag): RESERVED, or
    /// EXCLUSIVE when `exclusive`; initializes page 1 of an empty file. `Busy` leaves the
    /// connection as it was.
    pub fn begin_write(&mut self, exclusive: bool) -> Result<()> {
        if self.txn == TxnState::Write {
            return Ok(());
        }
        let was_none = self.txn == TxnState::None;
        self.begin_read()?;
        let r = (|| {
            if self.write_version_unknown {
                return Err(Error::new(
                    ErrorCode::ReadOnly,
                    "attempt to write a readonly database: unknown file format write version",
                ));
            }
            self.pager.begin_write(exclusive)?;
            self.has_content.clear();
            self.new_database()?;
            let page1 = self.page1.clone().expect("page 1 pinned in a transaction");
            if get_u32(&page1.data(), header::offset::PAGE_COUNT) != self.n_page {
                self.pager.write(&page1)?;
                put_u32(&mut page1.data_mut(), header::offset::PAGE_COUNT, self.n_page);
            }
            Ok(())
        })();
        match r {
            Ok(()) => {
                self.txn = TxnState::Write;
                Ok(())
            }
            Err(e) => {
                if self.pager.in_write_transaction() {
                    let _ = self.pager.rollback();
                }
                if was_none {
                    self.end_read();
                }
                Err(e)
            }
        }
    }

    /// Formats page 1 of an empty file as an empty database (newDatabase).
    fn new_database(&mut self) -> Result<()> {
        if self.n_page > 0 {
            return Ok(());
        }
        let page1 = self.page1.clone().expect("page 1 pinned in a transaction");
        self.pager.write(&page1)?;
        let ps = self.pager.page_size();
        self.geo = Geometry::new(ps, ps);
        header::DbHeader::new_database(ps).write(&mut page1.data_mut());
        MemPage::init_blank(page1, &self.geo).zero(ptf::TABLE_LEAF, &self.geo);
        self.n_page = 1;
        Ok(())
    }

    /// Commits the write transaction and ends the transaction; a read transaction just ends.
    /// On `Busy` (readers keep the EXCLUSIVE lock away) the write transaction stays open and
    /// the commit may be retried.
    pub fn commit(&mut self) -> Result<()> {
        match self.txn {
            TxnState::None => Ok(()),
            TxnState::Read => {
                self.end_read();
                Ok(())
            }
            TxnState::Write => {
                // vdbeCommit locks every written database EXCLUSIVE before phase one.
                self.pager.exclusive_lock()?;
                self.pager.commit()?;
                self.finish_transaction();
                Ok(())
            }
        }
    }

    /// Rolls the write transaction back (or ends a read transaction); every cursor is
    /// invalidated.
    pub fn rollback(&mut self) -> Result<()> {
        let r = if self.txn == TxnState::Write { self.pager.rollback() } else { Ok(()) };
        self.finish_transaction();
        r
    }

    /// Ends a read transaction, releasing the SHARED lock. Cursors are invalidated.
    pub fn end_read(&mut self) {
        if self.txn == TxnState::Write {
            // Ending without commit is a rollback.
            let _ = self.pager.rollback();
        }
        self.finish_transaction();
    }

    fn finish_transaction(&mut self) {
        self.trip_all_cursors();
        self.page1 = None;
        self.has_content.clear();
        self.txn = TxnState::None;
        if !self.pager.in_write_transaction() {
            self.pager.end_read();
        }
    }

    // ----- savepoints -----------------------------------------------------------------------

    /// Opens savepoints until `count` are open (sqlite3BtreeBeginStmt / OP_Savepoint).
    /// Requires a write transaction.
    pub fn open_savepoints(&mut self, count: usize) -> Result<()> {
        self.require_write()?;
        self.pager.open_savepoints(count)
    }

    /// Savepoints open.
    pub fn savepoint_count(&self) -> usize {
        self.pager.savepoint_count()
    }

    /// Closes savepoint `index` and the ones after it, keeping their changes.
    pub fn release_savepoint(&mut self, index: usize) -> Result<()> {
        self.require_write()?;
        self.pager.release_savepoint(index)
    }

    /// Undoes every change since savepoint `index` opened, keeping it open
    /// (sqlite3BtreeSavepoint with SAVEPOINT_ROLLBACK); `None` undoes every change of the
    /// transaction and closes every savepoint (iSavepoint -1). Other cursors save their
    /// positions first, and the image size is re-read from page 1.
    pub fn rollback_to_savepoint(&mut self, index: Option<usize>) -> Result<()> {
        self.require_write()?;
        self.save_all_cursors(0, None)?;
        match index {
            Some(i) => self.pager.rollback_to_savepoint(i)?,
            None => self.pager.rollback_to_start()?,
        }
        let page1 = self.page1();
        let n = get_u32(&page1.data(), header::offset::PAGE_COUNT);
        self.n_page = if n == 0 { self.pager.page_count() } else { n };
        Ok(())
    }

    // ----- header values --------------------------------------------------------------------

    /// The big-endian u32 at `offset` of the database header (sqlite3BtreeGetMeta).
    pub fn get_meta(&self, offset: usize) -> Result<u32> {
        let page1 = self.page1.as_ref().ok_or_else(|| Error::misuse("no transaction is open"))?;
        Ok(get_u32(&page1.data(), offset))
    }

    /// Sets the header u32 at `offset` (sqlite3BtreeUpdateMeta). Requires a write transaction.
    pub fn update_meta(&mut self, offset: usize, value: u32) -> Result<()> {
        self.require_write()?;
        let page1 = self.page1.clone().expect("page 1 pinned in a transaction");
        self.pager.write(&page1)?;
        put_u32(&mut page1.data_mut(), offset, value);
        Ok(())
    }

    fn require_write(&self) -> Result<()> {
        if self.txn == TxnState::Write { Ok(()) } else { Err(Error::misuse("no write transaction is open")) }
    }

    pub(crate) fn page1(&self) -> PageRef {
        self.page1.clone().expect("page 1 pinned in a transaction")
    }

    // ----- pages ----------------------------------------------------------------------------

    /// Page `pgno` parsed as a b-tree page (getAndInitPage). A page number outside the image
    /// is corrupt.
    pub(crate) fn get_page(&mut self, pgno: Pgno) -> Result<MemPage> {
        ensure_corrupt!(
            pgno >= 1 && pgno <= self.n_page,
            "page {pgno} is outside the database ({} pages)",
            self.n_page
        );
        let page = self.pager.get(pgno)?;
        MemPage::init(page, &self.geo)
    }

    // ----- trees ----------------------------------------------------------------------------

    /// Creates an empty tree and returns its root page (btreeCreateTable: the root is
    /// allocated near page 1).
    pub fn create_tree(&mut self, kind: TreeKind) -> Result<Pgno> {
        self.require_write()?;
        let (page, pgno) = self.allocate_page(1, false)?;
        let mut mp = MemPage::init_blank(page, &self.geo);
        mp.zero(if kind == TreeKind::Table { ptf::TABLE_LEAF } else { ptf::INDEX_LEAF }, &self.geo);
        Ok(pgno)
    }

    /// Deletes every entry of the tree rooted at `root`, leaving an empty root
    /// (sqlite3BtreeClearTable). Returns the number of entries removed from a table tree.
    pub fn clear_tree(&mut self, root: Pgno) -> Result<u64> {
        self.require_write()?;
        self.save_all_cursors(root, None)?;
        let mut changes = 0;
        self.clear_page(root, false, 0, &mut changes, &mut BitSet::default())?;
        Ok(changes)
    }

    /// Deletes the tree rooted at `root` and frees all its pages, the root last
    /// (btreeDropTable without auto-vacuum).
    pub fn drop_tree(&mut self, root: Pgno) -> Result<()> {
        self.require_write()?;
        ensure_corrupt!(root >= 2 && root <= self.n_page, "cannot drop tree at page {root}");
        self.clear_tree(root)?;
        let page = self.pager.get(root)?;
        self.free_page(Some(&page), root)
    }

    /// Erases page `pgno` and its subtree (clearDatabasePage): children first, in cell order,
    /// each cell's overflow chain freed; the page itself is freed when `free`, else left as
    /// an empty leaf. `visited` holds the pages of the tree cleared so far: a page reached
    /// twice means subtrees share pages (freeing it again would corrupt the freelist, and
    /// clearing shared subtrees at every level would take exponential time).
    fn clear_page(
        &mut self,
        pgno: Pgno,
        free: bool,
        depth: usize,
        changes: &mut u64,
        visited: &mut BitSet,
    ) -> Result<()> {
        ensure_corrupt!(pgno <= self.n_page, "page {pgno} is outside the database");
        ensure_corrupt!(depth <= MAX_DEPTH, "tree at page {pgno} is too deep");
        ensure_corrupt!(!visited.contains(pgno), "page {pgno} is reached twice in the tree being cleared");
        visited.insert(pgno);
        let mut mp = self.get_page(pgno)?;
        let usable = self.geo.usable();
        for i in 0..mp.n_cell {
            if !mp.leaf {
                let child = mp.child(&mp.page.data(), i)?;
                self.clear_page(child, true, depth + 1, changes, visited)?;
            }
            let (info, pc) = {
                let d = mp.page.data();
                let pc = mp.cell_ptr(&d, i);
                (mp.parse_cell_at(&d, pc, usable)?, pc)
            };
            self.clear_cell_overflow(&mp, pc, &info)?;
        }
        if !mp.leaf {
            let right = mp.right_child();
            self.clear_page(right, true, depth + 1, changes, visited)?;
        } else if mp.int_key {
            *changes += mp.n_cell as u64;
        }
        if free {
            let page = mp.page.clone();
            drop(mp);
            self.free_page(Some(&page), pgno)
        } else {
            self.pager.write(&mp.page)?;
            let flags = mp.flags() | ptf::LEAF;
            mp.zero(flags, &self.geo);
            Ok(())
        }
    }

    /// Pages of the tree rooted at `root`, breadth-first (for tests and tools).
    pub fn tree_depth(&mut self, root: Pgno) -> Result<usize> {
        let mut depth = 1;
        let mut mp = self.get_page(root)?;
        while !mp.leaf {
            ensure_corrupt!(depth <= MAX_DEPTH, "tree at page {root} is too deep");
            let child = mp.child_at(&mp.page.data(), 0)?;
            mp = self.get_page(child)?;
            depth += 1;
        }
        Ok(depth)
    }

    // ----- cursors --------------------------------------------------------------------------

    /// Opens a cursor on the tree rooted at `root`: a table cursor when `key_info` is None,
    /// an index cursor otherwise. Requires a transaction (a write one to modify through it).
    pub fn cursor(&mut self, root: Pgno, key_info: Option<Rc<KeyInfo>>) -> Result<Cursor> {
        if self.txn == TxnState::None {
            return Err(Error::misuse("no transaction is open"));
        }
        ensure_corrupt!(root >= 1 && root <= self.n_page.max(1), "root page {root} is outside the database");
        // A closed cursor's state is reused, allocations and all (SQLite reuses a
        // VdbeCursor's memory the same way), so that a statement run again and again does
        // not allocate its cursors each time.
        if let Some(state) = self.cursors.iter().find(|s| cursor::is_closed(s)) {
            return Ok(Cursor::reopen(state, root, key_info));
        }
        let (c, state) = Cursor::new(root, key_info);
        self.cursors.push(state);
        Ok(c)
    }

    /// Invalidates every cursor (the transaction ended or rolled back). The b-tree keeps
    /// only the closed ones, for reuse; the open ones stay invalid until their handles go.
    fn trip_all_cursors(&mut self) {
        for c in &self.cursors {
            c.borrow_mut().invalidate();
        }
        self.cursors.retain(cursor::is_closed);
    }
}
