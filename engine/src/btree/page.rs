//! One b-tree page: its header, its cells, and SQLite's in-page space allocator.
//!
//! ```text
//! b-tree page (hdr = 100 on page 1, else 0):
//!   hdr+0  u8   page type: 0x02 index interior, 0x05 table interior, 0x0a index leaf, 0x0d table leaf
//!   hdr+1  u16  offset of the first freeblock, 0 if none
//!   hdr+3  u16  number of cells
//!   hdr+5  u16  start of the cell content area (0 means 65536)
//!   hdr+7  u8   fragmented free bytes (gaps of 1..3 bytes that are in no freeblock)
//!   hdr+8  u32  right-most child (interior pages only)
//!   then   u16  cell pointer array, in key order
//!   ...    unallocated gap ...
//!   content area: cells and freeblocks (freeblock = u16 next, u16 size, in address order)
//!
//! cells:
//!   table leaf      varint payload_size, varint rowid, payload[local], [u32 first overflow]
//!   table interior  u32 left child, varint rowid
//!   index leaf      varint payload_size, payload[local], [u32 first overflow]
//!   index interior  u32 left child, varint payload_size, payload[local], [u32 first overflow]
//! ```
//!
//! A [`MemPage`] is the parsed view of one page (SQLite's MemPage): the header fields it needs
//! and, transiently during an insert, the cells that did not fit ("overflow cells") waiting
//! for a balance. Every offset read from the page is checked before use; a malformed page is
//! `Corrupt`, never a panic.

use super::Geometry;
use crate::ensure_corrupt;
use crate::error::{Result, corrupt_error};
use crate::format::header::{get_u16, get_u32, put_u16, put_u32};
use crate::pager::{PageRef, Pager, Pgno};

/// Page-type flag bits (PTF_*).
pub mod ptf {
    pub const INTKEY: u8 = 0x01;
    pub const ZERODATA: u8 = 0x02;
    pub const LEAFDATA: u8 = 0x04;
    pub const LEAF: u8 = 0x08;
    /// A table leaf page.
    pub const TABLE_LEAF: u8 = INTKEY | LEAFDATA | LEAF;
    /// A table interior page.
    pub const TABLE_INTERIOR: u8 = INTKEY | LEAFDATA;
    /// An index leaf page.
    pub const INDEX_LEAF: u8 = ZERODATA | LEAF;
    /// An index interior page.
    pub const INDEX_INTERIOR: u8 = ZERODATA;
}

/// A cell that did not fit on its page, held until the page is balanced.
#[derive(Clone, Debug)]
pub struct OverflowCell {
    /// The index the cell has among the page's cells.
    pub index: usize,
    /// The cell's bytes (with its child pointer on interior pages).
    pub bytes: Vec<u8>,
}

/// What a cell holds and where (SQLite's CellInfo).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CellInfo {
    /// The rowid on table pages; the payload size on index pages.
    pub key: i64,
    /// Bytes of payload in all (0 on table interior pages).
    pub payload_size: u32,
    /// Offset of the payload from the start of the cell.
    pub payload_offset: u16,
    /// Bytes of payload stored in the cell.
    pub local_size: u16,
    /// Size of the cell on the page: header, local payload, overflow pointer (at least 4).
    pub size: u16,
}

impl CellInfo {
    /// True when part of the payload lives on overflow pages.
    pub fn has_overflow(&self) -> bool {
        u32::from(self.local_size) != self.payload_size
    }
}

/// The parsed view of one b-tree page.
#[derive(Debug)]
pub struct MemPage {
    pub page: PageRef,
    pub pgno: Pgno,
    /// Offset of the b-tree header: 100 on page 1, else 0.
    pub hdr: usize,
    pub leaf: bool,
    /// A table b-tree page (keys are rowids).
    pub int_key: bool,
    /// A table leaf (rowid and data).
    pub int_key_leaf: bool,
    /// 4 on interior pages (each cell starts with a child pointer), 0 on leaves.
    pub child_ptr_size: usize,
    pub max_local: u32,
    pub min_local: u32,
    /// Offset of the cell pointer array.
    pub cell_offset: usize,
    pub n_cell: usize,
    /// Free bytes on the page, or -1 until computed.
    pub n_free: i32,
    /// Cells waiting for a balance, in index order.
    pub overflow: Vec<OverflowCell>,
}

