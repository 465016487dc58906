//! Tests of the page check: levels held by two worlds driven by real SQLite, with bytes
//! changed on purpose, and over whole runs.

// One-element lists of byte ranges are meant as such.
#![allow(clippy::single_range_in_vec_init)]

use super::*;
use crate::decide::Decisions;
use crate::scenario::Scenario;
use crate::target::{Target, TargetKind};
use crate::workload::generate;
use crate::world::{DiskModel, FaultRates};

const PAGE_SIZE: u64 = 1024;

fn config() -> WorldConfig {
    WorldConfig { sim_seed: 7, sector_size_bytes: 4096, page_size_bytes: PAGE_SIZE as u32, ..WorldConfig::default() }
}

/// A world and a SQLite connection on it.
struct Side {
    world: SimVfs,
    conn: <SqliteTarget as Target>::Conn,
}

impl Side {
    fn new() -> Side {
        let world = SimVfs::new(7, DiskModel::default());
        let conn = SqliteTarget.open(&world, &config()).expect("open");
        let side = Side { world, conn };
        side.exec(&format!("PRAGMA page_size = {PAGE_SIZE}"));
        side
    }

    /// Runs `sql` to its end.
    fn exec(&self, sql: &str) {
        let mut stmt = SqliteTarget.prepare(&self.conn, sql).expect(sql);
        while SqliteTarget.step(&mut stmt).expect(sql).is_some() {}
    }

    /// Overwrites `bytes` at `offset` of the database file (recorded as written).
    fn poke(&self, offset: usize, bytes: &[u8]) {
        let mut file = self.world.file_bytes(DB_PATH).expect("db");
        file[offset..offset + bytes.len()].copy_from_slice(bytes);
        self.world.set_file_bytes(DB_PATH, &file).expect("set");
    }
}

/// Both sides after the same schema and rows, checked once (`check` requires `required`).
fn identical(required: u8) -> (Side, Side, PageCheck) {
    let (a, b) = (Side::new(), Side::new());
    let mut check = PageCheck::new(required);
    for sql in ["CREATE TABLE t(a INTEGER PRIMARY KEY, b TEXT)", "INSERT INTO t VALUES (1, 'one'), (2, 'two')"] {
        a.exec(sql);
        b.exec(sql);
        assert_eq!(check.after_step(0, &a.world, &b.world), None);
    }
    (a, b, check)
}

#[test]
fn identical_worlds_hold_l3_and_unwritten_steps_compare_nothing() {
    let (a, b, mut check) = identical(3);
    assert_eq!(check.level_held(), Some(3));
    let (comparisons, pages) = check.work();
    assert_eq!(comparisons, 2);
    assert!(pages >= 2, "{pages}");
    for side in [&a, &b] {
        side.exec("SELECT * FROM t");
    }
    assert_eq!(check.after_step(1, &a.world, &b.world), None);
    assert_eq!(check.work(), (comparisons, pages), "a read writes nothing: nothing compared");
    assert_eq!(check.at_end(&a.world, &b.world, &config()), None);
    assert_eq!(check.reported_level(), Some(3));
}

#[test]
fn nothing_is_compared_inside_a_write_transaction() {
    let (a, b, mut check) = identical(3);
    let before = check.work();
    a.exec("BEGIN");
    a.exec("INSERT INTO t VALUES (3, 'three')");
    b.exec("INSERT INTO t VALUES (3, 'three')");
    assert!(a.world.file_len(JOURNAL_PATH).is_some_and(|len| len > 0));
    assert_eq!(check.after_step(1, &a.world, &b.world), None);
    assert_eq!(check.work(), before, "a's transaction is open");
    a.exec("COMMIT");
    assert_eq!(check.after_step(2, &a.world, &b.world), None);
    assert_eq!(check.work().0, before.0 + 1);
    assert_eq!(check.level_held(), Some(3));
}

#[test]
fn an_unallocated_byte_drops_to_l2() {
    let (a, b, mut check) = identical(2);
    // Page 2 (t's root leaf) holds two small cells at its end; byte 500 lies in the gap.
    a.poke(PAGE_SIZE as usize + 500, &[0xAB]);
    assert_eq!(check.after_step(1, &a.world, &b.world), None);
    assert_eq!(check.level_held(), Some(2));
}

#[test]
fn the_same_keys_with_other_values_drop_to_l1() {
    let (a, b, mut check) = identical(1);
    a.exec("UPDATE t SET b = 'ONE' WHERE a = 1");
    b.exec("UPDATE t SET b = 'eno' WHERE a = 1");
    assert_eq!(check.after_step(1, &a.world, &b.world), None);
    assert_eq!(check.level_held(), Some(1));
}

