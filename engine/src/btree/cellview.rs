//! Cells and payloads read exactly as SQLite's own code reads them: the xParseCell functions
//! (btreeParseCellPtr, ...PtrIndex, ...PtrNoPayload), fetchPayload and accessPayload
//! (btree.c, 3.54), for `PRAGMA integrity_check`; and index cells compared with a search key
//! as sqlite3BtreeIndexMoveto compares them (indexCellCompare and its slow path), for every
//! index seek.
//!
//! The engine's everyday parser (`page.rs`) rejects a malformed cell outright. The integrity
//! check must instead see a damaged cell as SQLite does, because what SQLite then reports (or
//! fails on) depends on the exact values it derives: a 9-byte payload-size varint takes 7 bits
//! from its last byte here, the local part of a payload is cut at the end of the page rather
//! than refused, and an overflow chain is only followed as far as the bytes asked for.
//!
//! Bytes past the end of a page read as zero (SQLite would read whatever follows its page
//! buffer; the integrity check reports such a cell whatever those bytes are).

use super::cursor::Status;
use super::keycmp::{KeyInfo, UnpackedKey, compare_record_sqlite, compare_record_sqlite_generic};
use super::page::MemPage;
use super::{Btree, Cursor, Geometry};
use crate::ensure_corrupt;
use crate::error::Result;
use crate::error::corrupt_error;
use crate::format::header::get_u32;
use crate::pager::{PageRef, Pgno};
use std::cmp::Ordering;

/// The byte at `i`, or 0 past the end of the page.
#[inline]
pub(crate) fn byte(d: &[u8], i: usize) -> u8 {
    d.get(i).copied().unwrap_or(0)
}

/// A cell as SQLite's xParseCell functions see it (CellInfo).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawCell {
    /// The rowid on table pages.
    pub key: i64,
    /// Payload bytes in all (0 on table interior pages).
    pub payload: u32,
    /// Offset of the payload on the page.
    pub payload_at: usize,
    /// Payload bytes stored on the page.
    pub local: u32,
    /// Bytes the cell takes on the page (nSize).
    pub size: u32,
}

/// The kind of a b-tree page (decodeFlags): what its cells hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PageKind {
    pub leaf: bool,
    pub int_key: bool,
    pub max_local: u32,
    pub min_local: u32,
}

/// Reads a payload-size varint as SQLite's inlined getVarint32 loops do: up to 9 bytes, 7
/// bits from each (the 9th too, unlike a full varint), the value kept to 32 bits. Returns the
/// value and the offset after it.
pub(crate) fn payload_size_varint(d: &[u8], at: usize) -> (u32, usize) {
    let first = byte(d, at);
    let mut v = u64::from(first);
    let mut p = at;
    if first >= 0x80 {
        let end = at + 8;
        v &= 0x7f;
        loop {
            p += 1;
            let b = byte(d, p);
            v = (v << 7) | u64::from(b & 0x7f);
            if !(b >= 0x80 && p < end) {
                break;
            }
        }
    }
    (v as u32, p + 1)
}

/// Reads a full varint (sqlite3GetVarint): returns the value and the offset after it.
pub(crate) fn full_varint(d: &[u8], at: usize) -> (u64, usize) {
    let mut v: u64 = 0;
    for i in 0..8 {
        let b = byte(d, at + i);
        v = (v << 7) | u64::from(b & 0x7f);
        if b < 0x80 {
            return (v, at + i + 1);
        }
    }
    ((v << 8) | u64::from(byte(d, at + 8)), at + 9)
}

/// sqlite3GetVarint32 after the getVarint32 macro: a varint whose value is kept to 32 bits,
/// saturating at 0xffffffff when it is larger. Returns the value and its length in bytes.
pub(crate) fn varint32(d: &[u8], at: usize) -> (u32, usize) {
    let (v, end) = full_varint(d, at);
    (u32::try_from(v).unwrap_or(u32::MAX), end - at)
}

impl PageKind {
    /// The kind a page-type byte declares, or None for an invalid type (decodeFlags).
    pub fn of(flags: u8, geo: &Geometry) -> Option<PageKind> {
        use super::page::ptf;
        let (leaf, int_key) = match flags {
            ptf::TABLE_LEAF => (true, true),
            ptf::INDEX_LEAF => (true, false),
            ptf::TABLE_INTERIOR => (false, true),
            ptf::INDEX_INTERIOR => (false, false),
            _ => return None,
        };
        let (max_local, min_local) =
            if int_key { (geo.max_leaf, geo.min_leaf) } else { (geo.max_local, geo.min_local) };
        Some(PageKind { leaf, int_key, max_local, min_local })
    }

