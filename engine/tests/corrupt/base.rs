//! The valid files that every corrupted variant starts from.
//!
//! One logical content, written twice per page size: by real SQLite (rusqlite, a file in a
//! temporary directory) and by the engine's `storage::Database` on a `MemVfs`. The content
//! covers what a reader must decode: a rowid table with an INTEGER PRIMARY KEY, a CREATE INDEX
//! built incrementally and one built in bulk, a UNIQUE column (an automatic index), values of
//! every storage class and every integer width, payloads of several KiB (overflow chains in
//! tables and in indexes), and deleted rows (a freelist trunk with leaves).

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;
use touchstone_engine::format::Value;
use touchstone_engine::pager::PagerConfig;
use touchstone_engine::storage::Database;
use touchstone_engine::vfs::MemVfs;

/// Who wrote a base file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writer {
    Sqlite,
    Engine,
}

/// A valid database file.
pub struct BaseFile {
    /// e.g. "engine-512".
    pub label: String,
    pub bytes: Vec<u8>,
}

/// The DDL, in order, with the rows inserted between the first two statements and the
/// second index (`t1_cb`) built over existing rows.
const CREATE_T1: &str = "CREATE TABLE t1(id INTEGER PRIMARY KEY, a, b, c)";
const CREATE_T1_A: &str = "CREATE INDEX t1_a ON t1(a)";
const CREATE_T2: &str = "CREATE TABLE t2(k TEXT UNIQUE, v)";
const CREATE_T1_CB: &str = "CREATE INDEX t1_cb ON t1(c, b)";

/// Integers at both edges of every serial-type width (1, 2, 3, 4, 6 and 8 bytes, and the
/// constants 0 and 1).
const EDGE_INTEGERS: [i64; 21] = [
    0,
    1,
    2,
    -1,
    127,
    -128,
    128,
    32_767,
    -32_768,
    32_768,
    8_388_607,
    -8_388_608,
    8_388_608,
    2_147_483_647,
    -2_147_483_648,
    2_147_483_648,
    140_737_488_355_327,
    -140_737_488_355_328,
    140_737_488_355_328,
    i64::MAX,
    i64::MIN,
];

/// The logical content of a base file.
pub struct Content {
    /// t1 rows: (id, [a, b, c]).
    pub t1: Vec<(i64, [Value; 3])>,
    /// t2 rows in insertion order: (k, v); rowids 1, 2, ...
    pub t2: Vec<(String, Value)>,
    /// t1 ids deleted after all inserts.
    pub t1_deleted: Vec<i64>,
    /// t2 rowids deleted after all inserts.
    pub t2_deleted: Vec<i64>,
}

/// A small value of a random storage class.
fn mixed_value(rng: &mut ChaCha8Rng) -> Value {
    match rng.random_range(0..6) {
        0 => Value::Null,
        1 => Value::Integer(EDGE_INTEGERS[rng.random_range(0..EDGE_INTEGERS.len())]),
        2 => Value::Integer(rng.random::<i64>() >> rng.random_range(0..64)),
        3 => Value::Real([3.25, -2.5e-10, 1e300, 0.1, -7.0][rng.random_range(0..5)]),
        4 => Value::Text(format!("text-{}-é", rng.random_range(0..1000)).into_bytes()),
        _ => Value::Blob((0..rng.random_range(0..24)).map(|_| rng.random::<u8>()).collect()),
    }
}

/// A payload of `len_bytes` that needs an overflow chain: text or blob.
fn large_value(rng: &mut ChaCha8Rng, len_bytes: usize) -> Value {
    if rng.random_bool(0.5) {
        Value::Text((0..len_bytes).map(|i| b'a' + (i % 26) as u8).collect())
    } else {
        Value::Blob((0..len_bytes).map(|_| rng.random::<u8>()).collect())
    }
}

