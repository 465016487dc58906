//! The b-tree against a model: random inserts, overwrites and deletes (some through a cursor in
//! the middle of a scan), commits and rollbacks, on 512-byte pages with payloads that overflow
//! and a small cache that spills; after each transaction every scan, in both directions, and
//! seeks with each operator (<, <=, =, >=, >) must agree with a `BTreeMap`. Real SQLite checks
//! the file at the end of each run.

mod common;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;
use touchstone_engine::btree::keycmp::compare_unpacked;
use touchstone_engine::btree::modify::InsertFlags;
use touchstone_engine::btree::{Btree, Cursor, KeyInfo, SeekOp, TreeKind};
use touchstone_engine::format::{Collation, Record, Value, encode_values};
use touchstone_engine::vfs::MemVfs;

const OPS_PER_RUN: usize = 3000;
const SEEDS: u64 = 40;

fn payload(rng: &mut ChaCha8Rng, rowid: i64) -> Vec<u8> {
    let len = match rng.random_range(0..10u8) {
        0 => rng.random_range(400..3000usize),
        _ => rng.random_range(0..120usize),
    };
    encode_values(&[Value::Integer(rowid), Value::Blob(vec![(rowid & 0xff) as u8; len])])
}

/// Checks a table cursor's view of the tree against the model.
fn check_table(bt: &mut Btree, root: u32, model: &BTreeMap<i64, Vec<u8>>, rng: &mut ChaCha8Rng) {
    let c = bt.cursor(root, None).unwrap();
    let mut forward = Vec::new();
    let mut more = bt.first(&c).unwrap();
    while more {
        forward.push((bt.rowid(&c).unwrap(), bt.payload(&c).unwrap()));
        more = bt.next(&c).unwrap();
    }
    let expected: Vec<(i64, Vec<u8>)> = model.iter().map(|(k, v)| (*k, v.clone())).collect();
    assert!(forward == expected, "forward scan differs from the model");
    let mut backward = Vec::new();
    let mut more = bt.last(&c).unwrap();
    while more {
        backward.push(bt.rowid(&c).unwrap());
        more = bt.prev(&c).unwrap();
    }
    let rev: Vec<i64> = model.keys().rev().copied().collect();
    assert_eq!(backward, rev, "backward scan differs from the model");
    for _ in 0..40 {
        let probe = rng.random_range(-5..2100i64);
        for op in [SeekOp::Lt, SeekOp::Le, SeekOp::Eq, SeekOp::Ge, SeekOp::Gt] {
            let want = match op {
                SeekOp::Lt => model.range(..probe).next_back(),
                SeekOp::Le => model.range(..=probe).next_back(),
                SeekOp::Eq => model.get_key_value(&probe),
                SeekOp::Ge => model.range(probe..).next(),
                SeekOp::Gt => model.range(probe + 1..).next(),
            }
            .map(|(k, _)| *k);
            let c = bt.cursor(root, None).unwrap();
            let found = bt.seek_rowid_op(&c, probe, op).unwrap();
            let got = if found { Some(bt.rowid(&c).unwrap()) } else { None };
            assert_eq!(got, want, "seek {op:?} {probe}");
        }
    }
}

