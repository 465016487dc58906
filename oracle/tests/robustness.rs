//! The decoder and comparator on thousands of corrupted variants of a valid file: no panic,
//! no hang, and the targeted corruptions are detected.

mod common;

use std::sync::mpsc;
use std::time::{Duration, Instant};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use touchstone_engine::format::header::{get_u16, get_u32, put_u16, put_u32};
use touchstone_oracle::compare::{Level, compare_images, compare_pages};
use touchstone_oracle::pages::{BtreePage, DbImage, Role, TreeEntries, render_page};

/// Variants per kind of corruption; 11 kinds, so 2,200 variants in all.
const VARIANTS_PER_KIND: usize = 200;
/// The longest one variant may take before the test calls it a hang.
const HANG_LIMIT: Duration = Duration::from_secs(30);

/// The base file: small pages (512 bytes) so that a small file has deep trees, overflow
/// chains (values up to 3 KB) and a freelist.
fn base_image() -> Vec<u8> {
    common::build(512, |c| {
        let mut rng = ChaCha8Rng::seed_from_u64(99);
        c.execute_batch(
            "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, data BLOB);
             CREATE INDEX t_name ON t(name);
             CREATE TABLE kv(k TEXT PRIMARY KEY, v) WITHOUT ROWID;",
        )
        .unwrap();
        for id in 1..=400i64 {
            let len = if id % 25 == 0 { 3000 } else { rng.random_range(5..120) };
            let name_len = rng.random_range(3..40);
            let name = common::text(&mut rng, name_len);
            c.execute("INSERT INTO t VALUES (?1, ?2, randomblob(?3))", rusqlite::params![id, name, len]).unwrap();
            c.execute("INSERT INTO kv VALUES (?1, ?2)", rusqlite::params![format!("key{id}"), id * 3]).unwrap();
        }
        c.execute("DELETE FROM t WHERE id % 3 = 0", []).unwrap();
    })
}

/// Facts about the base file that targeted corruptions need.
struct Structure {
    page_size: usize,
    /// (page, byte offset of a child pointer on it, the page's parent or None for a root).
    child_pointers: Vec<(u32, usize, Option<u32>)>,
    /// (b-tree page, offset of its pointer array, cell count).
    pointer_arrays: Vec<(u32, usize, usize)>,
    trunks: Vec<u32>,
    /// (overflow page, first page of its chain).
    overflow_pages: Vec<(u32, u32)>,
    /// (page, unallocated byte offset within it): b-tree gaps and freelist leaves.
    unallocated: Vec<(u32, usize)>,
}

fn structure(image: &[u8]) -> Structure {
    let db = DbImage::open(image).unwrap();
    assert!(db.map.problems().is_empty(), "{:?}", db.map.problems());
    let mut s = Structure {
        page_size: db.image.page_size_bytes() as usize,
        child_pointers: Vec::new(),
        pointer_arrays: Vec::new(),
        trunks: Vec::new(),
        overflow_pages: Vec::new(),
        unallocated: Vec::new(),
    };
    let mut parent = vec![None; db.image.page_count() as usize + 1];
    let mut first_of_chain = std::collections::HashMap::new();
    for pgno in 1..=db.image.page_count() {
        match db.map.role(pgno).unwrap() {
            Role::Tree { .. } => {
                let page = BtreePage::decode(&db.image, pgno).unwrap();
                s.pointer_arrays.push((pgno, page.pointers_start(), page.cell_pointers.len()));
                for cell in page.cells.iter().flatten() {
                    if let Some(child) = cell.left_child {
                        parent[child as usize] = Some(pgno);
                        s.child_pointers.push((pgno, cell.offset, None));
                    }
                    if let Some(first) = cell.first_overflow {
                        first_of_chain.insert((pgno, cell.offset), first);
                    }
                }
                if let Some(right) = page.right_child {
                    parent[right as usize] = Some(pgno);
                    s.child_pointers.push((pgno, page.header_offset + 8, None));
                }
                for r in page.unallocated() {
                    s.unallocated.extend(r.map(|at| (pgno, at)));
                }
            }
            Role::FreelistTrunk { .. } => s.trunks.push(pgno),
            Role::FreelistLeaf { .. } => s.unallocated.extend((0..s.page_size).map(|at| (pgno, at))),
            Role::Overflow { owner, cell_index, .. } => {
                let page = BtreePage::decode(&db.image, owner).unwrap();
                let cell = page.cells[cell_index as usize].as_ref().unwrap();
                s.overflow_pages.push((pgno, cell.first_overflow.unwrap()));
            }
            _ => {}
        }
    }
    for entry in &mut s.child_pointers {
        entry.2 = parent[entry.0 as usize];
    }
    assert!(s.child_pointers.iter().any(|e| e.2.is_some()), "the base needs depth > 1");
    assert!(!s.trunks.is_empty() && !s.overflow_pages.is_empty());
    s
}

