//! Helpers shared by the engine's integration tests.
#![allow(dead_code)]

pub mod failing_vfs;
pub mod workload;

use std::path::Path;
use std::sync::Arc;
use touchstone_engine::btree::{Btree, TreeKind, modify::InsertFlags};
use touchstone_engine::format::{Value, encode_values};
use touchstone_engine::pager::PagerConfig;
use touchstone_engine::vfs::{MemVfs, Vfs};

/// Opens `path` on `vfs` with the given page size and cache size (pages).
pub fn open(vfs: Arc<dyn Vfs>, path: &str, page_size: u32, cache_pages: i64) -> Btree {
    Btree::open(vfs, path, PagerConfig { page_size_bytes: page_size, cache_size: cache_pages, ..Default::default() })
        .expect("open")
}

/// Creates table `name` with columns (a, b) the raw way: a root page and a sqlite_schema row
/// as SQLite writes them for `CREATE TABLE name(a,b)`. Requires a write transaction.
pub fn create_raw_table(bt: &mut Btree, name: &str, schema_rowid: i64) -> u32 {
    let root = bt.create_tree(TreeKind::Table).expect("create tree");
    let schema = bt.cursor(1, None).expect("schema cursor");
    let rec = encode_values(&[
        Value::text("table"),
        Value::text(name),
        Value::text(name),
        Value::Integer(i64::from(root)),
        Value::text(&format!("CREATE TABLE {name}(a,b)")),
    ]);
    bt.insert_row(&schema, schema_rowid, &rec, InsertFlags::default()).expect("schema row");
    let cookie = bt.get_meta(40).unwrap();
    bt.update_meta(40, cookie + 1).unwrap();
    bt.update_meta(44, 4).unwrap();
    bt.update_meta(56, 1).unwrap();
    root
}

/// The row `(a, b)` stored at rowid `i` by the tests: an integer and a text of `i % 97` bytes.
pub fn row(i: i64) -> Vec<u8> {
    encode_values(&[Value::Integer(i * 3), Value::text(&"r".repeat((i % 97) as usize))])
}

/// Inserts rows `from..=to` into the table rooted at `root`.
pub fn insert_rows(bt: &mut Btree, root: u32, from: i64, to: i64) {
    let c = bt.cursor(root, None).unwrap();
    for i in from..=to {
        bt.insert_row(&c, i, &row(i), InsertFlags { append: true, ..Default::default() }).unwrap();
    }
}

/// Writes `bytes` to `dir/name` and returns the path.
pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Real SQLite's `PRAGMA integrity_check` on a file.
pub fn sqlite_integrity(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)).unwrap()
}

/// A MemVfs holding a database of one table `t(a,b)` with rows 1..=n, committed.
pub fn mem_db(page_size: u32, n: i64) -> (MemVfs, u32) {
    let vfs = MemVfs::new();
    let mut bt = open(Arc::new(vfs.clone()), "t.db", page_size, 500);
    bt.begin_write(false).unwrap();
    let root = create_raw_table(&mut bt, "t", 1);
    bt.commit().unwrap();
    bt.begin_write(false).unwrap();
    insert_rows(&mut bt, root, 1, n);
    bt.commit().unwrap();
    (vfs, root)
}
