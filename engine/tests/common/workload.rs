//! The storage acceptance workload, shared by the engine's and the oracle's tests (the
//! oracle includes this file with `#[path]`): deterministic rows of mixed types, the same
//! operations applied through the engine's storage layer and through real SQLite, and the
//! conversions needed to compare what each reads back.
#![allow(dead_code)]

use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;
use touchstone_engine::format::Value;
use touchstone_engine::pager::PagerConfig;
use touchstone_engine::storage::Database;
use touchstone_engine::vfs::MemVfs;

/// The table every shape has; `c` is UNIQUE in the indexed shape.
pub const PLAIN_DDL: &[&str] = &["CREATE TABLE t(id INTEGER PRIMARY KEY, a, b, c)"];
/// The indexed shape: an automatic index (UNIQUE c) and two explicit ones.
pub const INDEXED_DDL: &[&str] = &[
    "CREATE TABLE t(id INTEGER PRIMARY KEY, a, b, c UNIQUE)",
    "CREATE INDEX t_a ON t(a)",
    "CREATE INDEX t_bc ON t(b DESC, c)",
];
/// For each index of the indexed shape: its name and the ORDER BY that lists its entries
/// (key columns, then the rowid) through SQL.
pub const INDEX_ORDERS: &[(&str, &str, &str)] = &[
    ("sqlite_autoindex_t_1", "c, id", "ORDER BY c, id"),
    ("t_a", "a, id", "ORDER BY a, id"),
    ("t_bc", "b, c, id", "ORDER BY b DESC, c, id"),
];

/// One operation of a workload.
#[derive(Clone, Debug)]
pub enum Op {
    Insert {
        id: i64,
        values: [Value; 3],
    },
    Delete {
        id: i64,
    },
    /// COMMIT then BEGIN: the workload is split into transactions.
    Commit,
    Ddl(String),
}

/// A value of a random storage class, with the edge cases of each: integers of every
/// serial-type size, reals including -0.0 and the extremes, empty and multi-byte text,
/// empty and binary blobs.
pub fn mixed_value(rng: &mut ChaCha8Rng) -> Value {
    match rng.random_range(0..10u8) {
        0 => Value::Null,
        1 => Value::Integer(
            [0, 1, -1, 127, -128, 32767, 8_388_607, 2_147_483_647, 140_737_488_355_327, i64::MAX, i64::MIN]
                [rng.random_range(0..11usize)],
        ),
        2 | 3 => Value::Integer(rng.random_range(-1_000_000_000_000i64..1_000_000_000_000)),
        4 => Value::Real(
            [0.0, -0.0, 1.5, -2.25e-300, 1.7976931348623157e308, std::f64::consts::PI][rng.random_range(0..6usize)],
        ),
        5 => Value::Real(rng.random_range(-1e9..1e9)),
        6 | 7 => {
            let len = rng.random_range(0..60usize);
            let s: String = (0..len)
                .map(|i| if i % 17 == 3 { 'é' } else { char::from(b'a' + rng.random_range(0..26u8)) })
                .collect();
            Value::text(&s)
        }
        _ => {
            let len = rng.random_range(0..80usize);
            Value::Blob((0..len).map(|_| rng.random_range(0..=255u8)).collect())
        }
    }
}

/// The rows of a shape: `n` distinct rowids (small and large), mixed values, 1% of rows with
/// a value of 1–8 KiB, and (for n ≥ 100) three rows with values of 100 KiB, 900 KiB and
/// 1 MiB. Column c is unique per row (its rowid in some storage class), so the UNIQUE index
/// holds.
pub fn rows(seed: u64, n: usize) -> Vec<(i64, [Value; 3])> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut ids: Vec<i64> = (1..=n as i64).map(|i| if i % 7 == 0 { i * 1_000_003 } else { i }).collect();
    ids.shuffle(&mut rng);
    let mut out = Vec::with_capacity(n);
    for (k, &id) in ids.iter().enumerate() {
        let a = mixed_value(&mut rng);
        let mut b = mixed_value(&mut rng);
        if rng.random_range(0..100u8) == 0 {
            b = Value::Blob(vec![0xab; rng.random_range(1024..8192usize)]);
        }
        if n >= 100 && k < 3 {
            b = Value::Blob(vec![k as u8; [100 * 1024, 900 * 1024, 1024 * 1024][k]]);
        }
        let c = match id % 3 {
            0 => Value::Integer(id),
            1 => Value::text(&format!("k{id}")),
            _ => Value::Blob(id.to_be_bytes().to_vec()),
        };
        out.push((id, [a, b, c]));
    }
    out
}

/// The shape's operations: DDL, the rows inserted in transactions of 5,000, then half of
/// them (chosen at random) deleted in one transaction.
pub fn shape_ops(seed: u64, n: usize, indexed: bool) -> Vec<Op> {
    let ddl = if indexed { INDEXED_DDL } else { PLAIN_DDL };
    let mut ops: Vec<Op> = ddl.iter().map(|d| Op::Ddl(d.to_string())).collect();
    let rows = rows(seed, n);
    for (k, (id, values)) in rows.iter().enumerate() {
        if k > 0 && k % 5000 == 0 {
            ops.push(Op::Commit);
        }
        ops.push(Op::Insert { id: *id, values: values.clone() });
    }
    ops.push(Op::Commit);
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let mut victims: Vec<i64> = rows.iter().map(|r| r.0).collect();
    victims.shuffle(&mut rng);
    for id in victims.iter().take(n / 2) {
        ops.push(Op::Delete { id: *id });
    }
    ops
}

