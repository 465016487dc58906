//! Write transactions: the journal, syncs and commit (pager.c's pager_open_journal,
//! pager_write, syncJournal, pager_write_pagelist, sqlite3PagerCommitPhaseOne/Two,
//! pager_end_transaction). The order of writes and syncs is described in the module comment
//! of `pager`.

use super::journal::{self, JournalHeader, NREC_TO_EOF};
use super::{BitSet, JournalMode, Page, Pager, PagerState, Pgno, Synchronous};
use crate::error::{Error, ErrorCode, Result};
use crate::format::header;
use crate::vfs::{DeviceCharacteristics, LockLevel, OpenAccess, OpenFlags, ReadOutcome, SyncFlags};
use std::borrow::Borrow;

impl Pager {
    // ----- write transactions ---------------------------------------------------------------

    /// Starts a write transaction (sqlite3PagerBegin): RESERVED, or EXCLUSIVE when
    /// `exclusive`. Requires a read transaction; a no-op inside a write transaction.
    pub fn begin_write(&mut self, exclusive: bool) -> Result<()> {
        self.check_error()?;
        debug_assert!(self.state >= PagerState::Reader);
        if self.state != PagerState::Reader {
            return Ok(());
        }
        if self.config.read_only {
            return Err(Error::new(ErrorCode::ReadOnly, "attempt to write a readonly database"));
        }
        self.lock_db(LockLevel::Reserved)?;
        if exclusive {
            self.lock_db(LockLevel::Exclusive)?;
        }
        self.state = PagerState::WriterLocked;
        self.db_orig_size = self.db_size;
        self.db_file_size = self.db_size;
        self.journal_off = 0;
        Ok(())
    }

    /// Opens the journal and writes its first header (pager_open_journal).
    pub(super) fn open_journal(&mut self) -> Result<()> {
        debug_assert_eq!(self.state, PagerState::WriterLocked);
        self.in_journal = BitSet::default();
        if self.jfd.is_none() {
            let flags = OpenFlags::main_journal(OpenAccess::ReadWriteCreate);
            self.jfd = Some(self.vfs.open(&self.journal_path, flags)?);
        }
        self.n_rec = 0;
        self.journal_off = 0;
        self.journal_hdr = 0;
        self.write_journal_header()?;
        self.state = PagerState::WriterCacheMod;
        Ok(())
    }

    /// Writes a journal header at the next sector boundary (writeJournalHdr). Its magic and
    /// nRec stay zero until the journal is synced, unless nothing is ever synced (OFF) or the
    /// device appends safely, where nRec says "to the end of the file" from the start.
    fn write_journal_header(&mut self) -> Result<()> {
        let mut nonce = [0u8; 4];
        self.vfs.randomness(&mut nonce);
        self.cksum_init = u32::from_be_bytes(nonce);
        self.journal_off = journal::next_header_offset(self.journal_off, self.sector_size_bytes);
        self.journal_hdr = self.journal_off;
        let magic_now = self.no_sync() || self.device.contains(DeviceCharacteristics::SAFE_APPEND);
        let h = JournalHeader {
            n_rec: NREC_TO_EOF,
            cksum_init: self.cksum_init,
            db_orig_size_pages: self.db_orig_size,
            sector_size_bytes: self.sector_size_bytes,
            page_size_bytes: self.page_size_bytes,
        };
        let chunk = self.page_size_bytes.min(self.sector_size_bytes) as usize;
        let bytes = h.encode(chunk, magic_now);
        let jfd = self.jfd.as_mut().ok_or_else(|| Error::internal("journal not open"))?;
        let mut written = 0;
        while written < self.sector_size_bytes as usize {
            jfd.write_at(&bytes, self.journal_off)?;
            self.journal_off += chunk as u64;
            written += chunk;
        }
        Ok(())
    }

