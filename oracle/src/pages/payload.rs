//! Payload: how much of a cell's payload is stored on its b-tree page, and the overflow chain
//! that holds the rest.
//!
//! With U the usable page size (`btreeParseCellAdjustSizeForOverflow`, `sqlite3BtreeOpen`):
//!
//! ```text
//! table leaf:  max_local = U - 35                 min_local = (U - 12) * 32 / 255 - 23
//! index pages: max_local = (U - 12) * 64 / 255 - 23   min_local = (same as table leaf)
//! payload P <= max_local: all local.
//! otherwise:   K = min_local + (P - min_local) % (U - 4); local = K if K <= max_local else min_local
//! ```
//!
//! The cell then ends with the 4-byte number of the first overflow page. Each overflow page
//! is a 4-byte next-page number (0 on the last page) followed by up to U - 4 payload bytes;
//! the last page holds only the remainder.

use std::collections::HashSet;

use touchstone_engine::format::Value;
use touchstone_engine::format::header::get_u32;
use touchstone_engine::format::record::Record;

use super::btree::{Cell, PageType};
use super::image::Image;

/// The most payload bytes a cell may store on its page.
pub fn max_local_bytes(page_type: PageType, usable_size_bytes: u32) -> u64 {
    let u = u64::from(usable_size_bytes);
    if page_type.is_table() { u - 35 } else { (u - 12) * 64 / 255 - 23 }
}

/// The fewest payload bytes a cell with overflow stores on its page.
pub fn min_local_bytes(usable_size_bytes: u32) -> u64 {
    (u64::from(usable_size_bytes) - 12) * 32 / 255 - 23
}

/// The payload bytes stored on the b-tree page for a payload of `payload_bytes`.
/// Entry: `usable_size_bytes >= 480` (so every term above is positive).
pub fn local_payload_bytes(page_type: PageType, usable_size_bytes: u32, payload_bytes: u64) -> u64 {
    debug_assert!(usable_size_bytes >= 480);
    let max_local = max_local_bytes(page_type, usable_size_bytes);
    if payload_bytes <= max_local {
        return payload_bytes;
    }
    let min_local = min_local_bytes(usable_size_bytes);
    let surplus = min_local + (payload_bytes - min_local) % (u64::from(usable_size_bytes) - 4);
    let local = if surplus <= max_local { surplus } else { min_local };
    debug_assert!(local <= max_local && local < payload_bytes);
    local
}

/// The number of overflow pages a payload of `payload_bytes` with `local_bytes` on its page
/// needs.
pub fn overflow_page_count(usable_size_bytes: u32, payload_bytes: u64, local_bytes: u64) -> u64 {
    let per_page = u64::from(usable_size_bytes) - 4;
    payload_bytes.saturating_sub(local_bytes).div_ceil(per_page)
}

/// One page of an overflow chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OverflowLink {
    pub pgno: u32,
    /// 0-based position in the chain.
    pub position: u32,
    /// Payload bytes this page holds (after its 4-byte next pointer).
    pub payload_bytes: u32,
    /// The next-page number stored on this page.
    pub next: u32,
}

