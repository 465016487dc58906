//! L2: the allocated bytes of a page.
//!
//! Per role (the pages already agree at L1, so they play the same role):
//! - b-tree pages: the same allocated ranges ([`BtreePage::allocated`]: page header, cell
//!   pointers, cells, freeblock headers, reserved bytes) holding the same bytes; the gap,
//!   freeblock bodies and fragments are ignored;
//! - page 1 also: the database header, masked and checked by rule (see [`compare_db_header`]);
//! - overflow pages and freelist trunks: the used prefix (next pointer and payload; trunk
//!   header and leaf entries);
//! - freelist leaves and the lock-byte page: nothing (garbage by rule);
//! - unreachable pages and b-tree pages that do not decode: every byte.

use std::ops::Range;

use touchstone_engine::format::header::{HEADER_SIZE, get_u32, offset};

use crate::pages::{BtreePage, DbImage, Region, Role};

/// Header bytes compared by rule instead of by equality: the write/read versions (18, 19),
/// the change counter (24..28) and version-valid-for / version number (92..100).
fn header_byte_masked(at: usize) -> bool {
    matches!(at, 18 | 19 | 24..28 | 92..100)
}

/// The lowest and highest SQLITE_VERSION_NUMBER a SQLite 3 writer can store (3.x.y is
/// 3_00x_00y).
const PLAUSIBLE_VERSIONS: std::ops::RangeInclusive<u32> = 3_000_000..=3_999_999;

/// The masked header fields of one file checked by their rules: 18 and 19 are 1 (legacy) or
/// 2 (WAL); version-valid-for equals the change counter; the version number is plausible.
/// Entry: `header` holds at least 100 bytes.
fn check_masked_fields(header: &[u8]) -> Result<(), String> {
    for at in [18, 19] {
        if !matches!(header[at], 1 | 2) {
            return Err(format!("header byte {at} is {}, not 1 or 2", header[at]));
        }
    }
    let counter = get_u32(header, offset::CHANGE_COUNTER);
    let valid_for = get_u32(header, offset::VERSION_VALID_FOR);
    if counter != valid_for {
        return Err(format!("version-valid-for {valid_for} differs from the change counter {counter}"));
    }
    let version = get_u32(header, offset::VERSION_NUMBER);
    if !PLAUSIBLE_VERSIONS.contains(&version) {
        return Err(format!("version number {version} is not a SQLite 3 version"));
    }
    Ok(())
}

/// Compares two database headers (first 100 bytes of each file): every unmasked byte equal,
/// every masked field valid by its rule in each file. Returns what differs first.
pub fn compare_db_header(a: &[u8], b: &[u8]) -> Result<(), String> {
    let (a, b) = (&a[..HEADER_SIZE], &b[..HEADER_SIZE]);
    if let Some(at) = (0..HEADER_SIZE).find(|&i| !header_byte_masked(i) && a[i] != b[i]) {
        return Err(format!("database header byte {at} differs: {} vs {}", a[at], b[at]));
    }
    check_masked_fields(a).map_err(|e| format!("a: {e}"))?;
    check_masked_fields(b).map_err(|e| format!("b: {e}"))
}

/// Compares page `pgno` of `a` and `b` at L2. Entry: the pages agree at L1 (same role).
/// Returns what differs first.
pub fn compare_allocated(a: &DbImage<'_>, b: &DbImage<'_>, pgno: u32) -> Result<(), String> {
    let (page_a, page_b) = match (a.image.page(pgno), b.image.page(pgno)) {
        (Some(page_a), Some(page_b)) => (page_a, page_b),
        (None, None) => return Ok(()),
        _ => return Err("the page is missing on one side".to_string()),
    };
    if page_a.len() != page_b.len() {
        return Err(format!("page sizes differ: {} vs {}", page_a.len(), page_b.len()));
    }
    let (Some(info_a), Some(info_b)) = (a.map.info(pgno), b.map.info(pgno)) else {
        return Err("the page is missing on one side".to_string());
    };
    match info_a.role {
        Role::FreelistLeaf { .. } | Role::LockByte => Ok(()),
        Role::Overflow { .. } | Role::FreelistTrunk { .. } => {
            if info_a.used_bytes != info_b.used_bytes {
                return Err(format!("used bytes differ: {:?} vs {:?}", info_a.used_bytes, info_b.used_bytes));
            }
            let used = info_a.used_bytes.unwrap_or(page_a.len()).min(page_a.len());
            compare_range(page_a, page_b, 0..used, "used bytes")
        }
        Role::Tree { .. } => match (BtreePage::decode(&a.image, pgno), BtreePage::decode(&b.image, pgno)) {
            (Ok(tree_a), Ok(tree_b)) => compare_btree(page_a, page_b, &tree_a, &tree_b),
            _ => compare_whole(page_a, page_b, pgno),
        },
        Role::Unreachable => compare_whole(page_a, page_b, pgno),
    }
}

