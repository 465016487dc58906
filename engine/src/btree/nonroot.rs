//! balance_nonroot: redistributing the cells of a page and up to two siblings.
//!
//! The steps, as in SQLite's btree.c (the names in comments are SQLite's):
//!
//! 1. Pick the siblings: all children when the parent has at most two, else the page with a
//!    neighbour on each side (the first or last three at the edges; bulk loads take two,
//!    the page and its left neighbour). Their dividers are copied out of the parent and
//!    dropped from it.
//! 2. Gather every cell of the siblings in key order, with the dividers between them (index
//!    trees; table leaves have none), into one array (`CellArray`). Cells are copied into an
//!    arena together with where they came from, which editPage needs to know.
//! 3. Pack the cells left-heavy onto as few pages as fit (at most 5), then walk right to
//!    left moving cells right while the right page stays no fuller than the left (skipped
//!    in bulk mode).
//! 4. Reuse the old pages, allocate more (each near the previous), and give them ascending
//!    page numbers by swapping contents (SQLite's sqlite3PagerRekey).
//! 5. Insert the new dividers into the parent, then rewrite each sibling with editPage in an
//!    order that never overwrites a cell still to be copied.
//! 6. A root left without cells takes its only child's content (balance-shallower); old
//!    pages not reused go to the freelist.

use super::page::{MemPage, find_slot};
use super::{Btree, Geometry};
use crate::ensure_corrupt;
use crate::error::Result;
use crate::format::header::{get_u16, get_u32, put_u16, put_u32};
use crate::format::varint::write_varint;
use crate::pager::Pgno;

/// Siblings balanced at once (NB).
const NB: usize = 3;

/// One cell taking part in a balance.
#[derive(Clone, Copy, Debug)]
struct CellRef {
    /// Offset of the cell's bytes in the arena.
    start: usize,
    /// Size of the cell (szCell).
    size: usize,
    /// Where the cell sits on an old sibling: (sibling slot, offset in its page), or None
    /// for dividers and overflow cells, which are on no sibling.
    origin: Option<(usize, usize)>,
}

/// The cells being balanced (SQLite's CellArray), with their bytes.
struct CellArray {
    arena: Vec<u8>,
    cells: Vec<CellRef>,
}

impl CellArray {
    fn push(&mut self, bytes: &[u8], origin: Option<(usize, usize)>) {
        let start = self.arena.len();
        self.arena.extend_from_slice(bytes);
        self.cells.push(CellRef { start, size: bytes.len(), origin });
    }

    fn bytes(&self, i: usize) -> &[u8] {
        let c = self.cells[i];
        &self.arena[c.start..c.start + c.size]
    }

    fn size(&self, i: usize) -> usize {
        self.cells[i].size
    }

    fn len(&self) -> usize {
        self.cells.len()
    }
}

