//! Raw b-tree writes checked by real SQLite (before the schema layer exists).

use std::sync::Arc;
use touchstone_engine::btree::{Btree, TreeKind, modify::InsertFlags};
use touchstone_engine::format::{Value, encode_values};
use touchstone_engine::pager::PagerConfig;
use touchstone_engine::vfs::MemVfs;

fn write_table(vfs: &MemVfs, page_size: u32, rows: &[(i64, Vec<Value>)]) {
    let mut bt =
        Btree::open(Arc::new(vfs.clone()), "t.db", PagerConfig { page_size_bytes: page_size, ..Default::default() })
            .unwrap();
    bt.begin_write(false).unwrap();
    let root = bt.create_tree(TreeKind::Table).unwrap();
    let schema = bt.cursor(1, None).unwrap();
    let rec = encode_values(&[
        Value::text("table"),
        Value::text("t"),
        Value::text("t"),
        Value::Integer(i64::from(root)),
        Value::text("CREATE TABLE t(a,b)"),
    ]);
    bt.insert_row(&schema, 1, &rec, InsertFlags::default()).unwrap();
    bt.update_meta(40, 1).unwrap();
    bt.update_meta(44, 4).unwrap();
    bt.update_meta(56, 1).unwrap();
    let c = bt.cursor(root, None).unwrap();
    for (rowid, vals) in rows {
        bt.insert_row(&c, *rowid, &encode_values(vals), InsertFlags { append: true, ..Default::default() }).unwrap();
    }
    bt.commit().unwrap();
}

fn check_with_sqlite(vfs: &MemVfs, rows: &[(i64, Vec<Value>)]) {
    let bytes = vfs.file_bytes("t.db").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    std::fs::write(&path, &bytes).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let ic: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(ic, "ok");
    let mut stmt = conn.prepare("SELECT rowid, a, b FROM t ORDER BY rowid").unwrap();
    let got: Vec<(i64, rusqlite::types::Value, rusqlite::types::Value)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(|r| r.unwrap()).collect();
    assert_eq!(got.len(), rows.len());
    for (g, (rowid, vals)) in got.iter().zip(rows) {
        assert_eq!(g.0, *rowid);
        let conv = |v: &Value| match v {
            Value::Null => rusqlite::types::Value::Null,
            Value::Integer(i) => rusqlite::types::Value::Integer(*i),
            Value::Real(r) => rusqlite::types::Value::Real(*r),
            Value::Text(t) => rusqlite::types::Value::Text(String::from_utf8(t.clone()).unwrap()),
            Value::Blob(b) => rusqlite::types::Value::Blob(b.clone()),
        };
        assert_eq!(g.1, conv(&vals[0]), "row {rowid}");
        assert_eq!(g.2, conv(&vals[1]), "row {rowid}");
    }
}

#[test]
fn sequential_inserts_are_valid_sqlite() {
    for &ps in &[512u32, 4096, 65536] {
        let vfs = MemVfs::new();
        let rows: Vec<(i64, Vec<Value>)> =
            (1..=3000).map(|i| (i, vec![Value::Integer(i * 7), Value::text(&"x".repeat((i % 50) as usize))])).collect();
        write_table(&vfs, ps, &rows);
        check_with_sqlite(&vfs, &rows);
    }
}

#[test]
fn random_inserts_with_overflow_are_valid_sqlite() {
    let vfs = MemVfs::new();
    let mut rows: Vec<(i64, Vec<Value>)> = Vec::new();
    let mut x: u64 = 12345;
    for _ in 0..2000 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let rowid = (x >> 33) as i64;
        let len = ((x >> 20) % 3000) as usize;
        rows.push((rowid, vec![Value::Blob(vec![(x & 0xff) as u8; len]), Value::Real(rowid as f64 / 3.0)]));
    }
    rows.sort_by_key(|r| r.0);
    rows.dedup_by_key(|r| r.0);
    let mut shuffled = rows.clone();
    shuffled.reverse();
    let mut bt =
        Btree::open(Arc::new(vfs.clone()), "t.db", PagerConfig { page_size_bytes: 1024, ..Default::default() })
            .unwrap();
    drop(bt);
    // Insert in a scrambled order.
    let mut order: Vec<(i64, Vec<Value>)> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if i % 2 == 0 { order.push(r.clone()) } else { order.insert(0, r.clone()) }
    }
    bt = Btree::open(Arc::new(vfs.clone()), "t.db", PagerConfig { page_size_bytes: 1024, ..Default::default() })
        .unwrap();
    bt.begin_write(false).unwrap();
    let root = bt.create_tree(TreeKind::Table).unwrap();
    let schema = bt.cursor(1, None).unwrap();
    let rec = encode_values(&[
        Value::text("table"),
        Value::text("t"),
        Value::text("t"),
        Value::Integer(i64::from(root)),
        Value::text("CREATE TABLE t(a,b)"),
    ]);
    bt.insert_row(&schema, 1, &rec, InsertFlags::default()).unwrap();
    bt.update_meta(40, 1).unwrap();
    bt.update_meta(44, 4).unwrap();
    bt.update_meta(56, 1).unwrap();
    let c = bt.cursor(root, None).unwrap();
    for (rowid, vals) in &order {
        bt.insert_row(&c, *rowid, &encode_values(vals), InsertFlags::default()).unwrap();
    }
    bt.commit().unwrap();
    check_with_sqlite(&vfs, &rows);
}