#[test]
fn a_different_tree_shape_drops_below_l1() {
    let (a, b, mut check) = identical(0);
    a.exec("INSERT INTO t VALUES (3, 'three')");
    b.exec("INSERT INTO t VALUES (4, 'three')");
    assert_eq!(check.after_step(1, &a.world, &b.world), None, "L0 required: judged at the end");
    assert_eq!(check.level_held(), Some(0));
    // The subject's file passes integrity_check, but its content differs.
    let failure = check.at_end(&a.world, &b.world, &config()).expect("content differs");
    assert_eq!(failure.held, "below L0");
    assert!(failure.text.contains("content differs"), "{failure}");
    assert_eq!(check.level_held(), None);
}

#[test]
fn a_required_level_above_the_held_one_fails_with_the_decoded_page() {
    let (a, b, mut check) = identical(3);
    a.exec("UPDATE t SET b = 'ONE' WHERE a = 1");
    b.exec("UPDATE t SET b = 'eno' WHERE a = 1");
    let failure = check.after_step(5, &a.world, &b.world).expect("L1 is below L3");
    assert_eq!((failure.required, failure.held.as_str()), (Level::L3, "L1"));
    let text = failure.to_string();
    assert!(text.starts_with("pages at L1, the scenario requires L3"), "{text}");
    assert!(text.contains("page 2 breaks L2"), "{text}");
    // The decoded cells of both sides, as a diff.
    assert!(text.contains("'ONE'") && text.contains("'eno'"), "{text}");
    assert!(text.contains("-") && text.contains("+"), "{text}");
    // Once failed, nothing more is checked.
    a.exec("INSERT INTO t VALUES (9, 'x')");
    assert_eq!(check.after_step(6, &a.world, &b.world), None);
}

#[test]
fn a_file_failing_integrity_check_is_below_l0() {
    let (a, b, mut check) = identical(0);
    // Page 2's cell count says 9 cells: the cell pointers point into the page's gap.
    a.poke(PAGE_SIZE as usize + 3, &[0, 9]);
    assert_eq!(check.after_step(1, &a.world, &b.world), None);
    let failure = check.at_end(&a.world, &b.world, &config()).expect("a damaged page");
    assert!(failure.text.contains("integrity_check on the subject's file"), "{failure}");
    assert_eq!(check.reported_level(), None);
}

#[test]
fn a_fault_stops_the_check_at_its_step() {
    let (a, b, mut check) = identical(3);
    a.world.set_fault_rates(FaultRates { read_eio: 1.0, ..FaultRates::default() });
    let mut stmt = SqliteTarget.prepare(&a.conn, "SELECT * FROM t").expect("prepare");
    let _ = SqliteTarget.step(&mut stmt);
    drop(stmt);
    a.world.set_fault_rates(FaultRates::default());
    a.poke(0, b"X");
    assert_eq!(check.after_step(4, &a.world, &b.world), None);
    assert_eq!(check.stopped_at_step(), Some(4));
    assert_eq!(check.level_held(), Some(3), "nothing compared after the fault");
    assert_eq!(check.at_end(&a.world, &b.world, &config()), None, "no verdict after a fault");
}

#[test]
fn written_ranges_become_pages_clipped_to_the_longer_file() {
    let written = [vec![0..1, 1024..1025, 5000..9000], vec![2047..2049]];
    let pages = written_pages(&written, 1024, 8 * 1024);
    assert_eq!(pages.into_iter().collect::<Vec<_>>(), [1, 2, 3, 5, 6, 7, 8]);
    assert_eq!(show_pages(&written_pages(&written, 1024, 100 * 1024)), "1-3, 5-9");
    assert_eq!(show_pages(&BTreeSet::new()), "");
}

/// The default scenario with a page level, on `count` seeds.
fn default_runs(kind: TargetKind, count: u64) -> Vec<(u64, crate::run::RunReport)> {
    let mut scenario = Scenario::default_scenario();
    scenario.oracle.page_level = Some(0);
    (0..count)
        .map(|seed| {
            let plan = generate(&scenario, &mut Decisions::from_seed(seed));
            (seed, crate::target::run_plan(kind, &plan, false))
        })
        .collect()
}

#[test]
fn sqlite_against_itself_holds_l3() {
    for (seed, report) in default_runs(TargetKind::Sqlite, 8) {
        assert!(report.failure.is_none(), "seed {seed}: {:?}", report.failure);
        assert_eq!(report.page_level, Some(3), "seed {seed}");
    }
}

#[test]
fn the_engine_holds_a_level_on_the_default_scenario() {
    for (seed, report) in default_runs(TargetKind::Engine, 8) {
        assert!(report.failure.is_none(), "seed {seed}: {:?}", report.failure);
        assert!(report.page_level.is_some(), "seed {seed}");
    }
}
