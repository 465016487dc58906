//! Acceptance: files the engine writes are SQLite files, and files SQLite writes are read by
//! the engine, for tables with and without indexes holding 0, 1, 100, 10,000 and 200,000
//! rows of mixed types with values from 0 bytes to 1 MiB, half of them then deleted, at page
//! sizes 512, 4096 and 65536.
//!
//! Engine → SQLite: real SQLite's `PRAGMA integrity_check` is `ok` on the engine's file, and
//! every row and every index entry SQLite reads equals the expected state of the workload.
//! SQLite → engine: the engine reads SQLite's file, every row in rowid order and every index
//! entry in index order equal to what SQLite reads.

mod common;

use common::workload::*;
use std::collections::BTreeMap;
use std::sync::Arc;
use touchstone_engine::pager::PagerConfig;
use touchstone_engine::storage::Database;
use touchstone_engine::vfs::MemVfs;

const ROW_COUNTS: &[usize] = &[0, 1, 100, 10_000, 200_000];

/// The rows the workload leaves behind, in rowid order, as (id, a, b, c).
fn expected_rows(ops: &[Op]) -> Vec<Vec<Exact>> {
    let mut m: BTreeMap<i64, Vec<Exact>> = BTreeMap::new();
    for op in ops {
        match op {
            Op::Insert { id, values } => {
                let mut row = vec![Exact::Integer(*id)];
                row.extend(values.iter().map(exact));
                m.insert(*id, row);
            }
            Op::Delete { id } => {
                m.remove(id);
            }
            _ => {}
        }
    }
    m.into_values().collect()
}

/// The engine's reading of a database image: rows (id, a, b, c) and each index's entries.
fn engine_read(bytes: &[u8], page_size: u32, indexed: bool) -> (Vec<Vec<Exact>>, Vec<Vec<Vec<Exact>>>) {
    let vfs = MemVfs::new();
    vfs.set_file_bytes("t.db", bytes).unwrap();
    let config = PagerConfig { page_size_bytes: page_size, ..Default::default() };
    let mut db = Database::open(Arc::new(vfs), "t.db", config).unwrap();
    let rows = db.rows("t").unwrap().into_iter().map(|(_, v)| v.iter().map(exact).collect()).collect();
    let mut indexes = Vec::new();
    if indexed {
        for (name, _, _) in INDEX_ORDERS {
            let entries = db.index_entries(name).unwrap();
            indexes.push(entries.into_iter().map(|e| e.iter().map(exact).collect()).collect());
        }
    }
    (rows, indexes)
}

/// SQLite's reading of the file at `path`: rows in rowid order and each index's entries in
/// index order.
fn sqlite_read(path: &std::path::Path, indexed: bool) -> (Vec<Vec<Exact>>, Vec<Vec<Vec<Exact>>>) {
    let rows = sqlite_query(path, "SELECT id, a, b, c FROM t ORDER BY id");
    let mut indexes = Vec::new();
    if indexed {
        for (_, cols, order) in INDEX_ORDERS {
            indexes.push(sqlite_query(path, &format!("SELECT {cols} FROM t {order}")));
        }
    }
    (rows, indexes)
}

fn engine_to_sqlite(page_size: u32) {
    for &n in ROW_COUNTS {
        for indexed in [false, true] {
            let seed = n as u64 * 31 + u64::from(page_size) + u64::from(indexed);
            let ops = shape_ops(seed, n, indexed);
            let bytes = engine_apply(page_size, &ops);
            let dir = tempfile::tempdir().unwrap();
            let path = common::write_file(dir.path(), "t.db", &bytes);
            assert_eq!(common::sqlite_integrity(&path), "ok", "page size {page_size}, {n} rows, indexed {indexed}");
            let expected = expected_rows(&ops);
            let (rows, indexes) = sqlite_read(&path, indexed);
            assert_eq!(rows.len(), expected.len());
            assert!(rows == expected, "SQLite reads other rows than written (page size {page_size}, {n} rows)");
            let (engine_rows, engine_indexes) = engine_read(&bytes, page_size, indexed);
            assert!(engine_rows == expected, "the engine reads back other rows than it wrote");
            assert!(engine_indexes == indexes, "index entries differ between the engine and SQLite");
            println!(
                "engine->sqlite page_size={page_size} rows={n} indexed={indexed}: {} pages, {} rows left, integrity ok",
                bytes.len() / page_size as usize,
                rows.len()
            );
        }
    }
}

fn sqlite_to_engine(page_size: u32) {
    for &n in ROW_COUNTS {
        for indexed in [false, true] {
            let seed = n as u64 * 37 + u64::from(page_size) + u64::from(indexed);
            let ops = shape_ops(seed, n, indexed);
            let bytes = sqlite_apply(page_size, &ops);
            let dir = tempfile::tempdir().unwrap();
            let path = common::write_file(dir.path(), "t.db", &bytes);
            let (rows, indexes) = sqlite_read(&path, indexed);
            assert!(rows == expected_rows(&ops));
            let (engine_rows, engine_indexes) = engine_read(&bytes, page_size, indexed);
            assert_eq!(engine_rows.len(), rows.len());
            assert!(engine_rows == rows, "the engine reads other rows than SQLite (page size {page_size}, {n} rows)");
            assert!(engine_indexes == indexes, "the engine reads other index entries than SQLite");
            println!(
                "sqlite->engine page_size={page_size} rows={n} indexed={indexed}: {} pages, {} rows, {} index entries equal",
                bytes.len() / page_size as usize,
                rows.len(),
                indexes.iter().map(Vec::len).sum::<usize>()
            );
        }
    }
}

#[test]
fn engine_to_sqlite_512() {
    engine_to_sqlite(512);
}

#[test]
fn engine_to_sqlite_4096() {
    engine_to_sqlite(4096);
}

#[test]
fn engine_to_sqlite_65536() {
    engine_to_sqlite(65536);
}

#[test]
fn sqlite_to_engine_512() {
    sqlite_to_engine(512);
}

#[test]
fn sqlite_to_engine_4096() {
    sqlite_to_engine(4096);
}

#[test]
fn sqlite_to_engine_65536() {
    sqlite_to_engine(65536);
}
