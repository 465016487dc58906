//! Campaigns: many seeds of one scenario, over worker processes, with failures written as
//! they happen and a summary at the end (`touchstone run`).
//!
//! Jobs are processes, not threads: real SQLite keeps its PRNG in process-global state
//! (journal nonces, random rowids come from it), which each run reseeds from its own seed;
//! two runs on threads of one process would draw from it in an order the OS scheduler
//! decides. With `--jobs 1` the runs happen in the `touchstone run` process itself; with
//! more, it starts that many `touchstone worker` processes and reads one JSON line per seed
//! from each.
//!
//! The wall clock is read here (the time limit, statements per second) and nowhere inside a
//! run: it decides how many seeds run, never what a seed does.

pub mod seeds;
pub mod summary;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::decide::Decisions;
use crate::repro::Repro;
use crate::run::RunReport;
use crate::scenario::Scenario;
use crate::target::TargetKind;
use crate::workload::generate;
use seeds::SeedPlan;

/// What one worker is asked to do.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct WorkerSpec {
    /// The scenario file, or None for the embedded default.
    pub scenario_path: Option<PathBuf>,
    pub seeds: SeedPlan,
    pub job: u64,
    pub jobs: u64,
    pub target: TargetKind,
    /// Where failures are written (DIR/failures/SEED/).
    pub out: PathBuf,
    /// Stop starting new seeds after this long (milliseconds), if set.
    pub run_for_ms: Option<u64>,
}

/// One seed's result, as a worker reports it.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub struct SeedResult {
    pub seed: u64,
    pub trace_hash: String,
    pub steps: u64,
    pub statements: u64,
    /// The failure class, if the run failed.
    pub class: Option<String>,
    /// The failing step and what it was.
    pub failed_step: Option<String>,
    /// Why comparison stopped early without a failure.
    pub unchecked: Option<String>,
    /// Faults injected, per kind (only kinds that happened).
    pub faults: Vec<(String, u64)>,
    /// The page level the run held (0 to 3), if pages were compared (see
    /// [`RunReport::page_level`]).
    #[serde(default)]
    pub page_level: Option<u8>,
}

/// The command that replays `seed`.
pub fn replay_command(scenario_path: Option<&Path>, target: TargetKind, seed: u64) -> String {
    let scenario = scenario_path.map(|p| format!(" --scenario {}", p.display())).unwrap_or_default();
    let target = if target == TargetKind::Engine { String::new() } else { format!(" --target {}", target.name()) };
    format!("touchstone replay --seed {seed}{scenario}{target} --trace")
}

/// Runs one seed of `scenario`; on failure writes DIR/failures/SEED/ (repro.toml, trace.txt,
/// diff.txt).
pub fn run_seed(scenario: &Scenario, spec: &WorkerSpec, seed: u64) -> SeedResult {
    let plan = generate(scenario, &mut Decisions::from_seed(seed));
    let report = crate::target::run_plan(spec.target, &plan, false);
    if report.failure.is_some() {
        // Run again keeping the trace: the report's folder gets every step.
        let traced = crate::target::run_plan(spec.target, &plan, true);
        let repro = Repro::new(&scenario.name, Some(seed), spec.target, plan, &traced);
        if let Err(e) = write_failure(spec, seed, &repro, &traced) {
            eprintln!("seed {seed}: could not write its failure report: {e}");
        }
    }
    seed_result(seed, &report)
}

/// The result line of a run.
pub fn seed_result(seed: u64, report: &RunReport) -> SeedResult {
    SeedResult {
        seed,
        trace_hash: format!("{:016x}", report.trace_hash),
        steps: report.steps as u64,
        statements: report.statements,
        class: report.failure.as_ref().map(|f| f.class.name().to_string()),
        failed_step: report.failure.as_ref().map(|f| format!("#{} {}", f.step, f.what)),
        unchecked: report.unchecked.clone(),
        faults: report.faults.iter().filter(|(_, n)| *n > 0).map(|(k, n)| (k.to_string(), n)).collect(),
        page_level: report.page_level,
    }
}

/// Writes a failure's folder: the repro, the whole trace, and the diff of the failing step.
fn write_failure(spec: &WorkerSpec, seed: u64, repro: &Repro, report: &RunReport) -> Result<(), String> {
    let dir = spec.out.join("failures").join(seed.to_string());
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    repro.save(&dir.join("repro.toml"))?;
    let trace = report.trace.join("\n") + "\n";
    std::fs::write(dir.join("trace.txt"), trace).map_err(|e| e.to_string())?;
    let diff =
        summary::failure_diff(report, Some(seed), &replay_command(spec.scenario_path.as_deref(), spec.target, seed));
    std::fs::write(dir.join("diff.txt"), diff).map_err(|e| e.to_string())
}

/// Runs a worker's seeds in this process, handing each result to `sink` as it comes.
/// Errors: the scenario cannot be read.
pub fn work(spec: &WorkerSpec, mut sink: impl FnMut(SeedResult)) -> Result<(), String> {
    let scenario = Scenario::load(spec.scenario_path.as_deref())?;
    // Wall clock: only decides when to stop starting seeds (--hours / --minutes), never what
    // a seed does; each run's choices come from its seed alone.
    let started = Instant::now();
    let limit = spec.run_for_ms.map(Duration::from_millis);
    for seed in spec.seeds.seeds_for_job(spec.job, spec.jobs) {
        if limit.is_some_and(|limit| started.elapsed() >= limit) {
            break;
        }
        sink(run_seed(&scenario, spec, seed));
    }
    Ok(())
}

/// `touchstone worker`: runs a worker and prints one JSON line per seed on stdout.
pub fn worker_main(spec: &WorkerSpec) -> Result<(), String> {
    let stdout = std::io::stdout();
    work(spec, |result| {
        let mut out = stdout.lock();
        if let Ok(line) = serde_json::to_string(&result) {
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    })
}

/// Runs a campaign over `jobs` workers (in-process for one), handing every result to
/// `sink`. Errors: a worker could not start or failed.
pub fn run_campaign(spec: &WorkerSpec, jobs: u64, mut sink: impl FnMut(SeedResult)) -> Result<(), String> {
    if jobs <= 1 {
        return work(&WorkerSpec { job: 0, jobs: 1, ..spec.clone() }, sink);
    }
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the touchstone binary: {e}"))?;
    let (sender, receiver) = mpsc::channel::<Result<SeedResult, String>>();
    let mut children = Vec::new();
    let mut readers = Vec::new();
    for job in 0..jobs {
        let worker = WorkerSpec { job, jobs, ..spec.clone() };
        let json = serde_json::to_string(&worker).map_err(|e| e.to_string())?;
        let mut child = Command::new(&exe)
            .arg("worker")
            .arg(json)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start worker {job}: {e}"))?;
        let stdout = child.stdout.take().ok_or("worker has no stdout")?;
        let sender = sender.clone();
        // A thread per worker only reads that worker's output lines; runs happen in the
        // worker processes, one seed at a time, and results are keyed by seed.
        readers.push(std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let parsed = line
                    .map_err(|e| e.to_string())
                    .and_then(|l| serde_json::from_str::<SeedResult>(&l).map_err(|e| format!("{e}: {l}")));
                if sender.send(parsed).is_err() {
                    break;
                }
            }
        }));
        children.push(child);
    }
    drop(sender);
    for result in receiver {
        sink(result.map_err(|e| format!("worker output: {e}"))?);
    }
    for reader in readers {
        let _ = reader.join();
    }
    for (job, mut child) in children.into_iter().enumerate() {
        let status = child.wait().map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("worker {job} exited with {status}"));
        }
    }
    Ok(())
}
