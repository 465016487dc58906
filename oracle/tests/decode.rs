//! The page decoder on files written by real SQLite.

mod common;

use common::{build, workload};
use rusqlite::Connection;
use touchstone_engine::format::Value;
use touchstone_engine::format::header::get_u32;
use touchstone_oracle::pages::payload::{decode_record, overflow_page_count};
use touchstone_oracle::pages::{BtreePage, DbImage, Image, PageType, Role, TreeEntries, describe_page};

/// Opens a temp copy of `image` with real SQLite.
fn sqlite(image: &[u8]) -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.db");
    std::fs::write(&path, image).unwrap();
    let conn = Connection::open(&path).unwrap();
    (dir, conn)
}

#[test]
fn page_one_and_the_schema() {
    let image = build(4096, |c| workload(c, 11, 300, 1));
    let db = DbImage::open(&image).unwrap();
    let page1 = BtreePage::decode(&db.image, 1).unwrap();
    assert_eq!(page1.header_offset, 100);
    assert_eq!(page1.page_type, PageType::TableLeaf);
    let names: Vec<&str> = db.map.schema().iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["t", "t_name", "kv"]);
    for entry in db.map.schema() {
        assert_eq!(db.map.role(entry.rootpage), Some(Role::Tree { root: entry.rootpage, depth: 0 }));
    }
}

#[test]
fn every_page_has_exactly_one_role() {
    for page_size in [512, 4096, 65536] {
        let image = build(page_size, |c| workload(c, 12, 2000, 2));
        let db = DbImage::open(&image).unwrap();
        assert!(db.map.problems().is_empty(), "{:?}", db.map.problems());
        assert_eq!(db.map.double_claims().count(), 0);
        let mut free_pages = 0;
        let mut overflow_pages = 0u64;
        let mut expected_overflow = 0u64;
        for pgno in 1..=db.image.page_count() {
            let info = db.map.info(pgno).unwrap();
            assert_eq!(info.claims, 1, "page {pgno}: {:?}", info.role);
            match info.role {
                Role::FreelistTrunk { .. } | Role::FreelistLeaf { .. } => free_pages += 1,
                Role::Overflow { .. } => overflow_pages += 1,
                Role::Tree { .. } => {
                    let page = BtreePage::decode(&db.image, pgno).unwrap();
                    assert_eq!(info.page_type, Some(page.page_type));
                    for cell in page.cells.iter().flatten() {
                        expected_overflow += overflow_page_count(
                            db.image.usable_size_bytes(),
                            cell.payload_bytes,
                            cell.local.len() as u64,
                        );
                    }
                }
                other => panic!("page {pgno} of a fresh file is {other:?}"),
            }
        }
        assert!(free_pages > 0, "deleting half the rows frees pages");
        assert_eq!(free_pages, get_u32(&image, 36));
        // Of the two 1 MiB blobs the even-numbered row was deleted: 1 MiB of overflow left.
        assert!(overflow_pages * u64::from(page_size) >= 1 << 20);
        assert_eq!(overflow_pages, expected_overflow);
    }
}

#[test]
fn allocated_and_unallocated_bytes_partition_each_page() {
    let image = build(1024, |c| workload(c, 13, 800, 1));
    let db = DbImage::open(&image).unwrap();
    for pgno in 1..=db.image.page_count() {
        let Ok(page) = BtreePage::decode(&db.image, pgno) else {
            continue;
        };
        assert!(page.problems.is_empty(), "page {pgno}: {:?}", page.problems);
        let allocated = page.allocated();
        let mut covered = vec![0u8; page.page_size_bytes];
        for (_, range) in &allocated {
            for b in &mut covered[range.clone()] {
                *b += 1;
            }
        }
        for range in page.unallocated() {
            for b in &mut covered[range] {
                *b += 1;
            }
        }
        assert!(covered.iter().all(|&c| c == 1), "page {pgno} is not partitioned");
        let unallocated: usize = page.unallocated().iter().map(|r| r.len()).sum();
        let freeblock_bodies: usize = page.freeblocks.iter().map(|f| f.size_bytes - 4).sum();
        let gap = page.content_start as usize - page.pointers_end();
        assert_eq!(unallocated, gap + freeblock_bodies + usize::from(page.fragmented_bytes), "page {pgno}");
    }
}