/// The most cells a page of `page_size` can hold (MX_CELL).
pub fn max_cells(page_size: u32) -> usize {
    ((page_size - 8) / 6) as usize
}

impl MemPage {
    /// A view of a page about to be formatted with [`MemPage::zero`] (a newly allocated page,
    /// whose bytes are not a b-tree page yet).
    pub fn init_blank(page: PageRef, geo: &Geometry) -> MemPage {
        let pgno = page.pgno();
        let hdr = if pgno == 1 { 100 } else { 0 };
        MemPage {
            page,
            pgno,
            hdr,
            leaf: true,
            int_key: true,
            int_key_leaf: true,
            child_ptr_size: 0,
            max_local: geo.max_leaf,
            min_local: geo.min_leaf,
            cell_offset: hdr + 8,
            n_cell: 0,
            n_free: -1,
            overflow: Vec::new(),
        }
    }

    /// Parses the header of `page` (btreeInitPage). The free-space count is left unknown.
    /// A page whose bytes have not changed since it was last parsed is not read again: the
    /// page keeps the fields that passed the checks (`Page::btree_header`).
    pub fn init(page: PageRef, geo: &Geometry) -> Result<MemPage> {
        let pgno = page.pgno();
        let hdr = if pgno == 1 { 100 } else { 0 };
        let (flags, n_cell) = match page.btree_header() {
            Some((flags, n_cell)) => (flags, usize::from(n_cell)),
            None => {
                let d = page.data();
                (d[hdr], usize::from(get_u16(&d, hdr + 3)))
            }
        };
        let mut mp = MemPage {
            page,
            pgno,
            hdr,
            leaf: false,
            int_key: false,
            int_key_leaf: false,
            child_ptr_size: 0,
            max_local: 0,
            min_local: 0,
            cell_offset: 0,
            n_cell,
            n_free: -1,
            overflow: Vec::new(),
        };
        mp.decode_flags(flags, geo)?;
        ensure_corrupt!(n_cell <= max_cells(geo.page_size), "page {pgno}: {n_cell} cells cannot fit");
        mp.page.set_btree_header(flags, n_cell as u16);
        Ok(mp)
    }

    /// Sets the type fields from the page-type byte (decodeFlags).
    fn decode_flags(&mut self, flags: u8, geo: &Geometry) -> Result<()> {
        let (leaf, int_key, int_key_leaf) = match flags {
            ptf::TABLE_LEAF => (true, true, true),
            ptf::INDEX_LEAF => (true, false, false),
            ptf::TABLE_INTERIOR => (false, true, false),
            ptf::INDEX_INTERIOR => (false, false, false),
            other => return Err(corrupt_error(format_args!("page {}: invalid page type {other:#04x}", self.pgno))),
        };
        self.leaf = leaf;
        self.int_key = int_key;
        self.int_key_leaf = int_key_leaf;
        self.child_ptr_size = if leaf { 0 } else { 4 };
        if int_key {
            self.max_local = geo.max_leaf;
            self.min_local = geo.min_leaf;
        } else {
            self.max_local = geo.max_local;
            self.min_local = geo.min_local;
        }
        self.cell_offset = self.hdr + 8 + self.child_ptr_size;
        Ok(())
    }

    /// Formats the page as an empty page of type `flags` (zeroPage). The right-child pointer
    /// of an interior page is left as it was; the caller sets it.
    pub fn zero(&mut self, flags: u8, geo: &Geometry) {
        {
            let mut d = self.page.data_mut();
            let hdr = self.hdr;
            d[hdr] = flags;
            d[hdr + 1..hdr + 5].fill(0);
            d[hdr + 7] = 0;
            put_u16(&mut d, hdr + 5, content_start_encoding(geo.usable_size));
        }
        self.decode_flags(flags, geo).expect("zero() is given a valid page type");
        self.n_cell = 0;
        self.overflow.clear();
        self.n_free = (geo.usable_size as usize - self.cell_offset) as i32;
    }