    /// Makes the journal durable before database pages are overwritten (syncJournal), and
    /// with `new_header` starts a new journal segment for the pages journaled after it.
    /// Takes the EXCLUSIVE lock first; `Busy` leaves everything as it was.
    pub(super) fn sync_journal(&mut self, new_header: bool) -> Result<()> {
        self.lock_db(LockLevel::Exclusive)?;
        let skip_syncs = crate::planted::active(crate::planted::Bug::SkippedJournalSync);
        if !self.no_sync() && self.jfd.is_some() {
            let dc = self.device;
            let full_sync = self.full_sync();
            let flags = self.sync_flags();
            let next = journal::next_header_offset(self.journal_off, self.sector_size_bytes);
            let jfd = self.jfd.as_mut().expect("journal open");
            if !dc.contains(DeviceCharacteristics::SAFE_APPEND) {
                // A stale header from an earlier (persistent) journal right after our records
                // would be played back after ours: make it unrecognisable.
                let mut magic = [0u8; 8];
                if jfd.read_at(&mut magic, next)? == ReadOutcome::Full && magic == journal::MAGIC {
                    jfd.write_at(&[0], next)?;
                }
                if full_sync && !dc.contains(DeviceCharacteristics::SEQUENTIAL) && !skip_syncs {
                    jfd.sync(flags)?;
                    self.stats.syncs += 1;
                }
                let mut head = [0u8; 12];
                head[..8].copy_from_slice(&journal::MAGIC);
                head[8..].copy_from_slice(&self.n_rec.to_be_bytes());
                jfd.write_at(&head, self.journal_hdr)?;
            }
            if !dc.contains(DeviceCharacteristics::SEQUENTIAL) && !skip_syncs {
                let data_only = flags.full;
                jfd.sync(SyncFlags { full: flags.full, data_only })?;
                self.stats.syncs += 1;
            }
            self.journal_hdr = self.journal_off;
            if new_header && !dc.contains(DeviceCharacteristics::SAFE_APPEND) {
                self.n_rec = 0;
                self.write_journal_header()?;
            }
        } else {
            self.journal_hdr = self.journal_off;
        }
        self.cache.clear_sync_flags();
        self.state = PagerState::WriterDbMod;
        Ok(())
    }

    /// Writes `pages` to the database file in the given order (pager_write_pagelist), skipping
    /// pages past the image and pages marked don't-write. Requires EXCLUSIVE.
    pub(super) fn write_pages<P: Borrow<Page>>(&mut self, pages: &[P]) -> Result<()> {
        debug_assert_eq!(self.lock, LockLevel::Exclusive);
        for page in pages {
            let page: &Page = page.borrow();
            let pgno = page.pgno();
            if pgno > self.db_size || page.dont_write() {
                continue;
            }
            debug_assert!(!page.needs_sync(), "page {pgno} written before its journal sync");
            if pgno == 1 {
                self.write_change_counter(page);
            }
            let offset = u64::from(pgno - 1) * u64::from(self.page_size_bytes);
            self.fd.write_at(&page.data(), offset)?;
            if pgno == 1 {
                self.db_file_vers.copy_from_slice(&page.data()[24..40]);
            }
            self.db_file_size = self.db_file_size.max(pgno);
            self.stats.pages_written += 1;
        }
        Ok(())
    }

    /// Sets the change counter to one more than the value last read from the file, and the
    /// version-valid-for and version number beside it (pager_write_changecounter).
    fn write_change_counter(&self, page1: &Page) {
        let counter = u32::from_be_bytes(self.db_file_vers[..4].try_into().expect("4 bytes")).wrapping_add(1);
        let mut d = page1.data_mut_unchecked();
        header::put_u32(&mut d, header::offset::CHANGE_COUNTER, counter);
        header::put_u32(&mut d, header::offset::VERSION_VALID_FOR, counter);
        header::put_u32(&mut d, header::offset::VERSION_NUMBER, header::SQLITE_VERSION_NUMBER);
    }

    /// Takes the EXCLUSIVE lock for a commit (sqlite3PagerExclusiveLock): SQLite's COMMIT does
    /// this for every write transaction, even one that changed nothing, so BUSY comes at the
    /// same moment. `Busy` leaves the transaction open (holding PENDING).
    pub fn exclusive_lock(&mut self) -> Result<()> {
        self.check_error()?;
        if self.in_write_transaction() { self.lock_db(LockLevel::Exclusive) } else { Ok(()) }
    }