#[test]
fn tree_entries_read_what_sqlite_reads() {
    let image = build(4096, |c| workload(c, 14, 1000, 2));
    let db = DbImage::open(&image).unwrap();
    let (_dir, conn) = sqlite(&image);
    let root = |name: &str| db.map.schema().iter().find(|e| e.name == name).unwrap().rootpage;
    let mut stmt = conn.prepare("SELECT id, name, data FROM t ORDER BY id").unwrap();
    let expected: Vec<(i64, String, Vec<u8>)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
    let rows: Vec<_> = TreeEntries::new(&db.image, root("t")).map(Result::unwrap).collect();
    assert_eq!(rows.len(), expected.len());
    for (entry, (id, name, data)) in rows.iter().zip(&expected) {
        assert_eq!(entry.rowid, Some(*id));
        let values = decode_record(&entry.payload).unwrap();
        assert_eq!(values[0], Value::Null, "the INTEGER PRIMARY KEY is stored as NULL");
        assert_eq!(values[1], Value::Text(name.clone().into_bytes()));
        assert_eq!(values[2], Value::Blob(data.clone()), "row {id}");
    }
    // The index holds (name, rowid) for every row, in name order.
    let mut by_name: Vec<(String, i64)> = expected.iter().map(|(i, n, _)| (n.clone(), *i)).collect();
    by_name.sort();
    let keys: Vec<(String, i64)> = TreeEntries::new(&db.image, root("t_name"))
        .map(|e| {
            let values = decode_record(&e.unwrap().payload).unwrap();
            match &values[..] {
                [Value::Text(n), Value::Integer(i)] => (String::from_utf8(n.clone()).unwrap(), *i),
                other => panic!("index entry {other:?}"),
            }
        })
        .collect();
    assert_eq!(keys, by_name);
}

#[test]
fn payload_split_around_the_limits_matches_sqlite() {
    // Lengths around max_local, and lengths whose surplus falls either side of max_local, for
    // table cells and (through the index) index cells, at the smallest and default page sizes.
    for page_size in [512u32, 4096] {
        let u = i64::from(page_size);
        let lengths: Vec<i64> =
            [u - 40, u - 36, u - 35, u - 34, u - 30, 2 * u - 40, 2 * u - 30, 3 * u, 300, 1000].into_iter().collect();
        let image = build(page_size, |c| {
            c.execute_batch("CREATE TABLE p(id INTEGER PRIMARY KEY, v BLOB); CREATE INDEX p_v ON p(v);").unwrap();
            for (i, len) in lengths.iter().enumerate() {
                c.execute("INSERT INTO p VALUES (?1, randomblob(?2))", rusqlite::params![i as i64, len]).unwrap();
            }
        });
        let db = DbImage::open(&image).unwrap();
        assert!(db.map.problems().is_empty(), "{page_size}: {:?}", db.map.problems());
        let (_dir, conn) = sqlite(&image);
        for entry in &db.map.schema()[..2] {
            let records: Vec<Vec<Value>> = TreeEntries::new(&db.image, entry.rootpage)
                .map(|e| decode_record(&e.unwrap().payload).unwrap())
                .collect();
            assert_eq!(records.len(), lengths.len(), "{}", entry.name);
        }
        let blobs: Vec<Vec<u8>> = conn
            .prepare("SELECT v FROM p ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let decoded: Vec<Value> = TreeEntries::new(&db.image, db.map.schema()[0].rootpage)
            .map(|e| decode_record(&e.unwrap().payload).unwrap()[1].clone())
            .collect();
        let expected: Vec<Value> = blobs.into_iter().map(Value::Blob).collect();
        assert_eq!(decoded, expected);
    }
}

#[test]
fn describe_page_renders_every_role() {
    let image = build(4096, |c| workload(c, 15, 600, 1));
    let db = DbImage::open(&image).unwrap();
    let find =
        |pred: &dyn Fn(Role) -> bool| (1..=db.image.page_count()).find(|&p| pred(db.map.role(p).unwrap())).unwrap();
    let page1 = describe_page(&image, 1);
    assert!(page1.starts_with("page 1 of "), "{page1}");
    assert!(page1.contains("table leaf (0x0d) header @100"), "{page1}");
    assert!(page1.contains("'CREATE TABLE t(id INTEGER PRIM"), "{page1}");
    let overflow = describe_page(&image, find(&|r| matches!(r, Role::Overflow { .. })));
    assert!(overflow.contains("overflow page 0 of cell"), "{overflow}");
    assert!(overflow.contains("payload_bytes=4092"), "{overflow}");
    let trunk = describe_page(&image, find(&|r| matches!(r, Role::FreelistTrunk { .. })));
    assert!(trunk.contains("next_trunk=") && trunk.contains("leaves: "), "{trunk}");
    let leaf = describe_page(&image, find(&|r| matches!(r, Role::FreelistLeaf { .. })));
    assert!(leaf.contains("freelist leaf of trunk"), "{leaf}");
    let interior = describe_page(&image, find(&|r| matches!(r, Role::Tree { depth: 0, root } if root > 1)));
    assert!(interior.contains("interior") && interior.contains("right_child="), "{interior}");
    assert!(describe_page(&image, 0).contains("outside the file"));
    assert!(describe_page(&image, 1_000_000).contains("outside the file"));
    assert!(describe_page(b"not a database", 1).starts_with("cannot decode"));
    // Renderings are stable.
    assert_eq!(describe_page(&image, 2), describe_page(&image, 2));
}

#[test]
fn lock_byte_page_number() {
    for (page_size, expected) in [(512u32, 2_097_153u32), (4096, 262_145), (65536, 16_385)] {
        let image = build(page_size, |c| c.execute_batch("CREATE TABLE x(a)").unwrap());
        assert_eq!(Image::new(&image).unwrap().lock_byte_page(), expected);
    }
}