/// A corrupted copy of `base`: kind `kind` (0..11), drawn from `rng`. Kinds 3..=7 are
/// structural corruptions that integrity_check must catch; kind 8 touches only unallocated
/// bytes.
fn corrupt(base: &[u8], s: &Structure, kind: usize, rng: &mut ChaCha8Rng) -> (Vec<u8>, String) {
    let mut v = base.to_vec();
    let pick = |rng: &mut ChaCha8Rng, n: usize| rng.random_range(0..n);
    let page_start = |pgno: u32| (pgno as usize - 1) * s.page_size;
    let desc = match kind {
        0 => {
            let flips = rng.random_range(1..=8);
            for _ in 0..flips {
                let at = pick(rng, v.len());
                v[at] ^= 1 << rng.random_range(0..8);
            }
            format!("{flips} random bit flips")
        }
        1 => {
            let (pgno, start, cells) = s.pointer_arrays[pick(rng, s.pointer_arrays.len())];
            let header = if pgno == 1 { 100 } else { 0 };
            let at = page_start(pgno) + header + pick(rng, start - header + 2 * cells);
            v[at] ^= 1 << rng.random_range(0..8);
            format!("bit flip in the header or pointers of page {pgno}")
        }
        2 => {
            let len = pick(rng, v.len());
            v.truncate(len);
            format!("truncated to {len} bytes")
        }
        3 => {
            let (pgno, at, _) = s.child_pointers[pick(rng, s.child_pointers.len())];
            put_u32(&mut v, page_start(pgno) + at, pgno);
            format!("page {pgno} has itself as a child")
        }
        4 => {
            let with_parent: Vec<_> = s.child_pointers.iter().filter(|e| e.2.is_some()).collect();
            let &&(pgno, at, parent) = &with_parent[pick(rng, with_parent.len())];
            let parent = parent.unwrap_or(1);
            put_u32(&mut v, page_start(pgno) + at, parent);
            format!("page {pgno} has its parent {parent} as a child")
        }
        5 => {
            let trunk = s.trunks[pick(rng, s.trunks.len())];
            if rng.random_bool(0.5) {
                put_u32(&mut v, page_start(trunk), trunk);
                format!("freelist trunk {trunk} points to itself")
            } else {
                put_u32(&mut v, page_start(trunk) + 8, trunk);
                format!("freelist trunk {trunk} lists itself as a leaf")
            }
        }
        6 => {
            let (pgno, first) = s.overflow_pages[pick(rng, s.overflow_pages.len())];
            put_u32(&mut v, page_start(pgno), first);
            format!("overflow page {pgno} links back to {first}")
        }
        7 => {
            let (pgno, start, cells) = s.pointer_arrays[pick(rng, s.pointer_arrays.len())];
            let cell = pick(rng, cells.max(1));
            let bad = [0u16, 1, (s.page_size - 1) as u16, 0xffff, (start + 2 * cells - 1) as u16];
            let value = bad[pick(rng, bad.len())];
            put_u16(&mut v, page_start(pgno) + start + 2 * cell, value);
            format!("cell pointer {cell} of page {pgno} set to {value}")
        }
        8 => {
            let (pgno, at) = s.unallocated[pick(rng, s.unallocated.len())];
            v[page_start(pgno) + at] ^= 1 << rng.random_range(0..8);
            format!("bit flip in unallocated byte {at} of page {pgno}")
        }
        9 => {
            let pgno = rng.random_range(1..=(v.len() / s.page_size) as u32);
            let start = page_start(pgno) + if pgno == 1 { 100 } else { 0 };
            let end = page_start(pgno) + s.page_size;
            rng.fill(&mut v[start..end]);
            format!("page {pgno} overwritten with random bytes")
        }
        _ => {
            let field = [16usize, 20, 28, 32, 36, 52][pick(rng, 6)];
            if field == 16 {
                let value = [0u16, 1, 100, 512, 1024, 0xffff][pick(rng, 6)];
                put_u16(&mut v, field, value);
            } else if field == 20 {
                v[field] = rng.random_range(0..=255);
            } else {
                let value = [0, 1, 2, 0xffff_ffff, rng.random_range(0..1000)][pick(rng, 5)];
                put_u32(&mut v, field, value);
            }
            format!("header field at {field} rewritten")
        }
    };
    (v, desc)
}

