//! Rebalancing after an insert or delete (SQLite's balance, balance_quick, balance_deeper).
//!
//! A page is balanced only when it holds overflow cells or more than 2/3 of it is free.
//! Working up from the cursor's page:
//! - an overfull root moves its content into a new child (`balance_deeper`) and the child is
//!   balanced next; an underfull root is left alone;
//! - a table leaf whose only overflow cell is its new last cell, being its parent's
//!   right-most child (and the parent not page 1), gets a new right sibling holding just that
//!   cell (`balance_quick`): sequential inserts leave full pages behind them;
//! - anything else redistributes the page and up to two siblings (`balance_nonroot`, in
//!   nonroot.rs), which may leave the parent overfull or underfull for the next round.

use super::Btree;
use super::cursor::{CursorState, Level};
use super::page::{MemPage, ptf};
use crate::ensure_corrupt;
use crate::error::Result;
use crate::format::header::put_u16;

impl Btree {
    /// Balances the cursor's page and, as needed, its ancestors (balance). On return the
    /// cursor's stack ends at the highest page that was examined; it no longer points to an
    /// entry.
    pub(crate) fn balance(&mut self, cur: &mut CursorState) -> Result<()> {
        let usable = self.geo.usable();
        loop {
            let depth = cur.stack.len() - 1;
            {
                let page = &mut cur.stack[depth].page;
                page.ensure_free_space(usable)?;
                if page.overflow.is_empty() && page.n_free as usize * 3 <= usable * 2 {
                    return Ok(());
                }
            }
            if depth == 0 {
                if cur.stack[0].page.overflow.is_empty() {
                    return Ok(());
                }
                let child = self.balance_deeper(&mut cur.stack[0].page)?;
                cur.stack[0].ix = 0;
                cur.stack.push(Level { page: child, ix: 0 });
                continue;
            }
            let (ancestors, rest) = cur.stack.split_at_mut(depth);
            let page = &mut rest[0].page;
            ensure_corrupt!(
                !ancestors.iter().any(|l| l.page.pgno == page.pgno),
                "page {} is its own ancestor",
                page.pgno
            );
            let ancestor_pgnos: Vec<u32> = ancestors.iter().map(|l| l.page.pgno).collect();
            let parent_level = ancestors.last_mut().expect("depth > 0");
            let i_idx = parent_level.ix;
            let parent = &mut parent_level.page;
            self.pager.write(&parent.page)?;
            parent.ensure_free_space(usable)?;
            let r = if page.int_key_leaf
                && page.overflow.len() == 1
                && page.overflow[0].index == page.n_cell
                && parent.pgno != 1
                && parent.n_cell == i_idx
            {
                self.balance_quick(parent, page)
            } else {
                self.balance_nonroot(parent, i_idx, page, depth == 1, cur.bulk, &ancestor_pgnos)
            };
            page.overflow.clear();
            r?;
            cur.stack.pop();
        }
    }

    /// Puts the single overflow cell of the right-most table leaf `page` on a new page to its
    /// right, and appends a divider (old page, its largest rowid) to `parent` (balance_quick).
    /// `parent` is writeable with its free space known; it may overflow.
    fn balance_quick(&mut self, parent: &mut MemPage, page: &mut MemPage) -> Result<()> {
        ensure_corrupt!(page.n_cell > 0, "page {}: leaf without cells", page.pgno);
        let usable = self.geo.usable();
        let (new_page, new_pgno) = self.allocate_page(0, false)?;
        let cell = page.overflow[0].bytes.clone();
        let sz = usize::from(page.cell_size(&cell, usable)?);
        let mut new = MemPage::init_blank(new_page, &self.geo);
        new.zero(ptf::TABLE_LEAF, &self.geo);
        {
            // rebuildPage with one cell: the cell at the very end of the page.
            let mut d = new.page.data_mut();
            let at = usable - sz;
            d[at..usable].copy_from_slice(&cell[..sz]);
            put_u16(&mut d, new.cell_offset, at as u16);
            put_u16(&mut d, 1, 0);
            put_u16(&mut d, 3, 1);
            put_u16(&mut d, 5, at as u16);
            d[7] = 0;
        }
        new.n_cell = 1;
        new.n_free = (usable - new.cell_offset - 2 - sz) as i32;
        // The divider: the old page's number and the rowid of its last cell, copied as stored.
        let mut divider = vec![0u8; 4];
        {
            let d = page.page.data();
            let pc = page.cell_ptr(&d, page.n_cell - 1);
            let mut pos = pc;
            let stop = (pc + 9).min(usable);
            while pos < stop && d[pos] & 0x80 != 0 {
                pos += 1;
            }
            pos += 1;
            let stop = (pos + 9).min(usable);
            while pos < stop {
                let b = d[pos];
                divider.push(b);
                pos += 1;
                if b & 0x80 == 0 {
                    break;
                }
            }
        }
        let at = parent.n_cell;
        parent.insert_cell(&mut self.pager, at, &divider, Some(page.pgno), usable)?;
        parent.set_right_child(new_pgno);
        Ok(())
    }

    /// Moves the content of the overfull `root` into a new child page, leaving the root an
    /// empty interior page whose right child is the new page (balance_deeper). The root's
    /// overflow cells move with it; the child is returned for balancing.
    fn balance_deeper(&mut self, root: &mut MemPage) -> Result<MemPage> {
        self.pager.write(&root.page)?;
        let (child_page, child_pgno) = self.allocate_page(root.pgno, false)?;
        let mut child = MemPage::init_blank(child_page, &self.geo);
        self.copy_node_content(root, &mut child)?;
        child.overflow = std::mem::take(&mut root.overflow);
        let flags = child.flags() & !ptf::LEAF;
        root.zero(flags, &self.geo);
        root.set_right_child(child_pgno);
        Ok(child)
    }

    /// Copies the b-tree content of `from` onto `to` (copyNodeContent): the cell content area
    /// byte for byte, then the header and cell pointer array (moved to `to`'s header offset),
    /// and re-parses `to`. Overflow cells are not copied.
    pub(crate) fn copy_node_content(&mut self, from: &MemPage, to: &mut MemPage) -> Result<()> {
        let usable = self.geo.usable();
        let to_hdr = if to.pgno == 1 { 100 } else { 0 };
        {
            let f = from.page.data();
            let mut t = to.page.data_mut();
            let data_start = usize::from(crate::format::header::get_u16(&f, from.hdr + 5)).min(usable);
            t[data_start..usable].copy_from_slice(&f[data_start..usable]);
            let n = (from.cell_offset + 2 * from.n_cell).min(f.len() - from.hdr).min(t.len() - to_hdr);
            t[to_hdr..to_hdr + n].copy_from_slice(&f[from.hdr..from.hdr + n]);
        }
        *to = MemPage::init(to.page.clone(), &self.geo)?;
        to.compute_free_space(usable)
    }
}