    /// Parses the cell at `pc` (btreeParseCellPtr, ...PtrIndex, ...PtrNoPayload).
    pub fn parse(&self, d: &[u8], pc: usize, usable: u32) -> RawCell {
        if self.int_key && !self.leaf {
            let (key, end) = full_varint(d, pc + 4);
            return RawCell { key: key as i64, payload: 0, payload_at: pc, local: 0, size: (end - pc) as u32 };
        }
        let (payload, mut p) = payload_size_varint(d, pc + if self.leaf { 0 } else { 4 });
        let mut key = i64::from(payload);
        if self.int_key {
            let (k, end) = full_varint(d, p);
            key = k as i64;
            p = end;
        }
        let header = (p - pc) as u32;
        if payload <= self.max_local {
            let size = (payload + header).max(4);
            RawCell { key, payload, payload_at: p, local: payload, size }
        } else {
            let surplus = self.min_local + (payload - self.min_local) % (usable - 4);
            let local = if surplus <= self.max_local { surplus } else { self.min_local };
            RawCell { key, payload, payload_at: p, local, size: header + local + 4 }
        }
    }
}

/// The payload of a cursor's current cell, read as SQLite's cursor reads it.
#[derive(Clone, Debug)]
pub(crate) struct PayloadView {
    /// The page holding the cell.
    pub page: PageRef,
    pub cell: RawCell,
    /// The bytes of the local payload that lie on the page (fetchPayload's amount: the local
    /// size, cut at the end of the page).
    pub sz_row: u32,
}

impl PayloadView {
    /// The byte `i` of the payload's local part and of what follows it on the page (SQLite
    /// reads a few bytes past a record header when it is damaged), 0 past the page.
    pub fn local_byte(&self, i: usize) -> u8 {
        byte(&self.page.data(), self.cell.payload_at + i)
    }

    /// Bytes `from..to` of the payload's local part and of what follows it on the page, 0
    /// past the page.
    pub fn local_bytes(&self, from: usize, to: usize) -> Vec<u8> {
        let d = self.page.data();
        let at = self.cell.payload_at;
        (from..to).map(|i| byte(&d, at + i)).collect()
    }

    /// Copies payload bytes `offset..offset + amt` (accessPayload): from the page, then along
    /// the overflow chain, fetching only the pages the range needs. Corrupt when the local
    /// part runs past the usable page, the chain names a page past the end of the database,
    /// or ends before the range does. Ranges longer than the whole file cannot be read
    /// without a cycle in the chain and are refused as corrupt (SQLite would follow the
    /// cycle), so no allocation exceeds the file's size.
    pub fn read(&self, bt: &mut Btree, offset: u32, amt: u32) -> Result<Vec<u8>> {
        let geo = bt.geometry();
        let usable = geo.usable_size;
        let c = &self.cell;
        ensure_corrupt!(
            c.payload_at as u64 <= u64::from(usable.saturating_sub(c.local)),
            "page {}: the cell's payload runs off the page",
            self.page.pgno()
        );
        ensure_corrupt!(
            u64::from(amt) <= u64::from(bt.page_count()) * u64::from(usable),
            "page {}: a payload range of {amt} bytes is larger than the file",
            self.page.pgno()
        );
        let mut out = Vec::with_capacity(amt as usize);
        let mut offset = offset;
        let mut amt = amt;
        if offset < c.local {
            let a = amt.min(c.local - offset);
            let d = self.page.data();
            let from = c.payload_at + offset as usize;
            out.extend((from..from + a as usize).map(|i| byte(&d, i)));
            offset = 0;
            amt -= a;
        } else {
            offset -= c.local;
        }
        if amt == 0 {
            return Ok(out);
        }
        let per_page = usable - 4;
        let mut next: Pgno = {
            let d = self.page.data();
            let at = c.payload_at + c.local as usize;
            u32::from_be_bytes([byte(&d, at), byte(&d, at + 1), byte(&d, at + 2), byte(&d, at + 3)])
        };
        let n_page = bt.page_count();
        while next != 0 {
            ensure_corrupt!(next <= n_page, "overflow page {next} is past the end of the database");
            let page = bt.pager_mut().get(next)?;
            let d = page.data();
            if offset >= per_page {
                offset -= per_page;
                next = get_u32(&d, 0);
                continue;
            }
            let a = amt.min(per_page - offset);
            let from = 4 + offset as usize;
            out.extend_from_slice(&d[from..from + a as usize]);
            next = get_u32(&d, 0);
            offset = 0;
            amt -= a;
            if amt == 0 {
                return Ok(out);
            }
        }
        Err(corrupt_error(format_args!("page {}: the overflow chain ends early", self.page.pgno())))
    }
}

