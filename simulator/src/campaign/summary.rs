//! A campaign's summary (summary.json, summary.md) and a failure's diff (diff.txt).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use similar::TextDiff;

use super::SeedResult;
use crate::run::trace::fnv1a;
use crate::run::{FailureClass, RunReport};

/// The most failed seeds listed one by one in a summary.
const MAX_LISTED_FAILURES: usize = 1000;

/// A failed seed, as the summary lists it.
#[derive(Clone, Debug, Serialize)]
pub struct FailedSeed {
    pub seed: u64,
    pub class: String,
    pub step: String,
}

/// What a campaign did, accumulated as results arrive.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub scenario: String,
    pub target: String,
    pub jobs: u64,
    pub shard: String,
    pub seeds_run: u64,
    pub steps: u64,
    /// Statements started, both engines together.
    pub statements: u64,
    pub elapsed_seconds: f64,
    pub statements_per_second: f64,
    pub failures: u64,
    pub failures_by_class: BTreeMap<String, u64>,
    pub failed_seeds: Vec<FailedSeed>,
    /// Runs whose comparison stopped early without a failure (outcomes after different
    /// faults, content after a crash): judged by issue 5's checks.
    pub unchecked_runs: u64,
    /// Faults injected, per kind, over every run.
    pub faults: BTreeMap<String, u64>,
    /// Runs per page level held ("L3" .. "L0"; "none": no page check, nothing compared, or
    /// below L0). Empty when the scenario requires no page level.
    pub page_levels: BTreeMap<String, u64>,
    /// The scenario's required page level, when it has one.
    pub page_level_required: Option<u8>,
    /// FNV-1a over "seed trace_hash" lines in seed order: equal for two campaigns over the
    /// same seeds exactly when every run's trace hash is equal.
    pub campaign_hash: String,
    #[serde(skip)]
    hashes: BTreeMap<u64, String>,
}

impl Summary {
    /// An empty summary of a campaign.
    pub fn new(scenario: &str, target: &str, jobs: u64, shard: (u64, u64)) -> Summary {
        Summary {
            scenario: scenario.to_string(),
            target: target.to_string(),
            jobs,
            shard: format!("{}/{}", shard.0, shard.1),
            ..Summary::default()
        }
    }

    /// Adds one seed's result.
    pub fn add(&mut self, result: &SeedResult) {
        self.seeds_run += 1;
        self.steps += result.steps;
        self.statements += result.statements;
        if let Some(class) = &result.class {
            self.failures += 1;
            *self.failures_by_class.entry(class.clone()).or_default() += 1;
            if self.failed_seeds.len() < MAX_LISTED_FAILURES {
                self.failed_seeds.push(FailedSeed {
                    seed: result.seed,
                    class: class.clone(),
                    step: result.failed_step.clone().unwrap_or_default(),
                });
            }
        }
        if result.unchecked.is_some() {
            self.unchecked_runs += 1;
        }
        for (kind, count) in &result.faults {
            *self.faults.entry(kind.clone()).or_default() += count;
        }
        if self.page_level_required.is_some() {
            let level = result.page_level.map_or("none".to_string(), |level| format!("L{level}"));
            *self.page_levels.entry(level).or_default() += 1;
        }
        self.hashes.insert(result.seed, result.trace_hash.clone());
    }

    /// Sets the elapsed time and the figures derived from the results.
    pub fn finish(&mut self, elapsed_seconds: f64) {
        self.elapsed_seconds = elapsed_seconds;
        self.statements_per_second = if elapsed_seconds > 0.0 { self.statements as f64 / elapsed_seconds } else { 0.0 };
        self.failed_seeds.sort_by_key(|f| f.seed);
        let lines: String = self.hashes.iter().map(|(seed, hash)| format!("{seed} {hash}\n")).collect();
        self.campaign_hash = format!("{:016x}", fnv1a(lines.as_bytes()));
    }