    /// The page-type byte.
    pub fn flags(&self) -> u8 {
        self.page.data()[self.hdr]
    }

    /// The right-most child of an interior page.
    pub fn right_child(&self) -> Pgno {
        get_u32(&self.page.data(), self.hdr + 8)
    }

    /// Sets the right-most child of an interior page.
    pub fn set_right_child(&self, pgno: Pgno) {
        put_u32(&mut self.page.data_mut(), self.hdr + 8, pgno);
    }

    /// The offset of cell `i` on the page, read from the pointer array (findCell). The value
    /// is masked to the page size, as SQLite does, so it always indexes within the page.
    #[inline]
    pub fn cell_ptr(&self, data: &[u8], i: usize) -> usize {
        debug_assert!(i < self.n_cell);
        usize::from(get_u16(data, self.cell_offset + 2 * i)) & (data.len() - 1)
    }

    /// The left child pointer of cell `i` on an interior page.
    pub fn child(&self, data: &[u8], i: usize) -> Result<Pgno> {
        debug_assert!(!self.leaf);
        let pc = self.cell_ptr(data, i);
        ensure_corrupt!(pc + 4 <= data.len(), "page {}: cell {i} is off the page", self.pgno);
        Ok(get_u32(data, pc))
    }

    /// The child page to descend into at position `i` (0..=n_cell): cell i's left child, or
    /// the right-most child for `i == n_cell`.
    pub fn child_at(&self, data: &[u8], i: usize) -> Result<Pgno> {
        if i == self.n_cell { Ok(get_u32(data, self.hdr + 8)) } else { self.child(data, i) }
    }

    /// Parses the cell at offset `pc` (btreeParseCellPtr / ...Index / ...NoPayload), checking
    /// that it lies within the usable part of the page.
    #[inline]
    pub fn parse_cell_at(&self, data: &[u8], pc: usize, usable_size: usize) -> Result<CellInfo> {
        let info = parse_cell(self.int_key, self.leaf, self.max_local, self.min_local, data, pc, usable_size)?;
        ensure_corrupt!(
            pc + usize::from(info.size) <= usable_size,
            "page {}: cell at {pc} runs off the page",
            self.pgno
        );
        Ok(info)
    }

    /// Parses cell `i`.
    #[inline]
    pub fn parse_cell(&self, data: &[u8], i: usize, usable_size: usize) -> Result<CellInfo> {
        self.parse_cell_at(data, self.cell_ptr(data, i), usable_size)
    }

    /// The size of the cell whose bytes start `cell` (cellSizePtr and friends).
    pub fn cell_size(&self, cell: &[u8], usable_size: usize) -> Result<u16> {
        Ok(parse_cell(self.int_key, self.leaf, self.max_local, self.min_local, cell, 0, usable_size)?.size)
    }

    /// Computes the free bytes on the page, validating the freeblock chain
    /// (btreeComputeFreeSpace).
    pub fn compute_free_space(&mut self, usable_size: usize) -> Result<()> {
        let d = self.page.data();
        let hdr = self.hdr;
        let top = content_start(&d, hdr, usable_size);
        let first_cell = hdr + 8 + self.child_ptr_size + 2 * self.n_cell;
        let last_cell = usable_size - 4;
        let mut pc = usize::from(get_u16(&d, hdr + 1));
        let mut n_free = usize::from(d[hdr + 7]) + top;
        if pc > 0 {
            ensure_corrupt!(pc >= top, "page {}: freeblock before the content area", self.pgno);
            let mut size;
            let mut next;
            loop {
                ensure_corrupt!(pc <= last_cell, "page {}: freeblock off the end of the page", self.pgno);
                next = usize::from(get_u16(&d, pc));
                size = usize::from(get_u16(&d, pc + 2));
                ensure_corrupt!(size >= 4, "page {}: freeblock smaller than 4 bytes", self.pgno);
                n_free += size;
                if next < pc + size + 4 {
                    break;
                }
                pc = next;
            }
            ensure_corrupt!(next == 0, "page {}: freeblocks out of order", self.pgno);
            ensure_corrupt!(pc + size <= usable_size, "page {}: last freeblock runs off the page", self.pgno);
        }
        ensure_corrupt!(
            n_free <= usable_size && n_free >= first_cell,
            "page {}: free space count {n_free} is impossible",
            self.pgno
        );
        drop(d);
        self.n_free = (n_free - first_cell) as i32;
        Ok(())
    }

