//! `PRAGMA integrity_check` on one b-tree page and, recursively, its subtree: SQLite's
//! checkTreePage (btree.c, 3.54), with the page parsing it relies on (btreeInitPage,
//! btreeComputeFreeSpace, the xParseCell functions) reproduced to the byte, so that a
//! damaged page yields SQLite's messages.
//!
//! For each page, in SQLite's order:
//! 1. the page is counted (`check_ref`), fetched, and no deeper than 20 levels;
//! 2. its header is valid (page type, cell count) and its free space adds up (the freeblock
//!    chain ascends, stays on the page, and with the fragment count fits the page);
//! 3. an interior page's right child is checked first, then the cells from last to first:
//!    each cell pointer lies in the content area, each cell on the page, each record header
//!    size at least 2, table keys descend strictly (the first may equal the bound from
//!    above), overflow chains have the length the payload needs, and every child subtree
//!    has the depth of the right child's;
//! 4. when every cell was sound, cells and freeblocks do not overlap, and the bytes they and
//!    the header leave uncovered equal the page's fragment count.
//!
//! Cells are parsed by `cellview.rs`, as SQLite parses them.

use super::cellview::PageKind as Kind;
use super::integrity::{Checker, Prefix, ptrmap};
use super::page::max_cells;
use crate::error::Result;
use crate::format::header::{get_u16, get_u32};
use crate::pager::Pgno;

/// The header fields checkTreePage uses, after btreeInitPage and btreeComputeFreeSpace
/// accepted the page.
struct PageHeader {
    kind: Kind,
    hdr: usize,
    n_cell: usize,
    /// Start of the cell content area (get2byteNotZero: 0 means 65536).
    content: u32,
}

/// Validates a page's header and free space as btreeInitPage and btreeComputeFreeSpace do:
/// Err(true) when the header is invalid, Err(false) when the free space is inconsistent.
fn init_page(d: &[u8], pgno: Pgno, geo: &super::Geometry) -> std::result::Result<PageHeader, bool> {
    let hdr = if pgno == 1 { 100 } else { 0 };
    let kind = Kind::of(d[hdr], geo).ok_or(true)?;
    let n_cell = usize::from(get_u16(d, hdr + 3));
    if n_cell > max_cells(geo.page_size) {
        return Err(true);
    }
    let usable = geo.usable_size as usize;
    let child_ptr = if kind.leaf { 0 } else { 4 };
    let top = (usize::from(get_u16(d, hdr + 5)).wrapping_sub(1) & 0xffff) + 1;
    let first_cell = hdr + 8 + child_ptr + 2 * n_cell;
    let last_cell = usable - 4;
    let mut pc = usize::from(get_u16(d, hdr + 1));
    let mut n_free = usize::from(d[hdr + 7]) + top;
    if pc > 0 {
        if pc < top {
            return Err(false);
        }
        let (mut next, mut size);
        loop {
            if pc > last_cell {
                return Err(false);
            }
            next = usize::from(get_u16(d, pc));
            size = usize::from(get_u16(d, pc + 2));
            if size < 4 {
                return Err(false);
            }
            n_free += size;
            if next < pc + size + 4 {
                break;
            }
            pc = next;
        }
        if next > 0 || pc + size > usable {
            return Err(false);
        }
    }
    if n_free > usable || n_free < first_cell {
        return Err(false);
    }
    Ok(PageHeader { kind, hdr, n_cell, content: top as u32 })
}

