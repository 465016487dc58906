//! Cursors: a position in one b-tree, and the moves between positions (SQLite's BtCursor).
//!
//! A cursor is the stack of pages from the root to the current page, with the cell index at
//! each level. Operations are methods of [`Btree`] taking the cursor, so that any number of
//! cursors can be open at once while each operation borrows the b-tree alone.
//!
//! When a tree is modified through one cursor, every other cursor on the same tree first
//! saves its key and drops its pages (saveAllCursors); its next use seeks back to that key.
//! If the entry was deleted, the seek lands next to it and `skip_next` records on which side,
//! so that `next` / `prev` continue from the right place (btreeRestoreCursorPosition).
//!
//! Bounded work on corrupt files: moving in one direction from the root, a cursor enters each
//! page of a sound tree at most once. A cursor that descends into more child pages than the
//! file holds, between two visits to the root or two changes of direction, is walking a tree
//! whose pages are shared (a child pointer aimed at a sibling or at another subtree, possibly
//! at every level: a scan would take exponential time), and reports corruption.

use super::keycmp::{KeyInfo, UnpackedKey};
use super::page::{CellInfo, MemPage};
use super::{Btree, MAX_DEPTH};
use crate::ensure_corrupt;
use crate::error::{Error, Result};
use crate::format::header::get_u32;
use crate::format::varint::{MAX_VARINT_BYTES, decode_varint, read_varint};
use crate::pager::Pgno;
use std::cell::{RefCell, RefMut};
use std::cmp::Ordering;
use std::rc::Rc;

/// A seek's comparison: the entry wanted is `<`, `<=`, `>=`, `>` or `=` the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeekOp {
    Lt,
    Le,
    Ge,
    Gt,
    Eq,
}

/// Where a cursor stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    /// Not on an entry (the tree is empty, or a move ran off an end).
    Invalid,
    /// On the entry at the top of the stack.
    Valid,
    /// Its position was saved (`saved`) because the tree changed; seek before use.
    RequireSeek,
    /// On an entry next to where a deleted entry was; `skip_next` says which side.
    SkipNext,
    /// The transaction ended; the cursor can no longer be used.
    Fault,
}

/// A saved position: the key of the entry the cursor was on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SavedKey {
    Rowid(i64),
    Index(Vec<u8>),
}

/// One level of the cursor's path: a page and the cell index on it.
#[derive(Debug)]
pub(crate) struct Level {
    pub page: MemPage,
    pub ix: usize,
}

/// The state of a cursor.
#[derive(Debug)]
pub(crate) struct CursorState {
    pub root: Pgno,
    /// None for a table cursor (integer keys); the key order for an index cursor.
    pub key_info: Option<Rc<KeyInfo>>,
    pub status: Status,
    pub stack: Vec<Level>,
    pub saved: Option<SavedKey>,
    /// After a restore: >0 the cursor is already past the saved key (next must not move),
    /// <0 it is before it (prev must not move).
    pub skip_next: i32,
    /// Cached parse of the current cell (SQLite's info with nSize set).
    pub info: Option<CellInfo>,
    /// The current cell's rowid when known without a full parse (BTCF_ValidNKey after a
    /// seek); a full parse in `info` takes precedence.
    pub key_only: Option<i64>,
    /// The cursor is known to be on the last entry of the tree (BTCF_AtLast).
    pub at_last: bool,
    /// Inserts come in key order (BTREE_BULKLOAD): balancing packs pages full.
    pub bulk: bool,
    /// Child pages descended into since the cursor was last at the root or changed direction
    /// (the bound on work described in the module documentation).
    pub descents: u64,
    /// The direction of the current run of moves: true after `next`, false after `prev`.
    pub moving_forward: bool,
}

impl CursorState {
    /// A new cursor on the tree `root`, not on any entry; `stack` is an empty vector whose
    /// allocation it takes over.
    fn new(root: Pgno, key_info: Option<Rc<KeyInfo>>, stack: Vec<Level>) -> CursorState {
        debug_assert!(stack.is_empty());
        CursorState {
            root,
            key_info,
            status: Status::Invalid,
            stack,
            saved: None,
            skip_next: 0,
            info: None,
            key_only: None,
            at_last: false,
            bulk: false,
            descents: 0,
            moving_forward: true,
        }
    }

    /// True for a cursor on a table (rowid) tree.
    pub fn is_table(&self) -> bool {
        self.key_info.is_none()
    }

    /// Drops every page and forgets the position; the cursor is dead until reopened.
    pub fn invalidate(&mut self) {
        self.stack.clear();
        self.forget_cell();
        self.saved = None;
        self.status = Status::Fault;
    }

