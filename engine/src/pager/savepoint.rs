//! Savepoints: nested points inside a write transaction that can be rolled back to without
//! ending it (pager.c's PagerSavepoint, sub-journal, pagerPlaybackSavepoint). SQL SAVEPOINT /
//! ROLLBACK TO / RELEASE and the statement journal that undoes a failed statement both rest
//! on them.
//!
//! A savepoint remembers the image size when it opened, where the main journal's records
//! stood, and where the sub-journal stood. A page's savepoint-time content is recovered from:
//! - the main journal, if the page was first journaled after the savepoint opened (its record
//!   holds the content it had when first written, which is its savepoint-time content);
//! - the sub-journal otherwise: the first write to such a page after a savepoint opened
//!   copies its current content there (subjRequiresPage). Pages created after the savepoint
//!   need neither.
//!
//! Rolling back plays those records back in that order, each page at most once: into the
//! cache where the page is cached, and into the file where the page was already written and
//! its record is durable (as pager_playback_one_page does for savepoints).
//!
//! The sub-journal is kept in memory. (SQLite keeps it in memory up to 64 KiB and then spills
//! it to a temporary file through the Vfs; the simulator's cost check will see that I/O on
//! SQLite's side only.)

use super::{BitSet, PageRef, Pager, PagerState, Pgno};
use crate::error::{Error, Result};
use crate::vfs::ReadOutcome;

/// One open savepoint (PagerSavepoint).
#[derive(Debug)]
pub(super) struct Savepoint {
    /// Pages in the image when it opened (nOrig).
    db_size: Pgno,
    /// Index into `Pager::journal_records` of the first record written after it opened.
    first_record: usize,
    /// Index into `Pager::sub_journal` where its records begin (iSubRec).
    first_sub_record: usize,
    /// Pages whose savepoint-time content is already recoverable (pInSavepoint).
    recoverable: BitSet,
    /// Releasing it may drop its sub-journal records: no deeper savepoint relies on them.
    truncate_on_release: bool,
}

impl Pager {
    /// Opens savepoints until `count` are open (sqlite3PagerOpenSavepoint). Requires a write
    /// transaction.
    pub fn open_savepoints(&mut self, count: usize) -> Result<()> {
        self.check_error()?;
        if !self.in_write_transaction() {
            return Err(Error::misuse("savepoint outside a write transaction"));
        }
        while self.savepoints.len() < count {
            self.savepoints.push(Savepoint {
                db_size: self.db_size,
                first_record: self.journal_records.len(),
                first_sub_record: self.sub_journal.len(),
                recoverable: BitSet::default(),
                truncate_on_release: true,
            });
        }
        Ok(())
    }

    /// Savepoints open.
    pub fn savepoint_count(&self) -> usize {
        self.savepoints.len()
    }

    /// Closes savepoint `index` and every one after it, keeping their changes
    /// (sqlite3PagerSavepoint with SAVEPOINT_RELEASE).
    pub fn release_savepoint(&mut self, index: usize) -> Result<()> {
        self.check_error()?;
        if index < self.savepoints.len() {
            let released = self.savepoints.drain(index..).next().expect("index < len");
            if released.truncate_on_release {
                self.sub_journal.truncate(released.first_sub_record);
            }
        }
        Ok(())
    }

    /// Undoes every change made since savepoint `index` opened, keeping it open and closing
    /// every later one (sqlite3PagerSavepoint with SAVEPOINT_ROLLBACK, pagerPlaybackSavepoint).
    /// On an I/O error the pager enters the Error state.
    pub fn rollback_to_savepoint(&mut self, index: usize) -> Result<()> {
        self.check_error()?;
        if index >= self.savepoints.len() {
            return Ok(());
        }
        self.savepoints.truncate(index + 1);
        let sp = &self.savepoints[index];
        let (db_size, first_record, first_sub) = (sp.db_size, sp.first_record, sp.first_sub_record);
        self.play_back_from(db_size, first_record, first_sub)
    }

    /// Undoes every change of the write transaction, keeping it open and closing every
    /// savepoint (sqlite3PagerSavepoint with SAVEPOINT_ROLLBACK and iSavepoint -1, the
    /// ROLLBACK TO of the SQL savepoint that began the transaction): the main journal holds
    /// every page's content from the start, so it is played back whole and the sub-journal
    /// not at all. Requires a write transaction. On an I/O error the pager enters the Error
    /// state.
    pub fn rollback_to_start(&mut self) -> Result<()> {
        self.check_error()?;
        if !self.in_write_transaction() {
            return Err(Error::misuse("rollback to the start outside a write transaction"));
        }
        self.savepoints.clear();
        self.sub_journal.clear();
        self.play_back_from(self.db_orig_size, 0, 0)
    }