/// Applies `ops` through the engine's storage layer on a new MemVfs database and returns the
/// file's bytes. DDL runs in autocommit mode, rows in explicit transactions.
pub fn engine_apply(page_size: u32, ops: &[Op]) -> Vec<u8> {
    let vfs = MemVfs::new();
    let config = PagerConfig { page_size_bytes: page_size, ..Default::default() };
    let mut db = Database::open(Arc::new(vfs.clone()), "t.db", config).expect("open");
    let mut in_txn = false;
    for op in ops {
        match op {
            Op::Ddl(sql) => {
                if in_txn {
                    db.commit().unwrap();
                    in_txn = false;
                }
                db.execute_ddl(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            Op::Insert { id, values } => {
                if !in_txn {
                    db.begin().unwrap();
                    in_txn = true;
                }
                let [a, b, c] = values.clone();
                db.insert("t", Some(*id), &[Value::Integer(*id), a, b, c])
                    .unwrap_or_else(|e| panic!("insert {id}: {e}"));
            }
            Op::Delete { id } => {
                if !in_txn {
                    db.begin().unwrap();
                    in_txn = true;
                }
                assert!(db.delete("t", *id).unwrap(), "row {id} exists");
            }
            Op::Commit => {
                if in_txn {
                    db.commit().unwrap();
                    in_txn = false;
                }
            }
        }
    }
    if in_txn {
        db.commit().unwrap();
    }
    drop(db);
    vfs.file_bytes("t.db").expect("database file")
}

/// Applies `ops` through real SQLite (journal_mode DELETE, the same page size) and returns
/// the file's bytes.
pub fn sqlite_apply(page_size: u32, ops: &[Op]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "page_size", page_size).unwrap();
        let mut in_txn = false;
        for op in ops {
            match op {
                Op::Ddl(sql) => {
                    if in_txn {
                        conn.execute_batch("COMMIT").unwrap();
                        in_txn = false;
                    }
                    conn.execute_batch(sql).unwrap();
                }
                Op::Insert { id, values } => {
                    if !in_txn {
                        conn.execute_batch("BEGIN").unwrap();
                        in_txn = true;
                    }
                    let [a, b, c] = values;
                    conn.execute(
                        "INSERT INTO t(id, a, b, c) VALUES (?, ?, ?, ?)",
                        rusqlite::params![id, to_sqlite(a), to_sqlite(b), to_sqlite(c)],
                    )
                    .unwrap();
                }
                Op::Delete { id } => {
                    if !in_txn {
                        conn.execute_batch("BEGIN").unwrap();
                        in_txn = true;
                    }
                    assert_eq!(conn.execute("DELETE FROM t WHERE id = ?", [id]).unwrap(), 1);
                }
                Op::Commit => {
                    if in_txn {
                        conn.execute_batch("COMMIT").unwrap();
                        in_txn = false;
                    }
                }
            }
        }
        if in_txn {
            conn.execute_batch("COMMIT").unwrap();
        }
    }
    std::fs::read(&path).unwrap()
}

/// An engine value as a rusqlite value.
pub fn to_sqlite(v: &Value) -> rusqlite::types::Value {
    match v {
        Value::Null => rusqlite::types::Value::Null,
        Value::Integer(i) => rusqlite::types::Value::Integer(*i),
        Value::Real(r) => rusqlite::types::Value::Real(*r),
        Value::Text(t) => rusqlite::types::Value::Text(String::from_utf8(t.clone()).expect("generated text is UTF-8")),
        Value::Blob(b) => rusqlite::types::Value::Blob(b.clone()),
    }
}

/// A value in a form where equality is exact (reals by their bits).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exact {
    Null,
    Integer(i64),
    Real(u64),
    Text(Vec<u8>),
    Blob(Vec<u8>),
}

pub fn exact(v: &Value) -> Exact {
    match v {
        Value::Null => Exact::Null,
        Value::Integer(i) => Exact::Integer(*i),
        Value::Real(r) => Exact::Real(r.to_bits()),
        Value::Text(t) => Exact::Text(t.clone()),
        Value::Blob(b) => Exact::Blob(b.clone()),
    }
}

pub fn exact_sqlite(v: rusqlite::types::ValueRef<'_>) -> Exact {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => Exact::Null,
        ValueRef::Integer(i) => Exact::Integer(i),
        ValueRef::Real(r) => Exact::Real(r.to_bits()),
        ValueRef::Text(t) => Exact::Text(t.to_vec()),
        ValueRef::Blob(b) => Exact::Blob(b.to_vec()),
    }
}

/// Rows of `sql` as read by real SQLite from the file at `path`.
pub fn sqlite_query(path: &std::path::Path, sql: &str) -> Vec<Vec<Exact>> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    let n = stmt.column_count();
    let mut rows = stmt.query([]).unwrap();
    let mut out = Vec::new();
    while let Some(r) = rows.next().unwrap() {
        out.push((0..n).map(|i| exact_sqlite(r.get_ref(i).unwrap())).collect());
    }
    out
}
