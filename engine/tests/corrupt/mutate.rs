//! Corrupted variants of a valid file: undirected damage (bit flips, byte runs, truncation)
//! and damage aimed at the structures a [`Layout`] found (page-pointer cycles and shared
//! subtrees, overlapping cells, bad varints, b-tree page headers and freeblocks, freelist and
//! overflow loops, header fields, sqlite_schema rows).
//!
//! Every choice comes from the caller's seeded generator, so a variant is reproduced from its
//! seed alone. Each variant carries a short description of what was done, for reports.

use super::layout::{BtreePage, Layout};
use rand::RngExt;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

/// A kind of damage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    BitFlips,
    ByteRun,
    Truncate,
    ChildCycle,
    CellOverlap,
    BadVarint,
    FreelistLoop,
    OverflowLoop,
    HeaderField,
    SchemaRow,
    PageHeader,
    PointerDag,
    /// Two to four of the targeted kinds at once.
    Combined,
}

/// The kinds in the order consecutive variants take them. The undirected kinds get more turns:
/// they reach combinations nobody thought to aim at.
pub const SCHEDULE: [Kind; 16] = [
    Kind::BitFlips,
    Kind::ByteRun,
    Kind::Truncate,
    Kind::ChildCycle,
    Kind::CellOverlap,
    Kind::BadVarint,
    Kind::FreelistLoop,
    Kind::OverflowLoop,
    Kind::HeaderField,
    Kind::SchemaRow,
    Kind::PageHeader,
    Kind::PointerDag,
    Kind::Combined,
    Kind::BitFlips,
    Kind::ByteRun,
    Kind::BitFlips,
];

/// A corrupted file and what was done to it.
pub struct Variant {
    pub bytes: Vec<u8>,
    pub what: String,
}

/// Applies damage of `kind` to a copy of `base` (decoded as `layout`).
pub fn make_variant(kind: Kind, base: &[u8], layout: &Layout, rng: &mut ChaCha8Rng) -> Variant {
    let mut bytes = base.to_vec();
    let what = damage(kind, &mut bytes, layout, rng);
    Variant { bytes, what }
}

/// Damages `bytes` (a copy of the file `layout` describes, perhaps already damaged elsewhere).
fn damage(kind: Kind, bytes: &mut Vec<u8>, layout: &Layout, rng: &mut ChaCha8Rng) -> String {
    match kind {
        Kind::BitFlips => bit_flips(bytes, layout, rng),
        Kind::ByteRun => byte_run(bytes, layout, rng),
        Kind::Truncate => truncate(bytes, layout, rng),
        Kind::ChildCycle => child_cycle(bytes, layout, rng),
        Kind::CellOverlap => cell_overlap(bytes, layout, rng),
        Kind::BadVarint => bad_varint(bytes, layout, rng),
        Kind::FreelistLoop => freelist_loop(bytes, layout, rng),
        Kind::OverflowLoop => overflow_loop(bytes, layout, rng),
        Kind::HeaderField => header_field(bytes, layout, rng),
        Kind::SchemaRow => schema_row(bytes, layout, rng),
        Kind::PageHeader => page_header(bytes, layout, rng),
        Kind::PointerDag => pointer_dag(bytes, layout, rng),
        Kind::Combined => {
            let targeted = [
                Kind::ChildCycle,
                Kind::CellOverlap,
                Kind::BadVarint,
                Kind::FreelistLoop,
                Kind::OverflowLoop,
                Kind::HeaderField,
                Kind::SchemaRow,
                Kind::PageHeader,
            ];
            let parts: Vec<String> = (0..rng.random_range(2..=4))
                .map(|_| {
                    let k = *pick(rng, &targeted);
                    format!("{k:?}: {}", damage(k, bytes, layout, rng))
                })
                .collect();
            parts.join("; ")
        }
    }
}

/// One element of a non-empty slice.
fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    items.choose(rng).expect("a non-empty choice")
}