    /// Plays back the main journal's records from `first_record` and the sub-journal's from
    /// `first_sub`, each page at most once, and sets the image size to `db_size`
    /// (pagerPlaybackSavepoint). On entry the savepoints past the target are closed.
    fn play_back_from(&mut self, db_size: Pgno, first_record: usize, first_sub: usize) -> Result<()> {
        self.db_size = db_size;
        self.change_count_done = false;
        let mut done = BitSet::default();
        let r = (|| {
            for i in first_record..self.journal_records.len() {
                let (pgno, offset) = self.journal_records[i];
                self.play_savepoint_record(pgno, Some(offset), i, &mut done)?;
            }
            for i in first_sub..self.sub_journal.len() {
                let pgno = self.sub_journal[i].0;
                self.play_savepoint_record(pgno, None, i, &mut done)?;
            }
            Ok(())
        })();
        r.map_err(|e| self.fail(e))
    }

    /// Restores one record (pager_playback_one_page for a savepoint): `journal_offset` is the
    /// record's place in the main journal, or None for sub-journal record `index`.
    fn play_savepoint_record(
        &mut self,
        pgno: Pgno,
        journal_offset: Option<u64>,
        index: usize,
        done: &mut BitSet,
    ) -> Result<()> {
        if pgno > self.db_size || done.contains(pgno) {
            return Ok(());
        }
        done.insert(pgno);
        let ps = self.page_size_bytes as usize;
        let data: Vec<u8> = match journal_offset {
            Some(offset) => {
                let mut buf = vec![0u8; ps];
                let jfd = self.jfd.as_mut().ok_or_else(|| Error::internal("journal not open"))?;
                if jfd.read_at(&mut buf, offset + 4)? != ReadOutcome::Full {
                    return Err(Error::corrupt("journal record vanished during savepoint rollback"));
                }
                buf
            }
            None => self.sub_journal[index].1.to_vec(),
        };
        let mut page = self.cache.lookup(pgno);
        let synced = match journal_offset {
            Some(offset) => self.no_sync() || offset + ps as u64 + 8 <= self.journal_hdr,
            None => page.as_ref().is_none_or(|p| !p.needs_sync()),
        };
        if self.state >= PagerState::WriterDbMod && synced {
            self.fd.write_at(&data, u64::from(pgno - 1) * ps as u64)?;
            self.db_file_size = self.db_file_size.max(pgno);
        } else if journal_offset.is_none() && page.is_none() {
            // The page was written out and evicted: bring it back dirty with the old content.
            let p = self.get_without_spill(pgno)?;
            self.cache.make_dirty(&p);
            page = Some(p);
        }
        if let Some(page) = page {
            page.overwrite(&data);
            if pgno == 1 {
                self.db_file_vers.copy_from_slice(&data[24..40]);
            }
        }
        Ok(())
    }

    /// The savepoint bookkeeping of a write to `page` (pager_write's tail and the fast path of
    /// sqlite3PagerWrite): if some open savepoint cannot recover the page's current content
    /// yet, copy it to the sub-journal (subjournalPageIfRequired).
    pub(super) fn subjournal_if_required(&mut self, page: &PageRef) {
        let pgno = page.pgno();
        let Some(first) = self.savepoints.iter().position(|s| s.db_size >= pgno && !s.recoverable.contains(pgno))
        else {
            return;
        };
        for later in &mut self.savepoints[first + 1..] {
            later.truncate_on_release = false;
        }
        self.sub_journal.push((pgno, page.data().to_vec().into_boxed_slice()));
        self.mark_recoverable(pgno);
    }

    /// Notes that every open savepoint that knew page `pgno` can now recover it
    /// (addToSavepointBitvecs).
    pub(super) fn mark_recoverable(&mut self, pgno: Pgno) {
        for s in &mut self.savepoints {
            if pgno <= s.db_size {
                s.recoverable.insert(pgno);
            }
        }
    }

    /// Drops every savepoint and the journal bookkeeping of the ended transaction
    /// (releaseAllSavepoints).
    pub(super) fn release_all_savepoints(&mut self) {
        self.savepoints.clear();
        self.sub_journal.clear();
        self.journal_records.clear();
    }
}
