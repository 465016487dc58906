//! Rollback journals: rollback, hot-journal recovery by the engine of its own and of real
//! SQLite's crashed transactions, recovery by real SQLite of the engine's, and the lock
//! protocol between connections.

mod common;

use common::*;
use std::sync::Arc;
use touchstone_engine::ErrorCode;
use touchstone_engine::vfs::{MemVfs, OsVfs};

/// Copies the database and its journal out of `vfs` into a fresh MemVfs: the disk image of a
/// process that died mid-transaction.
fn crash_image(vfs: &MemVfs) -> MemVfs {
    let copy = MemVfs::new();
    for name in ["t.db", "t.db-journal"] {
        if let Some(bytes) = vfs.file_bytes(name) {
            copy.set_file_bytes(name, &bytes).unwrap();
        }
    }
    copy
}

/// Starts a write transaction on `vfs` that inserts enough rows through a 10-page cache to
/// spill dirty pages into the database file, and returns the still-open connection.
fn spilled_transaction(vfs: &MemVfs, root: u32) -> touchstone_engine::btree::Btree {
    let mut bt = open(Arc::new(vfs.clone()), "t.db", 1024, 10);
    bt.begin_write(false).unwrap();
    insert_rows(&mut bt, root, 100_001, 103_000);
    assert!(bt.pager().stats().pages_spilled > 0, "the transaction must spill");
    bt
}

#[test]
fn rollback_after_spill_restores_the_file() {
    let (vfs, root) = mem_db(1024, 2000);
    let before = vfs.file_bytes("t.db").unwrap();
    let mut bt = spilled_transaction(&vfs, root);
    assert_ne!(vfs.file_bytes("t.db").unwrap(), before, "spilled pages reached the file");
    bt.rollback().unwrap();
    assert_eq!(vfs.file_bytes("t.db").unwrap(), before);
    assert!(!vfs.file_exists("t.db-journal"));
    // The connection reads the old content afterwards.
    bt.begin_read().unwrap();
    let c = bt.cursor(root, None).unwrap();
    assert!(bt.last(&c).unwrap());
    assert_eq!(bt.rowid(&c).unwrap(), 2000);
}

#[test]
fn engine_recovers_its_own_hot_journal() {
    let (vfs, root) = mem_db(1024, 2000);
    let before = vfs.file_bytes("t.db").unwrap();
    let bt = spilled_transaction(&vfs, root);
    let image = crash_image(&vfs);
    drop(bt);
    assert!(image.file_exists("t.db-journal"));
    assert_ne!(image.file_bytes("t.db").unwrap(), before);
    let mut bt = open(Arc::new(image.clone()), "t.db", 1024, 500);
    bt.begin_read().unwrap();
    bt.end_read();
    assert_eq!(image.file_bytes("t.db").unwrap(), before, "recovery restores the file byte for byte");
    assert!(!image.file_exists("t.db-journal"), "recovery deletes the journal");
}

#[test]
fn engine_recovers_sqlite_hot_journal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE t(a,b); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<2000) INSERT INTO t SELECT x, printf('%.*c', x%97, 'r') FROM c;").unwrap();
    let before = std::fs::read(&path).unwrap();
    conn.execute_batch("PRAGMA cache_size=10; BEGIN; WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<5000) INSERT INTO t SELECT x, randomblob(300) FROM c;").unwrap();
    let during = std::fs::read(&path).unwrap();
    let journal = std::fs::read(dir.path().join("t.db-journal")).expect("SQLite's journal exists mid-transaction");
    assert_ne!(during, before, "SQLite spilled pages into the file");
    let crash = tempfile::tempdir().unwrap();
    let crashed_db = write_file(crash.path(), "t.db", &during);
    write_file(crash.path(), "t.db-journal", &journal);
    conn.execute_batch("ROLLBACK").unwrap();
    drop(conn);

    let mut bt = open(Arc::new(OsVfs::new()), crashed_db.to_str().unwrap(), 4096, 500);
    bt.begin_read().unwrap();
    bt.end_read();
    drop(bt);
    assert_eq!(std::fs::read(&crashed_db).unwrap(), before, "the engine rolled SQLite's journal back");
    assert!(!crash.path().join("t.db-journal").exists());
    assert_eq!(sqlite_integrity(&crashed_db), "ok");
}

#[test]
fn sqlite_recovers_engine_hot_journal() {
    let (vfs, root) = mem_db(1024, 2000);
    let before = vfs.file_bytes("t.db").unwrap();
    let bt = spilled_transaction(&vfs, root);
    let image = crash_image(&vfs);
    drop(bt);
    let dir = tempfile::tempdir().unwrap();
    let db = write_file(dir.path(), "t.db", &image.file_bytes("t.db").unwrap());
    write_file(dir.path(), "t.db-journal", &image.file_bytes("t.db-journal").unwrap());
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let n: i64 = conn.query_row("SELECT count(*) FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(n, 2000, "SQLite sees the state before the crashed transaction");
        let ic: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(ic, "ok");
    }
    assert_eq!(std::fs::read(&db).unwrap(), before, "SQLite's rollback of the engine's journal restores the file");
}

#[test]
fn readers_keep_a_committer_out_and_pending_keeps_new_readers_out() {
    let (vfs, root) = mem_db(4096, 10);
    let shared: Arc<dyn touchstone_engine::vfs::Vfs> = Arc::new(vfs.clone());
    let mut reader = open(shared.clone(), "t.db", 4096, 100);
    let mut writer = open(shared.clone(), "t.db", 4096, 100);
    let mut late = open(shared.clone(), "t.db", 4096, 100);

    reader.begin_read().unwrap();
    writer.begin_write(false).unwrap();
    // A second writer cannot get RESERVED.
    let mut other = open(shared.clone(), "t.db", 4096, 100);
    assert_eq!(other.begin_write(false).unwrap_err().code(), ErrorCode::Busy);
    insert_rows(&mut writer, root, 11, 20);
    // The reader's SHARED keeps EXCLUSIVE away; the writer is left holding PENDING.
    assert_eq!(writer.commit().unwrap_err().code(), ErrorCode::Busy);
    // PENDING keeps a new reader out.
    assert_eq!(late.begin_read().unwrap_err().code(), ErrorCode::Busy);
    // The old reader still reads the old content.
    let c = reader.cursor(root, None).unwrap();
    assert!(reader.last(&c).unwrap());
    assert_eq!(reader.rowid(&c).unwrap(), 10);
    reader.end_read();
    // Retrying the commit succeeds and the new reader sees it.
    writer.commit().unwrap();
    late.begin_read().unwrap();
    let c = late.cursor(root, None).unwrap();
    assert!(late.last(&c).unwrap());
    assert_eq!(late.rowid(&c).unwrap(), 20);
}

/// SQLite's COMMIT takes EXCLUSIVE even when the transaction wrote nothing, so a reader makes
/// it BUSY; the retry after the reader leaves succeeds.
#[test]
fn empty_write_transaction_commit_waits_for_readers() {
    let (vfs, _) = mem_db(4096, 1);
    let shared: Arc<dyn touchstone_engine::vfs::Vfs> = Arc::new(vfs.clone());
    let mut reader = open(shared.clone(), "t.db", 4096, 100);
    let mut writer = open(shared, "t.db", 4096, 100);
    reader.begin_read().unwrap();
    writer.begin_write(false).unwrap();
    assert_eq!(writer.commit().unwrap_err().code(), ErrorCode::Busy);
    reader.end_read();
    writer.commit().unwrap();
}
