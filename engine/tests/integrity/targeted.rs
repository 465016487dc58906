//! Targeted damage for the integrity-check comparison: each variant breaks one invariant
//! that `PRAGMA integrity_check` is meant to catch, found in a valid file through its decoded
//! layout (tests/corrupt/layout.rs). Every variant is reproducible from the base file alone.

use super::corrupt::layout::{BtreePage, Layout};
use std::rc::Rc;
use std::sync::Arc;
use touchstone_engine::btree::{Btree, KeyInfo};
use touchstone_engine::pager::PagerConfig;
use touchstone_engine::vfs::MemVfs;

/// A damaged copy of a file and what was done.
pub struct Damaged {
    pub what: String,
    pub bytes: Vec<u8>,
}

fn put_u32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

fn get_u32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn put_u16(b: &mut [u8], at: usize, v: u16) {
    b[at..at + 2].copy_from_slice(&v.to_be_bytes());
}

fn get_u16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// The page's type byte in `bytes`.
fn page_type(bytes: &[u8], p: &BtreePage) -> u8 {
    bytes[p.header_at]
}

/// Every targeted variant of the valid file `base`, decoded as `layout`.
pub fn variants(base: &[u8], layout: &Layout) -> Vec<Damaged> {
    let mut out = Vec::new();
    let mut add = |what: String, f: &dyn Fn(&mut Vec<u8>)| {
        let mut bytes = base.to_vec();
        f(&mut bytes);
        out.push(Damaged { what, bytes });
    };
    let interior: Vec<&BtreePage> = layout.pages.iter().filter(|p| !p.leaf && p.cells.len() >= 2).collect();
    let table_leaves: Vec<&BtreePage> =
        layout.pages.iter().filter(|p| p.leaf && page_type(base, p) == 0x0d && p.cells.len() >= 3).collect();
    let index_leaves: Vec<&BtreePage> =
        layout.pages.iter().filter(|p| p.leaf && page_type(base, p) == 0x0a && p.cells.len() >= 3).collect();
    let n = layout.n_pages;

    // Child pointers: a duplicate reference, out of range, onto a free page, a zero right child.
    for p in interior.iter().take(3) {
        let (a, b) = (p.cells[0].child_at.expect("interior"), p.cells[1].child_at.expect("interior"));
        add(format!("page {}: cell 0's child = cell 1's child", p.pgno), &|x| {
            let v = get_u32(x, b);
            put_u32(x, a, v)
        });
        add(format!("page {}: cell 1's child past the end", p.pgno), &|x| put_u32(x, b, n + 3));
        if let Some(&leaf) = layout.leaves.first() {
            add(format!("page {}: cell 0's child = free page {leaf}", p.pgno), &|x| put_u32(x, a, leaf));
        }
        let right = p.right_child_at.expect("interior");
        add(format!("page {}: right child 0", p.pgno), &|x| put_u32(x, right, 0));
        add(format!("page {}: right child = cell 0's child", p.pgno), &|x| {
            let v = get_u32(x, a);
            put_u32(x, right, v)
        });
    }

    // The freelist.
    let count = get_u32(base, 36);
    add(format!("freelist count {count} + 1"), &|x| put_u32(x, 36, count + 1));
    add(format!("freelist count {count} - 1"), &|x| put_u32(x, 36, count - 1));
    add("freelist first trunk 0".into(), &|x| put_u32(x, 32, 0));
    if let Some(&trunk) = layout.trunks.first() {
        let at = layout.page_at(trunk);
        add(format!("trunk {trunk}: leaf count too big"), &|x| put_u32(x, at + 4, u32::MAX / 2));
        add(format!("trunk {trunk}: first leaf = page 1"), &|x| put_u32(x, at + 8, 1));
        add(format!("trunk {trunk}: first leaf past the end"), &|x| put_u32(x, at + 8, n + 9));
    }

    // Overflow chains: cut short, first pointer zeroed, last page pointing on.
    for ch in layout.chains.iter().take(3) {
        if ch.pages.len() >= 2 {
            let at = layout.page_at(ch.pages[0]);
            add(format!("overflow chain at {}: cut after its first page", ch.first_ptr_at), &|x| put_u32(x, at, 0));
        }
        let first = ch.first_ptr_at;
        add(format!("overflow chain at {first}: first pointer 0"), &|x| put_u32(x, first, 0));
        let last = layout.page_at(*ch.pages.last().expect("a chain page"));
        let target = layout.leaves.first().copied().unwrap_or(n);
        add(format!("overflow chain at {first}: last page continues to {target}"), &|x| put_u32(x, last, target));
    }

    // Key order: two cell pointers swapped on a table leaf and on an index leaf.
    for p in table_leaves.iter().take(2).chain(index_leaves.iter().take(2)) {
        let (a, b) = (p.cells[0].ptr_at, p.cells[2].ptr_at);
        add(format!("page {}: cells 0 and 2 swapped", p.pgno), &|x| {
            let (va, vb) = (get_u16(x, a), get_u16(x, b));
            put_u16(x, a, vb);
            put_u16(x, b, va);
        });
        let (c0, c1) = (p.cells[0].ptr_at, p.cells[1].ptr_at);
        add(format!("page {}: cell 1 pointer = cell 0 pointer", p.pgno), &|x| {
            let v = get_u16(x, c0);
            put_u16(x, c1, v)
        });
        let hdr = p.header_at;
        add(format!("page {}: fragment count + 1", p.pgno), &|x| x[hdr + 7] = x[hdr + 7].wrapping_add(1));
        let cell = p.cells[1].at;
        add(format!("page {}: cell 1's record header size + 1", p.pgno), &|x| {
            let at = cell + if page_type(base, p) == 0x0d { 2 } else { 1 };
            if x[at] < 0x7f {
                x[at] += 1;
            }
        });
    }

    // Whole pages zeroed: leaves, an interior page, an overflow page, a trunk.
    let mut zero_pages: Vec<(u32, &str)> = Vec::new();
    zero_pages.extend(table_leaves.first().map(|p| (p.pgno, "a table leaf")));
    zero_pages.extend(index_leaves.first().map(|p| (p.pgno, "an index leaf")));
    zero_pages.extend(interior.first().map(|p| (p.pgno, "an interior page")));
    zero_pages.extend(layout.chains.first().map(|c| (c.pages[0], "an overflow page")));
    zero_pages.extend(layout.trunks.first().map(|&t| (t, "a freelist trunk")));
    zero_pages.extend(layout.leaves.first().map(|&l| (l, "a freelist leaf")));
    for (pgno, what) in zero_pages {
        let at = layout.page_at(pgno);
        let size = layout.page_size;
        add(format!("page {pgno} ({what}) zeroed"), &|x| x[at..at + size].fill(0));
    }

    // The header's page count one short (with the change counter valid for it).
    add("header page count one short".into(), &|x| {
        let v = get_u32(x, 28);
        put_u32(x, 28, v - 1)
    });
    out
}