fn put_u32(bytes: &mut [u8], at: usize, v: u32) {
    bytes[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

fn get_u32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

fn put_u16(bytes: &mut [u8], at: usize, v: u16) {
    bytes[at..at + 2].copy_from_slice(&v.to_be_bytes());
}

/// Some page number that is in use: a b-tree page of any tree, page 1 included.
fn some_btree_page(rng: &mut ChaCha8Rng, layout: &Layout) -> u32 {
    pick(rng, &layout.pages).pgno
}

/// 1 to 16 single-bit flips, half of them in structural bytes.
fn bit_flips(bytes: &mut [u8], layout: &Layout, rng: &mut ChaCha8Rng) -> String {
    let structural = layout.structural_offsets();
    let n_flips = rng.random_range(1..=16);
    let mut flips = Vec::with_capacity(n_flips);
    for _ in 0..n_flips {
        let at = if rng.random_bool(0.5) { *pick(rng, &structural) } else { rng.random_range(0..bytes.len()) };
        let mask = 1u8 << rng.random_range(0..8);
        bytes[at] ^= mask;
        flips.push(format!("{at}^{mask:#04x}"));
    }
    format!("bit flips {}", flips.join(" "))
}

/// A run of 1 to a page of bytes overwritten with random bytes, zeros or 0xff.
fn byte_run(bytes: &mut [u8], layout: &Layout, rng: &mut ChaCha8Rng) -> String {
    let max_len = *pick(rng, &[4usize, 32, layout.page_size]);
    let run_len = rng.random_range(1..=max_len);
    let start =
        if rng.random_bool(0.5) { *pick(rng, &layout.structural_offsets()) } else { rng.random_range(0..bytes.len()) };
    let end = (start + run_len).min(bytes.len());
    let fill = rng.random_range(0..3);
    for b in &mut bytes[start..end] {
        *b = match fill {
            0 => rng.random(),
            1 => 0,
            _ => 0xff,
        };
    }
    let fill_name = ["random", "0x00", "0xff"][fill];
    format!("bytes {start}..{end} = {fill_name}")
}

/// The file cut short: anywhere, at a page boundary, near one, or inside the header.
fn truncate(bytes: &mut Vec<u8>, layout: &Layout, rng: &mut ChaCha8Rng) -> String {
    let len = bytes.len();
    let page_size = layout.page_size;
    let new_len = match rng.random_range(0..4) {
        0 => rng.random_range(0..len),
        1 => page_size * rng.random_range(0..layout.n_pages as usize),
        2 => {
            let boundary = page_size * rng.random_range(1..layout.n_pages as usize);
            let delta = rng.random_range(1..100);
            if rng.random_bool(0.5) { boundary - delta } else { boundary + delta }
        }
        _ => rng.random_range(0..200),
    };
    bytes.truncate(new_len);
    format!("truncated to {new_len} bytes")
}

/// A child pointer aimed at its own page, its parent, its tree's root, another tree's root,
/// page 1, or a page of another subtree.
fn child_cycle(bytes: &mut [u8], layout: &Layout, rng: &mut ChaCha8Rng) -> String {
    let interior: Vec<&BtreePage> = layout.pages.iter().filter(|p| !p.leaf).collect();
    let page = *pick(rng, &interior);
    let slots: Vec<usize> = page.cells.iter().filter_map(|c| c.child_at).chain(page.right_child_at).collect();
    let at = *pick(rng, &slots);
    let (target, why) = match rng.random_range(0..6) {
        0 => (page.pgno, "itself"),
        1 => (page.parent.unwrap_or(page.pgno), "its parent"),
        2 => (page.root, "its root"),
        3 => (*pick(rng, &layout.roots()), "a root"),
        4 => (1, "page 1"),
        _ => (some_btree_page(rng, layout), "a b-tree page"),
    };
    put_u32(bytes, at, target);
    format!("page {} child pointer at {at} -> {target} ({why})", page.pgno)
}

/// Two cell pointers made equal, a cell pointer moved into another cell or into the header,
/// or the first freeblock pointer aimed at a cell.
fn cell_overlap(bytes: &mut [u8], layout: &Layout, rng: &mut ChaCha8Rng) -> String {
    let pages: Vec<&BtreePage> = layout.pages.iter().filter(|p| p.cells.len() >= 2).collect();
    let page = *pick(rng, &pages);
    let page_at = layout.page_at(page.pgno);
    let i = rng.random_range(0..page.cells.len());
    let j = (i + rng.random_range(1..page.cells.len())) % page.cells.len();
    let (ci, cj) = (&page.cells[i], &page.cells[j]);
    let (at, value, why) = match rng.random_range(0..5) {
        0 => (cj.ptr_at, ci.at - page_at, "equal to another cell's"),
        1 => (cj.ptr_at, ci.at - page_at + rng.random_range(1..ci.size.max(2)), "inside another cell"),
        2 => (cj.ptr_at, rng.random_range(0..cj.ptr_at - page_at + 2), "inside the header or pointer array"),
        3 => (cj.ptr_at, layout.usable - rng.random_range(1..5), "at the end of the page"),
        _ => (page.header_at + 1, ci.at - page_at, "first freeblock on a cell"),
    };
    put_u16(bytes, at, value as u16);
    format!("page {} cell {j}: u16 at {at} = {value} ({why})", page.pgno)
}

/// A cell's payload-size or rowid varint overwritten by a run of 0xff (or 0x80) bytes.
fn bad_varint(bytes: &mut [u8], layout: &Layout, rng: &mut ChaCha8Rng) -> String {
    let fields: Vec<(u32, usize, &str)> = layout
        .pages
        .iter()
        .flat_map(|p| {
            p.cells.iter().flat_map(move |c| {
                let size = c.payload_size_at.map(|at| (p.pgno, at, "payload size"));
                let rowid = c.rowid_at.map(|at| (p.pgno, at, "rowid"));
                size.into_iter().chain(rowid)
            })
        })
        .collect();
    let &(pgno, at, field) = pick(rng, &fields);
    let run_len = rng.random_range(1..=9);
    let byte = *pick(rng, &[0xffu8, 0xff, 0x80]);
    let end = (at + run_len).min(bytes.len());
    bytes[at..end].fill(byte);
    format!("page {pgno} {field} varint at {at}: {run_len} x {byte:#04x}")
}

/// Freelist damage: a trunk's next pointer aimed at itself, another trunk or a leaf; a leaf
/// count out of range; a leaf entry naming a page in use or another leaf; the header's first
/// trunk aimed at a b-tree page.
fn freelist_loop(bytes: &mut [u8], layout: &Layout, rng: &mut ChaCha8Rng) -> String {
    let trunk = *pick(rng, &layout.trunks);
    let trunk_at = layout.page_at(trunk);
    let max_leaves = (layout.usable / 4 - 2) as u32;
    // Clamped: an earlier part of a combined variant may have damaged the count.
    let n_leaves = get_u32(bytes, trunk_at + 4).min(max_leaves);
    match rng.random_range(0..7) {
        0 => {
            put_u32(bytes, trunk_at, trunk);
            format!("trunk {trunk} next -> itself")
        }
        1 => {
            let other = *pick(rng, &layout.trunks);
            put_u32(bytes, trunk_at, other);
            format!("trunk {trunk} next -> trunk {other}")
        }
        2 if !layout.leaves.is_empty() => {
            let leaf = *pick(rng, &layout.leaves);
            put_u32(bytes, trunk_at, leaf);
            format!("trunk {trunk} next -> leaf {leaf}")
        }
        3 => {
            let count = *pick(rng, &[max_leaves + 1, max_leaves + 2, n_leaves + 1, u32::MAX, 0x8000_0000]);
            put_u32(bytes, trunk_at + 4, count);
            format!("trunk {trunk} leaf count {n_leaves} -> {count}")
        }
        4 | 5 if n_leaves > 0 => {
            let slot = rng.random_range(0..n_leaves as usize);
            let target = if rng.random_bool(0.5) {
                let options = [some_btree_page(rng, layout), 1, trunk, *pick(rng, &layout.roots())];
                *pick(rng, &options)
            } else {
                *pick(rng, &layout.leaves)
            };
            put_u32(bytes, trunk_at + 8 + 4 * slot, target);
            format!("trunk {trunk} leaf slot {slot} -> {target}")
        }
        _ => {
            let target = some_btree_page(rng, layout);
            put_u32(bytes, 32, target);
            format!("header first trunk -> b-tree page {target}")
        }
    }
}

/// Overflow damage: a chain page's next pointer aimed back into its chain (or at itself),
/// at a b-tree page or outside the file; a cell's first overflow pointer aimed elsewhere,
/// including at another cell's chain.
fn overflow_loop(bytes: &mut [u8], layout: &Layout, rng: &mut ChaCha8Rng) -> String {
    let chain = pick(rng, &layout.chains);
    let n = chain.pages.len();
    match rng.random_range(0..4) {
        0 => {
            // Not the last page: its next pointer is never followed by a reader.
            let k = rng.random_range(0..n.saturating_sub(1).max(1));
            let j = rng.random_range(0..=k);
            let (page, target) = (chain.pages[k], chain.pages[j]);
            put_u32(bytes, layout.page_at(page), target);
            format!("overflow page {page} (#{k} of {n}) next -> {target} (#{j})")
        }
        1 => {
            let k = rng.random_range(0..n);
            let page = chain.pages[k];
            let options = [some_btree_page(rng, layout), 1, 0, layout.n_pages + 1, u32::MAX];
            let target = *pick(rng, &options);
            put_u32(bytes, layout.page_at(page), target);
            format!("overflow page {page} (#{k} of {n}) next -> {target}")
        }
        2 => {
            let options =
                [some_btree_page(rng, layout), 1, 0, layout.n_pages + 1, chain.pages[n - 1], pick_free(rng, layout)];
            let target = *pick(rng, &options);
            put_u32(bytes, chain.first_ptr_at, target);
            format!("cell's first overflow pointer at {} -> {target}", chain.first_ptr_at)
        }
        _ => {
            let other = pick(rng, &layout.chains);
            let target = *pick(rng, &other.pages);
            put_u32(bytes, chain.first_ptr_at, target);
            format!("cell's first overflow pointer at {} -> {target} (another chain)", chain.first_ptr_at)
        }
    }
}

/// A page on the freelist (trunk or leaf).
fn pick_free(rng: &mut ChaCha8Rng, layout: &Layout) -> u32 {
    if layout.leaves.is_empty() || rng.random_bool(0.3) {
        *pick(rng, &layout.trunks)
    } else {
        *pick(rng, &layout.leaves)
    }
}

/// A header field rewritten: page count, freelist count and first trunk, schema cookie,
/// page size, reserved bytes, format versions, payload fractions, schema format and text
/// encoding, or the change counter (which makes the page count untrusted).
fn header_field(bytes: &mut [u8], layout: &Layout, rng: &mut ChaCha8Rng) -> String {
    let n = layout.n_pages;
    let n_free = (layout.trunks.len() + layout.leaves.len()) as u32;
    let field = rng.random_range(0..10);
    // Random candidates are drawn first, whether used or not, so the choice below is one draw.
    let (any_page, any_btree_page) = (rng.random_range(1..=n), some_btree_page(rng, layout));
    let (any_u32, any_u16, any_u8) =
        (rng.random::<u32>(), u32::from(rng.random::<u16>()), u32::from(rng.random::<u8>()));
    let (at, width, options): (usize, usize, Vec<u32>) = match field {
        0 => (28, 4, vec![0, n - 1, n + 1, 2 * n, u32::MAX, any_page]),
        1 => (36, 4, vec![0, n_free + 1, n_free.saturating_sub(1), n, n + 5, u32::MAX]),
        2 => (32, 4, vec![0, 1, any_page, n + 1, u32::MAX, any_btree_page]),
        3 => (40, 4, vec![any_u32]),
        4 => (16, 2, vec![any_u16, 0, 1, 256, 512, 1024, 2048, 4096, 65535]),
        5 => (20, 1, vec![any_u8, any_u8 % 40, 32, 33]),
        6 => (18 + rng.random_range(0..2), 1, vec![0, 1, 2, 3, 255]),
        7 => (rng.random_range(21..24), 1, vec![any_u8]),
        8 => (if rng.random_bool(0.5) { 44 } else { 56 }, 4, vec![0, 1, 2, 3, 4, 5, 6, any_u32]),
        _ => (24, 4, vec![any_u32]),
    };
    let value = *pick(rng, &options);
    let be = value.to_be_bytes();
    bytes[at..at + width].copy_from_slice(&be[4 - width..]);
    format!("header bytes {at}..{} = {value}", at + width)
}

/// A sqlite_schema row damaged: its rootpage aimed at another tree, page 0, page 1, past the
/// end, or at any page; two rows' rootpages swapped; or a byte of its type or SQL text changed.
fn schema_row(bytes: &mut [u8], layout: &Layout, rng: &mut ChaCha8Rng) -> String {
    let rows: Vec<_> = layout.schema.iter().filter(|r| r.root_value.is_some()).collect();
    let row = *pick(rng, &rows);
    let (root_at, width) = row.root_value.expect("filtered");
    let write_root = |bytes: &mut [u8], value: i64| {
        let be = value.to_be_bytes();
        bytes[root_at..root_at + width].copy_from_slice(&be[8 - width..]);
    };
    match rng.random_range(0..8) {
        0 => {
            let other = pick(rng, &rows).root;
            write_root(bytes, i64::from(other));
            format!("{} {} rootpage {} -> {other} (another tree)", row.kind, row.name, row.root)
        }
        1 => {
            write_root(bytes, 0);
            format!("{} {} rootpage {} -> 0", row.kind, row.name, row.root)
        }
        2 => {
            let past = i64::from(layout.n_pages) + rng.random_range(1..6);
            write_root(bytes, past);
            format!("{} {} rootpage {} -> {past} (past the end)", row.kind, row.name, row.root)
        }
        3 => {
            let options = [1, -1, i64::from(rng.random_range(1..=layout.n_pages))];
            let value = *pick(rng, &options);
            write_root(bytes, value);
            format!("{} {} rootpage {} -> {value}", row.kind, row.name, row.root)
        }
        4 => {
            let other = *pick(rng, &rows);
            let (other_at, other_width) = other.root_value.expect("filtered");
            let value = i64::from(other.root);
            write_root(bytes, value);
            let be = i64::from(row.root).to_be_bytes();
            bytes[other_at..other_at + other_width].copy_from_slice(&be[8 - other_width..]);
            format!("rootpages of {} and {} swapped", row.name, other.name)
        }
        5 => {
            let (at, len) = row.kind_text;
            let k = at + rng.random_range(0..len);
            bytes[k] = rng.random();
            format!("{} {} type text byte {k} = {:#04x}", row.kind, row.name, bytes[k])
        }
        _ => match row.sql_text {
            Some((at, len)) => {
                let k = at + rng.random_range(0..len);
                let options = [rng.random(), b' ', b',', b'(', b')', b'"', b'\'', 0];
                bytes[k] = *pick(rng, &options);
                format!("{} {} sql text byte {k} = {:#04x}", row.kind, row.name, bytes[k])
            }
            None => {
                write_root(bytes, i64::from(pick_free(rng, layout)));
                format!("{} {} rootpage {} -> a free page", row.kind, row.name, row.root)
            }
        },
    }
}

/// A b-tree page header damaged: its type byte changed to another valid type, its cell count
/// changed, its first freeblock aimed elsewhere, a freeblock made to loop or to claim a wrong
/// size, its content start or its fragmented-byte count rewritten.
fn page_header(bytes: &mut [u8], layout: &Layout, rng: &mut ChaCha8Rng) -> String {
    let page = pick(rng, &layout.pages);
    let (hdr, page_at) = (page.header_at, layout.page_at(page.pgno));
    let n_cell = page.cells.len() as u16;
    let first_free = usize::from(u16::from_be_bytes([bytes[hdr + 1], bytes[hdr + 2]]));
    let some_cell = page.cells.first().map_or(hdr - page_at + 8, |c| c.at - page_at);
    let what = match rng.random_range(0..7) {
        0 => {
            let old = bytes[hdr];
            let options: Vec<u8> = [0x02u8, 0x05, 0x0a, 0x0d].into_iter().filter(|&t| t != old).collect();
            bytes[hdr] = *pick(rng, &options);
            format!("type {old:#04x} -> {:#04x}", bytes[hdr])
        }
        1 => {
            let options = [0, n_cell.saturating_sub(1), n_cell + 1, n_cell + rng.random_range(2..20), u16::MAX];
            let value = *pick(rng, &options);
            put_u16(bytes, hdr + 3, value);
            format!("cell count {n_cell} -> {value}")
        }
        2 => {
            let options = [
                some_cell,
                layout.usable - 2,
                layout.usable - 4,
                rng.random_range(1..12),
                usize::from(rng.random::<u16>()),
            ];
            let value = *pick(rng, &options);
            put_u16(bytes, hdr + 1, value as u16);
            format!("first freeblock {first_free} -> {value}")
        }
        3 if first_free >= 4 && first_free + 4 <= layout.usable => {
            let at = page_at + first_free;
            if rng.random_bool(0.5) {
                let options = [first_free, some_cell, first_free + 1];
                let next = *pick(rng, &options);
                put_u16(bytes, at, next as u16);
                format!("freeblock at {first_free} next -> {next}")
            } else {
                let options = [0u16, 1, 3, (layout.usable - first_free + 1) as u16, u16::MAX];
                let size = *pick(rng, &options);
                put_u16(bytes, at + 2, size);
                format!("freeblock at {first_free} size -> {size}")
            }
        }
        4 => {
            let options = [0u16, 1, 8, (layout.usable - 1) as u16, layout.usable as u16, rng.random()];
            let value = *pick(rng, &options);
            put_u16(bytes, hdr + 5, value);
            format!("content start -> {value}")
        }
        5 => {
            let value = *pick(rng, &[255u8, 60, 4, 1]);
            bytes[hdr + 7] = value;
            format!("fragmented bytes -> {value}")
        }
        _ => {
            let value = u16::from(n_cell > 0) + rng.random_range(0..n_cell.max(1));
            put_u16(bytes, hdr + 3, value);
            format!("cell count {n_cell} -> {value}")
        }
    };
    format!("page {} header: {what}", page.pgno)
}

/// Shared subtrees: the root of a tree is rewritten as an interior page whose every child
/// pointer names the same page, itself rewritten the same way, for 2 to 8 levels; the last
/// level points into the original tree. The extra levels are the last leaves of the first
/// freelist trunk, taken off the freelist (so that writes do not reuse them). No page is its
/// own ancestor, but a scan would visit the bottom subtree (cells per level)^levels times.
fn pointer_dag(bytes: &mut [u8], layout: &Layout, rng: &mut ChaCha8Rng) -> String {
    let interior_roots: Vec<&BtreePage> =
        layout.pages.iter().filter(|p| p.pgno == p.root && p.pgno != 1 && !p.leaf).collect();
    let root = *pick(rng, &interior_roots);
    let int_key = bytes[root.header_at] == 0x05;
    let bottom = get_u32(bytes, root.cells[0].child_at.expect("interior"));
    let trunk_at = layout.page_at(layout.trunks[0]);
    let n_trunk_leaves = get_u32(bytes, trunk_at + 4) as usize;
    let n_levels = rng.random_range(2..=8).min(n_trunk_leaves + 1);
    let n_taken = n_levels - 1;
    let taken = (n_trunk_leaves - n_taken..n_trunk_leaves).map(|i| get_u32(bytes, trunk_at + 8 + 4 * i));
    let levels: Vec<u32> = std::iter::once(root.pgno).chain(taken).collect();
    put_u32(bytes, trunk_at + 4, (n_trunk_leaves - n_taken) as u32);
    put_u32(bytes, 36, get_u32(bytes, 36) - n_taken as u32);
    let n_cells = rng.random_range(2..=40usize);
    for (i, &pgno) in levels.iter().enumerate() {
        let child = levels.get(i + 1).copied().unwrap_or(bottom);
        let page_at = layout.page_at(pgno);
        let page = &mut bytes[page_at..page_at + layout.page_size];
        page.fill(0);
        page[0] = if int_key { 0x05 } else { 0x02 };
        let mut content_start = layout.usable;
        for k in 0..n_cells {
            // Table interior: child, rowid. Index interior: child, payload size, record (k, k).
            let key = k as u8 + 1;
            let cell: Vec<u8> = if int_key { vec![0, 0, 0, 0, key] } else { vec![0, 0, 0, 0, 5, 3, 1, 1, key, key] };
            content_start -= cell.len();
            page[content_start..content_start + cell.len()].copy_from_slice(&cell);
            put_u32(page, content_start, child);
            put_u16(page, 12 + 2 * k, content_start as u16);
        }
        put_u16(page, 3, n_cells as u16);
        put_u16(page, 5, content_start as u16);
        put_u32(page, 8, child);
    }
    format!("tree {}: {n_levels} levels of {n_cells} cells sharing one child each ({levels:?} -> {bottom})", root.pgno)
}
