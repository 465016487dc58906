//! B-tree pages: header, cell pointer array, cells and freeblocks, and which bytes of the page
//! are allocated.
//!
//! ```text
//! page header (at offset 100 on page 1, else 0; 8 bytes on leaves, 12 on interior pages)
//!   0   1  page type: 0x02 index interior, 0x05 table interior, 0x0a index leaf, 0x0d table leaf
//!   1   2  offset of the first freeblock, 0 if none
//!   3   2  number of cells
//!   5   2  start of the cell content area (0 means 65536)
//!   7   1  fragmented free bytes in the cell content area
//!   8   4  right-most child page (interior pages only)
//! cell pointer array: 2 bytes per cell, the cell's offset in the page, in key order
//! unallocated gap, then the cell content area up to the usable size, then reserved bytes.
//!
//! cells:
//!   table interior 0x05: u32 left child, varint rowid
//!   table leaf     0x0d: varint payload size, varint rowid, local payload, [u32 first overflow]
//!   index interior 0x02: u32 left child, varint payload size, local payload, [u32 first overflow]
//!   index leaf     0x0a: varint payload size, local payload, [u32 first overflow]
//!   A cell takes at least 4 bytes.
//! freeblock: u16 offset of the next freeblock (0 ends, ascending), u16 size including this
//!   header (>= 4); the rest of the block is unallocated.
//! ```
//!
//! "Allocated" bytes are the ones SQLite's layout defines: the page header, the pointer array,
//! the cells, the freeblock headers (and page 1's database header, and reserved bytes).
//! Everything else (the gap, freeblock bodies, fragments) holds stale bytes by rule.

use std::ops::Range;

use touchstone_engine::format::header::{HEADER_SIZE, get_u16, get_u32};
use touchstone_engine::format::varint::read_varint;

use super::image::{Image, Problem};
use super::payload::local_payload_bytes;

/// The four b-tree page types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PageType {
    IndexInterior,
    TableInterior,
    IndexLeaf,
    TableLeaf,
}

impl PageType {
    /// The page type whose flag byte is `flag`, if any.
    pub fn from_flag(flag: u8) -> Option<PageType> {
        match flag {
            0x02 => Some(PageType::IndexInterior),
            0x05 => Some(PageType::TableInterior),
            0x0a => Some(PageType::IndexLeaf),
            0x0d => Some(PageType::TableLeaf),
            _ => None,
        }
    }

    /// The flag byte of this page type.
    pub fn flag(self) -> u8 {
        match self {
            PageType::IndexInterior => 0x02,
            PageType::TableInterior => 0x05,
            PageType::IndexLeaf => 0x0a,
            PageType::TableLeaf => 0x0d,
        }
    }

    /// True for leaf pages.
    pub fn is_leaf(self) -> bool {
        matches!(self, PageType::IndexLeaf | PageType::TableLeaf)
    }

    /// True for table (rowid-keyed) pages.
    pub fn is_table(self) -> bool {
        matches!(self, PageType::TableInterior | PageType::TableLeaf)
    }

    /// Bytes in the page header: 8 on leaves, 12 on interior pages (the right child).
    pub fn header_size_bytes(self) -> usize {
        if self.is_leaf() { 8 } else { 12 }
    }

    /// A readable name, e.g. "table leaf".
    pub fn name(self) -> &'static str {
        match self {
            PageType::IndexInterior => "index interior",
            PageType::TableInterior => "table interior",
            PageType::IndexLeaf => "index leaf",
            PageType::TableLeaf => "table leaf",
        }
    }
}

/// One decoded cell. Offsets are within the page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// Offset of the cell in the page (its cell pointer).
    pub offset: usize,
    /// Bytes the cell takes on the page, overflow pointer included (at least 4).
    pub size_bytes: usize,
    /// Interior pages: the child left of this cell's key.
    pub left_child: Option<u32>,
    /// Total payload bytes (0 for table interior cells, which have none).
    pub payload_bytes: u64,
    /// Table pages: the rowid (the key).
    pub rowid: Option<i64>,
    /// Where the locally stored payload lies in the page.
    pub local: Range<usize>,
    /// The first overflow page, when the payload does not fit locally.
    pub first_overflow: Option<u32>,
}

/// One freeblock of the chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Freeblock {
    pub offset: usize,
    pub size_bytes: usize,
}

/// What an allocated byte range of a page holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    /// Page 1's 100-byte database header.
    DbHeader,
    PageHeader,
    CellPointers,
    /// Cell number n (index in the pointer array).
    Cell(usize),
    /// The 4-byte header of freeblock number n in chain order.
    FreeblockHeader(usize),
    /// The reserved bytes at the end of the page.
    Reserved,
}