/// The first entry of the index rooted at `root` deleted through the engine's b-tree layer
/// (the row stays in its table): the file the engine writes, for "row N missing from index"
/// and "wrong # of entries".
pub fn delete_first_index_entry(base: &[u8], root: u32, page_size: u32) -> Vec<u8> {
    let vfs = MemVfs::new();
    vfs.set_file_bytes("raw.db", base).expect("set bytes");
    let config = PagerConfig { page_size_bytes: page_size, ..PagerConfig::default() };
    let mut bt = Btree::open(Arc::new(vfs.clone()), "raw.db", config).expect("open");
    bt.begin_write(false).expect("begin");
    let c = bt.cursor(root, Some(Rc::new(KeyInfo::binary(2)))).expect("cursor");
    assert!(bt.first(&c).expect("first"), "the index has entries");
    bt.delete(&c, false).expect("delete");
    drop(c);
    bt.commit().expect("commit");
    drop(bt);
    vfs.file_bytes("raw.db").expect("file")
}

/// Files whose rows break their table's declared rules, made by real SQLite with
/// writable_schema (the rows were valid when written; the schema changed under them), each
/// with the SQL that builds it.
pub fn schema_cases() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "NULL in a column declared NOT NULL",
            "CREATE TABLE t(a, b); INSERT INTO t VALUES(1, NULL), (2, 3), (NULL, 4);
             PRAGMA writable_schema=ON;
             UPDATE sqlite_schema SET sql='CREATE TABLE t(a NOT NULL, b NOT NULL)' WHERE name='t';",
        ),
        (
            "integers in a TEXT column, numeric text in an INTEGER column",
            "CREATE TABLE t(a, b, c); INSERT INTO t VALUES(5, '12', 'x'), ('a', ' 3.5 ', 2.5), (x'00', '1e3', NULL);
             PRAGMA writable_schema=ON;
             UPDATE sqlite_schema SET sql='CREATE TABLE t(a TEXT, b INTEGER, c REAL)' WHERE name='t';",
        ),
        (
            "STRICT column types",
            "CREATE TABLE t(a INT, b TEXT, c REAL, d ANY); INSERT INTO t VALUES('x', 5, 'y', 1), (1, 'ok', 2, x'01');
             PRAGMA writable_schema=ON;
             UPDATE sqlite_schema SET sql='CREATE TABLE t(a INT, b TEXT, c REAL, d ANY) STRICT' WHERE name='t';",
        ),
        (
            "duplicate keys in a UNIQUE index",
            "CREATE TABLE t(a, b); INSERT INTO t VALUES(1, 'x'), (1, 'y'), (NULL, 'z'), (NULL, 'w'), (2, 'v');
             CREATE INDEX i ON t(a);
             PRAGMA writable_schema=ON;
             UPDATE sqlite_schema SET sql='CREATE UNIQUE INDEX i ON t(a)' WHERE name='i';",
        ),
        (
            "an index whose entries are another column's",
            "CREATE TABLE t(a, b); INSERT INTO t VALUES(1, 10), (2, 20), (3, 30);
             CREATE INDEX i ON t(a);
             PRAGMA writable_schema=ON;
             UPDATE sqlite_schema SET sql='CREATE INDEX i ON t(b)' WHERE name='i';",
        ),
        (
            "an index declared NOCASE over BINARY entries",
            "CREATE TABLE t(a); INSERT INTO t VALUES('abc'), ('ABD'), ('x');
             CREATE INDEX i ON t(a);
             UPDATE t SET a = 'ABC' WHERE a = 'abc';
             PRAGMA writable_schema=ON;
             UPDATE sqlite_schema SET sql='CREATE INDEX i ON t(a COLLATE NOCASE)' WHERE name='i';",
        ),
        (
            "a column added with a default, NOT NULL, over short records",
            "CREATE TABLE t(a); INSERT INTO t VALUES(1), (2);
             PRAGMA writable_schema=ON;
             UPDATE sqlite_schema SET sql='CREATE TABLE t(a, b TEXT NOT NULL DEFAULT 5, c INT DEFAULT ''7'', d NOT NULL)' WHERE name='t';",
        ),
        (
            "rows that fail CHECK constraints (NULL passes)",
            "CREATE TABLE t(a, b, c); INSERT INTO t VALUES(1, 5, 'x'), (-1, 5, 'y'), (2, 50, NULL), (NULL, 99, 'z'), (-3, NULL, 'w');
             CREATE TABLE u(p, q); INSERT INTO u VALUES(1, 2), (3, 1);
             PRAGMA writable_schema=ON;
             UPDATE sqlite_schema SET sql='CREATE TABLE t(a CHECK (a > 0), b, c, CHECK (b < 10 OR c IS NULL))' WHERE name='t';
             UPDATE sqlite_schema SET sql='CREATE TABLE u(p, q, CONSTRAINT ord CHECK (p < q))' WHERE name='u';",
        ),
        (
            "many tables, each root's fragment count off by one (the order of SQLite's table hash)",
            "CREATE TABLE t1(a); CREATE TABLE t2(a); CREATE TABLE zeta(a UNIQUE); CREATE TABLE eta(a);
             CREATE VIEW v1 AS SELECT 1; CREATE TABLE theta(a); CREATE TABLE Alpha(a, b UNIQUE);
             CREATE TABLE b(a); CREATE INDEX b_a ON b(a); CREATE TABLE c(a); CREATE TABLE d(a); CREATE TABLE e(a);
             CREATE TABLE f(a); CREATE TABLE g(a); CREATE TABLE h(a); CREATE VIEW v2 AS SELECT 2; CREATE TABLE i(a);
             CREATE TABLE j(a); CREATE TABLE k(a); CREATE TABLE \"odd name\"(a);
             INSERT INTO t1 VALUES(1); INSERT INTO i VALUES('x');",
        ),
        (
            "a view created last (SQLite's check becomes partial) over a broken freelist count",
            "CREATE TABLE t(a); INSERT INTO t VALUES(1); CREATE VIEW v AS SELECT * FROM t;
             PRAGMA writable_schema=ON; PRAGMA user_version=1;",
        ),
    ]
}
