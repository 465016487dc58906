//! Exploration: storage-layer DDL and rows vs SQLite, page by page.

use std::sync::Arc;
use touchstone_engine::format::Value;
use touchstone_engine::pager::PagerConfig;
use touchstone_engine::storage::Database;
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

fn engine_build(page_size: u32, ops: impl FnOnce(&mut Database)) -> Vec<u8> {
    let vfs = MemVfs::new();
    let mut db =
        Database::open(Arc::new(vfs.clone()), "t.db", PagerConfig { page_size_bytes: page_size, ..Default::default() })
            .unwrap();
    ops(&mut db);
    drop(db);
    vfs.file_bytes("t.db").unwrap()
}

const DDL: &[&str] = &[
    "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, data BLOB)",
    "CREATE INDEX t_name ON t(name)",
    "CREATE TABLE u(a TEXT UNIQUE, b INT, c REAL, PRIMARY KEY(b, c))",
];

fn lcg(x: &mut u64) -> u64 {
    *x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    *x >> 33
}

#[test]
fn ddl_inserts_deletes() {
    let n = 3000i64;
    let mut x = 99;
    let names: Vec<String> = (0..n).map(|i| format!("name{}", lcg(&mut x) % 1000 + i as u64 * 0)).collect();
    let s = sqlite_build(4096, |c| {
        for d in DDL {
            c.execute(d, []).unwrap();
        }
        c.execute_batch("BEGIN").unwrap();
        for i in 0..n {
            c.execute(
                "INSERT INTO t(id,name,data) VALUES(?,?,?)",
                rusqlite::params![i * 2 + 1, names[i as usize], vec![7u8; (i % 300) as usize]],
            )
            .unwrap();
            c.execute("INSERT INTO u(a,b,c) VALUES(?,?,?)", rusqlite::params![format!("u{i}"), i % 17, i as f64 * 0.5])
                .unwrap();
        }
        c.execute_batch("COMMIT").unwrap();
        c.execute_batch("BEGIN").unwrap();
        for i in (0..n).step_by(3) {
            c.execute("DELETE FROM t WHERE id=?", [i * 2 + 1]).unwrap();
        }
        c.execute_batch("COMMIT").unwrap();
    });
    let e = engine_build(4096, |db| {
        for d in DDL {
            db.execute_ddl(d).unwrap();
        }
        db.begin().unwrap();
        for i in 0..n {
            db.insert(
                "t",
                None,
                &[
                    Value::Integer(i * 2 + 1),
                    Value::text(&names[i as usize]),
                    Value::Blob(vec![7u8; (i % 300) as usize]),
                ],
            )
            .unwrap();
            db.insert("u", None, &[Value::text(&format!("u{i}")), Value::Integer(i % 17), Value::Real(i as f64 * 0.5)])
                .unwrap();
        }
        db.commit().unwrap();
        db.begin().unwrap();
        for i in (0..n).step_by(3) {
            assert!(db.delete("t", i * 2 + 1).unwrap());
        }
        db.commit().unwrap();
    });
    let cmp = compare_images(&e, &s);
    println!("{cmp}");
    assert!(cmp.level.is_some());
}

#[test]
fn create_index_on_filled_table_and_drop() {
    let n = 5000i64;
    let s = sqlite_build(4096, |c| {
        c.execute("CREATE TABLE t(a, b)", []).unwrap();
        c.execute_batch("BEGIN").unwrap();
        for i in 0..n {
            c.execute("INSERT INTO t(a,b) VALUES(?,?)", rusqlite::params![(i * 7919) % 5003, format!("v{i}")]).unwrap();
        }
        c.execute_batch("COMMIT").unwrap();
        c.execute("CREATE INDEX ia ON t(a DESC, b)", []).unwrap();
        c.execute("CREATE TABLE z(q)", []).unwrap();
        c.execute("DROP INDEX ia", []).unwrap();
        c.execute("CREATE INDEX ib ON t(b)", []).unwrap();
    });
    let e = engine_build(4096, |db| {
        db.execute_ddl("CREATE TABLE t(a, b)").unwrap();
        db.begin().unwrap();
        for i in 0..n {
            db.insert("t", None, &[Value::Integer((i * 7919) % 5003), Value::text(&format!("v{i}"))]).unwrap();
        }
        db.commit().unwrap();
        db.execute_ddl("CREATE INDEX ia ON t(a DESC, b)").unwrap();
        db.execute_ddl("CREATE TABLE z(q)").unwrap();
        db.execute_ddl("DROP INDEX ia").unwrap();
        db.execute_ddl("CREATE INDEX ib ON t(b)").unwrap();
    });
    let cmp = compare_images(&e, &s);
    println!("{cmp}");
    assert!(cmp.level.is_some());
}
