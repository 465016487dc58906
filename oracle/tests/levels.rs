//! The comparator on pairs of files built by real SQLite that agree at a known level.

mod common;

use common::{build, modify, shuffled_ids, workload};
use touchstone_engine::format::header::{get_u32, put_u32};
use touchstone_oracle::compare::{Level, compare_images, compare_pages};
use touchstone_oracle::pages::DbImage;

/// Asserts that `a` vs `b` compares at exactly `expected`, printing the comparison if not.
fn assert_level(a: &[u8], b: &[u8], expected: Option<Level>) -> String {
    let comparison = compare_images(a, b);
    assert_eq!(comparison.level, expected, "{comparison}");
    comparison.to_string()
}

#[test]
fn same_operations_twice_are_byte_identical() {
    for (page_size, rows, big_rows) in [(512, 300, 1), (4096, 2000, 2), (65536, 3000, 2)] {
        let make = || build(page_size, |c| workload(c, 7, rows, big_rows));
        let (a, b) = (make(), make());
        let db = DbImage::open(&a).expect("decodes");
        assert!(db.map.problems().is_empty(), "page size {page_size}: {:?}", db.map.problems());
        assert_eq!(db.image.page_size_bytes(), page_size);
        assert_level(&a, &b, Some(Level::L3));
        // Every page also agrees at L2 when compared page by page.
        let db_b = DbImage::open(&b).expect("decodes");
        let pages = compare_pages(&db, &db_b, 1..=db.image.page_count());
        assert_eq!(pages.level, Some(Level::L2), "{pages}");
    }
}

#[test]
fn patched_change_counter_and_version_compare_at_l2() {
    let a = build(4096, |c| workload(c, 1, 500, 1));
    let mut b = a.clone();
    let counter = get_u32(&b, 24) + 5;
    put_u32(&mut b, 24, counter);
    put_u32(&mut b, 92, counter);
    put_u32(&mut b, 96, 3_045_000);
    b[18] = 2;
    b[19] = 2;
    let text = assert_level(&a, &b, Some(Level::L2));
    assert!(text.contains("level L2"), "{text}");
}

#[test]
fn version_valid_for_out_of_rule_breaks_l2() {
    let a = build(4096, |c| workload(c, 1, 500, 1));
    let mut b = a.clone();
    // The change counter moves but version-valid-for does not: the rule 92..96 == 24..28
    // fails in b, so page 1 breaks L2 while everything else agrees.
    let counter = get_u32(&b, 24) + 1;
    put_u32(&mut b, 24, counter);
    let text = assert_level(&a, &b, Some(Level::L1));
    assert!(text.contains("page 1 breaks L2"), "{text}");
    assert!(text.contains("version-valid-for"), "{text}");
}

#[test]
fn a_transaction_that_leaves_only_stale_bytes_compares_at_l2() {
    // A row appended then deleted: the counter moves and the deleted cell stays in the
    // unallocated gap, but every allocated byte is as before.
    let a = build(4096, |c| workload(c, 2, 40, 0));
    let b = modify(&a, |c| {
        c.execute_batch("BEGIN; INSERT INTO kv VALUES ('zzz', 1); DELETE FROM kv WHERE k = 'zzz'; COMMIT;")
            .expect("no-op transaction");
    });
    assert_ne!(get_u32(&a, 24), get_u32(&b, 24), "the counter must move");
    assert_ne!(a, b);
    assert_level(&a, &b, Some(Level::L2));
}

/// A small table on one leaf: rows 1..=20 with 30-byte texts.
fn one_leaf_table(c: &rusqlite::Connection) {
    c.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);").expect("create");
    for id in 1..=20 {
        c.execute("INSERT INTO t VALUES (?1, ?2)", rusqlite::params![id, format!("{id:030}")]).expect("insert");
    }
}

#[test]
fn same_keys_in_different_places_compare_at_l1() {
    let a = build(4096, one_leaf_table);
    // Rows 5 and 6 deleted (one merged freeblock) and re-inserted 6 first: pageFindSlot takes
    // each from the end of the freeblock, so the two cells swap places.
    let b = modify(&a, |c| {
        c.execute_batch(
            "DELETE FROM t WHERE id IN (5, 6);
             INSERT INTO t VALUES (6, '000000000000000000000000000006');
             INSERT INTO t VALUES (5, '000000000000000000000000000005');",
        )
        .expect("reinsert");
    });
    let text = assert_level(&a, &b, Some(Level::L1));
    assert!(text.contains("page 2 breaks L2"), "{text}");
    let comparison = compare_images(&a, &b);
    let diffs = comparison.first_differences();
    assert_eq!((diffs.len(), diffs[0].pgno, diffs[0].breaks), (1, 2, Level::L2));
    assert!(text.contains("-cell 4 @"), "the diff shows the moved cell: {text}");
}