/// The content for pages of `page_size` bytes: 55–80 pages once written, a freelist of about 20.
pub fn content(page_size: u32) -> Content {
    let mut rng = ChaCha8Rng::seed_from_u64(0xC0_22_u64 ^ u64::from(page_size));
    let large_bytes = page_size as usize * 3;
    let mut t1 = Vec::new();
    let mut id = -3i64;
    for i in 0..60 {
        id += rng.random_range(1..4);
        let c = if i % 20 == 5 { large_value(&mut rng, large_bytes + i * 7) } else { mixed_value(&mut rng) };
        let b = if i % 17 == 3 { large_value(&mut rng, large_bytes / 2) } else { mixed_value(&mut rng) };
        t1.push((id, [mixed_value(&mut rng), b, c]));
    }
    // Rows near both ends of the rowid range.
    t1.push((i64::MAX - 1, [Value::Integer(7), Value::Null, Value::text("near max")]));
    t1.push((i64::MIN + 1, [Value::Null, Value::Real(0.5), Value::Blob(vec![0, 1, 2])]));
    let t2 = (0..40)
        .map(|i| {
            let v = if i % 13 == 7 { large_value(&mut rng, large_bytes / 2) } else { mixed_value(&mut rng) };
            // Long keys make the UNIQUE index three levels deep at 512-byte pages.
            (format!("key-{:03}-{}", i * 7 % 40, "k".repeat(75 + i % 10)), v)
        })
        .collect();
    // Delete every row with a large `c` but the first (its overflow pages join the freelist),
    // and a scattering of others.
    let t1_deleted =
        t1.iter().enumerate().filter(|(i, _)| (i % 20 == 5 && *i > 5) || i % 7 == 2).map(|(_, (id, _))| *id).collect();
    let t2_deleted = (1..=40).filter(|r| r % 5 == 1).collect();
    Content { t1, t2, t1_deleted, t2_deleted }
}

/// The base files: every writer at page sizes 512 and 1024.
pub fn base_files() -> Vec<BaseFile> {
    let mut out = Vec::new();
    for page_size in [512u32, 1024] {
        let c = content(page_size);
        for writer in [Writer::Sqlite, Writer::Engine] {
            let bytes = match writer {
                Writer::Sqlite => write_with_sqlite(page_size, &c),
                Writer::Engine => write_with_engine(page_size, &c),
            };
            let name = if writer == Writer::Sqlite { "sqlite" } else { "engine" };
            out.push(BaseFile { label: format!("{name}-{page_size}"), bytes });
        }
    }
    out
}

/// An engine value as a rusqlite value.
pub fn to_sqlite(v: &Value) -> rusqlite::types::Value {
    match v {
        Value::Null => rusqlite::types::Value::Null,
        Value::Integer(i) => rusqlite::types::Value::Integer(*i),
        Value::Real(r) => rusqlite::types::Value::Real(*r),
        Value::Text(t) => rusqlite::types::Value::Text(String::from_utf8(t.clone()).expect("test text is UTF-8")),
        Value::Blob(b) => rusqlite::types::Value::Blob(b.clone()),
    }
}

/// The content written by real SQLite (rollback journal, no auto-vacuum).
fn write_with_sqlite(page_size: u32, c: &Content) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("base.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch(&format!("PRAGMA page_size={page_size}; PRAGMA auto_vacuum=0;")).expect("pragmas");
        conn.execute_batch(&format!("{CREATE_T1}; {CREATE_T1_A}; {CREATE_T2};")).expect("schema");
        for (id, [a, b, cc]) in &c.t1 {
            conn.execute(
                "INSERT INTO t1(id, a, b, c) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![id, to_sqlite(a), to_sqlite(b), to_sqlite(cc)],
            )
            .expect("insert t1");
        }
        for (k, v) in &c.t2 {
            conn.execute("INSERT INTO t2(k, v) VALUES (?1, ?2)", rusqlite::params![k, to_sqlite(v)])
                .expect("insert t2");
        }
        conn.execute_batch(CREATE_T1_CB).expect("index");
        for id in &c.t1_deleted {
            conn.execute("DELETE FROM t1 WHERE id = ?1", [id]).expect("delete t1");
        }
        for r in &c.t2_deleted {
            conn.execute("DELETE FROM t2 WHERE rowid = ?1", [r]).expect("delete t2");
        }
    }
    std::fs::read(&path).expect("read base file")
}

/// The content written by the engine's storage layer on a MemVfs.
fn write_with_engine(page_size: u32, c: &Content) -> Vec<u8> {
    let vfs = MemVfs::new();
    let config = PagerConfig { page_size_bytes: page_size, ..PagerConfig::default() };
    let mut db = Database::open(Arc::new(vfs.clone()), "base.db", config).expect("open");
    for sql in [CREATE_T1, CREATE_T1_A, CREATE_T2] {
        db.execute_ddl(sql).expect("schema");
    }
    for (id, [a, b, cc]) in &c.t1 {
        db.insert("t1", None, &[Value::Integer(*id), a.clone(), b.clone(), cc.clone()]).expect("insert t1");
    }
    for (k, v) in &c.t2 {
        db.insert("t2", None, &[Value::text(k), v.clone()]).expect("insert t2");
    }
    db.execute_ddl(CREATE_T1_CB).expect("index");
    for id in &c.t1_deleted {
        assert!(db.delete("t1", *id).expect("delete t1"));
    }
    for r in &c.t2_deleted {
        assert!(db.delete("t2", *r).expect("delete t2"));
    }
    drop(db);
    vfs.file_bytes("base.db").expect("base file exists")
}