    /// The current level.
    pub fn top(&self) -> &Level {
        self.stack.last().expect("cursor has a page")
    }

    /// The current level, mutably.
    pub fn top_mut(&mut self) -> &mut Level {
        self.stack.last_mut().expect("cursor has a page")
    }

    fn clear_position(&mut self) {
        self.forget_cell();
        self.at_last = false;
    }

    /// Forgets what is known of the current cell (it moved or changed).
    pub fn forget_cell(&mut self) {
        self.info = None;
        self.key_only = None;
    }

    /// The current entry's rowid, if known without reading the cell.
    pub fn known_rowid(&self) -> Option<i64> {
        self.info.map(|i| i.key).or(self.key_only)
    }
}

/// Where an incremental read of an entry's payload stands (see [`Btree::payload_start`]).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PayloadRest {
    /// The payload's size in bytes.
    pub payload_size: u32,
    /// The overflow page holding the next bytes (0 when none is left).
    pub next_overflow: Pgno,
}

/// A handle to a cursor opened with [`Btree::cursor`]. The b-tree shares its state; while
/// the handle lives the cursor is open, and dropping the handle closes it (its pages are
/// released) and leaves the state to the b-tree for reuse.
#[derive(Debug)]
pub struct Cursor(Rc<RefCell<CursorState>>);

impl Cursor {
    /// A new cursor; `shared` is the state the b-tree keeps.
    pub(crate) fn new(root: Pgno, key_info: Option<Rc<KeyInfo>>) -> (Cursor, Rc<RefCell<CursorState>>) {
        let state = Rc::new(RefCell::new(CursorState::new(root, key_info, Vec::new())));
        (Cursor(state.clone()), state)
    }

    /// Opens a cursor on the state of a closed one (see [`is_closed`]), keeping its
    /// allocations.
    pub(crate) fn reopen(state: &Rc<RefCell<CursorState>>, root: Pgno, key_info: Option<Rc<KeyInfo>>) -> Cursor {
        debug_assert!(is_closed(state));
        {
            let mut cur = state.borrow_mut();
            let stack = std::mem::take(&mut cur.stack);
            *cur = CursorState::new(root, key_info, stack);
        }
        Cursor(state.clone())
    }

    pub(crate) fn state(&self) -> RefMut<'_, CursorState> {
        self.0.borrow_mut()
    }

    pub(crate) fn ptr_eq(&self, other: &Rc<RefCell<CursorState>>) -> bool {
        Rc::ptr_eq(&self.0, other)
    }

    /// The root page of the cursor's tree.
    pub fn root(&self) -> Pgno {
        self.0.borrow().root
    }

    /// Marks the cursor as used for ordered bulk inserts (CREATE INDEX from a sorter).
    pub fn set_bulk_load(&self, bulk: bool) {
        self.0.borrow_mut().bulk = bulk;
    }

    /// True when the cursor is on an entry (after a move that found one).
    pub fn is_valid(&self) -> bool {
        matches!(self.0.borrow().status, Status::Valid | Status::SkipNext)
    }
}

impl Drop for Cursor {
    /// Closes the cursor: its pages are released now, as when SQLite closes a BtCursor.
    fn drop(&mut self) {
        if let Ok(mut cur) = self.0.try_borrow_mut() {
            cur.invalidate();
            cur.key_info = None;
        }
    }
}

/// True when the b-tree's shared cursor state `state` has no handle any more: the cursor is
/// closed and the state may be reopened.
pub(crate) fn is_closed(state: &Rc<RefCell<CursorState>>) -> bool {
    Rc::strong_count(state) == 1
}

fn fault() -> Error {
    Error::misuse("cursor used after its transaction ended")
}

impl Btree {
    // ----- moves ----------------------------------------------------------------------------