    /// Ensures `n_free` is known.
    pub fn ensure_free_space(&mut self, usable_size: usize) -> Result<()> {
        if self.n_free < 0 { self.compute_free_space(usable_size) } else { Ok(()) }
    }

    /// Inserts `cell` as cell `i` (insertCell). With `child`, the cell's first 4 bytes are
    /// replaced by that child pointer. When the page already has overflow cells or the cell
    /// does not fit, it becomes an overflow cell and the caller must balance the page;
    /// otherwise the page is made writeable and the cell is placed with `allocate_space`.
    /// Requires `n_free` to be known.
    pub fn insert_cell(
        &mut self,
        pager: &mut Pager,
        i: usize,
        cell: &[u8],
        child: Option<Pgno>,
        usable_size: usize,
    ) -> Result<()> {
        debug_assert!(i <= self.n_cell + self.overflow.len());
        debug_assert!(self.n_free >= 0);
        let sz = cell.len();
        if !self.overflow.is_empty() || sz + 2 > self.n_free as usize {
            let mut bytes = cell.to_vec();
            if let Some(c) = child {
                put_u32(&mut bytes, 0, c);
            }
            debug_assert!(self.overflow.last().is_none_or(|o| o.index + 1 == i));
            self.overflow.push(OverflowCell { index: i, bytes });
            return Ok(());
        }
        pager.write(&self.page)?;
        let idx = self.allocate_space(sz, usable_size)?;
        self.n_free -= (2 + sz) as i32;
        let mut d = self.page.data_mut();
        d[idx..idx + sz].copy_from_slice(cell);
        if let Some(c) = child {
            put_u32(&mut d, idx, c);
        }
        let ins = self.cell_offset + 2 * i;
        let end = self.cell_offset + 2 * self.n_cell;
        d.copy_within(ins..end, ins + 2);
        put_u16(&mut d, ins, idx as u16);
        self.n_cell += 1;
        put_u16(&mut d, self.hdr + 3, self.n_cell as u16);
        Ok(())
    }

    /// Removes cell `i`, of `size` bytes, from the page; its space goes to the freeblock list
    /// (dropCell). The page must be writeable and `n_free` known.
    pub fn drop_cell(&mut self, i: usize, size: usize, usable_size: usize) -> Result<()> {
        debug_assert!(i < self.n_cell);
        debug_assert!(self.n_free >= 0);
        let pc = {
            let d = self.page.data();
            self.cell_ptr(&d, i)
        };
        ensure_corrupt!(pc + size <= usable_size, "page {}: cell {i} runs off the page", self.pgno);
        self.free_space(pc, size, usable_size)?;
        self.n_cell -= 1;
        let mut d = self.page.data_mut();
        let hdr = self.hdr;
        if self.n_cell == 0 {
            d[hdr + 1..hdr + 5].fill(0);
            d[hdr + 7] = 0;
            put_u16(&mut d, hdr + 5, content_start_encoding(usable_size as u32));
            self.n_free = (usable_size - self.hdr - self.child_ptr_size - 8) as i32;
        } else {
            let ptr = self.cell_offset + 2 * i;
            let end = self.cell_offset + 2 * (self.n_cell + 1);
            d.copy_within(ptr + 2..end, ptr);
            put_u16(&mut d, hdr + 3, self.n_cell as u16);
            self.n_free += 2;
        }
        Ok(())
    }

