//! A valid database file decoded into the places where targeted damage is interesting: every
//! b-tree page with its cells and child pointers, every overflow chain, the freelist, and the
//! sqlite_schema rows. All positions are byte offsets into the file.
//!
//! The decoding trusts the file (it is only run on the base files, which are valid) and uses
//! the engine's own cell parser; damage is then aimed at what it found.

use touchstone_engine::btree::Geometry;
use touchstone_engine::btree::page::parse_cell;
use touchstone_engine::format::header::{get_u16, get_u32};
use touchstone_engine::format::varint::read_varint;

/// One cell of a b-tree page.
#[derive(Clone, Debug)]
pub struct Cell {
    /// Offset of the cell's 2-byte entry in the cell pointer array.
    pub ptr_at: usize,
    /// Offset of the cell.
    pub at: usize,
    pub size: usize,
    /// Offset of the left-child pointer (interior pages).
    pub child_at: Option<usize>,
    /// Offset of the payload-size varint (all but table interior cells).
    pub payload_size_at: Option<usize>,
    /// Offset of the rowid varint (table cells).
    pub rowid_at: Option<usize>,
}

/// One b-tree page.
#[derive(Clone, Debug)]
pub struct BtreePage {
    pub pgno: u32,
    /// The root of the tree it belongs to.
    pub root: u32,
    pub parent: Option<u32>,
    /// Offset of its b-tree page header (100 bytes in on page 1).
    pub header_at: usize,
    pub leaf: bool,
    pub cells: Vec<Cell>,
    /// Offset of the right-most child pointer (interior pages).
    pub right_child_at: Option<usize>,
}

/// The overflow chain of one cell.
#[derive(Clone, Debug)]
pub struct OverflowChain {
    /// Offset of the pointer to the first overflow page (at the end of the cell).
    pub first_ptr_at: usize,
    /// The chain's pages in order.
    pub pages: Vec<u32>,
}

/// One row of sqlite_schema.
#[derive(Clone, Debug)]
pub struct SchemaRow {
    pub kind: String,
    pub name: String,
    pub root: u32,
    /// Offset and width in bytes of the rootpage value (None when it is stored as a constant).
    pub root_value: Option<(usize, usize)>,
    /// Offset and length of the `type` and `sql` texts.
    pub kind_text: (usize, usize),
    pub sql_text: Option<(usize, usize)>,
}

/// A decoded file.
#[derive(Clone, Debug)]
pub struct Layout {
    pub page_size: usize,
    pub usable: usize,
    pub n_pages: u32,
    pub pages: Vec<BtreePage>,
    pub chains: Vec<OverflowChain>,
    pub trunks: Vec<u32>,
    pub leaves: Vec<u32>,
    pub schema: Vec<SchemaRow>,
}

impl Layout {
    /// Offset of page `pgno` in the file.
    pub fn page_at(&self, pgno: u32) -> usize {
        (pgno as usize - 1) * self.page_size
    }

    /// Roots of every tree (sqlite_schema's page 1 included).
    pub fn roots(&self) -> Vec<u32> {
        std::iter::once(1).chain(self.schema.iter().map(|r| r.root).filter(|&r| r > 0)).collect()
    }

    /// Offsets of the bytes that describe structure rather than hold values: the file header,
    /// b-tree page headers and cell pointer arrays, cell headers, overflow and freelist
    /// pointers.
    pub fn structural_offsets(&self) -> Vec<usize> {
        let mut out: Vec<usize> = (0..100).collect();
        for p in &self.pages {
            let header_len = if p.leaf { 8 } else { 12 };
            out.extend(p.header_at..p.header_at + header_len);
            for c in &p.cells {
                out.extend(c.ptr_at..c.ptr_at + 2);
                out.extend(c.at..c.at + c.size.min(12));
            }
        }
        for ch in &self.chains {
            out.extend(ch.first_ptr_at..ch.first_ptr_at + 4);
            for &pg in &ch.pages {
                out.extend(self.page_at(pg)..self.page_at(pg) + 4);
            }
        }
        for &t in &self.trunks {
            out.extend(self.page_at(t)..self.page_at(t) + 16);
        }
        out
    }
}

/// Decodes the valid file `bytes`.
pub fn decode(bytes: &[u8]) -> Layout {
    let raw = get_u16(bytes, 16);
    let page_size = if raw == 1 { 65536 } else { usize::from(raw) };
    let usable = page_size - usize::from(bytes[20]);
    let mut layout = Layout {
        page_size,
        usable,
        n_pages: (bytes.len() / page_size) as u32,
        pages: Vec::new(),
        chains: Vec::new(),
        trunks: Vec::new(),
        leaves: Vec::new(),
        schema: Vec::new(),
    };
    let geo = Geometry::new(page_size as u32, usable as u32);
    walk_tree(bytes, &mut layout, &geo, 1, 1, None);
    layout.schema = schema_rows(bytes, &layout);
    let roots: Vec<u32> = layout.schema.iter().map(|r| r.root).filter(|&r| r > 1).collect();
    for root in roots {
        walk_tree(bytes, &mut layout, &geo, root, root, None);
    }
    let mut trunk = get_u32(bytes, 32);
    while trunk != 0 {
        layout.trunks.push(trunk);
        let at = layout.page_at(trunk);
        let k = get_u32(bytes, at + 4) as usize;
        layout.leaves.extend((0..k).map(|i| get_u32(bytes, at + 8 + 4 * i)));
        trunk = get_u32(bytes, at);
    }
    layout
}

