//! The 100-byte database header at the start of page 1.
//!
//! ```text
//! offset size  field
//!   0     16   "SQLite format 3\0"
//!  16      2   page size (1 means 65536)
//!  18      1   file format write version (1 legacy, 2 WAL)
//!  19      1   file format read version (1 legacy, 2 WAL)
//!  20      1   reserved bytes at the end of each page
//!  21      1   max embedded payload fraction, must be 64
//!  22      1   min embedded payload fraction, must be 32
//!  23      1   leaf payload fraction, must be 32
//!  24      4   file change counter
//!  28      4   database size in pages (valid when 92..96 equals 24..28)
//!  32      4   first freelist trunk page
//!  36      4   total freelist pages
//!  40      4   schema cookie
//!  44      4   schema format number (1..=4)
//!  48      4   default page cache size
//!  52      4   largest root b-tree page (auto-vacuum), else 0
//!  56      4   text encoding (1 UTF-8, 2 UTF-16le, 3 UTF-16be)
//!  60      4   user version
//!  64      4   incremental vacuum mode
//!  68      4   application id
//!  72     20   reserved, zero
//!  92      4   version-valid-for (the change counter when 96..100 was written)
//!  96      4   SQLITE_VERSION_NUMBER of the last writer
//! ```
//! All integers are big-endian.

use crate::error::{Error, ErrorCode, Result};

/// Bytes in the header.
pub const HEADER_SIZE: usize = 100;
/// The magic string at offset 0.
pub const MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// The SQLite version the engine writes at offset 96: the version whose file format it follows
/// (SQLite 3.54.1), so that headers compare equal to the reference's.
pub const SQLITE_VERSION_NUMBER: u32 = 3_054_001;
/// Smallest and largest page sizes.
pub const MIN_PAGE_SIZE: u32 = 512;
pub const MAX_PAGE_SIZE: u32 = 65536;
/// SQLite's default page size.
pub const DEFAULT_PAGE_SIZE: u32 = 4096;

/// Offsets of the fields that the pager and b-tree update in place.
pub mod offset {
    pub const CHANGE_COUNTER: usize = 24;
    pub const PAGE_COUNT: usize = 28;
    pub const FREELIST_TRUNK: usize = 32;
    pub const FREELIST_COUNT: usize = 36;
    pub const SCHEMA_COOKIE: usize = 40;
    pub const SCHEMA_FORMAT: usize = 44;
    pub const DEFAULT_CACHE_SIZE: usize = 48;
    pub const LARGEST_ROOT: usize = 52;
    pub const TEXT_ENCODING: usize = 56;
    pub const USER_VERSION: usize = 60;
    pub const INCREMENTAL_VACUUM: usize = 64;
    pub const APPLICATION_ID: usize = 68;
    pub const VERSION_VALID_FOR: usize = 92;
    pub const VERSION_NUMBER: usize = 96;
}

/// Reads the big-endian u32 at `off`.
#[inline]
pub fn get_u32(buf: &[u8], off: usize) -> u32 {
    u32::from_be_bytes([buf[off], buf[off + 1], buf[off + 2], buf[off + 3]])
}

/// Writes `v` big-endian at `off`.
#[inline]
pub fn put_u32(buf: &mut [u8], off: usize, v: u32) {
    buf[off..off + 4].copy_from_slice(&v.to_be_bytes());
}

/// Reads the big-endian u16 at `off`.
#[inline]
pub fn get_u16(buf: &[u8], off: usize) -> u16 {
    u16::from_be_bytes([buf[off], buf[off + 1]])
}

/// Writes `v` big-endian at `off`.
#[inline]
pub fn put_u16(buf: &mut [u8], off: usize, v: u16) {
    buf[off..off + 2].copy_from_slice(&v.to_be_bytes());
}

/// Decodes the page-size field (1 means 65536). Returns `None` when it is not a power of two
/// in 512..=65536.
pub fn decode_page_size(raw: u16) -> Option<u32> {
    let size = if raw == 1 { 65536 } else { u32::from(raw) };
    (size.is_power_of_two() && (MIN_PAGE_SIZE..=MAX_PAGE_SIZE).contains(&size)).then_some(size)
}

/// Encodes a page size for offset 16.
pub fn encode_page_size(page_size: u32) -> u16 {
    debug_assert!(decode_page_size(if page_size == 65536 { 1 } else { page_size as u16 }).is_some());
    if page_size == 65536 { 1 } else { page_size as u16 }
}

/// The decoded header of a database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbHeader {
    pub page_size: u32,
    pub write_version: u8,
    pub read_version: u8,
    pub reserved_bytes: u8,
    pub change_counter: u32,
    /// The in-header page count (trust it only when [`DbHeader::page_count_valid`]).
    pub page_count: u32,
    pub freelist_trunk: u32,
    pub freelist_count: u32,
    pub schema_cookie: u32,
    pub schema_format: u32,
    pub default_cache_size: u32,
    pub largest_root: u32,
    pub text_encoding: u32,
    pub user_version: u32,
    pub incremental_vacuum: u32,
    pub application_id: u32,
    pub version_valid_for: u32,
    pub version_number: u32,
}