    /// Moves to the root of the tree (moveToRoot). Returns false for an empty tree (the
    /// cursor is then Invalid). The root stays pinned between moves.
    pub(crate) fn move_to_root(&mut self, cur: &mut CursorState) -> Result<bool> {
        match cur.status {
            Status::Fault => return Err(fault()),
            Status::RequireSeek => {
                cur.saved = None;
                cur.skip_next = 0;
            }
            _ => {}
        }
        if cur.stack.is_empty() {
            if cur.root == 1 && self.n_page == 0 {
                // An empty file: its schema table exists but has no page yet (btreeCursor
                // treats root 1 of a 0-page database as an empty tree).
                cur.status = Status::Invalid;
                return Ok(false);
            }
            let page = self.get_page(cur.root).inspect_err(|_| cur.status = Status::Invalid)?;
            cur.stack.push(Level { page, ix: 0 });
        } else {
            cur.stack.truncate(1);
            // Re-read the root's header: another cursor may have changed its cell count.
            let page = cur.stack[0].page.page.clone();
            cur.stack[0].page = MemPage::init(page, &self.geo)?;
        }
        let (n_cell, leaf, pgno, int_key) = {
            let root = &cur.stack[0].page;
            (root.n_cell, root.leaf, root.pgno, root.int_key)
        };
        ensure_corrupt!(cur.key_info.is_none() == int_key, "page {pgno}: the tree's kind does not match its root page");
        cur.stack[0].ix = 0;
        cur.descents = 0;
        cur.clear_position();
        if n_cell > 0 {
            cur.status = Status::Valid;
            Ok(true)
        } else if !leaf {
            ensure_corrupt!(pgno == 1, "page {pgno}: interior root page without cells");
            let child = cur.stack[0].page.right_child();
            cur.status = Status::Valid;
            self.move_to_child(cur, child)?;
            Ok(true)
        } else {
            cur.status = Status::Invalid;
            Ok(false)
        }
    }

    /// Descends to child page `pgno` (moveToChild): the child must be a non-empty page of the
    /// tree's kind, and the path no deeper than SQLite allows.
    pub(crate) fn move_to_child(&mut self, cur: &mut CursorState, pgno: Pgno) -> Result<()> {
        ensure_corrupt!(cur.stack.len() < MAX_DEPTH, "tree at page {} is deeper than {MAX_DEPTH}", cur.root);
        ensure_corrupt!(!cur.stack.iter().any(|l| l.page.pgno == pgno), "page {pgno} is its own ancestor");
        cur.descents += 1;
        ensure_corrupt!(
            cur.descents <= u64::from(self.n_page),
            "tree at page {} reaches page {pgno} again: its pages are shared between subtrees",
            cur.root
        );
        let page = self.get_page(pgno)?;
        self.page_visits += 1;
        ensure_corrupt!(
            page.n_cell >= 1 && page.int_key == cur.is_table(),
            "page {pgno}: child page is empty or of the wrong kind"
        );
        cur.forget_cell();
        cur.stack.push(Level { page, ix: 0 });
        Ok(())
    }

    /// Descends from the current entry to the left-most leaf beneath it (moveToLeftmost).
    fn move_to_leftmost(&mut self, cur: &mut CursorState) -> Result<()> {
        while !cur.top().page.leaf {
            let level = cur.top();
            let child = level.page.child(&level.page.page.data(), level.ix)?;
            self.move_to_child(cur, child)?;
        }
        Ok(())
    }

    /// Descends from the current page to its right-most leaf entry (moveToRightmost).
    pub(crate) fn move_to_rightmost(&mut self, cur: &mut CursorState) -> Result<()> {
        while !cur.top().page.leaf {
            let level = cur.top_mut();
            level.ix = level.page.n_cell;
            let child = level.page.right_child();
            self.move_to_child(cur, child)?;
        }
        let level = cur.top_mut();
        level.ix = level.page.n_cell - 1;
        Ok(())
    }

    /// Whether the tree has no entry, from its root page alone (sqlite3BtreeIsEmpty); the
    /// cursor is left at the root.
    pub fn is_empty(&mut self, c: &Cursor) -> Result<bool> {
        let mut cur = c.state();
        Ok(!self.move_to_root(&mut cur)?)
    }

    /// Moves to the first entry; false when the tree is empty.
    pub fn first(&mut self, c: &Cursor) -> Result<bool> {
        let mut cur = c.state();
        if !self.move_to_root(&mut cur)? {
            return Ok(false);
        }
        self.move_to_leftmost(&mut cur)?;
        Ok(true)
    }

    /// Moves to the last entry; false when the tree is empty.
    pub fn last(&mut self, c: &Cursor) -> Result<bool> {
        let mut cur = c.state();
        if cur.status == Status::Valid && cur.at_last {
            return Ok(true);
        }
        if !self.move_to_root(&mut cur)? {
            return Ok(false);
        }
        self.move_to_rightmost(&mut cur)?;
        cur.at_last = true;
        Ok(true)
    }

