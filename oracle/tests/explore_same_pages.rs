//! Exploration: raw engine b-tree writes vs SQLite, compared page by page.

use std::sync::Arc;
use touchstone_engine::btree::{Btree, TreeKind, modify::InsertFlags};
use touchstone_engine::format::{Value, encode_values};
use touchstone_engine::pager::PagerConfig;
use touchstone_engine::vfs::MemVfs;
use touchstone_oracle::compare_images;

fn sqlite_build(page_size: u32, ops: impl FnOnce(&rusqlite::Connection)) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "page_size", page_size).unwrap();
        ops(&conn);
    }
    std::fs::read(&path).unwrap()
}

fn engine_build(page_size: u32, ops: impl FnOnce(&mut Btree, u32)) -> Vec<u8> {
    let vfs = MemVfs::new();
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
    bt.commit().unwrap();
    ops(&mut bt, root);
    drop(bt);
    vfs.file_bytes("t.db").unwrap()
}

fn row(i: i64) -> Vec<Value> {
    vec![Value::Integer(i * 7), Value::text(&"x".repeat((i % 50) as usize))]
}

#[test]
fn sequential_inserts() {
    for ps in [512u32, 4096] {
        let n = 5000;
        let s = sqlite_build(ps, |c| {
            c.execute_batch("CREATE TABLE t(a,b); BEGIN").unwrap();
            for i in 1..=n {
                let r = row(i);
                let Value::Text(t) = &r[1] else { unreachable!() };
                c.execute(
                    "INSERT INTO t(rowid,a,b) VALUES(?,?,?)",
                    rusqlite::params![i, i * 7, String::from_utf8(t.clone()).unwrap()],
                )
                .unwrap();
            }
            c.execute_batch("COMMIT").unwrap();
        });
        let e = engine_build(ps, |bt, root| {
            bt.begin_write(false).unwrap();
            let c = bt.cursor(root, None).unwrap();
            for i in 1..=n {
                bt.insert_row(&c, i, &encode_values(&row(i)), InsertFlags { append: true, ..Default::default() })
                    .unwrap();
            }
            bt.commit().unwrap();
        });
        let cmp = compare_images(&e, &s);
        println!("page size {ps}: {cmp}");
        assert!(cmp.level.is_some());
    }
}

fn lcg(x: &mut u64) -> u64 {
    *x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    *x >> 33
}

#[test]
fn random_inserts_and_deletes() {
    let ps = 1024;
    let mut x = 7u64;
    let keys: Vec<i64> = (0..4000).map(|_| (lcg(&mut x) % 100_000) as i64).collect();
    let mut del: Vec<i64> = keys.clone();
    del.sort();
    del.dedup();
    let dels: Vec<i64> = del.iter().copied().filter(|k| k % 3 == 0).collect();
    let s = sqlite_build(ps, |c| {
        c.execute_batch("CREATE TABLE t(a,b); BEGIN").unwrap();
        for &k in &keys {
            c.execute(
                "INSERT OR REPLACE INTO t(rowid,a,b) VALUES(?,?,?)",
                rusqlite::params![k, k * 7, "y".repeat((k % 300) as usize)],
            )
            .unwrap();
        }
        c.execute_batch("COMMIT; BEGIN").unwrap();
        for &k in &dels {
            c.execute("DELETE FROM t WHERE rowid=?", [k]).unwrap();
        }
        c.execute_batch("COMMIT").unwrap();
    });
    let e = engine_build(ps, |bt, root| {
        bt.begin_write(false).unwrap();
        let c = bt.cursor(root, None).unwrap();
        for &k in &keys {
            let rec = encode_values(&[Value::Integer(k * 7), Value::text(&"y".repeat((k % 300) as usize))]);
            bt.insert_row(&c, k, &rec, InsertFlags::default()).unwrap();
        }
        bt.commit().unwrap();
        bt.begin_write(false).unwrap();
        let c = bt.cursor(root, None).unwrap();
        for &k in &dels {
            assert_eq!(bt.seek_rowid(&c, k, false).unwrap(), 0);
            bt.delete(&c, false).unwrap();
        }
        bt.commit().unwrap();
    });
    let cmp = compare_images(&e, &s);
    println!("{cmp}");
    assert!(cmp.level.is_some());
}