    /// Allocates `n_byte` bytes for a new cell (allocateSpace): first fit from the freeblock
    /// list when there is room for one more pointer, else from the gap, defragmenting first
    /// when the gap is too small. Returns the offset. The caller guarantees `n_free` covers
    /// `n_byte + 2`.
    pub fn allocate_space(&mut self, n_byte: usize, usable_size: usize) -> Result<usize> {
        debug_assert!(self.overflow.is_empty());
        debug_assert!(self.n_free as usize >= n_byte);
        let hdr = self.hdr;
        let gap = self.cell_offset + 2 * self.n_cell;
        let mut d = self.page.data_mut();
        let mut top = usize::from(get_u16(&d, hdr + 5));
        if gap > top {
            ensure_corrupt!(top == 0 && usable_size == 65536, "page {}: cell pointers overlap content", self.pgno);
            top = 65536;
        } else {
            ensure_corrupt!(top <= usable_size, "page {}: content area starts off the page", self.pgno);
        }
        if (d[hdr + 2] != 0 || d[hdr + 1] != 0)
            && gap + 2 <= top
            && let Some(slot) = find_slot(&mut d, hdr, n_byte, usable_size, self.pgno)?
        {
            ensure_corrupt!(slot > gap, "page {}: freeblock inside the pointer array", self.pgno);
            return Ok(slot);
        }
        if gap + 2 + n_byte > top {
            drop(d);
            let max_frag = (self.n_free - (2 + n_byte as i32)).min(4);
            self.defragment(max_frag, usable_size)?;
            d = self.page.data_mut();
            top = content_start(&d, hdr, usable_size);
            ensure_corrupt!(gap + 2 + n_byte <= top, "page {}: no room after defragmenting", self.pgno);
        }
        top -= n_byte;
        put_u16(&mut d, hdr + 5, top as u16);
        Ok(top)
    }

    /// Returns `size` bytes at `start` to the freeblock list, merging with neighbours no more
    /// than 3 bytes away and moving the content start up when the block is at it (freeSpace).
    /// Only the freeblock's 4-byte header is written; the rest keeps its stale bytes.
    pub fn free_space(&mut self, start: usize, size: usize, usable_size: usize) -> Result<()> {
        debug_assert!(size >= 4);
        let hdr = self.hdr;
        let pgno = self.pgno;
        let mut d = self.page.data_mut();
        let mut i_start = start;
        let mut i_size = size;
        let mut i_end = start + size;
        let mut i_ptr = hdr + 1;
        let mut i_free_blk;
        if d[i_ptr] == 0 && d[i_ptr + 1] == 0 {
            i_free_blk = 0;
        } else {
            loop {
                i_free_blk = usize::from(get_u16(&d, i_ptr));
                if i_free_blk >= i_start {
                    break;
                }
                if i_free_blk <= i_ptr {
                    if i_free_blk == 0 {
                        break;
                    }
                    return Err(corrupt_error(format_args!("page {pgno}: freeblock list out of order")));
                }
                ensure_corrupt!(i_free_blk <= usable_size - 4, "page {pgno}: freeblock off the page");
                i_ptr = i_free_blk;
            }
            ensure_corrupt!(i_free_blk <= usable_size - 4, "page {pgno}: freeblock off the page");
            let mut n_frag = 0usize;
            if i_free_blk != 0 && i_end + 3 >= i_free_blk {
                ensure_corrupt!(i_end <= i_free_blk, "page {pgno}: freed cell overlaps a freeblock");
                n_frag = i_free_blk - i_end;
                i_end = i_free_blk + usize::from(get_u16(&d, i_free_blk + 2));
                ensure_corrupt!(i_end <= usable_size, "page {pgno}: freeblock runs off the page");
                i_size = i_end - i_start;
                i_free_blk = usize::from(get_u16(&d, i_free_blk));
            }
            if i_ptr > hdr + 1 {
                let i_ptr_end = i_ptr + usize::from(get_u16(&d, i_ptr + 2));
                if i_ptr_end + 3 >= i_start {
                    ensure_corrupt!(i_ptr_end <= i_start, "page {pgno}: freeblock overlaps a freed cell");
                    n_frag += i_start - i_ptr_end;
                    i_size = i_end - i_ptr;
                    i_start = i_ptr;
                }
            }
            ensure_corrupt!(n_frag <= usize::from(d[hdr + 7]), "page {pgno}: fragment count is wrong");
            d[hdr + 7] -= n_frag as u8;
        }
        let x = usize::from(get_u16(&d, hdr + 5));
        if i_start <= x {
            ensure_corrupt!(i_start == x, "page {pgno}: freed space before the content area");
            ensure_corrupt!(i_ptr == hdr + 1, "page {pgno}: freeblock before the content area");
            put_u16(&mut d, hdr + 1, i_free_blk as u16);
            put_u16(&mut d, hdr + 5, i_end as u16);
        } else {
            put_u16(&mut d, i_ptr, i_start as u16);
            put_u16(&mut d, i_start, i_free_blk as u16);
            put_u16(&mut d, i_start + 2, i_size as u16);
        }
        self.n_free += size as i32;
        Ok(())
    }