    /// Commits the write transaction (phase one and two; see the module comment for the
    /// exact sequence). On `Busy` (readers keep EXCLUSIVE away) nothing changed and the
    /// commit may be retried. On another error the transaction must be rolled back.
    pub fn commit(&mut self) -> Result<()> {
        self.check_error()?;
        if !self.in_write_transaction() {
            return Ok(());
        }
        if self.state >= PagerState::WriterCacheMod && self.state != PagerState::WriterFinished {
            self.commit_phase_one()?;
        }
        self.end_transaction(true).map_err(|e| self.fail(e))
    }

    fn commit_phase_one(&mut self) -> Result<()> {
        if !self.change_count_done && self.db_size > 0 {
            let page1 = self.get(1)?;
            self.write(&page1)?;
            self.write_change_counter(&page1);
            self.change_count_done = true;
        }
        self.sync_journal(false)?;
        let dirty = self.cache.dirty_pages_by_pgno();
        self.write_pages(&dirty)?;
        self.cache.clean_all();
        if self.db_size > self.db_file_size {
            let n = self.db_size - Pgno::from(self.db_size == self.lock_byte_page());
            self.truncate_file(n)?;
        }
        if !self.no_sync() && !crate::planted::active(crate::planted::Bug::DbSyncSkippedAtCommit) {
            self.fd.sync(self.sync_flags())?;
            self.stats.syncs += 1;
            if crate::planted::active(crate::planted::Bug::ExtraSyncPerStatement) {
                self.fd.sync(self.sync_flags())?;
                self.stats.syncs += 1;
            }
        }
        self.state = PagerState::WriterFinished;
        Ok(())
    }

    /// Sets the file's size to `pages` pages (pager_truncate): shrinks it, or extends it by
    /// writing a zero page at the end when it is at least a page short.
    pub(super) fn truncate_file(&mut self, pages: Pgno) -> Result<()> {
        let ps = u64::from(self.page_size_bytes);
        let current = self.fd.size()?;
        let wanted = u64::from(pages) * ps;
        if current > wanted {
            self.fd.truncate(wanted)?;
        } else if current + ps <= wanted {
            let zeros = vec![0u8; ps as usize];
            self.fd.write_at(&zeros, wanted - ps)?;
        }
        if current != wanted {
            self.db_file_size = pages;
        }
        Ok(())
    }

    /// Finalizes the journal and returns to Reader (pager_end_transaction).
    pub(super) fn end_transaction(&mut self, commit: bool) -> Result<()> {
        if self.state < PagerState::WriterLocked && self.lock < LockLevel::Reserved {
            return Ok(());
        }
        let mut r = Ok(());
        if self.jfd.is_some() {
            r = match self.config.journal_mode {
                JournalMode::Truncate => self.finalize_truncate(),
                JournalMode::Persist => self.finalize_persist(),
                JournalMode::Delete => {
                    self.jfd = None;
                    self.vfs.delete(&self.journal_path, self.config.synchronous == Synchronous::Extra)
                }
            };
        }
        self.in_journal.clear();
        self.release_all_savepoints();
        self.n_rec = 0;
        if r.is_ok() {
            self.cache.clean_all();
            self.cache.truncate(self.db_size);
            if commit && self.db_file_size > self.db_size {
                r = self.truncate_file(self.db_size);
            }
        }
        let r2 = self.unlock_db(LockLevel::Shared);
        self.state = PagerState::Reader;
        self.change_count_done = false;
        r.and(r2)
    }

    fn finalize_truncate(&mut self) -> Result<()> {
        let full_sync = self.full_sync();
        let flags = self.sync_flags();
        if self.journal_off != 0 {
            let jfd = self.jfd.as_mut().expect("journal open");
            jfd.truncate(0)?;
            if full_sync {
                jfd.sync(flags)?;
                self.stats.syncs += 1;
            }
        }
        self.journal_off = 0;
        Ok(())
    }

    /// zeroJournalHdr: overwrite the first 28 bytes with zeros and sync unless OFF.
    fn finalize_persist(&mut self) -> Result<()> {
        let no_sync = self.no_sync();
        let flags = self.sync_flags();
        if self.journal_off != 0 {
            let jfd = self.jfd.as_mut().expect("journal open");
            jfd.write_at(&[0u8; journal::HEADER_FIELDS_BYTES], 0)?;
            if !no_sync {
                jfd.sync(SyncFlags { full: flags.full, data_only: true })?;
                self.stats.syncs += 1;
            }
        }
        self.journal_off = 0;
        Ok(())
    }
}