    /// Every seed's trace hash, one "seed hash" line each, in seed order.
    pub fn hashes_text(&self) -> String {
        self.hashes.iter().map(|(seed, hash)| format!("{seed} {hash}\n")).collect()
    }

    /// The Markdown summary.
    pub fn markdown(&self) -> String {
        let mut md = format!(
            "# touchstone run: scenario {}, target {}\n\n\
             | | |\n|---|---|\n\
             | seeds | {} (shard {}, {} jobs) |\n| steps | {} |\n| statements (both engines) | {} |\n\
             | seconds | {:.1} |\n| statements/s | {:.0} |\n| failures | {} |\n| unchecked runs | {} |\n\
             | campaign hash | `{}` |\n",
            self.scenario,
            self.target,
            self.seeds_run,
            self.shard,
            self.jobs,
            self.steps,
            self.statements,
            self.elapsed_seconds,
            self.statements_per_second,
            self.failures,
            self.unchecked_runs,
            self.campaign_hash
        );
        if let Some(required) = self.page_level_required {
            let counts: Vec<String> = ["L3", "L2", "L1", "L0", "none"]
                .iter()
                .filter_map(|level| self.page_levels.get(*level).map(|n| format!("{level} {n}")))
                .collect();
            md.push_str(&format!("\npage levels held (L{required} required): {}\n", counts.join(", ")));
        }
        if !self.faults.is_empty() {
            md.push_str("\n## Faults injected\n\n| kind | count |\n|---|---:|\n");
            for (kind, count) in &self.faults {
                md.push_str(&format!("| {kind} | {count} |\n"));
            }
        }
        if !self.failed_seeds.is_empty() {
            md.push_str("\n## Failures\n\n| seed | class | step |\n|---:|---|---|\n");
            for f in &self.failed_seeds {
                md.push_str(&format!("| {} | {} | `{}` |\n", f.seed, f.class, f.step.replace('|', "\\|")));
            }
        }
        md
    }

    /// Writes summary.json, summary.md and (with `hashes`) hashes.txt into `dir`.
    pub fn write(&self, dir: &Path, hashes: bool) -> Result<(), String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let json = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        std::fs::write(dir.join("summary.json"), json + "\n").map_err(|e| e.to_string())?;
        std::fs::write(dir.join("summary.md"), self.markdown()).map_err(|e| e.to_string())?;
        if hashes {
            std::fs::write(dir.join("hashes.txt"), self.hashes_text()).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// An outcome split into lines for the diff: one value per line.
fn outcome_lines(outcome: &str) -> String {
    outcome.replace(", ", ",\n") + "\n"
}

/// The diff.txt of a failed run: what failed where, a line diff of the two outcomes (the
/// reference's as the old text, the subject's as the new) or, for checks that report
/// one text (crash, fault, page checks: no reference outcome), that report; and the
/// replay command.
pub fn failure_diff(report: &RunReport, seed: Option<u64>, replay: &str) -> String {
    let Some(f) = &report.failure else { return "no failure\n".to_string() };
    // A shrunk repro or a fuzz input has no seed.
    let run = seed.map_or_else(|| "run".to_string(), |s| format!("seed {s}"));
    if f.reference.is_empty() || f.class == FailureClass::Page {
        return format!(
            "{run}: {} failure at step #{}\nstep: {}\n\n{}\n\nreplay: {replay}\n",
            f.class.name(),
            f.step,
            f.what,
            f.subject
        );
    }
    let reference = outcome_lines(&f.reference);
    let subject = outcome_lines(&f.subject);
    let diff = TextDiff::from_lines(&reference, &subject);
    format!(
        "{run}: {} failure at step #{}\nstep: {}\n\n--- reference (real SQLite)\n+++ subject\n{}\nreplay: {replay}\n",
        f.class.name(),
        f.step,
        f.what,
        diff.unified_diff().context_radius(3)
    )
}