    /// The common start of `next` and `prev`: a cursor that is not plainly Valid first seeks
    /// back to its saved position; after a restore that already landed on the neighbour in
    /// the direction of travel (`skip_next`), the step is already done. Returns the step's
    /// result when it is decided here, None when the caller must move.
    fn begin_step(&mut self, cur: &mut CursorState, forward: bool) -> Result<Option<bool>> {
        match cur.status {
            Status::Valid => return Ok(None),
            Status::Invalid => return Ok(Some(false)),
            Status::Fault => return Err(fault()),
            Status::RequireSeek => self.restore_position(cur)?,
            Status::SkipNext => {}
        }
        match cur.status {
            Status::Invalid => Ok(Some(false)),
            Status::SkipNext => {
                cur.status = Status::Valid;
                let already_there = if forward { cur.skip_next > 0 } else { cur.skip_next < 0 };
                cur.skip_next = 0;
                Ok(already_there.then_some(true))
            }
            _ => Ok(None),
        }
    }

    /// Moves to the next entry; false (and Invalid) past the last.
    pub fn next(&mut self, c: &Cursor) -> Result<bool> {
        let mut cur = c.state();
        self.next_in(&mut cur)
    }

    pub(crate) fn next_in(&mut self, cur: &mut CursorState) -> Result<bool> {
        if let Some(done) = self.begin_step(cur, true)? {
            return Ok(done);
        }
        cur.forget_cell();
        if !cur.moving_forward {
            cur.moving_forward = true;
            cur.descents = 0;
        }
        cur.at_last = false;
        loop {
            let level = cur.top_mut();
            level.ix += 1;
            let (ix, n_cell, leaf) = (level.ix, level.page.n_cell, level.page.leaf);
            if ix < n_cell {
                if !leaf {
                    self.move_to_leftmost(cur)?;
                }
                return Ok(true);
            }
            if !leaf {
                let right = cur.top().page.right_child();
                self.move_to_child(cur, right)?;
                self.move_to_leftmost(cur)?;
                return Ok(true);
            }
            loop {
                if cur.stack.len() == 1 {
                    cur.status = Status::Invalid;
                    return Ok(false);
                }
                cur.stack.pop();
                let l = cur.top();
                if l.ix < l.page.n_cell {
                    break;
                }
            }
            if !cur.top().page.int_key {
                return Ok(true);
            }
            // Table interior cells are not entries: step past this one.
        }
    }

    /// Moves to the previous entry; false (and Invalid) before the first.
    pub fn prev(&mut self, c: &Cursor) -> Result<bool> {
        let mut cur = c.state();
        self.prev_in(&mut cur)
    }

    pub(crate) fn prev_in(&mut self, cur: &mut CursorState) -> Result<bool> {
        if let Some(done) = self.begin_step(cur, false)? {
            return Ok(done);
        }
        cur.forget_cell();
        if cur.moving_forward {
            cur.moving_forward = false;
            cur.descents = 0;
        }
        cur.at_last = false;
        loop {
            let level = cur.top();
            if !level.page.leaf {
                let child = level.page.child(&level.page.page.data(), level.ix)?;
                self.move_to_child(cur, child)?;
                self.move_to_rightmost(cur)?;
                return Ok(true);
            }
            while cur.top().ix == 0 {
                if cur.stack.len() == 1 {
                    cur.status = Status::Invalid;
                    return Ok(false);
                }
                cur.stack.pop();
            }
            cur.top_mut().ix -= 1;
            let page = &cur.top().page;
            if !page.int_key || page.leaf {
                return Ok(true);
            }
            // On a table interior cell: continue into its subtree's right-most entry.
        }
    }

    /// The number of entries in the cursor's tree (sqlite3BtreeCount): every cell of an index
    /// tree, the leaf cells of a table tree. Visits each page once, reading no payload; the
    /// cursor is left invalid.
    pub fn count(&mut self, c: &Cursor) -> Result<i64> {
        let mut cur = c.state();
        if !self.move_to_root(&mut cur)? {
            return Ok(0);
        }
        let mut total: i64 = 0;
        loop {
            let (leaf, n_cell, int_key) = {
                let p = &cur.top().page;
                (p.leaf, p.n_cell, p.int_key)
            };
            // Count a page's cells once, when the walk first reaches it (ix == 0).
            if cur.top().ix == 0 && (leaf || !int_key) {
                total += n_cell as i64;
            }
            if leaf {
                // Climb to the first ancestor with a child left to visit.
                loop {
                    if cur.stack.len() == 1 {
                        cur.status = Status::Invalid;
                        cur.forget_cell();
                        return Ok(total);
                    }
                    cur.stack.pop();
                    let level = cur.top_mut();
                    level.ix += 1;
                    if level.ix <= level.page.n_cell {
                        break;
                    }
                }
            }
            let level = cur.top();
            let child = if level.ix == level.page.n_cell {
                level.page.right_child()
            } else {
                level.page.child(&level.page.page.data(), level.ix)?
            };
            self.move_to_child(&mut cur, child)?;
        }
    }

