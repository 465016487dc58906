//! Inserting and deleting entries (sqlite3BtreeInsert, sqlite3BtreeDelete).
//!
//! Insert: seek to the key; an entry with the same key and payload size is overwritten in
//! place (only bytes that differ are written); otherwise a new cell is built (with its
//! overflow chain) and placed at the leaf, replacing an old cell with the same key. A cell
//! that does not fit waits on the page as an overflow cell and the page is balanced.
//!
//! Delete: the cell and its overflow chain are freed. A cell on an interior page (index
//! trees only) is replaced by its predecessor, taken from the end of a leaf. Then the leaf is
//! balanced if more than 2/3 of it is free, and the interior page too.

use super::Btree;
use super::cursor::{Cursor, CursorState, SavedKey, Status};
use super::keycmp::UnpackedKey;
use super::payload::CellContent;
use crate::ensure_corrupt;
use crate::error::{Error, Result};

/// How an insert may proceed (BTREE_APPEND, BTREE_SAVEPOSITION).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InsertFlags {
    /// The key is likely larger than every key in the tree: bias the seek to the right.
    pub append: bool,
    /// Keep the cursor on the new entry (else it may be left anywhere).
    pub save_position: bool,
}

impl Btree {
    /// Inserts a row into the table of cursor `c` (a row with the same rowid is replaced).
    pub fn insert_row(&mut self, c: &Cursor, rowid: i64, record: &[u8], flags: InsertFlags) -> Result<()> {
        self.insert(c, CellContent::Row { rowid, data: record }, 0, flags)
    }

    /// Inserts an index entry (an identical entry is overwritten).
    pub fn insert_key(&mut self, c: &Cursor, key: &[u8], flags: InsertFlags) -> Result<()> {
        self.insert(c, CellContent::Key(key), 0, flags)
    }

    /// Inserts `content` through cursor `c`. `seek_result` is the result of a seek the
    /// caller already made to this key with this cursor (0 when it made none).
    pub fn insert(&mut self, c: &Cursor, content: CellContent<'_>, seek_result: i32, flags: InsertFlags) -> Result<()> {
        self.require_write()?;
        let mut cur = c.state();
        if cur.status == Status::Fault {
            return Err(Error::misuse("cursor used after its transaction ended"));
        }
        let root = cur.root;
        self.save_all_cursors(root, Some(c))?;
        if matches!(cur.status, Status::RequireSeek) {
            cur.saved = None;
            cur.status = Status::Invalid;
            cur.stack.clear();
        }
        // A caller's seek result holds only while the cursor still stands where that seek
        // left it (a cursor saved by another cursor's write must seek again).
        let mut loc = if cur.status == Status::Valid { seek_result } else { 0 };
        match content {
            CellContent::Row { rowid, data } => {
                ensure_corrupt!(cur.is_table(), "row insert into index tree {root}");
                if cur.status == Status::Valid && cur.known_rowid() == Some(rowid) {
                    // Overwrite in place only when the cell was fully parsed (SQLite's
                    // info.nSize != 0), as after reading the row being updated.
                    if cur.info.is_some_and(|i| i.payload_size as usize == data.len()) {
                        return self.overwrite_cell(&mut cur, data);
                    }
                    loc = 0;
                } else if loc == 0 {
                    loc = self.table_moveto(&mut cur, rowid, flags.append)?;
                }
            }
            CellContent::Key(key) => {
                ensure_corrupt!(!cur.is_table(), "index insert into table tree {root}");
                if loc == 0 {
                    loc = self.index_moveto(&mut cur, &UnpackedKey::from_record(key)?)?;
                }
                if loc == 0 {
                    let info = self.cell_info(&mut cur)?;
                    if info.key as usize == key.len() {
                        return self.overwrite_cell(&mut cur, key);
                    }
                }
            }
        }
        if cur.stack.is_empty() {
            // Empty tree: the seek left the root as the (leaf) page to insert into.
            self.move_to_root(&mut cur)?;
        }
        cur.top_mut().page.ensure_free_space(self.geo.usable())?;
        // The cell is built in the b-tree's scratch buffer (SQLite's pTmpSpace), taken for
        // the time of the insert.
        let mut cell = std::mem::take(&mut self.cell_buf);
        let r = self
            .fill_in_cell(&cur.top().page, content, &mut cell)
            .and_then(|()| self.place_cell(&mut cur, loc, &mut cell, flags, content));
        cell.clear();
        self.cell_buf = cell;
        r
    }