impl Btree {
    /// Redistributes the cells of `page` (child `i_parent_idx` of `parent`, possibly carrying
    /// overflow cells) and its siblings (balance_nonroot). `parent` is writeable with its free
    /// space known; afterwards it may be overfull or underfull. `ancestors` are the page
    /// numbers above `page` on the cursor's path, none of which may be a sibling.
    pub(crate) fn balance_nonroot(
        &mut self,
        parent: &mut MemPage,
        i_parent_idx: usize,
        page: &mut MemPage,
        is_root: bool,
        bulk: bool,
        ancestors: &[Pgno],
    ) -> Result<()> {
        let geo = self.geo;
        let usable = geo.usable();
        let bulk_n = usize::from(bulk);
        debug_assert!(parent.overflow.len() <= 1);
        debug_assert!(parent.overflow.first().is_none_or(|o| o.index == i_parent_idx));

        // ----- 1. the siblings and their dividers -----------------------------------------
        let n_total = parent.overflow.len() + parent.n_cell;
        let (nx_div, mut i) = if n_total < 2 {
            (0, n_total)
        } else {
            let nx = if i_parent_idx == 0 {
                0
            } else if i_parent_idx == n_total {
                n_total - 2 + bulk_n
            } else {
                i_parent_idx - 1
            };
            (nx, 2 - bulk_n)
        };
        let n_old = i + 1;
        let right_ptr_offset = {
            let d = parent.page.data();
            let idx = i + nx_div - parent.overflow.len();
            if idx == parent.n_cell { parent.hdr + 8 } else { parent.cell_ptr(&d, idx) }
        };
        ensure_corrupt!(right_ptr_offset + 4 <= usable, "page {}: right pointer off the page", parent.pgno);
        let mut pgno = get_u32(&parent.page.data(), right_ptr_offset);
        let mut old: Vec<Option<MemPage>> = (0..n_old).map(|_| None).collect();
        let mut dividers: Vec<Vec<u8>> = vec![Vec::new(); n_old.saturating_sub(1)];
        loop {
            ensure_corrupt!(
                pgno != parent.pgno && !ancestors.contains(&pgno) && !old.iter().flatten().any(|p| p.pgno == pgno),
                "page {pgno} appears twice in one balance"
            );
            // Page 1 is a root (sqlite_schema's) and never a child; editing it as a sibling
            // would also misplace its header, which starts 100 bytes in.
            ensure_corrupt!(pgno != 1, "page 1 is a child of page {}", parent.pgno);
            let mut sibling = if pgno == page.pgno {
                let mut s = MemPage::init(page.page.clone(), &geo)?;
                s.overflow = std::mem::take(&mut page.overflow);
                s.n_free = page.n_free;
                s
            } else {
                self.get_page(pgno)?
            };
            sibling.ensure_free_space(usable)?;
            old[i] = Some(sibling);
            if i == 0 {
                break;
            }
            i -= 1;
            if !parent.overflow.is_empty() && i + nx_div == parent.overflow[0].index {
                let cell = parent.overflow.remove(0).bytes;
                ensure_corrupt!(cell.len() >= 4, "page {}: divider cell too small", parent.pgno);
                pgno = get_u32(&cell, 0);
                dividers[i] = cell;
            } else {
                let idx = i + nx_div - parent.overflow.len();
                let (cell, size) = {
                    let d = parent.page.data();
                    let pc = parent.cell_ptr(&d, idx);
                    let size = usize::from(parent.parse_cell_at(&d, pc, usable)?.size);
                    (d[pc..pc + size].to_vec(), size)
                };
                pgno = get_u32(&cell, 0);
                dividers[i] = cell;
                parent.drop_cell(idx, size, usable)?;
            }
        }
        let mut old: Vec<MemPage> = old.into_iter().map(|p| p.expect("every sibling loaded")).collect();

        // ----- 2. gather the cells --------------------------------------------------------
        let page_flags = old[0].flags();
        let leaf_correction = if old[0].leaf { 4 } else { 0 };
        let leaf_data = old[0].int_key_leaf;
        // Sized once: every cell of the siblings, their overflow cells and the dividers.
        let n_cells = old.iter().map(|p| p.n_cell + p.overflow.len()).sum::<usize>() + n_old;
        let mut b = CellArray { arena: Vec::with_capacity((n_old + 1) * usable), cells: Vec::with_capacity(n_cells) };
        let mut cnt_old = [0usize; NB + 3];
        for (si, sib) in old.iter().enumerate() {
            ensure_corrupt!(sib.flags() == page_flags, "page {}: sibling of a different kind", sib.pgno);
            let d = sib.page.data();
            let mut on_page = 0..sib.n_cell;
            if let Some(first) = sib.overflow.first() {
                ensure_corrupt!(first.index <= sib.n_cell, "page {}: overflow cell past the end", sib.pgno);
                for k in 0..first.index {
                    let pc = sib.cell_ptr(&d, k);
                    let size = usize::from(sib.parse_cell_at(&d, pc, usable)?.size);
                    b.push(&d[pc..pc + size], Some((si, pc)));
                }
                for o in &sib.overflow {
                    b.push(&o.bytes[..usize::from(sib.cell_size(&o.bytes, usable)?)], None);
                }
                on_page = first.index..sib.n_cell;
            }
            for k in on_page {
                let pc = sib.cell_ptr(&d, k);
                let size = usize::from(sib.parse_cell_at(&d, pc, usable)?.size);
                b.push(&d[pc..pc + size], Some((si, pc)));
            }
            cnt_old[si] = b.len();
            if si < n_old - 1 && !leaf_data {
                let div = &dividers[si];
                let sz = usize::from(parent.cell_size(div, usable)?);
                ensure_corrupt!(sz <= div.len() && sz >= leaf_correction, "page {}: malformed divider", parent.pgno);
                let mut cell = div[leaf_correction..sz].to_vec();
                if !sib.leaf {
                    // The old page's right child becomes the divider's left child.
                    cell[..4].copy_from_slice(&d[8..12]);
                } else {
                    while cell.len() < 4 {
                        cell.push(0);
                    }
                }
                b.push(&cell, None);
            }
        }

        // ----- 3. how many pages, and which cells on each ---------------------------------
        let usable_space = (usable - 12 + leaf_correction) as isize;
        let mut sz_new = [0isize; NB + 3];
        let mut cnt_new = [0usize; NB + 3];
        for (si, sib) in old.iter().enumerate() {
            sz_new[si] = usable_space - sib.n_free as isize;
            for o in &sib.overflow {
                sz_new[si] += 2 + sib.cell_size(&o.bytes, usable)? as isize;
            }
            cnt_new[si] = cnt_old[si];
        }
        let n_cell = b.len();
        let mut k = n_old;
        let mut i = 0;
        while i < k {
            while sz_new[i] > usable_space {
                if i + 1 >= k {
                    k = i + 2;
                    ensure_corrupt!(k <= NB + 2, "balance needs more than {} pages", NB + 2);
                    sz_new[k - 1] = 0;
                    cnt_new[k - 1] = n_cell;
                }
                ensure_corrupt!(cnt_new[i] >= 1, "balance ran out of cells");
                let mut sz = 2 + b.size(cnt_new[i] - 1) as isize;
                sz_new[i] -= sz;
                if !leaf_data {
                    sz = if cnt_new[i] < n_cell { 2 + b.size(cnt_new[i]) as isize } else { 0 };
                }
                sz_new[i + 1] += sz;
                cnt_new[i] -= 1;
            }
            while cnt_new[i] < n_cell {
                let mut sz = 2 + b.size(cnt_new[i]) as isize;
                if sz_new[i] + sz > usable_space {
                    break;
                }
                sz_new[i] += sz;
                cnt_new[i] += 1;
                if !leaf_data {
                    sz = if cnt_new[i] < n_cell { 2 + b.size(cnt_new[i]) as isize } else { 0 };
                }
                sz_new[i + 1] -= sz;
            }
            if cnt_new[i] >= n_cell {
                k = i + 1;
            } else {
                let prev = if i > 0 { cnt_new[i - 1] } else { 0 };
                ensure_corrupt!(cnt_new[i] > prev, "balance produced an empty page");
            }
            i += 1;
        }
        // Right-to-left: move cells right while that leaves the right page no fuller.
        // (Planted bug: as if every balance were a bulk load, the pages are not evened out.)
        let pack_left = bulk || crate::planted::active(crate::planted::Bug::WrongBalanceSplit);
        for i in (1..k).rev() {
            let mut sz_right = sz_new[i];
            let mut sz_left = sz_new[i - 1];
            ensure_corrupt!(cnt_new[i - 1] >= 1, "balance ran out of cells");
            let mut r = cnt_new[i - 1] as isize - 1;
            let mut d = r + 1 - isize::from(leaf_data);
            loop {
                ensure_corrupt!(d >= 0 && (d as usize) < n_cell, "balance index out of range");
                let sz_r = b.size(r as usize) as isize;
                let sz_d = b.size(d as usize) as isize;
                if sz_right != 0
                    && (pack_left || sz_right + sz_d + 2 > sz_left - (sz_r + if i == k - 1 { 0 } else { 2 }))
                {
                    break;
                }
                sz_right += sz_d + 2;
                sz_left -= sz_r + 2;
                cnt_new[i - 1] = r as usize;
                r -= 1;
                d -= 1;
                if r < 0 {
                    break;
                }
            }
            sz_new[i] = sz_right;
            sz_new[i - 1] = sz_left;
            let prev = if i > 1 { cnt_new[i - 2] } else { 0 };
            ensure_corrupt!(cnt_new[i - 1] > prev, "balance produced an empty page");
        }

        // ----- 4. the new pages -------------------------------------------------------------
        let n_new = k;
        // `slot[i]` is the page object in position i; `buf[i]` says which old sibling's bytes
        // it holds (SQLite moves page numbers, not bytes, when it sorts them).
        let mut slots: Vec<MemPage> = Vec::with_capacity(n_new.max(n_old));
        let mut buf: Vec<Option<usize>> = Vec::with_capacity(n_new.max(n_old));
        let mut old_iter = old.drain(..);
        #[allow(clippy::needless_range_loop)] // i indexes cnt_old and decides old vs new
        for i in 0..n_new.max(n_old) {
            if i < n_old {
                let p = old_iter.next().expect("n_old pages");
                if i < n_new {
                    self.pager.write(&p.page)?;
                }
                slots.push(p);
                buf.push(Some(i));
            } else {
                let (np, new_pgno) = self.allocate_page(if bulk { 1 } else { pgno }, false)?;
                pgno = new_pgno;
                let mut mp = MemPage::init_blank(np, &geo);
                mp.zero(page_flags, &geo);
                slots.push(mp);
                buf.push(None);
                // A new page holds no old cells: every cell arrives (cntOld = nCell).
                cnt_old[i] = n_cell;
            }
        }
        drop(old_iter);
        // Ascending page numbers: selection sort over the n_new slots, swapping numbers.
        for i in 0..n_new.saturating_sub(1) {
            let mut ib = i;
            for j in i + 1..n_new {
                if slots[j].pgno < slots[ib].pgno {
                    ib = j;
                }
            }
            if ib != i {
                let (a, bb) = slots.split_at_mut(ib);
                swap_page_numbers(&mut self.pager, &mut a[i], &mut bb[0]);
            }
        }
        put_u32(&mut parent.page.data_mut(), right_ptr_offset, slots[n_new - 1].pgno);
        if page_flags & super::page::ptf::LEAF == 0 && n_old != n_new {
            let right = get_u32(&slots[n_old - 1].page.data(), 8);
            slots[n_new - 1].set_right_child(right);
        }

        // ----- 5. dividers into the parent, then the siblings -----------------------------
        for i in 0..n_new - 1 {
            let mut j = cnt_new[i];
            let new_pgno = slots[i].pgno;
            let cell: Vec<u8> = if !slots[i].leaf {
                let c = b.bytes(j).to_vec();
                slots[i].set_right_child(get_u32(&c, 0));
                c
            } else if leaf_data {
                j -= 1;
                let info = super::page::parse_cell(true, true, geo.max_leaf, geo.min_leaf, b.bytes(j), 0, usable)?;
                let mut c = vec![0u8; 13];
                let n = write_varint(&mut c[4..], info.key as u64);
                c.truncate(4 + n);
                c
            } else {
                let mut c = vec![0u8; 4];
                c.extend_from_slice(b.bytes(j));
                if b.size(j) == 4 {
                    let sz = usize::from(parent.cell_size(&c, usable)?);
                    c.truncate(sz);
                }
                c
            };
            parent.insert_cell(&mut self.pager, nx_div + i, &cell, Some(new_pgno), usable)?;
        }
        let mut done = [false; NB + 2];
        for i in 1 - n_new as isize..n_new as isize {
            let pg = i.unsigned_abs();
            if done[pg] {
                continue;
            }
            if i >= 0 || cnt_old[pg - 1] >= cnt_new[pg - 1] {
                let (i_old, i_new, n_new_cell) = if pg == 0 {
                    (0, 0, cnt_new[0])
                } else {
                    let i_old = if pg < n_old { cnt_old[pg - 1] + usize::from(!leaf_data) } else { n_cell };
                    let i_new = cnt_new[pg - 1] + usize::from(!leaf_data);
                    (i_old, i_new, cnt_new[pg] - i_new)
                };
                edit_page(&mut slots[pg], buf[pg], i_old, i_new, n_new_cell, &b, &geo)?;
                done[pg] = true;
                slots[pg].n_free = (usable_space - sz_new[pg]) as i32;
            }
        }

        // ----- 6. shallower root, and old pages not reused ---------------------------------
        if is_root && parent.n_cell == 0 && parent.hdr as i32 <= slots[0].n_free {
            debug_assert_eq!(n_new, 1);
            slots[0].defragment(-1, usable)?;
            let child = &slots[0];
            self.copy_node_content(child, parent)?;
            let (page, pgno) = (child.page.clone(), child.pgno);
            self.free_page(Some(&page), pgno)?;
        }
        for sib in &slots[n_new..] {
            let (page, pgno) = (sib.page.clone(), sib.pgno);
            self.free_page(Some(&page), pgno)?;
        }
        Ok(())
    }
}

