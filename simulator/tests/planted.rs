//! An engine bug planted behind a test-only switch is found by a campaign, replayed with
//! the same trace hash, and shrunk to a repro of at most 20 statements (issue 4).
//!
//! Runs only with the `planted-bugs` feature:
//! `cargo test -p touchstone-simulator --features planted-bugs --test planted`.

#![cfg(feature = "planted-bugs")]

use touchstone_engine::planted::{Bug, plant};
use touchstone_simulator::decide::Decisions;
use touchstone_simulator::repro::Repro;
use touchstone_simulator::scenario::Scenario;
use touchstone_simulator::shrink::shrink_while;
use touchstone_simulator::target::{TargetKind, run_plan};
use touchstone_simulator::workload::generate;

/// True when `repro` fails with the bug planted and passes without it.
fn fails_because_of_the_bug(repro: &Repro) -> bool {
    plant(Bug::DeleteSkipsThirdRow);
    let with_bug = repro.run(false).failure.is_some();
    plant(Bug::None);
    let without = repro.run(false).failure.is_none();
    plant(Bug::DeleteSkipsThirdRow);
    with_bug && without
}

#[test]
fn the_lost_delete_is_found_replayed_and_shrunk() {
    let scenario = Scenario::default_scenario();
    // The campaign: the first seed whose run fails only because of the planted bug.
    let mut found = None;
    for seed in 0..200 {
        let plan = generate(&scenario, &mut Decisions::from_seed(seed));
        plant(Bug::DeleteSkipsThirdRow);
        let report = run_plan(TargetKind::Engine, &plan, false);
        let repro = Repro::new(&scenario.name, Some(seed), TargetKind::Engine, plan, &report);
        if report.failure.is_some() && fails_because_of_the_bug(&repro) {
            found = Some(repro);
            break;
        }
    }
    let repro = found.expect("no seed in 0..200 finds the planted bug");
    println!("found by seed {:?}", repro.seed);
    // Replay: the same hash.
    plant(Bug::DeleteSkipsThirdRow);
    assert_eq!(format!("{:016x}", repro.run(false).trace_hash), repro.trace_hash);
    // Shrink, keeping runs that fail because of the bug.
    let report = shrink_while(&repro, fails_because_of_the_bug);
    let statements = report.repro.plan.statement_count();
    println!(
        "shrunk {} steps to {} ({} statements) in {} runs",
        report.steps_before,
        report.repro.plan.steps.len(),
        statements,
        report.attempts
    );
    assert!(statements <= 20, "shrunk repro has {statements} statements");
    assert!(fails_because_of_the_bug(&report.repro));
    plant(Bug::None);
}