/// Records page `pgno` of the tree `root` and, recursively, its children and overflow chains.
fn walk_tree(bytes: &[u8], layout: &mut Layout, geo: &Geometry, root: u32, pgno: u32, parent: Option<u32>) {
    let page_at = layout.page_at(pgno);
    let page = &bytes[page_at..page_at + layout.page_size];
    let hdr = if pgno == 1 { 100 } else { 0 };
    let flags = page[hdr];
    let leaf = flags & 0x08 != 0;
    let int_key = flags & 0x01 != 0;
    let (max_local, min_local) = if int_key { (geo.max_leaf, geo.min_leaf) } else { (geo.max_local, geo.min_local) };
    let n_cell = usize::from(get_u16(page, hdr + 3));
    let ptr_array = hdr + if leaf { 8 } else { 12 };
    let mut cells = Vec::new();
    let mut children = Vec::new();
    for i in 0..n_cell {
        let pc = usize::from(get_u16(page, ptr_array + 2 * i));
        let info = parse_cell(int_key, leaf, max_local, min_local, page, pc, layout.usable).expect("valid cell");
        let child_at = (!leaf).then_some(page_at + pc);
        if !leaf {
            children.push(get_u32(page, pc));
        }
        let payload_size_at = (leaf || !int_key).then(|| page_at + pc + if leaf { 0 } else { 4 });
        let rowid_at = int_key.then(|| match payload_size_at {
            Some(at) => at + read_varint(&bytes[at..]).expect("varint").1,
            None => page_at + pc + 4,
        });
        if info.has_overflow() {
            let first_ptr_at = page_at + pc + usize::from(info.payload_offset) + usize::from(info.local_size);
            let n_overflow = (info.payload_size as usize - usize::from(info.local_size)).div_ceil(layout.usable - 4);
            let mut pages = Vec::with_capacity(n_overflow);
            let mut next = get_u32(bytes, first_ptr_at);
            for _ in 0..n_overflow {
                pages.push(next);
                next = get_u32(bytes, layout.page_at(next));
            }
            layout.chains.push(OverflowChain { first_ptr_at, pages });
        }
        cells.push(Cell {
            ptr_at: page_at + ptr_array + 2 * i,
            at: page_at + pc,
            size: usize::from(info.size),
            child_at,
            payload_size_at,
            rowid_at,
        });
    }
    let right_child_at = (!leaf).then_some(page_at + hdr + 8);
    if !leaf {
        children.push(get_u32(page, hdr + 8));
    }
    layout.pages.push(BtreePage { pgno, root, parent, header_at: page_at + hdr, leaf, cells, right_child_at });
    for child in children {
        walk_tree(bytes, layout, geo, root, child, Some(pgno));
    }
}

/// The rows of sqlite_schema, from the leaves of the tree at page 1 in key order. The base
/// files' schema rows are small enough to lie wholly on their pages.
fn schema_rows(bytes: &[u8], layout: &Layout) -> Vec<SchemaRow> {
    let mut rows = Vec::new();
    let mut leaves: Vec<&BtreePage> = layout.pages.iter().filter(|p| p.root == 1 && p.leaf).collect();
    leaves.sort_by_key(|p| get_rowid(bytes, p));
    for page in leaves {
        for cell in &page.cells {
            let rowid_at = cell.rowid_at.expect("table leaf cell");
            let record_at = rowid_at + read_varint(&bytes[rowid_at..]).expect("rowid").1;
            rows.push(schema_row(bytes, record_at));
        }
    }
    rows
}

/// The first rowid on a table leaf (orders the leaves of sqlite_schema).
fn get_rowid(bytes: &[u8], page: &BtreePage) -> u64 {
    page.cells.first().map_or(0, |c| read_varint(&bytes[c.rowid_at.expect("table cell")..]).expect("rowid").0)
}

/// The sqlite_schema record at `at`: type, name, tbl_name, rootpage, sql.
fn schema_row(bytes: &[u8], at: usize) -> SchemaRow {
    let (header_size, mut pos) = read_varint(&bytes[at..]).expect("record header size");
    let mut body = at + header_size as usize;
    let mut fields = Vec::new();
    while pos < header_size as usize {
        let (serial_type, n) = read_varint(&bytes[at + pos..]).expect("serial type");
        pos += n;
        let width = match serial_type {
            0 | 8 | 9 => 0,
            1..=4 => serial_type as usize,
            5 => 6,
            6 | 7 => 8,
            t => (t as usize - 12) / 2,
        };
        fields.push((serial_type, body, width));
        body += width;
    }
    let text = |i: usize| {
        let (_, off, len) = fields[i];
        String::from_utf8_lossy(&bytes[off..off + len]).into_owned()
    };
    let (root_type, root_at, root_width) = fields[3];
    let root = match root_type {
        0 | 8 => 0,
        9 => 1,
        _ => bytes[root_at..root_at + root_width].iter().fold(0u32, |v, &b| (v << 8) | u32::from(b)),
    };
    SchemaRow {
        kind: text(0),
        name: text(1),
        root,
        root_value: (root_width > 0).then_some((root_at, root_width)),
        kind_text: (fields[0].1, fields[0].2),
        sql_text: (fields[4].0 >= 13).then_some((fields[4].1, fields[4].2)),
    }
}