/// A decoded b-tree page.
#[derive(Clone, Debug)]
pub struct BtreePage {
    pub pgno: u32,
    /// Offset of the page header: 100 on page 1, else 0.
    pub header_offset: usize,
    pub page_type: PageType,
    pub first_freeblock: u16,
    pub cell_count: u16,
    /// Start of the cell content area (the header's 0 read as 65536).
    pub content_start: u32,
    pub fragmented_bytes: u8,
    pub right_child: Option<u32>,
    /// The cell pointers read (fewer than `cell_count` when the count is impossible).
    pub cell_pointers: Vec<u16>,
    /// One entry per cell pointer: the cell, or why it does not decode.
    pub cells: Vec<Result<Cell, String>>,
    /// The freeblock chain, in chain order, up to the first broken link.
    pub freeblocks: Vec<Freeblock>,
    /// What is wrong with the page (empty for a well-formed page).
    pub problems: Vec<String>,
    pub page_size_bytes: usize,
    pub usable_size_bytes: usize,
}

impl BtreePage {
    /// Decodes page `pgno` of `image` as a b-tree page.
    ///
    /// Errors only when the page does not exist or its type byte is not a b-tree type; every
    /// other defect is recorded in `problems` (and in a cell's `Err`), and decoding goes on
    /// with what is readable. Never reads outside the page; work is bounded by the page size.
    pub fn decode(image: &Image<'_>, pgno: u32) -> Result<BtreePage, Problem> {
        let page = image.page(pgno).ok_or_else(|| Problem::new(pgno, "page is outside the file"))?;
        let header_offset = Image::header_offset(pgno);
        let flag = page[header_offset];
        let page_type = PageType::from_flag(flag)
            .ok_or_else(|| Problem::new(pgno, format!("type byte 0x{flag:02x} is not a b-tree page type")))?;
        let usable = image.usable_size_bytes() as usize;
        let h = header_offset;
        let raw_content_start = get_u16(page, h + 5);
        let mut decoded = BtreePage {
            pgno,
            header_offset,
            page_type,
            first_freeblock: get_u16(page, h + 1),
            cell_count: get_u16(page, h + 3),
            content_start: if raw_content_start == 0 { 65536 } else { u32::from(raw_content_start) },
            fragmented_bytes: page[h + 7],
            right_child: (!page_type.is_leaf()).then(|| get_u32(page, h + 8)),
            cell_pointers: Vec::new(),
            cells: Vec::new(),
            freeblocks: Vec::new(),
            problems: Vec::new(),
            page_size_bytes: page.len(),
            usable_size_bytes: usable,
        };
        decoded.read_cells(page);
        decoded.read_freeblocks(page);
        decoded.check_layout();
        Ok(decoded)
    }

    /// Offset of the cell pointer array.
    pub fn pointers_start(&self) -> usize {
        self.header_offset + self.page_type.header_size_bytes()
    }

    /// Offset just past the cell pointers read.
    pub fn pointers_end(&self) -> usize {
        self.pointers_start() + 2 * self.cell_pointers.len()
    }

    /// Reads the cell pointer array and decodes each cell.
    /// Entry: header fields set. Exit: `cells.len() == cell_pointers.len()`.
    fn read_cells(&mut self, page: &[u8]) {
        let start = self.pointers_start();
        // SQLite's MX_CELL: no page can hold more cells than this.
        let max_cells = (self.page_size_bytes - 8) / 6;
        let mut count = usize::from(self.cell_count);
        if count > max_cells {
            self.problems.push(format!("cell count {count} exceeds the {max_cells} cells a page can hold"));
            count = max_cells;
        }
        let fit = (self.usable_size_bytes - start) / 2;
        if count > fit {
            self.problems.push(format!("cell pointer array of {count} cells runs past the usable area"));
            count = fit;
        }
        self.cell_pointers = (0..count).map(|i| get_u16(page, start + 2 * i)).collect();
        let pointers_end = self.pointers_end();
        self.cells = self
            .cell_pointers
            .iter()
            .map(|&ptr| decode_cell(&page[..self.usable_size_bytes], self.page_type, usize::from(ptr), pointers_end))
            .collect();
        for (i, cell) in self.cells.iter().enumerate() {
            if let Err(e) = cell {
                self.problems.push(format!("cell {i}: {e}"));
            }
        }
        debug_assert_eq!(self.cells.len(), self.cell_pointers.len());
    }

