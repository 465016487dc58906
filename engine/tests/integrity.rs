//! `PRAGMA integrity_check` and `quick_check` against real SQLite's.
//!
//! - Files real SQLite writes, of varied shapes (indexes of every kind, overflow chains, a
//!   freelist after deletes, many tables, views, short records) at page sizes 512, 4096 and
//!   65536: the engine says "ok", as SQLite does.
//! - Files the engine writes through its SQL API: both say "ok".
//! - Targeted damage (tests/integrity/targeted.rs: child pointers, the freelist, overflow
//!   chains, key order, zeroed pages, index entries deleted through the b-tree layer, rows
//!   that break the declared schema): the engine's rows and error equal SQLite's exactly.
//! - Seeded random damage (tests/corrupt/mutate.rs, a few hundred variants): the engine never
//!   panics or hangs, and says "not ok" whenever SQLite does; the agreement rates are printed
//!   (TOUCHSTONE_INTEGRITY_SEED=<hex> runs another seed).
//! - The pragma's arguments (a row limit, a table, a schema) and empty files: equal outcomes.
//!
//! SQLite runs on a read-write connection, as the engine does: on a read-only one SQLite
//! drops CHECK constraints from the schema and so never reports them.

#[allow(dead_code)]
mod corrupt;
#[path = "integrity/harness.rs"]
mod harness;
#[path = "integrity/targeted.rs"]
mod targeted;

use corrupt::base::base_files;
use corrupt::layout::decode;
use corrupt::mutate::{SCHEDULE, make_variant};
use harness::{Agreement, Outcome, engine_outcome, sqlite_file, sqlite_file_with, sqlite_outcome_of};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::{Duration, Instant};
use touchstone_engine::conn::Connection;
use touchstone_engine::pager::PagerConfig;
use touchstone_engine::vfs::MemVfs;

const CHECK: &str = "PRAGMA integrity_check";
const QUICK: &str = "PRAGMA quick_check";

/// Shapes of database written by real SQLite: (name, SQL).
fn shapes() -> Vec<(&'static str, String)> {
    let mut rows = String::new();
    for i in 0..300 {
        let big = if i % 23 == 0 { format!("randomblob({})", 3000 + i * 37) } else { format!("x'{:02x}'", i % 256) };
        rows.push_str(&format!(
            "INSERT INTO t VALUES({i}, 'text-{}', {}.5, {big}, {}, '{}');\n",
            i * 7 % 101,
            i % 13,
            i % 5,
            "p".repeat(i % 97)
        ));
    }
    let mut many = String::new();
    for k in 0..12 {
        many.push_str(&format!(
            "CREATE TABLE m{k}(x INTEGER PRIMARY KEY, y); CREATE INDEX m{k}_y ON m{k}(y);
             INSERT INTO m{k}(y) WITH RECURSIVE c(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM c WHERE v < 40) SELECT v * {k} FROM c;\n"
        ));
    }
    vec![
        (
            "indexes, overflow and a freelist",
            format!(
                "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b REAL, c BLOB, d NOT NULL DEFAULT 0, e);
                 CREATE INDEX t_a ON t(a);
                 CREATE UNIQUE INDEX t_ba ON t(b, a, id);
                 CREATE INDEX t_nc ON t(a COLLATE NOCASE DESC, e);
                 CREATE INDEX t_e ON t(e);
                 {rows}
                 CREATE INDEX t_c ON t(c);
                 DELETE FROM t WHERE id % 3 = 1;
                 UPDATE t SET e = e || 'x' WHERE id % 5 = 0;"
            ),
        ),
        (
            "many tables, views and triggers",
            format!(
                "{many}
                 CREATE VIEW v1 AS SELECT * FROM m1;
                 CREATE TABLE u(a TEXT UNIQUE, b UNIQUE, c PRIMARY KEY);
                 INSERT INTO u VALUES('a', 1, 1.5), ('b', 2, 'x'), (NULL, NULL, 3);
                 CREATE TRIGGER tr AFTER INSERT ON u BEGIN SELECT 1; END;
                 DROP TABLE m3;"
            ),
        ),
        (
            "short records, STRICT and WITHOUT ROWID tables, partial and expression indexes",
            "CREATE TABLE s(a INTEGER NOT NULL, b TEXT);
             INSERT INTO s VALUES(1, 'one'), (2, 'two');
             ALTER TABLE s ADD COLUMN c INTEGER NOT NULL DEFAULT 7;
             ALTER TABLE s ADD COLUMN d TEXT DEFAULT 'dflt';
             INSERT INTO s VALUES(3, 'three', 9, NULL);
             CREATE INDEX s_c ON s(c, d);
             CREATE TABLE st(a INT, b TEXT, c REAL, d ANY, e BLOB) STRICT;
             INSERT INTO st VALUES(1, 'x', 2, 'y', x'01'), (NULL, NULL, 3.5, 4, NULL);
             CREATE TABLE w(k TEXT PRIMARY KEY, v) WITHOUT ROWID;
             INSERT INTO w VALUES('a', 1), ('b', 2);
             CREATE INDEX w_v ON w(v);
             CREATE INDEX s_part ON s(b) WHERE a > 1;
             CREATE INDEX s_expr ON s(a + 1);
             CREATE TABLE empty(x);"
                .to_string(),
        ),
    ]
}

