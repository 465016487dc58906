//! The `sim` fuzz target: the input's bytes are the decision stream of a whole simulation
//! run (the world, its faults, the schedule and the workload), drawn from the `fuzz-sim`
//! scenario and run with every oracle check on. A finding is any failure class of the run
//! (`touchstone replay` and `touchstone shrink` take the input file as it is).

use crate::decide::Decisions;
use crate::repro::Repro;
use crate::scenario::Scenario;
use crate::target::{TargetKind, run_plan};
use crate::workload::{Plan, generate};

/// The embedded text of scenarios/fuzz-sim.toml.
pub const SCENARIO_TOML: &str = include_str!("../../../scenarios/fuzz-sim.toml");

/// The `fuzz-sim` scenario, parsed once per process (every input of a campaign uses it).
pub fn scenario() -> &'static Scenario {
    static SCENARIO: std::sync::OnceLock<Scenario> = std::sync::OnceLock::new();
    // The embedded text is checked by a test below; a failure here is a build defect.
    SCENARIO.get_or_init(|| Scenario::parse(SCENARIO_TOML).unwrap_or_default())
}

/// The plan `input` draws from the `fuzz-sim` scenario.
pub fn plan(input: &[u8]) -> Plan {
    generate(scenario(), &mut Decisions::from_bytes(input.to_vec()))
}

/// `input`'s run as a repro on the engine (no seed: the bytes drew it), so that replay and
/// shrink treat a fuzz input like any other failing run.
pub fn repro(input: &[u8]) -> Repro {
    Repro {
        scenario: scenario().name.clone(),
        seed: None,
        target: TargetKind::Engine,
        class: None,
        trace_hash: String::new(),
        note: format!("drawn by a {}-byte input of the sim fuzz target", input.len()),
        plan: plan(input),
    }
}

/// Runs `input`'s plan on the engine against real SQLite. Errors: the failure class, the
/// step and what each side said.
pub fn check(input: &[u8]) -> Result<(), String> {
    let report = run_plan(TargetKind::Engine, &plan(input), false);
    match report.failure {
        None => Ok(()),
        Some(m) => Err(format!(
            "{} at step {} ({}):\n  engine: {}\n  sqlite: {}",
            m.class.name(),
            m.step,
            m.what,
            m.subject,
            m.reference
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_scenario_parses_with_every_check_on() {
        let s = Scenario::parse(SCENARIO_TOML).unwrap();
        assert_eq!(s.name, "fuzz-sim");
        assert!(s.swarm && s.faults.any());
        assert_eq!(s.oracle.page_level, Some(3));
        assert!(s.oracle.cost_ratio > 0.0);
    }

    #[test]
    fn the_same_input_draws_the_same_plan_and_different_inputs_differ() {
        let a: Vec<u8> = (0..200u8).collect();
        let b: Vec<u8> = (0..200u8).map(|x| x.wrapping_mul(7)).collect();
        assert!(plan(&a) == plan(&a));
        assert!(plan(&a) != plan(&b));
        assert!(plan(b"") == plan(b""));
    }
}