/// Exchanges the page numbers of two slots, keeping each slot's bytes (sqlite3PagerRekey on
/// both): the page objects trade places in the cache and their contents trade back.
fn swap_page_numbers(pager: &mut crate::pager::Pager, a: &mut MemPage, b: &mut MemPage) {
    pager.swap_pages(&a.page, &b.page);
    std::mem::swap(&mut a.page, &mut b.page);
    std::mem::swap(&mut a.pgno, &mut b.pgno);
}

/// Rewrites `pg` (holding the bytes of old sibling `buf`, or fresh) so that it holds cells
/// `i_new..i_new+n_new` of `b`, where it held `i_old..` before (editPage): cells leaving
/// from either end are freed, cells arriving are placed with the page's own allocator, and
/// if they do not fit the page is rebuilt from scratch (rebuildPage).
fn edit_page(
    pg: &mut MemPage,
    buf: Option<usize>,
    i_old: usize,
    i_new: usize,
    n_new: usize,
    b: &CellArray,
    geo: &Geometry,
) -> Result<()> {
    let usable = geo.usable();
    let hdr = pg.hdr;
    debug_assert_eq!(hdr, 0);
    let cell_idx = pg.cell_offset;
    let begin = cell_idx + n_new * 2;
    let mut n_cell = pg.n_cell;
    let i_old_end = i_old + pg.n_cell + pg.overflow.len();
    let i_new_end = i_new + n_new;
    let overflow: Vec<usize> = pg.overflow.iter().map(|o| o.index).collect();
    let attempt = (|| -> Result<bool> {
        if i_old < i_new {
            let n_shift = page_free_array(pg, buf, i_old, i_new - i_old, b, usable)?;
            ensure_corrupt!(n_shift <= n_cell, "page {}: freed more cells than it had", pg.pgno);
            // SQLite moves n_cell pointers' worth of bytes, stale ones included.
            let mut d = pg.page.data_mut();
            let src_end = (cell_idx + (n_shift + n_cell) * 2).min(d.len());
            d.copy_within(cell_idx + n_shift * 2..src_end, cell_idx);
            n_cell -= n_shift;
        }
        if i_new_end < i_old_end {
            let n_tail = page_free_array(pg, buf, i_new_end, i_old_end - i_new_end, b, usable)?;
            ensure_corrupt!(n_tail <= n_cell, "page {}: freed more cells than it had", pg.pgno);
            n_cell -= n_tail;
        }
        let mut data = usize::from(get_u16(&pg.page.data(), hdr + 5));
        if data == 0 && usable == 65536 {
            data = 65536;
        }
        if data < begin || data > usable {
            return Ok(false);
        }
        if i_new < i_old {
            let n_add = n_new.min(i_old - i_new);
            {
                let mut d = pg.page.data_mut();
                d.copy_within(cell_idx..cell_idx + n_cell * 2, cell_idx + n_add * 2);
            }
            if !page_insert_array(pg, begin, &mut data, cell_idx, i_new, n_add, b, usable) {
                return Ok(false);
            }
            n_cell += n_add;
        }
        for &ovfl_index in &overflow {
            let i_cell = (i_old + ovfl_index) as isize - i_new as isize;
            if i_cell >= 0 && (i_cell as usize) < n_new {
                let i_cell = i_cell as usize;
                let ptr = cell_idx + i_cell * 2;
                if n_cell > i_cell {
                    let mut d = pg.page.data_mut();
                    d.copy_within(ptr..cell_idx + n_cell * 2, ptr + 2);
                }
                n_cell += 1;
                if !page_insert_array(pg, begin, &mut data, ptr, i_cell + i_new, 1, b, usable) {
                    return Ok(false);
                }
            }
        }
        let ptr = cell_idx + n_cell * 2;
        ensure_corrupt!(n_cell <= n_new, "page {}: more cells than planned", pg.pgno);
        if !page_insert_array(pg, begin, &mut data, ptr, i_new + n_cell, n_new - n_cell, b, usable) {
            return Ok(false);
        }
        let mut d = pg.page.data_mut();
        put_u16(&mut d, hdr + 3, n_new as u16);
        put_u16(&mut d, hdr + 5, crate::btree::page::content_start_encoding(data as u32));
        Ok(true)
    })()?;
    pg.overflow.clear();
    pg.n_cell = n_new;
    if !attempt {
        ensure_corrupt!(n_new >= 1, "page {}: rebuilt with no cells", pg.pgno);
        rebuild_page(pg, i_new, n_new, b, usable)?;
    }
    Ok(())
}