    /// Puts the new cell `new_cell` where the seek (result `loc`) left the cursor: over the
    /// entry with the same key, or beside it, balancing if the page overflows.
    fn place_cell(
        &mut self,
        cur: &mut CursorState,
        loc: i32,
        new_cell: &mut [u8],
        flags: InsertFlags,
        content: CellContent<'_>,
    ) -> Result<()> {
        let usable = self.geo.usable();
        let mut idx = cur.top().ix;
        cur.forget_cell();
        if loc == 0 && cur.status == Status::Valid {
            // The cursor stays on the entry it replaces: a row keeps its rowid known
            // (sqlite3BtreeInsert keeps BTCF_ValidNKey and info.nKey, clearing only
            // info.nSize), so that a seek of the next rowid moves by one entry.
            if let CellContent::Row { rowid, .. } = content {
                cur.key_only = Some(rowid);
            }
            let level = cur.top();
            ensure_corrupt!(idx < level.page.n_cell, "page {}: cursor past the last cell", level.page.pgno);
            let page = level.page.page.clone();
            self.pager.write(&page)?;
            let (old, pc) = {
                let d = page.data();
                let pc = level.page.cell_ptr(&d, idx);
                if !level.page.leaf {
                    new_cell[..4].copy_from_slice(&d[pc..pc + 4]);
                }
                (level.page.parse_cell_at(&d, pc, usable)?, pc)
            };
            self.clear_cell_overflow(&cur.top().page, pc, &old)?;
            if usize::from(old.size) == new_cell.len() && !old.has_overflow() {
                ensure_corrupt!(pc >= cur.top().page.hdr + 10, "page {}: cell overlaps the header", page.pgno());
                page.data_mut()[pc..pc + new_cell.len()].copy_from_slice(new_cell);
                return Ok(());
            }
            cur.top_mut().page.drop_cell(idx, usize::from(old.size), usable)?;
            return self.finish_insert(cur, idx, new_cell, flags, content);
        }
        if loc < 0 && cur.top().page.n_cell > 0 {
            idx += 1;
            cur.top_mut().ix = idx;
        }
        self.finish_insert(cur, idx, new_cell, flags, content)
    }

    /// Places the new cell at `idx` on the cursor's page and balances if it overflowed.
    fn finish_insert(
        &mut self,
        cur: &mut CursorState,
        idx: usize,
        cell: &[u8],
        flags: InsertFlags,
        content: CellContent<'_>,
    ) -> Result<()> {
        let usable = self.geo.usable();
        debug_assert!(cur.top().page.leaf || !cur.top().page.int_key);
        let level = cur.top_mut();
        level.page.insert_cell(&mut self.pager, idx, cell, None, usable)?;
        cur.status = Status::Valid;
        if !cur.top().page.overflow.is_empty() {
            cur.forget_cell();
            cur.at_last = false;
            let r = self.balance(cur);
            if let Some(l) = cur.stack.last_mut() {
                l.page.overflow.clear();
            }
            cur.status = Status::Invalid;
            r?;
            if flags.save_position {
                cur.stack.clear();
                cur.saved = Some(match content {
                    CellContent::Row { rowid, .. } => SavedKey::Rowid(rowid),
                    CellContent::Key(k) => SavedKey::Index(k.to_vec()),
                });
                cur.skip_next = 0;
                cur.status = Status::RequireSeek;
            }
        }
        Ok(())
    }

    /// Overwrites the current entry's payload with `data` of the same size, writing only
    /// pages whose bytes change (btreeOverwriteCell).
    fn overwrite_cell(&mut self, cur: &mut CursorState, data: &[u8]) -> Result<()> {
        let info = self.cell_info(cur)?;
        let usable = self.geo.usable();
        let level = cur.top();
        let page = level.page.page.clone();
        let start = level.page.cell_ptr(&page.data(), level.ix) + usize::from(info.payload_offset);
        let local = usize::from(info.local_size);
        ensure_corrupt!(
            start + local <= usable && start >= level.page.cell_offset,
            "page {}: cell payload is off the page",
            page.pgno()
        );
        self.overwrite_bytes(&page, start, &data[..local])?;
        if !info.has_overflow() {
            return Ok(());
        }
        let mut ovfl = crate::format::header::get_u32(&page.data(), start + local);
        let mut offset = local;
        while offset < data.len() {
            ensure_corrupt!(ovfl >= 2 && ovfl <= self.n_page, "overflow page {ovfl} is outside the database");
            let p = self.pager.get(ovfl)?;
            ensure_corrupt!(self.pager.outside_refs(&p) == 1, "overflow page {ovfl} is in use elsewhere");
            let n = (data.len() - offset).min(usable - 4);
            let next = crate::format::header::get_u32(&p.data(), 0);
            self.overwrite_bytes(&p, 4, &data[offset..offset + n])?;
            offset += n;
            ovfl = next;
        }
        Ok(())
    }

    /// Writes `src` at `at` on `page`, making the page writeable only if a byte differs
    /// (btreeOverwriteContent).
    fn overwrite_bytes(&mut self, page: &crate::pager::PageRef, at: usize, src: &[u8]) -> Result<()> {
        if page.data()[at..at + src.len()] != *src {
            self.pager.write(page)?;
            page.data_mut()[at..at + src.len()].copy_from_slice(src);
        }
        Ok(())
    }