    // ----- seeks ----------------------------------------------------------------------------

    /// Seeks a table cursor to `rowid` (sqlite3BtreeTableMoveto). Returns 0 when the cursor
    /// is on that row; otherwise the cursor is on a leaf next to where the row would be and
    /// the result is <0 when the entry there is smaller, >0 when larger (<0 too for an empty
    /// tree). `append` biases the search to the right end.
    pub fn seek_rowid(&mut self, c: &Cursor, rowid: i64, append: bool) -> Result<i32> {
        let mut cur = c.state();
        self.table_moveto(&mut cur, rowid, append)
    }

    pub(crate) fn table_moveto(&mut self, cur: &mut CursorState, rowid: i64, bias_right: bool) -> Result<i32> {
        debug_assert!(cur.is_table());
        if cur.status == Status::Valid
            && let Some(key) = cur.known_rowid()
        {
            if key == rowid {
                return Ok(0);
            }
            if key < rowid {
                if cur.at_last {
                    return Ok(-1);
                }
                if key.checked_add(1) == Some(rowid) && self.next_in(cur)? {
                    let info = self.cell_info(cur)?;
                    if info.key == rowid {
                        return Ok(0);
                    }
                }
            }
        }
        if !self.move_to_root(cur)? {
            return Ok(-1);
        }
        let usable = self.geo.usable();
        loop {
            let level = cur.top();
            let page = &level.page;
            let (mut lwr, mut upr) = (0isize, page.n_cell as isize - 1);
            let mut idx = if bias_right { upr } else { upr >> 1 };
            let mut c;
            let d = page.page.data();
            loop {
                let pc = page.cell_ptr(&d, idx as usize);
                let key = cell_rowid(&d, pc, page.int_key_leaf, usable)?;
                if key < rowid {
                    lwr = idx + 1;
                    c = -1;
                } else if key > rowid {
                    upr = idx - 1;
                    c = 1;
                } else {
                    if page.leaf {
                        drop(d);
                        cur.top_mut().ix = idx as usize;
                        cur.forget_cell();
                        cur.key_only = Some(rowid);
                        return Ok(0);
                    }
                    lwr = idx;
                    c = 0;
                    break;
                }
                if lwr > upr {
                    break;
                }
                idx = (lwr + upr) >> 1;
            }
            if page.leaf {
                drop(d);
                cur.top_mut().ix = idx as usize;
                cur.forget_cell();
                return Ok(c);
            }
            let lwr = lwr as usize;
            let child = if lwr >= page.n_cell { page.right_child() } else { page.child(&d, lwr)? };
            drop(d);
            cur.top_mut().ix = lwr;
            self.move_to_child(cur, child)?;
        }
    }

    /// Seeks an index cursor to `key` (sqlite3BtreeIndexMoveto). The result has the meaning
    /// of [`Btree::seek_rowid`]'s.
    pub fn seek_key(&mut self, c: &Cursor, key: &UnpackedKey) -> Result<i32> {
        let mut cur = c.state();
        self.index_moveto(&mut cur, key)
    }

