//! Savepoints against a model: nested savepoints opened, released and rolled back to at
//! random between inserts, deletes and index DDL, on 512-byte pages with a 10-page cache (so
//! pages are spilled to the file inside savepoints). After every rollback the table and its
//! indexes must equal the model's state at that savepoint; at the end the committed file
//! must pass real SQLite's integrity_check with the model's rows.

mod common;

use common::workload::{Exact, exact};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::sync::Arc;
use touchstone_engine::btree::TxnState;
use touchstone_engine::format::Value;
use touchstone_engine::pager::PagerConfig;
use touchstone_engine::storage::Database;
use touchstone_engine::vfs::MemVfs;

type Rows = BTreeMap<i64, Vec<Value>>;

fn row(rng: &mut ChaCha8Rng, id: i64) -> Vec<Value> {
    let len = if rng.random_range(0..6u8) == 0 { rng.random_range(300..2000usize) } else { rng.random_range(0..40) };
    vec![
        Value::Integer(id),
        Value::Integer(rng.random_range(0..30i64)),
        Value::Blob(vec![7; len]),
        Value::Integer(id * 2),
    ]
}

fn check(db: &mut Database, model: &Rows, with_index: bool, context: &str) {
    let got: Vec<Vec<Exact>> = db.rows("t").unwrap().into_iter().map(|(_, v)| v.iter().map(exact).collect()).collect();
    let want: Vec<Vec<Exact>> = model.values().map(|v| v.iter().map(exact).collect()).collect();
    assert!(got == want, "{context}: rows differ ({} vs {})", got.len(), want.len());
    let unique = db.index_entries("sqlite_autoindex_t_1").unwrap();
    assert_eq!(unique.len(), model.len(), "{context}: UNIQUE index size");
    match db.index_entries("t_a") {
        Ok(e) => {
            assert!(with_index, "{context}: index t_a should not exist");
            assert_eq!(e.len(), model.len(), "{context}: index t_a size");
        }
        Err(e) => assert!(!with_index, "{context}: index t_a missing: {e}"),
    }
}

#[test]
fn nested_savepoints_match_the_model() {
    for seed in 0..16u64 {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let vfs = MemVfs::new();
        let config = PagerConfig { page_size_bytes: 512, cache_size: 10, ..Default::default() };
        let mut db = Database::open(Arc::new(vfs.clone()), "t.db", config).unwrap();
        db.execute_ddl("CREATE TABLE t(id INTEGER PRIMARY KEY, a, b, c UNIQUE)").unwrap();
        db.begin().unwrap();
        // The model at each open savepoint (index = savepoint number), and now.
        let mut saved: Vec<(Rows, bool)> = Vec::new();
        let mut model = Rows::new();
        let mut with_index = false;
        // The model when the transaction began.
        let mut start = (model.clone(), with_index);
        for step in 0..1500 {
            let context = format!("seed {seed} step {step}");
            let trace = std::env::var("SP_TRACE").is_ok();
            match rng.random_range(0..21u8) {
                0..=8 => {
                    let id = rng.random_range(1..400i64);
                    if let std::collections::btree_map::Entry::Vacant(slot) = model.entry(id) {
                        let r = row(&mut rng, id);
                        db.insert("t", Some(id), &r).unwrap();
                        slot.insert(r);
                    }
                }
                9..=12 => {
                    let id = rng.random_range(1..400i64);
                    assert_eq!(db.delete("t", id).unwrap(), model.remove(&id).is_some(), "{context}");
                }
                13 => {
                    if trace {
                        println!("{step}: ddl {}", if with_index { "drop" } else { "create" });
                    }
                    if with_index {
                        db.execute_ddl("DROP INDEX t_a").unwrap();
                    } else {
                        db.execute_ddl("CREATE INDEX t_a ON t(a, b)").unwrap();
                    }
                    with_index = !with_index;
                }
                14 | 15 if saved.len() < 6 => {
                    if trace {
                        println!("{step}: savepoint {}", saved.len());
                    }
                    db.open_savepoints(saved.len() + 1).unwrap();
                    saved.push((model.clone(), with_index));
                }
                16 if !saved.is_empty() => {
                    let i = rng.random_range(0..saved.len());
                    if trace {
                        println!("{step}: release {i}");
                    }
                    db.release_savepoint(i).unwrap();
                    saved.truncate(i);
                }
                17 | 18 if !saved.is_empty() => {
                    let i = rng.random_range(0..saved.len());
                    if trace {
                        println!("{step}: rollback to {i}");
                    }
                    db.rollback_to_savepoint(Some(i)).unwrap();
                    saved.truncate(i + 1);
                    (model, with_index) = saved[i].clone();
                    check(&mut db, &model, with_index, &context);
                }
                19 => {
                    if trace {
                        println!("{step}: commit");
                    }
                    db.commit().unwrap();
                    saved.clear();
                    check(&mut db, &model, with_index, &context);
                    db.begin().unwrap();
                    start = (model.clone(), with_index);
                }
                20 if db.txn_state() == TxnState::Write => {
                    if trace {
                        println!("{step}: rollback to the start");
                    }
                    db.rollback_to_savepoint(None).unwrap();
                    saved.clear();
                    (model, with_index) = start.clone();
                    check(&mut db, &model, with_index, &context);
                }
                _ => {}
            }
        }
        db.commit().unwrap();
        check(&mut db, &model, with_index, &format!("seed {seed} end"));
        drop(db);
        let dir = tempfile::tempdir().unwrap();
        let path = common::write_file(dir.path(), "t.db", &vfs.file_bytes("t.db").unwrap());
        assert_eq!(common::sqlite_integrity(&path), "ok", "seed {seed}");
        let rows = common::workload::sqlite_query(&path, "SELECT id, a, b, c FROM t ORDER BY id");
        let want: Vec<Vec<Exact>> = model.values().map(|v| v.iter().map(exact).collect()).collect();
        assert!(rows == want, "seed {seed}: SQLite reads other rows");
    }
}
