//! The writes and syncs of one commit, call by call, against the sequence SQLite's pager.c
//! issues for the same mode (read from sqlite3.c 3.54.1; function names below are pager.c's).
//!
//! A transaction that changes page 2 (the table's root leaf) of a 2-page database, on a device
//! with POWERSAFE_OVERWRITE (so the journal header is 512 bytes) and 4096-byte pages:
//!
//! 1. pager_open_journal → writeJournalHdr: the 512-byte header at 0, magic and nRec zero
//!    (magic with nRec 0xffffffff at synchronous=OFF).
//! 2. pager_write → pagerAddPageToRollbackJournal for page 2: pgno (4), image (4096),
//!    checksum (4) at 512, 516, 4612.
//! 3. sqlite3PagerCommitPhaseOne → pager_incr_changecounter journals page 1 the same way at
//!    4616, 4620, 8716.
//! 4. syncJournal: at FULL, xSync(journal) first; then the 12-byte magic + nRec at 0; then
//!    xSync(journal) (both NORMAL: fullfsync is off). NORMAL skips the first sync; OFF skips
//!    this whole step.
//! 5. pager_write_pagelist: page 1 at 0, page 2 at 4096, ascending.
//! 6. sqlite3PagerSync: xSync(db), except at OFF.
//! 7. sqlite3PagerCommitPhaseTwo → pager_end_transaction: DELETE deletes the journal
//!    (no directory sync below EXTRA); TRUNCATE truncates it to 0 and syncs it at FULL;
//!    PERSIST overwrites its first 28 bytes with zeros (zeroJournalHdr) and syncs it
//!    (DATAONLY) unless OFF.

mod common;

use common::*;
use std::sync::Arc;
use touchstone_engine::pager::{JournalMode, Synchronous};
use touchstone_engine::vfs::{TraceVfs, Vfs};

fn commit_trace(sync: Synchronous, mode: JournalMode) -> Vec<String> {
    let (mem, root) = mem_db(4096, 0);
    let trace = TraceVfs::new(Arc::new(mem));
    let vfs: Arc<dyn Vfs> = Arc::new(trace.clone());
    let mut bt = open(vfs, "t.db", 4096, 500);
    bt.pager_mut().set_synchronous(sync);
    bt.pager_mut().set_journal_mode(mode);
    bt.begin_write(false).unwrap();
    trace.clear();
    insert_rows(&mut bt, root, 1, 1);
    bt.commit().unwrap();
    trace.durability_ops()
}

fn journal_writes() -> Vec<String> {
    vec![
        "write journal off=0 len=512".into(),
        "write journal off=512 len=4".into(),
        "write journal off=516 len=4096".into(),
        "write journal off=4612 len=4".into(),
        "write journal off=4616 len=4".into(),
        "write journal off=4620 len=4096".into(),
        "write journal off=8716 len=4".into(),
    ]
}

fn db_writes() -> Vec<String> {
    vec!["write db off=0 len=4096".into(), "write db off=4096 len=4096".into()]
}

#[test]
fn full_delete() {
    let mut expected = journal_writes();
    expected.push("sync journal NORMAL".into());
    expected.push("write journal off=0 len=12".into());
    expected.push("sync journal NORMAL".into());
    expected.extend(db_writes());
    expected.push("sync db NORMAL".into());
    expected.push("delete journal".into());
    assert_eq!(commit_trace(Synchronous::Full, JournalMode::Delete), expected);
}

#[test]
fn normal_delete() {
    let mut expected = journal_writes();
    expected.push("write journal off=0 len=12".into());
    expected.push("sync journal NORMAL".into());
    expected.extend(db_writes());
    expected.push("sync db NORMAL".into());
    expected.push("delete journal".into());
    assert_eq!(commit_trace(Synchronous::Normal, JournalMode::Delete), expected);
}

#[test]
fn off_delete() {
    let mut expected = journal_writes();
    expected.extend(db_writes());
    expected.push("delete journal".into());
    assert_eq!(commit_trace(Synchronous::Off, JournalMode::Delete), expected);
}

#[test]
fn full_truncate() {
    let mut expected = journal_writes();
    expected.push("sync journal NORMAL".into());
    expected.push("write journal off=0 len=12".into());
    expected.push("sync journal NORMAL".into());
    expected.extend(db_writes());
    expected.push("sync db NORMAL".into());
    expected.push("truncate journal size=0".into());
    expected.push("sync journal NORMAL".into());
    assert_eq!(commit_trace(Synchronous::Full, JournalMode::Truncate), expected);
}

#[test]
fn full_persist() {
    let mut expected = journal_writes();
    expected.push("sync journal NORMAL".into());
    expected.push("write journal off=0 len=12".into());
    expected.push("sync journal NORMAL".into());
    expected.extend(db_writes());
    expected.push("sync db NORMAL".into());
    expected.push("write journal off=0 len=28".into());
    expected.push("sync journal NORMAL|DATAONLY".into());
    assert_eq!(commit_trace(Synchronous::Full, JournalMode::Persist), expected);
}

/// A seek by rowid fetches exactly one page per level of the tree.
#[test]
fn rowid_seek_fetches_depth_pages() {
    let (mem, root) = mem_db(1024, 20_000);
    let mut bt = open(Arc::new(mem), "t.db", 1024, 2000);
    bt.begin_read().unwrap();
    let depth = bt.tree_depth(root).unwrap();
    assert!(depth >= 3, "a 20,000-row table on 1 KiB pages is at least 3 levels deep, got {depth}");
    for rowid in [1, 777, 10_000, 19_999, 20_000, 25_000] {
        let c = bt.cursor(root, None).unwrap();
        let before = bt.pager().stats();
        let found = bt.seek_rowid(&c, rowid, false).unwrap();
        let after = bt.pager().stats();
        let fetches = (after.cache_hits + after.cache_misses) - (before.cache_hits + before.cache_misses);
        assert_eq!(fetches, depth as u64, "seek to {rowid} fetched {fetches} pages, depth is {depth}");
        println!("seek to rowid {rowid}: {fetches} page fetches, tree depth {depth}");
        assert_eq!(found == 0, rowid <= 20_000);
    }
}