#[test]
fn table_tree_matches_model() {
    for seed in 0..SEEDS {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let vfs = MemVfs::new();
        let mut bt = common::open(Arc::new(vfs.clone()), "t.db", 512, 20);
        bt.begin_write(false).unwrap();
        let root = common::create_raw_table(&mut bt, "t", 1);
        bt.commit().unwrap();
        let mut model: BTreeMap<i64, Vec<u8>> = BTreeMap::new();
        let mut committed = model.clone();
        bt.begin_write(false).unwrap();
        for step in 0..OPS_PER_RUN {
            match rng.random_range(0..20u8) {
                0..=10 => {
                    let rowid = rng.random_range(0..2000i64);
                    let p = payload(&mut rng, rowid);
                    let c = bt.cursor(root, None).unwrap();
                    bt.insert_row(&c, rowid, &p, InsertFlags::default()).unwrap();
                    model.insert(rowid, p);
                }
                11..=15 => {
                    let rowid = rng.random_range(0..2000i64);
                    let c = bt.cursor(root, None).unwrap();
                    let exists = bt.seek_rowid(&c, rowid, false).unwrap() == 0;
                    assert_eq!(exists, model.contains_key(&rowid));
                    if exists {
                        bt.delete(&c, false).unwrap();
                        model.remove(&rowid);
                    }
                }
                16 => {
                    // Delete every third row in a range while scanning it with the same cursor.
                    let from = rng.random_range(0..2000i64);
                    let c = bt.cursor(root, None).unwrap();
                    let mut more = bt.seek_rowid_op(&c, from, SeekOp::Ge).unwrap();
                    let mut k = 0;
                    while more && k < 60 {
                        let rowid = bt.rowid(&c).unwrap();
                        if k % 3 == 0 {
                            bt.delete(&c, true).unwrap();
                            model.remove(&rowid);
                        }
                        k += 1;
                        more = bt.next(&c).unwrap();
                        if more {
                            let next = bt.rowid(&c).unwrap();
                            assert_eq!(
                                Some(next),
                                model.range(rowid + 1..).next().map(|(k, _)| *k),
                                "scan after delete"
                            );
                        }
                    }
                }
                17 | 18 => {
                    bt.commit().unwrap();
                    bt.begin_read().unwrap();
                    check_table(&mut bt, root, &model, &mut rng);
                    committed = model.clone();
                    bt.begin_write(false).unwrap();
                }
                _ => {
                    bt.rollback().unwrap();
                    model = committed.clone();
                    bt.begin_write(false).unwrap();
                    if step % 5 == 0 {
                        check_table(&mut bt, root, &model, &mut rng);
                    }
                }
            }
        }
        bt.commit().unwrap();
        bt.begin_read().unwrap();
        check_table(&mut bt, root, &model, &mut rng);
        drop(bt);
        let dir = tempfile::tempdir().unwrap();
        let path = common::write_file(dir.path(), "t.db", &vfs.file_bytes("t.db").unwrap());
        assert_eq!(common::sqlite_integrity(&path), "ok", "seed {seed}");
    }
}

/// An index entry of the model: (an integer, a text compared with NOCASE and sorted
/// descending, the rowid).
fn entry(rng: &mut ChaCha8Rng, rowid: i64) -> Vec<Value> {
    let a = if rng.random_range(0..8u8) == 0 { Value::Null } else { Value::Integer(rng.random_range(0..50i64)) };
    let len =
        if rng.random_range(0..10u8) == 0 { rng.random_range(200..900usize) } else { rng.random_range(0..12usize) };
    let t: String = (0..len).map(|i| if i % 2 == 0 { 'a' } else { char::from(b'A' + (rowid % 26) as u8) }).collect();
    vec![a, Value::text(&t), Value::Integer(rowid)]
}