    /// Moves every cell to the end of the page so that all free space is one gap, zeroing the
    /// gap (defragmentPage). With at most two freeblocks and at most `max_frag` fragmented
    /// bytes, the cheap path slides content over the freeblocks instead of rebuilding.
    pub fn defragment(&mut self, max_frag: i32, usable_size: usize) -> Result<()> {
        debug_assert!(self.overflow.is_empty());
        let hdr = self.hdr;
        let pgno = self.pgno;
        let cell_offset = self.cell_offset;
        let n_cell = self.n_cell;
        let first_cell = cell_offset + 2 * n_cell;
        let mut d = self.page.data_mut();
        let mut cbrk: usize;
        let corrupt = || corrupt_error(format_args!("page {pgno}: malformed while defragmenting"));
        'cheap: {
            if i32::from(d[hdr + 7]) > max_frag {
                break 'cheap;
            }
            let i_free = usize::from(get_u16(&d, hdr + 1));
            if i_free > usable_size - 4 {
                return Err(corrupt());
            }
            if i_free == 0 {
                break 'cheap;
            }
            let i_free2 = usize::from(get_u16(&d, i_free));
            if i_free2 > usable_size - 4 {
                return Err(corrupt());
            }
            if !(i_free2 == 0 || (d[i_free2] == 0 && d[i_free2 + 1] == 0)) {
                break 'cheap;
            }
            let mut sz = usize::from(get_u16(&d, i_free + 2));
            let mut sz2 = 0;
            let top = usize::from(get_u16(&d, hdr + 5));
            if top >= i_free {
                return Err(corrupt());
            }
            if i_free2 != 0 {
                if i_free + sz > i_free2 {
                    return Err(corrupt());
                }
                sz2 = usize::from(get_u16(&d, i_free2 + 2));
                if i_free2 + sz2 > usable_size {
                    return Err(corrupt());
                }
                d.copy_within(i_free + sz..i_free2, i_free + sz + sz2);
                sz += sz2;
            } else if i_free + sz > usable_size {
                return Err(corrupt());
            }
            cbrk = top + sz;
            d.copy_within(top..i_free, cbrk);
            for k in 0..n_cell {
                let a = cell_offset + 2 * k;
                let pc = usize::from(get_u16(&d, a));
                if pc < i_free {
                    put_u16(&mut d, a, (pc + sz) as u16);
                } else if pc < i_free2 {
                    put_u16(&mut d, a, (pc + sz2) as u16);
                }
            }
            return self.finish_defragment(d, cbrk, first_cell, usable_size);
        }
        cbrk = usable_size;
        let last_cell = usable_size - 4;
        let cell_start = usize::from(get_u16(&d, hdr + 5));
        if n_cell > 0 {
            let src = d.to_vec();
            for k in 0..n_cell {
                let a = cell_offset + 2 * k;
                let pc = usize::from(get_u16(&d, a));
                if pc > last_cell {
                    return Err(corrupt());
                }
                let size = usize::from(self.cell_size_in(&src, pc, usable_size)?);
                if size > cbrk || cbrk - size < cell_start || pc + size > usable_size {
                    return Err(corrupt());
                }
                cbrk -= size;
                put_u16(&mut d, a, cbrk as u16);
                d[cbrk..cbrk + size].copy_from_slice(&src[pc..pc + size]);
            }
        }
        d[hdr + 7] = 0;
        self.finish_defragment(d, cbrk, first_cell, usable_size)
    }

    fn finish_defragment(
        &self,
        mut d: std::cell::RefMut<'_, [u8]>,
        cbrk: usize,
        first_cell: usize,
        _usable_size: usize,
    ) -> Result<()> {
        let hdr = self.hdr;
        ensure_corrupt!(
            cbrk >= first_cell && (usize::from(d[hdr + 7]) + cbrk - first_cell) as i32 == self.n_free,
            "page {}: free space count disagrees after defragmenting",
            self.pgno
        );
        put_u16(&mut d, hdr + 5, cbrk as u16);
        d[hdr + 1] = 0;
        d[hdr + 2] = 0;
        d[first_cell..cbrk].fill(0);
        Ok(())
    }

    /// The size of the cell at `pc` in `data` (a copy of this page's bytes).
    fn cell_size_in(&self, data: &[u8], pc: usize, usable_size: usize) -> Result<u16> {
        Ok(parse_cell(self.int_key, self.leaf, self.max_local, self.min_local, data, pc, usable_size)?.size)
    }

    /// Cell `i` counting overflow cells (the i-th cell the page would hold after a balance):
    /// `Ok(Err(bytes))` for an overflow cell, `Ok(Ok(offset))` for a cell on the page.
    pub fn nth_cell_with_overflow(&self, i: usize) -> std::result::Result<usize, &[u8]> {
        let mut skip = 0;
        for o in &self.overflow {
            if o.index == i {
                return Err(&o.bytes);
            }
            if o.index < i {
                skip += 1;
            }
        }
        let d = self.page.data();
        Ok(self.cell_ptr(&d, i - skip))
    }
}