#[test]
fn files_sqlite_writes_are_ok() {
    let dir = tempfile::tempdir().expect("tempdir");
    let check_path = dir.path().join("check.db");
    for page_size in [512u32, 4096, 65536] {
        for (name, sql) in shapes() {
            let bytes = sqlite_file(dir.path(), "shape.db", page_size, &sql);
            for pragma in [CHECK, QUICK, "PRAGMA integrity_check(3)", "PRAGMA quick_check(t)"] {
                let sqlite = sqlite_outcome_of(&check_path, &bytes, pragma);
                let engine = engine_outcome(&bytes, pragma);
                let label = format!("{name} at {page_size}: {pragma}");
                if pragma.ends_with("(t)") && !sqlite.is_ok() {
                    // Shapes without a table t: both must refuse the name.
                    assert_eq!(engine.error, sqlite.error, "{label}: {engine:?} vs {sqlite:?}");
                    continue;
                }
                assert!(sqlite.is_ok(), "{label}: SQLite says {sqlite:?}");
                assert!(engine.is_ok(), "{label}: engine says {engine:?}");
            }
        }
        // Auto-vacuum files (full and incremental): pointer-map pages are checked, not unused.
        for auto_vacuum in [1u8, 2] {
            let (name, sql) = &shapes()[0];
            let bytes = sqlite_file_with(dir.path(), "av.db", page_size, auto_vacuum, sql);
            let engine = engine_outcome(&bytes, CHECK);
            assert!(engine.is_ok(), "{name} at {page_size}, auto_vacuum={auto_vacuum}: engine says {engine:?}");
        }
    }
}

/// A database written through the engine's SQL API at `page_size`.
fn engine_file(page_size: u32) -> Vec<u8> {
    let vfs = MemVfs::new();
    let config = PagerConfig { page_size_bytes: page_size, ..PagerConfig::default() };
    let conn = Connection::open_with_config("e.db", Arc::new(vfs.clone()), config).expect("open");
    conn.execute_batch(
        "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT NOT NULL, b REAL, c BLOB, d INT);
         CREATE INDEX t_a ON t(a);
         CREATE UNIQUE INDEX t_d ON t(d);
         CREATE TABLE u(x TEXT UNIQUE, y NUMERIC, z CHECK (z IS NOT 13));",
    )
    .expect("schema");
    conn.execute_batch("BEGIN").expect("begin");
    for i in 0..400i64 {
        let c: Vec<u8> =
            (0..(if i % 37 == 0 { 5000 + i as usize * 13 } else { i as usize % 40 })).map(|k| k as u8).collect();
        conn.execute(
            "INSERT INTO t(a, b, c, d) VALUES (?1, ?2, ?3, ?4)",
            touchstone_engine::params![format!("a{}", i * 31 % 97), i as f64 / 4.0, c, i],
        )
        .expect("insert t");
        conn.execute("INSERT INTO u VALUES (?1, ?2, ?3)", touchstone_engine::params![format!("x{i}"), i % 7, i % 11])
            .expect("insert u");
    }
    conn.execute_batch("COMMIT").expect("commit");
    conn.execute_batch(
        "CREATE INDEX t_bc ON t(b DESC, c); DELETE FROM t WHERE id % 4 = 0; UPDATE u SET y = y || '.5';",
    )
    .expect("changes");
    drop(conn);
    vfs.file_bytes("e.db").expect("file")
}