/// Walks the overflow chain of `cell`, calling `visit` for each page in order, and returns
/// the problems found (empty when the chain is exactly as long as the payload needs and ends
/// with 0).
///
/// Bounded: the chain length needed by the payload is checked against the page count before
/// the walk, and the walk stops at the first page out of range, visited twice (a loop), or
/// beyond the needed length. `visit` returns false to stop early.
pub fn walk_overflow_chain(image: &Image<'_>, cell: &Cell, mut visit: impl FnMut(OverflowLink) -> bool) -> Vec<String> {
    let mut problems = Vec::new();
    let Some(first) = cell.first_overflow else {
        return problems;
    };
    let usable = image.usable_size_bytes();
    let needed_pages = overflow_page_count(usable, cell.payload_bytes, cell.local.len() as u64);
    if needed_pages > u64::from(image.page_count()) {
        problems.push(format!(
            "payload of {} bytes needs {needed_pages} overflow pages; the file has {}",
            cell.payload_bytes,
            image.page_count()
        ));
        return problems;
    }
    let mut remaining = cell.payload_bytes - cell.local.len() as u64;
    let mut visited = HashSet::new();
    let mut pgno = first;
    let mut position = 0u32;
    while u64::from(position) < needed_pages {
        let Some(page) = image.page(pgno) else {
            problems.push(format!("overflow page {position} of the chain is page {pgno}, outside the file"));
            return problems;
        };
        if !visited.insert(pgno) {
            problems.push(format!("overflow chain loops back to page {pgno}"));
            return problems;
        }
        let on_page = remaining.min(u64::from(usable) - 4);
        let link = OverflowLink { pgno, position, payload_bytes: on_page as u32, next: get_u32(page, 0) };
        remaining -= on_page;
        if !visit(link) {
            return problems;
        }
        pgno = link.next;
        position += 1;
    }
    debug_assert_eq!(remaining, 0);
    if pgno != 0 {
        problems
            .push(format!("overflow chain continues to page {pgno} after the {needed_pages} pages its payload needs"));
    }
    problems
}

/// The complete payload of `cell`: its local bytes on `page` followed by its overflow chain.
/// Errors when the chain is broken (see [`walk_overflow_chain`]). Allocation is bounded by
/// the file size: the payload length was checked against the page count first.
pub fn read_payload(image: &Image<'_>, page: &[u8], cell: &Cell) -> Result<Vec<u8>, String> {
    let local = page.get(cell.local.clone()).ok_or_else(|| "cell's local payload is outside its page".to_string())?;
    if cell.first_overflow.is_none() {
        return Ok(local.to_vec());
    }
    let mut payload = Vec::new();
    let mut chunks: Vec<(u32, u32)> = Vec::new();
    let problems = walk_overflow_chain(image, cell, |link| {
        chunks.push((link.pgno, link.payload_bytes));
        true
    });
    if let Some(first) = problems.into_iter().next() {
        return Err(first);
    }
    // The chain is complete: its pages' payload bytes sum to payload - local.
    payload.reserve_exact(cell.payload_bytes as usize);
    payload.extend_from_slice(local);
    for (pgno, bytes) in chunks {
        let Some(page) = image.page(pgno) else {
            return Err(format!("overflow page {pgno} vanished"));
        };
        payload.extend_from_slice(&page[4..4 + bytes as usize]);
    }
    debug_assert_eq!(payload.len() as u64, cell.payload_bytes);
    Ok(payload)
}

/// The values of the record `payload`, or why it does not parse.
pub fn decode_record(payload: &[u8]) -> Result<Vec<Value>, String> {
    Record::parse(payload).map(|r| r.to_values()).map_err(|e| format!("record does not parse: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_matches_the_notes_at_4096() {
        // sqlite-format-notes.md: at 4096, table X = 4061, index X = 1002, M = 489.
        assert_eq!(max_local_bytes(PageType::TableLeaf, 4096), 4061);
        assert_eq!(max_local_bytes(PageType::IndexLeaf, 4096), 1002);
        assert_eq!(min_local_bytes(4096), 489);
        assert_eq!(local_payload_bytes(PageType::TableLeaf, 4096, 4061), 4061);
        // P = 4062: K = 489 + (4062 - 489) % 4092 = 4062 > 4061, so M.
        assert_eq!(local_payload_bytes(PageType::TableLeaf, 4096, 4062), 489);
        // P = 10000: K = 489 + 9511 % 4092 = 489 + 1327 = 1816.
        assert_eq!(local_payload_bytes(PageType::TableLeaf, 4096, 10_000), 1816);
        assert_eq!(overflow_page_count(4096, 10_000, 1816), 2);
        // Index, P = 1003: K = 489 + 514 = 1003 > 1002, so M; P = 5000: K = 489 + 419 = 908.
        assert_eq!(local_payload_bytes(PageType::IndexLeaf, 4096, 1003), 489);
        assert_eq!(local_payload_bytes(PageType::IndexLeaf, 4096, 5000), 908);
    }
}