    /// Follows the freeblock chain with `btreeComputeFreeSpace`'s rules: every block at or
    /// after the content start, inside the usable area, at least 4 bytes, and the next block
    /// more than 3 bytes past this one's end. Strictly ascending, so it ends within
    /// usable/4 steps.
    fn read_freeblocks(&mut self, page: &[u8]) {
        let usable = self.usable_size_bytes;
        let mut offset = usize::from(self.first_freeblock);
        while offset != 0 {
            if offset < self.content_start as usize {
                self.problems
                    .push(format!("freeblock at {offset} lies before the content start {}", self.content_start));
                return;
            }
            if offset + 4 > usable {
                self.problems.push(format!("freeblock at {offset} lies past the usable area"));
                return;
            }
            let next = usize::from(get_u16(page, offset));
            let size_bytes = usize::from(get_u16(page, offset + 2));
            self.freeblocks.push(Freeblock { offset, size_bytes });
            if size_bytes < 4 {
                self.problems.push(format!("freeblock at {offset} has size {size_bytes} < 4"));
                return;
            }
            if offset + size_bytes > usable {
                self.problems.push(format!("freeblock at {offset} of {size_bytes} bytes runs past the usable area"));
                return;
            }
            if next != 0 && next < offset + size_bytes + 4 {
                self.problems.push(format!("freeblock at {offset} links to {next}, not ascending past its end"));
                return;
            }
            debug_assert!(next == 0 || next > offset);
            offset = next;
        }
    }

    /// Checks the content area as a whole: content start within range, cells and freeblocks
    /// inside it and not overlapping, and the bytes covered by neither (fragments) adding up
    /// to the header's fragment count.
    fn check_layout(&mut self) {
        let usable = self.usable_size_bytes;
        let content_start = self.content_start as usize;
        if content_start < self.pointers_end() || content_start > usable {
            self.problems.push(format!("content start {content_start} is outside {}..={usable}", self.pointers_end()));
            return;
        }
        let mut spans: Vec<(Range<usize>, String)> = Vec::new();
        for (i, cell) in self.cells.iter().enumerate() {
            if let Ok(c) = cell {
                spans.push((c.offset..c.offset + c.size_bytes, format!("cell {i}")));
            }
        }
        for f in &self.freeblocks {
            spans.push((f.offset..f.offset + f.size_bytes, format!("freeblock at {}", f.offset)));
        }
        spans.sort_by_key(|(r, _)| (r.start, r.end));
        let mut covered_end = content_start;
        let mut gap_bytes = 0usize;
        let mut layout_ok = true;
        for (range, what) in &spans {
            if range.start < content_start {
                self.problems.push(format!("{what} at {} lies before the content start {content_start}", range.start));
                layout_ok = false;
            } else if range.start < covered_end {
                self.problems.push(format!("{what} at {} overlaps the bytes before it", range.start));
                layout_ok = false;
            } else {
                gap_bytes += range.start - covered_end;
            }
            covered_end = covered_end.max(range.end.min(usable));
        }
        gap_bytes += usable.saturating_sub(covered_end);
        if layout_ok && self.problems.is_empty() && gap_bytes != usize::from(self.fragmented_bytes) {
            self.problems.push(format!(
                "{gap_bytes} fragmented bytes in the content area, header says {}",
                self.fragmented_bytes
            ));
        }
    }

    /// The allocated byte ranges of the page, sorted by start, each labelled with what it
    /// holds. Ranges of corrupt pages may overlap; all lie within the page.
    pub fn allocated(&self) -> Vec<(Region, Range<usize>)> {
        let mut out = Vec::with_capacity(3 + self.cells.len() + self.freeblocks.len());
        if self.header_offset == HEADER_SIZE {
            out.push((Region::DbHeader, 0..HEADER_SIZE));
        }
        let pointers_start = self.pointers_start();
        out.push((Region::PageHeader, self.header_offset..pointers_start));
        if !self.cell_pointers.is_empty() {
            out.push((Region::CellPointers, pointers_start..self.pointers_end()));
        }
        for (i, cell) in self.cells.iter().enumerate() {
            if let Ok(c) = cell {
                out.push((Region::Cell(i), c.offset..c.offset + c.size_bytes));
            }
        }
        for (i, f) in self.freeblocks.iter().enumerate() {
            out.push((Region::FreeblockHeader(i), f.offset..f.offset + 4));
        }
        if self.usable_size_bytes < self.page_size_bytes {
            out.push((Region::Reserved, self.usable_size_bytes..self.page_size_bytes));
        }
        out.sort_by_key(|(_, r)| (r.start, r.end));
        debug_assert!(out.iter().all(|(_, r)| r.end <= self.page_size_bytes));
        out
    }

    /// The unallocated byte ranges of the page (the complement of [`BtreePage::allocated`]),
    /// in order.
    pub fn unallocated(&self) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        let mut pos = 0;
        for (_, r) in self.allocated() {
            if r.start > pos {
                out.push(pos..r.start);
            }
            pos = pos.max(r.end);
        }
        if pos < self.page_size_bytes {
            out.push(pos..self.page_size_bytes);
        }
        out
    }

    /// The child page numbers in key order (left children, then the right child).
    pub fn children(&self) -> Vec<u32> {
        let mut out: Vec<u32> = self.cells.iter().filter_map(|c| c.as_ref().ok().and_then(|c| c.left_child)).collect();
        out.extend(self.right_child);
        out
    }
}