    /// Deletes the entry the cursor is on (sqlite3BtreeDelete). With `save_position` the
    /// cursor is left so that `next` / `prev` continue from the deleted entry's place.
    pub fn delete(&mut self, c: &Cursor, save_position: bool) -> Result<()> {
        self.require_write()?;
        let mut cur = c.state();
        if cur.status == Status::RequireSeek {
            self.restore_position(&mut cur)?;
        }
        match cur.status {
            Status::Valid | Status::SkipNext => cur.status = Status::Valid,
            Status::Fault => return Err(Error::misuse("cursor used after its transaction ended")),
            _ => return Err(Error::misuse("delete with a cursor that is not on an entry")),
        }
        let usable = self.geo.usable();
        let cell_depth = cur.stack.len() - 1;
        let cell_idx = cur.top().ix;
        {
            let level = cur.top_mut();
            ensure_corrupt!(cell_idx < level.page.n_cell, "page {}: cursor past the last cell", level.page.pgno);
            level.page.ensure_free_space(usable)?;
        }
        let info = self.cell_info(&mut cur)?;
        let level = cur.top();
        let pc = level.page.cell_ptr(&level.page.page.data(), cell_idx);
        ensure_corrupt!(
            pc >= level.page.cell_offset + 2 * level.page.n_cell,
            "page {}: cell inside the pointer array",
            level.page.pgno
        );
        // Saving the position: a balance will follow unless the page stays over 1/3 full.
        let saved_key = if save_position {
            let p = &level.page;
            let needs_balance =
                !p.leaf || p.n_free as usize + usize::from(info.size) + 2 > usable * 2 / 3 || p.n_cell == 1;
            if needs_balance {
                Some(if cur.is_table() {
                    SavedKey::Rowid(info.key)
                } else {
                    SavedKey::Index(self.read_payload(p, pc, &info)?)
                })
            } else {
                None
            }
        } else {
            None
        };
        let leaf = level.page.leaf;
        if !leaf {
            // The predecessor (the largest entry of the cell's left subtree) replaces it.
            self.move_to_predecessor(&mut cur)?;
        }
        self.save_all_cursors(cur.root, Some(c))?;
        let page = cur.stack[cell_depth].page.page.clone();
        self.pager.write(&page)?;
        self.clear_cell_overflow(&cur.stack[cell_depth].page, pc, &info)?;
        cur.stack[cell_depth].page.drop_cell(cell_idx, usize::from(info.size), usable)?;
        if !leaf {
            let (leaf_pgno, child_pgno) = {
                let n = cur.stack.len();
                let child = if cell_depth < n - 2 { cur.stack[cell_depth + 1].page.pgno } else { cur.top().page.pgno };
                (cur.top().page.pgno, child)
            };
            let _ = leaf_pgno;
            cur.top_mut().page.ensure_free_space(usable)?;
            let (cell, size) = {
                let lp = &cur.top().page;
                let d = lp.page.data();
                let last = lp.n_cell - 1;
                let lpc = lp.cell_ptr(&d, last);
                ensure_corrupt!(lpc >= 4, "page {}: cell overlaps the header", lp.pgno);
                let size = usize::from(lp.parse_cell_at(&d, lpc, usable)?.size);
                // An interior cell is the leaf cell plus a child pointer; a 4-byte leaf cell
                // padded from 3 bytes loses its pad (the `pCell[0]==2` case of btree.c).
                let len = size + 4 - usize::from(d[lpc] == 2);
                let mut cell = vec![0u8; len];
                cell[4..].copy_from_slice(&d[lpc..lpc + len - 4]);
                (cell, size)
            };
            let leaf_page = cur.top().page.page.clone();
            self.pager.write(&leaf_page)?;
            let interior = &mut cur.stack[cell_depth].page;
            interior.ensure_free_space(usable)?;
            interior.insert_cell(&mut self.pager, cell_idx, &cell, Some(child_pgno), usable)?;
            let last = cur.top().page.n_cell - 1;
            cur.top_mut().page.drop_cell(last, size, usable)?;
        }
        cur.forget_cell();
        cur.at_last = false;
        let top_free = cur.top().page.n_free;
        if top_free as usize * 3 > usable * 2 {
            self.balance(&mut cur)?;
        }
        if cur.stack.len() > cell_depth + 1 {
            cur.stack.truncate(cell_depth + 1);
            self.balance(&mut cur)?;
        }
        if save_position && saved_key.is_none() {
            let n = cur.top().page.n_cell;
            if cell_idx >= n {
                cur.skip_next = -1;
                cur.top_mut().ix = n - 1;
            } else {
                cur.skip_next = 1;
            }
            cur.status = Status::SkipNext;
        } else {
            self.move_to_root(&mut cur)?;
            if let Some(key) = saved_key {
                cur.stack.clear();
                cur.saved = Some(key);
                cur.skip_next = 0;
                cur.status = Status::RequireSeek;
            }
        }
        Ok(())
    }

    /// Moves from an interior cell to its predecessor: the right-most entry of the cell's left
    /// subtree (sqlite3BtreePrevious from an interior page).
    fn move_to_predecessor(&mut self, cur: &mut CursorState) -> Result<()> {
        let level = cur.top();
        let child = level.page.child(&level.page.page.data(), level.ix)?;
        self.move_to_child(cur, child)?;
        self.move_to_rightmost(cur)
    }
}
