//! Database files built by real SQLite (rusqlite, bundled) for the oracle's tests.
#![allow(dead_code)]

use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::Connection;

/// Runs `ops` on a new database with page size `page_size` (rollback journal, DELETE mode)
/// and returns the file's bytes after the connection is closed.
pub fn build(page_size: u32, ops: impl FnOnce(&Connection)) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("t.db");
    {
        let conn = Connection::open(&path).expect("open");
        conn.pragma_update(None, "page_size", page_size).expect("page_size");
        let mode: String = conn.query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0)).expect("journal_mode");
        assert_eq!(mode, "delete");
        ops(&conn);
    }
    std::fs::read(&path).expect("read back")
}

/// Opens a copy of `image`, runs `ops` on it, and returns the file's bytes afterwards.
pub fn modify(image: &[u8], ops: impl FnOnce(&Connection)) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("t.db");
    std::fs::write(&path, image).expect("write");
    {
        let conn = Connection::open(&path).expect("open");
        ops(&conn);
    }
    std::fs::read(&path).expect("read back")
}

/// A deterministic text of `len` bytes drawn from `rng`.
pub fn text(rng: &mut ChaCha8Rng, len: usize) -> String {
    (0..len).map(|_| char::from(b'a' + rng.random_range(0..26u8))).collect()
}

/// The standard workload: a table with an index, `rows` rows with texts of 20..200 bytes,
/// `big_rows` rows with 1 MiB blobs (overflow chains), then every other row deleted (free
/// pages on the freelist). Deterministic for a given seed.
pub fn workload(conn: &Connection, seed: u64, rows: i64, big_rows: i64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    conn.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, data BLOB);
         CREATE INDEX t_name ON t(name);
         CREATE TABLE kv(k TEXT PRIMARY KEY, v) WITHOUT ROWID;",
    )
    .expect("schema");
    let tx = conn.unchecked_transaction().expect("begin");
    for id in 1..=rows {
        let len = rng.random_range(20..200);
        let name = text(&mut rng, len);
        tx.execute("INSERT INTO t(id, name, data) VALUES (?1, ?2, zeroblob(?3))", rusqlite::params![id, name, id % 50])
            .expect("insert");
        tx.execute("INSERT INTO kv(k, v) VALUES (?1, ?2)", rusqlite::params![format!("k{id:05}"), id as f64 * 0.5])
            .expect("insert kv");
    }
    for i in 0..big_rows {
        let mut blob = vec![0u8; 1 << 20];
        rng.fill(&mut blob[..]);
        tx.execute(
            "INSERT INTO t(id, name, data) VALUES (?1, ?2, ?3)",
            rusqlite::params![rows + 1 + i, format!("big{i}"), blob],
        )
        .expect("insert big");
    }
    tx.commit().expect("commit");
    conn.execute("DELETE FROM t WHERE id % 2 = 0", []).expect("delete half");
}

/// `n` row ids 1..=n in a seeded random order.
pub fn shuffled_ids(n: i64, seed: u64) -> Vec<i64> {
    let mut ids: Vec<i64> = (1..=n).collect();
    ids.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    ids
}