/// Decodes the content-start field (0 means 65536).
pub fn content_start(data: &[u8], hdr: usize, usable_size: usize) -> usize {
    let v = usize::from(get_u16(data, hdr + 5));
    if v == 0 && usable_size == 65536 { 65536 } else { v }
}

/// Encodes a content-start offset (65536 is stored as 0).
pub fn content_start_encoding(offset: u32) -> u16 {
    if offset == 65536 { 0 } else { offset as u16 }
}

/// Searches the freeblock list for `n_byte` bytes (pageFindSlot): first fit in address
/// order, taking the bytes from the END of the freeblock; a leftover under 4 bytes goes whole
/// into the fragment count, unless that count is already above 57 (then no slot). Returns the
/// offset of the allocated bytes.
pub fn find_slot(d: &mut [u8], hdr: usize, n_byte: usize, usable_size: usize, pgno: Pgno) -> Result<Option<usize>> {
    let mut i_addr = hdr + 1;
    let mut pc = usize::from(get_u16(d, i_addr));
    let max_pc = usable_size as isize - n_byte as isize;
    debug_assert!(pc > 0);
    while pc as isize <= max_pc {
        let size = usize::from(get_u16(d, pc + 2));
        if size >= n_byte {
            let x = size - n_byte;
            if x < 4 {
                if d[hdr + 7] > 57 {
                    return Ok(None);
                }
                let next = get_u16(d, pc);
                put_u16(d, i_addr, next);
                d[hdr + 7] += x as u8;
                return Ok(Some(pc));
            } else if (x + pc) as isize > max_pc {
                return Err(corrupt_error(format_args!("page {pgno}: freeblock runs off the page")));
            } else {
                put_u16(d, pc + 2, x as u16);
            }
            return Ok(Some(pc + x));
        }
        i_addr = pc;
        pc = usize::from(get_u16(d, pc));
        if pc <= i_addr {
            if pc != 0 {
                return Err(corrupt_error(format_args!("page {pgno}: freeblock list out of order")));
            }
            return Ok(None);
        }
    }
    if pc as isize > max_pc + n_byte as isize - 4 {
        return Err(corrupt_error(format_args!("page {pgno}: freeblock list runs off the page")));
    }
    Ok(None)
}