    pub(crate) fn index_moveto(&mut self, cur: &mut CursorState, key: &UnpackedKey) -> Result<i32> {
        let info = cur.key_info.clone().ok_or_else(|| Error::misuse("index seek on a table cursor"))?;
        // Appending in key order: stay on the last leaf when the key belongs there.
        let mut start_here = false;
        // A comparison that finds a record damaged spoils the shortcuts (SQLite's errCode
        // stays set until both were tried), and the search starts from the root.
        if cur.status == Status::Valid && cur.top().page.leaf && on_last_page(cur) {
            let top = cur.top();
            let mut damaged = false;
            if top.ix + 1 == top.page.n_cell {
                match self.compare_local_cell(&top.page, top.ix, key, &info) {
                    Ok(Some(c)) if c != Ordering::Greater => return Ok(ordering_to_i32(c)),
                    Err(_) => damaged = true,
                    _ => {}
                }
            }
            if !damaged
                && cur.stack.len() > 1
                && let Ok(Some(c)) = self.compare_local_cell(&cur.top().page, 0, key, &info)
                && c != Ordering::Greater
            {
                cur.at_last = false;
                start_here = true;
            }
        }
        if !start_here && !self.move_to_root(cur)? {
            return Ok(-1);
        }
        loop {
            let n_cell = cur.top().page.n_cell;
            let (mut lwr, mut upr) = (0isize, n_cell as isize - 1);
            let mut idx = upr >> 1;
            let mut c;
            loop {
                c = self.compare_cell(&cur.top().page, idx as usize, key, &info)?;
                match c {
                    Ordering::Less => lwr = idx + 1,
                    Ordering::Greater => upr = idx - 1,
                    Ordering::Equal => {
                        cur.top_mut().ix = idx as usize;
                        cur.forget_cell();
                        return Ok(0);
                    }
                }
                if lwr > upr {
                    break;
                }
                idx = (lwr + upr) >> 1;
            }
            let page = &cur.top().page;
            if page.leaf {
                cur.top_mut().ix = idx as usize;
                cur.forget_cell();
                return Ok(ordering_to_i32(c));
            }
            let lwr = lwr as usize;
            let child = if lwr >= page.n_cell { page.right_child() } else { page.child(&page.page.data(), lwr)? };
            cur.top_mut().ix = lwr;
            self.move_to_child(cur, child)?;
        }
    }

    /// Positions a table cursor on the first row whose rowid satisfies `op` against `rowid`
    /// scanning in the op's direction (Ge/Gt: the smallest such rowid; Le/Lt: the largest;
    /// Eq: that rowid). Returns false (cursor invalid) when there is none. One seek, then at
    /// most one step, as SQLite's OP_SeekGE and friends.
    pub fn seek_rowid_op(&mut self, c: &Cursor, rowid: i64, op: SeekOp) -> Result<bool> {
        let mut cur = c.state();
        let res = self.table_moveto(&mut cur, rowid, false)?;
        if cur.status != Status::Valid {
            return Ok(false);
        }
        self.settle(&mut cur, res, op)
    }

    /// Positions an index cursor on the first entry whose first `values.len()` fields satisfy
    /// `op` against `values` in the op's direction (Ge/Gt: the smallest such entry; Le/Lt: the
    /// largest; Eq: the smallest equal one). Returns false when there is none.
    pub fn seek_key_op(&mut self, c: &Cursor, values: Vec<crate::format::Value>, op: SeekOp) -> Result<bool> {
        self.seek_key_op_hinted(c, values, op, false)
    }

    /// [`Btree::seek_key_op`] with SQLite's BTREE_SEEK_EQ hint when `eq_only`: only entries
    /// equal to `values` are wanted (a Ge or Le seek), so when the search compared no entry
    /// equal to them (UnpackedRecord.eqSeen) the answer is false and the cursor stays where
    /// the search left it, not stepped past the end of the tree (OP_SeekGE's eqOnly).
    pub fn seek_key_op_hinted(
        &mut self,
        c: &Cursor,
        values: Vec<crate::format::Value>,
        op: SeekOp,
        eq_only: bool,
    ) -> Result<bool> {
        // Equal prefixes count as "after" the key for Gt/Le and "before" it for Ge/Lt/Eq, so
        // that the search lands on the boundary the op needs (UnpackedRecord.default_rc).
        let key = match op {
            SeekOp::Gt | SeekOp::Le => UnpackedKey::after_equal(values),
            SeekOp::Ge | SeekOp::Lt | SeekOp::Eq => UnpackedKey::before_equal(values),
        };
        let mut cur = c.state();
        let res = self.index_moveto(&mut cur, &key)?;
        if cur.status != Status::Valid || (eq_only && !key.eq_seen.get()) {
            return Ok(false);
        }
        if op == SeekOp::Eq {
            if !self.settle(&mut cur, res, SeekOp::Ge)? {
                return Ok(false);
            }
            let prefix = UnpackedKey::exact(key.values);
            let info = cur.key_info.clone().expect("index cursor");
            let level = cur.top();
            let c = self.compare_cell(&level.page, level.ix, &prefix, &info)?;
            return Ok(c == Ordering::Equal);
        }
        self.settle(&mut cur, res, op)
    }

    /// Steps from a seek's landing place (`res`: <0 the entry there is smaller than the key,
    /// >0 larger, 0 equal) to the entry `op` asks for.
    fn settle(&mut self, cur: &mut CursorState, res: i32, op: SeekOp) -> Result<bool> {
        if op == SeekOp::Eq && cur.is_table() {
            return Ok(res == 0);
        }
        let step = match op {
            SeekOp::Ge | SeekOp::Eq => res < 0,
            SeekOp::Gt => res <= 0,
            SeekOp::Le => res > 0,
            SeekOp::Lt => res >= 0,
        };
        match (step, op) {
            (false, _) => Ok(true),
            (true, SeekOp::Le | SeekOp::Lt) => self.prev_in(cur),
            (true, _) => self.next_in(cur),
        }
    }

