//! Cell construction and payload access, including overflow chains.
//!
//! ```text
//! overflow page: u32 next overflow page (0 on the last), then usable_size − 4 payload bytes
//! ```
//! A payload larger than the page's `max_local` keeps `local_payload_size` bytes in the cell,
//! followed by the number of the first overflow page; the rest fills overflow pages in order.
//! The number of overflow pages is always ceil((payload − local) / (usable − 4)), so readers
//! follow exactly that many links and a cycle in a corrupt chain cannot loop forever.

use super::Btree;
use super::page::{CellInfo, MemPage, local_payload_size};
use crate::ensure_corrupt;
use crate::error::Result;
use crate::format::header::{get_u32, put_u32};
use crate::format::varint::push_varint;
use crate::pager::{PageRef, Pgno};

/// The largest payload the engine accepts (SQLite's default SQLITE_MAX_LENGTH).
pub const MAX_PAYLOAD_BYTES: usize = 1_000_000_000;

/// What a new cell carries.
#[derive(Clone, Copy, Debug)]
pub enum CellContent<'a> {
    /// A table row: its rowid and record.
    Row { rowid: i64, data: &'a [u8] },
    /// An index entry: its key record.
    Key(&'a [u8]),
}

impl Btree {
    /// Builds the cell for `content` as it will sit on `page` (fillInCell) in `cell`, which
    /// must be empty: header, local payload, and when the payload does not fit, overflow
    /// pages allocated one after the other (each near the previous one) and filled, with the
    /// first one's number ending the cell. Interior index cells get a zero child pointer for
    /// the caller to fill.
    pub(crate) fn fill_in_cell(&mut self, page: &MemPage, content: CellContent<'_>, cell: &mut Vec<u8>) -> Result<()> {
        debug_assert!(cell.is_empty());
        let payload = match content {
            CellContent::Row { data, .. } => data,
            CellContent::Key(k) => k,
        };
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(crate::Error::new(crate::ErrorCode::TooBig, "string or blob too big"));
        }
        let n_payload = payload.len() as u32;
        cell.reserve(payload.len().min(page.max_local as usize) + 24);
        cell.resize(page.child_ptr_size, 0);
        push_varint(cell, u64::from(n_payload));
        if let CellContent::Row { rowid, .. } = content {
            push_varint(cell, rowid as u64);
        }
        if n_payload <= page.max_local {
            cell.extend_from_slice(payload);
            if cell.len() < 4 {
                cell.resize(4, 0);
            }
            return Ok(());
        }
        let usable = self.geo.usable();
        let local = local_payload_size(n_payload, page.max_local, page.min_local, usable) as usize;
        cell.extend_from_slice(&payload[..local]);
        let ptr_at = cell.len();
        cell.extend_from_slice(&[0; 4]);
        let mut rest = &payload[local..];
        let mut prev: Option<PageRef> = None;
        let mut prev_pgno: Pgno = 0;
        while !rest.is_empty() {
            let (ovfl, pgno) = self.allocate_page(prev_pgno, false)?;
            match &prev {
                None => put_u32(cell, ptr_at, pgno),
                Some(p) => put_u32(&mut p.data_mut(), 0, pgno),
            }
            let n = rest.len().min(usable - 4);
            {
                let mut d = ovfl.data_mut();
                put_u32(&mut d, 0, 0);
                d[4..4 + n].copy_from_slice(&rest[..n]);
            }
            rest = &rest[n..];
            prev = Some(ovfl);
            prev_pgno = pgno;
        }
        Ok(())
    }

    /// Frees the overflow chain of the cell at `pc` on `page` (clearCellOverflow). Every page
    /// of the chain but the last is read to find the next; the last is freed unread.
    pub(crate) fn clear_cell_overflow(&mut self, page: &MemPage, pc: usize, info: &CellInfo) -> Result<()> {
        if !info.has_overflow() {
            return Ok(());
        }
        let usable = self.geo.usable();
        ensure_corrupt!(pc + usize::from(info.size) <= usable, "page {}: cell runs off the page", page.pgno);
        let mut ovfl = get_u32(&page.page.data(), pc + usize::from(info.size) - 4);
        let per_page = (usable - 4) as u64;
        let mut n_ovfl = (u64::from(info.payload_size) - u64::from(info.local_size)).div_ceil(per_page);
        while n_ovfl > 0 {
            n_ovfl -= 1;
            ensure_corrupt!(ovfl >= 2 && ovfl <= self.n_page, "overflow page {ovfl} is outside the database");
            let (handle, next) = if n_ovfl > 0 {
                let p = self.pager.get(ovfl)?;
                let next = get_u32(&p.data(), 0);
                (Some(p), next)
            } else {
                (self.pager.lookup(ovfl), 0)
            };
            if let Some(h) = &handle {
                ensure_corrupt!(self.pager.outside_refs(h) == 1, "overflow page {ovfl} is in use elsewhere");
            }
            self.free_page(handle.as_ref(), ovfl)?;
            ovfl = next;
        }
        Ok(())
    }

    /// The complete payload of the cell at `pc` on `page`, following its overflow chain.
    pub(crate) fn read_payload(&mut self, page: &MemPage, pc: usize, info: &CellInfo) -> Result<Vec<u8>> {
        let usable = self.geo.usable();
        let start = pc + usize::from(info.payload_offset);
        // A payload needing more overflow pages than the file has is corrupt; checking first
        // keeps a bad size field from allocating gigabytes.
        let overflow_bytes = info.payload_size as u64 - u64::from(info.local_size);
        ensure_corrupt!(
            overflow_bytes.div_ceil(usable as u64 - 4) <= u64::from(self.n_page),
            "page {}: payload of {} bytes cannot fit in the file",
            page.pgno,
            info.payload_size
        );
        let mut out = Vec::with_capacity(info.payload_size as usize);
        {
            let d = page.page.data();
            out.extend_from_slice(&d[start..start + usize::from(info.local_size)]);
        }
        if !info.has_overflow() {
            return Ok(out);
        }
        let mut ovfl = get_u32(&page.page.data(), start + usize::from(info.local_size));
        let mut remaining = info.payload_size as usize - usize::from(info.local_size);
        while remaining > 0 {
            ensure_corrupt!(ovfl >= 2 && ovfl <= self.n_page, "overflow page {ovfl} is outside the database");
            let p = self.pager.get(ovfl)?;
            let d = p.data();
            let n = remaining.min(usable - 4);
            out.extend_from_slice(&d[4..4 + n]);
            remaining -= n;
            ovfl = get_u32(&d, 0);
        }
        Ok(out)
    }
}

