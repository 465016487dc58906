//! The crash check's content read is bounded by the step budget: a recovered image the
//! engine loops on ends the run as class `hang` instead of running forever.
//!
//! With the planted bug hang-on-max-integer (a table scan that meets a row holding
//! i64::MAX reads it again and again), seed 12 of the default scenario crashed onto an
//! image holding such a row; the engine's read of its recovery, which had no budget, never
//! ended and grew its text to gigabytes. Its own process, as the planted bug is
//! process-wide. Runs only with the `planted-bugs` feature:
//! `cargo test -p touchstone-simulator --features planted-bugs --test planted_hang`.

#![cfg(feature = "planted-bugs")]

use touchstone_engine::planted::{Bug, plant};
use touchstone_engine::vfs::DeviceCharacteristics;
use touchstone_simulator::run::FailureClass;
use touchstone_simulator::run::content::Snapshot;
use touchstone_simulator::run::crash::{Recovered, judge};
use touchstone_simulator::scenario::Scenario;
use touchstone_simulator::target::Target;
use touchstone_simulator::target::sqlite::SqliteTarget;
use touchstone_simulator::workload::WorldConfig;
use touchstone_simulator::world::{DiskModel, SimVfs};

#[test]
fn a_recovery_the_engine_loops_on_ends_as_a_hang() {
    let disk = DiskModel { sector_size_bytes: 4096, device: DeviceCharacteristics(0), capacity_bytes: None };
    let config = WorldConfig { page_size_bytes: 4096, ..WorldConfig::default() };
    // A committed image, written by real SQLite, whose table holds i64::MAX.
    let world = SimVfs::new(12, disk);
    let sqlite = SqliteTarget;
    let conn = sqlite.open(&world, &config).unwrap();
    for sql in ["CREATE TABLE t(a)", "INSERT INTO t VALUES (1), (9223372036854775807), (3)"] {
        let mut stmt = sqlite.prepare(&conn, sql).unwrap();
        while sqlite.step(&mut stmt).unwrap().is_some() {}
    }
    let image = Snapshot::of(&world);
    let budget = Scenario::default_scenario().oracle.step_op_budget;
    plant(Bug::HangOnMaxInteger);
    let report = judge(&image, &image, &image, &config, disk, budget);
    plant(Bug::None);
    match report.verdict {
        Err(failure) => assert_eq!(failure.class, FailureClass::Hang, "{}", failure.message),
        Ok(kept) => panic!("the planted hang was judged {kept:?}"),
    }
    // Without the bug the same image passes the crash checks.
    let report = judge(&image, &image, &image, &config, disk, budget);
    assert_eq!(report.verdict.map_err(|f| f.message).unwrap(), Recovered::After);
}