/// Two decoded b-tree pages: same allocated ranges, same bytes in them (page 1's database
/// header by [`compare_db_header`]).
fn compare_btree(page_a: &[u8], page_b: &[u8], tree_a: &BtreePage, tree_b: &BtreePage) -> Result<(), String> {
    let (ranges_a, ranges_b) = (tree_a.allocated(), tree_b.allocated());
    if let Some(i) = (0..ranges_a.len().max(ranges_b.len())).find(|&i| ranges_a.get(i) != ranges_b.get(i)) {
        let show = |r: Option<&(Region, Range<usize>)>| match r {
            Some((region, range)) => format!("{region:?} @{}..{}", range.start, range.end),
            None => "nothing".to_string(),
        };
        return Err(format!("allocated ranges differ: {} vs {}", show(ranges_a.get(i)), show(ranges_b.get(i))));
    }
    for (region, range) in ranges_a {
        if region == Region::DbHeader {
            compare_db_header(page_a, page_b)?;
        } else {
            compare_range(page_a, page_b, range, &format!("{region:?}"))?;
        }
    }
    Ok(())
}

/// Every byte of the page (page 1's database header by rule).
fn compare_whole(page_a: &[u8], page_b: &[u8], pgno: u32) -> Result<(), String> {
    let start = if pgno == 1 {
        compare_db_header(page_a, page_b)?;
        HEADER_SIZE
    } else {
        0
    };
    compare_range(page_a, page_b, start..page_a.len(), "page bytes")
}

/// The bytes `range` of both pages; the first differing offset on failure.
/// Entry: `range` lies within both pages.
fn compare_range(page_a: &[u8], page_b: &[u8], range: Range<usize>, what: &str) -> Result<(), String> {
    debug_assert!(range.end <= page_a.len() && range.end <= page_b.len());
    let (Some(a), Some(b)) = (page_a.get(range.clone()), page_b.get(range.clone())) else {
        return Err(format!("{what} @{}..{} lie outside the page", range.start, range.end));
    };
    match a.iter().zip(b).position(|(x, y)| x != y) {
        None => Ok(()),
        Some(i) => Err(format!(
            "{what} @{}..{} differ first at offset {}: {:02x} vs {:02x}",
            range.start,
            range.end,
            range.start + i,
            a[i],
            b[i]
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use touchstone_engine::format::header::{DbHeader, put_u32};

    /// A valid header as SQLite writes it after some commits.
    fn header() -> Vec<u8> {
        let mut h = DbHeader::new_database(4096);
        h.change_counter = 7;
        h.version_valid_for = 7;
        h.version_number = 3_054_001;
        h.page_count = 12;
        let mut bytes = vec![0u8; HEADER_SIZE];
        h.write(&mut bytes);
        bytes
    }

    #[test]
    fn every_unmasked_header_byte_counts() {
        let a = header();
        for at in (0..HEADER_SIZE).filter(|&i| !header_byte_masked(i)) {
            let mut b = a.clone();
            b[at] ^= 0x10;
            let err = compare_db_header(&a, &b).expect_err("a changed byte is a difference");
            assert!(err.contains(&format!("byte {at} ")), "{err}");
        }
        assert_eq!(compare_db_header(&a, &a), Ok(()));
    }

    #[test]
    fn masked_fields_are_checked_by_rule() {
        let a = header();
        let mut b = a.clone();
        put_u32(&mut b, 24, 8);
        put_u32(&mut b, 92, 8);
        put_u32(&mut b, 96, 3_045_000);
        b[18] = 2;
        b[19] = 2;
        assert_eq!(compare_db_header(&a, &b), Ok(()));
        let broken: [(usize, u32); 3] = [(24, 9), (92, 9), (96, 4_000_000)];
        for (at, value) in broken {
            let mut c = b.clone();
            put_u32(&mut c, at, value);
            assert!(compare_db_header(&a, &c).is_err(), "offset {at}");
        }
        for at in [18, 19] {
            let mut c = b.clone();
            c[at] = 3;
            assert!(compare_db_header(&c, &a).unwrap_err().starts_with("a: "));
        }
    }
}