impl DbHeader {
    /// Parses and validates the header in `page1` (at least 100 bytes).
    ///
    /// Errors: `NotADb` when the magic, the page size or the read version is wrong; `Corrupt`
    /// for fields SQLite refuses (payload fractions, usable size below 480).
    pub fn parse(page1: &[u8]) -> Result<DbHeader> {
        if page1.len() < HEADER_SIZE || &page1[..16] != MAGIC {
            return Err(Error::new(ErrorCode::NotADb, "file is not a database"));
        }
        let page_size = decode_page_size(get_u16(page1, 16))
            .ok_or_else(|| Error::new(ErrorCode::NotADb, "file is not a database: bad page size"))?;
        let h = DbHeader {
            page_size,
            write_version: page1[18],
            read_version: page1[19],
            reserved_bytes: page1[20],
            change_counter: get_u32(page1, 24),
            page_count: get_u32(page1, 28),
            freelist_trunk: get_u32(page1, 32),
            freelist_count: get_u32(page1, 36),
            schema_cookie: get_u32(page1, 40),
            schema_format: get_u32(page1, 44),
            default_cache_size: get_u32(page1, 48),
            largest_root: get_u32(page1, 52),
            text_encoding: get_u32(page1, 56),
            user_version: get_u32(page1, 60),
            incremental_vacuum: get_u32(page1, 64),
            application_id: get_u32(page1, 68),
            version_valid_for: get_u32(page1, 92),
            version_number: get_u32(page1, 96),
        };
        // lockBtree answers SQLITE_NOTADB for both.
        if page1[21] != 64 || page1[22] != 32 || page1[23] != 32 {
            return Err(Error::new(ErrorCode::NotADb, "file is not a database: payload fractions are not 64/32/32"));
        }
        if h.usable_size() < 480 {
            return Err(Error::new(
                ErrorCode::NotADb,
                format!("file is not a database: usable page size {} is below 480", h.usable_size()),
            ));
        }
        if h.read_version > 2 {
            // lockBtree: a read version SQLite does not know is SQLITE_NOTADB.
            return Err(Error::new(
                ErrorCode::NotADb,
                format!("file is not a database: file format read version {}", h.read_version),
            ));
        }
        Ok(h)
    }

    /// The header of a new, empty database (SQLite's `newDatabase` plus the fields the first
    /// CREATE sets: schema format 4, UTF-8).
    pub fn new_database(page_size: u32) -> DbHeader {
        DbHeader {
            page_size,
            write_version: 1,
            read_version: 1,
            reserved_bytes: 0,
            change_counter: 0,
            page_count: 1,
            freelist_trunk: 0,
            freelist_count: 0,
            schema_cookie: 0,
            schema_format: 0,
            default_cache_size: 0,
            largest_root: 0,
            text_encoding: 0,
            user_version: 0,
            incremental_vacuum: 0,
            application_id: 0,
            version_valid_for: 0,
            version_number: 0,
        }
    }

    /// Bytes of each page available to the b-tree (page size minus reserved bytes).
    pub fn usable_size(&self) -> u32 {
        self.page_size - u32::from(self.reserved_bytes)
    }

    /// True when the in-header page count may be trusted (SQLite 3.7.0's rule: non-zero and
    /// written by a writer that also maintained the change counter).
    pub fn page_count_valid(&self) -> bool {
        self.page_count != 0 && self.change_counter == self.version_valid_for
    }

    /// Writes every field into the first 100 bytes of `page1`.
    pub fn write(&self, page1: &mut [u8]) {
        page1[..16].copy_from_slice(MAGIC);
        put_u16(page1, 16, encode_page_size(self.page_size));
        page1[18] = self.write_version;
        page1[19] = self.read_version;
        page1[20] = self.reserved_bytes;
        page1[21] = 64;
        page1[22] = 32;
        page1[23] = 32;
        put_u32(page1, 24, self.change_counter);
        put_u32(page1, 28, self.page_count);
        put_u32(page1, 32, self.freelist_trunk);
        put_u32(page1, 36, self.freelist_count);
        put_u32(page1, 40, self.schema_cookie);
        put_u32(page1, 44, self.schema_format);
        put_u32(page1, 48, self.default_cache_size);
        put_u32(page1, 52, self.largest_root);
        put_u32(page1, 56, self.text_encoding);
        put_u32(page1, 60, self.user_version);
        put_u32(page1, 64, self.incremental_vacuum);
        put_u32(page1, 68, self.application_id);
        page1[72..92].fill(0);
        put_u32(page1, 92, self.version_valid_for);
        put_u32(page1, 96, self.version_number);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_validation() {
        for ps in [512u32, 1024, 4096, 65536] {
            let h = DbHeader::new_database(ps);
            let mut page = vec![0u8; ps as usize];
            h.write(&mut page);
            assert_eq!(DbHeader::parse(&page).unwrap(), h);
        }
        let mut page = vec![0u8; 512];
        DbHeader::new_database(512).write(&mut page);
        page[16] = 0x03; // 0x0300 = 768, not a power of two
        assert_eq!(DbHeader::parse(&page).unwrap_err().code(), ErrorCode::NotADb);
        DbHeader::new_database(512).write(&mut page);
        page[21] = 65;
        assert_eq!(DbHeader::parse(&page).unwrap_err().code(), ErrorCode::NotADb);
        DbHeader::new_database(512).write(&mut page);
        page[20] = 40; // usable 472 < 480
        assert_eq!(DbHeader::parse(&page).unwrap_err().code(), ErrorCode::NotADb);
    }
}
