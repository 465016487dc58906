//! The rollback journal's file format (SQLite's, so that either engine can roll back the
//! other's hot journal).
//!
//! ```text
//! journal   := segment+
//! segment   := header (padded to the sector size) record*
//! header    := magic[8] = d9 d5 05 f9 20 a1 63 d7
//!              nRec u32          records in this segment; 0 until synced, 0xffffffff = "to EOF"
//!              cksumInit u32     random nonce for the record checksums
//!              dbOrigSize u32    database size in pages when the transaction began
//!              sectorSize u32    sector size of the writer (the header's padded length)
//!              pageSize u32      page size
//!              zero padding to sectorSize bytes
//! record    := pgno u32, page image [pageSize], checksum u32
//! checksum  := cksumInit + the sum of bytes at pageSize-200, pageSize-400, ... (> 0)
//! ```
//! All integers big-endian. A new segment starts at the next sector boundary after the last
//! record whenever the journal is synced in the middle of a transaction (a cache spill).
//! A super-journal name (multi-database commits) may follow the last record; the engine
//! writes none and treats a journal that names one like SQLite does only in that it stops
//! reading at the first record whose page number is the lock-byte page.

/// The journal magic.
pub const MAGIC: [u8; 8] = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];
/// Bytes of the header that carry fields (the rest of the sector is padding).
pub const HEADER_FIELDS_BYTES: usize = 28;
/// nRec value meaning "records continue to the end of the file" (no-sync journals).
pub const NREC_TO_EOF: u32 = 0xffff_ffff;
/// The largest sector size a journal header may claim (SQLite's MAX_SECTOR_SIZE).
pub const MAX_SECTOR_SIZE: u32 = 0x10000;

/// The fields of a journal header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JournalHeader {
    pub n_rec: u32,
    pub cksum_init: u32,
    pub db_orig_size_pages: u32,
    pub sector_size_bytes: u32,
    pub page_size_bytes: u32,
}

impl JournalHeader {
    /// The header bytes: fields then zero padding, `len` bytes in all (`len` >= 28).
    /// When `n_rec_unknown`, the magic and nRec are zero (they are written at sync time).
    pub fn encode(&self, len: usize, magic_now: bool) -> Vec<u8> {
        debug_assert!(len >= HEADER_FIELDS_BYTES);
        let mut out = vec![0u8; len];
        if magic_now {
            out[..8].copy_from_slice(&MAGIC);
            out[8..12].copy_from_slice(&self.n_rec.to_be_bytes());
        }
        out[12..16].copy_from_slice(&self.cksum_init.to_be_bytes());
        out[16..20].copy_from_slice(&self.db_orig_size_pages.to_be_bytes());
        out[20..24].copy_from_slice(&self.sector_size_bytes.to_be_bytes());
        out[24..28].copy_from_slice(&self.page_size_bytes.to_be_bytes());
        out
    }

    /// Decodes the 28 field bytes of a header. Returns `None` when the magic is wrong (the
    /// journal ends before this point, as far as playback is concerned).
    pub fn decode(bytes: &[u8; HEADER_FIELDS_BYTES]) -> Option<JournalHeader> {
        if bytes[..8] != MAGIC {
            return None;
        }
        let u = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        Some(JournalHeader {
            n_rec: u(8),
            cksum_init: u(12),
            db_orig_size_pages: u(16),
            sector_size_bytes: u(20),
            page_size_bytes: u(24),
        })
    }

    /// True when the sizes are ones SQLite accepts in a first header (powers of two,
    /// page size 512..=65536, sector size 32..=65536). A header failing this was torn.
    pub fn sizes_valid(&self) -> bool {
        let (p, s) = (self.page_size_bytes, self.sector_size_bytes);
        p.is_power_of_two() && (512..=65536).contains(&p) && s.is_power_of_two() && (32..=MAX_SECTOR_SIZE).contains(&s)
    }
}

/// The checksum of a journal record's page image (pager_cksum).
pub fn record_checksum(cksum_init: u32, page: &[u8]) -> u32 {
    let mut sum = cksum_init;
    let mut i = page.len() as isize - 200;
    while i > 0 {
        sum = sum.wrapping_add(u32::from(page[i as usize]));
        i -= 200;
    }
    sum
}

/// Bytes of one record for pages of `page_size_bytes`.
pub fn record_size_bytes(page_size_bytes: u32) -> u64 {
    u64::from(page_size_bytes) + 8
}

/// The offset of the next header at or after `offset` (journalHdrOffset): the next multiple
/// of the sector size, or 0 at the start.
pub fn next_header_offset(offset: u64, sector_size_bytes: u32) -> u64 {
    let s = u64::from(sector_size_bytes);
    if offset == 0 { 0 } else { offset.div_ceil(s) * s }
}

/// The journal's path for database `db_path` (SQLite appends "-journal").
pub fn journal_path(db_path: &str) -> String {
    format!("{db_path}-journal")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip() {
        let h = JournalHeader {
            n_rec: 7,
            cksum_init: 0xdead_beef,
            db_orig_size_pages: 12,
            sector_size_bytes: 512,
            page_size_bytes: 4096,
        };
        let bytes = h.encode(512, true);
        assert_eq!(bytes.len(), 512);
        let fields: [u8; 28] = bytes[..28].try_into().unwrap();
        assert_eq!(JournalHeader::decode(&fields), Some(h));
        assert!(h.sizes_valid());
        let unsynced = h.encode(512, false);
        assert_eq!(&unsynced[..12], &[0u8; 12]);
        let fields: [u8; 28] = unsynced[..28].try_into().unwrap();
        assert_eq!(JournalHeader::decode(&fields), None);
    }

    #[test]
    fn checksum_samples_every_200th_byte_from_the_end() {
        let mut page = vec![0u8; 1024];
        page[824] = 1;
        page[624] = 2;
        page[424] = 3;
        page[224] = 4;
        page[24] = 5;
        page[1023] = 100; // not sampled
        assert_eq!(record_checksum(10, &page), 10 + 15);
    }

    #[test]
    fn header_offsets() {
        assert_eq!(next_header_offset(0, 512), 0);
        assert_eq!(next_header_offset(1, 512), 512);
        assert_eq!(next_header_offset(512, 512), 512);
        assert_eq!(next_header_offset(513, 512), 1024);
    }
}