/// Frees the space of cells `first..first+count` of `b` that lie on `pg` (pageFreeArray):
/// adjacent cells are merged into one free range first (up to 10 ranges at a time). Returns
/// how many of the cells were on the page.
fn page_free_array(
    pg: &mut MemPage,
    buf: Option<usize>,
    first: usize,
    count: usize,
    b: &CellArray,
    usable: usize,
) -> Result<usize> {
    let mut n_ret = 0;
    let mut ranges: Vec<(usize, usize)> = Vec::with_capacity(10);
    for i in first..first + count {
        let Some((slot, pc)) = b.cells[i].origin else { continue };
        if Some(slot) != buf {
            continue;
        }
        let sz = b.size(i);
        let after = pc + sz;
        let mut merged = false;
        for r in ranges.iter_mut() {
            if r.0 == after {
                r.0 = pc;
                merged = true;
                break;
            } else if r.1 == pc {
                r.1 = after;
                merged = true;
                break;
            }
        }
        if !merged {
            if ranges.len() >= 10 {
                for (s, e) in ranges.drain(..) {
                    pg.free_space(s, e - s, usable)?;
                }
            }
            if after > usable {
                return Ok(0);
            }
            ranges.push((pc, after));
        }
        n_ret += 1;
    }
    for (s, e) in ranges {
        pg.free_space(s, e - s, usable)?;
    }
    Ok(n_ret)
}

