//! Repro files: a run written out as explicit data, so that it replays without the seed's
//! generator (and survives changes to it).
//!
//! A repro holds the plan itself (world configuration and every step) plus what it is known
//! for: the scenario and seed it came from, the target, the failure class it showed and its
//! trace hash. `touchstone run` writes one per failure (DIR/failures/SEED/repro.toml),
//! `touchstone shrink` writes smaller ones, and corpus/regressions/*.toml are repros that the
//! test suite replays.

use serde::{Deserialize, Serialize};
use std::path::Path;

use crate::run::{FailureClass, RunReport};
use crate::target::TargetKind;
use crate::workload::Plan;

/// A self-contained run.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Repro {
    /// The scenario the plan was drawn from.
    pub scenario: String,
    /// The seed it was drawn with (absent for shrunk plans, which no seed produces).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    pub target: TargetKind,
    /// The failure class the run showed when written (absent: it passed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<FailureClass>,
    /// The trace hash of the run when written, as 16 hex digits.
    pub trace_hash: String,
    /// A note on what the repro shows (set by hand for regressions).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    pub plan: Plan,
}

impl Repro {
    /// A repro of `plan` as `report` found it.
    pub fn new(scenario: &str, seed: Option<u64>, target: TargetKind, plan: Plan, report: &RunReport) -> Repro {
        Repro {
            scenario: scenario.to_string(),
            seed,
            target,
            class: report.failure.as_ref().map(|f| f.class),
            trace_hash: format!("{:016x}", report.trace_hash),
            note: String::new(),
            plan,
        }
    }

    /// Reads a repro file and checks its plan ([`Plan::validate`]). Errors: the path and
    /// what is wrong with it.
    pub fn load(path: &Path) -> Result<Repro, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let repro: Repro = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        repro.plan.validate().map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(repro)
    }

    /// Writes the repro as TOML. Errors: the path and the I/O error.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let text = toml::to_string(self).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Runs the repro's plan on its target.
    pub fn run(&self, keep_trace: bool) -> RunReport {
        crate::target::run_plan(self.target, &self.plan, keep_trace)
    }

    /// The class a run of this repro fails with now (None: it passes).
    pub fn failure_class(&self) -> Option<FailureClass> {
        self.run(false).failure.map(|f| f.class)
    }
}