#[test]
fn files_the_engine_writes_are_ok_for_both() {
    let dir = tempfile::tempdir().expect("tempdir");
    let check_path = dir.path().join("check.db");
    for page_size in [512u32, 4096, 65536] {
        let bytes = engine_file(page_size);
        for pragma in [CHECK, QUICK] {
            let sqlite = sqlite_outcome_of(&check_path, &bytes, pragma);
            let engine = engine_outcome(&bytes, pragma);
            assert!(sqlite.is_ok(), "{page_size}: {pragma}: SQLite says {sqlite:?}");
            assert!(engine.is_ok(), "{page_size}: {pragma}: engine says {engine:?}");
        }
    }
}

/// Compares the engine with SQLite on one file for `pragmas`.
fn compare_with(agreement: &mut Agreement, label: &str, bytes: &[u8], check_path: &std::path::Path, pragmas: &[&str]) {
    for pragma in pragmas {
        let sqlite = sqlite_outcome_of(check_path, bytes, pragma);
        let engine = engine_outcome(bytes, pragma);
        agreement.add(&format!("{label}: {pragma}"), &sqlite, &engine);
    }
}

/// The pragmas the targeted damage is checked with: both checks, an error limit, and the
/// check of one table (a partial b-tree check).
const TARGETED_PRAGMAS: [&str; 5] =
    [CHECK, QUICK, "PRAGMA integrity_check(3)", "PRAGMA quick_check = 1", "PRAGMA integrity_check(t1)"];

/// Compares the engine with SQLite on one damaged file.
fn compare(agreement: &mut Agreement, label: &str, bytes: &[u8], check_path: &std::path::Path) {
    compare_with(agreement, label, bytes, check_path, &TARGETED_PRAGMAS);
}

#[test]
fn targeted_damage_gives_sqlites_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let check_path = dir.path().join("check.db");
    let mut agreement = Agreement::default();
    for base in base_files() {
        let layout = decode(&base.bytes);
        compare(&mut agreement, &format!("{} undamaged", base.label), &base.bytes, &check_path);
        for v in targeted::variants(&base.bytes, &layout) {
            compare(&mut agreement, &format!("{}: {}", base.label, v.what), &v.bytes, &check_path);
        }
        let index_roots: Vec<(String, u32)> =
            layout.schema.iter().filter(|r| r.kind == "index").map(|r| (r.name.clone(), r.root)).collect();
        for (name, root) in index_roots {
            let bytes = targeted::delete_first_index_entry(&base.bytes, root, layout.page_size as u32);
            compare(&mut agreement, &format!("{}: first entry of {name} deleted", base.label), &bytes, &check_path);
        }
    }
    for (what, sql) in targeted::schema_cases() {
        for page_size in [512u32, 4096] {
            let mut bytes = sqlite_file(dir.path(), "schema.db", page_size, sql);
            if what.contains("freelist") {
                let count = u32::from_be_bytes(bytes[36..40].try_into().expect("4 bytes"));
                bytes[36..40].copy_from_slice(&(count + 3).to_be_bytes());
            }
            if what.contains("fragment") {
                for root in decode(&bytes).roots() {
                    let at = (root as usize - 1) * page_size as usize + if root == 1 { 100 } else { 0 };
                    bytes[at + 7] += 1;
                }
            }
            compare(&mut agreement, &format!("{what} at {page_size}"), &bytes, &check_path);
        }
    }
    // Auto-vacuum: pointer-map entries damaged, the header's largest root page changed, and
    // the incremental-vacuum flag set on a file without auto-vacuum.
    for page_size in [512u32, 1024] {
        let (_, sql) = &shapes()[0];
        let base = sqlite_file_with(dir.path(), "av.db", page_size, 1, sql);
        compare(&mut agreement, &format!("auto-vacuum at {page_size}"), &base, &check_path);
        let map = page_size as usize; // page 2, the first pointer map
        for (what, at, value) in [
            ("pointer-map entry type 0", map, 0u8),
            ("pointer-map entry type 9", map + 5, 9),
            ("pointer-map entry parent changed", map + 5 * 7 + 4, 0x55),
            ("largest root page changed", 55, 0x01),
        ] {
            let mut bytes = base.clone();
            bytes[at] = value;
            compare(&mut agreement, &format!("auto-vacuum at {page_size}: {what}"), &bytes, &check_path);
        }
        let mut bytes = sqlite_file(dir.path(), "noav.db", page_size, sql);
        bytes[67] = 1;
        compare(&mut agreement, &format!("no auto-vacuum at {page_size}: incremental flag set"), &bytes, &check_path);
    }
    println!("{}", agreement.summary("targeted damage"));
    for d in agreement.missed.iter().chain(&agreement.false_alarms).chain(&agreement.inexact) {
        println!("DIFF {d}");
    }
    assert!(agreement.missed.is_empty() && agreement.false_alarms.is_empty(), "verdicts differ (listed above)");
    assert!(agreement.inexact.is_empty(), "rows differ from SQLite's (listed above)");
}