impl PayloadView {
    /// The record as SQLite's opcodes hold it (sqlite3VdbeMemFromBtreeZeroOffset): in place
    /// when it lies on the page (with the page's next few bytes, which a damaged record's
    /// readers may reach: at most a varint or an integer past its end), else read along the
    /// chain.
    pub fn record_buffer(&self, bt: &mut Btree) -> Result<Vec<u8>> {
        if self.sz_row >= self.cell.payload {
            let d = self.page.data();
            let from = self.cell.payload_at.min(d.len());
            let to = (from + self.cell.payload as usize + 18).min(d.len());
            return Ok(d[from..to].to_vec());
        }
        self.read(bt, 0, self.cell.payload)
    }
}

impl Btree {
    /// The current cell of cursor `c` as SQLite's cursor sees it: its page, the cell parsed
    /// from the (masked) cell pointer, and the local payload's extent on the page.
    pub(crate) fn payload_view(&mut self, c: &Cursor) -> Result<PayloadView> {
        let cur = c.state();
        ensure_corrupt!(matches!(cur.status, Status::Valid), "the cursor is not on an entry");
        let level = cur.top();
        let page = level.page.page.clone();
        let geo = self.geometry();
        let (cell, sz_row) = {
            let d = page.data();
            let pc = level.page.cell_ptr(&d, level.ix);
            let kind = PageKind::of(d[level.page.hdr], &geo)
                .ok_or_else(|| corrupt_error(format_args!("page {}: invalid page type", level.page.pgno)))?;
            let cell = kind.parse(&d, pc, geo.usable_size);
            let room = d.len().saturating_sub(cell.payload_at) as u32;
            (cell, cell.local.min(room))
        };
        Ok(PayloadView { page, cell, sz_row })
    }
}

impl Btree {
    // ----- index cells compared as sqlite3BtreeIndexMoveto compares them -------------------

    /// Compares index cell `i` of `page` with `key` as sqlite3BtreeIndexMoveto does: in place
    /// when the payload is local with a one- or two-byte size (see `compare_local_cell`),
    /// else read whole along its overflow chain once its size passed SQLite's test (at
    /// least 2, and no more pages than the file has). Records are compared with SQLite's
    /// own comparators, damaged ones included: the fast paths sqlite3VdbeFindCompare picks
    /// for a record in place, sqlite3VdbeRecordCompare for one read whole.
    pub(crate) fn compare_cell(
        &mut self,
        page: &MemPage,
        i: usize,
        key: &UnpackedKey,
        info: &KeyInfo,
    ) -> Result<Ordering> {
        if let Some(c) = self.compare_local_cell(page, i, key, info)? {
            return Ok(c);
        }
        let geo = self.geo;
        let view = {
            let d = page.page.data();
            let pc = page.cell_ptr(&d, i);
            let kind = PageKind::of(d[page.hdr], &geo)
                .ok_or_else(|| corrupt_error(format_args!("page {}: invalid page type", page.pgno)))?;
            let cell = kind.parse(&d, pc, geo.usable_size);
            PayloadView { page: page.page.clone(), cell, sz_row: 0 }
        };
        let n = view.cell.payload;
        ensure_corrupt!(
            n >= 2 && n <= i32::MAX as u32 && n / geo.usable_size <= self.n_page,
            "page {}: index cell payload size {n} is impossible",
            page.pgno
        );
        let mut bytes = view.read(self, 0, n)?;
        bytes.resize(n as usize + 18, 0);
        // This path calls sqlite3VdbeRecordCompare itself, without the fast paths.
        compare_record_sqlite_generic(&bytes, n as usize, key, info)
    }

    /// Compares index cell `i` with `key` in place when its payload size is a one-byte varint
    /// of at most min(maxLocal, 127), or a two-byte one of at most maxLocal
    /// (indexCellCompare); None otherwise. The record is read where it lies, and past it
    /// into the rest of the page, as SQLite reads it.
    pub(crate) fn compare_local_cell(
        &self,
        page: &MemPage,
        i: usize,
        key: &UnpackedKey,
        info: &KeyInfo,
    ) -> Result<Option<Ordering>> {
        let d = page.page.data();
        let pc = page.cell_ptr(&d, i) + page.child_ptr_size;
        let b0 = byte(&d, pc);
        let (n, start) = if u32::from(b0) <= page.max_local.min(127) {
            (usize::from(b0), pc + 1)
        } else {
            let b1 = byte(&d, pc + 1);
            let n = (usize::from(b0 & 0x7f) << 7) + usize::from(b1);
            if b1 & 0x80 != 0 || n > page.max_local as usize {
                return Ok(None);
            }
            (n, pc + 2)
        };
        compare_record_sqlite(d.get(start..).unwrap_or(&[]), n, key, info).map(Some)
    }
}