impl Btree {
    /// The values of the first `n` fields of the current entry of cursor `c` (NULL for a
    /// field past the record's end), read as SQLite's OP_Column reads them: the local payload,
    /// then the overflow chain only as far as the header and those fields reach. A row whose
    /// other columns overflow costs no overflow page here (sqlite3RefillIndex reads just the
    /// indexed columns of each row).
    pub(crate) fn leading_fields(&mut self, c: &super::Cursor, n: usize) -> Result<Vec<crate::format::Value>> {
        use crate::format::record::{decode_value, parse_header_of, serial_type_size};
        use crate::format::varint::{MAX_VARINT_BYTES, read_varint};
        let mut record = Vec::new();
        let mut rest = self.payload_start(c, &mut record)?;
        // The header's size is a varint of at most 9 bytes; then the header itself.
        self.payload_more(&mut rest, &mut record, MAX_VARINT_BYTES)?;
        let header_size = read_varint(&record).map(|(size, _)| size).unwrap_or(0);
        if header_size <= u64::from(rest.payload_size) {
            self.payload_more(&mut rest, &mut record, header_size as usize)?;
        }
        let mut header = Vec::new();
        parse_header_of(&record, rest.payload_size as usize, &mut header)?;
        header.truncate(n);
        let end = header.last().map_or(0, |&(t, off)| off.saturating_add(serial_type_size(t) as usize));
        self.payload_more(&mut rest, &mut record, end)?;
        let mut values: Vec<crate::format::Value> = Vec::with_capacity(n);
        for &(t, off) in &header {
            values.push(decode_value(t, record.get(off..).unwrap_or(&[]))?.to_owned());
        }
        values.resize(n, crate::format::Value::Null);
        Ok(values)
    }
}