    // ----- the current entry ----------------------------------------------------------------

    /// The parsed current cell.
    pub(crate) fn cell_info(&mut self, cur: &mut CursorState) -> Result<CellInfo> {
        if let Some(info) = cur.info {
            return Ok(info);
        }
        let level = cur.top();
        let usable = self.geo.usable();
        let info = level.page.parse_cell(&level.page.page.data(), level.ix, usable)?;
        cur.info = Some(info);
        Ok(info)
    }

    fn require_valid(&mut self, cur: &mut CursorState) -> Result<()> {
        if cur.status == Status::RequireSeek {
            self.restore_position(cur)?;
        }
        match cur.status {
            Status::Valid | Status::SkipNext => Ok(()),
            Status::Fault => Err(fault()),
            _ => Err(Error::misuse("cursor is not on an entry")),
        }
    }

    /// The rowid of the current entry of a table cursor.
    pub fn rowid(&mut self, c: &Cursor) -> Result<i64> {
        let mut cur = c.state();
        self.require_valid(&mut cur)?;
        debug_assert!(cur.is_table());
        Ok(self.cell_info(&mut cur)?.key)
    }

    /// The complete payload of the current entry: a table row's record, or an index key.
    pub fn payload(&mut self, c: &Cursor) -> Result<Vec<u8>> {
        let mut cur = c.state();
        self.require_valid(&mut cur)?;
        let info = self.cell_info(&mut cur)?;
        let level = cur.top();
        let pc = level.page.cell_ptr(&level.page.page.data(), level.ix);
        self.read_payload(&level.page, pc, &info)
    }

    /// Calls `f` with the current entry's payload, borrowed from the page when it lies
    /// wholly there (no copy).
    pub fn with_payload<R>(&mut self, c: &Cursor, f: impl FnOnce(&[u8]) -> R) -> Result<R> {
        let mut cur = c.state();
        self.require_valid(&mut cur)?;
        let info = self.cell_info(&mut cur)?;
        let level = cur.top();
        if !info.has_overflow() {
            let d = level.page.page.data();
            let start = level.page.cell_ptr(&d, level.ix) + usize::from(info.payload_offset);
            return Ok(f(&d[start..start + usize::from(info.local_size)]));
        }
        let pc = level.page.cell_ptr(&level.page.page.data(), level.ix);
        let bytes = self.read_payload(&level.page, pc, &info)?;
        Ok(f(&bytes))
    }

    /// Starts an incremental read of the current entry's payload (fetchPayload): replaces
    /// `out` with the payload's local part and returns where the rest is, for
    /// [`Btree::payload_more`]. Fetches no overflow page.
    pub(crate) fn payload_start(&mut self, c: &Cursor, out: &mut Vec<u8>) -> Result<PayloadRest> {
        let mut cur = c.state();
        self.require_valid(&mut cur)?;
        let info = self.cell_info(&mut cur)?;
        let level = cur.top();
        let d = level.page.page.data();
        let start = level.page.cell_ptr(&d, level.ix) + usize::from(info.payload_offset);
        let local = usize::from(info.local_size);
        out.clear();
        out.extend_from_slice(&d[start..start + local]);
        let next_overflow = if info.has_overflow() { get_u32(&d, start + local) } else { 0 };
        Ok(PayloadRest { payload_size: info.payload_size, next_overflow })
    }

    /// Continues an incremental payload read until `out` holds at least `end` bytes (or the
    /// whole payload): follows the overflow chain from `rest.next_overflow`, fetching each
    /// overflow page once and only as far as `end` needs (accessPayload with its overflow
    /// page cache: no page of the chain is fetched twice for one entry).
    pub(crate) fn payload_more(&mut self, rest: &mut PayloadRest, out: &mut Vec<u8>, end: usize) -> Result<()> {
        let total = rest.payload_size as usize;
        let end = end.min(total);
        if out.len() >= end {
            return Ok(());
        }
        let per_page = self.geo.usable() - 4;
        // A payload needing more overflow pages than the file has is corrupt; checking first
        // keeps a bad size field (or a cycle in the chain) from allocating gigabytes.
        let overflow_bytes = (total - out.len()) as u64;
        ensure_corrupt!(
            overflow_bytes.div_ceil(per_page as u64) <= u64::from(self.n_page),
            "payload of {total} bytes cannot fit in the file"
        );
        while out.len() < end {
            let ovfl = rest.next_overflow;
            ensure_corrupt!(ovfl >= 2 && ovfl <= self.n_page, "overflow page {ovfl} is outside the database");
            let p = self.pager.get(ovfl)?;
            let d = p.data();
            let n = (total - out.len()).min(per_page);
            out.extend_from_slice(&d[4..4 + n]);
            rest.next_overflow = get_u32(&d, 0);
        }
        Ok(())
    }