/// Decodes the cell at `offset` of a page whose usable area is `area`.
///
/// Entry: `area.len()` is the usable size (>= 480); `pointers_end` is the end of the cell
/// pointer array. Errors when the cell starts outside the content area, a varint runs past
/// the usable area, the payload size is beyond 32 bits, or the cell ends past the usable area.
/// Exit (Ok): `offset + size_bytes <= area.len()` and `local` lies within the cell.
pub fn decode_cell(area: &[u8], page_type: PageType, offset: usize, pointers_end: usize) -> Result<Cell, String> {
    let usable = area.len();
    if offset < pointers_end || offset + 4 > usable {
        return Err(format!("cell pointer {offset} is outside the cell content area {pointers_end}..{usable}"));
    }
    let mut pos = offset;
    let left_child = if page_type.is_leaf() {
        None
    } else {
        pos += 4;
        Some(get_u32(area, offset))
    };
    let varint_at =
        |pos: usize| read_varint(&area[pos..]).map_err(|_| format!("varint at {pos} runs past the usable area"));
    let (payload_bytes, rowid) = match page_type {
        PageType::TableInterior => {
            let (rowid, n) = varint_at(pos)?;
            pos += n;
            (0, Some(rowid as i64))
        }
        PageType::TableLeaf => {
            let (payload, n) = varint_at(pos)?;
            pos += n;
            let (rowid, m) = varint_at(pos)?;
            pos += m;
            (payload, Some(rowid as i64))
        }
        PageType::IndexInterior | PageType::IndexLeaf => {
            let (payload, n) = varint_at(pos)?;
            pos += n;
            (payload, None)
        }
    };
    if payload_bytes > u64::from(u32::MAX) {
        return Err(format!("payload size {payload_bytes} exceeds 32 bits"));
    }
    let local_bytes = if page_type == PageType::TableInterior {
        0
    } else {
        local_payload_bytes(page_type, usable as u32, payload_bytes) as usize
    };
    let local = pos..pos + local_bytes;
    let mut end = local.end;
    let first_overflow = if (local_bytes as u64) < payload_bytes {
        if end + 4 > usable {
            return Err(format!("cell at {offset} runs past the usable area ({} > {usable})", end + 4));
        }
        end += 4;
        Some(get_u32(area, end - 4))
    } else {
        None
    };
    let size_bytes = (end - offset).max(4);
    if offset + size_bytes > usable {
        return Err(format!("cell at {offset} of {size_bytes} bytes runs past the usable area {usable}"));
    }
    Ok(Cell { offset, size_bytes, left_child, payload_bytes, rowid, local, first_overflow })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_of_each_type() {
        let mut area = vec![0u8; 512];
        // Table interior at 500: child 7, rowid 300 (2-byte varint).
        area[500..506].copy_from_slice(&[0, 0, 0, 7, 0x82, 0x2c]);
        let cell = decode_cell(&area, PageType::TableInterior, 500, 20).unwrap();
        assert_eq!((cell.left_child, cell.rowid, cell.size_bytes), (Some(7), Some(300), 6));
        // Table leaf at 400: payload 1, rowid 2, one byte of payload: 3 bytes, padded to 4.
        area[400..403].copy_from_slice(&[1, 2, 0x00]);
        let cell = decode_cell(&area, PageType::TableLeaf, 400, 20).unwrap();
        assert_eq!((cell.size_bytes, cell.local.clone()), (4, 402..403));
        // Index leaf with a payload beyond max_local. U = 512: max_local = 500*64/255 - 23
        // = 102, min_local = 500*32/255 - 23 = 39. P = 120: K = 39 + 81 = 120 > 102, so 39
        // bytes stay local and the 4-byte overflow pointer follows them.
        area[100] = 120;
        area[101 + 39..101 + 43].copy_from_slice(&[0, 0, 0, 9]);
        let cell = decode_cell(&area, PageType::IndexLeaf, 100, 20).unwrap();
        assert_eq!(cell.local, 101..140);
        assert_eq!((cell.first_overflow, cell.size_bytes), (Some(9), 44));
    }

    #[test]
    fn bad_cells_are_errors() {
        let area = vec![0xffu8; 512];
        for offset in [0, 19, 509, 511, 600] {
            assert!(decode_cell(&area, PageType::TableLeaf, offset, 20).is_err(), "{offset}");
        }
        // Varints of 0xff run to 9 bytes: a payload size beyond 32 bits.
        assert!(decode_cell(&area, PageType::IndexLeaf, 100, 20).is_err());
    }
}
