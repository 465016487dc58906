//! A database file image: the header fields needed to address pages, and page access.
//!
//! The image is the whole file as bytes (`&[u8]`), written by anyone: real SQLite, the engine,
//! or a fault injector. Nothing here trusts it: every field is range-checked, and what is wrong
//! becomes a [`Problem`], never a panic.
//!
//! Page numbers start at 1; page `n` occupies bytes `(n-1)*page_size .. n*page_size`. Page 1
//! begins with the 100-byte database header (layout in `touchstone_engine::format::header`),
//! and its b-tree page header follows at offset 100.

use std::fmt;

use touchstone_engine::format::header::{HEADER_SIZE, MAGIC, decode_page_size, get_u16, get_u32, offset};

/// SQLite's PENDING_BYTE: the byte offset of the lock bytes. The page holding it (the
/// "lock-byte page") is never used for content.
pub const PENDING_BYTE: u64 = 0x4000_0000;

/// The smallest usable page size SQLite accepts (a database header with less is corrupt).
pub const MIN_USABLE_SIZE: u32 = 480;

/// Something wrong found in an image: the page it concerns and a sentence saying what.
/// File-level problems (header fields, file length) are reported on page 1, where the header
/// lives.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub pgno: u32,
    pub text: String,
}

impl Problem {
    /// A problem on page `pgno`.
    pub fn new(pgno: u32, text: impl Into<String>) -> Problem {
        Problem { pgno, text: text.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "page {}: {}", self.pgno, self.text)
    }
}

/// A database image whose page size is known, so that its pages can be addressed.
#[derive(Clone, Debug)]
pub struct Image<'a> {
    bytes: &'a [u8],
    page_size_bytes: u32,
    usable_size_bytes: u32,
    page_count: u32,
    problems: Vec<Problem>,
}

impl<'a> Image<'a> {
    /// Reads the header fields that address pages: magic, page size, reserved bytes; and the
    /// page count.
    ///
    /// The page count follows SQLite (`lockBtree`): the in-header count (offset 28) when it is
    /// valid (non-zero and 92..96 equals 24..28) and no larger than the file; else the number
    /// of whole pages in the file. Disagreements, a trailing partial page and header fields
    /// SQLite refuses (payload fractions) are recorded as problems on page 1.
    ///
    /// Errors (nothing can be addressed): a file shorter than the header, a wrong magic
    /// string, a page size that is not a power of two in 512..=65536, a usable size below 480.
    pub fn new(bytes: &'a [u8]) -> Result<Image<'a>, Problem> {
        if bytes.len() < HEADER_SIZE {
            return Err(Problem::new(1, format!("file of {} bytes is shorter than the database header", bytes.len())));
        }
        if &bytes[..16] != MAGIC {
            return Err(Problem::new(1, "no \"SQLite format 3\" magic string"));
        }
        let raw_page_size = get_u16(bytes, 16);
        let Some(page_size_bytes) = decode_page_size(raw_page_size) else {
            return Err(Problem::new(1, format!("invalid page size field {raw_page_size}")));
        };
        let reserved_bytes = u32::from(bytes[20]);
        let usable_size_bytes = page_size_bytes - reserved_bytes.min(page_size_bytes);
        if usable_size_bytes < MIN_USABLE_SIZE {
            return Err(Problem::new(1, format!("usable page size {usable_size_bytes} is below {MIN_USABLE_SIZE}")));
        }

        let mut problems = Vec::new();
        if bytes[21] != 64 || bytes[22] != 32 || bytes[23] != 32 {
            problems.push(Problem::new(
                1,
                format!("payload fractions {}/{}/{} are not 64/32/32", bytes[21], bytes[22], bytes[23]),
            ));
        }
        let len = bytes.len() as u64;
        let trailing_bytes = len % u64::from(page_size_bytes);
        if trailing_bytes != 0 {
            problems.push(Problem::new(1, format!("file ends with a partial page of {trailing_bytes} bytes")));
        }
        // A file of more than 2^32-1 pages cannot be addressed by 4-byte page numbers.
        let file_pages = u32::try_from(len / u64::from(page_size_bytes)).unwrap_or(u32::MAX);
        let header_pages = get_u32(bytes, offset::PAGE_COUNT);
        let header_valid = header_pages != 0
            && bytes[offset::CHANGE_COUNTER..offset::CHANGE_COUNTER + 4]
                == bytes[offset::VERSION_VALID_FOR..offset::VERSION_VALID_FOR + 4];
        let page_count = if !header_valid {
            file_pages
        } else if header_pages > file_pages {
            problems.push(Problem::new(
                1,
                format!("header page count {header_pages} exceeds the {file_pages} pages in the file"),
            ));
            file_pages
        } else {
            if header_pages < file_pages {
                problems
                    .push(Problem::new(1, format!("file holds {file_pages} pages but the header says {header_pages}")));
            }
            header_pages
        };
        debug_assert!(u64::from(page_count) * u64::from(page_size_bytes) <= len);
        Ok(Image { bytes, page_size_bytes, usable_size_bytes, page_count, problems })
    }

    /// The whole file.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Page size in bytes (512..=65536).
    pub fn page_size_bytes(&self) -> u32 {
        self.page_size_bytes
    }

    /// Bytes of each page available to b-tree content: page size minus reserved bytes.
    pub fn usable_size_bytes(&self) -> u32 {
        self.usable_size_bytes
    }

    /// The number of pages of the database (see [`Image::new`]).
    pub fn page_count(&self) -> u32 {
        self.page_count
    }

    /// Problems found in the header and file length.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Page `pgno`, whole (`page_size_bytes` long); `None` when `pgno` is 0 or past the end.
    pub fn page(&self, pgno: u32) -> Option<&'a [u8]> {
        if pgno == 0 || pgno > self.page_count {
            return None;
        }
        let size = self.page_size_bytes as usize;
        let start = (pgno as usize - 1) * size;
        self.bytes.get(start..start + size)
    }

    /// True when `pgno` names a page of this database.
    pub fn contains(&self, pgno: u32) -> bool {
        pgno >= 1 && pgno <= self.page_count
    }

    /// The lock-byte page number: the page holding PENDING_BYTE (whether or not the file is
    /// that long).
    pub fn lock_byte_page(&self) -> u32 {
        (PENDING_BYTE / u64::from(self.page_size_bytes)) as u32 + 1
    }

    /// The offset of the b-tree page header within page `pgno`: 100 on page 1 (after the
    /// database header), else 0.
    pub fn header_offset(pgno: u32) -> usize {
        if pgno == 1 { HEADER_SIZE } else { 0 }
    }
}