    // ----- saving positions -----------------------------------------------------------------

    /// Saves the position of every other cursor on the tree `root` (all trees when None)
    /// before the tree is modified (saveAllCursors).
    pub(crate) fn save_all_cursors(&mut self, root: Pgno, except: Option<&Cursor>) -> Result<()> {
        let list = std::mem::take(&mut self.cursors);
        let mut result = Ok(());
        for rc in &list {
            if is_closed(rc) || except.is_some_and(|e| e.ptr_eq(rc)) {
                continue;
            }
            let mut cur = rc.borrow_mut();
            if (root == 0 || cur.root == root) && result.is_ok() {
                result = self.save_position(&mut cur);
            }
        }
        self.cursors = list;
        result
    }

    /// Saves the key of a positioned cursor and drops its pages (saveCursorPosition).
    fn save_position(&mut self, cur: &mut CursorState) -> Result<()> {
        match cur.status {
            Status::Valid | Status::SkipNext => {
                let info = self.cell_info(cur)?;
                let key = if cur.is_table() {
                    SavedKey::Rowid(info.key)
                } else {
                    let level = cur.top();
                    let pc = level.page.cell_ptr(&level.page.page.data(), level.ix);
                    SavedKey::Index(self.read_payload(&level.page, pc, &info)?)
                };
                cur.saved = Some(key);
                if cur.status == Status::Valid {
                    cur.skip_next = 0;
                }
                cur.status = Status::RequireSeek;
            }
            Status::Invalid => {}
            Status::RequireSeek | Status::Fault => return Ok(()),
        }
        cur.stack.clear();
        cur.clear_position();
        Ok(())
    }

    /// Seeks a cursor back to its saved key (btreeRestoreCursorPosition).
    pub(crate) fn restore_position(&mut self, cur: &mut CursorState) -> Result<()> {
        let Some(saved) = cur.saved.take() else {
            cur.status = Status::Invalid;
            return Ok(());
        };
        let skip = cur.skip_next;
        cur.status = Status::Invalid;
        let res = match &saved {
            SavedKey::Rowid(r) => self.table_moveto(cur, *r, false)?,
            SavedKey::Index(bytes) => self.index_moveto(cur, &UnpackedKey::from_record(bytes)?)?,
        };
        cur.skip_next = if res != 0 { res } else { skip };
        if cur.skip_next != 0 && cur.status == Status::Valid {
            cur.status = Status::SkipNext;
        }
        Ok(())
    }
}

/// True when every ancestor's index is past its last cell: the cursor is on the last page.
fn on_last_page(cur: &CursorState) -> bool {
    cur.stack[..cur.stack.len() - 1].iter().all(|l| l.ix >= l.page.n_cell)
}

fn ordering_to_i32(o: Ordering) -> i32 {
    match o {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

/// The rowid of the table cell at `pc` (skipping the payload size on leaves). The binary
/// search of every seek reads it for every cell it probes, so a cell whose two varints lie
/// wholly before the end of the usable area (every cell not within 18 bytes of it) is read
/// from a fixed-size array, without a bounds check per byte or an error to propagate.
#[inline]
fn cell_rowid(d: &[u8], pc: usize, leaf: bool, usable: usize) -> Result<i64> {
    const SPAN: usize = 2 * MAX_VARINT_BYTES;
    if let Some(bytes) = d.get(pc..usable).and_then(<[u8]>::first_chunk::<SPAN>) {
        let at = if leaf { decode_varint(bytes.first_chunk().unwrap_or(&[0; MAX_VARINT_BYTES])).1 } else { 4 };
        if let Some(key) = bytes[at..].first_chunk() {
            return Ok(decode_varint(key).0 as i64);
        }
    }
    let cell = d.get(pc..usable).unwrap_or(&[]);
    let at = if leaf { read_varint(cell)?.1 } else { 4 };
    let (key, _) = read_varint(cell.get(at..).unwrap_or(&[]))?;
    Ok(key as i64)
}