#[test]
fn index_tree_matches_model() {
    let info =
        Rc::new(KeyInfo { collations: vec![Collation::Binary, Collation::NoCase], descending: vec![false, true] });
    for seed in 0..SEEDS {
        let mut rng = ChaCha8Rng::seed_from_u64(100 + seed);
        let vfs = MemVfs::new();
        let mut bt = common::open(Arc::new(vfs.clone()), "t.db", 512, 20);
        bt.begin_write(false).unwrap();
        let root = bt.create_tree(TreeKind::Index).unwrap();
        let mut model: Vec<Vec<Value>> = Vec::new();
        let cursor = |bt: &mut Btree| -> Cursor { bt.cursor(root, Some(info.clone())).unwrap() };
        for step in 0..OPS_PER_RUN {
            if rng.random_range(0..3u8) < 2 || model.is_empty() {
                let e = entry(&mut rng, step as i64);
                let c = cursor(&mut bt);
                bt.insert_key(&c, &encode_values(&e), InsertFlags::default()).unwrap();
                model.push(e);
            } else {
                let i = rng.random_range(0..model.len());
                let e = model.swap_remove(i);
                let c = cursor(&mut bt);
                assert!(bt.seek_key_op(&c, e.clone(), SeekOp::Eq).unwrap(), "entry present");
                bt.delete(&c, false).unwrap();
            }
            if step % 500 == 499 {
                model.sort_by(|a, b| compare_unpacked(a, b, &info));
                let c = cursor(&mut bt);
                let mut scanned = Vec::new();
                let mut more = bt.first(&c).unwrap();
                while more {
                    scanned.push(Record::parse(&bt.payload(&c).unwrap()).unwrap().to_values());
                    more = bt.next(&c).unwrap();
                }
                assert!(scanned == model, "index scan differs from the model at step {step}");
                for _ in 0..30 {
                    let probe = entry(&mut rng, 0)[..2].to_vec();
                    for op in [SeekOp::Lt, SeekOp::Le, SeekOp::Eq, SeekOp::Ge, SeekOp::Gt] {
                        let cmp = |e: &Vec<Value>| compare_unpacked(&e[..2], &probe, &info);
                        use std::cmp::Ordering::*;
                        let want = match op {
                            SeekOp::Lt => model.iter().rev().find(|e| cmp(e) == Less),
                            SeekOp::Le => model.iter().rev().find(|e| cmp(e) != Greater),
                            SeekOp::Eq => model.iter().find(|e| cmp(e) == Equal),
                            SeekOp::Ge => model.iter().find(|e| cmp(e) != Less),
                            SeekOp::Gt => model.iter().find(|e| cmp(e) == Greater),
                        };
                        let c = cursor(&mut bt);
                        let found = bt.seek_key_op(&c, probe.clone(), op).unwrap();
                        let got = if found {
                            Some(Record::parse(&bt.payload(&c).unwrap()).unwrap().to_values())
                        } else {
                            None
                        };
                        assert_eq!(got.as_ref(), want, "seek {op:?} {probe:?}");
                    }
                }
            }
        }
        bt.commit().unwrap();
    }
}

/// A closed cursor's state stays with the b-tree and the next cursor opened reuses it: that
/// cursor starts unpositioned on its own tree, of its own kind, while a cursor that stays open
/// on the first tree keeps its position through writes to the other tree.
#[test]
fn reopened_cursors_start_afresh() {
    let mut bt = common::open(Arc::new(MemVfs::new()), "t.db", 512, 20);
    bt.begin_write(false).unwrap();
    let table = bt.create_tree(TreeKind::Table).unwrap();
    let index = bt.create_tree(TreeKind::Index).unwrap();
    let record = encode_values(&[Value::Blob(vec![1; 60])]);
    let c = bt.cursor(table, None).unwrap();
    for rowid in 1..=40 {
        bt.insert_row(&c, rowid, &record, InsertFlags::default()).unwrap();
    }
    assert!(bt.seek_rowid_op(&c, 20, SeekOp::Eq).unwrap());
    let kept = bt.cursor(table, None).unwrap();
    assert!(bt.seek_rowid_op(&kept, 30, SeekOp::Eq).unwrap());
    drop(c);
    let info = Rc::new(KeyInfo { collations: vec![Collation::Binary], descending: vec![false] });
    let c = bt.cursor(index, Some(info.clone())).unwrap();
    assert!(!c.is_valid(), "a reopened cursor is on no entry");
    assert!(!bt.first(&c).unwrap(), "the index is empty, whatever the table held");
    for k in [5i64, 3, 9] {
        bt.insert_key(&c, &encode_values(&[Value::Integer(k), Value::Integer(k)]), InsertFlags::default()).unwrap();
    }
    drop(c);
    let c = bt.cursor(index, Some(info)).unwrap();
    let mut keys = Vec::new();
    let mut more = bt.first(&c).unwrap();
    while more {
        keys.push(Record::parse(&bt.payload(&c).unwrap()).unwrap().to_values()[0].clone());
        more = bt.next(&c).unwrap();
    }
    assert_eq!(keys, vec![Value::Integer(3), Value::Integer(5), Value::Integer(9)]);
    assert_eq!(bt.rowid(&kept).unwrap(), 30, "the open table cursor kept its row");
    drop(c);
    drop(kept);
    bt.commit().unwrap();
    bt.begin_read().unwrap();
    let c = bt.cursor(table, None).unwrap();
    assert!(bt.last(&c).unwrap());
    assert_eq!(bt.rowid(&c).unwrap(), 40);
}