/// Everything the oracle does with a file, on one variant. Returns the comparison level of
/// `variant` against `base`, and whether the decoder found any problem.
fn exercise(variant: &[u8], base: &[u8], db_base: &DbImage<'_>, both_ways: bool) -> (Option<Level>, bool) {
    let mut problems = true;
    if let Ok(db) = DbImage::open(variant) {
        problems = !db.map.problems().is_empty();
        let pages = db.image.page_count();
        for pgno in 0..=pages + 1 {
            let text = render_page(&db, pgno);
            assert!(!text.is_empty());
        }
        for entry in db.map.schema() {
            for item in TreeEntries::new(&db.image, entry.rootpage) {
                if item.is_err() {
                    problems = true;
                }
            }
        }
        let _ = compare_pages(&db, db_base, 1..=pages.max(db_base.image.page_count()));
    }
    let comparison = compare_images(variant, base);
    let _ = comparison.to_string();
    if both_ways {
        let _ = compare_images(base, variant).to_string();
    }
    (comparison.level, problems)
}

#[test]
fn corrupted_variants_never_panic_or_hang() {
    let base = base_image();
    let s = structure(&base);
    let (tx, rx) = mpsc::channel::<(usize, String, bool)>();
    let started = Instant::now();
    let worker_base = base.clone();
    let worker = std::thread::spawn(move || {
        let base = worker_base;
        let db_base = DbImage::open(&base).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(0x70c4_570e);
        let mut failures = Vec::new();
        for i in 0..11 * VARIANTS_PER_KIND {
            let kind = i % 11;
            let (variant, desc) = corrupt(&base, &s, kind, &mut rng);
            tx.send((i, desc.clone(), false)).unwrap();
            let (level, problems) = exercise(&variant, &base, &db_base, i % 4 == 0);
            if variant != base && level == Some(Level::L3) {
                failures.push(format!("{i} ({desc}): differing files compare at L3"));
            }
            if (3..=7).contains(&kind) {
                if !problems {
                    failures.push(format!("{i} ({desc}): the decoder found no problem"));
                }
                if level.is_some() {
                    failures.push(format!("{i} ({desc}): compares at {level:?}, integrity_check passed?"));
                }
            }
            if kind == 8 && level != Some(Level::L2) {
                failures.push(format!("{i} ({desc}): an unallocated byte changed, level {level:?}"));
            }
            tx.send((i, desc, true)).unwrap();
        }
        failures
    });
    let mut current = (0, String::new());
    loop {
        match rx.recv_timeout(HANG_LIMIT) {
            Ok((i, desc, done)) => {
                if !done {
                    current = (i, desc);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("variant {} ({}) runs longer than {HANG_LIMIT:?}", current.0, current.1)
            }
        }
    }
    let failures = match worker.join() {
        Ok(failures) => failures,
        Err(panic) => {
            eprintln!("panicked on variant {} ({})", current.0, current.1);
            std::panic::resume_unwind(panic)
        }
    };
    eprintln!("{} variants in {:.1?}", 11 * VARIANTS_PER_KIND, started.elapsed());
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn targeted_corruptions_are_named() {
    let base = base_image();
    let s = structure(&base);
    let page_start = |pgno: u32| (pgno as usize - 1) * s.page_size;
    // A child pointing to its own page: a double claim, no cycle.
    let (pgno, at, _) = s.child_pointers[0];
    let mut v = base.clone();
    put_u32(&mut v, page_start(pgno) + at, pgno);
    let db = DbImage::open(&v).unwrap();
    assert!(db.map.double_claims().any(|p| p == pgno), "{:?}", db.map.problems());
    // A freelist trunk pointing to itself.
    let trunk = s.trunks[0];
    let mut v = base.clone();
    put_u32(&mut v, page_start(trunk), trunk);
    let db = DbImage::open(&v).unwrap();
    assert!(db.map.problems_on(trunk).iter().any(|p| p.text.contains("already")), "{:?}", db.map.problems());
    // An overflow chain looping back to its first page.
    let &(pgno, first) = s.overflow_pages.iter().find(|(p, f)| p != f).unwrap();
    let mut v = base.clone();
    put_u32(&mut v, page_start(pgno), first);
    let db = DbImage::open(&v).unwrap();
    let looped = format!("overflow chain loops back to page {first}");
    assert!(db.map.problems().iter().any(|p| p.text.contains(&looped)), "{:?}", db.map.problems());
    // A cell pointer past the page.
    let (pgno, start, _) = s.pointer_arrays[1];
    let mut v = base.clone();
    put_u16(&mut v, page_start(pgno) + start, 0xffff);
    let db = DbImage::open(&v).unwrap();
    let page = BtreePage::decode(&db.image, pgno).unwrap();
    assert!(page.cells[0].is_err());
    assert!(db.map.problems_on(pgno).iter().any(|p| p.text.contains("cell 0: cell pointer 65535")));
    // The base itself is clean.
    let db = DbImage::open(&base).unwrap();
    assert_eq!(get_u16(&base, 16) as usize, s.page_size);
    assert!(get_u32(&base, 36) > 0);
    assert!(db.map.problems().is_empty());
}