#[test]
fn same_content_in_different_tree_shapes_compares_at_l0() {
    let rows = 3000;
    let insert = |c: &rusqlite::Connection, ids: &[i64]| {
        c.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t(v);").expect("create");
        let tx = c.unchecked_transaction().expect("begin");
        for &id in ids {
            tx.execute(
                "INSERT INTO t VALUES (?1, ?2)",
                rusqlite::params![id, format!("value {:08}", id * 7919 % 100_003)],
            )
            .expect("insert");
        }
        tx.commit().expect("commit");
    };
    let ascending: Vec<i64> = (1..=rows).collect();
    let a = build(4096, |c| insert(c, &ascending));
    let b = build(4096, |c| insert(c, &shuffled_ids(rows, 3)));
    let text = assert_level(&a, &b, Some(Level::L0));
    assert!(text.contains("breaks L1"), "{text}");
    // VACUUM rebuilds the same content into yet another shape.
    let c = modify(&b, |c| c.execute_batch("VACUUM").expect("vacuum"));
    assert_level(&c, &b, Some(Level::L0));
}

#[test]
fn different_content_compares_at_none() {
    let a = build(4096, |c| workload(c, 4, 500, 1));
    let b = modify(&a, |c| {
        c.execute("UPDATE t SET name = 'changed' WHERE id = 77", []).expect("update");
    });
    let text = assert_level(&b, &a, None);
    assert!(text.contains("L0: table t"), "{text}");
}

#[test]
fn different_big_value_compares_at_none() {
    let a = build(4096, |c| workload(c, 5, 100, 2));
    // Same size, one byte changed in the middle of a 1 MiB blob: only an overflow page
    // differs.
    let b = modify(&a, |c| {
        c.execute("UPDATE t SET data = substr(data, 1, 500000) || x'00' || substr(data, 500002) WHERE id = 101", [])
            .expect("update");
    });
    let text = assert_level(&b, &a, None);
    assert!(text.contains("L0: table t"), "{text}");
}

#[test]
fn failing_integrity_check_compares_at_none() {
    let a = build(4096, |c| workload(c, 6, 500, 0));
    let db = DbImage::open(&a).expect("decodes");
    assert!(get_u32(&a, 36) > 0, "the workload leaves free pages");
    assert!(db.map.problems().is_empty());
    let mut bad = a.clone();
    put_u32(&mut bad, 36, get_u32(&a, 36) + 1);
    let text = assert_level(&bad, &a, None);
    assert!(text.contains("integrity_check"), "{text}");
    // The decoder sees it too.
    let db_bad = DbImage::open(&bad).expect("decodes");
    assert!(db_bad.map.problems_on(1).iter().any(|p| p.text.contains("freelist count")), "{:?}", db_bad.map.problems());
}

#[test]
fn compare_pages_checks_only_the_pages_given() {
    let a = build(4096, one_leaf_table);
    let b = modify(&a, |c| {
        c.execute_batch(
            "DELETE FROM t WHERE id IN (5, 6);
             INSERT INTO t VALUES (6, '000000000000000000000000000006');
             INSERT INTO t VALUES (5, '000000000000000000000000000005');",
        )
        .expect("reinsert");
    });
    let (da, db) = (DbImage::open(&a).unwrap(), DbImage::open(&b).unwrap());
    let page1 = compare_pages(&da, &db, [1]);
    assert_eq!(page1.level, Some(Level::L2), "{page1}");
    assert_eq!(page1.pages_checked, 1);
    let page2 = compare_pages(&da, &db, [2]);
    assert_eq!(page2.level, Some(Level::L1), "{page2}");
    assert_eq!(page2.differing, vec![(2, Level::L2)]);
    assert_eq!(page2.first_differences.len(), 1);
    // A page past the end of both files: nothing on either side, nothing differs.
    let past = compare_pages(&da, &db, [99]);
    assert_eq!(past.level, Some(Level::L2), "{past}");
}