impl Checker<'_> {
    /// Checks page `pgno` and its subtree (checkTreePage). Returns the subtree's depth (0
    /// for a leaf, and for a page that could not be checked) and, when the page was checked
    /// through, the smallest rowid in it (the bound for the subtree to its left). `max_key`
    /// is the largest rowid the subtree may hold: the first cell checked may equal it, the
    /// others must be smaller. Recursion is bounded: a page deeper than 20 levels is
    /// reported and not entered.
    pub fn check_tree_page(&mut self, pgno: Pgno, max_key: i64) -> Result<(i32, Option<i64>)> {
        if self.max_err == 0 || pgno == 0 {
            return Ok((0, None));
        }
        if self.check_ref(pgno) {
            return Ok((0, None));
        }
        let saved = (self.prefix, self.v1, self.v2);
        self.prefix = Prefix::Page;
        self.v1 = pgno;
        self.n_above += 1;
        let r = self.check_page_body(pgno, max_key);
        self.prefix = saved.0;
        self.v1 = saved.1;
        self.v2 = saved.2;
        self.n_above -= 1;
        r
    }

    /// The part of checkTreePage after the page was counted, with the prefix set to this
    /// page; returns (depth, smallest key) as `check_tree_page`.
    fn check_page_body(&mut self, pgno: Pgno, mut max_key: i64) -> Result<(i32, Option<i64>)> {
        let data = match self.bt.pager_mut().get(pgno) {
            Ok(page) => page.data().to_vec(),
            Err(e) => {
                self.append(format!("unable to get the page. error code={}", e.extended_code()));
                return Ok((0, None));
            }
        };
        if self.n_above > super::MAX_DEPTH {
            self.append(format!("btree depth exceeds {}", super::MAX_DEPTH));
            return Ok((0, None));
        }
        let h = match init_page(&data, pgno, &self.geo) {
            Ok(h) => h,
            Err(true) => {
                self.append("btreeInitPage() returns error code 11".to_string());
                return Ok((0, None));
            }
            Err(false) => {
                self.append("free space corruption".to_string());
                return Ok((0, None));
            }
        };
        let usable = self.geo.usable_size;
        let Kind { leaf, int_key, .. } = h.kind;
        self.prefix = Prefix::Cell;
        if leaf || !int_key {
            self.n_row += h.n_cell as i64;
        }
        let cell_start = h.hdr + if leaf { 8 } else { 12 };
        let mut depth: i32 = -1;
        let mut key_can_be_equal = true;
        let mut coverage = true;
        // (start << 16) | end of each cell and freeblock (the min-heap of SQLite's check).
        let mut spans: Vec<u32> = Vec::new();
        if !leaf {
            let right = get_u32(&data, h.hdr + 8);
            if self.auto_vacuum {
                self.prefix = Prefix::RightChild;
                self.check_ptrmap(right, ptrmap::BTREE, pgno)?;
            }
            let (d, min) = self.check_tree_page(right, max_key)?;
            depth = d;
            if let Some(m) = min {
                max_key = m;
            }
            key_can_be_equal = false;
        }
        let mut i = h.n_cell;
        while i > 0 && self.max_err > 0 {
            i -= 1;
            self.v2 = i as u32;
            let pc = u32::from(get_u16(&data, cell_start + 2 * i));
            if pc < h.content || pc > usable - 4 {
                self.append(format!("Offset {pc} out of range {}..{}", h.content, usable - 4));
                coverage = false;
                continue;
            }
            let cell = h.kind.parse(&data, pc as usize, usable);
            if pc + cell.size > usable {
                self.append("Extends off end of page".to_string());
                coverage = false;
                continue;
            }
            if cell.payload != 0 && data[cell.payload_at] < 2 {
                self.append("Bad cell header size".to_string());
                coverage = false;
                continue;
            }
            if int_key {
                let out_of_order = if key_can_be_equal { cell.key > max_key } else { cell.key >= max_key };
                if out_of_order {
                    self.append(format!("Rowid {} out of order", cell.key));
                }
                max_key = cell.key;
                key_can_be_equal = false;
            }
            if cell.payload > cell.local {
                let n_pages = cell.payload.wrapping_sub(cell.local).wrapping_add(usable - 5) / (usable - 4);
                let first = get_u32(&data, (pc + cell.size - 4) as usize);
                if self.auto_vacuum {
                    self.check_ptrmap(first, ptrmap::OVERFLOW1, pgno)?;
                }
                self.check_list(false, first, n_pages)?;
            }
            if !leaf {
                let child = get_u32(&data, pc as usize);
                if self.auto_vacuum {
                    self.check_ptrmap(child, ptrmap::BTREE, pgno)?;
                }
                let (d2, min) = self.check_tree_page(child, max_key)?;
                if let Some(m) = min {
                    max_key = m;
                }
                key_can_be_equal = false;
                if d2 != depth {
                    self.append("Child page depth differs".to_string());
                    depth = d2;
                }
            } else {
                spans.push((pc << 16) | (pc + cell.size - 1));
            }
        }
        let min_key = Some(max_key);
        self.prefix = Prefix::None;
        if coverage && self.max_err > 0 {
            self.check_coverage(&data, &h, pgno, spans);
        }
        Ok((depth + 1, min_key))
    }

    /// The coverage part of checkTreePage: cells and freeblocks sorted by address must not
    /// overlap, and the bytes between them (after the start of the content area) must add up
    /// to the fragment count in the header. `spans` holds a leaf's cells already; an interior
    /// page's are added here. Every cell pointer was found in range by the caller.
    fn check_coverage(&mut self, data: &[u8], h: &PageHeader, pgno: Pgno, mut spans: Vec<u32>) {
        let usable = self.geo.usable_size;
        if !h.kind.leaf {
            let cell_start = h.hdr + 12;
            for i in (0..h.n_cell).rev() {
                let pc = u32::from(get_u16(data, cell_start + 2 * i));
                let size = h.kind.parse(data, pc as usize, usable).size;
                spans.push((pc << 16) | (pc + size - 1));
            }
        }
        let mut fb = usize::from(get_u16(data, h.hdr + 1));
        while fb > 0 {
            let size = u32::from(get_u16(data, fb + 2));
            spans.push(((fb as u32) << 16) | (fb as u32 + size - 1));
            fb = usize::from(get_u16(data, fb));
        }
        spans.sort_unstable();
        let mut n_frag: u32 = 0;
        let mut prev: u32 = h.content.wrapping_sub(1);
        // SQLite compares the fragment count only when the heap was emptied: when no overlap
        // was found, or the overlap was at the last span.
        let mut all_pulled = true;
        for (k, &x) in spans.iter().enumerate() {
            if (prev & 0xffff) >= (x >> 16) {
                self.append(format!("Multiple uses for byte {} of page {pgno}", x >> 16));
                all_pulled = k + 1 == spans.len();
                break;
            }
            n_frag += (x >> 16) - (prev & 0xffff) - 1;
            prev = x;
        }
        n_frag = n_frag.wrapping_add(usable.wrapping_sub(prev & 0xffff).wrapping_sub(1));
        let reported = u32::from(data[h.hdr + 7]);
        if all_pulled && n_frag != reported {
            self.append(format!("Fragmentation of {n_frag} bytes reported as {reported} on page {pgno}"));
        }
    }
}