/// Reads a varint whose value SQLite treats as 32 bits (getVarint32 for payload sizes): up to
/// 9 bytes are consumed, the value is truncated to 32 bits.
#[inline]
fn read_varint32(data: &[u8], pos: usize) -> Result<(u32, usize)> {
    let (v, n) = crate::format::varint::read_varint(data.get(pos..).unwrap_or(&[]))?;
    Ok((v as u32, n))
}

/// Parses a cell at `pc` of a page of the given kind. Bounds are checked against `data`; the
/// caller checks that the whole cell lies within the usable size.
#[inline]
pub fn parse_cell(
    int_key: bool,
    leaf: bool,
    max_local: u32,
    min_local: u32,
    data: &[u8],
    pc: usize,
    usable_size: usize,
) -> Result<CellInfo> {
    use crate::format::varint::read_varint;
    if int_key && !leaf {
        // Table interior: child pointer and rowid only.
        let (key, n) = read_varint(data.get(pc + 4..).unwrap_or(&[]))?;
        return Ok(CellInfo {
            key: key as i64,
            payload_size: 0,
            payload_offset: 0,
            local_size: 0,
            size: (4 + n) as u16,
        });
    }
    let mut pos = pc + if leaf { 0 } else { 4 };
    let (payload_size, n) = read_varint32(data, pos)?;
    pos += n;
    let key = if int_key {
        let (k, m) = read_varint(data.get(pos..).unwrap_or(&[]))?;
        pos += m;
        k as i64
    } else {
        i64::from(payload_size)
    };
    let header_bytes = pos - pc;
    let (local_size, size) = if payload_size <= max_local {
        let size = (payload_size as usize + header_bytes).max(4);
        (payload_size as u16, size)
    } else {
        let local = local_payload_size(payload_size, max_local, min_local, usable_size);
        (local as u16, header_bytes + local as usize + 4)
    };
    Ok(CellInfo { key, payload_size, payload_offset: header_bytes as u16, local_size, size: size as u16 })
}

/// Bytes of a payload of `payload_size` kept on the page (btreePayloadToLocal):
/// all of it up to `max_local`; beyond, `min_local` plus the remainder that would not fill a
/// whole overflow page, if that stays within `max_local`.
#[inline]
pub fn local_payload_size(payload_size: u32, max_local: u32, min_local: u32, usable_size: usize) -> u32 {
    if payload_size <= max_local {
        return payload_size;
    }
    let surplus = min_local + (payload_size - min_local) % (usable_size as u32 - 4);
    if surplus <= max_local { surplus } else { min_local }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_sizes_match_the_format_notes() {
        // At 4096: table X = 4061, index X = 1002, M = 489.
        let g = Geometry::new(4096, 4096);
        assert_eq!((g.max_leaf, g.max_local, g.min_local), (4061, 1002, 489));
        assert_eq!(local_payload_size(4061, g.max_leaf, g.min_leaf, 4096), 4061);
        // 4062 bytes: 489 + (4062-489) % 4092 = 4062 > 4061, so M.
        assert_eq!(local_payload_size(4062, g.max_leaf, g.min_leaf, 4096), 489);
        // 489 + 4092 + 100 → surplus 589.
        assert_eq!(local_payload_size(489 + 4092 + 100, g.max_leaf, g.min_leaf, 4096), 589);
    }

    #[test]
    fn find_slot_takes_from_the_end_and_counts_fragments() {
        let mut d = vec![0u8; 512];
        // One freeblock at 400 of 20 bytes.
        put_u16(&mut d, 1, 400);
        put_u16(&mut d, 400, 0);
        put_u16(&mut d, 402, 20);
        assert_eq!(find_slot(&mut d, 0, 10, 512, 2).unwrap(), Some(410));
        assert_eq!(get_u16(&d, 402), 10);
        // 10 left; asking 8 leaves 2 → whole block, 2 fragment bytes.
        assert_eq!(find_slot(&mut d, 0, 8, 512, 2).unwrap(), Some(400));
        assert_eq!(d[7], 2);
        assert_eq!(get_u16(&d, 1), 0);
    }
}