/// Seed of the random-damage run; TOUCHSTONE_INTEGRITY_SEED (hex) runs another.
const DEFAULT_SEED: u64 = 0x1c0f_fee5;
/// Variants per base file.
const RANDOM_VARIANTS: usize = 100;
/// The longest the engine may take on one variant.
const VARIANT_TIME_LIMIT: Duration = Duration::from_secs(2);

#[test]
fn random_damage_never_panics_and_never_hides_what_sqlite_finds() {
    let seed = std::env::var("TOUCHSTONE_INTEGRITY_SEED")
        .ok()
        .map(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).expect("hex seed"))
        .unwrap_or(DEFAULT_SEED);
    let dir = tempfile::tempdir().expect("tempdir");
    let check_path = dir.path().join("check.db");
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let bases = base_files();
    let worker = std::thread::spawn(move || {
        let mut agreement = Agreement::default();
        let mut failures = Vec::new();
        for (b, base) in bases.iter().enumerate() {
            let layout = decode(&base.bytes);
            for n in 0..RANDOM_VARIANTS {
                let kind = SCHEDULE[n % SCHEDULE.len()];
                let mut rng = ChaCha8Rng::seed_from_u64(seed ^ ((b as u64) << 32) ^ n as u64);
                let v = make_variant(kind, &base.bytes, &layout, &mut rng);
                let label = format!("seed {seed:#x} {}/{n} {kind:?}: {}", base.label, v.what);
                let _ = tx.send(label.clone());
                for pragma in [CHECK, QUICK] {
                    let started = Instant::now();
                    let engine = catch_unwind(AssertUnwindSafe(|| engine_outcome(&v.bytes, pragma)));
                    let took = started.elapsed();
                    let Ok(engine) = engine else {
                        failures.push(format!("{label}: {pragma}: the engine panicked"));
                        continue;
                    };
                    if took > VARIANT_TIME_LIMIT {
                        failures.push(format!("{label}: {pragma}: took {took:?}"));
                    }
                    let sqlite: Outcome = sqlite_outcome_of(&check_path, &v.bytes, pragma);
                    agreement.add(&format!("{label}: {pragma}"), &sqlite, &engine);
                }
            }
        }
        (agreement, failures)
    });
    // A watchdog: every variant must finish well within the limit.
    let mut current = String::new();
    loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(label) => current = label,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!("hang: {current}"),
        }
    }
    let (agreement, failures) = worker.join().expect("the worker itself does not panic");
    println!("{}", agreement.summary("random damage"));
    for d in &agreement.missed {
        println!("MISSED {d}");
    }
    for d in &agreement.false_alarms {
        println!("FALSE ALARM {d}");
    }
    for d in agreement.inexact.iter().take(40) {
        println!("INEXACT {d}");
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    assert!(failures.is_empty(), "panics or slow variants (listed above)");
    assert!(agreement.missed.is_empty(), "SQLite found damage the engine did not (listed above)");
}

#[test]
fn arguments_and_empty_files_agree_with_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let check_path = dir.path().join("check.db");
    let one_table = sqlite_file(dir.path(), "one.db", 4096, "CREATE TABLE t(a); CREATE TABLE \"x y\"(b);");
    let files: [(&str, Vec<u8>); 2] = [("an empty file", Vec::new()), ("two empty tables", one_table)];
    let pragmas = [
        CHECK,
        QUICK,
        "PRAGMA main.integrity_check",
        "PRAGMA integrity_check(-5)",
        "PRAGMA integrity_check(0)",
        "PRAGMA integrity_check = 0x10",
        "PRAGMA integrity_check('t')",
        "PRAGMA integrity_check(\"x y\")",
        "PRAGMA integrity_check(sqlite_schema)",
        "PRAGMA quick_check(nosuch)",
    ];
    for (name, bytes) in files {
        for pragma in pragmas {
            let sqlite = sqlite_outcome_of(&check_path, &bytes, pragma);
            let engine = engine_outcome(&bytes, pragma);
            assert_eq!(engine, sqlite, "{name}: {pragma}");
        }
    }
}