/// Places cells `first..first+count` of `b` on `pg`, writing their pointers from `ptr`
/// (pageInsertArray): each goes into a freeblock if one fits, else below the content start
/// `*data`, which must stay at or above `begin`. Returns false when they do not fit.
#[allow(clippy::too_many_arguments)]
fn page_insert_array(
    pg: &mut MemPage,
    begin: usize,
    data: &mut usize,
    mut ptr: usize,
    first: usize,
    count: usize,
    b: &CellArray,
    usable: usize,
) -> bool {
    let pgno = pg.pgno;
    let mut d = pg.page.data_mut();
    for i in first..first + count {
        let sz = b.size(i);
        let has_free = d[1] != 0 || d[2] != 0;
        let slot = if has_free { find_slot(&mut d, 0, sz, usable, pgno).unwrap_or(None) } else { None };
        let at = match slot {
            Some(s) => s,
            None => {
                if *data < begin || *data - begin < sz {
                    return false;
                }
                *data -= sz;
                *data
            }
        };
        d[at..at + sz].copy_from_slice(b.bytes(i));
        put_u16(&mut d, ptr, at as u16);
        ptr += 2;
    }
    true
}

/// Rewrites `pg` to hold exactly cells `first..first+count` of `b`, packed at the end of the
/// page in order, with no freeblocks (rebuildPage). Bytes between the pointer array and the
/// cells are left as they were.
fn rebuild_page(pg: &mut MemPage, first: usize, count: usize, b: &CellArray, usable: usize) -> Result<()> {
    let hdr = pg.hdr;
    let mut ptr = pg.cell_offset;
    let mut data = usable;
    let pgno = pg.pgno;
    let mut d = pg.page.data_mut();
    for i in first..first + count {
        let sz = b.size(i);
        ensure_corrupt!(data >= sz && data - sz >= ptr + 2, "page {pgno}: cells do not fit while rebuilding");
        data -= sz;
        put_u16(&mut d, ptr, data as u16);
        ptr += 2;
        d[data..data + sz].copy_from_slice(b.bytes(i));
    }
    put_u16(&mut d, hdr + 1, 0);
    put_u16(&mut d, hdr + 3, count as u16);
    put_u16(&mut d, hdr + 5, crate::btree::page::content_start_encoding(data as u32));
    d[hdr + 7] = 0;
    drop(d);
    pg.n_cell = count;
    Ok(())
}
